"""What changed along a story: the facts a brief reports first, told apart from earlier ones by term overlap.

Pure: fact texts in chronological order in, indices of new facts out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from .terms import terms_of

_NUMBER = re.compile(r"\d[\d,.]*\s?[kK]?\b")
REPEAT = 0.45  # a fact with this share of its term weight already used in the story reports nothing new


def fact_terms(text: str) -> frozenset[str]:
    """Content words, phrases and figures of a fact (`10,000` and `10K` are one figure)."""
    numbers = {_figure(n) for n in _NUMBER.findall(text)}
    return frozenset(terms_of(text)) | {n for n in numbers if n}


def _figure(raw: str) -> str:
    digits = raw.replace(",", "").replace(" ", "").rstrip(".")
    scale = 1000 if digits[-1:] in ("k", "K") else 1
    try:
        value = float(digits.rstrip("kK")) * scale
    except ValueError:
        return ""
    return f"#{value:g}"


def first_reported(briefs: Sequence[Sequence[str]], repeat: float = REPEAT,
                   times: Sequence[object] | None = None) -> list[list[int]]:
    """For each brief (oldest first), the indices of its facts that no earlier brief reported.

    A fact is old news when `repeat` of its weight is in terms earlier briefs of the story used, and
    every figure in it was given before (a toll that rose from 3 to 12 is news, however alike the words);
    terms are weighted by how rare they are among the story's facts, so words every fact
    of the story shares ("North Korean", "troops") tell nothing apart. With `times` (each brief's
    date, in order), briefs of one time are not earlier than one another: none repeats the other.
    """
    terms = [[fact_terms(text) for text in facts] for facts in briefs]
    df: Counter[str] = Counter(t for facts in terms for fact in facts for t in fact)
    total = sum(len(facts) for facts in terms)
    weight = {t: math.log(total / n) for t, n in df.items()}
    seen: set[str] = set()  # terms of the briefs before this one's time
    now: set[str] = set()  # terms of the briefs of this one's time so far
    out: list[list[int]] = []
    for k, facts in enumerate(terms):
        if times is None or not k or times[k] != times[k - 1]:
            seen |= now
            now = set()
        new = []
        for n, fact in enumerate(facts):
            mass = sum(weight[t] for t in fact)
            known = sum(weight[t] for t in fact if t in seen)
            overlap = known / mass if mass else (1.0 if seen else 0.0)
            if overlap < repeat or any(t[0] == "#" and t not in seen for t in fact):  # a figure first given here
                new.append(n)
        out.append(new)
        for fact in facts:
            now.update(fact)
    return out
