"""Fields the build cache keeps pickled until first read: the Packed base of such records, and for_cache, the
reducer (as copyreg's) the cache pickles them with.

A one-brief edit loads every brief from the cache and reads some fields (a brief's HTML, where each of its
front-matter fields was written, its sources, its facts) of a few; unpickling them all was over half of
loading the cache at 4,000 briefs. Fields read together are packed together, each group as one pickle:
the facts, which a story's briefs read in every build, are not unpacked with the page's HTML. Other
pickles (a worker's results) hold every field as it is.
"""

from __future__ import annotations

import copyreg
import pickle
from typing import Any, ClassVar, TypeVar

_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]  # what pickle calls for a plain object's reduce
P = TypeVar("P", bound="type[Packed]")


class Packed:
    """A record whose PACKED groups of fields may each arrive as one pickle (`_packed<n>` for the n-th group),
    unpickled when one of its fields is first read. A subclass is decorated with `packs`."""

    PACKED: ClassVar[tuple[tuple[str, ...], ...]] = ()
    _GROUPS: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {}  # a packed field -> its group's key and fields

    def __getattr__(self, name: str) -> Any:  # only called for an attribute not there
        group = type(self)._GROUPS.get(name)
        d = self.__dict__
        packed = d.get(group[0]) if group is not None else None
        if packed is None:
            raise AttributeError(name)
        d.update(zip(group[1], pickle.loads(packed)))
        d.pop(group[0], None)  # not del: another thread (serve) may have unpacked it meanwhile
        return d[name]

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # as pickle would without it; saves it asking __getattr__ for this method


def packs(cls: P) -> P:
    """A Packed dataclass made ready to unpack: its fields' groups, and no class attribute for a packed
    field's default (@dataclass leaves one, which a packed instance would show instead of its own value;
    __init__ does not read it)."""
    cls._GROUPS = {name: (f"_packed{n}", group) for n, group in enumerate(cls.PACKED) for name in group}
    for name in cls._GROUPS:
        if name in cls.__dict__:
            delattr(cls, name)
    return cls


def for_cache(obj: Packed) -> tuple[Any, ...]:
    """How the build cache pickles a Packed record: each group of its PACKED fields as one pickle, the rest
    as they are."""
    state = dict(obj.__dict__)
    for n, group in enumerate(type(obj).PACKED):
        if f"_packed{n}" not in state:
            state[f"_packed{n}"] = pickle.dumps(tuple(state.pop(name) for name in group), pickle.HIGHEST_PROTOCOL)
    return _NEWOBJ, (type(obj),), state
