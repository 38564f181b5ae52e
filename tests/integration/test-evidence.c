/* Evidence packs against a seeded data set: the figures the pack reports
 * (response times, obligations on time and late, post-mortems) are
 * computed here independently from the raw records the API returns and
 * compared; the CSV files hold one row per record; the audit chain's head
 * in the pack is the server's; the .tar.gz holds the same files; the
 * framework filter keeps only that framework's controls. */
#define _GNU_SOURCE
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define N_INC 7

static struct server S;
static char responder[128], manager[128], auditor[128];
static char keys[N_INC][32];
static char dir[64];
static long long sent_on_time_id, sent_late_id;

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static void ago(long seconds, char out[32])
{
        time_t t = time(NULL) - seconds;
        struct tm tm;
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static long long parse_time(const char *s)
{
        struct tm tm = { 0 };
        if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
                return -1;
        return (long long)timegm(&tm);
}

static int cmp_ll(const void *a, const void *b)
{
        long long x = *(const long long *)a, y = *(const long long *)b;
        return (x > y) - (x < y);
}


static size_t lines(const char *text)
{
        size_t n = 0;
        for (; text && *text; text++)
                n += *text == '\n';
        return n;
}

static void pack_matches_the_records(void **state)
{
        (void)state;
        char from[32], to[32], out[128];
        ago(86400, from);
        ago(-3600, to);
        snprintf(out, sizeof out, "%s/pack", dir);
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, auditor);
        char *text = NULL;
        assert_int_equal(vigil_run(NULL, &text, env,
                                   (const char *const[]){ "evidence", "--from", from, "--to", to, "-o", out, NULL }),
                         0);
        assert_non_null(strstr(text, "audit chain intact"));
        free(text);

        /* Independently: detect = reported - detected, declare = declared -
         * detected, from each incident as the API shows it. */
        long long detect[N_INC], declare[N_INC];
        size_t nd = 0, nc = 0;
        for (size_t i = 0; i < N_INC; i++) {
                char path[96];
                json_t *a;
                snprintf(path, sizeof path, "/api/v1/incidents/%.31s", keys[i]);
                assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
                long long det = parse_time(json_string_value(json_object_get(a, "detected_at")));
                long long rep = parse_time(json_string_value(json_object_get(a, "reported_at")));
                long long dec = parse_time(json_string_value(json_object_get(a, "declared_at")));
                detect[nd++] = rep - det;
                if (dec >= 0)
                        declare[nc++] = dec - det;
                json_decref(a);
        }
        qsort(detect, nd, sizeof *detect, cmp_ll);
        long long sum = 0;
        for (size_t i = 0; i < nd; i++)
                sum += detect[i];
        char path[160];
        snprintf(path, sizeof path, "%s/metrics.json", out);
        json_t *m = json_load_file(path, 0, NULL);
        assert_non_null(m);
        assert_int_equal(json_integer_value(json_object_get(m, "incidents")), N_INC);
        json_t *d = json_object_get(json_object_get(m, "all"), "detect");
        assert_int_equal(json_integer_value(json_object_get(d, "n")), N_INC);
        /* Whole seconds either side: the server keeps microseconds. */
        long long median = detect[(nd - 1) / 2], p90 = detect[(nd * 9 + 9) / 10 - 1];
        assert_true(llabs(json_integer_value(json_object_get(d, "median_s")) - median) <= 1);
        assert_true(llabs(json_integer_value(json_object_get(d, "p90_s")) - p90) <= 1);
        assert_true(llabs(json_integer_value(json_object_get(d, "max_s")) - detect[nd - 1]) <= 1);
        assert_true(llabs(json_integer_value(json_object_get(d, "mean_s")) - sum / (long long)nd) <= 1);
        json_t *dc = json_object_get(json_object_get(m, "all"), "declare");
        assert_int_equal(json_integer_value(json_object_get(dc, "n")), (json_int_t)nc);
        qsort(declare, nc, sizeof *declare, cmp_ll);
        assert_true(llabs(json_integer_value(json_object_get(dc, "median_s")) - declare[(nc - 1) / 2]) <= 1);
        /* By severity: 2 sev1, 5 sev2. By service: web 5, db 2. */
        assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(m, "by_severity"), "sev1"),
                                                            "incidents")),
                         2);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(m, "by_service"), "web"),
                                                            "incidents")),
                         5);
        /* The contract obligations: one met on time, one late, the rest open. */
        json_t *c = json_object_get(json_object_get(json_object_get(m, "obligations"), "by_rule"), "CONTRACT");
        assert_int_equal(json_integer_value(json_object_get(c, "on_time")), 1);
        assert_int_equal(json_integer_value(json_object_get(c, "late")), 1);
        json_decref(m);

        /* The ledger: a row per obligation, with on_time as computed. */
        snprintf(path, sizeof path, "%s/obligations.csv", out);
        char *csv = read_text_file(path);
        assert_non_null(csv);
        char needle[96];
        snprintf(needle, sizeof needle, ",\"%lld\",\"acme\",\"CONTRACT\",", sent_on_time_id);
        char *row = strstr(csv, needle);
        assert_non_null(row);
        assert_non_null(strstr(row, ",\"sent\","));
        assert_true(strstr(row, ",\"true\"\r\n") == strchr(row, '\r') - 7);
        snprintf(needle, sizeof needle, ",\"%lld\",\"initech\",\"CONTRACT\",", sent_late_id);
        row = strstr(csv, needle);
        assert_non_null(row);
        assert_true(strstr(row, ",\"false\"\r\n") == strchr(row, '\r') - 8);
        free(csv);
        snprintf(path, sizeof path, "%s/incidents.csv", out);
        csv = read_text_file(path);
        assert_int_equal(lines(csv), N_INC + 1);
        assert_non_null(strstr(csv, "\"Quotes \"\"and\"\", commas\""));
        /* A formula is shown as text; the JSON keeps what was written. */
        assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","));
        assert_null(strstr(csv, ",\"=HYPERLINK"));
        assert_non_null(strstr(csv, ",\"-5\","));
        free(csv);
        snprintf(path, sizeof path, "%s/evidence.json", out);
        json_t *ej = json_load_file(path, 0, NULL);
        assert_non_null(ej);
        size_t k;
        json_t *ei;
        bool raw = false;
        json_array_foreach(json_object_get(ej, "incidents"), k, ei) raw |= strcmp(json_string_value(json_object_get(ei, "title")),
                                                                                   "=HYPERLINK(\"http://evil.example\",\"x\")") == 0;
        assert_true(raw);
        json_decref(ej);

        /* The audit head in the pack is the server's record of that number:
         * the server's own jobs may have appended records since. */
        json_t *v;
        assert_int_equal(call("GET", "/api/v1/audit/verify", auditor, NULL, &v), 200);
        snprintf(path, sizeof path, "%s/audit.json", out);
        json_t *a = json_load_file(path, 0, NULL);
        assert_non_null(a);
        assert_true(json_is_true(json_object_get(a, "verified")));
        json_int_t records = json_integer_value(json_object_get(a, "records"));
        const char *head = json_string_value(json_object_get(a, "head_hash"));
        assert_true(records > 0 && records <= json_integer_value(json_object_get(v, "records")));
        assert_non_null(head);
        assert_int_equal(strspn(head, "0123456789abcdef"), strlen(head));
        char where[200];
        snprintf(where, sizeof where,
                 db_sql(&S, "seq = %lld AND lower(hex(hash)) = '%s'", "seq = %lld AND encode(hash, 'hex') = '%s'"),
                 (long long)records, head);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        json_decref(a);
        json_decref(v);

        /* index.html names every framework's controls and the head digest. */
        snprintf(path, sizeof path, "%s/index.html", out);
        char *html = read_text_file(path);
        assert_non_null(strstr(html, ">IR-6<"));
        assert_non_null(strstr(html, ">A.10.1<"));
        assert_non_null(strstr(html, ">CC7.4<"));
        assert_non_null(strstr(html, "href=\"obligations.csv\""));
        free(html);
}

