"""The related-briefs engine: a weighted inverted index over story, topics, outlets and salient terms.

Pure: Doc records and settings in, ranked Match lists with a per-signal score breakdown out.
Work per brief is bounded by a posting budget, so the whole index is never quadratic.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .slugs import slugify

SIGNALS = ("story", "topics", "outlets", "terms", "date")
CONTENT = ("topics", "outlets", "terms")
MIN_CUT = 10  # a key found on this many briefs or fewer is never "too common"
SHORTLIST = 3  # candidates scored in full per shown slot

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_PHRASE = re.compile(r"\b[A-Z][\w'’.-]*(?:[ \t]+(?:of |the |de |al-)?[A-Z][\w'’-]*)+")
STOPWORDS = frozenset("""
a about above after again against all also am among an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just last like may
me might more most much must my new no nor not now of off on once one only or other our out over
own per said same say says she should since so some such than that the their them then there these
they this those through to too two under until up upon us very via was we were what when where
which while who whom why will with within would year years yet you your week weeks day days told
according reported report reports earlier later still however another already including three
""".split())  # noqa: SIM905 - a word list reads better as text


@dataclass(frozen=True)
class Doc:
    """What the index knows of one brief."""

    slug: str
    date: datetime
    title: str = ""
    story: str = ""
    related: tuple[str, ...] = ()  # explicit links, in the author's order
    topics: tuple[tuple[str, str], ...] = ()  # (slug, name)
    outlets: tuple[tuple[str, str], ...] = ()  # (key, name) of the sources cited
    text: str = ""  # title, summary and facts


@dataclass(frozen=True)
class Settings:
    count: int = 5
    threshold: float = 0.15
    include_newer: bool = True
    weights: Mapping[str, float] = field(default_factory=lambda: {
        "story": 3.0, "topics": 2.0, "outlets": 1.0, "terms": 3.0, "date": 1.0})
    cardinality: float = 0.2
    terms: int = 20
    half_life: float = 14.0
    budget: int = 400
    lookalike: float = 0.4
    lookalike_days: int = 10

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Settings:
        """Settings from site.yaml's `related:` mapping (already checked and defaulted)."""
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**known)


@dataclass(frozen=True)
class Match:
    """One candidate for a brief's related list, and why."""

    slug: str
    score: float  # 0..1: the sum of parts
    parts: dict[str, float]  # signal -> weighted contribution
    tier: str  # "author", "story", "similar" or "below" (under the threshold)
    shared: dict[str, tuple[str, ...]]  # signal -> names shared, most telling first
    days: float  # how far apart the two briefs are
    reason: str


def stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    w = w.removesuffix("'s").strip("'-.")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def terms_of(text: str) -> Counter[str]:
    """Content words (light stemming) and capitalised phrases such as `lloyd austin`."""
    counts: Counter[str] = Counter()
    for word in _WORD.findall(text):
        w = stem(word)
        if len(w) > 2 and w not in STOPWORDS:
            counts[w] += 1
    for phrase in _PHRASE.findall(text):
        words = [stem(w) for w in phrase.split()]
        while words and words[0] in STOPWORDS:
            words.pop(0)
        if len(words) > 1:
            counts[" ".join(words)] += 1
    return counts


