/* Deadline arithmetic against examples worked by hand from the citations
 * (../shared/reference/regulations.tsv and regulations-notes.md). Zones
 * from base/tz (libical); holiday calendars written out here. */
#include "base/tz.h"
#include "core/calendar.h"
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


/* Calendars computed from their rules, with their ranges. */
static struct holiday_calendar built(const char *name, const struct cal_def *d)
{
        struct holiday_calendar h = { name, d->weekend, 0, NULL, true, D(d->first_year, 1, 1), D(d->last_year, 12, 31) };
        int64_t *days;
        size_t bad;
        assert_int_equal(calendar_build(d, &days, &h.n, &bad), 0);
        h.days = days;
        return h;
}

static void computed_calendars_and_their_ranges(void **state)
{
        (void)state;
        /* 5 U.S.C. 6103, 2021-2027 only. SEC 8-K, 4 business days from
         * materiality determined Wed 22 Dec 2027 10:00 ET: Thu 23 (1), Fri
         * 24 (Christmas, a Saturday, observed), Mon 27 (2), Tue 28 (3), Wed 29
         * (4): the end of 29 Dec EST = 30 Dec 05:00Z. */
        static const struct cal_rule us_rules[] = {
                { .kind = CAL_FIXED, .month = 1, .day = 1 },
                { .kind = CAL_WEEKDAY, .month = 1, .weekday = 0, .nth = 3 },
                { .kind = CAL_WEEKDAY, .month = 2, .weekday = 0, .nth = 3 },
                { .kind = CAL_WEEKDAY, .month = 5, .weekday = 0, .nth = -1 },
                { .kind = CAL_FIXED, .month = 6, .day = 19, .from = 2021 },
                { .kind = CAL_FIXED, .month = 7, .day = 4 },
                { .kind = CAL_WEEKDAY, .month = 9, .weekday = 0, .nth = 1 },
                { .kind = CAL_WEEKDAY, .month = 10, .weekday = 0, .nth = 2 },
                { .kind = CAL_FIXED, .month = 11, .day = 11 },
                { .kind = CAL_WEEKDAY, .month = 11, .weekday = 3, .nth = 4 },
                { .kind = CAL_FIXED, .month = 12, .day = 25 },
        };
        struct cal_def usd = { WEEKEND_SAT_SUN, 2021, 2027, CAL_OBSERVE_US, false, 11, us_rules, 0, NULL };
        struct holiday_calendar usc = built("US-FED", &usd);
        due_is(DEADLINE_BUSINESS_DAYS, 4, false, "2027-12-22T15:00:00Z", "America/New_York", &usc, "2027-12-30T05:00:00Z");
        /* From Tue 28 Dec 2027: Wed 29 (1), Thu 30 (2), Fri 31 (New Year's
         * Day 2028, a Saturday, observed: inside the range), then 2028,
         * which the calendar does not know: refused, not guessed. */
        struct deadline_rule sec = { .unit = DEADLINE_BUSINESS_DAYS, .value = 4 };
        vg_usec_t t = 0;
        assert_int_equal(deadline_due(&sec, at("2027-12-28T15:00:00Z"), tz_zone("America/New_York"), &usc, &t), -ERANGE);
        assert_false(holiday_is_business_day(&usc, D(2027, 12, 31)));
        /* Rolling needs the calendar too: a calendar-days deadline ending
         * on Sat 1 Jan 2028 would roll into 2028. */
        struct deadline_rule rolled = { .unit = DEADLINE_CALENDAR_DAYS, .value = 4, .roll_to_business_day = true };
        assert_int_equal(deadline_due(&rolled, at("2027-12-28T15:00:00Z"), tz_zone("America/New_York"), &usc, &t), -ERANGE);
        free((int64_t *)usc.days);

        /* UK (England and Wales), with the one-off bank holiday of 19 Sep
         * 2022 (the State Funeral). 2 business days from Thu 15 Sep 12:00
         * London: Fri 16 (1), Mon 19 (holiday), Tue 20 (2): the end of 20
         * Sep BST = 20 Sep 23:00Z. */
        static const struct cal_rule uk_rules[] = {
                { .kind = CAL_FIXED, .month = 1, .day = 1 },     { .kind = CAL_EASTER, .offset = -2 },
                { .kind = CAL_EASTER, .offset = 1 },             { .kind = CAL_WEEKDAY, .month = 5, .weekday = 0, .nth = 1 },
                { .kind = CAL_WEEKDAY, .month = 5, .weekday = 0, .nth = -1 },
                { .kind = CAL_WEEKDAY, .month = 8, .weekday = 0, .nth = -1 },
                { .kind = CAL_FIXED, .month = 12, .day = 25 },   { .kind = CAL_FIXED, .month = 12, .day = 26 },
        };
        struct cal_exception funeral = { D(2022, 9, 19), -1 };
        struct cal_def ukd = { WEEKEND_SAT_SUN, 2022, 2022, CAL_OBSERVE_NEXT_WEEKDAY, false, 8, uk_rules, 1, &funeral };
        struct holiday_calendar ukc = built("GB-EAW", &ukd);
        due_is(DEADLINE_BUSINESS_DAYS, 2, false, "2022-09-15T11:00:00Z", "Europe/London", &ukc, "2022-09-20T23:00:00Z");
        /* Christmas Day 2022 a Sunday: Boxing Day Mon 26, Christmas's
         * substitute Tue 27. 1 business day from Fri 23 Dec: Wed 28, whose
         * end in London (GMT) is 29 Dec 00:00Z. */
        due_is(DEADLINE_BUSINESS_DAYS, 1, false, "2022-12-23T10:00:00Z", "Europe/London", &ukc, "2022-12-29T00:00:00Z");
        free((int64_t *)ukc.days);

        /* Japan, September 2026: Respect for the Aged Day Mon 21, the
         * citizen's holiday Tue 22 (between two holidays), the autumnal
         * equinox Wed 23 (announced; an exception). 1 business day from Fri
         * 18 Sep in Tokyo: Thu 24, ending 25 Sep 00:00 JST = 24 Sep 15:00Z. */
        static const struct cal_rule jp_rules[] = { { .kind = CAL_WEEKDAY, .month = 9, .weekday = 0, .nth = 3 } };
        struct cal_exception equinox = { D(2026, 9, 23), -1 };
        struct cal_def jpd = { WEEKEND_SAT_SUN, 2026, 2026, CAL_OBSERVE_SUNDAY_NEXT, true, 1, jp_rules, 1, &equinox };
        struct holiday_calendar jpc = built("JP", &jpd);
        due_is(DEADLINE_BUSINESS_DAYS, 1, false, "2026-09-18T03:00:00Z", "Asia/Tokyo", &jpc, "2026-09-24T15:00:00Z");
        assert_false(holiday_is_business_day(&jpc, D(2026, 9, 22)));
        free((int64_t *)jpc.days);

        /* A moved day must name a day its rules give; a holiday outside the
         * range is refused. */
        struct cal_exception moved = { D(2022, 6, 2), D(2022, 5, 31) }; /* the Spring bank holiday was 30 May */
        struct cal_def bad = ukd;
        bad.exceptions = &moved;
        int64_t *days = NULL;
        size_t n = 0, at_bad = 9;
        assert_int_equal(calendar_build(&bad, &days, &n, &at_bad), -EINVAL);
        assert_int_equal(at_bad, 0);
        moved.instead_of = D(2022, 5, 30);
        assert_int_equal(calendar_build(&bad, &days, &n, &at_bad), 0);
        free(days);
        struct cal_exception outside = { D(2023, 5, 8), -1 };
        bad.exceptions = &outside;
        assert_int_equal(calendar_build(&bad, &days, &n, &at_bad), -EINVAL);
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
                cmocka_unit_test(computed_calendars_and_their_ranges),
        };
        return cmocka_run_group_tests_name("core/deadline", tests, calendars, NULL);
}
