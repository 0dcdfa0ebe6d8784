"""Checks across briefs (duplicate slugs, related links, images, outlets, forecasts) and of one
rendered brief.

Returns diagnostics; decides which briefs are published (drafts only with --drafts).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, tzinfo
from itertools import pairwise
from operator import attrgetter
from pathlib import Path

from . import forecasts
from .diagnostics import WARNING, Diagnostic, did_you_mean
from .listings import last_change, story_name
from .markdown import RenderedBrief
from .mdparser import markdown
from .model import Brief
from .named import Names
from .outlets import Registry, name_key, unknown
from .pipeline import build_time
from .project import Project

# read in C: a lambda's call per brief was most of each sort's time
_PATH, _SLUG, _DATE_PATH = attrgetter("path"), attrgetter("slug"), attrgetter("date", "path")


def check_site(project: Project, briefs: list[Brief], assets: list[tuple[str, Path]],
               unparsed: Collection[str] = (), now: datetime | None = None) -> tuple[list[Brief], list[Diagnostic]]:
    """Published briefs (sorted by slug) and the problems between briefs. `unparsed`: the slugs of briefs that
    failed to parse, whose own errors are reported; a `related:` naming one is not an error of its own.
    `now`: the build's time (by default read again, as pipeline.build_time gives it)."""
    diags: list[Diagnostic] = []
    by_slug: dict[str, Brief] = {}
    for b in sorted(briefs, key=_PATH):
        first = by_slug.get(b.slug)
        if first is not None:
            diags.append(Diagnostic(b.path, b.line_of("slug") if "slug" in b.lines else 1, "slug",
                                    f'"{b.slug}" is already used by {first.path}; give one of them another slug'))
            continue
        by_slug[b.slug] = b
    published = [b for b in by_slug.values() if project.drafts or not b.draft]
    asset_paths = {rel for rel, _ in assets}
    for b in by_slug.values():
        for i, slug in enumerate(b.related, start=1):
            fld = f"related[{i}]"
            target = by_slug.get(slug)
            if slug == b.slug:
                diags.append(Diagnostic(b.path, b.line_of(fld), fld, "a brief cannot be related to itself"))
            elif target is None and slug not in unparsed:
                others = [other for other in by_slug if other != b.slug]
                diags.append(Diagnostic(b.path, b.line_of(fld), fld, f'no brief has the slug "{slug}"',
                                        hint=_nearest_slug(slug, others)))
            elif target is not None and target.draft and not project.drafts and not b.draft:
                diags.append(Diagnostic(b.path, b.line_of(fld), fld,
                                        f'"{slug}" is a draft; the link is left out until it is published', WARNING))
        if b.image and "://" not in b.image.src and b.image.src not in asset_paths:
            diags.append(Diagnostic(b.path, b.line_of("image.src"), "image.src",
                                    f'no file content/{b.image.src}'))
    diags += check_dates(published, now or build_time())
    diags += check_story_keys(published)
    return sorted(published, key=_SLUG), diags


def check_story_keys(published: Iterable[Brief]) -> list[Diagnostic]:
    """Story keys that differ only in - and _: two story pages, each titled alike ("Kim visit"), where the
    author meant one thread. The key most briefs use (then the oldest brief's) is named as the one to use."""
    spelled: dict[str, dict[str, list[Brief]]] = {}
    for b in sorted((b for b in published if b.story), key=_DATE_PATH):  # (a sixth of a site's briefs tell a story)
        spelled.setdefault(b.story.replace("_", "-"), {}).setdefault(b.story, []).append(b)
    diags = []
    for keys in spelled.values():
        if len(keys) < 2:
            continue
        main = max(keys, key=lambda k: len(keys[k]))  # ties: the first seen, the oldest brief's key
        name = story_name(main, [b for briefs in keys.values() for b in briefs])
        for key, briefs in keys.items():
            if key != main:
                for b in briefs:
                    diags.append(Diagnostic(b.path, b.line_of("story"), "story",
                                            f'"{key}" is a story apart from "{main}" ({keys[main][0].path}), '
                                            f'though both are titled "{name}"', WARNING,
                                            f"if it is the same story, write story: {main}"))
    return diags


