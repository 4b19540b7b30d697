"""The command line: output, exit status and start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llmterms.cli import main
from tests import REPO


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "llmterms", *args], capture_output=True, text=True, cwd=REPO.parent, timeout=60
    )


def test_define_rope_shows_the_rope_entry(capsys):
    assert main(["define", "rope"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Rotary position embedding"
    assert lines[1].startswith("architecture · current · verified ")
    assert "See also: " in out
    assert max(len(line) for line in lines) <= 80


def test_define_finds_partial_and_misspelled_queries(capsys):
    assert main(["define", "ntk"]) == 0
    assert capsys.readouterr().out.startswith("NTK-aware scaling\n")
    assert main(["define", "perplexety"]) == 0
    assert capsys.readouterr().out.startswith("Perplexity\n")


def test_define_nothing_found_exits_1_with_suggestions(capsys):
    assert main(["define", "quantizaton", "tables", "of", "doom"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("llmterms: no glossary entry matches 'quantizaton tables of doom'.")


def test_define_json(capsys):
    assert main(["define", "--json", "GGUF"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["term"] == "GGUF" and data["category"] == "formats"
    assert isinstance(data["used_in"], list)


def test_list_json_reports_used_in(capsys):
    assert main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) >= 250
    assert set(data[0]) >= {
        "term",
        "aliases",
        "category",
        "summary",
        "body",
        "see_also",
        "references",
        "status",
        "verified",
        "used_in",
    }
    by_term = {d["term"]: d for d in data}
    assert "06-quantization" in by_term["Quantization"]["used_in"]


def test_list_one_category(capsys):
    assert main(["list", "--category", "hardware"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Hardware (")
    assert "Model families" not in out


def test_search_json_and_limit(capsys):
    assert main(["search", "--json", "--limit", "3", "attention"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 3


def test_bad_arguments_exit_2_with_one_line():
    result = run("list", "--category", "nonsense")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "invalid choice: 'nonsense'" in result.stderr


def test_malformed_entry_exits_2_naming_file_and_key(glossary_dir):
    path = glossary_dir / "architecture" / "transformer.md"
    path.write_text(path.read_text().replace("see_also: [LLM]", "see_also: [GGMLv4]"))
    result = run("--glossary", str(glossary_dir), "define", "transformer")
    assert result.returncode == 2
    assert "glossary/architecture/transformer.md: see_also: unknown term 'GGMLv4'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_glossary_folder_exits_2(tmp_path):
    result = run("--glossary", str(tmp_path / "nowhere"), "list")
    assert result.returncode == 2
    assert "no such glossary folder" in result.stderr and "Traceback" not in result.stderr


def test_define_imports_neither_numpy_nor_ctransformers_nor_sphinx():
    code = (
        "import sys; from llmterms.cli import main; main(['define', 'gguf']);"
        "heavy = [m for m in ('numpy', 'ctransformers', 'sphinx', 'gguf', 'jinja2') if m in sys.modules];"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", [["define", "gguf"], ["list"]])
def test_python_dash_m_and_the_console_script_agree(command):
    script = Path(sys.executable).with_name("llmterms")  # installed beside the interpreter, as in tox
    if not script.exists():
        pytest.skip(f"no console script at {script}: llmterms is not installed into this interpreter")
    result = run(*command)
    console = subprocess.run([script, *command], capture_output=True, text=True, cwd=REPO.parent, timeout=60)
    assert result.returncode == console.returncode == 0
    assert result.stdout == console.stdout
    assert result.stdout.startswith("GGUF\n" if command[0] == "define" else "Concepts (")


def test_option_names_are_queries_without_a_double_dash():
    result = run("define", "-ngl")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("GPU offloading\n")


def test_define_says_no_entry_for_a_weak_match_with_at_most_three_suggestions(capsys):
    assert main(["define", "fitting"]) == 1  # "fitting" is inside Overfitting, which is not about it
    err = capsys.readouterr().err
    assert err.startswith("llmterms: no glossary entry matches 'fitting'. Did you mean: ")
    assert len(err.split("Did you mean: ")[1].rstrip("?\n").split(", ")) <= 3


def test_define_a_comparison_shows_both_entries_and_the_section(capsys):
    assert main(["define", "difference", "between", "q4_k_m", "and", "q5_k_m"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q4_K_M\n") and "\n\nQ5_K_M\nquantization · " in out
    assert out.endswith("In the manual: 06-quantization, section “Choosing a quantization”.\n")
    assert main(["define", "--json", "ggml", "vs", "gguf"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["term"] for e in data["entries"]] == ["ggml", "GGUF"] and data["sections"] == []


def test_search_puts_weak_matches_below_a_line(capsys):
    assert main(["search", "what", "is", "perplexity"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Perplexity (evaluation): ")
    assert lines[1] == "-- weaker matches: these only resemble the query --"
    assert main(["search", "fitting"]) == 1  # only weak matches: listed below the line, and exit 1
    captured = capsys.readouterr()
    assert captured.out.startswith("-- weaker matches") and "Overfitting" in captured.out
    assert "no glossary entry is about 'fitting'" in captured.err
