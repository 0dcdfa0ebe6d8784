"""Balance counts per side, the blindspot rule at its threshold, and the reader's notes."""

from __future__ import annotations

from briefkit.balance import Balance, Placed, balance_of, combine, lopsided, notes
from briefkit.model import Outlet, Source


def placed(*ratings: tuple[int | None, int | None]) -> list[Placed]:
    out = []
    for i, (lean, est) in enumerate(ratings, start=1):
        outlet = None if lean is None and est is None else Outlet(f"O{i}", lean=lean, establishment=est, slug=f"o{i}")
        out.append(Placed(Source(i, f"O{i}"), outlet))
    return out


def test_counts_each_source_on_each_axis_and_leaves_unrated_ones_out():
    b = balance_of(placed((1, 5), (2, 4), (3, 3), (5, 1), (None, None), (4, None)))
    assert b == Balance(6, (2, 1, 2), (1, 1, 2))
    assert (b.rated_lean, b.unrated_lean, b.rated_establishment, b.unrated_establishment) == (5, 1, 4, 2)


def test_blindspot_at_exactly_the_threshold_counts_and_just_below_does_not():
    three_of_four_left = Balance(4, (3, 1, 0), (0, 4, 0))
    assert [(x.axis, x.side, x.count, x.rated) for x in lopsided(three_of_four_left, 0.75, 3)] == [
        ("lean", "left", 3, 4)]
    assert lopsided(three_of_four_left, 0.76, 3) == []
    two_of_three_pro = Balance(3, (0, 3, 0), (0, 1, 2))
    assert lopsided(two_of_three_pro, 0.7, 3) == []
    assert [x.side for x in lopsided(two_of_three_pro, 0.66, 3)] == ["pro-establishment"]


def test_a_side_needs_more_than_half_so_an_even_split_is_never_lopsided():
    assert lopsided(Balance(4, (2, 0, 2), (2, 0, 2)), 0.5, 3) == []
    assert lopsided(Balance(4, (2, 1, 1), (0, 4, 0)), 0.5, 3) == []
    assert [x.side for x in lopsided(Balance(5, (3, 0, 2), (0, 5, 0)), 0.5, 3)] == ["left"]


def test_blindspot_needs_enough_rated_sources_and_ignores_the_centre():
    assert lopsided(Balance(5, (2, 0, 0), (0, 0, 0)), 0.75, 3) == []  # 2 rated < min_rated 3
    assert [x.side for x in lopsided(Balance(5, (2, 0, 0), (0, 0, 0)), 0.75, 2)] == ["left"]
    assert lopsided(Balance(4, (0, 4, 0), (0, 4, 0)), 0.75, 3) == []  # all centre: no side


def test_stories_add_up_their_briefs():
    assert combine([Balance(2, (1, 1, 0), (0, 0, 2)), Balance(3, (0, 0, 3), (1, 1, 0))]) == Balance(5, (1, 1, 3), (1, 1, 2))


def test_notes_say_which_way_the_sourcing_leans_and_when_narratives_are_missing():
    assert notes(Balance(7, (0, 7, 0), (0, 0, 7)), 2, 0.75, 3) == [
        ("All 7 rated sources are pro-establishment. Look for establishment-critical reporting before drawing "
        "conclusions.")]
    assert notes(Balance(4, (3, 1, 0), (0, 4, 0)), 1, 0.75, 3) == [
        "3 of 4 rated sources lean left. Look for right-leaning reporting before drawing conclusions.",
        "This brief gives only one narrative: other sides' view of the story is missing."]
    assert notes(Balance(1, (0, 0, 1), (0, 1, 0)), 0, 0.75, 1) == [
        "The only rated source leans right. Look for left-leaning reporting before drawing conclusions.",
        "This brief gives no narratives: it does not say how each side tells the story."]
    assert notes(Balance(3, (1, 1, 1), (1, 1, 1)), 3, 0.75, 3) == []
