"""What a link on a page of the site resolves to: an output file and, for an #anchor, an id in it.

Each link is judged once per site (absolute ones), per folder (relative ones) or per page ("#id" ones), as
the same few thousand site-wide links stand on every page.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Mapping
from urllib.parse import unquote, urlsplit

from .hrefs import is_site_path, resolve, split
from .listings import url_of
from .pagelinks import ParsedPage
from .project import SiteConfig

SKIP_SCHEMES = {"mailto", "tel", "data", "javascript", "sms"}
_ANCHOR = re.compile(r"#[-\w.:]*")  # "#id" with nothing urlsplit or unquote would change
Verdict = tuple[str, str, str, str]  # ok, skip, external or broken; message; hint; the page whose ids it read
_OK: Verdict = ("ok", "", "", "")
_EXTERNAL: Verdict = ("external", "", "", "")
Problems = list[tuple[str, str, str]]  # (message, hint, href) of each broken link, in document order


class Site:
    """Resolves a link found on one page to an output file and, for #anchors, an id in it."""

    def __init__(self, config: SiteConfig, files: Collection[str], parsed: Mapping[str, ParsedPage]):
        self.config = config
        self.files = frozenset(files)  # looked up 45,000 times at 4,000 briefs: in C, not SiteFiles.__contains__
        base = urlsplit(config.base_url) if config.absolute_base else None
        self.host = base.netloc.lower() if base else ""
        self.base_path = config.base_path
        self.parsed = parsed  # output path -> its ids and links, for every HTML page
        self.verdicts: dict[tuple[str, str], Verdict] = {}
        self.absolute: dict[str, Verdict] = {}  # verdicts of links that mean the same on every page
        self.page_files: dict[str, Verdict | None] = {}  # page -> the verdict of its "#id" links that find their id
        # URL path -> its output file, and output file -> the verdict of a link that finds an id in it: the
        # 40,000 distinct "/briefs/x/#id" links at 4,000 briefs lead to 5,000 pages
        self.targets: dict[str, str | None] = {}
        self.found: dict[str, Verdict] = {}
        # "#id" -> "id" for a plain "#id" link but "#top" (None for any other): the same few dozen on every page
        self.plain_ids: dict[str, str | None] = {}

    def target(self, path: str) -> str | None:
        """URL path -> output file, the way a static host finds it (folders serve index.html)."""
        try:
            return self.targets[path]
        except KeyError:
            found = self.targets[path] = self._target(path)
            return found

    def _target(self, path: str) -> str | None:
        if not self.under_base(path):
            return None
        rel = unquote(path[len(self.base_path):])
        if rel == "" or rel.endswith("/"):  # a folder: its index.html
            rel += "index.html"
        elif rel in self.files:  # a file, else a folder named without its "/"
            return rel
        else:
            rel += "/index.html"
        return rel if rel in self.files else None

    def under_base(self, path: str) -> bool:
        return path.startswith(self.base_path) or path + "/" == self.base_path

    def check(self, rel: str, href: str) -> Verdict:
        # resolve each link once per site (absolute ones), per folder (relative ones: every page in a
        # folder resolves them alike) or per page (only "", "#..." and "?..." depend on the page itself)
        if href.startswith(("/", "http:", "https:")):
            verdict = self.absolute.get(href)
            if verdict is None:
                verdict = self.absolute[href] = self._check(rel, href)
            return verdict
        if not href or href[0] in "#?":
            found = self._on_page(rel, href) if _ANCHOR.fullmatch(href) else None
            if found is not None:
                return found
            key = (rel, href)
        else:
            key = ("/" + rel[:rel.rfind("/") + 1], href)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self._check(rel, href)
        return verdict

    def _on_page(self, rel: str, href: str) -> Verdict | None:
        """A plain "#id" link's verdict when it finds its id: every such link of a page resolves to one file."""
        if rel not in self.page_files:
            target = self.target(resolve(url_of(self.config, rel), href, split(href)))
            self.page_files[rel] = None if target is None else ("ok", "", "", sys.intern(target))
        found, fragment = self.page_files[rel], href[1:]
        if found is None:
            return None
        if fragment in ("", "top") or not found[3].endswith(".html"):
            return _OK
        return found if fragment in self.parsed[found[3]].ids else None

    def anchors(self, rel: str) -> tuple[Verdict | None, Collection[str]]:
        """The verdict check() gives a plain "#id" link on page `rel` (but "#" and "#top") whose id is among
        the ids returned: those of the HTML page such links resolve to (none when they resolve to no such page)."""
        found = self._on_page(rel, "#")  # "#" finds the page they resolve to, whatever its ids
        if found is _OK and (target := self.page_files[rel]) is not None and target[3].endswith(".html"):
            return target, self.parsed[target[3]].ids
        return None, ()

    def _check(self, rel: str, href: str) -> Verdict:
        if not self.host and href.startswith(("http:", "https:")):
            return _EXTERNAL  # what urlsplit would find below, without it: any host is another
        if is_site_path(href):  # "/a/b/#id", as most are: split and resolve would give its own path
            given, _, fragment = href.partition("#")
            path = given
        else:
            parts = split(href)
            scheme = parts.scheme.lower()
            if scheme in SKIP_SCHEMES or scheme not in ("", "http", "https"):
                return "skip", "", "", ""
            if scheme or href.startswith("//"):
                path = parts.path or "/"
                if not self.host or parts.netloc.lower() != self.host or not self.under_base(path):
                    return _EXTERNAL  # another host, or another project site on this one
            else:
                path = resolve(url_of(self.config, rel), href, parts)
            given, fragment = parts.path, parts.fragment
        target = self.target(path)
        if target is None:
            if not self.under_base(path):
                hint = f"outside the site's base path {self.base_path}"
            else:
                hint = "" if path == given else f"resolves to {path}"
            return "broken", f'broken internal link "{href}"', hint, ""
        fragment = unquote(fragment)
        if not fragment or fragment == "top" or not target.endswith(".html"):
            return _OK
        if fragment not in self.parsed[target].ids:
            return "broken", f'broken anchor "{href}"', f'no id="{fragment}" in {target}', ""
        found = self.found.get(target)
        if found is None:  # one string per page in the saved verdicts of all that link there
            found = self.found[target] = ("ok", "", "", sys.intern(target))
        return found


