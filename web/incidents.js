// Incidents, searched, filtered and paged by the server (list.js).
"use strict";

(async () => {
  const { el, time } = vigil;
  if (!await vigil.page(false)) return;
  const link = key => el("a", { href: `/web/incident.html?key=${encodeURIComponent(key)}` }, key);
  await vigilList({
    endpoint: "/api/v1/incidents",
    noun: { singular: "incident", plural: "incidents" },
    caption: "Incidents matching the filters",
    filters: [
      { name: "q", label: "Search title and description", type: "search" },
      { name: "open", label: "Open or closed", options: [["", "Any"], ["true", "Open"], ["false", "Closed"]] },
      { name: "phase", label: "Phase", options: ["", "analysis", "containment", "eradication", "recovery", "post_incident", "closed"] },
      { name: "severity", label: "Severity", options: ["", "sev1", "sev2", "sev3", "sev4"] },
      { name: "classification", label: "Classification",
        options: ["", "suspected", "security_incident", "compliance_event", "false_positive"] },
      { name: "service", label: "Service", max: 64 },
      { name: "tenant", label: "Tenant in scope", max: 64 },
    ],
    sorts: [["-created", "Newest first"], ["created", "Oldest first"], ["-updated", "Changed last first"], ["severity", "Severity, sev1 first"]],
    columns: [
      { head: "Incident", cell: i => link(i.key) },
      { head: "Title", cell: i => i.title },
      { head: "Severity", cell: i => i.severity },
      { head: "Phase", cell: i => i.phase },
      { head: "Classification", cell: i => i.classification },
      { head: "Reported", cell: i => time(i.reported_at) },
      { head: "Changed", cell: i => time(i.updated_at) },
    ],
  });
})();
