"""What the link checker reads from one rendered page: its ids and its links, in document order.

Pages are read with htmlscan's Scanner, and with html.parser where a page is not plain enough for it.
"""

from __future__ import annotations

import hashlib
import html
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import chain
from operator import itemgetter
from urllib.parse import unquote

from .htmlscan import Attrs, Scanner

LINK_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"), "script": ("src",),
    "source": ("src", "srcset"), "iframe": ("src",), "video": ("src", "poster"), "audio": ("src",),
    "track": ("src",), "embed": ("src",), "form": ("action",),
}
META_URLS = {"og:url", "og:image", "og:image:url", "og:image:secure_url", "twitter:image"}
SKIP_RELS = {"preconnect", "dns-prefetch"}  # hosts, not documents
WANTED = frozenset(LINK_ATTRS) | {"meta"}  # the tags whose attributes matter, besides any with an id
Found = tuple[tuple[str, ...], tuple[str, ...]]  # what one start tag adds to its page: ids, links
_IDS, _LINKS = itemgetter(0), itemgetter(1)


@dataclass
class ParsedPage:
    """What the link checker reads of a page: its ids and its links."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # in document order

    @property
    def ids_key(self) -> str:
        """A digest of the ids: a page whose ids changed may break "#id" links on other pages."""
        return hashlib.blake2b("\0".join(sorted(self.ids)).encode(), digest_size=8).hexdigest()


def found(tag: str, attrs: Attrs) -> tuple[list[str], list[str]]:
    """The ids and links one start tag (as html.parser reports it) adds to its page."""
    a = dict(attrs)  # a repeated attribute: the last one wins; a bare one (None) counts as empty
    own = a.get("id")
    ids = [own] if own else []
    name = a.get("name") if tag == "a" else None
    if name:  # an anchor's name is an id too, after its id
        ids.append(name)
    links: list[str] = []
    if tag == "meta":
        content = a.get("content")
        if (a.get("property") or a.get("name")) in META_URLS and content:
            links.append(content.strip())
        return ids, links
    if tag == "link" and SKIP_RELS.intersection((a.get("rel") or "").lower().split()):
        return ids, links
    for attr in LINK_ATTRS.get(tag, ()):
        value = a.get(attr)
        if not value:
            continue
        if attr == "srcset":
            links += [part.split()[0] for part in value.split(",") if part.strip()]
        elif stripped := value.strip():
            links.append(stripped)
    return ids, links


class Collector(HTMLParser):
    """A page's ids and links through html.parser: for pages the scanner will not take."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        ids, links = found(tag, attrs)
        self.page.ids.update(ids)
        self.page.links += links

    handle_startendtag = handle_starttag


def _read(tag: str, attrs: Attrs) -> Found | None:
    ids, links = found(tag, attrs)
    # the same navigation links recur on every page: one string each keeps the saved cache small
    return (tuple(ids), tuple(map(sys.intern, links))) if ids or links else None


def scanner() -> Scanner[Found]:
    """A page reader for one batch of pages: it reads each distinct tag once."""
    return Scanner(WANTED, _read)


def parse_page(data: bytes, scan: Scanner[Found] | None = None) -> ParsedPage:
    """Ids and links of one HTML page."""
    tags = (scan or scanner()).scan(data)  # our own pages take the fast path; anything unusual, html.parser
    if tags is None:
        collector = Collector()
        collector.feed(data.decode("utf-8", errors="replace"))
        collector.close()
        collector.page.links = [sys.intern(link) for link in collector.page.links]
        return collector.page
    return ParsedPage(set(chain.from_iterable(map(_IDS, tags))), list(chain.from_iterable(map(_LINKS, tags))))


# [text](url), <url>, a reference's definition "[id]: url", and (with allow_html) href="url", src='url'
_WRITTEN = re.compile(r"""\]\(\s*<?([^\s)>]+)|<((?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^\s>]+)>|^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)"""
                      r"""|(?<![\w-])(?i:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def written_links(text: str) -> Iterator[tuple[int, str]]:
    """(offset, URL) of each link written in a line or text field of Markdown, an attribute's as HTML reads it:
    where a brief writes the links its pages hold (check --external and the link check name that line)."""
    for match in _WRITTEN.finditer(text):
        n = match.lastindex or 1  # the one group that took part
        yield match.start(n), html.unescape(match[n]) if n >= 4 else match[n]


def lines_of(path: str) -> list[str]:
    """A brief's lines, to find where it writes a link; none when it is gone since it was read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().split("\n")
    except OSError:  # the link check names the page instead
        return []


def line_writing(lines: list[str], href: str, after: int) -> int:
    """The first line after line `after` (1-based) that writes `href` as a link (written_links: as
    written, or percent-decoded as the Markdown had it); the first such line at all when none follows."""
    forms = {href, unquote(href)}
    found = [n for n, text in enumerate(lines, start=1) if any(url in forms for _, url in written_links(text))]
    return next((n for n in found if n > after), found[0] if found else 0)
