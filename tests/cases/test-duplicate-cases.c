/* Marking an incident a duplicate, without HTTP (src/cases/duplicate.c):
 * two incidents on a throw-away SQLite database, A with alerts, an alert
 * group, notes and an escalation, merged into B in one transaction as a
 * door runs it. Every refusal is checked to leave the database as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cases/duplicate.h"
#include "cases/paging.h"
#include "core/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1780000000000000) /* 2026-05-28 */
#define S  VG_USEC_PER_SEC

static const struct actor tester = {.user_id = 0, .name = "test", .request_id = "req-1"};

struct fixture {
        char dir[64];
        char path[96];
        struct store *s;
        char a[INCIDENT_KEY_MAX], b[INCIDENT_KEY_MAX];
        int64_t a_id, b_id, escalation;
};

static int open_one(struct store_tx *tx, const char *title, char *key, int64_t *id)
{
        struct case_incident_new n = {
                .title = title, .severity = SEV2, .source = SOURCE_MONITORING, .detected_at = T0};
        struct case_outcome o;
        struct incident inc;
        case_outcome_init(&o);
        int r = case_incident_open(tx, &tester, T0, &n, &inc, &o);
        if (r >= 0) {
                snprintf(key, INCIDENT_KEY_MAX, "%s", inc.key);
                *id = inc.id;
        }
        incident_fini(&inc);
        return r;
}

/* An alert episode of fingerprint fp in group "g1", on incident id. */
static int alert_on(struct store_tx *tx, const char *fp, int64_t id)
{
        struct alert_row a = {.labels = "{\"alertname\":\"secret-scan\"}",
                              .starts_at = T0,
                              .updated_at = T0,
                              .group_key = "g1"};
        snprintf(a.fingerprint, sizeof a.fingerprint, "%s", fp);
        snprintf(a.source, sizeof a.source, "json");
        snprintf(a.service, sizeof a.service, "api");
        snprintf(a.severity, sizeof a.severity, "critical");
        int r = store_alert_insert(tx, &a);
        return r < 0 ? r : store_alert_set_incident(tx, a.id, id);
}

static int link(struct store_tx *tx, int64_t id, const char *alert)
{
        struct alert_link l = {.reason = "same signal", .linked_at = T0};
        snprintf(l.alert, sizeof l.alert, "%s", alert);
        snprintf(l.linked_by, sizeof l.linked_by, "test");
        return store_alert_link(tx, id, &l);
}

static int note(struct fixture *f, const char *key, const char *text, vg_usec_t now)
{
        struct store_tx *tx;
        struct incident inc = {0};
        struct case_outcome o;
        case_outcome_init(&o);
        int r = store_begin(f->s, &tx);
        if (r < 0)
                return r;
        r = case_incident_get(tx, key, &inc, &o);
        if (r >= 0)
                r = case_incident_note(tx, &tester, now, &inc, text, &o);
        r = store_finish(tx, r);
        incident_fini(&inc);
        return r;
}

/* A (the duplicate, opened second from the same alert) and B. */
static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256], url[160];
        struct store_tx *tx;
        if (!f)
                return -1;
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-duplicate-cases-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/v.db", f->dir);
        snprintf(url, sizeof url, "sqlite:%s", f->path);
        if (store_open(url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "store_open: %s\n", err);
                return -1;
        }
        struct escalation e = {.started_at = T0};
        snprintf(e.service, sizeof e.service, "api");
        snprintf(e.policy, sizeof e.policy, "no-such-policy");
        snprintf(e.trigger, sizeof e.trigger, "opened");
        snprintf(e.state, sizeof e.state, "active");
        if (store_begin(f->s, &tx) < 0 || open_one(tx, "secret in repo", f->b, &f->b_id) < 0 ||
            open_one(tx, "secret in repo (again)", f->a, &f->a_id) < 0 ||
            alert_on(tx, "00000000000000a1", f->a_id) < 0 ||
            alert_on(tx, "00000000000000a2", f->a_id) < 0 || link(tx, f->a_id, "alert:a1") < 0 ||
            link(tx, f->a_id, "alert:a2") < 0 || link(tx, f->b_id, "alert:a1") < 0 ||
            store_alert_group_put(tx, &(struct alert_group){.key = "g1",
                                                            .incident_id = f->a_id,
                                                            .last_alert_at = T0}) < 0 ||
            (e.incident_id = f->a_id, store_escalation_add(tx, &e)) < 0 || store_commit(tx) < 0)
                return -1;
        f->escalation = e.id;
        if (note(f, f->a, "rotated the key", T0 + 10 * S) < 0 ||
            note(f, f->a, "owner: Ada", T0 + 20 * S) < 0)
                return -1;
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

