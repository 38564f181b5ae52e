/* Tasks of an incident's phases and the executive approval of eradication
 * steps with business impact. A business-impact step gets a pending
 * approval when it is created; only an executive_incident_manager (the
 * route's roles) grants or rejects it, with a comment, and never the one
 * who requested it; the step cannot start before it is granted, and
 * eradication cannot be left while any is pending or rejected (cancel a
 * rejected step, or plan another). The rules are core's (core/task.c). */
#include "cases/tasks.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

json_t *case_task_json(const struct task *t)
{
        json_t *approval = json_null();
        if (t->approval_status != APPROVAL__INVALID)
                approval = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "status",
                                     approval_status_to_string(t->approval_status), "requested_by",
                                     t->requested_by, "requested_at", case_time_json(t->requested_at),
                                     "decided_by", t->decided_by[0] ? json_string(t->decided_by) : json_null(),
                                     "decided_at", case_time_json(t->decided_at), "comment",
                                     t->comment[0] ? json_string(t->comment) : json_null());
        return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:b, s:o, s:o, s:o}", "id", (json_int_t)t->id,
                         "phase", phase_to_string(t->phase), "title", t->title, "owner",
                         t->owner[0] ? json_string(t->owner) : json_null(), "due_at",
                         case_time_json(t->due_at), "status", task_status_to_string(t->status),
                         "business_impact", t->business_impact, "approval", approval, "created_at",
                         case_time_json(t->created_at), "updated_at", case_time_json(t->updated_at));
}

static int audit_task(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                      const struct incident *inc, const char *action, const struct task *t)
{
        json_t *change = case_task_json(t);
        int r = change ? store_audit_incident(tx, now, actor, action, inc->key, change) : -ENOMEM;
        json_decref(change);
        return r;
}

static void title_check(const char *title, struct field_errors *fe)
{
        if (!text_valid(title, TASK_TITLE_MAX))
                fielderr_add(fe, "title", "must be 1 to %d bytes of text on one line", TASK_TITLE_MAX);
}

void case_task_new_validate(const struct case_task_new *n, struct field_errors *fe)
{
        if ((int)n->phase < 0 || n->phase >= PHASE__COUNT || incident_closed(n->phase))
                fielderr_add(fe, "phase",
                             "must be analysis, containment, eradication, recovery or post_incident");
        title_check(n->title, fe);
        if (n->business_impact && n->phase != PHASE_ERADICATION)
                fielderr_add(fe, "business_impact", "applies to eradication steps only");
}

void case_task_edit_validate(const struct case_task_edit *e, struct field_errors *fe)
{
        if (e->title)
                title_check(e->title, fe);
}

void case_approval_validate(const struct case_approval_decision *d, struct field_errors *fe)
{
        size_t max = sizeof ((struct task *)0)->comment - 1;
        if (d->decision != APPROVAL_GRANTED && d->decision != APPROVAL_REJECTED)
                fielderr_add(fe, "decision", "must be granted or rejected");
        if (!d->comment || !text_valid(d->comment, max))
                fielderr_add(fe, "comment", "must be 1 to %zu bytes of text", max);
}

/* owner: "" for none, else an existing, enabled user, into t->owner. */
static int owner_set(struct store_tx *tx, const char *owner, struct task *t, struct case_outcome *o)
{
        struct user u;
        if (!owner[0]) {
                t->owner[0] = '\0';
                return 0;
        }
        int r = username_valid(owner) ? store_user_get_by_name(tx, owner, &u) : -VG_ENOTFOUND;
        if (r < 0 && r != -VG_ENOTFOUND)
                return r;
        if (r < 0 || u.disabled)
                fielderr_add(&o->errors, "owner", "must name an existing, enabled user");
        else
                snprintf(t->owner, sizeof t->owner, "%s", owner);
        return 0;
}

/* Ask for the approval of t as it now reads, in actor's name. */
static void approval_request(struct task *t, const struct actor *actor, vg_usec_t now)
{
        t->approval_status = APPROVAL_PENDING;
        snprintf(t->requested_by, sizeof t->requested_by, "%s", actor->name);
        t->requested_at = now;
        t->decided_by[0] = '\0';
        t->decided_at = VG_TIME_UNSET;
        t->comment[0] = '\0';
}

int case_task_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                     const struct case_task_new *n, struct task *ret, struct case_outcome *o)
{
        struct incident inc = {0};
        *ret = (struct task){.approval_status = APPROVAL__INVALID, .status = TASK_OPEN};
        int r = case_incident_get(tx, key, &inc, o);
        if (r < 0)
                goto out;
        case_task_new_validate(n, &o->errors);
        r = owner_set(tx, n->owner ? n->owner : "", ret, o);
        if (r >= 0 && fielderr_any(&o->errors))
                r = -VG_EVALIDATION;
        if (r >= 0)
                r = case_incident_changeable(&inc, o);
        if (r < 0)
                goto out;
        snprintf(ret->title, sizeof ret->title, "%s", n->title);
        ret->incident_id = inc.id;
        ret->phase = n->phase;
        ret->due_at = n->due_at;
        ret->business_impact = n->business_impact;
        ret->created_at = ret->updated_at = now;
        r = store_task_insert(tx, ret);
        if (r >= 0 && ret->business_impact) {
                approval_request(ret, actor, now);
                r = store_approval_put(tx, ret);
        }
        if (r >= 0)
                r = audit_task(tx, actor, now, &inc, "incident.task.create", ret);
out:
        incident_fini(&inc);
        return r;
}

