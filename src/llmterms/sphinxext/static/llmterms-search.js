/* llmterms: the search page. Glossary entries first, ranked exactly as `llmterms search` ranks them (a port of
 * llmterms/ranking.py over data computed by it at build time, llmterms-ranking.js; the browser tests run the
 * project's whole query file through both and require the same answers). Then the pages and sections that
 * Sphinx's index finds, without the glossary page (its entries are in the block above, once), each linked
 * to the section that matched, with a snippet fetched only when the result scrolls into view and each page
 * fetched once. No network beyond the site: on pages opened from a folder no snippet is fetched. */
(function () {
  "use strict";

  const entries = window.LLMTERMS_GLOSSARY || [];
  const R = window.LLMTERMS_RANKING || { order: [], names: [], summary: [], body: [] };
  const root = document.documentElement.dataset.content_root || "./";

  /* -- llmterms.ranking, line for line ------------------------------------------------------------ */
  // Python's str.casefold() and isalnum(), NFKD with combining marks dropped (ranking.words).
  const words = (text) =>
    text.toLowerCase().replace(/\u00df/g, "ss").normalize("NFKD").replace(/\p{M}/gu, "")
      .split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const normalize = (name) => words(name).join("");

  function withinOneEdit(a, b) {
    if (a === b) return true;
    const la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1) return false;
    if (la === lb) {
      const diff = [];
      for (let i = 0; i < la; i++) if (a[i] !== b[i]) diff.push(i);
      if (diff.length === 1) return true;
      return diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]];
    }
    if (la > lb) [a, b] = [b, a];
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return a.slice(i) === b.slice(i + 1);
  }

  function wordPrefixes(nameWords) {
    const found = new Set();
    let joined = "";
    nameWords.forEach((w) => { joined += w; found.add(joined); });
    return found;
  }

  function stemMatch(qw, w) {
    if (qw.slice(0, 5) !== w.slice(0, 5)) return false;
    let common = 0;
    for (let i = 0; i < Math.min(qw.length, w.length) && qw[i] === w[i]; i++) common++;
    return common >= 5 && common >= qw.length - 2;
  }

  function everyWordStarts(qwords, nameWords) {
    for (const qw of qwords) {
      const stem = qw.length >= 5 ? qw.slice(0, 5) : null;
      if (!nameWords.some((w) => w.startsWith(qw) || (stem !== null && w.startsWith(stem) && stemMatch(qw, w)))) return false;
    }
    return true;
  }

  function nameScore(q, qwords, names) {
    let best = 0;
    const lq = q.length, nq = qwords.length;
    for (let rank = 0; rank < names.length; rank++) {
      const [n, nameWords] = names[rank];
      if (q === n) return rank === 0 ? 1000 : 950;
      const bonus = rank === 0 ? 20 : 0;
      const extra = nameWords.length - nq;
      if (nq && qwords.every((w) => nameWords.includes(w))) {
        const first = nameWords.length && nameWords[0] === qwords[0] ? 10 : 0;
        best = Math.max(best, 850 + bonus + first - 15 * extra);
      } else if (lq >= 2 && n.startsWith(q) && wordPrefixes(nameWords).has(q)) {
        best = Math.max(best, 800 + bonus - (n.length - lq));
      } else if (lq >= 3 && nq && nameWords.length) {
        if (everyWordStarts(qwords, nameWords)) {
          const misses = qwords.filter((qw) => !nameWords.some((w) => w.startsWith(qw))).length;
          const first = nameWords[0].startsWith(qwords[0].slice(0, 5)) ? 10 : 0;
          best = Math.max(best, 700 + bonus + first - 10 * extra - 15 * misses - n.length / 10);
        } else if (n.includes(q)) {
          best = Math.max(best, 650 + bonus - (n.length - lq));
        }
      }
      if (lq < 4) continue;
      const sameStart = q[0] === n.slice(0, 1) ? 5 : 0;
      if (lq - n.length >= -1 && lq - n.length <= 1 && withinOneEdit(q, n)) {
        best = Math.max(best, 600 + bonus + sameStart);
      } else if (lq >= 5 && nq === 1) {
        for (const w of nameWords) {
          if (w.length > 3 && lq - w.length >= -1 && lq - w.length <= 1 && withinOneEdit(q, w)) {
            best = Math.max(best, 550 + bonus + sameStart - n.length / 10);
            break;
          }
        }
      }
    }
    return best;
  }

  // Each entry's words (llmterms-ranking-text.js), loaded only when a query matches fewer than five names.
  let text = null;
  const loadText = () => text || (text = new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = root + "_static/llmterms-ranking-text.js";
    script.onload = () => { Object.assign(R, window.LLMTERMS_RANKING_TEXT || {}); resolve(); };
    script.onerror = () => resolve();
    document.head.append(script);
  }));

  const wordSets = new Map();
  const wordSet = (kind, i) => {
    const key = kind + i;
    if (!wordSets.has(key)) wordSets.set(key, new Set(R[kind][i].split(" ").filter(Boolean)));
    return wordSets.get(key);
  };

  function textScore(qwords, i) {
    if (!qwords.length || !R.summary) return 0;
    const hits = qwords.map((w) => (wordSet("summary", i).has(w) ? 2 : wordSet("body", i).has(w) ? 1 : 0));
    if (hits.includes(0)) return 0;
    return (100 * hits.reduce((a, b) => a + b, 0)) / (2 * qwords.length);
  }

  /** The entries for `query`, best first, as Glossary.search(query, limit) gives them (a promise). */
  async function rank(query, limit) {
    const q = normalize(query), qwords = words(query);
    if (!q) return [];
    const scored = [];
    R.names.forEach((names, i) => { const s = nameScore(q, qwords, names); if (s > 0) scored.push([s, i]); });
    if (scored.length < limit) {
      await loadText();
      const named = new Set(scored.map(([, i]) => i));
      R.names.forEach((_, i) => { if (!named.has(i)) { const s = textScore(qwords, i); if (s > 0) scored.push([s, i]); } });
    }
    scored.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    return scored.slice(0, limit).map(([, i]) => entries[R.order[i]]);
  }
  window.llmtermsRank = async (query, limit = 5) => (await rank(query, limit)).map((e) => e.t);  // for the tests

  /* -- The glossary block ------------------------------------------------------------------------- */
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => (k === "text" ? (node.textContent = v) : node.setAttribute(k, v)));
    children.forEach((c) => node.append(c));
    return node;
  };
  const statusBadge = (status) => el("span", { class: `llmterms-status llmterms-status-${status}`, text: status });

  async function glossaryBlock(query, results) {
    const found = await rank(query, 5);
    if (!found.length) return;
    const list = el("ul", { class: "llmterms-search-results" });
    found.forEach((e) => {
      list.append(
        el("li", {},
          el("a", { href: root + e.u, text: e.t }), " ", statusBadge(e.st),
          el("span", { class: "llmterms-search-category", text: " \u2014 " + e.c }),
          el("p", { class: "llmterms-search-summary", text: e.s })),
      );
    });
    results.before(el("section", { id: "llmterms-glossary-results", "aria-labelledby": "llmterms-glossary-heading" },
      el("h2", { id: "llmterms-glossary-heading", text: "Glossary" }), list));
  }

  /* -- Pages and sections ------------------------------------------------------------------------- */
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

  let blockShown = Promise.resolve();
  function showResults(query) {
    // After the glossary block, so that only the results then on screen fetch their snippets.
    blockShown.then(() => listResults(query));
  }

  function listResults(query) {
    const [, searchTerms, excludedTerms, highlightTerms, objectTerms] = Search._parseQuery(query);
    const found = Search._performSearch(query, searchTerms, excludedTerms, highlightTerms, objectTerms).reverse();
    const glossaryPage = ((entries.find((e) => e.u) || { u: "" }).u.split(".html")[0]);
    const anchored = new Set(found.filter((r) => r[2]).map((r) => r[0]));
    const seen = new Set();
    const rows = found.filter((r) => {
      const key = r[0] + r[2];
      // The glossary's entries are listed once, above; a page with a matching section is listed by it.
      if (r[0] === glossaryPage || seen.has(key) || (!r[2] && anchored.has(r[0]))) return false;
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

  function start() {
    const results = document.getElementById("search-results");
    const query = new URLSearchParams(window.location.search).get("q");
    if (results && query) blockShown = glossaryBlock(query, results);
  }

  // Before Sphinx's search starts (its listener is added after this one, by the deferred searchtools.js).
  if (typeof Search !== "undefined") Search.query = showResults;
  else document.addEventListener("DOMContentLoaded", () => { if (typeof Search !== "undefined") Search.query = showResults; });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
