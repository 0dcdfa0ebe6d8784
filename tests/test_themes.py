"""Theme lookup: the site's templates/ -> the chosen theme -> the theme it extends."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, copy_fixture_briefs, run


def test_project_template_overrides_the_theme(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    (site_dir / "templates").mkdir()
    (site_dir / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Lost? Try the archive.</h1>{% endblock %}')
    assert run("build").code == 0
    html = (site_dir / "site" / "404.html").read_text()
    assert "<h1>Lost? Try the archive.</h1>" in html
    assert '<a class="brand" href="/">Briefs</a>' in html


def test_a_theme_extends_the_default(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    theme = site_dir / "themes" / "paper"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "theme.yaml").write_text("extends: default\n")
    (theme / "templates" / "home.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Paper edition</h1>{% endblock %}')
    (theme / "static" / "style.css").write_text("body { color: black; }\n")
    (site_dir / "site.yaml").write_text("theme: paper\n")
    assert run("build").code == 0
    assert "<h1>Paper edition</h1>" in (site_dir / "site" / "index.html").read_text()
    assert "<h2 id=\"facts\" data-pagefind-ignore>Facts</h2>" in (site_dir / "site" / "briefs" / "minimal" / "index.html").read_text()
    assert (site_dir / "site" / "static" / "style.css").read_text() == "body { color: black; }\n"


def test_unknown_theme_is_an_error(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    (site_dir / "site.yaml").write_text("title: Papers\ntheme: papr\n")
    result = run("check")
    assert result.code == 1
    assert result.lines[1] == 'site.yaml:2: theme: no theme "papr" (have: default)'


def test_template_typo_names_the_template_file_and_line(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    (site_dir / "templates").mkdir()
    (site_dir / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n<p>{{ page.tilte }}</p>\n{% endblock %}\n')
    result = run("build")
    assert result.code == 1
    assert result.lines[1] == ('templates/404.html:3: template: PageInfo has no attribute "tilte" '
                               '(did you mean "title"?) (rendering 404.html)')
    assert not (site_dir / "site").exists()
    (site_dir / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n<p>{{ sit.title }}</p>\n{% endblock %}\n')
    assert run("build").lines[1] == ('templates/404.html:3: template: "sit" is undefined (did you mean "site"?) '
                                     "(rendering 404.html)")


def test_template_syntax_error(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    (site_dir / "templates").mkdir()
    (site_dir / "templates" / "404.html").write_text("{% if %}\n")
    result = run("check")
    assert result.lines[1] == "templates/404.html:1: template: Expected an expression, got 'end of statement block'"


def test_a_theme_extending_a_missing_theme_names_its_line(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    theme = site_dir / "themes" / "paper"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yaml").write_text("# a paper look\nextends: defualt\n")
    (site_dir / "site.yaml").write_text("theme: paper\n")
    result = run("check")
    assert result.code == 1
    assert result.lines[1] == 'themes/paper/theme.yaml:2: extends: no theme "defualt" (have: default, paper)'


class _Html:
    def __html__(self) -> str:
        return "<b>marked up</b>"


ESCAPING = """{% macro card(x) %}<p>{{ x }}</p>{% endmacro %}
{% set block %}<i>{{ text }}</i>{% endset %}
{{ text }} {{ safe }} {{ number }} {{ flag }} {{ ratio }} {{ nothing }} {{ html }} {{ items }}
{{ card(text) }} {{ block }} {{ text ~ safe }} {{ text | upper }} {{ safe | upper }}
{% filter upper %}{{ text }}{% endfilter %} {{ "<literal>" }} {{ items | join(", ") }}
{% for x in items %}{{ shout(x) }} {{ where() }} {{ card(x) }} {{ ", ".join(["a", "b"]) }} {{ box.get("k") }}{% endfor %}
"""


def test_output_escaping_and_calls_match_jinja(tmp_path: Path) -> None:
    """The theme engine escapes output expressions and calls plain functions its own way; pages come out
    as stock Jinja's."""
    import jinja2
    from markupsafe import Markup

    @jinja2.pass_context
    def where(context: jinja2.runtime.Context) -> str:
        return f"in {context['flag']}"

    from briefkit.engine import environment
    from briefkit.themes import Theme

    (tmp_path / "t.html").write_text(ESCAPING)
    values = {"text": "Tom & \"Jerry\" <'x'>", "safe": Markup("<em>kept</em>"), "number": 42, "flag": True,
              "ratio": 0.5, "nothing": None, "html": _Html(), "items": ["<a>", Markup("<b>")],
              "shout": lambda s: f"{s}!", "where": where, "box": {"k": "<v>"}}
    ours = environment(Theme((tmp_path,), ())).get_template("t.html").render(**values)
    stock = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True).get_template("t.html").render(**values)
    assert ours == stock
    assert "Tom &amp; &#34;Jerry&#34; &lt;&#39;x&#39;&gt; <em>kept</em> 42 True 0.5 None <b>marked up</b>" in ours
    assert "<p>Tom &amp;" in ours and "<i>Tom &amp;" in ours and "TOM &amp;" in ours
    assert "&lt;a&gt;! in True <p>&lt;a&gt;</p> a, b &lt;v&gt;&lt;b&gt;! in True <p><b></p> a, b &lt;v&gt;" in ours


