"""`build.py serve`: build, serve site/ with live reload, and rebuild what changed on every edit.

The livereload package speaks to the browser. An edit to a brief is shown at once by a quick pass
on the watch thread; full rebuilds run on their own thread, so the server answers while one runs,
and every finished build sends its reloads (no dropped-reload window).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.watcher import Watcher as _LivereloadWatcher
from tornado import ioloop, web

from . import cli, pipeline
from .gcschedule import Collector
from .preview import Snapshot
from .project import Project, UsageError, open_project
from .search import Indexing
from .served import (
    HISTORY,
    RELOAD_SNIPPET,
    SETTLED,
    STATUS_PATH,
    SiteHandler,
    Status,
    StatusHandler,
    bind,
    reload_paths,
)
from .themes import resolve
from .warned import Warned
from .watch import Watcher
from .write import replace_files, write_files

SAVE_AFTER = 2.0  # seconds without edits before serve saves the build cache


def origin(args: argparse.Namespace) -> str:
    """http://host:port of the server (an IPv6 host in brackets)."""
    host = f"[{args.host}]" if ":" in args.host else args.host
    return f"http://{host}:{args.port}"


def preview_project(args: argparse.Namespace) -> tuple[Project | None, list[str]]:
    """The project as serve builds it: --base-path replaces the path of base_url."""
    project, diags = open_project(args.content, args.out, args.base_url, args.drafts)
    errors = [d.format() for d in diags if d.is_error]
    if args.base_path and not errors:
        base = "/" + args.base_path.strip("/") + "/" if args.base_path.strip("/") else "/"
        url = project.config.base_url
        origin = url.split("://", 1)[0] + "://" + url.split("://", 1)[1].split("/", 1)[0] if "://" in url else ""
        project = replace(project, config=replace(project.config, base_url=origin + base))
    return (None if errors else project), errors


