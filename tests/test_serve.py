"""`build.py serve` for real: a server on a free port, edits seen in the browser, errors shown, reloads sent."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run

from briefkit import search
from briefkit.served import SETTLED, error_banner, inject, resolve_request

BROKEN = "content/minimal.md:2: title: the [ at column 8 opens a list that is never closed; end it with ]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def until(check, timeout: float = 8.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


class Server:
    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1730000000", "PYTHONPATH": str(ROOT), **(env or {})}
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(self.port), *args],
                                     cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert until(self.up, 20), self.stop()

    def up(self) -> bool:
        try:
            return json.loads(fetch(self.base + "/__briefkit/status")[1])["builds"] >= 1
        except (OSError, ValueError):
            return False

    def status(self) -> dict:
        return json.loads(fetch(self.base + "/__briefkit/status")[1])

    def stop(self) -> str:
        self.proc.send_signal(2)  # Ctrl-C
        out, err = self.proc.communicate(timeout=10)
        return out + err


@pytest.fixture
def served(site_dir: Path) -> Iterator[tuple[Path, Server]]:
    for name in ("minimal.md", "citation-forms.md"):
        (site_dir / "content" / name).write_text((FIXTURES / "briefs" / name).read_text())
    server = Server(site_dir)
    yield site_dir, server
    if server.proc.poll() is None:
        server.stop()


def test_edit_break_and_fix_a_brief_while_serving(served: tuple[Path, Server]) -> None:
    root, server = served
    brief = root / "content" / "minimal.md"
    page = server.base + "/briefs/minimal/"
    code, html = fetch(page)
    assert code == 200 and "/livereload.js?host=" in html and "briefkit-errors" not in html
    original = brief.read_text()

    brief.write_text(original.replace("\n- ", "\n- A freshly added sentence.[1]\n- ", 1))
    assert until(lambda: "A freshly added sentence." in fetch(page)[1]), "edit not served"

    brief.write_text(original.replace("title:", "title: [", 1))
    assert until(lambda: server.status()["errors"])
    # a build may catch the file half written (write_text truncates first) and report that; the
    # watcher sees the finished write too, and the next build reports the real error
    assert until(lambda: BROKEN in unescape(fetch(page)[1])), server.status()["errors"]
    code, html = fetch(page)
    assert code == 200 and 'id="briefkit-errors"' in html
    assert BROKEN in unescape(html)
    assert "A freshly added sentence." in html  # the last good site, under the banner

    brief.write_text(original)
    assert until(lambda: "briefkit-errors" not in fetch(page)[1])
    assert "A freshly added sentence." not in fetch(page)[1]
    out = server.stop()
    assert BROKEN in out
    assert "stopped" in out


@pytest.mark.skipif(not shutil.which("node"), reason="runs the page's script in node")
def test_live_reload_comes_from_the_address_the_page_came_from(served: tuple[Path, Server]) -> None:
    # behind a forwarded port (docker run -p 8080:8000, a Codespace) the page asked serve's own port for
    # livereload.js, which the browser cannot reach there: the page never reloaded
    _, server = served
    script = fetch(server.base + "/briefs/minimal/")[1].split("<script>", 1)[1].split("</script>", 1)[0]
    asked = {}
    for scheme, host, hostname, port in (("http", "localhost:8080", "localhost", "8080"),
                                         ("https", "x-8000.app.github.dev", "x-8000.app.github.dev", ""),
                                         ("http", "[::1]:8000", "[::1]", "8000")):
        page = (f"var location={{protocol:'{scheme}:',host:'{host}',hostname:'{hostname}',port:'{port}'}},window={{}};"
                "var document={createElement:function(){return {}},head:{appendChild:function(s){console.log(s.src)}}};")
        ran = subprocess.run(["node", "-e", page + script], capture_output=True, text=True, check=True)
        asked[f"{scheme}://{host}"] = ran.stdout.strip()
    assert asked == {"http://localhost:8080": "//localhost:8080/livereload.js?host=localhost&port=8080",
                     "https://x-8000.app.github.dev": "//x-8000.app.github.dev/livereload.js?host=x-8000.app.github.dev&port=443",
                     "http://[::1]:8000": "//[::1]:8000/livereload.js?host=[::1]&port=8000"}


def test_an_edit_saved_during_the_first_build_is_shown(site_dir: Path) -> None:
    # the watcher started after the first build: an edit saved while it ran (seconds, on a large site) was never
    # seen, and serve showed the brief as it was until some other edit came
    text = (FIXTURES / "briefs" / "minimal.md").read_text()
    (site_dir / "content" / "minimal.md").write_text(text)
    server = Server.__new__(Server)
    server.port = free_port()
    server.base = f"http://127.0.0.1:{server.port}"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1730000000", "PYTHONPATH": str(ROOT)}
    server.proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "-v", "--no-search", "--port",
                                    str(server.port)], cwd=site_dir, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
    try:
        while not server.proc.stderr.readline().startswith("  parse "):  # -v: the first build has read the briefs
            assert server.proc.poll() is None
        (site_dir / "content" / "minimal.md").write_text(text.replace("\n- ", "\n- Saved during the build.[1]\n- ", 1))
        assert until(lambda: "Saved during the build." in fetch(server.base + "/briefs/minimal/")[1], 20)
    finally:
        server.stop()


def test_a_first_build_that_fails_says_there_is_no_good_site_to_show(site_dir: Path) -> None:
    # both said the errors were shown "over the last good site", and there was none
    brief = site_dir / "content" / "minimal.md"
    brief.write_text((FIXTURES / "briefs" / "minimal.md").read_text().replace("title:", "title: [", 1))
    server = Server(site_dir)
    try:
        code, html = fetch(server.base + "/briefs/minimal/")
        assert code == 500 and "<h1>The site did not build</h1>" in html and BROKEN in unescape(html)
        assert "<strong>The site did not build (1 problem); there is no good build of it to show yet.</strong>" in html
        assert "last good version" not in html
    finally:
        said = server.stop()
    assert "build failed: 1 problem; the browser shows it until the site builds\n" in said, said
    assert "last good site" not in said


def test_a_file_caught_half_saved_is_not_reported_once_the_save_is_done(site_dir: Path, monkeypatch) -> None:
    # an editor that truncates and then writes: a rebuild read the half, the save ended while it ran, and
    # serve printed "build failed" and put the banner over the page the quick pass had just shown with the edit
    import io

    from briefkit import cli, serve
    from briefkit.served import Status

    brief = site_dir / "content" / "minimal.md"
    text = (FIXTURES / "briefs" / "minimal.md").read_text()
    brief.write_text(text)
    args = cli.parser().parse_args(["serve", "--no-search"])
    err, status, reloads = io.StringIO(), Status(), []
    builder = serve.Builder(args, cli.Console(args, io.StringIO(), err), status, reloads.append)
    assert builder.build(first=True)
    real = serve.pipeline.build

    def save_ends_meanwhile(*a, **k):
        result = real(*a, **k)
        brief.write_text(text.replace("\n- ", "\n- The rest of the save.[1]\n- ", 1))
        builder.generation += 1  # as the watch thread does on seeing that write
        return result

    brief.write_text(text[:20])  # the first half of the save
    monkeypatch.setattr(serve.pipeline, "build", save_ends_meanwhile)
    builder.build()
    assert status.errors == [] and "build failed" not in err.getvalue(), err.getvalue()
    monkeypatch.setattr(serve.pipeline, "build", real)
    assert builder.build() and status.errors == []
    assert "The rest of the save." in (site_dir / "site" / "briefs" / "minimal" / "index.html").read_text()
    assert "front matter" not in err.getvalue() and "build failed" not in err.getvalue(), err.getvalue()


def test_a_rebuild_prints_its_new_warnings_and_counts_the_rest(served: tuple[Path, Server]) -> None:
    # a rebuild said "(0 errors, 2 warnings)" and printed none of them; printing every warning again on every
    # save would bury a large site's output, so only the new ones are printed in full
    root, server = served
    brief = root / "content" / "minimal.md"
    builds = server.status()["builds"]
    brief.write_text(brief.read_text() + "- A fact nobody cited.\n")
    assert until(lambda: server.status()["builds"] > builds and not server.status()["building"])
    builds = server.status()["builds"]
    brief.write_text(brief.read_text().replace("title: Minimal brief", "title: Minimal brief, renamed"))
    assert until(lambda: server.status()["builds"] > builds and not server.status()["building"])
    said = server.stop().splitlines()
    standing = "content/minimal.md:1: warning: narratives: no narratives: a balanced brief gives at least two"
    new = "content/minimal.md:12: warning: body: a fact with no citation; end it with [n]"
    assert said.count(standing) == 1 and said.count(new) == 1, said  # the first build's, then the new one
    rebuilt = [line.split(" removed ")[1] for line in said if line.startswith("rebuilt in ")]
    assert rebuilt == ["(0 errors, 2 warnings, 1 of them printed before)", "(0 errors, 2 warnings, printed before)"]


def test_a_content_folder_moved_away_and_back_is_shown_then_cleared(served: tuple[Path, Server]) -> None:
    # it was an "internal error during rebuild" in the terminal only, and the browser said nothing
    root, server = served
    page = server.base + "/briefs/minimal/"
    (root / "content").rename(root / "content-away")
    said = (f"error: no content folder in {root} (the folder build.py was run in); run it in the folder that holds "
            "content/, or pass --content DIR")
    assert until(lambda: server.status()["errors"]) == [said]
    code, html = fetch(page)
    assert code == 200 and 'id="briefkit-errors"' in html and f"no content folder in {root}" in html
    (root / "content-away").rename(root / "content")
    assert until(lambda: "briefkit-errors" not in fetch(page)[1])
    assert "internal error" not in server.stop()


def test_a_base_url_path_changed_while_serving_moves_the_site_there(served: tuple[Path, Server]) -> None:
    # the pages were built for /repo/ while the server kept serving them under /: no style, no links
    root, server = served
    (root / "site.yaml").write_text("base_url: https://user.github.io/repo/\n")
    assert until(lambda: fetch(server.base + "/repo/briefs/minimal/")[0] == 200)
    code, html = fetch(server.base + "/repo/briefs/minimal/")
    assert 'href="/repo/static/style.css"' in html
    code, html = fetch(server.base + "/briefs/minimal/")
    assert code == 404 and 'served under <a href="/repo/">/repo/</a>' in html
    (root / "site.yaml").unlink()
    assert until(lambda: fetch(server.base + "/briefs/minimal/")[0] == 200)
    out = server.stop()
    assert f"serving under a new path: {server.base}/repo/" in out and f"serving under a new path: {server.base}/" in out


def test_serve_settles_on_what_a_cold_build_writes_after_each_author_action(site_dir: Path, tmp_path: Path) -> None:
    # the quick pass and serve's in-memory rebuilds take their own path through the cache: after each
    # settles, the served folder must be what `build --no-cache` writes, byte for byte
    import random

    from conftest import read_tree
    from test_cache import KINDS, _edit, load_corpus_module

    load_corpus_module().generate(30, seed=5).write(site_dir)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1730000000", "PYTHONPATH": str(ROOT)}
    server = Server(site_dir, "--no-search")
    rng = random.Random(5)

    def settled(after: int) -> dict | None:
        status = server.status()
        if status["builds"] <= after or status["building"] or status["pending"]:
            return None
        time.sleep(0.5)  # a burst of saves may start one more build
        again = server.status()
        return again if again["builds"] == status["builds"] and not again["building"] else None

    try:
        for step, kind in enumerate(rng.sample([k for k in KINDS if k not in ("day", "break")], 8)):
            builds = server.status()["builds"]
            did = _edit(rng, site_dir / "content", step, kind)
            status = until(lambda after=builds: settled(after), 30)
            assert status and not status["errors"], (did, status)
            cold = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "-q", "--no-search", "--no-cache",
                                   "--out", str(tmp_path / "cold")], cwd=site_dir, env=env, capture_output=True,
                                  text=True, timeout=60, check=False)
            assert cold.returncode == 0, (did, cold.stderr)
            assert read_tree(site_dir / "site") == read_tree(tmp_path / "cold"), did
    finally:
        said = server.stop()
    assert "internal error" not in said and "Traceback" not in said, said


def test_every_finished_build_sends_a_reload(served: tuple[Path, Server]) -> None:
    root, server = served
    from tornado.websocket import websocket_connect

    async def edits_reload() -> list[str]:
        ws = await websocket_connect(f"ws://127.0.0.1:{server.port}/livereload")
        ws.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        await ws.read_message()
        ws.write_message(json.dumps({"command": "info", "url": server.base + "/", "plugins": {}}))
        seen = []
        for n in range(3):  # quick edits in a row: livereload alone drops reloads within 3 s of the last
            brief = root / "content" / "minimal.md"
            brief.write_text(brief.read_text().replace("\n- ", f"\n- Edit number {n}.[1]\n- ", 1))
            msg = json.loads(await ws.read_message())
            seen.append(msg["command"])
        ws.close()
        return seen

    seen: list[list[str]] = []  # on its own thread and loop: other tests may leave one running on this one
    worker = threading.Thread(target=lambda: seen.append(asyncio.run(asyncio.wait_for(edits_reload(), 20))))
    worker.start()
    worker.join(30)
    assert seen == [["reload", "reload", "reload"]]


def test_a_stray_socket_message_is_ignored_without_a_traceback(served: tuple[Path, Server]) -> None:
    """livereload's own handler printed a traceback for any message that was not its JSON."""
    _, server = served
    from tornado.websocket import websocket_connect

    async def stray_then_hello() -> dict:
        ws = await websocket_connect(f"ws://127.0.0.1:{server.port}/livereload")
        for stray in ("x", "[1, 2]", "null", "{"):
            ws.write_message(stray)
        ws.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        answer = json.loads(await ws.read_message())
        ws.close()
        return answer

    answers: list[dict] = []
    worker = threading.Thread(target=lambda: answers.append(asyncio.run(asyncio.wait_for(stray_then_hello(), 20))))
    worker.start()
    worker.join(30)
    assert answers and answers[0]["command"] == "hello"  # the socket still speaks the protocol
    printed = server.stop()
    assert "Traceback" not in printed and "JSONDecodeError" not in printed


