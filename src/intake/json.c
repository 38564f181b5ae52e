/* /intake/json: generic JSON alerts and OCSF Detection Findings
 * (class_uid 2004), one object or an array of them.
 *
 * Generic: {"title", "service", "severity", "summary", "description",
 *           "labels": {...}, "dedup_key", "status": "firing"|"resolved",
 *           "tenant", "starts_at"}
 * OCSF:    {"class_uid": 2004, "finding_info": {"uid", "title", "desc"},
 *           "severity_id": 0..6|99, "time": epoch ms, "status_id": 1..4|99,
 *           "metadata": {"product": {"name", "vendor_name"}},
 *           "resources": [{"name"}], "cloud": {"account": {"uid"}}, ...}
 *
 * Both become labels the pipeline understands (alertname, service,
 * severity, tenant, and an identity label that fixes the fingerprint). */
#include "intake/intake.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ocsf_severity[] = { "unknown", "informational", "low", "medium", "high", "critical", "fatal" };

/* Build the alert from an owned labels object (and annotations). */
static int finish_alert(struct intake_batch *b, json_t *labels, json_t *ann, vg_usec_t starts,
                        vg_usec_t ends, struct field_errors *fe, const char *field)
{
        struct intake_alert *x = &b->alerts[b->n];
        const char *k;
        json_t *v;
        json_array_append_new(b->owned, labels);
        json_array_append_new(b->owned, ann);
        json_object_foreach(labels, k, v)
                labelset_add(&x->labels, k, json_string_value(v), fe, field);
        labelset_sort(&x->labels, fe, field);
        x->labels_json = labels;
        x->annotations = ann;
        x->starts_at = starts;
        x->ends_at = ends;
        b->n++;
        return 0;
}

static void put(json_t *obj, const char *key, const char *value)
{
        if (value && *value)
                json_object_set_new(obj, key, json_string(value));
}

static void parse_generic(struct intake_batch *b, json_t *o, const char *field, struct field_errors *fe)
{
        static const char *const keys[] = { "title", "service", "severity", "summary", "description", "labels",
                                            "dedup_key", "status", "tenant", "starts_at", NULL };
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) {
                bool known = false;
                for (size_t i = 0; keys[i]; i++)
                        known |= strcmp(k, keys[i]) == 0;
                if (!known)
                        fielderr_add(fe, field, "unknown field '%s'", k);
                else if (strcmp(k, "labels") != 0 && !json_is_string(v))
                        fielderr_add(fe, field, "'%s' must be a string", k);
        }
        const char *title = json_string_value(json_object_get(o, "title"));
        if (!title || !*title)
                fielderr_add(fe, field, "title is required");
        const char *status = json_string_value(json_object_get(o, "status"));
        if (status && strcmp(status, "firing") != 0 && strcmp(status, "resolved") != 0)
                fielderr_add(fe, field, "status must be firing or resolved");
        vg_usec_t starts = 0;
        const char *st = json_string_value(json_object_get(o, "starts_at"));
        if (st && vg_time_parse_sent(st, &starts) < 0)
                fielderr_add(fe, field, "starts_at must be an RFC 3339 time");
        json_t *extra = json_object_get(o, "labels");
        if (extra && !json_is_object(extra))
                fielderr_add(fe, field, "labels must be an object of strings");
        json_t *labels = json_object(), *ann = json_object();
        json_object_foreach(extra, k, v) {
                if (!json_is_string(v))
                        fielderr_add(fe, field, "label '%s' must be a string", k);
                else
                        json_object_set(labels, k, v);
        }
        put(labels, "alertname", title);
        put(labels, "service", json_string_value(json_object_get(o, "service")));
        put(labels, "severity", json_string_value(json_object_get(o, "severity")));
        put(labels, "tenant", json_string_value(json_object_get(o, "tenant")));
        put(labels, "dedup_key", json_string_value(json_object_get(o, "dedup_key")));
        put(ann, "summary", json_string_value(json_object_get(o, "summary")));
        put(ann, "description", json_string_value(json_object_get(o, "description")));
        bool resolved = status && strcmp(status, "resolved") == 0;
        finish_alert(b, labels, ann, starts, resolved ? INTAKE_ENDS_NOW : 0, fe, field);
}

