"""What `check` reports and what readers see for outlets, balance, forecasts and corrections."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest

from briefkit import pipeline
from briefkit.cli import main
from briefkit.project import open_project
from briefkit.render import decimals, percent

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
AUG_2025 = "1754006400"  # 2025-08-01T00:00:00Z
SVG = "{http://www.w3.org/2000/svg}"


def check(site: Path, monkeypatch: pytest.MonkeyPatch, epoch: str) -> tuple[int, list[str]]:
    monkeypatch.chdir(site)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    out, err = io.StringIO(), io.StringIO()
    code = main(["check"], out, err)
    return code, err.getvalue().splitlines() + out.getvalue().splitlines()


def build(site: Path, monkeypatch: pytest.MonkeyPatch, epoch: str) -> dict[str, str]:
    monkeypatch.chdir(site)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    project, diags = open_project()
    assert not diags
    result = pipeline.build(project, write=False)
    assert not result.errors, [d.format() for d in result.errors]
    return {k: v.decode() for k, v in result.files.items() if k.endswith(".html")}


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def text_of(html: str) -> str:
    """What a reader sees, roughly: tags dropped, entities decoded, spaces collapsed."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text.replace(" ,", ",").replace(" .", ".")


def test_check_lists_each_unrated_outlet_once_with_counts(monkeypatch):
    code, lines = check(FIXTURES / "unrated_outlets", monkeypatch, AUG_2025)
    assert code == 0
    assert lines == [
        ('content/a.md:6: warning: sources[2].name: "Daily Planet" is not in content/outlets.yaml: named 3 times, '
        "in 2 briefs (add it there, or as an alias of an outlet, to rate it)"),
        ('content/b.md:5: warning: sources[1].name: "Kyiv Post" is not in content/outlets.yaml: named 2 times, '
        "in 1 brief (add it there, or as an alias of an outlet, to rate it)"),
        "content/b.md:7: warning: narratives: one narrative: a balanced brief gives at least two",
        "checked 2 briefs: 0 errors, 3 warnings",
    ]


def test_check_reports_overdue_forecasts_and_outcomes_that_disagree(monkeypatch):
    code, lines = check(FIXTURES / "forecast_questions", monkeypatch, AUG_2025)
    hint = "(set outcome: true or false once the public record settles it)"
    assert code == 0
    assert lines == [
        (f"content/asked-again.md:12: warning: predictions[1].outcome: the deadline, 2025-06-30, has passed and no "
        f"outcome is set {hint}"),
        ("content/asked-first.md:17: warning: predictions[2].outcome: says true, but content/asked-again.md:17 "
        "resolves the same question as false"),
        (f"content/asked-first.md:22: warning: predictions[3].outcome: the deadline, 2024-11-30, has passed and no "
        f"outcome is set {hint}"),
        "checked 2 briefs: 0 errors, 3 warnings",
    ]


def test_before_the_deadline_nothing_is_overdue(monkeypatch):
    code, lines = check(FIXTURES / "forecast_questions", monkeypatch, "1730419200")  # 2024-11-01
    assert code == 0
    assert lines == [  # the conflicting outcomes are still reported; no deadline has passed yet
        ("content/asked-first.md:17: warning: predictions[2].outcome: says true, but content/asked-again.md:17 "
         "resolves the same question as false"),
        "checked 2 briefs: 0 errors, 1 warning",
    ]


def test_forecasts_lede_tells_forecasts_from_questions(monkeypatch):
    # six forecasts: the ceasefire and the bridge are each asked twice, the summit and the talks once
    page = main_of(build(FIXTURES / "forecast_questions", monkeypatch, AUG_2025)["forecasts/index.html"])
    lede = text_of(page.split('<p class="lede">')[1].split("</p>")[0])
    assert lede == ("Every forecast made in a brief, and how it turned out: 6 forecasts on 4 questions. A question "
                    "asked in several briefs is shown once, with its probability each time.")
    assert re.findall(r'<span class="count">(\d+ questions?)</span>', page) == ["1 question", "2 questions",
                                                                               "1 question"]


