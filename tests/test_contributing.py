"""CONTRIBUTING.md's list of modules is the package's: every module, with its docstring's first line."""

import ast
import re

from tests import REPO


def modules() -> list[tuple[str, str]]:
    rows = []
    for path in sorted((REPO / "src" / "llmterms").rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        rows.append((str(path.relative_to(REPO / "src")), doc.splitlines()[0] if doc else ""))
    return rows


def listed() -> list[tuple[str, str]]:
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = text.split("## The package, one module per concept", 1)[1].split("```", 2)[1]
    return [
        tuple(re.split(r"\s{2,}", line.strip(), maxsplit=1)) for line in block.splitlines() if line.strip()
    ]


def test_every_module_is_listed_with_its_summary():
    found = modules()
    assert len(found) > 30  # the walk sees the package: the comparison below cannot pass on nothing
    assert listed() == found
