"""Builds: incremental rebuilds re-read only what changed and keep tooltips, backlinks and search right;
a clean build catches a renamed term; two clean builds are identical.

A small project with the llmterms extension stands in for the manual (a full build takes minutes). The
same check on the whole manual, two clean builds of docs/ compared file by file, runs in ``tox -e bench``
(tests/bench/reproducible.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.sphinx_project import sphinx_build, sphinx_project

pytest.importorskip("sphinx", reason="the docs extra is not installed")


def sphinx(project: Path, *options: str) -> subprocess.CompletedProcess:
    """Build without -q, so that the output lists the pages Sphinx re-read."""
    return sphinx_build(project, *options)


def reread(result: subprocess.CompletedProcess) -> set[str]:
    """The pages Sphinx read in this build, from its 'reading sources... [ 50%] name' lines."""
    return set(re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", result.stdout))


@pytest.fixture
def project(tmp_path: Path, glossary_dir: Path) -> Path:
    chapters = {
        "first": "# First\n\nAn {term}`LLM` predicts the next token.\n",
        "second": "# Second\n\nNothing here links the glossary yet.\n",
    }
    sphinx_project(tmp_path, chapters)
    result = sphinx(tmp_path, "-E")
    assert result.returncode == 0, result.stderr
    return tmp_path


def ranking(project: Path) -> dict:
    """The glossary block's names and result lines, as the search page holds them."""
    page = (project / "html" / "search.html").read_text()
    start = page.index("window.LLMTERMS_RANKING = ") + len("window.LLMTERMS_RANKING = ")
    return json.JSONDecoder().raw_decode(page[start:].replace("<\\/", "</"))[0]


def tooltips(project: Path) -> dict[str, dict]:
    """The entries the search page's glossary block shows (term, link, summary), by term."""
    data = ranking(project)
    script = (project / "html" / "_static" / "llmterms-glossary.js").read_text()
    summaries = json.loads(script.removeprefix("window.LLMTERMS_SUMMARIES = ").removesuffix(";\n"))
    found = {}
    for (term, _, page, *rest), summary in zip(data["entries"], summaries, strict=True):
        anchor = rest[0] if rest and rest[0] else "term-" + "-".join(term.split())
        found[term] = {"t": term, "u": f"{data['pages'][page]}#{anchor}", "s": summary}
    return found


def published(project: Path) -> dict[str, dict]:
    return {e["term"]: e for e in json.loads((project / "html" / "glossary.json").read_text())}


def site(project: Path) -> dict[str, bytes]:
    """Every file of the built site, by path."""
    return {
        str(p.relative_to(project / "html")): p.read_bytes()
        for p in sorted((project / "html").rglob("*"))
        if p.is_file()
    }


def clean_build(project: Path, page: str | None = "computed") -> str:
    """Build into fresh output and doctree folders (build/cache is kept); return the page's HTML."""
    for folder in ("html", "doctrees"):
        shutil.rmtree(project / folder, ignore_errors=True)
    result = sphinx(project, "-E")
    assert result.returncode == 0, result.stderr
    return (project / "html" / f"{page}.html").read_text() if page else ""


def unlike_a_clean_build(project: Path) -> list[str]:
    """The files of the site as built that a clean build of the same sources gives otherwise (or not at
    all); the clean build's site stays."""
    built = site(project)
    clean_build(project, None)
    clean = site(project)
    return sorted(name for name in built.keys() | clean.keys() if built.get(name) != clean.get(name))


