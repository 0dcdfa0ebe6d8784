"""Which warnings serve prints after a build: those new since the last good build in full, a count for the rest.

A large site may have a thousand standing warnings; printed again on every save, they would bury what the
save changed. Compares the warnings' printed lines; prints nothing itself.
"""

from __future__ import annotations

from .diagnostics import Diagnostic, count_line


class Warned:
    """The warnings of the last good build, as printed."""

    def __init__(self) -> None:
        self.printed: set[str] = set()

    def since(self, diags: list[Diagnostic]) -> tuple[list[str], str]:
        """A good build's warnings to print in full (not printed for the last one), and its count line."""
        lines = [d.format() for d in diags if not d.is_error]
        new = [line for line in lines if line not in self.printed]
        self.printed = set(lines)
        before = len(lines) - len(new)
        said = count_line(diags)
        if before:
            said += ", printed before" if not new else f", {before} of them printed before"
        return new, said
