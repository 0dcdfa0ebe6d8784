"""Read briefs written in sections: Facts / Sources / Narratives / Predictions (form 1) and
The Facts / The Spin with labels on their own lines and a Nerd forecast (form 2). Pure.
"""

from __future__ import annotations

import re

from ..forecast_text import FORECAST_START, parse_date, parse_forecast, split_sentences
from .draft import Draft, DraftNarrative, DraftPrediction, DraftSource, Report
from .lines import Line
from .outlets import Ratings, split_rating

HEADINGS = {
    "facts": re.compile(r"^(?:the\s+)?(?:key\s+)?facts\s*:?$", re.IGNORECASE),
    "narratives": re.compile(r"^(?:the\s+spin|spin|(?:the\s+)?narratives)\s*:?$", re.IGNORECASE),
    "predictions": re.compile(r"^(?:predictions|forecasts?)\s*:?$", re.IGNORECASE),
    "sources": re.compile(r"^sources\s*:?$", re.IGNORECASE),
}
SOURCES_LINE = re.compile(r"^(?:sources?\s*:\s*)?(?=\[\d+\])|^sources?\s*:\s*(?=\(?1[.)]\s*\S)", re.IGNORECASE)
_SOURCE_ITEM = re.compile(r"\[(\d+)\]\s*")
# `Sources: 1) A; 2) B`, `(1) A, (2) B`, `1. A, 2. B`: split only at the next number in turn ("Channel 4. 2. B")
_NUMBERED = [re.compile(r"\((\d+)\)\s*"), re.compile(r"(?<![\w.(])(\d+)\)\s*"), re.compile(r"(?<![\w.])(\d+)\.\s+")]
_LABEL = (r"(?P<label>narrative\s+[A-Z0-9]{1,2}|[A-Z][\w'’.&/-]*(?:[ -][\w'’.&/-]+){0,3}?\s+narrative)")
_LABEL_ALONE = re.compile(r"^" + _LABEL + r"(?:,?\s+as provided by\s+(?P<outlet>[^.:]+))?\s*[.:]?$", re.IGNORECASE)
_LABEL_INLINE = re.compile(r"^" + _LABEL + r"(?P<rest>(?:,\s*as provided by\s+|[.:]\s+).+)$", re.IGNORECASE)
_WRAPS = re.compile(r"(?:[,;&]|\sand)$")
_MARKERS = re.compile(r"\[(\d+)(?:\s*[-–,]\s*\d+)*\]")


def is_structured(lines: list[Line]) -> bool:
    return any(HEADINGS["facts"].match(ln.text) or HEADINGS["narratives"].match(ln.text)
               or SOURCES_LINE.match(ln.text) and ln.text.lower().startswith("source") for ln in lines)


def perspective(label: str) -> str:
    """`Pro-Israel narrative` -> `Pro-Israel`; `Narrative C` stays as it is."""
    label = " ".join(label.split())
    return label[: -len(" narrative")] if label.lower().endswith(" narrative") else label


def read_structured(lines: list[Line], draft: Draft, report: Report, outlets: list[str],
                    ratings: Ratings) -> list[int]:
    """Fill the draft from sectioned text; returns the input line of each fact."""
    section = "header"
    fact_lines: list[int] = []
    numbered: list[tuple[int, str, int]] = []  # (n, name, line) from a Sources: line
    current: DraftNarrative | None = None
    open_label = False  # the current narrative's label stood alone; its text follows
    bulleted = False  # the facts are a bulleted list, so loose lines are not facts
    prev_blank = True
    listed = _sources_lines(lines)
    for group in listed:
        parts: list[tuple[int, str]] = []  # a line, with the start of a name it wraps onto the next
        for ln in group:
            if parts and not _SOURCE_ITEM.match(ln.text):
                parts[-1] = (parts[-1][0], f"{parts[-1][1]} {ln.text}")
            else:
                parts.append((ln.no, ln.text))
        for no, text in parts:
            if SOURCES_LINE.match(text):
                numbered += _source_items(SOURCES_LINE.sub("", text, count=1), no, report)
            else:  # one source a line under a Sources heading: a bullet, "1." or just the name
                numbered.append((len(numbered) + 1, text, no))
    in_sources = {ln.no for group in listed for ln in group}
    _number_sources(numbered, draft, report)
    for ln in lines:
        text = ln.text
        if not text:
            prev_blank = True
            continue
        heading = next((k for k, rx in HEADINGS.items() if rx.match(text)), None)
        if heading:
            section, current, prev_blank = heading, None, True
            continue
        if ln.no in in_sources:
            prev_blank = False
            continue
        if section == "header":
            _header_line(ln, draft, report)
        elif section == "facts":
            body, rating = split_rating(text)
            if rating and not body:
                if not draft.facts:
                    report.unplaced(ln.no, text)
                else:
                    n = draft.cite(ratings.add(rating, ln.no), ln.no)
                    draft.facts[-1] += f"[{n}]"
            elif not ln.bullet and prev_blank and bulleted:
                report.unplaced(ln.no, text)  # a loose line among bulleted facts: not a fact
            elif ln.bullet or prev_blank or not draft.facts:
                bulleted = bulleted or ln.bullet
                if rating:
                    body += f"[{draft.cite(ratings.add(rating, ln.no), ln.no)}]"
                draft.facts.append(body)
                fact_lines.append(ln.no)
            else:
                draft.facts[-1] += " " + body
        elif section == "narratives":
            current, open_label = _narrative_line(ln, prev_blank, current, open_label, draft, report, outlets, ratings)
        elif section == "predictions":
            _prediction_line(ln, draft, report)
        else:
            report.unplaced(ln.no, text)
        prev_blank = False
    _nerd_forecasts(draft, report)
    return fact_lines


