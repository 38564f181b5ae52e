/* Reports: response metrics and the evidence of a period, for auditors
 * and the people who answer to them. */
#include "http/resources.h"

#include "core/error.h"
#include "base/rules.h"
#include "report/report.h"

#include <errno.h>
#include <string.h>

/* from and to (RFC 3339; to defaults to now, from to 30 days before to). */
static int period(struct request *req, vg_usec_t *from, vg_usec_t *to)
{
        const char *f = request_query(req, "from"), *t = request_query(req, "to");
        *to = req->now;
        if (t && vg_time_parse(t, to) < 0)
                fielderr_add(&req->errors, "to", "must be an RFC 3339 time like 2026-12-31T00:00:00Z");
        *from = *to - (vg_usec_t)30 * 86400 * VG_USEC_PER_SEC;
        if (f && vg_time_parse(f, from) < 0)
                fielderr_add(&req->errors, "from", "must be an RFC 3339 time like 2026-01-01T00:00:00Z");
        if (!fielderr_any(&req->errors) && *from >= *to)
                fielderr_add(&req->errors, "from", "must be before to");
        return fielderr_any(&req->errors) ? -VG_EVALIDATION : 0;
}

int report_metrics_get(struct request *req, struct response *resp)
{
        vg_usec_t from, to;
        struct store_tx *tx;
        json_t *out = NULL;
        int r = period(req, &from, &to);
        if (r < 0)
                return r;
        r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = report_metrics(tx, from, to, req->now, &out);
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, out);
}

int report_evidence_get(struct request *req, struct response *resp)
{
        vg_usec_t from, to;
        json_t *out = NULL;
        int r = period(req, &from, &to);
        if (r < 0)
                return r;
        r = report_evidence(req->store, from, to, req->now, req->cfg->training_interval * VG_USEC_PER_SEC, &out);
        if (r >= 0 && req->rules)
                json_object_set_new(out, "rules_version", json_string(req->rules->version));
        return r < 0 ? r : response_json(resp, 200, out);
}
