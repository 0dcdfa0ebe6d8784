"""The balance and track-record layer: per-brief balance panels, and the outlets, blindspots,
forecasts and corrections pages.

Pure: reads SiteData, fills BriefView.extra and SiteData.extra, returns Page records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, ClassVar

from markupsafe import Markup

from . import forecasts as fc
from .addresses import rebased
from .balance import ESTABLISHMENT_SIDES, LEAN_SIDES, Balance, Lopsided, Placed, balance_of, combine, lopsided, warnings
from .charts import balance_map, calibration_chart, placeable, rating_text
from .listings import OWN_AS_READ, BriefView, Page, SiteData, url_of
from .model import Brief, Narrative, Outlet
from .named import Names, names_all
from .outlets import Registry
from .reads import type_key


@dataclass
class OutletView:
    """An outlet as its page shows it: the briefs citing it and the narratives given it."""

    # a page's fingerprint digests each once, apart, as every brief's sources point to theirs
    shared_by_pages: ClassVar[bool] = True

    outlet: Outlet
    url: str
    cited: list[tuple[BriefView, tuple[int, ...]]] = field(default_factory=list)
    narratives: list[tuple[BriefView, Narrative, Markup]] = field(default_factory=list)

    # what of it is from outlets.yaml and site.yaml alone: a brief's sources' outlets (extra["source_outlets"]),
    # read no further than this, are from the brief's file and those settings (OWN_AS_READ)
    settled: ClassVar[frozenset[str]] = frozenset({"outlet", "url", "lean_text", "establishment_text"})

    @property
    def cited_count(self) -> int:
        """How many briefs cite it (a count, so the outlets index does not depend on which briefs)."""
        return len(self.cited)

    @property
    def narrative_count(self) -> int:
        return len(self.narratives)

    @property
    def lean_text(self) -> str:
        return rating_text(self.outlet.lean, LEAN_SIDES)

    @property
    def establishment_text(self) -> str:
        return rating_text(self.outlet.establishment, ESTABLISHMENT_SIDES)


OWN_AS_READ["source_outlets"] = {type_key(OutletView): OutletView.settled}


@dataclass
class BalanceView:
    """What a brief's balance panel shows: the counts and sides found for every brief (blindspots reads them), the
    rest worked out when a page first shows it (a cached build renders few of the panels)."""

    balance: Balance
    lopsided: list[Lopsided]
    brief: Brief = field(repr=False)
    registry: Registry = field(repr=False)

    @cached_property
    def placed(self) -> list[Placed]:
        """Each source with the outlet it names."""
        match = self.registry.match
        return [Placed(s, match(s.name)) for s in self.brief.sources]

    @cached_property
    def notes(self) -> list[str]:
        return warnings(self.lopsided, len(self.brief.narratives))

    @cached_property
    def narratives(self) -> list[str]:
        """The narratives' perspective labels."""
        return [x.perspective for x in self.brief.narratives]

    @cached_property
    def map(self) -> Markup:
        """The SVG map, drawn when a page first shows it (a cached build shows few of the panels); none
        when no source is rated on both axes, as a map without dots tells the reader nothing."""
        # one map per page: a fixed id keeps pages unchanged when others come and go
        return balance_map(self.placed, "balance-map") if placeable(self.placed) else Markup("")


@dataclass
class Blindspot:
    """A brief or story whose sources lean one way, as the blindspots page lists it."""

    kind: str  # "brief" or "story"
    name: str
    url: str
    date: datetime  # of the brief, or of the story's newest brief
    balance: Balance
    lopsided: list[Lopsided]
    briefs: int = 1


@dataclass
class QuestionView:
    """A forecast question as the forecasts page shows it, each step with its brief."""

    question: fc.Question
    claim: Markup
    steps: list[tuple[fc.Forecast, BriefView]]

    @property
    def late(self) -> frozenset[int]:
        """The steps (by index) stated after the deadline: not scored."""
        return self.question.late_steps

    @property
    def status(self) -> str:
        return self.question.status


