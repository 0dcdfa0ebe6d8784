"""The cross-link stage: related lists, linked-from lists and story changes on each BriefView.

Runs after listings.build_site; turns the related engine's matches into what templates and tools see.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from json.encoder import encode_basestring

from .diagnostics import WARNING, Diagnostic
from .listings import BriefView, SiteData, oldest_first
from .markdown import Fact, RenderedBrief
from .matches import Match
from .model import Brief
from .packs import Damaged
from .related import Doc, Index, Settings, outlet_key
from .relatedmemo import RelatedMemo
from .relink import Link, content, link_with, shown_links
from .slugs import slugify
from .timeline import first_reported

INDEX_KEY = "related_index"  # SiteData.extra key of the Index, for the `related` command
QUOTED_KEY = "related_quoted"  # SiteData.extra key of each brief's related slugs as index.json lists them, by slug


@dataclass(frozen=True)
class RelatedLink:
    """One entry of a brief's Related list."""

    view: BriefView
    reason: str  # "same story", "shares topics: North Korea, Russia", ...
    score: float  # 0..1
    tier: str  # author, story or similar


_new = object.__new__


@dataclass(frozen=True)
class StoryChanges:
    """What a brief added to its story: the facts first reported in it."""

    first: bool  # the story's first brief
    new: tuple[Fact, ...]
    repeated: int  # facts already reported by an earlier brief


class _BriefDoc(Doc):
    """A brief's Doc whose text (title, summary and facts) is joined when first read: a brief whose content digest
    the memo knows has its text read only where the index is worked out afresh (reading 4,000 briefs' facts was a
    third of _docs). Otherwise a Doc as docs_of makes it."""

    rendered: RenderedBrief

    @property
    def text(self) -> str:  # type: ignore[override]
        b = self.rendered.brief
        return " ".join([b.title, b.summary, *[f.text for f in self.rendered.facts]])


def docs_of(site: SiteData) -> list[Doc]:
    """The index's view of every published brief."""
    return _docs(site)[0]


def _docs(site: SiteData, memo: RelatedMemo | None = None, files: Mapping[str, str] | None = None
          ) -> tuple[list[Doc], list[bytes | None]]:
    """docs_of, and each doc's relink.content where the memo knows it (else None).

    With a memo and `files` (BuildCache.hashes), a brief whose file is as the last build read it has the outlets
    and content digest it had then, while the outlets' table is as it was, and its topics while the topics' names
    are: its parse (with the settings the memo is dropped with) and those tables are all they are made of. The
    memo then keeps this build's."""
    aliases: dict[str, str] = {}
    display: dict[str, str] = {}
    for o in site.outlets:
        key = slugify(o.name)
        display[key] = o.name
        for name in (o.name, *o.aliases):
            aliases[slugify(name)] = key
    topic_name = {g.key: g.name for g in site.topics}  # a reason names a topic as its page does, whatever the brief's spelling
    hashes = files if files is not None and memo is not None else {}  # no memo: nothing kept
    last: dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], bytes]] = {}
    kept: dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], bytes]] = {}
    if hashes and memo is not None and memo.outlet_table == (aliases, display):
        last = memo.briefs
    same_names = memo is not None and memo.topic_names == topic_name  # a kept entry's topics hold
    docs: list[Doc] = []
    digests: list[bytes | None] = []
    named: dict[str, tuple[str, str]] = {}  # source name -> (outlet key, outlet name): few names, cited often
    for v in site.briefs:
        r = v.rendered
        b = r.brief
        was = last.get(b.path)
        if was is not None and was[0] == hashes.get(b.path):
            if not same_names:
                was = (was[0], tuple([(t.slug, topic_name[t.slug]) for t in b.topics]), was[2], was[3])
            lazy = _new(_BriefDoc)  # the fields as Doc's __init__ sets them, the text left to be read
            lazy.__dict__.update(slug=b.slug, date=b.date, title=b.title, story=b.story, related=b.related,
                                 topics=was[1], outlets=was[2], rendered=r)
            docs.append(lazy)
            digests.append(was[3])
            kept[b.path] = was
            continue
        text = " ".join([b.title, b.summary, *[f.text for f in r.facts]])
        outlets: dict[str, str] = {}
        for source in b.sources:
            found = named.get(source.name)
            if found is None:
                key = outlet_key(source.name, aliases)
                found = named[source.name] = (key, display.get(key, source.name))
            if found[0] not in outlets:  # the first name cited of an outlet is the one shown
                outlets[found[0]] = found[1]
        doc = Doc(b.slug, b.date, b.title, b.story, b.related, tuple([(t.slug, topic_name[t.slug]) for t in b.topics]),
                  tuple(outlets.items()), text)
        docs.append(doc)
        if b.path in hashes:
            digests.append(digest := content(doc))
            kept[b.path] = (hashes[b.path], doc.topics, doc.outlets, digest)
        else:
            digests.append(None)
    if memo is not None and hashes and (kept != memo.briefs or memo.outlet_table != (aliases, display)
                                        or not same_names):
        memo.briefs, memo.outlet_table, memo.topic_names = kept, (aliases, display), topic_name
        memo.changed = True
    return docs, digests


