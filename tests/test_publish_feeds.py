"""Atom feeds for the site, each topic and each story, and the JSON Feed: valid, linked, deterministic."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import feedparser
import pytest

from briefkit.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://user.github.io/repo/"


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Path:
    root = tmp_path / "publish_site"
    if not root.exists():
        shutil.copytree(FIXTURES / "publish_site", root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")  # 3 November 2024, after the newest brief
    err = io.StringIO()
    assert main(["build", "-q", *args], io.StringIO(), err) == 0, err.getvalue()
    return root / "site"


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    return build(tmp_path, monkeypatch, "--base-url", BASE)


def parse(file: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(file.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_every_atom_feed_is_valid_and_every_entry_is_complete(site):
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("feed.xml"))
    assert files == ["feed.xml", "stories/the-saga/feed.xml", "topics/alpha-topic/feed.xml",
                     "topics/gamma/feed.xml", "topics/shared/feed.xml"]
    for name in files:
        parsed = parse(site / name)
        assert parsed.feed.id == BASE + name
        assert parsed.feed.updated and parsed.feed.title
        assert parsed.entries
        for e in parsed.entries:
            assert e.id and e.title and e.link and e.updated and e.summary, (name, e)


def test_the_site_feed_lists_every_brief_newest_first(site):
    parsed = parse(site / "feed.xml")
    assert [e.link for e in parsed.entries] == [BASE + "briefs/gamma/", BASE + "briefs/beta/", BASE + "briefs/alpha/"]
    assert parsed.feed.title == "Fixture Watch"
    assert parsed.feed.author == "Fixture Desk"
    self_link = [lk.href for lk in parsed.feed.links if lk.rel == "self"]
    assert self_link == [BASE + "feed.xml"]


def test_topic_and_story_feeds_hold_only_their_briefs(site):
    assert [e.title for e in parse(site / "topics/shared/feed.xml").entries] == [
        "Beta: talks stall <again> & again", "Alpha talks open"]
    assert [e.title for e in parse(site / "topics/gamma/feed.xml").entries] == ["Gamma report published"]
    story = parse(site / "stories/the-saga/feed.xml")
    assert story.feed.title == "Fixture Watch: The saga"
    assert [lk.href for lk in story.feed.links if lk.rel == "alternate"] == [BASE + "stories/the-saga/"]


def test_dates_come_from_the_briefs_not_the_clock(site):
    parsed = parse(site / "feed.xml")
    beta = next(e for e in parsed.entries if e.link.endswith("/beta/"))
    assert beta.published == "2024-10-05T00:00:00+00:00"
    assert beta.updated == "2024-10-06T08:00:00+00:00"  # updated: wins over date (10:00+02:00, in the site zone)
    assert parsed.feed.updated == "2024-11-02T00:00:00+00:00"  # the newest brief
    assert "<updated>2024-11-02T00:00:00+00:00</updated>" in (site / "feed.xml").read_text()


def test_entry_content_keeps_citations_resolvable_and_escapes_text(site):
    parsed = parse(site / "feed.xml")
    alpha = next(e for e in parsed.entries if e.link.endswith("/alpha/"))
    html = alpha.content[0].value
    # xml:base on the content makes #source-n land on the brief's page, as feedparser resolves it
    assert f'href="{BASE}briefs/alpha/#source-1"' in html
    assert f'<img alt="A grey rectangle" src="{BASE}images/lead.svg" />' in html  # as feedparser sanitizes it
    assert [t.label for t in alpha.tags] == ["Alpha Topic", "Shared"]
    raw = (site / "feed.xml").read_text()
    assert "<title>Beta: talks stall &lt;again&gt; &amp; again</title>" in raw
    assert "beta?page=1&amp;amp;lang=en" in raw  # an & in a source URL, escaped in HTML, escaped again in XML


def test_the_json_feed_follows_version_1_1(site):
    doc = json.loads((site / "feed.json").read_text())
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "Fixture Watch"
    assert doc["home_page_url"] == BASE
    assert doc["feed_url"] == BASE + "feed.json"
    assert doc["authors"] == [{"name": "Fixture Desk"}]
    assert [i["url"] for i in doc["items"]] == [BASE + "briefs/gamma/", BASE + "briefs/beta/", BASE + "briefs/alpha/"]
    for item in doc["items"]:
        assert item["id"].startswith("urn:uuid:") and item["title"] and item["summary"]
        assert item["content_html"] and item["date_published"]
        assert 'href="#' not in item["content_html"]  # no base to resolve against in JSON Feed
    alpha = doc["items"][2]
    assert alpha["image"] == BASE + "images/lead.svg"
    assert alpha["tags"] == ["Alpha Topic", "Shared"]
    assert f'href="{BASE}briefs/alpha/#source-2"' in alpha["content_html"]


def test_every_link_and_image_in_feed_content_is_absolute(tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    with (root / "content/alpha.md").open("a") as fh:
        fh.write("- A picture: ![pic](../../images/lead.svg), and [the topic](/repo/topics/shared/).[1]\n")
    site = build(tmp_path, monkeypatch, "--base-url", BASE)
    alpha = json.loads((site / "feed.json").read_text())["items"][2]["content_html"]
    assert f'<a href="{BASE}briefs/beta/">the follow-up</a>' in alpha
    assert f'<img src="{BASE}images/lead.svg" alt="pic" />' in alpha
    assert f'<a href="{BASE}topics/shared/">the topic</a>' in alpha
    assert f'<a href="{BASE}briefs/alpha/#sources">the sources</a>' in alpha
    entry = (site / "feed.xml").read_text().split("<entry>")[3]  # read by a reader that ignores xml:base
    assert f'&lt;a href="{BASE}briefs/beta/"&gt;' in entry and f'&lt;img src="{BASE}images/lead.svg"' in entry
    assert '"../' not in entry and 'href="#' not in entry


def test_links_in_raw_html_are_absolute_in_feed_content_too(tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    with (root / "site.yaml").open("a") as fh:
        fh.write("allow_html: true\n")
    with (root / "content/alpha.md").open("a") as fh:
        fh.write('- Raw: <a class="more" href="../beta/">beta</a>, <a href=\'../gamma/\'>gamma</a>,'
                 ' <img alt="c" src="../../images/card.svg" srcset="../../images/card.svg 1x, ../../images/lead.svg 2x">.'
                 '[1]\n')
    site = build(tmp_path, monkeypatch, "--base-url", BASE)
    alpha = json.loads((site / "feed.json").read_text())["items"][2]["content_html"]
    assert f'<a class="more" href="{BASE}briefs/beta/">beta</a>' in alpha
    assert f"<a href='{BASE}briefs/gamma/'>gamma</a>" in alpha
    assert (f'<img alt="c" src="{BASE}images/card.svg" '
            f'srcset="{BASE}images/card.svg 1x, {BASE}images/lead.svg 2x">') in alpha
    assert "../" not in alpha
    page = (site / "briefs/alpha/index.html").read_text()  # the page itself keeps its relative links
    assert '<a class="more" href="../beta/">beta</a>' in page


def test_pages_link_their_feeds_in_the_head(site):
    home = (site / "index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml" title="Fixture Watch" href="/repo/feed.xml">' in home
    assert ('<link rel="alternate" type="application/feed+json" title="Fixture Watch (JSON Feed)" '
            'href="/repo/feed.json">') in home
    topic = (site / "topics/shared/index.html").read_text()
    assert ('<link rel="alternate" type="application/atom+xml" title="Fixture Watch: Shared" '
            'href="/repo/topics/shared/feed.xml">') in topic
    story_link = ('<link rel="alternate" type="application/atom+xml" title="Fixture Watch: The saga" '
                  'href="/repo/stories/the-saga/feed.xml">')
    assert story_link in (site / "stories/the-saga/index.html").read_text()
    assert story_link in (site / "briefs/alpha/index.html").read_text()  # a brief in a story offers its feed
    assert "stories/" not in (site / "briefs/gamma/index.html").read_text().split("</head>")[0]


def test_feed_size_cuts_feeds_to_the_newest(tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    (root / "site.yaml").write_text((root / "site.yaml").read_text() + "feed_size: 1\n")
    site = build(tmp_path, monkeypatch, "--base-url", BASE)
    assert [e.title for e in parse(site / "feed.xml").entries] == ["Gamma report published"]
    assert len(json.loads((site / "feed.json").read_text())["items"]) == 1


def test_feeds_are_byte_identical_across_builds(tmp_path, monkeypatch):
    first = build(tmp_path / "a", monkeypatch, "--base-url", BASE)
    second = build(tmp_path / "b", monkeypatch, "--base-url", BASE)
    for name in ("feed.xml", "feed.json", "topics/shared/feed.xml", "sitemap.xml", "robots.txt"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_without_a_host_in_base_url_no_feeds_are_written_or_linked(tmp_path, monkeypatch):
    site = build(tmp_path, monkeypatch)  # site.yaml says base_url: /
    assert not (site / "feed.xml").exists() and not (site / "feed.json").exists()
    assert not list(site.rglob("feed.xml"))
    assert 'rel="alternate"' not in (site / "index.html").read_text()


def test_an_empty_sites_feed_is_dated_at_the_build_time_in_the_site_timezone(tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    for brief in (root / "content").glob("*.md"):
        brief.unlink()
    (root / "site.yaml").write_text((root / "site.yaml").read_text().replace("timezone: UTC", "timezone: America/New_York"))
    site = build(tmp_path, monkeypatch, "--base-url", BASE)
    assert "<updated>2024-11-02T22:13:20-04:00</updated>" in (site / "feed.xml").read_text()  # SOURCE_DATE_EPOCH


def test_an_updated_before_the_date_is_a_warning_and_no_modified_time_comes_before_the_published_one(
        tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    beta = root / "content/beta.md"
    beta.write_text(beta.read_text().replace("updated: 2024-10-06T10:00:00+02:00", "updated: 2024-10-01"))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")  # 3 November 2024, after the newest brief
    err = io.StringIO()
    assert main(["build", "--base-url", BASE], io.StringIO(), err) == 0
    assert "content/beta.md:4: warning: updated: is earlier than date; feeds and page metadata give date as the last change" in err.getvalue().splitlines()
    site = root / "site"
    entry = next(e for e in parse(site / "feed.xml").entries if e.link.endswith("/beta/"))
    assert entry.published == entry.updated == "2024-10-05T00:00:00+00:00"
    item = next(i for i in json.loads((site / "feed.json").read_text())["items"] if i["url"].endswith("/beta/"))
    assert item["date_modified"] == item["date_published"] == "2024-10-05T00:00:00+00:00"
    head = (site / "briefs/beta/index.html").read_text().split("</head>")[0]
    assert '"dateModified": "2024-10-05T00:00:00+00:00"' in head
    assert '<meta property="article:modified_time" content="2024-10-05T00:00:00+00:00">' in head
    assert "<lastmod>2024-10-05T00:00:00+00:00</lastmod>" in (site / "sitemap.xml").read_text()
    page = (site / "briefs/beta/index.html").read_text()
    assert "Updated" not in page  # date is taken: the page shows no update before its publication


@pytest.mark.parametrize("written", ["2024-10-05", '"2024-10-05"'], ids=["plain", "quoted"])
def test_an_updated_day_that_is_the_brief_s_own_day_asks_for_the_time(tmp_path, monkeypatch, written):
    """`updated: 2024-10-05` on a brief dated that day at a later hour: that day, but when? Not "earlier than
    date", and no update shown before its time is given; in quotes too."""
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    beta = root / "content/beta.md"
    beta.write_text(beta.read_text().replace("date: 2024-10-05", "date: 2024-10-05T10:00:00+00:00")
                    .replace("updated: 2024-10-06T10:00:00+02:00", f"updated: {written}"))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")
    err = io.StringIO()
    assert main(["build", "--base-url", BASE], io.StringIO(), err) == 0
    assert [line for line in err.getvalue().splitlines() if "updated" in line] == [
        ("content/beta.md:4: warning: updated: is the brief's own day without a time, so no update is shown "
         "(give the time of the update, e.g. 2024-10-05T18:00)")]
    assert "Updated" not in (root / "site/briefs/beta/index.html").read_text()


