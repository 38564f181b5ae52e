#include "core/oncall.h"

#include "core/array.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR (3600 * VG_USEC_PER_SEC)
#define DAY (86400 * VG_USEC_PER_SEC)

/* Local days + minutes (may be 1440 or more) -> UTC. */
static vg_usec_t local_at(const struct vg_zone *z, int64_t days, int minutes, int seconds)
{
        struct vg_civil c = { 0 };
        days += minutes / 1440;
        minutes %= 1440;
        vg_civil_set_days(&c, days);
        c.hour = minutes / 60;
        c.minute = minutes % 60;
        c.second = seconds;
        return z->to_utc(z, &c);
}

static int64_t period_days(const struct oncall_layer *l)
{
        return (l->kind == ROTATION_WEEKLY ? 7 : 1) * (int64_t)(l->length ? l->length : 1);
}

/* The k-th hand-off of a daily or weekly layer. */
static vg_usec_t handoff(const struct vg_zone *z, const struct oncall_layer *l, int64_t k)
{
        return local_at(z, vg_civil_days(&l->start) + k * period_days(l), l->start.hour * 60 + l->start.minute,
                        l->start.second);
}

/* The shift of l that holds t: its index and bounds; false before the
 * first hand-off or after until. */
static bool shift_at(const struct vg_zone *z, const struct oncall_layer *l, vg_usec_t t, int64_t *k, vg_usec_t *from,
                     vg_usec_t *to)
{
        if (l->until && t >= l->until)
                return false;
        if (l->kind == ROTATION_HOURLY) {
                vg_usec_t s0 = z->to_utc(z, &l->start), len = (vg_usec_t)(l->length ? l->length : 1) * HOUR;
                if (t < s0)
                        return false;
                *k = vg_floordiv(t - s0, len);
                *from = s0 + *k * len;
                *to = *from + len;
        } else {
                vg_usec_t s0 = handoff(z, l, 0);
                if (t < s0)
                        return false;
                struct vg_civil lt;
                z->to_local(z, t, &lt);
                int64_t kk = vg_floordiv(vg_civil_days(&lt) - vg_civil_days(&l->start), period_days(l));
                /* The local date is a first guess; the hand-off instants decide. */
                vg_usec_t b = handoff(z, l, kk), nb;
                while (t < b)
                        b = handoff(z, l, --kk);
                while (t >= (nb = handoff(z, l, kk + 1)))
                        b = nb, kk++;
                *k = kk;
                *from = b;
                *to = nb;
        }
        if (l->until && *to > l->until)
                *to = l->until;
        return true;
}

static void window(const struct vg_zone *z, const struct oncall_restriction *r, int64_t day, vg_usec_t *ws,
                   vg_usec_t *we)
{
        *ws = local_at(z, day, r->start_min, 0);
        *we = local_at(z, r->end_min <= r->start_min ? day + 1 : day, r->end_min, 0);
}

/* Is l allowed to be on call at t by its restrictions? */
static bool allowed(const struct vg_zone *z, const struct oncall_layer *l, vg_usec_t t)
{
        if (!l->n_restrictions)
                return true;
        struct vg_civil lt;
        z->to_local(z, t, &lt);
        int64_t d = vg_civil_days(&lt);
        for (int64_t day = d - 1; day <= d; day++) {
                unsigned bit = 1u << vg_weekday(day);
                for (size_t i = 0; i < l->n_restrictions; i++) {
                        const struct oncall_restriction *r = &l->restrictions[i];
                        vg_usec_t ws, we;
                        if (!(r->days & bit))
                                continue;
                        window(z, r, day, &ws, &we);
                        if (ws <= t && t < we)
                                return true;
                }
        }
        return false;
}

static const struct vg_zone *zone_of(const struct vg_zone *z, const struct oncall_layer *l)
{
        return l->zone ? l->zone : z;
}

