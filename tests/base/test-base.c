/* src/base: configuration loading, bounded buffers, log quoting, secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/config.h"
#include "base/log.h"
#include "base/secret.h"
#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/vigil-test-base-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
        static char path[256];
        snprintf(path, sizeof path, "%s/%s", tmpdir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return path;
}

/* Load text as a config; returns the error message ("" when it loaded). */
static int load(const char *text, struct config **c, char *err, size_t errlen)
{
        err[0] = '\0';
        return config_load(write_file("c.yaml", text), c, err, errlen);
}

static void config_full_file(void **state)
{
        struct config *c = NULL;
        char err[512];
        (void)state;
        assert_int_equal(load("listen: 0.0.0.0:9090\n"
                              "database: sqlite:/tmp/x.db\n"
                              "public_url: https://vigil.example.com\n"
                              "log_level: debug\n"
                              "threads: 8\n"
                              "limits:\n  max_body: 64KiB\n  max_json_depth: 10\n  page_max: 100\n"
                              "session:\n  idle_timeout: 15m\n  absolute_timeout: 8h\n"
                              "login:\n  max_failures_user: 3\n  window: 90s\n"
                              "portal:\n  max_reports_tenant: 40\n  window: 10m\n"
                              "provider:\n  asap_target: 6h\n",
                              &c, err, sizeof err), 0);
        assert_string_equal(c->listen_host, "0.0.0.0");
        assert_int_equal(c->listen_port, 9090);
        assert_string_equal(c->database, "sqlite:/tmp/x.db");
        assert_true(c->secure_cookies);
        assert_int_equal(c->log_level, LOG_LVL_DEBUG);
        assert_int_equal(c->threads, 8);
        assert_int_equal(c->limits.max_body, 65536);
        assert_int_equal(c->limits.max_json_depth, 10);
        assert_int_equal(c->limits.page_max, 100);
        assert_int_equal(c->limits.page_default, 50); /* default kept */
        assert_int_equal(c->session.idle_timeout, 900);
        assert_int_equal(c->session.absolute_timeout, 8 * 3600);
        assert_int_equal(c->login.max_failures_user, 3);
        assert_int_equal(c->login.window, 90);
        assert_int_equal(c->portal.max_reports_user, 5); /* default kept */
        assert_int_equal(c->portal.max_reports_tenant, 40);
        assert_int_equal(c->portal.window, 600);
        assert_int_equal(c->provider.asap_target, 6 * 3600);
        config_free(c);
}

static void config_defaults_from_empty_mapping(void **state)
{
        struct config *c = NULL;
        char err[512];
        (void)state;
        assert_int_equal(load("{}\n", &c, err, sizeof err), 0);
        assert_string_equal(c->listen, "127.0.0.1:8080");
        assert_false(c->secure_cookies);
        assert_int_equal(c->provider.asap_target, 24 * 3600); /* "without undue delay": a day */
        config_free(c);
}

