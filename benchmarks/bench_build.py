"""Time briefkit on generated corpora: cold build, no-change rebuild, one-brief edit, a new brief, serve
edit-to-reload.

`python benchmarks/bench_build.py [--sizes 1000 4000] [--runs 3]` prints a Markdown table of medians
and peak memory. Each build runs as its own process, the way an author runs it. `--against REV` times
the project as committed at git revision REV too, taking turns with this version, and prints a table
for each: a before-and-after comparison that a machine's slow and fast spells affect alike.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, NoReturn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import corpus

from briefkit.handoff import wait_for_save

# Python's bytecode cache on, as on an author's machine (a sandbox may turn it off, and then every build
# compiles briefkit's modules again first: 0.03 s of a no-change build, 0.09 s of a full one)
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "SOURCE_DATE_EPOCH": "1730000000"}


def env_for(tree: Path) -> dict[str, str]:
    """The builds' environment, importing briefkit from `tree` (this project, or the version --against names)."""
    return {**ENV, "PYTHONPATH": str(tree)}


def stop(proc: subprocess.Popen[bytes], grace: float = 1.0) -> None:
    """Stop a build interrupted with this benchmark. Ctrl-C at a terminal reaches both, and the build stops on
    its own; a SIGINT sent to the benchmark alone (`kill -INT`, an editor's stop button) left it running, orphaned,
    into the next run's folders. SIGINT, not SIGTERM: the build cleans up after Pagefind on Ctrl-C."""
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        proc.wait()


def timed_build(site: Path, *args: str, tree: Path = ROOT) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB) of one `build.py` process (of the project in `tree`), and the seconds until
    the cache it hands to a child is saved (handoff.py): the next build is timed on an idle machine, as an
    author's would be."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: warnings must not fill a buffer nobody reads
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(tree / "build.py"), "-q", *args], cwd=site, env=env_for(tree),
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: the build stops too, its Pagefind run and temporary folder with it
            stop(proc)
            raise
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"build failed in {site}:\n{err.read().decode()[-3000:]}")
    if (site / ".cache").is_dir():
        wait_for_save(site / ".cache")
    return elapsed, usage.ru_maxrss / 1024, time.perf_counter() - start


