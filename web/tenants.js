// Tenants, searched by id or name over the server's whole list (list.js).
"use strict";

(async () => {
  const { time } = vigil;
  if (!await vigil.page(false)) return;
  await vigilList({
    endpoint: "/api/v1/tenants",
    noun: { singular: "tenant", plural: "tenants" },
    caption: "Tenants matching the filters",
    filters: [
      { name: "q", label: "Search id or name", type: "search" },
      { name: "followup", label: "Needs follow-up", options: [["", "Any"], ["true", "Yes"], ["false", "No"]] },
    ],
    sorts: [["id", "By id"], ["name", "By name"], ["-updated", "Changed last first"]],
    columns: [
      { head: "Tenant", cell: t => t.id },
      { head: "Name", cell: t => t.name },
      { head: "Contacts", cell: t => (t.contacts || []).map(c => c.email).join(", ") || "none" },
      { head: "Jurisdictions", cell: t => (t.jurisdictions || []).join(", ") || "-" },
      { head: "Follow-up", cell: t => t.needs_followup ? "needed" : "no" },
      { head: "Changed", cell: t => time(t.updated_at) },
    ],
  });
})();
