"""The site's structure: brief views, topics, stories, months, and the list of pages.

Pure: takes rendered briefs and settings, returns Page records; renders nothing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo
from itertools import pairwise
from operator import attrgetter
from typing import Any

from .markdown import RenderedBrief
from .model import Brief, Outlet
from .named import NamedMemo, story_digest
from .project import SiteConfig

# keys of a view's `extra` that its own_extra may name only while pages read no more of the objects in them
# than these attributes, by type key: an outlet's view (a brief's sources' outlets) is from outlets.yaml,
# the briefs its own page lists are not. The build cache counts such a key as it counts any own_extra
# for a template that reads within them, and digests its value for any other.
OWN_AS_READ: dict[str, dict[str, frozenset[str]]] = {}


def unowned(attrs: Mapping[str, frozenset[str]] | None) -> frozenset[str]:
    """The keys of OWN_AS_READ whose objects a template with these attributes read (by type key) reads more
    of than they allow; all of them when unsure (None)."""
    if attrs is None:
        return frozenset(OWN_AS_READ)
    return frozenset(key for key, allowed in OWN_AS_READ.items()
                     if any(not attrs.get(kind, frozenset()) <= within for kind, within in allowed.items()))

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass
class BriefView:
    """A brief as templates see it: the model's fields plus URL and rendered HTML."""

    rendered: RenderedBrief
    url: str
    related: list[Any] = field(default_factory=list)  # filled by the related stage
    linked_from: list[Any] = field(default_factory=list)
    story_name: str = ""
    earlier: BriefView | None = None
    later: BriefView | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # theme data added by later stages
    # keys of `extra` worked out from this brief's file alone (and site-wide settings): the build cache
    # counts them by the file's hash instead of digesting them (some only as far as OWN_AS_READ says)
    own_extra: set[str] = field(default_factory=set)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.rendered.brief, name)

    @property
    def brief(self) -> Brief:
        return self.rendered.brief

    @property
    def description(self) -> str:
        b = self.rendered.brief  # not the `brief` property: a call per read, for every brief's page
        if b.summary:
            return b.summary
        first = self.rendered.facts[0].text if self.rendered.facts else b.title
        return first if len(first) <= 160 else first[:157].rsplit(" ", 1)[0] + "…"


def _brief_field(name: str) -> property:
    # attrgetter reads the three steps in C: a lambda's Python call was most of the cost of each read
    return property(attrgetter(f"rendered.brief.{name}"), doc=f"The brief's {name}.")


# a brief's own fields, read on a view as found ones: through __getattr__, each of the 420,000 reads a
# 4,000-brief site's templates make was a failed lookup first (a tenth of the cold render's time)
for _name in Brief.__dataclass_fields__:
    if not hasattr(BriefView, _name) and _name not in BriefView.__dataclass_fields__:
        setattr(BriefView, _name, _brief_field(_name))


@dataclass
class Group:
    """A topic, story or month: a named, URL-addressed list of briefs."""

    key: str
    name: str
    url: str
    briefs: list[BriefView]


@dataclass(frozen=True)
class Page:
    """A page to render: its output path, template, title and what the template is given."""

    path: str  # output file, e.g. briefs/x/index.html
    template: str
    title: str
    description: str
    origin: str  # what asked for the page, for collision errors
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class SiteData:
    """Everything a template may list: the typed context shared by every page."""

    config: SiteConfig
    briefs: list[BriefView]  # newest first
    by_slug: dict[str, BriefView]
    topics: list[Group]
    stories: list[Group]
    months: list[Group]
    outlets: list[Outlet]
    extra: dict[str, Any] = field(default_factory=dict)

    def release(self) -> None:
        """Drop what the views and the site's extras hold of one another: a site nobody uses any more is then
        freed as soon as it is let go, not later by the cycle collector (serve replaces one on every rebuild)."""
        for v in self.briefs:
            v.related, v.linked_from, v.earlier, v.later, v.extra = [], [], None, None, {}
        self.extra.clear()


def url_of(config: SiteConfig, path: str) -> str:
    """Site-relative output path -> URL path under the base path (`/repo/briefs/x/`)."""
    path = path.removesuffix("index.html")
    return config.base_path + path


def last_change(b: Brief, tz: tzinfo) -> datetime:
    """When a brief last changed: the latest of its date, `updated` (an earlier one is a warning of schema's) and
    its corrections, each made on a day that starts at midnight in the site's timezone `tz`."""
    return max([b.date, b.updated or b.date, *(datetime.combine(c.date, time(0, 0), tz) for c in b.corrections)])


def newest_first(views: list[BriefView]) -> list[BriefView]:
    return sorted(views, key=_date_slug, reverse=True)


def oldest_first(views: list[BriefView]) -> list[BriefView]:
    return sorted(views, key=_date_slug)


# a view's brief's (date, slug), read in C: not the view's `brief` property, nor a call per brief of every list sorted
_date_slug = attrgetter("rendered.brief.date", "rendered.brief.slug")


def story_name(key: str, briefs: list[Brief]) -> str:
    """`north-korean-troops-in-russia` -> `North Korean troops in Russia`, casing from the briefs."""
    seen: Counter[str] = Counter()
    for b in briefs:
        seen.update(w for w in re.findall(r"[\w']+", f"{b.title} {b.summary}") if not w.isupper() or len(w) < 2)
    common = [w for w, _ in seen.most_common()]  # once, not sorted again for each word of the key
    words = []
    for i, word in enumerate(key.replace("_", "-").split("-")):
        forms = [w for w in common if w.lower() == word]
        form = word if i and word in seen else (forms[0] if forms else word)
        words.append(form[0].upper() + form[1:] if i == 0 and form else form)
    return " ".join(words)


