/* The organisation documents and on-call answers shared by org.c and
 * oncall.c. */
#pragma once

#include "cases/oncall.h"

/* Coverage of every schedule and service over [from, to) as the API
 * returns it; *ok is false when any schedule has a gap or any service is
 * not covered around the clock. */
int oncall_coverage_json(struct store_tx *tx, vg_usec_t from, vg_usec_t to, json_t **ret, bool *ok);
