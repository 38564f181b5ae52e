/* Duplicates through the API and the CLI (issue 17 §4): an incident opened
 * a second time from one alert is marked a duplicate of the first; it
 * closes as `duplicate`, its alerts and notes end on the survivor, the
 * metrics leave it out and the evidence still lists it. Every refusal is
 * checked for its status, the field it names and an unchanged store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INTAKE_TOKEN "intake-token-for-duplicate-tests-7"

static struct server S;
static char responder[128], manager[128], auditor[128], tenant_admin[128], comms[128];
static const char *const bearer[] = {"Authorization: Bearer " INTAKE_TOKEN, NULL};

#define expect_refused(...) expect_refused_on(&S, __VA_ARGS__)

static const char config[] = "intake:\n"
                             "  token: " INTAKE_TOKEN "\n"
                             "  group_by: [alertname]\n"
                             "login:\n"
                             "  max_failures_address: 1000\n";

/* The key of the incident the alert named alertname opened. */
static void alert_opens(const char *alertname, char *key, size_t size)
{
        struct reply r;
        char body[256], path[128];
        snprintf(body, sizeof body, "[{\"labels\":{\"alertname\":\"%s\",\"service\":\"web\"}}]",
                 alertname);
        http(&S, "POST", "/api/v2/alerts", NULL, bearer, body, &r);
        if (r.status != 200)
                fail_msg("POST /api/v2/alerts: %ld %s", r.status, r.body);
        reply_free(&r);
        snprintf(path, sizeof path, "/api/v1/incidents?text=%s&limit=1", alertname);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        json_t *first = json_array_get(json_object_get(r.json, "items"), 0);
        if (!first)
                fail_msg("no incident for alert %s: %s", alertname, r.body);
        snprintf(key, size, "%s", json_string_value(json_object_get(first, "key")));
        reply_free(&r);
}

static void report(const char *title, char *key, size_t size)
{
        struct reply r;
        char body[256];
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"sev2\",\"source\":\"employee\"}", title);
        http(&S, "POST", "/api/v1/incidents", responder, NULL, body, &r);
        if (r.status != 201)
                fail_msg("report: %ld %s", r.status, r.body);
        snprintf(key, size, "%s", json_string_value(json_object_get(r.json, "key")));
        reply_free(&r);
}

static long long metric_incidents(json_int_t *dups)
{
        json_t *m = NULL;
        assert_int_equal(api_call(&S, "GET", "/api/v1/reports/metrics?from=2020-01-01T00:00:00Z",
                                  manager, NULL, &m),
                         200);
        long long n = json_integer_value(json_object_get(m, "incidents"));
        *dups = json_integer_value(json_object_get(m, "duplicates_excluded"));
        json_decref(m);
        return n;
}

