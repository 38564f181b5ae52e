/* The use cases without HTTP: the incident lifecycle on a throw-away
 * SQLite database, through the store as every door reaches it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cases/account.h"
#include "cases/cases.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1780000000000000) /* 2026-05-28 */
#define S  VG_USEC_PER_SEC

static const struct actor tester = {.user_id = 0, .name = "test", .request_id = "req-1"};

struct fixture {
        char dir[64];
        char url[160];
        struct store *s;
        char key[INCIDENT_KEY_MAX];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256];
        struct store_tx *tx;
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-cases-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->url, sizeof f->url, "sqlite:%s/v.db", f->dir);
        if (store_open(f->url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "store_open: %s\n", err);
                return -1;
        }
        struct incident inc = {.severity = SEV2,
                               .source = SOURCE_MONITORING,
                               .phase = PHASE_ANALYSIS,
                               .classification = CLASS_SUSPECTED,
                               .detected_at = T0,
                               .reported_at = T0,
                               .created_at = T0,
                               .updated_at = T0};
        snprintf(inc.title, sizeof inc.title, "exfiltration");
        snprintf(inc.reporter, sizeof inc.reporter, "alice");
        inc.description = strdup("");
        if (store_begin(f->s, &tx) < 0 || store_incident_insert(tx, &inc) < 0 ||
            store_commit(tx) < 0)
                return -1;
        snprintf(f->key, sizeof f->key, "%s", inc.key);
        incident_fini(&inc);
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

static int count_advance(const struct audit_record *a, void *userdata)
{
        if (strcmp(a->action, "incident.advance") == 0)
                (*(int *)userdata)++;
        return 0;
}

/* The committed incident and how many advance records its timeline has. */
static int reread(struct fixture *f, struct incident *inc)
{
        struct store_tx *tx;
        char object[64];
        int n = 0;
        snprintf(object, sizeof object, "incident:%s", f->key);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, inc), 0);
        assert_int_equal(store_audit_list_object(tx, object, 0, 0, count_advance, &n), 0);
        store_rollback(tx);
        return n;
}

/* One advance in its own transaction, as a door runs it. */
static int advance(struct fixture *f, enum incident_phase to, const char *reason, vg_usec_t now,
                   struct case_outcome *o)
{
        struct store_tx *tx;
        struct incident inc = {0};
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_incident_get(tx, f->key, &inc, o);
        if (r >= 0)
                r = case_incident_advance(tx, &tester, now, 3600, &inc, to, reason, o);
        r = store_finish(tx, r);
        incident_fini(&inc);
        return r;
}

/* Unmet exit criteria refuse the move, name the criterion and change
 * nothing; once met, the move is written with its audit record. */
static void advance_checks_exit_criteria(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct incident inc;
        struct store_tx *tx;

        assert_int_equal(advance(f, PHASE_CONTAINMENT, NULL, T0 + S, &o), -VG_ECONFLICT);
        assert_int_equal(o.errors.n, 1);
        assert_string_equal(o.errors.e[0].field, "scope.services");
        assert_non_null(strstr(o.detail, "cannot move to containment yet"));
        assert_int_equal(reread(f, &inc), 0);
        assert_int_equal(inc.phase, PHASE_ANALYSIS);
        assert_int_equal(inc.version, 1);
        incident_fini(&inc);

        /* The exit criteria say the same without changing anything. */
        enum incident_phase next;
        struct field_errors unmet;
        fielderr_init(&unmet);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
        assert_int_equal(case_incident_exit_criteria(tx, &inc, &next, &unmet), 0);
        store_rollback(tx);
        incident_fini(&inc);
        assert_int_equal(next, PHASE_CONTAINMENT);
        assert_int_equal(unmet.n, 1);
        assert_string_equal(unmet.e[0].field, "scope.services");

        const char *services[] = {"billing-api"};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
        assert_int_equal(store_incident_services_set(tx, inc.id, services, 1), 0);
        assert_int_equal(store_commit(tx), 0);
        incident_fini(&inc);

        assert_int_equal(advance(f, PHASE_CONTAINMENT, NULL, T0 + 2 * S, &o), 0);
        assert_int_equal(o.errors.n, 0);
        assert_int_equal(reread(f, &inc), 1);
        assert_int_equal(inc.phase, PHASE_CONTAINMENT);
        assert_int_equal(inc.version, 2);
        assert_int_equal(inc.updated_at, T0 + 2 * S);
        assert_int_equal(inc.contained_at, VG_TIME_UNSET); /* entering stamps nothing */
        incident_fini(&inc);

        /* Skipping a phase is refused whatever the facts. */
        assert_int_equal(advance(f, PHASE_RECOVERY, NULL, T0 + 3 * S, &o), -VG_ECONFLICT);
        assert_string_equal(o.errors.e[0].field, "phase");
        assert_int_equal(reread(f, &inc), 1);
        assert_int_equal(inc.version, 2);
        incident_fini(&inc);
}

