/* Incidents through the API: report, list and filter, classify, advance
 * with the exit criteria enforced, early close, ETag concurrency. Every
 * refusal is checked for its status, its problem body and an unchanged
 * store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct server S;
static char responder[128], manager[128], auditor[128], executive[128], executive2[128], comms[128];

#define expect_refused(...) expect_refused_on(&S, __VA_ARGS__)

/* Report an incident; returns its key in key (static storage per call site). */
static void report(const char *body, char *key, size_t size)
{
        struct reply r;
        http(&S, "POST", "/api/v1/incidents", responder, NULL, body, &r);
        if (r.status != 201)
                fail_msg("report: %ld %s", r.status, r.body);
        snprintf(key, size, "%s", json_string_value(json_object_get(r.json, "key")));
        reply_free(&r);
}

static void report_and_read(void **state)
{
        struct reply r;
        char path[96];
        (void)state;
        http(&S, "POST", "/api/v1/incidents", responder, NULL,
             "{\"title\":\"Credential stuffing on login\",\"description\":\"Spike of failed logins\","
             "\"severity\":\"sev2\",\"source\":\"monitoring\",\"services\":[\"auth-api\",\"web\"],"
             "\"detected_at\":\"2026-01-02T03:04:05Z\"}", &r);
        assert_int_equal(r.status, 201);
        const char *key = json_string_value(json_object_get(r.json, "key"));
        assert_non_null(key);
        assert_int_equal(strncmp(key, "INC-", 4), 0);
        assert_string_equal(key + 8, "-0001");
        snprintf(path, sizeof path, "/api/v1/incidents/%s", key);
        assert_string_equal(reply_header(&r, "Location"), path);
        assert_non_null(reply_header(&r, "ETag"));
        assert_string_equal(json_string_value(json_object_get(r.json, "phase")), "analysis");
        assert_string_equal(json_string_value(json_object_get(r.json, "classification")), "suspected");
        assert_string_equal(json_string_value(json_object_get(r.json, "reporter")), "rita");
        assert_string_equal(json_string_value(json_object_get(r.json, "detected_at")), "2026-01-02T03:04:05Z");
        assert_int_equal(json_array_size(json_object_get(r.json, "services")), 2);
        assert_true(json_is_null(json_object_get(r.json, "declared_at")));
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.create' AND object LIKE 'incident:INC-%'"), 1);

        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "title")), "Credential stuffing on login");
        assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "services"), 0)), "auth-api");
        reply_free(&r);
        expect_refused("GET", "/api/v1/incidents/INC-2026-9999", auditor, NULL, NULL, 404, "no incident", NULL);
}

static void report_refuses_bad_input(void **state)
{
        (void)state;
        expect_refused("POST", "/api/v1/incidents", responder, NULL, "{\"severity\":\"sev1\",\"source\":\"employee\"}",
                       400, NULL, "title");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"x\",\"severity\":\"critical\",\"source\":\"employee\"}", 400, NULL, "severity");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"x\",\"severity\":\"sev1\",\"source\":\"rumour\"}", 400, NULL, "source");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"x\",\"severity\":\"sev1\",\"source\":\"employee\",\"services\":\"web\"}", 400, NULL, "services");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"x\",\"severity\":\"sev1\",\"source\":\"employee\",\"services\":[\"a b\"]}", 400, NULL, "services");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"x\",\"severity\":\"sev1\",\"source\":\"employee\",\"detected_at\":\"2999-01-01T00:00:00Z\"}",
                       400, NULL, "detected_at");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"x\",\"severity\":\"sev1\",\"source\":\"employee\",\"detected_at\":\"yesterday\"}",
                       400, NULL, "detected_at");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"two\\nlines\",\"severity\":\"sev1\",\"source\":\"employee\"}", 400, NULL, "title");
        expect_refused("POST", "/api/v1/incidents", responder, NULL,
                       "{\"title\":\"x\",\"severity\":\"sev1\",\"source\":\"employee\",\"phase\":\"closed\"}", 400, NULL, "phase");
        expect_refused("POST", "/api/v1/incidents", auditor, NULL,
                       "{\"title\":\"x\",\"severity\":\"sev1\",\"source\":\"employee\"}", 403, NULL, NULL);
}

static size_t list_count(const char *query)
{
        struct reply r;
        char path[256];
        snprintf(path, sizeof path, "/api/v1/incidents%s", query);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        if (r.status != 200)
                fail_msg("GET %s: %ld %s", path, r.status, r.body);
        size_t n = json_array_size(json_object_get(r.json, "items"));
        reply_free(&r);
        return n;
}

static void list_filters(void **state)
{
        char key[32];
        (void)state;
        report("{\"title\":\"Ransomware note on build host\",\"severity\":\"sev1\",\"source\":\"employee\","
               "\"services\":[\"ci\"]}", key, sizeof key);
        report("{\"title\":\"Customer reports data in paste site\",\"severity\":\"sev2\",\"source\":\"customer\","
               "\"services\":[\"storage\"]}", key, sizeof key);
        size_t all = list_count("?limit=500");
        assert_true(all >= 3);
        assert_int_equal(list_count("?severity=sev1"), 1);
        assert_int_equal(list_count("?service=storage"), 1);
        assert_int_equal(list_count("?q=Ransomware"), 1);
        assert_int_equal(list_count("?phase=analysis&classification=suspected"), all);
        assert_int_equal(list_count("?phase=closed"), 0);
        expect_refused("GET", "/api/v1/incidents?phase=done", auditor, NULL, NULL, 400, NULL, "phase");
        expect_refused("GET", "/api/v1/incidents?severity=high", auditor, NULL, NULL, 400, NULL, "severity");
        expect_refused("GET", "/api/v1/incidents?classification=maybe", auditor, NULL, NULL, 400, NULL, "classification");
        expect_refused("GET", "/api/v1/incidents?service=a%20b", auditor, NULL, NULL, 400, NULL, "service");
        /* Paging newest first, each incident once. */
        struct reply r;
        http(&S, "GET", "/api/v1/incidents?limit=1", auditor, NULL, NULL, &r);
        const char *first = json_string_value(json_object_get(json_array_get(json_object_get(r.json, "items"), 0), "key"));
        char first_key[32], path[200];
        snprintf(first_key, sizeof first_key, "%s", first);
        assert_string_equal(first_key, key); /* the newest */
        snprintf(path, sizeof path, "/api/v1/incidents?limit=1&cursor=%s",
                 json_string_value(json_object_get(r.json, "next_cursor")));
        reply_free(&r);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_string_not_equal(json_string_value(json_object_get(json_array_get(json_object_get(r.json, "items"), 0), "key")),
                                first_key);
        reply_free(&r);
}