def test_a_body_edit_reloads_its_own_page_first_then_the_rebuild_settles(served: tuple[Path, Server]) -> None:
    root, server = served
    from tornado.websocket import websocket_connect

    async def paths() -> list[str]:
        ws = await websocket_connect(f"ws://127.0.0.1:{server.port}/livereload")
        ws.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        await ws.read_message()
        ws.write_message(json.dumps({"command": "info", "url": server.base + "/", "plugins": {}}))
        brief = root / "content" / "minimal.md"
        brief.write_text(brief.read_text() + "- A second fact, added below the first.[1]\n")
        seen = []
        while SETTLED not in seen:
            seen.append(json.loads(await ws.read_message())["path"])
        ws.close()
        return seen

    seen: list[list[str]] = []
    worker = threading.Thread(target=lambda: seen.append(asyncio.run(asyncio.wait_for(paths(), 20))))
    worker.start()
    worker.join(30)
    assert seen and seen[0][0] == "/briefs/minimal/", seen  # the quick pass: only that page reloads
    assert seen[0][-1] == SETTLED and "*" not in seen[0]
    assert "A second fact, added below the first." in fetch(server.base + "/briefs/minimal/")[1]
    # a page served during a build asks afterwards whether that build changed it (it may miss the reload)
    since = server.status()["builds"] - 1
    asked = json.loads(fetch(f"{server.base}/__briefkit/status?since={since}&path=/search/index.html")[1])
    assert asked["building"] is False and asked["reload"] is False
    assert "showed the edit in" in server.stop()


