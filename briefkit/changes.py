"""What changed since the last good build: settings and input files compared by content hash. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Changes:
    """How the inputs differ from the last good build's."""

    full: str = ""  # why every page is rendered again; empty for an incremental build
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not (self.full or self.added or self.removed or self.modified)

    def describe(self) -> str:
        if self.full:
            return f"all rebuilt: {self.full}"
        return f"{len(self.added)} added, {len(self.modified)} changed, {len(self.removed)} removed"


def classify(old_key: Mapping[str, str] | None, new_key: Mapping[str, str],
             old_inputs: Mapping[str, str], new_inputs: Mapping[str, str]) -> Changes:
    """Compare two builds' settings (`key`: templates, site.yaml, ...) and input file hashes."""
    if old_key is None:
        return Changes(full="no earlier build")
    differ = [name for name in sorted(set(old_key) | set(new_key)) if old_key.get(name) != new_key.get(name)]
    if differ:
        return Changes(full=", ".join(differ) + " changed")
    return Changes(
        added=tuple(sorted(set(new_inputs) - set(old_inputs))),
        removed=tuple(sorted(set(old_inputs) - set(new_inputs))),
        modified=tuple(sorted(p for p in new_inputs.keys() & old_inputs.keys() if new_inputs[p] != old_inputs[p])),
    )
