/* The regular expressions of matchers (silences, routes, API filters),
 * compiled by RE2: the syntax Alertmanager's Go regexp accepts, matching
 * in time linear in the subject, and compilation bounded by the limits
 * below. Pure: no I/O, no clock, nothing logged.
 *
 * A compiled expression may be matched from any number of threads at once. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest pattern compiled, in bytes: bounds the parser's work. */
#define REGEX_PATTERN_MAX 2048
/* The memory one compiled expression may take (RE2's max_mem): its program
 * gets about two thirds, the rest is the cache of its DFA. A pattern whose
 * program does not fit (nested or large counts, big Unicode classes) is
 * refused; a DFA that runs out of cache falls back to RE2's NFA, still
 * linear. */
#define REGEX_MEMORY_MAX (256 * 1024)
/* RE2's own bound on a repetition count, nested counts multiplied:
 * (a{10}){100} is 1000 and allowed, (a{255}){255} is refused. */
#define REGEX_REPEAT_MAX 1000

struct regex;

/* Compile pattern anchored at both ends, as Alertmanager compiles
 * "^(?:pattern)$". On success *ret is yours (regex_free). Errors, with a
 * reason in why (a lowercase sentence naming the limit):
 *   -E2BIG   longer than REGEX_PATTERN_MAX, a count above REGEX_REPEAT_MAX,
 *            or a program larger than REGEX_MEMORY_MAX allows
 *   -EINVAL  not a valid expression (why: RE2's reason, like "missing ): (")
 *   -ENOMEM  out of memory */
int regex_new(const char *pattern, struct regex **ret, char *why, size_t why_size);
/* Does the whole of s match? Never fails once compiled. */
bool regex_matches(const struct regex *re, const char *s);
/* Accepts NULL; returns NULL. */
struct regex *regex_free(struct regex *re);

#ifdef __cplusplus
}
#endif
