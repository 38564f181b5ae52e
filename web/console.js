// The staff console's first page: open incidents by phase and severity,
// pages nobody has acknowledged, and the status advisory form.
"use strict";

(async () => {
  const { el, time } = vigil;
  const message = document.getElementById("message");
  if (!await vigil.page(false)) return;

  async function incidents() {
    const r = await vigil.call("GET", "/api/v1/incidents?limit=100");
    const open = r.items.filter(i => i.phase !== "closed");
    const body = document.querySelector("#incident-table tbody");
    body.replaceChildren();
    if (open.length === 0) body.append(el("tr", {}, el("td", { colspan: 7 }, "No open incidents.")));
    for (const i of open) {
      body.append(el("tr", {},
        el("th", { scope: "row" }, i.key), el("td", {}, i.title), el("td", {}, i.severity), el("td", {}, i.phase),
        el("td", {}, i.classification), el("td", {}, time(i.reported_at)),
        el("td", {}, el("a", { href: `/api/v1/incidents/${encodeURIComponent(i.key)}/report` }, `Report of ${i.key}`))));
    }
    const count = {};
    for (const i of open) count[i.phase] = (count[i.phase] || 0) + 1;
    document.getElementById("by-phase").textContent =
      Object.entries(count).map(([p, n]) => `${p}: ${n}`).join(" · ") || "";
  }

  async function pages() {
    const list = document.getElementById("page-list");
    const r = await vigil.call("GET", "/api/v1/pages");
    const waiting = r.items.filter(p => !p.acked_at);
    list.replaceChildren();
    if (waiting.length === 0) list.append(el("p", { class: "meta" }, "Every page is acknowledged."));
    for (const p of waiting) {
      list.append(el("div", { class: "card" },
        el("p", {}, `${p.user}, level ${p.level}`, " - paged ", time(p.created_at))));
    }
  }

  const form = document.getElementById("advisory-form");
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const error = document.getElementById("advisory-error");
    error.textContent = "";
    try {
      await vigil.call("POST", "/api/v1/advisories",
                       { service: form.service.value.trim(), state: form.state.value, message: form.message.value });
      form.reset();
      message.textContent = "The advisory is on the status page.";
    } catch (e) {
      error.textContent = e.message;
    }
  });

  try {
    await Promise.all([incidents(), pages()]);
  } catch (e) {
    message.textContent = e.message;
  }
})();