LOOPS = """\
{% for x in items %}[{{ loop.index }} {{ loop.index0 }} {{ loop.revindex }} {{ loop.revindex0 }} {{ loop.first }}
 {{ loop.last }} {{ loop.length }} {{ loop.depth }} {{ loop.cycle('odd', 'even') }} {{ loop.changed(x[:1]) }}
 {{ loop.previtem | default('-') }} {{ loop.nextitem | default('-') }}]{% else %}none{% endfor %}
{% for x in items if x != 'b' %}{{ loop.index }}/{{ loop.length }}{{ '.' if loop.last }}{% endfor %}
{% for x in pair %}{% for y in pair %}{{ loop.index }}{{ x }}{{ y }}{{ loop.last }} {% endfor %}{{ loop.index }}|{% endfor %}
{% for k, v in box.items() %}{{ k }}{{ v }}{{ loop.last }}{% endfor %}
{% for x in grow %}{{ x }}{{ loop.last }}{% if loop.index == 1 %}{{ grow.append(9) or '' }}{% endif %}{% endfor %}
{% for node in tree recursive %}<{{ node.name }} {{ loop.depth }} {{ loop.last }}{{ loop(node.kids) }}>{% endfor %}
"""


@pytest.mark.parametrize("items", [["a", "b", "ab", "c"], ("a", "b"), [], ["only"]])
def test_loops_over_lists_say_what_jinja_s_would(tmp_path: Path, items: list[str] | tuple[str, ...]) -> None:
    """A loop over a list or tuple is stepped the engine's own way; every `loop` variable reads as stock
    Jinja's, nested, filtered and recursive loops and a list that grows while looped over included."""
    import jinja2

    from briefkit.engine import environment
    from briefkit.themes import Theme

    (tmp_path / "t.html").write_text(LOOPS)

    def values() -> dict[str, object]:
        tree = [{"name": "a", "kids": [{"name": "a1", "kids": []}, {"name": "a2", "kids": ()}]}, {"name": "b", "kids": []}]
        return {"items": items, "pair": ("x", "y"), "box": {"k": 1, "j": 2}, "grow": [1, 2], "tree": tree}

    ours = environment(Theme((tmp_path,), ())).get_template("t.html").render(**values())
    stock = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True).get_template("t.html").render(**values())
    assert ours == stock
    assert "1x" in ours and "<a 1 False<a1 2 False><a2 2 True>>" in ours


def _paper(site_dir: Path, meta: str) -> Path:
    copy_fixture_briefs(site_dir, "minimal.md")
    theme = site_dir / "themes" / "paper"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yaml").write_text(meta)
    (site_dir / "site.yaml").write_text("theme: paper\n")
    return theme


