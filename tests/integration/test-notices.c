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
#include <sqlite3.h>

static struct server S;
static char comms[128], manager[128];
static char maildir[64], hookdir[64], key[32];
static pid_t smtp_pid, hook_pid;
static unsigned hook_port, smtp_port;

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static void tenant(const char *id, const char *body);

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

/* The CONTRACT obligations of incident k, each of which must be sent. */
static int contracts_sent(const char *k)
{
        char path[96];
        json_t *a, *o;
        size_t i;
        int contracts = 0;
        snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", k);
        assert_int_equal(call("GET", path, manager, NULL, &a), 200);
        json_array_foreach(json_object_get(a, "items"), i, o)
        {
                if (strcmp(json_string_value(json_object_get(o, "rule")), "CONTRACT") == 0) {
                        contracts++;
                        assert_string_equal(json_string_value(json_object_get(o, "status")), "sent");
                }
        }
        json_decref(a);
        return contracts;
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
        /* The preview is each tenant's e-mail as the release will send it,
         * naming that tenant only; it changes nothing. */
        char *before = db_fingerprint(&S);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/preview?tenant=acme", key, (long long)id);
        assert_int_equal(call("GET", path, manager, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "tenant")), "acme");
        assert_int_equal(json_array_size(json_object_get(a, "to")), 2);
        assert_true(json_is_true(json_object_get(a, "webhook")));
        assert_true(json_is_false(json_object_get(a, "released")));
        assert_non_null(strstr(json_string_value(json_object_get(a, "subject")), "Security incident notice for Acme"));
        const char *text = json_string_value(json_object_get(a, "body"));
        assert_non_null(strstr(text, "To the designated security contacts of Acme Corp."));
        assert_null(strstr(text, "Globex"));
        assert_null(strstr(text, "Initech"));
        char acme_body[8192];
        size_t w = 0;
        for (const char *c = text; *c && w + 2 < sizeof acme_body; c++) {
                if (*c == '\n')
                        acme_body[w++] = '\r';
                acme_body[w++] = *c;
        }
        acme_body[w] = 0;
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/preview?tenant=umbrella", key, (long long)id);
        expect_refused_on(&S, "GET", path, manager, NULL, NULL, 404, "not addressed to tenant umbrella", NULL);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/preview", key, (long long)id);
        expect_refused_on(&S, "GET", path, manager, NULL, NULL, 400, NULL, "tenant");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/999999/preview?tenant=acme", key);
        expect_refused_on(&S, "GET", path, manager, NULL, NULL, 404, NULL, NULL);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);
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
        assert_int_equal(mails(acme_body), 2); /* what the preview showed, line for line */
        /* Acme's webhook got the notice too. */
        for (int i = 0; i < 50 && sink_files(hookdir, ".json") < 1; i++)
                usleep(100 * 1000);
        assert_int_equal(sink_files(hookdir, ".json"), 1);
        assert_int_equal(sink_files_with(hookdir, ".json", "\\\"tenant\\\": \\\"acme\\\""), 0); /* compact JSON body */
        assert_int_equal(sink_files_with(hookdir, ".json", "\\\"tenant\\\":\\\"acme\\\""), 1);
        /* The contract obligations are met. */
        assert_int_equal(contracts_sent(key), 3);
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
        /* The e-mail initech will get, read before the release. */
        assert_int_equal(vigil_run(NULL, &out, as_manager,
                                   (const char *const[]){ "notices", "preview", key, id, "initech", NULL }),
                         0);
        assert_non_null(strstr(out, "To: it@initech.example\nSubject: Security incident notice for Initech LLC"));
        assert_non_null(strstr(out, "Keys were rotated; the attacker's access ended on 21 Nov."));
        free(out);
        assert_int_equal(vigil_run(NULL, &out, as_manager,
                                   (const char *const[]){ "notices", "preview", key, id, "acme", NULL }),
                         1); /* not addressed to acme */
        assert_non_null(strstr(out, "not addressed to tenant acme"));
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

/* A new declared incident at severity sev whose scope is tenants (a JSON
 * array of ids); its key into key_out (32 bytes). */
