/* libFuzzer harness for matchers and their regular expressions (issue 14:
 * a pattern with nested counts took 13.6 s and 3.4 GB). Built twice:
 *   -DFUZZ_MATCHER=0  the text syntax of routes and amtool: the bytes up to
 *                     the first newline are parsed by matcher_parse, the
 *                     rest is the value of the matcher's label, matched
 *   -DFUZZ_MATCHER=1  the silence parser: the bytes are JSON, a silence as
 *                     POST /api/v2/silences takes it ({"matchers": [...]})
 *                     or its matchers array; "labels" (an object), when
 *                     there, is matched against the matchers
 * Nothing may crash, leak, read out of bounds, or take long: the limits of
 * core/regex.h bound every compilation and RE2 matches in linear time. */
#include "core/alert.h"
#include "intake/silence.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The n bytes at p as a string (the input is not NUL-terminated). */
static char *copy(const char *p, size_t n)
{
        char *s = malloc(n + 1);
        if (s) {
                memcpy(s, p, n);
                s[n] = '\0';
        }
        return s;
}

static void match_text(const char *text, size_t size)
{
        struct field_errors fe;
        struct matcher m;
        const char *nl = memchr(text, '\n', size);
        char *rule = copy(text, nl ? (size_t)(nl - text) : size);
        char *value = copy(nl ? nl + 1 : "", nl ? size - (size_t)(nl - text) - 1 : 0);
        if (!rule || !value)
                goto out;
        fielderr_init(&fe);
        if (matcher_parse(&m, rule, &fe, "match") == 0) {
                struct labelset ls = {0};
                (void)labelset_add(&ls, m.name, value, &fe, "labels");
                (void)matcher_matches(&m, &ls);
                matcher_fini(&m);
        }
out:
        free(rule);
        free(value);
}

static void match_silence(const char *text, size_t size)
{
        static struct matcher m[SILENCE_MATCHERS_MAX];
        struct field_errors fe;
        size_t n;
        json_t *j = json_loadb(text, size, JSON_REJECT_DUPLICATES, NULL);
        if (!j)
                return;
        json_t *arr = json_is_object(j) ? json_object_get(j, "matchers") : j;
        fielderr_init(&fe);
        if (silence_matchers_parse(arr, m, &n, &fe) == 0) {
                struct labelset ls = {0};
                const char *k;
                json_t *v;
                json_object_foreach(json_object_get(j, "labels"), k, v)(void)
                        labelset_add(&ls, k, json_string_value(v), &fe, "labels");
                (void)matchers_match(m, n, &ls);
                for (size_t i = 0; i < n; i++)
                        matcher_fini(&m[i]);
        }
        json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (FUZZ_MATCHER == 0)
                match_text((const char *)data, size);
        else
                match_silence((const char *)data, size);
        return 0;
}
