/* Routing rules and grouping windows, through the Alertmanager v2 door of
 * a real server: label matchers choose the service, group_by makes the
 * groups, group_wait holds a new group (and drops one whose alerts all
 * resolve meanwhile, also across a restart), group_interval splits a
 * group after a quiet gap. */
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

#define INTAKE_TOKEN "intake-token-for-routing-tests-42"

static struct server S;
static char auditor[128];
static const char *const bearer[] = { "Authorization: Bearer " INTAKE_TOKEN, NULL };

static const char config[] =
        "intake:\n"
        "  token: " INTAKE_TOKEN "\n"
        "  group_by: [alertname, service, region]\n"
        "  routes:\n"
        "    - name: payments\n"
        "      match: ['team=\"payments\"']\n"
        "      service: payments\n"
        "      group_by: [alertname]\n"
        "    - name: auth\n"
        "      match: ['alertname=~\"Brute.*\"', 'env!=\"staging\"']\n"
        "      service: auth\n"
        "    - name: flappy\n"
        "      match: ['alertname=\"Flappy\"']\n"
        "      service: edge\n"
        "      group_wait: 2s\n"
        "    - name: scans\n"
        "      match: [alertname=PortScan]\n"
        "      service: net\n"
        "      group_by: [alertname]\n"
        "      group_interval: 1s\n"
        "    - name: honeypot\n"
        "      match: [alertname=Honeypot]\n"
        "      service: decoy\n"
        "      group_by: ['...']\n"
        "login:\n"
        "  max_failures_address: 1000\n";

static void post(const char *body)
{
        struct reply r;
        http(&S, "POST", "/api/v2/alerts", NULL, bearer, body, &r);
        if (r.status != 200)
                fail_msg("POST /api/v2/alerts: %ld %s", r.status, r.body);
        reply_free(&r);
}

/* Incidents of service (the newest first). */
static json_t *incidents(const char *service)
{
        struct reply r;
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents?service=%s&limit=100", service);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *items = json_incref(json_object_get(r.json, "items"));
        reply_free(&r);
        return items;
}

static size_t count(const char *service)
{
        json_t *items = incidents(service);
        size_t n = json_array_size(items);
        json_decref(items);
        return n;
}

static size_t alerts_of(json_t *inc)
{
        struct reply r;
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/alerts", json_string_value(json_object_get(inc, "key")));
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        size_t n = json_array_size(json_object_get(r.json, "items"));
        reply_free(&r);
        return n;
}

/* Wait (at most 10 s) until service has want incidents. */
static void await_incidents(const char *service, size_t want)
{
        for (int i = 0; i < 100 && count(service) != want; i++)
                usleep(100 * 1000);
        assert_int_equal(count(service), want);
}

static void matchers_choose_the_service(void **state)
{
        (void)state;
        /* No service label: the payments route names it. */
        post("[{\"labels\":{\"alertname\":\"CardFraud\",\"team\":\"payments\",\"instance\":\"a\"}}]");
        assert_int_equal(count("payments"), 1);
        /* group_by [alertname]: another instance joins the same incident. */
        post("[{\"labels\":{\"alertname\":\"CardFraud\",\"team\":\"payments\",\"instance\":\"b\"}}]");
        json_t *items = incidents("payments");
        assert_int_equal(json_array_size(items), 1);
        assert_int_equal(alerts_of(json_array_get(items, 0)), 2);
        json_decref(items);
        /* Regex and negative matchers: production brute force goes to auth... */
        post("[{\"labels\":{\"alertname\":\"BruteForceSSH\",\"env\":\"prod\",\"service\":\"bastion\"}}]");
        assert_int_equal(count("auth"), 1);
        assert_int_equal(count("bastion"), 0);
        /* ...staging does not match, so the default route keeps its label. */
        post("[{\"labels\":{\"alertname\":\"BruteForceSSH\",\"env\":\"staging\",\"service\":\"bastion\"}}]");
        assert_int_equal(count("auth"), 1);
        assert_int_equal(count("bastion"), 1);
        /* The default route groups by alertname, service and region. */
        post("[{\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"db\",\"region\":\"eu\",\"instance\":\"1\"}}]");
        post("[{\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"db\",\"region\":\"eu\",\"instance\":\"2\"}}]");
        post("[{\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"db\",\"region\":\"us\",\"instance\":\"1\"}}]");
        assert_int_equal(count("db"), 2);
        assert_int_equal(db_count(&S, "alert_groups", "key = 'payments{alertname=\"CardFraud\"}'"), 1);
        assert_int_equal(db_count(&S, "alert_groups",
                                  "key = '{alertname=\"DiskFull\",region=\"eu\",service=\"db\"}'"), 1);
}

