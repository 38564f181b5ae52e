/* Obligation clocks: at 50, 75 and 90 % of an obligation's time the
 * communications role is reminded by email; at 100 % the executive
 * incident managers are told it is overdue. A clock whose obligation was
 * sent, withdrawn or moved meanwhile does nothing. Messages go through the
 * outbox with one idempotency key per obligation, due time, mark and
 * person, so a clock that runs twice sends nothing twice. */
#include "jobs/jobs.h"

#include "cases/obligations.h"
#include "core/error.h"

#include <stdio.h>

static const struct actor clock_actor = { .user_id = 0, .name = "system", .request_id = NULL };

static int clock_of(const struct obligation *o, void *userdata)
{
        struct obligation *c = userdata;
        c->incident_id = o->incident_id;
        snprintf(c->rule_id, sizeof c->rule_id, "%s", o->rule_id);
        return 0;
}

/* The reminder itself is the use case's (case_obligation_remind); the job
 * reads its payload and finishes itself in the same transaction. A clock
 * queued before clocks went by group names its obligation, and reminds of
 * that obligation alone, as it did. */
int job_obligation_clock(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        int64_t id = json_integer_value(json_object_get(p, "obligation_id"));
        struct obligation c = {.incident_id =
                                       json_integer_value(json_object_get(p, "incident_id"))};
        snprintf(c.rule_id, sizeof c.rule_id, "%s",
                 json_string_value(json_object_get(p, "rule_id")) ?: "");
        vg_usec_t due = json_integer_value(json_object_get(p, "due_at"));
        int mark = (int)json_integer_value(json_object_get(p, "mark"));
        json_decref(p);
        struct store_tx *tx;
        int r = store_begin(ctx->store, &tx);
        if (r < 0)
                return r;
        if (id)
                r = store_obligation_get(tx, id, clock_of, &c);
        if (r >= 0)
                r = case_obligation_remind(tx, &clock_actor, ctx->now, c.incident_id, c.rule_id,
                                           due, mark, id);
        else if (r == -VG_ENOTFOUND)
                r = 0; /* its obligation is gone: nothing to say */
        if (r >= 0)
                r = store_job_finish(tx, JOB_LEASE(ctx, j), ctx->now);
        return store_finish(tx, r);
}
