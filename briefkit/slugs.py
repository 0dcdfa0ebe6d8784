"""Slugs: the URL path segments made from titles, topics and file names."""

from __future__ import annotations

import re
import unicodedata

MAX_SEGMENT = 255  # bytes in a folder name on most file systems (ext4, APFS, NTFS counts characters)
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str) -> str:
    """`Ukraine war` -> `ukraine-war`; accents folded, other scripts kept as is (composed again after the
    folding took them apart: `북한` stays two syllables, not six letters)."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", folded.replace("_", " ").lower()).split()
    return unicodedata.normalize("NFC", "-".join(words))


def is_plain_segment(slug: str) -> bool:
    """True for a lowercase ASCII path segment: letters, digits, `-` and `_` inside."""
    return bool(_SLUG_RE.match(slug))


def too_long(slug: str) -> str:
    """Why a slug cannot be a folder name of the site, or "" when it can."""
    size = len(slug.encode("utf-8"))
    if size <= MAX_SEGMENT:
        return ""
    chars = f"{len(slug)} characters" + ("" if size == len(slug) else f", {size} bytes")
    return f"makes a folder name of {chars}; at most {MAX_SEGMENT} bytes fit"
