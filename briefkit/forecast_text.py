"""Read a forecast sentence ("There's a 14% chance that X before May 1, 2030, according to ...").

Pure: one sentence in, a Forecast (probability, claim, deadline, forecaster) or None out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_DATE = r"(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{4})"
_SENTENCE = re.compile(
    r"^there(?:'s|’s|\s+is)\s+an?\s+(?P<pct>\d{1,3}(?:\.\d+)?)\s*%\s+chance\s*,?\s*(?:that\s+)?(?P<claim>.+?)"
    r",?\s+(?P<prep>before|by|in|until)\s+(?P<when>" + _DATE + r")"
    r"(?:\s*,?\s*(?:according\s+to|says|per)\s+(?P<who>[^.]+?))?\s*[.!]?\s*$",
    re.IGNORECASE,
)
_WHO_TAIL = re.compile(r"\s+(?:prediction|forecasting)?\s*(?:community|forecasters|crowd|users)$", re.IGNORECASE)
FORECAST_START = re.compile(r"^there(?:'s|’s|\s+is)\s+an?\s+\d", re.IGNORECASE)


@dataclass(frozen=True)
class Forecast:
    probability: Decimal  # 0..1, exactly as written (14% -> 0.14, 2.5% -> 0.025)
    claim: str  # the event, in the author's words, first letter capitalised
    by: date  # the last day on which the event counts ("before 2030" -> 2029-12-31)
    source: str  # who forecast it: "the Metaculus prediction community" -> Metaculus


def parse_date(text: str) -> date | None:
    """`September 9, 2032`, `9 Sept. 2032`, `2032-09-09` -> a date; None when it is none of these."""
    s = text.strip().replace(",", " ").replace(".", " ")
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    parts = s.split()
    if len(parts) != 3:
        return None
    if parts[0].isdigit():  # 9 September 2032
        parts = [parts[1], parts[0], parts[2]]
    month = _MONTHS.get(parts[0].lower())
    day = re.sub(r"(st|nd|rd|th)$", "", parts[1])
    if month is None or not day.isdigit() or not parts[2].isdigit():
        return None
    try:
        return date(int(parts[2]), month, int(day))
    except ValueError:
        return None


def _deadline(prep: str, when: str) -> date | None:
    """The last day that counts: `before D` ends the day before D, `by D` on D."""
    text = when.strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return date(year - 1, 12, 31) if prep == "before" else date(year, 12, 31)
    day = parse_date(text)
    if day is None:
        return None
    return day - timedelta(days=1) if prep == "before" else day


def _forecaster(who: str | None) -> str:
    if not who:
        return ""
    name = re.sub(r"^the\s+", "", who.strip(), flags=re.IGNORECASE)
    short = _WHO_TAIL.sub("", name).strip()
    return short or name


def parse_forecast(sentence: str) -> Forecast | None:
    """A forecast sentence -> Forecast; None when the sentence does not have that shape."""
    m = _SENTENCE.match(" ".join(sentence.split()))
    if not m:
        return None
    pct = Decimal(m["pct"])
    if pct > 100:
        return None
    by = _deadline(m["prep"].lower(), m["when"])
    if by is None:
        return None
    claim = m["claim"].strip().rstrip(",")
    claim = claim[0].upper() + claim[1:]
    return Forecast((pct / 100).normalize(), claim, by, _forecaster(m["who"]))


def split_sentences(text: str) -> list[str]:
    """Split a paragraph after `.`, `!` or `?` followed by a capital letter or quote."""
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'“‘])", text.strip()) if s]
