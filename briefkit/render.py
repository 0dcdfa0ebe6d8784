"""Render pages through the theme into bytes in memory; writes nothing.

Template mistakes become diagnostics naming the template file and line.
"""

from __future__ import annotations

import types
from collections import ChainMap
from collections.abc import Callable, Collection, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import jinja2
import jinja2.nodes
import jinja2.runtime
from jinja2.utils import missing
from markupsafe import Markup, escape

from .bytecode import CheckedBytecode
from .diagnostics import Diagnostic
from .listings import MONTHS, Page, SiteData, url_of
from .parallel import ordered_map
from .project import SiteConfig, display_path
from .reads import plain_values
from .templateerrors import template_problem
from .themes import Theme


@dataclass(frozen=True)
class PageInfo:
    """What every template gets as `page`."""

    title: str
    description: str
    path: str
    url: str
    canonical: str


@plain_values
def long_date(value: date | datetime) -> str:
    """23 October 2024"""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@plain_values
def iso(value: date | datetime) -> str:
    return value.isoformat()


@plain_values
def percent(value: float) -> str:
    """0.7 -> 70%; 0.065 -> 6.5%; 0.9996 -> 99.96%: only 0 and 1 show as 0% and 100%."""
    pct = value * 100
    for places in range(1, 16):  # one decimal, or as many more as keep a near-certainty from looking certain
        shown = f"{pct:.{places}f}".rstrip("0").rstrip(".")
        if shown not in ("0", "100") or pct in (0, 100):
            break
    return shown + "%"


