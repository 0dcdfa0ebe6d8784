"""What the build cache saves of the last good build: State, pickled as .cache/state.pickle."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from .changes import Stamp
from .diagnostics import Diagnostic
from .linkcheck import PageVerdicts
from .packed import Packed, packs
from .tracker import PageRecord

UNFINISHED = (-1, -1)  # an output's (size, mtime) that no file has: one still to be written


@packs
@dataclass
class State(Packed):
    """The last good build, as saved."""

    key: dict[str, str]
    inputs: dict[str, str]  # shown path -> content hash
    pages: dict[str, PageRecord]
    attrs: dict[str, dict[str, frozenset[str]]]  # template -> type -> attributes seen read
    outputs: dict[str, tuple[int, int]]  # output path -> (size, mtime_ns) when written
    diagnostics: list[Diagnostic]
    briefs: int
    page_count: int
    links: dict[str, PageVerdicts]  # HTML output path -> what the link check found on it
    links_site: str  # what those verdicts also depend on (linkcheck.site_key)
    costs: dict[str, float]  # template -> seconds its pages' fingerprints took (PageTracker.costs)
    stamps: dict[str, Stamp]  # input (as in `inputs`) -> its file's stamp when read
    read_at: int  # time.time_ns() as that build began reading
    # the build times (since, until) that give its warnings, feeds and sitemap as they are (checks.steady)
    steady: tuple[datetime, datetime | None] | None = None
    listing: dict[str, Any] = field(default_factory=dict)  # the output's folders as written (write.Listing)

    # kept packed in the cache (packed.for_cache) until read: only a build that finds nothing changed reports the
    # last build's diagnostics again, and unpickling them was a tenth of loading the state at 4,000 briefs
    PACKED: ClassVar[tuple[tuple[str, ...], ...]] = (("diagnostics",),)


def compact(state: State) -> State:
    """The state as it is pickled: equal values made one object, which pickle writes once and refers to after.
    The 5,000 pages of a 4,000-brief site read one of seven lists of parts of the site, and its 5,000 folders
    hold one of 35 lists of entries (most just index.html): unpickled once each, not once per page and folder."""
    one: dict[Any, Any] = {}
    pages = {path: PageRecord(record.fingerprint, one.setdefault(record.reads, record.reads))
             for path, record in state.pages.items()}
    listing = {folder: (inode, changed, one.setdefault(entries, entries))
               for folder, (inode, changed, entries) in state.listing.items()}
    return replace(state, pages=pages, listing=listing)
