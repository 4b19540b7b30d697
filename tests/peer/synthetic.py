"""Small GGUF files that copy the structure of real architecture families, for llama.cpp to load.

Each family keeps what decides the memory llama.cpp allocates (the layer pattern of sliding-window and
global attention, head counts and head sizes, the window, experts, multi-head latent attention ranks,
recurrent layers) and shrinks what does not (few layers, a narrow residual stream, a small vocabulary).
The tensors are zeros: llama.cpp only reserves buffers here, it never computes with them. The files
carry no tokenizer (``tokenizer.ggml.model = "no_vocab"`` with ``<arch>.vocab_size``), which llama.cpp
accepts and fills with dummy tokens.

Every family names the real model whose config.json it copies the pattern of; shapes are scaled down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gguf
import numpy as np

__all__ = ["FAMILIES", "Family", "write"]


@dataclass(frozen=True)
class Family:
    """One architecture family: the GGUF architecture name, its metadata and its tensors."""

    name: str
    arch: str
    copies: str
    metadata: dict[str, int | float | bool | list[int]]
    tensors: list[tuple[str, tuple[int, ...]]] = field(repr=False)


def _f16(ne: tuple[int, ...]) -> bool:
    # Matrices in F16 as a converter writes them; vectors (norms, biases, sinks) in F32, as llama.cpp wants.
    return len(ne) >= 2


def _attention(i: int, n_embd: int, q: int, k: int, v: int, *, bias: bool = False) -> list:
    t = [
        (f"blk.{i}.attn_q.weight", (n_embd, q)),
        (f"blk.{i}.attn_k.weight", (n_embd, k)),
        (f"blk.{i}.attn_v.weight", (n_embd, v)),
        (f"blk.{i}.attn_output.weight", (q, n_embd)),
    ]
    if bias:
        t += [(f"blk.{i}.attn_q.bias", (q,)), (f"blk.{i}.attn_k.bias", (k,)), (f"blk.{i}.attn_v.bias", (v,))]
    return t


def _dense_ffn(i: int, n_embd: int, n_ff: int) -> list:
    return [
        (f"blk.{i}.ffn_gate.weight", (n_embd, n_ff)),
        (f"blk.{i}.ffn_up.weight", (n_embd, n_ff)),
        (f"blk.{i}.ffn_down.weight", (n_ff, n_embd)),
    ]


def _experts(i: int, n_embd: int, n_ff: int, n_expert: int) -> list:
    return [
        (f"blk.{i}.ffn_gate_inp.weight", (n_embd, n_expert)),
        (f"blk.{i}.ffn_gate_exps.weight", (n_embd, n_ff, n_expert)),
        (f"blk.{i}.ffn_up_exps.weight", (n_embd, n_ff, n_expert)),
        (f"blk.{i}.ffn_down_exps.weight", (n_ff, n_embd, n_expert)),
    ]


def _head(n_embd: int, n_vocab: int, *, tied: bool) -> list:
    t = [("token_embd.weight", (n_embd, n_vocab)), ("output_norm.weight", (n_embd,))]
    return t if tied else [*t, ("output.weight", (n_embd, n_vocab))]


def gemma3() -> Family:
    # google/gemma-3-270m: 5 sliding-window layers (512 tokens) then 1 global, head size 256, 1 KV head.
    n_embd, n_head, n_kv, hd, n_ff, n_vocab, n_layer = 256, 4, 1, 256, 512, 16384, 8
    t = _head(n_embd, n_vocab, tied=True)
    for i in range(n_layer):
        t += [(f"blk.{i}.attn_norm.weight", (n_embd,))]
        t += _attention(i, n_embd, n_head * hd, n_kv * hd, n_kv * hd)
        t += [
            (f"blk.{i}.post_attention_norm.weight", (n_embd,)),
            (f"blk.{i}.attn_k_norm.weight", (hd,)),
            (f"blk.{i}.attn_q_norm.weight", (hd,)),
            (f"blk.{i}.ffn_norm.weight", (n_embd,)),
            (f"blk.{i}.post_ffw_norm.weight", (n_embd,)),
        ]
        t += _dense_ffn(i, n_embd, n_ff)
    md = {
        "block_count": n_layer,
        "context_length": 32768,
        "embedding_length": n_embd,
        "feed_forward_length": n_ff,
        "attention.head_count": n_head,
        "attention.head_count_kv": n_kv,
        "attention.key_length": hd,
        "attention.value_length": hd,
        "attention.sliding_window": 512,
        "attention.layer_norm_rms_epsilon": 1e-6,
        "rope.freq_base": 1e6,
        "vocab_size": n_vocab,
    }
    return Family("gemma3-swa", "gemma3", "google/gemma-3-270m", md, t)


def gpt_oss() -> Family:
    # openai/gpt-oss-20b: sliding-window (128) and global layers alternate; 64 query heads and 8 KV heads of
    # 64; experts with biases; attention sinks.
    n_embd, n_head, n_kv, hd, n_ff_exp, n_expert, n_used, n_vocab, n_layer = (
        256,
        16,
        4,
        64,
        128,
        8,
        2,
        16384,
        4,
    )
    t = _head(n_embd, n_vocab, tied=False)
    for i in range(n_layer):
        t += [(f"blk.{i}.attn_norm.weight", (n_embd,)), (f"blk.{i}.post_attention_norm.weight", (n_embd,))]
        t += _attention(i, n_embd, n_head * hd, n_kv * hd, n_kv * hd, bias=True)
        t += [(f"blk.{i}.attn_sinks.weight", (n_head,)), (f"blk.{i}.attn_output.bias", (n_embd,))]
        t += _experts(i, n_embd, n_ff_exp, n_expert)
        t += [
            (f"blk.{i}.ffn_gate_inp.bias", (n_expert,)),
            (f"blk.{i}.ffn_gate_exps.bias", (n_ff_exp, n_expert)),
            (f"blk.{i}.ffn_up_exps.bias", (n_ff_exp, n_expert)),
            (f"blk.{i}.ffn_down_exps.bias", (n_embd, n_expert)),
        ]
    md = {
        "block_count": n_layer,
        "context_length": 131072,
        "embedding_length": n_embd,
        "feed_forward_length": n_ff_exp,
        "expert_feed_forward_length": n_ff_exp,
        "expert_count": n_expert,
        "expert_used_count": n_used,
        "attention.head_count": n_head,
        "attention.head_count_kv": n_kv,
        "attention.key_length": hd,
        "attention.value_length": hd,
        "rope.dimension_count": hd,
        "attention.sliding_window": 128,
        "attention.layer_norm_rms_epsilon": 1e-5,
        "rope.freq_base": 150000.0,
        "vocab_size": n_vocab,
    }
    return Family("gpt-oss-swa-moe", "gpt-oss", "openai/gpt-oss-20b", md, t)


def llama() -> Family:
    # meta-llama/Llama-3.1-8B: dense, 32 query heads sharing 8 KV heads of 128 (grouped-query attention).
    n_embd, n_head, n_kv, n_ff, n_vocab, n_layer = 512, 4, 1, 1024, 16384, 4
    hd = n_embd // n_head
    t = _head(n_embd, n_vocab, tied=False)
    for i in range(n_layer):
        t += [(f"blk.{i}.attn_norm.weight", (n_embd,)), (f"blk.{i}.ffn_norm.weight", (n_embd,))]
        t += _attention(i, n_embd, n_embd, n_kv * hd, n_kv * hd)
        t += _dense_ffn(i, n_embd, n_ff)
    md = {
        "block_count": n_layer,
        "context_length": 131072,
        "embedding_length": n_embd,
        "feed_forward_length": n_ff,
        "attention.head_count": n_head,
        "attention.head_count_kv": n_kv,
        "rope.dimension_count": hd,
        "attention.layer_norm_rms_epsilon": 1e-5,
        "rope.freq_base": 500000.0,
        "vocab_size": n_vocab,
    }
    return Family("llama-dense-gqa", "llama", "meta-llama/Llama-3.1-8B", md, t)


def qwen3(moe: bool = False) -> Family:
    # Qwen/Qwen3-8B (dense) and Qwen/Qwen3-30B-A3B (128 experts, 8 used): head size 128 set apart from the
    # width, per-head Q and K norms, 4 query heads per KV head.
    n_embd, n_head, n_kv, hd, n_ff, n_vocab, n_layer = 256, 8, 2, 128, 768, 16384, 4
    n_expert, n_used, n_ff_exp = 16, 4, 96
    t = _head(n_embd, n_vocab, tied=False)
    for i in range(n_layer):
        t += [(f"blk.{i}.attn_norm.weight", (n_embd,)), (f"blk.{i}.ffn_norm.weight", (n_embd,))]
        t += _attention(i, n_embd, n_head * hd, n_kv * hd, n_kv * hd)
        t += [(f"blk.{i}.attn_k_norm.weight", (hd,)), (f"blk.{i}.attn_q_norm.weight", (hd,))]
        t += _experts(i, n_embd, n_ff_exp, n_expert) if moe else _dense_ffn(i, n_embd, n_ff)
    md = {
        "block_count": n_layer,
        "context_length": 40960,
        "embedding_length": n_embd,
        "feed_forward_length": n_ff,
        "attention.head_count": n_head,
        "attention.head_count_kv": n_kv,
        "attention.key_length": hd,
        "attention.value_length": hd,
        "attention.layer_norm_rms_epsilon": 1e-6,
        "rope.freq_base": 1e6,
        "vocab_size": n_vocab,
    }
    if moe:
        md |= {"expert_count": n_expert, "expert_used_count": n_used, "expert_feed_forward_length": n_ff_exp}
        return Family("qwen3-moe", "qwen3moe", "Qwen/Qwen3-30B-A3B", md, t)
    return Family("qwen3-dense", "qwen3", "Qwen/Qwen3-8B", md, t)


def deepseek_mla() -> Family:
    # deepseek-ai/DeepSeek-V3: multi-head latent attention (the cache holds one 512-wide latent plus a 64-wide
    # RoPE key per token and layer, no V), leading dense layers, routed experts plus a shared expert.
    n_embd, n_head, n_vocab, n_layer = 256, 8, 16384, 4
    q_lora, kv_lora, rope, nope, v_head = 96, 128, 32, 64, 64
    n_ff, n_ff_exp, n_expert, n_used, n_shared, n_dense = 512, 64, 16, 4, 1, 1
    k_head = nope + rope
    t = _head(n_embd, n_vocab, tied=False)
    for i in range(n_layer):
        t += [
            (f"blk.{i}.attn_norm.weight", (n_embd,)),
            (f"blk.{i}.attn_q_a_norm.weight", (q_lora,)),
            (f"blk.{i}.attn_kv_a_norm.weight", (kv_lora,)),
            (f"blk.{i}.attn_q_a.weight", (n_embd, q_lora)),
            (f"blk.{i}.attn_q_b.weight", (q_lora, n_head * k_head)),
            (f"blk.{i}.attn_kv_a_mqa.weight", (n_embd, kv_lora + rope)),
            (f"blk.{i}.attn_k_b.weight", (nope, kv_lora, n_head)),
            (f"blk.{i}.attn_v_b.weight", (kv_lora, v_head, n_head)),
            (f"blk.{i}.attn_output.weight", (n_head * v_head, n_embd)),
            (f"blk.{i}.ffn_norm.weight", (n_embd,)),
        ]
        if i < n_dense:
            t += _dense_ffn(i, n_embd, n_ff)
        else:
            t += _experts(i, n_embd, n_ff_exp, n_expert)
            t += [
                (f"blk.{i}.exp_probs_b.bias", (n_expert,)),
                (f"blk.{i}.ffn_gate_shexp.weight", (n_embd, n_ff_exp * n_shared)),
                (f"blk.{i}.ffn_up_shexp.weight", (n_embd, n_ff_exp * n_shared)),
                (f"blk.{i}.ffn_down_shexp.weight", (n_ff_exp * n_shared, n_embd)),
            ]
    md = {
        "block_count": n_layer,
        "context_length": 163840,
        "embedding_length": n_embd,
        "feed_forward_length": n_ff,
        "attention.head_count": n_head,
        # As convert_hf_to_gguf.py writes MLA models: one KV head whose key is the latent plus the RoPE part.
        "attention.head_count_kv": 1,
        "attention.key_length": kv_lora + rope,
        "attention.value_length": kv_lora,
        "attention.key_length_mla": k_head,
        "attention.value_length_mla": v_head,
        "attention.q_lora_rank": q_lora,
        "attention.kv_lora_rank": kv_lora,
        "rope.dimension_count": rope,
        "leading_dense_block_count": n_dense,
        "expert_count": n_expert,
        "expert_used_count": n_used,
        "expert_shared_count": n_shared,
        "expert_feed_forward_length": n_ff_exp,
        "expert_weights_scale": 2.5,
        "expert_weights_norm": True,
        "expert_gating_func": 2,
        "attention.layer_norm_rms_epsilon": 1e-6,
        "vocab_size": n_vocab,
    }
    return Family("deepseek-mla", "deepseek2", "deepseek-ai/DeepSeek-V3", md, t)


def lfm2() -> Family:
    # LiquidAI/LFM2-350M: a hybrid of short-convolution layers (recurrent state of L_cache - 1 columns) and
    # grouped-query attention layers; the pattern comes from per-layer KV head counts (0 = convolution).
    n_embd, n_head, n_kv, n_ff, n_vocab, l_cache = 256, 8, 4, 512, 16384, 3
    kv_heads = [0, 0, n_kv, 0, 0, n_kv, 0, n_kv]
    hd = n_embd // n_head
    t = [("token_embd.weight", (n_embd, n_vocab)), ("token_embd_norm.weight", (n_embd,))]
    for i, kv in enumerate(kv_heads):
        t += [(f"blk.{i}.ffn_norm.weight", (n_embd,)), (f"blk.{i}.attn_norm.weight", (n_embd,))]
        t += _dense_ffn(i, n_embd, n_ff)
        if kv:
            t += [(f"blk.{i}.attn_q_norm.weight", (hd,)), (f"blk.{i}.attn_k_norm.weight", (hd,))]
            t += _attention(i, n_embd, n_embd, kv * hd, kv * hd)
        else:
            t += [
                (f"blk.{i}.shortconv.conv.weight", (l_cache, n_embd)),
                (f"blk.{i}.shortconv.in_proj.weight", (n_embd, 3 * n_embd)),
                (f"blk.{i}.shortconv.out_proj.weight", (n_embd, n_embd)),
            ]
    md = {
        "block_count": len(kv_heads),
        "context_length": 128000,
        "embedding_length": n_embd,
        "feed_forward_length": n_ff,
        "attention.head_count": n_head,
        "attention.head_count_kv": kv_heads,
        "shortconv.l_cache": l_cache,
        "attention.layer_norm_rms_epsilon": 1e-5,
        "rope.freq_base": 1e6,
        "vocab_size": n_vocab,
    }
    return Family("lfm2-hybrid", "lfm2", "LiquidAI/LFM2-350M", md, t)


FAMILIES: dict[str, Callable[[], Family]] = {
    "gemma3-swa": gemma3,
    "gpt-oss-swa-moe": gpt_oss,
    "llama-dense-gqa": llama,
    "qwen3-dense": qwen3,
    "qwen3-moe": lambda: qwen3(moe=True),
    "deepseek-mla": deepseek_mla,
    "lfm2-hybrid": lfm2,
}


def write(name: str, folder: Path) -> Path:
    """Write the family ``name`` as ``folder/<name>.gguf`` (rewritten only when missing) and return the path."""
    family = FAMILIES[name]()
    path = Path(folder) / f"{family.name}.gguf"
    if path.is_file():
        return path
    tmp = path.with_suffix(".tmp")
    w = gguf.GGUFWriter(tmp, family.arch)
    w.add_name(f"synthetic {family.name} (structure of {family.copies})")
    w.add_string("tokenizer.ggml.model", "no_vocab")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    for key, value in family.metadata.items():
        full = f"{family.arch}.{key}"
        if isinstance(value, bool):
            w.add_bool(full, value)
        elif isinstance(value, list):
            w.add_array(full, value)
        elif isinstance(value, float):
            w.add_float32(full, value)
        else:
            w.add_uint32(full, value)
    for tname, ne in family.tensors:
        dtype = np.float16 if _f16(ne) else np.float32
        w.add_tensor(tname, np.zeros(tuple(reversed(ne)), dtype=dtype))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    tmp.replace(path)
    return path