def link_site(site: SiteData, memo: RelatedMemo | None = None, files: Mapping[str, str] | None = None
              ) -> list[Diagnostic]:
    """Fill related, linked_from and story changes on every view; warn about lookalike stories.

    With a memo (BuildCache.related) only what the last build's lists cannot tell is worked out again; with
    `files` too (BuildCache.hashes), only the briefs whose files changed are read for it (_docs).
    """
    settings = Settings.of(site.config.related)
    # per story: its briefs oldest first, and each one's time (rank of its date in the story)
    stories = [_story(story.briefs) for story in site.stories]
    news: list[list[list[int]]]  # per story, per brief: the facts it first reported
    if memo is None:  # the story changes worked out in the related lists' pass over the cores, not after it
        index = Index(docs_of(site), settings)
        shown, pairs, news = index.linked(shown_links, [partial(first_reported, _texts(chrono), times=times)
                                                   for chrono, times in stories])
        quoted = [_quoted(links) for links in shown]
    else:
        last = memo.linked
        # the warnings' texts of `last`'s lists, taken out while the lists are worked out: a memo left with new
        # lists (a build that failed after) keeps none to be taken for theirs
        texts, memo.lookalikes = memo.lookalikes, {}
        docs, digests = _docs(site, memo, files)
        keys = [_story_key(chrono, times, files or {}) for chrono, times in stories]

        def unknown() -> list[int]:  # the stories whose changes the memo does not hold, worked out in link's pass
            return [n for n, key in enumerate(keys) if not memo.stories.get(key)]

        todo = unknown()
        try:
            index, memo.linked, made_news = link_with(docs, settings, last, digests, _story_work(stories, todo))
        except Damaged:  # the saved lists were damaged on disk: worked out afresh
            last = memo.linked = None
            memo.stories = {}
            todo = unknown()
            index, memo.linked, made_news = link_with(docs, settings, digests=digests, also=_story_work(stories, todo))
        worked = iter(made_news)  # in the order of `todo`
        news = [memo.stories.get(key) or next(worked) for key in keys]
        memo.changed |= dict.fromkeys(keys).keys() != memo.stories.keys()
        memo.stories = dict(zip(keys, news))
        shown = memo.linked.links
        pairs = [] if files else memo.linked.pairs(index.docs)  # with `files`, _kept_warnings reads the lists
        memo.changed |= memo.linked is not last
        # a list the last build's lists still hold (the same object: relink keeps those it did not work out
        # again) is quoted as it was then
        was = last.links if last is not None and len(memo.quoted) == len(last.links) else []
        quoted = [memo.quoted[i] if i < len(was) and links is was[i] else _quoted(links)
                  for i, links in enumerate(shown)]
        memo.changed |= quoted != memo.quoted
        memo.quoted = quoted
    site.extra[INDEX_KEY] = index
    site.extra[QUOTED_KEY] = dict(zip([d.slug for d in index.docs], quoted))
    by_slug = site.by_slug
    # some 20,000 links a build, each made in place: a frozen dataclass's __init__ sets each field through
    # object.__setattr__ (half the cost of making one), and a call per link was a third of the rest
    for doc, links in zip(index.docs, shown):
        related = by_slug[doc.slug].related = []
        for slug, reason, score, tier in links:
            made = _new(RelatedLink)
            made.__dict__.update(view=by_slug[slug], reason=reason, score=score, tier=tier)
            related.append(made)
    for v in site.briefs:  # newest first, so each linked_from list is too
        for slug in dict.fromkeys(v.rendered.brief.related):
            target = by_slug.get(slug)
            if target is not None and target is not v:
                target.linked_from.append(v)
    for (chrono, times), story_news in zip(stories, news):
        for x, new, at in zip(chrono, story_news, times):
            facts = x.rendered.facts
            x.extra["changes"] = StoryChanges(at == 0, tuple(facts[k] for k in new), len(facts) - len(new))
    if memo is None or not files:
        return lookalike_warnings(index, site, pairs)
    return _kept_warnings(index, site, memo, files, last.near if last is not None else {}, texts)


def _story_work(stories: list[tuple[list[BriefView], list[int]]], todo: list[int]) -> list[partial[list[list[int]]]]:
    """first_reported for each story of `todo`, to be called on the cores."""
    return [partial(first_reported, _texts(stories[n][0]), times=stories[n][1]) for n in todo]


def _quoted(links: list[Link]) -> str:
    """A related list's slugs as index.json lists them (index_json)."""
    return ", ".join([encode_basestring(slug) for slug, _, _, _ in links])


def _story(briefs: list[BriefView]) -> tuple[list[BriefView], list[int]]:
    """A story's briefs oldest first, and each brief's time: 0 for the briefs of the story's first date, 1 for
    the next date, ... (briefs of one date and time were published together: neither reported anything before
    the other)."""
    chrono = oldest_first(briefs)
    dates = [x.rendered.brief.date for x in chrono]
    rank = {d: n for n, d in enumerate(sorted(set(dates)))}
    return chrono, [rank[d] for d in dates]


