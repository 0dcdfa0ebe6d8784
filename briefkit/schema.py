"""The brief and outlet schemas: the only module that knows front-matter keys.

parse_brief(path, text) is pure: text in, a Brief or diagnostics out.
"""

from __future__ import annotations

import functools
from datetime import tzinfo
from pathlib import PurePosixPath
from sys import intern
from typing import Any

from . import fields as f
from .diagnostics import WARNING, Diagnostic
from .fields import BAD, Ctx, Field
from .frontmatter import REORDERING, UNUSUAL, UNWRITABLE, Document, by_field_name, load, reordering, split, unwritable
from .mdparser import MARKER
from .model import Brief, Correction, Image, Narrative, Outlet, Prediction, Source, Topic
from .outlets import name_key
from .slugs import is_plain_segment, slugify, too_long

SOURCE = [
    Field("name", f.nonempty_text, "The outlet or body cited, e.g. Reuters.", required=True),
    Field("url", f.url, "Link to the cited report (http or https).", default=""),
]
NARRATIVE = [
    Field("perspective", f.nonempty_text, "The label: Pro-establishment, Left, Narrative A ...", required=True),
    Field("outlet", f.text, "Who provides this narrative.", default=""),
    Field("url", f.url, "Link to it.", default=""),
    Field("text", f.nonempty_text, "The narrative itself (inline Markdown).", required=True),
]
PREDICTION = [
    Field("claim", f.nonempty_text, "What is predicted (inline Markdown).", required=True),
    Field("probability", f.probability, "0..1, or a string like \"70%\".", required=True),
    Field("by", f.day, "When it resolves (YYYY-MM-DD)."),
    Field("source", f.text, "Who made the forecast.", default=""),
    Field("url", f.url, "Link to the forecast.", default=""),
    Field("outcome", f.optional_boolean, "null while open; true or false once resolved."),
    Field("question", f.slug, "Optional id tying the same question across briefs.", default=""),
]
CORRECTION = [
    Field("date", f.day, "When the correction was made.", required=True),
    Field("text", f.nonempty_text, "What was wrong and what is right (inline Markdown).", required=True),
]
IMAGE = [
    Field("src", f.nonempty_text, "Path under content/ or an https URL.", required=True),
    Field("alt", f.nonempty_text, "Text for readers who cannot see the image.", required=True),
    Field("credit", f.text, "Who made the image.", default=""),
]
BRIEF = [
    Field("title", f.nonempty_text, "The headline.", required=True),
    Field("date", f.moment, "Publication date: YYYY-MM-DD or ISO 8601 with offset.", required=True),
    Field("updated", f.moment, "Last substantive update."),
    Field("summary", f.text, "One or two sentences for listings and meta description.", default=""),
    Field("topics", f.list_of(f.nonempty_text, "[North Korea, Russia]"), "Free words; each gets a page.", default=[]),
    Field("story", f.folder_slug, "Key of the story thread this brief belongs to.", default=""),
    Field("related", f.list_of(f.slug, "[other-brief-slug]"), "Slugs of briefs to link first.", default=[]),
    Field("image", f.mapping(IMAGE), "Lead image: src, alt, credit."),
    Field("sources", f.list_of(f.mapping(SOURCE)), "Numbered sources; [n] cites the n-th.", default=[]),
    Field("narratives", f.list_of(f.mapping(NARRATIVE)), "Labelled perspectives.", default=[]),
    Field("predictions", f.list_of(f.mapping(PREDICTION)), "Forecasts with probability and deadline.", default=[]),
    Field("corrections", f.list_of(f.mapping(CORRECTION)), "Dated corrections, shown on the brief.", default=[]),
    Field("draft", f.boolean, "Drafts build only with --drafts.", default=False),
    Field("slug", f.folder_slug, "URL segment; default: from the file name.", default=""),
]
BRIEF_KEYS = {fld.name: fld for fld in BRIEF}

OUTLET = [
    Field("name", f.nonempty_text, "The outlet's name as briefs cite it.", required=True),
    Field("aliases", f.list_of(f.nonempty_text, "[AP, AP News]"), "Other names briefs may use.", default=[]),
    Field("url", f.url, "Home page.", default=""),
    Field("lean", f.integer(1, 5), "Left-right: 1 (left) .. 5 (right)."),
    Field("establishment", f.integer(1, 5), "1 (establishment-critical) .. 5 (pro-establishment)."),
    Field("country", f.country, "Two-letter ISO 3166 country code, e.g. US.", default=""),
    Field("paywall", f.boolean, "Whether reading needs a subscription.", default=False),
]


