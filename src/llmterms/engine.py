"""Load GGUF models through ctransformers' llama.cpp, safely.

ctransformers 0.2.27 bundles a llama.cpp from September 2023.  Three of its habits make it unsafe to
use directly, and this module works around each:

- A malformed GGUF file crashes the whole Python process (a segmentation fault, not an exception).
  :func:`validate` therefore checks every count, length, offset and shape against the file's size
  before the C library sees the file, and raises :class:`ModelFileError` instead.
- Its ``LLM.tokenize`` allocates one slot per *character* while the C side writes one integer per
  *token*; text that falls back to byte tokens (most non-ASCII text) has more tokens than characters
  and overruns the heap.  ``LLM.__call__`` and ``LLM.generate`` tokenize the same way.  This module
  never uses the ``LLM`` class: it binds the C functions itself and sizes the token buffer by the
  UTF-8 byte count, which bounds the number of tokens.
- Without an explicit library path, every load runs a CPU-detection subprocess (about a second).
  :func:`library_path` reads ``/proc/cpuinfo`` once instead.

The C interface exposes only the logits of the last evaluated position, so :meth:`Model.logits`
evaluates one position at a time.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from functools import cache
from pathlib import Path

import numpy as np

from llmterms import gguf_file
from llmterms.gguf_file import GGUFError

__all__ = ["Model", "ModelFileError", "library_path", "load", "validate"]


#: A model file that is not a GGUF file this loader can run safely: the one error type of the GGUF walker,
#: carrying the path, the problem and, where known, the offset, field and value.
ModelFileError = GGUFError


# -- Validation -------------------------------------------------------------------------------------

_MAX_CONTEXT = 1 << 20
# Tensor types the bundled llama.cpp can compute with (ggml's types as of September 2023). Newer types
# (IQ*, BF16, ...) postdate it.
_RUNNABLE_TYPES = {
    "F32",
    "F16",
    "Q4_0",
    "Q4_1",
    "Q5_0",
    "Q5_1",
    "Q8_0",
    "Q2_K",
    "Q3_K",
    "Q4_K",
    "Q5_K",
    "Q6_K",
}


# The metadata llama.cpp reads, with the (type, item type) it assumes.
_STRING, _ARRAY = gguf_file.STRING, gguf_file.ARRAY
_U32, _F32 = (4, None), (6, None)
_KEY_TYPES = {
    "general.architecture": (_STRING, None),
    "general.alignment": _U32,
    "general.file_type": _U32,
    "llama.context_length": _U32,
    "llama.embedding_length": _U32,
    "llama.block_count": _U32,
    "llama.feed_forward_length": _U32,
    "llama.rope.dimension_count": _U32,
    "llama.attention.head_count": _U32,
    "llama.attention.head_count_kv": _U32,
    "llama.attention.layer_norm_rms_epsilon": _F32,
    "llama.rope.freq_base": _F32,
    "llama.rope.scale_linear": _F32,
    "tokenizer.ggml.model": (_STRING, None),
    "tokenizer.ggml.tokens": (_ARRAY, _STRING),
    "tokenizer.ggml.scores": (_ARRAY, 6),
    "tokenizer.ggml.token_type": (_ARRAY, 5),
    "tokenizer.ggml.bos_token_id": _U32,
    "tokenizer.ggml.eos_token_id": _U32,
    "tokenizer.ggml.unknown_token_id": _U32,
    "tokenizer.ggml.separator_token_id": _U32,
    "tokenizer.ggml.padding_token_id": _U32,
}
_BYTE_TOKEN = 6  # token_type of the <0xNN> pieces


def _read_layout(f: gguf_file.GGUFFile) -> tuple[dict, list]:
    """Check what the walker leaves to each reader: the key types llama.cpp assumes, runnable tensors."""
    fields: dict = {}
    for key, (value_type, item_type) in f.types.items():
        expected = _KEY_TYPES.get(key)
        if expected is not None and expected != (value_type, item_type):
            # llama.cpp reads these keys through typed accessors that do not check the type.
            raise ModelFileError(
                f.path,
                f"metadata key {key} has type {(value_type, item_type)}, expected {expected}",
                field=key,
                value=(value_type, item_type),
            )
        if item_type == _ARRAY:
            raise ModelFileError(
                f.path, f"{key} is an array of arrays, which llama models never use", field=key
            )
        # The vocabulary's three arrays are read whole; other long arrays stay unread.
        fields[key] = f.array(key) if key in _TOKENIZER_ARRAYS else f.metadata[key]
    tensors = []
    for t in f.tensors:
        if t.type_name not in _RUNNABLE_TYPES:
            raise ModelFileError(
                f.path,
                f"tensor {t.name} has type {t.ggml_type}, which the bundled llama.cpp cannot run",
                field=t.name,
                value=t.ggml_type,
            )
        if 0 in t.dims:
            raise ModelFileError(
                f.path, f"tensor {t.name} has shape {list(t.dims)}, with no elements", field=t.name
            )
        tensors.append((t.name, list(t.dims), t.ggml_type, t.offset))
    return fields, tensors


_TOKENIZER_ARRAYS = ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type")


def _check_llama(fields, tensors, path) -> dict:
    """Check the metadata and tensor shapes a llama model needs; return the hyperparameters."""

    def fail(problem):
        raise ModelFileError(path, problem)

    def field(key):
        if key not in fields:
            fail(f"metadata key {key} is missing")
        return fields[key]

    if field("general.architecture") != "llama":
        fail(f"architecture is {fields['general.architecture']!r}; this loader runs only 'llama'")
    if field("tokenizer.ggml.model") != "llama":
        fail(
            f"tokenizer is {fields['tokenizer.ggml.model']!r}; this loader runs only SentencePiece ('llama')"
        )
    tokens = field("tokenizer.ggml.tokens")
    vocab_size = len(tokens)
    for key in ("tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
        # llama.cpp reads one entry per token without checking the length.
        if len(field(key)) != vocab_size:
            fail(f"{key} has {len(fields[key])} entries for {vocab_size} tokens")
    ids = {token: i for i, token in enumerate(tokens)}
    # llama.cpp looks byte pieces up with a throwing std::map::at: a missing one aborts the process.
    missing = [f"<0x{b:02X}>" for b in range(256) if f"<0x{b:02X}>" not in ids]
    if missing:
        fail(f"the vocabulary lacks the byte pieces {missing[0]} ... that byte fallback needs")
    for i, token_type in enumerate(fields["tokenizer.ggml.token_type"]):
        if token_type == _BYTE_TOKEN and not (len(tokens[i]) == 6 and tokens[i].startswith("<0x")):
            fail(f"token {i} is typed as a byte but reads {tokens[i]!r}")
    for key in ("bos_token_id", "eos_token_id", "unknown_token_id", "separator_token_id", "padding_token_id"):
        token_id = fields.get(f"tokenizer.ggml.{key}", 0)
        if token_id >= vocab_size:
            fail(f"tokenizer.ggml.{key} is {token_id}, outside the vocabulary of {vocab_size}")
    hp = {
        "vocab_size": vocab_size,
        "hidden_size": field("llama.embedding_length"),
        "n_layers": field("llama.block_count"),
        "intermediate_size": field("llama.feed_forward_length"),
        "n_heads": field("llama.attention.head_count"),
        "n_kv_heads": fields.get("llama.attention.head_count_kv", fields.get("llama.attention.head_count")),
        "context": field("llama.context_length"),
    }
    hidden_size, n_heads, n_kv_heads = hp["hidden_size"], hp["n_heads"], hp["n_kv_heads"]
    if not (n_heads and n_kv_heads and hidden_size % n_heads == 0 and n_heads % n_kv_heads == 0):
        fail(f"{n_heads} heads and {n_kv_heads} key/value heads do not divide {hidden_size} evenly")
    head_dim = hidden_size // n_heads
    if fields.get("llama.rope.dimension_count", head_dim) != head_dim:
        fail(
            f"llama.rope.dimension_count is {fields['llama.rope.dimension_count']}, "
            f"not the head size {head_dim}"
        )
    if not 1 <= hp["context"] <= _MAX_CONTEXT:
        fail(f"llama.context_length is {hp['context']}, outside 1 to {_MAX_CONTEXT}")
    # Each layer has nine tensors, so the file's own tensor list bounds the layer count; checking it first
    # keeps a forged block_count from driving the loop below.
    most = (len(tensors) - 2) // 9
    if not 1 <= hp["n_layers"] <= most:
        fail(f"llama.block_count is {hp['n_layers']}, but the file has tensors for at most {most} layers")
    kv_dim = head_dim * n_kv_heads
    expected = {
        "token_embd.weight": [hidden_size, vocab_size],
        "output_norm.weight": [hidden_size],
        "output.weight": [hidden_size, vocab_size],
    }
    for i in range(hp["n_layers"]):
        expected |= {
            f"blk.{i}.attn_norm.weight": [hidden_size],
            f"blk.{i}.attn_q.weight": [hidden_size, hidden_size],
            f"blk.{i}.attn_k.weight": [hidden_size, kv_dim],
            f"blk.{i}.attn_v.weight": [hidden_size, kv_dim],
            f"blk.{i}.attn_output.weight": [hidden_size, hidden_size],
            f"blk.{i}.ffn_norm.weight": [hidden_size],
            f"blk.{i}.ffn_gate.weight": [hidden_size, hp["intermediate_size"]],
            f"blk.{i}.ffn_up.weight": [hidden_size, hp["intermediate_size"]],
            f"blk.{i}.ffn_down.weight": [hp["intermediate_size"], hidden_size],
        }
    shapes = {name: shape for name, shape, _, _ in tensors}
    for name, shape in expected.items():
        if name not in shapes:
            fail(f"tensor {name} is missing")
        if shapes[name] != shape:
            fail(f"tensor {name} has shape {shapes[name]}, expected {shape}")
    hp["tokens"] = tuple(tokens)
    return hp


def validate(path) -> dict:
    """Check that *path* is a GGUF llama model the bundled llama.cpp can load; return its shape.

    >>> from llmterms import tiny
    >>> shape = validate(tiny.path())
    >>> shape["vocab_size"], shape["hidden_size"], shape["n_layers"], shape["n_heads"], shape["n_kv_heads"]
    (1024, 128, 4, 4, 2)

    Anything else raises :class:`ModelFileError`, which names the file and the problem:

    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "bad.gguf"
    >>> _ = bad.write_bytes(b"GGUF" + (7).to_bytes(4, "little") + bytes(16))
    >>> validate(bad)
    Traceback (most recent call last):
    ...
    llmterms.gguf_file.GGUFError: .../bad.gguf: GGUF version 7 is not supported (supported: 2, 3)
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(path, "no such file")
    # The bundled llama.cpp reads only little-endian files.
    with gguf_file.GGUFFile(path, little_endian_only=True) as f:
        fields, tensors = _read_layout(f)
    return _check_llama(fields, tensors, path)


