"""A fast scan of plainly written HTML for its start tags, giving what html.parser would give.

It takes only pages every part of which has one reading (text without "<", quoted or simple
attributes, comments without "--" or "<", script and style without "<"); anything else is None,
and the caller parses that page with html.parser.
"""

from __future__ import annotations

import re
from html import unescape

_NAME = r"[a-zA-Z][a-zA-Z0-9-]*"
_ATTR_NAME = r"[a-zA-Z_:@][-a-zA-Z0-9_:.@]*"
# an unquoted value must end where html.parser ends it: at whitespace or ">" (not "/", which it keeps)
_VALUE = r"""(?:"[^"<]*"|'[^'<]*'|[^\s"'=<>`/]+(?=[\s>]))"""
_ATTRS = rf"(?:\s+{_ATTR_NAME}(?:\s*=\s*{_VALUE})?)*"
_RAW = r"(?i:script|style)"  # html.parser reads their content as text up to the end tag
_DOCUMENT = re.compile(
    rf"""(?:[^<]+
        | <(?!{_RAW}[\s/>]){_NAME}{_ATTRS}\s*/?>
        | <{_RAW}{_ATTRS}\s*>[^<]*</{_RAW}\s*>
        | </{_NAME}\s*>
        | <!--(?!-?>)(?:[^<-]|-(?!-))*-->
        | <!(?i:doctype)[^<>]*>
    )*""",
    re.VERBOSE,
)
_START = re.compile(rf"<({_NAME})({_ATTRS})\s*/?>")
# findall gives "" for a group that did not take part: the second group tells `name` from `name=""`
_ATTR = re.compile(rf"""\s+({_ATTR_NAME})(\s*=\s*(?:"([^"<]*)"|'([^'<]*)'|([^\s"'=<>`/]+)))?""")


def start_tags(text: str, wanted: frozenset[str]) -> list[tuple[str, list[tuple[str, str | None]]]] | None:
    """(tag, attributes) of each start tag that is in `wanted` or has an id, in document order, the way
    html.parser reports them (names lowercased, values unescaped, None for a bare attribute); None when
    the page is not plain enough to be sure of that."""
    if _DOCUMENT.fullmatch(text) is None:
        return None
    # the document matched, so every "<" begins a tag, end tag, comment or doctype: a start tag found
    # here cannot sit inside a comment, script, or attribute value
    tags = []
    for name, attrs in _START.findall(text):
        tag = name.lower()
        if tag not in wanted and "id" not in attrs.lower():
            continue
        found: list[tuple[str, str | None]] = []
        for key, given, double, single, bare in _ATTR.findall(attrs):
            value = (double or single or bare) if given else None  # at most one of the three matched
            found.append((key.lower(), unescape(value) if value else value))
        tags.append((tag, found))
    return tags
