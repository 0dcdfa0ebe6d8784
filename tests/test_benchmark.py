"""benchmarks/bench_build.py: the table it prints, and timing another version alternately (--against)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_build", ROOT / "benchmarks" / "bench_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
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


def test_an_unknown_revision_is_a_clear_error(tmp_path: Path) -> None:
    bench = load_bench()
    with pytest.raises(SystemExit, match="--against no-such-rev: git could not export it"):
        bench.main(["--sizes", "20", "--runs", "1", "--against", "no-such-rev", "--workdir", str(tmp_path / "w")])