def search_index_of(script: bytes) -> dict:
    text = script.decode("utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def search_index(project: Path) -> dict:
    return search_index_of((project / "html" / "searchindex.js").read_bytes())


def test_an_unchanged_project_rereads_nothing(project):
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert reread(result) == set()


def written(result: subprocess.CompletedProcess) -> set[str]:
    """The pages Sphinx wrote in this build, from its 'writing output... [ 50%] name' lines."""
    return set(re.findall(r"writing output\.\.\. \[\s*\d+%\] (\S+)", result.stdout))


def test_editing_one_chapter_rereads_it_only(project):
    chapter = project / "docs" / "second.md"
    chapter.write_text(chapter.read_text() + "\nA second paragraph about nothing in particular.\n")
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    # The glossary pages' "Used in" lines are filled when they are written, so the chapter's edit reads
    # neither the glossary's pages nor the glossary; no link changed, so none of them is rewritten.
    assert reread(result) == {"second"}
    assert [page for page in written(result) if page.startswith("glossary")] == []
    assert "second paragraph" in (project / "html" / "second.html").read_text()


def test_a_new_link_updates_backlinks_tooltips_and_search_incrementally(project):
    before = tooltips(project)
    chapter = project / "docs" / "second.md"
    chapter.write_text("# Second\n\nEvery {term}`transformer architecture` has layers of zyzzyvas.\n")
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert reread(result) == {"second"}
    # A new "Used in" link: the Transformer's category page is written again, not read again; the other
    # category's page is not written at all.
    assert {"glossary/architecture"} <= written(result)
    assert "glossary/concepts" not in written(result)

    # Backlinks: the "Used in" line on the category page and in glossary.json.
    page = (project / "html" / "glossary" / "architecture.html").read_text()
    transformer = page[page.index('id="term-Transformer"') :]
    used_in = transformer[transformer.index("Used in:") : transformer.index("</dd>")]
    assert 'href="../second.html"' in used_in
    assert published(project)["Transformer"]["used_in"] == ["second"]
    assert published(project)["Large language model"]["used_in"] == ["first"]
    # Tooltips: every entry is still there, with the same anchors, after a build that read two pages.
    assert tooltips(project) == before
    assert tooltips(project)["Transformer"]["u"] == "glossary/architecture.html#term-Transformer"
    # The chapter's link points at the glossary anchor the tooltip script knows.
    assert (
        'href="glossary/architecture.html#term-transformer-architecture"'
        in (project / "html" / "second.html").read_text()
    )
    # Search: the new word is indexed for the edited page, and the search page's glossary block still
    # ranks every name (in search.html; the glossary page is not in Sphinx's index, issue 18).
    index = search_index(project)
    assert index["docnames"][index["terms"]["zyzzyva"]] == "second"
    names = {name for entry in ranking(project)["names"] for name in entry.split("|")}
    assert {"llm", "transformer", "transformer architecture"} <= names


def test_a_new_title_of_a_page_using_a_term_rewrites_the_glossary_page(project):
    chapter = project / "docs" / "first.md"
    chapter.write_text(chapter.read_text().replace("# First", "# The first chapter"))
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert reread(result) == {"first"}
    page = (project / "html" / "glossary" / "concepts.html").read_text()
    assert page.count("The first chapter</span></a>") == 1  # the "Used in" line of "Large language model"


def test_editing_an_entry_updates_tooltips_and_published_data(project):
    path = project / "glossary" / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("attention and feed-forward layers.", "attention layers."))
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert reread(result) == {"glossary/architecture", "glossary"}  # its category's page and the index
    summary = "A neural network architecture built from attention layers."
    assert tooltips(project)["Transformer"]["s"] == summary
    assert published(project)["Transformer"]["summary"] == summary
    assert summary in (project / "html" / "glossary" / "architecture.html").read_text()
    assert summary in (project / "html" / "glossary.html").read_text()


def test_a_renamed_term_is_caught_by_the_clean_build(project):
    (project / "docs" / "second.md").write_text("# Second\n\nAbout the {term}`transformer architecture`.\n")
    assert sphinx(project).returncode == 0
    path = project / "glossary" / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("[transformer architecture]", "[transformer design]"))
    # CI builds clean (-E, as tox -e docs does): every page is read and every link resolved again.
    result = sphinx(project, "-E")
    assert result.returncode != 0
    assert "term not in glossary: 'transformer architecture'" in result.stderr


def test_two_clean_builds_are_identical(project):
    """Clean means what CI does: a fresh output folder and -E."""
    assert unlike_a_clean_build(project) == []


