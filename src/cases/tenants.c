/* Tenants (and services) as the obligations see them: a tenant's record
 * and a service's regimes feed the rules (core/rules.c rule_applies
 * through obligations.c), so a change of what they turn on recomputes the
 * obligations of the open incidents that have the tenant or the service
 * in scope, in the same transaction as the change. */
#include "cases/tenants.h"
#include "cases/obligations.h"

#include "core/array.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open incidents that one tenant edit may recompute: beyond this the
 * edit is refused rather than left half done. */
#define TENANT_OPEN_INCIDENTS_MAX 100000

/* The facts of a tenant's record the rules read, and their value when
 * the record (or the field) is absent: what obligations.c assumes. */
static const char *const facts[] = {"jurisdictions",      "sectors",      "data_categories",
                                    "notification_hours", "regulated_as", NULL};

static json_t *fact_of(json_t *doc, const char *field)
{
        json_t *v = doc ? json_object_get(doc, field) : NULL;
        if (strcmp(field, "notification_hours") == 0)
                return json_integer(v && json_integer_value(v) > 0 ? json_integer_value(v) : 72);
        return v ? json_incref(v) : json_array();
}

/* The names of the facts that differ between before (NULL: no record)
 * and after, as a new JSON array (empty when none), or NULL. */
static json_t *facts_changed(json_t *before, json_t *after)
{
        json_t *names = json_array();
        for (size_t i = 0; names && facts[i]; i++) {
                json_t *a = fact_of(before, facts[i]), *b = fact_of(after, facts[i]);
                if (!a || !b ||
                    (!json_equal(a, b) &&
                     json_array_append_new(names, json_string(facts[i])) < 0)) {
                        json_decref(names);
                        names = NULL;
                }
                json_decref(a);
                json_decref(b);
        }
        return names;
}

static int body_copy(const struct tenant_row *t, void *userdata)
{
        *(json_t **)userdata = json_loads(t->body, 0, NULL);
        return *(json_t **)userdata ? 0 : -ENOMEM;
}

struct open_keys {
        size_t n, cap;
        char (*v)[INCIDENT_KEY_MAX];
};

/* Collect only: a walk's callback must not write (store/db.h). */
static int open_key(const struct incident *inc, void *userdata)
{
        struct open_keys *k = userdata;
        if (incident_closed(inc->phase) || !inc->declared_at)
                return 0;
        int r = array_reserve(k->v, k->cap, k->n + 1, TENANT_OPEN_INCIDENTS_MAX);
        if (r < 0)
                return r;
        snprintf(k->v[k->n++], INCIDENT_KEY_MAX, "%s", inc->key);
        return 0;
}

/* Recompute the obligations of every open, declared incident f selects,
 * each with its audit record (change, borrowed). */
static int recompute_open(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          const struct rule_set *rules, const struct config_provider *pv,
                          const struct incident_filter *f, json_t *change, unsigned *ret_n)
{
        struct open_keys k = {0};
        unsigned n = 0;
        int r = rules ? store_incident_list(tx, f, 0, 0, open_key, &k) : 0;
        for (size_t i = 0; r >= 0 && i < k.n; i++) {
                r = case_obligations_recompute(tx, rules, pv, k.v[i], now);
                if (r >= 0)
                        r = store_audit_incident(tx, now, actor, "incident.obligations.recompute",
                                                 k.v[i], change);
                n += r >= 0;
        }
        free(k.v);
        if (ret_n)
                *ret_n = n;
        return r < 0 ? r : 0;
}

int case_tenant_facts_changed(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                              const struct rule_set *rules, const struct config_provider *pv,
                              const char *id, json_t *changed, unsigned *ret_n)
{
        struct incident_filter f = {.phase = PHASE__INVALID,
                                    .classification = CLASS__INVALID,
                                    .severity = SEV__INVALID,
                                    .tenant = id};
        json_t *change = json_pack("{s:s, s:O, s:s}", "tenant", id, "facts", changed, "reason",
                                   "the tenant's facts changed");
        int r = change ? recompute_open(tx, actor, now, rules, pv, &f, change, ret_n) : -ENOMEM;
        json_decref(change);
        return r;
}

int case_service_regimes_changed(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                                 const struct rule_set *rules, const struct config_provider *pv,
                                 const char *service, json_t *before, json_t *after,
                                 unsigned *ret_n)
{
        json_t *none = json_array();
        json_t *was = before ? json_object_get(before, "regimes") : NULL;
        json_t *is = after ? json_object_get(after, "regimes") : NULL;
        if (ret_n)
                *ret_n = 0;
        if (!none)
                return -ENOMEM;
        bool same = json_equal(was ? was : none, is ? is : none);
        json_decref(none);
        if (same)
                return 0;
        struct incident_filter f = {.phase = PHASE__INVALID,
                                    .classification = CLASS__INVALID,
                                    .severity = SEV__INVALID,
                                    .service = service};
        json_t *change = json_pack("{s:s, s:O?, s:O?, s:s}", "service", service, "regimes_before",
                                   was, "regimes", is, "reason", "the service's regimes changed");
        int r = change ? recompute_open(tx, actor, now, rules, pv, &f, change, ret_n) : -ENOMEM;
        json_decref(change);
        return r;
}

void case_tenant_batch_init(struct case_tenant_batch *b)
{
        b->incidents = json_object();
}

void case_tenant_batch_fini(struct case_tenant_batch *b)
{
        json_decref(b->incidents);
        b->incidents = NULL;
}

/* Note in b the open incidents that have tenant id in scope, for its
 * changed facts (names, borrowed). */
