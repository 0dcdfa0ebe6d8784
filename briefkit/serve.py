"""`build.py serve`: build, serve site/ with live reload, and rebuild what changed on every edit.

The livereload package speaks to the browser; builds run on their own thread, so the server
answers while one runs, and every finished build sends its reload (no dropped-reload window).
"""

from __future__ import annotations

import argparse
import errno
import html
import json
import mimetypes
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.watcher import Watcher as _LivereloadWatcher
from tornado import httpserver, ioloop, web

from . import cli, pipeline
from .cache import BuildCache
from .diagnostics import count_line
from .preview import Snapshot
from .project import Project, UsageError, open_project
from .themes import resolve
from .watch import Watcher
from .write import WriteStats, write_files

# A LiveReload plugin (livereload.js picks up window.LiveReloadPlugin*): a reload names the page that
# changed, and only a browser showing that page reloads; "settled" ends the quick pass's notice.
RELOAD_SNIPPET = (
    '<script>(function(){{function P(w){{this.w=w}}P.identifier="briefkit";P.version="1.0";'
    'P.prototype.reload=function(path){{var d=this.w.document;'
    'if(path==="{settled}"){{var n=d.getElementById("briefkit-pending");if(n)n.remove();return true}}'
    'if(path==="*"||!/(\\/|\\.html)$/.test(path))return false;'
    'return path.replace(/index\\.html$/,"")!==this.w.location.pathname.replace(/index\\.html$/,"")}};'
    'window.LiveReloadPluginBriefkit=P;var s=document.createElement("script");'
    's.src="//"+location.hostname+":{port}/livereload.js?port={port}";document.head.appendChild(s);}})();</script>'
)
SETTLED = "/__briefkit/settled"
MAX_NAMED = 30  # a build that changed more pages than this reloads every browser
PENDING_NOTICE = (
    '<div id="briefkit-pending" role="status" style="position:fixed;inset:auto 1em 1em auto;z-index:2147483647;'
    'padding:.4em .8em;background:#fffbe6;color:#5c4400;border:1px solid #d9b200;border-radius:4px;'
    'font:13px/1.4 system-ui,sans-serif">This page shows your edit; lists, related briefs and search '
    'are still being rebuilt.</div>'
)


@dataclass
class Status:
    """What the browser is told: the last build's errors (shown over the last good site)."""

    errors: list[str] = field(default_factory=list)
    builds: int = 0
    good: bool = False
    pending: bool = False  # a quick pass showed an edit; the full rebuild has not finished
    lock: threading.Lock = field(default_factory=threading.Lock)


def error_banner(errors: list[str]) -> str:
    """The banner listing each `file:line: message`, escaped; styled inline so any theme shows it."""
    items = "".join(f"<li><code>{html.escape(e)}</code></li>" for e in errors)
    return ('<div id="briefkit-errors" role="alert" style="position:fixed;inset:auto 0 0 0;z-index:2147483647;'
            'max-height:50vh;overflow:auto;margin:0;padding:1em 1.5em;background:#fff0f0;color:#600;'
            'border-top:4px solid #c00;font:14px/1.5 system-ui,sans-serif;box-shadow:0 -2px 8px #0003">'
            f'<strong>The last edit did not build ({len(errors)} problem{"s" if len(errors) != 1 else ""}); '
            'this is the last good version of the site.</strong>'
            f'<ul style="margin:.5em 0 0;padding-left:1.2em">{items}</ul></div>')


def error_page(errors: list[str], snippet: str) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Build failed</title>{snippet}</head>'
            f'<body><h1>The site did not build</h1><p>Fix these and save; this page reloads.</p>'
            f'{error_banner(errors)}</body></html>').encode()


def inject(page: bytes, snippet: str, errors: list[str], pending: bool = False) -> bytes:
    """Add the live-reload script (and the error banner, or the rebuilding notice) to an HTML page."""
    text = page.decode("utf-8", "replace")
    head = text.find("</head>")
    text = text[:head] + snippet + text[head:] if head >= 0 else snippet + text
    shown = error_banner(errors) if errors else PENDING_NOTICE if pending else ""
    if shown:
        body = text.rfind("</body>")
        text = text[:body] + shown + text[body:] if body >= 0 else text + shown
    return text.encode("utf-8")


def resolve_request(base: str, path: str, out: Path) -> tuple[str, str | Path | None]:
    """Map a URL path as GitHub Pages would: ("file", path) | ("redirect", url) | ("missing", None)."""
    path = unquote(path)
    if not path.startswith(base):
        return ("redirect", base) if path + "/" == base else ("outside", None)
    rel = path[len(base):]
    target = (out / rel).resolve()
    if not target.is_relative_to(out.resolve()):
        return "missing", None
    if target.is_dir():
        if rel and not rel.endswith("/"):
            return "redirect", path + "/"
        target = target / "index.html"
    elif not target.exists() and not rel.endswith(".html") and (out / (rel + ".html")).is_file():
        target = out / (rel + ".html")  # GitHub Pages serves x.html for /x
    return ("file", target) if target.is_file() else ("missing", None)