static void classify_rules(void **state)
{
        char key[32], path[96];
        struct reply r;
        (void)state;
        report("{\"title\":\"Exposed bucket\",\"severity\":\"sev2\",\"source\":\"third_party\",\"services\":[\"storage\"]}",
               key, sizeof key);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        expect_refused("POST", path, responder, NULL, "{\"classification\":\"security_incident\"}", 400,
                       NULL, "impact");
        expect_refused("POST", path, responder, NULL,
                       "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                       "\"data_categories\":[\"internal\"]}", 400, NULL, "data_categories");
        expect_refused("POST", path, responder, NULL,
                       "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":\"yes\"}}",
                       400, NULL, "confidentiality");
        expect_refused("POST", path, responder, NULL,
                       "{\"classification\":\"security_incident\",\"data_categories\":[\"gold\"]}", 400, NULL,
                       "data_categories");
        expect_refused("POST", path, responder, NULL, "{\"classification\":\"bad\"}", 400, NULL, "classification");
        expect_refused("POST", path, auditor, NULL, "{\"classification\":\"false_positive\"}", 403, NULL, NULL);

        http(&S, "POST", path, responder, NULL,
             "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
             "\"data_categories\":[\"personal_data\",\"credentials\"],\"reason\":\"objects listed publicly\"}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "classification")), "security_incident");
        assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
        assert_int_equal(json_array_size(json_object_get(r.json, "data_categories")), 2);
        assert_true(json_is_true(json_object_get(json_object_get(r.json, "impact"), "confidentiality")));
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.classify' AND change LIKE '%objects listed publicly%'"), 1);
}

static void concurrent_writers_get_412(void **state)
{
        char key[32], path[96], get[96], tag[96];
        struct reply r;
        (void)state;
        report("{\"title\":\"Two editors\",\"severity\":\"sev3\",\"source\":\"employee\"}", key, sizeof key);
        snprintf(get, sizeof get, "/api/v1/incidents/%s", key);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        http(&S, "GET", get, responder, NULL, NULL, &r);
        snprintf(tag, sizeof tag, "If-Match: %s", reply_header(&r, "ETag"));
        reply_free(&r);
        const char *const h[] = { tag, NULL };
        /* Both read the same version; the first write wins, the second is told. */
        http(&S, "POST", path, manager, h, "{\"classification\":\"compliance_event\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        expect_refused("POST", path, responder, h, "{\"classification\":\"false_positive\"}", 412,
                       "changed since you read it", NULL);
        http(&S, "GET", get, responder, NULL, NULL, &r);
        assert_string_equal(json_string_value(json_object_get(r.json, "classification")), "compliance_event");
        reply_free(&r);
}

static void advance_enforces_exit_criteria(void **state)
{
        char key[32], path[96];
        struct reply r;
        (void)state;
        report("{\"title\":\"Suspicious admin login\",\"severity\":\"sev2\",\"source\":\"monitoring\"}", key, sizeof key);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", key);
        /* No affected service recorded: analysis cannot be left. */
        expect_refused("POST", path, responder, NULL, "{\"phase\":\"containment\"}", 409, "1 criterion", "scope.services");
        expect_refused("POST", path, responder, NULL, "{\"phase\":\"eradication\"}", 409, NULL, "phase");
        expect_refused("POST", path, responder, NULL, "{\"phase\":\"sideways\"}", 400, NULL, "phase");
        expect_refused("POST", path, responder, NULL, "{}", 400, NULL, "phase");

        /* A report with services can move to containment, classification
         * still suspected: containment must not wait. */
        report("{\"title\":\"Suspicious admin login 2\",\"severity\":\"sev2\",\"source\":\"monitoring\","
               "\"services\":[\"admin-portal\"]}", key, sizeof key);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", key);
        http(&S, "POST", path, responder, NULL, "{\"phase\":\"containment\"}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "phase")), "containment");
        reply_free(&r);
        /* Leaving containment lists everything missing at once. */
        struct reply rr;
        http(&S, "POST", path, responder, NULL, "{\"phase\":\"eradication\"}", &rr);
        assert_int_equal(rr.status, 409);
        assert_true(problem_has_field(rr.json, "classification"));
        assert_true(problem_has_field(rr.json, "declaration"));
        assert_true(problem_has_field(rr.json, "scope.tenants"));
        reply_free(&rr);
        /* Re-entry needs a reason. */
        expect_refused("POST", path, responder, NULL, "{\"phase\":\"analysis\"}", 400, NULL, "reason");
        http(&S, "POST", path, manager, NULL, "{\"phase\":\"analysis\",\"reason\":\"scope was wrong\"}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "phase")), "analysis");
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.advance' AND change LIKE '%scope was wrong%'"), 1);
}

static void false_positive_closes_with_justification(void **state)
{
        char key[32], path[96], cls[96];
        struct reply r;
        (void)state;
        report("{\"title\":\"Port scan from partner\",\"severity\":\"sev4\",\"source\":\"monitoring\"}", key, sizeof key);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", key);
        snprintf(cls, sizeof cls, "/api/v1/incidents/%s/classify", key);
        expect_refused("POST", path, responder, NULL, "{\"phase\":\"closed\"}", 409, NULL, NULL);
        http(&S, "POST", cls, responder, NULL, "{\"classification\":\"false_positive\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        expect_refused("POST", path, responder, NULL, "{\"phase\":\"closed\"}", 400, NULL, "reason");
        http(&S, "POST", path, responder, NULL,
             "{\"phase\":\"closed\",\"reason\":\"authorised scan by the partner, ticket 4411\"}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "phase")), "closed");
        assert_false(json_is_null(json_object_get(r.json, "closed_at")));
        reply_free(&r);
        expect_refused("POST", path, responder, NULL, "{\"phase\":\"analysis\",\"reason\":\"x\"}", 409, NULL, "phase");
        expect_refused("POST", cls, responder, NULL, "{\"classification\":\"suspected\"}", 409, "closed", NULL);
}

static void scope_and_declaration_unlock_containment(void **state)
{
        char key[32];
        struct reply r;
        (void)state;
        report("{\"title\":\"Token leak in public repo\",\"severity\":\"sev1\",\"source\":\"third_party\","
               "\"services\":[\"api-gateway\"]}", key, sizeof key);
        char scope[96], declare[96], classify[96], advance[96], get[96];
        snprintf(scope, sizeof scope, "/api/v1/incidents/%s/scope", key);
        snprintf(declare, sizeof declare, "/api/v1/incidents/%s/declare", key);
        snprintf(classify, sizeof classify, "/api/v1/incidents/%s/classify", key);
        snprintf(advance, sizeof advance, "/api/v1/incidents/%s/advance", key);
        snprintf(get, sizeof get, "/api/v1/incidents/%s", key);

        /* Bad scope input changes nothing. */
        expect_refused("PUT", scope, responder, NULL, "{}", 400, NULL, "services");
        size_t acme_before = list_count("?tenant=acme&limit=500");
        expect_refused("PUT", scope, responder, NULL, "{\"tenants\":[{\"id\":\"acme\",\"status\":\"maybe\"}]}", 400, NULL, "tenants[0]");
        expect_refused("PUT", scope, responder, NULL,
                       "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\"},{\"id\":\"acme\",\"status\":\"suspected\"}]}",
                       400, NULL, "tenants[1]");
        expect_refused("PUT", scope, responder, NULL, "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\",\"size\":3}]}",
                       400, NULL, "tenants[0]");
        expect_refused("PUT", scope, responder, NULL, "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\",\"affected_users\":-1}]}",
                       400, NULL, "tenants[0]");
        expect_refused("PUT", scope, responder, NULL, "{\"indicators\":[{\"kind\":\"ip\",\"value\":\"999.1.1.1\"}]}", 400, NULL, "indicators[0]");
        expect_refused("PUT", scope, responder, NULL, "{\"indicators\":[{\"kind\":\"colour\",\"value\":\"red\"}]}", 400, NULL, "indicators[0]");
        expect_refused("PUT", scope, auditor, NULL, "{\"services\":[\"x\"]}", 403, NULL, NULL);

        http(&S, "PUT", scope, responder, NULL,
             "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\",\"evidence\":\"token used from 203.0.113.9\","
             "\"affected_users\":1200,\"data_categories\":[\"personal_data\"]},"
             "{\"id\":\"globex\",\"status\":\"ruled_out\",\"evidence\":\"no access in logs\"}],"
             "\"indicators\":[{\"kind\":\"cidr\",\"value\":\"203.0.113.77/24\"},{\"kind\":\"domain\",\"value\":\"Exfil.Example.NET\"}],"
             "\"reason\":\"first access-log pass\"}", &r);
        assert_int_equal(r.status, 200);
        json_t *tenants = json_object_get(r.json, "tenants");
        assert_int_equal(json_array_size(tenants), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(tenants, 0), "id")), "acme");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(tenants, 0), "affected_users")), 1200);
        json_t *inds = json_object_get(r.json, "indicators");
        assert_string_equal(json_string_value(json_object_get(json_array_get(inds, 0), "value")), "203.0.113.0/24");
        assert_string_equal(json_string_value(json_object_get(json_array_get(inds, 1), "value")), "exfil.example.net");
        assert_int_equal(json_array_size(json_object_get(r.json, "services")), 1); /* kept: not sent */
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.scope' AND change LIKE '%first access-log pass%'"), 1);
        assert_int_equal(list_count("?tenant=acme&limit=500"), acme_before + 1);
        assert_int_equal(list_count("?tenant=globex&limit=500"), 1); /* ruled out is still in scope */

        /* Declaring needs a security_incident; only managers declare. */
        expect_refused("POST", declare, manager, NULL, "{\"criteria\":\"confirmed exfiltration\"}", 409, "only a security_incident", NULL);
        http(&S, "POST", classify, responder, NULL,
             "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},\"data_categories\":[\"personal_data\"]}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        expect_refused("POST", declare, responder, NULL, "{\"criteria\":\"x\"}", 403, NULL, NULL);
        expect_refused("POST", declare, manager, NULL, "{}", 400, NULL, "criteria");
        expect_refused("POST", declare, manager, NULL, "{\"criteria\":\"x\",\"declared_at\":\"2999-01-01T00:00:00Z\"}", 400, NULL, "declared_at");
        expect_refused("POST", declare, manager, NULL, "{\"criteria\":\"x\",\"triggers\":[5]}", 400, NULL, "triggers");
        long events = db_count(&S, "domain_events", "type='incident.declared'");

        http(&S, "POST", declare, manager, NULL,
             "{\"criteria\":\"personal data of acme users confirmed accessed\",\"triggers\":[\"alert:gh-secret-scan-881\"]}", &r);
        assert_int_equal(r.status, 200);
        assert_false(json_is_null(json_object_get(r.json, "declared_at")));
        json_t *decl = json_object_get(r.json, "declaration");
        assert_string_equal(json_string_value(json_object_get(decl, "by")), "ivan");
        assert_string_equal(json_string_value(json_array_get(json_object_get(decl, "triggers"), 0)), "alert:gh-secret-scan-881");
        reply_free(&r);
        assert_int_equal(db_count(&S, "domain_events", "type='incident.declared'"), events + 1);
        expect_refused("POST", declare, manager, NULL, "{\"criteria\":\"again\"}", 409, "declared already", NULL);
        assert_true(list_count("?declared_from=2000-01-01T00:00:00Z&limit=500") >= 1);
        assert_int_equal(list_count("?declared_to=2000-01-01T00:00:00Z"), 0);
        expect_refused("GET", "/api/v1/incidents?declared_from=yesterday", auditor, NULL, NULL, 400, NULL, "declared_from");
        expect_refused("GET", "/api/v1/incidents?declared_from=2026-02-01T00:00:00Z&declared_to=2026-01-01T00:00:00Z",
                       auditor, NULL, NULL, 400, NULL, "declared_to");
        expect_refused("GET", "/api/v1/incidents?tenant=a%20b", auditor, NULL, NULL, 400, NULL, "tenant");

        /* Now containment can be left; eradication cannot yet. */
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"containment\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"eradication\"}", &r);
        assert_int_equal(r.status, 200);
        assert_false(json_is_null(json_object_get(r.json, "contained_at")));
        reply_free(&r);
        expect_refused("POST", advance, responder, NULL, "{\"phase\":\"recovery\"}", 409, NULL, "root_cause");
}

/* The row of tenant in an incident's JSON, as compact text (caller frees);
 * NULL when it is not in scope. */
static char *tenant_row_text(const char *get, const char *tenant)
{
        struct reply r;
        char *out = NULL;
        size_t i;
        json_t *t;
        http(&S, "GET", get, responder, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_array_foreach(json_object_get(r.json, "tenants"), i, t)
                if (strcmp(json_string_value(json_object_get(t, "id")), tenant) == 0)
                        out = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
        reply_free(&r);
        return out;
}

static void scope_rows_one_at_a_time(void **state)
{
        char key[32], get[96], row[160], other[160], unknown[160], path[256], tag[64];
        char evidence[4200];
        struct reply r;
        (void)state;
        report("{\"title\":\"Shared cache served the wrong session\",\"severity\":\"sev2\",\"source\":\"customer\"}", key,
               sizeof key);
        snprintf(get, sizeof get, "/api/v1/incidents/%s", key);
        snprintf(row, sizeof row, "%s/scope/tenants/initech", get);
        snprintf(other, sizeof other, "%s/scope/tenants/umbrella", get);
        snprintf(unknown, sizeof unknown, "%s/scope/tenants/nosuch", get);
        assert_int_equal(api_call(&S, "PUT", "/api/v1/tenants/initech", comms,
                                  "{\"name\":\"Initech\",\"contacts\":[{\"email\":\"sec@initech.example\"}]}", NULL), 201);
        assert_int_equal(api_call(&S, "PUT", "/api/v1/tenants/umbrella", comms,
                                  "{\"name\":\"Umbrella\",\"contacts\":[{\"email\":\"sec@umbrella.example\"}]}", NULL), 201);

        /* Bad input changes nothing, and names its field. */
        expect_refused("PUT", unknown, responder, NULL, "{\"status\":\"confirmed\"}", 400, NULL, "tenant");
        expect_refused("PUT", row, responder, NULL, "{\"status\":\"maybe\"}", 400, NULL, "status");
        expect_refused("PUT", row, responder, NULL, "{\"status\":\"confirmed\",\"id\":\"initech\"}", 400, NULL, "id");
        expect_refused("PUT", row, responder, NULL, "{\"status\":\"confirmed\",\"affected_users\":-3}", 400, NULL,
                       "affected_users");
        expect_refused("PUT", row, responder, NULL, "{\"status\":\"confirmed\",\"data_categories\":[\"gold\"]}", 400, NULL,
                       "data_categories");
        memset(evidence, 'x', 4097);
        evidence[4097] = '\0';
        {
                char body[4300];
                snprintf(body, sizeof body, "{\"status\":\"confirmed\",\"evidence\":\"%s\"}", evidence);
                expect_refused("PUT", row, responder, NULL, body, 400, NULL, "evidence");
        }
        snprintf(path, sizeof path, "%s/scope/tenants/%065d", get, 7);
        expect_refused("PUT", path, responder, NULL, "{\"status\":\"confirmed\"}", 400, NULL, "tenant");
        expect_refused("PUT", row, auditor, NULL, "{\"status\":\"confirmed\"}", 403, NULL, NULL);
        expect_refused("DELETE", row, responder, NULL, NULL, 404, "not in the scope", NULL);

        /* Two rows, each written on its own; multibyte text kept as sent. */
        http(&S, "PUT", row, responder, NULL,
             "{\"status\":\"confirmed\",\"evidence\":\"session of Zoë seen by another tenant — 3 requests\","
             "\"affected_users\":40,\"data_categories\":[\"personal_data\"],\"reason\":\"cache logs\"}", &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(json_array_size(json_object_get(r.json, "tenants")), 1);
        snprintf(tag, sizeof tag, "%s", reply_header(&r, "ETag"));
        reply_free(&r);
        assert_int_equal(api_call(&S, "PUT", other, responder, "{\"status\":\"suspected\",\"evidence\":\"same node\"}", NULL),
                         200);
        /* A stale If-Match is refused; the row is untouched. */
        {
                char h[96];
                snprintf(h, sizeof h, "If-Match: %s", tag);
                const char *const hs[] = { h, NULL };
                expect_refused("PUT", other, responder, hs, "{\"status\":\"ruled_out\"}", 412, NULL, NULL);
        }
        char *before = tenant_row_text(get, "initech");
        assert_non_null(before);
        assert_non_null(strstr(before, "Zoë"));
        /* Editing the other row, twice, leaves this one byte for byte. */
        assert_int_equal(api_call(&S, "PUT", other, responder,
                                  "{\"status\":\"confirmed\",\"evidence\":\"same node, confirmed\",\"affected_users\":2}",
                                  NULL), 200);
        assert_int_equal(api_call(&S, "PUT", other, responder,
                                  "{\"status\":\"confirmed\",\"evidence\":\"same node, confirmed\",\"affected_users\":3}",
                                  NULL), 200);
        char *after = tenant_row_text(get, "initech");
        assert_string_equal(before, after);
        free(after);
        char *umb = tenant_row_text(get, "umbrella");
        assert_non_null(strstr(umb, "\"affected_users\":3"));
        free(umb);
        /* The audit keeps each row as written and the one it replaced. */
        assert_int_equal(db_count(&S, "audit_log", "action='incident.scope_tenant' AND object LIKE 'incident:%' "
                                                   "AND change LIKE '%\"previous\":null%'"), 2);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.scope_tenant' AND change LIKE '%\"affected_users\":2%'"),
                         2); /* the row with 2, then the one that replaced it */

        /* Out of scope, with a reason; the other row stays. */
        http(&S, "DELETE", other, responder, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(json_array_size(json_object_get(r.json, "tenants")), 1);
        reply_free(&r);
        assert_null(tenant_row_text(get, "umbrella"));
        after = tenant_row_text(get, "initech");
        assert_string_equal(before, after);
        free(after);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.scope_tenant_removed'"), 1);

        /* A closed incident's scope is read-only. */
        snprintf(path, sizeof path, "%s/classify", get);
        assert_int_equal(api_call(&S, "POST", path, responder, "{\"classification\":\"false_positive\"}", NULL), 200);
        snprintf(path, sizeof path, "%s/advance", get);
        assert_int_equal(api_call(&S, "POST", path, responder, "{\"phase\":\"closed\",\"reason\":\"not ours\"}", NULL), 200);
        expect_refused("PUT", row, responder, NULL, "{\"status\":\"ruled_out\"}", 409, "closed", NULL);
        expect_refused("DELETE", row, responder, NULL, NULL, 409, "closed", NULL);
        after = tenant_row_text(get, "initech");
        assert_string_equal(before, after);
        free(after);
        free(before);
}

static void notes_and_timeline(void **state)
{
        char key[32], notes[96], timeline[160], cls[96];
        struct reply r;
        (void)state;
        report("{\"title\":\"Odd outbound traffic\",\"severity\":\"sev3\",\"source\":\"monitoring\"}", key, sizeof key);
        snprintf(notes, sizeof notes, "/api/v1/incidents/%s/notes", key);
        snprintf(cls, sizeof cls, "/api/v1/incidents/%s/classify", key);
        expect_refused("POST", notes, responder, NULL, "{\"text\":\"\"}", 400, NULL, "text");
        expect_refused("POST", notes, responder, NULL, "{\"body\":\"x\"}", 400, NULL, "body");
        expect_refused("POST", notes, auditor, NULL, "{\"text\":\"x\"}", 403, NULL, NULL);
        expect_refused("POST", "/api/v1/incidents/INC-2026-9999/notes", responder, NULL, "{\"text\":\"x\"}", 404, NULL, NULL);
        http(&S, "POST", notes, responder, NULL, "{\"text\":\"Blocked **egress** to 198.51.100.0/24\"}", &r);
        assert_int_equal(r.status, 201);
        assert_string_equal(json_string_value(json_object_get(r.json, "author")), "rita");
        reply_free(&r);
        http(&S, "POST", cls, manager, NULL, "{\"classification\":\"compliance_event\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "POST", notes, manager, NULL, "{\"text\":\"No customer data involved\"}", &r);
        assert_int_equal(r.status, 201);
        reply_free(&r);

        /* Oldest first, each change and note once, across pages. */
        const char *want[] = { "incident.create", "incident.note", "incident.classify", "incident.note" };
        size_t seen = 0;
        snprintf(timeline, sizeof timeline, "/api/v1/incidents/%s/timeline?limit=3", key);
        for (int page = 0; page < 3; page++) {
                http(&S, "GET", timeline, auditor, NULL, NULL, &r);
                assert_int_equal(r.status, 200);
                json_t *it;
                size_t i;
                json_array_foreach(json_object_get(r.json, "items"), i, it) {
                        /* The pager's own records (no escalation policy here) come
                         * when its job runs; they are not what this test counts. */
                        const char *actor = json_string_value(json_object_get(it, "actor"));
                        assert_non_null(actor);
                        if (strcmp(actor, "system") == 0)
                                continue;
                        assert_true(seen < 4);
                        assert_string_equal(json_string_value(json_object_get(it, "action")), want[seen]);
                        seen++;
                }
                json_t *next = json_object_get(r.json, "next_cursor");
                if (json_is_null(next)) {
                        reply_free(&r);
                        break;
                }
                snprintf(timeline, sizeof timeline, "/api/v1/incidents/%s/timeline?limit=3&cursor=%s", key,
                         json_string_value(next));
                reply_free(&r);
        }
        assert_int_equal(seen, 4);
        snprintf(timeline, sizeof timeline, "/api/v1/incidents/%s/timeline", key);
        http(&S, "GET", timeline, auditor, NULL, NULL, &r);
        /* The first note, wherever the pager's records fell around it. */
        json_t *it, *note = NULL;
        size_t i;
        json_array_foreach(json_object_get(r.json, "items"), i, it) {
                const char *action = json_string_value(json_object_get(it, "action"));
                if (!note && action && strcmp(action, "incident.note") == 0)
                        note = it;
        }
        assert_non_null(note);
        assert_string_equal(json_string_value(json_object_get(json_object_get(note, "change"), "text")) ?: "(none)",
                            "Blocked **egress** to 198.51.100.0/24");
        assert_string_equal(json_string_value(json_object_get(note, "actor")) ?: "(none)", "user:rita");
        reply_free(&r);
        expect_refused("GET", "/api/v1/incidents/INC-2026-9999/timeline", auditor, NULL, NULL, 404, NULL, NULL);
}

static void cli_works_an_incident(void **state)
{
        char *out = NULL, key[32];
        struct client_env resp_env, mgr_env, exec_env;
        (void)state;
        const char *const *as_resp = client_env(&resp_env, &S, responder);
        const char *const *as_mgr = client_env(&mgr_env, &S, manager);

        const char *create[] = { "-o", "json", "incident", "create", "--title", "Webshell on edge node",
                                 "--severity", "sev1", "--source", "monitoring", "--service", "edge", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, create), 0);
        json_t *j = json_loads(out, 0, NULL);
        assert_non_null(j);
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(j, "key")));
        json_decref(j);
        free(out);

        const char *show[] = { "incident", "show", key, NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, show), 0);
        assert_non_null(strstr(out, "Webshell on edge node"));
        assert_non_null(strstr(out, "phase analysis, suspected, sev1"));
        free(out);

        const char *scope[] = { "incident", "scope", key, "--tenant", "acme:confirmed", "--indicator",
                                "ip:198.51.100.4", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, scope), 0);
        assert_non_null(strstr(out, "tenant acme: confirmed"));
        assert_non_null(strstr(out, "indicator ip 198.51.100.4"));
        free(out);

        const char *classify[] = { "incident", "classify", key, "security_incident", "--integrity",
                                   "--data", "customer_data", "--reason", "webshell wrote to tenant data", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, classify), 0);
        free(out);
        const char *declare[] = { "incident", "declare", key, "--criteria", "tenant data modified",
                                  "--trigger", "alert:waf-1", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, declare), 1); /* responders do not declare */
        assert_non_null(strstr(out, "403"));
        free(out);
        assert_int_equal(vigil_run(NULL, &out, as_mgr, declare), 0);
        assert_non_null(strstr(out, "declared"));
        free(out);

        const char *adv[] = { "incident", "advance", key, "containment", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, adv), 0);
        free(out);
        const char *skip[] = { "incident", "advance", key, "recovery", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, skip), 1);
        assert_non_null(strstr(out, "409"));
        assert_non_null(strstr(out, "phases are not skipped"));
        free(out);

        const char *const *as_exec = client_env(&exec_env, &S, executive);
        const char *task_add[] = { "incident", "task", "add", key, "--phase", "containment", "--title",
                                   "Pull the node from the pool", "--owner", "rita", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, task_add), 0);
        assert_non_null(strstr(out, "Pull the node from the pool"));
        free(out);
        const char *task_list[] = { "-o", "json", "incident", "task", "list", key, NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, task_list), 0);
        j = json_loads(out, 0, NULL);
        long tid = (long)json_integer_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "id"));
        json_decref(j);
        free(out);
        char tid_s[24];
        snprintf(tid_s, sizeof tid_s, "%ld", tid);
        const char *task_done[] = { "incident", "task", "set", key, tid_s, "--status", "done", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, task_done), 0);
        assert_non_null(strstr(out, "done"));
        free(out);
        const char *approve[] = { "incident", "approve", key, tid_s, "--grant", "--comment", "fine", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_exec, approve), 1); /* no business impact: nothing to approve */
        assert_non_null(strstr(out, "no pending approval"));
        free(out);
        const char *note[] = { "incident", "note", key, "isolated the node", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, note), 0);
        free(out);
        const char *timeline[] = { "incident", "timeline", key, NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, timeline), 0);
        assert_non_null(strstr(out, "incident.declare"));
        assert_non_null(strstr(out, "isolated the node"));
        free(out);

        const char *list[] = { "incident", "list", "--phase", "containment", "--severity", "sev1",
                               "--tenant", "acme", "--declared-from", "2000-01-01T00:00:00Z", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, list), 0);
        assert_non_null(strstr(out, key));
        free(out);

        const char *bad[] = { "incident", "create", "--title", NULL };
        assert_int_equal(vigil_run(NULL, &out, as_resp, bad), 2);
        free(out);
        const char *help[] = { "incident", "--help", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, help), 0);
        assert_non_null(strstr(out, "usage: vigil incident create"));
        free(out);
}

