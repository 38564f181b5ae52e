/* src/core/alert: label sets, the Alertmanager-compatible fingerprint,
 * matchers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/alert.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static struct labelset set(const char *const *kv)
{
        struct labelset ls = { 0 };
        struct field_errors fe;
        fielderr_init(&fe);
        for (size_t i = 0; kv[i]; i += 2)
                assert_int_equal(labelset_add(&ls, kv[i], kv[i + 1], &fe, "labels"), 0);
        assert_int_equal(labelset_sort(&ls, &fe, "labels"), 0);
        return ls;
}

static void fingerprints_match_alertmanager(void **state)
{
        char hex[17];
        (void)state;
        /* Vectors computed independently (a Python rendering of Prometheus's
         * model.labelSetToFingerprint); the empty set is FNV-1a's offset. */
        const char *const empty[] = { NULL };
        const char *const one[] = { "alertname", "HighCPU", NULL };
        const char *const three[] = { "severity", "page", "alertname", "HighCPU", "instance", "web-1:9100", NULL };
        struct labelset ls = set(empty);
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)labelset_fingerprint(&ls));
        assert_string_equal(hex, "cbf29ce484222325");
        ls = set(one);
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)labelset_fingerprint(&ls));
        assert_string_equal(hex, "b5160f6bd9249a48");
        ls = set(three); /* given out of order: sorting makes it stable */
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)labelset_fingerprint(&ls));
        assert_string_equal(hex, "47c7599fdb855ca9");
        /* The separator keeps {a="bc"} and {ab="c"} apart. */
        const char *const x[] = { "a", "bc", NULL }, *const y[] = { "ab", "c", NULL };
        struct labelset lx = set(x), ly = set(y);
        assert_true(labelset_fingerprint(&lx) != labelset_fingerprint(&ly));
}

static void labelset_refuses(void **state)
{
        struct labelset ls = { 0 };
        struct field_errors fe;
        char name[16];
        (void)state;
        fielderr_init(&fe);
        assert_int_equal(labelset_add(&ls, "9lives", "x", &fe, "labels"), -VG_EVALIDATION);
        assert_int_equal(labelset_add(&ls, "has-dash", "x", &fe, "labels"), -VG_EVALIDATION);
        assert_int_equal(labelset_add(&ls, "", "x", &fe, "labels"), -VG_EVALIDATION);
        assert_int_equal(labelset_add(&ls, "ok", NULL, &fe, "labels"), -VG_EVALIDATION);
        assert_int_equal(fe.n, 4);
        assert_int_equal(ls.n, 0);
        static char names[LABELS_MAX + 1][16];
        fielderr_init(&fe);
        for (int i = 0; i < LABELS_MAX; i++) {
                snprintf(names[i], sizeof names[i], "l%d", i);
                assert_int_equal(labelset_add(&ls, names[i], "v", &fe, "labels"), 0);
        }
        snprintf(name, sizeof name, "one_more");
        assert_int_equal(labelset_add(&ls, name, "v", &fe, "labels"), -VG_EVALIDATION);
        struct labelset dup = { 0 };
        fielderr_init(&fe);
        labelset_add(&dup, "a", "1", &fe, "labels");
        labelset_add(&dup, "a", "2", &fe, "labels");
        assert_int_equal(labelset_sort(&dup, &fe, "labels"), -VG_EVALIDATION);
        assert_non_null(strstr(fe.e[0].message, "twice"));
}

static void matchers(void **state)
{
        const char *const kv[] = { "alertname", "DiskFull", "severity", "critical", "team", "storage", NULL };
        struct labelset ls = set(kv);
        struct matcher m[4];
        struct field_errors fe;
        (void)state;
        fielderr_init(&fe);
        assert_int_equal(matcher_init(&m[0], "alertname", "DiskFull", MATCH_EQ, &fe, "m"), 0);
        assert_true(matcher_matches(&m[0], &ls));
        assert_int_equal(matcher_init(&m[1], "severity", "crit|page", MATCH_RE, &fe, "m"), 0);
        assert_false(matcher_matches(&m[1], &ls)); /* anchored: "crit" is not "critical" */
        matcher_fini(&m[1]);
        assert_int_equal(matcher_init(&m[1], "severity", "crit.*|page", MATCH_RE, &fe, "m"), 0);
        assert_true(matcher_matches(&m[1], &ls));
        assert_int_equal(matcher_init(&m[2], "team", "network", MATCH_NE, &fe, "m"), 0);
        assert_true(matcher_matches(&m[2], &ls));
        assert_int_equal(matcher_init(&m[3], "env", "", MATCH_EQ, &fe, "m"), 0); /* absent label is "" */
        assert_true(matcher_matches(&m[3], &ls));
        assert_true(matchers_match(m, 4, &ls));
        matcher_fini(&m[3]);
        assert_int_equal(matcher_init(&m[3], "team", "stor.*", MATCH_NRE, &fe, "m"), 0);
        assert_false(matchers_match(m, 4, &ls));
        for (int i = 0; i < 4; i++)
                matcher_fini(&m[i]);
        struct matcher bad;
        assert_int_equal(matcher_init(&bad, "x", "(", MATCH_RE, &fe, "m"), -VG_EVALIDATION);
        assert_int_equal(matcher_init(&bad, "bad-name", "x", MATCH_EQ, &fe, "m"), -VG_EVALIDATION);
        assert_int_equal(fe.n, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(fingerprints_match_alertmanager),
                cmocka_unit_test(labelset_refuses),
                cmocka_unit_test(matchers),
        };
        return cmocka_run_group_tests_name("core/alert", tests, NULL, NULL);
}
