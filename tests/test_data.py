"""llmterms.data: the one reader of the package's fact tables."""

from pathlib import Path

import pytest

from llmterms import data

SRC = Path(__file__).resolve().parents[1] / "src" / "llmterms"


@pytest.mark.parametrize("path", sorted((SRC / "data").glob("*.toml")), ids=lambda p: p.name)
def test_every_table_reads(path):
    table = data.read(path.name)
    assert isinstance(table, dict) and table


def test_a_broken_table_names_its_file(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text('[llama]\naliases = ["llama"\n', encoding="utf-8")
    monkeypatch.setattr(data, "_HERE", str(tmp_path))
    with pytest.raises(ValueError, match=r"broken\.toml: Unclosed array"):
        data.read("broken.toml")


def test_a_missing_table_lists_the_real_ones():
    with pytest.raises(
        FileNotFoundError, match=r"no data file hardwar\.toml; it has architectures\.toml, .*hardware\.toml"
    ):
        data.read("hardwar.toml")


def test_no_module_reads_a_table_another_way():
    readers = {
        path.name
        for path in SRC.rglob("*.py")
        if path != SRC / "data" / "__init__.py" and "tomllib" in path.read_text(encoding="utf-8")
    }
    assert readers == set()
