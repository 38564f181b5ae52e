/* Paging end to end: incidents page the on-call responder by email
 * through a real SMTP server (aiosmtpd) and by webhook (a local sink);
 * unacknowledged pages escalate; acknowledging (API or the single-use
 * link in the mail) stops the escalation; a server stopped between page
 * and escalation still escalates when it is back; two servers on one
 * database never page twice; a deferring SMTP server gets the message
 * on a later attempt. */
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define SECRET "webhook-secret-for-the-tests"

static struct server S;
static char manager[128], responder[128], auditor[128], carol_token[128];
static char maildir[128], hookdir[128];
static pid_t smtp_pid, hook_pid;
static unsigned smtp_port, hook_port;

/* Messages to rcpt in the mail directory (and the last one's text). */
static size_t mails_to(const char *rcpt, char **last)
{
        size_t n = 0, total = sink_files(maildir, ".eml");
        if (last)
                *last = NULL;
        for (size_t i = 1; i <= total; i++) {
                char path[256], want[160];
                snprintf(path, sizeof path, "%s/%06zu.eml", maildir, i);
                FILE *f = fopen(path, "r");
                if (!f)
                        continue;
                char *text = calloc(1, 65536);
                size_t len = fread(text, 1, 65535, f);
                fclose(f);
                text[len] = '\0';
                snprintf(want, sizeof want, "X-Envelope-To: %s\r\n", rcpt);
                if (strstr(text, want)) {
                        n++;
                        if (last) {
                                free(*last);
                                *last = text;
                                continue;
                        }
                }
                free(text);
        }
        return n;
}

static void await_mails(const char *rcpt, size_t want, int seconds)
{
        for (int i = 0; i < seconds * 10 && mails_to(rcpt, NULL) < want; i++)
                usleep(100 * 1000);
        size_t got = mails_to(rcpt, NULL);
        if (got != want)
                fail_msg("%zu mails to %s, want %zu", got, rcpt, want);
}

static void put(const char *path, const char *body)
{
        struct reply r;
        http(&S, "PUT", path, manager, NULL, body, &r);
        if (r.status != 201 && r.status != 200)
                fail_msg("PUT %s: %ld %s", path, r.status, r.body);
        reply_free(&r);
}

static void user(const char *name, const char *contacts)
{
        char body[512];
        struct reply r;
        snprintf(body, sizeof body,
                 "{\"name\":\"%s\",\"role\":\"responder\",\"password\":\"a-long-password-1234\","
                 "\"email\":\"%s@example.com\",\"contacts\":%s}",
                 name, name, contacts);
        http(&S, "POST", "/api/v1/users", S.admin_token, NULL, body, &r);
        if (r.status != 201)
                fail_msg("user %s: %ld %s", name, r.status, r.body);
        reply_free(&r);
}

static void incident_for(const char *service, const char *title, char key[32])
{
        char body[256];
        struct reply r;
        snprintf(body, sizeof body, "{\"title\":\"%s\",\"severity\":\"sev1\",\"source\":\"employee\",\"services\":[\"%s\"]}",
                 title, service);
        http(&S, "POST", "/api/v1/incidents", responder, NULL, body, &r);
        if (r.status != 201)
                fail_msg("incident: %ld %s", r.status, r.body);
        snprintf(key, 32, "%s", json_string_value(json_object_get(r.json, "key")));
        reply_free(&r);
}

static void incident(const char *title, char key[32])
{
        incident_for("payments", title, key);
}

static json_t *pages_of(const char *key)
{
        char path[128];
        struct reply r;
        snprintf(path, sizeof path, "/api/v1/pages?incident=%s", key);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *items = json_incref(json_object_get(r.json, "items"));
        reply_free(&r);
        return items;
}

