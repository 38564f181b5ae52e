/* Alertmanager API v2 postable alerts:
 *   [{"labels": {...}, "annotations": {...}, "startsAt": "...", "endsAt": "...",
 *     "generatorURL": "..."}, ...]
 * and the Alertmanager webhook, which wraps the same alerts.
 *
 * These are the busiest doors, and parsing was most of their cost: jansson
 * took about 300 us for a body of 100 alerts, cJSON about 60 (bench/README.md).
 * So the text is parsed with cJSON, and what the pipeline keeps (labels,
 * annotations, generatorURL) is copied into jansson values, whose checked
 * constructors refuse invalid UTF-8 as jansson's parser would. The rest of
 * what jansson's parser refuses and cJSON's accepts - control characters
 * inside strings, \u0000 (which would cut a C string short), text after the
 * value, repeated keys - is checked here. */
#include "intake/intake.h"

#include "core/error.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void intake_batch_fini(struct intake_batch *b)
{
        free(b->alerts);
        json_decref(b->owned);
        b->alerts = NULL;
        b->owned = NULL;
        b->n = 0;
}

/* 1-based line and column of at in s, for messages. */
static void position(const char *s, const char *at, int *line, int *col)
{
        *line = 1;
        *col = 1;
        for (const char *p = s; p < at; p++) {
                if (*p == '\n') {
                        (*line)++;
                        *col = 1;
                } else {
                        (*col)++;
                }
        }
}

/* What RFC 8259 forbids inside strings and cJSON lets through: control
 * characters, and the escape \u0000. Returns where, or NULL. */
static const char *string_flaw(const char *s, size_t n, const char **what)
{
        bool in_string = false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (!in_string) {
                        in_string = c == '"';
                } else if (c == '"') {
                        in_string = false;
                } else if (c == '\\') {
                        if (n - i > 5 && memcmp(s + i + 1, "u0000", 5) == 0) {
                                *what = "\\u0000 is not allowed in a string";
                                return s + i;
                        }
                        i++; /* the escaped character */
                } else if (c < 0x20) {
                        *what = "control character in a string";
                        return s + i;
                }
        }
        return NULL;
}

static cJSON *load(const struct intake_text *t)
{
        const char *what = NULL, *at = string_flaw(t->p, t->len, &what);
        const char *end = NULL;
        cJSON *root = NULL;
        if (!at) {
                root = cJSON_ParseWithLengthOpts(t->p, t->len, &end, false);
                if (root) {
                        while (end < t->p + t->len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
                                end++;
                        if (end < t->p + t->len) {
                                cJSON_Delete(root);
                                root = NULL;
                                what = "end of input expected";
                        }
                }
                at = end ? end : t->p;
        }
        if (!root) {
                int line, col;
                position(t->p, at, &line, &col);
                snprintf(t->why, t->why_size, "malformed JSON at line %d column %d%s%s", line, col, what ? ": " : "",
                         what ? what : "");
        }
        return root;
}

/* Keep a value in the batch; NULL when v is (which is then reported). */
static json_t *keep(struct intake_batch *b, json_t *v)
{
        if (v && json_array_append_new(b->owned, v) < 0)
                return NULL;
        return v;
}

static bool time_field(const cJSON *a, const char *key, vg_usec_t *ret, struct field_errors *fe, const char *field)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);
        if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring))
                return true;
        /* Go's zero time, which some clients send for "unset". */
        if (cJSON_IsString(v) && strncmp(v->valuestring, "0001-01-01T00:00:00", 19) == 0)
                return true;
        if (!cJSON_IsString(v) || vg_time_parse_sent(v->valuestring, ret) < 0) {
                fielderr_add(fe, field, "%s must be an RFC 3339 time", key);
                return false;
        }
        return true;
}

/* An object of strings copied into a jansson object, or NULL with the
 * reason in fe. what: "label" or "annotation". */
