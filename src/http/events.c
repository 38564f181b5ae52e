/* The change stream (see events.h).
 *
 * Locking: one mutex guards the ring, the stream list and every stream's
 * cursor and suspended flag. A reader suspends its connection under it and
 * the poller resumes under it, so a resume always finds the connection
 * suspended. MHD calls neither of our callbacks from inside
 * MHD_resume_connection, so holding the mutex there cannot deadlock. */
#include "http/events.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/error.h"
#include "core/role.h"
#include "http/request.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_DATA_MAX 1024

struct event_entry {
        int64_t seq;
        char object[128];           /* what role_sees_change judges */
        char data[EVENT_DATA_MAX];  /* the event's JSON, compact */
};

struct event_stream {
        struct event_hub *hub;
        struct MHD_Connection *conn;
        enum role role;
        int64_t cursor;       /* the last seq considered */
        int64_t alerts_sent;  /* the newest alert id told */
        bool hello_sent;      /* the retry: line */
        bool suspended;
        vg_usec_t opened;     /* monotonic */
        vg_usec_t last_write; /* monotonic */
        char out[16384];      /* composed, not yet handed to MHD */
        size_t out_len, out_off;
        struct event_stream *prev, *next;
};

struct event_hub {
        struct store *store; /* borrows */
        pthread_mutex_t lock;
        pthread_cond_t stop_cond;
        pthread_t thread;
        bool thread_started;
        bool closing;
        struct event_entry *ring; /* EVENTS_RING entries; seq s at s % EVENTS_RING */
        int64_t first;            /* the oldest seq held (head + 1 when none) */
        int64_t head;             /* the newest seq read */
        int64_t alerts_newest;
        struct event_stream *streams;
        unsigned n_streams;
};

/* ---- the poller ---- */

struct fetch {
        struct event_entry *out; /* EVENTS_RING entries, in seq order */
        size_t n;
};

static int fetch_one(const struct audit_record *a, void *userdata)
{
        struct fetch *f = userdata;
        if (f->n >= EVENTS_RING)
                return 0;
        struct event_entry *e = &f->out[f->n++];
        e->seq = a->seq;
        snprintf(e->object, sizeof e->object, "%s", a->object);
        json_t *j = json_pack("{s:I, s:s, s:s, s:o}", "seq", (json_int_t)a->seq, "action", a->action,
                              "object", a->object, "at", json_time(a->at));
        size_t n = j ? json_dumpb(j, e->data, sizeof e->data - 1, JSON_COMPACT) : 0;
        json_decref(j);
        if (n == 0 || n >= sizeof e->data)
                n = (size_t)snprintf(e->data, sizeof e->data, "{\"seq\":%" PRId64 "}", a->seq);
        e->data[n] = '\0';
        return 0;
}

/* What is new in the store: the last seq and newest alert, and the links
 * after `after` (at most EVENTS_RING, the newest ones) into f. */
static int poll_store(struct event_hub *h, int64_t after, bool want_links, int64_t *ret_last,
                      int64_t *ret_alerts, struct fetch *f)
{
        struct store_tx *tx;
        int r = store_begin_read(h->store, &tx);
        if (r < 0)
                return r;
        r = store_audit_last_seq(tx, ret_last);
        if (r >= 0)
                r = store_alert_newest(tx, ret_alerts);
        if (r >= 0 && want_links && *ret_last > after) {
                if (*ret_last - after > EVENTS_RING)
                        after = *ret_last - EVENTS_RING;
                r = store_audit_list(tx, after, EVENTS_RING, fetch_one, f);
        }
        store_rollback(tx);
        return r;
}

/* Wake every suspended stream that has something to send: new links, new
 * alerts, a keepalive or its end. Called with the lock held. */
static void wake_streams(struct event_hub *h, vg_usec_t now)
{
        for (struct event_stream *s = h->streams; s; s = s->next) {
                if (!s->suspended)
                        continue;
                bool due = h->closing || s->out_off < s->out_len || s->cursor < h->head || s->alerts_sent != h->alerts_newest ||
                           now - s->last_write >= (vg_usec_t)EVENTS_KEEPALIVE_SEC * VG_USEC_PER_SEC ||
                           now - s->opened >= (vg_usec_t)EVENTS_MAX_AGE_SEC * VG_USEC_PER_SEC;
                if (due) {
                        s->suspended = false;
                        MHD_resume_connection(s->conn);
                }
        }
}

