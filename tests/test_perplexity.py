"""Perplexity follows llama.cpp's windows and separates real prose from shuffled words."""

import math
import random

import numpy as np
import pytest

from llmterms import tiny
from llmterms.forward_pass import ReferenceModel
from llmterms.perplexity import perplexity, perplexity_from_logprobs, token_logprobs


class Recorder:
    """A stand-in model with uniform logits that records what it is asked to evaluate."""

    context_length = 16
    bos_id = 1

    def __init__(self, n_tokens, vocab=10):
        self.n_tokens, self.vocab, self.calls = n_tokens, vocab, []

    def tokenize(self, text):
        return [self.bos_id] + [2 + i % (self.vocab - 2) for i in range(self.n_tokens - 1)]

    def logits(self, ids, first=0):
        self.calls.append((list(ids), first))
        return np.zeros((len(ids) - first, self.vocab))


@pytest.fixture(scope="module")
def held_out():
    return tiny.validation_text()


def shuffled(text, seed=0):
    words = text.split(" ")
    random.Random(seed).shuffle(words)
    return " ".join(words)


def test_uniform_model_has_perplexity_equal_to_vocabulary():
    assert perplexity(Recorder(100), "ignored") == pytest.approx(10.0)


def test_windows_follow_llama_cpp():
    recorder = Recorder(70)  # 4 full windows of 16; the last 6 tokens are dropped
    perplexity(recorder, "ignored")
    assert len(recorder.calls) == 4
    for chunk, (window, first) in enumerate(recorder.calls):
        assert len(window) == 16 and first == 8
        assert window[0] == Recorder.bos_id  # every window starts with BOS
        assert window[1:] == recorder.tokenize("")[chunk * 16 + 1 : (chunk + 1) * 16]


def test_chunks_limit_the_windows():
    recorder = Recorder(70)
    perplexity(recorder, "ignored", chunks=2)
    assert len(recorder.calls) == 2


def test_stride_windows_follow_llama_cpp():
    recorder = Recorder(40)
    perplexity(recorder, "ignored", stride=4)
    # ceil((40 - 16) / 4) windows, starting every 4 tokens, scoring the last 4 predictions each.
    assert len(recorder.calls) == 6
    assert [first for _, first in recorder.calls] == [11] * 6
    assert recorder.calls[1][0] == recorder.tokenize("")[4:20]


def test_too_short_text_is_refused():
    with pytest.raises(ValueError, match="need at least 32 tokens for a context of 16; the text has 31"):
        perplexity(Recorder(31), "ignored")
    with pytest.raises(ValueError, match="stride must be between 1 and 15"):
        perplexity(Recorder(40), "ignored", stride=16)


def test_from_logprobs():
    assert perplexity_from_logprobs([0.0, 0.0]) == 1.0
    assert perplexity_from_logprobs(np.log([0.5, 0.25])) == pytest.approx(math.sqrt(8))
    with pytest.raises(ValueError):
        perplexity_from_logprobs([])


def test_token_logprobs_are_log_softmax():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    expected = [3.0 - np.log(np.exp([1.0, 2.0, 3.0]).sum()), -np.log(3)]
    np.testing.assert_allclose(token_logprobs(logits, [2, 1]), expected)


def test_in_domain_text_beats_shuffled_words(model, held_out):
    ordered = perplexity(model, held_out, chunks=6)
    scrambled = perplexity(model, shuffled(held_out), chunks=6)
    assert ordered < 40
    assert scrambled > 3 * ordered


def test_reference_and_llama_cpp_agree(model, held_out):
    text = held_out[:8000]
    ours = perplexity(ReferenceModel.from_gguf(tiny.path()), text, context_length=128)
    theirs = perplexity(model, text, context_length=128)
    assert ours == pytest.approx(theirs, rel=2e-3)


def test_stride_mode_on_the_tiny_model(model, held_out):
    value = perplexity(model, held_out[:4000], context_length=64, stride=32)
    assert 1 < value < 100


def test_quantization_table():
    rows = tiny.quantization_table(chunks=2)
    assert [r.quant for r in rows] == list(tiny.QUANT_TYPES)
    sizes = [r.file_bytes for r in rows]
    assert sizes == sorted(sizes, reverse=True)
    assert rows[0].bits_per_weight == pytest.approx(16, abs=0.1)
    f16, q4_0 = rows[0].perplexity, rows[-1].perplexity
    assert q4_0 == pytest.approx(f16, rel=0.1)
    assert q4_0 > rows[1].perplexity  # 4-bit is measurably worse than 8-bit
