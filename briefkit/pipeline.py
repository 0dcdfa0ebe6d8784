"""The build, top to bottom: read -> parse -> check -> markdown -> site -> render -> write.

Each stage is timed; content problems travel as diagnostics; nothing is written when any
error was found (or any warning, with strict).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from . import checks, crosslink, feeds, linkcheck, metadata, scorecard, sitemap
from . import search as search_index
from .cache import BuildCache
from .diagnostics import Diagnostic, sorted_diagnostics
from .frontmatter import decode
from .listings import SiteData, build_site, site_pages
from .markdown import RenderedBrief, render_brief
from .model import Brief, Outlet
from .outlets import registry
from .parallel import Memo, ordered_map
from .project import Project
from .render import Output, render_pages
from .schema import parse_brief, parse_outlets
from .themes import environment, resolve
from .write import WriteStats, write_site

Progress = Callable[[str, float, str], None]
SKIP_FILES = {"outlets.yaml", "site.yaml"}


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: MutableMapping[str, bytes] = field(default_factory=dict)
    briefs: int = 0
    pages: int = 0
    written: WriteStats | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)
    site: SiteData | None = None
    links: linkcheck.LinkReport | None = None
    superseded: bool = False  # `proceed` said no: a newer edit came in, nothing was written

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


@dataclass(frozen=True)
class Inputs:
    briefs: list[tuple[str, bytes]]  # (shown path, raw bytes), sorted
    outlets: tuple[str, bytes] | None
    assets: list[tuple[str, Path]]  # (output path, file)


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so builds can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def read_inputs(project: Project) -> Inputs:
    """Every brief, outlets.yaml, and the other files of content/ that are copied as they are."""
    briefs, assets = [], []
    outlets = None
    top = str(project.content)
    shown = shown_under(project, project.content)
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        under = root[len(top):].lstrip(os.sep).replace(os.sep, "/")
        for name in sorted(names):
            if name.startswith("."):
                continue
            rel = f"{under}/{name}" if under else name
            full = os.path.join(root, name)
            if name.endswith(".md"):
                with open(full, "rb") as fh:
                    briefs.append((shown(rel), fh.read()))
            elif rel == "outlets.yaml":
                outlets = (shown(rel), Path(full).read_bytes())
            elif rel not in SKIP_FILES:
                assets.append((rel, Path(full)))
    return Inputs(briefs, outlets, assets)


def parse_one(shown: str, raw: bytes, tz: tzinfo) -> tuple[Brief | None, list[Diagnostic]]:
    text, diags = decode(shown, raw)
    if text is None:
        return None, diags
    brief, problems = parse_brief(shown, text, tz)
    return brief, diags + problems


def parse_all(project: Project, inputs: Inputs,
              cache: BuildCache | None = None) -> tuple[list[Brief], list[Outlet], list[Diagnostic]]:
    """Parse every brief (on every core; only changed ones with a cache) and outlets.yaml."""
    tz = project.config.tz

    def parse(item: tuple[str, bytes]) -> tuple[Brief | None, list[Diagnostic]]:
        return parse_one(item[0], item[1], tz)

    if cache is not None:
        results = cache.parsed.map(parse, inputs.briefs, key=lambda item: (item[0], cache.hashes[item[0]]))
    else:
        results = ordered_map(parse, inputs.briefs)
    briefs = [brief for brief, _ in results if brief is not None]
    diags = [d for _, problems in results for d in problems]
    outlets: list[Outlet] = []
    if inputs.outlets:
        shown, raw = inputs.outlets
        text, problems = decode(shown, raw)
        diags += problems
        if text is not None:
            outlets, problems = parse_outlets(shown, text, tz)
            diags += problems
    return briefs, outlets, diags


def markdown_all(published: list[Brief], allow_html: bool,
                 cache: BuildCache | None = None) -> tuple[list[RenderedBrief], list[Diagnostic]]:
    """Render each published brief's Markdown and check the result."""
    def render(brief: Brief) -> tuple[RenderedBrief, list[Diagnostic]]:
        r, problems = render_brief(brief, allow_html)
        return r, problems + checks.check_rendered(r)

    if cache is not None:
        results = cache.marked.map(render, published, key=lambda b: (b.path, cache.hashes[b.path]))
    else:
        results = ordered_map(render, published)
    return [r for r, _ in results], [d for _, problems in results for d in problems]


def _reused(memo: Memo, items: int, done: str) -> str:
    """", 3 parsed, 3997 from the cache": what a stage did itself and what the build cache gave it."""
    return f", {memo.computed} {done}, {items - memo.computed} from the cache" if memo.computed < items else ""


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
          proceed: Callable[[], bool] | None = None) -> BuildResult:
    """Build the site in memory and, when nothing is wrong, write it to project.out.

    With `search`, a site that is about to be written gets its Pagefind index first. With a cache,
    only what changed since the last good build is parsed, rendered and written. `proceed` is asked
    just before writing; when it says no, nothing is written and the result is marked superseded.
    """
    with collector_paused():
        return _build(project, write, strict, progress, search, cache, proceed)