class SiteHandler(web.RequestHandler):
    """Files of the output folder under the base path, HTML with the reload script and any error banner."""

    def initialize(self, out: Path, base: str, status: Status, snippet: str) -> None:
        self.out, self.base, self.status, self.snippet = out, base, status, snippet

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def get(self, path: str) -> None:
        with self.status.lock:
            errors, good, pending = list(self.status.errors), self.status.good, self.status.pending
        if not good and errors:
            self.set_status(500)
            self._send(error_page(errors, self.snippet), "text/html; charset=utf-8")
            return
        kind, where = resolve_request(self.base, urlsplit(self.request.uri or "/").path, self.out)
        if kind == "redirect":
            self.redirect(str(where), permanent=True)
            return
        if kind == "outside":
            self.set_status(404)
            link = html.escape(self.base)
            self._send(f'<!doctype html><title>Not here</title><p>The site is served under <a href="{link}">'
                       f'{link}</a>, as it will be when published.</p>'.encode(), "text/html; charset=utf-8")
            return
        if kind == "missing":
            self.set_status(404)
            where = self.out / "404.html"
            if not where.is_file():
                self._send(b"<!doctype html><title>Not found</title><p>Not found.</p>", "text/html; charset=utf-8")
                return
        assert isinstance(where, Path)
        data = where.read_bytes()
        ctype = mimetypes.guess_type(where.name)[0] or "application/octet-stream"
        if ctype == "text/html":
            data, ctype = inject(data, self.snippet, errors, pending), "text/html; charset=utf-8"
        self._send(data, ctype)

    def head(self, path: str) -> None:
        self.get(path)

    def _send(self, data: bytes, ctype: str) -> None:
        self.set_header("Content-Type", ctype)
        self.finish(data)


class StatusHandler(web.RequestHandler):
    """/__briefkit/status: the last build's errors, how many builds ran, whether one is catching up."""

    def initialize(self, status: Status) -> None:
        self.status = status

    def get(self) -> None:
        with self.status.lock:
            self.finish(json.dumps({"builds": self.status.builds, "errors": self.status.errors,
                                    "pending": self.status.pending}))


