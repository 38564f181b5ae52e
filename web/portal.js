// The customer portal: a tenant administrator reads its organisation's
// notices and acknowledges them, follows the incidents that concern it, and
// reports an incident. Everything comes from /api/v1/portal/..., which only
// ever answers for the signed-in account's own tenant.
"use strict";

(async () => {
  const { el, time } = vigil;
  const message = document.getElementById("message");
  if (!await vigil.page(true)) return;

  async function notices() {
    const list = document.getElementById("notice-list");
    const n = await vigil.call("GET", "/api/v1/portal/notices");
    list.replaceChildren();
    if (n.items.length === 0) list.append(el("p", { class: "meta" }, "No notices."));
    for (const x of n.items) {
      const ack = x.acknowledged_at
        ? el("p", { class: "meta" }, "Acknowledged ", time(x.acknowledged_at))
        : el("button", { type: "button", "data-notice": x.id, onclick: () => acknowledge(x.id) },
             `Acknowledge notice ${x.version} of ${x.incident}`);
      list.append(el("article", { class: "card", id: `notice-${x.id}` },
        el("h3", {}, `${x.incident}: ${x.kind} notice ${x.version}`),
        el("p", { class: "meta" }, "Released ", time(x.released_at)),
        el("h4", {}, "Nature of the breach"), el("p", { class: "notice" }, x.nature),
        el("h4", {}, "Approximate impact on your users"), el("p", { class: "notice" }, x.user_impact),
        el("h4", {}, "Mitigation"), el("p", { class: "notice" }, x.mitigation),
        x.next_steps ? [el("h4", {}, "Next steps"), el("p", { class: "notice" }, x.next_steps)] : null,
        x.next_update_at ? el("p", {}, "Next update by ", time(x.next_update_at)) : null,
        ack));
    }
  }

  async function acknowledge(id) {
    try {
      await vigil.call("POST", `/api/v1/portal/notices/${id}/ack`, {});
      message.textContent = "Thank you: the notice is acknowledged.";
      await notices();
    } catch (e) {
      message.textContent = e.message;
    }
  }

  async function incidents() {
    const body = document.querySelector("#incident-table tbody");
    const r = await vigil.call("GET", "/api/v1/portal/incidents");
    body.replaceChildren();
    if (r.items.length === 0) body.append(el("tr", {}, el("td", { colspan: 5 }, "None.")));
    for (const i of r.items) {
      body.append(el("tr", {}, el("th", { scope: "row" }, i.key), el("td", {}, i.phase), el("td", {}, i.severity),
                       el("td", {}, time(i.declared_at)), el("td", {}, time(i.updated_at))));
    }
  }

  async function services() {
    const s = await vigil.call("GET", "/api/v1/portal/status");
    const select = document.getElementById("report-service");
    for (const svc of s.services) select.append(el("option", { value: svc.name }, svc.name));
  }

  const form = document.getElementById("report-form");
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const error = document.getElementById("report-error");
    error.textContent = "";
    const body = { title: form.title.value.trim() };
    if (form.description.value.trim()) body.description = form.description.value;
    if (form.service.value) body.service = form.service.value;
    try {
      const r = await vigil.call("POST", "/api/v1/portal/reports", body);
      form.reset();
      message.textContent = `Received as ${r.key}. Our security team has it.`;
      await incidents();
    } catch (e) {
      error.textContent = e.message;
    }
  });

  try {
    await Promise.all([notices(), incidents(), services()]);
  } catch (e) {
    message.textContent = e.message;
  }
})();
