"""Citations without the per-citation plugin lookup: pybtex's ``find_plugin``, asked once per name.

sphinxcontrib-bibtex 2.7.0 calls ``pybtex.plugin.find_plugin("pybtex.backends", "plaintext")`` in
``BibtexDomain.resolve_xref``, once for every citation, and pybtex 0.26.1 answers each call by scanning
the entry points of every installed distribution (``importlib.metadata.entry_points``): about 7 ms a call
here, 10 s of a 54 s profiled clean build with about 1,500 citations. A plugin name names the same class
for the whole process, so pybtex's lookup keeps its answer after the first call. The fix belongs
upstream, in pybtex (memoise ``_load_entry_point``) or in sphinxcontrib-bibtex (look the backend up once,
as ``CiteRole`` already does for its own): docs/benchmarks.md records the note offered to both.
"""

from __future__ import annotations

import functools

from sphinx.application import Sphinx


def _memoise_plugin_lookup() -> None:
    import pybtex.plugin

    # find_plugin is also imported by name (pybtex.richtext, pybtex.style.formatting), so the memo goes one
    # level down, on the lookup every find_plugin call makes. A failed lookup raises and is not kept, so
    # a plugin registered later is still found.
    lookup = pybtex.plugin._load_entry_point
    if getattr(lookup, "cache_info", None) is None:
        pybtex.plugin._load_entry_point = functools.cache(lookup)


def setup(app: Sphinx) -> None:
    if "sphinxcontrib.bibtex" in app.config.extensions:
        _memoise_plugin_lookup()
