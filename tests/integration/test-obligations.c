/* Obligations end to end: tenants with their jurisdictions, sectors and
 * contracts are put in an incident's scope; the declaration computes an
 * obligation per tenant and applicable rule (and for the provider itself),
 * each with its anchor and due time; anchors, reports sent and scope
 * changes recompute them. Due times are checked against values worked out
 * by hand from etc/rules.yaml. */
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
static char comms[128], manager[128], responder[128], auditor[128];
static char key[32];
static char maildir[64];
static pid_t smtp_pid;

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

/* The obligation of tenant (or "" for the provider) and rule, or NULL. */
static json_t *find(json_t *list, const char *tenant, const char *rule)
{
        json_t *v;
        size_t i;
        json_array_foreach(json_object_get(list, "items"), i, v)
        {
                if (strcmp(json_string_value(json_object_get(v, "tenant")), tenant) == 0 &&
                    strcmp(json_string_value(json_object_get(v, "rule")), rule) == 0)
                        return v;
        }
        return NULL;
}

static const char *due(json_t *list, const char *tenant, const char *rule)
{
        json_t *o = find(list, tenant, rule);
        if (!o)
                fail_msg("no obligation %s for '%s'", rule, tenant);
        return json_is_null(json_object_get(o, "due_at")) ? "pending" : json_string_value(json_object_get(o, "due_at"));
}

static json_t *obligations(void)
{
        char path[96];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?explain=true", key);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        return a;
}

/* The explanation's condition of kind cond on obligation o, or NULL. */
static json_t *condition(json_t *o, const char *cond)
{
        json_t *v;
        size_t i;
        json_array_foreach(json_object_get(json_object_get(o, "explanation"), "conditions"), i, v)
        {
                if (strcmp(json_string_value(json_object_get(v, "condition")), cond) == 0)
                        return v;
        }
        return NULL;
}

static const char *status_of(json_t *list, const char *tenant, const char *rule)
{
        json_t *o = find(list, tenant, rule);
        return o ? json_string_value(json_object_get(o, "status")) : "absent";
}

/* GET incident k's obligations. */
static json_t *obligations_of(const char *k)
{
        char path[96];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?explain=true", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        return a;
}

/* Incident k classified as a breach of personal data, with the scope
 * scope_body (a PUT .../scope body). */
static void classify_and_scope(const char *k, const char *scope_body)
{
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", k);
        assert_int_equal(call("POST", path, responder,
                              "{\"classification\":\"security_incident\",\"impact\":{"
                              "\"confidentiality\":true},"
                              "\"data_categories\":[\"personal_data\"]}",
                              NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", k);
        assert_int_equal(call("PUT", path, manager, scope_body, NULL), 200);
}

static void declaration_computes_obligations(void **state)
{
        (void)state;
        json_t *a;
        char path[128];
        /* Detected 20 Nov 08:00Z; declared afterwards (now). */
        assert_int_equal(call("POST", "/api/v1/incidents", responder,
                              "{\"title\":\"Customer database exposed\",\"severity\":\"sev1\",\"source\":\"employee\","
                              "\"detected_at\":\"2026-11-20T08:00:00Z\"}",
                              &a),
                         201);
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", key);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 0); /* nothing before the declaration */
        json_decref(a);
        classify_and_scope(key, "{\"services\":[\"customer-db\"],"
                                "\"tenants\":[{\"id\":\"bank\",\"status\":\"confirmed\"},{\"id\":\"shop\","
                                "\"status\":\"suspected\"},{\"id\":\"ghost\",\"status\":\"confirmed\"}],"
                                "\"reason\":\"access logs\"}");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"customer records confirmed read\"}", &a), 200);
        const char *declared = json_string_value(json_object_get(a, "declared_at"));
        assert_non_null(declared);
        char declared_at[40];
        snprintf(declared_at, sizeof declared_at, "%s", declared);
        json_decref(a);

        a = obligations();
        assert_string_equal(json_string_value(json_object_get(a, "rules_version")), "2026.12.03");
        /* The German bank: its 24-hour contract from the declaration, the
         * processor's and the GDPR 72 hours from first detection (awareness
         * not recorded), DORA's initial report before any classification as
         * major: its 24-hour backstop from awareness (Del. Reg. 2025/301
         * Art. 5(1)(a)), which the obligation shows as its anchor. */
        json_t *contract = find(a, "bank", "CONTRACT");
        assert_non_null(contract);
        assert_string_equal(json_string_value(json_object_get(contract, "anchor_at")), declared_at);
        assert_string_equal(due(a, "bank", "EU-DPA-CONTRACT"), "2026-11-23T08:00:00Z");
        assert_string_equal(due(a, "bank", "EU-GDPR-33"), "2026-11-23T08:00:00Z");
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "EU-GDPR-33"), "duty")), "tenant");
        assert_string_equal(due(a, "bank", "EU-DORA-19-INIT"), "2026-11-21T08:00:00Z");
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "EU-DORA-19-INIT"), "anchor")), "aware");
        assert_string_equal(due(a, "bank", "EU-DORA-19-INT"), "pending");
        assert_null(find(a, "bank", "US-CA-1798.82"));
        /* The Californian shop: 30 calendar days in Los Angeles from 20 Nov
         * (00:00 PST): the end of 20 Dec = 21 Dec 08:00Z. */
        assert_string_equal(due(a, "shop", "US-CA-1798.82"), "2026-12-21T08:00:00Z");
        assert_non_null(find(a, "shop", "CONTRACT"));
        /* A tenant with no record still has the default contract. */
        assert_non_null(find(a, "ghost", "CONTRACT"));
        assert_null(find(a, "ghost", "EU-GDPR-33"));
        /* The provider's own: NIS2 (DE, digital infrastructure), CERT-In (6 h
         * from detection) - the affected service is under both regimes. */
        assert_string_equal(due(a, "", "EU-NIS2-23-EW"), "2026-11-21T08:00:00Z");
        assert_string_equal(due(a, "", "EU-NIS2-23-IN"), "2026-11-23T08:00:00Z");
        assert_string_equal(due(a, "", "EU-NIS2-23-FR"), "pending");
        assert_string_equal(due(a, "", "IN-CERTIN-2022"), "2026-11-20T14:00:00Z");
        /* Each tenant's effective deadline: the earliest of its open obligations. */
        json_t *t;
        size_t i;
        bool seen = false;
        json_array_foreach(json_object_get(a, "tenants"), i, t)
        {
                if (strcmp(json_string_value(json_object_get(t, "tenant")), "shop") == 0) {
                        seen = true;
                        /* As its service provider we owe California's notice
                         * "immediately following discovery": that comes first. */
                        assert_string_equal(json_string_value(json_object_get(t, "rule")), "US-CA-1798.82-VENDOR");
                }
        }
        assert_true(seen);
        size_t all = json_array_size(json_object_get(a, "items"));
        json_decref(a);

        /* Filters: one tenant's, the provider's own (tenant=), a page. */
        json_t *o;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?tenant=shop", key);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_true(json_array_size(json_object_get(a, "items")) >= 2);
        json_array_foreach(json_object_get(a, "items"), i, o)
                assert_string_equal(json_string_value(json_object_get(o, "tenant")), "shop");
        assert_int_equal(json_array_size(json_object_get(a, "tenants")), 1);
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?tenant=&status=open", key);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_true(json_array_size(json_object_get(a, "items")) >= 4);
        json_array_foreach(json_object_get(a, "items"), i, o)
                assert_string_equal(json_string_value(json_object_get(o, "tenant")), "");
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?limit=2", key);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 2);
        assert_int_equal(json_integer_value(json_object_get(a, "total")), (json_int_t)all);
        assert_true(json_is_true(json_object_get(a, "truncated")));
        json_decref(a);
        /* Page by page with the cursor: every row once, by due time (a
         * clock not started last); the counts are of them all. */
        json_t *ids = json_object();
        char cursor[1024] = "";
        json_int_t last_due_rank = 0, pages = 0;
        char last_due[40] = "";
        do {
                char p2[1400];
                snprintf(p2, sizeof p2, "/api/v1/incidents/%s/obligations?limit=3%s%s", key,
                         *cursor ? "&cursor=" : "", cursor);
                assert_int_equal(call("GET", p2, auditor, NULL, &a), 200);
                assert_int_equal(json_integer_value(json_object_get(a, "total")), (json_int_t)all);
                json_t *st = json_object_get(json_object_get(a, "summary"), "by_status");
                const char *sk;
                json_t *sv;
                json_int_t sum = 0;
                json_object_foreach(st, sk, sv) sum += json_integer_value(sv);
                assert_int_equal(sum, (json_int_t)all);
                json_array_foreach(json_object_get(a, "items"), i, o)
                {
                        char id[32];
                        snprintf(id, sizeof id, "%lld",
                                 (long long)json_integer_value(json_object_get(o, "id")));
                        assert_null(json_object_get(ids, id));
                        json_object_set_new(ids, id, json_true());
                        const char *d = json_string_value(json_object_get(o, "due_at"));
                        json_int_t rank = d ? 1 : 2; /* a clock not started after every due time */
                        assert_true(rank >= last_due_rank);
                        if (d) { /* RFC 3339 in UTC: in order as text */
                                assert_true(strcmp(d, last_due) >= 0);
                                snprintf(last_due, sizeof last_due, "%s", d);
                        }
                        last_due_rank = rank;
                }
                json_t *next = json_object_get(a, "next_cursor");
                snprintf(cursor, sizeof cursor, "%s",
                         json_is_string(next) ? json_string_value(next) : "");
                pages++;
                json_decref(a);
        } while (*cursor);
        assert_int_equal(json_object_size(ids), all);
        assert_true(pages >= (json_int_t)(all + 2) / 3);
        json_decref(ids);
        /* One rule's: its rows alone, counted alone. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?rule=CONTRACT", key);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 3); /* bank, shop, ghost */
        json_array_foreach(json_object_get(a, "items"), i, o)
                assert_string_equal(json_string_value(json_object_get(o, "rule")), "CONTRACT");
        assert_int_equal(
                json_object_size(json_object_get(json_object_get(a, "summary"), "by_rule")), 1);
        assert_int_equal(
                json_integer_value(json_object_get(
                        json_object_get(json_object_get(json_object_get(a, "summary"), "by_rule"),
                                        "CONTRACT"),
                        "open")),
                3);
        json_decref(a);
        const char *const none[] = { NULL };
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?cursor=v2:0:1:x", key);
        expect_refused_on(&S, "GET", path, auditor, none, NULL, 400, NULL, "cursor");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?status=late", key);
        expect_refused_on(&S, "GET", path, auditor, none, NULL, 400, NULL, "status");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?limit=0", key);
        expect_refused_on(&S, "GET", path, auditor, none, NULL, 400, NULL, "limit");
}

