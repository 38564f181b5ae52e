/* Alerts as Vigil holds them, for the console's list: search, filters,
 * cursor paging, and the incident each belongs to. (Alertmanager's own
 * view of the firing ones is amv2.c's.) */
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <string.h>

static int add_alert(const struct alert_row *a, void *userdata)
{
        json_t *labels = json_loads(a->labels ? a->labels : "{}", 0, NULL);
        json_t *annotations = json_loads(a->annotations ? a->annotations : "{}", 0, NULL);
        struct page *pg = userdata;
        bool firing = a->ends_at == 0 || a->ends_at > pg->now;
        json_t *j = json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:s, s:o}", "id",
                              (json_int_t)a->id, "fingerprint", a->fingerprint, "status", firing ? "firing" : "resolved",
                              "labels", labels ? labels : json_object(), "annotations",
                              annotations ? annotations : json_object(), "source", a->source, "service", a->service,
                              "severity", a->severity, "summary", a->summary ? a->summary : "", "generator_url",
                              a->generator_url ? a->generator_url : "", "starts_at", json_time(a->starts_at), "ends_at",
                              json_time(a->ends_at), "updated_at", json_time(a->updated_at), "received",
                              (json_int_t)a->received, "silenced_by", a->silenced_by, "incident",
                              a->incident_key[0] ? json_string(a->incident_key) : json_null());
        return j ? page_add(pg, a->id, j) : -ENOMEM;
}

static const struct page_sort alert_sorts[] = { { "-created", false }, { "created", false }, { NULL, false } };

int api_alert_list(struct request *req, struct response *resp)
{
        struct alert_filter f = { .now = req->now,
                                  .service = request_query(req, "service"),
                                  .severity = request_query_text(req, "severity", 31),
                                  .text = request_query_text(req, "q", ALERT_TEXT_MAX) };
        struct store_tx *tx;
        struct page pg;
        const char *v = request_query(req, "status");
        if (v && strcmp(v, "firing") == 0)
                f.firing = ALERT_FIRING_YES;
        else if (v && strcmp(v, "resolved") == 0)
                f.firing = ALERT_FIRING_NO;
        else if (v)
                fielderr_add(&req->errors, "status", "must be firing or resolved");
        if (f.service && !tenant_id_valid(f.service))
                fielderr_add(&req->errors, "service", "not a service name");
        int linked = request_query_bool(req, "linked");
        f.linked = linked == 1 ? ALERT_LINKED_YES : linked == 0 ? ALERT_LINKED_NO : ALERT_LINKED_ANY;
        const char *key = request_query(req, "incident");
        if (key && !*key)
                fielderr_add(&req->errors, "incident", "must be an incident key");
        int r = page_begin_sorted(req, &pg, alert_sorts);
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        pg.now = req->now;
        f.oldest_first = pg.sort == 1;
        f.after_id = pg.after;
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = request_incident_filter(req, tx, key, &f.incident_id);
                if (r >= 0)
                        r = store_alert_list(tx, &f, pg.limit, add_alert, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}
