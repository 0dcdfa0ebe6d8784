"""The watcher serve rebuilds from: which files changed, by inotify and by the stat scan alike."""

from __future__ import annotations

import shutil
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
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def watched(kind: str, tmp_path: Path):
    content = tmp_path / "content"
    (content / "sub").mkdir(parents=True)
    (content / "a.md").write_text("a")
    site_file = tmp_path / "site.yaml"
    site_file.write_text("title: x\n")
    (tmp_path / "README.md").write_text("not watched")
    watcher = Watcher([content, site_file], poll_interval=0.05, inotify=kind == "inotify")
    if kind == "inotify" and watcher.kind != "inotify":
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
    (root / "content" / "a.md___jb_tmp___").write_text("a JetBrains IDE's safe write, halfway")
    (root / "content" / "a.md___jb_old___").write_text("and the file it replaces")
    (root / "README.md").write_text("changed, but only site.yaml is watched in this folder")
    assert changes(watcher, timeout=0.8) == set()


def test_edits_inside_a_hidden_folder_are_not_edits(tmp_path: Path, kind: str) -> None:
    # content/ kept in its own git repository, or an Obsidian vault: `git status` (which rewrites .git/index)
    # or a click in Obsidian (.obsidian/workspace.json) rebuilt the site, with inotify though not by the stat scan
    content = tmp_path / "content"
    (content / ".git" / "objects").mkdir(parents=True)
    (content / "a.md").write_text("a")
    watcher = Watcher([content], poll_interval=0.05, inotify=kind == "inotify")
    try:
        if kind == "inotify" and watcher.kind != "inotify":
            pytest.skip("no inotify here")
        time.sleep(0.05)
        (content / ".git" / "index").write_text("rewritten")
        (content / ".git" / "objects" / "ab").mkdir()
        (content / ".git" / "objects" / "ab" / "cdef").write_text("an object")
        assert changes(watcher, timeout=0.8) == set()
        (content / "a.md").write_text("an edit beside it")
        assert changes(watcher) == {content / "a.md"}
    finally:
        watcher.close()


def test_a_build_in_the_middle_of_a_jetbrains_safe_write_publishes_neither_copy(site_dir: Path) -> None:
    # the IDE writes x.md___jb_tmp___, renames x.md to x.md___jb_old___, renames the new one over x.md, deletes
    # the old: a build (serve rebuilds on the first of these) caught halfway put the brief's source on the site
    from conftest import FIXTURES, run

    text = (FIXTURES / "briefs" / "minimal.md").read_text()
    (site_dir / "content" / "minimal.md___jb_tmp___").write_text(text.replace("\n- ", "\n- An edit.[1]\n- ", 1))
    (site_dir / "content" / "minimal.md___jb_old___").write_text(text)
    assert run("build", "-q", "--no-search").code == 0
    assert sorted(p.name for p in (site_dir / "site").rglob("*___jb_*")) == []


def test_backups_that_merge_and_patch_tools_leave_are_not_published(site_dir: Path) -> None:
    # a brief's x.md.orig (git mergetool), .rej (patch) or .bak was copied to the site: its raw source, drafts too
    from conftest import FIXTURES, run

    text = (FIXTURES / "briefs" / "minimal.md").read_text()
    (site_dir / "content" / "minimal.md").write_text(text)
    for name in ("minimal.md.orig", "minimal.md.rej", "minimal.md.bak"):
        (site_dir / "content" / name).write_text(text.replace("title:", "draft: true\ntitle:", 1))
    assert run("build", "-q", "--no-search").code == 0
    assert sorted(p.name for p in (site_dir / "site").rglob("minimal.md*")) == []
    assert (site_dir / "site" / "briefs" / "minimal" / "index.html").exists()


def test_a_folder_moved_in_is_watched_for_later_edits(watched, tmp_path_factory: pytest.TempPathFactory) -> None:
    # the move was seen, but batch/ was never watched: edits to its briefs rebuilt nothing
    root, watcher = watched
    batch = tmp_path_factory.mktemp("elsewhere") / "batch"  # made out of the watcher's sight
    batch.mkdir()
    (batch / "moved-in.md").write_text("moved")
    batch.rename(root / "content" / "batch")
    assert changes(watcher)
    time.sleep(0.05)
    (root / "content" / "batch" / "moved-in.md").write_text("edited after the move")
    assert changes(watcher) == {root / "content" / "batch" / "moved-in.md"}


@pytest.mark.parametrize("how", ["replaced by a copy", "deleted and made again"])
def test_a_watched_folder_replaced_is_watched_again(watched, how: str) -> None:
    # the watch followed the old folder (or died with it) and later edits in the new one were never seen
    root, watcher = watched
    content = root / "content"
    if how == "replaced by a copy":
        content.rename(root / "content.bak")
        shutil.copytree(root / "content.bak", content, copy_function=shutil.copy)  # as `cp -r` does
        shutil.rmtree(root / "content.bak")
    else:
        shutil.rmtree(content)
        changes(watcher)
        (content / "sub").mkdir(parents=True)
        (content / "a.md").write_text("a again")
    assert changes(watcher)
    time.sleep(0.05)
    (content / "a.md").write_text("edited in the new folder")
    (content / "sub" / "b.md").write_text("new in the new folder")
    assert changes(watcher) == {content / "a.md", content / "sub" / "b.md"}


@pytest.mark.parametrize("where", ["themes", "templates"])
def test_a_watched_folder_made_after_the_start_is_watched(tmp_path: Path, where: str, kind: str) -> None:
    # serve watches themes/ and templates/ before they exist: a theme copied in later is seen, and edits to it
    folder = tmp_path / where
    watcher = Watcher([tmp_path / "content", folder], poll_interval=0.05, inotify=kind == "inotify")
    try:
        if kind == "inotify" and watcher.kind != "inotify":
            pytest.skip("no inotify here")
        time.sleep(0.05)
        (folder / "default" / "templates").mkdir(parents=True)
        (folder / "default" / "templates" / "base.html").write_text("<html>")
        assert changes(watcher)
        time.sleep(0.05)
        (folder / "default" / "templates" / "base.html").write_text("<html lang=en>")
        assert changes(watcher) == {folder / "default" / "templates" / "base.html"}
    finally:
        watcher.close()


def test_a_link_to_nowhere_hides_no_edits_from_the_watcher(watched) -> None:
    # the stat scan gave up on a whole folder at a link it could not follow: edits beside it went unseen
    root, watcher = watched
    for n in range(5):
        (root / "content" / f"gone-{n}.md").symlink_to(root / "nowhere.md")
    assert changes(watcher) == {root / "content" / f"gone-{n}.md" for n in range(5)}
    time.sleep(0.05)
    (root / "content" / "a.md").write_text("edited beside the links")
    assert changes(watcher) == {root / "content" / "a.md"}
