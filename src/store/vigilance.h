/* Enhanced vigilance as a service for the doors: which incident under
 * watch does an alert belong to, and link it. The intake pipeline (issue 4)
 * calls vigilance_link_alert for every new alert. */
#pragma once

#include "core/vigilance.h"
#include "store/store.h"

struct vigilance_hit {
        int64_t incident_id;
        char key[INCIDENT_KEY_MAX];
        char why[256];
};

/* The oldest incident under watch at a->at whose services, tenants or
 * indicators the alert shares. Returns 1 with *ret filled, 0 when none,
 * < 0 on a store error. */
int vigilance_find(struct store_tx *tx, const struct alert_signals *a, struct vigilance_hit *ret);

/* Find, and when found link alert_ref to that incident (flagged as a
 * vigilance link, with its audit record), in tx. Returns 1 when linked,
 * 0 when no incident is under watch for it, < 0 on error. Linking the same
 * alert twice returns 1 and changes nothing. */
int vigilance_link_alert(struct store_tx *tx, const struct actor *actor, const char *alert_ref,
                         const struct alert_signals *a, struct vigilance_hit *ret);
