"""The precompiled answers of ``llmterms define``: the same output as the full command, and never stale."""

from __future__ import annotations

import ast
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

from llmterms import cache, cli, entry_text, glossary, ranking
from tests import REPO, search_quality

QUERIES = [row.query for row in search_quality.read(search_quality.QUERIES)]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory):
    """Answers saved by a real `define` into an empty cache folder, which stays in use for the module."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        assert cache.answer(["define", "gguf"]) is None
        glossary._load_cached.cache_clear()  # a cold process: the glossary is read through the cache too
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(["define", "gguf"]) == 0
        yield folder


def full_output(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = cli.main(list(argv))
    return status, out.getvalue()


def test_every_test_query_gets_the_full_commands_output(saved):
    g = glossary.load()
    for query in QUERIES:
        fast = cache.answer(["define", *query.split()])
        status, full = full_output("define", "--", *query.split())
        if g.best(query) is not None:  # a name matches strongly: the fast path answers, as the full command
            assert (0, fast) == (status, full), query
        else:  # a question, or no entry: only the full command line answers
            assert fast is None, query


def test_every_term_and_alias_gets_its_own_entry(saved):
    g = glossary.load()
    used = glossary.used_in(g)
    for entry in g:
        expected = entry_text.format_entry(entry, used[entry.term]) + "\n"
        for name in entry.names:  # -ngl, -hf and "Q4_K - Medium" too: a word that is no option is the query
            assert cache.answer(["define", *name.split()]) == expected, name


def test_names_that_look_like_options_get_the_same_answer_from_both_paths(saved):
    names = [n for e in glossary.load() for n in e.names if any(w[:1] == "-" for w in n.split())]
    assert {"-ngl", "-hf", "-ot", "Q4_K - Medium"} <= set(names)
    for name in names:
        assert full_output("define", *name.split()) == (0, cache.answer(["define", *name.split()])), name


def test_a_query_takes_the_full_path_only_when_no_name_matches_strongly(saved):
    g = glossary.load()
    queries = ["bandwidth bound", "zzxqv", "the", "weights", "speculative", "perplexety", "fitting", "7b"]
    for query in queries:
        assert (cache.answer(["define", *query.split()]) is not None) == (g.best(query) is not None), query
    assert [q for q in queries if g.best(q) is None] == ["zzxqv", "the", "fitting", "7b"]


def test_weak_matches_and_questions_get_the_same_answer_from_the_full_command(saved):
    for query in ["what is perplexity", "ggml vs gguf", "7b", "how much vram do I need", "fitting", "tting"]:
        assert cache.answer(["define", *query.split()]) is None, query  # the full command line decides


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
    [
        ["--json", "gguf"],
        ["gguf", "--json"],
        ["--json", "--json", "kv", "cache"],
        ["kv", "--json", "cache"],  # options may stand between the words of the query
        ["-ngl"],
        ["n", "--json", "gpu", "layers"],
        ["-ngl", "--json"],
    ],
)
def test_options_anywhere_and_option_names_as_queries_are_answered(saved, argv):
    fast = cache.answer(["define", *argv])
    assert fast is not None
    assert (0, fast) == full_output("define", *argv)


def test_the_fast_path_knows_the_options_the_define_parser_has(saved):
    parser = cli.build_parser()
    [define] = [a.choices["define"] for a in parser._actions if getattr(a, "choices", None)]
    expected = {o: a.dest for a in define._actions for o in a.option_strings}
    assert cache.get("answers")["options"] == expected == {"-h": "help", "--help": "help", "--json": "json"}


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


def test_adding_a_module_or_data_file_changes_the_stamp(tmp_path):
    package = tmp_path / "llmterms"
    shutil.copytree(Path(cache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = cache.stamp(package=str(package))
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"")
    assert cache.stamp(package=str(package)) == before  # byte code written by Python is not a source
    for new in ["new_module.py", "data/new_table.toml", "sphinxext/new_feature.py"]:
        (package / new).write_text("")
        after = cache.stamp(package=str(package))
        assert after != before, new
        before = after


def test_the_stamp_holds_no_date(monkeypatch):
    import time

    before = cache.stamp()
    monkeypatch.setattr(time, "time", lambda: 4102444800.0)  # 2100-01-01
    monkeypatch.setattr(time, "strftime", lambda *a: "2100-01-01")
    assert cache.stamp() == before


def test_no_stamp_without_glossary_entries(tmp_path):
    (tmp_path / "glossary").mkdir()
    assert cache.stamp(str(tmp_path)) is None
    assert cache.save_answers(None, [], {None: str}, {}, [], str(tmp_path / "cache.marshal")) is False
    assert cache.put("pages", {}, None, str(tmp_path / "cache.marshal")) is False
    assert sorted(tmp_path.iterdir()) == [tmp_path / "glossary"]


def test_saving_into_an_unwritable_place_renders_nothing_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    rendered = []
    g = glossary.load()
    variants = {None: rendered.append, "json": rendered.append}
    assert not cache.save_answers(
        cache.stamp(), g.search_index(), variants, {}, g.ordered(), str(blocker / "x")
    )
    assert rendered == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_one_file_holds_every_section(saved):
    assert [p.name for p in (saved / "llmterms").iterdir() if p.is_file()] == [Path(cache.path()).name]
    for section in ("glossary", "pages", "answers"):
        assert cache.get(section) is not None, section
    assert cache.get("pages")["06-quantization"]  # chapter targets, as used_in reads them
    assert len(cache.get("glossary")["entries"]) == len(glossary.load())


def test_a_section_saved_with_another_stamp_drops_the_others(tmp_path):
    where = str(tmp_path / "cache.marshal")
    assert cache.put("a", 1, ("one",), where) and cache.put("b", 2, ("one",), where)
    assert (cache.get("a", ("one",), where), cache.get("b", ("one",), where)) == (1, 2)
    assert cache.put("b", 3, ("two",), where)
    assert (cache.get("a", ("two",), where), cache.get("b", ("two",), where)) == (None, 3)
    assert cache.get("b", ("one",), where) is None


def test_the_tiny_models_copies_live_in_the_same_folder(monkeypatch, tmp_path):
    from llmterms import tiny

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert tiny._cache_dir().parent == Path(cache.folder()) == tmp_path / "llmterms"


def test_stale_or_damaged_answers_are_not_used(saved, monkeypatch):
    path = Path(cache.path())
    good = path.read_bytes()
    try:
        path.write_bytes(good[: len(good) // 2])
        assert cache.answer(["define", "gguf"]) is None
        path.write_bytes(b"\x00not marshal")
        assert cache.answer(["define", "gguf"]) is None
        path.write_bytes(good)
        assert cache.answer(["define", "gguf"]) is not None
        monkeypatch.setattr(cache, "stamp", lambda root=None, package=None: ("another", "stamp"))
        assert cache.answer(["define", "gguf"]) is None
    finally:
        path.write_bytes(good)


def run_define(folder: Path, *query: str) -> subprocess.CompletedProcess:
    """Run the console script's code, as `llmterms define QUERY`; stderr gets the modules it imported."""
    env = {**os.environ, "XDG_CACHE_HOME": str(folder)}
    code = (
        "import sys; from llmterms.__main__ import main; status = main();"
        "sys.stdout.flush(); sys.stderr.write(repr(sorted(sys.modules))); sys.exit(status)"
    )
    command = [sys.executable, "-c", code, "define", *query]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def imported(result: subprocess.CompletedProcess) -> set[str]:
    return set(ast.literal_eval(result.stderr))


