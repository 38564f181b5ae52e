// Notification obligations across incidents, soonest due first (list.js).
"use strict";

(async () => {
  const { el, time, countdown } = vigil;
  if (!await vigil.page(false)) return;
  await vigilList({
    endpoint: "/api/v1/obligations",
    noun: { singular: "obligation", plural: "obligations" },
    caption: "Obligations matching the filters",
    filters: [
      { name: "q", label: "Search rule, tenant or recipient", type: "search" },
      { name: "status", label: "Status",
        options: [["", "Open"], ["any", "Any"], ["sent", "Sent"], ["waived", "Waived"], ["withdrawn", "Withdrawn"],
                  ["cannot_compute", "Cannot compute"]] },
      { name: "incident", label: "Incident key", max: 32, placeholder: "INC-2026-0001" },
      { name: "tenant", label: "Tenant", max: 64 },
      { name: "rule", label: "Rule", max: 47 },
    ],
    sorts: [["due", "Due soonest first"], ["-due", "Due latest first"]],
    columns: [
      { head: "Incident", cell: o => el("a", { href: `/web/incident.html?key=${encodeURIComponent(o.incident)}` }, o.incident) },
      { head: "Rule", cell: o => o.rule },
      { head: "Tenant", cell: o => o.tenant || "(provider)" },
      { head: "Status", cell: o => o.status },
      { head: "Due", cell: o => time(o.due_at) },
      { head: "Time left", cell: o => o.status === "open" ? countdown(o.due_at) : "-" },
    ],
  });
})();
