"""Outlet ratings written next to a name, `BBC News (LR: 3 CP: 5)`, and the outlets.yaml entries
they become: LR is the left-right lean, CP the establishment-critical (1) to pro-establishment (5)
scale. Pure; the command appends the entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from ..outlets import name_key

_RATING = re.compile(r"\(\s*LR\s*:\s*(?P<lr>\d)\s*[,;/]?\s*CP\s*:\s*(?P<cp>\d)\s*\)\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(r"(?:\s+[—–-]\s+|(?<=[.!?])[\"'”’)]?\s+|(?<=[.!?][\"'”’)])\s+|^[—–-]\s*|^source:\s*)",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Rating:
    outlet: str
    lean: int
    establishment: int


def split_rating(text: str) -> tuple[str, Rating | None]:
    """`<fact>. BBC News (LR: 3 CP: 5)` -> (`<fact>.`, Rating); (text, None) when there is none."""
    m = _RATING.search(text)
    if not m:
        return text, None
    before = text[: m.start()].rstrip()
    cuts = list(_SEPARATOR.finditer(before))
    body, name = ("", before) if not cuts else (before[: cuts[-1].start()].rstrip(), before[cuts[-1].end():])
    name = name.strip().rstrip(",:")
    if not name or len(name.split()) > 6 or not (name[0].isupper() or name[0].isdigit()):
        return text, None
    return body, Rating(name, int(m["lr"]), int(m["cp"]))


@dataclass
class Ratings:
    """Ratings seen in one text, first one per outlet wins."""

    found: dict[str, tuple[Rating, int]] = field(default_factory=dict)

    def add(self, rating: Rating, line: int) -> str:
        self.found.setdefault(name_key(rating.outlet), (rating, line))
        return rating.outlet

    def new_entries(self, known: list[str]) -> list[tuple[Rating, int]]:
        names = {name_key(k) for k in known}  # as briefs' names are matched to outlets
        return [(r, line) for key, (r, line) in self.found.items() if key not in names]


def bad_rating(r: Rating) -> str:
    """Why a rating cannot go into outlets.yaml, or an empty string."""
    wrong = [f"{k} {v}" for k, v in (("LR", r.lean), ("CP", r.establishment)) if not 1 <= v <= 5]
    return f"{', '.join(wrong)} is outside 1..5" if wrong else ""


def outlet_yaml(entries: list[Rating], origin: str) -> str:
    """outlets.yaml entries for new outlets, with a comment saying where they came from."""
    out = [f"\n# From {origin}: LR -> lean, CP -> establishment\n"]
    for r in entries:
        name = yaml.safe_dump(r.outlet, allow_unicode=True, width=10**6).split("\n")[0]
        out.append(f"- name: {name}\n  lean: {r.lean}\n  establishment: {r.establishment}\n")
    return "".join(out)
