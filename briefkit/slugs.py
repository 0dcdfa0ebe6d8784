"""Slugs: the URL path segments made from titles, topics and file names."""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_SEGMENT = 255  # bytes in a folder name on most file systems (ext4, APFS, NTFS counts characters)
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# Latin letters NFKD leaves whole, as ASCII (ß -> ss, Øresund -> oresund)
_LATIN = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "đ": "d",
          "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ł": "l", "Ł": "l", "ħ": "h", "Ħ": "h", "ı": "i"}
# characters that show as nothing (zero-width space, non-joiner, joiner, word joiner, BOM): dropped, so that a
# name pasted with one inside a word ("Ko\u200brea") has the slug of the name it looks like, not "ko-rea"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@functools.lru_cache(maxsize=8192)  # topics and outlet names come up in brief after brief
def slugify(text: str) -> str:
    """`Ukraine war` -> `ukraine-war`: accents on Latin letters folded (Île -> ile), ß, æ, ø, œ ... spelt in
    ASCII, other scripts kept as written, their marks included (Київ -> київ, 북한 -> 북한)."""
    return "-".join(_NON_WORD.sub(" ", _folded(text).replace("_", " ").lower()).split())


def _folded(text: str) -> str:
    """The text with accents on Latin letters folded and ß ... spelt out, composed again."""
    if text.isascii():  # no accent, mark, letter to spell out or invisible character: most titles and topics
        return text
    kept, latin = [], False
    for c in unicodedata.normalize("NFKD", text.translate(_INVISIBLE)):
        if unicodedata.combining(c):
            if not latin:
                kept.append(c)
            continue
        c = _LATIN.get(c, c)
        latin = c.isascii()
        kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept))  # before slugify splits: a lone mark is no word character


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
