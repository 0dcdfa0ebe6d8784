"""Cross-links as readers and tools see them: the sample site's related lists and story page,
index.json, the `related` command, and the check warnings about stories."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, run, write_brief

SEOUL = "seoul-north-korean-troops-arrive-in-russia"
US = "us-evidence-north-korean-troops-may-prepare-for-ukraine"
P3K = "pentagon-evidence-3k-north-korean-troops-in-russia"
NATO = "nato-and-us-confirm-north-korean-troops-in-russia"
P10K = "pentagon-10k-north-korean-troops-training-in-russia"

SAMPLE_RELATED = {  # golden: the sample site's related lists, in order
    P10K: [P3K, US, NATO, SEOUL],  # its author links the 3K brief; the story follows
    NATO: [US, P3K, P10K, SEOUL],
    US: [P3K, NATO, P10K, SEOUL],
    P3K: [SEOUL, NATO, US, P10K],
    SEOUL: [P10K, NATO, US, P3K],
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "site"
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1730000000")
    try:
        assert run("build", "--content", str(ROOT / "content"), "--out", str(out), "--quiet").code == 0
    finally:
        mp.undo()
    return out


def test_sample_index_json_lists_every_brief_with_its_related_slugs(sample: Path) -> None:
    data = json.loads((sample / "index.json").read_text(encoding="utf-8"))
    assert (data["version"], data["title"], data["base_url"]) == (1, "North Korea Watch", "/")
    assert {b["slug"]: b["related"] for b in data["briefs"]} == SAMPLE_RELATED
    first = data["briefs"][0]
    assert first == {
        "slug": P10K, "url": f"/briefs/{P10K}/", "title": "Pentagon: 10K North Korean Troops Training in Russia",
        "date": "2024-10-29T00:00:00+09:00", "updated": None,
        "summary": "The Pentagon now estimates that about 10,000 North Korean soldiers are training in eastern "
                   "Russia; some have already been deployed to the Kursk region.",
        "topics": ["North Korea", "Russia", "Ukraine war", "United States", "South Korea"],
        "story": "north-korean-troops-in-russia", "related": SAMPLE_RELATED[P10K]}


def test_index_json_lines_are_what_the_json_encoder_gives_each_brief() -> None:
    # index_json spells each brief's line out; it must stay what json.dumps gives (quotes, escapes, null, [])
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace as NS

    from briefkit.siteindex import index_json

    tz = timezone(timedelta(hours=-5))
    odd = 'quote " back \\ tab \t nl \n bell \x07 é 中 \u2028 😀 }, {"slug": '
    a = NS(slug="a", title=odd, date=datetime(2024, 3, 1, 9, 30, tzinfo=tz), updated=None, summary="",
           topics=(), story="")
    b = NS(slug="b-2", title="B", date=datetime(2024, 3, 2, tzinfo=tz), updated=datetime(2024, 3, 3, tzinfo=tz),
           summary=odd, topics=(NS(name=odd), NS(name="Two")), story="kim-visit")
    va = NS(rendered=NS(brief=a), url="/x/briefs/a/", related=[])
    vb = NS(rendered=NS(brief=b), url=odd, related=[NS(view=va), NS(view=va)])
    site = NS(briefs=[vb, va], config=NS(title=odd, base_url="https://example.org/x/"), extra={})
    text = index_json(site).decode("utf-8")  # type: ignore[arg-type]
    lines = text.split("\n")
    assert lines[1:3] == [
        json.dumps({"slug": "b-2", "url": odd, "title": "B", "date": b.date.isoformat(),
                    "updated": b.updated.isoformat(), "summary": odd, "topics": [odd, "Two"],
                    "story": "kim-visit", "related": ["a", "a"]}, ensure_ascii=False) + ",",
        json.dumps({"slug": "a", "url": "/x/briefs/a/", "title": odd, "date": a.date.isoformat(),
                    "updated": None, "summary": "", "topics": [], "story": None, "related": []}, ensure_ascii=False)]
    assert json.loads(text)["briefs"][0]["title"] == "B"
    assert index_json(NS(briefs=[], config=site.config, extra={})).decode("utf-8").endswith('"briefs": []}\n')  # type: ignore[arg-type]


def test_index_json_keeps_a_briefs_line_while_its_file_and_url_are_as_they_were() -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace as NS

    from briefkit.relatedmemo import RelatedMemo
    from briefkit.siteindex import index_json

    def site(title: str, url: str) -> NS:
        b = NS(slug="a", path="content/a.md", title=title, date=datetime(2024, 3, 1, tzinfo=UTC),
               updated=None, summary="", topics=(), story="")
        other = NS(slug="b", path="content/b.md", title="B", date=datetime(2024, 3, 2, tzinfo=UTC),
                   updated=None, summary="", topics=(), story="")
        vb = NS(rendered=NS(brief=other), url="/briefs/b/", related=[])
        return NS(briefs=[vb, NS(rendered=NS(brief=b), url=url, related=[NS(view=vb)])],
                  config=NS(title="T", base_url="https://example.org/"), extra={})

    memo = RelatedMemo()
    first = index_json(site("One", "/briefs/a/"), memo, {"content/a.md": "h1", "content/b.md": "h2"})  # type: ignore[arg-type]
    assert memo.changed and set(memo.index_lines) == {"content/a.md", "content/b.md"}
    assert first == index_json(site("One", "/briefs/a/"))  # type: ignore[arg-type]
    memo.changed = False
    again = index_json(site("One", "/briefs/a/"), memo, {"content/a.md": "h1", "content/b.md": "h2"})  # type: ignore[arg-type]
    assert again == first and not memo.changed  # every line kept: nothing to save
    edited = index_json(site("Two", "/briefs/a/"), memo, {"content/a.md": "h3", "content/b.md": "h2"})  # type: ignore[arg-type]
    assert edited == index_json(site("Two", "/briefs/a/")) and memo.changed  # type: ignore[arg-type]
    moved = index_json(site("Two", "/x/briefs/a/"), memo, {"content/a.md": "h3", "content/b.md": "h2"})  # type: ignore[arg-type]
    assert moved == index_json(site("Two", "/x/briefs/a/"))  # type: ignore[arg-type]
    gone = index_json(NS(briefs=site("Two", "/x/").briefs[:1],
                         config=NS(title="T", base_url="https://example.org/"), extra={}), memo, {"content/b.md": "h2"})  # type: ignore[arg-type]
    assert gone.count(b'"slug"') == 1 and set(memo.index_lines) == {"content/b.md"}


def test_index_json_lists_the_related_slugs_each_view_shows_in_a_build_that_reuses_the_last_lists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # link_site quotes each related list once and keeps it with the list in the memo (QUOTED_KEY); index.json's
    # related slugs must still be the views' own, after an edit changes some lists and leaves the rest as they were
    import shutil

    from briefkit import pipeline
    from briefkit.cache import BuildCache
    from briefkit.crosslink import QUOTED_KEY
    from briefkit.project import open_project
    from briefkit.siteindex import index_json

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    project, _ = open_project(str(tmp_path / "content"))
    cache = BuildCache()
    for edit in ("", "Seoul", "Ukraine war"):
        if edit:  # a fact of one brief rewritten: its lists and its neighbours' may change, the rest are kept
            brief = tmp_path / "content" / f"{NATO}.md"
            brief.write_text(brief.read_text().replace("\n- ", f"\n- {edit} and Kursk again.[1]\n- ", 1))
            project, _ = open_project(str(tmp_path / "content"))
        result = pipeline.build(project, write=False, cache=cache)
        assert not result.errors and result.site is not None
        site = result.site
        fast = index_json(site, cache.related, cache.hashes)
        site.extra.pop(QUOTED_KEY)
        assert fast == index_json(site)
        assert {b["slug"]: b["related"] for b in json.loads(fast)["briefs"]} == \
            {v.slug: [link.view.slug for link in v.related] for v in site.briefs}


def test_every_sample_brief_page_links_every_other_with_date_and_reason(sample: Path) -> None:
    for slug, expected in SAMPLE_RELATED.items():
        html = (sample / "briefs" / slug / "index.html").read_text(encoding="utf-8")
        aside = html[html.index('<aside class="related"'):]
        assert re.findall(r'<li>\s*<a href="/briefs/([^/]+)/">', aside.split("</aside>")[0]) == expected
    html = (sample / "briefs" / P10K / "index.html").read_text(encoding="utf-8")
    assert ('<a href="/briefs/pentagon-evidence-3k-north-korean-troops-in-russia/">Pentagon: Evidence Shows 3K North '
            'Korea Troops in Russia</a>\n      <span class="meta"><time datetime="2024-10-23T00:00:00+09:00">'
            '23 October 2024</time> · <span class="why">linked by the author; same story</span></span>') in html


def test_linked_from_lists_the_briefs_whose_related_names_this_one(sample: Path) -> None:
    html = (sample / "briefs" / P3K / "index.html").read_text(encoding="utf-8")
    linked = html[html.index('<h2 id="linked-from">Linked from</h2>'):].split("</aside>")[0]
    assert re.findall(r'<a href="/briefs/([^/]+)/">', linked) == [P10K, US]  # newest first
    assert 'id="linked-from"' not in (sample / "briefs" / P10K / "index.html").read_text(encoding="utf-8")


def test_sample_story_page_is_a_timeline_of_what_changed(sample: Path) -> None:
    html = (sample / "stories" / "north-korean-troops-in-russia" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2 dir="auto"><a href="/briefs/([^/]+)/">', html) == [SEOUL, P3K, US, NATO, P10K]
    assert re.findall(r'changes-head">([^<]*)', html) == [
        "First report: 6 facts", "What changed: 6 new facts", "What changed: 11 new facts, 3 already reported",
        "What changed: 7 new facts, 2 already reported", "What changed: 11 new facts, 1 already reported"]
    nato = html[html.index(f'<a href="/briefs/{NATO}/">'):].split("\n  </li>")[0]
    assert "<li>A NATO spokesperson corroborated the U.S. findings" in nato
    assert "On Oct. 23, NATO and the United States confirmed" not in nato  # reported the day before


def test_sample_united_states_topic_lists_every_brief_about_us_findings(sample: Path) -> None:
    html = (sample / "topics" / "united-states" / "index.html").read_text(encoding="utf-8")
    assert '<p class="lede">4 briefs, newest first.</p>' in html
    assert re.findall(r'<h2 dir="auto"><a href="/briefs/([^/]+)/">', html) == [P10K, NATO, US, P3K]
    # the summary says what the source says: some troops are already in Kursk, not on their way
    assert ("<p dir=\"auto\">The Pentagon now estimates that about 10,000 North Korean soldiers are training in eastern Russia; "
            "some have already been deployed to the Kursk region.</p>") in html


def test_related_command_breaks_each_score_down_by_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run("related", P10K)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:5] == [
        f"related briefs for {P10K} (content/{P10K}.md)",
        "count 5, threshold 0.15, include_newer true; weights: story 3, topics 2, outlets 1, terms 3, date 1",
        "story: north-korean-troops-in-russia",
        "",
        "  #  score    story   topics  outlets    terms     date  status           slug"]
    rows = [line.split() for line in lines[5::3]]
    assert [(r[0], r[7], r[8]) for r in rows] == [("1", "author", P3K), ("2", "story", US),
                                                  ("3", "story", NATO), ("4", "story", SEOUL)]
    for r in rows:
        assert abs(float(r[1]) - sum(float(x) for x in r[2:7])) < 0.003
        assert r[2] == "0.300"
    assert lines[6] == "       linked by the author; same story · 6 days apart"
    assert lines[7].startswith("       shares topics: United States, North Korea, Russia, Ukraine war; outlets: U.S. "
                               "Department of Defense; terms: ")


def test_related_command_json_is_for_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run("related", SEOUL, "--json")
    data = json.loads(result.out)
    assert data["slug"] == SEOUL and data["path"] == f"content/{SEOUL}.md"
    assert [c["slug"] for c in data["candidates"]] == SAMPLE_RELATED[SEOUL]
    first = data["candidates"][0]
    assert set(first) == {"rank", "slug", "title", "date", "score", "signals", "shown", "status", "reason",
                          "days_apart", "shared"}
    assert set(first["signals"]) == {"story", "topics", "outlets", "terms", "date"}
    assert (first["status"], first["reason"], first["shown"]) == ("story", "same story", True)


def test_related_command_names_an_unknown_slug_and_suggests_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run("related", "pentagon-10k")
    assert (result.code, result.out) == (2, "")
    assert result.err == f'error: no published brief has the slug "pentagon-10k"; did you mean "{P10K}"?\n'


BRIEF = """---
title: "{title}"
date: 2024-03-{day:02d}
topics: [{topic}]
{extra}sources:
  - name: {outlet}
    url: https://example.org/{slug}
