"""The full-text search index: runs Pagefind over the rendered pages, in memory, before anything is written.

Pagefind reads a copy of the HTML in a temporary folder (in memory where the system has room) and writes
its bundle to another; the bundle comes back as bytes for write.py, so only write.py touches the output
folder and a failed build writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic
from .listings import Page, SiteData
from .pagefind_stable import stabilize

if TYPE_CHECKING:  # both load when Pagefind runs: a build with --no-search, or a no-change one, needs neither
    import subprocess
    import tempfile

BUNDLE = "pagefind"
# Markup the engine itself adds to brief text: citation markers would put "[1, 2]" into every excerpt.
EXCLUDE_SELECTORS = ("sup.cite",)
HINT = "build with --no-search to skip the search index"
# The stamp records what the last index was built from; when that is unchanged, its files are kept as they are
# and Pagefind is not run at all.
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


class Indexing:
    """A Pagefind run going on in the background while the build checks its links; `finish` waits for it."""

    def __init__(self, files: Mapping[str, bytes], binary: Path | None, previous: Path | None, timeout: float,
                 background: bool = False):
        self.timeout = timeout
        self.ready: dict[str, bytes] | None = None  # an index that needs no run: reused as it is
        self.problems: list[Diagnostic] = []
        self.digest, self.bundle = "", Path()
        self.proc: subprocess.Popen[str] | None = None
        self.tmp: tempfile.TemporaryDirectory[str] | None = None
        self.started = time.perf_counter()
        self.replaces: list[str] = []  # the bundle on disk this one replaces, when left to finish later
        binary = binary or pagefind_binary()
        if binary is None or not binary.is_file():
            self.problems = [Diagnostic("search", 0, "pagefind", "the Pagefind binary was not found",
                                        hint="install the pagefind package (pip install 'pagefind[extended]') or " + HINT)]
            return
        pages = indexed_pages(files)
        self.digest = _digest(pages, binary)
        kept = _previous(previous, self.digest)
        if kept is not None:
            self.ready = {**kept, STAMP: (previous / STAMP).read_bytes()}  # type: ignore[operator]
            return
        import subprocess  # here, not at the top: see TYPE_CHECKING there
        import tempfile

        self.tmp = tempfile.TemporaryDirectory(prefix="briefkit-search-", dir=scratch(sum(map(len, pages.values()))))
        site, self.bundle = Path(self.tmp.name) / "site", Path(self.tmp.name) / "bundle"
        for rel, data in pages.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        command = [str(binary), "--site", str(site), "--output-path", str(self.bundle), "--quiet"]
        for selector in EXCLUDE_SELECTORS:
            command += ["--exclude-selectors", selector]
        try:
            self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         cwd=self.tmp.name, env={**os.environ, "NO_COLOR": "1"})
        except OSError as exc:
            self.problems = [Diagnostic("search", 0, "pagefind", f"could not run Pagefind: {exc}", hint=HINT)]
            return
        if background:
            yield_cpu(self.proc.pid)

    @property
    def running(self) -> bool:
        """Pagefind was started: the index could not be reused as it was, and nothing stopped it from starting."""
        return self.proc is not None and self.ready is None

    def done(self) -> bool:
        """Whether finish() would return without waiting."""
        return self.proc is None or self.proc.poll() is not None

    def finish(self) -> tuple[dict[str, bytes], list[Diagnostic]]:
        """The bundle as {"pagefind/...": bytes}, or the diagnostic saying why there is none."""
        if self.ready is not None or self.proc is None:
            self._clean()
            return self.ready or {}, self.problems
        import subprocess  # loaded once Pagefind was started

        try:
            stdout, stderr = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            self.cancel()
            return {}, [Diagnostic("search", 0, "pagefind", f"could not run Pagefind: {exc}", hint=HINT)]
        if self.proc.returncode != 0 or not self.bundle.is_dir():
            said = " ".join((stderr or stdout).split())[:300] or f"exit code {self.proc.returncode}"
            self._clean()
            return {}, [Diagnostic("search", 0, "pagefind", f"Pagefind failed: {said}", hint=HINT)]
        out = {}
        for file in sorted(p for p in self.bundle.rglob("*") if p.is_file()):
            out[f"{BUNDLE}/{file.relative_to(self.bundle).as_posix()}"] = file.read_bytes()
        self._clean()
        out = stabilize(out)  # Pagefind orders its filter data at random: put in order, the same pages give the same bytes
        out[STAMP] = "\n".join([f"{STAMP_HEAD} {self.digest}", *out]).encode() + b"\n"
        return out, []

    def cancel(self) -> None:
        """Stop the run (the build failed meanwhile) and remove its temporary files."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        self._clean()

    def _clean(self) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None


