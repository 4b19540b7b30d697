"""The Sphinx extension: a small project built for real, good and bad."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from llmterms.entry import CATEGORIES
from tests.sample_glossary import write_entry
from tests.sphinx_project import sphinx_build, sphinx_project

pytest.importorskip("sphinx", reason="the docs extra is not installed")

DOCS = Path(__file__).resolve().parent.parent / "docs"


def build(project: Path, *extra: str) -> subprocess.CompletedProcess:
    return sphinx_build(project, "-E", "-q", *extra)


@pytest.fixture
def project(tmp_path: Path, glossary_dir: Path) -> Path:
    chapter = "# Chapter\n\nAn {term}`LLM` is large; so is a {term}`transformer architecture`.\n"
    return sphinx_project(tmp_path, {"chapter": chapter})


def test_renders_entries_on_their_category_page_with_aliases_and_backlinks(project):
    result = build(project)
    assert result.returncode == 0, result.stderr
    page = (project / "html" / "glossary" / "concepts.html").read_text()
    assert "<title>Concepts" in page
    assert 'id="term-Large-language-model"' in page
    assert "llmterms-alias" in page and ">LLM<" in page
    assert "Used in:" in page and 'href="../chapter.html"' in page
    assert "Status:" in page and "2026-11-22" in page
    assert "Transformer" not in page.split('id="term-Large-language-model"')[0]  # not the other category's
    # The Transformer's see-also links the LLM entry on the other category's page.
    architecture = (project / "html" / "glossary" / "architecture.html").read_text()
    assert 'href="concepts.html#term-LLM"' in architecture
    chapter = (project / "html" / "chapter.html").read_text()
    assert chapter.count('href="glossary/concepts.html#term-') == 1
    assert chapter.count('href="glossary/architecture.html#term-') == 1


def test_the_index_lists_every_name_and_summary_linked_to_the_definition(project):
    assert build(project).returncode == 0
    index = (project / "html" / "glossary.html").read_text()
    # The index keeps each name's anchor, so an old link to glossary.html#term-... still finds the name.
    assert (
        '<dt id="term-LLM" class="llmterms-alias">' in index
        or 'class="llmterms-alias" id="term-LLM"' in index
    )
    assert 'href="glossary/concepts.html#term-LLM"' in index
    assert 'href="glossary/architecture.html#term-Transformer"' in index
    assert "A layer that mixes information" not in index  # bodies are on the category pages only
    assert "Used in:" not in index


def test_the_manual_has_one_page_per_category_in_the_manual_order():
    pages = sorted(p.stem for p in (DOCS / "glossary").glob("*.md"))
    assert pages == sorted(CATEGORIES)
    for slug in CATEGORIES:
        assert (DOCS / "glossary" / f"{slug}.md").read_text() == f"```{{llmterms-glossary}} {slug}\n```\n"
    index = (DOCS / "glossary.md").read_text()
    listed = [line for line in index.splitlines() if line.startswith("glossary/")]
    assert listed == [f"glossary/{slug}" for slug in CATEGORIES]


def test_an_unknown_category_fails_the_build_naming_the_page_and_the_value(project):
    (project / "docs" / "glossary" / "concepts.md").write_text("```{llmterms-glossary} concept\n```\n")
    result = build(project)
    assert result.returncode != 0
    assert "glossary/concepts.md" in result.stderr and "unknown category 'concept'" in result.stderr


def test_a_malformed_entry_fails_the_build_naming_file_and_key(project):
    path = project / "glossary" / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("see_also: [LLM]", "see_also: [GGMLv4]"))
    result = build(project)
    assert result.returncode != 0
    assert "glossary/architecture/transformer.md: see_also: unknown term 'GGMLv4'" in result.stderr
    assert result.stderr.count("unknown term 'GGMLv4'") == 1  # reported once, by the index, not per page


def test_editing_an_entry_rereads_its_category_page_and_the_index_only(project):
    assert build(project).returncode == 0
    path = project / "glossary" / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("for translation.", "for machine translation."))
    result = sphinx_build(project)
    assert result.returncode == 0, result.stderr
    assert "2 changed" in result.stdout, result.stdout
    assert "machine translation" in (project / "html" / "glossary" / "architecture.html").read_text()


def test_a_new_entry_file_rebuilds_its_category_page(project):
    assert build(project).returncode == 0
    write_entry(
        project / "glossary",
        "architecture/attention.md",
        """\
        term: Attention
        aliases: []
        category: architecture
        summary: A layer that mixes information between positions.
        see_also: [Transformer]
        references: []
        status: current
        verified: 2026-11-22
        ---
        Each position looks at the others.
        """,
    )
    result = sphinx_build(project)
    assert result.returncode == 0, result.stderr
    page = (project / "html" / "glossary" / "architecture.html").read_text()
    assert "Each position looks at the others." in page
    assert (
        "A layer that mixes information between positions."
        in (project / "html" / "glossary.html").read_text()
    )