static void merges_alerts_and_notes(void **state)
{
        char b[32], a[32], path[96], body[2400], where[256];
        struct reply r;
        json_int_t dups;
        (void)state;
        alert_opens("LeakedDeployKey", b, sizeof b);
        alert_opens("LeakedDeployKeyAgain", a, sizeof a);
        assert_string_not_equal(a, b);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/alerts", a);
        assert_int_equal(
                api_call(&S, "POST", path, responder, "{\"alert\":\"gh-secret-scan-881\"}", NULL),
                201);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notes", a);
        assert_int_equal(api_call(&S, "POST", path, responder,
                                  "{\"text\":\"key rotated at 10:02 — by Zoë\"}", NULL),
                         201);
        json_int_t before_dups;
        long long before = metric_incidents(&before_dups);
        assert_int_equal(before_dups, 0);

        /* The reason at its limit in two-byte characters: 500 × "é" = 1000 bytes. */
        int n = snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"", b);
        for (int i = 0; i < 500; i++)
                n += snprintf(body + n, sizeof body - (size_t)n, "\xc3\xa9");
        snprintf(body + n, sizeof body - (size_t)n, "\"}");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", a);
        http(&S, "POST", path, responder, NULL, body, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "classification")),
                            "duplicate");
        assert_string_equal(json_string_value(json_object_get(r.json, "phase")), "closed");
        assert_string_equal(json_string_value(json_object_get(r.json, "duplicate_of")), b);
        assert_false(json_is_null(json_object_get(r.json, "closed_at")));
        assert_non_null(reply_header(&r, "ETag"));
        reply_free(&r);

        /* The survivor lists it, holds both alerts and the link, and the note. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s", b);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(json_is_null(json_object_get(r.json, "duplicate_of")));
        assert_int_equal(json_array_size(json_object_get(r.json, "duplicates")), 1);
        assert_string_equal(
                json_string_value(json_array_get(json_object_get(r.json, "duplicates"), 0)), a);
        assert_string_equal(json_string_value(json_object_get(r.json, "phase")), "analysis");
        reply_free(&r);
        snprintf(where, sizeof where, "incident_id = (SELECT id FROM incidents WHERE key = '%s')",
                 b);
        assert_int_equal(db_count(&S, "alerts", where), 2);
        snprintf(where, sizeof where, "incident_id = (SELECT id FROM incidents WHERE key = '%s')",
                 a);
        assert_int_equal(db_count(&S, "alerts", where), 0);
        assert_int_equal(db_count(&S, "incident_alerts", where), 0);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/alerts", b);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "gh-secret-scan-881"));
        reply_free(&r);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/timeline", b);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *item, *copied = NULL, *merge = NULL;
        size_t i;
        json_array_foreach(json_object_get(r.json, "items"), i, item)
        {
                const char *action = json_string_value(json_object_get(item, "action"));
                if (strcmp(action, "incident.note") == 0)
                        copied = json_object_get(item, "change");
                if (strcmp(action, "incident.merge") == 0)
                        merge = json_object_get(item, "change");
        }
        assert_non_null(copied);
        assert_string_equal(json_string_value(json_object_get(copied, "text")),
                            "key rotated at 10:02 — by Zoë");
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(copied, "copied_from"), "incident")),
                            a);
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(copied, "copied_from"), "author")),
                            "user:rita");
        assert_non_null(merge);
        assert_string_equal(json_string_value(json_object_get(merge, "duplicate")), a);
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action = 'incident.duplicate'"), 1);

        /* The metrics leave it out; the evidence lists it with its survivor. */
        assert_int_equal(metric_incidents(&dups), before - 1);
        assert_int_equal(dups, 1);
        json_t *ev = NULL;
        assert_int_equal(api_call(&S, "GET", "/api/v1/reports/evidence?from=2020-01-01T00:00:00Z",
                                  auditor, NULL, &ev),
                         200);
        bool listed = false;
        json_array_foreach(json_object_get(ev, "incidents"), i, item)
        {
                if (strcmp(json_string_value(json_object_get(item, "key")), a) == 0) {
                        listed = true;
                        assert_string_equal(
                                json_string_value(json_object_get(item, "classification")),
                                "duplicate");
                        assert_string_equal(
                                json_string_value(json_object_get(item, "duplicate_of")), b);
                } else {
                        assert_true(json_is_null(json_object_get(item, "duplicate_of")));
                }
        }
        assert_true(listed);
        json_decref(ev);

        /* A listing filtered by the class finds it. */
        http(&S, "GET", "/api/v1/incidents?classification=duplicate", auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
        reply_free(&r);

        /* Closed now: marking it again, or merging into it, is refused. */
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"again\"}", b);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", a);
        expect_refused("POST", path, responder, NULL, body, 409, "the incident is closed", "phase");
        char c[32];
        report("third report of the key", c, sizeof c);
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"into the duplicate\"}", a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", c);
        expect_refused("POST", path, responder, NULL, body, 409, "itself a duplicate", "of");
}

