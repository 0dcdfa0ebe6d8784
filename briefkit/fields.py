"""Field kinds for declared schemas: coerce one YAML value or report why it cannot be.

Each kind is a function `(value, at, ctx) -> value | BAD`; it appends diagnostics to ctx.
schema.py and project.py declare fields with these; nothing else knows YAML types.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from urllib.parse import urlsplit

from .diagnostics import WARNING, Diagnostic, did_you_mean, got
from .frontmatter import REORDERING, UNUSUAL, Document, Path_, field_name, reordering, unwritable
from .slugs import is_plain_segment, slugify, too_long

BAD: Any = object()
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
# most URLs: a lowercase http(s) scheme, a plain host name and no whitespace, which urlsplit would take
_PLAIN_URL = re.compile(r"https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*\.?"
                        r"(?:[/?#]\S*)?")
# a host name: labels of letters and digits (any script), hyphens and underscores inside, joined by dots
_HOST = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W_](?:[\w-]*[^\W_])?\.?")
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")


@dataclass
class Ctx:
    """What a field's check reads and reports to: the file, its parsed YAML, the site's timezone."""

    path: str
    doc: Document
    tz: tzinfo
    diags: list[Diagnostic] = field(default_factory=list)

    def line(self, at: Path_) -> int:
        while at and at not in self.doc.lines:
            at = at[:-1]
        return self.doc.lines.get(at, 1)

    def error(self, at: Path_, message: str, hint: str = "") -> Any:
        self.diags.append(Diagnostic(self.path, self.line(at), field_name(at), message, hint=hint))
        return BAD

    def warn(self, at: Path_, message: str, hint: str = "") -> None:
        self.diags.append(Diagnostic(self.path, self.line(at), field_name(at), message, WARNING, hint))


Kind = Callable[[Any, Path_, Ctx], Any]


@dataclass(frozen=True)
class Field:
    """One key of a YAML file: its name, what it takes, what it is for, and whether it must be given."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: Any = None


def _quote_hint(raw: str) -> str:
    return f'write "{raw}" in quotes'


def text(value: Any, at: Path_, ctx: Ctx) -> Any:
    """A string; YAML 1.1 booleans and times read as numbers are refused with a fix."""
    if isinstance(value, str):
        if UNUSUAL.search(value):
            if why := unwritable(value):
                return ctx.error(at, why, "a YAML escape such as \\x1b in double quotes makes one; remove it")
            if found := REORDERING.search(value):
                ctx.warn(at, f"{reordering(found.group())}; remove it")
        return value.strip()
    raw = ctx.doc.plain.get(at)
    if value is None:
        return ctx.error(at, "is empty; give it a value")
    if isinstance(value, bool):
        return ctx.error(at, f"YAML read {raw or value} as {'true' if value else 'false'}, not text", _quote_hint(raw or str(value)))
    if raw is not None and _SEXAGESIMAL.match(raw):
        return ctx.error(at, f"YAML read {raw} as the number {value}, not text", _quote_hint(raw))
    if isinstance(value, (int, float, date)) and raw is not None:
        return raw
    return ctx.error(at, f"must be text (got {type(value).__name__})")


def nonempty_text(value: Any, at: Path_, ctx: Ctx) -> Any:
    out = text(value, at, ctx)
    if out is not BAD and not out:
        return ctx.error(at, "is empty; give it a value")
    return out


def country(value: Any, at: Path_, ctx: Ctx) -> Any:
    """A two-letter ISO 3166 country code, upper-cased ("us" is US); empty for none."""
    out = text(value, at, ctx)
    if out is BAD or not out:
        return out
    if not (len(out) == 2 and out.isascii() and out.isalpha()):
        return ctx.error(at, f"must be a two-letter country code (ISO 3166), such as US or GB {got(value)}")
    return out.upper()


