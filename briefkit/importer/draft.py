"""What an import recognised in a text: the draft brief and the notes about it.

Plain mutable records filled by the form readers; brief_writer turns a Draft into Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..diagnostics import WARNING, Diagnostic


@dataclass
class DraftSource:
    name: str
    url: str = ""
    line: int = 0


@dataclass
class DraftNarrative:
    perspective: str
    outlet: str
    text: str
    line: int = 0


@dataclass
class DraftPrediction:
    claim: str
    probability: Decimal
    by: date | None
    source: str = ""
    line: int = 0


@dataclass
class Draft:
    title: str = ""
    date: date | None = None
    story: str = ""
    topics: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    sources: list[DraftSource] = field(default_factory=list)
    narratives: list[DraftNarrative] = field(default_factory=list)
    predictions: list[DraftPrediction] = field(default_factory=list)
    image_credit: str = ""
    draft: bool = False

    def counts(self) -> str:
        def n(k: int, word: str) -> str:
            return f"{k} {word}{'' if k == 1 else 's'}"
        return ", ".join([n(len(self.facts), "fact"), n(len(self.sources), "source"),
                          n(len(self.narratives), "narrative"), n(len(self.predictions), "prediction")])

    def cite(self, name: str, line: int = 0) -> int:
        """The number of the source called `name`, adding it when new."""
        for i, s in enumerate(self.sources, start=1):
            if s.name.casefold() == name.casefold():
                return i
        self.sources.append(DraftSource(name, line=line))
        return len(self.sources)


@dataclass
class Report:
    """Notes on one input: lines not placed, parts missing, guesses that need a look."""

    path: str
    notes: list[Diagnostic] = field(default_factory=list)

    def note(self, line: int, fld: str, message: str) -> None:
        self.notes.append(Diagnostic(self.path, line, fld, message, WARNING))

    def error(self, line: int, fld: str, message: str) -> None:
        """A reason the text gives no brief at all."""
        self.notes.append(Diagnostic(self.path, line, fld, message))

    def unplaced(self, line: int, text: str) -> None:
        shown = text if len(text) <= 100 else text[:97] + "..."
        self.note(line, "not placed", f'"{shown}"')
