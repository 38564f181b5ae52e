/* The server's life: session expiry, tamper detection through the API and
 * the CLI, the per-address sign-in limit, SIGHUP reload, SIGTERM draining
 * requests in flight, and the CLI's verbs and exit codes. Each test runs
 * its own server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return strdup("");
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *p = calloc(1, (size_t)n + 1);
        if (fread(p, 1, (size_t)n, f) != (size_t)n)
                p[0] = '\0';
        fclose(f);
        return p;
}

static void sign_in(struct server *s, const char *user, const char *pw, char *cookie, size_t size)
{
        struct reply r;
        char body[256];
        snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
        http(s, "POST", "/api/v1/session", NULL, NULL, body, &r);
        assert_int_equal(r.status, 201);
        const char *sc = reply_header(&r, "Set-Cookie");
        snprintf(cookie, size, "Cookie: %.*s", (int)strcspn(sc, ";"), sc);
        reply_free(&r);
}

static void session_idle_and_absolute_expiry(void **state)
{
        struct server s;
        struct reply r;
        char cookie[256];
        (void)state;
        /* The idle limit is well above the 0.3 s between the requests that
         * keep a session busy below, so that a loaded machine does not
         * turn the absolute expiry into an idle one. */
        server_start(&s, "session:\n  idle_timeout: 2s\n  absolute_timeout: 5s\n");
        server_bootstrap(&s);
        sign_in(&s, "admin", admin_password(), cookie, sizeof cookie);
        const char *const h[] = { cookie, NULL };
        http(&s, "GET", "/api/v1/session", NULL, h, NULL, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        sleep(3);
        char *before = db_fingerprint(&s);
        http(&s, "GET", "/api/v1/session", NULL, h, NULL, &r);
        assert_int_equal(r.status, 401);
        assert_string_equal(reply_header(&r, "Content-Type"), "application/problem+json");
        assert_non_null(strstr(json_string_value(json_object_get(r.json, "detail")), "inactivity"));
        reply_free(&r);
        const char *const csrf_less[] = { cookie, NULL };
        http(&s, "POST", "/api/v1/tokens", NULL, csrf_less, "{\"name\":\"late\"}", &r);
        assert_int_equal(r.status, 401);
        reply_free(&r);
        char *after = db_fingerprint(&s);
        assert_string_equal(before, after);
        free(before);
        free(after);
        /* Absolute expiry holds even for a session kept busy. */
        sign_in(&s, "admin", admin_password(), cookie, sizeof cookie);
        for (int i = 0; i < 30; i++) {
                usleep(300000);
                http(&s, "GET", "/api/v1/session", NULL, h, NULL, &r);
                long st = r.status;
                reply_free(&r);
                if (st == 401)
                        break;
                assert_true(i < 29);
        }
        http(&s, "GET", "/api/v1/session", NULL, h, NULL, &r);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(json_string_value(json_object_get(r.json, "detail")), "has expired"));
        reply_free(&r);
        assert_int_equal(server_stop(&s), 0);
        server_cleanup(&s);
}

