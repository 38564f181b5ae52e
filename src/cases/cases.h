/* The use cases: the multi-step operations every door (http, cli, jobs,
 * intake) calls. A use case takes what it needs - a transaction, the actor,
 * `now`, the configuration it reads - and never a request; it returns 0 or
 * a -VG_* code and, when it refuses, says why in a case_outcome the door
 * renders (problem+json for http, a message for the CLI). It applies the
 * rules of core and calls the store; the caller owns the transaction and
 * commits or rolls back. */
#pragma once

#include "core/fielderr.h"
#include "core/incident.h"
#include "core/vtime.h"
#include "store/store.h"

#include <stdint.h>

#define CASE_DETAIL_MAX 256

/* Why a use case refused: unmet criteria or field errors, and a sentence. */
struct case_outcome {
        struct field_errors errors;   /* field = criterion code or field name */
        char detail[CASE_DETAIL_MAX]; /* "" when there is nothing to add */
};

void case_outcome_init(struct case_outcome *o);
/* Say why in o->detail (printf-style, cut to CASE_DETAIL_MAX). */
void case_outcome_detail(struct case_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A time as the doors show it: RFC 3339 text, JSON null when unset. */
json_t *case_time_json(vg_usec_t t);

/* incident.c: the incident lifecycle */

/* Incident key, read in tx; -VG_ENOTFOUND (with o->detail) when there is
 * none. */
int case_incident_get(struct store_tx *tx, const char *key, struct incident *inc,
                      struct case_outcome *o);

/* The facts the exit criteria look at, from inc and its records (scope,
 * tasks, recovery, post-mortem, obligations) in tx. */
int case_incident_facts(struct store_tx *tx, const struct incident *inc, struct incident_facts *f);

/* What leaving inc's phase forward still needs, into unmet (nothing when
 * closed); *next is the phase after it (PHASE__INVALID when closed).
 * Changes nothing. */
int case_incident_exit_criteria(struct store_tx *tx, const struct incident *inc,
                                enum incident_phase *next, struct field_errors *unmet);

/* Move inc, as read in tx at inc->version, to phase `to`
 * (incident_transition_check on its facts), stamping the phase times and
 * the vigilance window (vigilance_window seconds, from the configuration),
 * with the audit record "incident.advance" by actor, in tx. On success inc
 * holds what was written. Refusals: -VG_EVALIDATION or -VG_ECONFLICT with
 * o->errors, -VG_EPRECONDITION when inc changed since it was read. */
int case_incident_advance(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          int64_t vigilance_window, struct incident *inc, enum incident_phase to,
                          const char *reason, struct case_outcome *o);
