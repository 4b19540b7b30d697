"""Precompiled answers for ``llmterms define``: a lookup costs little more than starting Python.

Loading the glossary (339 files, or a cache of them), building the command-line parser and formatting an
entry take several times as long as Python's own start-up. So when ``llmterms define`` has answered from
the full glossary, it also saves, in one file of Python's ``marshal`` format (which loads without
importing anything), the output for every entry and the names :mod:`llmterms.ranking` matches queries
against. The next call checks that file against the size and modification time of every glossary entry,
chapter, data file and module the output depends on, ranks the names, and prints the stored output.

Anything else goes to the full command line, which prints the same thing: other commands and options,
a query that matches no name (the full command also searches the entries' text, or suggests spellings),
a ``--glossary`` folder, and any change to the sources.

>>> import contextlib, io
>>> from llmterms import cli
>>> with contextlib.redirect_stdout(io.StringIO()) as printed:
...     status = cli.main(["define", "n_gpu_layers"])  # the full command line answers, and saves answers
>>> answer(["define", "N-GPU", "layers"]) == printed.getvalue()  # the next call needs only this module
True
>>> answer(["define", "offloading", "--verbose"]) is None  # an option: only the parser can judge it
True
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from llmterms import ranking

TYPE_CHECKING = False  # typing and collections.abc cost more to import than `define` takes
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

#: Bumped whenever the file's layout or the printed answers change shape.
SCHEMA = 1

_HERE = os.path.dirname(os.path.realpath(__file__))
#: The modules and data file whose content shapes an answer.
_CODE = ("cache.py", "cli.py", "glossary.py", "options.py", "ranking.py", "data/options.toml")


def answer(argv: list[str], file: str | None = None) -> str | None:
    """What ``llmterms <argv>`` prints, if it is ``define`` and the answers saved in ``file`` are current.

    None means "ask the full command line": another command or option, a query that matches no name
    (the full command searches the entries' text, or suggests spellings), or a glossary, chapter or code
    file that changed since the answers were saved. ``file`` defaults to the user's cache folder.

    >>> answer(["search", "gguf"]) is None, answer(["define", "--help"]) is None
    (True, True)
    """
    if not argv or argv[0] != "define":
        return None
    words = argv[1:]
    # argparse takes the query words as one block, so --json may come before or after them, not between.
    as_json = False
    while words and words[0] == "--json":
        words, as_json = words[1:], True
    while words and words[-1] == "--json":
        words, as_json = words[:-1], True
    if not words or any(w.startswith("-") and w != "-" for w in words):  # argparse reads "-" as a word
        return None
    query = " ".join(words)
    q = ranking.normalize(query)
    stored = _load(file) if q else None
    if stored is None:
        return None
    found = stored["names"].get(q)
    if found is None:
        # The name tiers of Glossary.search(query, limit=1): best score, then the term in case-folded order.
        qwords = ranking.words(query)
        score, found = max(
            ((ranking.name_score(q, qwords, names), -i) for i, names in enumerate(stored["index"])),
            default=(0.0, 0),
        )
        if score <= 0:
            return None
        found = -found
    return stored["json" if as_json else "text"][found]


def current(sources: tuple | None, file: str | None = None) -> bool:
    """Whether the answers in ``file`` come from the sources that ``sources``, a :func:`stamp`, describes.

    >>> current(stamp(), file="/nonexistent/answers.marshal")
    False
    """
    return sources is not None and _load(file, sources) is not None


def stamp(root: str | None = None) -> tuple | None:
    """Everything an answer depends on: schema, Python, date, and each source file's path, size and mtime.

    The date is there because an entry "verified" in the future is an error until that day comes. None
    means the sources cannot be told apart from an empty folder (a module or data file is missing, or no
    glossary entry was found), so no answer may be saved or used.

    >>> s = stamp()
    >>> s[0] == SCHEMA and any(path.endswith("gguf.md") for path in s[4::3])
    True
    >>> stamp("/nonexistent") is None
    True
    """
    root = root or source_root()
    entries = _markdown_under(os.path.join(root, "glossary"))
    if not entries:
        return None
    files = [os.path.join(_HERE, *name.split("/")) for name in _CODE]
    files += entries + _markdown_under(os.path.join(root, "docs"))
    parts: list = [SCHEMA, sys.version, time.strftime("%Y-%m-%d"), root]
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            return None
        parts += (path, st.st_size, st.st_mtime_ns)
    return tuple(parts)


def save(
    sources: tuple | None, entries: Iterable, text: Callable, as_json: Callable, file: str | None = None
) -> bool:
    """Save what ``define`` prints for each entry, ``text(entry)`` or ``as_json(entry)``; True if saved.

    ``sources`` is the :func:`stamp` taken *before* the entries were read, so that an edit made meanwhile
    leaves the file stale rather than wrong. A folder that cannot be written only means that later calls
    take the full path.

    >>> import os, tempfile
    >>> from llmterms import glossary
    >>> file = os.path.join(tempfile.mkdtemp(), "answers.marshal")
    >>> save(stamp(), glossary.load(), lambda e: f"<{e.term}>", lambda e: "{}", file)
    True
    >>> answer(["define", "nucleus", "sampling"], file)  # an alias of the entry
    '<Top-p sampling>'
    >>> answer(["define", "nucleus"], file)  # a word of that alias: ranked as Glossary.search ranks it
    '<Top-p sampling>'
    >>> answer(["define", "--json", "nucleus"], file)
    '{}'
    """
    if sources is None:
        return False
    target = file or _answers_file()
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        # Before rendering 339 entries twice: an unwritable cache should cost nothing.
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fh = open(tmp, "wb")  # noqa: SIM115 - closed below, and removed if anything fails
    except OSError:
        return False
    try:
        with fh:
            # In the order Glossary.search breaks ties in, so that the first best score is its answer too.
            ordered = sorted(entries, key=lambda e: e.term.casefold())
            names: dict[str, int] = {}
            for i, entry in enumerate(ordered):
                for name in entry.names:
                    names.setdefault(ranking.normalize(name), i)
            data = {
                "stamp": sources,
                "names": names,
                "index": [
                    tuple((ranking.normalize(n), tuple(ranking.words(n))) for n in e.names) for e in ordered
                ],
                "text": [text(e) for e in ordered],
                "json": [as_json(e) for e in ordered],
            }
            marshal.dump(data, fh)
        os.replace(tmp, target)
        return True
    except OSError:
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _load(file: str | None = None, expected: tuple | None = None) -> dict | None:
    try:
        with open(file or _answers_file(), "rb") as fh:
            stored = marshal.loads(fh.read())  # marshal.load(fh) reads in small pieces: six times slower
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, dict) or stored.get("stamp") != (expected or stamp()):
        return None
    return stored


def source_root() -> str:
    """Where the glossary and the manual's sources live: inside the installed package, or the checkout.

    :mod:`llmterms.glossary` reads from here too. The path is resolved, so that through a symlinked
    install the stamp names the files the glossary is actually read from.

    >>> sorted(name for name in os.listdir(source_root()) if name in ("docs", "glossary"))
    ['docs', 'glossary']
    """
    packaged = os.path.join(_HERE, "_data")
    if os.path.isdir(os.path.join(packaged, "glossary")):
        return packaged
    return os.path.dirname(os.path.dirname(_HERE))


def _answers_file() -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    # One file per Python version (marshal's format is version-specific), not per glossary location: a
    # checkout and an installed copy replace each other's answers, and no stale copies pile up.
    return os.path.join(cache, "llmterms", f"answers-{sys.implementation.cache_tag}.marshal")


def _markdown_under(folder: str) -> list[str]:
    """Every Markdown file below ``folder``, sorted: entries, chapters, and stray files too."""
    found: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir():
            found += _markdown_under(entry.path)
        elif entry.name.endswith(".md"):
            found.append(entry.path)
    return found
