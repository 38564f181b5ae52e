// Operations: alerts and silences (the Alertmanager API that amtool uses),
// the on-call schedules of the next two weeks with overrides, tenants with
// import, response figures, the evidence download and the audit chain's
// verification. Sections a role may not read say so and the rest load.
"use strict";

(async () => {
  const { el, time, call, table } = vigil;
  const message = document.getElementById("message");
  if (!await vigil.page(false)) return;

  async function alerts() {
    const a = await call("GET", "/api/v2/alerts");
    return table("Active alerts", ["Alert", "Service", "Severity", "Since", "State"], a.map(x => el("tr", {},
      el("th", { scope: "row" }, x.labels.alertname || x.fingerprint), el("td", {}, x.labels.service || "-"),
      el("td", {}, x.labels.severity || "-"), el("td", {}, time(x.startsAt)), el("td", {}, x.status.state))));
  }

  async function silences() {
    const s = await call("GET", "/api/v2/silences");
    const active = s.filter(x => x.status.state !== "expired");
    return table("Silences", ["Matchers", "Until", "By", "Why", ""], active.map(x => el("tr", {},
      el("th", { scope: "row" }, x.matchers.map(m => `${m.name}${m.isEqual === false ? "!" : ""}${m.isRegex ? "=~" : "="}${m.value}`).join(", ")),
      el("td", {}, time(x.endsAt)), el("td", {}, x.createdBy), el("td", {}, x.comment),
      el("td", {}, el("button", { type: "button", class: "secondary", onclick: async () => {
        try { await call("DELETE", `/api/v2/silence/${encodeURIComponent(x.id)}`); await load("silences-body", silences); }
        catch (e) { message.textContent = e.message; }
      } }, `Expire the silence on ${x.matchers.map(m => m.value).join(", ")}`)))));
  }

  // Each schedule's final shifts over 14 days as a bar: each shift's width
  // is its share of the range (set through the CSSOM: no inline styles).
  async function oncall() {
    const from = new Date(), to = new Date(from.getTime() + 14 * 86400e3);
    const s = await call("GET", "/api/v1/schedules");
    const out = [];
    for (const sch of s.items) {
      const f = await call("GET", `/api/v1/schedules/${encodeURIComponent(sch.name)}/final?from=${from.toISOString().slice(0, 19)}Z&days=14`);
      const bar = el("div", { class: "timeline", role: "img",
                              "aria-label": `${sch.name}: ${f.shifts.map(x => x.user || "nobody").join(", ")}` });
      for (const x of f.shifts) {
        const start = Math.max(new Date(x.from), from), end = Math.min(new Date(x.to), to);
        const seg = el("span", { class: x.user ? "shift" : "shift gap", title: `${x.user || "nobody"}: ${x.from} - ${x.to}` },
                       x.user || "gap");
        seg.style.width = `${Math.max(0, (end - start) / (to - from) * 100)}%`;
        bar.append(seg);
      }
      const overrides = await call("GET", `/api/v1/schedules/${encodeURIComponent(sch.name)}/overrides`);
      out.push(el("h3", {}, `${sch.name} (${f.time_zone})`), bar,
        table(`Shifts of ${sch.name}`, ["From", "To", "Who", "Layer"], f.shifts.map(x => el("tr", {},
          el("td", {}, time(x.from)), el("td", {}, time(x.to)), el("th", { scope: "row" }, x.user || "nobody"),
          el("td", {}, x.layer)))),
        (overrides.items || []).length ? el("p", { class: "meta" }, `${overrides.items.length} override(s) in effect.`) : null);
    }
    const [teams, services] = await Promise.all([call("GET", "/api/v1/teams"), call("GET", "/api/v1/services")]);
    out.push(el("h3", {}, "Teams"), table("Teams", ["Team", "Members"], teams.items.map(x =>
      el("tr", {}, el("th", { scope: "row" }, x.name), el("td", {}, (x.members || []).join(", "))))));
    out.push(el("h3", {}, "Services"), table("Services", ["Service", "Team", "Escalation policy"], services.items.map(x =>
      el("tr", {}, el("th", { scope: "row" }, x.name), el("td", {}, x.team || "-"), el("td", {}, x.escalation_policy || "-")))));
    const p = await call("GET", "/api/v1/escalation-policies");
    out.push(el("h3", {}, "Escalation policies"), table("Escalation policies", ["Policy", "Levels"], p.items.map(x =>
      el("tr", {}, el("th", { scope: "row" }, x.name), el("td", {}, (x.levels || []).map((l, i) =>
        `${i + 1}: ${(l.targets || []).map(t => `${t.type} ${t.name}`).join(", ")}`).join("; "))))));
    return out;
  }

  async function tenants() {
    const t = await call("GET", "/api/v1/tenants?limit=200");
    return [el("p", { class: "meta" }, `${t.items.length}${t.next_cursor ? "+" : ""} tenants.`),
      table("Tenants", ["Id", "Name", "Jurisdictions", "Contacts", "Follow-up"], t.items.map(x => el("tr", {},
        el("th", { scope: "row" }, x.id), el("td", {}, x.name), el("td", {}, (x.jurisdictions || []).join(", ")),
        el("td", {}, (x.contacts || []).map(c => c.email).join(", ")),
        el("td", {}, x.needs_followup ? el("span", { class: "state bad" }, "needs follow-up") : ""))))];
  }

  // The rules the obligations are computed from: what each applies to,
  // its deadline in words, and how sure the research behind it was.
  async function rules() {
    const r = await call("GET", "/api/v1/rules");
    const applies = a => [["in", a.jurisdictions], ["sectors", a.sectors], ["data", a.data],
                          ["regulated as", a.regulated_as], ["regimes", a.regimes]]
      .filter(([, v]) => v && v.length).map(([k, v]) => `${k}: ${v.join(", ")}`)
      .concat(a.residents ? [a.residents.words] : []).join("; ") || "every incident";
    const rows = () => table("Notification rules", ["Rule", "Regulation", "Who acts, for whom", "Applies", "Deadline",
                                                    "Report contents", "Confidence"],
      r.rules.map(x => el("tr", {},
        el("th", { scope: "row" }, x.id),
        el("td", {}, `${x.regulation || ""} - ${x.citation || ""}`),
        el("td", {}, `${x.duty === "tenant" ? "the tenant" : "we"} (${x.for === "tenant" ? "per tenant" : "our own"}), to ${x.recipient || "-"}`),
        el("td", {}, applies(x.applies)),
        el("td", {}, x.deadline),
        el("td", {}, (x.contents || []).join("; ") || "-"),
        el("td", {}, x.confidence + (x.note ? ` - ${x.note}` : "")))));
    // The table is built when opened: closed, it holds no focusable region.
    const box = el("details", {}, el("summary", {}, `Show the ${r.count} rules`));
    box.addEventListener("toggle", () => {
      if (box.open && box.children.length === 1) box.append(rows());
    });
    // What the research found but the file does not compute, and why: a
    // compliance officer reads these as duties to track by hand.
    const missing = r.not_encoded || [];
    const left = el("details", {}, el("summary", {}, `Show the ${missing.length} researched rows not encoded`));
    left.addEventListener("toggle", () => {
      if (left.open && left.children.length === 1)
        left.append(table("Researched rows not encoded", ["Row", "Why not"],
          missing.map(x => el("tr", {}, el("th", { scope: "row" }, x.id), el("td", {}, x.reason)))));
    });
    return [el("p", { class: "meta" }, `Version ${r.version}: ${r.count} rules, ${missing.length} researched rows not encoded.`),
            box, missing.length ? left : null];
  }

  async function audit() {
    const v = await call("GET", "/api/v1/audit/verify");
    return el("p", { id: "audit-state" }, "Audit chain: ",
      el("span", { class: `state ${v.ok ? "ok" : "bad"}` }, v.ok ? "intact" : "broken"),
      ` - ${v.records} records; head `, el("code", {}, v.head_hash || ""),
      v.ok ? "" : ` - first bad record ${v.first_bad_seq}: ${v.reason}`);
  }

  async function metrics() {
    const m = await call("GET", "/api/v1/reports/metrics");
    const names = ["detect", "acknowledge", "declare", "contain", "eradicate", "recover"];
    const fmt = s => s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`;
    return [el("h3", {}, `Response in the last 30 days (${m.incidents} incidents)`),
      table("Response times", ["Step", "Median", "90th percentile", "Incidents"], names.map(k => {
        const x = m.all[k];
        return el("tr", {}, el("th", { scope: "row" }, `Time to ${k}`), el("td", {}, x.n ? fmt(x.median_s) : "-"),
                  el("td", {}, x.n ? fmt(x.p90_s) : "-"), el("td", {}, x.n));
      }))];
  }

  async function load(id, fn) {
    const box = document.getElementById(id);
    try {
      box.replaceChildren(...[await fn()].flat(Infinity).filter(x => x !== null && x !== undefined));
    } catch (e) {
      box.replaceChildren(el("p", { class: "meta" }, e.status === 403 ? "Your role does not show this." : e.message));
    }
  }

  document.getElementById("silence-form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const f = ev.target, error = document.getElementById("silence-error");
    error.textContent = "";
    const [name, ...rest] = f.matcher.value.split("=");
    const now = new Date();
    try {
      if (!name || !rest.length) throw new Error("Write the matcher as label=value.");
      await call("POST", "/api/v2/silences", {
        matchers: [{ name: name.trim(), value: rest.join("=").trim(), isRegex: false, isEqual: true }],
        startsAt: now.toISOString(), endsAt: new Date(now.getTime() + Number(f.hours.value) * 3600e3).toISOString(),
        createdBy: document.getElementById("who").textContent.split(" ")[0], comment: f.comment.value.trim() });
      f.reset();
      message.textContent = "Silenced.";
      await load("silences-body", silences);
    } catch (e) {
      error.textContent = e.message;
    }
  });

  document.getElementById("import-form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const f = ev.target, error = document.getElementById("import-error");
    error.textContent = "";
    const file = f.file.files[0];
    if (!file) { error.textContent = "Choose a file."; return; }
    try {
      const csv = /\.csv$/i.test(file.name) || file.type === "text/csv";
      const r = await fetch("/api/v1/tenants/import", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": csv ? "text/csv" : "application/json", "Accept": "application/json",
                   "X-CSRF-Token": sessionStorage.getItem("vigil_csrf") || "" },
        body: await file.text() });
      const data = await r.json();
      if (!r.ok) throw new Error([data.detail, ...(data.errors || []).slice(0, 10).map(e => `${e.field}: ${e.message}`)]
                                   .filter(Boolean).join("; "));
      message.textContent = `Imported: ${data.created} created, ${data.updated} updated, ${data.unchanged} unchanged.`;
      f.reset();
      await load("tenants-body", tenants);
    } catch (e) {
      error.textContent = e.message;
    }
  });

  const to = new Date(), from = new Date(to.getTime() - 90 * 86400e3);
  document.getElementById("evidence-link").href =
    `/api/v1/reports/evidence?from=${from.toISOString().slice(0, 19)}Z&to=${to.toISOString().slice(0, 19)}Z`;

  await Promise.all([load("alerts-body", alerts), load("silences-body", silences), load("oncall-body", oncall),
                     load("tenants-body", tenants), load("rules-body", rules), load("audit-body", audit), load("metrics-body", metrics)]);
})();
