"""Glossary entry files: reading ``glossary/<category>/<slug>.md`` and checking every field of every entry.

Each entry is one Markdown file: YAML front matter with the keys in :data:`REQUIRED_KEYS` (plus the
optional ``replaced_by``), then the body in MyST Markdown. Each field is read by one small check in
:data:`FIELDS`; checks that need the whole entry or its file are in :data:`ENTRY_CHECKS`, and those that
need every entry (unique names, links that resolve) run in :func:`read_folder`. Every problem is
collected, never raised one at a time, so a writer sees them all.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "formats").mkdir()
>>> _ = (root / "formats" / "gguf.md").write_text(
...     "---\\nterm: GGUF\\naliases: []\\ncategory: formats\\nsummary: A file format.\\n"
...     "see_also: [GGMLv4]\\nreferences: []\\nstatus: current\\nverified: 2026-11-22\\n---\\nBody.\\n")
>>> entries, problems = read_folder(root)
>>> [str(p) for p in problems]
["glossary/formats/gguf.md: see_also: unknown term 'GGMLv4'"]
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from llmterms.entry import CATEGORIES, STATUSES, Entry, Problem, term_targets
from llmterms.ranking import normalize

__all__ = ["ENTRY_CHECKS", "FIELDS", "OPTIONAL_KEYS", "REQUIRED_KEYS", "Field", "future_dates", "read_folder"]

#: The front-matter keys every entry file must have.
REQUIRED_KEYS = ("term", "aliases", "category", "summary", "see_also", "references", "status", "verified")
OPTIONAL_KEYS = ("replaced_by",)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BIBKEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.+-]*$")
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
# Markdown passes HTML tags through: a bare <s> (Llama's BOS token) would strike out the rest of the page.
_RAW_HTML = re.compile(r"</?[A-Za-z][\w-]*(\s[^<>]*)?/?>|<\|[^<>|]*\|>")


# -- The checks, one per field -------------------------------------------------------------------------


class Field(NamedTuple):
    """How one front-matter key is read: ``check(value)`` returns the value to keep and its problems.

    >>> verified = next(f for f in FIELDS if f.key == "verified")
    >>> verified.check("2026-11-22")
    (datetime.date(2026, 11, 22), [])
    >>> verified.check("22/11/2026")
    (None, ["must be an ISO date such as 2026-11-22, not '22/11/2026'"])
    """

    key: str
    check: Callable[[Any], tuple[Any, list[str]]]


def _text(value: object) -> tuple[str, list[str]]:
    if not isinstance(value, str) or not value.strip():
        return "", [f"must be a non-empty string, not {value!r}"]
    return value.strip(), []


def _names(value: object, min_items: int = 0) -> tuple[tuple[str, ...], list[str]]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return (), [f"must be a list of non-empty strings, not {value!r}"]
    problems = []
    if len(value) < min_items:
        problems.append(f"needs at least {min_items} item{'s' if min_items > 1 else ''}")
    return tuple(v.strip() for v in value), problems


def _one_of(known: Iterable[str], what: str) -> Callable[[object], tuple[str, list[str]]]:
    known = tuple(known)

    def check(value: object) -> tuple[str, list[str]]:
        text, problems = _text(value)
        if text and text not in known:
            problems.append(f"unknown {what} {text!r} (known: {', '.join(known)})")
        return text, problems

    return check


def _summary(value: object) -> tuple[str, list[str]]:
    text, problems = _text(value)
    summary = " ".join(text.split())
    if summary and (summary[-1] not in ".?" or "\n" in text):
        problems.append("must be one sentence on one line, ending with a full stop")
    return summary, problems


def _see_also(value: object) -> tuple[tuple[str, ...], list[str]]:
    return _names(value, min_items=1)


def _references(value: object) -> tuple[tuple[str, ...], list[str]]:
    refs, problems = _names(value)
    for ref in refs:
        if not (ref.startswith(("https://", "http://")) or _BIBKEY.match(ref)):
            problems.append(f"{ref!r} is neither a URL nor a bibliography key")
    return refs, problems


def _date(value: object) -> tuple[_dt.date | None, list[str]]:
    # The YAML loader leaves dates as strings (see _yaml_loader), so a bad date is our message.
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value), []
        except ValueError:
            pass
    return None, [f"must be an ISO date such as 2026-11-22, not {value!r}"]


def _optional_text(value: object) -> tuple[str | None, list[str]]:
    text, problems = _text(value)
    return text or None, problems


#: Each front-matter key and its check, in the order problems are reported.
FIELDS: tuple[Field, ...] = (
    Field("term", _text),
    Field("aliases", _names),
    Field("category", _one_of(CATEGORIES, "category")),
    Field("summary", _summary),
    Field("see_also", _see_also),
    Field("references", _references),
    Field("status", _one_of(STATUSES, "status")),
    Field("verified", _date),
    Field("replaced_by", _optional_text),
)


def _category_is_the_folder(entry: Entry, file: Path) -> Iterator[Problem]:
    if entry.category in CATEGORIES and file.parent.name != entry.category:
        yield Problem(
            entry.path, "category", f"{entry.category!r} does not match the folder {file.parent.name!r}"
        )


def _only_old_entries_are_replaced(entry: Entry, file: Path) -> Iterator[Problem]:
    if entry.replaced_by and entry.status == "current":
        yield Problem(entry.path, "replaced_by", "only a deprecated or obsolete entry is replaced")


def _file_name_is_a_slug(entry: Entry, file: Path) -> Iterator[Problem]:
    if not _SLUG.match(file.stem):
        yield Problem(
            entry.path, "file name", f"{file.name!r} is not a slug (lowercase letters, digits and hyphens)"
        )


def _body_is_written(entry: Entry, file: Path) -> Iterator[Problem]:
    if not entry.body:
        yield Problem(entry.path, "body", "is empty: write 2-6 sentences after the front matter")


def _body_has_no_raw_html(entry: Entry, file: Path) -> Iterator[Problem]:
    if tag := _RAW_HTML.search(_CODE_SPAN.sub("", entry.body)):
        yield Problem(
            entry.path, "body", f"raw HTML {tag[0]!r} would be passed to the page; put it in backticks"
        )


#: Checks of one entry as a whole, with the file it came from, after every field passed its own check.
ENTRY_CHECKS: tuple[Callable[[Entry, Path], Iterable[Problem]], ...] = (
    _category_is_the_folder,
    _only_old_entries_are_replaced,
    _file_name_is_a_slug,
    _body_is_written,
    _body_has_no_raw_html,
)


# -- Reading files ---------------------------------------------------------------------------------------


def read_folder(root: Path) -> tuple[list[Entry], list[Problem]]:
    """Read every ``<category>/<slug>.md`` under ``root``: the valid entries, and every problem found.

    An entry that fails any check is left out; a link to it from another entry is not reported as well
    (one mistake, one message). Here GGML's status is wrong, so GGUF's link to it is not reported:

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "formats").mkdir()
    >>> entry = ("---\\nterm: {}\\naliases: []\\ncategory: formats\\nsummary: A file format.\\n"
    ...          "see_also: [{}]\\nreferences: []\\nstatus: {}\\nverified: 2026-11-22\\n---\\nBody.\\n")
    >>> _ = (root / "formats" / "gguf.md").write_text(entry.format("GGUF", "GGML", "current"))
    >>> _ = (root / "formats" / "ggml.md").write_text(entry.format("GGML", "GGUF", "old"))
    >>> entries, problems = read_folder(root)
    >>> [e.term for e in entries]
    ['GGUF']
    >>> for problem in problems:
    ...     print(problem)
    glossary/formats/ggml.md: status: unknown status 'old' (known: current, deprecated, obsolete)
    """
    problems: list[Problem] = []
    entries = []
    claimed: set[str] = set()
    files = sorted(root.glob("*/*.md"))
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


def future_dates(entries: Iterable[Entry], today: _dt.date | None = None) -> list[Problem]:
    """Entries whose ``verified`` date is after ``today``: a check for CI and the build, not for loading.

    Reading does not judge dates against the clock, so that a saved glossary stays valid from one day to
    the next; the test suite (``tox -e py``) runs this on the shipped glossary.

    >>> entry = Entry("GGUF", (), "formats", "A file format.", "Body.", ("GGML",), (), "current",
    ...               _dt.date(2026, 12, 2), "gguf", "glossary/formats/gguf.md")
    >>> [str(p) for p in future_dates([entry], today=_dt.date(2026, 12, 1))]
    ['glossary/formats/gguf.md: verified: 2026-12-02 is after 2026-12-01']
    >>> future_dates([entry], today=_dt.date(2026, 12, 2))
    []
    """
    today = today or _dt.date.today()
    return [
        Problem(e.path, "verified", f"{e.verified.isoformat()} is after {today.isoformat()}")
        for e in entries
        if e.verified > today
    ]


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


def _front_matter(
    file: Path, shown: str, problems: list[Problem], names: set[str]
) -> tuple[dict, str] | None:
    """The file's front matter as a mapping, and its body; None (with a problem) if it cannot be read."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(shown, "file", f"cannot be read as UTF-8 text ({exc})"))
        return None
    parts = _split_front_matter(text.replace("\r\n", "\n"))
    if parts is None:
        message = "the file must start with '---', YAML keys, then a line '---'"
        problems.append(Problem(shown, "front matter", message))
        return None
    head, body = parts
    import yaml

    try:
        data = yaml.load(head, Loader=_yaml_loader())
    except Exception as exc:  # PyYAML's YAMLError, or ValueError from a scalar it could not build
        if not hasattr(exc, "problem_mark") and not type(exc).__module__.startswith("yaml"):
            raise
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problems.append(
            Problem(shown, "front matter", f"invalid YAML{line}: {getattr(exc, 'problem', None) or exc}")
        )
        if term := re.search(r"^term:\s*['\"]?(.+?)['\"]?\s*$", head, re.MULTILINE):
            names.add(normalize(term[1]))  # so that links to this entry are not reported as well
        return None
    if not isinstance(data, dict):
        problems.append(Problem(shown, "front matter", "must be a mapping of keys to values"))
        return None
    return data, body


