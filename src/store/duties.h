/* The storage interface, continued (src/store/store.h includes this; do
 * not include it on its own): what the provider owes its tenants and the
 * regulators after an incident - tenants and their records, obligations
 * and their filings, notices and deliveries, advisories, post-mortems
 * and improvements, training records and the response plan. The same
 * contract as store.h: every call takes the caller's transaction, and a
 * row handed to a callback lives for the call only. */
#pragma once

#include "store/store.h"

/* Tenants, by their id; body is the validated JSON document. */
struct tenant_row {
        int64_t rid;
        const char *id;   /* borrows */
        const char *name; /* borrows */
        const char *body; /* borrows: JSON */
        bool needs_followup;
        int64_t version;
        vg_usec_t created_at, updated_at;
};
/* Insert or replace; *ret_changed 1 created, 2 replaced, 0 same already. */
int store_tenant_put(struct store_tx *tx, const char *id, const char *name, const char *body, vg_usec_t now,
                     int *ret_changed);
int store_tenant_get(struct store_tx *tx, const char *id, int (*cb)(const struct tenant_row *t, void *userdata),
                     void *userdata);
/* A listing of tenants: text in the id or the name (ASCII letters in
 * either case), those flagged for follow-up or not, in an order; the
 * page after the row with after_rid (0: the first page) and its sort key
 * (the id or name as after_text, or after_updated). */
#define TENANT_TEXT_MAX 200
enum tenant_sort { TENANT_SORT_ID, TENANT_SORT_NAME, TENANT_SORT_UPDATED /* changed last first */ };
enum tenant_followup { TENANT_FOLLOWUP_ANY, TENANT_FOLLOWUP_YES, TENANT_FOLLOWUP_NO };
struct tenant_filter {
        const char *text; /* borrows; NULL: any; at most TENANT_TEXT_MAX bytes */
        enum tenant_followup followup;
        enum tenant_sort sort;
        int64_t after_rid;
        const char *after_text; /* borrows */
        vg_usec_t after_updated;
};
/* limit 0: all. -E2BIG for a text longer than TENANT_TEXT_MAX. */
int store_tenant_list(struct store_tx *tx, const struct tenant_filter *f, unsigned limit,
                      int (*cb)(const struct tenant_row *t, void *userdata), void *userdata);
int store_tenant_delete(struct store_tx *tx, const char *id);

struct obligation {
        int64_t id;
        int64_t incident_id;
        char tenant[STORE_NAME_MAX]; /* "": the provider's own */
        char rule_id[48];
        char rules_version[32];
        char duty[16];
        const char *recipient;       /* borrows */
        const char *citation;        /* borrows */
        char stage[16];
        char anchor[64];
        vg_usec_t anchor_at, due_at; /* VG_TIME_UNSET (NULL stored): not started */
        char deadline_kind[8];       /* fixed, asap ("without undue delay": due_at is anchor_at) */
        vg_usec_t target_at;         /* asap: the internal target; VG_TIME_UNSET otherwise */
        char status[16];             /* open, sent, waived, withdrawn, cannot_compute */
        vg_usec_t sent_at, computed_at;
        bool due_changed;            /* set by put: new, or its due time (or target) moved */
        bool written;                /* set by put: the row was inserted or changed */
        bool cannot_compute;         /* put: the deadline could not be computed (reason says why) */
        char reason[256];            /* why it cannot be computed; "" otherwise */
};
/* What a recomputation needs of the rows there: their state, their
 * clock, and the digest of their computed columns. */
#define OBLIGATION_DIGEST_BYTES 16
#define OBLIGATION_DIGEST_HEX   (2 * OBLIGATION_DIGEST_BYTES + 1)
struct obligation_state {
        int64_t id;
        const char *tenant, *rule_id; /* borrow */
        char status[16], duty[16], deadline_kind[8];
        vg_usec_t due_at, target_at, sent_at;
        char digest[OBLIGATION_DIGEST_HEX]; /* "": written before migration 037 */
};
/* The rows of an incident (of rule_id alone unless NULL), by tenant and
 * rule (the order of their key, in the database's collation). */
int store_obligation_states(struct store_tx *tx, int64_t incident_id, const char *rule_id,
                            int (*cb)(const struct obligation_state *s, void *userdata),
                            void *userdata);
/* The state a row takes when recomputed: prior (NULL: a new row) unless
 * it was met or waived. The one rule of it; the store's UPDATE guards it
 * against another transaction's "sent" in between. */
const char *obligation_state_after(const char *prior, bool cannot_compute);
/* The row of (incident, tenant, rule) as computed in o, where prior is
 * what the row holds (NULL: none). Nothing is written when its computed
 * columns and state are as before. Sets o->id, o->status, o->due_changed
 * and o->written. -VG_ECONFLICT when prior is NULL and the row exists. */
