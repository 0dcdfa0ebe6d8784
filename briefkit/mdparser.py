"""The shared markdown-it parser: CommonMark with tables and strikethrough, the citation-marker rule, and the
steps after each parse (markers moved out of links, heading ids, tables and code reachable by keyboard).

`[1]`, `[1][2]`, `[1, 3]` and `[2-4]` become links to numbered sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .slugs import slugify

if TYPE_CHECKING:  # markdown-it itself loads with the first brief converted, not with the RenderedBrief type
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

MARKER = re.compile(r"\[(\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?)*)\]")
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
