"""Tests for llmterms.memory: KV cache, architecture presets, memory estimates."""

import gguf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmterms import memory, quant
from llmterms.memory import GIB, kv_cache_bytes, preset


def test_kv_cache_exact_values():
    # Llama-2 7B, 4096 tokens, F16: 2 x 32 x 4096 x 32 x 128 x 2 bytes.
    assert kv_cache_bytes(32, 4096, 32, 128) == 2_147_483_648
    # Llama-2 70B with 8 KV heads: 80 layers, 4096 tokens.
    assert kv_cache_bytes(80, 4096, 8, 128) == 1_342_177_280
    # Llama-3.1 8B at its full 131072-token context.
    assert kv_cache_bytes(32, 131072, 8, 128) == 16 * GIB
    # A q8_0 cache costs 34 bytes per 32 elements.
    assert kv_cache_bytes(32, 4096, 8, 128, 34 / 32) == 285_212_672


@given(
    st.integers(1, 128), st.integers(1, 10**6), st.integers(1, 128), st.sampled_from([64, 80, 96, 128, 256])
)
def test_kv_cache_is_linear_in_context(layers, ctx, kv_heads, head_dim):
    one = kv_cache_bytes(layers, 1, kv_heads, head_dim)
    assert kv_cache_bytes(layers, ctx, kv_heads, head_dim) == ctx * one
    assert kv_cache_bytes(layers, 2 * ctx, kv_heads, head_dim) == 2 * kv_cache_bytes(
        layers, ctx, kv_heads, head_dim
    )


# Total parameter counts the publishers state (model cards / papers): Llama-2 paper (7B, 13B, 70B
# rounded), Mistral 7B "7.3B", Mixtral "46.7B total, 12.9B active", Llama-3 8B "8.03B",
# Qwen2.5-7B model card "7.61B".
@pytest.mark.parametrize(
    ("name", "total"),
    [
        ("llama-2-7b", 6.74e9),
        ("llama-2-13b", 13.02e9),
        ("llama-2-70b", 68.98e9),
        ("mistral-7b", 7.24e9),
        ("mixtral-8x7b", 46.70e9),
        ("llama-3-8b", 8.03e9),
        ("llama-3-70b", 70.55e9),
        ("qwen2.5-7b", 7.62e9),
        ("llama-3.2-3b", 3.21e9),
    ],
)
def test_preset_parameter_counts(name, total):
    assert preset(name).parameters == pytest.approx(total, rel=0.002)


def test_presets_match_config_json():
    a = preset("llama-2-70b")
    assert (a.n_layers, a.hidden_size, a.intermediate_size, a.n_heads, a.n_kv_heads) == (
        80,
        8192,
        28672,
        64,
        8,
    )
    q = preset("qwen2.5-7b")
    assert (q.n_layers, q.hidden_size, q.intermediate_size, q.n_heads, q.n_kv_heads, q.vocab_size) == (
        28,
        3584,
        18944,
        28,
        4,
        152064,
    )
    for name in memory.presets():
        a = preset(name)
        assert a.head_dim * a.n_heads == a.hidden_size, name
        assert a.source.startswith("https://huggingface.co/"), name


def test_mixtral_active_parameters():
    assert preset("mixtral-8x7b").active_parameters == pytest.approx(12.9e9, rel=0.005)


def test_unknown_preset():
    with pytest.raises(KeyError, match="presets"):
        preset("llama-9-1b")


def test_estimate_breakdown_for_llama_2_7b():
    e = memory.estimate_memory("llama-2-7b", "Q4_K_M", 4096)
    assert e.weights == pytest.approx(4.08e9, rel=0.005)
    assert e.kv_cache == 2 * GIB
    # llama.cpp's CPU compute buffer with flash attention on (its default, "auto"): the F16 mask
    # (4096 x 512 x 2 bytes) and one layer's feed-forward activations (512 tokens x (3 x 4096 + 3 x 11008)
    # floats), peer-tested in llama_cpp_memory; plus the output buffer, one row of 32000 logits.
    assert e.compute == 4096 * 512 * 2 + 512 * 4 * (3 * 4096 + 3 * 11008) + 4 * 32000
    assert e.total == e.weights + e.kv_cache + e.compute + e.overhead
    assert e.verdict.startswith("needs ")


def test_full_offload_partial_offload_and_no_fit():
    full = memory.estimate_memory("llama-3-8b", "Q4_K_M", 8192, vram=12 * GIB)
    assert full.fits and full.gpu_layers == 32
    part = memory.estimate_memory("llama-2-13b", "Q4_K_M", 4096, vram=8 * GIB, ram=32 * GIB)
    assert part.fits and 0 < part.gpu_layers < 40
    assert part.gpu_bytes <= 8 * GIB
    assert part.gpu_bytes + part.cpu_bytes == part.total
    none = memory.estimate_memory("llama-2-70b", "Q4_K_M", 4096, vram=8 * GIB, ram=16 * GIB)
    assert not none.fits and none.verdict.startswith("does not fit")


