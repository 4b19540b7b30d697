"""Tests for llmterms.naming on real repo ids and file names from Hugging Face.

Each name below is a repository (owner/name) or a file in one, as published on huggingface.co; the
last few are the examples of the GGUF naming convention in ggml's docs/gguf.md.
"""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmterms import naming
from llmterms.naming import ModelName, families, glossary_families, parse_model_name

REPO = Path(__file__).resolve().parents[1]

B = 10**9

CASES = [
    # TheBloke
    (
        "TheBloke/Llama-2-13B-chat-GGUF",
        dict(
            publisher="TheBloke",
            family="llama",
            version="2",
            size_label="13B",
            parameters=13 * B,
            variant="chat",
            file_format="gguf",
        ),
    ),
    (
        "TheBloke/Llama-2-7B-GGUF/llama-2-7b.Q4_K_M.gguf",
        dict(family="llama", size_label="7B", quantization="Q4_K_M", variant=None, file_format="gguf"),
    ),
    ("TheBloke/Llama-2-70B-GGUF/llama-2-70b.Q5_K_M.gguf", dict(size_label="70B", quantization="Q5_K_M")),
    ("TheBloke/Llama-2-70B-Chat-GGUF/llama-2-70b-chat.Q4_K_M.gguf", dict(variant="chat", parameters=70 * B)),
    (
        "TheBloke/Mistral-7B-v0.1-GGUF/mistral-7b-v0.1.Q4_K_M.gguf",
        dict(family="mistral", version="0.1", size_label="7B", quantization="Q4_K_M"),
    ),
    (
        "TheBloke/Mistral-7B-Instruct-v0.2-GGUF/mistral-7b-instruct-v0.2.Q5_K_M.gguf",
        dict(family="mistral", version="0.2", variant="instruct", quantization="Q5_K_M"),
    ),
    (
        "mixtral-8x7b-instruct-v0.1.Q4_0.gguf",
        dict(
            family="mixtral",
            version="0.1",
            size_label="8x7B",
            experts=8,
            parameters=46_700_000_000,
            variant="instruct",
            quantization="Q4_0",
            file_format="gguf",
            shard=None,
        ),
    ),
    (
        "TheBloke/Llama-2-7B-GGML/llama-2-7b.ggmlv3.q4_0.bin",
        dict(family="llama", version="2", quantization="Q4_0", file_format="ggml"),
    ),
    (
        "llama-2-7b.ggmlv3.q4_0.bin",
        dict(family="llama", size_label="7B", quantization="Q4_0", file_format="ggml"),
    ),
    ("TheBloke/Llama-2-7B-Chat-GPTQ", dict(family="llama", variant="chat", quantization="GPTQ")),
    ("TheBloke/Mistral-7B-Instruct-v0.2-AWQ", dict(family="mistral", variant="instruct", quantization="AWQ")),
    ("TheBloke/CodeLlama-7B-Instruct-GGUF", dict(family="llama", size_label="7B", variant="instruct")),
    ("TheBloke/CodeLlama-13B-GGUF", dict(family="llama", variant="code")),
    (
        "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
        dict(family="tinyllama", version="1.0", size_label="1.1B", parameters=1_100_000_000, variant="chat"),
    ),
    ("TheBloke/zephyr-7B-beta-GGUF", dict(family="zephyr", size_label="7B")),
    ("TheBloke/Yi-34B-GGUF", dict(family="yi", size_label="34B", file_format="gguf")),
    ("TheBloke/falcon-180B-chat-GGUF", dict(family="falcon", size_label="180B", variant="chat")),
    ("TheBloke/vicuna-13B-v1.5-GGUF", dict(family="vicuna", version="1.5", size_label="13B")),
    # bartowski
    (
        "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        dict(
            publisher="bartowski",
            family="llama",
            version="3.1",
            size_label="8B",
            variant="instruct",
            quantization="Q4_K_M",
        ),
    ),
    (
        "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/Meta-Llama-3.1-8B-Instruct-IQ2_XS.gguf",
        dict(quantization="IQ2_XS"),
    ),
    (
        "bartowski/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q6_K_L.gguf",
        dict(family="qwen", version="2.5", quantization="Q6_K_L"),
    ),
    (
        "bartowski/gemma-2-9b-it-GGUF/gemma-2-9b-it-Q4_K_M.gguf",
        dict(family="gemma", version="2", size_label="9B", variant="instruct"),
    ),
    (
        "bartowski/Mistral-Nemo-Instruct-2407-GGUF",
        dict(family="mistral", variant="instruct", size_label=None),
    ),
    (
        "bartowski/Phi-3.5-mini-instruct-GGUF/Phi-3.5-mini-instruct-Q4_K_M.gguf",
        dict(family="phi", version="3.5", size_label=None),
    ),
    (
        "bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q8_0.gguf",
        dict(version="3.2", size_label="3B", quantization="Q8_0"),
    ),
    ("bartowski/Qwen2.5-Coder-7B-Instruct-GGUF", dict(family="qwen", variant="instruct")),
    (
        "bartowski/DeepSeek-R1-Distill-Qwen-7B-GGUF/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf",
        dict(family="deepseek", version="R1", size_label="7B", variant="distill"),
    ),
    (
        "bartowski/Mistral-7B-Instruct-v0.3-GGUF/Mistral-7B-Instruct-v0.3-IQ4_XS.gguf",
        dict(quantization="IQ4_XS"),
    ),
    # unsloth
    (
        "unsloth/Qwen3-30B-A3B-GGUF/Qwen3-30B-A3B-UD-Q4_K_XL.gguf",
        dict(
            family="qwen",
            version="3",
            size_label="30B-A3B",
            parameters=30_500_000_000,
            active_parameters=3 * B,
            quantization="Q4_K_XL",
        ),
    ),
    ("Qwen3-30B-A3B-Q4_K_M.gguf", dict(size_label="30B-A3B", quantization="Q4_K_M", experts=None)),
    (
        "unsloth/llama-3-8b-bnb-4bit",
        dict(family="llama", version="3", quantization="BNB", bits_per_weight=4.0),
    ),
    (
        "unsloth/gpt-oss-20b-GGUF/gpt-oss-20b-F16.gguf",
        dict(family="gpt-oss", parameters=21 * B, quantization="F16"),
    ),
    ("unsloth/DeepSeek-R1-GGUF", dict(family="deepseek", version="R1", size_label=None)),
    ("unsloth/Llama-3.3-70B-Instruct-GGUF", dict(version="3.3", size_label="70B")),
    (
        "unsloth/gemma-3-27b-it-GGUF/gemma-3-27b-it-Q4_K_M.gguf",
        dict(family="gemma", version="3", variant="instruct"),
    ),
    # mradermacher
    (
        "mradermacher/Mistral-7B-v0.1-GGUF/Mistral-7B-v0.1.Q2_K.gguf",
        dict(publisher="mradermacher", quantization="Q2_K"),
    ),
    ("mradermacher/Mistral-7B-v0.1-GGUF/Mistral-7B-v0.1.IQ3_M.gguf", dict(quantization="IQ3_M")),
    (
        "mradermacher/Llama-2-13b-hf-GGUF/Llama-2-13b-hf.Q6_K.gguf",
        dict(family="llama", size_label="13B", quantization="Q6_K"),
    ),
    # EXL2
    (
        "turboderp/Llama-3-8B-Instruct-exl2",
        dict(publisher="turboderp", quantization="EXL2", variant="instruct"),
    ),
    ("turboderp/Mixtral-8x7B-instruct-exl2", dict(family="mixtral", experts=8, quantization="EXL2")),
    (
        "LoneStriker/Mixtral-8x7B-Instruct-v0.1-3.5bpw-h6-exl2",
        dict(quantization="EXL2", bits_per_weight=3.5, version="0.1"),
    ),
    # original publishers
    ("Qwen/Qwen2.5-7B-Instruct", dict(publisher="Qwen", family="qwen", version="2.5", size_label="7B")),
    ("Qwen/Qwen2.5-7B-Instruct-GGUF/qwen2.5-7b-instruct-q4_k_m.gguf", dict(quantization="Q4_K_M")),
    ("Qwen/Qwen2.5-7B-Instruct-GGUF/qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", dict(shard=(1, 2))),
    ("Qwen/Qwen3-30B-A3B", dict(size_label="30B-A3B", parameters=30_500_000_000)),
    ("Qwen/Qwen2-VL-7B-Instruct", dict(family="qwen", version="2", variant="instruct")),
    ("Qwen/QwQ-32B", dict(family="qwen", size_label="32B")),
    ("Qwen/Qwen2.5-72B-Instruct-AWQ", dict(size_label="72B", quantization="AWQ")),
    ("Qwen/Qwen1.5-7B-Chat", dict(version="1.5", variant="chat")),
    (
        "google/gemma-2-9b-it",
        dict(publisher="google", family="gemma", version="2", size_label="9B", variant="instruct"),
    ),
    ("google/gemma-7b", dict(family="gemma", version=None, size_label="7B")),
    ("google/gemma-2b-it", dict(version=None, size_label="2B", variant="instruct")),
    (
        "microsoft/Phi-3-mini-4k-instruct",
        dict(family="phi", version="3", context_hint="4k", variant="instruct", size_label=None),
    ),
    ("microsoft/Phi-3-mini-128k-instruct", dict(context_hint="128k")),
    ("microsoft/phi-2", dict(family="phi", version="2")),
    (
        "meta-llama/Meta-Llama-3.1-8B-Instruct",
        dict(
            publisher="meta-llama",
            family="llama",
            version="3.1",
            size_label="8B",
            parameters=8 * B,
            variant="instruct",
        ),
    ),
    ("meta-llama/Llama-2-7b-chat-hf", dict(version="2", size_label="7B", variant="chat")),
    ("meta-llama/Meta-Llama-3-70B-Instruct", dict(version="3", size_label="70B")),
    ("meta-llama/Llama-3.2-1B", dict(version="3.2", size_label="1B", variant=None)),
    ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", dict(family="tinyllama", version="1.0", size_label="1.1B")),
    (
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        dict(family="smollm", version="2", size_label="135M", parameters=135_000_000),
    ),
    ("HuggingFaceTB/SmolLM2-1.7B-Instruct", dict(size_label="1.7B", parameters=1_700_000_000)),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", dict(family="deepseek", version="R1", size_label="7B")),
    ("deepseek-ai/DeepSeek-V3", dict(family="deepseek", version="V3")),
    ("deepseek-ai/deepseek-coder-6.7b-instruct", dict(size_label="6.7B", variant="instruct")),
    ("openai/gpt-oss-20b", dict(publisher="openai", family="gpt-oss", size_label="20B", parameters=21 * B)),
    ("openai/gpt-oss-120b", dict(parameters=117 * B)),
    ("ggml-org/gpt-oss-20b-GGUF/gpt-oss-20b-mxfp4.gguf", dict(quantization="MXFP4")),
    ("mistralai/Mistral-7B-Instruct-v0.3", dict(version="0.3", variant="instruct")),
    ("mistralai/Mixtral-8x22B-Instruct-v0.1", dict(size_label="8x22B", experts=8, parameters=141 * B)),
    ("mistralai/Mixtral-8x7B-v0.1", dict(family="mixtral", parameters=46_700_000_000, variant=None)),
    ("tiiuae/falcon-7b-instruct", dict(family="falcon", size_label="7B", variant="instruct")),
    ("NousResearch/Hermes-2-Pro-Llama-3-8B-GGUF", dict(family="hermes", size_label="8B")),
    ("bigcode/starcoder2-15b", dict(family="starcoder", version="2", size_label="15B")),
    ("01-ai/Yi-1.5-34B-Chat", dict(family="yi", version="1.5", size_label="34B", variant="chat")),
    ("ibm-granite/granite-3.0-8b-instruct", dict(family="granite", version="3.0", size_label="8B")),
    ("allenai/OLMo-2-1124-7B-Instruct", dict(family="olmo", version="2", size_label="7B")),
    ("CohereForAI/c4ai-command-r-v01", dict(family="command-r", version="01")),
    ("microsoft/bitnet-b1.58-2B-4T", dict(family="bitnet", size_label="2B")),
    ("mlx-community/Meta-Llama-3-8B-Instruct-4bit", dict(file_format="mlx", bits_per_weight=4.0)),
    (
        "lmstudio-community/Meta-Llama-3-8B-Instruct-GGUF/Meta-Llama-3-8B-Instruct-Q4_K_M.gguf",
        dict(publisher="lmstudio-community", version="3", quantization="Q4_K_M"),
    ),
    ("openchat/openchat-3.5-0106", dict(family="openchat", version="3.5")),
    # plain file names
    ("model-00001-of-00004.safetensors", dict(family=None, file_format="safetensors", shard=(1, 4))),
    ("pytorch_model-00001-of-00002.bin", dict(file_format="pytorch", shard=(1, 2))),
    # the examples of ggml's GGUF naming convention
    (
        "Mixtral-8x7B-v0.1-KQ2.gguf",
        dict(family="mixtral", size_label="8x7B", experts=8, version="0.1", quantization="KQ2"),
    ),
    (
        "Grok-100B-v1.0-Q4_0-00003-of-00009.gguf",
        dict(family="grok", size_label="100B", version="1.0", quantization="Q4_0", shard=(3, 9)),
    ),
    ("Hermes-2-Pro-Llama-3-8B-F16.gguf", dict(size_label="8B", quantization="F16", file_format="gguf")),
    (
        "Phi-3-mini-3.8B-ContextLength4k-instruct-v1.0.gguf",
        dict(family="phi", size_label="3.8B", context_hint="4k", variant="instruct", kind=None),
    ),
    ("mmproj-Qwen2-VL-7B-v1.0-F16.gguf", dict(family="qwen", size_label="7B", kind="mmproj")),
    ("mtp-Qwen3-27B-v1.0-Q4_K_M.gguf", dict(size_label="27B", quantization="Q4_K_M", kind="mtp")),
    # EXL2 bit rates live in branches: a URL, a "repo:branch" spelling, or a branch without a dot
    (
        "https://huggingface.co/turboderp/CodeLlama-13B-instruct-exl2/tree/4.65bpw",
        dict(publisher="turboderp", quantization="EXL2", bits_per_weight=4.65, size_label="13B"),
    ),
    ("turboderp/CodeLlama-13B-instruct-exl2:4.65bpw", dict(quantization="EXL2", bits_per_weight=4.65)),
    ("latimar/Synthia-13B-exl2:4_625-bpw-h6", dict(quantization="EXL2", bits_per_weight=4.625)),
    # Ollama tags and release dates as versions
    (
        "llama3.1:8b-instruct-q4_K_M",
        dict(family="llama", version="3.1", size_label="8B", quantization="Q4_K_M"),
    ),
    ("qwen2.5:7b", dict(family="qwen", version="2.5", size_label="7B")),
    ("mistralai/Mistral-Nemo-Instruct-2407", dict(version="2407", variant="instruct")),
    ("Qwen/Qwen3-30B-A3B-Instruct-2507", dict(version="3", size_label="30B-A3B")),
]


