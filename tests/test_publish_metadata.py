"""sitemap.xml against the sitemaps.org schema, robots.txt, and page metadata read back by a
structured-data parser (extruct): JSON-LD NewsArticle, Open Graph, Twitter card."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import extruct
import lxml.html
import pytest
from lxml import etree

from briefkit import sitemap
from briefkit.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://user.github.io/repo/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str,
          edit: tuple[str, str] = ("", "")) -> tuple[int, str, Path]:
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    if edit[0]:
        (root / "site.yaml").write_text((root / "site.yaml").read_text().replace(*edit))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")  # 3 November 2024, after the newest brief
    err = io.StringIO()
    code = main(["build", "-q", *args], io.StringIO(), err)
    return code, err.getvalue(), root / "site"


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    code, err, out = build(tmp_path, monkeypatch, "--base-url", BASE)
    assert code == 0, err
    return out


def test_the_sitemap_is_valid_against_the_sitemaps_org_schema(site):
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "sitemap.xsd")))
    doc = etree.parse(str(site / "sitemap.xml"))
    assert schema.validate(doc), schema.error_log
    assert doc.getroot().tag == f"{{{SITEMAP_NS}}}urlset"


def test_the_sitemap_lists_every_page_but_404_and_search_with_absolute_urls(site):
    doc = etree.parse(str(site / "sitemap.xml"))
    locs = [el.text for el in doc.iter(f"{{{SITEMAP_NS}}}loc")]
    pages = sorted(BASE + p.relative_to(site).as_posix().removesuffix("index.html")
                   for p in site.rglob("*.html") if p.relative_to(site).as_posix() not in ("404.html", "search/index.html"))
    assert BASE + "search/" not in locs
    assert sorted(locs) == pages
    assert BASE + "page/2/" in locs and BASE + "topics/shared/page/2/" in locs
    lastmod = {el.findtext(f"{{{SITEMAP_NS}}}loc"): el.findtext(f"{{{SITEMAP_NS}}}lastmod")
               for el in doc.iter(f"{{{SITEMAP_NS}}}url")}
    assert lastmod[BASE + "briefs/beta/"] == "2024-10-06T08:00:00+00:00"
    assert lastmod[BASE + "topics/gamma/"] == "2024-11-02T00:00:00+00:00"
    assert lastmod[BASE] == "2024-11-02T00:00:00+00:00"


def lastmods(site: Path) -> dict[str, str | None]:
    doc = etree.parse(str(site / "sitemap.xml"))
    return {el.findtext(f"{{{SITEMAP_NS}}}loc"): el.findtext(f"{{{SITEMAP_NS}}}lastmod")
            for el in doc.iter(f"{{{SITEMAP_NS}}}url")}


def test_outlet_and_corrections_pages_are_dated_by_what_they_show(tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    (root / "content/outlets.yaml").write_text("- name: Wire One\n- name: Gazette\n- name: Nobody Weekly\n")
    alpha = root / "content/alpha.md"
    alpha.write_text(alpha.read_text().replace("story: the-saga", "story: the-saga\n"
                                               "corrections:\n  - date: 2024-10-03\n    text: Fixed a name."))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")
    assert main(["build", "-q", "--base-url", BASE], io.StringIO(), io.StringIO()) == 0
    lastmod = lastmods(root / "site")
    assert lastmod[BASE + "outlets/wire-one/"] == "2024-10-06T08:00:00+00:00"  # beta, its newest citing brief
    assert lastmod[BASE + "outlets/gazette/"] == "2024-11-02T00:00:00+00:00"
    assert lastmod[BASE + "outlets/nobody-weekly/"] is None  # no brief cites it: nothing tells
    assert lastmod[BASE + "corrections/"] == "2024-10-03T00:00:00+00:00"  # its one correction
    assert lastmod[BASE + "forecasts/"] is None  # deadlines pass by the clock
    assert lastmod[BASE + "outlets/"] == "2024-11-02T00:00:00+00:00"  # a site-wide list: the newest brief


def test_urls_of_a_topic_in_its_own_script_are_percent_encoded_where_they_are_absolute(tmp_path, monkeypatch):
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    gamma = root / "content" / "gamma.md"
    gamma.write_text(gamma.read_text(encoding="utf-8").replace("topics: [Gamma]", "topics: [Gamma, 북한]"),
                     encoding="utf-8")
    monkeypatch.chdir(root)
    assert main(["build", "-q", "--base-url", BASE], io.StringIO(), io.StringIO()) == 0
    site, encoded = root / "site", BASE + "topics/%EB%B6%81%ED%95%9C/"
    doc = etree.parse(str(site / "sitemap.xml"))
    assert encoded in [el.text for el in doc.iter(f"{{{SITEMAP_NS}}}loc")]
    assert etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "sitemap.xsd"))).validate(doc)
    page = (site / "topics" / "북한" / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{encoded}">' in page
    assert 'href="/repo/topics/북한/"' in (site / "briefs" / "gamma" / "index.html").read_text(encoding="utf-8")


def test_past_the_sitemaps_org_limit_the_sitemap_is_an_index_of_parts(tmp_path, monkeypatch):
    """50,000 URLs at most in one sitemap file; here the limit is 5, so the pages are split five by five."""
    monkeypatch.setattr(sitemap, "MAX_URLS", 5)
    code, err, site = build(tmp_path, monkeypatch, "--base-url", BASE)
    assert code == 0, err
    index = etree.parse(str(site / "sitemap.xml")).getroot()
    assert index.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    parts = [(el.findtext(f"{{{SITEMAP_NS}}}loc"), el.findtext(f"{{{SITEMAP_NS}}}lastmod"))
             for el in index.iter(f"{{{SITEMAP_NS}}}sitemap")]
    pages = sorted(BASE + p.relative_to(site).as_posix().removesuffix("index.html")
                   for p in site.rglob("*.html") if p.relative_to(site).as_posix() not in ("404.html", "search/index.html"))
    assert [loc for loc, _ in parts] == [f"{BASE}sitemap-{k}.xml" for k in range(1, (len(pages) + 4) // 5 + 1)]
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "sitemap.xsd")))
    listed = []
    for loc, when in parts:
        doc = etree.parse(str(site / loc.removeprefix(BASE)))
        assert schema.validate(doc), schema.error_log
        locs = [el.text for el in doc.iter(f"{{{SITEMAP_NS}}}loc")]
        assert 1 <= len(locs) <= 5
        listed += locs
        assert when == max(el.text for el in doc.iter(f"{{{SITEMAP_NS}}}lastmod"))  # the part's newest change
    assert listed == sorted(listed) and sorted(listed) == pages
    assert (site / "robots.txt").read_text().endswith(f"Sitemap: {BASE}sitemap.xml\n")
    monkeypatch.setattr(sitemap, "MAX_URLS", 50_000)  # the site fits one file again: the parts go
    assert main(["build", "-q", "--no-cache", "--base-url", BASE], io.StringIO(), io.StringIO()) == 0
    assert etree.parse(str(site / "sitemap.xml")).getroot().tag == f"{{{SITEMAP_NS}}}urlset"
    assert not list(site.glob("sitemap-*.xml"))


def test_robots_txt_points_to_the_sitemap(site):
    assert (site / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"


def test_without_a_host_there_is_no_sitemap_and_robots_names_none(tmp_path, monkeypatch):
    code, err, site = build(tmp_path, monkeypatch)
    assert code == 0, err
    assert not (site / "sitemap.xml").exists()
    assert (site / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"


def extract(page: Path) -> dict:
    url = BASE + page.parent.name + "/"
    return extruct.extract(page.read_text(), base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)


def test_json_ld_news_article_reads_back_with_sources_as_citations(site):
    data = extract(site / "briefs/beta/index.html")
    (article,) = data["json-ld"]
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "Beta: talks stall <again> & again"
    assert article["datePublished"] == "2024-10-05T00:00:00+00:00"
    assert article["dateModified"] == "2024-10-06T08:00:00+00:00"
    assert article["author"] == {"@type": "Person", "name": "Fixture Desk"}
    assert article["publisher"] == {"@type": "Organization", "name": "Fixture Media", "url": BASE}
    assert article["mainEntityOfPage"]["@id"] == BASE + "briefs/beta/"
    assert article["citation"] == [{"@type": "CreativeWork", "name": "Wire One",
                                    "url": "https://wire-one.example.com/beta?page=1&lang=en"}]
    alpha = extract(site / "briefs/alpha/index.html")["json-ld"][0]
    assert [c["name"] for c in alpha["citation"]] == ["Wire One", "Wire Two"]
    assert alpha["image"] == [BASE + "images/lead.svg"]
    assert alpha["keywords"] == ["Alpha Topic", "Shared"]


def test_json_ld_cannot_be_broken_out_of_by_a_title(site):
    html = (site / "briefs/beta/index.html").read_text()
    script = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<again>" not in script and "\\u003cagain\\u003e" in script


def test_open_graph_and_twitter_card_for_a_brief_with_an_image(site):
    page = site / "briefs/alpha/index.html"
    (og,) = extract(page)["opengraph"]
    assert og["@type"] == "article"  # extruct puts og:type here
    assert og["og:title"] == "Alpha talks open"
    assert og["og:description"] == "Delegates meet for the first round of talks."
    assert og["og:url"] == BASE + "briefs/alpha/"
    assert og["og:image"] == BASE + "images/lead.svg"
    assert og["og:site_name"] == "Fixture Watch"
    doc = lxml.html.fromstring(page.read_bytes())
    meta = {m.get("name"): m.get("content") for m in doc.iter("meta") if m.get("name")}
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["description"] == "Delegates meet for the first round of talks."
    assert doc.findtext(".//title") == "Alpha talks open · Fixture Watch"
    assert doc.find(".//link[@rel='canonical']").get("href") == BASE + "briefs/alpha/"


@pytest.mark.parametrize("name,encoded", [("lead #1.svg", "lead%20%231.svg"), ("why?.svg", "why%3F.svg"),
                                          ("50%.svg", "50%25.svg")])
def test_an_image_whose_file_name_holds_url_characters_is_linked_by_that_name(tmp_path, monkeypatch, name, encoded):
    # "#" and "?" cut the file name short ("broken internal link" at the built page); "%20" led to another file
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    (root / "content/images/lead.svg").rename(root / "content/images" / name)
    brief = root / "content/alpha.md"
    brief.write_text(brief.read_text().replace("src: images/lead.svg", f'src: "images/{name}"'))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")
    err = io.StringIO()
    assert main(["build", "-q", "--base-url", BASE], io.StringIO(), err) == 0, err.getvalue()
    page = root / "site/briefs/alpha/index.html"
    doc = lxml.html.fromstring(page.read_bytes())
    assert doc.find(".//figure//img").get("src") == f"/repo/images/{encoded}"
    data = extract(page)
    assert data["opengraph"][0]["og:image"] == BASE + f"images/{encoded}"
    assert data["json-ld"][0]["image"] == [BASE + f"images/{encoded}"]


def test_pages_without_an_image_use_the_site_image(site):
    (og,) = extract(site / "topics/index.html")["opengraph"]
    assert og["@type"] == "website"
    assert og["og:image"] == BASE + "images/card.svg"
    assert extract(site / "topics/index.html")["json-ld"] == []


def test_a_brief_without_an_image_gives_the_site_image_in_json_ld_as_in_open_graph(site):
    data = extract(site / "briefs/beta/index.html")
    (article,) = data["json-ld"]
    (og,) = data["opengraph"]
    assert article["image"] == [og["og:image"]] == [BASE + "images/card.svg"]


def test_the_404_page_asks_not_to_be_indexed(site):
    assert '<meta name="robots" content="noindex">' in (site / "404.html").read_text()


def test_a_missing_site_image_is_an_error_naming_site_yaml(tmp_path, monkeypatch):
    code, err, site = build(tmp_path, monkeypatch, edit=("images/card.svg", "images/nope.png"))
    assert code == 1
    assert "site.yaml:9: image: no file content/images/nope.png" in err.splitlines()
    assert not site.exists()


@pytest.mark.parametrize("src", ["http://example.org/card.png", "/images/card.svg", "https://..."])
def test_a_site_image_must_be_under_content_or_https(tmp_path, monkeypatch, src):
    # an http URL passed here while a brief's image.src refused it: a page served over https shows no such image
    code, err, site = build(tmp_path, monkeypatch, edit=("images/card.svg", src))
    assert code == 1
    said = ('not a URL: "..." is not a host name (got "https://...") (write the link in full, e.g. '
            'https://www.reuters.com/...)' if src == "https://..." else
            f'must be a path inside content/ or an https URL (got "{src}")')
    assert [line for line in err.splitlines() if line.startswith("site.yaml")] == [f"site.yaml:9: image: {said}"]
    assert not site.exists()
