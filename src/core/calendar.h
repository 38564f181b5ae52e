/* Holiday calendars computed from their rules (Pure). A calendar is the
 * holidays of a country or an institution, written as rules - fixed
 * dates, the nth (or last) weekday of a month, days relative to Western
 * Easter - with the way a holiday on a weekend is observed, one-off
 * exceptions (a holiday added, or moved from the day its rule gives), and
 * the range of years the definition is complete for. calendar_build
 * turns it into the sorted day list of struct holiday_calendar, bounded
 * by that range: deadline arithmetic refuses (-ERANGE) a day outside it
 * rather than guess. */
#pragma once

#include "core/deadline.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a holiday that falls on a weekend day is observed. */
enum cal_observe {
        CAL_OBSERVE_NONE,         /* not moved */
        CAL_OBSERVE_US,           /* Saturday: the Friday before; Sunday: the Monday after (5 U.S.C. 6103(b)) */
        CAL_OBSERVE_NEXT_WEEKDAY, /* Saturday or Sunday: the next weekday that is not a holiday (UK, AU) */
        CAL_OBSERVE_SUNDAY_NEXT,  /* Sunday: the next day that is not a holiday (JP Art. 3(2), SG s. 4) */
        CAL_OBSERVE__INVALID,
};
/* "none", "us", "next_weekday", "sunday_next". */
enum cal_observe cal_observe_from_string(const char *s);

enum cal_kind {
        CAL_FIXED,   /* month, day */
        CAL_WEEKDAY, /* the nth weekday of month (nth -1: the last) */
        CAL_EASTER,  /* offset days from Western Easter Sunday */
};

struct cal_rule {
        enum cal_kind kind;
        int month, day;     /* CAL_FIXED; month for CAL_WEEKDAY */
        int weekday;        /* 0 Monday .. 6 Sunday */
        int nth;            /* 1..5, or -1 for the last */
        int offset;         /* CAL_EASTER */
        int from, until;    /* years the rule holds (0: no bound) */
        enum cal_observe observe;
        bool observe_set;   /* observe overrides the calendar's */
};

struct cal_exception {
        int64_t day;        /* a holiday (day number) */
        int64_t instead_of; /* the rule's day it replaces, or -1 */
};

struct cal_def {
        unsigned weekend;         /* as struct holiday_calendar */
        int first_year, last_year; /* the range; last < first: empty */
        enum cal_observe observe; /* the default for rules and exceptions */
        bool bridge;              /* a day between two holidays is one (JP Art. 3(3)) */
        size_t n_rules;
        const struct cal_rule *rules;   /* borrows */
        size_t n_exceptions;
        const struct cal_exception *exceptions; /* borrows */
};

/* Western (Gregorian) Easter Sunday of year, as a day number
 * (the Anonymous Gregorian algorithm). */
int64_t calendar_easter(int year);

/* The day of r in year, or -1 when r does not hold that year (from,
 * until) or names no such day (a 5th weekday the month lacks). */
int64_t cal_rule_day(const struct cal_rule *r, int year);

/* The holidays of d over its range into *ret_days (yours, free()),
 * *ret_n of them, sorted and unique. -EINVAL for a bad definition, with
 * *ret_bad set to the index of the exception at fault (instead_of names
 * no day the rules give, or the day is outside the range), -ENOMEM. */
int calendar_build(const struct cal_def *d, int64_t **ret_days, size_t *ret_n, size_t *ret_bad);
