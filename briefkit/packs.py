"""Values kept pickled until read (Packed), and the files that keep them across builds (Store).

A Store saves an object as a head pickle, rewritten each time, and a pack file its Packed entries are
appended to: a save writes the head and what changed, a load maps the pack and reads entries when asked.
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
VERSION = 1  # bump when the layout of heads or packs changes
GROWTH = 2  # a pack holding this many times its live bytes (and a few MB more) is written anew
SLACK = 4 << 20
SIZE_BITS = 32  # an entry's span is one int: its start in the pack, then its size (one entry < 4 GB)
SIZE_MASK = (1 << SIZE_BITS) - 1


class Damaged(Exception):
    """A Packed entry whose saved bytes do not unpickle (its pack was damaged on disk): its user works it out again."""


class Packed(Generic[K, V]):
    """Values by key, kept as pickled bytes until first asked for: a build reads few of the many saved."""

    def __init__(self, values: dict[K, V] | None = None):
        self.values = values if values is not None else {}
        self.blobs: dict[K, bytes] = {}  # pickled, not in the pack (yet)
        self.spans: dict[K, int] = {}  # where in the pack: start << SIZE_BITS | size
        self.pack: mmap.mmap | bytes = b""  # the pack as mapped when loaded; later entries are in blobs
        self.gen = -1  # which pack the spans are in

    def __getitem__(self, key: K) -> V:
        try:
            return self.values[key]
        except KeyError:
            blob = self.packed(key)
        try:
            value = self.values[key] = pickle.loads(blob)
        except Exception as exc:  # noqa: BLE001 - a pack damaged on disk: its bytes raise anything
            raise Damaged(f"a saved entry could not be read ({type(exc).__name__})") from None
        return value

    def packed(self, key: K) -> bytes:
        """The pickled value at key."""
        blob = self.blobs.get(key)
        if blob is None:
            if key not in self.spans:
                self.blobs[key] = blob = pickle.dumps(self.values[key], protocol=pickle.HIGHEST_PROTOCOL)
            else:
                span = self.spans[key]
                start = span >> SIZE_BITS
                blob = self.pack[start : start + (span & SIZE_MASK)]
        return blob

    def get(self, key: K, default: V) -> V:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return key in self.values or key in self.blobs or key in self.spans

    def held(self) -> set[K]:
        return self.values.keys() | self.blobs.keys() | self.spans.keys()

    def __setitem__(self, key: K, value: V) -> None:
        self.values[key] = value
        self.blobs.pop(key, None)
        self.spans.pop(key, None)

    def __delitem__(self, key: K) -> None:
        if key not in self:
            raise KeyError(key)
        self.values.pop(key, None)
        self.blobs.pop(key, None)
        self.spans.pop(key, None)

    def copy(self) -> Packed[K, V]:
        """A copy to change without touching this one (values are shared, never changed in place)."""
        other: Packed[K, V] = Packed(dict(self.values))
        other.blobs, other.spans, other.pack, other.gen = dict(self.blobs), dict(self.spans), self.pack, self.gen
        return other

    def take(self, key: K, other: Packed[K, V], at: K) -> None:
        """Set key to other's value at `at` without unpickling or pickling it."""
        if not self.spans and self.gen != other.gen:
            self.pack, self.gen = other.pack, other.gen
        if other.gen != self.gen and at in other.spans:  # from another pack: carry the bytes
            self.blobs[key] = other.packed(at)
            self.values.pop(key, None)
            self.spans.pop(key, None)
            return
        self.values.pop(key, None)
        self.blobs.pop(key, None)
        self.spans.pop(key, None)
        if at in other.values:
            self.values[key] = other.values[at]
        if at in other.blobs:
            self.blobs[key] = other.blobs[at]
        if at in other.spans:
            self.spans[key] = other.spans[at]

    def __getstate__(self) -> dict[K, bytes]:
        return {key: self.packed(key) for key in self.held()}

    def __setstate__(self, blobs: dict[K, bytes]) -> None:
        self.__init__()  # type: ignore[misc]
        self.blobs = blobs


def _unattached(*_: Any) -> Packed[Any, Any]:
    raise pickle.UnpicklingError("a Packed saved by a Store is read back by its Store")


