/* Thresholds on the number of people affected (core/rules.c
 * rule_residents_met, rule_applies, rule_conditions), against examples
 * worked by hand from the citations:
 *   Colorado AG, C.R.S. 6-1-716(2)(f): "500 Colorado residents or more";
 *   California AG, Cal. Civ. Code 1798.82(f): "more than 500";
 *   HIPAA media, 45 CFR 164.406(a): "more than 500 residents of a State
 *   or jurisdiction" - each State on its own;
 *   HIPAA annual log, 164.408(c): "less than 500 individuals", in all.
 * The rules are built as etc/rules.yaml writes them, without the loader. */
#include "core/rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static struct rule_group eu = { .name = "EU", .n = 3, .codes = { "DE", "FR", "IE" } };
static const struct rule_set groups = { .n_groups = 1, .groups = &eu };

static struct rule threshold_rule(const char *jur, enum rule_count cmp, int64_t n, enum rule_counted counted)
{
        struct rule r = { .after = -1, .holidays = -1, .n_terms = 1 };
        if (jur) {
                snprintf(r.jur[0], sizeof r.jur[0], "%s", jur);
                r.n_jur = 1;
        }
        r.residents = (struct rule_threshold){ .cmp = cmp, .n = n, .counted = counted };
        return r;
}

/* The incident's counts: n pairs of code and number. */
struct counts {
        struct resident_count v[8];
        struct obligation_facts f;
};

static void set_counts(struct counts *c, size_t n, const char *const *codes, const int64_t *numbers)
{
        memset(c, 0, sizeof *c);
        for (size_t i = 0; i < n; i++) {
                snprintf(c->v[i].jur, sizeof c->v[i].jur, "%s", codes[i]);
                c->v[i].n = numbers[i];
        }
        c->f.residents = c->v;
        c->f.n_residents = n;
}

/* Is r met with one count of code at n? */
static bool met_with(const struct rule *r, const char *code, int64_t n)
{
        struct counts c;
        set_counts(&c, 1, &code, &n);
        return rule_residents_met(&groups, r, &c.f, NULL);
}

/* Colorado: at least 500 - 499 no, 500 yes, 501 yes; 0 no. */
static void at_least_counts_the_boundary_in(void **state)
{
        (void)state;
        struct rule co = threshold_rule("US-CO", RULE_COUNT_AT_LEAST, 500, RULE_COUNTED_PER_JURISDICTION);
        assert_false(met_with(&co, "US-CO", 499));
        assert_true(met_with(&co, "US-CO", 500));
        assert_true(met_with(&co, "US-CO", 501));
        assert_false(met_with(&co, "US-CO", 0));
        /* Texas, at least 250: 250 is enough. */
        struct rule tx = threshold_rule("US-TX", RULE_COUNT_AT_LEAST, 250, RULE_COUNTED_PER_JURISDICTION);
        assert_false(met_with(&tx, "US-TX", 249));
        assert_true(met_with(&tx, "US-TX", 250));
}

/* California: more than 500 - 499 no, 500 no, 501 yes. */
static void more_than_leaves_the_boundary_out(void **state)
{
        (void)state;
        struct rule ca = threshold_rule("US-CA", RULE_COUNT_MORE_THAN, 500, RULE_COUNTED_PER_JURISDICTION);
        assert_false(met_with(&ca, "US-CA", 499));
        assert_false(met_with(&ca, "US-CA", 500));
        assert_true(met_with(&ca, "US-CA", 501));
        assert_false(met_with(&ca, "US-CA", 0));
        struct rule any = threshold_rule("US-CA", RULE_COUNT_MORE_THAN, 0, RULE_COUNTED_PER_JURISDICTION);
        assert_false(met_with(&any, "US-CA", 0));
        assert_true(met_with(&any, "US-CA", 1));
}

