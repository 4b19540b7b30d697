"""Every public class and function of llmterms, outside the Sphinx glue, has a docstring example.

The rule (issue 13, point 9): one summary line, then an example that teaches and runs as a doctest
(``pytest --doctest-modules``), in the style of more-itertools. Public means listed in the module's
``__all__`` when it has one, else a name without a leading underscore. The source is read with ``ast``,
so the check needs none of the optional dependencies (torch, ctransformers) that importing would.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "llmterms"
#: The Sphinx glue: documented by the manual's build, which exercises it, not by doctests.
EXCLUDED = PACKAGE / "sphinxext"


def _dunder_all(tree: ast.Module) -> set[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                return set(ast.literal_eval(node.value))
    return None


def public_definitions(path: Path) -> list[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef]:
    """The classes and functions defined at the top level of *path* that the module makes public."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    exported = _dunder_all(tree)
    return [
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.name in exported if exported is not None else not node.name.startswith("_"))
    ]


def missing_examples() -> list[str]:
    """``module.name`` of each public class or function whose docstring has no ``>>>`` example."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(EXCLUDED):
            continue
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for node in public_definitions(path):
            if ">>>" not in (ast.get_docstring(node) or ""):
                missing.append(f"{module}.{node.name} (line {node.lineno})")
    return missing


def test_every_public_class_and_function_has_an_example():
    missing = missing_examples()
    assert not missing, "public names without a `>>>` example in their docstring:\n  " + "\n  ".join(missing)


def test_the_check_sees_the_package():
    # A wrong PACKAGE path or an __all__ read as empty would make the test above pass on nothing.
    found = {node.name for node in public_definitions(PACKAGE / "engine.py")}
    assert {"Model", "load"} <= found
    assert "KVCache" not in {node.name for node in public_definitions(PACKAGE / "forward_pass.py")}
    assert "CommandError" in {node.name for node in public_definitions(PACKAGE / "cli.py")}
    assert (EXCLUDED / "__init__.py").is_file()
