"""The authoring commands: `new` starts a brief, `import` turns plain-text briefs into Markdown.

Registers itself with cli; reads and writes content files; all output goes through cli.Console.
The writer and the importer load when these commands run: every build registers them.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime
from pathlib import Path

from . import cli
from .diagnostics import Diagnostic
from .frontmatter import UNWRITABLE, decode
from .model import Outlet
from .project import SiteConfig, UsageError, display_path, is_brief, is_scratch, no_content_folder, read_site_file
from .slugs import is_plain_segment, slugify, too_long

MAX_SLUG = 60
PLAIN = "lowercase Latin letters, digits, - and _"


def _parsers(sub: argparse._SubParsersAction) -> None:
    new = sub.add_parser("new", help="start a new brief in content/")
    new.add_argument("title", help="the headline; the file name is made from it")
    new.add_argument("--slug", metavar="SLUG", help="the file name without .md (default: made from the title)")
    new.add_argument("--story", metavar="KEY", help="story key, e.g. north-korean-troops-in-russia")
    new.add_argument("--topics", metavar="A,B", help="comma-separated topics")
    new.add_argument("--draft", action="store_true", help="mark the brief draft: true")
    new.add_argument("--date", metavar="YYYY-MM-DD", help="the brief's date (default: today in the site timezone)")
    new.add_argument("--content", metavar="DIR", help="folder of briefs (default: ./content)")
    new.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    imp = sub.add_parser("import", help="turn plain-text briefs into Markdown briefs")
    imp.add_argument("files", nargs="+", metavar="FILE", help="plain-text files")
    imp.add_argument("--out", metavar="DIR", help="content folder to write into (default: ./content)")
    imp.add_argument("--content", metavar="DIR", help="content folder holding outlets.yaml (default: --out)")
    imp.add_argument("--story", metavar="KEY", help="story key for every imported brief")
    imp.add_argument("--slug", metavar="SLUG", help="the file name without .md, for one FILE (default: from its title)")
    imp.add_argument("--force", action="store_true", help="overwrite existing briefs")
    imp.add_argument("--dry-run", action="store_true", help="print the Markdown instead of writing it")
    imp.add_argument("--date", metavar="YYYY-MM-DD", help="date for texts without a date line (default: today)")
    imp.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def _config(content: Path, console: cli.Console) -> SiteConfig:
    config, diags = read_site_file(content.parent / "site.yaml")
    if any(d.is_error for d in diags):
        console.diagnostics(diags)
        raise SystemExit(cli.EXIT_CONTENT)
    return config


def _today(args: argparse.Namespace, config: SiteConfig) -> date:
    if args.date:
        try:
            return date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f'--date: not a date (got "{args.date}"); write YYYY-MM-DD') from None
    return datetime.now(config.tz).date()


def _story(key: str | None) -> str:
    if key and not is_plain_segment(key):
        raise UsageError(f'--story: "{key}" is not a plain key (lowercase letters, digits, - and _); '
                         f'did you mean "{slugify(key)}"?')
    return key or ""


def _slug(given: str | None) -> str:
    if given and not is_plain_segment(given):
        better = slugify(given)
        raise UsageError(f'--slug: "{given}" is not a plain slug ({PLAIN})'
                         + (f'; did you mean "{better}"?' if is_plain_segment(better) else ""))
    if given and too_long(given):
        raise UsageError(f"--slug: {too_long(given)}")
    return given or ""


# words a cut title should not end on: "...-in-russia-and" reads as a slug cut short
DANGLING = frozenset({"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or",
                      "over", "than", "the", "to", "vs", "with"})


def slug_for(title: str) -> str:
    """The file name's stem: the title's slug, cut at a word boundary after MAX_SLUG characters, and then
    before any small word left dangling at its end."""
    words, kept = slugify(title).split("-"), list[str]()
    for w in words:
        room = MAX_SLUG - len("-".join(kept)) - (1 if kept else 0)
        if len(w) > room:
            if len(w) > MAX_SLUG // 2 and room > 0:  # a word longer than half a slug is cut, not left out
                kept.append(w[:room])               # ("A Supercalifragilistic..." gave the slug "a")
            while len(kept) > 1 and kept[-1] in DANGLING:
                kept.pop()
            break
        kept.append(w)
    return "-".join(kept)


def _show(path: Path) -> str:
    return display_path(path)


def _slugs_in(folders: list[Path]) -> dict[str, Path]:
    """The slug of each brief under these folders, as the build tells it, and the brief's file."""
    from .schema import claimed_slug

    found: dict[str, Path] = {}
    for top in dict.fromkeys(folders):
        for root, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(n for n in names if is_brief(n) and not is_scratch(n)):
                path = Path(root, name)
                try:
                    raw = path.read_bytes()
                except OSError:  # the build reports it; a slug it may hold is not known
                    continue
                slug = (claimed_slug(_show(path), decode(_show(path), raw)[0] or "") if b"slug" in raw
                        else slugify(path.stem))  # only front matter naming a slug is worth parsing
                found.setdefault(slug, path)
    return found