/* HIPAA's log: fewer than 500 in all - 499 yes, 500 no, 0 yes. */
static void fewer_than_counts_everywhere(void **state)
{
        (void)state;
        struct rule log = threshold_rule("US", RULE_COUNT_FEWER_THAN, 500, RULE_COUNTED_EVERYWHERE);
        assert_true(met_with(&log, "US-NY", 499));
        assert_false(met_with(&log, "US-NY", 500));
        assert_true(met_with(&log, "US-NY", 0));
        /* Everywhere: 300 in New York and 250 in Germany are 550. */
        struct counts c;
        const char *codes[] = { "DE", "US-NY" };
        const int64_t n[] = { 250, 300 };
        set_counts(&c, 2, codes, n);
        struct rule_count_seen seen;
        assert_false(rule_residents_met(&groups, &log, &c.f, &seen));
        assert_int_equal(seen.count, 550);
        assert_null(seen.jur);
        struct rule hhs = threshold_rule("US", RULE_COUNT_AT_LEAST, 500, RULE_COUNTED_EVERYWHERE);
        assert_true(rule_residents_met(&groups, &hhs, &c.f, NULL));
        /* Together: only those under the rule's US, 300. */
        struct rule us = threshold_rule("US", RULE_COUNT_AT_LEAST, 500, RULE_COUNTED_TOGETHER);
        assert_false(rule_residents_met(&groups, &us, &c.f, &seen));
        assert_int_equal(seen.count, 300);
}

/* A count not recorded is not guessed: the threshold waits for it, even
 * one of "fewer than". */
static void a_missing_jurisdiction_is_not_met(void **state)
{
        (void)state;
        struct rule ca = threshold_rule("US-CA", RULE_COUNT_MORE_THAN, 500, RULE_COUNTED_PER_JURISDICTION);
        struct rule log = threshold_rule("US", RULE_COUNT_FEWER_THAN, 500, RULE_COUNTED_EVERYWHERE);
        struct rule_count_seen seen;
        struct counts none;
        set_counts(&none, 0, NULL, NULL);
        assert_false(rule_residents_met(&groups, &ca, &none.f, &seen));
        assert_int_equal(seen.count, -1);
        assert_false(rule_residents_met(&groups, &log, &none.f, &seen));
        assert_int_equal(seen.count, -1);
        /* 9,000 New Yorkers say nothing of Californians. */
        assert_false(met_with(&ca, "US-NY", 9000));
        struct counts ny;
        const char *code = "US-NY";
        const int64_t n = 9000;
        set_counts(&ny, 1, &code, &n);
        assert_false(rule_residents_met(&groups, &ca, &ny.f, &seen));
        assert_int_equal(seen.count, -1);
        assert_null(seen.jur);
        /* No threshold: met, with no count at all. */
        struct rule plain = threshold_rule("US-CA", RULE_COUNT_NONE, 0, RULE_COUNTED_PER_JURISDICTION);
        assert_true(rule_residents_met(&groups, &plain, &none.f, NULL));
}

/* HIPAA media: each State on its own. 400 in California and 400 in
 * Texas owe nothing; 501 in Texas do, and the explanation names Texas. */
static void per_jurisdiction_counts_each_on_its_own(void **state)
{
        (void)state;
        struct rule media = threshold_rule("US", RULE_COUNT_MORE_THAN, 500, RULE_COUNTED_PER_JURISDICTION);
        struct counts c;
        const char *codes[] = { "DE", "US-CA", "US-TX" };
        int64_t n[] = { 5000, 400, 400 };
        set_counts(&c, 3, codes, n);
        struct rule_count_seen seen;
        assert_false(rule_residents_met(&groups, &media, &c.f, &seen));
        /* The nearest is shown: the first of the largest under US (Germany is not). */
        assert_int_equal(seen.count, 400);
        assert_string_equal(seen.jur, "US-CA");
        n[2] = 501;
        set_counts(&c, 3, codes, n);
        assert_true(rule_residents_met(&groups, &media, &c.f, &seen));
        assert_int_equal(seen.count, 501);
        assert_string_equal(seen.jur, "US-TX");
        /* A group counts its members: 600 in Germany are over 500 of the EU's. */
        struct rule eu_rule = threshold_rule("EU", RULE_COUNT_MORE_THAN, 500, RULE_COUNTED_PER_JURISDICTION);
        assert_true(met_with(&eu_rule, "DE", 600));
        assert_false(met_with(&eu_rule, "GB", 600));
}

