/* Pieces of audit records and events the use cases share. */
#include "cases/record.h"

#include "cases/obligations.h"

json_t *case_impact_json(const struct cia_impact *i)
{
        return json_pack("{s:b, s:b, s:b}", "confidentiality", i->confidentiality, "integrity",
                         i->integrity, "availability", i->availability);
}

json_t *case_data_json(data_mask_t m)
{
        json_t *a = json_array();
        for (int d = 0; a && d < DATA__COUNT; d++)
                if (m & DATA_BIT(d))
                        json_array_append_new(
                                a, json_string(data_category_to_string((enum data_category)d)));
        return a;
}

/* The names as a JSON array, for audit records. */
json_t *case_names_json(const char *const *names, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_string(names[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* A scope tenant for audit records: the fields it sets. */
json_t *case_tenant_json(const struct scope_tenant *t)
{
        json_t *j = json_pack("{s:s, s:s}", "id", t->tenant, "status",
                              tenant_status_to_string(t->status));
        if (j && t->evidence)
                json_object_set_new(j, "evidence", json_string(t->evidence));
        if (j && t->affected_users)
                json_object_set_new(j, "affected_users", json_integer(t->affected_users));
        if (j && t->data_categories)
                json_object_set_new(j, "data_categories", case_data_json(t->data_categories));
        return j;
}

int case_incident_write_obliging(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                                 const struct rule_set *rules,
                                 const struct config_provider *provider, struct incident *inc,
                                 const char *action, json_t *change, struct case_outcome *o)
{
        int r = case_incident_write(tx, actor, now, inc, action, change, o);
        return r < 0 ? r : case_obligations_recompute(tx, rules, provider, inc->key, now);
}
