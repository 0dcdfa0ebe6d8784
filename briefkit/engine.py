"""The Jinja environment a theme renders in: its loader, templates, contexts and lookups.

Jinja's own, with the costs of its general case taken out of the few paths every page runs through
(escaping, calls, attribute lookups, includes); what a template writes is the same.
"""

from __future__ import annotations

import types
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from itertools import repeat
from operator import length_hint
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes
import jinja2.runtime
from jinja2.utils import missing
from markupsafe import Markup, escape

from .bytecode import CheckedBytecode
from .codegen import CodeGenerator
from .themes import Theme


class _Loader(jinja2.FileSystemLoader):
    """The theme's templates, the first found along the search path; "default:base.html" is the template of
    that name in the theme `default` itself (a child theme's base.html builds on its parent's that way).
    A missing name is looked up once: `include ... ignore missing` asks for it on every page."""

    def __init__(self, searchpath: list[str], named: tuple[tuple[str, Path], ...] = ()):
        super().__init__(searchpath)
        self.named = {name: jinja2.FileSystemLoader(str(folder)) for name, folder in named}
        self.missing: set[str] = set()

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template in self.missing:
            raise jinja2.TemplateNotFound(template)
        theme, colon, rel = template.partition(":")
        try:
            if colon and theme in self.named:
                return self.named[theme].get_source(environment, rel)
            return super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            self.missing.add(template)
            raise jinja2.TemplateNotFound(template) from None


try:  # markupsafe's own escaping of a plain str, without wrapping the result in Markup
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - a markupsafe that moved it: the public function does the same
    def _escape_inner(s: str, /) -> str:
        return str(escape(s))


