"""Fixtures shared by the test modules: the tiny model and a small glossary in a temporary folder.

Helpers that tests import live in importable modules beside this file (tests/sample_glossary.py,
tests/sphinx_project.py, and REPO in tests/__init__.py), never here: pytest owns conftest.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.sample_glossary import GOOD, write_entry

# tox runs the property tests and fuzzers derandomized, so a run of the same commit always tries the same
# examples and CI cannot fail by chance; a plain `pytest` explores new examples every time.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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
