"""The link checker: every internal link and #anchor in the rendered pages must resolve.

Works on the site in memory (before anything is written), reading each page with pagelinks. With the
build cache, a page keeps the last good build's verdicts unread when its bytes, the site's files and
the ids its "#id" links point into are as they were then. External links are collected; external.py
fetches them when asked (warnings only).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple

from .diagnostics import Diagnostic
from .htmlscan import Scanner
from .linksite import Problems, Site, check_page
from .pagelinks import Found, ParsedPage, line_writing, lines_of, parse_page, scanner
from .parallel import Memo, ordered_map
from .project import SiteConfig

if TYPE_CHECKING:  # the verdicts load with the build cache's state, without the theme engine
    from .render import Output

# search.BUNDLE's folder (not imported: search loads subprocess and tempfile, a no-change build neither);
# the index is written after the links are checked, so its files are not among those checked then
SEARCH_BUNDLE = "pagefind/"
LOAD_AFTER = 50  # pages parsed for their ids before the memo of parsed pages is loaded (about 0.35 ms each)


def page_key(data: bytes) -> str:
    """What a page is remembered by: its bytes' digest."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def site_key(config: SiteConfig, files: Iterable[str]) -> str:
    """What every verdict depends on besides its own page: the settings and which files exist."""
    digest = hashlib.blake2b(repr(config).encode(), digest_size=16)
    digest.update("\0".join(sorted(files)).encode())
    return digest.hexdigest()


@dataclass
class LinkReport:
    """What checking the links of every page found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    linking: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # shown page, its external URLs
    pages: int = 0
    internal: int = 0
    checked: int = 0  # pages whose links were resolved; the others kept the last good build's verdicts

    @cached_property
    def external(self) -> dict[str, list[str]]:
        """External URL -> the shown pages linking to it, by URL: made when asked for (check --links or
        --external), as gathering 26,000 URLs from 4,000 pages took half a one-edit build's link check."""
        external: dict[str, list[str]] = {}
        for where, urls in self.linking:
            for url in urls:
                external.setdefault(url, []).append(where)
        return dict(sorted(external.items()))

    @property
    def external_count(self) -> int:
        """len(external), without making it."""
        return len(set(chain.from_iterable(urls for _, urls in self.linking)))


class PageVerdicts(NamedTuple):
    """What checking one page found: all a report needs of it when nothing on it was broken."""

    key: str  # page_key of its bytes
    ids: str  # ParsedPage.ids_key ("" when no build cache keeps the verdicts)
    internal: int  # links that resolved
    external: tuple[str, ...]  # distinct, in order of first appearance
    anchored: tuple[str, ...]  # the other pages whose ids its "#id" links needed

    def __reduce__(self) -> tuple[Any, ...]:
        # unpickled by tuple.__new__ in C (as tracker.PageRecord): the build cache's state holds one per page
        return tuple.__new__, (type(self), tuple(self))


@dataclass
class LinkMemory:
    """The last good build's verdicts (from the build cache), and this build's, kept when it is good."""

    site: str = ""  # site_key the verdicts were found with
    pages: Mapping[str, PageVerdicts] = field(default_factory=dict)
    parsed: Callable[[], Memo] | None = None  # parsed pages by page_key, loaded when every page is checked
    files: Collection[str] = ()  # the files the last build wrote, among them those `site` was found with
    found_site: str = ""
    found: dict[str, PageVerdicts] = field(default_factory=dict)  # pages with nothing broken


