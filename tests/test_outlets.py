"""Outlet matching: names and aliases, case and spacing ignored; names the registry lacks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from briefkit import scorecard
from briefkit.listings import build_site
from briefkit.markdown import render_brief
from briefkit.model import Brief, Narrative, Outlet, Source
from briefkit.outlets import registry, unknown
from briefkit.project import SiteConfig

AP = Outlet("Associated Press", ("AP", "AP News"), lean=3, establishment=4, slug="associated-press", line=1)
FOX = Outlet("Fox News", ("FOX News", "Fox"), lean=4, establishment=3, slug="fox-news", line=8)


def brief(slug: str, sources: list[str], outlets: list[str] = (), day: int = 1) -> Brief:
    return Brief(slug=slug, path=f"content/{slug}.md", title=slug, date=datetime(2024, 10, day, tzinfo=UTC),
                 body="", body_line=1,
                 sources=tuple(Source(i, n, line=10 + i) for i, n in enumerate(sources, start=1)),
                 narratives=tuple(Narrative("Left", o, "text", line=30 + i) for i, o in enumerate(outlets)))


def test_matches_name_and_aliases_whatever_the_case_and_spacing():
    reg = registry([AP, FOX])
    for name in ("Associated Press", "associated press", "ASSOCIATED  PRESS", " AP ", "ap news", "fox", "FOX NEWS"):
        assert reg.match(name) is not None, name
    assert reg.match("AP News") is AP
    assert reg.match("fox") is FOX
    assert reg.match("Associated") is None
    assert reg.match("") is None


def test_names_the_registry_lacks_are_listed_once_with_counts():
    reg = registry([AP])
    a = brief("a", ["AP", "Daily Planet", "daily planet"], ["Kyiv Post"])
    b = brief("b", ["Daily  Planet"])
    found = unknown(reg, [b, a])
    assert [(u.name, u.count, u.briefs, u.first.brief.slug, u.first.field, u.first.line) for u in found] == [
        ("Daily Planet", 3, 2, "a", "sources[2].name", 12),
        ("Kyiv Post", 1, 1, "a", "narratives[1].outlet", 30),
    ]


def test_outlet_pages_list_citing_briefs_newest_first_with_source_numbers_and_narratives():
    reg = registry([AP, FOX])
    older = brief("older", ["AP", "Fox", "AP News"], ["Associated Press"], day=1)
    newer = brief("newer", ["fox news"], [], day=2)
    site = build_site(SiteConfig(), [render_brief(b)[0] for b in (older, newer)], [AP, FOX])
    scorecard.annotate(site, reg, [], date(2024, 10, 3))
    use = {ov.outlet.slug: ov for ov in site.extra["outlets"]}
    assert [(v.brief.slug, nums) for v, nums in use["associated-press"].cited] == [("older", (1, 3))]
    assert [(v.brief.slug, n) for v, n, _ in use["associated-press"].narratives] == [("older", older.narratives[0])]
    assert [(v.brief.slug, nums) for v, nums in use["fox-news"].cited] == [("newer", (1,)), ("older", (2,))]


def test_names_kept_by_file_hash_match_names_worked_out_again_and_go_when_the_registry_changes():
    from dataclasses import replace

    from briefkit.checks import check_outlets
    from briefkit.named import NamedMemo, names_all

    a = brief("a", ["AP", "Daily Planet", "fox"], ["Fox News", ""])
    b = brief("b", ["fox news", "AP"], ["Kyiv Post"])
    reg, memo, hashes = registry([AP, FOX]), NamedMemo(), {"content/a.md": "1", "content/b.md": "2"}
    fresh = names_all(reg, [a, b])
    kept = names_all(reg, [a, b], hashes, memo)
    assert memo.changed and [n[1:] for n in kept.values()] == [n[1:] for n in fresh.values()]
    assert (kept["content/a.md"].numbers, kept["content/a.md"].outlets) == ((1, 3), (0, 1)) and kept["content/a.md"].narratives == (0, 1)
    assert kept["content/a.md"].cites == ((0, (1,)), (1, (3,))) and kept["content/a.md"].unknown
    assert kept["content/b.md"].counts == (2, (0, 1, 1), (0, 1, 1)) and kept["content/b.md"].unknown
    memo.changed = False
    assert names_all(reg, [a, b], hashes, memo) == kept and not memo.changed  # nothing matched again
    # as the build cache saves and loads it: every field of every entry comes back
    import pickle
    assert pickle.loads(pickle.dumps(memo)).entries == memo.entries
    # an edit (a new hash) is matched again; an entry under an old hash is not taken for it
    edited = replace(b, sources=(Source(1, "AP"),), narratives=())
    again = names_all(reg, [a, edited], {**hashes, "content/b.md": "3"}, memo)
    assert memo.changed and again["content/b.md"].outlets == (0,) and not again["content/b.md"].unknown
    # outlets.yaml changed (a rating): every brief is matched again, against it
    rated = registry([replace(AP, lean=1), FOX])
    assert names_all(rated, [a, b], hashes, memo)["content/b.md"].counts == (2, (1, 0, 1), (0, 1, 1))
    # the check for unknown outlets reads the Names: the same warnings as without them
    both = check_outlets(reg, [a, b], "content/outlets.yaml")
    assert both and check_outlets(reg, [a, b], "content/outlets.yaml", names_all(reg, [a, b], hashes, memo)) == both


def test_story_names_kept_by_what_they_are_made_of(monkeypatch):
    from dataclasses import replace

    from briefkit import listings
    from briefkit.named import NamedMemo

    a = replace(brief("kim-visit-a", []), story="kim-visit", title="Kim visit begins")
    b = replace(brief("kim-visit-b", [], day=2), story="kim-visit", title="KIM visit ends")
    rendered = [render_brief(x)[0] for x in (a, b)]
    memo = NamedMemo()
    fresh = build_site(SiteConfig(), rendered, [])
    assert [g.name for g in build_site(SiteConfig(), rendered, [], memo).stories] == [g.name for g in fresh.stories]
    assert memo.changed and len(memo.stories) == 1
    memo.changed = False
    monkeypatch.setattr(listings, "story_name", lambda *_: "made again")
    assert build_site(SiteConfig(), rendered, [], memo).stories[0].name == fresh.stories[0].name
    assert not memo.changed
    # a title changed: the name is made again, and the memo holds this build's stories only
    retitled = [rendered[0], render_brief(replace(b, title="Kim visit ends"))[0]]
    assert build_site(SiteConfig(), retitled, [], memo).stories[0].name == "made again"
    assert memo.changed and list(memo.stories.values()) == ["made again"]
