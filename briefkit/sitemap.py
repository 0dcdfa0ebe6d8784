"""sitemap.xml (sitemaps.org 0.9) listing every page but the 404 and search pages, and robots.txt pointing to it.

The sitemap needs absolute URLs, so it is written only when base_url names a host; lastmod comes
from the briefs a page shows (the corrections page: its corrections), never from the clock (but none
is after the build), and is left out where the briefs cannot tell it (the forecasts page, whose
deadlines pass by the clock).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, time
from typing import Any

from .diagnostics import Diagnostic
from .listings import BriefView, Group, Page, SiteData, last_change, url_of
from .pipeline import build_time
from .render import Output, absolute
from .scorecard import OutletView

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
EXCLUDED = {"404.html", "search/index.html"}  # no content of their own to index
CORRECTIONS = "corrections/index.html"


def _briefs_in(value: Any) -> list[BriefView]:
    """Every brief a page's context shows: one brief, a list, a topic/story/month, a pagination, an outlet."""
    if isinstance(value, BriefView):
        return [value]
    if isinstance(value, OutletView):  # the briefs citing it and those giving its narratives
        return [v for v, _ in value.cited] + [v for v, _, _ in value.narratives]
    if isinstance(value, Group):
        return list(value.briefs)
    if isinstance(value, dict):
        return [v for item in value.values() for v in _briefs_in(item)]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _briefs_in(item)]
    return []


def lastmod(page: Page, site: SiteData) -> datetime | None:
    """When a page last changed: the last change of the briefs it shows; site-wide listings (pages without a
    context) take the last of all, the corrections page its newest correction; None when nothing tells."""
    tz = site.config.tz
    if page.path == CORRECTIONS:
        return max((datetime.combine(c.date, time(0, 0), tz) for c in site.extra.get("corrections", ())), default=None)
    shown = _briefs_in(page.context) if page.context else site.briefs
    return max((last_change(v.brief, tz) for v in shown), default=None)


def sitemap_xml(site: SiteData, pages: list[Page], now: datetime) -> bytes:
    """Every page but EXCLUDED, with its lastmod, none after `now` (the build's time)."""
    c = site.config
    now = now.astimezone(c.tz).replace(microsecond=0)
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})  # a literal xmlns keeps ElementTree from adding ns0:
    for page in sorted(pages, key=lambda p: url_of(c, p.path)):
        if page.path in EXCLUDED or not page.path.endswith(".html"):
            continue
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = absolute(c, url_of(c, page.path))
        when = lastmod(page, site)
        if when is not None:  # a brief dated after the build (checks warns of it) is not yet a change
            ET.SubElement(url, "lastmod").text = min(when, now).isoformat()
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode("utf-8")


def robots_txt(site: SiteData) -> bytes:
    c = site.config
    lines = ["User-agent: *", "Allow: /"]
    if c.absolute_base:
        lines.append(f"Sitemap: {absolute(c, url_of(c, 'sitemap.xml'))}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def add_sitemap(site: SiteData, pages: list[Page], out: Output, now: datetime | None = None) -> list[Diagnostic]:
    """robots.txt always; sitemap.xml when URLs can be absolute. `now`: the build's time (by default read
    again, as pipeline.build_time gives it)."""
    diags = out.add("robots.txt", robots_txt(site), "robots.txt")
    if site.config.absolute_base:
        diags += out.add("sitemap.xml", sitemap_xml(site, pages, now or build_time()), "sitemap")
    return diags
