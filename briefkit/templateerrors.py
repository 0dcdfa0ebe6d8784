"""Why a page's template failed, worded for a theme author: the template file and line it failed at, and
for a misspelt name or attribute the nearest one that exists.

Pure: the exception and what the page offered in; a diagnostic out. render.render_page calls it.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import traceback
from collections.abc import Collection, Iterable
from typing import Any

import jinja2

from .diagnostics import Diagnostic, did_you_mean
from .project import display_path

_NO_ATTRIBUTE = re.compile(r"^'(?P<owner>[\w.]+) object' has no attribute '(?P<name>[^']+)'$")
_UNDEFINED = re.compile(r"^'(?P<name>[^']+)' is undefined$")
# what a template reads through one of briefkit's wrappers is named as what it wraps (a build with the cache
# reads `site` through a recorder, reads.SiteReads); builtins get no near miss (a dict's "items" misleads)
_SHOWN_AS = {"briefkit.reads.SiteReads": "briefkit.listings.SiteData",
             "briefkit.reads.MappingReads": "builtins.dict"}
_ALSO = {"briefkit.listings.BriefView": "briefkit.model.Brief"}  # a view's __getattr__ reads on the brief's fields


def template_problem(exc: BaseException, template: str, page_path: str, searched: Iterable[str],
                     names: Collection[str]) -> Diagnostic:
    """The diagnostic for `exc`, raised rendering `page_path` with the page template `template`; `searched`:
    the theme's template folders, `names`: the variables the page's templates could use."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Diagnostic(display_path(exc.filename or template), exc.lineno, "template", exc.message or str(exc))
    where, line = template_frame(exc)
    if isinstance(exc, jinja2.TemplateNotFound):  # the page's own template, or one it extends, includes or imports
        looked = ", ".join(display_path(d) + "/" for d in searched)
        if where:
            return Diagnostic(where, line, "template", f'no template "{exc.name}" in the theme (looked in {looked})')
        return Diagnostic(template, 0, "template", f"not found in the theme, and {page_path} needs it (looked in {looked})")
    if isinstance(exc, RecursionError):  # a template that extends or includes itself: base.html extending "base.html"
        return Diagnostic(where or template, line, "template",
                          f"extends or includes itself, directly or through other templates (rendering {page_path}); "
                          "to build on the template of the same name it overrides, name that one by its theme: "
                          '{% extends "default:base.html" %}')
    if isinstance(exc, jinja2.UndefinedError):
        return Diagnostic(where or template, line, "template", f"{undefined(str(exc), names)} (rendering {page_path})")
    return Diagnostic(where or template, line, "template", f"{type(exc).__name__}: {exc} (rendering {page_path})")


def undefined(message: str, names: Collection[str]) -> str:
    """Jinja's "'briefkit.project.SiteConfig object' has no attribute 'autor'" as 'SiteConfig has no attribute
    "autor" (did you mean "author"?)', and "'sit' is undefined" with the nearest of `names`."""
    if m := _NO_ATTRIBUTE.match(message):
        owner, name = _SHOWN_AS.get(m["owner"], m["owner"]), m["name"]
        near = did_you_mean(name, _attributes(owner) + (_attributes(_ALSO[owner]) if owner in _ALSO else []))
        return f'{owner.rsplit(".", 1)[-1]} has no attribute "{name}"' + (f" ({near})" if near else "")
    if m := _UNDEFINED.match(message):
        near = did_you_mean(m["name"], names)
        return f'"{m["name"]}" is undefined' + (f" ({near})" if near else "")
    return f"UndefinedError: {message}"


def _attributes(owner: str) -> list[str]:
    """The public attributes of one of briefkit's classes, by its dotted name; none for any other type."""
    module, _, name = owner.rpartition(".")
    if not module.startswith("briefkit"):
        return []
    try:
        kind: Any = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return []
    fields = [f.name for f in dataclasses.fields(kind)] if dataclasses.is_dataclass(kind) else []
    return [a for a in {*dir(kind), *fields} if not a.startswith("_")]


def template_frame(exc: BaseException) -> tuple[str, int]:
    """The template file and line the exception was raised at (the innermost), or ("", 0)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".json")):
            return display_path(frame.filename), frame.lineno or 0
    return "", 0
