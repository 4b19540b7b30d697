/* llmterms: the search page's page results. The pages and sections that Sphinx's index finds, without the
 * glossary's pages (their entries are in the glossary block above, once: llmterms-search.js), each linked to
 * the section that matched, with a snippet fetched only when the result scrolls into view and each page
 * fetched once. Deferred after searchtools.js and before searchindex.js, so that it replaces Search.query
 * before the index calls it. No network beyond the site: on pages opened from a folder no snippet is
 * fetched. */
(function () {
  "use strict";

  const root = document.documentElement.dataset.content_root || "./";
  // Shared with llmterms-search.js, whichever of the two runs first: resolved once the glossary block is
  // complete, with the glossary's page names.
  const shared = (window.llmtermsSearch = window.llmtermsSearch || {});
  shared.shown = shared.shown || new Promise((resolve) => (shared.resolveShown = resolve));

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => (k === "text" ? (node.textContent = v) : node.setAttribute(k, v)));
    children.forEach((c) => node.append(c));
    return node;
  };

  // Each page's sections as [id, title, own text] (_static/llmterms-text/<page>.json), fetched once.
  const pages = new Map();
  const sectionsOf = (docName) => {
    if (!pages.has(docName)) {
      pages.set(docName, fetch(`${root}_static/llmterms-text/${docName}.json`)
        .then((r) => (r.ok ? r.json() : []))
        .catch(() => []));
    }
    return pages.get(docName);
  };

  /** The section holding the most of the query's words, the first such one on the page. */
  function bestSection(sections, terms) {
    let best = null, most = 0;
    sections.forEach((section) => {
      const text = (section[1] + " " + section[2]).toLowerCase();
      const hits = terms.filter((t) => text.includes(t)).length;
      if (hits > most) { best = section; most = hits; }
    });
    return best;
  }

  function snippet(item, link, result, terms) {
    const [docName, , anchor] = result;
    sectionsOf(docName).then((sections) => {
      if (!sections.length) return;
      let section = anchor ? sections.find((s) => s[0] === anchor.slice(1)) : null;
      if (!section) {
        section = bestSection(sections, terms);
        if (section && !anchor) link.href = docName + DOCUMENTATION_OPTIONS.LINK_SUFFIX + "#" + section[0];
      }
      if (!section) return;
      const text = section[2] || section[1];
      const lower = text.toLowerCase();
      const at = Math.min(...terms.map((t) => lower.indexOf(t)).filter((i) => i > -1), text.length);
      const start = at === text.length ? 0 : Math.max(at - 120, 0);
      const summary = el("p", { class: "context" });
      summary.textContent = (start ? "\u2026" : "") + text.substr(start, 240).trim() + (start + 240 < text.length ? "\u2026" : "");
      item.append(summary);
      if (typeof SPHINX_HIGHLIGHT_ENABLED !== "undefined" && SPHINX_HIGHLIGHT_ENABLED)
        terms.forEach((t) => _highlightText(summary, t, "highlighted"));
    });
  }

  function showResults(query) {
    // After the glossary block, so that only the results then on screen fetch their snippets.
    shared.shown.then((glossaryPages) => listResults(query, glossaryPages));
  }

  function listResults(query, glossaryPages) {
    const [, searchTerms, excludedTerms, highlightTerms, objectTerms] = Search._parseQuery(query);
    const found = Search._performSearch(query, searchTerms, excludedTerms, highlightTerms, objectTerms).reverse();
    const anchored = new Set(found.filter((r) => r[2]).map((r) => r[0]));
    const seen = new Set();
    const rows = found.filter((r) => {
      const key = r[0] + r[2];
      // The glossary's entries are listed once, above; a page with a matching section is listed by it.
      if (glossaryPages.has(r[0]) || seen.has(key) || (!r[2] && anchored.has(r[0]))) return false;
      seen.add(key);
      return true;
    });
    const terms = [...highlightTerms];
    const lazy = "IntersectionObserver" in window && DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY
      ? new IntersectionObserver((seenItems, observer) => seenItems.forEach((s) => {
          if (!s.isIntersecting) return;
          observer.unobserve(s.target);
          s.target.llmtermsLoad();
        }), { rootMargin: "0px" })
      : null;
    rows.forEach((result) => {
      const [docName, title, anchor, descr, , , kind] = result;
      const item = el("li", { class: `kind-${kind}` });
      const link = el("a", { href: docName + DOCUMENTATION_OPTIONS.LINK_SUFFIX + anchor });
      link.innerHTML = title;  // the index holds titles as HTML, as Sphinx's own results use them
      item.append(link);
      if (descr) item.append(el("span", { text: ` (${descr})` }));
      if (lazy) {
        item.llmtermsLoad = () => snippet(item, link, result, terms);
        lazy.observe(item);
      }
      Search.output.append(item);
    });
    Search.stopPulse();
    Search.title.innerText = "Search Results";
    Search.status.innerText = rows.length
      ? `${rows.length} ${rows.length === 1 ? "page or section matches" : "pages and sections match"} the search.`
      : "No page matches the search. Check the spelling, or try fewer words.";
  }

  // Before Sphinx's search starts (its listener is added after this one, by the deferred searchtools.js).
  if (typeof Search !== "undefined") Search.query = showResults;
  else document.addEventListener("DOMContentLoaded", () => { if (typeof Search !== "undefined") Search.query = showResults; });
})();
