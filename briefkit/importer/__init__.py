"""Plain text -> a draft brief and a report of what was recognised and what was not.

import_text is pure: the command reads files, writes Markdown and appends outlets.yaml.
"""

from __future__ import annotations

from datetime import date

from .article import read_article
from .draft import Draft, Report
from .lines import clean
from .outlets import Ratings
from .structured import drop_dangling_markers, is_structured, read_structured

__all__ = ["Draft", "Imported", "Report", "import_text"]


class Imported:
    """One text's result: the draft, the outlet ratings it carried, and the notes."""

    def __init__(self, draft: Draft, report: Report, ratings: Ratings, form: str):
        self.draft, self.report, self.ratings, self.form = draft, report, ratings, form


def import_text(path: str, text: str, today: date, outlets: list[str], story: str = "") -> Imported:
    """Recognise a brief in one of the three plain-text forms; `outlets` are known names and aliases."""
    report = Report(path)
    ratings = Ratings()
    cleaned = clean(text)
    for no, message in cleaned.notes:
        report.note(no, "image", message)
    draft = Draft(story=story, image_credit=cleaned.image_credit)
    if is_structured(cleaned.lines):
        form = "sections"
        fact_lines = read_structured(cleaned.lines, draft, report, outlets, ratings)
    else:
        form = "article"
        fact_lines = read_article(cleaned.lines, draft, report, outlets)
    drop_dangling_markers(draft, fact_lines, report)
    if not text.replace("\ufeff", "").strip():
        report.error(0, "", "the file is empty; nothing to import")
    else:
        _missing(draft, report, cleaned.source_links, today, form)
    report.notes.sort(key=lambda d: (d.line, d.field))
    return Imported(draft, report, ratings, form)


def _missing(d: Draft, report: Report, links: int, today: date, form: str) -> None:
    """Say what the text lacks; a brief that cannot be published as it is becomes a draft."""
    if not d.title:
        report.error(0, "title", "no title found; the brief is not written")
        return
    if d.date is None:
        report.note(0, "date", f"no date line; dated {today.isoformat()} (today or --date)")
    if not d.facts:
        report.note(0, "facts", "no facts found")
        d.draft = True
    if not d.sources:
        why = (f"only a link to them (line {links}), which plain text loses" if links
               else "no sources list" if form == "sections" else "no outlet could be told as a source")
        report.note(0, "sources", f"none: {why}; add them before publishing")
        d.draft = True
    if not d.narratives:
        report.note(0, "narratives", "none: this brief needs narratives, at least two, before publishing")
        d.draft = True
    elif len(d.narratives) == 1:
        report.note(0, "narratives", "only one: a balanced brief gives at least two")
