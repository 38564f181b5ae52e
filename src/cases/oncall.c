/* The on-call documents as the server computes with them: schedules
 * parsed into core's structures with their overrides, and who each level
 * of an escalation policy reaches. Used by the API (http) and by paging
 * (jobs). */
#include "cases/oncall.h"
#include "cases/cases.h"

#include "base/tz.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "2026-11-02T09:00" -> civil. */
bool oncall_local_datetime(const char *s, struct vg_civil *c)
{
        int y, mo, d, h, mi;
        char tail;
        if (!s || strlen(s) != 16 || sscanf(s, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5)
                return false;
        if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
                return false;
        int64_t days = vg_days_from_civil(y, (unsigned)mo, (unsigned)d);
        struct vg_civil check = { 0 };
        vg_civil_set_days(&check, days);
        if (check.day != d)
                return false; /* 2026-02-30 */
        *c = (struct vg_civil){ y, mo, d, h, mi, 0 };
        return true;
}

static void err(struct field_errors *fe, const char *path, const char *msg)
{
        if (fe)
                fielderr_add(fe, path, "%s", msg);
}

static int layer_parse(json_t *l, size_t i, struct oncall_layer *out, struct field_errors *fe)
{
        static const char *const fields[] = { "name", "rotation", "length", "start", "time_zone", "until", "users",
                                              "restrictions", NULL };
        char path[96];
        int bad = 0;
        memset(out, 0, sizeof *out);
        snprintf(path, sizeof path, "layers[%zu]", i);
        if (!json_is_object(l)) {
                err(fe, path, "must be an object");
                return -VG_EVALIDATION;
        }
        const char *k;
        json_t *x;
        json_object_foreach(l, k, x)
        {
                bool ok = false;
                for (size_t f = 0; fields[f]; f++)
                        ok |= strcmp(k, fields[f]) == 0;
                if (!ok) {
                        snprintf(path, sizeof path, "layers[%zu].%.40s", i, k);
                        err(fe, path, "unknown field");
                        bad = 1;
                }
        }
        const char *name = json_string_value(json_object_get(l, "name"));
        snprintf(path, sizeof path, "layers[%zu].name", i);
        if (!name || !text_valid(name, ONCALL_NAME_MAX - 1))
                err(fe, path, "is required: text of 1 to 63 bytes"), bad = 1;
        else
                snprintf(out->name, sizeof out->name, "%s", name);
        const char *rot = json_string_value(json_object_get(l, "rotation"));
        snprintf(path, sizeof path, "layers[%zu].rotation", i);
        if (rot && strcmp(rot, "daily") == 0)
                out->kind = ROTATION_DAILY;
        else if (rot && strcmp(rot, "weekly") == 0)
                out->kind = ROTATION_WEEKLY;
        else if (rot && strcmp(rot, "hourly") == 0)
                out->kind = ROTATION_HOURLY;
        else
                err(fe, path, "must be daily, weekly or hourly"), bad = 1;
        json_t *len = json_object_get(l, "length");
        out->length = 1;
        snprintf(path, sizeof path, "layers[%zu].length", i);
        if (len && (!json_is_integer(len) || json_integer_value(len) < 1 || json_integer_value(len) > 1000))
                err(fe, path, "must be 1 to 1000"), bad = 1;
        else if (len)
                out->length = (unsigned)json_integer_value(len);
        snprintf(path, sizeof path, "layers[%zu].start", i);
        if (!oncall_local_datetime(json_string_value(json_object_get(l, "start")), &out->start))
                err(fe, path, "must be a local date and time like 2026-11-02T09:00"), bad = 1;
        const char *tz = json_string_value(json_object_get(l, "time_zone"));
        snprintf(path, sizeof path, "layers[%zu].time_zone", i);
        if (json_object_get(l, "time_zone") && !(out->zone = tz_zone(tz)))
                err(fe, path, "is not a known time zone (like Europe/Berlin)"), bad = 1;
        json_t *until = json_object_get(l, "until");
        snprintf(path, sizeof path, "layers[%zu].until", i);
        if (until && (!json_is_string(until) || vg_time_parse_within(json_string_value(until), VG_TIME_MAX, &out->until) < 0))
                err(fe, path, "must be an RFC 3339 time from 2000-01-01T00:00:00Z to "
                              "9999-12-31T23:59:59Z"),
                        bad = 1;
        json_t *users = json_object_get(l, "users"), *u;
        snprintf(path, sizeof path, "layers[%zu].users", i);
        if (!json_is_array(users) || json_array_size(users) == 0 || json_array_size(users) > ONCALL_USERS_MAX) {
                err(fe, path, "must be a list of 1 to 64 user names");
                bad = 1;
        } else {
                size_t j;
                json_array_foreach(users, j, u)
                {
                        const char *s = json_string_value(u);
                        if (!s || !username_valid(s)) {
                                snprintf(path, sizeof path, "layers[%zu].users[%zu]", i, j);
                                err(fe, path, "must be a user name");
                                bad = 1;
                                continue;
                        }
                        snprintf(out->users[out->n_users++], ONCALL_NAME_MAX, "%s", s);
                }
        }
        json_t *rs = json_object_get(l, "restrictions"), *r;
        snprintf(path, sizeof path, "layers[%zu].restrictions", i);
        if (rs && (!json_is_array(rs) || json_array_size(rs) > ONCALL_RESTRICTIONS_MAX)) {
                err(fe, path, "must be a list of at most 16 {days, from, to}");
                bad = 1;
        } else {
                size_t j;
                json_array_foreach(rs, j, r)
                {
                        struct oncall_restriction *x2 = &out->restrictions[out->n_restrictions];
                        x2->days = oncall_parse_days(json_string_value(json_object_get(r, "days")));
                        x2->start_min = oncall_parse_hhmm(json_string_value(json_object_get(r, "from")));
                        x2->end_min = oncall_parse_hhmm(json_string_value(json_object_get(r, "to")));
                        if (!json_is_object(r) || json_object_size(r) != 3 || !x2->days || x2->start_min < 0 ||
                            x2->end_min < 0 || x2->start_min == 1440) {
                                snprintf(path, sizeof path, "layers[%zu].restrictions[%zu]", i, j);
                                err(fe, path, "must be {days: \"mon-fri\", from: \"09:00\", to: \"17:00\"}");
                                bad = 1;
                                continue;
                        }
                        out->n_restrictions++;
                }
        }
        return bad ? -VG_EVALIDATION : 0;
}

int schedule_doc_parse(json_t *body, struct schedule_doc *ret, struct field_errors *fe)
{
        int bad = 0;
        memset(ret, 0, sizeof *ret);
        ret->zone = tz_zone(json_string_value(json_object_get(body, "time_zone")));
        if (!ret->zone)
                err(fe, "time_zone", "is required: a known time zone (like Europe/Berlin)"), bad = 1;
        json_t *layers = json_object_get(body, "layers"), *l;
        if (!json_is_array(layers) || json_array_size(layers) == 0 || json_array_size(layers) > ONCALL_LAYERS_MAX) {
                err(fe, "layers", "must be a list of 1 to 16 layers");
                return -VG_EVALIDATION;
        }
        size_t i;
        json_array_foreach(layers, i, l)
        {
                if (layer_parse(l, i, &ret->layers[i], fe) < 0)
                        bad = 1;
        }
        ret->n_layers = json_array_size(layers);
        return bad ? -VG_EVALIDATION : 0;
}

int org_object_json(const struct org_object *o, void *userdata)
{
        json_t **ret = userdata;
        *ret = json_loads(o->body, 0, NULL);
        if (!*ret)
                return -ENOMEM;
        json_object_set_new(*ret, "name", json_string(o->name));
        json_object_set_new(*ret, "version", json_integer(o->version));
        char updated[VG_RFC3339_MAX];
        vg_time_format(o->updated_at, updated);
        json_object_set_new(*ret, "updated_at", json_string(updated));
        return 0;
}

int org_load(struct store_tx *tx, const char *kind, const char *name, json_t **ret)
{
        *ret = NULL;
        return store_org_get(tx, kind, name, org_object_json, ret);
}

/* A schedule ready to compute: its layers and the overrides in a range
 * (but the one whose id is except, when except is not 0). */
struct override_load {
        struct loaded_schedule *l; /* borrows */
        int64_t except;
};

static int add_override(const struct schedule_override *o, void *userdata)
{
        struct override_load *ol = userdata;
        struct loaded_schedule *l = ol->l;
        if (ol->except && o->id == ol->except)
                return 0;
        if (l->n_overrides == OVERRIDES_MAX)
                return 0; /* the earliest OVERRIDES_MAX in range count */
        struct oncall_override *x = &l->overrides[l->n_overrides++];
        snprintf(x->user, sizeof x->user, "%.63s", o->user);
        x->from = o->starts_at;
        x->to = o->ends_at;
        return 0;
}

static int schedule_load_except(struct store_tx *tx, const char *name, vg_usec_t from, vg_usec_t to,
                                int64_t except, struct loaded_schedule **ret)
{
        json_t *body = NULL;
        struct loaded_schedule *l = calloc(1, sizeof *l);
        struct override_load ol = {.l = l, .except = except};
        int r = l ? org_load(tx, "schedule", name, &body) : -ENOMEM;
        if (r >= 0)
                r = schedule_doc_parse(body, &l->doc, NULL) < 0 ? -VG_ESTORE : 0;
        if (r >= 0)
                r = store_override_list(tx, name, from, to, add_override, &ol);
        json_decref(body);
        if (r < 0) {
                free(l);
                return r;
        }
        *ret = l;
        return 0;
}

/* Load schedule name with the overrides overlapping [from, to). */
int schedule_load(struct store_tx *tx, const char *name, vg_usec_t from, vg_usec_t to,
                  struct loaded_schedule **ret)
{
        return schedule_load_except(tx, name, from, to, 0, ret);
}

struct oncall_schedule schedule_view(const struct loaded_schedule *l)
{
        return (struct oncall_schedule){ .zone = l->doc.zone, .n_layers = l->doc.n_layers, .layers = l->doc.layers,
                                         .n_overrides = l->n_overrides, .overrides = l->overrides };
}

/* The people a target reaches at t, appended to out as {user, via}. */
static int target_people(struct store_tx *tx, json_t *target, vg_usec_t t, json_t *out)
{
        const char *type = json_string_value(json_object_get(target, "type"));
        const char *name = json_string_value(json_object_get(target, "name"));
        char via[STORE_NAME_MAX + 16];
        snprintf(via, sizeof via, "%s:%s", type ? type : "?", name ? name : "?");
        if (!type || !name)
                return 0;
        if (strcmp(type, "user") == 0)
                return json_array_append_new(out, json_pack("{s:s, s:s}", "user", name, "via", via));
        if (strcmp(type, "team") == 0) {
                json_t *team = NULL, *m;
                size_t i;
                int r = org_load(tx, "team", name, &team);
                json_array_foreach(json_object_get(team, "members"), i, m)
                        json_array_append_new(out, json_pack("{s:O, s:s}", "user", m, "via", via));
                json_decref(team);
                return r == -VG_ENOTFOUND ? 0 : r;
        }
        struct loaded_schedule *l = NULL;
        int r = schedule_load(tx, name, t, t + 1, &l);
        if (r == -VG_ENOTFOUND)
                return 0;
        if (r < 0)
                return r;
        struct oncall_schedule s = schedule_view(l);
        const char *who = oncall_who(&s, t, NULL);
        if (who)
                json_array_append_new(out, json_pack("{s:s, s:s}", "user", who, "via", via));
        free(l);
        return 0;
}

int64_t oncall_level_delay(json_t *level)
{
        json_t *m = json_object_get(level, "delay_minutes"), *sec = json_object_get(level, "delay_seconds");
        return sec ? json_integer_value(sec) : json_integer_value(m) * 60;
}

int oncall_levels(struct store_tx *tx, const char *policy_name, vg_usec_t t, json_t **ret)
{
        json_t *pol = NULL, *lv;
        size_t i;
        int r = org_load(tx, "escalation_policy", policy_name, &pol);
        if (r < 0)
                return r;
        json_t *levels = json_array();
        json_array_foreach(json_object_get(pol, "levels"), i, lv)
        {
                json_t *people = json_array(), *t2;
                size_t j;
                json_array_foreach(json_object_get(lv, "targets"), j, t2) if (r >= 0) r = target_people(tx, t2, t, people);
                json_array_append_new(levels, json_pack("{s:I, s:I, s:o}", "level", (json_int_t)i + 1, "delay_seconds",
                                                        (json_int_t)oncall_level_delay(lv), "oncall", people));
        }
        json_decref(pol);
        if (r < 0) {
                json_decref(levels);
                return r;
        }
        *ret = levels;
        return 0;
}


int schedule_shifts(struct store_tx *tx, const char *name, vg_usec_t from, vg_usec_t to,
                    struct loaded_schedule **ret_l, struct oncall_shift **ret_sh, size_t *ret_n)
{
        struct loaded_schedule *l = NULL;
        *ret_l = NULL;
        *ret_sh = NULL;
        *ret_n = 0;
        int r = schedule_load(tx, name, from, to, &l);
        if (r < 0)
                return r;
        struct oncall_schedule s = schedule_view(l);
        r = oncall_final(&s, from, to, ret_sh, ret_n);
        if (r < 0) {
                free(l);
                return r;
        }
        *ret_l = l;
        return 0;
}

int schedule_override_involves(struct store_tx *tx, const struct schedule_override *o,
                               const char *who)
{
        if (strcmp(o->user, who) == 0)
                return 1;
        /* Older overrides may be longer than a final schedule's range; whom
         * such a one replaces is not worked out, so it involves only the
         * person it puts on call. */
        if (o->ends_at <= o->starts_at ||
            o->ends_at - o->starts_at > ONCALL_RANGE_MAX_DAYS * 86400 * VG_USEC_PER_SEC)
                return 0;
        struct loaded_schedule *l = NULL;
        int r = schedule_load_except(tx, o->schedule, o->starts_at, o->ends_at, o->id, &l);
        if (r < 0)
                return r;
        struct oncall_schedule s = schedule_view(l);
        struct oncall_shift *sh = NULL;
        size_t n = 0;
        r = oncall_final(&s, o->starts_at, o->ends_at, &sh, &n);
        free(l);
        if (r < 0)
                return r;
        /* who is the one replaced only if who is on call for the whole
         * window: a gap or anyone else's shift in it is someone else's. */
        int involved = n > 0;
        for (size_t i = 0; i < n && involved; i++)
                involved = strcmp(sh[i].user, who) == 0;
        free(sh);
        return involved;
}

struct names {
        size_t n;
        char (*v)[STORE_NAME_MAX];
};

static int name_add(const struct org_object *o, void *userdata)
{
        struct names *ns = userdata;
        char(*v)[STORE_NAME_MAX] = realloc(ns->v, (ns->n + 1) * sizeof *v);
        if (!v)
                return -ENOMEM;
        ns->v = v;
        snprintf(ns->v[ns->n++], STORE_NAME_MAX, "%s", o->name);
        return 0;
}

int org_names(struct store_tx *tx, const char *kind, char (**ret)[STORE_NAME_MAX], size_t *n)
{
        struct names ns = { 0 };
        int r = store_org_list(tx, kind, name_add, &ns);
        if (r < 0) {
                free(ns.v);
                return r;
        }
        *ret = ns.v;
        *n = ns.n;
        return 0;
}

const char *oncall_source_name(const struct loaded_schedule *l, int source)
{
        return source >= 0 ? l->doc.layers[source].name : source == -1 ? "override" : "gap";
}

json_t *oncall_shifts_json(const struct loaded_schedule *l, const struct oncall_shift *sh, size_t n, bool gaps_only)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++) {
                if (gaps_only && sh[i].user[0])
                        continue;
                json_t *o = json_pack("{s:o, s:o}", "from", case_time_json(sh[i].from), "to", case_time_json(sh[i].to));
                if (!gaps_only) {
                        json_object_set_new(o, "user", sh[i].user[0] ? json_string(sh[i].user) : json_null());
                        json_object_set_new(o, "layer", json_string(oncall_source_name(l, sh[i].source)));
                }
                json_array_append_new(a, o);
        }
        return a;
}

