"""`check --external` against a local server: each kind of answer is named where the link was written,
as a warning that says what happened, and no answer crashes the check."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from briefkit.cli import main
from briefkit.external import check_external as try_links
from briefkit.external import fetch_all

BRIEF = """---
title: A
date: 2024-10-01
sources:
{sources}narratives:
  - perspective: One
    outlet: X
    text: {narrative}
  - perspective: Two
    outlet: Y
    text: y
---

## Facts

- Something happened.{cites}
{body}"""


STOP = threading.Event()  # ends the answers that would never end
ROUTES: dict[str, tuple[int, dict[str, str]]] = {  # path (decoded) -> status, headers
    "/ok": (200, {}), "/café": (200, {}), "/a b": (200, {}), "/consent": (200, {}),
    "/no-head-403": (200, {}), "/no-head-404": (200, {}), "/no-head-500": (200, {}),
    "/busy": (429, {"Retry-After": "120"}), "/busy-no-wait": (429, {}),
    "/moved": (302, {"Location": "/ok"}), "/loop": (302, {"Location": "/loop"}),
}


class _Site(BaseHTTPRequestHandler):
    """Answers as ROUTES say (404 for any other path); /garbage answers not in HTTP, /trickle never ends, /consent only
    with the cookie it sets, /no-head-N answers HEAD with HTTP N."""

    def do_HEAD(self) -> None:
        if self.path == "/garbage":
            self.wfile.write(b"garbage\r\n\r\n")
            return
        if self.path == "/trickle":  # a header line every 0.1 s, never the end: the socket never times out
            self.wfile.write(b"HTTP/1.0 200 OK\r\n")
            while not STOP.wait(0.1):
                self.wfile.write(b"X-Wait: 1\r\n")
            return
        if self.path == "/consent" and "seen=1" not in self.headers.get("Cookie", ""):
            self.send_response(302)  # a cookie wall: a browser comes back with the cookie and gets the page
            self.send_header("Set-Cookie", "seen=1; Path=/")
            self.send_header("Location", "/consent")
            self.end_headers()
            return
        status, headers = ROUTES.get(unquote(self.path), (404, {}))
        if self.command == "HEAD" and self.path.startswith("/no-head"):
            status = int(self.path.rpartition("-")[2])  # a server that answers HEAD wrongly, GET rightly
        self.send_response(status)
        for name, value in {**headers, "Content-Length": "0"}.items():
            self.send_header(name, value)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    STOP.set()
    server.shutdown()
    server.server_close()


def check_external(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, urls: list[str], body: str = "",
                   site: str = "", narrative: str = "x") -> tuple[int, str]:
    """`check --external` on one brief citing `urls` as its sources: (exit code, what it printed on stderr)."""
    (tmp_path / "content").mkdir()
    (tmp_path / "site.yaml").write_text("title: T\nbase_url: /\n" + site)
    sources = "".join(f"  - name: S{i}\n    url: {url}\n" for i, url in enumerate(urls, start=1))
    cites = "".join(f"[{i}]" for i in range(1, len(urls) + 1))
    (tmp_path / "content/a.md").write_text(BRIEF.format(sources=sources, cites=cites, body=body, narrative=narrative), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--external"], out, err)
    return code, err.getvalue()


def test_a_source_url_with_unicode_in_its_path_is_asked_for_as_a_browser_asks(tmp_path, monkeypatch, origin):
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/café", f"{origin}/gone"])
    assert code == 0
    assert err.splitlines() == [f'content/a.md:8: warning: sources[2].url: link "{origin}/gone" answered HTTP 404']


def test_a_raw_html_link_with_a_space_is_asked_for_not_a_crash(tmp_path, monkeypatch, origin):
    body = f'- The <a href="{origin}/a b">report</a> and <a href="{origin}/gone b">another</a>.[1]\n'
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/ok"], body, site="allow_html: true\n")
    assert code == 0
    assert err.splitlines() == [f'content/a.md:19: warning: body: link "{origin}/gone b" answered HTTP 404']


def test_an_answer_that_is_not_http_is_a_warning_not_a_crash(tmp_path, monkeypatch, origin):
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/garbage"])
    assert code == 0
    assert err.splitlines() == [
        (f'content/a.md:6: warning: sources[1].url: link "{origin}/garbage" could not be reached'
         " (the answer is not HTTP: BadStatusLine)"),
    ]


def test_a_redirect_is_followed_and_a_redirect_loop_is_named_so(tmp_path, monkeypatch, origin):
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/moved", f"{origin}/loop"])
    assert code == 0
    assert err.splitlines() == [
        (f'content/a.md:8: warning: sources[2].url: link "{origin}/loop" keeps redirecting'
         ' (in a loop, or more than 10 times; the last to "/loop")'),
    ]


def test_a_site_that_sets_a_cookie_and_redirects_is_followed_as_a_browser_follows_it(tmp_path, monkeypatch, origin):
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/consent"])
    assert (code, err) == (0, "")


def test_a_server_that_answers_head_wrongly_is_asked_with_get(tmp_path, monkeypatch, origin):
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/no-head-403", f"{origin}/no-head-404",
                                                       f"{origin}/no-head-500"])
    assert (code, err) == (0, "")


def test_a_site_that_limits_requests_says_when_to_try_again(tmp_path, monkeypatch, origin):
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/busy", f"{origin}/busy-no-wait"])
    assert code == 0
    assert err.splitlines() == [
        (f'content/a.md:6: warning: sources[1].url: link "{origin}/busy" answered HTTP 429'
         " (too many requests; the site asks to try again in 120 s)"),
        (f'content/a.md:8: warning: sources[2].url: link "{origin}/busy-no-wait" answered HTTP 429'
         " (too many requests; try again later)"),
    ]


def test_a_failing_link_is_named_at_every_place_it_is_written(tmp_path, monkeypatch, origin):
    body = f"- The [same report]({origin}/gone) again.[1]\n"
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/gone"], body)
    assert code == 0
    assert err.splitlines() == [
        f'content/a.md:6: warning: sources[1].url: link "{origin}/gone" answered HTTP 404',
        f'content/a.md:19: warning: body: link "{origin}/gone" answered HTTP 404',
    ]


def test_a_failing_link_in_a_narrative_a_reference_or_raw_html_is_named_at_its_line(tmp_path, monkeypatch, origin):
    narrative = f">-\n      One side, as\n      [the wire]({origin}/gone?n=1) says."
    body = (f"- As [reported][r] and <a href=\"{origin}/gone?a=1&amp;b=2\">here</a>.[1]\n\n"
            f"[r]: {origin}/gone?ref=1\n")
    code, err = check_external(tmp_path, monkeypatch, [f"{origin}/ok"], body, "allow_html: true\n", narrative)
    assert code == 0
    assert err.splitlines() == [
        f'content/a.md:12: warning: narratives[1].text: link "{origin}/gone?n=1" answered HTTP 404',
        f'content/a.md:21: warning: body: link "{origin}/gone?a=1&b=2" answered HTTP 404',
        f'content/a.md:23: warning: body: link "{origin}/gone?ref=1" answered HTTP 404',
    ]


def test_a_server_whose_answer_never_ends_is_given_up_on_and_the_others_are_still_tried(origin):
    pages = ["site/briefs/a/index.html"]
    began = time.monotonic()
    diags = try_links({f"{origin}/trickle": pages, f"{origin}/gone": pages, f"{origin}/ok": pages}, workers=1, limit=1)
    assert time.monotonic() - began < 5
    assert [d.format() for d in diags] == [
        (f'site/briefs/a/index.html: warning: link: external link "{origin}/trickle" could not be reached'
         " (no full answer within 1 s)"),
        f'site/briefs/a/index.html: warning: link: external link "{origin}/gone" answered HTTP 404',
    ]


def test_a_fetch_that_never_ends_is_given_up_on_at_its_limit_not_later():
    never = threading.Event()
    began = time.monotonic()
    assert fetch_all(["https://tarpit.example/"], lambda url: str(never.wait()), workers=8, limit=0.5) == [
        "could not be reached (no full answer within 0.5 s)"]
    assert time.monotonic() - began < 0.9
