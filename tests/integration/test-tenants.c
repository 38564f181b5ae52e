/* Tenants through the API: one at a time (validation naming each field,
 * idempotent PUT, a tenant_admin sees only its own) and in bulk from JSON
 * and CSV - all or nothing, bad rows named by row and field - up to
 * 100,000 tenants in one file. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

static struct server S;
static char comms[128], responder[128], acme_admin[128];

static long send(const char *method, const char *path, const char *token, const char *type, const char *body,
                 json_t **ret)
{
        struct reply r;
        char ct[64];
        snprintf(ct, sizeof ct, "Content-Type: %s", type ? type : "application/json");
        const char *const headers[] = { ct, NULL };
        http(&S, method, path, token, headers, body, &r);
        long st = r.status;
        if (ret)
                *ret = json_incref(r.json);
        reply_free(&r);
        return st;
}

static const char acme[] =
        "{\"name\":\"Acme GmbH\",\"contacts\":[{\"email\":\"sec@acme.example\",\"name\":\"Ana\"}],"
        "\"jurisdictions\":[\"DE\",\"EU\",\"DE\"],\"sectors\":[\"finance\"],"
        "\"data_categories\":[\"personal_data\",\"payment_card\"],\"notification_hours\":24,"
        "\"webhook\":\"https://acme.example/vigil\"}";

static void one_tenant(void **state)
{
        (void)state;
        json_t *a;
        assert_int_equal(send("PUT", "/api/v1/tenants/acme", comms, NULL, acme, &a), 201);
        /* Lists come back sorted and without repeats. */
        assert_int_equal(json_array_size(json_object_get(a, "jurisdictions")), 2);
        assert_string_equal(json_string_value(json_array_get(json_object_get(a, "jurisdictions"), 0)), "DE");
        assert_int_equal(json_integer_value(json_object_get(a, "notification_hours")), 24);
        assert_false(json_is_true(json_object_get(json_array_get(json_object_get(a, "contacts"), 0), "verified")));
        json_decref(a);
        assert_int_equal(send("PUT", "/api/v1/tenants/acme", comms, NULL, acme, &a), 200);
        assert_false(json_is_true(json_object_get(a, "changed")));
        assert_int_equal(json_integer_value(json_object_get(a, "version")), 1);
        json_decref(a);
        /* Defaults: 72 hours. */
        assert_int_equal(send("PUT", "/api/v1/tenants/globex", comms, NULL,
                              "{\"name\":\"Globex\",\"contacts\":[{\"email\":\"soc@globex.example\"}]}", &a),
                         201);
        assert_int_equal(json_integer_value(json_object_get(a, "notification_hours")), 72);
        json_decref(a);
        /* Each bad field named; nothing stored. */
        struct reply r;
        const char *const json[] = { "Content-Type: application/json", NULL };
        expect_refused_on(&S, "PUT", "/api/v1/tenants/bad", comms, json,
                          "{\"name\":\"\",\"contacts\":[{\"email\":\"not-an-address\"}],\"jurisdictions\":[\"Germany\"],"
                          "\"sectors\":[\"crypto\"],\"data_categories\":[\"secrets\"],\"notification_hours\":0,"
                          "\"webhook\":\"ftp://x\",\"colour\":\"red\"}",
                          400, NULL, "contacts[0]");
        http(&S, "PUT", "/api/v1/tenants/bad", comms, json,
             "{\"name\":\"\",\"contacts\":[{\"email\":\"not-an-address\"}],\"jurisdictions\":[\"Germany\"],"
             "\"sectors\":[\"crypto\"],\"data_categories\":[\"secrets\"],\"notification_hours\":0,"
             "\"webhook\":\"ftp://x\",\"colour\":\"red\"}",
             &r);
        static const char *const fields[] = { "name", "jurisdictions", "sectors", "data_categories", "notification_hours",
                                              "webhook", "colour" };
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
                if (!problem_has_field(r.json, fields[i]))
                        fail_msg("no error for %s: %s", fields[i], r.body);
        reply_free(&r);
        expect_refused_on(&S, "PUT", "/api/v1/tenants/acme", comms, json,
                          "{\"id\":\"other\",\"name\":\"A\",\"contacts\":[{\"email\":\"a@b.example\"}]}", 400, NULL, "id");
        /* E-mail addresses by the one rule (core/names.c): tenants.c used to
         * take dots out of place, which users refuse too. */
        expect_refused_on(&S, "PUT", "/api/v1/tenants/dots", comms, json,
                          "{\"name\":\"Dots\",\"contacts\":[{\"email\":\"sec..ops@dots.example\"}]}", 400, NULL,
                          "contacts[0]");
        expect_refused_on(&S, "PUT", "/api/v1/tenants/dots", comms, json,
                          "{\"name\":\"Dots\",\"contacts\":[{\"email\":\"sec@dots.example.\"}]}", 400, NULL,
                          "contacts[0]");
        /* Responders read, but do not write, tenants. */
        expect_refused_on(&S, "PUT", "/api/v1/tenants/acme", responder, json, acme, 403, NULL, NULL);
        assert_int_equal(send("GET", "/api/v1/tenants/acme", responder, NULL, NULL, NULL), 200);
        /* A tenant administrator sees its own tenant and no other. */
        assert_int_equal(send("GET", "/api/v1/tenants/acme", acme_admin, NULL, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "name")), "Acme GmbH");
        json_decref(a);
        assert_int_equal(send("GET", "/api/v1/tenants/globex", acme_admin, NULL, NULL, NULL), 404);
        assert_int_equal(send("GET", "/api/v1/tenants", acme_admin, NULL, NULL, NULL), 403);
}

