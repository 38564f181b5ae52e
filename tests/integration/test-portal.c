/* The customer portal and the public status page. Isolation on every
 * portal route: a tenant administrator sees, acknowledges and reports only
 * for its own tenant - another tenant's notice is "not found", an incident
 * that does not concern it (or where it was ruled out) is not listed, and
 * no answer names another tenant. The status page shows every service and
 * its latest advisory, as JSON and as Atom that an XML parser reads back. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static struct server S;
static char comms[128], manager[128], acme[128], globex[128], initech[128];
static char inc_shared[32], inc_initech[32], inc_ruled_out[32];
static json_int_t notice_shared, notice_initech;
static char maildir[64];
static pid_t smtp_pid;

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

/* The raw body of a GET (for the Atom feed and "names no one else"). */
static char *get_text(const char *path, const char *token, long *status, char *ctype, size_t ctype_len)
{
        struct reply r;
        http(&S, "GET", path, token, NULL, NULL, &r);
        *status = r.status;
        const char *ct = reply_header(&r, "Content-Type");
        if (ctype)
                snprintf(ctype, ctype_len, "%s", ct ? ct : "");
        char *text = strdup(r.body ? r.body : "");
        reply_free(&r);
        return text;
}

static json_t *find_key(json_t *items, const char *field, const char *value)
{
        size_t i;
        json_t *v;
        json_array_foreach(items, i, v)
        {
                if (strcmp(json_string_value(json_object_get(v, field)), value) == 0)
                        return v;
        }
        return NULL;
}

static void notices_are_the_tenants_own(void **state)
{
        (void)state;
        json_t *a;
        assert_int_equal(call("GET", "/api/v1/portal/notices", acme, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "tenant")), "acme");
        json_t *items = json_object_get(a, "items");
        assert_int_equal(json_array_size(items), 1);
        json_t *n = json_array_get(items, 0);
        assert_int_equal(json_integer_value(json_object_get(n, "id")), notice_shared);
        assert_string_equal(json_string_value(json_object_get(n, "incident")), inc_shared);
        assert_string_equal(json_string_value(json_object_get(n, "nature")), "A storage bucket was readable by anyone.");
        assert_true(json_is_null(json_object_get(n, "acknowledged_at")));
        assert_null(json_object_get(n, "tenants"));
        json_decref(a);
        /* The same notice went to globex; neither answer names the other. */
        long st;
        char *text = get_text("/api/v1/portal/notices", acme, &st, NULL, 0);
        assert_int_equal(st, 200);
        assert_null(strstr(text, "globex"));
        assert_null(strstr(text, "initech"));
        free(text);
        text = get_text("/api/v1/portal/notices", globex, &st, NULL, 0);
        assert_null(strstr(text, "acme"));
        assert_non_null(strstr(text, "A storage bucket"));
        free(text);
        /* initech sees its own notice only. */
        assert_int_equal(call("GET", "/api/v1/portal/notices", initech, NULL, &a), 200);
        items = json_object_get(a, "items");
        assert_int_equal(json_array_size(items), 1);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), notice_initech);
        json_decref(a);
}

