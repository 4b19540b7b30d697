"""Which loader reads which model format on which compute backend.

A *format* is how weights sit in a file (GGUF, safetensors, EXL2 ...); a *backend* is the kind of device
code that runs them (CPU, CUDA, ROCm, Metal, Vulkan, SYCL); a *loader* is the program in between. The
facts live in ``data/support.toml``, one row per loader with the README or documentation page its cells
were checked against. Support that works only in part (experimental, some models only, a community
plugin) is kept apart from full support, with the reason, so a question can ask for either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from llmterms import data
from llmterms.entry import STATUSES  # the one lifecycle vocabulary, shared with the glossary

__all__ = [
    "Loader",
    "backend_matrix",
    "backends",
    "backends_for",
    "formats",
    "formats_for",
    "loader",
    "loaders",
    "loaders_for",
    "matrix",
    "partial_table",
    "table",
]


@dataclass(frozen=True)
class Loader:
    """One loader's row: the formats it reads and the backends it runs on, with how far and where it says so.

    >>> x = loader("ExLlamaV2")
    >>> x.formats, x.backends, x.status
    (('EXL2', 'GPTQ'), ('CUDA', 'ROCm'), 'current')
    """

    name: str
    kind: str
    status: str
    source: str
    formats: tuple[str, ...]
    backends: tuple[str, ...]
    partial: dict[str, str] = field(default_factory=dict)
    converts: tuple[str, ...] = ()
    wraps: tuple[str, ...] = ()
    only: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""

    def supports(self, name: str, *, partial: bool = True) -> bool:
        """Whether this loader reads a format or runs on a backend; ``partial=False`` demands full support.

        vLLM's GGUF support is documented as experimental:

        >>> vllm = loader("vLLM")
        >>> vllm.supports("GGUF"), vllm.supports("GGUF", partial=False), vllm.supports("EXL2")
        (True, False, False)
        """
        key = _canonical(name)
        if key not in self.formats and key not in self.backends:
            return False
        return partial or key not in self.partial

    def runs(self, fmt: str, backend: str, *, partial: bool = True) -> bool:
        """Whether this loader runs a format on a backend: both supported, and the pair not excluded.

        LM Studio reads MLX and runs on CUDA, but its MLX engine exists only on Apple silicon:

        >>> lms = loader("LM Studio")
        >>> lms.runs("GGUF", "CUDA"), lms.runs("MLX", "Metal"), lms.runs("MLX", "CUDA")
        (True, True, False)
        """
        fmt, backend = _canonical(fmt), _canonical(backend)
        if not (self.supports(fmt, partial=partial) and self.supports(backend, partial=partial)):
            return False
        return fmt not in self.only or backend in self.only[fmt]


@cache
def _data() -> dict[str, Any]:
    return data.read("support.toml")


def formats() -> list[str]:
    """The model formats the table knows, in its column order.

    >>> formats()[:4]
    ['GGUF', 'GGML', 'safetensors', 'PyTorch checkpoint']
    """
    return list(_data()["formats"])


def backends() -> list[str]:
    """The compute backends the table knows, in its column order.

    >>> backends()
    ['CPU', 'CUDA', 'ROCm', 'Metal', 'Vulkan', 'SYCL']
    """
    return list(_data()["backends"])


@cache
def _names() -> dict[str, str]:
    # Lower-case spelling -> the table's spelling, for formats, backends and loaders alike.
    names = [*_data()["formats"], *_data()["backends"], *_data()["loaders"]]
    return {n.casefold(): n for n in names}


def _canonical(name: str) -> str:
    return _names().get(name.strip().casefold(), name.strip())


@cache
def _loaders() -> dict[str, Loader]:
    known_formats, known_backends = set(_data()["formats"]), set(_data()["backends"])
    out = {}
    for name, row in _data()["loaders"].items():
        item = Loader(
            name=name,
            kind=row["kind"],
            status=row["status"],
            source=row["source"],
            formats=tuple(row["formats"]),
            backends=tuple(row["backends"]),
            partial=dict(row.get("partial", {})),
            converts=tuple(row.get("converts", ())),
            wraps=tuple(row.get("wraps", ())),
            only={f: tuple(b) for f, b in row.get("only", {}).items()},
            note=row.get("note", ""),
        )
        # A typo in the data file would silently drop a cell; refuse it instead.
        unknown = (set(item.formats) | set(item.converts)) - known_formats
        unknown |= set(item.backends) - known_backends
        unknown |= set(item.partial) - set(item.formats) - set(item.backends)
        unknown |= set(item.wraps) - set(_data()["loaders"])
        unknown |= set(item.only) - set(item.formats)
        unknown |= {b for bs in item.only.values() for b in bs} - set(item.backends)
        if unknown or item.status not in STATUSES:
            raise ValueError(f"support.toml, loader {name!r}: unknown {sorted(unknown) or item.status!r}")
        out[name] = item
    return out


def loaders() -> list[str]:
    """The loaders in the table, in its row order.

    >>> loaders()[:3]
    ['llama.cpp', 'llama-cpp-python', 'ctransformers']
    >>> len(loaders())
    14
    """
    return list(_loaders())


def loader(name: str) -> Loader:
    """Look up a loader by name (case-insensitive).

    >>> loader("ctransformers").status
    'obsolete'
    """
    try:
        return _loaders()[_canonical(name)]
    except KeyError:
        raise KeyError(f"unknown loader {name!r}; known: {', '.join(loaders())}") from None


def formats_for(name: str, *, partial: bool = True) -> list[str]:
    """The formats a loader reads directly; ``partial=False`` leaves out experimental or limited support.

    >>> formats_for("llama.cpp")
    ['GGUF']
    >>> formats_for("vLLM")
    ['safetensors', 'PyTorch checkpoint', 'GPTQ', 'AWQ', 'GGUF']
    >>> formats_for("vLLM", partial=False)
    ['safetensors', 'PyTorch checkpoint', 'GPTQ', 'AWQ']
    """
    item = loader(name)
    return [f for f in item.formats if partial or f not in item.partial]


def backends_for(name: str, *, partial: bool = True) -> list[str]:
    """The compute backends a loader runs on; ``partial=False`` leaves out limited support.

    >>> backends_for("ExLlamaV2")
    ['CUDA', 'ROCm']
    >>> backends_for("MLX-LM", partial=False)
    ['Metal']
    """
    item = loader(name)
    return [b for b in item.backends if partial or b not in item.partial]


def loaders_for(fmt: str, backend: str | None = None, *, partial: bool = False) -> list[str]:
    """The loaders that read a format, optionally on a given backend; full support only unless ``partial``.

    A GGUF file on a Mac (Metal), and an EXL2 file on a CPU:

    >>> loaders_for("GGUF", "Metal")
    ['llama.cpp', 'llama-cpp-python', 'Ollama', 'KoboldCpp', 'LM Studio', 'text-generation-webui']
    >>> loaders_for("EXL2", "CPU")
    []
    >>> loaders_for("gguf", "cuda", partial=True)[-3:]
    ['Hugging Face Transformers', 'vLLM', 'text-generation-webui']
    """
    fmt = _canonical(fmt)
    if fmt not in _data()["formats"]:
        raise KeyError(f"unknown format {fmt!r}; known: {', '.join(formats())}")
    if backend is not None and _canonical(backend) not in _data()["backends"]:
        raise KeyError(f"unknown backend {backend!r}; known: {', '.join(backends())}")
    return [
        item.name
        for item in _loaders().values()
        if (item.runs(fmt, backend, partial=partial) if backend else item.supports(fmt, partial=partial))
    ]


def _marked(item: Loader, names: tuple[str, ...]) -> list[str]:
    return [f"{n} (partial)" if n in item.partial else n for n in names]


def table() -> list[dict[str, Any]]:
    """One row per loader (Loader, Formats, Backends, Status), for the ``llmterms-table`` directive.

    Limited support is marked "(partial)"; formats a loader only converts from are not listed.

    >>> row = table()[3]
    >>> row["Loader"], row["Formats"], row["Status"]
    ('Ollama', ['GGUF', 'safetensors (partial)'], 'current')
    """
    return [
        {
            "Loader": item.name,
            "Kind": item.kind,
            "Formats": _marked(item, item.formats) or ["(own format, converted)"],
            "Backends": _marked(item, item.backends),
            "Status": item.status,
        }
        for item in _loaders().values()
    ]


def matrix() -> list[dict[str, Any]]:
    """Loader by format: "yes", "partial", "convert" (its tools convert from it) or None, one row per loader.

    >>> row = matrix()[0]
    >>> row["Loader"], row["GGUF"], row["safetensors"], row["GGML"]
    ('llama.cpp', 'yes', 'convert', None)
    """
    rows = []
    for item in _loaders().values():
        row: dict[str, Any] = {"Loader": item.name}
        for fmt in formats():
            if fmt in item.formats:
                row[fmt] = "partial" if fmt in item.partial else "yes"
            else:
                row[fmt] = "convert" if fmt in item.converts else None
        rows.append(row)
    return rows


def backend_matrix() -> list[dict[str, Any]]:
    """Loader by compute backend: "yes", "partial" or None, one row per loader.

    >>> row = backend_matrix()[-5]
    >>> row["Loader"], row["CPU"], row["CUDA"], row["Metal"]
    ('vLLM', 'yes', 'yes', 'partial')
    """
    return [
        {"Loader": item.name}
        | {b: ("partial" if b in item.partial else "yes") if b in item.backends else None for b in backends()}
        for item in _loaders().values()
    ]


def partial_table() -> list[dict[str, Any]]:
    """Every cell marked partial, with the reason (Loader, Format or backend, Limitation).

    >>> row = partial_table()[0]
    >>> row["Loader"], row["Format or backend"], row["Limitation"][:47]
    ('ctransformers', 'GGUF', 'through a llama.cpp from September 2023: tensor')
    """
    return [
        {"Loader": item.name, "Format or backend": what, "Limitation": why}
        for item in _loaders().values()
        for what, why in item.partial.items()
    ]
