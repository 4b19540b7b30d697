"""The loader: bad files fail cleanly, tokenization never overflows, generation is reproducible."""

import ast
import struct
import subprocess
import sys
import textwrap
import time

import gguf
import numpy as np
import pytest

from llmterms import engine, llama_gguf, quant_table, tiny
from llmterms.engine import ModelFileError


@pytest.fixture(scope="module")
def good_bytes():
    return tiny.path().read_bytes()


def write(tmp_path, data, name="bad.gguf"):
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def assert_rejected(path, fragment):
    with pytest.raises(ModelFileError, match=fragment) as info:
        engine.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def array_count_offset(data: bytes, key: bytes) -> int:
    """Offset of the u64 item count of the array stored under *key*."""
    return data.index(key) + len(key) + 4 + 4


# -- bad files --------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 3, 4, 8, 23, 24, 100, 5000, 40_000])
def test_truncated_header_or_metadata(tmp_path, good_bytes, length):
    assert_rejected(write(tmp_path, good_bytes[:length]), "truncated")


def test_truncated_tensor_data(tmp_path, good_bytes):
    assert_rejected(write(tmp_path, good_bytes[:-1]), "runs past the end of the file")


def test_bad_magic(tmp_path, good_bytes):
    assert_rejected(write(tmp_path, b"GGML" + good_bytes[4:]), "not a GGUF file")


@pytest.mark.parametrize("version", [0, 1, 4, 2**32 - 1])
def test_wrong_version(tmp_path, good_bytes, version):
    data = bytearray(good_bytes)
    data[4:8] = struct.pack("<I", version)
    assert_rejected(write(tmp_path, data), f"GGUF version {version} is not supported")


@pytest.mark.parametrize(("offset", "what"), [(8, "tensor count"), (16, "metadata count")])
@pytest.mark.parametrize("count", [2**63, 2**40, 10**6])
def test_huge_header_counts(tmp_path, good_bytes, offset, what, count):
    data = bytearray(good_bytes)
    data[offset : offset + 8] = struct.pack("<Q", count)
    assert_rejected(write(tmp_path, data), f"{what} is {count}, more than the rest of the file can hold")


def test_huge_string_length(tmp_path, good_bytes):
    data = bytearray(good_bytes)
    data[24:32] = struct.pack("<Q", 2**62)  # the length of the first metadata key
    assert_rejected(write(tmp_path, data), "truncated: metadata key 0")


def test_huge_array_count(tmp_path, good_bytes):
    data = bytearray(good_bytes)
    at = array_count_offset(good_bytes, b"tokenizer.ggml.tokens")
    data[at : at + 8] = struct.pack("<Q", 2**61)
    assert_rejected(write(tmp_path, data), "item count of tokenizer.ggml.tokens is 2305843009213693952")


def test_shorter_array_count_is_caught_downstream(tmp_path, good_bytes):
    data = bytearray(good_bytes)
    at = array_count_offset(good_bytes, b"tokenizer.ggml.scores")
    data[at : at + 8] = struct.pack("<Q", 1000)
    with pytest.raises(ModelFileError):
        engine.load(write(tmp_path, data))


def test_file_that_does_not_exist(tmp_path):
    assert_rejected(tmp_path / "missing.gguf", "no such file")


def test_not_a_model_at_all(tmp_path):
    assert_rejected(write(tmp_path, b"hello world, this is text and not a model" * 10), "not a GGUF file")


# Small synthetic files for the semantic checks, written with gguf's own writer.


