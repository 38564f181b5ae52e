/* The store interface, run against every backend available here (SQLite
 * now; PostgreSQL joins this list when its backend lands). Tampering is done
 * through the backend's own client library, as an attacker with file access
 * would. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/secret.h"
#include "core/error.h"
#include "cases/account.h"
#include "store/migrations.h"
#include "store/store.h"
#include "cases/vigilance.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
        char dir[64];   /* the temporary directory made for the case; "" for none */
        char path[500]; /* the SQLite file; "" on another backend */
        char url[512];
        struct store *s;
};

static const struct actor tester = { .user_id = 0, .name = "test", .request_id = "req-1" };

/* The backend under test: VIGIL_TEST_STORE_URL, a store URL in which
 * "{case}" stands for a name of its own per case (c<pid>_<n>, letters,
 * digits and '_'), so each case opens an empty database - say
 * "sqlite:/tmp/st/{case}.db", or a PostgreSQL URL naming a database or
 * schema the script that started the throw-away server lets us create.
 * Unset: a fresh SQLite file in a temporary directory, removed after. */
static int case_url(struct fixture *f, char *err, size_t errlen)
{
        static unsigned n;
        const char *tmpl = getenv("VIGIL_TEST_STORE_URL");
        if (!tmpl || !*tmpl) {
                snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-store-XXXXXX");
                if (!mkdtemp(f->dir)) {
                        snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
                        return -1;
                }
                snprintf(f->path, sizeof f->path, "%s/sub/v.db", f->dir);
                snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
                return 0;
        }
        char name[32];
        size_t o = 0;
        bool named = false;
        snprintf(name, sizeof name, "c%ld_%u", (long)getpid(), ++n);
        for (const char *p = tmpl; *p; p++) {
                const char *piece = p;
                size_t len = 1;
                if (strncmp(p, "{case}", 6) == 0) {
                        piece = name;
                        len = strlen(name);
                        p += 5;
                        named = true;
                }
                if (o + len >= sizeof f->url) {
                        snprintf(err, errlen, "VIGIL_TEST_STORE_URL is too long");
                        return -1;
                }
                memcpy(f->url + o, piece, len);
                o += len;
        }
        f->url[o] = '\0';
        if (!named) {
                snprintf(err, errlen, "VIGIL_TEST_STORE_URL must hold {case}: every case needs an empty database");
                return -1;
        }
        if (strncmp(f->url, "sqlite:", 7) == 0)
                snprintf(f->path, sizeof f->path, "%.499s", f->url + 7);
        return 0;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256];
        if (!f)
                return -1;
        if (case_url(f, err, sizeof err) < 0 || store_open(f->url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "store %s: %s\n", f->url, err);
                free(f);
                return -1;
        }
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[200];
        store_close(f->s);
        if (f->dir[0]) {
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
                if (system(cmd) != 0)
                        return -1;
        }
        free(f);
        return 0;
}

/* The cases that rebuild SQLite's own schema history (its migrations,
 * which PostgreSQL's baseline has no steps of): main() leaves them out
 * on another backend, saying so (sqlite_cases), so reaching one there is
 * a mistake in that list. */
static void sqlite_only(const struct fixture *f)
{
        if (!f->path[0])
                fail_msg("a SQLite-only case ran on %s: add it to sqlite_cases", f->url);
}

static const char *const sqlite_cases[] = {
        "migration_030_finds_the_asap_rows",
        "migration_keeps_numbering",
        "checkpoints_follow_a_long_commit",
};

static struct user make_user(const char *name, enum role role)
{
        struct user u = { 0 };
        snprintf(u.name, sizeof u.name, "%s", name);
        u.role = role;
        snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$fake");
        u.created_at = u.updated_at = 1000;
        return u;
}

/* Insert a user and its audit record in one transaction. */
static int64_t add_user(struct store *s, const char *name)
{
        struct store_tx *tx;
        struct user u = make_user(name, ROLE_RESPONDER);
        assert_int_equal(store_begin(s, &tx), 0);
        assert_int_equal(store_user_insert(tx, &u), 0);
        json_t *change = json_pack("{s:s}", "name", name);
        assert_int_equal(store_audit_append(tx, 2000, &tester, "user.create", "user:x", change), 0);
        json_decref(change);
        assert_int_equal(store_commit(tx), 0);
        return u.id;
}

static void migrations_are_idempotent(void **state)
{
        struct fixture *f = *state;
        struct store *again;
        char err[256];
        int v1, v2;
        assert_int_equal(store_schema_version(f->s, &v1), 0);
        assert_true(v1 >= 1);
        assert_int_equal(store_open(f->url, &again, err, sizeof err), 0);
        assert_int_equal(store_schema_version(again, &v2), 0);
        assert_int_equal(v1, v2);
        store_close(again);
        assert_int_equal(store_ping(f->s), 0);
}

static void unknown_backend_and_bad_path(void **state)
{
        struct store *s = NULL;
        char err[256];
        (void)state;
        assert_int_equal(store_open("mysql:x", &s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "unknown backend"));
        assert_true(store_open("sqlite:/proc/nope/deeper/v.db", &s, err, sizeof err) < 0);
        assert_null(s);
}

static void users_insert_get_conflict_update(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct user u = make_user("alice", ROLE_TENANT_ADMIN), got;
        snprintf(u.tenant, sizeof u.tenant, "acme");

        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_user_insert(tx, &u), 0);
        assert_true(u.id > 0);
        struct user dup = make_user("alice", ROLE_ADMIN);
        assert_int_equal(store_user_insert(tx, &dup), -VG_ECONFLICT);
        assert_int_equal(store_commit(tx), 0);

        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_user_get_by_name(tx, "alice", &got), 0);
        assert_int_equal(got.id, u.id);
        assert_int_equal(got.role, ROLE_TENANT_ADMIN);
        assert_string_equal(got.tenant, "acme");
        assert_int_equal(store_user_get(tx, 999999, &got), -VG_ENOTFOUND);
        assert_int_equal(store_user_get_by_name(tx, "nobody", &got), -VG_ENOTFOUND);
        store_rollback(tx);

        assert_int_equal(store_begin(f->s, &tx), 0);
        u.disabled = true;
        u.updated_at = 5000;
        assert_int_equal(store_user_update(tx, &u), 0);
        struct user ghost = make_user("ghost", ROLE_ADMIN);
        ghost.id = 424242;
        assert_int_equal(store_user_update(tx, &ghost), -VG_ENOTFOUND);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_user_get(tx, u.id, &got), 0);
        assert_true(got.disabled);
        assert_int_equal(got.updated_at, 5000);
        store_rollback(tx);
}

static int collect(const struct user *u, void *userdata)
{
        json_array_append_new(userdata, json_integer(u->id));
        return 0;
}

static void users_list_pages(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        char name[32];
        int64_t count = 0, after = 0;
        json_t *all = json_array();

        for (int i = 0; i < 7; i++) {
                snprintf(name, sizeof name, "pager%d", i);
                add_user(f->s, name);
        }
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_user_count(tx, &count), 0);
        for (;;) {
                json_t *page = json_array();
                assert_int_equal(store_user_list(tx, after, 3, collect, page), 0);
                assert_true(json_array_size(page) <= 3);
                if (json_array_size(page) == 0) {
                        json_decref(page);
                        break;
                }
                after = json_integer_value(json_array_get(page, json_array_size(page) - 1));
                json_array_extend(all, page);
                json_decref(page);
        }
        store_rollback(tx);
        assert_int_equal((int64_t)json_array_size(all), count);
        for (size_t i = 1; i < json_array_size(all); i++)
                assert_true(json_integer_value(json_array_get(all, i)) >
                            json_integer_value(json_array_get(all, i - 1)));
        json_decref(all);
}

static void sessions_and_tokens(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        int64_t uid = add_user(f->s, "tokenuser");
        struct session s = { .user_id = uid, .created_at = 10, .last_seen = 10, .expires_at = 100 }, gs;
        struct api_token t = { .user_id = uid, .created_at = 10 }, gt;
        secret_token_digest("vgs_session", s.token_hash);
        secret_token_digest("vgt_token", t.token_hash);
        snprintf(t.name, sizeof t.name, "ci");
        snprintf(t.prefix, sizeof t.prefix, "vgt_tok");

        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_session_insert(tx, &s), 0);
        assert_int_equal(store_token_insert(tx, &t), 0);
        assert_int_equal(store_commit(tx), 0);

        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_session_get_by_hash(tx, s.token_hash, &gs), 0);
        assert_int_equal(gs.user_id, uid);
        assert_int_equal(store_session_touch(tx, s.id, 50), 0);
        assert_int_equal(store_token_get_by_hash(tx, t.token_hash, &gt), 0);
        assert_string_equal(gt.name, "ci");
        assert_int_equal(gt.revoked_at, 0);
        assert_int_equal(store_token_revoke(tx, t.id, 60), 0);
        assert_int_equal(store_token_revoke(tx, t.id, 61), -VG_ENOTFOUND); /* already revoked */
        assert_int_equal(store_token_get(tx, t.id, &gt), 0);
        assert_int_equal(gt.revoked_at, 60);
        /* Expired by idle (last_seen 50 < 70) and absolute (100 <= 100). */
        assert_int_equal(store_session_delete_expired(tx, 70, 100), 1);
        assert_int_equal(store_session_get_by_hash(tx, s.token_hash, &gs), -VG_ENOTFOUND);
        assert_int_equal(store_commit(tx), 0);
}

static void rollback_leaves_nothing(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct user u = make_user("rolledback", ROLE_ADMIN), got;
        struct audit_verify before, after;

        assert_int_equal(store_audit_verify(f->s, &before), 0);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_user_insert(tx, &u), 0);
        assert_int_equal(store_audit_append(tx, 1, &tester, "user.create", "user:rb", NULL), 0);
        store_rollback(tx);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_user_get_by_name(tx, "rolledback", &got), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_int_equal(store_audit_verify(f->s, &after), 0);
        assert_int_equal(after.records, before.records);
        assert_string_equal(after.head_hash, before.head_hash);
}

/* Each thread has its own connection; concurrent writers serialise and
 * none loses its write. */
static void *writer(void *arg)
{
        struct store *s = arg;
        char name[32];
        for (int i = 0; i < 20; i++) {
                struct store_tx *tx;
                snprintf(name, sizeof name, "t%lx-%d", (unsigned long)pthread_self() % 100000, i);
                struct user u = make_user(name, ROLE_RESPONDER);
                if (store_begin(s, &tx) < 0)
                        return (void *)1;
                if (store_user_insert(tx, &u) < 0 ||
                    store_audit_append(tx, 3, &tester, "user.create", "user:t", NULL) < 0) {
                        store_rollback(tx);
                        return (void *)1;
                }
                if (store_commit(tx) < 0)
                        return (void *)1;
        }
        return NULL;
}

static void concurrent_writers(void **state)
{
        struct fixture *f = *state;
        pthread_t th[4];
        struct audit_verify before, after;
        assert_int_equal(store_audit_verify(f->s, &before), 0);
        for (int i = 0; i < 4; i++)
                assert_int_equal(pthread_create(&th[i], NULL, writer, f->s), 0);
        for (int i = 0; i < 4; i++) {
                void *ret;
                pthread_join(th[i], &ret);
                assert_null(ret);
        }
        assert_int_equal(store_audit_verify(f->s, &after), 0);
        assert_true(after.ok);
        assert_int_equal(after.records, before.records + 80);
}

/* Edit the database the way an attacker with the file would. */
static void tamper(const char *path, const char *sql)
{
        sqlite3 *db;
        char *msg = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
                fail_msg("tamper '%s': %s", sql, msg);
        sqlite3_close(db);
}

static long long db_int(const struct fixture *f, const char *sql);

/* An edit beneath the store, as its database's owner would make it. The
 * error's text; NULL when the edit went through. */
static char *raw_edit(const struct fixture *f, const char *sql)
{
        char *msg = NULL;
        if (f->path[0]) {
                sqlite3 *db;
                char *m = NULL;
                assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
                if (sqlite3_exec(db, sql, NULL, NULL, &m) != SQLITE_OK)
                        msg = strdup(m ? m : "failed");
                sqlite3_free(m);
                sqlite3_close(db);
        } else {
                PGconn *pg = PQconnectdb(f->url);
                assert_int_equal(PQstatus(pg), CONNECTION_OK);
                PGresult *res = PQexec(pg, sql);
                if (PQresultStatus(res) != PGRES_COMMAND_OK)
                        msg = strdup(PQresultErrorMessage(res));
                PQclear(res);
                PQfinish(pg);
        }
        return msg;
}

static void audit_log_is_append_only(void **state)
{
        struct fixture *f = *state;
        add_user(f->s, "appendonly");
        char *msg = raw_edit(f, "UPDATE audit_log SET actor='x'");
        assert_non_null(msg);
        assert_non_null(strstr(msg, "append-only"));
        free(msg);
        msg = raw_edit(f, "DELETE FROM audit_log");
        assert_non_null(msg);
        free(msg);
        assert_int_equal(db_int(f, "SELECT count(*) FROM audit_log"), 1);
}

