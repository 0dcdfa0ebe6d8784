"""The full-text search index: runs Pagefind over the rendered pages, in memory, before anything is written.

Pagefind reads a copy of the HTML in a temporary folder and writes its bundle to another; the bundle comes
back as bytes for write.py, so only write.py touches the output folder and a failed build writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .diagnostics import Diagnostic
from .listings import Page, SiteData

BUNDLE = "pagefind"
# Markup the engine itself adds to brief text: citation markers would put "[1, 2]" into every excerpt.
EXCLUDE_SELECTORS = ("sup.cite",)
HINT = "build with --no-search to skip the search index"
# Pagefind orders filter data differently from run to run, so two indexes of the same pages differ in bytes.
# The stamp records what the last index was built from; when that is unchanged, its files are kept as they are.
STAMP = f"{BUNDLE}/briefkit-index.txt"
STAMP_HEAD = "briefkit search index 1"


def pagefind_binary() -> Path | None:
    """The Pagefind executable shipped by the `pagefind` package (or PAGEFIND_BINARY_PATH), if any."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    return get_executable()


def _digest(pages: dict[str, bytes], binary: Path) -> str:
    h = hashlib.sha256()
    stat = binary.stat()
    h.update(f"{binary.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{EXCLUDE_SELECTORS}\0".encode())
    for rel in sorted(pages):
        h.update(rel.encode() + b"\0" + hashlib.sha256(pages[rel]).digest())
    return h.hexdigest()


def _previous(out: Path | None, digest: str) -> dict[str, bytes] | None:
    """The index already in the output folder, when it was built from exactly these pages."""
    if out is None:
        return None
    try:
        head, *names = (out / STAMP).read_text(encoding="utf-8").splitlines()
        if head != f"{STAMP_HEAD} {digest}" or not names:
            return None
        return {name: (out / name).read_bytes() for name in names if name.startswith(f"{BUNDLE}/")}
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def index_site(files: Mapping[str, bytes], binary: Path | None = None, previous: Path | None = None,
               timeout: float = 300) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Index the HTML pages among `files`; return the bundle as {"pagefind/...": bytes} or a diagnostic.

    `previous` is the output folder: its index is reused, unread by Pagefind, when the pages are unchanged.
    """
    binary = binary or pagefind_binary()
    if binary is None or not binary.is_file():
        return {}, [Diagnostic("search", 0, "pagefind", "the Pagefind binary was not found",
                               hint="install the pagefind package (pip install 'pagefind[extended]') or " + HINT)]
    pages = {rel: data for rel, data in files.items() if rel.endswith(".html")}
    digest = _digest(pages, binary)
    kept = _previous(previous, digest)
    if kept is not None:
        return {**kept, STAMP: (previous / STAMP).read_bytes()}, []  # type: ignore[operator]
    with tempfile.TemporaryDirectory(prefix="briefkit-search-") as tmp:
        site, bundle = Path(tmp) / "site", Path(tmp) / "bundle"
        for rel, data in pages.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        command = [str(binary), "--site", str(site), "--output-path", str(bundle), "--quiet"]
        for selector in EXCLUDE_SELECTORS:
            command += ["--exclude-selectors", selector]
        try:
            done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout, cwd=tmp,
                                  env={**os.environ, "NO_COLOR": "1"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            return {}, [Diagnostic("search", 0, "pagefind", f"could not run Pagefind: {exc}", hint=HINT)]
        if done.returncode != 0 or not bundle.is_dir():
            said = " ".join((done.stderr or done.stdout).split())[:300] or f"exit code {done.returncode}"
            return {}, [Diagnostic("search", 0, "pagefind", f"Pagefind failed: {said}", hint=HINT)]
        out = {}
        for file in sorted(p for p in bundle.rglob("*") if p.is_file()):
            out[f"{BUNDLE}/{file.relative_to(bundle).as_posix()}"] = file.read_bytes()
    out[STAMP] = "\n".join([f"{STAMP_HEAD} {digest}", *out]).encode() + b"\n"
    return out, []


def search_pages(site: SiteData) -> list[Page]:
    """The search page; it exists without an index too, and then says so."""
    return [Page("search/index.html", "search.html", "Search",
                 f"Search the facts, narratives and predictions of every brief on {site.config.title}.",
                 "search page")]
