"""The build cache's pickle files: whole ones (the state), and memos spread over a few shard files.

A memo saved in shards (the parsed briefs, the link checker's pages) is split by key over SHARDS
files, so that one edit rewrites few of them; entries never change under their key, so a file
whose keys are the same as on disk is not written again. Every file is written to a temporary
name and then renamed: a build stopped halfway leaves the last whole file.

A file is a small pickle of the sizes of its out-of-band buffers (pickle protocol 5: the packed fields of a
brief, packed.for_cache), the pickle of its value, then those buffers back to back. It is read by mapping it:
the buffers are unpickled as views of the mapping, not copied, as most are never read (24 of the 35 MB of
parsed briefs at 4,000 briefs, a third of loading them). A file is only ever replaced, never written in
place, so a mapping keeps the bytes it was made with.
"""

from __future__ import annotations

import copyreg
import io
import mmap
import os
import pickle
import struct
from collections.abc import Callable, Hashable, Iterator, Mapping
from itertools import accumulate
from pathlib import Path
from typing import Any

FORMAT = 15  # bump when the pickled layout changes
SHARDS = 16


class Shards:
    """Memos saved as `<name>-<n>.pickle` for n < SHARDS: each file holds, for the memo key they were made
    under (the engine and settings), its keys' entries of every memo saved together (one dict each)."""

    def __init__(self, folder: Path | None, name: str, shard_of: Callable[[Any], int],
                 reducers: Mapping[type, Callable[[Any], Any]] | None = None):
        self.folder, self.name, self.shard_of = folder, name, shard_of
        self.reducers = reducers  # a type -> how its objects are pickled in these files (as copyreg's)
        self.saved: dict[int, frozenset[Hashable]] = {}  # the keys in each file on disk

    def _file(self, shard: int) -> Path:
        assert self.folder is not None
        return self.folder / f"{self.name}-{shard:x}.pickle"

    def load(self, key: str, memos: int) -> list[dict[Any, Any]]:
        """The entries of each of `memos` memos saved under `key`; empty ones when there are none."""
        out: list[dict[Any, Any]] = [{} for _ in range(memos)]
        for shard in range(SHARDS) if self.folder is not None else ():
            loaded = undump(self._file(shard))
            if loaded is not None and loaded[0] == key and len(loaded) == memos + 1:
                for entries, part in zip(out, loaded[1:]):
                    entries.update(part)
                self.saved[shard] = frozenset().union(*loaded[1:])
        return out

    def save(self, key: str, *memos: Mapping[Any, Any]) -> None:
        """Write the files whose keys changed since they were loaded or saved."""
        parts: list[list[dict[Any, Any]]] = [[{} for _ in memos] for _ in range(SHARDS)]
        for which, memo in enumerate(memos):
            for k, value in memo.items():
                parts[self.shard_of(k)][which][k] = value
        for shard, dicts in enumerate(parts):
            keys = frozenset().union(*dicts)
            if self.saved.get(shard) != keys:
                dump(self._file(shard), (key, *dicts), self.reducers)
                self.saved[shard] = keys


def dump(path: Path, value: tuple[Any, ...], reducers: Mapping[type, Callable[[Any], Any]] | None = None) -> None:
    buffers: list[pickle.PickleBuffer] = []
    body = io.BytesIO()
    pickler = pickle.Pickler(body, protocol=pickle.HIGHEST_PROTOCOL, buffer_callback=buffers.append)
    if reducers:
        pickler.dispatch_table = {**copyreg.dispatch_table, **reducers}
    pickler.dump((FORMAT, *value))
    views = [buffer.raw() for buffer in buffers]
    sizes = pickle.dumps(tuple(view.nbytes for view in views), protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(_HEAD.pack(len(sizes), body.tell()))
        fh.write(sizes)
        fh.write(body.getbuffer())
        fh.writelines(views)
    os.replace(tmp, path)


_HEAD = struct.Struct("<QQ")  # the sizes' pickle and the value's, in bytes


def undump(path: Path) -> tuple[Any, ...] | None:
    """A saved tuple, or None when it is missing, damaged or from another version."""
    try:
        with open(path, "rb") as fh:
            head, size = _HEAD.unpack(fh.read(_HEAD.size))
            sizes = pickle.loads(fh.read(head))
            if os.name == "nt":  # Windows cannot replace a file that is mapped: there it is read
                rest = memoryview(fh.read())
                return _loaded(pickle.loads(rest[:size], buffers=_buffers(rest, size, sizes)))
            # the buffers mapped; the value read, as all of it is unpickled (faulting in pages is slower)
            view = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)) if sizes else memoryview(b"")
            return _loaded(pickle.load(fh, buffers=_buffers(view, _HEAD.size + head + size, sizes)))
    except Exception:  # noqa: BLE001 - damaged bytes raise anything (MemoryError, KeyError, RecursionError ...)
        return None


def _buffers(view: memoryview, start: int, sizes: tuple[int, ...]) -> Iterator[memoryview]:
    """The out-of-band buffers at `start` in view, as views of it."""
    ends = list(accumulate(sizes, initial=start))
    if sizes and ends[-1] > len(view):
        raise ValueError("a file shorter than its buffers")
    return map(view.__getitem__, map(slice, ends, ends[1:]))


def _loaded(loaded: Any) -> tuple[Any, ...] | None:
    return tuple(loaded[1:]) if isinstance(loaded, tuple) and loaded and loaded[0] == FORMAT else None