/* Each kind of edit is caught, at the record edited. Runs on a fresh store
 * per case so the earlier breaks do not mask later ones. */
static void audit_tamper_is_found_at_the_row(void **state)
{
        static const struct {
                const char *sql;
                int64_t bad_seq;
                const char *reason;
        } cases[] = {
                { "UPDATE audit_log SET actor='user:mallory' WHERE seq=3", 3, "record hash" },
                { "UPDATE audit_log SET change='{\"name\":\"x\"}' WHERE seq=2", 2, "change digest" },
                { "UPDATE audit_log SET at=at+1 WHERE seq=4", 4, "record hash" },
                { "DELETE FROM audit_log WHERE seq=3", 4, "sequence gap" },
                /* Recomputing one record's hash still breaks the next link. */
                { "UPDATE audit_log SET hash=%s WHERE seq=2", 2, "record hash" },
                { "UPDATE audit_log SET prev_hash=%s WHERE seq=5", 5, "previous-hash" },
                /* The chain's tail cut off: every link left is sound, the
                 * head row remembers there were five. */
                { "DELETE FROM audit_log WHERE seq=5", 5, "audit head (seq 5) does not match" },
        };
        (void)state;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                void *fx;
                struct audit_verify v;
                char sql[400], edit[200];
                assert_int_equal(setup(&fx), 0);
                struct fixture *f = fx;
                for (int k = 0; k < 5; k++) {
                        char name[16];
                        snprintf(name, sizeof name, "u%d", k);
                        add_user(f->s, name);
                }
                assert_int_equal(store_audit_verify(f->s, &v), 0);
                assert_true(v.ok);
                assert_int_equal(v.records, 5);
                /* The owner can take the append-only triggers away. */
                bool sqlite = f->path[0] != '\0';
                snprintf(edit, sizeof edit, cases[i].sql,
                         sqlite ? "zeroblob(32)" : "decode(repeat('00', 32), 'hex')");
                snprintf(sql, sizeof sql, "%s%s",
                         sqlite ? "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; "
                                : "ALTER TABLE audit_log DISABLE TRIGGER USER; ",
                         edit);
                char *failed = raw_edit(f, sql);
                if (failed)
                        fail_msg("case %zu: %s", i, failed);
                assert_int_equal(store_audit_verify(f->s, &v), 0);
                assert_false(v.ok);
                if (v.first_bad_seq != cases[i].bad_seq || !strstr(v.reason, cases[i].reason))
                        fail_msg("case %zu: broken at %lld (%s), want %lld (%s)", i,
                                 (long long)v.first_bad_seq, v.reason, (long long)cases[i].bad_seq,
                                 cases[i].reason);
                teardown(&fx);
        }
}


/* The head row is the last record's seq and hash after every append, and
 * a head that disagrees with the chain is a broken chain. */
static void audit_head_follows_appends(void **state)
{
        struct fixture *f = *state;
        struct audit_verify v;
        for (int k = 0; k < 3; k++) {
                char name[16];
                snprintf(name, sizeof name, "h%d", k);
                add_user(f->s, name);
                assert_int_equal(db_int(f, "SELECT (SELECT seq FROM audit_head) = "
                                                 "(SELECT max(seq) FROM audit_log) AND "
                                                 "(SELECT hash FROM audit_head) = (SELECT hash "
                                                 "FROM audit_log ORDER BY seq DESC LIMIT 1)"),
                                 1);
        }
        assert_int_equal(db_int(f, "SELECT seq FROM audit_head"), 3);
        assert_int_equal(store_audit_verify(f->s, &v), 0);
        assert_true(v.ok);
        assert_int_equal(v.records, 3);

        /* A head behind the chain: record 3 was written past it. */
        assert_null(raw_edit(f, "UPDATE audit_head SET seq = 2"));
        assert_int_equal(store_audit_verify(f->s, &v), 0);
        assert_false(v.ok);
        assert_int_equal(v.first_bad_seq, 3);
        assert_non_null(
                strstr(v.reason, "audit head (seq 2) does not match the last record (seq 3)"));
        /* The right seq with another hash. */
        assert_null(raw_edit(f, f->path[0] ? "UPDATE audit_head SET seq = 3, hash = zeroblob(32)"
                                           : "UPDATE audit_head SET seq = 3, hash = "
                                             "decode(repeat('00', 32), 'hex')"));
        assert_int_equal(store_audit_verify(f->s, &v), 0);
        assert_false(v.ok);
        assert_int_equal(v.first_bad_seq, 4);
        assert_non_null(strstr(v.reason, "audit head (seq 3)"));
}

static void account_create_validates_and_audits(void **state)
{
        struct fixture *f = *state;
        struct field_errors fe;
        struct user u;
        struct audit_verify before, after;
        struct user_spec bad = { .name = "Bad Name", .role = "king", .tenant = NULL, .password = "short" };

        assert_int_equal(store_audit_verify(f->s, &before), 0);
        fielderr_init(&fe);
        assert_int_equal(account_user_create(f->s, &tester, 1, &bad, &u, &fe), -VG_EVALIDATION);
        assert_int_equal(fe.n, 3);
        assert_string_equal(fe.e[0].field, "name");
        assert_string_equal(fe.e[1].field, "role");
        assert_string_equal(fe.e[2].field, "password");

        struct user_spec ta = { .name = "ta", .role = "tenant_admin", .tenant = NULL, .password = "long enough pw" };
        fielderr_init(&fe);
        assert_int_equal(account_user_create(f->s, &tester, 1, &ta, &u, &fe), -VG_EVALIDATION);
        assert_string_equal(fe.e[0].field, "tenant");

        struct user_spec ok = { .name = "carol", .role = "communications", .password = "long enough pw" };
        fielderr_init(&fe);
        assert_int_equal(account_user_create(f->s, &tester, 7, &ok, &u, &fe), 0);
        assert_int_equal(u.role, ROLE_COMMUNICATIONS);
        fielderr_init(&fe);
        assert_int_equal(account_user_create(f->s, &tester, 8, &ok, &u, &fe), -VG_ECONFLICT);
        assert_string_equal(fe.e[0].field, "name");
        assert_string_equal(fe.e[0].message, "is taken");

        assert_int_equal(store_audit_verify(f->s, &after), 0);
        assert_int_equal(after.records, before.records + 1); /* only the one that succeeded */

        struct store_tx *tx;
        struct user got;
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_user_get_by_name(tx, "carol", &got), 0);
        store_rollback(tx);
        assert_true(secret_password_verify(got.password_hash, "long enough pw"));
}

/* 2026-11-23T00:00:00Z and 2027-01-01T00:00:00Z */
#define T2026 INT64_C(1795392000000000)
#define T2027 INT64_C(1798761600000000)

static struct incident new_incident(const char *title, vg_usec_t at)
{
        struct incident inc = { 0 };
        snprintf(inc.title, sizeof inc.title, "%s", title);
        inc.description = strdup("details");
        inc.severity = SEV2;
        inc.source = SOURCE_MONITORING;
        snprintf(inc.reporter, sizeof inc.reporter, "alice");
        inc.phase = PHASE_ANALYSIS;
        inc.classification = CLASS_SUSPECTED;
        inc.detected_at = inc.reported_at = inc.created_at = inc.updated_at = at;
        return inc;
}

static void add_incident(struct store *s, const char *title, vg_usec_t at, char *key_out)
{
        struct store_tx *tx;
        struct incident inc = new_incident(title, at);
        assert_int_equal(store_begin(s, &tx), 0);
        assert_int_equal(store_incident_insert(tx, &inc), 0);
        assert_int_equal(store_commit(tx), 0);
        if (key_out)
                strcpy(key_out, inc.key);
        incident_fini(&inc);
}

static void incident_keys_per_year(void **state)
{
        struct fixture *f = *state;
        char k1[32], k2[32], k3[32], k4[32];
        add_incident(f->s, "one", T2026, k1);
        add_incident(f->s, "two", T2026 + 1, k2);
        add_incident(f->s, "new year", T2027, k3);
        add_incident(f->s, "three", T2026 + 2, k4);
        assert_string_equal(k1, "INC-2026-0001");
        assert_string_equal(k2, "INC-2026-0002");
        assert_string_equal(k3, "INC-2027-0001");
        assert_string_equal(k4, "INC-2026-0003");
        /* A rolled-back insert gives its number back: keys stay gap-free. */
        struct store_tx *tx;
        struct incident inc = new_incident("rolled back", T2026);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_insert(tx, &inc), 0);
        assert_string_equal(inc.key, "INC-2026-0004");
        store_rollback(tx);
        incident_fini(&inc);
        add_incident(f->s, "four", T2026, k1);
        assert_string_equal(k1, "INC-2026-0004");
}

static void incident_update_is_versioned(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct incident a, b;
        char key[32];
        add_incident(f->s, "versioned", T2026, key);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, key, &a), 0);
        assert_int_equal(store_incident_get(tx, key, &b), 0);
        assert_int_equal(store_incident_get(tx, "INC-2026-9999", &b), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_int_equal(a.version, 1);
        assert_string_equal(a.description, "details");

        assert_int_equal(store_begin(f->s, &tx), 0);
        a.severity = SEV1;
        assert_int_equal(store_incident_update(tx, &a, 1), 0);
        assert_int_equal(a.version, 2);
        b.severity = SEV4; /* b was read at version 1: stale */
        assert_int_equal(store_incident_update(tx, &b, b.version), -VG_EPRECONDITION);
        assert_int_equal(store_commit(tx), 0);
        incident_fini(&b);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, key, &b), 0);
        store_rollback(tx);
        assert_int_equal(b.severity, SEV1);
        assert_int_equal(b.version, 2);
        incident_fini(&a);
        incident_fini(&b);
}

static int collect_key(const struct incident *inc, void *userdata)
{
        json_array_append_new(userdata, json_string(inc->key));
        return 0;
}

static int collect_service(const char *service, void *userdata)
{
        json_array_append_new(userdata, json_string(service));
        return 0;
}

