"""The related stage across builds: lists worked out from the last build's equal a fresh index's, edit after edit."""

from __future__ import annotations

import importlib.util
import pickle
import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from conftest import ROOT

from briefkit import parallel, relink
from briefkit.related import Doc, Index, Settings

SETTINGS = {
    # a small budget and short term lists, so posting lists are cut to windows and candidates are close calls
    "windows": Settings(budget=40, count=4, terms=8),
    "older-only": Settings(budget=24, count=3, terms=6, include_newer=False, cardinality=0.1, threshold=0.05),
    "defaults": Settings(),
}


@cache
def corpus_docs(n: int) -> tuple[Doc, ...]:
    """Docs of a generated corpus (benchmarks/corpus.py), read straight from its text."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("related_quality", ROOT / "benchmarks" / "related_quality.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return tuple(module.light_docs(n, 3)[0])
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def assert_same_as_fresh(docs: list[Doc], settings: Settings, index: Index, linked: relink.Linked,
                         why: object = None) -> None:
    fresh = Index(docs, settings)
    lists, pairs = fresh.link_all()
    assert linked.lists() == lists, why
    assert linked.pairs(index.docs) == pairs, why
    assert linked.links == [[(m.slug, m.reason, round(m.score, 4), m.tier) for m in shown] for shown in lists], why
    # the index handed on (site.extra, the `related` command) is the fresh one, down to the order of each vector
    assert index.df == fresh.df and index.idf == fresh.idf, why
    assert all(list(index.vectors[i].items()) == list(fresh.vectors[i].items()) for i in range(len(docs))), why
    assert all(index.postings[key] == plist for key, plist in fresh.postings.items()), why
    assert [m.slug for m in index.related(docs[0].slug)] == [m.slug for m in fresh.related(docs[0].slug)], why


def assert_same_state(docs: list[Doc], settings: Settings, linked: relink.Linked, why: object) -> None:
    """What the next build starts from is what a first build would keep, down to what each list read."""
    _, first = relink.link(docs, settings)
    n = len(docs)
    linked.settle()  # as the save (or the next build) does
    first.settle()
    assert [linked.results[i][1] for i in range(n)] == [first.results[i][1] for i in range(n)], why
    assert {j: linked.explainers[j] for j in range(n) if j in linked.explainers} == \
        {j: first.explainers[j] for j in range(n) if j in first.explainers}, why
    assert [dict(linked.keys[i]) for i in range(n)] == [dict(first.keys[i]) for i in range(n)], why
    assert {k: linked.holders[k] for k in first.df} == {k: first.holders[k] for k in first.df}, why
    assert linked.near == first.near and linked.contents == first.contents and linked.sig == first.sig, why


def edit(rng: random.Random, docs: list[Doc], original: tuple[Doc, ...], words: list[str], common: list[str],
         step: int) -> str:
    """One author's edit that keeps every brief's date, story and links: text, topics or outlets."""
    k = rng.randrange(len(docs))
    d = docs[k]
    kind = rng.choice(["words", "words", "common", "new-word", "unshare", "topic+", "topic-", "one-topic",
                       "topic-order", "outlet", "swap", "reorder", "revert"])
    if kind == "words":  # a fact reworded
        text = d.text.split()
        for _ in range(rng.randint(1, 4)):
            text[rng.randrange(len(text))] = rng.choice(words)
        d = replace(d, text=" ".join(text))
    elif kind == "common":  # words on many briefs: their weight changes everywhere
        d = replace(d, text=d.text + " " + " ".join(rng.sample(common, 3)))
    elif kind == "new-word":  # a word two briefs now share, and one that was on one brief only
        other = rng.randrange(len(docs))
        docs[other] = replace(docs[other], text=docs[other].text + f" Zanzibarite{step}")
        d = replace(d, text=d.text + f" Zanzibarite{step} Kalimantanese{step}")
    elif kind == "unshare":  # a word on two briefs left on one: it no longer links them
        shared = [o for o in docs if "Zanzibarite" in o.text]
        if shared:
            k = docs.index(rng.choice(shared))
            d = replace(docs[k], text=" ".join(w for w in docs[k].text.split() if not w.startswith("Zanzibarite")))
    elif kind == "one-topic":  # one topic: its weight is 1 whatever its df
        d = replace(d, topics=(rng.choice([t for o in original for t in o.topics]),))
    elif kind == "topic-order":  # the same vector in another order (the order _explain adds in)
        d = replace(d, topics=d.topics[::-1])
    elif kind == "topic+":
        topic = rng.choice([t for o in original for t in o.topics])
        d = replace(d, topics=tuple(dict.fromkeys((*d.topics, topic))))
    elif kind == "topic-" and d.topics:
        d = replace(d, topics=d.topics[1:])
    elif kind == "outlet":
        d = replace(d, outlets=rng.choice(original).outlets)
    elif kind == "swap":  # two briefs' facts swapped
        j = rng.randrange(len(docs))
        docs[j], d = replace(docs[j], text=d.text), replace(d, text=docs[j].text)
    elif kind == "reorder":  # the same words in another order: the same keys, counted in another order
        half = d.text.split(". ")
        d = replace(d, text=". ".join(half[1:] + half[:1]))
    elif kind == "revert":
        d = next(o for o in original if o.slug == d.slug)
    docs[k] = d
    return f"{kind} {d.slug}"


@pytest.mark.parametrize("name", list(SETTINGS))
def test_lists_after_random_edits_equal_a_fresh_index(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 40)  # big edits link again on the forked workers
    monkeypatch.setattr(parallel, "cores", lambda: 2)  # a worker even on one core
    settings = SETTINGS[name]
    original = corpus_docs(200)
    docs = list(original)
    words = sorted({w for d in docs for w in d.text.split()})
    fresh = Index(docs, settings)
    common = sorted(k[2:] for k, n in fresh.df.items() if k[0] == "w" and " " not in k and n > fresh.limit // 2)
    rng = random.Random(f"relink-{name}")
    index, linked = relink.link(docs, settings)
    assert_same_as_fresh(docs, settings, index, linked)
    for step in range(20):
        done = [edit(rng, docs, original, words, common, step) for _ in range(rng.choice([1, 1, 1, 2, 4]))]
        if step % 2:  # as `build` does: the last build's state read back from .cache/
            linked = pickle.loads(pickle.dumps(linked))
        index, linked = relink.link(docs, settings, linked)
        assert_same_as_fresh(docs, settings, index, linked, (step, done))
        assert_same_state(docs, settings, linked, (step, done))


def test_tiny_sites_with_one_topic_or_outlet_per_brief_and_a_tiny_budget() -> None:
    """Close calls the corpus rarely makes: a brief's only topic or outlet weighs 1 whatever its df, yet its
    df decides the order the brief's keys are read in, and a budget of a few postings cuts that reading short."""
    day0 = datetime(2024, 1, 1, tzinfo=UTC)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa"]

    def names(rng: random.Random, kind: str, most: int) -> tuple[tuple[str, str], ...]:
        return tuple((f"{kind}{k}", f"{kind.upper()}{k}") for k in rng.sample(range(3), rng.randint(1, most)))

    def text(rng: random.Random) -> str:
        return " ".join(rng.sample(words, rng.randint(1, 3)))

    for trial in range(300):
        rng = random.Random(trial)
        docs = [Doc(f"d{i:02d}", day0 + timedelta(days=rng.randint(0, 20)), "", "", (), names(rng, "t", 2),
                    names(rng, "o", 1), text(rng)) for i in range(rng.randint(10, 16))]
        settings = Settings(budget=rng.choice([3, 4, 6, 8, 16]), count=rng.choice([1, 2]), terms=2,
                            cardinality=0.9, threshold=0.0)
        _, linked = relink.link(docs, settings)
        for step in range(6):
            k = rng.randrange(len(docs))
            what = rng.random()
            if what < 0.4:
                docs[k] = replace(docs[k], topics=names(rng, "t", 2))
            elif what < 0.7:
                docs[k] = replace(docs[k], outlets=names(rng, "o", 2))
            else:
                docs[k] = replace(docs[k], text=text(rng))
            index, linked = relink.link(docs, settings, linked)
            assert (linked.lists(), linked.pairs(index.docs)) == Index(docs, settings).link_all(), (trial, step)


def spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which way each relink.link call went: 'full' or 'update', and how many docs were linked again."""
    calls: list[str] = []
    full, update = relink._full, relink._update
    monkeypatch.setattr(relink, "_full", lambda *a: calls.append("full") or full(*a))
    monkeypatch.setattr(relink, "_update", lambda *a: calls.append("update") or update(*a))
    tracked = relink._Tracked.tracked
    monkeypatch.setattr(relink._Tracked, "tracked", lambda self, i: calls.append("linked") or tracked(self, i))
    return calls


def fallback_edits(docs: list[Doc]) -> dict[str, tuple[list[Doc], Settings]]:
    """Changes to what the lists are ordered and grouped by: each works everything out again."""
    first, second = docs[0], docs[1]
    slug = next(t for d in docs for t in d.topics)[0]
    return {
        "date": ([replace(first, date=first.date + timedelta(hours=1)), *docs[1:]], SETTINGS["windows"]),
        "story": ([replace(first, story="a-new-story"), *docs[1:]], SETTINGS["windows"]),
        "author's links": ([replace(first, related=(second.slug,)), *docs[1:]], SETTINGS["windows"]),
        "brief added": ([*docs, replace(first, slug="a-copy", text=first.text + " copied")], SETTINGS["windows"]),
        "brief removed": (docs[1:], SETTINGS["windows"]),
        "topic renamed": ([replace(d, topics=tuple((s, "Renamed " + t if s == slug else t) for s, t in d.topics))
                           for d in docs], SETTINGS["windows"]),
        "settings": (docs, replace(SETTINGS["windows"], budget=41)),
    }


@pytest.mark.parametrize("change", list(fallback_edits(list(corpus_docs(200)))))
def test_a_changed_order_story_link_name_or_setting_links_everything_again(
        change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = list(corpus_docs(200))
    _, linked = relink.link(docs, SETTINGS["windows"])
    calls = spy(monkeypatch)
    changed, settings = fallback_edits(docs)[change]
    index, linked = relink.link(changed, settings, linked)
    assert calls.count("full") == 1 and "update" not in calls
    assert calls.count("linked") == len(changed)
    assert_same_as_fresh(changed, settings, index, linked)


def test_a_reworded_fact_links_again_only_the_briefs_it_can_change(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = list(corpus_docs(200))
    settings = SETTINGS["windows"]
    _, linked = relink.link(docs, settings)
    calls = spy(monkeypatch)
    k = len(docs) // 2
    docs[k] = replace(docs[k], text=docs[k].text.replace(" ", " (Edit 1) ", 1))
    index, again = relink.link(docs, settings, linked)
    assert calls.count("update") == 1 and "full" not in calls
    assert calls.count("linked") < len(docs) // 10
    assert_same_as_fresh(docs, settings, index, again)
    calls.clear()
    _, same = relink.link(docs, settings, again)  # nothing changed: the same state, nothing linked
    assert same is again and calls == ["update"]
