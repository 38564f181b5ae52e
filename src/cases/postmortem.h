/* Post-mortems and their improvements as use cases (src/cases/postmortem.c):
 * write a draft, approve or reopen it, record and change the improvements
 * its contributing factors lead to, and remind their owners when one is
 * overdue. Each takes a transaction the caller owns, the actor and `now`;
 * a refusal is -VG_* with o filled and changes nothing. */
#pragma once

#include "cases/cases.h"
#include "core/postmortem.h"

#include <jansson.h>
#include <stdbool.h>

#define PM_TEXT_MAX                  100000
#define PM_FACTORS_MAX               50
#define IMPROVEMENT_TITLE_MAX        300
#define IMPROVEMENT_VERIFICATION_MAX 4096

/* The four Markdown texts of a post-mortem, in the order of every array
 * here that holds them. */
#define PM_TEXTS 4
extern const char *const case_pm_texts[PM_TEXTS]; /* summary, impact, narrative, went_well */

/* A post-mortem as read: the row and its body. */
struct pm_doc {
        bool found;          /* false: the incident has none yet */
        struct postmortem p; /* p.body is NULL: see body */
        json_t *body;        /* owns: {summary, impact, narrative, went_well, factors} */
};

/* The post-mortem of incident_id into *ret (ret->found false when it has
 * none). Release with pm_doc_fini. */
int case_postmortem_read(struct store_tx *tx, int64_t incident_id, struct pm_doc *ret);
void pm_doc_fini(struct pm_doc *d);

/* What approving body, the post-mortem of incident_id, still needs (its
 * improvements counted in tx) into unmet; 0 or -VG_ECONFLICT (something
 * unmet) or a store error. Changes nothing. */
int case_postmortem_unmet(struct store_tx *tx, int64_t incident_id, json_t *body,
                          struct field_errors *unmet);

/* What a post-mortem write answers. */
struct pm_result {
        char incident[INCIDENT_KEY_MAX];
        bool created;        /* put: there was none before */
        struct postmortem p; /* as written; p.body is NULL */
        json_t *factors;     /* owns (put only, else NULL): the factors with their ids */
};
void pm_result_fini(struct pm_result *r);

/* Write the draft post-mortem of incident key: texts (borrowed, NULL
 * meaning "") and factors (the array as sent, borrowed; NULL: none), each
 * factor {id?, kind, description}: an id keeps a factor, none adds one
 * (F<n>, never reused). Audit "incident.postmortem.edit". Refusals:
 * -VG_ENOTFOUND (no incident), -VG_ECONFLICT (approved: reopen it first),
 * -VG_EVALIDATION (a factor not valid, or removed while improvements
 * point at it). */
int case_postmortem_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        const char *key, const char *const texts[PM_TEXTS], json_t *factors,
                        struct pm_result *ret, struct case_outcome *o);

/* Approve the post-mortem of key: complete (postmortem_check) and approved
 * by someone other than its last editor. reason may be NULL. Audit
 * "incident.postmortem.approve". Refusals: -VG_ENOTFOUND (no incident or
 * no post-mortem), -VG_ECONFLICT (approved already, the actor wrote the
 * latest version, or criteria unmet: o->errors). */
int case_postmortem_approve(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *key, const char *reason, struct pm_result *ret,
                            struct case_outcome *o);

/* Reopen the approved post-mortem of key as a draft, saying why (reason).
 * Audit "incident.postmortem.reopen". Refusals: -VG_ENOTFOUND,
 * -VG_ECONFLICT (not approved). */
int case_postmortem_reopen(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           const char *key, const char *reason, struct pm_result *ret,
                           struct case_outcome *o);

/* An improvement to record, or the fields of one to change (NULL: as it
 * is). Every pointer borrows. */
struct improvement_change {
        const char *factor; /* create only */
        const char *title, *owner, *kind, *status, *verification;
        bool has_due;
        vg_usec_t due_at;
};

/* The rules each field obeys on its own (title, kind, status), into errs:
 * a door calls it while it parses; the use cases call it again. */
void case_improvement_validate(const struct improvement_change *c, struct field_errors *errs);

/* An improvement as written. */
struct improvement_result {
        char incident[INCIDENT_KEY_MAX];
        struct improvement i; /* title and verification point into this struct */
        char title[IMPROVEMENT_TITLE_MAX + 1];
        char verification[IMPROVEMENT_VERIFICATION_MAX + 1];
};

/* An improvement as JSON, overdue measured at now (the caller decrefs). */
json_t *case_improvement_json(const struct improvement *i, vg_usec_t now);

/* Record an improvement of a factor of key's post-mortem (c: factor,
 * title, owner, kind and due_at all given), owned by an enabled staff
 * user, and queue its reminder for when it falls due. Audit
 * "incident.improvement.create". Refusals: -VG_ENOTFOUND (no incident),
 * -VG_EVALIDATION (no such factor, owner, a field not valid). */
int case_improvement_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *key, const struct improvement_change *c,
                            struct improvement_result *ret, struct case_outcome *o);

/* Change improvement id. Done needs a verification note; a new due date
 * of an undone improvement queues a new reminder (the old one then does
 * nothing). Audit "incident.improvement.update". Refusals: -VG_ENOTFOUND
 * (no improvement), -VG_EVALIDATION. */
int case_improvement_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            int64_t id, const struct improvement_change *c,
                            struct improvement_result *ret, struct case_outcome *o);

/* Every how long an overdue improvement's owner is reminded. */
#define IMPROVEMENT_REMIND_EVERY ((vg_usec_t)7 * 24 * 3600 * VG_USEC_PER_SEC)

/* What one reminder did. */
struct improvement_reminder {
        bool stale;   /* done or moved meanwhile (or gone): nothing written */
        bool emailed; /* a message to the owner was queued (or sent already) */
        char owner[STORE_NAME_MAX];
};

/* Remind the owner of improvement id, due at due, of round `round`: if it
 * is still undone and still due then, queue a message to its owner (once
 * per improvement, due time and round), record "incident.improvement.overdue"
 * by actor, and queue the next round IMPROVEMENT_REMIND_EVERY later.
 * ret->emailed false with ret->stale false: the owner has no address. */
int case_improvement_remind(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            int64_t id, vg_usec_t due, int64_t round,
                            struct improvement_reminder *ret);
