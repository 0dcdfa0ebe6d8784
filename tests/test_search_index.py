"""The Pagefind index as the build writes it: present, byte-stable, skippable, and never half-written."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run as run_cli

from briefkit import pipeline, search
from briefkit.cache import BuildCache
from briefkit.pagefind_stable import stabilize
from briefkit.project import open_project
from briefkit.write import replace_files

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "search_site"


def run(*argv: str) -> tuple[int, str, str]:
    result = run_cli(*argv)
    return result.code, result.out, result.err


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_build_writes_the_index_and_a_search_page(site: Path) -> None:
    code, _, err = run("build", "--content", str(site / "content"), "-q")
    assert (code, err) == (0, "")
    files = snapshot(site / "site")
    assert "pagefind/pagefind.js" in files and "pagefind/pagefind-entry.json" in files
    assert any(f.startswith("pagefind/fragment/") for f in files)
    assert any(f.startswith("pagefind/filter/") for f in files)  # topics and story are filterable
    page = files["search/index.html"].decode()
    assert 'data-bundle="/pagefind/"' in page and '<label for="search-q">' in page


def test_a_rebuild_with_no_changes_rewrites_nothing_and_the_index_is_byte_stable(site: Path) -> None:
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    first = snapshot(site / "site")
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*") if p.is_file()}
    code, _, _ = run("build", "--content", str(site / "content"), "-v")
    assert code == 0
    assert snapshot(site / "site") == first
    assert {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*") if p.is_file()} == mtimes


def test_pagefind_is_not_run_again_for_unchanged_pages(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("Pagefind ran again"))
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    assert (site / "site" / "pagefind" / "pagefind.js").is_file()


def test_a_tampered_index_is_rebuilt(site: Path) -> None:
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    fragment = next((site / "site" / "pagefind" / "fragment").iterdir())
    fragment.unlink()
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    assert fragment.is_file()


def test_the_index_follows_the_content(site: Path) -> None:
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    before = {f for f in snapshot(site / "site") if f.startswith("pagefind/fragment/")}
    (site / "content" / "grain-quota.md").unlink()
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    after = {f for f in snapshot(site / "site") if f.startswith("pagefind/fragment/")}
    assert len(after) == len(before) - 1  # the removed brief's fragment is gone, not left behind


def test_no_search_skips_the_index_and_drops_an_old_one(site: Path) -> None:
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    code, _, err = run("build", "--content", str(site / "content"), "--no-search", "-q")
    assert (code, err) == (0, "")
    files = snapshot(site / "site")
    assert not any(f.startswith("pagefind/") for f in files)
    assert "search/index.html" in files


def test_content_errors_write_no_index(site: Path) -> None:
    (site / "content" / "broken.md").write_text("---\ntitle: Broken\n---\n\n- no date\n", encoding="utf-8")
    code, _, err = run("build", "--content", str(site / "content"))
    assert code == 1
    assert "nothing was written" in err
    assert not (site / "site").exists()


def test_a_missing_pagefind_binary_is_reported_and_nothing_is_written(site: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "pagefind_binary", lambda: None)
    code, _, err = run("build", "--content", str(site / "content"))
    assert code == 1
    assert err.splitlines()[0] == ("search: pagefind: the Pagefind binary was not found (install the pagefind "
                                   "package (pip install 'pagefind[extended]') or build with --no-search to skip "
                                   "the search index)")
    assert not (site / "site").exists()


def test_a_failing_pagefind_is_reported_with_what_it_said(tmp_path: Path) -> None:
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: disk on fire' >&2\nexit 3\n")
    fake.chmod(0o755)
    bundle, diags = search.start_index({"index.html": b"<html><body>x</body></html>"}, binary=fake).finish()
    assert bundle == {}
    assert [d.format() for d in diags] == [
        "search: pagefind: Pagefind failed: Error: disk on fire (build with --no-search to skip the search index)"]


def test_content_that_claims_the_index_folder_is_an_error(site: Path) -> None:
    (site / "content" / "pagefind").mkdir()
    (site / "content" / "pagefind" / "pagefind.js").write_text("// mine\n")
    code, _, err = run("build", "--content", str(site / "content"))
    assert code == 1
    assert "search index: output: pagefind/pagefind.js is also written by" in err
    assert "content/pagefind/pagefind.js" in err


def test_check_does_not_run_pagefind(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("check must not index")
    monkeypatch.setattr(search, "start_index", fail)
    assert run("check", "--content", str(site / "content"), "-q")[0] == 0


def test_only_pages_that_mark_a_body_are_indexed_when_any_does() -> None:
    files = {"briefs/a/index.html": b'<article data-pagefind-body>x</article>', "topics/index.html": b"<p>list</p>",
             "static/style.css": b"p{}"}
    assert list(search.indexed_pages(files)) == ["briefs/a/index.html"]
    del files["briefs/a/index.html"]
    assert list(search.indexed_pages(files)) == ["topics/index.html"]  # a theme without markers: every page


def test_a_build_that_fails_its_link_check_stops_the_indexer(site: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Pagefind starts while the links are checked; a broken link fails the build, and the run must not outlive it
    started = tmp_path / "pagefind.pid"
    fake = tmp_path / "pagefind"
    fake.write_text(f"#!/bin/sh\necho $$ > {started}\nexec sleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_binary", lambda: fake)
    brief = next((site / "content").glob("*.md"))
    brief.write_text(brief.read_text() + "\n- See [the missing page](../no-such-brief/).[1]\n")
    code, _, err = run("build", "--content", str(site / "content"))
    assert code == 1 and "no-such-brief" in err
    assert not (site / "site").exists()
    if started.exists():  # else it was stopped before its first line ran
        with pytest.raises(ProcessLookupError):
            os.kill(int(started.read_text()), 0)


def test_a_build_stopped_by_sigterm_stops_pagefind_and_removes_its_copy_of_the_pages(site: Path,
                                                                                     tmp_path: Path) -> None:
    # `kill`, a cancelled CI job or `timeout` sends SIGTERM: the build died at once and left Pagefind running,
    # an orphan, and its copy of the pages in /dev/shm for good; Ctrl-C cleaned up both
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT

    started = tmp_path / "pagefind.pid"
    fake = tmp_path / "pagefind"
    fake.write_text(f"#!/bin/sh\necho $$ > {started}\nexec sleep 60\n")
    fake.chmod(0o755)
    scratch = {p.name for p in Path(search.MEMORY_FOLDER).glob("briefkit-search-*")}
    env = {**os.environ, "PAGEFIND_BINARY_PATH": str(fake), "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1730000000"}
    build = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "-q", "--content", str(site / "content")],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (started.exists() and started.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    build.send_signal(signal.SIGTERM)
    _, err = build.communicate(timeout=30)
    assert (build.returncode, err) == (143, "stopped\n")
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)
    assert {p.name for p in Path(search.MEMORY_FOLDER).glob("briefkit-search-*")} == scratch
    assert not (site / "site").exists()  # a first build stopped midway leaves no half a site


def test_pagefind_reads_its_copy_of_the_pages_from_memory_when_there_is_room(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert search.scratch(1000, str(tmp_path)) == str(tmp_path)
    assert search.scratch(1000, str(tmp_path / "missing")) is None

    class Full:
        f_bavail, f_frsize = 10, 4096

    monkeypatch.setattr(os, "statvfs", lambda folder: Full())
    assert search.scratch(1000, str(tmp_path)) == str(tmp_path)
    assert search.scratch(30_000, str(tmp_path)) is None  # 40 KB free: not twice the pages' 30 KB


def fragments_saying(out: Path, word: str) -> int:
    """How many of the index's pages hold `word` (Pagefind's fragments are gzipped JSON)."""
    return sum(word.encode() in gzip.decompress(f.read_bytes()) for f in (out / "pagefind" / "fragment").iterdir())


def left_to_finish(site: Path, word: str) -> tuple[BuildCache, pipeline.BuildResult, dict[str, bytes]]:
    """A first build, an edit adding `word`, and a build as serve makes it: the index left to finish later."""
    assert run("build", "--content", str(site / "content"), "-q")[0] == 0
    last = {rel: data for rel, data in snapshot(site / "site").items() if rel.startswith("pagefind/")}
    brief = site / "content" / "ferry-strike.md"
    brief.write_text(brief.read_text().replace("\n- ", f"\n- The {word} crossing closed too.[1]\n- ", 1))
    project, _ = open_project(str(site / "content"))
    cache = BuildCache.for_project(project)
    result = pipeline.build(project, cache=cache, proceed=lambda: True, index_later=True)
    assert not result.errors and result.indexing is not None
    return cache, result, last


def test_a_build_leaving_its_index_for_later_writes_the_pages_and_keeps_the_last_index(site: Path) -> None:
    out = site / "site"
    cache, result, last = left_to_finish(site, "Zyzzogeton")
    assert result.indexing is not None
    assert "Zyzzogeton" in (out / "briefs" / "ferry-strike" / "index.html").read_text()
    assert {rel: data for rel, data in snapshot(out).items() if rel.startswith("pagefind/")} == last
    assert fragments_saying(out, "Zyzzogeton") == 0  # search finds what the last index held meanwhile

    bundle, problems = result.indexing.finish()
    assert problems == []
    written = replace_files(out, bundle, result.indexing.replaces)
    cache.noted(out, list(bundle), written.removed_paths)
    assert {rel: data for rel, data in snapshot(out).items() if rel.startswith("pagefind/")} == bundle
    assert written.removed > 0  # the edited page's old fragment, among others, is gone
    assert fragments_saying(out, "Zyzzogeton") == 1
    cache.save()
    code, out_text, err = run("build", "--content", str(site / "content"), "-v")
    assert code == 0 and "nothing changed" in out_text + err


def test_an_index_never_finished_is_made_by_the_next_build(site: Path) -> None:
    # serve stopped while Pagefind ran: the cache it saved must not let a build take the site for finished
    out = site / "site"
    cache, result, _ = left_to_finish(site, "Zyzzogeton")
    assert result.indexing is not None
    result.indexing.cancel()
    cache.save()
    code, out_text, err = run("build", "--content", str(site / "content"), "-v")
    assert code == 0 and "nothing changed" not in out_text + err
    assert fragments_saying(out, "Zyzzogeton") == 1


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads each thread's priority from /proc")
def test_a_background_run_stands_back_for_the_preview_and_a_build_s_own_does_not(tmp_path: Path) -> None:
    # serve's Pagefind ran on both cores at this process's priority: a reload waited behind it
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\nsleep 30 & sleep 30 & exec sleep 30\n")
    fake.chmod(0o755)
    page = {"index.html": b"<html><body>x</body></html>"}
    for background, nice in ((True, search.BACKGROUND_NICE), (False, 0)):
        indexing = search.start_index(page, binary=fake, background=background)
        try:
            assert indexing.proc is not None
            tasks = list(Path(f"/proc/{indexing.proc.pid}/task").iterdir())
            assert [os.getpriority(os.PRIO_PROCESS, int(t.name)) - os.getpriority(os.PRIO_PROCESS, 0)
                    for t in tasks] == [nice] * len(tasks)
        finally:
            indexing.cancel()


def test_two_clean_builds_of_the_same_pages_give_the_same_index(site: Path) -> None:
    # Pagefind writes each filter's values in a random order; the build puts them in order, so a clean
    # build (CI, a fresh clone) gives the same files as the last one and a deploy uploads nothing new
    outs = [site.parent / "one", site.parent / "two", site.parent / "three"]
    for out in outs:
        code, _, err = run("build", "--content", str(site / "content"), "--no-cache", "--out", str(out), "-q")
        assert (code, err) == (0, "")
    first = snapshot(outs[0])
    assert [snapshot(out) == first for out in outs[1:]] == [True, True]
    filters = {rel: gzip.decompress(data) for rel, data in first.items() if rel.startswith("pagefind/filter/")}
    topics = next(raw for raw in filters.values() if b"topic" in raw[:20])
    # ["topic", [[slug, [pages]], ...]]: the filter's name, then each value with its pages
    name, *slugs = [s.decode() for s in re.findall(rb"\x82[\x60-\x77]([a-z-]+)[\x80-\x97]", topics)]
    assert name == "topic" and len(slugs) > 1 and slugs == sorted(slugs)
    entry = json.loads(first["pagefind/pagefind-entry.json"])
    meta = entry["languages"]["en"]["hash"]
    assert f"pagefind/pagefind.{meta}.pf_meta" in first  # the entry names the metadata as renamed
    named = gzip.decompress(first[f"pagefind/pagefind.{meta}.pf_meta"])
    for rel in filters:  # and the metadata names each filter file as renamed
        assert rel.removeprefix("pagefind/filter/").removesuffix(".pf_filter").encode() in named


def test_an_index_in_a_form_pagefind_did_not_write_before_is_kept_as_it_is() -> None:
    # a later Pagefind may change its files: they are then written as Pagefind made them, not mangled
    entry = b'{"languages":{"en":{"hash":"en_0123456789"}}}'
    meta = gzip.compress(b"pagefind_dcd" + bytes([0x9F, 0xFF]))  # an array of indefinite length
    for filter_file in (b"pagefind_dcd\x82etopic\x82\x82aa\x80", b"no signature", b"pagefind_dcd\x82etopic\x9f"):
        bundle = {"pagefind/filter/en_abcdef0.pf_filter": gzip.compress(filter_file),
                  "pagefind/pagefind.en_0123456789.pf_meta": meta, "pagefind/pagefind-entry.json": entry}
        assert stabilize(bundle) == bundle
