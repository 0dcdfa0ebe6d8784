"""The default theme in headless Chromium: layout at phone and desktop widths, citations, dark mode,
keyboard use and axe-core accessibility on the sample site. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from .conftest import CHROMIUM_ARGS, WIDTHS, Served, axe_violations, chromium_path, open_at, overflow, screenshot

BRIEF = "briefs/seoul-north-korean-troops-arrive-in-russia/"
PAGES = {
    "home": "",
    "brief": BRIEF,
    "story": "stories/north-korean-troops-in-russia/",
    "topic": "topics/north-korea/",
    "topics": "topics/",
    "archive": "archive/",
    "search": "search/",
    "outlet": "outlets/associated-press/",
    "outlets": "outlets/",
    "forecasts": "forecasts/",
    "blindspots": "blindspots/",
    "corrections": "corrections/",
    "404": "404.html",
}


# the common phone widths too: a table that fits at 390 px can stick out of its box at 375 or 360
FIT_WIDTHS = {"small": 360, "phone": 375, **WIDTHS}


@pytest.mark.parametrize("width", FIT_WIDTHS.values(), ids=FIT_WIDTHS.keys())
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_screen_and_has_no_axe_violations(browser: Any, sample: Served, axe_source: str,
                                                        name: str, width: int) -> None:
    pg = open_at(browser, sample.url(PAGES[name]), width)
    screenshot(pg, f"{name}-{width}")
    assert overflow(pg) == []
    assert axe_violations(pg, axe_source) == []
    pg.context.close()


@pytest.mark.parametrize("width", [320, 768], ids=["smallest", "tablet"])
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_smallest_phone_and_a_tablet(browser: Any, sample: Served, name: str, width: int) -> None:
    # 320 px is the width WCAG's reflow asks for; at 320 an outlet's website ran 1 px off the screen
    pg = open_at(browser, sample.url(PAGES[name]), width)
    assert overflow(pg) == []
    pg.context.close()


def open_with_text_zoom(browser: Any, url: str, width: int) -> Any:
    """`url` at `width` with the browser's text size doubled (16 px to 32 px), as a reader sets it."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    cdp = context.new_cdp_session(pg)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    response = pg.goto(url)
    assert response is not None and response.ok
    return pg


@pytest.mark.parametrize("width", [390, WIDTHS["wide"]])
@pytest.mark.parametrize("name", ["brief", "outlet", "forecasts", "search"])
def test_text_at_200_percent_still_fits_the_screen(browser: Any, sample: Served, name: str, width: int) -> None:
    # At 200% the labels of an outlet's ratings and of a forecaster's record took most of a phone's width,
    # their values ran off the right edge, and the search page's topic list was wider than the screen.
    pg = open_with_text_zoom(browser, sample.url(PAGES[name]), width)
    assert pg.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 32
    assert overflow(pg) == []
    pg.context.close()


def _watch(pg: Any) -> list[str]:
    """Console errors and warnings, page errors and failed requests of `pg`, as they come."""
    problems: list[str] = []

    def console(m: Any) -> None:
        if m.type in ("error", "warning"):
            problems.append(f"console {m.type}: {m.text}")

    def response(r: Any) -> None:
        if r.status >= 400:
            problems.append(f"HTTP {r.status}: {r.url}")

    pg.on("console", console)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    pg.on("response", response)
    return problems


def test_no_page_logs_an_error_or_fails_a_request(browser: Any, sample: Served) -> None:
    # A browser of its own: Chromium asks for a page's icon once per browser, so one that had already
    # visited the site (and been refused /favicon.ico) would not ask again.
    fresh = browser.browser_type.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        for name, path in PAGES.items():
            context = fresh.new_context(viewport={"width": WIDTHS["wide"], "height": 900})
            pg = context.new_page()
            problems = _watch(pg)
            pg.goto(sample.url(path))
            pg.wait_for_load_state("networkidle")
            pg.wait_for_timeout(300)  # the icon is fetched after the load
            assert problems == [], name
            context.close()
    finally:
        fresh.close()


def test_every_page_names_its_icon(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(PAGES["brief"]), WIDTHS["wide"])
    href = pg.evaluate("document.querySelector('link[rel=icon]').href")
    assert href == sample.url("static/favicon.svg")
    response = pg.request.get(href)
    assert response.ok and response.headers["content-type"] == "image/svg+xml"
    pg.context.close()


CHART_TEXT = """() => [...document.querySelectorAll('.chart .axis')].map((t) => {
  const svg = t.ownerSVGElement, box = t.getBoundingClientRect(), chart = svg.getBoundingClientRect();
  // the type as drawn: its CSS size times the chart's scale on screen (a phone shrinks the balance map)
  const drawn = parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a;
  const inside = box.left >= chart.left - 0.5 && box.top >= chart.top - 0.5
    && box.right <= chart.right + 0.5 && box.bottom <= chart.bottom + 0.5;
  return [t.textContent, Math.round(drawn * 10) / 10, inside];
})"""


