"""What the related stage hands on: a candidate for a brief's related list, with its score, its
per-signal breakdown and the one line that tells readers why it is listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CONTENT = ("topics", "outlets", "terms")  # the signals that say what a brief is about (not story or date)


@dataclass(frozen=True)
class Match:
    """One candidate for a brief's related list, and why."""

    slug: str
    score: float  # 0..1: the sum of parts
    parts: dict[str, float]  # signal -> weighted contribution
    tier: str  # "author", "story", "similar" or "below" (under the threshold)
    shared: dict[str, tuple[str, ...]]  # signal -> names shared, most telling first
    days: float  # how far apart the two briefs are
    reason: str

    # dataclasses.replace works out the fields on every call: a cold build made 90,000 of these copies
    def below(self) -> Match:
        """The same candidate, under the threshold."""
        return new_match(self.slug, self.score, self.parts, "below", self.shared, self.days, self.reason)

    def without_terms(self) -> Match:
        """The same candidate, without the shared terms named."""
        return new_match(self.slug, self.score, self.parts, self.tier, {**self.shared, "terms": ()}, self.days,
                         self.reason)


def new_match(slug: str, score: float, parts: dict[str, float], tier: str, shared: dict[str, tuple[str, ...]],
              days: float, reason: str) -> Match:
    """Match(...) without a frozen dataclass's object.__setattr__ per field, which took half the time of
    making one: a cold build makes some 150,000 (the fields are set once, as __init__ would)."""
    m = _new(Match)
    m.__dict__.update(slug=slug, score=score, parts=parts, tier=tier, shared=shared, days=days, reason=reason)
    return m


_new = object.__new__


def reason_for(tier: str, parts: Mapping[str, float], shared: Mapping[str, tuple[str, ...]]) -> str:
    """One line for readers: why this brief is listed."""
    if tier == "author":
        return "linked by the author" + ("; same story" if parts.get("story") else "")
    if tier == "story":
        return "same story"
    # max(CONTENT, key=lambda k: (parts.get(k, 0.0), k == "terms")) spelled out: it is asked of every
    # candidate scored, and the lambda's calls cost more than the comparing
    best, top = "topics", (parts.get("topics", 0.0), False)
    if (parts.get("outlets", 0.0), False) > top:
        best, top = "outlets", (parts.get("outlets", 0.0), False)
    if (parts.get("terms", 0.0), True) > top:
        best = "terms"
    if best == "topics" and shared["topics"]:
        return "shares topics: " + ", ".join(shared["topics"][:3])
    if best == "outlets" and shared["outlets"]:
        return "cites the same sources: " + ", ".join(shared["outlets"][:3])
    return "similar facts"
