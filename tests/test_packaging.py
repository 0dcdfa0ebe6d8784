"""What `pip install .` puts on a machine: the engine with its default theme, so a site builds from a wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_every_file_of_the_default_theme(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("briefkit", "themes"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    # as `pip install .` builds it: in an isolated environment with the build backend pyproject.toml names
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                           check=False, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("briefkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {f"briefkit/builtin_themes/{p.relative_to(ROOT / 'themes').as_posix()}"
             for p in (ROOT / "themes").rglob("*") if p.is_file()}
    assert "briefkit/builtin_themes/default/templates/brief.html" in theme
    assert theme <= names
    assert "briefkit/cli.py" in names and "briefkit/importer/article.py" in names