int store_obligation_write(struct store_tx *tx, struct obligation *o,
                           const struct obligation_state *prior);
/* store_obligation_write after reading the row's prior state itself. */
int store_obligation_put(struct store_tx *tx, struct obligation *o);
/* Withdraw an open (or cannot_compute) row: no rule puts it there now. */
int store_obligation_withdraw(struct store_tx *tx, int64_t id);
int store_obligation_sent(struct store_tx *tx, int64_t id, vg_usec_t at);
int store_obligation_get(struct store_tx *tx, int64_t id, int (*cb)(const struct obligation *o, void *userdata),
                         void *userdata);
/* An incident's obligations by due time (not started last). */
int store_obligation_list(struct store_tx *tx, int64_t incident_id,
                          int (*cb)(const struct obligation *o, void *userdata), void *userdata);

struct notice {
        int64_t id;
        int64_t incident_id;
        int64_t version;
        char kind[16];                /* initial, update, final */
        const char *nature, *user_impact, *mitigation, *next_steps; /* borrows */
        vg_usec_t next_update_at;
        const char *tenants;          /* borrows: JSON array of ids */
        char composed_by[STORE_NAME_MAX];
        vg_usec_t composed_at;
        char released_by[STORE_NAME_MAX];
        vg_usec_t released_at;
        /* borrows: every severity the incident has had since composition,
         * as ",sev1,sev3," (kept by the database; read only) */
        const char *severities;
};
/* Insert with the next version of its incident (sets id and version). */
int store_notice_insert(struct store_tx *tx, struct notice *n);
int store_notice_get(struct store_tx *tx, int64_t id, int (*cb)(const struct notice *n, void *userdata),
                     void *userdata);
int store_notice_list(struct store_tx *tx, int64_t incident_id, int (*cb)(const struct notice *n, void *userdata),
                      void *userdata);
/* Mark released; -VG_ECONFLICT when it was already. */
int store_notice_release(struct store_tx *tx, int64_t id, const char *by, vg_usec_t at);

struct notice_delivery {
        int64_t id, notice_id;
        char tenant[STORE_NAME_MAX];
        char channel[16];
        const char *address; /* borrows */
        int64_t outbox_id;
        char status[16];     /* the outbox row's: pending, sent, failed */
        const char *last_result; /* borrows */
        int attempts;
};
/* -VG_ECONFLICT when (notice, tenant, channel, address) has a delivery
 * already, or its outbox message has one. */
int store_notice_delivery_add(struct store_tx *tx, struct notice_delivery *d);
/* Whether (notice, tenant, channel, address) has a delivery: 1 yes, 0 no. */
int store_notice_delivery_exists(struct store_tx *tx, int64_t notice_id, const char *tenant,
                                 const char *channel, const char *address);
int store_notice_delivery_list(struct store_tx *tx, int64_t notice_id,
                               int (*cb)(const struct notice_delivery *d, void *userdata), void *userdata);
/* The delivery an outbox message belongs to; -VG_ENOTFOUND for others. */
int store_notice_delivery_by_outbox(struct store_tx *tx, int64_t outbox_id, struct notice_delivery *ret);
/* The idempotency key of one message of a notice: "notice-" and the hex
 * BLAKE2b-256 of (incident id, tenant, notice version, channel, address),
 * each field length-prefixed, so two different recipients never share a
 * key whatever their lengths, and a re-release to the same recipient
 * finds its key taken. Also a valid Message-ID left part (dot-atom-text). */
void store_notice_key(int64_t incident_id, const char *tenant, int64_t version, const char *channel,
                      const char *address, char out[STORE_IDEM_MAX]);

/* What the check of released notices found wrong: one message of a
 * notice (tenant, channel, address set), or the notice as a whole (they
 * are ""). */
struct notice_problem {
        const char *incident;                   /* borrows: the incident's key */
        int64_t version;                        /* the notice's */
        const char *tenant, *channel, *address; /* borrow */
        const char *what;                       /* borrows: lowercase, what is wrong */
};
struct notice_verify {
        int64_t notices;  /* released notices checked */
        int64_t messages; /* their deliveries */
        int64_t problems;
};
/* Check every released notice: each of its deliveries has its own outbox
 * message (same channel and address), and it has as many deliveries as
 * its release's audit record counted messages - a recipient whose message
 * was never queued shows as a shortfall. cb (may be NULL) gets each
 * problem; its negative return stops the walk. */
int store_notice_verify(struct store *s, int (*cb)(const struct notice_problem *p, void *userdata),
                        void *userdata, struct notice_verify *ret);

