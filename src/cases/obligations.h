/* Computing an incident's obligations from the rules (src/cases/obligations.c):
 * for every tenant in scope (not ruled out) and for the provider itself,
 * each rule that applies becomes a row with its anchor and due time. Runs
 * in the caller's transaction, on the declaration and on every change of
 * scope or anchors, so the obligations are always those of the incident
 * as committed. */
#pragma once

#include "base/config.h"
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
