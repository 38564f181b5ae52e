/* The Alertmanager API v2, enough for a stock Prometheus to use Vigil as
 * its Alertmanager and for amtool to list alerts and manage silences:
 * GET /api/v2/alerts (POST is an intake door: intake.c), GET/POST /api/v2/silences,
 * GET/DELETE /api/v2/silence/{id}, GET /api/v2/status.
 * Shapes follow Alertmanager's api/v2/openapi.yaml (0.25). */
#include "http/resources.h"

#include "base/log.h"
#include "core/error.h"
#include "intake/intake.h"
#include "intake/silence.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Alertmanager resolves an alert nobody re-sent after resolve_timeout. */
#define RESOLVE_TIMEOUT (5 * 60 * VG_USEC_PER_SEC)

/* "name=value", "name!=value", "name=~re", "name!~re"; the value may be
 * double-quoted. */
static int parse_filter(const char *s, struct matcher *m, struct field_errors *fe)
{
        char name[LABEL_NAME_MAX], value[LABEL_VALUE_MAX];
        size_t n = strcspn(s, "=!");
        enum match_op op;
        const char *v;
        if (n == 0 || n >= sizeof name) {
                fielderr_add(fe, "filter", "'%.64s' is not name=value", s);
                return -VG_EVALIDATION;
        }
        memcpy(name, s, n);
        name[n] = '\0';
        if (strncmp(s + n, "=~", 2) == 0)
                op = MATCH_RE, v = s + n + 2;
        else if (strncmp(s + n, "!~", 2) == 0)
                op = MATCH_NRE, v = s + n + 2;
        else if (strncmp(s + n, "!=", 2) == 0)
                op = MATCH_NE, v = s + n + 2;
        else if (s[n] == '=')
                op = MATCH_EQ, v = s + n + 1;
        else {
                fielderr_add(fe, "filter", "'%.64s' is not name=value", s);
                return -VG_EVALIDATION;
        }
        size_t vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v++;
                vl -= 2;
        }
        if (vl >= sizeof value) {
                fielderr_add(fe, "filter", "value too long");
                return -VG_EVALIDATION;
        }
        memcpy(value, v, vl);
        value[vl] = '\0';
        return matcher_init(m, name, value, op, fe, "filter");
}

struct list_ctx {
        json_t *items;
        const struct silence_set *silences;
        struct matcher *filters;
        size_t n_filters;
        bool want_active, want_silenced;
        vg_usec_t now;
        int error;
};

static int add_alert(const struct alert_row *a, void *userdata)
{
        struct list_ctx *c = userdata;
        json_t *labels = json_loads(a->labels, 0, NULL);
        json_t *annotations = json_loads(a->annotations ? a->annotations : "{}", 0, NULL);
        struct labelset ls = { 0 };
        struct field_errors fe;
        const char *k;
        json_t *v;

        if (!labels || !annotations) {
                json_decref(labels);
                json_decref(annotations);
                return 0;
        }
        fielderr_init(&fe);
        json_object_foreach(labels, k, v)
                labelset_add(&ls, k, json_string_value(v), &fe, "labels");
        const char *silenced = silence_set_match(c->silences, &ls);
        bool keep = matchers_match(c->filters, c->n_filters, &ls) &&
                    (silenced ? c->want_silenced : c->want_active);
        if (!keep) {
                json_decref(labels);
                json_decref(annotations);
                return 0;
        }
        json_t *silenced_by = json_array();
        if (silenced)
                json_array_append_new(silenced_by, json_string(silenced));
        json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:[{s:s}], s:{s:s, s:o, s:[]}, s:s}", "labels",
                              labels, "annotations", annotations, "startsAt", json_time(a->starts_at), "endsAt",
                              json_time(a->ends_at ? a->ends_at : a->updated_at + RESOLVE_TIMEOUT), "updatedAt",
                              json_time(a->updated_at), "fingerprint", a->fingerprint, "receivers", "name",
                              "vigil", "status", "state", silenced ? "suppressed" : "active", "silencedBy",
                              silenced_by, "inhibitedBy", "generatorURL", a->generator_url ? a->generator_url : "");
        if (!j)
                return -ENOMEM;
        return json_array_append_new(c->items, j) == 0 ? 0 : -ENOMEM;
}

static bool query_bool(struct request *req, const char *name, bool dflt)
{
        const char *v = request_query(req, name);
        if (!v)
                return dflt;
        if (strcmp(v, "true") == 0)
                return true;
        if (strcmp(v, "false") == 0)
                return false;
        fielderr_add(&req->errors, name, "must be true or false");
        return dflt;
}

struct filter_ctx {
        struct request *req;
        struct matcher *m;
        size_t n, max;
};