static void anchors_and_reports_start_later_clocks(void **state)
{
        (void)state;
        char path[160];
        json_t *a;
        /* Classified major at 22 Nov 10:00Z, 26 hours after awareness (first
         * detection): the backstop ended before it, so DORA's initial
         * report is due 4 hours later (Art. 5(2)). */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/anchors/classified_major", key);
        assert_int_equal(call("PUT", path, manager, "{\"at\":\"2026-11-22T10:00:00Z\",\"reason\":\"DORA criteria met\"}", NULL),
                         200);
        a = obligations();
        assert_string_equal(due(a, "bank", "EU-DORA-19-INIT"), "2026-11-22T14:00:00Z");
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "EU-DORA-19-INIT"), "anchor")),
                            "classified_major");
        json_int_t init = json_integer_value(json_object_get(find(a, "bank", "EU-DORA-19-INIT"), "id"));
        json_decref(a);
        /* Sent at 13:10Z: the intermediate report is due 72 hours after that. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/sent", key, (long long)init);
        assert_int_equal(call("POST", path, responder, "{}", NULL), 403);
        assert_int_equal(call("POST", path, comms, "{\"at\":\"2026-11-22T13:10:00Z\"}", &a), 200);
        assert_string_equal(due(a, "bank", "EU-DORA-19-INT"), "2026-11-25T13:10:00Z");
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "EU-DORA-19-INIT"), "status")), "sent");
        json_decref(a);
        assert_int_equal(call("POST", path, comms, "{}", NULL), 409); /* once */
        /* Awareness recorded later than detection moves the GDPR clocks. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/anchors/aware", key);
        assert_int_equal(call("PUT", path, manager, "{\"at\":\"2026-11-21T09:30:00Z\",\"reason\":\"logs confirmed\"}", NULL), 200);
        a = obligations();
        assert_string_equal(due(a, "bank", "EU-GDPR-33"), "2026-11-24T09:30:00Z");
        /* Recomputing kept what was sent. */
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "EU-DORA-19-INIT"), "status")), "sent");
        json_decref(a);
}

/* A filing's record, a correction that moves the later stage, bad input
 * refused with nothing changed, and tenant administrators kept out. */
static void a_corrected_filing_moves_the_later_stage(void **state)
{
        (void)state;
        char path[192], body[512];
        const char *const json[] = { "Content-Type: application/json", NULL };
        json_t *a = obligations();
        json_int_t init = json_integer_value(json_object_get(find(a, "bank", "EU-DORA-19-INIT"), "id"));
        json_int_t gdpr = json_integer_value(json_object_get(find(a, "bank", "EU-GDPR-33"), "id"));
        assert_string_equal(due(a, "bank", "EU-DORA-19-INT"), "2026-11-25T13:10:00Z");
        json_decref(a);
        /* Bad input: a 400 naming the field, and nothing changed. */
        static const struct {
                const char *body, *field;
        } bad[] = {
                { "{\"at\":\"2026-11-22T12:00:00Z\",\"channel\":\"pigeon\"}", "channel" },
                { "{\"at\":\"2026-11-22T12:00:00Z\",\"attachment\":{\"name\":\"a.pdf\",\"media_type\":"
                  "\"application/pdf\",\"content\":\"not base64!\"}}",
                  "attachment.content" },
                { "{\"at\":\"2026-11-22T12:00:00Z\",\"attachment\":{\"name\":\"a/b.pdf\",\"media_type\":"
                  "\"application/pdf\",\"content\":\"YWJj\"}}",
                  "attachment.name" },
                { "{\"at\":\"2099-01-01T00:00:00Z\"}", "at" },
                { "{\"at\":\"2026-11-01T00:00:00Z\"}", "at" }, /* before the anchor */
        };
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/sent", key, (long long)gdpr);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                char *before = db_fingerprint(&S);
                expect_refused_on(&S, "POST", path, comms, json, bad[i].body, 400, NULL, bad[i].field);
                char *after = db_fingerprint(&S);
                assert_string_equal(before, after);
                free(before);
                free(after);
        }
        /* The answer is read in the filing's transaction: a filter it
         * refuses leaves the obligation unfiled. */
        {
                char filtered[sizeof path + 16];
                snprintf(filtered, sizeof filtered, "%s?status=bogus", path);
                char *before = db_fingerprint(&S);
                expect_refused_on(&S, "POST", filtered, comms, json, "{\"at\":\"2026-11-22T12:00:00Z\"}", 400,
                                  NULL, "status");
                char *after = db_fingerprint(&S);
                assert_string_equal(before, after);
                free(before);
                free(after);
        }
        /* The tenant duty filed with everything said ("abc" attached). */
        assert_int_equal(call("POST", path, comms,
                              "{\"at\":\"2026-11-22T12:00:00Z\",\"channel\":\"portal\",\"reference\":\"BfDI-77\","
                              "\"note\":\"by the bank\",\"attachment\":{\"name\":\"ack.txt\",\"media_type\":"
                              "\"text/plain\",\"content\":\"YWJj\"}}",
                              &a),
                         200);
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "EU-GDPR-33"), "status")), "sent");
        json_decref(a);
        /* Correct the DORA initial report's time: the intermediate moves. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/correction", key, (long long)init);
        char *before = db_fingerprint(&S);
        expect_refused_on(&S, "POST", path, comms, json, "{\"at\":\"2026-11-22T12:40:00Z\"}", 400, NULL, "reason");
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);
        assert_int_equal(call("POST", path, responder, "{\"at\":\"2026-11-22T12:40:00Z\",\"reason\":\"x\"}", NULL),
                         403);
        snprintf(body, sizeof body, "{\"at\":\"2026-11-22T12:40:00Z\",\"reason\":\"the portal receipt says 12:40\"}");
        assert_int_equal(call("POST", path, comms, body, &a), 200);
        assert_string_equal(due(a, "bank", "EU-DORA-19-INT"), "2026-11-25T12:40:00Z");
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "EU-DORA-19-INIT"), "sent_at")),
                            "2026-11-22T12:40:00Z");
        json_decref(a);
        char where[200];
        snprintf(where, sizeof where, "object = 'incident:%s' AND action = 'incident.obligation.sent_corrected' AND "
                                      "change LIKE '%%2026-11-22T13:10:00Z%%' AND change LIKE '%%12:40%%'", key);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        /* The history keeps the first record beside the correction. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/filings?obligation=%lld", key, (long long)init);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *items = json_object_get(a, "items");
        assert_int_equal(json_array_size(items), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "at")), "2026-11-22T13:10:00Z");
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "kind")), "correction");
        json_decref(a);
        /* The attachment comes back with its digest, to staff only. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/filings?obligation=%lld", key, (long long)gdpr);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *f0 = json_array_get(json_object_get(a, "items"), 0);
        assert_string_equal(json_string_value(json_object_get(f0, "reference")), "BfDI-77");
        assert_string_equal(json_string_value(json_object_get(json_object_get(f0, "attachment"), "sha256")),
                            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/filings/%lld/attachment", key,
                 (long long)json_integer_value(json_object_get(f0, "id")));
        json_decref(a);
        struct reply r;
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "abc");
        assert_non_null(strstr(reply_header(&r, "Content-Type"), "text/plain"));
        assert_non_null(strstr(reply_header(&r, "Content-Disposition"), "attachment"));
        reply_free(&r);
        char tenant_admin[128];
        server_user_token(&S, "tam-bank", "tenant_admin", "bank", tenant_admin, sizeof tenant_admin);
        assert_int_equal(call("GET", path, tenant_admin, NULL, NULL), 403);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/filings", key);
        assert_int_equal(call("GET", path, tenant_admin, NULL, NULL), 403);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/correction", key, (long long)init);
        assert_int_equal(call("POST", path, tenant_admin, body, NULL), 403);
}

static void scope_changes_withdraw_and_the_cli_lists(void **state)
{
        (void)state;
        char path[128];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        assert_int_equal(call("PUT", path, manager,
                              "{\"tenants\":[{\"id\":\"bank\",\"status\":\"confirmed\"},{\"id\":\"shop\",\"status\":\"ruled_out\"},"
                              "{\"id\":\"ghost\",\"status\":\"confirmed\"}],\"reason\":\"shop not affected after all\"}",
                              NULL),
                         200);
        a = obligations();
        assert_string_equal(json_string_value(json_object_get(find(a, "shop", "US-CA-1798.82"), "status")), "withdrawn");
        assert_string_equal(json_string_value(json_object_get(find(a, "bank", "CONTRACT"), "status")), "open");
        json_decref(a);
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, auditor);
        char *out = NULL;
        assert_int_equal(vigil_run(NULL, &out, env, (const char *const[]){ "obligations", key, NULL }), 0);
        assert_non_null(strstr(out, "EU-GDPR-33"));
        assert_non_null(strstr(out, "(provider)"));
        /* The bank's DORA third-party notice binds: due at once, with its target. */
        assert_non_null(strstr(out, "tenant bank: notify without undue delay (EU-DORA-30-TPP; internal target "
                                    "2026-11-20T12:00:00Z)"));
        assert_non_null(strstr(out, "without undue delay   "));
        assert_non_null(strstr(out, "\nCONTRACT: 2 open 1 withdrawn\n"));
        assert_null(strstr(out, "more: "));
        free(out);
        /* Filtered and a page at a time: the counts are of what passes,
         * and the next page is the command to type. */
        out = NULL;
        assert_int_equal(
                vigil_run(NULL, &out, env,
                          (const char *const[]){"obligations", key, "--rule", "US-CA-1798.82",
                                                "--status", "withdrawn", NULL}),
                0);
        assert_non_null(strstr(out, "\nUS-CA-1798.82: 1 withdrawn\n1 of 1 listed\n"));
        assert_null(strstr(out, "EU-GDPR-33"));
        free(out);
        out = NULL;
        assert_int_equal(vigil_run(NULL, &out, env,
                                   (const char *const[]){"obligations", key, "--limit", "1", NULL}),
                         0);
        char *more = strstr(out, "more: vigil obligations ");
        assert_non_null(more);
        char cursor[200] = "";
        assert_int_equal(sscanf(strstr(more, "--cursor ") + 9, "%199s", cursor), 1);
        free(out);
        out = NULL;
        assert_int_equal(vigil_run(NULL, &out, env,
                                   (const char *const[]){"obligations", key, "--limit", "1",
                                                         "--cursor", cursor, NULL}),
                         0);
        assert_non_null(strstr(out, "1 of "));
        free(out);
        out = NULL;
        assert_int_equal(vigil_run(NULL, &out, env,
                                   (const char *const[]){"obligations", key, "--due", "x", NULL}),
                         2);
        free(out);
}