static long long query(struct fixture *f, const char *fmt, ...)
{
        char sql[512];
        va_list ap;
        sqlite3 *db;
        sqlite3_stmt *st;
        long long v = -1;
        va_start(ap, fmt);
        vsnprintf(sql, sizeof sql, fmt, ap);
        va_end(ap);
        assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

/* What a merge could touch; a refusal leaves every figure as it was. */
struct snapshot {
        long long n[8];
};

static void snap(struct fixture *f, struct snapshot *s)
{
        static const char *const sql[] = {
                "SELECT sum(version) FROM incidents",
                "SELECT count(*) FROM incidents WHERE duplicate_of IS NOT NULL OR phase = 'closed'",
                "SELECT count(*) FROM audit_log",
                "SELECT sum(incident_id * id) FROM incident_alerts",
                "SELECT count(*) FROM incident_alerts",
                "SELECT sum(incident_id * id) FROM alerts",
                "SELECT sum(incident_id) FROM alert_groups",
                "SELECT count(*) FROM pages",
        };
        for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
                s->n[i] = query(f, "%s", sql[i]);
}

static void assert_unchanged(struct fixture *f, const struct snapshot *before)
{
        struct snapshot now;
        snap(f, &now);
        for (size_t i = 0; i < sizeof now.n / sizeof *now.n; i++)
                assert_int_equal(now.n[i], before->n[i]);
}

static bool has_field(const struct case_outcome *o, const char *field)
{
        for (size_t i = 0; i < o->errors.n; i++)
                if (strcmp(o->errors.e[i].field, field) == 0)
                        return true;
        return false;
}

/* The door's transaction: read key, mark it a duplicate of of, commit on
 * success and roll back otherwise. */
static int mark(struct fixture *f, const char *key, const char *of, const char *reason,
                vg_usec_t now, struct case_duplicate_result *res, struct case_outcome *o)
{
        struct store_tx *tx;
        struct incident inc = {0};
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_incident_get(tx, key, &inc, o);
        if (r >= 0)
                r = case_incident_duplicate(tx, &tester, now, &inc, of, reason, res, o);
        r = store_finish(tx, r);
        incident_fini(&inc);
        return r;
}

static void get(struct fixture *f, const char *key, struct incident *inc)
{
        struct store_tx *tx;
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, key, inc), 0);
        store_rollback(tx);
}