static void acknowledge_once_for_own_tenant(void **state)
{
        (void)state;
        char path[96];
        json_t *a;
        const char *const json[] = { "Content-Type: application/json", NULL };
        /* Another tenant's notice looks like no notice, and changes nothing. */
        char *before = db_fingerprint(&S);
        snprintf(path, sizeof path, "/api/v1/portal/notices/%lld/ack", (long long)notice_initech);
        expect_refused_on(&S, "POST", path, acme, json, "{}", 404, "no notice", NULL);
        expect_refused_on(&S, "POST", "/api/v1/portal/notices/x1/ack", acme, json, "{}", 404, "no notice", NULL);
        expect_refused_on(&S, "POST", "/api/v1/portal/notices/999999/ack", acme, json, "{}", 404, "no notice", NULL);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);

        snprintf(path, sizeof path, "/api/v1/portal/notices/%lld/ack", (long long)notice_shared);
        assert_int_equal(call("POST", path, acme, "{}", NULL), 200);
        expect_refused_on(&S, "POST", path, acme, json, "{}", 409, "acknowledged already", NULL);
        assert_int_equal(call("GET", "/api/v1/portal/notices", acme, NULL, &a), 200);
        assert_true(json_is_string(json_object_get(json_array_get(json_object_get(a, "items"), 0), "acknowledged_at")));
        json_decref(a);
        /* Acme's acknowledgement is acme's: globex has not acknowledged. */
        assert_int_equal(call("GET", "/api/v1/portal/notices", globex, NULL, &a), 200);
        assert_true(json_is_null(json_object_get(json_array_get(json_object_get(a, "items"), 0), "acknowledged_at")));
        json_decref(a);
        assert_int_equal(call("POST", path, globex, "{}", NULL), 200);
        /* The staff's view of the notice says who acknowledged, and when. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", inc_shared);
        assert_int_equal(call("GET", path, manager, NULL, &a), 200);
        json_t *n = NULL, *x;
        size_t i;
        json_array_foreach(json_object_get(a, "items"), i, x)
                if (json_integer_value(json_object_get(x, "id")) == notice_shared)
                        n = x;
        assert_non_null(n);
        json_t *acks = json_object_get(n, "acknowledgements");
        assert_int_equal(json_array_size(acks), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(acks, 0), "tenant")), "acme");
        assert_string_equal(json_string_value(json_object_get(json_array_get(acks, 0), "by")), "alice-acme");
        assert_true(json_is_string(json_object_get(json_array_get(acks, 0), "at")));
        assert_string_equal(json_string_value(json_object_get(json_array_get(acks, 1), "tenant")), "globex");
        json_decref(a);
        /* Both in the audit chain, each naming its tenant. */
        assert_int_equal(db_count(&S, "audit_log", "action = 'notice.acknowledge' AND object = 'tenant:acme'"), 1);
        assert_int_equal(db_count(&S, "audit_log", "action = 'notice.acknowledge' AND object = 'tenant:globex'"), 1);
}

static void incidents_that_concern_the_tenant(void **state)
{
        (void)state;
        json_t *a;
        assert_int_equal(call("GET", "/api/v1/portal/incidents", acme, NULL, &a), 200);
        json_t *items = json_object_get(a, "items");
        assert_non_null(find_key(items, "key", inc_shared));
        assert_null(find_key(items, "key", inc_initech));
        assert_null(find_key(items, "key", inc_ruled_out)); /* ruled out: not theirs */
        json_t *inc = find_key(items, "key", inc_shared);
        assert_string_equal(json_string_value(json_object_get(inc, "phase")), "analysis");
        assert_true(json_is_string(json_object_get(inc, "declared_at")));
        assert_null(json_object_get(inc, "title")); /* internal */
        json_decref(a);
        long st;
        char *text = get_text("/api/v1/portal/incidents", acme, &st, NULL, 0);
        assert_null(strstr(text, "Internal title"));
        assert_null(strstr(text, "globex"));
        free(text);
        assert_int_equal(call("GET", "/api/v1/portal/incidents", globex, NULL, &a), 200);
        items = json_object_get(a, "items");
        assert_non_null(find_key(items, "key", inc_shared));
        assert_non_null(find_key(items, "key", inc_ruled_out));
        assert_null(find_key(items, "key", inc_initech));
        json_decref(a);
}

static void report_opens_a_customer_incident(void **state)
{
        (void)state;
        json_t *a;
        const char *const json[] = { "Content-Type: application/json", NULL };
        char *before = db_fingerprint(&S);
        expect_refused_on(&S, "POST", "/api/v1/portal/reports", acme, json, "{\"description\":\"no title\"}", 400, NULL,
                          "title");
        expect_refused_on(&S, "POST", "/api/v1/portal/reports", acme, json, "{\"title\":\"x\",\"tenant\":\"globex\"}",
                          400, NULL, "tenant");
        expect_refused_on(&S, "POST", "/api/v1/portal/reports", acme, json, "{\"title\":\"x\",\"service\":\"nosuch\"}",
                          400, NULL, "service");
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);

        assert_int_equal(call("POST", "/api/v1/portal/reports", acme,
                              "{\"title\":\"Logins from an address we do not know\",\"description\":\"Our admin saw "
                              "sessions from 203.0.113.9.\",\"service\":\"storage\"}",
                              &a),
                         201);
        char key[32];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        /* Staff see a customer-sourced incident with acme suspected in scope. */
        char path[96];
        snprintf(path, sizeof path, "/api/v1/incidents/%s", key);
        assert_int_equal(call("GET", path, manager, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "source")), "customer");
        json_t *t = json_array_get(json_object_get(a, "tenants"), 0);
        assert_string_equal(json_string_value(json_object_get(t, "id")), "acme");
        assert_string_equal(json_string_value(json_object_get(t, "status")), "suspected");
        assert_string_equal(json_string_value(json_array_get(json_object_get(a, "services"), 0)), "storage");
        json_decref(a);
        /* The reporter follows it; another tenant never sees it. */
        assert_int_equal(call("GET", "/api/v1/portal/incidents", acme, NULL, &a), 200);
        assert_non_null(find_key(json_object_get(a, "items"), "key", key));
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/portal/incidents", globex, NULL, &a), 200);
        assert_null(find_key(json_object_get(a, "items"), "key", key));
        json_decref(a);
}