static void escalates_until_acknowledged(void **state)
{
        (void)state;
        char key[32], path[128];
        incident("Card data exfiltration", key);
        /* Level 1: bob, on call in the schedule, by email. */
        await_mails("bob@example.com", 1, 10);
        char *mail;
        mails_to("bob@example.com", &mail);
        assert_non_null(strstr(mail, "Subject: [Vigil] PAGE sev1 "));
        assert_non_null(strstr(mail, key));
        assert_non_null(strstr(mail, "level 1 of escalation policy sec (schedule:primary)"));
        assert_non_null(strstr(mail, "Message-ID: <page-"));
        free(mail);
        /* Each hop (the incident, escalate.start, escalate.step, the
         * deliver job) woke the worker at its commit, on either backend,
         * rather than waiting for its poll. */
        assert_true(metric_value(&S, "vigil_store_wakeups_total") >= 3);
        /* Nobody acknowledges: level 2, carol, by email and webhook. */
        await_mails("carol@example.com", 1, 10);
        for (int i = 0; i < 50 && sink_files(hookdir, ".json") < 2; i++)
                usleep(100 * 1000);
        assert_int_equal(sink_files(hookdir, ".json"), 2); /* her webhook and the SMS gateway */
        char hook[256];
        json_t *h = NULL;
        for (int i = 1; i <= 2; i++) {
                char p[256];
                snprintf(p, sizeof p, "%s/%06d.json", hookdir, i);
                json_t *x = json_load_file(p, 0, NULL);
                assert_non_null(x);
                const char *where = json_string_value(json_object_get(x, "path"));
                if (strcmp(where, "/carol") == 0) {
                        h = x;
                        snprintf(hook, sizeof hook, "%s", p);
                        continue;
                }
                /* The gateway gets {to, text} with the link. */
                assert_string_equal(where, "/sms");
                json_t *sms = json_loads(json_string_value(json_object_get(x, "body")), 0, NULL);
                assert_string_equal(json_string_value(json_object_get(sms, "to")), "+15551234567");
                assert_non_null(strstr(json_string_value(json_object_get(sms, "text")), "/ack/vga_"));
                json_decref(sms);
                json_decref(x);
        }
        assert_non_null(h);
        json_t *body = json_loads(json_string_value(json_object_get(h, "body")), 0, NULL);
        assert_string_equal(json_string_value(json_object_get(json_object_get(body, "incident"), "key")), key);
        assert_int_equal(json_integer_value(json_object_get(body, "level")), 2);
        const char *sig = json_string_value(json_object_get(json_object_get(h, "headers"), "X-Vigil-Signature"));
        assert_non_null(sig);
        assert_int_equal(strncmp(sig, "sha256=", 7), 0);
        /* The signature is HMAC-SHA256 of the body with the shared secret. */
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import hmac,hashlib,json,sys; h=json.load(open(\"%s\")); "
                 "sys.exit(0 if hmac.new(b\"" SECRET "\", h[\"body\"].encode(), hashlib.sha256).hexdigest()==\"%s\" else 1)'",
                 hook, sig + 7);
        assert_int_equal(system(cmd), 0);
        json_decref(body);
        json_decref(h);
        /* carol acknowledges through the API. */
        json_t *pages = pages_of(key);
        assert_int_equal(json_array_size(pages), 2);
        json_int_t carol_page = json_integer_value(json_object_get(json_array_get(pages, 0), "id"));
        assert_string_equal(json_string_value(json_object_get(json_array_get(pages, 0), "user")), "carol");
        json_t *deliveries = json_object_get(json_array_get(pages, 1), "deliveries");
        assert_string_equal(json_string_value(json_object_get(json_array_get(deliveries, 0), "status")), "sent");
        json_decref(pages);
        snprintf(path, sizeof path, "/api/v1/pages/%lld/ack", (long long)carol_page);
        struct reply r;
        /* Issue 14, finding 16: a colleague cannot stop carol's escalation;
         * a manager only with a reason. Refused, nothing changed. */
        expect_refused_on(&S, "POST", path, responder, NULL, "", 403, "only the person paged", NULL);
        expect_refused_on(&S, "POST", path, responder, NULL, "{\"reason\":\"I am on it\"}", 403, "carol's", NULL);
        expect_refused_on(&S, "POST", path, manager, NULL, "", 400, NULL, "reason");
        expect_refused_on(&S, "POST", path, manager, NULL, "{\"reason\":\"\"}", 400, NULL, "reason");
        expect_refused_on(&S, "POST", path, carol_token, NULL, "{\"why\":\"x\"}", 400, NULL, "why");
        /* The fingerprint leaves out pages and escalations (the worker
         * writes them): her page is still unacknowledged. */
        char unacked[96];
        snprintf(unacked, sizeof unacked, "id = %lld AND acked_at = 0", (long long)carol_page);
        assert_int_equal(db_count(&S, "pages", unacked), 1);
        http(&S, "POST", path, carol_token, NULL, "", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "POST", path, carol_token, NULL, "", &r);
        assert_int_equal(r.status, 409); /* once */
        reply_free(&r);
        snprintf(path, sizeof path, "/api/v1/incidents/%s", key);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_true(json_is_string(json_object_get(r.json, "acknowledged_at")));
        reply_free(&r);
        /* The policy repeats once; acknowledged, no third page comes. */
        sleep(4);
        assert_int_equal(mails_to("bob@example.com", NULL), 1);
        assert_int_equal(mails_to("carol@example.com", NULL), 1);
        char where[160];
        snprintf(where, sizeof where, "object = 'incident:%s' AND action IN ('incident.page', 'incident.page.ack')", key);
        assert_int_equal(db_count(&S, "audit_log", where), 3);
}

static void a_declaration_pages_again(void **state)
{
        (void)state;
        char key[32], path[128];
        size_t bob = mails_to("bob@example.com", NULL);
        incident_for("burst", "Confirmed exfiltration", key);
        await_mails("bob@example.com", bob + 1, 10);
        struct reply r;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        http(&S, "POST", path, responder, NULL,
             "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
             "\"data_categories\":[\"personal_data\"]}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
        http(&S, "POST", path, manager, NULL, "{\"criteria\":\"customer data confirmed taken\"}", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        await_mails("bob@example.com", bob + 2, 10);
        char *mail;
        mails_to("bob@example.com", &mail);
        assert_non_null(strstr(mail, key));
        assert_non_null(strstr(mail, "(declared)"));
        free(mail);
        assert_int_equal(db_count(&S, "escalations", "trigger = 'declared'"), 1);
}

static void the_link_in_the_mail_acknowledges_once(void **state)
{
        (void)state;
        char key[32];
        size_t before = mails_to("bob@example.com", NULL);
        incident("Suspicious admin login", key);
        await_mails("bob@example.com", before + 1, 10);
        char *mail;
        mails_to("bob@example.com", &mail);
        char *link = strstr(mail, "/ack/vga_");
        assert_non_null(link);
        char token[80] = "";
        sscanf(link + 5, "%79[A-Za-z0-9_-]", token);
        free(mail);
        char path[128];
        snprintf(path, sizeof path, "/ack/%s", token);
        struct reply r;
        http(&S, "GET", path, NULL, NULL, NULL, &r); /* what a mail scanner does: changes nothing */
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "<form method=\"post\""));
        reply_free(&r);
        http(&S, "POST", path, NULL, NULL, "", &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "Acknowledged"));
        reply_free(&r);
        http(&S, "POST", path, NULL, NULL, "", &r);
        assert_int_equal(r.status, 409);
        reply_free(&r);
        http(&S, "POST", "/ack/vga_not-a-real-token", NULL, NULL, "", &r);
        assert_int_equal(r.status, 404);
        reply_free(&r);
        size_t carol = mails_to("carol@example.com", NULL);
        sleep(4); /* past level 1's delay */
        assert_int_equal(mails_to("carol@example.com", NULL), carol);
}