static void merges_alerts_and_notes(void **state)
{
        struct fixture *f = *state;
        struct case_duplicate_result res;
        struct case_outcome o;
        struct incident a, b;
        const vg_usec_t now = T0 + 60 * S;

        get(f, f->b, &b);
        int64_t b_version = b.version;
        incident_fini(&b);
        long long records = query(f, "SELECT count(*) FROM audit_log");
        assert_int_equal(mark(f, f->a, f->b, "opened twice from one alert", now, &res, &o), 0);

        get(f, f->a, &a);
        assert_int_equal(a.classification, CLASS_DUPLICATE);
        assert_int_equal(a.phase, PHASE_CLOSED);
        assert_int_equal(a.closed_at, now);
        assert_int_equal(a.contained_at, VG_TIME_UNSET); /* closing is not containing */
        assert_int_equal(
                query(f, "SELECT duplicate_of FROM incidents WHERE id = %lld", (long long)f->a_id),
                f->b_id);
        get(f, f->b, &b);
        assert_int_equal(b.version, b_version + 1);
        assert_int_equal(b.phase, PHASE_ANALYSIS);

        /* Alerts: the link B lacked moved, the one it had is not doubled. */
        assert_string_equal(res.survivor, f->b);
        assert_int_equal(res.alerts.links_moved, 1);
        assert_int_equal(res.alerts.links_dropped, 1);
        assert_int_equal(res.alerts.alerts, 2);
        assert_int_equal(res.alerts.groups, 1);
        assert_int_equal(query(f, "SELECT count(*) FROM incident_alerts WHERE incident_id = %lld",
                               (long long)f->a_id),
                         0);
        assert_int_equal(query(f, "SELECT count(*) FROM incident_alerts WHERE incident_id = %lld",
                               (long long)f->b_id),
                         2);
        assert_int_equal(query(f, "SELECT count(*) FROM alerts WHERE incident_id = %lld",
                               (long long)f->b_id),
                         2);
        assert_int_equal(query(f, "SELECT incident_id FROM alert_groups WHERE key = 'g1'"),
                         f->b_id);

        /* Notes: B's timeline has both, naming where they came from; A keeps its own. */
        assert_int_equal(res.notes, 2);
        assert_int_equal(
                query(f,
                      "SELECT count(*) FROM audit_log WHERE object = 'incident:%s' AND action = "
                      "'incident.note' AND change LIKE "
                      "'%%\"copied_from\":{%%\"incident\":\"%s\"%%'",
                      f->b, f->a),
                2);
        assert_int_equal(
                query(f,
                      "SELECT count(*) FROM audit_log WHERE object = 'incident:%s' AND action = "
                      "'incident.note' AND change LIKE '%%rotated the key%%' AND change LIKE "
                      "'%%\"author\":\"test\"%%'",
                      f->b),
                1);
        assert_int_equal(
                query(f,
                      "SELECT count(*) FROM audit_log WHERE object = 'incident:%s' AND action = "
                      "'incident.note'",
                      f->a),
                2);
        assert_int_equal(
                query(f,
                      "SELECT count(*) FROM audit_log WHERE object = 'incident:%s' AND action = "
                      "'incident.duplicate' AND change LIKE '%%\"of\":\"%s\"%%'",
                      f->a, f->b),
                1);
        assert_int_equal(
                query(f,
                      "SELECT count(*) FROM audit_log WHERE object = 'incident:%s' AND action = "
                      "'incident.merge' AND change LIKE '%%\"duplicate\":\"%s\"%%'",
                      f->b, f->a),
                1);
        assert_int_equal(query(f, "SELECT count(*) FROM audit_log"), records + 4);
        incident_fini(&a);
        incident_fini(&b);

        /* The survivor lists it; the duplicate names the survivor. */
        struct store_tx *tx;
        json_t *ja = json_object(), *jb = json_object();
        get(f, f->a, &a);
        get(f, f->b, &b);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(case_incident_duplicates_json(tx, &a, ja), 0);
        assert_int_equal(case_incident_duplicates_json(tx, &b, jb), 0);
        store_rollback(tx);
        assert_string_equal(json_string_value(json_object_get(ja, "duplicate_of")), f->b);
        assert_int_equal(json_array_size(json_object_get(ja, "duplicates")), 0);
        assert_true(json_is_null(json_object_get(jb, "duplicate_of")));
        assert_string_equal(json_string_value(json_array_get(json_object_get(jb, "duplicates"), 0)),
                            f->a);
        json_decref(ja);
        json_decref(jb);
        incident_fini(&a);
        incident_fini(&b);

        /* Closed, A's escalation pages nobody: the step stops at the close.
         * (Before the merge the same step reaches the missing policy.) */
        struct escalation_step st;
        struct paging_config cfg = {.public_url = "http://localhost"};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(
                case_escalation_step(tx, &tester, now, &cfg, f->escalation, f->a, 1, 0, &st), 0);
        store_rollback(tx);
        assert_int_equal(st.what, STEP_OVER);
        assert_int_equal(query(f, "SELECT count(*) FROM pages"), 0);

        /* A second time: A is closed now; nothing changes. */
        struct snapshot before;
        snap(f, &before);
        assert_int_equal(mark(f, f->a, f->b, "again", now, NULL, &o), -VG_ECONFLICT);
        assert_true(has_field(&o, "phase"));
        assert_unchanged(f, &before);
        /* Nor can anything be merged into a duplicate: named as such. */
        char c[INCIDENT_KEY_MAX];
        int64_t c_id;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(open_one(tx, "third", c, &c_id), 0);
        assert_int_equal(store_commit(tx), 0);
        snap(f, &before);
        assert_int_equal(mark(f, c, f->a, "into a duplicate", now, NULL, &o), -VG_ECONFLICT);
        assert_true(has_field(&o, "of"));
        assert_non_null(strstr(o.detail, "itself a duplicate"));
        assert_unchanged(f, &before);
}

