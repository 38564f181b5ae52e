/* libical keeps its own cache of loaded zones; this adds the vg_zone
 * wrappers and the rule for local times a DST change skips. */
#include "base/tz.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ZONES_MAX 600

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct vg_zone *zones[ZONES_MAX];
static size_t n_zones;

static struct icaltimetype ical_of(const struct vg_civil *c, const icaltimezone *z)
{
        struct icaltimetype t = icaltime_null_time();
        t.year = c->year;
        t.month = c->month;
        t.day = c->day;
        t.hour = c->hour;
        t.minute = c->minute;
        t.second = c->second;
        t.is_date = 0;
        t.zone = z;
        return t;
}

static void local(const struct vg_zone *z, vg_usec_t t, struct vg_civil *ret)
{
        int64_t secs = vg_floordiv(t, VG_USEC_PER_SEC);
        struct icaltimetype l = icaltime_from_timet_with_zone((time_t)secs, 0, (icaltimezone *)z->impl);
        *ret = (struct vg_civil){ l.year, l.month, l.day, l.hour, l.minute, l.second };
}

static int64_t civil_secs(const struct vg_civil *c)
{
        return vg_civil_days(c) * 86400 + c->hour * 3600 + c->minute * 60 + c->second;
}

static vg_usec_t to_utc(const struct vg_zone *z, const struct vg_civil *c)
{
        struct icaltimetype t = ical_of(c, z->impl);
        int64_t u = (int64_t)icaltime_as_timet_with_zone(t, (icaltimezone *)z->impl);
        /* A skipped local time comes back as another wall-clock time; move
         * by the difference, which is what the old offset would give. */
        struct vg_civil back;
        local(z, u * VG_USEC_PER_SEC, &back);
        int64_t diff = civil_secs(c) - civil_secs(&back);
        if (diff != 0)
                return (u + diff) * VG_USEC_PER_SEC;
        /* A repeated local time: libical may give the second; take the first. */
        for (int64_t step = 1800; step <= 7200; step += 1800) {
                local(z, (u - step) * VG_USEC_PER_SEC, &back);
                if (civil_secs(&back) == civil_secs(c))
                        return (u - step) * VG_USEC_PER_SEC;
        }
        return u * VG_USEC_PER_SEC;
}

const struct vg_zone *tz_zone(const char *name)
{
        if (!name || !*name || strlen(name) > 64)
                return NULL;
        if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
                return &vg_zone_utc;
        const struct vg_zone *found = NULL;
        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_zones && !found; i++)
                if (strcmp(zones[i]->name, name) == 0)
                        found = zones[i];
        if (!found && n_zones < ZONES_MAX) {
                icaltimezone *iz = icaltimezone_get_builtin_timezone(name);
                struct vg_zone *z = iz ? calloc(1, sizeof *z) : NULL;
                char *dup = z ? strdup(name) : NULL;
                if (dup) {
                        z->name = dup;
                        z->impl = iz;
                        z->to_utc = to_utc;
                        z->to_local = local;
                        zones[n_zones++] = z;
                        found = z;
                } else {
                        free(z);
                }
        }
        pthread_mutex_unlock(&lock);
        return found;
}