static void escalation_survives_a_restart(void **state)
{
        (void)state;
        char key[32];
        size_t bob = mails_to("bob@example.com", NULL), carol = mails_to("carol@example.com", NULL);
        incident("Ransomware note on file server", key);
        await_mails("bob@example.com", bob + 1, 10);
        /* Down for longer than the level's delay. */
        assert_int_equal(server_stop(&S), 0);
        sleep(4);
        server_restart(&S);
        await_mails("carol@example.com", carol + 1, 10);
        /* carol is away: the incident manager acknowledges her page from the
         * command line, with a reason; a responder could not. */
        json_t *pages = pages_of(key);
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(json_array_get(pages, 0), "id")));
        json_decref(pages);
        struct client_env ce, cm;
        const char *const *env = client_env(&ce, &S, responder);
        const char *const *menv = client_env(&cm, &S, manager);
        char *out = NULL;
        assert_int_equal(vigil_run(NULL, &out, env, (const char *const[]){ "page", "ack", id, NULL }), 1);
        assert_non_null(strstr(out, "403"));
        free(out);
        assert_int_equal(vigil_run(NULL, &out, menv, (const char *const[]){ "page", "ack", id, NULL }), 1);
        assert_non_null(strstr(out, "reason"));
        free(out);
        assert_int_equal(vigil_run(NULL, &out, menv,
                                   (const char *const[]){ "page", "ack", id, "--reason", "carol is on a flight", NULL }),
                         0);
        assert_non_null(strstr(out, "acknowledged"));
        free(out);
        char where[200];
        snprintf(where, sizeof where, "action = 'incident.page.ack' AND object = 'incident:%s' "
                                      "AND change LIKE '%%carol is on a flight%%' AND actor LIKE '%%ina%%'", key);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        assert_int_equal(vigil_run(NULL, &out, menv,
                                   (const char *const[]){ "page", "ack", id, "--reason", "again", NULL }),
                         1);
        free(out);
        assert_int_equal(vigil_run(NULL, &out, env, (const char *const[]){ "page", "list", "--incident", key, NULL }), 0);
        assert_non_null(strstr(out, "carol"));
        free(out);
}

