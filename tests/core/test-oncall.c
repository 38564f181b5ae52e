/* Rotation math against instants computed by hand from the tz rules:
 *   America/New_York: EST UTC-5; EDT UTC-4 from 2026-03-08 02:00 local to
 *   2026-11-01 02:00 local.  Europe/Berlin: CET UTC+1; CEST UTC+2 from
 *   2026-03-29 02:00 to 2026-10-25 03:00 local.  Australia/Sydney: AEDT
 *   UTC+11 in November. Zones come from base/tz (libical, system tz data). */
#include "base/tz.h"
#include "core/oncall.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static vg_usec_t at(const char *rfc3339)
{
        vg_usec_t t;
        if (vg_time_parse(rfc3339, &t) < 0)
                fail_msg("bad time %s", rfc3339);
        return t;
}

static const char *who(const struct oncall_schedule *s, const char *t)
{
        const char *u = oncall_who(s, at(t), NULL);
        return u ? u : "(nobody)";
}

static void layer(struct oncall_layer *l, enum rotation_kind kind, unsigned length, int y, int mo, int d, int h,
                  int mi, const char *users)
{
        memset(l, 0, sizeof *l);
        l->kind = kind;
        l->length = length;
        l->start = (struct vg_civil){ y, mo, d, h, mi, 0 };
        char buf[256];
        snprintf(buf, sizeof buf, "%s", users);
        for (char *save = NULL, *u = strtok_r(buf, ",", &save); u; u = strtok_r(NULL, ",", &save))
                snprintf(l->users[l->n_users++], ONCALL_NAME_MAX, "%s", u);
}

static void zones_convert(void **state)
{
        (void)state;
        const struct vg_zone *ny = tz_zone("America/New_York");
        assert_non_null(ny);
        assert_null(tz_zone("Nowhere/Atlantis"));
        struct vg_civil c = { 2026, 3, 8, 1, 30, 0 };
        assert_int_equal(ny->to_utc(ny, &c), at("2026-03-08T06:30:00Z")); /* EST */
        c.hour = 3;
        assert_int_equal(ny->to_utc(ny, &c), at("2026-03-08T07:30:00Z")); /* EDT */
        c.hour = 2; /* skipped: as if EST still held, 07:30Z = 03:30 EDT */
        assert_int_equal(ny->to_utc(ny, &c), at("2026-03-08T07:30:00Z"));
        struct vg_civil back;
        ny->to_local(ny, at("2026-11-01T05:30:00Z"), &back); /* 01:30 EDT, the first of two */
        assert_int_equal(back.hour, 1);
        ny->to_local(ny, at("2026-11-01T06:30:00Z"), &back); /* 01:30 EST, the second */
        assert_int_equal(back.hour, 1);
        c = (struct vg_civil){ 2026, 11, 1, 1, 30, 0 }; /* repeated: the first */
        assert_int_equal(ny->to_utc(ny, &c), at("2026-11-01T05:30:00Z"));
        c.hour = 2; /* 02:30 EST is unambiguous */
        assert_int_equal(ny->to_utc(ny, &c), at("2026-11-01T07:30:00Z"));
        assert_int_equal(vg_weekday(vg_days_from_civil(2026, 11, 23)), 0); /* a Monday */
}

