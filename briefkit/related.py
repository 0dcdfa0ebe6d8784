"""The related-briefs engine: a weighted inverted index over story, topics, outlets and salient terms.

Pure: Doc records and settings in, ranked Match lists with a per-signal score breakdown out.
Work per brief is bounded by a posting budget, so the whole index is never quadratic.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, compress
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from .matches import CONTENT, Match, owing_match
from .parallel import ordered_map
from .reldocs import Doc, Settings
from .slugs import slugify
from .terms import term_keys

K_contra = TypeVar("K_contra", contravariant=True)
V_co = TypeVar("V_co", covariant=True)
R = TypeVar("R")
SIGNALS = ("story", "topics", "outlets", "terms", "date")
MIN_CUT = 10  # a key found on this many briefs or fewer is never "too common"
SHORTLIST = 3  # candidates scored in full per shown slot
PER_KEY = 8  # one key reads at most 1/PER_KEY of the posting budget
MIN_LOOKALIKE = 10  # briefs a site needs before lookalike stories are reported


class Lookup(Protocol[K_contra, V_co]):
    """What the index asks of its vectors and posting lists: a list, a dict, or relink.Packed."""

    def __getitem__(self, key: K_contra, /) -> V_co: ...


class Index:
    """All briefs' keys, their document frequencies and posting lists, built once."""

    def __init__(self, docs: Iterable[Doc], settings: Settings | None = None):
        self._place(docs, settings)
        self._weigh(ordered_map(self._keys, self.docs))  # every brief's words, on every core

    def _place(self, docs: Iterable[Doc], settings: Settings | None) -> None:
        """What follows from the briefs' order, dates and stories alone (relink.py keeps the rest across builds)."""
        self.settings = s = settings or Settings()
        self.docs = sorted(docs, key=lambda d: (d.date, d.slug))
        self.pos = {d.slug: i for i, d in enumerate(self.docs)}
        self.days = [d.date.timestamp() / 86400.0 for d in self.docs]
        self.limit = max(MIN_CUT, math.ceil(s.cardinality * len(self.docs)))
        # the last brief to name a key wins: each doc's (key, name) pairs are laid over the last in C, and only the
        # few keys named are then prefixed (not the 30,000 pairs of 4,000 briefs)
        topics: dict[str, str] = {}
        outlets: dict[str, str] = {}
        for d in self.docs:
            topics.update(d.topics)
            outlets.update(d.outlets)
        self.names = {f"t:{k}": v for k, v in topics.items()}
        self.names.update({f"o:{k}": v for k, v in outlets.items()})
        self.stories: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            if d.story:
                self.stories.setdefault(d.story, []).append(i)
        total = sum(s.weights.get(k, 0.0) for k in SIGNALS)
        self.scale = {k: s.weights.get(k, 0.0) / total if total else 0.0 for k in SIGNALS}
        self.key_scale = {"t": self.scale["topics"], "o": self.scale["outlets"], "w": self.scale["terms"]}
        content = sum(self.scale[k] for k in CONTENT)
        self.content_share = {k: self.scale[k] / content if content else 0.0 for k in CONTENT}
        self._worked: dict[Any, Any] | None = None  # within _links_of: one doc's gathered scores and matches

    def _weigh(self, raw: list[Mapping[str, int]]) -> None:
        """Document frequencies, vectors and posting lists from every doc's keys (in doc order)."""
        self.df = df = Counter(chain.from_iterable(raw))  # every doc's keys counted in one pass in C, in doc order
        n = len(self.docs)
        self.idf = {key: math.log(1.0 + n / count) for key, count in df.items()}  # _idf, without a call per key
        vectors = ordered_map(self._vector, raw)
        # (day, doc, weight), in date order: a long list can be cut to the briefs nearest in date
        postings: dict[str, list[tuple[float, int, float]]] = {}
        for i, vec in enumerate(vectors):
            day = self.days[i]
            for key, weight in vec.items():
                postings.setdefault(key, []).append((day, i, weight))
        self.vectors: Lookup[int, dict[str, float]] = vectors
        self.postings: Lookup[str, list[tuple[float, int, float]]] = postings

    def _idf(self, count: int) -> float:
        return math.log(1.0 + len(self.docs) / count)

    @staticmethod
    def _keys(d: Doc) -> Counter[str]:
        keys = term_keys(d.text)
        keys.update([f"t:{slug}" for slug, _ in d.topics] + [f"o:{key}" for key, _ in d.outlets])
        return keys

    def _vector(self, keys: Mapping[str, int]) -> dict[str, float]:
        """Idf-weighted keys, the cardinality cut applied, each signal normalised to length 1.

        Topics and outlets cut for being common still count in the length, so that a brief whose
        one remaining topic is shared does not look identical to every brief with that topic.
        """
        kept: dict[str, float] = {}
        terms: list[tuple[float, str]] = []
        norms: dict[str, float] = {"t": 0.0, "o": 0.0, "w": 0.0}
        df, idf, limit = self.df, self.idf, self.limit
        for key, tf in keys.items():
            # on one brief a key links nothing; on too many it says little
            if key[0] == "w":
                if 2 <= df[key] <= limit:  # most words are on one brief: their weight is not worked out
                    terms.append((-(idf[key] if tf == 1 else (1.0 + math.log(tf)) * idf[key]), key))
                continue
            weight = idf[key] if tf == 1 else (1.0 + math.log(tf)) * idf[key]
            norms[key[0]] += weight * weight
            if 2 <= df[key] <= limit:
                kept[key] = weight
        for neg, key in heapq.nsmallest(self.settings.terms, terms):  # after the topics and outlets (shared_names)
            kept[key] = -neg
            norms["w"] += neg * neg
        return {key: weight / math.sqrt(norms[key[0]]) for key, weight in kept.items()}

    def _gathered(self, i: int, seen: set[int]) -> list[tuple[int, float]]:
        """Doc i's gathered candidates other than `seen`, best first (ties keep the order of gathering).

        Within _links_of the related list and the full candidate list ask this with the same `seen`:
        it is gathered and sorted once for both.
        """
        key = ("gathered", i, frozenset(seen))
        if self._worked is not None and key in self._worked:
            return self._worked[key]
        partial = self._gather_new(i)
        for j in seen:
            partial.pop(j, None)
        if not self.settings.include_newer:
            partial = {j: v for j, v in partial.items() if self._allowed(i, j)}
        ranked = sorted(partial.items(), key=itemgetter(1), reverse=True)
        if self._worked is not None:
            self._worked[key] = ranked
        return ranked

    def _gather_new(self, i: int) -> dict[int, float]:
        """Partial scores of candidates, from the rarest keys first, within the posting budget."""
        vec, day, scale = self.vectors[i], self.days[i], self.key_scale
        acc: dict[int, float] = {}
        get = acc.get  # a plain dict and get: a fifth faster than a defaultdict's += over some 850,000 entries
        left = self.settings.budget
        cap = max(1, left // PER_KEY)
        # the keys that weigh most in this brief first; a long posting list gives its briefs nearest in date
        df, postings = self.df, self.postings
        weighted = [(scale[k[0]] * w, k) for k, w in vec.items()]
        for _, factor, key in sorted([(df[k] / f, f, k) for f, k in weighted if f > 0]):
            plist = postings[key]
            if len(plist) > cap:  # window(), without two calls for each of the 40,000 lists read
                lo = max(0, min(bisect_left(plist, (day,)) - cap // 2, len(plist) - cap))
                plist = plist[lo : lo + cap]
            for _, j, weight in plist:
                acc[j] = get(j, 0.0) + factor * weight
            left -= len(plist)
            if left <= 0:
                break
        acc.pop(i, None)
        return acc

    def explain(self, i: int, j: int, tier: str = "similar", terms: bool = True) -> Match:
        """The full score of doc j as a candidate for doc i, signal by signal (shared terms named if asked)."""
        if self._worked is None:
            return self._explain(i, j, tier, terms)
        m = self._worked.get((i, j, tier))
        if m is None:
            if not terms:  # the shown list, asked last: scored without terms, not scored with them and copied
                return self._explain(i, j, tier, False)
            m = self._worked[i, j, tier] = self._explain(i, j, tier, True)
        # naming the shared terms changes nothing else: not the score, not the reason
        return m if terms else m.without_terms()

    def _explain(self, i: int, j: int, tier: str, terms: bool) -> Match:
        a, b = self.vectors[i], self.vectors[j]
        small, big = (a, b) if len(a) <= len(b) else (b, a)
        sim_t = sim_o = sim_w = 0.0
        # the keys both hold, in small's order (the order of adding): picked out without a Python step per key
        for key in compress(small, map(big.__contains__, small)):
            kind = key[0]
            if kind == "w":
                sim_w += small[key] * big[key]
            elif kind == "t":
                sim_t += small[key] * big[key]
            else:
                sim_o += small[key] * big[key]
        scale, share = self.scale, self.content_share
        days = abs(self.days[i] - self.days[j])
        half = self.settings.half_life
        closeness = 0.5 ** (days / half) if half > 0 else 0.0
        content = share["topics"] * sim_t + share["outlets"] * sim_o + share["terms"] * sim_w
        story = self.docs[i].story
        parts = {"story": scale["story"] if story and story == self.docs[j].story else 0.0,
                 "topics": scale["topics"] * sim_t, "outlets": scale["outlets"] * sim_o,
                 "terms": scale["terms"] * sim_w,
                 # date proximity strengthens what the content shares; alone it links nothing
                 "date": scale["date"] * closeness * content}
        # the names shared and the reason only when read: most candidates scored are never shown
        return owing_match(self.docs[j].slug, sum(parts.values()), parts, tier, days, (self, i, j, tier, terms))

    def shared_names(self, i: int, j: int, terms: bool) -> dict[str, tuple[str, ...]]:
        """The topics, outlets and (if asked) terms docs i and j share, the most telling first."""
        a, b = self.vectors[i], self.vectors[j]
        small, big = (a, b) if len(a) <= len(b) else (b, a)
        topics: list[tuple[float, str]] = []
        outlets: list[tuple[float, str]] = []
        words: list[tuple[float, str]] = []
        for key in compress(small, map(big.__contains__, small)):
            kind = key[0]
            if kind == "w":
                if not terms:  # a shown list names no terms; a vector holds its words last (_vector): done
                    break
                words.append((-(small[key] * big[key]), key))
            elif kind == "t":
                topics.append((-(small[key] * big[key]), key))
            else:
                outlets.append((-(small[key] * big[key]), key))
        names = self.names
        return {"topics": tuple([names[k] for _, k in sorted(topics)]) if topics else (),
                "outlets": tuple([names[k] for _, k in sorted(outlets)]) if outlets else (),
                "terms": tuple([k[2:] for _, k in sorted(words)]) if words else ()}

    def content_similarity(self, m: Match) -> float:
        """How alike two briefs are on topics, outlets and terms alone (0..1)."""
        return sum(self.content_share[k] * m.parts[k] / self.scale[k] for k in CONTENT if self.scale[k])

    def lookalikes(self) -> list[tuple[Doc, Doc, Match]]:
        """Pairs (newer, older, match) not in one story that look like the same story."""
        return self.link_all()[1]

    def link_all(self) -> tuple[list[list[Match]], list[tuple[Doc, Doc, Match]]]:
        """Every doc's related list (in doc order) and the lookalike pairs, worked out on every core."""
        lists, pairs, _ = self.linked(list)
        return lists, pairs

    def linked(self, form: Callable[[list[Match]], R], also: Sequence[Callable[[], Any]] = ()
               ) -> tuple[list[R], list[tuple[Doc, Doc, Match]], list[Any]]:
        """link_all with each related list made into form(list) where it was worked out (so a worker sends back
        only that), and the results of `also`: other work done on the cores in the same pass, not after it."""
        n, links_of = len(self.docs), self._links_of

        def work(x: int | Callable[[], Any]) -> Any:
            if isinstance(x, int):
                shown, near = links_of(x)
                return form(shown), near
            return x()

        found = ordered_map(work, [*range(n), *also])
        pairs = [(self.docs[i], self.docs[j], m) for i in range(n) for j, m in found[i][1]]
        return [found[i][0] for i in range(n)], pairs, found[n:]

    def _links_of(self, i: int) -> tuple[list[Match], list[tuple[int, Match]]]:
        """Doc i's related list, and the older docs outside its story that look like the same story."""
        s, doc = self.settings, self.docs[i]
        near: list[tuple[int, Match]] = []
        self._worked = {}  # the related list and the full candidate list share their gathering and scoring
        try:
            # with fewer briefs there is no telling which words are common; the full candidate list is
            # ranked only where one of its candidates looks like the same story (most have none)
            if len(self.docs) >= MIN_LOOKALIKE and self._alike(i, picks := self._picks(i, True)):
                shown, rest = self._ranked(i, True, picks)
                for k, m in enumerate(shown + rest):  # candidates(doc.slug), the rest marked below where kept
                    j = self.pos[m.slug]
                    if self._could_be_alike(i, j) and self.content_similarity(m) >= s.lookalike:
                        near.append((j, (m if k < len(shown) else m.below()).settled()))
            # what leaves the stage holds its names and reasons, not the index
            return [m.settled() for m in self.related(doc.slug)], near
        finally:
            self._worked = None

    def _could_be_alike(self, i: int, j: int) -> bool:
        """Whether doc j, by its date and story alone, could be an older lookalike of doc i."""
        story, other = self.docs[i].story, self.docs[j].story
        return (j < i and abs(self.days[i] - self.days[j]) <= self.settings.lookalike_days
                and not (story and story == other) and not (story and other))

    def _alike(self, i: int, picks: tuple[list[int], list[int], list[int]]) -> bool:
        """Whether a candidate of the full list looks like the same story as doc i (scored only if its date
        and story allow it: the same test and the same scores as _links_of's loop)."""
        threshold = self.settings.lookalike
        for tier, group in zip(("author", "story", "similar"), picks):
            for j in group:
                if self._could_be_alike(i, j) and self.content_similarity(self.explain(i, j, tier)) >= threshold:
                    return True
        return False

    def _allowed(self, i: int, j: int) -> bool:
        return i != j and (self.settings.include_newer or self.docs[j].date <= self.docs[i].date)

    def candidates(self, slug: str, everything: bool = True) -> list[Match]:
        """Candidates for a brief: the shown ones in list order, then (with everything) the rest by score."""
        shown, rest = self._ranked(self.pos[slug], everything)
        return shown + [m.below() for m in rest] if everything else shown

    def _picks(self, i: int, everything: bool) -> tuple[list[int], list[int], list[int]]:
        """The docs doc i's candidates are: the author's links, its story's members, the best guesses of the others."""
        doc = self.docs[i]
        author: list[int] = []
        seen: set[int] = {i}
        for target in doc.related:
            j = self.pos.get(target)
            if j is not None and j not in seen:
                seen.add(j)
                author.append(j)
        story = [j for j in self._story_near(i) if j not in seen and self._allowed(i, j)]
        seen.update(story)
        return author, story, self._guessed(i, seen, self.settings.count - len(author) - len(story), everything)

    def _ranked(self, i: int, everything: bool, picks: tuple[list[int], list[int], list[int]] | None = None
                ) -> tuple[list[Match], list[Match]]:
        """The shown candidates, and (with everything) the rest as scored, not yet marked below."""
        s = self.settings
        author, story, others = picks or self._picks(i, everything)
        ranked = [self.explain(i, j, "author", everything) for j in author]
        ranked += self._ordered(self.explain(i, j, "story", everything) for j in story)
        scored = self._ordered(self.explain(i, j, terms=everything) for j in others)
        ranked += [m if m.score >= s.threshold else m.below() for m in scored]
        shown = [m for m in ranked if m.tier != "below"][: s.count]
        if not everything:
            return shown, []
        names = {m.slug for m in shown}
        return shown, [m for m in ranked if m.slug not in names]

    def _guessed(self, i: int, seen: set[int], room: int, everything: bool) -> list[int]:
        """The other candidates to explain in full: the best gathered scores, the nearest in date first."""
        ranked = self._gathered(i, seen)
        wanted = max(self.settings.count, 1) * SHORTLIST if everything else room
        if not ranked or wanted <= 0:
            return []
        top = self._top(ranked, wanted * 2)
        boost, half, day = self.scale["date"] / sum(self.scale[k] for k in CONTENT), self.settings.half_life, self.days[i]
        days, docs = self.days, self.docs
        # best guess first, then the newer brief, then the slug (unique, so j itself is never compared)
        guess = sorted([(-(v * (1.0 + boost * (0.5 ** (abs(day - days[j]) / half) if half > 0 else 0.0))),
                         -days[j], docs[j].slug, j) for j, v in top])
        return [j for *_, j in guess[:wanted]]

    def _top(self, ranked: list[tuple[int, float]], size: int) -> list[tuple[int, float]]:
        """The best gathered scores (of _gathered's list)."""
        return ranked[:size]

    def related(self, slug: str) -> list[Match]:
        """The related list a brief shows: author's links, then its story, then the best others."""
        return self.candidates(slug, everything=False)

    def _story_near(self, i: int) -> list[int]:
        """Members of the brief's story nearest in date (a huge story costs no more than a small one)."""
        members = self.stories.get(self.docs[i].story, []) if self.docs[i].story else []
        reach = SHORTLIST * max(self.settings.count, 1)
        if len(members) <= 2 * reach + 1:
            return members
        at = bisect_left(members, i)
        return members[max(0, at - reach) : at + reach + 1]

    def _ordered(self, matches: Iterable[Match]) -> list[Match]:
        """Best score first; ties go to the newer brief, then the slug."""
        days, pos = self.days, self.pos
        # sorted on built keys, not a key function: no call per match (n keeps it stable, m is never compared)
        keyed = sorted([(-round(m.score, 12), -days[pos[m.slug]], m.slug, n, m) for n, m in enumerate(matches)])
        return [m for *_, m in keyed]


def reach(plist: list[tuple[float, int, float]], day: float, cap: int) -> tuple[int, int]:
    """Where the part of a posting list a brief reads starts and ends: all of it, or the `cap` entries
    nearest its day."""
    if len(plist) <= cap:
        return 0, len(plist)
    at = bisect_left(plist, (day,))
    lo = max(0, min(at - cap // 2, len(plist) - cap))
    return lo, lo + cap


def window(plist: list[tuple[float, int, float]], day: float, cap: int) -> list[tuple[float, int, float]]:
    """The part of a posting list a brief reads (reach)."""
    lo, hi = reach(plist, day, cap)
    return plist if hi - lo == len(plist) else plist[lo:hi]


def outlet_key(name: str, aliases: Mapping[str, str]) -> str:
    """A source name reduced to its outlet: `AP` and `Associated Press` are one outlet."""
    key = slugify(name)
    return aliases.get(key, key)
