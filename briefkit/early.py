"""A first site written from a forked child while the build goes on checking it (write_early).

The first build into an output folder that holds nothing has no last good site to keep, so its pages
need not wait for the link check; if the build fails after all, the folder is left missing or empty
again, as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Callable, Mapping
from pathlib import Path

from .parallel import can_fork, fork
from .write import OutsideOutput, WriteStats, _Targets

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)  # as "xb"


class EarlyWrite:
    """A new site written by a forked child while the build goes on checking it: the first build into an
    output folder that holds nothing has no last good site to keep, so its pages need not wait for the
    link check. finish() says how it went; undo() takes it back when the build fails after all.

    The child runs in a session of its own, so a signal to the build's whole process group (`timeout -s
    KILL`, a closed terminal, a cancelled CI job) does not cut its writing short; once written, it waits
    for the build's verdict, and takes everything back itself when the build ends without giving one."""

    CHECK_EVERY = 64  # files written between looks at whether the build is still there

    def __init__(self, out: Path, files: Mapping[str, bytes], made: Path | None):
        self.out = out
        self.made = made  # the first folder on the way to `out` that was missing (and goes again), if any
        self.names = frozenset(files)
        parent = os.getpid()
        written_r, written_w = os.pipe()  # child -> build: "1" once every file is in place
        verdict_r, verdict_w = os.pipe()  # build -> child: "ok" to keep them; closed unsaid, they go
        self.pid = fork(lambda: self._write(files, parent, written_r, written_w, verdict_r, verdict_w), detach=True)
        os.close(written_w)
        os.close(verdict_r)
        self._written, self._verdict = written_r, verdict_w

    def _write(self, files: Mapping[str, bytes], parent: int, written_r: int, written_w: int, verdict_r: int,
               verdict_w: int) -> None:
        """The child's work; all of it removed again unless the build, still there, says to keep it."""
        os.close(written_r)
        os.close(verdict_w)
        if not self._create(files, sorted(files), lambda: os.getppid() == parent):
            self._clear()
            return
        os.write(written_w, b"1")
        os.close(written_w)
        if os.read(verdict_r, 2) != b"ok":  # the build failed or died before saying so
            self._clear()

    def _verdict_given(self, keep: bool, wait: bool = True) -> None:
        """Tell the child whether to keep what it wrote, and wait for it to end (unless `wait` is False: a
        process about to end leaves the child, told to keep its files, for the system to reap)."""
        if self._verdict >= 0:
            try:
                if keep:
                    os.write(self._verdict, b"ok")
            except OSError:  # the child is gone already
                pass
            os.close(self._verdict)
            os.close(self._written)
            self._verdict = self._written = -1
        if wait:
            os.waitpid(self.pid, 0)

    def _create(self, files: Mapping[str, bytes], rels: list[str], going: Callable[[], bool]) -> bool:
        """Each file straight to its place, not through a temporary file, as a write cut short is undone as
        a whole ("x": a file already there means another process writes here); False when `going` said
        stop (asked every CHECK_EVERY files). Every path is checked before anything is written."""
        target = _Targets(self.out)
        targets = [(target(rel), files[rel]) for rel in rels]
        folders: set[str] = set()
        for i, (real, data) in enumerate(targets):
            if i % self.CHECK_EVERY == 0 and not going():
                return False
            folder = os.path.dirname(real)
            if folder not in folders:
                os.makedirs(folder, exist_ok=True)
                folders.add(folder)
            # open(real, "xb") without a file object and its buffer around one write (5,000 files)
            fd = os.open(real, _CREATE, 0o666)
            try:
                written = os.write(fd, data)
                while written < len(data):  # a short write: the rest
                    written += os.write(fd, memoryview(data)[written:])
            finally:
                os.close(fd)
        return going()

    def finish(self, files: Mapping[str, bytes], ends_process: bool = False) -> WriteStats | None:
        """Write what was added since (the search index) and report, as write_site would have; None when
        something failed: write_site then writes what is missing, and says what went wrong.

        With `ends_process` (build.py, which exits right after) a child told to keep its files is not waited
        for: it has nothing left to do but end, and ending took 15 ms at 4,000 briefs (letting go of its copy
        of the build's memory) while the build waited, where the build's own ending on the other core was next.
        A child told to take its files back is waited for, as write_site then writes there."""
        written = os.read(self._written, 1) == b"1"  # b"" when the child failed, or was stopped, first
        keep = written and self.names <= files.keys()  # (files only grow after rendering)
        rest = sorted(rel for rel in files if rel not in self.names)
        if keep:  # before the verdict: a build killed while writing them leaves no site, not part of one
            try:
                self._create(files, rest, lambda: True)
            except (OSError, OutsideOutput):
                keep = False
        self._verdict_given(keep, wait=not (keep and ends_process))
        if not keep:
            return None
        done = sorted(self.names.union(rest))
        return WriteStats(len(done), len(files) - len(done), 0, tuple(done), ())

    def undo(self) -> None:
        """Stop the child and leave the output folder as it was: missing, or empty."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._verdict_given(keep=False)
        self._clear()

    def _clear(self) -> None:
        """Take back what was written: the folders made on the way, or what is in the folder that was empty.
        What is gone meanwhile (the folder removed by hand) is nothing to take back, not a second error."""
        if self.made is not None:
            shutil.rmtree(self.made, ignore_errors=True)
            return
        try:
            with os.scandir(self.out) as entries:
                for entry in list(entries):
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(entry.path)
        except FileNotFoundError:
            pass


def write_early(out: Path, files: Mapping[str, bytes]) -> EarlyWrite | None:
    """Start writing `files` into `out` from a child (EarlyWrite) when `out` is missing or empty and the
    system can fork; else None, and the site is written once the build is known to be good."""
    if not can_fork():
        return None
    out = out.resolve()
    made = None
    try:
        with os.scandir(out) as entries:
            if next(entries, None) is not None:
                return None
    except FileNotFoundError:
        made = out
        while not made.parent.exists():
            made = made.parent
    except OSError:  # a file where the folder goes, or unreadable: write_site says what is wrong
        return None
    return EarlyWrite(out, files, made)