static void two_servers_page_once(void **state)
{
        (void)state;
        struct server S2;
        char extra[512];
        snprintf(extra, sizeof extra, "smtp:\n  url: smtp://127.0.0.1:%u\n  from: vigil@example.com\n"
                                      "notify:\n  webhook_secret: " SECRET "\n  allow_private_webhooks: true\n"
                                      "login:\n  max_failures_address: 1000\n",
                 smtp_port);
        server_start_sibling(&S2, &S, extra);
        size_t bob = mails_to("bob@example.com", NULL);
        char key[32];
        for (int i = 0; i < 10; i++) {
                char title[32];
                snprintf(title, sizeof title, "Burst %d", i);
                incident_for("burst", title, key);
        }
        await_mails("bob@example.com", bob + 10, 15);
        sleep(1);
        assert_int_equal(mails_to("bob@example.com", NULL), bob + 10); /* and no more */
        /* Both workers took part or not, every message went out once. */
        assert_int_equal(db_count(&S, "outbox", "status = 'sent' AND attempts = 1 AND subject LIKE '%Burst%' AND "
                                                "address = 'bob@example.com'"), 10);
        assert_int_equal(server_stop(&S2), 0);
        server_cleanup(&S2);
}

static void sibling(struct server *n)
{
        char extra[512];
        snprintf(extra, sizeof extra, "smtp:\n  url: smtp://127.0.0.1:%u\n  from: vigil@example.com\n"
                                      "notify:\n  webhook_secret: " SECRET "\n  allow_private_webhooks: true\n"
                                      "login:\n  max_failures_address: 1000\njob_lease: 5s\n",
                 smtp_port);
        server_start_sibling(n, &S, extra);
}

/* 100 incidents opened round-robin on three nodes: the one on call is
 * paged once for each, by whichever node's worker claimed the job. */
