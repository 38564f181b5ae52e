/* Enhanced vigilance as a service for the doors: which incident under
 * watch does an alert belong to, and link it. The watches in force are
 * loaded once per transaction (vigilance_set_load), as silences are, so
 * the intake pipeline does not read every watched incident's scope again
 * for each alert. */
#pragma once

#include "cases/cases.h"
#include "core/vigilance.h"
#include "store/store.h"

#include <jansson.h>

struct vigilance_hit {
        int64_t incident_id;
        char key[INCIDENT_KEY_MAX];
        char why[256];
};

struct vigilance_set;

/* The incidents under watch at now, with their services, tenants (not
 * ruled out) and indicators. */
int vigilance_set_load(struct store_tx *tx, vg_usec_t now, struct vigilance_set **ret);
struct vigilance_set *vigilance_set_free(struct vigilance_set *set);
/* The oldest watched incident whose window is open at a->at and that
 * shares a service, tenant or indicator with the alert: 1 with *ret
 * filled, 0 when none. */
int vigilance_set_find(const struct vigilance_set *set, const struct alert_signals *a,
                       struct vigilance_hit *ret);
/* When set finds an incident for the alert, link alert_ref to it (flagged
 * as a vigilance link, with its audit record) in tx. 1 when linked (also
 * when it was linked already), 0 when no incident is under watch for it,
 * < 0 on error. */
int vigilance_set_link(struct store_tx *tx, const struct vigilance_set *set, const struct actor *actor,
                       const char *alert_ref, const struct alert_signals *a, struct vigilance_hit *ret);

/* One-shot forms that load the set for a single alert. */
int vigilance_find(struct store_tx *tx, const struct alert_signals *a, struct vigilance_hit *ret);
int vigilance_link_alert(struct store_tx *tx, const struct actor *actor, const char *alert_ref,
                         const struct alert_signals *a, struct vigilance_hit *ret);

/* A link as the doors show it and its audit record holds it (a new
 * reference). */
json_t *case_alert_link_json(const struct alert_link *l);

/* Link alert (a reference: text on one line) to incident key by hand,
 * saying why (reason, NULL for none), linked by actor at now, with the
 * audit record "incident.alert.link"; *ret holds what was written (its
 * reason borrowed from reason). A closed incident still takes links: the
 * enhanced-vigilance window outlives the close, and so does the evidence.
 * Refusals: -VG_EVALIDATION ("alert"), -VG_ENOTFOUND (no incident),
 * -VG_ECONFLICT (linked already). */
int case_alert_link(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                    const char *alert, const char *reason, struct alert_link *ret,
                    struct case_outcome *o);
