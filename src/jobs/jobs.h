/* Durable jobs: the worker thread that runs what the store says is due -
 * starting escalations, paging each level, delivering the outbox - with a
 * lease per job so that two workers (threads, processes or, later, nodes)
 * never run one job at once, and a job whose worker died runs again when
 * its lease expires. Jobs survive restarts: they are rows. */
#pragma once

#include "base/config.h"
#include "store/store.h"

struct notify_sender;

struct jobs_worker;

/* Start the worker on s; cfg must outlive it (or be replaced by reload). */
int jobs_worker_start(struct store *s, const struct config *cfg, struct jobs_worker **ret);
void jobs_worker_reload(struct jobs_worker *w, const struct config *cfg);
/* Look for due jobs now rather than at the next poll. */
void jobs_worker_kick(struct jobs_worker *w);
/* Stop after the job in hand. */
struct jobs_worker *jobs_worker_stop(struct jobs_worker *w);

/* What a handler gets. A handler records its effects and finishes its
 * job (store_job_finish) in one transaction, or returns < 0 to be tried
 * again later. */
struct job_ctx {
        struct store *store;
        const struct config *cfg;
        const char *owner;
        vg_usec_t now;
        struct notify_sender *sender; /* borrows: the worker's, for deliveries */
};
struct claimed_job {
        int64_t id;
        char kind[32];
        char *payload; /* owns: JSON */
        int attempts;
};
/* The lease ctx's worker holds on j, for store_job_finish and _retry. */
#define JOB_LEASE(ctx, j) (&(struct job_lease){ .id = (j)->id, .owner = (ctx)->owner, .fence = (j)->attempts })
int job_escalate_start(const struct job_ctx *ctx, const struct claimed_job *j);
int job_escalate_step(const struct job_ctx *ctx, const struct claimed_job *j);
/* Deliver outbox messages, a claim's worth at once: one commit marks them
 * sending, then each is sent, then one commit records every result. */
int job_deliver_batch(const struct job_ctx *ctx, const struct claimed_job *const *jobs, size_t n);
int job_obligation_clock(const struct job_ctx *ctx, const struct claimed_job *j);
int job_improvement_remind(const struct job_ctx *ctx, const struct claimed_job *j);
