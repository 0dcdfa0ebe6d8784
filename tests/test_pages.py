"""The HTML a reader gets: brief pages, listings, escaping, determinism."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, copy_fixture_briefs, read_tree, run, write_brief


def page(root: Path, rel: str) -> str:
    return (root / "site" / rel).read_text(encoding="utf-8")


@pytest.fixture
def built(site_dir: Path) -> Path:
    copy_fixture_briefs(site_dir, "minimal.md", "citation-forms.md")
    result = run("build")
    assert result.code == 0, result.err
    return site_dir


def test_every_citation_form_links_to_its_source(built: Path) -> None:
    html = page(built, "briefs/citation-forms/index.html")
    facts = html.split('<h2 id="facts" data-pagefind-ignore>Facts</h2>')[1].split("</section>")[0]
    cited = re.findall(r'href="#source-(\d)" id="(cite-\d-\d)"', facts)
    assert [n for n, _ in cited] == ["1", "1", "2", "1", "3", "2", "3", "4"]
    assert '<sup class="cite">[<a href="#source-1" id="cite-1-3" aria-label="Source 1">1</a>, ' \
           '<a href="#source-3" id="cite-3-1" aria-label="Source 3">3</a>]</sup>' in facts


def test_sources_link_back_to_every_place_that_cites_them(built: Path) -> None:
    html = page(built, "briefs/citation-forms/index.html")
    source2 = html.split('id="source-2"')[1].split("</li>")[0]
    assert '<a href="https://two.example/" rel="nofollow noopener">Source Two</a>' in source2
    backs = re.findall(r'<a href="#(cite-2-\d)">([^<]+)<span class="visually-hidden"> \(back to the citation\)', source2)
    # each names its place (the second and fourth facts), not the count of the source's citations
    assert backs == [("cite-2-1", "Fact 2"), ("cite-2-2", "Fact 4"), ("cite-2-3", "Narrative A narrative")]
    for anchor, _ in backs:
        assert f'id="{anchor}"' in html
    source3 = html.split('id="source-3"')[1].split("</li>")[0]
    assert re.findall(r'<a href="#cite-3-\d">([^<]+)<span', source3) == ["Fact 3", "Fact 4", "Prediction 1"]
    source4 = html.split('id="source-4"')[1].split("</li>")[0]
    assert re.findall(r'<a href="#cite-4-\d">([^<]+)<span', source4) == ["Fact 4"]


def test_narratives_predictions_topics_story(built: Path) -> None:
    html = page(built, "briefs/citation-forms/index.html")
    assert '<h3 dir="auto">Narrative A<span data-pagefind-ignore> narrative</span></h3>' in html
    assert 'So may <em>this</em> one.' in html
    assert "<strong>70%</strong>" in html and 'style="width: 70%"' in html
    assert '<time datetime="2025-01-31">31 January 2025</time>' in html
    assert "Forecast by Briefs desk" in html and '<span class="outcome open">Open</span>' in html
    assert '<a class="tag" href="/topics/ukraine-war/">Ukraine war</a>' in html
    assert 'Story: <a href="/stories/citation-story/">' in html
    assert '<time datetime="2024-10-24T07:30:00+00:00">24 October 2024</time>' in html  # 09:30+02:00 in UTC


def test_every_page_has_title_description_and_canonical(built: Path) -> None:
    for path in sorted((built / "site").rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert re.search(r"<title>[^<]+</title>", html), path
        assert re.search(r'<meta name="description" content="[^"]+">', html), path
        if path.name == "404.html":  # served at any missing address, so it names none
            assert "canonical" not in html and '<meta name="robots" content="noindex">' in html
        else:
            assert re.search(r'<link rel="canonical" href="[^"]+">', html), path


@pytest.mark.parametrize("rel", ["index.html", "topics/ukraine-war/index.html", "archive/2024/10/index.html"])
def test_a_listed_brief_names_its_story_as_the_brief_page_does(built: Path, rel: str) -> None:
    # not a bare name that reads like a second title
    item = page(built, rel).split('<h2 dir="auto"><a href="/briefs/citation-forms/">')[1].split("</article>")[0]
    assert ' · <span class="story-tag">Story: <a href="/stories/citation-story/">Citation story</a></span>' in item


def test_site_pages_exist(built: Path) -> None:
    files = set(read_tree(built / "site"))
    for rel in ["index.html", "404.html", "topics/index.html", "topics/citations/index.html",
                "topics/ukraine-war/index.html", "stories/index.html", "stories/citation-story/index.html",
                "archive/index.html", "archive/2024/10/index.html", "static/style.css"]:
        assert rel in files, rel


def test_home_is_newest_first_and_paginated(site_dir: Path) -> None:
    (site_dir / "site.yaml").write_text("per_page: {home: 2}\n")
    for day in range(1, 6):
        (site_dir / "content" / f"d{day}.md").write_text(
            f"---\ntitle: Day {day}\ndate: 2024-10-0{day}\nsources: [{{name: R}}]\n---\n- F.[1]\n")
    assert run("build").code == 0
    first = page(site_dir, "index.html")
    assert re.findall(r"<h2 dir=\"auto\"><a href=\"[^\"]+\">(Day \d)</a>", first) == ["Day 5", "Day 4"]
    assert '<a rel="next" href="/page/2/">Older →</a>' in first
    third = page(site_dir, "page/3/index.html")
    assert re.findall(r"<h2 dir=\"auto\"><a href=\"[^\"]+\">(Day \d)</a>", third) == ["Day 1"]
    assert '<a rel="prev" href="/page/2/">← Newer</a>' in third


def test_briefs_saved_as_md_in_capitals_or_markdown_are_briefs_and_editor_backups_are_left_out(site_dir: Path) -> None:
    brief = "---\ntitle: {}\ndate: 2024-10-23\ndraft: {}\nsources: [{{name: R}}]\n---\n- Said so.[1]\n"
    content = site_dir / "content"
    (content / "Upper.MD").write_text(brief.format("Upper", "false"))
    (content / "long.markdown").write_text(brief.format("Long", "false"))
    (content / "Secret.Md").write_text(brief.format("Secret", "true"))
    (content / "long.markdown~").write_text(brief.format("Backup", "false"))
    (content / "#long.markdown#").write_text(brief.format("Autosave", "false"))
    (content / "notes.tmp").write_text("scratch")
    result = run("build")
    assert result.code == 0, result.err
    assert result.out.startswith("built 2 briefs")
    assert "<h1 dir=\"auto\">Upper</h1>" in page(site_dir, "briefs/upper/index.html")
    assert "<h1 dir=\"auto\">Long</h1>" in page(site_dir, "briefs/long/index.html")
    assert sorted(p.name for p in (site_dir / "site").iterdir() if p.is_file()) == [
        ".briefkit-site", "404.html", "index.html", "index.json", "robots.txt"]
    assert not (site_dir / "site" / "briefs" / "secret").exists()


def test_date_only_values_are_in_the_site_timezone(site_dir: Path) -> None:
    (site_dir / "site.yaml").write_text("timezone: Asia/Seoul\n")
    copy_fixture_briefs(site_dir, "minimal.md")
    assert run("build").code == 0
    assert '<time datetime="2024-10-23T00:00:00+09:00">23 October 2024</time>' in \
        page(site_dir, "briefs/minimal/index.html")


def test_a_date_with_its_own_offset_is_shown_and_filed_in_the_site_timezone(site_dir: Path) -> None:
    (site_dir / "site.yaml").write_text("timezone: America/New_York\n")
    source = "sources:\n  - name: Wire\n---\n\n- A fact.[1]\n"
    write_brief(site_dir, "edge.md", f"---\ntitle: Edge\ndate: 2024-11-01T02:00:00Z\n{source}")
    write_brief(site_dir, "same.md", f"---\ntitle: Same\ndate: 2024-11-01T03:00:00+01:00\n{source}")
    assert run("build").code == 0
    # 02:00 UTC on 1 November is 22:00 on 31 October in New York, however the instant is written
    assert '<time datetime="2024-10-31T22:00:00-04:00">31 October 2024</time>' in page(site_dir, "briefs/edge/index.html")
    assert '<time datetime="2024-10-31T22:00:00-04:00">31 October 2024</time>' in page(site_dir, "briefs/same/index.html")
    assert (site_dir / "site/archive/2024/10/index.html").exists()
    assert not (site_dir / "site/archive/2024/11").exists()


def test_script_never_reaches_the_page_unescaped(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "script-everywhere.md")
    result = run("build")
    assert result.code == 0, result.err
    for path in (site_dir / "site").rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script>" not in html, path
        assert "<b>Outlet</b>" not in html
    html = page(site_dir, "briefs/script-everywhere/index.html")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Escaping" in html
    assert "&lt;script&gt;alert('body')&lt;/script&gt;" in html
    assert "&lt;script&gt;alert('narrative')&lt;/script&gt;" in html


def test_raw_html_passes_only_when_the_site_allows_it(site_dir: Path) -> None:
    (site_dir / "site.yaml").write_text("allow_html: true\n")
    (site_dir / "content" / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- <abbr title=\"x\">NIS</abbr> said so.[1]\n")
    assert run("build").code == 0
    assert '<abbr title="x">NIS</abbr>' in page(site_dir, "briefs/a/index.html")


def test_a_topic_with_a_zero_width_space_inside_is_the_topic_it_looks_like(site_dir: Path) -> None:
    # "Ko\u200brea" had its own page, topics/ko-rea/, which read "Korea" as the other did
    brief = "---\ntitle: {}\ndate: 2024-10-23\ntopics: [{}]\nsources: [{{name: R}}]\n---\n- F.[1]\n"
    write_brief(site_dir, "a.md", brief.format("A", "Korea"))
    write_brief(site_dir, "b.md", brief.format("B", '"Ko\\u200brea"'))
    assert run("build", "--no-search").code == 0
    assert sorted(p.name for p in (site_dir / "site" / "topics").iterdir() if p.is_dir()) == ["korea"]
    listing = page(site_dir, "topics/korea/index.html")
    assert 'href="/briefs/a/"' in listing and 'href="/briefs/b/"' in listing


def test_two_builds_are_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copy(ROOT / "site.yaml", tmp_path / "site.yaml")
    monkeypatch.chdir(tmp_path)
    # Without the search index: Pagefind orders its filter data differently on each run (see README, Search).
    assert run("build", "--out", "one", "--no-search").code == 0
    assert run("build", "--out", "two", "--no-search").code == 0
    assert read_tree(tmp_path / "one") == read_tree(tmp_path / "two")


def test_sample_site_builds_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730419200")  # 1 November 2024: no brief is dated after the build
    result = run("build", "--strict", "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert result.out.startswith("built 5 briefs, ")
    story = (tmp_path / "out" / "stories" / "north-korean-troops-in-russia" / "index.html").read_text()
    assert story.count('<li>\n    <p class="meta"><time') == 5
    assert "<h1>North Korean troops in Russia</h1>" in story


def test_a_question_resolved_later_shows_resolved_on_the_earlier_brief(site_dir: Path) -> None:
    for name, day, outcome in (("first", "2024-10-01", "null"), ("second", "2024-10-20", "true")):
        (site_dir / "content" / f"{name}.md").write_text(
            f"---\ntitle: {name}\ndate: {day}\nsources: [{{name: R}}]\npredictions:\n"
            f"  - {{claim: Talks will start, probability: 0.6, by: 2024-12-31, source: Desk, outcome: {outcome}}}\n"
            "---\n- F.[1]\n")
    assert run("build").code == 0
    first = page(site_dir, "briefs/first/index.html")
    assert ('<span class="outcome yes">Resolved: it happened</span> '
            '<span class="note">(as a later brief records)</span>') in first
    second = page(site_dir, "briefs/second/index.html")
    assert '<span class="outcome yes">Resolved: it happened</span></span></p>' in second


def test_a_narrative_without_outlet_or_url_has_no_empty_byline(site_dir: Path) -> None:
    # outlet: and url: are optional; a narrative with neither had an empty <p class="by"></p>, a blank line
    write_brief(site_dir, "a.md", "---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}]\nnarratives:\n"
                "  - {perspective: P, text: p}\n  - {perspective: Q, outlet: AP, text: q}\n---\n- F.[1]\n")
    assert run("build").code == 0
    html = page(site_dir, "briefs/a/index.html")
    cards = re.findall(r'<article class="card narrative".*?</article>', html, re.DOTALL)
    assert [re.sub(r"\s+", " ", card.split(">", 1)[1].rsplit("<", 1)[0]).strip() for card in cards] == [
        '<h3 dir="auto">P<span data-pagefind-ignore> narrative</span></h3> <p dir="auto">p</p>',
        ('<h3 dir="auto">Q<span data-pagefind-ignore> narrative</span></h3> <p class="by"><span data-pagefind-ignore>'
         'As provided by</span> AP</p> <p dir="auto">q</p>')]


def test_a_marker_in_a_links_text_goes_right_after_the_link(site_dir: Path) -> None:
    (site_dir / "content" / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}, {name: S}]\n"
        "narratives:\n  - perspective: P\n    text: see [the report [2]](https://x.org/r)\n---\n"
        "- Facts [in a link [1]](https://x.org/f), [1][2], [1, 2], [1-2] and [a reference][ref].\n\n"
        "[ref]: https://x.org/ref\n")
    assert run("build").code == 0
    html = page(site_dir, "briefs/a/index.html")
    assert ('<p dir="auto">see <a href="https://x.org/r">the report</a><sup class="cite">'
            '[<a href="#source-2" id="cite-2-4" aria-label="Source 2">2</a>]</sup></p>') in html
    assert ('<li>Facts <a href="https://x.org/f">in a link</a><sup class="cite">'
            '[<a href="#source-1" id="cite-1-1" aria-label="Source 1">1</a>]</sup>, '
            '<sup class="cite">[<a href="#source-1" id="cite-1-2" aria-label="Source 1">1</a>]</sup>'
            '<sup class="cite">[<a href="#source-2" id="cite-2-1" aria-label="Source 2">2</a>]</sup>, '
            '<sup class="cite">[<a href="#source-1" id="cite-1-3" aria-label="Source 1">1</a>, '
            '<a href="#source-2" id="cite-2-2" aria-label="Source 2">2</a>]</sup>, '
            '<sup class="cite">[<a href="#source-1" id="cite-1-4" aria-label="Source 1">1</a>, '
            '<a href="#source-2" id="cite-2-3" aria-label="Source 2">2</a>]</sup> '
            'and <a href="https://x.org/ref">a reference</a>.</li>') in html


def test_a_marker_in_an_images_description_goes_right_after_the_image(site_dir: Path) -> None:
    # the description is the alt text, which holds no link: the marker vanished from the page, its source was
    # said never to be cited, and a marker naming no source ([7]) built without a word
    text = ("---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}, {name: S}]\n---\n"
            "- Troops by month ![a chart of troop numbers [2]](https://x.org/c.png), as counted.[1]\n"
            "- Linked [![a map [2]](https://x.org/m.png)](https://x.org/m).[1]\n")
    write_brief(site_dir, "a.md", text)
    result = run("build")
    assert result.code == 0 and "never cited" not in result.err
    html = page(site_dir, "briefs/a/index.html")
    assert ('<img src="https://x.org/c.png" alt="a chart of troop numbers" /><sup class="cite">'
            '[<a href="#source-2" id="cite-2-1" aria-label="Source 2">2</a>]</sup>, as counted.') in html
    assert ('<a href="https://x.org/m"><img src="https://x.org/m.png" alt="a map" /></a><sup class="cite">'
            '[<a href="#source-2" id="cite-2-2" aria-label="Source 2">2</a>]</sup>.') in html
    write_brief(site_dir, "a.md", text.replace("numbers [2]", "numbers [7]"))
    assert "content/a.md:6: body: [7] cites source 7, which does not exist (this brief has 2 sources)" in \
        run("check").lines


def test_backlinks_name_the_fact_paragraph_and_correction_that_cite(site_dir: Path) -> None:
    (site_dir / "content" / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}]\n"
        "corrections: [{date: 2024-10-24, text: 'Fixed.[1]'}]\n---\n"
        "Background.[1]\n\n- A fact.[1]\n- Another, twice.[1]\n  - A detail of it.[1]\n")
    assert run("build").code == 0
    html = page(site_dir, "briefs/a/index.html")
    source1 = html.split('id="source-1"')[1].split("</li>")[0]
    assert re.findall(r'<a href="#cite-1-\d">([^<]+)<span', source1) == [
        "Facts", "Fact 1", "Fact 2", "Fact 2", "Correction 1"]


def test_a_narrative_shown_without_its_markers_keeps_no_space_they_left(site_dir: Path) -> None:
    (site_dir / "content" / "outlets.yaml").write_text("- name: AP\n  lean: 3\n  establishment: 4\n")
    (site_dir / "content" / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}, {name: S}]\nnarratives:\n"
        "  - {perspective: P, outlet: AP, text: 'as reported [1]. Then [1][2], *cited* [2] and\n"
        "      [a link [2]](https://x.org/r) [1]: seen [2-2]'}\n"
        "---\n- F.[1][2]\n")
    assert run("build").code == 0
    assert ("<p>as reported. Then, <em>cited</em> and "
            '<a href="https://x.org/r">a link</a>: seen</p>') in page(site_dir, "outlets/ap/index.html")


@pytest.mark.parametrize("base", ["", "https://x.github.io/repo/"])
def test_links_between_briefs_in_texts_shown_on_other_pages_lead_where_they_do_on_the_brief(site_dir: Path,
                                                                                          base: str) -> None:
    # a relative link in a claim, narrative or correction broke the build: on the forecasts, outlet and
    # corrections pages, "../c1/" led to /c1/ or /outlets/c1/
    (site_dir / "content" / "outlets.yaml").write_text("- name: AP\n  lean: 3\n")
    (site_dir / "content" / "c1.md").write_text("---\ntitle: One\ndate: 2024-10-20\nsources: [{name: R}]\n---\n- F.[1]\n")
    (site_dir / "content" / "c2.md").write_text(
        "---\ntitle: Two\ndate: 2024-10-23\nsources: [{name: R}]\n"
        "narratives: [{perspective: P, outlet: AP, text: 'As [the earlier brief](../c1/) said.'}]\n"
        "predictions: [{claim: 'More, as [the facts](#facts) show', probability: 0.5, by: 2025-01-01}]\n"
        "corrections: [{date: 2024-10-24, text: 'See [the first one](../c1/).'}]\n---\n## Facts\n\n- F.[1]\n")
    result = run("build", *(["--base-url", base] if base else []))
    assert result.code == 0, result.err
    root = "/repo/" if base else "/"
    one = f'<a href="{root}briefs/c1/">'
    assert f"As {one}the earlier brief</a> said." in page(site_dir, "outlets/ap/index.html")
    assert f'More, as <a href="{root}briefs/c2/#facts">the facts</a> show' in page(site_dir, "forecasts/index.html")
    assert f"See {one}the first one</a>." in page(site_dir, "corrections/index.html")
    assert 'As <a href="../c1/">the earlier brief</a> said.' in page(site_dir, "briefs/c2/index.html")


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample site, built once without its search index."""
    out = tmp_path_factory.mktemp("sample") / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        mp.setenv("SOURCE_DATE_EPOCH", "1730000000")
        assert run("build", "--out", str(out), "--no-search").code == 0
    return out