static void daily_across_both_dst_changes_new_york(void **state)
{
        (void)state;
        struct oncall_layer l;
        layer(&l, ROTATION_DAILY, 1, 2026, 3, 6, 9, 0, "alice,bob,carol");
        struct oncall_schedule s = { .zone = tz_zone("America/New_York"), .n_layers = 1, .layers = &l };
        assert_string_equal(who(&s, "2026-03-06T13:59:59Z"), "(nobody)"); /* before the first hand-off */
        assert_string_equal(who(&s, "2026-03-06T14:00:00Z"), "alice");     /* 09:00 EST */
        assert_string_equal(who(&s, "2026-03-07T13:59:59Z"), "alice");
        assert_string_equal(who(&s, "2026-03-07T14:00:00Z"), "bob");
        /* Spring forward: bob's shift ends at 09:00 EDT = 13:00Z, 23 hours. */
        assert_string_equal(who(&s, "2026-03-08T12:59:59Z"), "bob");
        assert_string_equal(who(&s, "2026-03-08T13:00:00Z"), "carol");
        struct oncall_shift *sh;
        size_t n;
        assert_int_equal(oncall_final(&s, at("2026-03-07T00:00:00Z"), at("2026-03-10T00:00:00Z"), &sh, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(sh[1].user, "bob");
        assert_int_equal(sh[1].from, at("2026-03-07T14:00:00Z"));
        assert_int_equal(sh[1].to, at("2026-03-08T13:00:00Z"));
        assert_int_equal(sh[1].to - sh[1].from, 23 * 3600 * VG_USEC_PER_SEC);
        assert_string_equal(sh[3].user, "alice"); /* 03-09 09:00 EDT */
        assert_int_equal(sh[3].from, at("2026-03-09T13:00:00Z"));
        free(sh);
        /* Fall back: the shift from 10-31 09:00 EDT to 11-01 09:00 EST is 25 hours. */
        assert_int_equal(oncall_final(&s, at("2026-10-31T13:00:00Z"), at("2026-11-01T14:00:00Z"), &sh, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(sh[0].to - sh[0].from, 25 * 3600 * VG_USEC_PER_SEC);
        /* 2026-03-06 + 239 days = 10-31: 239 % 3 = 2, carol. */
        assert_string_equal(sh[0].user, "carol");
        free(sh);
}

static void weekly_across_dst_berlin(void **state)
{
        (void)state;
        struct oncall_layer l;
        layer(&l, ROTATION_WEEKLY, 1, 2026, 3, 23, 10, 0, "dora,emil");
        struct oncall_schedule s = { .zone = tz_zone("Europe/Berlin"), .n_layers = 1, .layers = &l };
        assert_string_equal(who(&s, "2026-03-23T09:00:00Z"), "dora"); /* 10:00 CET */
        /* The next Monday 10:00 is CEST, 08:00Z: a week of 167 hours. */
        assert_string_equal(who(&s, "2026-03-30T07:59:59Z"), "dora");
        assert_string_equal(who(&s, "2026-03-30T08:00:00Z"), "emil");
        /* Autumn: Monday 2026-10-26 10:00 is CET again, 09:00Z. 2026-03-23 + 217
         * days = week 31: emil (odd), after dora's week 30. */
        assert_string_equal(who(&s, "2026-10-26T08:59:59Z"), "dora");
        assert_string_equal(who(&s, "2026-10-26T09:00:00Z"), "emil");
        /* A two-week rotation hands off every other Monday. */
        l.length = 2;
        assert_string_equal(who(&s, "2026-03-30T08:00:00Z"), "dora");
        assert_string_equal(who(&s, "2026-04-06T08:00:00Z"), "emil");
}

static void hourly_counts_elapsed_time(void **state)
{
        (void)state;
        struct oncall_layer l;
        /* 12-hour shifts from 2026-03-07 20:00 EST (2026-03-08T01:00Z). */
        layer(&l, ROTATION_HOURLY, 12, 2026, 3, 7, 20, 0, "fay,gus");
        struct oncall_schedule s = { .zone = tz_zone("America/New_York"), .n_layers = 1, .layers = &l };
        assert_string_equal(who(&s, "2026-03-08T12:59:59Z"), "fay");
        /* Twelve hours later is 13:00Z, which the clock calls 09:00 EDT. */
        assert_string_equal(who(&s, "2026-03-08T13:00:00Z"), "gus");
        /* A hand-off at a skipped local time (02:30 on the spring-forward day)
         * happens at 03:30 EDT. */
        layer(&l, ROTATION_DAILY, 1, 2026, 3, 7, 2, 30, "fay,gus");
        assert_string_equal(who(&s, "2026-03-08T07:29:59Z"), "fay");
        assert_string_equal(who(&s, "2026-03-08T07:30:00Z"), "gus");
        /* A layer that ends. */
        l.until = at("2026-03-09T00:00:00Z");
        assert_string_equal(who(&s, "2026-03-08T23:59:59Z"), "gus");
        assert_string_equal(who(&s, "2026-03-09T00:00:00Z"), "(nobody)");
}

static void follow_the_sun_over_three_zones(void **state)
{
        (void)state;
        struct oncall_layer l[3];
        layer(&l[0], ROTATION_WEEKLY, 1, 2026, 11, 2, 8, 0, "syd1,syd2");
        layer(&l[1], ROTATION_WEEKLY, 1, 2026, 11, 2, 8, 0, "ber1");
        layer(&l[2], ROTATION_WEEKLY, 1, 2026, 11, 2, 8, 0, "nyc1");
        const char *zone[3] = { "Australia/Sydney", "Europe/Berlin", "America/New_York" };
        for (int i = 0; i < 3; i++) {
                l[i].zone = tz_zone(zone[i]);
                assert_non_null(l[i].zone);
                l[i].restrictions[0] = (struct oncall_restriction){ oncall_parse_days("daily"), 8 * 60, 16 * 60 };
                l[i].n_restrictions = 1;
        }
        struct oncall_schedule s = { .zone = &vg_zone_utc, .n_layers = 3, .layers = l };
        /* 08:00-16:00 local on 2026-11-23/24: Sydney (AEDT) 21:00Z-05:00Z,
         * Berlin (CET) 07:00Z-15:00Z, New York (EST) 13:00Z-21:00Z; the
         * later layer wins the 13:00-15:00 overlap; 05:00-07:00Z is a gap. */
        struct oncall_shift *sh;
        size_t n;
        assert_int_equal(oncall_final(&s, at("2026-11-23T00:00:00Z"), at("2026-11-24T00:00:00Z"), &sh, &n), 0);
        assert_int_equal(n, 5);
        const struct {
                const char *user, *from, *to;
        } want[] = {
                { "syd2", "2026-11-23T00:00:00Z", "2026-11-23T05:00:00Z" }, /* week 3 since 11-02 */
                { "", "2026-11-23T05:00:00Z", "2026-11-23T07:00:00Z" },
                { "ber1", "2026-11-23T07:00:00Z", "2026-11-23T13:00:00Z" },
                { "nyc1", "2026-11-23T13:00:00Z", "2026-11-23T21:00:00Z" },
                { "syd2", "2026-11-23T21:00:00Z", "2026-11-24T00:00:00Z" },
        };
        for (size_t i = 0; i < 5; i++) {
                assert_string_equal(sh[i].user, want[i].user);
                assert_int_equal(sh[i].from, at(want[i].from));
                assert_int_equal(sh[i].to, at(want[i].to));
        }
        assert_int_equal(sh[1].source, -2);
        free(sh);
        /* Sydney's week turns at Monday 08:00 AEDT = Sunday 21:00Z. */
        assert_string_equal(who(&s, "2026-11-29T21:00:00Z"), "syd1"); /* 2026-11-30 is week 4: even */
        assert_string_equal(who(&s, "2026-11-22T21:00:00Z"), "syd2");
        /* Berlin from 06:00 closes the gap. */
        l[1].restrictions[0].start_min = 6 * 60;
        assert_int_equal(oncall_final(&s, at("2026-11-23T00:00:00Z"), at("2026-11-24T00:00:00Z"), &sh, &n), 0);
        for (size_t i = 0; i < n; i++)
                assert_true(sh[i].user[0]);
        free(sh);
}

static void business_hours_and_overrides(void **state)
{
        (void)state;
        struct oncall_layer l[2];
        layer(&l[0], ROTATION_WEEKLY, 1, 2026, 11, 2, 0, 0, "night1");
        layer(&l[1], ROTATION_DAILY, 1, 2026, 11, 2, 9, 0, "day1,day2");
        l[1].restrictions[0] = (struct oncall_restriction){ oncall_parse_days("mon-fri"), 9 * 60, 17 * 60 };
        l[1].n_restrictions = 1;
        struct oncall_override o[2] = { { "sub", 0, 0 }, { "sub2", 0, 0 } };
        o[0].from = at("2026-11-23T15:00:00Z");
        o[0].to = at("2026-11-23T16:00:00Z");
        o[1].from = at("2026-11-23T15:30:00Z"); /* a later override wins where they overlap */
        o[1].to = at("2026-11-23T15:45:00Z");
        struct oncall_schedule s = { .zone = tz_zone("Europe/Berlin"), .n_layers = 2, .layers = l,
                                     .n_overrides = 2, .overrides = o };
        int src;
        assert_string_equal(oncall_who(&s, at("2026-11-23T08:00:00Z"), &src), "day2"); /* Mon 09:00 CET, day 21 */
        assert_int_equal(src, 1);
        assert_string_equal(who(&s, "2026-11-23T16:00:00Z"), "night1"); /* 17:00 CET */
        assert_string_equal(who(&s, "2026-11-28T10:00:00Z"), "night1"); /* Saturday */
        assert_string_equal(oncall_who(&s, at("2026-11-23T15:10:00Z"), &src), "sub");
        assert_int_equal(src, -1);
        assert_string_equal(who(&s, "2026-11-23T15:40:00Z"), "sub2");
        assert_string_equal(who(&s, "2026-11-23T15:50:00Z"), "sub");
        /* A window past midnight: Friday 22:00 to Saturday 06:00. */
        l[1].restrictions[0] = (struct oncall_restriction){ oncall_parse_days("fri"), 22 * 60, 6 * 60 };
        assert_string_equal(who(&s, "2026-11-28T04:59:00Z"), "day2"); /* Sat 05:59 CET; 11-27 is day 25 */
        assert_string_equal(who(&s, "2026-11-28T05:00:00Z"), "night1");
        /* Ranges are bounded. */
        struct oncall_shift *sh;
        size_t n;
        assert_int_equal(oncall_final(&s, at("2026-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z"), &sh, &n), -EINVAL);
        assert_int_equal(oncall_final(&s, at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), &sh, &n), -EINVAL);
}

static void parsing(void **state)
{
        (void)state;
        assert_int_equal(oncall_parse_hhmm("09:00"), 540);
        assert_int_equal(oncall_parse_hhmm("24:00"), 1440);
        assert_int_equal(oncall_parse_hhmm("24:01"), -1);
        assert_int_equal(oncall_parse_hhmm("9:00"), -1);
        assert_int_equal(oncall_parse_hhmm("09:60"), -1);
        assert_int_equal(oncall_parse_days("mon-fri"), 0x1f);
        assert_int_equal(oncall_parse_days("sat,sun"), 0x60);
        assert_int_equal(oncall_parse_days("fri-mon"), 0x71);
        assert_int_equal(oncall_parse_days("mon,wed-thu"), 0x0d);
        assert_int_equal(oncall_parse_days("daily"), 0x7f);
        assert_int_equal(oncall_parse_days("mon,"), 0);
        assert_int_equal(oncall_parse_days("funday"), 0);
        assert_int_equal(oncall_parse_days(""), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(zones_convert),
                cmocka_unit_test(daily_across_both_dst_changes_new_york),
                cmocka_unit_test(weekly_across_dst_berlin),
                cmocka_unit_test(hourly_counts_elapsed_time),
                cmocka_unit_test(follow_the_sun_over_three_zones),
                cmocka_unit_test(business_hours_and_overrides),
                cmocka_unit_test(parsing),
        };
        return cmocka_run_group_tests_name("core/oncall", tests, NULL, NULL);
}
