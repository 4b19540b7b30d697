"""A Llama forward pass in plain numpy, written to be read one step at a time.

The "Inside the transformer" chapter walks through this module.  Each method is one step of the
computation llama.cpp performs for the ``llama`` architecture, in the same order:

1. :meth:`ReferenceModel.embed` looks up one vector per token.
2. Each layer (:meth:`ReferenceModel.layer`) adds two things to that vector, the *residual stream*:
   the output of :meth:`~ReferenceModel.attention` and of :meth:`~ReferenceModel.feed_forward`,
   each computed from an RMS-normalized copy (:func:`rms_norm`).
3. Attention rotates queries and keys by position (:meth:`~ReferenceModel.rope`), stores keys and
   values in the KV cache, and mixes the values of earlier positions.
4. :meth:`~ReferenceModel.unembed` turns the final vector into one logit per vocabulary entry.

Weights stored as F16 or in a quantized type are expanded to float32 once, when the file is read;
ggml instead multiplies in the stored type, so results differ in the third or fourth decimal.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from llmterms.shape import Architecture

__all__ = ["ReferenceModel", "rms_norm", "softmax"]


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Scale each row of *x* to unit root-mean-square, then multiply by a learned *weight*.

    >>> rms_norm(np.array([[3.0, 4.0]]), np.ones(2), eps=0.0).round(3)
    array([[0.849, 1.131]])
    """
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Turn scores into probabilities that sum to 1, without overflowing on large scores.

    >>> softmax(np.array([1.0, 2.0, 1000.0])).round(3)
    array([0., 0., 1.])
    """
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


@dataclass
class KVCache:
    """The keys and values of every position seen so far, one pair of arrays per layer.

    Each array is (positions, KV heads, head dimension); the tiny model has 2 KV heads of 32:

    >>> from llmterms import tiny
    >>> model = ReferenceModel.from_gguf(tiny.path())
    >>> _ = model.logits(model.tokenize("GGUF file"))
    >>> model.cache.length, len(model.cache.keys), model.cache.values[0].shape
    (3, 4, (3, 2, 32))
    """

    keys: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)

    @property
    def length(self) -> int:
        return len(self.keys[0]) if self.keys else 0


class ReferenceModel:
    """A readable numpy implementation of a GGUF Llama model, with optional RoPE scaling.

    Its steps, run by hand, are what :meth:`logits` computes:

    >>> from llmterms import tiny
    >>> model = ReferenceModel.from_gguf(tiny.path())
    >>> ids = model.tokenize("Quantization stores")
    >>> model.reset()
    >>> x = model.embed(ids)
    >>> for layer in range(model.shape.n_layers):
    ...     x = model.layer(x, layer, np.arange(len(ids)))
    >>> by_hand = model.unembed(x)
    >>> np.array_equal(by_hand, model.logits(ids)), model.detokenize([int(by_hand[-1].argmax())])
    (True, ' the')
    """

    def __init__(
        self, weights, shape: Architecture, vocabulary, *, rope_scale=1.0, rope_base=None, ntk_alpha=1.0
    ):
        # Where the file (or a preset) leaves them out: llama.cpp's default RoPE base, 10000, and the
        # common RMS epsilon 1e-5 (llama.cpp itself refuses a llama file without one).
        if shape.rms_eps is None or shape.rope_base is None:
            shape = replace(
                shape,
                rms_eps=1e-5 if shape.rms_eps is None else shape.rms_eps,
                rope_base=10000.0 if shape.rope_base is None else shape.rope_base,
            )
        self.weights = weights
        self.shape = shape
        self.rms_eps: float = 1e-5 if shape.rms_eps is None else shape.rms_eps  # llama.cpp's default
        self.vocabulary = vocabulary
        self.vocab_size = shape.vocab_size
        self.context_length = shape.context
        self.bos_id = vocabulary.bos_id
        # Linear scaling (position interpolation) divides every position by rope_scale.  NTK-aware
        # scaling instead raises the base so the low frequencies stretch while the highest stays put.
        base = rope_base if rope_base is not None else shape.rope_base
        d = shape.head_dim
        self.rope_base = base * ntk_alpha ** (d / (d - 2))
        self.rope_scale = rope_scale
        self.cache = KVCache()

    @classmethod
    def from_gguf(cls, path, *, rope_scale=1.0, rope_base=None, ntk_alpha=1.0) -> ReferenceModel:
        """Read a GGUF llama model into numpy arrays.

        *rope_scale* is the linear (position interpolation) factor; *rope_base* replaces the
        file's RoPE base; *ntk_alpha* applies NTK-aware scaling, base × alpha^(d / (d - 2)) for a
        head dimension d.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> model.shape.n_layers, model.shape.n_heads, model.shape.n_kv_heads, model.shape.head_dim
        (4, 4, 2, 32)
        >>> round(ReferenceModel.from_gguf(tiny.path(), ntk_alpha=2).rope_base)
        20946
        """
        from llmterms import gguf_file, llama_gguf, quant_convert

        info = llama_gguf.validate(path)
        with gguf_file.GGUFFile(path) as f:
            fields = f.metadata
            shape = Architecture(
                name=str(fields.get("general.name", Path(path).stem)),
                family="llama",
                n_layers=info["n_layers"],
                hidden_size=info["hidden_size"],
                intermediate_size=info["intermediate_size"],
                n_heads=info["n_heads"],
                n_kv_heads=info["n_kv_heads"],
                head_dim=info["hidden_size"] // info["n_heads"],
                vocab_size=info["vocab_size"],
                context=info["context"],
                rms_eps=fields.get("llama.attention.layer_norm_rms_epsilon"),
                rope_base=fields.get("llama.rope.freq_base"),
                source=str(path),
            )
            # numpy's order: a weight matrix reads as (outputs, inputs) and multiplies as x @ W.T.
            weights = {
                t.name: quant_convert.dequantize(
                    np.frombuffer(f.tensor_data(t), np.uint8), t.type_name, t.shape
                )
                for t in f.tensors
            }
            vocabulary = Vocabulary(
                pieces=list(info["tokens"]),
                scores=f.array("tokenizer.ggml.scores"),
                bos_id=fields.get("tokenizer.ggml.bos_token_id", 1),
            )
        return cls(
            weights, shape, vocabulary, rope_scale=rope_scale, rope_base=rope_base, ntk_alpha=ntk_alpha
        )

    # -- tokens in and out ---------------------------------------------------------------------------

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        """Split *text* into token ids with the SentencePiece algorithm llama.cpp uses.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> [model.vocabulary.pieces[i] for i in model.tokenize("GGUF file")]
        ['<s>', '▁GGUF', '▁file']
        """
        return ([self.bos_id] if add_bos else []) + self.vocabulary.encode(text)

    def detokenize(self, ids) -> str:
        """Turn token ids back into text.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> model.detokenize(model.tokenize("naïve ≈ 🙂"))
        'naïve ≈ 🙂'
        """
        return self.vocabulary.decode(ids)

    # -- the forward pass, step by step --------------------------------------------------------------

    def embed(self, ids) -> np.ndarray:
        """Step 1: look up each token's row of the embedding matrix.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> model.embed(model.tokenize("GGUF file")).shape  # three tokens, 128 numbers each
        (3, 128)
        """
        return self.weights["token_embd.weight"][np.asarray(ids)]

    def rope(self, x: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Rotate each adjacent pair (x[2i], x[2i+1]) of every head by position × frequency i.

        Frequency i is base^(-2i/d): the first pairs turn fast, the last ones slowly.  A query and
        a key rotated this way have a dot product that depends on their distance, not on where they
        sit.  (This is llama.cpp's "normal" RoPE for the llama architecture; some models rotate
        the two halves of each head instead.)

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> v = np.ones((1, 1, 32))
        >>> rotated = model.rope(v, np.array([5]))
        >>> float(np.linalg.norm(rotated)) == float(np.linalg.norm(v))  # rotation keeps the length
        True
        """
        d = x.shape[-1]
        frequencies = self.rope_base ** (-np.arange(0, d, 2) / d)
        angles = np.outer(positions / self.rope_scale, frequencies)[:, None, :]  # (time, 1, d/2)
        cos, sin = np.cos(angles).astype(x.dtype), np.sin(angles).astype(x.dtype)
        even, odd = x[..., 0::2], x[..., 1::2]
        rotated = np.empty_like(x)
        rotated[..., 0::2] = even * cos - odd * sin
        rotated[..., 1::2] = even * sin + odd * cos
        return rotated

    def attention(self, x: np.ndarray, layer: int, positions: np.ndarray) -> np.ndarray:
        """Step 3: let every position look back at earlier ones, through the KV cache.

        The output has the input's shape; the cache grows by one key and one value per position.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> model.reset()
        >>> x = model.embed(model.tokenize("GGUF file"))
        >>> model.attention(x, layer=0, positions=np.arange(3)).shape, model.cache.keys[0].shape
        ((3, 128), (3, 2, 32))
        """
        s, w = self.shape, self.weights
        t = len(x)
        q = (x @ w[f"blk.{layer}.attn_q.weight"].T).reshape(t, s.n_heads, s.head_dim)
        k = (x @ w[f"blk.{layer}.attn_k.weight"].T).reshape(t, s.n_kv_heads, s.head_dim)
        v = (x @ w[f"blk.{layer}.attn_v.weight"].T).reshape(t, s.n_kv_heads, s.head_dim)
        q, k = self.rope(q, positions), self.rope(k, positions)
        keys = self.cache.keys[layer] = np.concatenate([self.cache.keys[layer], k])
        values = self.cache.values[layer] = np.concatenate([self.cache.values[layer], v])
        # Grouped-query attention: query heads share key/value heads in consecutive groups.
        group = s.n_heads // s.n_kv_heads
        keys, values = np.repeat(keys, group, axis=1), np.repeat(values, group, axis=1)
        # One matrix of scores per head: (heads, queries, keys).
        scores = q.transpose(1, 0, 2) @ keys.transpose(1, 2, 0) / np.sqrt(s.head_dim)
        # Causal mask: position p may attend to cached positions 0..p only.
        future = np.arange(len(keys))[None, :] > positions[:, None]
        scores = np.where(future[None], -np.inf, scores)
        mixed = (softmax(scores) @ values.transpose(1, 0, 2)).transpose(1, 0, 2).reshape(t, s.hidden_size)
        return mixed @ w[f"blk.{layer}.attn_output.weight"].T

    def feed_forward(self, x: np.ndarray, layer: int) -> np.ndarray:
        """Step 2b: the SwiGLU block, down(silu(gate(x)) * up(x)), applied to each position alone.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> x = model.embed(model.tokenize("GGUF file"))
        >>> model.feed_forward(x, layer=0).shape, model.weights["blk.0.ffn_up.weight"].shape
        ((3, 128), (384, 128))
        """
        w = self.weights
        gate = x @ w[f"blk.{layer}.ffn_gate.weight"].T
        up = x @ w[f"blk.{layer}.ffn_up.weight"].T
        silu = gate / (1.0 + np.exp(-gate))
        return (silu * up) @ w[f"blk.{layer}.ffn_down.weight"].T

    def layer(self, x: np.ndarray, layer: int, positions: np.ndarray) -> np.ndarray:
        """Step 2: one transformer block; each half adds its output to the residual stream.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> model.reset()
        >>> x = model.embed(model.tokenize("GGUF file"))
        >>> model.layer(x, 0, np.arange(3)).shape
        (3, 128)
        """
        w, eps = self.weights, self.rms_eps
        x = x + self.attention(rms_norm(x, w[f"blk.{layer}.attn_norm.weight"], eps), layer, positions)
        return x + self.feed_forward(rms_norm(x, w[f"blk.{layer}.ffn_norm.weight"], eps), layer)

    def unembed(self, x: np.ndarray) -> np.ndarray:
        """Step 4: normalize and project onto the vocabulary, one logit per token.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> model.unembed(np.ones((2, 128))).shape
        (2, 1024)
        """
        w = self.weights
        return rms_norm(x, w["output_norm.weight"], self.rms_eps) @ w["output.weight"].T

    def forward(self, ids) -> np.ndarray:
        """Run new tokens through the model after those already in the cache; return their logits.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> model.reset()
        >>> model.forward(model.tokenize("GGUF")).shape, model.cache.length
        ((2, 1024), 2)
        >>> model.forward(model.tokenize(" file", add_bos=False)).shape, model.cache.length
        ((2, 1024), 4)
        """
        if not self.cache.keys:
            self.reset()
        start = self.cache.length
        positions = np.arange(start, start + len(ids))
        x = self.embed(ids)
        for i in range(self.shape.n_layers):
            x = self.layer(x, i, positions)
        return self.unembed(x)

    def reset(self) -> None:
        """Empty the KV cache, to start a new sequence.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> _ = model.logits(model.tokenize("GGUF file"))
        >>> model.cache.length
        3
        >>> model.reset()
        >>> model.cache.length
        0
        """
        s = self.shape
        empty = np.zeros((0, s.n_kv_heads, s.head_dim), dtype=np.float32)
        self.cache = KVCache([empty] * s.n_layers, [empty] * s.n_layers)

    def logits(self, ids, first: int = 0) -> np.ndarray:
        """Return the logits at positions *first* onwards of a fresh sequence.

        The shape is (len(ids) - first, vocab_size); row *i* scores the token after ``ids[first + i]``.

        >>> from llmterms import tiny
        >>> model = ReferenceModel.from_gguf(tiny.path())
        >>> logits = model.logits(model.tokenize("Quantization stores"))
        >>> model.detokenize([int(logits[-1].argmax())])
        ' the'
        """
        self.reset()
        return self.forward(list(ids))[first:]

    def generate(self, prompt: str, max_new_tokens: int = 32) -> str:
        """Continue *prompt* greedily: append the most likely token, one step at a time.

        >>> from llmterms import tiny
        >>> ReferenceModel.from_gguf(tiny.path()).generate("A GGUF file", max_new_tokens=8)
        ", so that is the model's"
        """
        ids = self.tokenize(prompt)
        step_logits = self.logits(ids)[-1]
        new: list[int] = []
        while len(new) < max_new_tokens and len(ids) + len(new) < self.context_length:
            token = int(np.argmax(step_logits))
            if token == self.vocabulary.eos_id:
                break
            new.append(token)
            step_logits = self.forward([token])[-1]
        prefix = self.detokenize(ids)
        return self.detokenize(ids + new)[len(prefix) :]


