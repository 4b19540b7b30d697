"""Read what a model's repo id or file name says: family, size, fine-tune, quantization, format, shard.

Names on model hubs follow habits more than rules. GGUF has a written convention,
``<BaseName>-<SizeLabel>-<FineTune>-<Version>-<Encoding>-<Type>-<Shard>.gguf`` (ggml's docs/gguf.md),
but most files predate it or bend it. :func:`parse_model_name` reads the common habits and leaves a
field ``None`` when the name does not say; it never raises. Families come from data/families.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from llmterms import data

__all__ = ["ModelName", "families", "glossary_families", "parse_model_name"]


@dataclass(frozen=True)
class ModelName:
    """The parts of a model name; a part the name does not state is ``None``.

    ``kind`` is ``None`` for an ordinary model and otherwise names what else the file is: a GGUF
    sidecar (``"mmproj"``, ``"mtp"``) or type (``"lora"``, ``"vocab"``).

    ``parameters`` is the total weight count the size label implies: "7B" gives 7e9 (the nominal
    figure; Llama-2 7B really has 6.74e9). A mixture-of-experts label such as "8x7B" is *not*
    multiplied out, because experts share attention and embedding weights: its total comes from
    data/families.toml when known (Mixtral 8x7B: 46.7e9) and is ``None`` otherwise.

    >>> m = parse_model_name("TheBloke/Llama-2-13B-chat-GGUF")
    >>> m.publisher, m.family, m.version, m.size_label, m.variant, m.file_format
    ('TheBloke', 'llama', '2', '13B', 'chat', 'gguf')
    """

    raw: str
    publisher: str | None = None
    family: str | None = None
    version: str | None = None
    size_label: str | None = None
    parameters: int | None = None
    active_parameters: int | None = None
    experts: int | None = None
    variant: str | None = None
    quantization: str | None = None
    bits_per_weight: float | None = None
    file_format: str | None = None
    shard: tuple[int, int] | None = None
    context_hint: str | None = None
    kind: str | None = None

    def as_dict(self) -> dict:
        """The fields as a plain dict (for JSON output).

        >>> parse_model_name("Qwen3-30B-A3B-Q4_K_M.gguf").as_dict()["size_label"]
        '30B-A3B'
        """
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


# The fields a family's table may have (data/families.toml explains each).
_FAMILY_FIELDS = {"aliases", "publishers", "entries", "totals", "totals_source"}


@cache
def _table() -> dict:
    return data.read("families.toml")


@cache
def _families() -> dict[str, dict]:
    rows = {name: row for name, row in _table().items() if isinstance(row, dict)}
    for name, row in rows.items():
        unknown = sorted(set(row) - _FAMILY_FIELDS)
        if unknown:
            raise ValueError(f"data/families.toml: [{name}] has unknown field {unknown[0]!r}")
        for alias in row.get("aliases", []):
            if not isinstance(alias, str) or alias != alias.lower() or not alias:
                raise ValueError(f"data/families.toml: [{name}] aliases: {alias!r} is not a lowercase name")
    return rows


def families() -> list[str]:
    """Canonical family names known to the parser.

    >>> families()[:4]
    ['llama', 'tinyllama', 'mistral', 'mixtral']
    """
    return list(_families())


def glossary_families() -> dict[str, str | None]:
    """Map each glossary entry about model families to the family it names, or None for a kind of model.

    The glossary's ``families`` category holds both: an entry such as "GPT-NeoX" describes a family the
    parser can find in a name, "Base model" a kind of model that any family can come as.

    >>> entries = glossary_families()
    >>> entries["GPT-NeoX"], entries["Llama 3"], entries["Base model"]
    ('gpt-neox', 'llama', None)
    """
    out: dict[str, str | None] = dict.fromkeys(_table().get("kinds", []))
    for name, row in _families().items():
        for term in row.get("entries", []):
            if term in out:
                raise ValueError(f"data/families.toml: [{name}] entries: {term!r} is listed twice")
            out[term] = name
    return out


_SEP = r"[-_.\s/]"
_SCALE = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}

_EXTENSIONS = {
    ".gguf": "gguf",
    ".safetensors": "safetensors",
    ".bin": "pytorch",
    ".pt": "pytorch",
    ".pth": "pytorch",
    ".ckpt": "pytorch",
    ".onnx": "onnx",
    ".llamafile": "llamafile",
    ".ggml": "ggml",
}
# Repo-name suffixes that name a file format or a quantization method.
_REPO_FORMATS = {"gguf": "gguf", "ggml": "ggml", "mlx": "mlx", "onnx": "onnx"}
_METHODS = {"gptq": "GPTQ", "awq": "AWQ", "exl2": "EXL2", "exl3": "EXL3", "hqq": "HQQ", "aqlm": "AQLM"}

_GGML_TYPE = re.compile(
    r"(?<![A-Za-z0-9])(?:UD-)?"
    r"((?:I?Q[1-8]_(?:K(?:_(?:XXS|XS|S|M|L|XL))?|[01]|XXS|XS|S|M|NL|XL))|TQ[12]_0|MXFP4(?:_MOE)?|BF16|FP16|FP32|F16|F32)"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_SHARD = re.compile(r"(?<!\d)(\d{1,5})-of-(\d{1,5})(?!\d)", re.IGNORECASE)
_PART = re.compile(r"\.part(\d+)of(\d+)$", re.IGNORECASE)
_SIZE = re.compile(
    r"(?<![A-Za-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)([BMT])(?:-A(\d+(?:\.\d+)?)([BM]))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_CONTEXT = re.compile(r"(?:(?<![A-Za-z0-9.])|(?<=contextlength))(\d+)k(?![A-Za-z0-9])", re.IGNORECASE)
# "4.65bpw", and "4_625-bpw" where a branch name could not hold a dot.
_BPW = re.compile(r"(?<![A-Za-z0-9._])(\d+(?:[._]\d+)?)[-_]?bpw(?![A-Za-z])", re.IGNORECASE)
_BITS = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)[-_]?bits?(?![A-Za-z])", re.IGNORECASE)
_INT = re.compile(r"(?<![A-Za-z0-9])(int[48]|fp8|nf4)(?![A-Za-z0-9])", re.IGNORECASE)
_VERSION = re.compile(r"(?<![A-Za-z0-9])v(\d+(?:\.\d+)*)(?![A-Za-z0-9])", re.IGNORECASE)
# A release date as YYMM ("Mistral-Nemo-Instruct-2407", "Qwen3-30B-A3B-Instruct-2507").
_DATE = re.compile(r"(?<![A-Za-z0-9.])(2[3-9](?:0[1-9]|1[0-2]))(?![A-Za-z0-9.])")
# GGUF sidecar prefixes and file types from the naming convention, plus the common adapter spelling.
_SIDECARS = ("mmproj", "mtp")
_KINDS = {"lora": "lora", "vocab": "vocab"}

# Fine-tune words, in priority order: an instruct or chat tune says more than the base family.
_VARIANTS = [
    ("instruct", ("instruct", "inst", "it", "sft")),
    ("chat", ("chat",)),
    ("code", ("code", "coder", "codellama", "codegemma", "codeqwen", "starcoder")),
    ("math", ("math",)),
    ("vision", ("vision", "vl")),
    ("distill", ("distill",)),
    ("base", ("base", "pretrained")),
]


def _strip_extension(name: str) -> tuple[str, str | None]:
    lowered = name.lower()
    for ext, fmt in _EXTENSIONS.items():
        if lowered.endswith(ext):
            stem = name[: -len(ext)]
            if fmt == "pytorch" and "ggml" in lowered:
                fmt = "ggml"  # llama.cpp's files before GGUF were .bin
            return stem, fmt
    if m := _PART.search(name):
        return _strip_extension(name[: m.start()])
    return name, None


def _find_family(text: str) -> tuple[str | None, int, int]:
    lowered = text.lower()
    best: tuple[int, int, str] | None = None  # (start, -length, family)
    for family, row in _families().items():
        for alias in row.get("aliases", []):
            for m in re.finditer(r"(?<![a-z])" + re.escape(alias) + r"(?![a-z])", lowered):
                key = (m.start(), -len(alias), family)
                if best is None or key < best:
                    best = key
    if best is None:
        return None, -1, -1
    return best[2], best[0], best[0] - best[1]


def _family_version(text: str, end: int) -> str | None:
    # "Llama-2-7b", "Meta-Llama-3.1-8B", "Qwen2.5-7B", "gemma-2-9b", "DeepSeek-R1": a number right
    # after the family name, that is not itself a size ("Mistral-7B").
    m = re.match(r"[-_ ]?([RV]?\d+(?:\.\d+)*)(?=$|[-_ .:])", text[end:], re.IGNORECASE)
    if not m:
        return None
    rest = text[end + m.end() :]
    if re.match(r"\.?\d*[BMTK](?![A-Za-z])", rest, re.IGNORECASE):
        return None
    return m.group(1).upper() if m.group(1)[0] in "rRvV" else m.group(1)


def _parameters(family: str | None, label: str, experts: str | None, number: str, unit: str) -> int | None:
    totals = _families().get(family or "", {}).get("totals", {})
    if label in totals:
        return int(totals[label])
    if experts:
        return None
    return round(float(number) * _SCALE[unit.upper()])


def _variant(tokens: set[str]) -> str | None:
    for variant, words in _VARIANTS:
        if tokens & set(words):
            return variant
    return None


def parse_model_name(name: str) -> ModelName:
    """Parse a Hugging Face repo id or a model file name into a :class:`ModelName`.

    >>> m = parse_model_name("mixtral-8x7b-instruct-v0.1.Q4_0.gguf")
    >>> m.family, m.size_label, m.experts, m.parameters, m.variant, m.quantization, m.file_format
    ('mixtral', '8x7B', 8, 46700000000, 'instruct', 'Q4_0', 'gguf')
    >>> m = parse_model_name("Grok-100B-v1.0-Q4_0-00003-of-00009.gguf")
    >>> m.family, m.version, m.parameters, m.shard
    ('grok', '1.0', 100000000000, (3, 9))
    >>> parse_model_name("microsoft/Phi-3-mini-4k-instruct").context_hint
    '4k'
    >>> parse_model_name("turboderp/Llama-3-8B-Instruct-exl2-3.5bpw").bits_per_weight
    3.5

    Odd input gives empty fields, never an exception:

    >>> parse_model_name("").family is None
    True
    """
    raw = name
    text = str(name).strip().replace("\\", "/")
    publisher = None
    revision = ""
    parts = [p for p in text.split("/") if p]
    if parts and parts[0].lower() in ("https:", "http:", "hf.co", "huggingface.co"):
        parts = [p for p in parts if p.lower() not in ("https:", "http:", "hf.co", "huggingface.co")]
    if len(parts) >= 2:
        publisher = parts[0]
        # "owner/repo/file.gguf" describes the file; "owner/repo" the repo.
        text = parts[-1] if _strip_extension(parts[-1])[1] else parts[1]
        # EXL2 repos keep each bit rate in a branch: "owner/repo/tree/4.65bpw" or "owner/repo:4.65bpw".
        revision = " ".join(p for p in parts[2:] if p != text)
    elif parts:
        text = parts[0]
    else:
        text = ""

    stem, file_format = _strip_extension(text)
    lowered = stem.lower()
    tokens = {t for t in re.split(r"[-_.:\s]+", lowered) if t}

    shard = None
    if m := _SHARD.search(stem):
        i, n = int(m.group(1)), int(m.group(2))
        if 0 < i <= n:
            shard = (i, n)
    elif m := _PART.search(text):
        shard = (int(m.group(1)), int(m.group(2)))

    quantization = None
    bits = None
    if m := _GGML_TYPE.search(stem):
        quantization = m.group(1).upper().replace("FP16", "F16").replace("FP32", "F32")
    elif m := re.search(r"(?<![A-Za-z0-9])(KQ\d)(?![A-Za-z0-9])", stem):
        quantization = m.group(1)  # an encoding the GGUF naming doc uses as an example, not a ggml type
    for token, method in _METHODS.items():
        if token in tokens:
            quantization = method
            if file_format is None and method in ("GPTQ", "AWQ", "EXL2", "EXL3"):
                file_format = None
    if quantization is None and ("bnb" in tokens or "bitsandbytes" in tokens):
        quantization = "BNB"
    if quantization is None and (m := _INT.search(stem)):
        quantization = m.group(1).upper()
    if (m := _BPW.search(stem + " " + revision)) or (m := _BITS.search(stem)):
        bits = float(m.group(1).replace("_", "."))
    if file_format is None:
        for token, fmt in _REPO_FORMATS.items():
            if token in tokens:
                file_format = fmt
    if file_format is None and publisher and publisher.lower() == "mlx-community":
        file_format = "mlx"

    family, _fam_start, fam_end = _find_family(stem)
    if family is None and publisher:
        owners = [f for f, row in _families().items() if publisher in row.get("publishers", [])]
        family = owners[0] if len(owners) == 1 else None

    version = _family_version(stem, fam_end) if family and fam_end >= 0 else None
    if version is None and (m := _VERSION.search(stem)):
        version = m.group(1)
    if version is None and (m := _DATE.search(stem)):
        version = m.group(1)

    size_label = parameters = active = experts = None
    for m in _SIZE.finditer(stem):
        n_exp, number, unit, a_num, a_unit = m.groups()
        if m.start() < fam_end:
            continue  # a number inside the family name ("Qwen2.5") is not a size
        size_label = (f"{n_exp}x" if n_exp else "") + number + unit.upper()
        if a_num:
            size_label += f"-A{a_num}{a_unit.upper()}"
            active = round(float(a_num) * _SCALE[a_unit.upper()])
        experts = int(n_exp) if n_exp else None
        parameters = _parameters(family, size_label, n_exp, number, unit)
        break

    context = None
    for m in _CONTEXT.finditer(stem):
        context = m.group(1) + "k"
        break

    kind = next((s for s in _SIDECARS if lowered.startswith(s + "-")), None)
    kind = kind or next((k for t, k in _KINDS.items() if t in tokens), None)

    return ModelName(
        raw=raw,
        publisher=publisher,
        family=family,
        version=version,
        size_label=size_label,
        parameters=parameters,
        active_parameters=active,
        experts=experts,
        variant=_variant(tokens),
        quantization=quantization,
        bits_per_weight=bits,
        file_format=file_format,
        shard=shard,
        context_hint=context,
        kind=kind,
    )
