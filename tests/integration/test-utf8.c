/* Text that is not ASCII, at every door that cuts it. A title cut in the
 * middle of a character is not UTF-8, which jansson refuses: the alert
 * that carried it was answered 500 on every retry (losing its batch), a
 * syslog message was counted failed, and a portal report stored a title
 * that made every incident list, the incident and the evidence export
 * answer 500. Doors where people type refuse over-long text naming the
 * limit; where Vigil derives a title it cuts on a character boundary; and
 * a row already stored with bytes that are not UTF-8 is still answered. */
#include "harness.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define INTAKE_TOKEN "intake-token-for-tests-0123456789"
/* 60 bytes, so "[customer ID] " leaves 128 of the title's 200. */
#define LONG_TENANT "reseller-managed-customer-with-a-long-identifier-00000000001"

static struct server S;
static char auditor[128], responder[128], comms[128], tenant_admin[128], manager[128];
static unsigned syslog_port;
static char hookdir[64]; /* the SMS gateway's sink */
static pid_t hook_pid;
static const char *const bearer[] = {"Authorization: Bearer " INTAKE_TOKEN, NULL};

/* The first n characters of a Japanese phrase repeated (3 bytes each). */
static const char *japanese(size_t n)
{
        static char out[4 * 256];
        static const char phrase[] = "日本語の要約"; /* 6 characters */
        assert_true(n < 256);
        out[0] = '\0';
        for (size_t i = 0; i < n; i++)
                strncat(out, phrase + 3 * (i % 6), 3);
        return out;
}

static long call(const char *method, const char *path, const char *token, const char *body,
                 json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

/* Exactly one incident on the first page of GET /api/v1/incidents (as
 * the auditor) has a title starting "NAME: ", and it is NAME: summary. */
static void expect_alert_incident(const char *name, const char *summary)
{
        json_t *a, *v;
        char prefix[64], want[512];
        size_t i, found = 0;
        snprintf(prefix, sizeof prefix, "%s: ", name);
        snprintf(want, sizeof want, "%s%s", prefix, summary);
        assert_int_equal(call("GET", "/api/v1/incidents?limit=200", auditor, NULL, &a), 200);
        json_array_foreach(json_object_get(a, "items"), i, v)
        {
                const char *t = json_string_value(json_object_get(v, "title"));
                if (t && strncmp(t, prefix, strlen(prefix)) == 0) {
                        assert_string_equal(t, want);
                        found++;
                }
        }
        json_decref(a);
        assert_int_equal(found, 1);
}

/* Every read of incidents a staff user makes answers 200 with JSON (which
 * jansson parses only when it is UTF-8), and shows key titled want. */
static void every_read_answers(const char *key, const char *want)
{
        static const char *const lists[] = {
                "/api/v1/incidents",
                "/api/v1/incidents?phase=analysis",
                "/api/v1/incidents?classification=suspected",
                "/api/v1/incidents?severity=sev3",
                "/api/v1/incidents?q=customer",
                "/api/v1/incidents?tenant=" LONG_TENANT,
                "/api/v1/incidents?limit=1",
        };
        const char *who[] = {auditor, responder};
        for (size_t u = 0; u < 2; u++)
                for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
                        struct reply r;
                        http(&S, "GET", lists[i], who[u], NULL, NULL, &r);
                        if (r.status != 200 || !r.json)
                                fail_msg("GET %s: %ld %s", lists[i], r.status, r.body);
                        reply_free(&r);
                }
        char path[96];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s", key);
        assert_int_equal(call("GET", path, responder, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "title")), want);
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/reports/evidence", auditor, NULL, &a), 200);
        json_t *v, *found = NULL;
        size_t i;
        json_array_foreach(json_object_get(a, "incidents"), i, v)
        {
                if (strcmp(json_string_value(json_object_get(v, "key")), key) == 0)
                        found = v;
        }
        assert_non_null(found);
        assert_string_equal(json_string_value(json_object_get(found, "title")), want);
        json_decref(a);
}

