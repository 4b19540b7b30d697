"""Tests for llmterms.quant: block layouts, whole-file averages, size estimates, conversions."""

import math

import gguf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmterms import memory, quant

# -- block layouts --------------------------------------------------------------------------------


def test_block_layouts_agree_with_gguf_py():
    # gguf-py's GGML_QUANT_SIZES is a second transcription of ggml-common.h; the table must match it.
    for q in quant.quant_types():
        assert gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[q.name]] == (q.block_size, q.type_size), q.name


@pytest.mark.parametrize(
    ("qtype", "bits"),
    [
        ("F32", 32.0),
        ("F16", 16.0),
        ("BF16", 16.0),
        ("Q4_0", 4.5),
        ("Q4_1", 5.0),
        ("Q5_0", 5.5),
        ("Q5_1", 6.0),
        ("Q8_0", 8.5),
        ("Q2_K", 2.625),
        ("Q3_K", 3.4375),
        ("Q4_K", 4.5),
        ("Q5_K", 5.5),
        ("Q6_K", 6.5625),
        ("Q8_K", 9.125),
        ("IQ1_S", 1.5625),
        ("IQ1_M", 1.75),
        ("IQ2_XXS", 2.0625),
        ("IQ2_XS", 2.3125),
        ("IQ2_S", 2.5625),
        ("IQ3_XXS", 3.0625),
        ("IQ3_S", 3.4375),
        ("IQ4_NL", 4.5),
        ("IQ4_XS", 4.25),
        ("TQ1_0", 1.6875),
        ("TQ2_0", 2.0625),
        ("MXFP4", 4.25),
    ],
)
def test_bits_per_weight(qtype, bits):
    # The "Effectively N bits per weight" comments of ggml-common.h, and 8 * bytes / block otherwise.
    assert quant.bits_per_weight(qtype) == bits


def test_mix_names_are_not_tensor_types():
    with pytest.raises(KeyError, match="file type"):
        quant.bits_per_weight("Q4_K_M")
    with pytest.raises(KeyError):
        quant.quant_type("Q9_Z")


def test_file_type_numbers_match_llama_h():
    for f in quant.file_types():
        assert gguf.LlamaFileType[("MOSTLY_" if f.ftype else "ALL_") + f.name].value == f.ftype


# -- per-tensor rules and whole-file averages ------------------------------------------------------


def test_q4_k_m_promotes_half_of_attn_v_and_ffn_down():
    types = quant.tensor_types("Q4_K_M", "llama-2-7b")
    promoted = [i for i in range(32) if types[f"blk.{i}.attn_v.weight"] == "Q6_K"]
    assert promoted == [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]
    assert all(types[f"blk.{i}.ffn_down.weight"] == ("Q6_K" if i in promoted else "Q4_K") for i in range(32))
    assert types["output.weight"] == "Q6_K"
    assert types["token_embd.weight"] == "Q4_K"


def test_70b_gets_q5_k_attn_v():
    types = quant.tensor_types("Q3_K_S", "llama-2-70b")
    assert {types[f"blk.{i}.attn_v.weight"] for i in range(80)} == {"Q5_K"}


def test_mixtral_rules():
    types = quant.tensor_types("Q4_K_M", "mixtral-8x7b")
    assert types["blk.0.attn_v.weight"] == "Q8_0"
    assert types["blk.0.attn_k.weight"] == "Q8_0"
    assert types["blk.0.attn_output.weight"] == "Q5_K"
    assert types["blk.0.ffn_gate_inp.weight"] == "F32"


def test_whole_file_averages_on_llama_2_7b():
    expected = {
        "Q2_K": 3.0062,
        "Q3_K_S": 3.4994,
        "Q3_K_M": 3.9146,
        "Q3_K_L": 4.2697,
        "Q4_0": 4.5412,
        "Q4_K_S": 4.5779,
        "Q4_K_M": 4.8442,
        "Q5_0": 5.5217,
        "Q5_K_S": 5.5217,
        "Q5_K_M": 5.6778,
        "Q6_K": 6.5635,
        "Q8_0": 8.5009,
    }
    for ftype, bits in expected.items():
        assert quant.file_bits_per_weight(ftype) == pytest.approx(bits, abs=5e-5), ftype


