"""What a browser gets from serve: pages with the reload script and the error banner or rebuilding notice.

Maps URLs as GitHub Pages does, under the site's base path; reads the output folder, never writes it.
Listens where asked, or says which port is free when that one is taken.
"""

from __future__ import annotations

import errno
import html
import json
import mimetypes
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tornado import httpserver, web

from .project import UsageError
from .write import WriteStats

# A LiveReload plugin (livereload.js picks up window.LiveReloadPlugin*): a reload names the page that
# changed, and only a browser showing that page reloads; "settled" ends the quick pass's notice. The script and
# its socket come from the address the page came from, which is not serve's port behind a forwarded one
# (docker run -p 8080:8000, a Codespace, ssh -L); the host goes in the query, as livereload.js cannot read [::1]:port.
RELOAD_SNIPPET = (
    '<script>(function(){{function P(w){{this.w=w}}P.identifier="briefkit";P.version="1.0";'
    'P.prototype.reload=function(path){{var d=this.w.document;'
    'if(path==="{settled}"){{var n=d.getElementById("briefkit-pending");if(n)n.remove();return true}}'
    'if(path==="*"||!/(\\/|\\.html)$/.test(path))return false;'
    'return path.replace(/index\\.html$/,"")!==this.w.location.pathname.replace(/index\\.html$/,"")}};'
    'window.LiveReloadPluginBriefkit=P;var s=document.createElement("script");'
    'var p=location.port||(location.protocol==="https:"?"443":"80");'
    's.src="//"+location.host+"/livereload.js?host="+location.hostname+"&port="+p;'
    'document.head.appendChild(s);}})();</script>'
)
SETTLED = "/__briefkit/settled"
DATA_FILES = (".json", ".xml", ".txt")
MAX_NAMED = 30  # a build that changed more pages than this reloads every browser
PENDING_NOTICE = (
    '<div id="briefkit-pending" role="status" style="position:fixed;inset:auto 1em 1em auto;z-index:2147483647;'
    'padding:.4em .8em;background:#fffbe6;color:#5c4400;border:1px solid #d9b200;border-radius:4px;'
    'font:13px/1.4 system-ui,sans-serif">This page shows your edit; lists, related briefs and search '
    'are still being rebuilt.</div>'
)
# A page served while a build runs may miss that build's reload (livereload only tells connected tabs),
# so it asks until the build is over, then reloads if the build changed it, or drops the notice.
CATCH_UP = (
    '<script>(function(){{function ask(){{fetch("{status}?since={build}&path="+encodeURIComponent(location.pathname))'
    '.then(function(r){{return r.json()}}).then(function(s){{if(s.building){{setTimeout(ask,400);return}}'
    'if(s.reload){{location.reload();return}}var n=document.getElementById("briefkit-pending");if(n)n.remove()}},'
    'function(){{setTimeout(ask,1000)}})}}ask()}})();</script>'
)
STATUS_PATH = "/__briefkit/status"
HISTORY = 50  # builds remembered for pages asking what changed since they were served


@dataclass
class Status:
    """What the browser is told: the last build's errors (shown over the last good site)."""

    errors: list[str] = field(default_factory=list)
    builds: int = 0
    good: bool = False
    pending: bool = False  # a quick pass showed an edit; the full rebuild has not finished
    building: bool = False  # a full build is running
    indexing: bool = False  # the search index of the last build is still being made
    search_problems: list[str] = field(default_factory=list)  # why the last search index made after its pages failed
    history: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)  # (build, URL paths it reloaded)
    base: str = "/"  # the path the site is served under: the last good build's (base_url or --base-path)
    lock: threading.Lock = field(default_factory=threading.Lock)


def error_banner(errors: list[str], over_site: bool = True) -> str:
    """The banner listing each `file:line: message`, escaped; styled inline so any theme shows it.

    `over_site` False: no build was good yet, and the banner stands on the error page, not over the site."""
    items = "".join(f"<li><code>{html.escape(e)}</code></li>" for e in errors)
    count = f'{len(errors)} problem{"s" if len(errors) != 1 else ""}'
    said = (f"The last edit did not build ({count}); this is the last good version of the site." if over_site
            else f"The site did not build ({count}); there is no good build of it to show yet.")
    return ('<div id="briefkit-errors" role="alert" style="position:fixed;inset:auto 0 0 0;z-index:2147483647;'
            'max-height:50vh;overflow:auto;margin:0;padding:1em 1.5em;background:#fff0f0;color:#600;'
            'border-top:4px solid #c00;font:14px/1.5 system-ui,sans-serif;box-shadow:0 -2px 8px #0003">'
            f'<strong>{said}</strong>'
            f'<ul style="margin:.5em 0 0;padding-left:1.2em">{items}</ul></div>')


