#include "fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct actor fx_actor(const char *name)
{
        return (struct actor){.user_id = 0, .name = name, .request_id = "req-1"};
}

struct case_fixture *case_fixture_new(const char *name)
{
        struct case_fixture *f = calloc(1, sizeof *f);
        char err[256], url[160];
        struct store_tx *tx;
        if (!f)
                return NULL;
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-%s-XXXXXX", name);
        if (!mkdtemp(f->dir)) {
                free(f);
                return NULL;
        }
        snprintf(f->path, sizeof f->path, "%s/v.db", f->dir);
        snprintf(url, sizeof url, "sqlite:%s", f->path);
        if (store_open(url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "store_open: %s\n", err);
                case_fixture_free(f);
                return NULL;
        }
        const struct actor tester = fx_actor("test");
        struct case_incident_new n = {.title = "exfiltration",
                                      .severity = SEV2,
                                      .source = SOURCE_EMPLOYEE,
                                      .detected_at = FX_T0};
        struct case_outcome o;
        struct incident inc;
        case_outcome_init(&o);
        int r = store_begin(f->s, &tx);
        if (r >= 0) {
                r = case_incident_open(tx, &tester, FX_T0, &n, &inc, &o);
                if (r >= 0)
                        snprintf(f->key, sizeof f->key, "%s", inc.key);
                incident_fini(&inc);
                r = store_finish(tx, r);
        }
        if (r < 0) {
                case_fixture_free(f);
                return NULL;
        }
        return f;
}

int case_fixture_free(struct case_fixture *f)
{
        char cmd[200];
        if (!f)
                return 0;
        store_close(f->s);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        int r = system(cmd) == 0 ? 0 : -1;
        free(f);
        return r;
}

long long fx_count(struct case_fixture *f, const char *sql)
{
        sqlite3 *db;
        sqlite3_stmt *st;
        long long v = -1;
        assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

void fx_snap(struct case_fixture *f, const char *const *sql, struct fx_snapshot *s)
{
        memset(s, 0, sizeof *s);
        for (size_t i = 0; sql[i]; i++) {
                assert_true(i < FX_SNAP_MAX);
                s->n[i] = fx_count(f, sql[i]);
        }
}

void fx_assert_unchanged(struct case_fixture *f, const char *const *sql, const struct fx_snapshot *before)
{
        struct fx_snapshot now;
        fx_snap(f, sql, &now);
        for (size_t i = 0; sql[i]; i++) {
                if (now.n[i] != before->n[i])
                        fprintf(stderr, "changed: %s: %lld -> %lld\n", sql[i], before->n[i], now.n[i]);
                assert_int_equal(now.n[i], before->n[i]);
        }
}

static int64_t user_add(struct case_fixture *f, const char *name, enum role role, bool disabled,
                        const char *tenant)
{
        struct store_tx *tx;
        struct user u = {.role = role, .disabled = disabled, .created_at = FX_T0, .updated_at = FX_T0};
        snprintf(u.name, sizeof u.name, "%s", name);
        snprintf(u.tenant, sizeof u.tenant, "%s", tenant);
        snprintf(u.password_hash, sizeof u.password_hash, "x");
        snprintf(u.time_zone, sizeof u.time_zone, "UTC");
        snprintf(u.contacts, sizeof u.contacts, "[]");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, store_user_insert(tx, &u)), 0);
        return u.id;
}

int64_t fx_user(struct case_fixture *f, const char *name, enum role role, bool disabled)
{
        return user_add(f, name, role, disabled, "");
}

int64_t fx_tenant_admin(struct case_fixture *f, const char *name, const char *tenant)
{
        return user_add(f, name, ROLE_TENANT_ADMIN, false, tenant);
}

void fx_incident(struct case_fixture *f, struct incident *inc)
{
        struct store_tx *tx;
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, inc), 0);
        store_rollback(tx);
}

void fx_close(struct case_fixture *f, vg_usec_t now)
{
        const struct actor tester = fx_actor("test");
        const struct case_classification c = {.to = CLASS_FALSE_POSITIVE,
                                               .confidentiality = -1,
                                               .integrity = -1,
                                               .availability = -1};
        struct case_outcome o;
        struct store_tx *tx;
        struct incident inc = {0};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_incident_get(tx, f->key, &inc, &o);
        if (r >= 0)
                r = case_incident_classify(tx, &tester, now, &inc, &c, &o);
        if (r >= 0)
                r = case_incident_advance(tx, &tester, now, 3600, &inc, PHASE_CLOSED, "noise", &o);
        assert_int_equal(store_finish(tx, r), 0);
        incident_fini(&inc);
}
