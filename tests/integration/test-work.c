/* GET /api/v1/me/work: what waits for each person. A page to them until
 * they acknowledge it; tasks they own until done; approvals for
 * executives, never their own requests; notices for a second person,
 * never the composer; nothing of closed incidents. */
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
static char rita[128], otto[128], eva[128], ezra[128], cora[128], cody[128], aud[128], tina[128];

static json_t *work(const char *token)
{
        json_t *w;
        assert_int_equal(api_call(&S, "GET", "/api/v1/me/work", token, NULL, &w), 200);
        return w;
}

/* The items of list name in w that belong to incident key. */
static size_t count_for(json_t *w, const char *name, const char *key)
{
        json_t *list = json_object_get(json_object_get(w, name), "items"), *v;
        size_t i, n = 0;
        json_array_foreach(list, i, v)
        {
                if (strcmp(json_string_value(json_object_get(v, "incident")), key) == 0)
                        n++;
        }
        return n;
}

static void put(const char *path, const char *body)
{
        long st = api_call(&S, "PUT", path, otto, body, NULL);
        if (st != 200 && st != 201)
                fail_msg("PUT %s: %ld", path, st);
}

static void open_incident(const char *body, char key[32])
{
        json_t *a;
        assert_int_equal(api_call(&S, "POST", "/api/v1/incidents", otto, body, &a), 201);
        snprintf(key, 32, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
}

static json_t *find_page(const char *token, const char *key)
{
        for (int i = 0; i < 100; i++) {
                json_t *w = work(token);
                if (count_for(w, "pages", key) == 1)
                        return w;
                json_decref(w);
                usleep(100000);
        }
        fail_msg("no page for %s", key);
        return NULL;
}

static void pages_wait_until_acknowledged(void **state)
{
        (void)state;
        char key[32], path[96];
        open_incident("{\"title\":\"Work: a page for rita\",\"severity\":\"sev1\",\"source\":\"employee\","
                      "\"services\":[\"work\"]}",
                      key);
        json_t *w = find_page(rita, key);
        json_t *p = json_array_get(json_object_get(json_object_get(w, "pages"), "items"), 0);
        assert_string_equal(json_string_value(json_object_get(p, "incident_title")), "Work: a page for rita");
        assert_int_equal(json_integer_value(json_object_get(p, "level")), 1);
        assert_false(json_is_true(json_object_get(json_object_get(w, "pages"), "more")));
        json_int_t id = json_integer_value(json_object_get(p, "id"));
        json_decref(w);
        /* Not otto's page: his list does not hold it. */
        w = work(otto);
        assert_int_equal(count_for(w, "pages", key), 0);
        json_decref(w);
        snprintf(path, sizeof path, "/api/v1/pages/%lld/ack", (long long)id);
        assert_int_equal(api_call(&S, "POST", path, rita, NULL, NULL), 200);
        w = work(rita);
        assert_int_equal(count_for(w, "pages", key), 0);
        json_decref(w);
}

static void tasks_approvals_and_notices_wait_for_the_right_person(void **state)
{
        (void)state;
        char key[32], path[128], body[300];
        open_incident("{\"title\":\"Work: tasks\",\"severity\":\"sev2\",\"source\":\"employee\"}", key);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/tasks", key);
        json_t *t;
        assert_int_equal(api_call(&S, "POST", path, otto,
                                  "{\"phase\":\"analysis\",\"title\":\"Pull the access logs\",\"owner\":\"rita\"}", &t),
                         201);
        json_int_t task = json_integer_value(json_object_get(t, "id"));
        json_decref(t);
        /* eva (an executive) requests a business-impact step; ezra, the
         * other executive, is who it waits for. */
        assert_int_equal(api_call(&S, "POST", path, eva,
                                  "{\"phase\":\"eradication\",\"title\":\"Take the portal offline\","
                                  "\"business_impact\":true}",
                                  &t),
                         201);
        json_int_t step = json_integer_value(json_object_get(t, "id"));
        json_decref(t);

        json_t *w = work(rita);
        assert_int_equal(count_for(w, "tasks", key), 1);
        assert_null(json_object_get(w, "approvals")); /* responders decide none */
        assert_null(json_object_get(w, "notices"));
        json_t *item = json_array_get(json_object_get(json_object_get(w, "tasks"), "items"), 0);
        assert_string_equal(json_string_value(json_object_get(item, "title")), "Pull the access logs");
        assert_string_equal(json_string_value(json_object_get(item, "status")), "open");
        json_decref(w);
        w = work(ezra);
        assert_int_equal(count_for(w, "approvals", key), 1);
        item = json_array_get(json_object_get(json_object_get(w, "approvals"), "items"), 0);
        assert_int_equal(json_integer_value(json_object_get(item, "task")), step);
        assert_string_equal(json_string_value(json_object_get(item, "requested_by")), "eva");
        json_decref(w);
        w = work(eva);
        assert_int_equal(count_for(w, "approvals", key), 0); /* her own request */
        json_decref(w);

        /* Done is no longer waiting. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/tasks/%lld", key, (long long)task);
        assert_int_equal(api_call(&S, "PATCH", path, rita, "{\"status\":\"done\"}", NULL), 200);
        w = work(rita);
        assert_int_equal(count_for(w, "tasks", key), 0);
        json_decref(w);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/approvals", key);
        snprintf(body, sizeof body, "{\"task\":%lld,\"decision\":\"rejected\",\"comment\":\"not yet\"}",
                 (long long)step);
        assert_int_equal(api_call(&S, "POST", path, ezra, body, NULL), 200);
        w = work(ezra);
        assert_int_equal(count_for(w, "approvals", key), 0);
        json_decref(w);
}

static void a_notice_waits_for_a_second_person(void **state)
{
        (void)state;
        char key[32], path[128];
        open_incident("{\"title\":\"Work: a notice\",\"severity\":\"sev2\",\"source\":\"employee\"}", key);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        assert_int_equal(api_call(&S, "POST", path, otto,
                                  "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                                  "\"data_categories\":[\"personal_data\"]}",
                                  NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        assert_int_equal(api_call(&S, "PUT", path, otto,
                                  "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\"}],\"reason\":\"logs\"}", NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        assert_int_equal(api_call(&S, "POST", path, otto, "{\"criteria\":\"customer data read\"}", NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        assert_int_equal(api_call(&S, "POST", path, cora,
                                  "{\"kind\":\"initial\",\"nature\":\"read of stored files\",\"user_impact\":\"some\","
                                  "\"mitigation\":\"keys rotated\",\"next_steps\":\"forensics\","
                                  "\"next_update_at\":\"2099-01-01T00:00:00Z\"}",
                                  NULL),
                         201);
        json_t *w = work(cody);
        assert_int_equal(count_for(w, "notices", key), 1);
        json_t *n = json_array_get(json_object_get(json_object_get(w, "notices"), "items"), 0);
        assert_string_equal(json_string_value(json_object_get(n, "composed_by")), "cora");
        assert_int_equal(json_integer_value(json_object_get(n, "version")), 1);
        json_decref(w);
        w = work(cora);
        assert_int_equal(count_for(w, "notices", key), 0); /* her own */
        json_decref(w);
        w = work(aud);
        assert_null(json_object_get(w, "notices")); /* auditors release nothing */
        json_decref(w);

        /* A closed incident waits for nobody. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        assert_int_equal(api_call(&S, "POST", path, otto,
                                  "{\"classification\":\"false_positive\",\"reason\":\"test data\"}", NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", key);
        assert_int_equal(api_call(&S, "POST", path, otto,
                                  "{\"phase\":\"closed\",\"reason\":\"the files read were test data\"}", NULL),
                         200);
        w = work(cody);
        assert_int_equal(count_for(w, "notices", key), 0);
        json_decref(w);
}

static void only_staff_have_work(void **state)
{
        (void)state;
        assert_int_equal(api_call(&S, "GET", "/api/v1/me/work", tina, NULL, NULL), 403);
        assert_int_equal(api_call(&S, "GET", "/api/v1/me/work", NULL, NULL, NULL), 401);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, NULL);
        server_bootstrap(&S);
        server_user_token(&S, "rita", "responder", NULL, rita, sizeof rita);
        server_user_token(&S, "otto", "incident_manager", NULL, otto, sizeof otto);
        server_user_token(&S, "eva", "executive_incident_manager", NULL, eva, sizeof eva);
        server_user_token(&S, "ezra", "executive_incident_manager", NULL, ezra, sizeof ezra);
        server_user_token(&S, "cora", "communications", NULL, cora, sizeof cora);
        server_user_token(&S, "cody", "communications", NULL, cody, sizeof cody);
        server_user_token(&S, "aud", "auditor", NULL, aud, sizeof aud);
        server_user_token(&S, "tina", "tenant_admin", "acme", tina, sizeof tina);
        assert_int_equal(api_call(&S, "PUT", "/api/v1/tenants/acme", cora,
                                  "{\"name\":\"Acme\",\"contacts\":[{\"email\":\"sec@acme.example\"}]}", NULL),
                         201);
        put("/api/v1/escalation-policies/work",
            "{\"levels\":[{\"delay_seconds\":5,\"targets\":[{\"type\":\"user\",\"name\":\"rita\"}]}]}");
        put("/api/v1/services/work", "{\"escalation_policy\":\"work\"}");
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
                cmocka_unit_test(pages_wait_until_acknowledged),
                cmocka_unit_test(tasks_approvals_and_notices_wait_for_the_right_person),
                cmocka_unit_test(a_notice_waits_for_a_second_person),
                cmocka_unit_test(only_staff_have_work),
        };
        return cmocka_run_group_tests_name("work", tests, setup, teardown);
}
