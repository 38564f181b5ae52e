/* Where webhooks may go. A tenant's or a user's webhook may not point at
 * loopback, link-local, private or unique-local addresses, nor at Vigil's
 * own listeners: a literal address is refused where the URL is stored
 * (400 naming the field, nothing changed), a name that resolves there is
 * refused when curl is about to connect. What the user sees of a delivery
 * is coarse, so that an open port and a closed one look the same and the
 * sender cannot be used to scan the network behind it. With
 * notify.allow_private_webhooks (as the other suites' sinks need) the
 * loopback sink gets the notice, and Vigil's own port is still refused. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static char hookdir[64];
static pid_t hook_pid;
static unsigned open_port, closed_port;

struct vigil {
        struct server s;
        char comms[128], manager[128];
};

static void tenant(struct vigil *v, const char *id, const char *webhook)
{
        char path[96], body[512];
        snprintf(path, sizeof path, "/api/v1/tenants/%s", id);
        snprintf(body, sizeof body,
                 "{\"name\":\"%s\",\"contacts\":[{\"email\":\"sec@%s.example\"}],\"webhook\":\"%"
                 "s\"}",
                 id, id, webhook);
        assert_int_equal(api_call(&v->s, "PUT", path, v->comms, body, NULL), 201);
}

static void start(struct vigil *v, const char *extra)
{
        server_start(&v->s, extra);
        server_user_token(&v->s, "cora", "communications", NULL, v->comms, sizeof v->comms);
        server_user_token(&v->s, "ina", "incident_manager", NULL, v->manager, sizeof v->manager);
}

/* Open an incident affecting the tenants of scope (a JSON list of ids),
 * declare it, compose a notice to them and release it; key (32 bytes)
 * gets the incident's key. */