/* A bounce: the tenant's contact address unverified, the tenant flagged. */
int store_tenant_bounce(struct store_tx *tx, const char *tenant, const char *address);
/* Flag a tenant for a person to follow up. */
int store_tenant_flag(struct store_tx *tx, const char *tenant);

/* The released notices that went to tenant, newest first, with the
 * tenant's acknowledgement time (0: none) in *acked (during the callback). */
int store_notice_list_for_tenant(struct store_tx *tx, const char *tenant,
                                 int (*cb)(const struct notice *n, vg_usec_t acked_at, void *userdata), void *userdata);
/* Record that tenant acknowledged notice; -VG_ENOTFOUND when the notice
 * was not released to it, -VG_ECONFLICT when acknowledged already. */
int store_notice_ack(struct store_tx *tx, int64_t notice_id, const char *tenant, const char *by, vg_usec_t at);
/* A notice's acknowledgements by the tenants' administrators, oldest first. */
struct notice_ack {
        char tenant[STORE_NAME_MAX];
        char by[STORE_NAME_MAX];
        vg_usec_t at;
};
int store_notice_ack_list(struct store_tx *tx, int64_t notice_id,
                          int (*cb)(const struct notice_ack *a, void *userdata), void *userdata);

struct advisory {
        int64_t id;
        char service[STORE_NAME_MAX];
        char state[16];
        const char *message; /* borrows */
        char posted_by[STORE_NAME_MAX];
        vg_usec_t posted_at;
        int64_t incident_id;  /* 0: about no incident */
        char incident[32];    /* posting: the key the poster named ("" for none); not read back */
};
int store_advisory_add(struct store_tx *tx, struct advisory *a);
/* Every advisory about incident from is then about to; the count moved. */
int store_advisories_move(struct store_tx *tx, int64_t from, int64_t to);
/* The advisories about incident_id, newest first. */
int store_advisory_list_incident(struct store_tx *tx, int64_t incident_id,
                                 int (*cb)(const struct advisory *, void *), void *userdata);
/* Newest first; latest_only: the newest per service. */
int store_advisory_list(struct store_tx *tx, bool latest_only, unsigned limit,
                        int (*cb)(const struct advisory *a, void *userdata), void *userdata);

/* An open obligation of the provider's set aside with a reason (it does not
 * apply after all); -VG_ECONFLICT unless it is open. */
int store_obligation_waive(struct store_tx *tx, int64_t id, const char *reason, vg_usec_t at);
/* A listing of obligations across incidents: by status (NULL: any),
 * incident (0: any), tenant ("" the provider's own; NULL: any), rule,
 * text in the rule, the tenant or the recipient (ASCII letters in either
 * case); soonest due first (a clock not started last), or latest first;
 * the page after the row with after_id (0: the first page) and its due
 * time after_due (VG_TIME_UNSET: not started). -E2BIG for a text longer
 * than OBLIGATION_TEXT_MAX. */
#define OBLIGATION_TEXT_MAX 200
struct obligation_filter {
        const char *status, *tenant, *rule, *text; /* borrow */
        int64_t incident_id;
        bool latest_first;
        int64_t after_id;
        vg_usec_t after_due;
};
int store_obligation_due(struct store_tx *tx, const struct obligation_filter *f, unsigned limit,
                         int (*cb)(const struct obligation *o, void *userdata), void *userdata);
/* How many of one incident's obligations (f->incident_id, which must be
 * set) pass f's filters, by rule and status (the cursor is not read). */
int store_obligation_tally(struct store_tx *tx, const struct obligation_filter *f,
                           int (*cb)(const char *rule_id, const char *status, int64_t n,
                                     void *userdata),
                           void *userdata);
/* A tenant's earliest open obligation of an incident with a due time:
 * its effective deadline. cb is not called when it has none. */
int store_obligation_earliest(struct store_tx *tx, int64_t incident_id, const char *tenant,
                              int (*cb)(const struct obligation *o, void *userdata),
                              void *userdata);
/* Obligations of the provider's (duty provider) still open: what keeps an
 * incident from leaving post_incident. */
int store_obligation_count_open(struct store_tx *tx, int64_t incident_id, unsigned *ret);

/* A filing of an obligation, or a correction of its sent time (src/store/
 * filings.c, migration 032): rows are only added, never changed. */
struct filing {
        int64_t id;
        int64_t obligation_id;
        char kind[16];                /* filed, correction */
        vg_usec_t at;                 /* when it went out (correction: the corrected time) */
        vg_usec_t previous_at;        /* correction: the time it replaces; else VG_TIME_UNSET */
        char by[STORE_NAME_MAX];      /* the actor who recorded it */
        char channel[16];             /* portal, email, letter, phone, other; "" unsaid */
        const char *reference;        /* borrows; "" none */
        const char *note;             /* borrows; "" none */
        const char *reason;           /* borrows; a correction's reason, "" otherwise */
        const char *attachment_name;  /* borrows; NULL: no attachment */
        const char *attachment_type;  /* borrows */
        char attachment_sha256[65];   /* hex */
        int64_t attachment_size;
        const void *attachment;       /* borrows: the bytes (add; get only) */
        vg_usec_t recorded_at;
};
/* Add f (f->attachment with f->attachment_size bytes when
 * f->attachment_name is not NULL); sets f->id. */
