"""The project's tests; importable, so test modules share helpers through plain imports."""

from pathlib import Path

#: The repository root: the checkout under test.
REPO = Path(__file__).resolve().parents[1]
