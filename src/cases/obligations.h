/* Computing an incident's obligations from the rules (src/cases/obligations.c):
 * for every tenant in scope (not ruled out) and for the provider itself,
 * each rule that applies becomes a row with its anchor and due time. Runs
 * in the caller's transaction, on the declaration and on every change of
 * scope or anchors, so the obligations are always those of the incident
 * as committed. */
#pragma once

#include "base/config.h"
#include "cases/cases.h"
#include "core/rules.h"
#include "store/store.h"

/* Recompute incident key's obligations at now (nothing before it is
 * declared). *ret_n (may be NULL): how many apply. */
int obligations_recompute(struct store_tx *tx, const struct rule_set *rules, const struct party_facts *provider,
                          const char *key, vg_usec_t now, unsigned *ret_n);

/* The same for a door: the provider's own facts are the configuration's
 * (provider.jurisdictions, provider.sectors). */
int case_obligations_recompute(struct store_tx *tx, const struct rule_set *rules,
                               const struct config_provider *pv, const char *key, vg_usec_t now);

/* ---- the obligations' use cases (src/cases/obligations.c) ---- */

/* Mark obligation id of incident key sent at `at` (not after now) by
 * actor, with the audit record "incident.obligation.sent", then recompute
 * the incident's obligations: a later stage's clock starts at `at`.
 * Refusals: -VG_EVALIDATION ("at" after now), -VG_ENOTFOUND (no such
 * obligation on key), -VG_ECONFLICT (not open); each with o->detail. */
int case_obligation_sent(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct rule_set *rules, const struct config_provider *pv, const char *key,
                         int64_t id, vg_usec_t at, struct case_outcome *o);

/* Set obligation id of incident key aside at now by actor, saying why:
 * reason is required, not empty and valid text of at most 4096 bytes. The
 * audit record "incident.obligation.waive". Refusals: -VG_EVALIDATION
 * (o->errors: "reason"), -VG_ENOTFOUND (no incident, or no such obligation
 * on it), -VG_ECONFLICT (not open). */
int case_obligation_waive(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                          int64_t id, const char *reason, struct case_outcome *o);

/* The clock of obligation id at mark percent of its time (100: overdue),
 * set for due time due: an email to everyone with the communications role
 * (at 100, the executive incident managers) through the outbox, one
 * idempotency key per obligation, due time, mark and person, and the audit
 * record "incident.obligation.reminder" (or ".overdue") by actor. An
 * obligation gone, no longer open or due at another time: nothing. A
 * clock that runs twice sends nothing twice. */
int case_obligation_remind(struct store_tx *tx, const struct actor *actor, vg_usec_t now, int64_t id,
                           vg_usec_t due, int mark);
