/* Customer notices end to end, against a real SMTP server (aiosmtpd) and a
 * webhook sink: a notice missing a required field is refused naming it;
 * a sev1 notice needs a second person to release; each tenant's
 * designated contacts get exactly one message that names their own
 * organisation and no other; the tenant's webhook gets the notice; the
 * contract obligations are recorded sent; a bounce marks the contact
 * unverified and flags the tenant. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static struct server S;
static char comms[128], manager[128];
static char maildir[64], hookdir[64], key[32];
static pid_t smtp_pid, hook_pid;
static unsigned hook_port, smtp_port;

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static size_t mails(const char *needle)
{
        return sink_files_with(maildir, ".eml", needle);
}

static void compose_is_checked(void **state)
{
        (void)state;
        char path[96];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        const char *const json[] = { "Content-Type: application/json", NULL };
        expect_refused_on(&S, "POST", path, comms, json,
                          "{\"kind\":\"initial\",\"user_impact\":\"about 1,200 users\",\"mitigation\":\"rotate keys\","
                          "\"next_steps\":\"forensics\",\"next_update_at\":\"2099-01-01T00:00:00Z\"}",
                          400, NULL, "nature");
        expect_refused_on(&S, "POST", path, comms, json,
                          "{\"kind\":\"initial\",\"nature\":\"x\",\"user_impact\":\"y\",\"mitigation\":\"\"}", 400, NULL,
                          "mitigation");
        /* Still under investigation: what comes next, and when. */
        expect_refused_on(&S, "POST", path, comms, json,
                          "{\"kind\":\"initial\",\"nature\":\"x\",\"user_impact\":\"y\",\"mitigation\":\"none applicable\"}",
                          400, NULL, "next_steps");
        expect_refused_on(&S, "POST", path, comms, json,
                          "{\"kind\":\"initial\",\"nature\":\"x\",\"user_impact\":\"y\",\"mitigation\":\"z\","
                          "\"next_steps\":\"n\",\"next_update_at\":\"2099-01-01T00:00:00Z\",\"tenants\":[\"umbrella\"]}",
                          400, NULL, "tenants[0]");
        expect_refused_on(&S, "POST", path, comms, json,
                          "{\"kind\":\"initial\",\"nature\":\"x\",\"user_impact\":\"y\",\"mitigation\":\"z\","
                          "\"next_steps\":\"n\",\"next_update_at\":\"2099-01-01T00:00:00Z\",\"tenants\":[\"acme\",\"acme\"]}",
                          400, NULL, "tenants[1]");
}

static void released_once_to_each_tenant(void **state)
{
        (void)state;
        char path[128];
        json_t *a;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        assert_int_equal(call("POST", path, comms,
                              "{\"kind\":\"initial\",\"nature\":\"An attacker read the customer database of our billing "
                              "service on 20 Nov.\",\"user_impact\":\"About 1,200 of your users' names and e-mail addresses.\","
                              "\"mitigation\":\"Reset the API keys of your integrations.\",\"next_steps\":\"Forensics on "
                              "the billing hosts.\",\"next_update_at\":\"2099-01-01T00:00:00Z\"}",
                              &a),
                         201);
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        assert_int_equal(json_array_size(json_object_get(a, "tenants")), 3);
        json_decref(a);
        /* sev1: the composer may not release it alone. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", key, (long long)id);
        const char *const json[] = { "Content-Type: application/json", NULL };
        expect_refused_on(&S, "POST", path, comms, json, "{}", 409, "needs a second person", NULL);
        assert_int_equal(call("POST", path, manager, "{}", NULL), 200);
        assert_int_equal(call("POST", path, manager, "{}", NULL), 409); /* once */
        /* Each contact: exactly one message, naming its own organisation only. */
        for (int i = 0; i < 100 && mails("Subject: Security incident notice") < 3; i++)
                usleep(100 * 1000);
        usleep(1500 * 1000); /* anything extra would have arrived by now */
        assert_int_equal(mails("X-Envelope-To: sec@acme.example"), 1);
        assert_int_equal(mails("X-Envelope-To: ciso@acme.example"), 1);
        assert_int_equal(mails("X-Envelope-To: it@initech.example"), 1);
        assert_int_equal(mails("Subject: Security incident notice"), 3); /* globex's address bounced */
        assert_int_equal(mails("To the designated security contacts of Acme Corp."), 2);
        assert_int_equal(mails("Globex"), 0);
        assert_int_equal(mails("Initech LLC"), 1);
        assert_int_equal(mails("Nature of the breach:\r\nAn attacker read the customer database"), 3);
        assert_int_equal(mails("Next update by: 2099-01-01T00:00:00Z"), 3);
        /* Acme's webhook got the notice too. */
        for (int i = 0; i < 50 && sink_files(hookdir, ".json") < 1; i++)
                usleep(100 * 1000);
        assert_int_equal(sink_files(hookdir, ".json"), 1);
        assert_int_equal(sink_files_with(hookdir, ".json", "\\\"tenant\\\": \\\"acme\\\""), 0); /* compact JSON body */
        assert_int_equal(sink_files_with(hookdir, ".json", "\\\"tenant\\\":\\\"acme\\\""), 1);
        /* The contract obligations are met. */
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", key);
        assert_int_equal(call("GET", path, manager, NULL, &a), 200);
        json_t *o;
        size_t i;
        int contracts = 0;
        json_array_foreach(json_object_get(a, "items"), i, o)
        {
                if (strcmp(json_string_value(json_object_get(o, "rule")), "CONTRACT") == 0) {
                        contracts++;
                        assert_string_equal(json_string_value(json_object_get(o, "status")), "sent");
                }
        }
        assert_int_equal(contracts, 3);
        json_decref(a);
}

