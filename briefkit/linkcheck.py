"""The link checker: every internal link and #anchor in the rendered pages must resolve.

Works on the site in memory (before anything is written), parsing each page with htmlscan
(html.parser where a page is not plain enough for it; the build cache keeps parsed pages by their bytes).
External links are collected, and fetched only when asked (warnings only).
"""

from __future__ import annotations

import hashlib
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from . import __version__
from .diagnostics import WARNING, Diagnostic
from .htmlscan import start_tags
from .listings import url_of
from .parallel import Memo, ordered_map
from .project import SiteConfig
from .render import Output

LINK_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"), "script": ("src",),
    "source": ("src", "srcset"), "iframe": ("src",), "video": ("src", "poster"), "audio": ("src",),
    "track": ("src",), "embed": ("src",), "form": ("action",),
}
META_URLS = {"og:url", "og:image", "og:image:url", "og:image:secure_url", "twitter:image"}
SKIP_RELS = {"preconnect", "dns-prefetch"}  # hosts, not documents
SKIP_SCHEMES = {"mailto", "tel", "data", "javascript", "sms"}
_ANCHOR = re.compile(r"#[-\w.:]*")  # "#id" with nothing urlsplit or unquote would change
_OK = ("ok", "", "")


@dataclass
class ParsedPage:
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # in document order


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.page.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.page.ids.add(a["name"])
        if tag == "meta":
            if (a.get("property") or a.get("name")) in META_URLS and a.get("content"):
                self.page.links.append(a["content"].strip())
            return
        if tag == "link" and SKIP_RELS & set(a.get("rel", "").lower().split()):
            return
        for attr in LINK_ATTRS.get(tag, ()):
            value = a.get(attr)
            if value is None:
                continue
            if attr == "srcset":
                self.page.links += [part.split()[0] for part in value.split(",") if part.strip()]
            elif value.strip():
                self.page.links.append(value.strip())

    handle_startendtag = handle_starttag


WANTED = frozenset(LINK_ATTRS) | {"meta"}  # the tags whose attributes matter, besides any with an id


def _parse(data: bytes) -> ParsedPage:
    text = data.decode("utf-8", errors="replace")
    collector = _Collector()
    tags = start_tags(text, WANTED)  # our own pages take the fast path; anything unusual, html.parser
    if tags is None:
        collector.feed(text)
        collector.close()
    else:
        for tag, attrs in tags:
            collector.handle_starttag(tag, attrs)
    page = collector.page
    # the same navigation links recur on every page: one string each keeps the saved cache small
    page.links = [sys.intern(link) for link in page.links]
    return page


def parse_page(data: bytes) -> ParsedPage:
    """Ids and links of one HTML page."""
    return _parse(data)


def page_key(data: bytes) -> str:
    """What a parsed page is remembered by: its bytes' digest."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class LinkReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    external: dict[str, list[str]] = field(default_factory=dict)  # URL -> shown pages linking to it
    pages: int = 0
    internal: int = 0


class _Site:
    """Resolves a link found on one page to an output file and, for #anchors, an id in it."""

    def __init__(self, config: SiteConfig, files: Mapping[str, bytes], parsed: Mapping[str, ParsedPage]):
        self.config = config
        self.files = files
        base = urlsplit(config.base_url) if config.absolute_base else None
        self.host = base.netloc.lower() if base else ""
        self.base_path = config.base_path
        self.parsed = parsed  # output path -> its ids and links, for every HTML page
        self.verdicts: dict[tuple[str, str], tuple[str, str, str]] = {}
        self.absolute: dict[str, tuple[str, str, str]] = {}  # verdicts of links that mean the same on every page
        self.page_files: dict[str, str | None] = {}  # page -> the file its "#id" links lead to

    def target(self, path: str) -> str | None:
        """URL path -> output file, the way a static host finds it (folders serve index.html)."""
        if not self.under_base(path):
            return None
        rel = unquote(path[len(self.base_path):])
        candidates = [rel + "index.html"] if rel == "" or rel.endswith("/") else [rel, rel + "/index.html"]
        return next((c for c in candidates if c in self.files), None)

    def under_base(self, path: str) -> bool:
        return path.startswith(self.base_path) or path + "/" == self.base_path

    def check(self, rel: str, href: str) -> tuple[str, str, str]:
        """(verdict, message, hint): verdict is ok, skip, external or broken."""
        # resolve each link once per site (absolute ones), per folder (relative ones: every page in a
        # folder resolves them alike) or per page (only "", "#..." and "?..." depend on the page itself)
        if href.startswith(("/", "http:", "https:")):
            verdict = self.absolute.get(href)
            if verdict is None:
                verdict = self.absolute[href] = self._check(rel, href)
            return verdict
        if not href or href[0] in "#?":
            if _ANCHOR.fullmatch(href) and self._on_page(rel, href):
                return _OK
            key = (rel, href)
        else:
            key = ("/" + rel[:rel.rfind("/") + 1], href)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self._check(rel, href)
        return verdict

    def _on_page(self, rel: str, href: str) -> bool:
        """Whether a plain "#id" link finds its id: every such link of a page resolves to one file, looked up once."""
        if rel not in self.page_files:
            self.page_files[rel] = self.target(resolve(url_of(self.config, rel), href, urlsplit(href)))
        target, fragment = self.page_files[rel], href[1:]
        return target is not None and (fragment in ("", "top") or not target.endswith(".html")
                                       or fragment in self.parsed[target].ids)

    def _check(self, rel: str, href: str) -> tuple[str, str, str]:
        parts = urlsplit(href)
        scheme = parts.scheme.lower()
        if scheme in SKIP_SCHEMES or scheme not in ("", "http", "https"):
            return "skip", "", ""
        if scheme or href.startswith("//"):
            path = parts.path or "/"
            if not self.host or parts.netloc.lower() != self.host or not self.under_base(path):
                return "external", "", ""  # another host, or another project site on this one
        else:
            path = resolve(url_of(self.config, rel), href, parts)
        target = self.target(path)
        if target is None:
            if not self.under_base(path):
                hint = f"outside the site's base path {self.base_path}"
            else:
                hint = "" if path == parts.path else f"resolves to {path}"
            return "broken", f'broken internal link "{href}"', hint
        fragment = unquote(parts.fragment)
        if fragment and fragment != "top" and target.endswith(".html") and fragment not in self.parsed[target].ids:
            return "broken", f'broken anchor "{href}"', f'no id="{fragment}" in {target}'
        return "ok", "", ""