def test_a_theme_yaml_that_cannot_be_read_is_an_error_not_a_crash(site_dir: Path) -> None:
    _paper(site_dir, "# a paper look\nextends: [default\n")
    result = run("check")
    assert result.code == 1
    assert result.lines[1] == ("themes/paper/theme.yaml:2: extends: the [ at column 10 opens a list that is never "
                               "closed; end it with ]")
    (site_dir / "themes" / "paper" / "theme.yaml").write_text("- default\n")
    assert run("check").lines[1] == ("themes/paper/theme.yaml:1: theme.yaml: should be a mapping of keys "
                                     "(extends: default), not a list")
    (site_dir / "themes" / "paper" / "theme.yaml").write_text("extends: ../../elsewhere\n")
    assert run("check").lines[1] == ("themes/paper/theme.yaml:1: extends: should name a theme's folder under "
                                     "themes/ (like default) (got \"../../elsewhere\")")


def test_a_loop_of_themes_is_named_at_the_extends_that_closes_it(site_dir: Path) -> None:
    _paper(site_dir, "# a paper look\nextends: ink\n")
    (site_dir / "themes" / "ink").mkdir()
    (site_dir / "themes" / "ink" / "theme.yaml").write_text("# ink\n\nextends: paper\n")
    result = run("check")
    assert result.code == 1
    assert result.lines[1] == ("themes/ink/theme.yaml:3: extends: themes extend each other in a loop "
                               "(paper -> ink -> paper); one of them must extend no theme, or another one")


