"""The forecasts track record and the corrections log, as a reader reads them: words, numbers, dates."""

from __future__ import annotations

import re
from html import unescape

from test_balance_site import (
    OCT_27_2024,
    brief_md,
    build,
    check,
    main_of,
    prediction_meta,
    predictions_md,
    section,
    small_site,
    text_of,
)


def chart_words(html: str) -> list[str]:
    """What a calibration chart says to a screen reader (its description) and on hover (each dot's title)."""
    return [unescape(t) for t in re.findall(r"<(?:desc|title)[^>]*>([^<]*happened[^<]*)</(?:desc|title)>", html)]


def test_the_calibration_chart_never_rounds_a_near_certainty_to_certain(tmp_path, monkeypatch):
    site = small_site(tmp_path, {"a": brief_md("2024-09-01", ["Left Paper"], predictions_md(
        "claim: Near sure, probability: 0.995, by: 2024-10-01, source: Desk, outcome: false",
        "claim: Near never, probability: 0.004, by: 2024-10-01, source: Desk, outcome: false",
        "claim: Two in three, probability: 0.45, by: 2024-10-01, source: Desk, outcome: true",
        "claim: Two in three b, probability: 0.45, by: 2024-10-01, source: Desk, outcome: true",
        "claim: Two in three c, probability: 0.45, by: 2024-10-01, source: Desk, outcome: false"))})
    page = build(site, monkeypatch, OCT_27_2024)["forecasts/index.html"]
    assert chart_words(page) == [
        ("Each dot is a group of resolved forecasts: across, the probability stated; up, the share that happened. "
         "Dots on the diagonal are well calibrated. 0–10%: 1 forecast, 0% happened; 40–50%: 3 forecasts, "
         "66.7% happened; 90–100%: 1 forecast, 0% happened."),
        "0–10%: 1 forecast, average 0.4%, 0% happened",  # was "average 0%"
        "40–50%: 3 forecasts, average 45%, 66.7% happened",  # as the table beside it says
        "90–100%: 1 forecast, average 99.5%, 0% happened",  # was "average 100%"
    ]
    table = " ".join(unescape(re.sub(r"<[^>]+>", " ", page[page.index("<tbody>"):page.index("</tbody>")])).split())
    assert table == "0–10% 1 0.4% 0% 40–50% 3 45% 66.7% 90–100% 1 99.5% 0%"


def test_a_prediction_without_a_deadline_or_forecaster_has_no_stray_separator(tmp_path, monkeypatch):
    site = small_site(tmp_path, {"a": brief_md("2024-09-01", ["Left Paper"], predictions_md(
        "claim: No deadline, probability: 0.3, source: Desk",
        "claim: Nothing but odds, probability: 0.3",
        "claim: No forecaster, probability: 0.3, by: 2024-12-01",
        "claim: Both, probability: 0.3, by: 2024-12-01, source: Desk"))})
    brief = build(site, monkeypatch, OCT_27_2024)["briefs/a/index.html"]
    assert [prediction_meta(brief, n) for n in range(1, 5)] == [
        "Forecast by Desk · Open",  # was "· Forecast by Desk · Open"
        "Open",  # was "· Open"
        "By 1 December 2024 · Open",
        "By 1 December 2024 · Forecast by Desk · Open",
    ]


