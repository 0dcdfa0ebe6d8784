"""The only module that touches the output folder: write changed bytes, drop stale files.

Never writes outside the output folder; leaves files whose bytes are unchanged alone.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int
    written_paths: tuple[str, ...] = ()  # output paths, as in the site's files
    removed_paths: tuple[str, ...] = ()


class OutsideOutput(Exception):
    """An output path that would land outside the output folder (a bug or a hostile name)."""


def _target(out: Path, rel: str) -> Path:
    target = (out / rel).resolve()
    if not target.is_relative_to(out) or target == out:
        raise OutsideOutput(f"refusing to write {rel!r} outside {out}")
    return target


def write_site(out: Path, files: Mapping[str, bytes], kept: Collection[str] = ()) -> WriteStats:
    """Make `out` hold exactly `files`: write what differs, remove what is no longer built.

    `kept` names files known to be on disk as they should be (the build cache checked them).
    """
    out = out.resolve()
    # check every new path before touching disk; kept files were checked when they were written
    targets = {rel: _target(out, rel) for rel in files if rel not in kept}
    out.mkdir(parents=True, exist_ok=True)
    changed = [rel for rel in sorted(targets) if _write_one(out, targets[rel], files[rel])]
    removed = _remove_stale(out, {str(t) for t in targets.values()} | {os.path.join(out, rel) for rel in kept})
    return WriteStats(len(changed), len(files) - len(changed), len(removed), tuple(changed), tuple(removed))


def write_files(out: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write a few files whose bytes differ (serve's quick pass); leave every other file alone."""
    out = out.resolve()
    targets = {rel: _target(out, rel) for rel in files}
    return [rel for rel in sorted(targets) if _write_one(out, targets[rel], files[rel])]


def _write_one(out: Path, target: Path, data: bytes) -> bool:
    """Replace `target` atomically unless it already holds `data`; True when written."""
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except (NotADirectoryError, IsADirectoryError):
        _clear_way(out, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        _clear_way(out, target)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return True


def _clear_way(out: Path, target: Path) -> None:
    """A file where a folder must go, or a folder where a file must go: remove it."""
    for parent in [target, *target.parents]:
        if parent == out:
            return
        if parent.is_file() or parent.is_symlink():
            parent.unlink()
            return
        if parent == target and parent.is_dir():
            for root, dirs, names in os.walk(parent, topdown=False):
                for n in names:
                    os.unlink(os.path.join(root, n))
                for d in dirs:
                    os.rmdir(os.path.join(root, d))
            parent.rmdir()
            return


def _remove_stale(out: Path, keep: set[str]) -> list[str]:
    """Remove files not in `keep`, then folders left empty; bottom-up, so a folder's entries are known
    before the folder itself (one scandir per folder, none more to ask whether it is empty)."""
    removed = []
    emptied: set[str] = set()
    for root, dirs, names in os.walk(out, topdown=False):
        left = 0
        for name in names:
            path = os.path.join(root, name)
            if path in keep:
                left += 1
            else:
                os.unlink(path)
                removed.append(os.path.relpath(path, out).replace(os.sep, "/"))
        for d in dirs:
            full = os.path.join(root, d)
            if full in emptied:
                continue
            if os.path.islink(full):
                os.unlink(full)
            else:
                left += 1
        if not left and root != str(out):
            os.rmdir(root)
            emptied.add(root)
    return removed
