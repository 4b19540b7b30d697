"""Tests for llmterms.options: the map's data and its lookups."""

from pathlib import Path

import pytest

from llmterms import glossary
from llmterms import options as p

REPO = Path(__file__).resolve().parents[1]


def test_tools_and_sources():
    assert p.TOOLS == (
        "llamacpp",
        "llama_cpp_python",
        "ctransformers",
        "webui",
        "exllamav2",
        "transformers",
        "ollama",
    )
    for tool in p.tools().values():
        assert tool.source.startswith("https://github.com/")


def test_examples_from_the_issue():
    assert [c.term for c in p.lookup("-ngl")] == ["GPU offloading"]
    assert p.for_term("GPU offloading").names["llama_cpp_python"] == ("n_gpu_layers",)
    assert p.for_term("Context window").name_in("ctransformers") == "context_length"
    assert p.for_term("Temperature").name_in("llamacpp") == "--temp"
    assert p.for_term("Repetition penalty").name_in("exllamav2") == "token_repetition_penalty"
    assert p.for_term("rope_freq_base").name_in("transformers") == "rope_theta"


def test_missing_key_means_unsupported():
    assert p.for_term("alpha_value").name_in("llamacpp") is None
    assert p.for_term("Min-p sampling").name_in("ctransformers") is None


def test_lookup_ignores_dashes_and_case():
    assert [c.key for c in p.lookup("--N-GPU-LAYERS")] == ["gpu_layers"]
    assert p.lookup("") == []


def test_keys_unique_and_every_concept_named_somewhere():
    keys = [c.key for c in p.concepts()]
    assert len(keys) == len(set(keys))
    assert all(c.names for c in p.concepts())
    assert len(keys) >= 19


def test_no_option_name_points_to_two_unrelated_settings():
    # rope_scaling (transformers) legitimately covers two rows; nothing else may.
    seen = {}
    for c in p.concepts():
        for names in c.names.values():
            for n in names:
                seen.setdefault(p._normal(n), set()).add(c.key)
    clashes = {n: ks for n, ks in seen.items() if len(ks) > 1}
    assert clashes == {"rope_scaling": {"rope_linear_scale", "rope_scaling_type"}}


def test_terms_are_glossary_terms():
    """Each setting names the glossary entry it belongs to by that entry's term, not an alias."""
    terms = {entry.term for entry in glossary.load(REPO / "glossary")}
    assert [c.term for c in p.concepts() if c.term not in terms] == []


def test_unknown_tool():
    with pytest.raises(ValueError):
        p.for_term("Seed").name_in("vllm")


def test_every_concept_has_a_group_and_tables_split_by_it():
    assert {c.group for c in p.concepts()} == set(p.GROUPS)
    everything = p.table()
    assert len(everything) == len(p.concepts())
    assert len(p.sampling_table()) + len(p.rope_table()) + len(p.table("loading")) == len(everything)
    with pytest.raises(ValueError):
        p.table("bogus")


def test_sampling_table_names():
    rows = {r["setting"]: r for r in p.sampling_table()}
    assert rows["Top-k"]["llamacpp"] == "--top-k"
    assert rows["Frequency penalty"]["exllamav2"] == "token_frequency_penalty"
    assert rows["Presence penalty"]["transformers"] is None
    assert rows["Mirostat"]["llama_cpp_python"] == "mirostat_mode"
    assert set(rows["Seed"]) == {"setting", "term", "group", *p.TOOLS}


def test_rope_table_names():
    rows = {r["setting"]: r for r in p.rope_table()}
    assert rows["RoPE linear scaling"]["exllamav2"] == "scale_pos_emb"
    assert rows["NTK alpha"]["llamacpp"] is None
    assert rows["YaRN original context"]["transformers"] == "original_max_position_embeddings"
