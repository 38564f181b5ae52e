/* PostgreSQL's faults, on a cluster of this program's own (it stops and
 * starts it, which the tests sharing the run's cluster must not see):
 * connection strings that cannot work are one clear error at start-up;
 * two nodes starting at once on a new schema migrate it once; the
 * database gone mid-run is 503 problem+json for requests, and once it is
 * back every acknowledged write is there and new ones go through; an
 * SQLite installation moves to PostgreSQL (migrate-store). Runs
 * only in the PostgreSQL pass (scripts/check.sh), where
 * VIGIL_TEST_DATABASE is set. */
#include "harness.h"

#include "store/migrations.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static char cluster[64], base_url[256], script[256];
static struct server S;
static char responder[128];

static int sh(const char *cmd, char *out, size_t size)
{
        FILE *p = popen(cmd, "r");
        if (!p)
                return -1;
        size_t n = out ? fread(out, 1, size - 1, p) : 0;
        if (out) {
                out[n] = '\0';
                out[strcspn(out, "\n")] = '\0';
        }
        int st = pclose(p);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void cluster_do(const char *verb)
{
        char cmd[400];
        snprintf(cmd, sizeof cmd, "bash '%s' %s '%s' >&2", script, verb, cluster);
        if (sh(cmd, NULL, 0) != 0)
                fail_msg("pg-cluster.sh %s failed", verb);
}

/* A config of its own naming url, for the CLI. */
static void write_config(const char *path, const char *url)
{
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "listen: 127.0.0.1:1\ndatabase: \"%s\"\n", url);
        fclose(f);
}

static void bad_urls_are_one_clear_error(void **state)
{
        (void)state;
        static const struct {
                const char *tail, *says;
        } cases[] = {
                { "nosuchdb?host=%s/sock&user=vigil", "database \"nosuchdb\" does not exist" },
                { "vigil?host=%s/sock&user=nobody", "role \"nobody\" does not exist" },
                { "vigil?host=%s/nowhere&user=vigil", "No such file or directory" },
                { "vigil?host=%s/sock&user=vigil&colour=red", "invalid URI query parameter" },
                { "vigil?host=%s/sock&user=vigil&pool_size=0", "pool_size must be 1 to 1024" },
        };
        char dir[64] = "/tmp/vigil-pgbad-XXXXXX", config[128];
        assert_non_null(mkdtemp(dir));
        snprintf(config, sizeof config, "%s/vigil.yaml", dir);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char url[512], tail[300];
                snprintf(tail, sizeof tail, cases[i].tail, cluster);
                snprintf(url, sizeof url, "postgresql:///%s", tail);
                write_config(config, url);
                char *out = NULL;
                int st = vigil_run(NULL, &out, NULL, (const char *const[]){ "-c", config, "audit", "verify", NULL });
                if (st == 0 || st >= 128 || !strstr(out, cases[i].says) || !strstr(out, "vigil: store: postgresql"))
                        fail_msg("case %zu: exit %d: %s", i, st, out);
                /* One line for it, not a trail. */
                const char *line = strstr(out, "vigil: store:");
                assert_null(strstr(line + 1, "vigil: store:"));
                free(out);
        }
        unlink(config);
        rmdir(dir);
}

/* Two processes open a new schema at the same moment: one migrates, the
 * other waits on the migration lock and finds nothing left to do. */
static void two_nodes_starting_at_once_migrate_once(void **state)
{
        (void)state;
        char dir[64] = "/tmp/vigil-pgrace-XXXXXX", config[128], url[512];
        assert_non_null(mkdtemp(dir));
        snprintf(config, sizeof config, "%s/vigil.yaml", dir);
        snprintf(url, sizeof url, "%s&options=-csearch_path%%3Draced", base_url);
        write_config(config, url);
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
                kids[k] = fork();
                assert_true(kids[k] >= 0);
                if (kids[k] == 0) {
                        int fd = open("/dev/null", O_WRONLY);
                        dup2(fd, STDOUT_FILENO);
                        execl(getenv("VIGIL_BIN"), "vigil", "-c", config, "audit", "verify", (char *)NULL);
                        _exit(127);
                }
        }
        for (int k = 0; k < 2; k++) {
                int st;
                assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
                assert_true(WIFEXITED(st));
                assert_int_equal(WEXITSTATUS(st), 0);
        }
        struct server raced = { 0 };
        snprintf(raced.db_url, sizeof raced.db_url, "%s", url);
        /* Each migration once, and every table a node's schema has. */
        assert_int_equal(db_count(&raced, "schema_migrations", NULL), (long)postgres_migrations_count);
        assert_int_equal(db_count(&raced, "information_schema.tables",
                                  "table_schema = 'raced' AND table_type = 'BASE TABLE'"),
                         db_count(&S, "information_schema.tables",
                                  "table_schema = current_schema() AND table_type = 'BASE TABLE'"));
        unlink(config);
        rmdir(dir);
}