def url(value: Any, at: Path_, ctx: Ctx) -> Any:
    """An absolute http(s) URL."""
    out = text(value, at, ctx)
    if out is BAD:
        return BAD
    return check_url(out, at, ctx)


def image_source(out: str, at: Path_, ctx: Ctx) -> Any:
    """An image's src: a path to a file under content/, or an https URL (a page served over https shows no
    image fetched over http)."""
    if "://" in out:
        if check_url(out, at, ctx) is BAD:
            return BAD
        if out.lower().startswith("https:"):
            return out
    elif not out.startswith("/") and ".." not in out.split("/"):
        return out
    return ctx.error(at, f'must be a path inside content/ or an https URL (got "{out}")')


def check_url(out: str, at: Path_, ctx: Ctx) -> Any:
    if _PLAIN_URL.fullmatch(out):
        return out
    return check_split_url(out, at, ctx)


def check_split_url(out: str, at: Path_, ctx: Ctx) -> Any:
    """check_url for any text: urlsplit's reading of it."""
    try:
        parts = urlsplit(out)
    except ValueError:  # brackets that do not hold an IP address ("https://[x]/")
        return ctx.error(at, f'not a URL (got "{out}")', "write it in full, starting with https://")
    scheme = parts.scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return ctx.error(at, f'only http and https links are allowed (got "{out}")')
    if not scheme or not parts.netloc or " " in out:
        return ctx.error(at, f'not a URL (got "{out}")', "write it in full, starting with https://")
    if not _plausible_host(parts.hostname or ""):
        return ctx.error(at, f'not a URL: "{parts.hostname or parts.netloc}" is not a host name (got "{out}")',
                         "write the link in full, e.g. https://www.reuters.com/...")
    return out


def _plausible_host(host: str) -> bool:
    """A dotted host name, an IP address or localhost: not the "..." of a link left to fill in."""
    if host == "localhost" or _HOST.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def slug(value: Any, at: Path_, ctx: Ctx) -> Any:
    out = text(value, at, ctx)
    if out is BAD:
        return BAD
    if not is_plain_segment(out):
        suggestion = slugify(out)
        return ctx.error(
            at, f'"{out}" is not a plain path segment (lowercase letters, digits, - and _)',
            f'did you mean "{suggestion}"?' if suggestion and is_plain_segment(suggestion) else "",
        )
    return out


def folder_slug(value: Any, at: Path_, ctx: Ctx) -> Any:
    """A slug that names a folder of the site (a brief's, a story's)."""
    out = slug(value, at, ctx)
    if out is not BAD and (why := too_long(out)):
        return ctx.error(at, f'"{out[:40]}..." {why}')
    return out


def boolean(value: Any, at: Path_, ctx: Ctx) -> Any:
    if isinstance(value, bool):
        return value
    return ctx.error(at, f"must be true or false {got(ctx.doc.plain.get(at, value))}")


def optional_boolean(value: Any, at: Path_, ctx: Ctx) -> Any:
    """true, false, or null (not yet known)."""
    if value is None or isinstance(value, bool):
        return value
    # "open", "pending", "null" in quotes: told only "true or false", an author could settle it by mistake
    return ctx.error(at, f"must be true, false or null {got(ctx.doc.plain.get(at, value))}",
                     "null while it is open, true or false once settled, without quotes")


