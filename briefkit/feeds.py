"""Atom feeds (the site, each topic, each story) and a JSON Feed 1.1 for the site, as bytes.

Written only when base_url is absolute, since feed readers need absolute URLs. Dates come from
the briefs (never the clock, unless a feed is empty or a brief is dated after the build, whose dates
go out as the build's time), so the same content gives the same bytes.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from . import __version__
from .addresses import SCHEME, with_addresses
from .diagnostics import Diagnostic
from .listings import BriefView, SiteData, last_change, newest_first, url_of
from .metadata import feed_paths, image_url, publisher_name
from .project import SiteConfig
from .render import Output, absolute, long_date

if TYPE_CHECKING:  # ElementTree and uuid are imported where a feed is made: a site without an absolute base_url has none
    import xml.etree.ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR_URI = "https://pypi.org/project/briefkit/"


@dataclass(frozen=True)
class Feed:
    """One feed to write: its path, title and subtitle, the page it follows and its briefs."""

    path: str  # output path of the feed, e.g. topics/nato/feed.xml
    title: str
    subtitle: str
    page: str  # site URL of the HTML page the feed follows
    briefs: list[BriefView]  # newest first, already cut to feed_size


def _cut(config: SiteConfig, views: list[BriefView]) -> list[BriefView]:
    """The newest feed_size briefs; a draft (a --drafts preview) never: its entry would stay with subscribers."""
    ordered = newest_first([v for v in views if not v.draft])
    return ordered[: config.feed_size] if config.feed_size else ordered


def site_feeds(site: SiteData) -> list[Feed]:
    """The site's feed, then one per topic and one per story, in a fixed order."""
    c = site.config
    paths = feed_paths(site)
    feeds = [Feed(paths["atom"], c.title, c.description, url_of(c, ""), _cut(c, site.briefs))]
    for g in site.topics:
        feeds.append(Feed(paths["topics"][g.key], f"{c.title}: {g.name}", f"Briefs on {g.name}.", g.url,
                          _cut(c, g.briefs)))
    for g in site.stories:
        feeds.append(Feed(paths["stories"][g.key], f"{c.title}: {g.name}", f"The story so far: {g.name}.", g.url,
                          _cut(c, g.briefs)))
    return feeds


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = parent.makeelement(tag, attrs)  # ET.SubElement, without ElementTree at hand
    parent.append(el)
    if text is not None:
        el.text = text
    return el


def _author(parent: ET.Element, config: SiteConfig) -> None:
    author = _sub(parent, "author")
    _sub(author, "name", config.author or publisher_name(config))


def entry_html(config: SiteConfig, v: BriefView) -> str:
    """An entry's content: the facts with their citation markers, the numbered sources, then any corrections.
    Every link and image is absolute: JSON Feed has no base URL, and some readers ignore Atom's xml:base."""
    items = []
    for s in v.brief.sources:
        name = html.escape(s.name)
        items.append(f'<li id="source-{s.number}"><a href="{html.escape(s.url)}">{name}</a></li>' if s.url
                     else f'<li id="source-{s.number}">{name}</li>')
    image = ""
    if v.brief.image:
        image = (f'<p><img src="{html.escape(image_url(config, v.brief.image.src))}" '
                 f'alt="{html.escape(v.brief.image.alt)}"></p>\n')
    text = f"{image}{v.rendered.body_html}<h2>Sources</h2>\n<ol>\n" + "\n".join(items) + "\n</ol>\n"
    if v.brief.corrections:
        text += "<h2>Corrections</h2>\n<ul>\n" + "\n".join(
            f'<li><time datetime="{c.date.isoformat()}">{long_date(c.date)}</time>: {said}</li>'
            for c, said in zip(v.brief.corrections, v.rendered.corrections_html)) + "\n</ul>\n"
    return _absolute_links(config, text, v.url)


def _absolute_links(config: SiteConfig, text: str, page: str) -> str:
    """Every address in the tags of `text` (written on the page at URL path `page`) made absolute: a link
    beside the brief ("../other/", "#facts"), from the site's root, or in a srcset."""
    def one(url: str) -> str:
        if SCHEME.match(url):  # https:, mailto:, data: ...
            return url
        return urljoin(absolute(config, page), url) if url.startswith("//") else absolute(config, urljoin(page, url))

    return with_addresses(text, one)


