/* src/core: time, roles, names, field errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/array.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fielderr.h"
#include "core/names.h"
#include "core/stats.h"
#include "core/role.h"
#include "core/vtime.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void time_format_epoch_and_fraction(void **state)
{
        char buf[VG_RFC3339_MAX];
        (void)state;
        assert_int_equal(vg_time_format(0, buf), 0);
        assert_string_equal(buf, "1970-01-01T00:00:00Z");
        assert_int_equal(vg_time_format(INT64_C(1795392000123456), buf), 0);
        assert_string_equal(buf, "2026-11-23T00:00:00.123456Z");
        /* Before the epoch: floor, not truncation. */
        assert_int_equal(vg_time_format(-1, buf), 0);
        assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
}

static void time_parse_offsets_and_fraction(void **state)
{
        vg_usec_t t;
        (void)state;
        assert_int_equal(vg_time_parse("2026-11-23T00:00:00Z", &t), 0);
        assert_int_equal(t, INT64_C(1795392000000000));
        assert_int_equal(vg_time_parse("2026-11-23T01:30:00+01:30", &t), 0);
        assert_int_equal(t, INT64_C(1795392000000000));
        assert_int_equal(vg_time_parse("2026-11-22T19:00:00-05:00", &t), 0);
        assert_int_equal(t, INT64_C(1795392000000000));
        assert_int_equal(vg_time_parse("2026-11-23T00:00:00.5Z", &t), 0);
        assert_int_equal(t, INT64_C(1795392000500000));
        /* Leap day in a leap year, and 2000 (divisible by 400). */
        assert_int_equal(vg_time_parse("2024-02-29T12:00:00Z", &t), 0);
        assert_int_equal(vg_time_parse("2000-02-29T12:00:00Z", &t), 0);
}

/* Outside [2000-01-01, latest] is refused (0, "unset", cannot be parsed
 * in); what monitoring sends before 2000 reads as unset. */