def test_a_correction_is_in_the_feed_entry_and_dates_its_last_change_in_the_site_timezone(tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    site_yaml = root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("timezone: UTC", "timezone: America/New_York"))
    beta = root / "content/beta.md"
    beta.write_text(beta.read_text().replace("topics: [Shared]", "topics: [Shared]\n"
                                             "corrections:\n  - date: 2024-10-08\n    text: Fixed *a* figure.[1]"))
    site = build(tmp_path, monkeypatch, "--base-url", BASE)
    corrected = "2024-10-08T00:00:00-04:00"  # the correction's day, from midnight in New York
    entry = next(e for e in parse(site / "feed.xml").entries if e.link.endswith("/beta/"))
    assert entry.updated == corrected
    assert ('<h2>Corrections</h2>\n<ul>\n<li><time datetime="2024-10-08">8 October 2024</time>: Fixed <em>a</em> '
            f'figure.<sup class="cite">[<a href="{BASE}briefs/beta/#source-1"') in entry.content[0].value
    item = next(i for i in json.loads((site / "feed.json").read_text())["items"] if i["url"].endswith("/beta/"))
    assert item["date_modified"] == corrected and "Fixed <em>a</em> figure." in item["content_html"]
    head = (site / "briefs/beta/index.html").read_text().split("</head>")[0]
    assert f'"dateModified": "{corrected}"' in head
    assert f"<loc>{BASE}briefs/beta/</loc>\n    <lastmod>{corrected}</lastmod>" in (site / "sitemap.xml").read_text()


