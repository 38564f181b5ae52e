/* An incident's scope (services, tenants, indicators) and its anchors,
 * the moments the legal clocks count from. Both feed the obligations, so
 * each change recomputes them in the same transaction. */
#include "cases/cases.h"
#include "cases/record.h"

#include "core/error.h"

#include <errno.h>

static json_t *tenants_json(const struct scope_tenant *t, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, case_tenant_json(&t[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static json_t *indicators_json(const struct indicator *ind, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_pack("{s:s, s:s}", "kind",
                                                       indicator_kind_to_string(ind[i].kind),
                                                       "value", ind[i].value)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

json_t *case_residents_json(const struct resident_count *c, size_t n)
{
        json_t *j = json_object();
        for (size_t i = 0; j && i < n; i++)
                if (json_object_set_new(j, c[i].jur, json_integer(c[i].n)) < 0) {
                        json_decref(j);
                        return NULL;
                }
        return j;
}

static int residents_add(const struct resident_count *c, void *userdata)
{
        return json_object_set_new(userdata, c->jur, json_integer(c->n));
}

int case_incident_residents_json(struct store_tx *tx, const struct incident *inc, json_t **ret)
{
        json_t *j = json_object();
        int r = j ? store_incident_residents_list(tx, inc->id, residents_add, j) : -ENOMEM;
        if (r < 0) {
                json_decref(j);
                return r;
        }
        *ret = j;
        return 0;
}

int case_incident_scope(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        const struct rule_set *rules, const struct config_provider *provider,
                        struct incident *inc, const struct case_scope *s, struct case_outcome *o)
{
        if (!s->set_services && !s->set_tenants && !s->set_indicators && !s->set_residents) {
                fielderr_add(&o->errors, "services",
                             "send at least one of services, tenants, indicators, affected_residents");
                return -VG_EVALIDATION;
        }
        int r = case_incident_changeable(inc, o);
        if (r < 0)
                return r;
        /* The audit record keeps each version of the scope as written;
         * a list not sent is null there. */
        json_t *change = json_pack(
                "{s:o, s:o, s:o, s:o}", "services",
                s->set_services ? case_names_json(s->services, s->n_services) : json_null(),
                "tenants", s->set_tenants ? tenants_json(s->tenants, s->n_tenants) : json_null(),
                "indicators",
                s->set_indicators ? indicators_json(s->indicators, s->n_indicators) : json_null(),
                "reason", s->reason ? json_string(s->reason) : json_null());
        if (change && s->set_residents)
                json_object_set_new(change, "affected_residents", case_residents_json(s->residents, s->n_residents));
        if (!change)
                return -ENOMEM;
        if (s->set_services)
                r = store_incident_services_set(tx, inc->id, s->services, s->n_services);
        if (r >= 0 && s->set_tenants)
                r = store_incident_tenants_set(tx, inc->id, s->tenants, s->n_tenants);
        if (r >= 0 && s->set_indicators)
                r = store_incident_indicators_set(tx, inc->id, s->indicators, s->n_indicators);
        if (r >= 0 && s->set_residents)
                r = store_incident_residents_set(tx, inc->id, s->residents, s->n_residents);
        if (r >= 0)
                r = case_incident_write_obliging(tx, actor, now, rules, provider, inc,
                                                 "incident.scope", change, o);
        json_decref(change);
        return r;
}

/* The newest recorded setting of each anchor. */
struct recorded {
        bool set[ANCHOR__COUNT];
        vg_usec_t at[ANCHOR__COUNT];
};

static int record_anchor(const struct anchor_setting *a, void *userdata)
{
        struct recorded *rec = userdata;
        if ((int)a->anchor >= 0 && a->anchor < ANCHOR__COUNT) {
                rec->set[a->anchor] = true;
                rec->at[a->anchor] = a->at; /* oldest first: the last one is in force */
        }
        return 0;
}

int case_incident_anchor_set(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                             const struct rule_set *rules, const struct config_provider *provider,
                             struct incident *inc, enum anchor which, vg_usec_t at,
                             const char *reason, struct case_outcome *o)
{
        struct recorded rec = {{0}};
        int r = case_incident_changeable(inc, o);
        if (r < 0)
                return r;
        if (which == ANCHOR_DECLARED && !inc->declared_at) {
                case_outcome_detail(o, "%s is not declared; declare it first", inc->key);
                return -VG_ECONFLICT;
        }
        if (!reason || !reason[0]) {
                fielderr_add(&o->errors, "reason", "is required");
                return -VG_EVALIDATION;
        }
        r = store_anchor_list(tx, inc->id, record_anchor, &rec);
        if (r < 0)
                return r;
        /* first_detected must not come after any other anchor in force:
         * the recorded ones and the declaration. */
        vg_usec_t earliest = inc->declared_at;
        for (int i = 0; i < ANCHOR__COUNT; i++)
                if (i != ANCHOR_FIRST_DETECTED && i != ANCHOR_DECLARED && rec.set[i] && rec.at[i] &&
                    (!earliest || rec.at[i] < earliest))
                        earliest = rec.at[i];
        r = anchor_check(which, at, now, inc->detected_at, earliest, &o->errors);
        if (r < 0)
                return r;

        /* What was in force before: the incident's own times, aware
         * defaulting to first detection. */
        vg_usec_t previous = which == ANCHOR_FIRST_DETECTED ? inc->detected_at
                             : which == ANCHOR_DECLARED     ? inc->declared_at
                             : rec.set[which]               ? rec.at[which]
                             : which == ANCHOR_AWARE        ? inc->detected_at
                                                            : VG_TIME_UNSET;
        struct anchor_setting setting = {
                .anchor = which, .at = at, .reason = reason, .set_at = now};
        snprintf(setting.set_by, sizeof setting.set_by, "%s", actor->name);
        json_t *change = json_pack("{s:s, s:o, s:o, s:s}", "anchor", anchor_to_string(which), "at",
                                   case_time_json(at), "previous", case_time_json(previous),
                                   "reason", reason);
        if (!change)
                return -ENOMEM;
        r = store_anchor_append(tx, inc->id, &setting);
        /* The deadline engine recomputes every obligation from this event. */
        if (r >= 0)
                r = store_event_append(tx, now, "incident.anchor_changed", inc->id, change);
        if (which == ANCHOR_FIRST_DETECTED)
                inc->detected_at = at;
        if (which == ANCHOR_DECLARED)
                inc->declared_at = at;
        if (r >= 0)
                r = case_incident_write_obliging(tx, actor, now, rules, provider, inc,
                                                 "incident.anchor", change, o);
        json_decref(change);
        return r;
}

static int copy_tenant(const struct scope_tenant *t, void *userdata)
{
        json_t **ret = userdata;
        *ret = case_tenant_json(t);
        return *ret ? 0 : -ENOMEM;
}

/* The row of tenant in inc's scope as JSON (*ret, yours), or JSON null
 * when it is not in scope. */
static int tenant_before(struct store_tx *tx, const struct incident *inc, const char *tenant,
                         json_t **ret)
{
        *ret = NULL;
        int r = store_incident_tenant_get(tx, inc->id, tenant, copy_tenant, ret);
        if (r == -VG_ENOTFOUND) {
                *ret = json_null();
                return 0;
        }
        return r;
}

static int tenant_known(const struct tenant_row *t, void *userdata)
{
        (void)t;
        (void)userdata;
        return 0;
}

/* Write one row's change: t put (NULL: tenant removed), with its audit
 * record (before stolen) and the obligations recomputed. */
static int scope_row_write(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           const struct rule_set *rules, const struct config_provider *provider,
                           struct incident *inc, const struct scope_tenant *t, const char *tenant,
                           json_t *before, const char *reason, struct case_outcome *o)
{
        json_t *change = json_pack("{s:o, s:o, s:o}", "tenant",
                                   t ? case_tenant_json(t) : json_string(tenant), "previous", before,
                                   "reason", reason ? json_string(reason) : json_null());
        if (!change)
                return -ENOMEM;
        int r = t ? store_incident_tenant_put(tx, inc->id, t)
                  : store_incident_tenant_delete(tx, inc->id, tenant);
        if (r >= 0)
                r = case_incident_write_obliging(tx, actor, now, rules, provider, inc,
                                                 t ? "incident.scope_tenant"
                                                   : "incident.scope_tenant_removed",
                                                 change, o);
        json_decref(change);
        return r;
}

int case_incident_scope_tenant_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                                   const struct rule_set *rules,
                                   const struct config_provider *provider, struct incident *inc,
                                   const struct scope_tenant *t, const char *reason,
                                   struct case_outcome *o)
{
        json_t *before = NULL;
        int r = case_incident_changeable(inc, o);
        if (r >= 0)
                r = tenant_before(tx, inc, t->tenant, &before);
        if (r < 0)
                return r;
        /* A tenant comes into scope only when it is on record; one already
         * in scope stays editable, even after its record was deleted. */
        if (json_is_null(before)) {
                r = store_tenant_get(tx, t->tenant, tenant_known, NULL);
                if (r == -VG_ENOTFOUND) {
                        fielderr_add(&o->errors, "tenant", "no tenant '%s' on record", t->tenant);
                        r = -VG_EVALIDATION;
                }
                if (r < 0) {
                        json_decref(before);
                        return r;
                }
        }
        return scope_row_write(tx, actor, now, rules, provider, inc, t, t->tenant, before, reason, o);
}

int case_incident_scope_tenant_remove(struct store_tx *tx, const struct actor *actor,
                                      vg_usec_t now, const struct rule_set *rules,
                                      const struct config_provider *provider, struct incident *inc,
                                      const char *tenant, const char *reason,
                                      struct case_outcome *o)
{
        json_t *before = NULL;
        int r = case_incident_changeable(inc, o);
        if (r >= 0)
                r = tenant_before(tx, inc, tenant, &before);
        if (r < 0)
                return r;
        if (json_is_null(before)) {
                case_outcome_detail(o, "tenant %s is not in the scope of %s", tenant, inc->key);
                return -VG_ENOTFOUND;
        }
        return scope_row_write(tx, actor, now, rules, provider, inc, NULL, tenant, before, reason, o);
}