static void refusals_name_the_field(void **state)
{
        char a[32], b[32], closed[32], declared[32], path[96], body[2400];
        (void)state;
        report("dup candidate", a, sizeof a);
        report("survivor", b, sizeof b);
        report("closed one", closed, sizeof closed);
        report("declared one", declared, sizeof declared);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", closed);
        assert_int_equal(api_call(&S, "POST", path, responder,
                                  "{\"classification\":\"false_positive\"}", NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", closed);
        assert_int_equal(api_call(&S, "POST", path, responder,
                                  "{\"phase\":\"closed\",\"reason\":\"test data\"}", NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", declared);
        assert_int_equal(api_call(&S, "POST", path, responder,
                                  "{\"classification\":\"security_incident\",\"impact\":{"
                                  "\"confidentiality\":true},"
                                  "\"data_categories\":[\"personal_data\"]}",
                                  NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", declared);
        assert_int_equal(
                api_call(&S, "POST", path, manager, "{\"criteria\":\"personal data read\"}", NULL),
                200);

        snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", a);
        /* Itself, missing or malformed fields. */
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"me\"}", a);
        expect_refused("POST", path, responder, NULL, body, 400, NULL, "of");
        snprintf(body, sizeof body, "{\"of\":\"%s\"}", b);
        expect_refused("POST", path, responder, NULL, body, 400, NULL, "reason");
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"\"}", b);
        expect_refused("POST", path, responder, NULL, body, 400, NULL, "reason");
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"two\\nlines\"}", b);
        expect_refused("POST", path, responder, NULL, body, 400, NULL, "reason");
        expect_refused("POST", path, responder, NULL, "{\"reason\":\"no survivor\"}", 400, NULL,
                       "of");
        expect_refused("POST", path, responder, NULL,
                       "{\"of\":\"INC-26-1\",\"reason\":\"bad key\"}", 400, NULL, "of");
        expect_refused("POST", path, responder, NULL,
                       "{\"of\":\"INC-2026-0001-and-then-some\",\"reason\":\"long\"}", 400, NULL,
                       "of");
        expect_refused("POST", path, responder, NULL, "{\"of\":7,\"reason\":\"a number\"}", 400,
                       NULL, "of");
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"x\",\"merge_scope\":true}", b);
        expect_refused("POST", path, responder, NULL, body, 400, NULL, "merge_scope");
        /* One byte past the limit in two-byte characters. */
        int n = snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"a", b);
        for (int i = 0; i < 500; i++)
                n += snprintf(body + n, sizeof body - (size_t)n, "\xc3\xa9");
        snprintf(body + n, sizeof body - (size_t)n, "\"}");
        expect_refused("POST", path, responder, NULL, body, 400, NULL, "reason");
        /* Unknown incidents. */
        expect_refused("POST", path, responder, NULL,
                       "{\"of\":\"INC-2026-9999\",\"reason\":\"nobody\"}", 404,
                       "no incident INC-2026-9999", "of");
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"x\"}", b);
        expect_refused("POST", "/api/v1/incidents/INC-2026-9999/duplicate", responder, NULL, body,
                       404, "no incident", NULL);
        /* States: a closed survivor, a declared duplicate, a closed duplicate. */
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"x\"}", closed);
        expect_refused("POST", path, responder, NULL, body, 409, "survivor is closed", "of");
        snprintf(body, sizeof body, "{\"of\":\"%s\",\"reason\":\"x\"}", b);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", declared);
        expect_refused("POST", path, manager, NULL, body, 409,
                       "declared security incident keeps its own", "declaration");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", closed);
        expect_refused("POST", path, responder, NULL, body, 409, "the incident is closed", "phase");
        /* Classifying never makes a duplicate. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", a);
        expect_refused("POST", path, responder, NULL, "{\"classification\":\"duplicate\"}", 400,
                       NULL, "classification");
        /* A stale If-Match. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", a);
        const char *const stale[] = {"If-Match: \"INC-2026-0001-v999\"", NULL};
        expect_refused("POST", path, responder, stale, body, 412, NULL, NULL);

        /* Roles: who cannot close an incident cannot mark a duplicate. */
        expect_refused("POST", path, auditor, NULL, body, 403, NULL, NULL);
        expect_refused("POST", path, tenant_admin, NULL, body, 403, NULL, NULL);
        expect_refused("POST", path, comms, NULL, body, 403, NULL, NULL);
        /* An incident manager may. */
        assert_int_equal(api_call(&S, "POST", path, manager, body, NULL), 200);
}

