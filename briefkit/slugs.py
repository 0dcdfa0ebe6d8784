"""Slugs: the URL path segments made from titles, topics and file names."""

from __future__ import annotations

import re
import unicodedata

_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str) -> str:
    """`Ukraine war` -> `ukraine-war`; accents folded, other scripts kept as is."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", folded.replace("_", " ").lower()).split()
    return "-".join(words)


def is_plain_segment(slug: str) -> bool:
    """True for a lowercase ASCII path segment: letters, digits, `-` and `_` inside."""
    return bool(_SLUG_RE.match(slug))
