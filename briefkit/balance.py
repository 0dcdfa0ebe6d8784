"""Where a brief's (or story's) sources stand: counts per side of each axis, blindspots, notes.

Pure arithmetic over sources matched to outlets; draws nothing (charts.py does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .model import Outlet, Source

# Ratings 1-2, 3 and 4-5 fall on the low side, the middle and the high side of an axis.
LEAN_SIDES = ("left", "centre", "right")
ESTABLISHMENT_SIDES = ("establishment-critical", "neutral", "pro-establishment")


def side(rating: int) -> int:
    """1-2 -> 0 (low side), 3 -> 1 (middle), 4-5 -> 2 (high side)."""
    return 0 if rating < 3 else 1 if rating == 3 else 2


@dataclass(frozen=True)
class Placed:
    """One source with the outlet it matched (None when unrated or unknown)."""

    source: Source
    outlet: Outlet | None


@dataclass(frozen=True)
class Balance:
    """Counts of sources per side of both axes; a source rated on neither counts as unrated."""

    sources: int
    lean: tuple[int, int, int]  # left, centre, right
    establishment: tuple[int, int, int]  # critical, neutral, pro

    @property
    def rated_lean(self) -> int:
        return sum(self.lean)

    @property
    def rated_establishment(self) -> int:
        return sum(self.establishment)

    @property
    def unrated_lean(self) -> int:
        return self.sources - self.rated_lean

    @property
    def unrated_establishment(self) -> int:
        return self.sources - self.rated_establishment


def balance_of(placed: Iterable[Placed]) -> Balance:
    """Count every source entry (two sources from one outlet count twice, as the reader sees them)."""
    lean = [0, 0, 0]
    est = [0, 0, 0]
    total = 0
    for p in placed:  # side() spelled out: a call per rating was most of the loop's time, run for every source
        total += 1
        o = p.outlet
        if o is not None:
            r = o.lean
            if r is not None:
                lean[0 if r < 3 else 1 if r == 3 else 2] += 1
            r = o.establishment
            if r is not None:
                est[0 if r < 3 else 1 if r == 3 else 2] += 1
    return Balance(total, (lean[0], lean[1], lean[2]), (est[0], est[1], est[2]))


def combine(balances: Iterable[Balance]) -> Balance:
    """The balance of a story: its briefs' counts added up."""
    total, lean, est = 0, [0, 0, 0], [0, 0, 0]
    for b in balances:
        total += b.sources
        for i in range(3):
            lean[i] += b.lean[i]
            est[i] += b.establishment[i]
    return Balance(total, (lean[0], lean[1], lean[2]), (est[0], est[1], est[2]))


@dataclass(frozen=True)
class Lopsided:
    """One side of one axis holding at least the threshold share, and more than half, of the rated sources."""

    axis: str  # "lean" or "establishment"
    side: str  # e.g. "right", "pro-establishment"
    count: int
    rated: int

    @property
    def sentence(self) -> str:
        """`All 5 rated sources are pro-establishment.` / `Both rated ...` / `3 of 4 rated sources lean left.`"""
        if self.rated == 1:
            return f"The only rated source {'leans' if self.axis == 'lean' else 'is'} {self.side}."
        share = (f"{self.count} of {self.rated}" if self.count != self.rated
                 else "Both" if self.rated == 2 else f"All {self.rated}")
        return f"{share} rated sources {'lean' if self.axis == 'lean' else 'are'} {self.side}."


@lru_cache(maxsize=8)
def _limit(threshold: float) -> tuple[int, int]:
    """The threshold as the exact fraction it is written as (0.8 is 4/5, not the float's binary value)."""
    f = Fraction(str(threshold))
    return f.numerator, f.denominator


def lopsided(b: Balance, threshold: float, min_rated: int) -> list[Lopsided]:
    """Sides of either axis that hold at least `threshold` and more than half of the rated sources (>= min_rated
    of them): at threshold 0.5 an even split would otherwise be lopsided both ways."""
    num, den = _limit(threshold)
    out = []
    for axis, counts, names in (("lean", b.lean, LEAN_SIDES), ("establishment", b.establishment, ESTABLISHMENT_SIDES)):
        rated = sum(counts)
        if rated < min_rated or rated == 0:
            continue
        for i in (0, 2):  # the middle of an axis is not a side
            if counts[i] * den >= num * rated and 2 * counts[i] > rated:  # share >= threshold, exactly
                out.append(Lopsided(axis, names[i], counts[i], rated))
    return out


_MISSING = {
    "left": "right-leaning", "right": "left-leaning",
    "pro-establishment": "establishment-critical", "establishment-critical": "pro-establishment",
}


def notes(b: Balance, narratives: int, threshold: float, min_rated: int) -> list[str]:
    """Plain-language warnings for a reader: one-sided sourcing, fewer than two narratives."""
    return warnings(lopsided(b, threshold, min_rated), narratives)


def warnings(lops: Iterable[Lopsided], narratives: int) -> list[str]:
    """`notes` from the sides already found lopsided (a brief's panel has them at hand)."""
    out = [f"{lop.sentence} Look for {_MISSING[lop.side]} reporting before drawing conclusions." for lop in lops]
    if narratives == 0:
        out.append("This brief gives no narratives: it does not say how each side tells the story.")
    elif narratives == 1:
        out.append("This brief gives only one narrative: other sides' view of the story is missing.")
    return out