/* A business-day deadline that needs a day outside its holiday calendar's
 * range is not guessed: the obligation is cannot_compute, with the reason,
 * until an anchor brings it inside (BR: 2024-2060 in etc/rules.yaml). */
static void past_the_calendar_cannot_compute(void **state)
{
        (void)state;
        json_t *a;
        char path[160], k[32];
        assert_int_equal(call("POST", "/api/v1/incidents", responder,
                              "{\"title\":\"Old export found\",\"severity\":\"sev2\",\"source\":\"employee\","
                              "\"detected_at\":\"2023-06-01T12:00:00Z\"}",
                              &a),
                         201);
        snprintf(k, sizeof k, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        classify_and_scope(k, "{\"tenants\":[{\"id\":\"loja\",\"status\":\"confirmed\"}],\"reason\":\"export\"}");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", k);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"records confirmed read\"}", NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations?status=cannot_compute", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *o = find(a, "loja", "BR-LGPD-48");
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "status")), "cannot_compute");
        assert_true(json_is_null(json_object_get(o, "due_at")));
        assert_string_equal(json_string_value(json_object_get(o, "anchor_at")), "2023-06-01T12:00:00Z");
        assert_string_equal(json_string_value(json_object_get(o, "reason")),
                            "holiday calendar BR covers 2024-2060 only: 3 business_days from 2023-06-01T12:00:00Z fall "
                            "outside it");
        /* An hour count needs no calendar: computed as ever. */
        assert_null(find(a, "loja", "CONTRACT"));
        json_decref(a);
        /* Awareness on Friday 20 Nov 2026 (a Brazilian holiday itself): Mon
         * 23, Tue 24, Wed 25 are the 3 business days; the end of 25 Nov in
         * Sao Paulo (UTC-3) is 26 Nov 03:00Z. Back in range, it opens. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/anchors/aware", k);
        assert_int_equal(call("PUT", path, manager, "{\"at\":\"2026-11-20T12:00:00Z\",\"reason\":\"found the export\"}", NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        o = find(a, "loja", "BR-LGPD-48");
        assert_string_equal(json_string_value(json_object_get(o, "status")), "open");
        assert_string_equal(json_string_value(json_object_get(o, "due_at")), "2026-11-26T03:00:00Z");
        assert_null(json_object_get(o, "reason"));
        json_decref(a);
}

/* RFC 3339 for now minus hours. */
static void hours_ago(int hours, char out[32])
{
        time_t t = time(NULL) - hours * 3600;
        struct tm tm;
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static void await_mail(const char *needle, int seconds)
{
        for (int i = 0; i < seconds * 10 && !sink_files_with(maildir, ".eml", needle); i++)
                usleep(100 * 1000);
        if (!sink_files_with(maildir, ".eml", needle))
                fail_msg("no mail with '%s'", needle);
}

static void clocks_remind_then_escalate(void **state)
{
        (void)state;
        char path[128], body[128], at[32];
        /* Declared 23 hours ago: 96 % of the bank's 24 hours are gone - one
         * reminder (the 90 % mark) to communications at once. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/anchors/declared", key);
        hours_ago(23, at);
        snprintf(body, sizeof body, "{\"at\":\"%s\",\"reason\":\"declared on the phone first\"}", at);
        assert_int_equal(call("PUT", path, manager, body, NULL), 200);
        char subject[160];
        snprintf(subject, sizeof subject, "Subject: [Vigil] 90%% of the time used: CONTRACT for bank on %s", key);
        await_mail(subject, 10);
        assert_int_equal(sink_files_with(maildir, ".eml", "X-Envelope-To: cora@example.com"),
                         sink_files_with(maildir, ".eml", "time used"));
        assert_int_equal(sink_files_with(maildir, ".eml", "50% of the time used: CONTRACT for bank"), 0);
        /* 25 hours ago: overdue - the executive incident managers hear of it. */
        hours_ago(25, at);
        snprintf(body, sizeof body, "{\"at\":\"%s\",\"reason\":\"earlier still\"}", at);
        assert_int_equal(call("PUT", path, manager, body, NULL), 200);
        snprintf(subject, sizeof subject, "Subject: [Vigil] OVERDUE CONTRACT for bank on %s", key);
        await_mail(subject, 10);
        /* Overdue mail goes to the executives only (eve), never to
         * communications; so does a duty "without undue delay" past its
         * internal target (the bank's DORA 30(2)(f) notice, 24 h from
         * detection on 20 Nov), which is never called overdue. */
        assert_true(sink_files_with(maildir, ".eml", "X-Envelope-To: eve@example.com") >= 1);
        snprintf(subject, sizeof subject, "Subject: [Vigil] TARGET PASSED EU-DORA-30-TPP for bank on %s", key);
        await_mail(subject, 10);
        assert_int_equal(sink_files_with(maildir, ".eml", "Subject: [Vigil] OVERDUE EU-DORA-30-TPP"), 0);
        assert_int_equal(sink_files_with(maildir, ".eml", "Subject: [Vigil] OVERDUE") +
                                 sink_files_with(maildir, ".eml", "Subject: [Vigil] TARGET PASSED"),
                         sink_files_with(maildir, ".eml", "X-Envelope-To: eve@example.com"));
        char where[160];
        snprintf(where, sizeof where, "object = 'incident:%s' AND action = 'incident.obligation.overdue' AND "
                                      "change LIKE '%%\"CONTRACT\"%%'", key);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        /* Once sent, its clocks fall silent (the remaining jobs do nothing). */
        json_t *a = obligations();
        json_int_t id = json_integer_value(json_object_get(find(a, "bank", "CONTRACT"), "id"));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/sent", key, (long long)id);
        assert_int_equal(call("POST", path, comms, "{}", NULL), 200);
}

/* A time is refused with 400 naming the bounds, the store unchanged, and
 * the field's message must name words. */
static void time_refused(const char *method, const char *path, const char *body, const char *field,
                         const char *words)
{
        const char *const json[] = { "Content-Type: application/json", NULL };
        struct reply r;
        char *before = db_fingerprint(&S);
        http(&S, method, path, manager, json, body, &r);
        char *after = db_fingerprint(&S);
        if (r.status != 400)
                fail_msg("%s %s: got %ld, want 400: %s", method, path, r.status, r.body);
        json_t *e;
        size_t i;
        bool named = false;
        json_array_foreach(json_object_get(r.json, "errors"), i, e)
                named |= strcmp(json_string_value(json_object_get(e, "field")), field) == 0 &&
                         strstr(json_string_value(json_object_get(e, "message")), words) != NULL;
        if (!named)
                fail_msg("%s %s: no error for %s naming '%s': %s", method, path, field, words, r.body);
        if (strcmp(before, after) != 0)
                fail_msg("%s %s changed the store", method, path);
        free(before);
        free(after);
        reply_free(&r);
}

/* 1970-01-01T00:00:00Z is 0, which meant "unset": a detection then had no
 * anchors and the legal clocks never started. Times before 2000 (and
 * Go's zero time, year 1) are refused at every door; a real 2026
 * detection starts them (declaration_computes_obligations above). */
static void time_zero_is_refused_not_unset(void **state)
{
        (void)state;
        static const char *const early[] = { "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z" };
        char body[256], path[128];
        for (size_t i = 0; i < sizeof early / sizeof early[0]; i++) {
                snprintf(body, sizeof body,
                         "{\"title\":\"Epoch\",\"severity\":\"sev2\",\"source\":\"employee\",\"detected_at\":\"%s\"}",
                         early[i]);
                time_refused("POST", "/api/v1/incidents", body, "detected_at", "from 2000-01-01T00:00:00Z to ");
        }
        /* Tomorrow has not been detected yet either. */
        time_refused("POST", "/api/v1/incidents",
                     "{\"title\":\"Later\",\"severity\":\"sev2\",\"source\":\"employee\","
                     "\"detected_at\":\"2999-01-01T00:00:00Z\"}",
                     "detected_at", "from 2000-01-01T00:00:00Z to ");
        /* The anchors and declaration of an incident detected in 2026. */
        json_t *a;
        assert_int_equal(call("POST", "/api/v1/incidents", responder,
                              "{\"title\":\"Epoch check\",\"severity\":\"sev2\",\"source\":\"employee\","
                              "\"detected_at\":\"2026-11-21T09:30:00Z\"}",
                              &a),
                         201);
        char k[32];
        snprintf(k, sizeof k, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/anchors/aware", k);
        time_refused("PUT", path, "{\"at\":\"1970-01-01T00:00:00Z\",\"reason\":\"clock\"}", "at",
                     "from 2000-01-01T00:00:00Z");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", k);
        time_refused("POST", path, "{\"criteria\":\"x\",\"declared_at\":\"1970-01-01T00:00:00Z\"}", "declared_at",
                     "from 2000-01-01T00:00:00Z");
        /* Its detection is an anchor; what is unset reads as null. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/anchors", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *cur = json_object_get(a, "anchors");
        assert_string_equal(json_string_value(json_object_get(json_object_get(cur, "first_detected"), "at")),
                            "2026-11-21T09:30:00Z");
        assert_true(json_is_null(json_object_get(cur, "declared")));
        json_decref(a);
        /* Report periods hold the same floor. */
        time_refused("GET", "/api/v1/reports/metrics?from=1970-01-01T00:00:00Z", NULL, "from",
                     "from 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z");
}

/* What has not happened is NULL in the database, not 0: an undeclared
 * incident's phase times, an obligation whose clock waits. Its anchors
 * read null; a detection in 2026 is first_detected and starts the GDPR
 * clock at the declaration. */
static void unset_times_are_null_and_2026_starts_the_clocks(void **state)
{
        (void)state;
        json_t *a;
        char k[32], path[128], where[512];
        assert_int_equal(
                call("POST", "/api/v1/incidents", responder,
                     "{\"title\":\"Null check\",\"severity\":\"sev2\",\"source\":\"employee\","
                     "\"detected_at\":\"2026-11-22T06:15:00Z\"}",
                     &a),
                201);
        snprintf(k, sizeof k, "%s", json_string_value(json_object_get(a, "key")));
        assert_true(json_is_null(json_object_get(a, "declared_at")));
        json_decref(a);
        snprintf(where, sizeof where,
                 "key = '%s' AND acknowledged_at IS NULL AND declared_at IS NULL AND contained_at "
                 "IS NULL "
                 "AND eradicated_at IS NULL AND recovered_at IS NULL AND closed_at IS NULL AND "
                 "vigilance_until IS NULL",
                 k);
        assert_int_equal(db_count(&S, "incidents", where), 1);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/anchors", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *cur = json_object_get(a, "anchors");
        assert_true(json_is_null(json_object_get(cur, "declared")));
        assert_true(json_is_null(json_object_get(cur, "classified_major")));
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(cur, "first_detected"), "at")),
                "2026-11-22T06:15:00Z");
        json_decref(a);

        classify_and_scope(
                k,
                "{\"tenants\":[{\"id\":\"bank\",\"status\":\"confirmed\"}],\"reason\":\"logs\"}");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", k);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"records read\"}", NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *gdpr = find(a, "bank", "EU-GDPR-33");
        assert_non_null(gdpr);
        assert_string_equal(json_string_value(json_object_get(gdpr, "anchor_at")),
                            "2026-11-22T06:15:00Z");
        assert_string_equal(json_string_value(json_object_get(gdpr, "due_at")),
                            "2026-11-25T06:15:00Z");
        /* DORA's initial report: not classified major, its 24-hour backstop runs. */
        json_t *dora = find(a, "bank", "EU-DORA-19-INIT");
        assert_non_null(dora);
        /* No affected service, so none under NIS2 or CERT-In: the provider's
         * own duties under them do not attach. */
        assert_null(find(a, "", "EU-NIS2-23-EW"));
        assert_null(find(a, "", "IN-CERTIN-2022"));
        assert_string_equal(json_string_value(json_object_get(dora, "anchor_at")), "2026-11-22T06:15:00Z");
        assert_string_equal(json_string_value(json_object_get(dora, "due_at")), "2026-11-23T06:15:00Z");
        /* The intermediate report waits for the initial one to be sent. */
        json_t *intermediate = find(a, "bank", "EU-DORA-19-INT");
        assert_non_null(intermediate);
        assert_true(json_is_null(json_object_get(intermediate, "anchor_at")));
        assert_true(json_is_null(json_object_get(intermediate, "due_at")));
        size_t n = json_array_size(json_object_get(a, "items"));
        json_decref(a);
        /* In the database: the clocks that wait are NULL, none is 0. */
        snprintf(where, sizeof where, "incident_id = (SELECT id FROM incidents WHERE key = '%s')",
                 k);
        assert_int_equal(db_count(&S, "obligations", where), (long)n);
        snprintf(where, sizeof where,
                 "incident_id = (SELECT id FROM incidents WHERE key = '%s') AND anchor_at IS NULL "
                 "AND due_at IS NULL "
                 "AND sent_at IS NULL AND rule_id = 'EU-DORA-19-INT'",
                 k);
        assert_int_equal(db_count(&S, "obligations", where), 1);
        assert_int_equal(db_count(&S, "obligations", "anchor_at = 0 OR due_at = 0 OR sent_at = 0"),
                         0);
        snprintf(where, sizeof where,
                 "key = '%s' AND declared_at IS NOT NULL AND closed_at IS NULL", k);
        assert_int_equal(db_count(&S, "incidents", where), 1);
        assert_int_equal(db_count(&S, "incidents",
                                  "declared_at = 0 OR closed_at = 0 OR acknowledged_at = 0"),
                         0);
}

