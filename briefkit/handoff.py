"""Saving the build cache after `build` has reported: the process hands the saving to a child and ends.

A build's last steps for the cache (fingerprinting the pages it rendered, writing .cache/) change nothing
in site/, so `build` leaves them to a forked child and returns the prompt. A lock file in .cache/ is held
while a cache is being saved, by whichever processes write it; the next build waits on it before reading
the cache, so it never reads half a save. Only where os.fork and fcntl.flock exist (not on Windows);
elsewhere, and in serve and in tests, the cache is saved before the build returns.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from .parallel import can_fork, fork

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK = "lock"
FAILED = "save-failed.txt"  # what went wrong in a child's save, for the next build to say


def can_hand_off() -> bool:
    return fcntl is not None and can_fork()


class SaveLock:
    """The lock on .cache/ while it is written. Processes forked while it is held hold it too, until
    they end: closing this process's copy hands it to them."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK
        self._fd: int | None = None

    def hold(self) -> None:
        """Take the lock (waiting for another process's save to end); the folder must exist."""
        if self._fd is not None or fcntl is None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def wait_for_save(folder: Path, waiting: Callable[[], None] | None = None, limit: float = 120.0) -> str | None:
    """Return once no process is writing the cache in `folder` (calling `waiting` first when one is), or
    after `limit` seconds: the cache checks all it reads, so a save still going on costs work, not
    correctness. Then what went wrong in the last handed-off save, if anything did (said once)."""
    if fcntl is not None:
        try:
            fd = os.open(folder / LOCK, os.O_RDONLY)
        except OSError:  # no lock file: no save was ever handed off here
            fd = -1
        if fd >= 0:
            try:
                _wait_for_lock(fd, waiting, limit)
            finally:
                os.close(fd)
    failed = folder / FAILED
    try:
        said = failed.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        failed.unlink()
    except OSError:
        return None
    return said[-1] if said else "unknown error"


def _wait_for_lock(fd: int, waiting: Callable[[], None] | None, limit: float) -> None:
    give_up = time.monotonic() + limit
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if waiting is not None:
                waiting()
                waiting = None
            if time.monotonic() > give_up:
                return
            time.sleep(0.01)


def hand_off(lock: SaveLock, work: Callable[[], None]) -> None:
    """Run `work` in a forked child that outlives this process, holding the lock until it is done.
    The child is detached from the terminal and its output."""
    lock.hold()
    fork(work, lock.path.parent / FAILED, detach=True)
    lock.release()  # the child's copy keeps it held
