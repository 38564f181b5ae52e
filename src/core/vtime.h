/* Time in Vigil: one type, int64_t microseconds since the Unix epoch, UTC.
 * Nothing here reads the clock; callers pass "now" in. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef int64_t vg_usec_t;

#define VG_USEC_PER_SEC INT64_C(1000000)
#define VG_RFC3339_MAX 32 /* "2026-11-23T10:00:00.123456Z" + NUL, rounded up */

/* Format as RFC 3339 UTC ("2026-11-23T10:00:00Z", with ".ffffff" only when
 * the time has a sub-second part). buf must hold VG_RFC3339_MAX bytes.
 * Returns 0, or -ERANGE for years outside 0000-9999. */
int vg_time_format(vg_usec_t t, char buf[static VG_RFC3339_MAX]);

/* The UTC calendar year of t. */
int vg_time_year(vg_usec_t t);

/* Parse RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)"); the
 * result is UTC. Returns 0 and sets *ret, or -EINVAL. */
int vg_time_parse(const char *s, vg_usec_t *ret);
