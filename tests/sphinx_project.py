"""A small Sphinx project with our extension, built as tox builds the manual, for the extension's and the builds' tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from llmterms.entry import CATEGORIES

SPHINX_CONF = """\
extensions = ["myst_parser", "llmterms.sphinxext"]
llmterms_glossary_dir = "glossary"
nitpicky = True
"""


def sphinx_project(root: Path, chapters: dict[str, str]) -> Path:
    """Write conf.py and docs/ (an index, the given chapters, the glossary's index and category pages)."""
    (root / "conf.py").write_text(SPHINX_CONF)
    docs = root / "docs"
    docs.mkdir()
    toctree = "\n".join([*chapters, "glossary"])
    (docs / "index.md").write_text(f"# Manual\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, text in chapters.items():
        (docs / f"{name}.md").write_text(text)
    (docs / "glossary").mkdir()
    pages = "\n".join(f"glossary/{slug}" for slug in CATEGORIES)
    (docs / "glossary.md").write_text(
        f"# Glossary\n\n```{{toctree}}\n{pages}\n```\n\n```{{llmterms-glossary-index}}\n```\n"
    )
    for slug in CATEGORIES:
        (docs / "glossary" / f"{slug}.md").write_text(f"```{{llmterms-glossary}} {slug}\n```\n")
    return root


def sphinx_build(project: Path, *options: str) -> subprocess.CompletedProcess:
    """Build the project's HTML as tox does (-n -W --keep-going), in a clean and reproducible environment."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-n", "-W", "--keep-going", "-c", str(project)]
    command += ["-d", str(project / "doctrees"), *options, str(project / "docs"), str(project / "html")]
    env = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "1795305600", "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:  # the checkout under test, not the editable install
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
