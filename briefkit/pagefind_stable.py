"""Pagefind's bundle made byte-stable: the same pages give the same index files, run after run.

Pagefind (1.x) writes each filter's values in the order of a hash map it seeds at random, so the
filter files of two runs over the same pages differ, and with them their names, the metadata file
that names them and pagefind-entry.json that names it. Here each filter's values are put in order,
the file is renamed after what it now holds, and the names in the metadata and the entry file follow.
Only the order of whole entries changes: Pagefind's reader finds the same filters, values and pages.

The files are gzip'd CBOR after a "pagefind_dcd" signature. A file that is not as expected is left as
Pagefind wrote it: the index still works, only not byte-stable.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re

SIGNATURE = b"pagefind_dcd"
_FILTER = re.compile(r"pagefind/filter/(?P<name>[A-Za-z0-9_-]+_(?P<hash>[0-9a-f]+))\.pf_filter")
_META = re.compile(r"pagefind/pagefind\.(?P<name>[A-Za-z0-9_-]+_(?P<hash>[0-9a-f]+))\.pf_meta")
ENTRY = "pagefind/pagefind-entry.json"


class NotCbor(ValueError):
    """The data is not the CBOR this module knows how to read."""


def _end(data: bytes, at: int) -> int:
    """Where the CBOR item starting at `at` ends (definite lengths only, as Pagefind writes them)."""
    if at >= len(data):
        raise NotCbor("truncated")
    major = data[at] >> 5
    arg, at = _argument(data, at), _header_end(data, at)
    if major in (0, 1, 7):  # integers; simple values and floats carry their bits in the head
        return at
    if major in (2, 3):  # byte and text strings
        return at + arg
    if major == 6:  # a tag, then the item it tags
        return _end(data, at)
    for _ in range(arg * (2 if major == 5 else 1)):  # an array's items, a map's keys and values
        at = _end(data, at)
    return at


def _header_end(data: bytes, at: int) -> int:
    """Where the head of the item at `at` (its type and length) ends."""
    info = data[at] & 31
    if info < 24:
        return at + 1
    if info <= 27:
        return at + 1 + (1 << (info - 24))
    raise NotCbor("indefinite length")


def _argument(data: bytes, at: int) -> int:
    """The length (or value) the head of the item at `at` gives."""
    info = data[at] & 31
    return info if info < 24 else int.from_bytes(data[at + 1:_header_end(data, at)], "big")


def _items(data: bytes, at: int) -> tuple[int, list[bytes], int]:
    """The array at `at`: where its items begin, each item's bytes, and where it ends."""
    if data[at] >> 5 != 4:
        raise NotCbor("not an array")
    items, pos = [], _header_end(data, at)
    start = pos
    for _ in range(_argument(data, at)):
        end = _end(data, pos)
        items.append(data[pos:end])
        pos = end
    return start, items, pos


def sorted_filter(raw: bytes) -> bytes:
    """A filter file's content (decompressed) with its values in order: [name, [[value, [pages]], ...]]."""
    if not raw.startswith(SIGNATURE):
        raise NotCbor("no signature")
    at = len(SIGNATURE)
    if raw[at] >> 5 != 4 or _argument(raw, at) != 2:
        raise NotCbor("not a filter")
    name_at = _header_end(raw, at)
    values_at = _end(raw, name_at)
    start, values, end = _items(raw, values_at)
    if end != len(raw):
        raise NotCbor("trailing bytes")
    ordered: list[bytes] = sorted(values, key=_by_name)
    return raw[:start] + b"".join(ordered) + raw[end:]


