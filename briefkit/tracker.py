"""The render stage's side of the build cache: which pages to render, and what each one read.

plan_pages() is pure; PageTracker fingerprints pages (fingerprint.py) before and after rendering.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from itertools import compress, filterfalse, groupby
from operator import attrgetter, itemgetter, ne
from time import perf_counter
from typing import Any, NamedTuple, cast

from .fingerprint import Digester
from .listings import Page, SiteData, url_of
from .parallel import ordered_map, workers
from .reads import Read, ReadLog, SiteReads
from .shown import ShownMemo


class PageRecord(NamedTuple):
    fingerprint: str
    reads: tuple[Read, ...]  # what of `site` its last render read

    def __reduce__(self) -> tuple[Any, ...]:
        # unpickled by tuple.__new__ in C, not the named tuple's Python __new__: the build cache holds one
        # per page, and loading 5,000 of them as dataclasses was a fifth of loading its state
        return tuple.__new__, (type(self), tuple(self))


_record = partial(tuple.__new__, PageRecord)  # PageRecord((fingerprint, reads))
_first, _second = itemgetter(0), itemgetter(1)
_fingerprint_of, _reads_of = _first, _second  # a PageRecord's, in C
_template_of = attrgetter("template")


def plan_pages(now: Mapping[str, str], before: Mapping[str, PageRecord], intact: Collection[str]) -> set[str]:
    """Pages to render: new ones, ones whose inputs changed, ones whose output file is gone or was edited."""
    return _to_render(list(now), list(now.values()), list(map(before.get, now)), intact)


def _to_render(paths: list[str], fingerprints: list[str], known: list[PageRecord | None],
               intact: Collection[str]) -> set[str]:
    """plan_pages() of the pages' paths, their fingerprints and their records of the last build (None: a new
    page). When every page is known (an edit's), compared and sifted in C, not a Python step for each of 5,300."""
    if None in known:
        return {path for path, fp, record in zip(paths, fingerprints, known)
                if record is None or path not in intact or record.fingerprint != fp}
    changed = set(compress(paths, map(ne, fingerprints, map(_fingerprint_of, cast("list[PageRecord]", known)))))
    return changed.union(filterfalse(intact.__contains__, paths))


class PageTracker:
    """The render stage's side of the cache: which pages to render, and what each one read.

    A page's fingerprint covers its context and what of `site` it read; objects in them count by the
    attributes the page's template was seen to read of their type (ReadLog), all when unsure.
    """

    def __init__(self, site: SiteData, hashes: Mapping[str, str], before: Mapping[str, PageRecord],
                 attrs: Mapping[str, Mapping[str, frozenset[str]]], intact: Collection[str], shared: str,
                 costs: Mapping[str, float] | None = None, kept: ShownMemo | None = None):
        self.site, self.hashes, self.before, self.intact, self.shared = site, hashes, before, intact, shared
        self.kept = kept  # shown digests across builds (shown.py), put into _shown before fingerprinting
        self._filled: set[Any] = set()  # the sets of view attributes (of templates) _shown has from it
        self.costs: dict[str, float] = dict(costs or {})  # template -> seconds to fingerprint all its pages
        self.attrs: dict[str, dict[str, frozenset[str]]] = {t: dict(a) for t, a in attrs.items()}
        self.records: dict[str, PageRecord] = {}
        self.log = ReadLog()
        self._digesters: dict[str, Digester] = {}
        self._shown: dict[frozenset[str], dict[int, tuple[Any, str]]] = {}  # Digester.shown, for all templates
        self._grown: set[str] = set()  # templates seen reading more than their fingerprints counted
        self._planned: dict[str, PageRecord] = {}
        # finish() leaves its fingerprints for complete(): the build cache then takes them after the
        # process has reported and handed the saving to a child (cache.BuildCache.finish)
        self.defer = False
        self._unfinished: list[Page] | None = None

    def _fingerprint(self, page: Page, reads: tuple[Read, ...]) -> tuple[str, float]:
        """The page's fingerprint, and the seconds it took."""
        start = perf_counter()
        url = url_of(self.site.config, page.path)
        return self._digester(page.template).page(page, url, self.site, reads, self.shared), perf_counter() - start

    def _digester(self, template: str) -> Digester:
        if template not in self._digesters:
            self._digesters[template] = Digester(self.hashes, self.attrs.get(template, {}), self._shown)
        return self._digesters[template]

    def _fill(self, templates: Collection[str]) -> None:
        """Put the listed briefs' shown digests into _shown from the last build's (made afresh where a brief
        changed), in this process: made in a forked worker, they would not come back to be kept."""
        if self.kept is None:
            return
        for template in sorted(templates):
            digester = self._digester(template)
            listed = digester.listed()
            if listed is not None and listed[0] not in self._filled:
                self._filled.add(listed[0])
                self.kept.fill(digester, self.site.briefs, self.hashes, self._shown)

    def _fingerprints(self, pages: list[Page], reads: list[tuple[Read, ...]], every: bool) -> list[str]:
        """Fingerprints on every core, each template's pages in one process (they share digests), the costliest
        (by what each template took last time) first; `every` page of the site: this time's costs are noted."""
        templates = list(map(_template_of, pages))
        self._fill(set(templates))
        chunks = by_cost(templates, self.costs, workers() * 16) if self.costs else None
        done = ordered_map(lambda i: self._fingerprint(pages[i], reads[i]), range(len(pages)), chunks)
        if every:
            took: dict[str, float] = {}
            # a template's pages come in runs (all the brief pages ...): each run's seconds summed in C
            for template, run in groupby(zip(templates, map(_second, done)), key=_first):
                took[template] = took.get(template, 0.0) + sum(map(_second, run))
            self.costs = took
        return list(map(_first, done))

    def plan(self, pages: list[Page]) -> set[str]:
        if not self.before:  # nothing to compare with: render everything, fingerprint afterwards
            self.records = {p.path: PageRecord("", ()) for p in pages}
            return {p.path for p in pages}
        paths = [p.path for p in pages]
        known = list(map(self.before.get, paths))  # None: a page new since
        reads = list(map(_reads_of, cast("list[PageRecord]", known))) if None not in known else \
            [record.reads if record is not None else () for record in known]
        fingerprints = self._fingerprints(pages, reads, every=True)
        # each page's record made in C (as PageRecord.__reduce__ unpickles one), not by a call for each of 5,000
        planned = dict(zip(paths, map(_record, zip(fingerprints, reads))))
        self._planned.update(planned)
        self.records.update(planned)
        return _to_render(paths, fingerprints, known, self.intact)

    def prepare(self, env: Any) -> None:
        self.log.install(env)

    def watch(self) -> SiteReads:
        view = SiteReads(self.site, self.log)
        self.log.current = view.seen
        return view

    def rendered(self, page: Page, reads: Collection[Read], attrs: Mapping[str, Collection[str]]) -> None:
        now = tuple(sorted(reads))
        planned = self._planned.get(page.path)  # its fingerprint holds if it read the same (and no template grew)
        self.records[page.path] = PageRecord(planned.fingerprint if planned and planned.reads == now else "", now)
        known = self.attrs.setdefault(page.template, {})
        for kind, names in attrs.items():
            grown = known.get(kind, frozenset()) | frozenset(names)
            if grown != known.get(kind):
                known[kind] = grown
                self._digesters.pop(page.template, None)  # digests made with fewer attributes are stale
                self._grown.add(page.template)

    def finish(self, pages: list[Page]) -> None:
        """Fingerprint rendered pages, and every page of a template seen to read more than before (now, or
        in complete() when deferred)."""
        self._unfinished = pages
        if not self.defer:
            self.complete()

    def complete(self) -> None:
        """The fingerprints finish() left to do, if any."""
        pages, self._unfinished = self._unfinished, None
        if pages is None:
            return
        todo = [p for p in pages if p.template in self._grown or not self.records[p.path].fingerprint]
        reads = [self.records[p.path].reads for p in todo]
        for page, read, fp in zip(todo, reads, self._fingerprints(todo, reads, every=len(todo) == len(pages))):
            self.records[page.path] = PageRecord(fp, read)
        # the digests are done with: serve keeps the cache, and so this tracker, until the next rebuild
        self._digesters.clear()
        self._shown.clear()
        self._filled.clear()


def by_cost(templates: list[str], costs: Mapping[str, float], pieces: int) -> list[list[int]]:
    """The pages (by index) in chunks for ordered_map to deal out, the costliest first: each template's pages
    together, as they share digests (a listing's briefs); the template with the most pages (brief pages,
    which share little) last, in `pieces` chunks that even out the end. Pure."""
    groups: dict[str, list[int]] = {}
    for template, run in groupby(range(len(templates)), key=templates.__getitem__):  # by runs, in C
        groups.setdefault(template, []).extend(run)
    if not groups:
        return []
    spread = max(groups, key=lambda t: (len(groups[t]), t))
    chunks = [groups[t] for t in sorted((t for t in groups if t != spread), key=lambda t: (-costs.get(t, 0.0), t))]
    rest = groups[spread]
    size = max(1, -(-len(rest) // pieces))
    return chunks + [rest[i:i + size] for i in range(0, len(rest), size)]
