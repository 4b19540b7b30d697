"""The glossary's directives: one category's definitions per page, and an index of every name and summary.

``llmterms-glossary CATEGORY`` renders one category's entries, each with its definition;
``llmterms-glossary-index`` lists every entry's names and summary on one page, each name linking to its
definition (the web site's only: the PDF and the EPUB have the category pages).

One page per category keeps an entry edit cheap: Sphinx re-reads and writes that category's page (15 to 45
entries) and the light index, not a page of every entry (issue 17: 7.6 s of processor time for one page of
390 entries, most of it spent in transforms over the whole page).

The "Used in" line of each entry depends on every other page, so it is not part of the page as read: the
directive leaves a placeholder, and :class:`UsedIn` fills it from the domain each time the page is written.
Editing a chapter then rewrites a category page (when its lines change) without reading it again.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.std import make_glossary_term
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from llmterms import glossary as _glossary
from llmterms.sphinxext import computed
from llmterms.sphinxext.domain import GlossaryDomain, domain_of, entry_files, glossary_dir

logger = logging.getLogger(__name__)
#: The class of the index's lists, which the glossary filter in llmterms.js looks for.
INDEX_CLASS = "llmterms-glossary-index"


class used_in(nodes.General, nodes.Element):  # docutils names node classes in lower case
    """Where the "Used in" line of the entry ``term`` goes; replaced before any writer sees it."""


def _meta_markdown(entry: _glossary.Entry, cite: bool) -> list[str]:
    """The lines under an entry's body: status, see also and references ("Used in" comes at write time)."""
    status = f"**Status:** {entry.status}"
    if entry.replaced_by:
        status += f", replaced by {{term}}`{entry.replaced_by}`"
    lines = [status + f" · **Verified:** {entry.verified.isoformat()}", ""]
    lines += ["**See also:** " + ", ".join(f"{{term}}`{name}`" for name in entry.see_also), ""]
    if entry.references:
        keys = [r for r in entry.references if not r.startswith(("http://", "https://"))]
        urls = [f"<{r}>" for r in entry.references if r.startswith(("http://", "https://"))]
        if not keys:
            cites = []
        elif cite:
            cites = [f"{{cite:p}}`{','.join(keys)}`"]
        else:  # without sphinxcontrib.bibtex, show the keys themselves
            cites = [f"`{key}`" for key in keys]
        lines += ["**References:** " + ", ".join(cites + urls), ""]
    return lines


def loaded_glossary(app: Sphinx) -> _glossary.Glossary | list[_glossary.Problem]:
    """The manual's glossary (or its problems when it cannot be read), read once per content of its files.

    Fourteen directives and the web data read the same entries in one build, and a build that reads no
    entry needs no parse (0.4 s): the result is kept under a key of the files and the package
    (:func:`llmterms.sphinxext.computed.kept`).
    """
    root = glossary_dir(app)

    def read() -> _glossary.Glossary | list[_glossary.Problem]:
        try:
            return _glossary.load(root, strict=False)
        except _glossary.GlossaryError as exc:
            return list(exc.problems)

    key = computed.key(app, "glossary", computed.digest_of(root))
    return computed.kept(app, "glossary", key, read)  # type: ignore[return-value]


def _category(directive: SphinxDirective) -> str:
    """The directive's category argument, checked against the manual's categories."""
    slug = directive.arguments[0].strip()
    if slug not in _glossary.CATEGORIES:
        raise directive.error(
            f"{directive.name}: unknown category {slug!r}; expected one of: {', '.join(_glossary.CATEGORIES)}"
        )
    return slug


class GlossaryDirective(SphinxDirective):
    """Render one category's entries under its heading; each alias is another term line of its entry."""

    has_content = False
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        category = _category(self)
        if self.env.app.builder.name == "doctest":
            # No entry holds a {doctest} block (tests/test_builds.py checks it), and the doctest builder
            # neither resolves links nor writes pages: rendering the ~390 entries would cost it 3 s for
            # nothing. The HTML build (tox -e docs) still renders and checks every entry.
            return []
        root = glossary_dir(self.env.app)
        files = entry_files(self.env.app, category)
        for file in files:
            self.env.note_dependency(file)
        # An edited entry can break another category's see-also, but the index page reads every file and
        # reports that; here only this category's entries matter.
        loaded = loaded_glossary(self.env.app)
        if isinstance(loaded, list):
            return []
        entries = loaded.by_category().get(category, [])
        domain = domain_of(self.env)
        domain.note_page(self.env.docname, category, files, [entry.to_dict() for entry in entries])
        section = nodes.section(ids=[f"category-{category}"], classes=["llmterms-category"])
        section += nodes.title(text=_glossary.CATEGORIES[category])
        if entries:
            section += self._definitions(entries, domain, root)
        return [section]

    def _definitions(self, entries, domain: GlossaryDomain, root: Path) -> addnodes.glossary:
        cite = "sphinxcontrib.bibtex" in self.env.app.extensions
        dlist = nodes.definition_list(classes=["glossary", "llmterms-glossary"])
        for entry in entries:
            source = str(root.parent / entry.path)
            item = nodes.definition_list_item(classes=["llmterms-entry", f"llmterms-status-{entry.status}"])
            for index, name in enumerate(entry.names):
                term = make_glossary_term(
                    self.env, [nodes.Text(name)], entry.term[:1].upper(), source, 1, None, self.state.document
                )
                if index:
                    term["classes"].append("llmterms-alias")
                domain.note_name(name, self.env.docname, term["ids"][0], entry.term)
                item += term
            definition = nodes.definition()
            # The summary is plain text everywhere (terminal, tooltips), so it is not parsed as Markdown.
            summary = nodes.container(classes=["llmterms-summary"])
            summary += nodes.paragraph(text=entry.summary)
            definition += summary
            for css, lines in (
                ("llmterms-body", entry.body.splitlines()),
                ("llmterms-meta", _meta_markdown(entry, cite)),
            ):
                box = nodes.container(classes=[css])
                self.state.nested_parse(StringList(lines, source=source), 0, box)
                definition += box
            box += used_in(term=entry.term)  # the last box is the meta box
            item += definition
            dlist += item
        node = addnodes.glossary(sorted=False)  # already sorted by term; Sphinx would re-sort by alias
        node += dlist
        return node


