/* The storage interface: the only way the rest of Vigil reaches its data.
 *
 * A struct store is opened once per process from a URL ("sqlite:PATH") and
 * is safe to share between threads: each thread gets its own connection
 * behind it. Work happens in transactions. Every change of state appends an
 * audit record in the same transaction (store_audit_append), so a committed
 * change always has its record and a rolled-back one never does.
 *
 * Nothing in this header is specific to one backend.
 *
 * Errors: -VG_ENOTFOUND, -VG_ECONFLICT (unique key), -VG_EBUSY (locked past
 * the busy timeout), -VG_ESTORE (anything else), -ENOMEM. */
#pragma once

#include "core/incident.h"
#include "core/role.h"
#include "core/rules.h"
#include "core/vigilance.h"
#include "core/vtime.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_tx;

#define STORE_NAME_MAX 65
#define STORE_HASH_BYTES 32

struct user {
        int64_t id;
        char name[STORE_NAME_MAX];
        enum role role;
        char tenant[STORE_NAME_MAX]; /* "" unless role is tenant_admin */
        char password_hash[128];     /* argon2id string; never leaves the server */
        bool disabled;
        vg_usec_t created_at;
        vg_usec_t updated_at;
        /* How to reach them (pages): */
        char email[256];
        char phone[32];
        char time_zone[64];          /* IANA name; "UTC" by default */
        char contacts[2048];         /* JSON array of {type: email|webhook|sms, address} */
};

struct session {
        int64_t id;
        int64_t user_id;
        uint8_t token_hash[STORE_HASH_BYTES];
        vg_usec_t created_at;
        vg_usec_t last_seen;
        vg_usec_t expires_at; /* absolute expiry */
};

struct api_token {
        int64_t id;
        int64_t user_id;
        char name[STORE_NAME_MAX];
        char prefix[16]; /* first characters of the secret, for recognition */
        uint8_t token_hash[STORE_HASH_BYTES];
        vg_usec_t created_at;
        vg_usec_t expires_at; /* 0: never */
        vg_usec_t revoked_at; /* 0: live */
        vg_usec_t last_used;  /* 0: never */
};

#define INCIDENT_KEY_MAX 20
#define INCIDENT_TITLE_MAX 200
#define INCIDENT_TEXT_MAX 65536
#define INCIDENT_SERVICES_MAX 64

struct incident {
        int64_t id;
        char key[INCIDENT_KEY_MAX];
        char title[INCIDENT_TITLE_MAX + 1];
        char *description; /* owns; incident_fini frees */
        enum severity severity;
        enum incident_source source;
        char reporter[STORE_NAME_MAX];
        enum incident_phase phase;
        enum incident_class classification;
        struct cia_impact impact;
        data_mask_t data_categories;
        int64_t version;
        char declared_by[STORE_NAME_MAX];
        char *declaration; /* owns: JSON {criteria, triggers}, "" until declared */
        char *root_cause;  /* owns: "" until recorded */
        vg_usec_t vigilance_until; /* VG_TIME_UNSET: no watch window */
        /* acknowledged_at .. closed_at and vigilance_until are VG_TIME_UNSET
         * until they happen: SQL NULL in storage (migration 024). */
        vg_usec_t detected_at, reported_at, acknowledged_at, declared_at, contained_at,
                eradicated_at, recovered_at, closed_at, created_at, updated_at;
};

/* The orders of an incident listing; each ties on the id, newest first
 * (oldest first for INCIDENT_SORT_OLDEST). */
enum incident_sort {
        INCIDENT_SORT_NEWEST,   /* id descending */
        INCIDENT_SORT_OLDEST,   /* id ascending */
        INCIDENT_SORT_UPDATED,  /* changed last first */
        INCIDENT_SORT_SEVERITY, /* sev1 first */
};

#define INCIDENT_SEARCH_MAX 200
enum incident_state { INCIDENT_STATE_ANY, INCIDENT_STATE_OPEN, INCIDENT_STATE_CLOSED };

struct incident_filter {
        enum incident_phase phase;          /* PHASE__INVALID: any */
        enum incident_class classification; /* CLASS__INVALID: any */
        enum severity severity;             /* SEV__INVALID: any */
        const char *service;                /* borrows; NULL: any */
        const char *text;                   /* borrows; NULL: any; in title or description, ASCII
                                             * letters in either case; at most INCIDENT_SEARCH_MAX */
        const char *tenant;                 /* borrows; NULL: any; in scope with any status */
        vg_usec_t declared_from;            /* 0: no bound; declared_at >= this */
        vg_usec_t declared_to;              /* 0: no bound; declared_at < this */
        enum incident_state state;          /* open (not closed) or closed; 0: either */
        enum incident_sort sort;            /* the order; 0: newest first */
        /* Where the page starts, in the orders keyed on more than the id
         * (with store_incident_list's before_id): the row's updated_at
         * (INCIDENT_SORT_UPDATED) or severity (INCIDENT_SORT_SEVERITY). */
        vg_usec_t after_updated;
        enum severity after_severity;
};