/* A declared incident detected 24 Nov 08:00Z, a breach of personal data
 * with scope scope_body; its key in k. */
static void declared(const char *title, const char *scope_body, char k[32])
{
        char path[128], body[256];
        json_t *a;
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"sev2\",\"source\":\"employee\","
                 "\"detected_at\":\"2026-11-24T08:00:00Z\"}",
                 title);
        assert_int_equal(call("POST", "/api/v1/incidents", responder, body, &a), 201);
        snprintf(k, 32, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        classify_and_scope(k, scope_body);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", k);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"records read\"}", NULL), 200);
}

static void declared_with_movers(const char *title, char k[32])
{
        declared(title, "{\"tenants\":[{\"id\":\"movers\",\"status\":\"confirmed\"}],\"reason\":\"logs\"}", k);
}

static long rows(const char *k, const char *cond)
{
        char where[512];
        snprintf(where, sizeof where, "incident_id = (SELECT id FROM incidents WHERE key = '%s') AND tenant = 'movers' AND %s",
                 k, cond);
        return db_count(&S, "obligations", where);
}

static long recompute_records(const char *k)
{
        char where[256];
        snprintf(where, sizeof where, "object = 'incident:%s' AND action = 'incident.obligations.recompute'", k);
        return db_count(&S, "audit_log", where);
}

/* PUT tenant movers named name with the facts (JSON members after its
 * contacts); the status it must answer. */
static void put_movers(const char *name, const char *facts, long status)
{
        char body[512];
        snprintf(body, sizeof body, "{\"name\":\"%s\",\"contacts\":[{\"email\":\"it@movers.example\"}],%s}", name,
                 facts);
        assert_int_equal(call("PUT", "/api/v1/tenants/movers", comms, body, NULL), status);
}

/* A tenant's facts feed its obligations: editing them recomputes those of
 * every open incident that has it in scope, in the edit's transaction and
 * with an audit record on the incident; a closed incident keeps what it
 * had, and an edit that changes no fact recomputes nothing. */