LABELS_OVERLAPPING = """() => [...document.querySelectorAll('.chart')].flatMap((svg) => {
  const boxes = [...svg.querySelectorAll('.axis')].map((t) => [t.textContent, t.getBoundingClientRect()]);
  return boxes.flatMap(([a, r], i) => boxes.slice(i + 1)
    .filter(([, q]) => r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom)
    .map(([b]) => `${a} / ${b}`));
})"""


@pytest.mark.parametrize("width", [320, 360, WIDTHS["wide"]])  # at 320 the map's labels were 10.7 px
@pytest.mark.parametrize("name", ["brief", "forecasts"])
def test_chart_labels_are_at_least_12px_and_stay_in_the_chart(browser: Any, sample: Served, name: str,
                                                              width: int) -> None:
    pg = open_at(browser, sample.url(PAGES[name]), width)
    labels = pg.evaluate(CHART_TEXT)
    assert labels
    for text, size, inside in labels:
        assert size >= 12 and inside, (text, size)
    assert pg.evaluate(LABELS_OVERLAPPING) == []
    pg.context.close()


def _cards(pg: Any) -> list[dict[str, float]]:
    return pg.eval_on_selector_all(".narratives .card", "cs => cs.map(c => c.getBoundingClientRect().toJSON())")


def test_narratives_side_by_side_on_a_wide_screen(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(BRIEF), WIDTHS["wide"])
    first, second, *_ = _cards(pg)
    assert first["top"] == second["top"] and second["left"] >= first["right"]
    assert first["width"] >= 280  # each card keeps a readable measure
    pg.context.close()


def test_narratives_stacked_on_a_phone(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(BRIEF), WIDTHS["narrow"])
    cards = _cards(pg)
    assert len(cards) == 3
    for upper, lower in itertools.pairwise(cards):
        assert lower["left"] == upper["left"] and lower["top"] >= upper["bottom"]
    assert all(c["width"] > 300 for c in cards)
    pg.context.close()


def test_citation_moves_focus_to_its_source_and_the_back_link_returns(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(BRIEF), WIDTHS["wide"])
    cite = pg.locator(".facts sup.cite a").first
    target = cite.get_attribute("href")
    cite_id = cite.get_attribute("id")
    assert target == "#source-1" and cite_id == "cite-1-1"
    cite.focus()
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "source-1"
    assert pg.evaluate("location.hash") == "#source-1"
    assert pg.locator("#source-1").is_visible()
    back = pg.locator(f'#source-1 .backlinks a[href="#{cite_id}"]')
    assert back.text_content() == "Fact 1 (back to the citation)"  # the last part for screen readers only
    pg.keyboard.press("Tab")  # focus starts from the source, so its own links come next
    for _ in range(5):
        if pg.evaluate("document.activeElement.getAttribute('href')") == f"#{cite_id}":
            break
        pg.keyboard.press("Tab")
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == cite_id
    assert pg.evaluate("location.hash") == f"#{cite_id}"
    box = pg.locator(f"#{cite_id}").bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # scrolled back into view, not under the top edge
    pg.context.close()


@pytest.mark.parametrize("name", ["home", "brief", "story", "search", "outlet", "forecasts", "404"])
def test_dark_mode_is_dark_and_keeps_contrast(browser: Any, sample: Served, axe_source: str, name: str) -> None:
    pg = open_at(browser, sample.url(PAGES[name]), WIDTHS["wide"], color_scheme="dark")
    screenshot(pg, f"{name}-dark")
    background = pg.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 22, 26)"  # the theme's dark background, not the light one
    assert axe_violations(pg, axe_source, ["color-contrast", "link-in-text-block"]) == []
    pg.context.close()


FOCUS_STATE = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {href: el.getAttribute('href'), tag: el.tagName.toLowerCase(), key: el.id || el.textContent.trim().slice(0, 40),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight};
}"""


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", ["home", "brief", "404"])
def test_keyboard_reaches_every_link_with_a_visible_focus(browser: Any, sample: Served, name: str,
                                                         width: int) -> None:
    pg = open_at(browser, sample.url(PAGES[name]), width)
    links = pg.eval_on_selector_all(
        "a[href]", "as => as.filter(a => a.getClientRects().length && getComputedStyle(a).visibility !== 'hidden')"
                   ".map(a => a.getAttribute('href'))")
    reached: list[str] = []
    for _ in range(len(links) + 20):
        pg.keyboard.press("Tab")
        state = pg.evaluate(FOCUS_STATE)
        if state["tag"] == "body":
            break
        assert state["outline"], f"no visible focus outline on {state}"
        assert state["onScreen"], f"focused element is off screen: {state}"
        if state["href"] is not None:
            reached.append(state["href"])
    assert sorted(set(links) - set(reached)) == []
    pg.context.close()


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(browser: Any, sample: Served) -> None:
    pg = open_at(browser, sample.url(BRIEF), WIDTHS["narrow"])
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.textContent") == "Skip to content"
    assert pg.locator(".skip").bounding_box()["x"] >= 0  # type: ignore[index]
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "main"
    pg.context.close()
