/* Training status (NIST IR-2): every enabled staff member's latest
 * incident-response training and whether it is overdue. */
#include "report/report.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static json_t *time_json(vg_usec_t t)
{
        if (!t)
                return json_null();
        char s[VG_RFC3339_MAX];
        vg_time_format(t, s);
        return json_string(s);
}

static json_t *training_json(const struct training_record *t)
{
        return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o}", "id", (json_int_t)t->id, "user", t->user, "course",
                         t->course, "completed_at", time_json(t->completed_at), "evidence", t->evidence ? t->evidence : "",
                         "recorded_by", t->recorded_by, "recorded_at", time_json(t->recorded_at));
}

struct status {
        json_t *last;      /* user -> newest record */
        json_t *items;
        vg_usec_t now, interval;
        int64_t last_id;
        size_t overdue;
};

static int newest(const struct training_record *t, void *userdata)
{
        struct status *s = userdata;
        if (!json_object_get(s->last, t->user)) /* newest first: the first seen is the latest */
                json_object_set_new(s->last, t->user, training_json(t));
        return 0;
}

static int staff_status(const struct user *u, void *userdata)
{
        struct status *s = userdata;
        s->last_id = u->id;
        if (u->disabled || u->role == ROLE_TENANT_ADMIN)
                return 0;
        json_t *last = json_object_get(s->last, u->name);
        vg_usec_t done = 0;
        if (last)
                vg_time_parse(json_string_value(json_object_get(last, "completed_at")), &done);
        vg_usec_t due = done ? done + s->interval : 0;
        bool overdue = !done || due < s->now;
        s->overdue += overdue;
        return json_array_append_new(s->items, json_pack("{s:s, s:s, s:O?, s:o, s:b}", "user", u->name, "role",
                                                         role_to_string(u->role), "last", last, "due_at",
                                                         due ? time_json(due) : json_null(), "overdue", overdue));
}

int report_training(struct store_tx *tx, vg_usec_t now, vg_usec_t interval, json_t **ret)
{
        struct status s = { .last = json_object(), .items = json_array(), .now = now, .interval = interval };
        int r = store_training_list(tx, NULL, newest, &s);
        for (int64_t before = -1; r >= 0 && before != s.last_id;) {
                before = s.last_id;
                r = store_user_list(tx, s.last_id, 500, staff_status, &s);
        }
        json_decref(s.last);
        if (r < 0) {
                json_decref(s.items);
                return r;
        }
        *ret = json_pack("{s:I, s:I, s:o}", "interval_days", (json_int_t)(interval / VG_USEC_PER_SEC / 86400), "overdue",
                         (json_int_t)s.overdue, "items", s.items);
        return *ret ? 0 : -ENOMEM;
}

