"""The build cache: change classification, the rebuild plan, and cached output equal to a cold build's."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import operator
import os
import pickle
import random
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, copy_fixture_briefs, delete_brief, read_tree, run
from markupsafe import Markup

from briefkit import parallel, shards, write
from briefkit.changes import Changes, classify
from briefkit.fingerprint import Digester
from briefkit.tracker import PageRecord, by_cost, plan_pages

KEY = {"generator": "g1", "templates": "t1", "site.yaml": "s1", "outlets.yaml": "o1", "settings": "x1"}


def load_corpus_module():
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_first_build_is_full() -> None:
    assert classify(None, KEY, {}, {"content/a.md": "1"}) == Changes(full="no earlier build")


@pytest.mark.parametrize("part", ["generator", "templates", "site.yaml", "outlets.yaml", "settings"])
def test_a_changed_setting_rebuilds_everything(part: str) -> None:
    changes = classify(KEY, {**KEY, part: "new"}, {"content/a.md": "1"}, {"content/a.md": "1"})
    assert changes.full == f"{part} changed"
    assert changes.describe() == f"all rebuilt: {part} changed"


def test_a_new_day_alone_is_an_incremental_build() -> None:
    day1, day2 = {**KEY, "today": "date(2024, 10, 27)"}, {**KEY, "today": "date(2024, 10, 28)"}
    inputs = {"content/a.md": "1"}
    changes = classify(day1, day2, inputs, dict(inputs))
    assert changes == Changes(new_day=True) and not changes.nothing
    assert changes.describe() == "0 added, 0 changed, 0 removed, a new day"
    assert classify(day1, {**day2, "templates": "new"}, inputs, inputs).full == "templates changed"


def test_brief_changes_are_sorted_into_added_modified_removed() -> None:
    old = {"content/a.md": "1", "content/b.md": "2", "content/c.md": "3"}
    new = {"content/a.md": "1", "content/b.md": "9", "content/d.md": "4"}
    changes = classify(KEY, dict(KEY), old, new)
    assert changes == Changes(added=("content/d.md",), removed=("content/c.md",), modified=("content/b.md",))
    assert changes.describe() == "1 added, 1 changed, 1 removed"
    assert not changes.nothing
    assert classify(KEY, dict(KEY), old, dict(old)).nothing


def test_planner_renders_new_changed_and_damaged_pages_only() -> None:
    before = {"a.html": PageRecord("fa", ()), "b.html": PageRecord("fb", ()), "c.html": PageRecord("fc", ())}
    now = {"a.html": "fa", "b.html": "fB", "c.html": "fc", "d.html": "fd"}
    intact = {"a.html", "b.html"}  # c.html was edited or deleted by hand since
    assert plan_pages(now, before, intact) == {"b.html", "c.html", "d.html"}
    assert plan_pages(now, before, set(now)) == {"b.html", "d.html"}
    del now["d.html"]  # every page known (an edit's): compared in C
    assert plan_pages(now, before, intact) == {"b.html", "c.html"}
    assert plan_pages(now, before, set(now)) == {"b.html"}


@dataclasses.dataclass
class _Pair:
    name: Any
    count: Any


@pytest.mark.parametrize("one, other", [
    ([(1, 2), (3,)] * 10, [(1,), (2, 3)] * 10),  # lists spelled by columns: lengths differ, items alike
    ([("a", 1)] * 20, [("a", "1")] * 20),
    ([Markup("x")] * 20, ["x"] * 20),
    ([_Pair("a", 1)] * 19 + [_Pair("a", 2)], [_Pair("a", 1)] * 20),
    ([_Pair("a", (1,))] * 20, [_Pair("a", 1)] * 20),
    ([_Pair(Markup("a"), [1, 2])] * 20, [_Pair(Markup("a"), [1, 2, 3])] * 20),
    ([frozenset({"a", "b"})] * 20, [frozenset({"a"}), frozenset({"b"})] * 10),
    ([{datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=UTC)}] * 20, [{datetime(2024, 1, 1)}] * 20),
    ([[1, 2, 3], (1, 2, 3)], [[1, 2, 3], [1, 2, 3]]),
    ({1: "a", 2: "b", 3: "c"}, {1: "a", 2: "c", 3: "b"}),
    ({"k": [_Pair(1, 2), _Pair(3, 4), _Pair(5, 6)]}, {"k": [_Pair(1, 2), _Pair(3, 4), _Pair(5, "6")]}),
    ([Markup("<b>a</b>"), Markup("b")], [Markup("<b>a</b>b"), Markup("")]),  # HTML by lengths, then its text
    # records of one type in a record's tuple or list, spelled one after another
    (_Pair((_Pair(1, 2), _Pair(3, 4)), 0), _Pair((_Pair(1, 2), _Pair(3, "4")), 0)),
    (_Pair([_Pair(1, 2), _Pair(3, 4)], 0), _Pair([_Pair(1, 2), _Pair(3, 4), _Pair(5, 6)], 0)),
    (_Pair((_Pair(1, 2), _Pair(3, 4)), 0), _Pair((_Pair(1, 2), (3, 4)), 0)),
    # a small dict of records (a brief's predictions), spelled by marshal: each plain type told apart
    (_Pair({1: _Pair("a", True), 2: _Pair("b", None)}, 0), _Pair({1: _Pair("a", 1), 2: _Pair("b", None)}, 0)),
    (_Pair({1: _Pair("a", 1), 2: _Pair("b", 2)}, 0), _Pair({True: _Pair("a", 1), 2: _Pair("b", 2)}, 0)),
    (_Pair({1: _Pair("a", 0.0), 2: _Pair("b", 2)}, 0), _Pair({1: _Pair("a", -0.0), 2: _Pair("b", 2)}, 0)),
    (_Pair({1: _Pair("a", "1"), 2: _Pair("b", 2)}, 0), _Pair({1: _Pair("a", 1), 2: _Pair("b", 2)}, 0)),
    (_Pair({1: _Pair("a", b"x"), 2: _Pair("b", 2)}, 0), _Pair({1: _Pair("a", bytearray(b"x")), 2: _Pair("b", 2)}, 0)),
    (_Pair({1: _Pair("a\udc80", 1), 2: _Pair("b", 2)}, 0), _Pair({1: _Pair("a\udc81", 1), 2: _Pair("b", 2)}, 0)),
    (_Pair({1: _Pair("a", 1), 2: _Pair("b", 2)}, 0), _Pair({1: _Pair("a", 1), 2: _Pair("b", 2), 3: _Pair("c", 3)}, 0)),
])
def test_fingerprints_spell_unlike_inputs_unlike(one: Any, other: Any) -> None:
    """A digest tells apart what a template could tell apart, however the values are spelled out (item by
    item, or by columns: a long list, a few alike items)."""
    assert Digester({}).of(one) != Digester({}).of(other)
    assert Digester({}).of(one) == Digester({}).of(copy.deepcopy(one))


def test_fingerprinting_keeps_a_template_together_and_deals_the_costliest_first() -> None:
    templates = ["brief.html"] * 6 + ["outlet.html"] * 2 + ["forecasts.html"] + ["home.html"] * 3
    costs = {"brief.html": 0.6, "outlet.html": 0.5, "forecasts.html": 0.4, "home.html": 0.1}
    chunks = by_cost(templates, costs, 4)
    assert sorted(i for c in chunks for i in c) == list(range(len(templates)))
    # outlet, forecasts and home pages by their costs, then the brief pages (the most) in 4 pieces at most
    assert chunks == [[6, 7], [8], [9, 10, 11], [0, 1], [2, 3], [4, 5]]
    assert by_cost([], costs, 4) == []


def test_a_kept_shown_digest_is_served_only_for_the_same_file_url_story_name_and_fields() -> None:
    """What a listing shows of each brief is digested once and kept across builds (shown.py), by the brief's
    file (path and content hash), URL and story name, the fields shown and the build's settings: a change
    to any of them must not be served the last build's digest, or the listing would not be rendered again."""
    from briefkit.listings import BriefView, Page
    from briefkit.markdown import RenderedBrief
    from briefkit.model import Brief
    from briefkit.reads import type_key
    from briefkit.shown import ShownMemo

    shows = frozenset({"title", "date", "url", "story_name", "description"})
    memo = ShownMemo()

    def build(title: str = "A", file: tuple[str, str] = ("content/a.md", "h1"), url: str = "/briefs/a/",
              story_name: str = "Story", fields: frozenset[str] = shows, settings: str = "s1") -> str:
        """A listing page's fingerprint in a build of one brief, with the memo of the builds before."""
        nonlocal memo
        memo = ShownMemo(memo.identity, pickle.loads(pickle.dumps(memo.kept())))  # as saved and loaded
        memo.start(settings)
        brief = Brief(slug="a", path=file[0], title=title, date=datetime(2024, 1, 1, tzinfo=UTC), body="", body_line=1)
        view = BriefView(RenderedBrief(brief, "", (), (), (), ()), url, story_name=story_name)
        shown: dict[Any, Any] = {}
        digester = Digester({file[0]: file[1]}, {type_key(BriefView): fields}, shown)
        memo.fill(digester, [view], {file[0]: file[1]}, shown)
        return digester.page(Page("index.html", "home.html", "", "", "", {"briefs": [view]}), "/", None, (), "")

    first = build()
    # the same file, URL and story name: its digest is served (a title its file cannot have tells)
    assert build(title="Not read again") == first
    for change in ({"file": ("content/a.md", "h2")},  # an edit
                   {"file": ("content/b.md", "h1")},  # a rename
                   {"url": "/news/a/"}, {"story_name": "Another story"},  # a story name is made from other briefs
                   {"fields": shows - {"description"}},  # another template
                   {"settings": "s2"}):
        assert build() == first  # served again after the build before
        assert build(title="Not read again", **change) != first, change
    assert build(title="Not read again", settings="s2") == build(title="Not read again", settings="s2")
    # a view's neighbours or extra data are never kept: made afresh each build
    assert all(m.startswith("shown(") and "extra" not in m for m in memo.kept()[2])