static void api_and_cli_refuse_an_overlong_title_naming_the_limit(void **state)
{
        (void)state;
        char body[1024];
        /* 67 characters are 201 bytes: one past the limit, refused (not
         * cut) with the limit named, and nothing stored. */
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"sev3\",\"source\":\"employee\"}", japanese(67));
        const char *const json[] = {"Content-Type: application/json", NULL};
        expect_refused_on(&S, "POST", "/api/v1/incidents", responder, json, body, 400, NULL,
                          "title");
        struct reply r;
        http(&S, "POST", "/api/v1/incidents", responder, json, body, &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "at most 200 bytes"));
        reply_free(&r);
        /* The CLI is a client of that door: the same refusal, said. */
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, responder);
        char *out = NULL;
        const char *create[] = {"-o",       "json",       "incident",   "create",
                                "--title",  japanese(67), "--severity", "sev3",
                                "--source", "employee",   NULL};
        assert_int_not_equal(vigil_run(NULL, &out, env, create), 0);
        assert_non_null(strstr(out, "at most 200 bytes"));
        free(out);
        /* 66 characters (198 bytes) fit and are kept whole. */
        create[5] = japanese(66);
        assert_int_equal(vigil_run(NULL, &out, env, create), 0);
        json_t *j = json_loads(out, 0, NULL);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "title")), japanese(66));
        json_decref(j);
        free(out);
}

static void alertmanager_japanese_summary_is_kept_with_its_batch(void **state)
{
        (void)state;
        char body[2048];
        /* "DiskFull: " and 71 characters are 223 bytes: the title keeps
         * the 63 characters that fit in 200 bytes, and the other alert of
         * the batch is kept too. */
        snprintf(body, sizeof body,
                 "[{\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"storage\",\"instance\":"
                 "\"jp-1\"},"
                 "\"annotations\":{\"summary\":\"%s\"}},"
                 "{\"labels\":{\"alertname\":\"CpuHigh\",\"service\":\"compute\",\"instance\":\"jp-"
                 "2\"},"
                 "\"annotations\":{\"summary\":\"load 40\"}}]",
                 japanese(71));
        struct reply r;
        http(&S, "POST", "/api/v2/alerts", NULL, bearer, body, &r);
        if (r.status != 200)
                fail_msg("POST /api/v2/alerts: %ld %s", r.status, r.body);
        reply_free(&r);
        assert_int_equal(
                db_count(&S, "alerts", "json_extract(labels, '$.instance') IN ('jp-1', 'jp-2')"),
                2);
        expect_alert_incident("DiskFull", japanese(63));
        expect_alert_incident("CpuHigh", "load 40");
        /* The summary itself is stored whole. */
        char where[512];
        snprintf(where, sizeof where, "summary = '%s'", japanese(71));
        assert_int_equal(db_count(&S, "alerts", where), 1);
}

static void alert_label_values_are_cut_on_a_character(void **state)
{
        (void)state;
        char body[1024], where[512];
        /* The alert row keeps service in 64 bytes and severity in 31: 22
         * and 11 characters do not fit, 21 and 10 are kept. */
        int n = snprintf(body, sizeof body,
                         "[{\"labels\":{\"alertname\":\"LongLabels\",\"service\":\"%s\",",
                         japanese(22));
        snprintf(body + n, sizeof body - (size_t)n, "\"severity\":\"%s\"}}]", japanese(11));
        struct reply r;
        http(&S, "POST", "/api/v2/alerts", NULL, bearer, body, &r);
        if (r.status != 200)
                fail_msg("POST /api/v2/alerts: %ld %s", r.status, r.body);
        reply_free(&r);
        n = snprintf(where, sizeof where, "service = '%s' AND ", japanese(21));
        snprintf(where + n, sizeof where - (size_t)n, "severity = '%s'", japanese(10));
        assert_int_equal(db_count(&S, "alerts", where), 1);
}

/* The syslog counter of outcome on /metrics. */
static long counted(const char *outcome)
{
        char series[96];
        snprintf(series, sizeof series, "vigil_syslog_messages_total{outcome=\"%s\"}", outcome);
        return metric_value(&S, series);
}

static void syslog_japanese_message_is_accepted(void **state)
{
        (void)state;
        char cmd[1024];
        /* "idsd: " and 71 characters: the title keeps the 64 (198 bytes)
         * that fit in 200. */
        snprintf(cmd, sizeof cmd,
                 "logger -n 127.0.0.1 -P %u --rfc5424 -d -p auth.crit -t idsd '%s'", syslog_port,
                 japanese(71));
        if (system(cmd) != 0)
                fail_msg("failed: %s", cmd);
        for (int i = 0; i < 200 && counted("accepted") < 1 && counted("failed") < 1; i++)
                usleep(50 * 1000);
        assert_int_equal(counted("failed"), 0);
        assert_int_equal(counted("accepted"), 1);
        expect_alert_incident("idsd", japanese(64));
}

