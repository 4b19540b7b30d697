"""Printing a chapter: on A4 width, code and tables fit, colours are light even from dark mode, the chapter
keeps its number, and headings are kept with their text."""

from __future__ import annotations

import pytest

A4_WIDTH_PX = 794  # 210 mm at 96 px per inch: what Chromium lays a printed A4 page out in, margins aside


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_printed_chapter(browser, base_url, scheme):
    ctx = browser.new_context(viewport={"width": A4_WIDTH_PX, "height": 1123}, color_scheme=scheme)
    page = ctx.new_page()
    page.goto(f"{base_url}09-inference-sampling.html", wait_until="load")
    page.emulate_media(media="print", color_scheme=scheme)
    page.wait_for_timeout(200)
    result = page.evaluate(
        """() => {
          const main = document.querySelector('article');
          const right = main.getBoundingClientRect().right + 1;
          const wide = (sel) => [...main.querySelectorAll(sel)].filter(e => e.getBoundingClientRect().width > 0 &&
              (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > right)).length;
          const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          const p = main.querySelector('p');
          const h1 = main.querySelector('h1');
          return {
            pre: main.querySelectorAll('pre').length, widePre: wide('pre'), tables: main.querySelectorAll('table').length, wideTables: wide('table'),
            text: lum(getComputedStyle(p).color), page: lum(getComputedStyle(document.body).backgroundColor),
            title: h1.offsetParent !== null ? h1.textContent : '', breakAfter: getComputedStyle(main.querySelector('h2')).breakAfter,
          };
        }"""
    )
    ctx.close()
    assert result["pre"] > 5 and result["widePre"] == 0
    assert result["tables"] >= 1 and result["wideTables"] == 0
    assert result["page"] > 0.9 and result["text"] < 0.05  # black on white, whatever the screen's theme
    assert result["title"].startswith("9. ")  # the chapter number is printed
    assert result["breakAfter"] == "avoid"