def check_dates(published: Iterable[Brief], now: datetime) -> list[Diagnostic]:
    """A brief or correction dated after the build is published all the same: say so, as its author may expect
    otherwise (a correction dated ahead heads the corrections log, dated then)."""
    diags = []
    days: dict[int, date] = {}  # the build's day in each timezone, by its id: a site's briefs share one or two
    for b in published:
        tz = b.date.tzinfo
        today = days.get(id(tz))
        if today is None:
            today = days[id(tz)] = now.astimezone(tz).date()
        if b.date > now:
            diags.append(Diagnostic(b.path, b.line_of("date"), "date",
                                    f"is after this build's date ({today}); the brief is published now, dated then",
                                    WARNING, "to hold it back until then, set draft: true"))
        for i, c in enumerate(b.corrections, start=1):
            if c.date > today:
                fld = f"corrections[{i}].date"
                diags.append(Diagnostic(b.path, b.line_of(fld), fld,
                                        f"is after this build's date ({today}); the corrections page lists it "
                                        "first, dated then", WARNING,
                                        "give the day the correction was made"))
    return diags


def steady(published: Collection[Brief], now: datetime, tz: tzinfo) -> tuple[datetime, datetime | None]:
    """The times (since, until; None: no end) at which a build on this day would warn and date its feeds and
    sitemap.xml as one at `now` does: from the latest date or change of a brief on. While one is after `now`,
    check_dates warns of it and the feeds and sitemap date it `now`, as an empty feed is: then only `now` does."""
    # last_change is never before the brief's date, so it alone is each brief's latest moment; a brief neither
    # updated nor corrected (most) changed last on its date, without last_change's list and max
    latest = max((b.date if b.updated is None and not b.corrections else last_change(b, tz) for b in published),
                 default=None)
    if latest is None or latest > now:
        return now, now
    return latest, None


def _nearest_slug(slug: str, slugs: list[str]) -> str:
    """A did-you-mean hint: a near spelling, or else the shortest slug holding this one as whole words
    (beta -> beta-custom), too unlike it for difflib, but what an author who remembered part of it meant."""
    if hint := did_you_mean(slug, slugs):
        return hint
    longer = sorted((s for s in slugs if f"-{slug}-" in f"-{s}-"), key=lambda s: (len(s), s))
    return f'did you mean "{longer[0]}"?' if longer else ""


_PLACEHOLDER_URL = re.compile(r"(?:\.\.\.|…)/?$")


def check_rendered(r: RenderedBrief) -> list[Diagnostic]:
    """Warnings a publishable brief should not have: uncited sources, too few narratives, placeholders."""
    b = r.brief
    diags: list[Diagnostic] = []
    for s in b.sources:
        if s.number not in r.citations:
            diags.append(Diagnostic(b.path, s.line, f"sources[{s.number}]",
                                    f'"{s.name}" is never cited; cite it as [{s.number}] or remove it', WARNING))
    urls = [(f"sources[{s.number}].url", s.url) for s in b.sources]
    urls += [(f"narratives[{i}].url", n.url) for i, n in enumerate(b.narratives, start=1)]
    urls += [(f"predictions[{i}].url", p.url) for i, p in enumerate(b.predictions, start=1)]
    for fld, url in urls:
        if _PLACEHOLDER_URL.search(url):
            diags.append(Diagnostic(b.path, b.line_of(fld), fld, f'looks like a placeholder (got "{url}")', WARNING,
                                    "give the address of the page itself, or remove url:"))
    if len(b.narratives) < 2:
        have = "no narratives" if not b.narratives else "one narrative"
        diags.append(Diagnostic(b.path, b.line_of("narratives"), "narratives",
                                f"{have}: a balanced brief gives at least two", WARNING))
    for fact in r.facts:
        if not fact.sources:
            diags.append(Diagnostic(b.path, fact.line, "body", "a fact with no citation; end it with [n]", WARNING))
    empty = _empty_facts(b) if "<li></li>" in r.body_html else []  # (the `- ` new leaves): only then parse again
    diags += empty
    if not r.facts and not empty:  # a draft too (the brief format: a draft may lack facts, and is told so)
        when = " before this draft is published" if b.draft else ""
        diags.append(Diagnostic(b.path, b.body_line, "body", f"no facts: list them as Markdown bullets{when}", WARNING))
    return diags


