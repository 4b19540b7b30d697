"""The glossary: load entries from their files, validate them, and search them.

Each entry is one Markdown file under ``glossary/<category>/<slug>.md``: YAML front matter with the keys in
:data:`REQUIRED_KEYS` (plus the optional ``replaced_by``), then the body in MyST Markdown. This
module is plain Python (PyYAML only, no Sphinx, no numpy) so that ``llmterms define`` starts fast; the
Sphinx extension and the command line both read the glossary through it.

>>> from llmterms import glossary
>>> entry = glossary.lookup("GGUF")
>>> entry.category
'formats'
>>> glossary.search("rotary")[0].term
'Rotary position embedding'
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import re
import textwrap
from collections import namedtuple
from collections.abc import Iterable, Iterator
from pathlib import Path

from llmterms import cache
from llmterms.ranking import normalize, rank, text_score, words

__all__ = [
    "CATEGORIES",
    "REQUIRED_KEYS",
    "STATUSES",
    "Entry",
    "Glossary",
    "GlossaryError",
    "Problem",
    "future_dates",
    "load",
    "lookup",
    "plain_text",
    "search",
    "used_in",
]

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
#: The lifecycle of what an entry describes: still in use, replaced but working, or no longer supported.
STATUSES = ("current", "deprecated", "obsolete")
#: The front-matter keys every entry file must have.
REQUIRED_KEYS = ("term", "aliases", "category", "summary", "see_also", "references", "status", "verified")
OPTIONAL_KEYS = ("replaced_by",)

# {term}`name` or {term}`shown text <name>`; the same shape serves every MyST role.
_ROLE = re.compile(r"\{(?P<role>[a-z:]+)\}`(?P<content>[^`]+)`")
_ROLE_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BIBKEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.+-]*$")
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
# Markdown passes HTML tags through: a bare <s> (Llama's BOS token) would strike out the rest of the page.
_RAW_HTML = re.compile(r"</?[A-Za-z][\w-]*(\s[^<>]*)?/?>|<\|[^<>|]*\|>")


# Named tuples rather than dataclasses: `llmterms define` imports this module, and dataclasses (through
# inspect) would cost more than everything the command does.
class Problem(namedtuple("Problem", "path key message")):
    """One thing wrong with one glossary file, phrased as ``path: key: message``.

    >>> str(Problem("glossary/formats/gguf.md", "see_also", "unknown term 'GGMLv4'"))
    "glossary/formats/gguf.md: see_also: unknown term 'GGMLv4'"
    """

    __slots__ = ()

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


_ENTRY_FIELDS = "term aliases category summary body see_also references status verified slug path replaced_by"


class Entry(namedtuple("Entry", _ENTRY_FIELDS, defaults=(None,))):
    """One glossary entry; the attributes are the keys of its file, plus where it came from.

    >>> entry = lookup("KV cache")
    >>> entry.names[0], entry.status
    ('KV cache', 'current')
    >>> entry.anchor
    'term-kv-cache'
    """

    __slots__ = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The term first, then its aliases."""
        return (self.term, *self.aliases)

    @property
    def anchor(self) -> str:
        """The HTML id Sphinx gives the term in the glossary page."""
        return "term-" + re.sub(r"[^a-z0-9]+", "-", self.term.lower()).strip("-")

    def to_dict(self) -> dict:
        """The entry as plain JSON-ready data (dates as ISO strings)."""
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
        if self._position is None:
            self._position = {}
            for i, item in enumerate(items):
                for n, _ in item.names:
                    self._position.setdefault(n, i)

        def text(i: int, qwords: list[str]) -> float:
            return text_score(qwords, items[i].summary_words, items[i].body_words)

        found = rank(query, [item.names for item in items], limit, exact=self._position, text=text)
        return [items[i].entry for _, i in found]

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


