/* The organisation documents (src/http/org.c) as the on-call code reads
 * them. */
#pragma once

#include "core/oncall.h"
#include "store/store.h"

#include <jansson.h>

/* A schedule document's layers and zone. */
struct schedule_doc {
        const struct vg_zone *zone;
        size_t n_layers;
        struct oncall_layer layers[ONCALL_LAYERS_MAX];
};

/* Parse a stored (valid) schedule body. -VG_EVALIDATION with fe filled
 * when it is not valid (fe may be NULL). */
int schedule_doc_parse(json_t *body, struct schedule_doc *ret, struct field_errors *fe);

/* Load the org document kind/name as JSON (caller decrefs);
 * -VG_ENOTFOUND when there is none. */
int org_load(struct store_tx *tx, const char *kind, const char *name, json_t **ret);

/* Coverage of every schedule and service over [from, to) as the API
 * returns it; *ok is false when any schedule has a gap or any service is
 * not covered around the clock. */
int oncall_coverage_json(struct store_tx *tx, vg_usec_t from, vg_usec_t to, json_t **ret, bool *ok);
/* The levels of escalation policy name with the people each reaches at t:
 * [{level, delay_minutes, oncall: [{user, via}]}]. */
int oncall_levels(struct store_tx *tx, const char *policy_name, vg_usec_t t, json_t **ret);
