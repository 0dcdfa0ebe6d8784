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
from operator import attrgetter, eq, is_, not_
from typing import Any

from .fingerprint import Digester
from .listings import BriefView
from .model import Brief

KEPT = frozenset(set(Brief.__dataclass_fields__) - set(BriefView.__dataclass_fields__)) \
    | {"url", "story_name", "description"}
# the digests kept, by columns: the briefs' shown paths, the key of each (content hash or None, URL, story name),
# and each marker's digest of each brief (None: none made); columns, not an entry per brief, so that an edit
# takes a marker's digests of every brief unchanged as one list, and loading them is a few lists, not 4,000 dicts
Columns = tuple[list[str], list[tuple[Any, ...]], dict[str, list[Any]]]
_path = attrgetter("rendered.brief.path")
_url = attrgetter("url")
_story_name = attrgetter("story_name")
_EMPTY: Columns = ([], [], {})


class ShownMemo:
    """Shown digests by brief: the last build's (`before`) to look up, this build's (kept()) to keep."""

    def __init__(self, identity: str = "", kept: Columns | None = None):
        self.identity = identity
        # anything else (a memo of another layout, columns of unequal lengths) holds nothing to serve
        self.before: Columns = kept if isinstance(kept, tuple) and len(kept) == 3 and len(kept[0]) == len(kept[1]) \
            else _EMPTY
        self.changed = False  # this build's entries differ from the last's: worth saving
        self._views: Sequence[BriefView] | None = None
        self._paths: list[str] = []
        self._keys: list[tuple[Any, ...]] = []  # this build's key of each view
        self._order: list[int] | None = None  # where each view's brief is in `before` (-1: not there); None: as it is
        self._stale: list[int] = []  # the views whose key is not the last build's (or whose hash is unknown)
        self._digests: dict[str, list[Any]] = {}  # this build's digests of each view, by marker
        self._ids: list[int] = []  # id() of each view

    def start(self, identity: str) -> None:
        """A new build, with these settings: the last one's digests to look up (none when they differ)."""
        if self._views is not None:  # kept in memory (serve): the last build's
            self.before = self.kept()
        if identity != self.identity:
            self.before, self.identity, self.changed = _EMPTY, identity, True
        self._views, self._paths, self._keys, self._digests = None, [], [], {}

    def kept(self) -> Columns:
        """This build's digests, to look up in the next; those of no brief it listed are forgotten, and those
        of a marker it did not fill are the last build's where the brief's key is the same."""
        if self._views is None:
            return self.before
        columns = {marker: self._digests.get(marker) or self._carried(marker)
                   for marker in {*self.before[2], *self._digests}}
        return self._paths, self._keys, columns

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
        digests = self._digests.get(marker)
        if digests is None:
            digests = self._digests[marker] = self._carried(marker)
        # an edit's few (every brief's in a first build), found in C
        missing = list(compress(range(len(digests)), map(is_, digests, repeat(None)))) if None in digests else []
        for i in missing:
            digests[i] = digester.kept_shown(views[i])  # None: a value no template may share
        if missing:
            self.changed = True
        seen = shown.setdefault(wanted, {})
        seen.update(zip(self._ids, zip(views, digests)))  # all of them at once, in C
        for i in missing:  # (view, None) is no digest: left out, it is made when a page lists the view
            if digests[i] is None:
                del seen[self._ids[i]]

    def _carried(self, marker: str) -> list[Any]:
        """The last build's digests of the marker for this build's views, None where the key is not the same."""
        paths, _, columns = self.before
        last = columns.get(marker)
        if last is None or len(last) != len(paths):
            return [None] * len(self._paths)
        digests = list(last) if self._order is None else [last[j] if j >= 0 else None for j in self._order]
        for i in self._stale:
            digests[i] = None
        return digests

    def _entries(self, views: Sequence[BriefView], hashes: Mapping[str, str]) -> None:
        """This build's keys of `views`, and which of them are the last build's (by the brief's shown path)."""
        paths = list(map(_path, views))
        known = list(map(hashes.get, paths))
        keys = list(zip(known, map(_url, views), map(_story_name, views)))
        last_paths, last_keys, _ = self.before
        if paths == last_paths:  # the same briefs in the same order: compared in C
            self._order = None
            same = list(map(eq, keys, last_keys))
        else:  # briefs added, removed or renamed
            where = dict(zip(last_paths, range(len(last_paths))))
            self._order = [where.get(p, -1) for p in paths]
            same = [j >= 0 and last_keys[j] == k for j, k in zip(self._order, keys)]
        if None in known:  # a hash unknown: nothing kept of it is served
            same = [ok and k is not None for ok, k in zip(same, known)]
        self._stale = list(compress(range(len(same)), map(not_, same)))
        if self._stale or self._order is not None:
            self.changed = True
        self._views, self._paths, self._keys, self._digests = views, paths, keys, {}
        self._ids = list(map(id, views))
