"""The related stage across builds: the last build's index and lists, and which briefs an edit makes stale.

link() returns exactly what Index(docs, settings).link_all() would, working out again only the briefs
whose lists can differ (see _update for why the others cannot).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .matches import Match
from .packs import Packed
from .parallel import ordered_map
from .related import MIN_LOOKALIKE, PER_KEY, Doc, Index, Settings, reach, window

Posting = tuple[float, int, float]  # (day, doc, weight), as in Index.postings
Link = tuple[str, str, float, str]  # (slug, reason, score, tier) of one shown match, its score as shown (4 places)


class Reads(NamedTuple):
    """What a brief's lists were worked out from, beyond its own vector and the posting lists."""

    explained: tuple[int, ...]  # docs scored in full as its candidates (author, story and best others)
    top: tuple[int, ...]  # the candidates with the best gathered scores (Index._top, the largest call)
    cut: float  # the lowest of those scores when the top was full; -inf when every candidate fit


@dataclass
class Linked:
    """One build's related stage: the inputs its lists were worked out from, and the lists."""

    settings: Settings
    sig: list[tuple[str, float, str, tuple[str, ...]]]  # per doc: slug, day, story, author's links
    names: dict[str, str]
    contents: list[bytes]  # per doc: relink.content
    keys: Packed[int, Mapping[str, int]]  # per doc: Index._keys
    df: Counter[str]
    idf: dict[str, float]
    holders: Packed[str, list[int]] | None  # key -> docs whose keys hold it, cut or not (None: see settle)
    vectors: Packed[int, dict[str, float]]
    postings: Packed[str, list[Posting]]
    results: Packed[int, tuple[list[Match], Reads]]  # per doc: its related list and what it read
    explainers: Packed[int, tuple[int, ...]] | None  # doc -> the docs that explained it (Reads.explained turned round)
    links: list[list[Link]]  # per doc: its related list, as crosslink shows it
    near: dict[int, list[tuple[int, Match]]]  # doc -> its lookalikes, where it has any

    def settle(self) -> None:
        """Work out `holders` and `explainers` where _full left them to do: only the next build reads them
        (_update), and a cold build's cache is saved by a child after the build has returned (handoff.py), so
        that is where they are made; pickling the lists (the save) settles them first."""
        if self.holders is None:
            holders: dict[str, list[int]] = {}
            for i in range(len(self.sig)):
                for key in self.keys[i]:
                    holders.setdefault(key, []).append(i)
            self.holders = Packed(holders)
        if self.explainers is None:
            explainers: dict[int, list[int]] = {}
            for i in range(len(self.sig)):
                for j in self.results[i][1].explained:
                    explainers.setdefault(j, []).append(i)
            self.explainers = Packed({j: tuple(docs) for j, docs in explainers.items()})

    def __getstate__(self) -> dict[str, object]:
        self.settle()
        # a shown link's slug (the doc's own, in sig), reason and tier pickled once per distinct value (pickle writes
        # one object once): unpickling 18,000 links made 11,000 slugs and 6,500 reasons of 3,600 and 500 distinct
        one: dict[str, str] = {doc[0]: doc[0] for doc in self.sig}
        same = one.setdefault
        links = [[(same(s, s), same(r, r), score, same(t, t)) for s, r, score, t in shown] for shown in self.links]
        return {**self.__dict__, "links": links}

    def lists(self) -> list[list[Match]]:
        """Every doc's related list, as Index.link_all gives them."""
        return [self.results[i][0] for i in range(len(self.sig))]

    def pairs(self, docs: list[Doc]) -> list[tuple[Doc, Doc, Match]]:
        """The lookalike pairs, as Index.link_all gives them."""
        return [(docs[i], docs[j], m) for i in sorted(self.near) for j, m in self.near[i]]


