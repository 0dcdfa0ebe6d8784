"""Inline SVG charts: the balance map (lean x establishment) and the calibration chart.

Pure: data in, escaped SVG markup out. Colours come from the theme's CSS classes, so the
charts follow light and dark mode; every chart has a title and a description.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from .balance import ESTABLISHMENT_SIDES, LEAN_SIDES, Placed, side
from .forecasts import Bin
from .render import percent

SVG_NS = "http://www.w3.org/2000/svg"
CELL = 56  # one rating step on the balance map, in px
MAP_LEFT, MAP_TOP = 26, 8


@functools.cache  # a few hundred distinct values: the same cells and layouts on map after map
def _n(x: float) -> str:
    """Coordinates with at most one decimal, so output is stable and short."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _open(uid: str, cls: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        (f'<svg xmlns="{SVG_NS}" class="{cls}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
         f'role="img" aria-labelledby="{uid}-title {uid}-desc">'),
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(desc)}</desc>',
    ]


def rating_text(outlet_rating: int | None, sides: Sequence[str]) -> str:
    """4 -> `right (4 of 5)`; None -> `not rated`."""
    if outlet_rating is None:
        return "not rated"
    return f"{sides[side(outlet_rating)]} ({outlet_rating} of 5)"


@functools.cache  # n is a cell's count of sources: a handful of values over thousands of maps
def _dot_layout(n: int) -> tuple[int, float]:
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    return cols, min(9.0, 0.8 * CELL / (2 * max(cols, rows)))


def placeable(placed: Sequence[Placed]) -> list[Placed]:
    """The sources the balance map can place: those whose outlet is rated on both axes."""
    return [p for p in placed
            if p.outlet is not None and p.outlet.lean is not None and p.outlet.establishment is not None]


def _map_frame() -> list[str]:
    """The balance map's plot, grid and axis labels: the same on every map."""
    size = CELL * 5
    out = [f'<rect class="plot" x="{MAP_LEFT}" y="{MAP_TOP}" width="{size}" height="{size}"/>']
    for i in range(1, 5):
        x, y = MAP_LEFT + i * CELL, MAP_TOP + i * CELL
        out.append(f'<line class="grid" x1="{x}" y1="{MAP_TOP}" x2="{x}" y2="{MAP_TOP + size}"/>')
        out.append(f'<line class="grid" x1="{MAP_LEFT}" y1="{y}" x2="{MAP_LEFT + size}" y2="{y}"/>')
    base = MAP_TOP + size
    out.append(f'<text class="axis" x="{MAP_LEFT}" y="{base + 18}">Left</text>')
    out.append(f'<text class="axis" x="{MAP_LEFT + size / 2:g}" y="{base + 18}" text-anchor="middle">Centre</text>')
    out.append(f'<text class="axis" x="{MAP_LEFT + size}" y="{base + 18}" text-anchor="end">Right</text>')
    for label, y, anchor in (("Pro-establishment", MAP_TOP, "end"), ("Critical", base, "start")):
        out.append(f'<text class="axis" transform="translate(16 {y}) rotate(-90)" text-anchor="{anchor}">{label}</text>')
    return out


_MAP_FRAME = _map_frame()  # made once: a 4,000-brief site draws 4,000 maps