def test_sources_outlets_count_by_the_brief_only_while_templates_read_what_outlets_yaml_gives() -> None:
    """A brief's sources' outlets (extra["source_outlets"]) count by the brief's file while its template reads
    only what outlets.yaml and the settings give of an outlet's view (OWN_AS_READ): once it reads more (the
    briefs citing the outlet, from other files), a change to that must change the brief page's fingerprint."""
    from briefkit.listings import BriefView, Page
    from briefkit.markdown import RenderedBrief
    from briefkit.model import Brief, Outlet
    from briefkit.reads import type_key
    from briefkit.scorecard import OutletView

    brief = Brief(slug="a", path="content/a.md", title="A", date=datetime(2024, 1, 1, tzinfo=UTC), body="", body_line=1)
    outlet = OutletView(Outlet("Paper"), "/outlets/paper/")
    other = BriefView(RenderedBrief(dataclasses.replace(brief, slug="b", path="content/b.md"), "", (), (), (), ()), "/b/")

    def fingerprint(reads: frozenset[str], cited: int) -> str:
        outlet.cited[:] = [(other, (1,))] * cited  # what other briefs' pages cite of it
        view = BriefView(RenderedBrief(brief, "", (), (), (), ()), "/briefs/a/")
        view.extra["source_outlets"] = {1: outlet}
        view.own_extra.add("source_outlets")
        attrs = {type_key(BriefView): frozenset({"rendered", "extra"}), type_key(OutletView): reads}
        return Digester({"content/a.md": "h1"}, attrs).page(Page("a.html", "brief.html", "", "", "", {"brief": view}),
                                                            "/", None, (), "")

    assert fingerprint(OutletView.settled, 1) == fingerprint(OutletView.settled, 2)
    assert fingerprint(frozenset({"url", "cited_count"}), 1) != fingerprint(frozenset({"url", "cited_count"}), 2)
    assert fingerprint(frozenset({"cited"}), 1) != fingerprint(frozenset({"cited"}), 2)