def synthetic(tmp_path, *, arch="llama", drop=(), reshape=None, retype=None, extra=None):
    """Copy the tiny model, changing one thing."""
    reader = gguf.GGUFReader(tiny.path())
    path = tmp_path / "synthetic.gguf"
    writer = gguf.GGUFWriter(path, arch)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture" or name in drop:
            continue
        value = field.contents()
        if name.startswith("llama."):
            name = name.replace("llama.", f"{arch}.", 1)
        vtype = field.types[0]
        if retype and name in retype:
            vtype = retype[name]
        sub_type = field.types[-1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, value, vtype, sub_type=sub_type)
    for key, (value, vtype) in (extra or {}).items():
        writer.add_key_value(key, value, vtype)
    for tensor in reader.tensors:
        if tensor.name in drop:
            continue
        data = np.asarray(tensor.data)
        if reshape and tensor.name in reshape:
            data = data[: reshape[tensor.name]]
        writer.add_tensor(tensor.name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_synthetic_copy_is_accepted(tmp_path):
    with engine.load(synthetic(tmp_path)) as m:
        assert m.vocab_size == 1024


def test_wrong_architecture(tmp_path):
    assert_rejected(synthetic(tmp_path, arch="gpt2"), "architecture is 'gpt2'; this loader runs only 'llama'")


def test_missing_tensor(tmp_path):
    assert_rejected(
        synthetic(tmp_path, drop=("blk.3.ffn_up.weight",)), "tensor blk.3.ffn_up.weight is missing"
    )


def test_wrong_tensor_shape(tmp_path):
    path = synthetic(tmp_path, reshape={"blk.0.attn_q.weight": 64})
    assert_rejected(path, r"tensor blk.0.attn_q.weight has shape \[128, 64\], expected \[128, 128\]")


def test_missing_metadata(tmp_path):
    assert_rejected(
        synthetic(tmp_path, drop=("llama.block_count",)), "metadata key llama.block_count is missing"
    )


def test_metadata_of_the_wrong_type(tmp_path):
    path = synthetic(tmp_path, retype={"llama.block_count": gguf.GGUFValueType.INT32})
    assert_rejected(path, "metadata key llama.block_count has type")


def test_token_id_outside_the_vocabulary(tmp_path):
    path = synthetic(
        tmp_path,
        drop=("tokenizer.ggml.eos_token_id",),
        extra={"tokenizer.ggml.eos_token_id": (5000, gguf.GGUFValueType.UINT32)},
    )
    assert_rejected(path, "tokenizer.ggml.eos_token_id is 5000, outside the vocabulary of 1024")


def test_mutated_headers_never_crash(tmp_path):
    """Flip random bytes in the metadata and tensor table; every outcome must be a clean one."""
    script = textwrap.dedent(
        f"""
        import random, pathlib
        from llmterms import engine, tiny
        data = tiny.path().read_bytes()
        # The token strings fill most of the metadata; aim half the mutations elsewhere (header,
        # other keys, scores and types, tensor table) so that those are hit too.
        tokens, scores = data.index(b"tokenizer.ggml.tokens"), data.index(b"tokenizer.ggml.scores")
        end = data.index(b"blk.0.attn_norm.weight") + 2000  # past the tensor table
        rng = random.Random(1)
        path = pathlib.Path({str(tmp_path)!r}) / "mutant.gguf"
        outcomes = {{"rejected": 0, "loaded": 0}}
        for i in range(400):
            mutant = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                if i % 2:
                    at = rng.randrange(tokens, scores)
                else:
                    at = rng.choice([rng.randrange(tokens), rng.randrange(scores, end)])
                mutant[at] = rng.randrange(256)
            path.write_bytes(mutant)
            try:
                with engine.load(path) as model:
                    model.generate("Ünïcode text", max_new_tokens=4)
                outcomes["loaded"] += 1
            except (engine.ModelFileError, ValueError):
                outcomes["rejected"] += 1
        print(outcomes)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    outcomes = ast.literal_eval(result.stdout)
    assert outcomes["rejected"] > 100 and outcomes["loaded"] > 20, outcomes


# -- tokenization -----------------------------------------------------------------------------------


def test_non_ascii_text_never_overflows():
    """Byte-fallback text has more tokens than characters; run it many times and collect garbage."""
    script = textwrap.dedent(
        """
        import gc
        from llmterms import tiny
        texts = ["🦙" * 200, "≈θ∑∂" * 300, "日本語のテキスト" * 100, "e\\u0301" * 500, "\\U0001F600\\u200d" * 150]
        with tiny.load() as model:
            for round in range(30):
                for text in texts:
                    ids = model.tokenize(text)
                    assert len(ids) > len(text), (len(ids), len(text))
                    assert model.detokenize(ids) == text
                gc.collect()
            print(model.generate("🦙🦙 ≈", max_new_tokens=8) is not None)
        """
    )
    for _ in range(3):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == "True"


def test_emoji_pieces_are_bytes(model):
    assert model.pieces("🦙") == ["▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]


def test_nul_is_refused(model):
    with pytest.raises(ValueError, match="NUL"):
        model.tokenize("a\0b")


@pytest.mark.parametrize("text", ["", " ", "  two  spaces ", "tab\there", "line\nbreak\n\n", "GGUF ≈ 🦙"])
def test_round_trip(model, text):
    assert model.detokenize(model.tokenize(text)) == text


def test_tokenize_without_bos(model):
    assert model.tokenize("model", add_bos=False) == model.tokenize("model")[1:]


# -- evaluation and generation ----------------------------------------------------------------------


def test_logits_rows_match_last_position(model):
    ids = model.tokenize("The context length of a model")
    full = model.logits(ids)
    tail = model.logits(ids, first=4)
    assert full.shape == (len(ids), 1024)
    np.testing.assert_allclose(full[4:], tail, atol=1e-3)


def test_context_overflow_is_refused(model):
    with pytest.raises(ValueError, match="exceed the context length of 256"):
        model.logits([model.bos_id] * 257)


def test_out_of_range_token_is_refused(model):
    with pytest.raises(ValueError, match="token ids must be between 0 and 1023"):
        model.logits([1, 5000])


def test_greedy_is_reproducible_across_processes():
    script = "from llmterms import tiny; m = tiny.load(); print(repr(m.generate('The KV cache', max_new_tokens=40)))"
    outputs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(outputs) == 1
    assert len(outputs.pop()) > 20


def test_sampling_is_reproducible_with_a_seed(model):
    kwargs = {"max_new_tokens": 20, "temperature": 0.9, "top_k": 40, "top_p": 0.95}
    assert model.generate("Memory", seed=3, **kwargs) == model.generate("Memory", seed=3, **kwargs)
    samples = {model.generate("Memory", seed=s, **kwargs) for s in range(5)}
    assert len(samples) > 1


def test_builds_agree_on_greedy_text():
    """Logits differ in the third decimal between builds; greedy text must not."""
    texts = set()
    for build in engine.runnable_builds():
        with tiny.load(lib=build) as m:
            texts.add(m.generate("Quantization", max_new_tokens=24))
    assert len(texts) == 1


def test_unknown_option():
    with pytest.raises(TypeError, match="unknown options: temperature"):
        tiny.load(temperature=0.5)


def test_closed_model_refuses_work():
    m = tiny.load()
    m.close()
    m.close()  # closing twice is harmless
    with pytest.raises(ValueError, match="closed"):
        m.logits([1])


def test_load_is_fast():
    tiny.load().close()  # warm the imports and the library
    started = time.perf_counter()
    for _ in range(5):
        tiny.load().close()
    assert (time.perf_counter() - started) / 5 < 0.1


def test_library_choice_reads_cpuinfo(monkeypatch):
    monkeypatch.delenv(engine.ENVIRONMENT_VARIABLE, raising=False)
    flags = engine._cpu_flags()
    expected = "avx2" if "avx2" in flags else "avx" if {"avx", "f16c"} <= flags else "basic"
    assert engine.chosen_build() == expected
    assert engine.library_path().parent.name == expected
    assert engine.library_path().is_file()


def test_runnable_types_are_in_the_type_table():
    # Their block sizes come from data/quant_types.toml, checked against gguf-py in test_gguf_file.py.
    assert len(llama_gguf._RUNNABLE_TYPES) == 12
    for name in llama_gguf._RUNNABLE_TYPES:
        q = quant_table.quant_type(name)
        assert gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]] == (q.block_size, q.type_size)


# -- choosing the engine ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["avx2", "avx", "basic", "none"])
def test_the_variable_chooses_the_engine(monkeypatch, value):
    monkeypatch.setenv("LLMTERMS_CTRANSFORMERS_LIB", value)
    assert engine.chosen_build() == value


@pytest.mark.parametrize("value", ["AVX2", "avx512", "numpy", " basic"])
def test_an_unknown_value_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("LLMTERMS_CTRANSFORMERS_LIB", value)
    with pytest.raises(ValueError, match=f"LLMTERMS_CTRANSFORMERS_LIB is {value!r}; expected one of"):
        tiny.load()


@pytest.mark.parametrize("build", ["avx2", "avx", "basic"])
def test_each_build_runs_when_named(monkeypatch, build):
    if build not in engine.runnable_builds():
        # Shown in the summary (-ra); CI's tox -e doctest-avx2, -avx and -basic fail where a build cannot run.
        pytest.skip(f"this machine cannot run ctransformers' {build} library")
    monkeypatch.setenv("LLMTERMS_CTRANSFORMERS_LIB", build)
    with tiny.load() as m:
        assert m.engine == build
        assert m.generate("A GGUF file", max_new_tokens=8) == ", so that is the model's"


def test_none_runs_the_numpy_forward_pass_with_one_notice(monkeypatch, capsys):
    monkeypatch.setenv("LLMTERMS_CTRANSFORMERS_LIB", "none")
    monkeypatch.setattr(engine, "_noticed", set())
    for _ in range(3):
        with tiny.load() as m:
            assert m.engine == "numpy"
    err = capsys.readouterr().err
    assert err == (
        "llmterms: LLMTERMS_CTRANSFORMERS_LIB=none: models run on the numpy forward pass "
        "(llmterms.forward_pass)\n"
    )


def foreign_library(tmp_path):
    """ctransformers' basic library relabelled as an ARM64 one: what Linux on ARM finds in the wheel."""
    data = bytearray(engine.library_path("basic").read_bytes())
    if sys.platform == "linux":
        assert data[:4] == b"\x7fELF"
        data[18:20] = (183).to_bytes(2, "little")  # e_machine: x86-64 (62) becomes AArch64 (183)
    else:
        data[:4] = b"\0\0\0\0"
    path = tmp_path / "basic" / engine.library_path("basic").name
    path.parent.mkdir()
    path.write_bytes(data)
    return path


def test_falls_back_where_no_library_loads(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LLMTERMS_CTRANSFORMERS_LIB", raising=False)
    foreign = foreign_library(tmp_path)
    monkeypatch.setattr(engine, "library_path", lambda build=None: foreign)
    monkeypatch.setattr(engine, "_noticed", set())
    with tiny.load() as m, tiny.load() as again:
        assert m.engine == again.engine == "numpy"
        assert m.generate("A GGUF file", max_new_tokens=8) == ", so that is the model's"
    err = capsys.readouterr().err
    assert err.startswith("llmterms: no ctransformers library loads here (OSError: ")
    assert err.endswith("models run on the numpy forward pass (llmterms.forward_pass)\n")
    assert err.count("\n") == 1


def test_falls_back_where_ctransformers_is_missing(monkeypatch, capsys):
    monkeypatch.delenv("LLMTERMS_CTRANSFORMERS_LIB", raising=False)
    monkeypatch.setattr(engine.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(engine, "_noticed", set())
    with tiny.load() as m:
        assert m.engine == "numpy"
    assert "(ImportError: ctransformers is not installed)" in capsys.readouterr().err


def test_a_named_build_that_cannot_load_is_an_error(monkeypatch, tmp_path):
    """Asked for by name, the build must run: CI would otherwise test the fallback twice and say nothing."""
    monkeypatch.setenv("LLMTERMS_CTRANSFORMERS_LIB", "basic")
    foreign = foreign_library(tmp_path)
    monkeypatch.setattr(engine, "library_path", lambda build=None: foreign)
    with pytest.raises(OSError):
        tiny.load()


@pytest.fixture(scope="module")
def numpy_model():
    with tiny.load(lib="none") as m:
        yield m


@pytest.fixture(scope="module")
def library_model():
    if not engine.runnable_builds():
        pytest.skip("no ctransformers library runs on this machine: nothing to compare the numpy engine with")
    with tiny.load(lib=engine.runnable_builds()[-1]) as m:
        yield m


def test_numpy_engine_answers_like_the_library(numpy_model, library_model):
    c = library_model
    assert (numpy_model.vocab_size, numpy_model.bos_id, numpy_model.eos_id) == (
        c.vocab_size,
        c.bos_id,
        c.eos_id,
    )
    for text in ["GGUF file", "≈ 🦙", "  two  spaces", tiny.validation_text()[:3000]]:
        assert numpy_model.tokenize(text) == c.tokenize(text)
        assert numpy_model.pieces(text) == c.pieces(text)
        assert numpy_model.detokenize(c.tokenize(text)) == c.detokenize(c.tokenize(text))
    ids = c.tokenize(tiny.validation_text()[:2000])[:200]
    ours, theirs = numpy_model.logits(ids, first=50), c.logits(ids, first=50)
    assert ours.shape == theirs.shape == (150, 1024) and ours.dtype == theirs.dtype == np.float32
    assert np.abs(ours - theirs).max() < 0.05
    for prompt in ("A GGUF file", "The KV cache", "Perplexity", "Quantization"):
        assert numpy_model.generate(prompt, max_new_tokens=24) == c.generate(prompt, max_new_tokens=24)


def test_numpy_engine_keeps_the_limits(numpy_model):
    with pytest.raises(ValueError, match="exceed the context length of 256"):
        numpy_model.logits([1] * 257)
    with pytest.raises(ValueError, match="token ids must be between 0 and 1023"):
        numpy_model.logits([1, 5000])
    with tiny.load(lib="none") as m:
        pass
    with pytest.raises(ValueError, match="closed"):
        m.generate("GGUF")


def test_a_build_the_cpu_cannot_run_is_refused(monkeypatch):
    """Loaded anyway, the library would kill the process at its first AVX2 instruction."""
    monkeypatch.setattr(engine, "_cpu_flags", lambda: frozenset({"fpu", "sse2", "avx"}))
    monkeypatch.setenv("LLMTERMS_CTRANSFORMERS_LIB", "avx2")
    with pytest.raises(RuntimeError, match="avx2 library needs avx2, which this CPU lacks"):
        tiny.load()
    with pytest.raises(RuntimeError, match="avx library needs f16c, which this CPU lacks"):
        tiny.load(lib="avx")
    assert engine.chosen_build() == "avx2"
    monkeypatch.delenv("LLMTERMS_CTRANSFORMERS_LIB")
    assert engine.chosen_build() == "basic"


def test_generation_samples_by_the_transformers_chain():
    """Model.generate draws from what sampling.apply_chain gives in transformers' order, nothing of its own."""
    from llmterms import sampling

    logits = np.random.default_rng(0).normal(size=1024).astype(np.float32) * 3
    settings = sampling.SamplerSettings(temperature=0.7, top_k=40, top_p=0.9, min_p=0.0, repeat_penalty=1.0)
    with np.errstate(divide="ignore"):
        chain = np.log(sampling.apply_chain(logits, settings, "transformers"))
    ours, theirs = np.random.default_rng(5), np.random.default_rng(5)
    drawn = [engine._choose(logits, 0.7, 40, 0.9, ours) for _ in range(200)]
    assert drawn == [sampling.sample(chain, theirs) for _ in range(200)]
    assert 1 < len(set(drawn)) <= 40
