"""Read a plain article (form 3): a title line, paragraphs, maybe a TL;DR list.

Each paragraph or bullet becomes a fact; outlets named as the source of a report ("..., reports
Reuters") become cited sources. Pure.
"""

from __future__ import annotations

import re

from .draft import Draft, Report
from .lines import Line, paragraphs

_TLDR = re.compile(r"^(?:tl;?\s*dr|key (?:points|takeaways)|in short|summary)\s*:?$", re.IGNORECASE)
_NAME = r"(?:the\s+)?(?P<o>[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})"
_REPORTS_END = re.compile(r"(?:,\s*|\s+)(?:reports|reported|according to|said)\s+" + _NAME + r"\s*\.?[\"”’]?$")
_WRAP_WIDTH = 80


def _attribution(text: str, outlets: list[str]) -> list[str]:
    """Outlets named as the teller of this paragraph's report, in order of appearance."""
    found: list[tuple[int, str]] = []
    end = _REPORTS_END.search(text)
    if end:
        name = end["o"].rstrip(".")
        found.append((end.start("o"), _known(name, outlets) or name))
    for name in outlets:
        n = re.escape(name)
        rx = (rf"(?:according to|reports?|reported by|told|reporting by)\s+(?:the\s+)?{n}\b"
              rf"|\b{n}\s+(?:reports|reported|said|says|quoted)\b")
        for m in re.finditer(rx, text):
            found.append((m.start(), name))
    names: list[str] = []
    for _, name in sorted(found):
        canon = _known(name, outlets) or name
        if canon not in names:
            names.append(canon)
    return names


def _known(name: str, outlets: list[str]) -> str:
    return next((o for o in outlets if o.casefold() == name.casefold()), "")


def _is_title(text: str) -> bool:
    return len(text.split()) <= 25 and not text.endswith(".") and not _TLDR.match(text)


def _derived_title(text: str) -> str:
    """A title from a TL;DR point or the first sentence: up to the first clause break."""
    first = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0].rstrip(".")
    clause = re.split(r",\s+|;\s+|\s+[—–]\s+", first)[0]
    return clause if len(clause.split()) >= 4 else first


def _paragraph_texts(block: list[Line]) -> list[tuple[int, str]]:
    """A block of lines is one hard-wrapped paragraph when its lines were cut short; else one per line."""
    wrapped = len(block) > 1 and all(len(ln.text) <= _WRAP_WIDTH and not ln.bullet for ln in block[:-1])
    if wrapped:
        return [(block[0].no, " ".join(ln.text for ln in block))]
    return [(ln.no, ln.text) for ln in block]


def read_article(lines: list[Line], draft: Draft, report: Report, outlets: list[str]) -> list[int]:
    """Fill the draft from an article; returns the input line of each fact."""
    fact_lines: list[int] = []
    body = list(lines)
    first = next((ln for ln in body if ln.text), None)
    if first is not None and _is_title(first.text) and not first.bullet:
        draft.title = first.text
        body = [ln for ln in body if ln is not first]
    for block in paragraphs(body):
        for no, text in _paragraph_texts(block):
            line = next(ln for ln in block if ln.no == no)
            if _TLDR.match(text) or text == draft.title:
                continue
            if not line.bullet and len(text.split()) <= 10 and not re.search(r"[.!?\"”’)]$", text):
                report.unplaced(no, text)  # a sub-heading or caption: no fact in it
                continue
            for name in _attribution(text, outlets):
                text += f"[{draft.cite(name, no)}]"
            draft.facts.append(text)
            fact_lines.append(no)
    if not draft.title and draft.facts:
        draft.title = _derived_title(re.sub(r"(?:\[\d+\])+$", "", draft.facts[0]))
        report.note(fact_lines[0], "title", f'no title line; used "{draft.title}" from the first point, '
                    "edit it before publishing")
        draft.draft = True
    return fact_lines
