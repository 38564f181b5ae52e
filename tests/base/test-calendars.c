/* The holiday calendars of etc/rules.yaml, computed from their rules,
 * against the published official dates of at least three years each;
 * and their ranges: a business-day count past a calendar's last year is
 * refused, never guessed. Each list below is the weekdays off of one year
 * as its source publishes them (weekend holidays that are not moved are
 * left out: they are days off anyway). */
#include "base/rules.h"
#include "core/calendar.h"
#include "core/error.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static struct rule_set S;

static const struct holiday_calendar *cal(const char *name)
{
        for (size_t i = 0; i < S.n_cals; i++)
                if (strcmp(S.cals[i].name, name) == 0)
                        return &S.cals[i];
        fail_msg("no calendar %s", name);
        return NULL;
}

/* The weekdays of year that c has off, as "MM-DD MM-DD ...". */
static void weekdays_off(const struct holiday_calendar *c, int year, char *out, size_t size)
{
        out[0] = '\0';
        for (int64_t d = vg_days_from_civil(year, 1, 1); d <= vg_days_from_civil(year, 12, 31); d++) {
                if (vg_weekday(d) >= 5 || holiday_is_business_day(c, d))
                        continue;
                int64_t y;
                unsigned m, dd;
                vg_civil_from_days(d, &y, &m, &dd);
                size_t n = strlen(out);
                snprintf(out + n, size - n, "%s%02u-%02u", n ? " " : "", m, dd);
        }
}

static void check(const char *name, int year, const char *want)
{
        char got[512];
        assert_true(holiday_covers(cal(name), vg_days_from_civil(year, 6, 30)));
        weekdays_off(cal(name), year, got, sizeof got);
        if (strcmp(got, want) != 0)
                fail_msg("%s %d: got  %s\nwant %s", name, year, got, want);
}

static void easter(void **state)
{
        (void)state;
        /* Western Easter Sunday (the dates of the Gregorian computus, as
         * any church calendar lists them). */
        static const struct { int y; unsigned m, d; } e[] = {
                { 2019, 4, 21 }, { 2024, 3, 31 }, { 2025, 4, 20 }, { 2026, 4, 5 },
                { 2027, 3, 28 }, { 2038, 4, 25 }, { 2285, 3, 22 }, { 2011, 4, 24 },
        };
        for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
                assert_int_equal(calendar_easter(e[i].y), vg_days_from_civil(e[i].y, e[i].m, e[i].d));
}

static void us_federal(void **state)
{
        (void)state;
        /* OPM, "Federal Holidays" (opm.gov/policy-data-oversight/pay-leave/
         * federal-holidays), 2021-2027; 9 January 2025: the executive order
         * of 30 December 2024 closing agencies for President Carter's
         * national day of mourning. 2021 ends with the Friday off for
         * New Year's Day 2022, a Saturday. */
        check("US-FED", 2021, "01-01 01-18 02-15 05-31 06-18 07-05 09-06 10-11 11-11 11-25 12-24 12-31");
        check("US-FED", 2024, "01-01 01-15 02-19 05-27 06-19 07-04 09-02 10-14 11-11 11-28 12-25");
        check("US-FED", 2025, "01-01 01-09 01-20 02-17 05-26 06-19 07-04 09-01 10-13 11-11 11-27 12-25");
        check("US-FED", 2026, "01-01 01-19 02-16 05-25 06-19 07-03 09-07 10-12 11-11 11-26 12-25");
        check("US-FED", 2027, "01-01 01-18 02-15 05-31 06-18 07-05 09-06 10-11 11-11 11-25 12-24 12-31");
}