class _Tracked(Index):
    """An Index that notes, for each doc it links, the candidates it explained and its best gathered scores."""

    _seen: set[int] | None = None
    _best: list[tuple[int, float]]
    _size = 0

    def explain(self, i: int, j: int, tier: str = "similar", terms: bool = True) -> Match:
        if self._seen is not None:
            self._seen.add(j)
        return super().explain(i, j, tier, terms)

    def _top(self, ranked: list[tuple[int, float]], size: int) -> list[tuple[int, float]]:
        top = super()._top(ranked, size)
        if size > self._size:  # the full candidate list's top holds the shown list's
            self._size, self._best = size, top
        return top

    def tracked(self, i: int) -> tuple[list[Match], list[tuple[int, Match]], Reads]:
        self._seen, self._size, self._best = set(), 0, []
        try:
            shown, near = self._links_of(i)
            best, size = self._best, self._size
            cut = best[-1][1] if size and len(best) == size else -math.inf
            return shown, near, Reads(tuple(sorted(self._seen)), tuple(j for j, _ in best), cut)
        finally:
            self._seen = None


def content(d: Doc) -> bytes:
    """A digest of what a doc's keys are made of: its text, topic slugs and outlet keys (names do not count
    here: link() compares the names table as a whole)."""
    text = d.text.encode("utf-8", "surrogatepass")
    tags = "\0".join([k for k, _ in d.topics]) + "\1" + "\0".join([k for k, _ in d.outlets])
    if tags.count("\0") != max(len(d.topics) - 1, 0) + max(len(d.outlets) - 1, 0) or tags.count("\1") != 1:
        tags = repr((d.topics, d.outlets))  # a slug holding a separator: spelled out (repr escapes them)
    h = hashlib.blake2b(len(text).to_bytes(8, "little"), digest_size=16)
    h.update(text)
    h.update(tags.encode("utf-8", "surrogatepass"))
    return h.digest()


def link(docs: Iterable[Doc], settings: Settings, last: Linked | None = None,
         digests: Sequence[bytes | None] = ()) -> tuple[Index, Linked]:
    """The index over docs and its related lists, reusing what `last` (an earlier build's) still holds.

    `digests`, given, holds each doc's content(doc) where it is known (None where not), in the order of `docs`."""
    index, linked, _ = link_with(docs, settings, last, digests)
    return index, linked


def link_with(docs: Iterable[Doc], settings: Settings, last: Linked | None = None,
              digests: Sequence[bytes | None] = (), also: Sequence[Callable[[], Any]] = ()
              ) -> tuple[Index, Linked, list[Any]]:
    """link, and the results of `also`: other work (crosslink's story changes) done on the cores in the pass that
    works out every list afresh, not in a pass of its own after it (as Index.linked)."""
    index = _Tracked.__new__(_Tracked)
    if digests:  # put in the index's order along with their docs (_place's sort of them is then a pass)
        paired = sorted(zip(docs, digests), key=lambda dc: (dc[0].date, dc[0].slug))
        docs = [d for d, _ in paired]
    index._place(docs, settings)
    sig = [(d.slug, day, d.story, d.related) for d, day in zip(index.docs, index.days)]
    if digests:
        contents = [c if c is not None else content(d) for d, (_, c) in zip(index.docs, paired)]
    else:
        contents = [content(d) for d in index.docs]
    if (last is None or len(sig) < MIN_LOOKALIKE or last.sig != sig or last.settings != index.settings
            or last.names != index.names):
        return (index, *_full(index, sig, contents, last, also))
    return index, _update(index, last, contents), [call() for call in also]  # few: the stories an edit changed


def _full(index: _Tracked, sig: list[tuple[str, float, str, tuple[str, ...]]], contents: list[bytes],
          last: Linked | None, also: Sequence[Callable[[], Any]] = ()) -> tuple[Linked, list[Any]]:
    keys: Packed[int, Mapping[str, int]] = Packed()
    was = {c: i for i, c in enumerate(last.contents)} if last else {}
    new = [i for i, c in enumerate(contents) if c not in was or last is None]
    counted = dict(zip(new, ordered_map(index._keys, [index.docs[i] for i in new])))  # on every core
    raw: list[Mapping[str, int]] = []
    for i, c in enumerate(contents):
        if i in counted:
            keys[i] = counted[i]
        else:
            assert last is not None
            keys.take(i, last.keys, was[c])
        raw.append(keys[i])
    index._weigh(raw)
    n, tracked = len(index.docs), index.tracked

    def work(x: int | Callable[[], Any]) -> Any:
        return tracked(x) if isinstance(x, int) else x()

    done = ordered_map(work, [*range(n), *also])
    found: list[tuple[list[Match], list[tuple[int, Match]], Reads]] = done[:n]
    assert isinstance(index.vectors, list) and isinstance(index.postings, dict)
    # holders and explainers serve only the next build: left to Linked.settle
    return Linked(index.settings, sig, index.names, contents, keys, index.df, index.idf, None,
                  Packed(dict(enumerate(index.vectors))), Packed(index.postings),
                  Packed({i: (shown, reads) for i, (shown, _, reads) in enumerate(found)}), None,
                  [shown_links(shown) for shown, _, _ in found],
                  {i: near for i, (_, near, _) in enumerate(found) if near}), done[n:]


