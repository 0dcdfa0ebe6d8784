"""The project: where content, themes, templates and output live, and site.yaml's settings.

Reads site.yaml and nothing else; flags given on the command line win over the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from . import fields as f
from .diagnostics import Diagnostic, did_you_mean, unreadable
from .fields import BAD, Ctx, Field
from .frontmatter import Document, decode, load

ENGINE_ROOT = Path(__file__).resolve().parent.parent
# the themes briefkit ships: inside the package once installed (pip install .), beside it in a checkout
_PACKAGED_THEMES = Path(__file__).resolve().parent / "builtin_themes"
BUILTIN_THEMES = _PACKAGED_THEMES if _PACKAGED_THEMES.is_dir() else ENGINE_ROOT / "themes"
BRIEF_SUFFIXES = (".md", ".markdown")


def is_brief(name: str) -> bool:
    """Whether a file of content/ holds a brief: .md or .markdown, in any case. Any other file is copied to the
    site as it is, so a brief saved as Note.MD must count here or be published as its raw source, draft or not."""
    return name.casefold().endswith(BRIEF_SUFFIXES)


SCRATCH_SUFFIXES = ("~", ".swp", ".swx", ".tmp", "___jb_tmp___", "___jb_old___", ".bak", ".orig", ".rej")


def is_scratch(name: str) -> bool:
    """Hidden files, and editors' swap, backup and autosave files (.x.swp, x~, #x#, the x___jb_tmp___ and
    x___jb_old___ of a JetBrains IDE's safe write, the x.orig and x.rej of git mergetool and patch, x.bak):
    not the author's content, neither built nor copied to the site (a brief's backup would publish its raw
    source, draft or not), and not edits for serve to rebuild on."""
    return name.startswith(".") or name.endswith(SCRATCH_SUFFIXES) \
        or (len(name) > 1 and name.startswith("#") and name.endswith("#"))


def _base_url(value: Any, at: tuple[Any, ...], ctx: Ctx) -> Any:
    out = f.text(value, at, ctx)
    if out is not BAD and ("?" in out or "#" in out):
        return ctx.error(at, f'has a query or fragment, which no page address can start with (got "{out}")',
                         "give the site's address up to its folder, e.g. https://user.github.io/repo/")
    if out is not BAD and out.startswith("//"):  # a protocol-relative URL: a host, which a path cannot name
        return ctx.error(at, f'has no scheme (got "{out}")', f"give the scheme: https:{out}")
    if out is BAD or out.startswith("/"):
        return out if out is BAD else _one_slash(out)
    out = f.check_url(out, at, ctx)
    if out is BAD:
        return out
    parts = urlsplit(out)
    return urlunsplit(parts._replace(path=_one_slash(parts.path)))


def _one_slash(path: str) -> str:
    """`/repo//` -> `/repo/`: one slash between segments (a doubled one would go into every link) and one at the end."""
    return re.sub("/{2,}", "/", path + "/")


def _timezone(value: Any, at: tuple[Any, ...], ctx: Ctx) -> Any:
    name = f.nonempty_text(value, at, ctx)
    if name is BAD:
        return BAD
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ctx.error(at, f'unknown timezone "{name}"', _timezone_hint(name))
    return name


_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d\d))?", re.IGNORECASE)  # UTC+2, GMT-05:00, +0530


def _timezone_hint(name: str) -> str:
    """What to write for a timezone that is no IANA name. The nearest spelling only where it is one (a
    typo, the case): "UTC+2" is not "UTC", nor "IST" (India) "MST", and following such a hint shifts dates."""
    known = available_timezones()
    same = sorted(z for z in known if z.casefold() == name.casefold())  # utc, europe/berlin: the case matters
    if same:
        return f'did you mean "{same[0]}"?'
    if offset := _OFFSET.fullmatch(name.strip()):
        sign, hours, minutes = offset[1], int(offset[2]), offset[3] or "00"
        fixed = "UTC" if hours == 0 and minutes == "00" else f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
        also = f', or "{fixed}" for {sign}{hours:02d}:00 all year' if minutes == "00" and fixed in known else ""
        return f"an offset is no timezone: daylight saving moves it; give the place, such as Europe/Berlin{also}"
    if name.isalpha() and name.isupper() and len(name) <= 5:  # IST is India's, Ireland's and Israel's
        return f"{name} is an abbreviation that zones share; use an IANA name such as Europe/Berlin or UTC"
    return did_you_mean(name, known) or "use an IANA name such as Europe/Berlin or UTC"


# a language (2 or 3 letters: "English" is none) and its subtags, or a private-use (x-klingon) or old (i-navajo) tag
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*|[xXiI](?:-[A-Za-z0-9]{1,8})+")


def _language(value: Any, at: tuple[Any, ...], ctx: Ctx) -> Any:
    """A language tag as HTML's lang and the feeds take it (BCP 47): en, de, pt-BR, zh-Hant-TW, es-419, x-klingon."""
    tag = f.nonempty_text(value, at, ctx)
    if tag is BAD or _LANGUAGE_TAG.fullmatch(tag):
        return tag
    fixed = re.sub(r"[_\s]+", "-", tag.strip())
    hint = f'write "{fixed}"' if _LANGUAGE_TAG.fullmatch(fixed) else "a language code such as en, de or pt-BR"
    return ctx.error(at, f'not a language tag (got "{tag}")', hint)