static void incident_list_filters_and_pages(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        char keys[6][32];
        for (int i = 0; i < 6; i++) {
                char title[32];
                snprintf(title, sizeof title, "%s %d", i % 2 ? "phishing" : "ddos", i);
                add_incident(f->s, title, T2026 + i, keys[i]);
        }
        assert_int_equal(store_begin(f->s, &tx), 0);
        const char *svc[] = { "billing", "auth" };
        struct incident inc;
        assert_int_equal(store_incident_get(tx, keys[2], &inc), 0);
        assert_int_equal(store_incident_services_set(tx, inc.id, svc, 2), 0);
        inc.phase = PHASE_CONTAINMENT;
        assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
        incident_fini(&inc);
        assert_int_equal(store_commit(tx), 0);

        struct incident_filter any = { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, NULL };
        json_t *got = json_array();
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_list(tx, &any, 0, 4, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 4);
        assert_string_equal(json_string_value(json_array_get(got, 0)), keys[5]); /* newest first */
        json_array_clear(got);

        struct incident_filter by_text = any;
        by_text.text = "phishing";
        assert_int_equal(store_incident_list(tx, &by_text, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 3);
        json_array_clear(got);

        struct incident_filter by_service = any;
        by_service.service = "auth";
        assert_int_equal(store_incident_list(tx, &by_service, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 1);
        assert_string_equal(json_string_value(json_array_get(got, 0)), keys[2]);
        json_array_clear(got);

        struct incident_filter by_phase = any;
        by_phase.phase = PHASE_CONTAINMENT;
        by_phase.severity = SEV2;
        assert_int_equal(store_incident_list(tx, &by_phase, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 1);
        json_array_clear(got);
        by_phase.severity = SEV1;
        assert_int_equal(store_incident_list(tx, &by_phase, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 0);

        json_array_clear(got);
        store_rollback(tx);
        /* Tenant in scope, and declared between two times. */
        assert_int_equal(store_begin(f->s, &tx), 0);
        struct scope_tenant acme = { .tenant = "acme", .status = TENANT_SUSPECTED };
        assert_int_equal(store_incident_get(tx, keys[4], &inc), 0);
        assert_int_equal(store_incident_tenants_set(tx, inc.id, &acme, 1), 0);
        inc.declared_at = T2026 + 500;
        assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
        incident_fini(&inc);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        struct incident_filter by_tenant = any;
        by_tenant.tenant = "acme";
        assert_int_equal(store_incident_list(tx, &by_tenant, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 1);
        assert_string_equal(json_string_value(json_array_get(got, 0)), keys[4]);
        json_array_clear(got);
        struct incident_filter declared = any;
        declared.declared_from = T2026 + 500;
        declared.declared_to = T2026 + 501;
        assert_int_equal(store_incident_list(tx, &declared, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 1);
        json_array_clear(got);
        declared.declared_from = 0; /* only an upper bound: undeclared ones stay out */
        assert_int_equal(store_incident_list(tx, &declared, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 1);
        json_array_clear(got);
        declared.declared_from = T2026 + 501;
        declared.declared_to = 0;
        assert_int_equal(store_incident_list(tx, &declared, 0, 0, collect_key, got), 0);
        assert_int_equal(json_array_size(got), 0);

        assert_int_equal(store_incident_get(tx, keys[2], &inc), 0);
        assert_int_equal(store_incident_services_list(tx, inc.id, collect_service, got), 0);
        assert_int_equal(json_array_size(got), 2);
        assert_string_equal(json_string_value(json_array_get(got, 0)), "auth"); /* sorted */
        incident_fini(&inc);
        store_rollback(tx);
        json_decref(got);
}

/* What the database itself answers to sql, read beneath the store as an
 * attacker or an operator would: with sqlite3 on the file, or with libpq
 * on the server (a boolean as 1 or 0). The text is malloc'd. */
static char *db_raw(const struct fixture *f, const char *sql)
{
        char *v = NULL;
        if (f->path[0]) {
                sqlite3 *db;
                sqlite3_stmt *st;
                assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
                if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                        fail_msg("'%s': %s", sql, sqlite3_errmsg(db));
                if (sqlite3_step(st) == SQLITE_ROW)
                        v = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
                                                              : "");
                sqlite3_finalize(st);
                sqlite3_close(db);
        } else {
                PGconn *pg = PQconnectdb(f->url);
                assert_int_equal(PQstatus(pg), CONNECTION_OK);
                PGresult *res = PQexec(pg, sql);
                if (PQresultStatus(res) != PGRES_TUPLES_OK)
                        fail_msg("'%s': %s", sql, PQresultErrorMessage(res));
                if (PQntuples(res) > 0) {
                        const char *t = PQgetvalue(res, 0, 0);
                        v = strdup(PQftype(res, 0) == 16 ? (t[0] == 't' ? "1" : "0") : t);
                }
                PQclear(res);
                PQfinish(pg);
        }
        assert_non_null(v);
        return v;
}

/* One integer the database answers. */
static long long db_int(const struct fixture *f, const char *sql)
{
        char *t = db_raw(f, sql);
        long long v = *t ? strtoll(t, NULL, 10) : -1;
        free(t);
        return v;
}

/* One text (a group_concat of a table, say); the caller frees. */
static char *db_text(const struct fixture *f, const char *sql)
{
        return db_raw(f, sql);
}

/* The same of a SQLite file by its path (the migration tests'). */
static long long file_int(const char *path, const char *sql)
{
        struct fixture f = { 0 };
        snprintf(f.path, sizeof f.path, "%s", path);
        return db_int(&f, sql);
}

static char *file_text(const char *path, const char *sql)
{
        struct fixture f = { 0 };
        snprintf(f.path, sizeof f.path, "%s", path);
        return db_text(&f, sql);
}

static int copy_obligation(const struct obligation *o, void *userdata)
{
        *(struct obligation *)userdata = *o;
        ((struct obligation *)userdata)->recipient = ((struct obligation *)userdata)->citation =
                NULL;
        return 0;
}

static int copy_notice_times(const struct notice *n, void *userdata)
{
        vg_usec_t *t = userdata;
        t[0] = n->next_update_at;
        t[1] = n->released_at;
        return 0;
}

/* A notice of incident_id to tenants (a JSON array), composed in 2026. */
static struct notice new_notice(int64_t incident_id, const char *kind, const char *tenants)
{
        struct notice n = {.incident_id = incident_id,
                           .nature = "n",
                           .user_impact = "u",
                           .mitigation = "m",
                           .tenants = tenants,
                           .composed_by = "cora",
                           .composed_at = T2026};
        snprintf(n.kind, sizeof n.kind, "%s", kind);
        return n;
}

#define UNSET_PHASES                                                                               \
        "acknowledged_at IS NULL AND declared_at IS NULL AND contained_at IS NULL AND "            \
        "eradicated_at IS NULL "                                                                   \
        "AND recovered_at IS NULL AND closed_at IS NULL AND vigilance_until IS NULL"

/* An incident's times that have not happened are SQL NULL, not 0, and
 * read back as VG_TIME_UNSET; so are an obligation's clock before it
 * starts and a notice's release before it is released. A 0 written
 * behind the store's back is refused. */
static void unset_times_are_null(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct incident inc;
        char key[32], sql[256];
        add_incident(f->s, "not yet", T2026, key);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM incidents WHERE key = '%s' AND " UNSET_PHASES, key);
        assert_int_equal(db_int(f, sql), 1);
        assert_int_equal(
                db_int(f,
                       "SELECT count(*) FROM incidents WHERE detected_at = 1795392000000000"),
                1);

        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, key, &inc), 0);
        const vg_usec_t *phases[] = {&inc.acknowledged_at, &inc.declared_at,  &inc.contained_at,
                                     &inc.eradicated_at,   &inc.recovered_at, &inc.closed_at,
                                     &inc.vigilance_until};
        for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
                assert_true(*phases[i] == VG_TIME_UNSET);
        assert_true(inc.detected_at == T2026);
        /* Set, they are stored as they are; unset again, NULL again. */
        inc.declared_at = T2026 + 5;
        inc.contained_at = T2026 + 6;
        assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
        assert_int_equal(store_commit(tx), 0);
        snprintf(sql, sizeof sql,
                 "SELECT declared_at + contained_at FROM incidents WHERE key = '%s'", key);
        assert_int_equal(db_int(f, sql), 2 * T2026 + 11);
        assert_int_equal(store_begin(f->s, &tx), 0);
        inc.contained_at = VG_TIME_UNSET;
        assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
        incident_fini(&inc);
        assert_int_equal(store_incident_get(tx, key, &inc), 0);
        assert_true(inc.declared_at == T2026 + 5);
        assert_true(inc.contained_at == VG_TIME_UNSET);
        assert_int_equal(store_commit(tx), 0);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM incidents WHERE key = '%s' AND contained_at IS NULL", key);
        assert_int_equal(db_int(f, sql), 1);

        /* An obligation whose clock has not started, and a notice not
         * released that promises no update. */
        struct obligation o = {.incident_id = inc.id,
                               .recipient = "authority",
                               .citation = "Art. 33",
                               .computed_at = T2026};
        snprintf(o.rule_id, sizeof o.rule_id, "EU-DORA-19-INIT");
        snprintf(o.rules_version, sizeof o.rules_version, "test");
        snprintf(o.duty, sizeof o.duty, "tenant");
        snprintf(o.stage, sizeof o.stage, "initial");
        snprintf(o.anchor, sizeof o.anchor, "classified_major");
        struct notice n = new_notice(inc.id, "initial", "[\"bank\"]");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_obligation_put(tx, &o), 0);
        assert_int_equal(store_notice_insert(tx, &n), 0);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(db_int(f, "SELECT count(*) FROM obligations WHERE anchor_at IS NULL "
                                         "AND due_at IS NULL "
                                         "AND sent_at IS NULL"),
                         1);
        assert_int_equal(db_int(f, "SELECT count(*) FROM notices WHERE released_at IS NULL "
                                         "AND next_update_at IS NULL"),
                         1);
        struct obligation got;
        vg_usec_t nt[2] = {-1, -1};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_obligation_get(tx, o.id, copy_obligation, &got), 0);
        assert_true(got.anchor_at == VG_TIME_UNSET && got.due_at == VG_TIME_UNSET &&
                    got.sent_at == VG_TIME_UNSET);
        assert_int_equal(store_notice_get(tx, n.id, copy_notice_times, nt), 0);
        assert_true(nt[0] == VG_TIME_UNSET && nt[1] == VG_TIME_UNSET);
        /* Released once; the second release finds it released. */
        assert_int_equal(store_notice_release(tx, n.id, "cora", T2026 + 9), 0);
        assert_int_equal(store_notice_release(tx, n.id, "cora", T2026 + 10), -VG_ECONFLICT);
        assert_int_equal(store_notice_get(tx, n.id, copy_notice_times, nt), 0);
        assert_true(nt[1] == T2026 + 9);
        /* Its clock starts: stored as given. */
        o.anchor_at = T2026 + 1;
        o.due_at = T2026 + 2;
        assert_int_equal(store_obligation_put(tx, &o), 0);
        assert_true(o.due_changed);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(
                db_int(f,
                       "SELECT count(*) FROM obligations WHERE anchor_at = 1795392000000001 "
                       "AND due_at = 1795392000000002 AND sent_at IS NULL"),
                1);
        incident_fini(&inc);

        /* 0 is no time: written behind the store's back, it is refused. */
        char *msg = raw_edit(f, "UPDATE incidents SET declared_at = 0");
        assert_non_null(msg);
        assert_true(strstr(msg, "CHECK constraint failed") || strstr(msg, "check constraint"));
        free(msg);
}

static void rm_dir(const char *dir)
{
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

/* A database at schema version 23, as the vigil of that version left it,
 * in a new directory: every migration up to 023 run from this binary's
 * own texts. */
static void make_schema_23(char dir[64], char path[128], char url[160])
{
        sqlite3 *db;
        snprintf(dir, 64, "/tmp/vigil-test-m24-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(path, 128, "%s/v.db", dir);
        snprintf(url, 160, "sqlite:%s", path);
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        tamper(path,
               "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at INTEGER NOT NULL)");
        for (size_t i = 0; i < sqlite_migrations_count && sqlite_migrations[i].version <= 23; i++) {
                char *msg = NULL, sql[160];
                if (sqlite3_exec(db, sqlite_migrations[i].sql, NULL, NULL, &msg) != SQLITE_OK)
                        fail_msg("migration %d: %s", sqlite_migrations[i].version, msg);
                snprintf(sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, '%s', 1)",
                         sqlite_migrations[i].version, sqlite_migrations[i].name);
                assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        }
        sqlite3_close(db);
        assert_int_equal(file_int(path, "SELECT max(version) FROM schema_migrations"), 23);
}

/* What version 23 stored: 0 for "not yet" beside real times, and rows in
 * the tables that reference the rebuilt ones. */
static const char v23_rows[] =
        "PRAGMA foreign_keys=ON;"
        "INSERT INTO incidents(id, key, title, severity, source, reporter, detected_at, "
        "reported_at, created_at, "
        "updated_at) VALUES (4, 'INC-2026-0001', 'not yet', 'sev2', 'employee', 'rita', "
        "1795392000000000, "
        "1795392000000000, 1795392000000000, 1795392000000000);"
        "INSERT INTO incidents(id, key, title, severity, source, reporter, detected_at, "
        "reported_at, acknowledged_at, "
        "declared_at, contained_at, eradicated_at, recovered_at, closed_at, created_at, "
        "updated_at, vigilance_until) "
        "VALUES (9, 'INC-2026-0002', 'all done', 'sev1', 'employee', 'rita', 1795392000000000, "
        "1795392000000001, "
        "1795392000000002, 1795392000000003, 1795392000000004, 1795392000000005, 1795392000000006, "
        "1795392000000007, 1795392000000000, 1795392000000000, 1795392000000008);"
        "INSERT INTO incident_services VALUES (4, 'web'), (9, 'db');"
        "INSERT INTO incident_tenants(incident_id, tenant, status) VALUES (9, 'bank', 'confirmed');"
        "INSERT INTO incident_anchors VALUES (3, 9, 'aware', 1795392000000001, 'logs', 'ina', "
        "1795392000000002);"
        "INSERT INTO obligations(id, incident_id, tenant, rule_id, rules_version, duty, recipient, "
        "citation, stage, "
        "anchor, computed_at) VALUES (7, 9, 'bank', 'EU-DORA-19-INIT', 'v', 'tenant', 'r', 'c', "
        "'initial', "
        "'classified_major', 1795392000000000);"
        "INSERT INTO obligations(id, incident_id, tenant, rule_id, rules_version, duty, recipient, "
        "citation, stage, "
        "anchor, anchor_at, due_at, status, sent_at, computed_at) VALUES (8, 9, 'bank', "
        "'EU-GDPR-33', 'v', "
        "'tenant', 'r', 'c', 'initial', 'aware', 1795392000000001, 1795651200000001, 'sent', "
        "1795392000000009, "
        "1795392000000000);"
        "INSERT INTO notices(id, incident_id, version, kind, nature, user_impact, mitigation, "
        "tenants, composed_by, "
        "composed_at) VALUES (5, 9, 1, 'initial', 'n', 'u', 'm', '[\"bank\"]', 'cora', "
        "1795392000000000);"
        "INSERT INTO notices(id, incident_id, version, kind, nature, user_impact, mitigation, "
        "next_update_at, "
        "tenants, composed_by, composed_at, released_by, released_at) VALUES (6, 9, 2, 'update', "
        "'n', 'u', 'm', "
        "1795478400000000, '[\"bank\"]', 'cora', 1795392000000000, 'eve', 1795392000000010);"
        "INSERT INTO outbox(id, idem_key, channel, address, body, created_at) VALUES "
        "(2, 'k', 'email', 'sec@bank.example', 'b', 1795392000000010);"
        "INSERT INTO notice_deliveries VALUES (1, 6, 'bank', 'email', 'sec@bank.example', 2);"
        "INSERT INTO notice_acks VALUES (6, 'bank', 'tom', 1795392000000011);"
        "INSERT INTO schedule_overrides(id, schedule, user_name, starts_at, ends_at, created_by, "
        "created_at) "
        "VALUES (12, 's', 'rita', 1, 2, 'ina', 3);"
        "DELETE FROM schedule_overrides;";

#define MIGRATION_25_INDEXES                                                                       \
        "('sqlite_autoindex_counters_1', 'alerts_one_open', 'obligation_filings_obligation', "     \
        "'sqlite_autoindex_incident_residents_1', 'pages_waiting', 'incident_tasks_owner', "       \
        "'task_approvals_pending', 'notices_unreleased', 'incidents_duplicate_of', "               \
        "'tenants_name', "                                                                         \
        "'tenants_updated', 'incidents_updated', 'audit_log_actor', 'audit_log_action', "          \
        "'pages_user', "                                                                           \
        "'alerts_incident', 'advisories_incident', 'obligations_incident_due')"

/* Every table's rows, ids included, as one text. The indexes of migration
 * 025's tables (and of 027's obligation_filings, 028's work lists, 029's
 * incident_residents, 031's duplicates, 032's list orders, 033's
 * advisories by incident, 037's obligations by incident and due time)
 * are left out: they are not 024's to keep. */
#define EVERY_ROW                                                                                  \
        "SELECT (SELECT group_concat(id) FROM (SELECT id FROM incidents ORDER BY id)) || '|' || "  \
        "(SELECT group_concat(key) FROM (SELECT key FROM incidents ORDER BY id)) || "              \
        "'|' || (SELECT group_concat(incident_id || service) FROM incident_services) || '|' || "   \
        "(SELECT group_concat(incident_id || tenant) FROM incident_tenants) || '|' || "            \
        "(SELECT group_concat(id || ':' || incident_id || ':' || at) FROM incident_anchors) || "   \
        "'|' || "                                                                                  \
        "(SELECT group_concat(id || ':' || incident_id || ':' || status) FROM obligations) || "    \
        "'|' || "                                                                                  \
        "(SELECT group_concat(id || ':' || incident_id || ':' || version || severities) FROM "     \
        "notices) || '|' || "                                                                      \
        "(SELECT group_concat(id || ':' || notice_id || ':' || outbox_id) FROM "                   \
        "notice_deliveries) || '|' || "                                                            \
        "(SELECT group_concat(notice_id || tenant || acked_at) FROM notice_acks) || '|' || "       \
        "(SELECT group_concat(name || seq) FROM sqlite_sequence) || '|' || "                       \
        "(SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type IN ('index', " \
        "'trigger') "                                                                              \
        "AND name NOT IN " MIGRATION_25_INDEXES " ORDER BY name))"

/* Migration 024 on a version-23 database: every 0 that meant "not yet"
 * becomes NULL, every real time, row, id, index, trigger, reference and
 * sequence stays, and the triggers of migration 021 still work. */
static void migration_turns_zero_into_null(void **state)
{
        char dir[64], path[128], url[160], err[256];
        struct store *s;
        (void)state;
        make_schema_23(dir, path, url);
        tamper(path, v23_rows);
        assert_int_equal(file_int(path, "SELECT count(*) FROM incidents WHERE declared_at = 0"), 1);
        char *before = file_text(path, EVERY_ROW);

        if (store_open(url, &s, err, sizeof err) < 0)
                fail_msg("store_open: %s", err);
        int v;
        assert_int_equal(store_schema_version(s, &v), 0);
        assert_true(v >= 24);
        char *after = file_text(path, EVERY_ROW);
        assert_string_equal(after, before);
        free(after);
        assert_int_equal(file_int(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
        /* The unset ones are NULL, the real ones are what they were. */
        assert_int_equal(
                file_int(path, "SELECT count(*) FROM incidents WHERE id = 4 AND " UNSET_PHASES), 1);
        assert_int_equal(
                file_int(path,
                       "SELECT acknowledged_at + declared_at + contained_at + eradicated_at + "
                       "recovered_at + closed_at + vigilance_until - 7 * 1795392000000000 "
                       "FROM incidents WHERE id = 9"),
                2 + 3 + 4 + 5 + 6 + 7 + 8);
        assert_int_equal(
                file_int(path,
                       "SELECT count(*) FROM obligations WHERE id = 7 AND anchor_at IS NULL AND "
                       "due_at IS NULL AND sent_at IS NULL"),
                1);
        assert_int_equal(
                file_int(path, "SELECT anchor_at + due_at + sent_at FROM obligations WHERE id = 8"),
                INT64_C(1795392000000001) + INT64_C(1795651200000001) + INT64_C(1795392000000009));
        assert_int_equal(
                file_int(path,
                       "SELECT count(*) FROM notices WHERE id = 5 AND released_at IS NULL AND "
                       "next_update_at IS NULL"),
                1);
        assert_int_equal(
                file_int(path, "SELECT released_at + next_update_at FROM notices WHERE id = 6"),
                INT64_C(1795392000000010) + INT64_C(1795478400000000));
        /* Nullable, with no default to fall back on. */
        assert_int_equal(
                file_int(path,
                       "SELECT (SELECT count(*) FROM pragma_table_info('incidents') WHERE name "
                       "LIKE '%_at' "
                       "AND name NOT IN ('detected_at', 'reported_at', 'created_at', 'updated_at') "
                       "AND \"notnull\" = 0 AND dflt_value IS NULL) + "
                       "(SELECT count(*) FROM pragma_table_info('obligations') WHERE name IN "
                       "('anchor_at', 'due_at', 'sent_at') AND \"notnull\" = 0 AND dflt_value IS "
                       "NULL) + "
                       "(SELECT count(*) FROM pragma_table_info('notices') WHERE name IN "
                       "('released_at', 'next_update_at') AND \"notnull\" = 0 AND dflt_value IS "
                       "NULL)"),
                6 + 3 + 2);

        /* Read through the store: unset is unset. */
        struct store_tx *tx;
        struct incident inc;
        assert_int_equal(store_begin(s, &tx), 0);
        assert_int_equal(store_incident_get(tx, "INC-2026-0001", &inc), 0);
        assert_true(inc.declared_at == VG_TIME_UNSET && inc.closed_at == VG_TIME_UNSET);
        incident_fini(&inc);
        assert_int_equal(store_incident_get(tx, "INC-2026-0002", &inc), 0);
        assert_true(inc.declared_at == T2026 + 3 && inc.vigilance_until == T2026 + 8);
        /* 021's triggers: a new severity is added to the notice not yet
         * released, not to the released one; a new notice starts from the
         * incident's severity. */
        inc.severity = SEV3;
        assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
        struct notice n = new_notice(inc.id, "update", "[]");
        assert_int_equal(store_notice_insert(tx, &n), 0);
        assert_int_equal(store_commit(tx), 0);
        incident_fini(&inc);
        char *sev = file_text(path, "SELECT group_concat(id || severities, ' ') FROM (SELECT * FROM "
                                  "notices ORDER BY id)");
        assert_string_equal(sev, "5,sev1,sev3, 6,sev1, 7,sev3,");
        free(sev);
        /* A store opened again migrates nothing more. */
        store_close(s);
        assert_int_equal(store_open(url, &s, err, sizeof err), 0);
        store_close(s);
        free(before);

        rm_dir(dir);
}

/* A version-23 database with a row whose parent is gone (written with
 * foreign keys off) is not migrated past it: the migration names the row
 * and leaves the database as it was. */
static void migration_refuses_a_broken_reference(void **state)
{
        char dir[64], path[128], url[160], err[256] = "";
        struct store *s = NULL;
        (void)state;
        make_schema_23(dir, path, url);
        tamper(path, "INSERT INTO obligations(id, incident_id, rule_id, rules_version, duty, "
                     "recipient, citation, "
                     "stage, anchor, computed_at) VALUES (3, 99, 'R', 'v', 'tenant', 'r', 'c', "
                     "'s', 'a', 1)");
        assert_true(store_open(url, &s, err, sizeof err) < 0);
        assert_null(s);
        assert_non_null(strstr(err, "obligations row 3 references a missing incidents row"));
        assert_int_equal(file_int(path, "SELECT max(version) FROM schema_migrations"), 23);
        assert_int_equal(file_int(path, "SELECT count(*) FROM obligations WHERE due_at = 0"), 1);
        rm_dir(dir);
}

/* A commit that leaves the WAL past 1,000 pages is checkpointed by the
 * store's checkpointer (not the committing thread): its pages reach the
 * database file without another write. */
static void checkpoints_follow_a_long_commit(void **state)
{
        struct fixture *f = *state;
        sqlite_only(f);
        struct stat before, now;
        assert_int_equal(stat(f->path, &before), 0);
        struct store_tx *tx;
        char body[2200], id[32];
        memset(body, 0, sizeof body);
        snprintf(body, sizeof body, "{\"name\":\"");
        memset(body + strlen(body), 'x', 2000);
        strcat(body, "\"}");
        assert_int_equal(store_begin(f->s, &tx), 0);
        for (int i = 0; i < 3000; i++) {
                int changed;
                snprintf(id, sizeof id, "t%05d", i);
                assert_int_equal(store_tenant_put(tx, id, id, body, 1000, &changed), 0);
        }
        assert_int_equal(store_commit(tx), 0);
        /* About 6 MB: copied into the file within seconds. */
        bool copied = false;
        for (int i = 0; i < 100 && !copied; i++) {
                assert_int_equal(stat(f->path, &now), 0);
                copied = now.st_size >= before.st_size + 4 * 1024 * 1024;
                if (!copied)
                        usleep(100 * 1000);
        }
        assert_true(copied);
}

/* Back to version 24: what migrations 025 and 026 add, taken away again,
 * so that reopening runs them on a database that has rows in every
 * numbered table. */
static void back_to_24(struct fixture *f)
{
        store_close(f->s);
        f->s = NULL;
        tamper(f->path, "DROP TABLE audit_head; DROP TABLE counters; "
                        "DROP INDEX alerts_one_open; ALTER TABLE alerts DROP COLUMN latest; "
                        "DROP TABLE obligation_filings; " /* 027's */
                        "DROP INDEX pages_waiting; DROP INDEX incident_tasks_owner; "
                        "DROP INDEX task_approvals_pending; DROP INDEX notices_unreleased; " /* 028's
                                                                                              */
                        "DROP TABLE incident_residents; " /* 029's */
                        "DROP INDEX tenants_name; DROP INDEX tenants_updated; DROP INDEX "
                        "incidents_updated; "
                        "DROP INDEX audit_log_actor; DROP INDEX audit_log_action; DROP INDEX "
                        "pages_user; "
                        "DROP TABLE sign_in_failures; " /* 034's */
                        "DROP INDEX obligations_incident_due; ALTER TABLE obligations DROP COLUMN "
                        "digest; "                   /* 037's */
                        "DROP TABLE incident_text; " /* 036's */
                        "DROP TABLE tenant_text; "   /* 035's */
                        "DROP INDEX advisories_incident; "
                        "ALTER TABLE advisories DROP COLUMN incident_id; " /* 033's */
                        "DROP INDEX alerts_incident; "                     /* 032's */
                        "DROP INDEX incidents_duplicate_of; "
                        "ALTER TABLE incidents DROP COLUMN duplicate_of; " /* 031's */
                        "ALTER TABLE obligations DROP COLUMN cannot_compute_reason; "
                        "ALTER TABLE obligations DROP COLUMN deadline_kind; " /* 030's */
                        "ALTER TABLE obligations DROP COLUMN target_at; "
                        "DELETE FROM schema_migrations WHERE version >= 25");
}

static void reopen(struct fixture *f)
{
        char err[256];
        if (store_open(f->url, &f->s, err, sizeof err) < 0)
                fail_msg("store_open: %s", err);
}

static int keep_obligation(const struct obligation *o, void *userdata)
{
        struct obligation *v = userdata;
        v[o->id - 1] = *o;
        v[o->id - 1].recipient = v[o->id - 1].citation = NULL;
        return 0;
}

/* Migration 030 on obligations computed before it: the one due when its
 * clock started is a duty "without undue delay" (asap), its target left
 * to the next recomputation (so that it is new there, and reminds); a
 * counted deadline and a clock not started stay fixed, with no target.
 * New rows keep what they are given. */
static void migration_030_finds_the_asap_rows(void **state)
{
        struct fixture *f = *state;
        sqlite_only(f);
        struct store_tx *tx;
        const vg_usec_t H = INT64_C(3600) * VG_USEC_PER_SEC;
        add_incident(f->s, "asap", T2026, NULL);
        int64_t inc = db_int(f, "SELECT max(id) FROM incidents");
        static const char *const rules[] = { "ASAP", "FIXED", "LATER" };
        const vg_usec_t due[] = { T2026, T2026 + 72 * H, VG_TIME_UNSET };
        assert_int_equal(store_begin(f->s, &tx), 0);
        for (int i = 0; i < 3; i++) {
                struct obligation o = { .incident_id = inc, .recipient = "r", .citation = "c",
                                        .anchor_at = due[i] ? T2026 : VG_TIME_UNSET, .due_at = due[i],
                                        .computed_at = T2026 };
                snprintf(o.rule_id, sizeof o.rule_id, "%s", rules[i]);
                snprintf(o.duty, sizeof o.duty, "provider");
                snprintf(o.stage, sizeof o.stage, "single");
                snprintf(o.anchor, sizeof o.anchor, "aware");
                assert_int_equal(store_obligation_put(tx, &o), 0);
                assert_int_equal(o.id, i + 1);
        }
        assert_int_equal(store_commit(tx), 0);
        /* Back to before 030, as a database of 029 is. */
        store_close(f->s);
        f->s = NULL;
        tamper(f->path, "ALTER TABLE obligations DROP COLUMN deadline_kind; "
                        "ALTER TABLE obligations DROP COLUMN target_at; "
                        "DROP TABLE sign_in_failures; " /* 034's */
                        "DROP INDEX obligations_incident_due; ALTER TABLE obligations DROP COLUMN "
                        "digest; "                            /* 037's */
                        "DROP TABLE incident_text; "          /* 036's */
                        "DROP TABLE tenant_text; "            /* 035's */
                        "DROP INDEX incidents_duplicate_of; " /* 031's, which runs again */
                        "ALTER TABLE incidents DROP COLUMN duplicate_of; "
                        "DROP INDEX tenants_name; DROP INDEX tenants_updated; DROP INDEX "
                        "incidents_updated; "
                        "DROP INDEX audit_log_actor; DROP INDEX audit_log_action; DROP INDEX "
                        "pages_user; "
                        "DROP INDEX alerts_incident; " /* 032's */
                        "DROP INDEX advisories_incident; "
                        "ALTER TABLE advisories DROP COLUMN incident_id; " /* 033's */
                        "DELETE FROM schema_migrations WHERE version >= 30");
        reopen(f);
        struct obligation got[3];
        memset(got, 0, sizeof got);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_obligation_list(tx, inc, keep_obligation, got), 0);
        store_rollback(tx);
        assert_string_equal(got[0].deadline_kind, "asap");
        assert_int_equal(got[0].target_at, VG_TIME_UNSET);
        assert_string_equal(got[1].deadline_kind, "fixed");
        assert_int_equal(got[1].target_at, VG_TIME_UNSET);
        assert_string_equal(got[2].deadline_kind, "fixed");
        assert_int_equal(got[2].target_at, VG_TIME_UNSET);

        /* A row put with its kind and target keeps them; a target of 0 is refused. */
        struct obligation o = got[0];
        o.recipient = o.citation = "";
        snprintf(o.deadline_kind, sizeof o.deadline_kind, "asap");
        o.target_at = T2026 + 4 * H;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_obligation_put(tx, &o), 0);
        assert_true(o.due_changed); /* the target moved: its clocks are new */
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(db_int(f, "SELECT target_at FROM obligations WHERE rule_id = 'ASAP'"), T2026 + 4 * H);
        assert_int_not_equal(db_int(f, "SELECT count(*) FROM pragma_table_info('obligations') "
                                             "WHERE name = 'deadline_kind'"),
                             0);
        char *msg = NULL;
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
        assert_int_not_equal(sqlite3_exec(db, "UPDATE obligations SET target_at = 0 WHERE rule_id = 'ASAP'", NULL, NULL,
                                          &msg),
                             SQLITE_OK);
        sqlite3_free(msg);
        assert_int_not_equal(sqlite3_exec(db, "UPDATE obligations SET deadline_kind = 'soon' WHERE rule_id = 'ASAP'",
                                          NULL, NULL, &msg),
                             SQLITE_OK);
        sqlite3_free(msg);
        sqlite3_close(db);
}

static int64_t add_notice(struct store_tx *tx, int64_t incident_id)
{
        struct notice n = new_notice(incident_id, "update", "[]");
        assert_int_equal(store_notice_insert(tx, &n), 0);
        return n.version;
}

static int64_t add_plan(struct store_tx *tx)
{
        struct plan_version p = {.body = "# plan", .created_by = "cora", .created_at = T2026};
        assert_int_equal(store_plan_add(tx, &p), 0);
        return p.version;
}

/* Migration 025 on a database with audit records, notices and plan
 * versions: the chain, notice versions and plan versions continue where
 * they were; numbers come from the counters, so two in one transaction
 * differ and a number once given is not given again. */
static void migration_keeps_numbering(void **state)
{
        struct fixture *f = *state;
        sqlite_only(f);
        struct store_tx *tx;
        struct audit_verify v;
        add_user(f->s, "before1");
        add_user(f->s, "before2");
        add_incident(f->s, "numbered", T2026, NULL);
        int64_t inc = db_int(f, "SELECT max(id) FROM incidents");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(add_notice(tx, inc), 1);
        assert_int_equal(add_notice(tx, inc), 2);
        assert_int_equal(add_plan(tx), 1);
        assert_int_equal(add_plan(tx), 2);
        assert_int_equal(store_commit(tx), 0);
        int64_t records = db_int(f, "SELECT max(seq) FROM audit_log");
        struct alert_row a = {.labels = "{}", .annotations = "{}", .ends_at = 50, .updated_at = 10};
        snprintf(a.fingerprint, sizeof a.fingerprint, "00000000000000cc");
        snprintf(a.source, sizeof a.source, "json");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_alert_insert(tx, &a), 0);
        a.updated_at = 60;
        assert_int_equal(store_alert_insert(tx, &a), 0);
        assert_int_equal(store_commit(tx), 0);

        back_to_24(f);
        reopen(f);
        /* Only the newest episode of a fingerprint is its latest. */
        char *latest = db_text(f, "SELECT group_concat(latest) FROM (SELECT latest FROM "
                                        "alerts WHERE fingerprint = '00000000000000cc' ORDER BY id)");
        assert_string_equal(latest, "0,1");
        free(latest);
        assert_int_equal(db_int(f, "SELECT seq FROM audit_head"), records);
        assert_int_equal(store_audit_verify(f->s, &v), 0);
        assert_true(v.ok);
        assert_int_equal(v.records, records);

        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(add_notice(tx, inc), 3);
        assert_int_equal(add_notice(tx, inc), 4);
        assert_int_equal(add_plan(tx), 3);
        assert_int_equal(add_plan(tx), 4);
        assert_int_equal(store_commit(tx), 0);
        add_user(f->s, "after");
        assert_int_equal(store_audit_verify(f->s, &v), 0);
        assert_true(v.ok);
        assert_int_equal(v.records, records + 1);

        /* The newest notice gone (with the file): its number stays taken. */
        tamper(f->path, "DELETE FROM notices WHERE version = 4");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(add_notice(tx, inc), 5);
        store_rollback(tx);
}

static int collect_link(const struct alert_link *l, void *userdata)
{
        assert_true(l->vigilance);
        json_array_append_new(userdata, json_string(l->alert));
        return 0;
}

static void *incident_writer(void *arg)
{
        for (int i = 0; i < 25; i++)
                add_incident(arg, "concurrent", T2026, NULL);
        return NULL;
}

/* An incident's affected residents: set replaces the whole map, list
 * walks it by code, {} clears it; the database refuses a negative count. */
static int resident_text(const struct resident_count *c, void *userdata)
{
        char *out = userdata;
        size_t n = strlen(out);
        snprintf(out + n, 256 - n, "%s%s=%lld", n ? " " : "", c->jur, (long long)c->n);
        return 0;
}

static void incident_residents_set_and_list(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        char key[32], got[256] = "";
        add_incident(f->s, "residents", T2026, key);
        int64_t id = db_int(f, "SELECT max(id) FROM incidents");
        struct resident_count c[3] = { { "US-TX", 250 }, { "DE", 0 }, { "US-CA", INT64_C(10000000000) } };
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_residents_set(tx, id, c, 3), 0);
        assert_int_equal(store_incident_residents_list(tx, id, resident_text, got), 0);
        assert_string_equal(got, "DE=0 US-CA=10000000000 US-TX=250");
        got[0] = '\0';
        assert_int_equal(store_incident_residents_set(tx, id, c, 1), 0);
        assert_int_equal(store_incident_residents_list(tx, id, resident_text, got), 0);
        assert_string_equal(got, "US-TX=250");
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_residents_set(tx, id, NULL, 0), 0);
        got[0] = '\0';
        assert_int_equal(store_incident_residents_list(tx, id, resident_text, got), 0);
        assert_string_equal(got, "");
        struct resident_count negative = { "FR", -1 };
        assert_true(store_incident_residents_set(tx, id, &negative, 1) < 0);
        store_rollback(tx);
        assert_int_equal(db_int(f, "SELECT count(*) FROM incident_residents"), 1);
}

