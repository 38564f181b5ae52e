// Vigil's pages talk to the JSON API with the session cookie; every request
// that changes something carries the session's CSRF token.
"use strict";

const vigil = (() => {
  let csrf = sessionStorage.getItem("vigil_csrf") || "";

  async function call(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    const r = await fetch(path, { method, headers, credentials: "same-origin",
                                  body: body === undefined ? undefined : JSON.stringify(body) });
    const type = r.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await r.json() : null;
    if (!r.ok) {
      const err = new Error(problemText(data, r.status));
      err.status = r.status;
      err.problem = data;
      throw err;
    }
    return data;
  }

  function problemText(p, status) {
    if (!p) return `The server answered ${status}.`;
    const fields = (p.errors || []).map(e => `${e.field}: ${e.message}`).join("; ");
    return [p.detail || p.title, fields].filter(Boolean).join(" - ");
  }

  async function signIn(username, password) {
    const s = await call("POST", "/api/v1/session", { username, password });
    csrf = s.csrf_token;
    sessionStorage.setItem("vigil_csrf", csrf);
    return s;
  }

  async function whoAmI() {
    const s = await call("GET", "/api/v1/session");
    if (s.csrf_token) { csrf = s.csrf_token; sessionStorage.setItem("vigil_csrf", csrf); }
    return s;
  }

  async function signOut() {
    try { await call("DELETE", "/api/v1/session"); } finally {
      csrf = ""; sessionStorage.removeItem("vigil_csrf");
    }
  }

  // A <time> in the viewer's zone, with UTC on hover.
  function time(iso) {
    const t = document.createElement("time");
    if (!iso) { t.textContent = "-"; return t; }
    const d = new Date(iso);
    t.dateTime = iso;
    t.textContent = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    t.title = d.toISOString().replace(".000Z", "Z") + " (UTC)";
    return t;
  }

  // Build an element: el("p", {class: "meta"}, "text", child, ...). Text is
  // always text (textContent), never parsed as HTML.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // A signed-in page: the session, or off to sign in; the other side's page
  // for the other kind of account; "who" and "Sign out" in the header.
  async function page(forTenantAdmin) {
    let me;
    try {
      me = await whoAmI();
    } catch (e) {
      location.replace("/");
      return null;
    }
    if ((me.user.role === "tenant_admin") !== forTenantAdmin) {
      location.replace(me.user.role === "tenant_admin" ? "/web/portal.html" : "/web/console.html");
      return null;
    }
    document.getElementById("who").textContent =
      `${me.user.name} (${forTenantAdmin ? me.user.tenant : me.user.role})`;
    document.getElementById("signout").addEventListener("click", async () => {
      await signOut().catch(() => {});
      location.replace("/");
    });
    return me;
  }

  // A table that scrolls sideways on its own (keyboard-reachable) when the
  // screen is narrow; "None." when there are no rows.
  function table(caption, head, rows) {
    return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
      el("table", {}, el("caption", { class: "visually-hidden" }, caption),
        el("thead", {}, el("tr", {}, head.map(h => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: head.length }, "None.")))));
  }

  // Time left until a due time, kept current: "2d 3h 05m left", "late by ...".
  function countdown(iso) {
    const t = document.createElement("span");
    t.dataset.due = iso || "";
    tick(t);
    return t;
  }

  function tick(t) {
    const due = t.dataset.due;
    if (!due) { t.textContent = "clock not started"; t.className = "countdown"; return; }
    let s = Math.round((new Date(due) - Date.now()) / 1000);
    const late = s < 0;
    s = Math.abs(s);
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    t.textContent = `${late ? "late by " : ""}${d ? `${d}d ` : ""}${h}h ${String(m).padStart(2, "0")}m${late ? "" : " left"}`;
    t.className = `countdown state ${late ? "bad" : s < 6 * 3600 ? "identified" : "ok"}`;
  }
  setInterval(() => document.querySelectorAll(".countdown").forEach(tick), 30000);

  return { call, signIn, whoAmI, signOut, page, time, el, countdown, table };
})();
