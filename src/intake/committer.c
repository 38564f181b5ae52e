/* Group commit for intake.
 *
 * Requests hand their parsed batch to the committer and wait. The writer
 * thread takes everything queued, opens one write transaction, runs each
 * batch in a savepoint (a failing batch is rolled back alone and its
 * request told), commits - one fsync for all of them - and only then wakes
 * the requests, which answer 2xx: nothing acknowledged is uncommitted.
 * While one transaction commits, new requests queue up for the next, so
 * the batch grows with the load. */
#include "intake/intake.h"
#include "intake/silence.h"

#include "core/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Bound the work of one transaction so no request waits behind a huge one. */
#define GROUP_ALERTS_MAX 20000

struct pending {
        const struct actor *actor;       /* borrows: the request's */
        const struct intake_batch *batch; /* borrows */
        vg_usec_t now;
        struct intake_result *res;       /* borrows */
        int status;
        bool done;
        struct pending *next;
};

struct intake_committer {
        struct store *store; /* borrows */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t work; /* the writer waits for requests */
        pthread_cond_t done; /* requests wait for their commit */
        struct pending *head, *tail;
        bool stopping;
};

static void run_group(struct intake_committer *c, struct pending *group)
{
        struct store_tx *tx = NULL;
        struct intake_state st;
        vg_usec_t now = group->now;
        int r = store_begin(c->store, &tx);
        if (r >= 0)
                r = intake_state_load(tx, now, &st);
        if (r < 0) {
                for (struct pending *p = group; p; p = p->next)
                        p->status = r;
                if (tx)
                        store_rollback(tx);
                return;
        }
        for (struct pending *p = group; p; p = p->next) {
                int s = store_savepoint_begin(tx);
                if (s >= 0)
                        s = intake_accept_in(tx, &st, p->actor, p->batch, p->now, p->res);
                int e = store_savepoint_end(tx, s >= 0);
                p->status = s < 0 ? s : e;
        }
        intake_state_fini(&st);
        r = store_commit(tx);
        for (struct pending *p = group; p; p = p->next)
                if (r < 0)
                        p->status = r; /* nothing was kept */
}

static void *writer(void *arg)
{
        struct intake_committer *c = arg;
        pthread_mutex_lock(&c->lock);
        for (;;) {
                while (!c->head && !c->stopping)
                        pthread_cond_wait(&c->work, &c->lock);
                if (!c->head && c->stopping)
                        break;
                /* Take a group off the queue, bounded in alerts. */
                struct pending *group = c->head, *last = c->head;
                size_t alerts = last->batch->n;
                while (last->next && alerts + last->next->batch->n <= GROUP_ALERTS_MAX) {
                        last = last->next;
                        alerts += last->batch->n;
                }
                c->head = last->next;
                if (!c->head)
                        c->tail = NULL;
                last->next = NULL;
                pthread_mutex_unlock(&c->lock);

                run_group(c, group);

                pthread_mutex_lock(&c->lock);
                for (struct pending *p = group; p; p = p->next)
                        p->done = true;
                pthread_cond_broadcast(&c->done);
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
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->work, NULL);
        pthread_cond_init(&c->done, NULL);
        if (pthread_create(&c->thread, NULL, writer, c) != 0) {
                pthread_mutex_destroy(&c->lock);
                pthread_cond_destroy(&c->work);
                pthread_cond_destroy(&c->done);
                free(c);
                return -EAGAIN;
        }
        *ret = c;
        return 0;
}

struct intake_committer *intake_committer_free(struct intake_committer *c)
{
        if (!c)
                return NULL;
        /* Requests still queued are committed before the thread ends. */
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_signal(&c->work);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->work);
        pthread_cond_destroy(&c->done);
        free(c);
        return NULL;
}

int intake_submit(struct intake_committer *c, const struct actor *actor, const struct intake_batch *b,
                  vg_usec_t now, struct intake_result *res)
{
        struct pending p = { .actor = actor, .batch = b, .now = now, .res = res };
        pthread_mutex_lock(&c->lock);
        if (c->stopping) {
                pthread_mutex_unlock(&c->lock);
                return -VG_EBUSY;
        }
        if (c->tail)
                c->tail->next = &p;
        else
                c->head = &p;
        c->tail = &p;
        pthread_cond_signal(&c->work);
        while (!p.done)
                pthread_cond_wait(&c->done, &c->lock);
        pthread_mutex_unlock(&c->lock);
        return p.status;
}
