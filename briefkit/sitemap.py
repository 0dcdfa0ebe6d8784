"""sitemap.xml (sitemaps.org 0.9) listing every page but the 404 and search pages (an index of several files
past 50,000 pages), and robots.txt pointing to it.

The sitemap needs absolute URLs, so it is written only when base_url names a host; lastmod comes
from the briefs a page shows (the corrections page: its corrections), never from the clock (but none
is after the build), and is left out where the briefs cannot tell it (the forecasts page, whose
deadlines pass by the clock).
"""

from __future__ import annotations

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


MAX_URLS = 50_000  # sitemaps.org: at most 50,000 URLs in one file; a larger site gets an index of several


def sitemap_files(site: SiteData, pages: list[Page], now: datetime) -> dict[str, bytes]:
    """sitemap.xml listing every page but EXCLUDED, with its lastmod, none after `now` (the build's time); past
    MAX_URLS pages, sitemap.xml is an index of sitemap-1.xml, sitemap-2.xml ..., each listing MAX_URLS at most."""
    c = site.config
    now = now.astimezone(c.tz).replace(microsecond=0)
    entries: list[tuple[str, datetime | None]] = []
    for page in sorted(pages, key=lambda p: url_of(c, p.path)):
        if page.path in EXCLUDED or not page.path.endswith(".html"):
            continue
        if isinstance(shown := page.context.get("brief") if page.context else None, BriefView) and shown.draft:
            continue  # a draft's page (a --drafts preview) is no page for crawlers
        when = lastmod(page, site)  # a brief dated after the build (checks warns of it) is not yet a change
        entries.append((absolute(c, url_of(c, page.path)), min(when, now) if when is not None else None))
    if len(entries) <= MAX_URLS:
        return {"sitemap.xml": _listing("urlset", "url", entries)}
    files, parts = {}, []
    for k, start in enumerate(range(0, len(entries), MAX_URLS), start=1):
        chunk, name = entries[start:start + MAX_URLS], f"sitemap-{k}.xml"
        files[name] = _listing("urlset", "url", chunk)
        parts.append((absolute(c, url_of(c, name)), max((w for _, w in chunk if w is not None), default=None)))
    files["sitemap.xml"] = _listing("sitemapindex", "sitemap", parts)
    return files


def _listing(root_tag: str, item_tag: str, entries: list[tuple[str, datetime | None]]) -> bytes:
    """A <urlset> of <url>s or a <sitemapindex> of <sitemap>s: each a <loc>, and its <lastmod> when known."""
    import xml.etree.ElementTree as ET  # 1.5 ms to import: only where a sitemap is made (an absolute base_url)

    root = ET.Element(root_tag, {"xmlns": SITEMAP_NS})  # a literal xmlns keeps ElementTree from adding ns0:
    for loc, when in entries:
        item = ET.SubElement(root, item_tag)
        ET.SubElement(item, "loc").text = loc
        if when is not None:
            ET.SubElement(item, "lastmod").text = when.isoformat()
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
    """robots.txt always; the sitemap when URLs can be absolute. `now`: the build's time (by default read
    again, as pipeline.build_time gives it)."""
    diags = out.add("robots.txt", robots_txt(site), "robots.txt")
    if site.config.absolute_base:
        for rel, data in sitemap_files(site, pages, now or build_time()).items():
            diags += out.add(rel, data, "sitemap")
    return diags