def build_site(config: SiteConfig, rendered: list[RenderedBrief], outlets: list[Outlet],
               memo: NamedMemo | None = None) -> SiteData:
    """The site's views and groups; `memo` (the build cache's) gives the story names it kept, and is left holding
    this build's."""
    base = config.base_path  # url_of's, worked out once rather than for each brief (a path ending in / as is)
    views = newest_first([BriefView(r, f"{base}briefs/{r.brief.slug}/") for r in rendered])
    by_slug = {v.rendered.brief.slug: v for v in views}
    topic_names: dict[str, Counter[str]] = defaultdict(Counter)
    by_topic: dict[str, list[BriefView]] = defaultdict(list)
    by_story: dict[str, list[BriefView]] = defaultdict(list)
    by_month: dict[tuple[int, int], list[BriefView]] = defaultdict(list)
    for v in views:
        b = v.rendered.brief  # not the view's `brief` property: a call per read
        for t in b.topics:
            topic_names[t.slug][t.name] += 1
            by_topic[t.slug].append(v)
        if b.story:
            by_story[b.story].append(v)
        by_month[(b.date.year, b.date.month)].append(v)
    topics = [
        Group(slug, _preferred(topic_names[slug]), url_of(config, f"topics/{slug}/"), items)
        for slug, items in sorted(by_topic.items())
    ]
    stories = []
    names = {}  # story digest -> name, for the memo
    for key, items in sorted(by_story.items()):
        chrono = oldest_first(items)
        for earlier, later in pairwise(chrono):
            earlier.later, later.earlier = later, earlier
        ordered = chrono if config.story_order == "oldest" else chrono[::-1]
        told = [v.rendered.brief for v in items]
        if memo is None:
            name = story_name(key, told)
        else:
            digest = story_digest(key, told)
            name = names[digest] = memo.stories.get(digest) or story_name(key, told)
        for v in items:
            v.story_name = name
        stories.append(Group(key, name, url_of(config, f"stories/{key}/"), ordered))
    if memo is not None and names != memo.stories:
        memo.stories, memo.changed = names, True
    months = [
        Group(f"{y:04d}-{m:02d}", f"{MONTHS[m - 1]} {y}", url_of(config, f"archive/{y:04d}/{m:02d}/"), items)
        for (y, m), items in sorted(by_month.items(), reverse=True)
    ]
    return SiteData(config, views, by_slug, topics, stories, months, outlets)


def _preferred(names: Counter[str]) -> str:
    """The most used spelling of a topic; ties go to the alphabetically first."""
    return min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def paginate(items: list[BriefView], size: int, first_path: str) -> list[tuple[str, dict[str, Any]]]:
    """Split a list into pages: [(output path, {"items", "page", "pages", "prev", "next", "total"})].

    `total` is the whole list's length, so a page can give it without reading (and depending on) the list.
    """
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    paths = [first_path] + [f"{first_path[: -len('index.html')]}page/{n}/index.html" for n in range(2, len(chunks) + 1)]
    out = []
    for n, (chunk, path) in enumerate(zip(chunks, paths), start=1):
        out.append((path, {
            "items": chunk, "page": n, "pages": len(chunks),
            "prev": paths[n - 2] if n > 1 else None, "next": paths[n] if n < len(chunks) else None,
            "total": len(items),
        }))
    return out


_new = object.__new__


def brief_page(v: BriefView) -> Page:
    """The page of one brief."""
    b = v.rendered.brief  # not the view's `brief` property: a call per read, for every brief
    # made as Page's __init__ makes it, without the frozen dataclass's object.__setattr__ for each of six fields
    # (half the cost of the 4,000 brief pages of every build)
    page = _new(Page)
    page.__dict__.update(path=f"briefs/{b.slug}/index.html", template="brief.html", title=b.title,
                         description=v.description, origin=b.path, context={"brief": v})
    return page


def site_pages(site: SiteData) -> list[Page]:
    """Every HTML page of the site, in a fixed order."""
    c = site.config
    pages: list[Page] = []
    for path, pg in paginate(site.briefs, c.per_page["home"], "index.html"):
        title = c.title if pg["page"] == 1 else f"{c.title}: page {pg['page']}"
        pages.append(Page(path, "home.html", title, c.description, "home page", {"pagination": pg}))
    pages += [brief_page(v) for v in site.briefs]
    pages.append(Page("topics/index.html", "topics.html", "Topics",
                      f"All {len(site.topics)} topics covered on {c.title}.", "topic index"))
    for g in site.topics:
        for path, pg in paginate(g.briefs, c.per_page["topic"], f"topics/{g.key}/index.html"):
            suffix = "" if pg["page"] == 1 else f" (page {pg['page']})"
            pages.append(Page(path, "topic.html", f"{g.name}{suffix}",
                              f"Briefs on {g.name}: {len(g.briefs)} in all.", f"topic {g.name}",
                              {"topic": g, "pagination": pg}))
    pages.append(Page("stories/index.html", "stories.html", "Stories",
                      f"Story timelines on {c.title}.", "story index"))
    for g in site.stories:
        pages.append(Page(f"stories/{g.key}/index.html", "story.html", g.name,
                          f"The story so far, in {len(g.briefs)} briefs: {g.name}.", f"story {g.key}",
                          {"story": g}))
    pages.append(Page("archive/index.html", "archive.html", "Archive",
                      f"Every brief on {c.title}, by month.", "archive"))
    for g in site.months:
        pages.append(Page(f"archive/{g.key[:4]}/{g.key[5:]}/index.html", "month.html", g.name,
                          f"Briefs published in {g.name}.", f"archive {g.key}", {"month": g}))
    pages.append(Page("404.html", "404.html", "Page not found",
                      "The page you asked for is not here.", "404 page"))
    return pages
