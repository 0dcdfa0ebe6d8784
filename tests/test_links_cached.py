"""The link check on a cached build: pages whose verdicts cannot have changed keep the last good build's,
unread, and the report (and so every error line) is the one checking every page gives."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import delete_brief, run
from test_cache import load_corpus_module

from briefkit import linkcheck, search

KINDS = ["text", "add", "delete", "broken link", "broken anchor", "anchor target removed", "link target removed",
         "file target removed"]


class Spy:
    """Wraps the link checker: every report is compared with a full check of the same pages, and the
    pages checked again are noted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.checked: list[int] = []  # pages checked in each build
        self.rechecked: list[str] = []  # kept pages checked again for an "#id" link into a changed page
        self.pages = 0
        check, judge_all, judge_one = linkcheck.check_links, linkcheck._Judge.all, linkcheck._Judge.one
        inside: list[bool] = []

        def check_links(config, out, shown, memory=None):
            rechecked = len(self.rechecked)
            got = check(config, out, shown, memory)
            full = check(config, out, shown)
            self.checked.pop()  # the full check's
            assert (got.pages, got.internal, got.diagnostics) == (full.pages, full.internal, full.diagnostics)
            assert list(got.external.items()) == list(full.external.items())
            assert full.checked == full.pages and got.checked == self.checked[-1] + len(self.rechecked) - rechecked
            self.pages = full.pages
            return got

        def all_pages(judge, todo):
            inside.append(True)
            try:
                self.checked.append(len(todo))
                return judge_all(judge, todo)
            finally:
                inside.pop()

        def one_page(judge, rel):
            if not inside:
                self.rechecked.append(rel)
            return judge_one(judge, rel)

        monkeypatch.setattr(linkcheck, "check_links", check_links)
        monkeypatch.setattr(linkcheck._Judge, "all", all_pages)
        monkeypatch.setattr(linkcheck._Judge, "one", one_page)


def _facts(path: Path, line: str) -> None:
    """Add a fact line citing source 1."""
    path.write_text(path.read_text(encoding="utf-8").replace("## Facts\n\n", f"## Facts\n\n- {line}[1]\n", 1),
                    encoding="utf-8")