/* Issue 14, finding 13: 30 reports at once opened 30 incidents and paged
 * 30 times. Limits here: 3 per user, 4 per tenant, per hour. */
static void reports_are_rate_limited(void **state)
{
        char gwen[128], body[96];
        struct reply r;
        (void)state;
        server_user_token(&S, "gwen-globex", "tenant_admin", "globex", gwen, sizeof gwen);
        long incidents = db_count(&S, "incidents", NULL);
        long escalations = db_count(&S, "jobs", "kind = 'escalate.start'");
        long created = 0, limited = 0;
        for (int i = 0; i < 30; i++) {
                snprintf(body, sizeof body, "{\"title\":\"flood %d\"}", i);
                long st = call("POST", "/api/v1/portal/reports", globex, body, NULL);
                created += st == 201;
                limited += st == 429;
        }
        assert_int_equal(created, 3);
        assert_int_equal(limited, 27);
        assert_int_equal(db_count(&S, "incidents", NULL), incidents + 3);
        assert_int_equal(db_count(&S, "jobs", "kind = 'escalate.start'"), escalations + 3);

        /* Refused: 429, Retry-After within the window, nothing changed. */
        expect_refused_on(&S, "POST", "/api/v1/portal/reports", globex, NULL, "{\"title\":\"one more\"}", 429,
                          "you have reported 3 incidents", NULL);
        http(&S, "POST", "/api/v1/portal/reports", globex, NULL, "{\"title\":\"one more\"}", &r);
        assert_int_equal(r.status, 429);
        const char *ra = reply_header(&r, "Retry-After");
        assert_non_null(ra);
        long wait = strtol(ra, NULL, 10);
        assert_true(wait >= 1 && wait <= 3600);
        reply_free(&r);

        /* Another globex admin has the tenant's last report, then none. */
        assert_int_equal(call("POST", "/api/v1/portal/reports", gwen, "{\"title\":\"seen too\"}", NULL), 201);
        expect_refused_on(&S, "POST", "/api/v1/portal/reports", gwen, NULL, "{\"title\":\"again\"}", 429,
                          "your tenant has reported 4 incidents", NULL);
        assert_int_equal(db_count(&S, "jobs", "kind = 'escalate.start'"), escalations + 4);
        /* Other tenants are not held back by globex. */
        assert_int_equal(call("POST", "/api/v1/portal/reports", initech, "{\"title\":\"ours\"}", NULL), 201);
}