/* Coverage: the gaps of every schedule, and whether each service is
 * reached around the clock. */

/* Gaps of schedule name in [from, to) into *gaps (an array of shifts). */
static int schedule_gaps(struct store_tx *tx, const char *name, vg_usec_t from, vg_usec_t to, json_t **gaps,
                         vg_usec_t *gap_total)
{
        struct loaded_schedule *l = NULL;
        struct oncall_shift *sh = NULL;
        size_t n = 0;
        int r = schedule_shifts(tx, name, from, to, &l, &sh, &n);
        if (r >= 0) {
                *gaps = oncall_shifts_json(l, sh, n, true);
                *gap_total = 0;
                for (size_t i = 0; i < n; i++)
                        if (!sh[i].user[0])
                                *gap_total += sh[i].to - sh[i].from;
        }
        free(sh);
        free(l);
        return r;
}

/* Is service covered around the clock at level 1 of its policy? A user or
 * a team with members always is; schedules are when no instant finds all
 * of them empty. why explains a "no". */
static int service_covered(struct store_tx *tx, json_t *svc, vg_usec_t from, vg_usec_t to, bool *covered, char *why,
                           size_t whylen)
{
        const char *policy = json_string_value(json_object_get(svc, "escalation_policy"));
        json_t *pol = NULL;
        *covered = false;
        if (!policy) {
                snprintf(why, whylen, "no escalation policy");
                return 0;
        }
        int r = org_load(tx, "escalation_policy", policy, &pol);
        if (r == -VG_ENOTFOUND) {
                snprintf(why, whylen, "escalation policy '%s' is missing", policy);
                return 0;
        }
        if (r < 0)
                return r;
        json_t *targets = json_object_get(json_array_get(json_object_get(pol, "levels"), 0), "targets"), *t;
        size_t i;
        /* Gaps common to every schedule target: an interval list, intersected. */
        struct oncall_shift *common = NULL;
        size_t n_common = 0;
        bool any_schedule = false;
        json_array_foreach(targets, i, t)
        {
                const char *type = json_string_value(json_object_get(t, "type"));
                const char *name = json_string_value(json_object_get(t, "name"));
                if (!type || !name)
                        continue;
                if (strcmp(type, "user") == 0)
                        *covered = true;
                if (strcmp(type, "team") == 0) {
                        json_t *team = NULL;
                        if (org_load(tx, "team", name, &team) >= 0 && json_array_size(json_object_get(team, "members")))
                                *covered = true;
                        json_decref(team);
                }
                if (strcmp(type, "schedule") != 0 || *covered)
                        continue;
                struct loaded_schedule *l = NULL;
                struct oncall_shift *sh = NULL;
                size_t n = 0;
                r = schedule_shifts(tx, name, from, to, &l, &sh, &n);
                free(l);
                if (r < 0)
                        break;
                /* Keep only the gaps, intersected with what was common so far. */
                size_t m = 0;
                for (size_t k = 0; k < n; k++)
                        if (!sh[k].user[0])
                                sh[m++] = sh[k];
                if (!any_schedule) {
                        free(common);
                        common = sh;
                        n_common = m;
                        any_schedule = true;
                        continue;
                }
                struct oncall_shift *out = malloc((n_common + m + 1) * sizeof *out);
                size_t o = 0;
                for (size_t a = 0, b = 0; out && a < n_common && b < m;) {
                        vg_usec_t lo = common[a].from > sh[b].from ? common[a].from : sh[b].from;
                        vg_usec_t hi = common[a].to < sh[b].to ? common[a].to : sh[b].to;
                        if (lo < hi)
                                out[o++] = (struct oncall_shift){ .user = "", .from = lo, .to = hi, .source = -2 };
                        if (common[a].to < sh[b].to)
                                a++;
                        else
                                b++;
                }
                free(common);
                free(sh);
                if (!out) {
                        r = -ENOMEM;
                        break;
                }
                common = out;
                n_common = o;
        }
        if (r >= 0 && !*covered) {
                if (!any_schedule) {
                        snprintf(why, whylen, "level 1 of '%s' reaches nobody", policy);
                } else if (n_common) {
                        char a[VG_RFC3339_MAX], b[VG_RFC3339_MAX];
                        vg_time_format(common[0].from, a);
                        vg_time_format(common[0].to, b);
                        snprintf(why, whylen, "%zu gaps at level 1 of '%s', the first %s to %s", n_common, policy, a, b);
                } else {
                        *covered = true;
                }
        }
        free(common);
        json_decref(pol);
        return r < 0 ? r : 0;
}

