"""The numpy reference model agrees with llama.cpp (through ctransformers) on the tiny model."""

import numpy as np
import pytest

from llmterms import tiny
from llmterms.forward_pass import ReferenceModel, Vocabulary, rms_norm, softmax


@pytest.fixture(scope="module")
def reference():
    return ReferenceModel.from_gguf(tiny.path())


@pytest.fixture(scope="module")
def passage():
    return tiny.validation_text()[:2000]


def test_logits_match_llama_cpp(reference, model, passage):
    ids = model.tokenize(passage)[:256]
    ours, theirs = reference.logits(ids), model.logits(ids)
    assert ours.shape == theirs.shape == (256, 1024)
    assert np.abs(ours - theirs).max() < 0.05
    # The most likely token is the same wherever it is not a near tie (two logits closer than the
    # tolerance, where a difference in the third decimal may legitimately swap them).
    top2 = np.sort(ours, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 0.05
    assert clear.mean() > 0.9
    assert (ours.argmax(axis=1) == theirs.argmax(axis=1))[clear].all()


@pytest.mark.parametrize("quant", ["Q8_0", "Q4_0"])
def test_quantized_logits_stay_close(model, passage, quant):
    """ggml also rounds the activations to 8 bits for quantized matrices; the reference does not."""
    reference = ReferenceModel.from_gguf(tiny.path(quant))
    with tiny.load(quant) as quantized:
        ids = quantized.tokenize(passage)[:120]
        ours, theirs = reference.logits(ids), quantized.logits(ids)
    assert np.abs(ours - theirs).max() < 0.5
    assert (ours.argmax(axis=1) == theirs.argmax(axis=1)).mean() > 0.9


def test_greedy_text_matches_llama_cpp(reference, model):
    for prompt in ("A GGUF file", "The KV cache", "Perplexity"):
        assert reference.generate(prompt, max_new_tokens=16) == model.generate(prompt, max_new_tokens=16)


def test_tokenizer_matches_llama_cpp(reference, model):
    lines = tiny.validation_text().splitlines()[:400]
    odd = ["", " ", "   ", "a  b", "\t", "ÄÖÜ ß", "≈ θ ∑", "🦙🦙", "日本語", "e\u0301", "<0x41>", "<s>", "▁"]
    for text in lines + odd:
        assert reference.tokenize(text) == model.tokenize(text), text


def test_detokenize_round_trip(reference):
    for text in ["GGUF", "naïve ≈ 🦙", "two  spaces", "line\nbreak"]:
        assert reference.detokenize(reference.tokenize(text)) == text


def test_incremental_forward_equals_full_pass(reference, model):
    ids = model.tokenize("Quantization trades accuracy for memory")
    full = reference.logits(ids)
    reference.reset()
    steps = np.concatenate([reference.forward(ids[:3])] + [reference.forward([i]) for i in ids[3:]])
    np.testing.assert_allclose(steps, full, atol=1e-4)
    assert reference.cache.length == len(ids)


def test_rope_depends_only_on_distance(reference):
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=(1, 1, 32)), rng.normal(size=(1, 1, 32))

    def score(p_q, p_k):
        return float((reference.rope(q, np.array([p_q])) * reference.rope(k, np.array([p_k]))).sum())

    assert score(10, 7) == pytest.approx(score(110, 107))
    assert score(10, 7) != pytest.approx(score(10, 3))


def test_linear_rope_scaling_divides_positions():
    scaled = ReferenceModel.from_gguf(tiny.path(), rope_scale=4.0)
    plain = ReferenceModel.from_gguf(tiny.path())
    x = np.random.default_rng(1).normal(size=(1, 4, 32))
    np.testing.assert_allclose(scaled.rope(x, np.array([40])), plain.rope(x, np.array([10])), atol=1e-9)


def test_ntk_alpha_raises_the_base():
    model = ReferenceModel.from_gguf(tiny.path(), ntk_alpha=4.0)
    assert model.rope_base == pytest.approx(10000 * 4 ** (32 / 30))
    assert ReferenceModel.from_gguf(tiny.path(), rope_base=500000.0).rope_base == 500000.0


def test_scaling_changes_the_logits(model):
    ids = model.tokenize("The context window of a model")
    plain = ReferenceModel.from_gguf(tiny.path()).logits(ids)
    stretched = ReferenceModel.from_gguf(tiny.path(), rope_scale=2.0).logits(ids)
    assert np.abs(plain - stretched).max() > 0.1
    # Position 0 is not rotated at all, so the first row is unchanged.
    np.testing.assert_allclose(plain[0], stretched[0], atol=1e-5)


def test_grouped_query_heads(reference):
    s = reference.shape
    assert (s.n_heads, s.n_kv_heads) == (4, 2)
    assert reference.weights["blk.0.attn_k.weight"].shape == (s.n_kv_heads * s.head_dim, s.hidden_size)


def test_rms_norm_and_softmax():
    x = np.array([[1.0, -1.0, 1.0, -1.0]])
    np.testing.assert_allclose(rms_norm(x, np.full(4, 2.0), eps=0.0), 2 * x)
    p = softmax(np.array([[0.0, np.log(3.0)]]))
    np.testing.assert_allclose(p, [[0.25, 0.75]])


def test_vocabulary_prefers_higher_scores():
    pieces = [
        "<unk>",
        "<s>",
        "</s>",
        *[f"<0x{b:02X}>" for b in range(256)],
        "▁",
        "a",
        "b",
        "c",
        "▁a",
        "bc",
        "ab",
    ]
    scores = [0.0] * 259 + [-1, -1, -1, -1, -2, -3, -4]
    v = Vocabulary(pieces, scores)
    ids = v.encode("abc")  # '▁a' (score -2) merges before 'ab' (-4); then 'bc' (-3)
    assert [pieces[i] for i in ids] == ["▁a", "bc"]
    assert [pieces[i] for i in v.encode("é")] == ["▁", "<0xC3>", "<0xA9>"]
