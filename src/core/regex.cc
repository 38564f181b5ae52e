/* RE2 behind a C interface (core/regex.h). RE2 is C++; nothing C++ leaks
 * out of this file: every exception is caught here and becomes -ENOMEM. */
#include "core/regex.h"

#include <re2/re2.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

struct regex {
        RE2 re;
        regex(const std::string &p, const RE2::Options &o) : re(p, o)
        {
        }
};

static RE2::Options options(void)
{
        RE2::Options o;
        o.set_log_errors(false); /* core logs nothing; the caller reports why */
        o.set_max_mem(REGEX_MEMORY_MAX);
        o.set_never_capture(true); /* matchers only ask "does it match" */
        return o;
}

extern "C" int regex_new(const char *pattern, struct regex **ret, char *why, size_t why_size)
{
        size_t len = strlen(pattern);
        if (len > REGEX_PATTERN_MAX) {
                snprintf(why, why_size,
                         "regular expression of %zu bytes is longer than the limit of %d", len,
                         REGEX_PATTERN_MAX);
                return -E2BIG;
        }
        try {
                /* Anchored by wrapping, not by RE2's FullMatch, so that a
                 * pattern means what it means to Alertmanager. */
                std::string anchored = "^(?:" + std::string(pattern, len) + ")$";
                regex *re = new regex(anchored, options());
                if (re->re.ok()) {
                        *ret = re;
                        return 0;
                }
                RE2::ErrorCode code = re->re.error_code();
                std::string err = re->re.error();
                delete re;
                switch (code) {
                case RE2::ErrorRepeatSize:
                        snprintf(why, why_size,
                                 "%s: a repetition count may be at most %d, nested counts "
                                 "multiplied",
                                 err.c_str(), REGEX_REPEAT_MAX);
                        return -E2BIG;
                case RE2::ErrorPatternTooLarge:
                        snprintf(why, why_size,
                                 "regular expression too complex: its compiled form exceeds the "
                                 "limit of %d KiB",
                                 REGEX_MEMORY_MAX / 1024);
                        return -E2BIG;
                default: {
                        /* RE2 quotes the wrapped pattern; the pattern alone
                         * fails the same way and names the caller's text. */
                        RE2 raw(std::string(pattern, len), options());
                        snprintf(why, why_size, "%s", raw.ok() ? err.c_str() : raw.error().c_str());
                        return -EINVAL;
                }
                }
        } catch (...) {
                snprintf(why, why_size, "out of memory");
                return -ENOMEM;
        }
}

extern "C" bool regex_matches(const struct regex *re, const char *s)
{
        /* RE2 does not throw while matching: a DFA out of cache falls back
         * to the NFA (linear still), so the answer is always exact. */
        return RE2::PartialMatch(s, re->re);
}

extern "C" struct regex *regex_free(struct regex *re)
{
        delete re;
        return NULL;
}