def sorted_meta(raw: bytes, filters: set[str]) -> bytes:
    """The metadata file's content (decompressed) with its list of filters, [[name, file], ...], and its list
    of sort keys, [[name, [pages]], ...], in order; the other lists (pages, index chunks) keep theirs."""
    if not raw.startswith(SIGNATURE):
        raise NotCbor("no signature")
    start, parts, end = _items(raw, len(SIGNATURE))
    if end != len(raw):
        raise NotCbor("trailing bytes")
    out = []
    for part in parts:
        if part[0] >> 5 == 4:
            head, items, _ = _items(part, 0)
            if items and all(_is_named(item, filters) for item in items):
                ordered: list[bytes] = sorted(items, key=_by_name)
                part = part[:head] + b"".join(ordered)
        out.append(part)
    return raw[:start] + b"".join(out)


def _is_named(item: bytes, filters: set[str]) -> bool:
    """Whether `item` is [text, name of a filter file] or [text, array]: an entry of an unordered list."""
    if item[0] != 0x82 or item[1] >> 5 != 3:
        return False
    second = _end(item, 1)
    if item[second] >> 5 == 4:
        return True
    if item[second] >> 5 != 3:
        return False
    text = item[_header_end(item, second):].decode("utf-8")
    return text in filters


def _by_name(item: bytes) -> tuple[str, bytes]:
    """An entry [name, ...] by its name (a filter's value, a filter's or sort key's name), then its bytes."""
    if item[0] >> 5 != 4 or len(item) < 2 or item[1] >> 5 != 3:
        return "", item
    return item[_header_end(item, 1):_end(item, 1)].decode("utf-8", "replace"), item


def _renamed(old: str, content: bytes) -> str:
    """A file's name (`en_8794263`) with its hash part replaced by one of `content`, of the same length."""
    lang, _, digest = old.rpartition("_")
    return f"{lang}_{hashlib.sha256(content).hexdigest()[:len(digest)]}"


def _pack(content: bytes) -> bytes:
    return gzip.compress(content, compresslevel=9, mtime=0)


def stabilize(bundle: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle ({"pagefind/...": bytes}) with its filter files in order and everything naming them
    renamed to match; the bundle as it was when any file is not as Pagefind 1.x writes it."""
    try:
        return _stabilized(bundle)
    except (NotCbor, OSError, EOFError, ValueError, KeyError, IndexError):  # gzip, json and CBOR surprises
        return bundle


def _stabilized(bundle: dict[str, bytes]) -> dict[str, bytes]:
    out = dict(bundle)
    renames: dict[str, str] = {}  # old name -> new name, as the metadata spells them
    for path in list(out):
        m = _FILTER.fullmatch(path)
        if m is None:
            continue
        content = sorted_filter(gzip.decompress(out.pop(path)))
        new = _renamed(m["name"], content)
        renames[m["name"]] = new
        out[f"pagefind/filter/{new}.pf_filter"] = _pack(content)
    if not renames:
        return bundle
    entry = out[ENTRY].decode("utf-8")
    for path in [p for p in out if _META.fullmatch(p)]:
        m = _META.fullmatch(path)
        assert m is not None
        content = gzip.decompress(out.pop(path))
        for old, new in renames.items():  # CBOR text of the same length: the structure is untouched
            if content.count(_text(old)) != 1:
                raise NotCbor(f"the metadata names {old} {content.count(_text(old))} times")
            content = content.replace(_text(old), _text(new))
        content = sorted_meta(content, set(renames.values()))
        new_meta = _renamed(m["name"], content)
        out[f"pagefind/pagefind.{new_meta}.pf_meta"] = _pack(content)
        if entry.count(f'"{m["name"]}"') != 1:
            raise NotCbor(f"pagefind-entry.json names {m['name']} {entry.count(m['name'])} times")
        entry = entry.replace(f'"{m["name"]}"', f'"{new_meta}"')
    json.loads(entry)  # still JSON
    out[ENTRY] = entry.encode("utf-8")
    return dict(sorted(out.items()))


def _text(s: str) -> bytes:
    """`s` as a CBOR text string."""
    data = s.encode("utf-8")
    n = len(data)
    if n < 24:
        return bytes([0x60 | n]) + data
    if n < 256:
        return bytes([0x78, n]) + data
    return bytes([0x79]) + n.to_bytes(2, "big") + data
