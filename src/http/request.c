#include "http/request.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int response_json(struct response *resp, unsigned status, json_t *json)
{
        if (!json)
                return -ENOMEM;
        json_decref(resp->json);
        resp->json = json;
        resp->status = status;
        resp->content_type = "application/json";
        return 0;
}

int response_text(struct response *resp, unsigned status, const char *content_type, char *text,
                  size_t len)
{
        if (!text)
                return -ENOMEM;
        free(resp->text);
        resp->text = text;
        resp->text_len = len;
        resp->status = status;
        resp->content_type = content_type;
        return 0;
}

int response_header_add(struct response *resp, const char *name, const char *value)
{
        if (resp->n_headers >= RESPONSE_HEADERS_MAX)
                return -ENOBUFS;
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        resp->headers[resp->n_headers].name = name;
        resp->headers[resp->n_headers].value = v;
        resp->n_headers++;
        return 0;
}

void response_fini(struct response *resp)
{
        json_decref(resp->json);
        resp->json = NULL;
        free(resp->text);
        resp->text = NULL;
        if (resp->reader_free && resp->reader_cls)
                resp->reader_free(resp->reader_cls);
        resp->reader = NULL;
        resp->reader_cls = NULL;
        resp->reader_free = NULL;
        /* Headers survive: a handler's Set-Cookie must not be lost when an
         * error is rendered after it, and 405's Allow is added by the caller. */
}

