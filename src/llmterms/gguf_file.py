"""Read a GGUF file's header: one bounds-checked walk, used by every reader in llmterms.

GGUF (the file format of llama.cpp and ggml) is a header of key-value metadata and tensor descriptions
followed by aligned tensor data; the layout is specified in ggml-org/ggml ``docs/gguf.md``. :class:`GGUFFile`
walks the header once with every count, length and offset checked against the file size before it is
used, so a bad file becomes a :class:`GGUFError` naming the file, the byte offset, the field and the value,
never a hang, a huge allocation or an ``IndexError``. Long arrays (a 262,144-token vocabulary, its scores)
are skipped by their length and read only when asked for (:meth:`GGUFFile.array`); gguf-py's
``GGUFReader`` instead builds every token string, about 9 s for such a vocabulary.

:func:`inspect` (``llmterms inspect``), :func:`llmterms.engine.validate`, the numpy forward pass,
:func:`llmterms.templates.render_gguf` and :meth:`llmterms.shape.Architecture.from_gguf` all read through it.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from llmterms import quant_table

__all__ = ["ArraySummary", "GGUFError", "GGUFFile", "GGUFInfo", "TensorInfo", "inspect", "validate"]

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
#: ggml's GGML_MAX_DIMS: tensors have at most four dimensions.
MAX_DIMS = 4
#: The GGUF specification's limit on a metadata key's length in bytes.
MAX_KEY_LENGTH = 65535
#: Arrays longer than this are summarised in :attr:`GGUFInfo.metadata` instead of copied.
SHORT_ARRAY = 16
# Nested arrays are legal but never deep in practice; the limit keeps recursion bounded.
_MAX_NESTING = 8
# string_at() finds a token by skipping at most this many strings from a mark left by the walk.
_MARK_EVERY = 1024
# The smallest header: magic, version, tensor count and metadata count.
_HEADER_SIZE = 24

# GGUF value types (docs/gguf.md, enum gguf_metadata_value_type): names, and struct formats of the scalars.
VALUE_TYPES = {
    0: "UINT8", 1: "INT8", 2: "UINT16", 3: "INT16", 4: "UINT32", 5: "INT32", 6: "FLOAT32", 7: "BOOL",
    8: "STRING", 9: "ARRAY", 10: "UINT64", 11: "INT64", 12: "FLOAT64",
}  # fmt: skip
_SCALAR_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
STRING, ARRAY = 8, 9


class GGUFError(ValueError):
    """A file that is not a readable GGUF file: the message names the file and the problem.

    The attributes say where: ``path``, ``problem``, and when known the byte ``offset``, the ``field``
    (a metadata key or a tensor name) and the offending ``value``.

    >>> err = GGUFError("model.gguf", "general.alignment must be a power of two, got 3",
    ...                 offset=88, field="general.alignment", value=3)
    >>> str(err), err.field, err.value
    ('model.gguf: general.alignment must be a power of two, got 3', 'general.alignment', 3)
    """

    def __init__(
        self, path: str | os.PathLike[str], problem: str, *, offset=None, field=None, value=None
    ) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.offset = offset
        self.field = field
        self.value = value


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


@dataclass(frozen=True)
class TensorInfo:
    """One entry of a GGUF file's tensor table; ``dims`` in GGUF order (the row length first).

    >>> t = TensorInfo("blk.0.attn_q.weight", (4096, 4096), 12, "Q4_K", 0, 4096 * 4096, 9437184)
    >>> t.shape, t.n_bytes * 8 / t.n_elements
    ((4096, 4096), 4.5)
    """

    name: str
    dims: tuple[int, ...]
    ggml_type: int
    type_name: str
    offset: int  # from the start of the data section
    n_elements: int
    n_bytes: int

    @property
    def shape(self) -> tuple[int, ...]:
        """The dimensions in numpy order: rows first, the row length last.

        >>> TensorInfo("token_embd.weight", (64, 100), 0, "F32", 0, 6400, 25600).shape
        (100, 64)
        """
        return tuple(reversed(self.dims))


@dataclass(frozen=True)
class _Array:
    item_type: int
    length: int
    offset: int  # of the first item


def _tensor_type(ggml_type: int) -> tuple[str, int, int] | None:
    """Name, block size and block bytes of a ggml type number; None for a number nobody knows."""
    q = quant_table.quant_type_by_number(ggml_type)
    if q is not None:
        return q.name, q.block_size, q.type_size
    # Types the table leaves out (integer tensors, F64, Q8_1, types newer than the table): ask gguf-py,
    # whose import costs a third of a second, only for them.
    import gguf

    try:
        qtype = gguf.GGMLQuantizationType(ggml_type)
        return (qtype.name, *gguf.GGML_QUANT_SIZES[qtype])
    except (ValueError, KeyError):
        return None


def _file_type_name(ftype: int) -> str:
    f = quant_table.file_type_by_number(ftype)
    if f is not None:
        return "ALL_F32" if f.name == "F32" else f"MOSTLY_{f.name}"  # gguf-py's LlamaFileType names
    import gguf

    try:
        return gguf.LlamaFileType(ftype).name
    except ValueError:
        return f"unknown ({ftype})"


class GGUFFile:
    """A GGUF file opened for reading: its header walked and checked, arrays and tensor data read on demand.

    ``metadata`` holds scalars, strings and arrays of up to ``SHORT_ARRAY`` items; a longer array is an
    :class:`ArraySummary` there and is read whole by :meth:`array`. ``types`` gives each key's GGUF value type
    and, for arrays, the item type. Use it as a context manager: the file stays mapped until it is closed.

    >>> from llmterms import tiny
    >>> with GGUFFile(tiny.path()) as f:
    ...     f.version, f.metadata["llama.block_count"], f.metadata["tokenizer.ggml.tokens"]
    ...     f.array("tokenizer.ggml.tokens")[:3], f.string_at("tokenizer.ggml.tokens", 1)
    (3, 4, ArraySummary(element_type='STRING', length=1024))
    (['<unk>', '<s>', '</s>'], '<s>')

    ``little_endian_only`` refuses byte-swapped files, which some readers (the bundled llama.cpp) cannot use.
    """

    def __init__(self, path: str | os.PathLike[str], *, little_endian_only: bool = False) -> None:
        self.path = str(path)
        self._file = None
        self._buf: mmap.mmap | None = None
        self.pos = 0  # the walk's read position, in bytes
        self.order = "<"  # struct's byte order: GGUF is little-endian unless its version says otherwise
        p = Path(path)
        try:
            size = p.stat().st_size
            if size < _HEADER_SIZE:
                head = p.read_bytes()[:4]
                if len(head) == 4 and head != MAGIC:
                    self._fail(f"not a GGUF file (magic {head!r}, expected {MAGIC!r})", offset=0, value=head)
                self._fail(f"truncated: {size} bytes is shorter than a GGUF header ({_HEADER_SIZE} bytes)")
            self._file = p.open("rb")
            self._buf = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError as exc:
            self.close()
            reason = exc.strerror or str(exc)
            raise GGUFError(self.path, f"cannot read file: {reason[:1].lower()}{reason[1:]}") from None
        try:
            self._walk(little_endian_only)
        except BaseException:
            self.close()
            raise

    # -- context manager and closing -------------------------------------------------------------------

    def __enter__(self) -> GGUFFile:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Unmap and close the file; the header stays readable, the arrays and tensor data do not."""
        if self._buf is not None:
            self._buf.close()
            self._buf = None
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- primitives, each checked against the file size ------------------------------------------------

    def _fail(self, problem: str, **where) -> NoReturn:
        raise GGUFError(self.path, problem, **where)

    def _need(self, pos: int, n: int, what: str) -> None:
        if n < 0 or pos + n > self.size:
            self._fail(
                f"truncated: {what} at byte {pos} needs {n} bytes, the file has {self.size}",
                offset=pos,
                field=what,
                value=n,
            )

    def _unpack(self, fmt: str, what: str) -> Any:
        n = struct.calcsize(fmt)
        self._need(self.pos, n, what)
        value = struct.unpack_from(self.order + fmt, self._open_buffer(), self.pos)[0]
        self.pos += n
        return value

    def _count(self, what: str, min_item_size: int) -> int:
        at = self.pos
        n = self._unpack("Q", what)
        # Every item needs at least min_item_size bytes, so a larger count cannot be true.
        if n * min_item_size > self.size - self.pos:
            self._fail(
                f"{what} is {n}, more than the rest of the file can hold", offset=at, field=what, value=n
            )
        return n

    def _string(self, what: str) -> str:
        n = self._unpack("Q", f"length of {what}")
        self._need(self.pos, n, what)
        raw = self._open_buffer()[self.pos : self.pos + n]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._fail(f"{what} is not valid UTF-8 (byte {self.pos})", offset=self.pos, field=what, value=raw)
        self.pos += n
        return text

    def _skip_strings(self, n: int, what: str, marks: list[int] | None = None) -> None:
        # The one loop that runs once per token of a vocabulary: lengths only, nothing decoded. A length
        # that points past the end makes the next unpack_from fail (struct.error, or OverflowError past
        # 2**63), so the loop needs no check of its own. ``marks`` collects the offset of every
        # _MARK_EVERY-th item, for string_at().
        buf, pos, size = self._open_buffer(), self.pos, self.size
        length_at = struct.Struct(self.order + "Q").unpack_from
        done = 0
        try:
            while done < n:
                if marks is not None:
                    marks.append(pos)
                for _ in range(min(_MARK_EVERY, n - done)):
                    pos += 8 + length_at(buf, pos)[0]
                done += _MARK_EVERY
        except (struct.error, OverflowError):  # past the end, or past what an offset can be
            pass
        if pos > size or done < n:
            self._fail(
                f"truncated: the strings of {what} run past the end of the file", offset=pos, field=what
            )
        self.pos = pos

    def _value(self, vtype: int, what: str, depth: int = 0, keep: bool = True, marks=None) -> Any:
        if vtype in _SCALAR_FORMATS:
            return self._unpack(_SCALAR_FORMATS[vtype], what)
        if vtype == STRING:
            if keep:
                return self._string(what)
            n = self._unpack("Q", f"length of {what}")
            self._need(self.pos, n, what)
            self.pos += n
            return None
        if vtype == ARRAY:
            if depth >= _MAX_NESTING:
                self._fail(f"{what}: arrays nested deeper than {_MAX_NESTING}", offset=self.pos, field=what)
            at = self.pos
            itype = self._unpack("I", f"item type of {what}")
            if itype not in VALUE_TYPES:
                self._fail(f"{what} has unknown item type {itype}", offset=at, field=what, value=itype)
            if itype in _SCALAR_FORMATS:
                width = struct.calcsize(_SCALAR_FORMATS[itype])
                n = self._count(f"item count of {what}", width)
                if keep and n <= SHORT_ARRAY:
                    items = list(
                        struct.unpack_from(
                            f"{self.order}{n}{_SCALAR_FORMATS[itype]}", self._open_buffer(), self.pos
                        )
                    )
                    self.pos += n * width
                    return items
                self.pos += n * width  # the count check above keeps this inside the file
            else:
                n = self._count(f"item count of {what}", 8 if itype == STRING else 12)
                if keep and n <= SHORT_ARRAY:
                    return [self._value(itype, f"{what}[{i}]", depth + 1) for i in range(n)]
                if itype == STRING:
                    self._skip_strings(n, what, marks)
                else:
                    for i in range(n):
                        self._value(itype, f"{what}[{i}]", depth + 1, keep=False)
            return ArraySummary(VALUE_TYPES[itype], n) if keep else None
        self._fail(f"{what} has unknown value type {vtype}", offset=self.pos - 4, field=what, value=vtype)

    # -- the walk --------------------------------------------------------------------------------------

    def _walk(self, little_endian_only: bool) -> None:
        buf = self._open_buffer()
        self.size = len(buf)
        self.pos = 0
        self.order = "<"
        if buf[:4] != MAGIC:
            self._fail(f"not a GGUF file (magic {buf[:4]!r}, expected {MAGIC!r})", offset=0, value=buf[:4])
        version = struct.unpack_from("<I", buf, 4)[0]
        swapped = struct.unpack_from(">I", buf, 4)[0]
        if version not in SUPPORTED_VERSIONS and swapped in SUPPORTED_VERSIONS and not little_endian_only:
            # A big-endian file read on a little-endian host; GGUFReader reads it the same way.
            self.order, version = ">", swapped
        if version not in SUPPORTED_VERSIONS:
            supported = ", ".join(map(str, SUPPORTED_VERSIONS))
            self._fail(
                f"GGUF version {version} is not supported (supported: {supported})", offset=4, value=version
            )
        self.version = version
        self.pos = 8
        # Smallest tensor info: 8-byte name length, 4-byte n_dims, 4-byte type, 8-byte offset.
        n_tensors = self._count("tensor count", 24)
        # Smallest key-value pair: 8-byte key length, 4-byte type, 1-byte value.
        n_kv = self._count("metadata count", 13)
        self.metadata: dict[str, Any] = {}
        self.types: dict[str, tuple[int, int | None]] = {}
        self._arrays: dict[str, _Array] = {}
        self._marks: dict[str, list[int]] = {}  # offsets of every _MARK_EVERY-th string of long arrays
        for i in range(n_kv):
            at = self.pos
            key = self._string(f"metadata key {i}")
            if len(key.encode()) > MAX_KEY_LENGTH:
                self._fail(f"metadata key {i} is longer than {MAX_KEY_LENGTH} bytes", offset=at)
            if key in self.metadata:
                self._fail(f"duplicate metadata key {key!r}", offset=at, field=key)
            vtype = self._unpack("I", f"type of {key}")
            item_type = None
            if vtype == ARRAY and self.pos + 12 <= self.size:
                item_type = struct.unpack_from(self.order + "I", buf, self.pos)[0]
                self._arrays[key] = _Array(
                    item_type, struct.unpack_from(self.order + "Q", buf, self.pos + 4)[0], self.pos + 12
                )
            self.types[key] = (vtype, item_type)
            self._marks[key] = []
            self.metadata[key] = self._value(vtype, key, marks=self._marks[key])
        self.tensors: list[TensorInfo] = []
        seen: set[str] = set()
        for i in range(n_tensors):
            at = self.pos
            name = self._string(f"name of tensor {i}")
            if name in seen:
                self._fail(f"duplicate tensor name {name!r}", offset=at, field=name)
            seen.add(name)
            n_dims = self._unpack("I", f"dimension count of {name}")
            if not 1 <= n_dims <= MAX_DIMS:
                self._fail(
                    f"tensor {name!r} has {n_dims} dimensions (1 to {MAX_DIMS} allowed)",
                    offset=self.pos - 4,
                    field=name,
                    value=n_dims,
                )
            dims = tuple(self._unpack("Q", f"dimension of {name}") for _ in range(n_dims))
            at = self.pos
            ggml_type = self._unpack("I", f"type of tensor {name}")
            offset = self._unpack("Q", f"offset of tensor {name}")
            known = _tensor_type(ggml_type)
            if known is None:
                self._fail(
                    f"tensor {name!r} has unknown ggml type {ggml_type}",
                    offset=at,
                    field=name,
                    value=ggml_type,
                )
            type_name, block, type_size = known
            n_elements = 1
            for d in dims:
                n_elements *= d
            if dims[0] % block:
                self._fail(
                    f"tensor {name!r}: first dimension {dims[0]} is not a multiple of the block size {block}",
                    offset=at,
                    field=name,
                    value=dims[0],
                )
            self.tensors.append(
                TensorInfo(
                    name, dims, ggml_type, type_name, offset, n_elements, n_elements // block * type_size
                )
            )
        alignment = self.metadata.get("general.alignment", 32)
        if (
            not isinstance(alignment, int)
            or isinstance(alignment, bool)
            or alignment <= 0
            or alignment & (alignment - 1)
        ):
            self._fail(
                f"general.alignment must be a power of two, got {alignment!r}",
                field="general.alignment",
                value=alignment,
            )
        self.data_offset = -(-self.pos // alignment) * alignment
        for t in self.tensors:
            if t.offset % alignment:
                self._fail(
                    f"tensor {t.name!r}: data offset {t.offset} is not aligned to {alignment} bytes",
                    field=t.name,
                    value=t.offset,
                )
            end = self.data_offset + t.offset + t.n_bytes
            if end > self.size:
                self._fail(
                    f"tensor {t.name!r} ({t.n_bytes} bytes at offset {t.offset}) runs past the end of the "
                    f"file ({self.size} bytes)",
                    field=t.name,
                    value=t.offset,
                )

    # -- reading on demand -----------------------------------------------------------------------------

    def _open_buffer(self) -> mmap.mmap:
        if self._buf is None:
            raise ValueError(f"{self.path}: the file is closed")
        return self._buf

    def array(self, key: str) -> list:
        """Every item of the array stored under ``key``, decoded (strings, numbers, nested lists).

        >>> from llmterms import tiny
        >>> with GGUFFile(tiny.path()) as f:
        ...     scores = f.array("tokenizer.ggml.scores")
        >>> len(scores), scores[:2]
        (1024, [0.0, 0.0])
        """
        self._open_buffer()
        if key not in self._arrays:
            raise KeyError(f"{self.path}: no array {key!r} in the metadata")
        a = self._arrays[key]
        self.pos = a.offset
        if a.item_type in _SCALAR_FORMATS:
            width = struct.calcsize(_SCALAR_FORMATS[a.item_type])
            items = list(
                struct.unpack_from(
                    f"{self.order}{a.length}{_SCALAR_FORMATS[a.item_type]}", self._open_buffer(), a.offset
                )
            )
            self.pos += a.length * width
            return items
        return [self._value(a.item_type, f"{key}[{i}]", 1) for i in range(a.length)]

    def string_at(self, key: str, index: int) -> str | None:
        """Item ``index`` of the string array under ``key`` (a token by its id), or None if there is none.

        Only the lengths of the items before it are read, not their text.
        """
        self._open_buffer()
        a = self._arrays.get(key)
        if a is None or a.item_type != STRING or not 0 <= index < a.length:
            return None
        marks = self._marks.get(key)
        if marks:
            self.pos = marks[index // _MARK_EVERY]
            self._skip_strings(index % _MARK_EVERY, key)
        else:
            self.pos = a.offset
            self._skip_strings(index, key)
        return self._string(f"{key}[{index}]")

    def tensor_data(self, tensor: TensorInfo) -> bytes:
        """A copy of one tensor's bytes (checked to lie inside the file when the header was read)."""
        buf = self._open_buffer()
        start = self.data_offset + tensor.offset
        return buf[start : start + tensor.n_bytes]


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
    GGUFFile(path).close()


def _token(f: GGUFFile, key: str) -> str | None:
    # The file, not the spec, decides the types: a token id may be a string or an array, the
    # vocabulary a single string.
    idx = f.metadata.get(key)
    if f.types.get("tokenizer.ggml.tokens") != (ARRAY, STRING):
        return None
    if not isinstance(idx, int) or isinstance(idx, bool):
        return None
    return f.string_at("tokenizer.ggml.tokens", idx)


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
    with GGUFFile(path) as f:
        meta = f.metadata
        arch = meta.get("general.architecture")
        arch = arch if isinstance(arch, str) else None

        def arch_int(suffix: str) -> int | None:
            value = meta.get(f"{arch}.{suffix}") if arch else None
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        counts: Counter[str] = Counter()
        nbytes: Counter[str] = Counter()
        for t in f.tensors:
            counts[t.type_name] += 1
            nbytes[t.type_name] += t.n_bytes
        file_type = meta.get("general.file_type")
        template = meta.get("tokenizer.chat_template")
        add_bos = meta.get("tokenizer.ggml.add_bos_token")
        return GGUFInfo(
            path=str(path),
            version=f.version,
            metadata=meta,
            architecture=arch,
            context=arch_int("context_length"),
            hidden_size=arch_int("embedding_length"),
            n_layers=arch_int("block_count"),
            n_heads=arch_int("attention.head_count"),
            n_kv_heads=arch_int("attention.head_count_kv"),
            tensor_count=len(f.tensors),
            tensor_types={k: (counts[k], nbytes[k]) for k in sorted(counts)},
            parameter_count=sum(t.n_elements for t in f.tensors),
            file_type=_file_type_name(file_type) if isinstance(file_type, int) else None,
            chat_template=template if isinstance(template, str) else None,
            bos_token=_token(f, "tokenizer.ggml.bos_token_id"),
            eos_token=_token(f, "tokenizer.ggml.eos_token_id"),
            add_bos_token=add_bos if isinstance(add_bos, bool) else None,
        )