def _header_line(ln: Line, draft: Draft, report: Report) -> None:
    text = ln.text
    day = parse_date(re.sub(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+", "", text, flags=re.IGNORECASE))
    if day and not draft.date:
        draft.date = day
    elif not draft.title:
        draft.title = text
    elif text != draft.title:
        report.unplaced(ln.no, text)


def _source_items(text: str, line: int, report: Report) -> list[tuple[int, str, int]]:
    """`[1]U.S. Department of Defense, [2]FOX News and [3]RT.` -> numbered names."""
    parts = _SOURCE_ITEM.split(text)
    numbered = next((rx for rx in _NUMBERED if rx.match(text)), None)
    if numbered is not None and not _SOURCE_ITEM.match(text):
        parts, start = [""], 0
        for m in numbered.finditer(text):
            if int(m[1]) == len(parts) // 2 + 1:
                parts[-1] += text[start:m.start()]
                parts += [m[1], ""]
                start = m.end()
        parts[-1] += text[start:]
    if parts[0].strip():
        report.unplaced(line, parts[0].strip())
    items = []
    for i in range(1, len(parts) - 1, 2):
        name = parts[i + 1].strip()
        name = re.sub(r"(?:,|\s+and|;)$", "", name).strip()
        if i + 2 >= len(parts) and name.endswith(".") and not re.search(r"\b[A-Z]\.$", name):
            name = name[:-1]
        if name:
            items.append((int(parts[i]), name, line))
        else:
            report.note(line, "sources", f"[{parts[i]}] names no source")
    return items


def _number_sources(numbered: list[tuple[int, str, int]], draft: Draft, report: Report) -> None:
    if not numbered:
        return
    wanted = list(range(1, len(numbered) + 1))
    if [n for n, _, _ in numbered] != wanted:
        report.note(numbered[0][2], "sources", "the sources are not numbered 1, 2, 3 ... in order; "
                    "kept in the order written, check the markers")
    draft.sources = [DraftSource(*_name_and_url(name), line=line) for _, name, line in numbered]


_URL = re.compile(r"<?(https?://[^\s<>]+)>?")


def _name_and_url(text: str) -> tuple[str, str]:
    """`FOX News (https://www.foxnews.com/)`, `FOX News - https://...`, `FOX News <https://...>` -> name, url."""
    m = _URL.search(text)
    if not m:
        return text, ""
    url = m.group(1).rstrip(".,;")
    if url.endswith(")") and "(" not in url:
        url = url[:-1]
    name = re.sub(r"[\s(<:,;–—-]+$", "", text[: m.start()]).strip()
    return name or re.sub(r"^www\.", "", url.split("/")[2]), url


def _sources_lines(lines: list[Line]) -> list[list[Line]]:
    """`Sources: [1]...` lines, and under a Sources heading `[1] ...`, bulleted or numbered lines or one
    name a line, each with the lines it wraps onto: the next line when it starts with `[n]` or this one
    ends in a comma or "and". A paragraph after a blank line ends the list."""
    found: list[list[Line]] = []
    under = listing = False
    prev: Line | None = None
    for ln in lines:
        heading = next((k for k, rx in HEADINGS.items() if rx.match(ln.text)), None)
        if listing and prev is not None and not prev.text and ln.text and not (
                ln.bullet or _SOURCE_ITEM.match(ln.text)):
            under = listing = False
        if heading:
            under, listing = heading == "sources", False
        elif (found and prev is found[-1][-1] and ln.text and not ln.bullet
              and (_SOURCE_ITEM.match(ln.text) or _WRAPS.search(prev.text))):
            found[-1].append(ln)
        elif (SOURCES_LINE.match(ln.text) and (under or ln.text.lower().startswith("source"))
              or under and ln.text):
            found.append([ln])
            listing = True
        prev = ln
    return found


def _narrative_line(ln: Line, prev_blank: bool, current: DraftNarrative | None, open_label: bool,
                    draft: Draft, report: Report, outlets: list[str], ratings: Ratings
                    ) -> tuple[DraftNarrative | None, bool]:
    text = ln.text
    body, rating = split_rating(text)
    if rating and not body and current is not None:
        name = ratings.add(rating, ln.no)
        current.outlet = current.outlet or name
        return current, open_label
    alone = _LABEL_ALONE.match(text)
    if alone:
        current = DraftNarrative(perspective(alone["label"]), (alone["outlet"] or "").strip(), "", ln.no)
        draft.narratives.append(current)
        return current, True
    inline = _LABEL_INLINE.match(text)
    if inline:
        outlet, said = _outlet_and_text(inline["rest"], outlets)
        if said is None:
            report.note(ln.no, "narratives", "cannot tell where the outlet's name ends and the narrative "
                        "begins; kept the whole line as the text")
            said = inline["rest"].lstrip(",.: ")
        current = DraftNarrative(perspective(inline["label"]), outlet, said, ln.no)
        draft.narratives.append(current)
        return current, False
    if current is not None and (open_label or not prev_blank):
        current.text = f"{current.text} {text}".strip()
        return current, open_label
    report.unplaced(ln.no, text)
    return current, open_label


def _outlet_and_text(rest: str, outlets: list[str]) -> tuple[str, str | None]:
    """`, as provided by The Kyiv Independent. In sending ...` -> outlet, text."""
    m = re.match(r"^,\s*as provided by\s+", rest, re.IGNORECASE)
    if not m:
        return "", rest.lstrip(".: ")
    tail = rest[m.end():]
    for name in sorted(outlets, key=len, reverse=True):
        if tail.lower().startswith(name.lower()) and re.match(r"[.:]\s+\S", tail[len(name):]):
            return tail[: len(name)], tail[len(name):].lstrip(".: ")
    cut = re.search(r"[.:]\s+(?=[A-Z\"'“‘])", tail)
    if not cut:
        return "", None
    return tail[: cut.start()], tail[cut.end():]


def _prediction_line(ln: Line, draft: Draft, report: Report) -> None:
    for sentence in split_sentences(ln.text):
        f = parse_forecast(sentence)
        if f is None:
            report.unplaced(ln.no, sentence)
        else:
            draft.predictions.append(DraftPrediction(f.claim, f.probability, f.by, f.source, ln.no))


def _nerd_forecasts(draft: Draft, report: Report) -> None:
    """A Nerd narrative's forecast sentences become predictions; other sentences stay a narrative."""
    for n in list(draft.narratives):
        if not n.text:
            report.note(n.line, "narratives", f'"{n.perspective} narrative" has no text; left out')
            draft.narratives.remove(n)
            continue
        if not (n.perspective.lower() == "nerd" or FORECAST_START.match(n.text)):
            continue
        rest = []
        for sentence in split_sentences(n.text):
            f = parse_forecast(sentence)
            if f is None:
                if FORECAST_START.match(sentence):
                    report.note(n.line, "predictions", f'reads like a forecast but its shape is not recognised: '
                                f'"{sentence}"; kept in the narrative')
                rest.append(sentence)
            else:
                draft.predictions.append(DraftPrediction(f.claim, f.probability, f.by, f.source or n.outlet, n.line))
        if rest:
            n.text = " ".join(rest)
        else:
            draft.narratives.remove(n)


def drop_dangling_markers(draft: Draft, fact_lines: list[int], report: Report) -> None:
    """Markers that name no source would fail the build: remove them (from facts, narratives and
    forecast claims alike) and say so."""
    count = len(draft.sources)
    have = "no sources list" if not count else f"only {count} source{'s' if count != 1 else ''}"

    def cleaned(text: str, line: int, fld: str) -> str:
        numbers = [(m.group(0), [int(x) for x in re.findall(r"\d+", m.group(0))]) for m in _MARKERS.finditer(text)]
        zero = [m for m, ns in numbers if 0 in ns]
        over = [m for m, ns in numbers if m not in zero and any(n > count for n in ns)]
        for m in zero + over:  # with the space before it when punctuation follows: "unknown [9]." -> "unknown."
            text = re.sub(r"\s*" + re.escape(m) + r"(?=[.,;:!?)])", "", text).replace(m, "")
        if over:
            report.note(line, fld, f"removed {''.join(over)}: the text has {have}")
        if zero:
            report.note(line, fld, f"removed {''.join(zero)}: source numbers start at 1")
        return " ".join(text.split()) if zero or over else text

    for i, fact in enumerate(draft.facts):
        draft.facts[i] = cleaned(fact, fact_lines[i] if i < len(fact_lines) else 0, "body")
    for n in draft.narratives:
        n.text = cleaned(n.text, n.line, "narratives")
    for p in draft.predictions:
        p.claim = cleaned(p.claim, p.line, "predictions")