static void declared_incident(const char *title, const char *sev, const char *tenants,
                              char *key_out)
{
        char path[128], body[1024];
        json_t *a;
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"%s\",\"source\":\"employee\"}", title, sev);
        assert_int_equal(call("POST", "/api/v1/incidents", manager, body, &a), 201);
        snprintf(key_out, 32, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key_out);
        assert_int_equal(call("POST", path, manager,
                              "{\"classification\":\"security_incident\",\"impact\":{"
                              "\"confidentiality\":true},"
                              "\"data_categories\":[\"personal_data\"]}",
                              NULL),
                         200);
        json_t *ids = json_loads(tenants, 0, NULL), *scope = json_array(), *t;
        size_t i;
        json_array_foreach(ids, i, t) json_array_append_new(
                scope, json_pack("{s:O, s:s}", "id", t, "status", "confirmed"));
        json_t *req = json_pack("{s:o, s:s}", "tenants", scope, "reason", "access logs");
        char *text = json_dumps(req, JSON_COMPACT);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key_out);
        assert_int_equal(call("PUT", path, manager, text, NULL), 200);
        free(text);
        json_decref(req);
        json_decref(ids);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key_out);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"customer data read\"}", NULL),
                         200);
}

/* Compose an initial notice on incident k with nature; its id. */
static json_int_t composed(const char *k, const char *nature)
{
        char path[128];
        json_t *a,
                *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "initial", "nature",
                                  nature, "user_impact", "Names and e-mail addresses.",
                                  "mitigation", "none applicable", "next_steps",
                                  "Access log review.", "next_update_at", "2099-01-01T00:00:00Z");
        char *text = json_dumps(body, JSON_COMPACT);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", k);
        assert_int_equal(call("POST", path, comms, text, &a), 201);
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        free(text);
        json_decref(body);
        json_decref(a);
        return id;
}

/* `vigil audit verify` on the server's database: its exit code, output in *out. */
static int audit_verify(const char *config, char **out)
{
        return vigil_run(NULL, out, NULL,
                         (const char *const[]){"-c", config, "audit", "verify", NULL});
}

/* Two tenants with ids alike in their first 24 bytes share a contact
 * address, and a third has two contacts alike in their first 32
 * characters: every recipient gets its own message (mail and webhook),
 * every contract obligation is met, and the check over the outbox finds
 * each (notice, tenant, recipient) with its message. A second release
 * sends nothing. */
static void alike_recipients_each_get_their_notice(void **state)
{
        (void)state;
        char k[32], path[160], body[512];
        json_t *a;
        snprintf(body, sizeof body,
                 "{\"name\":\"Reseller Customer "
                 "One\",\"contacts\":[{\"email\":\"security@reseller.example\"}],"
                 "\"webhook\":\"http://127.0.0.1:%u/reseller-1\"}",
                 hook_port);
        tenant("reseller-managed-customer-0001", body);
        snprintf(body, sizeof body,
                 "{\"name\":\"Reseller Customer "
                 "Two\",\"contacts\":[{\"email\":\"security@reseller.example\"}],"
                 "\"webhook\":\"http://127.0.0.1:%u/reseller-2\"}",
                 hook_port);
        tenant("reseller-managed-customer-0002", body);
        tenant("longnames",
               "{\"name\":\"Long Names Ltd\",\"contacts\":["
               "{\"email\":\"security-incident-notifications-team-a@longnames.example\"},"
               "{\"email\":\"security-incident-notifications-team-b@longnames.example\"}]}");
        declared_incident("Reseller portal read", "sev2",
                          "[\"reseller-managed-customer-0001\",\"reseller-managed-customer-0002\","
                          "\"longnames\"]",
                          k);
        json_int_t id = composed(k, "The reseller portal's database was read.");
        size_t hooks_before = sink_files(hookdir, ".json");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", k, (long long)id);
        assert_int_equal(call("POST", path, manager, "{}", &a), 200);
        size_t deliveries = json_array_size(
                json_object_get(json_array_get(json_object_get(a, "items"), 0), "deliveries"));
        json_decref(a);
        assert_int_equal(deliveries, 6); /* 2 + 2 mails, 2 webhooks */
        char needle[64];
        snprintf(needle, sizeof needle, "(%s, initial 1)", k);
        for (int i = 0;
             i < 100 && (mails(needle) < 4 || sink_files(hookdir, ".json") < hooks_before + 2); i++)
                usleep(100 * 1000);
        usleep(1000 * 1000); /* anything extra would have arrived by now */
        assert_int_equal(mails(needle), 4);
        assert_int_equal(mails("Subject: Security incident notice for Reseller Customer One"), 1);
        assert_int_equal(mails("Subject: Security incident notice for Reseller Customer Two"), 1);
        assert_int_equal(mails("X-Envelope-To: security@reseller.example"), 2);
        assert_int_equal(
                mails("X-Envelope-To: security-incident-notifications-team-a@longnames.example"),
                1);
        assert_int_equal(
                mails("X-Envelope-To: security-incident-notifications-team-b@longnames.example"),
                1);
        assert_int_equal(sink_files(hookdir, ".json"), hooks_before + 2);
        assert_int_equal(sink_files_with(hookdir, ".json",
                                         "\\\"tenant\\\":\\\"reseller-managed-customer-0001\\\""),
                         1);
        assert_int_equal(sink_files_with(hookdir, ".json",
                                         "\\\"tenant\\\":\\\"reseller-managed-customer-0002\\\""),
                         1);
        /* Every tenant's contract obligation is met, each by its own messages. */
        assert_int_equal(contracts_sent(k), 3);
        /* Released again: refused, nothing more queued. */
        char where[160];
        snprintf(where, sizeof where,
                 "id IN (SELECT outbox_id FROM notice_deliveries WHERE notice_id = %lld)",
                 (long long)id);
        long queued = db_count(&S, "outbox", where);
        assert_int_equal(queued, 6);
        const char *const json[] = {"Content-Type: application/json", NULL};
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", k, (long long)id);
        expect_refused_on(&S, "POST", path, manager, json, "{}", 409, "released already", NULL);
        assert_int_equal(db_count(&S, "outbox", where), queued);
        assert_int_equal(db_count(&S, "outbox", "idem_key LIKE 'notice-%'"),
                         db_count(&S, "notice_deliveries", NULL));
        /* The check over every outbox row finds each recipient's message. */
        char *out = NULL;
        assert_int_equal(audit_verify(S.config, &out), 0);
        assert_non_null(strstr(out, "notice deliveries complete: "));
        free(out);
}

