"""Tests for llmterms.rope: formulas, round trips and the tool spellings."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from llmterms import rope
from llmterms.rope import RopeScaling

head_dims = st.sampled_from([32, 64, 80, 96, 128, 256])
alphas = st.floats(min_value=1.0, max_value=64.0)
bases = st.floats(min_value=100.0, max_value=1e7)


def test_frequencies_match_definition():
    theta = rope.frequencies(128, 10000.0)
    assert theta.shape == (64,)
    assert theta[0] == 1.0
    assert math.isclose(theta[1], 10000 ** (-2 / 128))
    assert math.isclose(theta[-1], 10000 ** (-126 / 128))


def test_webui_constant_is_the_head_128_exponent():
    # text-generation-webui hard-codes 64/63, which is d/(d-2) for d = 128.
    assert math.isclose(rope.ntk_base(10000, 2.5, 128), rope.webui_freq_base(2.5))
    assert math.isclose(rope.ntk_base(10000, 2.5, 128), 25366.2645, rel_tol=1e-8)
    # ...and differs for other head sizes.
    assert not math.isclose(rope.ntk_base(10000, 2.5, 64), rope.webui_freq_base(2.5))


@given(base=bases, alpha=alphas, d=head_dims)
def test_alpha_base_round_trip(base, alpha, d):
    assert math.isclose(rope.ntk_alpha(base, rope.ntk_base(base, alpha, d), d), alpha, rel_tol=1e-9)


@given(factor=st.floats(min_value=0.01, max_value=1000.0))
def test_linear_scale_round_trip(factor):
    assert math.isclose(rope.linear_factor(rope.linear_freq_scale(factor)), factor, rel_tol=1e-12)


def test_yarn_attention_factor_matches_paper():
    assert math.isclose(rope.yarn_attention_factor(16), 0.1 * math.log(16) + 1)
    assert rope.yarn_attention_factor(0.5) == 1.0


def test_yarn_correction_range_llama_defaults():
    # corr_dim(n) = d * ln(L / (2 pi n)) / (2 ln base), floored/ceiled as in ggml.
    low = 128 * math.log(4096 / (2 * math.pi * 32)) / (2 * math.log(10000))
    high = 128 * math.log(4096 / (2 * math.pi * 1)) / (2 * math.log(10000))
    assert rope.yarn_correction_range(128, 4096) == (math.floor(low), math.ceil(high))


def test_yarn_frequencies_blend():
    theta = rope.yarn_frequencies(128, 8.0, 4096)
    plain = rope.frequencies(128)
    low, high = rope.yarn_correction_range(128, 4096)
    assert np.allclose(theta[: low + 1], plain[: low + 1])
    assert np.allclose(theta[high:], plain[high:] / 8)
    assert np.all(theta <= plain + 1e-15)


def test_conversions_alpha_value():
    s = rope.parse_option("alpha_value=2.5", head_dim=128)
    assert s.method == "ntk"
    assert s.to_llamacpp() == {"--rope-freq-base": 25366.26, "--rope-freq-scale": 1.0}
    assert s.to_exllamav2()["scale_alpha_value"] == pytest.approx(2.5)
    assert s.to_webui()["rope_freq_base"] == 25366
    assert s.to_hf() == {"rope_theta": 25366.26, "rope_scaling": None}


def test_conversions_linear():
    s = rope.parse_option("compress_pos_emb=4")
    assert s.to_llamacpp()["--rope-freq-scale"] == 0.25
    assert s.to_exllamav2() == {"scale_pos_emb": 4.0, "scale_alpha_value": 1.0}
    assert s.to_webui()["compress_pos_emb"] == 4
    assert s.to_hf()["rope_scaling"] == {"rope_type": "linear", "factor": 4.0}
    assert RopeScaling.from_hf({"rope_type": "linear", "factor": 4.0}) == s


def test_yarn_has_no_exllamav2_or_webui_spelling():
    s = RopeScaling("yarn", factor=4.0, original_context=32768)
    everything = s.to_all()
    assert everything["exllamav2"] is None and everything["webui"] is None
    assert everything["llamacpp"] == {
        "--rope-scaling": "yarn",
        "--rope-freq-scale": 0.25,
        "--yarn-orig-ctx": 32768,
    }
    assert RopeScaling.from_hf(everything["hf"]["rope_scaling"]) == s


@given(alpha=st.floats(min_value=1.01, max_value=32.0), d=head_dims)
def test_every_reader_inverts_its_writer(alpha, d):
    s = RopeScaling("ntk", alpha=alpha, head_dim=d)
    assert math.isclose(RopeScaling.from_exllamav2(**s.to_exllamav2(), head_dim=d).alpha, alpha, rel_tol=1e-9)
    hf = s.to_hf()
    back = RopeScaling.from_hf(hf["rope_scaling"], hf["rope_theta"], d, base=10000.0)
    assert math.isclose(back.alpha, alpha, rel_tol=1e-3)  # rope_theta is rounded to 2 decimals


@pytest.mark.parametrize("text", ["alpha_value", "alpha_value=abc", "alpha_value=-1", "nope=2", "yarn=4"])
def test_parse_option_rejects(text):
    with pytest.raises(ValueError):
        rope.parse_option(text)


def test_invalid_head_dim():
    with pytest.raises(ValueError):
        rope.frequencies(7)


def test_wavelengths_are_two_pi_over_theta():
    w = rope.wavelengths(128)
    assert math.isclose(w[0], 2 * math.pi)
    assert math.isclose(w[-1], 2 * math.pi * 10000 ** (126 / 128))
    # NTK alpha stretches the slowest pair by exactly alpha, the fastest not at all.
    stretched = rope.wavelengths(128, rope.ntk_base(10000, 4.0, 128))
    assert math.isclose(stretched[-1] / w[-1], 4.0)
    assert math.isclose(stretched[0], w[0])


def test_dynamic_ntk_alpha_follows_transformers():
    # transformers: base * (factor * seq_len / max_pos - (factor - 1)) ** (d / (d - 2))
    assert rope.dynamic_ntk_alpha(1000, 4096, 4.0) == 1.0
    assert rope.dynamic_ntk_alpha(4096, 4096, 4.0) == 1.0
    assert rope.dynamic_ntk_alpha(16384, 4096, 4.0) == 13.0
    assert math.isclose(rope.dynamic_ntk_alpha(int(4096 * 1.75), 4096, 4.0), 4.0)
    with pytest.raises(ValueError):
        rope.dynamic_ntk_alpha(0, 4096, 2.0)


def test_option_names_come_from_the_options_table():
    """Every name the writers emit and parse_option reads is a spelling in data/options.toml."""
    from llmterms import options

    spellings = {
        n.lstrip("-").replace("-", "_").lower()
        for c in options.concepts()
        if c.group == "rope"
        for names in c.names.values()
        for n in names
    }
    for key in rope._OPTIONS:
        assert key in spellings or key == "factor", key
    setting = rope.RopeScaling("yarn", factor=4.0, original_context=4096, beta_fast=16.0, beta_slow=2.0)
    written = set(setting.to_llamacpp()) | set(setting.to_hf()) | set(setting.to_hf()["rope_scaling"])
    written |= set(rope.RopeScaling("ntk", alpha=2.0).to_exllamav2()) | set(rope.RopeScaling().to_webui())
    normal = {n.lstrip("-").replace("-", "_").lower() for n in written}
    assert normal - spellings == {"rope_type", "factor"}  # the keys inside rope_scaling's value


# -- Properties on generated bases, alphas and factors -----------------------------------------------

head_dims = st.sampled_from([32, 64, 80, 96, 128, 256])


alphas = st.floats(min_value=1.0, max_value=64.0)


bases = st.floats(min_value=100.0, max_value=1e7)


factors = st.floats(min_value=1.01, max_value=128.0)


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