static long task_id(struct reply *r)
{
        return (long)json_integer_value(json_object_get(r->json, "id"));
}

/* An incident's key and the paths of its task doors. */
struct incident_paths {
        char key[32], base[96], tasks[128], approvals[128], advance[128];
};

/* Report a declared security incident (title given), bring it to
 * containment and fill p. */
static void report_contained(const char *title, struct incident_paths *p)
{
        char body[300], path[160];
        struct reply r;
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"sev1\",\"source\":\"employee\",\"services\":[\"release\"]}", title);
        report(body, p->key, sizeof p->key);
        snprintf(p->base, sizeof p->base, "/api/v1/incidents/%s", p->key);
        snprintf(p->tasks, sizeof p->tasks, "%s/tasks", p->base);
        snprintf(p->approvals, sizeof p->approvals, "%s/approvals", p->base);
        snprintf(p->advance, sizeof p->advance, "%s/advance", p->base);
        const char *base = p->base;
        snprintf(path, sizeof path, "%s/classify", base);
        http(&S, "POST", path, responder, NULL, "{\"classification\":\"security_incident\",\"impact\":{\"integrity\":true},"
             "\"data_categories\":[\"customer_data\"]}", &r);
        reply_free(&r);
        snprintf(path, sizeof path, "%s/scope", base);
        http(&S, "PUT", path, responder, NULL, "{\"tenants\":[{\"id\":\"acme\",\"status\":\"suspected\"}]}", &r);
        reply_free(&r);
        snprintf(path, sizeof path, "%s/declare", base);
        http(&S, "POST", path, manager, NULL, "{\"criteria\":\"signed malicious build reached customers\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        assert_int_equal(api_call(&S, "POST", p->advance, responder, "{\"phase\":\"containment\"}", NULL), 200);
}