static void parse_ocsf(struct intake_batch *b, json_t *o, const char *field, struct field_errors *fe)
{
        if (json_integer_value(json_object_get(o, "class_uid")) != 2004) {
                fielderr_add(fe, field, "only OCSF Detection Finding (class_uid 2004) is accepted");
                return;
        }
        json_t *fi = json_object_get(o, "finding_info");
        const char *uid = json_string_value(json_object_get(fi, "uid"));
        const char *title = json_string_value(json_object_get(fi, "title"));
        if (!uid || !*uid || !title || !*title)
                fielderr_add(fe, field, "finding_info.uid and finding_info.title are required");
        json_t *sev = json_object_get(o, "severity_id");
        json_int_t sid = json_integer_value(sev);
        if (!json_is_integer(sev) || ((sid < 0 || sid > 6) && sid != 99))
                fielderr_add(fe, field, "severity_id must be 0 to 6 or 99");
        json_t *time = json_object_get(o, "time");
        if (time && !json_is_integer(time))
                fielderr_add(fe, field, "time must be epoch milliseconds");
        json_t *status = json_object_get(o, "status_id");
        if (status && !json_is_integer(status))
                fielderr_add(fe, field, "status_id must be an integer");
        if (fielderr_any(fe))
                return;
        json_t *labels = json_object(), *ann = json_object();
        put(labels, "alertname", title);
        put(labels, "finding_uid", uid);
        put(labels, "severity", sid >= 0 && sid <= 6 ? ocsf_severity[sid] : "other");
        json_t *product = json_object_get(json_object_get(o, "metadata"), "product");
        put(labels, "product", json_string_value(json_object_get(product, "name")));
        /* The service: the first resource's name; the tenant: the cloud account. */
        put(labels, "service", json_string_value(json_object_get(json_array_get(json_object_get(o, "resources"), 0), "name")));
        put(labels, "tenant", json_string_value(json_object_get(json_object_get(json_object_get(o, "cloud"), "account"), "uid")));
        put(ann, "summary", json_string_value(json_object_get(fi, "desc")));
        put(ann, "description", json_string_value(json_object_get(o, "message")));
        char *raw = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        put(ann, "ocsf", raw);
        free(raw);
        vg_usec_t starts = time ? (vg_usec_t)json_integer_value(time) * 1000 : 0;
        bool resolved = json_integer_value(status) == 4; /* Resolved */
        finish_alert(b, labels, ann, starts, resolved ? INTAKE_ENDS_NOW : 0, fe, field);
}

int intake_json_parse(json_t *body, struct intake_batch *ret, struct field_errors *fe)
{
        size_t n = json_is_array(body) ? json_array_size(body) : 1;
        memset(ret, 0, sizeof *ret);
        ret->source = "json";
        if (!json_is_array(body) && !json_is_object(body)) {
                fielderr_add(fe, "", "the body must be an alert object or an array of them");
                return -VG_EVALIDATION;
        }
        if (n == 0 || n > INTAKE_BATCH_MAX) {
                fielderr_add(fe, "", "send 1 to %d alerts", INTAKE_BATCH_MAX);
                return -VG_EVALIDATION;
        }
        ret->alerts = calloc(n, sizeof *ret->alerts);
        ret->owned = json_array();
        if (!ret->alerts || !ret->owned) {
                intake_batch_fini(ret);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                json_t *o = json_is_array(body) ? json_array_get(body, i) : body;
                char field[32];
                snprintf(field, sizeof field, "[%zu]", i);
                if (!json_is_object(o)) {
                        fielderr_add(fe, field, "an alert is a JSON object");
                        continue;
                }
                if (json_object_get(o, "class_uid")) {
                        ret->source = "ocsf";
                        parse_ocsf(ret, o, field, fe);
                } else {
                        parse_generic(ret, o, field, fe);
                }
        }
        if (fielderr_any(fe)) {
                intake_batch_fini(ret);
                return -VG_EVALIDATION;
        }
        return 0;
}
