// One incident, worked from the browser: the phase with what its exit still
// needs, classification and declaration, scope, tasks and approvals, root
// cause and recovery, the notification obligations counting down, customer
// notices with their deliveries, the post-mortem, and the timeline. Every
// change goes through the API; a refusal shows the server's reasons.
"use strict";

(async () => {
  const { el, time, call, countdown, table } = vigil;
  const key = new URLSearchParams(location.search).get("key") || "";
  const base = `/api/v1/incidents/${encodeURIComponent(key)}`;
  const message = document.getElementById("message");
  if (!await vigil.page(false)) return;

  const PHASES = ["analysis", "containment", "eradication", "recovery", "post_incident", "closed"];
  const CATEGORIES = ["customer_data", "personal_data", "special_category", "credentials", "payment_card", "health",
                      "financial", "government_id", "children", "location", "internal"];
  let inc = null;

  // A labelled field: el("div") with a label and an input, textarea or select.
  let ids = 0;
  function field(label, kind, attrs = {}, options = []) {
    const id = `f${++ids}`;
    const input = kind === "select"
      ? el("select", { id, ...attrs }, options.map(o => el("option", { value: o }, o)))
      : el(kind, { id, ...attrs });
    return { wrap: el("div", {}, el("label", { for: id }, label), input), input };
  }

  function checkbox(label, attrs = {}) {
    const id = `f${++ids}`;
    const input = el("input", { id, type: "checkbox", ...attrs });
    return { wrap: el("div", { class: "check" }, input, " ", el("label", { for: id, class: "inline" }, label)), input };
  }

  // A form whose submit runs fn; errors show under it. Success reloads the
  // sections first and says "done" after, so that what the page shows when
  // the message appears is already the new state.
  function form(name, children, button, fn) {
    const error = el("p", { class: "error", role: "alert" });
    const f = el("form", { "aria-label": name, novalidate: true }, children, el("div", { class: "actions" },
      el("button", { type: "submit" }, button)), error);
    f.addEventListener("submit", async ev => {
      ev.preventDefault();
      error.replaceChildren();
      message.textContent = "";
      let done = false;
      try {
        await fn();
        done = true;
        await load();
        message.textContent = `${name}: done.`;
      } catch (e) {
        if (done) {
          message.textContent = `${name}: done, but the page could not reload: ${e.message}`;
          return;
        }
        error.append(e.message);
        const list = (e.problem && e.problem.errors) || [];
        if (list.length) error.append(el("ul", {}, list.map(x => el("li", {}, `${x.field}: ${x.message}`))));
      }
    });
    return f;
  }

  async function phaseSection() {
    const next = PHASES[PHASES.indexOf(inc.phase) + 1];
    const reason = field("Reason (for re-entering a phase, or closing a false positive)", "input");
    const out = [el("p", {}, "Now in ", el("strong", {}, inc.phase), ".")];
    if (next) {
      // What the server will ask before it lets the incident move on.
      const x = await call("GET", `${base}/exit-criteria`);
      out.push(x.unmet.length
        ? el("div", { id: "exit-criteria" }, el("p", {}, `Before ${next}, still needed:`),
             el("ul", {}, x.unmet.map(u => el("li", {}, `${u.field}: ${u.message}`))))
        : el("p", { id: "exit-criteria" }, `Ready to move to ${next}.`));
    }
    if (next) {
      const target = field("Move to", "select", {}, PHASES.filter(p => p !== inc.phase));
      target.input.value = next;
      out.push(form("Advance the phase", [target.wrap, reason.wrap], "Move", async () => {
        const body = { phase: target.input.value };
        if (reason.input.value.trim()) body.reason = reason.input.value.trim();
        await call("POST", `${base}/advance`, body);
      }));
    }
    return out;
  }

  function classificationSection() {
    const cls = field("Classification", "select", {},
                      ["suspected", "security_incident", "compliance_event", "false_positive"]);
    cls.input.value = inc.classification;
    const c = checkbox("Confidentiality", inc.impact.confidentiality ? { checked: true } : {});
    const i = checkbox("Integrity", inc.impact.integrity ? { checked: true } : {});
    const a = checkbox("Availability", inc.impact.availability ? { checked: true } : {});
    const cats = CATEGORIES.map(x => checkbox(x, inc.data_categories.includes(x) ? { checked: true } : {}));
    const out = [form("Classify", [cls.wrap, el("fieldset", {}, el("legend", {}, "Impact on customer or personal data"),
                                                 c.wrap, i.wrap, a.wrap),
                                   el("fieldset", {}, el("legend", {}, "Data categories hit"), cats.map(x => x.wrap))],
                      "Save the classification", async () => {
      await call("POST", `${base}/classify`, {
        classification: cls.input.value,
        impact: { confidentiality: c.input.checked, integrity: i.input.checked, availability: a.input.checked },
        data_categories: CATEGORIES.filter((x, k) => cats[k].input.checked),
      });
    })];
    if (inc.declared_at) {
      out.push(el("p", {}, "Declared a security incident ", time(inc.declared_at), "."));
    } else {
      const criteria = field("Why this is a security incident (criteria met)", "textarea");
      out.push(form("Declare", [criteria.wrap], "Declare a security incident", async () => {
        await call("POST", `${base}/declare`, { criteria: criteria.input.value.trim() });
      }));
    }
    return out;
  }

  async function anchorsSection() {
    const a = await call("GET", `${base}/anchors`);
    const rows = Object.entries(a.anchors).map(([name, v]) => el("tr", {}, el("th", { scope: "row" }, name),
      el("td", {}, v ? time(v.at) : "-"), el("td", {}, v ? v.source : "unset")));
    const name = field("Anchor", "select", {}, Object.keys(a.anchors).filter(k => k !== "declared"));
    const at = field("At (UTC, e.g. 2026-11-20T08:00:00Z)", "input"), reason = field("Reason", "input");
    return [table("Anchors of the legal clocks", ["Anchor", "At", "Source"], rows),
      form("Set an anchor", [name.wrap, at.wrap, reason.wrap], "Set the anchor", async () => {
        await call("PUT", `${base}/anchors/${encodeURIComponent(name.input.value)}`,
                   { at: at.input.value.trim(), reason: reason.input.value.trim() });
      })];
  }

  function scopeSection() {
    const services = field("Affected services (comma-separated)", "input", { value: (inc.services || []).join(", ") });
    const tenants = field("Tenants: one per line, \"id status\" (confirmed, suspected or ruled_out)", "textarea");
    tenants.input.value = (inc.tenants || []).map(t => `${t.id} ${t.status}`).join("\n");
    const reason = field("Reason for the change", "input");
    return form("Scope", [services.wrap, tenants.wrap, reason.wrap], "Save the scope", async () => {
      const list = tenants.input.value.split("\n").map(l => l.trim()).filter(Boolean).map(l => {
        const [id, status] = l.split(/\s+/);
        return { id, status: status || "suspected" };
      });
      const body = { services: services.input.value.split(",").map(s => s.trim()).filter(Boolean), tenants: list };
      if (reason.input.value.trim()) body.reason = reason.input.value.trim();
      await call("PUT", `${base}/scope`, body);
    });
  }

  async function tasksSection() {
    const t = await call("GET", `${base}/tasks`);
    const rows = t.items.map(x => el("tr", {},
      el("td", {}, x.phase), el("th", { scope: "row" }, x.title), el("td", {}, x.owner || "-"), el("td", {}, x.status),
      el("td", {}, x.approval ? `${x.approval.status}${x.approval.decided_by ? ` by ${x.approval.decided_by}` : ""}` : "-"),
      el("td", {}, x.status === "done" ? "" : el("button", { type: "button", class: "secondary", onclick: async () => {
        try { await call("PATCH", `${base}/tasks/${x.id}`, { status: "done" }); await load(); }
        catch (e) { message.textContent = e.message; }
      } }, `Mark "${x.title}" done`),
        x.approval && x.approval.status === "pending" ? el("button", { type: "button", onclick: async () => {
          try { await call("POST", `${base}/approvals`, { task: x.id, decision: "granted" }); await load(); }
          catch (e) { message.textContent = e.message; }
        } }, `Approve "${x.title}"`) : null)));
    const phase = field("Phase", "select", {}, PHASES.slice(0, 4));
    phase.input.value = PHASES.slice(0, 4).includes(inc.phase) ? inc.phase : "containment";
    const title = field("Task", "input");
    const owner = field("Owner (user name)", "input");
    const impact = checkbox("Has business impact (needs an executive's approval)");
    return [table("Tasks", ["Phase", "Task", "Owner", "Status", "Approval", "Actions"], rows),
      form("Add a task", [phase.wrap, title.wrap, owner.wrap, impact.wrap], "Add the task", async () => {
        const body = { phase: phase.input.value, title: title.input.value.trim(), business_impact: impact.input.checked };
        if (owner.input.value.trim()) body.owner = owner.input.value.trim();
        await call("POST", `${base}/tasks`, body);
      })];
  }

  async function recoverySection() {
    const rc = field("Root cause", "textarea");
    rc.input.value = inc.root_cause || "";
    const r = await call("GET", `${base}/recovery`);
    const asset = field("Asset", "input"), snap = field("Last known good snapshot", "input");
    const restore = field("How it was restored", "input");
    const check = field("Validation check", "input");
    return [
      form("Root cause", [rc.wrap], "Save the root cause", async () => {
        await call("PATCH", base, { root_cause: rc.input.value.trim() });
      }),
      table("Assets", ["Asset", "Snapshot", "Restored by"], r.assets.map(a =>
        el("tr", {}, el("th", { scope: "row" }, a.asset), el("td", {}, a.snapshot), el("td", {}, a.restore_actions)))),
      form("Last known good state", [asset.wrap, snap.wrap, restore.wrap], "Record the asset", async () => {
        await call("PUT", `${base}/recovery/assets/${encodeURIComponent(asset.input.value.trim())}`,
                   { snapshot: snap.input.value.trim(), restore_actions: restore.input.value.trim() });
      }),
      table("Validation checks", ["Check", "Result", ""], r.checks.map(c => el("tr", {},
        el("th", { scope: "row" }, c.name), el("td", {}, c.result),
        el("td", {}, c.result === "pass" ? "" : el("button", { type: "button", class: "secondary", onclick: async () => {
          try { await call("PATCH", `${base}/recovery/checks/${c.id}`, { result: "pass", detail: "checked in the console" }); await load(); }
          catch (e) { message.textContent = e.message; }
        } }, `Record "${c.name}" as passed`))))),
      form("Add a validation check", [check.wrap], "Add the check", async () => {
        await call("POST", `${base}/recovery/checks`, { name: check.input.value.trim() });
      }),
    ];
  }

  // A file as base64, for a filing's attachment.
  function readBase64(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
      r.onerror = () => reject(new Error(`${file.name}: cannot be read`));
      r.readAsDataURL(file);
    });
  }

  async function obligationsSection() {
    const o = await call("GET", `${base}/obligations`);
    const h = await call("GET", `${base}/filings`);
    const live = o.items.filter(x => x.status !== "withdrawn");
    const name = x => `${x.rule} for ${x.tenant || "the provider"}`;
    const rows = live.map(x => el("tr", {},
      el("th", { scope: "row" }, x.rule), el("td", {}, x.tenant || "(provider)"), el("td", {}, x.recipient),
      el("td", {}, x.status === "cannot_compute" ? "cannot compute" : time(x.due_at)),
      el("td", {}, x.status === "open" ? countdown(x.due_at)
        : x.status === "cannot_compute" ? el("span", { class: "error" }, `Cannot compute: ${x.reason}`) : x.status),
      el("td", {}, x.sent_at ? time(x.sent_at) : "")));
    const out = [el("p", { class: "meta" }, `Rules data ${o.rules_version}.`),
                 table("Obligations", ["Rule", "Tenant", "Recipient", "Due", "Time left", "Sent"], rows)];
    // The filing history: every filing and correction, oldest first.
    const byId = Object.fromEntries(o.items.map(x => [x.id, x]));
    out.push(table("Filing history", ["Obligation", "What", "When", "By", "Channel", "Reference", "Note or reason", "File"],
      h.items.map(f => el("tr", {},
        el("th", { scope: "row" }, byId[f.obligation] ? name(byId[f.obligation]) : String(f.obligation)),
        el("td", {}, f.kind === "correction" ? ["corrected from ", time(f.previous_at)] : "filed"),
        el("td", {}, time(f.at)), el("td", {}, f.by), el("td", {}, f.channel), el("td", {}, f.reference),
        el("td", {}, f.kind === "correction" ? f.reason : f.note),
        el("td", {}, f.attachment ? el("a", { href: `${base}/filings/${f.id}/attachment` },
                                       `${f.attachment.name} (sha256 ${f.attachment.sha256.slice(0, 12)}…)`) : "")))));
    const open = live.filter(x => x.status === "open" || x.status === "cannot_compute"), sent = live.filter(x => x.status === "sent");
    if (open.length) {
      const which = field("Obligation", "select", {}, []);
      which.input.replaceChildren(...open.map(x => el("option", { value: x.id }, name(x))));
      const at = field("Sent at (UTC, e.g. 2026-12-01T12:00:00Z; empty: now)", "input");
      const channel = field("Channel", "select", {}, ["portal", "email", "letter", "phone", "other"]);
      const ref = field("Reference number (the regulator's or recipient's)", "input");
      const note = field("Note", "textarea");
      const file = field("Attachment (optional, at most 512 KiB)", "input", { type: "file" });
      out.push(form("Record a filing", [which.wrap, at.wrap, channel.wrap, ref.wrap, note.wrap, file.wrap],
                    "Record as filed", async () => {
        const body = { channel: channel.input.value };
        if (at.input.value.trim()) body.at = at.input.value.trim();
        if (ref.input.value.trim()) body.reference = ref.input.value.trim();
        if (note.input.value.trim()) body.note = note.input.value.trim();
        const f = file.input.files && file.input.files[0];
        if (f) body.attachment = { name: f.name, media_type: f.type || "application/octet-stream",
                                   content: await readBase64(f) };
        await call("POST", `${base}/obligations/${which.input.value}/sent`, body);
      }));
    }
    if (sent.length) {
      const which = field("Obligation", "select", {}, []);
      which.input.replaceChildren(...sent.map(x => el("option", { value: x.id }, name(x))));
      const at = field("Corrected sent time (UTC, e.g. 2026-12-01T12:00:00Z)", "input");
      const reason = field("Reason for the correction", "textarea");
      out.push(form("Correct a sent time", [which.wrap, at.wrap, reason.wrap], "Correct the time", async () => {
        await call("POST", `${base}/obligations/${which.input.value}/correction`,
                   { at: at.input.value.trim(), reason: reason.input.value.trim() });
      }));
    }
    return out;
  }

  async function noticesSection() {
    const n = await call("GET", `${base}/notices`);
    const cards = n.items.map(x => {
      const counts = {};
      for (const d of x.deliveries) counts[d.status] = (counts[d.status] || 0) + 1;
      return el("article", { class: "card" },
        el("h3", {}, `Notice ${x.version} (${x.kind})`),
        el("p", { class: "notice" }, x.nature),
        el("p", { class: "meta" }, `To ${x.tenants.join(", ")}. `,
           x.released_at ? ["Released ", time(x.released_at), ` by ${x.released_by}. `] : "Not released. ",
           Object.entries(counts).map(([s, k]) => `${k} ${s}`).join(", ")),
        x.released_at ? null : el("button", { type: "button", onclick: async () => {
          try { await call("POST", `${base}/notices/${x.id}/release`, {}); await load(); }
          catch (e) { message.textContent = e.message; }
        } }, `Release notice ${x.version}`));
    });
    const kind = field("Kind", "select", {}, ["initial", "update", "final"]);
    const nature = field("Nature of the breach", "textarea"), impact = field("Approximate user impact", "textarea");
    const mitigation = field("Mitigation steps (or \"none applicable\")", "textarea");
    const next = field("Next steps", "textarea"), nextAt = field("Next update by (UTC, e.g. 2026-12-01T12:00:00Z)", "input");
    return [cards.length ? cards : el("p", { class: "meta" }, "No notices yet."),
      form("Compose a notice", [kind.wrap, nature.wrap, impact.wrap, mitigation.wrap, next.wrap, nextAt.wrap],
           "Compose", async () => {
        const body = { kind: kind.input.value, nature: nature.input.value.trim(), user_impact: impact.input.value.trim(),
                       mitigation: mitigation.input.value.trim() };
        if (next.input.value.trim()) body.next_steps = next.input.value.trim();
        if (nextAt.input.value.trim()) body.next_update_at = nextAt.input.value.trim();
        await call("POST", `${base}/notices`, body);
      })];
  }

  async function postmortemSection() {
    let pm = null;
    try { pm = await call("GET", `${base}/postmortem`); } catch (e) { if (e.status !== 404) throw e; }
    const out = [];
    if (pm) {
      out.push(el("p", {}, `Status: ${pm.status} (version ${pm.version})`,
                  pm.approved_by ? `, approved by ${pm.approved_by}` : "", pm.required ? ". Required to close." : "."));
      if (pm.missing.length)
        out.push(el("ul", { class: "error" }, pm.missing.map(m => el("li", {}, `${m.field}: ${m.message}`))));
    }
    const summary = field("Summary", "textarea"), impact = field("Impact", "textarea");
    const narrative = field("Narrative", "textarea"), well = field("What went well", "textarea");
    const factors = field("Contributing factors: one per line, \"kind: description\" (technical_lapse, procedural_failure, manual_error, other_process_flaw)", "textarea");
    if (pm) {
      summary.input.value = pm.summary; impact.input.value = pm.impact;
      narrative.input.value = pm.narrative; well.input.value = pm.went_well;
      factors.input.value = pm.factors.map(f => `${f.kind}: ${f.description}`).join("\n");
    }
    if (!pm || pm.status !== "approved") {
      out.push(form("Post-mortem", [summary.wrap, impact.wrap, narrative.wrap, well.wrap, factors.wrap], "Save the post-mortem",
        async () => {
          const list = factors.input.value.split("\n").map(l => l.trim()).filter(Boolean).map((l, k) => {
            const at = l.indexOf(":");
            const f = { kind: l.slice(0, at).trim(), description: l.slice(at + 1).trim() };
            if (pm && pm.factors[k] && pm.factors[k].kind === f.kind) f.id = pm.factors[k].id;
            return f;
          });
          await call("PUT", `${base}/postmortem`, { summary: summary.input.value, impact: impact.input.value,
                                                     narrative: narrative.input.value, went_well: well.input.value,
                                                     factors: list });
        }));
    }
    if (pm) {
      out.push(table("Improvements", ["Factor", "Improvement", "Owner", "Due", "Status"], pm.improvements.map(i =>
        el("tr", {}, el("td", {}, i.factor), el("th", { scope: "row" }, i.title), el("td", {}, i.owner),
           el("td", {}, time(i.due_at)), el("td", {}, i.status)))));
      const factor = field("For factor", "select", {}, pm.factors.map(f => f.id));
      const title = field("Improvement", "input"), owner = field("Owner (user name)", "input");
      const kind = field("Kind", "select", {}, ["prevent", "detect", "respond"]);
      const due = field("Due (UTC, e.g. 2027-01-31T17:00:00Z)", "input");
      out.push(form("Add an improvement", [factor.wrap, title.wrap, owner.wrap, kind.wrap, due.wrap], "Add the improvement",
        async () => {
          await call("POST", `${base}/improvements`, { factor: factor.input.value, title: title.input.value.trim(),
                                                        owner: owner.input.value.trim(), kind: kind.input.value,
                                                        due_at: due.input.value.trim() });
        }));
      if (pm.status !== "approved")
        out.push(el("button", { type: "button", onclick: async () => {
          try { await call("POST", `${base}/postmortem/approve`, {}); await load(); }
          catch (e) { message.textContent = e.message; }
        } }, "Approve the post-mortem"));
    }
    return out;
  }

  async function timelineSection() {
    const t = await call("GET", `${base}/timeline?limit=200`);
    return table("Timeline", ["When", "Who", "What"], t.items.map(a =>
      el("tr", {}, el("td", {}, time(a.at)), el("td", {}, a.actor), el("th", { scope: "row" }, a.action))));
  }

  async function load() {
    inc = await call("GET", base);
    document.title = `${inc.key} - Vigil`;
    document.getElementById("title").textContent = `${inc.key}: ${inc.title}`;
    const summary = document.getElementById("summary");
    summary.replaceChildren(`${inc.severity} · ${inc.classification} · reported by ${inc.reporter} `, time(inc.reported_at),
                            " · ", el("a", { href: `${base}/report` }, "Incident report"));
    const sections = [["phase-body", phaseSection], ["classification-body", classificationSection],
                      ["anchors-body", anchorsSection], ["scope-body", scopeSection], ["tasks-body", tasksSection], ["recovery-body", recoverySection],
                      ["obligations-body", obligationsSection], ["notices-body", noticesSection],
                      ["postmortem-body", postmortemSection], ["timeline-body", timelineSection]];
    await Promise.all(sections.map(async ([id, fn]) => {
      const box = document.getElementById(id);
      try {
        const content = await fn();
        box.replaceChildren(...[content].flat(Infinity).filter(x => x !== null && x !== undefined));
      } catch (e) {
        box.replaceChildren(el("p", { class: "error" }, e.message));
      }
    }));
  }

  try {
    await load();
  } catch (e) {
    document.getElementById("title").textContent = `Incident ${key}`;
    message.textContent = e.message;
  }
})();