static void config_errors_name_file_line_and_key(void **state)
{
        static const struct {
                const char *text;
                const char *want; /* substring of the message after the path */
        } cases[] = {
                { "log_level: info\nbogus: 1\n", ":2: unknown key 'bogus'" },
                { "limits:\n  max_body: 1MiB\n  colour: red\n", ":3: unknown key 'colour' in 'limits'" },
                { "limits:\n  max_body: lots\n", ":2: key 'limits.max_body': not a size" },
                { "limits:\n  max_body: 10\n", ":2: key 'limits.max_body': out of range (1024 to" },
                { "threads: -1\n", ":1: key 'threads': not a whole number" },
                { "provider:\n  asap_target: 10s\n", ":2: key 'provider.asap_target': out of range (60 to" },
                { "session:\n  idle_timeout: 5 minutes\n", ":2: key 'session.idle_timeout': not a duration" },
                { "log_level: loud\n", ":1: key 'log_level': 'loud' is not one of error, warn, info, debug" },
                { "threads: 2\nlisten: nowhere\n", ":2: key 'listen': 'nowhere' is not HOST:PORT" },
                { "node: 'two words'\n", ":1: key 'node': 1 to 63 letters, digits" },
                { "database: mysql://x\n", ":1: key 'database': expected sqlite:PATH or a postgresql://... URL" },
                { "database: 'sqlite:'\n", ":1: key 'database': expected sqlite:PATH" },
                { "public_url: ftp://x\n", ":1: key 'public_url'" },
                { "limits: 5\n", ":1: key 'limits': expected a mapping" },
                { "listen: [a, b]\n", ":1: key 'listen': expected a single value" },
                { "- a\n- b\n", ":1: the top level must be a mapping" },
                { "listen: 'unterminated\n", ":2: " },
                { "", ":0: the file is empty" },
                { "session:\n  idle_timeout: 2h\n  absolute_timeout: 1h\n", ":2: key 'session.idle_timeout': longer than" },
                { "intake:\n  routes:\n    - match: ['severity']\n", ":3: key 'intake.routes[0].match': 'severity' is not a matcher" },
                { "intake:\n  routes:\n    - match: ['a=~\"(\"']\n", ":3: key 'intake.routes[0].match': '(' is not a valid regular" },
                /* Issue 14: bounded regular expressions, the limit named. */
                { "intake:\n  routes:\n    - match: ['alertname=~\"(((a{255}){255}){255})\"']\n",
                  ":3: key 'intake.routes[0].match': '(((a{255}){255}){255})': invalid repetition size: {255}: "
                  "a repetition count may be at most 1000" },
                { "intake:\n  routes:\n    - name: x\n      match: ['x=~\"\\pL{1000}\"']\n",
                  ":4: key 'intake.routes[0].match': '\\pL{1000}': regular expression too complex: its compiled "
                  "form exceeds the limit of 256 KiB" },
                { "intake:\n  routes:\n    - service: web\n    - colour: red\n", ":4: unknown key 'colour' in 'intake.routes'" },
                { "intake:\n  routes:\n    - service: 'a b'\n", ":3: key 'intake.routes[0].service': 'a b' is not a service name" },
                { "intake:\n  routes:\n    - group_wait: soon\n", ":3: key 'intake.routes[0].group_wait': 'soon': not a duration" },
                { "intake:\n  group_by: [alertname, 'bad-name']\n", ":2: key 'intake.group_by': 'bad-name' is not a label name" },
                { "intake:\n  routes: {a: 1}\n", ":2: key 'intake.routes': expected a list of routes" },
                { "intake:\n  routes:\n    - 5\n", ":3: key 'intake.routes[0]': expected a mapping" },
        };
        (void)state;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct config *c = (struct config *)0x1;
                char err[512];
                int r = load(cases[i].text, &c, err, sizeof err);
                assert_int_equal(r, -VG_ECONFIG);
                assert_ptr_equal(c, (struct config *)0x1); /* untouched */
                if (!strstr(err, cases[i].want))
                        fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].want);
                assert_non_null(strstr(err, "c.yaml"));
        }
}

static void config_routes(void **state)
{
        struct config *c = NULL;
        char err[512];
        (void)state;
        assert_int_equal(load("intake:\n"
                              "  group_by: [alertname, cluster]\n"
                              "  group_wait: 30s\n"
                              "  routes:\n"
                              "    - name: db\n"
                              "      match: ['job=~\"postgres|mysql\"', severity!=info]\n"
                              "      service: databases\n"
                              "      group_interval: 1h\n"
                              "    - match: ['team = \"sec\"']\n"
                              "      group_by: ['...']\n"
                              "      group_wait: 0s\n",
                              &c, err, sizeof err), 0);
        const struct alert_routing *rt = &c->intake.routing;
        assert_int_equal(rt->n, 2);
        assert_string_equal(rt->routes[0].name, "db");
        assert_string_equal(rt->routes[0].service, "databases");
        assert_int_equal(rt->routes[0].n_m, 2);
        assert_int_equal(rt->routes[0].m[1].op, MATCH_NE);
        /* Left out: inherited from the intake-level defaults. */
        assert_int_equal(rt->routes[0].n_group_by, 2);
        assert_string_equal(rt->routes[0].group_by[1], "cluster");
        assert_int_equal(rt->routes[0].group_wait, 30 * VG_USEC_PER_SEC);
        assert_int_equal(rt->routes[0].group_interval, 3600 * VG_USEC_PER_SEC);
        assert_string_equal(rt->routes[1].name, "routes[1]");
        assert_true(rt->routes[1].group_all);
        assert_int_equal(rt->routes[1].group_wait, 0);
        assert_int_equal(rt->def.group_wait, 30 * VG_USEC_PER_SEC);

        /* Matching: the first route that matches, else the default. */
        struct labelset ls = { 0 };
        struct field_errors fe;
        fielderr_init(&fe);
        labelset_add(&ls, "job", "mysql", &fe, "l");
        labelset_add(&ls, "severity", "critical", &fe, "l");
        labelset_add(&ls, "alertname", "Down", &fe, "l");
        labelset_sort(&ls, &fe, "l");
        const struct alert_route *r = alert_route_find(rt, &ls);
        assert_ptr_equal(r, &rt->routes[0]);
        assert_string_equal(alert_route_service(r, &ls), "databases");
        char key[GROUP_KEY_MAX];
        alert_group_key(r, &ls, "databases", key);
        assert_string_equal(key, "db{alertname=\"Down\"}"); /* no cluster label: left out */
        ls.l[2].value = "info"; /* severity, sorted third */
        r = alert_route_find(rt, &ls);
        assert_ptr_equal(r, &rt->def);
        assert_string_equal(alert_route_service(r, &ls), "mysql"); /* the job label */
        config_free(c);
}

