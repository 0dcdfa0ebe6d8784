"""Run a stage's independent items on every core, results in input order, by forking workers.

Falls back to a plain loop where fork is missing or the work is too small to pay for a worker.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 300  # below this a forked worker costs more than it saves
_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _worker_start() -> None:
    """Workers die on SIGTERM (Pool.terminate's signal) whatever handler the parent had installed:
    serve's handler only stops its event loop, which a forked worker does not run."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _JOB is not None
    fn, items = _JOB
    return [fn(x) for x in items[bounds[0] : bounds[1]]]


def ordered_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """[fn(x) for x in items], split over forked workers; the workers inherit fn and items, only results travel."""
    n = min(cores(), 8)
    if n < 2 or len(items) < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(x) for x in items]
    global _JOB
    _JOB = (fn, items)
    step = -(-len(items) // n)
    bounds = [(i, min(i + step, len(items))) for i in range(0, len(items), step)]
    try:
        with multiprocessing.get_context("fork").Pool(len(bounds) - 1, initializer=_worker_start) as pool:
            pending = pool.map_async(_chunk, bounds[1:])
            first = _chunk(bounds[0])
            rest = pending.get()
    finally:
        _JOB = None
    return first + [r for part in rest for r in part]


class Memo:
    """Results of a pure function by key, forgetting keys a build did not ask for."""

    def __init__(self, entries: dict[Hashable, Any] | None = None):
        self.entries: dict[Hashable, Any] = entries or {}
        self.touched: set[Hashable] = set()
        self.changed = False

    def map(self, fn: Callable[[T], R], items: Sequence[T], key: Callable[[T], Hashable]) -> list[R]:
        """fn over items, computing (in parallel) only what is not remembered."""
        keys = [key(x) for x in items]
        self.touched.update(keys)
        missing = [i for i, k in enumerate(keys) if k not in self.entries]
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
