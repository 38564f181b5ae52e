/* Reports: response metrics and the evidence of a period, for auditors
 * and the people who answer to them. */
#include "http/resources.h"

#include "core/error.h"
#include "base/rules.h"
#include "report/report.h"
#include "http/org.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* from and to (RFC 3339; to defaults to now, from to 30 days before to). */
static int period(struct request *req, vg_usec_t *from, vg_usec_t *to)
{
        const char *f = request_query(req, "from"), *t = request_query(req, "to");
        *to = req->now;
        if (t)
                request_time(req, "to", t, VG_TIME_MAX, to);
        *from = *to - (vg_usec_t)30 * 86400 * VG_USEC_PER_SEC;
        if (f)
                request_time(req, "from", f, VG_TIME_MAX, from);
        if (!fielderr_any(&req->errors) && *from >= *to)
                fielderr_add(&req->errors, "from", "must be before to");
        return fielderr_any(&req->errors) ? -VG_EVALIDATION : 0;
}

int api_report_metrics_get(struct request *req, struct response *resp)
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
        /* On-call coverage over the same period: gaps per schedule, and
         * whether each service was reached around the clock. */
        json_t *cov = NULL;
        bool covered;
        if (r >= 0)
                r = oncall_coverage_json(tx, from, to, &cov, &covered);
        if (r >= 0)
                json_object_set_new(out, "coverage", cov);
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, out);
}

int api_report_evidence_get(struct request *req, struct response *resp)
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

/* GET /api/v1/incidents/{key}/report[?format=md]: the incident report. */
int api_report_incident_get(struct request *req, struct response *resp)
{
        const char *format = request_query(req, "format");
        if (format && strcmp(format, "md") != 0 && strcmp(format, "html") != 0) {
                fielderr_add(&req->errors, "format", "must be html or md");
                return -VG_EVALIDATION;
        }
        char *md = NULL, *html = NULL;
        int r = report_incident_markdown(req->store, req->params[0], req->now, &md);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no incident %s", req->params[0]);
        if (r < 0)
                return r;
        char disposition[128];
        bool as_md = format && strcmp(format, "md") == 0;
        snprintf(disposition, sizeof disposition, "inline; filename=\"%.40s.%s\"", req->params[0], as_md ? "md" : "html");
        response_header_add(resp, "Content-Disposition", disposition);
        if (as_md)
                return response_text(resp, 200, "text/markdown; charset=utf-8", md, strlen(md));
        r = report_incident_html(md, req->params[0], &html);
        free(md);
        if (r < 0)
                return r;
        char csp[192], header[240];
        report_stylesheet_csp(csp);
        snprintf(header, sizeof header, "%s; frame-ancestors 'none'", csp); /* not possible in a <meta> */
        response_header_add(resp, "Content-Security-Policy", header);
        return response_text(resp, 200, "text/html; charset=utf-8", html, strlen(html));
}
