"""Command line: build | check. The only place that prints diagnostics and picks exit codes.

Exit codes: 0 ok, 1 content errors (or warnings with --strict), 2 usage errors.
"""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import redirect_stderr, redirect_stdout
from typing import NoReturn, TextIO

from . import __version__, pipeline
from .cache import BuildCache
from .diagnostics import Diagnostic, count_line, did_you_mean, got, sorted_diagnostics
from .project import Project, UsageError, open_project

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {}  # later commands register here


class Console:
    """Where output goes; progress lines only on a terminal and never with --quiet."""

    def __init__(self, args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = getattr(args, "quiet", False)
        self.verbose = getattr(args, "verbose", False)
        self.tty = self.err.isatty()

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.out, flush=True)

    def problem(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def progress(self, stage: str, seconds: float, detail: str) -> None:
        if self.verbose or (self.tty and not self.quiet):
            print(f"  {stage:<9} {detail:<28} {seconds:7.3f} s", file=self.err, flush=True)

    def diagnostics(self, diags: list[Diagnostic], show_warnings: bool = True) -> None:
        """All at once: a print and flush for each of a large site's 1,400 warnings was a write call each."""
        lines = [d.format() for d in diags if show_warnings or d.is_error]
        if lines:
            self.problem("\n".join(lines))


def _common(p: argparse.ArgumentParser, writes: bool, judges: bool = True) -> None:
    """The options of the commands that build; `judges`: the command's output is its verdict on the site
    (--strict and --quiet mean something), not a report of its own (related)."""
    p.add_argument("--content", metavar="DIR", help="folder of briefs (default: ./content)")
    if writes:
        p.add_argument("--out", metavar="DIR", help="output folder (default: site/ next to content/)")
    p.add_argument("--drafts", action="store_true", help="include briefs marked draft: true")
    if judges:
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    if writes:
        p.add_argument("--no-search", dest="search", action="store_false",
                       help="skip the Pagefind search index (faster; the search page then finds nothing)")
    p.add_argument("--base-url", metavar="URL",
                   help="where the site is published, e.g. https://user.github.io/repo/ (overrides site.yaml)")
    if judges:
        p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.add_argument("-v", "--verbose", action="store_true", help="print each stage with its timing")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build.py", description="Build a site of balanced news briefs from content/ into site/.",
        epilog="Without a command, build.py builds. Run 'build.py COMMAND --help' for a command's options.",
    )
    p.add_argument("--version", action="version", version=f"briefkit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    build = sub.add_parser("build", help="build the site (the default)",
                           description="Check every brief and build the site into site/; when anything is wrong, "
                                       "print every problem and leave site/ as it was.")
    _common(build, writes=True)
    build.add_argument("--no-cache", action="store_true", help="build everything; neither use nor update .cache/")
    check = sub.add_parser("check", help="validate everything, write nothing",
                           description="Check every brief, site.yaml, outlets.yaml, the theme and the links "
                                       "between pages, as a build does, and write nothing.")
    _common(check, writes=False)
    check.add_argument("--links", action="store_true",
                       help="also list the external links (internal links and #anchors are always checked)")
    check.add_argument("--external", action="store_true",
                       help="try every external link over the network; failures are warnings")
    for extend in EXTENSIONS:
        extend(sub)
    return p


EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []  # later commands register here


def open_for(args: argparse.Namespace, console: Console) -> Project:
    project, diags = open_project(args.content, getattr(args, "out", None), args.base_url, args.drafts)
    if any(d.is_error for d in diags):
        console.diagnostics(diags)
        raise SystemExit(EXIT_CONTENT)
    return project


def open_with_settings(args: argparse.Namespace) -> tuple[Project, list[Diagnostic]]:
    """The project and what is wrong in site.yaml. With an error there, the settings stay at their defaults
    and the briefs are still checked (nothing is written): every problem in one run, not site.yaml's first."""
    return open_project(args.content, getattr(args, "out", None), args.base_url, args.drafts)


def with_settings(result: pipeline.BuildResult, settings: list[Diagnostic]) -> pipeline.BuildResult:
    result.diagnostics = sorted_diagnostics(settings + result.diagnostics)
    return result


def finish(result: pipeline.BuildResult, console: Console, strict: bool, what: str) -> int:
    """Print diagnostics and the summary line; pick the exit code."""
    console.diagnostics(result.diagnostics)
    failed = bool(result.errors) or (strict and bool(result.warnings))
    if failed:
        why = count_line(result.diagnostics) + (" (--strict: warnings fail)" if not result.errors else "")
        console.problem(f"{what} failed: {why}")
    return EXIT_CONTENT if failed else EXIT_OK


_PROCESS: dict[str, bool] = {"own": False, "quick_exit": False}  # see run()