@pytest.mark.parametrize("load_after", [linkcheck.LOAD_AFTER, 0], ids=["parsing-targets", "targets-from-the-cache"])
def test_a_cached_link_check_reports_what_checking_every_page_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  load_after: int) -> None:
    monkeypatch.setattr(linkcheck, "LOAD_AFTER", load_after)  # 0: the ids of pages "#id" links point into
    root = tmp_path / "site-root"                              # always come from the cache's parsed pages
    load_corpus_module().generate(40, seed=5).write(root)
    content = root / "content"
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    spy = Spy(monkeypatch)
    assert run("build", "-q", "--no-search").code == 0
    assert spy.checked == [spy.pages]
    rng = random.Random(3)
    for step, kind in enumerate(rng.sample(KINDS, len(KINDS)) + rng.choices(KINDS, k=6)):
        briefs = sorted(content.glob("*.md"))
        victim = rng.choice(briefs)
        before = victim.read_text(encoding="utf-8")
        fails = ""
        if kind == "text":
            victim.write_text(re.sub(r"^- ", f"- Update {step}: ", before, count=1, flags=re.MULTILINE),
                              encoding="utf-8")
        elif kind == "add":
            (content / f"added-{step}.md").write_text(before.replace('title: "', f'title: "Copy {step}: ', 1),
                                                      encoding="utf-8")
        elif kind == "delete":
            delete_brief(victim)
        elif kind == "broken link":
            _facts(victim, f"See [the gone brief](/briefs/gone-{step}/).")
            fails = f'broken internal link "/briefs/gone-{step}/"'
        elif kind == "broken anchor":
            _facts(victim, f"See [a section](#no-section-{step}).")
            fails = f'broken anchor "#no-section-{step}"'
        elif kind == "file target removed":  # the page with the link stays as it was: only the file list changes
            (content / f"notes-{step}.txt").write_text("notes\n", encoding="utf-8")
            _facts(victim, f"See [the notes](/notes-{step}.txt).")
            assert run("build", "-q", "--no-search").code == 0, kind
            (content / f"notes-{step}.txt").unlink()
            fails = f'broken internal link "/notes-{step}.txt"'
        else:  # a brief links to another (or its first prediction); then that brief (or its predictions) goes
            target = rng.choice([b for b in briefs if "\npredictions:\n" in b.read_text(encoding="utf-8")
                                 and b != victim and f"[{b.stem}]" not in b.read_text(encoding="utf-8")])
            link = f"/briefs/{target.stem}/" + ("#prediction-1" if kind.startswith("anchor") else "")
            _facts(victim, f"See [that brief]({link}).")
            assert run("build", "-q", "--no-search").code == 0, kind
            held = target.read_text(encoding="utf-8")
            if kind.startswith("anchor"):
                target.write_text(re.sub(r"\npredictions:\n(?:  .*\n)*", "\n", held), encoding="utf-8")
                fails = f'broken anchor "{link}"'
            else:
                target.unlink()
                fails = f'broken internal link "{link}"'
        result = run("build", "-q", "--no-search")
        if fails:
            assert result.code == 1 and fails in result.err, (kind, result.err)
            if kind == "anchor target removed":  # the page with the link did not change: it was kept, then checked
                assert f"briefs/{victim.stem}/index.html" in spy.rechecked, spy.rechecked
            if kind == "file target removed":
                (content / f"notes-{step}.txt").write_text("notes\n", encoding="utf-8")
            if kind.endswith("target removed"):
                target.write_text(held, encoding="utf-8")
            else:
                victim.write_text(before, encoding="utf-8")
            assert run("build", "-q", "--no-search").code == 0, kind
        else:
            assert result.code == 0, (kind, result.err)
        if kind == "text":  # the file list is as it was: only the changed pages are read and checked
            assert 0 < spy.checked[-1] < spy.pages / 2, spy.checked
        if kind == "add":  # files were only added: the pages that did not change keep their verdicts
            assert 0 < spy.checked[-1] < spy.pages, spy.checked
        if kind == "delete":  # a removed file may break a link on any page: every page is checked
            assert spy.checked[-1] == spy.pages, spy.checked


def test_a_changed_page_linking_into_many_kept_pages_reads_their_ids_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "site-root"
    load_corpus_module().generate(40, seed=5).write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    assert run("build", "-q", "--no-search").code == 0
    parsed: list[int] = []
    parse = linkcheck.parse_page
    monkeypatch.setattr(linkcheck, "parse_page", lambda data, scan: parsed.append(1) or parse(data, scan))
    monkeypatch.setattr(linkcheck, "LOAD_AFTER", 3)
    asking = next(b for b in sorted((root / "content").glob("*.md")) if "probability: " in b.read_text())
    text = asking.read_text(encoding="utf-8")
    asking.write_text(re.sub(r"probability: [0-9.]+", "probability: 0.42", text, count=1), encoding="utf-8")
    report = []
    check = linkcheck.check_links
    monkeypatch.setattr(linkcheck, "check_links", lambda *a, **k: report.append(check(*a, **k)) or report[-1])
    assert run("build", "-q", "--no-search").code == 0
    forecasts = (root / "site" / "forecasts" / "index.html").read_text(encoding="utf-8")
    targets = set(re.findall(r'href="/briefs/([^/"]+)/#prediction-', forecasts))
    assert len(targets) > 10  # the forecasts page links into every brief asking a question
    assert report[0].checked == 2  # it and the brief whose probability changed
    assert len(parsed) == 2 + 3  # those two, and three targets before the cache's parsed pages were loaded


def test_the_link_check_knows_the_search_index_folder() -> None:
    assert linkcheck.SEARCH_BUNDLE == search.BUNDLE + "/"
