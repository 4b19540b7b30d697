"""Results computed at build time (figures, tables, sidebars, the glossary), kept under a key of their inputs.

A figure or a table is a function of its own code and of the package it calls, which reads its data files.
The key is a SHA-256 of that code and of the content of every file of the package (``llmterms``, and the
folders named in ``llmterms_cache_inputs``), so editing any module or data file draws the figures and
computes the tables again, and a clean build of unchanged sources reuses them. Hashing the whole package
rather than what each result really reads costs a few milliseconds and can never miss a dependency.

The results go to ``llmterms_build_cache`` (``build/cache`` beside conf.py by default), not into the doctree
folder, so that a clean build (``-E`` into fresh folders, as CI and ``tox -e docs`` build) finds them too.
Other modules keep what they would otherwise compute in every build here as well: each stylesheet parsed
and the rules each page selected from it (:mod:`~llmterms.sphinxext.stylesheets`), the glossary read and
its words indexed (:func:`~llmterms.sphinxext.directive.loaded_glossary`), and each page's sidebar
(:mod:`~llmterms.sphinxext.navigation`). Delete ``build/cache`` to start from nothing.

Notes on the files last written into an output folder (:func:`output_notes`) are kept with that folder's
doctrees instead: they describe that folder, and go with it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from sphinx.application import Sphinx

import llmterms

PACKAGE = Path(llmterms.__file__).resolve().parent


@functools.cache
def _file_digest(path: str, mtime_ns: int, size: int) -> bytes:
    """One file's content hash; the stat is part of the memo key, so an edited file is read again."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").digest()


@functools.cache
def _tree_digest(root: Path) -> bytes:
    # Kept for one build (cleared when a builder starts): a build looked the same trees up 25 times, each
    # a stat of some 500 files, and Sphinx too assumes the sources do not change while it builds.
    files = [root] if root.is_file() else sorted(root.rglob("*"))
    digest = hashlib.sha256()
    for path in files:
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        stat = path.stat()
        digest.update(f"{path.relative_to(root.parent)}\0".encode())
        digest.update(_file_digest(str(path), stat.st_mtime_ns, stat.st_size))
    return digest.digest()


def digest_of(path: str | Path) -> str:
    """The content hash of one file or of every file under a folder, as this build first saw it.

    >>> len(digest_of(PACKAGE / "__init__.py"))
    64
    """
    return _tree_digest(Path(path).resolve()).hex()


def inputs_digest(app: Sphinx) -> str:
    """The hash of everything a figure's or table's code may read: the package and the configured inputs."""
    confdir = Path(app.confdir)
    roots = [PACKAGE, *((confdir / extra).resolve() for extra in app.config.llmterms_cache_inputs)]
    digest = hashlib.sha256()
    for root in roots:
        digest.update(_tree_digest(root))
    return digest.hexdigest()


def key(app: Sphinx, *parts: str) -> str:
    """A cache key for a result computed from ``parts`` (its code, its options) and the inputs."""
    digest = hashlib.sha256(inputs_digest(app).encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def folder(app: Sphinx, kind: str) -> Path:
    """The folder for one kind of result (``plots``, ``tables``), created on first use."""
    path = Path(app.confdir) / app.config.llmterms_build_cache / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def load(app: Sphinx, kind: str, name: str) -> object | None:
    """The stored result, or None when there is none (or it cannot be read)."""
    try:
        return pickle.loads((folder(app, kind) / f"{name}.pickle").read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def save(app: Sphinx, kind: str, name: str, value: object, *, alone: bool = False) -> None:
    """Store a result; written to a temporary name first, so a parallel reader never sees half a file.
    With ``alone``, the other results of its kind go: for kinds whose name changes with every edit of
    what they are computed from, whose older results nothing asks for again."""
    path = folder(app, kind) / f"{name}.pickle"
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(path)
    if alone:
        for old in path.parent.glob("*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)


def kept(app: Sphinx, kind: str, name: str, compute: Callable[[], object]) -> object:
    """The result stored under ``name``, else ``compute()`` stored there; one per kind is kept on disk,
    the one last asked for, and the process keeps it too.

    For results whose ``name`` changes with every edit of what they are computed from (the glossary, read
    again when an entry changes), so that older ones are not left behind.
    """
    memo = _KEPT.setdefault(kind, {})
    if name not in memo:
        value = load(app, kind, name)
        if value is None:
            value = compute()
            save(app, kind, name, value, alone=True)
        memo.clear()
        memo[name] = value
    return memo[name]


#: What :func:`kept` returned last in this process, by kind.
_KEPT: dict[str, dict[str, object]] = {}


def stat_of(path: Path) -> tuple[int, int, int] | None:
    """What tells a file apart from the one this extension last wrote there: its inode, size and
    modification time, or None when there is no file.

    >>> stat_of(PACKAGE / "no such file") is None
    True
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def output_notes(app: Sphinx) -> dict:
    """What this extension noted about the files it last wrote into this output folder (a file's
    :func:`stat_of` after it was finished, say), so that a build can tell that a file is still as it left it
    without reading it. Kept beside the doctrees, where a clean build into a fresh folder finds none, and
    saved when the build finishes."""
    if id(app) not in _NOTES:
        path = Path(app.doctreedir) / "llmterms-output-notes.pickle"
        try:
            notes = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError):
            notes = {}
        _NOTES[id(app)] = (notes, dict(notes)) if notes.get("outdir") == str(app.outdir) else ({}, {})
    return _NOTES[id(app)][0]


#: Each application's notes, and the notes as they were read.
_NOTES: dict[int, tuple[dict, dict]] = {}


def _save_notes(app: Sphinx, exception) -> None:
    notes, read = _NOTES.pop(id(app), (None, None))
    if notes is not None and exception is None and notes != read:
        path = Path(app.doctreedir) / "llmterms-output-notes.pickle"
        path.write_bytes(pickle.dumps(notes | {"outdir": str(app.outdir)}, protocol=pickle.HIGHEST_PROTOCOL))


def _forget_digests(app: Sphinx) -> None:
    _tree_digest.cache_clear()


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", _forget_digests)
    # Last, after every handler that notes what it wrote.
    app.connect("build-finished", _save_notes, priority=999)
    app.add_config_value("llmterms_build_cache", "build/cache", "", types=[str])
    app.add_config_value("llmterms_cache_inputs", [], "", types=[list])
