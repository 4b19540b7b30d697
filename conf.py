"""Sphinx configuration for the llmterms manual.

Build from the repository root: ``sphinx-build -c . -b html docs build/html`` (``tox -e docs`` does it).
Paths below are relative to this file's folder, not to ``docs/``.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).parent.resolve()
# Document the package in this checkout, not some other installed copy.
sys.path.insert(0, str(ROOT / "src"))

import llmterms  # noqa: E402

# -- Project information -----------------------------------------------------------------------------------
project = "llmterms"
author = "The llmterms authors"
copyright = "2026, The llmterms authors"
release = llmterms.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------------------------------------
extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinxcontrib.bibtex",
    "llmterms.sphinxext",  # also sets up llmterms.sphinxext.mathml, the renderer chosen below
    "sphinx_copybutton",
]
root_doc = "index"
exclude_patterns = ["_build", "**/README.md"]
templates_path = ["docs/_templates"]
nitpicky = True
nitpick_ignore_regex = [
    # No intersphinx (the build must not touch the network), so links into the standard library's and
    # numpy's documentation cannot resolve; autodoc still prints these names in signatures.
    ("py:class", r"(pathlib\.)?Path|os\.PathLike|datetime\.date|_dt\.date"),
    ("py:class", r"numpy\..*|np\..*|NDArray|ArrayLike"),
    ("py:class", r"(collections\.abc\.|typing\.)?(Iterable|Iterator|Sequence|Mapping|Callable|Any)(\[.*\])?"),
    ("py:class", r"llmterms\..*\._[A-Za-z]\w*"),  # private helpers named in public signatures
]

# -- Options for MyST --------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath", "amsmath", "attrs_inline", "attrs_block"]
myst_heading_anchors = 3

# -- Options for the glossary (llmterms.sphinxext) ---------------------------------------------------------
llmterms_glossary_dir = "glossary"

# -- Options for citations ---------------------------------------------------------------------------------
bibtex_bibfiles = ["docs/references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# -- Options for autodoc -----------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": False}

# -- Options for doctest -----------------------------------------------------------------------------------
# pytest runs the docstring examples in src/ (tox -e py); the Sphinx doctest builder runs only the
# {doctest} blocks in the chapters, so no example runs twice.
doctest_test_doctest_blocks = ""
doctest_global_setup = "import llmterms"

# -- Options for copy buttons ------------------------------------------------------------------------------
# Copy only the commands and code, not the prompts or the output shown after them.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False

# -- Options for HTML output -------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = f"llmterms {release}"
html_static_path = ["docs/_static"]
html_favicon = "docs/_static/favicon.svg"
html_css_files = ["llmterms.css", "llmterms-icons.css"]
html_last_updated_fmt = None
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
}
# Formulas become MathML at build time (llmterms.sphinxext.mathml), so no page loads MathJax from a CDN.
html_math_renderer = "mathml"
# The theme's light/dark switch starts from the reader's system setting.
html_context = {"default_mode": "auto"}

# -- Options for LaTeX (the PDF) ----------------------------------------------------------------------------
# xelatex, because pdflatex cannot typeset the Unicode a manual like this needs (≈, →, θ in code).
latex_engine = "xelatex"
latex_documents = [
    ("index", "llmterms.tex", "llmterms: running large language models locally", author, "manual")
]
latex_show_urls = "no"
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    "fontpkg": r"""
\setmainfont{FreeSerif}
\setsansfont{FreeSans}
\setmonofont{DejaVu Sans Mono}[Scale=0.85]
""",
    "preamble": r"""
\usepackage{newunicodechar}
% Symbols our text fonts lack come from Symbola, so the log has no "Missing character".
\newfontfamily\llmtermssymbols{Symbola}
\newunicodechar{✓}{{\llmtermssymbols ✓}}
\newunicodechar{✗}{{\llmtermssymbols ✗}}
\newunicodechar{⚠}{{\llmtermssymbols ⚠}}
\newunicodechar{▁}{{\llmtermssymbols ▁}}
\newunicodechar{🙂}{{\llmtermssymbols 🙂}}
% The one CJK character in the manual (the byte-fallback example); a CJK font supplies it.
\newfontfamily\llmtermscjk{WenQuanYi Micro Hei}
\newunicodechar{語}{{\llmtermscjk 語}}
% Tables generated from the package's data are wide: a smaller type keeps them inside the page.
\newenvironment{sphinxclassllmterms-table-box}{\footnotesize}{}
% Generated tables mark where a long option name may break with a zero-width space (see tables.py).
\newunicodechar{^^^^200b}{\allowbreak}
% sphinx-design cards print with a frame.
\usepackage{tcolorbox}
\newenvironment{sphinxclasssd-card}{\begin{tcolorbox}[colback=white,colframe=black!30,boxrule=0.4pt,arc=1mm]}{\end{tcolorbox}}
\newenvironment{sphinxclasssd-card-body}{}{}
\newenvironment{sphinxclasssd-card-header}{\bfseries}{}
\newenvironment{sphinxclasssd-card-title}{\bfseries}{}
\newenvironment{sphinxclasssd-card-footer}{\small}{}
""",
    "sphinxsetup": "verbatimwrapslines=true, verbatimforcewraps=true",
    "printindex": r"\footnotesize\raggedright\printindex",
}
latex_use_xindy = True
