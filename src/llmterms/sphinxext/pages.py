"""Sphinx's own work on the HTML pages, not repeated between builds: its index pages, the theme's templates.

Sphinx 8.2's HTML builder renders ``genindex``, ``py-modindex`` and ``search``, and dumps the search index
and the object inventory, in every build, also one in which no page was read or written: about 2 s of a
5.8 s profiled no-change build of the manual, most of it in the theme's templates. Their content comes
from the environment and the templates only. When no page was
added, changed, removed, read or written, the environment is the one the last build pickled, and templates
and configuration are unchanged too (a newer template makes Sphinx write every page, a changed configuration
read every page), so the files already in the output folder are what rendering them again would give.

Every build that writes a page also compiles the theme's Jinja templates again (about 40 of them, 0.8 s of
a 5 s profiled build after a chapter edit). Jinja can keep the compiled code in a folder: it stores it
under the template's name and checks it against a SHA-1 of the template's source, and its header names
the Python version, so an edited template or another Python compiles afresh.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder

from llmterms.sphinxext import computed

#: The pages the skipped steps write, relative to the output folder; all must exist to skip them.
PAGES = ("genindex", "search")
#: The files the skipped steps write besides the pages, relative to the output folder.
FILES = ("searchindex.js", "objects.inv")


def _watch(app: Sphinx) -> None:
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder) or builder.name != "html":
        return
    changed = {"any": False}

    def note_outdated(app, env, added, changed_docs, removed) -> list[str]:
        if added or changed_docs or removed:
            changed["any"] = True
        return []

    def note_read(app, env, docnames) -> None:
        if docnames:
            changed["any"] = True

    write_documents = builder.write_documents

    def write_documents_noted(docnames) -> None:
        if docnames:
            changed["any"] = True
        write_documents(docnames)

    def unchanged() -> bool:
        outputs = [builder.outdir / f"{page}{builder.out_suffix}" for page in PAGES]
        outputs += [builder.outdir / name for name in FILES]
        return not changed["any"] and all(path.is_file() for path in outputs)

    for step in ("gen_indices", "gen_additional_pages", "dump_search_index", "dump_inventory"):
        render = getattr(builder, step)

        def render_if_changed(render=render) -> None:
            if not unchanged():
                render()

        setattr(builder, step, render_if_changed)
    builder.write_documents = write_documents_noted  # type: ignore[method-assign]  # this builder only
    app.connect("env-get-outdated", note_outdated)
    app.connect("env-before-read-docs", note_read)


def _keep_compiled_templates(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None or environment.bytecode_cache is not None:
        return
    from jinja2 import FileSystemBytecodeCache

    environment.bytecode_cache = FileSystemBytecodeCache(str(computed.folder(app, "templates")))


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", _watch)
    app.connect("builder-inited", _keep_compiled_templates)