static void tenant_edit_recomputes_open_incidents(void **state)
{
        (void)state;
        char open_key[32], closed_key[32], path[128];
        put_movers("Movers LLC", "\"jurisdictions\":[\"US-CA\"],\"sectors\":[\"retail\"]", 201);
        declared_with_movers("Movers open", open_key);
        declared_with_movers("Movers closed", closed_key);
        /* Not a security incident after all: closed early with a justification. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", closed_key);
        assert_int_equal(call("POST", path, responder, "{\"classification\":\"compliance_event\"}", NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", closed_key);
        assert_int_equal(call("POST", path, manager, "{\"phase\":\"closed\",\"reason\":\"test data, not customers'\"}",
                              NULL),
                         200);
        assert_int_equal(rows(open_key, "rule_id = 'US-CA-1798.82' AND status = 'open'"), 1);
        assert_int_equal(rows(closed_key, "rule_id = 'US-CA-1798.82' AND status = 'open'"), 1);
        assert_int_equal(rows(open_key, "rule_id = 'CONTRACT' AND due_at = anchor_at + 72 * 3600000000"), 1);

        /* A new name only: no fact changed, nothing recomputed. */
        put_movers("Movers Inc", "\"jurisdictions\":[\"US-CA\"],\"sectors\":[\"retail\"]", 200);
        assert_int_equal(recompute_records(open_key), 0);

        /* Moved to Germany with a 12-hour contract. */
        put_movers("Movers Inc", "\"jurisdictions\":[\"DE\"],\"sectors\":[\"retail\"],\"notification_hours\":12", 200);
        /* The open incident: GDPR now, California's duty withdrawn, the
         * contract's 12 hours from the declaration. */
        assert_int_equal(rows(open_key, "rule_id = 'EU-GDPR-33' AND status = 'open' AND due_at IS NOT NULL"), 1);
        assert_int_equal(rows(open_key, "rule_id = 'US-CA-1798.82' AND status = 'withdrawn'"), 1);
        assert_int_equal(rows(open_key, "rule_id = 'CONTRACT' AND due_at = anchor_at + 12 * 3600000000"), 1);
        assert_int_equal(recompute_records(open_key), 1);
        char where[512];
        snprintf(where, sizeof where,
                 "object = 'incident:%s' AND action = 'incident.obligations.recompute' AND actor LIKE '%%cora%%' AND "
                 "change LIKE '%%\"tenant\":\"movers\"%%' AND change LIKE '%%jurisdictions%%' AND "
                 "change LIKE '%%notification_hours%%' AND change NOT LIKE '%%sectors%%'",
                 open_key);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        /* The closed one: as it was, with no record. */
        assert_int_equal(rows(closed_key, "rule_id = 'US-CA-1798.82' AND status = 'open'"), 1);
        assert_int_equal(rows(closed_key, "rule_id = 'EU-GDPR-33'"), 0);
        assert_int_equal(recompute_records(closed_key), 0);

        /* An import that updates the tenant recomputes too. */
        const char *const csv[] = { "Content-Type: text/csv", NULL };
        struct reply r;
        http(&S, "POST", "/api/v1/tenants/import", comms, csv,
             "id,name,contacts,jurisdictions,sectors,notification_hours\n"
             "movers,Movers Inc,it@movers.example,US-CA,retail,12\n",
             &r);
        if (r.status != 200)
                fail_msg("import: %ld %s", r.status, r.body);
        reply_free(&r);
        assert_int_equal(rows(open_key, "rule_id = 'US-CA-1798.82' AND status = 'open'"), 1);
        assert_int_equal(rows(open_key, "rule_id = 'EU-GDPR-33' AND status = 'withdrawn'"), 1);
        assert_int_equal(recompute_records(open_key), 2);
        assert_int_equal(recompute_records(closed_key), 0);

        /* A finance tenant owes an 8-K only as an SEC registrant, and is
         * owed the bank-service-provider notice only as a bank. */
        put_movers("Movers Inc", "\"jurisdictions\":[\"US-CA\"],\"sectors\":[\"finance\"]", 200);
        assert_int_equal(rows(open_key, "rule_id IN ('US-SEC-8K-105', 'US-BANK-SP') AND status = 'open'"), 0);
        put_movers("Movers Inc", "\"jurisdictions\":[\"US-CA\"],\"sectors\":[\"finance\"],\"regulated_as\":[\"sec_registrant\"]", 200);
        /* The 8-K waits for the materiality determination. */
        assert_int_equal(rows(open_key, "rule_id = 'US-SEC-8K-105' AND status = 'open' AND due_at IS NULL"), 1);
        assert_int_equal(rows(open_key, "rule_id = 'US-BANK-SP' AND status = 'open'"), 0);
        assert_int_equal(recompute_records(open_key), 4);
        const char *const json[] = { "Content-Type: application/json", NULL };
        expect_refused_on(&S, "PUT", "/api/v1/tenants/movers", comms, json,
                          "{\"name\":\"Movers Inc\",\"contacts\":[{\"email\":\"it@movers.example\"}],"
                          "\"regulated_as\":[\"listed\"]}",
                          400, NULL, "regulated_as");
        assert_int_equal(recompute_records(open_key), 4);

        /* Deleted: still in scope, with no facts - its 8-K withdrawn. */
        assert_int_equal(call("DELETE", "/api/v1/tenants/movers", S.admin_token, NULL, NULL), 204);
        assert_int_equal(rows(open_key, "rule_id = 'US-SEC-8K-105' AND status = 'withdrawn'"), 1);
        assert_int_equal(rows(open_key, "rule_id = 'CONTRACT' AND status = 'open'"), 1);
        assert_int_equal(recompute_records(open_key), 5);
        assert_int_equal(recompute_records(closed_key), 0);
}

/* A service's regimes feed the provider's own duties: naming one, or
 * dropping it, recomputes the open incidents that affect the service. */
static void service_regimes_recompute(void **state)
{
        (void)state;
        json_t *a;
        char k[32], path[128], where[256];
        declared("Payments API down", "{\"services\":[\"payments-api\"],\"reason\":\"dashboards\"}", k);
        snprintf(where, sizeof where,
                 "incident_id = (SELECT id FROM incidents WHERE key = '%s') AND tenant = '' AND rule_id = "
                 "'EU-NIS2-23-EW' AND status = 'open'",
                 k);
        assert_int_equal(db_count(&S, "obligations", where), 0); /* no document: under no regime */
        assert_int_equal(call("PUT", "/api/v1/services/payments-api", S.admin_token, "{\"regimes\":[\"nis2\"]}", NULL),
                         201);
        assert_int_equal(db_count(&S, "obligations", where), 1);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_string_equal(due(a, "", "EU-NIS2-23-EW"), "2026-11-25T08:00:00Z");
        assert_null(find(a, "", "IN-CERTIN-2022"));
        json_decref(a);
        snprintf(where, sizeof where,
                 "object = 'incident:%s' AND action = 'incident.obligations.recompute' AND "
                 "change LIKE '%%\"service\":\"payments-api\"%%'",
                 k);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        /* A description only: nothing recomputed. */
        assert_int_equal(call("PUT", "/api/v1/services/payments-api", S.admin_token,
                              "{\"description\":\"card payments\",\"regimes\":[\"nis2\"]}", NULL),
                         200);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        /* Out of NIS2 scope again: withdrawn. */
        assert_int_equal(call("PUT", "/api/v1/services/payments-api", S.admin_token, "{\"regimes\":[]}", NULL), 200);
        assert_int_equal(db_count(&S, "audit_log", where), 2);
        snprintf(where, sizeof where,
                 "incident_id = (SELECT id FROM incidents WHERE key = '%s') AND tenant = '' AND rule_id = "
                 "'EU-NIS2-23-EW' AND status = 'withdrawn'",
                 k);
        assert_int_equal(db_count(&S, "obligations", where), 1);
}

/* The affected residents per jurisdiction (issue 16 section 3): a PUT of
 * the scope records them, the incident shows them, and the duties that
 * turn on them appear, move and withdraw as the counts change, each with
 * its explanation. Due times by hand: discovery 24 Nov 08:00Z is 03:00 in
 * New York; 60 calendar days end with 23 Jan 2027 there, 24 Jan 05:00Z. */
