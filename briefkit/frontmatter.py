"""Split a brief into YAML front matter and Markdown body; load the YAML with line numbers.

Pure functions over text. YAML problems come back as diagnostics naming the file line.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml

from .diagnostics import Diagnostic

try:  # the C parser is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


_PLAIN_TAGS: dict[str, str] = {}  # an unquoted scalar's text -> the tag the resolver gives it
_MEMO_MAX = 100_000  # entries each of this module's memos keeps at most
# the first characters the resolver has patterns for (None: patterns for any, and then no shortcut)
_PATTERNED = None if None in _BaseLoader.yaml_implicit_resolvers else frozenset(_BaseLoader.yaml_implicit_resolvers)


# the tag of a quoted scalar, a list, a mapping: with no path resolvers, the default of its kind
_DEFAULT_TAGS = {yaml.ScalarNode: _BaseLoader.DEFAULT_SCALAR_TAG, yaml.SequenceNode: _BaseLoader.DEFAULT_SEQUENCE_TAG,
                 yaml.MappingNode: _BaseLoader.DEFAULT_MAPPING_TAG}


class _Loader(_BaseLoader):
    """The safe loader, remembering the tag of each unquoted scalar: the C parser asks the (Python)
    resolver for every node, and the same keys and values (name, url, lean: 2) come back thousands of
    times; the resolver tries its patterns on the text alone, as no path resolvers are set. So it also
    gives any other node the default tag of its kind straight away, and does not track where it is."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # (plain, quoted) for a scalar, else a bool
        if kind is not yaml.ScalarNode or not implicit[0]:  # a list, a mapping, quoted text (titles, names)
            return _DEFAULT_TAGS[kind]
        if _PATTERNED is not None and value[:1] not in _PATTERNED:
            return self.DEFAULT_SCALAR_TAG  # no pattern starts with its first character: text (URLs)
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_PLAIN_TAGS) < _MEMO_MAX and len(value) <= 64:
                _PLAIN_TAGS[value] = tag
        return tag

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Nothing to track (the C parser calls this for every node): there are no path resolvers."""

    def ascend_resolver(self) -> None:
        """As descend_resolver."""


assert not _Loader.yaml_path_resolvers, "resolve() and descend_resolver() assume no path resolvers"


# characters no page or feed can hold (XML 1.0 has no way to write them): YAML's "\x1b" or "\ud800" escapes
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def unwritable(text: str) -> str:
    """What is wrong with text holding such a character, or "" when it holds none."""
    found = UNWRITABLE.search(text)
    return _cannot_show(found.group()) if found else ""


def _cannot_show(char: str) -> str:
    return f"holds U+{ord(char):04X}, a character pages and feeds cannot show"


# bidi embeddings, overrides and isolates: shown, a title or a name reads otherwise than it is written
# (Trojan Source); right-to-left text needs none of them, so each is said (a warning: an isolate can be meant)
REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069]")


# either kind: a text with neither (nearly every one) is looked at once, not twice
UNUSUAL = re.compile(f"{UNWRITABLE.pattern}|{REORDERING.pattern}")


def reordering(char: str) -> str:
    """What a warning says of a text holding the bidi control `char`."""
    return f"holds U+{ord(char):04X} ({unicodedata.name(char)}), which reorders the text around it"


_FENCE = re.compile(r"^---[ \t]*$")
_CLOSING = re.compile(r"^(?:---[ \t]*|\.\.\.)\r*$", re.MULTILINE)  # the line ending the front matter (\r: CRLF files)

Path_ = tuple[Any, ...]  # a field path like ("sources", 2, "url"), 1-based list indices


@dataclass
class Split:
    """A brief's file cut into its YAML front matter and its Markdown body, each with its first line."""

    yaml_text: str
    yaml_line: int  # file line of the YAML's first line
    body: str
    body_line: int