def test_an_entry_moved_to_another_category_moves_its_links_as_a_clean_build_does(project):
    """The chapter linking the entry is not read again, yet its link must point at the new page."""

    old = project / "glossary" / "concepts" / "large-language-model.md"
    new = project / "glossary" / "architecture" / "large-language-model.md"
    new.write_text(old.read_text().replace("category: concepts", "category: architecture"))
    old.unlink()
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert reread(result) == {"glossary/concepts", "glossary/architecture", "glossary"}
    assert "first" in written(result)
    assert 'href="glossary/architecture.html#term-LLM"' in (project / "html" / "first.html").read_text()
    assert (
        tooltips(project)["Large language model"]["u"]
        == "glossary/architecture.html#term-Large-language-model"
    )
    assert unlike_a_clean_build(project) == []


def test_the_search_page_stamps_the_glossary_files_it_loads(project):
    kept = project / "build" / "cache" / "glossary"  # the entries and their words, read once per content
    before = sorted(kept.glob("*.pickle"))
    assert len(before) == 1
    path = project / "glossary" / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("attention and feed-forward layers.", "attention layers."))
    assert sphinx(project).returncode == 0
    after = sorted(kept.glob("*.pickle"))
    assert len(after) == 1 and after != before
    static = project / "html" / "_static"
    files = [static / "llmterms-glossary.js", *sorted((static / "llmterms-words").glob("*.js"))]
    assert len(files) > 10
    assert ranking(project)["v"] == f"{zlib.crc32(b''.join(p.read_bytes() for p in files)):08x}"
    # The words of the edited summary are where the block looks for them.
    assert "attention" in (static / "llmterms-words" / "a.js").read_text()


def test_incremental_builds_give_what_a_clean_build_gives(project):
    """After a chapter edit and an entry edit, each built incrementally, the site equals a clean build's."""

    chapter = project / "docs" / "second.md"
    chapter.write_text("# Second\n\nEvery {term}`transformer architecture` has layers.\n")
    assert sphinx(project).returncode == 0
    entry = project / "glossary" / "architecture" / "transformer.md"
    entry.write_text(entry.read_text().replace("attention and feed-forward layers.", "attention layers."))
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert reread(result) == {"glossary/architecture", "glossary"}
    incremental = site(project)
    # searchindex.js too: Sphinx 8.2 keeps a word removed from every page in the index with an empty list
    # of pages, and llmterms.sphinxext.web, which rewrites the index without the glossary's pages, drops it.
    assert unlike_a_clean_build(project) == []
    index = search_index_of(incremental["searchindex.js"])
    gone = ["feed", "forward", "here", "link", "noth", "yet"]  # stems of the words the edits removed
    assert [word for word in gone if word in index["terms"]] == []


# -- Figures and tables kept across builds -------------------------------------------------------------

DEMO = """\
from pathlib import Path

HERE = Path(__file__).parent


def _note(what):
    with open(HERE.parent / "calls.txt", "a") as f:  # outside lib/, which is part of the cache key
        f.write(what + "\\n")


def rows():
    _note("table")
    return [{"value": int((HERE / "value.txt").read_text())}]


def height():
    _note("plot")
    return int((HERE / "value.txt").read_text())
"""


@pytest.fixture
def computed_project(tmp_path: Path, glossary_dir: Path) -> Path:
    chapter = (
        "# Computed\n\n```{llmterms-table} demo:rows\n```\n\n"
        "```{plot}\n:caption: A bar.\n\nimport demo\nplt.bar([0], [demo.height()])\n```\n"
    )
    sphinx_project(tmp_path, {"computed": chapter})
    with (tmp_path / "conf.py").open("a") as conf:
        conf.write(
            "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent / 'lib'))\n"
            "llmterms_cache_inputs = ['lib']\n"
        )
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "demo.py").write_text(DEMO)
    (tmp_path / "lib" / "value.txt").write_text("7\n")
    return tmp_path


