"""Page metadata for link previews and search engines: JSON-LD NewsArticle, preview images, feed links.

Pure: annotates SiteData/BriefView `extra` for the theme's head; renders and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .diagnostics import Diagnostic
from .listings import BriefView, SiteData, last_change, url_of
from .project import SiteConfig, display_path, key_line
from .render import absolute

EXTRA_KEY = "publish"  # site.extra / brief.extra key the theme reads


def publisher_name(config: SiteConfig) -> str:
    return config.publisher or config.title


def image_url(config: SiteConfig, src: str) -> str:
    """An image's URL as link previews need it: absolute when base_url allows. A file's name is
    percent-encoded: "#", "?" or "%" in it are its own letters (images/a#1.png), not a URL's."""
    if not src or "://" in src:
        return src
    return absolute(config, url_of(config, quote(src)))


def feed_paths(site: SiteData) -> dict[str, Any]:
    """Output paths of every feed: the site's Atom and JSON feeds, one Atom feed per topic and story."""
    return {
        "atom": "feed.xml",
        "json": "feed.json",
        "topics": {g.key: f"topics/{g.key}/feed.xml" for g in site.topics},
        "stories": {g.key: f"stories/{g.key}/feed.xml" for g in site.stories},
    }


def news_article(config: SiteConfig, view: BriefView) -> dict[str, Any]:
    """schema.org NewsArticle for one brief; the sources become its citation list."""
    b = view.brief
    page = absolute(config, view.url)
    publisher: dict[str, Any] = {"@type": "Organization", "name": publisher_name(config),
                                 "url": absolute(config, config.base_path)}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": b.title,
        "description": view.description,
        "url": page,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page},
        "datePublished": b.date.isoformat(),
        "dateModified": last_change(b, config.tz).isoformat(),
        "inLanguage": config.language,
        "author": {"@type": "Person", "name": config.author} if config.author else publisher,
        "publisher": publisher,
    }
    image = image_url(config, b.image.src if b.image else config.image)  # og:image falls back to the site's too
    if image:
        data["image"] = [image]
    if b.topics:
        data["keywords"] = [t.name for t in b.topics]
    citations = []
    for s in b.sources:
        work: dict[str, Any] = {"@type": "CreativeWork", "name": s.name}
        if s.url:
            work["url"] = s.url
        citations.append(work)
    if citations:
        data["citation"] = citations
    return data


def annotate(site: SiteData) -> None:
    """Give the theme what the page head needs: feed URLs, preview images, JSON-LD per brief."""
    c = site.config
    paths = feed_paths(site)
    feeds: dict[str, Any] = {}
    if c.absolute_base:  # feeds are only written when their URLs can be absolute
        feeds = {
            "atom": url_of(c, paths["atom"]),
            "json": url_of(c, paths["json"]),
            "topics": {k: url_of(c, p) for k, p in paths["topics"].items()},
            "stories": {k: url_of(c, p) for k, p in paths["stories"].items()},
        }
    site.extra[EXTRA_KEY] = {"feeds": feeds, "image": image_url(c, c.image), "publisher": publisher_name(c)}
    for v in site.briefs:
        v.extra[EXTRA_KEY] = BriefHead(c, v)
        v.own_extra.add(EXTRA_KEY)  # from the brief and site.yaml only


class BriefHead(Mapping[str, Any]):
    """brief_extra of one brief, worked out when a page first reads it: the build cache counts it by the
    brief's file (own_extra), unread, and a cached build renders few brief pages (4,000 JSON-LD
    documents would be a twentieth of a one-brief edit's build)."""

    def __init__(self, config: SiteConfig, view: BriefView):
        self._config, self._view = config, view

    @cached_property
    def _data(self) -> dict[str, Any]:
        return brief_extra(self._config, self._view)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def brief_extra(config: SiteConfig, view: BriefView) -> dict[str, Any]:
    """What one brief's page head needs: its JSON-LD, preview image and last change."""
    return {
        "json_ld": news_article(config, view),
        "modified": last_change(view.brief, config.tz).isoformat(),
        "image": image_url(config, view.brief.image.src) if view.brief.image else "",
    }


def check_config(config: SiteConfig, site_file: Path, asset_paths: set[str]) -> list[Diagnostic]:
    """site.yaml's preview image must be a file in content/ (or a URL); the error names the line of `image:`."""
    if config.image and "://" not in config.image and config.image not in asset_paths:
        return [Diagnostic(display_path(site_file), key_line(site_file, "image"), "image",
                           f"no file content/{config.image}")]
    return []