static void release_notice(struct vigil *v, const char *scope, char key[32])
{
        char body[256];
        json_t *a;
        char path[128];
        assert_int_equal(api_call(&v->s, "POST", "/api/v1/incidents", v->manager,
                                  "{\"title\":\"Billing database "
                                  "read\",\"severity\":\"sev3\",\"source\":\"employee\"}",
                                  &a),
                         201);
        snprintf(key, 32, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        assert_int_equal(api_call(&v->s, "POST", path, v->manager,
                                  "{\"classification\":\"security_incident\",\"impact\":{"
                                  "\"confidentiality\":true},"
                                  "\"data_categories\":[\"personal_data\"]}",
                                  NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        json_t *ids = json_loads(scope, 0, NULL), *t, *tenants = json_array();
        size_t k;
        json_array_foreach(ids, k, t) json_array_append_new(
                tenants, json_pack("{s:O, s:s}", "id", t, "status", "confirmed"));
        json_t *sc = json_pack("{s:o, s:s}", "tenants", tenants, "reason", "billing logs");
        char *text = json_dumps(sc, JSON_COMPACT);
        assert_int_equal(api_call(&v->s, "PUT", path, v->manager, text, NULL), 200);
        free(text);
        json_decref(sc);
        json_decref(ids);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        snprintf(body, sizeof body, "{\"criteria\":\"customer data read\"}");
        assert_int_equal(api_call(&v->s, "POST", path, v->manager, body, NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        assert_int_equal(api_call(&v->s, "POST", path, v->comms,
                                  "{\"kind\":\"initial\",\"nature\":\"An attacker read the billing "
                                  "database.\","
                                  "\"user_impact\":\"Names and e-mail "
                                  "addresses.\",\"mitigation\":\"Reset your keys.\","
                                  "\"next_steps\":\"Forensics.\",\"next_update_at\":\"2099-01-"
                                  "01T00:00:00Z\"}",
                                  &a),
                         201);
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", key,
                 (long long)id);
        assert_int_equal(api_call(&v->s, "POST", path, v->manager, "{}", NULL), 200);
}

/* The webhook delivery of tenant as the notices listing shows it, once it
 * has been tried at least once (at most 15 s); the caller decrefs. */
static json_t *delivery(struct vigil *v, const char *key, const char *tenant_id)
{
        char path[96];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        for (int i = 0; i < 150; i++) {
                json_t *a, *d, *found = NULL;
                size_t k;
                assert_int_equal(api_call(&v->s, "GET", path, v->manager, NULL, &a), 200);
                json_array_foreach(json_object_get(json_array_get(json_object_get(a, "items"), 0),
                                                   "deliveries"),
                                   k, d)
                {
                        if (strcmp(json_string_value(json_object_get(d, "tenant")), tenant_id) ==
                                    0 &&
                            strcmp(json_string_value(json_object_get(d, "channel")), "webhook") ==
                                    0 &&
                            json_integer_value(json_object_get(d, "attempts")) > 0)
                                found = json_incref(d);
                }
                json_decref(a);
                if (found)
                        return found;
                usleep(100 * 1000);
        }
        fail_msg("the webhook of %s was not tried", tenant_id);
        return NULL;
}

static const char *field(json_t *d, const char *name)
{
        return json_string_value(json_object_get(d, name));
}

static void literal_internal_addresses_refused_where_stored(void **state)
{
        (void)state;
        struct vigil v;
        start(&v, "login:\n  max_failures_address: 1000\n");
        const char *const json[] = {"Content-Type: application/json", NULL};
        /* Loopback, its numeric and IPv4-mapped spellings, the cloud
         * metadata address, RFC 1918, CGNAT, IPv6 loopback and ULA. */
        const char *const refused[] = {"http://127.0.0.1:8080/intake/json",
                                       "http://2130706433/",
                                       "http://0x7f.1/",
                                       "http://[::ffff:127.0.0.1]/",
                                       "http://169.254.169.254/latest/meta-data/",
                                       "https://10.1.2.3/hook",
                                       "http://172.16.0.1/",
                                       "http://192.168.1.1/",
                                       "http://100.64.0.1/",
                                       "http://[::1]:9000/",
                                       "http://[fd00::1]/",
                                       "http://0.0.0.0:22/"};
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
                char body[256];
                snprintf(body, sizeof body,
                         "{\"name\":\"Acme\",\"contacts\":[{\"email\":\"sec@acme.example\"}],"
                         "\"webhook\":\"%s\"}",
                         refused[i]);
                expect_refused_on(&v.s, "PUT", "/api/v1/tenants/acme", v.comms, json, body, 400,
                                  NULL, "webhook");
        }
        /* A user's webhook contact: the same rule, naming the address. */
        server_bootstrap(&v.s);
        expect_refused_on(
                &v.s, "POST", "/api/v1/users", v.s.admin_token, json,
                "{\"name\":\"eve\",\"role\":\"responder\",\"password\":\"a-long-password-1234\","
                "\"contacts\":[{\"type\":\"webhook\",\"address\":\"http://127.0.0.1:9/x\"}]}",
                400, NULL, "contacts[0].address");
        /* A public address and a name are stored: names are checked when sent. */
        tenant(&v, "acme", "https://hooks.acme.example/vigil");
        tenant(&v, "initech", "http://192.0.2.10/hook");
        assert_int_equal(server_finish(&v.s), 0);
}

static void internal_destinations_refused_when_sending(void **state)
{
        (void)state;
        struct vigil v;
        char key[32], hook[96];
        start(&v, "login:\n  max_failures_address: 1000\n");
        size_t sunk = sink_files(hookdir, ".json");
        /* localhost is a name: stored, and refused once resolved. One
         * tenant's port has the sink listening, the other's nothing. */
        snprintf(hook, sizeof hook, "http://localhost:%u/open", open_port);
        tenant(&v, "open", hook);
        snprintf(hook, sizeof hook, "http://localhost:%u/closed", closed_port);
        tenant(&v, "closed", hook);
        release_notice(&v, "[\"open\", \"closed\"]", key);
        json_t *o = delivery(&v, key, "open"), *c = delivery(&v, key, "closed");
        /* The same answer for both: nothing tells an open port from a closed one. */
        assert_string_equal(field(o, "last_result"), "refused: destination not allowed");
        assert_string_equal(field(c, "last_result"), field(o, "last_result"));
        assert_string_equal(field(o, "status"), "failed");
        assert_string_equal(field(c, "status"), "failed");
        json_decref(o);
        json_decref(c);
        usleep(500 * 1000);
        assert_int_equal(sink_files(hookdir, ".json"), sunk); /* nothing reached the sink */
        /* The server's log keeps the cause. */
        assert_true(server_log_has(&v.s, "is an internal address (notify.allow_private_webhooks is off)", 0));
        assert_int_equal(server_finish(&v.s), 0);
}

static void allowed_private_delivers_but_not_to_vigil_itself(void **state)
{
        (void)state;
        struct vigil v;
        char key[32], hook[96];
        start(&v,
              "notify:\n  allow_private_webhooks: true\nlogin:\n  max_failures_address: 1000\n");
        size_t sunk = sink_files(hookdir, ".json");
        snprintf(hook, sizeof hook, "http://127.0.0.1:%u/open", open_port);
        tenant(&v, "open", hook);
        snprintf(hook, sizeof hook, "http://127.0.0.1:%u/closed", closed_port);
        tenant(&v, "closed", hook);
        /* Vigil's own intake, by a name so that the door lets it through. */
        snprintf(hook, sizeof hook, "http://localhost:%u/intake/json", v.s.port);
        tenant(&v, "self", hook);
        const char *const json[] = {"Content-Type: application/json", NULL};
        char body[256];
        snprintf(body, sizeof body,
                 "{\"name\":\"Self\",\"contacts\":[{\"email\":\"sec@self.example\"}],"
                 "\"webhook\":\"http://127.0.0.1:%u/intake/json\"}",
                 v.s.port);
        expect_refused_on(&v.s, "PUT", "/api/v1/tenants/self2", v.comms, json, body, 400, NULL,
                          "webhook");
        release_notice(&v, "[\"open\", \"closed\", \"self\"]", key);
        json_t *o = delivery(&v, key, "open"), *c = delivery(&v, key, "closed"),
               *s = delivery(&v, key, "self");
        assert_string_equal(field(o, "status"), "sent");
        assert_string_equal(field(o, "last_result"), "HTTP 204");
        /* No connection-level detail: not "Connection refused". */
        assert_string_equal(field(c, "last_result"), "failed: no HTTP answer");
        assert_string_equal(field(s, "last_result"), "refused: destination not allowed");
        assert_string_equal(field(s, "status"), "failed");
        json_decref(o);
        json_decref(c);
        json_decref(s);
        assert_int_equal(sink_files(hookdir, ".json"), sunk + 1);
        assert_int_equal(sink_files_with(hookdir, ".json", "\"path\": \"/open\""), 1);
        assert_int_equal(db_count(&v.s, "alerts", NULL), 0); /* nothing arrived at the intake */
        assert_true(server_log_has(&v.s, "is one of vigil's own listeners", 0));
        assert_true(server_log_has(&v.s, "Couldn't connect to server", 0));
        assert_int_equal(server_finish(&v.s), 0);
}

static int setup(void **state)
{
        (void)state;
        snprintf(hookdir, sizeof hookdir, "/tmp/vigil-hook-XXXXXX");
        if (!mkdtemp(hookdir))
                return -1;
        open_port = free_port();
        closed_port = free_port();
        hook_pid = sink_start("webhook-sink.py", open_port, hookdir, NULL, NULL);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        char cmd[128];
        sink_stop(hook_pid);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", hookdir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(literal_internal_addresses_refused_where_stored),
                cmocka_unit_test(internal_destinations_refused_when_sending),
                cmocka_unit_test(allowed_private_delivers_but_not_to_vigil_itself),
        };
        return cmocka_run_group_tests_name("webhooks", tests, setup, teardown);
}