def test_vim_and_sed_saves_are_shown_by_the_quick_pass(served: tuple[Path, Server]) -> None:
    # both leave a temporary file beside the brief that comes and goes with the save (vim's 4913, sed's
    # sedXXXXXX): serve waited for the full rebuild to show the edit, seconds on a large site
    root, server = served
    brief, page = root / "content" / "minimal.md", server.base + "/briefs/minimal/"
    text = brief.read_text()
    probe = root / "content" / "4913"  # vim: may it make files here? then the backup, the new file
    probe.write_text("")
    probe.unlink()
    brief.rename(root / "content" / "minimal.md~")
    brief.write_text(text.replace("\n- ", "\n- Saved by vim.[1]\n- ", 1))
    (root / "content" / "minimal.md~").unlink()
    assert until(lambda: "Saved by vim." in fetch(page)[1])
    assert until(lambda: not server.status()["pending"] and not server.status()["building"])
    subprocess.run(["sed", "-i", "s/Saved by vim/Saved by sed/", str(brief)], check=True)
    assert until(lambda: "Saved by sed." in fetch(page)[1])
    said = server.stop()
    assert said.count("showed the edit in") == 2, said


@pytest.mark.parametrize("where", ["themes", "templates"])
def test_a_theme_folder_made_while_serving_is_watched(served: tuple[Path, Server], where: str) -> None:
    # serve watched only the theme folders there at its start: a themes/ or templates/ made later was never seen
    root, server = served
    theme = ROOT / "themes" / "default" / "templates" / "base.html"
    if where == "themes":
        shutil.copytree(ROOT / "themes", root / "themes")
        base = root / "themes" / "default" / "templates" / "base.html"
    else:
        (root / "templates").mkdir()
        base = root / "templates" / "base.html"
        shutil.copy(theme, base)
    time.sleep(0.5)
    base.write_text(theme.read_text().replace("</body>", "<p>Made while serving.</p></body>"))
    assert until(lambda: "Made while serving." in fetch(server.base + "/briefs/minimal/")[1])


