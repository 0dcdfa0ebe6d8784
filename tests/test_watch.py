"""The watcher serve rebuilds from: which files changed, by inotify and by the stat scan alike."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from briefkit.watch import Watcher


def changes(watcher: Watcher, timeout: float = 3.0) -> set[Path]:
    seen: set[Path] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen |= watcher.wait(0.2)
        if seen:
            seen |= watcher.wait(0.2)  # the rest of the burst
            return seen
    return seen


@pytest.fixture(params=["inotify", "polling"])
def watched(request: pytest.FixtureRequest, tmp_path: Path):
    content = tmp_path / "content"
    (content / "sub").mkdir(parents=True)
    (content / "a.md").write_text("a")
    site_file = tmp_path / "site.yaml"
    site_file.write_text("title: x\n")
    (tmp_path / "README.md").write_text("not watched")
    watcher = Watcher([content, site_file], poll_interval=0.05, inotify=request.param == "inotify")
    if request.param == "inotify" and watcher.kind != "inotify":
        pytest.skip("no inotify here")
    time.sleep(0.05)  # a stat scan needs the next write to land in another mtime tick
    yield tmp_path, watcher
    watcher.close()


def test_it_names_the_files_that_changed(watched) -> None:
    root, watcher = watched
    (root / "content" / "a.md").write_text("edited")
    (root / "content" / "sub" / "b.md").write_text("new")
    assert changes(watcher) == {root / "content" / "a.md", root / "content" / "sub" / "b.md"}
    (root / "site.yaml").write_text("title: y\n")
    assert changes(watcher) == {root / "site.yaml"}


def test_editor_droppings_and_neighbours_of_a_watched_file_are_not_edits(watched) -> None:
    root, watcher = watched
    (root / "content" / ".a.md.swp").write_text("swap")
    (root / "content" / "a.md~").write_text("backup")
    (root / "README.md").write_text("changed, but only site.yaml is watched in this folder")
    assert changes(watcher, timeout=0.8) == set()
