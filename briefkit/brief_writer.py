"""Write a brief's Markdown: YAML front matter in the documented key order, then ## Facts.

Every scalar goes through yaml.safe_dump, so quoting is always right and the file parses
back to the same values. Pure: a Draft (or the `new` skeleton's fields) in, text out.
"""

from __future__ import annotations

import re
from datetime import date

import yaml

from .importer.draft import Draft

_BLOCK_START = re.compile(r"^(?:[#>+*-]\s|\d{1,9}[.)](?:\s|$)|[=_*-]{3,}\s*$)")


def scalar(value: object) -> str:
    """One YAML scalar on one line, quoted only when YAML needs it."""
    text = yaml.safe_dump(value, allow_unicode=True, width=10**9, default_flow_style=True)
    return text.removesuffix("\n...\n").removesuffix("\n")


def flow_list(items: list[str]) -> str:
    return "[" + ", ".join(scalar(i) for i in items) + "]"


def fact_line(text: str) -> str:
    """A fact as a list item; a start Markdown would read as a heading, quote or list is escaped."""
    if _BLOCK_START.match(text):
        text = re.sub(r"^(\d{1,9})([.)])", r"\1\\\2", text) if text[0].isdigit() else "\\" + text
    return f"- {text}"


def _head(title: str, day: date, story: str, topics: list[str]) -> list[str]:
    out = ["---", f"title: {scalar(title)}", f"date: {day.isoformat()}"]
    if topics:
        out.append(f"topics: {flow_list(topics)}")
    if story:
        out.append(f"story: {story}")
    return out


def render_draft(d: Draft, day: date) -> str:
    """The Markdown file for an imported draft; `day` is used when the text had no date."""
    out = _head(d.title, d.date or day, d.story, d.topics)
    if d.image_credit:
        out += ["# The text credits an image; add its file (src) and a description (alt) to show it:",
                "# image:", "#   src: images/", "#   alt: ", f"#   credit: {scalar(d.image_credit)}"]
    if d.sources:
        out.append("sources:")
        for s in d.sources:
            out.append(f"  - name: {scalar(s.name)}")
            if s.url:
                out.append(f"    url: {scalar(s.url)}")
    if d.narratives:
        out.append("narratives:")
        for n in d.narratives:
            out.append(f"  - perspective: {scalar(n.perspective)}")
            if n.outlet:
                out.append(f"    outlet: {scalar(n.outlet)}")
            out.append(f"    text: {scalar(n.text)}")
    if d.predictions:
        out.append("predictions:")
        for p in d.predictions:
            out.append(f"  - claim: {scalar(p.claim)}")
            out.append(f"    probability: {p.probability}")
            if p.by:
                out.append(f"    by: {p.by.isoformat()}")
            if p.source:
                out.append(f"    source: {scalar(p.source)}")
    if d.draft:
        out.append("draft: true")
    out += ["---", "", "## Facts", ""]
    out += [fact_line(f) for f in d.facts]
    return "\n".join(out) + "\n"


def render_new(title: str, day: date, story: str = "", topics: list[str] | None = None,
               draft: bool = False) -> str:
    """A new brief: the given fields, commented examples to copy, and an empty ## Facts list."""
    out = _head(title, day, story, topics or [])
    out += [
        "summary: ",
        "sources:  # numbered 1, 2, 3 ... in this order; [n] in the text cites the n-th",
        "  # - name: Reuters",
        "  #   url: https://www.reuters.com/...",
        "narratives:  # give at least two perspectives",
        "  # - perspective: Pro-establishment",
        "  #   outlet: Associated Press",
        "  #   text: What this side says, in its own terms.",
        "predictions:",
        "  # - claim: What is predicted",
        "  #   probability: 0.7",
        f"  #   by: {date(day.year, 12, 31).isoformat()}",
        "  #   source: Metaculus",
    ]
    if draft:
        out.append("draft: true")
    out += ["---", "", "## Facts", "", "- ", ""]
    return "\n".join(out)
