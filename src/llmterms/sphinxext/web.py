"""The glossary on the web: published data and the script behind tooltips, filtering and search.

- ``_static/llmterms-glossary.js`` carries each entry's names, status, summary and anchor for the tooltips,
  the glossary filter and the search page. It is a script, not JSON fetched at run time, because browsers
  refuse ``fetch()`` on pages opened from a folder (``file://``).
- ``glossary.json`` at the site root publishes the entries for other programs.

Both come from the ``llmterms`` domain's data (:mod:`llmterms.sphinxext.domain`), so a build that read no
entry does not load the glossary again, and a file whose content is unchanged is not written again.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from sphinx.application import Sphinx

from llmterms import glossary as _glossary
from llmterms.sphinxext.domain import GlossaryDomain

STATIC = Path(__file__).parent / "static"
SCRIPT = "llmterms-glossary.js"


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


def _write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _stamp(data: bytes) -> str:
    return f"{zlib.crc32(data):08x}"  # what Sphinx puts after "?v=" (sphinx/builders/html/_assets.py)


def _write_data(app: Sphinx, env) -> None:
    # Written once reading is done and before any page is: each page's <script ...?v=checksum> stamp is
    # computed from this file, so it must already hold this build's data.
    if app.builder.format != "html" or not env.domains["llmterms"].entries:
        return
    data = _entries_data(env.domains["llmterms"])
    out = Path(app.outdir)
    _write_if_changed(out / "glossary.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    compact = [
        {
            "t": e["term"],
            "a": e["aliases"],
            "c": _glossary.CATEGORIES[e["category"]],
            "s": e["summary"],
            "st": e["status"],
            "u": e["url"],
            "au": e["alias_urls"],
        }
        for e in data
    ]
    payload = json.dumps(compact, ensure_ascii=False, separators=(",", ":"))
    script = out / "_static" / SCRIPT
    before = script.read_bytes() if script.is_file() else b""
    if _write_if_changed(script, f"window.LLMTERMS_GLOSSARY = {payload};\n") and before:
        _restamp_pages(out, _stamp(before), _stamp(script.read_bytes()))


def _restamp_pages(out: Path, old: str, new: str) -> None:
    """Point the pages this build will not rewrite at the new script, as a clean build's pages are.

    A summary edit re-reads only the glossary page, yet every page names the script with its checksum;
    replacing the one stamp is what writing all pages again would change in them.
    """
    before, after = f"{SCRIPT}?v={old}".encode(), f"{SCRIPT}?v={new}".encode()
    for page in out.rglob("*.html"):
        text = page.read_bytes()
        if before in text:
            page.write_bytes(text.replace(before, after))


def _add_static(app: Sphinx, config) -> None:
    config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> None:
    app.connect("config-inited", _add_static)
    app.connect("env-updated", _write_data)
    app.add_js_file("llmterms-offline.js")  # not deferred: it must run before the search does
    app.add_js_file(SCRIPT, loading_method="defer")
    app.add_js_file("llmterms.js", loading_method="defer")
    app.add_css_file("llmterms-web.css")