static void incident_keys_concurrent_gap_free(void **state)
{
        struct fixture *f = *state;
        pthread_t th[4];
        struct store_tx *tx;
        struct incident_filter any = { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, NULL };
        for (int i = 0; i < 4; i++)
                assert_int_equal(pthread_create(&th[i], NULL, incident_writer, f->s), 0);
        for (int i = 0; i < 4; i++)
                pthread_join(th[i], NULL);
        json_t *got = json_array();
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_list(tx, &any, 0, 0, collect_key, got), 0);
        store_rollback(tx);
        assert_int_equal(json_array_size(got), 100);
        for (size_t i = 0; i < 100; i++) {
                char want[32];
                snprintf(want, sizeof want, "INC-2026-%04zu", 100 - i);
                assert_string_equal(json_string_value(json_array_get(got, i)), want);
        }
        json_decref(got);
}

static void vigilance_links_alerts_under_watch(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct incident inc;
        char watched[32], closed_key[32];
        add_incident(f->s, "recovered", T2026, watched);
        add_incident(f->s, "never watched", T2026, closed_key);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, watched, &inc), 0);
        inc.vigilance_until = T2026 + 1000;
        assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
        const char *svc[] = { "billing" };
        assert_int_equal(store_incident_services_set(tx, inc.id, svc, 1), 0);
        struct scope_tenant tenants[] = { { .tenant = "acme", .status = TENANT_CONFIRMED },
                                          { .tenant = "globex", .status = TENANT_RULED_OUT } };
        assert_int_equal(store_incident_tenants_set(tx, inc.id, tenants, 2), 0);
        struct field_errors fe;
        struct indicator ind;
        fielderr_init(&fe);
        assert_int_equal(indicator_parse(IND_CIDR, "10.9.0.0/16", &ind, &fe, "i"), 0);
        assert_int_equal(store_incident_indicators_set(tx, inc.id, &ind, 1), 0);
        int64_t watched_id = inc.id;
        incident_fini(&inc);
        assert_int_equal(store_commit(tx), 0);

        struct vigilance_hit hit;
        struct indicator seen;
        fielderr_init(&fe);
        assert_int_equal(indicator_parse(IND_IP, "10.9.44.1", &seen, &fe, "i"), 0);
        struct alert_signals by_ip = { .at = T2026 + 10, .service = "search", .indicators = &seen, .n_indicators = 1 };
        struct alert_signals by_ruled_out = { .at = T2026 + 10, .tenant = "globex" };
        struct alert_signals too_late = { .at = T2026 + 1000, .service = "billing" };
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(vigilance_link_alert(tx, &tester, "fp:1", &by_ip, &hit), 1);
        assert_string_equal(hit.key, watched);
        assert_int_equal(hit.incident_id, watched_id);
        assert_string_equal(hit.why, "indicator ip 10.9.44.1 in cidr 10.9.0.0/16");
        assert_int_equal(vigilance_link_alert(tx, &tester, "fp:1", &by_ip, &hit), 1); /* no duplicate */
        assert_int_equal(vigilance_link_alert(tx, &tester, "fp:2", &by_ruled_out, &hit), 0);
        assert_int_equal(vigilance_link_alert(tx, &tester, "fp:3", &too_late, &hit), 0);
        assert_int_equal(store_commit(tx), 0);

        json_t *links = json_array();
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_alert_link_list(tx, watched_id, collect_link, links), 0);
        store_rollback(tx);
        assert_int_equal(json_array_size(links), 1);
        assert_string_equal(json_string_value(json_array_get(links, 0)), "fp:1");
        json_decref(links);
        struct audit_verify v;
        assert_int_equal(store_audit_verify(f->s, &v), 0);
        assert_true(v.ok);
        assert_int_equal(v.records, 1); /* one link, one record */
}