def sample_page(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def test_every_count_says_what_it_counts(sample_site: Path) -> None:
    # a bare number after a name ("North Korea 5") is read out as a second name
    counts = {rel: re.findall(r'<span class="count">([^<]*)</span>', sample_page(sample_site, rel))
              for rel in ["topics/index.html", "archive/index.html", "outlets/associated-press/index.html",
                          "forecasts/index.html"]}
    assert all(counts.values()), counts
    for rel, found in counts.items():
        for text in found:
            assert re.fullmatch(r"\d+ (briefs?|narratives?|questions?)", text), (rel, text)
    assert "<span class=\"count\">5 briefs</span>" in sample_page(sample_site, "topics/index.html")


def test_outlets_table_explains_its_country_and_narratives_columns(sample_site: Path) -> None:
    html = sample_page(sample_site, "outlets/index.html")
    table = html.split('<table class="outlets"')[1].split("</table>")[0]
    assert 'aria-describedby="outlets-columns"' in table.split(">")[0]
    note = html.split('id="outlets-columns"')[1].split("</p>")[0]
    assert "two-letter" in note and "ISO 3166" in note and "narratives" in note.lower()
    assert '<th scope="col">Narratives provided</th>' in table


def test_forecasts_track_record_comes_before_the_question_lists(sample_site: Path) -> None:
    # on a site with hundreds of resolved questions, the track record would be tens of screens down
    html = sample_page(sample_site, "forecasts/index.html")
    order = [html.index(f'<h2 id="{section}">') for section in ("forecasters", "open", "overdue", "resolved")]
    assert order == sorted(order)
    nav = html.split('<nav class="on-page"')[1].split("</nav>")[0]
    assert re.findall(r'href="#(\w+)"', nav) == ["forecasters", "open", "overdue", "resolved"]


def test_a_brief_in_arabic_reads_right_to_left_on_an_english_site(site_dir: Path) -> None:
    # dir="auto" on what the author wrote: each block takes the direction of its first letter, so an Arabic
    # title, summary, fact list and narrative are right to left (bullets on the right, the full stop and the
    # markers after it at the sentence's end), while the theme's English headings stay left to right
    write_brief(site_dir, "cairo.md", "---\ntitle: الرئيس يلتقي الوفد\ndate: 2024-10-20\n"
                "summary: التقى الرئيس بالوفد اليوم.\nsources:\n  - name: الجزيرة\n    url: https://aljazeera.net/\n"
                "narratives:\n  - perspective: معارض\n    text: اللقاء لم يحقق شيئا.[1]\n---\n\n## Facts\n\n"
                "- التقى الرئيس بالوفد في القاهرة.[1]\n")
    assert run("build", "--no-search").code == 0
    html = page(site_dir, "briefs/cairo/index.html")
    assert '<h1 dir="auto">الرئيس يلتقي الوفد</h1>' in html
    assert '<p class="lede" dir="auto">التقى الرئيس بالوفد اليوم.</p>' in html
    assert '<h2 id="facts" data-pagefind-ignore>Facts</h2>' in html
    facts = html.split('<h2 id="facts" data-pagefind-ignore>Facts</h2>')[1].split("</section>")[0]
    assert '<div dir="auto"><ul>\n<li>التقى الرئيس' in facts
    assert '<h3 dir="auto">معارض<span data-pagefind-ignore> narrative</span></h3>' in html
    assert '<p dir="auto">اللقاء لم يحقق شيئا.<sup class="cite">' in html
    home = page(site_dir, "index.html")
    assert '<h2 dir="auto"><a href="/briefs/cairo/">الرئيس يلتقي الوفد</a></h2>' in home
    assert '<p dir="auto">التقى الرئيس بالوفد اليوم.</p>' in home