static void *poller(void *arg)
{
        struct event_hub *h = arg;
        struct fetch f = {.out = calloc(EVENTS_RING, sizeof(struct event_entry))};
        bool warned = false;

        pthread_mutex_lock(&h->lock);
        while (!h->closing && f.out) {
                /* The ring fills even when nobody listens: a browser
                 * between reconnects resumes from it. */
                int64_t after = h->head;
                pthread_mutex_unlock(&h->lock);

                int64_t last = after, alerts = 0;
                f.n = 0;
                int r = poll_store(h, after, true, &last, &alerts, &f);
                if (r < 0 && !warned)
                        log_event(LOG_LVL_WARN, "change stream cannot read the store", "error=%s",
                                  vg_strerror(r));
                warned = r < 0;

                pthread_mutex_lock(&h->lock);
                if (r >= 0) {
                        if (f.n > 0 && f.out[0].seq > h->head + 1)
                                h->first = f.out[0].seq; /* a gap: the ring restarts */
                        for (size_t i = 0; i < f.n; i++)
                                h->ring[f.out[i].seq % EVENTS_RING] = f.out[i];
                        if (f.n > 0)
                                h->head = f.out[f.n - 1].seq;
                        if (h->head - h->first + 1 > EVENTS_RING)
                                h->first = h->head - EVENTS_RING + 1;
                        h->alerts_newest = alerts;
                }
                wake_streams(h, clock_mono());

                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += (long)EVENTS_POLL_MS * 1000000L;
                if (until.tv_nsec >= 1000000000L) {
                        until.tv_sec++;
                        until.tv_nsec -= 1000000000L;
                }
                if (!h->closing)
                        pthread_cond_timedwait(&h->stop_cond, &h->lock, &until);
        }
        pthread_mutex_unlock(&h->lock);
        free(f.out);
        return NULL;
}

struct event_hub *event_hub_new(struct store *store)
{
        struct event_hub *h = calloc(1, sizeof *h);
        if (!h)
                return NULL;
        h->store = store;
        h->ring = calloc(EVENTS_RING, sizeof *h->ring);
        pthread_mutex_init(&h->lock, NULL);
        pthread_cond_init(&h->stop_cond, NULL);
        /* Start at the chain's head: a stream opened now hears what comes
         * after it, and one resuming asks for what it missed. */
        int64_t last = 0, alerts = 0;
        struct fetch none = {0};
        if (h->ring && poll_store(h, 0, false, &last, &alerts, &none) >= 0) {
                h->head = last;
                h->first = last + 1;
                h->alerts_newest = alerts;
                h->thread_started = pthread_create(&h->thread, NULL, poller, h) == 0;
        }
        if (!h->thread_started) {
                event_hub_free(h);
                return NULL;
        }
        return h;
}

void event_hub_close(struct event_hub *h)
{
        if (!h)
                return;
        pthread_mutex_lock(&h->lock);
        bool was = h->closing;
        h->closing = true;
        pthread_cond_broadcast(&h->stop_cond);
        pthread_mutex_unlock(&h->lock);
        if (!was && h->thread_started)
                pthread_join(h->thread, NULL);
        pthread_mutex_lock(&h->lock);
        wake_streams(h, clock_mono());
        pthread_mutex_unlock(&h->lock);
}

void event_hub_free(struct event_hub *h)
{
        if (!h)
                return;
        /* Streams are gone by now (the daemon closed their connections);
         * one left would be a connection that outlived the daemon. */
        pthread_cond_destroy(&h->stop_cond);
        pthread_mutex_destroy(&h->lock);
        free(h->ring);
        free(h);
}

unsigned event_hub_streams(struct event_hub *h)
{
        pthread_mutex_lock(&h->lock);
        unsigned n = h->n_streams;
        pthread_mutex_unlock(&h->lock);
        return n;
}

/* ---- one stream ---- */

static void stream_free(void *cls)
{
        struct event_stream *s = cls;
        struct event_hub *h = s->hub;
        pthread_mutex_lock(&h->lock);
        if (s->prev)
                s->prev->next = s->next;
        else
                h->streams = s->next;
        if (s->next)
                s->next->prev = s->prev;
        h->n_streams--;
        pthread_mutex_unlock(&h->lock);
        free(s);
}

/* Append text to the stream's pending bytes if it fits. */
static bool put(struct event_stream *s, const char *text, size_t len)
{
        if (len > sizeof s->out - s->out_len)
                return false;
        memcpy(s->out + s->out_len, text, len);
        s->out_len += len;
        return true;
}

/* What the stream has to say now, as whole lines, into s->out: the retry
 * hint first, then a reset or the links its role may read, the alerts
 * news, or a keepalive after a silence. With the lock held. */
