"""The fuzzers, in one place: every reader of untrusted input ends in a clear error, quickly.

Inputs that come from users: GGUF files (most of this module), model names, quantization type names,
RoPE options and the text given to ``llmterms rope``. The invariants of the calculators on generated but
valid inputs (property tests) sit with their module's tests instead: test_naming.py, test_memory.py,
test_quant.py and test_rope.py.

GGUF files: every bad file ends in a clear error, quickly and without a large allocation.

Two readers take GGUF files from users, both through the one header walker :class:`llmterms.gguf_file.GGUFFile`:
:func:`llmterms.gguf_file.inspect` (and ``llmterms inspect`` on top of it), and :func:`llmterms.engine.validate`,
which adds the checks that guard ctransformers. The files here start from valid
ones whose layout is walked field by field (:func:`layout`), then get cut at a field boundary, have a
count, length, type, offset or version replaced, or have random bytes appended to a valid prefix.

Every case runs in this process under a one-second CPU-time alarm (:func:`bounded`): a hang shows up as a
failure that names the input, not as a stuck test run. Files the loader accepts go on to ctransformers in
a subprocess, because a crash in C would take pytest down with it.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import signal
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gguf as pypi_gguf
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llmterms import cli, engine, naming, quant, rope, tiny
from llmterms import gguf_file as lg

# Examples per fuzzer: the whole file runs in under a minute on two shared cores (docs/benchmarks.md gives
# the figure); `--hypothesis-seed` reproduces a run.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CPU_SECONDS = 1.0

# Fixed sizes of GGUF scalar value types (ggml docs/gguf.md, gguf_metadata_value_type).
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9


class Overrun(Exception):
    """A reader used more than its CPU-time budget on one file."""


@contextlib.contextmanager
def bounded(seconds: float = CPU_SECONDS) -> Iterator[None]:
    """Interrupt the block after ``seconds`` of CPU time; CPU time, so a busy machine does not fail it."""

    def overrun(signum, frame):
        raise Overrun(f"still running after {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, overrun)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


# -- A map of a valid file --------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a GGUF file: where it starts, how long it is, and what kind of number it holds."""

    offset: int
    size: int
    kind: str  # magic, version, count, length, type, dims, dim, offset, value, bytes, data
    label: str

    @property
    def end(self) -> int:
        return self.offset + self.size