def test_serve_writes_the_pages_first_and_their_search_index_after(site_dir: Path, tmp_path: Path) -> None:
    real = search.pagefind_binary()
    assert real is not None
    slow = tmp_path / "slow-pagefind"  # Pagefind as on a large site: the pages must not wait for it
    slow.write_text(f"#!/bin/sh\nsleep 2\nexec '{real}' \"$@\"\n")
    slow.chmod(0o755)
    brief = site_dir / "content" / "minimal.md"
    brief.write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    fragments = site_dir / "site" / "pagefind" / "fragment"

    def indexed() -> bool:
        return fragments.is_dir() and any(b"Quizzaciously" in gzip.decompress(f.read_bytes())
                                          for f in fragments.iterdir())

    server = Server(site_dir, env={"PAGEFIND_BINARY_PATH": str(slow)})
    try:
        assert until(lambda: not server.status()["indexing"], 20)  # the first build's index
        builds = server.status()["builds"]
        # saved whole, as editors save: a build that caught write_text's truncated file would fail, index nothing
        # and make this test about something else
        saved = brief.with_name(".minimal.md.tmp")
        saved.write_text(brief.read_text() + "- The Quizzaciously named fact.[1]\n")
        saved.replace(brief)
        assert until(lambda: server.status()["builds"] > builds)
        status = server.status()
        assert status["indexing"] and not indexed(), status  # rebuilt and written; Pagefind still at work
        assert "Quizzaciously" in fetch(server.base + "/briefs/minimal/")[1]
        assert fetch(server.base + "/pagefind/pagefind.js")[0] == 200  # the last index serves meanwhile
        # a save that changes nothing starts a rebuild, which stops that Pagefind run and starts its own:
        # the status said "indexed" in between, with the old index still on disk
        builds, seen = server.status()["builds"], []
        os.utime(brief)
        assert until(lambda: seen.append(server.status()) or seen[-1]["builds"] > builds)
        assert all(s["indexing"] for s in seen), seen
        assert until(lambda: not server.status()["indexing"], 20)
        assert indexed()
    finally:
        said = server.stop()
    assert "search index updated in " in said, said


