/* Tasks of an incident's phases and the executive approval of eradication
 * steps with business impact. A business-impact step gets a pending
 * approval when it is created; only an executive_incident_manager grants
 * or rejects it, with a comment; the step cannot start before it is
 * granted, and eradication cannot be left while any is pending or
 * rejected (cancel a rejected step, or plan another). */
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *task_json(const struct task *t)
{
        json_t *approval = json_null();
        if (t->approval_status != APPROVAL__INVALID)
                approval = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "status",
                                     approval_status_to_string(t->approval_status), "requested_by",
                                     t->requested_by, "requested_at", json_time(t->requested_at),
                                     "decided_by", t->decided_by[0] ? json_string(t->decided_by) : json_null(),
                                     "decided_at", json_time(t->decided_at), "comment",
                                     t->comment[0] ? json_string(t->comment) : json_null());
        return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:b, s:o, s:o, s:o}", "id", (json_int_t)t->id,
                         "phase", phase_to_string(t->phase), "title", t->title, "owner",
                         t->owner[0] ? json_string(t->owner) : json_null(), "due_at", json_time(t->due_at),
                         "status", task_status_to_string(t->status), "business_impact", t->business_impact,
                         "approval", approval, "created_at", json_time(t->created_at), "updated_at",
                         json_time(t->updated_at));
}

static int audit_task(struct request *req, struct store_tx *tx, const struct incident *inc,
                      const char *action, const struct task *t)
{
        json_t *change = task_json(t);
        int r = change ? request_audit_incident(req, tx, action, inc->key, change) : -ENOMEM;
        json_decref(change);
        return r;
}

/* An approval is given to a step as it was described: its title and owner
 * at the request (and so at the grant). A change to either while the step
 * has not started voids the approval: it goes back to pending, requested by
 * whoever made the change, so an executive decides on the step as it now
 * reads (and that person, having written it, cannot grant it). A step that
 * has started or is done keeps what it was approved as: changing it then is
 * refused, for a grant must not end up recorded against other words.
 * Returns 1 when the approval was voided, 0 when there was nothing to void,
 * -VG_ECONFLICT when the step has started. */
static int approval_follow_subject(struct request *req, const struct task *before, struct task *t)
{
        if (t->approval_status == APPROVAL__INVALID ||
            (strcmp(before->title, t->title) == 0 && strcmp(before->owner, t->owner) == 0))
                return 0;
        if (before->status == TASK_IN_PROGRESS || before->status == TASK_DONE) {
                request_detail(req,
                               "task %lld has started under an approval of its title and owner; "
                               "they cannot change now (cancel it and plan another step)",
                               (long long)t->id);
                return -VG_ECONFLICT;
        }
        t->approval_status = APPROVAL_PENDING;
        snprintf(t->requested_by, sizeof t->requested_by, "%s", req->who.user.name);
        t->requested_at = req->now;
        t->decided_by[0] = '\0';
        t->decided_at = 0;
        t->comment[0] = '\0';
        return 1;
}

/* owner: an existing, enabled user; due_at: RFC 3339. */
static void parse_owner_due(struct request *req, struct store_tx *tx, json_t *body, struct task *t)
{
        json_t *owner = json_object_get(body, "owner");
        if (owner && !json_is_null(owner)) {
                struct user u;
                const char *name = json_string_value(owner);
                if (!name || !username_valid(name) || store_user_get_by_name(tx, name, &u) < 0 || u.disabled)
                        fielderr_add(&req->errors, "owner", "must name an existing, enabled user");
                else
                        snprintf(t->owner, sizeof t->owner, "%s", name);
        } else if (owner) {
                t->owner[0] = '\0';
        }
        json_t *due = json_object_get(body, "due_at");
        if (due && !json_is_null(due)) {
                vg_usec_t at;
                if (!json_is_string(due))
                        fielderr_add(&req->errors, "due_at", "must be an RFC 3339 time");
                else if (request_time(req, "due_at", json_string_value(due), VG_TIME_MAX, &at))
                        t->due_at = at;
        } else if (due) {
                t->due_at = 0;
        }
}

