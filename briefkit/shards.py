"""The build cache's pickle files: whole ones (the state), and memos spread over a few shard files.

A memo saved in shards (the parsed briefs, the link checker's pages) is split by key over SHARDS
files, so that one edit rewrites few of them; entries never change under their key, so a file
whose keys are the same as on disk is not written again. Every file is written to a temporary
name and then renamed: a build stopped halfway leaves the last whole file.
"""

from __future__ import annotations

import copyreg
import os
import pickle
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

FORMAT = 12  # bump when the pickled layout changes
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
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
        if reducers:
            pickler.dispatch_table = {**copyreg.dispatch_table, **reducers}
        pickler.dump((FORMAT, *value))
    os.replace(tmp, path)


def undump(path: Path) -> tuple[Any, ...] | None:
    """A saved tuple, or None when it is missing, damaged or from another version."""
    try:
        with open(path, "rb") as fh:
            loaded = pickle.load(fh)
    except Exception:  # noqa: BLE001 - damaged bytes raise anything (MemoryError, KeyError, RecursionError ...)
        return None
    return tuple(loaded[1:]) if isinstance(loaded, tuple) and loaded and loaded[0] == FORMAT else None
