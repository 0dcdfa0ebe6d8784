"""Where an external link of the built site was written: the brief field, body line or outlets.yaml entry.

`check --external` finds a link broken on a page; the author fixes it in a file. Pure: reads the
parsed site, no IO.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

from .listings import SiteData

Origin = tuple[str, int, str]  # (shown file, line, field), as a Diagnostic names them


def origins(site: SiteData, url: str, outlets_file: str = "") -> list[Origin]:
    """Every place among the published briefs (and outlets.yaml) that gives `url`, in file order."""
    found = {(path, line, fld) for value, path, line, fld in _fields(site, outlets_file) if value == url}
    if not found:  # a link in a brief's Markdown: the line that holds it, as written or percent-decoded
        for v in site.briefs:
            for i, text in enumerate(v.brief.body.split("\n")):
                if url in text or unquote(url) in text:
                    found.add((v.brief.path, v.brief.body_line + i, "body"))
    return sorted(found)


def _fields(site: SiteData, outlets_file: str) -> Iterator[tuple[str, str, int, str]]:
    """(url, file, line, field) of every URL field of the published briefs and of outlets.yaml."""
    for v in site.briefs:
        b = v.brief
        named = [(f"sources[{s.number}].url", s.url) for s in b.sources]
        named += [(f"narratives[{i}].url", n.url) for i, n in enumerate(b.narratives, start=1)]
        named += [(f"predictions[{i}].url", p.url) for i, p in enumerate(b.predictions, start=1)]
        if b.image is not None:
            named.append(("image.src", b.image.src))
        for fld, value in named:
            if value:
                yield value, b.path, b.line_of(fld), fld
    if outlets_file:
        for i, o in enumerate(site.outlets, start=1):
            if o.url:
                yield o.url, outlets_file, o.line, f"[{i}].url"