def test_figures_and_tables_are_reused_until_a_module_or_data_file_changes(computed_project):
    calls = computed_project / "calls.txt"
    first = clean_build(computed_project)
    assert calls.read_text().split() == ["table", "plot"]
    assert "<p>7</p>" in first
    # A clean build (fresh output and doctree folders) of the same sources computes nothing again.
    assert clean_build(computed_project) == first
    assert calls.read_text().split() == ["table", "plot"]
    assert (computed_project / "build" / "cache" / "plots").is_dir()
    # A changed data file invalidates both.
    (computed_project / "lib" / "value.txt").write_text("8\n")
    assert "<p>8</p>" in clean_build(computed_project)
    assert calls.read_text().split() == ["table", "plot", "table", "plot"]
    # So does a changed module, though it returns the same values.
    demo = computed_project / "lib" / "demo.py"
    demo.write_text(demo.read_text() + "\n# a comment changes the module's content\n")
    clean_build(computed_project)
    assert calls.read_text().split() == ["table", "plot"] * 3


# -- Citations kept across builds, Sphinx's own pages written only after a change -----------------------

BIB = """\
@article{vaswani2017attention,
  author = {Vaswani, Ashish and Shazeer, Noam},
  title = {Attention Is All You Need},
  journal = {Advances in Neural Information Processing Systems},
  year = {2017},
}
"""


@pytest.fixture
def cited_project(tmp_path: Path, glossary_dir: Path) -> Path:
    """The glossary entry "Large language model" cites vaswani2017attention; so does a chapter."""
    chapters = {
        "cites": "# Cites\n\nAttention {cite:p}`vaswani2017attention` made {term}`LLMs <LLM>`.\n",
        "references": "# References\n\n```{bibliography}\n```\n",
    }
    sphinx_project(tmp_path, chapters)
    (tmp_path / "refs.bib").write_text(BIB)
    conf = (tmp_path / "conf.py").read_text()
    conf = conf.replace('"myst_parser", ', '"myst_parser", "sphinxcontrib.bibtex", ')
    (tmp_path / "conf.py").write_text(
        conf + 'bibtex_bibfiles = ["refs.bib"]\nbibtex_reference_style = "author_year"\n'
    )
    result = sphinx(tmp_path, "-E")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_kept_citations_give_the_pages_formatting_them_anew_gives(cited_project):
    first = site(cited_project)
    assert "Vaswani and Shazeer, 2017" in first["cites.html"].decode()
    assert list((cited_project / "build" / "cache" / "citations").glob("*.pickle"))
    # A second clean build takes every citation from the cache: the same files.
    clean_build(cited_project, "cites")
    assert site(cited_project) == first
    # A changed bibliography invalidates them.
    (cited_project / "refs.bib").write_text(BIB.replace("{2017}", "{2018}"))
    assert "Vaswani and Shazeer, 2018" in clean_build(cited_project, "cites")


def test_an_entry_edit_with_citations_gives_what_a_clean_build_gives(cited_project):
    entry = cited_project / "glossary" / "concepts" / "large-language-model.md"
    entry.write_text(entry.read_text().replace("trained to predict text", "trained to predict tokens"))
    result = sphinx(cited_project)
    assert result.returncode == 0, result.stderr
    assert reread(result) == {"glossary/concepts", "glossary"}
    assert "trained to predict tokens" in site(cited_project)["glossary/concepts.html"].decode()
    # Byte for byte: the glossary's pages are no longer in the search index, whose incremental copy kept
    # removed words (the glossary block searches its own names and words instead).
    assert unlike_a_clean_build(cited_project) == []


def test_the_index_pages_are_written_again_only_after_a_change(project):
    pages = [project / "html" / name for name in ("genindex.html", "search.html")]
    stamps = [page.stat().st_mtime_ns for page in pages]
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert "generating indices" not in result.stdout
    assert [page.stat().st_mtime_ns for page in pages] == stamps
    chapter = project / "docs" / "second.md"
    chapter.write_text(chapter.read_text() + "\nMore.\n")
    result = sphinx(project)
    assert result.returncode == 0, result.stderr
    assert "generating indices" in result.stdout
    assert all(page.stat().st_mtime_ns > stamp for page, stamp in zip(pages, stamps, strict=True))


# -- The chapters' doctests -----------------------------------------------------------------------------

