"""Why a YAML text failed to load, worded for its author: the line where the trouble starts (an unclosed
quote or bracket opens above where the parser noticed), and what to do about tabs, indentation, a colon
inside a value or a key glued to its value.

Pure functions over the text and PyYAML's error; frontmatter.load turns their answer into its diagnostic.
"""

from __future__ import annotations

import re
import sys

import yaml

from .diagnostics import Diagnostic

KEY_ON_LINE = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*:")


def yaml_error(path: str, text: str, first: int, exc: yaml.MarkedYAMLError, whole: str) -> Diagnostic:
    """The diagnostic for a YAML text starting at file line `first` that failed to load; its field is the key
    on the line named, else `whole` (what the text is: "front matter", "site.yaml")."""
    src_lines = text.split("\n")
    mark = exc.problem_mark or exc.context_mark
    line_no = (mark.line if mark else 0)
    problem = (exc.problem or "").strip()
    tabbed = line_no < len(src_lines) and _TAB_INDENT.match(src_lines[line_no])
    opened = None if tabbed else _unclosed(src_lines, exc)
    if opened is not None:  # the parser noticed only further down, at the next key or the end
        line_no = opened
    src = src_lines[line_no] if line_no < len(src_lines) else ""
    key = KEY_ON_LINE.match(src)
    fld = key.group(1) if key else whole

    def said(message: str, hint: str = "") -> Diagnostic:
        return Diagnostic(path, line_no + first, fld, message, hint=hint)

    if tabbed:  # told from the text: each parser words it its own way, and libyaml in several
        return said("a tab in YAML indentation; indent with spaces")
    if opened is not None and exc.context_mark is not None:
        column = exc.context_mark.column
        char = src[column:column + 1]
        if "simple key" in (exc.context or ""):
            if glued := _GLUED_KEY.match(src):
                return said(f"a key needs a space after its colon (write {glued.group(1)}: {glued.group(2)})")
            return said(f'a line with no key (got "{src.strip()}"); write key: value, or indent it to '
                        "continue the value above")
        if char in "[{":
            what, closer = ("list", "]") if char == "[" else ("mapping", "}")
            return said(f"the {char} at column {column + 1} opens a {what} that is never closed; end it with {closer}")
        return said(f"the {char} at column {column + 1} opens a quoted value that is never closed; end it with {char}")
    if mark is not None and (misplaced := _misindented(src_lines, line_no, mark.column)):
        return said(misplaced)
    if "mapping values are not allowed" in problem:
        value = src.split(":", 1)[1].strip() if key else ""
        quoted = f'"{value}"' if '"' not in value else "'" + value.replace("'", "''") + "'"
        return said("a colon followed by a space inside an unquoted value; put the value in quotes",
                    hint=f"e.g. {fld}: {quoted}" if value and value[0] not in "\"'" else "")
    context = f" {exc.context}" if exc.context else ""
    return said(f"invalid YAML: {problem}{context}".rstrip())


_TAB_INDENT = re.compile(r"^ *\t")
_GLUED_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):(\S.*?)\s*$")  # topics:abc


_KEY_LINE = re.compile(r"^( *)(-\s+)?([A-Za-z_][\w-]*)[ \t]*:(?:\s+(.*))?$")


def _misindented(src_lines: list[str], line_no: int, column: int) -> str:
    """Why a `key:` line the parser stumbled on (at the key or its colon) does not line up with the keys
    above it, or "" when it does: indented deeper than a key with a value continues that value, and a
    column no key above has ends every block above it."""
    here = _KEY_LINE.match(src_lines[line_no]) if line_no < len(src_lines) else None
    if here is None or here.group(2) or column not in (here.end(1), src_lines[line_no].index(":")):
        return ""
    indent = len(here.group(1))
    keys: list[tuple[int, int, str]] = []  # (indentation, column, key) of the key lines above, block scalars skipped
    text_under = -1  # the column of a key whose value is a block of text (| or >) over the lines below it
    for line in src_lines[:line_no]:
        stripped = line.lstrip(" ")
        at = len(line) - len(stripped)
        if not stripped or stripped.startswith("#") or (text_under >= 0 and at > text_under):
            continue
        text_under = -1
        if m := _KEY_LINE.match(line):
            keys.append((at, at + len(m.group(2) or ""), m.group(3)))
            if (m.group(4) or "")[:1] in ("|", ">"):
                text_under = keys[-1][1]
    open_at: dict[int, str] = {}  # column -> the nearest key above whose block is still open there
    limit = sys.maxsize
    for at, col, name in reversed(keys):
        if at <= limit:
            open_at.setdefault(col, name)
            limit = at
    if not open_at or indent in open_at:
        return ""
    deeper = [col for col in open_at if col > indent]
    if not deeper:
        return f"indented more than `{open_at[max(open_at)]}:` above it; line the keys of one entry up"
    shallower = [col for col in open_at if col < indent]
    also = f" and more than `{open_at[max(shallower)]}:`" if shallower else ""
    return f"indented less than `{open_at[min(deeper)]}:` above it{also}; line it up with the keys it belongs with"


def _unclosed(src_lines: list[str], exc: yaml.MarkedYAMLError) -> int | None:
    """The line where a quote, [ or { that is never closed opens, or a line with no key begins: the parser
    finds out only at the next key or the end, and names that line."""
    start, end, context = exc.context_mark, exc.problem_mark, exc.context or ""
    if start is None or end is None:
        return None
    if "quoted scalar" in context:
        return start.line if "end of stream" in (exc.problem or "") else None
    if end.line <= start.line:
        return None
    if "simple key" in context:
        return start.line
    if "flow sequence" in context or "flow mapping" in context:
        after = src_lines[end.line] if end.line < len(src_lines) else ""
        indent = len(src_lines[start.line]) - len(src_lines[start.line].lstrip())
        # a key no deeper than the line with the bracket: the author moved on without closing it
        if not after.strip() or (KEY_ON_LINE.match(after) and len(after) - len(after.lstrip()) <= indent):
            return start.line
    return None