@dataclass
class Document:
    """Front-matter values with where each came from."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    plain: dict[Path_, str] = field(default_factory=dict)  # raw text of unquoted scalars
    # a text spread over lines: (file line of its first character, where in the value each next line starts)
    folds: dict[Path_, tuple[int, tuple[int, ...]]] = field(default_factory=dict)


def split(path: str, text: str) -> tuple[Split | None, list[Diagnostic]]:
    """Split `---` front matter from the body; say how to fix it when it is malformed."""
    text = text.removeprefix("\ufeff")
    first = text.find("\n")
    if not _FENCE.match(text[:first if first >= 0 else len(text)].rstrip("\r")):
        return None, [
            Diagnostic(
                path, 1, "front matter",
                "missing: a brief starts with a line of three dashes (---), then YAML, then ---",
            )
        ]
    # the closing line, found in the text itself: the lines of a long body are not made one by one
    end = _CLOSING.search(text, first + 1) if first >= 0 else None
    if end is not None:
        line = text.count("\n", 0, end.start())  # the closing line's index; the YAML is lines 1 .. line - 1
        return Split(text[first + 1:max(end.start() - 1, first + 1)], 2, text[end.end() + 1:], line + 2), []
    return None, [
        Diagnostic(
            path, 1, "front matter",
            f"not closed: add a line of three dashes (---) after the YAML (the file ends at line {text.count(chr(10)) + 1})",
        )
    ]


def decode(path: str, raw: bytes) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text of a file, or a diagnostic naming the first bad byte's line."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Diagnostic(
                path, line, "encoding",
                f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {col}); save the file as UTF-8",
            )
        ]


def load(path: str, text: str, first_line: int = 1, whole: str = "front matter") -> tuple[Document | None, list[Diagnostic]]:
    """Parse YAML into plain values plus a map from field path to file line; `whole` names the YAML
    in a problem no key can be blamed for ("" for a file of YAML: site.yaml, outlets.yaml)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        from .yamlerrors import yaml_error  # imported for a file with a problem only (its patterns, 0.5 ms)

        return None, [yaml_error(path, text, first_line, exc, whole)]
    except yaml.reader.ReaderError as exc:  # a control character typed or pasted into the YAML
        from .yamlerrors import KEY_ON_LINE

        char = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        # the first such character: the reader stops there (its position counts bytes in the C parser)
        at = text.find(chr(char)) if chr(char) in text else min(max(exc.position, 0), len(text))
        line, start = text.count("\n", 0, at), text.rfind("\n", 0, at) + 1
        key = KEY_ON_LINE.match(text[start:at])
        return None, [Diagnostic(path, first_line + line, key.group(1) if key else whole,
                                 f"{_cannot_show(chr(char))} (column {at - start + 1}); remove it")]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [Diagnostic(path, first_line, whole, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    doc = Document(None)
    if node is None:
        doc.data = {}
        return doc, []
    walk = _Walk(doc, path, first_line, text)
    doc.data = walk.node(node, ())
    return doc, walk.diags


MAX_DEPTH = 32  # levels of lists and mappings a value may nest (a brief's go three deep)
# the tags YAML gives its plain values and collections; any other, written out (!!python/object, !x), is refused
_KNOWN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "timestamp", "binary", "seq", "map", "set", "omap", "pairs"))
_MERGE = "tag:yaml.org,2002:merge"


class _Walk:
    """Plain values from a YAML node graph, with the line of each. An alias (*name) is the node of its
    anchor again: an alias in its own value is refused, and so is a graph that aliases make larger than
    any text of this length could write out ("billion laughs")."""

    def __init__(self, doc: Document, path: str, first: int, text: str):
        self.doc, self.path, self.first, self.text = doc, path, first, text
        self.ctor = _Loader("")
        self.diags: list[Diagnostic] = []
        self.budget = 2 * len(text) + 100  # nodes: written out, each takes at least half a character
        self.open: set[int] = set()  # the lists and mappings being walked, by id
        self.walked: set[int] = set()  # ... and those walked: met again, they are an alias's
        self.burst = False  # whether aliases went over the budget

    def error(self, node: yaml.Node | None, at: Path_, message: str) -> None:
        """A problem at the node's line, or (node None) at the line of the top-level key it is under."""
        line = node.start_mark.line + self.first if node is not None else self.doc.lines.get(at, self.first)
        self.diags.append(Diagnostic(self.path, line, _field(at) or "front matter", message))

    def refused(self, node: yaml.Node, at: Path_) -> bool:
        """A tag written out that YAML has no plain value for (!!python/object, !custom): said, and True."""
        if node.tag == _STR or node.tag in _KNOWN_TAGS or self._implicit(node):
            return False
        self.error(node, at, f"the YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed; remove it")
        return True

    def node(self, node: yaml.Node, at: Path_) -> Any:
        doc = self.doc
        doc.lines[at] = node.start_mark.line + self.first
        self.budget -= 1
        if self.budget < 0 and id(node) in self.walked:  # the values written out are read still
            if not self.burst:
                self.burst = True
                self.error(None, at[:1], "aliases (*name) repeat values here more times than a file this size "
                                         "can hold; write the values out")
            return None
        if node.tag != _STR and node.tag not in _KNOWN_TAGS:
            self.refused(node, at)  # and read as if it had no tag
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, at)
        if id(node) in self.open:
            self.error(node, at, "an alias (*name) repeats the value that holds it; write the value out")
            return None
        if len(at) >= MAX_DEPTH:
            self.error(None, at[:1], f"nested more than {MAX_DEPTH} levels deep")
            return None
        self.open.add(id(node))
        self.walked.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self.sequence(node, at)
            return self.mapping(node, at)
        finally:
            self.open.discard(id(node))

    def _implicit(self, node: yaml.Node) -> bool:
        """Whether a node's tag is the one YAML gives its text unasked (such as "=" read as !!value)."""
        return isinstance(node, yaml.ScalarNode) and not node.style and \
            node.tag == self.ctor.resolve(yaml.ScalarNode, node.value, (True, False))

    def sequence(self, node: yaml.SequenceNode, at: Path_) -> list[Any]:
        lines, out = self.doc.lines, []
        for i, item in enumerate(node.value, start=1):
            if item.tag == _STR and type(item) is yaml.ScalarNode:  # topics: node() for a text, in fewer calls
                lines[at + (i,)] = item.start_mark.line + self.first
                self.budget -= 1
                out.append(self.string(item, at + (i,)))
            else:
                out.append(self.node(item, at + (i,)))
        return out

    def mapping(self, node: yaml.MappingNode, at: Path_) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + self.first
            if key_node.tag == _STR and isinstance(key_node, yaml.ScalarNode):
                key = key_node.value  # most keys: what construct_object would give, without its three calls
            elif key_node.tag == _MERGE:
                self.error(key_node, at + ("<<",), "merge keys (<<) are not supported; write the keys out")
                continue
            elif isinstance(key_node, yaml.ScalarNode):  # as written: `1:`, `null:` (YAML reads None), `on:`
                key = key_node.value
                self.refused(key_node, at + (key,))
            else:  # a list or mapping as a key (? [a, b]): named as written
                key = " ".join(self.text[key_node.start_mark.index:key_node.end_mark.index].split())
            if key in out:
                self.diags.append(Diagnostic(self.path, line, _field(at + (key,)),
                                             f"appears twice (first at line {doc.lines[at + (key,)]}); keep one"))
                continue
            sub = at + (key,)
            doc.lines[sub] = line  # the key's line, also for a value written on the lines after it
            if value_node.tag == _STR and type(value_node) is yaml.ScalarNode:  # most values: node()'s, in one call
                self.budget -= 1
                out[key] = self.string(value_node, sub)
            else:
                out[key] = self.node(value_node, sub)
                doc.lines[sub] = line
        return out

    def string(self, node: yaml.ScalarNode, at: Path_) -> str:
        """A scalar's text, its raw text and folds noted: all of scalar() for one YAML reads as text, which
        is most values (mapping() and sequence() call this directly for them, skipping node()'s checks)."""
        if not node.style:
            self.doc.plain[at] = node.value
        if node.end_mark.line > node.start_mark.line:
            self.doc.folds[at] = _fold(node, self.text, self.first)
        return node.value  # type: ignore[no-any-return]

    def scalar(self, node: yaml.ScalarNode, at: Path_) -> Any:
        value = self.string(node, at)
        if node.tag == _STR or node.tag not in _KNOWN_TAGS:  # the constructor would hand back node.value
            return value
        try:
            return self.ctor.construct_object(node)
        except Exception:  # noqa: BLE001 - a value its tag cannot read (!!timestamp x): the text, checked as such
            return node.value