static void portal_report_title_is_cut_on_a_character(void **state)
{
        (void)state;
        char body[1024];
        /* 50 characters are the portal's limit of 150 bytes; after the
         * prefix 128 bytes remain: 42 characters. */
        snprintf(body, sizeof body, "{\"title\":\"%s\"}", japanese(50));
        json_t *a;
        assert_int_equal(call("POST", "/api/v1/portal/reports", tenant_admin, body, &a), 201);
        char key[32];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        char want[256];
        snprintf(want, sizeof want, "[customer %s] %s", LONG_TENANT, japanese(42));
        every_read_answers(key, want);
}

/* Write bytes directly into the database, as an older Vigil (or anything
 * else) may have left them: sql updates one row, ?1 the bytes, ?2 key. */
static void write_raw(const char *sql, const char *bytes, const char *key)
{
        sqlite3 *db;
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_open(S.db, &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_blob(st, 1, bytes, (int)strlen(bytes), SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        assert_int_equal(sqlite3_changes(db), 1);
        sqlite3_finalize(st);
        sqlite3_close(db);
}

#define SET_INCIDENT(column) "UPDATE incidents SET " column " = CAST(?1 AS TEXT) WHERE key = ?2"

static void stored_bytes_that_are_not_utf8_are_still_answered(void **state)
{
        (void)state;
        json_t *a;
        assert_int_equal(call("POST", "/api/v1/portal/reports", tenant_admin,
                              "{\"title\":\"ordinary\"}", &a),
                         201);
        if (server_on_postgres(&S)) {
                /* A UTF8 database refuses such bytes at every write (and the
                 * driver binds bad text in its '?' form): none can be
                 * stored, so there is nothing to read back. What is left
                 * to check is that such a write is refused whole. */
                json_decref(a);
                char *before = db_fingerprint(&S);
                char *msg = db_edit(&S, "UPDATE incidents SET title = "
                                        "convert_from('\\xfffe'::bytea, 'UTF8')");
                assert_non_null(msg);
                if (!strstr(msg, "UTF8"))
                        fail_msg("refused for another reason: %.200s", msg);
                free(msg);
                char *after = db_fingerprint(&S);
                assert_string_equal(before, after);
                free(before);
                free(after);
                return;
        }
        char key[32];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        /* A character cut in two and a byte that is never UTF-8: each byte
         * that is not part of a character is answered as '?'. */
        write_raw(SET_INCIDENT("title"),
                  "[customer " LONG_TENANT "] old \xe6\x97\xa5\xe6\x97 \xff end", key);
        write_raw(SET_INCIDENT("description"), "cut \xe8\xaa", key);
        /* A text of any length lent out by the store (the tenant's evidence). */
        write_raw("UPDATE incident_tenants SET evidence = CAST(?1 AS TEXT) WHERE incident_id = "
                  "(SELECT id FROM incidents WHERE key = ?2)",
                  "seen \xc3", key);
        every_read_answers(key, "[customer " LONG_TENANT "] old 日?? ? end");
        char path[96];
        snprintf(path, sizeof path, "/api/v1/incidents/%s", key);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "description")), "cut ??");
        json_t *t = json_array_get(json_object_get(a, "tenants"), 0);
        assert_string_equal(json_string_value(json_object_get(t, "evidence")), "seen ?");
        json_decref(a);
        /* A title longer than the field (70 characters, 210 bytes) is read
         * cut on a character boundary: 66 characters. */
        write_raw(SET_INCIDENT("title"), japanese(70), key);
        every_read_answers(key, japanese(66));
}

/* The SMS gateway's request for a page of incident key: its text, or
 * NULL after 15 s. Caller frees. */
static char *sms_for(const char *key)
{
        for (int i = 0; i < 150 && sink_files_with(hookdir, ".json", key) == 0; i++)
                usleep(100 * 1000);
        for (unsigned n = 1; n <= sink_files(hookdir, ".json"); n++) {
                char path[128];
                snprintf(path, sizeof path, "%s/%06u.json", hookdir, n);
                json_t *x = json_load_file(path, 0, NULL);
                json_t *sms =
                        json_loads(json_string_value(json_object_get(x, "body")) ?: "", 0, NULL);
                const char *text = json_string_value(json_object_get(sms, "text"));
                char *found = text && strstr(text, key) ? strdup(text) : NULL;
                json_decref(sms);
                json_decref(x);
                if (found)
                        return found;
        }
        return NULL;
}