struct scope_tenant {
        char tenant[STORE_NAME_MAX];
        enum tenant_status status;
        const char *evidence; /* borrows: valid during a callback, or the caller's */
        int64_t affected_users;
        data_mask_t data_categories;
};

#define TASK_TITLE_MAX 200

struct task {
        int64_t id;
        int64_t incident_id;
        enum incident_phase phase;
        char title[TASK_TITLE_MAX + 1];
        char owner[STORE_NAME_MAX];
        vg_usec_t due_at; /* 0: none */
        enum task_status status;
        bool business_impact;
        vg_usec_t created_at, updated_at;
        /* The approval, for business-impact tasks (approval_status is
         * APPROVAL__INVALID when there is none). */
        enum approval_status approval_status;
        char requested_by[STORE_NAME_MAX];
        vg_usec_t requested_at;
        char decided_by[STORE_NAME_MAX];
        vg_usec_t decided_at;
        char comment[1025];
};

#define RECOVERY_FIELD_MAX 256

struct recovery_asset {
        char asset[STORE_NAME_MAX];
        char snapshot[RECOVERY_FIELD_MAX];
        char build[RECOVERY_FIELD_MAX];
        char config_hash[RECOVERY_FIELD_MAX];
        const char *restore_actions; /* borrows */
        char recorded_by[STORE_NAME_MAX];
        vg_usec_t recorded_at;
};

enum check_result { CHECK_PENDING, CHECK_PASS, CHECK_FAIL };

struct recovery_check {
        int64_t id;
        int64_t incident_id;
        char asset[STORE_NAME_MAX];
        char name[RECOVERY_FIELD_MAX];
        enum check_result result;
        char detail[1025];
        char checked_by[STORE_NAME_MAX];
        vg_usec_t checked_at;
        vg_usec_t created_at;
};

struct anchor_setting {
        int64_t id;
        enum anchor anchor;
        vg_usec_t at;
        const char *reason; /* borrows */
        char set_by[STORE_NAME_MAX];
        vg_usec_t set_at;
};

/* An alert as stored. Text fields marked borrows point into the caller's
 * data on the way in and into the row during a callback on the way out. */
struct alert_row {
        int64_t id;
        char fingerprint[17];
        const char *labels;        /* borrows: JSON object, sorted keys */
        json_t *labels_obj;        /* borrows: on the way in, serialised only when a new episode starts */
        const char *annotations;   /* borrows: JSON object */
        char source[16];
        char service[STORE_NAME_MAX];
        char severity[32];
        const char *summary;       /* borrows */
        const char *generator_url; /* borrows */
        vg_usec_t starts_at, ends_at, updated_at;
        int64_t received;
        char silenced_by[40];
        int64_t incident_id;       /* 0: none */
        const char *group_key;     /* borrows */
        char incident_key[32];     /* store_alert_list only: "" when none */
};

struct silence_row {
        char id[40];
        const char *matchers; /* borrows: JSON array */
        vg_usec_t starts_at, ends_at, updated_at;
        char created_by[STORE_NAME_MAX];
        const char *comment;  /* borrows */
};

struct integration_key {
        int64_t id;
        char service[STORE_NAME_MAX];
        char name[STORE_NAME_MAX];
        char prefix[16];
        uint8_t key_hash[STORE_HASH_BYTES];
        char created_by[STORE_NAME_MAX];
        vg_usec_t created_at;
        vg_usec_t revoked_at; /* 0: live */
};

void incident_fini(struct incident *inc);

/* Who made a change. */
struct actor {
        int64_t user_id; /* 0 for the system or an offline CLI */
        const char *name;       /* borrows: "alice", "system", "cli" */
        const char *request_id; /* borrows: may be NULL */
};

/* One link of the audit chain as stored. */
struct audit_record {
        int64_t seq;
        vg_usec_t at;
        char actor[STORE_NAME_MAX + 8];
        char action[64];
        char object[128];
        char request_id[40];
        const char *change; /* borrows: JSON text, valid during the callback only */
        uint8_t digest[STORE_HASH_BYTES];
        uint8_t prev_hash[STORE_HASH_BYTES];
        uint8_t hash[STORE_HASH_BYTES];
};

struct audit_verify {
        bool ok;
        int64_t records;       /* links walked */
        int64_t first_bad_seq; /* 0 when ok */
        char reason[128];      /* why the first bad link is bad */
        char head_hash[2 * STORE_HASH_BYTES + 1]; /* hex hash of the last link */
};

/* Open (creating when absent) and migrate. err gets a message on failure. */
int store_open(const char *url, struct store **ret, char *err, size_t errlen);
/* The store URL as it may be shown (logs, /metrics): a password in it
 * (postgresql://user:secret@host/db, or password=... in its query) as
 * "***". */
void store_url_shown(const char *url, char *buf, size_t size);
/* Work another node queued: wake(arg) is called, from a thread of the
 * store's, each time any node commits a new job (on PostgreSQL through
 * LISTEN/NOTIFY, on a connection of its own), and once after that
 * connection is made again, since a signal may have been missed; until
 * store_unwatch or store_close. -EOPNOTSUPP on a backend with no such
 * signal (SQLite: its nodes poll). One watcher per store. */