BACKGROUND_NICE = 10  # how far a background Pagefind run stands back for the work an author waits for


def yield_cpu(pid: int) -> None:
    """Lower a child's CPU priority, each of its threads (Linux sets it per thread; a thread started later
    takes its starter's). serve's Pagefind runs on every core while the author edits, and a reload waited
    behind it for up to 0.7 s at 4,000 briefs. Where the system has no such call, the child runs as it is."""
    if not hasattr(os, "setpriority"):  # pragma: no cover - Windows
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, BACKGROUND_NICE)
        tasks = Path(f"/proc/{pid}/task")
        for task in tasks.iterdir() if tasks.is_dir() else ():
            os.setpriority(os.PRIO_PROCESS, int(task.name), BACKGROUND_NICE)
    except (OSError, ValueError):  # already gone, or a thread that ended meanwhile
        pass


MEMORY_FOLDER = "/dev/shm"  # Linux's memory-backed folder


def scratch(size: int, folder: str = MEMORY_FOLDER) -> str | None:
    """Where Pagefind's copy of the pages goes: a memory-backed folder when the system has one with room
    to spare for them and the bundle, else None (the system's temporary folder). Writing and then deleting
    thousands of files on a disk cost 1 to 4 s of a 4,000-brief build on a disk mounted with `discard`."""
    try:
        room = os.statvfs(folder)
    except (OSError, AttributeError):  # no such folder, or no statvfs (Windows)
        return None
    return folder if os.access(folder, os.W_OK) and room.f_bavail * room.f_frsize > 2 * size else None


def indexed_pages(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The HTML pages Pagefind reads: those marking a body to index, when any does (as Pagefind would)."""
    pages = {rel: data for rel, data in files.items() if rel.endswith(".html")}
    marked = {rel: data for rel, data in pages.items() if b"data-pagefind-body" in data}
    return marked or pages


def start_index(files: Mapping[str, bytes], binary: Path | None = None, previous: Path | None = None,
                timeout: float = 300, background: bool = False) -> Indexing:
    """Start indexing the HTML pages among `files`; `previous` is the output folder, whose index is
    reused, unread by Pagefind, when the pages are unchanged. `background` (serve): Pagefind runs at a
    lower CPU priority than this process."""
    return Indexing(files, binary, previous, timeout, background)


def bundle_on_disk(out: Path) -> list[str]:
    """The search index's files in the output folder, as output paths: what a build that leaves its own index
    to finish later keeps meanwhile (serve). Its stamp still names the pages it was made from."""
    top = out / BUNDLE
    if not top.is_dir() or top.is_symlink():
        return []
    return sorted(f"{BUNDLE}/{p.relative_to(top).as_posix()}" for p in top.rglob("*")
                  if p.is_file() and not p.is_symlink())


def search_pages(site: SiteData) -> list[Page]:
    """The search page; it exists without an index too, and then says so."""
    return [Page("search/index.html", "search.html", "Search",
                 f"Search the facts, narratives and predictions of every brief on {site.config.title}.",
                 "search page")]
