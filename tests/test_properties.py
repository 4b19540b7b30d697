"""Invariants of the calculators, checked on generated inputs.

These complement the example-based tests and the properties already in test_naming.py (no exception on
text), test_quant.py (sizes grow with bits and with parameters), test_memory.py (the KV cache is linear
in context; more VRAM never means fewer GPU layers) and test_rope.py (alpha -> base -> alpha; the
ExLlamaV2 and Hugging Face readers invert their writers). What is here is what those leave out.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from llmterms import cli, memory, naming, quant, rope
from llmterms.rope import RopeScaling

head_dims = st.sampled_from([32, 64, 80, 96, 128, 256])
alphas = st.floats(min_value=1.0, max_value=64.0)
bases = st.floats(min_value=100.0, max_value=1e7)
factors = st.floats(min_value=1.01, max_value=128.0)

# -- Model names ------------------------------------------------------------------------------------

# A family the data file does not know, so the size comes from the label alone.
_UNKNOWN_FAMILY = "Zorblax"


@given(
    a=st.decimals(min_value="0.1", max_value="999", places=1),
    b=st.decimals(min_value="0.1", max_value="999", places=1),
    unit=st.sampled_from("MBT"),
)
def test_sizes_in_one_unit_are_ordered_like_their_numbers(a, b, unit):
    pa = naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{a}{unit}-Instruct.gguf").parameters
    pb = naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{b}{unit}-Instruct.gguf").parameters
    assert pa is not None and pb is not None
    assert (pa < pb) == (a < b) and (pa == pb) == (a == b)


@given(n=st.integers(1, 999))
def test_units_order_sizes(n):
    sizes = [naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{n}{u}").parameters for u in "MBT"]
    assert sizes == [n * 10**6, n * 10**9, n * 10**12]


@given(n=st.integers(1, 999), experts=st.integers(2, 64))
def test_expert_labels_are_never_multiplied_out(n, experts):
    parsed = naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{experts}x{n}B-v0.1")
    assert parsed.experts == experts
    assert parsed.size_label == f"{experts}x{n}B"
    assert parsed.parameters is None  # unknown family: no published total to use


# Every code point, including lone surrogates, NUL and other controls: a name is whatever the user typed.
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=200)
_NAME_LIKE = st.text(st.sampled_from("0123456789bBmMkKxXaAqQ_-./ :vV"), min_size=200, max_size=2000)


@settings(max_examples=100)
@given(text=st.one_of(_ANY_TEXT, _NAME_LIKE))
@example(text="\ud800-7B.gguf")
@example(text="0" * 3000 + "x")
@example(text="1." * 1500)
@example(text="-" * 2000 + "of-" * 300)
def test_names_never_raise_never_stall_and_serialize(text):
    started = time.process_time()
    parsed = naming.parse_model_name(text)
    assert time.process_time() - started < 0.5  # no regular expression backtracks badly
    assert parsed.raw == text
    json.dumps(parsed.as_dict())  # everything it returns can be printed with --json
    if parsed.parameters is not None:
        assert parsed.parameters >= 0  # "0B" says zero
    if parsed.active_parameters is not None and parsed.parameters is not None:
        assert parsed.active_parameters <= parsed.parameters or parsed.experts is None


# -- Size and memory estimates ----------------------------------------------------------------------

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


@pytest.mark.parametrize("arch", memory.presets())
def test_file_sizes_follow_the_whole_file_bits(arch):
    by_bits = sorted(quant.file_types(), key=lambda f: quant.file_bits_per_weight(f.name, arch))
    sizes = [quant.file_size(f.name, arch) for f in by_bits]
    assert sizes == sorted(sizes)


@given(name=_ANY_TEXT)
@example(name="q4_k_m")
@example(name="Q4_K")
def test_type_lookups_raise_only_key_error(name):
    for lookup in (quant.quant_type, quant.file_type, quant.bits_per_weight):
        with contextlib.suppress(KeyError):
            lookup(name)


# -- RoPE conversions -------------------------------------------------------------------------------


@given(base=bases, a=alphas, b=alphas, d=head_dims)
def test_ntk_base_grows_with_alpha(base, a, b, d):
    lo, hi = sorted((a, b))
    assert rope.ntk_base(base, lo, d) <= rope.ntk_base(base, hi, d)


@given(base=bases, new_base=bases, d=head_dims)
def test_base_alpha_base_round_trip(base, new_base, d):
    assert math.isclose(rope.ntk_base(base, rope.ntk_alpha(base, new_base, d), d), new_base, rel_tol=1e-9)


@given(alpha=st.floats(min_value=1.01, max_value=32.0), base=st.sampled_from([10000.0, 500000.0, 1e6]))
def test_llamacpp_reader_inverts_its_writer_for_ntk(alpha, base):
    s = RopeScaling("ntk", alpha=alpha, base=base)
    opts = s.to_llamacpp()
    back = RopeScaling.from_llamacpp(rope_freq_base=opts["--rope-freq-base"], base=base)
    assert back.method == "ntk"
    # The written base has two decimals, so alpha comes back to within 1e-6 of itself.
    assert math.isclose(back.alpha, alpha, rel_tol=1e-6)


@given(alpha=st.floats(min_value=1.01, max_value=32.0))
def test_webui_reader_inverts_its_writer(alpha):
    s = RopeScaling("ntk", alpha=alpha)
    back = RopeScaling.from_webui(**s.to_webui())
    # rope_freq_base is written as a whole number and wins over alpha_value when the web UI reads it.
    assert math.isclose(back.freq_base, s.freq_base, abs_tol=0.5)
    assert math.isclose(back.alpha, alpha, rel_tol=1e-4)


@given(factor=factors)
@example(factor=3.0)
@example(factor=64.0)
def test_llamacpp_reader_inverts_its_writer_for_linear(factor):
    s = RopeScaling("linear", factor=factor)
    back = RopeScaling.from_llamacpp(
        **{k.lstrip("-").replace("-", "_"): v for k, v in s.to_llamacpp().items()}
    )
    assert math.isclose(back.factor, factor, rel_tol=1e-3)


@given(factor=factors, d=head_dims, base=bases)
def test_scaling_never_speeds_up_a_rotation(factor, d, base):
    original = rope.frequencies(d, base)
    for s in (
        RopeScaling("linear", factor=factor, base=base, head_dim=d),
        RopeScaling("ntk", alpha=factor, base=base, head_dim=d),
        RopeScaling("yarn", factor=factor, base=base, head_dim=d, original_context=4096),
    ):
        theta = s.frequencies()
        # Every pair turns no faster than before and no slower than plain interpolation would make it.
        assert (theta <= original * (1 + 1e-12)).all(), s
        assert (theta >= original / factor * (1 - 1e-12)).all(), s


@given(n=st.integers(1, 2**20), m=st.integers(1, 2**20), ctx=st.integers(1, 2**17), factor=factors)
def test_dynamic_ntk_alpha_never_shrinks_with_length(n, m, ctx, factor):
    lo, hi = sorted((n, m))
    # Within the trained length alpha is 1, give or take the last bit of factor - (factor - 1).
    assert 1.0 - 1e-12 <= rope.dynamic_ntk_alpha(lo, ctx, factor) <= rope.dynamic_ntk_alpha(hi, ctx, factor)


_OPTION_NAMES = st.sampled_from(
    [
        "alpha_value",
        "rope_freq_base",
        "--rope-freq-base",
        "compress_pos_emb",
        "scale_alpha_value",
        "yarn",
        "--rope-freq-scale",
        "rope_theta",
        "factor",
        "nope",
        "",
    ]
)
_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e308", "1e-320", "1e300", "-0", "0x10", "1_000", " 2 ", "nan", "inf"]),
    st.text(max_size=10),
)


def _parse_or_value_error(text: str) -> None:
    try:
        s = rope.parse_option(text, original_context=4096)
    except ValueError:
        return
    s.to_all()


@given(text=_ANY_TEXT)
def test_rope_options_raise_only_value_error_on_any_text(text):
    _parse_or_value_error(text)


@given(name=_OPTION_NAMES, number=_NUMBERS)
@example(name="alpha_value", number="1e308")
def test_rope_options_raise_only_value_error_on_any_number(name, number):
    _parse_or_value_error(f"{name}={number}")


@settings(max_examples=30)
@given(text=st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=40))
@example(text="-:")
def test_cli_rope_answers_in_one_line_or_a_table(text):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(["rope", "--from", text])
        except SystemExit as exit:  # argparse itself rejects a value that looks like an option ("-:")
            status = exit.code
            assert err.getvalue().startswith("llmterms rope: error: ")
    assert status in (0, 2)
    assert err.getvalue().count("\n") == (1 if status == 2 else 0)
    if status == 2 and not err.getvalue().startswith("llmterms rope: error: "):
        assert err.getvalue().startswith("llmterms: ")
        assert not out.getvalue()