static void framework_filter_and_tarball(void **state)
{
        (void)state;
        char from[32], to[32], out[128], cmd[512];
        ago(86400, from);
        ago(-3600, to);
        snprintf(out, sizeof out, "%s/iso.tar.gz", dir);
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, auditor);
        char *text = NULL;
        assert_int_equal(vigil_run(NULL, &text, env,
                                   (const char *const[]){ "evidence", "--from", from, "--to", to, "--framework", "iso27018",
                                                          "-o", out, NULL }),
                         0);
        free(text);
        snprintf(cmd, sizeof cmd, "mkdir -p %s/x && tar -xzf %s -C %s/x", dir, out, dir);
        assert_int_equal(system(cmd), 0);
        char path[256];
        snprintf(path, sizeof path, "%s/x/evidence-%.10s-%.10s/index.html", dir, from, to);
        char *html = read_text_file(path);
        assert_non_null(html);
        assert_non_null(strstr(html, ">A.10.1<"));
        assert_null(strstr(html, ">IR-6<"));
        free(html);
        snprintf(path, sizeof path, "%s/x/evidence-%.10s-%.10s/controls.csv", dir, from, to);
        char *csv = read_text_file(path);
        assert_int_equal(lines(csv), 2); /* header + A.10.1 */
        free(csv);
        /* Bad arguments: a usage error, nothing written. */
        assert_int_equal(vigil_run(NULL, &text, env,
                                   (const char *const[]){ "evidence", "--from", "yesterday", "--to", to, "-o", out, NULL }),
                         2);
        free(text);
        assert_int_equal(vigil_run(NULL, &text, env,
                                   (const char *const[]){ "evidence", "--from", from, "--to", to, "--framework", "pci",
                                                          "-o", out, NULL }),
                         2);
        free(text);
        /* The same figures for Prometheus, and the JSON with coverage. */
        struct reply r;
        http(&S, "GET", "/metrics", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "vigil_obligations{rule=\"CONTRACT\",state=\"late\"} 1\n"));
        assert_non_null(strstr(r.body, "vigil_obligations{rule=\"CONTRACT\",state=\"on_time\"} 1\n"));
        assert_non_null(strstr(r.body, "vigil_incidents_opened{severity=\"sev1\"} 2\n"));
        assert_non_null(strstr(r.body, "vigil_incidents_opened{severity=\"sev2\"} 5\n"));
        assert_non_null(strstr(r.body, "vigil_response_seconds{measure=\"detect\",severity=\"sev1\",quantile=\"0.5\"} "));
        assert_non_null(strstr(r.body, "vigil_postmortems_pending 2\n")); /* two declared with confirmed tenants */
        reply_free(&r);
        json_t *m;
        assert_int_equal(call("GET", "/api/v1/reports/metrics", auditor, NULL, &m), 200);
        assert_true(json_is_object(json_object_get(m, "coverage")));
        assert_int_equal(json_integer_value(json_object_get(m, "incidents")), N_INC);
        json_decref(m);
        /* Only auditors and the managers read evidence. */
        expect_refused_on(&S, "GET", "/api/v1/reports/evidence", responder, NULL, NULL, 403, NULL, NULL);
        expect_refused_on(&S, "GET", "/api/v1/reports/metrics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", auditor,
                          NULL, NULL, 400, NULL, "from");
}

