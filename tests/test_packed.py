"""The build cache keeps a brief's page-only HTML and its field lines pickled until first read: what a
brief reads back from the cache is the brief it saved, and a worker's pickle of it holds every field."""

from __future__ import annotations

import pickle
from datetime import UTC
from pathlib import Path

from briefkit.markdown import RenderedBrief, render_brief
from briefkit.model import Brief
from briefkit.packed import for_cache
from briefkit.schema import parse_brief
from briefkit.shards import dump, undump

SAMPLE = Path(__file__).resolve().parents[1] / "content" / "nato-and-us-confirm-north-korean-troops-in-russia.md"


def _rendered() -> RenderedBrief:
    brief, _ = parse_brief("content/x.md", SAMPLE.read_text(encoding="utf-8"), UTC)
    assert brief is not None
    rendered, _ = render_brief(brief)
    return rendered


def test_a_brief_from_the_cache_unpacks_its_html_and_lines_when_first_read(tmp_path: Path) -> None:
    rendered = _rendered()
    dump(tmp_path / "shard.pickle", ({"k": rendered},), {RenderedBrief: for_cache, Brief: for_cache})
    loaded = undump(tmp_path / "shard.pickle")
    assert loaded is not None
    back = loaded[0]["k"]
    assert "_packed0" in back.__dict__ and "body_html" not in back.__dict__  # still packed
    assert "_packed0" in back.brief.__dict__ and "lines" not in back.brief.__dict__
    assert back.facts == rendered.facts and back.brief.sources == rendered.brief.sources
    assert "_packed0" in back.__dict__ and "_packed0" in back.brief.__dict__  # each group unpacks alone
    assert "_packed1" not in back.__dict__ and "_packed1" not in back.brief.__dict__
    assert back.body_html == rendered.body_html and back.citations == rendered.citations
    assert back.brief.line_of("sources") == rendered.brief.line_of("sources") > 1
    assert not {"_packed0", "_packed1"} & {*back.__dict__, *back.brief.__dict__}  # unpacked once, then plain
    assert back == rendered and back.brief == rendered.brief
    assert back.brief.folds == rendered.brief.folds


def test_a_packed_brief_sent_on_by_a_worker_stays_whole() -> None:
    rendered = _rendered()
    packed = pickle.loads(_cache_pickle(rendered))
    again = pickle.loads(pickle.dumps(packed, pickle.HIGHEST_PROTOCOL))  # as ordered_map sends results
    assert again.narratives_html == rendered.narratives_html and again.brief.lines == rendered.brief.lines
    unpacked = pickle.loads(pickle.dumps(rendered, pickle.HIGHEST_PROTOCOL))
    assert "_packed0" not in unpacked.__dict__ and unpacked == rendered
    try:
        rendered.brief.no_such_field  # noqa: B018 - a missing field is still an AttributeError
    except AttributeError as exc:
        assert "no_such_field" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def _cache_pickle(obj: object) -> bytes:
    import io

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {RenderedBrief: for_cache, Brief: for_cache}
    pickler.dump(obj)
    return buf.getvalue()
