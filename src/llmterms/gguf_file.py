"""Inspect a GGUF file: its metadata, tensors, parameter count and chat template.

GGUF (the file format of llama.cpp and ggml) is a header of key-value metadata and tensor descriptions
followed by aligned tensor data; the layout is specified in ggml-org/ggml ``docs/gguf.md``. Reading is done
by the ``gguf`` package's ``GGUFReader``, but only after :func:`validate` has walked the header with every
count and offset checked against the file size. ``GGUFReader`` trusts the file: an array length of 2**60
would keep it looping, and a truncated file ends in an ``IndexError``. Here every bad file becomes a
:class:`GGUFError` that names the problem and the file.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Absolute import: this module is llmterms.gguf_file, and this is the PyPI package of the same name.
import gguf as _gguf

__all__ = ["ArraySummary", "GGUFError", "GGUFInfo", "inspect", "validate"]

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
#: ggml's GGML_MAX_DIMS: tensors have at most four dimensions.
MAX_DIMS = 4
#: Arrays longer than this are summarised in :attr:`GGUFInfo.metadata` instead of copied.
SHORT_ARRAY = 16
# Nested arrays are legal but never deep in practice; the limit keeps recursion bounded.
_MAX_NESTING = 8

# GGUF value types (docs/gguf.md, enum gguf_metadata_value_type) and their fixed sizes in bytes.
_SCALAR_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_TYPE_NAMES = {t.value: t.name for t in _gguf.GGUFValueType}


class GGUFError(ValueError):
    """A file that is not a readable GGUF file; the message names the file and the problem.

    >>> raise GGUFError("model.gguf: wrong magic")
    Traceback (most recent call last):
    ...
    llmterms.gguf_file.GGUFError: model.gguf: wrong magic
    """


@dataclass(frozen=True)
class ArraySummary:
    """Stand-in for a long metadata array (a vocabulary, say): element type and length only.

    >>> ArraySummary("STRING", 32000)
    ArraySummary(element_type='STRING', length=32000)
    """

    element_type: str
    length: int


@dataclass
class GGUFInfo:
    """What :func:`inspect` found in a GGUF file.

    The shape fields use the names of :class:`llmterms.shape.Architecture` (``n_layers`` is the GGUF key
    ``{arch}.block_count``). ``file_type`` is the name of ``general.file_type`` (for example
    ``MOSTLY_Q4_K_M``); ``tensor_types`` maps each ggml type name to ``(tensor count, bytes)``.

    >>> GGUFInfo(path="x.gguf", version=3).tensor_count
    0
    """

    path: str
    version: int
    metadata: dict[str, Any] = field(default_factory=dict)
    architecture: str | None = None
    context: int | None = None
    hidden_size: int | None = None
    n_layers: int | None = None
    n_heads: int | None = None
    n_kv_heads: int | None = None
    tensor_count: int = 0
    tensor_types: dict[str, tuple[int, int]] = field(default_factory=dict)
    parameter_count: int = 0
    file_type: str | None = None
    chat_template: str | None = None
    bos_token: str | None = None
    eos_token: str | None = None
    add_bos_token: bool | None = None

    @property
    def tensor_bytes(self) -> int:
        """Total bytes of tensor data.

        >>> GGUFInfo("x", 3, tensor_types={"F32": (2, 64), "Q8_0": (1, 34)}).tensor_bytes
        98
        """
        return sum(nbytes for _, nbytes in self.tensor_types.values())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (array summaries become ``{"type", "length"}`` dicts).

        The shape fields keep their GGUF key names in the JSON (``block_count``, ``head_count`` ...):

        >>> d = GGUFInfo("x", 3, n_layers=2, metadata={"a": ArraySummary("INT32", 99)}).to_dict()
        >>> d["metadata"], d["block_count"]
        ({'a': {'type': 'INT32', 'length': 99}}, 2)
        """
        out = {_JSON_NAMES.get(k, k): v for k, v in asdict(self).items()}
        out["metadata"] = {
            k: {"type": v.element_type, "length": v.length} if isinstance(v, ArraySummary) else v
            for k, v in self.metadata.items()
        }
        out["tensor_types"] = {k: {"count": c, "bytes": b} for k, (c, b) in self.tensor_types.items()}
        out["tensor_bytes"] = self.tensor_bytes
        return out


