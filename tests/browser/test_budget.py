"""What a page costs a reader: bytes of a first visit, which scripts, and time on a slow phone (issue 18).

Targets: a chapter at most 500 kB as served uncompressed, the glossary page 1.5 MB, the search page 1 MB
for a typical query with its snippets; first paint under 2 s and search results under 3 s on Chrome
DevTools' Slow 4G profile with the CPU four times slower. The numbers are printed, so `tox -e browser -- -s`
shows them; `python -m tests.browser.measure` prints every page's.
"""

from __future__ import annotations

import re
import statistics

import pytest

from tests.browser.measure import QUERY, SEARCH_DONE, pages, slow_phone, visit

KB = 1000
# The issue sets the chapter, glossary and search targets. The API reference is, like the glossary, one long
# reference page (every public function with its example): it gets the glossary's budget, the rest 1 MB.
LIMITS = {
    "chapter": 500 * KB,
    "glossary.html": 1500 * KB,
    "api.html": 1500 * KB,
    "search": 1000 * KB,
    "other": 1000 * KB,
}
CHAPTER = re.compile(r"^\d\d-")


def limit(name: str) -> int:
    if CHAPTER.match(name):
        return LIMITS["chapter"]
    return LIMITS.get(name, LIMITS["other"])


def test_every_page_keeps_to_its_weight(browser, base_url, site):
    heavy = {}
    for name in pages(site):
        record = visit(browser, base_url + name)
        print(f"{name}: {record.total / KB:.0f} kB, {len(record.scripts)} scripts")
        if record.total > limit(name):
            heavy[name] = record.total
        # No page loads Font Awesome (its script was 1.56 MB, its font 115 kB) ...
        assert not [url for url, _, _ in record.responses if "fontawesome" in url], name
        # ... and only the search page loads the search machinery.
        if name != "search.html":
            assert not [
                u for u in record.scripts if re.search(r"searchindex|searchtools|llmterms-ranking", u)
            ], name
    assert heavy == {}


@pytest.mark.parametrize("query", [QUERY, "rope scaling", "imatrix"])
def test_a_search_with_its_snippets_keeps_to_1_mb(browser, base_url, query):
    record = visit(browser, f"{base_url}search.html?q={query}", done=SEARCH_DONE, screens=1)
    print(f"search {query!r}: {record.total / KB:.0f} kB")
    assert record.total <= LIMITS["search"]
    # No snippet reads a whole page, and none the glossary page.
    fetched = [url for url, kind, _ in record.responses if kind == "fetch"]
    assert fetched and all("/_static/llmterms-text/" in url for url in fetched)
    assert len(fetched) == len(set(fetched))


def test_every_icon_on_a_page_is_drawn_by_llmterms_icons(site):
    css = (site / "_static" / "llmterms-icons.css").read_text()
    modifiers = {"fa-solid", "fa-lg", "fa-fw", "fa-2x"}
    used = set()
    for name in pages(site):
        used |= set(
            re.findall(
                r"\bfa-[a-z0-9-]+", " ".join(re.findall(r'class="([^"]*)"', (site / name).read_text()))
            )
        )
    missing = sorted(icon for icon in used - modifiers if f".{icon} " not in css)
    assert used - modifiers and missing == []


# The targets are 2 s to the first paint and 3 s to the results. The first paint waited for two round
# trips of 562 ms, the page and then its stylesheets (110 kB after a site-wide purge): 2.3-3.3 s. Each page now
# carries its stylesheets and head scripts inlined and purged for it (llmterms.sphinxext.stylesheets), so
# it paints from its own first 90-110 kB: 1.6-2.0 s, median of 3 on a shared two-core machine with a load
# of 1 to 5 (December 2026; the margin is thin under load, the CPU being throttled four times). Results: the
# first result is the glossary block's first entry, drawn from the search page's own bytes a frame after the
# first paint; Sphinx's page results follow with its 140 kB index (about 5.5 s).
FIRST_PAINT = {"06-quantization.html": 2000, "glossary.html": 2000, "index.html": 2000, "search": 2000}
RESULTS = 3000


#: The targets are medians: one run on a shared machine can be a second late.
RUNS = 3


@pytest.mark.parametrize("name", ["06-quantization.html", "glossary.html", "index.html"])
def test_first_paint_on_a_slow_phone(browser, base_url, name):
    timings = [slow_phone(browser, base_url + name) for _ in range(RUNS)]
    paint = statistics.median(t.first_paint for t in timings)
    print(f"{name}: first paint {[round(t.first_paint) for t in timings]} ms, median {paint:.0f} ms")
    assert paint < FIRST_PAINT[name]


def test_search_results_on_a_slow_phone(browser, base_url):
    url = f"{base_url}search.html?q={QUERY}"
    timings = [slow_phone(browser, url, results="#search-results ul.search li") for _ in range(RUNS)]
    paint = statistics.median(t.first_paint for t in timings)
    results = statistics.median(t.results for t in timings)
    print(f"search: first paint {paint:.0f} ms, results {results:.0f} ms (medians of {RUNS})")
    assert paint < FIRST_PAINT["search"]
    assert results < RESULTS
