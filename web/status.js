// The public status page: every service's state and the latest advisories,
// read from /status as JSON. No sign-in.
"use strict";

(async () => {
  const { el, time } = vigil;
  const summary = document.getElementById("summary");
  try {
    const s = await vigil.call("GET", "/status");
    const body = document.querySelector("#services tbody");
    for (const svc of s.services) {
      body.append(el("tr", {},
        el("th", { scope: "row" }, svc.name),
        el("td", {}, el("span", { class: `state ${svc.state}` }, svc.state)),
        el("td", {}, time(svc.since)),
        el("td", {}, svc.message || "")));
    }
    const degraded = s.services.filter(x => x.state !== "operational").length;
    summary.textContent = s.services.length === 0 ? "No services are listed yet."
      : degraded === 0 ? "All services are operational."
      : `${degraded} of ${s.services.length} services have an open advisory.`;
    const list = document.getElementById("advisories");
    if (s.advisories.length === 0) list.append(el("p", { class: "meta" }, "No advisories."));
    for (const a of s.advisories) {
      list.append(el("article", { class: "card" },
        el("h3", {}, `${a.service}: `, el("span", { class: `state ${a.state}` }, a.state)),
        el("p", {}, a.message),
        el("p", { class: "meta" }, "Posted ", time(a.posted_at))));
    }
  } catch (e) {
    summary.textContent = "";
    summary.append(el("span", { class: "error" }, `The status could not be loaded: ${e.message}`));
  }
})();