static void status_page_and_feed(void **state)
{
        (void)state;
        json_t *a;
        const char *const json[] = { "Content-Type: application/json", NULL };
        /* Public: no credentials. Every service starts operational. */
        assert_int_equal(call("GET", "/status", NULL, NULL, &a), 200);
        json_t *svc = find_key(json_object_get(a, "services"), "name", "storage");
        assert_non_null(svc);
        assert_string_equal(json_string_value(json_object_get(svc, "state")), "operational");
        json_decref(a);

        char *before = db_fingerprint(&S);
        expect_refused_on(&S, "POST", "/api/v1/advisories", comms, json,
                          "{\"service\":\"storage\",\"state\":\"down\",\"message\":\"x\"}", 400, NULL, "state");
        expect_refused_on(&S, "POST", "/api/v1/advisories", comms, json,
                          "{\"service\":\"storage\",\"state\":\"identified\",\"message\":\"\"}", 400, NULL, "message");
        /* A typo names no service of the organisation: refused, so no
         * phantom service appears on the public page. */
        expect_refused_on(&S, "POST", "/api/v1/advisories", comms, json,
                          "{\"service\":\"storge\",\"state\":\"investigating\",\"message\":\"Reads failing\"}", 400, NULL,
                          "service");
        /* An advisory may name the incident it is about: one that exists. */
        expect_refused_on(&S, "POST", "/api/v1/advisories", comms, json,
                          "{\"service\":\"storage\",\"state\":\"investigating\",\"message\":\"Reads failing\","
                          "\"incident\":\"INC-1999-0001\"}",
                          400, NULL, "incident");
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);

        assert_int_equal(call("POST", "/api/v1/advisories", comms,
                              "{\"service\":\"storage\",\"state\":\"investigating\",\"message\":\"Reads <slow> & "
                              "failing in eu-west\"}",
                              NULL),
                         201);
        char body[256];
        snprintf(body, sizeof body,
                 "{\"service\":\"billing\",\"state\":\"identified\",\"message\":\"Invoices delayed.\",\"incident\":\"%s\"}",
                 inc_shared);
        assert_int_equal(call("POST", "/api/v1/advisories", comms, body, &a), 201);
        assert_string_equal(json_string_value(json_object_get(a, "incident")), inc_shared);
        json_decref(a);
        assert_int_equal(call("POST", "/api/v1/advisories", comms,
                              "{\"service\":\"billing\",\"state\":\"resolved\",\"message\":\"Invoices sent.\"}", NULL),
                         201);
        assert_int_equal(call("GET", "/status", NULL, NULL, &a), 200);
        svc = find_key(json_object_get(a, "services"), "name", "storage");
        assert_string_equal(json_string_value(json_object_get(svc, "state")), "investigating");
        assert_string_equal(json_string_value(json_object_get(svc, "message")), "Reads <slow> & failing in eu-west");
        svc = find_key(json_object_get(a, "services"), "name", "billing");
        assert_string_equal(json_string_value(json_object_get(svc, "state")), "operational");
        assert_int_equal(json_array_size(json_object_get(a, "advisories")), 3);
        assert_null(find_key(json_object_get(a, "services"), "name", "storge"));
        /* Services by name. */
        json_t *s0 = json_array_get(json_object_get(a, "services"), 0);
        assert_string_equal(json_string_value(json_object_get(s0, "name")), "billing");
        /* The public page does not say which incident an advisory is about. */
        char *text = json_dumps(a, 0);
        assert_null(strstr(text, inc_shared));
        assert_null(strstr(text, "\"incident\""));
        free(text);
        json_decref(a);
        /* Staff find it on the incident. */
        char ipath[96];
        snprintf(ipath, sizeof ipath, "/api/v1/incidents/%s/advisories", inc_shared);
        assert_int_equal(call("GET", ipath, manager, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(a, "items"), 0), "message")),
                            "Invoices delayed.");
        json_decref(a);
        assert_int_equal(call("GET", ipath, acme, NULL, &a), 403); /* staff only */
        json_decref(a);
        snprintf(ipath, sizeof ipath, "/api/v1/incidents/%s/advisories", inc_initech);
        assert_int_equal(call("GET", ipath, manager, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 0);
        json_decref(a);

        /* Atom: well-formed XML (parsed by Python's expat), text escaped,
         * one entry per advisory, newest first. */
        long st;
        char ctype[128];
        char *feed = get_text("/status.atom", NULL, &st, ctype, sizeof ctype);
        assert_int_equal(st, 200);
        assert_non_null(strstr(ctype, "application/atom+xml"));
        assert_non_null(strstr(feed, "Reads &lt;slow&gt; &amp; failing"));
        /* The service is each entry's author; the staff member who posted
         * it (cora) is named nowhere in the public feed. */
        assert_non_null(strstr(feed, "<author><name>storage</name></author>"));
        assert_null(strstr(feed, "cora"));
        char path[64];
        snprintf(path, sizeof path, "/tmp/vigil-feed-%d.xml", (int)getpid());
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(feed, f);
        fclose(f);
        free(feed);
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; "
                 "ns = {\"a\": \"http://www.w3.org/2005/Atom\"}; "
                 "t = E.parse(sys.argv[1]).getroot(); "
                 "e = t.findall(\"a:entry\", ns); "
                 "print(len(e), e[0].find(\"a:title\", ns).text, \"|\", e[2].find(\"a:content\", ns).text)' %s",
                 path);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char line[256] = "";
        if (!fgets(line, sizeof line, p))
                line[0] = '\0';
        assert_int_equal(pclose(p), 0);
        unlink(path);
        assert_string_equal(line, "3 billing: resolved | Reads <slow> & failing in eu-west\n");

        /* A tenant administrator's view: the same services, and the open
         * incidents of its own tenant only. */
        assert_int_equal(call("GET", "/api/v1/portal/status", initech, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "tenant")), "initech");
        svc = find_key(json_object_get(a, "services"), "name", "storage");
        assert_string_equal(json_string_value(json_object_get(svc, "state")), "investigating");
        json_t *open = json_object_get(a, "open_incidents");
        assert_int_equal(json_array_size(open), 1);
        assert_non_null(find_key(open, "key", inc_initech));
        json_decref(a);
}