# -- Loading and validation ------------------------------------------------------------------------------


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
    llmterms.glossary.GlossaryError: glossary/formats/gguf.md: see_also: unknown term 'GGMLv4'
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
        entries, problems = _validate(root, sorted(root.glob("*/*.md")))
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


def _validate(root: Path, files: list[Path]) -> tuple[list[Entry], list[Problem]]:
    problems: list[Problem] = []
    entries = []
    claimed: set[str] = set()
    for file in files:
        entry = _read_entry(file, root, problems, claimed)
        if entry is not None:
            entries.append(entry)
    for stray in sorted(set(root.rglob("*.md")) - set(files)):
        where = "entries belong in glossary/<category>/<slug>.md"
        problems.append(Problem(_display(stray, root), "path", where))
    kept = _check_names(entries, problems)
    _check_links(kept, problems, claimed)
    return kept, problems


def _display(file: Path, root: Path) -> str:
    return "glossary/" + file.relative_to(root).as_posix()


def _split_front_matter(text: str) -> tuple[str, str] | None:
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        if text.rstrip().endswith("\n---"):
            return text[4 : text.rstrip().rfind("\n---")], ""
        return None
    return text[4:end], text[end + 5 :]


@functools.cache
def _yaml_loader() -> type:
    """A safe YAML loader that leaves dates as strings, so a bad date is our error message, not PyYAML's."""
    import yaml  # here, not at the top: a cached glossary needs no YAML parser

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, regexp) for tag, regexp in pairs if tag != "tag:yaml.org,2002:timestamp"]
        for first, pairs in base.yaml_implicit_resolvers.items()
    }
    return type("EntryLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def _yaml_load(text: str) -> object:
    import yaml

    return yaml.load(text, Loader=_yaml_loader())


def _read_entry(file: Path, root: Path, problems: list[Problem], names: set[str]) -> Entry | None:
    shown = _display(file, root)

    def bad(key: str, message: str) -> None:
        problems.append(Problem(shown, key, message))

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        bad("file", f"cannot be read as UTF-8 text ({exc})")
        return None
    parts = _split_front_matter(text.replace("\r\n", "\n"))
    if parts is None:
        bad("front matter", "the file must start with '---', YAML keys, then a line '---'")
        return None
    head, body = parts
    try:
        data = _yaml_load(head)
    except Exception as exc:  # PyYAML's YAMLError, or ValueError from a scalar it could not build
        if not hasattr(exc, "problem_mark") and not type(exc).__module__.startswith("yaml"):
            raise
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        bad("front matter", f"invalid YAML{line}: {getattr(exc, 'problem', None) or exc}")
        if term := re.search(r"^term:\s*['\"]?(.+?)['\"]?\s*$", head, re.MULTILINE):
            names.add(normalize(term[1]))  # so that links to this entry are not reported as well
        return None
    if not isinstance(data, dict):
        bad("front matter", "must be a mapping of keys to values")
        return None

    # Even a broken entry's names count when other entries link to it: one mistake, one message.
    for key in ("term", "aliases"):
        value = data.get(key)
        for name in value if isinstance(value, list) else [value]:
            if isinstance(name, str):
                names.add(normalize(name))

    before = len(problems)
    for key in REQUIRED_KEYS:
        if key not in data:
            bad(key, "missing required key")
    for key in data:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            allowed = ", ".join((*REQUIRED_KEYS, *OPTIONAL_KEYS))
            bad(str(key), f"unknown key (allowed: {allowed})")
    if len(problems) > before:
        return None

    def text_value(key: str) -> str:
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            bad(key, f"must be a non-empty string, not {value!r}")
            return ""
        return value.strip()

    def list_value(key: str, *, min_items: int = 0) -> tuple[str, ...]:
        value = data[key]
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            bad(key, f"must be a list of non-empty strings, not {value!r}")
            return ()
        if len(value) < min_items:
            bad(key, f"needs at least {min_items} item{'s' if min_items > 1 else ''}")
        return tuple(v.strip() for v in value)

    term = text_value("term")
    aliases = list_value("aliases")
    category = text_value("category")
    summary = " ".join(text_value("summary").split())
    see_also = list_value("see_also", min_items=1)
    references = list_value("references")
    status = text_value("status")
    replaced_by = None
    if "replaced_by" in data:
        replaced_by = text_value("replaced_by") or None

    if category and category not in CATEGORIES:
        bad("category", f"unknown category {category!r} (known: {', '.join(CATEGORIES)})")
    elif category and file.parent.name != category:
        bad("category", f"{category!r} does not match the folder {file.parent.name!r}")
    if status and status not in STATUSES:
        bad("status", f"unknown status {status!r} (known: {', '.join(STATUSES)})")
    if replaced_by and status == "current":
        bad("replaced_by", "only a deprecated or obsolete entry is replaced")
    if not _SLUG.match(file.stem):
        bad("file name", f"{file.name!r} is not a slug (lowercase letters, digits and hyphens)")
    if summary and (summary[-1] not in ".?" or "\n" in data["summary"].strip()):
        bad("summary", "must be one sentence on one line, ending with a full stop")
    for ref in references:
        if not (ref.startswith(("https://", "http://")) or _BIBKEY.match(ref)):
            bad("references", f"{ref!r} is neither a URL nor a bibliography key")

    verified = data["verified"]
    if isinstance(verified, str):
        with contextlib.suppress(ValueError):
            verified = _dt.date.fromisoformat(verified)
    if not isinstance(verified, _dt.date) or isinstance(verified, _dt.datetime):
        bad("verified", f"must be an ISO date such as 2026-11-22, not {data['verified']!r}")

    body = body.strip()
    if not body:
        bad("body", "is empty: write 2-6 sentences after the front matter")
    if tag := _RAW_HTML.search(_CODE_SPAN.sub("", body)):
        bad("body", f"raw HTML {tag[0]!r} would be passed to the page; put it in backticks")
    if len(problems) > before:
        return None
    return Entry(
        term=term,
        aliases=aliases,
        category=category,
        summary=summary,
        body=body,
        see_also=see_also,
        references=references,
        status=status,
        verified=verified,
        slug=file.stem,
        path=shown,
        replaced_by=replaced_by,
    )


def _check_names(entries: list[Entry], problems: list[Problem]) -> list[Entry]:
    """Keep the first claim on each name; report every later one."""
    owner: dict[str, tuple[str, Entry]] = {}
    kept = []
    for entry in entries:
        clash = False
        for key, name in [("term", entry.term), *(("aliases", a) for a in entry.aliases)]:
            norm = normalize(name)
            if not norm:
                problems.append(Problem(entry.path, key, f"{name!r} has no letters or digits"))
                clash = True
            elif norm in owner:
                prev_name, prev = owner[norm]
                if prev is entry:
                    where = "repeats this entry's own name"
                    problems.append(Problem(entry.path, key, f"{name!r} {where} {prev_name!r}"))
                else:
                    problems.append(
                        Problem(entry.path, key, f"{name!r} is already taken by {prev_name!r} ({prev.path})")
                    )
                clash = True
            else:
                owner[norm] = (name, entry)
        if not clash:
            kept.append(entry)
    return kept


def _check_links(entries: list[Entry], problems: list[Problem], claimed: set[str]) -> None:
    names = {normalize(n): e for e in entries for n in e.names}
    for entry in entries:
        for target in entry.see_also:
            found = names.get(normalize(target))
            if found is None and normalize(target) in claimed:
                continue  # the target's own file is broken, and says so
            if found is None:
                problems.append(Problem(entry.path, "see_also", f"unknown term {target!r}"))
            elif found is entry:
                problems.append(Problem(entry.path, "see_also", f"{target!r} is this entry itself"))
        if entry.replaced_by and normalize(entry.replaced_by) not in names.keys() | claimed:
            problems.append(Problem(entry.path, "replaced_by", f"unknown term {entry.replaced_by!r}"))
        for target in term_targets(entry.body):
            if normalize(target) not in names and normalize(target) not in claimed:
                problems.append(Problem(entry.path, "body", f"unknown term {target!r} in a {{term}} role"))


def future_dates(glossary: Glossary, today: _dt.date | None = None) -> list[Problem]:
    """Entries whose ``verified`` date is after ``today``: a check for CI and the build, not for loading.

    Loading does not judge dates against the clock, so that a saved glossary stays valid from one day to
    the next; the test suite (``tox -e py``) runs this on the shipped glossary.

    >>> import datetime
    >>> [str(p) for p in future_dates(load(), today=datetime.date(2026, 11, 1))][:1]  # doctest: +ELLIPSIS
    ['glossary/...: verified: 2026-... is after 2026-11-01']
    >>> future_dates(load(), today=datetime.date(2999, 1, 1))
    []
    """
    today = today or _dt.date.today()
    return [
        Problem(e.path, "verified", f"{e.verified.isoformat()} is after {today.isoformat()}")
        for e in glossary
        if e.verified > today
    ]


def term_targets(markdown: str) -> list[str]:
    """The glossary names that ``{term}`` roles in a piece of MyST Markdown point at.

    >>> term_targets("Uses the {term}`KV cache` and {term}`heads <Attention head>`.")
    ['KV cache', 'Attention head']
    """
    targets = []
    for match in _ROLE.finditer(markdown):
        if match["role"] != "term":
            continue
        content = match["content"]
        explicit = _ROLE_TARGET.match(content)
        targets.append((explicit["target"] if explicit else content).strip())
    return targets


# -- Plain text for the terminal ---------------------------------------------------------------------------


def plain_text(markdown: str, width: int | None = 80) -> str:
    """Turn an entry body's MyST Markdown into plain text for a terminal, wrapped to ``width`` columns.

    >>> plain_text("The {term}`KV cache <KV cache>` grows with **context** {cite:p}`pope2022efficiently`.")
    'The KV cache grows with context [pope2022efficiently].'
    """

    def role(match: re.Match) -> str:
        name, content = match["role"], match["content"]
        explicit = _ROLE_TARGET.match(content)
        if name.startswith("cite"):
            return "[" + content.replace(",", ", ") + "]"
        if explicit:
            return explicit["text"] or explicit["target"]
        return content

    text = _ROLE.sub(role, markdown)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m[1] or m[2], text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r"\1 <\2>", text)
    text = re.sub(r"\s+([.,;:])", r"\1", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    if width is None:
        return "\n\n".join(paragraphs)
    return "\n\n".join(textwrap.fill(p, width=width, break_on_hyphens=False) for p in paragraphs)


# -- Search ------------------------------------------------------------------------------------------------


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


# -- Which chapters use which terms ------------------------------------------------------------------------


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
            targets = _page_targets(Path(cache.source_root()) / "docs")
            cache.put("pages", targets, sources)
    else:
        targets = _page_targets(Path(docs))
    found: dict[str, set[str]] = {entry.term: set() for entry in glossary}
    for docname, names in targets.items():
        for target in names:
            entry = glossary.get(target)
            if entry is not None:
                found[entry.term].add(docname)
    return {term: sorted(pages) for term, pages in found.items()}


def _page_targets(docs: Path) -> dict[str, list[str]]:
    """Each chapter's ``{term}`` targets, by document name (the glossary page and _private files aside)."""
    targets = {}
    for source in sorted(docs.rglob("*.md")) if docs.is_dir() else []:
        docname = source.relative_to(docs).with_suffix("").as_posix()
        if not docname.startswith("_") and docname != "glossary":
            targets[docname] = term_targets(source.read_text(encoding="utf-8"))
    return targets
