/* Group commit for intake.
 *
 * Requests hand their parsed batch to the committer and wait. The writer
 * thread takes everything queued, opens one write transaction, runs each
 * batch in a savepoint (a failing batch is rolled back alone and its
 * request told), commits - one fsync for all of them - and only then wakes
 * the requests, which answer 2xx: nothing acknowledged is uncommitted.
 * While one transaction commits, new requests queue up for the next, so
 * the batch grows with the load.
 *
 * A batch of quiet repeats (intake_enqueue_quiet) is answered before its
 * commit: each of its alerts repeats an episode the writer has committed
 * open, with the same annotations, and leaves it open, so a crash loses
 * at most the last-seen times and counts of one commit window, never an
 * alert. After each commit the writer publishes what the group's alerts
 * left of their episodes; requests read that to decide.
 *
 * The writer also keeps the cache of open episodes (a rolled-back
 * savepoint or transaction clears it) and opens the incidents of alert
 * groups whose group_wait is over: it sleeps until the earliest such time,
 * read from the store when it starts, so a restart loses none. */
#include "intake/intake.h"
#include "intake/silence.h"

#include "core/error.h"

#include "base/clock.h"
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

/* Bound the work of one transaction so no request waits behind a huge one. */
#define GROUP_ALERTS_MAX 20000

struct intake_committer {
        struct store *store; /* borrows */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t work; /* the writer waits for requests */
        pthread_cond_t done; /* requests wait for their commit */
        struct intake_ticket *head, *tail;
        bool stopping;
        bool joined;                    /* the writer has ended (intake_committer_stop) */
        struct episode_cache *episodes; /* owns; the writer's alone */
        struct intake_state state;      /* owns; the writer's: silences stay compiled */
        vg_usec_t wake_at;              /* earliest waiting group; 0: none (under lock) */
        size_t quiet_waiting;           /* alerts of detached tickets queued (under lock) */
        /* The episodes as last committed (open or not), for answering
         * repeats from memory: the writer publishes them after each
         * commit; requests read them. Guarded by quiet_lock. */
        pthread_mutex_t quiet_lock;
        struct episode_cache *committed;      /* owns */
        uint64_t quiet_batches, quiet_alerts; /* answered from memory (under quiet_lock) */
};

static const struct actor system_actor = { .user_id = 0, .name = "system", .request_id = NULL };

/* Open the groups whose wait is over, in a transaction of their own, and
 * learn when the next one is due. */
static void flush_groups(struct intake_committer *c)
{
        struct store_tx *tx;
        unsigned opened = 0;
        vg_usec_t now = clock_now(), next = 0;
        int r = store_begin(c->store, &tx);
        if (r < 0) {
                log_event(LOG_LVL_ERROR, "alert groups not opened", "error=%d", r);
                next = now + VG_USEC_PER_SEC; /* try again */
        } else {
                r = intake_groups_flush(tx, &system_actor, now, &opened);
                if (r >= 0)
                        r = store_alert_group_next(tx, &next);
                r = store_finish(tx, r);
                if (r < 0) {
                        log_event(LOG_LVL_ERROR, "alert groups not opened", "error=%d", r);
                        next = now + VG_USEC_PER_SEC;
                } else if (opened) {
                        log_event(LOG_LVL_INFO, "alert groups opened", "incidents=%u", opened);
                }
        }
        pthread_mutex_lock(&c->lock);
        c->wake_at = next;
        pthread_mutex_unlock(&c->lock);
}

/* After a commit: what the group's alerts left of their episodes, as the
 * writer's cache says, is now on disk. An episode the cache no longer
 * holds is published as ended, so that its next repeat is committed. */
