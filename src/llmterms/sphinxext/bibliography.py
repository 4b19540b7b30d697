"""The bibliography without repeated work: plugin lookups once per name, formatted entries once per edit.

sphinxcontrib-bibtex 2.7.0 calls ``pybtex.plugin.find_plugin("pybtex.backends", "plaintext")`` in
``BibtexDomain.resolve_xref``, once for every citation, and pybtex 0.26.1 answers each call by scanning
the entry points of every installed distribution (``importlib.metadata.entry_points``): about 7 ms a call
here, 10 s of a 54 s profiled clean build with about 1,500 citations. A plugin name names the same class
for the whole process, so pybtex's lookup keeps its answer after the first call. The fix belongs
upstream, in pybtex (memoise ``_load_entry_point``) or in sphinxcontrib-bibtex (look the backend up once,
as ``CiteRole`` already does for its own): docs/benchmarks.md records the note offered to both.

Every build, also one in which nothing changed, sphinxcontrib-bibtex formats every entry of the
bibliography again (twice: once more for its tooltips) when reading ends: about 1 s for 330 entries here.
The formatted entries depend only on the bibliography files, the cited keys and the style, so they are
kept across builds like figures and tables (:mod:`llmterms.sphinxext.computed`).

Each citation is then formatted again when its page is written (``BibtexDomain.resolve_xref``, about
2 ms each with pybtex's templates: 2.6 s of a profiled build after one glossary edit, for the 1,137
citations of the glossary page). The result depends on the citing page, the role, the keys and what the
bibliography says of them, so it is kept too, in one file per bibliography and configuration.
"""

from __future__ import annotations

import ast
import functools
from importlib.metadata import version

from sphinx.application import Sphinx

from llmterms.sphinxext import computed


def _memoise_plugin_lookup() -> None:
    import pybtex.plugin

    # find_plugin is also imported by name (pybtex.richtext, pybtex.style.formatting), so the memo goes one
    # level down, on the lookup every find_plugin call makes. A failed lookup raises and is not kept, so
    # a plugin registered later is still found.
    lookup = pybtex.plugin._load_entry_point
    if getattr(lookup, "cache_info", None) is None:
        pybtex.plugin._load_entry_point = functools.cache(lookup)


def _keep_formatted_entries() -> None:
    from sphinxcontrib.bibtex.domain import BibtexDomain

    format_anew = BibtexDomain.get_formatted_entries
    if getattr(format_anew, "keeps_results", False):
        return

    def get_formatted_entries(self, bibliography_key, docnames, tooltips, tooltips_style):
        app = self.env.app
        bibliography = self.bibliographies[bibliography_key]
        # What get_sorted_entries reads, not its result: it takes 1 s (each entry against each citation).
        cites: dict[str, list[list[str]]] = {}
        for ref in self.citation_refs:
            cites.setdefault(ref.docname, []).append([target.key for target in ref.targets])
        chosen = (bibliography_key.docname, ast.dump(bibliography.filter_), bibliography.keys)
        order = (docnames, [(docname, cites.get(docname, [])) for docname in sorted(cites)])
        settings = (chosen, order, bibliography.keyprefix, bibliography.labelprefix, bibliography.style)
        settings += (tooltips, tooltips_style)
        versions = [version(name) for name in ("pybtex", "sphinxcontrib-bibtex")]
        files = [computed.digest_of(file) for file in bibliography.bibfiles]
        name = computed.key(app, "bibliography", repr(settings), *versions, *files)
        formatted = computed.load(app, "bibliography", name)
        if formatted is None:
            formatted = list(format_anew(self, bibliography_key, docnames, tooltips, tooltips_style))
            computed.save(app, "bibliography", name, formatted)
        return iter(formatted)

    get_formatted_entries.keeps_results = True  # type: ignore[attr-defined]  # the mark of our wrapper
    BibtexDomain.get_formatted_entries = get_formatted_entries  # type: ignore[method-assign]  # patched once per process


#: The formatted citations of this process: the cache key they were made under, and each citation's nodes.
_citations: dict = {"key": None, "nodes": {}, "new": False}


def _citations_key(app: Sphinx, domain) -> str:
    versions = [version(name) for name in ("pybtex", "sphinxcontrib-bibtex")]
    files = [computed.digest_of(file) for file in domain.bibdata.bibfiles]
    config = [f"{c.name}={c.value!r}" for c in app.config if c.name.startswith("bibtex_")]
    return computed.key(app, "citations", app.builder.name, *versions, *files, *config)


def _keep_formatted_citations() -> None:
    from sphinxcontrib.bibtex.citation_target import parse_citation_targets
    from sphinxcontrib.bibtex.domain import BibtexDomain

    resolve_anew = BibtexDomain.resolve_xref
    if getattr(resolve_anew, "keeps_results", False):
        return

    def resolve_xref(self, env, fromdocname, builder, typ, target, node, contnode):
        if _citations["key"] is None:  # the first citation of this build
            key = _citations_key(env.app, self)
            stored = computed.load(env.app, "citations", key)
            _citations.update(key=key, nodes=stored if isinstance(stored, dict) else {}, new=False)
        keys = {t.key for t in parse_citation_targets(target)}
        found = tuple(
            sorted(
                (c.key, c.citation_id, c.bibliography_key.docname, c.formatted_entry.label)
                for c in self.citations
                if c.key in keys
            )
        )
        if len({k for k, *_ in found}) != len(keys):  # a missing key: let sphinxcontrib-bibtex warn
            return resolve_anew(self, env, fromdocname, builder, typ, target, node, contnode)
        name = (fromdocname, typ, target, found)
        result = _citations["nodes"].get(name)
        if result is None:
            result = resolve_anew(self, env, fromdocname, builder, typ, target, node, contnode)
            _citations["nodes"][name] = result.deepcopy()
            _citations["new"] = True
            return result
        return result.deepcopy()

    resolve_xref.keeps_results = True  # type: ignore[attr-defined]  # the mark of our wrapper
    BibtexDomain.resolve_xref = resolve_xref  # type: ignore[method-assign]  # patched once per process


def _forget_citations(app: Sphinx) -> None:
    _citations.update(key=None, nodes={}, new=False)


def _save_citations(app: Sphinx, exception) -> None:
    if exception is None and _citations["new"]:
        computed.save(app, "citations", _citations["key"], _citations["nodes"])
        _citations["new"] = False


def setup(app: Sphinx) -> None:
    if "sphinxcontrib.bibtex" in app.config.extensions:
        _memoise_plugin_lookup()
        _keep_formatted_entries()
        _keep_formatted_citations()
        app.connect("builder-inited", _forget_citations)
        app.connect("build-finished", _save_citations)
