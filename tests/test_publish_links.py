"""The link checker: broken internal links and #anchors fail the build (naming page and link, writing
nothing); external links are listed by `check --links` and tried only with --external."""

from __future__ import annotations

import io
import shutil
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from briefkit import render
from briefkit.cli import main
from briefkit.hrefs import resolve, split
from briefkit.htmlscan import Scanner
from briefkit.linkcheck import check_links
from briefkit.pagelinks import WANTED, Collector, ParsedPage, parse_page, scanner
from briefkit.pipeline import output_shown
from briefkit.project import Project, SiteConfig
from briefkit.render import Output

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://user.github.io/repo/"
PLANTED = [  # each at the line of the brief that writes it
    'content/planted.md:18: link: broken anchor "#no-such-section" (no id="no-such-section" in briefs/planted/index.html)',
    'content/planted.md:18: link: broken internal link "../missing-brief/" (resolves to /repo/briefs/missing-brief/)',
    "content/planted.md:19: link: broken internal link \"/briefs/other/\" (outside the site's base path /repo/)",
]


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: str, *args: str) -> tuple[int, str, str, Path]:
    root = tmp_path / fixture
    if not root.exists():
        shutil.copytree(FIXTURES / fixture, root)
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue(), root


@pytest.mark.parametrize("read_when_rendered", [False, True])  # as in a small site's build, a large one's
def test_a_planted_broken_link_and_anchor_fail_the_build_with_exact_messages(tmp_path, monkeypatch, read_when_rendered):
    monkeypatch.setattr(render, "MIN_ITEMS", 0 if read_when_rendered else 10**9)
    code, _, err, root = run(tmp_path, monkeypatch, "broken_links", "build", "--base-url", BASE)
    assert code == 1
    assert err.splitlines() == PLANTED + [
        "build failed: 3 errors, 0 warnings",
        "nothing was written; there is no site/ yet",
    ]
    assert not (root / "site").exists()


def test_a_broken_link_leaves_the_last_good_site_untouched(tmp_path, monkeypatch):
    code, _, err, root = run(tmp_path, monkeypatch, "broken_links", "build", "--base-url", BASE)
    (root / "content/planted.md").rename(root / "planted.md.off")
    code, _, err, _ = run(tmp_path, monkeypatch, "broken_links", "build", "--base-url", BASE)
    assert code == 0, err
    before = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    (root / "planted.md.off").rename(root / "content/planted.md")
    code, _, err, _ = run(tmp_path, monkeypatch, "broken_links", "build", "--base-url", BASE)
    assert code == 1
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before


def test_check_reports_the_same_broken_links(tmp_path, monkeypatch):
    code, _, err, _ = run(tmp_path, monkeypatch, "broken_links", "check", "--links", "--base-url", BASE)
    assert code == 1
    assert err.splitlines()[:3] == PLANTED
    assert err.splitlines()[3] == "check failed: 3 errors, 0 warnings"


def test_a_broken_reference_link_is_named_at_its_definition(tmp_path, monkeypatch):
    root = tmp_path / "broken_links"
    shutil.copytree(FIXTURES / "broken_links", root)
    planted = root / "content/planted.md"
    planted.write_text(planted.read_text() + "- As [reported][r].[1]\n\n[r]: ../gone/\n")
    code, _, err, _ = run(tmp_path, monkeypatch, "broken_links", "check", "--base-url", BASE)
    assert code == 1
    assert err.splitlines()[3] == 'content/planted.md:23: link: broken internal link "../gone/" (resolves to /repo/briefs/gone/)'


def test_check_links_lists_external_links_without_fetching_them(tmp_path, monkeypatch):
    code, out, err, _ = run(tmp_path, monkeypatch, "publish_site", "check", "--links", "--base-url", BASE)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:5] == [
        "4 external links (not fetched; --external tries them):",
        "  https://gazette.example.org/report  (site/briefs/gamma/index.html)",
        "  https://wire-one.example.com/alpha  (site/briefs/alpha/index.html and 1 more)",
        "  https://wire-one.example.com/beta?page=1&lang=en  (site/briefs/beta/index.html)",
        "  https://wire-two.example.com/alpha  (site/briefs/alpha/index.html)",
    ]


