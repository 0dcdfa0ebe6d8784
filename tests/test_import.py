"""`build.py import`: plain-text briefs in three forms become Markdown briefs that build."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import run as run_cli

from briefkit.schema import parse_brief

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SAMPLE_OUTLETS = Path(__file__).parent.parent / "content" / "outlets.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    result = run_cli(*argv)
    return result.code, result.out, result.err


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder with the sample outlets.yaml and the fixture texts under in/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    shutil.copy(SAMPLE_OUTLETS, tmp_path / "content" / "outlets.yaml")
    shutil.copytree(FIXTURES, tmp_path / "in")
    return tmp_path


def imported(site: Path, name: str, *extra: str) -> tuple[Path, str, str]:
    code, out, err = run("import", f"in/{name}", "--out", "content", "--date", "2024-10-23", *extra)
    assert code == 0, err
    written = [p for p in (site / "content").glob("*.md")]
    assert len(written) == 1
    return written[0], out, err


def brief_of(path: Path):
    brief, diags = parse_brief(str(path), path.read_text(encoding="utf-8"), ZoneInfo("UTC"))
    assert brief is not None, diags
    return brief


SEEDS = [
    # file, slug, facts, sources, narratives, predictions, draft
    ("seed_000_facts_sources_narratives.txt", "pentagon-evidence-shows-3k-north-korea-troops-in-russia",
     6, 9, 3, 0, False),
    ("seed_001_sections_web_boilerplate.txt", "seoul-n-korean-troops-arrive-in-russia-to-fight-ukraine",
     6, 7, 3, 0, False),
    ("seed_002_article_reports_reuters.txt", "us-evidence-suggests-north-korean-troops-are-in-russia",
     14, 2, 0, 0, True),
    ("seed_003_article_tldr_no_title.txt", "pentagon-confirms-north-korea-sent-10-000-troops-to-russia",
     14, 0, 0, 0, True),
    ("seed_004_article_source_links_only.txt", "north-korean-troops-deploy-in-russia-heightening-concerns",
     8, 0, 0, 0, True),
]


@pytest.mark.parametrize("name, slug, facts, sources, narratives, predictions, draft", SEEDS)
def test_seed_imports_to_a_brief_that_builds(site: Path, name: str, slug: str, facts: int, sources: int,
                                             narratives: int, predictions: int, draft: bool) -> None:
    path, out, _ = imported(site, name)
    assert path.name == f"{slug}.md"
    counts = (f"{facts} fact{'s' if facts != 1 else ''}, {sources} source{'s' if sources != 1 else ''}, "
              f"{narratives} narrative{'s' if narratives != 1 else ''}, "
              f"{predictions} prediction{'s' if predictions != 1 else ''}")
    assert out.splitlines()[0] == f"in/{name}: {counts}{' (draft)' if draft else ''} -> content/{slug}.md"
    brief = brief_of(path)
    assert (len(brief.sources), len(brief.narratives), len(brief.predictions), brief.draft) == (
        sources, narratives, predictions, draft)
    assert brief.body.count("\n- ") == facts
    code, checked, _ = run("check", "--content", "content", "--drafts")
    assert code == 0 and checked.startswith("checked 1 brief: 0 errors")
    if not draft:
        code, checked, _ = run("check", "--content", "content")
        assert code == 0 and checked.startswith("checked 1 brief: 0 errors")


def test_seed_000_keeps_the_authors_words(site: Path) -> None:
    path, _, err = imported(site, "seed_000_facts_sources_narratives.txt")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(
        "---\ntitle: 'Pentagon: Evidence Shows 3K North Korea Troops in Russia'\ndate: 2024-10-23\n"
        "sources:\n  - name: U.S. Department of Defense\n  - name: FOX News\n")
    assert ("  - perspective: Pro-Russia\n    outlet: TASS\n    text: Though allegations over the potential "
            "military training of North Koreans in Russia are unsubstantiated,") in text
    source = (FIXTURES / "seed_000_facts_sources_narratives.txt").read_text(encoding="utf-8")
    for line in source.splitlines():
        if line.startswith("  • ") and "narrative, as provided by" not in line:
            assert f"\n- {line[4:]}\n" in text
    brief = brief_of(path)
    assert [s.name for s in brief.sources][-2:] == ["Reuters", "RT"]
    assert err == "in/seed_000_facts_sources_narratives.txt: warning: date: no date line; " \
                  "dated 2024-10-23 (today or --date)\n"


def test_boilerplate_is_stripped_and_image_credit_kept(site: Path) -> None:
    path, _, err = imported(site, "seed_001_sections_web_boilerplate.txt")
    text = path.read_text(encoding="utf-8")
    assert "#   credit: Kim Jae-Hwan/SOPA Images/Contributor via Getty Images\n" in text
    for junk in ("Subscribe", "Check Your Email", "profile image", "Improve the News", "Read More", "...."):
        assert junk not in text
    assert "not placed" not in err


def test_article_without_narratives_or_sources_is_a_draft_saying_what_is_missing(site: Path) -> None:
    _, _, err = imported(site, "seed_004_article_source_links_only.txt")
    assert err.splitlines() == [
        "in/seed_004_article_source_links_only.txt: warning: date: no date line; dated 2024-10-23 (today or --date)",
        ("in/seed_004_article_source_links_only.txt: warning: narratives: none: this brief needs narratives, "
         "at least two, before publishing"),
        ("in/seed_004_article_source_links_only.txt: warning: sources: none: only a link to them (line 19), "
         "which plain text loses; add them before publishing"),
    ]


def test_reported_claims_cite_the_outlet(site: Path) -> None:
    path, _, _ = imported(site, "seed_002_article_reports_reuters.txt")
    text = path.read_text(encoding="utf-8")
    assert "sources:\n  - name: Reuters\n  - name: National Intelligence Service\n" in text
    assert "are likely to be sent to fight in Ukraine.[2]\n" in text
    assert "but that it is not yet known what their plan is, reports Reuters.[1]\n" in text


def test_article_without_title_line_takes_one_and_says_so(site: Path) -> None:
    _, _, err = imported(site, "seed_003_article_tldr_no_title.txt")
    assert ("in/seed_003_article_tldr_no_title.txt:2: warning: title: no title line; used \"Pentagon confirms "
            "North Korea sent 10,000 troops to Russia to join the war against Ukraine within weeks\" from the "
            "first point, edit it before publishing") in err.splitlines()


def test_the_facts_the_spin_with_ratings_and_a_nerd_forecast(site: Path) -> None:
    before = (site / "content" / "outlets.yaml").read_text(encoding="utf-8")
    path, out, err = imported(site, "spin_labels_ratings_before_2030.txt")
    assert path.read_text(encoding="utf-8") == (FIXTURES / "spin_labels_ratings_before_2030.md").read_text(
        encoding="utf-8")
    assert err == ""
    assert out.splitlines()[1:] == [
        "added to content/outlets.yaml: BBC News (lean 3, establishment 5)",
        "added to content/outlets.yaml: Deutsche Welle (lean 3, establishment 4)",
        "imported 1 of 1 file",
    ]
    after = (site / "content" / "outlets.yaml").read_text(encoding="utf-8")
    assert after == before + (
        "\n# From the import of spin_labels_ratings_before_2030.txt: LR -> lean, CP -> establishment\n"
        "- name: BBC News\n  lean: 3\n  establishment: 5\n"
        "- name: Deutsche Welle\n  lean: 3\n  establishment: 4\n")
    code, checked, err = run("check", "--content", "content")
    assert (code, checked, err) == (0, "checked 1 brief: 0 errors, 0 warnings\n", "")


def test_an_outlet_known_but_spelt_with_other_spaces_or_accents_is_not_added_again(site: Path) -> None:
    # "Süddeutsche" with u + combining mark was appended next to "Süddeutsche" (ü), and check then refused it
    with (site / "content" / "outlets.yaml").open("a", encoding="utf-8") as known:
        known.write("- name: BBC News\n  lean: 3\n  establishment: 5\n- name: S\u00fcddeutsche Zeitung\n")
    text = (site / "in" / "spin_labels_ratings_before_2030.txt").read_text(encoding="utf-8")
    (site / "in" / "spin_labels_ratings_before_2030.txt").write_text(
        text.replace("BBC News (LR", "BBC  news (LR").replace("Deutsche Welle (LR", "Su\u0308ddeutsche  Zeitung (LR"),
        encoding="utf-8")
    before = (site / "content" / "outlets.yaml").read_bytes()
    _, out, _ = imported(site, "spin_labels_ratings_before_2030.txt")
    assert "added to" not in out
    assert (site / "content" / "outlets.yaml").read_bytes() == before
    assert run("check", "--content", "content")[0] == 0


def test_median_and_stray_comma_and_unplaced_lines(site: Path) -> None:
    path, _, err = imported(site, "spin_median_stray_comma_unplaced.txt")
    assert path.read_text(encoding="utf-8") == (FIXTURES / "spin_median_stray_comma_unplaced.md").read_text(
        encoding="utf-8")
    assert err.splitlines() == [
        "in/spin_median_stray_comma_unplaced.txt: warning: date: no date line; dated 2024-10-23 (today or --date)",
        ("in/spin_median_stray_comma_unplaced.txt: warning: sources: none: no sources list; add them before "
         "publishing"),
        'in/spin_median_stray_comma_unplaced.txt:7: warning: not placed: "Watch the video below"',
    ]
    assert run("check", "--content", "content", "--drafts")[0] == 0


def test_importing_the_same_text_twice_gives_the_same_file(site: Path) -> None:
    path, _, _ = imported(site, "spin_labels_ratings_before_2030.txt")
    first = path.read_bytes()
    outlets = (site / "content" / "outlets.yaml").read_bytes()
    code, out, _ = run("import", "in/spin_labels_ratings_before_2030.txt", "--out", "content",
                       "--date", "2024-10-23", "--force")
    assert code == 0
    assert path.read_bytes() == first
    assert (site / "content" / "outlets.yaml").read_bytes() == outlets  # the outlets are known now
    assert "added to" not in out


def test_never_overwrites_without_force(site: Path) -> None:
    path, _, _ = imported(site, "seed_000_facts_sources_narratives.txt")
    path.write_text(path.read_text(encoding="utf-8") + "- An edit by the author.[1]\n", encoding="utf-8")
    edited = path.read_bytes()
    code, out, err = run("import", "in/seed_000_facts_sources_narratives.txt", "--out", "content")
    assert code == 1
    assert err.splitlines()[-1] == (f"content/{path.name}: already exists; not overwritten "
                                    "(pass --force to replace it)")
    assert out.splitlines()[-1] == "imported 0 of 1 file; 1 not written"
    assert path.read_bytes() == edited


def test_dry_run_prints_the_markdown_and_writes_nothing(site: Path) -> None:
    code, out, err = run("import", "in/seed_000_facts_sources_narratives.txt", "--out", "content",
                         "--date", "2024-10-23", "--dry-run")
    assert code == 0
    assert out.startswith("---\ntitle: 'Pentagon: Evidence Shows 3K North Korea Troops in Russia'\n")
    assert err.startswith("in/seed_000_facts_sources_narratives.txt: 6 facts, 9 sources, 3 narratives")
    assert list((site / "content").glob("*.md")) == []


def test_dry_run_says_what_a_real_run_would_refuse(site: Path) -> None:
    # it printed the Markdown and exited 0 where the real run refuses to write
    path, _, _ = imported(site, "seed_000_facts_sources_narratives.txt")
    code, out, err = run("import", "in/seed_000_facts_sources_narratives.txt", "--out", "content", "--dry-run")
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (f"content/{path.name}: already exists; a real run would not overwrite it "
                                    "(pass --force to replace it)")
    code, out, err = run("import", "in/seed_000_facts_sources_narratives.txt", "--out", "content", "--dry-run",
                         "--slug", "other-name")
    assert code == 0 and out.startswith("---\n")
    (site / "content" / "sub").mkdir()
    path.rename(site / "content" / "sub" / path.name)
    code, out, err = run("import", "in/seed_000_facts_sources_narratives.txt", "--out", "content", "--dry-run")
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (f'content/{path.name}: the slug "{path.stem}" is already used by '
                                    f"content/sub/{path.name}; a real run would not write it "
                                    "(import it with --slug SLUG to give it another)")
    shutil.copy(site / "in" / "seed_001_sections_web_boilerplate.txt", site / "in" / "again.txt")
    code, _, err = run("import", "in/seed_001_sections_web_boilerplate.txt", "in/again.txt", "--dry-run")
    assert code == 1
    assert err.splitlines()[-1] == ("content/seoul-n-korean-troops-arrive-in-russia-to-fight-ukraine.md: "
                                    "in/seed_001_sections_web_boilerplate.txt was imported to this file in this run; "
                                    "a real run would not overwrite it")


def test_story_and_missing_file(site: Path) -> None:
    code, _, err = run("import", "in/nope.txt", "in/seed_000_facts_sources_narratives.txt", "--out", "content",
                       "--story", "north-korean-troops-in-russia")
    assert code == 1
    assert err.splitlines()[0] == "in/nope.txt: no such file"
    brief = brief_of(next((site / "content").glob("*.md")))
    assert brief.story == "north-korean-troops-in-russia"
    code, _, err = run("import", "in/seed_000_facts_sources_narratives.txt", "--story", "NK Troops")
    assert code == 2
    assert err == ('error: --story: "NK Troops" is not a plain key (lowercase letters, digits, - and _); '
                   'did you mean "nk-troops"?\n')


def test_markers_naming_no_source_are_removed_from_narratives_and_claims_too(site: Path) -> None:
    # a narrative with [4] when the text lists two sources was written as a brief that failed to build,
    # so the import stopped, naming a line of a file it had not written
    (site / "in" / "dangling.txt").write_text(
        "A Title For The Brief\n\nFacts\n\n  • One thing happened.[1]\n  • Another thing happened.[2]\n\n"
        "Sources: [1]Reuters and [2]BBC News.\n\nNarratives\n\n"
        "  • Left narrative, as provided by Jacobin. This is what they said about it.[4]\n\n"
        "  • Nerd narrative. There's a 25% chance that it happens again[7] before 2030, according to Metaculus.\n",
        encoding="utf-8")
    path, _, err = imported(site, "dangling.txt")
    brief = brief_of(path)
    assert [n.text for n in brief.narratives] == ["This is what they said about it."]
    assert [p.claim for p in brief.predictions] == ["It happens again"]
    assert "in/dangling.txt:12: warning: narratives: removed [4]: the text has only 2 sources" in err.splitlines()
    assert "in/dangling.txt:14: warning: predictions: removed [7]: the text has only 2 sources" in err.splitlines()


def test_control_characters_pasted_into_a_text_are_dropped(site: Path) -> None:
    # a bell or escape copied from a terminal made a brief that failed to build, so nothing was written
    text = (site / "in" / "seed_000_facts_sources_narratives.txt").read_text(encoding="utf-8")
    (site / "in" / "pasted.txt").write_text(text.replace("Pentagon: Evidence", "Pentagon:\x1b[0m Evidence", 1)
                                            .replace("US Defense", "US\x07 Defense", 1), encoding="utf-8")
    path, _, _ = imported(site, "pasted.txt")
    brief = brief_of(path)
    assert brief.title == "Pentagon: [0m Evidence Shows 3K North Korea Troops in Russia"
    assert "\n- US Defense Secretary Lloyd Austin said" in brief.body


def test_a_sources_line_that_wraps_keeps_every_source(site: Path) -> None:
    # the wrapped part was read as the last fact's text: its sources were lost, their names ended up in the
    # fact, and its marker was removed as naming no source
    (site / "in" / "wrapped.txt").write_text(
        "Title X\n\nFacts\n\n  • Fact one.[1][2]\n  • Fact two.[3]\n  • Fact three.[4][5]\n\n"
        "Sources: [1]Reuters,\n[2]AP, [3]Barnes and\nNoble Review and\n[4]BBC News,\n[5]CNN.\n", encoding="utf-8")
    path, _, err = imported(site, "wrapped.txt")
    assert path.read_text(encoding="utf-8") == (
        "---\ntitle: Title X\ndate: 2024-10-23\nsources:\n  - name: Reuters\n  - name: AP\n"
        "  - name: Barnes and Noble Review\n  - name: BBC News\n  - name: CNN\ndraft: true\n---\n\n## Facts\n\n"
        "- Fact one.[1][2]\n- Fact two.[3]\n- Fact three.[4][5]\n")
    assert err.splitlines() == [
        "in/wrapped.txt: warning: date: no date line; dated 2024-10-23 (today or --date)",
        "in/wrapped.txt: warning: narratives: none: this brief needs narratives, at least two, before publishing",
    ]


def test_a_title_without_latin_letters_is_imported_with_slug(site: Path) -> None:
    # the report named a file that was not written, and told the author to edit its front matter
    (site / "in" / "cyr.txt").write_text("Путин встретился с Кимом\r\n\r\nFacts\r\n\r\n  • Fact.[1]\r\n\r\n"
                                         "Sources: [1]TASS.\r\n", encoding="utf-8")
    code, out, err = run("import", "in/cyr.txt", "--out", "o6", "--date", "2024-10-23")
    assert (code, out) == (1, ("in/cyr.txt: 1 fact, 1 source, 0 narratives, 0 predictions (draft)\n"
                               "imported 0 of 1 file; 1 not written\n"))
    assert err.splitlines()[-1] == (
        'in/cyr.txt: title: "Путин встретился с Кимом" gives no usable file name (got "путин-встретился-с-кимом"); '
        "not written (import it with --slug SLUG: lowercase Latin letters, digits, - and _)")
    assert not (site / "o6").exists()
    code, out, _ = run("import", "in/cyr.txt", "--out", "o6", "--date", "2024-10-23", "--slug", "putin-meets-kim")
    assert (code, out.splitlines()[0]) == (
        0, "in/cyr.txt: 1 fact, 1 source, 0 narratives, 0 predictions (draft) -> o6/putin-meets-kim.md")
    assert brief_of(site / "o6" / "putin-meets-kim.md").title == "Путин встретился с Кимом"
    assert run("import", "in/cyr.txt", "in/seed_000_facts_sources_narratives.txt", "--slug", "x") == (
        2, "", "error: --slug names one brief; import one FILE with it (got 2 files)\n")


def test_refuses_a_slug_another_brief_has(site: Path) -> None:
    # only the file name was checked: the brief written broke the build with a duplicate slug
    (site / "content" / "2024").mkdir()
    (site / "content" / "2024" / "elsewhere.md").write_text(
        "---\ntitle: Elsewhere\nslug: pentagon-evidence-shows-3k-north-korea-troops-in-russia\n---\n",
        encoding="utf-8")
    code, out, err = run("import", "in/seed_000_facts_sources_narratives.txt", "--out", "content/2025",
                         "--content", "content", "--date", "2024-10-23")
    assert (code, out.splitlines()[-1]) == (1, "imported 0 of 1 file; 1 not written")
    assert err.splitlines()[-1] == (
        'content/2025/pentagon-evidence-shows-3k-north-korea-troops-in-russia.md: the slug '
        '"pentagon-evidence-shows-3k-north-korea-troops-in-russia" is already used by content/2024/elsewhere.md; '
        "not written (import it with --slug SLUG to give it another)")
    assert not (site / "content" / "2025").exists()
    code, _, _ = run("import", "in/seed_000_facts_sources_narratives.txt", "--out", "content/2025",
                     "--content", "content", "--slug", "pentagon-3k-troops")
    assert code == 0 and (site / "content" / "2025" / "pentagon-3k-troops.md").is_file()


def test_empty_text_no_title_and_a_folder_are_errors_saying_so(site: Path) -> None:
    # an empty file was a warning of no title found, exiting 1; a folder was "no such file"
    (site / "in" / "empty.txt").write_text("", encoding="utf-8")
    (site / "in" / "blank.txt").write_text("\n\n   \n\t\n", encoding="utf-8")
    (site / "in" / "untitled.txt").write_text("Facts\n\n  • A fact.[1]\n\nSources: [1]AP.\n", encoding="utf-8")
    code, out, err = run("import", "in/empty.txt", "in/blank.txt", "in/untitled.txt", "in", "--out", "content")
    assert (code, out) == (1, "imported 0 of 4 files; 4 not written\n")
    assert err.splitlines() == [
        "in/empty.txt: the file is empty; nothing to import",
        "in/blank.txt: the file is empty; nothing to import",
        "in/untitled.txt: title: no title found; the brief is not written",
        "in: is a folder; pass the files in it, e.g. in/*.txt",
    ]


def test_removing_a_marker_leaves_no_space_before_the_stop(site: Path) -> None:
    # "and an unknown [3][0]." became "and an unknown ." and [0] was put down to the number of sources
    (site / "in" / "zero.txt").write_text(
        "A Title For The Brief\n\nFacts\n\n  • One thing happened.[1]\n  • Another, unknown [3][0].[2]\n"
        "  • A third, [0] mid-sentence.[1]\n\nSources: [1]Reuters and [2]BBC News.\n", encoding="utf-8")
    path, _, err = imported(site, "zero.txt")
    assert path.read_text(encoding="utf-8").endswith(
        "## Facts\n\n- One thing happened.[1]\n- Another, unknown.[2]\n- A third, mid-sentence.[1]\n")
    assert [line for line in err.splitlines() if "removed" in line] == [
        "in/zero.txt:6: warning: body: removed [3]: the text has only 2 sources",
        "in/zero.txt:6: warning: body: removed [0]: source numbers start at 1",
        "in/zero.txt:7: warning: body: removed [0]: source numbers start at 1",
    ]


SOURCES_BODY = ("Title X\n\nFacts\n\n  • Fact one.[1][2]\n  • Fact two.[3]\n\n"
                "Narratives\n\n  • Left narrative, as provided by Jacobin. One side.\n"
                "  • Right narrative, as provided by Fox News. The other.\n\n")
SOURCES_WANTED = ("sources:\n  - name: U.S. Department of Defense\n    url: https://www.defense.gov/\n"
                  "  - name: FOX News\n    url: https://www.foxnews.com/\n  - name: POLITICO\n")


@pytest.mark.parametrize("listed", [
    ("Sources:\n[1] U.S. Department of Defense https://www.defense.gov/\n[2] FOX News https://www.foxnews.com/\n"
    "[3] POLITICO\n"),
    ("Sources\n\n1. U.S. Department of Defense (https://www.defense.gov/)\n2. FOX News - https://www.foxnews.com/\n"
    "3. POLITICO\n"),
    ("Sources:\n  • U.S. Department of Defense: https://www.defense.gov/\n  • FOX News <https://www.foxnews.com/>\n"
    "  • POLITICO\n"),
    ("Sources: [1]U.S. Department of Defense (https://www.defense.gov/), [2]FOX News (https://www.foxnews.com/) "
    "and [3]POLITICO.\n"),
])
def test_sources_listed_under_a_heading_one_a_line_with_urls(site: Path, listed: str) -> None:
    # a "Sources" heading was dropped as a link-only sources line: the list under it became facts (or ran
    # into the last fact), every marker was removed, and the report said "only a link to them"; a URL
    # after a name stayed in the name
    (site / "in" / "listed.txt").write_text(SOURCES_BODY + listed, encoding="utf-8")
    path, out, err = imported(site, "listed.txt")
    assert out.splitlines()[0] == "in/listed.txt: 2 facts, 3 sources, 2 narratives, 0 predictions -> content/title-x.md"
    assert err.splitlines() == ["in/listed.txt: warning: date: no date line; dated 2024-10-23 (today or --date)"]
    assert SOURCES_WANTED in path.read_text(encoding="utf-8")
    assert path.read_text(encoding="utf-8").endswith("## Facts\n\n- Fact one.[1][2]\n- Fact two.[3]\n")


def test_a_paragraph_after_a_sources_list_is_not_a_source(site: Path) -> None:
    (site / "in" / "after.txt").write_text(
        SOURCES_BODY + "Sources\n\n- Reuters\n- AP\n\nThanks for reading this brief today.\n", encoding="utf-8")
    path, _, err = imported(site, "after.txt")
    assert "sources:\n  - name: Reuters\n  - name: AP\n" in path.read_text(encoding="utf-8")
    assert 'in/after.txt:18: warning: not placed: "Thanks for reading this brief today."' in err.splitlines()


@pytest.mark.parametrize("line", [
    "Sources: 1) Reuters; 2) AP News; 3) Channel 4.",
    "Sources: (1) Reuters, (2) AP News and (3) Channel 4.",
    "Sources: 1. Reuters, 2. AP News, 3. Channel 4",
])
def test_a_sources_line_numbered_without_brackets(site: Path, line: str) -> None:
    # the line was "not placed": the brief had no sources and every marker in its facts was removed
    (site / "in" / "numbered.txt").write_text(SOURCES_BODY.replace("[3]", "[2][3]") + line + "\n", encoding="utf-8")
    path, _, err = imported(site, "numbered.txt")
    assert "sources:\n  - name: Reuters\n  - name: AP News\n  - name: Channel 4\n" in path.read_text(encoding="utf-8")
    assert path.read_text(encoding="utf-8").endswith("- Fact one.[1][2]\n- Fact two.[2][3]\n")
    assert err.splitlines() == ["in/numbered.txt: warning: date: no date line; dated 2024-10-23 (today or --date)"]
