/* What the use cases share, private to src/cases: the pieces of audit
 * records and events, as JSON (each returns a new reference, or NULL when
 * out of memory: json_pack's "o" takes NULL as a failure), and the write
 * that ends a change the obligations follow. */
#pragma once

#include "cases/cases.h"

#include <jansson.h>

/* {confidentiality, integrity, availability} as booleans. */
json_t *case_impact_json(const struct cia_impact *i);
/* The categories in m, by name. */
json_t *case_data_json(data_mask_t m);
/* names[0..n) as an array of strings. */
json_t *case_names_json(const char *const *names, size_t n);
/* A scope tenant: id and status, and the fields it sets. */
json_t *case_tenant_json(const struct scope_tenant *t);

/* case_incident_write, then the obligations recomputed from rules and
 * provider: they follow the declaration, the scope and the anchors. */
int case_incident_write_obliging(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                                 const struct rule_set *rules,
                                 const struct config_provider *provider, struct incident *inc,
                                 const char *action, json_t *change, struct case_outcome *o);
