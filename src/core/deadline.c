#include "core/deadline.h"

#include <errno.h>
#include <string.h>

static const char *const unit_names[] = { "asap", "hours", "calendar_days", "calendar_months", "business_days" };

enum deadline_unit deadline_unit_from_string(const char *s)
{
        for (int i = 0; s && i < DEADLINE__INVALID; i++)
                if (strcmp(s, unit_names[i]) == 0)
                        return (enum deadline_unit)i;
        return DEADLINE__INVALID;
}

const char *deadline_unit_to_string(enum deadline_unit u)
{
        return u < DEADLINE__INVALID ? unit_names[u] : "invalid";
}

bool holiday_is_business_day(const struct holiday_calendar *h, int64_t day)
{
        unsigned weekend = h ? h->weekend : WEEKEND_SAT_SUN;
        if (weekend & (1u << vg_weekday(day)))
                return false;
        if (!h)
                return true;
        size_t lo = 0, hi = h->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (h->days[mid] < day)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return !(lo < h->n && h->days[lo] == day);
}

bool holiday_covers(const struct holiday_calendar *h, int64_t day)
{
        return !h || !h->bounded || (day >= h->first_day && day <= h->last_day);
}

/* The first instant of local day `day` (its midnight). */
static vg_usec_t day_start(const struct vg_zone *z, int64_t day)
{
        struct vg_civil c = { 0 };
        vg_civil_set_days(&c, day);
        return z->to_utc(z, &c);
}

static int days_in_month(int64_t y, int m)
{
        static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return m == 2 && leap ? 29 : d[m - 1];
}

static const char *const kind_names[] = { "fixed", "asap" };

const char *deadline_kind_to_string(enum deadline_kind k)
{
        return k >= 0 && k < DEADLINE_KIND__INVALID ? kind_names[k] : "invalid";
}

enum deadline_kind deadline_kind_from_string(const char *s)
{
        for (int k = 0; s && k < DEADLINE_KIND__INVALID; k++)
                if (strcmp(s, kind_names[k]) == 0)
                        return (enum deadline_kind)k;
        return DEADLINE_KIND__INVALID;
}

vg_usec_t deadline_asap_target(vg_usec_t anchor, int64_t target_hours, vg_usec_t fallback)
{
        if (target_hours > 0)
                return anchor + target_hours * 3600 * VG_USEC_PER_SEC;
        return anchor + (fallback > 0 ? fallback : DEADLINE_ASAP_TARGET_DEFAULT);
}

enum deadline_standing deadline_standing(enum deadline_kind kind, vg_usec_t due, vg_usec_t target,
                                         vg_usec_t sent_at, vg_usec_t now)
{
        bool asap = kind == DEADLINE_KIND_ASAP;
        vg_usec_t bound = asap ? target : due;
        if (sent_at != VG_TIME_UNSET) {
                if (bound == VG_TIME_UNSET || sent_at <= bound)
                        return STANDING_ON_TIME;
                return asap ? STANDING_PAST_TARGET : STANDING_LATE;
        }
        if (bound == VG_TIME_UNSET || now <= bound)
                return STANDING_OPEN;
        return asap ? STANDING_PAST_TARGET : STANDING_OVERDUE;
}

int deadline_due(const struct deadline_rule *r, vg_usec_t anchor, const struct vg_zone *zone,
                 const struct holiday_calendar *h, vg_usec_t *ret)
{
        if (!r || r->value < 0 || r->value > 100000 || r->unit >= DEADLINE__INVALID)
                return -EINVAL;
        if (r->unit == DEADLINE_ASAP) {
                *ret = anchor;
                return 0;
        }
        if (r->unit == DEADLINE_HOURS) {
                *ret = anchor + r->value * 3600 * VG_USEC_PER_SEC;
                return 0;
        }
        struct vg_civil local;
        zone->to_local(zone, anchor, &local);
        int64_t day = vg_civil_days(&local); /* the last day of the period, below */
        switch (r->unit) {
        case DEADLINE_CALENDAR_DAYS:
                day += r->value;
                break;
        case DEADLINE_CALENDAR_MONTHS: {
                int64_t months = (int64_t)local.year * 12 + (local.month - 1) + r->value;
                int64_t y = months / 12;
                int m = (int)(months % 12) + 1;
                int d = local.day;
                if (d > days_in_month(y, m))
                        d = days_in_month(y, m);
                day = vg_days_from_civil(y, (unsigned)m, (unsigned)d);
                break;
        }
        case DEADLINE_BUSINESS_DAYS:
                for (int64_t n = 0; n < r->value;) {
                        if (!holiday_covers(h, ++day))
                                return -ERANGE;
                        if (holiday_is_business_day(h, day))
                                n++;
                }
                break;
        default:
                return -EINVAL;
        }
        if (r->roll_to_business_day && r->unit != DEADLINE_BUSINESS_DAYS)
                for (;; day++) {
                        if (!holiday_covers(h, day))
                                return -ERANGE;
                        if (holiday_is_business_day(h, day))
                                break;
                }
        *ret = day_start(zone, day + 1);
        return 0;
}