static void import_json_and_csv_all_or_nothing(void **state)
{
        (void)state;
        json_t *a;
        assert_int_equal(send("POST", "/api/v1/tenants/import", comms, NULL,
                              "[{\"id\":\"t1\",\"name\":\"One\",\"contacts\":[{\"email\":\"a@one.example\"}]},"
                              "{\"id\":\"t2\",\"name\":\"Two\",\"contacts\":[{\"email\":\"a@two.example\"}],"
                              "\"jurisdictions\":[\"US-CA\"]}]",
                              &a),
                         200);
        assert_int_equal(json_integer_value(json_object_get(a, "created")), 2);
        json_decref(a);
        /* CSV: header names the columns; lists are ';'-separated; quoted cells may hold commas. */
        const char *csv = "id,name,contacts,jurisdictions,sectors,data_categories,notification_hours\n"
                          "t2,\"Two, Inc.\",a@two.example;b@two.example,US-CA;US-NY,health,health;personal_data,48\n"
                          "t3,Three,c@three.example,BR,,,\n";
        assert_int_equal(send("POST", "/api/v1/tenants/import", comms, "text/csv", csv, &a), 200);
        assert_int_equal(json_integer_value(json_object_get(a, "created")), 1);
        assert_int_equal(json_integer_value(json_object_get(a, "updated")), 1);
        json_decref(a);
        assert_int_equal(send("GET", "/api/v1/tenants/t2", comms, NULL, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "name")), "Two, Inc.");
        assert_int_equal(json_array_size(json_object_get(a, "contacts")), 2);
        assert_int_equal(json_integer_value(json_object_get(a, "notification_hours")), 48);
        json_decref(a);
        /* One bad row refuses the file; rows and fields are named; nothing changes. */
        const char *const csvh[] = { "Content-Type: text/csv", NULL };
        const char *bad = "id,name,contacts,jurisdictions\n"
                          "t4,Four,d@four.example,FR\n"
                          "t5,Five,not-an-email,FR\n"
                          "t 6,Six,f@six.example,France\n";
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, csvh, bad, 400, "2 of 3 tenants are not valid",
                          "row 3: contacts[0]");
        struct reply r;
        http(&S, "POST", "/api/v1/tenants/import", comms, csvh, bad, &r);
        assert_true(problem_has_field(r.json, "row 4: id"));
        assert_true(problem_has_field(r.json, "row 4: jurisdictions"));
        reply_free(&r);
        assert_int_equal(send("GET", "/api/v1/tenants/t4", comms, NULL, NULL, NULL), 404);
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, csvh, "id,name,colour\nx,y,red\n", 400, NULL,
                          "row 1: header");
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, csvh, "id,name\n\"unterminated,x\n", 400,
                          "malformed", NULL);
        const char *const json[] = { "Content-Type: application/json", NULL };
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, json, "[{\"id\":\"t9\",\"name\":\"Nine\"}]", 400,
                          NULL, "[0]: contacts");
}

