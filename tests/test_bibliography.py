"""The bibliography: every entry formats, every link is a plain URL, and every cited key exists."""

from __future__ import annotations

import re

import pytest

from tests import REPO

pybtex = pytest.importorskip("pybtex.database", reason="the docs extra is not installed")

BIB = REPO / "docs" / "references.bib"


def _urls(entry) -> list[str]:
    urls = [entry.fields["url"]] if "url" in entry.fields else []
    return urls + re.findall(r"\\url\{([^}]*)\}", entry.fields.get("howpublished", ""))


def test_every_entry_formats_and_every_link_is_a_plain_url():
    from pybtex.style.formatting.plain import Style

    entries = pybtex.parse_file(BIB).entries
    assert len(entries) >= 250
    for key, entry in entries.items():
        list(Style().format_entries([entry]))  # raises on unbalanced braces and the like
        for url in _urls(entry):
            # A backslash in a link is a TeX escape that leaked into it (stanford\_alpaca).
            assert url.startswith(("https://", "http://")) and "\\" not in url, (key, url)


def test_every_cited_key_is_in_the_bibliography():
    keys = {key.lower() for key in pybtex.parse_file(BIB).entries}
    cited = set()
    for source in [*REPO.glob("docs/*.md"), *REPO.glob("glossary/*/*.md")]:
        text = source.read_text(encoding="utf-8")
        for role in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            cited |= {k.strip().lower() for k in role.split(",")}
        if match := re.search(r"^references: \[(.*)\]$", text, re.MULTILINE):
            cited |= {
                r.strip().strip("\"'").lower() for r in match[1].split(",") if r.strip() and "://" not in r
            }
    assert sorted(cited - keys) == []