class _Status(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, format, *args):
        pass


def test_external_links_are_tried_only_with_external_and_fail_as_warnings(tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    root = tmp_path / "broken_links"
    shutil.copytree(FIXTURES / "broken_links", root)
    (root / "content/planted.md").unlink()
    other = root / "content/other.md"
    other.write_text(other.read_text().replace("url: https://wire-one.example.com/", f"url: {origin}/ok")
                     .replace("outlet: Wire Two\n", f"outlet: Wire Two\n    url: {origin}/gone\n")
                     + f"- The [full report]({origin}/missing) came later.[1]\n")
    (root / "content/outlets.yaml").write_text(f"- name: Wire One\n  lean: 3\n  url: {origin}/closed\n- name: Wire Two\n")
    try:
        code, out, err, _ = run(tmp_path, monkeypatch, "broken_links", "check", "--external", "--base-url", BASE)
        assert code == 0, err
        assert out.splitlines()[:5] == [
            "4 external links (tried each):",
            f"  {origin}/closed  (site/outlets/wire-one/index.html)",
            f"  {origin}/gone  (site/briefs/other/index.html)",
            f"  {origin}/missing  (site/briefs/other/index.html)",
            f"  {origin}/ok  (site/briefs/other/index.html)",
        ]
        # each failure named where it was written: the field, the line of the body, the outlet's url
        assert err.splitlines() == [
            f'content/other.md:13: warning: narratives[2].url: link "{origin}/gone" answered HTTP 404',
            f'content/other.md:20: warning: body: link "{origin}/missing" answered HTTP 404',
            f'content/outlets.yaml:3: warning: [1].url: link "{origin}/closed" answered HTTP 404',
        ]
        code, _, err, _ = run(tmp_path, monkeypatch, "broken_links", "check", "--external", "--strict",
                              "--base-url", BASE)
        assert code == 1
    finally:
        server.shutdown()
        server.server_close()


def checked(pages: dict[str, str], base_url: str = BASE) -> list[str]:
    out = Output()
    for path, html in pages.items():
        out.add(path, html.encode(), "test")
    report = check_links(SiteConfig(base_url=base_url), out, lambda rel: f"site/{rel}")
    return [d.format() for d in report.diagnostics]


def test_links_resolve_the_way_a_static_host_serves_them():
    pages = {
        "index.html": '<a href="/repo/a/">a</a> <a href="a">folder without slash</a> <a href="/repo">home</a>'
                      ' <a href="a/#x">anchor</a> <a href="#top">top</a> <a href="">self</a>'
                      ' <a href="/repo/caf%C3%A9/">encoded</a> <a href="mailto:x@example.org">mail</a>'
                      ' <img srcset="/repo/i.png 1x, /repo/i2.png 2x" src="/repo/i.png">'
                      ' <meta property="og:url" content="https://user.github.io/repo/a/">'
                      ' <a href="https://user.github.io/other-repo/">another project site</a>'
                      ' <link rel="preconnect" href="https://fonts.example.com">',
        "a/index.html": '<h2 id="x">x</h2>',
        "café/index.html": "",
        "i.png": "", "i2.png": "",
    }
    assert checked(pages) == []


def test_each_kind_of_broken_link_is_named():
    pages = {
        "index.html": '<a href="/repo/a/#y">a</a> <img srcset="/repo/i.png 1x, /repo/gone.png 2x">'
                      ' <meta property="og:image" content="https://user.github.io/repo/card.png">'
                      ' <link rel="stylesheet" href="static/style.css">',
        "a/index.html": '<h2 id="x">x</h2>',
        "i.png": "",
    }
    assert checked(pages) == [
        'site/index.html: link: broken anchor "/repo/a/#y" (no id="y" in a/index.html)',
        'site/index.html: link: broken internal link "/repo/gone.png"',
        'site/index.html: link: broken internal link "https://user.github.io/repo/card.png"',
        'site/index.html: link: broken internal link "static/style.css" (resolves to /repo/static/style.css)',
    ]


def test_a_page_read_where_it_was_rendered_is_checked_as_read_then_only_while_it_holds_those_bytes():
    out = Output()
    data = b'<a href="/repo/a/#x">a</a>'
    out.add("index.html", data, "test")
    out.add("a/index.html", b'<h2 id="x">x</h2>', "test")
    out.read["index.html"] = (data, ParsedPage(set(), ["/repo/gone/"]), "")  # as render_pages leaves it
    config = SiteConfig(base_url=BASE)
    report = check_links(config, out, lambda rel: f"site/{rel}")
    assert [d.format() for d in report.diagnostics] == ['site/index.html: link: broken internal link "/repo/gone/"']
    out.files["index.html"] = bytes(bytearray(data))  # the same bytes in another object: read again
    assert check_links(config, out, lambda rel: f"site/{rel}").diagnostics == []


def test_the_parser_collects_ids_names_and_links_in_order():
    page = parse_page(b'<a name="n" href="/x">x</a><p id="i"><img src="/y"/></p><script src="/z.js"></script>')
    assert page.ids == {"n", "i"}
    assert page.links == ["/x", "/y", "/z.js"]


HREF_PARTS = st.sampled_from(["/", "//", ".", "..", "./", "../", "a", "b.html", "#", "#x", "?", "?q=1", ";p",
                              "%20", "é", "\t", ":", "x:y", "index.html", "/repo/", "//host/"])


@settings(max_examples=400, deadline=None)
@example("/\t/", "/repo/")  # urlsplit drops the tab: "//" has a (blank) host, not a path
@given(st.lists(HREF_PARTS, max_size=6).map("".join),
       st.sampled_from(["/repo/", "/repo/a/", "/repo/a/b.html", "/repo/a;b/c.html", "/repo/a?b/", "/", "/x/y/"]))
def test_links_resolve_as_urljoin_resolves_them(href, base):
    assume(not urlsplit(href).scheme and not href.startswith("//"))
    assert resolve(base, href, urlsplit(href)) == urlsplit(urljoin(base, href)).path


@settings(max_examples=400, deadline=None)
@given(st.lists(HREF_PARTS, max_size=6).map("".join).flatmap(lambda href: st.sampled_from([href, "/" + href])))
def test_links_split_as_urlsplit_splits_them(href):
    assert split(href) == urlsplit(href)


HTML_PARTS = st.sampled_from([
    '<a href="/x">', "<a href='/y#z'>", "<a href=/u>", '<a href=/u/>', "<a name=n>", "<a href>", '<A HREF="/C">',
    '<img src="/i.png" srcset="/a.png 1x, /b.png 2x"/>', '<img src="/i.png" />', '<p id="p">', '<p id = "q" >',
    '<p data-id="d">', '<meta property="og:url" content="https://h/x">', '<link rel="preconnect" href="//h">',
    '<a href="/a&amp;b">', '<a href="/&eacute">', '<a href="/one" href="/two">', '<a href="x"id="y">',
    "</a>", "</p >", "text", " < ", "&amp;", "<!-- <a href='/c'> -->", "<!-- x -- >", "<!-->", "<!doctype html>",
    '<script src="/s.js"></script>', "<script>if (a<b) {}</script>", '<style>p{}</style>', "<br/>", "<?x?>",
    "<![CDATA[<a href='/d'>]]>", '<a title="1 > 0" href="/g">', "<a href='/h'\n>", "</script>", "<textarea>",
    # script and style run to their own end tag; odd spaces, cases and end tags
    "<script>", "<style>", "</style>", "<SCRIPT>", "</SCRIPT >", "<script/>", "<a\xa0href='/n'>", "<a\x0bhref='/v'>",
    '<p\u2003id="e">', '<a HREF="/Up" ID="U">', '<p id="a" id="b">', '<a id>', '<p data-id=1 id=2>',
    '<a title="x id=y">', '<p title="x id=y">',
    "</a b='>'>", "</ a>", "<!x>", ">", "<a href='/q'/>", '<a href="/x" name="">', '<a href="/&#47;e">',
    '<meta name="twitter:image" content="/t.png">', '<link rel="Preconnect stylesheet" href="/l.css">',
    '<img srcset="">', '<img srcset=" /a.png 1x ,, /b.png">', '<form action="/f">', '<p class="x" id="" >',
])


class _StartTags(HTMLParser):
    """Every start tag as html.parser reports it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


@settings(max_examples=600, deadline=None)
@example('<script>x</style><a href="/y"></script>')  # script text runs to its own end tag only
@example('<script src="/s.js"></script><a href="/x">')
@given(st.lists(HTML_PARTS, max_size=12).map("".join))
def test_the_fast_scan_reads_a_page_as_html_parser_does(html):
    scanner = Scanner(WANTED, lambda tag, attrs: (tag, attrs))
    tags = scanner.scan(html.encode())
    if tags is not None:  # None: the page goes to html.parser itself
        slow = _StartTags()
        slow.feed(html)
        slow.close()
        assert tags == [(tag, attrs) for tag, attrs in slow.tags
                        if tag in WANTED or any(k == "id" for k, _ in attrs)]
        assert parse_page(html.encode()) == parse_page_slowly(html)
        assert scanner.scan(html.encode()) == tags  # the second time, from what it remembers


def test_the_fast_scan_cuts_tags_from_bytes_as_from_their_text():
    # invalid UTF-8 next to "<" and ">" (decoded as U+FFFD) and multibyte characters inside tags
    data = (b'<p>\xe2\x80<a href="/\xc3\xa9\xff" id="\xe2">x\xf0</a><img src="/\xe2\x82.png">'
            b'<script>\xff</script><a href="/z\xe2\x80">\xe2\x80')
    assert Scanner(WANTED, lambda tag, attrs: (tag, attrs)).scan(data) is not None
    assert parse_page(data) == parse_page_slowly(data.decode("utf-8", errors="replace"))


@pytest.mark.parametrize("kinds", [1, 12])
def test_every_script_and_style_runs_to_its_end_tag(kinds):
    scan = scanner()
    for n in range(kinds):  # the scanner learns this many kinds of script start tag
        assert scan.scan(f'<script data-n="{n}"></script>'.encode()) == []
    ok = '<script data-n="0">a</script><p id="x"><script data-n="0"></SCRIPT ><style>p{}</style>'
    assert scan.scan(ok.encode()) is not None
    assert parse_page(ok.encode(), scan) == parse_page_slowly(ok)
    for bad in ('<script data-n="0"></script><script data-n="0"><a href="/x"></script>',
                '<style>p{}</style><script data-n="0">', '<script>a</style><a href="/y">'):
        assert scan.scan(bad.encode()) is None
        assert parse_page(bad.encode(), scan) == parse_page_slowly(bad)


def test_a_page_ending_inside_a_tag_goes_to_html_parser():
    for html in ('<p id="x"><a href="/y"', '<p id="x"> < ', "<a href='/z'>x</a><", "</p"):
        assert Scanner(WANTED, lambda tag, attrs: (tag, attrs)).scan(html.encode()) is None
        assert parse_page(html.encode()) == parse_page_slowly(html)


def parse_page_slowly(html: str) -> ParsedPage:
    slow = Collector()
    slow.feed(html)
    slow.close()
    return slow.page


def test_the_pages_the_theme_renders_take_the_fast_path():
    pages = sorted((Path(__file__).parent / "golden" / "site").rglob("*.html"))
    assert pages
    scanner = Scanner(WANTED, lambda tag, attrs: (tag, attrs))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert scanner.scan(html.encode()) is not None, page
        assert parse_page(html.encode()) == parse_page_slowly(html), page


@pytest.mark.parametrize("out", ["site", ".", "..", "../elsewhere/site", "deep/er/site"])
@pytest.mark.parametrize("rel", ["index.html", "briefs/a/index.html", "a/./b.html", "a/../b.html", "a//b.html"])
def test_pages_are_named_as_diagnostics_name_files(tmp_path, monkeypatch, out, rel):
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path, tmp_path / "content", (tmp_path / out).resolve(), SiteConfig())
    assert output_shown(project)(rel) == project.display(project.out / rel)