static void tasks_approvals_and_root_cause(void **state)
{
        struct incident_paths p;
        char path[256], body[300];
        struct reply r;
        (void)state;
        report_contained("Compromised signing key", &p);
        const char *base = p.base, *tasks = p.tasks, *approvals = p.approvals, *advance = p.advance;

        /* Bad task input. */
        expect_refused("POST", tasks, responder, NULL, "{\"phase\":\"containment\",\"title\":\"x\",\"business_impact\":true}",
                       400, NULL, "business_impact");
        expect_refused("POST", tasks, responder, NULL, "{\"phase\":\"containment\",\"title\":\"x\",\"owner\":\"ghost\"}",
                       400, NULL, "owner");
        /* No owner is null: "" names no user. */
        expect_refused("POST", tasks, responder, NULL, "{\"phase\":\"containment\",\"title\":\"x\",\"owner\":\"\"}",
                       400, NULL, "owner");
        expect_refused("POST", tasks, responder, NULL, "{\"phase\":\"closed\",\"title\":\"x\"}", 400, NULL, "phase");
        expect_refused("POST", tasks, responder, NULL, "{\"phase\":\"containment\"}", 400, NULL, "title");
        expect_refused("POST", tasks, auditor, NULL, "{\"phase\":\"containment\",\"title\":\"x\"}", 403, NULL, NULL);

        /* An open containment task holds the phase. */
        http(&S, "POST", tasks, responder, NULL,
             "{\"phase\":\"containment\",\"title\":\"Revoke the key at the CA\",\"owner\":\"rita\",\"due_at\":\"2030-01-01T00:00:00Z\"}", &r);
        assert_int_equal(r.status, 201);
        long revoke = task_id(&r);
        assert_string_equal(json_string_value(json_object_get(r.json, "owner")), "rita");
        assert_true(json_is_null(json_object_get(r.json, "approval")));
        reply_free(&r);
        expect_refused("POST", advance, responder, NULL, "{\"phase\":\"eradication\"}", 409, NULL, "tasks.containment");
        snprintf(path, sizeof path, "%s/%ld", tasks, revoke);
        expect_refused("PATCH", path, responder, NULL, "{\"status\":\"finished\"}", 400, NULL, "status");
        http(&S, "PATCH", path, responder, NULL, "{\"status\":\"done\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"eradication\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);

        /* A business-impact step waits for the executive. */
        http(&S, "POST", tasks, responder, NULL,
             "{\"phase\":\"eradication\",\"title\":\"Invalidate every customer's installed builds\",\"business_impact\":true}", &r);
        assert_int_equal(r.status, 201);
        long wipe = task_id(&r);
        json_t *ap = json_object_get(r.json, "approval");
        assert_string_equal(json_string_value(json_object_get(ap, "status")), "pending");
        assert_string_equal(json_string_value(json_object_get(ap, "requested_by")), "rita");
        reply_free(&r);
        snprintf(path, sizeof path, "%s/%ld", tasks, wipe);
        expect_refused("PATCH", path, responder, NULL, "{\"status\":\"in_progress\"}", 409, "needs an executive approval", NULL);
        struct reply rr;
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"recovery\"}", &rr);
        assert_int_equal(rr.status, 409);
        assert_true(problem_has_field(rr.json, "root_cause"));
        assert_true(problem_has_field(rr.json, "approvals.pending"));
        reply_free(&rr);

        /* Only the executive decides, with a comment. */
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"ok\"}", wipe);
        expect_refused("POST", approvals, manager, NULL, body, 403, NULL, NULL);
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\"}", wipe);
        expect_refused("POST", approvals, executive, NULL, body, 400, NULL, "comment");
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"maybe\",\"comment\":\"x\"}", wipe);
        expect_refused("POST", approvals, executive, NULL, body, 400, NULL, "decision");
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"x\"}", revoke);
        expect_refused("POST", approvals, executive, NULL, body, 409, "no pending approval", NULL);
        expect_refused("POST", approvals, executive, NULL, "{\"task\":999999,\"decision\":\"granted\",\"comment\":\"x\"}",
                       404, NULL, NULL);
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"rejected\",\"comment\":\"too broad; target affected builds only\"}", wipe);
        http(&S, "POST", approvals, executive, NULL, body, &r);
        assert_int_equal(r.status, 200);
        ap = json_object_get(r.json, "approval");
        assert_string_equal(json_string_value(json_object_get(ap, "status")), "rejected");
        assert_string_equal(json_string_value(json_object_get(ap, "decided_by")), "eve");
        reply_free(&r);
        expect_refused("POST", approvals, executive, NULL, body, 409, "no pending approval", NULL);
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"recovery\"}", &rr);
        assert_true(problem_has_field(rr.json, "approvals.rejected"));
        reply_free(&rr);

        /* Cancel the rejected step, plan a narrower one, get it granted. */
        http(&S, "PATCH", path, responder, NULL, "{\"status\":\"cancelled\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "POST", tasks, responder, NULL,
             "{\"phase\":\"eradication\",\"title\":\"Invalidate builds signed after the leak\",\"business_impact\":true}", &r);
        long narrow = task_id(&r);
        reply_free(&r);
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"approved, notify sales first\"}", narrow);
        http(&S, "POST", approvals, executive, NULL, body, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        snprintf(path, sizeof path, "%s/%ld", tasks, narrow);
        http(&S, "PATCH", path, responder, NULL, "{\"status\":\"done\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);

        /* Root cause through PATCH, then eradication can be left. */
        expect_refused("PATCH", base, responder, NULL, "{\"root_cause\":\"\"}", 400, NULL, "root_cause");
        expect_refused("PATCH", base, responder, NULL, "{}", 400, NULL, NULL);
        expect_refused("PATCH", base, responder, NULL, "{\"phase\":\"closed\"}", 400, NULL, "phase");
        http(&S, "PATCH", base, responder, NULL,
             "{\"root_cause\":\"Signing key kept on a shared build agent without an HSM\",\"severity\":\"sev1\"}", &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(json_string_value(json_object_get(r.json, "root_cause")), "HSM"));
        reply_free(&r);
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"recovery\"}", &r);
        assert_int_equal(r.status, 200);
        assert_false(json_is_null(json_object_get(r.json, "eradicated_at")));
        reply_free(&r);

        http(&S, "GET", tasks, auditor, NULL, NULL, &r);
        assert_int_equal(json_array_size(json_object_get(r.json, "items")), 3);
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.approval' AND change LIKE '%too broad%'"), 1);

        /* Recovery: a last known good state and passing validations. */
        char recovery[128], checks[160];
        snprintf(recovery, sizeof recovery, "%s/recovery", base);
        snprintf(checks, sizeof checks, "%s/recovery/checks", base);
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"post_incident\"}", &rr);
        assert_int_equal(rr.status, 409);
        assert_true(problem_has_field(rr.json, "recovery.last_known_good"));
        assert_true(problem_has_field(rr.json, "recovery.validations"));
        reply_free(&rr);
        snprintf(path, sizeof path, "%s/recovery/assets/release-signer", base);
        expect_refused("PUT", path, responder, NULL, "{\"restore_actions\":\"x\"}", 400, NULL, "snapshot");
        expect_refused("PUT", path, auditor, NULL, "{\"build\":\"x\"}", 403, NULL, NULL);
        snprintf(path, sizeof path, "%s/recovery/assets/bad%%20name", base);
        expect_refused("PUT", path, responder, NULL, "{\"build\":\"x\"}", 400, NULL, "asset");
        snprintf(path, sizeof path, "%s/recovery/assets/release-signer", base);
        http(&S, "PUT", path, responder, NULL,
             "{\"snapshot\":\"snap-2026-11-01\",\"build\":\"signer-4.2.1\",\"config_hash\":\"sha256:ab12\","
             "\"restore_actions\":\"rebuilt from the golden image; new key in the HSM\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        expect_refused("POST", checks, responder, NULL, "{}", 400, NULL, "name");
        expect_refused("POST", checks, responder, NULL, "{\"name\":\"x\",\"asset\":\"\"}", 400, NULL, "asset");
        http(&S, "POST", checks, responder, NULL, "{\"name\":\"signature verifies with the new key\",\"asset\":\"release-signer\"}", &r);
        assert_int_equal(r.status, 201);
        assert_string_equal(json_string_value(json_object_get(r.json, "result")), "pending");
        long check = (long)json_integer_value(json_object_get(r.json, "id"));
        reply_free(&r);
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"post_incident\"}", &rr);
        assert_int_equal(rr.status, 409);
        assert_true(problem_has_field(rr.json, "recovery.validations"));
        reply_free(&rr);
        snprintf(path, sizeof path, "%s/%ld", checks, check);
        expect_refused("PATCH", path, responder, NULL, "{\"result\":\"ok\"}", 400, NULL, "result");
        http(&S, "PATCH", path, responder, NULL, "{\"result\":\"fail\",\"detail\":\"old key still trusted by the updater\"}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "checked_by")), "rita");
        reply_free(&r);
        expect_refused("POST", advance, responder, NULL, "{\"phase\":\"post_incident\"}", 409, NULL, "recovery.validations");
        http(&S, "PATCH", path, responder, NULL, "{\"result\":\"pass\",\"detail\":\"updater trust store replaced\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "GET", recovery, auditor, NULL, NULL, &r);
        assert_int_equal(json_array_size(json_object_get(r.json, "assets")), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r.json, "checks"), 0), "result")), "pass");
        reply_free(&r);
        http(&S, "POST", advance, responder, NULL, "{\"phase\":\"post_incident\"}", &r);
        assert_int_equal(r.status, 200);
        assert_false(json_is_null(json_object_get(r.json, "recovered_at")));
        assert_false(json_is_null(json_object_get(r.json, "vigilance_until")));
        reply_free(&r);

        /* Under enhanced vigilance: an alert on the same service joins it. */
        http(&S, "POST", "/api/v1/vigilance/match", auditor, NULL, "{\"service\":\"release\"}", &r);
        assert_int_equal(r.status, 200);
        json_t *m = json_object_get(r.json, "match");
        assert_string_equal(json_string_value(json_object_get(m, "incident")), p.key);
        assert_string_equal(json_string_value(json_object_get(m, "why")), "service release");
        reply_free(&r);
        http(&S, "POST", "/api/v1/vigilance/match", auditor, NULL, "{\"tenant\":\"acme\"}", &r);
        assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "match"), "why")), "tenant acme");
        reply_free(&r);
        http(&S, "POST", "/api/v1/vigilance/match", auditor, NULL, "{\"service\":\"release\",\"at\":\"2099-01-01T00:00:00Z\"}", &r);
        assert_true(json_is_null(json_object_get(r.json, "match"))); /* window over */
        reply_free(&r);
        http(&S, "POST", "/api/v1/vigilance/match", auditor, NULL,
             "{\"service\":\"unrelated\",\"indicators\":[{\"kind\":\"ip\",\"value\":\"192.0.2.1\"}]}", &r);
        assert_true(json_is_null(json_object_get(r.json, "match")));
        reply_free(&r);
        expect_refused("POST", "/api/v1/vigilance/match", auditor, NULL,
                       "{\"indicators\":[{\"kind\":\"ip\",\"value\":\"nope\"}]}", 400, NULL, "indicators[0]");
        snprintf(path, sizeof path, "%s/alerts", base);
        http(&S, "POST", path, responder, NULL, "{\"alert\":\"fp:9c1e\",\"reason\":\"same signer host\"}", &r);
        assert_int_equal(r.status, 201);
        assert_true(json_is_false(json_object_get(r.json, "vigilance")));
        reply_free(&r);
        expect_refused("POST", path, responder, NULL, "{\"alert\":\"fp:9c1e\"}", 409, "linked to", NULL);
        expect_refused("POST", path, responder, NULL, "{}", 400, NULL, "alert");
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
        reply_free(&r);

        /* A confirmed tenant makes it customer-impacting: no close without
         * a post-mortem (which the post-incident issue brings). */
        snprintf(path, sizeof path, "%s/scope", base);
        http(&S, "PUT", path, responder, NULL, "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\"}]}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        expect_refused("POST", advance, manager, NULL, "{\"phase\":\"closed\"}", 409, NULL, "postmortem");

        /* A complete post-mortem, approved by someone who did not write it. */
        char pm[128], imps[128];
        snprintf(pm, sizeof pm, "%s/postmortem", base);
        snprintf(imps, sizeof imps, "%s/improvements", base);
        http(&S, "PUT", pm, responder, NULL,
             "{\"summary\":\"The release signer key was exposed.\",\"impact\":\"Acme's builds were signed by a revoked "
             "key for a day.\",\"factors\":[{\"kind\":\"manual_error\",\"description\":\"Key copied to a shared host\"}]}",
             &r);
        assert_int_equal(r.status, 201);
        reply_free(&r);
        http(&S, "POST", imps, responder, NULL,
             "{\"factor\":\"F1\",\"title\":\"Keys only in the HSM\",\"owner\":\"rita\",\"kind\":\"prevent\","
             "\"due_at\":\"2099-01-01T00:00:00Z\"}",
             &r);
        assert_int_equal(r.status, 201);
        reply_free(&r);
        snprintf(path, sizeof path, "%s/postmortem/approve", base);
        http(&S, "POST", path, manager, NULL, "{}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        /* What the provider owes must be sent or set aside with a reason. */
        snprintf(path, sizeof path, "%s/obligations?status=open", base);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        json_t *o, *open = json_incref(json_object_get(r.json, "items"));
        reply_free(&r);
        size_t i, owed = 0;
        json_array_foreach(open, i, o) owed += strcmp(json_string_value(json_object_get(o, "duty")), "provider") == 0;
        assert_true(owed > 0); /* at least the contract with acme */
        http(&S, "POST", advance, manager, NULL, "{\"phase\":\"closed\"}", &rr);
        assert_int_equal(rr.status, 409);
        assert_true(problem_has_field(rr.json, "obligations"));
        assert_false(problem_has_field(rr.json, "postmortem"));
        reply_free(&rr);
        json_array_foreach(open, i, o)
        {
                if (strcmp(json_string_value(json_object_get(o, "duty")), "provider") != 0)
                        continue;
                snprintf(path, sizeof path, "%s/obligations/%lld/waive", base,
                         (long long)json_integer_value(json_object_get(o, "id")));
                expect_refused("POST", path, responder, NULL, "{\"reason\":\"x\"}", 403, NULL, NULL);
                expect_refused("POST", path, manager, NULL, "{}", 400, NULL, "reason");
                http(&S, "POST", path, manager, NULL, "{\"reason\":\"told by phone on the day; confirmed in writing\"}", &r);
                assert_int_equal(r.status, 200);
                reply_free(&r);
                expect_refused("POST", path, manager, NULL, "{\"reason\":\"again\"}", 409, "not open", NULL);
        }
        json_decref(open);
        http(&S, "POST", advance, manager, NULL, "{\"phase\":\"closed\"}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "phase")), "closed");
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action = 'incident.obligation.waive'"), (long)owed);
}

static void anchors_with_history(void **state)
{
        char key[32], list[96], aware[128], path[160];
        struct reply r;
        (void)state;
        report("{\"title\":\"Anchored\",\"severity\":\"sev2\",\"source\":\"customer\",\"detected_at\":\"2026-01-02T00:00:00Z\"}",
               key, sizeof key);
        snprintf(list, sizeof list, "/api/v1/incidents/%s/anchors", key);
        snprintf(aware, sizeof aware, "%s/aware", list);
        http(&S, "GET", list, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *a = json_object_get(r.json, "anchors");
        assert_string_equal(json_string_value(json_object_get(json_object_get(a, "first_detected"), "at")), "2026-01-02T00:00:00Z");
        assert_string_equal(json_string_value(json_object_get(json_object_get(a, "aware"), "source")), "default: first_detected");
        assert_string_equal(json_string_value(json_object_get(json_object_get(a, "aware"), "at")), "2026-01-02T00:00:00Z");
        assert_true(json_is_null(json_object_get(a, "declared")));
        assert_true(json_is_null(json_object_get(a, "ransom_paid")));
        reply_free(&r);

        long events = db_count(&S, "domain_events", "type='incident.anchor_changed'");
        http(&S, "PUT", aware, responder, NULL, "{\"at\":\"2026-01-03T09:00:00Z\",\"reason\":\"logs confirmed access\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "PUT", aware, manager, NULL, "{\"at\":\"2026-01-04T10:00:00Z\",\"reason\":\"legal: certainty only after forensics\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        assert_int_equal(db_count(&S, "domain_events", "type='incident.anchor_changed'"), events + 2);
        http(&S, "GET", list, auditor, NULL, NULL, &r);
        a = json_object_get(json_object_get(r.json, "anchors"), "aware");
        assert_string_equal(json_string_value(json_object_get(a, "at")), "2026-01-04T10:00:00Z");
        assert_string_equal(json_string_value(json_object_get(a, "set_by")), "ivan");
        assert_string_equal(json_string_value(json_object_get(a, "source")), "recorded");
        assert_int_equal(json_array_size(json_object_get(r.json, "history")), 2);
        reply_free(&r);

        snprintf(path, sizeof path, "%s/ransom_paid", list);
        expect_refused("PUT", path, responder, NULL, "{\"at\":\"2025-12-31T00:00:00Z\",\"reason\":\"x\"}", 400, NULL, "at");
        expect_refused("PUT", path, responder, NULL, "{\"at\":\"2999-01-01T00:00:00Z\",\"reason\":\"x\"}", 400, NULL, "at");
        expect_refused("PUT", path, responder, NULL, "{\"at\":\"2026-01-05T00:00:00Z\"}", 400, NULL, "reason");
        expect_refused("PUT", path, responder, NULL, "{\"reason\":\"x\"}", 400, NULL, "at");
        expect_refused("PUT", path, auditor, NULL, "{\"at\":\"2026-01-05T00:00:00Z\",\"reason\":\"x\"}", 403, NULL, NULL);
        snprintf(path, sizeof path, "%s/noticed", list);
        expect_refused("PUT", path, responder, NULL, "{\"at\":\"2026-01-05T00:00:00Z\",\"reason\":\"x\"}", 404, "no anchor", NULL);
        snprintf(path, sizeof path, "%s/declared", list);
        expect_refused("PUT", path, manager, NULL, "{\"at\":\"2026-01-05T00:00:00Z\",\"reason\":\"x\"}", 409, "declare it first", NULL);
        /* First detection may move earlier, not past an anchor set after it. */
        snprintf(path, sizeof path, "%s/first_detected", list);
        expect_refused("PUT", path, responder, NULL, "{\"at\":\"2026-01-05T00:00:00Z\",\"reason\":\"x\"}", 400, NULL, "at");
        http(&S, "PUT", path, responder, NULL, "{\"at\":\"2026-01-01T20:00:00Z\",\"reason\":\"earlier IDS hit found\"}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "detected_at")), "2026-01-01T20:00:00Z");
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action='incident.anchor' AND change LIKE '%earlier IDS hit%'"), 1);
}

/* The approval as the task's answer shows it: status and requester. */
static void expect_approval(const char *path, const char *status, const char *requested_by)
{
        json_t *j = NULL;
        char tasks[160];
        snprintf(tasks, sizeof tasks, "%s", path);
        *strrchr(tasks, '/') = '\0';
        assert_int_equal(api_call(&S, "GET", tasks, auditor, NULL, &j), 200);
        long id = strtol(strrchr(path, '/') + 1, NULL, 10);
        json_t *ap = NULL;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(j, "items"), i, t) {
                if (json_integer_value(json_object_get(t, "id")) == id)
                        ap = json_object_get(t, "approval");
        }
        assert_non_null(ap);
        assert_string_equal(json_string_value(json_object_get(ap, "status")), status);
        assert_string_equal(json_string_value(json_object_get(ap, "requested_by")), requested_by);
        json_decref(j);
}

/* Issue 14, finding 5: a grant covers the step as it was approved, and the
 * person who asked for a step does not approve it. */
static void approval_covers_what_was_approved(void **state)
{
        struct incident_paths p;
        char path[256], body[300];
        struct reply r;
        (void)state;
        report_contained("Cache poisoning", &p);
        const char *tasks = p.tasks, *approvals = p.approvals;
        assert_int_equal(api_call(&S, "POST", p.advance, responder, "{\"phase\":\"eradication\"}", NULL), 200);

        http(&S, "POST", tasks, responder, NULL,
             "{\"phase\":\"eradication\",\"title\":\"restart one cache node\",\"owner\":\"rita\",\"business_impact\":true}", &r);
        assert_int_equal(r.status, 201);
        long step = task_id(&r);
        reply_free(&r);
        snprintf(path, sizeof path, "%s/%ld", tasks, step);
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"one node is fine\"}", step);
        assert_int_equal(api_call(&S, "POST", approvals, executive, body, NULL), 200);

        /* The attack in one request: rename and start. Refused, nothing changed. */
        expect_refused("PATCH", path, responder, NULL,
                       "{\"title\":\"DROP production database and restore from tape\",\"status\":\"in_progress\"}", 409,
                       "needs an executive approval", NULL);
        expect_approval(path, "granted", "rita");

        /* In two: the rename voids the grant (audited), the start is refused. */
        assert_int_equal(api_call(&S, "PATCH", path, responder, "{\"title\":\"DROP production database\"}", NULL), 200);
        expect_approval(path, "pending", "rita");
        assert_int_equal(db_count(&S, "audit_log", "action='incident.approval.void' AND change LIKE '%one node is fine%'"), 1);
        expect_refused("PATCH", path, responder, NULL, "{\"status\":\"in_progress\"}", 409, "approval is pending", NULL);

        /* An executive who rewrites a step asks for it: they cannot grant it. */
        assert_int_equal(api_call(&S, "PATCH", path, executive, "{\"title\":\"restart two cache nodes\"}", NULL), 200);
        expect_approval(path, "pending", "eve");
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"mine, fine\"}", step);
        expect_refused("POST", approvals, executive, NULL, body, 403, "you requested this approval", NULL);
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"two nodes, ok\"}", step);
        assert_int_equal(api_call(&S, "POST", approvals, executive2, body, NULL), 200);

        /* A new owner voids it too. A decision names the step as its
         * decider read it: one that landed after a change (the console
         * sends what it showed) is refused and changes nothing. */
        assert_int_equal(api_call(&S, "PATCH", path, responder, "{\"owner\":\"ivan\"}", NULL), 200);
        expect_approval(path, "pending", "rita");
        char *before = db_fingerprint(&S);
        snprintf(body, sizeof body,
                 "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"ok\",\"title\":\"restart two cache nodes\","
                 "\"owner\":\"rita\"}",
                 step);
        expect_refused("POST", approvals, executive, NULL, body, 409, "changed since you read it", NULL);
        snprintf(body, sizeof body,
                 "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"ok\",\"title\":\"restart one cache node\","
                 "\"owner\":\"ivan\"}",
                 step);
        expect_refused("POST", approvals, executive, NULL, body, 409, "it is now 'restart two cache nodes'", NULL);
        /* The same through the CLI's --title. */
        struct client_env ce;
        char key[32], id[24], *out = NULL;
        const char *k = strstr(approvals, "INC-");
        snprintf(key, sizeof key, "%.*s", (int)strcspn(k, "/"), k);
        snprintf(id, sizeof id, "%ld", step);
        const char *approve[] = { "incident", "approve", key, id, "--grant", "--comment", "ok",
                                  "--title", "restart one cache node", NULL };
        assert_int_equal(vigil_run(NULL, &out, client_env(&ce, &S, executive), approve), 1);
        assert_non_null(strstr(out, "changed since you read it"));
        free(out);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);
        expect_approval(path, "pending", "rita");
        snprintf(body, sizeof body,
                 "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"ivan does it\","
                 "\"title\":\"restart two cache nodes\",\"owner\":\"ivan\"}",
                 step);
        assert_int_equal(api_call(&S, "POST", approvals, executive, body, NULL), 200);

        /* Once started, what was approved is fixed; other fields still move. */
        assert_int_equal(api_call(&S, "PATCH", path, responder, "{\"status\":\"in_progress\"}", NULL), 200);
        expect_refused("PATCH", path, responder, NULL, "{\"title\":\"DROP production database\"}", 409,
                       "has started under an approval", NULL);
        assert_int_equal(api_call(&S, "PATCH", path, responder, "{\"due_at\":\"2030-01-01T00:00:00Z\"}", NULL), 200);
        expect_approval(path, "granted", "rita");

        /* An executive's own business-impact step needs another executive. */
        http(&S, "POST", tasks, executive, NULL,
             "{\"phase\":\"eradication\",\"title\":\"purge the CDN\",\"business_impact\":true}", &r);
        assert_int_equal(r.status, 201);
        long own = task_id(&r);
        reply_free(&r);
        snprintf(body, sizeof body, "{\"task\":%ld,\"decision\":\"granted\",\"comment\":\"self\"}", own);
        expect_refused("POST", approvals, executive, NULL, body, 403, "another executive incident manager", NULL);
        assert_int_equal(api_call(&S, "POST", approvals, executive2, body, NULL), 200);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "login:\n  max_failures_address: 1000\n");
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "ivan", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        server_user_token(&S, "eve", "executive_incident_manager", NULL, executive, sizeof executive);
        server_user_token(&S, "ezra", "executive_incident_manager", NULL, executive2, sizeof executive2);
        server_user_token(&S, "cory", "communications", NULL, comms, sizeof comms);
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
                cmocka_unit_test(report_and_read),
                cmocka_unit_test(report_refuses_bad_input),
                cmocka_unit_test(list_filters),
                cmocka_unit_test(classify_rules),
                cmocka_unit_test(concurrent_writers_get_412),
                cmocka_unit_test(advance_enforces_exit_criteria),
                cmocka_unit_test(false_positive_closes_with_justification),
                cmocka_unit_test(scope_and_declaration_unlock_containment),
                cmocka_unit_test(scope_rows_one_at_a_time),
                cmocka_unit_test(notes_and_timeline),
                cmocka_unit_test(cli_works_an_incident),
                cmocka_unit_test(tasks_approvals_and_root_cause),
                cmocka_unit_test(approval_covers_what_was_approved),
                cmocka_unit_test(anchors_with_history),
        };
        return cmocka_run_group_tests_name("incidents", tests, setup, teardown);
}
