"""How llama.cpp lays out a model's memory: which layers cache K and V, how wide, and which slide or recur.

A :class:`Layout` is what the runtime estimate (:mod:`llmterms.llama_cpp_memory`) needs to know about a
model, layer by layer: global attention layers cache every token; sliding-window layers (Gemma 2 and 3,
gpt-oss, Llama 4's chunks) only a window; multi-head latent attention (DeepSeek-V2/V3, Kimi K2) caches one
compressed latent plus a RoPE key and no V; recurrent layers (LFM2's convolutions) keep a fixed-size
state instead. It is read from a GGUF header (:func:`from_gguf`), from a Hugging Face ``config.json``
(:func:`from_config`, offline) or from a preset (:func:`preset`, ``data/model_configs.toml``, each row a
published ``config.json`` with its address).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from llmterms import data
from llmterms.shape import Architecture

__all__ = [
    "Layer",
    "Layout",
    "Weights",
    "from_architecture",
    "from_config",
    "from_gguf",
    "from_metadata",
    "preset",
    "presets",
]

#: llama.cpp's pattern for the expert tensors that --cpu-moe / --n-cpu-moe keep in system RAM
#: (LLM_FFN_EXPS_REGEX in common/common.h).
EXPERT_TENSOR = re.compile(r"\.ffn_(up|down|gate|gate_up)_(ch|)exps")
#: Tensor types llama.cpp's CPU backend repacks on x86 with AVX2 (measured: Gemma 3 270M's Q4_K matrices,
#: 12.66 MiB, form its CPU_REPACK buffer; its Q8_0, Q5_0 and Q6_K tensors are not repacked).
REPACKED_TYPES = frozenset({"Q4_0", "Q4_K", "IQ4_NL"})


@dataclass(frozen=True)
class Layer:
    """One layer's cache: ``kind`` is "full", "swa" or "recurrent"; K and V widths per token (elements).

    >>> Layer("full", 1024, 1024)
    Layer(kind='full', k=1024, v=1024, n_head=0)
    """

    kind: str
    k: int = 0
    v: int = 0
    n_head: int = 0


@dataclass(frozen=True)
class Weights:
    """The weights' bytes as a GGUF file stores them: in total, per layer, and the expert tensors per layer.

    >>> Weights(total=100, per_layer=(40, 40), experts=(30, 30)).outside_layers
    20
    """

    total: int
    per_layer: tuple[int, ...] = ()
    experts: tuple[int, ...] = ()
    output: int = 0
    repackable: int = 0

    @property
    def outside_layers(self) -> int:
        """Bytes in no layer: token embeddings, output norm and output matrix."""
        return self.total - sum(self.per_layer)


@dataclass(frozen=True)
class Layout:
    """A model as llama.cpp's memory accounting sees it.

    >>> lay = preset("gemma-3-27b")
    >>> lay.n_layer, lay.n_swa, [l.kind for l in lay.layers[:6]]
    (62, 1024, ['swa', 'swa', 'swa', 'swa', 'swa', 'full'])
    """

    name: str
    arch: str
    n_embd: int
    n_vocab: int
    n_ctx_train: int
    layers: tuple[Layer, ...]
    n_swa: int = 0
    mla: bool = False
    mla_rank: int = 0
    n_embd_r: int = 0
    n_embd_s: int = 0
    n_ff: int = 0
    n_ff_exp: int = 0
    n_expert: int = 0
    n_expert_used: int = 0
    parameters: int = 0
    active_parameters: int = 0
    weights: Weights | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def n_layer(self) -> int:
        """Number of layers (blocks)."""
        return len(self.layers)

    @property
    def n_head(self) -> int:
        """The most query heads of any attention layer (the attention scores' height)."""
        return max((lay.n_head for lay in self.layers), default=0)


# -- Sliding-window patterns ----------------------------------------------------------------------------


@cache
def _patterns() -> dict[str, dict]:
    return data.read("attention_patterns.toml")


def _swa_flags(arch: str, n_layer: int, window: int | None, pattern: Any) -> tuple[list[bool], int]:
    """Per layer, whether llama.cpp treats it as sliding-window, and the window (0 = none)."""
    rule = _patterns().get(arch)
    if rule is None:
        return [False] * n_layer, 0
    if rule.get("chunked"):
        if window == 0:
            return [False] * n_layer, 0
        window = rule["window"]
    elif not window:
        window = rule["window"]
    if not window:
        return [False] * n_layer, 0
    if isinstance(pattern, list):
        return [bool(x) for x in pattern[:n_layer]], window
    period = int(pattern) if pattern else rule["period"]
    dense_first = rule.get("dense_first", False)
    if dense_first:
        return [period == 0 or i % period != 0 for i in range(n_layer)], window
    return [period == 0 or i % period < period - 1 for i in range(n_layer)], window


# -- GGUF -----------------------------------------------------------------------------------------------


def _per_layer(value: Any, n: int, default: int) -> list[int]:
    if value is None:
        return [default] * n
    if isinstance(value, list):
        return [int(x) for x in value[:n]]
    return [int(value)] * n


def from_metadata(metadata: dict[str, Any], tensors: Sequence[tuple] = (), name: str = "") -> Layout:
    """A layout from GGUF metadata (key -> value) and the tensors' (name, bytes, ggml type, dims).

    >>> md = {"general.architecture": "llama", "llama.block_count": 2, "llama.embedding_length": 512,
    ...       "llama.attention.head_count": 8, "llama.attention.head_count_kv": 2, "llama.vocab_size": 1000,
    ...       "llama.context_length": 8192}
    >>> lay = from_metadata(md)
    >>> lay.layers[0], lay.n_vocab
    (Layer(kind='full', k=128, v=128, n_head=8), 1000)
    """
    arch = str(metadata.get("general.architecture", "llama"))

    def get(key: str, default: Any = None) -> Any:
        return metadata.get(f"{arch}.{key}", default)

    n_layer_all = int(get("block_count", 0))
    n_layer = n_layer_all - int(get("nextn_predict_layers", 0) or 0)
    n_embd = int(get("embedding_length", 0))
    if not (n_layer and n_embd):
        raise ValueError(f"{name or 'GGUF metadata'}: no {arch}.block_count / {arch}.embedding_length")
    n_head = _per_layer(get("attention.head_count"), n_layer, 0)
    n_head_kv = _per_layer(get("attention.head_count_kv"), n_layer, 0)
    if get("attention.head_count_kv") is None:
        n_head_kv = list(n_head)
    h0 = max(n_head) or 1
    k_full = int(get("attention.key_length", n_embd // h0))
    v_full = int(get("attention.value_length", n_embd // h0))
    k_swa = int(get("attention.key_length_swa", k_full))
    v_swa = int(get("attention.value_length_swa", v_full))
    swa, window = _swa_flags(
        arch, n_layer, get("attention.sliding_window"), get("attention.sliding_window_pattern")
    )
    mla = get("attention.key_length_mla") is not None and get("attention.value_length_mla") is not None
    recurrent = [arch == "lfm2" and kv == 0 for kv in n_head_kv]
    layers = []
    for i in range(n_layer):
        if recurrent[i]:
            layers.append(Layer("recurrent"))
            continue
        k, v = (k_swa, v_swa) if swa[i] else (k_full, v_full)
        layers.append(
            Layer("swa" if swa[i] else "full", k * n_head_kv[i], 0 if mla else v * n_head_kv[i], n_head[i])
        )
    n_embd_r = n_embd * (int(get("shortconv.l_cache", 1)) - 1) if arch == "lfm2" else 0
    n_vocab = get("vocab_size")
    if n_vocab is None:
        tokens = metadata.get("tokenizer.ggml.tokens")
        n_vocab = getattr(tokens, "length", None) or (len(tokens) if isinstance(tokens, list) else 0)
    weights = None
    if tensors:
        per_layer, experts = [0] * n_layer_all, [0] * n_layer_all
        output = repackable = 0
        for tname, nbytes, ttype, dims in tensors:
            # The CPU backend keeps an interleaved copy of these matrices (a CPU_REPACK buffer) when the
            # processor has the instructions for it (AVX2 on x86, NEON on Arm); get_rows cannot use one,
            # so the token embeddings stay as they are.
            if (
                ttype in REPACKED_TYPES
                and len(dims) >= 2
                and dims[1] % 8 == 0
                and tname != "token_embd.weight"
            ):
                repackable += nbytes
            if m := re.match(r"blk\.(\d+)\.", tname):
                i = int(m[1])
                per_layer[i] += nbytes
                if EXPERT_TENSOR.search(tname):
                    experts[i] += nbytes
            elif tname.startswith("output."):
                output += nbytes
        total = sum(t[1] for t in tensors)
        weights = Weights(total, tuple(per_layer), tuple(experts), output, repackable)
    return Layout(
        name=name or str(metadata.get("general.name", arch)),
        arch=arch,
        n_embd=n_embd,
        n_vocab=int(n_vocab),
        n_ctx_train=int(get("context_length", 0)),
        layers=tuple(layers),
        n_swa=window if any(swa) else 0,
        mla=mla,
        mla_rank=int(get("attention.kv_lora_rank", 0) or 0) if mla else 0,
        n_embd_r=n_embd_r,
        n_ff=max(_per_layer(get("feed_forward_length"), n_layer, 0)),
        n_ff_exp=int(get("expert_feed_forward_length", 0) or 0),
        n_expert=int(get("expert_count", 0) or 0),
        n_expert_used=int(get("expert_used_count", 0) or 0),
        weights=weights,
        source=name,
    )


def from_gguf(path: str | Path) -> Layout:
    """Read a layout, and the exact bytes of every tensor, from a GGUF file's header (no weights loaded).

    The tiny model: four global attention layers, each caching 64 K and 64 V elements per token (2 KV heads
    of 32), and 2,101,760 bytes of tensor data, all read without loading a weight:

    >>> from llmterms import tiny
    >>> lay = from_gguf(tiny.path())
    >>> lay.arch, lay.n_layer, lay.n_ctx_train, lay.layers[0]
    ('llama', 4, 256, Layer(kind='full', k=64, v=64, n_head=4))
    >>> lay.weights.total, lay.weights.per_layer[0]
    (2101760, 394240)
    """
    from llmterms import gguf_file

    # gguf_file's bounds-checked header walk: long arrays such as the vocabulary are summarised, not decoded
    # (gguf-py's GGUFReader would decode every token string first).
    with gguf_file.GGUFFile(path) as f:
        metadata = dict(f.metadata)
        tensors = [(t.name, t.n_bytes, t.type_name, list(t.dims)) for t in f.tensors]
    return from_metadata(metadata, tensors, name=Path(path).name)


# -- Hugging Face config.json ---------------------------------------------------------------------------

# config.json model_type -> the GGUF architecture llama.cpp converts it to (convert_hf_to_gguf.py).
_GGUF_ARCH = {
    "gemma3": "gemma3",
    "gemma3_text": "gemma3",
    "gemma2": "gemma2",
    "gpt_oss": "gpt-oss",
    "llama4": "llama4",
    "llama4_text": "llama4",
    "qwen3": "qwen3",
    "qwen3_moe": "qwen3moe",
    "deepseek_v3": "deepseek2",
    "deepseek_v2": "deepseek2",
    "kimi_k2": "deepseek2",
    "glm4_moe": "glm4moe",
    "mistral3": "llama",
    "mistral": "llama",
    "llama": "llama",
    "phi3": "phi3",
    "qwen2": "qwen2",
}


def from_config(config: dict[str, Any] | str | Path, name: str = "") -> Layout:
    """A layout from a Hugging Face ``config.json`` (a dict or a path), read offline.

    Multimodal configs are read through their ``text_config``. The parameter count is computed from the
    shapes (embeddings, attention, dense or expert feed-forward layers; norms are left out).

    >>> lay = from_config({"model_type": "qwen3", "num_hidden_layers": 28, "hidden_size": 1024,
    ...     "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 3072,
    ...     "vocab_size": 151936, "max_position_embeddings": 40960, "tie_word_embeddings": True})
    >>> lay.layers[0], round(lay.parameters / 1e9, 2)
    (Layer(kind='full', k=1024, v=1024, n_head=16), 0.6)
    """
    source = ""
    if isinstance(config, dict):
        top: dict[str, Any] = config
    else:
        source = str(config)
        try:
            top = json.loads(Path(config).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{config}: not a readable config.json ({exc})") from None
    c: dict[str, Any] = top.get("text_config") or top
    model_type = str(top.get("model_type") or c.get("model_type") or "")
    arch = _GGUF_ARCH.get(model_type) or _GGUF_ARCH.get(str(c.get("model_type", "")))
    if arch is None:
        raise ValueError(
            f"{source or name or 'config.json'}: model_type {model_type!r} is not one the estimate knows "
            f"({', '.join(sorted(_GGUF_ARCH))})"
        )

    def need(key: str) -> Any:
        if key not in c or c[key] is None:
            raise ValueError(f"{source or name or 'config.json'}: no {key!r} (model_type {model_type!r})")
        return c[key]

    n_layer = int(need("num_hidden_layers"))
    h = int(need("hidden_size"))
    n_head = int(need("num_attention_heads"))
    n_kv = int(c.get("num_key_value_heads") or n_head)
    hd = int(c.get("head_dim") or h // n_head)
    vocab = int(need("vocab_size"))
    window = c.get("sliding_window") or c.get("attention_chunk_size")
    types = c.get("layer_types")
    if arch == "llama4":
        window = c.get("attention_chunk_size") or 8192
        no_rope = c.get("no_rope_layers")
        pattern: Any = [bool(x) for x in no_rope] if no_rope else None
    elif isinstance(types, list):
        pattern = [t in ("sliding_attention", "chunked_attention") for t in types]
    else:
        pattern = c.get("sliding_window_pattern")
    swa, window = _swa_flags(arch, n_layer, int(window or 0) or None, pattern)

    mla = arch == "deepseek2" and "kv_lora_rank" in c
    layers = []
    for i in range(n_layer):
        if mla:
            layers.append(Layer("full", int(c["kv_lora_rank"]) + int(c["qk_rope_head_dim"]), 0, n_head))
        else:
            layers.append(Layer("swa" if swa[i] else "full", n_kv * hd, n_kv * hd, n_head))

    n_expert = int(c.get("num_experts") or c.get("num_local_experts") or c.get("n_routed_experts") or 0)
    n_used = int(c.get("num_experts_per_tok") or c.get("experts_per_token") or 0)
    ff = int(c.get("intermediate_size") or 0)
    ff_exp = int(c.get("moe_intermediate_size") or c.get("intermediate_size_moe") or ff)
    n_shared = int(c.get("n_shared_experts") or c.get("num_shared_experts") or 0)
    n_dense = int(c.get("first_k_dense_replace") or 0)
    if mla:
        q_lora, kv_lora = int(c.get("q_lora_rank") or 0), int(c["kv_lora_rank"])
        rope, nope, v_head = int(c["qk_rope_head_dim"]), int(c["qk_nope_head_dim"]), int(c["v_head_dim"])
        q = h * q_lora + q_lora * n_head * (nope + rope) if q_lora else h * n_head * (nope + rope)
        attn = q + h * (kv_lora + rope) + kv_lora * n_head * (nope + v_head) + n_head * v_head * h
    else:
        attn = 2 * h * n_head * hd + 2 * h * n_kv * hd
    total = active = vocab * h * (1 if c.get("tie_word_embeddings", top.get("tie_word_embeddings")) else 2)
    step = int(c.get("interleave_moe_layer_step") or 1)
    for i in range(n_layer):
        total, active = total + attn, active + attn
        moe = n_expert and i >= n_dense and (i + 1) % step == 0
        if moe:
            total += n_expert * 3 * h * ff_exp + h * n_expert + n_shared * 3 * h * ff_exp
            active += n_used * 3 * h * ff_exp + h * n_expert + n_shared * 3 * h * ff_exp
        else:
            total, active = total + 3 * h * ff, active + 3 * h * ff
    return Layout(
        name=name or str(top.get("_name_or_path") or model_type),
        arch=arch,
        n_embd=h,
        n_vocab=vocab,
        n_ctx_train=int(c.get("max_position_embeddings") or 0),
        layers=tuple(layers),
        n_swa=window if any(swa) else 0,
        mla=mla,
        mla_rank=int(c["kv_lora_rank"]) if mla else 0,
        n_ff=ff,
        n_ff_exp=ff_exp if n_expert else 0,
        n_expert=n_expert,
        n_expert_used=n_used,
        parameters=total,
        active_parameters=active,
        source=source or str(top.get("source", "")),
    )


def from_architecture(arch: Architecture) -> Layout:
    """The layout of a :class:`llmterms.shape.Architecture` (every layer global, as llama.cpp runs these).

    >>> from llmterms.shape import preset as shape_preset
    >>> lay = from_architecture(shape_preset("llama-3-8b"))
    >>> lay.n_layer, lay.layers[0], lay.n_vocab
    (32, Layer(kind='full', k=1024, v=1024, n_head=32), 128256)
    """
    kv = arch.n_kv_heads * arch.head_dim
    moe = arch.n_experts > 1
    return Layout(
        name=arch.name,
        arch=arch.family or "llama",
        n_embd=arch.hidden_size,
        n_vocab=arch.vocab_size,
        n_ctx_train=arch.context,
        layers=tuple(Layer("full", kv, kv, arch.n_heads) for _ in range(arch.n_layers)),
        n_ff=0 if moe else arch.intermediate_size,
        n_ff_exp=arch.intermediate_size if moe else 0,
        n_expert=arch.n_experts if moe else 0,
        n_expert_used=arch.n_experts_used if moe else 0,
        parameters=arch.parameters,
        active_parameters=arch.active_parameters,
        source=arch.source,
    )


# -- Presets --------------------------------------------------------------------------------------------


@cache
def _preset_table() -> dict[str, dict]:
    return data.read("model_configs.toml")


def presets() -> list[str]:
    """Names of the model presets (published config.json files, ``data/model_configs.toml``).

    >>> "gpt-oss-120b" in presets() and "deepseek-v3" in presets()
    True
    """
    return list(_preset_table())


def preset(name: str) -> Layout:
    """The layout of a preset, by name (case-insensitive).

    >>> preset("qwen3-30b-a3b").n_expert, preset("qwen3-30b-a3b").n_expert_used
    (128, 8)
    """
    key = name.strip().lower()
    try:
        row = dict(_preset_table()[key])
    except KeyError:
        raise KeyError(f"unknown model preset {name!r}; presets: {', '.join(presets())}") from None
    source = row.pop("source")
    lay = from_config(row, name=key)
    return Layout(**{**lay.__dict__, "source": source})
