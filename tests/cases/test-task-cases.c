/* The task, approval, recovery and alert-link use cases without HTTP, on a
 * throw-away SQLite store (tests/cases/fixture.c), each in its own
 * transaction as a door runs it. Every refusal is checked to leave the
 * database as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cases/tasks.h"
#include "cases/vigilance.h"
#include "core/error.h"
#include "fixture.h"

#include <stdio.h>
#include <string.h>

/* What these use cases could touch. */
static const char *const touched[] = {
        "SELECT count(*) FROM incident_tasks",
        "SELECT coalesce(sum(updated_at), 0) FROM incident_tasks",
        "SELECT count(*) FROM task_approvals",
        "SELECT coalesce(sum(requested_at + decided_at), 0) FROM task_approvals",
        "SELECT count(*) FROM recovery_assets",
        "SELECT count(*) FROM recovery_checks",
        "SELECT coalesce(sum(checked_at), 0) FROM recovery_checks",
        "SELECT count(*) FROM incident_alerts",
        "SELECT count(*) FROM audit_log",
        "SELECT sum(version) FROM incidents",
        NULL,
};

static int setup(void **state)
{
        struct case_fixture *f = case_fixture_new("task-cases");
        if (!f)
                return -1;
        fx_user(f, "rita", ROLE_RESPONDER, false);
        fx_user(f, "olga", ROLE_RESPONDER, true);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        return case_fixture_free(*state);
}

static bool has_field(const struct case_outcome *o, const char *field)
{
        for (size_t i = 0; i < o->errors.n; i++)
                if (strcmp(o->errors.e[i].field, field) == 0)
                        return true;
        return false;
}

static long long audits(struct case_fixture *f, const char *action)
{
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
        return fx_count(f, sql);
}

/* Each use case in its own transaction: committed on success. */
static int create(struct case_fixture *f, const char *as, const struct case_task_new *n, struct task *t,
                  struct case_outcome *o)
{
        struct store_tx *tx;
        const struct actor a = fx_actor(as);
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        return store_finish(tx, case_task_create(tx, &a, FX_T0 + FX_S, f->key, n, t, o));
}

static int update(struct case_fixture *f, const char *as, int64_t id, const struct case_task_edit *e,
                  struct task *t, struct case_outcome *o)
{
        struct store_tx *tx;
        const struct actor a = fx_actor(as);
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        return store_finish(tx, case_task_update(tx, &a, FX_T0 + 2 * FX_S, f->key, id, e, t, o));
}

static int decide(struct case_fixture *f, const char *as, const struct case_approval_decision *d,
                  struct task *t, struct case_outcome *o)
{
        struct store_tx *tx;
        const struct actor a = fx_actor(as);
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        return store_finish(tx, case_approval_decide(tx, &a, FX_T0 + 3 * FX_S, f->key, d, t, o));
}

static void bad_tasks_change_nothing(void **state)
{
        struct case_fixture *f = *state;
        struct fx_snapshot before;
        struct case_outcome o;
        struct task t;
        fx_snap(f, touched, &before);

        const struct case_task_new closed = {.phase = PHASE_CLOSED, .title = "x"};
        assert_int_equal(create(f, "rita", &closed, &t, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "phase"));
        const struct case_task_new two_lines = {.phase = PHASE_CONTAINMENT, .title = "a\nb"};
        assert_int_equal(create(f, "rita", &two_lines, &t, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "title"));
        const struct case_task_new impact = {.phase = PHASE_CONTAINMENT, .title = "x", .business_impact = true};
        assert_int_equal(create(f, "rita", &impact, &t, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "business_impact"));
        const struct case_task_new ghost = {.phase = PHASE_CONTAINMENT, .title = "x", .owner = "ghost"};
        assert_int_equal(create(f, "rita", &ghost, &t, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "owner"));
        const struct case_task_new disabled = {.phase = PHASE_CONTAINMENT, .title = "x", .owner = "olga"};
        assert_int_equal(create(f, "rita", &disabled, &t, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "owner"));
        /* Every field at once. */
        const struct case_task_new all = {.phase = PHASE__INVALID, .title = "", .owner = "ghost",
                                          .business_impact = true};
        assert_int_equal(create(f, "rita", &all, &t, &o), -VG_EVALIDATION);
        assert_int_equal(o.errors.n, 4);

        struct store_tx *tx;
        const struct actor a = fx_actor("rita");
        const struct case_task_new fine = {.phase = PHASE_CONTAINMENT, .title = "x"};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_task_create(tx, &a, FX_T0, "INC-2026-9999", &fine, &t, &o)),
                         -VG_ENOTFOUND);
        assert_non_null(strstr(o.detail, "INC-2026-9999"));
        const struct case_task_edit e = {.title = "y", .status = TASK__INVALID};
        assert_int_equal(update(f, "rita", 424242, &e, &t, &o), -VG_ENOTFOUND);
        assert_non_null(strstr(o.detail, "no task 424242"));
        fx_assert_unchanged(f, touched, &before);
}

