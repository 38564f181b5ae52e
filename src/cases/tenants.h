/* Tenants as the obligations see them (src/cases/tenants.c): writing a
 * tenant's record and, when what the rules turn on changed, recomputing
 * the obligations of the open incidents that have it in scope, in the
 * caller's transaction. */
#pragma once

#include "base/config.h"
#include "core/rules.h"
#include "store/store.h"

#include <jansson.h>

struct case_tenant_result {
        int changed;         /* 1 created, 2 replaced, 0 the same already */
        unsigned recomputed; /* open incidents whose obligations were recomputed */
};

/* Create or replace tenant id with name and body (its validated JSON
 * document, borrowed), with the audit record "tenant.create" or
 * "tenant.update" (change: body and name) by actor. When the facts the
 * rules turn on (jurisdictions, sectors, data_categories,
 * notification_hours, regulated_as) changed - a tenant created while already in scope
 * included - every open (not closed), declared incident with the tenant
 * in scope has its obligations recomputed at now, each with the audit
 * record "incident.obligations.recompute" on the incident (the tenant
 * and the facts that changed). rules may be NULL (nothing to compute).
 * Returns 0 or a store error; the caller owns tx and rolls back on error. */
int case_tenant_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                    const struct rule_set *rules, const struct config_provider *pv, const char *id,
                    const char *name, json_t *body, struct case_tenant_result *ret);

/* An import's pending recomputations: each open incident the imported
 * rows' changed facts touch is recomputed once, when the import ends (an
 * incident with 100,000 tenants in scope is not recomputed per row). */
#define TENANT_BATCH_NAMED 20
struct case_tenant_batch {
        json_t *incidents; /* owns: key -> {tenants: count, first: [ids, up to TENANT_BATCH_NAMED], facts: [names]} */
};
void case_tenant_batch_init(struct case_tenant_batch *b);
void case_tenant_batch_fini(struct case_tenant_batch *b);

/* The same as case_tenant_put for one row of an import, which writes one
 * audit record for the whole file (the door's): no "tenant.*" record; the
 * open incidents the row's changed facts touch are noted in b. */
int case_tenant_import_row(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           const struct rule_set *rules, const struct config_provider *pv,
                           const char *id, const char *name, json_t *body,
                           struct case_tenant_batch *b, struct case_tenant_result *ret);
/* Recompute each incident b noted, once, with the audit record
 * "incident.obligations.recompute" (how many tenants, the first of them,
 * the facts that changed). *ret_n (may be NULL): how many incidents. */
int case_tenant_import_finish(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                              const struct rule_set *rules, const struct config_provider *pv,
                              struct case_tenant_batch *b, unsigned *ret_n);

/* Delete tenant id with the audit record "tenant.delete"; its incidents
 * keep its id in their scope, now with no facts (only rules without
 * conditions apply), so the open ones are recomputed as above.
 * -VG_ENOTFOUND when there is no such tenant. ret->changed is 2. */
int case_tenant_delete(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct rule_set *rules, const struct config_provider *pv,
                       const char *id, struct case_tenant_result *ret);

/* Recompute, as above, the obligations of the open incidents that have
 * tenant id in scope because its facts (the JSON array `changed` of their
 * names, borrowed) changed; *ret_n (may be NULL): how many incidents. */
int case_tenant_facts_changed(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                              const struct rule_set *rules, const struct config_provider *pv,
                              const char *id, json_t *changed, unsigned *ret_n);

/* A service document's regimes (the "regimes" member of before, NULL
 * when it had no document, and after) feed the provider's own duties:
 * when they differ, recompute as above the open incidents that have the
 * service in scope, each with the audit record
 * "incident.obligations.recompute" naming the service and both lists.
 * *ret_n (may be NULL): how many incidents. */
int case_service_regimes_changed(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                                 const struct rule_set *rules, const struct config_provider *pv,
                                 const char *service, json_t *before, json_t *after,
                                 unsigned *ret_n);
