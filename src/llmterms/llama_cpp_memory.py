"""What llama.cpp allocates for a model and a context: KV cache, recurrent state, output and compute buffers.

The rules are llama.cpp's own, read in the sources vendored by llama-cpp-python 0.3.36 (checked
2026-12-02) and checked against its load log by the peer tests (``tox -e peer``, tests/peer):

- the context is padded to a multiple of 256 cells; with ``n_seq_max`` sequences and no unified cache
  each sequence gets its own stream of ``n_ctx / n_seq_max`` cells (padded again to 256)
  (``llama_context::llama_context``);
- global layers cache every cell; sliding-window layers cache ``window x (n_seq_max if unified else 1) +
  n_ubatch`` cells padded to 256, unless ``swa_full`` (``llama_kv_cache_iswa``);
- one K and one V row per cell and layer, of the cache type's row size; MLA layers store only K, the
  compressed latent plus the RoPE key (``llama_kv_cache``);
- recurrent layers keep one state per sequence, in F32 (``llama_memory_recurrent``);
- the host output buffer holds one row of logits per sequence (``output_reserve``);
- the compute buffer is the peak of the worst-case graph ggml-alloc reserves for one micro-batch: the
  larger of the output phase (the logits, n_vocab x n_outputs floats) and the layer phase (the attention
  masks, the attention scores without flash attention, and a layer's activations).

The compute figure is a model of ggml-alloc's peak, not a replay of it: within 10 % of llama.cpp's CPU
figure on every model and setting the peer tests try. GPU backends reserve the same graph with the same
allocator, so the same figure is given for a GPU, but it was not measured (no GPU here); expect it to be
off by more (tens of percent), since backends pick other kernels and the scheduler splits the graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from llmterms import quant_mix, quant_table
from llmterms.cache_layout import Layout

__all__ = ["MIB", "Cache", "Context", "Estimate", "estimate", "presets_table", "row_bytes", "weights_bytes"]

MIB = 1 << 20
GIB = 1 << 30
#: llama.cpp pads the context and the sliding-window cache to this many cells.
CELL_PAD = 256


def _pad(n: int, to: int = CELL_PAD) -> int:
    return -(-n // to) * to


def row_bytes(cache_type: str, n: int) -> int:
    """Bytes of one row of ``n`` elements in a ggml type (ggml_row_size).

    >>> row_bytes("F16", 1024), row_bytes("Q8_0", 1024), row_bytes("Q4_0", 1024)
    (2048, 1088, 576)
    """
    q = quant_table.quant_type(cache_type)
    if n % q.block_size:
        raise ValueError(f"a row of {n} elements does not fill whole {q.name} blocks of {q.block_size}")
    return n // q.block_size * q.type_size


def weights_bytes(layout: Layout, quant: str | None = None, bpw: float | None = None) -> int:
    """The weights' bytes: the file's tensors, else the parameters at ``bpw`` bits or in file type ``quant``.

    ``bpw`` is for formats llama.cpp does not load (EXL2/EXL3, AWQ, GPTQ, MLX), whose size is quoted in bits
    per weight; their runtimes' buffers differ from llama.cpp's, so only the weights carry over.

    >>> from llmterms.cache_layout import preset
    >>> weights_bytes(preset("qwen3-8b"), bpw=4.0) / 1e9
    4.09...
    """
    if bpw is not None:
        if not 0 < bpw <= 32:
            raise ValueError(f"bits per weight must be in (0, 32], got {bpw}")
        return math.ceil(layout.parameters * bpw / 8)
    if quant is None and layout.weights is not None:
        return layout.weights.total
    if not layout.parameters:
        raise ValueError(f"{layout.name}: no parameter count to size the weights from")
    return quant_mix.estimate_file_size(layout.parameters, quant or "Q4_K_M")


@dataclass(frozen=True)
class Context:
    """The context parameters that decide the buffers; defaults are llama.cpp's command-line tools'.

    ``n_ctx=None`` means the model's trained context (``-c 0``, the default of llama-cli and llama-server
    since 2025). ``flash_attn="auto"`` counts as on: llama.cpp turns it on wherever the backend supports
    it (CPU, CUDA, Metal, Vulkan). Where others differ: llama-cpp-python inherits the C library's defaults
    (``swa_full=True``, flash attention off, n_ctx 512 unless given); Ollama sets its own context
    default (4096 tokens in 2025 releases); LM Studio picks a context per model in its load dialog.

    >>> Context().effective(32768)
    (32768, 32768, 1, 512)
    >>> Context(n_ctx=8000, n_seq_max=3).effective(32768)  # padded to 256, split into 3 streams
    (8448, 2816, 3, 512)
    """

    n_ctx: int | None = None
    cache_type_k: str = "F16"
    cache_type_v: str = "F16"
    flash_attn: str = "auto"
    n_batch: int = 2048
    n_ubatch: int = 512
    n_seq_max: int = 1
    kv_unified: bool = False
    swa_full: bool = False

    @property
    def fa(self) -> bool:
        """Whether flash attention is on ("auto" counts as on)."""
        return self.flash_attn != "off"

    def effective(self, n_ctx_train: int) -> tuple[int, int, int, int]:
        """(n_ctx, cells per stream, streams, n_ubatch) as llama.cpp settles them."""
        n_ctx = self.n_ctx or n_ctx_train
        if n_ctx <= 0 or self.n_seq_max <= 0 or self.n_ubatch <= 0:
            raise ValueError("the context, the sequence count and the micro-batch must be positive")
        n_batch = min(n_ctx, self.n_batch)
        n_ubatch = min(n_batch, self.n_ubatch)
        n_ctx = _pad(n_ctx)
        if self.kv_unified:
            return n_ctx, n_ctx, 1, n_ubatch
        per = _pad(n_ctx // self.n_seq_max)
        return per * self.n_seq_max, per, self.n_seq_max, n_ubatch


@dataclass(frozen=True)
class Cache:
    """One KV cache as llama.cpp logs it: cells per stream, streams, layers, K and V bytes.

    >>> Cache("global", 4096, 1, 32, 2**30, 2**30).bytes / 2**30
    2.0
    """

    name: str
    cells: int
    streams: int
    layers: int
    k_bytes: int
    v_bytes: int

    @property
    def bytes(self) -> int:
        """K and V together."""
        return self.k_bytes + self.v_bytes


@dataclass(frozen=True)
class Estimate:
    """Where a loaded model's bytes go, and how much of it sits in VRAM and in system RAM.

    ``weights`` are the tensors' bytes (llama.cpp's model buffers, CPU_Mapped when memory-mapped);
    ``repack`` is the CPU backend's extra interleaved copy of some matrices (CPU_REPACK), which only
    exists for weights on the CPU of a processor with AVX2 or NEON.

    The tiny model at its trained context of 256 tokens, with no GPU budget, so every byte in system RAM:

    >>> from llmterms import tiny
    >>> from llmterms.cache_layout import from_gguf
    >>> e = estimate(from_gguf(tiny.path()))
    >>> e.kv_cache == 4 * 256 * (64 + 64) * 2  # layers x cells x (K + V elements) x 2 bytes (F16)
    True
    >>> e.weights, e.kv_cache, e.output, e.compute, e.total
    (2101760, 262144, 4096, 1703936, 4071936)
    >>> e.cpu_bytes == e.total, e.gpu_bytes
    (True, 0)
    """

    weights: int
    kv_cache: int
    recurrent: int
    output: int
    compute: int
    repack: int = 0
    compute_max: int = 0
    caches: tuple[Cache, ...] = ()
    gpu_bytes: int = 0
    cpu_bytes: int = 0
    gpu_layers: int = 0
    experts_on_cpu: int = 0
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def total(self) -> int:
        """Every byte, wherever it lives."""
        return self.weights + self.repack + self.kv_cache + self.recurrent + self.output + self.compute

    def breakdown(self) -> dict:
        """The figures as a JSON-ready dict (bytes), keys ``weights``, ``kv_cache`` and ``compute`` first."""
        return {
            "weights": self.weights,
            "kv_cache": self.kv_cache,
            "compute": self.compute,
            "compute_max": self.compute_max,
            "recurrent_state": self.recurrent,
            "output_buffer": self.output,
            "cpu_repack": self.repack,
            "total": self.total,
            "kv_caches": [
                {
                    "name": c.name,
                    "cells": c.cells,
                    "streams": c.streams,
                    "layers": c.layers,
                    "k": c.k_bytes,
                    "v": c.v_bytes,
                }
                for c in self.caches
            ],
            "gpu_layers": self.gpu_layers,
            "gpu_bytes": self.gpu_bytes,
            "cpu_bytes": self.cpu_bytes,
            "experts_on_cpu": self.experts_on_cpu,
            "notes": list(self.notes),
        }


def _caches(layout: Layout, ctx: Context) -> tuple[list[Cache], int, int, int]:
    n_ctx, per_stream, streams, n_ubatch = ctx.effective(layout.n_ctx_train)
    v_trans = not ctx.fa
    attn = [lay for lay in layout.layers if lay.kind != "recurrent"]
    if not attn:
        return [], n_ctx, streams, n_ubatch
    if ctx.cache_type_v.upper() not in ("F16", "F32", "BF16") and not ctx.fa:
        raise ValueError(
            f"a quantized V cache ({ctx.cache_type_v}) needs flash attention (llama.cpp refuses)"
        )
    if layout.mla and ctx.cache_type_k.upper() != ctx.cache_type_v.upper():
        raise ValueError(
            "llama.cpp needs the same K and V cache types for multi-head latent attention models"
        )
    # Without flash attention V is stored transposed and, if its width varies by layer, padded to the widest.
    v_max = max(lay.v for lay in attn)
    groups: dict[str, list] = {"full": [], "swa": []}
    for lay in attn:
        groups[lay.kind].append(lay)
    swa_cells = per_stream
    if groups["swa"] and not ctx.swa_full:
        unified_seqs = ctx.n_seq_max if ctx.kv_unified else 1
        swa_cells = _pad(min(per_stream, layout.n_swa * unified_seqs + n_ubatch))
    out = []
    for name, cells in (("global", per_stream), ("sliding-window", swa_cells)):
        layers = groups["full" if name == "global" else "swa"]
        if not layers:
            continue
        k = sum(row_bytes(ctx.cache_type_k, lay.k) for lay in layers) * cells * streams
        v = sum(row_bytes(ctx.cache_type_v, v_max if v_trans else lay.v) for lay in layers if lay.v)
        out.append(Cache(name, cells, streams, len(layers), k, v * cells * streams))
    return out, n_ctx, streams, n_ubatch


def _compute(layout: Layout, ctx: Context, caches: list[Cache], n_ubatch: int, n_ctx: int) -> tuple[int, int]:
    n_tokens = min(n_ctx, n_ubatch)
    n_outputs = n_tokens
    # Output phase: the logits and the last hidden states around them.
    output_phase = 4 * (n_outputs * layout.n_vocab + 2 * n_tokens * layout.n_embd)
    # Layer phase: the masks (one per cache, F16 with flash attention, else F32) live through all layers.
    masks = sum(c.cells * n_tokens * (2 if ctx.fa else 4) for c in caches)
    attn = [lay for lay in layout.layers if lay.kind != "recurrent"]
    scores = 0
    if not ctx.fa and attn:
        # One layer's attention scores at a time, F32, as high as the largest cache.
        scores = max(c.cells for c in caches) * n_tokens * layout.n_head * 4
    q = max((lay.n_head * (lay.k if layout.mla else lay.k // max(1, lay.n_head)) for lay in attn), default=0)
    k = max((lay.k for lay in attn), default=0)
    v = max((lay.v for lay in attn), default=0)
    # Activations of one layer, in floats per token: attention (residual, norm, Q, K, V, output) and the
    # feed-forward block (residual, norm, gate, up, product) -- fitted to llama.cpp's figures, see the
    # module docstring. MLA adds the absorbed query and the latent output per head.
    attn_act = 2 * layout.n_embd + (3 if layout.mla else 2) * q + k + v + 256
    if layout.mla and not ctx.fa:
        # Without flash attention the latent V is copied out of K, transposed, for every stream (F16).
        scores += max(c.cells * c.streams for c in caches) * layout.mla_rank * 2
    ff = layout.n_expert_used * layout.n_ff_exp if layout.n_expert else layout.n_ff
    ffn_act = 3 * layout.n_embd + 3 * ff
    layer_phase = masks + scores + 4 * n_tokens * max(attn_act, ffn_act)
    # At some sizes ggml-alloc places the logits beside the last layer's activations instead of over them
    # (measured: a Qwen3-shaped model at 8,192 cells with flash attention, 38 MiB against 33 MiB); the
    # buffer is then up to the output phase plus one layer's activations.
    upper = max(layer_phase, output_phase + 4 * n_tokens * max(attn_act, ffn_act))
    return max(output_phase, layer_phase), upper


def estimate(
    layout: Layout,
    ctx: Context = Context(),
    *,
    weights: int | None = None,
    vram: int | None = None,
    cpu_moe: bool = False,
    n_cpu_moe: int = 0,
) -> Estimate:
    """llama.cpp's buffers for ``layout`` under ``ctx``, with the VRAM/RAM split for a ``vram`` budget.

    ``weights`` overrides the tensors' bytes (for a preset, from a quantization type or bits per weight).
    With ``vram`` (bytes), layers go to the GPU from the last one down, as ``-ngl`` does, until the budget is
    spent; ``cpu_moe`` keeps every expert tensor in system RAM (``--cpu-moe``, ``-ot exps=CPU``),
    ``n_cpu_moe`` those of the first N layers (``--n-cpu-moe N``).

    Gemma 3 270M at 32,768 tokens: the 15 sliding-window layers keep 1,024 cells, not 32,768:

    >>> from llmterms.cache_layout import preset
    >>> e = estimate(preset("gemma-3-270m"), Context(n_ctx=32768))
    >>> [(c.name, c.cells, c.bytes / MIB) for c in e.caches], e.kv_cache / MIB
    ([('global', 32768, 96.0), ('sliding-window', 1024, 15.0)], 111.0)
    >>> estimate(preset("gemma-3-270m"), Context(n_ctx=32768, swa_full=True)).kv_cache / MIB
    576.0
    >>> e.compute / MIB  # the logits of 512 tokens over 262,144 entries, plus two hidden states
    514.5
    """
    caches, n_ctx, _, n_ubatch = _caches(layout, ctx)
    kv = sum(c.bytes for c in caches)
    n_rec = sum(lay.kind == "recurrent" for lay in layout.layers)
    recurrent = n_rec * 4 * (layout.n_embd_r + layout.n_embd_s) * max(1, ctx.n_seq_max)
    output = 4 * layout.n_vocab * ctx.n_seq_max
    compute, compute_max = _compute(layout, ctx, caches, n_ubatch, n_ctx)
    w = layout.weights
    if weights is None:
        weights = weights_bytes(layout)
    notes = []
    n_layer = layout.n_layer
    per_layer_w = list(w.per_layer[:n_layer]) if w and w.per_layer else []
    experts = list(w.experts[:n_layer]) if w and w.experts else []
    if not per_layer_w:
        # No file: spread the weights by parameters (embeddings and output outside the layers).
        outside = layout.n_vocab * layout.n_embd * 2
        share = max(0, weights - weights * outside // max(1, layout.parameters))
        per_layer_w = [share // n_layer] * n_layer
        if layout.n_expert:
            expert_fraction = 1 - (layout.active_parameters / max(1, layout.parameters))
            experts = [round(b * expert_fraction) for b in per_layer_w]
    if not experts:
        experts = [0] * n_layer
    on_cpu_experts = [cpu_moe or i < n_cpu_moe for i in range(n_layer)]
    experts_cpu = sum(e for e, c in zip(experts, on_cpu_experts, strict=True) if c)
    kv_per_layer = kv / max(1, n_layer) + recurrent / max(1, n_layer)
    repack = w.repackable if (w is not None and not vram) else 0
    gpu_layers = gpu = 0
    if vram:
        # The output matrix joins the GPU once every layer is there (-ngl above the layer count); the
        # token embeddings stay on the CPU, which looks rows up in them.
        bytes_per_weight = weights / max(1, layout.parameters) if layout.parameters else 0
        out_matrix = w.output if w and w.output else round(layout.n_vocab * layout.n_embd * bytes_per_weight)
        budget: float = vram - compute
        placed = 0.0  # bytes on the GPU; each layer's share of the KV cache is fractional until rounded
        for i in reversed(range(n_layer)):
            need = per_layer_w[i] - (experts[i] if on_cpu_experts[i] else 0) + kv_per_layer
            if budget < need:
                break
            budget -= need
            placed += need
            gpu_layers += 1
        if gpu_layers == n_layer and budget >= out_matrix:
            placed += out_matrix
        gpu = math.ceil(placed) + (compute if gpu_layers else 0)
        notes.append(
            "the GPU compute buffer is taken to be llama.cpp's CPU graph peak; it was not measured on a GPU "
            "and may differ by tens of percent"
        )
    cpu = weights + kv + recurrent + output + compute + repack - gpu
    return Estimate(
        weights=weights,
        kv_cache=kv,
        recurrent=recurrent,
        output=output,
        compute=compute,
        compute_max=compute_max,
        repack=repack,
        caches=tuple(caches),
        gpu_bytes=gpu,
        cpu_bytes=cpu,
        gpu_layers=gpu_layers,
        experts_on_cpu=experts_cpu,
        notes=tuple(notes),
    )


#: The context of presets_table(): long enough for the sliding window to matter, within every preset's
#: trained context except Phi-4's 16,384 (which is used whole there).
TABLE_CONTEXT = 32768


def presets_table(n_ctx: int = TABLE_CONTEXT) -> list[dict]:
    """Every model preset at ``n_ctx`` tokens (or its trained context if shorter), in GiB, F16 cache.

    ``kv_gib`` is what llama.cpp's command-line tools allocate (sliding-window layers keep their window);
    ``kv_swa_full_gib`` is what llama-cpp-python allocates by default (``swa_full`` on).

    >>> rows = {r["model"]: r for r in presets_table()}
    >>> rows["gemma-3-27b"]["kv_gib"], rows["gemma-3-27b"]["kv_swa_full_gib"]
    (3.11, 15.5)
    >>> rows["gpt-oss-120b"]["layers"], rows["deepseek-v3"]["kv_gib"]
    ('18 + 18 window of 128', 2.14)
    """
    from llmterms.cache_layout import preset, presets

    rows = []
    for name in presets():
        lay = preset(name)
        ctx = Context(n_ctx=min(n_ctx, lay.n_ctx_train))
        e = estimate(lay, ctx, weights=weights_bytes(lay, "Q4_K_M"))
        full = estimate(lay, replace(ctx, swa_full=True), weights=e.weights)
        n_swa = sum(x.kind == "swa" for x in lay.layers)
        layers = f"{lay.n_layer - n_swa} + {n_swa} window of {lay.n_swa}" if n_swa else str(lay.n_layer)
        rows.append(
            {
                "model": name,
                "params_b": round(lay.parameters / 1e9, 1),
                "layers": layers + (" (MLA)" if lay.mla else ""),
                "n_ctx": ctx.n_ctx,
                "weights_gib": round(e.weights / GIB, 1),
                "kv_gib": round(e.kv_cache / GIB, 2),
                "kv_swa_full_gib": round(full.kv_cache / GIB, 2),
                "compute_gib": round((e.compute + e.output) / GIB, 2),
            }
        )
    return rows
