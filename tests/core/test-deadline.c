/* Deadline arithmetic against examples worked by hand from the citations
 * (../shared/reference/regulations.tsv and regulations-notes.md). Zones
 * from base/tz (libical); holiday calendars written out here. */
#include "base/tz.h"
#include "core/deadline.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

static vg_usec_t at(const char *rfc3339)
{
        vg_usec_t t;
        if (vg_time_parse(rfc3339, &t) < 0)
                fail_msg("bad time %s", rfc3339);
        return t;
}

static void due_is(enum deadline_unit unit, int64_t value, bool roll, const char *anchor, const char *zone,
                   const struct holiday_calendar *h, const char *want)
{
        struct deadline_rule r = { .unit = unit, .value = value, .roll_to_business_day = roll };
        vg_usec_t got;
        assert_int_equal(deadline_due(&r, at(anchor), tz_zone(zone), h, &got), 0);
        char a[VG_RFC3339_MAX], b[VG_RFC3339_MAX];
        vg_time_format(got, a);
        vg_time_format(at(want), b);
        if (got != at(want))
                fail_msg("%s %lld from %s in %s: got %s, want %s", deadline_unit_to_string(unit), (long long)value,
                         anchor, zone, a, b);
}

#define D(y, m, d) vg_days_from_civil(y, m, d)

/* US federal holidays 2026 (5 U.S.C. 6103, with the Friday/Monday rule). */
static const int us_dates[][3] = { { 2026, 1, 1 },   { 2026, 1, 19 },  { 2026, 2, 16 },  { 2026, 5, 25 },
                                   { 2026, 6, 19 },  { 2026, 7, 3 },   { 2026, 9, 7 },   { 2026, 10, 12 },
                                   { 2026, 11, 11 }, { 2026, 11, 26 }, { 2026, 12, 25 } };
/* Germany, national holidays of late December 2026. */
static const int de_dates[][3] = { { 2026, 12, 25 }, { 2026, 12, 26 } };
static int64_t us_days[11], de_days[2];
static struct holiday_calendar us = { "US-FED", WEEKEND_SAT_SUN, 11, us_days };
static struct holiday_calendar de = { "DE", WEEKEND_SAT_SUN, 2, de_days };

static int calendars(void **state)
{
        (void)state;
        for (size_t i = 0; i < 11; i++)
                us_days[i] = D(us_dates[i][0], (unsigned)us_dates[i][1], (unsigned)us_dates[i][2]);
        for (size_t i = 0; i < 2; i++)
                de_days[i] = D(de_dates[i][0], (unsigned)de_dates[i][1], (unsigned)de_dates[i][2]);
        return 0;
}

/* GDPR Art. 33(1): 72 hours from awareness, across the end of summer time
 * in Berlin (25 Oct 2026 03:00 CEST -> 02:00 CET). Aware 23 Oct 14:00 CEST
 * = 12:00Z; 72 elapsed hours later is 26 Oct 12:00Z, 13:00 on the Berlin
 * wall clock (not 14:00). */
static void gdpr_72_hours_across_dst(void **state)
{
        (void)state;
        due_is(DEADLINE_HOURS, 72, false, "2026-10-23T12:00:00Z", "Europe/Berlin", NULL, "2026-10-26T12:00:00Z");
        /* A contract's 72 hours from the declaration are the same arithmetic. */
        due_is(DEADLINE_HOURS, 72, false, "2026-03-27T23:30:00Z", "Europe/Berlin", NULL, "2026-03-30T23:30:00Z");
}

/* SEC Form 8-K Item 1.05: four business days after the materiality
 * determination. Determined Tue 24 Nov 2026 15:00 ET; business days after
 * it: Wed 25 (1), Thu 26 Thanksgiving (no), Fri 27 (2), Mon 30 (3), Tue
 * 1 Dec (4); due at the end of 1 Dec in New York = 2 Dec 00:00 EST = 05:00Z. */
static void sec_four_business_days_over_thanksgiving(void **state)
{
        (void)state;
        due_is(DEADLINE_BUSINESS_DAYS, 4, false, "2026-11-24T20:00:00Z", "America/New_York", &us, "2026-12-02T05:00:00Z");
        /* Without the holiday calendar Thanksgiving would count: a day earlier. */
        due_is(DEADLINE_BUSINESS_DAYS, 4, false, "2026-11-24T20:00:00Z", "America/New_York", NULL, "2026-12-01T05:00:00Z");
        /* Determined on a Saturday (4 Jul weekend): Mon 6 (1) .. Thu 9 (4). */
        due_is(DEADLINE_BUSINESS_DAYS, 4, false, "2026-07-04T16:00:00Z", "America/New_York", &us, "2026-07-10T04:00:00Z");
}

/* DORA Art. 19 with Del. Reg. 2025/301 Art. 5: initial 4 hours from
 * classification as major; intermediate 72 hours from when the initial
 * report was actually submitted; final one month from when the last
 * intermediate report was submitted. */
