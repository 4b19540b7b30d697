"""The one cache of llmterms: one file, one stamp, one folder, so that ``llmterms define`` starts fast.

Loading the glossary (hundreds of files), finding each chapter's ``{term}`` links, building the
command-line parser and formatting an entry take several times as long as Python's own start-up. So
the results are kept in one file of Python's ``marshal`` format (which loads without importing
anything), in named sections: ``glossary`` (the validated entries), ``pages`` (each chapter's term
targets) and ``answers`` (what ``llmterms define`` prints for every entry, with the names
:mod:`llmterms.ranking` matches queries against). Every section carries the same :func:`stamp`: the size
and modification time of every file of the package and of every glossary entry and chapter, so any
edit, added module or removed file makes the whole file stale.

:func:`answer` is the fast path of ``llmterms define``: it needs only this module and the ranking. Anything
it cannot answer goes to the full command line, which prints the same thing: other commands and options,
a query that matches no name strongly, a ``--glossary`` folder, and any change to the sources.

>>> import contextlib, io
>>> from llmterms import cli
>>> with contextlib.redirect_stdout(io.StringIO()) as printed:
...     status = cli.main(["define", "n_gpu_layers"])  # the full command line answers, and saves answers
>>> answer(["define", "N-GPU", "layers"]) == printed.getvalue()  # the next call needs only this module
True
>>> answer(["define", "offloading", "--verbose"]) is None  # close to an option: only the parser can judge
True
"""

from __future__ import annotations

import marshal
import os
import sys

from llmterms import ranking

TYPE_CHECKING = False  # typing and collections.abc cost more to import than `define` takes
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["answer", "folder", "get", "path", "put", "save_answers", "source_root", "stamp"]

#: Bumped whenever the file's layout or a section's shape changes.
SCHEMA = 2

_HERE = os.path.dirname(os.path.realpath(__file__))


