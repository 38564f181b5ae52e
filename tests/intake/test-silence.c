/* Silences in force, as the intake pipeline loads them for every
 * transaction: their matchers are compiled once (issue 14: a silence was
 * compiled again for every batch, 0.4-1.8 s and 850 MB a POST), and a
 * stored one that no longer compiles is skipped, not fatal. */
#include "core/error.h"
#include "intake/intake.h"
#include "intake/silence.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define NOW INT64_C(1795392000000000) /* 2026-11-23T00:00:00Z */

static struct store *S;
static char dir[64];

static void put(const char *id, const char *matchers, vg_usec_t ends_at)
{
        struct store_tx *tx;
        struct silence_row s = {.matchers = matchers,
                                .starts_at = NOW - 1,
                                .ends_at = ends_at,
                                .updated_at = NOW,
                                .comment = "test"};
        snprintf(s.id, sizeof s.id, "%s", id);
        snprintf(s.created_by, sizeof s.created_by, "ops");
        assert_int_equal(store_begin(S, &tx), 0);
        assert_int_equal(store_silence_put(tx, &s), 0);
        assert_int_equal(store_commit(tx), 0);
}

static void load(struct intake_state *st, vg_usec_t now)
{
        struct store_tx *tx;
        assert_int_equal(store_begin_read(S, &tx), 0);
        assert_int_equal(intake_state_load(tx, now, st), 0);
        store_rollback(tx);
}

static const char *silenced(const struct intake_state *st, const char *severity)
{
        struct labelset ls = {0};
        struct field_errors fe;
        fielderr_init(&fe);
        assert_int_equal(labelset_add(&ls, "severity", severity, &fe, "labels"), 0);
        return silence_set_match(&st->silences, &ls);
}

#define A "3f1a2b3c-0000-4000-8000-00000000000a"
#define B "3f1a2b3c-0000-4000-8000-00000000000b"
#define C "3f1a2b3c-0000-4000-8000-00000000000c"

static void silences_compiled_once(void **state)
{
        struct intake_state st = {0};
        (void)state;
        put(A, "[{\"name\":\"severity\",\"value\":\"crit.*\",\"isRegex\":true}]", NOW + 3600000000);
        put(B, "[{\"name\":\"severity\",\"value\":\"warn\",\"isRegex\":false}]", NOW + 3600000000);
        load(&st, NOW);
        assert_int_equal(st.silences.n, 2);
        assert_int_equal(st.silences.compiled, 2);
        const struct regex *re = st.silences.s[0]->m[0].re;
        assert_non_null(re);

        /* The next transactions reuse them. */
        for (int i = 0; i < 3; i++)
                load(&st, NOW + i);
        assert_int_equal(st.silences.n, 2);
        assert_int_equal(st.silences.compiled, 2);
        assert_ptr_equal(st.silences.s[0]->m[0].re, re);
        assert_string_equal(silenced(&st, "critical"), A);
        assert_string_equal(silenced(&st, "warn"), B);
        assert_null(silenced(&st, "info"));

        /* A changed silence is compiled again, and only that one. */
        put(A, "[{\"name\":\"severity\",\"value\":\"info|crit.*\",\"isRegex\":true}]",
            NOW + 3600000000);
        load(&st, NOW);
        assert_int_equal(st.silences.compiled, 3);
        assert_string_equal(silenced(&st, "info"), A);

        /* An expired one leaves the set; a new one is compiled. */
        put(B, "[{\"name\":\"severity\",\"value\":\"warn\",\"isRegex\":false}]", NOW + 1);
        put(C, "[{\"name\":\"severity\",\"value\":\"page\",\"isRegex\":false}]", NOW + 3600000000);
        load(&st, NOW + 2);
        assert_int_equal(st.silences.n, 2);
        assert_int_equal(st.silences.compiled, 4);
        assert_null(silenced(&st, "warn"));
        assert_string_equal(silenced(&st, "page"), C);
        intake_state_fini(&st);
        assert_int_equal(st.silences.n, 0);
}

/* A silence stored before the limits (POSIX accepted it) is skipped at
 * once, and the others still apply. */
static void stored_silence_over_the_limits_is_skipped(void **state)
{
        struct intake_state st = {0};
        (void)state;
        put(A, "[{\"name\":\"severity\",\"value\":\"(((a{255}){255}){255})\",\"isRegex\":true}]",
            NOW + 3600000000);
        load(&st, NOW + 2); /* B has ended */
        assert_int_equal(st.silences.n, 1);
        assert_string_equal(silenced(&st, "page"), C);
        intake_state_fini(&st);
}

static int setup(void **state)
{
        char url[128], err[256];
        (void)state;
        snprintf(dir, sizeof dir, "/tmp/vigil-test-silence-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        snprintf(url, sizeof url, "sqlite:%s/v.db", dir);
        if (store_open(url, &S, err, sizeof err) < 0) {
                fprintf(stderr, "store_open: %s\n", err);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];
        (void)state;
        store_close(S);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(silences_compiled_once),
                cmocka_unit_test(stored_silence_over_the_limits_is_skipped),
        };
        return cmocka_run_group_tests_name("intake/silence", tests, setup, teardown);
}