static int collect_alert(const struct alert_row *a, void *userdata)
{
        json_array_append_new(userdata, json_pack("{s:I, s:s, s:I, s:s}", "id", (json_int_t)a->id, "fp",
                                                  a->fingerprint, "received", (json_int_t)a->received,
                                                  "labels", a->labels));
        return 0;
}

static void alert_episodes(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        int64_t id;
        vg_usec_t ends;
        struct alert_row a = { .labels = "{\"alertname\":\"X\"}", .annotations = "{}", .starts_at = 100,
                               .ends_at = 500, .updated_at = 100 };
        snprintf(a.fingerprint, sizeof a.fingerprint, "00000000000000aa");
        snprintf(a.source, sizeof a.source, "alertmanager");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_alert_last(tx, a.fingerprint, &id, &ends), -VG_ENOTFOUND);
        assert_int_equal(store_alert_insert(tx, &a), 0);
        int64_t first = a.id;
        assert_int_equal(store_alert_last(tx, a.fingerprint, &id, &ends), 0);
        assert_int_equal(id, first);
        assert_int_equal(ends, 500);
        /* Sent again: counted, its end moved, its annotations replaced. */
        assert_int_equal(store_alert_seen(tx, first, 1, 800, 200), 0);
        assert_int_equal(store_alert_content(tx, first, "{\"summary\":\"s2\"}", "s2"), 0);
        assert_int_equal(store_alert_seen(tx, 424242, 1, 800, 200), -VG_ENOTFOUND);
        /* A new episode of the same fingerprint is the newest. */
        a.ends_at = 0;
        a.updated_at = 900;
        assert_int_equal(store_alert_insert(tx, &a), 0);
        assert_true(a.id != first);
        assert_int_equal(store_alert_last(tx, a.fingerprint, &id, &ends), 0);
        assert_int_equal(id, a.id);
        assert_int_equal(ends, 0);
        assert_int_equal(store_commit(tx), 0);

        json_t *got = json_array();
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_alert_list(tx, &(struct alert_filter){ .now = 900 }, 0, collect_alert, got), 0);
        assert_int_equal(json_array_size(got), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(got, 1), "received")), 2);
        json_array_clear(got);
        assert_int_equal(store_alert_list(tx, &(struct alert_filter){ .firing = ALERT_FIRING_YES, .now = 900 }, 0, collect_alert, got), 0);
        assert_int_equal(json_array_size(got), 1); /* the first ended at 800 */
        store_rollback(tx);
        json_decref(got);
}

