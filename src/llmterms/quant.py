"""Quantization in one import: the type table, llama.cpp's mix rules and gguf-py's conversions.

Each part lives in its own module: :mod:`llmterms.quant_table` (block layouts, bits per weight),
:mod:`llmterms.quant_mix` (which type each tensor gets, file sizes) and :mod:`llmterms.quant_convert`
(quantize, dequantize, rewrite a GGUF file). This module re-exports their names for the chapters.

>>> from llmterms import quant, quant_mix
>>> quant.bits_per_weight("Q4_K"), quant.file_size is quant_mix.file_size
(4.5, True)
"""

from __future__ import annotations

from llmterms.quant_convert import dequantize, quantize, requantize, round_trip_error
from llmterms.quant_mix import (
    FILE_OVERHEAD_BYTES,
    MIX_TABLE_TYPES,
    REFERENCE_ARCHITECTURE,
    estimate_file_size,
    file_bits_per_weight,
    file_size,
    mix_table,
    tensor_types,
)
from llmterms.quant_table import (
    FileType,
    QuantType,
    bits_per_weight,
    file_type,
    file_types,
    quant_type,
    quant_types,
    table,
)

__all__ = [
    "FILE_OVERHEAD_BYTES",
    "MIX_TABLE_TYPES",
    "REFERENCE_ARCHITECTURE",
    "FileType",
    "QuantType",
    "bits_per_weight",
    "dequantize",
    "estimate_file_size",
    "file_bits_per_weight",
    "file_size",
    "file_type",
    "file_types",
    "mix_table",
    "quant_type",
    "quant_types",
    "quantize",
    "requantize",
    "round_trip_error",
    "table",
    "tensor_types",
]
