"""What changed since the last good build: settings and input files compared by content hash. Pure."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

DAY = "today"  # the build's date in a build key
Stamp = tuple[int, int, int, int]  # a file's size, modification and change times (ns) and inode
SETTLE_NS = 2_000_000_000  # a file changed this close to a build's reading may change again unseen in one clock tick


def stamp_of(st: os.stat_result) -> Stamp:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def unchanged_test(hashes: Mapping[str, str], stamps: Mapping[str, Stamp],
                   read_at: int) -> Callable[[str, Stamp], str | None]:
    """A test giving the content hash the last good build found for a file (by its key and stamp now), when the
    file was left alone since: the same size, times and inode, and last changed well before that build read it
    (an edit in the same clock tick as the reading could keep all four). None: read it again. Made once for a
    build's files: read_inputs asks it of 4,000 briefs."""
    settled = read_at - SETTLE_NS
    was, hash_of = stamps.get, hashes.get

    def test(key: str, now: Stamp) -> str | None:
        return hash_of(key) if was(key) == now and now[1] < settled else None

    return test


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Changes:
    """How the inputs differ from the last good build's."""

    full: str = ""  # why every page is rendered again; empty for an incremental build
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    new_day: bool = False  # the date moved on: forecasts may have fallen overdue, on the pages that show them

    @property
    def nothing(self) -> bool:
        return not (self.full or self.added or self.removed or self.modified or self.new_day)

    def describe(self) -> str:
        if self.full:
            return f"all rebuilt: {self.full}"
        day = ", a new day" if self.new_day else ""
        return f"{len(self.added)} added, {len(self.modified)} changed, {len(self.removed)} removed{day}"


def classify(old_key: Mapping[str, str] | None, new_key: Mapping[str, str],
             old_inputs: Mapping[str, str], new_inputs: Mapping[str, str]) -> Changes:
    """Compare two builds' settings (`key`: templates, site.yaml, ...) and input file hashes.

    Any setting that differs rebuilds everything, except the date (`today`): pages count forecasts as
    open or overdue by it, and their fingerprints tell which ones it changed."""
    if old_key is None:
        return Changes(full="no earlier build")
    differ = [name for name in sorted(set(old_key) | set(new_key)) if old_key.get(name) != new_key.get(name)]
    if set(differ) - {DAY}:
        return Changes(full=", ".join(name for name in differ if name != DAY) + " changed")
    return Changes(
        added=tuple(sorted(set(new_inputs) - set(old_inputs))),
        removed=tuple(sorted(set(old_inputs) - set(new_inputs))),
        modified=tuple(sorted(p for p in new_inputs.keys() & old_inputs.keys() if new_inputs[p] != old_inputs[p])),
        new_day=DAY in differ,
    )