KINDS = ["body", "title", "summary", "source", "topics", "date", "story", "add", "delete", "break", "outlets",
         "probability", "outcome", "claim", "narrative", "related", "correction", "draft", "updated", "rename", "day"]


def _edit(rng: random.Random, content: Path, step: int, kind: str) -> str:
    """One author action of the given kind on a random brief; returns what it did."""
    briefs = sorted(content.glob("*.md"))
    needs = {"probability": "probability:", "outcome": "outcome:", "claim": "claim:", "narrative": "    outlet:"}
    victim = rng.choice([b for b in briefs if needs.get(kind, "") in b.read_text(encoding="utf-8")])
    text = victim.read_text(encoding="utf-8")
    if kind == "body":
        text = text.replace("\n- ", f"\n- Update {step}: ", 1)
    elif kind == "title":
        text = re.sub(r"^title: .*$", f'title: "Retitled brief {step}"', text, count=1, flags=re.MULTILINE)
    elif kind == "summary":  # listings show it
        text = re.sub(r"^summary: .*$", f'summary: "Summary {step}"', text, count=1, flags=re.MULTILINE)
    elif kind == "source":  # outlet pages list the briefs citing them
        text = re.sub(r"^  - name: .*$", f'  - name: "{("CNN", "Fox News")[step % 2]}"', text, count=1, flags=re.MULTILINE)
    elif kind == "topics":
        text = re.sub(r"^topics: \[", f'topics: ["Edit topic {step % 3}", ', text, count=1, flags=re.MULTILINE)
    elif kind == "date":
        text = re.sub(r"^date: .*$", f"date: 2023-0{1 + step % 9}-1{step % 10}", text, count=1, flags=re.MULTILINE)
    elif kind == "story":
        text = text.replace("\nsources:", f"\nstory: edited-story-{step % 2}\nsources:", 1) \
            if "\nstory:" not in text else re.sub(r"\nstory: .*", "", text, count=1)
    elif kind == "add":
        (content / f"added-{step}.md").write_text(text.replace("title: ", f"title: Copy {step} of ", 1), encoding="utf-8")
        return f"add copy of {victim.name}"
    elif kind == "delete":
        delete_brief(victim)
        return f"delete {victim.name}"
    elif kind == "break":
        victim.write_text(text.replace("sources:", "sources: [", 1), encoding="utf-8")
        return f"break {victim.name}"
    elif kind == "outlets":
        outlets = content / "outlets.yaml"
        outlets.write_text(outlets.read_text(encoding="utf-8").replace("lean: 3", "lean: 2", 1), encoding="utf-8")
        return "outlets.yaml"
    elif kind == "probability":  # the forecasts page and the forecasters' records
        text = re.sub(r"probability: [0-9.]+", f"probability: 0.{rng.randint(10, 95)}", text, count=1)
    elif kind == "outcome":  # a question resolved shows so on the earlier briefs asking it too
        text = re.sub(r"outcome: \w+", f"outcome: {rng.choice(['true', 'false', 'null'])}", text, count=1)
    elif kind == "claim":  # another brief's claim: one question asked in two briefs
        claims = [c for b in briefs for c in re.findall(r'claim: (".*")', b.read_text(encoding="utf-8"))]
        text = re.sub(r'claim: ".*"', f"claim: {rng.choice(claims)}", text, count=1)
    elif kind == "narrative":  # outlet pages list the narratives each outlet gave
        text = re.sub(r'^    outlet: ".*"$', f'    outlet: "{rng.choice(["TASS", "Jacobin", "Reuters"])}"', text,
                      count=1, flags=re.MULTILINE)
    elif kind == "related":  # an author's link: the other brief's "linked from" list
        other = rng.choice([b for b in briefs if b != victim]).stem
        text = re.sub(r"\nrelated: .*", "", text).replace("\nsources:", f"\nrelated: [{other}]\nsources:", 1)
    elif kind == "correction":  # the corrections log
        text = text.replace("\n---\n", f'\ncorrections:\n  - date: 2024-05-{10 + step % 19}\n'
                            f'    text: "Correction {step}."\n---\n', 1) if "\ncorrections:" not in text else \
            re.sub(r'(corrections:\n  - date: .*\n    text: )".*"', rf'\1"Corrected again {step}."', text, count=1)
    elif kind == "draft":  # a draft leaves the site, and comes back
        text = text.replace("\ndraft: true", "", 1) if "\ndraft: true" in text else \
            text.replace("\nsources:", "\ndraft: true\nsources:", 1)
    elif kind == "updated":
        text = re.sub(r"\nupdated: .*", "", text).replace("\nsources:", f"\nupdated: 2025-01-{10 + step % 18}\nsources:", 1)
    elif kind == "rename":  # a new slug for a brief no other brief names
        victim = rng.choice([b for b in briefs if not any(f"[{b.stem}]" in o.read_text(encoding="utf-8") for o in briefs)])
        victim.rename(victim.with_name(f"renamed-{step}.md"))
        return f"rename {victim.name}"
    victim.write_text(text, encoding="utf-8")
    return f"{kind} {victim.name}"


