"""Run a stage's independent items on every core, results in input order, by forking workers.

Falls back to a plain loop where fork is missing or the work is too small to pay for a worker.
"""

from __future__ import annotations

import io
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
    started: list[_Worker] = []
    queue = _queue(len(chunks))

    def between() -> None:  # after each of this process's chunks: the workers' chunks sent meanwhile, unpickled
        for w in started:
            w.take()

    try:
        for _ in range(1, n):
            started.append(_start_worker(fn, items, chunks, queue, after))
        results = [_work(fn, items, chunks, queue, after, between=between)]
        while started:
            results.append(started.pop(0).collect())
    finally:
        os.close(queue)
        for w in started:  # this process failed (or was interrupted) first: its workers go too
            w.stop()
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
          queue: int, after: After[Any, Any] | None = None, sink: BinaryIO | None = None, told: int = -1,
          between: Callable[[], None] | None = None) -> dict[int, list[Any]]:
    """Take chunks from the queue until it is empty: {chunk number: fn of each of its items}. With `sink` (a
    worker's), each chunk's results are pickled into it as soon as they are made, and not kept; the pipe `told`
    is then told how long the file is with them (_Worker.take). `between()` is called after each chunk."""
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
            sink.flush()
            os.write(told, sink.tell().to_bytes(8, "big"))
            done[c] = []  # counted, not kept
        if between is not None:
            between()
    return done


def _start_worker(fn: Callable[[Any], Any], items: Sequence[Any], chunks: Sequence[Sequence[int]],
                  queue: int, after: After[Any, Any] | None = None) -> _Worker:
    """Fork a worker taking chunks from the queue, which says through a pipe how far its results file holds
    whole chunks, and in the end how it ended.

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
                made = len(_work(fn, items, chunks, queue, after, fh, write))
            payload = pickle.dumps((True, made), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - raised again in the parent
            payload = _pickled_failure(exc)
        with os.fdopen(write, "wb") as fh:
            fh.write(_ENDED + payload)
        _flush_output()  # what the worker printed (a warning, say) is not lost at os._exit

    pid = fork(work)  # which also gives SIGTERM back its default: serve's handler only stops its event loop
    os.close(write)
    return _Worker(pid, read, sink)


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


_ENDED = b"\xff" * 8  # in a worker's pipe, after the 8-byte lengths of its results file: how it ended follows


class _Worker:
    """A forked worker (_start_worker) as this process sees it: its pid, the read end of the pipe it reports
    through, the file its results go to, and the results read from that file so far.

    Its results are unpickled here as it sends them, a chunk at a time, between this process's own chunks
    (take): unpickled only once it had made them all, they kept this process busy after its share of a stage
    while the worker had ended, some 0.05 s of the parse, Markdown and render stages each at 4,000 briefs."""

    def __init__(self, pid: int, fd: int, sink: int) -> None:
        self.pid, self.fd, self.sink = pid, fd, sink
        self.said = b""  # what the pipe said, not yet acted on
        self.sent = 0  # how far the results file holds whole chunks, as the pipe said
        self.read = 0  # how far this process has unpickled them
        self.ended = False  # the pipe said how the worker ended (or closed)
        self.results: dict[int, list[Any]] = {}
        os.set_blocking(fd, False)

    def take(self) -> None:
        """Unpickle the chunks the worker has sent since last asked, without waiting for any."""
        if not self.ended:
            try:
                self._heard(os.read(self.fd, 1 << 16))
            except BlockingIOError:  # nothing new said
                pass
        self._unpickle()

    def _heard(self, data: bytes) -> None:
        """Act on what the pipe said: the results file's length after each chunk, then _ENDED and how it ended."""
        if not data:
            self.ended = True  # closed: the worker ended, with or without saying how (collect tells)
        said = self.said + data
        at = 0
        while not self.ended and len(said) - at >= 8:
            mark = said[at:at + 8]
            if mark == _ENDED:
                self.ended = True
                break
            self.sent, at = int.from_bytes(mark, "big"), at + 8
        self.said = said[at:]

    def _unpickle(self) -> None:
        if self.read < self.sent:
            data = _read_at(self.sink, self.read, self.sent - self.read)
            self.read = self.sent
            with io.BytesIO(data) as fh:
                while fh.tell() < len(data):
                    c, made = pickle.load(fh)
                    self.results[c] = made

    def collect(self) -> dict[int, list[Any]]:
        """The worker's results, once it has made them all; its pipe and file are closed.

        A worker that sent them all is not waited for: it has nothing left to do but end, which took it
        5-12 ms (letting go of its copy of the build's memory) while this process waited, after each parallel
        stage of a cold build at 4,000 briefs. It is reaped by the next ordered_map, or the system reaps it
        when this process ends. A worker that failed is waited for, to say how it ended."""
        ok: bool
        value: Any  # the count of chunks sent, or the exception that stopped the worker
        try:
            try:
                os.set_blocking(self.fd, True)
                with os.fdopen(self.fd, "rb") as fh:
                    rest = fh.read()
                self._heard(rest)  # the lengths it had not yet said, and how it ended
                payload = self.said[len(_ENDED):] if self.said.startswith(_ENDED) else b""  # none: it died
                ok, value = pickle.loads(payload) if payload else (False, None)
            except BaseException:  # Ctrl-C while waiting: the worker, which ignores it, is stopped
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
                raise
            if not ok:
                _, status = os.waitpid(self.pid, 0)
                if not payload:
                    code = os.waitstatus_to_exitcode(status)
                    how = f"exit code {code}" if code >= 0 else f"killed by signal {-code}"
                    raise RuntimeError(f"a worker process ended without its results ({how})")
                raise value
            _ENDING.append(self.pid)
            self._unpickle()
            if len(self.results) != value:
                raise RuntimeError(f"a worker process sent {len(self.results)} chunks of results, not {value}")
            return self.results
        finally:
            os.close(self.sink)

    def stop(self) -> None:
        """End the worker, unfinished (this process failed first), and close its pipe and file."""
        os.kill(self.pid, signal.SIGTERM)
        os.close(self.fd)
        os.close(self.sink)
        os.waitpid(self.pid, 0)


def _read_at(fd: int, offset: int, size: int) -> bytes:
    """`size` bytes of a file from `offset`, without moving the position the worker writes at."""
    parts = []
    while size > 0:
        part = os.pread(fd, size, offset)
        if not part:
            raise RuntimeError("a worker's results file is shorter than it said")
        parts.append(part)
        offset, size = offset + len(part), size - len(part)
    return b"".join(parts)


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