def test_a_search_index_that_fails_after_its_pages_is_shown_in_the_browser(site_dir: Path, tmp_path: Path) -> None:
    real = search.pagefind_binary()
    assert real is not None
    broken = tmp_path / "broken"  # while this file exists, Pagefind fails as it would on a full disk
    failing = tmp_path / "failing-pagefind"
    failing.write_text(f"#!/bin/sh\nif [ -e '{broken}' ]; then echo 'No space left on device' >&2; exit 1; fi\n"
                       f"exec '{real}' \"$@\"\n")
    failing.chmod(0o755)
    brief = site_dir / "content" / "minimal.md"
    brief.write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    server = Server(site_dir, env={"PAGEFIND_BINARY_PATH": str(failing)})
    try:
        assert until(lambda: not server.status()["indexing"], 20)
        assert server.status()["search_problems"] == []
        broken.touch()
        brief.write_text(brief.read_text() + "- The Quizzaciously named fact.[1]\n")
        assert until(lambda: server.status()["search_problems"], 20)
        assert server.status()["search_problems"] == [
            "search: pagefind: Pagefind failed: No space left on device (build with --no-search to skip the search index)"]
        status, page = fetch(server.base + "/briefs/minimal/")
        assert status == 200 and "Quizzaciously" in page  # the pages are the new ones
        assert "their search index could not be made" in page and "No space left on device" in page
        broken.unlink()
        brief.write_text(brief.read_text() + "- A second new fact.[1]\n")
        assert until(lambda: not server.status()["search_problems"] and not server.status()["indexing"], 20)
        assert "search index could not be made" not in fetch(server.base + "/briefs/minimal/")[1]
    finally:
        said = server.stop()
    assert "Pagefind failed: No space left on device" in said, said