def test_a_brief_dated_after_the_build_is_published_with_a_warning_and_no_feed_or_sitemap_date_passes_the_build(
        tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    gamma = root / "content/gamma.md"
    gamma.write_text(gamma.read_text().replace("date: 2024-11-02", "date: 2030-01-01"))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")  # 2024-11-03T02:13:20Z
    err = io.StringIO()
    assert main(["build", "--base-url", BASE], io.StringIO(), err) == 0
    assert ("content/gamma.md:3: warning: date: is after this build's date (2024-11-03); the brief is published now, "
            "dated then (to hold it back until then, set draft: true)") in err.getvalue().splitlines()
    site = root / "site"
    assert (site / "briefs/gamma/index.html").exists()  # published all the same
    parsed = parse(site / "feed.xml")
    build_time = "2024-11-03T02:13:20+00:00"
    assert parsed.feed.updated == build_time
    gamma_entry = next(e for e in parsed.entries if e.link.endswith("/gamma/"))
    assert gamma_entry.published == gamma_entry.updated == build_time
    item = json.loads((site / "feed.json").read_text())["items"][0]
    assert item["date_published"] == item["date_modified"] == build_time
    sitemap = (site / "sitemap.xml").read_text()
    assert "<lastmod>2030" not in sitemap and f"<lastmod>{build_time}</lastmod>" in sitemap


def test_entry_ids_stay_when_the_site_moves_to_another_address(tmp_path, monkeypatch):
    here = build(tmp_path / "a", monkeypatch, "--base-url", BASE)
    moved = build(tmp_path / "b", monkeypatch, "--base-url", "https://news.example.org/")
    ids = [e.id for e in parse(here / "feed.xml").entries]
    assert ids == [e.id for e in parse(moved / "feed.xml").entries]
    assert ids == [i["id"] for i in json.loads((moved / "feed.json").read_text())["items"]]
    assert parse(moved / "feed.xml").entries[0].link == "https://news.example.org/briefs/gamma/"
    assert len(set(ids)) == 3 and all(i.startswith("urn:uuid:") for i in ids)
    assert [e.id for e in parse(here / "topics/gamma/feed.xml").entries] == [ids[0]]  # one id in every feed


def test_a_drafts_preview_keeps_drafts_out_of_feeds_and_sitemap_and_off_search_engines(tmp_path, monkeypatch):
    # a staging site built with --drafts pushed drafts to subscribers (entries they keep) and to crawlers
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    draft = (root / "content" / "gamma.md").read_text(encoding="utf-8").replace("---\ntitle: Gamma",
                                                                                 "---\ndraft: true\ntitle: Gamma", 1)
    (root / "content" / "delta.md").write_text(draft.replace("Gamma report", "Delta report"), encoding="utf-8")
    site = build(tmp_path, monkeypatch, "--base-url", BASE, "--drafts")
    assert (site / "briefs" / "delta" / "index.html").exists()  # previewed
    assert [e.link for e in parse(site / "feed.xml").entries] == [
        BASE + "briefs/gamma/", BASE + "briefs/beta/", BASE + "briefs/alpha/"]
    assert "briefs/delta/" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in (site / "briefs" / "delta" / "index.html").read_text("utf-8")
    assert "noindex" not in (site / "briefs" / "gamma" / "index.html").read_text("utf-8")