static void a_bounce_flags_the_tenant(void **state)
{
        (void)state;
        json_t *a;
        bool flagged = false;
        for (int i = 0; i < 100 && !flagged; i++) {
                assert_int_equal(call("GET", "/api/v1/tenants/globex", comms, NULL, &a), 200);
                flagged = json_is_true(json_object_get(a, "needs_followup"));
                if (flagged) {
                        json_t *c = json_array_get(json_object_get(a, "contacts"), 0);
                        assert_false(json_is_true(json_object_get(c, "verified")));
                        assert_true(json_is_true(json_object_get(c, "bounced")));
                }
                json_decref(a);
                if (!flagged)
                        usleep(100 * 1000);
        }
        assert_true(flagged);
        assert_int_equal(db_count(&S, "audit_log", "action = 'tenant.contact.bounced' AND object = 'tenant:globex'"), 1);
        char path[96];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", key);
        assert_int_equal(call("GET", path, manager, NULL, &a), 200);
        json_t *d;
        size_t i;
        bool failed = false;
        json_array_foreach(json_object_get(json_array_get(json_object_get(a, "items"), 0), "deliveries"), i, d)
        {
                if (strcmp(json_string_value(json_object_get(d, "tenant")), "globex") == 0) {
                        failed = strcmp(json_string_value(json_object_get(d, "status")), "failed") == 0;
                        assert_non_null(strstr(json_string_value(json_object_get(d, "last_result")), "550"));
                }
        }
        assert_true(failed);
        json_decref(a);
}

static void cli_composes_releases_and_lists(void **state)
{
        (void)state;
        struct client_env comms_env, manager_env;
        const char *const *as_comms = client_env(&comms_env, &S, comms);
        const char *const *as_manager = client_env(&manager_env, &S, manager);
        char *out = NULL;
        /* An update for one tenant; the nature read from standard input. */
        assert_int_equal(vigil_run("Keys were rotated; the attacker's access ended on 21 Nov.", &out, as_comms,
                                   (const char *const[]){ "-o", "json", "notices", "compose", key, "--kind", "update",
                                                          "--nature", "-", "--impact", "No change.", "--mitigation",
                                                          "none applicable", "--next-steps", "A final report.",
                                                          "--next-update", "2099-02-01T00:00:00Z", "--tenant", "initech",
                                                          NULL }),
                         0);
        json_t *a = json_loads(out, 0, NULL);
        free(out);
        assert_non_null(a);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(a, "id")));
        assert_string_equal(json_string_value(json_object_get(a, "kind")), "update");
        json_decref(a);
        /* A required field left out: the server's refusal, a non-zero exit. */
        assert_int_not_equal(vigil_run(NULL, &out, as_comms,
                                       (const char *const[]){ "notices", "compose", key, "--kind", "update", "--nature",
                                                              "x", "--impact", "y", NULL }),
                             0);
        assert_non_null(strstr(out, "mitigation"));
        free(out);
        assert_int_equal(vigil_run(NULL, &out, as_manager, (const char *const[]){ "notices", "release", key, id, NULL }), 0);
        free(out);
        for (int i = 0; i < 100 && mails("This is an update about security incident") < 1; i++)
                usleep(100 * 1000);
        usleep(500 * 1000);
        assert_int_equal(mails("This is an update about security incident"), 1);
        assert_int_equal(mails("Keys were rotated; the attacker's access ended on 21 Nov."), 1);
        assert_int_equal(sink_files_with(maildir, ".eml", "update 2)"), 1);
        /* The listing: both notices, their deliveries counted. */
        for (int i = 0; i < 100; i++) {
                assert_int_equal(vigil_run(NULL, &out, as_manager, (const char *const[]){ "notices", key, NULL }), 0);
                if (strstr(out, "deliveries: 1 sent, 0 pending"))
                        break;
                free(out);
                out = NULL;
                usleep(100 * 1000);
        }
        assert_non_null(out);
        assert_non_null(strstr(out, "(update 2): composed by cora, released "));
        assert_non_null(strstr(out, "deliveries: 4 sent, 0 pending, 1 failed, 0 other"));
        assert_non_null(strstr(out, "failed   globex"));
        free(out);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The envelope recipients of the stored mails whose text holds needle. */