def parse_brief(path: str, text: str, tz: tzinfo) -> tuple[Brief | None, list[Diagnostic]]:
    """Parse one brief's text; a Brief when there were no errors (or only unknown keys), and every diagnostic."""
    parts, diags = split(path, text)
    if parts is None:
        return None, diags
    doc, diags = load(path, parts.yaml_text, parts.yaml_line)
    if doc is None:
        return None, diags
    doc.lines[()] = 1  # a missing top-level field points at the opening ---
    ctx = Ctx(path, doc, tz, diags)
    if not isinstance(doc.data, dict):
        ctx.error((), "front matter must be a mapping of keys like title: and date:")
        return None, ctx.diags
    unusual = UNUSUAL.search(parts.body) is not None  # either kind below: one look at a body that has neither
    if unusual and UNWRITABLE.search(parts.body):  # a control character typed or pasted into the Markdown
        for i, line in enumerate(parts.body.split("\n")):
            if found := UNWRITABLE.search(line):
                ctx.diags.append(Diagnostic(path, parts.body_line + i, "body",
                                            f"{unwritable(line)} (column {found.start() + 1}); remove it"))
    if unusual and REORDERING.search(parts.body):  # bidi controls pasted into the Markdown, which the page would apply
        lines = [(i, found) for i, line in enumerate(parts.body.split("\n")) if (found := REORDERING.search(line))]
        first, found = lines[0]  # one warning, at the first: text pasted from a word processor has them on every line
        more = f", and {len(lines) - 1} more line{'s' if len(lines) != 2 else ''} hold such controls" if len(lines) > 1 else ""
        ctx.diags.append(Diagnostic(path, parts.body_line + first, "body", f"{reordering(found.group())} "
                                    f"(column {found.start() + 1}){more}; remove {'them' if more else 'it'}", WARNING))
    values = f.check_mapping(doc.data, (), ctx, BRIEF_KEYS, partial=True)
    file_slug = slugify(PurePosixPath(path).stem)  # the slug without slug:
    _check_across(file_slug, values, ctx)  # also when a field is wrong: every problem of the brief in one run
    errors = [d for d in ctx.diags if d.is_error]
    if errors and not (all(d.message == f.UNKNOWN_KEY for d in errors) and BAD not in values.values()):
        return None, ctx.diags
    # every field is right, and a key besides them (misspelt, most likely) is the only error: the Brief goes on
    # to the checks of its Markdown and of its links to other briefs, which report their problems in this run too
    return _build(path, file_slug, values, doc, parts.body, parts.body_line, ctx), ctx.diags


def claimed_slug(path: str, text: str) -> str:
    """The slug a brief that failed to parse asks for, as far as it can be told: `related:` naming it in
    other briefs is then not reported as naming no brief as well."""
    parts, _ = split(path, text)
    doc = load(path, parts.yaml_text, parts.yaml_line)[0] if parts is not None else None
    given = doc.data.get("slug") if doc is not None and isinstance(doc.data, dict) else None
    return given.strip() if isinstance(given, str) and given.strip() else slugify(PurePosixPath(path).stem)


def _check_across(file_slug: str, v: dict[str, Any], ctx: Ctx) -> None:
    """The checks that look past one field's value, each made only when the fields it reads are right."""
    def right(*names: str) -> bool:
        return all(v[name] is not BAD for name in names)

    if right("slug") and not v["slug"] and not is_plain_segment(file_slug):
        ctx.error(("title",), f'the file name gives no usable slug (got "{file_slug}")', "add slug: to the front matter")
    if right("sources", "draft") and not v["sources"]:
        msg = "at least one source is required"
        if v["draft"]:
            ctx.warn(("sources",), msg + " before this draft is published")
        else:
            ctx.error(("sources",), msg)
    for i, name in enumerate(v["topics"] if right("topics") else [], start=1):
        if not (slug := slugify(name)):
            ctx.error(("topics", i), f'"{name}" gives an empty topic slug; use letters or digits')
        elif why := too_long(slug):
            ctx.error(("topics", i), f'"{name[:40]}..." {why}; shorten the topic')
    if right("updated", "date") and v["updated"] and v["date"] and v["updated"] < v["date"]:
        written = ctx.doc.plain.get(("updated",), ctx.doc.data.get("updated"))  # unquoted, else as quoted
        same_day = v["updated"].date() == v["date"].date() and f.day_only(written)
        if same_day:  # `updated: 2024-10-01` on a brief dated 2024-10-01T10:00: "that day", but when?
            ctx.warn(("updated",), "is the brief's own day without a time, so no update is shown",
                     f"give the time of the update, e.g. {v['date'].date().isoformat()}T18:00")
        else:
            ctx.warn(("updated",), "is earlier than date; feeds and page metadata give date as the last change")
    if right("corrections", "date") and v["date"]:
        day = v["date"].date()
        for i, c in enumerate(v["corrections"], start=1):
            if c["date"] < day:  # a typo in the year, most likely: the log would file it among older corrections
                ctx.warn(("corrections", i, "date"), f"is before the brief's date ({day.isoformat()}); a correction "
                         "comes after what it corrects", "give the day the correction was made")
    if right("image") and v["image"]:
        f.image_source(v["image"]["src"], ("image", "src"), ctx)
    for name in ("title", "summary"):  # plain text: a marker there is shown as typed, linking nowhere
        if right(name) and v[name] and (m := MARKER.search(v[name])):
            ctx.warn((name,), f'holds a citation marker ("{m.group()}"), shown as typed: markers link only in '
                     "facts, narratives, claims and corrections", "cite in the fact the words come from")