SPHINX_TEST_BLOCK = re.compile(r"\{(doctest|testcode|testoutput|testsetup|testcleanup)\}")


def test_no_entry_holds_a_block_the_doctest_builder_would_run():
    """The doctest builder skips the glossary page's entries (llmterms.sphinxext.directive): none has a test."""
    from tests import REPO

    entries = sorted((REPO / "glossary").rglob("*.md"))
    assert len(entries) > 300
    assert [str(p) for p in entries if SPHINX_TEST_BLOCK.search(p.read_text(encoding="utf-8"))] == []


def test_the_doctest_builder_runs_the_chapters_without_rendering_the_glossary(tmp_path, glossary_dir):
    chapter = "# Doctests\n\n```{doctest}\n>>> 6 * 7\n42\n```\n\nAn {term}`LLM`.\n"
    sphinx_project(tmp_path, {"tested": chapter})
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "doctest",
        "-n",
        "-W",
        "--keep-going",
        "-c",
        str(tmp_path),
    ]
    command += ["-d", str(tmp_path / "doctrees"), str(tmp_path / "docs"), str(tmp_path / "doctest")]
    (tmp_path / "conf.py").write_text(
        (tmp_path / "conf.py").read_text().replace('"myst_parser", ', '"myst_parser", "sphinx.ext.doctest", ')
    )
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=os.environ | {"PYTHONHASHSEED": "0"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed and 0 failed" in (tmp_path / "doctest" / "output.txt").read_text()
    # The glossary page was read, but without its entries: none of their names became a search object.
    import pickle

    env = pickle.loads((tmp_path / "doctrees" / "environment.pickle").read_bytes())
    assert "glossary" in env.found_docs
    assert env.domaindata["llmterms"]["names"] == {}


# -- Stylesheets and head scripts inlined into each page (llmterms.sphinxext.stylesheets) ---------------

INLINE_LAYOUT = """{% extends "!layout.html" %}
{% block css %}<style data-llmterms-inline="{{ pathto('_static/site.css', 1) }}"></style>{% endblock %}
"""


@pytest.fixture
def inlined_project(tmp_path: Path, glossary_dir: Path) -> Path:
    """The small project with a layout that asks for its stylesheet inlined, as docs/_templates' does."""
    sphinx_project(tmp_path, {"first": "# First\n\nA paragraph.\n", "second": "# Second\n\nNo note yet.\n"})
    with (tmp_path / "conf.py").open("a") as conf:
        conf.write('templates_path = ["_templates"]\nhtml_static_path = ["_static"]\n')
    (tmp_path / "_templates").mkdir()
    (tmp_path / "_templates" / "layout.html").write_text(INLINE_LAYOUT)
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "site.css").write_text(
        "/* the site */\np { margin: 0 }\n.admonition { color: red }\n.zzz-nowhere { color: blue }\n"
    )
    assert sphinx(tmp_path, "-E").returncode == 0
    return tmp_path


def inline_style(page: str) -> str:
    return re.search(r"<style data-llmterms-inline=[^>]*>(.*?)</style>", page, re.S).group(1)


def test_each_page_inlines_the_rules_it_can_use_and_the_scripts_its_head_waits_for(inlined_project):
    first = (inlined_project / "html" / "first.html").read_text()
    assert inline_style(first) == "p{margin:0}"
    assert "_static/site.css" not in first.replace('data-llmterms-inline="_static/site.css"', "")
    # Sphinx's one blocking script is in the page, and no longer a request of its own.
    assert '<script data-llmterms-inline="_static/documentation_options.js' in first
    assert "const DOCUMENTATION_OPTIONS" in first
    assert not re.search(r'<script src="[^"]*documentation_options', first)


