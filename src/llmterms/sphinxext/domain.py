"""The ``llmterms`` domain: everything the extension remembers between pages and between builds.

Like ``sphinx.ext.todo``, the state lives in the domain's ``data``, which Sphinx pickles with the
environment: each page's share is dropped in :meth:`GlossaryDomain.clear_doc` when the page is read again
and merged from the worker processes in :meth:`GlossaryDomain.merge_domaindata` under ``-j``. Nothing is
kept on ``app`` or set on ``env`` from a directive, so incremental and parallel builds see the same state.

- ``names``: each glossary name and alias -> (page, anchor, term), the search objects.
- ``page``: the page holding the glossary directive, the entry files it rendered and each entry as data.
- ``uses``: each page -> the ``{term}`` targets it links, from which "Used in" is computed once per build.
- ``shown``: the "Used in" lines the glossary page was last written with, to rewrite it only when they change.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains import Domain, ObjType

from llmterms.ranking import normalize


def glossary_dir(app: Sphinx) -> Path:
    """The glossary folder this build renders (``llmterms_glossary_dir``, relative to the conf.py folder)."""
    return (Path(app.confdir) / app.config.llmterms_glossary_dir).resolve()


def entry_files(app: Sphinx) -> list[str]:
    """The entry files in the glossary folder now, sorted."""
    return sorted(str(p) for p in glossary_dir(app).rglob("*.md"))


class GlossaryDomain(Domain):
    """Search objects for glossary names and the glossary's build state; links go through ``{term}``."""

    name = "llmterms"
    label = "llmterms glossary"
    object_types = {"term": ObjType("glossary term", "term")}  # noqa: RUF012 - Sphinx's API
    initial_data = {"names": {}, "page": None, "uses": {}, "shown": None}  # noqa: RUF012 - Sphinx's API

    # -- What the pages record while they are read -----------------------------------------------------

    def note_name(self, name: str, docname: str, anchor: str, term: str) -> None:
        self.data["names"][name] = (docname, anchor, term)

    def note_page(self, docname: str, files: list[str], entries: list[dict]) -> None:
        """Record the glossary page: the entry files it was read from and every entry as plain data."""
        self.data["page"] = {"docname": docname, "files": files, "entries": entries}

    def note_uses(self, docname: str, targets: list[str]) -> None:
        self.data["uses"][docname] = targets

    def clear_doc(self, docname: str) -> None:
        names = self.data["names"]
        for name, (doc, _, _) in list(names.items()):
            if doc == docname:
                del names[name]
        self.data["uses"].pop(docname, None)
        if self.page_docname == docname:
            self.data["page"] = None

    def merge_domaindata(self, docnames, otherdata) -> None:
        for name, value in otherdata["names"].items():
            if value[0] in docnames:
                self.data["names"][name] = value
        for docname, targets in otherdata["uses"].items():
            if docname in docnames:
                self.data["uses"][docname] = targets
        page = otherdata["page"]
        if page is not None and page["docname"] in docnames:
            self.data["page"] = page

    # -- What the build reads back -----------------------------------------------------------------------

    @property
    def names(self) -> dict[str, tuple[str, str, str]]:
        return self.data["names"]

    @property
    def page_docname(self) -> str | None:
        return self.data["page"]["docname"] if self.data["page"] else None

    @property
    def entries(self) -> list[dict]:
        """Every entry as :meth:`llmterms.glossary.Entry.to_dict` gives it, in the glossary page's order."""
        return self.data["page"]["entries"] if self.data["page"] else []

    def used_in(self) -> dict[str, list[str]]:
        """Each term -> the pages (not the glossary page) whose ``{term}`` links point at it, sorted."""
        term_of = {normalize(name): term for name, (_, _, term) in self.names.items()}
        found: dict[str, set[str]] = {entry["term"]: set() for entry in self.entries}
        for docname, targets in self.data["uses"].items():
            if docname == self.page_docname:
                continue
            for target in targets:
                term = term_of.get(normalize(target))
                if term is not None:
                    found[term].add(docname)
        return {term: sorted(pages) for term, pages in found.items()}

    def resolve_any_xref(self, env, fromdocname, builder, target, node, contnode):
        return []

    def get_objects(self):
        for name, (docname, anchor, _term) in sorted(self.names.items()):
            # Priority 0 is Sphinx's "important": above page titles in the search results.
            yield name, name, "term", docname, anchor, 0


def domain_of(env) -> GlossaryDomain:
    """This build's ``llmterms`` domain, typed as ours (Sphinx's registry knows only ``Domain``)."""
    return cast(GlossaryDomain, env.domains["llmterms"])


def _record_uses(app: Sphinx, doctree: nodes.document) -> None:
    """Note the ``{term}`` targets of the page just read (before Sphinx resolves them)."""
    targets = [
        node["reftarget"]
        for node in doctree.findall(addnodes.pending_xref)
        if node.get("refdomain") == "std" and node.get("reftype") == "term"
    ]
    domain_of(app.env).note_uses(app.env.docname, sorted(set(targets)))


def _outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Re-read the glossary page when an entry file appears or disappears (dependencies catch edits only)."""
    page = domain_of(env).data["page"]
    if page and page["docname"] not in changed and page["files"] != entry_files(app):
        return [page["docname"]]
    return []


def _rewrite_glossary_page(app: Sphinx, env) -> list[str]:
    """Write the glossary page again when its "Used in" lines changed, without reading it again.

    The lines name each page by its title, so a new title of a page listed there counts as a change.
    """
    domain = domain_of(env)
    if domain.page_docname is None:
        return []
    used = domain.used_in()
    pages = sorted({page for listed in used.values() for page in listed})
    shown = {"used_in": used, "titles": {page: env.titles[page].astext() for page in pages}}
    if shown == domain.data["shown"]:
        return []
    domain.data["shown"] = shown
    return [domain.page_docname]


def setup(app: Sphinx) -> None:
    app.add_config_value("llmterms_glossary_dir", "glossary", "env", types=[str])
    app.add_domain(GlossaryDomain)
    app.connect("doctree-read", _record_uses)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-updated", _rewrite_glossary_page)
