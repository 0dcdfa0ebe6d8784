"""A brief's Markdown made HTML (by mdparser's markdown-it): its body, facts, narratives and claims, each
citation marker checked against the numbered sources and each link and raw HTML address against the
allowed schemes. Pure: text in, HTML and diagnostics out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from . import rawhtml
from .diagnostics import Diagnostic
from .mdparser import markdown
from .model import Brief
from .packed import Packed, packs

if TYPE_CHECKING:  # markdown-it itself loads with the first brief converted, not with the RenderedBrief type
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_LINK_SCHEMES = {"", "http", "https", "mailto"}
_LEADING = "".join(map(chr, range(0x21)))  # what a browser strips from an address's start: controls and space
_SCHEMELESS = re.compile(rf"[{re.escape(_LEADING)}]*[/\\]{{2}}")
_CLOSING = ".,;:!?)]}…’”»"  # punctuation that follows a word without a space


@dataclass(frozen=True)
class Fact:
    """One fact of a brief's list, and the numbers of the sources it cites."""

    text: str  # plain text without markers
    sources: tuple[int, ...]
    line: int


@packs
@dataclass
class RenderedBrief(Packed):
    """A brief's Markdown turned into HTML, with who cites which source."""

    brief: Brief
    body_html: str
    narratives_html: tuple[str, ...]
    claims_html: tuple[str, ...]
    corrections_html: tuple[str, ...]
    facts: tuple[Fact, ...]
    citations: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    narratives_elsewhere: tuple[str, ...] = ()  # render_elsewhere of each narrative, for the outlet pages
    claims_elsewhere: tuple[str, ...] = ()  # ... of each prediction's claim, for the forecasts page
    corrections_elsewhere: tuple[str, ...] = ()  # ... of each correction, for the corrections page

    # what the build cache keeps packed: what only the brief's own page and feed entry show; apart, the facts,
    # read by the story changes of the briefs that tell a story (a fifth), and by a page shown afresh
    PACKED: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("body_html", "narratives_html", "claims_html", "corrections_html", "citations"), ("facts",))


def render_brief(brief: Brief, allow_html: bool = False) -> tuple[RenderedBrief, list[Diagnostic]]:
    """Render the body, narratives, claims and corrections; check every marker and link."""
    md = markdown(allow_html)
    env: dict[str, Any] = {"citations": {}}
    diags: list[Diagnostic] = []
    tokens = md.parse(brief.body, env)
    if (len(tokens) >= 3 and tokens[0].type == "heading_open"
            and tokens[1].content.strip().lower() == "facts"):
        tokens = tokens[3:]
    _check(brief, tokens, brief.body_line, "body", diags)
    facts = _facts(tokens, brief.body_line)
    env["context"] = "Facts"
    body_html = md.renderer.render(tokens, md.options, env)

    def inline(text: str, fld: str, context: str) -> tuple[str, str]:
        """The HTML for the brief's page, and for the pages that show it elsewhere (elsewhere())."""
        env["context"] = context
        toks = md.parseInline(text, env)
        _check(brief, toks, brief.line_of(fld), fld, diags, lambda pos: brief.line_in(fld, pos))
        return md.renderer.render(toks, md.options, env), elsewhere(md, toks)

    narratives = [inline(n.text, f"narratives[{i}].text", f"{n.perspective} narrative")
                  for i, n in enumerate(brief.narratives, start=1)]
    claims = [inline(p.claim, f"predictions[{i}].claim", f"Prediction {i}")
              for i, p in enumerate(brief.predictions, start=1)]
    corrections = [inline(c.text, f"corrections[{i}].text", f"Correction {i}")
                   for i, c in enumerate(brief.corrections, start=1)]
    return RenderedBrief(
        brief, body_html, tuple(h for h, _ in narratives), tuple(h for h, _ in claims),
        tuple(h for h, _ in corrections), facts, env["citations"],
        # the outlet, forecasts and corrections pages show these again: made here, they are cached with
        # the brief across builds
        narratives_elsewhere=tuple(e for _, e in narratives), claims_elsewhere=tuple(e for _, e in claims),
        corrections_elsewhere=tuple(e for _, e in corrections)), diags