def test_inlined_pages_built_incrementally_are_those_of_a_clean_build(inlined_project):
    chapter = inlined_project / "docs" / "second.md"
    chapter.write_text("# Second\n\n```{note}\nA note.\n```\n")
    assert sphinx(inlined_project).returncode == 0
    assert ".admonition{color:red}" in inline_style((inlined_project / "html" / "second.html").read_text())
    # A stylesheet edit makes Sphinx copy the file, not write the pages: they are inlined again all the same.
    css = inlined_project / "_static" / "site.css"
    css.write_text(css.read_text().replace("margin: 0", "margin: 1px"))
    result = sphinx(inlined_project)
    assert result.returncode == 0, result.stderr
    assert "first" not in written(result)
    assert inline_style((inlined_project / "html" / "first.html").read_text()) == "p{margin:1px}"
    assert unlike_a_clean_build(inlined_project) == []


def test_a_page_left_as_the_last_build_inlined_it_is_not_read_again(inlined_project):
    # A build that writes no page, with the same stylesheet, takes each page for what it left (it knows the
    # file by its inode, size and time): a page changed behind its back, keeping those, is not read.
    # (Read, the changed text would not match the page's stamp, and the page would be inlined and written.)
    page = inlined_project / "html" / "first.html"
    stat = page.stat()
    html = page.read_bytes()
    with page.open("r+b") as f:
        f.seek(html.index(b"A paragraph."))
        f.write(b"B")
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = sphinx(inlined_project)
    assert result.returncode == 0, result.stderr
    assert written(result) == set()
    assert page.stat().st_mtime_ns == stat.st_mtime_ns
    assert b"B paragraph." in page.read_bytes()
    # A stylesheet that changes is a reason to read each page again, and that page is inlined anew.
    css = inlined_project / "_static" / "site.css"
    css.write_text(css.read_text().replace("margin: 0", "margin: 2px"))
    assert sphinx(inlined_project).returncode == 0
    assert inline_style(page.read_text()) == "p{margin:2px}"


# -- Sidebars kept across builds -----------------------------------------------------------------------


#: Counts the theme's calls for Sphinx's table of contents (each sidebar it draws) into toctree-calls.
COUNT_TOCTREES = """
def setup(app):
    from pathlib import Path
    from sphinx.builders.html import StandaloneHTMLBuilder
    calls = []
    original = StandaloneHTMLBuilder._get_local_toctree
    def counted(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)
    StandaloneHTMLBuilder._get_local_toctree = counted
    app.connect("build-finished", lambda app, exc: Path(app.confdir, "toctree-calls").write_text(str(len(calls))))
"""


@pytest.fixture
def themed_project(tmp_path: Path, glossary_dir: Path) -> Path:
    chapters = {"first": "# First\n\nText.\n", "second": "# Second\n\nMore text.\n"}
    sphinx_project(tmp_path, chapters)
    with (tmp_path / "conf.py").open("a") as conf:
        conf.write('html_theme = "sphinx_book_theme"\n' + COUNT_TOCTREES)
    result = sphinx(tmp_path, "-E")
    assert result.returncode == 0, result.stderr
    return tmp_path


def sidebar(html: str) -> str:
    return html[html.index('<nav class="bd-links bd-docs-nav"') :].split("</nav>", 1)[0]


def test_a_kept_sidebar_is_drawn_again_when_the_table_of_contents_changes(themed_project):
    kept = themed_project / "build" / "cache" / "sidebars"
    assert len(list(kept.glob("*.pickle"))) == 1
    drawn = themed_project / "toctree-calls"
    assert int(drawn.read_text()) >= 5  # the first build drew each page's sidebar
    first = sidebar(clean_build(themed_project, "first"))  # every sidebar from build/cache
    # pydata-sphinx-theme renders the sidebar template twice a page (once to see whether it is empty):
    # both times from build/cache.
    assert drawn.read_text() == "0"
    assert 'href="#">First</a>' in first and ">Second</a>" in first
    assert 'aria-label="Pages under Glossary"' in first
    # A page's new title is a new table of contents: another page's sidebar names it, even in a clean build
    # that keeps build/cache.
    (themed_project / "docs" / "second.md").write_text("# Second, renamed\n\nMore text.\n")
    assert sphinx(themed_project).returncode == 0
    assert ">Second, renamed</a>" in sidebar(clean_build(themed_project, "first"))
    assert len(list(kept.glob("*.pickle"))) == 1
    assert unlike_a_clean_build(themed_project) == []
