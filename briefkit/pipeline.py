"""The build, top to bottom: read the inputs, ask the cache whether anything changed, run the stages.

The stages themselves (parse -> check -> markdown -> site -> render -> links -> write) are in
stages.py, imported only when there is something to build: a build that finds nothing changed
loads neither the theme engine nor the Markdown parser.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISLNK
from typing import TYPE_CHECKING

from .changes import Stamp, stamp_of
from .diagnostics import WARNING, Diagnostic, unreadable
from .project import Project, UsageError, is_brief, is_scratch
from .write import WriteStats, opened_folder

if TYPE_CHECKING:  # for annotations only: importing them would load what a no-change build skips
    from .cache import BuildCache
    from .linkcheck import LinkReport
    from .listings import SiteData
    from .search import Indexing

Progress = Callable[[str, float, str], None]
SKIP_FILES = {"outlets.yaml", "site.yaml"}
ENDING: list[object] = []  # what a build that ends its process made, never freed (build's ends_process)


@dataclass
class BuildResult:
    """What a build or check gives back: its diagnostics, output, counts and timings."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: MutableMapping[str, bytes] = field(default_factory=dict)
    briefs: int = 0
    pages: int = 0
    written: WriteStats | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)
    site: SiteData | None = None
    links: LinkReport | None = None
    superseded: bool = False  # `proceed` said no: a newer edit came in, nothing was written
    indexing: Indexing | None = None  # the search index, left to the caller to finish (build's index_later)
    partly_written: bool = False  # writing the site failed halfway (a full disk): some files are new

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


@dataclass(frozen=True)
class Inputs:
    """What a build read: the briefs' bytes, outlets.yaml, the assets and their files' stamps."""

    briefs: list[tuple[str, bytes | None]]  # (shown path, raw bytes), sorted; None: unchanged, left unread
    outlets: tuple[str, bytes] | None
    assets: list[tuple[str, Path]]  # (output path, file)
    stamps: dict[str, Stamp] = field(default_factory=dict)  # shown path (asset:rel) -> its file's stamp
    known: dict[str, tuple[str, str]] = field(default_factory=dict)  # unread brief -> (content hash, file)
    read_at: int = 0  # time.time_ns() as the reading began
    problems: list[Diagnostic] = field(default_factory=list)  # files that could not be read

    def raw(self, shown: str, raw: bytes | None) -> bytes:
        """A brief's bytes, read now if the build left it unread (a stage needs it after all)."""
        if raw is not None:
            return raw
        with open(self.known[shown][1], "rb") as fh:
            return fh.read()


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so builds can be reproduced. A value that is no such time is a
    UsageError: read as unset, it gave a build dated by the clock to someone who asked for a fixed date."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "")
    epoch = given.strip()
    if not epoch:  # unset or empty: the clock
        return datetime.now(UTC)
    try:
        if not (epoch.isascii() and epoch.isdigit()):
            raise ValueError(epoch)
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError(f'SOURCE_DATE_EPOCH: not a time (got "{given}"); give whole seconds since 1970-01-01 UTC, '
                         "as `date +%s` or `git log -1 --format=%ct` prints, or unset it") from None