def _read_entry(file: Path, root: Path, problems: list[Problem], names: set[str]) -> Entry | None:
    shown = _display(file, root)
    read = _front_matter(file, shown, problems, names)
    if read is None:
        return None
    data, body = read
    # Even a broken entry's names count when other entries link to it: one mistake, one message.
    for key in ("term", "aliases"):
        value = data.get(key)
        for name in value if isinstance(value, list) else [value]:
            if isinstance(name, str):
                names.add(normalize(name))

    before = len(problems)
    problems += [Problem(shown, key, "missing required key") for key in REQUIRED_KEYS if key not in data]
    keys = (*REQUIRED_KEYS, *OPTIONAL_KEYS)
    allowed = ", ".join(keys)
    problems += [Problem(shown, str(k), f"unknown key (allowed: {allowed})") for k in data if k not in keys]
    if len(problems) > before:
        return None
    values: dict[str, Any] = {}
    for field in FIELDS:
        if field.key in data:
            values[field.key], messages = field.check(data[field.key])
            problems += [Problem(shown, field.key, message) for message in messages]
    # The whole-entry checks run even after a field failed (with that field empty): every problem at once.
    entry = Entry(**values, body=body.strip(), slug=file.stem, path=shown)
    for check in ENTRY_CHECKS:
        problems += check(entry, file)
    return entry if len(problems) == before else None


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
