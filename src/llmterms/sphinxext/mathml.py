"""Render math as MathML at build time, so that pages need no MathJax and no network to show formulas.

:mod:`llmterms.sphinxext` sets this up; conf.py picks it with ``html_math_renderer = "mathml"``.
"""

from __future__ import annotations

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _mathml(latex: str, display: str, node: nodes.Node) -> str:
    try:
        return convert(latex, display=display)
    except Exception as exc:  # latex2mathml raises many kinds; any of them is a bad formula
        logger.warning("cannot convert formula %r to MathML: %s", latex, exc, location=node)
        return f"<code>{latex}</code>"


def _visit_inline(self, node: nodes.math) -> None:
    self.body.append(_mathml(node.astext(), "inline", node))
    raise nodes.SkipNode


def _visit_block(self, node: nodes.math_block) -> None:
    ids = " ".join(node.get("ids", []))
    anchor = f' id="{ids}"' if ids else ""
    # Focusable, so that a keyboard can scroll a formula wider than a phone (WCAG 2.1.1; axe-core's
    # scrollable-region-focusable), and named, because a focusable element needs a name.
    label = ' tabindex="0" role="group" aria-label="Equation"'
    self.body.append(f'<div class="math-block"{anchor}{label}>{_mathml(node.astext(), "block", node)}</div>')
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("mathml", (_visit_inline, None), (_visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