# The JSON output of :meth:`GGUFInfo.to_dict` names the shape as the GGUF keys do (``{arch}.block_count``).
_JSON_NAMES = {
    "context": "context_length",
    "hidden_size": "embedding_length",
    "n_layers": "block_count",
    "n_heads": "head_count",
    "n_kv_heads": "head_count_kv",
}


class _Scanner:
    """Bounds-checked walk over the GGUF header; never allocates more than the file holds."""

    def __init__(self, buf: mmap.mmap | bytes, name: str) -> None:
        self.buf = buf
        self.size = len(buf)
        self.name = name
        self.pos = 0
        self.order = "<"

    def fail(self, problem: str) -> GGUFError:
        return GGUFError(f"{self.name}: {problem}")

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > self.size:
            raise self.fail(f"truncated file: {what} at byte {self.pos} needs {n} bytes, {self.size} in file")
        data = self.buf[self.pos : self.pos + n]
        self.pos += n
        return bytes(data)

    def unpack(self, fmt: str, what: str) -> Any:
        raw = self.take(struct.calcsize(fmt), what)
        return struct.unpack(self.order + fmt, raw)[0]

    def count(self, what: str, min_item_size: int) -> int:
        n = self.unpack("Q", what)
        # Every item needs at least min_item_size bytes, so a larger count cannot fit in the file.
        if n * min_item_size > self.size - self.pos:
            raise self.fail(f"{what} {n} is larger than the file can hold")
        return n

    def string(self, what: str) -> str:
        n = self.count(f"{what} length", 1)
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"{what} is not valid UTF-8 (byte {self.pos - n})") from None

    def value(self, vtype: int, what: str, depth: int = 0) -> Any:
        if vtype in _SCALAR_FORMATS:
            return self.unpack(_SCALAR_FORMATS[vtype], what)
        if vtype == _STRING:
            return self.string(what)
        if vtype == _ARRAY:
            if depth >= _MAX_NESTING:
                raise self.fail(f"{what}: arrays nested deeper than {_MAX_NESTING}")
            itype = self.unpack("I", f"{what} element type")
            if itype not in _TYPE_NAMES:
                raise self.fail(f"{what}: unknown array element type {itype}")
            if itype in _SCALAR_FORMATS:
                width = struct.calcsize(_SCALAR_FORMATS[itype])
                n = self.count(f"{what} array length", width)
                # Scalars are skipped in one step; only short arrays are decoded.
                if n <= SHORT_ARRAY:
                    fmt = f"{self.order}{n}{_SCALAR_FORMATS[itype]}"
                    return list(struct.unpack(fmt, self.take(n * width, what)))
                self.take(n * width, what)
                return ArraySummary(_TYPE_NAMES[itype], n)
            n = self.count(f"{what} array length", 8 if itype == _STRING else 12)
            items = [self.value(itype, f"{what}[{i}]", depth + 1) for i in range(n)]
            return items if n <= SHORT_ARRAY else ArraySummary(_TYPE_NAMES[itype], n)
        raise self.fail(f"{what}: unknown value type {vtype}")


@dataclass
class _Header:
    version: int
    metadata: dict[str, Any]
    tensors: list[tuple[str, list[int], int, int]]  # name, dims, ggml type, offset
    data_offset: int
    file_size: int