static void cli_marks_a_duplicate(void **state)
{
        char a[32], b[32], *out = NULL;
        struct client_env env;
        (void)state;
        report("cli duplicate", a, sizeof a);
        report("cli survivor", b, sizeof b);
        const char *const *as_resp = client_env(&env, &S, responder);
        const char *help[] = {"incident", "--help", NULL};
        assert_int_equal(vigil_run(NULL, &out, as_resp, help), 0);
        assert_non_null(strstr(out, "vigil incident duplicate KEY --of SURVIVOR --reason TEXT"));
        free(out);
        const char *self[] = {"incident", "duplicate", a, "--of", a, "--reason", "me", NULL};
        char *before = db_fingerprint(&S);
        assert_int_equal(vigil_run(NULL, &out, as_resp, self), 1);
        assert_non_null(strstr(out, "itself"));
        free(out);
        char *after = db_fingerprint(&S);
        assert_string_equal(after, before);
        free(after);
        free(before);
        const char *usage[] = {"incident", "duplicate", a, "--of", NULL};
        assert_int_equal(vigil_run(NULL, &out, as_resp, usage), 2);
        free(out);
        const char *mark[] = {
                "incident", "duplicate", a, "--of", b, "--reason", "reported twice by the SOC",
                NULL};
        assert_int_equal(vigil_run(NULL, &out, as_resp, mark), 0);
        char expect[96];
        snprintf(expect, sizeof expect, "%s closed as a duplicate of %s", a, b);
        assert_non_null(strstr(out, expect));
        free(out);
        const char *show[] = {"-o", "json", "incident", "show", a, NULL};
        assert_int_equal(vigil_run(NULL, &out, as_resp, show), 0);
        json_t *j = json_loads(out, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(j, "classification")), "duplicate");
        assert_string_equal(json_string_value(json_object_get(j, "duplicate_of")), b);
        json_decref(j);
        free(out);

        /* The auditor's pack lists it with its survivor in incidents.csv. */
        struct client_env aenv;
        char dir[64] = "/tmp/vigil-dup-pack-XXXXXX", pack[96], csv_path[128], needle[64];
        assert_non_null(mkdtemp(dir));
        snprintf(pack, sizeof pack, "%s/pack", dir);
        const char *evidence[] = {
                "evidence", "--from", "2020-01-01T00:00:00Z", "--to", "2099-01-01T00:00:00Z", "-o",
                pack,       NULL};
        assert_int_equal(vigil_run(NULL, &out, client_env(&aenv, &S, auditor), evidence), 0);
        free(out);
        snprintf(csv_path, sizeof csv_path, "%s/incidents.csv", pack);
        char *csv = read_text_file(csv_path);
        assert_non_null(csv);
        assert_non_null(strstr(csv, ",\"closed\",\"duplicate_of\"\r\n"));
        snprintf(needle, sizeof needle, ",\"%s\"\r\n", b);
        assert_non_null(strstr(csv, needle));
        free(csv);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, config);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "ivan", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "tess-acme", "tenant_admin", "acme", tenant_admin,
                          sizeof tenant_admin);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        return server_finish(&S);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(merges_alerts_and_notes),
                cmocka_unit_test(refusals_name_the_field),
                cmocka_unit_test(cli_marks_a_duplicate),
        };
        return cmocka_run_group_tests_name("duplicates", tests, setup, teardown);
}
