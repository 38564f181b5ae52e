/* Intake: bytes from monitoring turned into normalised alerts (one parser
 * per wire format), then committed by one pipeline: silences,
 * deduplication by fingerprint, grouping, and the incident each new alert
 * opens or joins. */
#pragma once

#include "core/alert.h"
#include "intake/episodes.h"
#include "intake/silence.h"
#include "store/store.h"
#include "cases/vigilance.h"

#include <jansson.h>

/* One alert as parsed; strings borrow from the request's JSON. */
struct intake_alert {
        struct labelset labels;    /* sorted */
        json_t *labels_json;       /* borrows */
        json_t *annotations;       /* borrows; may be NULL */
        const char *generator_url; /* borrows; may be NULL */
        vg_usec_t starts_at;       /* 0: now */
        vg_usec_t ends_at;         /* 0: open */
        /* Set by intake_prepare: */
        uint64_t fp;                     /* labelset_fingerprint */
        const struct alert_route *route; /* borrows: the batch's routing */
        const char *service;             /* borrows: routed service, NULL when none */
        uint64_t content;                /* hash of the annotations */
};

struct intake_batch {
        const char *source; /* borrows: static name of the door */
        size_t n;
        struct intake_alert *alerts; /* owns */
        json_t *owned;               /* owns: JSON the parser built (NULL when it borrows all) */
        const struct alert_routing *routing; /* borrows: NULL for the default route */
        const char *service;         /* borrows: the service every alert belongs to (an
                                      * integration key's), NULL to route by labels */
};

/* Fingerprint and route each alert of b (in the request's thread, before
 * it queues for the writer). intake_submit and intake_accept call it. */
void intake_prepare(struct intake_batch *b);

#define INTAKE_BATCH_MAX 10000
/* ends_at for "resolved, no time given": the pipeline uses its now. */
#define INTAKE_ENDS_NOW 1

/* The text of an Alertmanager door's body, and what the parse may take. */
struct intake_text {
        const char *p; /* borrows: len bytes (a NUL after them is not needed) */
        size_t len;
        size_t max_string; /* bytes in one string or key, as the server's limits */
        char *why;         /* set when the text is not JSON at all */
        size_t why_size;
};

/* Alertmanager API v2: POST /api/v2/alerts, a JSON array of postableAlert.
 * Text that is not JSON: -VG_EVALIDATION with t->why ("malformed JSON at
 * line 1 column 9"). Errors of shape go to fe as "[i].labels" and the
 * like. Nothing is kept on error. */
int intake_am_parse(const struct intake_text *t, struct intake_batch *ret, struct field_errors *fe);
/* Alertmanager webhook, payload version 4: {"version": "4", "status",
 * "alerts": [{"status", "labels", "annotations", "startsAt", "endsAt",
 * "generatorURL", "fingerprint"}], ...}. */
int intake_am_webhook_parse(const struct intake_text *t, struct intake_batch *ret, struct field_errors *fe);
void intake_batch_fini(struct intake_batch *b);

/* Generic JSON alerts and OCSF Detection Findings (src/intake/json.c). */
int intake_json_parse(json_t *body, struct intake_batch *ret, struct field_errors *fe);

/* PagerDuty Events API v2. */
enum pd_action { PD_TRIGGER, PD_ACK, PD_RESOLVE };
struct pd_event {
        const char *routing_key; /* borrows */
        enum pd_action action;
        const char *dedup_key;   /* borrows; NULL when the sender gave none */
        json_t *payload;         /* borrows; trigger only */
        vg_usec_t timestamp;     /* payload.timestamp, 0 when absent */
};
/* Validate an event; errors go to fe under the PagerDuty field names. */
int intake_pd_parse(json_t *body, struct pd_event *ret, struct field_errors *fe);
/* A new dedup key for a trigger that came without one (32 hex digits). */
void intake_pd_new_dedup_key(char out[33]);
/* The one-alert batch for an event of service, keyed by dedup_key. */
int intake_pd_batch(const struct pd_event *ev, const char *service, const char *dedup_key,
                    struct intake_batch *ret);

/* Syslog (src/intake/syslog.c): one message, without its transport
 * framing, into a one-alert batch. Returns 0; 1 when the message is
 * dropped on purpose (below min_severity; why says so); -VG_EVALIDATION
 * with why when it is malformed; -ENOMEM. */
