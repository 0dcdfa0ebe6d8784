"""parallel.ordered_map: results in order, workers that finish even under serve's signal handlers, and a
worker's failure raised in the parent."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from briefkit import parallel
from briefkit.parallel import MIN_ITEMS, ordered_map, workers

# two processes share the items on any machine, one core included: fork works there too, and with one
# process the worker paths below would go untested while every test still passed
TWO_CORES = "import briefkit.parallel; briefkit.parallel.cores = lambda: 2\n"


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)


def test_results_come_back_in_input_order() -> None:
    items = list(range(MIN_ITEMS * 2 + 7))
    assert ordered_map(lambda x: x * x, items) == [x * x for x in items]


@pytest.mark.parametrize("count", [MIN_ITEMS - 1, MIN_ITEMS * 2 + 7])  # without workers, with them
def test_after_works_on_each_chunk_of_results_where_it_was_made(count: int) -> None:
    def after(xs: list[int], done: list[tuple[int, int]]) -> None:
        assert [x for x, _ in done] == [x * x for x in xs]
        done[:] = [(x, len(xs)) for x, _ in done]

    found = ordered_map(lambda x: (x * x, 0), list(range(count)), after=after)
    assert [x for x, _ in found] == [x * x for x in range(count)]
    k = 2 * parallel.CHUNKS_PER_WORKER  # chunks of every k-th item, two processes
    assert {size for _, size in found} == ({count} if count < MIN_ITEMS else {len(range(c, count, k)) for c in range(k)})


def test_workers_stop_when_the_parent_has_its_own_sigterm_handler() -> None:
    # serve installs a SIGTERM handler that only stops its event loop; forked workers that kept it
    # ignored Pool.terminate(), and the build waited for them for ever
    script = TWO_CORES + textwrap.dedent(f"""
        import signal, threading
        from briefkit.parallel import ordered_map
        signal.signal(signal.SIGTERM, lambda *_: None)
        out = []
        items = list(range({MIN_ITEMS * 3}))
        t = threading.Thread(target=lambda: out.extend(ordered_map(abs, items) for _ in range(30)))
        t.start(); t.join()
        print(sum(len(o) for o in out))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(MIN_ITEMS * 3 * 30)


class Unpicklable(Exception):
    def __reduce__(self):  # type: ignore[override]
        raise TypeError("cannot travel")


def _fails_at(bad: int, exc: BaseException):
    def fn(x: int) -> int:
        if x == bad:
            raise exc
        return x
    return fn


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the workers ordered_map forks during the test."""
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids


def _all_reaped(pids: list[int]) -> bool:
    """Every one of them waited for: none running, none left a zombie."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def _in_a_worker(action: Callable[[int], object], tmp_path: Path) -> Callable[[int], int]:
    """A function for ordered_map that does `action` in a forked worker, on the first item that worker takes.
    This process waits for the worker to get that far before it goes on: which process takes which items
    varies from run to run, and without the wait this one could take them all before the worker started."""
    parent, mark = os.getpid(), tmp_path / "worker-started"

    def fn(x: int) -> int:
        if os.getpid() != parent:
            mark.touch()
            action(x)
        else:
            deadline = time.monotonic() + 10
            while not mark.exists() and time.monotonic() < deadline:
                time.sleep(0.001)
        return x

    return fn


def _raise(exc: BaseException) -> Callable[[int], object]:
    def action(x: int) -> object:
        raise exc
    return action


def test_an_exception_in_a_worker_is_raised_in_the_parent(forked: list[int], tmp_path: Path) -> None:
    items = list(range(MIN_ITEMS * 2))
    for bad in (0, 1, len(items) - 1):  # wherever it is met
        with pytest.raises(ValueError, match=f"bad item {bad}"):
            ordered_map(_fails_at(bad, ValueError(f"bad item {bad}")), items)
    with pytest.raises(ValueError, match="in a worker"):
        ordered_map(_in_a_worker(_raise(ValueError("in a worker")), tmp_path), items)
    assert workers() == 2 and len(forked) == 4
    assert _all_reaped(forked)


def test_an_exception_that_cannot_be_pickled_comes_back_with_its_traceback(forked: list[int], tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="(?s)a worker process failed.*Unpicklable"):
        ordered_map(_in_a_worker(_raise(Unpicklable("no")), tmp_path), list(range(MIN_ITEMS * 2)))
    assert forked and _all_reaped(forked)


def test_a_worker_that_dies_is_an_error_not_a_hang(forked: list[int], tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"a worker process ended without its results \(exit code 3\)"):
        ordered_map(_in_a_worker(lambda x: os._exit(3), tmp_path), list(range(MIN_ITEMS * 2)))
    assert forked and _all_reaped(forked)


def test_each_process_takes_chunks_as_it_becomes_free(tmp_path: Path) -> None:
    # a worker slowed down (a busy machine, memory copied on first touch) leaves the rest to this process:
    # a fixed half each had this process wait for it
    parent = os.getpid()

    def fn(x: int) -> tuple[int, int]:
        time.sleep(0.001 if os.getpid() == parent else 0.02)
        return x, os.getpid()

    items = list(range(MIN_ITEMS * 2))
    done = ordered_map(fn, items)
    assert [x for x, _ in done] == items
    by_worker = sum(1 for _, pid in done if pid != parent)
    assert 0 < by_worker < len(items) // 4  # it took a chunk or two (each a 32nd of the items), not half


def test_what_a_worker_prints_is_printed_once(tmp_path: Path) -> None:
    # the parent's unflushed output must not be printed again by a worker, and a worker's must not be lost
    script = TWO_CORES + textwrap.dedent(f"""
        import os, pathlib, sys, time
        from briefkit.parallel import ordered_map
        print("before")
        parent, mark = os.getpid(), pathlib.Path({str(tmp_path / "printed")!r})
        def fn(x):
            if os.getpid() != parent and not mark.exists():
                mark.touch()
                print("from a worker")
            while os.getpid() == parent and not mark.exists():
                time.sleep(0.001)
            return x
        ordered_map(fn, list(range({MIN_ITEMS * 2})))
        print("after")
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output to a pipe is buffered
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True,
                          env=env)
    assert sorted(done.stdout.splitlines()) == ["after", "before", "from a worker"]
    assert done.stdout.splitlines()[0] == "before"


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc")
def test_the_files_holding_a_workers_results_are_closed_whatever_happened(tmp_path: Path) -> None:
    # each worker leaves its results, a chunk at a time, in a file in memory: one left open would hold
    # that memory (64 MB of pages at 4,000 briefs) for the life of serve
    before = _open_fds()
    items = list(range(MIN_ITEMS * 2))
    results = [(x, "page " * x) for x in items]  # results larger than a pipe or a write buffer holds
    assert ordered_map(lambda x: (x, "page " * x), items) == results
    with pytest.raises(ValueError, match="in a worker"):
        ordered_map(_in_a_worker(_raise(ValueError("in a worker")), tmp_path), items)
    (tmp_path / "dies").mkdir()
    with pytest.raises(RuntimeError, match="ended without its results"):
        ordered_map(_in_a_worker(lambda x: os._exit(3), tmp_path / "dies"), items)
    assert _open_fds() == before