static void uk_england_wales(void **state)
{
        (void)state;
        /* gov.uk/bank-holidays (England and Wales), 2022-2027. */
        check("GB-EAW", 2022, "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27");
        check("GB-EAW", 2023, "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26");
        check("GB-EAW", 2024, "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26");
        check("GB-EAW", 2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28");
        check("GB-EAW", 2027, "01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28");
}

static void eu_institutions(void **state)
{
        (void)state;
        /* Commission Decision of 25 May 2021 on public holidays in 2023
         * (OJ C 201 I, 28.5.2021, p. 2); Commission Decision of 17 November
         * 2022 on public holidays in 2024 (OJ C 440, 21.11.2022, p. 15);
         * the Commission's list for 2025. Brussels (21 July). */
        check("EU-INST", 2023,
              "01-02 04-06 04-07 04-10 05-01 05-09 05-18 05-19 05-29 07-21 08-15 11-01 11-02 12-25 12-26 12-27 12-28 12-29");
        check("EU-INST", 2024, "01-01 01-02 03-28 03-29 04-01 05-01 05-09 05-10 05-20 08-15 11-01 12-24 12-25 12-26 12-27 "
                               "12-30 12-31");
        check("EU-INST", 2025, "01-01 01-02 04-17 04-18 04-21 05-01 05-09 05-29 05-30 06-09 07-21 08-15 12-24 12-25 12-26 "
                               "12-29 12-30 12-31");
        /* The decisions for later years are not entered: refused. */
        assert_false(holiday_covers(cal("EU-INST"), vg_days_from_civil(2026, 1, 5)));
}

static void germany(void **state)
{
        (void)state;
        /* The nationwide days of the Laender's holiday acts (BMI,
         * "Gesetzliche Feiertage"), 2024-2026; 3 October and 26 December
         * 2026 are Saturdays. */
        check("DE", 2024, "01-01 03-29 04-01 05-01 05-09 05-20 10-03 12-25 12-26");
        check("DE", 2025, "01-01 04-18 04-21 05-01 05-29 06-09 10-03 12-25 12-26");
        check("DE", 2026, "01-01 04-03 04-06 05-01 05-14 05-25 12-25");
}

static void brazil(void **state)
{
        (void)state;
        /* The federal government's annual portaria of national holidays
         * and optional days (carnival, Corpus Christi), 2024, 2026, 2027;
         * 20 November national from 2024 (Lei 14.759/2023). */
        check("BR", 2024, "01-01 02-12 02-13 03-29 05-01 05-30 11-15 11-20 12-25");
        check("BR", 2026, "01-01 02-16 02-17 04-03 04-21 05-01 06-04 09-07 10-12 11-02 11-20 12-25");
        check("BR", 2027, "01-01 02-08 02-09 03-26 04-21 05-27 09-07 10-12 11-02 11-15");
}

static void japan(void **state)
{
        (void)state;
        /* Cabinet Office, "National Holidays" (www8.cao.go.jp/chosei/
         * shukujitsu), 2024-2026: substitute holidays (12 Feb, 6 May, 12
         * Aug, 23 Sep, 4 Nov 2024; 24 Feb, 6 May, 24 Nov 2025; 6 May 2026)
         * and the citizen's holiday of 22 September 2026. */
        check("JP", 2024, "01-01 01-08 02-12 02-23 03-20 04-29 05-03 05-06 07-15 08-12 09-16 09-23 10-14 11-04");
        check("JP", 2025, "01-01 01-13 02-11 02-24 03-20 04-29 05-05 05-06 07-21 08-11 09-15 09-23 10-13 11-03 11-24");
        check("JP", 2026, "01-01 01-12 02-11 02-23 03-20 04-29 05-04 05-05 05-06 07-20 08-11 09-21 09-22 09-23 10-12 11-03 "
                          "11-23");
        /* The equinoxes are announced a year ahead: 2028 is not known. */
        assert_false(holiday_covers(cal("JP"), vg_days_from_civil(2028, 1, 4)));
}

static void india(void **state)
{
        (void)state;
        /* DoPT office memoranda on holidays for central government offices
         * (Delhi/New Delhi) for 2024, 2025 and 2026. */
        check("IN", 2024, "01-26 03-25 03-29 04-11 04-17 05-23 06-17 07-17 08-15 08-26 09-16 10-02 10-31 11-15 12-25");
        check("IN", 2025, "02-26 03-14 03-31 04-10 04-18 05-12 08-15 09-05 10-02 10-20 11-05 12-25");
        check("IN", 2026, "01-26 03-04 03-26 03-31 04-03 05-01 05-27 06-26 08-26 09-04 10-02 10-20 11-24 12-25");
        assert_false(holiday_covers(cal("IN"), vg_days_from_civil(2027, 1, 4)));
}

static void singapore(void **state)
{
        (void)state;
        /* Ministry of Manpower, "Public holidays for 2024/2025/2026": a
         * Sunday holiday gives the Monday (12 Feb 2024; 1 Jun, 10 Aug, 9 Nov
         * 2026); Polling Day 3 May 2025 was a Saturday. */
        check("SG", 2024, "01-01 02-12 03-29 04-10 05-01 05-22 06-17 08-09 10-31 12-25");
        check("SG", 2025, "01-01 01-29 01-30 03-31 04-18 05-01 05-12 10-20 12-25");
        check("SG", 2026, "01-01 02-17 02-18 04-03 05-01 05-27 06-01 08-10 11-09 12-25");
}

static void australia(void **state)
{
        (void)state;
        /* business.gov.au / Fair Work Ombudsman public holidays, the days
         * every state and territory keeps, 2022 and 2024-2026; 22 September
         * 2022: the National Day of Mourning. Anzac Day 2026 (a Saturday)
         * is moved only in some states. */
        check("AU", 2022, "01-03 01-26 04-15 04-18 04-25 09-22 12-26 12-27");
        check("AU", 2024, "01-01 01-26 03-29 04-01 04-25 12-25 12-26");
        check("AU", 2025, "01-01 01-27 04-18 04-21 04-25 12-25 12-26");
        check("AU", 2026, "01-01 01-26 04-03 04-06 12-25 12-28");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(easter),         cmocka_unit_test(us_federal), cmocka_unit_test(uk_england_wales),
                cmocka_unit_test(eu_institutions), cmocka_unit_test(germany),   cmocka_unit_test(brazil),
                cmocka_unit_test(japan),          cmocka_unit_test(india),      cmocka_unit_test(singapore),
                cmocka_unit_test(australia),
        };
        char path[512], err[512];
        snprintf(path, sizeof path, "%s/etc/rules.yaml", getenv("VIGIL_SOURCE_ROOT") ? getenv("VIGIL_SOURCE_ROOT") : "..");
        if (rules_load(path, &S, err, sizeof err) != 0) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        int failed = cmocka_run_group_tests_name("base/calendars", tests, NULL, NULL);
        rule_set_fini(&S);
        return failed;
}
