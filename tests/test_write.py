"""write.py: the output folder ends up holding exactly the site; nothing lands outside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
