"""Typed, frozen records of a site's content: briefs, sources, narratives, outlets.

No IO, no Jinja, no Markdown: schema.py builds these, later stages only read them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from .packed import Packed, packs


@dataclass(frozen=True)
class Topic:
    """A topic a brief is filed under: its name and its slug."""

    name: str
    slug: str


@dataclass(frozen=True)
class Image:
    """A brief's lead image, its alt text and credit."""

    src: str
    alt: str
    credit: str = ""


@dataclass(frozen=True)
class Source:
    """A numbered source of a brief, which its facts cite as [n]."""

    number: int  # 1-based: the n in a [n] marker
    name: str
    url: str = ""
    line: int = 0


@dataclass(frozen=True)
class Narrative:
    """How one outlet, from one perspective, tells the story of a brief."""

    perspective: str
    outlet: str
    text: str  # inline Markdown
    url: str = ""
    line: int = 0


@dataclass(frozen=True)
class Prediction:
    """A forecast a brief states: the claim, its probability, and its outcome once known."""

    claim: str  # inline Markdown
    probability: float  # 0..1
    by: date | None = None
    source: str = ""
    url: str = ""
    outcome: bool | None = None
    question: str = ""  # optional id tying one question asked in several briefs
    line: int = 0


@dataclass(frozen=True)
class Correction:
    """A correction made to a brief, dated."""

    date: date
    text: str  # inline Markdown
    line: int = 0


@packs
@dataclass(frozen=True)
class Brief(Packed):
    """One brief, as parsed from its file."""

    slug: str
    path: str  # as shown in diagnostics, e.g. content/nk-troops.md
    title: str
    date: datetime  # timezone-aware
    body: str  # Markdown below the front matter
    body_line: int  # file line of the body's first line
    updated: datetime | None = None
    summary: str = ""
    topics: tuple[Topic, ...] = ()
    story: str = ""
    related: tuple[str, ...] = ()
    image: Image | None = None
    sources: tuple[Source, ...] = ()
    narratives: tuple[Narrative, ...] = ()
    predictions: tuple[Prediction, ...] = ()
    corrections: tuple[Correction, ...] = ()
    draft: bool = False
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # of a front-matter text spread over lines: its first line, and where in it each next line starts
    folds: dict[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    # what the build cache keeps packed: where each field was written, read only to say where a problem is;
    # the sources, read by the brief's own page and feed entry (and the checks of a brief parsed again); the
    # Markdown body, read only to render it, which the cache keeps too (a fifth of the parsed briefs' text)
    PACKED: ClassVar[tuple[tuple[str, ...], ...]] = (("lines", "folds"), ("sources",), ("body", "body_line"))

    def line_of(self, key: str) -> int:
        """File line of a front-matter field (1 when unknown)."""
        return self.lines.get(key, 1)

    def line_in(self, key: str, offset: int) -> int:
        """File line of the character at `offset` in a front-matter text (a marker in a narrative)."""
        if key not in self.folds:
            return self.line_of(key)
        first, starts = self.folds[key]
        return first + bisect_right(starts, offset)


@dataclass(frozen=True)
class Outlet:
    """A news outlet of outlets.yaml, with its ratings."""

    # a page's fingerprint digests an outlet once, apart, as thousands of sources name each one
    shared_by_pages: ClassVar[bool] = True

    name: str
    aliases: tuple[str, ...] = ()
    url: str = ""
    lean: int | None = None  # 1 (left) .. 5 (right)
    establishment: int | None = None  # 1 (critical) .. 5 (pro-establishment)
    country: str = ""
    paywall: bool = False
    slug: str = ""
    line: int = 0  # of its entry in outlets.yaml
    url_line: int = 0  # of its url:
