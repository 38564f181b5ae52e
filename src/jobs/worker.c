/* The job loop: claim due jobs under a lease in one write transaction,
 * run each handler, sleep until the next due job (at most a second, so
 * jobs another process adds are seen), or until kicked. */
#include "jobs/jobs.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/error.h"
#include "notify/notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#define CLAIM_MAX 16
#define POLL_MAX (1 * VG_USEC_PER_SEC)

struct jobs_worker {
        struct store *store;
        _Atomic(const struct config *) cfg;
        char owner[96];
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool stopping, kicked;
        struct notify_sender *sender; /* owns: the worker thread's, its sessions kept */
};

struct claim_list {
        size_t n;
        struct claimed_job j[CLAIM_MAX];
};

static int claim_cb(const struct job *j, void *userdata)
{
        struct claim_list *l = userdata;
        if (l->n == CLAIM_MAX)
                return 0;
        struct claimed_job *c = &l->j[l->n];
        c->id = j->id;
        snprintf(c->kind, sizeof c->kind, "%s", j->kind);
        c->payload = strdup(j->payload ? j->payload : "{}");
        c->attempts = j->attempts;
        if (!c->payload)
                return -ENOMEM;
        l->n++;
        return 0;
}

/* The kinds this binary runs, and how. */
static const struct {
        const char *kind;
        int (*run)(const struct job_ctx *, const struct claimed_job *);
} handlers[] = {
        { "escalate.start", job_escalate_start },
        { "escalate.step", job_escalate_step },
        { "deliver", NULL }, /* in batches: job_deliver_batch */
        { "obligation.clock", job_obligation_clock },
        { "improvement.remind", job_improvement_remind },
};
#define HANDLERS (sizeof handlers / sizeof handlers[0])
_Static_assert(HANDLERS <= STORE_JOB_KINDS_MAX, "a claim names at most STORE_JOB_KINDS_MAX kinds");

static int run(const struct job_ctx *ctx, const struct claimed_job *j)
{
        for (size_t i = 0; i < HANDLERS; i++)
                if (handlers[i].run && strcmp(j->kind, handlers[i].kind) == 0)
                        return handlers[i].run(ctx, j);
        /* Not claimed (the claim names the kinds above): a row changed
         * under us. */
        log_event(LOG_LVL_ERROR, "job of unknown kind left undone", "job=%lld kind=%s", (long long)j->id, j->kind);
        return -VG_EUNSUPPORTED;
}

/* Claim and run one batch; returns how many were claimed. */
static size_t round_once(struct jobs_worker *w)
{
        const struct config *cfg = atomic_load(&w->cfg);
        struct claim_list l = { 0 };
        struct store_tx *tx;
        vg_usec_t now = clock_now();
        int r = store_begin(w->store, &tx);
        if (r >= 0) {
                const char *kinds[HANDLERS];
                for (size_t i = 0; i < HANDLERS; i++)
                        kinds[i] = handlers[i].kind;
                r = store_job_claim(tx, w->owner, now, now + cfg->job_lease * VG_USEC_PER_SEC, kinds, HANDLERS,
                                    CLAIM_MAX, claim_cb, &l);
                r = store_finish(tx, r);
        }
        if (r < 0) {
                log_event(LOG_LVL_ERROR, "jobs not claimed", "error=%s", vg_strerror(r));
                for (size_t i = 0; i < l.n; i++)
                        free(l.j[i].payload);
                return 0;
        }
        /* Deliveries go together (two commits for the lot); the rest one by one. */
        const struct claimed_job *deliver[CLAIM_MAX];
        size_t n_deliver = 0;
        for (size_t i = 0; i < l.n; i++)
                if (strcmp(l.j[i].kind, "deliver") == 0)
                        deliver[n_deliver++] = &l.j[i];
        if (n_deliver) {
                struct job_ctx ctx = {.store = w->store,
                                      .cfg = cfg,
                                      .owner = w->owner,
                                      .now = clock_now(),
                                      .sender = w->sender};
                r = job_deliver_batch(&ctx, deliver, n_deliver);
                if (r < 0) {
                        log_event(LOG_LVL_WARN, "deliveries failed; will retry", "jobs=%zu error=%s", n_deliver,
                                  vg_strerror(r));
                        for (size_t i = 0; i < n_deliver; i++)
                                if (store_begin(w->store, &tx) >= 0)
                                        store_finish(tx, store_job_retry(tx, JOB_LEASE(w, deliver[i]), clock_now(),
                                                                         clock_now() + VG_USEC_PER_SEC, vg_strerror(r)));
                }
        }
        for (size_t i = 0; i < l.n; i++) {
                if (strcmp(l.j[i].kind, "deliver") == 0) {
                        free(l.j[i].payload);
                        continue;
                }
                struct job_ctx ctx = { .store = w->store, .cfg = cfg, .owner = w->owner, .now = clock_now() };
                r = run(&ctx, &l.j[i]);
                if (r < 0) {
                        /* Back off: 1 s, 2 s, 4 s ... at most a minute. */
                        int shift = l.j[i].attempts < 6 ? l.j[i].attempts : 6;
                        vg_usec_t due = clock_now() + ((vg_usec_t)1 << shift) * VG_USEC_PER_SEC;
                        log_event(LOG_LVL_WARN, "job failed; will retry", "job=%lld kind=%s attempt=%d error=%s",
                                  (long long)l.j[i].id, l.j[i].kind, l.j[i].attempts, vg_strerror(r));
                        if (store_begin(w->store, &tx) >= 0)
                                store_finish(tx, store_job_retry(tx, JOB_LEASE(w, &l.j[i]), clock_now(), due,
                                                                 vg_strerror(r)));
                }
                free(l.j[i].payload);
        }
        return l.n;
}

