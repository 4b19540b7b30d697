"""The PDF manual (``tox -e pdf`` builds it first): complete, cross-referenced, every glyph present."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from llmterms import glossary
from tests import REPO

PDF = REPO / "build" / "pdf" / "llmterms.pdf"
LOG = REPO / "build" / "latex" / "llmterms.log"

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def text() -> str:
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `tox -e pdf`")
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    out = subprocess.run(["pdftotext", "-layout", str(PDF), "-"], capture_output=True, text=True, check=True)
    # Join words hyphenated across lines, and fold runs of spaces, so names can be searched as written.
    return re.sub(r"[ \t]+", " ", re.sub(r"-\n\s*", "-", out.stdout))


def _flat(text: str) -> str:
    """Fold white space, and the typographic quotes and dashes LaTeX prints, into their plain forms."""
    text = text.translate(
        str.maketrans(
            {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2026": "..."}
        )
    )
    return re.sub(r"\s+", " ", text)


def test_page_count_is_within_bounds():
    out = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE)[1])
    assert 150 <= pages <= 900, pages


def test_every_chapter_title_is_present(text):
    flat = _flat(text)
    for source in sorted((REPO / "docs").glob("[0-9][0-9]-*.md")):
        title = source.read_text(encoding="utf-8").splitlines()[0].removeprefix("# ").strip()
        assert _flat(title) in flat, title


def test_every_glossary_term_is_present(text):
    flat = _flat(text)
    missing = [e.term for e in glossary.load(REPO / "glossary") if _flat(e.term) not in flat]
    assert missing == []


def test_no_unresolved_cross_reference(text):
    assert "??" not in text


def test_the_title_page_carries_the_version(text):
    from llmterms import __version__

    assert __version__ in text[:3000]


def test_no_missing_glyphs_or_undefined_references_in_the_log():
    log = LOG.read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log
    assert not re.search(r"LaTeX Warning: (Reference|Citation) .* undefined", log)
