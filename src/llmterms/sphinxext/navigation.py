"""The theme's sidebar with a name on every expand button, so that screen readers can say what it opens.

pydata-sphinx-theme 0.20 makes each sidebar entry that has pages under it collapsible: the link, then a
``<details>`` whose ``<summary>`` holds only a decorative chevron. A ``<summary>`` without text has no
accessible name (axe-core's ``summary-name`` rule, serious): a screen reader announces "disclosure
triangle" and nothing more. The glossary's category pages gave the sidebar its first such entry. This
module names each button after the entry it belongs to.

>>> from bs4 import BeautifulSoup
>>> soup = BeautifulSoup('<li class="has-children"><a href="glossary.html">Glossary</a>'
...                      '<details><summary><span role="presentation"></span></summary>', "html.parser")
>>> name_toggles(soup).summary
<summary aria-label="Pages under Glossary"><span role="presentation"></span></summary>

The theme builds each page's sidebar anew, from Sphinx's whole table of contents through BeautifulSoup:
0.12 s a page, 5 s of a clean build. A sidebar is a function of the page, the arguments, the table of
contents (which pages include which, their titles and numbers, the sources that hold toctrees), the
configuration and the code, so it is kept under a key of those (:func:`toc_state`) in build/cache, and a
build with the same table of contents, clean or not, takes each page's sidebar from there.

The theme draws each sidebar twice: pydata-sphinx-theme renders the book theme's sidebar template once in
its own ``html-page-context`` handler, only to drop it if it comes out empty, then once more in the page.
So the functions are put into the context here, before that handler runs, and both renderings take the
kept sidebar.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sphinx.application import Sphinx

from llmterms.sphinxext import computed


def name_toggles(soup: Any) -> Any:
    """Name each sidebar ``<summary>`` "Pages under <its entry's link text>", in place; returns the soup."""
    for summary in soup.select("li.has-children > details > summary"):
        link = summary.parent.find_previous_sibling("a")
        if link is not None and not summary.get("aria-label"):
            summary["aria-label"] = f"Pages under {link.get_text()}"
    return soup


def toc_state(app: Sphinx) -> str:
    """A digest of everything a page's sidebar is drawn from besides the page and the template's arguments."""
    env = app.env
    parts = [
        repr(sorted(env.toctree_includes.items())),
        repr(sorted((doc, title.pformat()) for doc, title in env.titles.items())),
        repr(sorted((doc, sorted(numbers.items())) for doc, numbers in env.toc_secnumbers.items())),
        repr(sorted(env.found_docs)),
        repr(sorted(app.config.html_theme_options.items())),
        *(computed.digest_of(env.doc2path(doc)) for doc in sorted(env.toctree_includes)),
        computed.digest_of(Path(app.confdir) / "conf.py"),
        computed.digest_of(Path(__file__)),
        *(version(name) for name in ("sphinx", "pydata-sphinx-theme", "sphinx-book-theme")),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class _Sidebars:
    """This build's sidebars, by page and arguments, read from and saved to build/cache."""

    def __init__(self, app: Sphinx):
        self.app = app
        self.state = toc_state(app)
        kept = computed.load(app, "sidebars", self.state)
        self.html: dict[str, str] = kept if isinstance(kept, dict) else {}
        self.changed = False

    def save(self) -> None:
        if self.changed:
            # One table of contents at a time: an older one's sidebars are never asked for again.
            computed.save(self.app, "sidebars", self.state, self.html, alone=True)


_SIDEBARS: dict[int, _Sidebars] = {}


def _wrap_toctree(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "llmterms_named", False):
        return
    if id(app) not in _SIDEBARS:
        _SIDEBARS[id(app)] = _Sidebars(app)
    sidebars = _SIDEBARS[id(app)]

    def generate_named(*args, **kwargs):
        # pydata-sphinx-theme returns a BeautifulSoup tree (or "" when there is no toctree), which the
        # template prints; "raw" trees are read by the theme's code, so only sidebars are kept as text.
        kind = args[0] if args else kwargs.get("kind")
        key = repr((pagename, args, sorted(kwargs.items())))
        if kind == "sidebar" and key in sidebars.html:
            return Markup(sidebars.html[key])
        html = generate(*args, **kwargs)
        html = html if isinstance(html, str) else name_toggles(html)
        if kind == "sidebar":
            sidebars.html[key] = str(html)
            sidebars.changed = True
        return html

    generate_named.llmterms_named = True  # type: ignore[attr-defined]
    context["generate_toctree_html"] = generate_named


def _toctree_functions_first(app: Sphinx) -> None:
    # pydata-sphinx-theme connects add_toctree_functions and then update_and_remove_templates, both at the
    # default priority; the second renders the sidebar template, so a wrapper connected after the first
    # would miss that rendering. Run the first ourselves, earlier, with the wrapper right after it.
    try:
        from pydata_sphinx_theme import toctree  # type: ignore[import-untyped]
    except ImportError:
        return
    for listener in list(app.events.listeners["html-page-context"]):
        if listener.handler is toctree.add_toctree_functions:
            app.disconnect(listener.id)

            def add_named(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
                toctree.add_toctree_functions(app, pagename, templatename, context, doctree)
                _wrap_toctree(app, pagename, templatename, context, doctree)

            app.connect("html-page-context", add_named, priority=listener.priority - 1)


def _save_sidebars(app: Sphinx, exception) -> None:
    sidebars = _SIDEBARS.pop(id(app), None)
    if sidebars is not None and exception is None:
        sidebars.save()


def setup(app: Sphinx) -> None:
    # The theme has connected its handlers by builder-inited. The wrapper at 900 is for a theme whose
    # functions come from elsewhere; it leaves an already wrapped function alone.
    app.connect("builder-inited", _toctree_functions_first)
    app.connect("html-page-context", _wrap_toctree, priority=900)
    app.connect("build-finished", _save_sidebars)