class Builder:
    """Quick passes on the watch thread, full rebuilds on the build thread; each tells browsers what to reload.

    An edit to a brief that keeps its page is shown at once by the quick pass (preview.py); the full
    rebuild then brings every page up to date. A rebuild overtaken by a newer edit writes nothing and
    starts again.
    """

    def __init__(self, args: argparse.Namespace, console: cli.Console, status: Status,
                 reload: Callable[[str], None]):
        self.args, self.console, self.status, self.reload = args, console, status, reload
        self.cache = cli.open_cache(open_project(args.content, args.out)[0], console)
        self.cache.autosave = False  # saved once edits pause (save_when_idle), after the reloads went out
        self.stop = threading.Event()
        self.wanted = threading.Event()  # a full rebuild is due
        self.write_lock = threading.Lock()  # one writer at a time in the output folder
        self.generation = 0  # edits seen so far; a rebuild that started before the last one is stale
        self.snapshot: Snapshot | None = None
        self.snapshot_lock = threading.Lock()  # a quick pass renders from the snapshot it took, whole
        self.last_build = 0.0
        self.unsaved: float | None = None  # when a build the cache has not saved yet finished
        self.edited = 0.0  # when the last edit was seen
        self.collector = Collector()
        self.indexing: tuple[Project, Indexing] | None = None  # the last rebuild's search index, still being made
        self.warned = Warned()

    def build(self, first: bool = False) -> bool:
        start = time.perf_counter()
        generation = self.generation
        self.settle_index(stop=True)  # the last rebuild's, if any: this one indexes its own pages
        with self.status.lock:
            self.status.building = True
        try:
            project, errors = preview_project(self.args)
        except UsageError as exc:  # the content folder went away (renamed, a checkout): the browser says so too
            project, errors = None, [f"error: {exc}"]
        result = None
        held = []

        def proceed() -> bool:  # just before writing: hold the output folder unless a newer edit came in
            self.write_lock.acquire()
            if self.generation != generation:
                self.write_lock.release()
                return False
            held.append(True)
            return True

        if project is not None:
            # the first build's stages as they finish (on a terminal, as `build` prints them: a first build
            # of a large site takes seconds); with -v every rebuild's too
            shown = self.console.progress if first or self.args.verbose else None
            try:  # the lock covers the writing and the cache noting what it wrote, both inside build()
                # without a snapshot (serve started on a site built before: the first build found nothing
                # to do) the quick pass has nothing to draw on; the next build goes through every stage
                result = pipeline.build(project, write=True, strict=self.args.strict, search=self.args.search,
                                        cache=self.cache, proceed=proceed, progress=shown,
                                        site_needed=self.snapshot is None and not first, index_later=True)
            finally:
                if held:
                    self.write_lock.release()
            if result.superseded:
                self._let_go(result)
                return False
            errors = [d.format() for d in result.errors]
            if self.args.strict:
                errors += [d.format() for d in result.warnings]
        if errors and self.generation != generation:
            # the files it read were saved again since (an editor that truncates and then writes was caught
            # halfway): the rebuild due next says what is wrong with them now, not the banner for a passing state
            self._let_go(result)
            return False
        if project is not None and result is not None and result.indexing is not None:
            self.indexing = (project, result.indexing)
        elif result is not None and result.written is not None and self.args.search:
            self._search_problems([])  # the index was made with the pages (or reused): nothing is out of date
        with self.status.lock:
            self.status.indexing = self.indexing is not None
        self._finished(project, result, errors, first, time.perf_counter() - start)
        self._let_go(result)
        return not errors

    def settle_index(self, stop: bool = False) -> None:
        """Write the search index the last rebuild left to Pagefind once it is done; with `stop` (a rebuild
        begins, or serve stops), stop Pagefind if it is not. Pages are written without waiting for it (5 to 6 s
        at 4,000 briefs): meanwhile search finds what the last index held. Only the build thread writes it, and
        only before the next rebuild writes anything; the quick pass writes pages, never the index."""
        if self.indexing is None or not (stop or self.indexing[1].done()):
            return
        (project, indexing), self.indexing = self.indexing, None
        if not indexing.done():
            # the cache's record still has the index unfinished: the rebuild beginning makes it again, and
            # says whether one is still being made when it ends (the status does not blink to "done")
            indexing.cancel()
            return
        bundle, problems = indexing.finish()
        self._search_problems([p.format() for p in problems])
        for problem in problems:
            self.console.problem(problem.format())
        if not problems:
            written = replace_files(project.out, bundle, indexing.replaces)
            self.cache.noted(project.out, list(bundle), written.removed_paths)
            self.unsaved = time.monotonic()
            self.console.say(f"search index updated in {time.perf_counter() - indexing.started:.1f} s: "
                             f"{written.written} files written, {written.removed} removed")
        with self.status.lock:  # only now: a page told "indexed" before the bundle is on disk would load the old one
            self.status.indexing = False

    def _search_problems(self, problems: list[str]) -> None:
        """Show (or, once an index is made, take down) the banner saying the search index of the pages shown
        could not be made; the browsers showing the last one reload."""
        with self.status.lock:
            was, self.status.search_problems = self.status.search_problems, problems
        if problems or was:
            self.reload("*")

    def _let_go(self, result: pipeline.BuildResult | None) -> None:
        """Take apart a build's site that did not become the quick pass's snapshot (the build failed, or a
        newer edit overtook it), or a rebuild overtaken at every edit leaves a whole site for the collector."""
        snapshot = self.snapshot
        if result is not None and result.site is not None and (snapshot is None or snapshot.site is not result.site):
            result.site.release()

    def _finished(self, project: Project | None, result: pipeline.BuildResult | None, errors: list[str],
                  first: bool, elapsed: float) -> None:
        self.last_build = elapsed
        written = result.written if result is not None else None
        with self.status.lock:
            was, pending = list(self.status.errors), self.status.pending
            if errors != was or written is None:
                paths = ["*"]
            else:
                paths = reload_paths(project.config.base_path if project else "/", written)
            self.status.errors, self.status.builds = errors, self.status.builds + 1
            self.status.history = [*self.status.history, (self.status.builds, tuple(paths))][-HISTORY:]
            self.status.good = good = self.status.good or not errors
            self.status.pending = self.status.building = False
        for path in paths:
            self.reload(path)
        if pending:
            self.reload(SETTLED)
        if errors:
            for line in errors:
                self.console.problem(line)
            them = "them" if len(errors) != 1 else "it"
            # with no good build yet the browser shows the errors on a page of their own (served.error_page)
            where = "over the last good site" if good else "until the site builds"
            self.console.problem(f"build failed: {len(errors)} problem{'s' if len(errors) != 1 else ''}; "
                                 f"the browser shows {them} {where}")
            return
        assert project is not None and result is not None and written is not None
        self._follow_base(project.config.base_path)
        if result.site is not None:  # else nothing changed, and the last snapshot still holds
            new = Snapshot(project, result.site, self.cache.key.get("templates", ""), self.snapshot)
            with self.snapshot_lock:
                old, self.snapshot = self.snapshot, new
            if old is not None and old.site is not result.site:
                old.site.release()  # no quick pass can reach it now
        warnings, counted = self.warned.since(result.diagnostics)
        for line in warnings:
            self.console.problem(line)
        if not first and (written.written or written.removed or was or warnings):
            self.console.say(f"rebuilt in {elapsed * 1000:.0f} ms: {written.written} written, "
                             f"{written.removed} removed ({counted})")
        if first:
            self.cache.save()
        else:  # once edits pause: pickling the cache holds the interpreter, and the next edit's quick pass waits
            self.unsaved = time.monotonic()

    def _follow_base(self, base: str) -> None:
        """Serve under the path the pages were just built for: base_url's path changed in site.yaml."""
        with self.status.lock:
            was, self.status.base = self.status.base, base
        if base != was:
            self.console.say(f"serving under a new path: {origin(self.args)}{base}")
            self.reload("*")  # a page open under the old path shows where the site is now

    def save_when_idle(self, now: float | None = None) -> None:
        """Save the cache if a build has finished since the last save and no edit came for SAVE_AFTER seconds
        (`now` None: at once, as serve stops), and then collect the garbage of the builds since the last pause."""
        if self.unsaved is not None and (now is None or now - max(self.unsaved, self.edited) >= SAVE_AFTER):
            self.unsaved = None
            self.cache.save()
            if now is not None:
                self.collector.pause()

    def quick(self, changed: set[Path]) -> None:
        """Show an edited brief's page at once, when the last build was good and the edit allows it."""
        with self.status.lock:
            if self.status.errors:
                return
        start = time.perf_counter()
        with self.snapshot_lock:
            snapshot = self.snapshot
            if snapshot is None:
                return
            pages = snapshot.quick_pass(changed)
        if not pages:
            return
        with self.write_lock:
            written = write_files(snapshot.project.out, {p.path: p.data for p in pages})
        if not written:
            return
        with self.status.lock:
            self.status.pending = True
        for page in pages:
            if page.path in written:
                self.reload(page.url)
        self.console.say(f"showed the edit in {(time.perf_counter() - start) * 1000:.0f} ms; rebuilding the rest")

    def watch(self, watcher: Watcher) -> None:
        """The watch thread: notice edits, show what the quick pass can, and ask for a full rebuild."""
        while not self.stop.is_set():
            changed = watcher.wait(0.5)
            if not changed:
                continue
            while more := watcher.wait(0.03):  # let a burst of saves (a git checkout) settle
                changed |= more
            self.edited = time.monotonic()
            self.generation += 1
            try:
                self.quick(changed)
            except Exception as exc:  # noqa: BLE001 - the full rebuild follows and reports what is wrong
                self.console.problem(f"internal error in the quick pass: {type(exc).__name__}: {exc}")
            self.wanted.set()

    def run(self) -> None:
        """The build thread: one full rebuild at a time, whenever one is due."""
        while not self.stop.is_set():
            if not self.wanted.wait(0.5):
                self.settle_index()
                self.save_when_idle(time.monotonic())
                continue
            self.wanted.clear()
            try:
                self.build()
            except Exception as exc:  # noqa: BLE001 - a bug must not take the preview down; say what it was
                with self.status.lock:
                    self.status.building = False
                self.console.problem(f"internal error during rebuild: {type(exc).__name__}: {exc}")
            self.collector.after_build()