static void affected_residents_bring_the_threshold_duties(void **state)
{
        (void)state;
        char k[32], path[128];
        json_t *a;
        assert_int_equal(call("PUT", "/api/v1/tenants/clinic", comms,
                              "{\"name\":\"Clinic Inc\",\"contacts\":[{\"email\":\"privacy@clinic.example\"}],"
                              "\"jurisdictions\":[\"US-CA\",\"US-TX\"],\"sectors\":[\"health\"],"
                              "\"regulated_as\":[\"covered_entity\"]}",
                              NULL),
                         201);
        declared("Patient records read",
                 "{\"tenants\":[{\"id\":\"clinic\",\"status\":\"confirmed\",\"data_categories\":[\"health\"]}],"
                 "\"reason\":\"logs\"}",
                 k);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", k);
        /* Nothing counted: no duty that needs a count. */
        a = obligations_of(k);
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-404"), "open");
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-406"), "absent");
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-408-LG"), "absent");
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-408-SM"), "absent");
        json_decref(a);

        /* 501 Californians and 20 Texans: the media (more than 500 of one
         * State), HHS with the notices (521 in all), the California AG
         * after the residents' notice; Texas's AG needs 250. */
        assert_int_equal(call("PUT", path, manager,
                              "{\"affected_residents\":{\"US-CA\":501,\"US-TX\":20},\"reason\":\"patient index\"}", &a),
                         200);
        json_t *res = json_object_get(a, "affected_residents");
        assert_int_equal(json_object_size(res), 2);
        assert_int_equal(json_integer_value(json_object_get(res, "US-CA")), 501);
        assert_int_equal(json_integer_value(json_object_get(res, "US-TX")), 20);
        assert_true(json_array_size(json_object_get(a, "tenants")) == 1); /* the other lists stay */
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "affected_residents"), "US-CA")), 501);
        json_decref(a);
        a = obligations_of(k);
        json_t *media = find(a, "clinic", "US-HIPAA-406");
        assert_non_null(media);
        assert_string_equal(json_string_value(json_object_get(media, "due_at")), "2027-01-24T05:00:00Z");
        assert_string_equal(due(a, "clinic", "US-HIPAA-408-LG"), "2027-01-24T05:00:00Z");
        assert_string_equal(due(a, "clinic", "US-CA-1798.82-AG"), "pending");
        assert_string_equal(status_of(a, "clinic", "US-TX-521.053-AG"), "absent");
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-408-SM"), "absent");
        /* Why the media notice: each condition with the fact that met it. */
        json_t *why = json_object_get(media, "explanation");
        assert_non_null(why);
        assert_string_equal(json_string_value(json_object_get(json_object_get(media, "explanation"), "confidence")),
                            "high");
        assert_non_null(strstr(json_string_value(json_object_get(why, "note")), "164.406(a)"));
        assert_true(json_array_size(json_object_get(why, "contents")) > 0);
        assert_string_equal(json_string_value(json_object_get(why, "term")),
                            "60 calendar days from first_detected (weekends off, in America/New_York); counted from "
                            "2026-11-24T08:00:00Z, due 2027-01-24T05:00:00Z");
        json_t *c = condition(media, "residents");
        assert_non_null(c);
        assert_true(json_is_true(json_object_get(c, "met")));
        assert_string_equal(json_string_value(json_object_get(c, "fact")), "US-CA");
        assert_int_equal(json_integer_value(json_object_get(c, "count")), 501);
        assert_non_null(strstr(json_string_value(json_object_get(c, "text")), "501 affected residents of US-CA"));
        assert_string_equal(json_string_value(json_object_get(condition(media, "data"), "fact")), "health");
        assert_string_equal(json_string_value(json_object_get(condition(media, "jurisdictions"), "fact")), "US-CA");
        assert_string_equal(json_string_value(json_object_get(condition(media, "regulated_as"), "fact")),
                            "covered_entity");
        json_decref(a);

        /* 300 and 300: no State has more than 500 - the media notice is
         * withdrawn, and its explanation says which count fell short -
         * but 600 in all still owe HHS. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", k);
        assert_int_equal(call("PUT", path, manager, "{\"affected_residents\":{\"US-CA\":300,\"US-TX\":300}}", NULL), 200);
        a = obligations_of(k);
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-406"), "withdrawn");
        c = condition(find(a, "clinic", "US-HIPAA-406"), "residents");
        assert_true(json_is_false(json_object_get(c, "met")));
        assert_int_equal(json_integer_value(json_object_get(c, "count")), 300);
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-408-LG"), "open");
        assert_string_equal(status_of(a, "clinic", "US-TX-521.053-AG"), "open");
        json_decref(a);
        /* 499 in all: the annual log instead of HHS now. */
        assert_int_equal(call("PUT", path, manager, "{\"affected_residents\":{\"US-CA\":499}}", NULL), 200);
        a = obligations_of(k);
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-408-LG"), "withdrawn");
        assert_string_equal(due(a, "clinic", "US-HIPAA-408-SM"), "2027-01-24T05:00:00Z");
        assert_string_equal(status_of(a, "clinic", "US-TX-521.053-AG"), "withdrawn");
        json_decref(a);
        /* The scope's audit record keeps the counts as written. */
        char where[256];
        snprintf(where, sizeof where,
                 "object = 'incident:%s' AND action = 'incident.scope' AND change LIKE '%%\"affected_residents\"%%'", k);
        assert_int_equal(db_count(&S, "audit_log", where), 3);

        /* Bad counts: refused, naming the field, and nothing changes. */
        const char *const json[] = { "Content-Type: application/json", NULL };
        static const struct {
                const char *body, *field;
        } bad[] = {
                { "{\"affected_residents\":{\"US-CAL\":5}}", "affected_residents.US-CAL" },
                { "{\"affected_residents\":{\"EU\":5}}", "affected_residents.EU" },
                { "{\"affected_residents\":{\"XX\":5}}", "affected_residents.XX" },
                { "{\"affected_residents\":{\"us-ca\":5}}", "affected_residents.us-ca" },
                { "{\"affected_residents\":{\"US-CA\":-1}}", "affected_residents.US-CA" },
                { "{\"affected_residents\":{\"US-CA\":1.5}}", "affected_residents.US-CA" },
                { "{\"affected_residents\":{\"US-CA\":\"12\"}}", "affected_residents.US-CA" },
                { "{\"affected_residents\":{\"US-CA\":null}}", "affected_residents.US-CA" },
                { "{\"affected_residents\":{\"US-CA\":10000000001}}", "affected_residents.US-CA" },
                { "{\"affected_residents\":{\"US-CA\":5,\"US-TX\":-3}}", "affected_residents.US-TX" },
                { "{\"affected_residents\":[[\"US-CA\",5]]}", "affected_residents" },
                { "{\"affected_residents\":500}", "affected_residents" },
                { "{\"affected_residents\":{\"\\u00dcS\":5}}", "affected_residents.\xc3\x9cS" },
                { "{\"affected_residents\":{\"\":5}}", "affected_residents" },
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                expect_refused_on(&S, "PUT", path, manager, json, bad[i].body, 400, NULL, bad[i].field);
        /* Past int64, a NUL in a key, a key twice: not JSON the server takes. */
        expect_refused_on(&S, "PUT", path, manager, json, "{\"affected_residents\":{\"US-CA\":99999999999999999999}}",
                          400, NULL, NULL);
        expect_refused_on(&S, "PUT", path, manager, json, "{\"affected_residents\":{\"US-CA\\u0000\":5}}", 400, NULL,
                          NULL);
        expect_refused_on(&S, "PUT", path, manager, json, "{\"affected_residents\":{\"US-CA\":5,\"US-CA\":6}}", 400,
                          NULL, NULL);
        /* A key too long to name (300 bytes) is refused under the list's name. */
        char body[512];
        snprintf(body, sizeof body, "{\"affected_residents\":{\"%0300d\":5}}", 0);
        expect_refused_on(&S, "PUT", path, manager, json, body, 400, NULL, "affected_residents");
        /* And a tenant_admin or a responder may not set them. */
        assert_int_equal(call("PUT", path, auditor, "{\"affected_residents\":{\"US-CA\":600}}", NULL), 403);
        /* The CLI sets them too: 600 Californians bring the media notice back. */
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, manager);
        char *out = NULL;
        assert_int_equal(vigil_run(NULL, &out, env,
                                   (const char *const[]){ "incident", "scope", k, "--residents", "US-CA=600",
                                                          "--residents", "US-TX=2", NULL }),
                         0);
        free(out);
        a = obligations_of(k);
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-406"), "open");
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-408-LG"), "open");
        json_decref(a);
        assert_int_not_equal(vigil_run(NULL, &out, env,
                                       (const char *const[]){ "incident", "scope", k, "--residents", "US-CA", NULL }),
                             0);
        free(out);
        /* `vigil obligations why` answers "why did you file this then?". */
        a = obligations_of(k);
        json_t *row = find(a, "clinic", "US-HIPAA-406");
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
        /* One obligation alone carries the explanation the list gives with
         * explain=true; the list without it carries none. */
        json_t *one, *plain;
        char opath[128];
        snprintf(opath, sizeof opath, "/api/v1/incidents/%s/obligations/%s", k, id);
        assert_int_equal(call("GET", opath, auditor, NULL, &one), 200);
        assert_true(json_equal(json_object_get(one, "explanation"), json_object_get(row, "explanation")));
        assert_string_equal(json_string_value(json_object_get(one, "rule")), "US-HIPAA-406");
        json_decref(one);
        snprintf(opath, sizeof opath, "/api/v1/incidents/%s/obligations", k);
        assert_int_equal(call("GET", opath, auditor, NULL, &plain), 200);
        assert_int_equal(json_array_size(json_object_get(plain, "items")), json_array_size(json_object_get(a, "items")));
        assert_null(json_object_get(json_array_get(json_object_get(plain, "items"), 0), "explanation"));
        json_decref(plain);
        json_decref(a);
        snprintf(opath, sizeof opath, "/api/v1/incidents/%s/obligations/999999", k);
        assert_int_equal(call("GET", opath, auditor, NULL, &one), 404);
        json_decref(one);
        /* Another incident's obligation is not found under this one. */
        a = obligations();
        snprintf(opath, sizeof opath, "/api/v1/incidents/%s/obligations/%lld", k,
                 (long long)json_integer_value(json_object_get(json_array_get(json_object_get(a, "items"), 0), "id")));
        json_decref(a);
        assert_int_equal(call("GET", opath, auditor, NULL, &one), 404);
        json_decref(one);
        snprintf(opath, sizeof opath, "/api/v1/incidents/%s/obligations?explain=yes", k);
        assert_int_equal(call("GET", opath, auditor, NULL, &one), 400);
        json_decref(one);
        assert_int_equal(vigil_run(NULL, &out, env, (const char *const[]){ "obligations", "why", k, id, NULL }), 0);
        assert_non_null(strstr(out, "US-HIPAA-406 for clinic (open)\n45 CFR 164.406\n"));
        assert_non_null(strstr(out, "met residents: 600 affected residents of US-CA recorded: that is more than 500"));
        assert_non_null(strstr(out, "term: 60 calendar days from first_detected"));
        assert_non_null(strstr(out, "confidence: high\nnote: more than 500 residents"));
        free(out);
        assert_int_equal(vigil_run(NULL, &out, env, (const char *const[]){ "obligations", "why", k, "999999", NULL }),
                         1);
        free(out);
        /* An empty map says nothing is counted: the threshold duties withdraw. */
        assert_int_equal(call("PUT", path, manager, "{\"affected_residents\":{}}", &a), 200);
        assert_int_equal(json_object_size(json_object_get(a, "affected_residents")), 0);
        json_decref(a);
        a = obligations_of(k);
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-408-SM"), "withdrawn");
        assert_string_equal(status_of(a, "clinic", "US-HIPAA-406"), "withdrawn");
        json_decref(a);
}

