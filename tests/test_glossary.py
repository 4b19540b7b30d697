"""The glossary: the shipped entries are valid and findable, and each validation rule catches its mistake."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from llmterms import glossary
from llmterms.glossary import GlossaryError, load, normalize
from tests.conftest import GOOD, REPO, write_entry

# -- The shipped glossary ----------------------------------------------------------------------------------


def test_shipped_glossary_is_valid_and_large():
    g = load(REPO / "glossary")
    assert len(g) >= 250
    assert {e.category for e in g} == set(glossary.CATEGORIES)


def test_every_category_folder_is_known():
    folders = {p.name for p in (REPO / "glossary").iterdir() if p.is_dir()}
    assert folders == set(glossary.CATEGORIES)


def test_every_entry_meets_the_quality_bar():
    short = []
    for entry in load(REPO / "glossary"):
        sentences = entry.body.count(". ") + 1
        if not 2 <= sentences <= 12 or len(entry.summary) > 240:
            short.append(entry.path)
        assert not entry.summary.startswith(entry.term + " is"), entry.path
    assert short == []


def test_deprecated_and_obsolete_entries_name_what_replaced_them_where_known():
    g = load(REPO / "glossary")
    assert g["GGML file format"].status == "obsolete"
    assert g["GGML file format"].replaced_by == "GGUF"
    assert g["ExLlama"].status == "obsolete"
    assert g["ctransformers"].status in {"deprecated", "obsolete"}


def test_lookup_by_alias_ignores_case_and_punctuation():
    assert glossary.lookup("n-gpu-layers").term == "GPU offloading"
    assert glossary.lookup("RoPE").term == "Rotary position embedding"
    assert glossary.lookup("q4_k_m").term == "Q4_K_M"


def _queries() -> list[tuple[str, str]]:
    with open(Path(__file__).parent / "data" / "search_queries.tsv", encoding="utf-8") as f:
        rows = [row for row in csv.reader(f, delimiter="\t") if row and not row[0].startswith("#")]
    return [(query, expected) for query, expected in rows]


QUERIES = _queries()


def test_the_query_set_is_large_enough():
    assert len(QUERIES) >= 120
    g = load(REPO / "glossary")
    missing = [expected for _, expected in QUERIES if expected not in g]
    assert missing == []


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_search_puts_the_right_entry_first(query, expected):
    found = glossary.search(query, limit=1)
    assert found, f"nothing found for {query!r}"
    assert found[0].term == expected


def test_every_entry_is_found_by_its_term_and_by_each_alias():
    g = load(REPO / "glossary")
    for entry in g:
        for name in entry.names:
            assert g.search(name, limit=1)[0] is entry, name


def test_search_of_nonsense_finds_nothing():
    assert glossary.search("zzxqv") == []
    assert glossary.search("") == []
    assert glossary.search("   ") == []


def test_used_in_scans_the_chapters():
    used = glossary.used_in()
    linked = sum(1 for pages in used.values() if pages)
    assert used["Quantization"] and all(not p.startswith("_") for p in used["Quantization"])
    assert linked >= 20


# -- One negative test per validation rule -----------------------------------------------------------------


def _problems(root: Path) -> list[str]:
    with pytest.raises(GlossaryError) as info:
        load(root)
    return [str(p) for p in info.value.problems]


def _replace(root: Path, relpath: str, old: str, new: str) -> None:
    path = root / relpath
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_fixture_is_valid(glossary_dir):
    g = load(glossary_dir)
    assert [e.term for e in g] == ["Transformer", "Large language model"]
    assert g["llm"].verified == dt.date(2026, 11, 22)


def test_missing_key(glossary_dir):
    _replace(glossary_dir, "concepts/large-language-model.md", "status: current\n", "")
    assert _problems(glossary_dir) == [
        "glossary/concepts/large-language-model.md: status: missing required key"
    ]


def test_unknown_key(glossary_dir):
    _replace(glossary_dir, "concepts/large-language-model.md", "status:", "colour: blue\nstatus:")
    [problem] = _problems(glossary_dir)
    assert problem.startswith("glossary/concepts/large-language-model.md: colour: unknown key")


def test_unknown_category(glossary_dir):
    write_entry(
        glossary_dir,
        "gadgets/widget.md",
        GOOD["architecture/transformer.md"]
        .replace("term: Transformer", "term: Widget")
        .replace("aliases: [transformer architecture]", "aliases: []")
        .replace("category: architecture", "category: gadgets"),
    )
    problems = _problems(glossary_dir)
    assert any(
        p.startswith("glossary/gadgets/widget.md: category: unknown category 'gadgets'") for p in problems
    )


def test_category_must_match_folder(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "category: architecture", "category: concepts")
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: category: 'concepts' does not match the folder 'architecture'"
    ]


def test_bad_status(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "status: current", "status: retired")
    [problem] = _problems(glossary_dir)
    assert problem.startswith("glossary/architecture/transformer.md: status: unknown status 'retired'")


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday"])
def test_bad_date(glossary_dir, value):
    _replace(glossary_dir, "architecture/transformer.md", "verified: 2026-11-22", f"verified: {value}")
    [problem] = _problems(glossary_dir)
    assert problem.startswith("glossary/architecture/transformer.md: verified: ")


def test_a_date_in_the_future_loads_but_fails_the_ci_check(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "verified: 2026-11-22", "verified: 2999-01-01")
    g = load(glossary_dir)  # loading does not read the clock: a saved glossary stays valid tomorrow
    assert [str(p) for p in glossary.future_dates(g, today=dt.date(2026, 12, 2))] == [
        "glossary/architecture/transformer.md: verified: 2999-01-01 is after 2026-12-02"
    ]


def test_no_shipped_entry_is_verified_in_the_future():
    assert glossary.future_dates(load(REPO / "glossary")) == []


@pytest.mark.parametrize(
    ("alias", "key", "name"),
    [
        ("llm", "aliases", "LLM"),
        ("L.L.M.", "aliases", "LLM"),
        ("Large-Language Model", "term", "Large language model"),
    ],
)
def test_duplicate_name_in_another_case_or_spelling(glossary_dir, alias, key, name):
    _replace(
        glossary_dir,
        "architecture/transformer.md",
        "aliases: [transformer architecture]",
        f"aliases: ['{alias}']",
    )
    problems = _problems(glossary_dir)
    # Files are read in path order, so the architecture entry claims the name first.
    assert problems[0] == (
        f"glossary/concepts/large-language-model.md: {key}: '{name}' is already taken by '{alias}' "
        "(glossary/architecture/transformer.md)"
    )


def test_dangling_see_also(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "see_also: [LLM]", "see_also: [GGMLv4]")
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: see_also: unknown term 'GGMLv4'"
    ]


def test_empty_see_also(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "see_also: [LLM]", "see_also: []")
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: see_also: needs at least 1 item"
    ]


def test_broken_term_role_in_body(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "for translation.", "for {term}`translaton`.")
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: body: unknown term 'translaton' in a {term} role"
    ]


def test_invalid_yaml_names_the_line(glossary_dir):
    _replace(
        glossary_dir, "architecture/transformer.md", "aliases: [transformer architecture]", "aliases: [oops"
    )
    [problem] = _problems(glossary_dir)
    assert problem.startswith("glossary/architecture/transformer.md: front matter: invalid YAML (line ")


def test_missing_front_matter(glossary_dir):
    (glossary_dir / "architecture" / "attention.md").write_text("Attention is all you need.\n")
    [problem] = _problems(glossary_dir)
    assert problem.startswith(
        "glossary/architecture/attention.md: front matter: the file must start with '---'"
    )


def test_summary_must_be_one_sentence(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "feed-forward layers.", "feed-forward layers")
    [problem] = _problems(glossary_dir)
    assert problem.startswith("glossary/architecture/transformer.md: summary: must be one sentence")


def test_empty_body(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "Introduced in 2017 for translation.\n", "")
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: body: is empty: write 2-6 sentences after the front matter"
    ]


def test_file_name_must_be_a_slug(glossary_dir):
    (glossary_dir / "architecture" / "transformer.md").rename(
        glossary_dir / "architecture" / "Transformer.md"
    )
    [problem] = _problems(glossary_dir)
    assert problem.startswith(
        "glossary/architecture/Transformer.md: file name: 'Transformer.md' is not a slug"
    )


def test_replaced_by_must_resolve(glossary_dir):
    _replace(
        glossary_dir, "architecture/transformer.md", "status: current", "status: obsolete\nreplaced_by: Mamba"
    )
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: replaced_by: unknown term 'Mamba'"
    ]


def test_every_problem_is_reported_at_once(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "status: current", "status: retired")
    _replace(glossary_dir, "concepts/large-language-model.md", "see_also: [Transformer]", "see_also: [Nope]")
    assert len(_problems(glossary_dir)) == 2


def test_non_strict_load_keeps_the_valid_entries(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "status: current", "status: retired")
    g = load(glossary_dir, strict=False)
    assert [e.term for e in g] == ["Large language model"]
    # One mistake, one message: the see-also pointing at the broken entry is not reported as well.
    assert [p.key for p in g.problems] == ["status"]


def test_normalize_is_the_uniqueness_rule():
    assert normalize("Top-p") == normalize("top_p") == normalize("TOP P") == "topp"
    assert normalize("Quantisation") != normalize("Quantization")  # spellings are aliases, not normal forms


# -- The rules the issue did not list, one test each -------------------------------------------------------


def test_file_that_is_not_utf8(glossary_dir):
    (glossary_dir / "architecture" / "attention.md").write_bytes(b"---\nterm: Attenti\xf6n\n---\n")
    [problem] = _problems(glossary_dir)
    assert problem.startswith("glossary/architecture/attention.md: file: cannot be read as UTF-8 text")


def test_front_matter_that_is_not_a_mapping(glossary_dir):
    write_entry(glossary_dir, "architecture/attention.md", "- term\n- Attention\n", "Body.\n")
    assert _problems(glossary_dir) == [
        "glossary/architecture/attention.md: front matter: must be a mapping of keys to values"
    ]


def test_text_value_of_the_wrong_type(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "term: Transformer", "term: [Transformer]")
    [problem] = _problems(glossary_dir)
    assert (
        problem
        == "glossary/architecture/transformer.md: term: must be a non-empty string, not ['Transformer']"
    )


def test_list_value_of_the_wrong_type(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "aliases: [transformer architecture]", "aliases: 7")
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: aliases: must be a list of non-empty strings, not 7"
    ]


def test_a_current_entry_is_not_replaced(glossary_dir):
    _replace(
        glossary_dir, "architecture/transformer.md", "status: current", "status: current\nreplaced_by: LLM"
    )
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: replaced_by: only a deprecated or obsolete entry is replaced"
    ]


def test_reference_that_is_neither_url_nor_key(glossary_dir):
    _replace(glossary_dir, "concepts/large-language-model.md", "[vaswani2017attention]", "['see the paper']")
    assert _problems(glossary_dir) == [
        "glossary/concepts/large-language-model.md: references: 'see the paper' is neither a URL nor a bibliography key"
    ]


def test_raw_html_in_the_body(glossary_dir):
    _replace(glossary_dir, "architecture/transformer.md", "for translation.", "for <s> translation.")
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: body: raw HTML '<s>' would be passed to the page; put it in backticks"
    ]
    _replace(glossary_dir, "architecture/transformer.md", "<s>", "`<s>`")
    assert load(glossary_dir)  # in backticks it is code, not HTML


def test_entry_outside_a_category_folder(glossary_dir):
    (glossary_dir / "stray.md").write_text("---\nterm: Stray\n---\nBody.\n")
    assert _problems(glossary_dir) == [
        "glossary/stray.md: path: entries belong in glossary/<category>/<slug>.md"
    ]


def test_name_without_letters_or_digits(glossary_dir):
    _replace(
        glossary_dir, "architecture/transformer.md", "aliases: [transformer architecture]", "aliases: ['--']"
    )
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: aliases: '--' has no letters or digits"
    ]


def test_alias_repeating_the_entrys_own_term(glossary_dir):
    _replace(
        glossary_dir,
        "architecture/transformer.md",
        "aliases: [transformer architecture]",
        "aliases: [TRANSFORMER]",
    )
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: aliases: 'TRANSFORMER' repeats this entry's own name 'Transformer'"
    ]


def test_see_also_pointing_at_itself(glossary_dir):
    _replace(
        glossary_dir,
        "architecture/transformer.md",
        "see_also: [LLM]",
        "see_also: [LLM, transformer architecture]",
    )
    assert _problems(glossary_dir) == [
        "glossary/architecture/transformer.md: see_also: 'transformer architecture' is this entry itself"
    ]
