/* Training records and the response plan as use cases, without HTTP, on a
 * throw-away store (tests/cases/fixture.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cases/preparation.h"
#include "core/error.h"
#include "fixture.h"

#include <stdio.h>
#include <string.h>

static const char *const touched[] = {
        "SELECT count(*) FROM training_records",
        "SELECT count(*) FROM audit_log",
        NULL,
};

static int setup(void **state)
{
        struct case_fixture *f = case_fixture_new("preparation-cases");
        if (!f)
                return -1;
        fx_user(f, "rita", ROLE_RESPONDER, false);
        fx_user(f, "tina", ROLE_TENANT_ADMIN, false);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        return case_fixture_free(*state);
}

static int record(struct case_fixture *f, const char *user, vg_usec_t done, struct training_record *t,
                  struct case_outcome *o)
{
        struct store_tx *tx;
        const struct actor a = fx_actor("ada");
        *t = (struct training_record){.course = "IR reporting", .completed_at = done};
        snprintf(t->user, sizeof t->user, "%s", user);
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        return store_finish(tx, case_training_record(tx, &a, FX_T0 + 10 * FX_S, t, o));
}

static void training_is_for_staff(void **state)
{
        struct case_fixture *f = *state;
        struct fx_snapshot before;
        struct case_outcome o;
        struct training_record t;
        fx_snap(f, touched, &before);
        assert_int_equal(record(f, "ghost", FX_T0, &t, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "user");
        assert_int_equal(record(f, "tina", FX_T0, &t, &o), -VG_EVALIDATION);
        assert_int_equal(record(f, "rita", FX_T0 + 11 * FX_S, &t, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "completed_at");
        fx_assert_unchanged(f, touched, &before);

        assert_int_equal(record(f, "rita", FX_T0, &t, &o), 0);
        assert_true(t.id > 0);
        assert_string_equal(t.recorded_by, "ada");
        assert_int_equal(t.recorded_at, FX_T0 + 10 * FX_S);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM audit_log WHERE action = 'training.record'"), 1);
}

static int generate(struct case_fixture *f, vg_usec_t now, struct plan_result *res)
{
        struct store_tx *tx;
        const struct actor a = fx_actor("ada");
        const struct plan_inputs in = {.two_person = "sev1", .training_interval = 365 * 86400};
        assert_int_equal(store_begin(f->s, &tx), 0);
        return store_finish(tx, case_plan_generate(tx, &a, now, &in, res));
}

/* A new version only when the text changes. */
static void the_plan_follows_the_configuration(void **state)
{
        struct case_fixture *f = *state;
        struct plan_result res;
        assert_int_equal(generate(f, FX_T0, &res), 0);
        assert_true(res.created);
        assert_int_equal(res.p.version, 1);
        assert_non_null(strstr(res.body, "**responder**"));
        assert_non_null(strstr(res.body, "rita"));
        assert_non_null(strstr(res.body, "release for: sev1"));
        assert_non_null(strstr(res.body, "every 365 days"));
        char digest[sizeof res.p.digest];
        snprintf(digest, sizeof digest, "%s", res.p.digest);
        plan_result_fini(&res);

        assert_int_equal(generate(f, FX_T0 + FX_S, &res), 0);
        assert_false(res.created);
        assert_int_equal(res.p.version, 1);
        assert_string_equal(res.p.digest, digest);
        assert_int_equal(res.p.created_at, FX_T0);
        plan_result_fini(&res);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM audit_log WHERE action = 'plan.version'"), 1);

        fx_user(f, "ezra", ROLE_EXECUTIVE_INCIDENT_MANAGER, false);
        assert_int_equal(generate(f, FX_T0 + 2 * FX_S, &res), 0);
        assert_true(res.created);
        assert_int_equal(res.p.version, 2);
        assert_string_not_equal(res.p.digest, digest);
        assert_non_null(strstr(res.body, "ezra"));
        plan_result_fini(&res);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM audit_log WHERE action = 'plan.version'"), 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(training_is_for_staff, setup, teardown),
                cmocka_unit_test_setup_teardown(the_plan_follows_the_configuration, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