static int batch_note(struct store_tx *tx, const struct rule_set *rules, struct case_tenant_batch *b,
                      const char *id, json_t *changed)
{
        struct incident_filter f = {.phase = PHASE__INVALID,
                                    .classification = CLASS__INVALID,
                                    .severity = SEV__INVALID,
                                    .tenant = id};
        struct open_keys k = {0};
        int r = !b->incidents ? -ENOMEM : rules ? store_incident_list(tx, &f, 0, 0, open_key, &k) : 0;
        for (size_t i = 0; r >= 0 && i < k.n; i++) {
                json_t *e = json_object_get(b->incidents, k.v[i]);
                if (!e) {
                        e = json_pack("{s:i, s:[], s:[]}", "tenants", 0, "first", "facts");
                        if (!e || json_object_set_new(b->incidents, k.v[i], e) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                }
                json_t *first = json_object_get(e, "first"), *facts_seen = json_object_get(e, "facts"), *name;
                size_t j;
                json_object_set_new(e, "tenants", json_integer(json_integer_value(json_object_get(e, "tenants")) + 1));
                if (json_array_size(first) < TENANT_BATCH_NAMED)
                        json_array_append_new(first, json_string(id));
                json_array_foreach(changed, j, name)
                {
                        size_t m;
                        json_t *seen;
                        bool have = false;
                        json_array_foreach(facts_seen, m, seen) have |= json_equal(seen, name);
                        if (!have)
                                json_array_append(facts_seen, name);
                }
        }
        free(k.v);
        return r;
}

static int put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
               const struct rule_set *rules, const struct config_provider *pv, const char *id,
               const char *name, json_t *body, bool audit, struct case_tenant_batch *b,
               struct case_tenant_result *ret)
{
        json_t *before = NULL, *changed = NULL;
        char *text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
        *ret = (struct case_tenant_result){0};
        int r = text ? store_tenant_get(tx, id, body_copy, &before) : -ENOMEM;
        if (r == -VG_ENOTFOUND)
                r = 0;
        if (r >= 0)
                r = store_tenant_put(tx, id, name, text, now, &ret->changed);
        if (r >= 0 && ret->changed && audit) {
                char object[STORE_NAME_MAX + 8];
                json_t *change = json_deep_copy(body);
                snprintf(object, sizeof object, "tenant:%s", id);
                r = change && json_object_set_new(change, "name", json_string(name)) == 0
                            ? store_audit_append(tx, now, actor,
                                                 ret->changed == 1 ? "tenant.create"
                                                                   : "tenant.update",
                                                 object, change)
                            : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0 && ret->changed) {
                changed = facts_changed(before, body);
                r = changed ? 0 : -ENOMEM;
        }
        if (r >= 0 && changed && json_array_size(changed))
                r = b ? batch_note(tx, rules, b, id, changed)
                      : case_tenant_facts_changed(tx, actor, now, rules, pv, id, changed, &ret->recomputed);
        json_decref(changed);
        json_decref(before);
        free(text);
        return r;
}

int case_tenant_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                    const struct rule_set *rules, const struct config_provider *pv, const char *id,
                    const char *name, json_t *body, struct case_tenant_result *ret)
{
        return put(tx, actor, now, rules, pv, id, name, body, true, NULL, ret);
}

int case_tenant_import_row(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           const struct rule_set *rules, const struct config_provider *pv,
                           const char *id, const char *name, json_t *body,
                           struct case_tenant_batch *b, struct case_tenant_result *ret)
{
        return put(tx, actor, now, rules, pv, id, name, body, false, b, ret);
}

int case_tenant_import_finish(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                              const struct rule_set *rules, const struct config_provider *pv,
                              struct case_tenant_batch *b, unsigned *ret_n)
{
        const char *key;
        json_t *v;
        unsigned n = 0;
        int r = 0;
        json_object_foreach(b->incidents, key, v)
        {
                json_t *change = json_pack("{s:O, s:O, s:O, s:s}", "tenants", json_object_get(v, "tenants"),
                                           "first", json_object_get(v, "first"), "facts",
                                           json_object_get(v, "facts"), "reason",
                                           "an import changed its tenants' facts");
                r = change ? case_obligations_recompute(tx, rules, pv, key, now) : -ENOMEM;
                if (r >= 0)
                        r = store_audit_incident(tx, now, actor, "incident.obligations.recompute", key, change);
                json_decref(change);
                if (r < 0)
                        break;
                n++;
        }
        if (ret_n)
                *ret_n = n;
        return r < 0 ? r : 0;
}

int case_tenant_delete(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct rule_set *rules, const struct config_provider *pv,
                       const char *id, struct case_tenant_result *ret)
{
        json_t *before = NULL, *changed = NULL;
        char object[STORE_NAME_MAX + 8];
        *ret = (struct case_tenant_result){0};
        int r = store_tenant_get(tx, id, body_copy, &before);
        if (r >= 0)
                r = store_tenant_delete(tx, id);
        if (r >= 0) {
                snprintf(object, sizeof object, "tenant:%s", id);
                r = store_audit_append(tx, now, actor, "tenant.delete", object, NULL);
        }
        if (r >= 0) {
                ret->changed = 2;
                changed = facts_changed(before, NULL);
                r = changed ? 0 : -ENOMEM;
        }
        if (r >= 0 && json_array_size(changed))
                r = case_tenant_facts_changed(tx, actor, now, rules, pv, id, changed,
                                              &ret->recomputed);
        json_decref(changed);
        json_decref(before);
        return r;
}