static void *loop(void *arg)
{
        struct jobs_worker *w = arg;
        for (;;) {
                pthread_mutex_lock(&w->lock);
                bool stop = w->stopping;
                w->kicked = false;
                pthread_mutex_unlock(&w->lock);
                if (stop)
                        break;
                if (round_once(w) == CLAIM_MAX)
                        continue; /* more may be due */
                vg_usec_t next = 0, now = clock_now();
                struct store_tx *tx;
                if (store_begin_read(w->store, &tx) >= 0) {
                        store_job_next_due(tx, &next);
                        store_rollback(tx);
                }
                vg_usec_t until = next && next < now + POLL_MAX ? next : now + POLL_MAX;
                struct timespec ts = { .tv_sec = (time_t)(until / VG_USEC_PER_SEC),
                                       .tv_nsec = (long)(until % VG_USEC_PER_SEC) * 1000 };
                pthread_mutex_lock(&w->lock);
                while (!w->stopping && !w->kicked && clock_now() < until)
                        if (pthread_cond_timedwait(&w->wake, &w->lock, &ts) == ETIMEDOUT)
                                break;
                pthread_mutex_unlock(&w->lock);
        }
        return NULL;
}

static void kick(void *w)
{
        jobs_worker_kick(w);
}

int jobs_worker_start(struct store *s, const struct config *cfg, struct jobs_worker **ret)
{
        struct jobs_worker *w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->store = s;
        atomic_store(&w->cfg, cfg);
        if (!(w->sender = notify_sender_new())) {
                free(w);
                return -ENOMEM;
        }
        /* The node, the process and this start: never the same twice. */
        snprintf(w->owner, sizeof w->owner, "%.63s:%ld:%08x", cfg->node, (long)getpid(), randombytes_random());
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        if (pthread_create(&w->thread, NULL, loop, w) != 0) {
                pthread_mutex_destroy(&w->lock);
                pthread_cond_destroy(&w->wake);
                notify_sender_free(w->sender);
                free(w);
                return -EAGAIN;
        }
        /* A commit that queues a job wakes this worker at once (SQLite:
         * this process's commits; PostgreSQL: any node's); what another
         * process on a SQLite file queues, it finds within POLL_MAX. */
        int r = store_watch(s, kick, w);
        if (r < 0 && r != -EOPNOTSUPP)
                log_event(LOG_LVL_WARN, "no wake-ups from other nodes; polling", "error=%s", vg_strerror(r));
        *ret = w;
        return 0;
}

void jobs_worker_reload(struct jobs_worker *w, const struct config *cfg)
{
        if (w)
                atomic_store(&w->cfg, cfg);
}

void jobs_worker_kick(struct jobs_worker *w)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->kicked = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
}

struct jobs_worker *jobs_worker_stop(struct jobs_worker *w)
{
        if (!w)
                return NULL;
        store_unwatch(w->store);
        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        notify_sender_free(w->sender);
        free(w);
        return NULL;
}
