"""The build key: what every page of a build depends on as a whole, the engine, the theme, site.yaml,
outlets.yaml, the build's settings and its date (the build cache compares it with the last good build's)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import __version__
from .changes import DAY, content_hash
from .project import Project
from .themes import resolve

PACKAGE = Path(__file__).resolve().parent


def generator_version() -> str:
    """briefkit's version and the bytes of its code: a changed engine rebuilds everything."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    for file in sorted(PACKAGE.glob("*.py")):
        h.update(file.name.encode() + b"\0" + file.read_bytes())
    return h.hexdigest()


def build_key(project: Project, outlets: tuple[str, bytes] | None, clock: Mapping[str, Any],
              options: dict[str, Any]) -> dict[str, str]:
    """What a build's every page depends on: a change to any part but the date (DAY) rebuilds everything.

    `clock` holds the build's time values; one besides the date counts only when a template names it.
    """
    theme, _ = resolve(project)
    h = hashlib.blake2b(digest_size=16)
    sources = ""
    for folder in (theme.template_dirs + theme.static_dirs) if theme else ():
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = file.read_bytes()
            h.update(str(file).encode() + b"\0" + content_hash(data).encode())
            if folder in theme.template_dirs:  # type: ignore[union-attr]
                sources += data.decode("utf-8", "replace")
    site_yaml = project.site_file.read_bytes() if project.site_file.is_file() else b""
    # a template-wide value such as build_time only counts when some template names it
    used = {name: repr(value) for name, value in sorted(clock.items()) if name in sources and name != DAY}
    return {
        DAY: repr(clock.get(DAY)),
        "generator": generator_version(),
        "templates": h.hexdigest() if theme else "missing",
        "site.yaml": content_hash(site_yaml),
        "outlets.yaml": content_hash(outlets[1]) if outlets else "",
        "settings": content_hash(repr((project.config, project.drafts, str(project.out), os.getcwd(),
                                       used, sorted(options.items()))).encode()),
    }