def test_a_correction_dated_before_its_brief_or_after_the_build_is_a_warning(tmp_path, monkeypatch):
    corrections = ("corrections:\n  - date: 2024-10-02\n    text: Right.\n  - date: 2023-10-03\n    text: Year typo.\n"
                   "  - date: 2024-10-28\n    text: Tomorrow.\n")
    site = small_site(tmp_path, {"a": brief_md("2024-10-01", ["Left Paper"], corrections)},
                      config="title: T\ntimezone: Asia/Tokyo\n")
    # 1730000000 is 2024-10-27 03:33 UTC, 12:33 in Tokyo: 28 October is tomorrow there
    code, lines = check(site, monkeypatch, OCT_27_2024)
    assert code == 0
    assert lines == [
        ("content/a.md:14: warning: corrections[2].date: is before the brief's date (2024-10-01); a correction comes "
         "after what it corrects (give the day the correction was made)"),
        ("content/a.md:16: warning: corrections[3].date: is after this build's date (2024-10-27); the corrections "
         "page lists it first, dated then (give the day the correction was made)"),
        "checked 1 brief: 0 errors, 2 warnings",
    ]
    code, lines = check(site, monkeypatch, "1730041200")  # 2024-10-27 15:00 UTC: 28 October in Tokyo
    assert lines[1:] == ["checked 1 brief: 0 errors, 1 warning"]


def test_a_probability_restated_after_the_deadline_to_record_the_outcome_is_not_scored(tmp_path, monkeypatch):
    site = small_site(tmp_path, {
        "a": brief_md("2024-09-01", ["Left Paper"], predictions_md(
            "claim: X will happen, probability: 0.8, by: 2024-10-01, source: Alice",
            "claim: Y will happen, probability: 0.3, by: 2024-10-01, source: Alice")),
        "b": brief_md("2024-10-05", ["Left Paper"], predictions_md(
            "claim: X will happen, probability: 1, by: 2024-10-01, source: Alice, outcome: true",
            "claim: Y will happen, probability: 0.3, by: 2024-10-01, source: Alice, outcome: false"))})
    board = build(site, monkeypatch, OCT_27_2024)["forecasts/index.html"]
    record = section(board, '<h2 id="forecasters">', "</section>")
    # (.2^2 + .3^2) / 2 = .065; before, the restatements counted too: (.04 + 0 + .09 + .09) / 4 = .055
    assert "Alice Forecasts 2 (2 resolved, 0 open, 0 overdue) Brier score 0.065 over 2 resolved forecasts" in record
    assert "Every forecast counts, including each update of a question, but not a probability stated after" in record
    resolved = section(board, '<h2 id="resolved">', "</section>")
    assert ("X will happen Probability over time: 80% on 1 September 2024 →, then 100% on 5 October 2024, after the "
            "deadline: not scored By 1 October 2024 · Forecast by Alice · Resolved: it happened") in resolved
    assert text_of(main_of(board)).count("after the deadline: not scored") == 2
    assert "how it turned out: 2 forecasts on 2 questions." in text_of(main_of(board))  # as the record adds up


def test_a_forecasts_link_without_a_forecaster_is_shown(tmp_path, monkeypatch):
    # url: is optional, and so is source:; with only the first, the link was nowhere on the page
    site = small_site(tmp_path, {"a": brief_md("2024-09-01", ["Left Paper"], predictions_md(
        "claim: A link alone, probability: 0.3, url: https://www.metaculus.com/questions/1/",
        "claim: A link and a deadline, probability: 0.3, by: 2024-12-01, url: https://www.metaculus.com/questions/2/"))})
    brief = build(site, monkeypatch, OCT_27_2024)["briefs/a/index.html"]
    assert [prediction_meta(brief, n) for n in (1, 2)] == ["The forecast · Open", "By 1 December 2024 · The forecast · Open"]
    assert '<a href="https://www.metaculus.com/questions/1/" rel="nofollow noopener">The forecast</a>' in brief
def test_the_corrections_page_of_a_site_without_corrections_says_so_once(tmp_path, monkeypatch):
    site = small_site(tmp_path, {"a": brief_md("2024-09-01", ["Left Paper"])})
    page = text_of(main_of(build(site, monkeypatch, OCT_27_2024)["corrections/index.html"]))
    # before: "Every correction made to a brief, newest first: 0 so far. No corrections so far."
    assert page == ("Corrections No brief has been corrected so far. Each correction made to a brief will be listed "
                    "here, newest first.")