int store_watch(struct store *s, void (*wake)(void *arg), void *arg);
void store_unwatch(struct store *s);
/* How many wake-ups arrived (0 without a watcher). */
uint64_t store_watch_wakes(struct store *s);
/* The backend's name: "sqlite", "postgresql". */
const char *store_backend(const struct store *s);
/* Close every connection. Call after all threads using it are done. NULL ok. */
struct store *store_close(struct store *s);
/* Reachable and usable: a trivial read on this thread's connection. */
int store_ping(struct store *s);
/* Highest schema version applied. */
int store_schema_version(struct store *s, int *ret);

/* Transactions. A write transaction takes the write lock at once so that
 * writers never deadlock upgrading. commit and rollback free the tx; on a
 * failed commit the tx is rolled back and freed too. rollback accepts NULL. */
int store_begin(struct store *s, struct store_tx **ret);
int store_begin_read(struct store *s, struct store_tx **ret);
int store_commit(struct store_tx *tx);
void store_rollback(struct store_tx *tx);
/* End a write: commit when r >= 0, else roll back. Returns r, or the
 * commit's error. Either way tx is freed. */
int store_finish(struct store_tx *tx, int r);

/* Savepoints inside a write transaction: work between savepoint_begin and
 * savepoint_end(ok=false) is undone, the rest of the transaction kept. */
int store_savepoint_begin(struct store_tx *tx);
int store_savepoint_end(struct store_tx *tx, bool ok);

/* Failed sign-ins per slot (0..STORE_SIGN_IN_SLOTS-1, a key's hash):
 * the window's start and its failures (0, 0 for none yet). */
#define STORE_SIGN_IN_SLOTS 4096
int store_sign_in_failures(struct store_tx *tx, int slot, vg_usec_t *ret_window_start, unsigned *ret_failures);
/* One more failure at now; a window (usec) that has ended starts again. */
int store_sign_in_fail(struct store_tx *tx, int slot, vg_usec_t now, vg_usec_t window);
int store_sign_in_clear(struct store_tx *tx, int slot);

/* Users. insert sets u->id. */
int store_user_insert(struct store_tx *tx, struct user *u);
int store_user_get(struct store_tx *tx, int64_t id, struct user *ret);
int store_user_get_by_name(struct store_tx *tx, const char *name, struct user *ret);
int store_user_update(struct store_tx *tx, const struct user *u);
/* Users with id > after_id in id order, at most limit; cb returning < 0 stops. */
int store_user_list(struct store_tx *tx, int64_t after_id, unsigned limit,
                    int (*cb)(const struct user *u, void *userdata), void *userdata);
int store_user_count(struct store_tx *tx, int64_t *ret);

/* Sessions. */
int store_session_insert(struct store_tx *tx, struct session *s);
int store_session_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                              struct session *ret);
int store_session_touch(struct store_tx *tx, int64_t id, vg_usec_t now);
int store_session_delete(struct store_tx *tx, int64_t id);
/* Delete every session of a user (password change, disable). */
int store_session_delete_for_user(struct store_tx *tx, int64_t user_id);
int store_session_delete_expired(struct store_tx *tx, vg_usec_t idle_before, vg_usec_t now);

/* API tokens. */
int store_token_insert(struct store_tx *tx, struct api_token *t);
int store_token_get(struct store_tx *tx, int64_t id, struct api_token *ret);
int store_token_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                            struct api_token *ret);
int store_token_revoke(struct store_tx *tx, int64_t id, vg_usec_t now);
/* Revoke every live token of user_id but except_id (0: none); returns how
 * many. */
int store_token_revoke_for_user(struct store_tx *tx, int64_t user_id, int64_t except_id,
                                vg_usec_t now);
int store_token_touch(struct store_tx *tx, int64_t id, vg_usec_t now);
/* Tokens of user_id (all users when user_id is 0), id > after_id. */
int store_token_list(struct store_tx *tx, int64_t user_id, int64_t after_id, unsigned limit,
                     int (*cb)(const struct api_token *t, void *userdata), void *userdata);

/* Incidents. insert assigns id and the next gap-free key of the year of
 * inc->created_at (the write transaction serialises key assignment).
 * update writes every field when the stored version is expect_version and
 * bumps inc->version; -VG_EPRECONDITION when another write came first. */
int store_incident_insert(struct store_tx *tx, struct incident *inc);
int store_incident_get(struct store_tx *tx, const char *key, struct incident *ret);
int store_incident_get_by_id(struct store_tx *tx, int64_t id, struct incident *ret);
int store_incident_update(struct store_tx *tx, struct incident *inc, int64_t expect_version);
/* In f's order (newest first by default), at most limit, the page after
 * the row with id before_id (0: the first page) and f's after_* key. */
int store_incident_list(struct store_tx *tx, const struct incident_filter *f, int64_t before_id,
                        unsigned limit, int (*cb)(const struct incident *inc, void *userdata),
                        void *userdata);
/* Replace the affected services (sorted, unique). */
int store_incident_services_set(struct store_tx *tx, int64_t incident_id,
                                const char *const *services, size_t n);
int store_incident_services_list(struct store_tx *tx, int64_t incident_id,
                                 int (*cb)(const char *service, void *userdata), void *userdata);