/* Leaving recovery stamps it and opens the vigilance window of the
 * configured length; going back needs a reason. */
static void leaving_recovery_opens_vigilance(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct incident inc;
        struct store_tx *tx;

        /* An incident in recovery with a last known good and a passed check. */
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
        inc.phase = PHASE_RECOVERY;
        assert_int_equal(store_incident_update(tx, &inc, inc.version), 0);
        struct recovery_asset a = {.restore_actions = "", .recorded_at = T0};
        snprintf(a.asset, sizeof a.asset, "db-1");
        snprintf(a.recorded_by, sizeof a.recorded_by, "alice");
        assert_int_equal(store_recovery_asset_put(tx, inc.id, &a), 0);
        struct recovery_check c = {
                .incident_id = inc.id, .result = CHECK_PASS, .checked_at = T0, .created_at = T0};
        snprintf(c.asset, sizeof c.asset, "db-1");
        snprintf(c.name, sizeof c.name, "restore test");
        snprintf(c.checked_by, sizeof c.checked_by, "alice");
        assert_int_equal(store_recovery_check_insert(tx, &c), 0);
        c.result = CHECK_PASS; /* a check is recorded pending, then given its result */
        assert_int_equal(store_recovery_check_update(tx, &c), 0);
        assert_int_equal(store_commit(tx), 0);
        incident_fini(&inc);

        assert_int_equal(advance(f, PHASE_POST_INCIDENT, NULL, T0 + 10 * S, &o), 0);
        assert_int_equal(reread(f, &inc), 1);
        assert_int_equal(inc.phase, PHASE_POST_INCIDENT);
        assert_int_equal(inc.recovered_at, T0 + 10 * S);
        assert_int_equal(inc.vigilance_until, T0 + 10 * S + 3600 * S);
        incident_fini(&inc);

        assert_int_equal(advance(f, PHASE_RECOVERY, NULL, T0 + 11 * S, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "reason");
        assert_int_equal(advance(f, PHASE_RECOVERY, "re-infection", T0 + 12 * S, &o), 0);
        assert_int_equal(reread(f, &inc), 2);
        assert_int_equal(inc.phase, PHASE_RECOVERY);
        assert_int_equal(inc.recovered_at, T0 + 10 * S); /* kept */
        incident_fini(&inc);
}

/* An incident changed since it was read is not overwritten. */
static void stale_incident_refused(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct incident inc = {0};
        struct store_tx *tx;
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_incident_get(tx, f->key, &inc, &o), 0);
        inc.version--; /* as read before another change */
        inc.classification = CLASS_FALSE_POSITIVE;
        assert_int_equal(
                case_incident_advance(tx, &tester, T0 + S, 3600, &inc, PHASE_CLOSED, "noise", &o),
                -VG_EPRECONDITION);
        assert_non_null(strstr(o.detail, "changed"));
        store_rollback(tx);
        incident_fini(&inc);
        assert_int_equal(reread(f, &inc), 0);
        assert_int_equal(inc.phase, PHASE_ANALYSIS);
        incident_fini(&inc);

        case_outcome_init(&o);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(case_incident_get(tx, "INC-2026-9999", &inc, &o), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_string_equal(o.detail, "no incident INC-2026-9999");
}


static int count_sign_in(const struct audit_record *a, void *userdata)
{
        if (strcmp(a->action, "session.create") == 0)
                (*(int *)userdata)++;
        return 0;
}

/* Sign-in as every door runs it: a wrong password and an unknown name
 * write nothing; the right one writes the session and
 * its audit record, by the user signing in. */
static void sign_in_writes_only_on_success(void **state)
{
        struct fixture *f = *state;
        struct field_errors fe;
        struct user u;
        struct user_spec spec = { .name = "erin", .role = "responder", .password = "a long sign-in password" };
        fielderr_init(&fe);
        assert_int_equal(account_user_create(f->s, &tester, T0, &spec, &u, &fe), 0);
        struct session sess = { .created_at = T0, .last_seen = T0, .expires_at = T0 + 3600 * S };
        memset(sess.token_hash, 7, sizeof sess.token_hash);
        const struct config_login lim = { .max_failures_user = 3, .max_failures_address = 100, .window = 60 };
        int retry;
        assert_int_equal(account_sign_in(f->s, T0, "req-2", "192.0.2.1", "erin", "wrong password!", &lim, &sess, &u,
                                         &retry),
                         -VG_EAUTH);
        assert_int_equal(account_sign_in(f->s, T0, "req-2", "192.0.2.1", "nobody", "a long sign-in password", &lim,
                                         &sess, &u, &retry),
                         -VG_EAUTH);
        struct store_tx *tx;
        int n = 0;
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_audit_list(tx, 0, 0, count_sign_in, &n), 0);
        struct session got;
        assert_int_equal(store_session_get_by_hash(tx, sess.token_hash, &got), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_int_equal(n, 0);

        assert_int_equal(account_sign_in(f->s, T0, "req-3", "192.0.2.1", "erin", "a long sign-in password", &lim, &sess,
                                         &u, &retry),
                         0);
        assert_string_equal(u.name, "erin");
        for (size_t i = 0; i < sizeof u.password_hash; i++)
                assert_int_equal(u.password_hash[i], 0);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_audit_list(tx, 0, 0, count_sign_in, &n), 0);
        assert_int_equal(store_session_get_by_hash(tx, sess.token_hash, &got), 0);
        store_rollback(tx);
        assert_int_equal(n, 1);
        assert_int_equal(got.user_id, u.id);
}

