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
from .project import Project, UsageError, open_project
from .themes import resolve
from .watch import Watcher

RELOAD_SNIPPET = (
    '<script>(function(){{var s=document.createElement("script");'
    's.src="//"+location.hostname+":{port}/livereload.js?port={port}";document.head.appendChild(s);}})();</script>'
)


@dataclass
class Status:
    """What the browser is told: the last build's errors (shown over the last good site)."""

    errors: list[str] = field(default_factory=list)
    builds: int = 0
    good: bool = False
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


def inject(page: bytes, snippet: str, errors: list[str]) -> bytes:
    """Add the live-reload script (and the error banner) to an HTML page."""
    text = page.decode("utf-8", "replace")
    head = text.find("</head>")
    text = text[:head] + snippet + text[head:] if head >= 0 else snippet + text
    if errors:
        body = text.rfind("</body>")
        text = text[:body] + error_banner(errors) + text[body:] if body >= 0 else text + error_banner(errors)
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
            errors, good = list(self.status.errors), self.status.good
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
            data, ctype = inject(data, self.snippet, errors), "text/html; charset=utf-8"
        self._send(data, ctype)

    def head(self, path: str) -> None:
        self.get(path)

    def _send(self, data: bytes, ctype: str) -> None:
        self.set_header("Content-Type", ctype)
        self.finish(data)


class StatusHandler(web.RequestHandler):
    """/__briefkit/status: the last build's errors and how many builds ran (for tools and tests)."""

    def initialize(self, status: Status) -> None:
        self.status = status

    def get(self) -> None:
        with self.status.lock:
            self.finish(json.dumps({"builds": self.status.builds, "errors": self.status.errors}))


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
    """Runs builds on its own thread whenever the watcher sees a change, then tells browsers to reload."""

    def __init__(self, args: argparse.Namespace, console: cli.Console, status: Status,
                 reload: Callable[[str], None]):
        self.args, self.console, self.status, self.reload = args, console, status, reload
        self.cache = BuildCache.for_project(open_project(args.content, args.out)[0])
        self.cache.autosave = False  # save after the reload is sent, not before
        self.stop = threading.Event()
        self.last_build = 0.0

    def build(self, first: bool = False) -> bool:
        start = time.perf_counter()
        project, errors = preview_project(self.args)
        result = None
        if project is not None:
            result = pipeline.build(project, write=True, strict=self.args.strict, search=self.args.search,
                                    cache=self.cache)
            errors = [d.format() for d in result.errors]
            if self.args.strict:
                errors += [d.format() for d in result.warnings]
        self.last_build = time.perf_counter() - start
        with self.status.lock:
            was = list(self.status.errors)
            self.status.errors, self.status.builds = errors, self.status.builds + 1
            self.status.good = self.status.good or not errors
        written = result.written if result is not None else None
        changed = written is not None and bool(written.written or written.removed)
        if changed or errors != was:
            self.reload("*")
        if errors:
            for line in errors:
                self.console.problem(line)
            self.console.problem(f"build failed: {len(errors)} problem{'s' if len(errors) != 1 else ''}; "
                                 "the browser shows them over the last good site")
        elif result is not None and written is not None:
            if not first and (changed or was):
                self.console.say(f"rebuilt in {self.last_build * 1000:.0f} ms: {written.written} written, "
                                 f"{written.removed} removed ({count_line(result.diagnostics)})")
            self.cache.save()
        return not errors

    def run(self, watcher: Watcher) -> None:
        while not self.stop.is_set():
            if not watcher.wait(0.5):
                continue
            while watcher.wait(0.03):  # let a burst of saves (a git checkout) settle into one build
                pass
            try:
                self.build()
            except Exception as exc:  # noqa: BLE001 - a bug must not take the preview down; say what it was
                self.console.problem(f"internal error during rebuild: {type(exc).__name__}: {exc}")


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
    snippet = RELOAD_SNIPPET.format(port=args.port)
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
    thread = threading.Thread(target=builder.run, args=(watcher,), name="briefkit-rebuild", daemon=True)
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
        thread.join(timeout=2)
        watcher.close()
        server.stop()
        console.say("stopped")
    return cli.EXIT_OK


cli.EXTENSIONS.append(add_parser)
cli.COMMANDS["serve"] = cmd_serve
