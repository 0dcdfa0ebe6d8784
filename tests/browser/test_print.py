"""The default theme printed: the light palette whatever the system's colour scheme, the bars and legend
swatches kept, and the page furniture a reader on paper cannot use left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import WIDTHS, Served, axe_violations, build_site, open_at, screenshot, serve

BRIEF = "briefs/seoul-north-korean-troops-arrive-in-russia/"
RESOLVED_BRIEF = "briefs/pentagon-10k-north-korean-troops-training-in-russia/"

# WCAG contrast ratio between two computed colours (rgb() or rgba() strings, alpha ignored).
CONTRAST = """([a, b]) => {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


def printed(browser: Any, url: str, scheme: str) -> Any:
    pg = open_at(browser, url, WIDTHS["wide"], color_scheme=scheme)
    pg.emulate_media(media="print", color_scheme=scheme)
    return pg


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [BRIEF, RESOLVED_BRIEF, "forecasts/", "search/"])
def test_print_uses_the_light_palette_and_keeps_contrast(browser: Any, sample: Served, axe_source: str,
                                                         path: str, scheme: str) -> None:
    pg = printed(browser, sample.url(path), scheme)
    screenshot(pg, f"print-{path.strip('/').replace('/', '-')}-{scheme}")
    assert pg.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert axe_violations(pg, axe_source, ["color-contrast"]) == []
    pg.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_printed_balance_map_numbers_stand_out_from_their_dots(browser: Any, sample: Served, scheme: str) -> None:
    pg = printed(browser, sample.url(BRIEF), scheme)
    pairs = pg.eval_on_selector_all(
        ".balance-map .dot",
        "ds => ds.map(d => [getComputedStyle(d.querySelector('text')).fill, getComputedStyle(d.querySelector('circle')).fill])")
    assert pairs
    for text, circle in pairs:
        assert pg.evaluate(CONTRAST, [text, circle]) >= 4.5, (text, circle)
    pg.context.close()


PRINT_ADJUST = """(sel) => [...document.querySelectorAll(sel.split('::')[0])].map((el) => {
  const cs = getComputedStyle(el, sel.includes('::') ? '::' + sel.split('::')[1] : null);
  return cs.getPropertyValue('print-color-adjust') || cs.getPropertyValue('-webkit-print-color-adjust');
})"""


@pytest.mark.parametrize("selector", [".bar span", ".seg", ".key::before", ".timeline > li::before"])
def test_printed_bars_and_swatches_keep_their_colours(browser: Any, sample: Served, selector: str) -> None:
    # They are backgrounds, which browsers leave out of a print unless told to keep them exactly.
    path = "stories/north-korean-troops-in-russia/" if "timeline" in selector else BRIEF
    pg = printed(browser, sample.url(path), "light")
    values = pg.evaluate(PRINT_ADJUST, selector)
    assert values and set(values) == {"exact"}
    pg.context.close()


@pytest.mark.parametrize("selector", [".site-search", ".related", ".linked-from", ".outlet-link"])
def test_print_leaves_out_what_paper_cannot_use(browser: Any, sample: Served, selector: str) -> None:
    # a search box and lists of links to other pages are no use on paper, like the site navigation
    pg = open_at(browser, sample.url(BRIEF), WIDTHS["wide"])
    shown = f"[...document.querySelectorAll('{selector}')].map(e => getComputedStyle(e).display)"
    on_screen = pg.evaluate(shown)
    assert on_screen and "none" not in on_screen
    pg.emulate_media(media="print")
    assert set(pg.evaluate(shown)) == {"none"}
    pg.context.close()


CREDITED = """---
title: Talks resume
date: 2024-11-02
sources:
  - name: Reuters
    url: https://www.reuters.com/world/talks/
narratives:
  - perspective: Pro-government
    outlet: TASS
    url: https://tass.com/politics/1
    text: The talks are a success.[1]
  - perspective: Opposition
    outlet: Meduza
    text: The talks are for show.[1]
predictions:
  - claim: A deal will be signed
    probability: 0.4
    by: 2024-12-31
    source: Metaculus
    url: https://www.metaculus.com/questions/1/
---

- Talks resumed in Geneva.[1]
"""


def test_print_gives_the_address_of_each_source_narrative_and_forecast(browser: Any, tmp_path: Path) -> None:
    # On paper a link is only its words: a narrative's article and a forecast's page were printed as the
    # outlet's and the forecaster's names, with no address to find them by.
    content = tmp_path / "content"
    content.mkdir()
    (content / "talks.md").write_text(CREDITED, encoding="utf-8")
    build_site(content, tmp_path / "site")
    with serve(tmp_path / "site", tmp_path) as served:
        pg = open_at(browser, served.url("briefs/talks/"), WIDTHS["wide"])
        pg.emulate_media(media="print")
        printed_after = pg.eval_on_selector_all(
            "main a[href^=http]", "as => as.map(a => [a.textContent, getComputedStyle(a, '::after').content])")
        assert printed_after == [["TASS", '" <https://tass.com/politics/1>"'],
                                 ["Metaculus", '" <https://www.metaculus.com/questions/1/>"'],
                                 ["Reuters", '" <https://www.reuters.com/world/talks/>"']]
        pg.context.close()
