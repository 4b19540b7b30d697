"""What a reader's browser pays for the built site: bytes, scripts, slow-phone timings, axe-core findings.

The tests in ``test_budget.py`` hold these numbers to the targets; run this module to print them all,
for example before and after a change::

    python -m tests.browser.measure build/html > before.txt

Weights are the bytes of every response of a first visit (empty cache), as the test server sends them:
uncompressed, as a folder opened from disk or a plain static server would.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

# Chrome DevTools' "Slow 4G" preset (front_end/core/sdk/NetworkManager.ts, checked December 2026):
# 1.4 Mbit/s down, 750 kbit/s up, each times 0.9, and 150 ms x 3.75 of latency; with the CPU 4x slower,
# as DevTools' "Low-tier mobile" CPU throttling and Lighthouse's mobile profile do.
SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.4 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
CPU_SLOWDOWN = 4
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
#: A typical query: the words of a chapter section and of glossary entries.
QUERY = "kv cache"
#: What the search page shows once every result is in (Sphinx's status line, or ours).
SEARCH_DONE = "#search-results .search-summary:not(:empty)"


@dataclass
class Visit:
    """One page's first visit: every response's size and type."""

    url: str
    responses: list[tuple[str, str, int]] = field(default_factory=list)  # (url, resource type, bytes)

    @property
    def total(self) -> int:
        return sum(size for _, _, size in self.responses)

    @property
    def scripts(self) -> list[str]:
        return [url for url, kind, _ in self.responses if kind == "script"]

    def by_url(self, part: str) -> int:
        return sum(size for url, _, size in self.responses if part in url)


def visit(
    browser, url: str, *, done: str | None = None, context: dict | None = None, screens: int = 0
) -> Visit:
    """Open ``url`` in a fresh context (empty cache) and record what it loads until the network is idle.

    With ``done``, wait for that selector first; with ``screens``, then scroll down that many screens, as a
    reader looking through search results does (their snippets load as they come into view).
    """
    ctx = browser.new_context(**(context or DESKTOP))
    page = ctx.new_page()
    record = Visit(url)
    pending = []
    page.on("response", lambda r: pending.append(r))
    page.goto(url, wait_until="load")
    if done:
        page.wait_for_selector(done, timeout=30_000)
    for _ in range(screens):
        page.mouse.wheel(0, page.viewport_size["height"])
        page.wait_for_timeout(200)
    page.wait_for_load_state("networkidle")
    for response in pending:
        try:
            size = len(response.body())
        except Exception:  # a redirect or an aborted request has no body
            size = 0
        record.responses.append((response.url, response.request.resource_type, size))
    ctx.close()
    return record


@dataclass
class Timing:
    dom_content_loaded: float  # ms after navigation start
    first_paint: float
    results: float | None = None  # ms until the first search result is on screen


#: Records in the page when an element matching the selector is first on screen (in a frame the browser
#: could draw: requestAnimationFrame runs only when rendering is not blocked), whatever Playwright waits for.
_FIRST_SEEN = """selector => {
  const seen = () => {
    const found = document.querySelector(selector);
    return found && found.getClientRects().length > 0 && getComputedStyle(found).visibility !== "hidden";
  };
  const check = () => requestAnimationFrame(() => {
    if (window.__llmtermsFirstSeen !== undefined) return;
    if (seen()) { window.__llmtermsFirstSeen = performance.now(); observer.disconnect(); }
    else if (document.querySelector(selector)) check();
  });
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
}"""


def slow_phone(browser, url: str, *, results: str | None = None) -> Timing:
    """DOMContentLoaded, first paint and (with ``results``, a selector) results time on the slow profile.

    The results time is when the first match appears, recorded by the page itself: waiting in Playwright
    would start only once ``goto`` returns, at DOMContentLoaded, and report that for any earlier result.
    """
    ctx = browser.new_context(**PHONE)
    if results:
        ctx.add_init_script(f"({_FIRST_SEEN})({results!r})")
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    found = None
    if results:
        page.wait_for_function("window.__llmtermsFirstSeen !== undefined", timeout=120_000)
        found = page.evaluate("window.__llmtermsFirstSeen")
    page.wait_for_load_state("load", timeout=120_000)
    dcl, paint = page.evaluate(
        """() => [performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
                  (performance.getEntriesByName("first-contentful-paint")[0]
                   || performance.getEntriesByName("first-paint")[0] || {startTime: NaN}).startTime]"""
    )
    ctx.close()
    return Timing(dcl, paint, found)


def axe(browser, url: str, *, phone: bool, dark: bool) -> list[dict]:
    """axe-core's violations on ``url`` (each with its id, impact and node count)."""
    from axe_playwright_python.sync_playwright import Axe

    ctx = browser.new_context(**(PHONE if phone else DESKTOP), color_scheme="dark" if dark else "light")
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(100)
    results = Axe().run(page)
    ctx.close()
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": len(v["nodes"]),
            "targets": [n["target"] for n in v["nodes"]][:3],
        }
        for v in results.response["violations"]
    ]


def pages(site: Path) -> list[str]:
    """Every page of the site (not the theme's macro files under _static)."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(p.relative_to(site).parts)
    )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def main(site: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.browsing import CHROMIUM, CHROMIUM_ARGS

    base, server = serve(site)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        print("page\tkB\tscripts\trequests")
        for name in pages(site):
            v = visit(browser, base + name)
            print(f"{name}\t{v.total / 1000:.0f}\t{len(v.scripts)}\t{len(v.responses)}")
        v = visit(browser, f"{base}search.html?q={QUERY}", done=SEARCH_DONE, screens=1)
        print(
            f"search.html?q={QUERY} (with snippets)\t{v.total / 1000:.0f}\t{len(v.scripts)}\t{len(v.responses)}"
        )
        print("\nslow phone (Slow 4G, 4x CPU)\tDOMContentLoaded ms\tfirst paint ms\tresults ms")
        for name, results in [
            ("06-quantization.html", None),
            ("glossary.html", None),
            (f"search.html?q={QUERY}", "#search-results ul.search li"),
        ]:
            t = slow_phone(browser, base + name, results=results)
            print(
                f"{name}\t{t.dom_content_loaded:.0f}\t{t.first_paint:.0f}\t{t.results or '':.0f}"
                if t.results
                else f"{name}\t{t.dom_content_loaded:.0f}\t{t.first_paint:.0f}\t-"
            )
        print("\naxe-core\tcritical\tserious\tmoderate\tminor\tviolations (id x nodes)")
        for phone in (False, True):
            for dark in (False, True):
                counts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
                ids: dict[str, int] = {}
                for name in pages(site):
                    for v in axe(browser, base + name, phone=phone, dark=dark):
                        counts[v["impact"]] += 1
                        ids[f"{v['id']}({v['impact']})"] = ids.get(f"{v['id']}({v['impact']})", 0) + 1
                label = f"{'phone' if phone else 'desktop'} {'dark' if dark else 'light'}"
                print(
                    label, *counts.values(), ", ".join(f"{k} x{n}" for k, n in sorted(ids.items())), sep="\t"
                )
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/html"))