# Published file sizes in GB (10^9 bytes), as the Hugging Face file listings show them.
# TheBloke/Llama-2-7B-GGUF, TheBloke/Llama-2-13B-GGUF, TheBloke/Llama-2-70B-GGUF and
# TheBloke/Mistral-7B-v0.1-GGUF (files made with llama.cpp of August/September 2023), read from
# https://huggingface.co/TheBloke/<repo>/tree/main. Q5_K_M/Q6_K/Q8_0 of 13B and the Q5_K_*/Q6_K/Q8_0
# of 7B also agree with tensorblock/Llama-2-{7b,13b}-hf-GGUF; Mistral Q6_K and Q8_0 come from
# mradermacher/Mistral-7B-v0.1-GGUF.
# Q2_K changed in llama.cpp after TheBloke's uploads (ffn_down and attn_output moved to Q3_K, attn_v
# depends on GQA): TheBloke's Q2_K files (7B 2.83 GB, 13B 5.43 GB, 70B 29.3 GB, Mistral 3.08 GB)
# follow the old rule, so Q2_K is checked against newer uploads: tensorblock/Llama-2-7b-hf-GGUF
# (2.53 GB), mradermacher/Llama-2-13b-hf-GGUF (4.85 GB), mradermacher/Mistral-7B-v0.1-GGUF (2.72 GB).
PUBLISHED_GB = {
    "llama-2-7b": {
        "Q2_K": 2.53,
        "Q3_K_S": 2.95,
        "Q3_K_M": 3.30,
        "Q3_K_L": 3.60,
        "Q4_0": 3.83,
        "Q4_K_S": 3.86,
        "Q4_K_M": 4.08,
        "Q5_0": 4.65,
        "Q5_K_S": 4.65,
        "Q5_K_M": 4.78,
        "Q6_K": 5.53,
        "Q8_0": 7.16,
    },
    "llama-2-13b": {
        "Q2_K": 4.85,
        "Q3_K_S": 5.66,
        "Q3_K_M": 6.34,
        "Q3_K_L": 6.93,
        "Q4_0": 7.37,
        "Q4_K_S": 7.41,
        "Q4_K_M": 7.87,
        "Q5_0": 8.97,
        "Q5_K_S": 8.97,
        "Q5_K_M": 9.23,
        "Q6_K": 10.68,
        "Q8_0": 13.83,
    },
    "llama-2-70b": {
        "Q3_K_S": 29.9,
        "Q3_K_M": 33.2,
        "Q3_K_L": 36.1,
        "Q4_0": 38.9,
        "Q4_K_S": 39.1,
        "Q4_K_M": 41.4,
        "Q5_0": 47.5,
    },
    "mistral-7b": {
        "Q2_K": 2.72,
        "Q3_K_S": 3.16,
        "Q3_K_M": 3.52,
        "Q3_K_L": 3.82,
        "Q4_0": 4.11,
        "Q4_K_S": 4.14,
        "Q4_K_M": 4.37,
        "Q5_0": 5.00,
        "Q6_K": 5.94,
        "Q8_0": 7.70,
    },
}
CASES = [(arch, ftype, gb) for arch, row in PUBLISHED_GB.items() for ftype, gb in row.items()]


@pytest.mark.parametrize(("arch", "ftype", "gb"), CASES)
def test_estimate_file_size_within_5_percent_of_published(arch, ftype, gb):
    estimate = quant.estimate_file_size(memory.preset(arch).parameters, ftype)
    assert abs(estimate / 1e9 - gb) / gb < 0.05


@pytest.mark.parametrize(("arch", "ftype", "gb"), CASES)
def test_rule_based_file_size_within_1_percent_of_published(arch, ftype, gb):
    # Applying the per-tensor rules to the real shapes lands much closer than the 7B-based average.
    assert abs(quant.file_size(ftype, arch) / 1e9 - gb) / gb < 0.01


def test_estimate_for_a_bare_tensor_type_uses_block_bits():
    assert quant.estimate_file_size(32_000, "Q4_K") == 18_000 + quant.FILE_OVERHEAD_BYTES


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_sizes_are_monotonic_in_bits(parameters):
    order = sorted(quant.file_types(), key=lambda f: quant.file_bits_per_weight(f.name))
    sizes = [quant.estimate_file_size(parameters, f.name) for f in order]
    assert sizes == sorted(sizes)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=1, max_value=10**12))
def test_size_grows_with_parameters(a, b):
    lo, hi = sorted((a, b))
    assert quant.estimate_file_size(lo, "Q4_K_M") <= quant.estimate_file_size(hi, "Q4_K_M")


# -- conversions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qtype", "tolerance"), [("Q8_0", 0.01), ("Q5_0", 0.07), ("Q4_0", 0.13), ("F16", 1e-3)]
)
def test_quantize_round_trip(qtype, tolerance):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(3, 64)).astype(np.float32)
    data = quant.quantize(x, qtype)
    t = quant.quant_type(qtype)
    assert data.nbytes == t.nbytes(x.size)
    y = quant.dequantize(data, qtype, x.shape)
    assert np.abs(y - x).max() < tolerance


def test_quantize_rejects_partial_blocks():
    with pytest.raises(ValueError, match="multiple of 32"):
        quant.quantize(np.zeros((2, 48), dtype=np.float32), "Q4_0")


