"""Numbers the manual prints from the tiny model show only the digits every engine agrees on.

ctransformers' avx2, avx and basic libraries and the numpy forward pass compute the same logits to about the
third decimal, so a perplexity can differ in its second decimal from one engine to the next. Each printout
below is computed as the manual computes it, on every engine this machine can run, and must come out the
same on all of them and appear in the manual as printed. On a machine without AVX2 fewer engines take part;
CI runs every example on every engine (`tox -e doctest-avx2,doctest-avx,doctest-basic,doctest-numpy`), and
this test finds a bad digit in seconds.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from llmterms import engine, perplexity, sampling, tiny

REPO = Path(__file__).resolve().parents[1]


def engines() -> list[str]:
    """The engines to compare: every ctransformers build this machine runs, and the numpy forward pass."""
    return [*engine.runnable_builds(), "none"]


def chapter_16() -> str:
    """docs/16-how-do-i.md, "... measure perplexity?"."""
    held_out = tiny.validation_text()[:4000]
    lines = []
    for quant in ("F16", "Q8_0", "Q4_0"):
        with tiny.load(quant) as model:
            lines.append(f"{quant} {round(perplexity.perplexity(model, held_out, context_length=128), 1)}")
    return "\n".join(lines)


def chapter_09() -> str:
    """docs/09-inference-sampling.md: the next-token probabilities and how many tokens each sampler keeps."""
    with tiny.load() as model:
        logits = model.logits(model.tokenize("Quantization stores"))[-1]
        probs = [(model.detokenize([i]), p) for i, p in sampling.top(sampling.softmax(logits), n=5)]
        cool = sampling.softmax(sampling.temperature(logits, 0.5))
        cooler = [(model.detokenize([i]), p) for i, p in sampling.top(cool, n=3)]
        counts = []
        for prompt in ("Quantization stores", "Temperature"):
            x = model.logits(model.tokenize(prompt))[-1]
            kept = (sampling.top_k(x, 40), sampling.top_p(x, 0.95), sampling.min_p(x, 0.05))
            k, p, m = [int(np.isfinite(k).sum()) for k in kept]
            counts.append((k, round(p, -1), m))
    return f"{probs}\n{cooler}\n{tuple(counts)}"


def chapter_12() -> str:
    """docs/12-measuring.md: perplexity in order and shuffled, then with a short and a long window."""
    text = tiny.validation_text()[:8000]
    words = text.split(" ")
    random.Random(0).shuffle(words)
    with tiny.load() as model:
        in_order = perplexity.perplexity(model, text, context_length=128)
        scrambled = perplexity.perplexity(model, " ".join(words), context_length=128)
        short = perplexity.perplexity(model, text, context_length=32)
        long = perplexity.perplexity(model, text, context_length=256)
    return (
        f"{(round(in_order, 1), round(scrambled, 1), model.vocab_size)}\n{(round(short, 1), round(long, 1))}"
    )


def quantization_table() -> str:
    """The example of llmterms.tiny.quantization_table."""
    lines = []
    for row in tiny.quantization_table(chunks=1):
        size, bpw = row.file_bytes / 1e6, row.bits_per_weight
        lines.append(f"{row.quant:5} {size:4.2f} MB {bpw:5.2f} bpw  PPL {row.perplexity:.1f}")
    return "\n".join(lines)


PRINTOUTS = {
    "docs/09-inference-sampling.md": chapter_09,
    "docs/12-measuring.md": chapter_12,
    "docs/16-how-do-i.md": chapter_16,
    "src/llmterms/tiny/__init__.py": quantization_table,
}


@pytest.fixture(scope="module")
def printed() -> dict[str, dict[str, str]]:
    """{engine: {where: text}}, each engine chosen the way readers choose it, by the environment variable."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "_notice", lambda text: None)  # tested in test_engine.py
        for name in engines():
            mp.setenv(engine.ENVIRONMENT_VARIABLE, name)
            out[name] = {where: compute() for where, compute in PRINTOUTS.items()}
    return out


@pytest.mark.parametrize("where", PRINTOUTS)
def test_every_engine_prints_the_same_digits(printed, where):
    texts = {name: by_place[where] for name, by_place in printed.items()}
    assert len(set(texts.values())) == 1, texts


@pytest.mark.parametrize("where", PRINTOUTS)
def test_the_manual_prints_them(printed, where):
    shown = {line.strip() for line in (REPO / where).read_text(encoding="utf-8").splitlines()}
    for line in printed["none"][where].splitlines():
        assert line.strip() in shown, line