def test_the_second_call_imports_only_the_cache_and_the_ranking_beyond_a_bare_interpreter(tmp_path):
    bare = subprocess.run(
        [sys.executable, "-c", "import sys; print(repr(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    first = run_define(tmp_path, "GGUF")
    second = run_define(tmp_path, "GGUF")
    assert first.returncode == second.returncode == 0
    assert second.stdout == first.stdout
    assert {"llmterms.cli", "llmterms.glossary", "argparse"} <= imported(first)
    added = imported(second) - set(ast.literal_eval(bare.stdout))
    # __future__ is what `from __future__ import annotations` imports: a 5 kB module of constants.
    assert added == {"__future__", "llmterms", "llmterms.__main__", "llmterms.cache", "llmterms.ranking"}


def test_a_closed_stdout_or_pipe_is_not_an_error(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    for code in [
        "define GGUF | head -1",
        "define GGUF >&-",
    ]:  # the first saves the answers, the second uses them
        command = ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m llmterms {code}"]
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert (result.returncode, result.stderr) == (0, ""), code
        assert cache.get("answers", cache.stamp(), str(tmp_path / "llmterms" / Path(cache.path()).name))


def test_an_unwritable_cache_only_costs_time(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    results = [run_define(blocker, "GGUF") for _ in range(2)]
    assert [r.returncode for r in results] == [0, 0]
    assert results[0].stdout == results[1].stdout
    assert "llmterms.cli" in imported(results[1])  # nothing was saved, so the full path ran again


# ``ranking`` matches names without regular expressions; these are the expressions it must agree with.
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
