/* A tenant administrator's report as a use case, without HTTP, on a
 * throw-away store (tests/cases/fixture.c): the incident it opens, and
 * the limit on how fast reports come. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cases/advisories.h"
#include "cases/portal.h"
#include "core/error.h"
#include "fixture.h"

#include <stdio.h>
#include <string.h>

static const char *const touched[] = {
        "SELECT count(*) FROM incidents",
        "SELECT count(*) FROM audit_log",
        "SELECT count(*) FROM jobs",
        NULL,
};

static int setup(void **state)
{
        struct case_fixture *f = case_fixture_new("portal-cases");
        if (!f)
                return -1;
        const char *const acme[] = {"tina", "tom", "tess"};
        for (size_t i = 0; i < 3; i++)
                fx_tenant_admin(f, acme[i], "acme");
        fx_tenant_admin(f, "gina", "globex");
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        return case_fixture_free(*state);
}

static int report(struct case_fixture *f, const char *who, const char *tenant, const char *title,
                  vg_usec_t now, struct incident *inc, int *retry, struct case_outcome *o)
{
        static const struct config_portal limits = {.max_reports_user = 2, .max_reports_tenant = 3, .window = 60};
        struct store_tx *tx;
        const struct actor a = fx_actor(who);
        const struct customer_report c = {.tenant = tenant, .title = title};
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = store_finish(tx, case_customer_report(tx, &a, now, &limits, &c, inc, retry, o));
        incident_fini(inc);
        return r;
}

static void a_report_opens_a_customer_incident(void **state)
{
        struct case_fixture *f = *state;
        struct incident inc;
        struct case_outcome o;
        int retry = 0;
        char title[PORTAL_TITLE_MAX + 1];
        memset(title, 'x', sizeof title - 1);
        title[sizeof title - 1] = '\0';
        assert_int_equal(report(f, "tina", "acme", title, FX_T0, &inc, &retry, &o), 0);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM incidents WHERE source = 'customer' "
                                     "AND title LIKE '[customer acme] x%'"),
                         1);
        assert_int_equal(fx_count(f, "SELECT count(*) FROM incident_tenants WHERE tenant = 'acme' "
                                     "AND status = 'suspected'"),
                         1);

        struct fx_snapshot before;
        fx_snap(f, touched, &before);
        assert_int_equal(report(f, "tina", "acme", "two\nlines", FX_T0, &inc, &retry, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "title");
        fx_assert_unchanged(f, touched, &before);
}

/* Two a user, three a tenant, in any 60 seconds. */
static void reports_are_limited(void **state)
{
        struct case_fixture *f = *state;
        struct incident inc;
        struct case_outcome o;
        struct fx_snapshot before;
        int retry = 0;
        assert_int_equal(report(f, "tina", "acme", "one", FX_T0, &inc, &retry, &o), 0);
        assert_int_equal(report(f, "tina", "acme", "two", FX_T0 + 10 * FX_S, &inc, &retry, &o), 0);
        fx_snap(f, touched, &before);
        assert_int_equal(report(f, "tina", "acme", "three", FX_T0 + 20 * FX_S, &inc, &retry, &o), -VG_ERATELIMIT);
        assert_int_equal(retry, 40); /* the first leaves the window at +60 s */
        assert_non_null(strstr(o.detail, "you have reported 2"));
        assert_int_equal(report(f, "tom", "acme", "four", FX_T0 + 20 * FX_S, &inc, &retry, &o), 0);
        fx_snap(f, touched, &before);
        assert_int_equal(report(f, "tess", "acme", "five", FX_T0 + 30 * FX_S, &inc, &retry, &o), -VG_ERATELIMIT);
        assert_non_null(strstr(o.detail, "your tenant has reported 3"));
        fx_assert_unchanged(f, touched, &before);
        /* Another tenant is not held up. */
        assert_int_equal(report(f, "gina", "globex", "six", FX_T0 + 30 * FX_S, &inc, &retry, &o), 0);
        /* And the window moves on. */
        assert_int_equal(report(f, "tina", "acme", "seven", FX_T0 + 71 * FX_S, &inc, &retry, &o), 0);
}

/* An advisory: a service name, one of four states, something said. */
static void advisories_are_checked(void **state)
{
        struct case_fixture *f = *state;
        const char *const adv[] = {"SELECT count(*) FROM advisories", "SELECT count(*) FROM audit_log", NULL};
        struct fx_snapshot before;
        struct case_outcome o;
        struct store_tx *tx;
        const struct actor a = fx_actor("cora");
        struct advisory bad = {.service = "bad name", .state = "fine", .message = ""};
        fx_snap(f, adv, &before);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_advisory_post(tx, &a, FX_T0, &bad, &o)), -VG_EVALIDATION);
        assert_int_equal(o.errors.n, 3);
        fx_assert_unchanged(f, adv, &before);
        /* Well formed, but a service the organisation does not run: a
         * typo would put a phantom service on the public page. */
        struct advisory typo = {.service = "billing", .state = "monitoring", .message = "a fix is out"};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_advisory_post(tx, &a, FX_T0, &typo, &o)), -VG_EVALIDATION);
        assert_int_equal(o.errors.n, 1);
        assert_string_equal(o.errors.e[0].field, "service");
        fx_assert_unchanged(f, adv, &before);
        int64_t version;
        int changed;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_org_put(tx, "service", "billing", "{}", FX_T0, &version, &changed), 0);
        assert_int_equal(store_commit(tx), 0);
        struct advisory good = {.service = "billing", .state = "monitoring", .message = "a fix is out"};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_advisory_post(tx, &a, FX_T0, &good, &o)), 0);
        assert_true(good.id > 0);
        assert_string_equal(good.posted_by, "cora");
        assert_int_equal(fx_count(f, "SELECT count(*) FROM audit_log WHERE action = 'advisory.post'"), 1);
        /* A notice that is not the tenant's is not found. */
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_notice_acknowledge(tx, &a, FX_T0, "acme", 4242, &o)), -VG_ENOTFOUND);
        assert_non_null(strstr(o.detail, "no notice 4242"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(a_report_opens_a_customer_incident, setup, teardown),
                cmocka_unit_test_setup_teardown(reports_are_limited, setup, teardown),
                cmocka_unit_test_setup_teardown(advisories_are_checked, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
