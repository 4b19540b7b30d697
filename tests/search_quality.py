"""How well the glossary answers the project's query files: the rates the tests hold and the bench reports.

A row is ``query<TAB>answer``: a term, ``A|B`` for a comparison that shows both entries, or ``-`` when
the right answer is "no entry".
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).parent / "data"
QUERIES = DATA / "search_queries.tsv"


class Row(NamedTuple):
    query: str
    expected: tuple[str, ...]  # empty: "no entry" is the right answer


def read(path: Path) -> list[Row]:
    with open(path, encoding="utf-8") as f:
        rows = [
            r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r and not r[0].startswith("#")
        ]
    return [Row(query, () if answer == "-" else tuple(answer.split("|"))) for query, answer in rows]


class Rates(NamedTuple):
    rows: int
    top1: float  # of rows with an entry: define shows exactly the expected entries
    top3: float  # of rows with an entry: the first expected entry is among search's first three
    misroute: float  # of rows whose answer is "no entry": define shows an entry anyway
    no_match: float  # of rows with an entry: define shows nothing
    wrong: list[str]  # the failing queries, for the message


def rates(
    rows: Sequence[Row], define: Callable[[str], list[str]], search: Callable[[str], list[str]]
) -> Rates:
    """Score ``define(query)`` (the terms shown) and ``search(query)`` (terms, best first) on the rows."""
    named = [r for r in rows if r.expected]
    empty = [r for r in rows if not r.expected]
    top1 = top3 = no_match = misroute = 0
    wrong = []
    for row in named:
        shown = define(row.query)
        if tuple(shown) == row.expected:
            top1 += 1
        else:
            wrong.append(f"{row.query!r}: {shown} instead of {list(row.expected)}")
        no_match += not shown
        top3 += row.expected[0] in search(row.query)[:3]
    for row in empty:
        shown = define(row.query)
        if shown:
            misroute += 1
            wrong.append(f"{row.query!r}: {shown} instead of no entry")
    return Rates(
        len(rows),
        top1 / max(len(named), 1),
        top3 / max(len(named), 1),
        misroute / max(len(empty), 1),
        no_match / max(len(named), 1),
        wrong,
    )