def elsewhere(md: MarkdownIt, tokens: list[Token]) -> str:
    """Inline Markdown of a brief (parsed and checked) for another page (forecasts, outlets): citation
    markers are dropped, since they point at the brief's own source list."""
    for tok in tokens:
        if tok.children:
            tok.children = _without_markers(tok.children)
    return md.renderer.render(tokens, md.options, {"citations": {}}).strip()


def _without_markers(children: list[Token]) -> list[Token]:
    """Inline tokens without their citation markers, nor the space before one that punctuation, another
    space or the end of the text would now follow ("as reported [2]." -> "as reported.")."""
    kept: list[Token] = []
    for i, child in enumerate(children):
        if child.type != "citation":
            kept.append(child)
            continue
        after = next((c for c in children[i + 1:] if c.type != "citation"), None)
        closes_up = after is None or after.type in ("softbreak", "hardbreak") or (
            after.type == "text" and (after.content[:1].isspace() or after.content[:1] in _CLOSING))
        if closes_up and kept and kept[-1].type == "text":
            kept[-1].content = kept[-1].content.rstrip()
    return kept


def _walk_inline(tokens: list[Token], first_line: int, line_at: Callable[[int], int] | None = None):
    """Yield (inline child token, file line) for every inline token in a block stream; `line_at` gives the
    file line of an offset in the text of parseInline (a front-matter text, whose lines YAML may fold)."""
    for tok in tokens:
        if tok.type == "inline" and tok.children is not None:
            base = first_line + (tok.map[0] if tok.map else 0)
            for child in tok.children:
                pos = child.meta.get("pos", 0) if child.meta else 0  # a marker's; others are at the start
                if line_at is not None:
                    yield child, line_at(pos)
                else:
                    yield child, base + tok.content.count("\n", 0, pos) if pos else base
        elif tok.children:  # tokens from parseInline have no block wrapper
            yield from _walk_inline(tok.children, first_line, line_at)
        else:  # a block token, such as the html_block of raw HTML
            yield tok, first_line + (tok.map[0] if tok.map else 0)


_CHECKED = frozenset(["link_open", "link_close", "image", "citation", "html_block", "html_inline"])  # what _check reads


def _check(brief: Brief, tokens: list[Token], first_line: int, fld: str, diags: list[Diagnostic],
           line_at: Callable[[int], int] | None = None) -> None:
    count = len(brief.sources)
    raw: list[tuple[str, int]] = []  # raw HTML (allow_html), with its lines
    opened: Token | None = None  # the link just opened, until something shows in it
    for tok, line in _walk_inline(tokens, first_line, line_at):
        kind = tok.type
        if kind not in _CHECKED:  # text, a paragraph ...: only closes a link with something in it
            opened = None
            continue
        if kind == "link_close" and opened is not None:  # [](url), or [[1]](url) once its marker moved out
            diags.append(Diagnostic(brief.path, line, fld, f'a link with no text to click (to "{opened.attrGet("href")}"); '
                                                           "write the words it links, e.g. [the report [1]](https://...)"))
        opened = tok if kind == "link_open" else None
        if kind == "citation":
            numbers = tok.meta["numbers"]
            if numbers is None:
                diags.append(Diagnostic(brief.path, line, fld, f"{tok.content} is not a valid citation range"))
                continue
            missing = [n for n in numbers if not 1 <= n <= count]
            if missing:
                have = f"this brief has {count} source{'s' if count != 1 else ''}"
                diags.append(Diagnostic(brief.path, line, fld,
                                        f"{tok.content} cites source {missing[0]}, which does not exist ({have})"))
        elif tok.type in ("link_open", "image"):
            attr = "href" if tok.type == "link_open" else "src"
            target = str(tok.attrGet(attr) or "")
            problem, hint = _link_problem(target, "an image" if tok.type == "image" else "", tok.type == "image")
            if problem:
                diags.append(Diagnostic(brief.path, line, fld, f'{problem} (got "{_shown(target)}")', hint=hint))
                tok.attrSet(attr, "#")
        elif tok.type in ("html_block", "html_inline"):
            raw.append((tok.content, line))
    if raw:
        _check_raw(brief, raw, fld, diags)


