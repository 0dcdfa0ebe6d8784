"""Forecast questions across briefs, their status, Brier scores and calibration bins."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from briefkit import forecasts as fc
from briefkit.model import Brief, Prediction


def brief(slug: str, day: date, *preds: Prediction) -> Brief:
    return Brief(slug=slug, path=f"content/{slug}.md", title=slug, body="", body_line=1,
                 date=datetime(day.year, day.month, day.day, tzinfo=UTC), predictions=preds)


def test_brier_score_against_hand_computed_values():
    # (0.7-1)^2 + (0.8-1)^2 + (0.25-1)^2 + (0.6-1)^2 + (0.3-0)^2 = .09 + .04 + .5625 + .16 + .09 = .9425
    assert fc.brier([(0.7, True), (0.8, True), (0.25, True), (0.6, True), (0.3, False)]) == pytest.approx(0.1885)
    assert fc.brier([(1.0, True), (0.0, False)]) == 0
    assert fc.brier([(0.0, True)]) == 1
    assert fc.brier([(0.5, True), (0.5, False)]) == 0.25
    assert fc.brier([]) is None


def test_calibration_bins_against_hand_computed_values():
    pairs = [(0.1, False), (0.15, True), (0.0, False), (0.9, True), (1.0, True), (0.95, False), (0.2, True)]
    bins = fc.calibration(pairs, bins=5)
    assert [b.label for b in bins] == ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"]
    assert [b.count for b in bins] == [3, 1, 0, 0, 3]
    assert bins[0].stated == pytest.approx(0.25 / 3) and bins[0].observed == pytest.approx(1 / 3)
    assert bins[1].stated == 0.2 and bins[1].observed == 1.0  # a bin's lower edge belongs to it
    assert bins[2].stated is None and bins[2].observed is None
    assert bins[4].stated == pytest.approx(0.95) and bins[4].observed == pytest.approx(2 / 3)  # 100% in the last bin


@pytest.mark.parametrize("p, expected", [(0.0, 0), (0.29, 2), (0.3, 3), (0.6, 6), (0.7, 7), (0.99, 9), (1.0, 9)])
def test_bin_edges_survive_floating_point(p, expected):
    assert fc.bin_index(p, 10) == expected


KURSK = "North Korean troops will fight in Kursk"


def test_same_claim_across_briefs_is_one_question_with_its_history_and_shared_outcome():
    a = brief("a", date(2024, 10, 23), Prediction(KURSK, 0.7, date(2024, 12, 31), "Desk"))
    b = brief("b", date(2024, 10, 24), Prediction("north korean troops  will fight in KURSK", 0.8,
                                                  date(2024, 12, 31), "Desk", outcome=True))
    c = brief("c", date(2024, 10, 25), Prediction(KURSK, 0.9, date(2025, 6, 30), "Desk"))  # other deadline
    qs = fc.questions([c, b, a], today=date(2025, 1, 1))
    assert len(qs) == 2
    kursk = next(q for q in qs if q.deadline == date(2024, 12, 31))
    assert [(f.brief.slug, f.prediction.probability) for f in kursk.forecasts] == [("a", 0.7), ("b", 0.8)]
    assert (kursk.outcome, kursk.status) == (True, fc.RESOLVED)
    other = next(q for q in qs if q is not kursk)
    assert other.status == fc.OPEN


def test_question_id_ties_differently_worded_claims():
    a = brief("a", date(2024, 10, 1), Prediction("A ceasefire by June", 0.13, date(2025, 6, 30), "Desk",
                                                 question="ceasefire-2025"))
    b = brief("b", date(2024, 11, 1), Prediction("Russia and Ukraine agree a ceasefire by mid-2025", 0.06,
                                                 date(2025, 6, 30), "Desk", question="ceasefire-2025"))
    (q,) = fc.questions([a, b], today=date(2025, 7, 1))
    assert [f.prediction.probability for f in q.forecasts] == [0.13, 0.06]
    assert q.status == fc.OVERDUE  # deadline passed, nobody recorded the outcome


def test_a_question_keeps_the_newest_deadline_given_when_a_later_brief_gives_none():
    a = brief("a", date(2024, 9, 1), Prediction("Talks start", 0.5, date(2024, 10, 1), question="talks"))
    b = brief("b", date(2024, 10, 5), Prediction("Talks start", 0.6, None, question="talks"))
    (q,) = fc.questions([a, b], today=date(2024, 10, 27))
    assert (q.deadline, q.status) == (date(2024, 10, 1), fc.OVERDUE)
    c = brief("c", date(2024, 10, 6), Prediction("Talks start", 0.6, date(2025, 3, 1), question="talks"))
    (q,) = fc.questions([a, b, c], today=date(2024, 10, 27))
    assert (q.deadline, q.status) == (date(2025, 3, 1), fc.OPEN)  # a later brief moved it


def test_status_open_until_the_deadline_day_is_over():
    assert fc.status(None, date(2024, 12, 31), date(2024, 12, 31)) == fc.OPEN
    assert fc.status(None, date(2024, 12, 31), date(2025, 1, 1)) == fc.OVERDUE
    assert fc.status(False, date(2024, 12, 31), date(2025, 1, 1)) == fc.RESOLVED
    assert fc.status(None, None, date(2099, 1, 1)) == fc.OPEN


def test_outcomes_that_disagree_are_reported_as_a_conflict():
    a = brief("a", date(2024, 10, 1), Prediction(KURSK, 0.7, date(2024, 12, 31), outcome=False))
    b = brief("b", date(2024, 10, 2), Prediction(KURSK, 0.8, date(2024, 12, 31), outcome=True))
    (q,) = fc.questions([a, b], today=date(2025, 1, 1))
    assert q.outcome is True
    assert [(kept.brief.slug, other.brief.slug) for kept, other in q.conflicts] == [("b", "a")]


def test_forecasters_scored_on_every_forecast_against_the_question_outcome():
    a = brief("a", date(2024, 10, 23), Prediction(KURSK, 0.7, date(2024, 12, 31), "Desk"),
              Prediction("Ceasefire", 0.15, date(2027, 12, 31), "Desk"))
    b = brief("b", date(2024, 10, 24), Prediction(KURSK, 0.8, date(2024, 12, 31), "Desk", outcome=True),
              Prediction("Kremlin confirms", 0.3, date(2024, 12, 31), "Metaculus", outcome=False),
              Prediction("Unsourced", 0.5, date(2024, 11, 30)))
    records = fc.forecasters(fc.questions([a, b], today=date(2025, 1, 1)))
    assert [(r.name, r.forecasts, r.resolved, r.open, r.overdue) for r in records] == [
        ("Desk", 3, 2, 1, 0), ("Metaculus", 1, 1, 0, 0), ("Unattributed", 1, 0, 0, 1)]
    assert records[0].brier == pytest.approx((0.09 + 0.04) / 2)
    assert records[1].brier == pytest.approx(0.09)
    assert records[2].brier is None


def test_a_forecaster_is_one_whatever_the_case_and_spaces_named_as_first_spelt():
    a = brief("a", date(2024, 9, 2), Prediction("One", 0.6, date(2024, 10, 1), "metaculus ", outcome=True))
    b = brief("b", date(2024, 9, 1), Prediction("Two", 0.7, date(2024, 10, 1), " Metaculus", outcome=True),
              Prediction("Three", 0.5, date(2024, 10, 1), "  "))
    records = fc.forecasters(fc.questions([a, b], today=date(2025, 1, 1)))
    assert [(r.name, r.forecasts) for r in records] == [("Metaculus", 2), ("Unattributed", 1)]


def test_a_probability_restated_after_the_deadline_is_not_scored():
    # A forecasts 0.8 and 0.6 before 1 March; C, dated 1 April, restates 0.9 to record the outcome: (.04 + .16) / 2
    a = brief("a", date(2025, 1, 10), Prediction("X", 0.8, date(2025, 3, 1), "Alice"))
    b = brief("b", date(2025, 3, 1), Prediction("X", 0.6, date(2025, 3, 1), "Alice"))  # on the deadline: it counts
    c = brief("c", date(2025, 4, 1), Prediction("X", 0.9, date(2025, 3, 1), "Alice", outcome=True),
              Prediction("Y", 0.5, date(2025, 3, 1), "Bob", outcome=True))
    qs = fc.questions([a, b, c], today=date(2025, 4, 2))
    assert [[q.late(f) for f in q.forecasts] for q in qs] == [[False, False, True], [True]]
    records = fc.forecasters(qs)
    assert [(r.name, r.forecasts, r.resolved, r.brier) for r in records] == [("Alice", 2, 2, pytest.approx(0.1))]


def test_questions_from_kept_keys_are_those_worked_out():
    # the build gives each brief's question keys as its Names keep them (by its file's hash): the same questions
    from briefkit.named import names_all
    from briefkit.outlets import registry

    a = brief("a", date(2024, 10, 23), Prediction(KURSK, 0.7, date(2024, 12, 31), "Desk"),
              Prediction("Rates fall", 0.4, None, "desk", question="rates"))
    b = brief("b", date(2024, 10, 24), Prediction("north korean troops  will fight in KURSK", 0.8,
                                                  date(2024, 12, 31), "Desk", outcome=True))
    twin = brief("a", date(2024, 10, 23), Prediction("Rates rise", 0.6, None, "Desk", question="rates"))
    twin = Brief(**{**twin.__dict__, "path": "content/a-2.md"})  # two briefs of one slug: turn about, by index
    briefs = [b, a, twin]
    names = names_all(registry([]), briefs)
    assert names["content/a.md"].questions == (fc.question_key(a.predictions[0]), "id:rates")
    kept = fc.questions(briefs, date(2025, 1, 1), {p: n.questions for p, n in names.items()})
    fresh = fc.questions(briefs, date(2025, 1, 1))
    assert [(q.key, q.forecasts, q.outcome, q.status, q.conflicts) for q in kept] == \
        [(q.key, q.forecasts, q.outcome, q.status, q.conflicts) for q in fresh]
    assert [len(q.forecasts) for q in kept] == [2, 2]



def test_a_forecast_is_made_as_its_init_makes_it():
    # forecasts_of sets a Forecast's fields itself: as Forecast(...) would
    (q,) = fc.questions([brief("a", date(2024, 10, 1), Prediction(KURSK, 0.7, None, " the  desk"))], date(2025, 1, 1))
    f = q.forecasts[0]
    made = fc.Forecast(f.brief, 1, f.brief.predictions[0], "the desk")
    assert f == made and list(vars(f).items()) == list(vars(made).items()) and f.made == date(2024, 10, 1)