def test_at_least_sixty_real_names():
    assert len(CASES) >= 60


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_real_names(name, expected):
    parsed = parse_model_name(name)
    got = {key: getattr(parsed, key) for key in expected}
    assert got == expected


def test_moe_totals_are_never_multiplied_out():
    # 8 x 7B would be 56B; Mixtral has 46.7B because the experts share attention and embeddings.
    assert parse_model_name("Mixtral-8x7B").parameters == 46_700_000_000
    # An unknown mixture gets no guess at all.
    assert parse_model_name("SomeMoE-4x3B-v1").parameters is None
    assert parse_model_name("SomeMoE-4x3B-v1").experts == 4


def test_fields_and_dict():
    m = parse_model_name("Grok-100B-v1.0-Q4_0-00003-of-00009.gguf")
    assert isinstance(m, ModelName)
    assert m.as_dict()["shard"] == [3, 9]
    with pytest.raises(AttributeError):
        m.family = "x"  # frozen


def test_family_table():
    assert {"llama", "mistral", "mixtral", "qwen", "gemma", "phi", "gpt-oss"} <= set(families())


@given(st.text())
def test_parse_never_raises(text):
    assert isinstance(parse_model_name(text), ModelName)


@given(
    st.lists(
        st.sampled_from(
            [
                "Llama",
                "-",
                "7B",
                "8x",
                "Q4_K_M",
                ".gguf",
                "v0.1",
                "00001-of-00002",
                "/",
                "A3B",
                "3.5bpw",
                "exl2",
                "it",
                ".bin",
                "ggml",
                "1.1",
                "k",
            ]
        ),
        max_size=12,
    )
)
def test_parse_never_raises_on_name_like_text(parts):
    parsed = parse_model_name("".join(parts))
    if parsed.shard is not None:
        assert 0 < parsed.shard[0] <= parsed.shard[1]


