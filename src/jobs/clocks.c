/* Obligation clocks: at 50, 75 and 90 % of an obligation's time the
 * communications role is reminded by email; at 100 % the executive
 * incident managers are told it is overdue. A clock whose obligation was
 * sent, withdrawn or moved meanwhile does nothing. Messages go through the
 * outbox with one idempotency key per obligation, due time, mark and
 * person, so a clock that runs twice sends nothing twice. */
#include "jobs/jobs.h"

#include "cases/obligations.h"

static const struct actor clock_actor = { .user_id = 0, .name = "system", .request_id = NULL };

/* The reminder itself is the use case's (case_obligation_remind); the job
 * reads its payload and finishes itself in the same transaction. */
int job_obligation_clock(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        int64_t id = json_integer_value(json_object_get(p, "obligation_id"));
        vg_usec_t due = json_integer_value(json_object_get(p, "due_at"));
        int mark = (int)json_integer_value(json_object_get(p, "mark"));
        json_decref(p);
        struct store_tx *tx;
        int r = store_begin(ctx->store, &tx);
        if (r < 0)
                return r;
        r = case_obligation_remind(tx, &clock_actor, ctx->now, id, due, mark);
        if (r >= 0)
                r = store_job_finish(tx, JOB_LEASE(ctx, j), ctx->now);
        return store_finish(tx, r);
}