int api_task_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "phase", "title", "owner", "due_at", "business_impact", NULL };
        struct incident inc = { 0 };
        struct task t = { .approval_status = APPROVAL__INVALID, .status = TASK_OPEN };
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *phase = json_field_string(req, body, "phase", true, 32);
        const char *title = json_field_string(req, body, "title", true, TASK_TITLE_MAX);
        int impact = json_field_bool(req, body, "business_impact");
        t.phase = phase ? phase_from_string(phase) : PHASE__INVALID;
        if (phase && (t.phase == PHASE__INVALID || t.phase == PHASE_CLOSED))
                fielderr_add(&req->errors, "phase", "must be analysis, containment, eradication, recovery or post_incident");
        if (title && !text_valid(title, TASK_TITLE_MAX))
                fielderr_add(&req->errors, "title", "must be 1 to %d bytes of text on one line", TASK_TITLE_MAX);
        if (impact == 1 && t.phase != PHASE_ERADICATION)
                fielderr_add(&req->errors, "business_impact", "applies to eradication steps only");
        t.business_impact = impact == 1;

        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = request_incident_load(req, tx, &inc);
        if (r < 0)
                goto out;
        parse_owner_due(req, tx, body, &t);
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
                goto out;
        }
        if (incident_closed(inc.phase)) {
                request_detail(req, "the incident is closed");
                r = -VG_ECONFLICT;
                goto out;
        }
        snprintf(t.title, sizeof t.title, "%s", title);
        t.incident_id = inc.id;
        t.created_at = t.updated_at = req->now;
        r = store_task_insert(tx, &t);
        if (r >= 0 && t.business_impact) {
                t.approval_status = APPROVAL_PENDING;
                snprintf(t.requested_by, sizeof t.requested_by, "%s", req->who.user.name);
                t.requested_at = req->now;
                r = store_approval_put(tx, &t);
        }
        if (r >= 0)
                r = audit_task(req, tx, &inc, "incident.task.create", &t);
        if (r >= 0)
                r = response_json(resp, 201, task_json(&t));
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}

static int list_task(const struct task *t, void *userdata)
{
        return json_array_append_new(userdata, task_json(t)) == 0 ? 0 : -ENOMEM;
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

static int load_task(struct request *req, struct store_tx *tx, const struct incident *inc, int64_t id,
                     struct task *t)
{
        int r = store_task_get(tx, inc->id, id, t);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no task %lld in %s", (long long)id, inc->key);
        return r;
}

static int64_t parse_id(const char *s)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        return errno || *end || v <= 0 ? 0 : v;
}

int api_task_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "title", "owner", "due_at", "status", NULL };
        struct incident inc = { 0 };
        struct task t;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *title = json_field_string(req, body, "title", false, TASK_TITLE_MAX);
        const char *status = json_field_string(req, body, "status", false, 32);
        if (title && !text_valid(title, TASK_TITLE_MAX))
                fielderr_add(&req->errors, "title", "must be 1 to %d bytes of text on one line", TASK_TITLE_MAX);
        if (status && task_status_from_string(status) == TASK__INVALID)
                fielderr_add(&req->errors, "status", "must be open, in_progress, done or cancelled");
        int64_t id = parse_id(req->params[1]);

        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = request_incident_load(req, tx, &inc);
        if (r >= 0 && !id) {
                request_detail(req, "no task %s", req->params[1]);
                r = -VG_ENOTFOUND;
        }
        if (r >= 0)
                r = load_task(req, tx, &inc, id, &t);
        if (r < 0)
                goto out;
        struct task before = t;
        parse_owner_due(req, tx, body, &t);
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
                goto out;
        }
        if (title)
                snprintf(t.title, sizeof t.title, "%s", title);
        /* Before the start check: a step renamed and started in one request
         * starts on no approval. */
        int voided = approval_follow_subject(req, &before, &t);
        if (voided < 0) {
                r = voided;
                goto out;
        }
        enum task_status to = status ? task_status_from_string(status) : t.status;
        if (t.business_impact && (to == TASK_IN_PROGRESS || to == TASK_DONE) &&
            t.approval_status != APPROVAL_GRANTED) {
                request_detail(req, "task %lld has business impact: it needs an executive approval "
                                    "before it starts (approval is %s)", (long long)t.id,
                               t.approval_status == APPROVAL__INVALID ? "missing"
                                                                      : approval_status_to_string(t.approval_status));
                r = -VG_ECONFLICT;
                goto out;
        }
        t.status = to;
        t.updated_at = req->now;
        r = store_task_update(tx, &t);
        if (r >= 0 && voided)
                r = store_approval_put(tx, &t);
        if (r >= 0 && voided)
                r = audit_task(req, tx, &inc, "incident.approval.void", &before);
        if (r >= 0)
                r = audit_task(req, tx, &inc, "incident.task.update", &t);
        if (r >= 0)
                r = response_json(resp, 200, task_json(&t));
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}

