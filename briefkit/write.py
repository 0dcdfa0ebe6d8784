"""The only module that touches the output folder: write changed bytes, drop stale files.

Never writes outside the output folder; leaves files whose bytes are unchanged alone. A first site,
into a folder with nothing to keep, may be written while the build still checks it (early.py).
Only a folder a build wrote (it holds MARKER) is cleared of files the site no longer has; hidden
files (a .git of a checked-out gh-pages branch) are never removed.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .changes import SETTLE_NS

MARKER = ".briefkit-site"  # in every output folder a build writes: the files beside it are the site's to remove
MARKER_TEXT = (b"This folder is a site built by briefkit. Each build makes it hold the site and nothing else: files\n"
               b"the site no longer has are removed. Hidden files and folders, such as .git, are left alone.\n")


def foreign_entries(out: Path) -> list[str]:
    """The files and folders in `out` that a build would remove or overwrite without knowing it made them: its
    visible entries when it holds no MARKER, sorted; none when it is missing, empty or a build's."""
    try:
        with os.scandir(out) as entries:
            names = sorted(e.name + ("/" if e.is_dir() else "") for e in entries if not e.name.startswith("."))
    except OSError:  # missing (a first build makes it), or a file: writing says what is wrong
        return []
    return names if names and not (out / MARKER).is_file() else []


# A folder's entries as the sweep for stale files last listed it: its inode and change time, then each entry's name
# and kind ("." hidden, "f" a file, "d" a folder). A folder's change time moves with any entry added, removed or
# renamed in it, so one whose inode and change time are the same holds the same entries: it need not be listed.
Seen = tuple[int, int, tuple[tuple[str, str], ...]]
Listing = dict[str, Seen]  # real folder path -> Seen


def as_listed(listing: Mapping[str, Seen]) -> bool:
    """Whether every folder of a listing is still as listed (the same inode and change time): no entry came,
    went or was renamed in any of them."""
    for folder, (inode, changed, _) in listing.items():
        try:
            st = os.stat(folder)
        except OSError:
            return False
        if st.st_ino != inode or st.st_ctime_ns != changed:
            return False
    return True


@dataclass(frozen=True)
class WriteStats:
    """What a write did to the output folder: files written, left as they were and removed."""

    written: int
    unchanged: int
    removed: int
    written_paths: tuple[str, ...] = ()  # output paths, as in the site's files
    removed_paths: tuple[str, ...] = ()
    # the folders as this write left them, for the next write_site to skip listing those still so (Listing)
    listing: Listing | None = field(default=None, compare=False, repr=False)


class OutsideOutput(Exception):
    """An output path that would land outside the output folder (a bug or a hostile name)."""


class _Targets:
    """Output paths -> the real files they name, refusing any outside the output folder (through
    "..", or a symlink in the folder that points out of it). Each folder is looked at once, not
    every path's every component (33,000 lstat calls for a 4,000-brief site)."""

    def __init__(self, out: Path):
        self.out = out  # resolved
        self.root = str(out)
        self.prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
        self.folders: dict[str, str] = {"": self.root}  # output folder path -> its real path

    def __call__(self, rel: str) -> str:
        folder, _, name = rel.rpartition("/")
        if not _plain(rel):  # "..", ".", "//", a backslash, an absolute path: as the OS reads them
            real = str((self.out / rel).resolve())
        else:
            real = os.path.join(self._folder(folder), name)
            if os.path.islink(real):
                real = os.path.realpath(real)
        if not real.startswith(self.prefix) or real == self.prefix:
            raise OutsideOutput(f"{rel} would be written to {real}, outside the folder: a link in it leads out")
        return real

    def _folder(self, rel: str) -> str:
        real = self.folders.get(rel)
        if real is None:
            parent, _, name = rel.rpartition("/")
            real = os.path.join(self._folder(parent), name)
            if os.path.islink(real):
                real = os.path.realpath(real)
            self.folders[rel] = real
        return real


def _plain(rel: str) -> bool:
    parts = rel.split("/")
    return (not rel.startswith("/") and "\\" not in rel and ":" not in parts[0]
            and all(part not in ("", ".", "..") for part in parts))


def write_site(out: Path, files: Mapping[str, bytes], kept: Collection[str] = (),
               listed: Mapping[str, Seen] | None = None) -> WriteStats:
    """Make `out` hold exactly `files`: write what differs, remove what is no longer built.

    `kept` names files known to be on disk as they should be (the build cache checked them). `listed`: the
    last write's WriteStats.listing (the build cache keeps it), so that folders unchanged since are not listed.
    """
    out = out.resolve()
    # kept files were checked when they were written
    targets, changed = _write_differing(out, files, [rel for rel in files if rel not in kept])
    prefix = os.path.join(out, "")  # the folder and a separator: one join, not one for each of 5,000 kept files
    removed, listing = _remove_stale(out, set(targets.values()) | {prefix + rel for rel in kept}, listed or {})
    return WriteStats(len(changed), len(files) - len(changed), len(removed), tuple(changed), tuple(removed),
                      listing)


def replace_files(out: Path, files: Mapping[str, bytes], old: Collection[str]) -> WriteStats:
    """Write `files` whose bytes differ, and remove those of `old` that are not among them; leave every other
    file alone (serve's search index, written after its pages)."""
    out = out.resolve()
    _, written = _write_differing(out, files, list(files))
    target = _Targets(out)
    removed = []
    for rel in sorted(set(old) - set(files)):
        try:
            os.unlink(target(rel))
        except FileNotFoundError:
            continue
        removed.append(rel)
    return WriteStats(len(written), len(files) - len(written), len(removed), tuple(written), tuple(removed))


