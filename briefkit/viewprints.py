"""How a page's fingerprint spells a brief's view (BriefView), and the pieces fingerprint.py spells all else with.

A brief's page counts its view as the whole brief, by its file's content hash, with its neighbours; a listing
counts a view as the few fields it shows, digested once for every template that shows the same ones (shown.py
keeps those digests across builds), so that an edit elsewhere in a brief leaves the listings it is on alone.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .listings import BriefView
from .reads import ALL, PLAIN, type_key

PLAIN_TYPES = frozenset(PLAIN)
# a tuple of these is spelled by its repr, which tells each apart (1, "1", 1.0, True, None, a date)
REPR_EXACT = frozenset((str, int, float, bool, type(None), date, datetime))
Record = tuple[str, tuple[str, ...], Callable[[Any], Any] | None]  # marker, attributes, their getter
VIEW_LINKS = ("earlier", "later", "related", "linked_from", "extra")
WHOLE_BRIEF = frozenset({"rendered", "brief"})  # view attributes that hand a template the whole brief
flat = itertools.chain.from_iterable  # a mapping's items as key, value, key, value ...
_VIEW_KEY = type_key(BriefView)


def hashed(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def record_of(name: str, names: tuple[str, ...]) -> Record:
    """A marker naming the record and the attributes counted, those attributes, and a getter of them."""
    # attrgetter reads "a.b" as a path: such a name (an item a template asked for) is read as getattr does
    get = operator.attrgetter(*names) if names and not any("." in a for a in names) else None
    return f"{name}({','.join(names)})", names, get


class ViewPrints:
    """A Digester's spelling of views: what its template reads of them decides how much of a brief counts."""

    brief_hashes: Mapping[str, str]
    attrs: Mapping[str, frozenset[str]] | None  # per type, the attributes the template reads; None: all of them
    shown: dict[frozenset[str], dict[int, tuple[Any, str]]]
    _unowned: frozenset[str]

    if TYPE_CHECKING:  # the Digester's spelling of any value
        def of(self, obj: Any, shallow: bool = False) -> str: ...
        def _spell(self, values: Any, shallow: bool, parts: list[str]) -> list[str]: ...
        @staticmethod
        def _values(obj: Any, record: Record) -> Any: ...

    def _init_views(self) -> None:
        """What the template reads of views, and the memos of their spelling; `attrs` and `shown` are set."""
        # how a view's extra is laid out, by its keys: (own_extra as it was, the parts saying which are own, the
        # keys whose values are spelled); most views' are alike
        self._layouts: dict[tuple[str, ...], tuple[frozenset[str], list[str], list[str]]] = {}
        self._wanted = self._attrs_of_views()  # what the template reads of a BriefView (its attrs do not change)
        self._shown_record: Record | None = None  # how _shown reads a view's fields
        self._no_links = self._wanted is not None and self._wanted.isdisjoint(VIEW_LINKS)  # no neighbours, no extra
        self._whole = self._wanted is None or not self._wanted.isdisjoint(WHOLE_BRIEF)
        self._seen = self.shown.setdefault(self._wanted, {}) if self._wanted is not None else {}  # this template's
        # the neighbours it reads, got at once
        self._links = record_of("links", tuple(a for a in VIEW_LINKS[:-1] if self._wanted is None or a in self._wanted))

    def _own(self, view: BriefView) -> str:
        """What a whole view stands for of its own brief: every field, by its file's hash, its URL and story name."""
        rendered = view.rendered
        known = self.brief_hashes.get(rendered.brief.path)
        brief = f"R:{known}:{rendered.brief.path}" if known is not None else self.of(rendered)
        return f"{brief}\x1f{view.url}\x1f{view.story_name}"

    def _view(self, view: BriefView, own: str, parts: list[str]) -> list[str]:
        """Appends the spelling of a view, not shallow, that stands for `own`: its neighbours by their own brief
        only, and what a stage added (extra) only if the template reads it."""
        marker, links, get = self._links
        parts += ("view", own, marker)
        if get is not None:
            self._spell(get(view) if len(links) > 1 else (get(view),), True, parts)
        if self._wanted is None or "extra" in self._wanted:
            self._extra(view, self._whole, parts)
        return parts

    def listed(self) -> tuple[frozenset[str], Record] | None:
        """What this template reads of a view, and how `_shown` reads the fields it lists; None when it reads
        whole briefs (or anything)."""
        if self._whole or self._wanted is None:
            return None
        return self._wanted, self._shown_fields(self._wanted)

    def kept_shown(self, view: BriefView) -> str | None:
        """The view's shown digest, made as `_shown` makes it, when `shown` may hold it (its values are plain)."""
        value = self._shown(view, self._wanted)  # type: ignore[arg-type]
        return value if id(view) in self._seen else None

    def _shown_fields(self, wanted: frozenset[str]) -> Record:
        shown = self._shown_record
        if shown is None:  # `wanted` is the template's, the same on every call
            shown = self._shown_record = record_of("shown", tuple(sorted(a for a in wanted if a not in VIEW_LINKS)))
        return shown

    def _shown(self, view: BriefView, wanted: frozenset[str]) -> str:
        key = id(view)  # `wanted` is the template's: self._seen holds its views' digests
        hit = self._seen.get(key)  # holding the view: an id found is this view's
        if hit is not None:
            return hit[1]
        shown = self._shown_fields(wanted)
        values = self._values(view, shown)
        if all(map(REPR_EXACT.__contains__, map(type, values))):  # most: one repr in C says them all
            value = hashed(shown[0], "r" + repr(values))
            self._seen[key] = (view, value)
            return value
        value = hashed(*self._spell(values, True, [shown[0]]))
        if all(map(PLAIN_TYPES.__contains__, map(type, values))):  # plain: no template's attributes shape it
            self._seen[key] = (view, value)
        return value

    def _attrs_of_views(self) -> frozenset[str] | None:
        """What this template reads of a BriefView; None for anything."""
        wanted = None if self.attrs is None else self.attrs.get(_VIEW_KEY, frozenset())
        return None if wanted is None or ALL in wanted else wanted

    def _extra(self, view: BriefView, whole: bool, parts: list[str]) -> None:
        """Appends a view's extra data; what a stage made from the brief's own file counts by that file's
        hash (site-wide settings that feed it rebuild everything), which the view's own digest holds when
        `whole` (the template reads the whole brief)."""
        extra, own_extra = view.extra, view.own_extra
        keys = tuple(extra)
        layout = self._layouts.get(keys)
        if layout is None or layout[0] != own_extra:
            mine = own_extra - self._unowned
            # each key, with "own" or "v" (its value spelled out after them all, in one pass)
            layout = self._layouts[keys] = (frozenset(own_extra), [f"M{len(keys)}", *flat(
                (k, "own" if k in mine else "v") for k in keys)], [k for k in keys if k not in mine])
        parts += layout[1]
        if not whole and len(layout[2]) < len(keys):  # the file's hash, which the view's own digest holds if whole
            known = self.brief_hashes.get(view.brief.path)
            parts.append(known if known is not None else self.of(view.rendered))
        self._spell(list(map(extra.__getitem__, layout[2])), True, parts)
