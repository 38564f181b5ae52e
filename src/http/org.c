/* Teams, services, schedules and escalation policies: small JSON documents
 * kept whole, created or replaced with PUT (so `vigil apply` is a loop of
 * PUTs and applying the same file twice changes nothing), read, listed
 * and deleted. Each kind has its validator; names refer across kinds and
 * are checked on write, and a document still referred to cannot be
 * deleted.
 *
 *   team               {description?, members: [user]}
 *   service            {description?, team?, escalation_policy?, regimes?:
 *                      [nis2 | cert_in | fedramp | ...]}
 *   schedule           {description?, team?, time_zone, layers: [{name,
 *                      rotation: daily|weekly|hourly, length?, start:
 *                      "YYYY-MM-DDTHH:MM" local, time_zone?, until?, users:
 *                      [user], restrictions?: [{days, from, to}]}]}
 *   escalation_policy  {description?, repeat?, levels: [{delay_minutes,
 *                      targets: [{type: user|schedule|team, name}]}]} */
#include "http/org.h"
#include "http/resources.h"

#include "base/tz.h"
#include "cases/tenants.h"
#include "core/error.h"
#include "core/names.h"
#include "core/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS_MAX 10
#define TARGETS_MAX 16
#define MEMBERS_MAX 200

struct kind {
        const char *kind;   /* stored */
        const char *prefix; /* route pattern prefix */
        int (*validate)(struct request *req, struct store_tx *tx, json_t *body);
};

static bool exists(struct request *req, struct store_tx *tx, const char *kind, const char *name, const char *field)
{
        json_t *doc = NULL;
        int r = org_load(tx, kind, name, &doc);
        json_decref(doc);
        if (r == -VG_ENOTFOUND)
                fielderr_add(&req->errors, field, "no %s '%s'", kind, name);
        return r >= 0;
}

static bool user_exists(struct request *req, struct store_tx *tx, const char *name, const char *field)
{
        struct user u;
        int r = store_user_get_by_name(tx, name, &u);
        if (r == -VG_ENOTFOUND || (r >= 0 && (u.disabled || u.role == ROLE_TENANT_ADMIN)))
                fielderr_add(&req->errors, field, "no active staff user '%s'", name);
        return r >= 0;
}

/* An optional one-line text field. */
static void text_field(struct request *req, json_t *body, const char *key, size_t max)
{
        const char *s = json_field_string(req, body, key, false, max);
        if (s && *s && !text_valid(s, (unsigned)max))
                fielderr_add(&req->errors, key, "must be text on one line");
}

/* An optional reference to another document. */
static void ref_field(struct request *req, struct store_tx *tx, json_t *body, const char *key, const char *kind)
{
        const char *s = json_field_string(req, body, key, false, STORE_NAME_MAX - 1);
        if (s)
                exists(req, tx, kind, s, key);
}

/* An array field of 1..max elements; NULL (error recorded) otherwise. */
static json_t *array_field(struct request *req, json_t *obj, const char *key, const char *path, size_t max)
{
        json_t *a = json_object_get(obj, key);
        if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > max) {
                fielderr_add(&req->errors, path, "must be a list of 1 to %zu", max);
                return NULL;
        }
        return a;
}

static int validate_team(struct request *req, struct store_tx *tx, json_t *body)
{
        static const char *const fields[] = { "description", "members", NULL };
        json_only_fields(req, body, fields);
        text_field(req, body, "description", 1000);
        json_t *m = array_field(req, body, "members", "members", MEMBERS_MAX), *v;
        size_t i;
        json_array_foreach(m, i, v)
        {
                char path[32];
                snprintf(path, sizeof path, "members[%zu]", i);
                if (!json_is_string(v))
                        fielderr_add(&req->errors, path, "must be a user name");
                else
                        user_exists(req, tx, json_string_value(v), path);
        }
        return 0;
}

static int validate_service(struct request *req, struct store_tx *tx, json_t *body)
{
        static const char *const fields[] = { "description", "team", "escalation_policy", "regimes", NULL };
        json_only_fields(req, body, fields);
        text_field(req, body, "description", 1000);
        ref_field(req, tx, body, "team", "team");
        ref_field(req, tx, body, "escalation_policy", "escalation_policy");
        /* The regimes the service is under (nis2, cert_in, fedramp): the
         * provider's own duties under a regime attach to an incident only
         * when an affected service names it. Each must be one the rules
         * in force name, so a typo is refused rather than silently
         * dropping a duty. */
        json_t *regimes = json_object_get(body, "regimes"), *v;
        size_t i;
        if (regimes && (!json_is_array(regimes) || json_array_size(regimes) > RULE_FACTS_MAX))
                fielderr_add(&req->errors, "regimes", "must be a list of at most %d regime names", RULE_FACTS_MAX);
        else
                json_array_foreach(regimes, i, v)
                {
                        char path[32];
                        const char *name = json_string_value(v);
                        snprintf(path, sizeof path, "regimes[%zu]", i);
                        if (!rule_regime_name_ok(name) || (req->rules && !rule_set_has_regime(req->rules, name)))
                                fielderr_add(&req->errors, path, "'%.40s' is not a regime of the rules in force",
                                             name ? name : "(not a string)");
                }
        return 0;
}