class ReloadSocket(LiveReloadHandler):
    """livereload's socket, passing on only the JSON objects its protocol speaks: its own handler logged a
    traceback for any other message a client sent (a stray tab, a port scanner)."""

    def on_message(self, message: str | bytes) -> Any:
        try:
            data = json.loads(message)
        except (ValueError, TypeError):
            return None
        return super().on_message(message) if isinstance(data, dict) else None


def cmd_serve(args: argparse.Namespace, console: cli.Console) -> int:
    status = Status()
    loop = ioloop.IOLoop.current()
    LiveReloadHandler.watcher = _LivereloadWatcher()  # only read for its log line; our Watcher finds changes

    def reload(path: str) -> None:  # called on the build thread; the IOLoop does the sending
        loop.add_callback(LiveReloadHandler.reload_waiters, path)

    builder = Builder(args, console, status, reload)
    project, _ = preview_project(args)
    base = status.base = project.config.base_path if project else "/"
    out = project.out if project else builder.cache.folder.parent / "site"  # type: ignore[union-attr]
    snippet = RELOAD_SNIPPET.format(settled=SETTLED)
    app = web.Application([
        (r"/livereload", ReloadSocket),
        (r"/livereload.js", LiveReloadJSHandler),
        (STATUS_PATH, StatusHandler, {"status": status}),
        (r"/(.*)", SiteHandler, {"out": out, "status": status, "snippet": snippet}),
    ], log_function=lambda handler: None)  # no line per request: a browser's 404 (favicon.ico) is no news
    server = bind(app, args.host, args.port, lambda port: cli.serve_command(args, port))  # before the first build
    root = open_project(args.content, args.out)[0]
    theme_dirs = [root.root / "themes", root.root / "templates", root.site_file, root.content]
    theme = resolve(root)[0]
    if theme is not None:
        theme_dirs += [*theme.template_dirs, *theme.static_dirs]
    # themes/ and templates/ too when missing: one made later is watched from then. Watched from before the first
    # build: an edit saved while it runs (seconds, on a large site) is a change the watch thread picks up after it
    watcher = Watcher(theme_dirs)
    console.say("building ...")
    builder.build(first=True)
    builder.collector.settle()
    if status.good:
        console.say(f"built in {builder.last_build:.2f} s")
    if status.good and builder.snapshot is None:  # nothing had changed: serve at once, and make the
        builder.wanted.set()  # quick pass's snapshot on the build thread (it renders and writes nothing)
    threads = [threading.Thread(target=builder.run, name="briefkit-rebuild", daemon=True),
               threading.Thread(target=builder.watch, args=(watcher,), name="briefkit-watch", daemon=True)]
    for thread in threads:
        thread.start()
    console.say(f"serving {origin(args)}{base} (watching with {watcher.kind}; Ctrl-C stops)")
    # Ctrl-C and `kill` stop the loop between requests: a KeyboardInterrupt raised inside livereload's
    # sending code would be swallowed by its bare `except:`. call_soon_threadsafe wakes the idle loop.
    def stop(*_: object) -> None:
        loop.asyncio_loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]

    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN or sig == signal.SIGTERM:
            signal.signal(sig, stop)
    try:
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        builder.stop.set()
        for thread in threads:
            thread.join(timeout=2)
        if not threads[0].is_alive():  # a rebuild still running (and left unfinished) is not saved
            builder.settle_index(stop=True)
            builder.save_when_idle()
        watcher.close()
        server.stop()
        builder.collector.close()
        console.say("stopped")
    return cli.EXIT_OK