def output_escape(value: Any) -> str:
    """What `{{ value }}` puts into an autoescaped page: as markupsafe.escape, but a plain str or int comes
    back as a plain str. Jinja joins these into the page or into a buffer it wraps in Markup itself, so the
    Markup that escape() made for each of them (a million on a 4,000-brief site) would be a sixth of a render."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:
        return value
    if kind is int:
        return str(value)
    if kind is jinja2.Undefined:  # `{{ ", " if not loop.last }}` on a last item: some 90,000 a site, each an
        return ""                 # AttributeError inside escape()'s look for __html__ before str() gave ""
    return escape(value)


def _flat(names: Mapping[str, Any]) -> dict[str, Any]:
    """dict(names), in the same order. Jinja keeps a template's globals in a ChainMap, whose keys and values
    dict() looked up one by one in Python (a fiftieth of a render, for the few names of each page)."""
    if type(names) is not ChainMap:
        return dict(names)
    flat: dict[str, Any] = {}
    for layer in reversed(names.maps):
        flat.update(layer)
    return flat


class _ListLoop(jinja2.runtime.LoopContext):
    """Jinja's `loop` over a list or tuple, stepped in C: a template's `for` takes its items from a zip
    with the list's own iterator, and where the loop is (index0, last, the next item) is read off that
    iterator when asked. Jinja's LoopContext ran a Python __next__ for each of some 295,000 steps a
    4,000-brief site's templates take, and peeked an item ahead for each `loop.last`. What the loop says
    is the same: the list iterator's remaining count, with the list's length, gives the position (still
    so when the list grows while it is looped over)."""

    def __init__(self, iterable: list[Any] | tuple[Any, ...], undefined: type[jinja2.Undefined],
                 recurse: Any = None, depth0: int = 0) -> None:
        self._iterable = self._items = iterable
        self._iterator = iter(iterable)
        self._undefined = undefined
        self._recurse = recurse
        self.depth0 = depth0

    def __iter__(self) -> Iterator[tuple[Any, _ListLoop]]:  # type: ignore[override]
        return zip(self._iterator, repeat(self))

    def __next__(self) -> tuple[Any, _ListLoop]:
        return next(self._iterator), self

    @property
    def index0(self) -> int:  # type: ignore[override]
        return len(self._items) - length_hint(self._iterator) - 1

    @property
    def last(self) -> bool:
        return not length_hint(self._iterator)

    @property
    def previtem(self) -> Any:
        at = self.index0
        return self._items[at - 1] if at > 0 else self._undefined("there is no previous item")

    @property
    def nextitem(self) -> Any:
        left = length_hint(self._iterator)
        return self._items[len(self._items) - left] if left else self._undefined("there is no next item")


def _loop_context(iterable: Any, undefined: type[jinja2.Undefined], recurse: Any = None,
                  depth0: int = 0) -> jinja2.runtime.LoopContext:
    """What a compiled template's `LoopContext(...)` makes: a _ListLoop over a list or tuple, else Jinja's own
    (a generator, a filtered loop's items, a mapping), which reads its items one by one."""
    kind = _ListLoop if type(iterable) in (list, tuple) else jinja2.runtime.LoopContext
    return kind(iterable, undefined, recurse, depth0)


class _Template(jinja2.Template):
    """A template whose output expressions escape with output_escape."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: MutableMapping[str, Any],
                        globals: MutableMapping[str, Any]) -> jinja2.Template:
        # the compiled module calls `escape` from its own namespace only to escape an output expression
        # when autoescaping (jinja2.compiler.CodeGenerator._output_child_pre)
        namespace["escape"] = output_escape
        namespace["LoopContext"] = _loop_context  # the module's name for it, looked up when a loop starts
        # `a.b` is getattr_first(a, "b", missing), and environment.getattr only when that finds nothing (codegen
        # visit_Getattr): the builtin getattr, but where the build cache notes every read (reads.ReadLog) its own
        # getattr, which takes the default too and finds what Jinja's would, so that a read is one call, not two
        namespace["getattr_first"] = vars(environment).get("getattr", getattr)
        return super()._from_namespace(environment, namespace, globals)

    def new_context(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Mapping[str, Any] | None = None) -> jinja2.runtime.Context:
        """As Jinja's (jinja2.runtime.new_context), in one call: each of some 97,000 includes on a 4,000-brief
        site makes a context, and Jinja went through a second function to make it."""
        if vars is None:
            vars = {}
        if not shared:
            parent = _flat(self.globals)
            parent.update(vars)
        elif locals:
            parent = dict(vars)  # a shared dict is the including context's: not changed here
        else:
            parent = vars
        if locals:
            for key, value in locals.items():
                if value is not missing:
                    parent[key] = value
        return self.environment.context_class(self.environment, parent, self.name, self.blocks, globals=self.globals)

    def _get_default_module(self, ctx: jinja2.runtime.Context | None = None) -> jinja2.environment.TemplateModule:
        """As Jinja's: the module `{% from ... import ... %}` takes its macros from, made again only when the
        importing context has globals this template lacks. Jinja found those names by walking both ChainMaps
        key by key in Python (7 µs for each brief's import of its balance macros); here each is laid out
        once, in C."""
        if type(ctx) is not _Context or ctx._globals is None or self.environment.is_async:
            return super()._get_default_module(ctx)
        keys = _flat(ctx._globals).keys() - _flat(self.globals).keys()
        if keys:
            return self.make_module({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module

    def render(self, *args: Any, **kwargs: Any) -> str:
        """As Jinja's, then the page's variables are dropped from its context: a macro's closure and the
        context refer to each other, and that cycle kept `site`, with all of its briefs, alive until the
        cycle collector ran (which serve runs rarely)."""
        # as self.new_context(dict(*args, **kwargs)), the globals laid out without a Python call per name
        parent = _flat(self.globals)
        parent.update(*args, **kwargs)
        ctx = self.environment.context_class(self.environment, parent, self.name, self.blocks, globals=self.globals)
        try:
            return self.environment.concat(self.root_render_func(ctx))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - Jinja's own handling: the traceback then shows template lines
            self.environment.handle_exception()
        finally:
            ctx.vars.clear()
            ctx.parent.clear()


# a template's macros too: Macro, and its __call__, are marked for nothing (some 19,000 calls a site)
_PLAIN_CALLS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, jinja2.runtime.Macro)


class _Context(jinja2.runtime.Context):
    """A call to a plain function, method or macro goes straight to it: Jinja's own call() looks for
    pass_context and the like on each of some 290,000 calls (url(), filters' helpers, methods, macros) on a
    4,000-brief site. Anything marked for Jinja, and any other callable, goes the usual way."""

    def __init__(self, environment: jinja2.Environment, parent: dict[str, Any], name: str | None,
                 blocks: dict[str, Callable[[jinja2.runtime.Context], Iterator[str]]],
                 globals: MutableMapping[str, Any] | None = None):
        """Jinja's own, but for globals_keys, which waits until asked for (see there)."""
        self.parent = parent
        self.vars: dict[str, Any] = {}
        self.environment = environment
        self.eval_ctx = jinja2.nodes.EvalContext(environment, name)
        self.exported_vars: set[str] = set()
        self.name = name
        self._globals = globals
        self.blocks = {k: [v] for k, v in blocks.items()} if blocks else {}  # a partial has none

    @property
    def globals_keys(self) -> set[str]:  # type: ignore[override]
        """The template's global names, as Jinja's context keeps them, but listed only when a `{% from %}` or
        `{% import %}` asks: Jinja listed them (a ChainMap walked in Python) for each of some 97,000 contexts
        a 4,000-brief site's includes make, a twentieth of its rendering."""
        return set() if self._globals is None else set(self._globals)

    def call(self, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if type(obj) not in _PLAIN_CALLS or hasattr(obj, "jinja_pass_arg"):
            return super().call(obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:  # as Jinja does
            return self.environment.undefined("value was undefined because a callable raised a "
                                              "StopIteration exception")


class _Environment(jinja2.Environment):
    """Jinja's, with cheaper lookups of attributes and of templates already loaded."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._by_name: dict[str, jinja2.Template] = {}

    def getattr(self, obj: Any, attribute: str) -> Any:
        """As Jinja's: the attribute, else the item of that name, else undefined. The attribute is looked up with
        a default, not by catching AttributeError: a mapping's key read as an attribute (`brief.extra.source_outlets`,
        some 70,000 reads on a 4,000-brief site) made an exception, and its message, each time."""
        value = getattr(obj, attribute, missing)
        if value is not missing:
            return value
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def get_template(self, name: str | jinja2.Template, parent: str | None = None,
                     globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        """As Jinja's. Jinja made a weak reference to the loader, a key and three calls for each of some 97,000
        includes on a 4,000-brief site; its templates are never reloaded (auto_reload is off) nor evicted, so
        the one it found for a name stays the one. join_path is Jinja's, which keeps the name as it is."""
        if globals or type(name) is not str:
            return super().get_template(name, parent, globals)
        template = self._by_name.get(name)
        if template is None:
            template = self._by_name[name] = super().get_template(name, parent)
        return template


def environment(theme: Theme, compiled: Path | None = None) -> jinja2.Environment:
    """Autoescaping, strict about undefined names, no re-stat of templates on every lookup.

    With `compiled`, templates compiled once are kept there (keyed by their source's checksum), so a
    build that renders one page does not compile the theme again.
    """
    env = _Environment(
        bytecode_cache=CheckedBytecode(str(compiled)) if compiled is not None else None,
        loader=_Loader([str(d) for d in theme.template_dirs], theme.named),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        keep_trailing_newline=True,
        cache_size=-1,  # a plain dict: each of some 97,000 includes on a 4,000-brief site looked its partial up in an LRU
    )
    env.template_class, env.context_class, env.code_generator_class = _Template, _Context, CodeGenerator
    return env
