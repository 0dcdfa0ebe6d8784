"""A small site built and compared byte for byte with tests/golden/ (pytest --regen-golden rewrites it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, read_tree, run

GOLDEN = Path(__file__).parent / "golden" / "site"


def test_golden_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    shutil.copytree(FIXTURES / "golden", tmp_path / "golden")
    monkeypatch.chdir(tmp_path / "golden")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    result = run("build", "--quiet", "--strict", "--no-search")  # the Pagefind bundle is binary and not byte-stable
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