def _image(value: Any, at: tuple[Any, ...], ctx: Ctx) -> Any:
    out = f.text(value, at, ctx)
    return out if out is BAD or not out else f.image_source(out, at, ctx)


def _choice(*options: str) -> f.Kind:
    def kind(value: Any, at: tuple[Any, ...], ctx: Ctx) -> Any:
        out = f.text(value, at, ctx)
        if out is not BAD and out not in options:
            return ctx.error(at, f"must be one of {', '.join(options)} (got \"{out}\")")
        return out
    return kind


DESCRIPTION = "Balanced news briefs: the facts, the sources, and every side's narrative."
PER_PAGE = [
    Field("home", f.integer(1, 1000), "Briefs per home page.", default=10),
    Field("topic", f.integer(1, 1000), "Briefs per topic page.", default=20),
]
WEIGHTS = [
    Field("story", f.number(0, 100), "Weight of sharing a story key.", default=3.0),
    Field("topics", f.number(0, 100), "Weight of shared topics (rarer topics count more).", default=2.0),
    Field("outlets", f.number(0, 100), "Weight of citing the same outlets.", default=1.0),
    Field("terms", f.number(0, 100), "Weight of salient terms shared by title, summary and facts (TF-IDF).",
          default=3.0),
    Field("date", f.number(0, 100), "Weight of being close in date; it only strengthens shared content.",
          default=1.0),
]
RELATED = [
    Field("count", f.integer(0, 50), "How many related briefs a brief shows.", default=5),
    Field("threshold", f.number(0, 1), "Lowest score (0..1) a brief outside the story needs to be listed.",
          default=0.15),
    Field("include_newer", f.boolean, "List briefs newer than the page (off: published pages stay as they are).",
          default=True),
    Field("weights", f.mapping(WEIGHTS), "Weight of each signal: story, topics, outlets, terms, date.",
          default=None),
    Field("cardinality", f.number(0, 1), "Ignore a topic, outlet or term found on more than this share of "
          "briefs (never on 10 or fewer): it says little.", default=0.2),
    Field("terms", f.integer(1, 200), "Salient terms kept per brief.", default=20),
    Field("half_life", f.number(0, 3650), "Days apart at which closeness in date counts half.", default=14.0),
    Field("budget", f.integer(10, 100000), "Postings read per brief when gathering candidates (bounds the work).",
          default=200),
    Field("lookalike", f.number(0, 1), "Similarity at which `check` warns that briefs without a shared story "
          "look like one.", default=0.5),
    Field("lookalike_days", f.integer(0, 3650), "How many days apart such lookalikes may be.", default=10),
]
BALANCE = [
    Field("threshold", f.number(0.5, 1), "Share of rated sources on one side of an axis that makes a blindspot.",
          default=0.75),
    Field("min_rated", f.integer(1, 1000), "Rated sources a brief or story needs before it can be a blindspot.",
          default=3),
]
SITE = [
    Field("title", f.nonempty_text, "The site's name.", default="Briefs"),
    Field("description", f.text, "One line about the site, for the home page and feeds.", default=DESCRIPTION),
    Field("base_url", _base_url, "Where the site is published, e.g. https://user.github.io/repo/; feeds and "
          "sitemap.xml need the full URL.", default="/"),
    Field("language", _language, "Language tag of the content (BCP 47), e.g. en or pt-BR.", default="en"),
    Field("timezone", _timezone, "IANA timezone for dates without a time.", default="UTC"),
    Field("theme", f.slug, "Theme folder under themes/.", default="default"),
    Field("per_page", f.mapping(PER_PAGE), "Page sizes: home, topic.", default=None),
    Field("allow_html", f.boolean, "Let raw HTML in Markdown through (off: it is escaped).", default=False),
    Field("author", f.text, "Default author named in page metadata.", default=""),
    Field("publisher", f.text, "Organisation named as publisher in page metadata and feeds (default: the title).",
          default=""),
    Field("image", _image, "Link-preview image for pages without their own: a path in content/ or an https URL.",
          default=""),
    Field("feed_size", f.integer(0, 100000), "Briefs per feed, newest first; 0 for all.", default=20),
    Field("story_order", _choice("oldest", "newest"), "Story timeline order.", default="oldest"),
    Field("related", f.mapping(RELATED), "Related-briefs settings.", default=None),
    Field("balance", f.mapping(BALANCE), "Balance panel and blindspots: threshold, min_rated.", default=None),
]
SITE_KEYS = {fld.name: fld for fld in SITE}