@dataclass
class Vocabulary:
    """A SentencePiece vocabulary: pieces with scores, encoded the way llama.cpp's tokenizer does."""

    pieces: list[str]
    scores: list[float]
    bos_id: int = 1
    eos_id: int = 2

    def __post_init__(self):
        self.ids = {piece: i for i, piece in enumerate(self.pieces)}

    def encode(self, text: str) -> list[int]:
        """Merge characters into the highest-scoring pieces; spell what is left as bytes.

        >>> pieces = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "▁ab"]
        >>> scores = [0, 0, 0, -1, -1, -1, -2, -3, -4]
        >>> [pieces[i] for i in Vocabulary(pieces, scores).encode("ab")]
        ['▁ab']
        """
        # llama.cpp (and SentencePiece) put a space in front and write every space as '▁'.
        symbols = list(("▁" + text).replace(" ", "▁")) if text else []
        # A doubly linked list of symbols, and a heap of mergeable neighbours, best score first;
        # entries made stale by an earlier merge are skipped when popped.
        left = list(range(-1, len(symbols) - 1))
        right = list(range(1, len(symbols) + 1))
        heap: list[tuple[float, int, str]] = []

        def offer(i):
            j = right[i] if i >= 0 else len(symbols)
            if i >= 0 and j < len(symbols):
                merged = symbols[i] + symbols[j]
                if merged in self.ids:
                    heapq.heappush(heap, (-self.scores[self.ids[merged]], i, merged))

        for i in range(len(symbols) - 1):
            offer(i)
        while heap:
            _, i, merged = heapq.heappop(heap)
            j = right[i]
            if not symbols[i] or j >= len(symbols) or symbols[i] + symbols[j] != merged:
                continue
            symbols[i], symbols[j] = merged, ""
            right[i] = right[j]
            if right[j] < len(symbols):
                left[right[j]] = i
            offer(left[i])
            offer(i)
        ids = []
        for symbol in symbols:
            if symbol in self.ids:
                ids.append(self.ids[symbol])
            elif symbol:
                ids += [self.ids[f"<0x{byte:02X}>"] for byte in symbol.encode("utf-8")]
        return ids

    def decode(self, ids) -> str:
        """Join the pieces, turning byte pieces back into bytes and '▁' into spaces.

        >>> pieces = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "▁ab", "<0xC3>", "<0xA9>"]
        >>> Vocabulary(pieces, [0.0] * 11).decode([1, 8, 6, 9, 10])
        'ab aé'
        """
        data = bytearray()
        for i in ids:
            piece = self.pieces[i]
            if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
                data.append(int(piece[3:5], 16))
            elif not (piece.startswith("<") and piece.endswith(">") and i in (0, self.bos_id, self.eos_id)):
                data += piece.replace("▁", " ").encode("utf-8")
        text = data.decode("utf-8", errors="replace")
        # The space added in front by encode() belongs to a sequence that starts with BOS.
        return text[1:] if list(ids)[:1] == [self.bos_id] and text.startswith(" ") else text