static int validate_policy(struct request *req, struct store_tx *tx, json_t *body)
{
        static const char *const fields[] = { "description", "levels", "repeat", NULL };
        static const char *const level_fields[] = { "delay_minutes", "delay_seconds", "targets", NULL };
        json_only_fields(req, body, fields);
        text_field(req, body, "description", 1000);
        int64_t n;
        if (json_object_get(body, "repeat"))
                json_field_int(req, body, "repeat", 0, 9, &n);
        json_t *levels = array_field(req, body, "levels", "levels", LEVELS_MAX), *lv;
        size_t i;
        json_array_foreach(levels, i, lv)
        {
                char path[64];
                snprintf(path, sizeof path, "levels[%zu]", i);
                if (!json_is_object(lv)) {
                        fielderr_add(&req->errors, path, "must be an object");
                        continue;
                }
                const char *k;
                json_t *x;
                json_object_foreach(lv, k, x)
                {
                        bool ok = false;
                        for (size_t f = 0; level_fields[f]; f++)
                                ok |= strcmp(k, level_fields[f]) == 0;
                        if (!ok)
                                fielderr_add(&req->errors, path, "unknown field '%.40s'", k);
                }
                json_t *d = json_object_get(lv, "delay_minutes"), *ds = json_object_get(lv, "delay_seconds");
                if (!d == !ds)
                        fielderr_add(&req->errors, path, "give delay_minutes (1 to 1440) or delay_seconds (1 to 86400)");
                else if (d && (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 24 * 60))
                        fielderr_add(&req->errors, path, "delay_minutes must be 1 to 1440");
                else if (ds && (!json_is_integer(ds) || json_integer_value(ds) < 1 || json_integer_value(ds) > 86400))
                        fielderr_add(&req->errors, path, "delay_seconds must be 1 to 86400");
                snprintf(path, sizeof path, "levels[%zu].targets", i);
                json_t *targets = array_field(req, lv, "targets", path, TARGETS_MAX), *t;
                size_t j;
                json_array_foreach(targets, j, t)
                {
                        snprintf(path, sizeof path, "levels[%zu].targets[%zu]", i, j);
                        const char *type = json_string_value(json_object_get(t, "type"));
                        const char *name = json_string_value(json_object_get(t, "name"));
                        if (!json_is_object(t) || json_object_size(t) != 2 || !type || !name) {
                                fielderr_add(&req->errors, path, "must be {type, name}");
                        } else if (strcmp(type, "user") == 0) {
                                user_exists(req, tx, name, path);
                        } else if (strcmp(type, "schedule") == 0 || strcmp(type, "team") == 0) {
                                exists(req, tx, type, name, path);
                        } else {
                                fielderr_add(&req->errors, path, "type must be user, schedule or team");
                        }
                }
        }
        return 0;
}

static int validate_schedule(struct request *req, struct store_tx *tx, json_t *body)
{
        static const char *const fields[] = { "description", "team", "time_zone", "layers", NULL };
        json_only_fields(req, body, fields);
        text_field(req, body, "description", 1000);
        ref_field(req, tx, body, "team", "team");
        struct schedule_doc *doc = malloc(sizeof *doc);
        if (!doc)
                return -ENOMEM;
        /* Users are checked even when something else is wrong, so one answer names all. */
        (void)schedule_doc_parse(body, doc, &req->errors);
        doc->n_layers = json_is_array(json_object_get(body, "layers"))
                                ? json_array_size(json_object_get(body, "layers")) : 0;
        if (doc->n_layers <= ONCALL_LAYERS_MAX)
                for (size_t i = 0; i < doc->n_layers; i++)
                        for (size_t j = 0; j < doc->layers[i].n_users; j++) {
                                char path[64];
                                snprintf(path, sizeof path, "layers[%zu].users[%zu]", i, j);
                                user_exists(req, tx, doc->layers[i].users[j], path);
                        }
        free(doc);
        return 0;
}

static const struct kind kinds[] = {
        { "team", "/api/v1/teams", validate_team },
        { "service", "/api/v1/services", validate_service },
        { "schedule", "/api/v1/schedules", validate_schedule },
        { "escalation_policy", "/api/v1/escalation-policies", validate_policy },
};

