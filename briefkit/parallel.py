"""Run a stage's independent items on every core, results in input order, by forking workers.

Falls back to a plain loop where fork is missing or the work is too small to pay for a worker.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 300  # below this a forked worker costs more than it saves


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def workers() -> int:
    """How many processes (this one included) ordered_map shares a stage's items among."""
    return min(cores(), 8)


CHUNKS_PER_WORKER = 16  # the items are dealt out in this many pieces per process, one piece at a time
MAX_CHUNKS = 4096  # chunk numbers travel as 2 bytes each through a pipe that holds 64 KB


After = Callable[[list[T], list[R]], None]  # a second step over a chunk's items and their results at once


def ordered_map(fn: Callable[[T], R], items: Sequence[T], chunks: Sequence[Sequence[int]] | None = None,
                after: After[T, R] | None = None) -> list[R]:
    """[fn(x) for x in items], split over forked workers; the workers inherit fn and items, only results travel.

    The items go in chunks (by default every k-th item, so that each chunk holds the same mix of cheap and
    costly items, which cluster: the listing pages come after the brief pages; `chunks` gives other groups,
    by index, in the order to take them) that each process, this one included, takes one at a time as it
    becomes free: a fixed share each left one process idle while the other finished, as a forked worker
    runs slower (each object it touches is copied into its memory first) and the machine may be busy with
    something else. Which process takes which
    chunk varies; what fn returns does not. An exception in a worker is raised here, as if this process had
    met it.

    `after(xs, results)`, when given, is called on each chunk's items and their results (all the items at
    once when there are no workers), in the process that made them, before they travel; it may change the
    results in place. It does work apart from fn's, a chunk at a time: both run faster than alternating
    item by item, each keeping its own code and data in the processor's caches.
    """
    n = workers()
    if n < 2 or len(items) < MIN_ITEMS or not can_fork():
        made = [fn(x) for x in items]
        if after is not None:
            after(list(items), made)
        return made
    if chunks is None:  # each chunk every k-th item: alike in cost, where runs of neighbours were not
        k = min(n * CHUNKS_PER_WORKER, len(items))
        chunks = [range(c, len(items), k) for c in range(k)]
    if len(chunks) > MAX_CHUNKS:
        raise ValueError(f"{len(chunks)} chunks: at most {MAX_CHUNKS}")
    _reap_ended()
    started: list[tuple[int, int, int]] = []  # (pid, read end of its pipe, its results' file)
    queue = _queue(len(chunks))
    try:
        for _ in range(1, n):
            started.append(_start_worker(fn, items, chunks, queue, after))
        results = [_work(fn, items, chunks, queue, after)]
        while started:
            results.append(_collect(*started.pop(0)))
    finally:
        os.close(queue)
        for pid, fd, sink in started:  # this process failed (or was interrupted) first: its workers go too
            os.kill(pid, signal.SIGTERM)
            os.close(fd)
            os.close(sink)
            os.waitpid(pid, 0)
    out: list[Any] = [None] * len(items)
    for done in results:
        for c, values in done.items():
            for i, r in zip(chunks[c], values):
                out[i] = r
    return out


def _queue(count: int) -> int:
    """The read end of a pipe holding the numbers 0 .. count-1, 2 bytes each. Processes that share it each read
    2 bytes at a time: a pipe hands each byte to one reader only, so each number is taken exactly once."""
    read, write = os.pipe()
    data = b"".join(c.to_bytes(2, "big") for c in range(count))
    try:
        while data:  # fits: a pipe holds 64 KB, and MAX_CHUNKS numbers are 8 KB
            data = data[os.write(write, data):]
    finally:
        os.close(write)
    return read


def _work(fn: Callable[[Any], Any], items: Sequence[Any], chunks: Sequence[Sequence[int]],
          queue: int, after: After[Any, Any] | None = None, sink: BinaryIO | None = None) -> dict[int, list[Any]]:
    """Take chunks from the queue until it is empty: {chunk number: fn of each of its items}. With `sink` (a
    worker's), each chunk's results are pickled into it as soon as they are made, and not kept."""
    done = {}
    while taken := os.read(queue, 2):
        c = int.from_bytes(taken, "big")
        made = [fn(items[i]) for i in chunks[c]]
        if after is not None:
            after([items[i] for i in chunks[c]], made)
        if sink is None:
            done[c] = made
        else:
            pickle.dump((c, made), sink, pickle.HIGHEST_PROTOCOL)
            done[c] = []  # counted, not kept
    return done


