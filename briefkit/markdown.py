"""Markdown for briefs: markdown-it-py set up once, plus the citation-marker rule.

`[1]`, `[1][2]`, `[1, 3]` and `[2-4]` become links to numbered sources. Pure: text in,
HTML and diagnostics out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from . import rawhtml
from .diagnostics import Diagnostic
from .model import Brief
from .packed import Packed, packs
from .slugs import slugify

if TYPE_CHECKING:  # markdown-it itself loads with the first brief converted, not with the RenderedBrief type
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

MARKER = re.compile(r"\[(\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?)*)\]")
_LINK_SCHEMES = {"", "http", "https", "mailto"}
_LEADING = "".join(map(chr, range(0x21)))  # what a browser strips from an address's start: controls and space
_SCHEMELESS = re.compile(rf"[{re.escape(_LEADING)}]*[/\\]{{2}}")
_CLOSING = ".,;:!?)]}…’”»"  # punctuation that follows a word without a space
MAX_RANGE = 200


def parse_marker(inner: str) -> list[int] | None:
    """`1, 3` -> [1, 3]; `2-4` -> [2, 3, 4]; None for a reversed or huge range."""
    if inner.isdecimal():  # most markers: [3]
        return [int(inner)]
    numbers: list[int] = []
    for part in inner.split(","):
        lo_s, _, hi_s = part.replace("–", "-").partition("-")
        lo = int(lo_s)
        hi = int(hi_s) if hi_s.strip() else lo
        if hi < lo or hi - lo > MAX_RANGE:
            return None
        numbers.extend(range(lo, hi + 1))
    return numbers


def _citation_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[":
        return False
    m = MARKER.match(state.src, state.pos, state.posMax)
    if not m:
        return False
    end = m.end()
    if end < state.posMax and state.src[end] == "(":
        return False  # a real link: [1](https://...)
    if silent:
        # validation mode is parseLinkLabel skipping over a link's text, which refuses a text holding a
        # token that opens with "[" (a nested link); as plain brackets, [the report [2]](url) stays a link
        return False
    token = state.push("citation", "", 0)
    token.content = m.group(0)
    token.meta = {"numbers": parse_marker(m.group(1)), "pos": state.pos}
    state.pos = end
    return True


def _after_parse(state: Any) -> None:
    """What the parse leaves to do, in one pass over its tokens: markers moved out of links and images
    (_citations_after_links), an id on each heading, and each table made reachable by keyboard."""
    seen: set[str] = set()  # the headings' ids so far
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        kind = tok.type
        if kind == "inline":
            if tok.children:
                _citations_after_links(tok)
        elif kind == "heading_open":
            if i + 1 < len(tokens):
                base = slugify(tokens[i + 1].content) or "section"
                anchor, n = base, 1
                while anchor in seen:
                    n += 1
                    anchor = f"{base}-{n}"
                seen.add(anchor)
                tok.attrSet("id", anchor)
        elif kind == "table_open":  # a table scrolls sideways when wider than the page (style.css)
            tok.attrSet("tabindex", "0")


def _citations_after_links(tok: Token) -> None:
    """A marker in a link's text goes right after the link: a link (the marker's) inside a link is not HTML.
    So does one in an image's description, which is plain text (the alt): there it linked nothing, and a
    marker naming no source went unreported."""
    out: list[Token] = []
    held: list[Token] = []
    depth = 0
    for child in tok.children or ():
        depth += (child.type == "link_open") - (child.type == "link_close")
        if depth and child.type == "citation":
            if out and out[-1].type == "text":
                out[-1].content = out[-1].content.rstrip()  # "[the report [2]](url)": no space left in the link
            held.append(child)
            continue
        out.append(child)
        if child.type == "image" and child.children and any(c.type == "citation" for c in child.children):
            alt = [c for c in child.children if c.type != "citation"]
            if alt and alt[-1].type == "text":
                alt[-1].content = alt[-1].content.rstrip()  # ![chart [2]](c.png): alt "chart"
            held += [c for c in child.children if c.type == "citation"]
            child.children = alt
        if not depth and held:
            out += held
            held = []
    tok.children = out


def _render_citation(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    meta = tokens[idx].meta
    refs = env.setdefault("citations", {})
    numbers = meta["numbers"] or []
    parts = []
    for n in numbers:
        uses = refs.setdefault(n, [])
        anchor = f"cite-{n}-{len(uses) + 1}"
        uses.append((anchor, meta.get("place") or env.get("context", "Facts")))
        parts.append(f'<a href="#source-{n}" id="{anchor}" aria-label="Source {n}">{n}</a>')
    return f'<sup class="cite">[{", ".join(parts)}]</sup>'


@lru_cache(maxsize=2)
def markdown(allow_html: bool) -> MarkdownIt:
    """The shared parser; raw HTML is escaped unless the site allows it."""
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import normalize

    md = MarkdownIt("commonmark", {"html": allow_html}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # schemes are checked, with a diagnostic, in _check_links
    md.core.ruler.at("normalize", _normalized(normalize))
    md.inline.ruler.before("link", "citation", _citation_rule)
    pairing = md.inline.ruler2.getRules("")
    md.inline.ruler2.disable(md.inline.ruler2.get_active_rules())
    md.inline.ruler2.push("pairing", _paired(pairing))
    md.core.ruler.push("after_parse", _after_parse)
    md.add_render_rule("citation", _render_citation)
    for name in ("fence", "code_block"):
        md.add_render_rule(name, _focusable_pre(md.renderer.rules[name]))  # type: ignore[attr-defined]
    return md


def _normalized(default: Callable[[Any], None]) -> Callable[[Any], None]:
    """markdown-it's normalize (line endings to \\n, NUL to U+FFFD) runs two regex substitutions over every text
    it is given, the first replacing each \\n with itself: a text with neither \\r nor NUL (nearly every body,
    narrative and claim, some 24,000 texts at 4,000 briefs) is left as it is without them."""
    def normalize(state: Any) -> None:
        if "\r" in state.src or "\0" in state.src:
            default(state)
    return normalize


def _paired(steps: list[Callable[[Any], None]]) -> Callable[[Any], None]:
    """markdown-it's steps after parsing a text's inline Markdown (balance_pairs, strikethrough, emphasis,
    fragments_join): they pair emphasis-like markers (*, _, ~~), turning them into tags or leaving them as text
    joined to the text around, and set each token's level. A text that has no such marker, at its top or inside
    a link (nearly every fact, narrative and claim: some 47,000 texts at 4,000 briefs), gives them nothing to pair
    and no text tokens side by side to join, and its tokens have the levels they were made with: the four steps
    would change nothing, and are not run."""
    def pairing(state: Any) -> None:
        if state.delimiters or any(meta and meta["delimiters"] for meta in state.tokens_meta):
            for step in steps:
                step(state)
    return pairing


def _focusable_pre(default: Callable[..., str]) -> Callable[..., str]:
    """A code block's <pre> as the default renderer makes it, reachable by keyboard as a table is."""
    def render(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return default(tokens, idx, options, env).replace("<pre>", '<pre tabindex="0">', 1)
    return render


@dataclass(frozen=True)
class Fact:
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
