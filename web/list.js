// One list page over one of the API's paged lists (incidents, alerts,
// pages, tenants, obligations, audit): a filter form whose values live in
// the URL (so a reload, Back and a shared link keep them), the server's
// search, filters and sort, and cursor paging with Next and Previous.
// Each page's script calls vigilList({...}) with its endpoint, filters and
// columns; nothing is filtered or sorted here.
"use strict";

const vigilList = (() => {
  const { el } = vigil;
  let ids = 0;

  // datetime-local holds the viewer's wall time; the URL and the API hold UTC.
  const toLocalInput = iso => {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return "";
    const p = n => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  };
  const fromLocalInput = v => (v ? new Date(v).toISOString().replace(".000Z", "Z") : "");

  function control(f) {
    const id = `filter-${f.name}-${++ids}`;
    let input;
    if (f.options) {
      input = el("select", { id, name: f.name },
        f.options.map(o => Array.isArray(o) ? el("option", { value: o[0] }, o[1]) : el("option", { value: o }, o || "Any")));
    } else {
      input = el("input", { id, name: f.name, type: f.type === "time" ? "datetime-local" : f.type || "text",
                            maxlength: f.type === "time" ? undefined : String(f.max || 200),
                            autocomplete: "off", spellcheck: "false", placeholder: f.placeholder });
    }
    return { f, input, wrap: el("div", { class: "list-filter" }, el("label", { for: id }, f.label), input) };
  }

  return function vigilList(cfg) {
    const root = document.getElementById("list");
    const limit = cfg.limit || 25;
    const controls = cfg.filters.map(control);
    const sortId = `sort-${++ids}`;
    const sort = el("select", { id: sortId, name: "sort" }, cfg.sorts.map(([v, label]) => el("option", { value: v }, label)));
    const form = el("form", { class: "list-filters", role: "search", "aria-label": `Filter ${cfg.noun.plural}`, novalidate: true },
      controls.map(c => c.wrap),
      el("div", { class: "list-filter" }, el("label", { for: sortId }, "Order"), sort),
      el("div", { class: "actions" }, el("button", { type: "submit" }, "Apply"),
        el("button", { type: "button", class: "secondary", onclick: () => go(new URLSearchParams(), 0) }, "Clear filters")));
    const status = el("p", { class: "meta", role: "status", "aria-live": "polite" });
    const error = el("p", { class: "error", role: "alert" });
    const region = el("div", { class: "list-results" });
    const prev = el("button", { type: "button", class: "secondary", onclick: () => previous() }, "Previous page");
    const next = el("button", { type: "button", class: "secondary" }, "Next page");
    // Compact rows for a long list: the viewer's choice, kept in this
    // browser for every list page.
    const compactId = `compact-${++ids}`;
    const compact = el("input", { id: compactId, type: "checkbox" });
    try { compact.checked = localStorage.getItem("vigil.density") === "compact"; } catch (e) { /* storage off: comfortable */ }
    document.documentElement.classList.toggle("compact", compact.checked);
    compact.addEventListener("change", () => {
      document.documentElement.classList.toggle("compact", compact.checked);
      try { localStorage.setItem("vigil.density", compact.checked ? "compact" : "comfortable"); } catch (e) { /* not kept */ }
    });
    const pager = el("nav", { class: "pager", "aria-label": `Pages of ${cfg.noun.plural}` }, prev, next,
      el("span", { class: "density" }, compact, " ", el("label", { for: compactId, class: "inline" }, "Compact rows")));
    // On a phone the filters fold away under their summary, unless some
    // are set; on a wide screen they stay open.
    const summary = el("summary", {}, "Filters and order");
    const fold = el("details", { class: "list-fold" }, summary, form);
    root.replaceChildren(fold, status, error, region, pager);

    // The filters in the URL, without the cursor.
    function filtersFrom(params) {
      const out = new URLSearchParams();
      for (const c of controls) {
        const v = params.get(c.f.name);
        if (v) out.set(c.f.name, v);
      }
      if (params.get("sort")) out.set("sort", params.get("sort"));
      return out;
    }

    function fill(params) {
      const set = [...filtersFrom(params).keys()].length;
      summary.textContent = set ? `Filters and order (${set} set)` : "Filters and order";
      if (set || matchMedia("(min-width: 40rem)").matches) fold.open = true;
      for (const c of controls) {
        const v = params.get(c.f.name) || "";
        c.input.value = c.f.type === "time" && v ? toLocalInput(v) : v;
      }
      sort.value = params.get("sort") || cfg.sorts[0][0];
    }

    // Where the page shows depth pages past the first (history.state keeps
    // it, across a reload too), so Previous can go back along them.
    function go(params, depth) {
      const q = params.toString();
      history.pushState({ depth }, "", `${location.pathname}${q ? `?${q}` : ""}`);
      load();
    }

    function previous() {
      if ((history.state && history.state.depth) > 0) {
        history.back();
        return;
      }
      go(filtersFrom(new URLSearchParams(location.search)), 0);
    }

    form.addEventListener("submit", ev => {
      ev.preventDefault();
      const params = new URLSearchParams();
      for (const c of controls) {
        const v = c.f.type === "time" ? fromLocalInput(c.input.value) : c.input.value.trim();
        if (v) params.set(c.f.name, v);
      }
      if (sort.value !== cfg.sorts[0][0]) params.set("sort", sort.value);
      go(params, 0);
    });
    window.addEventListener("popstate", load);

    let seq = 0;
    async function load() {
      const mine = ++seq;
      const params = new URLSearchParams(location.search);
      fill(params);
      const api = filtersFrom(params);
      api.set("limit", String(limit));
      if (params.get("cursor")) api.set("cursor", params.get("cursor"));
      const depth = (history.state && history.state.depth) || 0;
      region.setAttribute("aria-busy", "true");
      error.replaceChildren();
      let page;
      try {
        page = await vigil.call("GET", `${cfg.endpoint}?${api}`);
      } catch (e) {
        if (mine !== seq) return;
        region.removeAttribute("aria-busy");
        region.replaceChildren();
        status.textContent = "";
        error.append(`Could not load the ${cfg.noun.plural}: ${e.message}`);
        const list = (e.problem && e.problem.errors) || [];
        if (list.length) error.append(el("ul", {}, list.map(x => el("li", {}, `${x.field}: ${x.message}`))));
        prev.disabled = !params.get("cursor");
        next.disabled = true;
        return;
      }
      if (mine !== seq) return;
      region.removeAttribute("aria-busy");
      const items = page.items || [];
      const filtered = [...filtersFrom(params).keys()].some(k => k !== "sort");
      if (items.length === 0) {
        region.replaceChildren(el("p", { class: "list-empty" },
          params.get("cursor") ? `No more ${cfg.noun.plural}.`
            : filtered ? `No ${cfg.noun.singular} matches these filters.` : `No ${cfg.noun.plural} yet.`));
      } else {
        // On a phone each row is a card, each cell named by its column.
        const t = vigil.table(cfg.caption, cfg.columns.map(c => c.head),
          items.map(i => el("tr", {}, cfg.columns.map((c, n) =>
            el(n === 0 ? "th" : "td", { scope: n === 0 ? "row" : undefined, "data-label": c.head }, c.cell(i))))));
        t.classList.add("stack");
        region.replaceChildren(t);
      }
      const first = depth * limit + 1, known = depth > 0 || !params.get("cursor");
      status.textContent = !items.length ? ""
        : known && first === 1 && !page.next_cursor
          ? `Showing ${items.length === 1 ? `the one ${cfg.noun.singular}` : `all ${items.length} ${cfg.noun.plural}`}, the last page.`
          : `Showing ${known ? `${cfg.noun.plural} ${first} to ${first + items.length - 1}` : `${items.length} ${cfg.noun.plural}`}` +
            `${page.next_cursor ? "" : ", the last page"}.`;
      prev.disabled = !params.get("cursor");
      next.disabled = !page.next_cursor;
      next.onclick = () => {
        const p = filtersFrom(params);
        p.set("cursor", page.next_cursor);
        go(p, depth + 1);
      };
    }

    if (!history.state) history.replaceState({ depth: 0 }, "");
    return load();
  };
})();