/* The same check on a copy of the database where one recipient's
 * delivery is gone, as a release that skipped it left things: it names
 * the notice and exits 5. */
static void verify_finds_a_recipient_without_its_message(void **state)
{
        (void)state;
        char copy_db[160], copy_config[160];
        if (server_on_postgres(&S)) {
                /* No file to copy: the delivery is taken out of the live
                 * database, and put back after. */
                assert_null(db_edit(&S, "CREATE TABLE taken AS SELECT * FROM notice_deliveries WHERE id = "
                                        "(SELECT max(id) FROM notice_deliveries WHERE tenant = "
                                        "'reseller-managed-customer-0002' AND channel = 'email'); "
                                        "DELETE FROM notice_deliveries WHERE id IN (SELECT id FROM taken)"));
                assert_int_equal(db_count(&S, "taken", NULL), 1);
                char *out = NULL;
                assert_int_equal(audit_verify(S.config, &out), 5);
                assert_non_null(strstr(
                        out, "its release counted 6 messages, 5 have a delivery and an outbox message"));
                assert_non_null(strstr(out, "notice deliveries incomplete: 1 problems"));
                free(out);
                assert_null(db_edit(&S, "INSERT INTO notice_deliveries SELECT * FROM taken; DROP TABLE taken"));
                assert_int_equal(audit_verify(S.config, &out), 0);
                free(out);
                return;
        }
        snprintf(copy_db, sizeof copy_db, "%s/copy.db", S.dir);
        snprintf(copy_config, sizeof copy_config, "%s/copy.yaml", S.dir);
        sqlite3 *from, *to;
        assert_int_equal(sqlite3_open_v2(S.db, &from, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_open(copy_db, &to), SQLITE_OK);
        sqlite3_busy_timeout(from, 5000);
        sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
        assert_non_null(b);
        assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
        sqlite3_backup_finish(b);
        sqlite3_close(from);
        assert_int_equal(
                sqlite3_exec(
                        to,
                        "DELETE FROM notice_deliveries WHERE id = (SELECT max(id) FROM "
                        "notice_deliveries "
                        "WHERE tenant = 'reseller-managed-customer-0002' AND channel = 'email')",
                        NULL, NULL, NULL),
                SQLITE_OK);
        assert_int_equal(sqlite3_changes(to), 1);
        sqlite3_close(to);
        char *config = read_text_file(S.config), *at = config ? strstr(config, S.db) : NULL;
        assert_non_null(at);
        FILE *f = fopen(copy_config, "w");
        assert_non_null(f);
        fprintf(f, "%.*s%s%s", (int)(at - config), config, copy_db, at + strlen(S.db));
        fclose(f);
        free(config);
        char *out = NULL;
        assert_int_equal(audit_verify(copy_config, &out), 5);
        assert_non_null(strstr(
                out, "its release counted 6 messages, 5 have a delivery and an outbox message"));
        assert_non_null(strstr(out, "notice deliveries incomplete: 1 problems"));
        free(out);
        unlink(copy_db);
        unlink(copy_config);
}

/* The text of the first stored mail holding needle (caller frees), its
 * path in path (256 bytes); NULL when there is none. */
static char *mail_with(const char *needle, char *path)
{
        char *found = NULL;
        DIR *d = opendir(maildir);
        for (struct dirent *e; d && !found && (e = readdir(d));) {
                if (!strstr(e->d_name, ".eml") || strstr(e->d_name, ".tmp"))
                        continue;
                snprintf(path, 256, "%s/%.150s", maildir, e->d_name);
                char *text = read_text_file(path);
                if (text && strstr(text, needle))
                        found = text;
                else
                        free(text);
        }
        if (d)
                closedir(d);
        return found;
}

/* A notice whose text has bare LF, bare CR, a line of one dot and a line
 * starting with a dot: the mail arrives with every line ending in CRLF,
 * those lines intact (libcurl dot-stuffs, once), and a Message-ID that is
 * one valid msg-id - <key@host of public_url> - as Python's email parser
 * reads it. */
static void mail_has_crlf_lines_and_a_valid_message_id(void **state)
{
        (void)state;
        char k[32], path[160], file[256];
        tenant("linebreaks", "{\"name\":\"Line Breaks plc\",\"contacts\":[{\"email\":\"lines@linebreaks.example\"}]}");
        declared_incident("Mail line endings", "sev3", "[\"linebreaks\"]", k);
        json_int_t id = composed(k, "first line\nsecond line\rthird line\r\n.\n.leading dot\nlast line");
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", k, (long long)id);
        assert_int_equal(call("POST", path, manager, "{}", NULL), 200);
        char *text = NULL;
        for (int i = 0; i < 100 && !(text = mail_with("X-Envelope-To: lines@linebreaks.example", file)); i++)
                usleep(100 * 1000);
        assert_non_null(text);
        assert_non_null(strstr(text, "Nature of the breach:\r\nfirst line\r\nsecond line\r\nthird line\r\n.\r\n.leading dot\r\nlast line\r\n"));
        const char *mid = strstr(text, "\r\nMessage-ID: <notice-");
        assert_non_null(mid);
        mid += strlen("\r\nMessage-ID: ");
        size_t n = strcspn(mid, "\r\n");
        print_message("# %.*s\n", (int)n, mid);
        assert_int_equal(n, strlen("<notice-@127.0.0.1>") + 64);
        assert_memory_equal(mid + n - strlen("@127.0.0.1>"), "@127.0.0.1>", strlen("@127.0.0.1>"));
        free(text);
        char cmd[512], out[512] = "";
        const char *root = getenv("VIGIL_SOURCE_ROOT");
        snprintf(cmd, sizeof cmd, "python3 %s/tests/integration/mail-check.py %s 2>&1", root ? root : "..", file);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        size_t got = fread(out, 1, sizeof out - 1, p);
        out[got] = '\0';
        int st = pclose(p);
        print_message("# mail-check: %s", out);
        assert_int_equal(st, 0);
        assert_memory_equal(out, "ok <notice-", strlen("ok <notice-"));
}

/* notices.two_person is sev1. A notice composed at sev1 stays a
 * two-person notice when the incident is lowered to sev3 for the release
 * and raised again; one composed at sev3 becomes one when the incident is
 * raised to sev1, even if it is lowered again before the release. The
 * composer's releases are refused and change nothing; a second person
 * releases both. */
static void two_person_release_survives_a_severity_change(void **state)
{
        (void)state;
        char k[32], path[160], incident[96], rel1[160], rel2[160];
        const char *const json[] = { "Content-Type: application/json", NULL };
        tenant("twoperson", "{\"name\":\"Two Person AG\",\"contacts\":[{\"email\":\"ciso@twoperson.example\"}]}");
        declared_incident("Two-person release", "sev1", "[\"twoperson\"]", k);
        snprintf(incident, sizeof incident, "/api/v1/incidents/%s", k);
        json_int_t first = composed(k, "Composed at sev1.");
        snprintf(rel1, sizeof rel1, "%s/notices/%lld/release", incident, (long long)first);
        expect_refused_on(&S, "POST", rel1, comms, json, "{}", 409, "needs a second person", NULL);
        /* The bypass: lower the severity, release alone, raise it again. */
        assert_int_equal(call("PATCH", incident, manager, "{\"severity\":\"sev3\"}", NULL), 200);
        expect_refused_on(&S, "POST", rel1, comms, json, "{}", 409, "needs a second person", NULL);
        /* Composed at sev3, raised to sev1 and lowered before the release. */
        json_int_t second = composed(k, "Composed at sev3.");
        snprintf(rel2, sizeof rel2, "%s/notices/%lld/release", incident, (long long)second);
        assert_int_equal(call("PATCH", incident, manager, "{\"severity\":\"sev1\"}", NULL), 200);
        assert_int_equal(call("PATCH", incident, manager, "{\"severity\":\"sev3\"}", NULL), 200);
        expect_refused_on(&S, "POST", rel2, comms, json, "{}", 409, "has been sev1 since the notice was composed",
                          NULL);
        expect_refused_on(&S, "POST", rel1, comms, json, "{}", 409, "needs a second person", NULL);
        assert_int_equal(call("PATCH", incident, manager, "{\"severity\":\"sev1\"}", NULL), 200);
        snprintf(path, sizeof path, "released_at IS NOT NULL AND incident_id = (SELECT id FROM incidents WHERE key = '%s')", k);
        assert_int_equal(db_count(&S, "notices", path), 0);
        /* A second person may. */
        assert_int_equal(call("POST", rel1, manager, "{}", NULL), 200);
        assert_int_equal(call("POST", rel2, manager, "{}", NULL), 200);
        assert_int_equal(db_count(&S, "notices", path), 2);
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
static char node_config[512]; /* what setup gave S, for a second node */

/* Killed mid-send, a notice to 1,000 tenants still reaches each contact
 * once or is flagged unknown for a person, never twice: the node itself
 * finishing after its restart, or (another_node) a second node on the
 * database taking the work over once the dead one's leases run out. */
static void kill_mid_send(bool another_node)
{
        const size_t n = 1000;
        struct server S2 = { 0 };
        long unknown_before = db_count(&S, "audit_log", "action = 'notice.delivery.unknown'");
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
        if (another_node)
                server_start_sibling(&S2, &S, node_config);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%lld/release", k2, (long long)id);
        assert_int_equal(call("POST", path, manager, "{}", NULL), 200);
        char needle[64];
        snprintf(needle, sizeof needle, "(%s, initial 1)", k2);
        for (int i = 0; i < 300 && mails(needle) < 100; i++)
                usleep(50 * 1000);
        assert_true(mails(needle) >= 100);
        server_kill(&S); /* mid-send */
        size_t at_kill = mails(needle);
        if (!another_node)
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
        /* They went over a few SMTP sessions at once, each carrying many
         * (one message a session before notify.smtp_connections). */
        char spath[128];
        snprintf(spath, sizeof spath, "%s/sessions", maildir);
        char *stext = read_text_file(spath);
        long sessions = stext ? strtol(stext, NULL, 10) : 0;
        free(stext);
        print_message("# killed after %zu of %zu messages; afterwards %ld sent, %ld unknown, %zu "
                      "received, none twice, "
                      "over %ld SMTP sessions\n",
                      at_kill, n, sent, unknown, got, sessions);
        assert_true(sessions > 2 &&
                    sessions <= (long)n / 10); /* more than one at a time, each kept */
        for (size_t i = 0; i < got; i++)
                free(to[i]);
        free(to);
        assert_int_equal(db_count(&S, "audit_log", "action = 'notice.delivery.unknown'") - unknown_before, unknown);
        if (another_node) {
                assert_int_equal(server_finish(&S2), 0);
                server_restart(&S);
        }
}

static void killed_mid_send_never_twice(void **state)
{
        (void)state;
        kill_mid_send(false);
}

static void killed_node_mid_send_another_finishes(void **state)
{
        (void)state;
        kill_mid_send(true);
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
                 "notify:\n  allow_private_webhooks: true\n" /* the webhook sink is on loopback */
                 "job_lease: 5s\n", /* a dead node's work is another's soon */
                 smtp_port);
        snprintf(node_config, sizeof node_config, "%s", extra);
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
                cmocka_unit_test(alike_recipients_each_get_their_notice),
                cmocka_unit_test(verify_finds_a_recipient_without_its_message),
                cmocka_unit_test(mail_has_crlf_lines_and_a_valid_message_id),
                cmocka_unit_test(two_person_release_survives_a_severity_change),
                cmocka_unit_test(killed_mid_send_never_twice),
                cmocka_unit_test(killed_node_mid_send_another_finishes),
        };
        return cmocka_run_group_tests_name("notices", tests, setup, teardown);
}