def edit(site: Path, n: int) -> Path:
    """Change the first fact of one brief, differently each time."""
    briefs = sorted((site / "content").glob("*.md"))
    brief = briefs[len(briefs) // 2]
    head, sep, body = brief.read_text(encoding="utf-8").partition("\n## Facts\n")
    body = re.sub(r"^- (\(Edit \d+\) )?", f"- (Edit {n}) ", body, count=1, flags=re.MULTILINE)
    brief.write_text(head + sep + body, encoding="utf-8")
    return brief


def add_brief(site: Path, n: int) -> Path:
    """A new brief, the newest of the site as a newsroom's next one is: a copy of the newest, retitled."""
    def dated(brief: Path) -> tuple[str, str]:
        found = re.search(r"^date: (.*)$", brief.read_text(encoding="utf-8"), re.MULTILINE)
        return (found[1] if found else "", brief.name)

    newest = max((site / "content").glob("*.md"), key=dated)
    text = newest.read_text(encoding="utf-8").replace('title: "', f'title: "Follow-up {n}: ', 1)
    added = site / "content" / f"follow-up-{n}-{newest.name}"
    added.write_text(text, encoding="utf-8")
    return added


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__briefkit/status", timeout=5) as r:
        return json.loads(r.read())


PACE = 1.5  # seconds between saves in the paced run: an author saving faster than a large site rebuilds
WAIT = 120.0  # seconds a reload or a rebuild may take before serve is taken to be stuck (2.4 s at 10,000 briefs)


def give_up(site: Path, err: IO[bytes], what: str) -> NoReturn:
    """Stop the benchmark, saying what serve did not do and what it printed (its errors, a traceback)."""
    err.seek(0)
    said = err.read().decode(errors="replace").strip()[-3000:]
    raise SystemExit(f"serve in {site} {what}" + (f"; it printed:\n{said}" if said else ""))


def serve_reloads(site: Path, edits: int, flags: tuple[str, ...] = (),
                  tree: Path = ROOT) -> tuple[list[float], list[float], list[float]]:
    """Seconds from saving an edit to the first live-reload message reaching a connected browser
    (the quick pass showing the edited brief), and to the full rebuild having finished; then the first
    of these again for twice as many edits saved every PACE seconds, whether the rebuild has finished or not."""
    from tornado.websocket import websocket_connect

    port = free_port()
    with tempfile.TemporaryFile() as err:  # a file, not a pipe (see timed_build); read when serve fails
        proc = subprocess.Popen([sys.executable, str(tree / "build.py"), "serve", "-q", "--port", str(port), *flags],
                                cwd=site, env=env_for(tree), stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 300
            while True:  # a serve that stopped, or never answers, was waited on for 300 s, then a traceback
                if proc.poll() is not None:
                    give_up(site, err, f"stopped (exit code {proc.returncode}) before serving its first build")
                if time.monotonic() > deadline:
                    give_up(site, err, "had not served its first build after 300 s")
                try:
                    if status(port)["builds"] >= 1:
                        break
                except OSError:
                    time.sleep(0.2)
            time.sleep(0.5)  # on a site built before, serve answers at once and makes its quick pass's snapshot next
            while status(port)["building"] and time.monotonic() < deadline:
                time.sleep(0.1)

            async def measure() -> tuple[list[float], list[float], list[float]]:
                ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
                ws.write_message(json.dumps({"command": "hello",
                                             "protocols": ["http://livereload.com/protocols/official-7"]}))
                await ws.read_message()
                ws.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/", "plugins": {}}))

                async def reload_of(brief: Path) -> None:
                    """The reload of the edited brief's page, not one an earlier rebuild sends late. A serve that
                    sent none, or stopped, left the benchmark waiting for ever."""
                    page, until = f"/briefs/{brief.stem}/", time.perf_counter() + WAIT
                    while True:
                        try:
                            said = await asyncio.wait_for(ws.read_message(), until - time.perf_counter())
                        except TimeoutError:
                            said = None
                        if said is None:  # no message in time, or the connection closed
                            stopped = "" if proc.poll() is None else f" (it stopped, exit code {proc.returncode})"
                            give_up(site, err, f"sent no reload of {page} within {WAIT:g} s of an edit to "
                                               f"content/{brief.name}{stopped}")
                        m = json.loads(said)
                        if m.get("command") == "reload" and str(m.get("path", "")).endswith(page):
                            return

                async def drain(quiet: float, until: float = float("inf")) -> None:
                    """Read what the rebuilds send until nothing comes for `quiet` s, or until `until`."""
                    while (left := min(quiet, until - time.perf_counter())) > 0:
                        try:
                            await asyncio.wait_for(ws.read_message(), left)
                        except TimeoutError:
                            break

                reloads, settled, paced = [], [], []
                for n in range(edits):
                    builds = status(port)["builds"]
                    start = time.perf_counter()
                    await reload_of(edit(site, 100 + n))
                    reloads.append(time.perf_counter() - start)
                    while status(port)["builds"] <= builds:
                        if time.perf_counter() - start > WAIT:
                            give_up(site, err, f"had not finished rebuilding {WAIT:g} s after an edit")
                        await asyncio.sleep(0.02)
                    settled.append(time.perf_counter() - start)
                    await drain(0.3)
                for n in range(2 * edits):
                    start = time.perf_counter()
                    await reload_of(edit(site, 1000 + n))
                    paced.append(time.perf_counter() - start)
                    await drain(PACE, until=start + PACE)  # the next save comes PACE s after this one
                ws.close()
                return reloads, settled, paced

            return asyncio.run(measure())
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def row_name(n: int, search: bool) -> str:
    return f"n{n}{'' if search else '-no-search'}"


Samples = dict[str, list[float]]  # figure -> every time measured for it


def bench(source: Path, place: Path, runs: int, serve_edits: int, search: bool, tree: Path = ROOT) -> Samples:
    """One row's times: `runs` cold builds, each on its own copy of the generated site `source` made under
    `place`, then no-change rebuilds, one-brief edits, new briefs, a build without the cache and serve's reloads."""
    flags = () if search else ("--no-search",)
    got: Samples = {k: [] for k in ("cold", "saved", "nocache", "nochange", "one", "added", "reloads", "settled", "paced", "rss")}
    for i in range(runs):
        # each cold build gets a fresh copy of the site, as a first build after a checkout would: deleting
        # the last build's output first slowed the next one by up to 40% here (ext4 mounted with discard)
        site = place / f"run-{i}"
        shutil.copytree(source, site)
        t, m, done = timed_build(site, *flags, tree=tree)
        got["cold"].append(t)
        got["rss"].append(m)
        got["saved"].append(done)
    got["nochange"] = [timed_build(site, *flags, tree=tree)[0] for _ in range(runs)]
    for i in range(runs):
        edit(site, i)
        t, m, _ = timed_build(site, *flags, tree=tree)
        got["one"].append(t)
        got["rss"].append(m)
    for i in range(runs):  # each the newest brief: every page of the paged lists it heads moves up one
        add_brief(site, i)
        got["added"].append(timed_build(site, *flags, tree=tree)[0])
    got["nocache"] = [timed_build(site, *flags, "--no-cache", "--out", str(site / "site-nocache"), tree=tree)[0]]
    if serve_edits:
        got["reloads"], got["settled"], got["paced"] = serve_reloads(site, serve_edits, flags, tree=tree)
    return got


def table_row(n: int, search: bool, got: Samples) -> dict[str, str]:
    med = statistics.median
    return {
        "briefs": f"{n:,}",
        "search index": "yes" if search else "no",
        "cold build": f"{med(got['cold']):.2f} s",
        "cold, cache saved": f"{med(got['saved']):.2f} s",
        "cold, `--no-cache`": f"{med(got['nocache']):.2f} s",
        "no-change rebuild": f"{med(got['nochange']):.2f} s",
        "one-brief edit": f"{med(got['one']):.2f} s",
        "a new brief": f"{med(got['added']):.2f} s",
        "`serve` edit-to-reload": f"{med(got['reloads']) * 1000:.0f} ms" if got["reloads"] else "-",
        "`serve`, all pages rebuilt": f"{med(got['settled']):.2f} s" if got["settled"] else "-",
        f"`serve`, a save every {PACE:g} s: slowest reload": f"{max(got['paced']) * 1000:.0f} ms" if got["paced"] else "-",
        "peak memory": f"{max(got['rss']):.0f} MB",
    }


def print_table(rows: list[dict[str, str]]) -> None:
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "|".join("---" for _ in keys) + "|")
    for row in rows:
        print("| " + " | ".join(row[k] for k in keys) + " |")


def compile_modules(tree: Path) -> None:
    """Write the bytecode of the project in `tree` before its first timed build. A version unpacked by --against
    has none, and its first cold build compiled briefkit first (0.3 s more of a 200-brief build here): a
    before-and-after comparison was tilted against it."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "briefkit")], check=True, env=ENV,
                   stdout=subprocess.DEVNULL)


def export(rev: str, into: Path) -> Path:
    """The project as committed at git revision `rev`, unpacked into `into`. `rev` is looked up as a commit
    first: given to `git archive` as it was, one starting with "-" was read as an option (git printed its usage,
    and --output=FILE wrote a file), and a tree (HEAD:briefkit) unpacked a project without build.py."""
    try:
        found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", "--end-of-options",
                                f"{rev}^{{commit}}"], check=False, capture_output=True, text=True)
        if found.returncode:
            raise SystemExit(f"--against {rev}: git could not export it: no commit of that name in {ROOT}")
        data = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", found.stdout.strip()],
                              check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        said = exc.stderr.decode(errors="replace").strip() if isinstance(exc, subprocess.CalledProcessError) else exc
        raise SystemExit(f"--against {rev}: git could not export it: {said}") from None
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:  # our own repository's files
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # pragma: no cover - a Python 3.11 before 3.11.4
            tar.extractall(into)
    return into


def at_least(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `least` (0 runs or an empty site has nothing to time)."""
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least {least}")
        return value
    return whole


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench_build.py", description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--sizes", type=at_least(1), nargs="+", default=[1000, 4000],
                   help="corpus sizes (add 10000 when asked)")
    p.add_argument("--runs", type=at_least(1), default=3, help="runs per figure; medians are reported")
    p.add_argument("--serve-edits", type=at_least(0), default=7, help="edits timed through a running serve (0: skip)")
    p.add_argument("--workdir", type=Path, default=HERE / "out",
                   help="where the generated sites and their copies go (default benchmarks/out/)")
    p.add_argument("--search", choices=("both", "on", "off"), default="both",
                   help="time builds with the search index, without it (--no-search), or both (default)")
    p.add_argument("--against", metavar="REV",
                   help="also time the project as committed at git revision REV, alternating with this one")
    p.add_argument("--rounds", type=at_least(1), default=2,
                   help="with --against: how many times each version's rows are timed, in turn (default 2)")
    args = p.parse_args(argv)
    if args.workdir.exists() and not args.workdir.is_dir():
        p.error(f"--workdir {args.workdir}: not a folder")
    modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.search]
    rounds = args.rounds if args.against else 1
    ours = ["corpus", "against", *(f"{v}-{r}" for v in ("this", "against") for r in range(rounds))]
    for name in ours:  # an earlier run's sites go before any timing starts (see bench() on deleting)
        shutil.rmtree(args.workdir / name, ignore_errors=True)
    trees = {"this version": ("this", ROOT)}  # heading -> (its sites' folder prefix, the project to run)
    if args.against:
        trees = {args.against: ("against", export(args.against, args.workdir / "against")), **trees}
    for _, tree in trees.values():
        compile_modules(tree)
    rows = [(n, search) for n in args.sizes for search in modes]
    sources = {n: args.workdir / "corpus" / f"n{n}" for n in args.sizes}  # one generated site per size, for all
    for n, source in sources.items():
        corpus.generate(n, seed=1).write(source)
    got: dict[tuple[str, int, bool], Samples] = {}
    for r in range(rounds):
        for name, (prefix, tree) in trees.items():
            for n, search in rows:
                place = args.workdir / f"{prefix}-{r}" / row_name(n, search)
                samples = bench(sources[n], place, args.runs, args.serve_edits, search, tree)
                for k, v in samples.items():
                    got.setdefault((name, n, search), {}).setdefault(k, []).extend(v)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\n{cores} cores, load average {os.getloadavg()[0]:.1f} at the end; "
          f"medians of {args.runs * rounds} runs" + (f", {rounds} rounds alternating" if rounds > 1 else "") + "\n")
    for name in trees:
        if len(trees) > 1:
            print(f"{name}:\n")
        print_table([table_row(n, search, got[(name, n, search)]) for n, search in rows])
        if len(trees) > 1:
            print()
    return 0


def cli(argv: list[str] | None = None) -> int:
    try:
        return main(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(cli())
