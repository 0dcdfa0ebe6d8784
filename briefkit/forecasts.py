"""Forecast track record: questions grouped across briefs, their status, Brier scores, calibration.

Pure: takes briefs and today's date; renders nothing. A question is one `question:` id, or
else one claim text with one deadline; resolving it once resolves every forecast of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter

from .model import Brief, Prediction
from .outlets import name_key

OPEN, OVERDUE, RESOLVED = "open", "overdue", "resolved"
UNATTRIBUTED = "Unattributed"


@dataclass(frozen=True)
class Forecast:
    """One prediction as stated in one brief."""

    brief: Brief
    index: int  # 1-based: predictions[index]
    prediction: Prediction
    forecaster: str = UNATTRIBUTED  # the prediction's `source`, spelt as the site first spells it

    @property
    def made(self) -> date:
        return self.brief.date.date()

    @property
    def field(self) -> str:
        return f"predictions[{self.index}]"


def question_key(p: Prediction) -> str:
    """Explicit ids win; otherwise the claim (case and spacing ignored) plus its deadline."""
    if p.question:
        return "id:" + p.question
    return f"claim:{name_key(p.claim)}|{p.by.isoformat() if p.by else ''}"


_FIRST = frozenset((0,))


@dataclass
class Question:
    """Every forecast of one question, oldest first, and what became of it."""

    key: str
    forecasts: list[Forecast]  # as given: the deadline and the late ones below are worked out from them once
    outcome: bool | None = None
    status: str = OPEN
    conflicts: list[tuple[Forecast, Forecast]] = field(default_factory=list)  # (resolved one way, the other way)
    # the newest forecast's `by:`: a later brief may move it, and one that gives none keeps it
    deadline: date | None = field(init=False, default=None)
    # the forecasts (by index) that are `late`: the records, the board and the status all ask, for every forecast
    late_steps: frozenset[int] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        if len(self.forecasts) == 1:  # most questions are asked once: the loops below, spelled out
            f = self.forecasts[0]
            by = self.deadline = f.prediction.by
            if by is not None and f.brief.date.date() > by:
                self.late_steps = _FIRST
            return
        for f in reversed(self.forecasts):
            if f.prediction.by is not None:
                self.deadline = f.prediction.by
                break
        if self.deadline is not None:
            self.late_steps = frozenset(i for i, f in enumerate(self.forecasts) if self.late(f))

    @property
    def latest(self) -> Forecast:
        return self.forecasts[-1]

    @property
    def forecasters(self) -> list[str]:
        return list(dict.fromkeys(f.forecaster for f in self.forecasts))

    def late(self, f: Forecast) -> bool:
        """Stated in a brief dated after the deadline's day: a probability given once the question had closed
        (most often restated to record the outcome) is no forecast, and scoring it would reward hindsight."""
        deadline = self.deadline
        return deadline is not None and f.made > deadline


def status(outcome: bool | None, deadline: date | None, today: date) -> str:
    """resolved once an outcome is set; overdue once the deadline's day is over; else open."""
    if outcome is not None:
        return RESOLVED
    return OVERDUE if deadline is not None and deadline < today else OPEN


def forecasts_of(briefs: Iterable[Brief]) -> list[Forecast]:
    """Every prediction, oldest first; forecasters named alike but for case and spaces are one, named
    as the oldest forecast spells them."""
    asking = sorted(filter(_PREDICTIONS, briefs), key=_DATE_SLUG)  # (date, slug) of each, read in C
    if len({b.slug for b in asking}) == len(asking):  # (date, slug, index): each brief's predictions in turn
        stated = [(b, i, p) for b in asking for i, p in enumerate(b.predictions, start=1)]
    else:  # two briefs of one slug (a site's are told apart): their predictions taken turn about, by index
        stated = sorted(((b, i, p) for b in asking for i, p in enumerate(b.predictions, start=1)),
                        key=lambda x: (x[0].date, x[0].slug, x[1]))
    spelt: dict[str, str] = {}
    named: dict[str, str] = {}  # `source` as written -> its name: a site writes the same few names thousands of times
    out = []
    for brief, i, p in stated:
        name = named.get(p.source)
        if name is None:
            name = named[p.source] = (spelt.setdefault(name_key(p.source), " ".join(p.source.split()))
                                      if p.source else "") or UNATTRIBUTED
        # Forecast(brief, i, p, name), its fields set as its __init__ sets them, without the frozen dataclass's
        # object.__setattr__ for each (4,600 a build)
        f = _new(Forecast)
        f.__dict__.update(brief=brief, index=i, prediction=p, forecaster=name)
        out.append(f)
    return out


_PREDICTION, _PREDICTIONS, _DATE_SLUG = attrgetter("prediction"), attrgetter("predictions"), attrgetter("date", "slug")
_new = object.__new__


