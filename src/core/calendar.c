#include "core/calendar.h"

#include "core/vtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const observe_names[] = { "none", "us", "next_weekday", "sunday_next" };

enum cal_observe cal_observe_from_string(const char *s)
{
        for (int i = 0; s && i < CAL_OBSERVE__INVALID; i++)
                if (strcmp(s, observe_names[i]) == 0)
                        return (enum cal_observe)i;
        return CAL_OBSERVE__INVALID;
}

int64_t calendar_easter(int year)
{
        int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
        int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
        int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
        int m = (a + 11 * h + 22 * l) / 451;
        int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
        return vg_days_from_civil(year, (unsigned)month, (unsigned)day);
}

static int month_days(int y, int m)
{
        static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return m == 2 && leap ? 29 : d[m - 1];
}

int64_t cal_rule_day(const struct cal_rule *r, int year)
{
        if ((r->from && year < r->from) || (r->until && year > r->until))
                return -1;
        switch (r->kind) {
        case CAL_FIXED:
                if (r->month < 1 || r->month > 12 || r->day < 1 || r->day > month_days(year, r->month))
                        return -1;
                return vg_days_from_civil(year, (unsigned)r->month, (unsigned)r->day);
        case CAL_WEEKDAY: {
                if (r->month < 1 || r->month > 12 || r->weekday < 0 || r->weekday > 6)
                        return -1;
                if (r->nth == -1) {
                        int64_t last = vg_days_from_civil(year, (unsigned)r->month, (unsigned)month_days(year, r->month));
                        return last - (vg_weekday(last) - r->weekday + 7) % 7;
                }
                if (r->nth < 1 || r->nth > 5)
                        return -1;
                int64_t first = vg_days_from_civil(year, (unsigned)r->month, 1);
                int64_t day = first + (r->weekday - vg_weekday(first) + 7) % 7 + 7 * (r->nth - 1);
                return day - first < month_days(year, r->month) ? day : -1;
        }
        case CAL_EASTER:
                return calendar_easter(year) + r->offset;
        }
        return -1;
}

struct dayset {
        size_t n, cap;
        int64_t *v;
        enum cal_observe *obs; /* per day, for the base set */
};

static int dayset_add(struct dayset *s, int64_t day, enum cal_observe o)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                int64_t *v = realloc(s->v, cap * sizeof *v);
                if (!v)
                        return -ENOMEM;
                s->v = v;
                enum cal_observe *obs = realloc(s->obs, cap * sizeof *obs);
                if (!obs)
                        return -ENOMEM;
                s->obs = obs;
                s->cap = cap;
        }
        s->v[s->n] = day;
        s->obs[s->n++] = o;
        return 0;
}

static bool dayset_has(const struct dayset *s, int64_t day)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == day)
                        return true;
        return false;
}

static int cmp_day(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return x < y ? -1 : x > y;
}

/* Observe the holidays of one year's base set (plus the neighbours that
 * reach into it) onto out. */
