"""The package's fact tables: one TOML file per kind of fact, each read by the module that owns the facts.

Every module reads its table through :func:`read`, so there is one rule for where the files are and one
error for a file that does not parse.
"""

from __future__ import annotations

import os
import tomllib

__all__ = ["read"]

# By path beside this file, not through importlib.resources: `llmterms define` reads the options table,
# and importing importlib.resources costs more than that lookup.
_HERE = os.path.dirname(os.path.abspath(__file__))


def read(name: str) -> dict:
    """Return the parsed contents of the data file *name* (``"families.toml"``, ``"options.toml"``, ...).

    >>> read("families.toml")["mixtral"]["totals"]["8x7B"]
    46700000000
    >>> read("colours.toml")
    Traceback (most recent call last):
    ...
    FileNotFoundError: llmterms has no data file colours.toml; it has architectures.toml, ...
    """
    path = os.path.join(_HERE, name)
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        known = ", ".join(sorted(n for n in os.listdir(_HERE) if n.endswith(".toml")))
        raise FileNotFoundError(f"llmterms has no data file {name}; it has {known}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: {error}") from None
