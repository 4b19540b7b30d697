"""Train the tiny Llama-architecture model on the manual's own text and write it as GGUF.

Run ``python -m llmterms.tiny.train`` (needs the ``train`` extra: torch and sentencepiece). The run is
deterministic for a given seed, text and machine: the tokenizer is trained single-threaded on the
sorted files, batches come from a seeded generator, and torch uses deterministic kernels on a fixed
number of threads.

The model follows Llama: RMSNorm before attention and before the feed-forward block, rotary position
embeddings (RoPE), grouped-query attention and a SwiGLU feed-forward block, with no biases.  RoPE is
trained in the interleaved form that llama.cpp runs for the ``llama`` architecture (it rotates the
adjacent pairs ``(x[2i], x[2i+1])``), so the weights go into the GGUF file as they are: no
permutation of the query and key matrices is needed, unlike for checkpoints converted from Hugging
Face, which rotate the two halves of each head instead.

This module is the only one in llmterms that imports torch or sentencepiece.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmterms import tiny

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Hyperparameters:
    """The shape of the model and of its training run.

    The defaults are the shipped model's shape; a run can change any of them:

    >>> from llmterms.cache_layout import from_gguf
    >>> shipped, hp = from_gguf(tiny.path()), Hyperparameters()
    >>> (hp.vocab_size, hp.dim, hp.n_layers, hp.context_length)
    (1024, 128, 4, 256)
    >>> (shipped.n_vocab, shipped.n_embd, shipped.n_layer, shipped.n_ctx_train)
    (1024, 128, 4, 256)
    >>> hp.dim // hp.n_heads, hp.n_heads // hp.n_kv_heads  # head dimension; query heads per KV head
    (32, 2)
    >>> Hyperparameters(steps=1000).steps
    1000
    """

    vocab_size: int = 1024
    dim: int = 128
    n_layers: int = 4
    n_heads: int = 4
    n_kv_heads: int = 2
    ffn_dim: int = 384
    context_length: int = 256
    rope_base: float = 10000.0
    rms_eps: float = 1e-5
    batch_size: int = 12
    steps: int = 250
    learning_rate: float = 3e-3
    warmup_steps: int = 30
    weight_decay: float = 0.1
    eval_every: int = 50
    seed: int = 20261122
    # One thread: on a machine shared with other jobs, two spin-waiting OpenMP threads ran a step
    # about five times slower than one (measured 16 s against 3.5 s at a load average of 10).
    threads: int = 1


# -- The text ---------------------------------------------------------------------------------------


def _read_split(root: Path) -> tuple[list[str], list[str]]:
    """Return (training texts, validation texts) from the manual under *root*, split by file name."""
    train: list[str] = []
    validation: list[str] = []
    for path in tiny.corpus_files(root):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(root).as_posix()
        (validation if tiny.is_validation(relative) else train).append(text)
    if not train or not validation:
        raise SystemExit(f"need text in both splits under {root}/glossary and {root}/docs")
    return train, validation


def _train_tokenizer(texts: list[str], vocab_size: int, workdir: Path):
    """Train a SentencePiece BPE tokenizer with byte fallback that llama.cpp reproduces exactly."""
    import sentencepiece as spm

    corpus = workdir / "corpus.txt"
    corpus.write_text("\n".join(texts), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(workdir / "tokenizer"),
        model_type="bpe",
        vocab_size=vocab_size,
        byte_fallback=True,
        # llama.cpp's SPM tokenizer applies no normalization and keeps every space; it does add a
        # leading space (the "dummy prefix"), as SentencePiece does by default.
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=True,
        split_digits=True,
        allow_whitespace_only_pieces=True,
        character_coverage=0.9995,
        max_sentence_length=1 << 16,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_file=str(workdir / "tokenizer.model"))


def _encode(sp, texts: list[str]) -> np.ndarray:
    """Concatenate the texts as one token stream, each document opened by BOS and closed by EOS."""
    ids: list[int] = []
    for text in texts:
        ids += [sp.bos_id(), *sp.encode(text), sp.eos_id()]
    return np.array(ids, dtype=np.int64)


# -- The model --------------------------------------------------------------------------------------


def _build_model(hp: Hyperparameters):
    """Return a freshly initialised Llama-style torch module for *hp*."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    head_dim = hp.dim // hp.n_heads
    inv_freq = hp.rope_base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angles = torch.outer(torch.arange(hp.context_length, dtype=torch.float64), inv_freq)
    cos, sin = angles.cos().float(), angles.sin().float()

    def rope(x):
        # x: (batch, heads, time, head_dim); rotate each adjacent pair (x[2i], x[2i+1]).
        t = x.shape[2]
        even, odd = x[..., 0::2], x[..., 1::2]
        c, s = cos[:t], sin[:t]
        return torch.stack((even * c - odd * s, even * s + odd * c), dim=-1).flatten(-2)

    class RMSNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(hp.dim))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + hp.rms_eps) * self.weight

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn_norm = RMSNorm()
            self.attn_q = nn.Linear(hp.dim, hp.n_heads * head_dim, bias=False)
            self.attn_k = nn.Linear(hp.dim, hp.n_kv_heads * head_dim, bias=False)
            self.attn_v = nn.Linear(hp.dim, hp.n_kv_heads * head_dim, bias=False)
            self.attn_output = nn.Linear(hp.n_heads * head_dim, hp.dim, bias=False)
            self.ffn_norm = RMSNorm()
            self.ffn_gate = nn.Linear(hp.dim, hp.ffn_dim, bias=False)
            self.ffn_up = nn.Linear(hp.dim, hp.ffn_dim, bias=False)
            self.ffn_down = nn.Linear(hp.ffn_dim, hp.dim, bias=False)

        def forward(self, x):
            b, t, _ = x.shape
            h = self.attn_norm(x)
            q = self.attn_q(h).view(b, t, hp.n_heads, head_dim).transpose(1, 2)
            k = self.attn_k(h).view(b, t, hp.n_kv_heads, head_dim).transpose(1, 2)
            v = self.attn_v(h).view(b, t, hp.n_kv_heads, head_dim).transpose(1, 2)
            q, k = rope(q), rope(k)
            group = hp.n_heads // hp.n_kv_heads
            k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.attn_output(a.transpose(1, 2).reshape(b, t, hp.dim))
            h = self.ffn_norm(x)
            return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))

    class Llama(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embd = nn.Embedding(hp.vocab_size, hp.dim)
            self.blocks = nn.ModuleList(Block() for _ in range(hp.n_layers))
            self.output_norm = RMSNorm()
            self.output = nn.Linear(hp.dim, hp.vocab_size, bias=False)
            for name, p in self.named_parameters():
                if p.dim() == 2:
                    std = (
                        0.02 / math.sqrt(2 * hp.n_layers)
                        if name.endswith(("_output.weight", "down.weight"))
                        else 0.02
                    )
                    nn.init.normal_(p, std=std)

        def forward(self, ids):
            x = self.token_embd(ids)
            for block in self.blocks:
                x = block(x)
            return self.output(self.output_norm(x))

    return Llama()


# -- Training ---------------------------------------------------------------------------------------


def _progress(step: int, total: int, note: str, started: float) -> None:
    """Draw a one-line progress bar on stderr."""
    width = 30
    done = int(width * step / total)
    elapsed = time.monotonic() - started
    bar = "#" * done + "." * (width - done)
    sys.stderr.write(f"\r[{bar}] {step}/{total} {elapsed:5.0f}s {note}")
    if step == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _train(hp: Hyperparameters, train_ids: np.ndarray, val_ids: np.ndarray):
    """Train the model and return it with its curve as (step, train loss, validation loss) rows."""
    import torch
    from torch.nn import functional as F

    torch.manual_seed(hp.seed)
    torch.set_num_threads(hp.threads)
    torch.use_deterministic_algorithms(True)
    model = _build_model(hp)
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": hp.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=hp.learning_rate,
        betas=(0.9, 0.95),
    )
    rng = np.random.default_rng(hp.seed)
    t = hp.context_length
    train_tensor = torch.from_numpy(train_ids)
    # Validation windows are fixed once so every evaluation scores the same tokens.
    val_starts = np.arange(0, max(1, len(val_ids) - t - 1), t)[:32]
    val_tensor = torch.from_numpy(val_ids)

    def batch(data, starts):
        x = torch.stack([data[s : s + t] for s in starts])
        y = torch.stack([data[s + 1 : s + t + 1] for s in starts])
        return x, y

    def loss_of(x, y):
        return F.cross_entropy(model(x).reshape(-1, hp.vocab_size), y.reshape(-1))

    def validation_loss():
        model.eval()
        with torch.no_grad():
            loss = loss_of(*batch(val_tensor, val_starts)).item()
        model.train()
        return loss

    def learning_rate(step):
        if step < hp.warmup_steps:
            return hp.learning_rate * (step + 1) / hp.warmup_steps
        progress_fraction = (step - hp.warmup_steps) / max(1, hp.steps - hp.warmup_steps)
        return hp.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress_fraction)))

    curve = []
    started = time.monotonic()
    recent: list[float] = []
    for step in range(1, hp.steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step - 1)
        starts = rng.integers(0, len(train_ids) - t - 1, size=hp.batch_size)
        loss = loss_of(*batch(train_tensor, starts))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        recent.append(loss.item())
        if step % hp.eval_every == 0 or step == hp.steps:
            # The training loss reported is the mean over the steps since the last report.
            curve.append((step, sum(recent) / len(recent), validation_loss()))
            recent.clear()
            sys.stderr.write("\r" + " " * 70 + "\r")
            print(
                f"step {step:4d}  train loss {curve[-1][1]:.3f}  validation loss {curve[-1][2]:.3f}",
                flush=True,
            )
        _progress(step, hp.steps, f"loss {loss.item():.3f}", started)
    return model, curve


