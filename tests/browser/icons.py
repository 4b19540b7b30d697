"""Write docs/_static/llmterms-icons.css from the Font Awesome script pydata-sphinx-theme ships.

Run when the theme is upgraded: ``python tests/browser/icons.py``. The script holds three icon packs
(brands, regular, solid), each starting ``var b={``; each icon is ``name:[width,height,[aliases],"code",
"path"]``. The paths become SVG masks painted in the text colour, so no page loads the script or a font.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pydata_sphinx_theme

STATIC = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
OUT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "llmterms-icons.css"
#: The fa-* icons the theme's templates use (tests/browser/test_budget.py checks the built pages).
THEME_ICONS = ["angle-left", "angle-right", "arrow-up", "bars", "chevron-down", "circle-half-stroke", "list"]
THEME_ICONS += ["magnifying-glass", "moon", "outdent", "sun"]
#: pydata-sphinx-theme's icon per admonition type (its --pst-icon-admonition-* variables), by code point.
ADMONITIONS = {
    "f0f3": [""],
    "f05a": ["note"],
    "f071": ["warning", "caution", "danger"],
    "f06a": ["attention", "important"],
    "f057": ["error"],
    "f0eb": ["hint", "tip"],
    "f064": ["seealso"],
    "f303": ["admonition-todo"],
}
MASK = """  content: "";
  font: inherit;
  display: inline-block;
  width: 1em;
  height: 1em;
  vertical-align: -0.125em;
  background-color: currentColor;
  -webkit-mask: var(--llmterms-icon) no-repeat center / contain;
  mask: var(--llmterms-icon) no-repeat center / contain;"""
HEAD = f"""/* The theme's icons without Font Awesome's 1.56 MB script and 115 kB font: the icons the pages use, each an
 * SVG mask painted in the text colour. Paths from Font Awesome Free 7.2.0, as shipped by pydata-sphinx-theme
 * 0.20.0; icons CC BY 4.0, https://fontawesome.com/license/free. Written by tests/browser/icons.py; a browser
 * test checks that every fa-* icon on a built page has a rule here and that no page loads Font Awesome. */
.fa-solid, .fas {{ font-family: inherit; }}
.fa-solid::before, .fas::before,
.admonition > .admonition-title::after, div.admonition > .admonition-title::after,
nav.bd-links li > a.reference.external::after, .nav-link.nav-external::after,
a.github::before, a.gitlab::before {{
{MASK}
}}
.admonition > .admonition-title::after, div.admonition > .admonition-title::after {{ top: 0.55rem; }}
a.github::before, a.gitlab::before {{ margin-right: 0.2em; }}"""
ICON = re.compile(r'[{,]"?([a-z0-9-]+)"?:\[(\d+),(\d+),\[[^\]]*\],"(\w+)","([^"]+)"\]')


def packs() -> tuple[dict, dict]:
    """The brands and solid packs, each as name -> (width, height, path) and code -> the same."""
    js = (STATIC / "scripts" / "fontawesome.js").read_text()
    brands_at, regular_at, solid_at = [m.start() for m in re.finditer(r"var b=\{", js)][:3]
    found = []
    for text in (js[brands_at:regular_at], js[solid_at:]):
        pack = {}
        for name, width, height, code, path in ICON.findall(text):
            pack.setdefault(name, (width, height, path))
            pack.setdefault(code, (width, height, path))
        found.append(pack)
    return found[0], found[1]


def mask(icon: tuple[str, str, str]) -> str:
    width, height, path = icon
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'><path d='{path}'/></svg>"
    return f'url("data:image/svg+xml,{urllib.parse.quote(svg, safe=" =:/,.-")}")'


def stylesheet() -> str:
    brands, solid = packs()
    lines = [HEAD]
    lines += [f".fa-{name} {{ --llmterms-icon: {mask(solid[name])}; }}" for name in THEME_ICONS]
    for code, kinds in ADMONITIONS.items():
        selectors = ", ".join(f".admonition{'.' + k if k else ''} > .admonition-title" for k in kinds)
        lines.append(f"{selectors} {{ --llmterms-icon: {mask(solid[code])}; }}")
    external = "nav.bd-links li > a.reference.external, .nav-link.nav-external"
    lines.append(f"{external} {{ --llmterms-icon: {mask(solid['f35d'])}; }}")
    lines += [f"a.{name} {{ --llmterms-icon: {mask(brands[name])}; }}" for name in ("github", "gitlab")]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUT.write_text(stylesheet(), encoding="utf-8")