static void dora_stages_from_actual_submissions(void **state)
{
        (void)state;
        due_is(DEADLINE_HOURS, 4, false, "2026-11-23T10:00:00Z", "Europe/Berlin", &de, "2026-11-23T14:00:00Z");
        /* The initial report went in at 13:10Z, 50 minutes early: the next clock runs from then. */
        due_is(DEADLINE_HOURS, 72, false, "2026-11-23T13:10:00Z", "Europe/Berlin", &de, "2026-11-26T13:10:00Z");
        /* Intermediate submitted 26 Nov 10:00 CET: one month is the end of 26 Dec (Berlin). */
        due_is(DEADLINE_CALENDAR_MONTHS, 1, false, "2026-11-26T09:00:00Z", "Europe/Berlin", &de, "2026-12-26T23:00:00Z");
        /* 26 Dec 2026 is a Saturday and a German holiday: rolled, the end of Mon 28 Dec. */
        due_is(DEADLINE_CALENDAR_MONTHS, 1, true, "2026-11-26T09:00:00Z", "Europe/Berlin", &de, "2026-12-28T23:00:00Z");
}

/* NIS2 Art. 23(4): early warning 24 hours and notification 72 hours from
 * awareness (across the EU spring change on 29 Mar 2026, which elapsed
 * hours ignore); final report one month after the notification was
 * submitted, in Brussels time. */
static void nis2_24h_72h_one_month(void **state)
{
        (void)state;
        due_is(DEADLINE_HOURS, 24, false, "2026-03-27T16:00:00Z", "Europe/Brussels", NULL, "2026-03-28T16:00:00Z");
        due_is(DEADLINE_HOURS, 72, false, "2026-03-27T16:00:00Z", "Europe/Brussels", NULL, "2026-03-30T16:00:00Z");
        /* Notified 30 Mar 13:00 CEST: final due at the end of 30 Apr = 1 May 00:00 CEST = 30 Apr 22:00Z. */
        due_is(DEADLINE_CALENDAR_MONTHS, 1, false, "2026-03-30T11:00:00Z", "Europe/Brussels", NULL, "2026-04-30T22:00:00Z");
        /* 31 January + one month is the end of 28 February (2026 is no leap year)... */
        due_is(DEADLINE_CALENDAR_MONTHS, 1, false, "2026-01-31T12:00:00Z", "Europe/Brussels", NULL, "2026-02-28T23:00:00Z");
        /* ...and of 29 February in 2028. */
        due_is(DEADLINE_CALENDAR_MONTHS, 1, false, "2028-01-31T12:00:00Z", "Europe/Brussels", NULL, "2028-02-29T23:00:00Z");
}

/* A state law in calendar days: Washington RCW 19.255.010, 30 days after
 * discovery. Discovered 15 Dec 2026 16:00 PST; day 30 is 14 Jan 2027; due at
 * its end, 15 Jan 00:00 PST = 08:00Z. Late in the evening local time is
 * still the same local day even though UTC has moved on. */
static void state_law_calendar_days(void **state)
{
        (void)state;
        due_is(DEADLINE_CALENDAR_DAYS, 30, false, "2026-12-16T00:00:00Z", "America/Los_Angeles", NULL,
               "2027-01-15T08:00:00Z");
        due_is(DEADLINE_CALENDAR_DAYS, 30, false, "2026-12-16T07:59:59Z", "America/Los_Angeles", NULL,
               "2027-01-15T08:00:00Z");
        due_is(DEADLINE_CALENDAR_DAYS, 30, false, "2026-12-16T08:00:00Z", "America/Los_Angeles", NULL,
               "2027-01-16T08:00:00Z");
        /* A period of days that crosses the spring change ends at local midnight, 23 h days and all. */
        due_is(DEADLINE_CALENDAR_DAYS, 3, false, "2026-03-06T17:00:00Z", "America/New_York", NULL, "2026-03-10T04:00:00Z");
}

static void asap_units_and_bad_rules(void **state)
{
        (void)state;
        due_is(DEADLINE_ASAP, 0, false, "2026-11-23T10:00:00Z", "UTC", NULL, "2026-11-23T10:00:00Z");
        assert_int_equal(deadline_unit_from_string("business_days"), DEADLINE_BUSINESS_DAYS);
        assert_int_equal(deadline_unit_from_string("fortnights"), DEADLINE__INVALID);
        assert_string_equal(deadline_unit_to_string(DEADLINE_CALENDAR_MONTHS), "calendar_months");
        struct deadline_rule bad = { .unit = DEADLINE_HOURS, .value = -1 };
        vg_usec_t t;
        assert_int_equal(deadline_due(&bad, 0, &vg_zone_utc, NULL, &t), -EINVAL);
        bad.unit = DEADLINE__INVALID;
        bad.value = 1;
        assert_int_equal(deadline_due(&bad, 0, &vg_zone_utc, NULL, &t), -EINVAL);
        assert_false(holiday_is_business_day(&us, D(2026, 11, 26)));
        assert_false(holiday_is_business_day(&us, D(2026, 11, 28))); /* Saturday */
        assert_true(holiday_is_business_day(&us, D(2026, 11, 27)));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(gdpr_72_hours_across_dst),
                cmocka_unit_test(sec_four_business_days_over_thanksgiving),
                cmocka_unit_test(dora_stages_from_actual_submissions),
                cmocka_unit_test(nis2_24h_72h_one_month),
                cmocka_unit_test(state_law_calendar_days),
                cmocka_unit_test(asap_units_and_bad_rules),
        };
        return cmocka_run_group_tests_name("core/deadline", tests, calendars, NULL);
}
