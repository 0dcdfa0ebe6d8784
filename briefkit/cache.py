"""The build cache: what the last good build read, rendered and wrote, so the next does only what changed.

What changed is worked out by changes.py (the build as a whole by buildkey.py), which pages to render by
tracker.py (both pure). BuildCache keeps its state in memory and, for `build`, in .cache/ under the site
root, saved after `build` has reported by a child it hands the work to (handoff.py); it writes nowhere else.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .buildkey import build_key
from .changes import DAY, Changes, Stamp, classify, content_hash, unchanged_test
from .diagnostics import Diagnostic
from .handoff import FAILED, LOCK, SaveLock, can_hand_off, hand_off, wait_for_save
from .linkcheck import LinkMemory
from .memos import Memos
from .packed import for_cache
from .parallel import fork
from .project import Project
from .saved import UNFINISHED, State, compact
from .shards import dump, undump
from .shown import ShownMemo
from .tracker import PageTracker
from .write import as_listed, opened_folder

if TYPE_CHECKING:
    from .listings import SiteData


class BuildCache(Memos):
    """The last good build's state, and the memos (memos.py) of parsed briefs, rendered Markdown and the rest,
    across builds; `folder` None keeps it in memory."""

    def __init__(self, folder: Path | None = None):
        super().__init__(folder)
        self.state: State | None = None
        self.autosave = True  # serve turns this off and saves once the browser has its reload
        # a build that is its process's last act (build.py build) may write the memos from a forked child
        # while it writes the site; the parent's record of what is saved is then stale, so only then
        self.last_build = False
        self._saving: int | None = None  # the child writing the memos
        self.hashes: dict[str, str] = {}
        self._stamps: dict[str, Stamp] = {}
        self._read_at = 0
        self.key: dict[str, str] = {}
        self.changes = Changes(full="no earlier build")
        self.steady: tuple[datetime, datetime | None] | None = None  # this build's, for State.steady
        self.tracker: PageTracker | None = None
        self._memory: LinkMemory | None = None
        self._loaded = folder is None
        self._lock = SaveLock(folder) if folder is not None else None
        self.notify: Callable[[str], None] | None = None  # told when the last build is still saving, or failed to
        self._handed_off = False  # this process is a child saving what its parent built
        self._listing: dict[str, Any] = {}
        self._shown: ShownMemo | None = ShownMemo() if folder is None else None  # loaded by page_tracker()

    @classmethod
    def for_project(cls, project: Project) -> BuildCache:
        return cls(project.root / ".cache")

    # -- reading the inputs -------------------------------------------------
    def start(self, project: Project, inputs: Any, clock: Mapping[str, Any],
              options: Mapping[str, Any] | None = None) -> Changes:
        """Hash this build's inputs (pipeline.Inputs) and settings; compare them with the last good build's.

        `clock` holds the build's time values: `today` always counts (forecasts fall overdue by it), yet
        renders again only the pages whose data it changed; the others count only when a template names
        them. `options` are the build's own switches.
        """
        self._load()
        self.hashes = {shown: content_hash(raw) if raw is not None else inputs.known[shown][0]
                       for shown, raw in inputs.briefs}
        hashes = dict(self.hashes)
        self._stamps, self._read_at = dict(inputs.stamps), inputs.read_at
        unchanged = self.unchanged_files() if inputs.assets else None
        for rel, file in inputs.assets:  # images can be large: read again only what changed, as for briefs
            key = "asset:" + rel
            try:
                known = unchanged(key, inputs.stamps[key]) if unchanged is not None else None
                hashes[key] = known or content_hash(file.read_bytes())
            except OSError:  # gone since it was listed: the stage copying it says so
                hashes[key] = ""
        self.key = build_key(project, inputs.outlets, clock, dict(options or {}))
        memo_key = "\0".join([self.key["generator"], project.config.timezone, str(project.config.allow_html),
                              str(project.drafts), os.getcwd()])
        self.rekey(memo_key)
        old = self.state
        self.changes = classify(old.key if old else None, self.key, old.inputs if old else {}, hashes)
        self._inputs = hashes
        self._intact: set[str] | None = None
        return self.changes

    def unchanged_files(self) -> Callable[[str, Stamp], str | None] | None:
        """A test giving the content hash of an input whose file is as the last good build read it
        (changes.unchanged_test), or None when there is nothing to compare with. Not on Windows, whose st_ctime
        is the creation time: an edit putting size and mtime back would pass."""
        self._load()
        last = self.state
        if last is None or os.name == "nt":
            return None
        return unchanged_test(last.inputs, last.stamps, last.read_at)

    def intact(self, out: Path) -> set[str]:
        """Output files still as the last build wrote them (same size and modification time)."""
        if self._intact is None:
            self._intact = set()
            with opened_folder(out) as folder:  # each file stat'ed by its path in it, where the system can
                top = "" if folder is not None else f"{out}/"  # a str, not a Path per file
                for rel, sig in (self.state.outputs.items() if self.state else ()):
                    try:
                        st = os.stat(top + rel, dir_fd=folder)
                    except OSError:
                        continue
                    if (st.st_size, st.st_mtime_ns) == sig:
                        self._intact.add(rel)
        return self._intact

    def nothing_changed(self, out: Path, now: datetime) -> bool:
        """Whether the last good build stands as it is: the same inputs and day, its output files and folders untouched,
        and a build time that warns and dates feeds as it did (a brief dated later that day)."""
        if self.state is None or not self.changes.nothing or self.state.steady is None:
            return False
        since, until = self.state.steady
        return since <= now and (until is None or now <= until) and len(self.intact(out)) == len(self.state.outputs) \
            and as_listed(self.state.listing)  # a file put into site/ since is the site's to remove

    # -- rendering ----------------------------------------------------------
    def folder_for(self, name: str) -> Path | None:
        """A folder of the cache for another part's own files (made when missing); None in memory."""
        if self.folder is None:
            return None
        self._make_folder()
        folder = self.folder / name
        folder.mkdir(exist_ok=True)
        return folder

    def unwritable(self) -> str:
        """Why the cache folder cannot be made or written in (a file in its place, a read-only disk or folder),
        or "" when it can: a build then goes without it rather than stopping."""
        if self.folder is None:
            return ""
        try:
            self._make_folder()
            with tempfile.TemporaryFile(dir=self.folder):
                pass
            os.close(os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644))
        except (FileExistsError, NotADirectoryError):
            return "a file is in its place"
        except OSError as exc:
            return exc.strerror or type(exc).__name__
        return ""

    def _make_folder(self) -> None:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# the build cache; safe to delete\n*\n", encoding="utf-8")

    def page_tracker(self, site: SiteData, out: Path) -> PageTracker:
        full = bool(self.changes.full)
        before = {} if full or self.state is None else self.state.pages
        attrs = {} if full or self.state is None else self.state.attrs
        # the date is not a part of every page: it reaches a page as the data it changed (a forecast's status)
        shared = "\0".join(f"{k}={v}" for k, v in sorted(self.key.items()) if k != DAY)
        if self._shown is None:
            loaded = undump(self.folder / "shown.pickle") if self.folder is not None else None
            self._shown = ShownMemo(*loaded) if loaded is not None and len(loaded) == 2 else ShownMemo()
        self._shown.start(shared)
        self.tracker = PageTracker(site, self.hashes, before, attrs, set() if full else self.intact(out), shared,
                                   self.state.costs if self.state is not None else None, self._shown)
        self.tracker.defer = self._hands_off()  # its last fingerprints are taken in the saving child
        return self.tracker

    def _hands_off(self) -> bool:
        """Whether finish() leaves remembering and saving this build to a child (handoff.py)."""
        return self.last_build and self.autosave and self.folder is not None and can_hand_off()

    # -- after a good build -------------------------------------------------
    def finish(self, out: Path, written: Collection[str], diagnostics: list[Diagnostic], briefs: int,
               pages: int, kept: Collection[str] = (), unfinished: Collection[str] = (),
               listing: Mapping[str, Any] | None = None) -> None:
        """Remember the build just written, and save it when the cache has a folder; for a last build, in a
        child that outlives this process (handoff.py).

        `kept` files were left on disk untouched: the last build's record of them still holds. `unfinished`
        files are still to come (serve's search index): until noted(), they count as changed, so no build
        takes the output folder for finished. `listing`: its folders as written (write.WriteStats.listing)."""
        self._listing = dict(listing or {})
        if self._hands_off():
            assert self._lock is not None
            self._make_folder()

            def work() -> None:
                self._handed_off = True
                self._remember(out, written, diagnostics, briefs, pages, kept, unfinished)

            hand_off(self._lock, work)
            return
        self._remember(out, written, diagnostics, briefs, pages, kept, unfinished)

    @property
    def listing(self) -> dict[str, Any] | None:
        """The output's folders as the last good build left them (for write.write_site)."""
        return self.state.listing if self.state is not None else None

    def noted(self, out: Path, written: Collection[str], removed: Collection[str]) -> None:
        """Files written or removed in the output folder since the last good build was remembered (serve's
        search index, which comes after its pages)."""
        if self.state is None:
            return
        outputs = self.state.outputs
        for rel in removed:
            outputs.pop(rel, None)
        top = f"{out}/"
        for rel in written:
            try:
                st = os.stat(top + rel)
            except OSError:
                outputs[rel] = UNFINISHED
                continue
            outputs[rel] = (st.st_size, st.st_mtime_ns)

    def _remember(self, out: Path, written: Collection[str], diagnostics: list[Diagnostic], briefs: int,
                  pages: int, kept: Collection[str], unfinished: Collection[str] = ()) -> None:
        if self.tracker is not None:
            self.tracker.complete()
        outputs: dict[str, tuple[int, int]] = {}
        before = self.state.outputs if self.state is not None else {}
        for rel in written:
            if rel in kept and rel in before:
                outputs[rel] = before[rel]
                continue
            try:
                st = os.stat(out / rel)
            except OSError:
                continue
            outputs[rel] = (st.st_size, st.st_mtime_ns)
        for rel in unfinished:
            outputs[rel] = UNFINISHED
        records = self.tracker.records if self.tracker else {}
        attrs = self.tracker.attrs if self.tracker else {}
        memory = self._memory or LinkMemory()
        self.state = State(self.key, self._inputs, records, attrs, outputs, diagnostics, briefs, pages,
                           memory.found, memory.found_site, self.tracker.costs if self.tracker else {},
                           self._stamps, self._read_at, self.steady, self._listing)
        self.prune_memos()
        if self.autosave:
            self.save()

    def _wait_for_save(self, folder: Path) -> None:
        tell = self.notify or (lambda _: None)
        failed = wait_for_save(folder, lambda: tell(f"waiting for the last build to finish saving {folder.name}/"))
        if failed:
            tell(f"note: the last build could not save {folder.name}/ ({failed}); this build does without it")

    def save_early(self) -> None:
        """Start writing the memos from a forked child, for save() to wait on: a full build's memos are
        tens of MB of pickles, which one core writes while the other writes the site. Only for a last build."""
        if not (self._hands_off() and self.changes.full and self._saving is None):
            return
        assert self.folder is not None and self._lock is not None
        self.prune_memos()
        self._make_folder()
        self._lock.hold()  # the child holds it too, until its memos are written
        # detached: a caller reading the build's output (build.py | tee log, a CI step) need not wait for it
        self._saving = fork(self.save_memos, self.folder / FAILED, detach=True)

    def link_memory(self) -> LinkMemory:
        """The last good build's link verdicts, when made by this engine, for this build's to add to."""
        last = self.state if self.state is not None and self.state.key.get("generator") == self.key.get("generator") \
            else None
        self._memory = LinkMemory(last.links_site, last.links, lambda: self.links, last.outputs.keys()) if last \
            else LinkMemory(parsed=lambda: self.links)
        return self._memory

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.folder is not None and self.folder.is_dir():
            self._wait_for_save(self.folder)
        loaded = undump(self.folder / "state.pickle") if self.folder else None
        if loaded is not None:
            self.state = loaded[0]

    def save(self) -> None:
        """Write the last good build's state (and changed shards of parsed briefs) to the folder."""
        if self.folder is None:
            return
        self._make_folder()
        assert self._lock is not None
        self._lock.hold()  # held already by save_early and in a handed-off save
        try:
            dump(self.folder / "state.pickle", (compact(self.state) if self.state is not None else None,),
                 {State: for_cache})
            if self._shown is not None and self._shown.changed:
                dump(self.folder / "shown.pickle", (self._shown.identity, self._shown.kept()))
                self._shown.changed = False
            if self._saving is not None:  # the memos are being written by a child (save_early)
                pid, self._saving = self._saving, None
                if not self._handed_off:  # a handed-off save's sibling: the lock waits for both
                    os.waitpid(pid, 0)
                return
            self.save_memos()
        finally:
            self._lock.release()