/* Tenant and indicator scope: set replaces the whole list. */
int store_incident_tenants_set(struct store_tx *tx, int64_t incident_id,
                               const struct scope_tenant *tenants, size_t n);
int store_incident_tenants_list(struct store_tx *tx, int64_t incident_id,
                                int (*cb)(const struct scope_tenant *t, void *userdata), void *userdata);
/* The same rows, each with its tenant's record (body: the JSON document;
 * NULL when the tenant has none), in one read. */
int store_incident_tenant_records(struct store_tx *tx, int64_t incident_id,
                                  int (*cb)(const struct scope_tenant *t, const char *body,
                                            void *userdata),
                                  void *userdata);
/* One tenant's row of a scope: put inserts or replaces it (the others
 * stay as they are); delete answers -VG_ENOTFOUND when it is not in
 * scope; get hands it to cb, -VG_ENOTFOUND when there is none. */
int store_incident_tenant_put(struct store_tx *tx, int64_t incident_id, const struct scope_tenant *t);
int store_incident_tenant_delete(struct store_tx *tx, int64_t incident_id, const char *tenant);
int store_incident_tenant_get(struct store_tx *tx, int64_t incident_id, const char *tenant,
                              int (*cb)(const struct scope_tenant *t, void *userdata), void *userdata);
int store_incident_indicators_set(struct store_tx *tx, int64_t incident_id,
                                  const struct indicator *indicators, size_t n);
int store_incident_indicators_list(struct store_tx *tx, int64_t incident_id,
                                   int (*cb)(const struct indicator *ind, void *userdata), void *userdata);
/* How many affected people live where (the rules' thresholds): set
 * replaces the whole map (codes unique); list walks it by code. */
int store_incident_residents_set(struct store_tx *tx, int64_t incident_id, const struct resident_count *counts,
                                 size_t n);
int store_incident_residents_list(struct store_tx *tx, int64_t incident_id,
                                  int (*cb)(const struct resident_count *c, void *userdata), void *userdata);

/* Tasks. insert sets t->id; update writes title, owner, due, status;
 * get and list fill the approval fields too. */
int store_task_insert(struct store_tx *tx, struct task *t);
int store_task_get(struct store_tx *tx, int64_t incident_id, int64_t task_id, struct task *ret);
int store_task_update(struct store_tx *tx, const struct task *t);
int store_task_list(struct store_tx *tx, int64_t incident_id,
                    int (*cb)(const struct task *t, void *userdata), void *userdata);
/* Create or replace the approval of a task from t's approval fields. */
int store_approval_put(struct store_tx *tx, const struct task *t);

/* Recovery: put replaces an asset's record; checks are added, then given
 * a result. */
int store_recovery_asset_put(struct store_tx *tx, int64_t incident_id, const struct recovery_asset *a);
int store_recovery_asset_list(struct store_tx *tx, int64_t incident_id,
                              int (*cb)(const struct recovery_asset *a, void *userdata), void *userdata);
int store_recovery_check_insert(struct store_tx *tx, struct recovery_check *c);
int store_recovery_check_get(struct store_tx *tx, int64_t incident_id, int64_t id, struct recovery_check *ret);
int store_recovery_check_update(struct store_tx *tx, const struct recovery_check *c);
int store_recovery_check_list(struct store_tx *tx, int64_t incident_id,
                              int (*cb)(const struct recovery_check *c, void *userdata), void *userdata);

/* Anchor settings: append one; list every one, oldest first (the newest
 * per anchor is in force). */
int store_anchor_append(struct store_tx *tx, int64_t incident_id, const struct anchor_setting *a);
int store_anchor_list(struct store_tx *tx, int64_t incident_id,
                      int (*cb)(const struct anchor_setting *a, void *userdata), void *userdata);

/* The time of the n-th most recent (n >= 1) customer-sourced incident
 * created after since, reported by reporter, or (reporter NULL) by any
 * user of tenant: 1 and *ret_at when there are n or more, else 0. */
int store_customer_report_nth(struct store_tx *tx, const char *reporter, const char *tenant,
                              vg_usec_t since, unsigned n, vg_usec_t *ret_at);

/* Incidents whose vigilance window is open at now. */
int store_vigilance_list(struct store_tx *tx, vg_usec_t now,
                         int (*cb)(const struct incident *inc, void *userdata), void *userdata);

struct alert_link {
        int64_t id;
        char alert[200];
        const char *reason; /* borrows */
        bool vigilance;
        char linked_by[STORE_NAME_MAX];
        vg_usec_t linked_at;
};
/* Link an alert to an incident; -VG_ECONFLICT when it is linked already. */
int store_alert_link(struct store_tx *tx, int64_t incident_id, struct alert_link *l);
int store_alert_link_list(struct store_tx *tx, int64_t incident_id,
                          int (*cb)(const struct alert_link *l, void *userdata), void *userdata);

