/* Who is on call: a schedule's overrides, its final schedule over a range,
 * the coverage of every schedule and service (gaps are errors:
 * oncall_coverage_json, src/cases/oncall.c), and the on-call answer for a
 * service at an instant through its escalation policy. */
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
                                            oncall_shifts_json(l, sh, n, false)));
        free(sh);
        free(l);
        return r;
}

/* ---- overrides ---- */

int api_override_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "user", "from", "to", "reason", NULL };
        struct schedule_override o = { 0 };
        struct case_outcome out;
        struct store_tx *tx;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *user = json_field_string(req, body, "user", true, STORE_NAME_MAX - 1);
        const char *from = json_field_string(req, body, "from", true, 64);
        const char *to = json_field_string(req, body, "to", true, 64);
        o.reason = json_field_string(req, body, "reason", false, 500);
        if (from)
                request_time(req, "from", from, VG_TIME_MAX, &o.starts_at);
        if (to)
                request_time(req, "to", to, VG_TIME_MAX, &o.ends_at);
        if (!fielderr_any(&req->errors))
                case_override_validate(&o, req->now, &req->errors);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        snprintf(o.schedule, sizeof o.schedule, "%.64s", req->params[0]);
        snprintf(o.user, sizeof o.user, "%s", user);
        case_outcome_init(&out);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_override_create(tx, &a, req->who.user.role, req->now, &o, &out);
        request_outcome(req, &out);
        if (r >= 0)
                r = response_json(resp, 201, case_override_json(&o));
        return store_finish(tx, r);
}

static int override_add_json(const struct schedule_override *o, void *userdata)
{
        return json_array_append_new(userdata, case_override_json(o)) == 0 ? 0 : -ENOMEM;
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

int api_override_delete(struct request *req, struct response *resp)
{
        long long id;
        struct case_outcome out;
        struct store_tx *tx;
        if (request_id_param(req, 1, "override", &id) < 0)
                return -VG_ENOTFOUND;
        case_outcome_init(&out);
        struct actor a = request_actor(req);
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_override_delete(tx, &a, req->who.user.role, req->now, req->params[0], id, &out);
        request_outcome(req, &out);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
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
                                        who ? json_string(who) : json_null(), "layer", oncall_source_name(l, src));
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