static void publish(struct intake_committer *c, const struct intake_ticket *group, vg_usec_t now)
{
        pthread_mutex_lock(&c->quiet_lock);
        for (const struct intake_ticket *p = group; p; p = p->next) {
                if (p->status < 0)
                        continue;
                for (size_t i = 0; i < p->batch->n; i++) {
                        struct episode e = {.fp = p->batch->alerts[i].fp,
                                            .ends_at = INTAKE_ENDS_NOW};
                        episodes_get(c->episodes, e.fp, &e);
                        episodes_put(c->committed, &e, now);
                }
        }
        pthread_mutex_unlock(&c->quiet_lock);
}

static void run_group(struct intake_committer *c, struct intake_ticket *group)
{
        struct store_tx *tx = NULL;
        struct intake_state *st = &c->state;
        vg_usec_t now = group->now;
        int r = store_begin(c->store, &tx);
        if (r >= 0)
                r = intake_state_load(tx, now, st);
        if (r < 0) {
                for (struct intake_ticket *p = group; p; p = p->next)
                        p->status = r;
                if (tx)
                        store_rollback(tx);
                return;
        }
        vg_usec_t wake = 0;
        for (struct intake_ticket *p = group; p; p = p->next) {
                int s = store_savepoint_begin(tx);
                if (s >= 0)
                        s = intake_accept_in(tx, st, p->actor, p->batch, p->now, p->res);
                int e = store_savepoint_end(tx, s >= 0);
                p->status = s < 0 ? s : e;
                if (p->status < 0)
                        episodes_clear(c->episodes); /* it may hold what was rolled back */
                else if (p->res->wake_at && (!wake || p->res->wake_at < wake))
                        wake = p->res->wake_at;
        }
        r = store_commit(tx);
        if (r < 0)
                episodes_clear(c->episodes);
        for (struct intake_ticket *p = group; p; p = p->next)
                if (r < 0)
                        p->status = r; /* nothing was kept */
        if (r >= 0)
                publish(c, group, now);
        if (r >= 0 && wake) {
                pthread_mutex_lock(&c->lock);
                if (!c->wake_at || wake < c->wake_at)
                        c->wake_at = wake;
                pthread_mutex_unlock(&c->lock);
        }
}

/* Wait for work or for the next waiting group; the lock is held. */
static void wait_for_work(struct intake_committer *c)
{
        if (!c->wake_at) {
                pthread_cond_wait(&c->work, &c->lock);
                return;
        }
        /* wake_at is wall-clock time (microseconds since the epoch). */
        struct timespec ts = { .tv_sec = (time_t)(c->wake_at / VG_USEC_PER_SEC),
                               .tv_nsec = (long)(c->wake_at % VG_USEC_PER_SEC) * 1000 };
        pthread_cond_timedwait(&c->work, &c->lock, &ts);
}

/* Whether the queue holds only quiet repeats (nobody waits for them),
 * the first queued less than QUIET_LINGER ago and fewer than the most a
 * group takes: then the writer waits a little for more, as one commit
 * for many costs what one for a few does (the lock is held). */
#define QUIET_LINGER (2 * 1000) /* microseconds */
static bool linger(const struct intake_committer *c, vg_usec_t now)
{
        if (c->stopping || !c->head || now - c->head->now >= QUIET_LINGER || now < c->head->now)
                return false;
        size_t alerts = 0;
        for (const struct intake_ticket *p = c->head; p; p = p->next) {
                if (!p->detached)
                        return false;
                alerts += p->batch->n;
        }
        return alerts < INTAKE_QUIET_MAX;
}

