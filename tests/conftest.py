"""Shared fixtures: a small glossary written to a temporary folder, entry by entry."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

# tox runs the property tests and fuzzers derandomized, so a run of the same commit always tries the same
# examples and CI cannot fail by chance; a plain `pytest` explores new examples every time.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parents[1]

GOOD = {
    "concepts/large-language-model.md": """\
        term: Large language model
        aliases: [LLM]
        category: concepts
        summary: A neural network trained to predict text, with billions of parameters.
        see_also: [Transformer]
        references: [vaswani2017attention]
        status: current
        verified: 2026-11-22
        ---
        Most are {term}`transformers <Transformer>`.
        """,
    "architecture/transformer.md": """\
        term: Transformer
        aliases: [transformer architecture]
        category: architecture
        summary: A neural network architecture built from attention and feed-forward layers.
        see_also: [LLM]
        references: ["https://arxiv.org/abs/1706.03762"]
        status: current
        verified: 2026-11-22
        ---
        Introduced in 2017 for translation.
        """,
}


def write_entry(root: Path, relpath: str, front_matter: str, body: str | None = None) -> Path:
    """Write one entry file; ``front_matter`` may end with '---' and a body, as in GOOD."""
    text = textwrap.dedent(front_matter)
    if body is not None:
        text = text + "---\n" + body
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def model():
    """The tiny model, loaded once per test module that asks for it (test_gguf_file.py has a `model` of its own)."""
    from llmterms import tiny  # here: most test modules need neither the model nor ctransformers

    with tiny.load() as m:
        yield m


@pytest.fixture
def glossary_dir(tmp_path: Path) -> Path:
    """A valid two-entry glossary in a temporary folder."""
    root = tmp_path / "glossary"
    for relpath, text in GOOD.items():
        write_entry(root, relpath, text)
    return root


# -- A small Sphinx project with our extension, for the extension's and the builds' tests ------------------

SPHINX_CONF = """\
extensions = ["myst_parser", "llmterms.sphinxext"]
llmterms_glossary_dir = "glossary"
nitpicky = True
"""


def sphinx_project(root: Path, chapters: dict[str, str]) -> Path:
    """Write conf.py and docs/ (an index, the given chapters and the glossary page) next to root/glossary."""
    (root / "conf.py").write_text(SPHINX_CONF)
    docs = root / "docs"
    docs.mkdir()
    toctree = "\n".join([*chapters, "glossary"])
    (docs / "index.md").write_text(f"# Manual\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, text in chapters.items():
        (docs / f"{name}.md").write_text(text)
    (docs / "glossary.md").write_text("# Glossary\n\n```{llmterms-glossary}\n```\n")
    return root


def sphinx_build(project: Path, *options: str) -> subprocess.CompletedProcess:
    """Build the project's HTML as tox does (-n -W --keep-going), in a clean and reproducible environment."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-n", "-W", "--keep-going", "-c", str(project)]
    command += ["-d", str(project / "doctrees"), *options, str(project / "docs"), str(project / "html")]
    env = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "1795305600", "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:  # the checkout under test, not the editable install
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
