/* On-call schedules: who is on call at an instant, the final schedule over
 * a range, and its gaps. Pure: zones come in as struct vg_zone, time as an
 * argument.
 *
 * A schedule has layers in order of precedence (a later layer that has
 * someone on call wins over earlier ones, as in PagerDuty) and overrides,
 * which win over every layer (the latest override that covers t wins).
 *
 * A layer rotates its users:
 *   daily, weekly  hand-offs at the local time of `start` every `length`
 *                  days (weeks), whatever DST does: a shift over a DST
 *                  change lasts 23 or 25 hours, the hand-off stays at 09:00;
 *   hourly         hand-offs every `length` hours of elapsed time from start.
 * Restrictions (optional) limit a layer to windows of local time on some
 * weekdays, e.g. Monday-Friday 09:00-17:00; a window whose end is not
 * after its start runs into the next day. A layer may end (`until`). */
#pragma once

#include "core/vtime.h"

#include <stdbool.h>
#include <stddef.h>

#define ONCALL_NAME_MAX 64
#define ONCALL_USERS_MAX 64
#define ONCALL_LAYERS_MAX 16
#define ONCALL_RESTRICTIONS_MAX 16
#define ONCALL_RANGE_MAX_DAYS 400

enum rotation_kind { ROTATION_DAILY, ROTATION_WEEKLY, ROTATION_HOURLY };

struct oncall_restriction {
        unsigned days;          /* bit 0 Monday .. bit 6 Sunday */
        int start_min, end_min; /* local minutes since midnight */
};

struct oncall_layer {
        char name[ONCALL_NAME_MAX];
        const struct vg_zone *zone; /* its own zone (follow the sun); NULL: the schedule's */
        enum rotation_kind kind;
        unsigned length;        /* days, weeks or hours per shift; >= 1 */
        struct vg_civil start;  /* local: the first hand-off */
        vg_usec_t until;        /* 0: for ever */
        size_t n_users;
        char users[ONCALL_USERS_MAX][ONCALL_NAME_MAX];
        size_t n_restrictions;
        struct oncall_restriction restrictions[ONCALL_RESTRICTIONS_MAX];
};

struct oncall_override {
        char user[ONCALL_NAME_MAX];
        vg_usec_t from, to;
};

struct oncall_schedule {
        const struct vg_zone *zone;
        size_t n_layers;
        const struct oncall_layer *layers;
        size_t n_overrides;
        const struct oncall_override *overrides;
};

/* Who is on call at t, or NULL for nobody. *source (may be NULL): the
 * layer's index, -1 for an override. */
const char *oncall_who(const struct oncall_schedule *s, vg_usec_t t, int *source);

/* One piece of the final schedule; user "" is a gap. */
struct oncall_shift {
        char user[ONCALL_NAME_MAX];
        vg_usec_t from, to;
        int source; /* layer index, -1 override, -2 gap */
};

/* The final schedule over [from, to) as consecutive shifts (adjacent
 * pieces with the same user and source merged). -EINVAL for an empty or
 * longer than ONCALL_RANGE_MAX_DAYS range, -ENOMEM. The caller frees *ret. */
int oncall_final(const struct oncall_schedule *s, vg_usec_t from, vg_usec_t to, struct oncall_shift **ret,
                 size_t *n);
/* The shifts of one layer alone over [from, to), with its restrictions
 * (gaps left out). */
int oncall_layer_shifts(const struct vg_zone *zone, const struct oncall_layer *l, vg_usec_t from, vg_usec_t to,
                        struct oncall_shift **ret, size_t *n);

/* "09:00" -> 540; -1 when it is not HH:MM (00:00-24:00). */
int oncall_parse_hhmm(const char *s);
/* "mon-fri", "sat,sun", "mon,wed-fri", "daily" -> day bits; 0 when invalid. */
unsigned oncall_parse_days(const char *s);