/* A business-impact step: its approval is requested by whoever wrote it,
 * and only someone else decides it. */
static void the_requester_cannot_decide(void **state)
{
        struct case_fixture *f = *state;
        struct fx_snapshot before;
        struct case_outcome o;
        struct task t, d;

        const struct case_task_new n = {.phase = PHASE_ERADICATION, .title = "wipe the host",
                                        .owner = "rita", .due_at = FX_T0 + 3600 * FX_S,
                                        .business_impact = true};
        assert_int_equal(create(f, "erin", &n, &t, &o), 0);
        assert_true(t.id > 0);
        assert_int_equal(t.approval_status, APPROVAL_PENDING);
        assert_string_equal(t.requested_by, "erin");
        assert_string_equal(t.owner, "rita");
        assert_int_equal(t.due_at, FX_T0 + 3600 * FX_S);
        assert_int_equal(audits(f, "incident.task.create"), 1);

        /* Not started before the grant. */
        fx_snap(f, touched, &before);
        const struct case_task_edit start = {.status = TASK_IN_PROGRESS};
        assert_int_equal(update(f, "rita", t.id, &start, &d, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "needs an executive approval"));

        const struct case_approval_decision own = {.task = t.id, .decision = APPROVAL_GRANTED,
                                                   .comment = "go"};
        assert_int_equal(decide(f, "erin", &own, &d, &o), -VG_EFORBIDDEN);
        assert_non_null(strstr(o.detail, "you requested this approval"));
        const struct case_approval_decision stale = {.task = t.id, .decision = APPROVAL_GRANTED,
                                                     .comment = "go", .seen_title = "wipe a host"};
        assert_int_equal(decide(f, "ezra", &stale, &d, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "changed since you read it"));
        const struct case_approval_decision bad = {.task = t.id, .decision = APPROVAL_PENDING, .comment = ""};
        assert_int_equal(decide(f, "ezra", &bad, &d, &o), -VG_EVALIDATION);
        assert_true(has_field(&o, "decision") && has_field(&o, "comment"));
        fx_assert_unchanged(f, touched, &before);

        const struct case_approval_decision grant = {.task = t.id, .decision = APPROVAL_GRANTED,
                                                     .comment = "go", .seen_title = "wipe the host",
                                                     .seen_owner = "rita"};
        assert_int_equal(decide(f, "ezra", &grant, &d, &o), 0);
        assert_int_equal(d.approval_status, APPROVAL_GRANTED);
        assert_string_equal(d.decided_by, "ezra");
        assert_int_equal(d.decided_at, FX_T0 + 3 * FX_S);
        assert_int_equal(audits(f, "incident.approval"), 1);
        assert_int_equal(decide(f, "ezra", &grant, &d, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "no pending approval (granted)"));

        /* Started under its approval: the words it covers stay. */
        assert_int_equal(update(f, "rita", t.id, &start, &d, &o), 0);
        assert_int_equal(d.status, TASK_IN_PROGRESS);
        fx_snap(f, touched, &before);
        const struct case_task_edit rename = {.title = "wipe every host", .status = TASK__INVALID};
        assert_int_equal(update(f, "rita", t.id, &rename, &d, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "has started under an approval"));
        fx_assert_unchanged(f, touched, &before);
}

/* Renaming a step not yet started voids its approval: pending again, in
 * the renamer's name, who then cannot grant it. */
