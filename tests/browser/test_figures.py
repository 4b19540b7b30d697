"""What the chapters' figures show, checked on the drawn figure and on the page, not only by eye.

Each ``plot`` directive's code is run as the build runs it (llmterms.sphinxext.plots), then: every legend
swatch has a colour that something in its axes is drawn with (chapter 6's legend once showed five blue
swatches for five colours of bars), every axes is labelled, and each figure shows in the light and the dark
theme (it carries its own opaque background, so its black text stays readable on a dark page).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.browsing import REPO

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from llmterms.sphinxext.plots import RC  # noqa: E402


def plot_blocks() -> list[tuple[str, str]]:
    """(chapter:line, code) of every figure: ```{plot} fences and eval-rst ``.. plot::`` blocks."""
    found = []
    for path in sorted((REPO / "docs").glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.strip() == "```{plot}":
                body = []
                for later in lines[i + 1 :]:
                    if later.startswith("```"):
                        break
                    body.append(later)
                code = [b for b in body if not re.match(r"^:\w+:", b)]
                found.append((f"{path.name}:{i + 1}", "\n".join(code)))
            elif line.strip() == ".. plot::":
                body = []
                for later in lines[i + 1 :]:
                    if later.startswith("```") or (later and not later.startswith("   ")):
                        break
                    body.append(later[3:])
                code = [b for b in body if not re.match(r"^:\w+:", b.strip())]
                found.append((f"{path.name}:{i + 1}", "\n".join(code)))
    return found


BLOCKS = plot_blocks()


def drawn_colours(ax) -> set[tuple]:
    colours = set()
    for patch in ax.patches:
        colours.add(to_rgba(patch.get_facecolor()))
    for line in ax.lines:
        colours.add(to_rgba(line.get_color()))
    for collection in ax.collections:
        colours.update(to_rgba(c) for c in collection.get_facecolors())
        colours.update(to_rgba(c) for c in collection.get_edgecolors())
    return {tuple(round(v, 3) for v in c) for c in colours}


def swatch_colour(handle) -> tuple:
    if hasattr(handle, "get_facecolor") and not hasattr(handle, "get_xdata"):
        colour = handle.get_facecolor()
        colour = colour[0] if np.ndim(colour) == 2 else colour
    else:
        colour = handle.get_color()
    return tuple(round(v, 3) for v in to_rgba(colour))


def categories(axis) -> bool:
    """True when the axis's tick labels are names (bars of named things), which label it themselves."""
    labels = [tick.get_text() for tick in axis.get_ticklabels() if tick.get_text()]
    return bool(labels) and not any(re.fullmatch(r"[−\-+]?[\d.,]+%?", label) for label in labels)


def test_the_chapters_have_figures():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize(("where", "code"), BLOCKS, ids=[w for w, _ in BLOCKS])
def test_a_figure_s_legend_matches_what_is_drawn_and_its_axes_are_labelled(where, code):
    with matplotlib.rc_context(RC):
        plt.close("all")
        exec(compile(code, where, "exec"), {"np": np, "plt": plt, "__name__": "__plot__"})
        figure = plt.gcf()
        for ax in figure.axes:
            if not ax.get_visible() or not ax.has_data():
                continue
            if ax.get_label() == "<colorbar>":  # a colour bar is one axis: its own label
                assert ax.get_xlabel() or ax.get_ylabel(), f"{where}: a colour bar without a label"
                continue
            figure.canvas.draw()  # tick labels exist once drawn
            for axis, label in ((ax.xaxis, ax.get_xlabel()), (ax.yaxis, ax.get_ylabel())):
                assert label or categories(axis), f"{where}: a numeric axis without a label"
            legend = ax.get_legend()
            if legend is None:
                continue
            drawn = drawn_colours(ax)
            swatches = []
            for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
                assert swatch_colour(handle) in drawn, (
                    f"{where}: legend {text.get_text()!r} in a colour not drawn"
                )
                swatches.append((swatch_colour(handle), getattr(handle, "get_linestyle", str)()))
            assert len(set(swatches)) == len(swatches), f"{where}: two legend entries look the same"
        # Opaque background: the figure reads the same on a dark page.
        assert to_rgba(figure.get_facecolor())[3] == 1.0
        plt.close("all")


def test_chapter_6_legend_has_one_colour_per_family():
    where, code = next((w, c) for w, c in BLOCKS if w.startswith("06-") and "family" in c)
    with matplotlib.rc_context(RC):
        plt.close("all")
        exec(compile(code, where, "exec"), {"np": np, "plt": plt, "__name__": "__plot__"})
        colours = [swatch_colour(h) for h in plt.gca().get_legend().legend_handles]
        plt.close("all")
    assert len(colours) >= 4 and len(set(colours)) == len(colours)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_figure_shows_in_both_themes(browser, base_url, site, scheme):
    ctx = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    shown = []
    for path in sorted(site.glob("[0-9][0-9]-*.html")):
        page.goto(base_url + path.name, wait_until="load")
        shown += page.evaluate(
            """() => [...document.querySelectorAll('figure.llmterms-plot img')].map(img =>
                 [img.getAttribute('src'), img.complete && img.naturalWidth > 0, img.getBoundingClientRect().width,
                  document.documentElement.dataset.theme])"""
        )
    ctx.close()
    assert len(shown) == len(BLOCKS)
    assert all(ok and width > 200 and theme == scheme for _, ok, width, theme in shown), shown
    svgs = [site / src for src, *_ in shown]
    for svg in svgs:
        text = svg.read_text()
        # The figure's own background: matplotlib's first patch, filled white.
        assert re.search(
            r'<path d="M 0 \S+ \nL \S+ \S+ \nL \S+ 0 \nL 0 0 \nz\n" style="fill: #ffffff', text
        ), svg.name
