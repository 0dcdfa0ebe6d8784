"""The build cache's memos: results kept by their inputs' content (parsed briefs, their Markdown, the link
checker's pages, the related stage's lists, what briefs name of outlets.yaml), loaded when a build first
asks for one, forgotten when what they depend on (the memo key: engine and settings) changes, and
saved when changed. BuildCache (cache.py) builds on this with the last build's state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .markdown import RenderedBrief
from .model import Brief
from .named import NamedMemo
from .packed import for_cache
from .packs import Store
from .parallel import Memo
from .shards import SHARDS, Shards

if TYPE_CHECKING:
    from .relatedmemo import RelatedMemo


class Memos:
    """The memos of a cache in `folder` (None: in memory), under one memo key at a time."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self._memo_key = ""
        self._pruned = False
        self._parsed = Memo()
        self._marked = Memo()
        self._links = Memo()
        self._related: RelatedMemo | None = _related_memo() if folder is None else None
        self._related_store = Store(folder, "related") if folder is not None else None
        self._named: NamedMemo | None = NamedMemo() if folder is None else None
        self._named_store = Store(folder, "named") if folder is not None else None
        self._memos_loaded = folder is None
        self._links_loaded = folder is None
        # parsed briefs with their Markdown, and the link checker's pages, by their keys' shards
        self._brief_files = Shards(folder, "briefs", lambda key: int(key[1][:4], 16) % SHARDS,  # (path, hash)
                                   {RenderedBrief: for_cache, Brief: for_cache})
        self._page_files = Shards(folder, "pages", lambda key: int(str(key)[:4], 16) % SHARDS)  # a digest

    def rekey(self, memo_key: str) -> None:
        """This build's memo key (what a parse, Markdown or related result depends on besides its input): the
        memos made under another are forgotten."""
        if memo_key != self._memo_key and self._memos_loaded:
            self._parsed, self._marked = Memo(), Memo()
        if memo_key != self._memo_key and self._links_loaded:
            self._links = Memo()
        if memo_key != self._memo_key and self._related is not None:
            self._related = _related_memo()
        if memo_key != self._memo_key and self._named is not None:
            self._named = NamedMemo()
        self._memo_key = memo_key
        self._pruned = False

    @property
    def parsed(self) -> Memo:
        """Parsed briefs by (shown path, content hash)."""
        self._load_memos()
        return self._parsed

    @property
    def marked(self) -> Memo:
        """Rendered Markdown by (shown path, content hash)."""
        self._load_memos()
        return self._marked

    @property
    def links(self) -> Memo:
        """Pages parsed by the link checker, by the digest of their bytes."""
        if not self._links_loaded:
            self._links_loaded = True
            self._links = Memo(self._page_files.load(self._memo_key, 1)[0])
        return self._links

    @property
    def related(self) -> RelatedMemo:
        """The related stage's last index and lists (crosslink.link_site)."""
        if self._related is None:
            fresh = _related_memo()
            loaded = self._related_store.load(self._memo_key) if self._related_store is not None else None
            self._related = loaded if isinstance(loaded, type(fresh)) else fresh
        return self._related

    @property
    def named(self) -> NamedMemo:
        """What each brief's sources and narratives name of outlets.yaml (named.names_all)."""
        if self._named is None:
            loaded = self._named_store.load(self._memo_key) if self._named_store is not None else None
            self._named = loaded if isinstance(loaded, NamedMemo) else NamedMemo()
        return self._named

    def _load_memos(self) -> None:
        if self._memos_loaded:
            return
        self._memos_loaded = True
        parsed, marked = self._brief_files.load(self._memo_key, 2)  # parsed by the same engine and settings
        self._parsed, self._marked = Memo(parsed), Memo(marked)

    def prune_memos(self) -> None:
        """Forget memo entries this build did not use (once per build: a second prune would forget all)."""
        if self._pruned:
            return
        self._pruned = True
        if self._memos_loaded:
            self._parsed.prune()
            self._marked.prune()
        if self._links_loaded and self._links.touched:  # a build that checked only a few pages did not use it
            self._links.prune()

    def save_memos(self) -> None:
        """Write what changed of the related stage's memo, the outlets briefs name, the link checker's pages and the parsed briefs."""
        assert self.folder is not None
        if self._related is not None and self._related.changed and self._related_store is not None:
            self._related_store.save(self._memo_key, self._related)
            self._related.changed = False
        if self._named is not None and self._named.changed and self._named_store is not None:
            self._named_store.save(self._memo_key, self._named)
            self._named.changed = False
        if self._links_loaded and self._links.changed:
            self._page_files.save(self._memo_key, self._links.entries)
            self._links.changed = False
        if self._memos_loaded and (self._parsed.changed or self._marked.changed):
            self._brief_files.save(self._memo_key, self._parsed.entries, self._marked.entries)
            self._parsed.changed = self._marked.changed = False


def _related_memo() -> RelatedMemo:
    """An empty memo for the related stage, which (with the index it keeps) loads only when a build links briefs."""
    from .relatedmemo import RelatedMemo

    return RelatedMemo()
