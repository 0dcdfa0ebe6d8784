"""What the related-briefs engine (related.py) is given: a Doc for each brief, and the site's Settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Doc:
    """What the index knows of one brief."""

    slug: str
    date: datetime
    title: str = ""
    story: str = ""
    related: tuple[str, ...] = ()  # explicit links, in the author's order
    topics: tuple[tuple[str, str], ...] = ()  # (slug, name)
    outlets: tuple[tuple[str, str], ...] = ()  # (key, name) of the sources cited
    text: str = ""  # title, summary and facts


@dataclass(frozen=True)
class Settings:
    """The related stage's settings (site.yaml's related:)."""

    count: int = 5
    threshold: float = 0.15
    include_newer: bool = True
    weights: Mapping[str, float] = field(default_factory=lambda: {
        "story": 3.0, "topics": 2.0, "outlets": 1.0, "terms": 3.0, "date": 1.0})
    cardinality: float = 0.2
    terms: int = 20
    half_life: float = 14.0
    budget: int = 200
    lookalike: float = 0.5
    lookalike_days: int = 10

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Settings:
        """Settings from site.yaml's `related:` mapping (already checked and defaulted)."""
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**known)
