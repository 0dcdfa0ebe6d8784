"""What the related stage keeps for the next build (BuildCache.related): the last build's lists (relink.Linked),
story changes, and what index.json and the lookalike warnings were made of; pickled compactly, as every edit
build loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .relink import Linked


class IndexMade(NamedTuple):
    """What a build's index.json was made of (siteindex.index_json), in the order of its briefs, and its digest."""

    top: tuple[int, str, str]  # the version, the site's title and base URL
    paths: list[str]
    urls: list[str]
    hashes: list[str | None]  # each brief's content hash (BuildCache.hashes); None where unknown
    shown: list[str]  # each brief's related slugs as quoted
    digest: bytes  # sha256 of the file


@dataclass
class RelatedMemo:
    """What the related stage keeps for the next build (BuildCache.related)."""

    linked: Linked | None = None
    stories: dict[bytes, list[list[int]]] = field(default_factory=dict)  # story changes by digest of the facts
    changed: bool = False
    # index.json's line for each brief up to its related slugs, by the brief's path: (its content hash and URL, the
    # line), as siteindex.index_json wrote it (the rest of the line is from the brief's file alone)
    index_lines: dict[str, tuple[str, str]] = field(default_factory=dict)
    # the title's line of each brief warned about as a lookalike (crosslink.lookalike_warnings), by its path: (its
    # content hash, the line)
    title_lines: dict[str, tuple[str, int]] = field(default_factory=dict)
    # each lookalike warning's text, by the newer brief's doc of `linked` (crosslink._kept_warnings): its path and
    # content hash, and per lookalike of its list, the older brief's path and content hash, the message and hint
    lookalikes: dict[int, tuple[str, str, list[tuple[str, str | None, str, str]]]] = field(default_factory=dict)
    # per doc of `linked`: its related slugs as index.json lists them (crosslink.link_site), kept with its list
    quoted: list[str] = field(default_factory=list)
    # what crosslink.docs_of works out of each brief, by the brief's path: (its content hash, its Doc's topics, its
    # outlets, content(doc)); the topics hold while the topics' names (`topic_names`) are as they were, the rest
    # while the outlets' table (`outlet_table`) is
    briefs: dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], bytes]] = field(
        default_factory=dict)
    outlet_table: tuple[dict[str, str], dict[str, str]] | None = None
    topic_names: dict[str, str] | None = None
    # what the last build's index.json was made of, and its digest (siteindex.index_on_disk)
    index_made: IndexMade | None = None

    def __getstate__(self) -> dict[str, object]:
        """Pickled with equal values as one object, which pickle writes once and unpickling makes once (loading the
        memo is part of every edit): the briefs' 40,000 topics and outlets are some 3,400 distinct (key, name)
        pairs, and each brief's path, hash and related slugs are kept in several places."""
        shared_values: dict[Any, Any] = {path: path for path in self.index_lines}
        same = shared_values.setdefault

        def one(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
            shared = tuple([same(pair, pair) for pair in pairs])
            return same(shared, shared)

        briefs = {same(path, path): (same(h, h), one(topics), one(outlets), c)
                  for path, (h, topics, outlets, c) in self.briefs.items()}
        state = {**self.__dict__, "briefs": briefs, "quoted": [same(q, q) for q in self.quoted]}
        if self.index_made is not None:  # the briefs' paths, hashes and related slugs again, as index.json had them
            made = self.index_made
            state["index_made"] = made._replace(paths=[same(p, p) for p in made.paths],
                                                hashes=[same(h, h) for h in made.hashes],
                                                shown=[same(q, q) for q in made.shown])
        return state
