"""The ``llmterms-glossary`` directive: the whole glossary, grouped by category, one definition per entry.

The "Used in" line of each entry depends on every other page, so it is not part of the page as read: the
directive leaves a placeholder, and :class:`UsedIn` fills it from the domain each time the page is written.
Editing a chapter then rewrites the glossary page (when its lines change) without reading it again.
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
from llmterms.sphinxext.domain import GlossaryDomain, domain_of, entry_files, glossary_dir

logger = logging.getLogger(__name__)


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


class GlossaryDirective(SphinxDirective):
    """Render every glossary entry; each alias becomes another term line of its entry."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        if self.env.app.builder.name == "doctest":
            # No entry holds a {doctest} block (tests/test_builds.py checks it), and the doctest builder
            # neither resolves links nor writes pages: rendering the ~390 entries would cost it 3 s for
            # nothing. The HTML build (tox -e docs) still renders and checks every entry.
            return []
        root = glossary_dir(self.env.app)
        files = entry_files(self.env.app)
        for file in files:
            self.env.note_dependency(file)
        try:
            loaded = _glossary.load(root, strict=False)
        except _glossary.GlossaryError as exc:
            problems, glossary = exc.problems, None
        else:
            problems, glossary = loaded.problems, loaded
        # Reported while the page is read: -W fails the build on a malformed entry, as `llmterms define` does.
        for problem in problems:
            logger.warning("%s", problem, type="llmterms", subtype="glossary")
        if glossary is None:
            return []
        domain = domain_of(self.env)
        domain.note_page(self.env.docname, files, [entry.to_dict() for entry in glossary])

        result: list[nodes.Node] = []
        for category, entries in glossary.by_category().items():
            if not entries:
                continue
            section = nodes.section(ids=[f"category-{category}"], classes=["llmterms-category"])
            section += nodes.title(text=_glossary.CATEGORIES[category])
            section += self._definitions(entries, domain, root)
            result.append(section)
        return result

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
    app.add_post_transform(UsedIn)
