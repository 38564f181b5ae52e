/* The tasks of an incident's phases, the executive approval of eradication
 * steps with business impact, and the recovery checkpoints, as use cases
 * (src/cases/tasks.c, recovery.c). Each takes a transaction the caller
 * owns, the actor, `now` and the incident's key; a refusal is -VG_* with o
 * filled and writes nothing. A closed incident takes none of them
 * (case_incident_changeable). Every change is written with its audit record
 * on the incident (object incident:KEY, what its timeline reads), whose
 * change is the JSON below. */
#pragma once

#include "cases/cases.h"
#include "core/task.h"

#include <jansson.h>

/* A task, an asset's last known good state, a validation check, as the
 * doors show them and the audit records hold them (new references). */
json_t *case_task_json(const struct task *t);
json_t *case_recovery_asset_json(const struct recovery_asset *a);
json_t *case_recovery_check_json(const struct recovery_check *c);

/* A step to plan. Every pointer borrows. */
struct case_task_new {
        enum incident_phase phase; /* analysis to post_incident */
        const char *title;         /* one line of at most TASK_TITLE_MAX bytes */
        const char *owner;         /* an existing, enabled user; NULL or "": none */
        vg_usec_t due_at;          /* VG_TIME_UNSET: none */
        bool business_impact;      /* eradication steps only: gets a pending approval */
};

/* The rules of n that need no store ("phase", "title",
 * "business_impact") into fe, for a door to answer every field at once;
 * case_task_create checks them too. */
void case_task_new_validate(const struct case_task_new *n, struct field_errors *fe);

/* Plan a step of incident key, with the audit record
 * "incident.task.create"; a business-impact step gets its pending
 * approval, requested by actor. *ret holds what was written. Refusals:
 * -VG_ENOTFOUND (no incident), -VG_EVALIDATION with o->errors ("phase",
 * "title", "owner", "business_impact"), -VG_ECONFLICT when closed. */
int case_task_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                     const struct case_task_new *n, struct task *ret, struct case_outcome *o);

/* What a change of a step sets; NULL / TASK__INVALID / !set_due leave a
 * field as it is. Every pointer borrows. */
struct case_task_edit {
        const char *title;       /* one line of at most TASK_TITLE_MAX bytes */
        const char *owner;       /* an existing, enabled user; "": none */
        bool set_due;
        vg_usec_t due_at;        /* with set_due; VG_TIME_UNSET: none */
        enum task_status status;
};

/* The same for an edit ("title"). */
void case_task_edit_validate(const struct case_task_edit *e, struct field_errors *fe);

/* Change step id of incident key, with the audit record
 * "incident.task.update". A new title or owner voids the step's approval
 * (core's approval_follow_subject): pending again, requested by actor,
 * with the record "incident.approval.void" of the step as it was. A
 * business-impact step starts only once granted (task_status_check).
 * Refusals: -VG_ENOTFOUND (no incident, no such step), -VG_EVALIDATION
 * ("title", "owner"), -VG_ECONFLICT (closed; started under its approval
 * and renamed; starting without a grant). */
int case_task_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                     int64_t id, const struct case_task_edit *e, struct task *ret,
                     struct case_outcome *o);

/* An executive's decision on a step's approval. Every pointer borrows. */
struct case_approval_decision {
        int64_t task;
        enum approval_status decision; /* granted or rejected */
        const char *comment;           /* 1 to 1024 bytes of text */
        const char *seen_title;        /* the step as the decider read it; NULL: not checked */
        const char *seen_owner;
};

/* The same for a decision ("decision", "comment"). */
void case_approval_validate(const struct case_approval_decision *d, struct field_errors *fe);

/* Decide the pending approval of step d->task of incident key, with the
 * audit record "incident.approval". The decision covers the step as the
 * decider read it (seen_title, seen_owner), and is never the requester's
 * own (core's approval_decide_check). Refusals: -VG_EVALIDATION
 * ("decision", "comment"), -VG_ENOTFOUND, -VG_ECONFLICT (closed, nothing
 * pending, the step changed since it was read), -VG_EFORBIDDEN (actor
 * requested it: o->detail says so). */
int case_approval_decide(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const char *key, const struct case_approval_decision *d, struct task *ret,
                         struct case_outcome *o);

/* recovery.c */

/* What an asset's name must be, for the doors that check it first. */
#define CASE_ASSET_NAME_RULE "an asset name is 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'"

/* The rules of a that need no store ("asset", "snapshot") into fe, for a
 * door to answer every field at once; case_recovery_asset_put checks
 * them too. */
void case_recovery_asset_validate(const struct recovery_asset *a, struct field_errors *fe);

/* Record a->asset's last known good state (snapshot, build, config_hash:
 * at least one; restore_actions) for incident key, recorded by actor at
 * now (set in *a), replacing what was recorded; audit
 * "incident.recovery.asset". Refusals: -VG_EVALIDATION ("asset",
 * "snapshot"), -VG_ENOTFOUND, -VG_ECONFLICT when closed. */
int case_recovery_asset_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *key, struct recovery_asset *a, struct case_outcome *o);

/* The same for a new check ("name", "asset"). */
void case_recovery_check_validate(const struct recovery_check *c, struct field_errors *fe);

/* Add the validation check c->name (on c->asset, "" for none) to incident
 * key, pending; *c holds what was written. Audit "incident.recovery.check".
 * Refusals: -VG_EVALIDATION ("name", "asset"), -VG_ENOTFOUND,
 * -VG_ECONFLICT when closed. */
int case_recovery_check_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                               const char *key, struct recovery_check *c, struct case_outcome *o);

/* Record the result (pass or fail) and detail (NULL: none) of check id of
 * incident key, checked by actor at now; *ret holds what was written.
 * Audit "incident.recovery.check". Refusals: -VG_EVALIDATION ("result"),
 * -VG_ENOTFOUND, -VG_ECONFLICT when closed. */
int case_recovery_check_record(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                               const char *key, int64_t id, enum check_result result,
                               const char *detail, struct recovery_check *ret,
                               struct case_outcome *o);
