"""Questions as readers type them: the words dropped, comparisons split, and the sections pointed to."""

from __future__ import annotations

import re

import pytest

from llmterms import questions
from tests import REPO


@pytest.mark.parametrize(
    ("query", "parts", "comparison"),
    [
        ("what is perplexity", ("perplexity",), False),
        ("What's a LoRA?", ("LoRA",), False),
        ("how much vram do I need", ("vram",), False),
        ("ggml vs gguf", ("ggml", "gguf"), True),
        ("ggml vs. gguf", ("ggml", "gguf"), True),
        ("difference between q4_k_m and q5_k_m", ("q4_k_m", "q5_k_m"), True),
        (
            "tensor parallelism and pipeline parallelism",
            ("tensor parallelism and pipeline parallelism",),
            False,
        ),
        ("what is", ("what is",), False),  # nothing left to ask about: the words stay
        ("7b", ("7b",), False),
    ],
)
def test_parse(query, parts, comparison):
    question = questions.parse(query)
    assert (question.parts, question.comparison) == (parts, comparison)


def test_every_section_exists_in_its_chapter():
    for section in questions.all_sections():
        source = (REPO / "docs" / f"{section.doc}.md").read_text(encoding="utf-8")
        headings = re.findall(r"^#+ (.+)$", source, re.MULTILINE)
        assert section.heading in headings, section


def test_sections_need_their_words_or_their_kind_of_question():
    assert questions.sections(questions.parse("vram")) == []
    assert questions.sections(questions.parse("7b model")) == []  # a size label only on its own
    assert [s.doc for s in questions.sections(questions.parse("70B"))] == ["04-names"]
    mixed = questions.parse("gguf vs q4_k_m")
    assert questions.sections(mixed, ["formats", "quantization"]) == []