/* Step id of inc; -VG_ENOTFOUND with o->detail when there is none. */
static int task_get(struct store_tx *tx, const struct incident *inc, int64_t id, struct task *t,
                    struct case_outcome *o)
{
        int r = id > 0 ? store_task_get(tx, inc->id, id, t) : -VG_ENOTFOUND;
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no task %lld in %s", (long long)id, inc->key);
        return r;
}

int case_task_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                     int64_t id, const struct case_task_edit *e, struct task *ret,
                     struct case_outcome *o)
{
        struct incident inc = {0};
        struct task *t = ret;
        int r = case_incident_get(tx, key, &inc, o);
        if (r >= 0)
                r = task_get(tx, &inc, id, t, o);
        if (r < 0)
                goto out;
        const struct task before = *t;
        case_task_edit_validate(e, &o->errors);
        if (e->owner)
                r = owner_set(tx, e->owner, t, o);
        if (r >= 0 && fielderr_any(&o->errors))
                r = -VG_EVALIDATION;
        if (r >= 0)
                r = case_incident_changeable(&inc, o);
        if (r < 0)
                goto out;
        if (e->title)
                snprintf(t->title, sizeof t->title, "%s", e->title);
        if (e->set_due)
                t->due_at = e->due_at;
        /* Before the start check: a step renamed and started in one
         * change starts on no approval. */
        bool subject = strcmp(before.title, t->title) != 0 || strcmp(before.owner, t->owner) != 0;
        enum approval_follow follow = approval_follow_subject(t->approval_status, before.status, subject);
        if (follow == APPROVAL_FOLLOW_LOCKED) {
                case_outcome_detail(o,
                                    "task %lld has started under an approval of its title and owner; "
                                    "they cannot change now (cancel it and plan another step)",
                                    (long long)t->id);
                r = -VG_ECONFLICT;
                goto out;
        }
        if (follow == APPROVAL_FOLLOW_VOID)
                approval_request(t, actor, now);
        enum task_status to = e->status != TASK__INVALID ? e->status : t->status;
        if (task_status_check(t->business_impact, t->approval_status, to) < 0) {
                case_outcome_detail(o,
                                    "task %lld has business impact: it needs an executive approval "
                                    "before it starts (approval is %s)",
                                    (long long)t->id,
                                    t->approval_status == APPROVAL__INVALID
                                            ? "missing"
                                            : approval_status_to_string(t->approval_status));
                r = -VG_ECONFLICT;
                goto out;
        }
        t->status = to;
        t->updated_at = now;
        r = store_task_update(tx, t);
        if (r >= 0 && follow == APPROVAL_FOLLOW_VOID)
                r = store_approval_put(tx, t);
        if (r >= 0 && follow == APPROVAL_FOLLOW_VOID)
                r = audit_task(tx, actor, now, &inc, "incident.approval.void", &before);
        if (r >= 0)
                r = audit_task(tx, actor, now, &inc, "incident.task.update", t);
out:
        incident_fini(&inc);
        return r;
}

int case_approval_decide(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const char *key, const struct case_approval_decision *d, struct task *ret,
                         struct case_outcome *o)
{
        struct incident inc = {0};
        struct task *t = ret;
        case_approval_validate(d, &o->errors);
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = case_incident_get(tx, key, &inc, o);
        if (r >= 0)
                r = task_get(tx, &inc, d->task, t, o);
        if (r >= 0)
                r = case_incident_changeable(&inc, o);
        if (r < 0)
                goto out;
        r = approval_decide_check(t->approval_status, d->decision, t->requested_by, actor->name);
        if (r == -VG_ECONFLICT) {
                case_outcome_detail(o, "task %lld has no pending approval (%s)", (long long)t->id,
                                    t->approval_status == APPROVAL__INVALID
                                            ? "it has no business impact"
                                            : approval_status_to_string(t->approval_status));
                goto out;
        }
        /* The step as the decider read it: a decision covers those words
         * and that owner, not whatever the step says by the time it lands. */
        if ((d->seen_title && strcmp(d->seen_title, t->title) != 0) ||
            (d->seen_owner && strcmp(d->seen_owner, t->owner) != 0)) {
                case_outcome_detail(o,
                                    "task %lld changed since you read it: it is now '%s' (owner %s); "
                                    "read it again",
                                    (long long)t->id, t->title, t->owner[0] ? t->owner : "none");
                r = -VG_ECONFLICT;
                goto out;
        }
        /* Two people: the one who asked for the step and the one who lets
         * it go ahead. */
        if (r == -VG_EFORBIDDEN) {
                case_outcome_detail(o,
                                    "task %lld: you requested this approval (for the step as you wrote "
                                    "it); another executive incident manager must decide it",
                                    (long long)t->id);
                goto out;
        }
        if (r < 0)
                goto out;
        t->approval_status = d->decision;
        snprintf(t->decided_by, sizeof t->decided_by, "%s", actor->name);
        t->decided_at = now;
        snprintf(t->comment, sizeof t->comment, "%s", d->comment);
        r = store_approval_put(tx, t);
        if (r >= 0)
                r = audit_task(tx, actor, now, &inc, "incident.approval", t);
out:
        incident_fini(&inc);
        return r;
}
