"""The digests of what listings show of each brief (Digester._shown), kept across builds.

A one-brief edit fingerprints every listing page again (home, topic, month, archive, story, outlet and
forecasts pages), and each shows a few fields of thousands of briefs: spelling those again, for each brief
and each set of fields, was most of their fingerprints' cost, though only the edited brief's had changed.

A digest is kept by the set of fields (its marker), the brief's file (shown path and content hash), its URL
and its story name. Only fields made from those alone are kept (KEPT): the brief's own fields, its
description (its summary or first fact), URL and story name, given the build's settings, which the
memo's `identity` holds (the build key less the date: any other change to it forgets every digest, as it
renders every page again). What other briefs or stages give a view (its neighbours, related briefs, extra
data) is never among them; a template reading any of that, or anything else, gets its digests made afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import compress, repeat
from operator import attrgetter, eq, is_, itemgetter, methodcaller
from typing import Any

from .fingerprint import Digester
from .listings import BriefView
from .model import Brief

KEPT = frozenset(set(Brief.__dataclass_fields__) - set(BriefView.__dataclass_fields__)) \
    | {"url", "story_name", "description"}
# by a brief's shown path: its content hash, URL and story name, and its digests by marker
Entry = tuple[tuple[Any, ...], dict[str, str]]  # (content hash or None, URL, story name), digests
_path = attrgetter("rendered.brief.path")
_url = attrgetter("url")
_story_name = attrgetter("story_name")
_first, _second = itemgetter(0), itemgetter(1)
_NONE: Entry = ((), {})  # no entry: its key matches no brief's


class ShownMemo:
    """Shown digests by brief: the last build's (`before`) to look up, this build's (kept()) to keep."""

    def __init__(self, identity: str = "", kept: dict[str, Entry] | None = None):
        self.identity = identity
        self.before: dict[str, Entry] = kept or {}
        self.changed = False  # this build's entries differ from the last's: worth saving
        self._views: Sequence[BriefView] | None = None
        self._paths: list[str] = []
        self._found: list[Entry] = []  # this build's entries, of each view
        self._digests: list[dict[str, str]] = []  # ... their digests by marker
        self._ids: list[int] = []  # id() of each view

    def start(self, identity: str) -> None:
        """A new build, with these settings: the last one's digests to look up (none when they differ)."""
        if self._views is not None:  # kept in memory (serve): the last build's
            self.before = self.kept()
        if identity != self.identity:
            self.before, self.identity, self.changed = {}, identity, True
        self._views, self._paths, self._found, self._digests = None, [], [], []

    def kept(self) -> dict[str, Entry]:
        """This build's entries, to look up in the next; those of no brief it listed are forgotten."""
        if self._views is None:
            return self.before
        return {p: e for p, e in zip(self._paths, self._found) if e[0][0] is not None}  # None: a hash unknown

    def fill(self, digester: Digester, views: Sequence[BriefView], hashes: Mapping[str, str],
             shown: dict[frozenset[str], dict[int, tuple[Any, str]]]) -> None:
        """Put into `shown` (Digester.shown) the digest of each view's fields the digester's template lists,
        from the last build where the brief's file, URL and story name are the same, made afresh otherwise;
        and keep them all for the next build."""
        listed = digester.listed()
        if listed is None or not views:  # it reads whole briefs
            return
        wanted, (marker, names, _) = listed
        if self._views is not views:
            self._entries(views, hashes)
        if not names:  # it reads nothing of a view (the topics page counts them): one digest stands for each
            same = digester.kept_shown(views[0])
            if same is not None:
                shown.setdefault(wanted, {}).update(zip(self._ids, zip(views, repeat(same))))
            return
        if not KEPT.issuperset(names):
            return
        kept = self._digests
        digests = list(map(methodcaller("get", marker), kept))
        # an edit's few (every brief's in a first build), found in C
        missing = list(compress(range(len(digests)), map(is_, digests, repeat(None)))) if None in digests else []
        for i in missing:
            digest = digests[i] = digester.kept_shown(views[i])  # None: a value no template may share
            if digest is not None:
                kept[i][marker] = digest
        if missing:
            self.changed = True
        seen = shown.setdefault(wanted, {})
        seen.update(zip(self._ids, zip(views, digests)))  # all of them at once, in C
        for i in missing:  # (view, None) is no digest: left out, it is made when a page lists the view
            if digests[i] is None:
                del seen[self._ids[i]]

    def _entries(self, views: Sequence[BriefView], hashes: Mapping[str, str]) -> None:
        """This build's entries of `views`: the last build's where its key is the same, new ones otherwise."""
        paths = list(map(_path, views))
        keys = list(zip(map(hashes.get, paths), map(_url, views), map(_story_name, views)))
        found = list(map(self.before.get, paths, repeat(_NONE)))
        same = list(map(eq, map(_first, found), keys))
        if False in same:
            self.changed = True
            found = [e if ok else (k, {}) for e, k, ok in zip(found, keys, same)]
        if len(found) != len(self.before):
            self.changed = True
        self._views, self._paths, self._found, self._digests = views, paths, found, list(map(_second, found))
        self._ids = list(map(id, views))