static void three_nodes_page_once_per_incident(void **state)
{
        (void)state;
        struct server nodes[3];
        nodes[0] = S;
        sibling(&nodes[1]);
        sibling(&nodes[2]);
        size_t bob = mails_to("bob@example.com", NULL);
        for (int i = 0; i < 100; i++) {
                char body[160];
                struct reply r;
                snprintf(body, sizeof body,
                         "{\"title\":\"Spread %d\",\"severity\":\"sev1\",\"source\":\"employee\","
                         "\"services\":[\"burst\"]}",
                         i);
                http(&nodes[i % 3], "POST", "/api/v1/incidents", responder, NULL, body, &r);
                if (r.status != 201)
                        fail_msg("incident %d on node %d: %ld %s", i, i % 3, r.status, r.body);
                reply_free(&r);
        }
        await_mails("bob@example.com", bob + 100, 60);
        sleep(2);
        assert_int_equal(mails_to("bob@example.com", NULL), bob + 100); /* and no more */
        assert_int_equal(db_count(&S, "pages", "user_name = 'bob' AND incident_id IN (SELECT id FROM incidents "
                                               "WHERE title LIKE 'Spread %')"),
                         100);
        assert_int_equal(db_count(&S, "outbox", "status = 'sent' AND attempts = 1 AND subject LIKE '%Spread%' AND "
                                                "address = 'bob@example.com'"),
                         100);
        assert_int_equal(server_finish(&nodes[1]), 0);
        assert_int_equal(server_finish(&nodes[2]), 0);
}

/* The node that paged the first level is killed before the second is
 * due: another node pages the second level, once. */
static void a_killed_node_leaves_the_next_level_to_another(void **state)
{
        (void)state;
        struct server n2, n3;
        sibling(&n2);
        sibling(&n3);
        /* Only n2 works at first: the incident's jobs are its own. */
        assert_int_equal(server_stop(&S), 0);
        assert_int_equal(server_stop(&n3), 0);
        size_t bob = mails_to("bob@example.com", NULL), carol = mails_to("carol@example.com", NULL);
        char body[160], key[32];
        struct reply r;
        snprintf(body, sizeof body, "{\"title\":\"Killed between levels\",\"severity\":\"sev1\","
                                    "\"source\":\"employee\",\"services\":[\"payments\"]}");
        http(&n2, "POST", "/api/v1/incidents", responder, NULL, body, &r);
        assert_int_equal(r.status, 201);
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(r.json, "key")));
        reply_free(&r);
        await_mails("bob@example.com", bob + 1, 10);
        server_kill(&n2);
        server_restart(&n3);
        /* Level 2 (carol) is due 3 s after level 1; within the lease n3 has it. */
        await_mails("carol@example.com", carol + 1, 20);
        sleep(3);
        assert_int_equal(mails_to("carol@example.com", NULL), carol + 1);
        char where[160];
        snprintf(where, sizeof where, "user_name = 'carol' AND incident_id = (SELECT id FROM incidents WHERE key = '%s')",
                 key);
        assert_int_equal(db_count(&S, "pages", where), 1);
        server_restart(&S);
        server_cleanup(&n2);
        assert_int_equal(server_finish(&n3), 0);
}

static void a_deferring_mail_server_gets_it_later(void **state)
{
        (void)state;
        /* Restart the SMTP server so that it answers 451 twice. */
        sink_stop(smtp_pid);
        smtp_pid = sink_start("smtp-sink.py", smtp_port, maildir, "--defer", "2");
        size_t bob = mails_to("bob@example.com", NULL);
        char key[32];
        incident_for("burst", "Deferred delivery", key);
        await_mails("bob@example.com", bob + 1, 20); /* retried after 2 s and 4 s */
        char where[200];
        snprintf(where, sizeof where, "subject LIKE '%%Deferred delivery%%' AND status = 'sent' AND attempts = 3 "
                                      "AND last_result LIKE '250%%'");
        /* The sink has the message before the worker records the answer
         * it got: give the worker's commit a moment (slow under ASan). */
        long sent = 0;
        for (int i = 0; i < 50 && (sent = db_count(&S, "outbox", where)) != 1; i++)
                usleep(100000);
        assert_int_equal(sent, 1);
}