static void time_parse_bounds(void **state)
{
        (void)state;
        vg_usec_t t = 42;
        assert_int_equal(vg_time_parse_within("1970-01-01T00:00:00Z", VG_TIME_MAX, &t), -ERANGE);
        assert_int_equal(vg_time_parse_within("0001-01-01T00:00:00Z", VG_TIME_MAX, &t), -ERANGE);
        assert_int_equal(vg_time_parse_within("1999-12-31T23:59:59.999999Z", VG_TIME_MAX, &t), -ERANGE);
        assert_int_equal(t, 42);
        assert_int_equal(vg_time_parse_within("2000-01-01T00:00:00Z", VG_TIME_MAX, &t), 0);
        assert_int_equal(t, VG_TIME_MIN);
        assert_int_equal(vg_time_parse_within("2000-01-01T01:00:00+01:00", VG_TIME_MAX, &t), 0);
        assert_int_equal(vg_time_parse_within("9999-12-31T23:59:59Z", VG_TIME_MAX, &t), 0);
        assert_int_equal(t, VG_TIME_MAX);
        const vg_usec_t now = INT64_C(1795392000) * VG_USEC_PER_SEC; /* 2026-11-23T00:00:00Z */
        assert_int_equal(vg_time_parse_within("2026-11-23T00:00:01Z", now, &t), -ERANGE);
        assert_int_equal(vg_time_parse_within("2026-11-23T00:00:00Z", now, &t), 0);
        assert_int_equal(vg_time_parse_within("garbage", VG_TIME_MAX, &t), -EINVAL);
        assert_int_equal(vg_time_parse_sent("0001-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, VG_TIME_UNSET);
        assert_int_equal(vg_time_parse_sent("1970-01-01T00:00:01Z", &t), 0);
        assert_int_equal(t, VG_TIME_UNSET);
        assert_int_equal(vg_time_parse_sent("2026-11-23T00:00:00Z", &t), 0);
        assert_int_equal(t, INT64_C(1795392000) * VG_USEC_PER_SEC);
}

static void time_parse_rejects(void **state)
{
        vg_usec_t t = 42;
        static const char *const bad[] = {
                "", "2026-11-24", "2026-11-24T00:00:00", "2026-13-01T00:00:00Z",
                "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
                "2026-11-24T24:00:00Z", "2026-11-24T00:00:00Zjunk", "2026-11-24T00:00:00.Z",
                "2026-11-24T00:00:00+5:00", "26-11-24T00:00:00Z", "2026-11-24 00:00:00Z",
        };
        (void)state;
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                assert_int_equal(vg_time_parse(bad[i], &t), -EINVAL);
                assert_int_equal(t, 42); /* untouched on failure */
        }
        assert_int_equal(vg_time_parse(NULL, &t), -EINVAL);
}

static void time_round_trip(void **state)
{
        char buf[VG_RFC3339_MAX];
        vg_usec_t back;
        (void)state;
        /* A spread of instants across four centuries, with sub-seconds. */
        for (vg_usec_t t = -INT64_C(2208988800000000); t < INT64_C(7258118400000000);
             t += INT64_C(86400123457) * 97) {
                assert_int_equal(vg_time_format(t, buf), 0);
                assert_int_equal(vg_time_parse(buf, &back), 0);
                assert_int_equal(back, t);
        }
        assert_int_equal(vg_time_format(INT64_C(253402300800) * VG_USEC_PER_SEC, buf), -ERANGE);
}

static void time_year_boundaries(void **state)
{
        vg_usec_t t;
        (void)state;
        assert_int_equal(vg_time_parse("2026-12-31T23:59:59.999999Z", &t), 0);
        assert_int_equal(vg_time_year(t), 2026);
        assert_int_equal(vg_time_year(t + 1), 2027);
        assert_int_equal(vg_time_year(0), 1970);
        assert_int_equal(vg_time_year(-1), 1969);
        assert_int_equal(vg_time_parse("2024-02-29T00:00:00Z", &t), 0);
        assert_int_equal(vg_time_year(t), 2024);
}

static void roles_round_trip(void **state)
{
        (void)state;
        for (int r = 0; r < ROLE__COUNT; r++)
                assert_int_equal(role_from_string(role_to_string((enum role)r)), r);
        assert_int_equal(role_from_string("root"), ROLE__INVALID);
        assert_int_equal(role_from_string("Admin"), ROLE__INVALID);
        assert_int_equal(role_from_string(NULL), ROLE__INVALID);
        assert_null(role_to_string(ROLE__COUNT));
        assert_true(role_in(ROLE_ADMIN, ROLES_STAFF));
        assert_false(role_in(ROLE_TENANT_ADMIN, ROLES_STAFF));
        assert_true(role_in(ROLE_TENANT_ADMIN, ROLES_ALL));
        assert_false(role_in(ROLE__INVALID, ROLES_ALL));
}

/* Each role hears of changes to what it can read, and of nothing else:
 * a prefix of a kind ("incidents", "tenant_admin") is not the kind. */
static void roles_see_changes(void **state)
{
        (void)state;
        assert_true(role_sees_change(ROLE_RESPONDER, "incident:INC-2026-0001"));
        assert_true(role_sees_change(ROLE_COMMUNICATIONS, "tenant:acme"));
        assert_true(role_sees_change(ROLE_INCIDENT_MANAGER, "silence:4"));
        assert_true(role_sees_change(ROLE_RESPONDER, "escalation_policy:db"));
        assert_false(role_sees_change(ROLE_RESPONDER, "user:3"));
        assert_false(role_sees_change(ROLE_EXECUTIVE_INCIDENT_MANAGER, "token:7"));
        assert_false(role_sees_change(ROLE_RESPONDER, "incidents"));
        assert_false(role_sees_change(ROLE_RESPONDER, "inciden:INC-1"));
        assert_false(role_sees_change(ROLE_RESPONDER, "incident_x:1"));
        assert_false(role_sees_change(ROLE_RESPONDER, ""));
        assert_false(role_sees_change(ROLE_RESPONDER, NULL));
        assert_true(role_sees_change(ROLE_ADMIN, "user:3"));
        assert_true(role_sees_change(ROLE_AUDITOR, "integration_key:pd"));
        assert_false(role_sees_change(ROLE_TENANT_ADMIN, "incident:INC-2026-0001"));
        assert_false(role_sees_change(ROLE_TENANT_ADMIN, "tenant:acme"));
        assert_false(role_sees_change(ROLE__INVALID, "incident:INC-1"));
        assert_false(role_sees_change(ROLE__COUNT, "incident:INC-1"));
}

static void names_rules(void **state)
{
        char long_name[USERNAME_MAX + 2];
        (void)state;
        assert_true(username_valid("alice"));
        assert_true(username_valid("a.b-c_d9"));
        assert_true(username_valid("9lives"));
        assert_false(username_valid(""));
        assert_false(username_valid(NULL));
        assert_false(username_valid("Alice"));
        assert_false(username_valid(".alice"));
        assert_false(username_valid("al ice"));
        assert_false(username_valid("al/ice"));
        memset(long_name, 'a', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = '\0';
        assert_false(username_valid(long_name));
        long_name[USERNAME_MAX] = '\0';
        assert_true(username_valid(long_name));
        assert_true(tenant_id_valid("ACME-Corp.eu"));
        assert_false(tenant_id_valid("acme corp"));
        assert_true(text_valid("cli@host", 64));
        assert_false(text_valid("tab\there", 64));
        assert_false(text_valid("", 64));
        assert_false(text_valid("toolong", 3));
        /* UTF-8 sequences: well formed, and each way of not being. */
        assert_int_equal(utf8_sequence("a", 1), 1);
        assert_int_equal(utf8_sequence("\xc3\xa9", 2), 2);         /* é */
        assert_int_equal(utf8_sequence("\xe2\x82\xac", 3), 3);     /* € */
        assert_int_equal(utf8_sequence("\xf0\x9f\x98\x80", 4), 4); /* U+1F600 */
        assert_int_equal(utf8_sequence("\xc3\xa9", 1), 0);         /* cut short */
        assert_int_equal(utf8_sequence("\xc0\xaf", 2), 0);         /* overlong '/' */
        assert_int_equal(utf8_sequence("\xed\xa0\x80", 3), 0);     /* a surrogate */
        assert_int_equal(utf8_sequence("\xf4\x90\x80\x80", 4), 0); /* past U+10FFFF */
        assert_int_equal(utf8_sequence("\xff", 1), 0);
        assert_int_equal(utf8_sequence("\x80", 1), 0);             /* a continuation alone */
        assert_int_equal(utf8_sequence("", 0), 0);
}

static void utf8_cuts_on_a_character(void **state)
{
        char out[8];
        (void)state;
        /* "a€é": 1 + 3 + 2 bytes. No cut lands inside a character. */
        const char *s = "a\xe2\x82\xac\xc3\xa9";
        const size_t want[] = {0, 1, 1, 1, 4, 4, 6, 6};
        for (size_t max = 0; max < sizeof want / sizeof want[0]; max++)
                assert_int_equal(utf8_prefix(s, max), want[max]);
        assert_int_equal(utf8_prefix("\xf0\x9f\x98\x80", 3), 0); /* U+1F600 needs 4 */
        /* A byte that is not part of a character counts as one. */
        assert_int_equal(utf8_prefix("\xff\xe2\x82x", 2), 2);
        /* Copying: like snprintf "%s", cut where it does not fit. */
        assert_int_equal(utf8_copy(out, sizeof out, "abcdefg\xc3\xa9"), 9);
        assert_string_equal(out, "abcdefg");
        assert_int_equal(utf8_copy(out, 5, s), 6);
        assert_string_equal(out, "a\xe2\x82\xac");
        assert_int_equal(utf8_copy(out, 4, s), 6);
        assert_string_equal(out, "a");
        assert_int_equal(utf8_copy(out, 1, s), 6);
        assert_string_equal(out, "");
        assert_int_equal(utf8_copy(out, sizeof out, "ok"), 2);
        assert_string_equal(out, "ok");
        /* Scrubbing: each byte that is not part of a character is '?'. */
        char bad[] = "a\xe6\x97 \xff\xc3\xa9\xed\xa0\x80";
        assert_int_equal(utf8_scrub(bad), 6);
        assert_string_equal(bad, "a?? ?\xc3\xa9???");
        char good[] = "\xe6\x97\xa5 ok";
        assert_int_equal(utf8_scrub(good), 0);
        assert_string_equal(good, "\xe6\x97\xa5 ok");
}

static void fielderr_bounded(void **state)
{
        struct field_errors fe;
        (void)state;
        fielderr_init(&fe);
        assert_false(fielderr_any(&fe));
        for (int i = 0; i < FIELDERR_MAX + 5; i++)
                fielderr_add(&fe, "f", "error %d", i);
        assert_int_equal(fe.n, FIELDERR_MAX);
        assert_true(fe.truncated);
        assert_string_equal(fe.e[3].message, "error 3");
        /* What a message quotes is made valid UTF-8, byte by bad byte. */
        fielderr_init(&fe);
        fielderr_add(&fe, "f", "unknown field '%s'", "a\xff\xc3\xa9\xe2\x82");
        assert_string_equal(fe.e[0].message, "unknown field 'a?\xc3\xa9?" "?'");
}

static void stats_by_hand(void **state)
{
        (void)state;
        struct duration_stats st;
        /* 10 values sorted 0 10 20 20 30 40 50 60 80 900: median the 5th (30),
         * p90 the 9th (80), mean 1210 / 10 = 121. */
        int64_t v[] = { 900, 10, 20, 30, 60, 20, 40, 50, 80, 0 };
        duration_stats(v, 10, &st);
        assert_int_equal(st.n, 10);
        assert_int_equal(st.median, 30);
        assert_int_equal(st.p90, 80);
        assert_int_equal(st.max, 900);
        assert_int_equal(st.mean, 121);
        int64_t one[] = { 7 };
        duration_stats(one, 1, &st);
        assert_int_equal(st.median, 7);
        assert_int_equal(st.p90, 7);
        int64_t odd[] = { 3, 1, 2 }; /* mean 2, median 2, p90 rank ceil(2.7) = 3 */
        duration_stats(odd, 3, &st);
        assert_int_equal(st.mean, 2);
        assert_int_equal(st.median, 2);
        assert_int_equal(st.p90, 3);
        duration_stats(NULL, 0, &st);
        assert_int_equal(st.n, 0);
        assert_int_equal(st.mean, 0);
}

static void errors_have_messages(void **state)
{
        (void)state;
        for (int e = VG_EBASE + 1; e < VG_E__MAX; e++)
                assert_string_not_equal(vg_strerror(-e), "unknown error");
        assert_string_equal(vg_strerror(-VG_ENOTFOUND), "not found");
        assert_string_equal(vg_strerror(-99999), "unknown error");
}

/* One rule for e-mail addresses. users.c took ( ) [ ] \\ and address
 * literals that tenants.c refused; both took dots out of place, DEL and
 * any byte in the domain. */
static void email_rule(void **state)
{
        char s[EMAIL_MAX + 8];
        (void)state;
        static const char *const good[] = {
                "bob@example.com", "first.last+tag@sub.example.com", "o'brien@x.example",
                "a!#$%&*/=?^_`{|}~-b@x.example", "x@a-b.example", "j\xc3\xb6rg@b\xc3\xbc" "cher.example",
                "security-incident-notifications-team-a@longnames.example", NULL,
        };
        static const char *const bad[] = {
                /* where users.c and tenants.c disagreed: refused now */
                "a(b)@x.example", "a)b@x.example", "[a]@x.example", "a\\b@x.example", "a@[192.0.2.1]",
                /* both took these */
                "a..b@x.example", ".a@x.example", "a.@x.example", "a@x..example", "a@.x.example",
                "a@x.example.", "a@-x.example", "a@x-.example", "a@x_y.example", "a\x7f@x.example",
                "a@x!.example", "\xff@x.example", "a@\xc3.example", "a@b@x.example",
                /* both refused these, still refused */
                "", "@x.example", "a@", "a@example", "a b@x.example", "a<b@x.example", "a>b@x.example",
                "a,b@x.example", "a;b@x.example", "\"a\"@x.example", "a\r\n@x.example", "a\tb@x.example", NULL,
        };
        for (size_t i = 0; good[i]; i++)
                assert_true(email_valid(good[i]));
        for (size_t i = 0; bad[i]; i++) {
                if (email_valid(bad[i]))
                        fail_msg("accepted '%s'", bad[i]);
        }
        assert_false(email_valid(NULL));
        /* Lengths: a local part of 64, a label of 63, EMAIL_MAX in all. */
        memset(s, 'a', 64);
        snprintf(s + 64, sizeof s - 64, "@x.example");
        assert_true(email_valid(s));
        memset(s, 'a', 65);
        snprintf(s + 65, sizeof s - 65, "@x.example");
        assert_false(email_valid(s));
        s[0] = 'a';
        s[1] = '@';
        memset(s + 2, 'b', 63);
        snprintf(s + 65, sizeof s - 65, ".example");
        assert_true(email_valid(s));
        memset(s + 2, 'b', 64);
        snprintf(s + 66, sizeof s - 66, ".example");
        assert_false(email_valid(s));
        /* a@ then labels of 49 "b" and a dot up to exactly EMAIL_MAX. */
        size_t n = 2;
        memcpy(s, "a@", 2);
        while (n + 50 <= EMAIL_MAX) {
                memset(s + n, 'b', 49);
                s[n + 49] = '.';
                n += 50;
        }
        memset(s + n, 'c', EMAIL_MAX - n);
        s[EMAIL_MAX] = '\0';
        assert_int_equal(strlen(s), EMAIL_MAX);
        assert_true(email_valid(s));
        s[EMAIL_MAX] = 'c';
        s[EMAIL_MAX + 1] = '\0';
        assert_false(email_valid(s));
}

struct pair {
        int a, b;
};

static void array_grows_checked(void **state)
{
        (void)state;
        struct pair *v = NULL;
        size_t n = 0, cap = 0;
        /* Filled one at a time: capacity doubles, elements survive. */
        for (int i = 0; i < 1000; i++) {
                assert_int_equal(array_reserve(v, cap, n + 1, 1000), 0);
                assert_true(cap >= n + 1 && cap <= 1000);
                v[n++] = (struct pair){ i, -i };
        }
        assert_int_equal(cap, 1000); /* doubled from 8, held at the maximum */
        for (int i = 0; i < 1000; i++)
                assert_true(v[i].a == i && v[i].b == -i);
        /* Past the maximum: refused, and nothing changed. */
        struct pair *before = v;
        assert_int_equal(array_reserve(v, cap, n + 1, 1000), -ENOBUFS);
        assert_ptr_equal(v, before);
        assert_int_equal(cap, 1000);
        /* Room already there: nothing to do. */
        assert_int_equal(array_reserve(v, cap, 10, 1000), 0);
        assert_int_equal(cap, 1000);
        free(v);

        /* A count whose size in bytes wraps is refused before any
         * allocation, even under a maximum that would allow it. */
        v = NULL;
        cap = 0;
        assert_int_equal(array_reserve(v, cap, SIZE_MAX / sizeof *v + 1, SIZE_MAX), -EOVERFLOW);
        assert_null(v);
        assert_int_equal(cap, 0);
        /* A first reservation larger than the minimum takes what is asked. */
        assert_int_equal(array_reserve(v, cap, 100, 1000), 0);
        assert_true(cap >= 100 && cap <= 1000);
        free(v);
        /* A maximum below the minimum capacity is kept to. */
        v = NULL;
        cap = 0;
        assert_int_equal(array_reserve(v, cap, 1, 3), 0);
        assert_int_equal(cap, 3);
        free(v);
}

/* buf, now in core: buf_put_n keeps the first failure and does nothing after. */
static void buf_put_n_is_sticky(void **state)
{
        (void)state;
        struct buf b;
        buf_init(&b, 8);
        buf_put_n(&b, "abcd", 4);
        assert_int_equal(b.err, 0);
        buf_put_n(&b, "efghi", 5); /* 9 > 8 */
        assert_int_equal(b.err, -ENOBUFS);
        buf_put_n(&b, "e", 1); /* would fit, but an error came first */
        assert_int_equal(b.err, -ENOBUFS);
        assert_int_equal(b.len, 4);
        assert_string_equal(b.p, "abcd");
        buf_release(&b);
        assert_null(b.p);
        assert_int_equal(b.err, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(time_format_epoch_and_fraction),
                cmocka_unit_test(time_parse_offsets_and_fraction),
                cmocka_unit_test(time_parse_rejects),
                cmocka_unit_test(time_parse_bounds),
                cmocka_unit_test(time_round_trip),
                cmocka_unit_test(time_year_boundaries),
                cmocka_unit_test(roles_round_trip),
                cmocka_unit_test(roles_see_changes),
                cmocka_unit_test(names_rules),
                cmocka_unit_test(utf8_cuts_on_a_character),
                cmocka_unit_test(fielderr_bounded),
                cmocka_unit_test(errors_have_messages),
                cmocka_unit_test(stats_by_hand),
                cmocka_unit_test(email_rule),
                cmocka_unit_test(array_grows_checked),
                cmocka_unit_test(buf_put_n_is_sticky),
        };
        return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