/* Alerts: one row per episode (a fingerprint from first firing to its
 * end), the counters that change on every repeat kept apart.
 *
 * last: the newest episode of fingerprint (its id and ends_at, 0 while
 * open); -VG_ENOTFOUND when there is none. insert: a new episode, setting
 * a->id (labels serialised from labels_obj when labels is NULL). seen: a
 * repeat - received + times, ends_at and updated_at. content: new
 * annotations and summary for an episode. */
int store_alert_last(struct store_tx *tx, const char *fingerprint, int64_t *ret_id, vg_usec_t *ret_ends_at);
int store_alert_insert(struct store_tx *tx, struct alert_row *a);
int store_alert_seen(struct store_tx *tx, int64_t id, int64_t times, vg_usec_t ends_at, vg_usec_t updated_at);
int store_alert_content(struct store_tx *tx, int64_t id, const char *annotations, const char *summary);
/* A listing of alerts: firing at now (ends_at 0 or later) or resolved,
 * by service, severity, incident (0: any), linked to an incident or not,
 * with text in the summary, the fingerprint or the labels (ASCII letters
 * in either case); newest first or oldest; the page after the row with
 * after_id (0: the first page). Each row's incident_key is set ("" when
 * none). -E2BIG for a text longer than ALERT_TEXT_MAX. */
#define ALERT_TEXT_MAX 200
enum alert_firing { ALERT_FIRING_ANY, ALERT_FIRING_YES, ALERT_FIRING_NO };
enum alert_linked { ALERT_LINKED_ANY, ALERT_LINKED_YES, ALERT_LINKED_NO };
struct alert_filter {
        enum alert_firing firing;
        vg_usec_t now;
        const char *service, *severity, *text; /* borrow; NULL: any */
        int64_t incident_id;
        enum alert_linked linked;
        bool oldest_first;
        int64_t after_id;
};
int store_alert_list(struct store_tx *tx, const struct alert_filter *f, unsigned limit,
                     int (*cb)(const struct alert_row *a, void *userdata), void *userdata);
/* The alerts that joined incident_id, newest first, at most limit: the
 * listing above filtered on the incident (index alerts_incident). */
int store_alert_list_incident(struct store_tx *tx, int64_t incident_id, unsigned limit,
                              int (*cb)(const struct alert_row *a, void *userdata), void *userdata);
int store_alert_set_incident(struct store_tx *tx, int64_t alert_id, int64_t incident_id);
/* The newest episode of fingerprint, when it belongs to no incident,
 * becomes incident_id's (its repeats then join it): 1 when it did, 0 when
 * there is none or it has an incident already. */
int store_alert_adopt(struct store_tx *tx, const char *fingerprint, int64_t incident_id);
/* The id of the newest alert row (0 when there is none): what the change
 * stream watches to tell consoles that alerts arrived. */
int store_alert_newest(struct store_tx *tx, int64_t *ret);

/* A group of alerts as routing makes it, and the incident it opened. */
struct alert_group {
        const char *key;         /* borrows */
        char service[STORE_NAME_MAX];
        int64_t incident_id;     /* 0: none (yet) */
        char incident_key[INCIDENT_KEY_MAX];
        bool incident_open;      /* the incident is not closed */
        vg_usec_t opens_at;      /* > 0: waiting for more alerts until then */
        vg_usec_t last_alert_at; /* the newest alert that joined */
};
/* -VG_ENOTFOUND when the group was never seen. */
int store_alert_group_get(struct store_tx *tx, const char *key, struct alert_group *ret);
/* Insert or replace by key (incident_key and incident_open are not stored). */
int store_alert_group_put(struct store_tx *tx, const struct alert_group *g);
/* Waiting groups whose time has come (0 < opens_at <= now), oldest first. */
int store_alert_group_due(struct store_tx *tx, vg_usec_t now,
                          int (*cb)(const struct alert_group *g, void *userdata), void *userdata);
/* The earliest opens_at of a waiting group; 0 when none waits. */
int store_alert_group_next(struct store_tx *tx, vg_usec_t *ret);
/* The alerts of a group that wait for its incident: not linked, not
 * silenced, firing at now; oldest first. */
int store_alert_group_members(struct store_tx *tx, const char *key, vg_usec_t now,
                              int (*cb)(const struct alert_row *a, void *userdata), void *userdata);

/* The organisation as documents (teams, services, schedules, escalation
 * policies): JSON bodies by kind and name, versioned. */
struct org_object {
        const char *kind;      /* borrows */
        const char *name;      /* borrows */
        const char *body;      /* borrows: JSON */
        int64_t version;
        vg_usec_t created_at, updated_at;
};
int store_org_get(struct store_tx *tx, const char *kind, const char *name,
                  int (*cb)(const struct org_object *o, void *userdata), void *userdata);
/* Insert, or replace when the body differs (version + 1). *ret_changed:
 * 1 created, 2 replaced, 0 the same body was there already. */
int store_org_put(struct store_tx *tx, const char *kind, const char *name, const char *body, vg_usec_t now,
                  int64_t *ret_version, int *ret_changed);
int store_org_delete(struct store_tx *tx, const char *kind, const char *name);
int store_org_list(struct store_tx *tx, const char *kind, int (*cb)(const struct org_object *o, void *userdata),
                   void *userdata);

