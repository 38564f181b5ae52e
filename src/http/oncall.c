/* Who is on call: a schedule's overrides, its final schedule over a range,
 * the coverage of every schedule and service (gaps are errors), and the
 * on-call answer for a service at an instant through its escalation
 * policy. */
#include "http/org.h"
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY (86400 * VG_USEC_PER_SEC)

/* ?from=&to= (RFC 3339), defaulting to [now, now + days). */
static int range(struct request *req, int64_t default_days, vg_usec_t *from, vg_usec_t *to)
{
        const char *f = request_query(req, "from"), *t = request_query(req, "to"), *d = request_query(req, "days");
        *from = req->now;
        *to = req->now + default_days * DAY;
        if (f)
                request_time(req, "from", f, VG_TIME_MAX, from);
        if (d) {
                char *end;
                long long days = strtoll(d, &end, 10);
                if (*end || days < 1 || days > ONCALL_RANGE_MAX_DAYS)
                        fielderr_add(&req->errors, "days", "must be 1 to %d", ONCALL_RANGE_MAX_DAYS);
                else
                        *to = *from + days * DAY;
        } else if (!t) {
                *to = *from + default_days * DAY;
        }
        if (t)
                request_time(req, "to", t, VG_TIME_MAX, to);
        if (!fielderr_any(&req->errors) && (*to <= *from || *to - *from > ONCALL_RANGE_MAX_DAYS * DAY))
                fielderr_add(&req->errors, "to", "must be after from, at most %d days", ONCALL_RANGE_MAX_DAYS);
        return fielderr_any(&req->errors) ? -VG_EVALIDATION : 0;
}

static const char *source_name(const struct loaded_schedule *l, int source)
{
        return source >= 0 ? l->doc.layers[source].name : source == -1 ? "override" : "gap";
}

static json_t *shifts_json(const struct loaded_schedule *l, const struct oncall_shift *sh, size_t n, bool gaps_only)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++) {
                if (gaps_only && sh[i].user[0])
                        continue;
                json_t *o = json_pack("{s:o, s:o}", "from", json_time(sh[i].from), "to", json_time(sh[i].to));
                if (!gaps_only) {
                        json_object_set_new(o, "user", sh[i].user[0] ? json_string(sh[i].user) : json_null());
                        json_object_set_new(o, "layer", json_string(source_name(l, sh[i].source)));
                }
                json_array_append_new(a, o);
        }
        return a;
}

static int not_found(struct request *req, int r, const char *kind, const char *name)
{
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no %s '%s'", kind, name);
        return r;
}

int api_schedule_final(struct request *req, struct response *resp)
{
        vg_usec_t from, to;
        struct store_tx *tx;
        struct loaded_schedule *l = NULL;
        int r = range(req, 14, &from, &to);
        if (r < 0)
                return r;
        r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        struct oncall_shift *sh = NULL;
        size_t n = 0;
        r = not_found(req, schedule_shifts(tx, req->params[0], from, to, &l, &sh, &n), "schedule", req->params[0]);
        store_rollback(tx);
        if (r >= 0)
                r = response_json(resp, 200,
                                  json_pack("{s:s, s:s, s:o, s:o, s:o}", "schedule", req->params[0], "time_zone",
                                            l->doc.zone->name, "from", json_time(from), "to", json_time(to), "shifts",
                                            shifts_json(l, sh, n, false)));
        free(sh);
        free(l);
        return r;
}

/* ---- overrides ---- */

static json_t *override_json(const struct schedule_override *o)
{
        return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:o}", "id", (json_int_t)o->id, "schedule", o->schedule,
                         "user", o->user, "from", json_time(o->starts_at), "to", json_time(o->ends_at), "reason",
                         o->reason ? o->reason : "", "created_by", o->created_by, "created_at",
                         json_time(o->created_at));
}

/* Who changes an override: incident managers and admins any (they own the
 * schedules; teams have no managers of their own), a responder only one
 * they are party to, as the person it puts on call or the one it takes
 * off. Otherwise a responder could put anyone on call, or take an
 * incident manager off, on their own word. */
static int override_may_change(struct request *req, struct store_tx *tx,
                               const struct schedule_override *o)
{
        if (req->who.user.role != ROLE_RESPONDER)
                return 0;
        int r = schedule_override_involves(tx, o, req->who.user.name);
        if (r < 0)
                return r;
        if (r == 0) {
                request_detail(req, "a responder changes only overrides that involve them: putting "
                                    "themselves on call, "
                                    "or handing over a window in which only they are on call");
                return -VG_EFORBIDDEN;
        }
        return 0;
}

