"""What a page's template reads: the parts of `site` (SiteReads) and, by type, the attributes of the
objects it is handed (ReadLog), so that a page's fingerprint (fingerprint.py) covers just those."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from .listings import SiteData

F = TypeVar("F", bound=Callable[..., Any])
Read = tuple[str, ...]  # ("topics",) or ("extra", "balance"): a part of `site` a page read
PLAIN = (str, int, float, bool, bytes, type(None), date, datetime, time, timedelta)  # values, not objects read
_PLAIN_TYPES = frozenset(PLAIN)
ALL = "*"  # an attribute set meaning: anything may be read
MISSING = "\x00missing"  # what a read names that is gone, or an attribute a record lacks


def type_key(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


class SiteReads:
    """`site` as one page's template sees it, noting which parts it reads."""

    def __init__(self, site: SiteData, log: ReadLog | None = None):
        object.__setattr__(self, "_site", site)
        object.__setattr__(self, "reads", set())
        object.__setattr__(self, "seen", {})  # type -> the names read of it; filled by `log`
        object.__setattr__(self, "_log", log)

    @property
    def attrs(self) -> dict[str, set[str]]:
        """What the page read of each type of object, by type key (ALL for anything)."""
        return self._log.attrs(self.seen) if self._log is not None else {}

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._site, name)
        if isinstance(value, Mapping):
            return MappingReads(value, name, self.reads)
        self.reads.add((name,))
        return value

    def __repr__(self) -> str:
        return repr(self._site)


class MappingReads(Mapping[Any, Any]):
    """A dict of `site` (extra, by_slug): reading one key notes that key, listing it notes all."""

    def __init__(self, data: Mapping[Any, Any], name: str, reads: set[Read]):
        self._data, self._name, self._reads = data, name, reads

    def __getitem__(self, key: Any) -> Any:
        self._reads.add((self._name, key) if isinstance(key, str) else (self._name,))
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        self._reads.add((self._name,))
        return iter(self._data)

    def __len__(self) -> int:
        self._reads.add((self._name,))
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)


_CONTAINERS = (Mapping, list, tuple, set, frozenset, str, SiteReads)
_READS_NOTHING = {len, range, enumerate, zip, abs, round}  # of the objects handed to them


def plain_values(fn: F) -> F:
    """Marks a template filter or function that takes plain values only (text, numbers, dates), so
    reads nothing of an object: ReadLog calls it as it is, unwrapped (its wrapper on each of some
    150,000 calls of iso, long_date and url() would be a twentieth of a cached build's rendering)."""
    fn.plain_values = True  # type: ignore[attr-defined]
    return fn


class ReadLog:
    """Which attributes of which types a template reads, noted through Jinja's getattr and getitem.

    Objects handed to a custom filter, test or function may be read in any way: all of them count.
    While a page renders, `current` gathers the names read of each type (ALL for a method, which may
    read anything of its object); attrs() turns the types into type keys, leaving out plain values.
    """

    def __init__(self) -> None:
        self.current: dict[type, set[str]] | None = None
        self._keys: dict[type, str | None] = {}  # type -> its key, None for types not worth noting

    def install(self, env: Any) -> None:
        get_attr, get_item = env.getattr, env.getitem

        def getattr_(obj: Any, attribute: str, _default: Any = None) -> Any:
            """Jinja's getattr, noted; as a template's getattr_first (engine._Template) it is given a default,
            which it never needs: it finds the attribute, an item of that name, or undefined."""
            try:  # Jinja's own first step, inline: a second Python call per attribute cost 5% of a render
                value = getattr(obj, attribute)
            except AttributeError:
                value = get_attr(obj, attribute)  # then an item of that name, or undefined
            seen = self.current
            if seen is not None:  # the hot path of every template: kept inline and keyed by type
                names = seen.get(type(obj))
                if names is None:
                    names = seen[type(obj)] = set()
                names.add(ALL if callable(value) and not isinstance(value, type) else attribute)
            return value

        def getitem_(obj: Any, argument: Any) -> Any:
            try:
                value = obj[argument]
            except (AttributeError, TypeError, LookupError):
                value = get_item(obj, argument)  # an attribute of that name, or undefined
            seen = self.current
            if seen is not None and isinstance(argument, str):
                seen.setdefault(type(obj), set()).add(
                    ALL if callable(value) and not isinstance(value, type) else argument)
            return value

        env.getattr, env.getitem = getattr_, getitem_
        # a template loaded before now reads a.b by the builtin getattr (engine._Template's getattr_first), past
        # getattr_: loaded again, its getattr_first is getattr_, which notes each read
        for loaded in (getattr(env, "_by_name", None), env.cache):
            if loaded:
                loaded.clear()
        for table in (env.filters, env.tests, env.globals):
            for name, fn in list(table.items()):
                if callable(fn) and fn not in _READS_NOTHING and not isinstance(fn, type) \
                        and not getattr(fn, "plain_values", False) \
                        and not getattr(fn, "__module__", "").startswith("jinja2"):
                    table[name] = self._wrap(fn)

    def attrs(self, seen: Mapping[type, set[str]]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for kind, names in seen.items():
            key = self._keys[kind] if kind in self._keys else self._key(kind)
            if key is not None:
                out.setdefault(key, set()).update(names)
        return out

    def _wrap(self, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self._everything(args, kwargs.values())
            return fn(*args, **kwargs)
        return wrapper

    def _key(self, kind: type) -> str | None:
        key = self._keys[kind] = None if kind in _PLAIN_TYPES or issubclass(kind, _CONTAINERS) else type_key(kind)
        return key

    def _everything(self, *groups: Any) -> None:
        seen = self.current
        if seen is None:
            return
        for group in groups:
            for value in group:
                if type(value) in _PLAIN_TYPES:  # most arguments: nothing of an object is handed over
                    continue
                if isinstance(value, Mapping):
                    items: Any = value.values()
                else:
                    items = value if isinstance(value, (list, tuple, set, frozenset)) else (value,)
                for v in items:
                    seen.setdefault(type(v), set()).add(ALL)


def resolve(site: SiteData, read: Read) -> Any:
    """The value a recorded read names, or MISSING when it is gone."""
    value: Any = getattr(site, read[0], MISSING)
    if len(read) > 1 and value is not MISSING:
        value = value.get(read[1], MISSING) if isinstance(value, Mapping) else MISSING
    return value
