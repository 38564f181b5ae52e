/* The web pages in a real browser: this sets up a server with two tenants,
 * each with its own released notice, a communications user and a service,
 * then runs tests/browser/web.mjs (Playwright driving Debian's chromium,
 * axe-core) against it and passes its TAP lines through as comments.
 * Screenshots of each page are kept in BUILD/tests/web-screenshots. Also
 * checks the static file rules without a browser. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static struct server S;
static char comms[128], manager[128], responder[128];

#define A_NATURE "A storage bucket of Acme's was readable by anyone."
#define B_NATURE "Globex's export job wrote to a shared folder."

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static void static_files_are_served_safely(void **state)
{
        (void)state;
        struct reply r;
        http(&S, "GET", "/web/app.css", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(reply_header(&r, "Content-Type"), "text/css"));
        reply_free(&r);
        http(&S, "GET", "/", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "<form id=\"signin\""));
        const char *csp = reply_header(&r, "Content-Security-Policy");
        assert_non_null(strstr(csp, "script-src 'self'"));
        assert_null(strstr(csp, "unsafe-inline"));
        reply_free(&r);
        /* A browser asking for /status gets the page; an API client, JSON. */
        const char *const html[] = { "Accept: text/html,application/xhtml+xml", NULL };
        http(&S, "GET", "/status", NULL, html, NULL, &r);
        assert_non_null(strstr(r.body, "<title>Service status</title>"));
        reply_free(&r);
        http(&S, "GET", "/status", NULL, NULL, NULL, &r);
        assert_non_null(json_object_get(r.json, "services"));
        reply_free(&r);
        /* Nothing outside the directory, nothing hidden, no unknown types. */
        const char *const bad[] = { "/web/..%2Fvigil.yaml", "/web/.hidden.js", "/web/nosuch.js", "/web/app.css.bak",
                                    "/web/%2E%2E", "/web/vigil.yaml" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                expect_refused_on(&S, "GET", bad[i], NULL, NULL, NULL, 404, NULL, NULL);
}

/* Run tests/browser/SCRIPT with env (shell assignments) in front; its TAP
 * lines become comments here. Returns how many checks passed; fails on any
 * failed check or a non-zero exit. */