def cmd_new(args: argparse.Namespace, console: cli.Console) -> int:
    from .brief_writer import render_new

    content = Path(args.content or "content")
    if not content.is_dir():
        raise no_content_folder(args.content)
    # a title is one line: a break or tab pasted into it is a space, and so is a control character
    # (a bell or escape copied from a terminal), which no page can show and the build refuses
    title = " ".join(UNWRITABLE.sub(" ", args.title).split())
    if not title:
        raise UsageError('title: is empty; give the headline, e.g. build.py new "Title"')
    story = _story(args.story)
    slug = _slug(args.slug) or slug_for(title)
    if not is_plain_segment(slug):
        raise UsageError(f'the title gives no usable file name (got "{slug}"); give one with --slug SLUG ({PLAIN})')
    topics = [t for t in (" ".join(UNWRITABLE.sub(" ", t).split()) for t in (args.topics or "").split(",")) if t]
    today = _today(args, _config(content, console))
    target = content / f"{slug}.md"
    if target.exists():
        console.problem(f"{_show(target)}: already exists; not overwritten (choose another title or edit it)")
        return cli.EXIT_CONTENT
    owner = _slugs_in([content]).get(slug)
    if owner is not None:
        console.problem(f'{_show(target)}: the slug "{slug}" is already used by {_show(owner)}; not written '
                        "(choose another title or pass --slug)")
        return cli.EXIT_CONTENT
    target.write_text(render_new(title, today, story, topics, args.draft), encoding="utf-8")
    console.say(_show(target))
    if not args.draft:
        console.problem("note: add at least one source and cite it in the facts; until then it does not build "
                    "(or start it with --draft to preview it with --drafts)")
    return cli.EXIT_OK


def _known_outlets(file: Path, console: cli.Console, tz: object) -> tuple[list[str], bool]:
    """Names and aliases in outlets.yaml, and whether the file can safely be appended to."""
    from .schema import parse_outlets

    if not file.is_file():
        return [], True
    text, diags = decode(_show(file), file.read_bytes())
    outlets: list[Outlet] = []
    if text is not None:
        outlets, diags = parse_outlets(_show(file), text, tz)  # type: ignore[arg-type]
    if any(d.is_error for d in diags):
        console.diagnostics([d for d in diags if d.is_error])
        console.problem(f"{_show(file)} has errors; no ratings will be added to it")
        return [n for o in outlets for n in (o.name, *o.aliases)], False
    return [n for o in outlets for n in (o.name, *o.aliases)], True


def _validate(shown: str, markdown: str, config: SiteConfig) -> list[Diagnostic]:
    """Errors the written brief would give in a build; none is expected."""
    from .markdown import render_brief
    from .schema import parse_brief

    brief, diags = parse_brief(shown, markdown, config.tz)
    if brief is not None:
        diags += render_brief(brief, config.allow_html)[1]
    return [d for d in diags if d.is_error]


