"""Search in the browser, under a sub-path: the header box, the search page, filters, what the index holds,
and the fallback without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import REPO, SUB_PATH, WIDTHS, Served, build_site, open_at, screenshot, serve

FIXTURE = REPO / "tests" / "fixtures" / "search_site"


@pytest.fixture(scope="module")
def words_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """tests/fixtures/search_site: briefs whose facts, narratives and predictions hold made-up words."""
    tmp = tmp_path_factory.mktemp("search")
    build_site(FIXTURE / "content", tmp / "site")
    with serve(tmp / "site", tmp) as served:
        yield served


def results(pg: Any) -> list[str]:
    pg.wait_for_function("document.querySelector('.search-status').textContent.match(/found/)")
    return pg.eval_on_selector_all(".search-result h2 a", "as => as.map(a => a.textContent)")


def test_header_box_finds_a_brief_by_a_word_from_its_facts(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(), WIDTHS["narrow"])
    pg.fill("#site-search-q", "rumours")
    pg.keyboard.press("Enter")
    pg.wait_for_url("**/search/?q=rumours")
    assert pg.url.startswith(sample.url("search/"))
    title = "US Evidence Suggests North Korean Troops Are in Russia and May Be Preparing for War in Ukraine"
    assert results(pg) == [title]
    assert pg.inner_text(".search-status") == "1 brief found for “rumours”."
    item = pg.locator(".search-result").first
    assert item.locator(".meta").inner_text() == "23 October 2024"
    assert item.locator(".excerpt mark").first.inner_text().startswith("rumours")
    screenshot(pg, "search-results-390")
    item.locator("h2 a").click()
    pg.wait_for_url(sample.url("briefs/us-evidence-north-korean-troops-may-prepare-for-ukraine/"))
    assert pg.title().startswith(title)
    pg.context.close()


@pytest.mark.parametrize("word, title", [
    ("zephyrine", "Harbour talks resume in Tallinn"),  # facts
    ("quillionaire", "Harbour talks resume in Tallinn"),  # a narrative
    ("marmalith", "Harbour talks resume in Tallinn"),  # a prediction
])
def test_index_covers_facts_narratives_and_predictions(browser: Any, words_site: Served, word: str,
                                                       title: str) -> None:
    pg = open_at(browser, words_site.url(f"search/?q={word}"), WIDTHS["wide"])
    assert title in results(pg)
    pg.context.close()


def marked(pg: Any) -> list[str]:
    return pg.eval_on_selector_all(".search-result mark", "ms => ms.map(m => m.textContent.toLowerCase())")


@pytest.mark.parametrize("word", [
    "Glimmerwick",  # the site title in the header and footer
    "Archive",  # the navigation
    "perspectives",  # the note above narratives
    "Earlier",  # the story navigation at the foot of a brief
    "Cited",  # the back-links under each source
    "Centre",  # the balance panel's axes and table, which rate the outlets rather than tell the story
    "Story",  # the meta line under the title: "Story: Harbour dispute" would match every brief in a story
    "June",  # ... and its date, which would match every brief of the month
    "Sources",  # the section headings, on every brief
    "Facts",
    "narrative",  # ... and the word after each perspective ("Union narrative")
    "provided",  # "As provided by Coastal Herald"
    "Resolved",  # a prediction's outcome label ("Resolved: it did not happen")
    "happen",
])
def test_index_leaves_out_navigation_chrome(browser: Any, words_site: Served, word: str) -> None:
    pg = open_at(browser, words_site.url(f"search/?q={word}"), WIDTHS["wide"])
    results(pg)  # Pagefind may offer near matches for a word it lacks; the word itself must never match
    assert word.lower() not in " ".join(marked(pg))
    pg.context.close()


def test_the_sources_outlet_labels_stay_out_of_the_index(browser: Any, sample: Served) -> None:
    # content/outlets.yaml marks two outlets paywalled: "Paywall" beside a source matched every brief citing them
    pg = open_at(browser, sample.url("search/?q=paywall"), WIDTHS["wide"])
    assert results(pg) == []
    pg.goto(sample.url("search/?q=Reuters"))
    assert results(pg)  # the outlet's name is still found
    for excerpt in pg.eval_on_selector_all(".search-result .excerpt", "es => es.map(e => e.textContent)"):
        assert "About" not in excerpt and "Paywall" not in excerpt, excerpt
    pg.context.close()


def test_the_title_stays_the_result_title_and_the_excerpt_leaves_out_the_meta_line(browser: Any,
                                                                                  words_site: Served) -> None:
    pg = open_at(browser, words_site.url("search/?q=harbour"), WIDTHS["wide"])
    assert "Harbour talks resume in Tallinn" in results(pg)
    excerpts = pg.eval_on_selector_all(".search-result .excerpt", "es => es.map(e => e.textContent)")
    assert excerpts
    for excerpt in excerpts:
        assert "2024" not in excerpt and "Story" not in excerpt and "Updated" not in excerpt, excerpt
        assert "Facts." not in excerpt and "Sources." not in excerpt, excerpt
    pg.context.close()


def test_a_word_the_index_lacks_finds_nothing(browser: Any, words_site: Served) -> None:
    pg = open_at(browser, words_site.url("search/?q=xylophonist"), WIDTHS["wide"])
    assert results(pg) == []
    assert pg.inner_text(".search-status") == "No briefs found for “xylophonist”. Browse the topics."
    pg.context.close()


def test_topic_and_story_filters_narrow_the_results(browser: Any, words_site: Served) -> None:
    pg = open_at(browser, words_site.url("search/?q=zephyrine"), WIDTHS["wide"])
    assert sorted(results(pg)) == ["Ferry crews strike over pay", "Harbour talks resume in Tallinn"]
    pg.select_option("#search-topic", "baltic-sea")
    pg.wait_for_function("document.querySelectorAll('.search-result').length === 1")
    assert results(pg) == ["Harbour talks resume in Tallinn"]
    assert pg.url.endswith("search/?q=zephyrine&topic=baltic-sea")
    pg.goto(words_site.url("search/?story=harbour-dispute&sort=newest"))
    assert results(pg) == ["Ferry crews strike over pay", "Harbour talks resume in Tallinn"]
    assert pg.inner_text(".search-status") == "2 briefs found with these filters."
    pg.context.close()


def test_without_javascript_the_box_is_a_link_to_the_topics(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(), WIDTHS["wide"], java_script_enabled=False)
    assert not pg.locator(".search-box").is_visible()
    link = pg.locator(".search-fallback")
    assert link.is_visible() and link.get_attribute("href") == f"{SUB_PATH}topics/"
    pg.goto(sample.url("search/"))
    assert not pg.locator(".search-form").is_visible()
    assert pg.locator(".search-nojs a").first.get_attribute("href") == f"{SUB_PATH}topics/"
    pg.context.close()


def test_with_javascript_the_link_gives_way_to_the_box(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(), WIDTHS["wide"])
    assert pg.locator(".search-box").is_visible()
    assert not pg.locator(".search-fallback").is_visible()
    pg.context.close()


def test_a_site_built_without_the_index_says_so(browser: Any, tmp_path: Any) -> None:
    build_site(FIXTURE / "content", tmp_path / "site", "--no-search")
    with serve(tmp_path / "site", tmp_path) as served:
        pg = open_at(browser, served.url("search/?q=zephyrine"), WIDTHS["wide"])
        pg.wait_for_function("document.querySelector('.search-status').textContent !== ''")
        assert pg.inner_text(".search-status") == ("The search index is missing from this copy of the site. "
                                                   "Browse the briefs by topic instead.")
        pg.context.close()


def test_show_more_takes_the_reader_to_the_first_new_result(browser: Any, tmp_path: Any) -> None:
    """Eleven briefs, ten a page: the button shows the eleventh and goes away; focus must not fall to the page."""
    (tmp_path / "site.yaml").write_text("title: Walrus Desk\nbase_url: /\n", encoding="utf-8")
    (tmp_path / "content").mkdir()
    for day in range(1, 12):
        (tmp_path / "content" / f"walrus-{day}.md").write_text(
            f"---\ntitle: Walrus count {day}\ndate: 2024-06-{day:02d}\nsources:\n  - name: Wire\n"
            f"    url: https://example.org/wire\n---\n\n- The walrus count rose on day {day}.[1]\n", encoding="utf-8")
    build_site(tmp_path / "content", tmp_path / "site")
    with serve(tmp_path / "site", tmp_path) as served:
        pg = open_at(browser, served.url("search/?q=walrus&sort=newest"), WIDTHS["wide"])
        assert len(results(pg)) == 10
        pg.focus(".search-more button")
        pg.keyboard.press("Enter")
        pg.wait_for_function("document.querySelectorAll('.search-result').length === 11")
        assert pg.locator(".search-more").is_hidden()
        focused = pg.evaluate("[document.activeElement.textContent, document.activeElement.closest('li') !== null]")
        assert focused == ["Walrus count 1", True]
        pg.keyboard.press("Shift+Tab")  # the results before it are one step back, not the page's header
        assert pg.evaluate("document.activeElement.textContent") == "Walrus count 2"
        # to the eleventh result and back: the results shown before come back, not the first ten only
        pg.click('text="Walrus count 1"')
        pg.wait_for_url("**/briefs/walrus-1/")
        pg.go_back()
        pg.wait_for_function("document.querySelectorAll('.search-result').length === 11")
        assert pg.locator(".search-more").is_hidden()
        assert pg.evaluate("window.scrollY") > 0  # where the reader was, near the eleventh
        pg.context.close()