static int run_browser(const char *script, const char *env)
{
        char cmd[3072];
        const char *root = getenv("VIGIL_SOURCE_ROOT");
        const char *shots = getenv("VIGIL_SHOTS") ? getenv("VIGIL_SHOTS") : "web-screenshots";
        mkdir(shots, 0755);
        snprintf(cmd, sizeof cmd, "VIGIL_URL='%s' SHOTS='%s' %s timeout 600 node '%s/tests/browser/%s' 2>&1", S.url, shots,
                 env, root ? root : "..", script);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char line[4096];
        int oks = 0, bad = 0;
        while (fgets(line, sizeof line, p)) {
                print_message("# %s", line);
                oks += strncmp(line, "ok ", 3) == 0 && !strstr(line, "# SKIP");
                bad += strncmp(line, "not ok ", 7) == 0;
        }
        int st = pclose(p);
        assert_int_equal(bad, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        return oks;
}

static void pages_in_a_browser(void **state)
{
        (void)state;
        assert_true(run_browser("web.mjs", "COMMS_USER=cora COMMS_PASS=cora-password-for-tests "
                                           "A_USER=alice-acme A_PASS=alice-acme-password-for-tests A_NATURE=\"" A_NATURE "\" "
                                           "B_USER=gus-globex B_PASS=gus-globex-password-for-tests B_NATURE=\"" B_NATURE "\"") >= 12);
}

static void a_whole_incident_in_the_browser(void **state)
{
        (void)state;
        /* The alert the journey starts from. */
        assert_int_equal(call("POST", "/api/v2/alerts", responder,
                              "[{\"labels\":{\"alertname\":\"BucketPublic\",\"service\":\"storage\","
                              "\"severity\":\"critical\"},\"annotations\":{\"summary\":\"Bucket exports-eu is public\"}}]",
                              NULL),
                         200);
        assert_true(run_browser("journey.mjs", "ALERT_NAME=BucketPublic") >= 12);
}

/* RFC 3339 for now minus minutes. */
static void minutes_ago(int minutes, char out[32])
{
        time_t t = time(NULL) - minutes * 60;
        struct tm tm;
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static void a_filing_in_the_browser(void **state)
{
        (void)state;
        char path[128], body[320], detected[32], filed[32], corrected[32], env[256];
        json_t *a;
        /* bank (DE, finance) has its own GDPR duty once the incident is declared. */
        assert_int_equal(call("PUT", "/api/v1/tenants/bank", comms,
                              "{\"name\":\"Bank AG\",\"contacts\":[{\"email\":\"sec@bank.example\"}],"
                              "\"jurisdictions\":[\"DE\"],\"sectors\":[\"finance\"],\"data_categories\":[\"personal_data\"]}",
                              NULL),
                         201);
        minutes_ago(180, detected);
        snprintf(body, sizeof body,
                 "{\"title\":\"Bank export\",\"severity\":\"sev2\",\"source\":\"monitoring\",\"detected_at\":\"%s\"}",
                 detected);
        assert_int_equal(call("POST", "/api/v1/incidents", manager, body, &a), 201);
        char key[32];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        assert_int_equal(call("POST", path, manager,
                              "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                              "\"data_categories\":[\"personal_data\"]}",
                              NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        assert_int_equal(call("PUT", path, manager,
                              "{\"reason\":\"logs\",\"tenants\":[{\"id\":\"bank\",\"status\":\"confirmed\"}]}", NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"personal data read\"}", NULL), 200);
        minutes_ago(60, filed);
        minutes_ago(90, corrected);
        snprintf(env, sizeof env, "KEY=%s FILED_AT=%s CORRECTED_AT=%s", key, filed, corrected);
        assert_true(run_browser("filing.mjs", env) >= 6);
}

/* A new incident (body) as manager; its key into key (32 bytes). */
static void new_incident(const char *body, char key[32])
{
        json_t *a;
        assert_int_equal(call("POST", "/api/v1/incidents", manager, body, &a), 201);
        snprintf(key, 32, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
}

static void the_dashboard_in_a_browser(void **state)
{
        (void)state;
        char paged[32], approval[32], path[128], env[512];
        /* storage pages rita, who is on call for it. */
        new_incident("{\"title\":\"Storage latency\",\"severity\":\"sev2\",\"source\":\"monitoring\","
                     "\"services\":[\"storage\"]}",
                     paged);
        snprintf(path, sizeof path, "/api/v1/pages?incident=%s", paged);
        bool has_page = false;
        for (int i = 0; i < 100 && !has_page; i++) {
                json_t *p;
                assert_int_equal(call("GET", path, manager, NULL, &p), 200);
                has_page = json_array_size(json_object_get(p, "items")) > 0;
                json_decref(p);
                if (!has_page)
                        usleep(100000);
        }
        assert_true(has_page);
        /* rita asks for an executive's approval of a business-impact step. */
        new_incident("{\"title\":\"Portal takeover\",\"severity\":\"sev1\",\"source\":\"employee\"}", approval);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/tasks", approval);
        assert_int_equal(call("POST", path, responder,
                              "{\"phase\":\"eradication\",\"title\":\"Take the portal offline\","
                              "\"business_impact\":true}",
                              NULL),
                         201);
        /* The same event reported twice: the second closes into the first. */
        char twice[32];
        new_incident("{\"title\":\"Portal takeover, reported again\",\"severity\":\"sev1\",\"source\":\"employee\"}",
                     twice);
        /* A silenced alert opens no incident: someone adds it to one. */
        assert_int_equal(call("POST", "/api/v2/silences", manager,
                              "{\"matchers\":[{\"name\":\"alertname\",\"value\":\"QuietAlert\",\"isRegex\":false}],"
                              "\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2099-01-01T00:00:00Z\","
                              "\"createdBy\":\"ina\",\"comment\":\"known noisy\"}",
                              NULL),
                         200);
        assert_int_equal(call("POST", "/api/v2/alerts", responder,
                              "[{\"labels\":{\"alertname\":\"QuietAlert\",\"service\":\"storage\"},"
                              "\"annotations\":{\"summary\":\"Replica lag on storage-2\"}}]",
                              NULL),
                         200);
        snprintf(env, sizeof env, "PAGED_KEY=%s APPROVAL_KEY=%s DUP_KEY=%s API_TOKEN=%s", paged, approval, twice,
                 responder);
        assert_true(run_browser("live.mjs", env) >= 7);
}

/* The list pages: 60 incidents to search, filter and page through
 * (seeded through the API; everything after is done in the browser). */
static void lists_in_a_browser(void **state)
{
        (void)state;
        char body[200];
        for (int i = 0; i < 60; i++) {
                snprintf(body, sizeof body, "{\"title\":\"Listprobe %02d\",\"severity\":\"sev%d\",\"source\":\"employee\"}", i,
                         i % 4 + 1);
                assert_int_equal(call("POST", "/api/v1/incidents", manager, body, NULL), 201);
        }
        assert_true(run_browser("lists.mjs", "PREFIX=Listprobe N=60 TENANT=globex") >= 20);
}

/* One incident carried through on its own page (tests/browser/incident.mjs)
 * in a window width wide, by keyboard alone or not: the alert that opens
 * it, on a service whose policy pages rita, is the set-up; every step
 * after it is the browser's. */
static void incident_in_a_browser(const char *service, int width, bool keyboard)
{
        char env[160], path[128];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/services/%s", service);
        assert_int_equal(call("PUT", path, manager, "{\"description\":\"sign-in\",\"escalation_policy\":\"sec\"}", NULL),
                         201);
        char alert[700];
        snprintf(alert, sizeof alert,
                 "[{\"labels\":{\"alertname\":\"TokenLeak\",\"service\":\"%s\",\"severity\":\"critical\"},"
                 "\"annotations\":{\"summary\":\"Deploy key found in a public repository\","
                 "\"description\":\"A deploy key was pushed to a public repository\","
                 "\"runbook_url\":\"https://runbooks.example/token-leak\"},"
                 "\"generatorURL\":\"https://prometheus.example/graph?g0.expr=leaks\"}]",
                 service);
        assert_int_equal(call("POST", "/api/v2/alerts", responder, alert, NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents?service=%s", service);
        assert_int_equal(call("GET", path, manager, NULL, &a), 200);
        json_t *items = json_object_get(a, "items");
        assert_int_equal(json_array_size(items), 1);
        snprintf(env, sizeof env, "KEY=%s WIDTH=%d SERVICE=%s KEYBOARD=%d",
                 json_string_value(json_object_get(json_array_get(items, 0), "key")), width, service, keyboard);
        json_decref(a);
        assert_true(run_browser("incident.mjs", env) >= 10);
}

static void an_incident_on_its_own_page(void **state)
{
        (void)state;
        incident_in_a_browser("identity", 1400, false);
}

/* The same, every step on a phone's 390 px. */
static void an_incident_on_a_phone(void **state)
{
        (void)state;
        incident_in_a_browser("sso", 390, false);
}

/* The same by keyboard alone: Tab to each control, then keys. */
static void an_incident_by_keyboard_alone(void **state)
{
        (void)state;
        incident_in_a_browser("mfa", 1400, true);
}

static long long release(const char *key, const char *tenant, const char *nature)
{
        char path[128], body[600];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        snprintf(body, sizeof body,
                 "{\"kind\":\"initial\",\"nature\":\"%s\",\"user_impact\":\"About 40 users.\",\"mitigation\":\"Rotate "
                 "your keys.\",\"next_steps\":\"Log review.\",\"next_update_at\":\"2099-01-01T00:00:00Z\",\"tenants\":[\"%s\"]}",
                 nature, tenant);
        if (call("POST", path, comms, body, &a) != 201)
                return -1;
        long long id = (long long)json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", key, id);
        return call("POST", path, manager, "{}", NULL) == 200 ? id : -1;
}

static int setup(void **state)
{
        (void)state;
        char ignore[128], path[128];
        json_t *a;
        server_start(&S, "login:\n  max_failures_address: 1000\nnotices:\n  two_person: sev1\n");
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "alice-acme", "tenant_admin", "acme", ignore, sizeof ignore);
        server_user_token(&S, "gus-globex", "tenant_admin", "globex", ignore, sizeof ignore);
        if (call("PUT", "/api/v1/tenants/acme", comms, "{\"name\":\"Acme\",\"contacts\":[{\"email\":\"sec@acme.example\"}]}",
                 NULL) != 201 ||
            call("PUT", "/api/v1/tenants/globex", comms,
                 "{\"name\":\"Globex\",\"contacts\":[{\"email\":\"sec@globex.example\"}]}", NULL) != 201 ||
            call("PUT", "/api/v1/services/storage", manager, "{\"description\":\"object storage\"}", NULL) != 201)
                return -1;
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "eve", "executive_incident_manager", NULL, ignore, sizeof ignore);
        server_user_token(&S, "audrey", "auditor", NULL, ignore, sizeof ignore);
        /* rita is on call for storage around the clock. */
        if (call("PUT", "/api/v1/schedules/primary", manager,
                              "{\"time_zone\":\"UTC\",\"layers\":[{\"name\":\"all\",\"rotation\":\"daily\","
                              "\"start\":\"2026-01-01T00:00\",\"users\":[\"rita\"]}]}",
                              NULL) != 201)
                return -1;
        if (call("PUT", "/api/v1/escalation-policies/sec", manager,
                              "{\"levels\":[{\"delay_minutes\":10,\"targets\":[{\"type\":\"schedule\",\"name\":\"primary\"}]}]}",
                              NULL) != 201)
                return -1;
        if (call("PUT", "/api/v1/services/storage", manager,
                              "{\"description\":\"object storage\",\"escalation_policy\":\"sec\"}", NULL) != 200)
                return -1;
        if (call("POST", "/api/v1/incidents", manager,
                 "{\"title\":\"Storage ACL\",\"severity\":\"sev2\",\"source\":\"monitoring\",\"services\":[\"storage\"]}",
                 &a) != 201)
                return -1;
        char key[32];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        if (call("POST", path, manager,
                 "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                 "\"data_categories\":[\"customer_data\"]}",
                 NULL) != 200)
                return -1;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        if (call("PUT", path, manager,
                 "{\"reason\":\"access logs\",\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\"},"
                 "{\"id\":\"globex\",\"status\":\"confirmed\"}]}",
                 NULL) != 200)
                return -1;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        if (call("POST", path, manager, "{\"criteria\":\"customer data read\"}", NULL) != 200)
                return -1;
        return release(key, "acme", A_NATURE) > 0 && release(key, "globex", B_NATURE) > 0 ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        return server_finish(&S);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(static_files_are_served_safely),
                cmocka_unit_test(pages_in_a_browser),
                cmocka_unit_test(a_whole_incident_in_the_browser),
                cmocka_unit_test(a_filing_in_the_browser),
                cmocka_unit_test(the_dashboard_in_a_browser),
                cmocka_unit_test(lists_in_a_browser),
                cmocka_unit_test(an_incident_on_its_own_page),
                cmocka_unit_test(an_incident_on_a_phone),
                cmocka_unit_test(an_incident_by_keyboard_alone),
        };
        return cmocka_run_group_tests_name("web", tests, setup, teardown);
}
