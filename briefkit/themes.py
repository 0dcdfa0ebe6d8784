"""Theme search path and the Jinja2 environment.

Templates resolve: the site's templates/ -> the chosen theme -> the theme it extends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .diagnostics import Diagnostic, got
from .project import Project, key_line
from .slugs import is_plain_segment


@dataclass(frozen=True)
class Theme:
    """Where a theme's templates and static files are, its chain of `extends:` resolved."""

    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]  # parent first, so a child's file wins
    # each theme of the chain by name, for a template that builds on the one it overrides: "default:base.html"
    named: tuple[tuple[str, Path], ...] = ()


def resolve(project: Project) -> tuple[Theme | None, list[Diagnostic]]:
    """Follow `extends:` from the configured theme; a missing theme, a loop or a theme.yaml that cannot say
    which theme it extends is an error."""
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
            names = " -> ".join([*(d.name for d in chain[chain.index(found):]), found.name])
            return None, [Diagnostic(where, line, key, f"themes extend each other in a loop ({names}); "
                                                       "one of them must extend no theme, or another one")]
        chain.append(found)
        meta_file = found / "theme.yaml"
        where, line, key = project.display(meta_file), key_line(meta_file, "extends"), "extends"
        name, problem = _extends(meta_file, where)
        if problem is not None:
            return None, [problem]
    templates = [project.root / "templates"] if (project.root / "templates").is_dir() else []
    templates += [d / "templates" for d in chain]
    statics = tuple(d / "static" for d in reversed(chain) if (d / "static").is_dir())
    return Theme(tuple(templates), statics, tuple((d.name, d / "templates") for d in chain)), []


def _extends(meta_file: Path, shown: str) -> tuple[str | None, Diagnostic | None]:
    """The theme a theme.yaml extends (None: no file, or no `extends:`), or why it cannot be read."""
    if not meta_file.is_file():
        return None, None
    try:
        text = meta_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, Diagnostic(shown, 0, "", f"cannot be read: {getattr(exc, 'strerror', None) or exc}")
    try:
        meta = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        from .yamlerrors import yaml_error  # imported for a file with a problem only

        return None, yaml_error(shown, text, 1, exc, "theme.yaml")
    except yaml.YAMLError as exc:
        return None, Diagnostic(shown, 0, "theme.yaml", f"invalid YAML: {exc}")
    if meta is None:
        return None, None
    if not isinstance(meta, dict):
        return None, Diagnostic(shown, 1, "theme.yaml", f"should be a mapping of keys (extends: default), "
                                                        f"not a {type(meta).__name__}")
    name = meta.get("extends")
    if name is None:
        return None, None
    if not isinstance(name, str) or not is_plain_segment(name):
        return None, Diagnostic(shown, key_line(meta_file, "extends"), "extends",
                                f"should name a theme's folder under themes/ (like default) {got(name)}")
    return name, None