def write_files(out: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write a few files whose bytes differ (serve's quick pass); leave every other file alone."""
    return _write_differing(out.resolve(), files, list(files))[1]


def _write_differing(out: Path, files: Mapping[str, bytes], rels: list[str]) -> tuple[dict[str, str], list[str]]:
    """Write those of `rels` whose bytes differ on disk: (output path -> real file, the paths written).
    Every path is checked before anything is written."""
    target = _Targets(out)
    targets = {rel: target(rel) for rel in rels}
    out.mkdir(parents=True, exist_ok=True)
    made: set[str] = set()
    return targets, [rel for rel in sorted(targets) if _write_one(out, targets[rel], files[rel], made)]


def _write_one(out: Path, target: str, data: bytes, made: set[str]) -> bool:
    """Replace `target` atomically unless it already holds `data`; True when written. `made`: the
    folders this write has made sure of."""
    try:
        st = os.stat(target)
        if stat.S_ISDIR(st.st_mode):
            _clear_way(out, Path(target))
        elif st.st_size == len(data):
            with open(target, "rb") as fh:
                if fh.read() == data:
                    return False
    except FileNotFoundError:
        pass
    except (NotADirectoryError, IsADirectoryError):  # a file where one of its folders must go
        _clear_way(out, Path(target))
    folder, name = os.path.split(target)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    tmp = os.path.join(folder, f".{name}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:  # a full disk, a read-only folder: said of the file, and no temporary file left
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OSError(exc.errno, exc.strerror, target) from None
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


def _remove_stale(out: Path, keep: set[str], listed: Mapping[str, Seen]) -> tuple[list[str], Listing]:
    """Remove files not in `keep`, then folders left empty; and the folders' entries as left (Listing). Bottom-up
    as os.walk(topdown=False) goes, a folder's subfolders before its files, but from scandir's entries: os.walk's
    check of every folder for a symlink was 5,000 more lstat calls on a 4,000-brief site. A folder as `listed`
    (the same inode and change time) is not listed again: a stat call instead of scandir's four."""
    removed: list[str] = []
    listing: Listing = {}
    top = str(out)
    # a folder changed this close to now may change again within its change time's clock tick, unseen
    settled = time.time_ns() - SETTLE_NS

    by_fd = os.stat in os.supports_dir_fd

    def entries_of(folder: str, at: int | None, name: str) -> tuple[tuple[str, str], ...] | None:
        """A folder's entries, from `listed` when it is unchanged; noted in `listing` when it holds no symlink
        (a link's kind follows what it leads to, which may change with the folder left alone). `at`: a descriptor
        of the folder it is `name` in, to stat it by (the kernel then walks one name, not the whole path)."""
        try:
            # before listing: a change after it moves the change time compared next time
            st = os.stat(name, dir_fd=at) if at is not None else os.stat(folder)
            seen = listed.get(folder)
            if seen is not None and seen[0] == st.st_ino and seen[1] == st.st_ctime_ns:
                listing[folder] = seen
                return seen[2]
            with os.scandir(folder) as it:
                found = list(it)
        except OSError:  # gone or unreadable meanwhile: as os.walk, pass over it
            return None
        entries = tuple((e.name, _kind(e)) for e in found)
        if st.st_ctime_ns < settled and os.name != "nt" and not any(e.is_symlink() for e in found):
            listing[folder] = (st.st_ino, st.st_ctime_ns, entries)  # (Windows' st_ctime is the creation time)
        return entries

    def sweep(folder: str, at: int | None = None, named: str = "") -> bool:
        """Sweep one folder (`named` in the folder `at` is a descriptor of); True when it was left empty and removed."""
        entries = entries_of(folder, at, named)
        if entries is None:
            return False
        left = 0
        files = []
        gone = False  # anything removed changes the folder: its listing is not noted
        prefix = folder if folder.endswith(os.sep) else folder + os.sep
        inner = None  # a descriptor of this folder, opened at its first subfolder
        try:
            for name, kind in entries:
                path = prefix + name
                if kind == ".":  # never the site's (content/'s hidden files are not copied)
                    left += 1
                elif kind == "f":
                    files.append(path)
                elif kind == "l":
                    os.unlink(path)
                    gone = True
                else:
                    if inner is None and by_fd:
                        inner = open_folder(folder)
                    if not sweep(path, inner, name):
                        left += 1
                    else:
                        gone = True
        finally:
            if inner is not None:
                os.close(inner)
        for path in files:
            if path in keep:
                left += 1
            else:
                os.unlink(path)
                removed.append(os.path.relpath(path, top).replace(os.sep, "/"))
                gone = True
        if gone:
            listing.pop(folder, None)
        if left or folder == top:
            return False
        os.rmdir(folder)
        listing.pop(folder, None)
        return True

    sweep(top)
    return removed, listing


def open_folder(path: str | Path) -> int | None:
    """A descriptor of a folder for paths under it (os.stat's dir_fd), or None when it cannot be opened."""
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None


@contextmanager
def opened_folder(path: str | Path) -> Iterator[int | None]:
    """open_folder for the block, closed after it; None where os.stat takes no dir_fd (Windows) or it cannot be
    opened: stat a file by its whole path then. By its name in the folder, the kernel walks one name, not the
    whole path, which for 5,000 files is a measurable part of a one-brief edit."""
    folder = open_folder(path) if os.stat in os.supports_dir_fd else None
    try:
        yield folder
    finally:
        if folder is not None:
            os.close(folder)


def _kind(entry: os.DirEntry[str]) -> str:
    """"." hidden, "f" a file (is_dir follows symlinks, as os.walk sorts entries), "l" a link to a folder, "d" a folder."""
    if entry.name.startswith("."):
        return "."
    if not entry.is_dir():
        return "f"
    return "l" if entry.is_symlink() else "d"
