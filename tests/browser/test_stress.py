"""A brief that pushes the theme: 200-character title, 30 sources, 6 narratives, no image, right-to-left
and CJK text, a 2 MB body. It must build, stay usable at phone and desktop widths, and render quickly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ARTIFACTS, REPO, WIDTHS, Served, axe_violations, build_site, open_at, overflow, serve

TITLE = ("Negotiators from thirty delegations, meeting through the night, agree on an interim framework for "
         "monitoring grain shipments, prisoner exchanges and the reopening of the three Black Sea ports by March")
ARABIC = "قال المتحدث باسم الوزارة إن المحادثات ستستمر الأسبوع المقبل في جنيف"
HEBREW = "הדובר אמר כי השיחות יימשכו בשבוע הבא בז'נבה"
CHINESE = "外交部发言人表示，谈判将于下周在日内瓦继续进行。"
JAPANESE = "外務省の報道官は、交渉は来週ジュネーブで続くと述べた。"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt" * 2
BODY_BYTES = 2 * 1024 * 1024


def stress_brief() -> str:
    """The brief's Markdown; its body is generated up to 2 MB so the fixture needs no large file."""
    assert len(TITLE) == 200
    sources = "\n".join(f"  - name: Source {n} {'· ' + CHINESE if n % 7 == 0 else ''}\n"
                        f"    url: https://example.org/{'very-long-path-segment-' * 6}{n}" for n in range(1, 31))
    perspectives = ["Pro-government", "Opposition", "Pro-Western", "Pro-Russia", "Regional press", "Diaspora"]
    narratives = "\n".join(
        f"  - perspective: {p}\n    outlet: Outlet {i}\n    text: >-\n      {ARABIC if i % 2 else CHINESE} "
        f"{LONG_WORD} A view from side {i} citing its source.[{i}]"
        for i, p in enumerate(perspectives, start=1))
    head = (f'---\ntitle: "{TITLE}"\ndate: 2024-11-02\nsummary: {HEBREW} — {JAPANESE}\n'
            f"topics: [{', '.join(f'Topic {n}' for n in range(1, 13))}]\n"
            f"sources:\n{sources}\nnarratives:\n{narratives}\n---\n\n")
    facts = [f"- {ARABIC} {CHINESE} A fact citing source {n}.[{n}]" for n in range(1, 31)]
    facts.append(f"- {LONG_WORD} {HEBREW} {JAPANESE}[1-30]")
    filler, n = [], 0
    size = len("\n".join(facts).encode())
    while size < BODY_BYTES:
        line = (f"- Paragraph {n}: {ARABIC} {CHINESE} {HEBREW} {JAPANESE} routine detail about shipments and "
                f"inspections, repeated so the page is long.[{n % 30 + 1}]")
        filler.append(line)
        size += len(line.encode()) + 1
        n += 1
    return head + "\n".join(facts + filler) + "\n"


@pytest.fixture(scope="module")
def stress_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, float]]:
    tmp = tmp_path_factory.mktemp("stress")
    content = tmp / "content"
    content.mkdir()
    (content / "stress-brief.md").write_text(stress_brief(), encoding="utf-8")
    started = time.perf_counter()
    build_site(content, tmp / "site")
    built = time.perf_counter() - started
    with serve(tmp / "site", tmp) as served:
        yield served, built


def test_the_stress_brief_is_what_it_claims(stress_site: tuple[Served, float]) -> None:
    served, built = stress_site
    html = (served.out / "briefs" / "stress-brief" / "index.html").read_text(encoding="utf-8")
    body = (Path(served.out).parent / "content" / "stress-brief.md").read_bytes()
    assert len(body) > BODY_BYTES
    assert html.count('class="card narrative"') == 6 and html.count('<li id="source-') == 30
    assert "lead-image" not in html and ARABIC in html and CHINESE in html
    assert built < 60, f"building the 2 MB brief took {built:.1f} s"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_stress_brief_stays_usable(browser: Any, stress_site: tuple[Served, float], width: int) -> None:
    served, _ = stress_site
    started = time.perf_counter()
    pg = open_at(browser, served.url("briefs/stress-brief/"), width)
    loaded = time.perf_counter() - started
    assert loaded < 15, f"the page took {loaded:.1f} s to load"
    assert overflow(pg) == []
    h1 = pg.locator("h1").bounding_box()
    assert h1 is not None and h1["width"] <= width
    cards = pg.eval_on_selector_all(".narratives .card", "cs => cs.map(c => c.getBoundingClientRect().toJSON())")
    assert len(cards) == 6
    if width == WIDTHS["wide"]:
        assert len({c["top"] for c in cards}) < 6  # several per row
    else:
        assert len({c["left"] for c in cards}) == 1  # one column
    # The last source is still reachable from the top of the page through its citation.
    pg.locator('.facts sup.cite a[href="#source-30"]').first.click()
    assert pg.evaluate("document.activeElement.id") == "source-30"
    pg.evaluate("window.scrollTo(0, 0)")
    pg.screenshot(path=str(ARTIFACTS / f"stress-{width}.png"))  # the top: a full-page shot is too tall
    pg.context.close()


