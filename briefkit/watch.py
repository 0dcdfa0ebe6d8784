"""Notice edits under a few folders and files: inotify on Linux, a stat scan elsewhere.

Says which files changed (the paths watched, when the kernel dropped events); the build cache checks.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import time
from pathlib import Path

from .project import is_scratch

_IN = {"MODIFY": 0x2, "ATTRIB": 0x4, "CLOSE_WRITE": 0x8, "MOVED_FROM": 0x40, "MOVED_TO": 0x80, "CREATE": 0x100,
       "DELETE": 0x200, "DELETE_SELF": 0x400, "MOVE_SELF": 0x800}
_MASK = sum(_IN.values())
_Q_OVERFLOW, _IGNORED, _ISDIR = 0x4000, 0x8000, 0x40000000
_EVENT = struct.Struct("iIII")


class Watcher:
    """`wait(timeout)` returns True once something under `paths` changed since the last call."""

    def __init__(self, paths: list[Path], poll_interval: float = 0.25, inotify: bool = True):
        self.paths = [p for p in dict.fromkeys(paths)]
        self.poll_interval = poll_interval
        self._fd = -1
        self._libc: ctypes.CDLL | None = None
        self._watched: dict[int, str] = {}  # watch descriptor -> folder
        self._snapshot: dict[str, tuple[int, int]] = {}
        if inotify:
            self._start_inotify()
        if self._fd < 0:
            self._snapshot = self._scan()

    @property
    def kind(self) -> str:
        return "inotify" if self._fd >= 0 else f"polling every {self.poll_interval:g} s"

    def _start_inotify(self) -> None:
        name = ctypes.util.find_library("c")
        if not name or not hasattr(os, "O_NONBLOCK"):
            return
        try:
            libc = ctypes.CDLL(name, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return
        if fd < 0:
            return
        self._libc, self._fd = libc, fd
        self._add_watches()

    def _add_watches(self) -> None:
        """Watch every folder under the roots, and each root's parent (a root made, replaced or moved in later is
        seen there); drop the watches of folders that are gone or moved elsewhere."""
        assert self._libc is not None
        folders = []
        for root in self.paths:
            # a file is watched through its folder, so editors that replace it by a rename are seen
            folders.append(root.parent)
            if root.is_dir():
                folders += [Path(d) for d in _folders(root)]
        watched: dict[int, str] = {}
        for folder in dict.fromkeys(folders):
            # the same folder again gives the same descriptor: a watch kept on a folder moved away is taken back
            wd = self._libc.inotify_add_watch(self._fd, str(folder).encode(), _MASK)
            if wd >= 0:
                watched[wd] = str(folder)
        for wd in self._watched.keys() - watched.keys():
            self._libc.inotify_rm_watch(self._fd, wd)  # its folder is gone, or now somewhere not watched
        self._watched = watched

    def _wanted(self, path: Path) -> bool:
        """Under a watched folder, or a watched file itself (not its neighbours in the same folder)."""
        return any(path == root or (root.is_dir() and path.is_relative_to(root)) for root in self.paths)

    def wait(self, timeout: float) -> set[Path]:
        if self._fd >= 0:
            return self._wait_inotify(timeout)
        deadline = time.monotonic() + timeout
        while True:
            now = self._scan()
            if now != self._snapshot:
                before, self._snapshot = self._snapshot, now
                return {Path(p) for p in before.keys() | now.keys() if before.get(p) != now.get(p)}
            left = deadline - time.monotonic()
            if left <= 0:
                return set()
            time.sleep(min(self.poll_interval, left))

    def _wait_inotify(self, timeout: float) -> set[Path]:
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return set()
        changed: set[Path] = set()
        rewatch = False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            offset = 0
            while offset < len(data):
                wd, mask, _, length = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0").decode(errors="replace")
                offset += _EVENT.size + length
                if mask & _Q_OVERFLOW:  # events were lost: say that everything watched may have changed
                    changed.update(self.paths)
                    rewatch = True
                    continue
                if mask & _IGNORED:  # the watch is gone (its folder was deleted, or we let it go): nothing changed
                    rewatch |= self._watched.pop(wd, None) is not None
                    continue
                if name and is_scratch(name):
                    continue
                path = Path(self._watched[wd], name) if wd in self._watched else self.paths[0]
                if self._wanted(path):
                    changed.add(path)
                    # a folder came, went or moved: watch what is under the roots now (once the events are read)
                    rewatch |= bool(mask & (_ISDIR | _IN["DELETE_SELF"] | _IN["MOVE_SELF"]))
        if rewatch:
            self._add_watches()
        return changed

    def _scan(self) -> dict[str, tuple[int, int]]:
        seen: dict[str, tuple[int, int]] = {}
        stack = [str(p) for p in self.paths]
        while stack:
            path = stack.pop()
            try:
                if os.path.isdir(path):
                    with os.scandir(path) as entries:
                        for e in entries:
                            if is_scratch(e.name):
                                continue
                            if e.is_dir(follow_symlinks=False):
                                stack.append(e.path)
                            elif st := _stat(e):
                                seen[e.path] = (st.st_mtime_ns, st.st_size)
                else:
                    st = os.stat(path)
                    seen[path] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue
        return seen

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _folders(root: Path) -> list[str]:
    """The root and the folders under it, but not hidden ones (.git, .obsidian) nor what is in them: the build
    leaves them out, and a watch there would rebuild on every `git status` or click in the editor."""
    found = []
    for folder, dirs, _ in os.walk(root):
        found.append(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # as the build walks content/
    return found


def _stat(entry: os.DirEntry[str]) -> os.stat_result | None:
    """What a file leads to, or the link itself when it leads nowhere (the build says so); None if it is gone."""
    try:
        return entry.stat()
    except OSError:
        try:
            return entry.stat(follow_symlinks=False)
        except OSError:
            return None
