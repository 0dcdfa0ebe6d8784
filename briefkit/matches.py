"""What the related stage hands on: a candidate for a brief's related list, with its score, its
per-signal breakdown and the one line that tells readers why it is listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
        """The same candidate, under the threshold (its reason is still the one its tier gave)."""
        return _copy(self, "below", True)

    def without_terms(self) -> Match:
        """The same candidate, without the shared terms named."""
        return _copy(self, self.tier, False)

    # A candidate scored but never shown (two in three) needs no names and no reason: Index._explain leaves
    # them owed, as (index, i, j, tier of the reason, terms named), and they are worked out when first read.
    def __getattr__(self, name: str) -> Any:
        """`shared` or `reason` of a candidate whose names are owed (only called for a missing attribute)."""
        owed = self.__dict__.get("_owed")
        if owed is None or name not in ("shared", "reason"):
            raise AttributeError(name)
        self.settled()
        return self.__dict__[name]

    def settled(self) -> Match:
        """This candidate with its shared names and reason worked out (once), holding nothing of the index."""
        d = self.__dict__
        owed = d.pop("_owed", None)
        if owed is not None:
            index, i, j, tier, terms = owed
            d["shared"] = shared = index.shared_names(i, j, terms)
            d["reason"] = reason_for(tier, d["parts"], shared)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled settled, so that a saved or forked candidate never drags its index along."""
        return new_match, (self.slug, self.score, self.parts, self.tier, self.shared, self.days, self.reason)


def _copy(m: Match, tier: str, terms: bool) -> Match:
    d = m.__dict__
    owed = d.get("_owed")
    if owed is None:
        shared = d["shared"] if terms else {**d["shared"], "terms": ()}
        return new_match(m.slug, m.score, m.parts, tier, shared, m.days, m.reason)
    c = _new(Match)
    c.__dict__.update(d, tier=tier, _owed=owed if terms else (*owed[:4], False))
    return c


def new_match(slug: str, score: float, parts: dict[str, float], tier: str, shared: dict[str, tuple[str, ...]],
              days: float, reason: str) -> Match:
    """Match(...) without a frozen dataclass's object.__setattr__ per field, which took half the time of
    making one: a cold build makes some 150,000 (the fields are set once, as __init__ would)."""
    m = _new(Match)
    m.__dict__.update(slug=slug, score=score, parts=parts, tier=tier, shared=shared, days=days, reason=reason)
    return m


def owing_match(slug: str, score: float, parts: dict[str, float], tier: str, days: float, owed: tuple[Any, ...]) -> Match:
    """A Match whose shared names and reason are worked out when first read (Match.settled)."""
    m = _new(Match)
    m.__dict__.update(slug=slug, score=score, parts=parts, tier=tier, days=days, _owed=owed)
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