class _Parsed(dict[str, ParsedPage]):
    """Pages read so far; another is read when asked for: from the memo of parsed pages when it has
    the page's bytes (by their digest), else parsed.

    `load` gives the memo when it is not at hand (a build checking a few pages): it is loaded once more
    than LOAD_AFTER pages were parsed for their ids, as when a changed forecasts page links into
    thousands of brief pages (parsing those took 0.9 s at 4,000 briefs, loading the memo 0.06 s).
    """

    def __init__(self, files: Mapping[str, bytes], scan: Scanner[Found], keys: Mapping[str, str],
                 memo: Mapping[Any, ParsedPage], load: Callable[[], Memo] | None = None):
        super().__init__()
        self.files = files
        self.scan = scan
        self.digests = keys
        self.memo = memo
        self.load, self.parsed = load, 0

    def remembered(self, key: str | None) -> ParsedPage | None:
        return self.memo.get(key) if key is not None else None

    def __missing__(self, rel: str) -> ParsedPage:
        key = self.digests.get(rel)
        page = self.remembered(key)
        if page is None and self.load is not None and key is not None and self.parsed >= LOAD_AFTER:
            self.memo, self.load = self.load().entries, None
            page = self.remembered(key)
        if page is None:
            page = parse_page(self.files[rel], self.scan)
            self.parsed += 1
        self[rel] = page
        return page


def check_links(config: SiteConfig, out: Output, shown: Callable[[str], str],
                memory: LinkMemory | None = None) -> LinkReport:
    """Check every link of every HTML page in `out`; `shown` turns an output path into a diagnostic path.

    With `memory` (the build cache's), a page keeps the last good build's verdicts when its bytes
    and the site's files are unchanged and no page its "#id" links point into has other ids now; the
    rest are checked, and the report is the one checking every page would give.
    """
    remember = memory is not None  # without the build cache, nothing keeps the pages' digests
    memory = memory if memory is not None else LinkMemory()
    pages = sorted(rel for rel in out.files if rel.endswith(".html"))
    memory.found_site = site_key(config, out.files)
    known = memory.pages if memory.site == memory.found_site or only_added(config, memory, out.files) else {}
    keys = _page_keys(out, pages, memory.pages, everything=bool(known))
    kept = {rel: old for rel in pages if (old := known.get(rel)) is not None and old.key == keys[rel]}
    # when every page is checked, the memo of parsed pages spares parsing those whose bytes did not change
    judge = _Judge(config, out, keys, memory.parsed() if memory.parsed is not None and not known else None,
                   memory.parsed if known else None, remember)
    judged = judge.all([rel for rel in pages if rel not in kept])
    if kept:  # a page with other ids may break "#id" links into it on pages that did not change
        moved = {rel for rel, (now, _) in judged.items() if (old := known.get(rel)) is None or old.ids != now.ids}
        for rel in [rel for rel, old in kept.items() if moved.intersection(old.anchored)] if moved else ():
            del kept[rel]
            judged[rel] = judge.one(rel)
    report = LinkReport(checked=len(judged))
    for rel in pages:
        verdicts, problems = (kept[rel], []) if rel in kept else judged[rel]
        if problems:
            report.diagnostics += _diagnostics(shown(rel), out.origins.get(rel, ""), problems)
        else:
            memory.found[rel] = verdicts
        report.pages += 1
        report.internal += verdicts.internal
        if verdicts.external:
            report.linking.append((shown(rel), verdicts.external))
    return report


def only_added(config: SiteConfig, memory: LinkMemory, files: Collection[str]) -> bool:
    """Whether the last verdicts hold for `files` as well: they were found with these settings and some of
    these files, and no file was added where a link to a folder would now find it instead of the folder's
    index.html. Added files break no link that resolved (a new brief adds its page and a page to each
    paged list it heads); a removed one may break any, and then every page is checked."""
    if not memory.site or not memory.files:
        return False
    written = list(memory.files)
    pages = [f for f in written if not f.startswith(SEARCH_BUNDLE)]
    for last in (written, pages) if len(pages) < len(written) else (written,):
        if site_key(config, last) == memory.site:  # the files the last verdicts were found with
            was = set(last)
            return was.issubset(files) and not any(f + "/index.html" in was for f in files if f not in was)
    return False


def _page_keys(out: Output, pages: list[str], known: Mapping[str, PageVerdicts], everything: bool) -> dict[str, str]:
    """Page digests: a page kept from the last build (Output.keep) has the bytes it had then, so its digest
    comes from the cache without reading the file (100 MB at 4,000 briefs). Those of pages rendered
    this build are needed first only to tell which kept their bytes; else the checking workers make them."""
    keys = {}
    for rel in pages:
        old = known.get(rel) if rel in out.kept else None
        if old is not None:
            keys[rel] = old.key
        elif everything or rel in out.kept:
            keys[rel] = out.digest_read(rel) or page_key(out.files[rel])
    return keys


