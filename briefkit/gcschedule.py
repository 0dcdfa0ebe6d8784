"""When serve collects garbage: Python's cycle collector is off while serve runs, and runs on serve's schedule.

Owns no build state; serve.Builder tells it when a build ends and when edits pause.
"""

from __future__ import annotations

import gc

COLLECT_EVERY = 10  # rebuilds without a pause in editing before serve collects garbage anyway
GARBAGE_LIMIT = 1_000_000  # ... or objects made since the last collection


class Collector:
    """Serve's own schedule for Python's cycle collector, which is off while serve runs. Left on, it would walk each
    rebuild's new objects as the build ends (0.1 to 0.3 s at 4,000 briefs) and every few rebuilds all of them,
    holding the interpreter for up to a second, so a reload or the next edit's quick pass would wait behind it.

    A site serve is done with is taken apart (SiteData.release) and freed at once, which leaves the collector
    little. It runs over everything when edits pause; between pauses, after COLLECT_EVERY rebuilds (or
    GARBAGE_LIMIT new objects), over what is new since it last ran. What outlives a collection is frozen (left
    out of the next ones but the pause's): the first build's objects, most of them the cache's parsed briefs."""

    def __init__(self) -> None:
        self.was = gc.isenabled()
        self.builds = 0  # since the last collection
        gc.disable()

    @staticmethod
    def settle() -> None:
        """After the first build (the few hundred of its objects that were garbage already wait for a pause)."""
        gc.freeze()

    def after_build(self) -> None:
        self.builds += 1
        if self.builds >= COLLECT_EVERY or gc.get_count()[0] > GARBAGE_LIMIT:
            gc.collect()
            gc.freeze()
            self.builds = 0

    def pause(self) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.builds = 0

    def close(self) -> None:
        gc.unfreeze()
        if self.was:
            gc.enable()
