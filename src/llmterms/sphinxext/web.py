"""The glossary on the web: published data and the scripts behind tooltips, filtering and search.

Each page loads only what it uses (issue 18: every page used to load every script and all data):

- ``_static/llmterms-tips/<page>.js``: the entries a chapter links (names, status, summary, anchor), for its
  tooltips; only pages with ``{term}`` links load one, with ``llmterms.js``. A glossary category page reads
  its own entries' facts from the page, and the glossary's index needs none.
- for the search page's glossary block, ranked as ``llmterms search`` ranks (:mod:`llmterms.ranking`'s
  input, computed here by the same functions), in the order its results need them (issue 18: results
  within 3 s on a slow phone): each entry's names and what its result line shows, written into the search
  page's head with ``llmterms-search.js``, which ranks and draws the block;
  ``_static/llmterms-glossary.js``, the summaries, filled in after; ``_static/llmterms-words/<letter>.js``,
  which entries' text holds each word, loaded only for a query's letters when it matches fewer than five
  names. ``llmterms-search-pages.js`` lists Sphinx's page results below the block.
- ``glossary.json`` at the site root publishes the entries for other programs.

The data are scripts, not JSON fetched at run time, because browsers refuse ``fetch()`` on pages opened from
a folder (``file://``). They come from the ``llmterms`` domain's data (:mod:`llmterms.sphinxext.domain`),
and a file whose content is unchanged is not written again.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.writers.html5 import HTML5Translator

from llmterms import glossary as _glossary
from llmterms.ranking import normalize, words
from llmterms.sphinxext import computed, stylesheets
from llmterms.sphinxext.directive import loaded_glossary
from llmterms.sphinxext.domain import GlossaryDomain, domain_of, glossary_dir

STATIC = Path(__file__).parent / "static"
SCRIPT = "llmterms-glossary.js"
WORDS = "llmterms-words"
TEXT = "llmterms-text"
#: How much of each section's own text the search page's snippets can draw on (characters).
SNIPPET_TEXT = 700
TIPS = "llmterms-tips"


def _is_site(app: Sphinx) -> bool:
    """The web site's builders; not the EPUB's, which has its own theme and no scripts."""
    return app.builder.name in {"html", "dirhtml"}


def _entries_data(domain: GlossaryDomain) -> list[dict]:
    anchors: dict[str, dict[str, str]] = {}
    for name, (docname, anchor, term) in domain.names.items():
        anchors.setdefault(term, {})[name] = f"{docname}.html#{anchor}"
    used = domain.used_in()
    data = []
    for entry in domain.entries:
        links = anchors.get(entry["term"], {})
        data.append(
            {
                **entry,
                "url": links.get(entry["term"], ""),
                "alias_urls": {alias: links[alias] for alias in entry["aliases"] if alias in links},
                "used_in": used.get(entry["term"], []),
            }
        )
    return data


def _compact(entry: dict) -> dict:
    """An entry as the scripts read it: short keys, because every page with a term link loads some."""
    return {
        "t": entry["term"],
        "a": entry["aliases"],
        "c": _glossary.CATEGORIES[entry["category"]],
        "s": entry["summary"],
        "st": entry["status"],
        "u": entry["url"],
        "au": entry["alias_urls"],
    }


def _ranking_data(glossary: _glossary.Glossary, data: list[dict]) -> dict:
    """What :meth:`llmterms.glossary.Glossary.search` compares by name, in its tie-breaking order.

    Each entry's result line (:func:`_line`) and its names as :func:`llmterms.ranking.name_score` takes
    them: each name its words joined by spaces (the normal form is the words joined), names joined by ``|``.
    Every byte here is on the way to the first result: categories and pages are named once.
    """
    urls = {entry["term"]: entry["url"].partition("#")[::2] for entry in data}
    slugs = list(_glossary.CATEGORIES)
    pages = sorted({page for page, _ in urls.values()})
    return {
        "categories": [_glossary.CATEGORIES[slug] for slug in slugs],
        "pages": pages,
        "entries": [
            _line(e.term, slugs.index(e.category), pages.index(urls[e.term][0]), urls[e.term][1], e.status)
            for e in glossary.ordered()
        ],
        "names": ["|".join(" ".join(w) for _, w in names) for names in glossary.search_index()],
    }


def _words_data(glossary: _glossary.Glossary) -> dict[str, dict[str, list[list[int]]]]:
    """The text, which only queries matching fewer than five names need, by first letter: each word ->
    the entries (in :meth:`~llmterms.glossary.Glossary.ordered` order) whose summary holds it and those
    whose body alone does (:func:`llmterms.ranking.text_score` scores 2 and 1)."""
    letters: dict[str, dict[str, list[list[int]]]] = {}
    for i, e in enumerate(glossary.ordered()):
        summary = set(words(e.summary))
        # A word of the summary scores as one there (text_score), so the body lists only the others.
        body = set(words(_glossary.plain_text(e.body, width=None))) - summary
        for kind, found in ((0, summary), (1, body)):
            for word in found:
                letters.setdefault(_letter(word), {}).setdefault(word, [[], []])[kind].append(i)
    return {key: dict(sorted(found.items())) for key, found in sorted(letters.items())}


def _line(term: str, category: int, page: int, anchor: str, status: str) -> list:
    """An entry's result line: term, category and page (positions in their lists), then its anchor and
    status only where they are not what most entries have (the anchor Sphinx gives most terms, "current").

    >>> _line("KV cache", 1, 0, "term-KV-cache", "current")
    ['KV cache', 1, 0]
    >>> _line("pass@k", 11, 0, "term-pass-k", "current"), _line("GGML", 3, 0, "term-GGML", "obsolete")
    (['pass@k', 11, 0, 'term-pass-k'], ['GGML', 3, 0, '', 'obsolete'])
    """
    line: list = [term, category, page]
    # llmterms-search.js builds the usual anchor the same way: "term-" and the term, a hyphen per space.
    usual = anchor == "term-" + "-".join(term.split())
    if status != "current":
        line += ["" if usual else anchor, status]
    elif not usual:
        line.append(anchor)
    return line


def _letter(word: str) -> str:
    """The file a word's entries are in: its first letter, or its code point where a file name could not
    hold it (llmterms-search.js computes the same).

    >>> _letter("cache"), _letter("7b"), _letter("θ")
    ('c', '7', 'u3b8')
    """
    first = word[0]
    return first if first.isascii() and first.isalnum() else f"u{ord(first):x}"


def _write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _stamp(data: bytes) -> str:
    return f"{zlib.crc32(data):08x}"  # what Sphinx puts after "?v=" (sphinx/builders/html/_assets.py)


def _publish(out: Path, name: str, text: str) -> None:
    """Write ``_static/<name>`` if its content changed, and point the pages that load it at the new stamp."""
    path = out / "_static" / name
    before = path.read_bytes() if path.is_file() else b""
    if _write_if_changed(path, text) and before:
        _restamp_pages(out, name, _stamp(before), _stamp(path.read_bytes()))


def _tip_entries(domain: GlossaryDomain, compact: dict[str, dict]) -> dict[str, list[dict]]:
    """Each page (not the glossary's index) -> the entries its ``{term}`` links point at, in glossary order.

    Each with the anchors the page's links use (``k``), so a tooltip finds its entry by the link's target.
    """
    order = {term: i for i, term in enumerate(compact)}
    pages = {}
    by_name = {normalize(name): (doc, anchor, term) for name, (doc, anchor, term) in domain.names.items()}
    for docname, targets in domain.data["uses"].items():
        if docname == domain.index_docname:
            continue
        anchors: dict[str, set[str]] = {}
        for target in targets:
            if normalize(target) in by_name:
                doc, anchor, term = by_name[normalize(target)]
                if doc != docname:  # an entry on the page itself is read from the page
                    anchors.setdefault(term, set()).add(anchor)
        if anchors:
            pages[docname] = [
                {key: compact[term][key] for key in ("t", "s", "st", "u")} | {"k": sorted(anchors[term])}
                for term in sorted(anchors, key=order.__getitem__)
            ]
    return pages


def _json(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _script(variable: str, payload) -> str:
    return f"window.{variable} = {_json(payload)};\n"


def _package_glossary(app: Sphinx) -> _glossary.Glossary:
    """The glossary as the package reads it, read once per content of the entries."""
    glossary = loaded_glossary(app)
    if isinstance(glossary, list):  # unreadable: the pages reported why
        glossary = _glossary.Glossary((), glossary_dir(app))
    return glossary


def _words_scripts(app: Sphinx, glossary: _glossary.Glossary) -> dict[str, str]:
    """The glossary's words by letter (:func:`_words_data`, 0.3 s), each letter's as the script that holds
    it, computed once per content of the entries (kept as text, the scripts load in 1 ms, not 100)."""

    def scripts() -> dict[str, str]:
        return {
            key: f"LLMTERMS_WORDS.set({json.dumps(key)}, {_json(found)});\n"
            for key, found in _words_data(glossary).items()
        }

    key = computed.key(app, "glossary-words", computed.digest_of(glossary_dir(app)))
    return computed.kept(app, "glossary-words", key, scripts)  # type: ignore[return-value]


def _write_data(app: Sphinx, env) -> None:
    # Written once reading is done and before any page is: each page's <script ...?v=checksum> stamp is
    # computed from these files, so they must already hold this build's data.
    domain = domain_of(env)
    if not _is_site(app) or not domain.entries:
        return
    out = Path(app.outdir)
    # The files are a function of what the pages recorded and of the package's code: a build that read
    # no page, with the code unchanged since they were written, would write them again byte for byte.
    # Noted with the output, not in the domain's data: a build that reads no page does not pickle the
    # environment, so after a package edit every such build would write the files again.
    written_with = computed.inputs_digest(app)
    notes = computed.output_notes(app)
    if not _READ.get(id(app)) and notes.get("web data") == written_with and (out / "glossary.json").is_file():
        return
    notes["web data"] = written_with
    data = _entries_data(domain)
    _write_if_changed(out / "glossary.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    compact = {e["term"]: _compact(e) for e in data}
    # The entries as the package reads them (a cached load): the ranking's input is what `llmterms search`
    # ranks, not a copy of its rules. The names are in the search page itself (_search_script).
    glossary = _package_glossary(app)
    _publish(out, SCRIPT, _script("LLMTERMS_SUMMARIES", [e.summary for e in glossary.ordered()]))
    # Loaded by llmterms-search.js with <script> elements, which work from a folder too (no fetch). A letter
    # no word starts with any more leaves no file behind, as a clean build would not write it.
    folder = out / "_static" / WORDS
    scripts = _words_scripts(app, glossary)
    for stale in set(folder.glob("*.js")) - {folder / f"{key}.js" for key in scripts}:
        stale.unlink()
    for key, script in scripts.items():
        _write_if_changed(folder / f"{key}.js", script)
    tips = _tip_entries(domain, compact)
    for docname, entries in tips.items():
        _publish(out, f"{TIPS}/{docname}.js", _script("LLMTERMS_GLOSSARY", entries))
    # A page that no longer links another page's entry loads no tips file; a clean build would have none.
    for path in (out / "_static" / TIPS).rglob("*.js"):
        if path.relative_to(out / "_static" / TIPS).with_suffix("").as_posix() not in tips:
            path.unlink()


#: Whether this build reads any page, by application (set before reading starts).
_READ: dict[int, bool] = {}


def _note_reading(app: Sphinx, env, docnames: list[str]) -> None:
    _READ[id(app)] = bool(docnames)


def _restamp_pages(out: Path, name: str, old: str, new: str) -> None:
    """Point the pages this build will not rewrite at the new script, as a clean build's pages are.

    A summary edit re-reads only the glossary page, yet other pages name the scripts with their checksum;
    replacing the one stamp is what writing those pages again would change in them.
    """
    before, after = f"{name}?v={old}".encode(), f"{name}?v={new}".encode()
    for page in out.rglob("*.html"):
        text = page.read_bytes()
        if before in text:
            page.write_bytes(text.replace(before, after))


def _page_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Add to this page the scripts it uses, and no others."""
    if not _is_site(app):
        return
    _drop_unused(context, doctree)
    domain = domain_of(app.env)
    if pagename == "search":
        app.add_js_file("llmterms-offline.js")  # not deferred: it must run before the search does
        if script := _search_script(app, domain):
            app.add_js_file(None, body=script)
        # Deferred, and in this order: see docs/_templates/search.html.
        app.add_js_file("searchtools.js", priority=400, loading_method="defer")
        app.add_js_file("language_data.js", priority=400, loading_method="defer")
        app.add_js_file("llmterms-search-pages.js", loading_method="defer")
    else:
        # A category page reads its own entries' tooltips from the page, the others' from its tips file.
        tips = (Path(app.outdir) / "_static" / TIPS / f"{pagename}.js").is_file() and domain.data["uses"].get(
            pagename
        )
        if tips and pagename != domain.index_docname:
            app.add_js_file(f"{TIPS}/{pagename}.js", loading_method="defer")
        if tips or pagename in domain.glossary_pages:
            app.add_js_file("llmterms.js", loading_method="defer")
    _unblock(context)


def _search_script(app: Sphinx, domain: GlossaryDomain) -> str:
    """The glossary block's code and names, written into the search page's head.

    On a slow phone the page's stylesheets take two round trips; the page's own bytes arrive while the
    browser waits for them, so these 38 kB cost almost nothing there (the page's first paint moved by less
    than 0.1 s) and need no request of their own (as files, they were 0.35 s later than the first paint).
    The block is then drawn once the parser has reached the results element, a frame after the first paint.
    """
    if not domain.entries:
        return ""
    glossary = _package_glossary(app)
    code = (STATIC / "llmterms-search.js").read_text(encoding="utf-8")
    ranking = _ranking_data(glossary, _entries_data(domain))
    # The files it loads next, with this build's stamp: their positions are those of these entries.
    static = Path(app.outdir) / "_static"
    files = [static / SCRIPT, *sorted((static / WORDS).glob("*.js"))]
    ranking["v"] = _stamp(b"".join(path.read_bytes() for path in files if path.is_file()))
    text = _script("LLMTERMS_RANKING", ranking) + code
    # Nothing in it may close the <script> element or open an HTML comment inside it.
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


#: Other extensions' files, each loaded only by the pages that have what it styles or drives.
_USED_BY = {
    "sphinx-design.min.css": lambda doctree: _has_class(doctree, "sd-"),
    "design-tabs.js": lambda doctree: _has_class(doctree, "sd-tab-set"),
    "clipboard.min.js": lambda doctree: any(True for _ in doctree.findall(nodes.literal_block)),
    "copybutton.js": lambda doctree: any(True for _ in doctree.findall(nodes.literal_block)),
    "copybutton.css": lambda doctree: any(True for _ in doctree.findall(nodes.literal_block)),
    "pygments.css": lambda doctree: any(True for _ in doctree.findall(nodes.literal_block)),
}


def _has_class(doctree: nodes.document, prefix: str) -> bool:
    return any(c.startswith(prefix) for node in doctree.findall(nodes.Element) for c in node["classes"])


#: Stylesheets a page can be painted without (code colours, copy buttons): loaded without blocking. Not
#: llmterms-icons.css: before it applies, the theme's rules would fetch Font Awesome's font.
_LATE_CSS = {"pygments.css", "copybutton.css"}
#: The one script that must run in the head: the theme's inline scripts there read DOCUMENTATION_OPTIONS.
_HEAD_JS = {"documentation_options.js", "llmterms-offline.js"}


def _unblock(context: dict) -> None:
    """Let the page paint before its scripts and its decorative stylesheets arrive.

    On a slow phone every file the head waits for costs a round trip (562 ms on Slow 4G) and its bytes;
    a browser opens six connections per site, so a head of 14 files waited for three rounds.
    Scripts are deferred in their order, so each still runs after the ones before it.
    """
    from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

    def late(css):
        if Path(str(css.filename)).name not in _LATE_CSS:
            return css
        attributes = {**css.attributes, "media": "print", "onload": "this.media='all'"}
        return _CascadingStyleSheet(css.filename, priority=css.priority, **attributes)

    def deferred(js):
        name = Path(str(getattr(js, "filename", "") or "")).name
        attributes = getattr(js, "attributes", {})
        if not name or name in _HEAD_JS or {"defer", "async"} & set(attributes) or "body" in attributes:
            return js
        return _JavaScript(js.filename, priority=js.priority, **{**attributes, "defer": "defer"})

    context["css_files"][:] = [late(css) for css in context["css_files"]]
    context["script_files"][:] = [deferred(js) for js in context["script_files"]]


def _drop_unused(context: dict, doctree) -> None:
    """Leave out of this page the CSS and scripts of features it does not use (Sphinx restores the lists)."""
    if doctree is None:  # the generated pages (search, index): none of these features
        keep = lambda name: name not in _USED_BY  # noqa: E731
    else:
        keep = lambda name: name not in _USED_BY or _USED_BY[name](doctree)  # noqa: E731
    for key in ("css_files", "script_files"):
        context[key][:] = [f for f in context[key] if keep(Path(getattr(f, "filename", str(f))).name)]


def _lighten_glossary_page(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Make the glossary's pages, the heaviest (1.67 MB of HTML in one page), lighter; write the others' text.

    About 1,600 citation links on those pages repeat the bibliography's text in a hover title (300 kB): they
    keep their target, the chapters keep their titles. Wrappers that only carried classes go too.
    """
    if docname not in domain_of(app.env).glossary_pages:
        _write_text(app, doctree, docname)
        return
    for node in list(doctree.findall(nodes.reference)):
        if "reftitle" in node and node.get("refuri", "").split("#")[0].endswith("bibliography.html"):
            del node["reftitle"]
        # A link to an entry on the same page: the text without its <span class="xref std std-term"> wrapper
        # (most of 5,400 links, 180 kB); llmterms.js finds these links by their "#term-" target.
        elif "refid" in node and len(node.children) == 1 and isinstance(node.children[0], nodes.inline):
            child = node.children[0]
            if "std-term" in child["classes"]:
                node.replace(child, child.children)
    # The wrapper of each of the 1,100 citations (48 kB): nothing styles it, and no link targets its id.
    for wrapper in list(doctree.findall(nodes.inline)):
        if "bibtex-citation" in wrapper["classes"]:
            wrapper.parent.replace(wrapper, wrapper.children)


def _write_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Write each section's id, title and own text (not its subsections') for the search page's snippets.

    A snippet used to fetch the whole result page (the API page is 668 kB); this is the text alone, each
    section's first :data:`SNIPPET_TEXT` characters, and it says which section holds the words searched for.
    """
    if not _is_site(app):
        return
    sections = []
    for section in doctree.findall(nodes.section):
        if not section["ids"]:
            continue
        title = section.next_node(nodes.title)
        skip = (nodes.section, nodes.title)
        own = " ".join(child.astext() for child in section.children if not isinstance(child, skip))
        text = " ".join(own.split())
        if len(text) > SNIPPET_TEXT:  # enough to place most matches and show one; a whole page is 20-100 kB
            text = text[:SNIPPET_TEXT].rsplit(" ", 1)[0]
        sections.append([section["ids"][0], title.astext() if title else "", text])
    path = Path(app.outdir) / "_static" / TEXT / f"{docname}.json"
    _write_if_changed(path, json.dumps(sections, ensure_ascii=False, separators=(",", ":")))


def _drop_glossary_from_index(app: Sphinx, exception) -> None:
    """Take the glossary's pages out of the search index: the search page lists entries in its own block.

    Their index entries, objects and words are 150 kB of the 290 kB index every search downloads, and the
    search page drops every result on those pages (llmterms-search.js). The pages stay in ``docnames``, so
    the other pages' numbers do not change. Sphinx reads this file back in an incremental build and
    writes it again, so this runs after every build that wrote it (one that did not leaves the file this
    function last wrote, which :func:`~llmterms.sphinxext.computed.output_notes` tells apart).
    """
    path = Path(app.outdir) / "searchindex.js"
    glossary = domain_of(app.env).glossary_pages
    if exception is not None or not _is_site(app) or not glossary or not path.is_file():
        return
    notes = computed.output_notes(app)
    if notes.get("searchindex.js") == computed.stat_of(path):
        return
    text = path.read_text(encoding="utf-8")
    head, body, tail = (
        text[: text.index("(") + 1],
        text[text.index("(") + 1 : text.rindex(")")],
        text[text.rindex(")") :],
    )
    index = json.loads(body)
    drop = {i for i, docname in enumerate(index["docnames"]) if docname in glossary}
    if not drop:
        return
    for key in ("terms", "titleterms"):
        for word, found in list(index[key].items()):
            found = [d for d in (found if isinstance(found, list) else [found]) if d not in drop]
            if not found:
                del index[key][word]
            else:
                index[key][word] = found if len(found) > 1 else found[0]
    for key in ("indexentries", "alltitles"):
        for name, found in list(index[key].items()):
            found = [f for f in found if f[0] not in drop]
            if found:
                index[key][name] = found
            else:
                del index[key][name]
    for prefix, found in list(index["objects"].items()):
        found = [o for o in found if o[0] not in drop]
        if found:
            index["objects"][prefix] = found
        else:
            del index["objects"][prefix]
    lighter = head + json.dumps(index, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + tail
    _write_if_changed(path, lighter)
    notes["searchindex.js"] = computed.stat_of(path)


def _visit_citation(self, node: nodes.citation) -> None:
    """A bibliography entry as a list item: docutils' ``doc-biblioentry`` inside ``role="list"`` is
    deprecated in ARIA 1.2 and leaves the list without items, axe-core's one critical finding here."""
    HTML5Translator.visit_citation(self, node)
    self.body[-1] = self.body[-1].replace('role="doc-biblioentry"', 'role="listitem"')


def _add_static(app: Sphinx, config) -> None:
    config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> None:
    app.connect("config-inited", _add_static)
    app.connect("env-before-read-docs", _note_reading)
    app.connect("env-updated", _write_data)
    app.connect("html-page-context", _page_scripts)
    app.connect("doctree-resolved", _lighten_glossary_page)
    app.connect("build-finished", _drop_glossary_from_index)
    app.add_css_file("llmterms-web.css")
    app.add_node(nodes.citation, override=True, html=(_visit_citation, HTML5Translator.depart_citation))
    stylesheets.setup(app)  # part of each page's weight, as the scripts above are
