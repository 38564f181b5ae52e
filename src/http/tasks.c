/* Tasks of an incident's phases and the executive approval of eradication
 * steps with business impact: the doors of src/cases/tasks.c, where the
 * rules are (and, below them, core/task.c). Each change is one use case in
 * one transaction. */
#include "http/resources.h"

#include "cases/tasks.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* owner: a user's name, or null for none; due_at: RFC 3339, or null. An
 * absent field leaves *owner NULL and *set_due false. */
static void parse_owner_due(struct request *req, json_t *body, const char **owner, bool *set_due,
                            vg_usec_t *due_at)
{
        json_t *o = json_object_get(body, "owner");
        /* None is null; "" names no user. */
        if (o && !json_is_null(o) && (!json_is_string(o) || !json_string_value(o)[0]))
                fielderr_add(&req->errors, "owner", "must name an existing, enabled user");
        if (o)
                *owner = json_is_string(o) ? json_string_value(o) : "";
        json_t *due = json_object_get(body, "due_at");
        *set_due = due != NULL;
        *due_at = VG_TIME_UNSET;
        if (due && !json_is_null(due)) {
                if (!json_is_string(due))
                        fielderr_add(&req->errors, "due_at", "must be an RFC 3339 time");
                else
                        request_time(req, "due_at", json_string_value(due), VG_TIME_MAX, due_at);
        }
}

/* The end of a task change: the outcome into the problem, or the task as
 * written; then commit, or roll back on failure. */
static int end_task(struct request *req, struct response *resp, struct store_tx *tx, int r,
                    const struct case_outcome *o, unsigned status, const struct task *t)
{
        request_outcome(req, o);
        if (r >= 0)
                r = response_json(resp, status, case_task_json(t));
        return tx ? store_finish(tx, r) : r;
}

int api_task_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "phase", "title", "owner", "due_at", "business_impact", NULL };
        struct case_task_new n = { 0 };
        struct case_outcome o;
        struct task t;
        struct store_tx *tx = NULL;
        bool set_due;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *phase = json_field_string(req, body, "phase", true, 32);
        n.title = json_field_string(req, body, "title", true, TASK_TITLE_MAX);
        n.business_impact = json_field_bool(req, body, "business_impact") == 1;
        n.phase = phase ? phase_from_string(phase) : PHASE__INVALID;
        parse_owner_due(req, body, &n.owner, &set_due, &n.due_at);
        if (phase && n.title)
                case_task_new_validate(&n, &req->errors);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_task_create(tx, &a, req->now, req->params[0], &n, &t, &o);
        return end_task(req, resp, tx, r, &o, 201, &t);
}

static int list_task(const struct task *t, void *userdata)
{
        return json_array_append_new(userdata, case_task_json(t)) == 0 ? 0 : -ENOMEM;
}

int api_task_list(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct store_tx *tx;
        json_t *items = json_array();
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = request_incident_load(req, tx, &inc);
                if (r >= 0)
                        r = store_task_list(tx, inc.id, list_task, items);
                store_rollback(tx);
        }
        incident_fini(&inc);
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}

int api_task_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "title", "owner", "due_at", "status", NULL };
        struct case_task_edit e = { .status = TASK__INVALID };
        struct case_outcome o;
        struct task t;
        struct store_tx *tx = NULL;
        json_t *body;
        long long id;
        if (request_id_param(req, 1, "task", &id) < 0)
                return -VG_ENOTFOUND;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        e.title = json_field_string(req, body, "title", false, TASK_TITLE_MAX);
        const char *status = json_field_string(req, body, "status", false, 32);
        if (status && (e.status = task_status_from_string(status)) == TASK__INVALID)
                fielderr_add(&req->errors, "status", "must be open, in_progress, done or cancelled");
        parse_owner_due(req, body, &e.owner, &e.set_due, &e.due_at);
        case_task_edit_validate(&e, &req->errors);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_task_update(tx, &a, req->now, req->params[0], id, &e, &t, &o);
        return end_task(req, resp, tx, r, &o, 200, &t);
}

int api_approval_decide(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "task", "decision", "comment", "title", "owner", NULL };
        struct case_approval_decision d = { 0 };
        struct case_outcome o;
        struct task t;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        if (!json_field_int(req, body, "task", 1, INT64_MAX, &d.task) && !json_object_get(body, "task"))
                fielderr_add(&req->errors, "task", "is required");
        const char *decision = json_field_string(req, body, "decision", true, 16);
        d.decision = decision ? approval_status_from_string(decision) : APPROVAL__INVALID;
        d.comment = json_field_string(req, body, "comment", true, 1024);
        d.seen_title = json_field_string(req, body, "title", false, TASK_TITLE_MAX);
        d.seen_owner = json_field_string(req, body, "owner", false, STORE_NAME_MAX - 1);
        if (decision && d.comment)
                case_approval_validate(&d, &req->errors);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_approval_decide(tx, &a, req->now, req->params[0], &d, &t, &o);
        return end_task(req, resp, tx, r, &o, 200, &t);
}