def _empty_facts(b: Brief) -> list[Diagnostic]:
    diags, depth = [], 0
    tokens = markdown(False).parse(b.body, {"citations": {}})
    for tok, after in pairwise(tokens):
        depth += {"bullet_list_open": 1, "ordered_list_open": 1, "bullet_list_close": -1,
                  "ordered_list_close": -1}.get(tok.type, 0)
        if tok.type == "list_item_open" and after.type == "list_item_close" and depth == 1:
            diags.append(Diagnostic(b.path, b.body_line + (tok.map[0] if tok.map else 0), "body",
                                    "an empty fact; write it and cite its source, or remove the line", WARNING))
    return diags


def check_outlets(reg: Registry, briefs: Iterable[Brief], registry_path: str,
                  names: Mapping[str, Names] | None = None) -> list[Diagnostic]:
    """Outlet pages that would collide, and names briefs use that the registry lacks (each once). `names`:
    named.names_all of the briefs, by path, which say the few briefs that name an unknown outlet."""
    diags: list[Diagnostic] = []
    by_slug: dict[str, str] = {}
    for i, o in enumerate(reg.outlets, start=1):
        at = f"[{i}].name"
        # (no slug at all is said below, once per outlet; one name written twice, by parse_outlets)
        if o.slug and o.slug in by_slug and name_key(o.name) != name_key(by_slug[o.slug]):
            diags.append(Diagnostic(registry_path, o.line, at, f'"{o.name}" and "{by_slug[o.slug]}" would '
                                    f"both have the page outlets/{o.slug}/; rename one or make it an alias"))
        by_slug.setdefault(o.slug, o.name)
        if not o.slug:
            diags.append(Diagnostic(registry_path, o.line, at, f'"{o.name}" gives no page name; use letters or digits'))
    if not reg.present:
        return diags  # rating outlets is optional: no registry, nothing is missing from it
    if names is not None:  # only those briefs name what the registry lacks: the others add nothing to `unknown`
        briefs = [b for b in briefs if names[b.path].unknown]
    for u in unknown(reg, briefs):
        times = f"{u.count} time{'s' if u.count != 1 else ''}"
        where = f"in {u.briefs} brief{'s' if u.briefs != 1 else ''}"
        diags.append(Diagnostic(u.first.brief.path, u.first.line, u.first.field,
                                f'"{u.name}" is not in {registry_path}: named {times}, {where}', WARNING,
                                "add it there, or as an alias of an outlet, to rate it"))
    return diags


def check_forecasts(questions: Iterable[forecasts.Question]) -> list[Diagnostic]:
    """Questions past their deadline with no outcome; one question resolved both ways."""
    diags: list[Diagnostic] = []
    for q in questions:
        last = q.latest
        if q.status == forecasts.OVERDUE and q.deadline is not None:
            diags.append(Diagnostic(last.brief.path, last.prediction.line, f"{last.field}.outcome",
                                    f"the deadline, {q.deadline.isoformat()}, has passed and no outcome is set",
                                    WARNING, "set outcome: true or false once the public record settles it"))
        for kept, other in q.conflicts:
            said = "true" if other.prediction.outcome else "false"
            diags.append(Diagnostic(other.brief.path, other.prediction.line, f"{other.field}.outcome",
                                    f"says {said}, but {kept.brief.path}:{kept.prediction.line} resolves the same "
                                    f"question as {'true' if kept.prediction.outcome else 'false'}", WARNING))
    return diags
