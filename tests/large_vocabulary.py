"""A synthetic GGUF file with a 262,144-token vocabulary, for timing the header readers without a download.

The header copies Gemma 3 270M's shape (``gemma3``: 18 blocks, width 640, 4 heads sharing 1 KV head of 256,
262,144 tokens with scores and types, as in its config.json and its GGUF conversion). The tensors are small
(one F16 embedding matrix 16 wide), so the file is about 12 MB: the vocabulary, not the weights, is what
costs a reader that materialises every token string (gguf-py's ``GGUFReader`` takes about 9 s on the real
253 MB file).
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

N_VOCAB = 262_144


def write_large_vocabulary_model(path: Path, n_vocab: int = N_VOCAB) -> Path:
    """Write the file to ``path`` and return ``path``."""
    w = gguf.GGUFWriter(str(path), "gemma3")
    w.add_name("large-vocabulary")
    w.add_context_length(32768)
    w.add_embedding_length(640)
    w.add_block_count(18)
    w.add_feed_forward_length(2048)
    w.add_head_count(4)
    w.add_head_count_kv(1)
    w.add_key_length(256)
    w.add_value_length(256)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_tokenizer_model("llama")
    w.add_token_list([f"<tok{i}>" for i in range(n_vocab)])
    w.add_token_scores(np.linspace(0, -1, n_vocab, dtype=np.float32).tolist())
    w.add_token_types([1] * n_vocab)
    w.add_bos_token_id(2)
    w.add_eos_token_id(n_vocab - 1)  # the last token: a reader must find it without decoding the others
    w.add_add_bos_token(True)
    w.add_chat_template("{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}")
    w.add_tensor("token_embd.weight", np.zeros((n_vocab, 16), dtype=np.float16))
    w.add_tensor("output_norm.weight", np.ones(16, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
