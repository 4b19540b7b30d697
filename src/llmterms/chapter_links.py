"""Which chapters of the manual link which glossary terms, read from their MyST sources (no Sphinx needed).

:func:`llmterms.glossary.used_in` maps these links to entries, for the "Used in" lines of the command line
and of the glossary's pages.

>>> import pathlib, tempfile
>>> docs = pathlib.Path(tempfile.mkdtemp())
>>> _ = (docs / "05-memory.md").write_text("The {term}`KV cache` and {term}`heads <Attention head>`.")
>>> _ = (docs / "glossary.md").write_text("The glossary page itself is left out.")
>>> page_targets(docs)
{'05-memory': ['KV cache', 'Attention head']}
"""

from __future__ import annotations

from pathlib import Path

from llmterms.entry import term_targets

__all__ = ["page_targets"]


def page_targets(docs: Path) -> dict[str, list[str]]:
    """Each chapter's ``{term}`` targets, by document name (the glossary's pages and ``_`` files aside).

    Document names are paths below *docs* without the suffix, as Sphinx names them; a missing folder has
    no chapters:

    >>> import tempfile
    >>> docs = Path(tempfile.mkdtemp())
    >>> (docs / "howto").mkdir()
    >>> _ = (docs / "howto" / "offload.md").write_text("Set {term}`GPU offloading` with -ngl.")
    >>> _ = (docs / "_snippet.md").write_text("An included {term}`KV cache` is not a chapter.")
    >>> page_targets(docs), page_targets(docs / "missing")
    ({'howto/offload': ['GPU offloading']}, {})
    """
    targets = {}
    for source in sorted(docs.rglob("*.md")) if docs.is_dir() else []:
        docname = source.relative_to(docs).with_suffix("").as_posix()
        if not docname.startswith("_") and docname != "glossary" and not docname.startswith("glossary/"):
            targets[docname] = term_targets(source.read_text(encoding="utf-8"))
    return targets
