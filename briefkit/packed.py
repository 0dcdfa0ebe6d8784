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
import sys
from typing import Any, ClassVar, TypeVar

_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]  # what pickle calls for a plain object's reduce
P = TypeVar("P", bound="type[Packed]")


class Packed:
    """A record whose PACKED groups of fields may each arrive as one pickle (`_packed<n>` for the n-th group),
    unpickled when one of its fields is first read. A subclass is decorated with `packs`."""

    PACKED: ClassVar[tuple[tuple[str, ...], ...]] = ()
    _KEYS: ClassVar[tuple[str, ...]] = ()  # `_packed<n>` of each group, interned as field names are


class _Unpacks:
    """A packed field on its class: Python asks it only for an instance that does not hold the field (in its
    __dict__) yet. The class has no __getattr__ or __setstate__, so pickle builds each record in C."""

    def __init__(self, name: str, key: str, group: tuple[str, ...]):
        self.name, self.key, self.group = name, key, group

    def __get__(self, obj: Any, kind: type | None = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        packed = d.get(self.key)
        if packed is not None:
            d.update(zip(self.group, pickle.loads(packed)))
            d.pop(self.key, None)  # not del: another thread (serve) may have unpacked it meanwhile
        elif self.name not in d:
            raise AttributeError(self.name)
        return d[self.name]


def packs(cls: P) -> P:
    """A Packed dataclass made ready to unpack: each packed field's class attribute (the default @dataclass
    leaves, which __init__ does not read) becomes the _Unpacks of its group. The groups' keys are interned:
    a pickle then holds each once, not once for each record (and pickle interns a state's keys as it builds)."""
    cls._KEYS = tuple(sys.intern(f"_packed{n}") for n in range(len(cls.PACKED)))
    for key, group in zip(cls._KEYS, cls.PACKED):
        for name in group:
            setattr(cls, name, _Unpacks(name, key, group))
    return cls


def for_cache(obj: Packed) -> tuple[Any, ...]:
    """How the build cache pickles a Packed record: each group of its PACKED fields as one pickle, the rest
    as they are. A group's pickle is a PickleBuffer: the cache's files keep it out of band (shards.dump),
    and a record loaded from one holds a view of its bytes in the file's mapping until read."""
    state = dict(obj.__dict__)
    for key, group in zip(type(obj)._KEYS, type(obj).PACKED):
        packed = state.get(key)
        if packed is None:
            packed = pickle.dumps(tuple(state.pop(name) for name in group), pickle.HIGHEST_PROTOCOL)
        state[key] = pickle.PickleBuffer(packed)
    return _NEWOBJ, (type(obj),), state


def _as_bytes(view: memoryview) -> tuple[Any, ...]:
    return bytes, (view.tobytes(),)


# a record loaded from the cache and not yet read holds its groups as memoryviews (see for_cache), which pickle
# cannot send as they are: any other pickle (a worker's results) sends their bytes
copyreg.pickle(memoryview, _as_bytes)
