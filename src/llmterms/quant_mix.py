"""llama.cpp's per-tensor quantization rules, and the file sizes and bits per weight they give a whole file.

``llama-quantize`` asked for a file type such as Q4_K_M gives most tensors the base type (Q4_K) and
some more bits (``output.weight``, ``attn_v``, some ``ffn_down``), and keeps 1-D tensors such as norms in
F32. :func:`tensor_types` transcribes those rules; the sizes here follow from them and a model's shape.
"""

from __future__ import annotations

import math
from functools import cache

from llmterms.quant_table import bits_per_weight, file_type, is_file_type, quant_type
from llmterms.shape import Architecture, preset

__all__ = [
    "FILE_OVERHEAD_BYTES",
    "MIX_TABLE_TYPES",
    "REFERENCE_ARCHITECTURE",
    "estimate_file_size",
    "file_bits_per_weight",
    "file_size",
    "mix_table",
    "tensor_types",
]

# The architecture whose real tensor shapes turn the per-tensor rules into one average per file type.
REFERENCE_ARCHITECTURE = "llama-2-7b"

# Bytes a GGUF file spends beyond its tensors: header, metadata (the tokenizer vocabulary of a
# 32,000-token model is well under 1 MB) and alignment padding. One MiB is a round allowance; it is
# below 0.05 % of any file this estimate is meant for.
FILE_OVERHEAD_BYTES = 1 << 20


def _use_more_bits(i_layer: int, n_layers: int) -> bool:
    # llama.cpp's choice of which layers get the extra bits: the first and last eighth, and every
    # third layer in between.
    return i_layer < n_layers // 8 or i_layer >= 7 * n_layers // 8 or (i_layer - n_layers // 8) % 3 == 2


_FALLBACK = {"Q2_K": "Q4_0", "Q3_K": "Q4_0", "Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0"}
_FALLBACK.update(
    dict.fromkeys(["IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S"], "IQ4_NL")
)
_FALLBACK.update(IQ4_XS="IQ4_NL", TQ1_0="Q4_0", TQ2_0="Q4_0")


def _tensor_type(ftype: str, name: str, shape: tuple[int, ...], i_layer: int, arch: Architecture) -> str:
    """The type llama.cpp picks for one tensor; a transcription of llama_tensor_get_type (no imatrix)."""
    base = file_type(ftype).base
    if len(shape) < 2 or name.endswith("_norm.weight") or "ffn_gate_inp" in name:
        return "F32"
    if quant_type(base).family == "float":
        return base
    n_layers, n_gqa, n_expert = arch.n_layers, arch.n_heads // arch.n_kv_heads, arch.n_experts
    new = base
    kind = name.rsplit(".", 2)[-2] if name.startswith("blk.") else name.removesuffix(".weight")
    kind = kind.removesuffix("_exps")
    if kind == "output" or (kind == "token_embd" and arch.tied_embeddings):
        if ftype == "MXFP4_MOE" or shape[-1] % quant_type(base).block_size:
            new = "Q8_0"
        elif base != "Q8_0":
            new = "Q6_K"
    elif ftype == "MXFP4_MOE":
        new = "MXFP4" if n_expert > 1 and kind.startswith("ffn_") else "Q8_0"
    elif kind == "token_embd":
        if ftype in ("TQ1_0", "TQ2_0"):
            new = "Q4_K"
    elif kind == "attn_v":
        if ftype == "Q2_K":
            new = "Q4_K" if n_gqa >= 4 else "Q3_K"
        elif ftype == "Q3_K_M":
            new = "Q5_K" if i_layer < 2 else "Q4_K"
        elif ftype == "Q3_K_L" or (ftype in ("IQ4_NL", "IQ4_XS") and n_gqa >= 4):
            new = "Q5_K"
        elif ftype in ("Q4_K_M", "Q5_K_M") and _use_more_bits(i_layer, n_layers):
            new = "Q6_K"
        elif ftype == "Q4_K_S" and i_layer < 4:
            new = "Q5_K"
        # llama.cpp applies this to models it classifies as 70B: their attn_v is 8 times smaller
        # than attn_q (grouped-query attention), so extra bits cost almost nothing.
        if arch.size_class == "70B" and new in ("Q3_K", "Q4_K"):
            new = "Q5_K"
        if n_expert == 8:
            new = "Q8_0"
    elif kind == "attn_k":
        if n_expert == 8:
            new = "Q8_0"
    elif kind == "ffn_down":
        if ftype == "Q2_K":
            new = "Q3_K"
        elif ftype == "Q3_K_M":
            new = "Q5_K" if i_layer < n_layers // 16 else "Q4_K"
        elif ftype == "Q3_K_L":
            new = "Q5_K"
        elif ftype == "Q4_K_M":
            if _use_more_bits(i_layer, n_layers):
                new = "Q6_K"
        elif i_layer < n_layers // 8 and ftype in ("IQ4_NL", "IQ4_XS"):
            new = "Q5_K"
        elif ftype == "Q5_K_M" and _use_more_bits(i_layer, n_layers):
            new = "Q6_K"
        elif ftype == "Q4_K_S" and i_layer < n_layers // 8:
            new = "Q5_K"
    elif kind == "attn_output":
        if n_expert == 8:
            if ftype in ("Q2_K", "Q3_K_S", "Q3_K_M", "IQ4_NL", "Q4_K_S", "Q4_K_M", "IQ4_XS"):
                new = "Q5_K"
        elif ftype == "Q2_K":
            new = "Q3_K"
        elif ftype == "Q3_K_M":
            new = "Q4_K"
        elif ftype == "Q3_K_L":
            new = "Q5_K"
    # A row length that is not a whole number of blocks cannot use the type: llama.cpp falls back.
    if shape[-1] % quant_type(new).block_size:
        new = _FALLBACK.get(new, "F16")
        if shape[-1] % quant_type(new).block_size:
            new = "F16"
    return new


