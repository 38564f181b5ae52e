#include "http/metrics.h"
#include "http/org.h"
#include "http/resources.h"
#include "intake/intake.h"

#include "core/buf.h"
#include "core/error.h"
#include "intake/syslog_server.h"
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int api_health_live(struct request *req, struct response *resp)
{
        (void)req;
        return response_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

int api_health_ready(struct request *req, struct response *resp)
{
        int version = 0;
        int r = store_ping(req->store);
        if (r >= 0)
                r = store_schema_version(req->store, &version);
        if (r < 0) {
                request_detail(req, "the store is not reachable: %s", vg_strerror(r));
                return r == -VG_EBUSY ? r : -VG_EBUSY;
        }
        return response_json(resp, 200,
                             json_pack("{s:s, s:i, s:s, s:s}", "status", "ready", "schema_version", version,
                                       "node", req->cfg->node, "backend", store_backend(req->store)));
}

/* A Prometheus label value: backslash, double quote and newline escaped
 * (the text format's rule), so no name can end its label or its line. */
static void label_value(struct buf *b, const char *s)
{
        for (; s && *s && b->err >= 0; s++) {
                if (*s == '\\' || *s == '"')
                        buf_put(b, "\\%c", *s);
                else if (*s == '\n')
                        buf_put(b, "\\n");
                else
                        buf_put_n(b, s, 1);
        }
}

static void syslog_metrics(struct request *req, struct buf *b)
{
        uint64_t counts[SYSLOG_OUTCOMES];
        if (!req->syslog)
                return;
        syslog_server_counts(req->syslog, counts);
        buf_put(b, "# HELP vigil_syslog_udp_receive_buffer_bytes The UDP receive buffer the kernel granted (as it "
                   "reports it: twice what datagrams may fill).\n"
                   "# TYPE vigil_syslog_udp_receive_buffer_bytes gauge\n"
                   "vigil_syslog_udp_receive_buffer_bytes %d\n"
                   "# HELP vigil_syslog_messages_total Syslog messages, by outcome (kernel_dropped: UDP datagrams the "
                   "kernel dropped, its receive buffer full).\n"
                   "# TYPE vigil_syslog_messages_total counter\n",
                syslog_server_udp_buffer(req->syslog));
        for (int i = 0; i < SYSLOG_OUTCOMES; i++)
                buf_put(b, "vigil_syslog_messages_total{outcome=\"%s\"} %llu\n",
                        syslog_outcome_name((enum syslog_outcome)i), (unsigned long long)counts[i]);
}

/* The on-call coverage of the next 90 days: seconds without anyone per
 * schedule, and whether each service is reached around the clock. A store
 * that cannot be read leaves these out; the rest of the metrics count. */
static void oncall_metrics(struct request *req, struct buf *b)
{
        struct store_tx *tx;
        json_t *cov = NULL, *v;
        bool ok;
        size_t i;
        if (store_begin_read(req->store, &tx) < 0)
                return;
        int r = oncall_coverage_json(tx, req->now, req->now + 90 * 86400 * VG_USEC_PER_SEC, &cov, &ok);
        store_rollback(tx);
        if (r < 0)
                return;
        buf_put(b, "# HELP vigil_oncall_gap_seconds Seconds in the next 90 days with nobody on call.\n"
                   "# TYPE vigil_oncall_gap_seconds gauge\n");
        json_array_foreach(json_object_get(cov, "schedules"), i, v)
        {
                buf_put(b, "vigil_oncall_gap_seconds{schedule=\"");
                label_value(b, json_string_value(json_object_get(v, "name")));
                buf_put(b, "\"} %lld\n", (long long)json_integer_value(json_object_get(v, "gap_seconds")));
        }
        buf_put(b, "# HELP vigil_oncall_service_covered 1 when level 1 of the service's policy reaches "
                   "someone at every moment of the next 90 days.\n"
                   "# TYPE vigil_oncall_service_covered gauge\n");
        json_array_foreach(json_object_get(cov, "services"), i, v)
        {
                buf_put(b, "vigil_oncall_service_covered{service=\"");
                label_value(b, json_string_value(json_object_get(v, "name")));
                buf_put(b, "\"} %d\n", json_is_true(json_object_get(v, "covered")));
        }
        json_decref(cov);
}

/* The response figures of the last 30 days (report_metrics) and the
 * overdue counts people are measured on. */
static void response_metrics(struct request *req, struct buf *b)
{
        struct store_tx *tx;
        json_t *m = NULL, *training = NULL;
        if (store_begin_read(req->store, &tx) < 0)
                return;
        int r = report_metrics(tx, req->now - (vg_usec_t)30 * 86400 * VG_USEC_PER_SEC, req->now + 1, req->now, &m);
        if (r >= 0)
                r = report_training(tx, req->now, req->cfg->training_interval * VG_USEC_PER_SEC, &training);
        store_rollback(tx);
        if (r < 0) {
                json_decref(m);
                return;
        }
        static const char *const measures[] = { "detect", "acknowledge", "declare", "contain", "eradicate", "recover" };
        buf_put(b, "# HELP vigil_response_seconds Time to each step for incidents opened in the last 30 days "
                   "(detect and acknowledge from the report's start; the rest from first detection).\n"
                   "# TYPE vigil_response_seconds gauge\n");
        const char *sev;
        json_t *g;
        json_object_foreach(json_object_get(m, "by_severity"), sev, g)
        {
                for (size_t i = 0; i < 6; i++) {
                        json_t *x = json_object_get(g, measures[i]);
                        if (!json_integer_value(json_object_get(x, "n")))
                                continue;
                        buf_put(b,
                                "vigil_response_seconds{measure=\"%s\",severity=\"%s\",quantile=\"0.5\"} %lld\n"
                                "vigil_response_seconds{measure=\"%s\",severity=\"%s\",quantile=\"0.9\"} %lld\n",
                                measures[i], sev, (long long)json_integer_value(json_object_get(x, "median_s")),
                                measures[i], sev, (long long)json_integer_value(json_object_get(x, "p90_s")));
                }
        }
        buf_put(b, "# HELP vigil_incidents_opened Incidents opened in the last 30 days.\n"
                   "# TYPE vigil_incidents_opened gauge\n");
        json_object_foreach(json_object_get(m, "by_severity"), sev, g)
                buf_put(b, "vigil_incidents_opened{severity=\"%s\"} %lld\n", sev,
                        (long long)json_integer_value(json_object_get(g, "incidents")));
        buf_put(b, "# HELP vigil_obligations The provider's obligations of those incidents, by rule and state.\n"
                   "# TYPE vigil_obligations gauge\n");
        const char *rule, *state;
        json_t *t, *n;
        json_object_foreach(json_object_get(json_object_get(m, "obligations"), "by_rule"), rule, t)
                json_object_foreach(t, state, n)
                        if (json_is_integer(n)) /* the counts, not deadline_kind nor time_taken */
                                buf_put(b, "vigil_obligations{rule=\"%s\",state=\"%s\"} %lld\n", rule, state,
                                        (long long)json_integer_value(n));
        /* Duties "without undue delay" are scored by the time they took. */
        buf_put(b, "# HELP vigil_obligation_time_taken_seconds Anchor to sending of the provider's duties without "
                   "undue delay, by rule.\n"
                   "# TYPE vigil_obligation_time_taken_seconds gauge\n");
        json_object_foreach(json_object_get(json_object_get(m, "obligations"), "by_rule"), rule, t)
        {
                json_t *took = json_object_get(t, "time_taken");
                if (json_integer_value(json_object_get(took, "n")) > 0)
                        buf_put(b,
                                "vigil_obligation_time_taken_seconds{rule=\"%s\",quantile=\"0.5\"} %lld\n"
                                "vigil_obligation_time_taken_seconds{rule=\"%s\",quantile=\"0.9\"} %lld\n",
                                rule, (long long)json_integer_value(json_object_get(took, "median_s")), rule,
                                (long long)json_integer_value(json_object_get(took, "p90_s")));
        }
        json_t *imp = json_object_get(m, "improvements"), *pm = json_object_get(m, "postmortems");
        buf_put(b,
                "# HELP vigil_improvements_overdue Post-mortem improvements past due and not done.\n"
                "# TYPE vigil_improvements_overdue gauge\nvigil_improvements_overdue %lld\n"
                "# HELP vigil_postmortems_pending Incidents needing a post-mortem that has no approval yet.\n"
                "# TYPE vigil_postmortems_pending gauge\nvigil_postmortems_pending %lld\n"
                "# HELP vigil_training_overdue Staff overdue for incident-response training.\n"
                "# TYPE vigil_training_overdue gauge\nvigil_training_overdue %lld\n",
                (long long)json_integer_value(json_object_get(imp, "overdue")),
                (long long)json_integer_value(json_object_get(pm, "pending")),
                (long long)json_integer_value(json_object_get(training, "overdue")));
        json_decref(m);
        json_decref(training);
}

/* GET /metrics: the request metrics, then each section appended to one
 * bounded buffer; the first failure of any put fails the answer. */
int api_metrics_get(struct request *req, struct response *resp)
{
        size_t len = 0;
        char *text = metrics_render(req->metrics, &len);
        if (!text)
                return -ENOMEM;
        struct buf b;
        buf_init(&b, 16u << 20);
        buf_put_n(&b, text, len);
        free(text);
        buf_put(&b, "# HELP vigil_node_info This node: its name, version and storage backend.\n"
                    "# TYPE vigil_node_info gauge\n"
                    "vigil_node_info{node=\"");
        label_value(&b, req->cfg->node);
        buf_put(&b, "\",version=\"%s\",backend=\"%s\"} 1\n", VIGIL_VERSION, store_backend(req->store));
        buf_put(&b, "# HELP vigil_store_wakeups_total Signals of new work (a commit on this node; on "
                    "PostgreSQL, NOTIFY from any node) that woke this node's job worker.\n"
                    "# TYPE vigil_store_wakeups_total counter\n"
                    "vigil_store_wakeups_total %llu\n",
                (unsigned long long)store_watch_wakes(req->store));
        if (req->committer) {
                uint64_t batches, alerts;
                intake_quiet_counts(req->committer, &batches, &alerts);
                buf_put(&b,
                        "# HELP vigil_intake_quiet_requests_total Intake requests of repeats "
                        "alone, answered "
                        "before their commit (their episodes open on disk already).\n"
                        "# TYPE vigil_intake_quiet_requests_total counter\n"
                        "vigil_intake_quiet_requests_total %llu\n"
                        "# HELP vigil_intake_quiet_alerts_total The alerts of those requests.\n"
                        "# TYPE vigil_intake_quiet_alerts_total counter\n"
                        "vigil_intake_quiet_alerts_total %llu\n",
                        (unsigned long long)batches, (unsigned long long)alerts);
        }
        syslog_metrics(req, &b);
        oncall_metrics(req, &b);
        response_metrics(req, &b);
        if (b.err < 0) {
                int r = b.err;
                buf_release(&b);
                return r == -ENOBUFS ? -ENOMEM : r;
        }
        text = buf_detach(&b, &len);
        return text ? response_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len) : -ENOMEM;
}