/* The failures are counted in the store: a second store on the same
 * database (another node) sees the limit the first reached, even for the
 * right password; the window's end lifts it, and a success clears the
 * name's count. */
static void sign_in_limits_hold_for_every_node(void **state)
{
        struct fixture *f = *state;
        struct field_errors fe;
        struct user u;
        struct user_spec spec = { .name = "erin", .role = "responder", .password = "a long sign-in password" };
        const struct config_login lim = { .max_failures_user = 3, .max_failures_address = 100, .window = 60 };
        char err[256];
        struct store *other;
        int retry = 0;
        fielderr_init(&fe);
        assert_int_equal(account_user_create(f->s, &tester, T0, &spec, &u, &fe), 0);
        assert_int_equal(store_open(f->url, &other, err, sizeof err), 0);
        struct session sess = { .created_at = T0, .last_seen = T0, .expires_at = T0 + 3600 * S };
        for (int i = 0; i < 3; i++) {
                memset(sess.token_hash, i, sizeof sess.token_hash);
                assert_int_equal(account_sign_in(i % 2 ? other : f->s, T0 + i * S, "req", "192.0.2.1", "erin",
                                                 "wrong password!", &lim, &sess, &u, &retry),
                                 -VG_EAUTH);
        }
        memset(sess.token_hash, 9, sizeof sess.token_hash);
        assert_int_equal(account_sign_in(other, T0 + 10 * S, "req", "192.0.2.1", "erin", "a long sign-in password",
                                         &lim, &sess, &u, &retry),
                         -VG_ERATELIMIT);
        assert_int_equal(retry, 50);
        assert_int_equal(account_sign_in(f->s, T0 + 10 * S, "req", "192.0.2.1", "erin", "a long sign-in password",
                                         &lim, &sess, &u, &retry),
                         -VG_ERATELIMIT);
        /* Another name from the same address is not at its limit. */
        assert_int_equal(account_sign_in(other, T0 + 10 * S, "req", "192.0.2.1", "nobody", "x", &lim, &sess, &u,
                                         &retry),
                         -VG_EAUTH);
        /* The window ends 60 s after its first failure. */
        assert_int_equal(account_sign_in(other, T0 + 60 * S, "req", "192.0.2.1", "erin", "a long sign-in password",
                                         &lim, &sess, &u, &retry),
                         0);
        memset(sess.token_hash, 10, sizeof sess.token_hash);
        assert_int_equal(account_sign_in(f->s, T0 + 61 * S, "req", "192.0.2.1", "erin", "wrong password!", &lim,
                                         &sess, &u, &retry),
                         -VG_EAUTH);
        store_close(other);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(advance_checks_exit_criteria, setup, teardown),
                cmocka_unit_test_setup_teardown(leaving_recovery_opens_vigilance, setup, teardown),
                cmocka_unit_test_setup_teardown(stale_incident_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(sign_in_writes_only_on_success, setup, teardown),
                cmocka_unit_test_setup_teardown(sign_in_limits_hold_for_every_node, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
