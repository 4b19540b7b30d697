"""Memory a local model needs: weights, KV cache and compute buffers, and what fits where.

The KV cache stores a key and a value vector per layer, per token and per KV head, so it grows
linearly with the context. A model's shape (:mod:`llmterms.shape`, presets in data/architectures.toml)
carries the config.json values that decide both the weight count and the cache size; the weights' bytes
come from llama.cpp's per-tensor rules (:mod:`llmterms.quant_mix`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from llmterms import cache_layout, llama_cpp_memory, quant_mix

# The shape's names stay importable from here, where the chapters first met them.
from llmterms.shape import Architecture as Architecture
from llmterms.shape import kv_cache_bytes as kv_cache_bytes
from llmterms.shape import preset as preset
from llmterms.shape import presets as presets

__all__ = ["MemoryEstimate", "estimate_memory", "fits_table"]

GIB = 1 << 30

# An allowance for what the runtime holds besides weights, cache and compute buffers (the GPU
# driver's context, scratch space). It varies by backend and version; 256 MiB is a low-end figure.
DEFAULT_OVERHEAD_BYTES = 256 << 20


@dataclass(frozen=True)
class MemoryEstimate:
    """Where the bytes of a loaded model go, and how much of it a GPU can hold.

    >>> e = estimate_memory("llama-2-7b", "Q4_K_M", 4096)
    >>> round(e.weights / 1e9, 2), e.kv_cache / 2**30
    (4.08, 2.0)
    """

    weights: int
    kv_cache: int
    compute: int
    overhead: int
    n_layers: int
    gpu_layers: int
    gpu_bytes: int
    cpu_bytes: int
    fits: bool
    verdict: str

    @property
    def total(self) -> int:
        """All bytes together, wherever they live.

        >>> e = estimate_memory("llama-2-7b", "Q4_K_M", 4096)
        >>> e.total == e.weights + e.kv_cache + e.compute + e.overhead
        True
        """
        return self.weights + self.kv_cache + self.compute + self.overhead


def estimate_memory(
    arch: Architecture | str,
    quant_type: str = "Q4_K_M",
    n_ctx: int | None = None,
    *,
    parameters: int | None = None,
    weights_bytes: int | None = None,
    vram: int = 0,
    ram: int | None = None,
    cache_type: str = "F16",
    n_ubatch: int = 512,
    overhead: int = DEFAULT_OVERHEAD_BYTES,
) -> MemoryEstimate:
    """Estimate weights, KV cache and buffers for ``arch`` in ``quant_type`` at ``n_ctx`` tokens.

    Weights come from llama.cpp's per-tensor rules applied to the architecture (or from
    ``weights_bytes``, or ``parameters`` through :func:`llmterms.quant_mix.estimate_file_size`). With a
    ``vram`` budget, layers are placed on the GPU until it is full (partial offload, llama.cpp's
    ``-ngl``); the rest, and the token embeddings, stay in ``ram``.

    Llama-2 13B in Q4_K_M at 4096 tokens does not fit an 8 GiB card whole, but most layers do:

    >>> e = estimate_memory("llama-2-13b", "Q4_K_M", 4096, vram=8 * GIB, ram=32 * GIB)
    >>> e.verdict
    'partial offload: 29 of 40 layers on the GPU'
    >>> estimate_memory("llama-3-8b", "Q4_K_M", 8192, vram=12 * GIB).verdict
    'fits in VRAM: all 32 layers on the GPU'
    >>> estimate_memory("llama-2-70b", "Q4_K_M", 4096, ram=32 * GIB).verdict
    'does not fit: needs 40.3 GiB, 32.0 GiB available'
    """
    if isinstance(arch, str):
        arch = preset(arch)
    n_ctx = arch.context if n_ctx is None else n_ctx
    if n_ctx <= 0 or arch.n_layers <= 0:
        raise ValueError("the context length and the layer count must be positive")
    if weights_bytes is not None:
        weights = weights_bytes
    elif parameters is not None:
        weights = quant_mix.estimate_file_size(parameters, quant_type)
        arch = replace(arch, n_params=parameters)
    else:
        weights = quant_mix.file_size(quant_type, arch)
    # The KV cache and the buffers as llama.cpp allocates them (llmterms.llama_cpp_memory, checked against
    # llama.cpp by the peer tests); the output buffer of logits is counted with the compute buffer.
    runtime = llama_cpp_memory.estimate(
        cache_layout.from_architecture(arch),
        llama_cpp_memory.Context(
            n_ctx=n_ctx, cache_type_k=cache_type, cache_type_v=cache_type, n_ubatch=n_ubatch
        ),
        weights=weights,
    )
    kv = runtime.kv_cache
    compute = runtime.compute + runtime.output

    # Token embeddings are looked up on the CPU; the output matrix goes to the GPU last.
    embd = 2 * arch.vocab_size * arch.hidden_size * weights // max(1, 2 * arch.parameters)
    output = 0 if arch.tied_embeddings else embd
    per_layer = (weights - embd - output + kv) / arch.n_layers

    gpu_layers = 0
    gpu_bytes = 0
    if vram > 0:
        room = vram - compute - overhead
        gpu_layers = max(0, min(arch.n_layers, int(room // per_layer))) if room > 0 else 0
        gpu_bytes = math.ceil(gpu_layers * per_layer)
        if gpu_layers == arch.n_layers and gpu_bytes + output <= room:
            gpu_bytes += output
            output = 0
        if gpu_layers:
            gpu_bytes += compute + overhead
    cpu_bytes = weights + kv - (gpu_bytes - (compute + overhead if gpu_layers else 0))
    if not gpu_layers:
        cpu_bytes += compute + overhead

    on_cpu = f"{cpu_bytes / GIB:.1f} GiB on the CPU"
    if gpu_layers == arch.n_layers and output == 0:
        fits, verdict = True, f"fits in VRAM: all {arch.n_layers} layers on the GPU"
    elif ram is not None and cpu_bytes > ram:
        fits, verdict = False, f"does not fit: needs {cpu_bytes / GIB:.1f} GiB, {ram / GIB:.1f} GiB available"
    elif gpu_layers:
        fits, verdict = True, f"partial offload: {gpu_layers} of {arch.n_layers} layers on the GPU"
        if ram is None:
            verdict += f"; {on_cpu} (RAM not checked)"
    elif vram > 0:
        fits, verdict = ram is not None, "no layer fits on the GPU; " + on_cpu
        if ram is None:
            verdict += " (RAM not checked)"
    else:
        fits, verdict = True, ("fits in RAM: " if ram is not None else "needs ") + on_cpu
        if ram is None:
            verdict += " (RAM not checked)"
    return MemoryEstimate(
        weights=weights,
        kv_cache=kv,
        compute=compute,
        overhead=overhead,
        n_layers=arch.n_layers,
        gpu_layers=gpu_layers,
        gpu_bytes=gpu_bytes,
        cpu_bytes=cpu_bytes,
        fits=fits,
        verdict=verdict,
    )


# The models and GPU memory sizes of fits_table(): common local sizes from 3B to 70B, and the VRAM of
# common consumer cards (8, 12, 16, 24 GiB) plus a 48 GiB workstation card or pair of 24 GiB cards.
FITS_MODELS = ("llama-3.2-3b", "llama-3.1-8b", "qwen2.5-14b", "qwen2.5-32b", "mixtral-8x7b", "llama-3-70b")
FITS_QUANTS = ("Q4_K_M", "Q8_0", "F16")
FITS_VRAM_GIB = (8, 12, 16, 24, 48)
FITS_CONTEXT = 8192


def fits_table(n_ctx: int = FITS_CONTEXT) -> list[dict]:
    """What fits in 8, 12, 16, 24 and 48 GiB of VRAM: one row per model and quantization at ``n_ctx``.

    Each ``vram_<N>`` column says ``"all"`` when the whole model runs on the GPU, ``"<k>/<n>"`` when only
    k of n layers fit (partial offload, the rest in system RAM) and ``"0"`` when none does. Sizes in GiB.

    >>> rows = fits_table()
    >>> r = next(r for r in rows if r["model"] == "llama-3.1-8b" and r["quant"] == "Q4_K_M")
    >>> r["weights_gib"], r["kv_gib"], r["vram_8"], r["vram_12"]
    (4.58, 1.0, 'all', 'all')
    >>> r = next(r for r in rows if r["model"] == "llama-3-70b" and r["quant"] == "Q4_K_M")
    >>> r["total_gib"], r["vram_24"], r["vram_48"]
    (42.6, '45/80', 'all')
    """
    rows = []
    for name in FITS_MODELS:
        arch = preset(name)
        for q in FITS_QUANTS:
            base = estimate_memory(arch, q, n_ctx)
            row = {
                "model": name,
                "quant": q,
                "params_b": round(arch.parameters / 1e9, 1),
                "weights_gib": round(base.weights / GIB, 2),
                "kv_gib": round(base.kv_cache / GIB, 2),
                "total_gib": round(base.total / GIB, 1),
            }
            for gib in FITS_VRAM_GIB:
                e = estimate_memory(arch, q, n_ctx, vram=gib * GIB)
                if e.gpu_layers == e.n_layers and e.fits:
                    row[f"vram_{gib}"] = "all"
                else:
                    row[f"vram_{gib}"] = f"{e.gpu_layers}/{e.n_layers}" if e.gpu_layers else "0"
            rows.append(row)
    return rows