static int setup(void **state)
{
        (void)state;
        char extra[512];
        snprintf(maildir, sizeof maildir, "/tmp/vigil-mail-XXXXXX");
        snprintf(hookdir, sizeof hookdir, "/tmp/vigil-hook-XXXXXX");
        if (!mkdtemp(maildir) || !mkdtemp(hookdir))
                fail_msg("mkdtemp");
        smtp_port = free_port();
        hook_port = free_port();
        smtp_pid = sink_start("smtp-sink.py", smtp_port, maildir, NULL, NULL);
        hook_pid = sink_start("webhook-sink.py", hook_port, hookdir, NULL, NULL);
        snprintf(extra, sizeof extra, "smtp:\n  url: smtp://127.0.0.1:%u\n  from: vigil@example.com\n"
                                      "notify:\n  webhook_secret: " SECRET "\n  sms_url: http://127.0.0.1:%u/sms\n"
                                      "  allow_private_webhooks: true\n" /* the webhook sink is on loopback */
                                      "login:\n  max_failures_address: 1000\n",
                 smtp_port, hook_port);
        server_start(&S, extra);
        server_bootstrap(&S);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        user("bob", "[]");
        char contacts[256];
        snprintf(contacts, sizeof contacts,
                 "[{\"type\":\"email\",\"address\":\"carol@example.com\"},"
                 "{\"type\":\"webhook\",\"address\":\"http://127.0.0.1:%u/carol\"},"
                 "{\"type\":\"sms\",\"address\":\"+15551234567\"}]",
                 hook_port);
        /* carol gets a token of her own (she acknowledges her pages). */
        server_user_token(&S, "carol", "responder", NULL, carol_token, sizeof carol_token);
        char patch[400];
        snprintf(patch, sizeof patch, "{\"email\":\"carol@example.com\",\"contacts\":%s}", contacts);
        if (api_call(&S, "PATCH", "/api/v1/users/carol", S.admin_token, patch, NULL) != 200)
                fail_msg("carol's contacts");
        put("/api/v1/schedules/primary", "{\"time_zone\":\"UTC\",\"layers\":[{\"name\":\"all\",\"rotation\":\"daily\","
                                         "\"start\":\"2026-01-01T00:00\",\"users\":[\"bob\"]}]}");
        put("/api/v1/escalation-policies/sec",
            "{\"repeat\":1,\"levels\":[{\"delay_seconds\":3,\"targets\":[{\"type\":\"schedule\",\"name\":\"primary\"}]},"
            "{\"delay_seconds\":8,\"targets\":[{\"type\":\"user\",\"name\":\"carol\"}]}]}");
        put("/api/v1/services/payments", "{\"escalation_policy\":\"sec\"}");
        /* Pages bob once and stops. */
        put("/api/v1/escalation-policies/once",
            "{\"levels\":[{\"delay_seconds\":5,\"targets\":[{\"type\":\"user\",\"name\":\"bob\"}]}]}");
        put("/api/v1/services/burst", "{\"escalation_policy\":\"once\"}");
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        int st = server_finish(&S);
        sink_stop(smtp_pid);
        sink_stop(hook_pid);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s %s", maildir, hookdir);
        if (system(cmd) != 0)
                return -1;
        return st;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(escalates_until_acknowledged),
                cmocka_unit_test(the_link_in_the_mail_acknowledges_once),
                cmocka_unit_test(a_declaration_pages_again),
                cmocka_unit_test(escalation_survives_a_restart),
                cmocka_unit_test(two_servers_page_once),
                cmocka_unit_test(three_nodes_page_once_per_incident),
                cmocka_unit_test(a_killed_node_leaves_the_next_level_to_another),
                cmocka_unit_test(a_deferring_mail_server_gets_it_later),
        };
        return cmocka_run_group_tests_name("paging", tests, setup, teardown);
}