class index_entry(nodes.General, nodes.Element):  # docutils names node classes in lower case
    """An entry name on the index page; :class:`IndexLinks` makes it a link to the entry's definition."""


class GlossaryIndexDirective(SphinxDirective):
    """Every entry's names and summary, by category, each name linking to its definition on the category page.

    The index is what the glossary's filter searches, and where old links to ``glossary.html#term-...`` land.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        if self.env.app.builder.name not in ("html", "dirhtml"):
            # The PDF and the EPUB have the category chapters themselves; the index is a web page's filter.
            return []
        files = entry_files(self.env.app)
        for file in files:
            self.env.note_dependency(file)
        loaded = loaded_glossary(self.env.app)
        problems = loaded if isinstance(loaded, list) else loaded.problems
        # Reported while the page is read: -W fails the build on a malformed entry, as `llmterms define` does.
        for problem in problems:
            logger.warning("%s", problem, type="llmterms", subtype="glossary")
        if isinstance(loaded, list):
            return []
        domain_of(self.env).note_index(self.env.docname, files)
        # Inside a container, the sections stay out of the table of contents: the sidebar lists the category
        # pages once, and moving an entry to an empty category changes no other page's navigation.
        body = nodes.container(classes=["llmterms-glossary-index-body"])
        for category, entries in loaded.by_category().items():
            if not entries:
                continue
            section = nodes.section(ids=[f"category-{category}"], classes=["llmterms-category"])
            section += nodes.title(text=_glossary.CATEGORIES[category])
            dlist = nodes.definition_list(classes=["glossary", "llmterms-glossary", INDEX_CLASS])
            for entry in entries:
                status = f"llmterms-status-{entry.status}"
                item = nodes.definition_list_item(classes=["llmterms-entry", status])
                for index, name in enumerate(entry.names):
                    term = nodes.term("", "", classes=["llmterms-alias"] if index else [])
                    term += index_entry(name=name)
                    item += term
                definition = nodes.definition()
                summary = nodes.container(classes=["llmterms-summary"])
                summary += nodes.paragraph(text=entry.summary)
                definition += summary
                if entry.status != "current":
                    meta = nodes.container(classes=["llmterms-meta"])
                    meta += nodes.paragraph(text=f"Status: {entry.status}")
                    definition += meta
                item += definition
                dlist += item
            section += dlist
            body += section
        return [body]


class IndexLinks(SphinxPostTransform):
    """On the index page, give each name the anchor it has on its category page and link it there."""

    default_priority = 5

    def run(self, **kwargs) -> None:
        names = domain_of(self.env).names
        builder = self.env.app.builder
        for node in list(self.document.findall(index_entry)):
            name = node["name"]
            if name not in names:  # its category page failed to render; say the name unlinked
                node.replace_self(nodes.Text(name))
                continue
            docname, anchor, _ = names[name]
            node.parent["ids"] = [anchor]
            uri = builder.get_relative_uri(self.env.docname, docname) + "#" + anchor
            reference = nodes.reference("", "", internal=True, refuri=uri)
            reference += nodes.Text(name)
            node.replace_self(reference)


class UsedIn(SphinxPostTransform):
    """Fill each entry's "Used in" line with links to the pages that use the term (or drop it)."""

    # Before Sphinx's ReferencesResolver (10), which turns the links made here into references.
    default_priority = 5

    def run(self, **kwargs) -> None:
        placeholders = list(self.document.findall(used_in))
        if not placeholders:
            return
        used = domain_of(self.env).used_in()
        for placeholder in placeholders:
            pages = used.get(placeholder["term"], [])
            if not pages:
                placeholder.parent.remove(placeholder)
                continue
            paragraph = nodes.paragraph()
            paragraph += nodes.strong(text="Used in:")
            paragraph += nodes.Text(" ")
            for index, page in enumerate(pages):
                if index:
                    paragraph += nodes.Text(", ")
                xref = addnodes.pending_xref(
                    "",
                    refdoc=self.env.docname,
                    refdomain="std",
                    refexplicit=False,
                    reftarget=f"/{page}",
                    reftype="doc",
                    refwarn=True,
                )
                xref += nodes.inline(text=f"/{page}", classes=["xref", "std", "std-doc"])
                paragraph += xref
            placeholder.replace_self(paragraph)


def setup(app: Sphinx) -> None:
    app.add_directive("llmterms-glossary", GlossaryDirective)
    app.add_directive("llmterms-glossary-index", GlossaryIndexDirective)
    app.add_post_transform(UsedIn)
    app.add_post_transform(IndexLinks)
