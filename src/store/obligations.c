/* Obligations: the rows, one per incident, tenant and rule
 * (src/cases/obligations.c computes them from the rules). */
#include "store/db.h"
#include "store/store.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define OBLIGATION_COLS                                                                            \
        "id, incident_id, tenant, rule_id, rules_version, duty, recipient, citation, stage, "      \
        "anchor, "                                                                                 \
        "anchor_at, due_at, status, sent_at, computed_at, cannot_compute_reason, deadline_kind, "   \
        "target_at"

static void obligation_read(struct db_stmt *st, void *out)
{
        struct obligation *o = out;
        memset(o, 0, sizeof *o);
        o->id = db_column_int64(st, 0);
        o->incident_id = db_column_int64(st, 1);
        db_text_copy(st, 2, o->tenant, sizeof o->tenant);
        db_text_copy(st, 3, o->rule_id, sizeof o->rule_id);
        db_text_copy(st, 4, o->rules_version, sizeof o->rules_version);
        db_text_copy(st, 5, o->duty, sizeof o->duty);
        o->recipient = db_text_ref(st, 6);
        o->citation = db_text_ref(st, 7);
        db_text_copy(st, 8, o->stage, sizeof o->stage);
        db_text_copy(st, 9, o->anchor, sizeof o->anchor);
        o->anchor_at = db_column_time(st, 10);
        o->due_at = db_column_time(st, 11);
        db_text_copy(st, 12, o->status, sizeof o->status);
        o->sent_at = db_column_time(st, 13);
        o->computed_at = db_column_int64(st, 14);
        db_text_copy(st, 15, o->reason, sizeof o->reason);
        db_text_copy(st, 16, o->deadline_kind, sizeof o->deadline_kind);
        o->target_at = db_column_time(st, 17);
}

int store_obligation_put(struct store_tx *tx, struct obligation *o)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT due_at, status, target_at FROM obligations WHERE incident_id = ? AND "
                           "tenant = ? AND rule_id = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, o->incident_id);
        db_bind_text(st, 2, o->tenant);
        db_bind_text(st, 3, o->rule_id);
        int rc = db_step(st);
        o->due_changed = rc <= 0 || db_column_time(st, 0) != o->due_at || db_column_time(st, 2) != o->target_at;
        snprintf(o->status, sizeof o->status, "%s", rc > 0 ? db_text_or_empty(st, 1) : "open");
        /* A row not met nor waived takes the computed state. */
        if (strcmp(o->status, "withdrawn") == 0 || strcmp(o->status, "open") == 0 ||
            strcmp(o->status, "cannot_compute") == 0)
                snprintf(o->status, sizeof o->status, "%s", o->cannot_compute ? "cannot_compute" : "open");
        db_finish(st);
        if (rc < 0)
                return rc;
        r = db_prepare(
                tx,
                "INSERT INTO obligations(incident_id, tenant, rule_id, rules_version, duty, "
                "recipient, citation, "
                "stage, anchor, anchor_at, due_at, computed_at, status, cannot_compute_reason, "
                "deadline_kind, target_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (incident_id, tenant, rule_id) DO UPDATE SET rules_version = "
                "excluded.rules_version, "
                "duty = excluded.duty, recipient = excluded.recipient, citation = "
                "excluded.citation, "
                "stage = excluded.stage, anchor = excluded.anchor, anchor_at = excluded.anchor_at, "
                "due_at = excluded.due_at, computed_at = excluded.computed_at, "
                "status = CASE WHEN obligations.status IN ('withdrawn', 'open', 'cannot_compute') "
                "THEN excluded.status ELSE obligations.status END, "
                "cannot_compute_reason = excluded.cannot_compute_reason, "
                "deadline_kind = excluded.deadline_kind, target_at = excluded.target_at "
                "RETURNING id",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, o->incident_id);
        db_bind_text(st, 2, o->tenant);
        db_bind_text(st, 3, o->rule_id);
        db_bind_text(st, 4, o->rules_version);
        db_bind_text(st, 5, o->duty);
        db_bind_text(st, 6, o->recipient ? o->recipient : "");
        db_bind_text(st, 7, o->citation ? o->citation : "");
        db_bind_text(st, 8, o->stage);
        db_bind_text(st, 9, o->anchor);
        db_bind_time(st, 10, o->anchor_at);
        db_bind_time(st, 11, o->due_at);
        db_bind_int64(st, 12, o->computed_at);
        db_bind_text(st, 13, o->cannot_compute ? "cannot_compute" : "open");
        db_bind_text(st, 14, o->cannot_compute ? o->reason : "");
        db_bind_text(st, 15, o->deadline_kind[0] ? o->deadline_kind : "fixed");
        db_bind_time(st, 16, o->target_at);
        return db_insert_id(st, &o->id);
}