def test_gguf_type_component():
    assert parse_model_name("Llama-2-7b-chat-hf-LoRA-F16.gguf").kind == "lora"
    assert parse_model_name("Llama-3-8B-v1.0-vocab.gguf").kind == "vocab"
    assert parse_model_name("Llama-3-8B-Instruct-Q4_K_M.gguf").kind is None


def glossary_family_terms() -> set[str]:
    """The term of every entry in glossary/families/, read from its front matter."""
    import yaml

    terms = set()
    for path in sorted((REPO / "glossary" / "families").glob("*.md")):
        front_matter = path.read_text(encoding="utf-8").split("---\n")[1]
        terms.add(yaml.safe_load(front_matter)["term"])
    return terms


def test_every_glossary_entry_about_families_is_listed_once():
    """A new family entry must be added to data/families.toml (or to its kinds), and nothing listed there is gone."""
    assert set(glossary_families()) == glossary_family_terms()


@pytest.mark.parametrize("term", sorted(t for t, family in glossary_families().items() if family))
def test_the_parser_recognises_every_family_in_the_glossary(term):
    assert parse_model_name(term).family == glossary_families()[term]


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("EleutherAI/gpt-neox-20b", "gpt-neox"),
        ("EleutherAI/pythia-1.4b-deduped", "pythia"),
        ("bigscience/bloom-7b1", "bloom"),
        ("bigscience/bloomz-560m", "bloom"),
        ("EleutherAI/gpt-j-6b", "gpt-j"),
        ("mosaicml/mpt-7b-instruct", "mpt"),
        ("openai-community/gpt2-medium", "gpt-2"),
        ("google/flan-t5-xl", "t5"),
        ("google-bert/bert-base-uncased", "bert"),
        ("chavinlo/gpt4-x-alpaca", "alpaca"),
    ],
)
def test_earlier_families(name, family):
    assert parse_model_name(name).family == family


