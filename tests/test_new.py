"""`build.py new`: a brief skeleton named after its title, dated today in the site timezone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import run as run_cli


def run(*argv: str) -> tuple[int, str, str]:
    result = run_cli(*argv)
    return result.code, result.out, result.err


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "site.yaml").write_text("title: Test\ntimezone: Pacific/Kiritimati\n", encoding="utf-8")
    return tmp_path


def test_new_writes_the_skeleton_and_prints_its_path(site: Path) -> None:
    code, out, err = run("new", "Seoul: N.Korean Troops Arrive in Russia", "--story", "nk-troops",
                         "--topics", "North Korea, Russia", "--date", "2024-10-18")
    assert (code, out) == (0, "content/seoul-n-korean-troops-arrive-in-russia.md\n")
    assert err == ("note: add at least one source and cite it in the facts; until then it does not build "
                   "(or start it with --draft to preview it with --drafts)\n")
    text = (site / "content" / "seoul-n-korean-troops-arrive-in-russia.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: 'Seoul: N.Korean Troops Arrive in Russia'\ndate: 2024-10-18\n"
                           "topics: [North Korea, Russia]\nstory: nk-troops\n")
    assert "  # - name: Reuters\n" in text and "  # - perspective: Pro-establishment\n" in text
    assert "  #   probability: 0.7\n" in text
    assert text.endswith("---\n\n## Facts\n\n- \n")
    assert "draft:" not in text


def test_new_dates_today_in_the_site_timezone(site: Path) -> None:
    _, out, _ = run("new", "Kiribati Time")
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date().isoformat()
    assert f"\ndate: {today}\n" in (site / out.strip()).read_text(encoding="utf-8")


def test_new_draft_builds_with_drafts(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # new dates the brief today, by the clock
    assert run("new", "Work in progress", "--draft")[0] == 0
    code, checked, err = run("check", "--content", "content", "--drafts")
    assert code == 0, err
    assert checked == "checked 1 brief: 0 errors, 3 warnings\n"
    assert err.splitlines() == [
        ("content/work-in-progress.md:5: warning: sources: at least one source is required before this draft "
         "is published"),
        # at the `narratives:` new writes, where the author adds them; it was line 1, the `---`
        "content/work-in-progress.md:8: warning: narratives: no narratives: a balanced brief gives at least two",
        # the empty `- ` left for the first fact was published as an empty item, unremarked
        "content/work-in-progress.md:22: warning: body: an empty fact; write it and cite its source, or remove the line",
    ]


def test_new_refuses_to_overwrite(site: Path) -> None:
    assert run("new", "Same Title")[0] == 0
    path = site / "content" / "same-title.md"
    path.write_text("edited", encoding="utf-8")
    code, out, err = run("new", "Same title!")
    assert (code, out) == (1, "")
    assert err == "content/same-title.md: already exists; not overwritten (choose another title or edit it)\n"
    assert path.read_text(encoding="utf-8") == "edited"


def test_new_refuses_a_slug_another_brief_has(site: Path) -> None:
    # only the file name was checked: the brief written broke the build with a duplicate slug
    (site / "content" / "2024").mkdir()
    (site / "content" / "2024" / "sub-brief.md").write_text("---\ntitle: Sub Brief\n---\n", encoding="utf-8")
    (site / "content" / "other.md").write_text("---\ntitle: Other\nslug: taken-slug\n---\n", encoding="utf-8")
    assert run("new", "Sub Brief") == (1, "", ('content/sub-brief.md: the slug "sub-brief" is already used by '
                                              "content/2024/sub-brief.md; not written (choose another title or "
                                              "pass --slug)\n"))
    assert run("new", "Taken Slug") == (1, "", ('content/taken-slug.md: the slug "taken-slug" is already used by '
                                               "content/other.md; not written (choose another title or pass "
                                               "--slug)\n"))
    assert sorted(p.name for p in (site / "content").glob("*.md")) == ["other.md"]
    assert run("new", "Taken Slug", "--slug", "taken-slug-2", "--draft")[:2] == (0, "content/taken-slug-2.md\n")


def test_new_usage_errors(site: Path) -> None:
    assert run("new", "Title", "--story", "Not A Key")[0] == 2
    assert run("new", "Title", "--date", "18.10.2024")[2] == \
        'error: --date: not a date (got "18.10.2024"); write YYYY-MM-DD\n'
    assert run("new", "Title", "--content", "missing")[2] == "error: no content folder at missing; pass --content DIR\n"


def test_a_title_without_latin_letters_needs_slug(site: Path) -> None:
    # the message said to set slug: in a file that was never written
    assert run("new", "Путин встретился с Кимом") == (2, "", (
        'error: the title gives no usable file name (got "путин-встретился-с-кимом"); give one with --slug SLUG '
        "(lowercase Latin letters, digits, - and _)\n"))
    code, out, _ = run("new", "Путин встретился с Кимом", "--slug", "putin-meets-kim", "--date", "2024-10-18")
    assert (code, out) == (0, "content/putin-meets-kim.md\n")
    assert (site / "content" / "putin-meets-kim.md").read_text(encoding="utf-8").startswith(
        "---\ntitle: Путин встретился с Кимом\ndate: 2024-10-18\n")
    assert run("new", "Title", "--slug", "Putin Meets Kim") == (2, "", (
        'error: --slug: "Putin Meets Kim" is not a plain slug (lowercase Latin letters, digits, - and _); '
        'did you mean "putin-meets-kim"?\n'))


def test_latin_letters_nfkd_keeps_whole_are_spelt_in_ascii(site: Path) -> None:
    # ß, æ, ø, œ were kept as they are, and the title was refused for having no Latin letters
    code, out, _ = run("new", "Ünïcödé ß æ ø œ ﬁ", "--draft")
    assert (code, out) == (0, "content/unicode-ss-ae-o-oe-fi.md\n")
    assert run("new", "Øresund: Łódź Straße, Þórshöfn", "--draft")[1] == "content/oresund-lodz-strasse-thorshofn.md\n"


def test_long_titles_give_slugs_cut_at_a_word(site: Path) -> None:
    _, out, _ = run("new", "North Korean Troops Deploy in Russia, Heightening Concerns Over the Ukraine Conflict")
    assert out == "content/north-korean-troops-deploy-in-russia-heightening-concerns.md\n"
    # a cut never leaves a small word dangling at the end ("...-and", "...-of-the")
    _, out, _ = run("new", "North Korean Troops Deploy in Russia, Heightening Fears and Uncertainty")
    assert out == "content/north-korean-troops-deploy-in-russia-heightening-fears.md\n"
    _, out, _ = run("new", "Court Ruling Unexpectedly Reshapes the Long Politics of the Disputed Arctic")
    assert out == "content/court-ruling-unexpectedly-reshapes-the-long-politics.md\n"
    # a first word longer than a slug may be is cut, not written as a file name the system refuses
    code, out, _ = run("new", "Supercalifragilistic" * 20 + " news")
    assert (code, out) == (0, "content/" + ("supercalifragilistic" * 3) + ".md\n")
    # and so is a long word after a short one, not left out ("A Supercalifragilistic..." gave the slug "a")
    assert run("new", "A " + "x" * 70)[1] == "content/a-" + "x" * 58 + ".md\n"


def test_an_empty_title_is_refused_and_a_title_is_one_line(site: Path) -> None:
    # a blank title was told to give --slug, and with --slug it wrote "title: ''", which check refused;
    # a title holding a line break was written across two lines of YAML and shown with the break in it
    assert run("new", "  ") == (2, "", 'error: title: is empty; give the headline, e.g. build.py new "Title"\n')
    assert run("new", "", "--slug", "blank") == (
        2, "", 'error: title: is empty; give the headline, e.g. build.py new "Title"\n')
    assert not (site / "content" / "blank.md").exists()
    code, out, _ = run("new", " Seoul:\n  Troops\tArrive ", "--date", "2024-10-18", "--draft")
    assert (code, out) == (0, "content/seoul-troops-arrive.md\n")
    assert (site / "content" / "seoul-troops-arrive.md").read_text(encoding="utf-8").startswith(
        "---\ntitle: 'Seoul: Troops Arrive'\ndate: 2024-10-18\n")


def test_control_characters_pasted_into_a_title_or_topic_are_dropped(site: Path) -> None:
    # the brief was written with title: "Bell\a title\e[0m", which check then refused at line 2
    code, out, _ = run("new", "Bell\x07 title\x1b[0m", "--topics", "Nor\x1bth Korea, \x07", "--date", "2024-10-18")
    assert (code, out) == (0, "content/bell-title-0m.md\n")
    assert (site / "content" / "bell-title-0m.md").read_text(encoding="utf-8").startswith(
        "---\ntitle: Bell title [0m\ndate: 2024-10-18\ntopics: [Nor th Korea]\n")
