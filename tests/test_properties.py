"""Property tests of the small parsers every brief goes through."""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from briefkit.fields import BAD, Ctx, check_split_url, check_url, parse_probability
from briefkit.frontmatter import Document, load, split
from briefkit.markdown import render_brief
from briefkit.mdparser import markdown, parse_marker
from briefkit.schema import parse_brief
from briefkit.slugs import is_plain_segment, slugify

line = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x85\u2028\u2029"),
               max_size=40)


@given(st.lists(line, max_size=8), st.lists(line, max_size=8))
def test_splitter_returns_yaml_and_body_unchanged(yaml_lines: list[str], body_lines: list[str]) -> None:
    assume(all(ln.rstrip(" \t") != "---" and ln != "..." for ln in yaml_lines))
    yaml_text, body = "\n".join(yaml_lines), "\n".join(body_lines)
    parts, diags = split("x.md", f"---\n{yaml_text}\n---\n{body}")
    assert not diags and parts is not None
    assert parts.yaml_text == yaml_text
    assert parts.body == body
    assert parts.body_line == max(len(yaml_lines), 1) + 3


@given(st.lists(line, max_size=5))
def test_splitter_without_closing_fence_says_so(yaml_lines: list[str]) -> None:
    assume(all(ln.rstrip(" \t") != "---" and ln != "..." for ln in yaml_lines))
    parts, diags = split("x.md", "---\n" + "\n".join(yaml_lines))
    assert parts is None
    assert diags[0].message.startswith("not closed")


TRICKY_SCALARS = ["yes", "No", "on", "OFF", "y", "true", "False", "null", "~", "Null", "", "0", "-1", "+2", "0x1F",
                  "0o17", "017", "1_000", "1e3", "1.5e-3", ".5", "-.inf", ".NaN", "2024-10-23", "2024-10-23 12:30:00",
                  "2024-1-2", "2024-13-45", "12:30", "1:30:00", "<<", "=", "-", "Reuters", "BBC News", "9 lives"]
scalar = st.one_of(st.sampled_from(TRICKY_SCALARS), line.map(str.strip))


def _keys_as_text(value: object) -> object:
    if isinstance(value, dict):  # briefkit keeps a key as written (1:, null:), where YAML makes 1 and None
        return {str(k): _keys_as_text(v) for k, v in value.items()}
    return [_keys_as_text(v) for v in value] if isinstance(value, list) else value


yaml_value = st.recursive(
    st.one_of(st.sampled_from(TRICKY_SCALARS), st.text(max_size=10), st.integers(), st.booleans(), st.none(),
              st.floats(allow_nan=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(min_size=1, max_size=8), inner,
                                                                          max_size=4)), max_leaves=20)


@given(st.dictionaries(st.text(min_size=1, max_size=8), yaml_value, max_size=5), st.booleans(), st.integers(0, 6))
def test_yaml_with_anchors_loads_as_safe_load_reads_it(data: dict, flow: bool, repeats: int) -> None:
    # a value written once and repeated by alias (YAML writes a shared value as &id001 and *id001) is no
    # "billion laughs": the alias budget must let it through, and the values are YAML's
    shared = next((v for v in data.values() if isinstance(v, (list, dict))), None)
    for i in range(repeats if shared is not None else 0):
        data[f"again{i}"] = shared
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    expected = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    doc, diags = load("x.md", text)
    assert doc is not None and not diags
    assert repr(doc.data) == repr(_keys_as_text(expected if expected is not None else {}))


@given(st.lists(st.tuples(st.sampled_from(["name", "lean", "yes", "date", "url"]), scalar), max_size=6))
def test_front_matter_values_are_what_yaml_safe_load_gives(pairs: list[tuple[str, str]]) -> None:
    # the loader remembers how it read each unquoted scalar: a second reading must agree with the first
    text = "".join(f"k{i}_{k}: {v}\n" for i, (k, v) in enumerate(pairs))
    try:
        # the loader the project reads with (libyaml's, where present): it and PyYAML's differ on "k: !"
        expected = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, ValueError):
        assume(False)
    for _ in range(2):
        doc, diags = load("x.md", text)
        assert doc is not None and not diags
        assert repr(doc.data) == repr(expected if expected is not None else {})  # repr: nan is not nan


url_text = st.text(alphabet=st.sampled_from("aZ09.-_:/?#@[]% \t\u00a0\u00e9"), max_size=20)


@given(st.sampled_from(["https://", "http://", "HTTP://", "ftp://", "https:", "//", ""]), url_text)
def test_the_quick_url_check_agrees_with_urlsplit(scheme: str, rest: str) -> None:
    def verdict(check):  # type: ignore[no-untyped-def]
        ctx = Ctx("x.md", Document({}), ZoneInfo("UTC"))
        return check(scheme + rest, ("url",), ctx) is BAD, [d.message for d in ctx.diags]

    assert verdict(check_url) == verdict(check_split_url)


ranges = st.lists(st.tuples(st.integers(1, 60), st.integers(0, 5)), min_size=1, max_size=5)


@given(ranges)
def test_marker_parser_expands_lists_and_ranges(parts: list[tuple[int, int]]) -> None:
    inner = ", ".join(f"{lo}" if span == 0 else f"{lo}-{lo + span}" for lo, span in parts)
    expected = [n for lo, span in parts for n in range(lo, lo + span + 1)]
    assert parse_marker(inner) == expected