@plain_values
def decimals(value: float, places: int = 3) -> str:
    """0.2875 -> 0.288: halves round up, on the decimal the float stands for rather than its binary value."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def absolute(config: SiteConfig, url: str) -> str:
    """A site URL made absolute with base_url's scheme and host, when it has them; letters outside ASCII
    (a topic's own script: /topics/북한/) percent-encoded, as sitemaps and feed readers want URLs."""
    if "://" not in config.base_url:
        return url
    scheme, rest = config.base_url.split("://", 1)
    host = rest.split("/", 1)[0]
    if not url.isascii():
        url = quote(url, safe=_URL_SAFE)
    return f"{scheme}://{host}{url}"


_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"  # what quote() leaves: a URL's delimiters and escapes already made


def make_globals(config: SiteConfig) -> dict[str, Any]:
    base = config.base_path  # worked out from base_url: once, not on each of some 110,000 calls

    @plain_values
    def url(path: str = "") -> str:
        """As url_of(config, path)."""
        return base + path.removesuffix("index.html")

    @plain_values
    def absolute_url(url: str) -> str:
        return absolute(config, url)

    return {"url": url, "absolute": absolute_url}


def _remembered(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """fn, giving the text it made once for each date it has seen. A brief's dates are written on its page, the
    home, topic and story pages and its related briefs' (some 100,000 calls each of iso and long_date on a
    4,000-brief site), and isoformat() with a time zone's offset takes half a microsecond. Seen by identity,
    not equality: 10:00+01:00 and 09:00+00:00 are equal datetimes written differently. Each value is kept with
    its text, so no other object takes its id."""
    seen: dict[int, tuple[Any, str]] = {}

    @plain_values
    def text(value: Any) -> str:
        hit = seen.get(id(value))
        if hit is not None:
            return hit[1]
        made = fn(value)
        if type(value) in (date, datetime):  # only values that cannot change
            seen[id(value)] = (value, made)
        return made

    return text


def configure(env: jinja2.Environment, config: SiteConfig) -> None:
    """The site's filters and globals, made for each build (the dates remembered are that build's)."""
    env.filters.update(long_date=_remembered(long_date), iso=_remembered(iso), percent=percent, decimals=decimals)
    env.globals.update(make_globals(config))


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


class _Template(jinja2.Template):
    """A template whose output expressions escape with output_escape."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: MutableMapping[str, Any],
                        globals: MutableMapping[str, Any]) -> jinja2.Template:
        # the compiled module calls `escape` from its own namespace only to escape an output expression
        # when autoescaping (jinja2.compiler.CodeGenerator._output_child_pre)
        namespace["escape"] = output_escape
        return super()._from_namespace(environment, namespace, globals)

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
        self.blocks = {k: [v] for k, v in blocks.items()}

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
    env.template_class, env.context_class = _Template, _Context
    return env


class SiteFiles(MutableMapping[str, bytes]):
    """Output path -> bytes; a page kept from the last build is read from disk only if someone asks."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.memory: dict[str, bytes] = {}
        self.on_disk: set[str] = set()

    def __getitem__(self, path: str) -> bytes:
        if path in self.memory:
            return self.memory[path]
        if path in self.on_disk and self.folder is not None:
            return (self.folder / path).read_bytes()
        raise KeyError(path)

    def __setitem__(self, path: str, data: bytes) -> None:
        self.on_disk.discard(path)
        self.memory[path] = data

    def __delitem__(self, path: str) -> None:
        if path not in self.memory and path not in self.on_disk:
            raise KeyError(path)
        self.memory.pop(path, None)
        self.on_disk.discard(path)

    def __contains__(self, path: object) -> bool:
        return path in self.memory or path in self.on_disk

    def __iter__(self) -> Iterator[str]:
        yield from self.memory
        yield from (p for p in self.on_disk if p not in self.memory)

    def __len__(self) -> int:
        return len(self.memory) + len(self.on_disk - self.memory.keys())


class Output:
    """The site in memory: output path -> bytes, and who asked for each path."""

    def __init__(self, folder: Path | None = None) -> None:
        self.files = SiteFiles(folder)
        self.origins: dict[str, str] = {}

    def add(self, path: str, data: bytes, origin: str) -> list[Diagnostic]:
        """Add one file; a second claim on the same path is an error naming both."""
        if path in self.files:
            first = self.origins[path]
            return [Diagnostic(origin, 0, "output", f"{path} is also written by {first}; change one of them")]
        self.files[path] = data
        self.origins[path] = origin
        return []

    def keep(self, path: str, origin: str) -> list[Diagnostic]:
        """Claim a page whose file the last build wrote and whose inputs have not changed."""
        if path in self.files:
            return self.add(path, b"", origin)
        self.files.on_disk.add(path)
        self.origins[path] = origin
        return []

    @property
    def kept(self) -> set[str]:
        return self.files.on_disk


class Tracker(Protocol):
    """The build cache's hooks into rendering (cache.PageTracker)."""

    def plan(self, pages: list[Page]) -> set[str]: ...
    def prepare(self, env: jinja2.Environment) -> None: ...
    def watch(self) -> Any: ...
    def rendered(self, page: Page, reads: Collection[tuple[str, ...]], attrs: dict[str, set[str]]) -> None: ...
    def finish(self, pages: list[Page]) -> None: ...


Rendered = tuple[bytes | None, list[Diagnostic], Collection[tuple[str, ...]], dict[str, set[str]]]


def render_pages(env: jinja2.Environment, site: SiteData, pages: list[Page], out: Output,
                 extra: dict[str, Any] | None = None, tracker: Tracker | None = None) -> list[Diagnostic]:
    """Render every page into `out` (on every core when there are many); collect template errors.

    With a tracker, pages whose inputs are unchanged are kept from the last build instead.
    """
    configure(env, site.config)
    if tracker:
        tracker.prepare(env)
    planned = tracker.plan(pages) if tracker else None
    todo = [p for p in pages if p.path in planned] if planned is not None else pages
    failed: set[str] = set()

    def one(page: Page) -> Rendered:
        if page.template in failed:
            return None, [], (), {}
        view = tracker.watch() if tracker else site
        html, diags = render_page(env, site, view, page, extra or {})
        if html is None:
            failed.add(page.template)  # one error per template, not one per page
        return html, diags, getattr(view, "reads", ()), getattr(view, "attrs", {})

    results = dict(zip((p.path for p in todo), ordered_map(one, todo)))
    diags: list[Diagnostic] = []
    failed.clear()
    said: set[tuple[str, int, str]] = set()  # a mistake in base.html or a partial: once, not once per template
    for page in pages:
        if page.path not in results:
            diags += out.keep(page.path, page.origin)
            continue
        if page.template in failed:
            continue
        html, problems, reads, attrs = results[page.path]
        if html is None:
            failed.add(page.template)
            for d in problems:
                if (d.path, d.line, d.message.split(" (rendering ")[0]) not in said:
                    said.add((d.path, d.line, d.message.split(" (rendering ")[0]))
                    diags.append(d)
            continue
        diags += out.add(page.path, html, page.origin)
        if tracker:
            tracker.rendered(page, reads, attrs)
    if tracker:
        tracker.finish(pages)
    return diags


def render_page(env: jinja2.Environment, site: SiteData, view: Any, page: Page,
                extra: dict[str, Any]) -> tuple[bytes | None, list[Diagnostic]]:
    """One page's bytes, or None and the template error naming its file and line."""
    url = url_of(site.config, page.path)
    info = PageInfo(page.title, page.description, page.path, url, absolute(site.config, url))
    try:
        template = env.get_template(page.template)
        html = template.render(site=view, config=site.config, page=info, **extra, **page.context)
    except Exception as exc:  # noqa: BLE001 - any error inside a template is the theme's, shown with its line
        names = {"site", "config", "page", *extra, *page.context, *env.globals}
        return None, [template_problem(exc, page.template, page.path, getattr(env.loader, "searchpath", ()), names)]
    if not html or html.isspace():  # as `not html.strip()`, without a copy of every page
        return None, [Diagnostic(display_path(template.filename or page.template), 0, "template",
                                 f"made an empty page for {page.path}; a page's template must write its HTML "
                                 '(or {% extends "base.html" %} and fill a block)')]
    return html.encode("utf-8"), []