def test_forecasts_page_groups_questions_and_flags_overdue_ones(monkeypatch):
    page = main_of(build(FIXTURES / "forecast_questions", monkeypatch, AUG_2025)["forecasts/index.html"])
    sections = {m.group(1): m.group(2) for m in re.finditer(r'<section aria-labelledby="(\w+)">(.*?)</section>', page, re.DOTALL)}
    assert text_of(sections["open"]).startswith("Open, by deadline The summit will take place 40% on 1 November 2024 "
                                                 "By 31 January 2026 · Forecast by Metaculus · Open")
    overdue = text_of(sections["overdue"])
    # oldest deadline first; citation markers do not follow the claim off its brief
    assert overdue.index("Talks will start 50%") < overdue.index("Russia and Ukraine will agree a ceasefire")
    assert "Probability over time: 13% on 1 October 2024 →, then 6% on 1 November 2024" in overdue
    assert overdue.count("Overdue: the deadline has passed and no outcome is recorded") == 2
    resolved = text_of(sections["resolved"])
    assert "The bridge will reopen" not in resolved and "the bridge will reopen" in resolved  # latest wording
    assert "90% on 1 October 2024 →, then 70% on 1 November 2024" in resolved
    assert "Resolved: it did not happen" in resolved
    record = text_of(sections["forecasters"])  # bridge resolved false: (.9^2 + .7^2) / 2 = .65
    assert "Briefs desk Forecasts 5 (2 resolved, 0 open, 3 overdue) Brier score 0.650 over 2 resolved" in record
    assert "Metaculus Forecasts 1 (0 resolved, 1 open, 0 overdue) Brier score none yet" in record


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict[str, str]:
    mp = pytest.MonkeyPatch()
    try:
        return build(ROOT, mp, "1790000000")  # 21 September 2026
    finally:
        mp.undo()


def test_sample_forecasts_page(sample):
    page = text_of(main_of(sample["forecasts/index.html"]))
    assert ("A ceasefire between Russia and Ukraine will be in effect 15% on 29 October 2024 By 31 December 2027 · "
            "Forecast by Briefs desk · Open") in page
    assert ("North Korean troops will be deployed in combat in Russia's Kursk region Probability over time: 70% on 23 October 2024 →, then "
            "80% on 24 October 2024 By 31 December 2024 · Forecast by Briefs desk · Resolved: it happened") in page
    assert ("Russia will officially confirm that North Korean troops are fighting for it 30% on 29 October 2024 "
            "By 31 December 2024 · Forecast by Briefs desk · Resolved: it did not happen") in page
    # (.3^2 + .2^2 + .75^2 + .4^2 + .3^2) / 5 = .9425 / 5
    assert "Forecasts 6 (5 resolved, 1 open, 0 overdue) Brier score 0.189 over 5 resolved forecasts" in page


def test_sample_blindspots_page(sample):
    page = main_of(sample["blindspots/index.html"])
    stories, briefs = page.split('<h2 id="briefs">')
    assert "North Korean troops in Russia" in stories and "25 of 33 rated sources are pro-establishment." in stories
    titles = re.findall(r'<h3><a href="/briefs/[^"]+/">([^<]+)</a></h3>', briefs)
    assert titles == ["NATO and US Confirm North Korean Troops in Russia",
                      "US Evidence Suggests North Korean Troops Are in Russia and May Be Preparing for War in Ukraine"]
    assert "All 5 rated sources are pro-establishment." in briefs
    assert 'Pro 7</span>' in briefs and 'Critical 0</span>' in briefs


def test_sample_outlet_pages(sample):
    index = main_of(sample["outlets/index.html"])
    assert index.count('<th scope="row">') == 23
    reuters = text_of(main_of(sample["outlets/reuters/index.html"]))
    assert "Lean Centre (3 of 5) Establishment Pro-establishment (4 of 5) Country GB Paywall Yes" in reuters
    assert "Briefs citing Reuters 2 briefs US Evidence Suggests" in reuters
    assert "Pentagon: Evidence Shows 3K North Korea Troops in Russia 23 October 2024 · source [8]" in reuters
    # Reuters reported both sides' narratives; the sides tell them, so they are credited to the sides
    assert "Narratives it provided 0 narratives No brief gives a narrative from it yet." in reuters
    ukraine = text_of(main_of(sample["outlets/office-of-the-president-of-ukraine/index.html"]))
    assert "Narratives it provided 2 narratives Pro-Ukraine narrative In NATO and US Confirm" in ukraine
    # the narrative, without the brief's citation markers (they point at the brief's own source list)
    assert ukraine.endswith("calls on allies to respond to the evidence of North Korean involvement in Russia's war.")
    assert 'href="#source-' not in sample["outlets/office-of-the-president-of-ukraine/index.html"]
    kremlin = text_of(main_of(sample["outlets/kremlin/index.html"]))
    assert "Narratives it provided 1 narrative Pro-Russia narrative In US Evidence Suggests" in kremlin
    kyiv = text_of(main_of(sample["outlets/the-kyiv-independent/index.html"]))
    assert "Briefs citing The Kyiv Independent 0 briefs No brief cites it yet. Narratives it provided 2 narratives" in kyiv