_STRIPPED = frozenset("\t\r\n")  # urlsplit removes these anywhere in a URL: "/\t/" is "//", a host part


def resolve(base: str, href: str, parts: SplitResult) -> str:
    """The URL path `href` (split as `parts`) leads to from the page at `base`: urljoin's, faster."""
    if href[:1] == "/" and href[1:2] != "/" and "/." not in parts.path and not _STRIPPED.intersection(href):
        return parts.path  # nothing for urljoin to do: no host, no dot segments, nothing urlsplit drops
    if href[:1] == "#":
        base_path = urlsplit(base).path
        return base_path if base_path == base else urlsplit(urljoin(base, href)).path
    return urlsplit(urljoin(base, href)).path


@dataclass
class PageKeys:
    """Digests of the pages the last good build wrote (`known`, from the build cache) and of this build's."""

    known: Mapping[str, str] = field(default_factory=dict)
    found: dict[str, str] = field(default_factory=dict)


def parse_all(out: Output, memo: Memo | None = None, keys: PageKeys | None = None) -> dict[str, ParsedPage]:
    """Every HTML page's ids and links, parsed on every core; with a memo, only pages whose bytes are new.

    A page kept from the last build (Output.keep) has the bytes it had then: its digest comes from
    `keys` without reading the file (100 MB at 4,000 briefs), and the file is read only to be parsed.
    """
    pages = sorted(rel for rel in out.files if rel.endswith(".html"))
    if memo is None:
        return dict(zip(pages, ordered_map(_parse, [out.files[rel] for rel in pages])))
    keys = keys if keys is not None else PageKeys()
    for rel in pages:
        known = keys.known.get(rel) if rel in out.kept else None
        keys.found[rel] = known if known is not None else page_key(out.files[rel])
    return dict(zip(pages, memo.map(lambda rel: _parse(out.files[rel]), pages, key=keys.found.__getitem__)))


def check_links(config: SiteConfig, out: Output, shown: Callable[[str], str],
                memo: Memo | None = None, keys: PageKeys | None = None) -> LinkReport:
    """Check every link of every HTML page in `out`; `shown` turns an output path into a diagnostic path.

    `memo` (the build cache's) keeps parsed pages by their bytes across builds; links are resolved
    again every build, as a page that is gone breaks the links to it on pages that did not change.
    """
    parsed = parse_all(out, memo, keys)
    site = _Site(config, out.files, parsed)
    report = LinkReport()
    external = report.external
    check, absolute = site.check, site.absolute
    internal = 0
    for rel, page in parsed.items():
        report.pages += 1
        origin = out.origins.get(rel, "")
        where = ""
        for href in page.links:  # 400,000 links at 4,000 briefs: most are site-wide ones already judged
            verdict, message, hint = absolute.get(href) or check(rel, href)
            if verdict == "ok":
                internal += 1
            elif verdict == "external":
                where = where or shown(rel)
                pages = external.setdefault(href, [])
                if not pages or pages[-1] != where:  # pages are visited in order: a repeat is the last one
                    pages.append(where)
            elif verdict == "broken":
                if origin.endswith(".md"):
                    hint = f"{hint}; page built from {origin}" if hint else f"page built from {origin}"
                report.diagnostics.append(Diagnostic(shown(rel), 0, "link", message, hint=hint))
    report.internal = internal
    report.external = dict(sorted(external.items()))
    return report


def fetch(url: str, timeout: float = 10.0) -> str:
    """Try one external URL; '' when it answers, else why not."""
    headers = {"User-Agent": f"briefkit/{__version__} link checker"}
    for method in ("HEAD", "GET"):  # some servers refuse HEAD
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers, method=method),
                                        timeout=timeout):
                return ""
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue
            return f"answered HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return f"could not be reached ({reason})"
    return "could not be reached"  # pragma: no cover - the loop always returns


def check_external(external: dict[str, list[str]], workers: int = 8,
                   get: Callable[[str], str] = fetch) -> list[Diagnostic]:
    """Fetch each external link once; each failure is a warning on the first page that links to it."""
    links = list(external)
    urls = [u if urlsplit(u).scheme else "https:" + u for u in links]  # protocol-relative //host/...
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(get, urls))
    diags = []
    for original, problem in zip(links, results):
        if problem:
            pages = external[original]
            more = f"also on {len(pages) - 1} other page{'s' if len(pages) != 2 else ''}" if len(pages) > 1 else ""
            diags.append(Diagnostic(pages[0], 0, "link", f'external link "{original}" {problem}', WARNING, more))
    return diags
