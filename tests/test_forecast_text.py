"""The forecast sentence parser: probability, claim, deadline and forecaster."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from briefkit.forecast_text import Forecast, parse_date, parse_forecast

METACULUS = ", according to the Metaculus prediction community."


@pytest.mark.parametrize("sentence, expected", [
    ("There's a 14% chance that Russia will use a nuclear weapon before September 9, 2032" + METACULUS,
     Forecast(Decimal("0.14"), "Russia will use a nuclear weapon", date(2032, 9, 8), "Metaculus")),
    ("There's a 2.5% chance that North Korea will conduct a nuclear test before 2030" + METACULUS,
     Forecast(Decimal("0.025"), "North Korea will conduct a nuclear test", date(2029, 12, 31), "Metaculus")),
    ("There's a 50% chance that the Russia-Ukraine war will end by May 25, 2029" + METACULUS,
     Forecast(Decimal("0.5"), "The Russia-Ukraine war will end", date(2029, 5, 25), "Metaculus")),
    ("There's a 14% chance, that South Korea will send lethal weapons to Ukraine before September 9, 2032"
     + METACULUS,
     Forecast(Decimal("0.14"), "South Korea will send lethal weapons to Ukraine", date(2032, 9, 8), "Metaculus")),
    ("There is a 7% chance that a ceasefire is signed by 2025 before January 1, 2027, according to Polymarket.",
     Forecast(Decimal("0.07"), "A ceasefire is signed by 2025", date(2026, 12, 31), "Polymarket")),
    ("There’s an 80% chance that the treaty holds by 2026.",
     Forecast(Decimal("0.8"), "The treaty holds", date(2026, 12, 31), "")),
])
def test_forecast_sentences(sentence: str, expected: Forecast) -> None:
    assert parse_forecast(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "There's a chance that the war ends before 2030.",
    "There's a 14% chance that the war ends.",
    "There's a 140% chance that the war ends before 2030.",
    "Analysts put the odds at 14% that the war ends before 2030.",
    "There's a 14% chance that the war ends before Smarch 3, 2030.",
])
def test_not_forecasts(sentence: str) -> None:
    assert parse_forecast(sentence) is None


def test_dates() -> None:
    assert parse_date("Sept. 9, 2032") == date(2032, 9, 9)
    assert parse_date("9 September 2032") == date(2032, 9, 9)
    assert parse_date("2032-09-09") == date(2032, 9, 9)
    assert parse_date("February 30, 2030") is None
