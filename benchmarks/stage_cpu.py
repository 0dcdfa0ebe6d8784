"""Where a build's time goes: each stage's wall and CPU seconds, the median of several builds.

    python benchmarks/stage_cpu.py SITE cold [--runs 3] [--cores 1] [--tree DIR ...]
    python benchmarks/stage_cpu.py SITE edit [--runs 3] [--cores 1] [--tree DIR ...]
    python benchmarks/stage_cpu.py SITE cold-cache [--runs 3] [--cores 1] [--tree DIR ...]

`cold` builds SITE without the build cache into a scratch folder; `edit` changes a brief's first
fact, as bench_build.py does, and rebuilds with the cache (on a copy of SITE, built once
first); `cold-cache` builds from scratch with the build cache, as a first `build.py` does (its
.cache/ and site/ removed before each build, once the last build's saving child is done). Each
build runs in its own process, so the figures include no start-up, only the stages.
With one core (the default) the figures hold while something else runs on the machine: the CPU
seconds of a stage are its work, not its share of a busy machine. `--tree` times another checkout
of the project (a `git worktree` or a `git archive` unpacked) in turn with this one, each on its
own copy, to compare a change with the code before it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def measure(site: str, mode: str, cores: int) -> None:
    """One build in this process (the `--one` child): prints {stage: [wall, cpu]} as JSON."""
    import io

    import briefkit
    from briefkit import cli, parallel, pipeline

    tree = os.environ.get("STAGE_CPU_TREE")
    if tree and not Path(briefkit.__file__).resolve().is_relative_to(tree):
        sys.exit(f"timed {briefkit.__file__}, not the project at {tree} (is briefkit installed from elsewhere?)")
    cli._PROCESS["own"] = True
    parallel.cores = lambda: cores
    os.chdir(site)
    times: dict[str, list[float]] = {}
    last = [time.perf_counter(), _cpu()]
    done = pipeline.Stages.done

    def timed(self: pipeline.Stages, name: str, detail: str = "") -> None:
        now = time.perf_counter()
        settled, cpu = _reap_workers(), _cpu()  # the wait is no stage's: the build does not wait for them
        wall_cpu = times.setdefault(name, [0.0, 0.0])
        wall_cpu[0] += now - last[0]
        wall_cpu[1] += cpu - last[1]
        last[:] = [settled, cpu]
        done(self, name, detail)

    pipeline.Stages.done = timed  # type: ignore[method-assign]
    args = ["--no-search", "-q"]
    with tempfile.TemporaryDirectory() as out:
        if mode == "cold":
            args += ["--no-cache", "--out", out]
        elif mode == "cold-cache":
            args += ["--out", out]
        start, cpu = time.perf_counter(), _cpu()
        last[:] = [start, cpu]
        err = io.StringIO()
        code = cli.main(args, out=io.StringIO(), err=err)
        wall = time.perf_counter() - start
        before = _cpu()
        _reap_children()  # the child that wrote the first site (early.py), not waited for by a build that ends
        if "write" in times:
            times["write"][1] += _cpu() - before
        times["total"] = [wall, _cpu() - cpu]
    if code:
        sys.exit(f"the build failed (exit {code}):\n{err.getvalue()[-2000:]}")
    print(json.dumps(times))


def _reap_workers() -> float:
    """Wait for the stage's workers that sent their results and were left to end (parallel._ENDING), so that
    their CPU seconds count in the stage that ran them, as _cpu counts only children waited for; the time
    when done."""
    from briefkit import parallel

    ending = getattr(parallel, "_ENDING", [])  # a checkout from before it waited for each worker itself
    while ending:
        try:
            os.waitpid(ending.pop(), 0)
        except ChildProcessError:
            pass
    return time.perf_counter()


def _reap_children() -> None:
    """Wait for every child still there."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def _cpu() -> float:
    """User and system seconds of this process (to the microsecond) and of the workers it has waited for
    (to the clock tick)."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def run(tree: Path, site: Path, mode: str, cores: int) -> dict[str, list[float]]:
    env = dict(os.environ, PYTHONPATH=str(tree), STAGE_CPU_TREE=str(tree), SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "1730000000"))
    if mode == "edit":
        # the benchmark's own edit (a brief's first fact, differently each time); imported here, as it puts
        # this checkout first on sys.path, where the child timing another must not find it
        from bench_build import edit

        edit(site, time.time_ns())
    elif mode == "cold-cache":
        wait_for_save(site / ".cache")  # the last build's saving child, which outlives its build
        shutil.rmtree(site / ".cache", ignore_errors=True)
    done = subprocess.run([sys.executable, __file__, str(site), mode, "--one", "--cores", str(cores)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{tree}: {done.stderr.strip() or done.stdout.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_for_save(folder: Path) -> None:
    """Return once no process holds the lock on the build cache in `folder` (handoff.py's SaveLock)."""
    try:
        fd = os.open(folder / "lock", os.O_RDONLY)
    except OSError:
        return
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)


def copy_site(site: Path, into: Path) -> Path:
    """The site's inputs (not its output or cache) in a folder of its own."""
    shutil.copytree(site, into, ignore=shutil.ignore_patterns("site", ".cache", "labels.json"))
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path, help="a site folder (content/, site.yaml), e.g. one benchmarks/corpus.py wrote")
    ap.add_argument("mode", choices=["cold", "edit", "cold-cache"])
    ap.add_argument("--runs", type=int, default=3, help="builds per tree; medians are shown")
    ap.add_argument("--cores", type=int, default=1, help="cores the build may use (default 1)")
    ap.add_argument("--tree", type=Path, action="append", default=[],
                    help="another checkout of the project to time in turn with this one")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        measure(str(a.site), a.mode, a.cores)
        return
    if not (a.site / "content").is_dir():
        ap.error(f"{a.site}: no content/ folder there")
    if a.runs < 1 or a.cores < 1:
        ap.error("--runs and --cores take a whole number from 1")
    trees = [HERE, *(t.resolve() for t in a.tree)]
    for tree in trees:
        if not (tree / "briefkit" / "__init__.py").is_file():
            ap.error(f"{tree}: not a checkout of the project (no briefkit/ there)")
    results: dict[int, list[dict[str, list[float]]]] = {i: [] for i in range(len(trees))}
    with tempfile.TemporaryDirectory() as work:
        sites = [copy_site(a.site, Path(work) / f"site{i}") for i in range(len(trees))]
        if a.mode == "edit":
            for tree, site in zip(trees, sites):
                run(tree, site, "edit", a.cores)  # the first build with this tree's cache: a full one
        for _ in range(a.runs):
            for i, (tree, site) in enumerate(zip(trees, sites)):
                results[i].append(run(tree, site, a.mode, a.cores))
    for i, tree in enumerate(trees):
        print(f"{tree}: {a.mode} build, {a.cores} core{'s' if a.cores > 1 else ''}, median of {a.runs}")
        stages = list(results[i][0])
        for name in stages:
            wall = statistics.median(r[name][0] for r in results[i] if name in r)
            cpu = statistics.median(r[name][1] for r in results[i] if name in r)
            print(f"  {name:9s} {wall:7.3f} s wall {cpu:7.3f} s CPU")


if __name__ == "__main__":
    main()
