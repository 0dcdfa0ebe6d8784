"""Browser fixtures: headless Chromium through Playwright, built sites served under a sub-path, axe-core.

Tests skip, saying why, only where no browser can be had; with BRIEFKIT_REQUIRE_BROWSER=1 (set by CI)
a missing browser or axe-core fails the run instead.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from briefkit.cli import main

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
AXE_PATHS = [REPO / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js"]
CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SUB_PATH = "/briefkit/"  # every site is served under a sub-path, as on GitHub Pages
WIDTHS = {"narrow": 390, "wide": 1280}
EPOCH = "1730000000"


def _unavailable(why: str) -> None:
    if os.environ.get("BRIEFKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{why} (BRIEFKIT_REQUIRE_BROWSER=1: browser tests must run here)")
    pytest.skip(why)


def chromium_path() -> str | None:
    wanted = os.environ.get("BRIEFKIT_CHROMIUM")
    for candidate in ([wanted] if wanted else []) + CHROMIUM_PATHS + [shutil.which("chromium") or ""]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser tests need Playwright for Python: pip install -e '.[test]'")
    exe = chromium_path()
    if exe is None:
        _unavailable("browser tests need Chromium: apt-get install chromium (or set BRIEFKIT_CHROMIUM)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    wanted = os.environ.get("AXE_CORE_JS")
    for path in ([Path(wanted)] if wanted else []) + AXE_PATHS:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    _unavailable("accessibility tests need axe-core: npm install --prefix tests/.node axe-core@4")
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Served:
    """A built site served over HTTP under SUB_PATH."""

    base: str  # http://127.0.0.1:PORT/briefkit/
    out: Path

    def url(self, path: str = "") -> str:
        return self.base + path


def build_site(content: Path, out: Path, *extra: str) -> None:
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    # --no-cache: the content folders are the repository's own, and a test writes nothing into them
    code = main(["build", "--content", str(content), "--out", str(out), "--base-url", SUB_PATH, "-q", "--no-cache",
                 *extra])
    assert code == 0, f"building {content} failed"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(out: Path, tmp: Path) -> Iterator[Served]:
    """Serve `out` at SUB_PATH on a free local port, in a thread, for as long as the block runs."""
    root = tmp / "webroot"
    root.mkdir()
    (root / SUB_PATH.strip("/")).symlink_to(out, target_is_directory=True)
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}", out)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample site of content/, built with its search index."""
    tmp = tmp_path_factory.mktemp("sample")
    build_site(REPO / "content", tmp / "site")
    with serve(tmp / "site", tmp) as served:
        yield served


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": WIDTHS["wide"], "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def open_at(browser: Any, url: str, width: int, **options: Any) -> Any:
    """A fresh page of `width` CSS pixels, loaded; close its context when done."""
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    pg = context.new_page()
    response = pg.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response.status if response else '?'}"
    return pg


def screenshot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(pg: Any, axe_source: str, rules: list[str] | None = None) -> list[str]:
    """Run axe-core in the page; one readable line per violating element."""
    if not pg.evaluate("typeof window.axe !== 'undefined'"):
        pg.add_script_tag(content=axe_source)
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    result = pg.evaluate("async (options) => await axe.run(document, options)", options)
    lines = []
    for v in result["violations"]:
        for node in v["nodes"]:
            lines.append(f"{v['id']} ({v['impact']}): {json.dumps(node['target'])}: {node['failureSummary']}")
    return lines


def overflow(pg: Any) -> list[str]:
    """Elements sticking out to the right of the viewport, and whether the page scrolls sideways."""
    return pg.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      const out = [];
      if (document.documentElement.scrollWidth > width) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
      const all = [...document.body.querySelectorAll('*')];
      // Content inside its own scroll box (a wide table) scrolls there, not the page.
      const boxes = all.filter((el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX));
      for (const el of all) {
        const r = el.getBoundingClientRect();
        if (!r.width || r.right <= width + 0.5 || el.closest('.visually-hidden, .skip')) continue;
        if (boxes.some((box) => box !== el && box.contains(el))) continue;
          out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} right edge ${Math.round(r.right)} > ${width}`);
      }
      return out.slice(0, 12);
    }""")
