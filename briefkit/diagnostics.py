"""Diagnostic: one problem found in the input, and how it is printed.

Owns the `path:line: field: message` format; prints nothing itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the input: where (path, line, field), what, and how bad."""

    path: str
    line: int
    field: str
    message: str
    severity: str = ERROR
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self) -> str:
        where = f"{self.path}:{self.line}:" if self.line else f"{self.path}:"
        label = "warning: " if self.severity == WARNING else ""
        field = f"{self.field}: " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where} {label}{field}{self.message}{hint}"


def unreadable(path: str, exc: OSError) -> Diagnostic:
    """A file that is there by name but cannot be read: a link to nowhere, a folder, no permission."""
    return Diagnostic(path, 0, "", f"cannot be read: {exc.strerror or exc}")


def got(value: Any) -> str:
    """'(got "12:30")', '(got 5)', '(got a list)': the value a message quotes, text and dates in double quotes
    as everywhere else, and never Python's spelling of it (datetime.date(2024, 10, 1), {'a': 1}, None)."""
    if isinstance(value, (str, date)):
        return f'(got "{value}")'
    if isinstance(value, (list, dict)):
        return f"(got a {'list' if isinstance(value, list) else 'mapping'})"
    if value is None or isinstance(value, bool):
        return f"(got {'nothing' if value is None else str(value).lower()})"
    return f"(got {value!r})"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A `did you mean "x"?` hint for a near miss, or an empty string."""
    import difflib  # only for a near miss: a build with none need not load it

    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else ""


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.path, d.line, 0 if d.is_error else 1, d.field, d.message)


def sorted_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=sort_key)


def count_line(diags: list[Diagnostic]) -> str:
    errors = sum(1 for d in diags if d.is_error)
    warnings = len(diags) - errors
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
