"""Serve's quick pass: an edit to a brief already on the site re-renders that brief's own page at once.

The page is drawn from the last good build with the edited brief in it (its own balance panel and
page head recomputed); the full rebuild that follows brings everything else up to date (lists,
related briefs, forecast history, search), and until it ends serve says so in the browser.
Writes nothing itself: it returns the page's bytes.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import checks, metadata, scorecard
from .engine import environment
from .listings import BriefView, SiteData, brief_page
from .markdown import render_brief
from .outlets import registry
from .pipeline import build_time
from .project import Project, is_brief
from .render import configure, render_page
from .stages import parse_one
from .themes import resolve


@dataclass
class QuickPage:
    path: str  # output path, e.g. briefs/x/index.html
    url: str  # URL path under the base path, e.g. /repo/briefs/x/
    data: bytes


class Snapshot:
    """The last good full build as the quick pass needs it: the site's views and a theme ready to render."""

    def __init__(self, project: Project, site: SiteData, theme_key: str = "", earlier: Snapshot | None = None):
        """`theme_key` names the templates' version; an `earlier` snapshot of the same one lends its compiled
        templates, so the first edit after a rebuild does not wait for Jinja to compile them again."""
        self.project, self.site, self.theme_key = project, site, theme_key
        self.env: jinja2.Environment | None = None
        if earlier is not None and earlier.env is not None and theme_key and earlier.theme_key == theme_key:
            self.env = earlier.env
        else:
            theme, problems = resolve(project)
            if theme is not None and not problems:
                self.env = environment(theme)
        if self.env is not None:
            configure(self.env, site.config)
            try:
                self.env.get_template("brief.html")  # compiled now, on the build thread
            except jinja2.TemplateError:
                pass  # the quick pass will not render with a broken template: _render says so
        self.by_path = {v.brief.path: v for v in site.briefs}
        self.registry = registry(site.outlets, present=bool(site.outlets))
        self.outlet_views = {ov.outlet.slug: ov for ov in site.extra.get("outlets", ())}

    def quick_pass(self, changed: Collection[Path]) -> list[QuickPage] | None:
        """The new pages of the edited briefs, or None when the edit needs the full build to show right.

        Only edits to briefs already on the site qualify, and only when the brief keeps its page (same
        slug, still published). New, removed or renamed briefs, other files, and any problem in the
        edited file leave it to the full build, which reports what is wrong. A file of content/ that is
        gone and was no brief nor outlets.yaml does not: an editor's or a tool's temporary file that came
        and went while it saved (vim's 4913, the one `sed -i` renames over the brief).
        """
        if self.env is None or not changed:
            return None
        pages = []
        for file in sorted(set(changed)):
            if self._came_and_went(file):
                continue
            view = self._view_for(file)
            page = self._render(view) if view is not None else None
            if page is None:
                return None
            pages.append(page)
        return pages

    def _came_and_went(self, file: Path) -> bool:
        """A file under content/ that is not there now, and whose going changes no brief's page."""
        if not file.is_relative_to(self.project.content) or os.path.lexists(file):
            return False
        return not is_brief(file.name) and file != self.project.content / "outlets.yaml"

    def _view_for(self, file: Path) -> BriefView | None:
        shown = self.project.display(file)
        old = self.by_path.get(shown)
        if old is None or not is_brief(file.name):
            return None
        try:
            raw = file.read_bytes()
        except OSError:
            return None
        brief, problems = parse_one(shown, raw, self.project.config.tz)
        if brief is None or any(d.is_error for d in problems):
            return None
        if brief.slug != old.brief.slug or brief.draft != old.brief.draft:
            return None  # the brief moves to another page, or leaves the site
        rendered, problems = render_brief(brief, self.project.config.allow_html)
        if any(d.is_error for d in problems + checks.check_rendered(rendered)):
            return None
        view = dataclasses.replace(old, rendered=rendered, extra=dict(old.extra), own_extra=set(old.own_extra))
        c = self.site.config
        if "balance" in view.extra:  # its sources may have changed
            scorecard.brief_panels(view, self.registry, self.outlet_views, c.balance["threshold"],
                                   c.balance["min_rated"])
        if metadata.EXTRA_KEY in view.extra:  # its head: title, description, sources
            view.extra[metadata.EXTRA_KEY] = metadata.brief_extra(c, view)
        return view

    def _render(self, view: BriefView) -> QuickPage | None:
        """The brief's page, rendered; None on a template error."""
        assert self.env is not None
        page = brief_page(view)
        extra: dict[str, Any] = {"build_time": build_time()}
        html, problems = render_page(self.env, self.site, self.site, page, extra)
        return None if problems or html is None else QuickPage(page.path, view.url, html)