struct schedule_override {
        int64_t id;
        char schedule[STORE_NAME_MAX];
        char user[STORE_NAME_MAX];
        vg_usec_t starts_at, ends_at;
        const char *reason;    /* borrows */
        char created_by[STORE_NAME_MAX];
        vg_usec_t created_at;
};
int store_override_insert(struct store_tx *tx, struct schedule_override *o);
int store_override_delete(struct store_tx *tx, const char *schedule, int64_t id);
/* Override id of schedule, to cb (its reason borrowed for the call);
 * -VG_ENOTFOUND when there is none. */
int store_override_get(struct store_tx *tx, const char *schedule, int64_t id,
                       int (*cb)(const struct schedule_override *o, void *userdata),
                       void *userdata);
/* The overrides of schedule that overlap [from, to), by start. */
int store_override_list(struct store_tx *tx, const char *schedule, vg_usec_t from, vg_usec_t to,
                        int (*cb)(const struct schedule_override *o, void *userdata), void *userdata);

/* Durable jobs: claimed with a lease, so no two workers run one at once;
 * finished or retried only by the lease's owner. */
struct job {
        int64_t id;
        char kind[32];
        const char *payload; /* borrows: JSON */
        vg_usec_t due_at;
        int attempts;        /* including this one */
};
int store_job_add(struct store_tx *tx, const char *kind, const char *payload, vg_usec_t due_at, int64_t *ret_id);
/* Queue the start of an incident's escalations for trigger ("opened" -
 * done by store_incident_insert itself - or "declared"). */
int store_escalation_trigger(struct store_tx *tx, const char *key, const char *trigger, vg_usec_t at);
#define STORE_JOB_KINDS_MAX 8
/* Lease up to limit due jobs (not done, due_at <= now, no live lease) of
 * the given kinds (at most STORE_JOB_KINDS_MAX) to owner until
 * lease_until; cb sees each (strings valid during the call). */
int store_job_claim(struct store_tx *tx, const char *owner, vg_usec_t now, vg_usec_t lease_until,
                    const char *const *kinds, size_t n_kinds, unsigned limit,
                    int (*cb)(const struct job *j, void *userdata), void *userdata);
/* One claim of a job: its owner and fencing number (the job's attempts
 * after the claim). */
struct job_lease {
        int64_t id;
        const char *owner; /* borrows */
        int fence;
};
/* -VG_ECONFLICT when the lease is no longer held - it ran out, or another
 * worker took the job (a later claim) - so the caller's work in the same
 * transaction must be rolled back. */
int store_job_finish(struct store_tx *tx, const struct job_lease *l, vg_usec_t now);
int store_job_retry(struct store_tx *tx, const struct job_lease *l, vg_usec_t now, vg_usec_t due_at,
                    const char *error);
/* The earliest due time of a job not done; 0 when none. */
int store_job_next_due(struct store_tx *tx, vg_usec_t *ret);

struct escalation {
        int64_t id;
        int64_t incident_id;
        char service[STORE_NAME_MAX];
        char policy[STORE_NAME_MAX];
        char trigger[16];    /* opened, declared */
        char state[16];      /* active, acknowledged, exhausted */
        int level, round;    /* the level paged last (1-based), the round of the policy */
        vg_usec_t started_at, acked_at;
        char acked_by[STORE_NAME_MAX];
};
/* -VG_ECONFLICT when the incident already has one for service and trigger. */
int store_escalation_add(struct store_tx *tx, struct escalation *e);
int store_escalation_get(struct store_tx *tx, int64_t id, struct escalation *ret);
int store_escalation_update(struct store_tx *tx, const struct escalation *e);
int store_escalation_list(struct store_tx *tx, int64_t incident_id,
                          int (*cb)(const struct escalation *e, void *userdata), void *userdata);

struct oncall_page {
        int64_t id;
        int64_t escalation_id, incident_id;
        char user[STORE_NAME_MAX];
        int level, round;
        char via[2 * STORE_NAME_MAX + 16];
        uint8_t ack_hash[STORE_HASH_BYTES];
        vg_usec_t created_at, acked_at;
        char incident_key[32]; /* store_page_list only */
};
/* -VG_ECONFLICT when the person was paged at that level and round already. */
int store_page_add(struct store_tx *tx, struct oncall_page *p);
int store_page_get(struct store_tx *tx, int64_t id, struct oncall_page *ret);
int store_page_get_by_ack(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES], struct oncall_page *ret);
int store_page_ack(struct store_tx *tx, int64_t id, vg_usec_t at);
/* A listing of pages: of an incident (0: any), of a user (NULL: any),
 * acknowledged or not, with text in the user's name or the incident's
 * key or title (ASCII letters in either case); newest first, or oldest;
 * the page after the row with after_id (0: the first page). Each row's
 * incident_key is set. -E2BIG for a text longer than PAGE_TEXT_MAX. */
#define PAGE_TEXT_MAX 200
enum page_acked { PAGE_ACKED_ANY, PAGE_ACKED_YES, PAGE_ACKED_NO };
struct page_filter {
        int64_t incident_id;
        const char *user;  /* borrows */
        enum page_acked acked;
        const char *text;  /* borrows */
        bool oldest_first;
        int64_t after_id;
};
int store_page_list(struct store_tx *tx, const struct page_filter *f, unsigned limit,
                    int (*cb)(const struct oncall_page *p, void *userdata), void *userdata);