def test_objects_handed_to_a_template_function_count_in_full_unless_it_takes_plain_values() -> None:
    """A page whose template hands an object to a custom filter depends on all of that object; the
    engine's own filters and url() take plain values and are left as they are, unwrapped."""
    import jinja2

    from briefkit.model import Outlet
    from briefkit.project import SiteConfig
    from briefkit.reads import ALL, ReadLog
    from briefkit.render import configure

    env = jinja2.Environment()
    configure(env, SiteConfig())
    url, iso = env.globals["url"], env.filters["iso"]
    env.filters["first_alias"] = lambda outlet: outlet.aliases[0]
    log = ReadLog()
    log.install(env)
    assert env.filters["iso"] is iso and env.globals["url"] is url
    log.current = {}
    outlet = Outlet(name="Reuters", slug="reuters", aliases=("Thomson Reuters",), line=1)
    assert env.from_string("{{ o | first_alias }} {{ d | iso }} {{ url('x/') }}").render(
        o=outlet, d=datetime(2024, 3, 1, tzinfo=UTC)) == "Thomson Reuters 2024-03-01T00:00:00+00:00 /x/"
    assert log.current == {Outlet: {ALL}}


def test_cached_build_is_byte_identical_to_a_cold_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = load_corpus_module().generate(40, seed=7)
    root = tmp_path / "site-root"
    corpus.write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 8)  # exercise the forked workers on a small corpus
    monkeypatch.setattr(parallel, "cores", lambda: 2)  # a worker even on one core
    rng = random.Random(11)
    assert run("build", "-q", "--no-search").code == 0
    broken: list[Path] = []
    kinds = rng.sample(KINDS, len(KINDS)) + rng.choices(KINDS, k=7)  # every kind at least once
    for step, kind in enumerate(kinds):
        for path in broken:  # a broken brief is fixed in the next step
            path.write_text(path.read_text(encoding="utf-8").replace("sources: [", "sources:", 1), encoding="utf-8")
        broken = []
        if kind == "day":  # forecasts fall overdue
            monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1730000000 + 86400 * rng.choice([1, 40, 400]) * (step + 1)))
            did = "a new day"
        else:
            did = _edit(rng, root / "content", step, kind)
        if did.startswith("break"):
            broken.append(root / "content" / did.split()[1])
            assert run("build", "-q", "--no-search").code == 1, did
            continue
        # the search index is left out: a Pagefind run per step would be most of the test (its byte-stability
        # is tested in test_search_index.py)
        cached = run("build", "-q", "--no-search")
        cold = run("build", "-q", "--no-search", "--no-cache", "--out", str(tmp_path / "cold"))
        assert cached.code == cold.code == 0, (did, cached.err)
        assert cached.err == cold.err, did
        assert read_tree(root / "site") == read_tree(tmp_path / "cold"), did


