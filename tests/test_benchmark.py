"""benchmarks/bench_build.py: the table it prints, and timing another version alternately (--against)."""

from __future__ import annotations

import concurrent.futures
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_bench(name: str = "bench_build"):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git repository")
def test_against_times_the_committed_version_and_this_one_in_turn(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    bench = load_bench()
    assert bench.main(["--sizes", "20", "--runs", "1", "--serve-edits", "0", "--search", "off",
                       "--against", head, "--rounds", "1", "--workdir", str(tmp_path / "work")]) == 0
    printed = capsys.readouterr().out
    assert f"\n{head}:\n" in printed and "\nthis version:\n" in printed
    rows = [line for line in printed.splitlines() if line.startswith("| 20 | no |")]
    assert len(rows) == 2  # one per version, each with every figure timed
    assert all(cell.strip().endswith(("s", "MB")) for row in rows for cell in row.strip("|").split("|")[2:]
               if cell.strip() != "-")
    assert (tmp_path / "work" / "against" / "build.py").is_file()  # the committed version, unpacked


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git repository")
@pytest.mark.parametrize("rev", ["no-such-rev", "HEAD~100000", "HEAD:briefkit", "--output=bench-test-written.tar", "-1"])
def test_an_unknown_revision_is_a_clear_error(rev: str, tmp_path: Path) -> None:
    """One starting with "-" was an option to `git archive` (its usage printed; --output=FILE wrote the file), and a
    tree (HEAD:briefkit) was unpacked, then failed as a project without build.py."""
    bench = load_bench()
    with pytest.raises(SystemExit) as stopped:
        bench.main(["--sizes", "5", "--runs", "1", "--serve-edits", "0", "--search", "off", f"--against={rev}",
                    "--workdir", str(tmp_path / "w")])
    assert str(stopped.value.code) == f"--against {rev}: git could not export it: no commit of that name in {ROOT}"
    assert not (tmp_path / "w").exists() and not (ROOT / "bench-test-written.tar").exists()


def test_a_workdir_that_is_a_file_is_refused_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        load_bench().main(["--sizes", "20", "--runs", "1", "--serve-edits", "0", "--workdir", str(tmp_path / "notes.txt")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"bench_build.py: error: --workdir {tmp_path / 'notes.txt'}: not a folder"
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize(("args", "said"), [
    (["--runs", "0"], "argument --runs: '0' is not a whole number of at least 1"),
    (["--sizes", "0"], "argument --sizes: '0' is not a whole number of at least 1"),
    (["--sizes", "200", "-5"], "argument --sizes: '-5' is not a whole number of at least 1"),
    (["--rounds", "0", "--against", "HEAD"], "argument --rounds: '0' is not a whole number of at least 1"),
    (["--serve-edits", "-1"], "argument --serve-edits: '-1' is not a whole number of at least 0"),
    (["--runs", "x"], "argument --runs: 'x' is not a whole number of at least 1"),
])
def test_a_count_with_nothing_to_time_is_refused_before_any_work(args: list[str], said: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """--runs 0, --sizes 0 or --rounds 0 ran the builds, then ended in a traceback (UnboundLocalError, IndexError,
    KeyError) with no table."""
    with pytest.raises(SystemExit) as stopped:
        load_bench().main(["--sizes", "20", "--runs", "1", "--serve-edits", "0", "--search", "off", *args,
                           "--workdir", str(tmp_path / "w")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"bench_build.py: error: {said}"
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize(("args", "said"), [
    (["0"], "argument n: 0 is not a whole number of at least 1"),
    (["20", "--clustered", "2"], "argument --clustered: 2.0 is not a share between 0 and 1"),
    (["20", "--keyed", "-0.5"], "argument --keyed: -0.5 is not a share between 0 and 1"),
])
def test_the_corpus_generator_refuses_what_it_cannot_make(args: list[str], said: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`corpus.py 0 OUT` wrote an empty site; `--clustered 2` wrote 40 briefs when 20 were asked for."""
    with pytest.raises(SystemExit) as stopped:
        load_bench("corpus").main([args[0], str(tmp_path / "out"), *args[1:]])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"corpus.py: error: {said}"
    assert not (tmp_path / "out").exists()


def test_the_corpus_generator_does_not_mix_a_new_site_with_an_old_one(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Writing 20 briefs where 50 were written before left 68 briefs (labels.json naming 20) and said
    'wrote 20 briefs'."""
    corpus = load_bench("corpus")
    assert corpus.main(["50", str(tmp_path / "out")]) == 0
    with pytest.raises(SystemExit) as stopped:
        corpus.main(["20", str(tmp_path / "out")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"corpus.py: error: {tmp_path / 'out' / 'content'} already holds 50 briefs, which would be mixed in with the "
        "new ones (give an empty or new OUTDIR)")
    assert len(list((tmp_path / "out" / "content").glob("*.md"))) == 50


FAKE_BUILD = """import os, pathlib, signal, sys, time
def stop(*_):
    pathlib.Path("interrupted").write_text("yes")
    sys.exit(130)
signal.signal(signal.SIGINT, stop)
pathlib.Path("started").write_text(str(os.getpid()))
time.sleep(60)
"""


def test_a_sigint_to_the_benchmark_alone_stops_the_build_it_is_timing(tmp_path: Path) -> None:
    """`kill -INT` on the benchmark (not Ctrl-C at a terminal, which reaches its builds too) ended it with a
    KeyboardInterrupt traceback and left the build it was timing running, orphaned."""
    tree, site = tmp_path / "tree", tmp_path / "site"
    tree.mkdir()
    site.mkdir()
    (tree / "build.py").write_text(FAKE_BUILD, encoding="utf-8")
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import bench_build as b; from pathlib import Path; "
              "b.main = lambda argv: b.timed_build(Path(sys.argv[2]), tree=Path(sys.argv[3])); sys.exit(b.cli())")
    bench = subprocess.Popen([sys.executable, "-c", script, str(ROOT / "benchmarks"), str(site), str(tree)],
                             stderr=subprocess.PIPE, text=True)
    pid = 0
    try:
        for _ in range(200):
            if (site / "started").is_file() and (said := (site / "started").read_text()):
                pid = int(said)
                break
            time.sleep(0.05)
        assert pid, "the build never started"
        bench.send_signal(signal.SIGINT)
        _, err = bench.communicate(timeout=20)
        assert bench.returncode == 130
        assert err.splitlines()[-1] == "interrupted"
        assert (site / "interrupted").read_text() == "yes"  # the build stopped as on Ctrl-C, cleaning up
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        bench.kill()
        if pid and not (site / "interrupted").exists():
            os.kill(pid, signal.SIGKILL)


SILENT_SERVE = """import json, sys
from tornado import ioloop, web, websocket
class Status(web.RequestHandler):
    def get(self):
        self.write({"builds": 1, "building": False})
class Socket(websocket.WebSocketHandler):
    def on_message(self, message):
        if json.loads(message).get("command") == "hello":
            self.write_message(json.dumps({"command": "hello"}))
port = int(sys.argv[sys.argv.index("--port") + 1])
web.Application([(r"/__briefkit/status", Status), (r"/livereload", Socket)]).listen(port, "127.0.0.1")
ioloop.IOLoop.current().start()
"""


def fake_site(tmp_path: Path, build: str) -> tuple[Path, Path]:
    tree, site = tmp_path / "tree", tmp_path / "site"
    tree.mkdir()
    (site / "content").mkdir(parents=True)
    (tree / "build.py").write_text(build, encoding="utf-8")
    (site / "content" / "a.md").write_text("---\ntitle: A\n---\n\n## Facts\n\n- A fact.\n", encoding="utf-8")
    return tree, site


def on_own_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """fn(...) on a thread of its own, its exception (SystemExit too) raised here: serve_reloads runs asyncio,
    which refuses to start where the browser tests' Playwright keeps an event loop running on this thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def test_a_serve_that_stops_at_once_is_said_with_what_it_printed(tmp_path: Path) -> None:
    """A serve that could not start (a change under test that breaks it) was polled for 300 s, then the
    benchmark ended in a URLError traceback, what serve printed thrown away."""
    tree, site = fake_site(tmp_path, "import sys\nsys.exit('error: boom')\n")
    with pytest.raises(SystemExit) as stopped:
        on_own_thread(load_bench().serve_reloads, site, 1, tree=tree)
    assert str(stopped.value.code) == (f"serve in {site} stopped (exit code 1) before serving its first build; "
                                       "it printed:\nerror: boom")


def test_a_serve_that_sends_no_reload_is_given_up_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A serve that never sent the edited page's reload (a quick pass a change broke) kept the benchmark
    waiting for ever, saying nothing."""
    tree, site = fake_site(tmp_path, SILENT_SERVE)
    bench = load_bench()
    monkeypatch.setattr(bench, "WAIT", 1.0)
    with pytest.raises(SystemExit) as stopped:
        on_own_thread(bench.serve_reloads, site, 1, tree=tree)
    assert str(stopped.value.code) == f"serve in {site} sent no reload of /briefs/a/ within 1 s of an edit to content/a.md"


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git repository")
def test_the_version_against_is_compiled_before_its_first_timed_build(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The version --against unpacks had no bytecode, so its first cold build compiled briefkit first and was
    timed doing so."""
    bench = load_bench()
    uncompiled: list[str] = []

    def timed_build(site: Path, *args: str, tree: Path = ROOT) -> tuple[float, float, float]:
        cached = {p.name.split(".")[0] for p in (tree / "briefkit").glob("__pycache__/*.pyc")}
        uncompiled.extend(p.name for p in (tree / "briefkit").glob("*.py") if p.stem not in cached)
        return 1.0, 1.0, 1.0

    monkeypatch.setattr(bench, "timed_build", timed_build)
    assert bench.main(["--sizes", "5", "--runs", "1", "--serve-edits", "0", "--search", "off", "--against", "HEAD",
                       "--rounds", "1", "--workdir", str(tmp_path / "work")]) == 0
    assert uncompiled == []


def test_the_table_has_the_readme_columns_and_help_says_what_is_timed(capsys: pytest.CaptureFixture[str]) -> None:
    """The printed header said "cold, no cache" and "serve edit-to-reload" where the README's table, which it
    fills, says "cold, `--no-cache`" and "`serve` edit-to-reload"; --help's description stopped at "a new brief, serve"."""
    bench = load_bench()
    got = {k: [1.0] for k in ("cold", "saved", "nocache", "nochange", "one", "added", "reloads", "settled", "paced", "rss")}
    bench.print_table([bench.table_row(1000, True, got)])
    printed = capsys.readouterr().out.splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("\n### Benchmark\n", 1)[1]
    header = next(line for line in readme.splitlines() if line.startswith("| briefs |"))
    assert printed[0] == header
    assert printed[2] == ("| 1,000 | yes | 1.00 s | 1.00 s | 1.00 s | 1.00 s | 1.00 s | 1.00 s | 1000 ms | 1.00 s | 1000 ms "
                          "| 1 MB |")
    with pytest.raises(SystemExit):
        bench.main(["--help"])
    assert "a new brief, serve edit-to-reload." in " ".join(capsys.readouterr().out.split())


def test_stage_cpu_times_each_stage_of_an_edit_for_each_tree_on_copies(tmp_path: Path) -> None:
    """The other tree is a copy of this one elsewhere: its briefkit is the one timed, not this checkout's."""
    other = tmp_path / "other"
    for part in ("briefkit", "themes"):
        shutil.copytree(ROOT / part, other / part, ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "corpus.py"), "20", str(site)], check=True,
                   capture_output=True)
    before = {p: p.read_bytes() for p in (site / "content").glob("*.md")}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stage_cpu.py"), str(site), "edit", "--runs", "1",
                           "--tree", str(other)], capture_output=True, text=True, check=False,
                          env=dict(os.environ, SOURCE_DATE_EPOCH="1730000000"))
    assert done.returncode == 0, done.stderr
    heads = [line for line in done.stdout.splitlines() if not line.startswith(" ")]
    assert heads == [f"{ROOT}: edit build, 1 core, median of 1", f"{other}: edit build, 1 core, median of 1"]
    stages = [line.split()[0] for line in done.stdout.splitlines() if line.startswith(" ")]
    assert stages == ["read", "parse", "check", "markdown", "related", "render", "links", "write", "total"] * 2
    assert {p: p.read_bytes() for p in (site / "content").glob("*.md")} == before  # edited on copies only
    assert not (site / "site").exists() and not (site / ".cache").exists()


def test_stage_cpu_refuses_a_tree_that_is_not_the_project(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stage_cpu.py"), str(tmp_path), "cold",
                           "--tree", str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert f"{tmp_path}: not a checkout of the project (no briefkit/ there)" in done.stderr