/* The outbox: what is sent, once per idempotency key. */
#define STORE_IDEM_MAX 96
struct outbox_msg {
        int64_t id;
        char idem_key[STORE_IDEM_MAX];
        char channel[16];    /* email, webhook */
        const char *address; /* borrows */
        const char *subject; /* borrows */
        const char *body;    /* borrows */
        int64_t page_id;     /* 0: none */
        char status[16];     /* pending, sent, failed */
        int attempts;
        const char *last_result; /* borrows */
        vg_usec_t created_at, sent_at;
};
/* -VG_ECONFLICT when idem_key is queued already (nothing is added). */
int store_outbox_add(struct store_tx *tx, struct outbox_msg *m);
int store_outbox_get(struct store_tx *tx, int64_t id, int (*cb)(const struct outbox_msg *m, void *userdata),
                     void *userdata);
/* Mark pending -> sending just before an attempt (committed on its own,
 * so a crash during the attempt leaves the trace); -VG_ECONFLICT when it
 * was not pending. */
int store_outbox_sending(struct store_tx *tx, int64_t id);
/* Record an attempt: status pending (will retry), sent, failed, or
 * unknown (a crash during the attempt: it may have been accepted), with
 * the server's reply or the error. */
int store_outbox_attempt(struct store_tx *tx, int64_t id, const char *status, const char *result, vg_usec_t at);
/* The messages of a page. */
int store_outbox_list_page(struct store_tx *tx, int64_t page_id,
                           int (*cb)(const struct outbox_msg *m, void *userdata), void *userdata);

struct calendar_feed {
        int64_t id;
        char kind[16];                 /* schedule, user */
        char name[STORE_NAME_MAX];
        char prefix[16];
        uint8_t token_hash[STORE_HASH_BYTES];
        char created_by[STORE_NAME_MAX];
        vg_usec_t created_at, revoked_at;
};
int store_feed_insert(struct store_tx *tx, struct calendar_feed *f);
int store_feed_get(struct store_tx *tx, int64_t id, struct calendar_feed *ret);
int store_feed_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES], struct calendar_feed *ret);
/* created_by NULL: every feed. */
int store_feed_list(struct store_tx *tx, const char *created_by,
                    int (*cb)(const struct calendar_feed *f, void *userdata), void *userdata);
int store_feed_revoke(struct store_tx *tx, int64_t id, vg_usec_t at);
/* Revoke every live feed created_by made; returns how many. */
int store_feed_revoke_by_creator(struct store_tx *tx, const char *created_by, vg_usec_t at);

/* Silences: put inserts or replaces by id. */
int store_silence_put(struct store_tx *tx, const struct silence_row *s);
int store_silence_get(struct store_tx *tx, const char *id,
                      int (*cb)(const struct silence_row *s, void *userdata), void *userdata);
int store_silence_list(struct store_tx *tx, int (*cb)(const struct silence_row *s, void *userdata),
                       void *userdata);

/* Integration keys. */
int store_integration_key_insert(struct store_tx *tx, struct integration_key *k);
int store_integration_key_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                                      struct integration_key *ret);
int store_integration_key_list(struct store_tx *tx, int (*cb)(const struct integration_key *k, void *userdata),
                               void *userdata);
/* -VG_ENOTFOUND when there is no such live key. */
int store_integration_key_revoke(struct store_tx *tx, int64_t id, vg_usec_t now);

/* A domain event ("incident.declared", ...) in the change's transaction;
 * payload is borrowed and serialised with sorted keys. */
int store_event_append(struct store_tx *tx, vg_usec_t at, const char *type, int64_t incident_id,
                       json_t *payload);

/* The audit chain. change is serialised with sorted keys; it must not hold
 * secrets. object names the thing changed ("user:3", "token:7"). */
int store_audit_append(struct store_tx *tx, vg_usec_t at, const struct actor *actor,
                       const char *action, const char *object, json_t *change);
/* The same, for a change to incident key: object "incident:KEY", which is
 * what the incident's timeline reads. */
int store_audit_incident(struct store_tx *tx, vg_usec_t at, const struct actor *actor, const char *action,
                         const char *key, json_t *change);
/* What waits for one person, on incidents not closed (the console's
 * "what needs me now"). Each walk is bounded by limit. Fields that do not
 * apply to a kind are "" or 0. */
struct work_item {
        int64_t id;                 /* the page, task (approvals: its task) or notice */
        const char *incident;       /* borrows: the incident's key */
        const char *incident_title; /* borrows */
        const char *title;          /* borrows: the task's title */
        const char *who;            /* borrows: the page's via; who requested, or composed */
        const char *state;          /* borrows: the task's status; the notice's kind */
        int64_t number;             /* the page's level; the notice's version */
        vg_usec_t at;               /* paged, created, requested, composed */
        vg_usec_t due_at;           /* the task's due time; VG_TIME_UNSET for none */
};
/* Pages to user not yet acknowledged, newest first. */
int store_work_pages(struct store_tx *tx, const char *user, unsigned limit,
                     int (*cb)(const struct work_item *w, void *userdata), void *userdata);