int oncall_coverage_json(struct store_tx *tx, vg_usec_t from, vg_usec_t to, json_t **ret, bool *ok)
{
        struct {
                size_t n;
                char (*v)[STORE_NAME_MAX];
        } scheds = { 0 }, svcs = { 0 };
        json_t *sj = json_array(), *vj = json_array();
        int r = org_names(tx, "schedule", &scheds.v, &scheds.n);
        if (r >= 0)
                r = org_names(tx, "service", &svcs.v, &svcs.n);
        *ok = true;
        for (size_t i = 0; r >= 0 && i < scheds.n; i++) {
                json_t *gaps = NULL;
                vg_usec_t total = 0;
                r = schedule_gaps(tx, scheds.v[i], from, to, &gaps, &total);
                if (r >= 0) {
                        *ok &= json_array_size(gaps) == 0;
                        json_array_append_new(sj, json_pack("{s:s, s:I, s:o}", "name", scheds.v[i], "gap_seconds",
                                                            (json_int_t)(total / VG_USEC_PER_SEC), "gaps", gaps));
                }
        }
        for (size_t i = 0; r >= 0 && i < svcs.n; i++) {
                json_t *svc = NULL;
                bool covered;
                char why[256] = "";
                r = org_load(tx, "service", svcs.v[i], &svc);
                if (r >= 0)
                        r = service_covered(tx, svc, from, to, &covered, why, sizeof why);
                json_decref(svc);
                if (r >= 0) {
                        *ok &= covered;
                        json_t *o = json_pack("{s:s, s:b}", "name", svcs.v[i], "covered", covered);
                        if (!covered)
                                json_object_set_new(o, "why", json_string(why));
                        json_array_append_new(vj, o);
                }
        }
        free(scheds.v);
        free(svcs.v);
        if (r < 0) {
                json_decref(sj);
                json_decref(vj);
                return r;
        }
        *ret = json_pack("{s:o, s:o, s:b, s:o, s:o}", "from", case_time_json(from), "to", case_time_json(to), "ok", *ok,
                         "schedules", sj, "services", vj);
        return *ret ? 0 : -ENOMEM;
}

