// Alerts as Vigil holds them, each with the incident it belongs to (list.js).
"use strict";

(async () => {
  const { el, time } = vigil;
  if (!await vigil.page(false)) return;
  await vigilList({
    endpoint: "/api/v1/alerts",
    noun: { singular: "alert", plural: "alerts" },
    caption: "Alerts matching the filters",
    filters: [
      { name: "q", label: "Search summary and labels", type: "search" },
      { name: "status", label: "Status", options: [["", "Any"], ["firing", "Firing"], ["resolved", "Resolved"]] },
      { name: "service", label: "Service", max: 64 },
      { name: "severity", label: "Severity label", max: 31 },
      { name: "linked", label: "In an incident", options: [["", "Any"], ["true", "Yes"], ["false", "No"]] },
    ],
    sorts: [["-created", "Newest first"], ["created", "Oldest first"]],
    columns: [
      { head: "Alert", cell: a => (a.labels && a.labels.alertname) || a.fingerprint },
      { head: "Summary", cell: a => a.summary },
      { head: "Service", cell: a => a.service || "-" },
      { head: "Severity", cell: a => a.severity || "-" },
      { head: "Status", cell: a => a.status },
      { head: "Since", cell: a => time(a.starts_at) },
      { head: "Incident", cell: a => a.incident
          ? el("a", { href: `/web/incident.html?key=${encodeURIComponent(a.incident)}` }, a.incident) : "none" },
    ],
  });
})();
