/* llmterms: glossary tooltips and the glossary page's filter.
 * A page's tooltip data comes from _static/llmterms-tips/<page>.js (window.LLMTERMS_GLOSSARY: the entries
 * the page links), written at build time from glossary/; on a glossary category page its own entries are the
 * data. The filter is the glossary index's (glossary.html). No network: everything here works from a folder opened in the browser. */
(function () {
  "use strict";

  const root = document.documentElement.dataset.content_root || "./";
  const words = (s) => s.normalize("NFKD").toLowerCase().replace(/\p{M}/gu, "").split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const normalize = (s) => words(s).join("");
  const clean = (node) => node.textContent.replace(/[\u00b6#]$/, "").trim();

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => (k === "text" ? (node.textContent = v) : node.setAttribute(k, v)));
    children.forEach((c) => node.append(c));
    return node;
  };
  const statusBadge = (status) => el("span", { class: `llmterms-status llmterms-status-${status}`, text: status });

  /* -- Where a link's entry is described -------------------------------------------------------- */
  const byAnchor = new Map();
  (window.LLMTERMS_GLOSSARY || []).forEach((e) => {
    (e.k || []).forEach((anchor) => byAnchor.set(anchor, e));
  });

  /** On a glossary category page: the entry whose name has this anchor, read from the page itself. */
  function entryOnPage(anchor) {
    const dt = document.getElementById(anchor);
    if (!dt || dt.tagName !== "DT") return null;
    let head = dt;
    while (head.classList.contains("llmterms-alias") && head.previousElementSibling) head = head.previousElementSibling;
    let dd = dt;
    while (dd && dd.tagName !== "DD") dd = dd.nextElementSibling;
    if (!dd) return null;
    const summary = dd.querySelector(".llmterms-summary");
    const status = (dd.querySelector(".llmterms-meta") || dd).textContent.match(/Status:\s*(\w+)/);
    return { t: clean(head), s: summary ? clean(summary) : "", st: status ? status[1] : "current", u: "#" + head.id, local: true };
  }
  const entryFor = (anchor) => byAnchor.get(anchor) || entryOnPage(anchor);

  /* -- Tooltips: on hover, on keyboard focus, and on a first tap on a touch screen ------------------ */
  let tip = null;
  let hideTimer = null;
  let owner = null;

  function place(link) {
    const view = document.documentElement;
    const width = Math.min(360, view.clientWidth - 16);
    tip.style.width = width + "px";
    const box = link.getClientRects()[0] || link.getBoundingClientRect();
    const left = Math.max(8, Math.min(box.left, view.clientWidth - width - 8));
    const height = tip.offsetHeight;
    const below = box.bottom + 6;
    // Below the link when it fits on screen, else above it when that fits, else wherever more of it shows.
    let top = below;
    if (below + height > view.clientHeight - 8) {
      const above = box.top - 6 - height;
      top = above >= 8 ? above : Math.max(8, Math.min(below, view.clientHeight - 8 - height));
    }
    tip.style.left = left + window.scrollX + "px";
    tip.style.top = top + window.scrollY + "px";
  }

  function showTip(link, entry) {
    clearTimeout(hideTimer);
    if (!tip) {
      tip = el("div", { id: "llmterms-tip", role: "tooltip", class: "llmterms-tip" });
      tip.addEventListener("mouseenter", () => clearTimeout(hideTimer));
      tip.addEventListener("mouseleave", () => scheduleHide());
      document.body.append(tip);
    }
    tip.replaceChildren(
      el("div", { class: "llmterms-tip-head" }, el("strong", { text: entry.t }), " ", statusBadge(entry.st)),
      el("p", { text: entry.s }),
      el("a", { href: entry.local ? entry.u : root + entry.u, text: "Open the glossary entry \u2192" }),
    );
    if (owner && owner !== link) owner.removeAttribute("aria-describedby");
    owner = link;
    link.setAttribute("aria-describedby", "llmterms-tip");
    tip.hidden = false;
    place(link);
  }

  function hideTip() {
    if (tip) tip.hidden = true;
    if (owner) owner.removeAttribute("aria-describedby");
    owner = null;
  }
  const scheduleHide = () => { clearTimeout(hideTimer); hideTimer = setTimeout(hideTip, 250); };

  function initTooltips() {
    let touch = false;
    // A term link holds a .std-term span; a glossary page's links to its own entries do not (web.py).
    const local = document.querySelector("dl.llmterms-glossary") !== null;
    document.querySelectorAll("a.reference.internal").forEach((link) => {
      if (!link.querySelector(".std-term") && !(local && (link.getAttribute("href") || "").startsWith("#term-"))) return;
      const entry = entryFor((link.getAttribute("href") || "").split("#")[1] || "");
      if (!entry) return;
      link.classList.add("llmterms-term-link");
      link.addEventListener("pointerdown", (event) => { touch = event.pointerType === "touch"; });
      link.addEventListener("mouseenter", () => { if (!touch) showTip(link, entry); });
      link.addEventListener("mouseleave", () => { if (!touch) scheduleHide(); });
      link.addEventListener("focus", () => { if (!touch) showTip(link, entry); });
      link.addEventListener("blur", () => { if (!touch) scheduleHide(); });
      // A tap shows the tooltip, whose own link opens the entry; a second tap on the term follows it.
      link.addEventListener("click", (event) => {
        if (!touch || owner === link) return;
        event.preventDefault();
        showTip(link, entry);
      });
    });
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") hideTip(); });
    document.addEventListener("pointerdown", (event) => {
      if (tip && !tip.hidden && !tip.contains(event.target) && !(owner && owner.contains(event.target))) hideTip();
    });
  }

  /* -- The glossary page: filter as you type, jump by category and by letter ----------------------- */

  /** How well an entry matches the filter's words: names before text, whole words before word starts; 0 is no match. */
  function filterScore(qwords, q, group) {
    if (!qwords.length) return 1;
    if (group.names.some((n) => n.norm === q)) return group.names[0].norm === q ? 60 : 55;
    const every = (list, test) => qwords.every((w) => list.some((x) => test(x, w)));
    const same = (x, w) => x === w, starts = (x, w) => x.startsWith(w);
    for (const [i, n] of group.names.entries()) {
      if (every(n.words, same)) return (i === 0 ? 50 : 45) - n.words.length / 100;
    }
    for (const [i, n] of group.names.entries()) {
      if (every(n.words, starts)) return (i === 0 ? 40 : 35) - n.words.length / 100;
    }
    if (every(group.words, same)) return 20;
    if (every(group.words, starts)) return 10;
    return 0;
  }

  function initGlossaryPage() {
    const lists = [...document.querySelectorAll("dl.llmterms-glossary-index")];
    if (!lists.length) return;
    document.documentElement.classList.add("llmterms-glossary-page");
    const groups = [];
    lists.forEach((dl) => {
      let current = [];
      [...dl.children].forEach((child) => {
        current.push(child);
        if (child.tagName === "DD") {
          const names = current.filter((n) => n.tagName === "DT").map((n) => ({ text: clean(n), norm: normalize(clean(n)), words: words(clean(n)) }));
          groups.push({ nodes: current, names, words: words(current.map((n) => n.textContent).join(" ")), dl, position: groups.length, section: dl.closest("section") });
          current = [];
        }
      });
    });
    const sections = [...new Set(groups.map((g) => g.section))];
    const input = el("input", { type: "search", id: "llmterms-filter", placeholder: "Filter the glossary (term, alias or word)", "aria-label": "Filter the glossary" });
    const count = el("span", { class: "llmterms-count", "aria-live": "polite" });
    const categories = el("nav", { class: "llmterms-jump", "aria-label": "Glossary categories" });
    sections.forEach((s) => {
      const title = s.querySelector("h2, h3");
      categories.append(el("a", { href: "#" + s.id, text: title ? clean(title) : s.id }));
    });
    const letters = el("nav", { class: "llmterms-letters", "aria-label": "Glossary initial letters" });
    const initials = [...new Set(groups.map((g) => g.names[0].norm.charAt(0).toUpperCase()))].sort();
    let letter = "";
    initials.forEach((l) => {
      const button = el("button", { type: "button", "aria-pressed": "false", text: l });
      button.addEventListener("click", () => {
        letter = letter === l ? "" : l;
        letters.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b.textContent === letter)));
        apply();
      });
      letters.append(button);
    });
    // Matches of a filter are listed best first in one list; with no filter, every entry is back in place.
    const ranked = el("dl", { class: "llmterms-glossary llmterms-filtered simple", hidden: "" });
    function apply() {
      const qwords = words(input.value);
      const q = qwords.join("");
      let shown = [];
      groups.forEach((g) => {
        g.score = filterScore(qwords, q, g);
        if (letter && !g.names[0].norm.toUpperCase().startsWith(letter)) g.score = 0;
        g.nodes.forEach((n) => (n.hidden = g.score === 0));
        if (g.score) shown.push(g);
      });
      if (qwords.length) {
        shown.sort((a, b) => b.score - a.score || a.position - b.position);
        shown.forEach((g) => g.nodes.forEach((n) => ranked.append(n)));
        ranked.hidden = false;
        sections.forEach((s) => (s.hidden = true));
      } else if (!ranked.hidden) {
        groups.forEach((g) => g.nodes.forEach((n) => g.dl.append(n)));
        ranked.hidden = true;
      }
      if (!qwords.length) sections.forEach((s) => (s.hidden = !groups.some((g) => g.section === s && g.score)));
      count.textContent = `${shown.length} of ${groups.length} entries`;
    }
    input.addEventListener("input", apply);
    // On a phone the categories and letters fold away, so the sticky bar is one line high.
    const more = el("details", { class: "llmterms-more" }, el("summary", { text: "Categories and letters" }), categories, letters);
    if (window.matchMedia("(min-width: 720px)").matches) more.open = true;
    const bar = el("div", { class: "llmterms-toolbar" }, el("div", { class: "llmterms-filter-line" }, input, count), more);
    sections[0].before(bar);
    sections[0].before(ranked);
    const measure = () => document.documentElement.style.setProperty("--llmterms-toolbar-height", bar.offsetHeight + "px");
    more.addEventListener("toggle", measure);
    window.addEventListener("resize", measure);
    // A category jump closes the folded bar on a phone, so the heading is not under it.
    categories.addEventListener("click", () => { if (!window.matchMedia("(min-width: 720px)").matches) more.open = false; measure(); });
    measure();
    apply();
  }

  const start = () => { initTooltips(); initGlossaryPage(); };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
