/* Preparation (NIST IR-2, IR-8): training records and who is overdue; the
 * incident response plan generated from the live configuration, a new
 * version only when it changes, every version kept; both in the evidence
 * pack (training.csv, plan.md). */
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

static struct server S;
static char responder[128], manager[128], auditor[128], dir[64];
static const char *const JSON[] = { "Content-Type: application/json", NULL };

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static void days_ago(int days, char out[32])
{
        time_t t = time(NULL) - (time_t)days * 86400;
        struct tm tm;
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static json_t *status_of(json_t *status, const char *user)
{
        json_t *v;
        size_t i;
        json_array_foreach(json_object_get(status, "items"), i, v)
        {
                if (strcmp(json_string_value(json_object_get(v, "user")), user) == 0)
                        return v;
        }
        return NULL;
}

static void training_and_who_is_overdue(void **state)
{
        (void)state;
        char body[256], when[32];
        json_t *a;
        char *before = db_fingerprint(&S);
        days_ago(-2, when);
        snprintf(body, sizeof body, "{\"user\":\"rita\",\"course\":\"IR basics\",\"completed_at\":\"%s\"}", when);
        expect_refused_on(&S, "POST", "/api/v1/training", manager, JSON, body, 400, NULL, "completed_at");
        expect_refused_on(&S, "POST", "/api/v1/training", manager, JSON,
                          "{\"user\":\"nobody\",\"course\":\"IR basics\",\"completed_at\":\"2026-01-01T00:00:00Z\"}", 400,
                          NULL, "user");
        expect_refused_on(&S, "POST", "/api/v1/training", manager, JSON,
                          "{\"user\":\"tina\",\"course\":\"IR basics\",\"completed_at\":\"2026-01-01T00:00:00Z\"}", 400,
                          NULL, "user");
        expect_refused_on(&S, "POST", "/api/v1/training", responder, JSON,
                          "{\"user\":\"rita\",\"course\":\"IR basics\",\"completed_at\":\"2026-01-01T00:00:00Z\"}", 403,
                          NULL, NULL);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(after);
        /* rita trained 400 days ago (overdue), ina 30 days ago, ivan never. */
        days_ago(400, when);
        snprintf(body, sizeof body, "{\"user\":\"rita\",\"course\":\"IR basics\",\"completed_at\":\"%s\"}", when);
        assert_int_equal(call("POST", "/api/v1/training", manager, body, NULL), 201);
        /* The fingerprint sees an accepted request: the record and its audit. */
        after = db_fingerprint(&S);
        assert_string_not_equal(before, after);
        assert_non_null(strstr(after, "training_records|IR basics;"));
        free(before);
        free(after);
        days_ago(30, when);
        snprintf(body, sizeof body,
                 "{\"user\":\"ina\",\"course\":\"Incident reporting 2026\",\"completed_at\":\"%s\",\"evidence\":\"LMS-4411\"}",
                 when);
        assert_int_equal(call("POST", "/api/v1/training", manager, body, NULL), 201);
        assert_int_equal(call("GET", "/api/v1/training/status", auditor, NULL, &a), 200);
        assert_int_equal(json_integer_value(json_object_get(a, "interval_days")), 365);
        assert_true(json_is_true(json_object_get(status_of(a, "rita"), "overdue")));
        assert_false(json_is_true(json_object_get(status_of(a, "ina"), "overdue")));
        assert_true(json_is_true(json_object_get(status_of(a, "ivan"), "overdue")));
        assert_true(json_is_null(json_object_get(status_of(a, "ivan"), "last")));
        assert_null(status_of(a, "tina")); /* a customer's administrator is not staff */
        /* admin, audrey, ivan, rita: 4 overdue of 5 staff */
        assert_int_equal(json_integer_value(json_object_get(a, "overdue")), 4);
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/training?user=ina", auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(a, "items"), 0), "evidence")),
                            "LMS-4411");
        json_decref(a);
}

