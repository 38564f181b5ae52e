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
 *   asap             due at once ("without undue delay"): there is no
 *                    instant after which it is late, so it is measured
 *                    against an internal target instead (the rule's
 *                    target_hours, else the operator's default), which
 *                    drives the reminders and the scoring, never lateness.
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
        int64_t target_hours;      /* asap only: the internal target; 0: the default */
};

/* What binds an obligation: a fixed instant, or "without undue delay". */
enum deadline_kind { DEADLINE_KIND_FIXED, DEADLINE_KIND_ASAP, DEADLINE_KIND__INVALID };
/* "fixed", "asap"; and back (DEADLINE_KIND__INVALID for anything else). */
const char *deadline_kind_to_string(enum deadline_kind k);
enum deadline_kind deadline_kind_from_string(const char *s);

/* The internal target of an asap duty when neither its rule nor the
 * configuration (provider.asap_target) says. */
#define DEADLINE_ASAP_TARGET_DEFAULT (INT64_C(24) * 3600 * VG_USEC_PER_SEC)

/* When an asap duty's clock from anchor reaches its target: the rule's
 * target_hours, else fallback (a duration in microseconds; <= 0: the
 * default of 24 hours). */
vg_usec_t deadline_asap_target(vg_usec_t anchor, int64_t target_hours, vg_usec_t fallback);

/* How an obligation stands, the one scoring rule of the metrics, the
 * evidence pack and the incident report. A fixed deadline (due) is met on
 * time or late, and open or overdue; an asap duty is never late: it is
 * met or open within its target, or past it. */
enum deadline_standing {
        STANDING_ON_TIME,     /* sent by due (fixed) or by the target (asap) */
        STANDING_LATE,        /* fixed: sent after due */
        STANDING_OPEN,        /* not sent, due (or target) not yet passed */
        STANDING_OVERDUE,     /* fixed: not sent and due has passed */
        STANDING_PAST_TARGET, /* asap: sent after the target, or open past it */
};
/* sent_at: VG_TIME_UNSET while not sent. A deadline or target not yet
 * known (VG_TIME_UNSET) is open, and a sending counts as on time. */
enum deadline_standing deadline_standing(enum deadline_kind kind, vg_usec_t due, vg_usec_t target,
                                         vg_usec_t sent_at, vg_usec_t now);

/* The instant the period from anchor ends. zone: the jurisdiction's (for
 * day and month units); h: its days off (business days and rolling; NULL
 * means only Saturday and Sunday are off). -EINVAL for a bad rule, -ERANGE
 * when the count needs a day outside h's range. */
int deadline_due(const struct deadline_rule *r, vg_usec_t anchor, const struct vg_zone *zone,
                 const struct holiday_calendar *h, vg_usec_t *ret);