@dataclass(frozen=True)
class PredictionView:
    """How a brief shows one of its predictions: the status its question has on the forecasts page."""

    status: str  # fc.OPEN, fc.OVERDUE or fc.RESOLVED
    outcome: bool | None  # the question's, which another brief may record
    deadline: date | None  # the question's, which another brief may give
    forecaster: str  # as the forecasts page spells it
    recorded_in: str = ""  # where, when not here: "an earlier brief", "a later brief"


@dataclass
class ForecasterView:
    """A forecaster's record as the forecasts page shows it, with its chart."""

    record: fc.Forecaster
    chart: Markup
    uid: str


@dataclass
class CorrectionView:
    """A correction as the corrections page lists it, with its brief."""

    date: date
    brief: BriefView
    html: Markup
    index: int


# Markup(text) for a plain str, as markupsafe's own __new__ makes it once it has found no __html__ to call: its
# Python __new__ was most of the cost of each narrative's, claim's and correction's HTML (some 20,000 a build)
_markup = str.__new__


def _rebased(html: str, url: str) -> str:
    """addresses.rebased, without a call for the HTML that has no address to rebase (most of 20,000 a build): an
    address comes in an attribute, after an "=", so most are scanned once for that rather than twice."""
    return rebased(html, url) if "=" in html and ("href" in html or "src" in html) else html


# the panel and which outlet each source names are from its sources and outlets.yaml only; the outlets'
# views only as far as templates read their settled attributes (their pages list other briefs: OWN_AS_READ)
_OWN = ("balance", "source_outlets")


def outlet_slug(o: Outlet) -> str:
    return o.slug or f"outlet-{o.line}"


def annotate(site: SiteData, reg: Registry, questions: list[fc.Question], today: date,
             names: Mapping[str, Names] | None = None) -> None:
    """Add balance panels to briefs and the site-wide lists to site.extra (`questions`: forecasts.questions
    of the published briefs, which the checks read too; `names`: named.names_all of them, by path, which the
    build cache keeps)."""
    c = site.config
    threshold, min_rated = c.balance["threshold"], c.balance["min_rated"]
    views: dict[str, OutletView] = {o.slug: OutletView(o, url_of(c, f"outlets/{outlet_slug(o)}/")) for o in reg.outlets}
    if names is None:
        names = names_all(reg, [v.rendered.brief for v in site.briefs])
    view_of = [views[o.slug] for o in reg.outlets]  # by the outlet's index, as Names give it
    at = view_of.__getitem__
    panels: dict[Any, tuple[Balance, list[Lopsided]]] = {}  # by counts: a site's briefs share a few hundred
    one_sided, corrected = [], []  # the briefs blindspots and corrections list: found here, not in two more passes
    # site.briefs is newest first, as an outlet's page lists the briefs citing it: one pass fills both
    for v in site.briefs:
        r = v.rendered  # not the view's `brief` property: a call per read, on every brief
        b = r.brief
        named = names[b.path]
        panel = panels.get(named.counts)
        if panel is None:
            bal = Balance(*named.counts)
            panel = panels[named.counts] = (bal, lopsided(bal, threshold, min_rated))
        v.extra["balance"] = BalanceView(panel[0], panel[1], b, reg)
        v.extra["source_outlets"] = dict(zip(named.numbers, map(at, named.outlets)))
        v.own_extra.update(_OWN)
        if panel[1]:
            one_sided.append(v)
        if b.corrections:
            corrected.append(v)
        for i, nums in named.cites:
            view_of[i].cited.append((v, nums))
        told = named.narratives
        if told:
            shown, url, said = r.narratives_elsewhere, v.url, b.narratives  # markdown.render_brief's
            pairs = iter(told)
            for k, i in zip(pairs, pairs):  # (position, outlet) after (position, outlet), without slicing
                html = shown[k]
                if "=" in html and ("href" in html or "src" in html):  # _rebased, without a call for each
                    html = rebased(html, url)
                view_of[i].narratives.append((v, said[k], _markup(Markup, html)))
    site.extra["outlets"] = sorted(views.values(), key=lambda ov: (ov.outlet.name.casefold(), ov.outlet.name))
    site.extra["blindspots"] = blindspots(site, threshold, min_rated, one_sided)
    site.extra["forecasts"] = forecast_board(site, questions, today)
    site.extra["corrections"] = corrections(site, corrected)