static void plan_versions_follow_the_configuration(void **state)
{
        (void)state;
        json_t *a;
        expect_refused_on(&S, "GET", "/api/v1/plan", auditor, NULL, NULL, 404, "no plan yet", NULL);
        assert_int_equal(call("POST", "/api/v1/plan", manager, "{}", &a), 201);
        assert_int_equal(json_integer_value(json_object_get(a, "version")), 1);
        const char *md = json_string_value(json_object_get(a, "markdown"));
        assert_non_null(strstr(md, "- **incident_manager** ("));
        assert_non_null(strstr(md, "ina"));
        assert_non_null(strstr(md, "- **storage**"));
        assert_non_null(strstr(md, "| EU-GDPR-33 |"));
        assert_non_null(strstr(json_string_value(json_object_get(a, "html")), "<h1>Incident response plan</h1>"));
        char digest[160];
        snprintf(digest, sizeof digest, "%s", json_string_value(json_object_get(a, "digest")));
        json_decref(a);
        /* Nothing changed: the same version. */
        assert_int_equal(call("POST", "/api/v1/plan", manager, "{}", &a), 200);
        assert_int_equal(json_integer_value(json_object_get(a, "version")), 1);
        assert_true(json_is_false(json_object_get(a, "changed")));
        json_decref(a);
        /* A new service: a new version; the old one is kept as it was. */
        assert_int_equal(call("PUT", "/api/v1/services/billing", manager, "{\"description\":\"invoices\"}", NULL), 201);
        assert_int_equal(call("POST", "/api/v1/plan", manager, "{}", &a), 201);
        assert_int_equal(json_integer_value(json_object_get(a, "version")), 2);
        assert_non_null(strstr(json_string_value(json_object_get(a, "markdown")), "- **billing**"));
        assert_string_not_equal(json_string_value(json_object_get(a, "digest")), digest);
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/plan/versions/1", auditor, NULL, &a), 200);
        assert_null(strstr(json_string_value(json_object_get(a, "markdown")), "billing"));
        assert_string_equal(json_string_value(json_object_get(a, "digest")), digest);
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/plan/versions", auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 2);
        json_decref(a);
        expect_refused_on(&S, "GET", "/api/v1/plan/versions/9", auditor, NULL, NULL, 404, NULL, NULL);
        expect_refused_on(&S, "POST", "/api/v1/plan", responder, JSON, "{}", 403, NULL, NULL);
        assert_int_equal(db_count(&S, "audit_log", "action = 'plan.version'"), 2);
}


static void in_the_evidence_pack(void **state)
{
        (void)state;
        char out[128], path[200], from[32], to[32];
        days_ago(10, from);
        days_ago(-1, to);
        snprintf(out, sizeof out, "%s/pack", dir);
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, auditor);
        char *text = NULL;
        assert_int_equal(vigil_run(NULL, &text, env,
                                   (const char *const[]){ "evidence", "--from", from, "--to", to, "-o", out, NULL }),
                         0);
        free(text);
        snprintf(path, sizeof path, "%s/plan.md", out);
        char *plan = read_text_file(path);
        assert_non_null(plan);
        assert_non_null(strstr(plan, "- **billing**")); /* version 2 is in force at the end */
        free(plan);
        snprintf(path, sizeof path, "%s/training.csv", out);
        char *csv = read_text_file(path);
        assert_non_null(strstr(csv, "\"ina\",\"incident_manager\",\"Incident reporting 2026\","));
        assert_non_null(strstr(csv, "\"ivan\",\"incident_manager\",\"\",\"\",\"\",\"true\",\"\""));
        free(csv);
        snprintf(path, sizeof path, "%s/index.html", out);
        char *html = read_text_file(path);
        assert_non_null(strstr(html, ">IR-2<"));
        assert_non_null(strstr(html, "<td id=\"plan\">version 2</td>"));
        free(html);
}

static int setup(void **state)
{
        (void)state;
        char ignore[128];
        snprintf(dir, sizeof dir, "/tmp/vigil-prep-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        server_start(&S, "login:\n  max_failures_address: 1000\n");
        server_bootstrap(&S);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "ivan", "incident_manager", NULL, ignore, sizeof ignore);
        server_user_token(&S, "audrey", "auditor", NULL, auditor, sizeof auditor);
        server_user_token(&S, "tina", "tenant_admin", "acme", ignore, sizeof ignore);
        return call("PUT", "/api/v1/services/storage", manager, "{\"description\":\"object storage\"}", NULL) == 201 ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        int st = server_finish(&S);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? st : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(training_and_who_is_overdue),
                cmocka_unit_test(plan_versions_follow_the_configuration),
                cmocka_unit_test(in_the_evidence_pack),
        };
        return cmocka_run_group_tests_name("preparation", tests, setup, teardown);
}
