"""A small valid glossary, and a writer for entry files, for tests that need entries on disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

GOOD = {
    "concepts/large-language-model.md": """\
        term: Large language model
        aliases: [LLM]
        category: concepts
        summary: A neural network trained to predict text, with billions of parameters.
        see_also: [Transformer]
        references: [vaswani2017attention]
        status: current
        verified: 2026-11-22
        ---
        Most are {term}`transformers <Transformer>`.
        """,
    "architecture/transformer.md": """\
        term: Transformer
        aliases: [transformer architecture]
        category: architecture
        summary: A neural network architecture built from attention and feed-forward layers.
        see_also: [LLM]
        references: ["https://arxiv.org/abs/1706.03762"]
        status: current
        verified: 2026-11-22
        ---
        Introduced in 2017 for translation.
        """,
}


def write_entry(root: Path, relpath: str, front_matter: str, body: str | None = None) -> Path:
    """Write one entry file; ``front_matter`` may end with '---' and a body, as in GOOD."""
    text = textwrap.dedent(front_matter)
    if body is not None:
        text = text + "---\n" + body
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + text, encoding="utf-8")
    return path