class _Judge:
    """Checks pages: first each page is read, on every core (from the memo of parsed pages, when it
    has the page's bytes, else parsed), then its links are resolved, with every page's ids at hand."""

    def __init__(self, config: SiteConfig, out: Output, keys: dict[str, str], memo: Memo | None,
                 load: Callable[[], Memo] | None = None, remember: bool = True):
        self.files = out.files
        self.out = out
        self.keys = keys
        self.remember = remember  # False: no page is digested (0.08 s of 100 MB at 4,000 briefs), its key is ""
        self.memo = memo
        self.pages = _Parsed(out.files, scanner(), keys, memo.entries if memo is not None else {}, load)
        self.site = Site(config, out.files, self.pages)

    def one(self, rel: str) -> tuple[PageVerdicts, Problems]:
        page = self.pages[rel]
        # without the build cache nothing compares the pages' ids (0.01 s of digests at 4,000 briefs)
        internal, external, anchored, problems = check_page(self.site, rel, page)
        return PageVerdicts(self.keys[rel], page.ids_key if self.remember else "", internal, external, anchored), problems

    def all(self, todo: list[str]) -> dict[str, tuple[PageVerdicts, Problems]]:
        memo, links_read, digest_read = self.memo, self.out.links_read, self.out.digest_read
        if self.remember:  # a page digested where it was rendered (render_pages) is not digested again
            for rel in todo:
                if not self.keys.get(rel) and (digest := digest_read(rel)):
                    self.keys[rel] = digest
        # a page read where it was rendered is not read again; only digested, for the memo, when it was not
        unread = [rel for rel in todo if links_read(rel) is None or (self.remember and not self.keys.get(rel))]
        read = dict(zip(unread, ordered_map(self._read, unread)))
        for rel in todo:
            key, page = read.get(rel) or (self.keys.get(rel, ""), None)
            self.keys[rel] = key
            remembered = self.pages.remembered(key) if page is None else None
            if remembered is not None:
                page = remembered
            elif page is None:
                page = links_read(rel)
                assert page is not None, rel  # _read gave None for it
            if memo is not None:
                memo.touched.add(key)
                if remembered is None:
                    memo.entries[key] = page
                    memo.changed = True
            self.pages[rel] = page
        # resolved here alone: a forked worker resolved the site-wide links over again and copied the
        # readings it touched, so that two processes took longer (0.36 s) than one (0.27 s at 4,000 briefs)
        return dict(zip(todo, map(self.one, todo)))

    def _read(self, rel: str) -> tuple[str, ParsedPage | None]:
        """(digest, the page parsed), or None for a page the memo has or one read where it was rendered:
        it is not sent back."""
        if not self.remember:
            return "", parse_page(self.files[rel], self.pages.scan)
        key = self.keys.get(rel) or page_key(self.files[rel])
        if self.pages.remembered(key) is not None or self.out.links_read(rel) is not None:
            return key, None
        return key, parse_page(self.files[rel], self.pages.scan)


def _diagnostics(where: str, origin: str, problems: Problems) -> list[Diagnostic]:
    """A broken link of a brief's page at the line of the brief that writes it (the page's otherwise: a link
    the theme made, or one the brief's file no longer holds as written)."""
    lines = lines_of(origin) if origin.endswith(".md") else []
    seen: dict[str, int] = {}  # href -> the line its last problem was found at
    diags = []
    for message, hint, href in problems:
        line = line_writing(lines, href, seen.get(href, 0))
        if line:
            seen[href] = line
            diags.append(Diagnostic(origin, line, "link", message, hint=hint))
            continue
        if origin.endswith(".md"):
            hint = f"{hint}; page built from {origin}" if hint else f"page built from {origin}"
        diags.append(Diagnostic(where, 0, "link", message, hint=hint))
    return diags