/* ---- overrides ---- */

json_t *case_override_json(const struct schedule_override *o)
{
        return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:o}", "id", (json_int_t)o->id, "schedule", o->schedule,
                         "user", o->user, "from", case_time_json(o->starts_at), "to", case_time_json(o->ends_at), "reason",
                         o->reason ? o->reason : "", "created_by", o->created_by, "created_at",
                         case_time_json(o->created_at));
}

/* Who changes an override: see case_override_create. Otherwise a responder
 * could put anyone on call, or take an incident manager off, on their own
 * word. */
static int override_may_change(struct store_tx *tx, const struct actor *actor, enum role role,
                               const struct schedule_override *o, struct case_outcome *out)
{
        if (role != ROLE_RESPONDER)
                return 0;
        int r = schedule_override_involves(tx, o, actor->name);
        if (r < 0)
                return r;
        if (r == 0) {
                case_outcome_detail(out, "a responder changes only overrides that involve them: putting "
                                         "themselves on call, "
                                         "or handing over a window in which only they are on call");
                return -VG_EFORBIDDEN;
        }
        return 0;
}

#define OVERRIDE_DAY (86400 * VG_USEC_PER_SEC)

void case_override_validate(const struct schedule_override *o, vg_usec_t now, struct field_errors *fe)
{
        if (o->ends_at <= o->starts_at || o->ends_at - o->starts_at > 90 * OVERRIDE_DAY)
                fielderr_add(fe, "to", "must be after from, at most 90 days later");
        else if (o->ends_at <= now)
                fielderr_add(fe, "to", "must be in the future");
        if (o->reason && *o->reason && !text_valid(o->reason, 500))
                fielderr_add(fe, "reason", "must be text on one line");
}

