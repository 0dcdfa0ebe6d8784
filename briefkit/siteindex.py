"""site/index.json: every published brief in a stable documented format, one line each, and whether the
file on disk already holds what this build would make (then it is kept, not made again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from json.encoder import encode_basestring
from operator import attrgetter

from .crosslink import QUOTED_KEY
from .listings import BriefView, SiteData
from .relatedmemo import IndexMade, RelatedMemo

INDEX_VERSION = 1
_PATH, _SLUG, _URL = attrgetter("rendered.brief.path"), attrgetter("rendered.brief.slug"), attrgetter("url")


def index_json(site: SiteData, memo: RelatedMemo | None = None, files: Mapping[str, str] | None = None) -> bytes:
    """site/index.json: every published brief, newest first, in a stable documented format.

    With a memo (BuildCache.related) and `files` (BuildCache.hashes: each brief's content hash by its path), a
    brief's line up to its related slugs is the last build's when its file and URL are as they were: all it
    gives is from the brief's file, parsed by the settings the memo is dropped with, and its URL. The memo then
    also keeps what the whole file was made of, and its digest (index_on_disk)."""
    # one brief per line: readable and diffable. Each line is what json.JSONEncoder(ensure_ascii=False).encode
    # gives for the brief's dict ({"slug": ..., "url": ..., ...}), spelled out with the encoder's own C quoting
    # of a string: a dict per brief handed to the encoder was two thirds of the time (tests/test_related_site.py
    # checks the two agree)
    q = encode_basestring
    quoted = site.extra.get(QUOTED_KEY)  # v.related's slugs, quoted where link_site made it: no pass over 20,000 links
    last = getattr(memo, "index_lines", None) if files is not None else None  # none in a memo saved before them
    kept: dict[str, tuple[str, str]] = {}
    made = 0
    lines = []
    hashes: list[str | None] = []  # what the file is made of, for index_on_disk: each brief's hash and related slugs
    shown: list[str] = []
    for v in site.briefs:
        b = v.rendered.brief  # not the view's `brief` property: a call per brief and per related link
        head: str | None = None
        key: str | None = None
        if last is not None and files is not None and b.path in files:
            key = f"{files[b.path]}\0{v.url}"
            was = last.get(b.path)
            head = was[1] if was is not None and was[0] == key else None
            hashes.append(files[b.path])
        else:
            hashes.append(None)
        if head is None:
            made += 1
            head = _head(v)
        if key is not None:
            kept[b.path] = (key, head)
        related = quoted[b.slug] if quoted is not None else ", ".join(
            [q(link.view.rendered.brief.slug) for link in v.related])
        shown.append(related)
        lines.append(f'{head}, "related": [{related}]}}')
    top = {"version": INDEX_VERSION, "title": site.config.title, "base_url": site.config.base_url}
    encode = json.JSONEncoder(ensure_ascii=False).encode
    text = (encode(top)[:-1] + ', "briefs": [' + ("\n" + ",\n".join(lines) + "\n" if lines else "")
            + "]}\n").encode("utf-8")
    if last is not None and memo is not None:
        if made or len(kept) != len(last):
            memo.index_lines = kept
            memo.changed = True
        whole = IndexMade((INDEX_VERSION, site.config.title, site.config.base_url), list(map(_PATH, site.briefs)),
                          list(map(_URL, site.briefs)), hashes, shown, hashlib.sha256(text).digest())
        if whole != getattr(memo, "index_made", None):
            memo.index_made = whole
            memo.changed = True
    return text


def _head(v: BriefView) -> str:
    """A brief's line of index.json up to its related slugs."""
    q = encode_basestring
    b = v.rendered.brief
    updated = q(b.updated.isoformat()) if b.updated else "null"
    topics = ", ".join([q(t.name) for t in b.topics])
    return (f'{{"slug": {q(b.slug)}, "url": {q(v.url)}, "title": {q(b.title)}, '
            f'"date": {q(b.date.isoformat())}, "updated": {updated}, "summary": {q(b.summary)}, '
            f'"topics": [{topics}], "story": {q(b.story) if b.story else "null"}')


def index_on_disk(site: SiteData, memo: RelatedMemo, files: Mapping[str, str], path: str) -> bool:
    """Whether the file at `path` holds what index_json would give now, so that it is kept, not made again.

    It would give the last build's file (memo.index_made) when the top, the briefs in order, their URLs and
    related slugs are as they were, and each brief's line is: kept by its file's hash, or, for a brief whose file
    changed (the edited one), made again alike. The file is kept only if it holds exactly that file (its digest),
    whatever wrote it since: a build that failed, or an edit by hand. Reading and hashing it is a tenth of
    making it. The memo then holds this build's hashes, as index_json would leave it."""
    was = getattr(memo, "index_made", None)
    quoted = site.extra.get(QUOTED_KEY)
    views = site.briefs
    if was is None or quoted is None or len(was.paths) != len(views):
        return False
    paths = list(map(_PATH, views))
    if (was.top != (INDEX_VERSION, site.config.title, site.config.base_url) or paths != was.paths
            or list(map(_URL, views)) != was.urls or list(map(quoted.__getitem__, map(_SLUG, views))) != was.shown):
        return False
    hashes = list(map(files.get, paths))
    if None in hashes:  # a line not kept by its file's hash is made afresh
        return False
    lines = memo.index_lines
    redone: dict[str, tuple[str, str]] = {}
    for i in ([i for i, (h, w) in enumerate(zip(hashes, was.hashes)) if h != w] if hashes != was.hashes else ()):
        line = lines.get(paths[i])
        if line is None or _head(views[i]) != line[1]:
            return False  # a line unlike the last build's
        redone[paths[i]] = (f"{hashes[i]}\0{views[i].url}", line[1])
    try:
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).digest() != was.digest:
                return False
    except OSError:
        return False
    if redone:
        memo.index_lines = {**lines, **redone}
        memo.index_made = was._replace(hashes=hashes)
        memo.changed = True
    return True