def test_serve_started_on_a_built_site_shows_the_first_edit_by_the_quick_pass(site_dir: Path) -> None:
    # the first build finds nothing changed; the quick pass still needs the site that build did not make
    brief = site_dir / "content" / "minimal.md"
    brief.write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    assert run("build", "-q", "--no-search").code == 0
    server = Server(site_dir, "--no-search")
    try:  # serve answers at once; the build that makes the quick pass's snapshot follows on its own
        assert until(lambda: server.status()["builds"] >= 2 and not server.status()["building"])
        brief.write_text(brief.read_text() + "- A fact added once serve was up.[1]\n")
        assert until(lambda: "A fact added once serve was up." in fetch(server.base + "/briefs/minimal/")[1])
    finally:
        said = server.stop()
    assert "showed the edit in" in said, said


@pytest.mark.parametrize("how", ["stopped at once", "killed after a pause"])
def test_serve_leaves_a_cache_that_knows_its_last_rebuild(site_dir: Path, how: str) -> None:
    # serve saves the cache once edits pause (pickling it would hold up the next edit's quick pass) and as
    # it stops; either way a `build` afterwards finds nothing to do
    brief = site_dir / "content" / "minimal.md"
    brief.write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    server = Server(site_dir, "--no-search")
    builds = server.status()["builds"]
    brief.write_text(brief.read_text() + "- A fact added while serving.[1]\n")
    assert until(lambda: server.status()["builds"] > builds)
    if how == "stopped at once":
        server.stop()
    else:
        time.sleep(3.5)  # serve.SAVE_AFTER is 2 s
        server.proc.kill()
        server.proc.communicate(timeout=10)
    result = run("build", "-v", "--no-search")
    assert result.code == 0
    assert "nothing changed" in result.err + result.out, result.err


