"""Shared test helpers: run the CLI in-process, make throwaway sites."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from briefkit.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def run(*argv: str) -> Run:
    """Call build.py's main(argv) and capture what it prints."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def site_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty site root (tmp/site-root with content/), made the working directory."""
    root = tmp_path / "site-root"
    (root / "content").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    return root


def write_brief(root: Path, name: str, text: str) -> Path:
    path = root / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def copy_fixture_briefs(root: Path, *names: str) -> None:
    for name in names:
        shutil.copy(FIXTURES / "briefs" / name, root / "content" / name)


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def delete_brief(victim: Path) -> None:
    """Delete a brief, first dropping the `related:` lists of the briefs in its folder that name it."""
    for other in victim.parent.glob("*.md"):
        text = other.read_text(encoding="utf-8")
        if other != victim and f"[{victim.stem}]" in text:
            other.write_text(re.sub(r"\nrelated: \[.*\]", "", text), encoding="utf-8")
    victim.unlink()