struct syslog_opts {
        int min_severity;          /* 0 emerg .. 7 debug; CEF is always kept */
        vg_usec_t resolve_timeout; /* an episode ends this long after its last message */
        const char *peer;          /* the sender's address, for the record; may be NULL */
};
int intake_syslog_parse(const char *buf, size_t len, const struct syslog_opts *o, vg_usec_t now,
                        struct intake_batch *ret, char *why, size_t whylen);

/* ---- Intake sources: one row per door ----
 *
 * Every way alerts come in is a row of intake_sources: its name, how its
 * body reaches the parser, the parser, and the shape of its answer. The
 * HTTP server has one handler for all of its doors (http/intake.c: read
 * the body as the row says, parse, hand the batch to the writer, answer
 * as the row says), and the route table names the row. A new door is a
 * row here (with its parser) and a route. */

/* How a door's body reaches its parser. */
enum intake_body {
        INTAKE_BODY_TEXT,    /* the bytes as sent (the Alertmanager doors parse with cJSON) */
        INTAKE_BODY_JSON,    /* a JSON value the door parsed (jansson, with the server's limits) */
        INTAKE_BODY_MESSAGE, /* one syslog message, its transport framing removed */
};

/* What a door answers once its batch is committed. */
enum intake_reply {
        INTAKE_REPLY_EMPTY,     /* 200 with no body (Alertmanager and its webhook) */
        INTAKE_REPLY_PAGERDUTY, /* 202 {"status": "success", "message": "Event processed", "dedup_key"} */
        INTAKE_REPLY_NONE,      /* no answer: syslog counts what it drops instead */
};

struct intake_input {
        const char *p; /* borrows: TEXT and MESSAGE, len bytes */
        size_t len;
        json_t *json;               /* borrows: JSON */
        size_t max_string;          /* TEXT: bytes in one string or key */
        char *why;                  /* TEXT: why it is not JSON; MESSAGE: why dropped or malformed */
        size_t why_size;
        struct store *store;        /* borrows: for a credential carried in the body */
        const struct syslog_opts *syslog; /* borrows: MESSAGE */
        vg_usec_t now;
};

#define INTAKE_REPLY_MAX 256

struct intake_parsed {
        struct intake_batch batch;    /* owns; n == 0: nothing to commit, answer at once */
        char actor[STORE_NAME_MAX + 16]; /* the sender the body names (an integration key), "" for the door's caller */
        char service[STORE_NAME_MAX]; /* the service the body's credential is bound to, "" to route by labels */
        char reply[INTAKE_REPLY_MAX]; /* what the answer carries (PagerDuty's dedup_key) */
        bool credential_refused;      /* the body's credential is unknown or revoked: the door logs it */
};

struct intake_source {
        const char *name; /* the door, as logs and alert rows name it */
        enum intake_body body;
        /* Fill ret (zeroed by the caller) from in. Returns 0; -VG_EVALIDATION
         * with fe (or in->why) saying why; 1 for a MESSAGE dropped on
         * purpose; -ENOMEM. Nothing is kept in ret->batch on error. */
        int (*parse)(const struct intake_input *in, struct intake_parsed *ret, struct field_errors *fe);
        enum intake_reply reply;
};

enum intake_source_id {
        INTAKE_SOURCE_ALERTMANAGER, /* Alertmanager API v2: POST /api/v2/alerts */
        INTAKE_SOURCE_WEBHOOK,      /* an Alertmanager forwarding to Vigil (webhook_configs) */
        INTAKE_SOURCE_PAGERDUTY,    /* PagerDuty Events API v2 */
        INTAKE_SOURCE_JSON,         /* generic JSON alerts and OCSF Detection Findings */
        INTAKE_SOURCE_SYSLOG,       /* RFC 5424 / RFC 3164 messages, CEF payloads */
        INTAKE_SOURCE__COUNT
};
extern const struct intake_source intake_sources[INTAKE_SOURCE__COUNT];

struct intake_result {
        unsigned received;      /* alerts in the batch */
        unsigned fresh;         /* started a new episode */
        unsigned repeated;      /* deduplicated into an open episode */
        unsigned silenced;      /* new, but under a silence */
        unsigned resolved;      /* arrived already ended */
        unsigned opened;        /* incidents opened */
        unsigned joined;        /* new alerts that joined an open incident of their group */
        unsigned vigilance;     /* new alerts linked by enhanced vigilance */
        unsigned held;          /* new alerts waiting in their group (group_wait) */
        vg_usec_t wake_at;      /* earliest time a group it made waiting opens; 0: none */
};

