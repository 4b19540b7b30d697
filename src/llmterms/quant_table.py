"""Quantization types of ggml/llama.cpp: block layouts and bits per weight, from ``data/quant_types.toml``.

A *tensor type* (Q4_0, Q4_K, IQ4_XS ...) says how one tensor's weights are packed into blocks. A *file
type* or mix (Q4_K_M, Q3_K_S ...) is what ``llama-quantize`` is asked for: a base tensor type that
llama.cpp's per-tensor rules (:mod:`llmterms.quant_mix`) vary tensor by tensor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from llmterms import data

__all__ = [
    "FileType",
    "QuantType",
    "bits_per_weight",
    "file_type",
    "file_type_by_number",
    "file_types",
    "is_file_type",
    "is_tensor_type",
    "quant_type",
    "quant_type_by_number",
    "quant_types",
    "table",
]


@dataclass(frozen=True)
class QuantType:
    """One ggml tensor type: how many weights share a block and how many bytes the block takes.

    >>> q = quant_type("Q4_K")
    >>> q.block_size, q.type_size, q.bits_per_weight
    (256, 144, 4.5)
    """

    name: str
    block_size: int
    type_size: int
    family: str
    purpose: str
    ggml_type: int = field(repr=False)  # the number a GGUF tensor info stores

    @property
    def bits_per_weight(self) -> float:
        """Bits each weight costs, scales included.

        >>> quant_type("Q8_0").bits_per_weight
        8.5
        """
        return 8 * self.type_size / self.block_size

    def nbytes(self, n_weights: int) -> int:
        """Bytes for ``n_weights`` weights, which must fill whole blocks.

        >>> quant_type("Q4_0").nbytes(4096 * 4096)
        9437184
        """
        if n_weights % self.block_size:
            raise ValueError(f"{n_weights} weights do not fill whole {self.name} blocks of {self.block_size}")
        return n_weights // self.block_size * self.type_size


@dataclass(frozen=True)
class FileType:
    """A GGUF file type as ``llama-quantize`` names it, with its base tensor type and ftype number.

    >>> file_type("Q4_K_M")
    FileType(name='Q4_K_M', ftype=15, base='Q4_K')
    """

    name: str
    ftype: int
    base: str


@cache
def _table() -> dict:
    return data.read("quant_types.toml")


def _canonical(name: str) -> str:
    return name.strip().upper().replace("-", "_")


def is_file_type(name: str) -> bool:
    """Whether ``name`` (any case) is a file type (a mix ``llama-quantize`` makes), not a tensor type.

    >>> is_file_type("q4_k_m"), is_file_type("Q4_K"), is_file_type("Q4_0")
    (True, False, True)
    """
    return _canonical(name) in _table()["file_types"]


def is_tensor_type(name: str) -> bool:
    """Whether ``name`` (any case) is a ggml tensor type in the table.

    >>> is_tensor_type("Q4_K"), is_tensor_type("Q4_K_M"), is_tensor_type("I32")
    (True, False, False)
    """
    return _canonical(name) in _table()["types"]


def quant_types() -> list[QuantType]:
    """All tensor types in the table, in table order.

    >>> [q.name for q in quant_types()][:6]
    ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0']
    """
    return [QuantType(name=k, **v) for k, v in _table()["types"].items()]


def quant_type(name: str) -> QuantType:
    """Look up a tensor type by name (case-insensitive).

    >>> quant_type("iq4_xs").bits_per_weight
    4.25
    """
    key = _canonical(name)
    try:
        return QuantType(name=key, **_table()["types"][key])
    except KeyError:
        if is_file_type(key):
            raise KeyError(f"{name!r} is a file type (a mix); use file_bits_per_weight()") from None
        raise KeyError(f"unknown tensor type {name!r}") from None


def quant_type_by_number(ggml_type: int) -> QuantType | None:
    """The tensor type a GGUF tensor info's type number stands for, or None if the table lacks it.

    >>> quant_type_by_number(12).name, quant_type_by_number(24)
    ('Q4_K', None)
    """
    return _by_number().get(ggml_type)


@cache
def _by_number() -> dict[int, QuantType]:
    return {q.ggml_type: q for q in quant_types()}


def file_type_by_number(ftype: int) -> FileType | None:
    """The file type ``general.file_type`` stands for, or None if the table lacks it.

    >>> file_type_by_number(15).name, file_type_by_number(1024)
    ('Q4_K_M', None)
    """
    return next((f for f in file_types() if f.ftype == ftype), None)


def bits_per_weight(qtype: str) -> float:
    """Bits per weight of one tensor type, block scales included.

    Q4_0 stores 32 weights in 18 bytes, so each weight costs 4.5 bits, not 4:

    >>> bits_per_weight("Q4_0"), bits_per_weight("Q8_0"), bits_per_weight("Q4_K"), bits_per_weight("Q6_K")
    (4.5, 8.5, 4.5, 6.5625)
    """
    return quant_type(qtype).bits_per_weight


def file_types() -> list[FileType]:
    """All file types (mixes) in the table, ordered by ftype number.

    >>> [f.name for f in file_types()][:4]
    ['F32', 'F16', 'Q4_0', 'Q4_1']
    """
    return sorted((FileType(name=k, **v) for k, v in _table()["file_types"].items()), key=lambda f: f.ftype)


def file_type(name: str) -> FileType:
    """Look up a file type by name (case-insensitive).

    >>> file_type("q3_k_m").base
    'Q3_K'
    """
    key = _canonical(name)
    try:
        return FileType(name=key, **_table()["file_types"][key])
    except KeyError:
        raise KeyError(f"unknown file type {name!r}") from None


def table() -> list[dict]:
    """The tensor types as rows for a table: block size, bytes per block, bits per weight and family.

    F32/F16/BF16 have no blocks (one weight a "block"); Q8_K is left out because llama.cpp only uses it
    for intermediate results inside dot products, never for a tensor stored in a file.

    >>> rows = {r["name"]: r for r in table()}
    >>> rows["Q4_0"]
    {'name': 'Q4_0', 'family': 'legacy', 'block_size': 32, 'type_size': 18, 'bits_per_weight': 4.5}
    >>> rows["IQ2_XXS"]["bits_per_weight"], "Q8_K" in rows
    (2.0625, False)
    """
    return [
        {
            "name": q.name,
            "family": q.family,
            "block_size": q.block_size,
            "type_size": q.type_size,
            "bits_per_weight": q.bits_per_weight,
        }
        for q in quant_types()
        if q.name != "Q8_K"
    ]
