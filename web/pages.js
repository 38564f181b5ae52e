// Pages sent to the people on call, with their incident (list.js).
"use strict";

(async () => {
  const { el, time } = vigil;
  if (!await vigil.page(false)) return;
  await vigilList({
    endpoint: "/api/v1/pages",
    noun: { singular: "page", plural: "pages" },
    caption: "Pages matching the filters",
    filters: [
      { name: "q", label: "Search person, incident key or title", type: "search" },
      { name: "user", label: "Person paged", max: 64 },
      { name: "acked", label: "Acknowledged", options: [["", "Any"], ["false", "Not yet"], ["true", "Yes"]] },
      { name: "incident", label: "Incident key", max: 32, placeholder: "INC-2026-0001" },
    ],
    sorts: [["-created", "Newest first"], ["created", "Oldest first"]],
    columns: [
      { head: "Incident", cell: p => el("a", { href: `/web/incident.html?key=${encodeURIComponent(p.incident)}` }, p.incident) },
      { head: "Person", cell: p => p.user },
      { head: "Level", cell: p => `level ${p.level}, round ${p.round}` },
      { head: "Paged", cell: p => time(p.created_at) },
      { head: "Acknowledged", cell: p => p.acked_at ? time(p.acked_at) : "not yet" },
    ],
  });
})();
