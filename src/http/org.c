/* Teams, services, schedules and escalation policies: small JSON documents
 * kept whole, created or replaced with PUT (so `vigil apply` is a loop of
 * PUTs and applying the same file twice changes nothing), read, listed
 * and deleted. Each kind has its validator; names refer across kinds and
 * are checked on write, and a document still referred to cannot be
 * deleted.
 *
 *   team               {description?, members: [user]}
 *   service            {description?, team?, escalation_policy?}
 *   schedule           {description?, team?, time_zone, layers: [{name,
 *                      rotation: daily|weekly|hourly, length?, start:
 *                      "YYYY-MM-DDTHH:MM" local, time_zone?, until?, users:
 *                      [user], restrictions?: [{days, from, to}]}]}
 *   escalation_policy  {description?, repeat?, levels: [{delay_minutes,
 *                      targets: [{type: user|schedule|team, name}]}]} */
#include "http/org.h"
#include "http/resources.h"

#include "base/tz.h"
#include "core/error.h"
#include "core/names.h"

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
        static const char *const fields[] = { "description", "team", "escalation_policy", NULL };
        json_only_fields(req, body, fields);
        text_field(req, body, "description", 1000);
        ref_field(req, tx, body, "team", "team");
        ref_field(req, tx, body, "escalation_policy", "escalation_policy");
        return 0;
}

static int validate_policy(struct request *req, struct store_tx *tx, json_t *body)
{
        static const char *const fields[] = { "description", "levels", "repeat", NULL };
        static const char *const level_fields[] = { "delay_minutes", "targets", NULL };
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
                json_t *d = json_object_get(lv, "delay_minutes");
                if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 24 * 60)
                        fielderr_add(&req->errors, path, "delay_minutes must be 1 to 1440");
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

