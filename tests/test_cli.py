"""The command line through main(argv): commands, options, summaries and exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import copy_fixture_briefs, read_tree, run

from briefkit import __version__


def test_build_is_the_default_command_and_prints_a_summary(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md", "citation-forms.md")
    result = run()
    assert result.code == 0, result.err
    assert re.fullmatch(r"built 2 briefs, \d+ pages in \d+\.\d\d s, \d+ warnings? -> site/\n", result.out)
    assert (site_dir / "site" / "briefs" / "minimal-brief" / "index.html").is_file() is False
    assert (site_dir / "site" / "briefs" / "minimal" / "index.html").is_file()
    assert run("build").out.startswith("built 2 briefs")


def test_check_writes_nothing(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    result = run("check")
    assert result.code == 0
    assert result.out == "checked 1 brief: 0 errors, 1 warning\n"
    assert not (site_dir / "site").exists()


def test_out_and_content_outside_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "elsewhere" / "content"
    content.mkdir(parents=True)
    (content / "a.md").write_text("---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    monkeypatch.chdir(tmp_path)
    result = run("build", "--content", str(content), "--out", str(tmp_path / "public"), "--quiet")
    assert result.code == 0, result.err
    assert result.out == ""
    assert (tmp_path / "public" / "briefs" / "a" / "index.html").is_file()
    assert not (tmp_path / "elsewhere" / "site").exists()


@pytest.mark.parametrize("out", [".", "content", ".."])
def test_refuses_output_over_the_content(site_dir: Path, out: str) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    before = read_tree(site_dir)
    result = run("build", "--out", out)
    assert result.code == 2
    assert result.err.startswith("error: refusing to write the site")
    assert read_tree(site_dir) == before


def test_refuses_output_inside_the_content(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    result = run("build", "--out", "content/site")
    assert result.code == 2
    assert result.err == "error: refusing to write the site inside the content folder (content/site)\n"


def test_refuses_an_output_folder_holding_files_no_build_wrote(site_dir: Path) -> None:
    # the stale-file sweep emptied any folder it was pointed at: `--out ~/Documents` removed everything there
    copy_fixture_briefs(site_dir, "minimal.md")
    public = site_dir / "public"
    (public / "sub").mkdir(parents=True)
    (public / "notes.txt").write_text("mine")
    (public / "sub" / "index.html").write_text("<p>mine</p>")
    before = read_tree(public)
    result = run("build", "--out", "public")
    assert (result.code, result.lines) == (1, [
        "content/minimal.md:1: warning: narratives: no narratives: a balanced brief gives at least two",
        ("public: output: holds files that briefkit did not write (notes.txt, sub/); building here would remove or "
        "overwrite them (build into a new or empty folder with --out DIR, or empty this one first; hidden files "
        "such as .git may stay)"),
        "build failed: 1 error, 1 warning",
        "nothing was written; public/ is as it was"])
    assert read_tree(public) == before


def test_a_branch_checked_out_in_the_output_folder_survives_every_build(site_dir: Path) -> None:
    # publishing by hand: `git worktree add site gh-pages` puts a .git file in the output folder
    copy_fixture_briefs(site_dir, "minimal.md", "citation-forms.md")
    git = site_dir / "site" / ".git"
    git.parent.mkdir()
    git.write_text("gitdir: ../.git/worktrees/site\n")
    assert run("build", "-q").code == 0
    (site_dir / "content" / "citation-forms.md").unlink()  # its page goes: the build removes a stale file
    for flags in ((), ("--no-cache",)):
        assert run("build", "-q", *flags).code == 0
    assert not (site_dir / "site" / "briefs" / "citation-forms").exists()
    assert git.read_text() == "gitdir: ../.git/worktrees/site\n"


def test_usage_errors_exit_2(site_dir: Path) -> None:
    assert run("build", "--no-such-flag").code == 2
    assert run("check", "--out", "x").code == 2
    missing = run("build", "--content", "nowhere")
    assert missing.code == 2
    assert missing.err == "error: no content folder at nowhere; pass --content DIR\n"
    bad_url = run("build", "--base-url", "www.example.org")
    assert bad_url.code == 2
    assert bad_url.err.startswith('error: --base-url: not a URL (got "www.example.org")')


@pytest.mark.parametrize("epoch", ["abc", "1730000000.5", "-5", "2024-10-27", "99999999999999999"])
def test_source_date_epoch_that_is_no_time_is_a_usage_error(site_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                            epoch: str) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    said = (f'error: SOURCE_DATE_EPOCH: not a time (got "{epoch}"); give whole seconds since 1970-01-01 UTC, '
            "as `date +%s` or `git log -1 --format=%ct` prints, or unset it\n")
    for command in ("build", "check"):
        result = run(command, "-q")
        assert (result.code, result.err) == (2, said)
    assert not (site_dir / "site").exists()


def test_empty_source_date_epoch_reads_as_unset(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    assert run("build", "-q").code == 0


def test_base_url_flag_wins_over_site_yaml(site_dir: Path) -> None:
    (site_dir / "site.yaml").write_text("base_url: https://example.org/\n")
    copy_fixture_briefs(site_dir, "minimal.md")
    assert run("build", "--base-url", "https://user.github.io/repo").code == 0
    html = (site_dir / "site" / "briefs" / "minimal" / "index.html").read_text()
    assert '<link rel="canonical" href="https://user.github.io/repo/briefs/minimal/">' in html
    assert 'href="/repo/static/style.css"' in html


def test_verbose_prints_one_line_per_stage(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    result = run("build", "--verbose")
    stages = [line.split()[0] for line in result.lines if line.startswith("  ")]
    assert stages[:3] == ["read", "parse", "check"]
    assert stages[-1] == "write"


def test_stale_files_are_removed_and_unchanged_files_kept(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md", "citation-forms.md")
    assert run("build").code == 0
    # not a brief page: its Related list named the brief removed below, so it rightly changes
    page = site_dir / "site" / "static" / "style.css"
    mtime = page.stat().st_mtime_ns
    (site_dir / "content" / "citation-forms.md").unlink()
    assert run("build").code == 0
    assert not (site_dir / "site" / "briefs" / "citation-forms").exists()
    assert not (site_dir / "site" / "topics" / "citations").exists()
    assert page.stat().st_mtime_ns == mtime


def test_version_and_help() -> None:
    # argparse prints these itself: main sends them to its own out, as it does everything else
    result = run("--version")
    assert (result.code, result.out, result.err) == (0, f"briefkit {__version__}\n", "")
    result = run("--help")
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("usage: build.py [-h] [--version] COMMAND ...\n")
    assert [line.split()[0] for line in result.out.splitlines() if line.startswith("    ")] == [
        "build", "check", "serve", "related", "new", "import"]


def test_a_build_that_mostly_waited_for_the_search_index_says_how_to_write_without_it() -> None:
    from briefkit.cli import search_hint

    timings = [("read", 0.05), ("parse", 0.3), ("render", 0.8), ("links", 0.03), ("search", 6.1), ("write", 0.2)]
    assert search_hint(timings, 7.6) == (
        "waiting for the search index took 6.1 s of that (Pagefind indexes every page again); "
        "while writing, 'build.py serve' writes pages without waiting for it, and 'build.py --no-search' "
        "leaves it out")
    assert search_hint([("render", 0.2), ("search", 0.4)], 0.8) == ""  # a small site: nothing to say
    assert search_hint([("render", 9.0), ("search", 2.5)], 12.0) == ""  # most of the time went elsewhere
    assert search_hint([("render", 1.0)], 1.2) == ""  # --no-search


@pytest.mark.parametrize(("argv", "said"), [
    # argparse left these to the top parser: "build.py: error: unrecognized arguments: chek", with the usage of
    # no command and no hint, whichever command was meant
    (["chek"], ('build.py: error: unknown command "chek" (did you mean "check"?); '
                "the commands are build, check, serve, related, new, import")),
    (["check", "--strcit"], 'build.py check: error: unrecognized arguments: --strcit (did you mean "--strict"?)'),
    (["--drafs"], 'build.py build: error: unrecognized arguments: --drafs (did you mean "--drafts"?)'),
    (["serve", "--prot", "8001"], 'build.py serve: error: unrecognized arguments: --prot 8001 (did you mean "--port"?)'),
    (["new", "Talks", "--topics", "North", "Korea"],
     'build.py new: error: unrecognized arguments: Korea (if "North Korea" is one value, put it in quotes)'),
])
def test_a_mistyped_command_or_option_is_named_with_its_near_miss(site_dir: Path, argv: list[str], said: str) -> None:
    result = run(*argv)
    assert (result.code, result.out) == (2, "")
    err = result.err
    assert err.splitlines()[-1] == said
    command = said.split(":")[0].removeprefix("build.py").strip() or "COMMAND"
    assert err.startswith(f"usage: build.py {'[-h]' if command == 'COMMAND' else command}")


@pytest.mark.parametrize("command", [[], ["check"], ["new", "Title"], ["import", "notes.txt"]])
def test_run_from_another_folder_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      command: list[str]) -> None:
    # it said "error: no content folder at content; pass --content DIR": at content where?
    monkeypatch.chdir(tmp_path)
    result = run(*command)
    assert result.code == 2
    flag = "--out" if command[:1] == ["import"] else "--content"
    assert result.err == (f"error: no content folder in {tmp_path} (the folder build.py was run in); run it in the "
                          f"folder that holds content/, or pass {flag} DIR\n")


def test_paths_outside_the_working_folder_are_shown_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the README's sub-path preview, `--out /tmp/preview/repo`, said "-> ../../preview/repo/", and an import of
    # /work/notes/a.txt said "../../../work/notes/a.txt": counted back from wherever build.py was run
    root, elsewhere = tmp_path / "site-root", tmp_path / "elsewhere"
    (root / "content").mkdir(parents=True)
    (elsewhere / "notes").mkdir(parents=True)
    (root / "content" / "a.md").write_text("---\ntitle: A\ndate: 2024-10-23\nsources: [{name: R}]\n---\n- F.[1]\n")
    (elsewhere / "notes" / "b.txt").write_text("A plain title\n\nA fact, reports Reuters.\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    built = run("build", "-q", "--no-search", "--out", str(elsewhere / "preview"))
    assert built.code == 0, built.err
    assert run("build", "--no-search", "--out", str(elsewhere / "preview")).out.endswith(f" -> {elsewhere}/preview/\n")
    assert run("build", "--no-search", "--out", "sub/../out").out.endswith(" -> out/\n")  # inside: relative, as before
    imported = run("import", str(elsewhere / "notes" / "b.txt"), "--date", "2024-10-23")
    assert imported.out.startswith(f"{elsewhere}/notes/b.txt: 1 fact, 1 source, ") and " -> content/a-plain-title.md\n" \
        in imported.out


def test_related_has_no_options_that_would_do_nothing_or_hide_its_answer() -> None:
    """--strict judges nothing there and --quiet would print nothing at all: related refuses both."""
    for option in ("--strict", "-q"):
        result = run("related", "some-slug", option)
        assert result.code == 2
        assert f"build.py related: error: unrecognized arguments: {option}" in result.err
