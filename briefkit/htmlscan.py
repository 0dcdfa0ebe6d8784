"""A fast scan of plainly written HTML for the start tags that matter, read as html.parser reads them.

It takes only pages every part of which has one reading (text without "<", quoted or simple
attributes without "<" or ">", comments without "--", "<" or ">", script and style without "<");
on anything else it says None, and the caller parses that page with html.parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import unescape
from typing import Generic, Literal, TypeVar

V = TypeVar("V")
Attrs = list[tuple[str, str | None]]

_WS = r"[ \t\n\r\f]"  # html.parser ends a tag name only at these (not at "\v" or other Unicode spaces)
_NAME = r"[a-zA-Z][a-zA-Z0-9-]*"
_ATTR_NAME = r"[a-zA-Z_:@][-a-zA-Z0-9_:.@]*"
# an unquoted value must end where html.parser ends it: at whitespace or ">" (not "/", which it keeps)
_VALUE = rf"""(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`/]+(?={_WS}|>))"""
_ATTRS = rf"(?:{_WS}+{_ATTR_NAME}(?:{_WS}*={_WS}*{_VALUE})?)*"
_START = re.compile(rf"<({_NAME})({_ATTRS}){_WS}*/?>")  # a whole start tag, as fullmatch takes it
# findall gives "" for a group that did not take part: the second group tells `name` from `name=""`
_ATTR = re.compile(rf"""{_WS}+({_ATTR_NAME})({_WS}*={_WS}*(?:"([^"<>]*)"|'([^'<>]*)'|([^\s"'=<>`/]+)))?""")
# plain attributes: lowercase names, double-quoted values without "&" (nothing to unescape)
_SIMPLE_ATTR = re.compile(r' ([a-z][-a-z0-9]*)="([^"<>&]*)"')
_SIMPLE = re.compile(rf'<({_NAME})((?: [a-z][-a-z0-9]*="[^"<>&]*")*)/?>')
_END = re.compile(rf"</{_NAME}{_WS}*>")
_DECLARATION = re.compile(r"<!--(?!-?>)(?:[^<>-]|-(?!-))*-->|<!(?i:doctype)[^<>]*>")
_ID = re.compile(rf"{_WS}(?i:id)(?:{_WS}|=|$)")
# each tag cut at the first ">" and without its "<" (each distinct one is then checked whole, once), but
# not a plain end tag ("</p>": half the tags), which is known to be valid and adds nothing
_TOKENS = re.compile(rb"<(?!/[a-zA-Z][a-zA-Z0-9-]*>)([^>]*>)")
# html.parser reads script and style content as text up to their own end tag: here it must be plain text
_RAW_END = {name: re.compile(rf"</(?i:{name}){_WS}*>") for name in ("script", "style")}


class Scanner(Generic[V]):
    """Reads pages for the start tags in `wanted` and those with an id attribute.

    `read(tag, attrs)` turns one such tag, as html.parser reports it (names lowercased, values
    unescaped, None for a bare attribute), into what the caller keeps of it; it is called once per
    distinct tag source, as the pages of one site repeat most of their tags.
    """

    def __init__(self, wanted: frozenset[str], read: Callable[[str, Attrs], V | None]):
        self.wanted = wanted
        self.read = read
        # tag source -> read's truthy result, or False for a tag that does not matter: never None, which
        # known.get gives for a tag not yet learned
        self.known: dict[bytes, V | Literal[False]] = {b"": False}
        self.raw: dict[bytes, re.Pattern[str]] = {}  # script and style start tags -> their end tag

    def scan(self, data: bytes) -> list[V] | None:
        """read's truthy results for the tags of a page (its UTF-8 bytes), in document order; None when
        the page is not plain enough to be sure these are all html.parser would report.

        Tags are cut from the bytes and each distinct one decoded alone: "<" and ">" are single bytes
        in UTF-8, and decoding (errors="replace") ends an invalid sequence at any such byte, so the text
        has the same tags. Cutting bytes is quicker: a page's text with one non-ASCII character makes
        each slice of it look for others (findall took 0.44 s at 4,000 briefs, 0.28 s on the bytes)."""
        # Every "<" must begin a plain end tag or a token, and each token be a whole start tag, end tag,
        # comment or doctype (checked by _learn), so that no tag found here sits inside a comment or an
        # attribute value. A valid token holds no "<" but its first: so where some ">" follows the last
        # "<", each "<" begins a token or a plain end tag, and none sits inside another (a "<" no ">"
        # follows begins neither, and an invalid token sends the page to html.parser).
        if data.rfind(b"<") > data.rfind(b">"):
            return None
        tokens = _TOKENS.findall(data)
        found = list(map(self.known.get, tokens))
        if None in found and not self._learn_missing(tokens, found):
            return None
        if self.raw and not self._raw_closed(data, filter(self.raw.__contains__, tokens)):
            return None
        return list(filter(None, found))  # type: ignore[arg-type]

    def _learn_missing(self, tokens: list[bytes], found: list[V | Literal[False] | None]) -> bool:
        """Learns the tags `found` has no reading of yet (None), in document order, and fills them in;
        False at the first one html.parser may read otherwise. Most pages of a site have a few such
        tags among hundreds they share: index() finds them at C speed."""
        known, at = self.known, found.index(None)
        while True:
            token = tokens[at]
            if token not in known and not self._learn(token):
                return False
            found[at] = known[token]
            try:
                at = found.index(None, at + 1)
            except ValueError:
                return True

    def _raw_closed(self, data: bytes, opened: Iterable[bytes]) -> bool:
        """Whether the next "<" after each script or style start tag (in order) begins its end tag."""
        end = 0
        for token in opened:
            end = data.find(b"<" + token, end) + 1 + len(token)
            close = data.find(b"<", end)
            stop = data.find(b">", close) + 1  # an end tag runs to the first ">"
            if close < 0 or not stop or not self.raw[token].fullmatch(data[close:stop].decode("utf-8", "replace")):
                return False
        return True

    def _learn(self, source: bytes) -> bool:
        token = "<" + source.decode("utf-8", "replace")
        # most tags are start tags with only plain attributes, which findall reads as html.parser does
        if (match := _SIMPLE.fullmatch(token)) is not None:
            read = _SIMPLE_ATTR.findall(match[2])
        elif token.startswith("</"):
            return self._valid(source, _END.fullmatch(token) is not None)
        elif token.startswith("<!"):
            return self._valid(source, _DECLARATION.fullmatch(token) is not None)
        elif (match := _START.fullmatch(token)) is not None:
            read = _read_attrs(match[2])
        else:
            return False
        name = match[1].lower()
        if name in _RAW_END:
            self.raw[source] = _RAW_END[name]
        wanted = name in self.wanted or (_ID.search(match[2]) is not None and any(k == "id" for k, _ in read))
        self.known[source] = (self.read(name, read) or False) if wanted else False
        return True

    def _valid(self, source: bytes, valid: bool) -> bool:
        if valid:
            self.known[source] = False
        return valid


def _read_attrs(attrs: str) -> Attrs:
    found: Attrs = []
    for key, given, double, single, bare in _ATTR.findall(attrs):
        value = (double or single or bare) if given else None  # at most one of the three matched
        found.append((key.lower(), unescape(value) if value and "&" in value else value))
    return found