static const struct kind *kind_of(const struct request *req)
{
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
                if (strncmp(req->route->pattern, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
                        return &kinds[i];
        return NULL;
}

static int list_cb(const struct org_object *o, void *userdata)
{
        json_t *doc = NULL;
        int r = org_object_json(o, &doc);
        return r < 0 ? r : json_array_append_new(userdata, doc) == 0 ? 0 : -ENOMEM;
}

int api_org_put(struct request *req, struct response *resp)
{
        const struct kind *k = kind_of(req);
        const char *name = req->params[0];
        struct store_tx *tx;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        if (!tenant_id_valid(name)) {
                request_detail(req, "a name is 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'");
                fielderr_add(&req->errors, "name", "is not a valid name");
                return -VG_EVALIDATION;
        }
        json_object_del(body, "name"); /* what GET returns may be PUT back */
        json_object_del(body, "version");
        json_object_del(body, "updated_at");
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = k->validate(req, tx, body);
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        char *canon = NULL;
        int64_t version = 0;
        int changed = 0;
        /* A service's regimes feed the provider's own duties: the document
         * as it was, to compare. */
        bool service = strcmp(k->kind, "service") == 0;
        json_t *before = NULL;
        if (r >= 0 && service && (r = org_load(tx, k->kind, name, &before)) == -VG_ENOTFOUND)
                r = 0;
        if (r >= 0) {
                canon = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
                r = canon ? store_org_put(tx, k->kind, name, canon, req->now, &version, &changed) : -ENOMEM;
        }
        if (r >= 0 && changed) {
                char object[ROUTE_PARAM_LEN + 32];
                snprintf(object, sizeof object, "%s:%s", k->kind, name);
                char action[64];
                snprintf(action, sizeof action, "%s.%s", k->kind, changed == 1 ? "create" : "update");
                r = request_audit_object(req, tx, action, object, body);
        }
        if (r >= 0 && changed && service) {
                struct actor a = request_actor(req);
                r = case_service_regimes_changed(tx, &a, req->now, req->rules, &req->cfg->provider, name,
                                                 before, body, NULL);
        }
        json_decref(before);
        free(canon);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        json_t *out = json_deep_copy(body);
        json_object_set_new(out, "name", json_string(name));
        json_object_set_new(out, "version", json_integer(version));
        json_object_set_new(out, "changed", json_boolean(changed != 0));
        return response_json(resp, changed == 1 ? 201 : 200, out);
}

int api_org_get(struct request *req, struct response *resp)
{
        const struct kind *k = kind_of(req);
        struct store_tx *tx;
        json_t *doc = NULL;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = org_load(tx, k->kind, req->params[0], &doc);
        store_rollback(tx);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no %s '%s'", k->kind, req->params[0]);
        return r < 0 ? r : response_json(resp, 200, doc);
}

int api_org_list(struct request *req, struct response *resp)
{
        const struct kind *k = kind_of(req);
        struct store_tx *tx;
        json_t *items = json_array();
        int r = items ? store_begin_read(req->store, &tx) : -ENOMEM;
        if (r >= 0) {
                r = store_org_list(tx, k->kind, list_cb, items);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}

/* Who refers to kind/name: "service 'x'" into who, or "" when nobody. */
struct ref_search {
        const char *kind, *name;
        const char *in_kind;
        char who[160];
};

static bool mentions(json_t *v, const char *kind, const char *name, const char *key)
{
        /* {"team": name}, {"escalation_policy": name}, {"type": kind, "name": name} */
        const char *k;
        json_t *x;
        size_t i;
        if (json_is_object(v)) {
                const char *type = json_string_value(json_object_get(v, "type"));
                if (type && strcmp(type, kind) == 0 && json_is_string(json_object_get(v, "name")) &&
                    strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
                        return true;
                json_object_foreach(v, k, x)
                {
                        if (key && strcmp(k, key) == 0 && json_is_string(x) && strcmp(json_string_value(x), name) == 0)
                                return true;
                        if (mentions(x, kind, name, key))
                                return true;
                }
        } else if (json_is_array(v)) {
                json_array_foreach(v, i, x) if (mentions(x, kind, name, key)) return true;
        }
        return false;
}

static int ref_cb(const struct org_object *o, void *userdata)
{
        struct ref_search *rs = userdata;
        if (rs->who[0])
                return 0;
        json_t *body = json_loads(o->body, 0, NULL);
        if (body && mentions(body, rs->kind, rs->name, rs->kind))
                snprintf(rs->who, sizeof rs->who, "%s '%s'", o->kind, o->name);
        json_decref(body);
        return 0;
}

int api_org_delete(struct request *req, struct response *resp)
{
        const struct kind *k = kind_of(req);
        const char *name = req->params[0];
        struct ref_search rs = { .kind = k->kind, .name = name };
        struct store_tx *tx;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < sizeof kinds / sizeof kinds[0] && !rs.who[0]; i++)
                r = store_org_list(tx, kinds[i].kind, ref_cb, &rs);
        if (r >= 0 && rs.who[0]) {
                request_detail(req, "%s '%s' is still used by %s", k->kind, name, rs.who);
                r = -VG_ECONFLICT;
        }
        if (r >= 0)
                r = store_org_delete(tx, k->kind, name);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no %s '%s'", k->kind, name);
        if (r >= 0) {
                char object[ROUTE_PARAM_LEN + 32], action[64];
                snprintf(object, sizeof object, "%s:%s", k->kind, name);
                snprintf(action, sizeof action, "%s.delete", k->kind);
                r = request_audit_object(req, tx, action, object, NULL);
        }
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}
