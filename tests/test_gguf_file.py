"""Tests for llmterms.gguf_file: inspection of real small files and clean failure on bad ones."""

import contextlib
import struct
import time

import gguf as pypi_gguf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import llmterms.gguf_file as lg
from llmterms.gguf_file import ArraySummary, GGUFError, inspect, validate


def write_model(path, vocab=40):
    w = pypi_gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(4096)
    w.add_embedding_length(32)
    w.add_block_count(1)
    w.add_head_count(4)
    w.add_head_count_kv(1)
    w.add_file_type(pypi_gguf.LlamaFileType.MOSTLY_Q8_0)
    w.add_token_list(["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(vocab - 3)])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_chat_template("{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}")
    w.add_tensor("token_embd.weight", np.zeros((vocab, 32), dtype=np.float32))
    q8 = np.zeros((32, 34), dtype=np.uint8)  # 32 rows of one Q8_0 block (34 bytes per 32 weights)
    w.add_tensor("blk.0.attn_q.weight", q8, raw_shape=(32, 34), raw_dtype=pypi_gguf.GGMLQuantizationType.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_model(tmp_path_factory.mktemp("gguf") / "tiny.gguf")


def test_module_uses_the_pypi_package():
    assert lg._gguf is pypi_gguf
    assert hasattr(lg._gguf, "GGUFReader")
    assert lg.__name__ == "llmterms.gguf_file"


def test_inspect_values(model):
    info = inspect(model)
    assert info.version == 3
    assert info.architecture == "llama"
    assert (info.context, info.hidden_size, info.n_layers) == (4096, 32, 1)
    assert (info.n_heads, info.n_kv_heads) == (4, 1)
    assert info.file_type == "MOSTLY_Q8_0"
    assert info.tensor_count == 2
    assert info.tensor_types == {"F32": (1, 40 * 32 * 4), "Q8_0": (1, 32 * 34)}
    assert info.parameter_count == 40 * 32 + 32 * 32
    assert info.bos_token == "<s>" and info.eos_token == "</s>" and info.add_bos_token is True
    assert info.chat_template.startswith("{{ bos_token }}")
    assert info.metadata["tokenizer.ggml.tokens"] == ArraySummary("STRING", 40)
    assert info.metadata["general.architecture"] == "llama"
    data = info.to_dict()
    assert data["metadata"]["tokenizer.ggml.tokens"] == {"type": "STRING", "length": 40}
    assert data["tensor_bytes"] == 40 * 32 * 4 + 32 * 34


def test_short_arrays_kept(tmp_path):
    path = tmp_path / "arr.gguf"
    w = pypi_gguf.GGUFWriter(str(path), "llama")
    w.add_array("test.short", [1, 2, 3])
    w.add_array("test.long", list(range(100)))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    meta = inspect(path).metadata
    assert meta["test.short"] == [1, 2, 3]
    assert meta["test.long"].length == 100


def header(version=3, n_tensors=0, n_kv=0):
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv)


def kv_string(key, value):
    k, v = key.encode(), value.encode()
    return struct.pack("<Q", len(k)) + k + struct.pack("<I", 8) + struct.pack("<Q", len(v)) + v


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated"),
        (b"GGML" + bytes(40), "not a GGUF file"),
        (header(version=1) + bytes(8), "unsupported GGUF version 1"),
        (header(version=4) + bytes(8), "unsupported GGUF version 4"),
        (header(n_kv=2**60), "metadata count"),
        (header(n_tensors=2**63), "tensor count"),
        (header(n_kv=1) + struct.pack("<Q", 2**40) + b"k", "larger than the file"),
        (header(n_kv=1) + struct.pack("<Q", 1) + b"k" + struct.pack("<IIQ", 9, 4, 2**50), "array length"),
        (
            header(n_kv=1) + struct.pack("<Q", 1) + b"k" + struct.pack("<I", 99) + bytes(8),
            "unknown value type",
        ),
        (header(n_kv=2) + kv_string("a", "x") + kv_string("a", "y"), "duplicate metadata key"),
        (header(n_kv=1) + struct.pack("<Q", 2) + b"\xff\xfe" + struct.pack("<I", 0) + b"\x00", "UTF-8"),
    ],
)
def test_bad_headers(tmp_path, data, message):
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(GGUFError, match=message) as err:
        inspect(path)
    assert str(path) in str(err.value)


def tensor_info(name, dims, ttype, offset):
    n = name.encode()
    return (
        struct.pack("<Q", len(n))
        + n
        + struct.pack("<I", len(dims))
        + struct.pack(f"<{len(dims)}Q", *dims)
        + (struct.pack("<IQ", ttype, offset))
    )


@pytest.mark.parametrize(
    ("info", "message"),
    [
        (tensor_info("w", [4, 4], 0, 0), "past the end of the file"),
        (tensor_info("w", [2**40, 2**40], 0, 0), "past the end of the file"),
        (tensor_info("w", [1, 1, 1, 1, 1], 0, 0), "5 dimensions"),
        (tensor_info("w", [4], 999, 0), "unknown ggml type"),
        (tensor_info("w", [4], 0, 3), "not aligned"),
        (tensor_info("w", [33], 8, 0), "block size"),
    ],
)
def test_bad_tensor_tables(tmp_path, info, message):
    path = tmp_path / "bad.gguf"
    body = header(n_tensors=1) + info
    path.write_bytes(body + bytes(-len(body) % 32) + bytes(16))
    with pytest.raises(GGUFError, match=message):
        validate(path)


def test_every_truncation_fails_cleanly(model):
    data = model.read_bytes()
    cut_points = sorted(set(range(0, 400)) | set(range(0, len(data), 97)))
    for n in cut_points:
        if n >= len(data):
            continue
        path = model.with_name(f"cut{n}.gguf")
        path.write_bytes(data[:n])
        with pytest.raises(GGUFError):
            inspect(path)
        path.unlink()


def test_missing_file(tmp_path):
    with pytest.raises(GGUFError, match="cannot read file"):
        inspect(tmp_path / "nope.gguf")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=400), prefix=st.sampled_from([b"", b"GGUF", header(), header(n_kv=3)]))
def test_random_bytes_never_crash(tmp_path, payload, prefix):
    path = tmp_path / "random.gguf"
    path.write_bytes(prefix + payload)
    start = time.perf_counter()
    with contextlib.suppress(GGUFError):
        inspect(path)
    assert time.perf_counter() - start < 1.0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_model_never_crashes(tmp_path, model, data):
    raw = bytearray(model.read_bytes())
    header_end = 600  # corrupt the header region, where every count and offset lives
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, min(header_end, len(raw)) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    path = tmp_path / "corrupt.gguf"
    path.write_bytes(bytes(raw))
    start = time.perf_counter()
    try:
        info = inspect(path)
        assert info.tensor_count <= 2
    except GGUFError:
        pass
    assert time.perf_counter() - start < 1.0
