"""Quantize and dequantize arrays, and rewrite GGUF files in another type, through gguf-py.

gguf-py (the ``gguf`` package, llama.cpp's Python side) packs and unpacks the legacy, ternary and MXFP4
blocks itself; the k-quants and i-quants it can only unpack. The block layouts come from
:mod:`llmterms.quant_table`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from llmterms.quant_table import file_type, is_tensor_type, quant_type

__all__ = ["dequantize", "quantize", "requantize", "round_trip_error"]


def _ggml_type(qtype: str):
    from gguf import GGMLQuantizationType

    try:
        return GGMLQuantizationType[qtype.strip().upper().replace("-", "_")]
    except KeyError:
        raise KeyError(f"unknown tensor type {qtype!r}") from None


def quantize(array: np.ndarray, qtype: str) -> np.ndarray:
    """Pack a float array into ``qtype`` blocks with gguf-py; returns the raw bytes as uint8 rows.

    The last axis must be a whole number of blocks. 64 weights in Q8_0 are two 34-byte blocks:

    >>> data = quantize(np.linspace(-1, 1, 64, dtype=np.float32).reshape(1, 64), "Q8_0")
    >>> data.dtype, data.shape
    (dtype('uint8'), (1, 68))
    """
    from gguf import quants

    t = quant_type(qtype)
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 0 or array.shape[-1] % t.block_size:
        raise ValueError(f"the last axis must be a multiple of {t.block_size} for {t.name}")
    data = quants.quantize(array, _ggml_type(t.name))
    if t.family == "float":
        # gguf-py returns F32/F16 arrays as floats; give every type the same byte view.
        data = np.ascontiguousarray(data).view(np.uint8)
    return data


def dequantize(data: np.ndarray, qtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """Unpack ``qtype`` bytes back to float32 of the given shape.

    Quantizing and dequantizing loses a little: Q8_0 keeps 8 bits plus a scale per 32 weights.

    >>> x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(2, 32)
    >>> y = dequantize(quantize(x, "Q8_0"), "Q8_0", x.shape)
    >>> y.shape, bool(np.abs(y - x).max() < 0.01)
    ((2, 32), True)
    """
    from gguf import quants

    t = quant_type(qtype)
    # A byte view, never a value cast: gguf-py hands F32/F16 tensors over as float arrays.
    raw = np.ascontiguousarray(data).view(np.uint8).reshape(-1)
    if t.name == "F32":
        out = raw.view(np.float32)
    elif t.name == "F16":
        out = raw.view(np.float16).astype(np.float32)
    else:
        rows = raw.reshape(-1, t.type_size)
        out = quants.dequantize(rows, _ggml_type(t.name))
    return np.asarray(out, dtype=np.float32).reshape(shape)


def round_trip_error(array: np.ndarray, qtype: str) -> float:
    """Root-mean-square error after quantizing ``array`` to ``qtype`` and back, relative to its RMS.

    A relative error of 0.1 means the reconstruction is off by a tenth of a typical weight. For
    normally distributed weights each extra bit roughly halves the error:

    >>> w = np.random.default_rng(0).normal(size=(64, 256)).astype(np.float32)
    >>> {q: round(round_trip_error(w, q), 3) for q in ("Q4_0", "Q5_0", "Q8_0")}
    {'Q4_0': 0.086, 'Q5_0': 0.043, 'Q8_0': 0.005}
    """
    array = np.asarray(array, dtype=np.float32)
    restored = dequantize(quantize(array, qtype), qtype, array.shape)
    return float(np.sqrt(np.mean((restored - array) ** 2)) / np.sqrt(np.mean(array**2)))


# The types gguf-py implements a quantizer for (gguf/quants.py); the others it can only read.
_REQUANTIZABLE = ("F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "TQ1_0", "TQ2_0", "MXFP4")


def requantize(src_path: str | Path, qtype: str, dst_path: str | Path) -> dict[str, str]:
    """Write a copy of a GGUF file with its 2-D weights converted to ``qtype``; returns name -> type.

    Metadata is copied, ``general.file_type`` is set, 1-D tensors (norms, biases) are stored as F32 as
    llama.cpp does, and a matrix whose rows are not a whole number of blocks keeps its type. Only
    types gguf-py can quantize are accepted (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, TQ1_0,
    TQ2_0, MXFP4); k-quants and i-quants need llama.cpp's ``llama-quantize``.

    >>> import tempfile, gguf
    >>> tmp = Path(tempfile.mkdtemp())
    >>> w = gguf.GGUFWriter(tmp / "tiny.gguf", "llama")
    >>> w.add_block_count(1)
    >>> w.add_tensor("blk.0.attn_q.weight", np.ones((4, 64), dtype=np.float32))
    >>> w.add_tensor("blk.0.attn_norm.weight", np.ones(64, dtype=np.float32))
    >>> for step in (w.write_header_to_file, w.write_kv_data_to_file, w.write_tensors_to_file, w.close):
    ...     step()
    >>> requantize(tmp / "tiny.gguf", "Q8_0", tmp / "tiny-q8.gguf")
    {'blk.0.attn_q.weight': 'Q8_0', 'blk.0.attn_norm.weight': 'F32'}
    >>> r = gguf.GGUFReader(tmp / "tiny-q8.gguf")
    >>> int(r.fields["general.file_type"].contents()), int(r.fields["llama.block_count"].contents())
    (7, 1)
    """
    import gguf

    target = quant_type(qtype)
    if target.name not in _REQUANTIZABLE:
        raise ValueError(f"gguf-py cannot quantize to {target.name}; use llama.cpp's llama-quantize")
    target_ftype = file_type("MXFP4_MOE" if target.name == "MXFP4" else target.name).ftype
    reader = gguf.GGUFReader(src_path)
    arch_field = reader.fields.get(gguf.Keys.General.ARCHITECTURE)
    arch = arch_field.contents() if arch_field is not None else "llama"
    writer = gguf.GGUFWriter(dst_path, arch)
    for field in reader.fields.values():
        if field.name.startswith("GGUF.") or field.name in (
            gguf.Keys.General.ARCHITECTURE,
            gguf.Keys.General.FILE_TYPE,
        ):
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), vtype, sub_type=sub_type)
    writer.add_file_type(target_ftype)

    chosen: dict[str, str] = {}
    for tensor in reader.tensors:
        shape = tuple(int(d) for d in reversed(tensor.shape))  # numpy order: rows, then row length
        source = tensor.tensor_type.name
        weights = dequantize(tensor.data, source, shape) if is_tensor_type(source) else None
        if weights is None:
            # Integer or other types this table does not describe are copied byte for byte.
            writer.add_tensor(
                tensor.name, tensor.data, raw_shape=tensor.data.shape, raw_dtype=tensor.tensor_type
            )
            chosen[tensor.name] = source
            continue
        if len(shape) < 2:
            new = "F32"
        elif shape[-1] % target.block_size:
            new = source
        else:
            new = target.name
        if new == "F32":
            writer.add_tensor(tensor.name, weights)
        elif new == "F16":
            writer.add_tensor(tensor.name, weights.astype(np.float16))
        else:
            packed = quantize(weights, new)
            writer.add_tensor(tensor.name, packed, raw_shape=packed.shape, raw_dtype=_ggml_type(new))
        chosen[tensor.name] = new
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return chosen
