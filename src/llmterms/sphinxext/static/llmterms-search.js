/* llmterms: the search page's glossary block. Glossary entries first, ranked exactly as `llmterms search` ranks
 * them (a port of llmterms/ranking.py over data computed by it at build time; the browser tests run the
 * project's whole query file through both and require the same answers). Written into the search page's
 * head with the names it ranks (window.LLMTERMS_RANKING; llmterms.sphinxext.web), so that it waits neither
 * for a request of its own nor for Sphinx's search or index (issue 18: results within 3 s on a slow phone):
 * the entries whose names match are drawn once the page's results element is parsed and the page first
 * painted, their summaries when llmterms-glossary.js is in, and the entries only their text matches (a
 * query matching fewer than five names) once the words of the query's letters are
 * (llmterms-words/<letter>.js). The pages and sections that Sphinx's index finds are listed below, by
 * llmterms-search-pages.js, once this block is complete. */
(function () {
  "use strict";

  const root = document.documentElement.dataset.content_root || "./";
  const R = window.LLMTERMS_RANKING || { categories: [], pages: [], entries: [], names: [] };
  // Shared with llmterms-search-pages.js, whichever of the two runs first.
  const shared = (window.llmtermsSearch = window.llmtermsSearch || {});
  shared.shown = shared.shown || new Promise((resolve) => (shared.resolveShown = resolve));

  /** Run a script of the site (a <script> element, which works from a folder too, unlike fetch). */
  const load = (file, high) => new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = `${root}_static/${file}?v=${R.v}`;  // this build's files (llmterms.sphinxext.web)
    if (high) script.fetchPriority = "high";
    script.onload = script.onerror = resolve;
    document.head.append(script);
  });
  // The summaries: asked for once the block is drawn, so that they do not hold up the page's stylesheets.
  let summaries = null;
  const summariesOf = () => summaries || (summaries = load("llmterms-glossary.js", true).then(() => window.LLMTERMS_SUMMARIES));

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

  // Each entry's names as nameScore takes them, [normal form, words], from "w w|w w" (parsed once).
  let parsed = null;
  const namesOf = () => parsed || (parsed = R.names.map((names) => names.split("|").map((name) => {
    const nameWords = name.split(" ").filter(Boolean);
    return [nameWords.join(""), nameWords];
  })));

  // Which entries' text holds each word, one file per first letter (llmterms.sphinxext.web._letter),
  // loaded only when a query matches fewer than five names.
  window.LLMTERMS_WORDS = window.LLMTERMS_WORDS || new Map();
  const letterFiles = new Map();
  const letter = (word) => {
    const first = [...word][0];
    return /^[a-z0-9]$/.test(first) ? first : "u" + first.codePointAt(0).toString(16);
  };
  const loadLetter = (key) => {
    if (!letterFiles.has(key)) {
      letterFiles.set(key, load(`llmterms-words/${key}.js`, true).then(() => LLMTERMS_WORDS.get(key) || {}));
    }
    return letterFiles.get(key);
  };

  /** Each query word's [entries whose summary holds it, entries whose body alone does], as sets. */
  async function textOf(qwords) {
    const found = new Map();
    await Promise.all(qwords.map(async (w) => {
      const [summary, body] = (await loadLetter(letter(w)))[w] || [[], []];
      found.set(w, [new Set(summary), new Set(body)]);
    }));
    return found;
  }

  function textScore(qwords, text, i) {
    if (!qwords.length) return 0;
    const hits = qwords.map((w) => (text.get(w)[0].has(i) ? 2 : text.get(w)[1].has(i) ? 1 : 0));
    if (hits.includes(0)) return 0;
    return (100 * hits.reduce((a, b) => a + b, 0)) / (2 * qwords.length);
  }

  const byScore = (x, y) => y[0] - x[0] || x[1] - y[1];

  /** The entries whose names match `query`, best first, as [score, position] (all of them). */
  function byName(query) {
    const q = normalize(query), qwords = words(query);
    if (!q) return [];
    const scored = [];
    namesOf().forEach((names, i) => { const s = nameScore(q, qwords, names); if (s > 0) scored.push([s, i]); });
    return scored.sort(byScore);
  }

  /** The entries only their text matches, best first, when the names leave places: every name match
   * scores at least 550 and a text match at most 100, so these come after the names' results. */
  async function byText(query, named, limit) {
    const qwords = words(query);
    if (!normalize(query) || named.length >= limit) return [];
    const text = await textOf(qwords), taken = new Set(named.map(([, i]) => i)), scored = [];
    R.names.forEach((_, i) => { if (!taken.has(i)) { const s = textScore(qwords, text, i); if (s > 0) scored.push([s, i]); } });
    return scored.sort(byScore).slice(0, limit - named.length);
  }

  /** The entries for `query`, best first, as Glossary.search(query, limit) gives them (a promise). */
  async function rank(query, limit) {
    const named = byName(query).slice(0, limit);
    return [...named, ...(await byText(query, named, limit))].map(([, i]) => R.entries[i]);
  }
  window.llmtermsRank = async (query, limit = 5) => (await rank(query, limit)).map((e) => e[0]);  // for the tests

  /* -- The glossary block ------------------------------------------------------------------------- */
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => (k === "text" ? (node.textContent = v) : node.setAttribute(k, v)));
    children.forEach((c) => node.append(c));
    return node;
  };
  const statusBadge = (status) => el("span", { class: `llmterms-status llmterms-status-${status}`, text: status });

  /** One entry's line: its link, status and category at once, its summary when the summaries are in. */
  function line(i) {
    // The anchor and status are left out where they are the usual ones (llmterms.sphinxext.web._line).
    const [term, category, page, anchor, status = "current"] = R.entries[i];
    const href = `${root}${R.pages[page]}#${anchor || "term-" + term.split(/\s+/).join("-")}`;
    const item = el("li", {},
      el("a", { href, text: term }), " ", statusBadge(status),
      el("span", { class: "llmterms-search-category", text: " \u2014 " + R.categories[category] }));
    summariesOf().then((all) => all && item.append(el("p", { class: "llmterms-search-summary", text: all[i] })));
    return item;
  }

  async function glossaryBlock(query, results) {
    // Part of Sphinx's results element, above its own list: the first results on the page.
    const list = el("ul", { class: "search llmterms-search-results", role: "list" });
    const section = el("section", { id: "llmterms-glossary-results", "aria-labelledby": "llmterms-glossary-heading" },
      el("h2", { id: "llmterms-glossary-heading", text: "Glossary" }), list);
    const show = (found) => {
      found.forEach(([, i]) => list.append(line(i)));
      if (found.length && !section.isConnected) results.prepend(section);
    };
    const named = byName(query).slice(0, 5);
    show(named);
    show(await byText(query, named, 5));
  }

  function start() {
    const results = document.getElementById("search-results");
    const query = new URLSearchParams(window.location.search).get("q");
    // The query in the search field with its first results, not only once Sphinx's deferred script runs.
    if (query) document.querySelectorAll('input[name="q"]').forEach((input) => { input.value ||= query; });
    const done = results && query ? glossaryBlock(query, results) : Promise.resolve();
    done.then(() => shared.resolveShown(new Set(R.pages.map((page) => page.split(".html")[0]))));
  }

  // Written into the head: drawn once the parser has reached the results element, not at the end, and just
  // after the page's first paint, which the block's work (ranking, its elements' layout) would otherwise
  // delay: on a slow phone this keeps the first paint where it was without it, and the block a frame later.
  let started = false;
  const startOnce = () => {
    if (!started) { started = true; requestAnimationFrame(() => setTimeout(start)); }
  };
  if (document.getElementById("search-results") || document.readyState !== "loading") startOnce();
  else {
    const parsed = new MutationObserver(() => {
      if (document.getElementById("search-results")) { parsed.disconnect(); startOnce(); }
    });
    parsed.observe(document.documentElement, { childList: true, subtree: true });
    document.addEventListener("readystatechange", () => { parsed.disconnect(); startOnce(); }, { once: true });
  }
})();
