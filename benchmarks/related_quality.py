"""Quality and scale of the related-briefs engine on a labelled corpus (benchmarks/corpus.py).

`python benchmarks/related_quality.py [--n 3000] [--scale 10000 100000] [--seed 1]`
Quality runs the real pipeline (files -> parse -> markdown -> related stage); scale times the
index alone on lightweight in-memory briefs taken straight from the generated text.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import corpus

from briefkit import checks, crosslink
from briefkit.listings import build_site
from briefkit.markdown import render_brief
from briefkit.pipeline import read_inputs
from briefkit.project import open_project
from briefkit.related import Doc, Index, Settings, outlet_key
from briefkit.slugs import slugify
from briefkit.stages import parse_all


def site_docs(n: int, seed: int) -> tuple[list[Doc], dict[str, int | None], Settings]:
    """Write a corpus, run the pipeline up to the related stage, return its Docs and labels."""
    generated = corpus.generate(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        generated.write(Path(tmp))
        project, _ = open_project(str(Path(tmp) / "content"))
        inputs = read_inputs(project)
        briefs, outlets, _ = parse_all(project, inputs)
        published, _ = checks.check_site(project, briefs, inputs.assets)
        site = build_site(project.config, [render_brief(b)[0] for b in published], outlets)
    return crosslink.docs_of(site), generated.labels, Settings.of(project.config.related)


_FIELD = re.compile(r"^(title|date|summary|topics|story|related): (.*)$", re.MULTILINE)
_SOURCE = re.compile(r"^  - name: (.*)$", re.MULTILINE)
_FACT = re.compile(r"^- (.*)$", re.MULTILINE)
_MARK = re.compile(r"\[\d+\]")


def light_docs(n: int, seed: int) -> tuple[list[Doc], dict[str, int | None]]:
    """Docs read straight from generated text with regexes: no YAML, no Markdown, no files."""
    aliases = {slugify(a): slugify(name) for name, _, _, _, _, names in corpus.OUTLETS for a in [name, *names]}
    docs = []
    generated = corpus.generate(n, seed)
    for name, text in generated.briefs.items():
        head, _, body = text.partition("\n---\n")
        fm = dict(_FIELD.findall(head))
        topics = json.loads(fm["topics"])
        sources = [json.loads(s) for s in _SOURCE.findall(head.split("\nsources:\n", 1)[1].split("\nnarratives:")[0])]
        facts = [_MARK.sub("", f) for f in _FACT.findall(body)]
        y, m, d = map(int, fm["date"].split("-"))
        docs.append(Doc(name[:-3], datetime(y, m, d, tzinfo=UTC), json.loads(fm["title"]),
                        fm.get("story", ""), tuple(fm["related"].strip("[]").split(", ")) if "related" in fm else (),
                        tuple((slugify(t), t) for t in topics),
                        tuple(dict.fromkeys((outlet_key(s, aliases), s) for s in sources)),
                        " ".join([json.loads(fm["title"]), json.loads(fm["summary"]), *facts])))
    return docs, generated.labels


def quality(docs: list[Doc], labels: dict[str, int | None], settings: Settings) -> dict[str, float]:
    index = Index(docs, settings)
    members: dict[int, set[str]] = {}
    for slug, label in labels.items():
        if label is not None:
            members.setdefault(label, set()).add(slug)
    keyed = {d.slug for d in docs if d.story}
    p3: dict[str, list[float]] = {"keyed": [], "unkeyed": []}
    r5: dict[str, list[float]] = {"keyed": [], "unkeyed": []}
    false_story = false_similar = unrelated_links = 0
    for d in docs:
        shown = index.related(d.slug)
        label = labels[d.slug]
        if label is None:
            false_story += sum(1 for m in shown if m.tier == "story")
            unrelated_links += len(shown)
            continue
        group = "keyed" if d.slug in keyed else "unkeyed"
        mates = members[label] - {d.slug}
        top = [m.slug for m in shown[:3]]
        # a story of three has two other briefs: two right out of two is full precision
        p3[group].append(sum(s in mates for s in top) / min(len(top), len(mates)) if top else 0.0)
        r5[group].append(sum(m.slug in mates for m in shown[:5]) / min(5, len(mates)))
        false_similar += sum(1 for m in shown if m.slug not in mates and m.tier == "story")
    pairs = index.lookalikes()
    false_look = sum(1 for a, b, _ in pairs if labels[a.slug] is None or labels[a.slug] != labels[b.slug])
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
    return {"precision@3 keyed": mean(p3["keyed"]), "recall@5 keyed": mean(r5["keyed"]),
            "precision@3 unkeyed": mean(p3["unkeyed"]), "recall@5 unkeyed": mean(r5["unkeyed"]),
            "briefs keyed": len(p3["keyed"]), "briefs unkeyed": len(p3["unkeyed"]),
            "false same-story links": false_story + false_similar,
            "links on unrelated briefs": unrelated_links,
            "lookalike warnings": len(pairs), "false lookalike warnings": false_look}


def timing(docs: list[Doc], settings: Settings) -> tuple[float, float]:
    """CPU seconds (one core) to build the index, and to compute every brief's related list."""
    gc.collect()
    start = time.process_time()
    index = Index(docs, settings)
    built = time.process_time()
    for d in docs:
        index.related(d.slug)
    return built - start, time.process_time() - built


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=3000, help="briefs in the quality corpus")
    p.add_argument("--scale", type=int, nargs="*", default=[10000, 100000], help="corpus sizes to time")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    docs, labels, settings = site_docs(args.n, args.seed)
    print(f"quality, {args.n} briefs (seed {args.seed}), default settings:")
    for k, v in quality(docs, labels, settings).items():
        print(f"  {k:<28} {v:.3f}" if isinstance(v, float) else f"  {k:<28} {v}")
    hidden = [replace(d, story="", related=()) for d in docs]
    print("same corpus, every story: and related: key removed (content signals only):")
    for k, v in quality(hidden, labels, settings).items():
        if "unkeyed" in k or "false" in k or "lookalike" in k:
            print(f"  {k:<28} {v:.3f}" if isinstance(v, float) else f"  {k:<28} {v}")
    for n in args.scale:
        docs, labels = light_docs(n, args.seed)
        build, lists = timing(docs, settings)
        print(f"scale, {n} briefs: index {build:.2f} s + related lists {lists:.2f} s = {build + lists:.2f} s (one core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
