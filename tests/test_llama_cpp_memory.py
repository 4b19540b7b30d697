"""The runtime estimate (llmterms.llama_cpp_memory, cache_layout) and `llmterms estimate`, without llama.cpp.

The comparison with llama.cpp itself is in tests/peer (tox -e peer); these tests pin the rules and the
command line on presets and config.json files.
"""

from __future__ import annotations

import json

import pytest

from llmterms import cache_layout
from llmterms.cli import main
from llmterms.llama_cpp_memory import MIB, Context, estimate, weights_bytes

GIB = 1 << 30


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_gemma_3_27b_at_128k_keeps_a_window_on_52_of_62_layers():
    e = estimate(cache_layout.preset("gemma-3-27b"), Context(n_ctx=131072))
    glob, swa = e.caches
    assert (glob.layers, glob.cells, swa.layers, swa.cells) == (10, 131072, 52, 1024 + 512)
    # 10 layers x 131072 cells x 16 KV heads x 128 x 2 (K and V) x 2 bytes = 10 GiB; the 52 window layers
    # hold 1536 cells each.
    assert glob.bytes == 10 * GIB
    assert swa.bytes == 52 * 1536 * 16 * 128 * 2 * 2
    full = estimate(cache_layout.preset("gemma-3-27b"), Context(n_ctx=131072, swa_full=True))
    assert full.kv_cache == 62 * 131072 * 16 * 128 * 2 * 2  # 62 GiB


def test_deepseek_v3_caches_the_latent_only():
    e = estimate(cache_layout.preset("deepseek-v3"), Context(n_ctx=32768))
    (c,) = e.caches
    # 61 layers x 32768 cells x (512 + 64) x 2 bytes, and no V.
    assert (c.k_bytes, c.v_bytes) == (61 * 32768 * 576 * 2, 0)


def test_sequences_split_the_context_unless_unified():
    lay = cache_layout.preset("qwen3-8b")
    one = estimate(lay, Context(n_ctx=16384))
    four = estimate(lay, Context(n_ctx=16384, n_seq_max=4))
    unified = estimate(lay, Context(n_ctx=16384, n_seq_max=4, kv_unified=True))
    assert [(c.cells, c.streams) for c in four.caches] == [(4096, 4)]
    assert one.kv_cache == four.kv_cache == unified.kv_cache
    assert four.output == 4 * one.output


def test_cache_types_and_their_rules():
    lay = cache_layout.preset("llama-3.3-70b")
    f16 = estimate(lay, Context(n_ctx=8192)).kv_cache
    q8 = estimate(lay, Context(n_ctx=8192, cache_type_k="Q8_0", cache_type_v="Q8_0")).kv_cache
    assert q8 / f16 == 34 / 64  # a Q8_0 block: 32 values in 34 bytes
    with pytest.raises(ValueError, match="needs flash attention"):
        estimate(lay, Context(cache_type_v="Q4_0", flash_attn="off"))


def test_presets_cite_their_config_and_count_parameters():
    for name in cache_layout.presets():
        assert cache_layout.preset(name).source.startswith("https://huggingface.co/"), name
    counts = {
        n: cache_layout.preset(n).parameters / 1e9 for n in ("gpt-oss-120b", "qwen3-30b-a3b", "deepseek-v3")
    }
    assert counts["gpt-oss-120b"] == pytest.approx(116.8, abs=0.5)  # model card: 117B
    assert counts["qwen3-30b-a3b"] == pytest.approx(30.5, abs=0.2)  # model card: 30.5B
    assert counts["deepseek-v3"] == pytest.approx(671, abs=2)  # model card: 671B


def test_config_json_errors_name_the_file(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({"model_type": "bloom"}))
    with pytest.raises(ValueError, match=r"config\.json: model_type 'bloom'"):
        cache_layout.from_config(bad)
    bad.write_text(json.dumps({"model_type": "qwen3", "hidden_size": 64}))
    with pytest.raises(ValueError, match="no 'num_hidden_layers'"):
        cache_layout.from_config(bad)


def test_bits_per_weight():
    assert weights_bytes(cache_layout.preset("qwen3-32b"), bpw=4.25) == pytest.approx(
        32.76e9 * 4.25 / 8, rel=1e-3
    )
    with pytest.raises(ValueError, match="bits per weight"):
        weights_bytes(cache_layout.preset("qwen3-32b"), bpw=0)


def test_cli_json_keeps_the_keys(capsys):
    status, out, _ = run(capsys, "estimate", "--arch", "gemma-3-270m", "--ctx", "32768", "--json")
    data = json.loads(out)
    assert status == 0
    assert data["kv_cache"] == 111 * MIB
    assert data["compute"] == int(514.5 * MIB)
    assert {"weights", "kv_cache", "compute", "kv_caches", "gpu_bytes", "cpu_bytes"} <= data.keys()
    _, out, _ = run(capsys, "estimate", "--arch", "gemma-3-270m", "--ctx", "32768", "--swa-full", "--json")
    assert json.loads(out)["kv_cache"] == 576 * MIB


def test_cli_config_json_and_moe_offload(tmp_path, capsys):
    cfg = tmp_path / "config.json"
    row = dict(cache_layout._preset_table()["qwen3-30b-a3b"])
    row.pop("source")
    cfg.write_text(json.dumps(row))
    status, out, _ = run(capsys, "estimate", str(cfg), "--ctx", "32768", "--vram", "8", "--json")
    assert status == 0 and json.loads(out)["gpu_layers"] < 48  # 17 GiB of weights: not on an 8 GiB card
    _, out, _ = run(capsys, "estimate", str(cfg), "--ctx", "32768", "--vram", "8", "--cpu-moe", "--json")
    data = json.loads(out)
    # With the experts (128 x 3 x 2048 x 768 weights per layer, 8 of them used per token) in RAM, every
    # layer's attention, router and KV cache fit in 8 GiB.
    assert data["gpu_layers"] == 48 and data["gpu_bytes"] < 8 * GIB
    assert data["experts_on_cpu"] > 0.85 * data["weights"]
    assert data["cpu_bytes"] > data["experts_on_cpu"]


def test_cli_errors(capsys):
    status, _, err = run(capsys, "estimate", "--arch", "no-such-model")
    assert status == 2 and "unknown model preset 'no-such-model'" in err
    status, _, err = run(
        capsys, "estimate", "--arch", "llama-3.3-70b", "--cache-type-v", "q4_0", "--flash-attn", "off"
    )
    assert status == 2 and "needs flash attention" in err


def test_the_glossary_kv_cache_figures_are_the_estimates():
    from tests import REPO

    text = (REPO / "glossary" / "architecture" / "kv-cache.md").read_text(encoding="utf-8")
    gemma = cache_layout.preset("gemma-3-270m")
    off = estimate(gemma, Context(n_ctx=32768)).kv_cache / MIB
    on = estimate(gemma, Context(n_ctx=32768, swa_full=True)).kv_cache / MIB
    assert (
        f"needs {off:.0f} MiB with llama.cpp's command-line defaults and {on:.0f} MiB with `swa_full` on"
        in text
    )
    assert (off, on) == (111, 576)
    layers = [lay.kind for lay in gemma.layers]
    assert f"{layers.count('swa')} of whose {len(layers)} layers have a {gemma.n_swa}-token window" in text