/* A second open episode of a fingerprint is refused by alerts_one_open,
 * whether the first is open for good (ends_at 0) or until later, and the
 * transaction goes on; once the first has ended a new one is written. */
static void alert_second_open_episode_is_refused(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        int64_t id;
        vg_usec_t ends;
        struct alert_row a = {.labels = "{\"alertname\":\"Y\"}", .annotations = "{}",
                              .starts_at = 100, .ends_at = 0, .updated_at = 100};
        snprintf(a.fingerprint, sizeof a.fingerprint, "00000000000000bb");
        snprintf(a.source, sizeof a.source, "alertmanager");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_alert_insert(tx, &a), 0);
        int64_t first = a.id;
        a.updated_at = 200;
        assert_int_equal(store_alert_insert(tx, &a), -VG_ECONFLICT);
        /* Open until 500, and it is 300. */
        assert_int_equal(store_alert_seen(tx, first, 1, 500, 250), 0);
        a.updated_at = 300;
        assert_int_equal(store_alert_insert(tx, &a), -VG_ECONFLICT);
        assert_int_equal(store_alert_last(tx, a.fingerprint, &id, &ends), 0);
        assert_int_equal(id, first);
        /* Ended at 500: at 600 a new episode is the latest. */
        a.updated_at = 600;
        assert_int_equal(store_alert_insert(tx, &a), 0);
        assert_true(a.id != first);
        assert_int_equal(store_alert_last(tx, a.fingerprint, &id, &ends), 0);
        assert_int_equal(id, a.id);
        assert_int_equal(store_commit(tx), 0);
        /* The rows beneath. */
        assert_int_equal(db_int(f, "SELECT count(*) FROM alerts WHERE "
                                         "fingerprint = '00000000000000bb'"),
                         2);
        assert_int_equal(db_int(f, "SELECT count(*) FROM alert_seen"), 2);
        assert_int_equal(db_int(f, "SELECT id FROM alerts WHERE "
                                         "fingerprint = '00000000000000bb' AND latest = 1"),
                         a.id);
}

static int collect_group(const struct alert_group *g, void *userdata)
{
        json_array_append_new(userdata, json_pack("{s:s, s:I}", "key", g->key, "opens_at", (json_int_t)g->opens_at));
        return 0;
}

static void alert_groups_wait_and_open(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct alert_group g = { .key = "r{alertname=\"A\"}", .opens_at = 5000, .last_alert_at = 1000 };
        struct alert_group h = { .key = "r{alertname=\"B\"}", .opens_at = 3000, .last_alert_at = 1000 };
        struct alert_group got;
        vg_usec_t next;
        snprintf(g.service, sizeof g.service, "web");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_alert_group_get(tx, g.key, &got), -VG_ENOTFOUND);
        assert_int_equal(store_alert_group_put(tx, &g), 0);
        assert_int_equal(store_alert_group_put(tx, &h), 0);
        assert_int_equal(store_alert_group_next(tx, &next), 0);
        assert_int_equal(next, 3000);
        json_t *due = json_array();
        assert_int_equal(store_alert_group_due(tx, 4000, collect_group, due), 0);
        assert_int_equal(json_array_size(due), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(due, 0), "key")), h.key);
        /* Opened: no longer waiting, and bound to its incident. */
        struct incident inc = { .severity = SEV2, .source = SOURCE_MONITORING, .phase = PHASE_ANALYSIS,
                                .classification = CLASS_SUSPECTED, .created_at = 1, .updated_at = 1,
                                .detected_at = 1, .reported_at = 1 };
        snprintf(inc.title, sizeof inc.title, "grouped");
        snprintf(inc.reporter, sizeof inc.reporter, "system");
        inc.description = strdup("");
        assert_int_equal(store_incident_insert(tx, &inc), 0);
        g.opens_at = 0;
        g.incident_id = inc.id;
        assert_int_equal(store_alert_group_put(tx, &g), 0);
        assert_int_equal(store_alert_group_get(tx, g.key, &got), 0);
        assert_int_equal(got.incident_id, inc.id);
        assert_string_equal(got.incident_key, inc.key);
        assert_true(got.incident_open);
        assert_string_equal(got.service, "web");
        assert_int_equal(store_alert_group_next(tx, &next), 0);
        assert_int_equal(next, 3000);
        incident_fini(&inc);
        assert_int_equal(store_commit(tx), 0);
        json_decref(due);
}

static int copy_silence(const struct silence_row *s, void *userdata)
{
        json_array_append_new(userdata, json_pack("{s:s, s:s, s:I}", "id", s->id, "matchers", s->matchers,
                                                  "ends", (json_int_t)s->ends_at));
        return 0;
}

static void silences_put_get_list(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct silence_row s = { .matchers = "[{\"name\":\"a\",\"value\":\"b\",\"isRegex\":false}]",
                                 .starts_at = 1, .ends_at = 100, .updated_at = 1, .comment = "maintenance" };
        snprintf(s.id, sizeof s.id, "3f1a2b3c-0000-4000-8000-000000000001");
        snprintf(s.created_by, sizeof s.created_by, "alice");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_silence_put(tx, &s), 0);
        s.ends_at = 50; /* expire early: replace */
        assert_int_equal(store_silence_put(tx, &s), 0);
        assert_int_equal(store_commit(tx), 0);
        json_t *got = json_array();
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_silence_list(tx, copy_silence, got), 0);
        assert_int_equal(json_array_size(got), 1);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(got, 0), "ends")), 50);
        assert_int_equal(store_silence_get(tx, s.id, copy_silence, got), 0);
        assert_int_equal(store_silence_get(tx, "nope", copy_silence, got), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_int_equal(json_array_size(got), 2);
        json_decref(got);
}

/* A row callback may query the store (db.h's row contract): the outer
 * walk keeps its own statement. The cache used to hand the outer loop's
 * statement to the same query nested inside it (the walk then started
 * over with the inner bindings) and, once 64 other statements had been
 * prepared inside the callback, finalize it under the outer loop. */
#define NOOP_CB(T)                                                   \
        static int noop_##T(const struct T *x, void *userdata)       \
        {                                                            \
                (void)x;                                             \
                (void)userdata;                                      \
                return 0;                                            \
        }
NOOP_CB(api_token)
NOOP_CB(incident)
NOOP_CB(scope_tenant)
NOOP_CB(indicator)
NOOP_CB(task)
NOOP_CB(recovery_check)
NOOP_CB(recovery_asset)
NOOP_CB(anchor_setting)
NOOP_CB(alert_link)
NOOP_CB(alert_row)
NOOP_CB(alert_group)
NOOP_CB(org_object)
NOOP_CB(schedule_override)
NOOP_CB(escalation)
NOOP_CB(oncall_page)
NOOP_CB(outbox_msg)
NOOP_CB(calendar_feed)
NOOP_CB(tenant_row)
NOOP_CB(obligation)
NOOP_CB(notice)
NOOP_CB(notice_delivery)
NOOP_CB(advisory)
NOOP_CB(postmortem)
NOOP_CB(improvement)
NOOP_CB(training_record)
NOOP_CB(plan_version)
NOOP_CB(silence_row)
NOOP_CB(integration_key)
NOOP_CB(audit_record)

static int noop_text(const char *x, void *userdata)
{
        (void)x;
        (void)userdata;
        return 0;
}

static int noop_tenant_notice(const struct notice *n, vg_usec_t acked, void *userdata)
{
        (void)n;
        (void)acked;
        (void)userdata;
        return 0;
}

/* The ids a tenant listing hands out, in order. */
struct id_list {
        char ids[3000][32];
        size_t n;
};

static int keep_tenant_id(const struct tenant_row *t, void *userdata)
{
        struct id_list *l = userdata;
        if (l->n < sizeof l->ids / sizeof l->ids[0])
                snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", t->id);
        return 0;
}

/* What the search means, written out: text in the id or the name, ASCII
 * letters in either case, every other byte as it is. */
static bool tenant_matches(const char *id, const char *name, const char *text)
{
        char hay[2][160], needle[160];
        const char *from[] = { id, name, text };
        char *to[] = { hay[0], hay[1], needle };
        for (int k = 0; k < 3; k++) {
                size_t i = 0;
                for (; from[k][i] && i < 159; i++)
                        to[k][i] = from[k][i] >= 'A' && from[k][i] <= 'Z' ? (char)(from[k][i] - 'A' + 'a') : from[k][i];
                to[k][i] = '\0';
        }
        return strstr(hay[0], needle) || strstr(hay[1], needle);
}

#define SEARCH_BULK 2500

/* The tenant search, whichever way it goes (a walk in the page's order,
 * or the trigram text index for a text few tenants match), finds what
 * the rule above finds, in id order, page after page; and the index
 * follows renames, new bodies and deletes. The texts hold the characters an FTS5
 * phrase or a LIKE pattern would read as syntax. */
static void tenant_search_finds_what_the_rule_finds(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        static char ids[SEARCH_BULK + 8][32], names[SEARCH_BULK + 8][64];
        size_t n = 0;
        int changed;
        for (; n < SEARCH_BULK; n++) {
                snprintf(ids[n], sizeof ids[n], "t-%04zu", n);
                snprintf(names[n], sizeof names[n], "Bulk Customer %zu", n);
        }
        static const char *const odd[][2] = {
                { "t-q1", "Say \"quoted\" co" }, { "t-q2", "100% sure" }, { "t-q3", "under_score AB" },
                { "t-q4", "Zo\xc3\xab Caf\xc3\xa9" }, { "t-q5", "back\\slash" }, { "t-q6", "NEAR(a b) AND c*" },
        };
        for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++, n++) {
                snprintf(ids[n], sizeof ids[n], "%s", odd[i][0]);
                snprintf(names[n], sizeof names[n], "%s", odd[i][1]);
        }
        assert_int_equal(store_begin(f->s, &tx), 0);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(store_tenant_put(tx, ids[i], names[i], "{}", T2026, &changed), 0);
        /* A rename and a delete: the text index follows both. */
        snprintf(names[7], sizeof names[7], "Renamed Zebra");
        assert_int_equal(store_tenant_put(tx, ids[7], names[7], "{}", T2026 + 1, &changed), 0);
        assert_int_equal(changed, 2);
        assert_int_equal(store_tenant_delete(tx, ids[8]), 0);
        ids[8][0] = '\0';
        /* A new body under the same name keeps the text. */
        assert_int_equal(store_tenant_put(tx, ids[9], names[9], "{\"x\":1}", T2026 + 1, &changed), 0);
        assert_int_equal(changed, 2);
        assert_int_equal(store_commit(tx), 0);
        /* SQLite's index holds the table's text and nothing else (FTS5's
         * check against its content table: rank 1); a stale term would
         * only cost the search a candidate, which LIKE then drops. */
        char *broken = f->path[0] ? raw_edit(f, "INSERT INTO tenant_text(tenant_text, rank) VALUES ('integrity-check', 1)")
                                  : NULL;
        if (broken)
                fail_msg("tenant_text: %s", broken);

        static const char *const texts[] = {
                "bulk",          /* all of them: the walk finds a page at once */
                "customer 24",   /* 111, all past the walk's first rows */
                "CUSTOMER 2499", /* one, the last */
                "t-00",          /* 100 at the start */
                "\"quoted\"", "o\" c", "0% s", "r_s", "ck\\sl", "zo\xc3\xab caf", "near(a", "c*", "and",
                "zebra", "customer 7", "customer 8 ", "customer 8", "customer 9", "no such tenant", "ul",
        };
        static struct id_list want, got, page2;
        for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
                want.n = 0;
                for (size_t i = 0; i < n; i++) /* ids[] is in id order: t-0000 .. t-2499, t-q1 .. */
                        if (ids[i][0] && tenant_matches(ids[i], names[i], texts[k]))
                                memcpy(want.ids[want.n++], ids[i], sizeof ids[i]);
                for (unsigned limit = 0; limit <= 10; limit += 10) {
                        got.n = 0;
                        assert_int_equal(store_begin_read(f->s, &tx), 0);
                        assert_int_equal(store_tenant_list(tx, &(struct tenant_filter){ .text = texts[k] }, limit,
                                                           keep_tenant_id, &got),
                                         0);
                        size_t expect = limit && want.n > limit ? limit : want.n;
                        if (got.n != expect)
                                fail_msg("\"%s\" limit %u: %zu tenants, want %zu", texts[k], limit, got.n, expect);
                        for (size_t i = 0; i < expect; i++)
                                if (strcmp(got.ids[i], want.ids[i]) != 0)
                                        fail_msg("\"%s\" limit %u: #%zu is %s, want %s", texts[k], limit, i, got.ids[i],
                                                 want.ids[i]);
                        /* The page after the first ten. */
                        if (limit && got.n == limit) {
                                page2.n = 0;
                                struct tenant_filter after = { .text = texts[k], .after_rid = 1, .after_text = got.ids[9] };
                                assert_int_equal(store_tenant_list(tx, &after, limit, keep_tenant_id, &page2), 0);
                                size_t rest = want.n - limit > limit ? limit : want.n - limit;
                                assert_int_equal(page2.n, rest);
                                for (size_t i = 0; i < rest; i++)
                                        assert_string_equal(page2.ids[i], want.ids[limit + i]);
                        }
                        store_rollback(tx);
                }
        }
}

