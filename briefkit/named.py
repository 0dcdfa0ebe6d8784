"""Which rated outlet each source and narrative of a brief names, and what its sources add up to on each axis.

A brief's Names are a function of its file and outlets.yaml alone. The balance panels, the outlets' pages and
the check for outlets the registry lacks all read them; a one-brief edit matched the 38,000 names of a
4,000-brief site again for them. With the build cache (NamedMemo), a build works out the Names of the briefs
whose file changed only, the others' kept by their content hash under a digest of the outlets they were
matched against (any change to outlets.yaml's outlets, the ratings included, drops them all).

Each Names holds the question key (forecasts.question_key) of each of the brief's predictions too: a function of
the brief's file alone, like the rest, and grouping the site's 4,600 predictions into questions worked out every
claim's key again (a casefold, a normalize and a split of each) in every build.

The memo also keeps each story's name (listings.story_name), by a digest of the titles and summaries it is made from:
naming the 133 stories of a 4,000-brief site was a quarter of listings.build_site.

Pure: takes briefs and the registry; the memo is the caller's to keep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .forecasts import question_key
from .model import Brief
from .outlets import Registry


class Names(NamedTuple):
    """What one brief names: outlets by their index in the registry (Registry.outlets). Plain tuples of ints, as
    the build cache keeps 4,000 of them and unpickles them all on every build."""

    file_hash: str  # of the brief's file (BuildCache.hashes), "" when worked out without the cache
    numbers: tuple[int, ...]  # of each source that names a rated outlet, in order
    outlets: tuple[int, ...]  # ... the outlet each names
    cites: tuple[tuple[int, tuple[int, ...]], ...]  # (outlet, the numbers of its sources), in order of first citing
    narratives: tuple[int, ...]  # position, outlet, position, outlet ... of each narrative whose outlet matched
    counts: tuple[int, tuple[int, int, int], tuple[int, int, int]]  # balance.Balance's sources, lean, establishment
    unknown: bool  # names an outlet the registry lacks (a source's name, or a narrative's `outlet:`)
    questions: tuple[str, ...]  # forecasts.question_key of each prediction, in order (forecasts.questions reads them)

    def __reduce__(self) -> tuple[Any, ...]:
        # unpickled by tuple.__new__ in C (as tracker.PageRecord), not the named tuple's __new__ in Python
        return tuple.__new__, (type(self), tuple(self))


@dataclass
class NamedMemo:
    """Each published brief's Names by its shown path (BuildCache.named), matched against the outlets `registry`
    digests (registry_digest)."""

    registry: str = ""
    entries: dict[str, Names] = field(default_factory=dict)
    changed: bool = False
    # listings.story_name of each story, by story_digest of what it is made from (matching nothing of outlets.yaml)
    stories: dict[str, str] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with equal tuples as one object, which pickle writes once and unpickling makes once: the 26,000
        citations of a 4,000-brief site are some 270 distinct (outlet, sources) pairs, and most balance counts
        and sources' numbers repeat. Loading the memo in an edit build took half the time."""
        one: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        same = one.setdefault

        def compact(n: Names) -> Names:
            cites = tuple([same(c, c) for c in n.cites])
            counts = (n.counts[0], same(n.counts[1], n.counts[1]), same(n.counts[2], n.counts[2]))
            return Names(n.file_hash, same(n.numbers, n.numbers), same(n.outlets, n.outlets), same(cites, cites),
                         same(n.narratives, n.narratives), same(counts, counts), n.unknown, n.questions)

        return {**self.__dict__, "entries": {path: compact(n) for path, n in self.entries.items()}}


def story_digest(key: str, briefs: Iterable[Brief]) -> str:
    """A digest of all listings.story_name reads: the story's key, and its briefs' titles and summaries in order."""
    told = repr((key, [(b.title, b.summary) for b in briefs]))
    return hashlib.blake2b(told.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def registry_digest(reg: Registry) -> str:
    """A digest of the registry's outlets, in order, every field: what a brief's Names depend on besides its file."""
    return hashlib.blake2b(repr(reg.outlets).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def names_of(brief: Brief, reg: Registry, index: Mapping[int, int], file_hash: str = "") -> Names:
    """One brief's Names; `index`: each outlet's position in reg.outlets, by its id."""
    match = reg.match
    numbers: list[int] = []
    outlets: list[int] = []
    cited: dict[int, list[int]] = {}
    lean, est = [0, 0, 0], [0, 0, 0]
    unknown = False
    for s in brief.sources:
        o = match(s.name)
        if o is None:
            unknown = True
            continue
        i = index[id(o)]
        numbers.append(s.number)
        outlets.append(i)
        cited.setdefault(i, []).append(s.number)
        r = o.lean  # as balance.balance_of counts them
        if r is not None:
            lean[0 if r < 3 else 1 if r == 3 else 2] += 1
        r = o.establishment
        if r is not None:
            est[0 if r < 3 else 1 if r == 3 else 2] += 1
    narratives: list[int] = []
    for k, n in enumerate(brief.narratives):
        if n.outlet:
            o = match(n.outlet)
            if o is None:
                unknown = True
            else:
                narratives += (k, index[id(o)])
    return Names(file_hash, tuple(numbers), tuple(outlets), tuple((i, tuple(nums)) for i, nums in cited.items()), tuple(narratives),
                 (len(brief.sources), (lean[0], lean[1], lean[2]), (est[0], est[1], est[2])), unknown,
                 tuple(map(question_key, brief.predictions)))


def names_all(reg: Registry, briefs: Iterable[Brief], hashes: Mapping[str, str] | None = None,
              memo: NamedMemo | None = None) -> dict[str, Names]:
    """Every brief's Names by its path; with the build cache's `hashes` and `memo`, only those of briefs whose file
    changed (or all, when the registry did) are worked out, and the memo is left holding these briefs' only."""
    index = {id(o): i for i, o in enumerate(reg.outlets)}
    if memo is None or hashes is None:
        return {b.path: names_of(b, reg, index) for b in briefs}
    digest = registry_digest(reg)
    if memo.registry != digest:
        memo.registry, memo.entries, memo.changed = digest, {}, True
    before, out = memo.entries, {}
    for b in briefs:
        h = hashes[b.path]
        names = before.get(b.path)
        if names is None or names.file_hash != h:
            names = names_of(b, reg, index, h)
            memo.changed = True
        out[b.path] = names
    if len(out) != len(before):  # a brief gone (or new, and so changed already)
        memo.changed = True
    memo.entries = out
    return out
