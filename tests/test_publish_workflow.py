"""The GitHub Pages workflow: valid YAML that tests, builds with Pages' base URL, uploads and deploys."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).parent.parent / ".github" / "workflows" / "pages.yml"


def load() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(job: dict) -> list[dict]:
    return job["steps"]


def uses(job: dict) -> list[str]:
    return [s["uses"].split("@")[0] for s in steps(job) if "uses" in s]


def test_it_runs_on_push_to_main_with_pages_permissions():
    flow = load()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_it_names_the_three_pages_actions_at_current_major_versions():
    flow = load()
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    assert uses(build) == ["actions/checkout", "actions/setup-python", "actions/configure-pages",
                           "actions/cache", "actions/upload-pages-artifact"]
    assert uses(deploy) == ["actions/deploy-pages"]
    versions = {s["uses"].split("@")[0]: s["uses"].split("@")[1] for j in (build, deploy) for s in steps(j)
                if "uses" in s}
    assert versions == {"actions/checkout": "v7", "actions/setup-python": "v7", "actions/configure-pages": "v6",
                        "actions/cache": "v6", "actions/upload-pages-artifact": "v5", "actions/deploy-pages": "v5"}
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"


def test_it_tests_before_it_builds_with_the_base_url_from_configure_pages_and_uploads_site():
    build = load()["jobs"]["build"]
    names = [s.get("name", s.get("uses", "")) for s in steps(build)]
    runs = {s.get("name"): s.get("run", "") for s in steps(build)}
    assert "python -m pytest" in runs["Run the tests"]
    assert names.index("Run the tests") < names.index("Build the site") < names.index("Upload the site")
    configure = next(s for s in steps(build) if s.get("uses", "").startswith("actions/configure-pages"))
    assert configure["id"] == "pages"
    assert 'python build.py build --base-url "${{ steps.pages.outputs.base_url }}/"' in runs["Build the site"]
    upload = next(s for s in steps(build) if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"


def test_it_builds_with_the_last_runs_build_cache():
    """Each run restores the newest .cache/ saved by an earlier one and saves its own under the commit."""
    build = load()["jobs"]["build"]
    names = [s.get("name", s.get("uses", "")) for s in steps(build)]
    cache = next(s for s in steps(build) if s.get("uses", "").startswith("actions/cache"))
    assert names.index(cache["name"]) < names.index("Build the site")
    assert cache["with"] == {"path": ".cache", "key": "briefkit-build-${{ github.sha }}",
                             "restore-keys": "briefkit-build-"}