def integer(lo: int, hi: int) -> Kind:
    def kind(value: Any, at: Path_, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return ctx.error(at, f"must be a whole number from {lo} to {hi} {got(value)}")
        raw = ctx.doc.plain.get(at)
        if raw is not None and _SEXAGESIMAL.match(raw):  # 12:30 is 750 to YAML 1.1, in range and silently used
            return ctx.error(at, f"YAML read {raw} as the number {value}; write a whole number from {lo} to {hi}")
        if not lo <= value <= hi:
            return ctx.error(at, f"must be from {lo} to {hi} (got {value})")
        return value
    return kind


def number(lo: float, hi: float) -> Kind:
    def kind(value: Any, at: Path_, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return ctx.error(at, f"must be a number from {lo:g} to {hi:g} {got(value)}")
        if not lo <= value <= hi:
            return ctx.error(at, f"must be from {lo:g} to {hi:g} (got {value:g})")
        return float(value)
    return kind


def parse_probability(value: Any) -> float | str:
    """0.7, 1, "70%" or "0.7" -> a float in 0..1, or a message saying why not."""
    if isinstance(value, bool) or value is None:
        return f"must be a number from 0 to 1 or a percentage like \"70%\" {got(value)}"
    if isinstance(value, str):
        m = _PERCENT.match(value)
        if m:
            pct = float(m.group(1))
            if pct > 100:
                return f"is outside 0..100% (got \"{value.strip()}\")"
            return pct / 100
        try:
            value = float(value)
        except ValueError:
            return f"must be a number from 0 to 1 or a percentage like \"70%\" (got \"{value}\")"
    if not isinstance(value, (int, float)) or math.isnan(value):
        return f"must be a number from 0 to 1 {got(value)}"
    if not 0 <= value <= 1:
        if float(value).is_integer() and 1 < value <= 100:  # a whole number: surely a percentage
            return f'is outside 0..1 (got {value:g}); write {value / 100:g} or "{value:g}%"'
        return f'is outside 0..1 (got {value:g}); write a fraction from 0 to 1, or a percentage like "70%"'
    return float(value)


def probability(value: Any, at: Path_, ctx: Ctx) -> Any:
    raw = ctx.doc.plain.get(at)
    if isinstance(value, bool) and raw is not None:
        return ctx.error(at, f'must be a number from 0 to 1 or a percentage like "70%" (YAML read {raw} as {str(value).lower()})')
    out = parse_probability(value)
    return ctx.error(at, out) if isinstance(out, str) else out


def _parse_when(value: Any) -> date | datetime | None:
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        s = value.strip()
        try:
            if len(s) == 10:
                return date.fromisoformat(s)
            if s[-1:] in ("z", "Z"):  # RFC 3339 allows either case
                s = s[:-1] + "+00:00"
            return datetime.fromisoformat(s.replace(" ", "T", 1))
        except ValueError:
            return None
    return None


def day_only(value: Any) -> bool:
    """Whether a date is written without a time (2024-10-24), as moment() reads it."""
    when = _parse_when(value)
    return isinstance(when, date) and not isinstance(when, datetime)


def moment(value: Any, at: Path_, ctx: Ctx) -> Any:
    """A date or date-time in the site's timezone: date-only and naive values are taken in it, and one with its
    own offset is converted to it (the same instant), so every page shows and files it by the site's dates."""
    if value is None:  # `date:` with nothing after it: "not a date (got None)" said Python, not YAML
        return ctx.error(at, "is empty; give it a value", "write YYYY-MM-DD or 2024-10-24T09:30:00+02:00")
    raw = ctx.doc.plain.get(at)
    if isinstance(value, str) and not value.strip():  # updated: "" said 'not a date (got "")'
        return ctx.error(at, "is empty; give it a value", "write YYYY-MM-DD or 2024-10-24T09:30:00+02:00")
    when = _parse_when(raw if raw is not None else value)
    if when is None:
        when = _parse_when(value)
    if when is None:
        return ctx.error(at, f"not a date {got(raw or value)}", "write YYYY-MM-DD or 2024-10-24T09:30:00+02:00")
    if not isinstance(when, datetime):
        when = datetime.combine(when, time(0, 0), ctx.tz)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=ctx.tz)
    try:  # pages and feeds give it in UTC too: the first and last hours of years 1 and 9999 cannot be
        when.astimezone(UTC)
        return when.astimezone(ctx.tz)
    except OverflowError:
        return ctx.error(at, f"is too early or too late to show {got(raw or value)}", "write a year from 2 to 9998")


def day(value: Any, at: Path_, ctx: Ctx) -> Any:
    """A calendar date (YYYY-MM-DD)."""
    if value is None:
        return ctx.error(at, "is empty; give it a value", "write YYYY-MM-DD")
    raw = ctx.doc.plain.get(at)
    if isinstance(value, str) and not value.strip():  # updated: "" said 'not a date (got "")'
        return ctx.error(at, "is empty; give it a value", "write YYYY-MM-DD or 2024-10-24T09:30:00+02:00")
    when = _parse_when(raw if raw is not None else value)
    if when is None:
        return ctx.error(at, f"not a date {got(raw or value)}", "write YYYY-MM-DD")
    if isinstance(when, datetime):
        try:
            return when.astimezone(ctx.tz).date() if when.tzinfo else when.date()
        except OverflowError:  # 0001-01-01T00:00:00+05:00 is in year 0 in UTC
            return ctx.error(at, f"is too early or too late to show {got(raw or value)}", "write a year from 2 to 9998")
    return when


def list_of(item: Kind, example: str = "") -> Kind:
    def kind(value: Any, at: Path_, ctx: Ctx) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            hint = f"e.g. {example}" if example else ""
            if isinstance(value, dict) and value and not example:  # one entry written without its dash
                key, first = next(iter(value.items()))
                shown = ctx.doc.plain.get(at + (key,), first) if isinstance(first, (str, int, float, date)) else "..."
                hint = f"start each entry with a dash: - {key}: {shown}"
            return ctx.error(at, "must be a list", hint)
        out = [item(v, at + (i,), ctx) for i, v in enumerate(value, start=1)]
        return out if BAD not in out else BAD
    return kind


def mapping(fields: list[Field], open_keys: bool = False) -> Kind:
    """A mapping with declared keys; unknown keys get an error with a did-you-mean hint."""
    by_name = {f.name: f for f in fields}

    def kind(value: Any, at: Path_, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            # `- Reuters` for `- name: Reuters`: the key it wants, where one key is all a mapping needs
            needed = [fld.name for fld in fields if fld.required]
            dash = "- " if at and isinstance(at[-1], int) else ""
            hint = f"write {dash}{needed[0]}: {value}" if isinstance(value, str) and value and len(needed) == 1 else ""
            shown = ctx.doc.plain.get(at, value) if isinstance(value, date) else value  # a date as written
            return ctx.error(at, f"must be a mapping of {', '.join(by_name)} {got(shown)}", hint)
        return check_mapping(value, at, ctx, by_name, open_keys)
    return kind


UNKNOWN_KEY = "unknown key"


def check_mapping(value: dict[str, Any], at: Path_, ctx: Ctx, by_name: dict[str, Field],
                  open_keys: bool = False, partial: bool = False) -> Any:
    """The checked values by key, or BAD when any is wrong; with `partial`, the values anyway, BAD
    standing for each that is (so checks across fields can still look at the others)."""
    out: dict[str, Any] = {}
    ok = True
    for key, v in value.items():
        spec = by_name.get(key)
        if spec is None:
            if not open_keys:
                # no near miss (tags: for topics:, link: for url:): the keys it could have been
                ctx.error(at + (key,), UNKNOWN_KEY, did_you_mean(key, by_name) or f"known keys: {', '.join(by_name)}")
                ok = False
            continue
        if v is None and not spec.required and spec.kind is not optional_boolean:
            out[key] = spec.default
            continue
        got = spec.kind(v, at + (key,), ctx)
        if got is BAD:
            ok = False
        out[key] = got
    for name, spec in by_name.items() if len(out) < len(by_name) else ():  # (out holds only keys of by_name)
        if name not in out:
            if spec.required:
                ctx.error(at + (name,), "required field is missing")
                ok = False
            out[name] = spec.default
    return out if ok or partial else BAD