def balance_map(placed: Sequence[Placed], uid: str, title: str = "Where the sources stand") -> Markup:
    """Sources rated on both axes as numbered dots: left to right, establishment-critical (bottom) to pro."""
    on_map = placeable(placed)
    size = CELL * 5
    width, height = MAP_LEFT + size + 4, MAP_TOP + size + 30
    left_out = len(placed) - len(on_map)
    desc = (f"{len(on_map)} of {len(placed)} source{'s' if len(placed) != 1 else ''} placed by their outlet's ratings: left-right lean across, "
            "establishment-critical at the bottom to pro-establishment at the top."
            + (f" {left_out} not rated on both axes." if left_out else ""))
    out = _open(uid, "chart balance-map", width, height, title, desc)
    out += _MAP_FRAME
    cells: dict[tuple[int, int], list[Placed]] = {}
    for p in on_map:
        assert p.outlet is not None and p.outlet.lean is not None and p.outlet.establishment is not None
        cells.setdefault((p.outlet.lean, p.outlet.establishment), []).append(p)
    for (lean, est), items in sorted(cells.items()):
        cols, r = _dot_layout(len(items))
        rows = math.ceil(len(items) / cols)
        cx0 = MAP_LEFT + (lean - 0.5) * CELL
        cy0 = MAP_TOP + (5.5 - est) * CELL
        # the same for every dot of a cell: its outlets' ratings and the dots' size
        ratings = f"{rating_text(lean, LEAN_SIDES)}, {rating_text(est, ESTABLISHMENT_SIDES)}"
        radius, font = _n(r), _n(r * 1.15)
        for k, p in enumerate(items):
            row, col = divmod(k, cols)
            in_row = min(cols, len(items) - row * cols)
            x = _n(cx0 + (col - (in_row - 1) / 2) * 2.3 * r)
            y = _n(cy0 + (row - (rows - 1) / 2) * 2.3 * r)
            number = p.source.number
            tip = escape(f"[{number}] {p.source.name}: {ratings}")
            out.append(f'<g class="dot"><title>{tip}</title><circle cx="{x}" cy="{y}" r="{radius}"/>'
                       f'<text x="{x}" y="{y}" dy=".35em" text-anchor="middle" font-size="{font}">{number}</text></g>')
    out.append("</svg>")
    return Markup("\n".join(out))


def calibration_chart(bins: Sequence[Bin], uid: str, title: str) -> Markup:
    """Stated probability (across) against how often it happened (up), one dot per non-empty bin."""
    size, left, top = 200, 52, 10
    width, height = left + size + 20, top + size + 40
    filled = [b for b in bins if b.count]
    desc = ("Each dot is a group of resolved forecasts: across, the probability stated; up, the share that "
            "happened. Dots on the diagonal are well calibrated. "
            + "; ".join(f"{b.label}: {b.count} forecast{'s' if b.count != 1 else ''}, "
                        f"{percent(b.observed or 0)} happened" for b in filled)
            + ("." if filled else "No resolved forecasts yet."))
    out = _open(uid, "chart calibration", width, height, title, desc)
    out.append(f'<rect class="plot" x="{left}" y="{top}" width="{size}" height="{size}"/>')
    for frac in (0.25, 0.5, 0.75):
        x, y = left + frac * size, top + (1 - frac) * size
        out.append(f'<line class="grid" x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{top + size}"/>')
        out.append(f'<line class="grid" x1="{left}" y1="{_n(y)}" x2="{left + size}" y2="{_n(y)}"/>')
    out.append(f'<line class="diagonal" x1="{left}" y1="{top + size}" x2="{left + size}" y2="{top}"/>')
    for frac in (0, 0.5, 1):
        pct = f"{round(frac * 100)}%"
        out.append(f'<text class="axis" x="{_n(left + frac * size)}" y="{top + size + 14}" '
                   f'text-anchor="middle">{pct}</text>')
        out.append(f'<text class="axis" x="{left - 4}" y="{_n(top + (1 - frac) * size)}" dy=".35em" '
                   f'text-anchor="end">{pct}</text>')
    out.append(f'<text class="axis" x="{left + size / 2:g}" y="{top + size + 32}" text-anchor="middle">'
               'Stated probability</text>')
    out.append(f'<text class="axis" transform="translate(12 {top + size / 2:g}) rotate(-90)" text-anchor="middle">'
               'Happened</text>')
    for b in filled:
        assert b.stated is not None and b.observed is not None
        cx, cy = left + b.stated * size, top + (1 - b.observed) * size
        r = min(10.0, 3 + 2 * math.sqrt(b.count))
        tip = (f"{b.label}: {b.count} forecast{'s' if b.count != 1 else ''}, average {percent(b.stated)}, "
               f"{percent(b.observed)} happened")
        out.append(f'<g class="dot"><title>{escape(tip)}</title>'
                   f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}"/></g>')
    out.append("</svg>")
    return Markup("\n".join(out))