/* Tasks owned by owner still open or in progress, soonest due first. */
int store_work_tasks(struct store_tx *tx, const char *owner, unsigned limit,
                     int (*cb)(const struct work_item *w, void *userdata), void *userdata);
/* Approvals pending that decider did not request, oldest first. */
int store_work_approvals(struct store_tx *tx, const char *decider, unsigned limit,
                         int (*cb)(const struct work_item *w, void *userdata), void *userdata);
/* Notices composed but not released, by someone other than releaser. */
int store_work_notices(struct store_tx *tx, const char *releaser, unsigned limit,
                       int (*cb)(const struct work_item *w, void *userdata), void *userdata);

/* The seq of the last committed record (0 for an empty chain). */
int store_audit_last_seq(struct store_tx *tx, int64_t *ret);
/* Records with seq > after_seq, at most limit (0: no limit), in order. */
int store_audit_list(struct store_tx *tx, int64_t after_seq, unsigned limit,
                     int (*cb)(const struct audit_record *r, void *userdata), void *userdata);
/* A listing of records: by actor, action, object (each exact; NULL:
 * any), with text in any of the three (ASCII letters in either case),
 * at in [from, to) (0: no bound); oldest first (the chain's order) or
 * newest; the page after after_seq (0: the first page). -E2BIG for a
 * text longer than AUDIT_TEXT_MAX. */
#define AUDIT_TEXT_MAX 200
struct audit_filter {
        const char *actor, *action, *object, *text; /* borrow */
        vg_usec_t from, to;
        bool newest_first;
        int64_t after_seq;
};
int store_audit_find(struct store_tx *tx, const struct audit_filter *f, unsigned limit,
                     int (*cb)(const struct audit_record *r, void *userdata), void *userdata);
/* Records about one object ("incident:INC-2026-0001"), oldest first. */
int store_audit_list_object(struct store_tx *tx, const char *object, int64_t after_seq,
                            unsigned limit, int (*cb)(const struct audit_record *r, void *userdata),
                            void *userdata);
/* Walk the whole chain, recomputing every digest and link. Returns 0 with
 * ret->ok false when a link is broken; < 0 only when the walk itself fails. */
int store_audit_verify(struct store *s, struct audit_verify *ret);

/* What requests have written, as text (*ret: yours): every row of every
 * table, one line per row, each table's rows sorted, so two calls answer
 * the same text exactly when nothing was written between them. Left out,
 * as the server's workers write them on their own schedule: the tables
 * jobs, escalations, pages, outbox and audit_head, the audit records of
 * actor "system", and the columns last_seen and last_used. The tests'
 * "nothing changed" check; it reads the whole database, so it is not for
 * a request. -ENOMEM, or the driver's error. */
int store_fingerprint(struct store_tx *tx, char **ret);
/* The same of one table (a plain name), every row, the system's audit
 * records left out as above. */
int store_fingerprint_table(struct store_tx *tx, const char *table, char **ret);

/* Copy every table of from into to, an empty store of the same schema
 * version on a backend that can take a copy (PostgreSQL), in one
 * transaction of to's; then check it: each table's rows read alike on
 * both, and to's audit chain verifies with from's head. progress (may be
 * NULL) hears each table as it is copied. err gets a reason. */
int store_copy(struct store *from, struct store *to,
               void (*progress)(const char *table, int64_t rows, void *userdata), void *userdata,
               char *err, size_t errlen);

/* Duplicates (store/duplicates.c): an incident closed as a duplicate
 * names its survivor (migration 031), and its alerts move there. */

/* Record incident id as a duplicate of survivor_id; -VG_ECONFLICT when it
 * names a survivor already. */
int store_incident_duplicate_set(struct store_tx *tx, int64_t id, int64_t survivor_id);
/* The key of the incident id is a duplicate of into ret_key (size bytes):
 * 1 when there is one, 0 when id is no duplicate. */
int store_incident_duplicate_of(struct store_tx *tx, int64_t id, char *ret_key, size_t size);
/* The keys of the incidents marked duplicates of id, oldest first. */
int store_incident_duplicates_list(struct store_tx *tx, int64_t id,
                                   int (*cb)(const char *key, void *userdata), void *userdata);
/* What moving alerts did. */
struct alert_move {
        int64_t links_moved;   /* links of from that now belong to to */
        int64_t links_dropped; /* links of from to alerts to had already */
        int64_t alerts;        /* alerts (episodes) that named from */
        int64_t groups;        /* alert groups whose next alert joins from */
};
/* Move every alert of incident from to incident to: its links
 * (incident_alerts; a link to an alert to has already is dropped, as
 * it is the same link), the alerts that name it, and the alert groups
 * that feed it, so an alert that repeats joins to. */
int store_alerts_move(struct store_tx *tx, int64_t from, int64_t to, struct alert_move *ret);

/* What the provider owes its tenants and regulators after an incident:
 * tenants, obligations and their filings, notices, advisories,
 * post-mortems and the preparation records. */
#include "store/duties.h"