const char *request_header(const struct request *req, const char *name)
{
        return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *request_query(const struct request *req, const char *name)
{
        return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int request_id_param(struct request *req, unsigned i, const char *what, long long *ret)
{
        char *end;
        errno = 0;
        long long id = i < req->n_params ? strtoll(req->params[i], &end, 10) : 0;
        if (i >= req->n_params || errno || *end || id <= 0) {
                request_detail(req, "no %s %s", what, i < req->n_params ? req->params[i] : "");
                return -VG_ENOTFOUND;
        }
        *ret = id;
        return 0;
}

/* The detail quotes what callers sent (a path, a title): cut on a
 * character boundary when it is long, and bytes that are not UTF-8 shown
 * as '?', so it can always be a JSON string of the answer. */
void request_detail(struct request *req, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(req->detail, sizeof req->detail, fmt, ap);
        va_end(ap);
        if (n >= (int)sizeof req->detail)
                req->detail[utf8_prefix(req->detail, sizeof req->detail - 1)] = '\0';
        utf8_scrub(req->detail);
}

/* Depth and string-length limits, checked on the parsed tree. jansson's own
 * parser stops at depth 2048, so this recursion is bounded. */
static int check_limits(struct request *req, json_t *v, unsigned depth)
{
        const struct config_limits *lim = &req->cfg->limits;
        const char *key;
        json_t *child;
        size_t i;

        if (json_is_object(v) || json_is_array(v)) {
                if (depth + 1 > lim->max_json_depth) {
                        request_detail(req, "JSON nested deeper than the limit of %u levels",
                                       lim->max_json_depth);
                        return -VG_EVALIDATION;
                }
        }
        if (json_is_string(v) && json_string_length(v) > lim->max_string) {
                request_detail(req, "a JSON string is longer than the limit of %zu bytes",
                               lim->max_string);
                return -VG_EVALIDATION;
        }
        if (json_is_object(v)) {
                json_object_foreach(v, key, child) {
                        if (strlen(key) > lim->max_string) {
                                request_detail(req, "a JSON key is longer than the limit of %zu bytes",
                                               lim->max_string);
                                return -VG_EVALIDATION;
                        }
                        int r = check_limits(req, child, depth + 1);
                        if (r < 0)
                                return r;
                }
        } else if (json_is_array(v)) {
                json_array_foreach(v, i, child) {
                        int r = check_limits(req, child, depth + 1);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int request_json_limits(struct request *req, json_t *v)
{
        return check_limits(req, v, 0);
}

int request_json_object(struct request *req, json_t **ret)
{
        int r = request_json_value(req, ret);
        if (r >= 0 && !json_is_object(*ret)) {
                request_detail(req, "the body must be a JSON object");
                return -VG_EVALIDATION;
        }
        return r;
}

int request_json_body(struct request *req)
{
        const char *ct = request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
            (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
                request_detail(req, "send the body as Content-Type: application/json");
                return -VG_EUNSUPPORTED;
        }
        if (req->body_len == 0) {
                request_detail(req, "the request needs a JSON object body");
                return -VG_EVALIDATION;
        }
        return 0;
}

int request_json_value(struct request *req, json_t **ret)
{
        json_error_t jerr;

        if (req->json) {
                *ret = req->json;
                return 0;
        }
        int r = request_json_body(req);
        if (r < 0)
                return r;
        json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
                request_detail(req, "malformed JSON at line %d column %d: %s", jerr.line,
                               jerr.column, jerr.text);
                return -VG_EVALIDATION;
        }
        r = check_limits(req, j, 0);
        if (r < 0) {
                json_decref(j);
                return r;
        }
        req->json = j;
        *ret = j;
        return 0;
}

/* A cursor is opaque to clients: base64url of "v1:ID" (a list sorted by
 * id alone, as every list was first) or "v2:SORT:ID:KEY", where SORT is
 * the index of the list's sort order and KEY the sort key of the row the
 * page ended at (any text, last so that it may hold ':'). */
static void cursor_format(int sort, int64_t id, const char *key, char *buf, size_t size)
{
        char raw[PAGE_KEY_MAX + 64];
        int n = key ? snprintf(raw, sizeof raw, "v2:%d:%" PRId64 ":%s", sort, id, key)
                    : snprintf(raw, sizeof raw, "v1:%" PRId64, id);
        if (n < 0 || (size_t)n >= sizeof raw || sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > size) {
                if (size)
                        buf[0] = '\0';
                return;
        }
        sodium_bin2base64(buf, size, (const unsigned char *)raw, (size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int parse_id(const char *s, char stop, const char **ret_end, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end != stop || v < 0)
                return -EINVAL;
        *ret_end = end;
        *ret = v;
        return 0;
}

/* s into pg's sort, after and after_key. */
static int cursor_parse(const char *s, struct page *pg)
{
        unsigned char raw[PAGE_KEY_MAX + 64];
        size_t n, len = strlen(s);
        if (len > PAGE_CURSOR_MAX - 1 ||
            sodium_base642bin(raw, sizeof raw - 1, s, len, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
                return -EINVAL;
        raw[n] = '\0';
        if (memchr(raw, '\0', n))
                return -EINVAL;
        const char *p = (const char *)raw, *end;
        int64_t v;
        if (strncmp(p, "v1:", 3) == 0) {
                pg->cursor_sort = 0;
                pg->has_key = false;
                return parse_id(p + 3, '\0', &end, &pg->after);
        }
        if (strncmp(p, "v2:", 3) != 0 || parse_id(p + 3, ':', &end, &v) < 0 || v > 64 ||
            parse_id(end + 1, ':', &end, &pg->after) < 0 || strlen(end + 1) >= sizeof pg->after_key)
                return -EINVAL;
        pg->cursor_sort = (int)v;
        pg->has_key = true;
        memcpy(pg->after_key, end + 1, strlen(end + 1) + 1);
        return 0;
}

int page_begin_sorted(struct request *req, struct page *pg, const struct page_sort sorts[])
{
        const char *l = request_query(req, "limit");
        const char *c = request_query(req, "cursor");
        const char *s = request_query(req, "sort");

        memset(pg, 0, sizeof *pg);
        pg->limit = req->cfg->limits.page_default;
        if (l) {
                char *end;
                errno = 0;
                long v = strtol(l, &end, 10);
                if (errno || *end || end == l || v < 1 || v > (long)req->cfg->limits.page_max)
                        fielderr_add(&req->errors, "limit", "must be a whole number from 1 to %u",
                                     req->cfg->limits.page_max);
                else
                        pg->limit = (unsigned)v;
        }
        if (s && sorts) {
                int i;
                for (i = 0; sorts[i].name && strcmp(sorts[i].name, s) != 0; i++)
                        ;
                if (sorts[i].name) {
                        pg->sort = i;
                } else {
                        char names[256] = "";
                        for (i = 0; sorts[i].name; i++)
                                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                                         sorts[i].name);
                        fielderr_add(&req->errors, "sort", "must be one of %s", names);
                }
        } else if (s) {
                fielderr_add(&req->errors, "sort", "this list has one order only");
        }
        if (c && *c) {
                if (cursor_parse(c, pg) < 0)
                        fielderr_add(&req->errors, "cursor", "not a cursor this server issued");
                /* A cursor names the order it was made in: a v1 cursor
                 * (id alone) fits the default order only, and keyed
                 * orders need their key. */
                else if (pg->cursor_sort != pg->sort || (!pg->has_key && sorts && sorts[pg->sort].keyed))
                        fielderr_add(&req->errors, "cursor", "belongs to another sort order; start again without it");
        }
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        pg->keyed = sorts && sorts[pg->sort].keyed;
        pg->items = json_array();
        return pg->items ? 0 : -ENOMEM;
}

int page_begin(struct request *req, struct page *pg)
{
        return page_begin_sorted(req, pg, NULL);
}

int page_add(struct page *pg, int64_t id, json_t *item)
{
        pg->last = id;
        return json_array_append_new(pg->items, item) == 0 ? 0 : -ENOMEM;
}

int page_add_keyed(struct page *pg, int64_t id, const char *key, json_t *item)
{
        snprintf(pg->last_key, sizeof pg->last_key, "%s", key);
        return page_add(pg, id, item);
}

const char *page_after_key(const struct page *pg)
{
        return pg->after && pg->keyed ? pg->after_key : NULL;
}

int request_incident_filter(struct request *req, struct store_tx *tx, const char *key, int64_t *ret_id)
{
        struct incident inc = { 0 };
        *ret_id = 0;
        if (!key)
                return 0;
        int r = store_incident_get(tx, key, &inc);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no incident %s", key);
        *ret_id = inc.id;
        incident_fini(&inc);
        return r;
}

int request_query_bool(struct request *req, const char *name)
{
        const char *v = request_query(req, name);
        if (!v)
                return -1;
        if (strcmp(v, "true") == 0)
                return 1;
        if (strcmp(v, "false") == 0)
                return 0;
        fielderr_add(&req->errors, name, "must be true or false");
        return -1;
}

const char *request_query_text(struct request *req, const char *name, size_t max)
{
        const char *v = request_query(req, name);
        if (v && !*v)
                return NULL; /* a search box left empty: no filter */
        if (v && (!text_valid(v, (unsigned)max) || !utf8_valid(v))) {
                fielderr_add(&req->errors, name, "must be 1 to %zu bytes of UTF-8 text on one line", max);
                return NULL;
        }
        return v;
}

int page_end(struct response *resp, struct page *pg, int r)
{
        return page_end_with(resp, pg, r, NULL);
}

int page_end_with(struct response *resp, struct page *pg, int r, json_t *extra)
{
        if (r < 0) {
                json_decref(pg->items);
                json_decref(extra);
                pg->items = NULL;
                return r;
        }
        json_t *next = json_null();
        if (json_array_size(pg->items) == pg->limit && pg->last > 0) {
                char cur[PAGE_CURSOR_MAX];
                cursor_format(pg->sort, pg->last, pg->keyed || pg->sort ? pg->last_key : NULL, cur, sizeof cur);
                next = json_string(cur);
        }
        json_t *answer = extra ? extra : json_object();
        if (answer && (json_object_set_new(answer, "items", pg->items) < 0 ||
                       json_object_set_new(answer, "next_cursor", next) < 0)) {
                json_decref(answer);
                answer = NULL;
        }
        pg->items = NULL;
        return response_json(resp, 200, answer);
}

int request_audit(struct request *req, struct store_tx *tx, const char *action, const char *kind,
                  int64_t id, json_t *change)
{
        char object[96];
        struct actor a = request_actor(req);
        snprintf(object, sizeof object, "%s:%" PRId64, kind, id);
        return store_audit_append(tx, req->now, &a, action, object, change);
}

int request_audit_object(struct request *req, struct store_tx *tx, const char *action,
                         const char *object, json_t *change)
{
        struct actor a = request_actor(req);
        return store_audit_append(tx, req->now, &a, action, object, change);
}

int request_audit_incident(struct request *req, struct store_tx *tx, const char *action, const char *key,
                           json_t *change)
{
        struct actor a = request_actor(req);
        return store_audit_incident(tx, req->now, &a, action, key, change);
}

void json_only_fields(struct request *req, json_t *obj, const char *const allowed[])
{
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                bool ok = false;
                for (size_t i = 0; allowed[i]; i++)
                        if (strcmp(key, allowed[i]) == 0)
                                ok = true;
                if (!ok)
                        fielderr_add(&req->errors, key, "unknown field");
        }
}

const char *json_field_string(struct request *req, json_t *obj, const char *key, bool required,
                              size_t max)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v)) {
                if (required)
                        fielderr_add(&req->errors, key, "is required");
                return NULL;
        }
        if (!json_is_string(v)) {
                fielderr_add(&req->errors, key, "must be a string");
                return NULL;
        }
        if (json_string_length(v) > max) {
                fielderr_add(&req->errors, key, "must be at most %zu bytes", max);
                return NULL;
        }
        if (strlen(json_string_value(v)) != json_string_length(v)) {
                fielderr_add(&req->errors, key, "must not contain NUL characters");
                return NULL;
        }
        return json_string_value(v);
}

int json_field_bool(struct request *req, json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        if (!v)
                return -1;
        if (!json_is_boolean(v)) {
                fielderr_add(&req->errors, key, "must be true or false");
                return -1;
        }
        return json_is_true(v) ? 1 : 0;
}

bool json_field_int(struct request *req, json_t *obj, const char *key, int64_t min, int64_t max,
                    int64_t *ret)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return false;
        if (!json_is_integer(v)) {
                fielderr_add(&req->errors, key, "must be a whole number");
                return false;
        }
        json_int_t n = json_integer_value(v);
        if (n < min || n > max) {
                fielderr_add(&req->errors, key, "must be from %" PRId64 " to %" PRId64, min, max);
                return false;
        }
        *ret = n;
        return true;
}

json_t *json_time(vg_usec_t t)
{
        char buf[VG_RFC3339_MAX];
        if (t == 0 || vg_time_format(t, buf) < 0)
                return json_null();
        return json_string(buf);
}

bool request_time(struct request *req, const char *key, const char *s, vg_usec_t latest,
                  vg_usec_t *ret)
{
        char lo[VG_RFC3339_MAX], hi[VG_RFC3339_MAX];
        if (vg_time_parse_within(s, latest, ret) == 0)
                return true;
        vg_time_format(VG_TIME_MIN, lo);
        if (latest > VG_TIME_MAX || vg_time_format(latest, hi) < 0)
                vg_time_format(VG_TIME_MAX, hi);
        fielderr_add(&req->errors, key,
                     "must be an RFC 3339 time like 2026-11-23T10:00:00Z, from %s to %s", lo, hi);
        return false;
}

struct actor request_actor(const struct request *req)
{
        if (req->who.kind == AUTH_INTAKE)
                return (struct actor){ .user_id = 0, .name = "intake", .request_id = req->request_id };
        return (struct actor){ .user_id = req->who.user.id,
                               .name = req->who.kind != AUTH_NONE ? req->who.user.name : "anonymous",
                               .request_id = req->request_id };
}

void request_park(struct request *req)
{
        MHD_suspend_connection(req->conn);
}

void request_unpark(struct request *req)
{
        MHD_resume_connection(req->conn);
}

void request_outcome(struct request *req, const struct case_outcome *o)
{
        for (size_t i = 0; i < o->errors.n; i++)
                fielderr_add(&req->errors, o->errors.e[i].field, "%s", o->errors.e[i].message);
        if (o->errors.truncated)
                req->errors.truncated = true;
        if (o->detail[0])
                request_detail(req, "%s", o->detail);
}

int request_incident_load(struct request *req, struct store_tx *tx, struct incident *inc)
{
        struct case_outcome o;
        case_outcome_init(&o);
        int r = case_incident_get(tx, req->params[0], inc, &o);
        request_outcome(req, &o);
        return r;
}