def questions(briefs: Iterable[Brief], today: date, keys: Mapping[str, Sequence[str]] | None = None) -> list[Question]:
    """Group forecasts into questions; the newest stated outcome is the question's outcome. `keys`: each brief's
    question_key of its predictions, in order, by its path, when known (named.Names.questions, which the build
    cache keeps by the brief's file hash)."""
    grouped: dict[str, list[Forecast]] = {}
    stated = forecasts_of(briefs)
    if keys is None:
        asked: Iterable[str] = map(question_key, map(_PREDICTION, stated))
    else:  # a forecast is its brief's prediction number `index`: its key is that of the brief's keys
        asked = [keys[f.brief.path][f.index - 1] for f in stated]
    for f, key in zip(stated, asked):
        same = grouped.get(key)
        if same is None:
            grouped[key] = [f]
        else:
            same.append(f)
    out = []
    for key, items in grouped.items():
        if len(items) == 1:  # most questions: one forecast, with no other to conflict with
            outcome = items[0].prediction.outcome
            q = Question(key, items, outcome)
        else:
            resolved = [f for f in items if f.prediction.outcome is not None]
            outcome = resolved[-1].prediction.outcome if resolved else None
            q = Question(key, items, outcome)
            q.conflicts = [(resolved[-1], f) for f in resolved if f.prediction.outcome != outcome]
        q.status = RESOLVED if outcome is not None else status(None, q.deadline, today)
        out.append(q)
    return out


def by_status(qs: list[Question], wanted: str) -> list[Question]:
    """Open and overdue questions soonest deadline first (none last); resolved ones latest first."""
    return in_status_order([q for q in qs if q.status == wanted], wanted)


def in_status_order(chosen: list[Question], status: str) -> list[Question]:
    """Questions of one `status` in by_status's order."""
    if status == RESOLVED:
        # q.latest.made spelled out: a property and a call each, for thousands of questions
        return sorted(chosen, key=lambda q: (q.deadline or date.min, q.forecasts[-1].brief.date.date(), q.key),
                      reverse=True)
    return sorted(chosen, key=lambda q: (q.deadline is None, q.deadline or date.max, q.key))


def brier(pairs: list[tuple[float, bool]]) -> float | None:
    """Mean squared distance between stated probability and outcome (0 best, 1 worst)."""
    if not pairs:
        return None
    # in decimal on the probabilities as written, so .2875 is the float nearest .2875 and shows as 0.288, not
    # 0.287 (Decimal, in C, rather than Fraction: this runs over every forecast of the site on every build)
    # (each distinct pair once: a site states a few dozen probabilities thousands of times; the terms are summed as
    # they come, so the sum is the same to the last digit)
    terms: dict[tuple[type, float, bool], Decimal] = {}
    total = Decimal(0)
    for p, hit in pairs:
        key = (type(p), p, hit)
        term = terms.get(key)
        if term is None:
            term = terms[key] = (Decimal(repr(p)) - (1 if hit else 0)) ** 2
        total += term
    return float(total / len(pairs))


@dataclass(frozen=True)
class Bin:
    """Forecasts whose stated probability fell in [lo, hi); the last bin includes 1."""

    lo: float
    hi: float
    count: int
    stated: float | None  # mean stated probability
    observed: float | None  # share that happened

    @property
    def label(self) -> str:
        return f"{round(self.lo * 100)}–{round(self.hi * 100)}%"


def bin_index(p: float, bins: int) -> int:
    # round first so 0.7 * 10 = 7.000000000000001 and 0.3 * 10 both land where a reader expects
    return min(int(round(p * bins, 9)), bins - 1)


def calibration(pairs: list[tuple[float, bool]], bins: int = 10) -> list[Bin]:
    """Stated probability bins vs observed frequency, every bin listed (empty ones with None)."""
    filled: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    binned: dict[float, int] = {}  # each distinct probability's bin, once
    for p, hit in pairs:
        i = binned.get(p)
        if i is None:
            i = binned[p] = bin_index(p, bins)
        filled[i].append((p, hit))
    out = []
    for i, items in enumerate(filled):
        n = len(items)
        out.append(Bin(i / bins, (i + 1) / bins, n,
                       sum(p for p, _ in items) / n if n else None,
                       sum(1 for _, hit in items if hit) / n if n else None))
    return out


def natural_key(name: str) -> tuple[str | int, ...]:
    """Case-blind, with runs of digits compared as numbers: F2 < F10 < f11."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", name.casefold())))


@dataclass(frozen=True)
class Forecaster:
    """One forecaster's record: every forecast made by its question's deadline counts, each scored against the
    question's outcome."""

    name: str
    forecasts: int
    resolved: int
    open: int
    overdue: int
    brier: float | None
    bins: tuple[Bin, ...]


def forecasters(qs: list[Question], bins: int = 10) -> list[Forecaster]:
    """Per forecaster (the prediction's `source`), alphabetical with numbers in number order (F2 before
    F10), unattributed last; a probability stated after its question's deadline is not counted."""
    counts: dict[str, dict[str, int]] = {}
    pairs: dict[str, list[tuple[float, bool]]] = {}
    for q in qs:
        late = q.late_steps
        for i, f in enumerate(q.forecasts):
            if i in late:
                continue
            c = counts.get(f.forecaster)
            if c is None:
                c = counts[f.forecaster] = {OPEN: 0, OVERDUE: 0, RESOLVED: 0}
            c[q.status] += 1
            if q.outcome is not None:
                pairs.setdefault(f.forecaster, []).append((f.prediction.probability, q.outcome))
    out = []
    for name in sorted(counts, key=lambda n: (n == UNATTRIBUTED, natural_key(n), n)):
        c, mine = counts[name], pairs.get(name, [])
        out.append(Forecaster(name, sum(c.values()), c[RESOLVED], c[OPEN], c[OVERDUE],
                              brier(mine), tuple(calibration(mine, bins))))
    return out