static void incident(size_t i, const char *title, const char *sev, const char *service, long detected_ago)
{
        char body[512], det[32];
        json_t *a;
        ago(detected_ago, det);
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"%s\",\"source\":\"monitoring\",\"services\":[\"%s\"],"
                 "\"detected_at\":\"%s\"}",
                 title, sev, service, det);
        assert_int_equal(call("POST", "/api/v1/incidents", responder, body, &a), 201);
        snprintf(keys[i], sizeof keys[i], "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
}

static long long declare(size_t i, const char *tenant, long declared_ago)
{
        char path[128], body[256], at[32];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", keys[i]);
        assert_int_equal(call("POST", path, responder,
                              "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                              "\"data_categories\":[\"customer_data\"]}",
                              NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", keys[i]);
        snprintf(body, sizeof body, "{\"tenants\":[{\"id\":\"%s\",\"status\":\"confirmed\"}]}", tenant);
        assert_int_equal(call("PUT", path, responder, body, NULL), 200);
        ago(declared_ago, at);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", keys[i]);
        snprintf(body, sizeof body, "{\"criteria\":\"confirmed\",\"declared_at\":\"%s\"}", at);
        assert_int_equal(call("POST", path, manager, body, NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?tenant=%s", keys[i], tenant);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *o;
        size_t k;
        long long id = 0;
        json_array_foreach(json_object_get(a, "items"), k, o)
        {
                if (strcmp(json_string_value(json_object_get(o, "rule")), "CONTRACT") == 0)
                        id = (long long)json_integer_value(json_object_get(o, "id"));
        }
        json_decref(a);
        assert_true(id > 0);
        return id;
}

static int setup(void **state)
{
        (void)state;
        snprintf(dir, sizeof dir, "/tmp/vigil-evidence-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        server_start(&S, "login:\n  max_failures_address: 1000\n");
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "audrey", "auditor", NULL, auditor, sizeof auditor);
        return 0;
}

/* Titles as a spreadsheet would take them: quotes and commas, formulas
 * (CSV injection) and a plain negative number, which is no formula. */
static const char *const titles[5] = { "web event", "web event", "Quotes \\\"and\\\", commas",
                                       "=HYPERLINK(\\\"http://evil.example\\\",\\\"x\\\")", "-5" };

static void seed(void **state)
{
        (void)state;
        char comms[128];
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        assert_int_equal(api_call(&S, "PUT", "/api/v1/tenants/acme", comms, "{\"name\":\"Acme\",\"contacts\":[{\"email\":\"sec@acme.example\"}]}", NULL), 201);
        /* initech's contract gives it one hour. */
        assert_int_equal(api_call(&S, "PUT", "/api/v1/tenants/initech", comms,
                                  "{\"name\":\"Initech\",\"contacts\":[{\"email\":\"it@initech.example\"}],"
                                  "\"notification_hours\":1}", NULL),
                         201);
        const long detected[N_INC] = { 600, 1800, 3600, 7200, 10800, 14400, 36000 };
        for (size_t i = 0; i < 5; i++)
                incident(i, titles[i], "sev2", "web", detected[i]);
        incident(5, "db event", "sev1", "db", detected[5]);
        incident(6, "db event 2", "sev1", "db", detected[6]);
        /* acme: declared now, told at once (on time). initech: declared 5 h
         * ago with a 1 h contract, told now (late). */
        sent_on_time_id = declare(5, "acme", 0);
        sent_late_id = declare(6, "initech", 5 * 3600);
        char path[128];
        /* A post-mortem begun with no factors yet: the pack reads it too. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/postmortem", keys[5]);
        assert_int_equal(call("PUT", path, responder, "{\"summary\":\"draft\"}", NULL), 201);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/sent", keys[5], sent_on_time_id);
        assert_int_equal(call("POST", path, comms, "{}", NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/sent", keys[6], sent_late_id);
        assert_int_equal(call("POST", path, comms, "{}", NULL), 200);
}

static int teardown(void **state)
{
        (void)state;
        int st = server_finish(&S);
        char cmd[128];
        snprintf(cmd, sizeof cmd, getenv("KEEP") ? "true %s" : "rm -rf %s", dir);
        return system(cmd) == 0 ? st : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(seed),
                cmocka_unit_test(pack_matches_the_records),
                cmocka_unit_test(framework_filter_and_tarball),
        };
        return cmocka_run_group_tests_name("evidence", tests, setup, teardown);
}