/* "2026-11-02T09:00" -> civil. */
static bool local_datetime(const char *s, struct vg_civil *c)
{
        int y, mo, d, h, mi;
        char tail;
        if (!s || strlen(s) != 16 || sscanf(s, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5)
                return false;
        if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
                return false;
        int64_t days = vg_days_from_civil(y, (unsigned)mo, (unsigned)d);
        struct vg_civil check = { 0 };
        vg_civil_set_days(&check, days);
        if (check.day != d)
                return false; /* 2026-02-30 */
        *c = (struct vg_civil){ y, mo, d, h, mi, 0 };
        return true;
}

static void err(struct field_errors *fe, const char *path, const char *msg)
{
        if (fe)
                fielderr_add(fe, path, "%s", msg);
}

static int layer_parse(json_t *l, size_t i, struct oncall_layer *out, struct field_errors *fe)
{
        static const char *const fields[] = { "name", "rotation", "length", "start", "time_zone", "until", "users",
                                              "restrictions", NULL };
        char path[96];
        int bad = 0;
        memset(out, 0, sizeof *out);
        snprintf(path, sizeof path, "layers[%zu]", i);
        if (!json_is_object(l)) {
                err(fe, path, "must be an object");
                return -VG_EVALIDATION;
        }
        const char *k;
        json_t *x;
        json_object_foreach(l, k, x)
        {
                bool ok = false;
                for (size_t f = 0; fields[f]; f++)
                        ok |= strcmp(k, fields[f]) == 0;
                if (!ok) {
                        snprintf(path, sizeof path, "layers[%zu].%.40s", i, k);
                        err(fe, path, "unknown field");
                        bad = 1;
                }
        }
        const char *name = json_string_value(json_object_get(l, "name"));
        snprintf(path, sizeof path, "layers[%zu].name", i);
        if (!name || !text_valid(name, ONCALL_NAME_MAX - 1))
                err(fe, path, "is required: text of 1 to 63 bytes"), bad = 1;
        else
                snprintf(out->name, sizeof out->name, "%s", name);
        const char *rot = json_string_value(json_object_get(l, "rotation"));
        snprintf(path, sizeof path, "layers[%zu].rotation", i);
        if (rot && strcmp(rot, "daily") == 0)
                out->kind = ROTATION_DAILY;
        else if (rot && strcmp(rot, "weekly") == 0)
                out->kind = ROTATION_WEEKLY;
        else if (rot && strcmp(rot, "hourly") == 0)
                out->kind = ROTATION_HOURLY;
        else
                err(fe, path, "must be daily, weekly or hourly"), bad = 1;
        json_t *len = json_object_get(l, "length");
        out->length = 1;
        snprintf(path, sizeof path, "layers[%zu].length", i);
        if (len && (!json_is_integer(len) || json_integer_value(len) < 1 || json_integer_value(len) > 1000))
                err(fe, path, "must be 1 to 1000"), bad = 1;
        else if (len)
                out->length = (unsigned)json_integer_value(len);
        snprintf(path, sizeof path, "layers[%zu].start", i);
        if (!local_datetime(json_string_value(json_object_get(l, "start")), &out->start))
                err(fe, path, "must be a local date and time like 2026-11-02T09:00"), bad = 1;
        const char *tz = json_string_value(json_object_get(l, "time_zone"));
        snprintf(path, sizeof path, "layers[%zu].time_zone", i);
        if (json_object_get(l, "time_zone") && !(out->zone = tz_zone(tz)))
                err(fe, path, "is not a known time zone (like Europe/Berlin)"), bad = 1;
        json_t *until = json_object_get(l, "until");
        snprintf(path, sizeof path, "layers[%zu].until", i);
        if (until && (!json_is_string(until) || vg_time_parse(json_string_value(until), &out->until) < 0))
                err(fe, path, "must be an RFC 3339 time"), bad = 1;
        json_t *users = json_object_get(l, "users"), *u;
        snprintf(path, sizeof path, "layers[%zu].users", i);
        if (!json_is_array(users) || json_array_size(users) == 0 || json_array_size(users) > ONCALL_USERS_MAX) {
                err(fe, path, "must be a list of 1 to 64 user names");
                bad = 1;
        } else {
                size_t j;
                json_array_foreach(users, j, u)
                {
                        const char *s = json_string_value(u);
                        if (!s || !username_valid(s)) {
                                snprintf(path, sizeof path, "layers[%zu].users[%zu]", i, j);
                                err(fe, path, "must be a user name");
                                bad = 1;
                                continue;
                        }
                        snprintf(out->users[out->n_users++], ONCALL_NAME_MAX, "%s", s);
                }
        }
        json_t *rs = json_object_get(l, "restrictions"), *r;
        snprintf(path, sizeof path, "layers[%zu].restrictions", i);
        if (rs && (!json_is_array(rs) || json_array_size(rs) > ONCALL_RESTRICTIONS_MAX)) {
                err(fe, path, "must be a list of at most 16 {days, from, to}");
                bad = 1;
        } else {
                size_t j;
                json_array_foreach(rs, j, r)
                {
                        struct oncall_restriction *x2 = &out->restrictions[out->n_restrictions];
                        x2->days = oncall_parse_days(json_string_value(json_object_get(r, "days")));
                        x2->start_min = oncall_parse_hhmm(json_string_value(json_object_get(r, "from")));
                        x2->end_min = oncall_parse_hhmm(json_string_value(json_object_get(r, "to")));
                        if (!json_is_object(r) || json_object_size(r) != 3 || !x2->days || x2->start_min < 0 ||
                            x2->end_min < 0 || x2->start_min == 1440) {
                                snprintf(path, sizeof path, "layers[%zu].restrictions[%zu]", i, j);
                                err(fe, path, "must be {days: \"mon-fri\", from: \"09:00\", to: \"17:00\"}");
                                bad = 1;
                                continue;
                        }
                        out->n_restrictions++;
                }
        }
        return bad ? -VG_EVALIDATION : 0;
}

int schedule_doc_parse(json_t *body, struct schedule_doc *ret, struct field_errors *fe)
{
        int bad = 0;
        memset(ret, 0, sizeof *ret);
        ret->zone = tz_zone(json_string_value(json_object_get(body, "time_zone")));
        if (!ret->zone)
                err(fe, "time_zone", "is required: a known time zone (like Europe/Berlin)"), bad = 1;
        json_t *layers = json_object_get(body, "layers"), *l;
        if (!json_is_array(layers) || json_array_size(layers) == 0 || json_array_size(layers) > ONCALL_LAYERS_MAX) {
                err(fe, "layers", "must be a list of 1 to 16 layers");
                return -VG_EVALIDATION;
        }
        size_t i;
        json_array_foreach(layers, i, l)
        {
                if (layer_parse(l, i, &ret->layers[i], fe) < 0)
                        bad = 1;
        }
        ret->n_layers = json_array_size(layers);
        return bad ? -VG_EVALIDATION : 0;
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

static int load_cb(const struct org_object *o, void *userdata)
{
        json_t **ret = userdata;
        *ret = json_loads(o->body, 0, NULL);
        if (!*ret)
                return -ENOMEM;
        json_object_set_new(*ret, "name", json_string(o->name));
        json_object_set_new(*ret, "version", json_integer(o->version));
        json_object_set_new(*ret, "updated_at", json_time(o->updated_at));
        return 0;
}

int org_load(struct store_tx *tx, const char *kind, const char *name, json_t **ret)
{
        *ret = NULL;
        return store_org_get(tx, kind, name, load_cb, ret);
}

static int list_cb(const struct org_object *o, void *userdata)
{
        json_t *doc = NULL;
        int r = load_cb(o, &doc);
        return r < 0 ? r : json_array_append_new(userdata, doc) == 0 ? 0 : -ENOMEM;
}

int org_put(struct request *req, struct response *resp)
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

int org_get(struct request *req, struct response *resp)
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

int org_list(struct request *req, struct response *resp)
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

int org_delete(struct request *req, struct response *resp)
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