def test_a_bad_families_table_names_the_family_and_field(monkeypatch):
    from llmterms import naming

    monkeypatch.setattr(naming, "_table", lambda: {"llama": {"aliases": ["llama"], "alias": ["x"]}})
    naming._families.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"data/families.toml: \[llama\] has unknown field 'alias'"):
            naming.families()
    finally:
        monkeypatch.undo()
        naming._families.cache_clear()


# -- Properties on generated names ----------------------------------------------------------------

# A family the data file does not know, so the size comes from the label alone.
_UNKNOWN_FAMILY = "Zorblax"


@given(
    a=st.decimals(min_value="0.1", max_value="999", places=1),
    b=st.decimals(min_value="0.1", max_value="999", places=1),
    unit=st.sampled_from("MBT"),
)
def test_sizes_in_one_unit_are_ordered_like_their_numbers(a, b, unit):
    pa = naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{a}{unit}-Instruct.gguf").parameters
    pb = naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{b}{unit}-Instruct.gguf").parameters
    assert pa is not None and pb is not None
    assert (pa < pb) == (a < b) and (pa == pb) == (a == b)


@given(n=st.integers(1, 999))
def test_units_order_sizes(n):
    sizes = [naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{n}{u}").parameters for u in "MBT"]
    assert sizes == [n * 10**6, n * 10**9, n * 10**12]


@given(n=st.integers(1, 999), experts=st.integers(2, 64))
def test_expert_labels_are_never_multiplied_out(n, experts):
    parsed = naming.parse_model_name(f"{_UNKNOWN_FAMILY}-{experts}x{n}B-v0.1")
    assert parsed.experts == experts
    assert parsed.size_label == f"{experts}x{n}B"
    assert parsed.parameters is None  # unknown family: no published total to use
