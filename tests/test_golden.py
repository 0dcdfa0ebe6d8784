"""A small site built and compared byte for byte with tests/golden/ (pytest --regen-golden rewrites it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, read_tree, run

GOLDEN = Path(__file__).parent / "golden" / "site"


def test_golden_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    shutil.copytree(FIXTURES / "golden", tmp_path / "golden")
    monkeypatch.chdir(tmp_path / "golden")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    result = run("build", "--quiet", "--strict", "--no-search")  # the Pagefind bundle is binary: test_search_index.py tests it
    assert (result.code, result.err) == (0, "")
    built = read_tree(tmp_path / "golden" / "site")
    if request.config.getoption("--regen-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(tmp_path / "golden" / "site", GOLDEN)
        pytest.skip("golden site rewritten")
    golden = read_tree(GOLDEN)
    assert sorted(built) == sorted(golden), "pages added or missing; rerun with --regen-golden if intended"
    for rel in sorted(golden):
        assert built[rel].decode() == golden[rel].decode(), f"{rel} differs; rerun with --regen-golden if intended"


def test_golden_site_does_not_depend_on_where_or_how_it_is_built(tmp_path: Path) -> None:
    """The same bytes from another process, hash seed, timezone and locale, run from the folder above
    the site, at a path with a space and non-ASCII letters."""
    place = tmp_path / "a folder é 日本"
    shutil.copytree(FIXTURES / "golden", place / "golden")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1730000000", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "4711",
           "TZ": "Pacific/Auckland", "LC_ALL": "C", "LANG": "C"}
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--quiet", "--strict", "--no-search",
                           "--no-cache", "--content", "golden/content", "--out", "out"],
                          check=False, cwd=place, env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    built, golden = read_tree(place / "out"), read_tree(GOLDEN)
    assert sorted(built) == sorted(golden)
    assert [rel for rel in sorted(golden) if built[rel] != golden[rel]] == []