# -- The C library ----------------------------------------------------------------------------------


@cache
def library_path(build: str | None = None) -> Path:
    """Return the ctransformers CPU library for this machine (or for *build*: avx2, avx or basic).

    The choice follows ctransformers' own rule (AVX2, else AVX with F16C, else neither) but reads the
    CPU flags from ``/proc/cpuinfo`` instead of starting a subprocess.

    >>> library_path("basic").parent.name
    'basic'
    >>> library_path().parent.name in ("avx2", "avx", "basic")
    True
    """
    spec = importlib.util.find_spec("ctransformers")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("ctransformers is not installed")
    lib_dir = Path(next(iter(spec.submodule_search_locations))) / "lib"
    if build is None:
        flags = _cpu_flags()
        build = "avx2" if "avx2" in flags else "avx" if {"avx", "f16c"} <= flags else "basic"
    name = {"linux": "libctransformers.so", "darwin": "libctransformers.dylib"}.get(
        sys.platform, "ctransformers.dll"
    )
    return lib_dir / build / name


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()  # not Linux: fall back to the build that needs no special instructions
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


class _Config(ctypes.Structure):
    _fields_ = [
        ("context_length", ctypes.c_int),
        ("gpu_layers", ctypes.c_int),
        ("mmap", ctypes.c_bool),
        ("mlock", ctypes.c_bool),
    ]