static void a_new_subject_voids_the_approval(void **state)
{
        struct case_fixture *f = *state;
        struct case_outcome o;
        struct task t, d;
        const struct case_task_new n = {.phase = PHASE_ERADICATION, .title = "rotate keys",
                                        .business_impact = true};
        assert_int_equal(create(f, "erin", &n, &t, &o), 0);
        const struct case_approval_decision grant = {.task = t.id, .decision = APPROVAL_GRANTED,
                                                     .comment = "ok"};
        assert_int_equal(decide(f, "ezra", &grant, &d, &o), 0);

        const struct case_task_edit e = {.owner = "rita", .status = TASK__INVALID};
        assert_int_equal(update(f, "ezra", t.id, &e, &d, &o), 0);
        assert_int_equal(d.approval_status, APPROVAL_PENDING);
        assert_string_equal(d.requested_by, "ezra");
        assert_string_equal(d.decided_by, "");
        assert_int_equal(audits(f, "incident.approval.void"), 1);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM task_approvals WHERE status = 'pending'"), 1);
        assert_int_equal(decide(f, "ezra", &grant, &d, &o), -VG_EFORBIDDEN);

        /* A change that keeps the subject keeps the approval's state. */
        const struct case_task_edit due = {.set_due = true, .due_at = FX_T0 + 60 * FX_S,
                                           .status = TASK__INVALID};
        assert_int_equal(update(f, "rita", t.id, &due, &d, &o), 0);
        assert_string_equal(d.requested_by, "ezra");
        assert_int_equal(audits(f, "incident.approval.void"), 1);
        /* An owner cleared with "" is none. */
        const struct case_task_edit none = {.owner = "", .status = TASK__INVALID};
        assert_int_equal(update(f, "rita", t.id, &none, &d, &o), 0);
        assert_string_equal(d.owner, "");
        assert_string_equal(d.requested_by, "rita");
}

static void recovery_and_links(void **state)
{
        struct case_fixture *f = *state;
        const struct actor a = fx_actor("rita");
        struct fx_snapshot before;
        struct case_outcome o;
        struct store_tx *tx;
        struct recovery_asset asset = {.asset = "signer"};
        struct recovery_check c = {.name = "signature verifies", .asset = "signer"}, got;
        struct alert_link l;

        fx_snap(f, touched, &before);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_asset_put(tx, &a, FX_T0, f->key, &asset, &o)),
                         -VG_EVALIDATION);
        assert_true(has_field(&o, "snapshot"));
        struct recovery_check bad = {.name = "", .asset = "bad name"};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_create(tx, &a, FX_T0, f->key, &bad, &o)),
                         -VG_EVALIDATION);
        assert_true(has_field(&o, "name") && has_field(&o, "asset"));
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_record(tx, &a, FX_T0, f->key, 77, CHECK_PASS,
                                                                     NULL, &got, &o)),
                         -VG_ENOTFOUND);
        assert_non_null(strstr(o.detail, "no check 77"));
        fx_assert_unchanged(f, touched, &before);

        snprintf(asset.build, sizeof asset.build, "v1.2.3");
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_asset_put(tx, &a, FX_T0 + FX_S, f->key, &asset, &o)), 0);
        assert_string_equal(asset.recorded_by, "rita");
        assert_int_equal(audits(f, "incident.recovery.asset"), 1);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_create(tx, &a, FX_T0 + FX_S, f->key, &c, &o)), 0);
        assert_true(c.id > 0);
        assert_int_equal(c.result, CHECK_PENDING);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_record(tx, &a, FX_T0 + 2 * FX_S, f->key, c.id,
                                                                     CHECK_PENDING, NULL, &got, &o)),
                         -VG_EVALIDATION);
        assert_true(has_field(&o, "result"));
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_record(tx, &a, FX_T0 + 2 * FX_S, f->key, c.id,
                                                                     CHECK_PASS, "ok", &got, &o)),
                         0);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM recovery_checks WHERE result = 'pass'"), 1);
        assert_int_equal(audits(f, "incident.recovery.check"), 2);

        /* An alert is linked once. */
        for (int i = 0; i < 2; i++) {
                case_outcome_init(&o);
                assert_int_equal(store_begin(f->s, &tx), 0);
                assert_int_equal(store_finish(tx, case_alert_link(tx, &a, FX_T0 + 3 * FX_S, f->key, "am:abc",
                                                                  "same host", &l, &o)),
                                 i == 0 ? 0 : -VG_ECONFLICT);
        }
        assert_non_null(strstr(o.detail, "linked to"));
        assert_int_equal(fx_count(f, "SELECT count(*) FROM incident_alerts"), 1);
        assert_int_equal(audits(f, "incident.alert.link"), 1);
        /* An alert of no incident (silenced, say), linked by fingerprint,
         * becomes the incident's: its repeats join it. */
        struct alert_row quiet = {.fingerprint = "00000000000000aa", .labels = "{}", .annotations = "{}",
                                  .source = "alertmanager", .starts_at = FX_T0, .updated_at = FX_T0, .received = 1};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_alert_insert(tx, &quiet), 0);
        assert_int_equal(store_commit(tx), 0);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_alert_link(tx, &a, FX_T0 + 4 * FX_S, f->key, "fp:00000000000000aa",
                                                          "silenced, but ours", &l, &o)),
                         0);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM alerts WHERE fingerprint = '00000000000000aa' "
                                     "AND incident_id IS NOT NULL"),
                         1);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM audit_log WHERE action = 'incident.alert.link' "
                                     "AND change LIKE '%\"joined\":true%'"),
                         1);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_alert_link(tx, &a, FX_T0, f->key, "two\nlines", NULL, &l, &o)),
                         -VG_EVALIDATION);
        assert_true(has_field(&o, "alert"));
}

