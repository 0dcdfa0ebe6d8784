"""The related-briefs scorer on small hand-built sets, and story changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from briefkit.crosslink import days_apart
from briefkit.related import Doc, Index, Settings
from briefkit.terms import terms_of
from briefkit.timeline import first_reported

DAY0 = datetime(2024, 10, 1, tzinfo=UTC)
FILLER = ["harvest", "museum", "orchestra", "glacier", "bakery", "marathon", "chess", "volcano", "ferry",
          "library", "vineyard", "comet", "carnival", "lighthouse", "tram", "opera", "regatta", "quarry"]


def doc(slug: str, day: int, text: str = "", topics: tuple[str, ...] = (), story: str = "",
        related: tuple[str, ...] = (), outlets: tuple[str, ...] = ()) -> Doc:
    return Doc(slug, DAY0 + timedelta(days=day), slug, story, related,
               tuple((t.lower().replace(" ", "-"), t) for t in topics),
               tuple((o.lower(), o) for o in outlets), text or slug.replace("-", " "))


def noise(n: int, start: int = 0) -> list[Doc]:
    """Briefs about unrelated things, each sharing nothing with the others."""
    return [doc(f"noise-{k}", start + k * 9, f"{FILLER[k % len(FILLER)]} {FILLER[(k * 7 + 3) % len(FILLER)]} "
                f"item{k}") for k in range(n)]


def slugs(index: Index, slug: str) -> list[str]:
    return [m.slug for m in index.related(slug)]


def test_explicit_links_come_first_in_the_authors_order_then_the_story_then_the_best_others() -> None:
    docs = [
        doc("pentagon-3k", 3, "Pentagon evidence North Korean troops Kursk training Austin", ("North Korea",),
            story="nk", related=("weather-report", "seoul-arrive")),
        doc("seoul-arrive", 0, "Seoul says North Korean troops arrive Vladivostok Kursk", ("North Korea",), story="nk"),
        doc("nato-confirms", 4, "NATO confirms North Korean troops Russia Kursk", ("North Korea",), story="nk"),
        doc("kursk-analysis", 5, "Analysis: North Korean troops Kursk training Pentagon Austin", ("North Korea",)),
        doc("weather-report", 1, "Typhoon season forecast for Okinawa fishermen"),
        *noise(6),
    ]
    index = Index(docs)
    assert slugs(index, "pentagon-3k") == ["weather-report", "seoul-arrive", "nato-confirms", "kursk-analysis"]
    tiers = [m.tier for m in index.related("pentagon-3k")]
    assert tiers == ["author", "author", "story", "similar"]
    reasons = [m.reason for m in index.related("pentagon-3k")]
    assert reasons[:3] == ["linked by the author", "linked by the author; same story", "same story"]
    assert reasons[3] == "similar facts"


def test_a_brief_is_never_related_to_itself_even_when_it_names_itself() -> None:
    docs = [doc("a", 0, "kursk troops pentagon", story="s", related=("a", "b")),
            doc("b", 1, "kursk troops pentagon", story="s"), doc("c", 2, "kursk troops pentagon")]
    index = Index(docs)
    for d in docs:
        assert d.slug not in slugs(index, d.slug)
        assert d.slug not in [m.slug for m in index.candidates(d.slug)]
    assert slugs(index, "a") == ["b", "c"]


def test_a_topic_on_most_briefs_links_nothing_until_the_cardinality_cut_allows_it() -> None:
    docs = [doc(f"brief-{k}", k, f"unique{k} words{k}", ("World",)) for k in range(30)]
    assert all(slugs(Index(docs), d.slug) == [] for d in docs)
    everything = Index(docs, Settings(cardinality=1.0, threshold=0.0))
    assert len(slugs(everything, "brief-0")) == 5
    assert all(m.shared["topics"] == ("World",) for m in everything.related("brief-0"))


def test_a_rare_shared_topic_survives_the_cut_and_names_itself_in_the_reason() -> None:
    docs = [doc(f"brief-{k}", k, f"unique{k} words{k}", ("World",)) for k in range(30)]
    docs += [doc("arctic-1", 40, "icebreaker route", ("World", "Arctic")),
             doc("arctic-2", 41, "sea ice minimum", ("World", "Arctic"))]
    index = Index(docs)
    assert [(m.slug, m.reason) for m in index.related("arctic-1")] == [("arctic-2", "shares topics: Arctic")]


def test_related_lists_do_not_depend_on_the_order_briefs_come_in() -> None:
    docs = [doc(f"b{k}", k % 7, f"troops kursk {FILLER[k % 5]} {FILLER[k % 3]}", ("Russia", FILLER[k % 4]),
                story="s" if k % 4 == 0 else "", outlets=("Reuters", "AP")[: 1 + k % 2]) for k in range(24)]
    expected = {d.slug: [(m.slug, m.score, m.reason) for m in Index(docs).related(d.slug)] for d in docs}
    for seed in range(3):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        index = Index(shuffled)
        assert {d.slug: [(m.slug, m.score, m.reason) for m in index.related(d.slug)] for d in docs} == expected


def test_ties_go_to_the_newer_brief_then_the_slug() -> None:
    docs = [doc("x", 10, "alpha beta gamma", story="s"), doc("m", 5, "alpha beta gamma", story="s"),
            doc("k", 15, "alpha beta gamma", story="s"), doc("l", 15, "alpha beta gamma", story="s"),
            *noise(8, 100)]
    assert slugs(Index(docs, Settings(half_life=0)), "x") == ["k", "l", "m"]


def test_include_newer_false_keeps_a_published_list_stable() -> None:
    docs = [doc("first", 0, "troops kursk pentagon", story="s"), doc("second", 2, "troops kursk pentagon", story="s"),
            doc("third", 4, "troops kursk pentagon", story="s")]
    assert slugs(Index(docs, Settings(include_newer=False)), "second") == ["first"]
    assert slugs(Index(docs, Settings(include_newer=False)), "first") == []
    assert slugs(Index(docs), "first") == ["second", "third"]


def test_count_caps_the_list_and_the_rest_are_candidates_not_shown() -> None:
    docs = [doc(f"s{k}", k, "troops kursk", story="s") for k in range(8)]
    index = Index(docs, Settings(count=3))
    assert len(index.related("s0")) == 3
    rest = [m for m in index.candidates("s0") if m.tier == "below"]
    assert len(rest) == 4


def test_score_parts_add_up_and_date_only_strengthens_shared_content() -> None:
    docs = [doc("a", 0, "grain corridor odesa", ("Food security",)), doc("b", 1, "grain corridor odesa"),
            doc("c", 1, "opera regatta"), *noise(8, 50)]
    index = Index(docs, Settings(threshold=0.0))
    m = index.related("a")[0]
    assert m.slug == "b"
    assert abs(sum(m.parts.values()) - m.score) < 1e-12
    assert m.parts["date"] > 0
    assert "c" not in slugs(index, "a")  # the same day, nothing shared: not a candidate at all


def test_salient_terms_are_stemmed_and_named_phrases_kept() -> None:
    assert terms_of("US Defense Secretary Lloyd Austin said the troops' 3K soldiers arrived") == {
        "defense", "secretary", "lloyd", "austin", "troop", "soldier", "arrived",
        "defense secretary lloyd austin"}


def test_lookalikes_are_pairs_outside_one_story_with_close_dates() -> None:
    same = "Wildfire season Marseille evacuations firefighters Sofia Moreau canadair"
    docs = [doc("fire-1", 0, same, ("Climate",)), doc("fire-2", 2, same + " update", ("Climate",)),
            doc("fire-keyed-1", 0, same + " keyed", ("Climate",), story="a"),
            doc("fire-keyed-2", 200, same, ("Climate",)), *noise(12)]
    pairs = [(new.slug, old.slug) for new, old, _ in Index(docs).lookalikes()]
    assert ("fire-2", "fire-1") in pairs
    assert all("fire-keyed-2" not in pair for pair in pairs)  # 200 days apart


def test_story_changes_are_the_facts_no_earlier_brief_reported() -> None:
    briefs = [
        ["North Korea sent 1,500 special forces to Vladivostok, the NIS said.",
         "Zelensky said 10,000 troops were being prepared."],
        ["The Pentagon said 3,000 North Korean troops are training in eastern Russia.",
         "Zelensky earlier said 10K troops were being prepared.",
         "NATO said it was aware of the reports."],
        ["Some units have reached the Kursk region, the Pentagon said.",
         "NATO said it was aware of the reports and discussing them."],
    ]
    assert first_reported(briefs) == [[0, 1], [0, 2], [0]]


def test_a_fact_giving_a_figure_first_is_new_however_alike_its_words() -> None:
    briefs = [["The death toll in Kyiv rose to 3, officials said.", "Rescue work goes on in Kyiv."],
              ["The death toll in Kyiv rose to 12, officials said.", "Rescue work goes on in Kyiv, officials said."]]
    assert first_reported(briefs) == [[0, 1], [0]]  # the new toll is news; the rescue work is not


def test_briefs_are_calendar_days_apart_in_the_sites_timezone() -> None:
    tz = timezone(timedelta(hours=2))
    late, early_next = datetime(2024, 10, 23, 23, 0, tzinfo=tz), datetime(2024, 10, 24, 1, 0, tzinfo=tz)
    assert days_apart(early_next, late) == "1 day apart"  # by the clock, 2 hours: it read "the same day"
    assert days_apart(datetime(2024, 10, 23, 1, 0, tzinfo=tz), datetime(2024, 10, 24, 12, 30, tzinfo=tz)) \
        == "1 day apart"  # 35.5 hours: it read "1 day" only by rounding, 36 hours read "2 days"
    assert days_apart(late, late) == "the same day"
