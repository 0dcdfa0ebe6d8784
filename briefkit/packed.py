"""Fields the build cache keeps pickled until first read: the Packed base of such records, and for_cache, the
reducer (as copyreg's) the cache pickles them with.

A one-brief edit loads every brief from the cache and reads some fields (a brief's HTML, where each of its
front-matter fields was written) of a few; unpickling them all was a fifth of loading the cache at 4,000
briefs. Other pickles (a worker's results) hold every field as it is.
"""

from __future__ import annotations

import copyreg
import pickle
from typing import Any, ClassVar

_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]  # what pickle calls for a plain object's reduce


class Packed:
    """A record whose PACKED fields may arrive as one pickle (`_packed`), unpickled when one is first read."""

    PACKED: ClassVar[tuple[str, ...]] = ()

    def __getattr__(self, name: str) -> Any:  # only called for an attribute not there
        d = self.__dict__
        packed = d.get("_packed")
        if packed is None or name not in type(self).PACKED:
            raise AttributeError(name)
        d.update(zip(type(self).PACKED, pickle.loads(packed)))
        d.pop("_packed", None)  # not del: another thread (serve) may have unpacked it meanwhile
        return d[name]

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # as pickle would without it; saves it asking __getattr__ for this method


def for_cache(obj: Packed) -> tuple[Any, ...]:
    """How the build cache pickles a Packed record: its PACKED fields as one pickle, the rest as they are."""
    state = dict(obj.__dict__)
    if "_packed" not in state:
        state["_packed"] = pickle.dumps(tuple(state.pop(name) for name in type(obj).PACKED), pickle.HIGHEST_PROTOCOL)
    return _NEWOBJ, (type(obj),), state