def _link_problem(target: str, loaded: str, image: bool = False) -> tuple[str, str]:
    """What is wrong with the address of a link, or of what the page loads (`loaded` names it: "an image"),
    and a hint; ("", "") when nothing is. An `image` may also be a data:image/ URL."""
    if m := _SCHEMELESS.match(target):  # a browser takes //host (and /\host) as a host, not a path from the root
        return f"{loaded or 'a link'} with no scheme", f"give the scheme: https://{target[m.end():]}"
    scheme = urlsplit(target).scheme.lower()
    if not loaded:
        return ("only http, https and mailto links are allowed", "") if scheme not in _LINK_SCHEMES else ("", "")
    if scheme == "http":  # mixed content: as for the image of the front matter, only https
        return (f"{loaded} must be an https URL or a path",
                f"a page served over https does not load it over http; write https:{target.split(':', 1)[1]}")
    if scheme == "data" and image and target[5:].lstrip().lower().startswith("image/"):
        return "", ""  # a picture written into the page: it runs nothing and fetches nothing
    return (f"{loaded} must be an https URL or a path", "") if scheme not in ("", "https") else ("", "")


def _shown(url: str) -> str:
    """A URL as a message quotes it: a long one (a data: URL) cut short."""
    return url if len(url) <= 80 else url[:77] + "..."


def _check_raw(brief: Brief, raw: list[tuple[str, int]], fld: str, diags: list[Diagnostic]) -> None:
    """Raw HTML (allow_html): its addresses checked as Markdown links are, and no element left open."""
    found = rawhtml.scan(raw)
    for a in found.addresses:
        problem, hint = _link_problem(a.url, "an address" if a.loaded else "", a.tag in ("img", "source"))
        if problem:
            diags.append(Diagnostic(brief.path, a.line, fld, f'{problem} (got "{_shown(a.url)}" in <{a.tag} {a.attr}>)',
                                    hint=hint))
    for line, what, closer in found.unclosed:
        slash = " (HTML ignores the slash)" if what.endswith("/>") else ""
        diags.append(Diagnostic(brief.path, line, fld, f"{what} is never closed{slash}: a browser would take the rest "
                                                       "of the page into it", hint=f"end it with {closer}"))


def _facts(tokens: list[Token], first_line: int) -> tuple[Fact, ...]:
    """Top-level list items of the body: the brief's facts, with the sources each cites. Each marker in the
    n-th item (or in a list under it) is named `Fact n` for its source's backlink."""
    facts: list[Fact] = []
    depth = 0
    in_item = False  # an item opened at the top level whose text is still to come (it stays on past an empty one)
    for tok in tokens:
        kind = tok.type
        if kind == "inline":
            children = tok.children
            if children is None or not (depth or in_item):
                continue
            place = f"Fact {len(facts) + in_item}" if depth else ""  # in_item: its fact is not yet in
            if not in_item:
                for child in children:
                    if child.type == "citation":
                        child.meta["place"] = place
                continue
            cited: list[int] = []
            text: list[str] = []
            for child in children:  # one pass: the markers named, the sources and text gathered
                kind = child.type
                if kind == "citation":
                    if place:
                        child.meta["place"] = place
                    cited += child.meta["numbers"] or [0]
                elif kind == "text" or kind == "code_inline":
                    text.append(child.content)
                elif kind == "softbreak" or kind == "hardbreak":
                    text.append(" ")
            line = first_line + (tok.map[0] if tok.map else 0)
            facts.append(Fact(" ".join("".join(text).split()), tuple(dict.fromkeys(cited)), line))
            in_item = False
        elif kind == "bullet_list_open" or kind == "ordered_list_open":
            depth += 1
        elif kind == "bullet_list_close" or kind == "ordered_list_close":
            depth -= 1
        elif kind == "list_item_open" and depth == 1:
            in_item = True
    return tuple(facts)