_STR = "tag:yaml.org,2002:str"
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.|$)")
_SPACE_ESCAPES = frozenset(["", *" \ttnrvf_NLP"])  # "\t", "\_" ... make white space; "\" ending a line, nothing


def _fold(node: yaml.ScalarNode, text: str, first: int) -> tuple[int, tuple[int, ...]]:
    """Where each source line of a multi-line scalar starts in its value: YAML folds or keeps the line
    breaks and drops indentation, but keeps every other character in order, so the n-th character that is
    not white space is the same in both (an escape such as \\" counts as the one character it makes)."""
    src = text.split("\n")[node.start_mark.line: node.end_mark.line + 1]
    if node.style in ("|", ">"):  # the header line holds only the indicator (and maybe a comment)
        start, src = node.start_mark.line + 1, src[1:]
    else:
        start, src[0] = node.start_mark.line, src[0][node.start_mark.column + (1 if node.style else 0):]
    if node.style == '"':
        src = [_ESCAPE.sub(lambda m: "" if m.group()[1:] in _SPACE_ESCAPES else "e", line) for line in src]
    elif node.style == "'":
        src = [line.replace("''", "'") for line in src]
    solid = [i for i, char in enumerate(node.value) if not char.isspace()]
    lead = solid[0] if solid else 0  # the text fields strip, so offsets count from the first character
    starts, seen = [], 0
    for line in src[:-1]:
        seen += sum(1 for char in line if not char.isspace())
        starts.append((solid[seen] if seen < len(solid) else len(node.value)) - lead)
    return start + first, tuple(starts)


_FIELD_NAMES: dict[Path_, str] = {}  # the same paths come up in every brief
V = TypeVar("V")


def field_name(at: Path_) -> str:
    """("sources", 2, "url") -> "sources[2].url", one (interned) str for each path."""
    name = _FIELD_NAMES.get(at)
    if name is None:
        name = sys.intern(_field(at))
        if len(_FIELD_NAMES) < _MEMO_MAX:
            _FIELD_NAMES[at] = name
    return name


def by_field_name(values: dict[Path_, V]) -> dict[str, V]:
    """{field_name(path): value}: a brief's lines, its folds; the memo asked directly (some 50 paths a brief)."""
    known = _FIELD_NAMES.get
    return {known(at) or field_name(at): value for at, value in values.items()}


def _field(at: Path_) -> str:
    out = ""
    for part in at:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out

