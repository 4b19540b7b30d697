"""The glossary: every entry, found by any of its names, and ranked search over them.

The layers below: :mod:`llmterms.entry` defines an entry, :mod:`llmterms.entry_file` reads and checks
entry files, :mod:`llmterms.entry_text` makes an entry terminal text, :mod:`llmterms.chapter_links` finds
the terms each chapter links, :mod:`llmterms.questions` finds the names inside a question. This module
collects them, and re-exports what the chapters, the Sphinx extension and the tests use, so that
``from llmterms import glossary`` is all they need. It is plain Python (PyYAML only, no Sphinx, no numpy)
so that ``llmterms define`` starts fast; the Sphinx extension and the command line both read the
glossary through it.

>>> from llmterms import glossary
>>> entry = glossary.lookup("GGUF")
>>> entry.category
'formats'
>>> glossary.search("rotary")[0].term
'Rotary position embedding'
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from llmterms import cache, questions
from llmterms.chapter_links import page_targets
from llmterms.entry import CATEGORIES, STATUSES, Entry, GlossaryError, Problem, term_targets
from llmterms.entry_file import OPTIONAL_KEYS, REQUIRED_KEYS, future_dates, read_folder
from llmterms.entry_text import format_entry, plain_text
from llmterms.questions import Section
from llmterms.ranking import best, normalize, rank, strong, text_score, words

__all__ = [
    "CATEGORIES",
    "OPTIONAL_KEYS",
    "REQUIRED_KEYS",
    "STATUSES",
    "Answer",
    "Entry",
    "Glossary",
    "GlossaryError",
    "Problem",
    "format_entry",
    "future_dates",
    "load",
    "lookup",
    "normalize",
    "plain_text",
    "search",
    "term_targets",
    "used_in",
]


class Answer(NamedTuple):
    """What ``llmterms define`` shows for a query: entries (none, one, or those compared) and sections.

    >>> answer = load().define("how much vram do I need")
    >>> [e.term for e in answer.entries], [(s.doc, s.heading) for s in answer.sections]
    (['VRAM'], [('05-memory', 'What fits in 8, 12, 16, 24 and 48 GB')])
    >>> load().define("zzxqv")  # nothing: the command line says no entry matches
    Answer(entries=(), sections=())
    """

    entries: tuple[Entry, ...]
    sections: tuple[Section, ...]


class Glossary:
    """All entries, with lookup by any name and ranked search.

    >>> g = load()
    >>> len(g) >= 20
    True
    >>> g["ntk scaling"].term
    'NTK-aware scaling'
    >>> "Quantisation" in g
    True
    """

    def __init__(self, entries: tuple[Entry, ...], root: Path, problems: tuple[Problem, ...] = ()):
        self.entries = entries
        self.root = root
        self.problems = problems
        self._index: list[_Indexed] | None = None
        self._ordered: list[Entry] | None = None
        self._position: dict[str, int] | None = None
        self._by_name: dict[str, Entry] = {}
        for entry in entries:
            for name in entry.names:
                self._by_name.setdefault(normalize(name), entry)

    def __repr__(self) -> str:
        return f"<Glossary of {len(self.entries)} entries from {self.root}>"

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize(name) in self._by_name

    def __getitem__(self, name: str) -> Entry:
        try:
            return self._by_name[normalize(name)]
        except KeyError:
            raise KeyError(f"no glossary entry named {name!r}") from None

    def get(self, name: str) -> Entry | None:
        """The entry with this term or alias (compared by :func:`~llmterms.ranking.normalize`), or None."""
        return self._by_name.get(normalize(name))

    def by_category(self) -> dict[str, list[Entry]]:
        """Entries grouped by category in manual order, each group sorted by term."""
        groups: dict[str, list[Entry]] = {slug: [] for slug in CATEGORIES}
        for entry in sorted(self.entries, key=lambda e: e.term.casefold()):
            groups[entry.category].append(entry)
        return groups

    def ordered(self) -> list[Entry]:
        """The entries in the order that breaks ties between equal search scores: by case-folded term."""
        if self._ordered is None:
            self._ordered = sorted(self.entries, key=lambda e: e.term.casefold())
        return self._ordered

    def search_index(self) -> list[tuple[tuple[str, tuple[str, ...]], ...]]:
        """Each entry's names as :func:`llmterms.ranking.rank` takes them, in :meth:`ordered` order."""
        return [item.names for item in self._indexed()]

    def search(self, query: str, limit: int = 5) -> list[Entry]:
        """Entries matching ``query``, best first (see :func:`search` for the ranking)."""
        items = self._indexed()

        def text(i: int, qwords: list[str]) -> float:
            return text_score(qwords, items[i].summary_words, items[i].body_words)

        found = rank(query, [item.names for item in items], limit, exact=self._exact(), text=text)
        return [items[i].entry for _, i in found]

    def define(self, query: str) -> Answer:
        """What ``llmterms define`` shows: the entry the query names strongly, or those a question names.

        Precision before recall: an entry only when the query is one of its names or matches one
        strongly (:func:`llmterms.ranking.strong`); otherwise the names inside a question
        (:func:`llmterms.questions.parse`), and the chapter sections that answer it.

        >>> g = load()
        >>> [e.term for e in g.define("ggml vs gguf").entries]
        ['ggml', 'GGUF']
        >>> g.define("fitting").entries  # "fitting" is inside Overfitting, which is not about it
        ()
        >>> [(e.term, s.heading) for e in g.define("7b").entries for s in g.define("7b").sections]
        [('Parameter', 'Size labels')]
        """
        found = self.best(query)
        if found is not None:
            return Answer((found,), ())
        question = questions.parse(query)
        entries: list[Entry] = []
        for part in question.parts:
            entry = self.best(part)
            if entry is not None and entry not in entries:
                entries.append(entry)
        sections = questions.sections(question, [e.category for e in entries])
        if not entries:
            entries = [e for s in sections for t in s.terms if (e := self.get(t)) is not None]
        return Answer(tuple(entries), tuple(sections))

    def best(self, query: str) -> Entry | None:
        """The best-ranked entry that ``query`` matches strongly, or None (:func:`llmterms.ranking.best`)."""
        items = self._indexed()
        position = best(query, [item.names for item in items], self._exact())
        return None if position is None else items[position].entry

    def matches(self, query: str, limit: int = 10) -> list[tuple[Entry, bool]]:
        """``llmterms search``: up to ``limit`` entries with whether each matches strongly, strong first.

        >>> [(e.term, strong) for e, strong in load().matches("what is perplexity", limit=2)]
        [('Perplexity', True), ('Cross-entropy', False)]
        """
        hits = self.search(query, limit)
        names = {id(item.entry): item.names for item in self._indexed()}
        flagged = [(e, strong(query, names[id(e)])) for e in hits]
        if not any(is_strong for _, is_strong in flagged):
            answered = self.define(query).entries
            flagged = [(e, True) for e in answered] + [(e, False) for e in hits if e not in answered]
        flagged.sort(key=lambda pair: not pair[1])  # stable: rank order within each group
        return flagged[:limit]

    def _exact(self) -> dict[str, int]:
        if self._position is None:
            self._position = {}
            for i, item in enumerate(self._indexed()):
                for n, _ in item.names:
                    self._position.setdefault(n, i)
        return self._position

    def _indexed(self) -> list[_Indexed]:
        if self._index is None:
            self._index = [_Indexed(entry) for entry in self.ordered()]
        return self._index

    def suggestions(self, query: str, limit: int = 3) -> list[str]:
        """Names close to ``query`` in spelling, for a "did you mean" line."""
        import difflib

        names = {normalize(n): n for entry in self.entries for n in entry.names}
        close = difflib.get_close_matches(normalize(query), list(names), n=limit, cutoff=0.6)
        return [names[c] for c in close]


