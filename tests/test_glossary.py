"""The glossary: the shipped entries are valid and findable, and each validation rule catches its mistake."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from llmterms import entry as entry_module
from llmterms import entry_file, glossary, support
from llmterms.glossary import GlossaryError, load, normalize
from tests import REPO, search_quality
from tests.sample_glossary import GOOD

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


QUERIES = search_quality.read(search_quality.QUERIES)


def _define(query: str) -> list[str]:
    return [e.term for e in glossary.load().define(query).entries]


def _search(query: str) -> list[str]:
    return [e.term for e, _ in glossary.load().matches(query, limit=3)]


def test_the_query_set_is_large_enough():
    assert len(QUERIES) >= 120
    assert sum(not row.expected for row in QUERIES) >= 15  # misroute cases
    g = load(REPO / "glossary")
    missing = [term for row in QUERIES for term in row.expected if term not in g]
    assert missing == []


@pytest.mark.parametrize("row", QUERIES, ids=lambda row: row.query)
def test_define_shows_the_right_entry_or_none(row):
    assert tuple(_define(row.query)) == row.expected


def test_the_rates_the_issue_asks_for():
    rates = search_quality.rates(QUERIES, _define, _search)
    assert rates.misroute == 0, rates.wrong
    assert rates.top1 >= 0.98, rates.wrong
    assert rates.top3 >= 0.98, rates.wrong


def test_search_puts_weak_matches_below_strong_ones():
    found = glossary.load().matches("rotary", limit=10)
    assert found[0] == (glossary.lookup("RoPE"), True)
    flags = [is_strong for _, is_strong in found]
    assert flags == sorted(flags, reverse=True)
    assert not any(is_strong for _, is_strong in glossary.load().matches("fitting"))  # only Overfitting


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


# -- One row per validation rule --------------------------------------------------------------------------

T, L = "architecture/transformer.md", "concepts/large-language-model.md"
ALIASES = "aliases: [transformer architecture]"


def replace(relpath: str, old: str, new: str) -> Callable[[Path], None]:
    """An edit of one fixture file: ``old`` (which must be there) becomes ``new``."""

    def edit(root: Path) -> None:
        path = root / relpath
        text = path.read_text()
        assert old in text, (relpath, old)
        path.write_text(text.replace(old, new, 1))

    return edit


def write(relpath: str, content: str | bytes) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())

    return edit


def rename(relpath: str, new_name: str) -> Callable[[Path], None]:
    return lambda root: (root / relpath).rename((root / relpath).with_name(new_name))


WIDGET = "---\n" + textwrap.dedent(GOOD[T]).replace("term: Transformer", "term: Widget").replace(
    ALIASES, "aliases: []"
).replace("category: architecture", "category: gadgets")

#: Each rule: a mistake made to the valid two-entry fixture, and the first problem it must give (a string
#: ending in " ..." is a prefix). Like attrs' validator tests: one table, so a new rule is one new row.
RULES = [
    ("missing key", replace(L, "status: current\n", ""), f"glossary/{L}: status: missing required key"),
    ("unknown key", replace(L, "status:", "colour: blue\nstatus:"), f"glossary/{L}: colour: unknown key ..."),
    (
        "unknown category",
        write("gadgets/widget.md", WIDGET),
        "glossary/gadgets/widget.md: category: unknown category 'gadgets' ...",
    ),
    (
        "category must match the folder",
        replace(T, "category: architecture", "category: concepts"),
        f"glossary/{T}: category: 'concepts' does not match the folder 'architecture'",
    ),
    (
        "bad status",
        replace(T, "status: current", "status: retired"),
        f"glossary/{T}: status: unknown status 'retired' ...",
    ),
    (
        "impossible date",
        replace(T, "verified: 2026-11-22", "verified: 2026-13-01"),
        f"glossary/{T}: verified: ...",
    ),
    (
        "date in words",
        replace(T, "verified: 2026-11-22", "verified: yesterday"),
        f"glossary/{T}: verified: ...",
    ),
    (
        "duplicate name, other case",
        replace(T, ALIASES, "aliases: ['llm']"),
        f"glossary/{L}: aliases: 'LLM' is already taken by 'llm' (glossary/{T})",
    ),
    (
        "duplicate name, other punctuation",
        replace(T, ALIASES, "aliases: ['L.L.M.']"),
        f"glossary/{L}: aliases: 'LLM' is already taken by 'L.L.M.' (glossary/{T})",
    ),
    (
        "duplicate term, other spelling",
        replace(T, ALIASES, "aliases: ['Large-Language Model']"),
        f"glossary/{L}: term: 'Large language model' is already taken by 'Large-Language Model' (glossary/{T})",
    ),
    (
        "dangling see_also",
        replace(T, "see_also: [LLM]", "see_also: [GGMLv4]"),
        f"glossary/{T}: see_also: unknown term 'GGMLv4'",
    ),
    (
        "empty see_also",
        replace(T, "see_also: [LLM]", "see_also: []"),
        f"glossary/{T}: see_also: needs at least 1 item",
    ),
    (
        "see_also pointing at itself",
        replace(T, "see_also: [LLM]", "see_also: [LLM, transformer architecture]"),
        f"glossary/{T}: see_also: 'transformer architecture' is this entry itself",
    ),
    (
        "broken {term} role in the body",
        replace(T, "for translation.", "for {term}`translaton`."),
        f"glossary/{T}: body: unknown term 'translaton' in a {{term}} role",
    ),
    (
        "invalid YAML",
        replace(T, ALIASES, "aliases: [oops"),
        f"glossary/{T}: front matter: invalid YAML (line ...",
    ),
    (
        "no front matter",
        write("architecture/attention.md", "Attention is all you need.\n"),
        "glossary/architecture/attention.md: front matter: the file must start with '---' ...",
    ),
    (
        "front matter that is not a mapping",
        write("architecture/attention.md", "---\n- term\n- Attention\n---\nBody.\n"),
        "glossary/architecture/attention.md: front matter: must be a mapping of keys to values",
    ),
    (
        "file that is not UTF-8",
        write("architecture/attention.md", b"---\nterm: Attenti\xf6n\n---\n"),
        "glossary/architecture/attention.md: file: cannot be read as UTF-8 text ...",
    ),
    (
        "summary without a full stop",
        replace(T, "feed-forward layers.", "feed-forward layers"),
        f"glossary/{T}: summary: must be one sentence ...",
    ),
    (
        "empty body",
        replace(T, "Introduced in 2017 for translation.\n", ""),
        f"glossary/{T}: body: is empty: write 2-6 sentences after the front matter",
    ),
    (
        "raw HTML in the body",
        replace(T, "for translation.", "for <s> translation."),
        f"glossary/{T}: body: raw HTML '<s>' would be passed to the page; put it in backticks",
    ),
    (
        "file name that is not a slug",
        rename(T, "Transformer.md"),
        "glossary/architecture/Transformer.md: file name: 'Transformer.md' is not a slug ...",
    ),
    (
        "replaced_by that does not resolve",
        replace(T, "status: current", "status: obsolete\nreplaced_by: Mamba"),
        f"glossary/{T}: replaced_by: unknown term 'Mamba'",
    ),
    (
        "a current entry that is replaced",
        replace(T, "status: current", "status: current\nreplaced_by: LLM"),
        f"glossary/{T}: replaced_by: only a deprecated or obsolete entry is replaced",
    ),
    (
        "text value of the wrong type",
        replace(T, "term: Transformer", "term: [Transformer]"),
        f"glossary/{T}: term: must be a non-empty string, not ['Transformer']",
    ),
    (
        "list value of the wrong type",
        replace(T, ALIASES, "aliases: 7"),
        f"glossary/{T}: aliases: must be a list of non-empty strings, not 7",
    ),
    (
        "reference that is neither a URL nor a key",
        replace(L, "[vaswani2017attention]", "['see the paper']"),
        f"glossary/{L}: references: 'see the paper' is neither a URL nor a bibliography key",
    ),
    (
        "entry outside a category folder",
        write("stray.md", "---\nterm: Stray\n---\nBody.\n"),
        "glossary/stray.md: path: entries belong in glossary/<category>/<slug>.md",
    ),
    (
        "name without letters or digits",
        replace(T, ALIASES, "aliases: ['--']"),
        f"glossary/{T}: aliases: '--' has no letters or digits",
    ),
    (
        "alias repeating the entry's own term",
        replace(T, ALIASES, "aliases: [TRANSFORMER]"),
        f"glossary/{T}: aliases: 'TRANSFORMER' repeats this entry's own name 'Transformer'",
    ),
]


def _problems(root: Path) -> list[str]:
    with pytest.raises(GlossaryError) as info:
        load(root)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("edit", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_catches_its_mistake(glossary_dir, edit, expected):
    edit(glossary_dir)
    problems = _problems(glossary_dir)
    if expected.endswith(" ..."):
        assert problems[0].startswith(expected.removesuffix(" ...")), problems
    else:
        assert problems[0] == expected, problems
    assert len(problems) == 1 or expected.startswith(("glossary/gadgets", f"glossary/{L}: aliases: 'LLM'")), (
        problems
    )


def test_every_rule_in_the_checks_table_has_a_row():
    keys = {expected.split(": ")[1] for _, _, expected in RULES}
    assert {field.key for field in entry_file.FIELDS} <= keys


def test_the_fixture_is_valid(glossary_dir):
    g = load(glossary_dir)
    assert [e.term for e in g] == ["Transformer", "Large language model"]
    assert g["llm"].verified == dt.date(2026, 11, 22)


def test_a_date_in_the_future_loads_but_fails_the_ci_check(glossary_dir):
    replace(T, "verified: 2026-11-22", "verified: 2999-01-01")(glossary_dir)
    g = load(glossary_dir)  # loading does not read the clock: a saved glossary stays valid tomorrow
    assert [str(p) for p in glossary.future_dates(g, today=dt.date(2026, 12, 2))] == [
        f"glossary/{T}: verified: 2999-01-01 is after 2026-12-02"
    ]


def test_no_shipped_entry_is_verified_in_the_future():
    assert glossary.future_dates(load(REPO / "glossary")) == []


def test_raw_html_in_backticks_is_code(glossary_dir):
    replace(T, "for translation.", "for `<s>` translation.")(glossary_dir)
    assert load(glossary_dir)


def test_every_problem_is_reported_at_once(glossary_dir):
    replace(T, "status: current", "status: retired")(glossary_dir)
    replace(L, "see_also: [Transformer]", "see_also: [Nope]")(glossary_dir)
    assert len(_problems(glossary_dir)) == 2


def test_field_and_whole_entry_problems_of_one_file_come_together(glossary_dir):
    replace(T, "status: current", "status: retired")(glossary_dir)
    replace(T, "Introduced in 2017 for translation.\n", "")(glossary_dir)
    assert [p.split(": ")[1] for p in _problems(glossary_dir)] == ["status", "body"]


def test_non_strict_load_keeps_the_valid_entries(glossary_dir):
    replace(T, "status: current", "status: retired")(glossary_dir)
    g = load(glossary_dir, strict=False)
    assert [e.term for e in g] == ["Large language model"]
    # One mistake, one message: the see-also pointing at the broken entry is not reported as well.
    assert [p.key for p in g.problems] == ["status"]


def test_normalize_is_the_uniqueness_rule():
    assert normalize("Top-p") == normalize("top_p") == normalize("TOP P") == "topp"
    assert normalize("Quantisation") != normalize("Quantization")  # spellings are aliases, not normal forms


def test_the_glossary_module_keeps_the_names_its_users_import():
    for name in ["CATEGORIES", "STATUSES", "Entry", "Glossary", "GlossaryError", "Problem", "load", "lookup",
                 "plain_text", "search", "term_targets", "used_in", "normalize"]:  # fmt: skip
        assert hasattr(glossary, name), name
    assert support.STATUSES is entry_module.STATUSES is glossary.STATUSES


def test_the_glossary_layers_import_only_downwards():
    import ast

    layers = ["ranking", "questions", "entry", "entry_file", "entry_text", "chapter_links", "glossary"]
    for i, name in enumerate(layers):
        tree = ast.parse((REPO / "src" / "llmterms" / f"{name}.py").read_text())
        imported = {n.module.split(".")[1] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    and n.module and n.module.startswith("llmterms.")}  # fmt: skip
        assert imported <= set(layers[:i]), (name, imported - set(layers[:i]))
