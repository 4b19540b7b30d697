"""The search page: the glossary block ranks as `llmterms search` does; results land on the matching section."""

from __future__ import annotations

import json

import pytest

from llmterms import glossary as _glossary
from tests.browser.browsing import REPO

QUERIES = REPO / "tests" / "data" / "search_queries.tsv"


def queries() -> list[str]:
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")]


def test_the_glossary_block_ranks_the_whole_query_file_as_python_does(watched, base_url, site):
    """Every query of tests/data/search_queries.tsv, top five, in the browser and in llmterms.glossary."""
    page = watched.page
    page.goto(f"{base_url}search.html?q=gguf")
    page.locator("#llmterms-glossary-results li").first.wait_for()
    asked = queries()
    assert len(asked) > 250
    browser = page.evaluate(
        "async (qs) => { const out = {}; for (const q of qs) out[q] = await window.llmtermsRank(q, 5); return out; }",
        asked,
    )
    g = _glossary.load(REPO / "glossary")
    python = {q: [e.term for e in g.search(q, limit=5)] for q in asked}
    disagree = {q: (python[q], browser[q]) for q in asked if python[q] != browser[q]}
    assert disagree == {}
    assert watched.errors == []


def sphinx_results(page) -> list[tuple[str, str]]:
    page.locator("#search-results .search-summary:not(:empty)").wait_for(timeout=20_000)
    # Sphinx's own list (the glossary block's list is inside its section, above).
    return page.eval_on_selector_all(
        "#search-results > ul.search > li > a", "as => as.map(a => [a.getAttribute('href'), a.textContent])"
    )


def test_results_skip_the_glossary_pages_and_list_each_section_once(watched, base_url):
    page = watched.page
    page.goto(f"{base_url}search.html?q=kv%20cache")
    results = sphinx_results(page)
    assert len(results) >= 5
    hrefs = [href for href, _ in results]
    assert not [h for h in hrefs if h.startswith(("glossary.html", "glossary/"))]
    assert len(set(hrefs)) == len(hrefs)
    # The glossary block lists each entry once.
    block = page.eval_on_selector_all("#llmterms-glossary-results li > a", "as => as.map(a => a.textContent)")
    assert block and len(set(block)) == len(block)
    assert watched.errors == []


@pytest.mark.parametrize(
    ("query", "page_name"), [("rope scaling", "10-context-rope.html"), ("imatrix", "06-quantization.html")]
)
def test_a_result_links_to_the_section_that_matched(watched, base_url, site, query, page_name):
    page = watched.page
    page.goto(f"{base_url}search.html?q={query}")
    sphinx_results(page)
    item = page.locator(f'#search-results > ul.search > li:has(a[href^="{page_name}"])').first
    item.scroll_into_view_if_needed()
    item.locator("p.context").wait_for(timeout=10_000)
    href = item.locator("a").first.get_attribute("href")
    assert href.startswith(page_name + "#"), href
    anchor = href.split("#")[1]
    sections = json.loads(
        (site / "_static" / "llmterms-text" / page_name.replace(".html", ".json")).read_text()
    )
    own = next(text for sid, title, text in sections if sid == anchor)
    title = next(title for sid, title, text in sections if sid == anchor)
    assert all(word in (title + " " + own).lower() for word in query.split())
    # The snippet is that section's text, with the words highlighted.
    assert page.locator("p.context .highlighted").count() >= 1
    assert watched.errors == []


@pytest.mark.parametrize("name", ["index.html", "06-quantization.html", "glossary.html", "api.html"])
def test_a_page_opened_with_a_query_parameter_throws_nothing(watched, base_url, name):
    page = watched.page
    page.goto(f"{base_url}{name}?q=kv+cache")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert watched.errors == []


def test_the_search_index_leaves_out_the_glossary_page(site):
    text = (site / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    page = index["docnames"].index("glossary")
    postings = [
        d for found in index["terms"].values() for d in (found if isinstance(found, list) else [found])
    ]
    assert page not in postings
    assert not [o for group in index["objects"].values() for o in group if o[0] == page]
    assert not [e for found in index["indexentries"].values() for e in found if e[0] == page]
    # The chapters are still there.
    found = index["terms"]["imatrix"]
    assert index["docnames"].index("06-quantization") in (found if isinstance(found, list) else [found])


def test_the_glossary_block_is_drawn_before_sphinx_s_index_arrives(browser, base_url, site):
    """Issue 18: the block needs no request of its own; its links are the entries' published anchors."""
    ctx = browser.new_context()
    page = ctx.new_page()
    held = []
    page.route("**/searchindex.js*", lambda route: held.append(route))  # never answered while we look
    page.route("**/llmterms-glossary.js*", lambda route: held.append(route))  # nor the summaries
    page.goto(f"{base_url}search.html?q=kv%20cache", wait_until="commit")
    block = page.locator("#search-results ul.search li")
    block.first.wait_for(timeout=10_000)
    assert page.evaluate("typeof Search === 'undefined' || !Search.hasIndex()")
    # Two entries match by name, three more by their text, once the words of "k" and "c" are in.
    page.wait_for_function("document.querySelectorAll('#llmterms-glossary-results li').length === 5")
    links = page.eval_on_selector_all(
        "#llmterms-glossary-results li > a", "as => as.map(a => [a.textContent, a.getAttribute('href')])"
    )
    # Ranked as Python ranks, linked to the anchors glossary.json publishes.
    g = _glossary.load(REPO / "glossary")
    assert [term for term, _ in links] == [e.term for e in g.search("kv cache", limit=5)]
    urls = {e["term"]: e["url"] for e in json.loads((site / "glossary.json").read_text())}
    assert [href for _, href in links] == ["./" + urls[term] for term, _ in links]
    # Their summaries come with llmterms-glossary.js, Sphinx's pages with the index.
    assert page.locator(".llmterms-search-summary").count() == 0
    assert page.locator("#search-results > ul.search > li").count() == 0
    for route in held:
        route.continue_()
    page.locator(".llmterms-search-summary").first.wait_for(timeout=10_000)
    page.locator("#search-results > ul.search > li").first.wait_for(timeout=10_000)
    ctx.close()