static long get(const char *path, struct reply *r)
{
        http(&S, "GET", path, responder, NULL, NULL, r);
        return r->status;
}

/* The primary stops (as in a failover) and comes back. */
static void database_gone_is_503_then_nothing_is_lost(void **state)
{
        (void)state;
        struct reply r;
        json_t *a;
        assert_int_equal(api_call(&S, "POST", "/api/v1/incidents", responder,
                                  "{\"title\":\"Before the outage\",\"severity\":\"sev2\",\"source\":\"employee\"}", &a),
                         201);
        char key[32], path[96];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s", key);

        cluster_do("kill");
        assert_int_equal(get(path, &r), 503);
        assert_non_null(strstr(reply_header(&r, "Content-Type"), "application/problem+json"));
        assert_non_null(json_object_get(r.json, "title"));
        assert_string_equal(reply_header(&r, "Retry-After"), "1");
        reply_free(&r);
        http(&S, "GET", "/readyz", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 503);
        reply_free(&r);
        /* A write while it is gone is refused, not half done. */
        assert_int_equal(api_call(&S, "POST", "/api/v1/incidents", responder,
                                  "{\"title\":\"During the outage\",\"severity\":\"sev2\",\"source\":\"employee\"}",
                                  NULL),
                         503);

        cluster_do("restart");
        long st = 0;
        for (int i = 0; i < 100 && st != 200; i++) {
                st = get(path, &r);
                reply_free(&r);
                if (st != 200)
                        usleep(200 * 1000);
        }
        assert_int_equal(st, 200);
        http(&S, "GET", "/readyz", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        assert_int_equal(db_count(&S, "incidents", "title = 'Before the outage'"), 1);
        assert_int_equal(db_count(&S, "incidents", "title = 'During the outage'"), 0);
        assert_int_equal(api_call(&S, "POST", "/api/v1/incidents", responder,
                                  "{\"title\":\"After the outage\",\"severity\":\"sev2\",\"source\":\"employee\"}", NULL),
                         201);
        char *out = NULL;
        assert_int_equal(vigil_run(NULL, &out, NULL, (const char *const[]){ "-c", S.config, "audit", "verify", NULL }),
                         0);
        assert_non_null(strstr(out, "audit chain intact"));
        free(out);
}

/* An installation on SQLite moves to PostgreSQL: every table copied and
 * checked, a node started on the copy reads what was there, and new rows
 * take new ids (the identities moved past the copied ones); a second
 * copy onto the same target is refused and changes nothing. */
static void sqlite_moves_to_postgresql(void **state)
{
        (void)state;
        struct server old;
        char old_tok[128], url[512], key[32];
        json_t *a;
        const char *pg = getenv("VIGIL_TEST_DATABASE");
        char saved[256];
        snprintf(saved, sizeof saved, "%s", pg);
        unsetenv("VIGIL_TEST_DATABASE");
        server_start(&old, NULL);
        setenv("VIGIL_TEST_DATABASE", saved, 1);
        assert_false(server_on_postgres(&old));
        server_bootstrap(&old);
        server_user_token(&old, "rosa", "responder", NULL, old_tok, sizeof old_tok);
        for (int i = 0; i < 3; i++) {
                char body[160];
                snprintf(body, sizeof body, "{\"title\":\"Moved %d\",\"severity\":\"sev2\",\"source\":\"employee\"}", i);
                assert_int_equal(api_call(&old, "POST", "/api/v1/incidents", old_tok, body, &a), 201);
                snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
                json_decref(a);
        }
        assert_int_equal(server_stop(&old), 0);

        snprintf(url, sizeof url, "%s&options=-csearch_path%%3Dmoved", base_url);
        char *out = NULL;
        assert_int_equal(vigil_run(NULL, &out, NULL,
                                   (const char *const[]){ "migrate-store", "--from", old.db_url, "--to", url, NULL }),
                         0);
        assert_non_null(strstr(out, "copied incidents                3 rows"));
        assert_non_null(strstr(out, "verified: every table reads alike; audit chain intact in the copy"));
        free(out);
        struct server moved = { 0 };
        snprintf(moved.db_url, sizeof moved.db_url, "%s", url);
        long audit = db_count(&moved, "audit_log", NULL);
        assert_true(audit > 3);
        /* Again: refused, nothing added. */
        assert_int_equal(vigil_run(NULL, &out, NULL,
                                   (const char *const[]){ "migrate-store", "--from", old.db_url, "--to", url, NULL }),
                         1);
        assert_non_null(strstr(out, "the target holds rows already"));
        free(out);
        assert_int_equal(db_count(&moved, "audit_log", NULL), audit);

        /* A node on the copy: the old token, the old incident, new ids. */
        server_start_sibling(&moved, &old, NULL);
        snprintf(moved.db_url, sizeof moved.db_url, "%s", url);
        server_stop(&moved);
        FILE *f = fopen(moved.config, "w");
        assert_non_null(f);
        fprintf(f, "listen: 127.0.0.1:%u\ndatabase: \"%s\"\npublic_url: %s\n", moved.port, url, moved.url);
        fclose(f);
        moved.db[0] = '\0';
        server_restart(&moved);
        char path[64];
        snprintf(path, sizeof path, "/api/v1/incidents/%s", key);
        assert_int_equal(api_call(&moved, "GET", path, old_tok, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "title")), "Moved 2");
        json_decref(a);
        assert_int_equal(api_call(&moved, "POST", "/api/v1/incidents", old_tok,
                                  "{\"title\":\"After the move\",\"severity\":\"sev2\",\"source\":\"employee\"}", &a),
                         201);
        json_decref(a); /* a 201 at all: with the ids not moved on, the insert meets id 1 */
        assert_int_equal(db_count(&moved, "incidents", NULL), 4);
        assert_int_equal(vigil_run(NULL, &out, NULL, (const char *const[]){ "-c", moved.config, "audit", "verify", NULL }),
                         0);
        assert_non_null(strstr(out, "audit chain intact"));
        free(out);
        assert_int_equal(server_finish(&moved), 0);
        server_cleanup(&old);
}

