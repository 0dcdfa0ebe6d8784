"""The `related SLUG` command: a brief's ranked related candidates, each score broken down by signal.

cli.py registers it and loads it when the command runs; builds in memory (writes nothing) and prints text or --json.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import cli, pipeline
from .crosslink import INDEX_KEY, days_apart
from .diagnostics import did_you_mean
from .matches import Match
from .project import UsageError
from .related import SIGNALS, Index

TIERS = {"author": "author", "story": "story", "similar": "similar"}


def status(m: Match, index: Index) -> str:
    """Where a candidate stands: which tier shows it, or why it is not shown."""
    if m.tier != "below":
        return TIERS[m.tier]
    return "below threshold" if m.score < index.settings.threshold else "over count"


def rows(index: Index, slug: str) -> list[dict[str, Any]]:
    out = []
    for rank, m in enumerate(index.candidates(slug), start=1):
        doc = index.docs[index.pos[m.slug]]
        out.append({
            "rank": rank, "slug": m.slug, "title": doc.title, "date": doc.date.isoformat(),
            "score": round(m.score, 4), "signals": {k: round(m.parts.get(k, 0.0), 4) for k in SIGNALS},
            "shown": m.tier != "below", "status": status(m, index), "reason": m.reason,
            "days_apart": round(m.days, 1), "shared": {k: list(v) for k, v in m.shared.items()},
        })
    return out


def as_text(index: Index, slug: str, path: str, shown_only: bool) -> list[str]:
    s = index.settings
    doc = index.docs[index.pos[slug]]
    weights = ", ".join(f"{k} {s.weights.get(k, 0):g}" for k in SIGNALS)
    lines = [f"related briefs for {slug} ({path})",
             (f"count {s.count}, threshold {s.threshold:g}, include_newer {str(s.include_newer).lower()}; "
             f"weights: {weights}")]
    if doc.story:
        lines.append(f"story: {doc.story}")
    found = rows(index, slug)
    listed = [r for r in found if r["shown"] or not shown_only]
    if not listed:
        lines.append("no candidates: it shares no story, topic, outlet or salient term with another brief")
        return lines
    lines.append("")
    lines.append(f"{'#':>3}  {'score':>5}  " + "  ".join(f"{k:>7}" for k in SIGNALS) + "  status           slug")
    for r in listed:
        lines.append(f"{r['rank']:>3}  {r['score']:5.3f}  " + "  ".join(f"{r['signals'][k]:7.3f}" for k in SIGNALS)
                     + f"  {r['status']:<16} {r['slug']}")
        lines.append(f"       {r['reason']} · {days_apart(doc.date, index.docs[index.pos[r['slug']]].date)}")
        shared = [f"{k}: {', '.join(v[:6])}{' …' if len(v) > 6 else ''}" for k, v in r["shared"].items() if v]
        if shared:
            lines.append("       shares " + "; ".join(shared))
    hidden = len(found) - len(listed)
    if hidden:
        lines.append(f"({hidden} more candidate{'s' if hidden != 1 else ''} not shown on the page; --all lists them)")
    return lines


def _suggest(slug: str, slugs: list[str]) -> str:
    hint = did_you_mean(slug, slugs)
    starts = sorted(s for s in slugs if s.startswith(slug))
    if not hint and starts:
        hint = f'did you mean "{starts[0]}"?'
    return hint or "a draft needs --drafts"



def cmd_related(args: argparse.Namespace, console: cli.Console) -> int:
    project = cli.open_for(args, console)
    result = pipeline.build(project, write=False)
    if result.errors or result.site is None:
        return cli.finish(result, console, False, "related")
    index: Index = result.site.extra[INDEX_KEY]
    if args.slug not in index.pos:
        raise UsageError(f'no published brief has the slug "{args.slug}"; {_suggest(args.slug, list(index.pos))}')
    if args.json:
        s = index.settings
        data = {"slug": args.slug, "path": result.site.by_slug[args.slug].brief.path,
                "settings": {"count": s.count, "threshold": s.threshold, "include_newer": s.include_newer,
                             "weights": dict(s.weights)},
                "candidates": [r for r in rows(index, args.slug) if r["shown"] or args.all]}
        console.say(json.dumps(data, ensure_ascii=False, indent=2))
        return cli.EXIT_OK
    for line in as_text(index, args.slug, result.site.by_slug[args.slug].brief.path, not args.all):
        console.say(line)
    return cli.EXIT_OK
