"""axe-core on every page, desktop and phone, light and dark: no critical or serious violation.

axe-core comes bundled with axe-playwright-python (no network). Besides each page as it loads, the states
a reader gets into are checked too: search results with their highlights, and an open tooltip (its link
and status badge). Contrast is WCAG 2.2's 4.5:1 for text (axe-core's color-contrast rule).
"""

from __future__ import annotations

import pytest

from tests.browser.measure import DESKTOP, PHONE, pages

MODES = [(phone, dark) for phone in (False, True) for dark in (False, True)]
MODE_IDS = [f"{'phone' if p else 'desktop'}-{'dark' if d else 'light'}" for p, d in MODES]


def run_axe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # The theme resolves "auto" to light or dark in a deferred script, then fades colours in (0.15 s).
    page.wait_for_function("['light', 'dark'].includes(document.documentElement.dataset.theme)")
    page.wait_for_timeout(300)

    results = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results
        if v["impact"] in {"critical", "serious"}
    ]


@pytest.fixture(params=MODES, ids=MODE_IDS)
def mode_page(request, browser):
    phone, dark = request.param
    ctx = browser.new_context(**(PHONE if phone else DESKTOP), color_scheme="dark" if dark else "light")
    page = ctx.new_page()
    yield page
    ctx.close()


def test_every_page_has_no_serious_violation(mode_page, base_url, site):
    found = {}
    phone = mode_page.viewport_size["width"] < 500
    for name in pages(site):
        if name == "search.html":
            continue  # checked with results below
        if phone and name.startswith("glossary/") and name != "glossary/frontends.html":
            # axe-core takes 10-40 s over each category's entries; on a phone one category page (the
            # smallest) checks the layout, and the desktop runs check every entry's markup and colours.
            continue
        mode_page.goto(base_url + name, wait_until="load")
        if phone and name == "glossary.html":
            # axe-core takes 30-40 s over the 388 entries; on a phone, the layout is checked with the
            # filter showing a few of them (the entries' markup and colours are checked on the desktop).
            mode_page.fill("#llmterms-filter", "cache")
        if bad := run_axe(mode_page):
            found[name] = bad
    assert found == {}


def test_search_results_with_highlights(mode_page, base_url):
    mode_page.goto(f"{base_url}search.html?q=kv+cache", wait_until="load")
    mode_page.locator("#search-results > ul.search li").first.scroll_into_view_if_needed()
    mode_page.locator("#search-results p.context .highlighted").first.wait_for(timeout=20_000)
    assert run_axe(mode_page) == []


def test_an_open_tooltip(mode_page, base_url):
    mode_page.goto(f"{base_url}06-quantization.html", wait_until="load")
    link = mode_page.locator("a.llmterms-term-link").first
    link.focus()
    mode_page.locator("#llmterms-tip").wait_for(state="visible")
    assert run_axe(mode_page) == []


def test_a_highlighted_page(mode_page, base_url):
    """A result opened from the search page: Sphinx highlights the words searched for."""
    mode_page.goto(f"{base_url}search.html?q=quantization", wait_until="load")
    mode_page.locator("#search-results > ul.search li a").first.click()  # a page, not a glossary entry
    mode_page.wait_for_load_state("load")
    mode_page.locator("article .highlighted").first.wait_for(timeout=10_000)
    assert run_axe(mode_page) == []


@pytest.mark.parametrize("context", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_sidebar_toggle_shows_where_the_focus_is(browser, base_url, context):
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.goto(f"{base_url}06-quantization.html")
    for _ in range(30):  # Tab from the top of the page to the first sidebar toggle
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('sidebar-toggle')"):
            break
    else:
        pytest.fail("no sidebar toggle is reachable with the Tab key")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    ctx.close()
    assert outline[0] == "solid" and outline[1] == "3px"


def test_a_wide_equation_can_be_scrolled_with_the_keyboard(browser, base_url, site):
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    wide = []
    for name in [n for n in pages(site) if n[:2].isdigit()]:
        page.goto(base_url + name)
        wide += page.evaluate(
            """() => [...document.querySelectorAll('.math-block')].filter(m => m.scrollWidth > m.clientWidth + 1)
                     .map(m => [m.tabIndex, m.getAttribute('role'), m.getAttribute('aria-label')])"""
        )
    ctx.close()
    assert wide and all(tab == 0 and role and label for tab, role, label in wide)
