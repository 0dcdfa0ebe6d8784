"""Any front matter, any body: the build names what is wrong and never stops with a traceback.

Each field of a generated brief is either a plausible value or anything YAML can hold (nested lists
and mappings, numbers, dates, text that looks like a URL, a slug or a citation).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from briefkit import pipeline
from briefkit.project import open_project

ODD_TEXT = ["", " ", "[1]", "[99]", "[2-1]", "https://[x", "javascript:alert(1)", "../secret", "/abs", "a" * 300,
            "북" * 90, "\u202e", "<script>x</script>", "{{ 7 * 7 }}", "2024-02-30", "yes", "~", "A B"]
scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(), st.dates(),
                   st.text(max_size=12), st.sampled_from(ODD_TEXT))
anything = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=6), inner, max_size=3), max_leaves=6)


def either(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value 29 times in 30, anything at all otherwise."""
    return st.integers(0, 29).flatmap(lambda k: anything if k == 0 else good)


def entry(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return either(st.fixed_dictionaries({k: either(v) for k, v in required.items()},
                                        optional={k: either(v) for k, v in optional.items()}))


day = st.dates().map(lambda d: d.isoformat())
name = st.sampled_from(["Reuters", "BBC News", "TASS", "Unrated Daily"])
link = st.sampled_from(["https://example.org/a", "http://example.org/b?x=1#y"])
slug = st.sampled_from(["story-a", "other", "brief-0", "brief-1"])
front = st.fixed_dictionaries(
    {"title": either(st.just("A brief")), "date": either(day),
     "sources": either(st.lists(entry({"name": name}, {"url": link}), min_size=1, max_size=3))},
    optional={
        "updated": either(day), "summary": either(st.text(max_size=20)), "draft": either(st.booleans()),
        "topics": either(st.lists(st.sampled_from(["War", "Russia", "north korea", "북한"]), max_size=3)),
        "story": either(slug), "related": either(st.lists(slug, max_size=2)), "slug": either(slug),
        "image": entry({"src": st.sampled_from(["images/a.png", "https://example.org/i.png"]), "alt": st.just("A")},
                       {"credit": st.just("C")}),
        "narratives": either(st.lists(entry({"perspective": st.just("Left"), "text": st.just("Said *so*.")},
                                            {"outlet": name, "url": link}), max_size=3)),
        "predictions": either(st.lists(entry(
            {"claim": st.just("It happens"), "probability": st.sampled_from([0, 0.3, 1, "70%"])},
            {"by": day, "source": name, "outcome": st.sampled_from([None, True, False]), "question": slug}),
            max_size=3)),
        "corrections": either(st.lists(entry({"date": day, "text": st.just("Fixed.")}, {}), max_size=2)),
    })
body_line = st.one_of(st.sampled_from([
    "- A fact.[1]", "- Two sources.[1][2]", "- A range.[1-3]", "- [0] zero", "Plain text.", "## A heading",
    "## A heading", "> quoted", "- [a link](https://example.org/)[1]", "- [bad](javascript:x)[1]",
    "- ![an image](images/a.png)[1]", "- [inside](/briefs/brief-1/)[1]", "- [anchor](#nowhere)[1]",
    "<b>raw</b>", "```", "| a | b |", "|---|---|", "- [^1]", "    code"]), st.text(max_size=30))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(front, st.lists(body_line, max_size=5)), min_size=1, max_size=3))
def test_any_briefs_build_or_fail_with_diagnostics(briefs: list[tuple[dict[str, Any], list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        (content / "images").mkdir(parents=True)
        (content / "images" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        for i, (data, body) in enumerate(briefs):
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
            (content / f"brief-{i}.md").write_text(f"---\n{text}---\n" + "\n".join(body) + "\n", encoding="utf-8")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            project, problems = open_project(None, None, None, False)
            result = pipeline.build(project, write=True, search=False)
        finally:
            os.chdir(cwd)
        assert not problems
        event("refused" if result.errors else "built")  # pytest --hypothesis-show-statistics shows the mix
        if result.errors:
            assert not (Path(tmp) / "site").exists()  # nothing written
            assert all(d.message for d in result.errors)
        else:
            assert (Path(tmp) / "site" / "index.html").is_file()
