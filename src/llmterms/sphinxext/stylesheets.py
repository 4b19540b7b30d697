"""Each page's stylesheets and head scripts inlined in its head, without the CSS that page cannot use.

On a slow phone each file the head waits for costs a round trip (562 ms on Slow 4G) and its bytes before
the first paint (issue 18: 2.3-3.3 s with the stylesheets as files). pydata-sphinx-theme 0.20 ships one
376 kB stylesheet, most of it Bootstrap's utility classes and Font Awesome's icon rules. Once the site is
written, each page gets, in a ``<style>`` where its layout put the placeholder
``<style data-llmterms-inline="...">``, the rules of the listed files that can match it, minified: a
selector that names a class found neither in the page nor in a script it loads is dropped, a rule goes when
all its selectors go, and a custom property goes when nothing the page keeps reads it (80-110 kB a page).
The test is conservative: a class inside ``:not()``, ``:is()``, ``:where()`` or ``:has()`` does not count
(dropping those could change what matches), and any word of a script counts as a class it may add. The
scripts the head waits for (``documentation_options.js``, Sphinx's one blocking script, and any other
without ``defer``) are written into the page too: the page paints from one request, in its final look.

Sphinx copies the theme's files again on every build and rewrites only the pages it wrote; the rest keep
what a former build inlined. Each page is taken back to what Sphinx wrote before it is inlined, and stamped
with a checksum of that and of the files it inlines or loads, so a page is inlined again exactly when a
clean build would inline it differently.

>>> used = {"btn", "show"}
>>> purge(".btn{a:1}.modal,.show{b:2}@media (min-width:1px){.col-9{c:3}}p:not(.x){d:4}", used)
'.btn{a:1}.show{b:2}p:not(.x){d:4}'
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sphinx.application import Sphinx

from llmterms.sphinxext import computed

_WORD = re.compile(r"-?[A-Za-z_][\w-]*")
_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
_FUNCTIONS = re.compile(r":(?:not|is|where|has|host|host-context)\((?:[^()]|\([^()]*\))*\)")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]")
_GROUPS = ("@media", "@supports", "@layer", "@container")
_READS = re.compile(r"var\(\s*(--[\w-]+)")
_CUSTOM = re.compile(r"--[\w-]+")
_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]*)\1\s*\)")
#: Where a page's layout wants its stylesheets: the files, as the page links them, separated by spaces.
_PLACEHOLDER = re.compile(
    r'<style data-llmterms-inline="([^"]*)"(?: data-llmterms-stamp="([0-9a-f]*)")?>(.*?)</style>', re.S
)
_SCRIPT = re.compile(r'<script\b[^>]*\bsrc="([^"?#]+)[^"]*"[^>]*>')
#: A script the parser waits for (no defer, async or module), as Sphinx writes one; and as written here.
_HEAD_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_INLINED_SCRIPT = re.compile(r'<script data-llmterms-inline="([^"]+)">.*?</script>', re.S)


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


def minify(css: str) -> str:
    r"""``css`` without comments, and without whitespace that means nothing (strings are left as they are).

    A comment is whitespace to CSS; a run of whitespace is one space, and none next to ``{};,``.

    >>> minify('/* head */\na > b ,\n c {\n  content: " x  y ";\n}\n')
    'a > b,c{content: " x  y ";}'
    """
    out: list[str] = []
    space = False
    i = 0
    while i < len(css):
        c = css[i]
        if c in "\"'":
            j = i + 1
            while j < len(css) and css[j] != c:
                j += 2 if css[j] == "\\" else 1
            token = css[i : j + 1]
        elif css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = len(css) if end < 0 else end + 2
            space = True
            continue
        elif c.isspace():
            space = True
            i += 1
            continue
        else:
            token, j = c, i
        if space and out and out[-1][-1] not in "{};," and token not in "{};,":
            out.append(" ")
        space = False
        out.append(token)
        i = j + 1
    return "".join(out)


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


@dataclass
class _Declaration:
    text: str
    custom: str  # the custom property it sets, or ""
    reads: frozenset[str]  # the custom properties its value reads
    names: frozenset[str]  # the words of an animation's value: the @keyframes it may name


@dataclass
class _Rule:
    selectors: list[tuple[str, bool, frozenset[str]]]  # (text, keeps whatever the classes, classes named)
    body: str
    declarations: list[_Declaration] = field(default_factory=list)


@dataclass
class _Group:
    head: str
    units: list


@dataclass
class _Raw:
    text: str
    keyframes: str = ""  # the name of an @keyframes block, which goes when nothing names it


def _declarations(body: str) -> list[_Declaration]:
    parts, depth, start, i = [], 0, 0, 0
    while i <= len(body):
        j = _skip(body, i, "();") if i < len(body) else len(body)
        if j >= len(body):
            parts.append(body[start:])
            break
        depth += {"(": 1, ")": -1}.get(body[j], 0)
        if body[j] == ";" and depth == 0:
            parts.append(body[start:j])
            start = j + 1
        i = j + 1
    out = []
    for text in parts:
        name, _, value = text.partition(":")
        name = name.strip()
        if not text.strip():
            continue
        animated = name.startswith(("animation", "--"))
        out.append(
            _Declaration(
                f"{name}:{value.strip()}" if value else text.strip(),
                name if name.startswith("--") else "",
                frozenset(_READS.findall(value)),
                frozenset(_WORD.findall(value)) if animated else frozenset(),
            )
        )
    return out


def _parse(css: str) -> list:
    units: list = []
    for prelude, body in _blocks(css):
        head = prelude.strip()
        if body is None:
            units.append(_Raw(prelude))
        elif head.startswith(_GROUPS):
            units.append(_Group(head, _parse(body)))
        elif head.startswith("@"):  # @font-face, @keyframes, @page: kept whole
            name = head.split()[1] if head.startswith(("@keyframes", "@-webkit-keyframes")) else ""
            units.append(_Raw(f"{head}{{{body}}}", name))
        elif head:
            selectors = []
            for s in _selectors(prelude):
                plain = _FUNCTIONS.sub("", _QUOTED.sub("", s))
                selectors.append((s.strip(), False, frozenset(_CLASS.findall(plain))))
            declarations = [] if "{" in body else _declarations(body)
            units.append(_Rule(selectors, body, declarations))
    return units


def _vocabulary(units: list, kind: type) -> Iterator[str]:
    """The class and @keyframes names (``kind`` _Rule), or the custom properties set (_Declaration)."""
    for unit in units:
        if isinstance(unit, _Group):
            yield from _vocabulary(unit.units, kind)
        elif isinstance(unit, _Raw):
            if kind is _Rule and unit.keyframes:
                yield unit.keyframes
        elif kind is _Rule:
            for _, _, classes in unit.selectors:
                yield from classes
        else:
            yield from (d.custom for d in unit.declarations if d.custom)


def _relevant(words: frozenset[str], customs: frozenset[str], used: set[str], reads: set[str] | None):
    return (
        frozenset(words.intersection(used)),
        None if reads is None else frozenset(r for r in reads if r in customs or r.endswith("-")),
    )


class Stylesheet:
    """A stylesheet read once, from which each page takes the rules it can use.

    >>> sheet = Stylesheet(":root{--a:red;--b:blue}.x{color:var(--a)}.y{color:var(--b)}")
    >>> sheet.select({"x"}, reads=set())
    ':root{--a:red}.x{color:var(--a)}'
    """

    def __init__(self, css: str):
        self.units = _parse(minify(css))
        self.words: frozenset[str] = frozenset(_vocabulary(self.units, _Rule))
        self.customs: frozenset[str] = frozenset(_vocabulary(self.units, _Declaration))

    def select(self, used: set[str], reads: set[str] | None = None) -> str:
        """The rules whose selectors name only classes in ``used``; with ``reads`` (custom properties the
        page's HTML and scripts read; a name ending in "-" stands for every name it starts), only the custom
        properties something kept reads."""
        return self._select(*self.relevant(used, reads))

    def relevant(
        self, used: set[str], reads: set[str] | None
    ) -> tuple[frozenset[str], frozenset[str] | None]:
        """What :meth:`select` reads of its arguments: the sheet's classes and @keyframes names in ``used``,
        its custom properties and the prefixes in ``reads``; pages that agree on these get the same rules.

        >>> sheet = Stylesheet(":root{--b:0}.x{a:var(--b)}")
        >>> classes, reads = sheet.relevant({"x", "y"}, {"--b", "--c", "--d-"})
        >>> sorted(classes), sorted(reads)
        (['x'], ['--b', '--d-'])
        """
        return _relevant(self.words, self.customs, used, reads)

    def _select(self, used: frozenset[str], reads: frozenset[str] | None) -> str:
        kept: list[tuple[_Rule, list[str]]] = []
        self._pick(self.units, used, kept)
        chosen = {id(rule): selectors for rule, selectors in kept}
        if reads is None:
            return self._render(self.units, chosen, None, None)
        read = set(reads)
        sets: dict[str, list[frozenset[str]]] = {}
        names: set[str] = set(used)
        for rule, _ in kept:
            for d in rule.declarations:
                if d.custom:
                    sets.setdefault(d.custom, []).append(d.reads)
                else:
                    read |= d.reads
                    names |= d.names
        prefixes = tuple(name for name in reads if name.endswith("-"))
        read |= {name for name in sets if prefixes and name.startswith(prefixes)}
        todo = list(read)
        while todo:
            for more in sets.get(todo.pop(), ()):
                new = more - read
                read |= new
                todo.extend(new)
        for rule, _ in kept:
            for d in rule.declarations:
                if d.custom in read:
                    names |= d.names
        return self._render(self.units, chosen, read, names)

    def _pick(self, units: list, used: frozenset[str], kept: list) -> None:
        for unit in units:
            if isinstance(unit, _Group):
                self._pick(unit.units, used, kept)
            elif isinstance(unit, _Rule):
                selectors = [text for text, _, classes in unit.selectors if classes <= used]
                if selectors:
                    kept.append((unit, selectors))

    def _render(self, units: list, kept: dict, read: set[str] | None, names: set[str] | None) -> str:
        out = []
        for unit in units:
            if isinstance(unit, _Group):
                inner = self._render(unit.units, kept, read, names)
                if inner.strip():
                    out.append(f"{unit.head}{{{inner}}}")
            elif isinstance(unit, _Raw):
                if not unit.keyframes or names is None or unit.keyframes in names:
                    out.append(unit.text)
            else:
                selectors = kept.get(id(unit))
                if not selectors:
                    continue
                if read is None or not unit.declarations:
                    body = unit.body
                else:
                    body = ";".join(d.text for d in unit.declarations if not d.custom or d.custom in read)
                    if not body:
                        continue
                out.append(f"{','.join(selectors)}{{{body}}}")
        return "".join(out)


def purge(css: str, used: set[str]) -> str:
    """``css`` without the selectors that name a class not in ``used``, and without rules left empty."""
    return Stylesheet(css).select(used)


def rebase(css: str, source: str, page: str) -> str:
    """``css`` from the file at ``source`` with its relative URLs made relative to the page at ``page``.

    >>> rebase("a{b:url(../fonts/x.woff2)}c{d:url(data:,y)}", "_static/styles/t.css", "glossary/one.html")
    'a{b:url(../_static/fonts/x.woff2)}c{d:url(data:,y)}'
    """

    def move(match: re.Match) -> str:
        target = match.group(2)
        if not target or re.match(r"[a-z][a-z0-9+.-]*:|/|#", target):
            return match.group(0)
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
        moved = posixpath.relpath(joined, posixpath.dirname(page) or ".")
        return f"url({match.group(1)}{moved}{match.group(1)})"

    return _URL.sub(move, css)


#: What a parsed stylesheet is a function of besides its text: this module's code.
_CODE = Path(__file__).read_bytes()


class _Site:
    """The files pages inline or load, each read at most once per build, and each page's rules.

    Parsing the six stylesheets took 1.6 s and selecting from them 0.6 s of a chapter build, for rules that
    are mostly those the last build selected. So the selections are kept in build/cache, by stylesheet
    (its text and this module's code) and by what the selection depends on (:meth:`Stylesheet.relevant`),
    one for each page that now uses it; a stylesheet is parsed (or its parse loaded) only for a selection
    not kept.
    """

    def __init__(self, outdir: Path, app: Sphinx | None = None):
        self.outdir = outdir
        self.app = app
        self.texts: dict[str, str] = {}
        self.sheets: dict[str, Stylesheet] = {}
        self.kept: dict[str, dict] = {}  # by sheet: its key, words, customs, answers and the pages' choices
        self.changed: set[str] = set()
        self.pages: set[str] = set()  # every page of the site, inlined in this build or not
        self.signatures: dict[tuple[str, ...], int] = {}
        self.keys: dict[str, str] = {}  # each sheet's cache key: its text and this module's code

    def text(self, name: str) -> str:
        if name not in self.texts:
            path = self.outdir / name
            self.texts[name] = path.read_text(encoding="utf-8") if path.is_file() else ""
        return self.texts[name]

    def signature(self, names: tuple[str, ...]) -> int:
        """A checksum of the named files' content (their names included)."""
        if names not in self.signatures:
            self.signatures[names] = zlib.crc32("\0".join([*names, *map(self.text, names)]).encode())
        return self.signatures[names]

    def _key(self, name: str) -> str:
        if name not in self.keys:
            self.keys[name] = hashlib.sha256(_CODE + b"\0" + self.text(name).encode("utf-8")).hexdigest()
        return self.keys[name]

    def sheet(self, name: str) -> Stylesheet:
        if name not in self.sheets:
            key = self._key(name)
            kept = computed.load(self.app, "stylesheets", key) if self.app else None
            self.sheets[name] = kept if isinstance(kept, Stylesheet) else Stylesheet(self.text(name))
            if self.app and not isinstance(kept, Stylesheet):
                computed.save(self.app, "stylesheets", key, self.sheets[name])
        return self.sheets[name]

    def _answers(self, name: str) -> dict:
        if name not in self.kept:
            key = self._key(name)
            kept = computed.load(self.app, "stylesheet-rules", key) if self.app else None
            if not isinstance(kept, dict):
                sheet = self.sheet(name)
                kept = {
                    "key": key,
                    "words": sheet.words,
                    "customs": sheet.customs,
                    "answers": {},
                    "pages": {},
                }
            self.kept[name] = kept
        return self.kept[name]

    def select(self, name: str, page: str, used: set[str], reads: set[str]) -> str:
        """The rules of stylesheet ``name`` for ``page``: :meth:`Stylesheet.select`, kept."""
        kept = self._answers(name)
        relevant = _relevant(kept["words"], kept["customs"], used, reads)
        if relevant not in kept["answers"]:
            kept["answers"][relevant] = self.sheet(name)._select(*relevant)
            self.changed.add(name)
        if kept["pages"].get(page) != relevant:
            kept["pages"][page] = relevant
            self.changed.add(name)
        return kept["answers"][relevant]

    def save(self) -> None:
        """Keep the selections the site's pages now use, and only those."""
        for name, kept in self.kept.items():
            pages = {page: choice for page, choice in kept["pages"].items() if page in self.pages}
            if self.app and (name in self.changed or pages != kept["pages"]):
                answers = {choice: kept["answers"][choice] for choice in set(pages.values())}
                computed.save(
                    self.app, "stylesheet-rules", kept["key"], kept | {"answers": answers, "pages": pages}
                )


def _plain(html: str) -> str:
    """The page as Sphinx wrote it: its placeholder empty, and each script inlined here back as a link."""
    html = _PLACEHOLDER.sub(lambda m: f'<style data-llmterms-inline="{m.group(1)}"></style>', html, count=1)
    return _INLINED_SCRIPT.sub(lambda m: f'<script src="{m.group(1)}"></script>', html)


def _inline(site: _Site, page: Path) -> None:
    """Write into the page's placeholder the rules it can use, and into its head the scripts it waits for,
    unless a former build did so from the same page and the same files."""
    where = page.relative_to(site.outdir).as_posix()
    site.pages.add(where)
    notes = computed.output_notes(site.app) if site.app else {}
    noted = notes.get(f"inlined {where}")
    if noted and noted[0] == computed.stat_of(page) and noted[2] == site.signature(noted[1]):
        return  # the file this function last left, from files that are still the same
    written = page.read_text(encoding="utf-8")
    html = _plain(written)
    found = _PLACEHOLDER.search(html)
    if not found:
        return
    here = posixpath.dirname(where)

    def local(href: str) -> str:
        return posixpath.normpath(posixpath.join(here, href.split("?")[0].split("#")[0]))

    sheets = [local(href) for href in found.group(1).split()]
    scripts = [local(src) for src in _SCRIPT.findall(html)]
    inputs = [site.text(name) for name in sheets + scripts]
    stamp = f"{zlib.crc32(chr(0).join([html, *sheets, *scripts, *inputs]).encode()):08x}"
    named = tuple(sheets + scripts)

    def note() -> None:
        notes[f"inlined {where}"] = (computed.stat_of(page), named, site.signature(named))

    if f'data-llmterms-stamp="{stamp}"' in written:  # as the last build left it
        note()
        return
    texts = [html, *inputs[len(sheets) :]]
    used = {word for text in texts for word in _WORD.findall(text)}
    reads = {name for text in texts for name in _CUSTOM.findall(text)}
    css = "".join(rebase(site.select(name, where, used, reads), name, where) for name in sheets)
    if "</style" in css.lower():
        raise ValueError(f"{sheets}: a stylesheet that closes the <style> element cannot be inlined")
    style = f'<style data-llmterms-inline="{found.group(1)}" data-llmterms-stamp="{stamp}">{css}</style>'

    def script(match: re.Match) -> str:
        if not (site.outdir / local(match.group(1))).is_file():
            return match.group(0)
        # Its code may not close the element: "</" is "<\/" to JavaScript in strings, regexps and comments.
        code = site.text(local(match.group(1))).replace("</", "<\\/")
        return f'<script data-llmterms-inline="{match.group(1)}">{code}</script>'

    end = html.index("</head>")
    head = _HEAD_SCRIPT.sub(script, html[found.end() : end])
    out = html[: found.start()] + style + head + html[end:]
    page.write_text(out, encoding="utf-8")
    note()


def _inline_site(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    site = _Site(Path(app.outdir), app)
    for page in sorted(site.outdir.rglob("*.html")):
        if not {"_static", "_sources"} & set(page.relative_to(site.outdir).parts):
            _inline(site, page)
    site.save()


def setup(app: Sphinx) -> None:
    app.connect("build-finished", _inline_site)