static size_t recipients(const char *needle, char ***ret)
{
        size_t n = 0, cap = 2048;
        char **out = calloc(cap, sizeof *out);
        DIR *d = opendir(maildir);
        for (struct dirent *e; d && (e = readdir(d));) {
                if (!strstr(e->d_name, ".eml") || strstr(e->d_name, ".tmp"))
                        continue;
                char path[256];
                snprintf(path, sizeof path, "%s/%.150s", maildir, e->d_name);
                FILE *f = fopen(path, "r");
                if (!f)
                        continue;
                char text[8192];
                size_t len = fread(text, 1, sizeof text - 1, f);
                fclose(f);
                text[len] = '\0';
                const char *to = strstr(text, "X-Envelope-To: ");
                if (!strstr(text, needle) || !to || n == cap)
                        continue;
                to += strlen("X-Envelope-To: ");
                out[n++] = strndup(to, strcspn(to, "\r\n"));
        }
        if (d)
                closedir(d);
        qsort(out, n, sizeof *out, cmp_str);
        *ret = out;
        return n;
}

/* 1,000 tenants; the server is killed (SIGKILL) while the notices go out
 * and restarted. Every contact ends with exactly one message, or - where
 * the crash hit the very message being sent - with "unknown" and its
 * tenant flagged; never two. */