static int setup(void **state)
{
        (void)state;
        char extra[512];
        unsigned port = free_port();
        snprintf(maildir, sizeof maildir, "/tmp/vigil-mail-XXXXXX");
        if (!mkdtemp(maildir))
                return -1;
        smtp_pid = sink_start("smtp-sink.py", port, maildir, NULL, NULL);
        snprintf(extra, sizeof extra,
                 "provider:\n  jurisdictions: DE, IN\n  sectors: digital_infrastructure\n  asap_target: 20h\n"
                 "smtp:\n  url: smtp://127.0.0.1:%u\n  from: vigil@example.com\n"
                 "login:\n  max_failures_address: 1000\n",
                 port);
        server_start(&S, extra);
        server_bootstrap(&S);
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        char exec_token[128];
        server_user_token(&S, "eve", "executive_incident_manager", NULL, exec_token, sizeof exec_token);
        assert_int_equal(call("PATCH", "/api/v1/users/cora", S.admin_token, "{\"email\":\"cora@example.com\"}", NULL), 200);
        assert_int_equal(call("PATCH", "/api/v1/users/eve", S.admin_token, "{\"email\":\"eve@example.com\"}", NULL), 200);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        /* The service the main incident affects is under NIS2 and CERT-In. */
        assert_int_equal(call("PUT", "/api/v1/services/customer-db", S.admin_token,
                              "{\"description\":\"customer records\",\"regimes\":[\"nis2\",\"cert_in\"]}", NULL),
                         201);
        /* A regime no rule names is refused. */
        const char *const json[] = { "Content-Type: application/json", NULL };
        expect_refused_on(&S, "PUT", "/api/v1/services/billing", S.admin_token, json,
                          "{\"regimes\":[\"nis-2\"]}", 400, NULL, "regimes[0]");
        assert_int_equal(call("PUT", "/api/v1/tenants/bank", comms,
                              "{\"name\":\"Bank AG\",\"contacts\":[{\"email\":\"sec@bank.example\"}],\"jurisdictions\":[\"DE\"],"
                              "\"sectors\":[\"finance\"],\"data_categories\":[\"personal_data\"],\"notification_hours\":24}",
                              NULL),
                         201);
        assert_int_equal(call("PUT", "/api/v1/tenants/shop", comms,
                              "{\"name\":\"Shop Inc\",\"contacts\":[{\"email\":\"it@shop.example\"}],\"jurisdictions\":[\"US-CA\"],"
                              "\"sectors\":[\"retail\"]}",
                              NULL),
                         201);
        /* Brazil's, in scope only of past_the_calendar_cannot_compute. */
        assert_int_equal(call("PUT", "/api/v1/tenants/loja", comms,
                              "{\"name\":\"Loja Ltda\",\"contacts\":[{\"email\":\"ti@loja.example\"}],"
                              "\"jurisdictions\":[\"BR\"],\"sectors\":[\"retail\"]}",
                              NULL),
                         201);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        int st = server_finish(&S);
        sink_stop(smtp_pid);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", maildir);
        return system(cmd) == 0 ? st : -1;
}


/* t as RFC 3339 (whole seconds). */
static void stamp(time_t t, char out[32])
{
        struct tm tm;
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static json_int_t int_of(json_t *o, const char *field)
{
        json_t *v = json_object_get(o, field);
        if (!json_is_integer(v))
                fail_msg("'%s' is not an integer", field);
        return json_integer_value(v);
}

/* Duties "without undue delay" (unit: asap) are due at once and never
 * late: the API shows them as such, with the time elapsed and their
 * internal target - the rule's own (DORA 30(2)(f): 4 h), else the
 * configured provider.asap_target (20 h here) - their reminders count to
 * that target, and the metrics score them by the time taken. Detected
 * 19 hours ago (t0), worked by hand: the shop's California notice as a
 * service provider has its target at t0 + 20 h, 95 % gone, so its 90 %
 * reminder comes at once; the bank's DORA notice has its target at
 * t0 + 4 h, passed, so the executives hear of it (not "overdue"). Sent
 * 30 minutes after t0, the Californian one is on time; the DORA one,
 * sent 5 hours after, is past its target - and late in neither. */
static void asap_duties_have_a_target_and_are_never_late(void **state)
{
        (void)state;
        char path[160], body[256], k[32], t0s[32], target[32], dora_target[32], half[32], five[32];
        json_t *a;
        sleep(1); /* the metrics below count incidents created from this one on */
        time_t t0 = time(NULL) - 19 * 3600;
        stamp(t0, t0s);
        stamp(t0 + 20 * 3600, target);
        stamp(t0 + 4 * 3600, dora_target);
        stamp(t0 + 1800, half);
        stamp(t0 + 5 * 3600, five);
        snprintf(body, sizeof body,
                 "{\"title\":\"Orders exposed\",\"severity\":\"sev2\",\"source\":\"employee\",\"detected_at\":\"%s\"}",
                 t0s);
        assert_int_equal(call("POST", "/api/v1/incidents", responder, body, &a), 201);
        snprintf(k, sizeof k, "%s", json_string_value(json_object_get(a, "key")));
        char created[40];
        snprintf(created, sizeof created, "%s", json_string_value(json_object_get(a, "created_at")));
        json_decref(a);
        classify_and_scope(k, "{\"tenants\":[{\"id\":\"shop\",\"status\":\"confirmed\"},{\"id\":\"bank\","
                              "\"status\":\"confirmed\"}],\"reason\":\"order logs\"}");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", k);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"orders read\"}", NULL), 200);

        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *ca = find(a, "shop", "US-CA-1798.82-VENDOR"), *dora = find(a, "bank", "EU-DORA-30-TPP");
        assert_non_null(ca);
        assert_non_null(dora);
        assert_string_equal(json_string_value(json_object_get(ca, "deadline_kind")), "asap");
        assert_string_equal(json_string_value(json_object_get(ca, "deadline")), "without undue delay");
        assert_string_equal(json_string_value(json_object_get(ca, "anchor_at")), t0s);
        assert_string_equal(json_string_value(json_object_get(ca, "due_at")), t0s); /* "at once" */
        assert_string_equal(json_string_value(json_object_get(ca, "target_at")), target);
        assert_null(json_object_get(ca, "seconds_left")); /* never counting down to "late" */
        json_int_t elapsed = int_of(ca, "elapsed_seconds"), to_target = int_of(ca, "seconds_to_target");
        assert_true(elapsed >= 19 * 3600 && elapsed < 19 * 3600 + 120);
        assert_true(to_target <= 3600 && to_target > 3600 - 120);
        assert_string_equal(json_string_value(json_object_get(dora, "target_at")), dora_target);
        assert_true(int_of(dora, "seconds_to_target") < 0);
        /* A fixed deadline keeps its countdown and says so. */
        json_t *contract = find(a, "shop", "CONTRACT");
        assert_string_equal(json_string_value(json_object_get(contract, "deadline_kind")), "fixed");
        assert_true(int_of(contract, "seconds_left") > 0);
        assert_null(json_object_get(contract, "target_at"));
        json_int_t ca_id = int_of(ca, "id"), dora_id = int_of(dora, "id");
        json_decref(a);

        /* Reminders count to the target. */
        char subject[200];
        snprintf(subject, sizeof subject, "Subject: [Vigil] 90%% of the target time used: US-CA-1798.82-VENDOR for shop on %s",
                 k);
        await_mail(subject, 10);
        snprintf(subject, sizeof subject, "Subject: [Vigil] TARGET PASSED EU-DORA-30-TPP for bank on %s", k);
        await_mail(subject, 10);
        char where[200];
        snprintf(where, sizeof where, "object = 'incident:%s' AND action = 'incident.obligation.target_passed'", k);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        snprintf(where, sizeof where, "object = 'incident:%s' AND action = 'incident.obligation.overdue' AND "
                                      "change LIKE '%%\"asap\"%%'", k);
        assert_int_equal(db_count(&S, "audit_log", where), 0);

        /* Sent 30 minutes and 5 hours after discovery. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/sent", k, (long long)ca_id);
        snprintf(body, sizeof body, "{\"at\":\"%s\",\"channel\":\"email\"}", half);
        assert_int_equal(call("POST", path, comms, body, NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%lld/sent", k, (long long)dora_id);
        snprintf(body, sizeof body, "{\"at\":\"%s\",\"channel\":\"portal\"}", five);
        assert_int_equal(call("POST", path, comms, body, NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        ca = find(a, "shop", "US-CA-1798.82-VENDOR");
        assert_string_equal(json_string_value(json_object_get(ca, "status")), "sent");
        assert_int_equal(int_of(ca, "elapsed_seconds"), 1800); /* anchor to sending */
        assert_null(json_object_get(ca, "seconds_to_target"));
        assert_int_equal(int_of(find(a, "bank", "EU-DORA-30-TPP"), "elapsed_seconds"), 5 * 3600);
        json_decref(a);

        /* The incident report says how long each took, never "late". */
        struct reply r;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/report?format=md", k);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, " | sent | "));
        assert_non_null(strstr(r.body, " | within target, after 0h 30m |\n"));
        assert_non_null(strstr(r.body, " | after target, after 5h 00m |\n"));
        assert_non_null(strstr(r.body, "without undue delay (target "));
        assert_null(strstr(r.body, "no, late"));
        reply_free(&r);

        /* The evidence ledger: on time by the target, or not. */
        snprintf(path, sizeof path, "/api/v1/reports/evidence?from=%s", created);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        json_t *row;
        size_t i;
        int seen = 0;
        json_array_foreach(json_object_get(a, "obligations"), i, row)
        {
                const char *rule = json_string_value(json_object_get(row, "rule"));
                if (strcmp(rule, "US-CA-1798.82-VENDOR") == 0 || strcmp(rule, "EU-DORA-30-TPP") == 0) {
                        seen++;
                        assert_string_equal(json_string_value(json_object_get(row, "deadline_kind")), "asap");
                        assert_true(json_is_boolean(json_object_get(row, "on_time")));
                        assert_int_equal(json_is_true(json_object_get(row, "on_time")), rule[0] == 'U');
                }
        }
        assert_int_equal(seen, 2);
        json_decref(a);

        /* The metrics of the incidents from this one on. */
        snprintf(path, sizeof path, "/api/v1/reports/metrics?from=%s", created);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        assert_int_equal(int_of(a, "incidents"), 1);
        json_t *by_rule = json_object_get(json_object_get(a, "obligations"), "by_rule");
        json_t *m = json_object_get(by_rule, "US-CA-1798.82-VENDOR");
        assert_non_null(m);
        assert_string_equal(json_string_value(json_object_get(m, "deadline_kind")), "asap");
        assert_int_equal(int_of(m, "on_time"), 1);
        assert_int_equal(int_of(m, "late"), 0);
        assert_int_equal(int_of(m, "past_target"), 0);
        json_t *took = json_object_get(m, "time_taken");
        assert_int_equal(int_of(took, "n"), 1);
        assert_int_equal(int_of(took, "mean_s"), 1800);
        assert_int_equal(int_of(took, "max_s"), 1800);
        m = json_object_get(by_rule, "EU-DORA-30-TPP");
        assert_int_equal(int_of(m, "on_time"), 0);
        assert_int_equal(int_of(m, "late"), 0);
        assert_int_equal(int_of(m, "overdue"), 0);
        assert_int_equal(int_of(m, "past_target"), 1);
        assert_int_equal(int_of(json_object_get(m, "time_taken"), "median_s"), 5 * 3600);
        /* /metrics: the time taken, and no state that is not a count. */
        http(&S, "GET", "/metrics", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "vigil_obligation_time_taken_seconds{rule=\"US-CA-1798.82-VENDOR\","
                                       "quantile=\"0.5\"} 1800\n"));
        assert_non_null(strstr(r.body, "vigil_obligations{rule=\"EU-DORA-30-TPP\",state=\"past_target\"} "));
        assert_null(strstr(r.body, "state=\"deadline_kind\""));
        assert_null(strstr(r.body, "state=\"time_taken\""));
        reply_free(&r);
        /* A fixed deadline is still scored against its due time. */
        assert_string_equal(json_string_value(json_object_get(json_object_get(by_rule, "EU-DPA-CONTRACT"),
                                                              "deadline_kind")),
                            "fixed");
        json_decref(a);
}