def test_sample_brief_marks_paywalls_and_links_outlets(sample):
    html = sample["briefs/us-evidence-north-korean-troops-may-prepare-for-ukraine/index.html"]
    source1 = html[html.index('id="source-1"'):html.index('id="source-2"')]
    assert '<span class="paywall" title="Reading this source needs a subscription" data-pagefind-ignore>Paywall</span>' in source1
    assert '<a class="outlet-link" href="/outlets/reuters/"><span data-pagefind-ignore>About</span> Reuters</a>' in source1
    source2 = html[html.index('id="source-2"'):html.index('id="source-3"')]
    assert "Paywall" not in source2


def test_sample_corrections_page_and_footer_count(sample):
    page = text_of(main_of(sample["corrections/index.html"]))
    assert ("23 October 2024 · Seoul: N.Korean Troops Arrive in Russia to Fight Ukraine An earlier version of this "
            "brief said sources within the NIS") in page
    for html in (sample["index.html"], sample["corrections/index.html"]):
        assert '<a href="/corrections/">1 correction</a>' in html


def test_balance_panel_notes_and_counts(sample):
    html = sample["briefs/us-evidence-north-korean-troops-may-prepare-for-ukraine/index.html"]
    panel = html[html.index('<section class="balance"'):html.index('<section class="narratives"')]
    assert ("All 7 rated sources are pro-establishment. Look for establishment-critical reporting before drawing "
            "conclusions.") in panel
    assert "Left 0</span> · <span class=\"key lean-1\">Centre 7</span> · <span class=\"key lean-2\">Right 0" in panel
    assert text_of(panel).count("2 narratives: Pro-Ukraine, Pro-Russia") == 1
    balanced = sample["briefs/pentagon-evidence-3k-north-korean-troops-in-russia/index.html"]
    assert 'class="balance-notes"' not in balanced


def test_every_svg_is_well_formed_and_has_a_text_alternative(sample):
    seen = 0
    for path, html in sample.items():
        start = 0
        while (i := html.find("<svg", start)) != -1:
            j = html.index("</svg>", i) + len("</svg>")
            svg = ET.fromstring(html[i:j])
            assert svg.get("role") == "img", path
            title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
            assert title is not None and title.text and desc is not None and desc.text, path
            assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
            after = html[j:j + 4000]
            assert "<table" in after, f"{path}: no table after the chart"
            seen += 1
            start = j
    assert seen == 5 + 1  # a map on each brief, one calibration chart


def test_balance_settings_are_validated(tmp_path, monkeypatch):
    (tmp_path / "content").mkdir(parents=True)
    (tmp_path / "site.yaml").write_text("balance:\n  threshold: 0.4\n  min_ratd: 2\n")
    code, lines = check(tmp_path, monkeypatch, AUG_2025)
    assert code == 1
    assert lines[:2] == ["site.yaml:2: balance.threshold: must be from 0.5 to 1 (got 0.4)",
                         'site.yaml:3: balance.min_ratd: unknown key (did you mean "min_rated"?)']


RATED = """\
- name: Left Paper
  lean: 1
  establishment: 1
- name: Right Times
  lean: 5
  establishment: 5
- name: Centre Wire
  lean: 3
  establishment: 3
- name: Lean Only
  lean: 2
"""


def brief_md(day: str, sources: list[str], extra: str = "") -> str:
    """A two-narrative brief citing each of its sources once; `extra` is more front matter."""
    names = "".join(f'  - name: "{s}"\n' for s in sources)
    facts = "".join(f"- Fact {i}.[{i}]\n" for i in range(1, len(sources) + 1))
    return (f'---\ntitle: "Brief of {day}"\ndate: {day}\nsources:\n{names}narratives:\n'
            f"  - perspective: A\n    text: a\n  - perspective: B\n    text: b\n{extra}---\n\n{facts}")


