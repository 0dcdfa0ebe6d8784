"""External links, for `check --external`: each tried once, and each failure named where it was written
(the brief's field, the line of its Markdown, or the outlets.yaml entry), as the author fixes it there.

Loaded only by that command: the HTTP modules load only when links are fetched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from . import __version__
from .diagnostics import WARNING, Diagnostic
from .listings import SiteData
from .pagelinks import written_links

Origin = tuple[str, int, str]  # (shown file, line, field), as a Diagnostic names them


class Origins:
    """Where each URL was written, among the published briefs (and outlets.yaml): indexed once, as
    `check --external` asks for every link that failed (all of them, offline: 26,000 at 4,000 briefs)."""

    def __init__(self, site: SiteData, outlets_file: str = ""):
        self.fields: dict[str, set[Origin]] = {}
        for value, path, line, fld in _fields(site, outlets_file):
            self.fields.setdefault(value, set()).add((path, line, fld))
        self.body: dict[str, set[Origin]] = {}  # a link in a brief's Markdown (body or text field), as written
        for v in site.briefs:
            b = v.brief
            for i, text in enumerate(b.body.split("\n")):
                for _, url in written_links(text):
                    self.body.setdefault(url, set()).add((b.path, b.body_line + i, "body"))
            texts = [(f"narratives[{i}].text", n.text) for i, n in enumerate(b.narratives, start=1)]
            texts += [(f"predictions[{i}].claim", p.claim) for i, p in enumerate(b.predictions, start=1)]
            texts += [(f"corrections[{i}].text", c.text) for i, c in enumerate(b.corrections, start=1)]
            for fld, text in texts:
                for offset, url in written_links(text):
                    self.body.setdefault(url, set()).add((b.path, b.line_in(fld, offset), fld))

    def __call__(self, url: str) -> list[Origin]:
        """Every place it was written, in file order (a field and a body line, a source of one brief and a
        link in another); a body link as written or percent-decoded (Markdown encodes some)."""
        empty: set[Origin] = set()
        return sorted(self.fields.get(url, empty) | self.body.get(url, empty) | self.body.get(unquote(url), empty))


def _fields(site: SiteData, outlets_file: str) -> Iterator[tuple[str, str, int, str]]:
    """(url, file, line, field) of every URL field of the published briefs and of outlets.yaml."""
    for v in site.briefs:
        b = v.brief
        named = [(f"sources[{s.number}].url", s.url) for s in b.sources]
        named += [(f"narratives[{i}].url", n.url) for i, n in enumerate(b.narratives, start=1)]
        named += [(f"predictions[{i}].url", p.url) for i, p in enumerate(b.predictions, start=1)]
        if b.image is not None:
            named.append(("image.src", b.image.src))
        for fld, value in named:
            if value:
                yield value, b.path, b.line_of(fld), fld
    if outlets_file:
        for i, o in enumerate(site.outlets, start=1):
            if o.url:
                yield o.url, outlets_file, o.url_line or o.line, f"[{i}].url"


_UNSENDABLE = re.compile(r"[^\x21-\x7e]")  # what a browser percent-encodes before asking: spaces, non-ASCII


def as_sent(url: str) -> str:
    """The URL as a browser sends it: a space or "é" in its path or query percent-encoded (UTF-8), as
    http.client refuses them; the host as written (it is sent as IDNA)."""
    parts = urlsplit(url)
    if not _UNSENDABLE.search(parts.path + parts.query + parts.fragment):
        return url
    return urlunsplit(parts._replace(path=_encoded(parts.path), query=_encoded(parts.query),
                                     fragment=_encoded(parts.fragment)))


def _encoded(text: str) -> str:
    return _UNSENDABLE.sub(lambda m: quote(m[0]), text)


def fetch(url: str, timeout: float = 10.0) -> str:
    """Try one external URL; '' when it answers, else why not."""
    import http.client  # HTTP and e-mail modules load only when external links are fetched
    import urllib.error
    import urllib.request

    headers = {"User-Agent": f"briefkit/{__version__} link checker"}
    url = as_sent(url)
    # with cookies, as a browser: some sites set one and redirect to the page again, forever without it
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    for method in ("HEAD", "GET"):
        try:
            with opener.open(urllib.request.Request(url, headers=headers, method=method), timeout=timeout):
                return ""
        except urllib.error.HTTPError as exc:
            # some servers answer HEAD wrongly (403, 405, 404, 500...) and GET rightly; 429 asks for fewer requests
            if method == "HEAD" and exc.code != 429:
                continue
            if str(exc.msg).startswith(urllib.request.HTTPRedirectHandler.inf_msg):
                where = exc.headers.get("Location", "")
                return f'keeps redirecting (in a loop, or more than 10 times; the last to "{where}")'
            if exc.code == 429:  # the site limits requests: the link is likely fine
                wait = (exc.headers.get("Retry-After") or "").strip()
                when = f"the site asks to try again in {wait} s" if wait.isdigit() else "try again later"
                return f"answered HTTP 429 (too many requests; {when})"
            return f"answered HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return f"could not be reached ({reason})"
        except http.client.HTTPException as exc:  # an answer http.client cannot read: not a crash of the check
            return f"could not be reached (the answer is not HTTP: {type(exc).__name__})"
    return "could not be reached"  # pragma: no cover - the loop always returns


def fetch_all(urls: list[str], get: Callable[[str], str], workers: int, limit: float) -> list[str]:
    """get(url) for each URL on `workers` threads. One still unanswered after `limit` seconds is given up
    on (a server that sends its answer a byte at a time never reaches the socket's timeout): its thread is
    left behind, a daemon, so it holds up neither the check nor its exit, and another takes its place."""
    import threading  # only `check --external` fetches
    import time

    results: list[str | Exception | None] = [None] * len(urls)
    started: dict[int, float] = {}  # index -> when its fetch began, while it runs
    todo = iter(range(len(urls)))
    lock = threading.Condition()
    left = len(urls)

    def work() -> None:
        nonlocal left
        while True:
            with lock:
                i = next(todo, None)
                if i is None:
                    return
                started[i] = time.monotonic()
                lock.notify()
            try:
                problem: str | Exception = get(urls[i])
            except Exception as exc:  # noqa: BLE001 - raised again by the caller's thread, as before
                problem = exc
            with lock:
                if started.pop(i, None) is None:  # given up on meanwhile: another thread took its place
                    return
                results[i], left = problem, left - 1
                lock.notify()

    def spawn() -> None:
        threading.Thread(target=work, daemon=True).start()

    for _ in range(min(workers, len(urls))):
        spawn()
    with lock:
        while left:
            now = time.monotonic()
            late = [i for i, began in started.items() if now - began >= limit]
            for i in late:
                del started[i]
                results[i], left = f"could not be reached (no full answer within {limit:g} s)", left - 1
                spawn()
            if not late:  # until the first running fetch is late, or one starts or ends
                lock.wait(timeout=max(0.01, min(started.values(), default=now) + limit - now))
    for result in results:
        if isinstance(result, Exception):
            raise result
    return [str(result) for result in results]


def check_external(external: dict[str, list[str]], workers: int = 8, get: Callable[[str], str] = fetch,
                   written: Callable[[str], list[tuple[str, int, str]]] | None = None,
                   limit: float = 30.0) -> list[Diagnostic]:
    """Fetch each external link once (giving up on one after `limit` seconds); each failure is a warning where
    the link was `written` (a brief's field or line: Origins above), or else on the first page that links to
    it (a theme's link)."""
    links = list(external)
    urls = [u if urlsplit(u).scheme else "https:" + u for u in links]  # protocol-relative //host/...
    results = fetch_all(urls, get, workers, limit)
    diags = []
    for original, problem in zip(links, results):
        if not problem:
            continue
        places = written(original) if written is not None else []
        for path, line, fld in places:
            diags.append(Diagnostic(path, line, fld, f'link "{original}" {problem}', WARNING))
        if not places:
            pages = external[original]
            more = f"also on {len(pages) - 1} other page{'s' if len(pages) != 2 else ''}" if len(pages) > 1 else ""
            diags.append(Diagnostic(pages[0], 0, "link", f'external link "{original}" {problem}', WARNING, more))
    return diags
