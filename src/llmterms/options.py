"""The cross-tool parameter map: one setting, its name in each local-LLM tool, and its glossary term.

The same knob has a different name in every tool (``-ngl``, ``n_gpu_layers``, ``gpu_layers``, ``num_gpu``).
The map lives in ``data/options.toml``, with the source file each name was checked in.
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

from llmterms import data

# Named tuples rather than dataclasses: `llmterms define` imports this module, and dataclasses cost
# more to import than the lookup (llmterms.data reads the file by path for the same reason).

__all__ = [
    "GROUPS",
    "TOOLS",  # noqa: F822 - computed on first use by __getattr__
    "Concept",
    "Tool",
    "concept",
    "concepts",
    "for_term",
    "lookup",
    "rope_table",
    "sampling_table",
    "table",
    "tools",
]

#: The kinds of setting in the map: loading the model, choosing tokens, stretching the context.
GROUPS = ("loading", "sampling", "rope")


class Tool(namedtuple("Tool", "key name kind source sources note", defaults=((), ""))):
    """A tool in the map, with where its option names were checked.

    >>> tools()["ollama"].source
    'https://github.com/ollama/ollama/blob/main/api/types.go'
    """

    __slots__ = ()


class Concept(namedtuple("Concept", "key label term names notes group", defaults=(None, "", ""))):
    """One setting: its glossary ``term`` and the option names per tool (aliases first-preferred).

    >>> c = for_term("GPU offloading")
    >>> c.name_in("llamacpp"), c.name_in("ollama"), c.name_in("exllamav2")
    ('-ngl', 'num_gpu', None)
    """

    __slots__ = ()

    def name_in(self, tool: str) -> str | None:
        """Return the preferred option name in ``tool``, or None when the tool has no such option.

        >>> for_term("Temperature").name_in("llamacpp")
        '--temp'
        """
        if tool not in tools():
            raise ValueError(f"unknown tool {tool!r}; known: {', '.join(tools())}")
        aliases = (self.names or {}).get(tool)
        return aliases[0] if aliases else None


@lru_cache(maxsize=1)
def _data() -> dict:
    return data.read("options.toml")


@lru_cache(maxsize=1)
def tools() -> dict[str, Tool]:
    """Return the tools in the map, keyed by their short name.

    >>> list(tools())
    ['llamacpp', 'llama_cpp_python', 'ctransformers', 'webui', 'exllamav2', 'transformers', 'ollama']
    """
    return {
        key: Tool(
            key=key,
            name=t["name"],
            kind=t["kind"],
            source=t["source"],
            sources=tuple(t.get("sources", (t["source"],))),
            note=t.get("note", ""),
        )
        for key, t in _data()["tools"].items()
    }


def __getattr__(name: str):
    # TOOLS is read from the data file on first use, not at import.
    if name == "TOOLS":
        return tuple(tools())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=1)
def _concepts() -> tuple[Concept, ...]:
    out = []
    for raw in _data()["concept"]:
        names = {}
        for tool in tools():
            value = raw.get(tool)
            if value is not None:
                names[tool] = (value,) if isinstance(value, str) else tuple(value)
        if raw["group"] not in GROUPS:
            raise ValueError(f"{raw['key']}: group must be one of {GROUPS}, got {raw['group']!r}")
        out.append(Concept(raw["key"], raw["label"], raw["term"], names, raw.get("notes", ""), raw["group"]))
    return tuple(out)


def concepts() -> list[Concept]:
    """Return every setting in the map, in the data file's order.

    >>> [c.key for c in concepts()][:4]
    ['context_length', 'gpu_layers', 'threads', 'batch_size']
    """
    return list(_concepts())


def concept(key: str) -> Concept:
    """Return the setting with this ``key`` in the data file.

    >>> concept("rope_base").name_in("transformers")
    'rope_theta'
    """
    found = next((c for c in _concepts() if c.key == key), None)
    if found is None:
        raise KeyError(f"data/options.toml has no setting with key {key!r}")
    return found


def for_term(term: str) -> Concept | None:
    """Return the first setting filed under a glossary term (case-insensitive), or None.

    >>> for_term("context window").names["ollama"]
    ('num_ctx',)
    >>> for_term("Perplexity") is None
    True
    """
    wanted = term.strip().casefold()
    return next((c for c in _concepts() if c.term.casefold() == wanted), None)


def _normal(name: str) -> str:
    # "--n-gpu-layers", "n_gpu_layers" and "N_GPU_LAYERS" are one spelling for lookup purposes.
    return name.strip().lstrip("-").replace("-", "_").casefold()


def lookup(option_name: str) -> list[Concept]:
    """Return the settings that ``option_name`` belongs to, in any tool's spelling.

    Dashes, underscores and case are ignored, so ``--n-gpu-layers`` also finds ``n_gpu_layers``.

    >>> [c.term for c in lookup("-ngl")]
    ['GPU offloading']
    >>> [c.key for c in lookup("repeat_penalty")]
    ['repetition_penalty']
    >>> lookup("--no-such-flag")
    []
    """
    wanted = _normal(option_name)
    if not wanted:
        return []
    return [c for c in _concepts() if any(_normal(n) == wanted for ns in c.names.values() for n in ns)]


def table(group: str | None = None) -> list[dict[str, object]]:
    """Return one row per setting (of one group, or all): its label, glossary term and each tool's name.

    Tool columns are keyed by the tool's short name and hold the preferred spelling, or None where
    the tool has no such option; this is the shape the ``llmterms-table`` directive prints.

    >>> row = table("sampling")[0]
    >>> row["setting"], row["llamacpp"], row["ollama"], row["transformers"]
    ('Temperature', '--temp', 'temperature', 'temperature')
    >>> [r["setting"] for r in table("rope")][:2]
    ['RoPE base frequency', 'RoPE linear scaling']
    """
    if group is not None and group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; known: {', '.join(GROUPS)}")
    rows = []
    for c in _concepts():
        if group is None or c.group == group:
            rows.append(
                {"setting": c.label, "term": c.term, "group": c.group} | {t: c.name_in(t) for t in tools()}
            )
    return rows


def sampling_table() -> list[dict[str, object]]:
    """Return the sampler settings of :func:`table`, for the manual's sampling chapter.

    >>> [r["setting"] for r in sampling_table()][:4]
    ['Temperature', 'Top-k', 'Top-p', 'Min-p']
    """
    return table("sampling")


def rope_table() -> list[dict[str, object]]:
    """Return the RoPE context-extension settings of :func:`table`, for the context chapter.

    >>> [(r["setting"], r["webui"]) for r in rope_table()][:3]  # doctest: +NORMALIZE_WHITESPACE
    [('RoPE base frequency', '--rope_freq_base'), ('RoPE linear scaling', '--compress_pos_emb'),
     ('NTK alpha', '--alpha_value')]
    """
    return table("rope")