int api_approval_decide(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "task", "decision", "comment", "title", "owner", NULL };
        struct incident inc = { 0 };
        struct task t;
        struct store_tx *tx = NULL;
        json_t *body;
        int64_t id = 0;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        if (!json_field_int(req, body, "task", 1, INT64_MAX, &id) && !json_object_get(body, "task"))
                fielderr_add(&req->errors, "task", "is required");
        const char *decision = json_field_string(req, body, "decision", true, 16);
        enum approval_status d = decision ? approval_status_from_string(decision) : APPROVAL__INVALID;
        if (decision && d != APPROVAL_GRANTED && d != APPROVAL_REJECTED)
                fielderr_add(&req->errors, "decision", "must be granted or rejected");
        const char *comment = json_field_string(req, body, "comment", true, 1024);
        if (comment && !text_valid(comment, 1024))
                fielderr_add(&req->errors, "comment", "must be 1 to 1024 bytes of text");
        /* The step as the decider read it: a decision covers those words
         * and that owner, not whatever the step says by the time it lands. */
        const char *seen_title = json_field_string(req, body, "title", false, TASK_TITLE_MAX);
        const char *seen_owner = json_field_string(req, body, "owner", false, STORE_NAME_MAX - 1);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = request_incident_load(req, tx, &inc);
        if (r >= 0)
                r = load_task(req, tx, &inc, id, &t);
        if (r < 0)
                goto out;
        if (t.approval_status != APPROVAL_PENDING) {
                request_detail(req, "task %lld has no pending approval (%s)", (long long)id,
                               t.approval_status == APPROVAL__INVALID ? "it has no business impact"
                                                                      : approval_status_to_string(t.approval_status));
                r = -VG_ECONFLICT;
                goto out;
        }
        if ((seen_title && strcmp(seen_title, t.title) != 0) || (seen_owner && strcmp(seen_owner, t.owner) != 0)) {
                request_detail(req, "task %lld changed since you read it: it is now '%s' (owner %s); read it again",
                               (long long)id, t.title, t.owner[0] ? t.owner : "none");
                r = -VG_ECONFLICT;
                goto out;
        }
        /* Two people: the one who asked for the step and the one who lets
         * it go ahead. */
        if (strcmp(t.requested_by, req->who.user.name) == 0) {
                request_detail(
                        req,
                        "task %lld: you requested this approval (for the step as you wrote it); "
                        "another executive incident manager must decide it",
                        (long long)id);
                r = -VG_EFORBIDDEN;
                goto out;
        }
        t.approval_status = d;
        snprintf(t.decided_by, sizeof t.decided_by, "%s", req->who.user.name);
        t.decided_at = req->now;
        snprintf(t.comment, sizeof t.comment, "%s", comment);
        r = store_approval_put(tx, &t);
        if (r >= 0)
                r = audit_task(req, tx, &inc, "incident.approval", &t);
        if (r >= 0)
                r = response_json(resp, 200, task_json(&t));
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}
