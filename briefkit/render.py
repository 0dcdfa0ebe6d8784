"""Render pages through the theme into bytes in memory; writes nothing.

Template mistakes become diagnostics naming the template file and line.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import jinja2

from .diagnostics import Diagnostic
from .listings import MONTHS, Page, SiteData, url_of
from .project import SiteConfig


@dataclass(frozen=True)
class PageInfo:
    """What every template gets as `page`."""

    title: str
    description: str
    path: str
    url: str
    canonical: str


def long_date(value: date | datetime) -> str:
    """23 October 2024"""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def iso(value: date | datetime) -> str:
    return value.isoformat()


def percent(value: float) -> str:
    """0.7 -> 70%; 0.065 -> 6.5%"""
    return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"


def absolute(config: SiteConfig, url: str) -> str:
    """A site URL made absolute with base_url's scheme and host, when it has them."""
    if "://" not in config.base_url:
        return url
    scheme, rest = config.base_url.split("://", 1)
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}{url}"


def make_globals(config: SiteConfig) -> dict[str, Any]:
    return {
        "url": lambda path="": url_of(config, path),
        "absolute": lambda url: absolute(config, url),
    }


def configure(env: jinja2.Environment, config: SiteConfig) -> None:
    env.filters.update(long_date=long_date, iso=iso, percent=percent)
    env.globals.update(make_globals(config))


class Output:
    """The site in memory: output path -> bytes, and who asked for each path."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.origins: dict[str, str] = {}

    def add(self, path: str, data: bytes, origin: str) -> list[Diagnostic]:
        """Add one file; a second claim on the same path is an error naming both."""
        if path in self.files:
            first = self.origins[path]
            return [Diagnostic(origin, 0, "output", f"{path} is also written by {first}; change one of them")]
        self.files[path] = data
        self.origins[path] = origin
        return []


def render_pages(env: jinja2.Environment, site: SiteData, pages: list[Page], out: Output,
                 extra: dict[str, Any] | None = None) -> list[Diagnostic]:
    """Render every page into `out`; collect template errors instead of stopping at the first."""
    configure(env, site.config)
    diags: list[Diagnostic] = []
    failed_templates: set[str] = set()
    for page in pages:
        if page.template in failed_templates:
            continue
        url = url_of(site.config, page.path)
        info = PageInfo(page.title, page.description, page.path, url, absolute(site.config, url))
        try:
            template = env.get_template(page.template)
            html = template.render(site=site, config=site.config, page=info, **(extra or {}), **page.context)
        except jinja2.TemplateSyntaxError as exc:
            failed_templates.add(page.template)
            diags.append(Diagnostic(_shown(exc.filename or page.template), exc.lineno, "template", exc.message or str(exc)))
            continue
        except jinja2.TemplateNotFound as exc:
            failed_templates.add(page.template)
            diags.append(Diagnostic(page.template, 0, "template", f"not found in the theme ({exc.name})"))
            continue
        except Exception as exc:  # noqa: BLE001 - any error inside a template is the theme's, shown with its line
            failed_templates.add(page.template)
            where, line = _template_frame(exc)
            diags.append(Diagnostic(where or page.template, line, "template",
                                    f"{type(exc).__name__}: {exc} (rendering {page.path})"))
            continue
        diags.extend(out.add(page.path, html.encode("utf-8"), page.origin))
    return diags


def _template_frame(exc: BaseException) -> tuple[str, int]:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".json")):
            return _shown(frame.filename), frame.lineno or 0
    return "", 0


def _shown(filename: str) -> str:
    try:
        return os.path.relpath(filename)
    except ValueError:  # pragma: no cover
        return filename

