"""The HTML manual in a real browser: glossary search, tooltips, offline, links and screenshots."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest

from tests.browser.browsing import SHOTS, Watched
from tests.browser.measure import SEARCH_DONE

PAGES = ["index.html", "glossary.html", "06-quantization.html", "10-context-rope.html", "search.html?q=kv"]


def glossary(site: Path) -> dict[str, dict]:
    return {e["term"]: e for e in json.loads((site / "glossary.json").read_text())}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gguf", "GGUF"),  # a term
        ("ngl", "GPU offloading"),  # an option name (alias)
        ("n_ctx", "Context window"),  # another alias
        ("kv", "KV cache"),  # a distinctive part
        ("rotary", "Rotary position embedding"),
        ("ntk", "NTK-aware scaling"),
        ("quantisation", "Quantization"),  # British spelling
        ("perplexety", "Perplexity"),  # one typo
    ],
)
def test_search_shows_the_glossary_entry_first_with_its_summary(watched, base_url, site, query, expected):
    page = watched.page
    page.goto(f"{base_url}search.html?q={query}")
    first = page.locator("#llmterms-glossary-results li").first
    first.wait_for()
    assert first.locator("a").first.inner_text() == expected
    assert first.locator(".llmterms-search-summary").inner_text() == glossary(site)[expected]["summary"]
    # Then Sphinx's own search finishes below it without an error. A misspelling ("perplexety") or a British
    # spelling may match no page text at all: the glossary block above is what finds those.
    page.locator(SEARCH_DONE).first.wait_for(timeout=10_000)
    assert watched.errors == []


def test_tooltip_on_hover_shows_term_status_summary_and_link(watched, base_url, site):
    page = watched.page
    page.goto(f"{base_url}06-quantization.html")
    link = page.locator("a.llmterms-term-link").first
    term = link.inner_text()
    link.hover()
    tip = page.locator("#llmterms-tip")
    tip.wait_for(state="visible")
    entry = next(
        e for e in glossary(site).values() if term.lower() in [n.lower() for n in [e["term"], *e["aliases"]]]
    )
    assert entry["summary"] in tip.inner_text()
    assert entry["status"] in tip.inner_text().lower()
    assert tip.locator("a").get_attribute("href").endswith(entry["url"])
    assert link.get_attribute("aria-describedby") == "llmterms-tip"
    assert watched.errors == []


def test_tooltip_on_keyboard_focus_and_escape(watched, base_url):
    page = watched.page
    page.goto(f"{base_url}06-quantization.html")
    for _ in range(200):  # Tab through the page until a glossary link has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('llmterms-term-link')"):
            break
    else:
        pytest.fail("no glossary link is reachable with the Tab key")
    tip = page.locator("#llmterms-tip")
    tip.wait_for(state="visible")
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")


def test_glossary_page_filters_as_you_type_and_by_letter(watched, base_url, site):
    page = watched.page
    page.goto(f"{base_url}glossary.html")
    count = page.locator(".llmterms-count")
    total = len(glossary(site))
    assert count.inner_text() == f"{total} of {total} entries"
    page.fill("#llmterms-filter", "rope_freq_base")
    shown = int(count.inner_text().split()[0])
    assert 1 <= shown < total // 10
    assert page.locator("dt#term-rope_freq_base").is_visible()
    page.fill("#llmterms-filter", "")
    page.get_by_role("button", name="Q", exact=True).click()
    assert page.locator("dt#term-Q4_K_M").is_visible()
    assert not page.locator("dt#term-GGUF").is_visible()
    # Every category can be jumped to.
    assert page.locator(".llmterms-jump a").count() == 13


def test_every_entry_and_alias_has_a_permalink_on_its_page_and_in_the_index(site):
    index = (site / "glossary.html").read_text()
    for entry in glossary(site).values():
        assert entry["url"].startswith(f"glossary/{entry['category']}.html#term-")
        html = (site / entry["url"].split("#")[0]).read_text()
        for url in [entry["url"], *entry["alias_urls"].values()]:
            anchor = url.split("#")[1]
            assert f'id="{anchor}"' in html, url
            # An older link, glossary.html#term-..., still lands on the name, which links here.
            assert f'id="{anchor}"' in index and f'href="{url}"' in index, url


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_no_request_leaves_the_site_and_no_console_errors(browser, base_url, site, scheme):
    context = browser.new_context()
    page = context.new_page()
    prefix = base_url if scheme == "http" else site.as_uri() + "/"
    watched = Watched(page, (prefix,))
    for name in PAGES:
        page.goto(prefix + name)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
    context.close()
    assert watched.foreign == []
    assert watched.errors == []


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in {"script", "img", "link"} and (attrs.get("src") or attrs.get("href")):
            self.links.append(attrs.get("src") or attrs.get("href"))


def test_every_internal_link_resolves(site):
    parsed: dict[Path, _Links] = {}

    def parse(path: Path) -> _Links:
        if path not in parsed:
            parser = _Links()
            parser.feed(path.read_text(encoding="utf-8"))
            parsed[path] = parser
        return parsed[path]

    broken = []
    # Pages only: the theme ships Jinja macro files as .html under _static.
    for page in sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts):
        for href in parse(page).links:
            if re.match(r"^[a-z]+:", href) or href.startswith("//"):
                continue  # external links and mailto: are references, not part of the site
            target, anchor = urldefrag(href)
            target = target.split("?")[0]  # cache-busting queries such as ?digest=...
            path = (page.parent / unquote(target)).resolve() if target else page
            if not path.exists() and path.parent == site / "downloads":
                continue  # built by tox -e downloads; a site without them says so on its Downloads page
            if not path.exists():
                broken.append(f"{page.name}: {href}")
            elif anchor and path.suffix == ".html" and unquote(anchor) not in parse(path).ids:
                broken.append(f"{page.name}: {href} (no such anchor)")
    assert broken == []


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_screenshots(browser, base_url, name, width, height):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    for page_name in ("index", "glossary", "06-quantization"):
        page.goto(f"{base_url}{page_name}.html")
        page.wait_for_load_state("load")
        path = SHOTS / f"{page_name}-{name}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
    # A phone-width page must not scroll sideways.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 1
