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

/* A refused regular expression: matcher_init says so under the field and
 * the message has the words that name the limit. */
static void refused_re(const char *re, const char *words)
{
        struct matcher m;
        struct field_errors fe;
        fielderr_init(&fe);
        assert_int_equal(matcher_init(&m, "alertname", re, MATCH_RE, &fe, "filter"),
                         -VG_EVALIDATION);
        assert_int_equal(fe.n, 1);
        assert_string_equal(fe.e[0].field, "filter");
        if (!strstr(fe.e[0].message, words))
                fail_msg("'%s' does not say '%s'", fe.e[0].message, words);
        assert_null(m.re);
}

static bool re_matches(const char *re, const char *value)
{
        const char *const kv[] = {"v", value, NULL};
        struct labelset ls = set(kv);
        struct matcher m;
        struct field_errors fe;
        fielderr_init(&fe);
        assert_int_equal(matcher_init(&m, "v", re, MATCH_RE, &fe, "m"), 0);
        bool yes = matcher_matches(&m, &ls);
        matcher_fini(&m);
        return yes;
}

/* Issue 14: nested counts took 13.6 s and 3.4 GB to compile; now every
 * regular expression is bounded by core/regex.h's limits, refused with a
 * message that names the limit, and matching is linear. */
static void regex_limits(void **state)
{
        static char big[REGEX_PATTERN_MAX + 2], subject[LABEL_VALUE_MAX];
        (void)state;
        refused_re("(((a{255}){255}){255})", "at most 1000");
        refused_re("((a{50}){50})", "at most 1000");
        refused_re("a{1001}", "at most 1000");
        refused_re("\\pL{1000}", "exceeds the limit of 256 KiB");
        refused_re(".{1000}(.{1000})?", "exceeds the limit of 256 KiB");
        memset(big, 'a', REGEX_PATTERN_MAX + 1);
        refused_re(big, "longer than the limit of 2048");
        refused_re("(", "missing ): (");

        /* Just inside the limits. */
        big[REGEX_PATTERN_MAX] = '\0';
        memset(subject, 'a', REGEX_PATTERN_MAX);
        subject[REGEX_PATTERN_MAX] = '\0';
        assert_true(re_matches(big, subject));
        memset(subject, 'a', 1000);
        subject[1000] = '\0';
        assert_true(re_matches("((a{10}){10}){10}", subject));

        /* What backtracks for ever elsewhere has its exact answer here. */
        memset(subject, 'a', sizeof subject - 2);
        subject[sizeof subject - 2] = 'b';
        subject[sizeof subject - 1] = '\0';
        assert_false(re_matches("(a|aa)*", subject));
        assert_true(re_matches("(a|aa)*b", subject));
        assert_false(re_matches("(.*a){12}", subject));
        assert_true(re_matches("(\\w+\\s?)*", subject));
}

/* Alertmanager's syntax (Go's RE2), which POSIX did not have, anchored
 * as Alertmanager anchors it: ^(?:re)$. */
static void regex_syntax_is_alertmanagers(void **state)
{
        (void)state;
        assert_true(re_matches("(?i)crit.*", "CRITICAL"));
        assert_true(re_matches("\\d+", "42"));
        assert_false(re_matches("\\d+", "42a"));
        assert_true(re_matches("[[:alpha:]]+", "abc"));
        assert_true(re_matches("\\p{Greek}+", "αβγ"));
        assert_true(re_matches("a|b", "b"));
        assert_false(re_matches("a|b", "ab"));
        assert_true(re_matches("", ""));
        /* Wrapped as text, as Go's ^(?:a)|(b)$: starts with a, or ends with b. */
        assert_true(re_matches("a)|(b", "ax"));
        assert_true(re_matches("a)|(b", "xb"));
        assert_false(re_matches("a)|(b", "x"));
        /* RE2 refuses what needs backtracking. */
        refused_re("(a)\\1", "invalid escape sequence");
        refused_re("a(?=b)", "invalid perl operator");
}

/* The text syntax of the configuration and amtool, with the attack of
 * issue 14. */
static void matcher_parse_refuses_nested_counts(void **state)
{
        struct matcher m;
        struct field_errors fe;
        (void)state;
        fielderr_init(&fe);
        assert_int_equal(matcher_parse(&m, "alertname=~\"(((a{255}){255}){255})\"", &fe,
                                       "intake.routes[0].match"),
                         -VG_EVALIDATION);
        assert_int_equal(fe.n, 1);
        assert_string_equal(fe.e[0].field, "intake.routes[0].match");
        assert_non_null(strstr(fe.e[0].message, "at most 1000"));
        assert_int_equal(matcher_parse(&m, "severity!~\"warn|info\"", &fe, "m"), 0);
        assert_int_equal(m.op, MATCH_NRE);
        assert_non_null(m.re);
        matcher_fini(&m);
        assert_null(m.re);
        matcher_fini(&m); /* twice is harmless */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(fingerprints_match_alertmanager),
                cmocka_unit_test(labelset_refuses),
                cmocka_unit_test(matchers),
                cmocka_unit_test(regex_limits),
                cmocka_unit_test(regex_syntax_is_alertmanagers),
                cmocka_unit_test(matcher_parse_refuses_nested_counts),
        };
        return cmocka_run_group_tests_name("core/alert", tests, NULL, NULL);
}
