/* Time in Vigil: one type, int64_t microseconds since the Unix epoch, UTC.
 * Nothing here reads the clock; callers pass "now" in. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef int64_t vg_usec_t;

#define VG_USEC_PER_SEC INT64_C(1000000)
#define VG_RFC3339_MAX 32 /* "2026-11-23T10:00:00.123456Z" + NUL, rounded up */

/* The times Vigil accepts from outside. Every door refuses a time before
 * VG_TIME_MIN (intake, which must not lose an alert, reads one as unset),
 * so VG_TIME_UNSET can never be a real time: it is the one value that
 * means "not set" (an incident not yet declared, an anchor not recorded),
 * and nothing else may mean it. */
#define VG_TIME_MIN   (INT64_C(946684800) * VG_USEC_PER_SEC)    /* 2000-01-01T00:00:00Z */
#define VG_TIME_MAX   (INT64_C(253402300799) * VG_USEC_PER_SEC) /* 9999-12-31T23:59:59Z */
#define VG_TIME_UNSET 0

/* Format as RFC 3339 UTC ("2026-11-23T10:00:00Z", with ".ffffff" only when
 * the time has a sub-second part). buf must hold VG_RFC3339_MAX bytes.
 * Returns 0, or -ERANGE for years outside 0000-9999. */
int vg_time_format(vg_usec_t t, char buf[static VG_RFC3339_MAX]);

/* The UTC calendar year of t. */
int vg_time_year(vg_usec_t t);

/* Parse RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)"); the
 * result is UTC. Returns 0 and sets *ret, or -EINVAL. */
int vg_time_parse(const char *s, vg_usec_t *ret);

/* vg_time_parse, and the time from VG_TIME_MIN to latest (VG_TIME_MAX for
 * any future). Returns 0 and sets *ret, -EINVAL (not RFC 3339) or -ERANGE
 * (outside the bounds; *ret is left alone). */
int vg_time_parse_within(const char *s, vg_usec_t latest, vg_usec_t *ret);

/* vg_time_parse for a time monitoring sent: one before VG_TIME_MIN (Go's
 * zero time 0001-01-01, a device whose clock was never set) reads as
 * VG_TIME_UNSET, so the receive time is used, rather than losing the
 * alert or starting a legal clock decades ago. */
int vg_time_parse_sent(const char *s, vg_usec_t *ret);

/* Calendar arithmetic (proleptic Gregorian): days since 1970-01-01. */
int64_t vg_days_from_civil(int64_t y, unsigned m, unsigned d);
void vg_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Floor division (rounds towards minus infinity). */
int64_t vg_floordiv(int64_t a, int64_t b);
/* Day of the week of a day number: 0 Monday .. 6 Sunday. */
int vg_weekday(int64_t days);

/* A wall-clock date and time in some zone. */
struct vg_civil {
        int year, month, day;   /* month 1-12 */
        int hour, minute, second;
};
int64_t vg_civil_days(const struct vg_civil *c);
void vg_civil_set_days(struct vg_civil *c, int64_t days);

/* A time zone as core sees it: two conversions supplied from outside (base
 * implements them with libical's tz data), so core stays free of I/O.
 * to_utc of a local time that does not exist (skipped by a DST change)
 * gives the instant as if the old offset still held (02:30 -> 03:30 new
 * time); of one that occurs twice, the first. */
struct vg_zone {
        const char *name;
        vg_usec_t (*to_utc)(const struct vg_zone *z, const struct vg_civil *local);
        void (*to_local)(const struct vg_zone *z, vg_usec_t t, struct vg_civil *ret);
        const void *impl;
};
extern const struct vg_zone vg_zone_utc;