static const char *layer_who(const struct vg_zone *z, const struct oncall_layer *l, vg_usec_t t)
{
        z = zone_of(z, l);
        int64_t k;
        vg_usec_t from, to;
        if (!l->n_users || !shift_at(z, l, t, &k, &from, &to) || !allowed(z, l, t))
                return NULL;
        return l->users[k % (int64_t)l->n_users];
}

const char *oncall_who(const struct oncall_schedule *s, vg_usec_t t, int *source)
{
        for (size_t i = s->n_overrides; i-- > 0;)
                if (s->overrides[i].from <= t && t < s->overrides[i].to) {
                        if (source)
                                *source = -1;
                        return s->overrides[i].user;
                }
        for (size_t i = s->n_layers; i-- > 0;) {
                const char *u = layer_who(s->zone, &s->layers[i], t);
                if (u) {
                        if (source)
                                *source = (int)i;
                        return u;
                }
        }
        if (source)
                *source = -2;
        return NULL;
}

/* Hand-offs and restriction edges in one computation: 400 days of hourly
 * shifts in all 16 layers, each with 16 restrictions, make about 360,000;
 * this bound only stops a range nobody asked for from taking all memory. */
#define ONCALL_POINTS_MAX (1u << 22)

struct points {
        size_t n, cap;
        vg_usec_t *p;
        vg_usec_t from, to;
};

static int add(struct points *ps, vg_usec_t t)
{
        if (t <= ps->from || t >= ps->to)
                return 0;
        int r = array_reserve(ps->p, ps->cap, ps->n + 1, ONCALL_POINTS_MAX);
        if (r < 0)
                return r;
        ps->p[ps->n++] = t;
        return 0;
}

/* Every instant in (from, to) where layer l may change hands. */
static int layer_points(const struct vg_zone *z, const struct oncall_layer *l, struct points *ps)
{
        int r = 0;
        z = zone_of(z, l);
        int64_t k;
        vg_usec_t a, b;
        vg_usec_t s0 = l->kind == ROTATION_HOURLY ? z->to_utc(z, &l->start) : handoff(z, l, 0);
        if ((r = add(ps, s0)) < 0 || (l->until && (r = add(ps, l->until)) < 0))
                return r;
        vg_usec_t t = ps->from > s0 ? ps->from : s0;
        while (t < ps->to && shift_at(z, l, t, &k, &a, &b)) {
                if ((r = add(ps, b)) < 0)
                        return r;
                t = b;
        }
        if (!l->n_restrictions)
                return 0;
        struct vg_civil lf, lt;
        z->to_local(z, ps->from, &lf);
        z->to_local(z, ps->to, &lt);
        for (int64_t day = vg_civil_days(&lf) - 1; day <= vg_civil_days(&lt); day++) {
                unsigned bit = 1u << vg_weekday(day);
                for (size_t i = 0; i < l->n_restrictions; i++) {
                        vg_usec_t ws, we;
                        if (!(l->restrictions[i].days & bit))
                                continue;
                        window(z, &l->restrictions[i], day, &ws, &we);
                        if ((r = add(ps, ws)) < 0 || (r = add(ps, we)) < 0)
                                return r;
                }
        }
        return 0;
}

static int cmp_usec(const void *a, const void *b)
{
        vg_usec_t x = *(const vg_usec_t *)a, y = *(const vg_usec_t *)b;
        return x < y ? -1 : x > y;
}

