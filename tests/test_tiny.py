"""The shipped tiny model: its file, its quantized copies, its split and its training record."""

import subprocess
import sys
from pathlib import Path

import gguf
import pytest

from llmterms import engine, tiny


def test_f16_file_ships_with_the_package():
    path = tiny.path()
    assert path.parent == Path(tiny.__file__).parent
    assert 1_000_000 < path.stat().st_size < 5_000_000


def test_file_metadata():
    reader = gguf.GGUFReader(tiny.path())
    fields = {name: f.contents() for name, f in reader.fields.items()}
    assert fields["GGUF.version"] == 3
    assert fields["general.architecture"] == "llama"
    assert fields["tokenizer.ggml.model"] == "llama"
    assert fields["tokenizer.ggml.add_bos_token"] is True
    assert (fields["tokenizer.ggml.bos_token_id"], fields["tokenizer.ggml.eos_token_id"]) == (1, 2)
    assert fields["llama.context_length"] == 256
    n_params = sum(int(t.n_elements) for t in reader.tensors)
    assert 900_000 < n_params < 1_200_000
    types = {t.name: t.tensor_type.name for t in reader.tensors}
    assert types["blk.0.attn_q.weight"] == "F16" and types["blk.0.attn_norm.weight"] == "F32"


@pytest.mark.parametrize("quant", tiny.QUANT_TYPES)
def test_every_quant_type_loads_and_writes_text(quant):
    path = tiny.path(quant)
    assert path.name == f"llmterms-tiny-{quant}.gguf"
    reader = gguf.GGUFReader(path)
    assert {t.tensor_type.name for t in reader.tensors if len(t.shape) == 2} == {quant}
    with tiny.load(quant) as model:
        assert len(model.generate("The model", max_new_tokens=8)) > 5


def test_quantized_copies_are_cached_by_the_source_hash():
    path = tiny.path("Q5_1")
    assert tiny._source_digest()[:16] in path.parent.name
    assert tiny.path("q5_1") == path  # case does not matter
    mtime = path.stat().st_mtime_ns
    assert tiny.path("Q5_1").stat().st_mtime_ns == mtime  # not rewritten


def test_unknown_quant_type():
    with pytest.raises(ValueError, match="unknown quantization type 'Q3_K'"):
        tiny.path("Q3_K")


def test_load_passes_options():
    with tiny.load(context_length=64) as model:
        assert model.context_length == 64


def test_training_curve_went_down():
    lines = (Path(tiny.__file__).parent / "training_curve.tsv").read_text().splitlines()
    assert lines[0] == "step\ttrain_loss\tvalidation_loss"
    rows = [[float(x) for x in line.split("\t")] for line in lines[1:]]
    assert rows[-1][2] < rows[0][2] - 0.5
    assert rows[-1][2] < 3.5


def test_validation_split_is_stable_and_about_a_tenth():
    names = [f"glossary/category/{i}.md" for i in range(2000)]
    held = [n for n in names if tiny.is_validation(n)]
    assert held == [n for n in names if tiny.is_validation(n)]
    assert 150 < len(held) < 250


def test_corpus_files_skip_build_output(tmp_path):
    for name in [
        "glossary/a/x.md",
        "docs/01-intro.md",
        "docs/_build/html/x.md",
        "docs/.hidden/y.md",
        "docs/z.txt",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("text")
    found = [p.relative_to(tmp_path).as_posix() for p in tiny.corpus_files(tmp_path)]
    assert found == ["glossary/a/x.md", "docs/01-intro.md"]


def test_validation_text_is_held_out_prose():
    text = tiny.validation_text()
    assert len(text) > 10_000


def test_torch_and_sentencepiece_stay_out_of_the_runtime():
    script = (
        "import sys, llmterms, llmterms.tiny, llmterms.engine, llmterms.forward_pass, llmterms.perplexity\n"
        "from llmterms import tiny\n"
        "tiny.load().generate('x', max_new_tokens=2)\n"
        "print(sorted(m for m in ('torch', 'sentencepiece', 'ctransformers.hub') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_validate_accepts_the_shipped_file():
    shape = engine.validate(tiny.path())
    assert shape["context"] == 256
    assert shape["tokens"][:3] == ("<unk>", "<s>", "</s>")