def test_serve_verbose_prints_the_stages_of_every_build(site_dir: Path) -> None:
    brief = site_dir / "content" / "minimal.md"
    brief.write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    server = Server(site_dir, "-v", "--no-search")
    builds = server.status()["builds"]
    brief.write_text(brief.read_text() + "- One more fact.[1]\n")
    assert until(lambda: server.status()["builds"] > builds)
    said = server.stop()
    stages = [line.split()[0] for line in said.splitlines() if line.startswith("  ")]
    assert stages.count("parse") >= 2 and stages.count("write") >= 2, said  # the first build and the rebuild


def test_base_path_serves_the_site_as_github_pages_would(site_dir: Path) -> None:
    (site_dir / "content" / "minimal.md").write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    server = Server(site_dir, "--base-path", "/repo/")
    try:
        code, html = fetch(server.base + "/repo/briefs/minimal/")
        assert code == 200 and 'href="/repo/static/style.css"' in html and "livereload.js" in html
        assert fetch(server.base + "/repo/")[0] == 200
        code, html = fetch(server.base + "/briefs/minimal/")
        assert code == 404 and 'href="/repo/"' in html
        code, html = fetch(server.base + "/repo/no-such-page/")
        assert code == 404 and "Page not found" in html  # the site's own 404 page
    finally:
        server.stop()


def test_odd_requests_get_an_answer_and_never_a_file_outside_the_site(site_dir: Path) -> None:
    (site_dir / "content" / "minimal.md").write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    server = Server(site_dir, "--base-path", "/repo/")
    try:
        for path in ("/repo/../site.yaml", "/repo/%2e%2e/site.yaml", "/repo/..%2fsite.yaml", "/repo/..%5csite.yaml",
                     "/repo//etc/passwd", "/repo/%00", "/repo/" + "a/" * 3000):
            code, page = fetch(server.base + path)
            assert code == 404 and "Page not found" in page and "base_url" not in page, path
        # the page asks with a build number; anything else is a question without one, not a server error
        for since in ("abc", "-1", "%C2%B9", "99999999999999999999"):
            with urllib.request.urlopen(f"{server.base}/__briefkit/status?since={since}&path=/repo/", timeout=5) as r:
                assert r.status == 200 and r.headers["Content-Type"] == "application/json", since
                assert json.loads(r.read())["builds"] >= 1
    finally:
        said = server.stop()
    assert "Traceback" not in said, said
    assert "GET" not in said, said  # Tornado printed a line per 404 (and per page while no build was good)


def test_a_busy_port_names_a_free_one(site_dir: Path) -> None:
    (site_dir / "content" / "minimal.md").write_text((FIXTURES / "briefs" / "minimal.md").read_text())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port)],
                                check=False, cwd=site_dir, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert f"error: port {port} on 127.0.0.1 is already in use (another server?); port " in result.stderr
    assert "is free: build.py serve --port " in result.stderr


def test_a_busy_port_names_a_free_one_in_the_same_command(site_dir: Path) -> None:
    # the command offered dropped every other flag: `--host 0.0.0.0` became a server on 127.0.0.1
    (site_dir / "my content").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port),
                                 "--content", "my content", "--drafts", "--no-search",
                                 "--base-path", "/repo/"], check=False, cwd=site_dir, capture_output=True,
                                text=True, timeout=20)
    assert result.returncode == 2
    free = result.stderr.split("; port ")[1].split()[0]
    assert result.stderr.splitlines()[-1] == (
        f"error: port {port} on 127.0.0.1 is already in use (another server?); port {free} is free: "
        f"build.py serve --port {free} --base-path /repo/ --content 'my content' --drafts --no-search")