static json_int_t release(const char *key, const char *nature)
{
        char path[128], body[512];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        snprintf(body, sizeof body,
                 "{\"kind\":\"initial\",\"nature\":\"%s\",\"user_impact\":\"Unknown yet.\",\"mitigation\":\"none "
                 "applicable\",\"next_steps\":\"Access log review.\",\"next_update_at\":\"2099-01-01T00:00:00Z\"}",
                 nature);
        if (call("POST", path, comms, body, &a) != 201)
                return -1;
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", key, (long long)id);
        return call("POST", path, manager, "{}", NULL) == 200 ? id : -1;
}

static int incident(char *key, size_t len, const char *scope)
{
        char path[128], body[512];
        json_t *a;
        if (call("POST", "/api/v1/incidents", manager,
                 "{\"title\":\"Internal title: storage ACL\",\"severity\":\"sev2\",\"source\":\"monitoring\"}", &a) != 201)
                return -1;
        snprintf(key, len, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        if (call("POST", path, manager,
                 "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                 "\"data_categories\":[\"customer_data\"]}",
                 NULL) != 200)
                return -1;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        snprintf(body, sizeof body, "{\"reason\":\"access logs\",\"tenants\":%s}", scope);
        if (call("PUT", path, manager, body, NULL) != 200)
                return -1;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        return call("POST", path, manager, "{\"criteria\":\"customer data read\"}", NULL) == 200 ? 0 : -1;
}

static int setup(void **state)
{
        (void)state;
        char extra[384];
        unsigned smtp_port;
        smtp_pid = smtp_sink_begin(maildir, &smtp_port);
        snprintf(extra, sizeof extra,
                 "smtp:\n  url: smtp://127.0.0.1:%u\n  from: security@provider.example\n"
                 "login:\n  max_failures_address: 1000\n"
                 "portal:\n  max_reports_user: 3\n  max_reports_tenant: 4\n  window: 1h\n",
                 smtp_port);
        server_start(&S, extra);
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "alice-acme", "tenant_admin", "acme", acme, sizeof acme);
        server_user_token(&S, "gus-globex", "tenant_admin", "globex", globex, sizeof globex);
        server_user_token(&S, "ian-initech", "tenant_admin", "initech", initech, sizeof initech);
        const char *const tenants[][2] = {
                { "acme", "{\"name\":\"Acme Corp.\",\"contacts\":[{\"email\":\"sec@acme.example\"}]}" },
                { "globex", "{\"name\":\"Globex\",\"contacts\":[{\"email\":\"sec@globex.example\"}]}" },
                { "initech", "{\"name\":\"Initech LLC\",\"contacts\":[{\"email\":\"it@initech.example\"}]}" },
        };
        for (size_t i = 0; i < 3; i++) {
                char path[64];
                snprintf(path, sizeof path, "/api/v1/tenants/%s", tenants[i][0]);
                if (call("PUT", path, comms, tenants[i][1], NULL) != 201)
                        return -1;
        }
        if (call("PUT", "/api/v1/services/storage", manager, "{\"description\":\"object storage\"}", NULL) >= 300 ||
            call("PUT", "/api/v1/services/billing", manager, "{\"description\":\"invoices\"}", NULL) >= 300)
                return -1;
        if (incident(inc_shared, sizeof inc_shared,
                     "[{\"id\":\"acme\",\"status\":\"confirmed\"},{\"id\":\"globex\",\"status\":\"suspected\"}]") < 0 ||
            incident(inc_initech, sizeof inc_initech, "[{\"id\":\"initech\",\"status\":\"confirmed\"}]") < 0 ||
            incident(inc_ruled_out, sizeof inc_ruled_out,
                     "[{\"id\":\"acme\",\"status\":\"ruled_out\"},{\"id\":\"globex\",\"status\":\"confirmed\"}]") < 0)
                return -1;
        notice_shared = release(inc_shared, "A storage bucket was readable by anyone.");
        notice_initech = release(inc_initech, "An initech-only event.");
        return notice_shared > 0 && notice_initech > 0 ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        return smtp_sink_end(smtp_pid, maildir, server_finish(&S));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(notices_are_the_tenants_own),
                cmocka_unit_test(acknowledge_once_for_own_tenant),
                cmocka_unit_test(incidents_that_concern_the_tenant),
                cmocka_unit_test(report_opens_a_customer_incident),
                cmocka_unit_test(status_page_and_feed),
                /* Last: its reports are incidents the tests above would see. */
                cmocka_unit_test(reports_are_rate_limited),
        };
        return cmocka_run_group_tests_name("portal", tests, setup, teardown);
}
