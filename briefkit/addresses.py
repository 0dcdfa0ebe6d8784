"""Addresses in HTML made from a brief's Markdown: every href, src and srcset URL of its tags, however
written, rewritten (made absolute for a feed, or resolved for a brief's text shown on another page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin

from . import rawhtml

# a link or image of the rendered Markdown whose address is relative to the brief's page: no scheme, not from the root
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
# an address in a start tag, however written (raw HTML puts it after other attributes, in either quotes)
_URL_ATTR = re.compile(rf"(\s(?:{'|'.join(map(re.escape, sorted(rawhtml.LINKED | rawhtml.LOADED)))})\s*=\s*)"
                       r"""("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.IGNORECASE)
SCHEME = re.compile(r"[a-zA-Z][-a-zA-Z0-9+.]*:")


def rebased(html: str, page_url: str) -> str:
    """`elsewhere` HTML placed on another page (forecasts, an outlet, corrections): its relative links ("../earlier/",
    "#facts", an image beside the brief) resolved against the URL of the brief's page, so they lead where they
    lead there. Relative links are how briefs link each other (a path from the root breaks under a base path)."""
    if "href" not in html and "src" not in html:
        return html
    return with_addresses(html, lambda url: url if url.startswith("/") or SCHEME.match(url) else urljoin(page_url, url))


def with_addresses(html: str, change: Callable[[str], str]) -> str:
    """`html` with `change` applied to every address its tags give: href, src, srcset's URLs ..., however the
    tag is written (raw HTML: after other attributes, in single quotes)."""
    def attr(m: re.Match[str]) -> str:
        quote = m[2][0] if m[2][0] in "\"'" else ""
        value = m[2][1:-1] if quote else m[2]
        if m[1].strip().lower().startswith("srcset"):
            done, rest = "", value
            for url in rawhtml.srcset_urls(value):
                at = rest.index(url)
                done, rest = done + rest[:at] + change(url), rest[at + len(url):]
            value = done + rest
        else:
            value = change(value.strip())
        return f"{m[1]}{quote}{value}{quote}"

    return _TAG.sub(lambda t: _URL_ATTR.sub(attr, t[0]), html)