# -- Writing GGUF -----------------------------------------------------------------------------------


def _write_gguf(model, sp, hp: Hyperparameters, path: Path) -> None:
    """Write the trained model and its tokenizer as a GGUF version 3 file with F16 matrices."""
    import gguf

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("llmterms-tiny")
    writer.add_description(
        "A tiny Llama-architecture model trained on the llmterms manual, for its doctests."
    )
    writer.add_context_length(hp.context_length)
    writer.add_embedding_length(hp.dim)
    writer.add_block_count(hp.n_layers)
    writer.add_feed_forward_length(hp.ffn_dim)
    writer.add_rope_dimension_count(hp.dim // hp.n_heads)
    writer.add_rope_freq_base(hp.rope_base)
    writer.add_head_count(hp.n_heads)
    writer.add_head_count_kv(hp.n_kv_heads)
    writer.add_layer_norm_rms_eps(hp.rms_eps)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)

    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        tokens.append(sp.id_to_piece(i).encode("utf-8"))
        scores.append(sp.get_score(i))
        if sp.is_unknown(i):
            types.append(gguf.TokenType.UNKNOWN)
        elif sp.is_control(i):
            types.append(gguf.TokenType.CONTROL)
        elif sp.is_byte(i):
            types.append(gguf.TokenType.BYTE)
        elif sp.is_unused(i):
            types.append(gguf.TokenType.UNUSED)
        else:
            types.append(gguf.TokenType.NORMAL)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(sp.bos_id())
    writer.add_eos_token_id(sp.eos_id())
    writer.add_unk_token_id(sp.unk_id())
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)

    state = {name: p.detach().numpy() for name, p in model.state_dict().items()}

    def add(name, array):
        # Norm weights stay F32 as llama.cpp's converters keep them; matrices become F16.
        writer.add_tensor(name, array.astype(np.float32 if array.ndim == 1 else np.float16))

    add("token_embd.weight", state["token_embd.weight"])
    for i in range(hp.n_layers):
        for part in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm"):
            add(f"blk.{i}.{part}.weight", state[f"blocks.{i}.{part}.weight"])
        for part in ("ffn_gate", "ffn_down", "ffn_up"):
            add(f"blk.{i}.{part}.weight", state[f"blocks.{i}.{part}.weight"])
    add("output_norm.weight", state["output_norm.weight"])
    add("output.weight", state["output.weight"])

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _check_tokenizer(sp, gguf_path: Path, texts: list[str]) -> None:
    """Fail unless llama.cpp, reading the GGUF file, tokenizes *texts* exactly as SentencePiece does."""
    from llmterms import engine

    with engine.load(gguf_path) as model:
        for text in texts:
            for line in text.splitlines():
                if model.tokenize(line, add_bos=False) != sp.encode(line):
                    raise SystemExit(f"llama.cpp and SentencePiece tokenize differently: {line!r}")


