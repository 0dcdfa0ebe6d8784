"""write.py: the output folder ends up holding exactly the site; nothing lands outside it."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_fixture_briefs, run

from briefkit.early import write_early
from briefkit.write import OutsideOutput, write_files, write_site


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_writes_changed_files_leaves_the_rest_and_removes_stale(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write_site(out, {"index.html": b"home", "briefs/a/index.html": b"a", "briefs/b/index.html": b"b"})
    assert first.written == 3 and first.removed == 0
    untouched = (out / "index.html").stat().st_mtime_ns
    second = write_site(out, {"index.html": b"home", "briefs/a/index.html": b"a, edited"})
    assert second.written_paths == ("briefs/a/index.html",)
    assert second.removed_paths == ("briefs/b/index.html",)
    assert (out / "index.html").stat().st_mtime_ns == untouched
    assert not (out / "briefs" / "b").exists()  # the folder left empty goes too
    assert files_under(out) == {"briefs/a/index.html": b"a, edited", "index.html": b"home"}


def test_a_file_where_a_folder_must_go_and_the_other_way_round(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(out, {"briefs": b"a file", "feed.xml/index.html": b"a folder"})
    write_site(out, {"briefs/a/index.html": b"a", "feed.xml": b"<rss/>"})
    assert files_under(out) == {"briefs/a/index.html": b"a", "feed.xml": b"<rss/>"}


@pytest.mark.parametrize("rel", ["../escaped.html", "briefs/../../escaped.html", "/tmp/escaped.html", "."])
def test_a_path_outside_the_output_folder_is_refused_before_anything_is_written(tmp_path: Path, rel: str) -> None:
    out = tmp_path / "site"
    with pytest.raises(OutsideOutput):
        write_site(out, {"index.html": b"home", rel: b"x"})
    assert not out.exists()
    assert not (tmp_path / "escaped.html").exists()


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_symlink_in_the_output_folder_pointing_out_of_it_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "briefs").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "secret.txt").write_bytes(b"keep")
    (out / "feed.xml").symlink_to(elsewhere / "secret.txt")
    with pytest.raises(OutsideOutput):
        write_site(out, {"briefs/a/index.html": b"a"})
    with pytest.raises(OutsideOutput):
        write_files(out, {"feed.xml": b"<rss/>"})
    assert files_under(elsewhere) == {"secret.txt": b"keep"}


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_symlink_within_the_output_folder_is_followed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    (out / "real").mkdir(parents=True)
    (out / "alias").symlink_to(out / "real", target_is_directory=True)
    assert write_files(out, {"alias/index.html": b"via the alias"}) == ["alias/index.html"]
    assert (out / "real" / "index.html").read_bytes() == b"via the alias"


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="an early write needs fork")


@needs_fork
def test_a_first_site_is_written_early_and_reported_as_write_site_would(tmp_path: Path) -> None:
    files = {"index.html": b"home", "briefs/a/index.html": b"a"}
    early = write_early(tmp_path / "site", files)
    assert early is not None
    files["pagefind/pagefind.js"] = b"index"  # added once the links were checked: written by finish()
    assert early.finish(files) == write_site(tmp_path / "elsewhere", files)
    assert files_under(tmp_path / "site") == files


@needs_fork
def test_an_early_write_is_taken_back_leaving_the_folder_missing_or_empty(tmp_path: Path) -> None:
    missing, empty = tmp_path / "missing" / "public" / "site", tmp_path / "empty"
    empty.mkdir()
    for out in (missing, empty):
        early = write_early(out, {f"briefs/{n}/index.html": b"x" * 5000 for n in range(500)})
        assert early is not None
        early.undo()
    assert list(tmp_path.iterdir()) == [empty]  # nor the folders made on the way to it
    assert list(empty.iterdir()) == []


def test_a_folder_holding_anything_is_written_only_once_the_build_is_good(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / ".git").write_text("gitdir: ../.git/worktrees/site\n", encoding="utf-8")  # a gh-pages worktree
    assert write_early(out, {"index.html": b"home"}) is None
    assert write_early(tmp_path / "site" / ".git", {"index.html": b"home"}) is None  # a file, not a folder


@needs_fork
def test_an_early_write_that_fails_leaves_the_writing_and_the_error_to_write_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    files = {"index.html": b"home", "../escaped.html": b"x"}
    early = write_early(out, files)
    assert early is not None
    assert early.finish(files) is None
    with pytest.raises(OutsideOutput):
        write_site(out, files)
    assert not (tmp_path / "escaped.html").exists()


@needs_fork
def test_an_early_write_whose_build_died_takes_itself_back(tmp_path: Path) -> None:
    """A build killed while checking its links (no undo() ran): its writer notices and removes what it wrote."""
    out = tmp_path / "site"
    script = (f"import os, sys; sys.path.insert(0, {str(Path(__file__).parent.parent)!r})\n"
              "from pathlib import Path\nfrom briefkit.early import write_early\n"
              f"early = write_early(Path({str(out)!r}), {{f'p{{n}}/index.html': b'x' * 2000 for n in range(20000)}})\n"
              "print(early.pid, flush=True)\nos._exit(0)\n")
    child = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    _assert_taken_back(child, out)


@needs_fork
def test_a_first_build_killed_while_it_writes_its_search_index_leaves_no_site(tmp_path: Path) -> None:
    """The search index, added once the links are checked, is written by the build itself: a kill then
    left the pages with part of the index (the writer had been told to keep them before it was written)."""
    out = tmp_path / "site"
    script = (f"import os, signal, sys; sys.path.insert(0, {str(Path(__file__).parent.parent)!r})\n"
              "from pathlib import Path\nfrom briefkit.early import EarlyWrite, write_early\n"
              "create = EarlyWrite._create\n"
              "def killed(self, files, rels, going):\n"
              "    if rels and rels[0].startswith('pagefind/'):\n"
              "        create(self, files, rels[:1], going)\n        os.kill(os.getpid(), signal.SIGKILL)\n"
              "    return create(self, files, rels, going)\n"
              "EarlyWrite._create = killed\n"
              "files = {f'p{n}/index.html': b'x' for n in range(50)}\n"
              f"early = write_early(Path({str(out)!r}), files)\n"
              "print(early.pid, flush=True)\n"
              "early.finish({**files, **{f'pagefind/f{n}.js': b'i' for n in range(50)}})\n")
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert ran.returncode == -signal.SIGKILL, ran.stderr
    child = int(ran.stdout)
    _assert_taken_back(child, out)


@needs_fork
def test_a_first_build_killed_with_its_process_group_leaves_no_site(tmp_path: Path) -> None:
    """`timeout -s KILL`, a closed terminal or a cancelled CI job signal the build's whole process group: its
    early writer, in a session of its own, outlives it and takes back the unchecked site."""
    root = tmp_path / "root"
    (root / "content").mkdir(parents=True)
    for n in range(3):
        (root / "content" / f"b{n}.md").write_text(
            f"---\ntitle: Brief {n}\ndate: 2024-10-2{n}\nsources: [{{name: Reuters}}]\n---\n- A fact.[1]\n")
    # the link check never ends: the build is killed while its site is written and checked
    script = (f"import sys, time; sys.path.insert(0, {str(Path(__file__).parent.parent)!r})\n"
              "from briefkit import linkcheck\n"
              "def check_links(*a, **k):\n    print('checking', flush=True)\n    time.sleep(60)\n"
              "linkcheck.check_links = check_links\n"
              "from briefkit.cli import main\nmain(['build', '--no-search', '--no-cache', '-q'])\n")
    build = subprocess.Popen([sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE, text=True,
                             start_new_session=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1730000000"})
    assert build.stdout is not None and build.stdout.readline() == "checking\n"
    deadline = time.monotonic() + 30
    while not (root / "site" / "index.html").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (root / "site" / "index.html").exists()  # written early, links not yet checked
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    while (root / "site").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (root / "site").exists()


def _assert_taken_back(writer: int, out: Path) -> None:
    """The early writer ends by itself, having removed the site it wrote."""
    deadline = time.monotonic() + 30
    while _alive(writer) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(writer)
    assert not out.exists()


def _alive(pid: int) -> bool:
    """Whether the process runs: an orphan that ended may stay a zombie until its new parent reaps it."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (FileNotFoundError, ProcessLookupError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_full_disk_names_the_file_and_leaves_no_temporary_file(site_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    assert run("build", "-q", "--no-search").code == 0
    brief = site_dir / "content" / "minimal.md"
    brief.write_text(brief.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Now ", 1), encoding="utf-8")
    replace = os.replace

    def full(src: str, dst: str) -> None:
        if dst.endswith(os.path.join("minimal", "index.html")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), src)
        replace(src, dst)

    monkeypatch.setattr(os, "replace", full)
    built = run("build", "-q", "--no-search")
    assert built.code == 1
    assert built.err.splitlines()[-3:] == [
        f"site/briefs/minimal/index.html: output: could not be written ({os.strerror(errno.ENOSPC)})",
        "build failed: 1 error, 1 warning", "site/ is partly updated; build again once the problem is fixed"]
    assert not list((site_dir / "site").rglob("*.tmp"))


@needs_fork
def test_an_early_write_into_a_folder_removed_meanwhile_is_taken_back_without_a_second_error(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()  # empty: written early
    early = write_early(out, {f"p{n}/index.html": b"x" for n in range(50)})
    assert early is not None
    deadline = time.monotonic() + 30
    while len(list(out.glob("p*/index.html"))) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)  # written: the writer now waits for the build's verdict
    shutil.rmtree(out)  # removed by hand while the build checks its links
    early.undo()  # the build failed: nothing is left to take back, and undo says nothing of it
    assert not out.exists() or list(out.iterdir()) == []