static void compose(struct event_stream *s, struct event_hub *h, vg_usec_t now)
{
        char line[EVENT_DATA_MAX + 64];
        int len;
        if (!s->hello_sent)
                s->hello_sent = put(s, "retry: 3000\n\n", 13);
        if (s->cursor < h->first - 1) {
                /* Fell behind what the ring holds: the console reloads. */
                len = snprintf(line, sizeof line, "id: %" PRId64 "\nevent: reset\ndata: {}\n\n", h->head);
                if (put(s, line, (size_t)len))
                        s->cursor = h->head;
        }
        while (s->cursor >= h->first - 1 && s->cursor < h->head) {
                const struct event_entry *e = &h->ring[(s->cursor + 1) % EVENTS_RING];
                if (role_sees_change(s->role, e->object)) {
                        len = snprintf(line, sizeof line, "id: %" PRId64 "\nevent: change\ndata: %s\n\n",
                                       e->seq, e->data);
                        if (!put(s, line, (size_t)len))
                                break;
                }
                s->cursor++;
        }
        if (s->alerts_sent != h->alerts_newest) {
                len = snprintf(line, sizeof line, "event: alerts\ndata: {\"newest\":%" PRId64 "}\n\n",
                               h->alerts_newest);
                if (put(s, line, (size_t)len))
                        s->alerts_sent = h->alerts_newest;
        }
        if (s->out_len == 0 && now - s->last_write >= (vg_usec_t)EVENTS_KEEPALIVE_SEC * VG_USEC_PER_SEC)
                put(s, ": keepalive\n\n", 13);
}

/* MHD asks for up to max bytes when the socket has room. What is composed
 * is handed out in pieces of whatever size MHD has room for (an event may
 * straddle two calls: the stream is bytes); with nothing to say the
 * connection is suspended until the poller has news. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct event_stream *s = cls;
        struct event_hub *h = s->hub;
        (void)pos;

        pthread_mutex_lock(&h->lock);
        vg_usec_t now = clock_mono();
        if (h->closing || now - s->opened >= (vg_usec_t)EVENTS_MAX_AGE_SEC * VG_USEC_PER_SEC) {
                pthread_mutex_unlock(&h->lock);
                return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (s->out_off == s->out_len) {
                s->out_off = s->out_len = 0;
                compose(s, h, now);
        }
        size_t n = s->out_len - s->out_off;
        if (n > 0) {
                if (n > max)
                        n = max;
                memcpy(buf, s->out + s->out_off, n);
                s->out_off += n;
                s->last_write = now;
                pthread_mutex_unlock(&h->lock);
                return (ssize_t)n;
        }
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        pthread_mutex_unlock(&h->lock);
        return 0;
}

/* Last-Event-ID: the seq the browser last got. */
static int resume_point(struct request *req, int64_t *ret)
{
        const char *v = request_header(req, "Last-Event-ID");
        if (!v || !*v)
                return 0;
        char *end;
        errno = 0;
        long long id = strtoll(v, &end, 10);
        if (errno || *end || id < 0 || v[0] < '0' || v[0] > '9') {
                request_detail(req, "Last-Event-ID must be an event id this stream sent (a whole "
                                    "number), not '%.40s'", v);
                return -VG_EVALIDATION;
        }
        *ret = id;
        return 1;
}

int api_event_stream(struct request *req, struct response *resp)
{
        struct event_hub *h = req->events;
        int64_t since = 0;
        int resume = resume_point(req, &since);
        if (resume < 0)
                return resume;
        if (!h) {
                request_detail(req, "this server has no change stream");
                return -VG_EUNAVAILABLE;
        }
        struct event_stream *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        int64_t last = 0;
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_audit_last_seq(tx, &last);
                store_rollback(tx);
        }
        if (r < 0) {
                free(s);
                return r;
        }
        s->hub = h;
        s->conn = req->conn;
        s->role = req->who.user.role;
        s->opened = s->last_write = clock_mono();

        pthread_mutex_lock(&h->lock);
        if (h->closing || h->n_streams >= EVENTS_MAX_STREAMS) {
                bool closing = h->closing;
                pthread_mutex_unlock(&h->lock);
                free(s);
                req->retry_after = 5;
                if (closing)
                        request_detail(req, "the server is stopping");
                else
                        request_detail(req, "%d change streams are open, the most this server "
                                            "keeps; retry later", EVENTS_MAX_STREAMS);
                return -VG_EUNAVAILABLE;
        }
        /* A new stream starts at the chain's head as the store has it now
         * (the poller may be up to a poll behind). A resume point past it
         * (a store restored from a backup) or before the ring gets a reset
         * from the reader. */
        if (!resume)
                s->cursor = last;
        else
                s->cursor = since <= (last > h->head ? last : h->head) ? since : -1;
        s->alerts_sent = h->alerts_newest;
        s->next = h->streams;
        if (h->streams)
                h->streams->prev = s;
        h->streams = s;
        h->n_streams++;
        pthread_mutex_unlock(&h->lock);

        resp->status = 200;
        resp->content_type = "text/event-stream; charset=utf-8";
        resp->reader = stream_read;
        resp->reader_cls = s;
        resp->reader_free = stream_free;
        response_header_add(resp, "X-Accel-Buffering", "no");
        return 0;
}
