#include "core/vtime.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil); avoids timegm() and the TZ variable. */
int64_t vg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        const int64_t era = (y >= 0 ? y : y - 399) / 400;
        const unsigned yoe = (unsigned)(y - era * 400);
        const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

void vg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
        z += 719468;
        const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        const unsigned doe = (unsigned)(z - era * 146097);
        const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int64_t vg_floordiv(int64_t a, int64_t b)
{
        int64_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0)))
                q--;
        return q;
}

int vg_time_format(vg_usec_t t, char buf[static VG_RFC3339_MAX])
{
        int64_t secs = vg_floordiv(t, VG_USEC_PER_SEC);
        int64_t frac = t - secs * VG_USEC_PER_SEC;
        int64_t days = vg_floordiv(secs, 86400);
        int64_t sod = secs - days * 86400;
        int64_t y;
        unsigned m, d;

        vg_civil_from_days(days, &y, &m, &d);
        if (y < 0 || y > 9999)
                return -ERANGE;
        int n = snprintf(buf, VG_RFC3339_MAX, "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, m, d,
                         (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
        if (frac != 0)
                n += snprintf(buf + n, (size_t)(VG_RFC3339_MAX - n), ".%06d", (int)frac);
        snprintf(buf + n, (size_t)(VG_RFC3339_MAX - n), "Z");
        return 0;
}

int vg_time_year(vg_usec_t t)
{
        int64_t y;
        unsigned m, d;
        vg_civil_from_days(vg_floordiv(vg_floordiv(t, VG_USEC_PER_SEC), 86400), &y, &m, &d);
        return (int)y;
}

static bool digits(const char *s, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

int vg_time_parse(const char *s, vg_usec_t *ret)
{
        int y, mo, d, h, mi, se;
        static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        if (!s || strlen(s) < 20)
                return -EINVAL;
        if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
            !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
            !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
            !digits(s + 17, 2, &se))
                return -EINVAL;
        if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
                return -EINVAL;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (mo == 2 && d == 29 && !leap)
                return -EINVAL;
        if (se == 60) /* leap second: POSIX time has none; clamp */
                se = 59;

        const char *p = s + 19;
        int64_t frac = 0;
        if (*p == '.') {
                int n = 0;
                p++;
                while (*p >= '0' && *p <= '9') {
                        if (n < 6) {
                                frac = frac * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                if (n == 0)
                        return -EINVAL;
                for (; n < 6; n++)
                        frac *= 10;
        }
        int64_t off = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int oh, om;
                if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
                    om > 59)
                        return -EINVAL;
                off = (int64_t)(oh * 60 + om) * 60;
                if (*p == '-')
                        off = -off;
                p += 6;
        } else {
                return -EINVAL;
        }
        if (*p != '\0')
                return -EINVAL;

        int64_t secs = vg_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
                       mi * 60 + se - off;
        *ret = secs * VG_USEC_PER_SEC + frac;
        return 0;
}

int vg_time_parse_within(const char *s, vg_usec_t latest, vg_usec_t *ret)
{
        vg_usec_t t;
        int r = vg_time_parse(s, &t);
        if (r < 0)
                return r;
        if (t < VG_TIME_MIN || t > latest || t > VG_TIME_MAX)
                return -ERANGE;
        *ret = t;
        return 0;
}

int vg_time_parse_sent(const char *s, vg_usec_t *ret)
{
        vg_usec_t t;
        int r = vg_time_parse(s, &t);
        if (r < 0)
                return r;
        *ret = t < VG_TIME_MIN ? VG_TIME_UNSET : t;
        return 0;
}

int vg_weekday(int64_t days)
{
        /* 1970-01-01 was a Thursday (3 when Monday is 0). */
        int64_t w = (days + 3) % 7;
        return (int)(w < 0 ? w + 7 : w);
}

int64_t vg_civil_days(const struct vg_civil *c)
{
        return vg_days_from_civil(c->year, (unsigned)c->month, (unsigned)c->day);
}

void vg_civil_set_days(struct vg_civil *c, int64_t days)
{
        int64_t y;
        unsigned m, d;
        vg_civil_from_days(days, &y, &m, &d);
        c->year = (int)y;
        c->month = (int)m;
        c->day = (int)d;
}

static vg_usec_t utc_to_utc(const struct vg_zone *z, const struct vg_civil *c)
{
        (void)z;
        return (vg_civil_days(c) * 86400 + c->hour * 3600 + c->minute * 60 + c->second) * VG_USEC_PER_SEC;
}

static void utc_to_local(const struct vg_zone *z, vg_usec_t t, struct vg_civil *ret)
{
        (void)z;
        int64_t secs = vg_floordiv(t, VG_USEC_PER_SEC);
        int64_t days = vg_floordiv(secs, 86400), rest = secs - days * 86400;
        vg_civil_set_days(ret, days);
        ret->hour = (int)(rest / 3600);
        ret->minute = (int)(rest % 3600 / 60);
        ret->second = (int)(rest % 60);
}

const struct vg_zone vg_zone_utc = { .name = "UTC", .to_utc = utc_to_utc, .to_local = utc_to_local };
