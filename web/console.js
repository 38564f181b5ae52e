// The staff console's first page: open incidents by phase and severity,
// pages nobody has acknowledged, and the status advisory form.
"use strict";

(async () => {
  const { el, time, countdown } = vigil;
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
        el("th", { scope: "row" }, el("a", { href: `/web/incident.html?key=${encodeURIComponent(i.key)}` }, i.key)),
        el("td", {}, i.title), el("td", {}, i.severity), el("td", {}, i.phase),
        el("td", {}, i.classification), el("td", {}, time(i.reported_at)),
        el("td", {}, el("a", { href: `/api/v1/incidents/${encodeURIComponent(i.key)}/report` }, `Report of ${i.key}`))));
    }
    const tally = k => {
      const c = {};
      for (const i of open) c[i[k]] = (c[i[k]] || 0) + 1;
      return Object.entries(c).sort().map(([v, n]) => `${v}: ${n}`).join(" · ");
    };
    document.getElementById("by-phase").textContent =
      open.length ? `By phase - ${tally("phase")}. By severity - ${tally("severity")}.` : "";
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

  async function due() {
    const list = document.getElementById("due-list");
    const r = await vigil.call("GET", "/api/v1/obligations?limit=10");
    list.replaceChildren();
    if (r.items.length === 0) { list.append(el("p", { class: "meta" }, "No obligation is running.")); return; }
    list.append(el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Obligations due soonest" },
      el("table", {}, el("thead", {}, el("tr", {}, ["Incident", "Rule", "Tenant", "Due", "Time left"].map(h =>
        el("th", { scope: "col" }, h)))),
        el("tbody", {}, r.items.map(o => el("tr", {},
          el("th", { scope: "row" }, el("a", { href: `/web/incident.html?key=${encodeURIComponent(o.incident)}` }, o.incident)),
          el("td", {}, o.rule), el("td", {}, o.tenant || "(provider)"), el("td", {}, time(o.due_at)),
          el("td", {}, countdown(o.due_at))))))));
  }

  async function oncall() {
    const list = document.getElementById("oncall-list");
    const services = await vigil.call("GET", "/api/v1/services");
    const rows = await Promise.all(services.items.map(async s => {
      const o = await vigil.call("GET", `/api/v1/oncall?service=${encodeURIComponent(s.name)}`);
      const first = (o.levels || [])[0];
      const who = first && first.oncall.length ? first.oncall.map(p => p.user).join(", ") : "nobody";
      return el("tr", {}, el("th", { scope: "row" }, s.name), el("td", {}, who),
                el("td", {}, o.escalation_policy || "no escalation policy"));
    }));
    list.replaceChildren(rows.length === 0 ? el("p", { class: "meta" }, "No services yet.")
      : el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "On call now" },
          el("table", {}, el("thead", {}, el("tr", {}, ["Service", "Level 1 now", "Policy"].map(h =>
            el("th", { scope: "col" }, h)))), el("tbody", {}, rows))));
  }

  // Open an incident, from the form or from an alert; then work it.
  async function open(body, alert) {
    const inc = await vigil.call("POST", "/api/v1/incidents", body);
    if (alert)
      await vigil.call("POST", `/api/v1/incidents/${encodeURIComponent(inc.key)}/alerts`,
                       { alert, reason: "opened from the alert" });
    location.assign(`/web/incident.html?key=${encodeURIComponent(inc.key)}`);
  }

  const incidentForm = document.getElementById("incident-form");
  incidentForm.addEventListener("submit", async ev => {
    ev.preventDefault();
    const error = document.getElementById("incident-error");
    error.textContent = "";
    const body = { title: incidentForm.title.value.trim(), severity: incidentForm.severity.value,
                   source: incidentForm.source.value };
    if (incidentForm.service.value.trim()) body.services = [incidentForm.service.value.trim()];
    try { await open(body); } catch (e) { error.textContent = e.message; }
  });

  async function alerts() {
    const list = document.getElementById("alert-list");
    const a = await vigil.call("GET", "/api/v2/alerts");
    list.replaceChildren();
    if (a.length === 0) list.append(el("p", { class: "meta" }, "No active alerts."));
    for (const x of a.slice(0, 20)) {
      const name = x.labels.alertname || x.fingerprint;
      const summary = (x.annotations && x.annotations.summary) || "";
      list.append(el("div", { class: "card" },
        el("h3", {}, name), summary ? el("p", {}, summary) : null,
        el("p", { class: "meta" }, `${x.labels.service || "no service"} · ${x.labels.severity || "no severity"} · since `,
           time(x.startsAt)),
        el("button", { type: "button", onclick: async () => {
          const body = { title: summary || name, severity: /crit/.test(x.labels.severity || "") ? "sev1" : "sev2",
                         source: "monitoring" };
          if (x.labels.service) body.services = [x.labels.service];
          try { await open(body, `fp:${x.fingerprint}`); } catch (e) { message.textContent = e.message; }
        } }, `Open an incident from ${name}`)));
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
    await Promise.all([incidents(), pages(), alerts(), due(), oncall()]);
  } catch (e) {
    message.textContent = e.message;
  }
})();
