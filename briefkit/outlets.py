"""The outlet registry: match source and narrative names to outlets by name or alias.

Pure: takes model records, returns matches and the names nobody rated (scorecard lists where each outlet is used).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Brief, Outlet


def name_key(name: str) -> str:
    """How names are compared: case-insensitive, runs of spaces as one, an accent typed as one character or as
    a letter and a combining mark (text pasted from some systems) alike."""
    return " ".join(unicodedata.normalize("NFC", name.casefold()).split())


@dataclass(frozen=True)
class Registry:
    """The outlets of content/outlets.yaml, looked up by name or alias."""

    outlets: tuple[Outlet, ...] = ()
    by_key: dict[str, Outlet] = field(default_factory=dict, compare=False)
    present: bool = False  # False when the site has no outlets.yaml
    # names as written -> outlet: a site names the same few outlets tens of thousands of times
    seen: dict[str, Outlet | None] = field(default_factory=dict, compare=False, repr=False)

    def match(self, name: str) -> Outlet | None:
        """The outlet a source or narrative names, or None."""
        try:
            return self.seen[name]
        except KeyError:
            found = self.seen[name] = self.by_key.get(name_key(name)) if name else None
            return found


def registry(outlets: Iterable[Outlet], present: bool = True) -> Registry:
    """Index outlets by their names and aliases (the first outlet claiming a name keeps it)."""
    listed = tuple(outlets)
    by_key: dict[str, Outlet] = {}
    for o in listed:
        for n in (o.name, *o.aliases):
            by_key.setdefault(name_key(n), o)
    return Registry(listed, by_key, present)


@dataclass(frozen=True)
class Mention:
    """One place a brief names an outlet: a source or a narrative's `outlet`."""

    brief: Brief
    field: str  # e.g. sources[2].name
    line: int
    name: str


def mentions(brief: Brief) -> list[Mention]:
    """Every outlet name in a brief, sources first, in file order."""
    out = [Mention(brief, f"sources[{s.number}].name", s.line, s.name) for s in brief.sources]
    out += [Mention(brief, f"narratives[{i}].outlet", n.line, n.outlet)
            for i, n in enumerate(brief.narratives, start=1) if n.outlet]
    return out


@dataclass(frozen=True)
class Unknown:
    """A name briefs use that the registry does not know, with where it is first used."""

    name: str
    first: Mention
    count: int  # mentions
    briefs: int  # briefs mentioning it


def unknown(reg: Registry, briefs: Iterable[Brief]) -> list[Unknown]:
    """Names not in the registry, each once, in order of first use (briefs by path)."""
    listed = list(briefs)
    # most names are known, and a site writes the same few hundred names tens of thousands of times: look each
    # name up once, and make Mentions only in the briefs that use an unknown one
    written = {s.name for b in listed for s in b.sources}
    written.update(n.outlet for b in listed for n in b.narratives if n.outlet)
    missing = {name for name in written if reg.match(name) is None}
    if not missing:
        return []
    seen: dict[str, list[Mention]] = {}
    for b in sorted(listed, key=lambda b: b.path):
        if missing.isdisjoint([s.name for s in b.sources]) and missing.isdisjoint([n.outlet for n in b.narratives]):
            continue
        for m in mentions(b):
            if m.name in missing:
                seen.setdefault(name_key(m.name), []).append(m)
    return [Unknown(ms[0].name, ms[0], len(ms), len({m.brief.path for m in ms})) for ms in seen.values()]