def entry_id(v: BriefView) -> str:
    """An entry's permanent id (RFC 4287 4.2.6): from the brief's slug and date, not its URL, so moving the site
    to another address does not make every entry new to feed readers."""
    import uuid  # with platform, 1.7 ms to import: only where feeds are made

    b = v.brief
    return uuid.uuid5(uuid.NAMESPACE_URL, f"briefkit:{b.slug}:{b.date.astimezone(UTC).isoformat()}").urn


def _dates(config: SiteConfig, v: BriefView, now: datetime) -> tuple[datetime, datetime]:
    """A brief's (published, updated) as feeds give them: never after the build (checks warns of a later date)."""
    return min(v.brief.date, now), min(last_change(v.brief, config.tz), now)


def atom(config: SiteConfig, feed: Feed, now: datetime) -> bytes:
    """One Atom 1.0 document (RFC 4287); `now` is the build's time, in the site's timezone."""
    import xml.etree.ElementTree as ET  # 1.5 ms to import: only where feeds are made

    # plain tag names under a literal xmlns: ElementTree would otherwise invent ns0: prefixes
    root = ET.Element("feed", {"xmlns": ATOM, "{http://www.w3.org/XML/1998/namespace}lang": config.language})
    page = absolute(config, feed.page)
    _sub(root, "id", absolute(config, url_of(config, feed.path)))
    _sub(root, "title", feed.title)
    if feed.subtitle:
        _sub(root, "subtitle", feed.subtitle)
    updated = max((_dates(config, v, now)[1] for v in feed.briefs), default=now)
    _sub(root, "updated", updated.isoformat())
    _sub(root, "link", rel="self", type="application/atom+xml", href=absolute(config, url_of(config, feed.path)))
    _sub(root, "link", rel="alternate", type="text/html", href=page)
    _author(root, config)
    _sub(root, "generator", "briefkit", uri=GENERATOR_URI, version=__version__)
    for v in feed.briefs:
        b = v.brief
        link = absolute(config, v.url)
        entry = _sub(root, "entry")
        _sub(entry, "id", entry_id(v))
        _sub(entry, "title", b.title)
        _sub(entry, "link", rel="alternate", type="text/html", href=link)
        published, changed = _dates(config, v, now)
        _sub(entry, "published", published.isoformat())
        _sub(entry, "updated", changed.isoformat())
        for t in b.topics:
            _sub(entry, "category", term=t.slug, label=t.name)
        _sub(entry, "summary", v.description)
        # the links are absolute already; xml:base says so again for readers that resolve with it
        _sub(entry, "content", entry_html(config, v), type="html", **{XML_BASE: link})
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode("utf-8")


def json_feed(config: SiteConfig, feed: Feed, now: datetime) -> bytes:
    """The site's JSON Feed 1.1 (https://jsonfeed.org/version/1.1); `now` is the build's time, in the site's
    timezone."""
    author = {"name": config.author or publisher_name(config)}
    items = []
    for v in feed.briefs:
        b = v.brief
        published, changed = _dates(config, v, now)
        item: dict[str, Any] = {
            "id": entry_id(v),
            "url": absolute(config, v.url),
            "title": b.title,
            "summary": v.description,
            "content_html": entry_html(config, v),
            "date_published": published.isoformat(),
            "date_modified": changed.isoformat(),
        }
        if b.image:
            item["image"] = image_url(config, b.image.src)
        if b.topics:
            item["tags"] = [t.name for t in b.topics]
        items.append(item)
    doc: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": absolute(config, feed.page),
        "feed_url": absolute(config, url_of(config, "feed.json")),
        "description": feed.subtitle,
        "language": config.language,
        "authors": [author],
        "items": items,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def add_feeds(site: SiteData, out: Output, now: datetime) -> list[Diagnostic]:
    """Put every feed into the output; nothing when base_url has no host to make URLs absolute."""
    c = site.config
    if not c.absolute_base:
        return []
    diags: list[Diagnostic] = []
    now = now.astimezone(c.tz).replace(microsecond=0)
    feeds = site_feeds(site)
    for feed in feeds:
        diags += out.add(feed.path, atom(c, feed, now), f"feed {feed.title}")
    diags += out.add(feed_paths(site)["json"], json_feed(c, feeds[0], now), "JSON feed")
    return diags