def cmd_import(args: argparse.Namespace, console: cli.Console) -> int:
    from .brief_writer import render_draft
    from .importer import import_text
    from .importer.outlets import bad_rating, outlet_yaml

    content = Path(args.content or args.out or "content")
    out = Path(args.out) if args.out else content
    if not args.dry_run and not args.out and not content.is_dir():
        raise no_content_folder(args.content, "--out")
    config = _config(content, console)
    today, story, given = _today(args, config), _story(args.story), _slug(args.slug)
    if given and len(args.files) > 1:
        raise UsageError(f"--slug names one brief; import one FILE with it (got {len(args.files)} files)")
    outlets_file = content / "outlets.yaml"
    known, appendable = _known_outlets(outlets_file, console, config.tz)
    report = console.problem if args.dry_run else console.say
    written: dict[Path, str] = {}
    slugs = _slugs_in([content, out])
    not_written, not_overwritten = (("a real run would not write it", "a real run would not overwrite it")
                                    if args.dry_run else ("not written", "not overwritten"))
    failed = 0
    for name in args.files:
        src = Path(name)
        if src.is_dir():
            console.problem(f"{name}: is a folder; pass the files in it, e.g. {os.path.join(name, '*.txt')}")
            failed += 1
            continue
        if not src.is_file():
            console.problem(f"{name}: no such file")
            failed += 1
            continue
        text, diags = decode(_show(src), src.read_bytes())
        if text is None:
            console.diagnostics(diags)
            failed += 1
            continue
        result = import_text(_show(src), text, today, known, story)
        d = result.draft
        if not d.title:
            console.diagnostics(result.report.notes)
            failed += 1
            continue
        slug = given or slug_for(d.title)
        if not is_plain_segment(slug):
            report(f"{_show(src)}: {d.counts()}{' (draft)' if d.draft else ''}")
            console.diagnostics(result.report.notes)
            console.problem(f'{_show(src)}: title: "{d.title}" gives no usable file name (got "{slug}"); not written '
                            f"(import it with --slug SLUG: {PLAIN})")
            failed += 1
            continue
        target = out / f"{slug}.md"
        markdown = render_draft(d, today)
        report(f"{_show(src)}: {d.counts()}{' (draft)' if d.draft else ''} -> {_show(target)}")
        console.diagnostics(result.report.notes)
        errors = _validate(_show(target), markdown, config)
        if errors:
            console.diagnostics(errors)
            console.problem(f"{_show(target)}: not written: the importer produced an invalid brief")
            failed += 1
            continue
        if target.resolve() in written:
            console.problem(f"{_show(target)}: {written[target.resolve()]} was imported to this file "
                            f"in this run; {not_overwritten}")
            failed += 1
            continue
        if target.exists() and not args.force:
            console.problem(f"{_show(target)}: already exists; {not_overwritten} (pass --force to replace it)")
            failed += 1
            continue
        owner = slugs.get(slug)
        if owner is not None and owner.resolve() != target.resolve():
            console.problem(f'{_show(target)}: the slug "{slug}" is already used by {_show(owner)}; {not_written} '
                            "(import it with --slug SLUG to give it another)")
            failed += 1
            continue
        written[target.resolve()] = _show(src)
        slugs[slug] = target
        new = []
        for rating, line in result.ratings.new_entries(known):
            why = bad_rating(rating)
            if why:
                console.problem(f"{_show(src)}:{line}: warning: ratings: {rating.outlet}: {why}; not added")
            else:
                new.append(rating)
        if new and not appendable:
            new = []
        if args.dry_run:
            console.say(markdown)
            for r in new:
                report(f"would add to {_show(outlets_file)}: {r.outlet} (lean {r.lean}, establishment {r.establishment})")
            continue
        out.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
        if new:
            _append_outlets(outlets_file, outlet_yaml(new, f"the import of {src.name}"))
            known += [r.outlet for r in new]
            for r in new:
                report(f"added to {_show(outlets_file)}: {r.outlet} (lean {r.lean}, establishment {r.establishment})")
    if not args.dry_run:
        report(f"imported {len(written)} of {len(args.files)} file{'s' if len(args.files) != 1 else ''}"
               + (f"; {failed} not written" if failed else ""))
    return cli.EXIT_CONTENT if failed else cli.EXIT_OK


def _append_outlets(file: Path, entries: str) -> None:
    """Append at the end, leaving the author's formatting of the rest as it is."""
    old = file.read_text(encoding="utf-8") if file.is_file() else ""
    if old and not old.endswith("\n"):
        entries = "\n" + entries
    with file.open("a", encoding="utf-8") as fh:
        fh.write(entries.lstrip("\n") if not old else entries)


cli.EXTENSIONS.append(_parsers)
cli.COMMANDS.update({"new": cmd_new, "import": cmd_import})  # type: ignore[dict-item]