int store_obligation_withdraw_stale(struct store_tx *tx, int64_t incident_id, vg_usec_t computed_at)
{
        int r = DB_EXEC_INTS(tx,
                             "UPDATE obligations SET status = 'withdrawn' WHERE incident_id = ? "
                             "AND status IN ('open', 'cannot_compute') "
                             "AND computed_at < ?",
                             incident_id, computed_at);
        return r < 0 ? r : 0;
}

int store_obligation_sent(struct store_tx *tx, int64_t id, vg_usec_t at)
{
        int r = DB_EXEC_INTS(tx,
                             "UPDATE obligations SET status = 'sent', sent_at = ? WHERE id = ? AND "
                             "status IN ('open', 'cannot_compute')",
                             at, id);
        return r < 0 ? r : r == 0 ? -VG_ECONFLICT : 0;
}

int store_obligation_get(struct store_tx *tx, int64_t id,
                         int (*cb)(const struct obligation *, void *), void *userdata)
{
        struct db_stmt *st;
        struct obligation o;
        int r = db_prepare(tx, "SELECT " OBLIGATION_COLS " FROM obligations WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        return DB_ONE(st, o, obligation_read, cb, userdata);
}

int store_obligation_list(struct store_tx *tx, int64_t incident_id,
                          int (*cb)(const struct obligation *, void *), void *userdata)
{
        struct db_stmt *st;
        struct obligation o;
        int r = db_prepare(tx,
                           "SELECT " OBLIGATION_COLS " FROM obligations WHERE incident_id = ? "
                           "ORDER BY due_at IS NULL, due_at, tenant, rule_id",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, o, obligation_read, cb, userdata);
}

/* The filters (?3 status, ?4 incident, ?5 tenant, ?6 rule, ?7 a DB_LIKE
 * pattern for the rule, the tenant or the recipient); the page after id
 * ?1 due ?2. A clock not started sorts after every due time in both
 * dialects (their NULLs sort apart), hence the coalesce. */
#define OBLIGATION_DUE "coalesce(due_at, 9223372036854775807)"
#define OBLIGATION_FILTERS                                                                         \
        "(?3 IS NULL OR status = ?3) AND (?4 = 0 OR incident_id = ?4) AND (?5 IS NULL OR tenant = ?5) " \
        "AND (?6 IS NULL OR rule_id = ?6) AND (?7 IS NULL OR " DB_LIKE("rule_id", "?7") " OR "     \
        DB_LIKE("tenant", "?7") " OR " DB_LIKE("recipient", "?7") ") "

int store_obligation_due(struct store_tx *tx, const struct obligation_filter *f, unsigned limit,
                         int (*cb)(const struct obligation *, void *), void *userdata)
{
        static const char *const soonest =
                "SELECT " OBLIGATION_COLS " FROM obligations WHERE (?1 = 0 OR " OBLIGATION_DUE " > ?2 OR ("
                OBLIGATION_DUE " = ?2 AND id > ?1)) AND " OBLIGATION_FILTERS "ORDER BY " OBLIGATION_DUE
                ", id LIMIT ?8";
        static const char *const latest =
                "SELECT " OBLIGATION_COLS " FROM obligations WHERE (?1 = 0 OR " OBLIGATION_DUE " < ?2 OR ("
                OBLIGATION_DUE " = ?2 AND id < ?1)) AND " OBLIGATION_FILTERS "ORDER BY " OBLIGATION_DUE
                " DESC, id DESC LIMIT ?8";
        char pattern[2 * OBLIGATION_TEXT_MAX + 3];
        if (f->text && db_like_pattern(f->text, pattern, sizeof pattern) < 0)
                return -E2BIG;
        struct db_stmt *st;
        struct obligation o;
        int r = db_prepare(tx, f->latest_first ? latest : soonest, &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, f->after_id);
        db_bind_int64(st, 2, f->after_due ? f->after_due : INT64_MAX);
        db_bind_text(st, 3, f->status);
        db_bind_int64(st, 4, f->incident_id);
        db_bind_text(st, 5, f->tenant);
        db_bind_text(st, 6, f->rule);
        db_bind_text(st, 7, f->text && *f->text ? pattern : NULL);
        db_bind_int64(st, 8, db_limit(limit));
        return DB_EACH(st, o, obligation_read, cb, userdata);
}

#undef OBLIGATION_FILTERS
#undef OBLIGATION_DUE

int store_obligation_waive(struct store_tx *tx, int64_t id, const char *reason, vg_usec_t at)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "UPDATE obligations SET status = 'waived', waived_reason = ?, sent_at = ? "
                "WHERE id = ? AND status IN ('open', 'cannot_compute')",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, reason);
        db_bind_int64(st, 2, at);
        db_bind_int64(st, 3, id);
        return db_exec_one(st, -VG_ECONFLICT);
}

int store_obligation_count_open(struct store_tx *tx, int64_t incident_id, unsigned *ret)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "SELECT count(*) FROM obligations WHERE incident_id = ? "
                "AND status IN ('open', 'cannot_compute') "
                "AND duty = 'provider'",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        int64_t n = 0;
        r = db_int64(st, &n);
        *ret = (unsigned)n;
        return r;
}

