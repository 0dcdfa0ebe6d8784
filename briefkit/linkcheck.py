"""The link checker: every internal link and #anchor in the rendered pages must resolve.

Works on the site in memory (before anything is written), parsing each page with html.parser.
External links are collected, and fetched only when asked (warnings only).
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from . import __version__
from .diagnostics import WARNING, Diagnostic
from .listings import url_of
from .parallel import ordered_map
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


_PARSED: dict[bytes, ParsedPage] = {}  # by content digest: a rebuild re-parses only the pages that changed
_PARSED_MAX = 50_000


def _parse(data: bytes) -> ParsedPage:
    collector = _Collector()
    collector.feed(data.decode("utf-8", errors="replace"))
    collector.close()
    return collector.page


def parse_page(data: bytes) -> ParsedPage:
    """Ids and links of one HTML page (cached by content, so treat the result as read-only)."""
    key = hashlib.blake2b(data, digest_size=16).digest()
    page = _PARSED.get(key)
    if page is None:
        page = _parse(data)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = page
    return page


def parse_pages(pages: list[bytes]) -> None:
    """Parse the pages not parsed before into the content cache, on every core."""
    todo = {hashlib.blake2b(data, digest_size=16).digest(): data for data in pages}
    todo = {key: data for key, data in todo.items() if key not in _PARSED}
    if len(_PARSED) + len(todo) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED.update(zip(todo, ordered_map(_parse, list(todo.values()))))


@dataclass
class LinkReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    external: dict[str, list[str]] = field(default_factory=dict)  # URL -> shown pages linking to it
    pages: int = 0
    internal: int = 0


class _Site:
    """Resolves a link found on one page to an output file and, for #anchors, an id in it."""

    def __init__(self, config: SiteConfig, files: Mapping[str, bytes]):
        self.config = config
        self.files = files
        base = urlsplit(config.base_url) if config.absolute_base else None
        self.host = base.netloc.lower() if base else ""
        self.base_path = config.base_path
        self.parsed: dict[str, ParsedPage] = {}
        self.verdicts: dict[tuple[str, str], tuple[str, str, str]] = {}

    def page(self, rel: str) -> ParsedPage:
        if rel not in self.parsed:
            self.parsed[rel] = parse_page(self.files[rel])
        return self.parsed[rel]

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
        # most links (navigation, feeds, the stylesheet) are the same on every page: resolve them once
        key = ("", href) if href.startswith(("/", "http:", "https:")) else (rel, href)
        if key not in self.verdicts:
            self.verdicts[key] = self._check(rel, href)
        return self.verdicts[key]

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
            path = urlsplit(urljoin(url_of(self.config, rel), href)).path
        target = self.target(path)
        if target is None:
            if not self.under_base(path):
                hint = f"outside the site's base path {self.base_path}"
            else:
                hint = "" if path == parts.path else f"resolves to {path}"
            return "broken", f'broken internal link "{href}"', hint
        fragment = unquote(parts.fragment)
        if fragment and fragment != "top" and target.endswith(".html") and fragment not in self.page(target).ids:
            return "broken", f'broken anchor "{href}"', f'no id="{fragment}" in {target}'
        return "ok", "", ""


def check_links(config: SiteConfig, out: Output, shown: Callable[[str], str]) -> LinkReport:
    """Check every link of every HTML page in `out`; `shown` turns an output path into a diagnostic path."""
    site = _Site(config, out.files)
    report = LinkReport()
    parse_pages([out.files[rel] for rel in out.files if rel.endswith(".html")])
    for rel in sorted(out.files):
        if not rel.endswith(".html"):
            continue
        report.pages += 1
        origin = out.origins.get(rel, "")
        for href in site.page(rel).links:
            verdict, message, hint = site.check(rel, href)
            if verdict == "ok":
                report.internal += 1
            elif verdict == "external":
                pages = report.external.setdefault(href, [])
                if shown(rel) not in pages:
                    pages.append(shown(rel))
            elif verdict == "broken":
                if origin.endswith(".md"):
                    hint = f"{hint}; page built from {origin}" if hint else f"page built from {origin}"
                report.diagnostics.append(Diagnostic(shown(rel), 0, "link", message, hint=hint))
    report.external = dict(sorted(report.external.items()))
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
