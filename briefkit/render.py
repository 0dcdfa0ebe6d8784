"""Render pages through the theme into bytes in memory; writes nothing.

Template mistakes become diagnostics naming the template file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import jinja2

from .diagnostics import Diagnostic
from .linkcheck import page_key
from .listings import MONTHS, Page, SiteData, url_of
from .pagelinks import ParsedPage, parse_page, scanner
from .parallel import MIN_ITEMS, ordered_map
from .project import SiteConfig, display_path
from .reads import plain_values


@dataclass(frozen=True)
class PageInfo:
    """What every template gets as `page`."""

    title: str
    description: str
    path: str
    url: str
    canonical: str


@plain_values
def long_date(value: date | datetime) -> str:
    """23 October 2024"""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@plain_values
def iso(value: date | datetime) -> str:
    return value.isoformat()


@plain_values
def percent(value: float) -> str:
    """0.7 -> 70%; 0.065 -> 6.5%; 0.9996 -> 99.96%: only 0 and 1 show as 0% and 100%."""
    pct = value * 100
    for places in range(1, 16):  # one decimal, or as many more as keep a near-certainty from looking certain
        shown = f"{pct:.{places}f}".rstrip("0").rstrip(".")
        if shown not in ("0", "100") or pct in (0, 100):
            break
    return shown + "%"


@plain_values
def decimals(value: float, places: int = 3) -> str:
    """0.2875 -> 0.288: halves round up, on the decimal the float stands for rather than its binary value."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def absolute(config: SiteConfig, url: str) -> str:
    """A site URL made absolute with base_url's scheme and host, when it has them; letters outside ASCII
    (a topic's own script: /topics/북한/) percent-encoded, as sitemaps and feed readers want URLs."""
    if "://" not in config.base_url:
        return url
    scheme, rest = config.base_url.split("://", 1)
    host = rest.split("/", 1)[0]
    if not url.isascii():
        url = quote(url, safe=_URL_SAFE)
    return f"{scheme}://{host}{url}"


_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"  # what quote() leaves: a URL's delimiters and escapes already made


def make_globals(config: SiteConfig) -> dict[str, Any]:
    base = config.base_path  # worked out from base_url: once, not on each of some 110,000 calls

    @plain_values
    def url(path: str = "") -> str:
        """As url_of(config, path)."""
        return base + path.removesuffix("index.html")

    @plain_values
    def absolute_url(url: str) -> str:
        return absolute(config, url)

    return {"url": url, "absolute": absolute_url}


