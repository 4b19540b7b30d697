"""The precompiled answers of ``llmterms define``: the same output as the full command, and never stale."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmterms import cache, cli, glossary, ranking
from tests.conftest import REPO

QUERIES = [
    line.split("\t")[0]
    for line in (REPO / "tests" / "data" / "search_queries.tsv").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory):
    """Answers saved by a real `define` into an empty cache folder, which stays in use for the module."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        assert cache.answer(["define", "gguf"]) is None
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(["define", "gguf"]) == 0
        yield folder


def full_output(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = cli.main(list(argv))
    return status, out.getvalue()


def test_every_test_query_gets_the_full_commands_output(saved):
    for query in QUERIES:
        fast = cache.answer(["define", *query.split()])
        assert fast is not None, query  # every test query matches a name
        assert (0, fast) == full_output("define", "--", *query.split()), query


def test_every_term_and_alias_gets_its_own_entry(saved):
    g = glossary.load()
    used = glossary.used_in(g)
    for entry in g:
        expected = cli.format_entry(entry, used[entry.term]) + "\n"
        for name in entry.names:
            if name.startswith("-"):
                continue  # `define -ngl` is an unknown option to argparse; `define -- -ngl` takes the full path
            assert cache.answer(["define", *name.split()]) == expected, name


def test_a_query_takes_the_full_path_only_when_no_name_matches(saved):
    g = glossary.load()
    index = [tuple((ranking.normalize(n), ranking.words(n)) for n in e.names) for e in g]
    for query in ["bandwidth bound", "zzxqv", "the", "weights", "speculative", "perplexety"]:
        q, qwords = ranking.normalize(query), ranking.words(query)
        named = any(ranking.name_score(q, qwords, names) > 0 for names in index)
        assert (cache.answer(["define", *query.split()]) is not None) == named, query


@pytest.mark.parametrize("query", ["GGUF", "n_gpu_layers", "rotary", "perplexety", "kv cache"])
def test_text_and_json_match_the_full_command(saved, query):
    for argv in (["define", *query.split()], ["define", "--json", *query.split()]):
        status, expected = full_output(*argv)
        assert status == 0
        assert cache.answer(argv) == expected
    assert json.loads(cache.answer(["define", query, "--json"]))["term"] == json.loads(expected)["term"]


@pytest.mark.parametrize(
    "argv",
    [
        ["define", "gguf", "--json", "kv"],  # argparse takes the query as one block: an error
        ["define", "--json", "gguf", "--json", "kv"],
        ["search", "gguf"],
        ["define"],
        ["define", "--help"],
        ["define", "--js", "gguf"],  # argparse accepts the abbreviation; only the parser can say so
        ["define", "--", "gguf"],
        ["--glossary", "elsewhere", "define", "gguf"],
        ["define", "zzxqv"],  # no name matches: the full command searches the text and suggests
        ["define", "!!!"],
    ],
)
def test_anything_else_goes_to_the_full_command_line(saved, argv):
    assert cache.answer(["define", "gguf"]) is not None
    assert cache.answer(argv) is None


@pytest.mark.parametrize(
    "argv",
    [["--json", "gguf"], ["gguf", "--json"], ["--json", "--json", "kv", "cache"], ["Q4_K", "-", "Medium"]],
)
def test_json_before_or_after_the_query_and_a_lone_dash_are_answered(saved, argv):
    fast = cache.answer(["define", *argv])
    assert fast is not None
    assert (0, fast) == full_output("define", *argv)


def test_the_same_glossary_as_the_full_command_line():
    assert glossary.load().root == Path(cache.source_root()) / "glossary"


def copy_sources(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(REPO / "glossary", root / "glossary")
    shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns("_static", "*.bib"))
    return root


def test_the_stamp_changes_with_any_source_file(tmp_path):
    root = copy_sources(tmp_path)
    before = cache.stamp(str(root))
    assert cache.stamp(str(root)) == before
    entry = root / "glossary" / "formats" / "gguf.md"
    chapter = root / "docs" / "06-quantization.md"
    changes = [
        lambda: entry.write_text(entry.read_text() + " "),  # edited: size
        lambda: os.utime(chapter, ns=(1, 1)),  # touched: modification time
        lambda: (root / "glossary" / "formats" / "new.md").write_text("x"),  # added
        lambda: (root / "docs" / "01-what-is-an-llm.md").unlink(),  # removed
    ]
    for change in changes:
        change()
        after = cache.stamp(str(root))
        assert after != before
        before = after


def test_a_stray_file_anywhere_in_the_glossary_changes_the_stamp(tmp_path):
    root = copy_sources(tmp_path)
    before = cache.stamp(str(root))
    (root / "glossary" / "formats" / "nested").mkdir()
    (root / "glossary" / "formats" / "nested" / "stray.md").write_text("x")
    assert cache.stamp(str(root)) != before


def test_no_stamp_without_glossary_entries(tmp_path):
    (tmp_path / "glossary").mkdir()
    assert cache.stamp(str(tmp_path)) is None
    assert cache.save(None, [], str, str, str(tmp_path / "cache.marshal")) is False
    assert not cache.current(None)


def test_saving_into_an_unwritable_place_renders_nothing_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    rendered = []
    assert not cache.save(
        cache.stamp(), glossary.load(), rendered.append, rendered.append, str(blocker / "x")
    )
    assert rendered == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_the_stamp_changes_with_the_date(monkeypatch):
    before = cache.stamp()
    monkeypatch.setattr(cache.time, "strftime", lambda fmt: "2099-01-01")
    assert cache.stamp() != before


def test_stale_or_damaged_answers_are_not_used(saved, monkeypatch):
    path = Path(cache._answers_file())
    good = path.read_bytes()
    try:
        path.write_bytes(good[: len(good) // 2])
        assert cache.answer(["define", "gguf"]) is None
        path.write_bytes(b"\x00not marshal")
        assert cache.answer(["define", "gguf"]) is None
        path.write_bytes(good)
        assert cache.answer(["define", "gguf"]) is not None
        monkeypatch.setattr(cache, "stamp", lambda root=None: ("another", "stamp"))
        assert cache.answer(["define", "gguf"]) is None
    finally:
        path.write_bytes(good)


def run_define(folder: Path, *query: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(folder)}
    command = [sys.executable, "-X", "importtime", "-m", "llmterms", "define", *query]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def imported(result: subprocess.CompletedProcess) -> set[str]:
    return {m.group(1) for m in re.finditer(r"\|\s+(\S+)\s*$", result.stderr, re.MULTILINE)}


def test_the_second_call_answers_without_the_glossary_or_the_parser(tmp_path):
    first = run_define(tmp_path, "GGUF")
    second = run_define(tmp_path, "GGUF")
    assert first.returncode == second.returncode == 0
    assert second.stdout == first.stdout
    assert {"llmterms.cli", "llmterms.glossary", "argparse"} <= imported(first)
    assert not {"llmterms.cli", "llmterms.glossary", "argparse", "re", "json"} & imported(second)


def test_a_closed_stdout_or_pipe_is_not_an_error(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    for code in [
        "define GGUF | head -1",
        "define GGUF >&-",
    ]:  # the first saves the answers, the second uses them
        command = ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m llmterms {code}"]
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert (result.returncode, result.stderr) == (0, ""), code
        assert cache.current(cache.stamp(), str(tmp_path / "llmterms" / Path(cache._answers_file()).name))


def test_an_unwritable_cache_only_costs_time(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    results = [run_define(blocker, "GGUF") for _ in range(2)]
    assert [r.returncode for r in results] == [0, 0]
    assert results[0].stdout == results[1].stdout
    assert "llmterms.cli" in imported(results[1])  # nothing was saved, so the full path ran again


# ``answers`` matches names without regular expressions; these are the expressions it must agree with.
_WORD = re.compile(r"[^\W_]+")
_NOT_ALNUM = re.compile(r"[\W_]+")


@given(st.text())
def test_words_and_normalize_agree_with_the_regular_expressions(text):
    import unicodedata

    folded = text.casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    assert ranking.normalize(text) == _NOT_ALNUM.sub("", decomposed)
    assert ranking.words(text) == _WORD.findall(
        "".join(c for c in decomposed if not unicodedata.combining(c))
    )