def _write_gguf(path, tensors, arch="llama"):
    w = gguf.GGUFWriter(path, arch)
    w.add_block_count(1)
    w.add_context_length(128)
    w.add_string("general.name", "tiny")
    w.add_array("tokenizer.ggml.tokens", ["a", "b", "c"])
    for name, array in tensors.items():
        w.add_tensor(name, array)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def test_requantize_keeps_metadata_and_1d_tensors(tmp_path):
    rng = np.random.default_rng(1)
    weights = {
        "token_embd.weight": rng.normal(size=(3, 64)).astype(np.float32),
        "blk.0.attn_q.weight": rng.normal(size=(64, 64)).astype(np.float16),
        "blk.0.odd.weight": rng.normal(size=(4, 40)).astype(np.float32),
        "blk.0.attn_norm.weight": np.ones(64, dtype=np.float16),
    }
    _write_gguf(tmp_path / "src.gguf", weights)
    chosen = quant.requantize(tmp_path / "src.gguf", "Q4_0", tmp_path / "dst.gguf")
    assert chosen == {
        "token_embd.weight": "Q4_0",
        "blk.0.attn_q.weight": "Q4_0",
        "blk.0.odd.weight": "F32",  # 40 is not a multiple of 32: left as it was
        "blk.0.attn_norm.weight": "F32",  # 1-D tensors are stored as F32, as llama.cpp does
    }
    r = gguf.GGUFReader(tmp_path / "dst.gguf")
    assert r.fields["general.file_type"].contents() == gguf.LlamaFileType.MOSTLY_Q4_0
    assert r.fields["general.name"].contents() == "tiny"
    assert r.fields["tokenizer.ggml.tokens"].contents() == ["a", "b", "c"]
    assert r.fields["llama.context_length"].contents() == 128
    tensors = {t.name: t for t in r.tensors}
    q = tensors["blk.0.attn_q.weight"]
    assert q.tensor_type == gguf.GGMLQuantizationType.Q4_0
    assert int(q.n_bytes) == 64 * 64 // 32 * 18
    restored = quant.dequantize(q.data, "Q4_0", (64, 64))
    assert np.abs(restored - weights["blk.0.attn_q.weight"]).max() < 0.5
    assert tensors["blk.0.attn_norm.weight"].tensor_type == gguf.GGMLQuantizationType.F32


def test_requantize_refuses_k_quants(tmp_path):
    _write_gguf(tmp_path / "src.gguf", {"w.weight": np.zeros((2, 256), dtype=np.float32)})
    with pytest.raises(ValueError, match="llama-quantize"):
        quant.requantize(tmp_path / "src.gguf", "Q4_K", tmp_path / "dst.gguf")


def test_file_size_counts_every_tensor():
    arch = memory.preset("llama-2-7b")
    n = sum(math.prod(s) for _, s, _ in arch.tensors())
    assert quant.file_size("F16", arch) - quant.FILE_OVERHEAD_BYTES == 2 * n + 2 * (65 * 4096)


# -- tables for the manual -------------------------------------------------------------------------


def test_table_rows_match_the_type_table():
    rows = quant.table()
    assert [r["name"] for r in rows] == [q.name for q in quant.quant_types() if q.name != "Q8_K"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["Q6_K"] == {
        "name": "Q6_K",
        "family": "k",
        "block_size": 256,
        "type_size": 210,
        "bits_per_weight": 6.5625,
    }
    assert by_name["IQ4_NL"]["block_size"] == 32
    assert {r["family"] for r in rows} == {"float", "legacy", "k", "i", "ternary", "fp4"}


def test_mix_table_on_llama_2_7b():
    rows = {r["name"]: r for r in quant.mix_table()}
    assert list(rows) == list(quant.MIX_TABLE_TYPES)
    assert rows["Q4_K_M"] == {
        "name": "Q4_K_M",
        "base": "Q4_K",
        "base_bits": 4.5,
        "file_bits": 4.84,
        "size_gb": 4.08,
    }
    assert rows["Q3_K_S"]["file_bits"] == 3.5 and rows["Q3_K_L"]["file_bits"] == 4.27
    # Every mix averages at least its base type's bits: the rules only ever promote tensors.
    assert all(quant.file_bits_per_weight(name) >= r["base_bits"] for name, r in rows.items())
    # The published Q4_K_M file of Llama-2 7B is 4.08 GB (TheBloke/Llama-2-7B-GGUF).
    assert rows["Q4_K_M"]["size_gb"] == PUBLISHED_GB["llama-2-7b"]["Q4_K_M"]


def test_round_trip_error_falls_with_bits():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 256)).astype(np.float32)
    errors = {q: quant.round_trip_error(w, q) for q in ("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "F16")}
    assert errors["Q4_0"] == pytest.approx(0.086, abs=0.001)
    assert errors["Q8_0"] == pytest.approx(0.0053, abs=0.0002)
    order = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "F16"]
    assert [errors[q] for q in order] == sorted(errors.values(), reverse=True)
    # A block of equal weights is stored as 127 times a fp16 scale: exact up to the scale's rounding.
    assert quant.round_trip_error(np.ones((1, 32), dtype=np.float32), "Q8_0") < 1e-4


# -- Properties over every preset --------------------------------------------------------------------


@pytest.mark.parametrize("arch", memory.presets())
def test_file_sizes_follow_the_whole_file_bits(arch):
    by_bits = sorted(quant.file_types(), key=lambda f: quant.file_bits_per_weight(f.name, arch))
    sizes = [quant.file_size(f.name, arch) for f in by_bits]
    assert sizes == sorted(sizes)
