/* Duplicates and merges: close an incident as a duplicate of the one that
 * carries on (its survivor), moving its alerts and notes there. The rules
 * are core's (incident_duplicate_check); this is the one transaction every
 * door (http, cli) runs. */
#pragma once

#include "cases/cases.h"

/* What marking a duplicate moved to the survivor. */
struct case_duplicate_result {
        char survivor[INCIDENT_KEY_MAX];
        struct alert_move alerts;
        size_t notes; /* notes copied to the survivor's timeline */
        int64_t advisories; /* status advisories now about the survivor */
};

/* Mark inc (A, as the door read it in tx at inc->version) a duplicate of
 * the incident keyed `of` (B), with reason, by actor at now, in tx:
 *  - A closes: classification duplicate, phase closed, closed_at now,
 *    duplicate_of B; closed, its escalations page nobody more (the step
 *    stops at a closed incident, as for any close);
 *  - A's alerts move to B (store_alerts_move): links, alerts, groups;
 *  - A's notes are copied to B's timeline as new "incident.note" records
 *    naming where each came from ({text, copied_from: {incident, seq,
 *    author, at}}): the chain is never rewritten, so A keeps its own;
 *  - the audit records "incident.duplicate" on A and "incident.merge" on
 *    B, and both versions bumped (B at the version read here).
 * On success inc holds A as written and ret (may be NULL) what moved.
 * Refusals, each writing nothing: -VG_EVALIDATION on "of" (missing, not
 * a key, A itself) or "reason"; -VG_ENOTFOUND on "of" when B does not
 * exist; -VG_ECONFLICT (core's rules: A closed or declared, with notices
 * or open obligations; B closed or a duplicate) with o->detail;
 * -VG_EPRECONDITION when A or B changed meanwhile. */
int case_incident_duplicate(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            struct incident *inc, const char *of, const char *reason,
                            struct case_duplicate_result *ret, struct case_outcome *o);

/* Set "duplicate_of" (the survivor's key, or null) and "duplicates" (the
 * keys of inc's duplicates) on j, an incident as a door renders it. */
int case_incident_duplicates_json(struct store_tx *tx, const struct incident *inc, json_t *j);