@dataclass(frozen=True)
class SiteConfig:
    """The site's settings, from site.yaml (or their defaults)."""

    title: str = "Briefs"
    description: str = DESCRIPTION
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    per_page: dict[str, int] = field(default_factory=lambda: {"home": 10, "topic": 20})
    allow_html: bool = False
    author: str = ""
    publisher: str = ""
    image: str = ""
    feed_size: int = 20
    story_order: str = "oldest"
    related: dict[str, Any] = field(default_factory=lambda: related_settings({}))
    balance: dict[str, Any] = field(default_factory=lambda: {"threshold": 0.75, "min_rated": 3})

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: `/` or `/repo/`."""
        path = urlsplit(self.base_url).path if "://" in self.base_url else self.base_url
        return path if path.endswith("/") else path + "/"

    @property
    def absolute_base(self) -> bool:
        """True when base_url names a host, so absolute URLs (feeds, sitemap) can be made."""
        return "://" in self.base_url

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _nested_defaults(spec: list[Field]) -> dict[str, Any]:
    return {fld.name: fld.default for fld in spec}


def related_settings(given: dict[str, Any]) -> dict[str, Any]:
    """`related:` with every default filled in, weights too."""
    out = {**_nested_defaults(RELATED), **given}
    out["weights"] = {**_nested_defaults(WEIGHTS), **(given.get("weights") or {})}
    return out


def parse_site(path: str, text: str) -> tuple[SiteConfig, list[Diagnostic]]:
    """site.yaml text -> settings; unknown keys and bad values are diagnostics."""
    doc, diags = load(path, text, whole="")
    if doc is None:
        return SiteConfig(), diags
    ctx = Ctx(path, doc if doc.data is not None else Document({}), ZoneInfo("UTC"), diags)
    data = doc.data or {}
    if not isinstance(data, dict):
        ctx.error((), "must be a mapping of settings like title: and base_url:")
        return SiteConfig(), ctx.diags
    values = f.check_mapping(data, (), ctx, SITE_KEYS)
    if values is BAD:
        return SiteConfig(), ctx.diags
    values["per_page"] = {**_nested_defaults(PER_PAGE), **(values["per_page"] or {})}
    values["related"] = related_settings(values["related"] or {})
    values["balance"] = {**_nested_defaults(BALANCE), **(values["balance"] or {})}
    return SiteConfig(**values), ctx.diags


def read_site_file(site_file: Path) -> tuple[SiteConfig, list[Diagnostic]]:
    """The settings in site.yaml, the defaults when there is none, and what is wrong with it."""
    shown = display_path(site_file)
    if not site_file.exists() and not site_file.is_symlink():
        return SiteConfig(), []
    try:
        raw = site_file.read_bytes()
    except OSError as exc:  # a folder, a link to nowhere, no read permission
        return SiteConfig(), [unreadable(shown, exc)]
    text, problems = decode(shown, raw)
    if text is None:
        return SiteConfig(), problems
    return parse_site(shown, text)


@dataclass(frozen=True)
class Project:
    """Folders of one site. `root` holds site.yaml, templates/ and (usually) content/."""

    root: Path
    content: Path
    out: Path
    config: SiteConfig
    drafts: bool = False

    @property
    def site_file(self) -> Path:
        return self.root / "site.yaml"

    def theme_dirs(self) -> list[Path]:
        """Where themes are looked up: the site's own themes/, then the built-in ones."""
        return [self.root / "themes", BUILTIN_THEMES]

    def display(self, path: Path) -> str:
        """A path as diagnostics show it: see display_path."""
        return display_path(path)


