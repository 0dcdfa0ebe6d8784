"""Time the publishing stages (feeds, sitemap, link check) on a generated site of N briefs.

Usage: python benchmarks/publish_scale.py [N]   (default 1000; prints each stage's time, twice)
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefkit import pipeline
from briefkit.project import open_project

BRIEF = """---
title: Brief number {n}
date: {day}
summary: Summary of brief {n}.
topics: [Topic {t}, Shared]
story: story-{s}
sources:
  - name: Wire One
    url: https://wire-one.example.com/{n}
  - name: Wire Two
    url: https://wire-two.example.com/{n}
narratives:
  - perspective: One
    outlet: Wire One
    text: One side of brief {n}.[1]
  - perspective: Two
    outlet: Wire Two
    text: The other side.[2]
---

## Facts

- A fact.[1] Another.[2] See [the sources](#sources).
- A second fact.[1][2]
"""


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        (Path(tmp) / "site.yaml").write_text("title: Scale\nbase_url: https://user.github.io/repo/\n")
        start = date(2020, 1, 1)
        for i in range(n):
            day = start + timedelta(days=i % 1500)
            (content / f"brief-{i:05d}.md").write_text(BRIEF.format(n=i, day=day, t=i % 40, s=i % 60))
        project, _ = open_project(str(content))
        for label in ("first build", "rebuild (pages already parsed, as under serve)"):
            result = pipeline.build(project, write=False)
            assert not result.errors, result.errors[:3]
            print(f"{label}: {n} briefs, {result.pages} pages, {len(result.files)} files")
            for stage, seconds in result.timings:
                print(f"  {stage:<9} {seconds:7.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