# -- Loading ------------------------------------------------------------------------------------------


def load(path: str | Path | None = None, *, strict: bool = True) -> Glossary:
    """Read and validate every entry under ``path`` (default: the glossary shipped with llmterms).

    With ``strict`` (the default) any problem raises :class:`GlossaryError` listing all of them; otherwise the
    valid entries are returned and the problems are in ``glossary.problems``.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "formats").mkdir()
    >>> _ = (root / "formats" / "gguf.md").write_text(
    ...     "---\\nterm: GGUF\\naliases: []\\ncategory: formats\\nsummary: A file format.\\n"
    ...     "see_also: [GGMLv4]\\nreferences: []\\nstatus: current\\nverified: 2026-11-22\\n---\\nBody.\\n")
    >>> load(root)
    Traceback (most recent call last):
    ...
    llmterms.entry.GlossaryError: glossary/formats/gguf.md: see_also: unknown term 'GGMLv4'
    """
    if path is None:
        return _load_cached(Path(cache.source_root()) / "glossary", strict)
    return _load(Path(path), strict, use_cache=False)


@functools.lru_cache(maxsize=4)
def _load_cached(root: Path, strict: bool) -> Glossary:
    return _load(root, strict)


def _load(root: Path, strict: bool, use_cache: bool = True) -> Glossary:
    if not root.is_dir():
        raise GlossaryError([Problem(str(root), "path", "no such glossary folder")])
    # Parsing hundreds of YAML headers costs ten times Python's start-up; `llmterms define` should not pay it
    # on every call. The cache holds the validated result (entries and problems), stamped with every
    # Markdown file, stray ones included: a file in the wrong place is a problem the cache must not hide.
    sources = cache.stamp(str(root.parent)) if use_cache else None
    saved = cache.get("glossary", sources) if sources is not None else None
    try:
        entries = [_entry_from_data(e) for e in saved["entries"]]  # type: ignore[index]
        problems = [Problem(*p) for p in saved["problems"]]  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        entries, problems = read_folder(root)
        if sources is not None:
            data = {"entries": [_entry_to_data(e) for e in entries], "problems": [tuple(p) for p in problems]}
            cache.put("glossary", data, sources)
    if strict and problems:
        raise GlossaryError(problems)
    return Glossary(tuple(entries), root, tuple(problems))


