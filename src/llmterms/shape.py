"""A model's shape: the hyperparameters of a decoder-only transformer, its presets and its GGUF header.

The package speaks one vocabulary for a shape, the field names of :class:`Architecture` (``n_layers``,
``hidden_size``, ``n_heads``, ``n_kv_heads``, ``head_dim``, ``intermediate_size``, ``vocab_size``,
``context``). Other vocabularies are translated where they enter: GGUF keys (``{arch}.block_count``,
``{arch}.embedding_length`` ...) in :meth:`Architecture.from_gguf`, Hugging Face ``config.json`` names
(``num_hidden_layers`` ...) when the presets in ``data/architectures.toml`` were copied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from llmterms import data

__all__ = ["Architecture", "kv_cache_bytes", "preset", "presets"]


def kv_cache_bytes(
    n_layers: int, n_ctx: int, n_kv_heads: int, head_dim: int, bytes_per_element: float = 2
) -> int:
    """Bytes of the KV cache: 2 (K and V) x layers x context x KV heads x head size x element size.

    Llama-2 7B (32 layers, 32 KV heads of 128) at 4096 tokens in F16 needs exactly 2 GiB:

    >>> kv_cache_bytes(32, 4096, 32, 128) / 2**30
    2.0

    Grouped-query attention shrinks it: Llama-3 8B has 8 KV heads, so a quarter of that.

    >>> kv_cache_bytes(32, 4096, 8, 128) / 2**30
    0.5
    """
    return math.ceil(2 * n_layers * n_ctx * n_kv_heads * head_dim * bytes_per_element)


@dataclass(frozen=True)
class Architecture:
    """The hyperparameters of a decoder-only transformer that decide its weights and KV cache.

    >>> a = preset("llama-2-7b")
    >>> a.n_layers, a.n_kv_heads, a.head_dim, a.parameters
    (32, 32, 128, 6738415616)
    """

    name: str
    n_layers: int
    hidden_size: int
    intermediate_size: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    vocab_size: int
    context: int
    family: str = ""
    n_experts: int = 1
    n_experts_used: int = 1
    tied_embeddings: bool = False
    qkv_bias: bool = False
    # Read from GGUF files ({arch}.attention.layer_norm_rms_epsilon, {arch}.rope.freq_base); the presets
    # leave them unknown because they decide neither the weights nor the cache.
    rms_eps: float | None = None
    rope_base: float | None = None
    source: str = ""
    note: str = ""
    n_params: int | None = field(default=None, compare=False)

    @property
    def size_class(self) -> str:
        """llama.cpp's size class where its quantization rules depend on it (only "70B" matters).

        >>> preset("llama-2-70b").size_class, preset("llama-2-7b").size_class
        ('70B', '')
        """
        return "70B" if self.family == "llama" and self.n_layers == 80 else ""

    def tensors(self) -> list[tuple[str, tuple[int, ...], int]]:
        """Every weight tensor as (GGUF name, numpy shape with the row length last, layer index).

        >>> t = preset("llama-2-7b").tensors()
        >>> len(t), t[0][:2], t[-1][:2]
        (291, ('token_embd.weight', (32000, 4096)), ('blk.31.ffn_down.weight', (4096, 11008)))
        """
        h, q_dim, kv_dim = self.hidden_size, self.n_heads * self.head_dim, self.n_kv_heads * self.head_dim
        out: list[tuple[str, tuple[int, ...], int]] = [("token_embd.weight", (self.vocab_size, h), -1)]
        out.append(("output_norm.weight", (h,), -1))
        if not self.tied_embeddings:
            out.append(("output.weight", (self.vocab_size, h), -1))
        e, ff = self.n_experts, self.intermediate_size
        for i in range(self.n_layers):
            p = f"blk.{i}."
            layer = [
                ("attn_norm.weight", (h,)),
                ("attn_q.weight", (q_dim, h)),
                ("attn_k.weight", (kv_dim, h)),
                ("attn_v.weight", (kv_dim, h)),
                ("attn_output.weight", (h, q_dim)),
                ("ffn_norm.weight", (h,)),
            ]
            if self.qkv_bias:
                layer += [("attn_q.bias", (q_dim,)), ("attn_k.bias", (kv_dim,)), ("attn_v.bias", (kv_dim,))]
            if e == 1:
                layer += [
                    ("ffn_gate.weight", (ff, h)),
                    ("ffn_up.weight", (ff, h)),
                    ("ffn_down.weight", (h, ff)),
                ]
            else:
                layer += [
                    ("ffn_gate_inp.weight", (e, h)),
                    ("ffn_gate_exps.weight", (e, ff, h)),
                    ("ffn_up_exps.weight", (e, ff, h)),
                    ("ffn_down_exps.weight", (e, h, ff)),
                ]
            out += [(p + name, shape, i) for name, shape in layer]
        return out

    @property
    def parameters(self) -> int:
        """Total weight count (all experts of a mixture-of-experts model included).

        >>> preset("mixtral-8x7b").parameters
        46702792704
        """
        if self.n_params is not None:
            return self.n_params
        return sum(math.prod(shape) for _, shape, _ in self.tensors())

    @property
    def active_parameters(self) -> int:
        """Weights used for one token: only ``n_experts_used`` of the experts count.

        Mixtral 8x7B routes each token through 2 of 8 experts, so about 12.9 billion weights work:

        >>> round(preset("mixtral-8x7b").active_parameters / 1e9, 1)
        12.9
        """
        if self.n_experts == 1:
            return self.parameters
        expert = 3 * self.hidden_size * self.intermediate_size * self.n_layers
        return self.parameters - (self.n_experts - self.n_experts_used) * expert

    def kv_bytes_per_token(self, bytes_per_element: float = 2) -> int:
        """KV-cache bytes one token of context costs across all layers.

        >>> preset("llama-3-8b").kv_bytes_per_token()
        131072
        """
        return kv_cache_bytes(self.n_layers, 1, self.n_kv_heads, self.head_dim, bytes_per_element)

    @classmethod
    def from_gguf(cls, path: str | Path) -> tuple[Architecture, int]:
        """Read hyperparameters and the tensor bytes from a GGUF file's header (weights are not loaded).

        >>> import tempfile, gguf, numpy as np
        >>> p = Path(tempfile.mkdtemp()) / "m.gguf"
        >>> w = gguf.GGUFWriter(p, "llama")
        >>> w.add_block_count(1); w.add_embedding_length(64); w.add_feed_forward_length(128)
        >>> w.add_head_count(4); w.add_head_count_kv(2); w.add_context_length(256)
        >>> w.add_tensor("token_embd.weight", np.zeros((100, 64), dtype=np.float32))
        >>> for step in (w.write_header_to_file, w.write_kv_data_to_file, w.write_tensors_to_file, w.close):
        ...     step()
        >>> arch, nbytes = Architecture.from_gguf(p)
        >>> arch.n_layers, arch.n_kv_heads, arch.head_dim, arch.vocab_size, arch.context, nbytes
        (1, 2, 16, 100, 256, 25600)
        """
        from llmterms.gguf_file import ARRAY, STRING, GGUFError, GGUFFile

        with GGUFFile(path) as f:
            meta, tensors = f.metadata, {t.name: t for t in f.tensors}
            tokens_are_strings = f.types.get("tokenizer.ggml.tokens") == (ARRAY, STRING)

        def get(key: str, default: int = 0) -> int:
            # GGUF keys in, this package's names out; a value of the wrong type is the file's fault.
            value = meta.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise GGUFError(path, f"{key} is {value!r}, not a count", field=key, value=value)
            return value

        arch = meta.get("general.architecture", "llama")
        if not isinstance(arch, str):
            raise GGUFError(
                path, f"general.architecture is {arch!r}, not a name", field="general.architecture"
            )
        n_heads = get(f"{arch}.attention.head_count")
        hidden = get(f"{arch}.embedding_length")
        if not (n_heads and hidden):
            raise GGUFError(path, f"no {arch}.embedding_length / {arch}.attention.head_count in the header")
        vocab = meta["tokenizer.ggml.tokens"].length if tokens_are_strings else 0
        if not vocab and "token_embd.weight" in tensors:
            vocab = tensors["token_embd.weight"].dims[-1]
        nbytes = sum(t.n_bytes for t in tensors.values())
        name = meta.get("general.name", Path(path).stem)
        architecture = cls(
            name=str(name),
            family=arch,
            n_layers=get(f"{arch}.block_count"),
            hidden_size=hidden,
            intermediate_size=get(f"{arch}.feed_forward_length"),
            n_heads=n_heads,
            n_kv_heads=get(f"{arch}.attention.head_count_kv", n_heads),
            head_dim=get(f"{arch}.attention.key_length", hidden // n_heads),
            vocab_size=vocab,
            context=get(f"{arch}.context_length"),
            n_experts=max(1, get(f"{arch}.expert_count", 1)),
            n_experts_used=max(1, get(f"{arch}.expert_used_count", 1)),
            tied_embeddings="output.weight" not in tensors,
            source=str(path),
            n_params=sum(t.n_elements for t in tensors.values()),
        )
        return architecture, nbytes


@cache
def _presets() -> dict[str, Architecture]:
    return {name: Architecture(name=name, **row) for name, row in data.read("architectures.toml").items()}


def presets() -> list[str]:
    """Names of the architecture presets.

    >>> presets()[:3]
    ['llama-2-7b', 'llama-2-13b', 'llama-2-70b']
    """
    return list(_presets())


def preset(name: str) -> Architecture:
    """An architecture preset by name (case-insensitive), with its config.json values.

    >>> preset("Qwen2.5-7B").n_kv_heads
    4
    """
    try:
        return _presets()[name.strip().lower()]
    except KeyError:
        raise KeyError(f"unknown architecture {name!r}; presets: {', '.join(presets())}") from None