/* The audit record of an override. */
static int override_audit(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *action,
                          int64_t id, json_t *change)
{
        char object[48];
        snprintf(object, sizeof object, "override:%lld", (long long)id);
        return change ? store_audit_append(tx, now, actor, action, object, change) : -ENOMEM;
}

int case_override_create(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                         struct schedule_override *o, struct case_outcome *out)
{
        json_t *doc = NULL;
        struct user u;
        case_override_validate(o, now, &out->errors);
        if (fielderr_any(&out->errors))
                return -VG_EVALIDATION;
        snprintf(o->created_by, sizeof o->created_by, "%s", actor->name);
        o->created_at = now;
        int r = org_load(tx, "schedule", o->schedule, &doc);
        json_decref(doc);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(out, "no schedule '%s'", o->schedule);
        if (r >= 0) {
                int ur = store_user_get_by_name(tx, o->user, &u);
                if (ur == -VG_ENOTFOUND || (ur >= 0 && (u.disabled || u.role == ROLE_TENANT_ADMIN))) {
                        fielderr_add(&out->errors, "user", "no active staff user '%s'", o->user);
                        r = -VG_EVALIDATION;
                } else if (ur < 0) {
                        r = ur;
                }
        }
        if (r >= 0)
                r = override_may_change(tx, actor, role, o, out);
        if (r >= 0)
                r = store_override_insert(tx, o);
        if (r >= 0) {
                json_t *j = case_override_json(o);
                r = override_audit(tx, actor, now, "schedule.override.create", o->id, j);
                json_decref(j);
        }
        return r;
}

/* The override being deleted, and what the audit record keeps of it. */
struct override_found {
        struct schedule_override o; /* reason not kept */
        json_t *json;               /* owns */
};

static int override_keep(const struct schedule_override *o, void *userdata)
{
        struct override_found *f = userdata;
        f->o = *o;
        f->o.reason = NULL;
        f->json = case_override_json(o);
        return f->json ? 0 : -ENOMEM;
}

int case_override_delete(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                         const char *schedule, int64_t id, struct case_outcome *out)
{
        struct override_found f = {0};
        int r = store_override_get(tx, schedule, id, override_keep, &f);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(out, "no override %lld on schedule '%s'", (long long)id, schedule);
        if (r >= 0)
                r = override_may_change(tx, actor, role, &f.o, out);
        if (r >= 0)
                r = store_override_delete(tx, schedule, id);
        /* The record names what was deleted, so "override:N" reads whole. */
        if (r >= 0)
                r = override_audit(tx, actor, now, "schedule.override.delete", id, f.json);
        json_decref(f.json);
        return r;
}