def test_the_stress_brief_head_has_no_axe_violations(browser: Any, stress_site: tuple[Served, float],
                                                     axe_source: str) -> None:
    served, _ = stress_site
    pg = open_at(browser, served.url("briefs/stress-brief/"), WIDTHS["narrow"])
    # axe over all of the 2 MB body's repeated paragraphs takes minutes; the first 40 facts stand for them.
    pg.evaluate("document.querySelectorAll('.facts > ul > li:nth-child(n+41)').forEach(li => li.remove())")
    assert axe_violations(pg, axe_source) == []
    pg.context.close()


def test_stress_fixture_is_generated_not_committed() -> None:
    assert not list((REPO / "tests" / "fixtures").rglob("*stress*"))


GERMAN_TOPICS = ["Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt",
                 "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"]


@pytest.mark.parametrize("path", ["briefs/gesetz/", "topics/", "search/"])
def test_a_long_one_word_topic_or_title_wraps_on_a_phone(browser: Any, tmp_path: Path, path: str) -> None:
    # A German compound of 60-75 letters is one word: its tag on the brief and its entry on the topics page
    # were as wide as the word (540-620 px), and the page scrolled sideways at 360 px. So did the brief's
    # "Later in this story" link to a brief titled with one, and the search page's list of topics.
    content = tmp_path / "content"
    content.mkdir()
    source = "sources:\n  - name: Reuters\n    url: https://www.reuters.com/\n---\n\n- Ein Fakt.[1]\n"
    (content / "gesetz.md").write_text(
        f"---\ntitle: Ein Gesetz\ndate: 2024-11-02\ntopics: [{', '.join(GERMAN_TOPICS)}]\nstory: gesetze\n{source}",
        encoding="utf-8")
    (content / "nachtrag.md").write_text(
        f"---\ntitle: {GERMAN_TOPICS[1]}\ndate: 2024-11-03\nstory: gesetze\n{source}", encoding="utf-8")
    build_site(content, tmp_path / "site")
    with serve(tmp_path / "site", tmp_path) as served:
        pg = open_at(browser, served.url(path), 320)
        assert overflow(pg) == []
        if path == "search/":
            assert GERMAN_TOPICS[0] in pg.locator("#search-topic").text_content()
            assert pg.locator("#search-topic").is_visible()
        else:
            tags = pg.eval_on_selector_all(".tag, .cloud li", "els => els.map(e => e.textContent)")
            assert len(tags) == 2 and GERMAN_TOPICS[0] in tags[0]
        if path == "briefs/gesetz/":
            assert GERMAN_TOPICS[1] in pg.locator(".story-nav a[rel=next]").text_content()
        pg.context.close()


def test_a_wide_table_or_code_block_in_the_facts_can_be_scrolled_from_the_keyboard(browser: Any, tmp_path: Path,
                                                                                 axe_source: str) -> None:
    # they scroll inside their own box on a phone; nothing in them took focus, so a keyboard could not scroll
    # them (axe: scrollable-region-focusable, serious)
    content = tmp_path / "content"
    content.mkdir()
    row = "| " + " | ".join(f"column {n} with words" for n in range(12)) + " |"
    (content / "wide.md").write_text(
        "---\ntitle: Wide things\ndate: 2024-11-02\nsources:\n  - name: Reuters\n    url: https://www.reuters.com/\n"
        f"---\n\n- A table.[1]\n\n{row}\n|{'---|' * 12}\n{row}\n\n```\n{'code ' * 60}\n```\n", encoding="utf-8")
    build_site(content, tmp_path / "site")
    with serve(tmp_path / "site", tmp_path) as served:
        pg = open_at(browser, served.url("briefs/wide/"), 390)
        assert axe_violations(pg, axe_source, ["scrollable-region-focusable"]) == []
        for selector in (".facts table", ".facts pre"):
            box = pg.locator(selector)
            assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # it does scroll
            box.focus()
            assert pg.evaluate("document.activeElement.tagName") == selector.split()[-1].upper()
            pg.keyboard.press("ArrowRight")
            pg.wait_for_function(f"document.querySelector('{selector}').scrollLeft > 0", timeout=3000)
        pg.context.close()