static void group_wait_holds_and_drops_flaps(void **state)
{
        (void)state;
        /* A flap: fires and resolves within group_wait - no incident. */
        post("[{\"labels\":{\"alertname\":\"Flappy\",\"instance\":\"x\"}}]");
        post("[{\"labels\":{\"alertname\":\"Flappy\",\"instance\":\"x\"},\"endsAt\":\"2026-01-01T00:00:00Z\","
             "\"startsAt\":\"2025-12-31T00:00:00Z\"}]");
        assert_int_equal(count("edge"), 0);
        assert_int_equal(db_count(&S, "alert_groups", "service = 'edge' AND opens_at > 0"), 1);
        for (int i = 0; i < 100 && db_count(&S, "alert_groups", "service = 'edge' AND opens_at > 0"); i++)
                usleep(100 * 1000);
        assert_int_equal(db_count(&S, "alert_groups", "service = 'edge' AND opens_at = 0 AND incident_id IS NULL"), 1);
        assert_int_equal(count("edge"), 0);

        /* Two alerts inside the window: held, then one incident with both. */
        post("[{\"labels\":{\"alertname\":\"Flappy\",\"instance\":\"y\"}}]");
        post("[{\"labels\":{\"alertname\":\"Flappy\",\"instance\":\"z\"}}]");
        assert_int_equal(count("edge"), 0);
        await_incidents("edge", 1);
        json_t *items = incidents("edge");
        assert_int_equal(alerts_of(json_array_get(items, 0)), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "reporter")), "system");
        json_decref(items);
        /* While it is open, more alerts of the group join at once. */
        post("[{\"labels\":{\"alertname\":\"Flappy\",\"instance\":\"w\"}}]");
        items = incidents("edge");
        assert_int_equal(json_array_size(items), 1);
        assert_int_equal(alerts_of(json_array_get(items, 0)), 3);
        json_decref(items);
}

static void group_wait_survives_a_restart(void **state)
{
        (void)state;
        size_t before = count("edge");
        /* A group of its own (another region) starts waiting... */
        post("[{\"labels\":{\"alertname\":\"Flappy\",\"region\":\"ap\",\"instance\":\"r\"}}]");
        assert_int_equal(db_count(&S, "alert_groups", "opens_at > 0"), 1);
        /* ...and the server stops before its time comes. */
        assert_int_equal(server_stop(&S), 0);
        sleep(3);
        server_restart(&S);
        /* It opens when the server is back, with its alert. */
        await_incidents("edge", before + 1);
        json_t *items = incidents("edge");
        assert_int_equal(alerts_of(json_array_get(items, 0)), 1);
        json_decref(items);
        assert_int_equal(db_count(&S, "alert_groups", "opens_at > 0"), 0);
}

static void group_interval_splits_after_quiet(void **state)
{
        (void)state;
        post("[{\"labels\":{\"alertname\":\"PortScan\",\"src\":\"198.51.100.7\"}}]");
        post("[{\"labels\":{\"alertname\":\"PortScan\",\"src\":\"198.51.100.7\"}}]"); /* a repeat */
        post("[{\"labels\":{\"alertname\":\"PortScan\",\"src\":\"198.51.100.8\"}}]"); /* joins at once */
        json_t *items = incidents("net");
        assert_int_equal(json_array_size(items), 1);
        assert_int_equal(alerts_of(json_array_get(items, 0)), 2);
        json_decref(items);
        /* After a quiet second, the next scan is a new incident although
         * the first is still open. */
        usleep(1300 * 1000);
        post("[{\"labels\":{\"alertname\":\"PortScan\",\"src\":\"203.0.113.9\"}}]");
        assert_int_equal(count("net"), 2);
        /* group_by ['...']: every label set is a group of its own. */
        post("[{\"labels\":{\"alertname\":\"Honeypot\",\"src\":\"192.0.2.1\"}}]");
        post("[{\"labels\":{\"alertname\":\"Honeypot\",\"src\":\"192.0.2.2\"}}]");
        assert_int_equal(count("decoy"), 2);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, config);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
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
                cmocka_unit_test(matchers_choose_the_service),
                cmocka_unit_test(group_wait_holds_and_drops_flaps),
                cmocka_unit_test(group_wait_survives_a_restart),
                cmocka_unit_test(group_interval_splits_after_quiet),
        };
        return cmocka_run_group_tests_name("routing", tests, setup, teardown);
}