def test_a_missing_partial_names_the_include_line(site_dir: Path) -> None:
    theme = _paper(site_dir, "extends: default\n")
    (theme / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{% include "partials/lost.html" %}\n{% endblock %}\n')
    result = run("check")
    assert result.code == 1
    assert result.lines[1].startswith('themes/paper/templates/404.html:3: template: no template "partials/lost.html" '
                                      "in the theme (looked in themes/paper/templates/, ")


def test_a_mistake_in_base_html_is_reported_once(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    (site_dir / "templates").mkdir()
    base = (ROOT / "themes" / "default" / "templates" / "base.html").read_text()
    (site_dir / "templates" / "base.html").write_text(base.replace("config.description", "config.descripton"))
    result = run("check")
    assert result.code == 1
    assert [line for line in result.lines if "descripton" in line] == [
        ('templates/base.html:39: template: SiteConfig has no attribute "descripton" (did you mean "description"?) '
         "(rendering index.html)")]


def test_a_template_extending_itself_says_so(site_dir: Path) -> None:
    theme = _paper(site_dir, "extends: default\n")
    (theme / "templates" / "base.html").write_text('{% extends "base.html" %}\n')
    result = run("check")
    assert result.code == 1
    assert result.lines[1] == ("themes/paper/templates/base.html:1: template: extends or includes itself, "
                               "directly or through other templates (rendering index.html); to build on the template "
                               'of the same name it overrides, name that one by its theme: {% extends "default:base.html" %}')
    assert result.lines[-1].startswith("check failed: 1 error,")


def test_a_template_builds_on_the_one_it_overrides_by_its_theme_s_name(site_dir: Path) -> None:
    copy_fixture_briefs(site_dir, "minimal.md")
    theme = _paper(site_dir, "extends: default\n")
    (theme / "templates" / "base.html").write_text(
        '{% extends "default:base.html" %}\n{% block title %}Paper · {{ super() }}{% endblock %}\n')
    assert run("build", "--no-search").code == 0
    home = (site_dir / "site" / "index.html").read_text()
    assert "<title>Paper · " in home and '<main id="main"' in home  # the default theme's page, one block changed
    (theme / "templates" / "base.html").write_text('{% extends "nope:base.html" %}\n')
    assert run("check").lines[1].startswith('themes/paper/templates/base.html:1: template: no template "nope:base.html" '
                                            "in the theme (looked in ")


def test_a_template_that_writes_nothing_is_an_error(site_dir: Path) -> None:
    theme = _paper(site_dir, "extends: default\n")
    (theme / "templates" / "archive.html").write_text("{% if false %}soon{% endif %}\n")
    result = run("build")
    assert result.code == 1
    assert result.lines[1] == ("themes/paper/templates/archive.html: template: made an empty page for "
                               'archive/index.html; a page\'s template must write its HTML (or {% extends "base.html" %} '
                               "and fill a block)")
    assert not (site_dir / "site").exists()


def test_hidden_and_editor_files_in_a_theme_static_folder_are_not_published(site_dir: Path) -> None:
    theme = _paper(site_dir, "extends: default\n")
    (theme / "static" / ".git").mkdir(parents=True)
    for name in ("style.css", ".style.css.swp", "style.css~", ".DS_Store", ".git/config"):
        (theme / "static" / name).write_text("x\n")
    assert run("build", "--no-search").code == 0
    static = sorted(p.name for p in (site_dir / "site" / "static").iterdir())
    assert static == ["favicon.svg", "search-box.js", "search.js", "style.css"]


def test_the_documented_context_is_there(site_dir: Path) -> None:
    """What the README's table promises a theme author, read as the README writes it."""
    theme = _paper(site_dir, "extends: default\n")
    (theme / "templates" / "partials").mkdir()
    (theme / "templates" / "partials" / "footer_extra.html").write_text(
        '<p class="contract">{{ absolute(url("topics/")) }} {{ build_time | iso }} {{ page.path }}'
        '{% if pagination is defined %} {{ pagination["items"] | length }}/{{ pagination.total }} '
        "{{ pagination.page }}/{{ pagination.pages }} {{ pagination.next }}{% endif %}"
        "{% if brief is defined %} {{ brief.title }} {{ brief.related | length }} {{ brief.linked_from | length }}"
        " {{ brief.extra is mapping }} {{ brief.earlier }} {{ brief.rendered.citations | length }}{% endif %}"
        "{% for g in site.months %} {{ g.key }} {{ g.name }}{% endfor %}</p>\n")
    assert run("build", "--no-search", "--base-url", "https://example.org/r/").code == 0
    home = (site_dir / "site" / "index.html").read_text()
    assert ('<p class="contract">https://example.org/r/topics/ 2024-10-27T03:33:20+00:00 index.html 1/1 1/1 None'
            " 2024-10 October 2024</p>") in home
    brief = (site_dir / "site" / "briefs" / "minimal" / "index.html").read_text()
    assert '<p class="contract">https://example.org/r/topics/ 2024-10-27T03:33:20+00:00 briefs/minimal/index.html' in brief
    assert " 0 0 True None 1 2024-10 October 2024</p>" in brief


def test_a_typo_names_the_class_a_template_sees_on_a_cached_build_too(site_dir: Path) -> None:
    """A build with the cache reads `site` through a recorder: its typos named it ("SiteReads", "MappingReads")
    with no near miss, and a brief's own fields (read through BriefView) were never offered."""
    copy_fixture_briefs(site_dir, "minimal.md")
    assert run("build", "-q", "--no-search").code == 0
    (site_dir / "templates").mkdir()
    page = site_dir / "templates" / "404.html"
    for typo, said in [("site.breifs", 'SiteData has no attribute "breifs" (did you mean "briefs"?)'),
                       ("site.extra.nope", 'dict has no attribute "nope"'),
                       ("site.briefs[0].titel", 'BriefView has no attribute "titel" (did you mean "title"?)')]:
        page.write_text('{% extends "base.html" %}\n{% block main %}\n<p>{{ ' + typo + ' }}</p>\n{% endblock %}\n')
        result = run("build", "--no-search")
        assert result.code == 1
        assert result.lines[1] == f"templates/404.html:3: template: {said} (rendering 404.html)"