def _write_curve(curve, path: Path) -> None:
    """Write the training curve as tab-separated values."""
    lines = ["step\ttrain_loss\tvalidation_loss"]
    lines += [f"{step}\t{train_loss:.4f}\t{val_loss:.4f}" for step, train_loss, val_loss in curve]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Train the tiny model and write it, with its training curve, next to this module.

    Training needs torch; reading the options does not:

    >>> try:
    ...     main(["--help"])
    ... except SystemExit as exit:
    ...     print("exit status", exit.code)
    usage: python -m llmterms.tiny.train [-h] [--root ROOT] [--out OUT] [--steps STEPS] [--seed SEED]
    Train the tiny Llama-architecture model on the manual's own text and write it as GGUF.
    options:
      -h, --help     show this help message and exit
      --root ROOT    repository holding glossary/ and docs/
      --out OUT      output directory
      --steps STEPS
      --seed SEED
    exit status 0
    """
    parser = argparse.ArgumentParser(prog="python -m llmterms.tiny.train", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository holding glossary/ and docs/")
    parser.add_argument("--out", type=Path, default=Path(tiny.__file__).parent, help="output directory")
    parser.add_argument("--steps", type=int, default=Hyperparameters.steps)
    parser.add_argument("--seed", type=int, default=Hyperparameters.seed)
    args = parser.parse_args(argv)
    hp = Hyperparameters(steps=args.steps, seed=args.seed)

    started = time.monotonic()
    train_texts, val_texts = _read_split(args.root)
    with tempfile.TemporaryDirectory() as workdir:
        sp = _train_tokenizer(train_texts, hp.vocab_size, Path(workdir))
    train_ids, val_ids = _encode(sp, train_texts), _encode(sp, val_texts)
    print(
        f"{len(train_texts)} training files ({len(train_ids)} tokens), "
        f"{len(val_texts)} validation files ({len(val_ids)} tokens)",
        flush=True,
    )
    model, curve = _train(hp, train_ids, val_ids)
    n_params = sum(p.numel() for p in model.parameters())
    args.out.mkdir(parents=True, exist_ok=True)
    gguf_path = args.out / tiny.FILE_NAME
    # Write beside the target and rename, so nobody loading the model meanwhile sees half a file.
    partial = args.out / (tiny.FILE_NAME + ".partial")
    _write_gguf(model, sp, hp, partial)
    _check_tokenizer(sp, partial, val_texts)
    os.replace(partial, gguf_path)
    _write_curve(curve, args.out / "training_curve.tsv")
    (args.out / tiny.VALIDATION_FILE_NAME).write_text("\n".join(val_texts), encoding="utf-8")
    print(
        f"{n_params} parameters; wrote {gguf_path} ({gguf_path.stat().st_size} bytes) "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