class Index:
    """All briefs' keys, their document frequencies and posting lists, built once."""

    def __init__(self, docs: Iterable[Doc], settings: Settings | None = None):
        self.settings = s = settings or Settings()
        self.docs = sorted(docs, key=lambda d: (d.date, d.slug))
        self.pos = {d.slug: i for i, d in enumerate(self.docs)}
        n = len(self.docs)
        self.days = [d.date.timestamp() / 86400.0 for d in self.docs]
        self.limit = max(MIN_CUT, math.ceil(s.cardinality * n))
        raw = [self._keys(d) for d in self.docs]
        df: Counter[str] = Counter()
        for keys in raw:
            df.update(keys.keys())
        self.df = df
        self.names: dict[str, str] = {}
        for d in self.docs:
            self.names.update((f"t:{k}", v) for k, v in d.topics)
            self.names.update((f"o:{k}", v) for k, v in d.outlets)
        self.vectors = [self._vector(keys, n) for keys in raw]
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, vec in enumerate(self.vectors):
            for key, weight in vec.items():
                self.postings.setdefault(key, []).append((i, weight))
        self.stories: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            if d.story:
                self.stories.setdefault(d.story, []).append(i)
        total = sum(s.weights.get(k, 0.0) for k in SIGNALS)
        self.scale = {k: s.weights.get(k, 0.0) / total if total else 0.0 for k in SIGNALS}
        content = sum(self.scale[k] for k in CONTENT)
        self.content_share = {k: self.scale[k] / content if content else 0.0 for k in CONTENT}

    @staticmethod
    def _keys(d: Doc) -> dict[str, float]:
        keys: dict[str, float] = {f"t:{slug}": 1.0 for slug, _ in d.topics}
        keys.update((f"o:{key}", 1.0) for key, _ in d.outlets)
        for term, tf in terms_of(d.text).items():
            keys[f"w:{term}"] = 1.0 + math.log(tf)
        return keys

    def _vector(self, keys: dict[str, float], n: int) -> dict[str, float]:
        """Idf-weighted keys, the cardinality cut applied, each signal normalised to length 1."""
        kept: dict[str, float] = {}
        terms: list[tuple[float, str]] = []
        for key, tf in keys.items():
            df = self.df[key]
            if df < 2 or df > self.limit:
                continue  # on one brief it links nothing; on too many it says little
            weight = tf * math.log(1.0 + n / df)
            if key[0] == "w":
                terms.append((-weight, key))
            else:
                kept[key] = weight
        terms.sort()
        kept.update((key, -neg) for neg, key in terms[: self.settings.terms])
        norms: dict[str, float] = {}
        for key, weight in kept.items():
            norms[key[0]] = norms.get(key[0], 0.0) + weight * weight
        return {key: weight / math.sqrt(norms[key[0]]) for key, weight in kept.items()}

    def _gather(self, i: int) -> dict[int, float]:
        """Partial scores of candidates, from the rarest keys first, within the posting budget."""
        vec, day = self.vectors[i], self.days[i]
        scale = {"t": self.scale["topics"], "o": self.scale["outlets"], "w": self.scale["terms"]}
        acc: dict[int, float] = {}
        left = self.settings.budget
        for key in sorted(vec, key=lambda k: (self.df[k], k)):
            plist = self.postings[key]
            if len(plist) > left:
                # too long to walk whole: take the briefs nearest in date, which matter most
                at = bisect_left(plist, day, key=lambda p: self.days[p[0]])
                lo = max(0, min(at - left // 2, len(plist) - left))
                plist = plist[lo : lo + left]
            factor = scale[key[0]] * vec[key]
            for j, weight in plist:
                acc[j] = acc.get(j, 0.0) + factor * weight
            left -= len(plist)
            if left <= 0:
                break
        acc.pop(i, None)
        return acc

    def explain(self, i: int, j: int) -> Match:
        """The full score of doc j as a candidate for doc i, signal by signal."""
        a, b = self.vectors[i], self.vectors[j]
        sims = {"t": 0.0, "o": 0.0, "w": 0.0}
        shared: dict[str, list[tuple[float, str]]] = {"t": [], "o": [], "w": []}
        small, big = (a, b) if len(a) <= len(b) else (b, a)
        for key, weight in small.items():
            other = big.get(key)
            if other is not None:
                sims[key[0]] += weight * other
                shared[key[0]].append((-weight * other, key))
        parts = {"story": 0.0}
        di, dj = self.docs[i], self.docs[j]
        if di.story and di.story == dj.story:
            parts["story"] = self.scale["story"]
        for sig, p in zip(CONTENT, "tow"):
            parts[sig] = self.scale[sig] * sims[p]
        content = sum(self.content_share[k] * sims[p] for k, p in zip(CONTENT, "tow"))
        days = abs(self.days[i] - self.days[j])
        half = self.settings.half_life
        closeness = 0.5 ** (days / half) if half > 0 else 0.0
        # date proximity strengthens what the content shares; alone it links nothing
        parts["date"] = self.scale["date"] * closeness * content
        names = {sig: tuple(self.names.get(k, k[2:]) for _, k in sorted(shared[p]))
                 for sig, p in zip(CONTENT, "tow")}
        return Match(dj.slug, sum(parts.values()), parts, "similar", names, days, "")

    def content_similarity(self, m: Match) -> float:
        """How alike two briefs are on topics, outlets and terms alone (0..1)."""
        return sum(self.content_share[k] * m.parts[k] / self.scale[k] for k in CONTENT if self.scale[k])

    def lookalikes(self) -> list[tuple[Doc, Doc, Match]]:
        """Pairs (newer, older, match) not in one story that look like the same story."""
        s = self.settings
        found = []
        for i, doc in enumerate(self.docs):
            for m in self.candidates(doc.slug):
                j = self.pos[m.slug]
                other = self.docs[j]
                if (j < i and m.days <= s.lookalike_days and not (doc.story and doc.story == other.story)
                        and not (doc.story and other.story)
                        and self.content_similarity(m) >= s.lookalike):
                    found.append((doc, other, m))
        return found

    def _allowed(self, i: int, j: int) -> bool:
        return i != j and (self.settings.include_newer or self.docs[j].date <= self.docs[i].date)

    def candidates(self, slug: str) -> list[Match]:
        """Every candidate found for a brief, shown ones first in list order, the rest by score."""
        i = self.pos[slug]
        doc = self.docs[i]
        s = self.settings
        ranked: list[Match] = []
        seen: set[int] = {i}
        for target in doc.related:
            j = self.pos.get(target)
            if j is not None and j not in seen:
                seen.add(j)
                ranked.append(_tier(self.explain(i, j), "author"))
        story = [j for j in self._story_near(i) if j not in seen and self._allowed(i, j)]
        ranked += self._ordered(_tier(self.explain(i, j), "story") for j in story)
        seen.update(story)
        partial = self._gather(i)
        short = sorted((j for j in partial if j not in seen and self._allowed(i, j)),
                       key=lambda j: (-partial[j], -self.days[j], self.docs[j].slug))
        scored = self._ordered(self.explain(i, j) for j in short[: max(s.count, 1) * SHORTLIST])
        ranked += [m if m.score >= s.threshold else _tier(m, "below") for m in scored]
        shown = [m for m in ranked if m.tier != "below"][: s.count]
        names = {m.slug for m in shown}
        rest = [_tier(m, "below") if m.tier != "below" else m for m in ranked if m.slug not in names]
        return [_reasoned(m) for m in shown + rest]

    def related(self, slug: str) -> list[Match]:
        """The related list a brief shows: author's links, then its story, then the best others."""
        return [m for m in self.candidates(slug) if m.tier != "below"][: self.settings.count]

    def _story_near(self, i: int) -> list[int]:
        """Members of the brief's story nearest in date (a huge story costs no more than a small one)."""
        members = self.stories.get(self.docs[i].story, []) if self.docs[i].story else []
        if len(members) <= SHORTLIST * max(self.settings.count, 1) + 1:
            return members
        at = members.index(i)
        reach = SHORTLIST * max(self.settings.count, 1)
        return members[max(0, at - reach) : at + reach + 1]

    def _ordered(self, matches: Iterable[Match]) -> list[Match]:
        """Best score first; ties go to the newer brief, then the slug."""
        return sorted(matches, key=lambda m: (-round(m.score, 12), -self.days[self.pos[m.slug]], m.slug))


def _tier(m: Match, tier: str) -> Match:
    return Match(m.slug, m.score, m.parts, tier, m.shared, m.days, m.reason)


def reason(m: Match) -> str:
    """One line for readers: why this brief is listed."""
    if m.tier == "author":
        return "linked by the author" + ("; same story" if m.parts.get("story") else "")
    if m.tier == "story":
        return "same story"
    best = max(CONTENT, key=lambda k: (m.parts.get(k, 0.0), k == "terms"))
    if best == "topics" and m.shared["topics"]:
        return "shares topics: " + ", ".join(m.shared["topics"][:3])
    if best == "outlets" and m.shared["outlets"]:
        return "cites the same sources: " + ", ".join(m.shared["outlets"][:3])
    return "similar facts"


def _reasoned(m: Match) -> Match:
    return Match(m.slug, m.score, m.parts, m.tier, m.shared, m.days, reason(m))


def outlet_key(name: str, aliases: Mapping[str, str]) -> str:
    """A source name reduced to its outlet: `AP` and `Associated Press` are one outlet."""
    key = slugify(name)
    return aliases.get(key, key)