def shown_links(shown: list[Match]) -> list[Link]:
    """A related list as crosslink.link_site shows it: lighter than the Matches for a worker to send back or the
    memo to keep, the score rounded once where it is worked out, not in every build that shows it."""
    return [(m.slug, m.reason, round(m.score, 4), m.tier) for m in shown]


def _update(index: _Tracked, last: Linked, contents: list[bytes]) -> Linked:
    """The lists again when only texts, topics or outlets changed: same briefs, dates, stories and links.

    Doc i's lists are a function of its vector, the df of its vector's keys, the parts of their posting
    lists it reads (Index._gather_new: the whole list, or the `cap` entries nearest its day), and, for
    each doc j it explained, j's vector; the rest (order, days, stories, names, settings) is the same
    by the caller's test. So after the edited docs' keys change:
    1. df changes only for keys an edited doc gained or lost; a vector changes only for an edited doc
       or a doc holding such a key that weighs in its vector (a topic or outlet always does, through
       the norm; a word only while its df is within 2..limit). Those vectors are worked out again and
       compared in order (the order of a vector is the order _explain adds in).
    2. A posting list changes only for keys whose weight changed in a changed vector.
    3. Doc i is linked again when its vector changed, a key of its vector changed df, it explained a
       doc whose vector changed, or a posting list changed within what it reads in a way that can
       matter: a read part that changed length moves where the budget runs out, so i is linked
       again. When only entries changed (docs moved in or out of the part, or weighed differently),
       every other candidate's gathered score and gathering order is as before, so the best
       gathered scores are as before unless one of those docs was among them or now reaches the
       lowest of them (`Reads.cut`): that is checked on i's new gathered scores, unless none of them
       could reach it even reading every key it shares with i (_bound). Where a list keeps its docs
       in their places, the parts that changed are those covering a reweighed entry.
    """
    last.settle()
    assert last.holders is not None and last.explainers is not None
    n, keys = len(contents), last.keys.copy()
    edited = [i for i in range(n) if contents[i] != last.contents[i]]
    if not edited:
        index.df, index.idf, index.vectors, index.postings = last.df, last.idf, last.vectors, last.postings
        return last
    df, idf, holders = Counter(last.df), dict(last.idf), last.holders.copy()
    before: dict[str, int] = {}  # key -> its df in the last build, for keys an edited doc gained or lost
    for e in edited:
        old = last.keys[e]
        now = keys[e] = index._keys(index.docs[e])
        for key in old.keys() - now.keys():
            before.setdefault(key, df[key])
            df[key] -= 1
            holders[key] = [x for x in holders[key] if x != e]
        for key in now.keys() - old.keys():
            before.setdefault(key, df[key])
            df[key] += 1
            holders[key] = sorted([*holders.get(key, []), e])
    changed = {key: count for key, count in before.items() if df[key] != count}
    for key in changed:
        if df[key]:
            idf[key] = index._idf(df[key])
        else:
            del df[key], idf[key], holders[key]
    index.df, index.idf = df, idf
    # 1. vectors
    least, most = 2, index.limit
    touched = set(edited)
    for key, count in changed.items():
        if key[0] != "w" or least <= count <= most or least <= df[key] <= most:
            touched.update(holders.get(key, []))
    vectors = last.vectors.copy()
    moved: list[int] = []
    for i in sorted(touched):
        vec = index._vector(keys[i])
        if list(vec.items()) != list(vectors[i].items()):
            vectors[i] = vec
            moved.append(i)
    index.vectors = vectors
    # 2. posting lists
    postings, days, gone = last.postings.copy(), index.days, set(moved)
    stale: set[str] = set()
    for i in moved:
        old_vec, new_vec = last.vectors[i], vectors[i]
        stale.update(k for k in old_vec.keys() | new_vec.keys() if old_vec.get(k) != new_vec.get(k))
    entries: dict[str, list[Posting]] = {}
    for i in moved:
        for key, weight in vectors[i].items():
            if key in stale:
                entries.setdefault(key, []).append((days[i], i, weight))
    for key in stale:
        plist = sorted([p for p in last.postings.get(key, []) if p[1] not in gone] + entries.get(key, []))
        if plist:
            postings[key] = plist
        else:
            del postings[key]
    index.postings = postings
    # 3. docs to link again
    redo = set(moved)
    for key in changed:
        redo.update(p[1] for p in postings.get(key, []))
    for j in moved:
        redo.update(last.explainers.get(j, ()))
    cap = max(1, index.settings.budget // PER_KEY)
    shifted: dict[int, set[int]] = {}
    for key in stale:
        old_list, new_list = last.postings.get(key, []), postings.get(key, [])
        if len(old_list) == len(new_list) and all(a[1] == b[1] for a, b in zip(old_list, new_list)):
            # the same docs in the same places, some weighed anew: a doc reads a change where its part covers one
            marks = [(p, b[1]) for p, (a, b) in enumerate(zip(old_list, new_list)) if a != b]
            for _, i, _ in new_list:
                if i not in redo:
                    lo, hi = reach(new_list, days[i], cap)
                    hit = [j for p, j in marks if lo <= p < hi]
                    if hit:
                        shifted.setdefault(i, set()).update(hit)
            continue
        for _, i, _ in new_list:  # a doc outside `moved` holds the key in both lists
            if i in redo:
                continue
            a, b = window(old_list, days[i], cap), window(new_list, days[i], cap)
            if a == b:
                continue
            if len(a) != len(b):
                redo.add(i)
            else:
                shifted.setdefault(i, set()).update(p[1] for p in set(a).symmetric_difference(b))
    for i, differ in shifted.items():
        if i not in redo:
            reads = last.results[i][1]
            if not differ.isdisjoint(reads.top):
                redo.add(i)
                continue
            if all(_bound(index, i, j) < reads.cut for j in differ):
                continue
            acc = index._gather_new(i)
            if any(j in acc and acc[j] >= reads.cut for j in differ):
                redo.add(i)
    return _relinked(index, last, sorted(redo), contents, keys, df, idf, holders, vectors, postings)


def _bound(index: Index, i: int, j: int) -> float:
    """More than doc j can gather as doc i's candidate: every key they share read in full (a margin over
    the rounding of any order of adding)."""
    a, b, scale = index.vectors[i], index.vectors[j], index.key_scale
    if len(b) < len(a):
        a, b = b, a
    total = sum(scale[k[0]] * w * b[k] for k, w in a.items() if k in b)
    return total * (1 + 1e-9) + 1e-12


def _relinked(index: _Tracked, last: Linked, redo: list[int], contents: list[bytes],
              keys: Packed[int, Mapping[str, int]], df: Counter[str], idf: dict[str, float],
              holders: Packed[str, list[int]], vectors: Packed[int, dict[str, float]],
              postings: Packed[str, list[Posting]]) -> Linked:
    """The last build's lists with those of `redo` worked out again."""
    results, links, near = last.results.copy(), list(last.links), dict(last.near)
    assert last.explainers is not None  # settled by _update
    explainers = last.explainers.copy()
    turned: dict[int, set[int]] = {}
    for i, (shown, close, reads) in zip(redo, ordered_map(index.tracked, redo)):
        was = set(last.results[i][1].explained)
        for j in was.symmetric_difference(reads.explained):
            if j not in turned:
                turned[j] = set(explainers.get(j, ()))
            (turned[j].discard if j in was else turned[j].add)(i)
        results[i] = (shown, reads)
        links[i] = shown_links(shown)
        if close:
            near[i] = close
        else:
            near.pop(i, None)
    for j, by in turned.items():
        if by:
            explainers[j] = tuple(sorted(by))
        elif j in explainers:
            del explainers[j]
    return Linked(last.settings, last.sig, last.names, contents, keys, df, idf, holders, vectors, postings,
                  results, explainers, links, near)