/* GET /api/v1/rules is the file: the same rules in the same order, each
 * with its deadline in words; an incident's obligations carry the rules
 * they came from. */
static void rules_list_matches_the_file(void **state)
{
        (void)state;
        char path[512];
        const char *root = getenv("VIGIL_SOURCE_ROOT");
        snprintf(path, sizeof path, "%s/etc/rules.yaml", root ? root : "..");
        char *text = read_text_file(path);
        assert_non_null(text);
        /* The rules end where the rows left out (not_encoded, also "- id:" items) begin. */
        char *left_out = strstr(text, "\nnot_encoded:");
        assert_non_null(left_out);
        *left_out = '\0';
        json_t *a;
        assert_int_equal(call("GET", "/api/v1/rules", auditor, NULL, &a), 200);
        /* The rows left out: the file's, in its order, each with its reason. */
        json_t *left = json_object_get(a, "not_encoded");
        size_t n_left = 0;
        for (const char *p = left_out + 1; (p = strstr(p, "\n  - id: ")); n_left++) {
                p += strlen("\n  - id: ");
                size_t len = strcspn(p, " \n#");
                json_t *e = json_array_get(left, n_left);
                const char *id = json_string_value(json_object_get(e, "id"));
                if (!id || strlen(id) != len || strncmp(id, p, len) != 0)
                        fail_msg("not_encoded %zu: the file says %.*s, the API %s", n_left, (int)len, p,
                                 id ? id : "nothing");
                const char *reason = json_string_value(json_object_get(e, "reason"));
                const char *in_file = strstr(p, "reason: \"");
                assert_non_null(reason);
                assert_non_null(in_file);
                assert_int_equal(strncmp(in_file + strlen("reason: \""), reason, strlen(reason)), 0);
        }
        assert_int_equal(n_left, 7);
        assert_int_equal(json_array_size(left), n_left);
        json_t *rules = json_object_get(a, "rules");
        size_t n = 0;
        for (const char *p = text; (p = strstr(p, "\n  - id: ")); n++) {
                p += strlen("\n  - id: ");
                size_t len = strcspn(p, " \n#");
                const char *id = json_string_value(json_object_get(json_array_get(rules, n), "id"));
                if (!id || strlen(id) != len || strncmp(id, p, len) != 0)
                        fail_msg("rule %zu: the file says %.*s, the API %s", n, (int)len, p, id ? id : "nothing");
        }
        free(text);
        assert_true(n > 40);
        assert_int_equal(json_array_size(rules), n);
        assert_int_equal(json_integer_value(json_object_get(a, "count")), n);
        assert_string_equal(json_string_value(json_object_get(a, "version")), "2026.12.03");
        json_t *dora = NULL, *hipaa = NULL, *tpp = NULL, *v;
        size_t i;
        json_array_foreach(rules, i, v)
        {
                const char *id = json_string_value(json_object_get(v, "id"));
                if (strcmp(id, "EU-DORA-19-INIT") == 0)
                        dora = v;
                else if (strcmp(id, "US-HIPAA-404") == 0)
                        hipaa = v;
                else if (strcmp(id, "EU-DORA-30-TPP") == 0)
                        tpp = v;
        }
        assert_non_null(dora);
        assert_string_equal(json_string_value(json_object_get(dora, "deadline")),
                            "4 hours from classified_major, or 24 hours from aware if that ends first "
                            "(unless it ends before classified_major)");
        assert_int_equal(json_array_size(json_object_get(dora, "terms")), 2);
        assert_string_equal(json_string_value(json_object_get(dora, "confidence")), "high");
        assert_string_equal(json_string_value(json_object_get(dora, "version")), "2026.12.03");
        assert_true(json_array_size(json_object_get(dora, "contents")) > 0);
        assert_non_null(hipaa);
        assert_non_null(strstr(json_string_value(json_object_get(hipaa, "deadline")), "from first_detected"));
        assert_non_null(tpp);
        assert_string_equal(json_string_value(json_object_get(tpp, "deadline")),
                            "without undue delay from first_detected (internal target 4 hours)");
        json_t *term = json_array_get(json_object_get(tpp, "terms"), 0);
        assert_string_equal(json_string_value(json_object_get(term, "unit")), "asap");
        assert_int_equal(json_integer_value(json_object_get(term, "target_hours")), 4);
        assert_non_null(json_string_value(json_object_get(hipaa, "note")));
        /* A threshold is part of what the rule turns on. */
        json_t *media = NULL;
        json_array_foreach(rules, i, v) if (strcmp(json_string_value(json_object_get(v, "id")), "US-HIPAA-406") == 0) media = v;
        json_t *th = json_object_get(json_object_get(media, "applies"), "residents");
        assert_string_equal(json_string_value(json_object_get(th, "condition")), "residents_more_than");
        assert_int_equal(json_integer_value(json_object_get(th, "value")), 500);
        assert_string_equal(json_string_value(json_object_get(th, "counted")), "per_jurisdiction");
        assert_true(json_is_null(json_object_get(json_object_get(dora, "applies"), "residents")));
        json_decref(a);

        /* The incident declared above: its rows name their rule once. */
        a = obligations();
        json_t *o = find(a, "bank", "EU-DORA-19-INIT");
        assert_non_null(o);
        assert_true(json_is_true(json_object_get(o, "rule_in_force")));
        json_t *why = json_object_get(json_object_get(a, "rules"), "EU-DORA-19-INIT");
        assert_string_equal(json_string_value(json_object_get(why, "regulation")), "DORA");
        assert_non_null(strstr(json_string_value(json_object_get(why, "deadline")), "24 hours from aware"));
        /* Each row explains itself: the bank's GDPR report applies because
         * the bank is in Germany and personal data was hit; its term with
         * the times (aware not recorded: first detected, 20 Nov 08:00Z). */
        json_t *gdpr = json_object_get(find(a, "bank", "EU-GDPR-33"), "explanation");
        assert_non_null(gdpr);
        assert_string_equal(json_string_value(json_object_get(gdpr, "term")),
                            "72 hours from aware; counted from 2026-11-20T08:00:00Z, due 2026-11-23T08:00:00Z");
        assert_string_equal(json_string_value(json_object_get(gdpr, "confidence")), "high");
        assert_true(json_array_size(json_object_get(gdpr, "contents")) >= 3);
        assert_true(json_is_null(json_object_get(gdpr, "note")));
        json_t *conds = json_object_get(gdpr, "conditions");
        assert_int_equal(json_array_size(conds), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(conds, 0), "condition")), "data");
        assert_string_equal(json_string_value(json_object_get(json_array_get(conds, 0), "fact")), "personal_data");
        assert_string_equal(json_string_value(json_object_get(json_array_get(conds, 1), "fact")), "DE");
        assert_string_equal(json_string_value(json_object_get(json_array_get(conds, 1), "text")),
                            "the tenant's jurisdiction DE is one the rule covers");
        /* The provider's own NIS2 early warning: its jurisdiction and the
         * regime of the affected service. */
        json_t *nis2 = find(a, "", "EU-NIS2-23-EW");
        assert_non_null(nis2);
        assert_string_equal(json_string_value(json_object_get(condition(nis2, "regimes"), "fact")), "nis2");
        assert_string_equal(json_string_value(json_object_get(condition(nis2, "jurisdictions"), "fact")), "DE");
        assert_non_null(strstr(json_string_value(json_object_get(condition(nis2, "jurisdictions"), "text")),
                               "the provider's jurisdiction DE"));
        /* The contract turns on nothing but the tenant being in scope. */
        json_t *contract = json_object_get(find(a, "bank", "CONTRACT"), "explanation");
        assert_int_equal(json_array_size(json_object_get(contract, "conditions")), 0);
        json_decref(a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(declaration_computes_obligations),
                cmocka_unit_test(rules_list_matches_the_file),
                cmocka_unit_test(time_zero_is_refused_not_unset),
                cmocka_unit_test(unset_times_are_null_and_2026_starts_the_clocks),
                cmocka_unit_test(anchors_and_reports_start_later_clocks),
                cmocka_unit_test(a_corrected_filing_moves_the_later_stage),
                cmocka_unit_test(scope_changes_withdraw_and_the_cli_lists),
                cmocka_unit_test(clocks_remind_then_escalate),
                cmocka_unit_test(tenant_edit_recomputes_open_incidents),
                cmocka_unit_test(service_regimes_recompute),
                cmocka_unit_test(past_the_calendar_cannot_compute),
                cmocka_unit_test(affected_residents_bring_the_threshold_duties),
                cmocka_unit_test(asap_duties_have_a_target_and_are_never_late),
        };
        return cmocka_run_group_tests_name("obligations", tests, setup, teardown);
}