@cache
def _bind(lib_path: Path):
    lib = ctypes.CDLL(str(lib_path))
    p, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
    signatures = {
        "create": (p, [ctypes.c_char_p, ctypes.c_char_p, _Config]),
        "delete": (None, [p]),
        "tokenize": (i, [p, ctypes.c_char_p, ctypes.c_bool, ctypes.POINTER(i)]),
        "detokenize": (ctypes.c_char_p, [p, i]),
        "vocab_size": (i, [p]),
        "context_length": (i, [p]),
        "bos_token_id": (i, [p]),
        "eos_token_id": (i, [p]),
        "batch_eval": (ctypes.c_bool, [p, ctypes.POINTER(i), i, i, i, i]),
        "logits_data": (ctypes.POINTER(f), [p]),
        "logits_size": (i, [p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, f"ctransformers_llm_{name}")
        function.restype, function.argtypes = restype, argtypes
    return lib


# -- The model --------------------------------------------------------------------------------------


class Model:
    """A validated GGUF llama model running in ctransformers' llama.cpp; see :func:`load`."""

    def __init__(self, path, *, context_length=None, threads=1, lib=None):
        shape = validate(path)
        self.path = Path(path)
        self.context_length = int(context_length or shape["context"])
        if not 1 <= self.context_length <= _MAX_CONTEXT:
            raise ValueError(
                f"context_length must be between 1 and {_MAX_CONTEXT}, not {self.context_length}"
            )
        self.threads = int(threads)
        self._pieces = shape["tokens"]
        lib_file = library_path(lib) if lib in (None, "avx2", "avx", "basic") else Path(lib)
        self._lib = _bind(lib_file)
        config = _Config(context_length=self.context_length, gpu_layers=0, mmap=True, mlock=False)
        self._llm = self._lib.ctransformers_llm_create(str(self.path).encode(), b"gguf", config)
        if not self._llm:
            raise ModelFileError(self.path, "llama.cpp refused to load it")
        self.vocab_size = self._lib.ctransformers_llm_vocab_size(self._llm)
        self.bos_id = self._lib.ctransformers_llm_bos_token_id(self._llm)
        self.eos_id = self._lib.ctransformers_llm_eos_token_id(self._llm)

    def __repr__(self):
        return f"<Model {self.path.name} vocab={self.vocab_size} context={self.context_length}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        self.close()

    def close(self) -> None:
        """Free the model's memory in the C library; the object cannot be used afterwards.

        >>> from llmterms import tiny
        >>> model = tiny.load()
        >>> model.close()
        >>> model.tokenize("hello")
        Traceback (most recent call last):
        ...
        ValueError: the model is closed
        """
        llm, self._llm = getattr(self, "_llm", None), None
        if llm:
            self._lib.ctransformers_llm_delete(llm)

    def _handle(self):
        if not self._llm:
            raise ValueError("the model is closed")
        return self._llm

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        """Split *text* into token ids, the way llama.cpp does, with BOS first unless told otherwise.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     ids = model.tokenize("the model")
        ...     ids[0] == model.bos_id, len(ids)
        (True, 3)
        """
        handle = self._handle()
        data = text.encode("utf-8")
        if b"\0" in data:
            raise ValueError("text contains a NUL character, which the C interface would cut the text at")
        # A SentencePiece tokenizer with byte fallback emits at most one token per byte, plus the
        # leading-space piece and BOS: the byte count bounds the buffer (the characters do not).
        buffer = (ctypes.c_int * (len(data) + 8))()
        n = self._lib.ctransformers_llm_tokenize(handle, data, add_bos, buffer)
        return list(buffer[:n])

    def pieces(self, text: str) -> list[str]:
        """Show how *text* is split: the vocabulary entry of each token, without BOS.

        SentencePiece writes a space as '▁'; characters the vocabulary lacks fall back to one
        token per UTF-8 byte, written '<0xNN>'.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     model.pieces("GGUF file")
        ...     model.pieces("≈")
        ['▁GGUF', '▁file']
        ['▁', '<0xE2>', '<0x89>', '<0x88>']
        """
        return [self._pieces[i] for i in self.tokenize(text, add_bos=False)]

    def detokenize(self, ids) -> str:
        """Turn token ids back into text; the inverse of :meth:`tokenize`.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     model.detokenize(model.tokenize("Ünïcödé ≈ 🙂"))
        'Ünïcödé ≈ 🙂'
        """
        handle = self._handle()
        ids = list(ids)
        data = b"".join(self._lib.ctransformers_llm_detokenize(handle, int(i)) or b"" for i in ids)
        text = data.decode("utf-8", errors="replace")
        # llama.cpp puts a space before the text when it tokenizes it; take it back off.
        if ids[:1] == [self.bos_id] and text.startswith(" "):
            text = text[1:]
        return text

    def _eval(self, ids, n_past: int) -> None:
        handle = self._handle()
        if n_past + len(ids) > self.context_length:
            # The C side would silently overwrite the last positions instead of failing.
            raise ValueError(f"{n_past + len(ids)} tokens exceed the context length of {self.context_length}")
        if any(not 0 <= i < self.vocab_size for i in ids):
            raise ValueError(f"token ids must be between 0 and {self.vocab_size - 1}")
        array = (ctypes.c_int * len(ids))(*ids)
        if not self._lib.ctransformers_llm_batch_eval(
            handle, array, len(ids), n_past, len(ids), self.threads
        ):
            raise RuntimeError("llama.cpp failed to evaluate the tokens")

    def _last_logits(self) -> np.ndarray:
        handle = self._handle()
        size = self._lib.ctransformers_llm_logits_size(handle)
        data = self._lib.ctransformers_llm_logits_data(handle)
        return np.ctypeslib.as_array(data, shape=(size,))[-self.vocab_size :].copy()

    def logits(self, ids, first: int = 0) -> np.ndarray:
        """Return the logits at positions *first* onwards of *ids*: shape (len(ids) - first, vocab_size).

        Row *i* scores every candidate for the token after ``ids[first + i]``.  The C interface
        only exposes the last position's logits, so each returned row costs one call that
        evaluates one token against the KV cache; the tokens before *first* go in a single call.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     ids = model.tokenize("Quantization stores")
        ...     logits = model.logits(ids)
        ...     best_next = model.detokenize([int(logits[-1].argmax())])
        >>> logits.shape, best_next
        ((7, 1024), ' the')
        """
        ids = [int(i) for i in ids]
        if not 0 <= first < len(ids):
            raise ValueError(f"first must index into the {len(ids)} ids, not {first}")
        rows = np.empty((len(ids) - first, self.vocab_size), dtype=np.float32)
        if first:
            self._eval(ids[:first], 0)
        for row, position in enumerate(range(first, len(ids))):
            self._eval([ids[position]], position)
            rows[row] = self._last_logits()
        return rows

    def generate(
        self,
        prompt: str,
        max_new_tokens: int = 32,
        temperature: float = 0.0,
        top_k: int = 0,
        top_p: float = 1.0,
        seed: int = 0,
    ) -> str:
        """Continue *prompt* and return the new text; temperature 0 is greedy decoding.

        Greedy decoding takes the single most likely token at every step, so the output depends
        only on the model and the prompt.  With a temperature above zero the next token is drawn
        from the softmax of logits / temperature, restricted to the *top_k* most likely tokens
        (0 keeps all) and then to the smallest set whose probabilities add up to *top_p*; *seed*
        makes the draw repeatable.  There is no repetition penalty.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     model.generate("A GGUF file", max_new_tokens=8)
        ", so that is the model's"
        """
        ids = self.tokenize(prompt)
        rng = np.random.default_rng(seed)
        self._eval(ids, 0)
        new: list[int] = []
        while len(new) < max_new_tokens and len(ids) + len(new) < self.context_length:
            token = _choose(self._last_logits(), temperature, top_k, top_p, rng)
            if token == self.eos_id:
                break
            new.append(token)
            self._eval([token], len(ids) + len(new) - 1)
        prefix = self.detokenize(ids)
        return self.detokenize(ids + new)[len(prefix) :]


def _choose(logits: np.ndarray, temperature: float, top_k: int, top_p: float, rng) -> int:
    if temperature <= 0:
        return int(np.argmax(logits))
    order = np.argsort(-logits, kind="stable")
    if top_k > 0:
        order = order[:top_k]
    scaled = logits[order].astype(np.float64) / temperature
    probs = np.exp(scaled - scaled.max())
    probs /= probs.sum()
    keep = int(np.searchsorted(np.cumsum(probs), top_p)) + 1
    probs = probs[:keep] / probs[:keep].sum()
    return int(order[rng.choice(len(probs), p=probs)])


def load(path, **options) -> Model:
    """Validate the GGUF file at *path* and load it; options: context_length, threads, lib.

    ``context_length`` defaults to the length the model was trained with, ``threads`` to 1 (small
    models run fastest on one thread), and ``lib`` to the build :func:`library_path` picks.

    >>> from llmterms import tiny
    >>> with load(tiny.path("Q8_0")) as model:
    ...     model
    ...     model.vocab_size, model.context_length
    <Model llmterms-tiny-Q8_0.gguf vocab=1024 context=256>
    (1024, 256)
    """
    unknown = set(options) - {"context_length", "threads", "lib"}
    if unknown:
        raise TypeError(f"unknown options: {', '.join(sorted(unknown))}")
    return Model(path, **options)
