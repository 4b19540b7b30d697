"""The tiny model that ships with llmterms: a 1.1-million-parameter Llama trained on this manual.

It exists so that every example in the manual can run a real GGUF file through a real inference
library in milliseconds, without downloading anything.  It writes plausible fragments of the manual's
own prose and nothing more: it is a specimen for teaching, not an assistant.

The F16 file is package data.  The other quantization types are made from it on first use and cached
under the user's cache directory, keyed by the F16 file's SHA-256, so a retrained model never picks up
a stale cache.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

FILE_NAME = "llmterms-tiny-F16.gguf"
VALIDATION_FILE_NAME = "validation.txt"
QUANT_TYPES = ("F16", "Q8_0", "Q5_1", "Q5_0", "Q4_1", "Q4_0")
_HERE = Path(__file__).resolve().parent


def path(quant: str = "F16") -> Path:
    """Return the path of the tiny model's GGUF file in the given quantization type.

    The F16 file ships with the package; the others are quantized from it on first use.

    >>> path().name
    'llmterms-tiny-F16.gguf'
    >>> path("Q4_0").name
    'llmterms-tiny-Q4_0.gguf'
    >>> path("Q4_0").stat().st_size < path().stat().st_size / 3
    True
    """
    from llmterms.quant import requantize

    quant = quant.upper()
    if quant not in QUANT_TYPES:
        raise ValueError(f"unknown quantization type {quant!r}; expected one of {', '.join(QUANT_TYPES)}")
    source = _HERE / FILE_NAME
    if quant == "F16":
        return source
    target = _cache_dir() / f"llmterms-tiny-{quant}.gguf"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a private name and rename: two processes quantizing at once never see half a file.
        fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        os.close(fd)
        try:
            # Every matrix goes to the one type (norms stay F32): unlike llama.cpp's quantize tool,
            # which keeps some matrices at higher precision, so the quantization chapter's table
            # shows the effect of the type alone.
            requantize(source, quant, partial)
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)
    return target


def load(quant: str = "F16", **options):
    """Load the tiny model through :func:`llmterms.engine.load`.

    >>> with load() as model:
    ...     model.pieces("GGUF file")
    ['▁GGUF', '▁file']
    """
    from llmterms import engine

    return engine.load(path(quant), **options)


def validation_text() -> str:
    """Return the held-out text: the files the tiny model never saw in training.

    The training script writes it next to the model, so it always matches the shipped weights.

    >>> len(validation_text()) > 10_000
    True
    """
    return (_HERE / VALIDATION_FILE_NAME).read_text(encoding="utf-8")


class QuantRow(NamedTuple):
    """One row of :func:`quantization_table`.

    Q4_0 stores blocks of 32 weights in 18 bytes, 4.5 bits each; the norms, kept in F32, add the rest:

    >>> row = QuantRow("Q4_0", file_bytes=618_880, bits_per_weight=4.53, perplexity=13.1)
    >>> f"{row.quant}: {row.file_bytes / 1e6:.2f} MB, PPL {row.perplexity}"
    'Q4_0: 0.62 MB, PPL 13.1'
    >>> round(row.bits_per_weight - 18 * 8 / 32, 2)  # above 4.5: the F32 norms
    0.03
    """

    quant: str
    file_bytes: int
    bits_per_weight: float
    perplexity: float


def quantization_table(chunks: int = 4) -> list[QuantRow]:
    """Measure the tiny model in every quantization type: file size, bits per weight, perplexity.

    Perplexity is measured live on the held-out text (:func:`validation_text`) by llama.cpp's method,
    over the first *chunks* windows of the model's full context.  Bits per weight counts the tensor
    data only (every weight, including the norms kept in F32), not the tokenizer in the metadata.
    The example measures one window and rounds perplexity to one decimal: the engines that can run the
    model (ctransformers' AVX2, AVX and basic libraries, the numpy forward pass) differ in the second
    decimal, and ``tests/test_printed_digits.py`` checks that they agree on every digit shown.

    >>> for row in quantization_table(chunks=1):
    ...     size, bpw = row.file_bytes / 1e6, row.bits_per_weight
    ...     print(f"{row.quant:5} {size:4.2f} MB {bpw:5.2f} bpw  PPL {row.perplexity:.1f}")
    F16   2.13 MB 16.02 bpw  PPL 12.8
    Q8_0  1.14 MB  8.53 bpw  PPL 12.8
    Q5_1  0.82 MB  6.03 bpw  PPL 12.8
    Q5_0  0.75 MB  5.53 bpw  PPL 12.8
    Q4_1  0.68 MB  5.03 bpw  PPL 12.9
    Q4_0  0.62 MB  4.53 bpw  PPL 13.1
    """
    import gguf

    from llmterms import engine
    from llmterms.perplexity import perplexity

    text = validation_text()
    rows = []
    for quant in QUANT_TYPES:
        file = path(quant)
        tensors = gguf.GGUFReader(file).tensors
        bits = 8 * sum(int(t.n_bytes) for t in tensors) / sum(int(t.n_elements) for t in tensors)
        with engine.load(file) as model:
            rows.append(QuantRow(quant, file.stat().st_size, bits, perplexity(model, text, chunks=chunks)))
    return rows


def corpus_files(root: Path) -> list[Path]:
    """Return the manual's Markdown files under *root* (glossary, then chapters), in a fixed order.

    >>> [p.name for p in corpus_files(Path("/nonexistent"))]
    []
    """
    files = []
    for folder in ("glossary", "docs"):
        found = sorted((root / folder).glob("**/*.md"))
        # Build output and hidden folders (docs/_build, .ipynb_checkpoints) are not the manual.
        files += [
            p
            for p in found
            if not any(part.startswith(("_", ".")) for part in p.relative_to(root).parts[:-1])
        ]
    return files


def is_validation(relative_path: str) -> bool:
    """Tell whether a file belongs to the held-out split, decided by a hash of its path alone.

    The split depends only on the file's path, so adding or editing other files never moves a file
    from one side to the other.  About one file in ten is held out.

    >>> is_validation("docs/index.md"), is_validation("glossary/formats/gguf.md")
    (True, False)
    >>> sum(is_validation(f"glossary/x/{i}.md") for i in range(1000))
    108
    """
    digest = hashlib.sha256(relative_path.encode("utf-8")).digest()
    return digest[0] % 10 == 0


@cache
def _source_digest() -> str:
    return hashlib.sha256((_HERE / FILE_NAME).read_bytes()).hexdigest()


def _cache_dir() -> Path:
    from llmterms import cache  # the one folder rule for every llmterms cache

    return Path(cache.folder()) / f"tiny-{_source_digest()[:16]}"
