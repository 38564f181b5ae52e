/* Improvement reminders: when an improvement passes its due date undone,
 * its owner is emailed and the incident's timeline records it as overdue;
 * then again every 7 days until it is done. The steps are the use case's
 * (case_improvement_remind); this job reads its payload, runs it and
 * finishes in the same transaction. A reminder whose improvement was done
 * or moved meanwhile does nothing (moving it queued a new one). */
#include "jobs/jobs.h"

#include "base/log.h"
#include "cases/postmortem.h"
#include "core/error.h"

static const struct actor reminder_actor = {.user_id = 0, .name = "system", .request_id = NULL};

int job_improvement_remind(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        int64_t id = json_integer_value(json_object_get(p, "improvement"));
        vg_usec_t due = json_integer_value(json_object_get(p, "due_at"));
        int64_t round = json_integer_value(json_object_get(p, "round"));
        json_decref(p);
        struct improvement_reminder rem;
        struct store_tx *tx;
        int r = store_begin(ctx->store, &tx);
        if (r < 0)
                return r;
        r = case_improvement_remind(tx, &reminder_actor, ctx->now, id, due, round, &rem);
        if (r >= 0 && !rem.stale && !rem.emailed)
                log_event(LOG_LVL_WARN, "overdue improvement: its owner has no email address",
                          "improvement=%lld owner=%s", (long long)id, rem.owner);
        if (r >= 0)
                r = store_job_finish(tx, JOB_LEASE(ctx, j), ctx->now);
        return store_finish(tx, r);
}