def _architecture(arch: Architecture | str | None) -> Architecture:
    if arch is None:
        return preset(REFERENCE_ARCHITECTURE)
    if isinstance(arch, str):
        return preset(arch)
    return arch


def tensor_types(ftype: str, arch: Architecture | str | None = None) -> dict[str, str]:
    """The tensor type llama.cpp gives each tensor of ``arch`` for file type ``ftype``.

    Follows ``llama_tensor_get_type`` in llama.cpp's src/llama-quant.cpp for quantizing without an
    importance matrix. In Q4_K_M, half of the ``attn_v`` and ``ffn_down`` tensors get Q6_K:

    >>> types = tensor_types("Q4_K_M", "llama-2-7b")
    >>> types["output.weight"], types["blk.0.attn_v.weight"], types["blk.4.attn_v.weight"]
    ('Q6_K', 'Q6_K', 'Q4_K')
    >>> types["blk.0.attn_norm.weight"]
    'F32'
    """
    arch = _architecture(arch)
    canonical = file_type(ftype).name
    return {name: _tensor_type(canonical, name, shape, layer, arch) for name, shape, layer in arch.tensors()}


@cache
def _mix_bits(ftype: str, arch_name: str) -> float:
    return _mix_bits_for(ftype, _architecture(arch_name))


def _mix_bits_for(ftype: str, arch: Architecture) -> float:
    types = tensor_types(ftype, arch)
    total_bits = n_weights = 0
    for name, shape, _layer in arch.tensors():
        n = math.prod(shape)
        total_bits += 8 * quant_type(types[name]).nbytes(n)
        n_weights += n
    return total_bits / n_weights


def file_bits_per_weight(ftype: str, arch: Architecture | str | None = None) -> float:
    """Average bits per weight over a whole file of type ``ftype``, from llama.cpp's per-tensor rules.

    The average is taken over ``arch``'s real tensor shapes (Llama-2 7B unless told otherwise), so it
    counts the Q6_K output matrix, the F32 norms and the tensors a mix promotes:

    >>> round(file_bits_per_weight("Q4_K_M"), 3), round(file_bits_per_weight("Q4_0"), 3)
    (4.844, 4.541)
    >>> round(file_bits_per_weight("Q4_K_M", "llama-2-70b"), 3)
    4.804
    """
    if arch is None or isinstance(arch, str):
        return _mix_bits(file_type(ftype).name, arch or REFERENCE_ARCHITECTURE)
    return _mix_bits_for(file_type(ftype).name, arch)


def file_size(ftype: str, arch: Architecture | str | None = None) -> int:
    """Bytes of a GGUF file of type ``ftype`` for ``arch``, tensor by tensor, plus the header allowance.

    >>> file_size("Q4_K_M", "llama-2-7b") / 1e9
    4.08...
    """
    arch = _architecture(arch)
    types = tensor_types(ftype, arch)
    tensor_bytes = sum(quant_type(types[name]).nbytes(math.prod(shape)) for name, shape, _ in arch.tensors())
    return tensor_bytes + FILE_OVERHEAD_BYTES


def estimate_file_size(parameters: int, qtype: str) -> int:
    """Estimate the bytes of a GGUF file with ``parameters`` weights in file type (or tensor type) ``qtype``.

    File types use the whole-file average of :func:`file_bits_per_weight` (Llama-2 7B shapes); a bare
    tensor type such as ``Q4_K`` uses its block bits. One MiB is added for the header and vocabulary.
    Llama-2 7B has 6,738,415,616 weights; TheBloke's ``llama-2-7b.Q4_K_M.gguf`` is 4.08 GB:

    >>> estimate_file_size(6_738_415_616, "Q4_K_M") / 1e9
    4.081...
    """
    bits = file_bits_per_weight(qtype) if is_file_type(qtype) else bits_per_weight(qtype)
    return math.ceil(parameters * bits / 8) + FILE_OVERHEAD_BYTES


# The file types of mix_table(): the ones llama-quantize makes without an importance matrix, from 2 to 8
# bits (F16/BF16/F32, the ternary types and MXFP4_MOE are for special models or are not quantized).
MIX_TABLE_TYPES = (
    "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_0", "Q4_1", "Q4_K_S", "Q4_K_M",
    "IQ4_XS", "IQ4_NL", "Q5_0", "Q5_1", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0",
)  # fmt: skip


def mix_table(arch: str = REFERENCE_ARCHITECTURE) -> list[dict]:
    """File types (mixes) as rows: base type, the base type's bits, and the whole-file average for ``arch``.

    The whole-file average is above the base type's bits because llama.cpp's rules promote some
    tensors (``output.weight`` to Q6_K, half of ``attn_v``/``ffn_down`` in the _M mixes); for Q4_K_S
    and Q5_K_S it is what the _S mixes add over their base type. ``size_gb`` is the file size in GB.

    >>> rows = {r["name"]: r for r in mix_table()}
    >>> r = rows["Q4_K_M"]
    >>> r["base"], r["base_bits"], r["file_bits"], r["size_gb"]
    ('Q4_K', 4.5, 4.84, 4.08)
    >>> rows["Q4_K_S"]["file_bits"], rows["Q3_K_L"]["file_bits"]
    (4.58, 4.27)
    """
    rows = []
    for name in MIX_TABLE_TYPES:
        f = file_type(name)
        rows.append(
            {
                "name": f.name,
                "base": f.base,
                "base_bits": bits_per_weight(f.base),
                "file_bits": round(file_bits_per_weight(f.name, arch), 2),
                "size_gb": round(file_size(f.name, arch) / 1e9, 2),
            }
        )
    return rows