/* Rows are read and written one at a time, in one transaction: a bad last
 * row, a file that breaks after good rows, or one element over a JSON
 * limit must still leave nothing imported. */
static void streamed_import_is_all_or_nothing(void **state)
{
        (void)state;
        const size_t n = 2000;
        size_t cap = n * 80 + 256, len = 0;
        char *csv = malloc(cap), *js = malloc(cap * 2);
        assert_non_null(csv);
        assert_non_null(js);
        len += (size_t)snprintf(csv + len, cap - len, "id,name,contacts\n");
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(csv + len, cap - len, "last-%04zu,Last %zu,a@l%zu.example\n", i, i, i);
        size_t good = len;
        snprintf(csv + len, cap - len, "last-bad,Bad,not-an-email\n");
        const char *const csvh[] = { "Content-Type: text/csv", NULL };
        const char *const jsonh[] = { "Content-Type: application/json", NULL };
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, csvh, csv, 400,
                          "1 of 2001 tenants are not valid; nothing was imported", "row 2002: contacts[0]");
        /* Broken quoting after the good rows. */
        snprintf(csv + good, cap - good, "last-q,\"Unterminated,a@q.example\n");
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, csvh, csv, 400, "malformed at row 2002",
                          "body");
        assert_int_equal(db_count(&S, "tenants", "id LIKE 'last-%'"), 0);

        size_t jl = (size_t)snprintf(js, cap * 2, "[");
        for (size_t i = 0; i < n; i++)
                jl += (size_t)snprintf(js + jl, cap * 2 - jl, "{\"id\":\"last-%04zu\",\"name\":\"L\","
                                                              "\"contacts\":[{\"email\":\"a@l%zu.example\"}]},",
                                       i, i);
        size_t jgood = jl;
        snprintf(js + jl, cap * 2 - jl, "{\"id\":\"last-x\",\"name\":\"X\",\"contacts\":[]}]");
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, jsonh, js, 400,
                          "1 of 2001 tenants are not valid", "[2000]: contacts");
        snprintf(js + jgood, cap * 2 - jgood, "\"a string\"]");
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, jsonh, js, 400, NULL, "[2000]: tenant");
        snprintf(js + jgood, cap * 2 - jgood, "{\"id\":\"last-x\",\"name\":\"X\"");
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, jsonh, js, 400,
                          "malformed JSON in tenant [2000]", "body");
        snprintf(js + jgood - 1, cap * 2 - jgood + 1, "] trailing");
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, jsonh, js, 400, "text after the array",
                          "body");
        js[jgood - 1] = ',';
        char deep[128];
        snprintf(deep, sizeof deep, "{\"id\":\"last-x\",\"name\":\"X\",\"contacts\":%.40s%.40s}]",
                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
        snprintf(js + jgood, cap * 2 - jgood, "%s", deep);
        expect_refused_on(&S, "POST", "/api/v1/tenants/import", comms, jsonh, js, 400, "nested deeper than the limit",
                          NULL);
        assert_int_equal(db_count(&S, "tenants", "id LIKE 'last-%'"), 0);
        /* The same files with the bad end cut off import every row. */
        json_t *a;
        csv[good] = '\0';
        assert_int_equal(send("POST", "/api/v1/tenants/import", comms, "text/csv", csv, &a), 200);
        assert_int_equal(json_integer_value(json_object_get(a, "created")), (json_int_t)n);
        json_decref(a);
        js[jgood - 1] = ']';
        js[jgood] = '\0';
        assert_int_equal(send("POST", "/api/v1/tenants/import", comms, NULL, js, &a), 200);
        assert_int_equal(json_integer_value(json_object_get(a, "received")), (json_int_t)n);
        assert_int_equal(json_integer_value(json_object_get(a, "updated")), (json_int_t)n); /* new names */
        json_decref(a);
        assert_int_equal(db_count(&S, "tenants", "id LIKE 'last-%'"), (long)n);
        free(csv);
        free(js);
}