static int observe(const struct dayset *base, unsigned weekend, struct dayset *out)
{
        for (size_t i = 0; i < base->n; i++) {
                int64_t day = base->v[i], to = -1;
                int wd = vg_weekday(day);
                switch (base->obs[i]) {
                case CAL_OBSERVE_US:
                        to = wd == 5 ? day - 1 : wd == 6 ? day + 1 : -1;
                        break;
                case CAL_OBSERVE_NEXT_WEEKDAY:
                        if (wd == 5 || wd == 6) {
                                to = day + 1;
                                while ((weekend & (1u << vg_weekday(to))) || dayset_has(base, to) || dayset_has(out, to))
                                        to++;
                        }
                        break;
                case CAL_OBSERVE_SUNDAY_NEXT:
                        if (wd == 6) {
                                to = day + 1;
                                while (dayset_has(base, to) || dayset_has(out, to))
                                        to++;
                        }
                        break;
                default:
                        break;
                }
                if (to >= 0 && !dayset_has(base, to) && !dayset_has(out, to)) {
                        int r = dayset_add(out, to, CAL_OBSERVE_NONE);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* The base holidays of year y: its rules' days, exceptions applied. */
static int year_base(const struct cal_def *d, int y, struct dayset *s, bool *used)
{
        for (size_t i = 0; i < d->n_rules; i++) {
                int64_t day = cal_rule_day(&d->rules[i], y);
                if (day < 0)
                        continue;
                bool moved = false;
                for (size_t k = 0; k < d->n_exceptions && !moved; k++)
                        if (d->exceptions[k].instead_of == day) {
                                moved = true;
                                used[k] = true;
                        }
                int r = moved ? 0 : dayset_add(s, day, d->rules[i].observe_set ? d->rules[i].observe : d->observe);
                if (r < 0)
                        return r;
        }
        for (size_t k = 0; k < d->n_exceptions; k++) {
                int64_t yy;
                unsigned m, dd;
                vg_civil_from_days(d->exceptions[k].day, &yy, &m, &dd);
                if (yy == y && !dayset_has(s, d->exceptions[k].day)) {
                        int r = dayset_add(s, d->exceptions[k].day, d->observe);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int calendar_build(const struct cal_def *d, int64_t **ret_days, size_t *ret_n, size_t *ret_bad)
{
        struct dayset all = { 0 };
        bool *used = calloc(d->n_exceptions ? d->n_exceptions : 1, sizeof *used);
        int r = used ? 0 : -ENOMEM;
        int64_t first = vg_days_from_civil(d->first_year, 1, 1), last = vg_days_from_civil(d->last_year, 12, 31);
        for (size_t k = 0; r >= 0 && k < d->n_exceptions; k++)
                if (d->exceptions[k].day < first || d->exceptions[k].day > last) {
                        *ret_bad = k;
                        r = -EINVAL;
                }
        /* A year and its neighbours: an observed day may cross the year
         * (1 January on a Saturday is observed on 31 December). */
        for (int y = d->first_year - 1; r >= 0 && d->last_year >= d->first_year && y <= d->last_year + 1; y++) {
                struct dayset base = { 0 }, obs = { 0 };
                r = year_base(d, y, &base, used);
                if (r >= 0)
                        r = observe(&base, d->weekend, &obs);
                for (size_t i = 0; r >= 0 && i < obs.n; i++)
                        r = dayset_add(&base, obs.v[i], CAL_OBSERVE_NONE);
                /* The bridge: a day between two holidays of the base set. */
                size_t n_base = base.n - obs.n;
                for (size_t i = 0; r >= 0 && d->bridge && i < n_base; i++) {
                        int64_t mid = base.v[i] + 1;
                        bool next = false;
                        for (size_t k = 0; k < n_base; k++)
                                next |= base.v[k] == mid + 1;
                        if (next && !dayset_has(&base, mid))
                                r = dayset_add(&base, mid, CAL_OBSERVE_NONE);
                }
                for (size_t i = 0; r >= 0 && i < base.n; i++)
                        if (base.v[i] >= first && base.v[i] <= last)
                                r = dayset_add(&all, base.v[i], CAL_OBSERVE_NONE);
                free(base.v);
                free(base.obs);
                free(obs.v);
                free(obs.obs);
        }
        for (size_t k = 0; r >= 0 && k < d->n_exceptions; k++)
                if (d->exceptions[k].instead_of >= 0 && !used[k]) {
                        *ret_bad = k;
                        r = -EINVAL;
                }
        free(used);
        free(all.obs);
        if (r < 0) {
                free(all.v);
                return r;
        }
        if (all.n)
                qsort(all.v, all.n, sizeof *all.v, cmp_day);
        size_t n = 0;
        for (size_t i = 0; i < all.n; i++)
                if (!n || all.v[n - 1] != all.v[i])
                        all.v[n++] = all.v[i];
        *ret_days = all.v;
        *ret_n = n;
        return 0;
}