def brief_panels(v: BriefView, reg: Registry, views: Mapping[str, OutletView], threshold: float,
                 min_rated: int) -> list[Placed]:
    """One brief's balance panel and the outlet behind each of its sources (as annotate gives them, for a brief
    that changed since); the panel's sources, placed."""
    brief, match = v.rendered.brief, reg.match
    placed = [Placed(s, match(s.name)) for s in brief.sources]
    bal = balance_of(placed)
    panel = v.extra["balance"] = BalanceView(bal, lopsided(bal, threshold, min_rated), brief, reg)
    panel.placed = placed  # type: ignore[misc]  # cached_property's, set to what was worked out here
    v.extra["source_outlets"] = {p.source.number: views[p.outlet.slug] for p in placed if p.outlet is not None}
    v.own_extra.update(_OWN)
    return placed


def blindspots(site: SiteData, threshold: float, min_rated: int,
               briefs: list[BriefView] | None = None) -> dict[str, list[Blindspot]]:
    """Stories and briefs whose rated sources sit mostly on one side of an axis, newest first; `briefs`: those of
    site.briefs whose panel is lopsided, when known."""
    out_briefs = []
    for v in site.briefs if briefs is None else briefs:
        panel = v.extra["balance"]
        if panel.lopsided:  # lopsided(panel.balance, threshold, min_rated), found by brief_panels
            out_briefs.append(Blindspot("brief", v.brief.title, v.url, v.brief.date, panel.balance, panel.lopsided))
    out_stories = []
    for g in site.stories:
        if len(g.briefs) < 2:  # a story of one brief: that brief, listed under briefs already
            continue
        bal = combine(v.extra["balance"].balance for v in g.briefs)
        lop = lopsided(bal, threshold, min_rated)
        if lop:
            newest = max(v.brief.date for v in g.briefs)
            out_stories.append(Blindspot("story", g.name, g.url, newest, bal, lop, len(g.briefs)))
    return {"stories": sorted(out_stories, key=_newest_first, reverse=True),
            "briefs": sorted(out_briefs, key=_newest_first, reverse=True)}


def _newest_first(b: Blindspot) -> tuple[datetime, str]:
    return (b.date, b.url)


def forecast_board(site: SiteData, qs: list[fc.Question], today: date) -> dict[str, Any]:
    """Questions by status and each forecaster's record, ready for the forecasts page."""
    by_slug = site.by_slug
    view: dict[int, QuestionView] = {}  # each question's, by its id
    chosen: dict[str, list[fc.Question]] = {fc.OPEN: [], fc.OVERDUE: [], fc.RESOLVED: []}  # by status, in one pass
    for q in qs:  # each brief shows its question's status: overdue, or resolved in another brief, there too
        status, outcome, deadline = q.status, q.outcome, q.deadline
        shown = []  # the view's steps
        for f in q.forecasts:
            v = by_slug[f.brief.slug]
            shown.append((f, v))
            # _recorded_in only where another forecast can record the outcome: most questions are open
            recorded = "" if outcome is None or f.prediction.outcome is not None else _recorded_in(q, f)
            predictions = v.extra.get("predictions")
            if predictions is None:
                predictions = v.extra["predictions"] = {}
            predictions[f.index] = PredictionView(status, outcome, deadline, f.forecaster, recorded)
        # made here, for every question (the board lists them all): the claim as its last forecast states it
        claim = v.rendered.claims_elsewhere[f.index - 1]
        view[id(q)] = QuestionView(q, _markup(Markup, _rebased(claim, v.url)), shown)
        chosen[status].append(q)
    records = fc.forecasters(qs)
    return {
        "today": today,
        "count": sum(len(q.forecasts) - len(q.late_steps) for q in qs),  # scored ones: what the records add up to
        **{status: [view[id(q)] for q in fc.in_status_order(questions, status)]
           for status, questions in chosen.items()},
        "forecasters": [ForecasterView(r, calibration_chart(r.bins, f"calibration-{i}",
                                                            f"Calibration of {r.name}"), f"calibration-{i}")
                        for i, r in enumerate(records, start=1)],
    }