def test_the_command_offered_for_a_free_port_keeps_the_flags_given() -> None:
    from briefkit.cli import parser, serve_command

    given = parser().parse_args(["serve", "--port", "8710", "--host", "0.0.0.0", "--strict", "-q"])
    assert serve_command(given, 8713) == "build.py serve --port 8713 --host 0.0.0.0 --strict -q"
    plain = parser().parse_args(["serve", "--port", "8710"])
    assert serve_command(plain, 8711) == "build.py serve --port 8711"


@pytest.mark.parametrize("port,said", [("99999", "must be from 1 to 65535 (got 99999)"), ("80a", 'not a number (got "80a")')])
def test_a_port_out_of_range_is_refused_before_anything_is_built(site_dir: Path, port: str, said: str) -> None:
    # 99999 was taken modulo 65536: the server listened on 34463 and printed a URL with 99999
    result = run("serve", "--port", port)
    assert result.code == 2
    assert result.lines[-1].endswith(f" serve: error: argument --port: {said}")
    assert not (site_dir / "site").exists()


def test_requests_map_like_github_pages(tmp_path: Path) -> None:
    (tmp_path / "briefs" / "x").mkdir(parents=True)
    (tmp_path / "briefs" / "x" / "index.html").write_text("x")
    (tmp_path / "about.html").write_text("a")
    assert resolve_request("/repo/", "/repo/briefs/x/", tmp_path) == ("file", (tmp_path / "briefs/x/index.html").resolve())
    assert resolve_request("/repo/", "/repo/briefs/x", tmp_path) == ("redirect", "/repo/briefs/x/")
    assert resolve_request("/repo/", "/repo", tmp_path) == ("redirect", "/repo/")
    assert resolve_request("/repo/", "/repo/about", tmp_path) == ("file", tmp_path / "about.html")
    assert resolve_request("/repo/", "/repo/about.html/", tmp_path) == ("missing", None)  # a file is no folder
    assert resolve_request("/repo/", "/repo/about/", tmp_path) == ("missing", None)
    assert resolve_request("/repo/", "/repo/../../etc/passwd", tmp_path) == ("missing", None)
    assert resolve_request("/repo/", "/other/", tmp_path) == ("outside", None)
    # a NUL byte or a name longer than the system takes is a missing page, not a server error
    assert resolve_request("/repo/", "/repo/%00", tmp_path) == ("missing", None)
    assert resolve_request("/repo/", "/repo/" + "a" * 5000, tmp_path) == ("missing", None)


def test_the_banner_escapes_what_it_shows() -> None:
    page = inject(b"<html><head></head><body><p>hi</p></body></html>", "<script></script>",
                  ['content/x.md:3: title: bad <b>"value"</b>'])
    text = page.decode()
    assert text.index("<script></script>") < text.index("</head>")
    assert "content/x.md:3: title: bad &lt;b&gt;&quot;value&quot;&lt;/b&gt;" in text
    assert text.index(error_banner(['content/x.md:3: title: bad <b>"value"</b>'])) < text.index("</body>")


def test_the_search_banner_escapes_and_yields_to_build_errors() -> None:
    page = b"<html><head></head><body><p>hi</p></body></html>"
    said = inject(page, "", [], search=["search: pagefind: Pagefind failed: <disk> full"]).decode()
    assert "Pagefind failed: &lt;disk&gt; full" in said and "search index could not be made" in said
    over = inject(page, "", ["content/x.md:3: title: missing"], search=["search: pagefind: Pagefind failed"]).decode()
    assert "The last edit did not build" in over and "search index could not be made" not in over
