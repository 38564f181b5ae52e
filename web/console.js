// The staff console's first page: what needs the viewer now (their pages,
// with Ack; their tasks; approvals and notices waiting for a second
// person), open incidents by phase and severity, obligations due soonest,
// who is on call, alerts, and the status advisory form. Every part
// refreshes itself when the change stream (live.js) says it changed.
"use strict";

(async () => {
  const { el, time, countdown } = vigil;
  // A table cell that names its column when the table stacks into one
  // card per row on a narrow screen.
  const cell = (label, ...children) => el("td", { "data-label": label }, ...children);
  const message = document.getElementById("message");
  if (!await vigil.page(false)) return;

  async function incidents() {
    const r = await vigil.call("GET", "/api/v1/incidents?open=true&limit=100");
    const open = r.items;
    openIncidents = open;
    // The advisory form's incidents: the open ones, by key and title.
    const about = document.getElementById("advisory-incident");
    const was = about.value;
    about.replaceChildren(el("option", { value: "" }, "No incident"),
      ...open.map(i => el("option", { value: i.key }, `${i.key}: ${i.title}`)));
    about.value = open.some(i => i.key === was) ? was : "";
    const body = document.querySelector("#incident-table tbody");
    body.replaceChildren();
    if (open.length === 0) body.append(el("tr", {}, el("td", { colspan: 7 }, "No open incidents.")));
    for (const i of open) {
      body.append(el("tr", {},
        el("th", { scope: "row" }, el("a", { href: `/web/incident.html?key=${encodeURIComponent(i.key)}` }, i.key)),
        cell("Title", i.title), cell("Severity", el("span", { class: `badge sev-${i.severity}` }, i.severity)),
        cell("Phase", el("span", { class: `badge phase-${i.phase}` }, i.phase)),
        cell("Classification", i.classification), cell("Reported", time(i.reported_at)),
        cell("Report", el("a", { href: `/api/v1/incidents/${encodeURIComponent(i.key)}/report` }, `Report of ${i.key}`))));
    }
    const tally = k => {
      const c = {};
      for (const i of open) c[i[k]] = (c[i[k]] || 0) + 1;
      return Object.entries(c).sort().map(([v, n]) => `${v}: ${n}`).join(" · ");
    };
    // The tally is of the rows shown; the list page pages through all.
    document.getElementById("by-phase").textContent =
      open.length ? `${r.next_cursor ? `Of the newest ${open.length}: by` : "By"} phase - ${tally("phase")}. By severity - ${tally("severity")}.` : "";
  }

  const incidentLink = (key, section) => el("a", {
    href: `/web/incident.html?key=${encodeURIComponent(key)}${section ? `#${section}` : ""}` }, key);
  const more = (list, what) => list.more ? el("p", { class: "meta" }, `Only the first ${list.items.length} ${what} are shown.`) : null;

  // What waits for the viewer (GET /api/v1/me/work): one card per thing,
  // each saying what to do and linking to where it is done.
  async function work() {
    const w = await vigil.call("GET", "/api/v1/me/work");
    const box = document.getElementById("work-list");
    const parts = [];

    const pageCards = w.pages.items.map(p => {
      const error = el("p", { class: "error", role: "alert" });
      const ack = el("button", { type: "button", onclick: async () => {
        ack.disabled = true;
        error.textContent = "";
        try {
          await vigil.call("POST", `/api/v1/pages/${p.id}/ack`);
          message.textContent = `Acknowledged the page for ${p.incident}.`;
          await work();
        } catch (e) { error.textContent = e.message; ack.disabled = false; }
      } }, `Acknowledge the page for ${p.incident}`);
      return el("div", { class: "card page-card" },
        el("h4", {}, "Page: ", incidentLink(p.incident), ` ${p.incident_title}`),
        el("p", { class: "meta" }, `Level ${p.level}, via ${p.via}, paged `, time(p.paged_at)),
        el("div", { class: "actions" }, ack), error);
    });
    parts.push(el("h3", {}, "Your pages"), pageCards.length ? pageCards
      : el("p", { class: "meta" }, "No page waits for you."), more(w.pages, "pages"));

    parts.push(el("h3", {}, "Your tasks"), w.tasks.items.length ? w.tasks.items.map(t =>
      el("div", { class: "card" },
        el("h4", {}, incidentLink(t.incident, "tasks"), ` ${t.title}`),
        el("p", { class: "meta" }, `${t.status.replace("_", " ")} · ${t.incident_title} · `,
           t.due_at ? countdown(t.due_at) : "no due time")))
      : el("p", { class: "meta" }, "No open task is yours."), more(w.tasks, "tasks"));

    if (w.approvals) {
      parts.push(el("h3", {}, "Approvals waiting for you"), w.approvals.items.length ? w.approvals.items.map(a =>
        el("div", { class: "card" },
          el("h4", {}, incidentLink(a.incident, "tasks"), ` ${a.title}`),
          el("p", { class: "meta" }, `Requested by ${a.requested_by} `, time(a.requested_at), ` · ${a.incident_title}`),
          el("p", {}, el("a", { href: `/web/incident.html?key=${encodeURIComponent(a.incident)}#tasks` },
            `Decide on "${a.title}"`))))
        : el("p", { class: "meta" }, "No approval waits for you."), more(w.approvals, "approvals"));
    }
    if (w.notices) {
      parts.push(el("h3", {}, "Notices waiting for a second person"), w.notices.items.length ? w.notices.items.map(n =>
        el("div", { class: "card" },
          el("h4", {}, incidentLink(n.incident, "communications"), ` ${n.kind} notice, version ${n.version}`),
          el("p", { class: "meta" }, `Composed by ${n.composed_by} `, time(n.composed_at), ` · ${n.incident_title}`),
          el("p", {}, el("a", { href: `/web/incident.html?key=${encodeURIComponent(n.incident)}#communications` },
            `Review and release version ${n.version}`))))
        : el("p", { class: "meta" }, "No notice waits for a second person."), more(w.notices, "notices"));
    }
    box.replaceChildren(...parts.flat().filter(Boolean));
    const waiting = w.pages.items.length + w.tasks.items.length + (w.approvals ? w.approvals.items.length : 0) +
                    (w.notices ? w.notices.items.length : 0);
    document.getElementById("work-count").textContent = waiting ? `${waiting} waiting` : "nothing waiting";
  }

  async function due() {
    const list = document.getElementById("due-list");
    const r = await vigil.call("GET", "/api/v1/obligations?limit=10");
    list.replaceChildren();
    if (r.items.length === 0) { list.append(el("p", { class: "meta" }, "No obligation is running.")); return; }
    list.append(el("div", { class: "table-wrap stack", tabindex: "0", role: "region", "aria-label": "Obligations due soonest" },
      el("table", {}, el("thead", {}, el("tr", {}, ["Incident", "Rule", "Tenant", "Due", "Time left"].map(h =>
        el("th", { scope: "col" }, h)))),
        el("tbody", {}, r.items.map(o => el("tr", {},
          el("th", { scope: "row" }, el("a", { href: `/web/incident.html?key=${encodeURIComponent(o.incident)}` }, o.incident)),
          cell("Rule", o.rule), cell("Tenant", o.tenant || "(provider)"),
          // A duty "without undue delay" has no deadline to be late for:
          // its clock runs to the internal target.
          o.deadline_kind === "asap"
            ? [cell("Due", "without undue delay"), cell("Time left", "target: ", countdown(o.target_at))]
            : [cell("Due", time(o.due_at)), cell("Time left", countdown(o.due_at))]))))));
  }

  // The advisory names a service the organisation runs: a choice, not
  // free text (a typo once put a phantom service on the public page).
  function servicePicker(services) {
    const pick = document.getElementById("advisory-service");
    const chosen = pick.value;
    pick.replaceChildren(el("option", { value: "" }, "Choose a service"),
      ...services.items.map(s => el("option", { value: s.name }, s.name)));
    pick.value = services.items.some(s => s.name === chosen) ? chosen : "";
  }

  async function oncall() {
    const list = document.getElementById("oncall-list");
    const services = await vigil.call("GET", "/api/v1/services");
    servicePicker(services);
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

  // Firing alerts. One that already belongs to an incident links to it
  // (opening another would make a duplicate and page again); one that
  // does not can open an incident or join one already open.
  let openIncidents = [];
  async function alerts() {
    const list = document.getElementById("alert-list");
    const a = await vigil.call("GET", "/api/v1/alerts?status=firing&limit=20");
    list.replaceChildren();
    if (a.items.length === 0) list.append(el("p", { class: "meta" }, "No active alerts."));
    for (const x of a.items) {
      const name = x.labels.alertname || x.fingerprint;
      const summary = x.summary || (x.annotations && x.annotations.summary) || "";
      const meta = el("p", { class: "meta" }, `${x.service || x.labels.service || "no service"} · ${x.severity || x.labels.severity || "no severity"} · since `,
                      time(x.starts_at));
      if (x.incident) {
        list.append(el("div", { class: "card" }, el("h3", {}, name), summary ? el("p", {}, summary) : null, meta,
          el("p", {}, "Part of ", incidentLink(x.incident), ".")));
        continue;
      }
      const error = el("p", { class: "error", role: "alert" });
      const fail = e => { error.textContent = e.message; };
      const choice = el("select", { id: `join-${x.id}`, name: "incident" },
        el("option", { value: "" }, "Choose an open incident"),
        openIncidents.map(i => el("option", { value: i.key }, `${i.key} ${i.title}`)));
      const join = el("form", { "aria-label": `Add ${name} to an open incident`, onsubmit: async ev => {
        ev.preventDefault();
        error.textContent = "";
        if (!choice.value) { error.textContent = "Choose the incident the alert belongs to."; return; }
        try {
          await vigil.call("POST", `/api/v1/incidents/${encodeURIComponent(choice.value)}/alerts`,
                           { alert: `fp:${x.fingerprint}`, reason: "added from the console" });
          message.textContent = `${name} is now part of ${choice.value}.`;
          await alerts();
        } catch (e) { fail(e); }
      } }, el("label", { for: `join-${x.id}` }, "Add to an open incident"), choice,
        el("button", { type: "submit", class: "secondary" }, `Add ${name}`));
      list.append(el("div", { class: "card" },
        el("h3", {}, name), summary ? el("p", {}, summary) : null, meta,
        el("div", { class: "actions" }, el("button", { type: "button", onclick: async () => {
          const body = { title: summary || name, severity: /crit/.test(x.severity || x.labels.severity || "") ? "sev1" : "sev2",
                         source: "monitoring" };
          if (x.service || x.labels.service) body.services = [x.service || x.labels.service];
          try { await open(body, `fp:${x.fingerprint}`); } catch (e) { fail(e); }
        } }, `Open an incident from ${name}`)),
        openIncidents.length ? join : null, error));
    }
  }

  const form = document.getElementById("advisory-form");
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const error = document.getElementById("advisory-error");
    error.textContent = "";
    try {
      const body = { service: form.service.value, state: form.state.value, message: form.message.value };
      if (form.incident.value) body.incident = form.incident.value;
      await vigil.call("POST", "/api/v1/advisories", body);
      form.reset();
      message.textContent = "The advisory is on the status page.";
    } catch (e) {
      error.textContent = e.message;
    }
  });

  const shown = e => { message.textContent = e.message; };
  try {
    await Promise.all([work(), incidents().then(alerts), due(), oncall()]);
  } catch (e) {
    shown(e);
  }
  // Incidents carry their pages, tasks, approvals, notices and obligations
  // in their audit records; on-call follows the organisation.
  vigilLive.watch("incident:", () => Promise.all([work(), incidents().then(alerts), due()]), shown);
  vigilLive.watch("alerts", alerts, shown);
  vigilLive.watch(["service:", "team:", "schedule:", "escalation_policy:", "override:"], oncall, shown);
})();