def small_site(tmp_path: Path, briefs: dict[str, str], outlets: str = RATED, config: str = "title: T\n") -> Path:
    (tmp_path / "content").mkdir(parents=True)
    (tmp_path / "site.yaml").write_text(config)
    if outlets:
        (tmp_path / "content" / "outlets.yaml").write_text(outlets)
    for slug, text in briefs.items():
        (tmp_path / "content" / f"{slug}.md").write_text(text)
    return tmp_path


def section(html: str, start: str, end: str) -> str:
    return text_of(html[html.index(start):html.index(end, html.index(start))])


def test_an_even_split_is_never_a_blindspot_even_at_threshold_one_half(tmp_path, monkeypatch):
    even = ["Left Paper", "Left Paper", "Right Times", "Right Times"]
    site = small_site(tmp_path, {"even": brief_md("2024-10-01", even),
                                 "left": brief_md("2024-10-02", ["Left Paper"] * 3 + ["Right Times"])},
                      config="title: T\nbalance:\n  threshold: 0.5\n")
    pages = build(site, monkeypatch, AUG_2025)
    briefs = section(pages["blindspots/index.html"], '<h2 id="briefs">', "</section>")
    assert briefs.count("Brief of") == 1 and "Brief of 2024-10-02" in briefs
    assert "3 of 4 rated sources lean left. 3 of 4 rated sources are establishment-critical." in briefs
    assert "lean right" not in briefs and "2 of 4" not in briefs
    panel = section(pages["briefs/even/index.html"], '<section class="balance"', "</section>")
    assert "Look for" not in panel


OCT_27_2024 = "1730000000"


def predictions_md(*preds: str) -> str:
    """`predictions:` front matter from one `key: value, key: value` line per prediction."""
    out = "predictions:\n"
    for p in preds:
        items = [kv.split(": ", 1) for kv in p.split(", ")]
        out += "".join(f"  {'-' if i == 0 else ' '} {k}: {v}\n" for i, (k, v) in enumerate(items))
    return out


def prediction_meta(html: str, n: int) -> str:
    """What the brief page says under its n-th prediction: deadline, forecaster, status."""
    item = html[html.index(f'id="prediction-{n}"'):]
    return section(item, '<p class="meta">', "</p>")


def test_a_brief_page_shows_an_overdue_forecast_as_the_forecasts_page_does(tmp_path, monkeypatch):
    site = small_site(tmp_path, {"a": brief_md("2024-09-01", ["Left Paper"], predictions_md(
        "claim: Past its deadline, probability: 0.4, by: 2024-10-26, source: Erin, outcome: null",
        "claim: Due today, probability: 0.4, by: 2024-10-27, source: Erin"))})
    pages = build(site, monkeypatch, OCT_27_2024)
    overdue = "Overdue: the deadline has passed and no outcome is recorded"
    assert overdue in section(pages["forecasts/index.html"], '<h2 id="overdue">', "</section>")
    assert prediction_meta(pages["briefs/a/index.html"], 1) == f"By 26 October 2024 · Forecast by Erin · {overdue}"
    assert prediction_meta(pages["briefs/a/index.html"], 2) == "By 27 October 2024 · Forecast by Erin · Open"


def test_an_outcome_recorded_in_another_brief_says_whether_it_is_earlier_or_later(tmp_path, monkeypatch):
    site = small_site(tmp_path, {
        "b1": brief_md("2024-09-01", ["Left Paper"], predictions_md(
            "claim: Resolved early, probability: 0.8, question: early, by: 2024-10-01, outcome: true",
            "claim: Resolved late, probability: 0.3, question: late, by: 2024-10-01")),
        "b2": brief_md("2024-10-05", ["Left Paper"], predictions_md(
            "claim: Resolved early (again), probability: 0.9, question: early, by: 2024-10-01",
            "claim: Resolved late (again), probability: 0.2, question: late, by: 2024-10-01, outcome: false"))})
    pages = build(site, monkeypatch, OCT_27_2024)
    b1, b2 = pages["briefs/b1/index.html"], pages["briefs/b2/index.html"]
    assert prediction_meta(b1, 1) == "By 1 October 2024 · Resolved: it happened"
    assert prediction_meta(b2, 1) == "By 1 October 2024 · Resolved: it happened (as an earlier brief records)"
    assert prediction_meta(b1, 2) == "By 1 October 2024 · Resolved: it did not happen (as a later brief records)"
    assert prediction_meta(b2, 2) == "By 1 October 2024 · Resolved: it did not happen"