def _texts(chrono: list[BriefView]) -> list[list[str]]:
    """The texts of the facts of a story's briefs, what first_reported compares."""
    return [[f.text for f in x.rendered.facts] for x in chrono]


def _story_key(chrono: list[BriefView], times: list[int], files: Mapping[str, str]) -> bytes:
    """What a story's changes are kept by in the memo: its briefs' paths and content hashes (their facts' texts are
    from those files alone, parsed under the settings the memo is dropped with) and times; the texts themselves
    where a brief's hash is unknown. Equal keys, equal texts (at worst a story is worked out again)."""
    paths = [x.rendered.brief.path for x in chrono]
    if all(p in files for p in paths):
        what: tuple[object, ...] = ("files", [(p, files[p]) for p in paths], times)
    else:
        what = ("texts", _texts(chrono), times)
    return hashlib.blake2b(pickle.dumps(what, protocol=5), digest_size=16).digest()


def lookalike_warnings(index: Index, site: SiteData, pairs: list[tuple[Doc, Doc, Match]]) -> list[Diagnostic]:
    """Briefs outside one story that look like the same story (Index.link_all): suggest the story key to add.
    The build cache keeps them with _kept_warnings."""
    diags = []
    for newer, older, m in pairs:
        b, other = site.by_slug[newer.slug].rendered.brief, site.by_slug[older.slug].rendered.brief
        message, hint = _lookalike(index, b, other, m)
        diags.append(Diagnostic(b.path, b.line_of("title"), "story", message, WARNING, hint))
    return diags


def _lookalike(index: Index, b: Brief, other: Brief, m: Match) -> tuple[str, str]:
    """A lookalike warning's message and hint: brief b (the newer) looks like the same story as `other`."""
    if other.story:
        hint = f"if it is, add story: {other.story} (the story of {other.path})"
    elif b.story:
        hint = f"if it is, add story: {b.story} to {other.path}"
    else:
        key = "-".join(other.slug.split("-")[:5])
        hint = f"if it is, give both the same story key, e.g. story: {key}"
    return (f"looks like the same story as {other.path} "
            f"(similarity {index.content_similarity(m):.2f}, {days_apart(b.date, other.date)})"), hint


def _kept_warnings(index: Index, site: SiteData, memo: RelatedMemo, files: Mapping[str, str],
                   was_near: Mapping[int, list[tuple[int, Match]]],
                   texts: Mapping[int, tuple[str, str, list[tuple[str, str | None, str, str]]]]) -> list[Diagnostic]:
    """lookalike_warnings with the build cache: a brief's warnings say what the last build's said (`texts`, made
    from the lists `was_near`) while its lookalikes are the list the last build worked out (relink keeps the very
    list of a brief it did not link again, so its matches, and the settings that score them, are as they were)
    and each brief named is as its file was (the rest of a warning is from the two files alone). Making 1,300
    warnings' texts was most of their time at 4,000 briefs; now only an edited brief's are made again, and those
    of the briefs whose lookalikes it changed."""
    assert memo.linked is not None
    near, docs, by_slug = memo.linked.near, index.docs, site.by_slug
    known = memo.title_lines
    noted: dict[str, tuple[str, int]] = {}
    said: dict[int, tuple[str, str, list[tuple[str, str | None, str, str]]]] = {}
    diags: list[Diagnostic] = []
    for i in sorted(near):
        group = near[i]
        b = by_slug[docs[i].slug].rendered.brief
        path, now = b.path, files.get(b.path)
        was = known.get(path)
        line = was[1] if was is not None and was[0] == now else b.line_of("title")
        kept = texts.get(i) if was_near.get(i) is group and now is not None else None
        lines = kept[2] if kept is not None and kept[:2] == (path, now) and len(kept[2]) == len(group) else None
        if lines is not None:  # one per match of `group`, in its order
            for (j, _), (other_path, other_hash, _, _) in zip(group, lines):
                if (other_hash is None or by_slug[docs[j].slug].rendered.brief.path != other_path
                        or files.get(other_path) != other_hash):
                    lines = None
                    break
        if lines is None:
            lines = []
            for j, m in group:
                other = by_slug[docs[j].slug].rendered.brief
                lines.append((other.path, files.get(other.path), *_lookalike(index, b, other, m)))
        if now is not None:
            noted[path] = (now, line)
            said[i] = (path, now, lines)
        for _, _, message, hint in lines:  # made as link_site makes a RelatedLink: no setattr per field
            made = _new(Diagnostic)
            made.__dict__.update(path=path, line=line, field="story", message=message, severity=WARNING, hint=hint)
            diags.append(made)
    memo.lookalikes = said
    if noted != known or said != texts:
        memo.title_lines = noted
        memo.changed = True
    return diags


def days_apart(a: datetime, b: datetime) -> str:
    """How many calendar days (in the site's timezone, which both dates are in) lie between two briefs:
    "the same day", "1 day apart". By the clock, 11 pm and 1 am the next day rounded to the same day,
    and 36 hours to 2 days."""
    n = abs((a.date() - b.date()).days)
    return "the same day" if n == 0 else f"{n} day{'s' if n != 1 else ''} apart"