static json_t *strings_object(const cJSON *o, const char *what, size_t max_string, struct field_errors *fe,
                              const char *field)
{
        json_t *out = json_object();
        size_t n = 0;
        bool ok = out != NULL;
        for (const cJSON *m = o->child; ok && m; m = m->next, n++) {
                if (!cJSON_IsString(m)) {
                        fielderr_add(fe, field, "%s '%.64s' must be a string", what, m->string);
                        ok = false;
                        continue;
                }
                size_t len = strlen(m->valuestring);
                if (strlen(m->string) > max_string || len > max_string) {
                        fielderr_add(fe, field, "%s '%.64s' is longer than the limit of %zu bytes", what, m->string,
                                     max_string);
                        ok = false;
                } else {
                        json_t *s = json_stringn(m->valuestring, len);
                        if (!s || json_object_set_new(out, m->string, s) < 0) {
                                fielderr_add(fe, field, "%s '%.64s' is not valid UTF-8", what, m->string);
                                ok = false;
                        }
                }
        }
        if (ok && json_object_size(out) != n) {
                fielderr_add(fe, field, "%s names must not repeat", what);
                ok = false;
        }
        if (!ok) {
                json_decref(out);
                return NULL;
        }
        return out;
}

/* Whether name is in the NULL-ended list (which may be NULL). */
static bool listed(const char *const *list, const char *name)
{
        for (size_t i = 0; list && list[i]; i++)
                if (strcmp(list[i], name) == 0)
                        return true;
        return false;
}

/* One alert object; keys beyond the postable ones are allowed when extra
 * lists them (the webhook adds status and fingerprint). */
static bool parse_alert(const cJSON *a, size_t i, const char *const *extra, size_t max_string,
                        struct intake_batch *b, struct intake_alert *x, struct field_errors *fe)
{
        static const char *const keys[] = { "labels", "annotations", "startsAt", "endsAt", "generatorURL", NULL };
        char field[48];

        snprintf(field, sizeof field, "[%zu]", i);
        if (!cJSON_IsObject(a)) {
                fielderr_add(fe, field, "an alert is a JSON object");
                return false;
        }
        for (const cJSON *m = a->child; m; m = m->next) {
                if (!listed(keys, m->string) && !listed(extra, m->string))
                        fielderr_add(fe, field, "unknown field '%.64s'", m->string);
                else if (cJSON_GetObjectItemCaseSensitive(a, m->string) != m)
                        fielderr_add(fe, field, "field '%s' is given twice", m->string); /* a later one */
        }
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(a, "labels");
        snprintf(field, sizeof field, "[%zu].labels", i);
        if (!cJSON_IsObject(labels) || !labels->child) {
                fielderr_add(fe, field, "labels must be a non-empty object of strings");
                return false;
        }
        json_t *lj = keep(b, strings_object(labels, "label", max_string, fe, field));
        if (!lj)
                return false;
        const char *k;
        json_t *v;
        json_object_foreach(lj, k, v) labelset_add(&x->labels, k, json_string_value(v), fe, field);
        labelset_sort(&x->labels, fe, field);
        x->labels_json = lj;

        const cJSON *ann = cJSON_GetObjectItemCaseSensitive(a, "annotations");
        snprintf(field, sizeof field, "[%zu].annotations", i);
        if (ann && !cJSON_IsNull(ann)) {
                if (!cJSON_IsObject(ann))
                        fielderr_add(fe, field, "annotations must be an object of strings");
                else
                        x->annotations = keep(b, strings_object(ann, "annotation", max_string, fe, field));
        }
        snprintf(field, sizeof field, "[%zu]", i);
        time_field(a, "startsAt", &x->starts_at, fe, field);
        time_field(a, "endsAt", &x->ends_at, fe, field);
        if (x->starts_at && x->ends_at && x->ends_at < x->starts_at)
                fielderr_add(fe, field, "endsAt is before startsAt");
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(a, "generatorURL");
        if (url && !cJSON_IsNull(url)) {
                json_t *u = cJSON_IsString(url) && strlen(url->valuestring) <= max_string
                                    ? keep(b, json_string(url->valuestring))
                                    : NULL;
                if (!u)
                        fielderr_add(fe, field, "generatorURL must be a string of valid UTF-8, at most %zu bytes",
                                     max_string);
                x->generator_url = json_string_value(u);
        }
        return true;
}