def _entry_to_data(entry: Entry) -> tuple:
    return (*entry[:8], entry.verified.isoformat(), *entry[9:])


def _entry_from_data(data: tuple) -> Entry:
    fields = list(data)
    fields[8] = _dt.date.fromisoformat(fields[8])
    return Entry(*fields)


# -- Search ---------------------------------------------------------------------------------------------


class _Indexed:
    """An entry's names, normalized once for all queries; its words only when a query needs them."""

    def __init__(self, entry: Entry):
        self.entry = entry
        self.names = tuple((normalize(n), tuple(words(n))) for n in entry.names)

    @functools.cached_property
    def summary_words(self) -> frozenset[str]:
        return frozenset(words(self.entry.summary))

    @functools.cached_property
    def body_words(self) -> frozenset[str]:
        return frozenset(words(plain_text(self.entry.body, width=None)))


def lookup(name: str) -> Entry | None:
    """The packaged glossary's entry with this exact term or alias (case and punctuation ignored), or None.

    >>> lookup("n_gpu_layers").term
    'GPU offloading'
    >>> lookup("no such thing") is None
    True
    """
    return load().get(name)


def search(query: str, limit: int = 5) -> list[Entry]:
    """Search the packaged glossary, best match first.

    The ranking: an exact term or alias; then names the query starts or whose words it starts ("rotary",
    "ntk"); then names one typo away; then entries whose summary and body contain every word of the query.

    >>> [e.term for e in search("nucleus sampling", limit=1)]
    ['Top-p sampling']
    >>> search("quantisation")[0].term
    'Quantization'
    >>> search("perplexety")[0].term
    'Perplexity'
    """
    return load().search(query, limit=limit)


# -- Which chapters use which terms ---------------------------------------------------------------------


def used_in(glossary: Glossary | None = None, docs: str | Path | None = None) -> dict[str, list[str]]:
    """Map each term to the manual pages whose sources link it with a ``{term}`` role (no Sphinx needed).

    >>> pages = used_in()
    >>> "06-quantization" in pages["Quantization"]
    True
    """
    glossary = glossary or load()
    if docs is None:
        sources = cache.stamp()
        targets = cache.get("pages", sources)
        if not isinstance(targets, dict):
            targets = page_targets(Path(cache.source_root()) / "docs")
            cache.put("pages", targets, sources)
    else:
        targets = page_targets(Path(docs))
    found: dict[str, set[str]] = {entry.term: set() for entry in glossary}
    for docname, names in targets.items():
        for target in names:
            entry = glossary.get(target)
            if entry is not None:
                found[entry.term].add(docname)
    return {term: sorted(pages) for term, pages in found.items()}