def check_page(site: Site, rel: str, page: ParsedPage) -> tuple[int, tuple[str, ...], tuple[str, ...], Problems]:
    """One page's links that resolved, its distinct external URLs in order, the other pages whose ids its "#id"
    links needed, and (message, hint, href) for each broken link in document order."""
    internal = 0
    external: dict[str, None] = {}
    anchored: set[str] = set()
    problems: Problems = []
    check, absolute, plain = site.check, site.absolute, site.plain_ids
    own: tuple[Verdict | None, Collection[str]] | None = None  # site.anchors(rel), once a "#" link needs it
    for href in page.links:  # 400,000 links at 4,000 briefs: most are site-wide ones already judged
        found = absolute.get(href)
        # a third are "#id" links to the page's own ids (120,000): judged here, as check() would
        if found is None and href[:1] == "#":
            own = own or site.anchors(rel)
            fragment = plain.get(href, False)
            if fragment is False:
                fragment = plain[href] = href[1:] if href != "#top" and _ANCHOR.fullmatch(href) else None
            if fragment is not None and fragment in own[1]:
                found = own[0]
        verdict, message, hint, needs = found or check(rel, href)
        if verdict == "ok":
            internal += 1
            if needs:
                anchored.add(needs)
        elif verdict == "external":
            external[href] = None
        elif verdict == "broken":
            problems.append((message, hint, href))
    anchored.discard(rel)  # its own ids change only with its bytes
    return internal, tuple(external), tuple(sorted(anchored)), problems