#define ISEARCH_BULK 2500

struct id64_list {
        int64_t v[3000];
        size_t n;
};

static int keep_incident_id(const struct incident *inc, void *userdata)
{
        struct id64_list *l = userdata;
        if (l->n < sizeof l->v / sizeof l->v[0])
                l->v[l->n++] = inc->id;
        return 0;
}

/* The incident search, whichever way it goes (a walk of the leading
 * index, or the trigram text index for a text few incidents match),
 * finds what tenant_matches' rule finds in the title or the
 * description, in each order, with a phase filter, page after page; and
 * the index follows new titles and descriptions, and writes that change
 * neither. */
static void incident_search_finds_what_the_rule_finds(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        static int64_t ids[ISEARCH_BULK + 8];
        static char titles[ISEARCH_BULK + 8][64], descs[ISEARCH_BULK + 8][64];
        static bool contained[ISEARCH_BULK + 8];
        static const char *const odd[][2] = {
                { "Say \"quoted\" co", "100% sure" }, { "under_score AB", "back\\slash" },
                { "Zo\xc3\xab Caf\xc3\xa9", "NEAR(a b) AND c*" }, { "quiet", "Exfiltration of card data" },
        };
        size_t n = 0;
        assert_int_equal(store_begin(f->s, &tx), 0);
        for (; n < ISEARCH_BULK + sizeof odd / sizeof odd[0]; n++) {
                if (n < ISEARCH_BULK) {
                        snprintf(titles[n], sizeof titles[n], "Bulk incident %zu", n);
                        snprintf(descs[n], sizeof descs[n], "%s", n % 3 ? "seeded" : "seeded, third");
                } else {
                        snprintf(titles[n], sizeof titles[n], "%s", odd[n - ISEARCH_BULK][0]);
                        snprintf(descs[n], sizeof descs[n], "%s", odd[n - ISEARCH_BULK][1]);
                }
                struct incident inc = new_incident(titles[n], T2026 + (vg_usec_t)n);
                free(inc.description);
                inc.description = strdup(descs[n]);
                contained[n] = n % 7 == 0;
                if (contained[n])
                        inc.phase = PHASE_CONTAINMENT;
                assert_int_equal(store_incident_insert(tx, &inc), 0);
                ids[n] = inc.id;
                incident_fini(&inc);
        }
        /* A new title, a new description, and a change of phase alone. */
        size_t edits[] = { 7, 8, 9 };
        for (size_t e = 0; e < 3; e++) {
                struct incident inc;
                assert_int_equal(store_incident_get_by_id(tx, ids[edits[e]], &inc), 0);
                if (e == 0)
                        snprintf(titles[7], sizeof titles[7], "%s", "Renamed zebra");
                if (e == 1)
                        snprintf(descs[8], sizeof descs[8], "%s", "now about a giraffe");
                snprintf(inc.title, sizeof inc.title, "%s", titles[edits[e]]);
                free(inc.description);
                inc.description = strdup(descs[edits[e]]);
                if (e == 2) {
                        inc.phase = PHASE_CONTAINMENT;
                        contained[9] = true;
                }
                assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
                incident_fini(&inc);
        }
        assert_int_equal(store_commit(tx), 0);
        char *broken = f->path[0] ? raw_edit(f, "INSERT INTO incident_text(incident_text, rank) VALUES ('integrity-check', 1)")
                                  : NULL;
        if (broken)
                fail_msg("incident_text: %s", broken);

        static const char *const texts[] = {
                "bulk", "incident 24", "INCIDENT 2499", "third", "\"quoted\"", "o\" c", "0% s", "r_s", "ck\\sl",
                "zo\xc3\xab caf", "near(a", "c*", "card data", "zebra", "giraffe", "incident 7", "incident 8",
                "incident 9", "no such incident", "ul",
        };
        static struct id64_list want, got, page2;
        for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
                for (int how = 0; how < 3; how++) { /* newest; oldest; newest in containment */
                        want.n = 0;
                        for (size_t j = 0; j < n; j++) {
                                size_t i = how == 1 ? j : n - 1 - j;
                                if ((how < 2 || contained[i]) && tenant_matches(titles[i], descs[i], texts[k]))
                                        want.v[want.n++] = ids[i];
                        }
                        for (unsigned limit = 0; limit <= 10; limit += 10) {
                                struct incident_filter q = { .phase = how == 2 ? PHASE_CONTAINMENT : PHASE__INVALID,
                                                             .classification = CLASS__INVALID,
                                                             .severity = SEV__INVALID,
                                                             .text = texts[k],
                                                             .sort = how == 1 ? INCIDENT_SORT_OLDEST
                                                                              : INCIDENT_SORT_NEWEST };
                                got.n = 0;
                                assert_int_equal(store_begin_read(f->s, &tx), 0);
                                assert_int_equal(store_incident_list(tx, &q, 0, limit, keep_incident_id, &got), 0);
                                size_t expect = limit && want.n > limit ? limit : want.n;
                                if (got.n != expect)
                                        fail_msg("\"%s\" order %d limit %u: %zu incidents, want %zu", texts[k], how,
                                                 limit, got.n, expect);
                                for (size_t i = 0; i < expect; i++)
                                        if (got.v[i] != want.v[i])
                                                fail_msg("\"%s\" order %d limit %u: #%zu is %lld, want %lld", texts[k],
                                                         how, limit, i, (long long)got.v[i], (long long)want.v[i]);
                                if (limit && got.n == limit) {
                                        page2.n = 0;
                                        assert_int_equal(store_incident_list(tx, &q, got.v[9], limit, keep_incident_id,
                                                                             &page2),
                                                         0);
                                        size_t rest = want.n - limit > limit ? limit : want.n - limit;
                                        assert_int_equal(page2.n, rest);
                                        for (size_t i = 0; i < rest; i++)
                                                assert_int_equal(page2.v[i], want.v[limit + i]);
                                }
                                store_rollback(tx);
                        }
                }
        /* The index only narrows: a tenant's view stays its own (the
         * portal's filter), whichever way the search goes. */
        static const char *const rare[] = { "zebra", "bulk" };
        for (size_t k = 0; k < 2; k++) {
                got.n = 0;
                struct incident_filter mine = { .phase = PHASE__INVALID, .classification = CLASS__INVALID,
                                                .severity = SEV__INVALID, .text = rare[k], .tenant = "another-tenant" };
                assert_int_equal(store_begin_read(f->s, &tx), 0);
                assert_int_equal(store_incident_list(tx, &mine, 0, 10, keep_incident_id, &got), 0);
                assert_int_equal(got.n, 0);
                store_rollback(tx);
        }
}

/* Reads of every kind, each its own statement: more than the cache holds. */
static void read_everything(struct store_tx *tx)
{
        uint8_t hash[STORE_HASH_BYTES] = { 0 };
        struct user u;
        struct session se;
        struct api_token t;
        struct incident inc = { 0 };
        struct task task;
        struct recovery_check ck;
        struct alert_group g;
        struct escalation e;
        struct oncall_page pg;
        struct calendar_feed feed;
        struct notice_delivery d;
        struct integration_key k;
        struct improvement_filter imf = { 0 };
        struct incident_filter inf = { .phase = PHASE__INVALID, .classification = CLASS__INVALID,
                                       .severity = SEV__INVALID };
        int64_t n64, id;
        vg_usec_t at;
        unsigned n;

        store_user_get(tx, 999, &u);
        store_user_get_by_name(tx, "nobody", &u);
        store_user_count(tx, &n64);
        store_session_get_by_hash(tx, hash, &se);
        store_token_get(tx, 999, &t);
        store_token_get_by_hash(tx, hash, &t);
        store_token_list(tx, 999, 0, 0, noop_api_token, NULL);
        store_incident_get(tx, "INC-1999-0001", &inc);
        incident_fini(&inc);
        store_incident_get_by_id(tx, 999, &inc);
        incident_fini(&inc);
        store_incident_list(tx, &inf, 0, 5, noop_incident, NULL);
        inf.phase = PHASE_CONTAINMENT;
        store_incident_list(tx, &inf, 0, 5, noop_incident, NULL);
        inf.phase = PHASE__INVALID;
        inf.severity = SEV1;
        store_incident_list(tx, &inf, 0, 5, noop_incident, NULL);
        store_incident_services_list(tx, 999, noop_text, NULL);
        store_incident_tenants_list(tx, 999, noop_scope_tenant, NULL);
        store_incident_indicators_list(tx, 999, noop_indicator, NULL);
        store_task_get(tx, 999, 999, &task);
        store_task_list(tx, 999, noop_task, NULL);
        store_recovery_check_get(tx, 999, 999, &ck);
        store_recovery_check_list(tx, 999, noop_recovery_check, NULL);
        store_recovery_asset_list(tx, 999, noop_recovery_asset, NULL);
        store_anchor_list(tx, 999, noop_anchor_setting, NULL);
        store_customer_report_nth(tx, "nobody", "t", 0, 1, &at);
        store_vigilance_list(tx, 0, noop_incident, NULL);
        store_alert_link_list(tx, 999, noop_alert_link, NULL);
        store_alert_last(tx, "0000000000000000", &id, &at);
        store_alert_list(tx, &(struct alert_filter){ 0 }, 5, noop_alert_row, NULL);
        store_alert_list(tx, &(struct alert_filter){ .firing = ALERT_FIRING_YES, .text = "x" }, 5, noop_alert_row, NULL);
        store_alert_group_get(tx, "nokey", &g);
        store_alert_group_due(tx, 0, noop_alert_group, NULL);
        store_alert_group_next(tx, &at);
        store_alert_group_members(tx, "nokey", 0, noop_alert_row, NULL);
        store_org_get(tx, "team", "none", noop_org_object, NULL);
        store_org_list(tx, "team", noop_org_object, NULL);
        store_override_get(tx, "none", 999, noop_schedule_override, NULL);
        store_override_list(tx, "none", 0, 1, noop_schedule_override, NULL);
        store_job_next_due(tx, &at);
        store_escalation_get(tx, 999, &e);
        store_escalation_list(tx, 999, noop_escalation, NULL);
        store_page_get(tx, 999, &pg);
        store_page_get_by_ack(tx, hash, &pg);
        store_page_list(tx, &(struct page_filter){ .incident_id = 999 }, 5, noop_oncall_page, NULL);
        store_outbox_get(tx, 999, noop_outbox_msg, NULL);
        store_outbox_list_page(tx, 999, noop_outbox_msg, NULL);
        store_feed_get(tx, 999, &feed);
        store_feed_get_by_hash(tx, hash, &feed);
        store_feed_list(tx, "nobody", noop_calendar_feed, NULL);
        store_tenant_get(tx, "none", noop_tenant_row, NULL);
        store_tenant_list(tx, &(struct tenant_filter){ .text = "x" }, 5, noop_tenant_row, NULL);
        store_tenant_list(tx, &(struct tenant_filter){ .text = "xyz", .sort = TENANT_SORT_NAME }, 5, noop_tenant_row, NULL);
        store_tenant_list(tx, &(struct tenant_filter){ .text = "xyz", .sort = TENANT_SORT_UPDATED }, 0, noop_tenant_row,
                          NULL);
        store_obligation_get(tx, 999, noop_obligation, NULL);
        store_obligation_list(tx, 999, noop_obligation, NULL);
        store_obligation_due(tx, &(struct obligation_filter){ .status = "open" }, 5, noop_obligation, NULL);
        store_obligation_count_open(tx, 999, &n);
        store_notice_get(tx, 999, noop_notice, NULL);
        store_notice_list(tx, 999, noop_notice, NULL);
        store_notice_delivery_exists(tx, 999, "t", "email", "a@example.com");
        store_notice_delivery_list(tx, 999, noop_notice_delivery, NULL);
        store_notice_delivery_by_outbox(tx, 999, &d);
        store_notice_list_for_tenant(tx, "none", noop_tenant_notice, NULL);
        store_advisory_list(tx, false, 5, noop_advisory, NULL);
        store_postmortem_get(tx, 999, noop_postmortem, NULL);
        store_improvement_get(tx, 999, noop_improvement, NULL);
        store_improvement_list(tx, &imf, noop_improvement, NULL);
        store_training_list(tx, NULL, noop_training_record, NULL);
        store_training_list(tx, "nobody", noop_training_record, NULL);
        store_plan_get(tx, 0, noop_plan_version, NULL);
        store_plan_list(tx, noop_plan_version, NULL);
        store_silence_get(tx, "none", noop_silence_row, NULL);
        store_silence_list(tx, noop_silence_row, NULL);
        store_integration_key_get_by_hash(tx, hash, &k);
        store_integration_key_list(tx, noop_integration_key, NULL);
        store_audit_list(tx, 0, 1, noop_audit_record, NULL);
        store_audit_list_object(tx, "user:none", 0, 1, noop_audit_record, NULL);
}

