"""Questions as readers type them: "what is perplexity", "ggml vs gguf", "how much vram do I need", "7b".

When the words as typed name no glossary entry strongly (:func:`llmterms.ranking.strong`),
:meth:`llmterms.glossary.Glossary.define` asks :func:`parse` for the names inside the question: the
question words dropped, a comparison split into the things compared. :func:`sections` then points to
the chapter sections that answer a kind of question better than an entry. The words and the sections
are data, in ``data/questions.toml``.

>>> parse("What is perplexity?").parts
('perplexity',)
>>> q = parse("difference between q4_k_m and q5_k_m")
>>> q.parts, q.comparison
(('q4_k_m', 'q5_k_m'), True)
>>> [s.heading for s in sections(parse("how much VRAM do I need"))]
['What fits in 8, 12, 16, 24 and 48 GB']
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

from llmterms import data
from llmterms.ranking import is_size_label

__all__ = ["Question", "Section", "all_sections", "parse", "sections"]


class Question(NamedTuple):
    """The names inside a question, whether it compares them, and its words (case-folded).

    The parts are looked up as glossary names; the words are what :func:`sections` matches:

    >>> q = parse("How much VRAM?")
    >>> q.parts, q.comparison, sorted(q.words)
    (('VRAM',), False, ['how', 'much', 'vram'])
    """

    parts: tuple[str, ...]
    comparison: bool
    words: frozenset[str]


class Section(NamedTuple):
    """A chapter section that answers a kind of question; see ``data/questions.toml`` for the fields.

    A section answers a question holding every word of one of its ``when`` sets:

    >>> memory = all_sections()[0]
    >>> memory.doc, memory.heading
    ('05-memory', 'What fits in 8, 12, 16, 24 and 48 GB')
    >>> [sorted(words) for words in memory.when][-1]
    ['fit', 'will']
    >>> any(words <= parse("will it fit on my card").words for words in memory.when)
    True
    """

    doc: str
    heading: str
    when: tuple[frozenset[str], ...] = ()
    size_label: bool = False
    compare_category: str | None = None
    terms: tuple[str, ...] = ()


@functools.cache
def _data() -> dict:
    return data.read("questions.toml")


@functools.cache
def all_sections() -> tuple[Section, ...]:
    """Every section in the data file, in its order.

    >>> [s.doc for s in all_sections()][:2]
    ['05-memory', '04-names']
    """
    known = set(Section._fields)
    found = []
    for row in _data()["section"]:
        if set(row) - known:
            raise ValueError(
                f"questions.toml, section {row.get('heading')!r}: unknown {sorted(set(row) - known)}"
            )
        found.append(
            Section(
                doc=row["doc"],
                heading=row["heading"],
                when=tuple(frozenset(w.casefold() for w in words) for words in row.get("when", ())),
                size_label=row.get("size_label", False),
                compare_category=row.get("compare_category"),
                terms=tuple(row.get("terms", ())),
            )
        )
    return tuple(found)


def _word(token: str) -> str:
    return token.casefold().strip("?!.,;:\"'()")


def parse(query: str) -> Question:
    """The names a question asks about: question words dropped, a comparison split at "vs", "and", ...

    A part that would be left empty keeps its words: "what is" is still a query.

    >>> parse("ggml vs gguf")[:2]
    (('ggml', 'gguf'), True)
    >>> parse("how much vram do I need").parts, parse("7b").parts
    (('vram',), ('7b',))
    """
    data = _data()
    drop, compare, separators = set(data["drop"]), set(data["compare"]), set(data["separators"])
    tokens = query.split()
    words = [_word(t) for t in tokens]
    comparison = any(w in compare for w in words)
    groups: list[list[str]] = [[]]
    for token, word in zip(tokens, words, strict=True):
        if comparison and word in separators:
            groups.append([])
        else:
            groups[-1].append(token)
    parts = []
    for group in groups:
        kept = [t for t in group if _word(t) not in drop and _word(t)]
        part = " ".join(kept or ([] if comparison else group)).strip("?!.,;: ")
        if part:
            parts.append(part)
    return Question(tuple(parts), comparison and len(parts) > 1, frozenset(w for w in words if w))


def sections(question: Question, categories: Sequence[str] = ()) -> list[Section]:
    """The chapter sections that answer ``question``; ``categories`` are those of the entries it names.

    >>> [s.heading for s in sections(parse("7b"))]
    ['Size labels']
    >>> [s.heading for s in sections(parse("q4_k_m vs q5_k_m"), ["quantization", "quantization"])]
    ['Choosing a quantization']
    """
    found = []
    for section in all_sections():
        if (
            any(words <= question.words for words in section.when)
            or (section.size_label and len(question.parts) == 1 and is_size_label(question.parts[0]))
            or (
                section.compare_category is not None
                and question.comparison
                and len(categories) > 1
                and all(c == section.compare_category for c in categories)
            )
        ):
            found.append(section)
    return found
