"""The manual's tiny model on modern llama.cpp (llama-cpp-python 0.3.36) against llmterms' own reading of it.

llmterms runs the tiny model through ctransformers' older llama.cpp build (llmterms.engine); here the same
file goes through current llama.cpp: the token ids must be identical and the perplexity, by llama.cpp's
method in llmterms.perplexity, within 1 %. The chapter 16 example that uses llama-cpp-python runs here too.
"""

from __future__ import annotations

import doctest
import re

import numpy as np
import pytest

from llmterms import perplexity, tiny
from tests import REPO


@pytest.fixture(scope="module")
def llm():
    from llama_cpp import Llama

    return Llama(
        model_path=str(tiny.path()), n_ctx=256, n_batch=256, logits_all=True, verbose=False, n_threads=1
    )


class _LlamaCpp:
    """The interface llmterms.perplexity needs, over a llama_cpp.Llama."""

    context_length = 256

    def __init__(self, llm):
        self.llm = llm
        self.bos_id = llm.token_bos()

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode(), add_bos=True, special=False)

    def logits(self, window: list[int], first: int = 0) -> np.ndarray:
        self.llm.reset()
        self.llm.eval(window)
        return np.array(self.llm.scores[: len(window)])[first:]


def test_token_ids_are_identical(llm):
    text = tiny.validation_text()[:20000]
    with tiny.load() as ours:
        ids = ours.tokenize(text)
        assert len(ids) > 8000
        assert llm.tokenize(text.encode(), add_bos=True, special=False) == ids


def test_perplexity_agrees_within_one_percent(llm):
    text = tiny.validation_text()[:20000]
    theirs = perplexity.perplexity(_LlamaCpp(llm), text, context_length=128, chunks=8)
    with tiny.load() as ours:
        mine = perplexity.perplexity(ours, text, context_length=128, chunks=8)
    assert 5 < mine < 100
    assert theirs == pytest.approx(mine, rel=0.01)


def test_chapter_16_llama_cpp_python_example():
    # The chapter's {doctest} block, run with the chapter's doctest globals (the Sphinx build skips it).
    text = (REPO / "docs" / "16-how-do-i.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```\{doctest\}\n(.*?)```", text, re.S) if "from llama_cpp import" in b]
    assert len(blocks) == 1
    body = "\n".join(line for line in blocks[0].splitlines() if not line.startswith(":"))
    test = doctest.DocTestParser().get_doctest(body, {"tiny": tiny}, "16-how-do-i.md", "16-how-do-i.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries == 4
