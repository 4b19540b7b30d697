"""Guards against a test run that passes by testing nothing, or the wrong thing."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

import llmterms
from tests import REPO


def test_doctest_collection_is_on(pytestconfig):
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in config["addopts"]
    assert config["testpaths"] == ["tests", "src/llmterms"]
    assert pytestconfig.getoption("doctestmodules")


def test_the_tested_package_is_this_checkouts_src():
    assert Path(llmterms.__file__).resolve().parent == REPO / "src" / "llmterms"


def test_docstring_examples_were_collected(request):
    if request.config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        pytest.skip("a partial run: only the full run (plain `pytest`, as tox runs it) must collect them")
    doctests = [item for item in request.session.items if isinstance(item, DoctestItem)]
    modules = {item.dtest.globs.get("__name__") for item in doctests}
    assert len(doctests) >= 40
    assert {"llmterms.glossary", "llmterms.cli"} <= modules


def test_no_skipped_examples():
    pattern = re.compile(r"doctest:\s*\+SKIP")
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("src", "docs", "tests")
        for path in (REPO / folder).rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".md", ".rst"}
        and path != Path(__file__)
        and pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


_FENCE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*(\S*)")


def test_no_prompt_lines_in_docs_outside_doctest_blocks():
    """`sphinx-build -b doctest` runs only {doctest} blocks: a >>> anywhere else would silently not run."""
    offenders = []
    for path in sorted((REPO / "docs").rglob("*.md")):
        stack: list[tuple[str, str]] = []  # (fence, info) of the open fences, innermost last
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            fence = _FENCE.match(line)
            if fence and stack and fence[1] == stack[-1][0] and not fence[2]:
                stack.pop()
            elif fence:
                stack.append((fence[1], fence[2]))
            elif line.lstrip().startswith(">>>") and not any(info == "{doctest}" for _, info in stack):
                offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert offenders == []


def test_no_test_imports_from_conftest():
    # pytest owns conftest.py (it imports it itself, once per folder); shared helpers live in tests/*.py.
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "tests").rglob("*.py")
        if "from tests.conftest import" in path.read_text(encoding="utf-8")
        and path.name != "test_collection.py"
    ]
    assert offenders == []
