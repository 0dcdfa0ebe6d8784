"""Time briefkit on generated corpora: cold build, no-change rebuild, one-brief edit, serve edit-to-reload.

`python benchmarks/bench_build.py [--sizes 1000 4000] [--runs 3]` prints a Markdown table of medians
and peak memory. Each build runs as its own process, the way an author runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import corpus

from briefkit.handoff import wait_for_save

# Python's bytecode cache on, as on an author's machine (a sandbox may turn it off, and then every build
# compiles briefkit's modules again first: 0.03 s of a no-change build, 0.09 s of a full one)
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "SOURCE_DATE_EPOCH": "1730000000", "PYTHONPATH": str(ROOT)}


def timed_build(site: Path, *args: str) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB) of one `build.py` process, and the seconds until the cache it hands to a
    child is saved (handoff.py): the next build is timed on an idle machine, as an author's would be."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: warnings must not fill a buffer nobody reads
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "-q", *args], cwd=site, env=ENV,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__briefkit/status", timeout=5) as r:
        return json.loads(r.read())


def serve_reloads(site: Path, edits: int, flags: tuple[str, ...] = ()) -> tuple[list[float], list[float]]:
    """Seconds from saving an edit to the first live-reload message reaching a connected browser
    (the quick pass showing the edited brief), and to the full rebuild having finished."""
    from tornado.websocket import websocket_connect

    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "-q", "--port", str(port), *flags],
                            cwd=site,
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if status(port)["builds"] >= 1:
                    break
            except OSError:
                time.sleep(0.2)
        time.sleep(0.5)  # on a site built before, serve answers at once and makes its quick pass's snapshot next
        while status(port)["building"] and time.monotonic() < deadline:
            time.sleep(0.1)

        async def measure() -> tuple[list[float], list[float]]:
            ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
            ws.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
            await ws.read_message()
            ws.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/", "plugins": {}}))
            reloads, settled = [], []
            for n in range(edits):
                builds = status(port)["builds"]
                start = time.perf_counter()
                edit(site, 100 + n)
                while json.loads(await ws.read_message()).get("command") != "reload":
                    pass
                reloads.append(time.perf_counter() - start)
                while status(port)["builds"] <= builds:
                    await asyncio.sleep(0.02)
                settled.append(time.perf_counter() - start)
                while True:  # drain what the full rebuild sent
                    try:
                        await asyncio.wait_for(ws.read_message(), 0.3)
                    except TimeoutError:
                        break
            ws.close()
            return reloads, settled

        return asyncio.run(measure())
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def row_name(n: int, search: bool) -> str:
    return f"n{n}{'' if search else '-no-search'}"


def bench(n: int, runs: int, workdir: Path, serve_edits: int, search: bool) -> dict[str, str]:
    """One row of the table: one corpus size, with or without the search index."""
    row = workdir / row_name(n, search)
    flags = () if search else ("--no-search",)
    corpus.generate(n, seed=1).write(row / "source")
    cold, rss, saved = [], [], []
    for i in range(runs):
        # each cold build gets a fresh copy of the site, as a first build after a checkout would: deleting
        # the last build's output first slowed the next one by up to 40% here (ext4 mounted with discard)
        site = row / f"run-{i}"
        shutil.copytree(row / "source", site)
        t, m, done = timed_build(site, *flags)
        cold.append(t)
        rss.append(m)
        saved.append(done)
    nochange = [timed_build(site, *flags)[0] for _ in range(runs)]
    one = []
    for i in range(runs):
        edit(site, i)
        t, m, _ = timed_build(site, *flags)
        one.append(t)
        rss.append(m)
    nocache = [timed_build(site, *flags, "--no-cache", "--out", str(site / "site-nocache"))[0] for _ in range(1)]
    reloads, settled = serve_reloads(site, serve_edits, flags) if serve_edits else ([], [])
    med = statistics.median
    return {
        "briefs": f"{n:,}",
        "search index": "yes" if search else "no",
        "cold build": f"{med(cold):.2f} s",
        "cold, cache saved": f"{med(saved):.2f} s",
        "cold, no cache": f"{med(nocache):.2f} s",
        "no-change rebuild": f"{med(nochange):.2f} s",
        "one-brief edit": f"{med(one):.2f} s",
        "serve edit-to-reload": f"{med(reloads) * 1000:.0f} ms" if reloads else "-",
        "serve, all pages rebuilt": f"{med(settled):.2f} s" if settled else "-",
        "peak memory": f"{max(rss):.0f} MB",
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000], help="corpus sizes (add 10000 when asked)")
    p.add_argument("--runs", type=int, default=3, help="runs per figure; medians are reported")
    p.add_argument("--serve-edits", type=int, default=7, help="edits timed through a running serve (0: skip)")
    p.add_argument("--workdir", type=Path, default=HERE / "out")
    p.add_argument("--search", choices=("both", "on", "off"), default="both",
                   help="time builds with the search index, without it (--no-search), or both (default)")
    args = p.parse_args(argv)
    modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.search]
    for n in args.sizes:  # an earlier run's sites go before any timing starts: see bench() on deleting
        for search in modes:
            shutil.rmtree(args.workdir / row_name(n, search), ignore_errors=True)
    rows = [bench(n, args.runs, args.workdir, args.serve_edits, search) for n in args.sizes for search in modes]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\n{cores} cores, load average {os.getloadavg()[0]:.1f} at the end; medians of {args.runs} runs\n")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "|".join("---" for _ in keys) + "|")
    for row in rows:
        print("| " + " | ".join(row[k] for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
