/* Paging as use cases (src/cases/paging.c): start an incident's
 * escalations, page one level of one (or find it exhausted), and
 * acknowledge a page. They write the rows, the outbox messages and the
 * jobs that follow; sending is the jobs' (src/jobs/paging.c, notify). The
 * caller owns the transaction; a refusal is -VG_* and changes nothing. */
#pragma once

#include "cases/cases.h"
#include "core/role.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- escalations ---- */

/* What starting the escalations of an incident did. */
struct escalation_start {
        size_t policies; /* escalations that apply; 0: nobody to page (audited) */
        size_t started;  /* of those, new ones (the others had started already) */
};

/* Start the escalations of incident key, trigger "opened" or "declared":
 * one per service of the incident with an escalation policy, else the
 * policy named "default"; each with its audit record and the job paging
 * its first level now. With no policy at all, the audit record
 * "incident.escalation.none". -VG_ENOTFOUND: no incident key (nothing
 * written), -VG_EVALIDATION: no key or trigger. */
int case_escalation_start(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          const char *key, const char *trigger, struct escalation_start *ret);

/* What paging needs of the configuration. */
struct paging_config {
        const char *public_url; /* borrows: the acknowledgement links' base */
        bool sms;               /* an SMS gateway is configured */
};

enum escalation_step_outcome {
        STEP_OVER, /* acknowledged, exhausted or its incident closed meanwhile: nothing written */
        STEP_POLICY_GONE, /* its policy was deleted: the escalation ends (exhausted) */
        STEP_EXHAUSTED,   /* every level of every round paged, nobody acknowledged */
        STEP_PAGED,       /* a level paged; the next follows after its delay */
        STEP_NOBODY,      /* nobody on call at the level; the next follows at once */
        STEP__COUNT
};

/* What one step did, for the caller to log. */
struct escalation_step {
        enum escalation_step_outcome what;
        int level, round;                  /* paged (STEP_PAGED, STEP_NOBODY) */
        size_t paged, messages;            /* people paged, messages queued */
        size_t skipped;                    /* targets that are no active user */
        size_t unreachable;                /* people paged with no way to reach them */
        char skipped_user[STORE_NAME_MAX]; /* the last of each */
        char unreachable_user[STORE_NAME_MAX];
        char policy[STORE_NAME_MAX];
};

/* Page level `level` (1-based) of round `round` of escalation
 * escalation_id, of incident key, unless it stopped: each person the
 * level reaches now gets a page (with its single-use acknowledgement link
 * under cfg->public_url) and a message per contact method; then the
 * escalation's position, the audit record "incident.page" (or
 * "incident.page.nobody") and the job for the next level after the
 * level's delay. Past the last level, the next round or, with the
 * policy's repeats spent, "incident.escalation.exhausted". -VG_EVALIDATION:
 * the arguments are not a step. */
int case_escalation_step(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct paging_config *cfg, int64_t escalation_id, const char *key,
                         int level, int round, struct escalation_step *ret);

/* ---- acknowledgement ---- */

/* Acknowledge page page_id as actor, whose role is role: the page, its
 * escalation (it stops) and the incident (acknowledged), with the audit
 * record "incident.page.ack". The person paged acknowledges their own; an
 * incident manager, executive incident manager or admin someone else's,
 * with a reason (NULL: none given). Refusals: -VG_ENOTFOUND (no page),
 * -VG_EFORBIDDEN (someone else's page, not a managing role),
 * -VG_EVALIDATION (no reason), -VG_ECONFLICT (acknowledged already). */
int case_page_ack(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                  int64_t page_id, const char *reason, struct case_outcome *o);

/* Acknowledge the page whose link token has digest digest, for the person
 * it was sent to (recorded as "USER (link)"; actor->name NULL: that name
 * is the actor's too). The page into *ret. Refusals: -VG_ENOTFOUND (no
 * such link), -VG_ECONFLICT (acknowledged already). */
int case_page_ack_link(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const uint8_t digest[STORE_HASH_BYTES], struct oncall_page *ret,
                       struct case_outcome *o);
