"""A site published under a sub-path (GitHub Pages project site) or at a custom domain's root:
every href/src in every page and feed resolves against the output folder."""

from __future__ import annotations

import io
import json
import shutil
import threading
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import lxml.html
import pytest
from conftest import read_tree

from briefkit.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SUBPATH = "https://user.github.io/repo/"
CUSTOM_DOMAIN = "https://news.example.org/"


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str, fixture: str = "publish_site") -> Path:
    root = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")  # 3 November 2024, after the newest brief
    err = io.StringIO()
    assert main(["build", "-q", *args], io.StringIO(), err) == 0, err.getvalue()
    return root / "site"


def page_links(html: bytes) -> list[str]:
    """Every URL a reader's browser or a link preview would follow from a page."""
    doc = lxml.html.fromstring(html)
    urls = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("href", "src", "poster", "action"):
            if el.get(attr):
                urls.append(el.get(attr))
        if el.get("srcset"):
            urls += [part.split()[0] for part in el.get("srcset").split(",")]
        if el.tag == "meta" and (el.get("property") or el.get("name")) in ("og:url", "og:image", "twitter:image"):
            urls.append(el.get("content"))
    return urls


def ids(html: bytes) -> set[str]:
    return {el.get("id") for el in lxml.html.fromstring(html).iter() if isinstance(el.tag, str) and el.get("id")}


class Resolver:
    def __init__(self, site: Path, base_url: str):
        self.site = site
        self.base = urlsplit(base_url)
        self.base_path = self.base.path

    def page_url(self, file: Path) -> str:
        rel = file.relative_to(self.site).as_posix()
        return self.base_path + rel.removesuffix("index.html")

    def resolve(self, page: Path, href: str) -> Path | None:
        """The file a link lands on, None for another site; fails the test when it lands nowhere."""
        parts = urlsplit(href)
        if parts.scheme in ("mailto", "tel", "data"):
            return None
        if parts.netloc and parts.netloc != self.base.netloc:
            return None
        path = urlsplit(urljoin(self.page_url(page), href)).path
        assert path.startswith(self.base_path), f"{page}: {href} leaves the base path {self.base_path}"
        target = self.site / unquote(path[len(self.base_path):])
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        assert target.is_file(), f"{page.relative_to(self.site)}: {href} -> no file {target.relative_to(self.site)}"
        if parts.fragment and target.suffix == ".html":
            assert parts.fragment in ids(target.read_bytes()), f"{page}: {href}: no id {parts.fragment}"
        return target


@pytest.mark.parametrize("base_url", [SUBPATH, CUSTOM_DOMAIN])
def test_every_link_in_every_page_resolves(tmp_path, monkeypatch, base_url):
    site = build(tmp_path, monkeypatch, "--base-url", base_url)
    resolver = Resolver(site, base_url)
    resolved = 0
    kinds = set()
    for page in sorted(site.rglob("*.html")):
        for href in page_links(page.read_bytes()):
            target = resolver.resolve(page, href)
            if target is not None:
                resolved += 1
                kinds.add(target.suffix)
    assert resolved > 200
    assert {".html", ".css", ".svg", ".xml", ".json"} <= kinds  # pages, style, images, feeds


def test_the_404_page_links_from_the_site_root_not_from_where_it_is_served(tmp_path, monkeypatch):
    site = build(tmp_path, monkeypatch, "--base-url", SUBPATH)
    links = page_links((site / "404.html").read_bytes())
    internal = [h for h in links if not h.startswith(("https://", "#"))]
    assert internal and all(h.startswith("/repo/") for h in internal), internal
    assert 'href="/repo/static/style.css"' in (site / "404.html").read_text()


@pytest.mark.parametrize("doubled", ["https://user.github.io/repo//", "https://user.github.io//repo"])
def test_a_base_url_with_a_doubled_slash_gives_the_same_site(tmp_path, monkeypatch, doubled):
    # "/repo//static/style.css" and a canonical ".../repo//topics/" went into every page
    assert read_tree(build(tmp_path / "doubled", monkeypatch, "--no-search", "--base-url", doubled)) == \
        read_tree(build(tmp_path / "plain", monkeypatch, "--no-search", "--base-url", SUBPATH))


