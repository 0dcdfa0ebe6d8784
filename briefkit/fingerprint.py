"""Page fingerprints: a digest of everything a page's template could read, for the build cache.

A page's inputs are its own record and context (digested deeply), plus the parts of `site`
its last render read (recorded by a proxy, reads.py). Pure: no IO; unknown objects never compare equal.
"""

from __future__ import annotations

import dataclasses
import itertools
import marshal
import operator
import pickle
from array import array
from collections.abc import Mapping
from datetime import date
from hashlib import blake2b
from typing import Any

from markupsafe import Markup

from .listings import BriefView, Page, SiteData, unowned
from .markdown import RenderedBrief
from .model import Brief
from .reads import ALL, MISSING, PLAIN, Read, resolve, type_key
from .viewprints import PLAIN_TYPES, REPR_EXACT, Record, ViewPrints, flat, hashed, record_of

_UNIQUE = itertools.count()
_UNSEEN: Any = object()  # a type not in Digester._inline yet
_SMALL = 16  # lists, dicts and sets up to this long within a record are spelled out in place, larger ones apart
_concat = str.__add__  # text + Markup as plain text: `+` would escape the text and make a Markup


class Digester(ViewPrints):
    """Digests of template inputs within one build; briefs are known by their file's content hash."""

    def __init__(self, brief_hashes: Mapping[str, str], attrs: Mapping[str, frozenset[str]] | None = None,
                 shown: dict[frozenset[str], dict[int, tuple[Any, str]]] | None = None):
        self.brief_hashes = brief_hashes
        self.attrs = attrs  # per type, the attributes this template reads; None: all of them
        # a brief's fields a listing shows, by what the template reads of views, then id(view): shared by the
        # digesters of templates that show the same ones (topic, home and month pages), so each is digested once
        self.shown = shown if shown is not None else {}
        self._deep: dict[int, tuple[Any, str]] = {}
        self._shallow: dict[int, tuple[Any, str]] = {}
        self._records: dict[type, Record] = {}  # dataclass type -> how its digest covers it
        # those of them an item or attribute spells out in place, as a tuple is: a brief's thousands of small
        # records (related links, predictions) are each its own, so a hash and a memo entry each was waste
        self._inline: dict[type, Record | None] = {}  # None: digested apart
        # by the reads: `shared`, a template, and their digest with what the reads gave of `site`, the pages'
        # hash's person (see page()); a digester lasts one build, whose site is not changed while its pages
        # are fingerprinted (what the memos by id hold rests on that too)
        self._reads: dict[tuple[Read, ...], tuple[str, str, bytes]] = {}
        self._unowned = unowned(attrs)  # keys of own_extra this template reads too much of to count as own
        self._init_views()

    def of(self, obj: Any, shallow: bool = False) -> str:
        """A digest of `obj`; `shallow` views stand for their own brief only, not their neighbours."""
        kind = type(obj)
        if kind is str:
            return "s:" + obj
        if kind is Markup:  # HTML made from a brief (a claim, a narrative): spelled out as text is, not hashed apart
            return _concat("M:", obj)
        if kind in PLAIN_TYPES:
            return f"{kind.__name__}:{obj!r}"
        memo = self._shallow if shallow else self._deep
        hit = memo.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = self._compute(obj, shallow)
        memo[id(obj)] = (obj, value)  # holding obj keeps its id from being reused this build
        return value

    def _compute(self, obj: Any, shallow: bool) -> str:
        kind = type(obj)
        if isinstance(obj, BriefView):
            if self._whole:
                own = self._own(obj)
            else:  # a listing shows a few fields (title, date, url): an edit elsewhere in the brief leaves it alone
                own = self._shown(obj, self._wanted)  # type: ignore[arg-type]
                if shallow or self._no_links:  # those fields are all it stands for: their digest, shared by templates
                    return own
            if shallow:  # as it is: hashing it apart would cost more than the page's hash reading it
                return "view:" + own
            return hashed(*self._view(obj, own, []))
        if kind is list or kind is tuple:
            return hashed(kind.__name__, f"N{len(obj)}", *self._column(obj, shallow, []))
        if kind is dict:
            return hashed("map", f"N{len(obj)}", *self._column(list(obj), shallow, []),
                      *self._column(list(obj.values()), shallow, []))
        if kind is RenderedBrief or kind is Brief:
            path = obj.path if kind is Brief else obj.brief.path
            known = self.brief_hashes.get(path)
            if known is not None:  # a pure function of the file's bytes and the site-wide settings: those
                return f"{kind.__name__[0]}:{known}:{path}"  # as they are (the hash is of one length), not hashed
        record = self._records.get(kind)
        if record is not None:  # a dataclass seen before: its attributes to count, worked out below once
            return hashed(record[0], *self._spell(self._values(obj, record), shallow, []))
        if isinstance(obj, str):  # subclasses such as Markup: repr would escape every quote of the HTML
            return hashed(kind.__name__, obj)
        if isinstance(obj, PLAIN):
            return f"{kind.__name__}:{obj!r}"
        if isinstance(obj, SiteData):
            return hashed("site", *(self.of(getattr(obj, f.name)) for f in dataclasses.fields(obj)))
        if isinstance(obj, Mapping):
            return hashed("map", *(f"{self.of(k)}={self.of(v, shallow)}" for k, v in obj.items()))
        if isinstance(obj, (list, tuple)):
            return hashed(kind.__name__, *(self.of(v, shallow) for v in obj))
        if isinstance(obj, (set, frozenset)):
            return hashed("set", *sorted(self.of(v, shallow) for v in obj))
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            self._records[kind] = self._record(kind)
            return self._compute(obj, shallow)
        try:
            return hashed("pickle", pickle.dumps(obj, protocol=4).hex())
        except Exception:  # noqa: BLE001 - what cannot be compared is treated as changed
            return f"unique:{next(_UNIQUE)}"

    def _inlined(self, obj: Any) -> Record | None:
        """How a dataclass an item of a list or an attribute is spelled out in place (as `_compute` would
        count it), or None for anything digested apart: views and whole briefs, records that say pages share
        them (`shared_by_pages`, such as outlets), which the memo holds, and whatever is no dataclass."""
        kind = type(obj)
        record = None
        if dataclasses.is_dataclass(obj) and not getattr(kind, "shared_by_pages", False) \
                and not isinstance(obj, (BriefView, Brief, RenderedBrief, SiteData, str,
                                         Mapping, list, tuple, set, frozenset, *PLAIN)):
            record = self._records.get(kind) or self._record(kind)
        self._inline[kind] = record
        return record

    def _record(self, kind: type) -> Record:
        """How a dataclass's digest covers it: a marker naming the type and the attributes counted, and a
        getter of their values. Only what the template reads of it (an outlet's page lists its briefs, a
        brief page only its name), all when unsure."""
        wanted = None if self.attrs is None else self.attrs.get(type_key(kind), frozenset())
        if wanted is None or ALL in wanted:
            names = tuple(f.name for f in dataclasses.fields(kind))
        else:
            names = tuple(sorted(wanted))
        return record_of(f"D{kind.__qualname__}", names)

    @staticmethod
    def _values(obj: Any, record: Record) -> Any:
        """The values of a record's counted attributes, a missing one as MISSING."""
        _, names, get = record
        if get is None:
            return [getattr(obj, a, MISSING) for a in names]
        try:
            values = get(obj)  # all at once, in C: a property that is missing or fails falls to the loop below
        except AttributeError:
            return [getattr(obj, a, MISSING) for a in names]
        return (values,) if len(names) == 1 else values

    def _spell(self, values: Any, shallow: bool, parts: list[str]) -> list[str]:
        """Appends each value's digest to `parts`, most of them spelled out in place: plain values as text,
        tuples, small lists, dicts and sets and the records in them as a marker with their count, then their
        items. A listing page holds tens of thousands of small tuples and records (a related link, a
        prediction, a question's steps), and a hash and a memo entry each would be most of its cost; what
        pages share (views, briefs, large lists) is digested apart, once, through the memo."""
        of, plain, inline = self.of, PLAIN_TYPES, self._inline
        memo = self._shallow if shallow else self._deep
        # views that stand for their shown fields (a listing's): their digests as `_shown` keeps them
        views = self._seen if not self._whole and (shallow or self._no_links) else memo
        for v in values:
            kind = type(v)
            if kind is str:
                parts.append("s:" + v)
            elif v is None:  # a first or last brief's missing neighbour, as `plain` spells it
                parts.append("NoneType:None")
            elif kind is BriefView:  # the most common of what is digested apart: its memo entry, without a call
                hit = views.get(id(v))  # the memo holds what it has digested: an id found is this view's
                parts.append(hit[1] if hit is not None else of(v, shallow))
            elif kind is tuple:
                if v and type(v[0]) in REPR_EXACT and all(map(REPR_EXACT.__contains__, map(type, v))):
                    parts.append("t" + repr(v))  # (3, 5): their repr says it all
                elif (rows := self._rows(v)) is not None:  # the facts a brief added to its story
                    parts += (f"F{len(v)}", rows[0])
                    self._spell(rows[1], shallow, parts)
                else:
                    parts.append(f"T{len(v)}")
                    self._spell(v, shallow, parts)
            elif kind is Markup:
                parts.append(_concat("M:", v))
            elif kind in plain:
                parts.append(f"{kind.__name__}:{v!r}")
            elif kind is list and len(v) <= _SMALL:
                rows = self._rows(v)
                if rows is None:
                    parts.append(f"L{len(v)}")
                    self._spell(v, shallow, parts)
                else:  # records of one type (a brief's related links): their marker once, then all their values
                    parts += (f"E{len(v)}", rows[0])
                    self._spell(rows[1], shallow, parts)
            elif kind is dict and len(v) <= _SMALL:  # a source's outlet and its rating
                if len(v) > 1 and (table := self._table(v)) is not None:  # a brief's predictions as it shows them
                    parts += table
                else:
                    parts.append(f"M{len(v)}")
                    self._spell_map(v, shallow, parts)
            elif (kind is frozenset or kind is set) and len(v) <= _SMALL:
                parts.append(f"S{len(v)}")
                parts += sorted(of(x, shallow) for x in v)
            else:
                record = inline[kind] if kind in inline else self._inlined(v)
                if record is None:
                    hit = memo.get(id(v))
                    parts.append(hit[1] if hit is not None else of(v, shallow))
                else:  # a small record (a related link, a prediction): spelled out in place too
                    parts.append(record[0])
                    self._spell(self._values(v, record), shallow, parts)
        return parts

    def _rows(self, items: list[Any] | tuple[Any, ...]) -> tuple[str, list[Any]] | None:
        """For records all of one type spelled in place: their marker, and the values of each, one record
        after another (their count and type tell where each ends); None for anything else."""
        if len(items) < 2 or type(items[0]) is not type(items[-1]) or len(set(map(type, items))) != 1:
            return None
        kind = type(items[0])
        record = self._inline[kind] if kind in self._inline else self._inlined(items[0])
        if record is None or record[2] is None:
            return None
        try:
            values = list(map(record[2], items))
        except AttributeError:  # a property missing or failing: item by item, as `_values` reads it
            return None
        return record[0], (list(flat(values)) if len(record[1]) > 1 else values)

    def _table(self, mapping: dict[Any, Any]) -> tuple[str, str, str] | None:
        """A small dict (of two or more) of records of one type spelled in place whose keys and counted values are all
        str, int, float, bool or None (a brief's predictions by number, as its page shows them): "MR" and
        its count, the records' marker, and its (key, values) pairs as marshal writes them, in C, four times
        as fast as their repr; None for anything else. Marshal writes each of these types exactly (by its
        own code, bool apart from int, a float's 8 bytes) and no other type is let through, so the bytes
        tell them all apart as `_spell` does; "MR" is no other part's start."""
        values = list(mapping.values())
        kind = type(values[0])
        if kind is not type(values[-1]) or len(set(map(type, values))) != 1:  # the first test most often
            return None
        record = self._inline.get(kind, _UNSEEN)
        if record is _UNSEEN:
            record = self._inlined(values[0])
        if record is None or record[2] is None:
            return None
        try:
            got = list(map(record[2], values))
        except AttributeError:  # a property missing or failing: spelled as `_values` reads it
            return None
        if not _MARSHAL_EXACT.issuperset(map(type, flat((mapping, flat(got) if len(record[1]) > 1 else got)))):
            return None
        return f"MR{len(got)}", record[0], marshal.dumps((tuple(mapping), got), 2).decode("latin-1")

    def _spell_map(self, mapping: Mapping[Any, Any], shallow: bool, parts: list[str]) -> list[str]:
        """Appends each key and its value, spelled out as `_spell` does."""
        return self._spell(flat(mapping.items()), shallow, parts)

    def _column(self, items: Any, shallow: bool, parts: list[str]) -> list[str]:
        """Appends the spelling of a sequence of items whose count the reader knows, by columns: an outlet's
        page lists a thousand (view, counts) pairs, a forecast board thousands of questions, and `_spell`'s
        Python step for each value of each was most of their fingerprints' cost. Items alike (all of one
        type) are spelled at once, mostly in C: plain values as one repr; tuples and small lists of one
        length column by column (all the first items, then all the second ones ...), of mixed lengths
        as their lengths and then all their items; records as the columns of their counted attributes;
        views as their digests. A first part saying which of these follows keeps it injective; anything
        else is spelled item by item, as `_spell` does."""
        kinds = set(map(type, items))
        kind = next(iter(kinds)) if len(kinds) == 1 else None
        if kind is float:  # a question's probabilities: their 8 bytes each, which repr took five times as long to spell
            parts.append("f" + array("d", items).tobytes().hex())
            return parts
        if kind is date:  # a question's deadlines, its forecasts' days: their ordinals, not "datetime.date(2024, 1, 2)"
            parts.append("d" + repr(list(map(date.toordinal, items))))
            return parts
        if kinds <= REPR_EXACT:  # their repr tells each apart, and how many there are
            parts.append("r" + repr(items))
            return parts
        if kind is BriefView:
            return self._apart(items, shallow, parts)
        if kind is Markup:  # HTML (narratives, claims): their lengths, then their text as it is, which repr escaped
            parts += ("m" + repr(list(map(len, items))), "".join(items))
            return parts
        if kind is tuple or kind is list:
            lengths = set(map(len, items))
            if kind is tuple or max(lengths) <= _SMALL:  # larger lists are digested apart, shared by pages
                if len(lengths) == 1:
                    parts.append(f"{_COLUMNS[kind]}{lengths.pop()}")
                    for column in zip(*items):
                        self._column(column, shallow, parts)
                else:
                    parts.append(_COLUMNS[kind] + repr(list(map(len, items))))
                    self._column(list(flat(items)), shallow, parts)
                return parts
        elif kind is frozenset or kind is set:  # a question's late steps
            if not any(items):  # all empty (nearly every question's)
                parts.append("e")
                return parts
            inner = set(map(type, flat(items)))
            if len(inner) <= 1 and inner <= REPR_EXACT and max(map(len, items)) <= _SMALL:
                try:  # of one type: sorted, and their repr
                    parts.append("s" + repr(list(map(sorted, items))))
                    return parts
                except TypeError:  # datetimes with and without a time zone do not compare
                    pass
        elif kind is not None:
            record = self._inline[kind] if kind in self._inline else self._inlined(items[0])
            if record is None and not issubclass(kind, (str, *PLAIN, list, tuple, set, frozenset, dict)):
                return self._apart(items, shallow, parts)
            if record is not None and record[2] is not None:
                try:
                    values = list(map(record[2], items))
                except AttributeError:  # a property missing or failing: item by item, as `_values` reads it
                    pass
                else:
                    parts.append(record[0])
                    if len(record[1]) == 1:
                        self._column(values, shallow, parts)
                    elif REPR_EXACT.issuperset(map(type, values[0])) and set(map(type, flat(values))) <= REPR_EXACT:
                        # (a prediction's) plain values; the first record's tell most others (a question's) at once
                        parts.append("R" + repr(values))
                    else:
                        for column in zip(*values):
                            self._column(column, shallow, parts)
                    return parts
        parts.append("X")
        return self._spell(items, shallow, parts)

    def _apart(self, items: Any, shallow: bool, parts: list[str]) -> list[str]:
        """Appends "V" and the digests of items digested apart (views, outlets), as `_column` does."""
        if type(items[0]) is BriefView and not self._whole and (shallow or self._no_links):
            # views that stand for their shown fields: their digests as `_shown` keeps them, for all templates
            hits: list[tuple[Any, str] | None] = list(map(self._seen.get, map(id, items)))
        else:
            memo = self._shallow if shallow else self._deep  # holding what it has digested: an id found is its
            hits = list(map(memo.get, map(id, items)))
        if None in hits:
            hits = [hit if hit is not None else (v, self.of(v, shallow)) for v, hit in zip(items, hits)]
        parts.append("V")
        parts += map(_second, hits)  # type: ignore[arg-type]  # none is None now
        return parts

    def page(self, page: Page, url: str, site: SiteData, reads: tuple[Read, ...], shared: str) -> str:
        """The fingerprint of one page: its record, its context, what it read of `site`, and `shared`."""
        # the context is the page's own: spelled out in place, with no hash and memo entry of its own
        context = page.context
        parts = [page.path, page.title, page.description, url, f"M{len(context)}"]
        if self._whole and BriefView in set(map(type, context.values())):
            for key, value in context.items():  # a brief's page: its view too, whatever the memo holds of it
                if type(key) is str:  # as `_spell` spells it
                    parts.append("s:" + key)
                else:
                    self._spell((key,), False, parts)
                if type(value) is BriefView:
                    hit = self._shallow.get(id(value))  # "view:" and its own, where a page before had it as a neighbour
                    self._view(value, hit[1][5:] if hit is not None else self._own(value), parts)
                else:
                    self._spell((value,), False, parts)
        else:
            self._spell_map(context, False, parts)
        # what it read of `site` (spelled once a build for each set of reads: most pages read the same two),
        # `shared` and the template, all the same for most of a template's pages, go into the hash's parameters
        # (person), at no cost, rather than hashed again with each page's text: a sixth of a brief page's
        person = self._reads.get(reads)
        if person is None or person[0] != shared or person[1] != page.template:  # the same objects: at once
            read = "".join(f"\x1f{'/'.join(r)}={self.of(resolve(site, r))}" for r in reads)
            person = self._reads[reads] = (shared, page.template, blake2b(
                f"{shared}\x1f{page.template}{read}".encode("utf-8", "surrogatepass"), digest_size=16).digest())
        return blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16,
                       person=person[2]).hexdigest()


_second = operator.itemgetter(1)
# the types marshal (version 2, which refers to no earlier object) writes exactly, each by its own code: not
# their subclasses (it refuses those), and not bytes, which it writes as it does any buffer (a bytearray)
_MARSHAL_EXACT = frozenset((str, int, float, bool, type(None)))
_COLUMNS = {tuple: "C", list: "c"}  # a column of tuples or small lists: "C2", "c[1, 3]" ...