def search_banner(problems: list[str]) -> str:
    """The notice that the pages are new but their search index could not be made, with the reasons."""
    items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return ('<div id="briefkit-search-problems" role="alert" style="position:fixed;inset:auto 0 0 0;'
            'z-index:2147483647;max-height:40vh;overflow:auto;margin:0;padding:.8em 1.5em;background:#fffbe6;'
            'color:#5c4400;border-top:4px solid #d9b200;font:14px/1.5 system-ui,sans-serif">'
            '<strong>The pages show your last edit, but their search index could not be made: search still finds '
            'what the index before it held.</strong>'
            f'<ul style="margin:.5em 0 0;padding-left:1.2em">{items}</ul></div>')


def error_page(errors: list[str], snippet: str) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Build failed</title>{snippet}</head>'
            f'<body><h1>The site did not build</h1><p>Fix these and save; this page reloads.</p>'
            f'{error_banner(errors, over_site=False)}</body></html>').encode()


def inject(page: bytes, snippet: str, errors: list[str], pending: bool = False, building: int | None = None,
           search: list[str] | None = None) -> bytes:
    """Add the live-reload script (and the error banner, the rebuilding notice or the search index's problems)
    to an HTML page.

    `building` is the number of the last finished build when the page is served while another runs.
    """
    text = page.decode("utf-8", "replace")
    head = text.find("</head>")
    text = text[:head] + snippet + text[head:] if head >= 0 else snippet + text
    shown = error_banner(errors) if errors else PENDING_NOTICE if pending else search_banner(search) if search else ""
    if building is not None:
        shown += CATCH_UP.format(status=STATUS_PATH, build=building)
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
    try:
        target = (out / rel).resolve()
        if not target.is_relative_to(out.resolve()):
            return "missing", None
        if target.is_dir():
            if rel and not rel.endswith("/"):
                return "redirect", path + "/"
            target = target / "index.html"
        elif rel.endswith("/"):  # a file asked for as a folder (style.css/): GitHub Pages has no such page
            return "missing", None
        elif not target.exists() and not rel.endswith(".html") and (out / (rel + ".html")).is_file():
            target = out / (rel + ".html")  # GitHub Pages serves x.html for /x
        return ("file", target) if target.is_file() else ("missing", None)
    except (OSError, ValueError):  # a name too long for the system, a NUL byte: no file has it
        return "missing", None


class SiteHandler(web.RequestHandler):
    """Files of the output folder under the base path, HTML with the reload script and any error banner."""

    def initialize(self, out: Path, status: Status, snippet: str) -> None:
        self.out, self.status, self.snippet = out, status, snippet

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def get(self, path: str) -> None:
        with self.status.lock:
            errors, good, pending = list(self.status.errors), self.status.good, self.status.pending
            search = list(self.status.search_problems)
            building = self.status.builds if self.status.building else None
            self.base = self.status.base
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
            data, ctype = inject(data, self.snippet, errors, pending, building, search), "text/html; charset=utf-8"
        self._send(data, ctype)

    def head(self, path: str) -> None:
        self.get(path)

    def _send(self, data: bytes, ctype: str) -> None:
        self.set_header("Content-Type", ctype)
        self.finish(data)


class StatusHandler(web.RequestHandler):
    """/__briefkit/status: the last build's errors, how many builds ran, whether one is running or catching up,
    whether its search index is still being made, and why the last one made after its pages failed, if it did.

    With ?since=N&path=P it also says whether a build after the N-th reloaded the page at P.
    """

    def initialize(self, status: Status) -> None:
        self.status = status

    def get(self) -> None:
        since, path = self.get_argument("since", ""), self.get_argument("path", "")
        with self.status.lock:
            answer = {"builds": self.status.builds, "errors": self.status.errors, "pending": self.status.pending,
                      "building": self.status.building, "indexing": self.status.indexing,
                      "search_problems": self.status.search_problems}
            if since.isdecimal():  # not isdigit(): "¹" is a digit that int() refuses
                page = path.removesuffix("index.html")
                answer["reload"] = any("*" in paths or page in paths
                                       for n, paths in self.status.history if n > int(since))
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer))


def reload_paths(base: str, written: WriteStats) -> list[str]:
    """What browsers are told to reload after a build: each changed page's URL, or everything ("*").

    Data files no page shows as it loads (feeds, the sitemap, index.json, the search index) reload
    nothing; a changed stylesheet, script or image reloads every page.
    """
    changed = [p for p in written.written_paths + written.removed_paths
               if not p.endswith(DATA_FILES) and not p.startswith("pagefind/")]
    pages = [p for p in changed if p.endswith(".html")]
    if len(pages) != len(changed) or len(pages) > MAX_NAMED:
        return ["*"]
    return [base + p.removesuffix("index.html") for p in pages]


def free_port(host: str, start: int) -> int | None:
    for port in range(start, min(start + 50, 65536)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    return None


def bind(app: web.Application, host: str, port: int, command: Callable[[int], str]) -> httpserver.HTTPServer:
    """Listen on host:port; a busy port is a usage error that names the next free one, and `command(port)` to use it."""
    server = httpserver.HTTPServer(app)
    try:
        server.listen(port, address=host)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        nxt = free_port(host, port + 1)
        offer = f"; port {nxt} is free: {command(nxt)}" if nxt else ""
        raise UsageError(f"port {port} on {host} is already in use (another server?){offer}") from exc
    return server
