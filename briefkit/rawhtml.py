"""Raw HTML in a brief's Markdown (site.yaml `allow_html: true`), read as a browser reads it.

Finds the addresses its tags give (href, src, srcset ...) and the elements it leaves open that would take
in the rest of the page; markdown.py decides what is wrong with them. Pure: text in, findings out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# attributes whose value a browser follows (a link) or fetches into the page (an image, a frame)
LINKED = frozenset({"href", "action", "formaction", "xlink:href"})
LOADED = frozenset({"src", "poster", "srcset"})
# a browser reads these as text up to their own end tag: left open, the rest of the page is their text
RAW_TEXT = ("script", "style", "textarea", "title")
FOREIGN = ("svg", "math")  # inside them a tag is SVG's or MathML's: <title/> and <script/> close themselves
# comments a browser ends at once (<!-->, <!--->) that html.parser before 3.13.4 reads on to a later -->
_ABRUPT = re.compile(r"<!---?>")


@dataclass(frozen=True)
class Address:
    """An address written in raw HTML: its line, tag and attribute."""

    line: int
    tag: str
    attr: str
    url: str

    @property
    def loaded(self) -> bool:
        """Whether the page fetches it into itself (an image, a frame, a script), rather than links to it."""
        return self.attr in LOADED or (self.tag, self.attr) == ("object", "data")


@dataclass
class Findings:
    """What reading a piece of raw HTML found: its addresses, and the elements left open."""

    addresses: list[Address] = field(default_factory=list)
    unclosed: list[tuple[int, str, str]] = field(default_factory=list)  # (line, what is open, its end)


def srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset ("a.png 1x, b.png 2x"), as the HTML standard splits it: a URL runs to white
    space (a data: URL holds commas), then its descriptors to the next comma."""
    urls, pos, n = [], 0, len(value)
    while pos < n:
        while pos < n and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < n and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth = 0
            while pos < n and (value[pos] != "," or depth):
                depth += (value[pos] == "(") - (value[pos] == ")")
                pos += 1
        if url:
            urls.append(url)
    return urls


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = Findings()
        self.piece_line = 1  # the file line the piece being fed starts at ...
        self.piece_row = 1  # ... and the line of the fed text it starts at
        self.open: tuple[int, str, str] | None = None  # a raw-text element not closed: line, tag, as said
        self.foreign = 0  # <svg> and <math> open: their <title/> and <script/> are closed by the slash

    def line(self) -> int:
        return self.piece_line + self.getpos()[0] - self.piece_row

    def _addresses(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in LINKED or name in LOADED or (tag, name) == ("object", "data"):
                for url in srcset_urls(value) if name == "srcset" else [value.strip()]:
                    self.found.addresses.append(Address(self.line(), tag, name, url))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._addresses(tag, attrs)
        if tag in FOREIGN:
            self.foreign += 1
        elif tag in RAW_TEXT and self.open is None and not self.foreign:
            self.open = (self.line(), tag, f"<{tag}>")
            self.set_cdata_mode(tag)  # for textarea and title too (html.parser before 3.14 reads tags in them)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._addresses(tag, attrs)
        if tag in RAW_TEXT and self.open is None and not self.foreign:  # HTML ignores the slash: <script/> opens
            self.open = (self.line(), tag, f"<{tag}/>")
            self.set_cdata_mode(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open is not None and self.open[1] == tag:
            self.open = None
        elif tag in FOREIGN and self.foreign:
            self.foreign -= 1


def scan(pieces: list[tuple[str, int]]) -> Findings:
    """The raw HTML of one text, in order, each piece with the file line it starts at. Read as one: the
    Markdown between them is escaped, so it can neither close nor open anything."""
    reader = _Reader()
    row = 1
    pieces = [(_ABRUPT.sub("<!---->", text), line) for text, line in pieces]  # the same lines: dashes added
    for text, line in pieces:
        reader.piece_line, reader.piece_row = line, row
        reader.feed(text)
        row += text.count("\n")
    if reader.open is not None:
        reader.found.unclosed.append((reader.open[0], reader.open[2], f"</{reader.open[1]}>"))
    else:
        left = reader.rawdata  # what the parser could not finish: a comment without its -->
        if left.startswith("<!--"):
            at = len("".join(text for text, _ in pieces)) - len(left)
            reader.found.unclosed.append((_line_at(pieces, at), "<!--", "-->"))
    return reader.found


def _line_at(pieces: list[tuple[str, int]], offset: int) -> int:
    for text, line in pieces:
        if offset < len(text):
            return line + text.count("\n", 0, offset)
        offset -= len(text)
    return pieces[-1][1] if pieces else 1
