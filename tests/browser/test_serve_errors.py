"""The serve error page in a real browser: a broken brief shows its errors over the last good site."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import ARTIFACTS, REPO

BRIEF = "---\ntitle: Served brief\ndate: 2024-10-23\nsources: [{name: Reuters}]\n---\n- A fact the reader sees.[1]\n"
BROKEN = BRIEF.replace("title: Served brief", "title: Served: broken")
MESSAGE = ("content/served.md:2: title: a colon followed by a space inside an unquoted value; "
           'put the value in quotes (e.g. title: "Served: broken")')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_broken_brief_shows_the_error_banner_and_a_fix_removes_it(browser: Any, site_dir: Path) -> None:
    brief = site_dir / "content" / "served.md"
    brief.write_text(BRIEF, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--port", str(port), "--no-search"],
                            cwd=site_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    page = browser.new_page()
    try:
        url = f"http://127.0.0.1:{port}/briefs/served/"
        for _ in range(100):  # the first build runs before the server answers
            try:
                page.goto(url, timeout=2000)
                break
            except Exception:  # noqa: BLE001 - not up yet
                page.wait_for_timeout(200)
        assert page.locator("h1").first.inner_text() == "Served brief"
        page.wait_for_timeout(500)  # let the live-reload script connect
        brief.write_text(BROKEN, encoding="utf-8")
        banner = page.locator("#briefkit-errors")
        banner.wait_for(state="visible", timeout=15000)
        assert MESSAGE in banner.inner_text()
        assert page.locator("h1").first.inner_text() == "Served brief"  # the last good page, under the banner
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "serve-error-banner.png"), full_page=True)
        brief.write_text(BRIEF.replace("A fact the reader sees.", "A fixed fact."), encoding="utf-8")
        banner.wait_for(state="detached", timeout=15000)
        page.get_by_text("A fixed fact.").wait_for(timeout=15000)
    finally:
        page.close()
        proc.terminate()
        proc.communicate(timeout=10)


OTHER = "---\ntitle: Other brief\ndate: 2024-10-22\nsources: [{name: Reuters}]\n---\n- Another fact.[1]\n"


def test_an_edit_reloads_only_the_page_it_changed(browser: Any, site_dir: Path) -> None:
    brief = site_dir / "content" / "served.md"
    brief.write_text(BRIEF, encoding="utf-8")
    (site_dir / "content" / "other.md").write_text(OTHER, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--port", str(port), "--no-search"],
                            cwd=site_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    edited, elsewhere = browser.new_page(), browser.new_page()
    try:
        for page, path in ((edited, "briefs/served/"), (elsewhere, "search/")):
            for _ in range(100):  # the first build runs before the server answers
                try:
                    page.goto(f"http://127.0.0.1:{port}/{path}", timeout=2000)
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    page.wait_for_timeout(200)
            page.evaluate("window.notReloaded = true")
        edited.wait_for_timeout(500)  # let the live-reload scripts connect
        builds = edited.evaluate("fetch('/__briefkit/status').then(r => r.json()).then(s => s.builds)")
        brief.write_text(BRIEF + "- A second fact, below the first.[1]\n", encoding="utf-8")
        edited.get_by_text("A second fact, below the first.").wait_for(timeout=15000)
        assert edited.evaluate("window.notReloaded === undefined")
        elsewhere.wait_for_function(f"fetch('/__briefkit/status').then(r => r.json()).then(s => s.builds > {builds})",
                                    timeout=15000)
        elsewhere.wait_for_timeout(500)  # the rebuild's reloads have been sent by now
        assert elsewhere.evaluate("window.notReloaded === true")  # the search page did not change
        # the edited page drops its "rebuilding" note once told the rebuild is done (a busy machine can take
        # longer than the half second above to deliver that message)
        edited.locator("#briefkit-pending").wait_for(state="detached", timeout=10000)
    finally:
        for page in (edited, elsewhere):
            page.close()
        proc.terminate()
        proc.communicate(timeout=10)
