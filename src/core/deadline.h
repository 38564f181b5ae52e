/* Deadline arithmetic for notification obligations. Pure: the zone and
 * the holiday calendar come in as arguments.
 *
 * A period runs from an anchor (an instant) and is measured in
 *   hours            elapsed time: 72 hours are 72 hours whatever the
 *                    clocks do (a DST change moves the wall-clock time of
 *                    the deadline, not the instant);
 *   calendar days    to the end of the Nth day after the anchor's local
 *                    date in the jurisdiction's zone;
 *   calendar months  to the end of the same day of the month N months on
 *                    (the month's last day when it has no such day:
 *                    31 January + 1 month ends with 28/29 February);
 *   business days    to the end of the Nth business day after the
 *                    anchor's local date (not a weekend day, not a holiday
 *                    of the calendar);
 *   asap             due at once ("without undue delay").
 * "The end of a day" is the next local midnight: the deadline instant is
 * the first moment the obligation is late. A rule may roll a day- or
 * month-counted deadline that ends on a weekend or holiday to the end of
 * the next business day (EU Regulation 1182/71 Art. 3(4)). */
#pragma once

#include "core/vtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum deadline_unit {
        DEADLINE_ASAP,
        DEADLINE_HOURS,
        DEADLINE_CALENDAR_DAYS,
        DEADLINE_CALENDAR_MONTHS,
        DEADLINE_BUSINESS_DAYS,
        DEADLINE__INVALID,
};

/* "hours", "calendar_days", "calendar_months", "business_days", "asap". */
enum deadline_unit deadline_unit_from_string(const char *s);
const char *deadline_unit_to_string(enum deadline_unit u);

/* Days off: weekend days (bit 0 Monday .. bit 6 Sunday) and holidays as
 * local day numbers (days since 1970-01-01), sorted. A bounded calendar
 * knows its holidays only from first_day to last_day (inclusive; empty
 * when last_day < first_day): outside them it cannot tell a business day,
 * and deadline_due refuses rather than guess. */
struct holiday_calendar {
        const char *name;
        unsigned weekend;
        size_t n;
        const int64_t *days;
        bool bounded;
        int64_t first_day, last_day;
};
#define WEEKEND_SAT_SUN 0x60u

bool holiday_is_business_day(const struct holiday_calendar *h, int64_t day);
/* Does h know day (true when h is NULL or unbounded)? */
bool holiday_covers(const struct holiday_calendar *h, int64_t day);

struct deadline_rule {
        enum deadline_unit unit;
        int64_t value;             /* hours, days or months; >= 0 */
        bool roll_to_business_day; /* day and month units only */
};

/* The instant the period from anchor ends. zone: the jurisdiction's (for
 * day and month units); h: its days off (business days and rolling; NULL
 * means only Saturday and Sunday are off). -EINVAL for a bad rule, -ERANGE
 * when the count needs a day outside h's range. */
int deadline_due(const struct deadline_rule *r, vg_usec_t anchor, const struct vg_zone *zone,
                 const struct holiday_calendar *h, vg_usec_t *ret);