narratives:
  - perspective: One
    outlet: {outlet}
    text: One view.[1]
  - perspective: Two
    outlet: Other Desk
    text: Another view.[1]
---

- {fact}[1]
"""
OTHER_TOPICS = ["Opera", "Chess", "Glaciers", "Marathons", "Comets", "Vineyards", "Ferries", "Libraries",
                "Lighthouses", "Regattas"]


def _site(root: Path, extra_a: str = "", extra_b: str = "") -> None:
    fire = "Wildfire near Marseille forces evacuations as Sofia Moreau sends canadair planes"
    write_brief(root, "fire-one.md", BRIEF.format(title="Fire near Marseille", day=3, topic="Wildfires",
                                                 extra=extra_a, outlet="Le Monde", slug="a", fact=fire))
    write_brief(root, "fire-two.md", BRIEF.format(title="Marseille fire: evacuations grow", day=5, topic="Wildfires",
                                                 extra=extra_b, outlet="Le Monde", slug="b",
                                                 fact=fire + " and closes schools"))
    for k, topic in enumerate(OTHER_TOPICS):
        write_brief(root, f"other-{k}.md", BRIEF.format(
            title=f"{topic} weekly", day=10 + k, topic=topic, extra="", outlet=f"Desk {k}", slug=f"o{k}",
            fact=f"The {topic.lower()} season opened with record attendance number{k}"))


def test_check_warns_when_briefs_without_a_story_look_like_one(site_dir: Path) -> None:
    _site(site_dir)
    result = run("check")
    assert (result.code, result.out) == (0, "checked 12 briefs: 0 errors, 1 warning\n")
    assert result.lines == [
        ("content/fire-two.md:2: warning: story: looks like the same story as content/fire-one.md "
        "(similarity 0.98, 2 days apart) (if it is, give both the same story key, e.g. story: fire-one)")]


def test_the_hint_names_the_story_one_of_them_already_has(site_dir: Path) -> None:
    _site(site_dir, extra_a="story: marseille-fires\n")
    assert run("check").lines[0].endswith(
        "(if it is, add story: marseille-fires (the story of content/fire-one.md))")


def test_a_cached_build_warns_of_lookalikes_as_a_build_from_scratch(site_dir: Path) -> None:
    # the build cache keeps each warning's text while the brief's lookalikes are the last build's list and both
    # files are as they were: an edit of either file (its lookalikes kept), or of what links them, says it anew
    from briefkit import pipeline
    from briefkit.cache import BuildCache
    from briefkit.project import open_project

    _site(site_dir)
    cache = BuildCache()
    two, one = site_dir / "content" / "fire-two.md", site_dir / "content" / "fire-one.md"
    other = site_dir / "content" / "other-1.md"
    edits = [lambda: None, lambda: None,  # the first build; then nothing changed: every text kept
             lambda: other.write_text(other.read_text().replace("record", "a record")),  # kept: another's fact
             lambda: two.write_text(two.read_text().replace("---\n", "---\n# moved down a line\n", 1)),
             lambda: one.write_text(one.read_text().replace("Le Monde", "Le Figaro", 1)),  # a hint to say again
             lambda: one.write_text(one.read_text().replace("2024-03-03", "2024-03-04")),
             lambda: (site_dir / "content" / "other-0.md").unlink()]
    for edit in edits:
        edit()
        project, _ = open_project("content")
        cached = pipeline.build(project, write=False, cache=cache).diagnostics
        assert [d.format() for d in cached] == [d.format() for d in pipeline.build(project, write=False).diagnostics]
        assert sum("looks like the same story" in d.message for d in cached) == 1


def test_no_lookalike_warning_once_they_share_a_story(site_dir: Path) -> None:
    _site(site_dir, extra_a="story: marseille-fires\n", extra_b="story: marseille-fires\n")
    result = run("check")
    assert (result.code, result.out, result.err) == (0, "checked 12 briefs: 0 errors, 0 warnings\n", "")


def test_related_to_a_draft_is_a_warning_and_the_link_is_left_out(site_dir: Path) -> None:
    _site(site_dir, extra_a="related: [fire-two]\n", extra_b="draft: true\n")
    result = run("build")
    assert "content/fire-one.md:5: warning: related[1]: \"fire-two\" is a draft; the link is left out until it " \
           "is published" in result.lines
    assert "fire-two" not in (site_dir / "site" / "briefs" / "fire-one" / "index.html").read_text(encoding="utf-8")


def test_with_drafts_a_draft_is_marked_wherever_another_brief_lists_it(site_dir: Path) -> None:
    # a preview with --drafts showed drafts in story timelines and related lists as if published
    _site(site_dir, extra_a="story: marseille-fires\n", extra_b="story: marseille-fires\ndraft: true\n")
    write_brief(site_dir, "fire-three.md", BRIEF.format(
        title="Marseille fire contained", day=7, topic="Wildfires", extra="story: marseille-fires\nrelated: [fire-two]\n",
        outlet="Le Monde", slug="c", fact="Firefighters contained the wildfire near Marseille"))
    assert run("build", "--drafts").code == 0
    story = (site_dir / "site" / "stories" / "marseille-fires" / "index.html").read_text(encoding="utf-8")
    dates = re.findall(r'<p class="meta"><time[^>]*>([^<]*)</time>([^<]*(?:<strong class="draft">Draft</strong>)?)',
                       story)
    assert [(day, "Draft" in mark) for day, mark in dates] == [
        ("3 March 2024", False), ("5 March 2024", True), ("7 March 2024", False)]
    three = (site_dir / "site" / "briefs" / "fire-three" / "index.html").read_text(encoding="utf-8")
    assert "<span>Earlier in this story</span> Marseille fire: evacuations grow (draft)</a>" in three
    related = three[three.index('id="related-briefs"'):]
    assert ('Marseille fire: evacuations grow</a>\n      <span class="meta"><time datetime="2024-03-05T00:00:00+00:00">'
            "5 March 2024</time> · <strong class=\"draft\">Draft</strong> · ") in related


def test_related_settings_are_checked_with_did_you_mean(site_dir: Path) -> None:
    (site_dir / "site.yaml").write_text("related:\n  count: 3\n  treshold: 0.2\n  weights:\n    topic: 2\n",
                                        encoding="utf-8")
    _site(site_dir)
    result = run("check")
    assert result.code == 1
    assert [line for line in result.lines if line.startswith("site.yaml")] == [
        'site.yaml:3: related.treshold: unknown key (did you mean "threshold"?)',
        'site.yaml:5: related.weights.topic: unknown key (did you mean "topics"?)']


def _story_brief(root: Path, slug: str, day: int, story: str, fact: str = "The ferry season opened.") -> None:
    write_brief(root, f"{slug}.md", BRIEF.format(title=slug.title(), day=day, topic="Ferries", outlet="Le Monde",
                                                 extra=f"story: {story}\n", slug=slug, fact=fact))


def test_stories_index_gives_one_date_for_a_story_of_one_day(site_dir: Path) -> None:
    _story_brief(site_dir, "solo", 3, "solo-story")
    _story_brief(site_dir, "same-a", 5, "same-day")
    _story_brief(site_dir, "same-b", 5, "same-day")
    _story_brief(site_dir, "span-a", 3, "spanning")
    _story_brief(site_dir, "span-b", 7, "spanning")
    assert run("build", "--quiet", "--no-search").code == 0
    html = (site_dir / "site" / "stories" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<p class="meta">([^<]*)</p>', html) == [
        "2 briefs, 5 March 2024", "1 brief, 3 March 2024", "2 briefs, 3 March 2024 to 7 March 2024"]


def test_a_story_brief_without_facts_gets_no_what_changed_line(site_dir: Path) -> None:
    _story_brief(site_dir, "first", 3, "ferries")
    write_brief(site_dir, "later.md", BRIEF.format(title="Later", day=5, topic="Ferries", outlet="Le Monde",
                                                   extra="story: ferries\n", slug="later", fact="x")
                .replace("- x[1]\n", "Only a paragraph, citing [1].\n"))
    result = run("build", "--no-search")
    assert "content/later.md:17: warning: body: no facts: list them as Markdown bullets" in result.lines
    html = (site_dir / "site" / "stories" / "ferries" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'changes-head">([^<]*)', html) == ["First report: 1 fact"]  # not "Nothing new: 0 facts ..."


def test_a_reason_names_a_topic_as_its_page_does(site_dir: Path) -> None:
    for slug, day, topic, fact in [("u1", 1, "Ukraine war", "Drones hit grain silos in Odesa."),
                                   ("u2", 2, "Ukraine war", "Grain exports from Odesa fell by a third."),
                                   ("u3", 3, "Ukraine War", "The Odesa port reopened after the drone attack.")]:
        write_brief(site_dir, f"{slug}.md", BRIEF.format(title=f"Odesa {slug}", day=day, topic=topic, extra="",
                                                         outlet=f"Desk {slug}", slug=slug, fact=fact))
    assert run("build", "--quiet", "--no-search").code == 0
    page = (site_dir / "site" / "topics" / "ukraine-war" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Ukraine war</h1>" in page  # the spelling most briefs use
    html = (site_dir / "site" / "briefs" / "u2" / "index.html").read_text(encoding="utf-8")
    assert "shares topics: Ukraine war" in re.findall(r'<span class="why">([^<]*)</span>', html)
    assert "Ukraine War" not in html  # as u3 spells it


def test_story_keys_that_differ_only_in_dash_and_underscore_are_a_warning(site_dir: Path) -> None:
    _story_brief(site_dir, "arrive", 3, "kim-visit")
    _story_brief(site_dir, "talks", 4, "kim-visit")
    _story_brief(site_dir, "leave", 5, "kim_visit")
    result = run("check")
    assert result.lines == [
        ('content/leave.md:5: warning: story: "kim_visit" is a story apart from "kim-visit" (content/arrive.md), '
         'though both are titled "Kim visit" (if it is the same story, write story: kim-visit)')]


def test_briefs_of_one_date_in_a_story_do_not_repeat_one_another(site_dir: Path) -> None:
    fact = "Kirby said 3,000 soldiers train at three bases near Vladivostok."
    _story_brief(site_dir, "arrive", 3, "troops", "Ships carried 1,500 soldiers from Wonsan to Vladivostok.")
    _story_brief(site_dir, "pentagon", 5, "troops", fact)
    _story_brief(site_dir, "agency", 5, "troops", fact.replace("Kirby said", "According to Kirby,"))
    _story_brief(site_dir, "later", 7, "troops", fact.replace("Kirby said", "As Kirby said,"))
    _story_brief(site_dir, "other", 3, "other-story", "Ferries run late.")
    _story_brief(site_dir, "other-too", 3, "other-story", "Ferries run late, as ever.")
    assert run("build", "--quiet", "--no-search").code == 0
    html = (site_dir / "site" / "stories" / "troops" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2 dir="auto"><a href="/briefs/([^/]+)/">', html) == ["arrive", "agency", "pentagon", "later"]
    # agency comes first by slug only: published at the same time, neither reported the fact before the other
    assert re.findall(r'changes-head">([^<]*)', html) == [
        "First report: 1 fact", "What changed: 1 new fact", "What changed: 1 new fact",
        "Nothing new: 1 fact already reported"]
    html = (site_dir / "site" / "stories" / "other-story" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'changes-head">([^<]*)', html) == ["First report: 1 fact", "First report: 1 fact"]


def test_index_json_is_kept_on_disk_only_while_it_holds_what_the_build_would_make(tmp_path: Path) -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace as NS

    from briefkit.crosslink import QUOTED_KEY
    from briefkit.relatedmemo import RelatedMemo
    from briefkit.siteindex import index_json, index_on_disk

    def site(title: str, related: str = "") -> NS:
        b = NS(slug="a", path="content/a.md", title=title, date=datetime(2024, 3, 1, tzinfo=UTC),
               updated=None, summary="", topics=(), story="")
        other = NS(slug="b", path="content/b.md", title="B", date=datetime(2024, 3, 2, tzinfo=UTC),
                   updated=None, summary="", topics=(), story="")
        return NS(briefs=[NS(rendered=NS(brief=other), url="/briefs/b/"), NS(rendered=NS(brief=b), url="/briefs/a/")],
                  config=NS(title="T", base_url="https://example.org/"), extra={QUOTED_KEY: {"a": related, "b": ""}})

    memo, path = RelatedMemo(), tmp_path / "index.json"
    path.write_bytes(index_json(site("One"), memo, {"content/a.md": "h1", "content/b.md": "h2"}))  # type: ignore[arg-type]
    assert index_on_disk(site("One"), memo, {"content/a.md": "h1", "content/b.md": "h2"}, str(path))  # type: ignore[arg-type]
    # the file edited, its line the same: kept, and the memo takes the new hash
    assert index_on_disk(site("One"), memo, {"content/a.md": "h3", "content/b.md": "h2"}, str(path))  # type: ignore[arg-type]
    assert memo.index_made is not None and memo.index_made.hashes == ["h2", "h3"]
    assert memo.index_lines["content/a.md"][0].startswith("h3")
    assert not index_on_disk(site("Two"), memo, {"content/a.md": "h4", "content/b.md": "h2"}, str(path))  # type: ignore[arg-type]
    assert not index_on_disk(site("One", '"b"'), memo, {"content/a.md": "h3", "content/b.md": "h2"}, str(path))  # type: ignore[arg-type]
    assert not index_on_disk(site("One"), memo, {"content/b.md": "h2"}, str(path))  # type: ignore[arg-type]
    path.write_bytes(path.read_bytes().replace(b"One", b"Ono"))  # the file changed by hand: made again
    assert not index_on_disk(site("One"), memo, {"content/a.md": "h3", "content/b.md": "h2"}, str(path))  # type: ignore[arg-type]
    path.unlink()
    assert not index_on_disk(site("One"), memo, {"content/a.md": "h3", "content/b.md": "h2"}, str(path))  # type: ignore[arg-type]