def test_a_custom_domain_at_the_root_has_no_sub_path_in_any_link(tmp_path, monkeypatch):
    site = build(tmp_path, monkeypatch, "--base-url", CUSTOM_DOMAIN)
    home = (site / "index.html").read_text()
    assert 'href="/static/style.css"' in home
    assert '<link rel="canonical" href="https://news.example.org/">' in home
    assert "/repo/" not in "".join(p.read_text() for p in site.rglob("*.html"))


def test_every_link_in_every_feed_resolves(tmp_path, monkeypatch):
    site = build(tmp_path, monkeypatch, "--base-url", SUBPATH)
    resolver = Resolver(site, SUBPATH)
    feeds = sorted(site.rglob("feed.xml"))
    assert len(feeds) == 1 + 3 + 1  # the site, topics Alpha Topic, Gamma and Shared, story the-saga
    for file in feeds:
        parsed = feedparser.parse(file.read_bytes())
        for link in parsed.feed.links + [lk for e in parsed.entries for lk in e.links]:
            assert link.href.startswith(SUBPATH)
            assert resolver.resolve(site / "index.html", link.href) is not None
        for entry in parsed.entries:  # an id is a name, not a link: it stays when the site moves
            assert entry.id.startswith("urn:uuid:")


def test_the_folder_works_from_python_http_server_under_the_sub_path(tmp_path, monkeypatch):
    site = build(tmp_path, monkeypatch, "--base-url", SUBPATH)
    www = tmp_path / "www"
    shutil.copytree(site, www / "repo")
    handler = partial(_QuietHandler, directory=str(www))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        seen, queue = set(), ["/repo/"]
        while queue:
            path = queue.pop()
            if path in seen:
                continue
            seen.add(path)
            with urllib.request.urlopen(origin + path, timeout=5) as resp:
                assert resp.status == 200, path
                body = resp.read()
            if path.endswith(("/", ".html")):
                for href in page_links(body):
                    u = urlsplit(urljoin(path, href))
                    if not u.netloc or u.netloc == "user.github.io":
                        queue.append(u.path)
        with urllib.request.urlopen(origin + "/repo/briefs/alpha", timeout=5) as resp:  # no trailing slash
            assert resp.status == 200 and resp.url.endswith("/repo/briefs/alpha/")
    finally:
        server.shutdown()
        server.server_close()
    pages = {"/repo/" + p.relative_to(site).as_posix().removesuffix("index.html") for p in site.rglob("*.html")}
    assert pages - {"/repo/404.html"} <= seen  # every page is reachable by following links


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_index_json_urls_carry_the_base_path_as_the_readme_shows(tmp_path, monkeypatch):
    site = build(tmp_path, monkeypatch, "--base-url", SUBPATH)
    doc = json.loads((site / "index.json").read_text())
    assert [b["url"] for b in doc["briefs"]] == ["/repo/briefs/gamma/", "/repo/briefs/beta/", "/repo/briefs/alpha/"]


def test_a_raw_html_link_in_a_narrative_leads_where_it_did_on_its_brief_from_the_outlet_page(tmp_path, monkeypatch):
    # allow_html: a link written <a class=... href="../alpha/"> failed the build as broken on the outlet page
    root = tmp_path / "publish_site"
    shutil.copytree(FIXTURES / "publish_site", root)
    (root / "site.yaml").write_text((root / "site.yaml").read_text() + "allow_html: true\n")
    (root / "content/outlets.yaml").write_text("- name: Wire One\n  lean: 3\n  establishment: 3\n"
                                               "- name: Wire Two\n  lean: 3\n  establishment: 3\n")
    beta = root / "content/beta.md"
    beta.write_text(beta.read_text().replace(
        "text: A deal is still possible.",
        "text: A deal is still possible, as <a class=\"prior\" href='../alpha/'>the first round</a> showed."))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730600000")
    err = io.StringIO()
    assert main(["build", "-q", "--base-url", SUBPATH], io.StringIO(), err) == 0, err.getvalue()
    assert "<a class=\"prior\" href='../alpha/'>" in (root / "site/briefs/beta/index.html").read_text()
    assert "<a class=\"prior\" href='/repo/briefs/alpha/'>" in (root / "site/outlets/wire-one/index.html").read_text()