def free_port(host: str, start: int) -> int | None:
    for port in range(start, min(start + 50, 65536)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    return None


def bind(app: web.Application, host: str, port: int) -> httpserver.HTTPServer:
    """Listen on host:port; a busy port is a usage error that names the next free one."""
    server = httpserver.HTTPServer(app)
    try:
        server.listen(port, address=host)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        nxt = free_port(host, port + 1)
        offer = f"; port {nxt} is free: build.py serve --port {nxt}" if nxt else ""
        raise UsageError(f"port {port} on {host} is already in use (another server?){offer}") from exc
    return server


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

    An edit to a brief's body is shown at once by the quick pass (preview.py); the full rebuild then
    brings every page up to date. A rebuild overtaken by a newer edit writes nothing and starts again.
    """

    def __init__(self, args: argparse.Namespace, console: cli.Console, status: Status,
                 reload: Callable[[str], None]):
        self.args, self.console, self.status, self.reload = args, console, status, reload
        self.cache = BuildCache.for_project(open_project(args.content, args.out)[0])
        self.cache.autosave = False  # save after the reload is sent, not before
        self.stop = threading.Event()
        self.wanted = threading.Event()  # a full rebuild is due
        self.write_lock = threading.Lock()  # one writer at a time in the output folder
        self.generation = 0  # edits seen so far; a rebuild that started before the last one is stale
        self.snapshot: Snapshot | None = None
        self.last_build = 0.0

    def build(self, first: bool = False) -> bool:
        start = time.perf_counter()
        generation = self.generation
        project, errors = preview_project(self.args)
        result = None
        held = []

        def proceed() -> bool:  # just before writing: hold the output folder unless a newer edit came in
            self.write_lock.acquire()
            if self.generation != generation:
                self.write_lock.release()
                return False
            held.append(True)
            return True

        try:
            if project is not None:
                result = pipeline.build(project, write=True, strict=self.args.strict, search=self.args.search,
                                        cache=self.cache, proceed=proceed)
                if result.superseded:
                    return False
                errors = [d.format() for d in result.errors]
                if self.args.strict:
                    errors += [d.format() for d in result.warnings]
            self._finished(project, result, errors, first, time.perf_counter() - start)
        finally:
            if held:
                self.write_lock.release()
        return not errors

    def _finished(self, project: Project | None, result: pipeline.BuildResult | None, errors: list[str],
                  first: bool, elapsed: float) -> None:
        self.last_build = elapsed
        with self.status.lock:
            was, pending = list(self.status.errors), self.status.pending
            self.status.errors, self.status.builds = errors, self.status.builds + 1
            self.status.good = self.status.good or not errors
            self.status.pending = False
        written = result.written if result is not None else None
        if errors != was or written is None:
            self.reload("*")
        else:
            for path in reload_paths(project.config.base_path if project else "/", written):
                self.reload(path)
        if pending:
            self.reload(SETTLED)
        if errors:
            for line in errors:
                self.console.problem(line)
            self.console.problem(f"build failed: {len(errors)} problem{'s' if len(errors) != 1 else ''}; "
                                 "the browser shows them over the last good site")
            return
        assert project is not None and result is not None and written is not None
        self.snapshot = Snapshot(project, result.site) if result.site is not None else None
        if not first and (written.written or written.removed or was):
            self.console.say(f"rebuilt in {elapsed * 1000:.0f} ms: {written.written} written, "
                             f"{written.removed} removed ({count_line(result.diagnostics)})")
        self.cache.save()

    def quick(self, changed: set[Path]) -> None:
        """Show an edit to a brief's body at once, when the last build was good and the edit allows it."""
        snapshot = self.snapshot
        with self.status.lock:
            if snapshot is None or self.status.errors:
                return
        start = time.perf_counter()
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
                continue
            self.wanted.clear()
            try:
                self.build()
            except Exception as exc:  # noqa: BLE001 - a bug must not take the preview down; say what it was
                self.console.problem(f"internal error during rebuild: {type(exc).__name__}: {exc}")


def reload_paths(base: str, written: WriteStats) -> list[str]:
    """What browsers are told to reload after a build: each changed page's URL, or everything ("*")."""
    changed = written.written_paths + written.removed_paths
    pages = [p for p in changed if p.endswith(".html")]
    if not changed:
        return []
    if len(pages) != len(changed) or len(pages) > MAX_NAMED:  # a stylesheet, script or image: reload all
        return ["*"]
    return [base + p.removesuffix("index.html") for p in pages]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="build, serve with live reload, rebuild on every edit")
    cli._common(p, writes=True)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; a busy port names a free one)")
    p.add_argument("--base-path", metavar="PATH",
                   help="serve under this path, as GitHub Pages serves a project site (default: base_url's path)")


def cmd_serve(args: argparse.Namespace, console: cli.Console) -> int:
    status = Status()
    loop = ioloop.IOLoop.current()
    LiveReloadHandler.watcher = _LivereloadWatcher()  # only read for its log line; our Watcher finds changes

    def reload(path: str) -> None:  # called on the build thread; the IOLoop does the sending
        loop.add_callback(LiveReloadHandler.reload_waiters, path)

    builder = Builder(args, console, status, reload)
    project, _ = preview_project(args)
    base = project.config.base_path if project else "/"
    out = project.out if project else builder.cache.folder.parent / "site"  # type: ignore[union-attr]
    snippet = RELOAD_SNIPPET.format(port=args.port, settled=SETTLED)
    app = web.Application([
        (r"/livereload", LiveReloadHandler),
        (r"/livereload.js", LiveReloadJSHandler),
        (r"/__briefkit/status", StatusHandler, {"status": status}),
        (r"/(.*)", SiteHandler, {"out": out, "base": base, "status": status, "snippet": snippet}),
    ])
    server = bind(app, args.host, args.port)  # before the first build, so a busy port fails fast
    console.say("building ...")
    builder.build(first=True)
    if status.good:
        console.say(f"built in {builder.last_build:.2f} s")
    root = open_project(args.content, args.out)[0]
    theme_dirs = [root.root / "themes", root.root / "templates", root.site_file, root.content]
    theme = resolve(root)[0]
    if theme is not None:
        theme_dirs += [*theme.template_dirs, *theme.static_dirs]
    watcher = Watcher([p for p in theme_dirs if p.exists() or p == root.site_file])
    threads = [threading.Thread(target=builder.run, name="briefkit-rebuild", daemon=True),
               threading.Thread(target=builder.watch, args=(watcher,), name="briefkit-watch", daemon=True)]
    for thread in threads:
        thread.start()
    host = f"[{args.host}]" if ":" in args.host else args.host
    console.say(f"serving http://{host}:{args.port}{base} (watching with {watcher.kind}; Ctrl-C stops)")
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
        watcher.close()
        server.stop()
        console.say("stopped")
    return cli.EXIT_OK


cli.EXTENSIONS.append(add_parser)
cli.COMMANDS["serve"] = cmd_serve