def test_a_question_repeated_without_a_deadline_keeps_the_one_given_before(tmp_path, monkeypatch):
    site = small_site(tmp_path, {
        "b1": brief_md("2024-09-01", ["Left Paper"], predictions_md(
            "claim: Deadline given, probability: 0.5, question: nodl, by: 2024-10-01")),
        "b2": brief_md("2024-10-05", ["Left Paper"], predictions_md(
            "claim: Deadline dropped, probability: 0.6, question: nodl"))})
    pages = build(site, monkeypatch, OCT_27_2024)
    board = pages["forecasts/index.html"]
    assert "Deadline dropped" not in section(board, '<h2 id="open">', "</section>")
    assert ("Deadline dropped Probability over time: 50% on 1 September 2024 →, then 60% on 5 October 2024, "
            "after the deadline: not scored By 1 October 2024 · Forecast by Unattributed · Overdue") in section(board, '<h2 id="overdue">', "</section>")
    overdue = "Overdue: the deadline has passed and no outcome is recorded"
    assert prediction_meta(pages["briefs/b2/index.html"], 1) == f"By 1 October 2024 · {overdue}"
    assert prediction_meta(pages["briefs/b1/index.html"], 1) == f"By 1 October 2024 · {overdue}"


def test_a_forecaster_spelt_with_other_case_or_spaces_is_one_forecaster(tmp_path, monkeypatch):
    site = small_site(tmp_path, {
        "b1": brief_md("2024-09-01", ["Left Paper"], predictions_md(
            "claim: One, probability: 0.6, by: 2024-10-01, source: Metaculus, outcome: true")),
        "b2": brief_md("2024-09-02", ["Left Paper"], predictions_md(
            'claim: Two, probability: 0.6, by: 2024-10-01, source: "metaculus ", outcome: true',
            'claim: Three, probability: 0.5, by: 2024-12-01, source: " METACULUS   prediction"'))})
    pages = build(site, monkeypatch, OCT_27_2024)
    assert pages["forecasts/index.html"].count('<article class="forecaster"') == 2
    record = section(pages["forecasts/index.html"], '<h2 id="forecasters">', "</section>")
    assert "Metaculus Forecasts 2 (2 resolved, 0 open, 0 overdue) Brier score 0.160" in record
    assert "METACULUS prediction Forecasts 1 (0 resolved, 1 open, 0 overdue)" in record
    assert prediction_meta(pages["briefs/b2/index.html"], 1) == "By 1 October 2024 · Forecast by Metaculus · Resolved: it happened"


def test_no_empty_map_when_no_source_is_rated_on_both_axes(tmp_path, monkeypatch):
    site = small_site(tmp_path, {"lean-only": brief_md("2024-10-01", ["Lean Only"] * 3 + ["Nobody Known"]),
                                 "unknown": brief_md("2024-10-02", ["Nobody Known"])})
    pages = build(site, monkeypatch, OCT_27_2024)
    html = pages["briefs/lean-only/index.html"]
    panel = html[html.index('<section class="balance"'):html.index("</section>", html.index('<section class="balance"'))]
    assert "<svg" not in panel and "Each dot" not in panel
    assert ("None of this brief's sources is rated on both axes, so none can be placed on the map; the bars "
            "show the ratings there are.") in text_of(panel)
    assert "Left 3 · Centre 0 · Right 0 · Not rated 1" in text_of(panel)
    unknown = section(pages["briefs/unknown/index.html"], '<section class="balance"', "</section>")
    assert "None of this brief's sources is an outlet with ratings yet, so they cannot be placed." in unknown


def meta_description(html: str) -> str:
    return unescape(re.search(r'<meta name="description" content="([^"]*)">', html).group(1))


