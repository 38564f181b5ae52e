// One incident, worked from the browser by its response team. A summary
// that stays in view (severity, phase and classification, the phase
// stepper with what still blocks the next phase, the next legal deadline
// counting down, the tenants in scope, who leads and whether the page was
// acknowledged, the declaration) and sections that each load on their own:
// overview, phase, scope (one tenant row at a time), tasks and approvals,
// recovery, obligations, communications, post-mortem, timeline.
//
// Every change goes through the API. A success or a refusal shows beside
// the control that caused it, with each field's error under that field;
// a refusal leaves what the user typed in place. Times typed in the
// viewer's zone (datetime-local) are sent as UTC. A closed incident is
// read-only: its controls are disabled and each section says why.
"use strict";

(async () => {
  const { el, time, call, countdown } = vigil;
  const key = new URLSearchParams(location.search).get("key") || "";
  const base = `/api/v1/incidents/${encodeURIComponent(key)}`;
  const message = document.getElementById("message");
  const me = await vigil.page(false);
  if (!me) return;
  const myName = me.user.name, myRole = me.user.role;

  const PHASES = ["analysis", "containment", "eradication", "recovery", "post_incident", "closed"];
  const PHASE_WORDS = { analysis: "Analysis", containment: "Containment", eradication: "Eradication",
                        recovery: "Recovery", post_incident: "Post-incident", closed: "Closed" };
  const CLASS_WORDS = { suspected: "Suspected", security_incident: "Security incident",
                        compliance_event: "Compliance event", false_positive: "False positive",
                        duplicate: "Duplicate" };
  const SEV_WORDS = { sev1: "SEV1 critical", sev2: "SEV2 high", sev3: "SEV3 medium", sev4: "SEV4 low" };
  const STATUS_WORDS = { confirmed: "confirmed", suspected: "suspected", ruled_out: "ruled out" };
  const CATEGORIES = ["customer_data", "personal_data", "special_category", "credentials", "payment_card", "health",
                      "financial", "government_id", "children", "location", "internal"];
  const FACTOR_KINDS = [["technical_lapse", "Technical lapse"], ["procedural_failure", "Procedural failure"],
                        ["manual_error", "Manual error"], ["other_process_flaw", "Other process flaw"]];
  const words = s => String(s || "").replace(/_/g, " ");
  let inc = null;
  let closed = false;

  // ---- times: datetime-local in the viewer's zone, UTC on the wire ----

  // "2026-12-01T09:30" (the viewer's wall clock) to "2026-12-01T08:30:00Z".
  // The parts are read one by one so no engine's guess about a string
  // without an offset is relied on.
  function localToUtc(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
    if (!m) return null;
    const d = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  function utcToLocal(iso) {
    if (!iso) return "";
    const d = new Date(iso), p = n => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  const zone = (() => {
    const name = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
    const off = -new Date().getTimezoneOffset(), a = Math.abs(off);
    return `${name}, UTC${off < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
  })();

  // A table; "stack" ones become one card per row on a narrow screen.
  function table(caption, head, rows, stack) {
    const t = vigil.table(caption, head, rows);
    if (stack) t.classList.add("stack");
    return t;
  }

  // ---- fields and forms ----

  // A labelled control with its hint and its own error line. name is the
  // API field whose errors show here. kind: input, textarea, select, when
  // (datetime-local), number, check.
  let ids = 0;
  function field(label, kind, opts = {}) {
    const id = `f${++ids}`;
    const err = el("p", { class: "field-error", id: `${id}-e` });
    const hint = opts.hint ? el("p", { class: "hint", id: `${id}-h` }, opts.hint) : null;
    const described = [hint ? `${id}-h` : null, `${id}-e`].filter(Boolean).join(" ");
    let input;
    if (kind === "select") {
      input = el("select", { id, "aria-describedby": described, ...opts.attrs },
                 (opts.options || []).map(o => Array.isArray(o) ? el("option", { value: o[0] }, o[1]) : el("option", { value: o }, o)));
    } else if (kind === "check") {
      input = el("input", { id, type: "checkbox", "aria-describedby": described, ...opts.attrs });
      const wrap = el("div", { class: "check" }, input, " ", el("label", { for: id, class: "inline" }, label), hint, err);
      return { wrap, input, err, name: opts.name };
    } else {
      const type = kind === "when" ? "datetime-local" : kind === "number" ? "number" : undefined;
      input = el(kind === "textarea" ? "textarea" : "input",
                 { id, type, "aria-describedby": described, ...(kind === "number" ? { min: "0", step: "1", inputmode: "numeric" } : {}),
                   ...(kind === "when" ? { step: "1" } : {}),
                   ...opts.attrs });
    }
    if (opts.value !== undefined && opts.value !== null) input.value = opts.value;
    const lab = kind === "when" ? `${label} (your time, ${zone})` : label;
    return { wrap: el("div", { class: "field" }, el("label", { for: id }, lab), hint, input, err), input, err, name: opts.name, kind };
  }

  // The value of a datetime-local field as UTC, or an error on that field.
  function whenValue(f, required) {
    const v = f.input.value.trim();
    if (!v) {
      if (required) throw fieldProblem(f.name, "enter a date and time");
      return undefined;
    }
    const utc = localToUtc(v);
    if (!utc) throw fieldProblem(f.name, "is not a date and time");
    return utc;
  }

  function fieldProblem(name, msg) {
    const e = new Error(`${name}: ${msg}`);
    e.problem = { errors: [{ field: name, message: msg }] };
    return e;
  }

  // Show a refusal: each field error under its field (by the API's field
  // name, or its first part: "tenants[0]" and "due_at" match "tenants"
  // and "due_at"), the rest in the form's own line.
  function showProblem(e, fields, line) {
    const rest = [];
    const list = (e.problem && e.problem.errors) || [];
    for (const x of list) {
      const f = fields.find(f => f.name && (x.field === f.name || x.field.split(/[[.]/)[0] === f.name));
      if (f) {
        f.err.textContent = f.err.textContent ? `${f.err.textContent}; ${x.message}` : x.message;
        f.input.setAttribute("aria-invalid", "true");
      } else {
        rest.push(`${x.field}: ${x.message}`);
      }
    }
    const head = (e.problem && (e.problem.detail || e.problem.title)) || (list.length ? "" : e.message);
    line.replaceChildren(head || (list.length ? "Please correct the fields marked above." : e.message));
    if (rest.length) line.append(el("ul", {}, rest.map(t => el("li", {}, t))));
  }

  function clearProblem(fields, line) {
    line.replaceChildren();
    for (const f of fields) {
      f.err.textContent = "";
      f.input.removeAttribute("aria-invalid");
    }
  }

  // A form: its fields, a submit button and, beside it, the outcome.
  // On success the summary and the named sections reload, and "done"
  // shows beside the same form (found again by its name); on a refusal
  // nothing reloads, so what was typed stays.
  function form(name, fields, button, fn, reload = []) {
    const line = el("p", { class: "form-error", role: "alert" });
    const status = el("p", { class: "form-status", role: "status" });
    const submit = el("button", { type: "submit" }, button);
    const f = el("form", { "aria-label": name, novalidate: true },
      fields.map(x => x.wrap || (x instanceof Node ? x : null)), el("div", { class: "actions" }, submit, status), line);
    const named = fields.filter(x => x && x.input);
    f.addEventListener("submit", async ev => {
      ev.preventDefault();
      clearProblem(named, line);
      status.textContent = "";
      submit.disabled = true;
      try {
        await fn();
      } catch (e) {
        submit.disabled = false;
        showProblem(e, named, line);
        return;
      }
      submit.disabled = false;
      const box = f.closest(".section-body");
      await refresh(reload, name, `${name}: done.`, box && box.id);
    });
    return f;
  }

  // A button for one row's action, with its outcome beside it.
  function action(label, fn, reload = [], attrs = {}) {
    const out = el("span", { class: "row-status", role: "status" });
    const b = el("button", { type: "button", class: "secondary small", ...attrs }, label);
    b.addEventListener("click", async () => {
      out.textContent = "";
      out.className = "row-status";
      b.disabled = true;
      try {
        await fn();
      } catch (e) {
        b.disabled = false;
        out.className = "row-status error";
        out.textContent = e.message;
        return;
      }
      await refresh(reload, null, `${label}: done.`);
    });
    return el("span", { class: "row-action" }, b, out);
  }

  // ---- loading: the summary and each section on its own ----

  const sections = {};

  // What the user typed into a form is theirs until they send it: a
  // section reloaded after another form's change keeps each field edited
  // since (by its form's name and place), except in the form that sent.
  document.addEventListener("input", e => { if (e.target.form) e.target.dataset.edited = "1"; });
  document.addEventListener("change", e => { if (e.target.form) e.target.dataset.edited = "1"; });
  const formsOf = box => [...box.querySelectorAll("form[aria-label]")];
  function typed(box, except) {
    const keep = [];
    for (const f of formsOf(box)) {
      const name = f.getAttribute("aria-label");
      if (name !== except)
        [...f.elements].forEach((x, i) => {
          if (x.dataset.edited && x.type !== "file") keep.push({ name, i, type: x.type, v: x.type === "checkbox" ? x.checked : x.value });
        });
    }
    return keep;
  }
  function retype(box, keep) {
    for (const k of keep) {
      const f = formsOf(box).find(x => x.getAttribute("aria-label") === k.name);
      const x = f && f.elements[k.i];
      if (!x || x.type !== k.type) continue;
      if (k.type === "checkbox") x.checked = k.v; else x.value = k.v;
      x.dataset.edited = "1";
    }
  }

  async function render(id, sent) {
    const box = document.getElementById(`${id}-body`);
    const keep = typed(box, sent);
    try {
      const content = [await sections[id]()].flat(Infinity).filter(x => x !== null && x !== undefined && x !== false);
      // Read-only, with the reason: a closed incident, or a role that
      // only reads (the server would refuse each change with 403).
      const why = closed ? ["Read-only: this incident closed ", time(inc.closed_at), ". Nothing here can change."]
        : myRole === "auditor" ? ["Read-only: an auditor reads the incident and changes nothing."] : null;
      if (why) content.unshift(el("p", { class: "readonly" }, why));
      box.replaceChildren(...content);
      retype(box, keep);
      if (why) box.querySelectorAll("input, select, textarea, button").forEach(x => { x.disabled = true; });
    } catch (e) {
      box.replaceChildren(el("p", { class: "error" }, `This section could not load: ${e.message}`));
    }
  }

  // Reload the incident, the summary and the given sections (all when
  // none is named), then say done beside the form that asked.
  async function refresh(ids, formName, done, boxId) {
    try {
      inc = await call("GET", base);
    } catch (e) {
      message.textContent = `Saved, but the page could not reload: ${e.message}`;
      return;
    }
    const wasClosed = closed;
    closed = inc.phase === "closed";
    const list = !ids.length || closed !== wasClosed ? Object.keys(sections) : ids;
    await Promise.all([summary(), ...list.map(id => render(id, formName))]);
    const f = formName && [...document.querySelectorAll("form[aria-label]")].find(x => x.getAttribute("aria-label") === formName);
    const st = f && f.querySelector(".form-status");
    const box = boxId && document.getElementById(boxId);
    if (f && f.closest("details")) f.closest("details").open = true; // where the user left it
    if (st) st.textContent = done;
    else if (box) box.prepend(el("p", { class: "form-status", role: "status" }, done)); // the form is gone: its section says so
    else message.textContent = done;
  }

  // ---- the summary ----

  function badge(kind, value, text) {
    return el("span", { class: `badge ${kind}-${value}` }, text);
  }

  async function summary() {
    document.title = `${inc.key} - Vigil`;
    document.getElementById("title").textContent = `${inc.key}: ${inc.title}`;
    const next = PHASES[PHASES.indexOf(inc.phase) + 1];
    const [crit, obl, pages] = await Promise.all([
      next ? call("GET", `${base}/exit-criteria`).catch(() => null) : null,
      call("GET", `${base}/obligations?status=open&limit=1`).catch(() => null),
      call("GET", `/api/v1/pages?incident=${encodeURIComponent(inc.key)}`).catch(() => null),
    ]);
    const out = [el("p", { class: "badges" },
      badge("sev", inc.severity, SEV_WORDS[inc.severity] || inc.severity),
      badge("phase", inc.phase, `Phase: ${PHASE_WORDS[inc.phase] || inc.phase}`),
      badge("class", inc.classification, CLASS_WORDS[inc.classification] || inc.classification))];

    // The next legal deadline: the earliest open obligation.
    // (The open ones by due time, a clock not started last: the first.)
    const open = obl ? obl.items.filter(o => o.due_at) : [];
    out.push(el("p", { class: "deadline", id: "next-deadline" }, open.length
      ? [el("strong", {}, "Next deadline: "), `${open[0].rule} for ${open[0].tenant || "the provider"}, `, time(open[0].due_at), " ",
         countdown(open[0].due_at)]
      : [el("strong", {}, "Next deadline: "), "none open."]));

    // The stepper: each phase with its state in words as well as colour.
    const at = PHASES.indexOf(inc.phase);
    out.push(el("ol", { class: "stepper", "aria-label": "Phases" }, PHASES.map((p, i) =>
      el("li", { class: i < at ? "done" : i === at ? "current" : "todo", "aria-current": i === at ? "step" : undefined },
         el("span", { class: "visually-hidden" }, i < at ? "done: " : i === at ? "current: " : "to come: "), PHASE_WORDS[p]))));
    if (next) {
      out.push(crit && crit.unmet.length
        ? el("div", { id: "exit-criteria", class: "blocks" }, el("p", {}, `Before ${PHASE_WORDS[next]}, still needed:`),
             el("ul", {}, crit.unmet.map(u => el("li", {}, u.message, " ", el("code", {}, u.field)))))
        : el("p", { id: "exit-criteria", class: "blocks ready" }, crit ? `Ready to move to ${PHASE_WORDS[next]}.` : ""));
    }

    // Tenants in scope as chips, status in words.
    const tenants = inc.tenants || [];
    out.push(el("div", { class: "chips-row" }, el("strong", {}, "Tenants: "), tenants.length
      ? el("ul", { class: "chips", "aria-label": "Tenants in scope" }, tenants.map(t =>
          el("li", { class: `chip tenant-${t.status}` }, `${t.id} (${STATUS_WORDS[t.status] || t.status})`)))
      : "none in scope yet."));

    // Who leads: whoever acknowledged the page; else who is being paged.
    const items = pages ? pages.items : [];
    const acked = items.filter(p => p.acked_at).sort((a, b) => a.acked_at < b.acked_at ? -1 : 1)[0];
    const lead = el("p", { id: "lead" }, el("strong", {}, "Lead: "));
    if (acked) lead.append(`${acked.user}, page acknowledged `, time(acked.acked_at), ".");
    else if (items.length) {
      lead.append(`not yet: paged ${[...new Set(items.map(p => p.user))].join(", ")}, not acknowledged.`);
      const mine = items.find(p => p.user === myName && !p.acked_at);
      if (mine && !closed) lead.append(" ", action("Acknowledge my page", () => call("POST", `/api/v1/pages/${mine.id}/ack`, {})));
    } else lead.append(inc.acknowledged_at ? ["acknowledged ", time(inc.acknowledged_at), "."] : "nobody paged.");
    out.push(lead);
    out.push(el("p", { id: "declared" }, el("strong", {}, "Declared: "), inc.declared_at
      ? ["yes, ", time(inc.declared_at), inc.declaration && inc.declaration.by ? ` by ${inc.declaration.by}.` : "."]
      : "not declared."));
    out.push(el("p", { class: "meta" }, `Reported by ${inc.reporter} `, time(inc.reported_at), ". ",
      el("a", { href: `${base}/report` }, "Incident report")));
    if (closed) out.push(el("p", { class: "readonly" }, "Closed ", time(inc.closed_at), ": read-only."));
    document.getElementById("summary-body").replaceChildren(...out);
    // On a narrow screen the summary scrolls away; this line stays (for
    // the eye only: the summary above says the same to a screen reader).
    document.getElementById("summary-bar").replaceChildren(el("strong", {}, inc.key), " ",
      badge("sev", inc.severity, inc.severity.toUpperCase()), " ", badge("phase", inc.phase, PHASE_WORDS[inc.phase] || inc.phase),
      open.length ? [" ", countdown(open[0].due_at)] : null);
  }

  // ---- overview ----

  // Only web links become links: an annotation could say javascript:.
  function safeLink(url, text) {
    try {
      const u = new URL(url);
      if (u.protocol === "https:" || u.protocol === "http:") return el("a", { href: u.href, rel: "noopener noreferrer" }, text);
    } catch (e) { /* not a URL: shown as text */ }
    return el("span", {}, url);
  }

  function alertCard(a) {
    const labels = Object.entries(a.labels || {});
    const ann = Object.entries(a.annotations || {});
    const runbook = (a.annotations || {}).runbook_url;
    return el("article", { class: "card alert-card" },
      el("h4", {}, a.summary || (a.labels && a.labels.alertname) || a.fingerprint),
      el("p", { class: "meta" }, `${a.source}, service ${a.service || "-"}, since `, time(a.starts_at),
         a.received > 1 ? `, received ${a.received} times` : "", a.ends_at ? [", ended ", time(a.ends_at)] : ", still firing"),
      el("ul", { class: "chips", "aria-label": "Labels" }, labels.map(([k, v]) => el("li", { class: "chip" }, `${k}=${v}`))),
      ann.length ? el("dl", { class: "pairs" }, ann.filter(([k]) => k !== "runbook_url").flatMap(([k, v]) =>
        [el("dt", {}, words(k)), el("dd", { class: "prose" }, v)])) : null,
      el("p", { class: "links" }, runbook ? safeLink(runbook, "Runbook") : null, runbook && a.generator_url ? " · " : null,
         a.generator_url ? safeLink(a.generator_url, "Where it was generated") : null));
  }

  sections.overview = async () => {
    const al = await call("GET", `${base}/alerts`);
    const desc = field("Description", "textarea", { name: "description", value: inc.description });
    const title = field("Title", "input", { name: "title", value: inc.title });
    const sev = field("Severity", "select", { name: "severity", options: Object.entries(SEV_WORDS) });
    sev.input.value = inc.severity;
    const kind = field("Kind", "select", { options: ["ip", "cidr", "account", "hash", "domain", "url"] });
    const value = field("Value", "input", { name: "indicators" });
    const inds = inc.indicators || [];
    return [
      el("h3", {}, "Description"),
      el("p", { class: "prose", id: "description" }, inc.description || "No description yet."),
      el("details", {}, el("summary", {}, "Edit the title, severity or description"),
        form("Edit the incident", [title, sev, desc], "Save", async () => {
          await call("PATCH", base, { title: title.input.value.trim(), severity: sev.input.value, description: desc.input.value });
        }, ["overview"])),
      el("h3", {}, `Alerts (${al.alerts.length})`),
      al.alerts.length ? al.alerts.map(alertCard) : el("p", { class: "meta" }, "No alert joined this incident."),
      al.items.length ? [el("h4", {}, "Linked alerts"), el("ul", {}, al.items.map(l =>
        el("li", {}, `${l.alert}${l.vigilance ? " (enhanced vigilance)" : ""}: ${l.reason || "no reason given"}, by ${l.linked_by} `,
           time(l.linked_at))))] : null,
      el("h3", {}, "Indicators"),
      inds.length ? el("ul", { class: "chips", "aria-label": "Indicators" }, inds.map(i =>
        el("li", { class: "chip" }, `${i.kind}: ${i.value} `, action(`Remove ${i.value}`, () =>
          call("PUT", `${base}/scope`, { indicators: inds.filter(x => x !== i), reason: `indicator ${i.value} removed` }),
          ["overview", "timeline"]))))
        : el("p", { class: "meta" }, "None recorded."),
      form("Add an indicator", [kind, value], "Add the indicator", async () => {
        await call("PUT", `${base}/scope`, { indicators: [...inds, { kind: kind.input.value, value: value.input.value.trim() }],
                                             reason: "indicator added" });
      }, ["overview", "timeline"]),
    ];
  };

  // ---- phase, classification, declaration, anchors ----

  sections.lifecycle = async () => {
    const next = PHASES[PHASES.indexOf(inc.phase) + 1];
    const out = [];
    const target = field("Move to", "select", { name: "phase", options: PHASES.filter(p => p !== inc.phase).map(p => [p, PHASE_WORDS[p]]) });
    if (next) target.input.value = next;
    const reason = field("Reason (for re-entering a phase, or closing a false positive)", "input", { name: "reason" });
    out.push(form("Advance the phase", [target, reason], "Move", async () => {
      const body = { phase: target.input.value };
      if (reason.input.value.trim()) body.reason = reason.input.value.trim();
      await call("POST", `${base}/advance`, body);
    }));

    // A duplicate is marked below, not chosen here (the server refuses it).
    const cls = field("Classification", "select", { name: "classification",
      options: Object.entries(CLASS_WORDS).filter(([k]) => k !== "duplicate" || inc.classification === "duplicate") });
    cls.input.value = inc.classification;
    const c = field("Confidentiality", "check", { attrs: inc.impact.confidentiality ? { checked: true } : {} });
    const i = field("Integrity", "check", { attrs: inc.impact.integrity ? { checked: true } : {} });
    const a = field("Availability", "check", { attrs: inc.impact.availability ? { checked: true } : {} });
    const cats = CATEGORIES.map(x => field(words(x), "check", { attrs: inc.data_categories.includes(x) ? { checked: true } : {} }));
    out.push(form("Classify", [cls, el("fieldset", {}, el("legend", {}, "Impact on customer or personal data"), c.wrap, i.wrap, a.wrap),
                               el("fieldset", { class: "cats" }, el("legend", {}, "Data categories hit"), cats.map(x => x.wrap))],
      "Save the classification", async () => {
        await call("POST", `${base}/classify`, {
          classification: cls.input.value,
          impact: { confidentiality: c.input.checked, integrity: i.input.checked, availability: a.input.checked },
          data_categories: CATEGORIES.filter((x, k) => cats[k].input.checked),
        });
      }, ["lifecycle", "obligations", "timeline"]));

    if (inc.declared_at) {
      out.push(el("p", { id: "declaration" }, "Declared a security incident ", time(inc.declared_at),
        inc.declaration ? ` by ${inc.declaration.by}: ${inc.declaration.criteria}` : "", "."));
    } else {
      const criteria = field("Why this is a security incident (criteria met)", "textarea", { name: "criteria" });
      const at = field("Declared at (empty: now)", "when", { name: "declared_at" });
      out.push(form("Declare", [criteria, at], "Declare a security incident", async () => {
        const body = { criteria: criteria.input.value.trim() };
        const w = whenValue(at, false);
        if (w) body.declared_at = w;
        await call("POST", `${base}/declare`, body);
      }, ["lifecycle", "obligations", "timeline"]));
    }

    // The same event opened twice: this one closes into the one that stays,
    // and its alerts and notes move there (POST .../duplicate).
    const keyLink = k => el("a", { href: `/web/incident.html?key=${encodeURIComponent(k)}` }, k);
    if (inc.duplicate_of) {
      out.push(el("p", { id: "duplicate-of" }, "A duplicate of ", keyLink(inc.duplicate_of),
        ": its alerts and notes are there."));
    } else if (!inc.declared_at && !closed) {
      const open = await call("GET", "/api/v1/incidents?open=true&limit=100").catch(() => ({ items: [] }));
      const others = open.items.filter(x => x.key !== inc.key);
      const of = field("The incident that stays", "select", { name: "of",
        options: [["", "Choose an open incident"], ...others.map(x => [x.key, `${x.key} ${x.title}`])] });
      const why = field("Why it is the same event", "input", { name: "reason" });
      out.push(el("details", {}, el("summary", {}, "Mark as a duplicate of another incident"),
        form("Mark as a duplicate", [of, why], "Close as a duplicate", async () => {
          if (!of.input.value) throw fieldProblem("of", "choose the incident that stays");
          await call("POST", `${base}/duplicate`, { of: of.input.value, reason: why.input.value.trim() });
        })));
    }
    if ((inc.duplicates || []).length)
      out.push(el("p", { id: "duplicates" }, "Closed into this one as duplicates: ",
        inc.duplicates.flatMap((k, i) => i ? [", ", keyLink(k)] : [keyLink(k)]), "."));

    const an = await call("GET", `${base}/anchors`);
    out.push(el("h3", {}, "Anchors of the legal clocks"),
      table("Anchors of the legal clocks", ["Anchor", "At", "Source"], Object.entries(an.anchors).map(([n, v]) =>
        el("tr", {}, el("th", { scope: "row" }, words(n)), el("td", {}, v ? time(v.at) : "-"), el("td", {}, v ? v.source : "unset")))));
    const name = field("Anchor", "select", { name: "anchor", options: Object.keys(an.anchors).filter(k => k !== "declared").map(k => [k, words(k)]) });
    const when = field("At", "when", { name: "at" });
    const why = field("Reason", "input", { name: "reason" });
    out.push(form("Set an anchor", [name, when, why], "Set the anchor", async () => {
      await call("PUT", `${base}/anchors/${encodeURIComponent(name.input.value)}`, { at: whenValue(when, true), reason: why.input.value.trim() });
    }, ["lifecycle", "obligations", "timeline"]));
    return out;
  };

  // ---- scope: services, and each tenant's row saved on its own ----

  function categoryBoxes(selected) {
    const boxes = CATEGORIES.map(x => field(words(x), "check", { attrs: selected.includes(x) ? { checked: true } : {} }));
    const n = selected.length;
    const wrap = el("details", { class: "cats" }, el("summary", {}, `Data categories (${n ? selected.map(words).join(", ") : "none"})`),
      el("fieldset", {}, el("legend", { class: "visually-hidden" }, "Data categories"), boxes.map(b => b.wrap)));
    return { wrap, value: () => CATEGORIES.filter((x, k) => boxes[k].input.checked) };
  }

  function tenantBody(status, evidence, users, cats) {
    const body = { status: status.input.value, evidence: evidence.input.value, data_categories: cats.value() };
    const u = users.input.value.trim();
    if (u !== "") {
      if (!/^\d+$/.test(u)) throw fieldProblem("affected_users", "must be a whole number >= 0");
      body.affected_users = Number(u);
    }
    return body;
  }

  function tenantRow(t) {
    const status = field("Status", "select", { name: "status", options: Object.entries(STATUS_WORDS) });
    status.input.value = t.status;
    const evidence = field("Evidence", "textarea", { name: "evidence", value: t.evidence });
    const users = field("Affected users", "number", { name: "affected_users", value: String(t.affected_users || 0) });
    const cats = categoryBoxes(t.data_categories || []);
    const path = `${base}/scope/tenants/${encodeURIComponent(t.id)}`;
    const f = form(`Tenant ${t.id}`, [status, evidence, users, cats.wrap], `Save ${t.id}`, async () => {
      await call("PUT", path, tenantBody(status, evidence, users, cats));
    }, ["scope", "obligations", "communications", "timeline"]);
    f.classList.add("tenant-row");
    return el("li", { class: "tenant-item" }, el("h4", {}, t.id, " ", el("span", { class: `chip tenant-${t.status}` }, STATUS_WORDS[t.status])), f,
      action(`Remove ${t.id} from the scope`, () => call("DELETE", `${path}?reason=${encodeURIComponent("removed in the console")}`),
             ["scope", "obligations", "communications", "timeline"]));
  }

  // The tenant typeahead: suggestions from GET /tenants?q= in a datalist.
  // A server that ignores q answers tenants that do not match; then the
  // field stays a plain text field for the tenant's id.
  function tenantPicker(f) {
    const list = el("datalist", { id: `${f.input.id}-list` });
    f.input.setAttribute("list", list.id);
    f.input.setAttribute("autocomplete", "off");
    f.wrap.append(list);
    let timer = 0, seq = 0, supported = true;
    f.input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = f.input.value.trim();
      if (!supported || q.length < 1) return;
      timer = setTimeout(async () => {
        const mine = ++seq;
        let r;
        try { r = await call("GET", `/api/v1/tenants?q=${encodeURIComponent(q)}&limit=10`); } catch (e) { return; }
        if (mine !== seq) return;
        const items = (r && r.items) || [];
        const lq = q.toLowerCase();
        if (items.some(t => !`${t.id} ${t.name || ""}`.toLowerCase().includes(lq))) {
          supported = false;
          list.replaceChildren();
          return;
        }
        list.replaceChildren(...items.map(t => el("option", { value: t.id }, t.name ? `${t.name} (${t.id})` : t.id)));
      }, 150);
    });
  }

  sections.scope = async () => {
    const svc = await call("GET", "/api/v1/services").catch(() => ({ items: [] }));
    const known = svc.items.map(s => s.name);
    const inScope = inc.services || [];
    const all = [...new Set([...known, ...inScope])].sort();
    const boxes = all.map(n => field(n, "check", { attrs: inScope.includes(n) ? { checked: true } : {} }));
    const why = field("Reason for the change", "input", { name: "reason" });
    const services = form("Affected services", [el("fieldset", { class: "cats" }, el("legend", {}, "Services affected"),
        boxes.length ? boxes.map(b => b.wrap) : el("p", { class: "meta" }, "No services on record.")), why],
      "Save the services", async () => {
        const body = { services: all.filter((n, k) => boxes[k].input.checked) };
        if (why.input.value.trim()) body.reason = why.input.value.trim();
        await call("PUT", `${base}/scope`, body);
      }, ["scope", "obligations", "timeline"]);
    const tenant = field("Tenant", "input", { name: "tenant", hint: "Type part of the tenant's name or id." });
    tenantPicker(tenant);
    const status = field("Status", "select", { name: "status", options: Object.entries(STATUS_WORDS) });
    const evidence = field("Evidence", "textarea", { name: "evidence" });
    const users = field("Affected users", "number", { name: "affected_users" });
    const cats = categoryBoxes([]);
    const add = form("Add a tenant to the scope", [tenant, status, evidence, users, cats.wrap], "Add the tenant", async () => {
      const id = tenant.input.value.trim();
      if (!id) throw fieldProblem("tenant", "choose a tenant");
      await call("PUT", `${base}/scope/tenants/${encodeURIComponent(id)}`, tenantBody(status, evidence, users, cats));
    }, ["scope", "obligations", "communications", "timeline"]);
    const tenants = inc.tenants || [];
    return [services, el("h3", {}, `Tenants (${tenants.length})`),
      tenants.length ? el("ul", { class: "tenant-list" }, tenants.map(tenantRow)) : el("p", { class: "meta" }, "No tenant in scope."),
      add];
  };

  // ---- people: the owners a task or an improvement may name ----

  // The user list is for admins; everyone on a schedule is a choice,
  // and a name not offered may still be typed (the server checks it).
  let people = null;
  function withPeople(f) {
    const list = el("datalist", { id: `${f.input.id}-people` });
    f.input.setAttribute("list", list.id);
    f.input.setAttribute("autocomplete", "off");
    f.wrap.append(list);
    people = people || call("GET", "/api/v1/schedules").then(r => {
      const names = new Set([myName]);
      for (const d of r.items) for (const l of d.layers || []) for (const u of l.users || []) names.add(u);
      return [...names].sort();
    }).catch(() => [myName]);
    people.then(names => list.replaceChildren(...names.map(n => el("option", { value: n }))));
    return f;
  }

  // ---- tasks and approvals ----

  const dialog = document.getElementById("decide");
  let deciding = null;
  function decide(task) {
    deciding = task;
    document.getElementById("decide-what").textContent =
      `"${task.title}" (${PHASE_WORDS[task.phase]}), owner ${task.owner || "none"}, requested by ${task.approval.requested_by}.`;
    document.getElementById("decide-error").textContent = "";
    dialog.showModal();
    document.getElementById("decide-comment").focus();
  }
  async function decision(kind) {
    const comment = document.getElementById("decide-comment");
    const error = document.getElementById("decide-error");
    error.textContent = "";
    if (!comment.value.trim()) {
      error.textContent = "Write a comment: it is kept with the decision.";
      comment.setAttribute("aria-invalid", "true");
      comment.focus();
      return;
    }
    comment.removeAttribute("aria-invalid");
    try {
      await call("POST", `${base}/approvals`, { task: deciding.id, decision: kind, comment: comment.value.trim(),
                                                title: deciding.title, owner: deciding.owner || undefined });
    } catch (e) {
      error.textContent = e.message; // the comment stays
      return;
    }
    const title = deciding.title;
    comment.value = "";
    dialog.close();
    await refresh(["tasks", "timeline"], null, `"${title}": ${kind === "granted" ? "approved" : "rejected"}.`);
  }
  document.getElementById("decide-grant").addEventListener("click", () => decision("granted"));
  document.getElementById("decide-reject").addEventListener("click", () => decision("rejected"));
  document.getElementById("decide-cancel").addEventListener("click", () => dialog.close());

  function approvalCell(x) {
    if (!x.approval) return x.business_impact ? "needed" : "-";
    const a = x.approval;
    if (a.status !== "pending")
      return [`${a.status} by ${a.decided_by} `, time(a.decided_at), a.comment ? el("span", { class: "comment" }, `: "${a.comment}"`) : null];
    if (myRole !== "executive_incident_manager") return "waiting for an executive incident manager";
    if (a.requested_by === myName)
      return [el("button", { type: "button", class: "small", disabled: true }, `Decide "${x.title}"`),
              el("span", { class: "row-status" }, " You requested this step; another executive must decide it.")];
    const b = el("button", { type: "button", class: "small" }, `Decide "${x.title}"`);
    b.addEventListener("click", () => decide(x));
    return b;
  }

  sections.tasks = async () => {
    const t = await call("GET", `${base}/tasks`);
    const rows = t.items.map(x => el("tr", {},
      el("td", { "data-label": "Phase" }, PHASE_WORDS[x.phase]), el("th", { scope: "row", "data-label": "Task" }, x.title),
      el("td", { "data-label": "Owner" }, x.owner || "-"), el("td", { "data-label": "Due" }, x.due_at ? time(x.due_at) : "-"),
      el("td", { "data-label": "Status" }, words(x.status)),
      el("td", { "data-label": "Approval" }, approvalCell(x)),
      el("td", { "data-label": "Actions" }, x.status === "done" || x.status === "cancelled" ? "" : [
        x.approval && x.approval.status !== "granted" ? null
          : action(`Mark "${x.title}" done`, () => call("PATCH", `${base}/tasks/${x.id}`, { status: "done" }), ["tasks", "timeline"]),
        action(`Cancel "${x.title}"`, () => call("PATCH", `${base}/tasks/${x.id}`, { status: "cancelled" }), ["tasks", "timeline"])])));
    const phase = field("Phase", "select", { name: "phase", options: PHASES.slice(0, 5).map(p => [p, PHASE_WORDS[p]]) });
    phase.input.value = PHASES.slice(0, 5).includes(inc.phase) ? inc.phase : "containment";
    const title = field("Task", "input", { name: "title" });
    const owner = withPeople(field("Owner (user name)", "input", { name: "owner" }));
    const due = field("Due", "when", { name: "due_at" });
    const impact = field("Has business impact (an eradication step an executive must approve)", "check", { name: "business_impact" });
    return [table("Tasks", ["Phase", "Task", "Owner", "Due", "Status", "Approval", "Actions"], rows, "stack"),
      form("Add a task", [phase, title, owner, due, impact], "Add the task", async () => {
        const body = { phase: phase.input.value, title: title.input.value.trim(), business_impact: impact.input.checked };
        if (owner.input.value.trim()) body.owner = owner.input.value.trim();
        const d = whenValue(due, false);
        if (d) body.due_at = d;
        await call("POST", `${base}/tasks`, body);
      }, ["tasks", "timeline"])];
  };

  // ---- root cause and recovery ----

  sections.recovery = async () => {
    const rc = field("Root cause", "textarea", { name: "root_cause", value: inc.root_cause || "" });
    const r = await call("GET", `${base}/recovery`);
    const asset = field("Asset", "input", { name: "asset" }), snap = field("Last known good snapshot", "input", { name: "snapshot" });
    const restore = field("How it was restored", "input", { name: "restore_actions" });
    const check = field("Validation check", "input", { name: "name" });
    return [
      form("Root cause", [rc], "Save the root cause", async () => {
        await call("PATCH", base, { root_cause: rc.input.value.trim() });
      }, ["recovery", "timeline"]),
      el("h3", {}, "Last known good state"),
      table("Assets", ["Asset", "Snapshot", "Restored by"], r.assets.map(a =>
        el("tr", {}, el("th", { scope: "row", "data-label": "Asset" }, a.asset), el("td", { "data-label": "Snapshot" }, a.snapshot),
           el("td", { "data-label": "Restored by" }, a.restore_actions))), "stack"),
      form("Last known good state", [asset, snap, restore], "Record the asset", async () => {
        const name = asset.input.value.trim();
        if (!name) throw fieldProblem("asset", "name the asset");
        await call("PUT", `${base}/recovery/assets/${encodeURIComponent(name)}`,
                   { snapshot: snap.input.value.trim(), restore_actions: restore.input.value.trim() });
      }, ["recovery", "timeline"]),
      el("h3", {}, "Validation checks"),
      table("Validation checks", ["Check", "Result", "Actions"], r.checks.map(c => el("tr", {},
        el("th", { scope: "row", "data-label": "Check" }, c.name), el("td", { "data-label": "Result" }, c.result),
        el("td", { "data-label": "Actions" }, c.result === "pass" ? "" : action(`Record "${c.name}" as passed`, () =>
          call("PATCH", `${base}/recovery/checks/${c.id}`, { result: "pass", detail: `checked by ${myName} in the console` }),
          ["recovery", "timeline"])))), "stack"),
      form("Add a validation check", [check], "Add the check", async () => {
        await call("POST", `${base}/recovery/checks`, { name: check.input.value.trim() });
      }, ["recovery", "timeline"]),
    ];
  };

  // ---- obligations ----

  // Why an obligation applies, asked of the server when the reader opens
  // it (GET .../obligations/{id}: each explanation is about a kilobyte,
  // and a large incident has a row per tenant and duty): conditions met,
  // the term, the contents required, how sure the rules data is, and a
  // note.
  function explanationBody(e) {
    if (!e || typeof e !== "object") return el("p", { class: "meta" }, "Its rule is not the one in force: no explanation.");
    const text = v => Array.isArray(v) ? el("ul", {}, v.map(i => el("li", {}, typeof i === "object" && i
      ? Object.entries(i).map(([k, w]) => `${words(k)}: ${typeof w === "object" ? JSON.stringify(w) : w}`).join(", ") : String(i))))
      : typeof v === "object" && v ? el("ul", {}, Object.entries(v).map(([k, w]) => el("li", {}, `${words(k)}: ${typeof w === "object" ? JSON.stringify(w) : w}`)))
      : String(v);
    // A condition says itself in words (text), whether it is met, and
    // the fact that met it.
    const condition = c => typeof c === "object" && c && c.text
      ? `${c.text}${c.met === true ? " (met" : c.met === false ? " (not met" : " ("}${c.fact !== undefined && c.fact !== null ? `: ${typeof c.fact === "object" ? JSON.stringify(c.fact) : c.fact}` : ""})`.replace(" ()", "")
      : c;
    if (Array.isArray(e.conditions)) e.conditions = e.conditions.map(condition);
    const parts = [["conditions", "Conditions"], ["term", "Term"], ["contents", "Contents required"],
                   ["confidence", "Confidence"], ["note", "Note"]].filter(([k]) => e[k] !== undefined && e[k] !== null && e[k] !== "");
    return el("dl", { class: "pairs" }, parts.flatMap(([k, label]) => [el("dt", {}, label), el("dd", {}, text(e[k]))]));
  }

  function explanation(x) {
    const body = el("div", {}, el("p", { class: "meta" }, "Loading…"));
    let asked = false;
    const d = el("details", { class: "why" }, el("summary", {}, "Why this applies"), body);
    d.addEventListener("toggle", async () => {
      if (!d.open || asked) return;
      asked = true;
      try {
        const o = await call("GET", `${base}/obligations/${x.id}`);
        body.replaceChildren(explanationBody(o.explanation));
      } catch (err) {
        asked = false;
        body.replaceChildren(el("p", { class: "error", role: "alert" }, `The explanation could not be read: ${err.message}`));
      }
    });
    return d;
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

  // The obligations come a page at a time (an incident of 100,000
  // tenants has half a million); the counts by rule and status are of
  // them all, and "Show more" reads the next page into the table.
  const DUTY_WORDS = { open: "Open", sent: "Sent", waived: "Waived", withdrawn: "Withdrawn", cannot_compute: "Cannot compute" };
  const obligationFilter = { rule: "", status: "" };

  sections.obligations = async () => {
    const q = new URLSearchParams();
    if (obligationFilter.rule) q.set("rule", obligationFilter.rule);
    if (obligationFilter.status) q.set("status", obligationFilter.status);
    const path = `${base}/obligations${q.toString() ? `?${q}` : ""}`;
    const [o, h] = await Promise.all([call("GET", path), call("GET", `${base}/filings`)]);
    const live = o.items.filter(x => x.status !== "withdrawn");
    const name = x => `${x.rule} for ${x.tenant || "the provider"}`;
    const row = x => el("tr", {},
      el("th", { scope: "row", "data-label": "Rule" }, x.rule, explanation(x)), el("td", { "data-label": "Tenant" }, x.tenant || "(provider)"),
      el("td", { "data-label": "Recipient" }, x.recipient),
      el("td", { "data-label": "Due" }, x.status === "cannot_compute" ? "cannot compute" : time(x.due_at)),
      el("td", { "data-label": "Time left" }, x.status === "open" ? countdown(x.due_at)
        : x.status === "cannot_compute" ? el("span", { class: "error" }, `Cannot compute: ${x.reason}`) : x.status),
      el("td", { "data-label": "Sent" }, x.sent_at ? time(x.sent_at) : ""));
    const statuses = Object.keys(DUTY_WORDS);
    const byRule = o.summary.by_rule;
    const summaryRows = Object.keys(byRule).map(r => el("tr", {}, el("th", { scope: "row", "data-label": "Rule" }, r),
      statuses.map(k => el("td", { "data-label": DUTY_WORDS[k] }, String(byRule[r][k] || 0)))));
    const rule = field("Rule", "select", { name: "rule", options: [["", "Every rule"], ...Object.keys(byRule)] });
    const status = field("Status", "select", { name: "status", options: [["", "Every status"], ...statuses.map(k => [k, DUTY_WORDS[k]])] });
    rule.input.value = obligationFilter.rule;
    status.input.value = obligationFilter.status;
    const listTable = table("Obligations", ["Rule", "Tenant", "Recipient", "Due", "Time left", "Sent"], live.map(row), "stack");
    const shown = el("p", { class: "meta", id: "obligations-shown", "aria-live": "polite" });
    let count = o.items.length, next = o.next_cursor;
    const more = el("button", { type: "button", class: "secondary" }, "Show more");
    const tell = () => {
      shown.textContent = `Showing ${count} of ${o.total}${obligationFilter.rule || obligationFilter.status ? " that pass the filter" : ""}.`;
      more.hidden = !next;
    };
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const n = await call("GET", `${path}${q.toString() ? "&" : "?"}cursor=${encodeURIComponent(next)}`);
        listTable.querySelector("tbody").append(...n.items.filter(x => x.status !== "withdrawn").map(row));
        count += n.items.length;
        next = n.next_cursor;
        tell();
      } catch (err) {
        shown.textContent = `The next page could not be read: ${err.message}`;
      } finally {
        more.disabled = false;
      }
    });
    tell();
    const out = [el("p", { class: "meta" }, `Rules data ${o.rules_version}.`),
                 table("Obligations by rule and status", ["Rule", ...statuses.map(k => DUTY_WORDS[k])], summaryRows, "stack"),
                 form("Filter the obligations", [rule, status], "Filter", async () => {
                   obligationFilter.rule = rule.input.value;
                   obligationFilter.status = status.input.value;
                 }, ["obligations"]),
                 listTable, shown, more];
    const byId = Object.fromEntries(o.items.map(x => [x.id, x]));
    out.push(el("h3", {}, "Filing history"), table("Filing history", ["Obligation", "What", "When", "By", "Channel", "Reference", "Note or reason", "File"],
      h.items.map(f => el("tr", {},
        el("th", { scope: "row", "data-label": "Obligation" }, byId[f.obligation] ? name(byId[f.obligation]) : String(f.obligation)),
        el("td", { "data-label": "What" }, f.kind === "correction" ? ["corrected from ", time(f.previous_at)] : "filed"),
        el("td", { "data-label": "When" }, time(f.at)), el("td", { "data-label": "By" }, f.by), el("td", { "data-label": "Channel" }, f.channel),
        el("td", { "data-label": "Reference" }, f.reference),
        el("td", { "data-label": "Note or reason" }, f.kind === "correction" ? f.reason : f.note),
        el("td", { "data-label": "File" }, f.attachment ? el("a", { href: `${base}/filings/${f.id}/attachment` },
                                       `${f.attachment.name} (sha256 ${f.attachment.sha256.slice(0, 12)}…)`) : ""))), "stack"));
    const open = live.filter(x => x.status === "open" || x.status === "cannot_compute"), sent = live.filter(x => x.status === "sent");
    const reload = ["obligations", "timeline"];
    if (open.length) {
      const which = field("Obligation", "select", { options: open.map(x => [x.id, name(x)]) });
      const at = field("Sent at (empty: now)", "when", { name: "at" });
      const channel = field("Channel", "select", { name: "channel", options: ["portal", "email", "letter", "phone", "other"] });
      const ref = field("Reference number (the regulator's or recipient's)", "input", { name: "reference" });
      const note = field("Note", "textarea", { name: "note" });
      const file = field("Attachment (optional, at most 512 KiB)", "input", { name: "attachment", attrs: { type: "file" } });
      out.push(el("h3", {}, "Record a filing"), form("Record a filing", [which, at, channel, ref, note, file], "Record as filed", async () => {
        const body = { channel: channel.input.value };
        const w = whenValue(at, false);
        if (w) body.at = w;
        if (ref.input.value.trim()) body.reference = ref.input.value.trim();
        if (note.input.value.trim()) body.note = note.input.value.trim();
        const f = file.input.files && file.input.files[0];
        if (f) body.attachment = { name: f.name, media_type: f.type || "application/octet-stream", content: await readBase64(f) };
        await call("POST", `${base}/obligations/${which.input.value}/sent`, body);
      }, reload));
      const wwhich = field("Obligation", "select", { options: open.map(x => [x.id, name(x)]) });
      const reason = field("Reason it does not apply or need not be met", "textarea", { name: "reason" });
      out.push(el("h3", {}, "Waive an obligation"), form("Waive an obligation", [wwhich, reason], "Waive", async () => {
        await call("POST", `${base}/obligations/${wwhich.input.value}/waive`, { reason: reason.input.value.trim() });
      }, reload));
    }
    if (sent.length) {
      const which = field("Obligation", "select", { options: sent.map(x => [x.id, name(x)]) });
      const at = field("Corrected sent time", "when", { name: "at" });
      const reason = field("Reason for the correction", "textarea", { name: "reason" });
      out.push(el("h3", {}, "Correct a sent time"), form("Correct a sent time", [which, at, reason], "Correct the time", async () => {
        await call("POST", `${base}/obligations/${which.input.value}/correction`, { at: whenValue(at, true), reason: reason.input.value.trim() });
      }, reload));
    }
    return out;
  };

  // ---- communications ----

  // The e-mail a notice sends one of its tenants, exactly as the release
  // renders it: to whom, the subject and the text. For the second person
  // of the two-person rule above all, before releasing.
  function preview(x) {
    const who = field(`Preview the e-mail of notice ${x.version} to`, "select", { name: "tenant", options: x.tenants });
    const out = el("div", { class: "preview", "aria-live": "polite" });
    const show = el("button", { type: "button", class: "secondary" }, "Preview");
    show.addEventListener("click", async () => {
      out.replaceChildren(el("p", { class: "meta" }, "Rendering…"));
      try {
        const m = await call("GET", `${base}/notices/${x.id}/preview?tenant=${encodeURIComponent(who.input.value)}`);
        out.replaceChildren(el("dl", { class: "pairs" },
          el("dt", {}, "To"), el("dd", {}, m.to.length ? m.to.join(", ") : "no e-mail contact"),
          el("dt", {}, "Webhook"), el("dd", {}, m.webhook ? "yes, the same notice as JSON" : "none"),
          el("dt", {}, "Subject"), el("dd", { class: "mail-subject" }, m.subject)),
          el("pre", { class: "mail", tabindex: "0", "aria-label": `The e-mail to ${m.tenant}` }, m.body));
      } catch (err) {
        out.replaceChildren(el("p", { class: "error", role: "alert" }, err.message));
      }
    });
    return el("div", { class: "preview-box" }, el("div", { class: "row" }, who.wrap, show), out);
  }

  // The status page's advisories about this incident, and one posted from
  // here: on one of the incident's services (any service the organisation
  // runs when it names none), linked to it. The public page never says
  // which incident an advisory is about.
  async function advisories() {
    const own = inc.services || [];
    const [adv, svc] = await Promise.all([call("GET", `${base}/advisories`),
      own.length ? null : call("GET", "/api/v1/services").catch(() => ({ items: [] }))]);
    const names = own.length ? own : svc.items.map(x => x.name);
    const service = field("Service", "select", { name: "service", options: [["", "Choose a service"], ...names] });
    if (names.length === 1) service.input.value = names[0];
    const state = field("State", "select", { name: "state", options: ["investigating", "identified", "monitoring", "resolved"] });
    const text = field("Message", "textarea", { name: "message", attrs: { maxlength: "2000" } });
    return [el("h3", {}, "Status advisories"),
      adv.items.length
        ? table("Status advisories", ["Posted", "Service", "State", "Message", "By"], adv.items.map(a => el("tr", {},
            el("th", { scope: "row", "data-label": "Posted" }, time(a.posted_at)), el("td", { "data-label": "Service" }, a.service),
            el("td", { "data-label": "State" }, a.state), el("td", { "data-label": "Message", class: "prose" }, a.message),
            el("td", { "data-label": "By" }, a.posted_by))), "stack")
        : el("p", { class: "meta" }, "No advisory about this incident on the status page."),
      form("Post a status advisory", [service, state, text], "Post the advisory", async () => {
        if (!service.input.value) throw fieldProblem("service", "choose a service");
        await call("POST", "/api/v1/advisories", { service: service.input.value, state: state.input.value,
                                                   message: text.input.value.trim(), incident: inc.key });
      }, ["communications", "timeline"])];
  }

  sections.communications = async () => {
    const n = await call("GET", `${base}/notices`);
    const cards = n.items.map(x => {
      const counts = {};
      for (const d of x.deliveries) counts[d.status] = (counts[d.status] || 0) + 1;
      return el("article", { class: "card" },
        el("h4", {}, `Notice ${x.version} (${x.kind})`),
        el("p", { class: "prose" }, x.nature),
        el("p", { class: "meta" }, `To ${x.tenants.join(", ")}. Composed by ${x.composed_by}. `,
           x.released_at ? ["Released ", time(x.released_at), ` by ${x.released_by}. `] : "Not released. ",
           Object.entries(counts).map(([s, k]) => `${k} ${s}`).join(", ")),
        x.deliveries.length ? table(`Deliveries of notice ${x.version}`, ["Tenant", "Channel", "Contact", "State", "Attempts"],
          x.deliveries.map(d => el("tr", {}, el("th", { scope: "row", "data-label": "Tenant" }, d.tenant),
            el("td", { "data-label": "Channel" }, d.channel), el("td", { "data-label": "Contact" }, d.address),
            el("td", { "data-label": "State" }, d.status, d.last_result ? ` (${d.last_result})` : ""),
            el("td", { "data-label": "Attempts" }, String(d.attempts)))), "stack") : null,
        x.released_at ? el("p", { class: "acks" }, el("strong", {}, "Acknowledged: "), (x.acknowledgements || []).length
          ? x.acknowledgements.flatMap((a, k) => [k ? "; " : "", `${a.tenant} by ${a.by} `, time(a.at)])
          : "by no tenant yet.") : null,
        x.tenants.length ? preview(x) : null,
        x.released_at ? null : action(`Release notice ${x.version}`, () => call("POST", `${base}/notices/${x.id}/release`, {}),
                                      ["communications", "obligations", "timeline"]));
    });
    const scoped = (inc.tenants || []).filter(t => t.status !== "ruled_out").map(t => t.id);
    const to = scoped.map(t => field(t, "check", { attrs: { checked: true } }));
    const kind = field("Kind", "select", { name: "kind", options: ["initial", "update", "final"] });
    const nature = field("Nature of the breach", "textarea", { name: "nature" });
    const impact = field("Approximate user impact", "textarea", { name: "user_impact" });
    const mitigation = field("Mitigation steps (or \"none applicable\")", "textarea", { name: "mitigation" });
    const next = field("Next steps", "textarea", { name: "next_steps" });
    const nextAt = field("Next update by", "when", { name: "next_update_at" });
    const tenantsBox = el("fieldset", { class: "cats" }, el("legend", {}, "To the tenants"),
      to.length ? to.map(x => x.wrap) : el("p", { class: "meta" }, "No tenant in scope."));
    return [cards.length ? cards : el("p", { class: "meta" }, "No notices yet."),
      el("h3", {}, "Compose a notice"),
      form("Compose a notice", [tenantsBox, kind, nature, impact, mitigation, next, nextAt], "Compose", async () => {
        const body = { kind: kind.input.value, nature: nature.input.value.trim(), user_impact: impact.input.value.trim(),
                       mitigation: mitigation.input.value.trim() };
        const chosen = scoped.filter((t, k) => to[k].input.checked);
        if (chosen.length && chosen.length !== scoped.length) body.tenants = chosen;
        if (next.input.value.trim()) body.next_steps = next.input.value.trim();
        const w = whenValue(nextAt, false);
        if (w) body.next_update_at = w;
        await call("POST", `${base}/notices`, body);
      }, ["communications", "timeline"]),
      ...await advisories()];
  };

  // ---- post-mortem ----

  function factorRow(list, f = { kind: "technical_lapse", description: "" }) {
    const kind = field("Kind of factor", "select", { name: "factors", options: FACTOR_KINDS });
    kind.input.value = f.kind;
    const desc = field("What happened", "textarea", { name: "factors", value: f.description });
    const li = el("li", { class: "factor" }, kind.wrap, desc.wrap);
    const remove = el("button", { type: "button", class: "secondary small" }, "Remove this factor");
    remove.addEventListener("click", () => { list.rows = list.rows.filter(r => r.li !== li); li.remove(); });
    li.append(remove);
    const row = { li, kind, desc, id: f.id };
    list.rows.push(row);
    list.box.append(li);
    return row;
  }

  sections.postmortem = async () => {
    let pm = null;
    try { pm = await call("GET", `${base}/postmortem`); } catch (e) { if (e.status !== 404) throw e; }
    const out = [];
    const reload = ["postmortem", "lifecycle", "timeline"];
    if (pm) {
      out.push(el("p", { id: "pm-status" }, `Status: ${pm.status} (version ${pm.version})`,
                  pm.approved_by ? `, approved by ${pm.approved_by}` : "", pm.required ? ". Required to close." : "."));
      if (pm.missing.length)
        out.push(el("ul", { class: "error" }, pm.missing.map(m => el("li", {}, `${m.field}: ${m.message}`))));
    } else out.push(el("p", { class: "meta" }, "No post-mortem yet."));
    if (!pm || pm.status !== "approved") {
      const summary = field("Summary", "textarea", { name: "summary", value: pm ? pm.summary : "" });
      const impact = field("Impact", "textarea", { name: "impact", value: pm ? pm.impact : "" });
      const narrative = field("Narrative", "textarea", { name: "narrative", value: pm ? pm.narrative : "" });
      const well = field("What went well", "textarea", { name: "went_well", value: pm ? pm.went_well : "" });
      const list = { rows: [], box: el("ol", { class: "factors" }) };
      for (const f of pm ? pm.factors : []) factorRow(list, f);
      const more = el("button", { type: "button", class: "secondary small" }, "Add a contributing factor");
      more.addEventListener("click", () => factorRow(list).kind.input.focus());
      const factorsBox = el("fieldset", {}, el("legend", {}, "Contributing factors"), list.box, more);
      const fake = { input: more, err: el("p", { class: "field-error" }), name: "factors" };
      factorsBox.append(fake.err);
      out.push(form("Post-mortem", [summary, impact, narrative, well, factorsBox, fake], "Save the post-mortem", async () => {
        await call("PUT", `${base}/postmortem`, { summary: summary.input.value, impact: impact.input.value,
          narrative: narrative.input.value, went_well: well.input.value,
          factors: list.rows.map(r => {
            const f = { kind: r.kind.input.value, description: r.desc.input.value.trim() };
            if (r.id) f.id = r.id;
            return f;
          }) });
      }, reload));
    }
    if (pm) {
      const factorName = Object.fromEntries(pm.factors.map(f => [f.id, `${words(f.kind)}: ${f.description}`]));
      out.push(el("h3", {}, "Improvements"), table("Improvements", ["Factor", "Improvement", "Owner", "Due", "Status", "Actions"], pm.improvements.map(i => {
        const verify = field(`How "${i.title}" was verified`, "input", { name: "verification" });
        return el("tr", {}, el("td", { "data-label": "Factor" }, factorName[i.factor] || i.factor),
          el("th", { scope: "row", "data-label": "Improvement" }, i.title), el("td", { "data-label": "Owner" }, i.owner),
          el("td", { "data-label": "Due" }, time(i.due_at)),
          el("td", { "data-label": "Status" }, i.status, i.verification ? `: ${i.verification}` : ""),
          el("td", { "data-label": "Actions" }, i.status === "done" ? "" : [verify.wrap, action(`Mark "${i.title}" done`, () =>
            call("PATCH", `/api/v1/improvements/${i.id}`, { status: "done", verification: verify.input.value.trim() }), reload)]));
      }), "stack"));
      if (pm.factors.length) {
        const factor = field("For factor", "select", { name: "factor", options: pm.factors.map(f => [f.id, factorName[f.id]]) });
        const title = field("Improvement", "input", { name: "title" });
        const owner = withPeople(field("Owner (user name)", "input", { name: "owner" }));
        const kind = field("Kind", "select", { name: "kind", options: ["prevent", "detect", "respond"] });
        const due = field("Due", "when", { name: "due_at" });
        out.push(form("Add an improvement", [factor, title, owner, kind, due], "Add the improvement", async () => {
          await call("POST", `${base}/improvements`, { factor: factor.input.value, title: title.input.value.trim(),
            owner: owner.input.value.trim(), kind: kind.input.value, due_at: whenValue(due, true) });
        }, reload));
      }
      if (pm.status !== "approved")
        out.push(action("Approve the post-mortem", () => call("POST", `${base}/postmortem/approve`, {}), reload, { class: "small" }));
    }
    return out;
  };

  // ---- timeline, in words ----

  function said(a) {
    const c = a.change || {};
    const t = v => (v && typeof v === "object" ? v : {});
    switch (a.action) {
      case "incident.create": return `opened the incident${c.title ? `: ${c.title}` : ""}`;
      case "incident.classify": return `classified it as ${CLASS_WORDS[c.to] || words(c.to || "")}`;
      case "incident.declare": return `declared a security incident${c.criteria ? `: ${c.criteria}` : ""}`;
      case "incident.advance": return `moved it to ${PHASE_WORDS[c.to || c.phase] || words(c.to || c.phase || "the next phase")}${c.reason ? ` (${c.reason})` : ""}`;
      case "incident.update": return `edited ${Object.keys(c).filter(k => k !== "version").map(words).join(", ") || "the incident"}`;
      case "incident.note": {
        const from = t(c.copied_from);
        return from.incident ? `noted (copied from ${from.incident}, by ${from.author || "someone"}): ${c.text || ""}` : `noted: ${c.text || ""}`;
      }
      case "incident.duplicate": return `closed it as a duplicate of ${c.of}${c.reason ? `: ${c.reason}` : ""}`;
      case "incident.merge": return `took in the duplicate ${c.duplicate}, its alerts and notes${c.reason ? ` (${c.reason})` : ""}`;
      case "incident.scope": return `changed the scope${c.reason ? ` (${c.reason})` : ""}`;
      case "incident.scope_tenant": {
        const r = t(c.tenant);
        return `${c.previous ? "updated" : "added"} tenant ${r.id} in scope as ${STATUS_WORDS[r.status] || r.status}${r.evidence ? `: ${r.evidence}` : ""}`;
      }
      case "incident.scope_tenant_removed": return `took tenant ${c.tenant} out of the scope${c.reason ? ` (${c.reason})` : ""}`;
      case "incident.anchor": return `set the ${words(c.anchor)} anchor to ${c.at ? new Date(c.at).toLocaleString() : "-"}${c.reason ? ` (${c.reason})` : ""}`;
      case "incident.task.create": return `added the task "${c.title}" (${PHASE_WORDS[c.phase] || c.phase})`;
      case "incident.task.update": return `updated the task "${c.title}": ${words(c.status)}`;
      case "incident.approval": return `${c.decision === "rejected" || t(c.approval).status === "rejected" ? "rejected" : "approved"} "${c.title || t(c.task).title || "a step"}"${c.comment || t(c.approval).comment ? `: "${c.comment || t(c.approval).comment}"` : ""}`;
      case "incident.alert.link": return `linked the alert ${c.alert}${c.reason ? ` (${c.reason})` : ""}`;
      case "incident.notice.compose": return `composed notice ${c.version || ""}`.trim();
      case "incident.notice.release": return `released notice ${c.version || ""}`.trim();
      case "incident.obligation.sent": return `recorded ${c.rule || "an obligation"} as filed`;
      case "incident.obligation.sent_corrected": return `corrected the filed time of ${c.rule || "an obligation"}`;
      case "incident.obligation.waive": return `waived ${c.rule || "an obligation"}${c.reason ? `: ${c.reason}` : ""}`;
      case "incident.postmortem.edit": return "edited the post-mortem";
      case "incident.improvement.create": return `planned the improvement "${c.title}"`;
      case "incident.improvement.update": return `updated the improvement "${c.title}"${c.status ? `: ${words(c.status)}` : ""}`;
      case "incident.page": return `paged ${c.user || "the on-call responder"}`;
      default: return words(a.action.replace(/^incident\./, "").replace(/\./g, " "));
    }
  }

  sections.timeline = async () => {
    const t = await call("GET", `${base}/timeline?limit=500`);
    const text = field("Note", "textarea", { name: "text" });
    const kind = field("Indicator kind", "select", { options: ["ip", "cidr", "account", "hash", "domain", "url"] });
    const value = field("Indicator", "input", { name: "indicators" });
    return [
      form("Add a note", [text], "Add the note", async () => {
        await call("POST", `${base}/notes`, { text: text.input.value.trim() });
      }, ["timeline"]),
      el("details", {}, el("summary", {}, "Quick add an indicator"),
        form("Quick add an indicator", [kind, value], "Add the indicator", async () => {
          await call("PUT", `${base}/scope`, { indicators: [...(inc.indicators || []), { kind: kind.input.value, value: value.input.value.trim() }],
                                               reason: "indicator added from the timeline" });
        }, ["overview", "timeline"])),
      el("ol", { class: "timeline-list", id: "timeline-list" }, t.items.map(a => el("li", { class: a.action === "incident.note" ? "note" : undefined },
        time(a.at), " ", el("strong", {}, a.actor), " ", said(a)))),
    ];
  };

  try {
    inc = await call("GET", base);
    closed = inc.phase === "closed";
    // The summary's detail shows at every width; it stays in view at wide ones.
    await Promise.all([summary(), ...Object.keys(sections).map(id => render(id))]);
  } catch (e) {
    document.getElementById("title").textContent = `Incident ${key}`;
    message.textContent = e.message;
    return;
  }
  // Live: when someone else changes this incident (its version moved past
  // the one shown: the viewer's own saves reload already), the summary and
  // every section reload - except the one the viewer is working in, which
  // would lose the focus; it reloads with the viewer's next save.
  vigilLive.watch(`incident:${inc.key}`, async () => {
    const now = await call("GET", base);
    if (now.version === inc.version) return;
    inc = now;
    closed = inc.phase === "closed";
    const busy = document.activeElement && document.activeElement.closest(".section-body");
    await Promise.all([summary(), ...Object.keys(sections).filter(id => !busy || busy.id !== `${id}-body`).map(id => render(id))]);
  }, e => { message.textContent = `The page could not refresh: ${e.message}`; });
})();
