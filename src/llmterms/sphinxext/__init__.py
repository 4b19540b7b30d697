"""Sphinx glue for llmterms: the glossary's pages, build-time tables and figures, MathML, and web data.

Enable it with ``extensions = ["llmterms.sphinxext"]``. The logic lives in the package
(:mod:`llmterms.glossary` and the modules the tables and figures call); each module here is one feature
with its own ``setup``, and the build's state lives in one place, the ``llmterms`` domain
(:mod:`llmterms.sphinxext.domain`).
"""

from __future__ import annotations

from sphinx.application import Sphinx

from llmterms import __version__
from llmterms.sphinxext import (
    bibliography,
    computed,
    directive,
    domain,
    navigation,
    pages,
    plots,
    tables,
    web,
)


def setup(app: Sphinx) -> dict:
    for feature in (domain, directive, computed, tables, plots, web, bibliography, pages, navigation):
        feature.setup(app)
    # Formulas as MathML at build time; conf.py chooses it with html_math_renderer = "mathml".
    app.setup_extension("llmterms.sphinxext.mathml")
    return {"version": __version__, "env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
