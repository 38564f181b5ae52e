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
#include "store/account.h"
#include "store/store.h"
#include "store/vigilance.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
        char dir[64];
        char path[128];
        char url[160];
        struct store *s;
};

static const struct actor tester = { .user_id = 0, .name = "test", .request_id = "req-1" };

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256];
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-store-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/sub/v.db", f->dir);
        snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
        if (store_open(f->url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "store_open: %s\n", err);
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
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
                return -1;
        free(f);
        return 0;
}

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

static void audit_log_is_append_only(void **state)
{
        struct fixture *f = *state;
        sqlite3 *db;
        char *msg = NULL;
        add_user(f->s, "appendonly");
        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
        assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_log SET actor='x'", NULL, NULL, &msg), SQLITE_OK);
        assert_non_null(strstr(msg, "append-only"));
        sqlite3_free(msg);
        msg = NULL;
        assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_log", NULL, NULL, &msg), SQLITE_OK);
        sqlite3_free(msg);
        sqlite3_close(db);
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
                { "UPDATE audit_log SET hash=zeroblob(32) WHERE seq=2", 2, "record hash" },
                { "UPDATE audit_log SET prev_hash=zeroblob(32) WHERE seq=5", 5, "previous-hash" },
        };
        (void)state;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                void *fx;
                struct audit_verify v;
                char sql[300];
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
                snprintf(sql, sizeof sql,
                         "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; %s",
                         cases[i].sql);
                tamper(f->path, sql);
                assert_int_equal(store_audit_verify(f->s, &v), 0);
                assert_false(v.ok);
                if (v.first_bad_seq != cases[i].bad_seq || !strstr(v.reason, cases[i].reason))
                        fail_msg("case %zu: broken at %lld (%s), want %lld (%s)", i,
                                 (long long)v.first_bad_seq, v.reason, (long long)cases[i].bad_seq,
                                 cases[i].reason);
                teardown(&fx);
        }
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
        assert_int_equal(store_alert_list(tx, false, 900, 0, 0, collect_alert, got), 0);
        assert_int_equal(json_array_size(got), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(got, 1), "received")), 2);
        json_array_clear(got);
        assert_int_equal(store_alert_list(tx, true, 900, 0, 0, collect_alert, got), 0);
        assert_int_equal(json_array_size(got), 1); /* the first ended at 800 */
        store_rollback(tx);
        json_decref(got);
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

int main(void)
{
        if (secret_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(migrations_are_idempotent, setup, teardown),
                cmocka_unit_test(unknown_backend_and_bad_path),
                cmocka_unit_test_setup_teardown(users_insert_get_conflict_update, setup, teardown),
                cmocka_unit_test_setup_teardown(users_list_pages, setup, teardown),
                cmocka_unit_test_setup_teardown(sessions_and_tokens, setup, teardown),
                cmocka_unit_test_setup_teardown(rollback_leaves_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
                cmocka_unit_test_setup_teardown(audit_log_is_append_only, setup, teardown),
                cmocka_unit_test(audit_tamper_is_found_at_the_row),
                cmocka_unit_test_setup_teardown(account_create_validates_and_audits, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_keys_per_year, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_update_is_versioned, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_list_filters_and_pages, setup, teardown),
                cmocka_unit_test_setup_teardown(incident_keys_concurrent_gap_free, setup, teardown),
                cmocka_unit_test_setup_teardown(vigilance_links_alerts_under_watch, setup, teardown),
                cmocka_unit_test_setup_teardown(alert_episodes, setup, teardown),
                cmocka_unit_test_setup_teardown(alert_groups_wait_and_open, setup, teardown),
                cmocka_unit_test_setup_teardown(silences_put_get_list, setup, teardown),
        };
        return cmocka_run_group_tests_name("store/sqlite", tests, NULL, NULL);
}
