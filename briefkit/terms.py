"""Salient terms of a text: content words lightly stemmed, and capitalised phrases, as index keys.

Pure; shared by the related index (related.py) and story changes (timeline.py).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_SPACES = str.maketrans(dict.fromkeys("!\"#$%&()*+,./:;<=>?@[\\]^_`{|}~“”‘—–…«»", " "))
# a capital at a word's start: r"\b[A-Z]" spelled as a capital not after a word character, so that the
# pattern starts with a character set and the regex engine skips ahead to the next capital (two fifths faster)
_PHRASE = re.compile(r"[A-Z](?<!\w.)[\w'’.-]*(?:[ \t]+(?:of |the |de |al-)?[A-Z][\w'’-]*)+")
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


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """`Troops` -> `troop`, `Russia's` -> `russia`, `casualties` -> `casualty`."""
    w = word.lower().replace("’", "'")
    w = w.removesuffix("'s").strip("'-.")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


class _Keys(dict[str, str]):
    """word -> index key (`Troops` -> `w:troop`), or "" for a stopword or number; filled as words come."""

    def __missing__(self, word: str) -> str:
        if len(self) > 500_000:  # a language's words are few; guard against endless junk anyway
            self.clear()
        w = stem(word)
        key = self[word] = "" if len(w) < 3 or w in STOPWORDS or not w[0].isalpha() else "w:" + w
        return key


class _Phrases(dict[str, str]):
    """capitalised phrase -> index key (`Lloyd Austin` -> `w:lloyd austin`), or "" when fewer than two words are
    left after its leading stopwords; filled as phrases come (names recur from brief to brief)."""

    def __missing__(self, phrase: str) -> str:
        if len(self) > 500_000:
            self.clear()
        words = [stem(w) for w in phrase.split()]
        while words and words[0] in STOPWORDS:
            words.pop(0)
        key = self[phrase] = "w:" + " ".join(words) if len(words) > 1 else ""
        return key


_KEYS = _Keys()
_PHRASES = _Phrases()


def term_keys(text: str) -> Counter[str]:
    """Index keys of content words (light stemming) and capitalised phrases such as `w:lloyd austin`."""
    counts = Counter(map(_KEYS.__getitem__, text.translate(_SPACES).split()))  # map: no Python frame per word
    counts.pop("", None)
    phrases = _PHRASES
    for phrase in _PHRASE.findall(text):
        key = phrases[phrase]
        if key:
            counts[key] += 1
    return counts


def terms_of(text: str) -> set[str]:
    """The salient terms of a text: `troop`, `lloyd austin`, ..."""
    return {key[2:] for key in term_keys(text)}