def test_blindspots_page_words_counts_and_thresholds_naturally(tmp_path, monkeypatch):
    story = "story: s\n"
    site = small_site(tmp_path / "all", {
        "a": brief_md("2024-10-01", ["Left Paper", "Left Paper"], story),
        "b": brief_md("2024-10-02", ["Left Paper"], story)},
        config="title: T\nbalance:\n  threshold: 1\n  min_rated: 1\n")
    pages = build(site, monkeypatch, OCT_27_2024)
    page = pages["blindspots/index.html"]
    assert meta_description(page) == "1 story and 2 briefs whose sources sit mostly on one side."
    assert ("rated sources sit mostly on one side of an axis: all of at least 1 rated source on the left or the "
            "right") in text_of(main_of(page))
    briefs = section(page, '<h2 id="briefs">', "</section>")
    assert "Both rated sources lean left. Both rated sources are establishment-critical." in briefs
    assert "The only rated source leans left. The only rated source is establishment-critical." in briefs
    stories = section(page, '<h2 id="stories">', "</section>")
    assert "All 3 rated sources lean left." in stories
    panel = section(pages["briefs/a/index.html"], '<section class="balance"', "</section>")
    assert "Both rated sources lean left. Look for right-leaning reporting before drawing conclusions." in panel
    half = small_site(tmp_path / "half", {"a": brief_md("2024-10-01", ["Left Paper"])},
                      config="title: T\nbalance:\n  threshold: 0.5\n")
    page = build(half, monkeypatch, OCT_27_2024)["blindspots/index.html"]
    assert meta_description(page) == "0 stories and 0 briefs whose sources sit mostly on one side."
    assert "one side of an axis: more than half of at least 3 rated sources on the left" in text_of(main_of(page))


def test_a_story_of_one_brief_is_listed_as_that_brief_only(tmp_path, monkeypatch):
    # it stood under Stories and Briefs alike, with the same sentence and bars
    site = small_site(tmp_path, {"a": brief_md("2024-10-01", ["Left Paper"] * 3, "story: s\n")})
    page = build(site, monkeypatch, OCT_27_2024)["blindspots/index.html"]
    assert meta_description(page) == "0 stories and 1 brief whose sources sit mostly on one side."
    assert "No story has one-sided sourcing." in section(page, '<h2 id="stories">', "</section>")
    assert "All 3 rated sources lean left." in section(page, '<h2 id="briefs">', "</section>")


def test_a_site_without_forecasts_says_so_once(tmp_path, monkeypatch):
    site = small_site(tmp_path, {"a": brief_md("2024-10-01", ["Left Paper"])})
    page = build(site, monkeypatch, OCT_27_2024)["forecasts/index.html"]
    assert text_of(main_of(page)) == ("Forecasts No brief makes a forecast yet. When one does, this page lists it "
                                      "with how it turned out and each forecaster's track record.")
    assert meta_description(page) == "No brief on T makes a forecast yet."


def test_a_near_certain_forecast_is_never_shown_as_certain(tmp_path, monkeypatch):
    site = small_site(tmp_path, {"a": brief_md("2024-10-01", ["Left Paper"], predictions_md(
        "claim: Almost sure, probability: 0.9996, by: 2024-12-01",
        "claim: Almost never, probability: 0.0004, by: 2024-12-01",
        "claim: Sure, probability: 1, by: 2024-12-01",
        'claim: Six and a half, probability: "6.5%", by: 2024-12-01'))})
    pages = build(site, monkeypatch, OCT_27_2024)
    brief = pages["briefs/a/index.html"]
    odds = [text_of(m) for m in re.findall(r'<p class="odds">(.*?)</p>', brief, re.DOTALL)]
    assert odds == ["99.96%", "0.04%", "100%", "6.5%"]
    assert 'style="width: 99.96%"' in brief
    board = text_of(main_of(pages["forecasts/index.html"]))
    assert "Almost sure 99.96% on 1 October 2024" in board and "Almost never 0.04% on 1 October 2024" in board


@pytest.mark.parametrize("value, shown", [(0.7, "70%"), (0.065, "6.5%"), (0.9996, "99.96%"), (0.0004, "0.04%"),
                                          (0.99999, "99.999%"), (1e-9, "0.0000001%"), (0.0, "0%"), (1.0, "100%"),
                                          (0.1234, "12.3%"), (0.07, "7%")])