class Store:
    """An object saved in `folder` as `<name>.pickle` (the head) and `<name>-<n>.pack` (its Packed entries)."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.gen, self.size = -1, 0  # the pack appended to (-1: write a new one) and its bytes in use

    def _pack(self, gen: int) -> Path:
        return self.folder / f"{self.name}-{gen}.pack"

    def load(self, key: str) -> Any | None:
        """The object last saved with this key, or None when there is none, or it is damaged or stale."""
        try:
            with open(self.folder / f"{self.name}.pickle", "rb") as fh:
                meta = pickle.load(fh)
                if not (isinstance(meta, tuple) and meta[:2] == (VERSION, key)):
                    return None
                gen, size = meta[2:]
                with open(self._pack(gen), "rb") as pf:
                    pack: mmap.mmap | bytes = mmap.mmap(pf.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
                if len(pack) < size:
                    return None
                obj = _Reader(fh, pack, gen).load()
        except Exception:  # noqa: BLE001 - damaged bytes raise anything (MemoryError, KeyError ...)
            return None
        self.gen, self.size = gen, size
        return obj

    def save(self, key: str, obj: Any) -> None:
        """Append what changed to the pack and write the head; write a new pack when the old one is mostly dead."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            intact = self.gen >= 0 and self._pack(self.gen).stat().st_size >= self.size
        except OSError:
            intact = False
        if intact:
            live, self.size = self._write(key, obj, self.gen)
            if self.size <= GROWTH * live + SLACK:
                return
        gen = max([self.gen, *(int(p.stem.rsplit("-", 1)[1]) for p in self.folder.glob(f"{self.name}-*.pack")
                               if p.stem.rsplit("-", 1)[1].isdigit())]) + 1
        self._pack(gen).unlink(missing_ok=True)
        _, self.size = self._write(key, obj, gen)
        for old in self.folder.glob(f"{self.name}-*.pack"):
            if old != self._pack(gen):
                try:
                    old.unlink()
                except OSError:  # still mapped elsewhere (Windows): removed by a later save
                    pass
        self.gen = gen

    def _write(self, key: str, obj: Any, gen: int) -> tuple[int, int]:
        """Save obj against pack `gen`; returns the pack's live and total bytes."""
        with open(self._pack(gen), "ab") as out:
            head = io.BytesIO()
            writer = _Writer(head, out, gen)
            writer.dump(obj)
            size = out.tell()
        tmp = self.folder / f".{self.name}.pickle.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump((VERSION, key, gen, size), fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.write(head.getbuffer())
        os.replace(tmp, self.folder / f"{self.name}.pickle")
        return writer.live, size


class _Writer(pickle.Pickler):
    """Pickles the head; each Packed met on the way has its new entries appended to the pack."""

    def __init__(self, head: io.BytesIO, out: Any, gen: int):
        super().__init__(head, protocol=pickle.HIGHEST_PROTOCOL)
        self.out, self.gen, self.live = out, gen, 0

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is not Packed:
            return NotImplemented
        fresh = obj.gen != self.gen  # its spans point into another pack
        spans = {} if fresh else obj.spans
        for key in obj.held():
            if key not in spans:
                blob = obj.packed(key)
                spans[key] = self.out.tell() << SIZE_BITS | len(blob)
                self.out.write(blob)
                obj.blobs[key] = blob  # the mapped pack ends before it
        obj.spans, obj.gen = spans, self.gen
        if fresh:  # every entry is in blobs now; the spans are in a pack this process has not mapped
            obj.pack = b""
        self.live += sum(span & SIZE_MASK for span in spans.values())
        return _unattached, (spans,)


class _Reader(pickle.Unpickler):
    def __init__(self, fh: Any, pack: mmap.mmap | bytes, gen: int):
        super().__init__(fh)
        self.pack, self.gen = pack, gen

    def find_class(self, module: str, name: str) -> Callable[..., Any]:
        if (module, name) == (__name__, "_unattached"):
            return self._attach
        return super().find_class(module, name)  # type: ignore[no-any-return]

    def _attach(self, spans: dict[Any, int]) -> Packed[Any, Any]:
        packed: Packed[Any, Any] = Packed()
        packed.spans, packed.pack, packed.gen = spans, self.pack, self.gen
        return packed