static void *writer(void *arg)
{
        struct intake_committer *c = arg;
        flush_groups(c); /* what came due while the server was down */
        pthread_mutex_lock(&c->lock);
        for (;;) {
                while (!c->head && !c->stopping && !(c->wake_at && c->wake_at <= clock_now()))
                        wait_for_work(c);
                if (!c->head && c->stopping)
                        break;
                for (vg_usec_t now = clock_now(); linger(c, now); now = clock_now()) {
                        vg_usec_t until = c->head->now + QUIET_LINGER;
                        struct timespec ts = {.tv_sec = (time_t)(until / VG_USEC_PER_SEC),
                                              .tv_nsec = (long)(until % VG_USEC_PER_SEC) * 1000};
                        pthread_cond_timedwait(&c->work, &c->lock, &ts);
                }
                if (c->wake_at && c->wake_at <= clock_now()) {
                        pthread_mutex_unlock(&c->lock);
                        flush_groups(c);
                        pthread_mutex_lock(&c->lock);
                        continue;
                }
                /* Take a group off the queue, bounded in alerts. */
                struct intake_ticket *group = c->head, *last = c->head;
                size_t alerts = last->batch->n;
                while (last->next && alerts + last->next->batch->n <= GROUP_ALERTS_MAX) {
                        last = last->next;
                        alerts += last->batch->n;
                }
                c->head = last->next;
                if (!c->head)
                        c->tail = NULL;
                last->next = NULL;
                for (struct intake_ticket *p = group; p; p = p->next)
                        if (p->detached)
                                c->quiet_waiting -= p->batch->n;
                pthread_mutex_unlock(&c->lock);

                run_group(c, group);
                for (struct intake_ticket *p = group; p; p = p->next)
                        if (p->detached && p->status < 0)
                                log_event(LOG_LVL_ERROR, "repeats answered from memory not written",
                                          "alerts=%zu error=%d", p->batch->n, p->status);

                /* A ticket may be gone as soon as its owner is told, so
                 * split the group first: waiting owners are woken under
                 * the lock, parked ones notified after it. */
                struct intake_ticket *parked = NULL, *waiting = NULL;
                for (struct intake_ticket *p = group, *next; p; p = next) {
                        next = p->next;
                        struct intake_ticket **list = p->notify ? &parked : &waiting;
                        p->next = *list;
                        *list = p;
                }
                pthread_mutex_lock(&c->lock);
                for (struct intake_ticket *p = waiting, *next; p; p = next) {
                        next = p->next;
                        p->done = true;
                }
                pthread_cond_broadcast(&c->done);
                pthread_mutex_unlock(&c->lock);
                for (struct intake_ticket *p = parked, *next; p; p = next) {
                        next = p->next;
                        p->notify(p->arg);
                }
                pthread_mutex_lock(&c->lock);
        }
        pthread_mutex_unlock(&c->lock);
        return NULL;
}

int intake_committer_new(struct store *s, struct intake_committer **ret)
{
        struct intake_committer *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->store = s;
        if (episodes_new(&c->episodes) < 0) {
                free(c);
                return -ENOMEM;
        }
        if (episodes_new(&c->committed) < 0) {
                episodes_free(c->episodes);
                free(c);
                return -ENOMEM;
        }
        c->state.episodes = c->episodes;
        pthread_mutex_init(&c->quiet_lock, NULL);
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->work, NULL);
        pthread_cond_init(&c->done, NULL);
        if (pthread_create(&c->thread, NULL, writer, c) != 0) {
                pthread_mutex_destroy(&c->lock);
                pthread_cond_destroy(&c->work);
                pthread_cond_destroy(&c->done);
                pthread_mutex_destroy(&c->quiet_lock);
                episodes_free(c->episodes);
                episodes_free(c->committed);
                free(c);
                return -EAGAIN;
        }
        *ret = c;
        return 0;
}

void intake_committer_stop(struct intake_committer *c)
{
        if (!c || c->joined)
                return;
        /* Requests still queued are committed before the thread ends. */
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_signal(&c->work);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
        c->joined = true;
}

struct intake_committer *intake_committer_free(struct intake_committer *c)
{
        if (!c)
                return NULL;
        intake_committer_stop(c);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->work);
        pthread_cond_destroy(&c->done);
        intake_state_fini(&c->state);
        pthread_mutex_destroy(&c->quiet_lock);
        episodes_free(c->episodes);
        episodes_free(c->committed);
        free(c);
        return NULL;
}

/* Queue t (lock held): -VG_EBUSY when stopping, or for a detached ticket
 * when the detached ones waiting hold INTAKE_QUIET_MAX alerts already. */