def layout(data: bytes) -> list[Field]:
    """Walk a valid little-endian GGUF file and list its fields in file order."""
    fields: list[Field] = []
    pos = 0

    def field(kind: str, size: int, label: str) -> bytes:
        nonlocal pos
        fields.append(Field(pos, size, kind, label))
        pos += size
        return data[pos - size : pos]

    def u32(raw: bytes) -> int:
        return struct.unpack("<I", raw)[0]

    def u64(raw: bytes) -> int:
        return struct.unpack("<Q", raw)[0]

    def value(vtype: int, label: str) -> None:
        if vtype in _SCALAR_SIZES:
            field("value", _SCALAR_SIZES[vtype], label)
        elif vtype == _STRING:
            field("bytes", u64(field("length", 8, f"{label} length")), label)
        else:
            item_type = u32(field("type", 4, f"{label} item type"))
            for i in range(u64(field("count", 8, f"{label} item count"))):
                value(item_type, f"{label}[{i}]")

    field("magic", 4, "magic")
    field("version", 4, "version")
    n_tensors = u64(field("count", 8, "tensor count"))
    n_kv = u64(field("count", 8, "metadata count"))
    alignment = 32
    for i in range(n_kv):
        key = field("bytes", u64(field("length", 8, f"key {i} length")), f"key {i}").decode()
        vtype = u32(field("type", 4, f"type of {key}"))
        if key == "general.alignment":
            alignment = u32(data[pos : pos + 4])
        value(vtype, key)
    tensors = []
    for i in range(n_tensors):
        name = field("bytes", u64(field("length", 8, f"tensor {i} name length")), f"tensor {i}").decode()
        n_dims = u32(field("dims", 4, f"dimension count of {name}"))
        dims = [u64(field("dim", 8, f"dimension {d} of {name}")) for d in range(n_dims)]
        ttype = u32(field("type", 4, f"type of tensor {name}"))
        tensors.append((name, dims, ttype, u64(field("offset", 8, f"offset of {name}"))))
    data_start = -(-pos // alignment) * alignment
    for name, dims, ttype, offset in tensors:
        block, type_size = pypi_gguf.GGML_QUANT_SIZES[pypi_gguf.GGMLQuantizationType(ttype)]
        n_bytes = int(np.prod(dims)) // block * type_size
        fields.append(Field(data_start + offset, n_bytes, "data", f"data of {name}"))
    return fields


def boundaries(fields: list[Field], size: int, nudge: tuple[int, ...] = (-1, 0, 1)) -> list[int]:
    """Every offset where one field ends and the next begins, and (by default) one byte either side."""
    edges = {0}
    for f in fields:
        edges |= {f.offset, f.end}
    return sorted({e + d for e in edges for d in nudge if 0 <= e + d < size})


def write_rich(path: Path) -> Path:
    """A small valid file with every value type, nested arrays and tensors of three types."""
    w = pypi_gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(4096)
    w.add_block_count(1)
    w.add_head_count(4)
    w.add_file_type(pypi_gguf.LlamaFileType.MOSTLY_Q8_0)
    w.add_token_list(["<unk>", "<s>", "</s>", "▁a", "≈"])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    V = pypi_gguf.GGUFValueType
    for vtype, value in [
        (V.UINT8, 200),
        (V.INT8, -5),
        (V.UINT16, 60000),
        (V.INT16, -300),
        (V.INT32, -70000),
        (V.FLOAT32, 0.5),
        (V.UINT64, 2**40),
        (V.INT64, -(2**40)),
        (V.FLOAT64, 1e-300),
        (V.BOOL, False),
        (V.STRING, "Ünïcode"),
    ]:
        w.add_key_value(f"test.{vtype.name.lower()}", value, vtype)
    w.add_array("test.floats", [0.25, 0.5, 1.0])
    w.add_array("test.long", list(range(40)))
    w.add_array("test.nested", [[1, 2], [3]])
    w.add_tensor("token_embd.weight", np.ones((5, 32), dtype=np.float16))
    w.add_tensor("output_norm.weight", np.ones(32, dtype=np.float32))
    q8 = np.zeros((2, 34), dtype=np.uint8)  # two rows of one Q8_0 block each
    w.add_tensor("blk.0.attn_q.weight", q8, raw_shape=(2, 34), raw_dtype=pypi_gguf.GGMLQuantizationType.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> bytes:
    return write_rich(tmp_path_factory.mktemp("fuzz") / "rich.gguf").read_bytes()


@pytest.fixture(scope="module")
def tiny_bytes() -> bytes:
    return tiny.path().read_bytes()


# -- The readers under test -------------------------------------------------------------------------


def _cleanly(read, error: type[Exception], path: Path):
    """``read(path)`` within the budget: its result, or None for an error that names the file."""
    started = time.perf_counter()
    try:
        with bounded():
            return read(path)
    except error as exc:
        assert str(exc).startswith(f"{path}: "), exc
        return None
    finally:
        assert time.perf_counter() - started < 10, "wall time: the machine is swapping or the reader waits"


def inspect_cleanly(path: Path) -> lg.GGUFInfo | None:
    """Run llmterms.gguf_file.inspect: a GGUFInfo or None (a GGUFError naming the file)."""
    return _cleanly(lg.inspect, lg.GGUFError, path)


def validate_cleanly(path: Path) -> dict | None:
    """Run the loader's validator: the model's shape or None (a ModelFileError naming the file)."""
    return _cleanly(engine.validate, engine.ModelFileError, path)


def both_readers(path: Path) -> tuple[lg.GGUFInfo | None, dict | None]:
    return inspect_cleanly(path), validate_cleanly(path)


def patched(data: bytes, field: Field, value: int) -> bytes:
    fmt = {4: "<I", 8: "<Q"}[field.size]
    return data[: field.offset] + struct.pack(fmt, value) + data[field.end :]


# -- The valid files are valid ----------------------------------------------------------------------


def test_the_starting_files_are_valid_and_fully_mapped(tmp_path, rich, tiny_bytes):
    path = tmp_path / "rich.gguf"
    path.write_bytes(rich)
    info = inspect_cleanly(path)
    assert info is not None and info.tensor_count == 3
    assert info.metadata["test.nested"] == [[1, 2], [3]]
    fields = layout(rich)
    # The map covers the whole file; the writer pads the last tensor's data to the alignment.
    assert 0 <= len(rich) - max(f.end for f in fields) < 32
    assert {f.kind for f in fields} >= {
        "magic",
        "version",
        "count",
        "length",
        "type",
        "dims",
        "dim",
        "offset",
    }
    shape = validate_cleanly(tiny.path())
    assert shape is not None and shape["vocab_size"] == 1024
    assert 0 <= len(tiny_bytes) - max(f.end for f in layout(tiny_bytes)) < 32


# -- Truncation at every section boundary -----------------------------------------------------------


def test_truncation_at_every_boundary_of_the_rich_file(tmp_path, rich):
    fields = layout(rich)
    data_end = max(f.end for f in fields)  # the padding after the last tensor may go
    cuts = [n for n in boundaries(fields, len(rich)) if n < data_end]
    assert len(cuts) > 300
    path = tmp_path / "cut.gguf"
    for n in cuts:
        path.write_bytes(rich[:n])
        assert both_readers(path) == (None, None), f"a file cut to {n} bytes was accepted"


def test_truncation_at_every_header_boundary_of_the_tiny_model(tmp_path, tiny_bytes):
    fields = layout(tiny_bytes)
    # The vocabulary has 3 x 1024 items; their first and last three stand for the rest. Every cut past
    # the vocabulary costs a parse of all of it, so the byte either side of a boundary is left to the
    # test above.
    header = [f for f in fields if not 3 <= int(re.search(r"\[(\d+)\]$|$", f.label)[1] or 0) < 1021]
    cuts = boundaries(header, len(tiny_bytes), nudge=(0,))
    assert len(cuts) > 400
    path = tmp_path / "cut.gguf"
    for n in cuts:
        path.write_bytes(tiny_bytes[:n])
        assert validate_cleanly(path) is None, f"a model cut to {n} bytes was accepted"


# -- Random bytes after a valid start ---------------------------------------------------------------


@FUZZ
@given(
    prefix=st.sampled_from(
        [b"GGUF", b"GGUF\x03\x00\x00\x00", b"GGUF\x02\x00\x00\x00", b"GGUF\x00\x00\x00\x03"]
    ),
    tail=st.binary(min_size=0, max_size=600),
)
@example(prefix=b"GGUF\x03\x00\x00\x00", tail=bytes(16))  # no tensors, no metadata: a valid empty file
def test_random_bytes_after_a_valid_magic(tmp_path, prefix, tail):
    path = tmp_path / "random.gguf"
    path.write_bytes(prefix + tail)
    _, shape = both_readers(path)
    assert shape is None  # nothing random is a runnable llama model


@FUZZ
@given(data=st.data())
def test_random_bytes_after_a_valid_prefix(tmp_path, rich, data):
    cut = data.draw(st.integers(8, len(rich) - 1), label="valid prefix length")
    tail = data.draw(st.binary(min_size=1, max_size=200), label="random tail")
    path = tmp_path / "spliced.gguf"
    path.write_bytes(rich[:cut] + tail)
    both_readers(path)


# -- Absurd counts, lengths, types, offsets and versions --------------------------------------------


def huge_or_nearby(size: int) -> st.SearchStrategy[int]:
    """Counts a liar would write: the largest values, powers of two, and values near the file size."""
    return st.one_of(
        st.sampled_from([2**64 - 1, 2**63, 2**63 - 1, 2**62, 2**40, 2**32, 2**32 - 1, 2**31]),
        st.integers(0, 2**64 - 1),
        st.integers(max(0, size - 64), size + 64),
        st.integers(0, 300),
    )


def corrupt(data: bytes, kinds: set[str], draw, field_filter=None) -> tuple[bytes, Field, int]:
    fields = [f for f in layout(data) if f.kind in kinds and (field_filter is None or field_filter(f))]
    field = draw(st.sampled_from(fields), label="field")
    limit = 2**64 - 1 if field.size == 8 else 2**32 - 1
    value = draw(huge_or_nearby(len(data)).map(lambda v: v & limit), label="new value")
    return patched(data, field, value), field, value


@FUZZ
@given(data=st.data())
def test_absurd_counts_and_lengths_allocate_nothing(tmp_path, rich, data):
    mutant, field, value = corrupt(rich, {"count", "length", "dims", "dim"}, data.draw)
    path = tmp_path / "counts.gguf"
    path.write_bytes(mutant)
    tracemalloc.start()
    try:
        both_readers(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A few hundred KiB of Python objects for a 1.5 KB file; a count-driven allocation would be GiB.
    assert peak < 8 * 2**20, f"{field.label} = {value}: {peak} bytes allocated"


@FUZZ
@given(data=st.data())
def test_absurd_counts_in_a_real_model(tmp_path, tiny_bytes, data):
    header_end = min(f.offset for f in layout(tiny_bytes) if f.kind == "data")
    kinds = {"count", "length", "dims", "dim", "offset"}
    mutant, field, value = corrupt(tiny_bytes, kinds, data.draw, lambda f: f.end <= header_end)
    path = tmp_path / "model.gguf"
    path.write_bytes(mutant)
    shape = validate_cleanly(path)
    if shape is not None:  # a harmless change, such as an unused offset made larger and still in range
        assert field.kind in {"offset", "length", "count", "dim"}, (field, value)


@FUZZ
@given(data=st.data(), new_type=st.one_of(st.integers(13, 2**32 - 1), st.integers(0, 12)))
def test_unknown_and_confused_value_types(tmp_path, rich, data, new_type):
    fields = [f for f in layout(rich) if f.kind == "type" and not f.label.startswith("type of tensor")]
    field = data.draw(st.sampled_from(fields), label="type field")
    path = tmp_path / "types.gguf"
    path.write_bytes(patched(rich, field, new_type))
    info, _ = both_readers(path)
    if new_type > 12:
        assert info is None, f"{field.label} = {new_type} was accepted"


@FUZZ
@given(data=st.data(), new_type=st.integers(0, 2**32 - 1))
def test_unknown_tensor_types(tmp_path, rich, data, new_type):
    fields = [f for f in layout(rich) if f.label.startswith("type of tensor")]
    path = tmp_path / "ttypes.gguf"
    path.write_bytes(patched(rich, data.draw(st.sampled_from(fields)), new_type))
    info, _ = both_readers(path)
    if new_type not in {t.value for t in pypi_gguf.GGMLQuantizationType}:
        assert info is None


@FUZZ
@given(data=st.data())
def test_offsets_past_the_end(tmp_path, rich, data):
    fields = [f for f in layout(rich) if f.kind == "offset"]
    field = data.draw(st.sampled_from(fields), label="offset field")
    # Aligned offsets at or past the end of the file, any offset past it, and unaligned ones inside it.
    value = data.draw(
        st.one_of(
            st.integers(-(-len(rich) // 32), 2**59 - 1).map(lambda k: 32 * k),
            st.integers(len(rich), 2**64 - 1),
            st.integers(1, len(rich)).filter(lambda v: v % 32),
            st.sampled_from([2**64 - 32, 2**63, 2**64 - 1]),
        ),
        label="offset",
    )
    path = tmp_path / "offsets.gguf"
    path.write_bytes(patched(rich, field, value))
    assert both_readers(path) == (None, None)


@FUZZ
@given(version=st.integers(0, 2**32 - 1).filter(lambda v: v not in (2, 3)))
@example(version=1)
@example(version=4)
@example(version=2**32 - 1)
@example(version=0x03000000)  # version 3 written big-endian: the rest of the file then reads wrongly
def test_wrong_versions(tmp_path, rich, version):
    path = tmp_path / "version.gguf"
    path.write_bytes(rich[:4] + struct.pack("<I", version) + rich[8:])
    assert both_readers(path) == (None, None)
    with pytest.raises(engine.ModelFileError, match=f"GGUF version {version} is not supported"):
        engine.validate(path)


# -- Values of the wrong type under the keys the readers interpret ----------------------------------

_INTERPRETED = [
    "general.architecture",
    "general.alignment",
    "general.file_type",
    "llama.context_length",
    "llama.block_count",
    "llama.attention.head_count",
    "tokenizer.chat_template",
    "tokenizer.ggml.add_bos_token",
    "tokenizer.ggml.bos_token_id",
    "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.tokens",
]
_V = pypi_gguf.GGUFValueType
_VALUES = st.one_of(
    st.tuples(st.just(_V.UINT32), st.integers(0, 2**32 - 1)),
    st.tuples(st.just(_V.INT32), st.integers(-(2**31), 2**31 - 1)),
    st.tuples(st.just(_V.UINT64), st.integers(0, 2**64 - 1)),
    st.tuples(st.just(_V.FLOAT32), st.floats(width=32, allow_nan=True)),
    st.tuples(st.just(_V.BOOL), st.booleans()),
    st.tuples(st.just(_V.STRING), st.text(max_size=20)),
    st.tuples(st.just(_V.ARRAY), st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=20)),
    st.tuples(st.just(_V.ARRAY), st.lists(st.text(max_size=5), min_size=1, max_size=20)),
)


@FUZZ
@given(key=st.sampled_from(_INTERPRETED), typed=_VALUES)
@example(key="tokenizer.ggml.bos_token_id", typed=(_V.STRING, "1"))
@example(key="tokenizer.ggml.bos_token_id", typed=(_V.ARRAY, [1]))
@example(key="tokenizer.ggml.tokens", typed=(_V.STRING, "<s>"))
@example(key="general.alignment", typed=(_V.UINT32, 0))
def test_values_of_the_wrong_type(tmp_path, key, typed):
    vtype, value = typed
    path = tmp_path / "typed.gguf"
    w = pypi_gguf.GGUFWriter(str(path), "llama")
    w.add_block_count(1)
    if key != "tokenizer.ggml.tokens":
        w.add_token_list(["<unk>", "<s>", "</s>"])
    if key == "general.architecture":
        w.kv_data[0].pop("general.architecture")
    sub_type = None
    if vtype == _V.ARRAY:
        sub_type = _V.STRING if value and isinstance(value[0], str) else _V.INT32
    w.add_key_value(key, value, vtype, sub_type=sub_type)
    w.add_tensor("output_norm.weight", np.ones(32, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    both_readers(path)


# -- The command line -------------------------------------------------------------------------------


def test_llmterms_inspect_reports_bad_files_in_one_line(tmp_path, rich, capsys):
    fields = layout(rich)
    cases = {
        "cut": rich[: fields[5].end],
        "count": patched(rich, fields[2], 2**63),
        "type": patched(rich, next(f for f in fields if f.kind == "type"), 99),
        "offset": patched(rich, next(f for f in fields if f.kind == "offset"), 2**40),
        "version": patched(rich, fields[1], 9),
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.gguf"
        path.write_bytes(data)
        with bounded():
            assert cli.main(["inspect", str(path)]) == 1, name
        err = capsys.readouterr().err
        assert err.startswith(f"llmterms: {path}: ") and err.count("\n") == 1, err


# -- Hyperparameters that steer the loader's own loops ----------------------------------------------


def set_u32(data: bytes, key: str, value: int) -> bytes:
    [field] = [f for f in layout(data) if f.label == key]
    return patched(data, field, value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("llama.embedding_length", 2**32 - 1),
        ("llama.attention.head_count", 0),
        ("llama.attention.head_count_kv", 2**31),
        ("llama.feed_forward_length", 2**32 - 1),
        ("llama.context_length", 2**32 - 1),
        ("tokenizer.ggml.bos_token_id", 2**32 - 1),
        ("llama.block_count", 2**32 - 1),
        pytest.param("llama.block_count", 5, id="block_count-one-too-many"),
    ],
)
def test_absurd_hyperparameters_fail_fast(tmp_path, tiny_bytes, key, value):
    path = tmp_path / "hp.gguf"
    path.write_bytes(set_u32(tiny_bytes, key, value))
    with bounded(), pytest.raises(engine.ModelFileError):
        engine.validate(path)


# -- Files the validator accepts are safe to load ---------------------------------------------------


def test_files_the_validator_accepts_load_in_a_subprocess(tmp_path, tiny_bytes):
    """Replace one scalar metadata value of the tiny model with random bytes; load whatever passes."""
    rng = random.Random(20261122)
    fields = [f for f in layout(tiny_bytes) if f.kind == "value" and "[" not in f.label]
    assert {"llama.rope.freq_base", "llama.context_length"} <= {f.label for f in fields}
    accepted = []
    for i in range(120):
        field = rng.choice(fields)
        raw = rng.randbytes(field.size)
        path = tmp_path / f"mutant-{i}.gguf"
        path.write_bytes(tiny_bytes[: field.offset] + raw + tiny_bytes[field.end :])
        if validate_cleanly(path) is None:
            path.unlink()
        else:
            accepted.append(str(path))
    assert accepted  # changed norms, RoPE bases and flags pass; they must not crash llama.cpp
    script = textwrap.dedent(
        """
        import sys
        from llmterms import engine
        for path in sys.argv[1:]:
            try:
                with engine.load(path) as model:
                    model.generate("GGUF ≈ 🦙", max_new_tokens=3)
            except (engine.ModelFileError, ValueError, RuntimeError) as exc:
                print("refused:", exc)
        print("done", len(sys.argv) - 1)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *accepted], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stdout.rstrip().endswith(f"done {len(accepted)}")


# -- Arbitrary text into the readers of names, type names and RoPE options ---------------------------

# Every code point, including lone surrogates, NUL and other controls: a name is whatever the user typed.
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=200)


_NAME_LIKE = st.text(st.sampled_from("0123456789bBmMkKxXaAqQ_-./ :vV"), min_size=200, max_size=2000)


@settings(max_examples=100)
@given(text=st.one_of(_ANY_TEXT, _NAME_LIKE))
@example(text="\ud800-7B.gguf")
@example(text="0" * 3000 + "x")
@example(text="1." * 1500)
@example(text="-" * 2000 + "of-" * 300)
def test_names_never_raise_never_stall_and_serialize(text):
    started = time.process_time()
    parsed = naming.parse_model_name(text)
    assert time.process_time() - started < 0.5  # no regular expression backtracks badly
    assert parsed.raw == text
    json.dumps(parsed.as_dict())  # everything it returns can be printed with --json
    if parsed.parameters is not None:
        assert parsed.parameters >= 0  # "0B" says zero
    if parsed.active_parameters is not None and parsed.parameters is not None:
        assert parsed.active_parameters <= parsed.parameters or parsed.experts is None


@given(name=_ANY_TEXT)
@example(name="q4_k_m")
@example(name="Q4_K")
def test_type_lookups_raise_only_key_error(name):
    for lookup in (quant.quant_type, quant.file_type, quant.bits_per_weight):
        with contextlib.suppress(KeyError):
            lookup(name)


_OPTION_NAMES = st.sampled_from(
    [
        "alpha_value",
        "rope_freq_base",
        "--rope-freq-base",
        "compress_pos_emb",
        "scale_alpha_value",
        "yarn",
        "--rope-freq-scale",
        "rope_theta",
        "factor",
        "nope",
        "",
    ]
)


_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e308", "1e-320", "1e300", "-0", "0x10", "1_000", " 2 ", "nan", "inf"]),
    st.text(max_size=10),
)


def _parse_or_value_error(text: str) -> None:
    try:
        s = rope.parse_option(text, original_context=4096)
    except ValueError:
        return
    s.to_all()


@given(text=_ANY_TEXT)
def test_rope_options_raise_only_value_error_on_any_text(text):
    _parse_or_value_error(text)


@given(name=_OPTION_NAMES, number=_NUMBERS)
@example(name="alpha_value", number="1e308")
def test_rope_options_raise_only_value_error_on_any_number(name, number):
    _parse_or_value_error(f"{name}={number}")


@settings(max_examples=30)
@given(text=st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=40))
@example(text="-:")
def test_cli_rope_answers_in_one_line_or_a_table(text):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(["rope", "--from", text])
        except SystemExit as exit:  # argparse itself rejects a value that looks like an option ("-:")
            status = exit.code
            assert err.getvalue().startswith("llmterms rope: error: ")
    assert status in (0, 2)
    assert err.getvalue().count("\n") == (1 if status == 2 else 0)
    if status == 2 and not err.getvalue().startswith("llmterms rope: error: "):
        assert err.getvalue().startswith("llmterms: ")
        assert not out.getvalue()