def test_a_build_later_the_same_day_dates_feeds_and_warns_by_its_own_time(
        site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A brief dated later today is published, with a warning, and its feeds entry dated the build's time:
    a cached build with nothing else changed must do both by its own time, not report the last build again."""
    copy_fixture_briefs(site_dir, "minimal.md")
    brief = site_dir / "content" / "minimal.md"
    brief.write_text(brief.read_text(encoding="utf-8").replace("date: 2024-10-23", "date: 2024-10-27T12:30:00Z"),
                     encoding="utf-8")
    build = ("build", "-q", "--no-search", "--base-url", "https://example.org/")
    cold = (*build, "--no-cache", "--out", str(site_dir / "cold"))
    ahead = ("content/minimal.md:3: warning: date: is after this build's date (2024-10-27); the brief is "
             "published now, dated then (to hold it back until then, set draft: true)")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2024, 10, 27, 12, 0, tzinfo=UTC).timestamp())))

    def dated(*argv: str) -> list[str]:
        return [x for x in run(*argv).lines if "warning: date:" in x]

    assert dated(*build) == [ahead]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2024, 10, 27, 12, 10, tzinfo=UTC).timestamp())))
    assert dated(*build) == dated(*cold) == [ahead]
    assert '"date_published": "2024-10-27T12:10:00+00:00"' in (site_dir / "site" / "feed.json").read_text(encoding="utf-8")
    assert read_tree(site_dir / "site") == read_tree(site_dir / "cold")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2024, 10, 27, 12, 40, tzinfo=UTC).timestamp())))
    assert dated(*build) == dated(*cold) == []
    assert '"date_published": "2024-10-27T12:30:00+00:00"' in (site_dir / "site" / "feed.json").read_text(encoding="utf-8")
    assert read_tree(site_dir / "site") == read_tree(site_dir / "cold")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2024, 10, 27, 12, 50, tzinfo=UTC).timestamp())))
    assert run(*build, "-v").err.count("nothing changed") == 1  # with no brief ahead of it, a later time changes nothing


def test_a_question_resolved_in_a_later_brief_shows_on_the_earlier_briefs_page(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The earlier brief's file does not change, yet its page must: the build cache counts what a stage worked
    out from other briefs (here the outcome a later brief records) apart from what came from its own file."""
    corpus = load_corpus_module().generate(40, seed=7)
    root = tmp_path / "site-root"
    corpus.write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    first = re.compile(r"^  - claim: .*\n    probability: .*\n    by: .*\n(?:    (?!outcome).*\n)*    outcome: \w+$", re.MULTILINE)
    asking = [p for p in sorted((root / "content").glob("*.md")) if first.search(p.read_text(encoding="utf-8"))]
    dated = sorted(asking, key=lambda p: re.search(r"^date: (.*)$", p.read_text(encoding="utf-8"), re.MULTILINE)[1])
    earlier, later = dated[0], dated[-1]
    asked = first.search(earlier.read_text(encoding="utf-8"))[0]  # the same claim and deadline: the same question
    open_ = re.sub(r"outcome: \w+$", "outcome: null", asked)
    later.write_text(first.sub(open_, later.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    earlier.write_text(first.sub(open_, earlier.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    assert run("build", "-q", "--no-search").code == 0
    page = root / "site" / "briefs" / earlier.stem / "index.html"
    assert "as a later brief records" not in page.read_text(encoding="utf-8")
    later.write_text(later.read_text(encoding="utf-8").replace(open_, open_.replace("outcome: null", "outcome: true")),
                     encoding="utf-8")
    assert run("build", "-q", "--no-search").code == 0
    assert 'Resolved: it happened</span> <span class="note">(as a later brief records)' in page.read_text(encoding="utf-8")
    assert run("build", "-q", "--no-search", "--no-cache", "--out", str(tmp_path / "cold")).code == 0
    assert read_tree(root / "site") == read_tree(tmp_path / "cold")


def test_a_fact_edit_renders_only_the_page_showing_the_fact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listings show a brief's title, date and summary: a new number in one of its facts leaves them alone.
    Brief pages that list it as related are rendered again (they read whole briefs) but keep their bytes."""
    corpus = load_corpus_module().generate(40, seed=7)
    root = tmp_path / "site-root"
    corpus.write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    assert run("build", "-q", "--no-search").code == 0
    brief = next(p for p in sorted((root / "content").glob("*.md")) if "\nstory:" not in p.read_text(encoding="utf-8"))
    text = brief.read_text(encoding="utf-8")
    brief.write_text(text.replace("\n- ", "\n- On 12 May 2024, ", 1), encoding="utf-8")
    result = run("build", "-v", "--no-search")
    assert result.code == 0
    lines = {x.split()[0]: x for x in result.err.splitlines() + result.out.splitlines() if x.startswith("  ")}
    pages, rendered = map(int, re.search(r"(\d+) pages, (\d+) rendered", lines["render"]).groups())
    linking = [p for p in (root / "site" / "briefs").glob("*/index.html")
               if p.parent.name != brief.stem and f'/briefs/{brief.stem}/"' in p.read_text(encoding="utf-8")]
    assert 1 <= rendered <= 1 + len(linking) < pages // 4
    assert " 1 written, 0 removed" in lines["write"]
    assert "On 12 May 2024" in (root / "site" / "briefs" / brief.stem / "index.html").read_text(encoding="utf-8")


def test_a_build_run_as_its_own_process_leaves_a_cache_the_next_one_uses(tmp_path: Path) -> None:
    """build.py fingerprints its pages and saves its cache from a child after it has reported (handoff.py);
    the next build waits for that, parses and converts only the brief that changed, and writes what a
    build without the cache writes."""
    corpus = load_corpus_module().generate(40, seed=3)
    root = tmp_path / "site-root"
    corpus.write(root)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1730000000", "PYTHONPATH": str(ROOT)}

    def build(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "build.py"), "--no-search", *args], check=False, cwd=root,
                              env=env, capture_output=True, text=True, timeout=300)

    assert build("-q").returncode == 0
    brief = sorted((root / "content").glob("*.md"))[5]
    brief.write_text(brief.read_text(encoding="utf-8").replace("\n- ", "\n- On 12 May 2024, ", 1), encoding="utf-8")
    result = build("-v")
    assert result.returncode == 0, result.stderr[-2000:]
    progress = [" ".join(line.split()[:-2]) for line in result.stderr.splitlines() if line.startswith("  ")]  # no time
    assert "parse 40 briefs, 1 parsed, 39 from the cache" in progress
    assert "markdown 40 briefs, 1 converted, 39 from the cache" in progress
    pages, rendered = map(int, re.search(r"render (\d+) pages, (\d+) rendered", "\n".join(progress)).groups())
    assert rendered < pages // 4  # the child saved every page's fingerprint
    assert "On 12 May 2024" in (root / "site" / "briefs" / brief.stem / "index.html").read_text(encoding="utf-8")
    other = sorted((root / "content").glob("*.md"))[17]
    other.write_text(other.read_text(encoding="utf-8").replace("\n- ", "\n- On 13 May 2024, ", 1), encoding="utf-8")
    assert build("-q").returncode == 0
    assert build("-q", "--no-cache", "--out", str(tmp_path / "uncached")).returncode == 0
    assert read_tree(root / "site") == read_tree(tmp_path / "uncached")


def test_a_build_with_nothing_changed_loads_neither_the_theme_engine_nor_markdown(tmp_path: Path) -> None:
    """A no-change build spends most of its time starting Python: it stays free of Jinja, markdown-it and
    the related index (measured: 0.40 s -> 0.27 s at 4,000 briefs)."""
    corpus = load_corpus_module().generate(12, seed=5)
    root = tmp_path / "site-root"
    corpus.write(root)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1730000000", "PYTHONPATH": str(ROOT)}
    probe = ("import sys\nfrom briefkit.cli import main\ncode = main(['build', '-q', '--no-search'])\n"
             "print(code, sorted(m for m in ('jinja2', 'markdown_it', 'briefkit.related') if m in sys.modules))")
    runs = [subprocess.run([sys.executable, "-c", probe], check=False, cwd=root, env=env, capture_output=True,
                           text=True, timeout=300) for _ in range(2)]
    assert runs[0].stdout.strip() == "0 ['briefkit.related', 'jinja2', 'markdown_it']", runs[0].stderr[-2000:]
    assert runs[1].stdout.strip() == "0 []", runs[1].stderr[-2000:]


def test_a_new_day_renders_again_only_the_pages_whose_forecasts_fell_overdue(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The date is a build input (forecasts fall overdue by it) but not a reason to render every page."""
    corpus = load_corpus_module().generate(40, seed=7)
    root = tmp_path / "site-root"
    corpus.write(root)
    monkeypatch.chdir(root)
    start = 1730000000  # 27 October 2024
    open_deadlines = sorted(m.group(1) for p in (root / "content").glob("*.md") for m in re.finditer(
        r"\n    by: (\d{4}-\d\d-\d\d)\n(?:    \w+: .*\n)*?    outcome: null", p.read_text(encoding="utf-8")))
    deadline = next(d for d in open_deadlines if d > "2024-10-27")
    due = int(datetime.fromisoformat(deadline).replace(tzinfo=UTC).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(start))
    assert run("build", "-q", "--no-search").code == 0
    before = (root / "site" / "forecasts" / "index.html").read_text(encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(due + 2 * 86400))  # two days past the deadline
    result = run("build", "-v", "--no-search")
    assert result.code == 0
    lines = {x.split()[0]: x for x in result.err.splitlines() + result.out.splitlines() if x.startswith("  ")}
    assert "0 added, 0 changed, 0 removed, a new day" in lines["read"]
    pages, rendered = map(int, re.search(r"(\d+) pages, (\d+) rendered", lines["render"]).groups())
    assert 1 <= rendered < pages // 4
    after = (root / "site" / "forecasts" / "index.html").read_text(encoding="utf-8")
    assert after != before and "Deadline passed as of" in after
    cold = run("build", "-q", "--no-search", "--no-cache", "--out", str(tmp_path / "cold"))
    assert cold.code == 0
    assert read_tree(root / "site") == read_tree(tmp_path / "cold")
    assert run("build", "-v", "--no-search").err.count("nothing changed") == 1  # the same day again


def test_a_brief_left_alone_is_not_read_again_and_an_edit_that_keeps_size_and_time_is_still_seen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache knows a brief by its file's size, times and inode; its change time gives away an edit
    whose size and modification time were put back (a copy with -p, an editor, a restored backup)."""
    corpus = load_corpus_module().generate(12, seed=3)
    root = tmp_path / "site-root"
    corpus.write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    hour_ago = time.time() - 3600  # long before the build reads them: nothing racy about these files
    briefs = sorted((root / "content").glob("*.md"))
    for brief in briefs:
        os.utime(brief, (hour_ago, hour_ago))
    assert run("build", "-q", "--no-search").code == 0
    reads: list[str] = []
    real_open = open

    def counting_open(file, *args, **kwargs):
        if str(file).endswith(".md"):
            reads.append(Path(file).name)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    assert run("build", "-v", "--no-search").code == 0
    assert reads == []
    victim = briefs[len(briefs) // 2]
    text = victim.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    edited = head + sep + body.replace(" the ", " THE ", 1)  # the same size
    assert len(edited.encode()) == len(text.encode()) and edited != text
    victim.write_text(edited, encoding="utf-8")
    os.utime(victim, (hour_ago, hour_ago))
    result = run("build", "-v", "--no-search")
    assert result.code == 0
    assert reads == [victim.name], reads
    assert "1 changed" in result.err + result.out



class _RaisesKeyError:
    """Unpickles by raising KeyError, as damaged bytes may (or MemoryError, RecursionError ...)."""

    def __reduce__(self):
        return operator.getitem, ({}, "gone")


def test_a_cache_damaged_on_disk_costs_time_not_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "site-root"
    load_corpus_module().generate(24, seed=5).write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    cache = root / ".cache"
    assert run("build", "-q", "--no-search").code == 0

    def damaged_then_built(damage, brief: str) -> None:
        damage()
        victim = sorted((root / "content").glob("*.md"))[int(brief)]
        victim.write_text(victim.read_text(encoding="utf-8").replace("\nsummary: ", "\nsummary: Edited. ", 1),
                          encoding="utf-8")
        cold = run("build", "-q", "--no-search", "--no-cache", "--out", str(tmp_path / f"cold{brief}"))
        for _ in range(2):  # the damaged build, then the one after it
            built = run("build", "-q", "--no-search")
            assert (built.code, built.err) == (0, cold.err)
            assert read_tree(root / "site") == read_tree(tmp_path / f"cold{brief}")

    def pickles() -> None:
        for file in cache.glob("*.pickle"):
            if file.name != "related.pickle":
                file.write_bytes(pickle.dumps((shards.FORMAT, _RaisesKeyError())))

    def pack() -> None:  # the related lists' entries, read when a build asks for them
        for file in cache.glob("related-*.pack"):
            file.write_bytes(bytes(file.stat().st_size))

    def templates() -> None:  # code that still loads, but names what is not there
        compiled = list((cache / "templates").iterdir())
        assert compiled
        for file in compiled:
            file.write_bytes(file.read_bytes().replace(b"TemplateReference", b"TemplateRefereXce"))

    damaged_then_built(pickles, "1")
    damaged_then_built(pack, "2")
    damaged_then_built(templates, "3")


def test_a_file_put_into_the_site_is_removed_by_the_next_build_even_with_nothing_changed(
        site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output folder holds the site and nothing else: a file put there by hand or by another tool goes at
    the next build, also when no input changed (the build notes each folder as it left it, and a folder
    changed since is looked at again)."""
    monkeypatch.setattr(write, "SETTLE_NS", 0)  # folders count as settled at once, not 2 s after they changed
    copy_fixture_briefs(site_dir, "minimal.md", "citation-forms.md")
    assert run("build", "-q", "--no-search").code == 0  # the first site: written while its links are checked
    brief = site_dir / "content" / "minimal.md"
    brief.write_text(brief.read_text(encoding="utf-8").replace("\n- ", "\n- On 12 May 2024, ", 1), encoding="utf-8")
    assert run("build", "-q", "--no-search").code == 0  # written over the last site: its folders noted
    assert "nothing changed" in run("build", "-v", "--no-search").err
    page_folder = next((site_dir / "site" / "briefs").iterdir())
    (page_folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    (site_dir / "site" / "stray.html").write_text("<p>stray</p>\n", encoding="utf-8")
    again = run("build", "-v", "--no-search")
    assert again.code == 0 and "nothing changed" not in again.err, again.err
    assert not (page_folder / "notes.txt").exists() and not (site_dir / "site" / "stray.html").exists()
    assert "nothing changed" in run("build", "-v", "--no-search").err  # and the next finds it as it left it
