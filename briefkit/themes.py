"""Theme search path and the Jinja2 environment.

Templates resolve: the site's templates/ -> the chosen theme -> the theme it extends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .diagnostics import Diagnostic
from .project import Project, key_line


@dataclass(frozen=True)
class Theme:
    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]  # parent first, so a child's file wins


def resolve(project: Project) -> tuple[Theme | None, list[Diagnostic]]:
    """Follow `extends:` from the configured theme; a missing theme or a loop is an error."""
    chain: list[Path] = []
    name: str | None = project.config.theme
    where, line, key = "--theme", 0, "theme"
    if project.site_file.is_file():
        where, line = project.display(project.site_file), key_line(project.site_file, "theme")
    while name:
        found = next((d / name for d in project.theme_dirs() if (d / name).is_dir()), None)
        if found is None:
            known = sorted({p.name for d in project.theme_dirs() if d.is_dir() for p in d.iterdir() if p.is_dir()})
            return None, [Diagnostic(where, line, key, f'no theme "{name}" (have: {", ".join(known)})')]
        if found in chain:
            return None, [Diagnostic(project.display(found / "theme.yaml"), 1, "extends", "themes extend each other in a loop")]
        chain.append(found)
        meta_file = found / "theme.yaml"
        meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        name = (meta or {}).get("extends")
        where, line, key = project.display(meta_file), key_line(meta_file, "extends"), "extends"
    templates = [project.root / "templates"] if (project.root / "templates").is_dir() else []
    templates += [d / "templates" for d in chain]
    statics = tuple(d / "static" for d in reversed(chain) if (d / "static").is_dir())
    return Theme(tuple(templates), statics), []