static void killed_mid_send_never_twice(void **state)
{
        (void)state;
        const size_t n = 1000;
        char path[128];
        json_t *a;
        /* A slower mail server, so the kill finds messages in flight. */
        sink_stop(smtp_pid);
        char port[16];
        snprintf(port, sizeof port, "%u", smtp_port);
        smtp_pid = sink_start("smtp-sink.py", smtp_port, maildir, "--delay", "0.005");
        size_t cap = n * 120 + 64, len = 1;
        char *body = malloc(cap);
        body[0] = '[';
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(body + len, cap - len, "%s{\"id\":\"bulk-%04zu\",\"name\":\"Bulk %zu\","
                                                               "\"contacts\":[{\"email\":\"admin@bulk%zu.example\"}]}",
                                        i ? "," : "", i, i, i);
        snprintf(body + len, cap - len, "]");
        assert_int_equal(call("POST", "/api/v1/tenants/import", comms, body, NULL), 200);
        assert_int_equal(call("POST", "/api/v1/incidents", manager,
                              "{\"title\":\"Shared storage exposed\",\"severity\":\"sev2\",\"source\":\"employee\"}", &a),
                         201);
        char k2[32];
        snprintf(k2, sizeof k2, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", k2);
        assert_int_equal(call("POST", path, manager,
                              "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                              "\"data_categories\":[\"customer_data\"]}",
                              NULL),
                         200);
        len = (size_t)snprintf(body, cap, "{\"reason\":\"all bulk tenants\",\"tenants\":[");
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(body + len, cap - len, "%s{\"id\":\"bulk-%04zu\",\"status\":\"confirmed\"}",
                                        i ? "," : "", i);
        snprintf(body + len, cap - len, "]}");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", k2);
        assert_int_equal(call("PUT", path, manager, body, NULL), 200);
        free(body);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", k2);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"shared storage read\"}", NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", k2);
        assert_int_equal(call("POST", path, comms,
                              "{\"kind\":\"initial\",\"nature\":\"A storage bucket was public.\",\"user_impact\":"
                              "\"Unknown yet.\",\"mitigation\":\"none applicable\",\"next_steps\":\"Access log review.\","
                              "\"next_update_at\":\"2099-01-01T00:00:00Z\"}",
                              &a),
                         201);
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", k2, (long long)id);
        assert_int_equal(call("POST", path, manager, "{}", NULL), 200);
        char needle[64];
        snprintf(needle, sizeof needle, "(%s, initial 1)", k2);
        for (int i = 0; i < 300 && mails(needle) < 100; i++)
                usleep(50 * 1000);
        assert_true(mails(needle) >= 100);
        server_kill(&S); /* mid-send */
        size_t at_kill = mails(needle);
        server_restart(&S);
        char where[200];
        snprintf(where, sizeof where, "subject LIKE '%%%s%%' AND status IN ('pending', 'sending')", k2);
        for (int i = 0; i < 1200 && db_count(&S, "outbox", where); i++)
                usleep(100 * 1000);
        assert_int_equal(db_count(&S, "outbox", where), 0);
        snprintf(where, sizeof where, "subject LIKE '%%%s%%' AND status = 'sent'", k2);
        long sent = db_count(&S, "outbox", where);
        snprintf(where, sizeof where, "subject LIKE '%%%s%%' AND status = 'unknown'", k2);
        long unknown = db_count(&S, "outbox", where);
        assert_int_equal(sent + unknown, (long)n);
        char **to;
        size_t got = recipients(needle, &to);
        for (size_t i = 1; i < got; i++)
                if (strcmp(to[i - 1], to[i]) == 0)
                        fail_msg("%s got the notice twice", to[i]);
        assert_true((long)got >= sent && (long)got <= sent + unknown);
        print_message("# killed after %zu of %zu messages; afterwards %ld sent, %ld unknown, %zu received, none twice\n",
                      at_kill, n, sent, unknown, got);
        for (size_t i = 0; i < got; i++)
                free(to[i]);
        free(to);
        if (unknown) {
                snprintf(where, sizeof where, "action = 'notice.delivery.unknown'");
                assert_int_equal(db_count(&S, "audit_log", where), unknown);
        }
}

static void tenant(const char *id, const char *body)
{
        char path[96];
        snprintf(path, sizeof path, "/api/v1/tenants/%s", id);
        assert_int_equal(call("PUT", path, comms, body, NULL), 201);
}

static int setup(void **state)
{
        (void)state;
        char extra[512], path[128], body[512];
        smtp_port = free_port();
        hook_port = free_port();
        snprintf(maildir, sizeof maildir, "/tmp/vigil-mail-XXXXXX");
        snprintf(hookdir, sizeof hookdir, "/tmp/vigil-hook-XXXXXX");
        if (!mkdtemp(maildir) || !mkdtemp(hookdir))
                return -1;
        smtp_pid = sink_start("smtp-sink.py", smtp_port, maildir, "--reject", "bounce@globex.example");
        hook_pid = sink_start("webhook-sink.py", hook_port, hookdir, NULL, NULL);
        snprintf(extra, sizeof extra,
                 "smtp:\n  url: smtp://127.0.0.1:%u\n  from: security@provider.example\n"
                 "notices:\n  two_person: sev1\nlogin:\n  max_failures_address: 1000\n"
                 "notify:\n  allow_private_webhooks: true\n", /* the webhook sink is on loopback */
                 smtp_port);
        server_start(&S, extra);
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        snprintf(body, sizeof body,
                 "{\"name\":\"Acme Corp.\",\"contacts\":[{\"email\":\"sec@acme.example\"},{\"email\":\"ciso@acme.example\"}],"
                 "\"webhook\":\"http://127.0.0.1:%u/acme\"}",
                 hook_port);
        tenant("acme", body);
        tenant("globex", "{\"name\":\"Globex\",\"contacts\":[{\"email\":\"bounce@globex.example\",\"verified\":true}]}");
        tenant("initech", "{\"name\":\"Initech LLC\",\"contacts\":[{\"email\":\"it@initech.example\"}]}");
        json_t *a;
        if (call("POST", "/api/v1/incidents", manager,
                 "{\"title\":\"Billing database read\",\"severity\":\"sev1\",\"source\":\"employee\"}", &a) != 201)
                return -1;
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        call("POST", path, manager,
             "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},\"data_categories\":[\"personal_data\"]}",
             NULL);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        call("PUT", path, manager,
             "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\"},{\"id\":\"globex\",\"status\":\"confirmed\"},"
             "{\"id\":\"initech\",\"status\":\"suspected\"}],\"reason\":\"billing logs\"}",
             NULL);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        return call("POST", path, manager, "{\"criteria\":\"customer data read\"}", NULL) == 200 ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        int st = server_finish(&S);
        sink_stop(smtp_pid);
        sink_stop(hook_pid);
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf %s %s", maildir, hookdir);
        return system(cmd) == 0 ? st : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(compose_is_checked),
                cmocka_unit_test(released_once_to_each_tenant),
                cmocka_unit_test(a_bounce_flags_the_tenant),
                cmocka_unit_test(cli_composes_releases_and_lists),
                cmocka_unit_test(killed_mid_send_never_twice),
        };
        return cmocka_run_group_tests_name("notices", tests, setup, teardown);
}