static int queue_locked(struct intake_committer *c, struct intake_ticket *t)
{
        if (c->stopping || (t->detached && c->quiet_waiting + t->batch->n > INTAKE_QUIET_MAX))
                return -VG_EBUSY;
        if (t->detached)
                c->quiet_waiting += t->batch->n;
        if (c->tail)
                c->tail->next = t;
        else
                c->head = t;
        c->tail = t;
        pthread_cond_signal(&c->work);
        return 0;
}

int intake_enqueue(struct intake_committer *c, struct intake_ticket *t)
{
        if (!t->prepared)
                intake_prepare(t->batch); /* here, in the caller's thread, not on the writer */
        t->done = false;
        t->detached = false;
        t->next = NULL;
        /* Until this batch's commit publishes them, its fingerprints are
         * not quiet: a repeat queued behind an end or a new episode waits
         * for its own commit too. Marked and queued under the quiet lock,
         * so that no quiet batch decided before the mark is queued after
         * this one. */
        pthread_mutex_lock(&c->quiet_lock);
        for (size_t i = 0; i < t->batch->n; i++) {
                const struct episode unsettled = {.fp = t->batch->alerts[i].fp,
                                                  .ends_at = INTAKE_ENDS_NOW};
                episodes_put(c->committed, &unsettled, t->now);
        }
        pthread_mutex_lock(&c->lock);
        int r = queue_locked(c, t);
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->quiet_lock);
        return r;
}

/* An alert that repeats an episode open as committed, with the same
 * annotations, and leaves it open. */
static bool quiet_alert(const struct episode_cache *committed, const struct intake_alert *x,
                        vg_usec_t now)
{
        struct episode e;
        if (x->ends_at != 0 && (x->ends_at == INTAKE_ENDS_NOW || x->ends_at <= now))
                return false;
        return episodes_get(committed, x->fp, &e) && (e.ends_at == 0 || e.ends_at > now) &&
               e.content == x->content;
}

int intake_enqueue_quiet(struct intake_committer *c, struct intake_ticket *t)
{
        intake_prepare(t->batch);
        t->prepared = true; /* for intake_enqueue, when it is not quiet */
        bool quiet = t->batch->n > 0;
        size_t n = t->batch->n; /* t is the writer's once queued */
        /* Decided and queued under the quiet lock (before the writer's
         * lock, the one order both take them in). */
        pthread_mutex_lock(&c->quiet_lock);
        for (size_t i = 0; quiet && i < n; i++)
                quiet = quiet_alert(c->committed, &t->batch->alerts[i], t->now);
        int r = 0;
        if (quiet) {
                t->done = false;
                t->detached = true;
                t->next = NULL;
                pthread_mutex_lock(&c->lock);
                r = queue_locked(c, t) < 0 ? 0 : 1;
                pthread_mutex_unlock(&c->lock);
                if (r == 1) {
                        c->quiet_batches++;
                        c->quiet_alerts += n;
                } else {
                        t->detached = false;
                }
        }
        pthread_mutex_unlock(&c->quiet_lock);
        return r;
}

void intake_quiet_counts(struct intake_committer *c, uint64_t *batches, uint64_t *alerts)
{
        pthread_mutex_lock(&c->quiet_lock);
        *batches = c->quiet_batches;
        *alerts = c->quiet_alerts;
        pthread_mutex_unlock(&c->quiet_lock);
}

int intake_submit(struct intake_committer *c, const struct actor *actor, struct intake_batch *b,
                  vg_usec_t now, struct intake_result *res)
{
        struct intake_ticket t = { .actor = actor, .batch = b, .now = now, .res = res };
        int r = intake_enqueue(c, &t);
        if (r < 0)
                return r;
        pthread_mutex_lock(&c->lock);
        while (!t.done)
                pthread_cond_wait(&c->done, &c->lock);
        pthread_mutex_unlock(&c->lock);
        return t.status;
}