@given(st.integers(1, 80).map(lambda g: g * GIB // 2))
def test_more_vram_never_means_fewer_gpu_layers(vram):
    a = memory.estimate_memory("llama-2-13b", "Q4_K_M", 4096, vram=vram)
    b = memory.estimate_memory("llama-2-13b", "Q4_K_M", 4096, vram=vram + GIB)
    assert b.gpu_layers >= a.gpu_layers


def test_estimate_from_parameters_and_cache_type():
    e = memory.estimate_memory("llama-2-7b", "Q8_0", 2048, parameters=6_738_415_616, cache_type="Q8_0")
    assert e.weights == pytest.approx(7.16e9, rel=0.01)
    assert e.kv_cache == kv_cache_bytes(32, 2048, 32, 128, 34 / 32)


def test_rejects_non_positive_context():
    with pytest.raises(ValueError):
        memory.estimate_memory("llama-2-7b", "Q4_K_M", 0)


def test_from_gguf(tmp_path):
    path = tmp_path / "m.gguf"
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(2)
    w.add_embedding_length(64)
    w.add_feed_forward_length(128)
    w.add_head_count(4)
    w.add_head_count_kv(1)
    w.add_context_length(512)
    w.add_tensor("token_embd.weight", np.zeros((10, 64), dtype=np.float16))
    w.add_tensor("output.weight", np.zeros((10, 64), dtype=np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    arch, nbytes = memory.Architecture.from_gguf(path)
    assert (arch.n_layers, arch.n_kv_heads, arch.head_dim, arch.context, arch.vocab_size) == (
        2,
        1,
        16,
        512,
        10,
    )
    assert not arch.tied_embeddings
    assert nbytes == 2 * 10 * 64 * 2
    e = memory.estimate_memory(arch, n_ctx=512, weights_bytes=nbytes)
    assert e.kv_cache == kv_cache_bytes(2, 512, 1, 16)


# Qwen's model cards round: "14.7B" and "32.5B"; the config.json shapes give 14.77e9 and 32.76e9
# (attention QKV biases and untied 152,064-token embeddings included).
@pytest.mark.parametrize(("name", "card"), [("qwen2.5-14b", 14.7e9), ("qwen2.5-32b", 32.5e9)])
def test_qwen_presets_near_model_card(name, card):
    assert preset(name).parameters == pytest.approx(card, rel=0.01)


def test_llama_3_2_3b_ties_embeddings():
    a = preset("llama-3.2-3b")
    assert a.tied_embeddings and (a.n_layers, a.n_heads, a.n_kv_heads, a.hidden_size) == (28, 24, 8, 3072)
    assert not any(name == "output.weight" for name, _, _ in a.tensors())


def test_fits_table():
    rows = memory.fits_table()
    assert len(rows) == len(memory.FITS_MODELS) * len(memory.FITS_QUANTS)
    by = {(r["model"], r["quant"]): r for r in rows}
    # A 3B model in Q4_K_M fits everywhere; a 70B model in F16 fits nowhere whole.
    assert all(by["llama-3.2-3b", "Q4_K_M"][f"vram_{g}"] == "all" for g in memory.FITS_VRAM_GIB)
    assert all(by["llama-3-70b", "F16"][f"vram_{g}"] != "all" for g in memory.FITS_VRAM_GIB)
    assert by["llama-3.1-8b", "Q4_K_M"]["kv_gib"] == 1.0  # 32 x 8192 x 8 x 128 x 2 x 2 bytes
    assert by["llama-3.1-8b", "Q8_0"]["vram_8"] == "30/32"
    # More VRAM never means fewer layers on the GPU.
    for r in rows:
        layers = [r[f"vram_{g}"] for g in memory.FITS_VRAM_GIB]
        counts = [10**6 if v == "all" else int(v.split("/")[0]) for v in layers]
        assert counts == sorted(counts), r
    assert memory.fits_table(4096)[0]["kv_gib"] == 0.44


# -- Properties on generated shapes and contexts --------------------------------------------------

_PRESETS = st.sampled_from(memory.presets())


_FILE_TYPES = st.sampled_from([f.name for f in quant.file_types()])


@settings(max_examples=40, deadline=None)
@given(arch=_PRESETS, ftype=_FILE_TYPES, ctx=st.integers(1, 2**17), more=st.integers(1, 2**17))
def test_memory_grows_with_context_and_splits_exactly(arch, ftype, ctx, more):
    short = memory.estimate_memory(arch, ftype, ctx)
    long = memory.estimate_memory(arch, ftype, ctx + more)
    # llama.cpp pads the context to 256 cells: the cache grows in steps, never shrinks.
    assert long.kv_cache >= short.kv_cache and long.total >= short.total
    assert (long.kv_cache > short.kv_cache) == (-(-(ctx + more) // 256) > -(-ctx // 256))
    assert long.weights == short.weights  # the context does not change the file
    assert short.total == short.weights + short.kv_cache + short.compute + short.overhead
    assert short.gpu_bytes + short.cpu_bytes == short.total


@settings(max_examples=15, deadline=None)
@given(arch=_PRESETS, ctx=st.integers(1, 2**16))
def test_cache_types_order_the_kv_cache_like_their_bits(arch, ctx):
    cache_types = sorted(["F32", "F16", "Q8_0", "Q5_1", "Q5_0", "Q4_1", "Q4_0"], key=quant.bits_per_weight)
    caches = [memory.estimate_memory(arch, "Q4_K_M", ctx, cache_type=c).kv_cache for c in cache_types]
    assert caches == sorted(caches)