def folder() -> str:
    """The folder every llmterms cache lives in: ``$XDG_CACHE_HOME/llmterms``, else ``~/.cache/llmterms``.

    The tiny model's quantized copies (:mod:`llmterms.tiny`) go here too.

    >>> import os
    >>> os.path.basename(folder())
    'llmterms'
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "llmterms")


def path() -> str:
    """The one cache file: one per Python version, since ``marshal``'s format is version-specific.

    Not one per glossary location: a checkout and an installed copy replace each other's file, and no stale
    copies pile up.

    >>> os.path.dirname(path()) == folder(), path().endswith(".marshal")
    (True, True)
    """
    return os.path.join(folder(), f"cache-{sys.implementation.cache_tag}.marshal")


def source_root() -> str:
    """Where the glossary and the manual's sources live: inside the installed package, or the checkout.

    The path is resolved, so that through a symlinked install the stamp names the files the glossary is
    actually read from.

    >>> sorted(name for name in os.listdir(source_root()) if name in ("docs", "glossary"))
    ['docs', 'glossary']
    """
    packaged = os.path.join(_HERE, "_data")
    if os.path.isdir(os.path.join(packaged, "glossary")):
        return packaged
    return os.path.dirname(os.path.dirname(_HERE))


def stamp(root: str | None = None, package: str | None = None) -> tuple | None:
    """Everything a cached result depends on: schema, Python, and each source file's path, size and mtime.

    The files are found by scanning, not listed by hand: every file of the package (``package``, by
    default this one's folder; byte code aside) and every Markdown file under ``root``'s ``glossary`` and
    ``docs`` folders. None means the sources cannot be told apart from an empty folder (no glossary entry
    was found, or a file vanished while being scanned), so nothing may be saved or used.

    >>> s = stamp()
    >>> s[0] == SCHEMA, any(path.endswith("gguf.md") for path in s[3::3])
    (True, True)
    >>> any(path.endswith(os.path.join("llmterms", "ranking.py")) for path in s[3::3])
    True
    >>> stamp("/nonexistent") is None
    True
    """
    root = root or source_root()
    entries = _files_under(os.path.join(root, "glossary"), ".md")
    if not entries:
        return None
    files = _files_under(package or _HERE, "")
    files += entries + _files_under(os.path.join(root, "docs"), ".md")
    parts: list = [SCHEMA, sys.version, root]
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            return None
        parts += (path, st.st_size, st.st_mtime_ns)
    return tuple(parts)


def get(section: str, sources: tuple | None = None, file: str | None = None) -> object:
    """The value saved under ``section``, if the file's stamp is ``sources`` (default: a fresh :func:`stamp`).

    None when there is no such file, section or current stamp.

    >>> get("no such section", stamp(), file="/nonexistent/cache.marshal") is None
    True
    """
    stored = _read(file, sources)
    if stored is None or section not in stored["sections"]:
        return None
    try:
        return marshal.loads(stored["sections"][section])
    except (EOFError, ValueError, TypeError):
        return None


def put(section: str, value: object, sources: tuple | None, file: str | None = None) -> bool:
    """Save ``value`` (plain data: what ``marshal`` writes) under ``section``; True if it was saved.

    ``sources`` is the :func:`stamp` taken *before* the value was computed, so that an edit made meanwhile
    leaves the file stale rather than wrong. Sections saved with the same stamp are kept; the others are
    dropped. A folder that cannot be written only means that later calls take the slow path.

    >>> import tempfile
    >>> where = os.path.join(tempfile.mkdtemp(), "cache.marshal")
    >>> put("pages", {"06-quantization": ["GGUF"]}, stamp(), where), get("pages", stamp(), where)
    (True, {'06-quantization': ['GGUF']})
    """
    if sources is None:
        return False
    target = file or path()
    stored = _read(target, sources)
    sections = dict(stored["sections"]) if stored is not None else {}
    try:
        # value is any plain data; typing it so would import typing, which the fast path must not load
        sections[section] = marshal.dumps(value)  # type: ignore[arg-type]
    except ValueError:  # not plain data: a programming error, but a cache must not break the command
        return False
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(tmp, "wb") as fh:
            marshal.dump({"stamp": sources, "sections": sections}, fh)
        os.replace(tmp, target)
        return True
    except OSError:
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_answers(
    sources: tuple | None,
    index: Iterable,
    variants: dict[str | None, Callable],
    options: dict[str, str],
    entries: Iterable,
    file: str | None = None,
) -> bool:
    """Save what ``define`` prints for each entry, one list per output variant; True if saved.

    ``index`` is each entry's names as :func:`llmterms.ranking.rank` takes them, in the search's
    tie-break order, and ``entries`` the entries in that same order. ``variants`` maps the destination of
    each option that changes the output (None for none, ``"json"`` for ``--json``) to the function that
    renders an entry so; ``options`` maps every option string of the ``define`` parser to its
    destination, so that :func:`answer` knows the words the parser would read as options.

    >>> import os, tempfile
    >>> from llmterms import glossary
    >>> g = glossary.load()
    >>> where = os.path.join(tempfile.mkdtemp(), "cache.marshal")
    >>> save_answers(stamp(), g.search_index(), {None: lambda e: f"<{e.term}>", "json": lambda e: "{}"},
    ...              {"--json": "json", "-h": "help", "--help": "help"}, g.ordered(), where)
    True
    >>> answer(["define", "nucleus", "sampling"], where)  # an alias of the entry
    '<Top-p sampling>'
    >>> answer(["define", "nucleus"], where)  # a word of that alias: ranked as Glossary.search ranks it
    '<Top-p sampling>'
    >>> answer(["define", "--json", "nucleus"], where), answer(["define", "nucleus", "--he"], where)
    ('{}', None)
    """
    if sources is None:
        return False
    target = file or path()
    try:  # before rendering every entry twice: an unwritable cache should cost nothing
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except OSError:
        return False
    index = [tuple(names) for names in index]
    entries = list(entries)
    names: dict[str, int] = {}
    for i, entry_names in enumerate(index):
        for n, _ in entry_names:
            names.setdefault(n, i)
    data = {
        "command": "define",
        "options": dict(options),
        "names": names,
        "index": index,
        "variants": {dest: [render(e) for e in entries] for dest, render in variants.items()},
    }
    return put("answers", data, sources, target)


def answer(argv: list[str], file: str | None = None) -> str | None:
    """What ``llmterms <argv>`` prints, if it is ``define`` and the answers saved in ``file`` are current.

    None means "ask the full command line": another command; a word the ``define`` parser may read as an
    option; a query that no name matches strongly (the full command says so and suggests names); or a
    glossary, chapter or code file that changed since the answers were saved. ``file`` defaults to
    :func:`path`.

    >>> answer(["search", "gguf"]) is None, answer(["define", "--help"]) is None
    (True, True)
    """
    if not argv:
        return None
    stored = get("answers", None, file)
    if not isinstance(stored, dict) or argv[0] != stored["command"]:
        return None
    options, variants = stored["options"], stored["variants"]
    variant, words = None, []
    for word in argv[1:]:
        dest = options.get(word)
        if dest is not None:
            if dest not in variants:
                return None  # --help, or an option the saved answers do not cover
            variant = dest
        elif word[:2] == "--" and any(o.startswith(word) or word.startswith(o + "=") for o in options):
            return None  # a long option abbreviated, or with its value attached: the parser decides
        else:
            words.append(word)  # the define parser reads every other word, "-ngl" too, as the query
    if not words:
        return None
    found = ranking.best(" ".join(words), stored["index"], stored["names"])
    if found is None:
        return None
    return variants[variant][found]


def _read(file: str | None, expected: tuple | None) -> dict | None:
    try:
        with open(file or path(), "rb") as fh:
            stored = marshal.loads(fh.read())  # marshal.load(fh) reads in small pieces: six times slower
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("sections"), dict):
        return None
    if stored.get("stamp") != (expected or stamp()):
        return None
    return stored


def _files_under(folder: str, suffix: str) -> list[str]:
    """Every file below ``folder`` whose name ends with ``suffix``, sorted; byte code and _data aside."""
    found: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir():
            # __pycache__ changes as Python runs; _data holds the installed glossary and docs, which are
            # scanned as sources.
            if entry.name not in ("__pycache__", "_data"):
                found += _files_under(entry.path, suffix)
        elif entry.name.endswith(suffix) and not entry.name.endswith((".pyc", ".tmp")):
            found.append(entry.path)
    return found