def test_percent_keeps_the_digits_that_tell_a_forecast_from_certainty(value, shown):
    assert percent(value) == shown


def test_a_brier_score_on_a_half_rounds_up(tmp_path, monkeypatch):
    # (.95^2 + .45^2 + .15^2 + .15^2) / 4 = 1.15 / 4 = .2875, which floats hold as .28749999...
    preds = [f"claim: C{i}, probability: {p}, by: 2024-10-01, source: Desk, outcome: true"
             for i, p in enumerate((0.05, 0.55, 0.85, 0.85), start=1)]
    site = small_site(tmp_path, {"a": brief_md("2024-09-01", ["Left Paper"], predictions_md(*preds))})
    record = section(build(site, monkeypatch, OCT_27_2024)["forecasts/index.html"], '<h2 id="forecasters">', "</section>")
    assert "Brier score 0.288 over 4 resolved forecasts" in record


@pytest.mark.parametrize("value, shown", [(0.2875, "0.288"), (0.0625, "0.063"), (0.1885, "0.189"),
                                          (0.0, "0.000"), (1.0, "1.000"), (1e-05, "0.000"), (0.65, "0.650")])
def test_decimals_round_halves_up_as_written(value, shown):
    assert decimals(value) == shown


def test_forecasters_numbered_alike_are_listed_in_number_order(tmp_path, monkeypatch):
    preds = [f"claim: C{n}, probability: 0.5, by: 2024-12-01, source: {who}"
             for n, who in enumerate(("F10", "F2", "F1", "f11", "Desk", "F1b"), start=1)]
    preds.append("claim: Nobody's, probability: 0.5, by: 2024-12-01")
    site = small_site(tmp_path, {"a": brief_md("2024-09-01", ["Left Paper"], predictions_md(*preds))})
    page = build(site, monkeypatch, OCT_27_2024)["forecasts/index.html"]
    names = re.findall(r'<h3 id="calibration-\d+-name">([^<]+)</h3>', page)
    assert names == ["Desk", "F1", "F1b", "F2", "F10", "f11", "Unattributed"]


def test_sample_lead_image_credit_reads_once(sample):
    html = sample["briefs/seoul-north-korean-troops-arrive-in-russia/index.html"]
    assert "<figcaption>Image: North Korea Watch</figcaption>" in html


def test_an_accent_typed_as_a_letter_and_a_mark_names_the_same_outlet(tmp_path, monkeypatch):
    # "Süddeutsche" pasted with u + combining diaeresis looks the same, but was "not in outlets.yaml"
    decomposed = "Su\u0308ddeutsche Zeitung"
    site = small_site(tmp_path, {"a": brief_md("2024-10-01", [decomposed])},
                      outlets="- name: S\u00fcddeutsche Zeitung\n  lean: 2\n  establishment: 4\n")
    code, lines = check(site, monkeypatch, OCT_27_2024)
    assert (code, lines) == (0, ["checked 1 brief: 0 errors, 0 warnings"])
    panel = section(build(site, monkeypatch, OCT_27_2024)["briefs/a/index.html"], '<section class="balance"',
                    "</section>")
    assert f"[1] {decomposed} left (2 of 5) pro-establishment (4 of 5)" in panel


def test_outlet_page_descriptions_say_what_the_pages_hold(tmp_path, monkeypatch):
    # "The 4 outlets cited on T" listed outlets no brief cites; "the 0 briefs citing it"; "The 0 outlets cited"
    pages = build(small_site(tmp_path / "rated", {"a": brief_md("2024-10-01", ["Left Paper", "Left Paper"])}),
                  monkeypatch, OCT_27_2024)
    assert meta_description(pages["outlets/index.html"]) == (
        "The 4 outlets T rates, with their lean and establishment ratings.")
    assert meta_description(pages["outlets/left-paper/index.html"]) == (
        "Left Paper: its ratings, the 1 brief citing it and the narratives it provided.")
    assert meta_description(pages["outlets/right-times/index.html"]) == (
        "Right Times: its ratings and the narratives it provided; no brief cites it yet.")
    bare = build(small_site(tmp_path / "none", {"a": brief_md("2024-10-01", ["Left Paper"])}, outlets=""),
                 monkeypatch, OCT_27_2024)
    assert meta_description(bare["outlets/index.html"]) == "No outlets on T are rated yet."
