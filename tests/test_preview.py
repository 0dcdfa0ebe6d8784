"""Serve's quick pass: a body edit re-renders the brief's own page at once; anything else waits for the full build."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path

import pytest
from conftest import ROOT

from briefkit import pipeline
from briefkit.gcschedule import COLLECT_EVERY, Collector
from briefkit.listings import BriefView
from briefkit.preview import Snapshot
from briefkit.project import open_project
from briefkit.served import PENDING_NOTICE, error_banner, inject, reload_paths
from briefkit.write import WriteStats

SLUG = "pentagon-evidence-3k-north-korean-troops-in-russia"


@pytest.fixture
def snapshot(site_dir: Path) -> Snapshot:
    shutil.copytree(ROOT / "content", site_dir / "content", dirs_exist_ok=True)
    shutil.copy(ROOT / "site.yaml", site_dir / "site.yaml")
    project, _ = open_project()
    result = pipeline.build(project, search=False)
    assert not result.errors and result.site is not None
    return Snapshot(project, result.site)


def brief_file(snapshot: Snapshot) -> Path:
    return snapshot.project.content / f"{SLUG}.md"


def add_fact(file: Path, sentence: str) -> None:
    text = file.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    last = body.rindex("\n- ")  # after the first fact, so the description stays the same
    file.write_text(head + sep + body[:last] + f"\n- {sentence}[1]" + body[last:], encoding="utf-8")


def test_a_body_edit_renders_the_page_the_full_build_will_write(snapshot: Snapshot) -> None:
    file = brief_file(snapshot)
    add_fact(file, "Officials in Seoul repeated the estimate on Friday.")
    pages = snapshot.quick_pass({file})
    assert pages is not None and [(p.path, p.url) for p in pages] == [(f"briefs/{SLUG}/index.html",
                                                                        f"/briefs/{SLUG}/")]
    assert b"Officials in Seoul repeated the estimate on Friday." in pages[0].data
    full = pipeline.build(snapshot.project, write=False, search=False)
    assert pages[0].data == full.files[f"briefs/{SLUG}/index.html"]


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.replace("  - name: RT\n    url: https://www.rt.com/", "  - name: BBC News", 1),
                 id="a source swapped for another outlet"),
    pytest.param(lambda t: t.replace("military tension", "military tensions", 1), id="a narrative reworded"),
    pytest.param(lambda t: t.replace('title: "Pentagon:', 'title: "Retitled:', 1), id="a new title"),
    pytest.param(lambda t: t.replace("probability: 0.7\n", "probability: 0.75\n", 1), id="a forecast revised"),
])
def test_front_matter_edits_render_the_page_the_full_build_will_write(snapshot: Snapshot, change) -> None:
    file = brief_file(snapshot)
    file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")
    pages = snapshot.quick_pass({file})
    assert pages is not None
    full = pipeline.build(snapshot.project, write=False, search=False)
    assert pages[0].data == full.files[f"briefs/{SLUG}/index.html"]


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.replace("title:", "slug: moved-elsewhere\ntitle:", 1), id="a new slug moves the page"),
    pytest.param(lambda t: t.replace("title:", "draft: true\ntitle:", 1), id="a brief turned into a draft"),
    pytest.param(lambda t: t.replace("\n- ", "\n- A claim citing a source that is not there.[99]\n- ", 1),
                 id="a marker citing no source is the full build's to report"),
    pytest.param(lambda t: t.replace("title:", "title: [", 1), id="broken front matter"),
])
def test_edits_the_quick_pass_leaves_to_the_full_build(snapshot: Snapshot, change) -> None:
    file = brief_file(snapshot)
    file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")
    assert snapshot.quick_pass({file}) is None


def test_new_files_and_other_files_wait_for_the_full_build(snapshot: Snapshot) -> None:
    new = snapshot.project.content / "brand-new.md"
    new.write_text(brief_file(snapshot).read_text(encoding="utf-8"), encoding="utf-8")
    assert snapshot.quick_pass({new}) is None
    assert snapshot.quick_pass({snapshot.project.root / "site.yaml"}) is None
    edited = brief_file(snapshot)
    add_fact(edited, "A second sentence.")
    assert snapshot.quick_pass({edited, snapshot.project.root / "site.yaml"}) is None


def test_a_temporary_file_that_came_and_went_with_the_save_does_not_hold_the_edit_back(snapshot: Snapshot) -> None:
    # vim makes and deletes "4913" beside the file as it saves, `sed -i` renames its sedXXXXXX over it: the watcher
    # names those too, and the quick pass left every such save to the full rebuild (seconds, on a large site)
    edited = brief_file(snapshot)
    add_fact(edited, "A sentence saved by vim.")
    content = snapshot.project.content
    pages = snapshot.quick_pass({edited, content / "4913", content / "sedAb12Cd"})
    assert pages is not None and [p.path for p in pages] == [f"briefs/{SLUG}/index.html"]
    assert b"A sentence saved by vim." in pages[0].data
    (content / "outlets.yaml").unlink()  # its going changes the page's balance panel: the full build shows that
    assert snapshot.quick_pass({edited, content / "outlets.yaml"}) is None


def test_reloads_name_the_changed_pages_or_everything() -> None:
    assert reload_paths("/repo/", WriteStats(1, 0, 0, ("briefs/x/index.html",))) == ["/repo/briefs/x/"]
    assert reload_paths("/", WriteStats(1, 0, 1, ("index.html",), ("404.html",))) == ["/", "/404.html"]
    assert reload_paths("/", WriteStats(1, 0, 0, ("static/style.css",))) == ["*"]
    assert reload_paths("/", WriteStats(3, 0, 0, ("index.json", "feed.xml", "pagefind/x.pf_index"))) == []
    many = tuple(f"briefs/b{n}/index.html" for n in range(40))
    assert reload_paths("/", WriteStats(40, 0, 0, many)) == ["*"]
    assert reload_paths("/", WriteStats(0, 5, 0)) == []


def test_pages_say_the_rest_is_rebuilding_and_errors_come_first() -> None:
    page = b"<html><head></head><body><p>x</p></body></html>"
    assert PENDING_NOTICE.encode() in inject(page, "", [], pending=True)
    assert PENDING_NOTICE.encode() not in inject(page, "", [])
    assert b"/__briefkit/status?since=" not in inject(page, "", [])
    assert b'fetch("/__briefkit/status?since=3&path="' in inject(page, "", [], building=3)  # served mid-build
    shown = inject(page, "", ["content/x.md:3: title: missing"], pending=True)
    assert error_banner(["content/x.md:3: title: missing"]).encode() in shown and PENDING_NOTICE.encode() not in shown


def test_a_released_site_is_freed_at_once_without_the_cycle_collector(snapshot: Snapshot) -> None:
    """Serve replaces its snapshot's site on every rebuild. The views refer to one another (story neighbours,
    related briefs), so without release() only a walk of the cycle collector, which serve runs rarely, frees them."""
    def views_of_a_site(release: bool) -> list[weakref.ref[BriefView]]:
        site = pipeline.build(snapshot.project, write=False, search=False).site
        assert site is not None
        if release:
            site.release()
        return [weakref.ref(v) for v in site.briefs]

    was = gc.isenabled()
    gc.disable()
    try:
        kept, freed = views_of_a_site(release=False), views_of_a_site(release=True)
        assert all(ref() is not None for ref in kept)
        assert all(ref() is None for ref in freed)
    finally:
        gc.collect()
        if was:
            gc.enable()


def test_serve_collects_garbage_when_edits_pause_or_every_few_rebuilds() -> None:
    stops: list[int] = []

    def noted(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            stops.append(info["generation"])

    was = gc.isenabled()
    gc.callbacks.append(noted)
    collector = Collector()
    try:
        assert not gc.isenabled()
        for _ in range(COLLECT_EVERY - 1):
            collector.after_build()
        assert stops == []
        collector.after_build()
        assert stops == [2]
        collector.pause()
        assert stops == [2, 2]
        collector.after_build()
        assert stops == [2, 2]
    finally:
        gc.callbacks.remove(noted)
        collector.close()
    assert gc.isenabled() == was