class UsageError(Exception):
    """A problem with how the command was called (exit code 2)."""


def key_line(file: Path, key: str) -> int:
    """The line of a top-level `key:` in a YAML file such as site.yaml (0 when it is not written there)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    found = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the user is shown it: relative to the working directory when inside it, else in full
    (/work/notes/a.txt says more than ../../../work/notes/a.txt)."""
    try:
        shown = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return os.path.abspath(path) if shown == os.pardir or shown.startswith(os.pardir + os.sep) else shown


def no_content_folder(given: str | None, flag: str = "--content") -> UsageError:
    """The error for a missing content folder; with none given, where it was looked for and why: the usual
    cause is build.py run from another folder."""
    if given:
        return UsageError(f"no content folder at {display_path(given)}; pass {flag} DIR")
    return UsageError(f"no content folder in {os.getcwd()} (the folder build.py was run in); run it in the folder "
                      f"that holds content/, or pass {flag} DIR")


def open_project(content: str | None = None, out: str | None = None, base_url: str | None = None,
                 drafts: bool = False) -> tuple[Project, list[Diagnostic]]:
    """Resolve folders and read site.yaml; the site root is the folder holding content/."""
    content_dir = Path(content).resolve() if content else Path.cwd().resolve() / "content"
    if not content_dir.is_dir():
        raise no_content_folder(content)
    root = content_dir.parent
    out_dir = Path(out).resolve() if out else root / "site"
    if out_dir == root or out_dir == content_dir or content_dir.is_relative_to(out_dir):
        raise UsageError(f"refusing to write the site into {display_path(out_dir)}: it holds the content; "
                         "choose another --out")
    if out_dir.is_relative_to(content_dir):
        raise UsageError(f"refusing to write the site inside the content folder ({display_path(out_dir)})")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{display_path(out_dir)} is a file, not a folder; choose another --out")
    config, diags = read_site_file(root / "site.yaml")
    if base_url is not None:
        ctx = Ctx("--base-url", Document(base_url), ZoneInfo("UTC"))
        value = _base_url(base_url, (), ctx)
        if value is BAD:
            said = ctx.diags[0]
            raise UsageError(f"--base-url: {said.message}" + (f" ({said.hint})" if said.hint else ""))
        config = replace(config, base_url=value)
    return Project(root, content_dir, out_dir, config, drafts), diags
