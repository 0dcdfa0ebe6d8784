"""Bad input: every problem named with file, line and field; all of them in one run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, read_tree, run, write_brief


def load_cases() -> list[tuple[str, str, list[str]]]:
    text = (FIXTURES / "bad_briefs.txt").read_text(encoding="utf-8")
    cases = []
    for chunk in text.split("\n=== ")[1:]:
        name, rest = chunk.split("\n", 1)
        brief, expect = rest.split("--- expect\n", 1)
        cases.append((name.strip(), brief, [line for line in expect.splitlines() if line.strip()]))
    return cases


CASES = load_cases()


@pytest.mark.parametrize("name,brief,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_brief_gives_exact_lines(site_dir: Path, name: str, brief: str, expected: list[str]) -> None:
    write_brief(site_dir, f"{name}.md", brief)
    result = run("check")
    printed = [line for line in result.lines if not line.startswith("check failed")]
    assert printed == expected
    has_errors = any(": warning: " not in line for line in expected)
    assert result.code == (1 if has_errors else 0)


def test_all_problems_in_one_run_sorted_by_file_and_line(site_dir: Path) -> None:
    for name, brief, _ in CASES:
        write_brief(site_dir, f"{name}.md", brief)
    result = run("check")
    lines = result.lines[:-1]
    expected = sorted((line for _, _, exp in CASES for line in exp),
                      key=lambda s: (s.split(":")[0], int(s.split(":")[1])))
    assert sorted(lines) == sorted(expected)
    assert [(s.split(":")[0], int(s.split(":")[1])) for s in lines] == \
        [(s.split(":")[0], int(s.split(":")[1])) for s in expected]
    errors = sum(1 for line in expected if ": warning: " not in line)
    warnings = len(expected) - errors
    assert result.lines[-1] == f"check failed: {errors} errors, {warnings} warnings"
    assert result.code == 1


def test_a_misspelt_key_does_not_hide_the_briefs_other_problems(site_dir: Path) -> None:
    # an unknown key made the brief fail before its Markdown and its related: were checked: each fix showed another
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\nsourcse: x\n"
                                  "related: [nope]\n---\n- F.[1]\n- G.[7]\n")
    assert run("check").lines == [
        "content/a.md:1: warning: narratives: no narratives: a balanced brief gives at least two",
        'content/a.md:5: sourcse: unknown key (did you mean "sources"?)',
        'content/a.md:6: related[1]: no brief has the slug "nope"',
        "content/a.md:9: body: [7] cites source 7, which does not exist (this brief has 1 source)",
        "check failed: 3 errors, 1 warning",
    ]


def test_a_brief_that_fails_to_parse_is_not_also_missing_from_the_related_lists_naming_it(site_dir: Path) -> None:
    # its slug is still the brief's: "no brief has the slug" (and a did-you-mean pointing elsewhere) misled
    brief = "---\ntitle: {}\ndate: {}\n{}sources: [{{name: R}}]\n---\n- F.[1]\n"
    write_brief(site_dir, "alpha.md", brief.format("Alpha", "2024-10-23", "related: [beta-custom, beta]\n"))
    write_brief(site_dir, "sub/beta.md", brief.format("Beta", "2024-10-25x", "slug: beta-custom\n"))
    write_brief(site_dir, "gamma.md", brief.format("Gamma: a colon", "2024-10-23", "related: [alpha]\n"))
    write_brief(site_dir, "delta.md", brief.format("Delta", "2024-10-23", "related: [gamma]\n"))
    lines = [line for line in run("check").lines if ": warning: " not in line]
    assert lines == [
        'content/alpha.md:4: related[2]: no brief has the slug "beta" (did you mean "delta"?)',
        ('content/gamma.md:2: title: a colon followed by a space inside an unquoted value; put the value in quotes '
        '(e.g. title: "Gamma: a colon")'),
        "content/sub/beta.md:3: date: not a date (got \"2024-10-25x\") (write YYYY-MM-DD or 2024-10-24T09:30:00+02:00)",
        "check failed: 3 errors, 2 warnings",
    ]


def test_duplicate_slugs_name_both_files(site_dir: Path) -> None:
    body = "---\ntitle: T\ndate: 2024-10-23\nslug: same\nsources: [{name: R}]\n---\n- F.[1]\n"
    write_brief(site_dir, "a.md", body)
    write_brief(site_dir, "sub/b.md", body)
    result = run("check")
    assert 'content/sub/b.md:4: slug: "same" is already used by content/a.md; give one of them another slug' \
        in result.lines


def test_duplicate_slug_from_file_names_in_subfolders(site_dir: Path) -> None:
    body = "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n"
    write_brief(site_dir, "one/x.md", body)
    write_brief(site_dir, "two/x.md", body)
    result = run("check")
    assert 'content/two/x.md:1: slug: "x" is already used by content/one/x.md; give one of them another slug' \
        in result.lines


def test_related_slug_that_is_part_of_another_gets_a_hint(site_dir: Path) -> None:
    body = "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n"
    write_brief(site_dir, "alpha.md", body.replace("title: T", "title: T\nrelated: [beta]"))
    write_brief(site_dir, "beta.md", body.replace("title: T", "title: T\nslug: beta-custom"))
    assert 'content/alpha.md:3: related[1]: no brief has the slug "beta" (did you mean "beta-custom"?)' \
        in run("check").lines


def test_non_utf8_file_names_the_line(site_dir: Path) -> None:
    path = site_dir / "content" / "latin1.md"
    path.write_bytes("---\ntitle: Caf\xe9\ndate: 2024-10-23\n---\n".encode("latin-1"))
    result = run("check")
    assert result.lines[0] == "content/latin1.md:2: encoding: not UTF-8 (byte 0xe9 at column 11); save the file as UTF-8"
    assert result.code == 1


def test_two_pages_writing_one_output_path(site_dir: Path) -> None:
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    (site_dir / "content" / "404.html").write_text("mine", encoding="utf-8")
    result = run("check")
    assert "content/404.html: output: 404.html is also written by 404 page; change one of them" in result.lines


def test_failing_build_leaves_site_untouched(site_dir: Path) -> None:
    write_brief(site_dir, "good.md", "---\ntitle: Good\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    assert run("build").code == 0
    before = read_tree(site_dir / "site")
    mtimes = {p: p.stat().st_mtime_ns for p in (site_dir / "site").rglob("*")}
    write_brief(site_dir, "good.md", "---\ntitle: Changed\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    write_brief(site_dir, "bad.md", "---\ntitle: Bad: colon\ndate: 2024-10-23\n---\n")
    result = run("build")
    assert result.code == 1
    assert result.lines[-1] == "nothing was written; site/ is as it was"
    assert read_tree(site_dir / "site") == before
    assert {p: p.stat().st_mtime_ns for p in (site_dir / "site").rglob("*")} == mtimes


def test_a_broken_link_is_named_at_each_line_writing_it_and_a_theme_link_at_its_page(site_dir: Path) -> None:
    write_brief(site_dir, "a.md", "---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}]\nnarratives:\n"
                                  "  - perspective: P\n    text: As [argued](../gone/).\n---\n"
                                  "- As [reported](../gone/).[1]\n- And [café](../café/) again: [here](../gone/).[1]\n")
    (site_dir / "templates").mkdir()
    (site_dir / "templates" / "404.html").write_text('{% extends "base.html" %}{% block main %}'
                                                     '<a href="/help/">Help</a>{% endblock %}', encoding="utf-8")
    assert [line for line in run("check").lines if "link:" in line] == [
        'content/a.md:7: link: broken internal link "../gone/" (resolves to /briefs/gone/)',
        'content/a.md:9: link: broken internal link "../gone/" (resolves to /briefs/gone/)',
        'content/a.md:10: link: broken internal link "../caf%C3%A9/" (resolves to /briefs/caf%C3%A9/)',
        'content/a.md:10: link: broken internal link "../gone/" (resolves to /briefs/gone/)',
        'site/404.html: link: broken internal link "/help/"',
    ]


@pytest.mark.parametrize("before", ["missing", "empty"])
def test_a_first_build_failing_on_a_link_leaves_the_output_folder_as_it_was(site_dir: Path, before: str) -> None:
    """A first build writes its pages while their links are checked: a broken link takes them all back."""
    if before == "empty":
        (site_dir / "site").mkdir()
    write_brief(site_dir, "a.md", "---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}]\n---\n"
                                  "- As [reported before](/briefs/gone/).[1]\n")
    result = run("build")
    assert result.code == 1
    assert 'content/a.md:6: link: broken internal link "/briefs/gone/"' in result.lines
    assert result.lines[-1] == ("nothing was written; site/ is as it was" if before == "empty" else
                                "nothing was written; there is no site/ yet")
    if before == "empty":
        assert list((site_dir / "site").iterdir()) == []
    else:
        assert not (site_dir / "site").exists()


def test_strict_makes_warnings_fail_and_writes_nothing(site_dir: Path) -> None:
    write_brief(site_dir, "w.md", "---\ntitle: W\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    result = run("build", "--strict")
    assert result.code == 1
    assert "build failed: 0 errors, 1 warning (--strict: warnings fail)" in result.lines
    assert not (site_dir / "site").exists()
    assert run("build").code == 0


def test_draft_without_sources_is_a_warning_with_drafts(site_dir: Path) -> None:
    write_brief(site_dir, "wip.md", "---\ntitle: WIP\ndate: 2024-10-23\ndraft: true\n---\nNotes.\n")
    result = run("build", "--drafts")
    assert result.code == 0, result.err
    assert "content/wip.md:1: warning: sources: at least one source is required before this draft is published" \
        in result.lines
    assert (site_dir / "site" / "briefs" / "wip" / "index.html").is_file()
    result = run("build")
    assert not (site_dir / "site" / "briefs" / "wip").exists()


def test_bad_site_yaml_is_reported_with_the_briefs_problems(site_dir: Path) -> None:
    # a site.yaml error ended the run: the briefs' own problems showed only once it was fixed
    (site_dir / "site.yaml").write_text("title: X\ntimezon: Europe/Berlin\nper_page: {home: 0}\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1][2]\n")
    expected = [
        "content/a.md:1: warning: narratives: no narratives: a balanced brief gives at least two",
        "content/a.md:6: body: [2] cites source 2, which does not exist (this brief has 1 source)",
        'site.yaml:2: timezon: unknown key (did you mean "timezone"?)',
        "site.yaml:3: per_page.home: must be from 1 to 1000 (got 0)",
    ]
    result = run("check")
    assert (result.code, result.lines) == (1, [*expected, "check failed: 3 errors, 1 warning"])
    result = run("build")
    assert (result.code, result.lines) == (1, [*expected, "build failed: 3 errors, 1 warning",
                                               "nothing was written; there is no site/ yet"])
    assert not (site_dir / "site").exists() and not (site_dir / ".cache").exists()


def test_an_outlet_name_too_long_for_its_pages_folder_is_reported(site_dir: Path) -> None:
    (site_dir / "content" / "outlets.yaml").write_text(f"- name: {'News ' * 60}\n  lean: 3\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    result = run("check")
    assert 'content/outlets.yaml:1: [1].name: "News News News News News News News News ..." makes a folder name ' \
           "of 299 characters; at most 255 bytes fit; shorten the name" in result.lines
    assert result.code == 1


@pytest.mark.parametrize("make,expected", [
    (lambda f: f.write_bytes(b"title: Caf\xe9\n"), "site.yaml:1: encoding: not UTF-8 (byte 0xe9 at column 11); save the file as UTF-8"),
    (lambda f: f.write_text("title: [Briefs\n"),
     "site.yaml:1: title: the [ at column 8 opens a list that is never closed; end it with ]"),
    (lambda f: f.mkdir(), "site.yaml: cannot be read: Is a directory"),
], ids=["latin-1", "unclosed-list", "a-folder"])
def test_a_site_yaml_that_cannot_be_read_is_reported(site_dir: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    make(site_dir / "site.yaml")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    result = run("build", "--no-search")
    assert (result.code, result.lines) == (1, [
        "content/a.md:1: warning: narratives: no narratives: a balanced brief gives at least two", expected,
        "build failed: 1 error, 1 warning", "nothing was written; there is no site/ yet"])
    result = run("new", "Another brief")
    assert (result.code, result.lines) == (1, [expected])
    assert not (site_dir / "site").exists()


def test_a_base_url_with_a_query_or_fragment_is_refused(site_dir: Path) -> None:
    # it was taken as it was, and "/" added: pages linked to https://x.github.io/r/?q=1/static/...
    (site_dir / "site.yaml").write_text("base_url: https://x.github.io/r/#top\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    said = ("has a query or fragment, which no page address can start with (got "
            '"https://x.github.io/r/#top") (give the site\'s address up to its folder, e.g. https://user.github.io/repo/)')
    assert [line for line in run("check").lines if ": warning: " not in line] == [f"site.yaml:1: base_url: {said}",
                                                                             "check failed: 1 error, 1 warning"]
    result = run("check", "--base-url", "https://x.github.io/r/?q=1")
    said = ('has a query or fragment, which no page address can start with (got "https://x.github.io/r/?q=1") '
            "(give the site's address up to its folder, e.g. https://user.github.io/repo/)")
    assert (result.code, result.err.strip()) == (2, f"error: --base-url: {said}")


def test_a_protocol_relative_base_url_is_refused_with_the_scheme_to_give(site_dir: Path) -> None:
    # it was taken as a path: every link went to /cdn.example.org/x/...
    (site_dir / "site.yaml").write_text("base_url: //cdn.example.org/x/\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    said = 'has no scheme (got "//cdn.example.org/x/") (give the scheme: https://cdn.example.org/x/)'
    assert [line for line in run("check").lines if ": warning: " not in line] == [f"site.yaml:1: base_url: {said}",
                                                                             "check failed: 1 error, 1 warning"]
    result = run("build", "--base-url", "//cdn.example.org/x/")
    assert (result.code, result.err.strip()) == (2, f"error: --base-url: {said}")
    assert not (site_dir / "site").exists()


def test_an_output_folder_that_is_a_file_is_refused(site_dir: Path) -> None:
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    (site_dir / "public").write_text("not a folder")
    result = run("build", "--out", "public")
    assert (result.code, result.err.strip()) == (2, "error: public is a file, not a folder; choose another --out")


@pytest.mark.parametrize("text", ["", "# outlets we rate go here\n"])
def test_an_empty_outlets_yaml_names_no_outlets_and_is_no_error(site_dir: Path, text: str) -> None:
    (site_dir / "content" / "outlets.yaml").write_text(text, encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    result = run("check")
    assert (result.code, result.lines) == (0, [
        "content/a.md:1: warning: narratives: no narratives: a balanced brief gives at least two"])


def test_bad_outlets_yaml_is_reported(site_dir: Path) -> None:
    (site_dir / "content" / "outlets.yaml").write_text(
        "- name: Reuters\n  lean: 7\n- name: AP\n  aliases: [reuters]\n  paywal: false\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    result = run("check")
    assert result.lines == [
        "content/a.md:1: warning: narratives: no narratives: a balanced brief gives at least two",
        "content/outlets.yaml:2: [1].lean: must be from 1 to 5 (got 7)",
        'content/outlets.yaml:5: [2].paywal: unknown key (did you mean "paywall"?)',
        "check failed: 2 errors, 1 warning",
    ]


def test_an_outlets_country_is_a_two_letter_code(site_dir: Path) -> None:
    # the outlets page tells readers the column is an ISO 3166 code; "USA" was published as it was
    (site_dir / "content" / "outlets.yaml").write_text(
        "- name: Reuters\n  country: USA\n- name: AP\n  country: us\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: AP}]\n---\n- F.[1]\n")
    assert [line for line in run("check").lines if line.startswith("content/outlets.yaml")] == [
        ('content/outlets.yaml:2: [1].country: must be a two-letter country code (ISO 3166), such as US or GB '
         '(got "USA")'),
    ]
    (site_dir / "content" / "outlets.yaml").write_text("- name: AP\n  country: us\n", encoding="utf-8")
    assert run("build", "--no-search", "-q").code == 0
    assert "<dt>Country</dt><dd>US</dd>" in (site_dir / "site" / "outlets" / "ap" / "index.html").read_text("utf-8")


def test_a_name_two_outlets_claim_is_named_where_it_is_written(site_dir: Path) -> None:
    # briefs' names match ignoring case and runs of spaces, so "Left  Times2" took "Left Times2" from its
    # own outlet unsaid; other duplicates named the outlet's first line, with no field
    (site_dir / "content" / "outlets.yaml").write_text(
        '- name: Left Times\n  aliases: [LT, "Left  Times2", left times]\n  lean: 1\n'
        "- name: left times\n- name: Other\n  aliases:\n    - Foo\n    - lt\n- name: Left Times2\n"
        "- name: Left-Times!\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: LT}]\n---\n- F.[1]\n")
    assert [line for line in run("check").lines if line.startswith("content/outlets.yaml")] == [
        'content/outlets.yaml:4: [2].name: "left times" is already a name of "Left Times" (line 1); keep one',
        'content/outlets.yaml:8: [3].aliases[2]: "lt" is already a name of "Left Times" (line 1); keep one',
        'content/outlets.yaml:9: [4].name: "Left Times2" is already a name of "Left Times" (line 1); keep one',
        ('content/outlets.yaml:10: [5].name: "Left-Times!" and "Left Times" would both have the page '
         "outlets/left-times/; rename one or make it an alias"),
    ]


def test_a_brief_or_file_that_cannot_be_read_is_an_error_and_the_last_site_stays(site_dir: Path) -> None:
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    assert run("build", "--no-search", "-q").code == 0
    before = read_tree(site_dir / "site")
    # a link left behind when its brief moved: the build said "nothing changed", or stopped with a traceback
    (site_dir / "content" / "moved.md").symlink_to(site_dir / "elsewhere" / "moved.md")
    (site_dir / "content" / "images").mkdir()
    (site_dir / "content" / "images" / "gone.png").symlink_to(site_dir / "elsewhere" / "gone.png")
    result = run("build", "--no-search")
    assert result.code == 1
    assert [line for line in result.lines if "cannot be read" in line] == [
        "content/images/gone.png: cannot be read: No such file or directory",
        "content/moved.md: cannot be read: No such file or directory",
    ]
    assert read_tree(site_dir / "site") == before


def test_a_folder_that_cannot_be_listed_is_an_error_and_its_briefs_pages_stay(site_dir: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # os.walk passed over it in silence: the build succeeded without its briefs and removed their pages
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    write_brief(site_dir, "sub/b.md", "---\ntitle: U\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    assert run("build", "--no-search", "-q").code == 0
    before = read_tree(site_dir / "site")
    locked, scandir = str(site_dir / "content" / "sub"), os.scandir

    def no_permission(path: Any = ".") -> Any:  # what chmod 000 does to anyone but root, who runs this in CI
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", no_permission)
    result = run("build", "--no-search")
    assert result.code == 1
    assert [line for line in result.lines if "cannot be read" in line] == [
        "content/sub: cannot be read: Permission denied"]
    assert read_tree(site_dir / "site") == before


def test_a_file_removed_while_the_build_runs_is_an_error_not_a_traceback(site_dir: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # serve builds while the author works: an image listed at reading may be gone when it is copied
    from briefkit import pipeline

    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    (site_dir / "content" / "gone.png").write_bytes(b"png")
    listed = pipeline.read_inputs

    def read_then_remove(*args, **kwargs):  # type: ignore[no-untyped-def]
        inputs = listed(*args, **kwargs)
        (site_dir / "content" / "gone.png").unlink()
        return inputs

    monkeypatch.setattr(pipeline, "read_inputs", read_then_remove)
    result = run("build", "--no-search")
    assert result.code == 1
    assert "content/gone.png: cannot be read: No such file or directory" in result.lines


def test_a_brief_removed_while_the_build_runs_is_an_error_even_when_the_cache_lost_its_parse(
        site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an unchanged brief is left unread; when the cache has no parse of it after all, it is read in the
    # parse stage: removed by then, that was a traceback, and remembering "cannot be read" as the parse of
    # its bytes would have kept the error after the file came back
    from briefkit import pipeline

    text = "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n"
    write_brief(site_dir, "a.md", text)
    write_brief(site_dir, "b.md", text.replace("title: T", "title: U"))
    os.utime(site_dir / "content" / "b.md", (1_700_000_000, 1_700_000_000))  # long unchanged: left unread
    assert run("build", "--no-search", "-q").code == 0
    for shard in (site_dir / ".cache").glob("briefs-*.pickle"):
        shard.unlink()
    write_brief(site_dir, "a.md", text.replace("- F.", "- G."))  # so the build has something to do
    listed = pipeline.read_inputs

    def read_then_remove(*args, **kwargs):  # type: ignore[no-untyped-def]
        inputs = listed(*args, **kwargs)
        (site_dir / "content" / "b.md").unlink()
        return inputs

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "read_inputs", read_then_remove)
        result = run("build", "--no-search")
    assert result.code == 1
    assert "content/b.md: cannot be read: No such file or directory" in result.lines
    write_brief(site_dir, "b.md", text.replace("title: T", "title: U"))
    assert run("build", "--no-search", "-q").code == 0


def test_outlet_names_without_letters_are_each_named_once(site_dir: Path) -> None:
    # two such names also drew "would both have the page outlets//", which said the same thing twice
    (site_dir / "content" / "outlets.yaml").write_text('- name: "!!!"\n- name: "???"\n', encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    assert [line for line in run("check").lines if line.startswith("content/outlets.yaml")] == [
        'content/outlets.yaml:1: [1].name: "!!!" gives no page name; use letters or digits',
        'content/outlets.yaml:2: [2].name: "???" gives no page name; use letters or digits',
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_in_content_is_followed_only_to_a_public_file_in_content(site_dir: Path, tmp_path: Path) -> None:
    # a link to a file anywhere (a key, the .git/config that holds a CI token) was copied into site/ as it is,
    # and a link to a folder dropped its files without a word
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    (tmp_path / "secret.txt").write_text("token")
    (site_dir / ".git").mkdir()
    (site_dir / ".git" / "config").write_text("token")
    (site_dir / "content" / "images").mkdir()
    (site_dir / "content" / "images" / "map.svg").write_text("<svg/>")
    links = {"leak.txt": tmp_path / "secret.txt", "config.txt": Path("../.git/config"), "map.svg": Path("images/map.svg"),
             "elsewhere": tmp_path}
    for name, target in links.items():
        os.symlink(target, site_dir / "content" / name)
    result = run("build", "-q")
    assert result.lines == [
        "content/a.md:1: warning: narratives: no narratives: a balanced brief gives at least two",
        (f"content/config.txt: a link to {site_dir / '.git' / 'config'}, outside content/ or hidden in it, would "
        "publish that file; copy it in if it is meant to be public"),
        ("content/elsewhere: warning: a link to a folder, which the build does not follow: its files are left out "
        "(copy them in)"),
        (f"content/leak.txt: a link to {tmp_path / 'secret.txt'}, outside content/ or hidden in it, would publish "
        "that file; copy it in if it is meant to be public"),
        "build failed: 2 errors, 2 warnings",
        "nothing was written; there is no site/ yet",
    ]
    (site_dir / "content" / "leak.txt").unlink()
    (site_dir / "content" / "config.txt").unlink()
    assert run("build", "-q").code == 0
    assert (site_dir / "site" / "map.svg").read_text() == "<svg/>"
    assert not (site_dir / "site" / "leak.txt").exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_in_the_output_folder_that_leads_out_of_it_is_an_error_not_a_traceback(site_dir: Path,
                                                                                      tmp_path: Path) -> None:
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    assert run("build", "-q").code == 0
    shutil.rmtree(site_dir / "site" / "briefs")
    (tmp_path / "elsewhere").mkdir()
    (site_dir / "site" / "briefs").symlink_to(tmp_path / "elsewhere")
    result = run("build", "-q")
    assert result.lines[-3:] == [
        (f"site: output: briefs/a/index.html would be written to {tmp_path / 'elsewhere' / 'a' / 'index.html'}, outside "
        "the folder: a link in it leads out (remove the link, or build elsewhere with --out DIR)"),
        "build failed: 1 error, 1 warning",
        "nothing was written; site/ is as it was",
    ]
    assert list((tmp_path / "elsewhere").iterdir()) == []


RAW_HTML_BRIEF = """---
title: Raw HTML
date: 2024-10-23
sources: [{name: R}]
narratives:
  - perspective: A
    text: As <a href="JavaScript:alert(1)">they</a> say.
  - perspective: B
    text: Others <abbr title="x">differ</abbr>.
