/* Alertmanager API v2 postable alerts:
 *   [{"labels": {...}, "annotations": {...}, "startsAt": "...", "endsAt": "...",
 *     "generatorURL": "..."}, ...] */
#include "intake/intake.h"

#include "core/error.h"

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

static bool time_field(json_t *a, const char *key, vg_usec_t *ret, struct field_errors *fe, const char *field)
{
        json_t *v = json_object_get(a, key);
        if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
                return true;
        /* Go's zero time, which some clients send for "unset". */
        if (json_is_string(v) && strncmp(json_string_value(v), "0001-01-01T00:00:00", 19) == 0)
                return true;
        if (!json_is_string(v) || vg_time_parse(json_string_value(v), ret) < 0) {
                fielderr_add(fe, field, "%s must be an RFC 3339 time", key);
                return false;
        }
        return true;
}

/* One alert object; keys beyond the postable ones are allowed when extra
 * lists them (the webhook adds status and fingerprint). */
static bool parse_alert(json_t *a, size_t i, const char *const *extra, struct intake_alert *x,
                        struct field_errors *fe)
{
        static const char *const keys[] = { "labels", "annotations", "startsAt", "endsAt", "generatorURL", NULL };
        char field[48];
        const char *k;
        json_t *v;

        snprintf(field, sizeof field, "[%zu]", i);
        if (!json_is_object(a)) {
                fielderr_add(fe, field, "an alert is a JSON object");
                return false;
        }
        json_object_foreach(a, k, v) {
                bool known = false;
                for (size_t q = 0; keys[q]; q++)
                        known |= strcmp(k, keys[q]) == 0;
                for (size_t q = 0; extra && extra[q]; q++)
                        known |= strcmp(k, extra[q]) == 0;
                if (!known)
                        fielderr_add(fe, field, "unknown field '%s'", k);
        }
        json_t *labels = json_object_get(a, "labels");
        snprintf(field, sizeof field, "[%zu].labels", i);
        if (!json_is_object(labels) || json_object_size(labels) == 0) {
                fielderr_add(fe, field, "labels must be a non-empty object of strings");
                return false;
        }
        json_object_foreach(labels, k, v) {
                if (!json_is_string(v)) {
                        fielderr_add(fe, field, "label '%s' must be a string", k);
                        continue;
                }
                labelset_add(&x->labels, k, json_string_value(v), fe, field);
        }
        labelset_sort(&x->labels, fe, field);
        x->labels_json = labels;
        json_t *ann = json_object_get(a, "annotations");
        snprintf(field, sizeof field, "[%zu].annotations", i);
        if (ann && !json_is_null(ann)) {
                if (!json_is_object(ann))
                        fielderr_add(fe, field, "annotations must be an object of strings");
                else
                        json_object_foreach(ann, k, v)
                                if (!json_is_string(v))
                                        fielderr_add(fe, field, "annotation '%s' must be a string", k);
                x->annotations = ann;
        }
        snprintf(field, sizeof field, "[%zu]", i);
        time_field(a, "startsAt", &x->starts_at, fe, field);
        time_field(a, "endsAt", &x->ends_at, fe, field);
        if (x->starts_at && x->ends_at && x->ends_at < x->starts_at)
                fielderr_add(fe, field, "endsAt is before startsAt");
        json_t *url = json_object_get(a, "generatorURL");
        if (url && !json_is_null(url) && !json_is_string(url))
                fielderr_add(fe, field, "generatorURL must be a string");
        x->generator_url = json_string_value(url);
        return true;
}

static int parse_array(json_t *arr, const char *const *extra, struct intake_batch *ret,
                       struct field_errors *fe)
{
        size_t i;
        json_t *a;
        if (json_array_size(arr) > INTAKE_BATCH_MAX) {
                fielderr_add(fe, "", "at most %d alerts per request", INTAKE_BATCH_MAX);
                return -VG_EVALIDATION;
        }
        ret->alerts = calloc(json_array_size(arr) ? json_array_size(arr) : 1, sizeof *ret->alerts);
        if (!ret->alerts)
                return -ENOMEM;
        json_array_foreach(arr, i, a)
                if (parse_alert(a, i, extra, &ret->alerts[ret->n], fe))
                        ret->n++;
        if (fielderr_any(fe)) {
                intake_batch_fini(ret);
                return -VG_EVALIDATION;
        }
        return 0;
}

int intake_am_parse(json_t *body, struct intake_batch *ret, struct field_errors *fe)
{
        memset(ret, 0, sizeof *ret);
        ret->source = "alertmanager";
        if (!json_is_array(body)) {
                fielderr_add(fe, "", "the body must be a JSON array of alerts");
                return -VG_EVALIDATION;
        }
        return parse_array(body, NULL, ret, fe);
}

int intake_am_webhook_parse(json_t *body, struct intake_batch *ret, struct field_errors *fe)
{
        static const char *const extra[] = { "status", "fingerprint", NULL };
        memset(ret, 0, sizeof *ret);
        ret->source = "webhook";
        const char *version = json_string_value(json_object_get(body, "version"));
        if (!json_is_object(body) || !version || strcmp(version, "4") != 0) {
                fielderr_add(fe, "version", "an Alertmanager webhook payload of version \"4\" is expected");
                return -VG_EVALIDATION;
        }
        json_t *alerts = json_object_get(body, "alerts");
        if (!json_is_array(alerts)) {
                fielderr_add(fe, "alerts", "must be an array");
                return -VG_EVALIDATION;
        }
        int r = parse_array(alerts, extra, ret, fe);
        if (r < 0)
                return r;
        /* A resolved alert in a webhook carries its endsAt; one without
         * ends when it arrives. */
        size_t i;
        json_t *a;
        json_array_foreach(alerts, i, a) {
                const char *st = json_string_value(json_object_get(a, "status"));
                if (st && strcmp(st, "resolved") == 0 && !ret->alerts[i].ends_at)
                        ret->alerts[i].ends_at = INTAKE_ENDS_NOW;
        }
        return 0;
}
