// The audit chain for auditors and admins, filtered and paged (list.js).
"use strict";

(async () => {
  const { el, time } = vigil;
  if (!await vigil.page(false)) return;
  await vigilList({
    endpoint: "/api/v1/audit",
    noun: { singular: "record", plural: "records" },
    caption: "Audit records matching the filters",
    filters: [
      { name: "q", label: "Search actor, action or object", type: "search" },
      { name: "actor", label: "Actor", placeholder: "user:ina" },
      { name: "action", label: "Action", placeholder: "incident.declare" },
      { name: "object", label: "Object", max: 300, placeholder: "incident:INC-2026-0001" },
      { name: "from", label: "From (your time)", type: "time" },
      { name: "to", label: "Before (your time)", type: "time" },
    ],
    sorts: [["seq", "Oldest first"], ["-seq", "Newest first"]],
    columns: [
      { head: "Seq", cell: a => String(a.seq) },
      { head: "At", cell: a => time(a.at) },
      { head: "Actor", cell: a => a.actor },
      { head: "Action", cell: a => a.action },
      { head: "Object", cell: a => el("code", {}, a.object) },
    ],
  });
})();