int store_filing_add(struct store_tx *tx, struct filing *f);
/* The filings of incident_id's obligations (obligation_id 0: of all of
 * them), by obligation then in the order recorded; without the bytes. */
int store_filing_list(struct store_tx *tx, int64_t incident_id, int64_t obligation_id,
                      int (*cb)(const struct filing *f, void *userdata), void *userdata);
/* Filing id of one of incident_id's obligations, with its attachment's
 * bytes; -VG_ENOTFOUND when there is none or it has no attachment. */
int store_filing_attachment_get(struct store_tx *tx, int64_t incident_id, int64_t id,
                                int (*cb)(const struct filing *f, void *userdata), void *userdata);
/* Move sent obligation id's sent_at to at; -VG_ECONFLICT unless it is sent. */
int store_obligation_sent_correct(struct store_tx *tx, int64_t id, vg_usec_t at);

/* An incident's post-mortem. */
struct postmortem {
        int64_t incident_id;
        const char *body; /* borrows: JSON {summary, impact, narrative, went_well, factors} */
        char status[16];  /* draft, in_review, approved */
        char updated_by[STORE_NAME_MAX];
        vg_usec_t created_at, updated_at;
        char approved_by[STORE_NAME_MAX];
        vg_usec_t approved_at;
        int64_t version;  /* 1 on creation, + 1 on each put */
};
/* -VG_ENOTFOUND when the incident has none. */
int store_postmortem_get(struct store_tx *tx, int64_t incident_id, int (*cb)(const struct postmortem *p, void *userdata),
                         void *userdata);
/* Insert or replace (sets version). */
int store_postmortem_put(struct store_tx *tx, struct postmortem *p);

struct improvement {
        int64_t id, incident_id;
        char factor[16];
        const char *title;        /* borrows */
        char owner[STORE_NAME_MAX];
        char kind[16];            /* prevent, detect, respond */
        vg_usec_t due_at;
        char status[16];          /* open, in_progress, done */
        const char *verification; /* borrows: "" until done */
        vg_usec_t done_at;
        char created_by[STORE_NAME_MAX];
        vg_usec_t created_at, updated_at;
};
struct improvement_filter {
        int64_t incident_id; /* 0: any */
        const char *owner;   /* NULL: any */
        const char *status;  /* NULL: any; "undone": open or in progress */
        vg_usec_t due_before; /* 0: any; else due_at < this */
};
int store_improvement_add(struct store_tx *tx, struct improvement *i);
int store_improvement_get(struct store_tx *tx, int64_t id, int (*cb)(const struct improvement *i, void *userdata),
                          void *userdata);
int store_improvement_update(struct store_tx *tx, const struct improvement *i);
/* By due time, then id. */
int store_improvement_list(struct store_tx *tx, const struct improvement_filter *f,
                           int (*cb)(const struct improvement *i, void *userdata), void *userdata);

/* Training records (IR-2). */
struct training_record {
        int64_t id;
        char user[STORE_NAME_MAX];
        const char *course;   /* borrows */
        vg_usec_t completed_at;
        const char *evidence; /* borrows: "" or a reference (certificate id, LMS link) */
        char recorded_by[STORE_NAME_MAX];
        vg_usec_t recorded_at;
};
int store_training_add(struct store_tx *tx, struct training_record *t);
/* user NULL: everyone's; newest completion first. */
int store_training_list(struct store_tx *tx, const char *user,
                        int (*cb)(const struct training_record *t, void *userdata), void *userdata);

/* Versions of the incident response plan (IR-8). */
struct plan_version {
        int64_t version;
        const char *body;   /* borrows: Markdown */
        char digest[2 * STORE_HASH_BYTES + 1];
        char created_by[STORE_NAME_MAX];
        vg_usec_t created_at;
};
/* Sets p->version to the next one. */
int store_plan_add(struct store_tx *tx, struct plan_version *p);
/* version 0: the latest; -VG_ENOTFOUND when there is none. */
int store_plan_get(struct store_tx *tx, int64_t version, int (*cb)(const struct plan_version *p, void *userdata),
                   void *userdata);
/* Newest first, without bodies (body is ""). */
int store_plan_list(struct store_tx *tx, int (*cb)(const struct plan_version *p, void *userdata), void *userdata);