static enum MHD_Result collect_filter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
        struct filter_ctx *c = cls;
        (void)kind;
        if (key && value && strcmp(key, "filter") == 0) {
                if (c->n >= c->max)
                        fielderr_add(&c->req->errors, "filter", "at most %zu filters", c->max);
                else if (parse_filter(value, &c->m[c->n], &c->req->errors) == 0)
                        c->n++;
        }
        return MHD_YES;
}

int api_amv2_alerts_get(struct request *req, struct response *resp)
{
        struct matcher filters[16];
        struct filter_ctx fc = { .req = req, .m = filters, .max = 16 };
        struct silence_set silences = { 0 };
        struct list_ctx c = { .items = json_array(), .now = req->now };
        struct store_tx *tx;

        c.want_active = query_bool(req, "active", true);
        c.want_silenced = query_bool(req, "silenced", true);
        (void)query_bool(req, "inhibited", true);   /* Vigil does not inhibit */
        (void)query_bool(req, "unprocessed", true); /* every alert is processed on arrival */
        MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_filter, &fc);
        c.filters = filters;
        c.n_filters = fc.n;
        c.silences = &silences;
        int r = fielderr_any(&req->errors) ? -VG_EVALIDATION : store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = silence_set_load(tx, req->now, &silences);
                if (r >= 0)
                        r = store_alert_list(tx, &(struct alert_filter){ .firing = ALERT_FIRING_YES, .now = req->now }, 0, add_alert, &c);
                store_rollback(tx);
        }
        silence_set_fini(&silences);
        for (size_t i = 0; i < fc.n; i++)
                matcher_fini(&filters[i]);
        if (r < 0) {
                json_decref(c.items);
                return r;
        }
        return response_json(resp, 200, c.items);
}

static json_t *silence_json(const struct silence_row *s, vg_usec_t now)
{
        const char *state = now < s->starts_at ? "pending" : now < s->ends_at ? "active" : "expired";
        json_t *matchers = json_loads(s->matchers, 0, NULL);
        return json_pack("{s:s, s:{s:s}, s:o, s:o, s:o, s:o, s:s, s:s}", "id", s->id, "status", "state", state,
                         "updatedAt", json_time(s->updated_at), "matchers", matchers ? matchers : json_array(),
                         "startsAt", json_time(s->starts_at), "endsAt", json_time(s->ends_at), "createdBy",
                         s->created_by, "comment", s->comment ? s->comment : "");
}

struct silences_ctx {
        json_t *items;
        vg_usec_t now;
};

static int add_silence(const struct silence_row *s, void *userdata)
{
        struct silences_ctx *c = userdata;
        return json_array_append_new(c->items, silence_json(s, c->now)) == 0 ? 0 : -ENOMEM;
}

int api_amv2_silences_get(struct request *req, struct response *resp)
{
        struct silences_ctx c = { .items = json_array(), .now = req->now };
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_silence_list(tx, add_silence, &c);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(c.items);
                return r;
        }
        return response_json(resp, 200, c.items);
}

static bool uuid_valid(const char *s)
{
        if (strlen(s) != 36)
                return false;
        for (int i = 0; i < 36; i++) {
                char c = s[i];
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                        return false;
        }
        return true;
}