static void config_missing_file(void **state)
{
        struct config *c = NULL;
        char err[512];
        (void)state;
        assert_int_equal(config_load("/nonexistent/vigil.yaml", &c, err, sizeof err), -ENOENT);
        assert_non_null(strstr(err, "/nonexistent/vigil.yaml"));
}

static void buf_respects_max(void **state)
{
        struct buf b;
        size_t len;
        (void)state;
        buf_init(&b, 10);
        assert_int_equal(buf_append(&b, "12345", 5), 0);
        assert_int_equal(buf_printf(&b, "%d", 678), 0);
        assert_int_equal(buf_append(&b, "9ab", 3), -ENOBUFS);
        assert_int_equal(b.len, 8); /* unchanged by the refused append */
        assert_int_equal(buf_append(&b, "90", 2), 0);
        char *s = buf_detach(&b, &len);
        assert_string_equal(s, "1234567890");
        assert_int_equal(len, 10);
        assert_null(b.p);
        free(s);
        buf_init(&b, 1 << 20);
        for (int i = 0; i < 1000; i++)
                assert_int_equal(buf_printf(&b, "line %d with some padding to grow past 256\n", i), 0);
        assert_non_null(strstr(b.p, "line 999 with"));
        buf_release(&b);
}

static void log_quote_escapes(void **state)
{
        char buf[64];
        (void)state;
        assert_string_equal(log_quote("plain", buf, sizeof buf), "plain");
        assert_string_equal(log_quote("two words", buf, sizeof buf), "\"two words\"");
        assert_string_equal(log_quote("a\"b\\c\nd", buf, sizeof buf), "\"a\\\"b\\\\c\\nd\"");
        assert_string_equal(log_quote("k=v", buf, sizeof buf), "\"k=v\"");
        assert_string_equal(log_quote("", buf, sizeof buf), "\"\"");
        char small[6];
        log_quote("a very long value", small, sizeof small);
        assert_true(strlen(small) < sizeof small);
}

static void secrets(void **state)
{
        char a[SECRET_TOKEN_MAX], b[SECRET_TOKEN_MAX], hash[SECRET_PWHASH_MAX];
        uint8_t d1[SECRET_DIGEST_BYTES], d2[SECRET_DIGEST_BYTES];
        (void)state;
        assert_int_equal(secret_token_new("vgt_", a, sizeof a), 0);
        assert_int_equal(secret_token_new("vgt_", b, sizeof b), 0);
        assert_int_equal(strncmp(a, "vgt_", 4), 0);
        assert_int_equal(strlen(a), 4 + 43);
        assert_string_not_equal(a, b);
        assert_int_equal(secret_token_new("vgt_", a, 20), -ENOBUFS);
        secret_token_digest(b, d1);
        secret_token_digest(b, d2);
        assert_memory_equal(d1, d2, sizeof d1);
        assert_int_equal(secret_password_hash("correct horse battery", hash), 0);
        assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
        assert_true(secret_password_verify(hash, "correct horse battery"));
        assert_false(secret_password_verify(hash, "correct horse batterx"));
        assert_true(secret_streq("abc", "abc"));
        assert_false(secret_streq("abc", "abd"));
        assert_false(secret_streq("abc", "abcd"));
        char wiped[] = "secret";
        secret_wipe(wiped, sizeof wiped);
        for (size_t i = 0; i < sizeof wiped; i++)
                assert_int_equal(wiped[i], 0);
}

static int setup(void **state)
{
        (void)state;
        if (!mkdtemp(tmpdir) || secret_init() < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        char path[300];
        (void)state;
        snprintf(path, sizeof path, "%s/c.yaml", tmpdir);
        unlink(path);
        rmdir(tmpdir);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(config_full_file),
                cmocka_unit_test(config_defaults_from_empty_mapping),
                cmocka_unit_test(config_errors_name_file_line_and_key),
                cmocka_unit_test(config_routes),
                cmocka_unit_test(config_missing_file),
                cmocka_unit_test(buf_respects_max),
                cmocka_unit_test(log_quote_escapes),
                cmocka_unit_test(secrets),
        };
        return cmocka_run_group_tests_name("base", tests, setup, teardown);
}