/* rule_applies turns on the count as on every other condition; and
 * rule_conditions says which fact met each. */
static void applies_and_says_why(void **state)
{
        (void)state;
        struct rule ca = threshold_rule("US-CA", RULE_COUNT_MORE_THAN, 500, RULE_COUNTED_PER_JURISDICTION);
        ca.data = DATA_BIT(DATA_PERSONAL_DATA) | DATA_BIT(DATA_HEALTH);
        const char *jur[] = { "US-NY", "US-CA" };
        struct party_facts shop = { .n_jur = 2, .jur = jur };
        struct counts c;
        const char *code = "US-CA";
        int64_t n = 501;
        set_counts(&c, 1, &code, &n);
        c.f.hit = DATA_BIT(DATA_HEALTH);
        assert_true(rule_applies(&groups, &ca, &shop, &c.f));
        struct rule_condition why[RULE_COND__COUNT];
        size_t k = rule_conditions(&groups, &ca, &shop, &c.f, why);
        assert_int_equal(k, 3);
        assert_int_equal(why[0].kind, RULE_COND_DATA);
        assert_true(why[0].met);
        assert_int_equal(why[0].data, DATA_HEALTH);
        assert_int_equal(why[1].kind, RULE_COND_JURISDICTIONS);
        assert_string_equal(why[1].fact, "US-CA");
        assert_int_equal(why[2].kind, RULE_COND_RESIDENTS);
        assert_true(why[2].met);
        assert_int_equal(why[2].count.count, 501);
        assert_string_equal(why[2].fact, "US-CA");
        assert_string_equal(rule_condition_to_string(why[2].kind), "residents");
        /* 500: everything else holds, the count does not. */
        n = 500;
        set_counts(&c, 1, &code, &n);
        c.f.hit = DATA_BIT(DATA_HEALTH);
        assert_false(rule_applies(&groups, &ca, &shop, &c.f));
        k = rule_conditions(&groups, &ca, &shop, &c.f, why);
        assert_true(why[0].met && why[1].met);
        assert_false(why[2].met);
        assert_int_equal(why[2].count.count, 500);
        /* A tenant elsewhere: the jurisdiction fails, and says so. */
        const char *tx[] = { "US-TX" };
        struct party_facts texan = { .n_jur = 1, .jur = tx };
        k = rule_conditions(&groups, &ca, &texan, &c.f, why);
        assert_false(why[1].met);
        assert_null(why[1].fact);
        /* A rule with no condition lists none. */
        struct rule contract = { .after = -1, .holidays = -1 };
        assert_int_equal(rule_conditions(&groups, &contract, &texan, &c.f, why), 0);
        assert_string_equal(rule_count_to_string(RULE_COUNT_MORE_THAN), "residents_more_than");
        assert_int_equal(rule_counted_from_string("everywhere"), RULE_COUNTED_EVERYWHERE);
        assert_int_equal(rule_counted_from_string("each"), RULE_COUNTED__COUNT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(at_least_counts_the_boundary_in),
                cmocka_unit_test(more_than_leaves_the_boundary_out),
                cmocka_unit_test(fewer_than_counts_everywhere),
                cmocka_unit_test(a_missing_jurisdiction_is_not_met),
                cmocka_unit_test(per_jurisdiction_counts_each_on_its_own),
                cmocka_unit_test(applies_and_says_why),
        };
        return cmocka_run_group_tests_name("core/rule-thresholds", tests, NULL, NULL);
}