@functools.lru_cache(maxsize=4096)
def _topic(name: str) -> Topic:
    """A topic's record, one for each name: briefs share it, and the build cache pickles it once in each file
    rather than once for each brief (14,000 records at 4,000 briefs, of a few dozen names)."""
    return Topic(name, slugify(name))


def _build(path: str, file_slug: str, v: dict[str, Any], doc: Document, body: str, body_line: int,
           ctx: Ctx) -> Brief:
    """The Brief of values that passed every check. A label many briefs give (a story's key, an outlet's name, a
    narrative's perspective, a forecaster) is one str across them: the cache's shards pickle it once, not once
    for each brief (30,000 strs fewer to unpickle at 4,000 briefs)."""
    line = ctx.line
    slug = v["slug"] or file_slug
    topics: dict[str, Topic] = {}
    for name in v["topics"]:
        topic = _topic(name)
        topics.setdefault(topic.slug, topic)
    image = Image(**v["image"]) if v["image"] else None
    return Brief(
        slug=slug,
        path=path,
        title=v["title"],
        date=v["date"],
        updated=v["updated"] if v["updated"] and v["date"] and v["updated"] > v["date"] else None,  # a later one only
        summary=v["summary"],
        topics=tuple(topics.values()),
        story=intern(v["story"]),
        related=tuple(v["related"]),
        image=image,
        sources=tuple(Source(i, intern(s["name"]), s["url"], line(("sources", i)))
                      for i, s in enumerate(v["sources"], start=1)),
        narratives=tuple(Narrative(intern(n["perspective"]), intern(n["outlet"]), n["text"], n["url"],
                                   line(("narratives", i)))
                         for i, n in enumerate(v["narratives"], start=1)),
        predictions=tuple(Prediction(p["claim"], p["probability"], p["by"], intern(p["source"]), p["url"],
                                     p["outcome"], p["question"], line(("predictions", i)))
                          for i, p in enumerate(v["predictions"], start=1)),
        corrections=tuple(Correction(c["date"], c["text"], line(("corrections", i)))
                          for i, c in enumerate(v["corrections"], start=1)),
        draft=v["draft"],
        body=body,
        body_line=body_line,
        # one str per field name across briefs: their pickles (a worker's results, the cache's shards) hold each once
        lines=by_field_name(doc.lines),
        folds=by_field_name(doc.folds),
    )


def parse_outlets(path: str, text: str, tz: tzinfo) -> tuple[list[Outlet], list[Diagnostic]]:
    """Parse content/outlets.yaml: a list of outlets with ratings."""
    doc, diags = load(path, text, whole="")
    if doc is None:
        return [], diags
    ctx = Ctx(path, doc, tz, diags)
    data = doc.data if doc.data != {} else []  # empty, or only comments (load's {}): no outlets yet
    values = f.list_of(f.mapping(OUTLET), "- name: Reuters")(data, (), ctx)
    if values is BAD:
        return [], ctx.diags
    outlets: list[Outlet] = []
    seen: dict[str, Outlet] = {}  # names as briefs' names are matched to them (outlets.name_key)
    for i, o in enumerate(values, start=1):
        outlet = Outlet(o["name"], tuple(o["aliases"]), o["url"], o["lean"], o["establishment"],
                        o["country"], o["paywall"], slugify(o["name"]), ctx.line((i,)), ctx.line((i, "url")))
        own: set[str] = set()  # an alias the outlet's own name already gives is harmless
        for at, name in [((i, "name"), outlet.name), *(((i, "aliases", j), a) for j, a in enumerate(outlet.aliases, 1))]:
            key = name_key(name)
            if key in seen and key not in own:
                first = seen[key]
                ctx.error(at, f'"{name}" is already a name of "{first.name}" (line {first.line}); keep one')
            seen.setdefault(key, outlet)
            own.add(key)
        if why := too_long(outlet.slug):
            ctx.error((i, "name"), f'"{outlet.name[:40]}..." {why}; shorten the name')
        outlets.append(outlet)
    return outlets, ctx.diags
