"""A GGUF file that holds a llama model the September 2023 llama.cpp inside ctransformers can run.

:func:`validate` checks every count, length, offset and shape against the file's size (through
:mod:`llmterms.gguf_file`'s bounds-checked walk) and the metadata types and tensor types that llama.cpp
assumes, so that a malformed file raises :class:`ModelFileError` in Python instead of crashing the process
inside the C library. The engine (:mod:`llmterms.engine`) and the numpy forward pass
(:mod:`llmterms.forward_pass`) both read their files through it.
"""

from __future__ import annotations

from pathlib import Path

from llmterms import gguf_file
from llmterms.gguf_file import GGUFError

__all__ = ["MAX_CONTEXT", "ModelFileError", "validate"]

#: A model file that is not a GGUF file this loader can run safely: the one error type of the GGUF walker,
#: carrying the path, the problem and, where known, the offset, field and value.
ModelFileError = GGUFError


# -- Validation -------------------------------------------------------------------------------------

#: The longest context llama.cpp of September 2023 accepts, in tokens.
MAX_CONTEXT = 1 << 20
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
    if not 1 <= hp["context"] <= MAX_CONTEXT:
        fail(f"llama.context_length is {hp['context']}, outside 1 to {MAX_CONTEXT}")
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