def _remembered(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """fn, giving the text it made once for each date it has seen. A brief's dates are written on its page, the
    home, topic and story pages and its related briefs' (some 100,000 calls each of iso and long_date on a
    4,000-brief site), and isoformat() with a time zone's offset takes half a microsecond. Seen by identity,
    not equality: 10:00+01:00 and 09:00+00:00 are equal datetimes written differently. Each value is kept with
    its text, so no other object takes its id."""
    seen: dict[int, tuple[Any, str]] = {}

    @plain_values
    def text(value: Any) -> str:
        hit = seen.get(id(value))
        if hit is not None:
            return hit[1]
        made = fn(value)
        if type(value) in (date, datetime):  # only values that cannot change
            seen[id(value)] = (value, made)
        return made

    return text


def configure(env: jinja2.Environment, config: SiteConfig) -> None:
    """The site's filters and globals, made for each build (the dates remembered are that build's)."""
    env.filters.update(long_date=_remembered(long_date), iso=_remembered(iso), percent=percent, decimals=decimals)
    env.globals.update(make_globals(config))


class SiteFiles(MutableMapping[str, bytes]):
    """Output path -> bytes; a page kept from the last build is read from disk only if someone asks."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.memory: dict[str, bytes] = {}
        self.on_disk: set[str] = set()

    def __getitem__(self, path: str) -> bytes:
        if path in self.memory:
            return self.memory[path]
        if path in self.on_disk and self.folder is not None:
            return (self.folder / path).read_bytes()
        raise KeyError(path)

    def __setitem__(self, path: str, data: bytes) -> None:
        self.on_disk.discard(path)
        self.memory[path] = data

    def __delitem__(self, path: str) -> None:
        if path not in self.memory and path not in self.on_disk:
            raise KeyError(path)
        self.memory.pop(path, None)
        self.on_disk.discard(path)

    def __contains__(self, path: object) -> bool:
        return path in self.memory or path in self.on_disk

    def __iter__(self) -> Iterator[str]:
        yield from self.memory
        yield from (p for p in self.on_disk if p not in self.memory)

    def __len__(self) -> int:
        return len(self.memory) + len(self.on_disk - self.memory.keys())


class Output:
    """The site in memory: output path -> bytes, and who asked for each path."""

    def __init__(self, folder: Path | None = None) -> None:
        self.files = SiteFiles(folder)
        self.origins: dict[str, str] = {}
        # page -> the bytes the link check's reading of it was made from where it was rendered, that reading,
        # and the bytes' digest for the build cache (linkcheck.page_key; "" without the cache)
        self.read: dict[str, tuple[bytes, ParsedPage, str]] = {}

    def add(self, path: str, data: bytes, origin: str) -> list[Diagnostic]:
        """Add one file; a second claim on the same path is an error naming both."""
        if path in self.files:
            first = self.origins[path]
            return [Diagnostic(origin, 0, "output", f"{path} is also written by {first}; change one of them")]
        self.files[path] = data
        self.origins[path] = origin
        return []

    def keep(self, path: str, origin: str) -> list[Diagnostic]:
        """Claim a page whose file the last build wrote and whose inputs have not changed."""
        if path in self.files:
            return self.add(path, b"", origin)
        self.files.on_disk.add(path)
        self.origins[path] = origin
        return []

    @property
    def kept(self) -> set[str]:
        return self.files.on_disk

    def links_read(self, path: str) -> ParsedPage | None:
        """The page's ids and links as read where it was rendered, while it still holds the bytes read."""
        read = self.read.get(path)
        return read[1] if read is not None and self.files.memory.get(path) is read[0] else None

    def digest_read(self, path: str) -> str:
        """The page's linkcheck.page_key as made where it was rendered, while it still holds those bytes; else ""."""
        read = self.read.get(path)
        return read[2] if read is not None and self.files.memory.get(path) is read[0] else ""


class Tracker(Protocol):
    """The build cache's hooks into rendering (cache.PageTracker)."""

    def plan(self, pages: list[Page]) -> set[str]: ...
    def prepare(self, env: jinja2.Environment) -> None: ...
    def watch(self) -> Any: ...
    def rendered(self, page: Page, reads: Collection[tuple[str, ...]], attrs: dict[str, set[str]]) -> None: ...
    def finish(self, pages: list[Page]) -> None: ...


Rendered = tuple[bytes | None, list[Diagnostic], Collection[tuple[str, ...]], dict[str, set[str]],
                 tuple[ParsedPage, str] | None]


def render_pages(env: jinja2.Environment, site: SiteData, pages: list[Page], out: Output,
                 extra: dict[str, Any] | None = None, tracker: Tracker | None = None) -> list[Diagnostic]:
    """Render every page into `out` (on every core when there are many); collect template errors.

    With a tracker, pages whose inputs are unchanged are kept from the last build instead.
    """
    configure(env, site.config)
    if tracker:
        tracker.prepare(env)
    planned = tracker.plan(pages) if tracker else None
    todo = [p for p in pages if p.path in planned] if planned is not None else pages
    failed: set[str] = set()
    # When most pages are rendered (a cold build), the link check's reading of each page (its ids and links)
    # is made here too, on the cores rendering them, a chunk of pages at a time while their bytes are at hand:
    # the link check's own pass over the pages, once all were made, shared its cores with the child writing
    # the first site (early.py).
    # With the build cache (a tracker), each page's bytes are digested there too (linkcheck.page_key, 100 MB
    # at 4,000 briefs): the link check forked workers again just to digest them.
    scan = scanner() if len(todo) >= MIN_ITEMS else None

    # what this process has handed back, per template, of the attributes read of each type: they count only as
    # added to their template's (PageTracker.rendered), so a page hands back only those not handed back yet
    # (most pages none; a dict of sets pickled back and merged for each of 5,329 pages was a tenth of what
    # noting them cost a cold build)
    sent: dict[str, dict[str, set[str]]] = {}

    def one(page: Page) -> Rendered:
        if page.template in failed:
            return None, [], (), {}, None
        view = tracker.watch() if tracker else site
        html, diags = render_page(env, site, view, page, extra or {})
        if html is None:
            failed.add(page.template)  # one error per template, not one per page
        attrs: dict[str, set[str]] = getattr(view, "attrs", {})
        if attrs:
            had, new = sent.setdefault(page.template, {}), {}
            for kind, names in attrs.items():
                known = had.setdefault(kind, set())
                if not names <= known:
                    new[kind] = names - known
                    known |= names
            attrs = new
        return html, diags, getattr(view, "reads", ()), attrs, None

    def read_links(chunk: list[Page], done: list[Rendered]) -> None:
        for i, page in enumerate(chunk):
            html, problems, reads, attrs, _ = done[i]
            if html is not None and scan is not None and page.path.endswith(".html"):
                done[i] = html, problems, reads, attrs, (parse_page(html, scan), page_key(html) if tracker else "")

    results = dict(zip((p.path for p in todo), ordered_map(one, todo, after=read_links if scan else None)))
    diags: list[Diagnostic] = []
    failed.clear()
    said: set[tuple[str, int, str]] = set()  # a mistake in base.html or a partial: once, not once per template
    for page in pages:
        if page.path not in results:
            diags += out.keep(page.path, page.origin)
            continue
        if page.template in failed:
            continue
        html, problems, reads, attrs, read = results[page.path]
        if html is None:
            failed.add(page.template)
            for d in problems:
                if (d.path, d.line, d.message.split(" (rendering ")[0]) not in said:
                    said.add((d.path, d.line, d.message.split(" (rendering ")[0]))
                    diags.append(d)
            continue
        added = out.add(page.path, html, page.origin)
        diags += added
        if read is not None and not added:
            out.read[page.path] = (html, *read)
        if tracker:
            tracker.rendered(page, reads, attrs)
    if tracker:
        tracker.finish(pages)
    return diags


def render_page(env: jinja2.Environment, site: SiteData, view: Any, page: Page,
                extra: dict[str, Any]) -> tuple[bytes | None, list[Diagnostic]]:
    """One page's bytes, or None and the template error naming its file and line."""
    url = url_of(site.config, page.path)
    info = PageInfo(page.title, page.description, page.path, url, absolute(site.config, url))
    try:
        template = env.get_template(page.template)
        html = template.render(site=view, config=site.config, page=info, **extra, **page.context)
    except Exception as exc:  # noqa: BLE001 - any error inside a template is the theme's, shown with its line
        from .templateerrors import template_problem  # imported for a failing template only

        names = {"site", "config", "page", *extra, *page.context, *env.globals}
        return None, [template_problem(exc, page.template, page.path, getattr(env.loader, "searchpath", ()), names)]
    if not html or html.isspace():  # as `not html.strip()`, without a copy of every page
        return None, [Diagnostic(display_path(template.filename or page.template), 0, "template",
                                 f"made an empty page for {page.path}; a page's template must write its HTML "
                                 '(or {% extends "base.html" %} and fill a block)')]
    return html.encode("utf-8"), []
