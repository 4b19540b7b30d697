"""The theme's stylesheet without the rules no page can use: 310 kB of pydata-sphinx-theme's CSS is 110 kB.

pydata-sphinx-theme 0.20 ships one 376 kB stylesheet, most of it Bootstrap's utility classes and Font
Awesome's 2,000 icon rules, which every page loads (issue 18: a chapter's first visit was 2.9 MB). Once the
site is written, each selector that names a class found in no page and no script of the site is dropped;
a rule goes when all its selectors go. The test is conservative: a class inside ``:not()``, ``:is()``,
``:where()`` or ``:has()`` does not count (dropping those could change what matches), and any word of a
script counts as a class it may add. Sphinx copies the theme's file again on every build, so each build
starts from the full stylesheet and sees every page, the ones it did not rewrite too.

>>> used = {"btn", "show"}
>>> purge(".btn{a:1}.modal,.show{b:2}@media (min-width:1px){.col-9{c:3}}p:not(.x){d:4}", used)
'.btn{a:1}.show{b:2}p:not(.x){d:4}'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from sphinx.application import Sphinx

#: The stylesheets purged, relative to the output's _static folder.
TARGETS: tuple[str, ...] = ("styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css", "basic.css")
TARGETS += ("sphinx-design.min.css",)
_WORD = re.compile(r"-?[A-Za-z_][\w-]*")
_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
_FUNCTIONS = re.compile(r":(?:not|is|where|has|host|host-context)\((?:[^()]|\([^()]*\))*\)")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]")
_GROUPS = ("@media", "@supports", "@layer", "@container")


def _skip(text: str, i: int, stop: str) -> int:
    """The index of the first character of ``stop`` at or after ``i``, outside strings and comments."""
    quote = None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 1
        elif c in stop:
            return i
        i += 1
    return len(text)


def _blocks(text: str) -> Iterator[tuple[str, str | None]]:
    """The top-level statements of a stylesheet as (prelude, body); body is None for ``@import ...;``."""
    i = 0
    while i < len(text):
        j = _skip(text, i, "{;")
        if j >= len(text):
            yield text[i:], None
            return
        if text[j] == ";":
            yield text[i : j + 1], None
            i = j + 1
            continue
        depth, k = 1, j + 1
        while depth and k < len(text):
            k = _skip(text, k, "{}")
            if k < len(text):
                depth += 1 if text[k] == "{" else -1
                k += 1
        yield text[i:j], text[j + 1 : k - 1]
        i = k


def _selectors(prelude: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for c in prelude:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return parts


def _needed(selector: str, used: set[str]) -> bool:
    plain = _FUNCTIONS.sub("", _QUOTED.sub("", selector))
    return all(name in used for name in _CLASS.findall(plain))


def purge(css: str, used: set[str]) -> str:
    """``css`` without the selectors that name a class not in ``used``, and without rules left empty."""
    out = []
    for prelude, body in _blocks(css):
        head = prelude.strip()
        if body is None:
            out.append(prelude)
        elif head.startswith(_GROUPS):
            inner = purge(body, used)
            if inner.strip():
                out.append(f"{head}{{{inner}}}")
        elif head.startswith("@"):  # @font-face, @keyframes, @page: kept whole
            out.append(f"{head}{{{body}}}")
        else:
            kept = [s.strip() for s in _selectors(prelude) if _needed(s, used)]
            if kept and head:
                out.append(f"{','.join(kept)}{{{body}}}")
    return "".join(out)


def words_of_site(outdir: Path) -> set[str]:
    """Every word of every page and script of the built site: each class a page has or a script may add."""
    found: set[str] = set()
    for path in outdir.rglob("*"):
        if path.suffix in {".html", ".js"} and path.is_file():
            found.update(_WORD.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return found


def _purge_site(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    used = None
    for name in TARGETS:
        path = Path(app.outdir) / "_static" / name
        if path.is_file():
            used = used if used is not None else words_of_site(Path(app.outdir))
            path.write_text(purge(path.read_text(encoding="utf-8"), used), encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.connect("build-finished", _purge_site)