def _scan(buf: mmap.mmap | bytes, name: str) -> _Header:
    s = _Scanner(buf, name)
    if s.size < 4 or bytes(buf[:4]) != MAGIC:
        head = bytes(buf[:4])
        raise s.fail(f"not a GGUF file (magic {head!r}, expected {MAGIC!r})")
    s.pos = 4
    version_raw = s.take(4, "version")
    version = struct.unpack("<I", version_raw)[0]
    if version & 0xFFFF == 0:
        # A big-endian file read on a little-endian host; GGUFReader handles the same case.
        s.order = ">"
        version = struct.unpack(">I", version_raw)[0]
    if version not in SUPPORTED_VERSIONS:
        raise s.fail(
            f"unsupported GGUF version {version} (supported: {', '.join(map(str, SUPPORTED_VERSIONS))})"
        )
    # Smallest tensor info: 8-byte name length, 4-byte n_dims, 4-byte type, 8-byte offset.
    n_tensors = s.count("tensor count", 24)
    # Smallest key-value pair: 8-byte key length, 4-byte type, 1-byte value.
    n_kv = s.count("metadata count", 13)
    metadata: dict[str, Any] = {}
    for i in range(n_kv):
        key = s.string(f"metadata key #{i}")
        if key in metadata:
            raise s.fail(f"duplicate metadata key {key!r}")
        vtype = s.unpack("I", f"type of {key!r}")
        metadata[key] = s.value(vtype, repr(key))
    tensors = []
    seen: set[str] = set()
    for i in range(n_tensors):
        tname = s.string(f"tensor name #{i}")
        if tname in seen:
            raise s.fail(f"duplicate tensor name {tname!r}")
        seen.add(tname)
        n_dims = s.unpack("I", f"dimension count of {tname!r}")
        if n_dims > MAX_DIMS:
            raise s.fail(f"tensor {tname!r} has {n_dims} dimensions (at most {MAX_DIMS})")
        dims = [s.unpack("Q", f"dimension of {tname!r}") for _ in range(n_dims)]
        ttype = s.unpack("I", f"type of tensor {tname!r}")
        offset = s.unpack("Q", f"offset of tensor {tname!r}")
        tensors.append((tname, dims, ttype, offset))
    alignment = metadata.get("general.alignment", 32)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        raise s.fail(f"general.alignment must be a power of two, got {alignment!r}")
    data_offset = -(-s.pos // alignment) * alignment
    _check_tensors(s, tensors, data_offset, alignment)
    return _Header(version, metadata, tensors, data_offset, s.size)


def _check_tensors(
    s: _Scanner, tensors: list[tuple[str, list[int], int, int]], data_offset: int, align: int
) -> None:
    for tname, dims, ttype, offset in tensors:
        try:
            qtype = _gguf.GGMLQuantizationType(ttype)
            block, type_size = _gguf.GGML_QUANT_SIZES[qtype]
        except (ValueError, KeyError):
            raise s.fail(f"tensor {tname!r} has unknown ggml type {ttype}") from None
        n_elements = 1
        for d in dims:
            n_elements *= d
        if dims and dims[0] % block:
            raise s.fail(
                f"tensor {tname!r}: first dimension {dims[0]} is not a multiple of the block size {block}"
            )
        n_bytes = n_elements // block * type_size
        if offset % align:
            raise s.fail(f"tensor {tname!r}: data offset {offset} is not aligned to {align} bytes")
        end = data_offset + offset + n_bytes
        if end > s.size:
            raise s.fail(f"tensor {tname!r} ends at byte {end}, past the end of the file ({s.size} bytes)")


def _open_and_scan(path: str | os.PathLike[str]) -> _Header:
    p = Path(path)
    name = str(p)
    try:
        size = p.stat().st_size
        if size < 24:
            if size >= 4 and p.read_bytes()[:4] != MAGIC:
                raise GGUFError(f"{name}: not a GGUF file (magic {p.read_bytes()[:4]!r}, expected {MAGIC!r})")
            raise GGUFError(f"{name}: truncated file: {size} bytes is shorter than a GGUF header (24 bytes)")
        with p.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _scan(buf, name)
    except OSError as exc:
        raise GGUFError(f"{name}: cannot read file: {exc.strerror or exc}") from None


def validate(path: str | os.PathLike[str]) -> None:
    """Check that ``path`` is a well-formed GGUF file, or raise :class:`GGUFError` saying why not.

    Every count and offset in the header is checked against the file size before it is used.

    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "bad.gguf"
    >>> _ = bad.write_bytes(b"GGML" + bytes(40))
    >>> validate(bad)
    Traceback (most recent call last):
    ...
    llmterms.gguf_file.GGUFError: .../bad.gguf: not a GGUF file (magic b'GGML', expected b'GGUF')
    """
    _open_and_scan(path)


def _token(reader: Any, key: str) -> str | None:
    field_id = reader.get_field(key)
    tokens = reader.get_field("tokenizer.ggml.tokens")
    if field_id is None or tokens is None:
        return None
    # The file, not the spec, decides the types: a token id may be a string or an array, the
    # vocabulary a single string.
    if tokens.types != [_gguf.GGUFValueType.ARRAY, _gguf.GGUFValueType.STRING]:
        return None
    idx = field_id.contents()
    if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < len(tokens.data):
        return None
    return str(tokens.contents(idx))


def inspect(path: str | os.PathLike[str]) -> GGUFInfo:
    """Read a GGUF file's header and tensor table into a :class:`GGUFInfo`.

    Build a two-tensor file with ``gguf.GGUFWriter`` and look inside:

    >>> import tempfile, pathlib, numpy as np, gguf
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.gguf"
    >>> w = gguf.GGUFWriter(str(path), "llama")
    >>> w.add_context_length(2048); w.add_embedding_length(64); w.add_block_count(2)
    >>> w.add_head_count(4); w.add_head_count_kv(2); w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    >>> w.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    >>> w.add_tensor("token_embd.weight", np.zeros((100, 64), dtype=np.float16))
    >>> w.add_tensor("output_norm.weight", np.ones(64, dtype=np.float32))
    >>> w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    >>> info = inspect(path)
    >>> info.architecture, info.context, info.n_heads, info.n_kv_heads
    ('llama', 2048, 4, 2)
    >>> info.parameter_count, info.tensor_types
    (6464, {'F16': (1, 12800), 'F32': (1, 256)})
    >>> info.file_type, info.chat_template[:6]
    ('MOSTLY_F16', '{% for')
    """
    header = _open_and_scan(path)
    name = str(path)
    try:
        reader = _gguf.GGUFReader(str(path), "r")
        tensors = list(reader.tensors)
    except Exception as exc:
        raise GGUFError(f"{name}: gguf.GGUFReader could not read the file: {exc}") from None

    meta = header.metadata
    arch = meta.get("general.architecture")
    arch = arch if isinstance(arch, str) else None

    def arch_int(suffix: str) -> int | None:
        value = meta.get(f"{arch}.{suffix}") if arch else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    counts: Counter[str] = Counter()
    nbytes: Counter[str] = Counter()
    n_params = 0
    for t in tensors:
        tname = t.tensor_type.name
        counts[tname] += 1
        nbytes[tname] += int(t.n_bytes)
        n_params += int(t.n_elements)

    file_type = meta.get("general.file_type")
    file_type_name = None
    if isinstance(file_type, int):
        try:
            file_type_name = _gguf.LlamaFileType(file_type).name
        except ValueError:
            file_type_name = f"unknown ({file_type})"
    template = meta.get("tokenizer.chat_template")
    add_bos = meta.get("tokenizer.ggml.add_bos_token")
    info = GGUFInfo(
        path=name,
        version=header.version,
        metadata=meta,
        architecture=arch,
        context=arch_int("context_length"),
        hidden_size=arch_int("embedding_length"),
        n_layers=arch_int("block_count"),
        n_heads=arch_int("attention.head_count"),
        n_kv_heads=arch_int("attention.head_count_kv"),
        tensor_count=len(tensors),
        tensor_types={k: (counts[k], nbytes[k]) for k in sorted(counts)},
        parameter_count=n_params,
        file_type=file_type_name,
        chat_template=template if isinstance(template, str) else None,
        bos_token=_token(reader, "tokenizer.ggml.bos_token_id"),
        eos_token=_token(reader, "tokenizer.ggml.eos_token_id"),
        add_bos_token=add_bos if isinstance(add_bos, bool) else None,
    )
    del reader, tensors  # release the memory map before returning
    return info