---
- A fact <a href="java&#x73;cript:alert(1)">x</a>.[1]
- Another, <a href="../b/">beside</a> and <a href="mailto:desk@example.com">by mail</a>.[1]

<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></iframe> <img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4K">
<picture><source srcset="https://example.com/a.png 1x, vbscript:x 2x"></picture>

<form
  action="javascript:go()"><button formaction="ftp://example.com/">Go</button></form>

<svg><a xlink:href="javascript:1">s</a></svg> <video poster="file:///etc/passwd"></video>
<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>

- Links <a href="//example.com/c">c</a> <a href="/\\example.com/d">d</a> <a href="http://example.com/">e</a>.[1]
- Loaded <img src="http://example.com/e.png"> <iframe src="//example.com/f"></iframe>.[1]
"""


def test_raw_html_links_are_checked_as_markdown_links_are(site_dir: Path) -> None:
    # with allow_html, <a href="javascript:..."> and the rest went through while [x](javascript:...) was an error
    (site_dir / "site.yaml").write_text("allow_html: true\n", encoding="utf-8")
    write_brief(site_dir, "raw.md", RAW_HTML_BRIEF)
    only = "only http, https and mailto links are allowed"
    assert run("check").lines == [
        f'content/raw.md:7: narratives[1].text: {only} (got "JavaScript:alert(1)" in <a href>)',
        f'content/raw.md:11: body: {only} (got "javascript:alert(1)" in <a href>)',
        # a picture written into the page (data:image/) runs and fetches nothing; a data: document is a page of its own
        ('content/raw.md:14: body: an address must be an https URL or a path (got '
         '"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" in <iframe src>)'),
        'content/raw.md:15: body: an address must be an https URL or a path (got "vbscript:x" in <source srcset>)',
        f'content/raw.md:17: body: {only} (got "javascript:go()" in <form action>)',
        f'content/raw.md:18: body: {only} (got "ftp://example.com/" in <button formaction>)',
        'content/raw.md:20: body: an address must be an https URL or a path (got "file:///etc/passwd" in <video poster>)',
        f'content/raw.md:20: body: {only} (got "javascript:1" in <a xlink:href>)',
        ('content/raw.md:23: body: a link with no scheme (got "//example.com/c" in <a href>) (give the scheme: '
        "https://example.com/c)"),
        ('content/raw.md:23: body: a link with no scheme (got "/\\example.com/d" in <a href>) (give the scheme: '
        "https://example.com/d)"),
        ('content/raw.md:24: body: an address must be an https URL or a path (got "http://example.com/e.png" in <img '
        "src>) (a page served over https does not load it over http; write https://example.com/e.png)"),
        ('content/raw.md:24: body: an address with no scheme (got "//example.com/f" in <iframe src>) (give the scheme: '
        "https://example.com/f)"),
        "check failed: 12 errors, 0 warnings",
    ]


def test_raw_html_left_open_that_would_swallow_the_page_is_an_error(site_dir: Path) -> None:
    # the build succeeded, and a browser showed nothing of the page after the brief's first lines
    (site_dir / "site.yaml").write_text("allow_html: true\n", encoding="utf-8")
    brief = ("---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\nnarratives:\n  - perspective: A\n"
             "    text: Says <style> one thing.\n  - perspective: B\n    text: Says <b>another</b>.\n---\n")
    write_brief(site_dir, "comment.md", brief + "- A fact <!-- closed -->.[1]\n\n<div>\n<!-- left\nopen\n</div>\n\n"
                                                "- More, <textarea>.[1]\n")
    write_brief(site_dir, "script.md", brief + '- A fact <script src="https://example.com/a.js"/> here.[1]\n')
    write_brief(site_dir, "closed.md", brief.replace("<style>", "<i>") +
                "- A fact <script>1</script> <textarea>t</textarea>.[1]\n\n<svg><title>t</title></svg>\n\n"
                "<style>\np {}\n</style>\n")
    swallows = "is never closed: a browser would take the rest of the page into it"
    assert run("check").lines == [
        f"content/comment.md:7: narratives[1].text: <style> {swallows} (end it with </style>)",
        f"content/comment.md:14: body: <!-- {swallows} (end it with -->)",
        f"content/script.md:7: narratives[1].text: <style> {swallows} (end it with </style>)",
        ("content/script.md:11: body: <script/> is never closed (HTML ignores the slash): a browser would take the "
        "rest of the page into it (end it with </script>)"),
        "check failed: 4 errors, 0 warnings",
    ]


def test_raw_html_that_a_browser_closes_is_not_said_to_be_left_open(site_dir: Path) -> None:
    # an SVG's <title/> closes itself, and <!--> is a whole (empty) comment: both were "never closed" errors
    (site_dir / "site.yaml").write_text("allow_html: true\n", encoding="utf-8")
    write_brief(site_dir, "svg.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- A fact.[1]\n\n"
                                    '<svg viewBox="0 0 9 9"><title/><script/><rect width="9"/></svg>\n\n<!-->\n\n'
                                    '<math><mi>x</mi></math>\n\n<p>After <a href="javascript:x()">a link</a>.</p>\n')
    assert [line for line in run("check").lines if "narratives" not in line] == [
        'content/svg.md:14: body: only http, https and mailto links are allowed (got "javascript:x()" in <a href>)',
        "check failed: 1 error, 1 warning",
    ]


def test_raw_html_is_text_and_unchecked_unless_the_site_allows_it(site_dir: Path) -> None:
    write_brief(site_dir, "raw.md", RAW_HTML_BRIEF)
    assert run("build", "--no-search").code == 0
    html = (site_dir / "site" / "briefs" / "raw" / "index.html").read_text(encoding="utf-8")
    assert "<li>A fact &lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;." in html


def test_a_brief_without_facts_is_told_so_and_a_draft_is_told_before_it_is_published(site_dir: Path) -> None:
    """The brief format: a draft may lack sources and facts, and that is a warning (sources, once published,
    are required; facts are asked for)."""
    write_brief(site_dir, "wip.md", "---\ntitle: Work in progress\ndate: 2024-10-23\ndraft: true\n---\n\nNotes.\n")
    write_brief(site_dir, "bare.md", "---\ntitle: Bare\ndate: 2024-10-23\nsources: [{name: R}]\n---\n\nLater.\n")
    result = run("check", "--drafts")
    assert (result.code, result.lines) == (0, [
        "content/bare.md:1: warning: narratives: no narratives: a balanced brief gives at least two",
        'content/bare.md:4: warning: sources[1]: "R" is never cited; cite it as [1] or remove it',
        "content/bare.md:6: warning: body: no facts: list them as Markdown bullets",
        "content/wip.md:1: warning: narratives: no narratives: a balanced brief gives at least two",
        "content/wip.md:1: warning: sources: at least one source is required before this draft is published",
        "content/wip.md:6: warning: body: no facts: list them as Markdown bullets before this draft is published"])


@pytest.mark.parametrize("language", ["zh-Hant-TW", "es-419", "x-klingon", "i-navajo", "en-US-x-house", "sgn-BE-FR"])
def test_a_language_tag_of_any_bcp47_form_builds(site_dir: Path, language: str) -> None:
    # private-use (x-...) and old registered (i-...) tags start with one letter: they were refused as no tag
    (site_dir / "site.yaml").write_text(f"title: T\nlanguage: {language}\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    assert run("build", "--no-search").code == 0
    assert f'<html lang="{language}"' in (site_dir / "site" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting,said", [
    # a case-insensitive disk (macOS) may load "utc": the site would build there and fail in CI
    ("timezone: utc", 'site.yaml:2: timezone: unknown timezone "utc" (did you mean "UTC"?)'),
    ("timezone: Europe/Berln", 'site.yaml:2: timezone: unknown timezone "Europe/Berln" (did you mean "Europe/Berlin"?)'),
    ("timezone: Mars/Base", ('site.yaml:2: timezone: unknown timezone "Mars/Base" (use an IANA name such as '
                             "Europe/Berlin or UTC)")),
    # the nearest spelling of these was a zone hours away ("UTC", "MST"): followed, it shifted every date
    ("timezone: UTC+2", ('site.yaml:2: timezone: unknown timezone "UTC+2" (an offset is no timezone: daylight saving '
                         'moves it; give the place, such as Europe/Berlin, or "Etc/GMT-2" for +02:00 all year)')),
    ("timezone: IST", ('site.yaml:2: timezone: unknown timezone "IST" (IST is an abbreviation that zones share; use an '
                       "IANA name such as Europe/Berlin or UTC)")),
    # it goes into <html lang>, xml:lang and the feeds as written
    ("language: de_DE", 'site.yaml:2: language: not a language tag (got "de_DE") (write "de-DE")'),
    ("language: en us", 'site.yaml:2: language: not a language tag (got "en us") (write "en-us")'),
    ("language: 5", 'site.yaml:2: language: not a language tag (got "5") (a language code such as en, de or pt-BR)'),
    ("language: English", ('site.yaml:2: language: not a language tag (got "English") (a language code such as en, de '
                           "or pt-BR)")),
    # YAML 1.1 reads 12:30 as 750, a number in range that would be used without a word
    ("per_page:\n  home: 12:30", ("site.yaml:3: per_page.home: YAML read 12:30 as the number 750; write a whole "
                                  "number from 1 to 1000")),
], ids=["timezone-case", "timezone-typo", "timezone-unknown", "timezone-offset", "timezone-abbreviation",
        "language-underscore", "language-space", "language-number", "language-name", "per-page-time"])
def test_a_timezone_or_language_that_is_no_such_thing_is_named_with_a_fix(site_dir: Path, setting: str, said: str) -> None:
    (site_dir / "site.yaml").write_text(f"title: T\n{setting}\n", encoding="utf-8")
    write_brief(site_dir, "a.md", "---\ntitle: T\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    result = run("check")
    assert result.code == 1
    assert said in result.lines
    (site_dir / "site.yaml").write_text("title: T\nlanguage: pt-BR\ntimezone: America/Sao_Paulo\n", encoding="utf-8")
    assert run("check").code == 0