def _last_command() -> None:
    """build and check end the process when it is run(): no need to collect or free the build's objects."""
    if _PROCESS["own"]:
        _PROCESS["quick_exit"] = True
        gc.disable()  # re-enabled after the build, the collector would first walk all it made (0.5 s)


def open_cache(project: Project, console: Console) -> BuildCache:
    """The project's build cache, telling the console when it waits for the last build's save."""
    cache = BuildCache.for_project(project)
    why = cache.unwritable()
    if why:  # the cache only saves time: the build goes on without it
        console.say(f"note: {project.display(project.root / '.cache')}/ cannot be written ({why}); building "
                    "without the build cache")
        cache = BuildCache()
    cache.notify = console.say
    return cache


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    start = time.perf_counter()
    _last_command()
    project, settings = open_with_settings(args)
    settled = not any(d.is_error for d in settings)
    cache = None if args.no_cache or not settled else open_cache(project, console)
    if cache is not None:
        cache.last_build = _PROCESS["own"]  # the process ends with this build (not so in tests calling main)
    result = pipeline.build(project, write=settled, strict=args.strict, progress=console.progress,
                            search=args.search and settled, cache=cache, ends_process=_PROCESS["quick_exit"])
    code = finish(with_settings(result, settings), console, args.strict, "build")
    if code:
        shown = project.display(project.out)
        if result.partly_written:
            console.problem(f"{shown}/ is partly updated; build again once the problem is fixed")
        else:
            console.problem(f"nothing was written; {shown}/ is as it was" if project.out.exists() else
                            f"nothing was written; there is no {shown}/ yet")
        return code
    elapsed = time.perf_counter() - start
    warn = f", {len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''}" if result.warnings else ""
    console.say(f"built {result.briefs} brief{'s' if result.briefs != 1 else ''}, {result.pages} pages "
                f"in {elapsed:.2f} s{warn} -> {project.display(project.out)}/")
    hint = search_hint(result.timings, elapsed)
    if hint:
        console.say(hint)
    return EXIT_OK


SEARCH_HINT_AFTER = 2.0  # seconds spent waiting for the search index that earn a hint


def search_hint(timings: list[tuple[str, float]], elapsed: float) -> str:
    """A line for a build that spent most of its time waiting for Pagefind, which indexes every page
    again on any change (about 6 s at 4,000 briefs), pointing to the ways to write without it."""
    waited = sum(seconds for stage, seconds in timings if stage == "search")
    if waited < SEARCH_HINT_AFTER or waited < elapsed / 2:
        return ""
    return (f"waiting for the search index took {waited:.1f} s of that (Pagefind indexes every page again); "
            "while writing, 'build.py serve' writes pages without waiting for it, and 'build.py --no-search' "
            "leaves it out")


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    _last_command()
    project, settings = open_with_settings(args)
    result = with_settings(pipeline.build(project, write=False, strict=args.strict, progress=console.progress,
                                          ends_process=_PROCESS["quick_exit"]), settings)
    if result.links is not None and (args.links or args.external):
        report_external(result, console, fetch=args.external,
                        outlets_file=project.display(project.content / "outlets.yaml"))
    code = finish(result, console, args.strict, "check")
    if not code:
        console.say(f"checked {result.briefs} brief{'s' if result.briefs != 1 else ''}: "
                    f"{count_line(result.diagnostics)}")
    return code


def report_external(result: pipeline.BuildResult, console: Console, fetch: bool, outlets_file: str = "") -> None:
    """List each external link once with the pages using it; with fetch, try them (warnings only)."""
    assert result.links is not None
    external = result.links.external
    how = "tried each" if fetch else "not fetched; --external tries them"
    console.say(f"{len(external)} external link{'s' if len(external) != 1 else ''} ({how}):")
    for url, pages in external.items():
        more = f" and {len(pages) - 1} more" if len(pages) > 1 else ""
        console.say(f"  {url}  ({pages[0]}{more})")
    if fetch and external:
        from .external import Origins, check_external  # loaded only when external links are fetched

        written = Origins(result.site, outlets_file) if result.site is not None else None
        result.diagnostics = sorted_diagnostics(result.diagnostics + check_external(external, written=written))


