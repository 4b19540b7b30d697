"""The ``llmterms`` domain: everything the extension remembers between pages and between builds.

Like ``sphinx.ext.todo``, the state lives in the domain's ``data``, which Sphinx pickles with the
environment: each page's share is dropped in :meth:`GlossaryDomain.clear_doc` when the page is read again
and merged from the worker processes in :meth:`GlossaryDomain.merge_domaindata` under ``-j``. Nothing is
kept on ``app`` or set on ``env`` from a directive, so incremental and parallel builds see the same state.

The glossary is one page per category (``llmterms-glossary CATEGORY``) and an index page of every entry
(``llmterms-glossary-index``): an edited entry re-reads its category's page and the index, not all of it.

- ``names``: each glossary name and alias -> (page, anchor, term), the search objects.
- ``pages``: each category page -> its category, the entry files it rendered and each entry as data.
- ``index``: the index page and the entry files it listed, or None.
- ``uses``: each page -> the ``{term}`` targets it links, from which "Used in" is computed once per build.
- ``shown``: what each category page was last written with ("Used in" lines, page titles), and the page of
  each name the other pages were last written with, to rewrite only what changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains import Domain, ObjType

from llmterms.entry import CATEGORIES
from llmterms.ranking import normalize


def glossary_dir(app: Sphinx) -> Path:
    """The glossary folder this build renders (``llmterms_glossary_dir``, relative to the conf.py folder)."""
    return (Path(app.confdir) / app.config.llmterms_glossary_dir).resolve()


def entry_files(app: Sphinx, category: str | None = None) -> list[str]:
    """The entry files in the glossary folder now (or in one category's folder), sorted."""
    root = glossary_dir(app)
    return sorted(str(p) for p in (root / category if category else root).rglob("*.md"))


class GlossaryDomain(Domain):
    """Search objects for glossary names and the glossary's build state; links go through ``{term}``."""

    name = "llmterms"
    label = "llmterms glossary"
    object_types = {"term": ObjType("glossary term", "term")}  # noqa: RUF012 - Sphinx's API
    initial_data = {"names": {}, "pages": {}, "index": None, "uses": {}, "shown": {}}  # noqa: RUF012

    # -- What the pages record while they are read -----------------------------------------------------

    def note_name(self, name: str, docname: str, anchor: str, term: str) -> None:
        self.data["names"][name] = (docname, anchor, term)

    def note_page(self, docname: str, category: str, files: list[str], entries: list[dict]) -> None:
        """Record a category page: the entry files it was read from and each of its entries as plain data."""
        self.data["pages"][docname] = {"category": category, "files": files, "entries": entries}

    def note_index(self, docname: str, files: list[str]) -> None:
        """Record the index page and the entry files it listed."""
        self.data["index"] = {"docname": docname, "files": files}

    def note_uses(self, docname: str, targets: list[str]) -> None:
        self.data["uses"][docname] = targets

    def clear_doc(self, docname: str) -> None:
        names = self.data["names"]
        for name, (doc, _, _) in list(names.items()):
            if doc == docname:
                del names[name]
        self.data["uses"].pop(docname, None)
        self.data["pages"].pop(docname, None)
        if self.index_docname == docname:
            self.data["index"] = None

    def merge_domaindata(self, docnames, otherdata) -> None:
        for name, value in otherdata["names"].items():
            if value[0] in docnames:
                self.data["names"][name] = value
        for key in ("uses", "pages"):
            for docname, value in otherdata[key].items():
                if docname in docnames:
                    self.data[key][docname] = value
        index = otherdata["index"]
        if index is not None and index["docname"] in docnames:
            self.data["index"] = index

    # -- What the build reads back -----------------------------------------------------------------------

    @property
    def names(self) -> dict[str, tuple[str, str, str]]:
        return self.data["names"]

    @property
    def index_docname(self) -> str | None:
        return self.data["index"]["docname"] if self.data["index"] else None

    @property
    def glossary_pages(self) -> set[str]:
        """The category pages and the index page: the pages that show entries rather than use them."""
        return set(self.data["pages"]) | ({self.index_docname} - {None})  # type: ignore[operator]

    def category_pages(self) -> list[str]:
        """The category pages, in the manual's order of categories."""
        order = list(CATEGORIES)
        pages = self.data["pages"]
        return sorted(pages, key=lambda d: (order.index(pages[d]["category"]), d))

    @property
    def entries(self) -> list[dict]:
        """Every entry as :meth:`llmterms.glossary.Entry.to_dict` gives it, in the glossary's order."""
        pages = self.data["pages"]
        return [entry for docname in self.category_pages() for entry in pages[docname]["entries"]]

    def used_in(self) -> dict[str, list[str]]:
        """Each term -> the pages (not the glossary's own) whose ``{term}`` links point at it, sorted."""
        term_of = {normalize(name): term for name, (_, _, term) in self.names.items()}
        found: dict[str, set[str]] = {entry["term"]: set() for entry in self.entries}
        skip = self.glossary_pages
        for docname, targets in self.data["uses"].items():
            if docname in skip:
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
    """Re-read a glossary page when an entry file it shows appears or disappears (dependencies see edits)."""
    data = domain_of(env).data
    stale = [
        docname
        for docname, page in data["pages"].items()
        if docname not in changed and page["files"] != entry_files(app, page["category"])
    ]
    index = data["index"]
    if index and index["docname"] not in changed and index["files"] != entry_files(app):
        stale.append(index["docname"])
    return stale


def _clear_category_pages(app: Sphinx, env, docnames: list[str]) -> None:
    """Clear every category page to be read before reading any of them.

    An entry moved to another category leaves one page and joins another in the same build. Sphinx clears
    each page just before it reads it, so the page read first would find the entry's names still held by
    the other page, a duplicate term. Clearing twice is harmless.
    """
    pages = domain_of(env).data["pages"]
    for docname in [d for d in docnames if d in pages]:
        app.emit("env-purge-doc", env, docname)
        env.clear_doc(docname)


def _rewrite_pages(app: Sphinx, env) -> list[str]:
    """Write again, without reading them, the pages whose links or "Used in" lines changed.

    A category page's "Used in" lines name each page by its title, so a new title of a page listed there
    counts as a change. A name whose entry moved to another category's page changes the links of every
    page that uses it: those pages are written again too.
    """
    domain = domain_of(env)
    shown = domain.data["shown"]
    rewrite: set[str] = set()
    used = domain.used_in()
    for docname in domain.category_pages():
        terms = [entry["term"] for entry in domain.data["pages"][docname]["entries"]]
        lines = {term: used.get(term, []) for term in terms}
        pages = sorted({page for listed in lines.values() for page in listed})
        now = {"used_in": lines, "titles": {page: env.titles[page].astext() for page in pages}}
        if shown.get(docname) != now:
            shown[docname] = now
            rewrite.add(docname)
    where = {normalize(name): docname for name, (docname, _, _) in domain.names.items()}
    before = shown.get("", where)
    moved = {name for name in where.keys() | before.keys() if where.get(name) != before.get(name)}
    shown[""] = where
    if moved:
        for docname, targets in domain.data["uses"].items():
            if docname in env.all_docs and any(normalize(t) in moved for t in targets):
                rewrite.add(docname)
    return sorted(rewrite)


def setup(app: Sphinx) -> None:
    app.add_config_value("llmterms_glossary_dir", "glossary", "env", types=[str])
    app.add_domain(GlossaryDomain)
    app.connect("doctree-read", _record_uses)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-before-read-docs", _clear_category_pages)
    app.connect("env-updated", _rewrite_pages)
