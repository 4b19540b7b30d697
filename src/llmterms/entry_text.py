"""A glossary entry as plain text for a terminal: MyST Markdown made readable, wrapped to 80 columns.

This is what ``llmterms define`` prints; it sits on :mod:`llmterms.entry` and below
:mod:`llmterms.glossary`, which searches entries' plain text too.

>>> print(plain_text("Uses the {term}`KV cache` **twice** {cite:p}`pope2022efficiently`.", width=30))
Uses the KV cache twice
[pope2022efficiently].
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from llmterms.entry import Entry, roles

__all__ = ["WIDTH", "format_entry", "plain_text", "tool_options"]

#: The terminal width the command line wraps to.
WIDTH = 80


def plain_text(markdown: str, width: int | None = WIDTH) -> str:
    """Turn an entry body's MyST Markdown into plain text for a terminal, wrapped to ``width`` columns.

    >>> plain_text("The {term}`KV cache <KV cache>` grows with **context** {cite:p}`pope2022efficiently`.")
    'The KV cache grows with context [pope2022efficiently].'
    """
    pieces, last = [], 0
    for role in roles(markdown):
        pieces.append(markdown[last : role.start])
        if role.name.startswith("cite"):
            pieces.append("[" + role.content.replace(",", ", ") + "]")
        else:
            pieces.append(role.text or role.target or "")
        last = role.end
    text = "".join(pieces) + markdown[last:]
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m[1] or m[2], text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r"\1 <\2>", text)
    text = re.sub(r"\s+([.,;:])", r"\1", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    if width is None:
        return "\n\n".join(paragraphs)
    return "\n\n".join(textwrap.fill(p, width=width, break_on_hyphens=False) for p in paragraphs)


def tool_options(entry: Entry) -> dict[str, list[str]]:
    """The option names tools use for this entry's setting, from :mod:`llmterms.options`.

    >>> from llmterms import glossary
    >>> tool_options(glossary.lookup("GPU offloading"))["Ollama"]
    ['num_gpu']
    """
    from llmterms import options  # reads a TOML table; only entries' full text needs it

    concept = options.for_term(entry.term)
    if concept is None:
        return {}
    tools = options.tools()
    return {tools[key].name: list(names) for key, names in concept.names.items() if names}


def format_entry(entry: Entry, used_in: Sequence[str] = ()) -> str:
    """An entry as text for an 80-column terminal: heading, summary, body, then see-also and sources.

    >>> from llmterms import glossary
    >>> print(format_entry(glossary.lookup("GGUF")))  # doctest: +ELLIPSIS
    GGUF
    formats · current · verified ...
    ...
    See also: ...
    """
    meta = f"{entry.category} · {entry.status} · verified {entry.verified.isoformat()}"
    if entry.replaced_by:
        meta += f" · replaced by {entry.replaced_by}"
    parts = [f"{entry.term}\n{meta}"]
    if entry.aliases:
        parts[0] += "\n" + _wrapped("Also: ", entry.aliases)
    parts.append(textwrap.fill(entry.summary, WIDTH))
    parts.append(plain_text(entry.body, WIDTH))
    tail = [_wrapped("See also: ", entry.see_also)]
    if entry.references:
        tail.append(_wrapped("References: ", entry.references))
    if used_in:
        tail.append(_wrapped("Used in: ", used_in))
    parts.append("\n".join(tail))
    options = tool_options(entry)
    if options:
        width = max(len(tool) for tool in options) + 2
        lines = ["The same setting in each tool:"]
        lines += [
            textwrap.fill(
                ", ".join(names),
                WIDTH,
                initial_indent=f"  {tool:<{width}}",
                subsequent_indent=" " * (width + 2),
            )
            for tool, names in options.items()
        ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _wrapped(label: str, items: Sequence[str]) -> str:
    indent = " " * len(label)
    return textwrap.fill(
        ", ".join(items), WIDTH, initial_indent=label, subsequent_indent=indent, break_on_hyphens=False
    )
