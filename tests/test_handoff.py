"""build.py saves its cache from a child after it has reported; the next build waits for that save."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_fixture_briefs, run

from briefkit.handoff import FAILED, SaveLock, can_hand_off, hand_off, wait_for_save

pytestmark = pytest.mark.skipif(not can_hand_off(), reason="needs os.fork and fcntl.flock (not on Windows)")


def test_a_handed_off_save_holds_the_lock_until_its_work_is_done(tmp_path: Path) -> None:
    calls: list[str] = []
    hand_off(SaveLock(tmp_path), lambda: (time.sleep(0.5), (tmp_path / "saved").write_text("yes")))
    assert wait_for_save(tmp_path, lambda: calls.append("waited")) is None
    assert calls == ["waited"]
    assert (tmp_path / "saved").read_text() == "yes"
    assert wait_for_save(tmp_path, lambda: calls.append("again")) is None  # nothing left to wait for
    assert calls == ["waited"]


def test_a_failed_save_is_said_once_by_its_last_line(tmp_path: Path) -> None:
    def work() -> None:
        raise OSError(28, "No space left on device")

    hand_off(SaveLock(tmp_path), work)
    assert wait_for_save(tmp_path) == "OSError: [Errno 28] No space left on device"
    assert not (tmp_path / FAILED).exists()
    assert wait_for_save(tmp_path) is None


def test_without_a_lock_file_nothing_is_waited_for(tmp_path: Path) -> None:
    assert wait_for_save(tmp_path, lambda: pytest.fail("waited")) is None


def test_the_next_build_waits_for_a_save_in_progress_and_says_so(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    assert run("build", "--no-search").code == 0
    lock = SaveLock(site_dir / ".cache")
    lock.hold()  # as a build's saving child would
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--no-search"], cwd=site_dir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline() == "waiting for the last build to finish saving .cache/\n"
        time.sleep(0.3)
        assert proc.poll() is None  # still waiting
    finally:
        lock.release()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.startswith("built 1 brief, ")


def test_the_next_build_says_when_the_last_one_could_not_save_its_cache(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    assert run("build", "--no-search").code == 0
    (site_dir / ".cache" / FAILED).write_text(
        "Traceback (most recent call last):\n  ...\nOSError: [Errno 28] No space left on device\n", encoding="utf-8")
    result = run("build", "--no-search")
    assert result.code == 0
    assert result.out.splitlines()[0] == ("note: the last build could not save .cache/ (OSError: [Errno 28] "
                                          "No space left on device); this build does without it")
    assert not (site_dir / ".cache" / FAILED).exists()
    assert "could not save" not in run("build", "--no-search").out


def test_a_save_that_never_ends_is_waited_for_only_so_long(tmp_path: Path) -> None:
    lock = SaveLock(tmp_path)
    lock.hold()
    try:
        calls: list[str] = []
        start = time.monotonic()
        assert wait_for_save(tmp_path, lambda: calls.append("waited"), limit=0.3) is None
        assert 0.3 <= time.monotonic() - start < 5
        assert calls == ["waited"]
    finally:
        lock.release()


def test_a_cache_folder_that_cannot_be_written_is_built_without_with_a_note(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    (site_dir / ".cache").write_text("not a folder\n", encoding="utf-8")
    built = run("build", "--no-search")
    assert built.code == 0, built.err
    assert built.out.splitlines()[0] == ("note: .cache/ cannot be written (a file is in its place); building "
                                         "without the build cache")
    assert (site_dir / "site" / "briefs" / "minimal" / "index.html").is_file()
    assert (site_dir / ".cache").read_text(encoding="utf-8") == "not a folder\n"