/* Behind a TLS proxy (public_url https://) the cookie must be Secure. */
static void https_public_url_makes_cookies_secure(void **state)
{
        struct server s;
        struct reply r;
        char body[256];
        (void)state;
        server_start(&s, "public_url: https://vigil.example.com\n");
        server_bootstrap(&s);
        snprintf(body, sizeof body, "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
        http(&s, "POST", "/api/v1/session", NULL, NULL, body, &r);
        assert_int_equal(r.status, 201);
        const char *sc = reply_header(&r, "Set-Cookie");
        assert_non_null(strstr(sc, "; Secure"));
        assert_non_null(strstr(sc, "HttpOnly"));
        reply_free(&r);
        assert_int_equal(server_stop(&s), 0);
        server_cleanup(&s);
}

static void tampering_is_found_at_the_row(void **state)
{
        struct server s;
        struct reply r;
        char tok[128], *out = NULL;
        (void)state;
        server_start(&s, NULL);
        server_bootstrap(&s);
        server_user_token(&s, "frank", "auditor", NULL, tok, sizeof tok);
        const char *argv[] = { "-c", s.config, "audit", "verify", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, argv), 0);
        assert_non_null(strstr(out, "audit chain intact"));
        free(out);

        /* Someone with the database edits record 3 directly: refused
         * while the append-only trigger stands, done once it is gone. */
        char *msg = db_edit(&s, "UPDATE audit_log SET actor='user:mallory' WHERE seq=3");
        assert_non_null(msg);
        assert_non_null(strstr(msg, "append-only"));
        free(msg);
        assert_null(db_edit(&s, db_sql(&s, "DROP TRIGGER audit_log_no_update;"
                                           "UPDATE audit_log SET actor='user:mallory' WHERE seq=3",
                                       "ALTER TABLE audit_log DISABLE TRIGGER USER;"
                                       "UPDATE audit_log SET actor='user:mallory' WHERE seq=3")));

        http(&s, "GET", "/api/v1/audit/verify", tok, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(json_is_false(json_object_get(r.json, "ok")));
        assert_int_equal(json_integer_value(json_object_get(r.json, "first_bad_seq")), 3);
        assert_int_equal(json_integer_value(json_object_get(r.json, "records")), 2);
        assert_non_null(strstr(json_string_value(json_object_get(r.json, "reason")), "hash"));
        reply_free(&r);

        assert_int_equal(vigil_run(NULL, &out, NULL, argv), 5);
        assert_non_null(strstr(out, "broken at record 3"));
        free(out);
        assert_int_equal(server_stop(&s), 0);
        server_cleanup(&s);
}

static void failures_are_limited_per_address(void **state)
{
        struct server s;
        char body[128];
        struct reply r;
        (void)state;
        server_start(&s, "login:\n  max_failures_user: 100\n  max_failures_address: 4\n  window: 1h\n");
        server_bootstrap(&s);
        for (int i = 0; i < 4; i++) {
                snprintf(body, sizeof body, "{\"username\":\"guess%d\",\"password\":\"nope-nope\"}", i);
                http(&s, "POST", "/api/v1/session", NULL, NULL, body, &r);
                assert_int_equal(r.status, 401);
                reply_free(&r);
        }
        snprintf(body, sizeof body, "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
        http(&s, "POST", "/api/v1/session", NULL, NULL, body, &r);
        assert_int_equal(r.status, 429);
        reply_free(&r);
        /* Tokens keep working: the limit is on password guessing only. */
        http(&s, "GET", "/api/v1/session", s.admin_token, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        char *log = slurp(s.log);
        assert_non_null(strstr(log, "msg=\"sign-in failed\""));
        assert_non_null(strstr(log, "msg=\"sign-in refused: rate limited\""));
        assert_null(strstr(log, "nope-nope")); /* no password in the logs */
        assert_null(strstr(log, admin_password()));
        free(log);
        assert_int_equal(server_stop(&s), 0);
        server_cleanup(&s);
}

static void sighup_reloads_what_it_can(void **state)
{
        struct server s;
        struct reply r;
        (void)state;
        server_start(&s, "limits:\n  max_body: 4096\n");
        server_bootstrap(&s);
        char big[3000];
        memset(big, ' ', sizeof big - 1);
        big[0] = '{';
        big[sizeof big - 2] = '}';
        big[sizeof big - 1] = '\0';
        http(&s, "POST", "/api/v1/tokens", s.admin_token, NULL, big, &r);
        assert_int_equal(r.status, 400); /* within the limit: refused for the missing name */
        reply_free(&r);

        /* Lower the limit and change the port: the first applies live, the
         * second is reported as needing a restart. */
        FILE *f = fopen(s.config, "w");
        fprintf(f, "listen: 127.0.0.1:%u\ndatabase: \"%s\"\npublic_url: %s\nthreads: 4\n"
                   "log_level: debug\nlimits:\n  max_body: 2048\n", s.port + 1, s.db_url, s.url);
        fclose(f);
        kill(s.pid, SIGHUP);
        assert_true(server_log_has(&s, "msg=\"configuration reloaded\" log_level=debug needs_restart=listen", 20));
        http(&s, "POST", "/api/v1/tokens", s.admin_token, NULL, big, &r);
        assert_int_equal(r.status, 413);
        reply_free(&r);

        /* A broken file is refused and the running configuration kept. */
        f = fopen(s.config, "w");
        fprintf(f, "listen: 127.0.0.1:%u\nno_such_key: 1\n", s.port);
        fclose(f);
        kill(s.pid, SIGHUP);
        assert_true(server_log_has(&s, "reload failed; keeping the running configuration", 20));
        assert_true(server_log_has(&s, "unknown key 'no_such_key'", 0));
        http(&s, "GET", "/healthz", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        assert_int_equal(server_stop(&s), 0);
        server_cleanup(&s);
}

/* SIGTERM arrives while a request is half sent: the server stops accepting
 * new connections but answers the one in flight, then exits 0. */
static void sigterm_finishes_requests_in_flight(void **state)
{
        struct server s;
        char req[512], answer[4096];
        (void)state;
        server_start(&s, NULL);
        server_bootstrap(&s);
        const char *body = "{\"username\":\"admin\",\"password\":\"not-the-password\"}";
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s.port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
        int n = snprintf(req, sizeof req,
                         "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n%.10s", strlen(body), body);
        assert_int_equal(write(fd, req, (size_t)n), n);
        usleep(1000000); /* the server accepts it: a connection still queued would be dropped */
        kill(s.pid, SIGTERM);
        assert_true(server_log_has(&s, "msg=\"stopping\" signal=TERM", 20));
        /* New connections are refused soon after. */
        bool refused = false;
        for (int i = 0; i < 200 && !refused; i++) {
                int fd2 = socket(AF_INET, SOCK_STREAM, 0);
                refused = connect(fd2, (struct sockaddr *)&a, sizeof a) != 0;
                close(fd2);
                if (!refused)
                        usleep(50000);
        }
        assert_true(refused);
        /* The one in flight completes. */
        assert_int_equal(write(fd, body + 10, strlen(body) - 10), (ssize_t)(strlen(body) - 10));
        size_t got = 0;
        ssize_t k;
        while ((k = read(fd, answer + got, sizeof answer - 1 - got)) > 0)
                got += (size_t)k;
        answer[got] = '\0';
        close(fd);
        assert_non_null(strstr(answer, "HTTP/1.1 401"));
        assert_int_equal(server_stop(&s), 0);
        char *log = slurp(s.log);
        assert_non_null(strstr(log, "msg=\"stopping\" signal=TERM"));
        assert_non_null(strstr(log, "msg=\"stopped\""));
        free(log);
        server_cleanup(&s);
}

static void cli_verbs_and_exit_codes(void **state)
{
        struct server s;
        char *out = NULL, home[128], env_home[160], env_url[128], env_xdg[32] = "XDG_CONFIG_HOME=";
        (void)state;
        server_start(&s, NULL);

        const char *help[] = { "--help", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, help), 0);
        assert_non_null(strstr(out, "Exit codes"));
        free(out);
        const char *const subhelp[][4] = { { "serve", "--help", NULL }, { "user", "--help", NULL },
                                           { "audit", "--help", NULL }, { "token", "--help", NULL },
                                           { "login", "--help", NULL }, { "api", "--help", NULL },
                                           { "whoami", "--help", NULL } };
        for (size_t i = 0; i < sizeof subhelp / sizeof subhelp[0]; i++) {
                assert_int_equal(vigil_run(NULL, &out, NULL, subhelp[i]), 0);
                assert_non_null(strstr(out, "usage: vigil"));
                free(out);
        }
        const char *unknown[] = { "frobnicate", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, unknown), 2);
        free(out);

        const char *check[] = { "-c", s.config, "serve", "--check-config", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, check), 0);
        assert_non_null(strstr(out, "configuration ok"));
        free(out);
        char bad[160];
        snprintf(bad, sizeof bad, "%s/bad.yaml", s.dir);
        FILE *f = fopen(bad, "w");
        fputs("log_level: info\nlimits:\n  max_body: huge\n", f);
        fclose(f);
        const char *check_bad[] = { "-c", bad, "serve", "--check-config", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, check_bad), 3);
        assert_non_null(strstr(out, "bad.yaml:3: key 'limits.max_body'"));
        free(out);

        /* Offline user management: validation and conflicts. */
        const char *add_bad[] = { "-c", s.config, "user", "add", "Bad Name", "--role", "king", "--password-stdin", NULL };
        assert_int_equal(vigil_run("long enough password\n", &out, NULL, add_bad), 1);
        assert_non_null(strstr(out, "name: must be"));
        assert_non_null(strstr(out, "role: must be one of"));
        free(out);
        const char *add_gen[] = { "-c", s.config, "user", "add", "gina", "--role", "admin", "--generate-password", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, add_gen), 0);
        char *pw = strstr(out, "shown once: ");
        assert_non_null(pw);
        char password[80];
        snprintf(password, sizeof password, "%.43s", pw + 12);
        free(out);
        assert_int_equal(vigil_run(NULL, &out, NULL, add_gen), 1);
        assert_non_null(strstr(out, "name: is taken"));
        free(out);
        const char *list[] = { "-c", s.config, "user", "list", NULL };
        assert_int_equal(vigil_run(NULL, &out, NULL, list), 0);
        assert_non_null(strstr(out, "gina"));
        free(out);

        /* Client verbs against the running server, with a private HOME. */
        snprintf(home, sizeof home, "%s/home", s.dir);
        snprintf(env_home, sizeof env_home, "HOME=%s", home);
        snprintf(env_url, sizeof env_url, "VIGIL_URL=%s", s.url);
        const char *const no_creds[] = { env_home, env_xdg, "VIGIL_URL=", "VIGIL_TOKEN=", NULL };
        const char *whoami[] = { "whoami", NULL };
        assert_int_equal(vigil_run(NULL, &out, no_creds, whoami), 4);
        assert_non_null(strstr(out, "no server"));
        free(out);
        const char *login[] = { "login", "--url", s.url, "--user", "gina", "--password-stdin", NULL };
        char line[100];
        snprintf(line, sizeof line, "%s\n", password);
        assert_int_equal(vigil_run(line, &out, no_creds, login), 0);
        assert_non_null(strstr(out, "signed in"));
        free(out);
        char cfgpath[200];
        snprintf(cfgpath, sizeof cfgpath, "%s/.config/vigil/config", home);
        assert_int_equal(access(cfgpath, R_OK), 0);
        const char *const saved[] = { env_home, env_xdg, NULL };
        assert_int_equal(vigil_run(NULL, &out, saved, whoami), 0);
        assert_non_null(strstr(out, "gina (admin)"));
        free(out);
        const char *tcreate[] = { "token", "create", "deploy-bot", "--expires-in", "3600", NULL };
        assert_int_equal(vigil_run(NULL, &out, saved, tcreate), 0);
        assert_non_null(strstr(out, "vgt_"));
        free(out);
        const char *tlist[] = { "token", "list", NULL };
        assert_int_equal(vigil_run(NULL, &out, saved, tlist), 0);
        assert_non_null(strstr(out, "deploy-bot"));
        free(out);
        const char *trevoke[] = { "token", "revoke", "424242", NULL };
        assert_int_equal(vigil_run(NULL, &out, saved, trevoke), 1);
        assert_non_null(strstr(out, "404"));
        free(out);
        const char *api[] = { "-o", "json", "api", "GET", "/api/v1/audit/verify", NULL };
        assert_int_equal(vigil_run(NULL, &out, saved, api), 0);
        assert_non_null(strstr(out, "\"ok\": true"));
        free(out);
        const char *api_bad[] = { "api", "POST", "/api/v1/users", "--data", "{\"name\":1}", NULL };
        assert_int_equal(vigil_run(NULL, &out, saved, api_bad), 1);
        assert_non_null(strstr(out, "400"));
        free(out);
        /* A wrong password: exit 4, nothing saved over the good token. */
        const char *const other[] = { env_home, env_xdg, env_url, NULL };
        assert_int_equal(vigil_run("wrong password here\n", &out, other, login), 4);
        free(out);
        assert_int_equal(vigil_run(NULL, &out, saved, whoami), 0);
        free(out);
        /* Nothing reachable: exit 4. */
        const char *const dead[] = { env_home, "VIGIL_URL=http://127.0.0.1:1", "VIGIL_TOKEN=vgt_x", NULL };
        assert_int_equal(vigil_run(NULL, &out, dead, whoami), 4);
        free(out);
        assert_int_equal(server_stop(&s), 0);
        server_cleanup(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(session_idle_and_absolute_expiry),
                cmocka_unit_test(https_public_url_makes_cookies_secure),
                cmocka_unit_test(tampering_is_found_at_the_row),
                cmocka_unit_test(failures_are_limited_per_address),
                cmocka_unit_test(sighup_reloads_what_it_can),
                cmocka_unit_test(sigterm_finishes_requests_in_flight),
                cmocka_unit_test(cli_verbs_and_exit_codes),
        };
        return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
