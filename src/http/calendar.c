/* Calendar feeds: an ICS URL per schedule (everyone's shifts) or per
 * person (their shifts in every schedule) that calendar clients import.
 * Clients cannot sign in, so the URL carries a secret token, shown once
 * and kept as a digest; revoking the feed kills the URL. The feed covers
 * the last 7 and the next 90 days, written by libical. */
#include "http/org.h"
#include "http/resources.h"

#include "base/secret.h"
#include "cases/feeds.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY (86400 * VG_USEC_PER_SEC)

int api_feed_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "schedule", "user", NULL };
        struct calendar_feed f;
        struct case_outcome o;
        struct store_tx *tx;
        json_t *body;
        char token[SECRET_TOKEN_MAX];
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *schedule = json_field_string(req, body, "schedule", false, STORE_NAME_MAX - 1);
        const char *user = json_field_string(req, body, "user", false, STORE_NAME_MAX - 1);
        if (!schedule == !user)
                fielderr_add(&req->errors, "schedule", "give schedule or user");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_feed_create(tx, &a, &req->who.user, req->now, schedule ? "schedule" : "user",
                             schedule ? schedule : user, &f, token, sizeof token, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        if (r >= 0) {
                char url[600];
                json_t *j = case_feed_json(&f);
                snprintf(url, sizeof url, "%s/calendar/%s.ics", req->cfg->public_url, token);
                json_object_set_new(j, "url", json_string(url));
                r = response_json(resp, 201, j);
        }
        secret_wipe(token, sizeof token);
        return r;
}

static int add_feed(const struct calendar_feed *f, void *userdata)
{
        return json_array_append_new(userdata, case_feed_json(f)) == 0 ? 0 : -ENOMEM;
}

int api_feed_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *items = json_array();
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_feed_list(tx, req->who.user.role == ROLE_ADMIN ? NULL : req->who.user.name, add_feed, items);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}

int api_feed_revoke(struct request *req, struct response *resp)
{
        long long id;
        struct case_outcome o;
        struct store_tx *tx;
        if (request_id_param(req, 0, "calendar feed", &id) < 0)
                return -VG_ENOTFOUND;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_feed_revoke(tx, &a, req->who.user.role, req->now, id, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}

static struct icaltimetype ical_utc(vg_usec_t t)
{
        return icaltime_from_timet_with_zone((time_t)(t / VG_USEC_PER_SEC), 0, icaltimezone_get_utc_timezone());
}

/* Add the shifts of schedule name in [from, to) to cal; only user's when
 * user is not NULL. */
static int add_shifts(icalcomponent *cal, struct store_tx *tx, const char *name, const char *user, vg_usec_t from,
                      vg_usec_t to, vg_usec_t now)
{
        struct loaded_schedule *l = NULL;
        struct oncall_shift *sh = NULL;
        size_t n = 0;
        int r = schedule_shifts(tx, name, from, to, &l, &sh, &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (!sh[i].user[0] || (user && strcmp(user, sh[i].user) != 0))
                        continue;
                char uid[256], summary[200], desc[300];
                snprintf(uid, sizeof uid, "%s-%lld-%s@vigil", name, (long long)(sh[i].from / VG_USEC_PER_SEC), sh[i].user);
                if (user)
                        snprintf(summary, sizeof summary, "On call: %s", name);
                else
                        snprintf(summary, sizeof summary, "%s on call (%s)", sh[i].user, name);
                snprintf(desc, sizeof desc, "Schedule %s, %s.", name,
                         sh[i].source >= 0 ? l->doc.layers[sh[i].source].name : "override");
                icalcomponent *ev = icalcomponent_vanew(
                        ICAL_VEVENT_COMPONENT, icalproperty_new_uid(uid), icalproperty_new_dtstamp(ical_utc(now)),
                        icalproperty_new_dtstart(ical_utc(sh[i].from)), icalproperty_new_dtend(ical_utc(sh[i].to)),
                        icalproperty_new_summary(summary), icalproperty_new_description(desc),
                        icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT), (void *)0);
                if (!ev)
                        r = -ENOMEM;
                else
                        icalcomponent_add_component(cal, ev);
        }
        free(sh);
        free(l);
        return r;
}

int api_calendar_get(struct request *req, struct response *resp)
{
        char token[SECRET_TOKEN_MAX];
        uint8_t h[SECRET_DIGEST_BYTES];
        struct calendar_feed f;
        struct store_tx *tx;
        const char *file = req->params[0];
        size_t len = strlen(file);
        if (len < 5 || len - 4 >= sizeof token || strcmp(file + len - 4, ".ics") != 0) {
                request_detail(req, "no such calendar");
                return -VG_ENOTFOUND;
        }
        memcpy(token, file, len - 4);
        token[len - 4] = '\0';
        secret_token_digest(token, h);
        secret_wipe(token, sizeof token);
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_feed_get_by_hash(tx, h, &f);
        if (r >= 0 && f.revoked_at)
                r = -VG_ENOTFOUND;
        struct user creator = {0};
        if (r >= 0)
                r = store_user_get_by_name(tx, f.created_by, &creator);
        if (r >= 0 && !feed_creator_admits(&creator, f.kind, f.name))
                r = -VG_ENOTFOUND; /* the same answer as a revoked feed: the URL is dead */
        secret_wipe(creator.password_hash, sizeof creator.password_hash);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no such calendar");
        icalcomponent *cal = NULL;
        if (r >= 0) {
                char name[120];
                snprintf(name, sizeof name, "Vigil on-call: %s", f.name);
                cal = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
                                          icalproperty_new_prodid("-//Vigil//On-call//EN"),
                                          icalproperty_new_x(name), (void *)0);
                if (cal)
                        icalproperty_set_x_name(icalcomponent_get_first_property(cal, ICAL_X_PROPERTY), "X-WR-CALNAME");
                r = cal ? 0 : -ENOMEM;
        }
        vg_usec_t from = req->now - 7 * DAY, to = req->now + 90 * DAY;
        if (r >= 0 && strcmp(f.kind, "schedule") == 0) {
                r = add_shifts(cal, tx, f.name, NULL, from, to, req->now);
                if (r == -VG_ENOTFOUND)
                        r = 0; /* the schedule is gone: an empty calendar */
        } else if (r >= 0) {
                char(*names)[STORE_NAME_MAX] = NULL;
                size_t n = 0;
                r = org_names(tx, "schedule", &names, &n);
                for (size_t i = 0; r >= 0 && i < n; i++)
                        r = add_shifts(cal, tx, names[i], f.name, from, to, req->now);
                free(names);
        }
        store_rollback(tx);
        if (r < 0) {
                if (cal)
                        icalcomponent_free(cal);
                return r;
        }
        char *text = icalcomponent_as_ical_string_r(cal);
        icalcomponent_free(cal);
        if (!text)
                return -ENOMEM;
        return response_text(resp, 200, "text/calendar; charset=utf-8", text, strlen(text));
}
