"""parallel.ordered_map: results in order, workers that finish even under serve's signal handlers, and a
worker's failure raised in the parent."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

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


def test_an_exception_in_a_worker_is_raised_in_the_parent(forked: list[int]) -> None:
    items = list(range(MIN_ITEMS * 2))
    for bad in (0, 1, len(items) - 1):  # in this process's share and in a worker's
        with pytest.raises(ValueError, match=f"bad item {bad}"):
            ordered_map(_fails_at(bad, ValueError(f"bad item {bad}")), items)
    assert workers() == 2 and len(forked) == 3
    assert _all_reaped(forked)


def test_an_exception_that_cannot_be_pickled_comes_back_with_its_traceback(forked: list[int]) -> None:
    with pytest.raises(RuntimeError, match="(?s)a worker process failed.*Unpicklable"):
        ordered_map(_fails_at(1, Unpicklable("no")), list(range(MIN_ITEMS * 2)))
    assert forked and _all_reaped(forked)


def test_a_worker_that_dies_is_an_error_not_a_hang(forked: list[int]) -> None:
    parent = os.getpid()

    def fn(x: int) -> int:
        if x == 1 and os.getpid() != parent:
            os._exit(3)
        return x

    with pytest.raises(RuntimeError, match=r"a worker process ended without its results \(exit code 3\)"):
        ordered_map(fn, list(range(MIN_ITEMS * 2)))
    assert forked and _all_reaped(forked)


def test_what_a_worker_prints_is_printed_once() -> None:
    # the parent's unflushed output must not be printed again by a worker, and a worker's must not be lost
    script = TWO_CORES + textwrap.dedent(f"""
        import sys
        from briefkit.parallel import ordered_map
        print("before")
        def fn(x):
            if x == 1:
                print("from item 1")
            return x
        ordered_map(fn, list(range({MIN_ITEMS * 2})))
        print("after")
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output to a pipe is buffered
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True,
                          env=env)
    assert sorted(done.stdout.splitlines()) == ["after", "before", "from item 1"]
    assert done.stdout.splitlines()[0] == "before"