@given(st.integers(1, 50), st.integers(1, 50))
def test_reversed_ranges_are_refused(a: int, b: int) -> None:
    assume(a > b)
    assert parse_marker(f"{a}-{b}") is None


@given(st.lists(st.integers(1, 9), min_size=1, max_size=6))
def test_markers_in_a_fact_link_to_exactly_the_cited_sources(numbers: list[int]) -> None:
    sources = "".join(f"  - name: S{n}\n" for n in range(1, 10))
    markers = "".join(f"[{n}]" for n in numbers)
    text = f"---\ntitle: T\ndate: 2024-10-23\nsources:\n{sources}---\n- Fact.{markers}\n"
    brief, diags = parse_brief("x.md", text, ZoneInfo("UTC"))
    assert brief is not None, diags
    rendered, problems = render_brief(brief)
    assert not problems
    assert rendered.facts[0].sources == tuple(dict.fromkeys(numbers))
    assert sorted(rendered.citations) == sorted(set(numbers))
    assert sum(len(v) for v in rendered.citations.values()) == len(numbers)


@given(st.text(max_size=60))
def test_slugify_gives_plain_segments_and_is_idempotent(text: str) -> None:
    slug = slugify(text)
    assert slugify(slug) == slug
    if slug.isascii() and slug:
        assert is_plain_segment(slug)


@given(st.text(max_size=60))
def test_slugs_of_composed_text_stay_composed(text: str) -> None:
    # folding accents takes Hangul syllables apart; the slug puts them together again
    assert slugify(text) == unicodedata.normalize("NFC", slugify(text))


def test_slugs_fold_accents_and_keep_other_scripts_as_written() -> None:
    assert slugify("Île-de-France") == "ile-de-france"
    assert slugify("Việt Nam") == "viet-nam"
    assert slugify("북한 제재") == "북한-제재"
    assert slugify("東京 2024") == "東京-2024"
    # marks of other scripts are part of the letter: folding made Київ "киів" and Йошкар-Ола "иошкар-ола"
    assert slugify("Київ") == "київ"
    assert slugify("Йошкар-Ола") == "йошкар-ола"
    assert slugify("Αθήνα") == "αθήνα"


def test_characters_that_show_as_nothing_leave_no_mark_in_a_slug() -> None:
    # a zero-width space inside a word split it: "Ko\u200brea" was "ko-rea", a second page for what reads "Korea"
    assert slugify("Ko\u200brea") == slugify("\ufeffKo\u2060rea\u200d") == "korea"
    assert slugify("North\u200b Korea") == "north-korea"
    assert slugify("می\u200cخواهم") == "میخواهم"  # Persian's non-joiner sits inside a word


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -", min_size=1, max_size=40))
def test_ascii_titles_give_plain_segments(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or is_plain_segment(slug)


@given(st.floats(0, 1))
def test_probabilities_in_range_pass_through(p: float) -> None:
    assert parse_probability(p) == p


@given(st.decimals(0, 100, places=2))
def test_percent_strings(p: object) -> None:
    assert abs(parse_probability(f"{p}%") - float(p) / 100) < 1e-12  # type: ignore[operator]


@given(st.one_of(st.floats(allow_nan=False).filter(lambda x: x < 0 or x > 1), st.booleans(), st.none()))
def test_probabilities_out_of_range_are_refused(p: object) -> None:
    assert isinstance(parse_probability(p), str)


def _stock_steps(allow_html: bool) -> MarkdownIt:
    """The site's parser with markdown-it's own normalize and inline pairing steps run on every text, as they
    were before the shortcuts that pass them over (briefkit.mdparser._normalized and _paired)."""
    from markdown_it.rules_core import normalize

    md = markdown.__wrapped__(allow_html)
    md.core.ruler.at("normalize", normalize)
    md.inline.ruler2.disable("pairing")
    md.inline.ruler2.enable([name for name in md.inline.ruler2.get_all_rules() if name != "pairing"])
    return md


MARKDOWN_BITS = ["*", "**", "_", "__", "~", "~~", "[", "]", "(", ")", "!", "\\", "`", "[2]", "[1][3]", "[x](u)",
                 "![a](i.png)", "<b>", "&amp;", "\n", "\n\n", "\r\n", "\r", "\0", "# ", "- ", "1. ", "> ", "| a | b |\n|---|---|\n",
                 "    ", "word", " ", "é"]


@given(st.lists(st.sampled_from(MARKDOWN_BITS), max_size=30).map("".join), st.booleans())
def test_markdown_shortcuts_give_the_tokens_and_html_of_markdown_its_own_steps(text: str, allow_html: bool) -> None:
    def spelled(tokens: list[Token] | None) -> list[tuple[object, ...]]:
        return [(t.type, t.tag, t.level, t.nesting, t.content, t.markup, t.attrs, t.meta, spelled(t.children))
                for t in tokens or []]

    ours, stock = markdown(allow_html), _stock_steps(allow_html)
    assert spelled(ours.parse(text, {})) == spelled(stock.parse(text, {}))
    assert ours.render(text, {}) == stock.render(text, {})