/* Commit a batch in one transaction. A 2xx answer may be given only after
 * this returns 0. */
int intake_accept(struct store *s, const struct actor *actor, struct intake_batch *b,
                  vg_usec_t now, struct intake_result *res);

/* What the pipeline reads once per transaction: the silences and the
 * incidents under enhanced vigilance. Zero it before the first load; a
 * state loaded again keeps the compiled matchers of unchanged silences
 * (the writer keeps one state for its life). intake_state_fini frees it,
 * whether or not a load failed. */
struct intake_state {
        struct silence_set silences;
        struct vigilance_set *vigilance; /* owns */
        struct episode_cache *episodes;  /* borrows: the writer's; NULL: look every alert up */
};
int intake_state_load(struct store_tx *tx, vg_usec_t now, struct intake_state *st);
void intake_state_fini(struct intake_state *st);

/* The same as intake_accept inside a transaction the caller owns (group
 * commit), with the state loaded for that transaction. */
int intake_accept_in(struct store_tx *tx, const struct intake_state *st, const struct actor *actor,
                     const struct intake_batch *b, vg_usec_t now, struct intake_result *res);

/* Group commit: one writer thread commits the batches of many concurrent
 * requests in one transaction (each batch in its own savepoint) and one
 * fsync, then wakes them. intake_submit blocks until the batch is
 * committed (0) or refused (< 0, nothing of it kept). `vigil serve`
 * starts one beside the HTTP server and the syslog listener and hands it
 * to both (each borrows it); s must outlive it. */
struct intake_committer;
int intake_committer_new(struct store *s, struct intake_committer **ret);

/* A batch handed to the committer without waiting: the caller keeps the
 * ticket (and the batch, actor and result it points to) alive until
 * notify(arg) is called from the writer thread after the commit (or the
 * refusal); status then holds 0 or the error. notify must not block. */
struct intake_ticket {
        const struct actor *actor;
        struct intake_batch *batch;
        vg_usec_t now;
        struct intake_result *res;
        void (*notify)(void *arg);
        void *arg;
        int status;
        /* the committer's: */
        bool done;
        bool detached; /* answered already (intake_enqueue_quiet): nobody waits */
        bool prepared; /* intake_enqueue_quiet prepared the batch already */
        struct intake_ticket *next;
};
/* Prepare the batch and queue the ticket; -VG_EBUSY (and no notify) when
 * the committer is stopping. */
int intake_enqueue(struct intake_committer *c, struct intake_ticket *t);

/* Repeats answered from memory. A batch is quiet when each of its alerts
 * repeats an episode that was open when the writer last committed it,
 * with the same annotations, and leaves it open (no endsAt, or one in the
 * future): what survives a crash is already on disk, and the repeat only
 * moves endsAt, last seen and the count. intake_enqueue_quiet prepares t's
 * batch and, when it is quiet and the writer's queue of such batches has
 * room (at most INTAKE_QUIET_MAX alerts wait), queues it detached and
 * answers 1: the caller may answer 2xx at once, and notify(arg) - from
 * the writer, after its commit - is where the caller frees what t points
 * to. Otherwise 0, and nothing is queued: intake_enqueue it and wait. */
#define INTAKE_QUIET_MAX 2000
int intake_enqueue_quiet(struct intake_committer *c, struct intake_ticket *t);
/* Batches answered from memory so far, and their alerts. */
void intake_quiet_counts(struct intake_committer *c, uint64_t *batches, uint64_t *alerts);
/* Drain and end the writer: every batch already queued is committed (or
 * refused) and its owner told before this returns; batches handed over
 * afterwards are refused with -VG_EBUSY. The committer stays valid for
 * intake_enqueue/intake_submit (which then refuse) until it is freed, so
 * a door may still hold it. Idempotent. */
void intake_committer_stop(struct intake_committer *c);
/* Stop (when not yet) and free; NULL is accepted. Returns NULL. */
struct intake_committer *intake_committer_free(struct intake_committer *c);
int intake_submit(struct intake_committer *c, const struct actor *actor, struct intake_batch *b,
                  vg_usec_t now, struct intake_result *res);

/* Open the incidents of groups whose group_wait has passed at now (those
 * whose alerts all resolved or were silenced meanwhile open none). Sets
 * *opened. The committer runs it on time; tests may call it. */
int intake_groups_flush(struct store_tx *tx, const struct actor *actor, vg_usec_t now, unsigned *opened);
