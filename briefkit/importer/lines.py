"""Plain text -> numbered lines with web boilerplate removed and bullets marked.

Sign-up blocks, "Read More", profile-image bylines and link-only source lists are dropped;
an "Image credit:" line is kept aside for image.credit. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..frontmatter import UNWRITABLE

_BULLET = re.compile(r"^\s*(?:[•◦▪·*\-–]|\d{1,2}[.)])\s+")
_BOILERPLATE = re.compile(
    r"^(?:subscribe to (?:our|the) (?:daily )?newsletter!?|get our free (?:daily )?newsletter|"
    r"sign up (?:for|to) .*newsletter.*|success! now check your email|to complete subscribe,? click .*|"
    r"ok,? thanks!?|read more\.?|read more:.*|continue reading\.?|advertisement|share(?: this(?: article)?)?|"
    r"daily newsletter|.+ profile image)$",
    re.IGNORECASE,
)
_SOURCE_LINKS = re.compile(
    r"^(?:(?:see|view|show)\s+(?:all\s+)?(?:the\s+)?sources?|related sources|sources)\s*[:.]?\s*"
    r"(?:(?:[•·|,]\s*)?source\s+\d+\s*)*$", re.IGNORECASE)
_SOURCES_HEADING = re.compile(r"^sources\s*:?$", re.IGNORECASE)
_LINK_TEXT = re.compile(r"^(?:[•·|,]?\s*source\s+\d+\s*)+$", re.IGNORECASE)
_CREDIT = re.compile(r"^(?:image|photo|picture)\s+(?:credit|courtesy)\s*:\s*(?P<who>.+)$", re.IGNORECASE)
_TEASER_END = re.compile(r"(?:\.{3,}|…)$")


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the input
    text: str  # without surrounding space and without its bullet
    bullet: bool = False


@dataclass
class Cleaned:
    lines: list[Line]  # blank lines kept (text ""), they separate paragraphs
    image_credit: str = ""
    credit_line: int = 0
    source_links: int = 0  # line of a "See sources" link, 0 when there was none
    notes: list[tuple[int, str]] = field(default_factory=list)


def clean(text: str) -> Cleaned:
    """Number the lines, strip boilerplate, pick out the image credit and teaser lines."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").split("\n")
    out = Cleaned([])
    after_profile = False
    after_links = False
    for no, src in enumerate(raw, start=1):
        # control characters (pasted from a terminal or a PDF) are dropped: no page can show them
        s = " ".join(UNWRITABLE.sub(" ", src).replace("\u00a0", " ").split())
        if not s:
            out.lines.append(Line(no, ""))
            continue
        if _BOILERPLATE.match(s):
            after_profile = s.lower().endswith("profile image")
            continue
        if after_profile and s.lower().startswith("by "):
            after_profile = False
            continue
        after_profile = False
        if (_SOURCE_LINKS.match(s) and not _lists_sources(s, raw[no:])) or (after_links and _LINK_TEXT.match(s)):
            out.source_links = out.source_links or no
            after_links = True
            continue
        after_links = False
        credit = _CREDIT.match(s)
        if credit:
            if out.image_credit:
                out.notes.append((no, f'a second image credit ("{credit["who"]}"); kept the first'))
            else:
                out.image_credit, out.credit_line = credit["who"].strip(), no
            continue
        bullet = _BULLET.match(s)
        out.lines.append(Line(no, s[bullet.end():] if bullet else s, bool(bullet)))
    out.lines = _drop_teasers(out.lines)
    return out


def _lists_sources(line: str, rest: list[str]) -> bool:
    """A "Sources" heading with the sources under it (not "Source 1 • Source 2" links): a heading to keep."""
    after = next((" ".join(r.split()) for r in rest if r.strip()), "")
    return bool(_SOURCES_HEADING.match(line)) and bool(after) and not _LINK_TEXT.match(after)


def _drop_teasers(lines: list[Line]) -> list[Line]:
    """Drop web excerpts: a line ending in "..." whose start repeats a later, complete line."""
    texts = [ln.text for ln in lines]
    keep = []
    for i, ln in enumerate(lines):
        stem = _TEASER_END.sub("", ln.text).rstrip()
        if stem != ln.text and len(stem) > 20 and any(
                t != ln.text and t.startswith(stem) for t in texts[i + 1:]):
            continue
        keep.append(ln)
    return keep


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Group lines into blocks separated by blank lines."""
    blocks: list[list[Line]] = [[]]
    for ln in lines:
        if ln.text:
            blocks[-1].append(ln)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]