int api_override_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "user", "from", "to", "reason", NULL };
        struct schedule_override o = { 0 };
        struct store_tx *tx;
        json_t *body, *doc = NULL;
        struct user u;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *user = json_field_string(req, body, "user", true, STORE_NAME_MAX - 1);
        const char *from = json_field_string(req, body, "from", true, 64);
        const char *to = json_field_string(req, body, "to", true, 64);
        const char *reason = json_field_string(req, body, "reason", false, 500);
        if (from)
                request_time(req, "from", from, VG_TIME_MAX, &o.starts_at);
        if (to)
                request_time(req, "to", to, VG_TIME_MAX, &o.ends_at);
        if (!fielderr_any(&req->errors) && (o.ends_at <= o.starts_at || o.ends_at - o.starts_at > 90 * DAY))
                fielderr_add(&req->errors, "to", "must be after from, at most 90 days later");
        if (!fielderr_any(&req->errors) && o.ends_at <= req->now)
                fielderr_add(&req->errors, "to", "must be in the future");
        if (reason && !text_valid(reason, 500) && *reason)
                fielderr_add(&req->errors, "reason", "must be text on one line");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        snprintf(o.schedule, sizeof o.schedule, "%.64s", req->params[0]);
        snprintf(o.user, sizeof o.user, "%s", user);
        snprintf(o.created_by, sizeof o.created_by, "%s", req->who.user.name);
        o.reason = reason;
        o.created_at = req->now;
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = not_found(req, org_load(tx, "schedule", o.schedule, &doc), "schedule", o.schedule);
        json_decref(doc);
        if (r >= 0) {
                int ur = store_user_get_by_name(tx, user, &u);
                if (ur == -VG_ENOTFOUND || (ur >= 0 && (u.disabled || u.role == ROLE_TENANT_ADMIN))) {
                        fielderr_add(&req->errors, "user", "no active staff user '%s'", user);
                        r = -VG_EVALIDATION;
                } else if (ur < 0) {
                        r = ur;
                }
        }
        if (r >= 0)
                r = override_may_change(req, tx, &o);
        if (r >= 0)
                r = store_override_insert(tx, &o);
        json_t *j = r >= 0 ? override_json(&o) : NULL;
        if (r >= 0)
                r = request_audit(req, tx, "schedule.override.create", "override", o.id, j);
        r = store_finish(tx, r);
        if (r < 0) {
                json_decref(j);
                return r;
        }
        return response_json(resp, 201, j);
}

static int override_add_json(const struct schedule_override *o, void *userdata)
{
        return json_array_append_new(userdata, override_json(o)) == 0 ? 0 : -ENOMEM;
}

int api_override_list(struct request *req, struct response *resp)
{
        vg_usec_t from, to;
        struct store_tx *tx;
        json_t *doc = NULL, *items = json_array();
        int r = range(req, 90, &from, &to);
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r < 0) {
                json_decref(items);
                return r;
        }
        r = not_found(req, org_load(tx, "schedule", req->params[0], &doc), "schedule", req->params[0]);
        json_decref(doc);
        if (r >= 0)
                r = store_override_list(tx, req->params[0], from, to, override_add_json, items);
        store_rollback(tx);
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
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
        f->json = override_json(o);
        return f->json ? 0 : -ENOMEM;
}

int api_override_delete(struct request *req, struct response *resp)
{
        long long id;
        struct store_tx *tx;
        struct override_found f = {0};
        if (request_id_param(req, 1, "override", &id) < 0)
                return -VG_ENOTFOUND;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_override_get(tx, req->params[0], id, override_keep, &f);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no override %lld on schedule '%s'", id, req->params[0]);
        if (r >= 0)
                r = override_may_change(req, tx, &f.o);
        if (r >= 0)
                r = store_override_delete(tx, req->params[0], id);
        /* The record names what was deleted, so "override:N" reads whole. */
        if (r >= 0)
                r = request_audit(req, tx, "schedule.override.delete", "override", id, f.json);
        json_decref(f.json);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}

/* ---- coverage ---- */

/* Gaps of schedule name in [from, to) into *gaps (an array of shifts). */
static int schedule_gaps(struct store_tx *tx, const char *name, vg_usec_t from, vg_usec_t to, json_t **gaps,
                         vg_usec_t *gap_total)
{
        struct loaded_schedule *l = NULL;
        struct oncall_shift *sh = NULL;
        size_t n = 0;
        int r = schedule_shifts(tx, name, from, to, &l, &sh, &n);
        if (r >= 0) {
                *gaps = shifts_json(l, sh, n, true);
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
        *ret = json_pack("{s:o, s:o, s:b, s:o, s:o}", "from", json_time(from), "to", json_time(to), "ok", *ok,
                         "schedules", sj, "services", vj);
        return *ret ? 0 : -ENOMEM;
}

int api_oncall_coverage(struct request *req, struct response *resp)
{
        vg_usec_t from, to;
        struct store_tx *tx;
        json_t *out = NULL;
        bool ok;
        int r = range(req, 90, &from, &to);
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = oncall_coverage_json(tx, from, to, &out, &ok);
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, out);
}

/* ---- who is on call ---- */

int api_oncall_get(struct request *req, struct response *resp)
{
        const char *service = request_query(req, "service"), *schedule = request_query(req, "schedule");
        const char *at = request_query(req, "at");
        vg_usec_t t = req->now;
        struct store_tx *tx;
        json_t *doc = NULL, *out = NULL;
        if (at)
                request_time(req, "at", at, VG_TIME_MAX, &t);
        if (!service == !schedule)
                fielderr_add(&req->errors, "service", "give service or schedule");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        if (schedule) {
                struct loaded_schedule *l = NULL;
                r = not_found(req, schedule_load(tx, schedule, t, t + 1, &l), "schedule", schedule);
                if (r >= 0) {
                        struct oncall_schedule s = schedule_view(l);
                        int src;
                        const char *who = oncall_who(&s, t, &src);
                        out = json_pack("{s:s, s:o, s:o, s:s}", "schedule", schedule, "at", json_time(t), "user",
                                        who ? json_string(who) : json_null(), "layer", source_name(l, src));
                }
                free(l);
        } else {
                r = not_found(req, org_load(tx, "service", service, &doc), "service", service);
                const char *policy = json_string_value(json_object_get(doc, "escalation_policy"));
                json_t *levels = NULL;
                if (r >= 0 && policy)
                        r = oncall_levels(tx, policy, t, &levels);
                if (r >= 0)
                        out = json_pack("{s:s, s:o, s:o, s:o}", "service", service, "at", json_time(t),
                                        "escalation_policy", policy ? json_string(policy) : json_null(), "levels",
                                        levels ? levels : json_array());
                json_decref(doc);
        }
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, out);
}
