"""The Sphinx extension: a small project built for real, good and bad."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.sample_glossary import write_entry
from tests.sphinx_project import sphinx_build, sphinx_project

pytest.importorskip("sphinx", reason="the docs extra is not installed")


def build(project: Path, *extra: str) -> subprocess.CompletedProcess:
    return sphinx_build(project, "-E", "-q", *extra)


@pytest.fixture
def project(tmp_path: Path, glossary_dir: Path) -> Path:
    chapter = "# Chapter\n\nAn {term}`LLM` is large; so is a {term}`transformer architecture`.\n"
    return sphinx_project(tmp_path, {"chapter": chapter})


def test_renders_entries_aliases_and_backlinks(project):
    result = build(project)
    assert result.returncode == 0, result.stderr
    page = (project / "html" / "glossary.html").read_text()
    assert 'id="term-Large-language-model"' in page or 'id="term-large-language-model"' in page.lower()
    assert "llmterms-alias" in page and ">LLM<" in page
    assert "Used in:" in page and 'href="chapter.html"' in page
    assert "Status:" in page and "2026-11-22" in page
    chapter = (project / "html" / "chapter.html").read_text()
    assert chapter.count('href="glossary.html#term-') == 2


def test_a_malformed_entry_fails_the_build_naming_file_and_key(project):
    path = project / "glossary" / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("see_also: [LLM]", "see_also: [GGMLv4]"))
    result = build(project)
    assert result.returncode != 0
    assert "glossary/architecture/transformer.md: see_also: unknown term 'GGMLv4'" in result.stderr


def test_editing_an_entry_rebuilds_the_glossary(project):
    assert build(project).returncode == 0
    path = project / "glossary" / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("for translation.", "for machine translation."))
    result = sphinx_build(project)
    assert result.returncode == 0, result.stderr
    assert "1 changed" in result.stdout or "reading sources... [100%] glossary" in result.stdout
    assert "machine translation" in (project / "html" / "glossary.html").read_text()


def test_a_new_entry_file_rebuilds_the_glossary(project):
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
    assert "Each position looks at the others." in (project / "html" / "glossary.html").read_text()
