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
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def name_toggles(soup: Any) -> Any:
    """Name each sidebar ``<summary>`` "Pages under <its entry's link text>", in place; returns the soup."""
    for summary in soup.select("li.has-children > details > summary"):
        link = summary.parent.find_previous_sibling("a")
        if link is not None and not summary.get("aria-label"):
            summary["aria-label"] = f"Pages under {link.get_text()}"
    return soup


def _wrap_toctree(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "llmterms_named", False):
        return

    def generate_named(*args, **kwargs):
        # pydata-sphinx-theme returns a BeautifulSoup tree (or "" when there is no toctree), which the
        # template prints.
        html = generate(*args, **kwargs)
        return html if isinstance(html, str) else name_toggles(html)

    generate_named.llmterms_named = True  # type: ignore[attr-defined]
    context["generate_toctree_html"] = generate_named


def setup(app: Sphinx) -> None:
    # After pydata-sphinx-theme's own handler (default priority 500), which puts the function in the context.
    app.connect("html-page-context", _wrap_toctree, priority=900)