def parse(p: argparse.ArgumentParser, argv: list[str], commands: Iterable[str], implied: bool) -> argparse.Namespace:
    """The parsed arguments. What the command does not know is refused by the command itself, with its
    usage and a near miss (argparse left it to the top parser: `build.py: error: unrecognized arguments:
    chek`, whatever the command, with the usage of none)."""
    args, extra = p.parse_known_args(argv)
    if not extra:
        return args
    if implied and argv[1:2] == extra[:1] and not extra[0].startswith("-"):  # build.py chek
        close = did_you_mean(extra[0], commands)
        p.error(f'unknown command "{extra[0]}"' + (f" ({close})" if close else "")
                + f"; the commands are {', '.join(commands)}")
    chooser = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    sub: argparse.ArgumentParser = chooser.choices[args.command]
    options = {o.lstrip("-"): o for a in sub._actions for o in a.option_strings if o.startswith("--")}
    import difflib  # only for a mistyped option

    hints: list[str] = []
    for x in extra:
        if x.startswith("-"):
            near = difflib.get_close_matches(x.split("=")[0].lstrip("-"), sorted(options), n=1, cutoff=0.6)
            hints += [f'did you mean "{options[near[0]]}"?'] if near else []
        elif (i := argv.index(x)) > 1 and not argv[i - 1].startswith("-"):  # --topics North Korea
            hints.append(f'if "{argv[i - 1]} {x}" is one value, put it in quotes')
    sub.error(f"unrecognized arguments: {' '.join(extra)}" + "".join(f" ({h})" for h in hints))


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point; returns the exit code instead of exiting, so tests can call it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"build": cmd_build, "check": cmd_check, **COMMANDS}
    implied = not argv or (argv[0] not in commands and argv[0] not in ("-h", "--help", "--version"))
    if implied:
        argv.insert(0, "build")
    try:  # argparse prints help, the version and usage errors itself: to `out` and `err` too, when given
        with redirect_stdout(out or sys.stdout), redirect_stderr(err or sys.stderr):
            args = parse(parser(), argv, commands, implied)
    except SystemExit as exc:
        return int(exc.code or 0)
    console = Console(args, out, err)
    try:
        if args.command in ("build", "check", "serve"):
            pipeline.build_time()  # a SOURCE_DATE_EPOCH that is no time stops them before they start
        return commands[args.command](args, console)
    except UsageError as exc:
        console.problem(f"error: {exc}")
        return EXIT_USAGE
    except SystemExit as exc:
        return int(exc.code or 0)
    except Terminated:
        console.problem("stopped")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        console.problem("interrupted")
        return 130
    except BrokenPipeError:  # `build.py related x | head` closed the pipe: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush stays quiet
        return EXIT_OK


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a CI job cancelled, `timeout`): stopped as Ctrl-C stops a build, its Pagefind run and
    temporary folder cleaned up on the way out; the default action left both behind."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def run(argv: list[str] | None = None) -> NoReturn:
    """main() as a process of its own (build.py, the briefkit script).

    After build or check the process ends without freeing, one by one, the millions of objects the
    build made (0.6 s at 4,000 briefs): output is flushed, worker pools are already closed, and
    nothing else is left to tidy. Other commands (serve) exit the ordinary way.
    """
    _PROCESS["own"] = True
    signal.signal(signal.SIGTERM, _terminate)  # serve puts its own in place: it stops its event loop
    code = main(argv)
    if not _PROCESS["quick_exit"]:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)


def port_number(text: str) -> int:
    """--port's value: a TCP port (the system would take 99999 modulo 65536 and listen elsewhere)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number {got(text)}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 1 to 65535 (got {port})")
    return port


def _serve_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="build, serve with live reload, rebuild on every edit")
    _common(p, writes=True)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default: 8000; a busy port names a free one)")
    p.add_argument("--base-path", metavar="PATH",
                   help="serve under this path, as GitHub Pages serves a project site (default: base_url's path)")


def serve_command(args: argparse.Namespace, port: int) -> str:
    """The serve command as given, on another port (what a busy port suggests instead)."""
    words = ["build.py", "serve", "--port", str(port)]
    for flag, value in (("--host", None if args.host == "127.0.0.1" else args.host), ("--base-path", args.base_path),
                        ("--content", args.content), ("--out", args.out), ("--base-url", args.base_url)):
        words += [flag, value] if value else []
    for flag, on in (("--drafts", args.drafts), ("--strict", args.strict), ("--no-search", not args.search),
                     ("-q", args.quiet), ("-v", args.verbose)):
        words += [flag] if on else []
    return shlex.join(words)


def _serve(args: argparse.Namespace, console: Console) -> int:
    from . import serve  # the web server and livereload load only for serve, not for every build

    return serve.cmd_serve(args, console)


def _related_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("related", help="show why briefs are related: ranked candidates, score by signal",
                       description="Rank the related candidates of one brief and break each score down by "
                                   "signal, as the build does. Writes nothing.")
    p.add_argument("slug", help="the brief's slug (its file name without .md, unless it sets slug:)")
    p.add_argument("--json", action="store_true", help="print JSON for tools instead of a table")
    p.add_argument("--all", action="store_true", help="also list candidates that are not shown")
    _common(p, writes=False, judges=False)


def _related(args: argparse.Namespace, console: Console) -> int:
    from . import explain  # the related index loads for this command, not for every build

    return explain.cmd_related(args, console)


EXTENSIONS += [_serve_parser, _related_parser]
COMMANDS.update(serve=_serve, related=_related)

from . import authoring  # noqa: F401  (registers the new and import commands)