static void sms_page_cuts_the_title_on_a_character(void **state)
{
        (void)state;
        char body[512], key[32], want[256];
        /* 40 characters are 120 bytes; an SMS keeps 80: 26 characters. */
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"sev1\",\"source\":\"employee\",\"services\":["
                 "\"tokyo\"]}",
                 japanese(40));
        json_t *a;
        assert_int_equal(call("POST", "/api/v1/incidents", responder, body, &a), 201);
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        char *text = sms_for(key);
        if (!text)
                fail_msg("no SMS for %s", key);
        snprintf(want, sizeof want, "Vigil PAGE sev1 %s %s ack: ", key, japanese(26));
        assert_int_equal(strncmp(text, want, strlen(want)), 0);
        free(text);
}

static int setup(void **state)
{
        (void)state;
        char extra[512];
        syslog_port = free_port();
        unsigned hook_port = free_port();
        snprintf(hookdir, sizeof hookdir, "/tmp/vigil-hook-XXXXXX");
        if (!mkdtemp(hookdir))
                return -1;
        hook_pid = sink_start("webhook-sink.py", hook_port, hookdir, NULL, NULL);
        snprintf(extra, sizeof extra,
                 "intake:\n  token: " INTAKE_TOKEN "\nlogin:\n  max_failures_address: 1000\n"
                 "syslog:\n  udp: 127.0.0.1:%u\n  tcp: 127.0.0.1:%u\n  allow: 127.0.0.1\n"
                 "notify:\n  sms_url: http://127.0.0.1:%u/sms\n",
                 syslog_port, syslog_port, hook_port);
        server_start(&S, extra);
        server_bootstrap(&S);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "tina", "tenant_admin", LONG_TENANT, tenant_admin,
                          sizeof tenant_admin);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        if (call("PUT", "/api/v1/tenants/" LONG_TENANT, comms,
                 "{\"name\":\"Reseller customer\","
                 "\"contacts\":[{\"email\":\"sec@reseller.example\"}]}",
                 NULL) != 201)
                return -1;
        /* kenji is paged by SMS alone, for service tokyo. */
        if (call("POST", "/api/v1/users", S.admin_token,
                 "{\"name\":\"kenji\",\"role\":\"responder\",\"password\":\"a-long-password-1234\","
                 "\"contacts\":[{\"type\":\"sms\",\"address\":\"+15551234567\"}]}",
                 NULL) != 201 ||
            call("PUT", "/api/v1/escalation-policies/sms", manager,
                 "{\"levels\":[{\"delay_seconds\":600,"
                 "\"targets\":[{\"type\":\"user\",\"name\":\"kenji\"}]}]}",
                 NULL) >= 300 ||
            call("PUT", "/api/v1/services/tokyo", manager, "{\"escalation_policy\":\"sms\"}",
                 NULL) >= 300)
                return -1;
        if (system("command -v logger >/dev/null") != 0)
                fail_msg("logger is not installed: run scripts/deps.sh --test");
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        int st = server_finish(&S);
        sink_stop(hook_pid);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", hookdir);
        return system(cmd) == 0 ? st : -1;
}

/* A problem's detail quotes what was sent: bytes of a path that are not
 * UTF-8, and a quote long enough to be cut, still give a detail that is
 * valid JSON text (it was dropped from the answer before). */
static void problem_detail_is_always_text(void **state)
{
        (void)state;
        struct reply r;
        http(&S, "GET", "/api/v1/incidents/INC-%FF%FE", auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 404);
        const char *detail = json_string_value(json_object_get(r.json, "detail"));
        assert_non_null(detail);
        assert_non_null(strstr(detail, "INC-??"));
        reply_free(&r);
        /* "no route for PATH" with a path of two-byte characters: the
         * 256-byte detail must be cut between characters, never inside one
         * (24 bytes before them, so a cut at 255 would split one). */
        char path[1200] = "/api/v1/xx/";
        for (int i = 0; i < 150; i++)
                strcat(path, "%C3%A9");
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 404);
        detail = json_string_value(json_object_get(r.json, "detail"));
        assert_non_null(detail);
        assert_non_null(strstr(detail, "no route for /api/v1/xx/\xc3\xa9"));
        reply_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(api_and_cli_refuse_an_overlong_title_naming_the_limit),
                cmocka_unit_test(alertmanager_japanese_summary_is_kept_with_its_batch),
                cmocka_unit_test(alert_label_values_are_cut_on_a_character),
                cmocka_unit_test(syslog_japanese_message_is_accepted),
                cmocka_unit_test(portal_report_title_is_cut_on_a_character),
                cmocka_unit_test(stored_bytes_that_are_not_utf8_are_still_answered),
                cmocka_unit_test(sms_page_cuts_the_title_on_a_character),
                cmocka_unit_test(problem_detail_is_always_text),
        };
        return cmocka_run_group_tests_name("utf8", tests, setup, teardown);
}