/* A closed incident's tasks, approvals and recovery are read-only: every
 * change is refused with the one rule's words. */
static void a_closed_incident_takes_no_change(void **state)
{
        struct case_fixture *f = *state;
        const struct actor a = fx_actor("rita");
        struct fx_snapshot before;
        struct case_outcome o;
        struct store_tx *tx;
        struct task t, d;

        const struct case_task_new n = {.phase = PHASE_ERADICATION, .title = "step", .business_impact = true};
        assert_int_equal(create(f, "erin", &n, &t, &o), 0);
        struct recovery_check c = {.name = "check"};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_create(tx, &a, FX_T0, f->key, &c, &o)), 0);
        fx_close(f, FX_T0 + 10 * FX_S);
        fx_snap(f, touched, &before);

        assert_int_equal(create(f, "rita", &n, &d, &o), -VG_ECONFLICT);
        assert_string_equal(o.detail, "the incident is closed");
        const struct case_task_edit e = {.status = TASK_CANCELLED};
        assert_int_equal(update(f, "rita", t.id, &e, &d, &o), -VG_ECONFLICT);
        assert_string_equal(o.detail, "the incident is closed");
        const struct case_approval_decision g = {.task = t.id, .decision = APPROVAL_REJECTED, .comment = "no"};
        assert_int_equal(decide(f, "ezra", &g, &d, &o), -VG_ECONFLICT);
        assert_string_equal(o.detail, "the incident is closed");

        struct recovery_asset asset = {.asset = "signer", .snapshot = "snap-1"};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_asset_put(tx, &a, FX_T0, f->key, &asset, &o)),
                         -VG_ECONFLICT);
        assert_string_equal(o.detail, "the incident is closed");
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_create(tx, &a, FX_T0, f->key, &c, &o)),
                         -VG_ECONFLICT);
        struct recovery_check got;
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_recovery_check_record(tx, &a, FX_T0, f->key, c.id, CHECK_FAIL,
                                                                     NULL, &got, &o)),
                         -VG_ECONFLICT);
        assert_string_equal(o.detail, "the incident is closed");
        fx_assert_unchanged(f, touched, &before);

        /* Evidence still links to it: the vigilance window outlives the close. */
        struct alert_link l;
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_alert_link(tx, &a, FX_T0 + 20 * FX_S, f->key, "am:late", NULL,
                                                          &l, &o)),
                         0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(bad_tasks_change_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(the_requester_cannot_decide, setup, teardown),
                cmocka_unit_test_setup_teardown(a_new_subject_voids_the_approval, setup, teardown),
                cmocka_unit_test_setup_teardown(recovery_and_links, setup, teardown),
                cmocka_unit_test_setup_teardown(a_closed_incident_takes_no_change, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