/* A body over limits.max_import is refused before it is read, naming the
 * limit. */
static void oversized_import_names_the_limit(void **state)
{
        (void)state;
        struct server S2;
        server_start_sibling(&S2, &S, "limits:\n  max_body: 16KiB\n  max_import: 64KiB\n");
        const size_t n = 70 * 1024;
        char *csv = malloc(n + 1);
        assert_non_null(csv);
        memset(csv, 'x', n);
        memcpy(csv, "id,name\n", 8);
        csv[n] = '\0';
        const char *const csvh[] = { "Content-Type: text/csv", NULL };
        expect_refused_on(&S2, "POST", "/api/v1/tenants/import", comms, csvh, csv, 413,
                          "larger than the limit of 65536 bytes", NULL);
        free(csv);
        assert_int_equal(server_stop(&S2), 0);
        server_cleanup(&S2);
}

static void import_100k_tenants(void **state)
{
        (void)state;
        const size_t n = 100000;
        size_t cap = n * 120 + 256, len = 0;
        char *csv = malloc(cap);
        len += (size_t)snprintf(csv + len, cap - len, "id,name,contacts,jurisdictions,sectors,data_categories\n");
        static const char *const j[] = { "DE", "FR;EU", "US-CA", "US-NY;US", "BR", "GB", "SG", "JP" };
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(csv + len, cap - len, "bulk-%06zu,Customer %zu,admin@c%zu.example,%s,retail,personal_data\n",
                                        i, i, i, j[i % 8]);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        json_t *a;
        assert_int_equal(send("POST", "/api/v1/tenants/import", comms, "text/csv", csv, &a), 200);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_int_equal(json_integer_value(json_object_get(a, "created")), (json_int_t)n);
        json_decref(a);
        print_message("# imported %zu tenants (%zu bytes of CSV) in %.2f s\n", n, len,
                      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        assert_int_equal(db_count(&S, "tenants", "id LIKE 'bulk-%'"), (long)n);
        /* The same file again changes nothing. */
        assert_int_equal(send("POST", "/api/v1/tenants/import", comms, "text/csv", csv, &a), 200);
        assert_int_equal(json_integer_value(json_object_get(a, "unchanged")), (json_int_t)n);
        json_decref(a);
        free(csv);
        /* Paged listing reaches them all. */
        assert_int_equal(send("GET", "/api/v1/tenants?limit=500", responder, NULL, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 500);
        assert_true(json_is_string(json_object_get(a, "next_cursor")));
        json_decref(a);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "login:\n  max_failures_address: 1000\n");
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "acme-admin", "tenant_admin", "acme", acme_admin, sizeof acme_admin);
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
                cmocka_unit_test(one_tenant),
                cmocka_unit_test(import_json_and_csv_all_or_nothing),
                cmocka_unit_test(streamed_import_is_all_or_nothing),
                cmocka_unit_test(oversized_import_names_the_limit),
                cmocka_unit_test(import_100k_tenants),
        };
        return cmocka_run_group_tests_name("tenants", tests, setup, teardown);
}