/* Walk the pieces between points; layer >= 0: that layer alone, gaps dropped. */
static int pieces(const struct oncall_schedule *s, int layer, struct points *ps, struct oncall_shift **ret, size_t *n)
{
        if (ps->n)
                qsort(ps->p, ps->n, sizeof *ps->p, cmp_usec);
        struct oncall_shift *out = NULL;
        size_t m = 0, cap = 0;
        for (size_t i = 0; i <= ps->n; i++) {
                vg_usec_t a = i == 0 ? ps->from : ps->p[i - 1];
                vg_usec_t b = i == ps->n ? ps->to : ps->p[i];
                if (b <= a)
                        continue;
                int src = layer;
                const char *u = layer >= 0 ? layer_who(s->zone, &s->layers[layer], a) : oncall_who(s, a, &src);
                if (layer >= 0 && !u)
                        continue;
                if (m && out[m - 1].to == a && out[m - 1].source == src &&
                    strcmp(out[m - 1].user, u ? u : "") == 0) {
                        out[m - 1].to = b;
                        continue;
                }
                /* Pieces lie between points: at most one more than them. */
                int r = array_reserve(out, cap, m + 1, ONCALL_POINTS_MAX + 1);
                if (r < 0) {
                        free(out);
                        return r;
                }
                snprintf(out[m].user, sizeof out[m].user, "%s", u ? u : "");
                out[m].from = a;
                out[m].to = b;
                out[m].source = src;
                m++;
        }
        *ret = out;
        *n = m;
        return 0;
}

static int range_ok(vg_usec_t from, vg_usec_t to)
{
        return from < to && to - from <= (vg_usec_t)ONCALL_RANGE_MAX_DAYS * DAY ? 0 : -EINVAL;
}

int oncall_final(const struct oncall_schedule *s, vg_usec_t from, vg_usec_t to, struct oncall_shift **ret, size_t *n)
{
        struct points ps = { .from = from, .to = to };
        int r = range_ok(from, to);
        *ret = NULL;
        *n = 0;
        for (size_t i = 0; r >= 0 && i < s->n_overrides; i++)
                if ((r = add(&ps, s->overrides[i].from)) >= 0)
                        r = add(&ps, s->overrides[i].to);
        for (size_t i = 0; r >= 0 && i < s->n_layers; i++)
                r = layer_points(s->zone, &s->layers[i], &ps);
        if (r >= 0)
                r = pieces(s, -1, &ps, ret, n);
        free(ps.p);
        return r;
}

int oncall_layer_shifts(const struct vg_zone *zone, const struct oncall_layer *l, vg_usec_t from, vg_usec_t to,
                        struct oncall_shift **ret, size_t *n)
{
        struct oncall_schedule s = { .zone = zone, .n_layers = 1, .layers = l };
        struct points ps = { .from = from, .to = to };
        int r = range_ok(from, to);
        *ret = NULL;
        *n = 0;
        if (r >= 0)
                r = layer_points(zone, l, &ps);
        if (r >= 0)
                r = pieces(&s, 0, &ps, ret, n);
        free(ps.p);
        return r;
}

int oncall_parse_hhmm(const char *s)
{
        if (!s || strlen(s) != 5 || s[2] != ':')
                return -1;
        for (int i = 0; i < 5; i++)
                if (i != 2 && (s[i] < '0' || s[i] > '9'))
                        return -1;
        int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
        if (m > 59 || h > 24 || (h == 24 && m))
                return -1;
        return h * 60 + m;
}

static int day_index(const char *s, size_t n)
{
        static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
        for (int i = 0; i < 7; i++)
                if (n == 3 && strncmp(s, days[i], 3) == 0)
                        return i;
        return -1;
}

unsigned oncall_parse_days(const char *s)
{
        if (!s || !*s)
                return 0;
        if (strcmp(s, "daily") == 0)
                return 0x7f;
        unsigned bits = 0;
        const char *p = s;
        while (*p) {
                const char *e = p;
                while (*e && *e != ',')
                        e++;
                const char *dash = memchr(p, '-', (size_t)(e - p));
                int a = day_index(p, (size_t)((dash ? dash : e) - p));
                int b = dash ? day_index(dash + 1, (size_t)(e - dash - 1)) : a;
                if (a < 0 || b < 0)
                        return 0;
                for (int d = a;; d = (d + 1) % 7) {
                        bits |= 1u << d;
                        if (d == b)
                                break;
                }
                p = *e ? e + 1 : e;
                if (*e && !*p)
                        return 0; /* trailing comma */
        }
        return bits;
}
