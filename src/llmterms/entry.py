"""One glossary entry: its fields, the words its category and status may take, and the roles in its body.

The bottom layer of the glossary: :mod:`llmterms.entry_file` reads and checks the files entries come from,
:mod:`llmterms.entry_text` turns an entry into terminal text, and :mod:`llmterms.glossary` collects and
searches the entries.

>>> entry = Entry("GGUF", ("GGUF file",), "formats", "A file format.", "Uses {term}`GGML`.", ("GGML",), (),
...               "current", _dt.date(2026, 11, 22), "gguf", "glossary/formats/gguf.md")
>>> entry.names, term_targets(entry.body)
(('GGUF', 'GGUF file'), ['GGML'])
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

__all__ = ["CATEGORIES", "STATUSES", "Entry", "GlossaryError", "Problem", "Role", "roles", "term_targets"]

#: Category slug -> heading, in the order the manual presents them.
CATEGORIES: dict[str, str] = {
    "concepts": "Concepts",
    "architecture": "Architecture",
    "families": "Model families",
    "formats": "File formats",
    "quantization": "Quantization",
    "loaders": "Loaders and backends",
    "frontends": "Front-ends and APIs",
    "prompting": "Prompting",
    "inference": "Inference and sampling",
    "context": "Context",
    "training": "Training",
    "evaluation": "Evaluation",
    "hardware": "Hardware",
}
#: The lifecycle of what an entry (or a loader, in :mod:`llmterms.support`) describes: still in use,
#: replaced but working, or no longer supported.
STATUSES = ("current", "deprecated", "obsolete")

# {term}`name` or {term}`shown text <name>`; the same shape serves every MyST role.
_ROLE = re.compile(r"\{(?P<role>[a-z:]+)\}`(?P<content>[^`]+)`")
_ROLE_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)


class Problem(NamedTuple):
    """One thing wrong with one glossary file, phrased as ``path: key: message``.

    >>> str(Problem("glossary/formats/gguf.md", "see_also", "unknown term 'GGMLv4'"))
    "glossary/formats/gguf.md: see_also: unknown term 'GGMLv4'"
    """

    path: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.key}: {self.message}"


class GlossaryError(ValueError):
    """The glossary has problems; ``problems`` lists every one, and the message shows them all.

    >>> err = GlossaryError([Problem("glossary/x/a.md", "category", "unknown category 'x'")])
    >>> print(err)
    glossary/x/a.md: category: unknown category 'x'
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Entry(NamedTuple):
    """One glossary entry; the attributes are the keys of its file, plus where it came from.

    A named tuple: light to import (``llmterms define`` imports it), and a type checker sees its fields.

    >>> entry = Entry("KV cache", ("K/V cache",), "inference", "Saved keys and values.", "Body.",
    ...               ("Attention",), (), "current", _dt.date(2026, 11, 22), "kv-cache",
    ...               "glossary/inference/kv-cache.md")
    >>> entry.names, entry.replaced_by
    (('KV cache', 'K/V cache'), None)
    """

    term: str
    aliases: tuple[str, ...]
    category: str
    summary: str
    body: str
    see_also: tuple[str, ...]
    references: tuple[str, ...]
    status: str
    verified: _dt.date
    slug: str
    path: str
    replaced_by: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The term first, then its aliases."""
        return (self.term, *self.aliases)

    def to_dict(self) -> dict:
        """The entry as plain JSON-ready data (dates as ISO strings).

        >>> Entry("GGUF", (), "formats", "A file format.", "Body.", ("GGML",), (), "current",
        ...       _dt.date(2026, 11, 22), "gguf", "glossary/formats/gguf.md").to_dict()["verified"]
        '2026-11-22'
        """
        return {
            "term": self.term,
            "aliases": list(self.aliases),
            "category": self.category,
            "summary": self.summary,
            "body": self.body,
            "see_also": list(self.see_also),
            "references": list(self.references),
            "status": self.status,
            "verified": self.verified.isoformat(),
            "replaced_by": self.replaced_by,
            "slug": self.slug,
            "path": self.path,
        }


# -- MyST roles, as entry bodies and chapters use them --------------------------------------------------


class Role(NamedTuple):
    """One MyST role in a text: where it is, its name, its content, and the shown text and target in it.

    ``start`` and ``end`` index the whole role in the text, so a caller can replace it:

    >>> text = "Uses {term}`heads <Attention head>`."
    >>> role = next(roles(text))
    >>> text[role.start : role.end], role.content, role.text, role.target
    ('{term}`heads <Attention head>`', 'heads <Attention head>', 'heads', 'Attention head')
    >>> text[: role.start] + role.text + text[role.end :]
    'Uses heads.'
    """

    start: int
    end: int
    name: str
    content: str
    text: str
    target: str | None  # None unless written as `text <target>`


def roles(markdown: str) -> Iterator[Role]:
    """Each MyST role in ``markdown``, in order.

    >>> [(r.name, r.text, r.target) for r in roles("{term}`heads <Attention head>`, {cite:p}`x`")]
    [('term', 'heads', 'Attention head'), ('cite:p', 'x', None)]
    """
    for match in _ROLE.finditer(markdown):
        content = match["content"]
        explicit = _ROLE_TARGET.match(content)
        text, target = (explicit["text"], explicit["target"]) if explicit else (content, None)
        yield Role(match.start(), match.end(), match["role"], content, text, target)


def term_targets(markdown: str) -> list[str]:
    """The glossary names that ``{term}`` roles in a piece of MyST Markdown point at.

    >>> term_targets("Uses the {term}`KV cache` and {term}`heads <Attention head>`.")
    ['KV cache', 'Attention head']
    """
    return [(r.target or r.text).strip() for r in roles(markdown) if r.name == "term"]
