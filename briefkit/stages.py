"""The build's stages after reading: parse -> check -> markdown -> site -> render -> links -> write.

pipeline.build reads the inputs and asks the cache whether anything changed; only then are these
stages (and everything they import) loaded. Each stage is timed; content problems travel as
diagnostics; nothing is written when any error was found (or any warning, with strict).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date, datetime, tzinfo
from operator import attrgetter
from pathlib import Path

from . import checks, crosslink, feeds, forecasts, linkcheck, metadata, scorecard, siteindex, sitemap
from . import search as search_index
from .cache import BuildCache
from .diagnostics import Diagnostic, sorted_diagnostics, unreadable
from .early import write_early
from .engine import environment
from .frontmatter import decode
from .listings import build_site, site_pages
from .markdown import RenderedBrief, render_brief
from .model import Brief, Outlet
from .named import names_all
from .outlets import registry
from .parallel import Memo, ordered_map
from .pipeline import ENDING, BuildResult, Inputs, Stages, output_shown
from .project import Project, is_scratch
from .render import Output, render_pages
from .schema import claimed_slug, parse_brief, parse_outlets
from .themes import resolve
from .write import MARKER, MARKER_TEXT, OutsideOutput, foreign_entries, write_site


def parse_one(shown: str, raw: bytes, tz: tzinfo) -> tuple[Brief | None, list[Diagnostic]]:
    text, diags = decode(shown, raw)
    if text is None:
        return None, diags
    brief, problems = parse_brief(shown, text, tz)
    return brief, diags + problems


def parse_all(project: Project, inputs: Inputs,
              cache: BuildCache | None = None) -> tuple[list[Brief], list[Outlet], list[Diagnostic], set[str]]:
    """Parse every brief (on every core; only changed ones with a cache) and outlets.yaml; and the slugs the
    briefs that failed to parse claim (schema.claimed_slug)."""
    tz = project.config.tz

    def parse(item: tuple[str, bytes | None]) -> tuple[Brief | None, list[Diagnostic]]:
        return parse_one(item[0], inputs.raw(*item), tz)

    diags: list[Diagnostic] = []
    items = inputs.briefs
    if cache is not None:
        def key(item: tuple[str, bytes | None]) -> tuple[str, str]:
            return item[0], cache.hashes[item[0]]

        items = read_unparsed(inputs, cache.parsed, key, diags)
        results = cache.parsed.map(parse, items, key=key)
    else:
        results = ordered_map(parse, items)
    briefs = [brief for brief, _ in results if brief is not None]
    failed = [item for item, (brief, _) in zip(items, results) if brief is None]
    claimed = {_claimed(inputs, shown, raw) for shown, raw in failed}
    diags += [d for _, problems in results for d in problems]
    outlets: list[Outlet] = []
    if inputs.outlets:
        shown, raw = inputs.outlets
        text, problems = decode(shown, raw)
        diags += problems
        if text is not None:
            outlets, problems = parse_outlets(shown, text, tz)
            diags += problems
    return briefs, outlets, diags, claimed


def _claimed(inputs: Inputs, shown: str, raw: bytes | None) -> str:
    """schema.claimed_slug of a brief that failed to parse (from its file's name when it is gone meanwhile)."""
    try:
        data = inputs.raw(shown, raw)
    except OSError:
        data = b""
    return claimed_slug(shown, decode(shown, data)[0] or "")


def read_unparsed(inputs: Inputs, memo: Memo, key: Callable[[tuple[str, bytes | None]], Hashable],
                  diags: list[Diagnostic]) -> list[tuple[str, bytes | None]]:
    """The briefs to parse, each unchanged one the cache has lost the parse of read now (the build left it
    unread). One that cannot be read any more (removed since it was listed) is a problem of this build, added
    to `diags` and left out, not remembered as the parse of the bytes it had."""
    items = []
    for item in inputs.briefs:
        if item[1] is None and key(item) not in memo.entries:
            try:
                item = (item[0], inputs.raw(*item))
            except OSError as exc:
                diags.append(unreadable(item[0], exc))
                continue
        items.append(item)
    return items


def markdown_all(published: list[Brief], allow_html: bool,
                 cache: BuildCache | None = None) -> tuple[list[RenderedBrief], list[Diagnostic]]:
    """Render each published brief's Markdown and check the result."""
    def render(brief: Brief) -> tuple[RenderedBrief, list[Diagnostic]]:
        r, problems = render_brief(brief, allow_html)
        problems += checks.check_rendered(r)
        # the brief is put back below: a worker sending it back with its HTML would be a tenth of the stage
        # (the parent unpickling 2,000 briefs it already has, at 4,000)
        r.brief = None  # type: ignore[assignment]
        return r, problems

    if cache is not None:
        results = cache.marked.map(render, published, key=lambda b: (b.path, cache.hashes[b.path]))
    else:
        results = ordered_map(render, published)
    rendered = [r for r, _ in results]
    for brief, r in zip(published, rendered):
        r.brief = brief  # the parsed brief itself: the cache then saves and loads each brief once
    return rendered, [d for _, problems in results for d in problems]


def foreign_output(project: Project) -> list[Diagnostic]:
    """An error when the output folder holds files no build wrote: building there would remove or overwrite
    them (`--out ~/Documents`), so nothing is written."""
    names = foreign_entries(project.out)
    if not names:
        return []
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return [Diagnostic(project.display(project.out), 0, "output",
                       f"holds files that briefkit did not write ({shown}); building here would remove or "
                       "overwrite them", hint="build into a new or empty folder with --out DIR, or empty this one "
                                              "first; hidden files such as .git may stay")]


_QUESTIONS = attrgetter("questions")


def _reused(memo: Memo | None, items: int, done: str) -> str:
    """", 3 parsed, 3997 from the cache": what a stage did itself and what the build cache gave it."""
    if memo is None or memo.computed >= items:
        return ""
    return f", {memo.computed} {done}, {items - memo.computed} from the cache"


def run(project: Project, inputs: Inputs, result: BuildResult, stages: Stages, write: bool, strict: bool,
        search: bool, cache: BuildCache | None, proceed: Callable[[], bool] | None, now: datetime,
        today: date, index_later: bool = False, ends_process: bool = False) -> None:
    """Every stage after reading, filling in `result`; writes the site when nothing is wrong. With
    `index_later`, a Pagefind run still going once the links are checked is left to the caller
    (result.indexing), and the site is written with the search index already on disk. With `ends_process`,
    all it made is left in ENDING (pipeline.build)."""
    diags: list[Diagnostic] = list(inputs.problems) + (foreign_output(project) if write else [])
    briefs, outlets, problems, unparsed = parse_all(project, inputs, cache)
    diags += problems
    reused = _reused(cache.parsed if cache else None, len(inputs.briefs), "parsed")
    stages.done("parse", f"{len(briefs)} briefs{reused}")
    published, problems = checks.check_site(project, briefs, inputs.assets, unparsed, now=now)
    diags += problems
    if cache is not None:
        cache.steady = checks.steady(published, now, project.config.tz)
    stages.done("check", f"{len(published)} to publish")
    rendered, problems = markdown_all(published, project.config.allow_html, cache)
    diags += problems
    reused = _reused(cache.marked if cache else None, len(published), "converted")
    stages.done("markdown", f"{len(rendered)} briefs{reused}")
    reg = registry(outlets, present=bool(outlets))  # a registry that failed to parse names nothing missing
    names = names_all(reg, published, cache.hashes, cache.named) if cache is not None else names_all(reg, published)
    diags += checks.check_outlets(reg, published, inputs.outlets[0] if inputs.outlets else "", names)
    # each brief's question keys are in its Names, kept by its file's hash with the cache
    questions = forecasts.questions(published, today, dict(zip(names, map(_QUESTIONS, names.values()))))
    diags += checks.check_forecasts(questions)
    site = build_site(project.config, rendered, outlets, cache.named if cache is not None else None)
    diags += crosslink.link_site(site, cache.related, cache.hashes) if cache is not None else crosslink.link_site(site)
    # whether site/index.json is as this build would make it, asked while the views are fresh in memory
    index_kept = cache is not None and write and siteindex.index_on_disk(site, cache.related, cache.hashes,
                                                                         str(project.out / "index.json"))
    stages.done("related", f"{len(site.briefs)} briefs linked")
    scorecard.annotate(site, reg, questions, today, names)
    pages = site_pages(site) + scorecard.pages(site) + search_index.search_pages(site)
    metadata.annotate(site)
    diags += metadata.check_config(project.config, project.site_file, {r for r, _ in inputs.assets})
    theme, problems = resolve(project)
    diags += problems
    out = Output(project.out)
    if theme is not None:
        tracker = cache.page_tracker(site, project.out) if cache is not None and write else None
        compiled = cache.folder_for("templates") if cache is not None and write else None
        diags += render_pages(environment(theme, compiled), site, pages, out, {"build_time": now}, tracker)
        for static_dir in theme.static_dirs:
            # hidden files and editors' swap and backup files are left out, as in content/
            for file in sorted(p for p in static_dir.rglob("*") if p.is_file()
                               and not any(is_scratch(part) for part in p.relative_to(static_dir).parts)):
                rel = "static/" + file.relative_to(static_dir).as_posix()
                out.files.pop(rel, None)  # a child theme's file replaces its parent's
                try:
                    data = file.read_bytes()
                except OSError as exc:
                    diags.append(unreadable(project.display(file), exc))
                    continue
                diags += out.add(rel, data, project.display(file))
    if index_kept:
        diags += out.keep("index.json", "site index")  # as the last build wrote it: not made and compared again
    else:
        diags += out.add("index.json", siteindex.index_json(site, cache.related, cache.hashes) if cache is not None
                         else siteindex.index_json(site), "site index")
    diags += out.add(MARKER, MARKER_TEXT, "briefkit")
    for rel, file in inputs.assets:
        try:
            data = file.read_bytes()
        except OSError as exc:  # removed since it was listed (serve: an edit while this build ran)
            diags.append(unreadable(project.display(file), exc))
            continue
        diags += out.add(rel, data, project.display(file))
    diags += feeds.add_feeds(site, out, now)
    diags += sitemap.add_sitemap(site, pages, out, now=now)
    kept = sum(1 for p in pages if p.path in out.kept)
    stages.done("render", f"{len(pages)} pages" + (f", {len(pages) - kept} rendered, {kept} unchanged" if kept else ""))
    clean = not any(d.is_error or strict for d in diags)  # so far, nothing stops the site being written
    indexing = None  # Pagefind runs in its own process while the links are checked
    if search and write and published and clean:
        indexing = search_index.start_index(out.files, previous=project.out, background=index_later)
    early = None  # a first site is written while its links are checked (early.EarlyWrite)
    if write and proceed is None and clean:
        early = write_early(project.out, out.files)
    try:
        if not any(d.is_error for d in diags):  # a failed render leaves pages out: their links would all look broken
            result.links = linkcheck.check_links(site.config, out, output_shown(project),
                                                 cache.link_memory() if cache is not None else None)
            diags += result.links.diagnostics
            checked = result.links.checked
            stages.done("links", f"{result.links.internal} internal, {result.links.external_count} external, "
                                 + ("every page checked" if checked == result.links.pages else
                                    f"{checked} page{'' if checked == 1 else 's'} checked"))
        later = None  # a Pagefind run the caller finishes, once the site is written without it
        if indexing is not None and not any(d.is_error or strict for d in diags):
            if index_later and indexing.running:
                later, indexing.replaces = indexing, search_index.bundle_on_disk(project.out)
                for rel in indexing.replaces:
                    if rel not in out.files:  # a file of content/ there is the site's own (and an error)
                        diags += out.keep(rel, "search index")
                stages.done("search", "left to finish after writing")
            else:
                bundle, problems = indexing.finish()
                diags += problems
                for rel, data in bundle.items():
                    diags += out.add(rel, data, "search index")
                stages.done("search", f"{len(bundle)} index files")
        result.diagnostics = sorted_diagnostics(diags)
        result.files, result.briefs, result.pages, result.site = out.files, len(published), len(pages), site
        writable = write and not result.errors and not (strict and result.warnings)
        if writable and proceed is not None and not proceed():
            result.superseded = True
        elif writable:
            if cache is not None:
                cache.save_early()
            written = early.finish(out.files, ends_process) if early is not None else None
            early = None  # finished (or failed, and write_site takes over): nothing to undo
            try:
                result.written = written or write_site(project.out, out.files, out.kept,
                                                       cache.listing if cache is not None else None)
            except OutsideOutput as exc:  # every path is checked before any is written: nothing was
                result.diagnostics.append(Diagnostic(project.display(project.out), 0, "output", str(exc),
                                                     hint="remove the link, or build elsewhere with --out DIR"))
                return
            except OSError as exc:  # a full disk, a read-only folder: the files before it are written
                where = project.display(Path(exc.filename)) if exc.filename else project.display(project.out)
                result.diagnostics.append(Diagnostic(where, 0, "output", f"could not be written ({exc.strerror})"))
                result.partly_written = True
                return
            if cache is not None:
                cache.finish(project.out, out.files, result.diagnostics, result.briefs, result.pages, out.kept,
                             unfinished=[search_index.STAMP] if later is not None else [],
                             listing=result.written.listing)
            if later is not None:
                result.indexing, indexing = later, None  # the caller's now, running or not
            stages.done("write", f"{result.written.written} written, {result.written.removed} removed")
    finally:
        if indexing is not None:
            indexing.cancel()  # when the links failed the build; a no-op once finished
        if early is not None:
            early.undo()  # the build failed: the output folder goes back to missing or empty
        if ends_process:
            ENDING.append(locals())
