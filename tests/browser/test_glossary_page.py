"""The glossary page and tooltips on desktop and phone: filter order, layout, jumps, flipping, touch."""

from __future__ import annotations

import re

import pytest

from tests.browser.measure import PHONE


@pytest.fixture
def phone(browser, base_url):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


def shown_terms(page) -> list[str]:
    """The entries the filter shows, in order: the first name of each group."""
    return page.evaluate(
        """() => [...document.querySelectorAll('dl.llmterms-filtered > dt:not(.llmterms-alias)')]
                 .filter(dt => !dt.hidden).map(dt => dt.firstChild.textContent.trim())"""
    )


@pytest.mark.parametrize(
    ("query", "first"), [("rope", "Rotary position embedding"), ("kv", "KV cache"), ("gguf", "GGUF")]
)
def test_the_filter_lists_names_and_whole_words_first(watched, base_url, query, first):
    page = watched.page
    page.goto(f"{base_url}glossary.html")
    page.fill("#llmterms-filter", query)
    terms = shown_terms(page)
    assert terms[0] == first
    # Whole words only: "rope" does not match "parameter open-weight" (the old filter joined the words).
    texts = page.evaluate(
        """() => [...document.querySelectorAll('dl.llmterms-filtered > dd')].filter(d => !d.hidden)
                 .map(d => { let n = d.previousElementSibling, t = d.textContent;
                             while (n && n.tagName === 'DT') { t += ' ' + n.textContent; n = n.previousElementSibling; }
                             return t.toLowerCase().split(/[^a-z0-9]+/); })"""
    )
    assert texts and [ws for ws in texts if not any(w.startswith(query) for w in ws)] == []
    # Clearing the filter puts every entry back in its category.
    page.fill("#llmterms-filter", "")
    assert page.locator("dl.llmterms-filtered > *").count() == 0
    assert watched.errors == []


def test_on_a_phone_the_bar_is_small_and_nothing_pans_sideways(phone, base_url):
    for name in (
        "glossary.html",
        "06-quantization.html",
        "09-inference-sampling.html",
        "10-context-rope.html",
    ):
        phone.goto(f"{base_url}{name}")
        phone.wait_for_load_state("load")
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, name
    phone.goto(f"{base_url}glossary.html")
    bar = phone.locator(".llmterms-toolbar").bounding_box()
    assert bar["height"] <= 0.15 * PHONE["viewport"]["height"]


@pytest.mark.parametrize("context", ["desktop", "phone"])
def test_a_category_jump_shows_its_heading_below_the_bars(browser, base_url, context):
    ctx = browser.new_context(
        **(PHONE if context == "phone" else {"viewport": {"width": 1280, "height": 900}})
    )
    page = ctx.new_page()
    page.goto(f"{base_url}glossary.html")
    if context == "phone":
        page.locator(".llmterms-more > summary").click()
    link = page.locator(".llmterms-jump a").nth(5)
    target = link.get_attribute("href")
    link.click()
    page.wait_for_timeout(500)
    heading = page.locator(f"{target} > h2, {target} > h3").first.bounding_box()
    bar = page.locator(".llmterms-toolbar").bounding_box()
    header = page.locator("header").first.bounding_box()
    ctx.close()
    assert heading["y"] >= max(bar["y"] + bar["height"], header["y"] + header["height"]) - 1
    assert heading["y"] < 400


def test_a_tooltip_near_the_bottom_flips_above_and_stays_on_screen(watched, base_url):
    page = watched.page
    page.goto(f"{base_url}06-quantization.html")
    links = page.locator("a.llmterms-term-link")
    height = page.viewport_size["height"]
    checked = 0
    for i in range(min(links.count(), 40)):
        link = links.nth(i)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        if box is None:
            continue
        # Put the link near the bottom edge of the window (links near the top of the page cannot be).
        page.evaluate("(dy) => window.scrollBy(0, dy)", box["y"] - (height - 40))
        if link.bounding_box()["y"] < height - 100:
            continue
        link.hover()
        tip = page.locator("#llmterms-tip")
        tip.wait_for(state="visible")
        tip_box, link_box = tip.bounding_box(), link.bounding_box()
        assert tip_box["y"] >= 0 and tip_box["y"] + tip_box["height"] <= height + 1
        assert tip_box["y"] + tip_box["height"] <= link_box["y"] + 1  # above its link
        page.mouse.move(0, 0)
        checked += 1
        if checked == 3:
            break
    assert checked == 3


def test_a_tap_on_a_term_link_shows_the_tooltip_with_a_link(phone, base_url):
    phone.goto(f"{base_url}06-quantization.html")
    link = phone.locator("a.llmterms-term-link").first
    link.scroll_into_view_if_needed()
    link.tap()
    tip = phone.locator("#llmterms-tip")
    tip.wait_for(state="visible")
    assert phone.url.endswith("06-quantization.html")  # the tap did not leave the page
    box = tip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    entry = tip.locator("a")
    assert re.search(r"glossary/[a-z]+\.html#term-", entry.get_attribute("href"))
    entry.tap()
    phone.wait_for_url("**/glossary/*.html#term-*")