static int parse_array(const cJSON *arr, const char *const *extra, size_t max_string, struct intake_batch *ret,
                       struct field_errors *fe)
{
        int n = cJSON_GetArraySize(arr);
        if (n > INTAKE_BATCH_MAX) {
                fielderr_add(fe, "", "at most %d alerts per request", INTAKE_BATCH_MAX);
                return -VG_EVALIDATION;
        }
        ret->alerts = calloc(n ? (size_t)n : 1, sizeof *ret->alerts);
        ret->owned = json_array();
        if (!ret->alerts || !ret->owned) {
                intake_batch_fini(ret);
                return -ENOMEM;
        }
        size_t i = 0;
        for (const cJSON *a = arr->child; a; a = a->next, i++)
                if (parse_alert(a, i, extra, max_string, ret, &ret->alerts[ret->n], fe))
                        ret->n++;
        if (fielderr_any(fe)) {
                intake_batch_fini(ret);
                return -VG_EVALIDATION;
        }
        return 0;
}

int intake_am_parse(const struct intake_text *t, struct intake_batch *ret, struct field_errors *fe)
{
        memset(ret, 0, sizeof *ret);
        ret->source = "alertmanager";
        cJSON *body = load(t);
        if (!body)
                return -VG_EVALIDATION;
        int r;
        if (!cJSON_IsArray(body)) {
                fielderr_add(fe, "", "the body must be a JSON array of alerts");
                r = -VG_EVALIDATION;
        } else {
                r = parse_array(body, NULL, t->max_string, ret, fe);
        }
        cJSON_Delete(body);
        return r;
}

/* Whether a member of o named one of names comes again after the first. */
static bool repeats(const cJSON *o, const char *const *names)
{
        for (const cJSON *m = o->child; m; m = m->next)
                if (listed(names, m->string) && cJSON_GetObjectItemCaseSensitive(o, m->string) != m)
                        return true;
        return false;
}

int intake_am_webhook_parse(const struct intake_text *t, struct intake_batch *ret, struct field_errors *fe)
{
        static const char *const extra[] = { "status", "fingerprint", NULL };
        static const char *const read[] = { "version", "alerts", NULL };
        memset(ret, 0, sizeof *ret);
        ret->source = "webhook";
        cJSON *body = load(t);
        if (!body)
                return -VG_EVALIDATION;
        int r = -VG_EVALIDATION;
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(body, "version");
        const cJSON *alerts = cJSON_GetObjectItemCaseSensitive(body, "alerts");
        if (!cJSON_IsObject(body) || !cJSON_IsString(version) || strcmp(version->valuestring, "4") != 0) {
                fielderr_add(fe, "version", "an Alertmanager webhook payload of version \"4\" is expected");
        } else if (repeats(body, read)) {
                fielderr_add(fe, "", "a field is given twice");
        } else if (!cJSON_IsArray(alerts)) {
                fielderr_add(fe, "alerts", "must be an array");
        } else {
                r = parse_array(alerts, extra, t->max_string, ret, fe);
        }
        if (r == 0) {
                /* A resolved alert in a webhook carries its endsAt; one
                 * without ends when it arrives. */
                size_t i = 0;
                for (const cJSON *a = alerts->child; a; a = a->next, i++) {
                        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "status");
                        if (cJSON_IsString(st) && strcmp(st->valuestring, "resolved") == 0 &&
                            !ret->alerts[i].ends_at)
                                ret->alerts[i].ends_at = INTAKE_ENDS_NOW;
                }
        }
        cJSON_Delete(body);
        return r;
}