def _build(project: Project, write: bool, strict: bool, progress: Progress | None, search: bool,
           cache: BuildCache | None, proceed: Callable[[], bool] | None) -> BuildResult:
    result = BuildResult()
    stages = Stages(progress)
    diags: list[Diagnostic] = []
    now = build_time()
    today = now.astimezone(project.config.tz).date()
    stages.start()
    inputs = read_inputs(project)
    changed = cache.start(project, inputs, {"build_time": now, "today": today}, {"search": search}) if cache else None
    stages.done("read", f"{len(inputs.briefs)} files" + (f", {changed.describe()}" if changed else ""))
    if cache is not None and write and cache.state is not None and cache.nothing_changed(project.out):
        last = cache.state  # the output is as the last good build left it: report that build again
        result.diagnostics, result.briefs, result.pages = list(last.diagnostics), last.briefs, last.page_count
        if not (strict and result.warnings):
            result.written = WriteStats(0, len(last.outputs), 0)
        stages.done("write", "nothing changed")
        result.timings = stages.timings
        return result
    briefs, outlets, problems = parse_all(project, inputs, cache)
    diags += problems
    stages.done("parse", f"{len(briefs)} briefs" + (_reused(cache.parsed, len(inputs.briefs), "parsed") if cache else ""))
    published, problems = checks.check_site(project, briefs, inputs.assets)
    diags += problems
    stages.done("check", f"{len(published)} to publish")
    rendered, problems = markdown_all(published, project.config.allow_html, cache)
    diags += problems
    stages.done("markdown", f"{len(rendered)} briefs" + (_reused(cache.marked, len(published), "converted") if cache else ""))
    reg = registry(outlets, present=bool(outlets))  # a registry that failed to parse names nothing missing
    diags += checks.check_outlets(reg, published, inputs.outlets[0] if inputs.outlets else "")
    diags += checks.check_forecasts(published, today)
    site = build_site(project.config, rendered, outlets)
    diags += crosslink.link_site(site, cache.related if cache is not None else None)
    stages.done("related", f"{len(site.briefs)} briefs linked")
    scorecard.annotate(site, reg, today)
    pages = site_pages(site) + scorecard.pages(site) + search_index.search_pages(site)
    metadata.annotate(site)
    diags += metadata.check_config(project.config, project.display(project.site_file), {r for r, _ in inputs.assets})
    theme, problems = resolve(project)
    diags += problems
    out = Output(project.out)
    if theme is not None:
        tracker = cache.page_tracker(site, project.out) if cache is not None and write else None
        compiled = cache.folder_for("templates") if cache is not None and write else None
        diags += render_pages(environment(theme, compiled), site, pages, out, {"build_time": now}, tracker)
        for static_dir in theme.static_dirs:
            for file in sorted(p for p in static_dir.rglob("*") if p.is_file()):
                rel = "static/" + file.relative_to(static_dir).as_posix()
                out.files.pop(rel, None)  # a child theme's file replaces its parent's
                diags += out.add(rel, file.read_bytes(), project.display(file))
    diags += out.add("index.json", crosslink.index_json(site), "site index")
    for rel, file in inputs.assets:
        diags += out.add(rel, file.read_bytes(), project.display(file))
    diags += feeds.add_feeds(site, out, now)
    diags += sitemap.add_sitemap(site, pages, out)
    kept = sum(1 for p in pages if p.path in out.kept)
    stages.done("render", f"{len(pages)} pages" + (f", {len(pages) - kept} rendered, {kept} unchanged" if kept else ""))
    indexing = None  # Pagefind runs in its own process while the links are checked
    if search and write and published and not any(d.is_error or strict for d in diags):
        indexing = search_index.start_index(out.files, previous=project.out)
    try:
        if not any(d.is_error for d in diags):  # a failed render leaves pages out: their links would all look broken
            result.links = linkcheck.check_links(site.config, out, output_shown(project),
                                                 cache.link_memory() if cache is not None else None)
            diags += result.links.diagnostics
            checked = result.links.checked
            stages.done("links", f"{result.links.internal} internal, {len(result.links.external)} external, "
                                 + ("every page checked" if checked == result.links.pages else
                                    f"{checked} page{'' if checked == 1 else 's'} checked"))
        if indexing is not None and not any(d.is_error or strict for d in diags):
            bundle, problems = indexing.finish()
            diags += problems
            for rel, data in bundle.items():
                diags += out.add(rel, data, "search index")
            stages.done("search", f"{len(bundle)} index files")
    finally:
        if indexing is not None:
            indexing.cancel()  # when the links failed the build; a no-op once finished
    result.diagnostics = sorted_diagnostics(diags)
    result.files, result.briefs, result.pages, result.site = out.files, len(published), len(pages), site
    writable = write and not result.errors and not (strict and result.warnings)
    if writable and proceed is not None and not proceed():
        result.superseded = True
    elif writable:
        if cache is not None:
            cache.save_early()
        result.written = write_site(project.out, out.files, out.kept)
        if cache is not None:
            cache.finish(project.out, out.files, result.diagnostics, result.briefs, result.pages, out.kept)
        stages.done("write", f"{result.written.written} written, {result.written.removed} removed")
    result.timings = stages.timings
    return result
