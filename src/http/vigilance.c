/* Enhanced vigilance over the API: which incident under watch an alert
 * would join (read-only), and the alerts linked to an incident. */
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"
#include "cases/vigilance.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MATCH_INDICATORS_MAX 100

int api_vigilance_match_route(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "service", "tenant", "indicators", "at", NULL };
        struct indicator inds[MATCH_INDICATORS_MAX];
        struct vigilance_hit hit;
        struct store_tx *tx;
        size_t n = 0, i;
        json_t *body, *v;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *service = json_field_string(req, body, "service", false, STORE_NAME_MAX - 1);
        const char *tenant = json_field_string(req, body, "tenant", false, STORE_NAME_MAX - 1);
        json_t *arr = json_object_get(body, "indicators");
        if (arr && (!json_is_array(arr) || json_array_size(arr) > MATCH_INDICATORS_MAX))
                fielderr_add(&req->errors, "indicators", "must be an array of at most %d indicators",
                             MATCH_INDICATORS_MAX);
        else if (arr)
                json_array_foreach(arr, i, v) {
                        char field[48];
                        snprintf(field, sizeof field, "indicators[%zu]", i);
                        const char *kind = json_string_value(json_object_get(v, "kind"));
                        const char *value = json_string_value(json_object_get(v, "value"));
                        if (indicator_parse(indicator_kind_from_string(kind), value, &inds[n], &req->errors, field) >= 0)
                                n++;
                }
        vg_usec_t at = req->now;
        const char *ats = json_field_string(req, body, "at", false, 64);
        if (ats)
                request_time(req, "at", ats, VG_TIME_MAX, &at);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        struct alert_signals a = { .at = at, .service = service, .tenant = tenant, .indicators = inds,
                                   .n_indicators = n };
        r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = vigilance_find(tx, &a, &hit);
        store_rollback(tx);
        if (r < 0)
                return r;
        json_t *match = r ? json_pack("{s:s, s:s}", "incident", hit.key, "why", hit.why) : json_null();
        return response_json(resp, 200, json_pack("{s:o}", "match", match));
}

static int add_link(const struct alert_link *l, void *userdata)
{
        return json_array_append_new(userdata, case_alert_link_json(l)) == 0 ? 0 : -ENOMEM;
}

#define INCIDENT_ALERTS_MAX 100

/* An alert that joined the incident, as a responder reads it first: its
 * labels, annotations (runbook_url among them) and where it came from. */
static int add_alert(const struct alert_row *a, void *userdata)
{
        json_t *labels = json_loads(a->labels, 0, NULL);
        json_t *annotations = json_loads(a->annotations ? a->annotations : "{}", 0, NULL);
        json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:I}", "id", (json_int_t)a->id,
                              "fingerprint", a->fingerprint, "labels", labels ? labels : json_object(),
                              "annotations", annotations ? annotations : json_object(), "source", a->source,
                              "service", a->service, "summary", a->summary ? a->summary : "", "generator_url",
                              a->generator_url ? a->generator_url : "", "starts_at", json_time(a->starts_at),
                              "ends_at", json_time(a->ends_at), "received", (json_int_t)a->received);
        return json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
}

int api_alert_link_list(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct store_tx *tx;
        json_t *items = json_array(), *alerts = json_array();
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = request_incident_load(req, tx, &inc);
                if (r >= 0)
                        r = store_alert_link_list(tx, inc.id, add_link, items);
                if (r >= 0)
                        r = store_alert_list_incident(tx, inc.id, INCIDENT_ALERTS_MAX, add_alert, alerts);
                store_rollback(tx);
        }
        incident_fini(&inc);
        if (r < 0) {
                json_decref(items);
                json_decref(alerts);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o, s:o}", "items", items, "alerts", alerts));
}

int api_alert_link_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "alert", "reason", NULL };
        struct alert_link l;
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *alert = json_field_string(req, body, "alert", true, sizeof l.alert - 1);
        const char *reason = json_field_string(req, body, "reason", false, 4096);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_alert_link(tx, &a, req->now, req->params[0], alert, reason, &l, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = response_json(resp, 201, case_alert_link_json(&l));
        return tx ? store_finish(tx, r) : r;
}