def _start_worker(fn: Callable[[Any], Any], items: Sequence[Any], chunks: Sequence[Sequence[int]],
                  queue: int, after: After[Any, Any] | None = None) -> tuple[int, int, int]:
    """Fork a worker taking chunks from the queue: (its pid, a pipe it says through how it ended, the file
    holding its results).

    A plain fork, not multiprocessing's Pool: the pool's import, threads and handshake cost a parallel
    stage some 30 ms, a fifth of a one-brief edit's fingerprinting.

    The results go into a file in memory (memfd), pickled a chunk at a time as the worker makes them, and
    the pipe carries only how many chunks it made, or its exception. All pickled at the end and sent
    through the pipe (64 KB at a time), they kept this process waiting after its own share was done:
    0.15 s of the render stage at 4,000 briefs (64 MB of pages) and some 0.05 s of each other stage."""
    _flush_output()  # so the worker's copy of the buffers holds nothing for it to print twice
    read, write = os.pipe()
    sink = _scratch()

    def work() -> None:
        os.close(read)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        try:
            with os.fdopen(os.dup(sink), "wb", buffering=1 << 16) as fh:
                made = len(_work(fn, items, chunks, queue, after, fh))
            payload = pickle.dumps((True, made), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - raised again in the parent
            payload = _pickled_failure(exc)
        with os.fdopen(write, "wb") as fh:
            fh.write(payload)
        _flush_output()  # what the worker printed (a warning, say) is not lost at os._exit

    pid = fork(work)  # which also gives SIGTERM back its default: serve's handler only stops its event loop
    os.close(write)
    return pid, read, sink


def _scratch() -> int:
    """A file descriptor of an empty file that lives in memory where the system has memfd_create (Linux),
    else of a temporary file: where a worker leaves its results."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("briefkit-results", getattr(os, "MFD_CLOEXEC", 0))
    fd, path = tempfile.mkstemp(prefix="briefkit-results-")  # pragma: no cover - macOS
    os.unlink(path)  # pragma: no cover
    return fd  # pragma: no cover


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # None, closed, or a pipe whose reader has gone
            pass


def _pickled_failure(exc: BaseException) -> bytes:
    try:
        return pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that cannot travel: its traceback does
        return pickle.dumps((False, RuntimeError("a worker process failed:\n" + traceback.format_exc())))


_ENDING: list[int] = []  # workers that sent all their results, left to end on their own (_reap_ended)


def _collect(pid: int, fd: int, sink: int) -> dict[int, list[Any]]:
    """A worker's results, once it has made them all (_start_worker); `fd` and `sink` are closed.

    A worker that sent them all is not waited for: it has nothing left to do but end, which took it
    5-12 ms (letting go of its copy of the build's memory) while this process waited, after each parallel
    stage of a cold build at 4,000 briefs. It is reaped by the next ordered_map, or the system reaps it
    when this process ends. A worker that failed is waited for, to say how it ended."""
    ok: bool
    value: Any  # the count of results sent, or the exception that stopped the worker
    with os.fdopen(sink, "rb") as results:
        try:
            with os.fdopen(fd, "rb") as fh:
                data = fh.read()
            ok, value = pickle.loads(data) if data else (False, None)
        except BaseException:  # Ctrl-C while waiting: the worker, which ignores it, is stopped
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
            raise
        if not ok:
            _, status = os.waitpid(pid, 0)
            if not data:
                code = os.waitstatus_to_exitcode(status)
                how = f"exit code {code}" if code >= 0 else f"killed by signal {-code}"
                raise RuntimeError(f"a worker process ended without its results ({how})")
            raise value
        _ENDING.append(pid)
        results.seek(0)
        return dict(pickle.load(results) for _ in range(value))


def _reap_ended() -> None:
    """Reap the workers of earlier stages that have ended since (a zombie each until then)."""
    for pid in list(_ENDING):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # reaped by someone else
            done = pid
        if done:
            _ENDING.remove(pid)


def can_fork() -> bool:
    """Whether fork() can run here (not on Windows)."""
    return hasattr(os, "fork")


def fork(work: Callable[[], None], failed: Path | None = None, detach: bool = False) -> int:
    """Run `work` in a forked child that then ends, with status 0, or 1 when `work` raised; its pid.

    `failed`: a file the child leaves its traceback in, for a later process to say what went wrong.
    `detach`: the child leaves the terminal's session and output, so Ctrl-C or a closed terminal does not
    cut it short, and a caller reading this process's output does not wait for it."""
    pid = os.fork()
    if pid:
        return pid
    code = 1  # pragma: no cover - the child; coverage does not follow it
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if detach:
            os.setsid()
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
        work()
        code = 0
    except BaseException:  # noqa: BLE001 - whatever it was, the status says so and `failed` says what
        if failed is not None:
            try:
                failed.write_text(traceback.format_exc(), encoding="utf-8")
            except OSError:
                pass
    finally:
        os._exit(code)


class Memo:
    """Results of a pure function by key, forgetting keys a build did not ask for."""

    def __init__(self, entries: dict[Hashable, Any] | None = None):
        self.entries: dict[Hashable, Any] = entries or {}
        self.touched: set[Hashable] = set()
        self.changed = False
        self.computed = 0  # how many items the last map() had to compute

    def map(self, fn: Callable[[T], R], items: Sequence[T], key: Callable[[T], Hashable]) -> list[R]:
        """fn over items, computing (in parallel) only what is not remembered."""
        keys = [key(x) for x in items]
        self.touched.update(keys)
        missing = [i for i, k in enumerate(keys) if k not in self.entries]
        self.computed = len(missing)
        if missing:
            self.changed = True
            for i, r in zip(missing, ordered_map(fn, [items[i] for i in missing])):
                self.entries[keys[i]] = r
        return [self.entries[k] for k in keys]

    def prune(self) -> None:
        """Forget what the last build did not use, so the memo does not grow without end."""
        if len(self.touched) != len(self.entries):
            self.entries = {k: v for k, v in self.entries.items() if k in self.touched}
            self.changed = True
        self.touched = set()