def _recorded_in(q: fc.Question, f: fc.Forecast) -> str:
    """Which other forecast of the question records the outcome `f` lacks, as a reader would name it."""
    if q.outcome is None or f.prediction.outcome is not None:
        return ""
    by = [g for g in q.forecasts if g.prediction.outcome is not None][-1]  # the one whose outcome counts
    if by.brief is f.brief:
        return "another of this brief's predictions"
    return "a later brief" if q.forecasts.index(by) > q.forecasts.index(f) else "an earlier brief"


def corrections(site: SiteData, briefs: list[BriefView] | None = None) -> list[CorrectionView]:
    """Every correction on the site, newest first; `briefs`: those of site.briefs that make one, when known."""
    out = [CorrectionView(c.date, v, _markup(Markup, _rebased(v.rendered.corrections_elsewhere[i - 1], v.url)), i)
           for v in (site.briefs if briefs is None else briefs)
           for i, c in enumerate(v.rendered.brief.corrections, start=1)]
    return sorted(out, key=lambda x: (x.date, x.brief.brief.date, x.brief.brief.slug, x.index), reverse=True)


def pages(site: SiteData) -> list[Page]:
    """The outlets index, one page per outlet, blindspots, forecasts and corrections."""
    c, extra = site.config, site.extra
    n = len(extra["outlets"])  # outlets.yaml's, whether or not a brief cites them
    out = [Page("outlets/index.html", "outlets.html", "Outlets",
                f"The {n} outlet{'s' if n != 1 else ''} {c.title} rates, with their lean and establishment ratings."
                if n else f"No outlets on {c.title} are rated yet.", "outlet index")]
    for ov in extra["outlets"]:
        o, cited = ov.outlet, len(ov.cited)
        out.append(Page(f"outlets/{outlet_slug(o)}/index.html", "outlet.html", o.name,
                        f"{o.name}: its ratings, the {cited} brief{'s' if cited != 1 else ''} citing it and the "
                        "narratives it provided." if cited else
                        f"{o.name}: its ratings and the narratives it provided; no brief cites it yet.",
                        f"outlet {o.name} (outlets.yaml:{o.line})", {"outlet": ov}))
    spots = extra["blindspots"]
    out.append(Page("blindspots/index.html", "blindspots.html", "Blindspots",
                    f"{len(spots['stories'])} {'story' if len(spots['stories']) == 1 else 'stories'} and "
                    f"{len(spots['briefs'])} brief{'s' if len(spots['briefs']) != 1 else ''} whose sources sit "
                    "mostly on one side.", "blindspots"))
    board = extra["forecasts"]
    out.append(Page("forecasts/index.html", "forecasts.html", "Forecasts",
                    f"Every forecast on {c.title}: {len(board['open'])} open, {len(board['overdue'])} overdue, "
                    f"{len(board['resolved'])} resolved, with Brier scores." if board["count"]
                    else f"No brief on {c.title} makes a forecast yet.", "forecasts", {"board": board}))
    out.append(Page("corrections/index.html", "corrections.html", "Corrections",
                    f"Every correction made on {c.title}, newest first.", "corrections"))
    return out