static long long wakeups(struct server *n)
{
        struct reply r;
        http(n, "GET", "/metrics", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        const char *at = strstr(r.body, "\nvigil_store_wakeups_total ");
        long long v = at ? strtoll(at + strlen("\nvigil_store_wakeups_total "), NULL, 10) : -1;
        reply_free(&r);
        return v;
}

/* A job queued through one node wakes the other's worker at its commit
 * (NOTIFY), rather than at the other's next poll; a store of another
 * schema in the same database is not woken. */
static void a_job_on_one_node_wakes_the_others(void **state)
{
        (void)state;
        struct server s2, other;
        server_start_sibling(&s2, &S, NULL);
        server_start(&other, NULL); /* its own schema, same database */
        long long before = -1, other_before = -1;
        for (int i = 0; i < 50 && before < 1; i++) { /* the first: its LISTEN made */
                before = wakeups(&s2);
                if (before < 1)
                        usleep(100 * 1000);
        }
        assert_true(before >= 1);
        other_before = wakeups(&other);
        assert_int_equal(api_call(&S, "POST", "/api/v1/incidents", responder,
                                  "{\"title\":\"Wakes the others\",\"severity\":\"sev2\",\"source\":\"employee\"}",
                                  NULL),
                         201);
        long long after = before;
        for (int i = 0; i < 100 && after == before; i++) {
                after = wakeups(&s2);
                if (after == before)
                        usleep(100 * 1000);
        }
        assert_true(after > before);
        assert_int_equal(wakeups(&other), other_before);
        assert_int_equal(server_finish(&s2), 0);
        assert_int_equal(server_finish(&other), 0);
}

static int setup(void **state)
{
        (void)state;
        const char *root = getenv("VIGIL_SOURCE_ROOT");
        if (!getenv("VIGIL_TEST_DATABASE") || !root) {
                fprintf(stderr, "test-postgres runs in the PostgreSQL pass (VIGIL_TEST_DATABASE)\n");
                return -1;
        }
        snprintf(script, sizeof script, "%s/scripts/pg-cluster.sh", root);
        snprintf(cluster, sizeof cluster, "/tmp/vigil-pgown-%ld", (long)getpid());
        char cmd[400];
        snprintf(cmd, sizeof cmd, "bash '%s' start '%s'", script, cluster);
        if (sh(cmd, base_url, sizeof base_url) != 0 || strncmp(base_url, "postgresql://", 13) != 0) {
                fprintf(stderr, "test-postgres: a cluster of its own did not start\n");
                return -1;
        }
        setenv("VIGIL_TEST_DATABASE", base_url, 1);
        server_start(&S, NULL);
        server_bootstrap(&S);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        int st = server_finish(&S);
        char cmd[400];
        snprintf(cmd, sizeof cmd, "bash '%s' stop '%s'", script, cluster);
        if (sh(cmd, NULL, 0) != 0)
                st = -1;
        return st;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bad_urls_are_one_clear_error),
                cmocka_unit_test(two_nodes_starting_at_once_migrate_once),
                cmocka_unit_test(database_gone_is_503_then_nothing_is_lost),
                cmocka_unit_test(sqlite_moves_to_postgresql),
                cmocka_unit_test(a_job_on_one_node_wakes_the_others),
        };
        return cmocka_run_group_tests_name("postgres", tests, setup, teardown);
}