static void uuid_new(char out[37])
{
        unsigned char b[16];
        randombytes_buf(b, sizeof b);
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int found(const struct silence_row *s, void *userdata)
{
        *(struct silence_row *)userdata = *s;
        ((struct silence_row *)userdata)->matchers = NULL; /* borrowed: not valid after the callback */
        ((struct silence_row *)userdata)->comment = NULL;
        return 0;
}

int api_amv2_silences_post(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "id", "matchers", "startsAt", "endsAt", "createdBy", "comment", NULL };
        struct matcher m[SILENCE_MATCHERS_MAX];
        size_t nm = 0;
        struct silence_row s = { 0 }, old;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *id = json_field_string(req, body, "id", false, 64);
        if (id && *id && !uuid_valid(id))
                fielderr_add(&req->errors, "id", "not a silence id");
        if (silence_matchers_parse(json_object_get(body, "matchers"), m, &nm, &req->errors) ==
            -ENOMEM)
                return -ENOMEM;
        for (size_t i = 0; i < nm; i++)
                matcher_fini(&m[i]);
        const char *starts = json_field_string(req, body, "startsAt", true, 64);
        const char *ends = json_field_string(req, body, "endsAt", true, 64);
        if (starts)
                request_time(req, "startsAt", starts, VG_TIME_MAX, &s.starts_at);
        if (ends)
                request_time(req, "endsAt", ends, VG_TIME_MAX, &s.ends_at);
        if (s.starts_at && s.ends_at && s.ends_at <= s.starts_at)
                fielderr_add(&req->errors, "endsAt", "must be after startsAt");
        if (s.ends_at && s.ends_at <= req->now)
                fielderr_add(&req->errors, "endsAt", "must be in the future");
        const char *by = json_field_string(req, body, "createdBy", true, STORE_NAME_MAX - 1);
        s.comment = json_field_string(req, body, "comment", true, 4096);
        if (by && !*by)
                fielderr_add(&req->errors, "createdBy", "must not be empty");
        if (s.comment && !*s.comment)
                fielderr_add(&req->errors, "comment", "must not be empty");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        char *matchers = json_dumps(json_object_get(body, "matchers"), JSON_COMPACT);
        if (!matchers)
                return -ENOMEM;
        s.matchers = matchers;
        snprintf(s.created_by, sizeof s.created_by, "%s", by);
        s.updated_at = req->now;
        if (s.starts_at < req->now)
                s.starts_at = req->now;
        r = store_begin(req->store, &tx);
        if (r >= 0 && id && *id) {
                r = store_silence_get(tx, id, found, &old);
                if (r == -VG_ENOTFOUND)
                        request_detail(req, "no silence %s", id);
                snprintf(s.id, sizeof s.id, "%s", id);
        } else {
                uuid_new(s.id);
        }
        if (r >= 0)
                r = store_silence_put(tx, &s);
        if (r >= 0) {
                char object[64];
                snprintf(object, sizeof object, "silence:%s", s.id);
                json_t *change = silence_json(&s, req->now);
                r = change ? request_audit_object(req, tx, id && *id ? "silence.update" : "silence.create",
                                                  object, change)
                           : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0)
                r = response_json(resp, 200, json_pack("{s:s}", "silenceID", s.id));
        r = tx ? store_finish(tx, r) : r;
        free(matchers);
        return r;
}

struct one_ctx {
        json_t *j;
        vg_usec_t now;
};

static int one_silence(const struct silence_row *s, void *userdata)
{
        struct one_ctx *c = userdata;
        c->j = silence_json(s, c->now);
        return c->j ? 0 : -ENOMEM;
}

int api_amv2_silence_get(struct request *req, struct response *resp)
{
        struct one_ctx c = { .now = req->now };
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_silence_get(tx, req->params[0], one_silence, &c);
                store_rollback(tx);
        }
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no silence %s", req->params[0]);
        if (r < 0)
                return r;
        return response_json(resp, 200, c.j);
}

struct expire_ctx {
        struct silence_row s;
        char *matchers;
        char *comment;
};

static int copy_for_expiry(const struct silence_row *s, void *userdata)
{
        struct expire_ctx *c = userdata;
        c->s = *s;
        c->matchers = strdup(s->matchers ? s->matchers : "[]");
        c->comment = strdup(s->comment ? s->comment : "");
        return c->matchers && c->comment ? 0 : -ENOMEM;
}

int api_amv2_silence_delete(struct request *req, struct response *resp)
{
        struct expire_ctx c = { 0 };
        struct store_tx *tx;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_silence_get(tx, req->params[0], copy_for_expiry, &c);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no silence %s", req->params[0]);
        if (r >= 0 && c.s.ends_at > req->now) {
                /* Expiring ends it now; a pending one never starts. */
                c.s.matchers = c.matchers;
                c.s.comment = c.comment;
                if (c.s.starts_at > req->now)
                        c.s.starts_at = req->now;
                c.s.ends_at = req->now;
                c.s.updated_at = req->now;
                r = store_silence_put(tx, &c.s);
                if (r >= 0) {
                        char object[64];
                        snprintf(object, sizeof object, "silence:%s", c.s.id);
                        json_t *change = json_pack("{s:o}", "endsAt", json_time(req->now));
                        r = request_audit_object(req, tx, "silence.expire", object, change);
                        json_decref(change);
                }
        }
        r = store_finish(tx, r);
        free(c.matchers);
        free(c.comment);
        if (r < 0)
                return r;
        resp->status = 200;
        return 0;
}

int api_amv2_status(struct request *req, struct response *resp)
{
        return response_json(resp, 200,
                             json_pack("{s:{s:s, s:s, s:[]}, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:{s:s}, s:o}",
                                       "cluster", "name", "vigil", "status", "disabled", "peers",
                                       "versionInfo", "version", VIGIL_VERSION, "revision", "", "branch", "",
                                       "buildUser", "", "buildDate", "", "goVersion", "none (C)", "config",
                                       "original", "# Vigil: routing and grouping are configured in Vigil\n",
                                       "uptime", json_time(req->started_at)));
}