def read_inputs(project: Project,
                unchanged_files: Callable[[], Callable[[str, Stamp], str | None] | None] | None = None) -> Inputs:
    """Every brief, outlets.yaml, and the other files of content/ that are copied as they are.

    `unchanged_files` (the build cache's) gives, once the reading has begun, a test giving the content hash
    of a brief whose file is as the last good build read it (or None); such a brief is not read.
    """
    briefs: list[tuple[str, bytes | None]] = []
    assets = []
    outlets = None
    stamps: dict[str, Stamp] = {}
    known: dict[str, tuple[str, str]] = {}
    problems: list[Diagnostic] = []
    read_at = time.time_ns()
    unchanged = unchanged_files() if unchanged_files is not None else None
    top = str(project.content)
    shown = shown_under(project, project.content)

    def unlistable(exc: OSError) -> None:  # a folder without read permission: its briefs would silently go
        folder = os.path.relpath(exc.filename or top, top).replace(os.sep, "/")
        problems.append(unreadable(project.display(project.content) if folder == "." else shown(folder), exc))

    for root, dirs, names in os.walk(top, onerror=unlistable):
        under = root[len(top):].lstrip(os.sep).replace(os.sep, "/")
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for d in [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            problems.append(Diagnostic(shown(f"{under}/{d}" if under else d), 0, "", "a link to a folder, which "
                                       "the build does not follow: its files are left out (copy them in)", WARNING))
        folder = os.path.join(root, "")  # with its separator: a file's path is one concatenation, not a join
        with opened_folder(root) as at:  # each file stat'ed by its name in it, where the system can
            where = "" if at is not None else folder
            for name in sorted(names):
                if is_scratch(name):
                    continue
                rel = f"{under}/{name}" if under else name
                full = folder + name
                try:
                    st = os.lstat(where + name, dir_fd=at)  # one call per file: a link is told apart without another
                    if S_ISLNK(st.st_mode):
                        if os.path.exists(full) and (away := _led_away(full, top)):
                            problems.append(Diagnostic(shown(rel), 0, "", f"a link to {away}, outside content/ or "
                                                       "hidden in it, would publish that file; copy it in if it is "
                                                       "meant to be public"))
                            continue
                        st = os.stat(full)  # what it leads to (a link to nowhere cannot be read)
                    if is_brief(name):
                        key = shown(rel)
                        stamp = stamp_of(st)
                        digest = unchanged(key, stamp) if unchanged is not None else None
                        if digest is None:
                            with open(full, "rb") as fh:
                                briefs.append((key, fh.read()))
                        else:
                            known[key] = (digest, full)
                            briefs.append((key, None))
                        stamps[key] = stamp
                    elif rel == "outlets.yaml":
                        outlets = (shown(rel), Path(full).read_bytes())
                    elif rel not in SKIP_FILES:
                        stamps["asset:" + rel] = stamp_of(st)
                        assets.append((rel, Path(full)))
                except OSError as exc:  # a link to nowhere, a file without read permission
                    problems.append(unreadable(shown(rel), exc))
    return Inputs(briefs, outlets, assets, stamps, known, read_at, problems)


def _led_away(link: str, top: str) -> str:
    """Where a link in content/ leads when that is outside it or hidden in it, else "": whatever it names
    would be published as it is (a key, the .git/config holding a CI token, /proc/self/environ)."""
    real = os.path.realpath(link)
    rel = os.path.relpath(real, top)
    inside = rel != ".." and not rel.startswith(".." + os.sep) and not os.path.isabs(rel)
    return "" if inside and not any(part.startswith(".") for part in rel.split(os.sep)) else real


class Stages:
    """Times each stage and reports it to the progress callback."""

    def __init__(self, progress: Progress | None):
        self.progress = progress
        self.timings: list[tuple[str, float]] = []
        self._start = 0.0

    def start(self) -> None:
        self._start = time.perf_counter()

    def done(self, name: str, detail: str = "") -> None:
        elapsed = time.perf_counter() - self._start
        self.timings.append((name, elapsed))
        if self.progress:
            self.progress(name, elapsed, detail)
        self._start = time.perf_counter()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration: a build makes millions of long-lived objects and
    almost no cycles, and each full collection walked them all (a third of a cold build's time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def shown_under(project: Project, folder: Path) -> Callable[[str], str]:
    """A path under `folder` -> project.display of that file, with one relpath for the folder, not one per file."""
    top = project.display(folder)

    def shown(rel: str) -> str:
        if top == "." or os.sep != "/" or "/." in f"/{rel}" or "//" in rel:
            return project.display(folder / rel)
        return f"{top}/{rel}"

    return shown


def output_shown(project: Project) -> Callable[[str], str]:
    """Output path -> project.display of that file."""
    return shown_under(project, project.out)


def build(project: Project, *, write: bool = True, strict: bool = False,
          progress: Progress | None = None, search: bool = True, cache: BuildCache | None = None,
          proceed: Callable[[], bool] | None = None, site_needed: bool = False,
          index_later: bool = False, ends_process: bool = False) -> BuildResult:
    """Build the site in memory and, when nothing is wrong, write it to project.out.

    With `search`, a site that is about to be written gets its Pagefind index first. With a cache,
    only what changed since the last good build is parsed, rendered and written; when nothing did, the
    build stops after reading, with no `result.site`, unless the caller says the site is needed (serve's
    quick pass draws on it). `proceed` is asked just before writing; when it says no, nothing is
    written and the result is marked superseded. With `index_later` (serve), the site is written as soon as
    its links are checked, keeping the search index on disk, and a Pagefind run still going is handed over
    in `result.indexing`: the caller writes its bundle (write.replace_files) or cancels it. With `ends_process`
    (build.py, which exits right after), what the stages made (when nothing changed, the cache's state) is left
    in ENDING for the exit to reclaim: freed object by object as they returned, it was 15 ms of a one-edit build
    at 4,000 briefs, most of it copying the memory pages shared with the cache's saving child that each freed
    object's reference count is written to.
    """
    with collector_paused():
        return _build(project, write, strict, progress, search, cache, proceed, site_needed, index_later,
                      ends_process)


def _build(project: Project, write: bool, strict: bool, progress: Progress | None, search: bool,
           cache: BuildCache | None, proceed: Callable[[], bool] | None, site_needed: bool,
           index_later: bool, ends_process: bool) -> BuildResult:
    result = BuildResult()
    stages = Stages(progress)
    now = build_time()
    today = now.astimezone(project.config.tz).date()
    stages.start()
    inputs = read_inputs(project, cache.unchanged_files if cache is not None else None)
    changed = cache.start(project, inputs, {"build_time": now, "today": today}, {"search": search}) if cache else None
    stages.done("read", f"{len(inputs.briefs)} files" + (f", {changed.describe()}" if changed else ""))
    if cache is not None and write and not site_needed and cache.state is not None and not inputs.problems \
            and cache.nothing_changed(project.out, now):
        last = cache.state  # the output is as the last good build left it: report that build again
        result.diagnostics, result.briefs, result.pages = list(last.diagnostics), last.briefs, last.page_count
        if not (strict and result.warnings):
            result.written = WriteStats(0, len(last.outputs), 0)
        stages.done("write", "nothing changed")
        result.timings = stages.timings
        if ends_process:  # the last build's state, loaded to compare with
            ENDING.append(cache)
        return result
    from . import stages as steps  # the stages and all they import load only when something changed

    steps.run(project, inputs, result, stages, write, strict, search, cache, proceed, now, today, index_later,
              ends_process)
    result.timings = stages.timings
    return result
