/* PagerDuty Events API v2 (POST /v2/enqueue):
 *   {"routing_key", "event_action": trigger|acknowledge|resolve, "dedup_key",
 *    "payload": {"summary", "source", "severity", "timestamp", "component",
 *                "group", "class", "custom_details"}, "images", "links",
 *    "client", "client_url"}
 * An event becomes an alert whose labels are {alertname: "pagerduty",
 * service, dedup_key}, so a resolve (which has no payload) ends the
 * episode its trigger started; the payload goes into the annotations. */
#include "intake/intake.h"

#include "core/error.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const actions[] = { "trigger", "acknowledge", "resolve" };
static const char *const severities[] = { "critical", "error", "warning", "info" };

int intake_pd_parse(json_t *body, struct pd_event *ret, struct field_errors *fe)
{
        static const char *const keys[] = { "routing_key", "event_action", "dedup_key", "payload", "images",
                                            "links", "client", "client_url", NULL };
        static const char *const pkeys[] = { "summary", "source", "severity", "timestamp", "component",
                                             "group", "class", "custom_details", NULL };
        const char *k;
        json_t *v;

        memset(ret, 0, sizeof *ret);
        if (!json_is_object(body)) {
                fielderr_add(fe, "", "an event is a JSON object");
                return -VG_EVALIDATION;
        }
        json_object_foreach(body, k, v) {
                bool known = false;
                for (size_t i = 0; keys[i]; i++)
                        known |= strcmp(k, keys[i]) == 0;
                if (!known)
                        fielderr_add(fe, k, "unknown field");
        }
        ret->routing_key = json_string_value(json_object_get(body, "routing_key"));
        if (!ret->routing_key || !*ret->routing_key)
                fielderr_add(fe, "routing_key", "is required");
        const char *action = json_string_value(json_object_get(body, "event_action"));
        ret->action = -1;
        for (int i = 0; action && i < 3; i++)
                if (strcmp(action, actions[i]) == 0)
                        ret->action = (enum pd_action)i;
        if ((int)ret->action < 0)
                fielderr_add(fe, "event_action", "must be trigger, acknowledge or resolve");
        json_t *dk = json_object_get(body, "dedup_key");
        ret->dedup_key = json_string_value(dk);
        if (dk && (!ret->dedup_key || strlen(ret->dedup_key) > 255))
                fielderr_add(fe, "dedup_key", "must be a string of at most 255 characters");
        if (ret->dedup_key && !*ret->dedup_key)
                ret->dedup_key = NULL;
        if ((ret->action == PD_ACK || ret->action == PD_RESOLVE) && !ret->dedup_key)
                fielderr_add(fe, "dedup_key", "is required to %s", action);
        json_t *p = json_object_get(body, "payload");
        if (ret->action == PD_TRIGGER) {
                if (!json_is_object(p)) {
                        fielderr_add(fe, "payload", "is required to trigger");
                } else {
                        json_object_foreach(p, k, v) {
                                bool known = false;
                                for (size_t i = 0; pkeys[i]; i++)
                                        known |= strcmp(k, pkeys[i]) == 0;
                                if (!known)
                                        fielderr_add(fe, "payload", "unknown field '%s'", k);
                        }
                        const char *summary = json_string_value(json_object_get(p, "summary"));
                        if (!summary || !*summary || strlen(summary) > 1024)
                                fielderr_add(fe, "payload.summary", "is required, at most 1024 characters");
                        if (!json_string_value(json_object_get(p, "source")))
                                fielderr_add(fe, "payload.source", "is required");
                        const char *sev = json_string_value(json_object_get(p, "severity"));
                        bool ok = false;
                        for (int i = 0; sev && i < 4; i++)
                                ok |= strcmp(sev, severities[i]) == 0;
                        if (!ok)
                                fielderr_add(fe, "payload.severity", "must be critical, error, warning or info");
                        const char *ts = json_string_value(json_object_get(p, "timestamp"));
                        if (json_object_get(p, "timestamp") && (!ts || vg_time_parse_sent(ts, &ret->timestamp) < 0))
                                fielderr_add(fe, "payload.timestamp", "must be an RFC 3339 time");
                        ret->payload = p;
                }
        }
        return fielderr_any(fe) ? -VG_EVALIDATION : 0;
}

void intake_pd_new_dedup_key(char out[33])
{
        unsigned char raw[16];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(out, 33, raw, sizeof raw);
}

int intake_pd_batch(const struct pd_event *ev, const char *service, const char *dedup_key,
                    struct intake_batch *ret)
{
        struct field_errors fe;
        memset(ret, 0, sizeof *ret);
        ret->source = "pagerduty";
        ret->alerts = calloc(1, sizeof *ret->alerts);
        ret->owned = json_array();
        if (!ret->alerts || !ret->owned) {
                intake_batch_fini(ret);
                return -ENOMEM;
        }
        json_t *labels = json_pack("{s:s, s:s, s:s}", "alertname", "pagerduty", "service", service,
                                   "dedup_key", dedup_key);
        json_t *ann = json_object();
        if (!labels || !ann) {
                json_decref(labels);
                json_decref(ann);
                intake_batch_fini(ret);
                return -ENOMEM;
        }
        json_array_append_new(ret->owned, labels);
        json_array_append_new(ret->owned, ann);
        if (ev->payload) {
                static const char *const copy[] = { "summary", "source", "severity", "component", "group", "class", NULL };
                for (size_t i = 0; copy[i]; i++) {
                        const char *v = json_string_value(json_object_get(ev->payload, copy[i]));
                        if (v)
                                json_object_set_new(ann, copy[i], json_string(v));
                }
                json_t *details = json_object_get(ev->payload, "custom_details");
                if (details) {
                        char *text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
                        if (text)
                                json_object_set_new(ann, "custom_details", json_string(text));
                        free(text);
                }
        }
        struct intake_alert *x = &ret->alerts[0];
        fielderr_init(&fe);
        labelset_add(&x->labels, "alertname", json_string_value(json_object_get(labels, "alertname")), &fe, "labels");
        labelset_add(&x->labels, "service", json_string_value(json_object_get(labels, "service")), &fe, "labels");
        labelset_add(&x->labels, "dedup_key", json_string_value(json_object_get(labels, "dedup_key")), &fe, "labels");
        labelset_sort(&x->labels, &fe, "labels");
        x->labels_json = labels;
        x->annotations = ann;
        x->starts_at = ev->timestamp;
        x->ends_at = ev->action == PD_RESOLVE ? INTAKE_ENDS_NOW : 0;
        ret->n = 1;
        return fielderr_any(&fe) ? -VG_EVALIDATION : 0;
}