struct nested_walk {
        struct store_tx *tx;
        json_t *outer;
        int inner_rows;
};

static int walk_nested(const struct user *u, void *userdata)
{
        struct nested_walk *w = userdata;
        json_t *inner = json_array();
        json_array_append_new(w->outer, json_integer(u->id));
        if (json_array_size(w->outer) > 10)
                return -1; /* the walk went round again: stop it */
        assert_int_equal(store_user_list(w->tx, 0, 1, collect, inner), 0);
        w->inner_rows += (int)json_array_size(inner);
        json_decref(inner);
        if (json_array_size(w->outer) == 1)
                read_everything(w->tx);
        return 0;
}

static void nested_walks_keep_their_statement(void **state)
{
        struct fixture *f = *state;
        struct nested_walk w = { .outer = json_array() };
        int64_t ids[3];

        ids[0] = add_user(f->s, "outer0");
        ids[1] = add_user(f->s, "outer1");
        ids[2] = add_user(f->s, "outer2");
        assert_int_equal(store_begin_read(f->s, &w.tx), 0);
        assert_int_equal(store_user_list(w.tx, 0, 0, walk_nested, &w), 0);
        store_rollback(w.tx);
        assert_int_equal(json_array_size(w.outer), 3);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(json_integer_value(json_array_get(w.outer, i)), ids[i]);
        assert_int_equal(w.inner_rows, 3);
        json_decref(w.outer);
}

/* ... but it may not write: whether the walk would see the write differs
 * between backends. The write is refused and changes nothing. */
static int walk_and_write(const struct user *u, void *userdata)
{
        struct nested_walk *w = userdata;
        struct user changed = *u;
        snprintf(changed.email, sizeof changed.email, "walked@example.com");
        assert_int_equal(store_user_update(w->tx, &changed), -VG_ESTORE);
        w->inner_rows++;
        return 0;
}

static void writes_inside_a_walk_are_refused(void **state)
{
        struct fixture *f = *state;
        struct nested_walk w = { 0 };
        struct user u;
        int64_t id = add_user(f->s, "walker");

        assert_int_equal(store_begin(f->s, &w.tx), 0);
        assert_int_equal(store_user_list(w.tx, 0, 0, walk_and_write, &w), 0);
        assert_int_equal(w.inner_rows, 1);
        assert_int_equal(store_user_get(w.tx, id, &u), 0);
        assert_string_equal(u.email, "");
        snprintf(u.email, sizeof u.email, "after@example.com");
        assert_int_equal(store_user_update(w.tx, &u), 0); /* after the walk: fine */
        assert_int_equal(store_commit(w.tx), 0);
}

static char *fingerprint(struct store *s)
{
        struct store_tx *tx;
        char *fp = NULL;
        assert_int_equal(store_begin_read(s, &tx), 0);
        assert_int_equal(store_fingerprint(tx, &fp), 0);
        store_rollback(tx);
        assert_non_null(fp);
        return fp;
}

/* The "nothing changed" fingerprint: the same text while nothing is
 * written, or only what the workers write (a job, the outbox, a system
 * audit record, a session seen again); another text for any other row,
 * a changed value, or one row more in a table with rows already. */
static void fingerprint_sees_every_write_but_the_workers(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        const struct actor system = { .name = "system", .request_id = "job" };
        int64_t uid = add_user(f->s, "fp");
        struct session ses = { .user_id = uid, .created_at = 10, .last_seen = 10, .expires_at = 100 };
        secret_token_digest("vgs_fp", ses.token_hash);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_session_insert(tx, &ses), 0);
        assert_int_equal(store_commit(tx), 0);

        char *before = fingerprint(f->s), *again = fingerprint(f->s);
        assert_string_equal(before, again);
        assert_non_null(strstr(before, "users|"));
        assert_non_null(strstr(before, "audit_log|"));
        free(again);

        /* The workers' writes. */
        struct outbox_msg m = { .address = "a@example.com", .subject = "s", .body = "b", .created_at = 20 };
        snprintf(m.idem_key, sizeof m.idem_key, "fp-1");
        snprintf(m.channel, sizeof m.channel, "email");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_job_add(tx, "obligation.clock", "{}", 30, NULL), 0);
        assert_int_equal(store_outbox_add(tx, &m), 0);
        json_t *ran = json_pack("{s:s}", "kind", "obligation.clock");
        assert_int_equal(store_audit_append(tx, 40, &system, "job.ran", "job:1", ran), 0);
        json_decref(ran);
        assert_int_equal(store_session_touch(tx, ses.id, 50), 0);
        assert_int_equal(store_commit(tx), 0);
        again = fingerprint(f->s);
        assert_string_equal(before, again);
        free(again);

        /* A write rolled back is no write. */
        struct user u;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_user_get(tx, uid, &u), 0);
        snprintf(u.email, sizeof u.email, "fp@example.com");
        assert_int_equal(store_user_update(tx, &u), 0);
        store_rollback(tx);
        again = fingerprint(f->s);
        assert_string_equal(before, again);
        free(again);

        /* One value changed, then one row more: each is another text. */
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_user_update(tx, &u), 0);
        assert_int_equal(store_commit(tx), 0);
        char *changed = fingerprint(f->s);
        assert_string_not_equal(before, changed);
        assert_non_null(strstr(changed, "users|fp@example.com;"));
        add_user(f->s, "fp2");
        char *more = fingerprint(f->s);
        assert_string_not_equal(changed, more);
        assert_true(strlen(more) > strlen(changed));
        free(before);
        free(changed);
        free(more);
}

static int keep_job(const struct job *j, void *userdata)
{
        struct job *out = userdata;
        *out = *j;
        out->payload = NULL;
        return 0;
}

/* A lease that ran out and was taken over cannot finish: the fencing
 * number (attempts) moved on, even for the same owner; and a claim takes
 * only the kinds it names, as an older node in a rolling upgrade would. */
static void job_leases_fence_the_old_claim(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct job got = { 0 };
        const char *kinds[] = { "deliver", "escalate.step" };
        int64_t id, newer;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_job_add(tx, "escalate.step", "{}", 100, &id), 0);
        assert_int_equal(store_job_add(tx, "from.the.future", "{}", 100, &newer), 0);
        /* A claims until 200. */
        assert_int_equal(store_job_claim(tx, "node-a", 150, 200, kinds, 2, 10, keep_job, &got), 0);
        assert_int_equal(got.id, id);
        assert_int_equal(got.attempts, 1);
        struct job_lease a = { .id = id, .owner = "node-a", .fence = got.attempts };
        /* Its lease runs out; B takes the job over at 250. */
        memset(&got, 0, sizeof got);
        assert_int_equal(store_job_claim(tx, "node-b", 250, 300, kinds, 2, 10, keep_job, &got), 0);
        assert_int_equal(got.id, id);
        assert_int_equal(got.attempts, 2);
        struct job_lease b = { .id = id, .owner = "node-b", .fence = got.attempts };
        assert_int_equal(store_job_finish(tx, &a, 260), -VG_ECONFLICT);
        assert_int_equal(store_job_retry(tx, &a, 260, 400, "late"), -VG_ECONFLICT);
        /* The same owner, an older claim: refused as well. */
        struct job_lease b_old = { .id = id, .owner = "node-b", .fence = 1 };
        assert_int_equal(store_job_finish(tx, &b_old, 260), -VG_ECONFLICT);
        /* Past its own lease, B cannot finish either; within it, it can. */
        assert_int_equal(store_job_finish(tx, &b, 301), -VG_ECONFLICT);
        assert_int_equal(store_job_finish(tx, &b, 299), 0);
        assert_int_equal(store_job_finish(tx, &b, 299), -VG_ECONFLICT); /* done */
        /* The kind this claimer does not know was never leased. */
        memset(&got, 0, sizeof got);
        assert_int_equal(store_job_claim(tx, "node-a", 1000, 1100, kinds, 2, 10, keep_job, &got), 0);
        assert_int_equal(got.id, 0);
        const char *all[] = { "from.the.future" };
        assert_int_equal(store_job_claim(tx, "node-c", 1000, 1100, all, 1, 10, keep_job, &got), 0);
        assert_int_equal(got.id, newer);
        assert_int_equal(store_commit(tx), 0);
}

int main(void)
{
        if (secret_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(migrations_are_idempotent, setup, teardown),
                cmocka_unit_test(unknown_backend_and_bad_path),
                cmocka_unit_test_setup_teardown(users_insert_get_conflict_update, setup, teardown),
                cmocka_unit_test_setup_teardown(users_list_pages, setup, teardown),
                cmocka_unit_test_setup_teardown(tenant_search_finds_what_the_rule_finds, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(checkpoints_follow_a_long_commit, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_search_finds_what_the_rule_finds, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(sessions_and_tokens, setup, teardown),
                cmocka_unit_test_setup_teardown(rollback_leaves_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
                cmocka_unit_test_setup_teardown(audit_log_is_append_only, setup, teardown),
                cmocka_unit_test(audit_tamper_is_found_at_the_row),
                cmocka_unit_test_setup_teardown(audit_head_follows_appends, setup, teardown),
                cmocka_unit_test_setup_teardown(account_create_validates_and_audits, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(incident_keys_per_year, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_update_is_versioned, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_list_filters_and_pages, setup, teardown),
                cmocka_unit_test_setup_teardown(unset_times_are_null, setup, teardown),
                cmocka_unit_test(migration_turns_zero_into_null),
                cmocka_unit_test(migration_refuses_a_broken_reference),
                cmocka_unit_test_setup_teardown(migration_keeps_numbering, setup, teardown),
                cmocka_unit_test_setup_teardown(migration_030_finds_the_asap_rows, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_keys_concurrent_gap_free, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_residents_set_and_list, setup, teardown),
                cmocka_unit_test_setup_teardown(vigilance_links_alerts_under_watch, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(alert_episodes, setup, teardown),
                cmocka_unit_test_setup_teardown(alert_second_open_episode_is_refused, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(alert_groups_wait_and_open, setup, teardown),
                cmocka_unit_test_setup_teardown(silences_put_get_list, setup, teardown),
                cmocka_unit_test_setup_teardown(nested_walks_keep_their_statement, setup, teardown),
                cmocka_unit_test_setup_teardown(writes_inside_a_walk_are_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(fingerprint_sees_every_write_but_the_workers, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(job_leases_fence_the_old_claim, setup, teardown),
        };
        /* The group is named for the backend under test. */
        const char *url = getenv("VIGIL_TEST_STORE_URL");
        char group[64] = "store/sqlite";
        if (url && *url)
                snprintf(group, sizeof group, "store/%.*s", (int)strcspn(url, ":"), url);
        if (strcmp(group, "store/sqlite") == 0)
                return cmocka_run_group_tests_name(group, tests, NULL, NULL);
        /* Another backend: all but SQLite's own history. */
        struct CMUnitTest run[sizeof tests / sizeof tests[0]];
        size_t n = 0;
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
                bool sqlite = false;
                for (size_t k = 0; k < sizeof sqlite_cases / sizeof sqlite_cases[0]; k++)
                        sqlite |= strcmp(tests[i].name, sqlite_cases[k]) == 0;
                if (sqlite)
                        printf("# not run on %s: %s (SQLite's migrations)\n", group + 6, tests[i].name);
                else
                        run[n++] = tests[i];
        }
        return _cmocka_run_group_tests(group, run, n, NULL, NULL);
}