/* Before any merge the same escalation step goes on (its policy is gone):
 * what proves the stop above is the close, not the fixture. */
static void escalation_runs_before_the_merge(void **state)
{
        struct fixture *f = *state;
        struct escalation_step st;
        struct paging_config cfg = {.public_url = "http://localhost"};
        struct store_tx *tx;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(
                case_escalation_step(tx, &tester, T0, &cfg, f->escalation, f->a, 1, 0, &st), 0);
        store_rollback(tx);
        assert_int_equal(st.what, STEP_POLICY_GONE);
}

static void refusals_change_nothing(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct snapshot before;
        char long_reason[DUPLICATE_REASON_MAX + 2];
        snap(f, &before);

        assert_int_equal(mark(f, f->a, f->a, "itself", T0, NULL, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "of"));
        assert_int_equal(mark(f, f->a, NULL, "no survivor", T0, NULL, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "of"));
        assert_int_equal(mark(f, f->a, "INC-2026-00001", "not canonical", T0, NULL, &o),
                         -VG_EVALIDATION);
        assert_true(has_field(&o, "of"));
        assert_int_equal(mark(f, f->a, "INC-2026-9999", "nobody", T0, NULL, &o), -VG_ENOTFOUND);
        assert_true(has_field(&o, "of"));
        assert_int_equal(mark(f, f->a, f->b, NULL, T0, NULL, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "reason"));
        memset(long_reason, 'x', sizeof long_reason);
        long_reason[DUPLICATE_REASON_MAX + 1] = '\0';
        assert_int_equal(mark(f, f->a, f->b, long_reason, T0, NULL, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "reason"));
        assert_unchanged(f, &before);

        /* A declared incident keeps its obligations and notices. */
        struct store_tx *tx;
        struct incident a = {0};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->a, &a), 0);
        a.declared_at = T0 + S;
        assert_int_equal(store_incident_update(tx, &a, a.version), 0);
        assert_int_equal(store_commit(tx), 0);
        incident_fini(&a);
        snap(f, &before);
        assert_int_equal(mark(f, f->a, f->b, "declared", T0, NULL, &o), -VG_ECONFLICT);
        assert_true(has_field(&o, "declaration"));
        assert_non_null(strstr(o.detail, "declared security incident"));
        assert_unchanged(f, &before);
        /* B closed: the survivor must still be worked. */
        assert_int_equal(mark(f, f->b, f->a, "into closed?", T0, NULL, &o),
                         0); /* B into A: fine, A is open */
        snap(f, &before);
        /* and now A's survivor-to-be (B) is closed */
        assert_int_equal(mark(f, f->a, f->b, "x", T0, NULL, &o), -VG_ECONFLICT);
        assert_true(has_field(&o, "of") && has_field(&o, "declaration"));
        assert_unchanged(f, &before);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(escalation_runs_before_the_merge, setup, teardown),
                cmocka_unit_test_setup_teardown(merges_alerts_and_notes, setup, teardown),
                cmocka_unit_test_setup_teardown(refusals_change_nothing, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
