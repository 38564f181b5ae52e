/* Obligations: the rows, one per incident, tenant and rule
 * (src/cases/obligations.c computes them from the rules). */
#include "store/db.h"
#include "store/store.h"

#include "core/error.h"

#include <errno.h>
#include <sodium.h>
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

/* The digest of what recomputation decides of a row: every computed
 * column, each length-prefixed so that no two rows' texts run together
 * alike. */
static void obligation_digest(const struct obligation *o, char out[OBLIGATION_DIGEST_HEX])
{
        const char *texts[] = {o->rules_version,
                               o->duty,
                               o->recipient ? o->recipient : "",
                               o->citation ? o->citation : "",
                               o->stage,
                               o->anchor,
                               o->deadline_kind[0] ? o->deadline_kind : "fixed",
                               o->cannot_compute ? o->reason : ""};
        const int64_t times[] = {o->anchor_at, o->due_at, o->target_at, o->cannot_compute};
        crypto_generichash_state h;
        uint8_t d[OBLIGATION_DIGEST_BYTES];
        crypto_generichash_init(&h, NULL, 0, sizeof d);
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
                uint64_t n = strlen(texts[i]);
                crypto_generichash_update(&h, (const uint8_t *)&n, sizeof n);
                crypto_generichash_update(&h, (const uint8_t *)texts[i], n);
        }
        crypto_generichash_update(&h, (const uint8_t *)times, sizeof times);
        crypto_generichash_final(&h, d, sizeof d);
        sodium_bin2hex(out, OBLIGATION_DIGEST_HEX, d, sizeof d);
}

const char *obligation_state_after(const char *prior, bool cannot_compute)
{
        /* A row not met nor waived takes the computed state. */
        if (!prior || strcmp(prior, "withdrawn") == 0 || strcmp(prior, "open") == 0 ||
            strcmp(prior, "cannot_compute") == 0)
                return cannot_compute ? "cannot_compute" : "open";
        return prior;
}

int store_obligation_states(struct store_tx *tx, int64_t incident_id, const char *rule_id,
                            int (*cb)(const struct obligation_state *s, void *userdata),
                            void *userdata)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "SELECT id, tenant, rule_id, status, duty, deadline_kind, due_at, target_at, "
                "sent_at, "
                "digest FROM obligations WHERE incident_id = ?1 AND (?2 IS NULL OR rule_id = ?2) "
                "ORDER BY tenant, rule_id",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, rule_id);
        while ((r = db_step(st)) > 0) {
                struct obligation_state s = {.id = db_column_int64(st, 0),
                                             .tenant = db_text_or_empty(st, 1),
                                             .rule_id = db_text_or_empty(st, 2),
                                             .due_at = db_column_time(st, 6),
                                             .target_at = db_column_time(st, 7),
                                             .sent_at = db_column_time(st, 8)};
                db_text_copy(st, 3, s.status, sizeof s.status);
                db_text_copy(st, 4, s.duty, sizeof s.duty);
                db_text_copy(st, 5, s.deadline_kind, sizeof s.deadline_kind);
                db_text_copy(st, 9, s.digest, sizeof s.digest);
                if ((r = cb(&s, userdata)) < 0)
                        break;
        }
        db_finish(st);
        return r < 0 ? r : 0;
}

/* The computed columns, in the order both statements below name them,
 * from parameter `at` on: rules_version, duty, recipient, citation,
 * stage, anchor, anchor_at, due_at, computed_at, the computed state,
 * cannot_compute_reason, deadline_kind, target_at, digest. */
#define OBLIGATION_COMPUTED 14
static void bind_computed(struct db_stmt *st, int at, const struct obligation *o,
                          const char *digest)
{
        db_bind_text(st, at, o->rules_version);
        db_bind_text(st, at + 1, o->duty);
        db_bind_text(st, at + 2, o->recipient ? o->recipient : "");
        db_bind_text(st, at + 3, o->citation ? o->citation : "");
        db_bind_text(st, at + 4, o->stage);
        db_bind_text(st, at + 5, o->anchor);
        db_bind_time(st, at + 6, o->anchor_at);
        db_bind_time(st, at + 7, o->due_at);
        db_bind_int64(st, at + 8, o->computed_at);
        db_bind_text(st, at + 9, o->cannot_compute ? "cannot_compute" : "open");
        db_bind_text(st, at + 10, o->cannot_compute ? o->reason : "");
        db_bind_text(st, at + 11, o->deadline_kind[0] ? o->deadline_kind : "fixed");
        db_bind_time(st, at + 12, o->target_at);
        db_bind_text(st, at + 13, digest);
}

/* A row new to the incident; -VG_ECONFLICT when it is there after all. */
static int obligation_insert(struct store_tx *tx, struct obligation *o, const char *digest)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO obligations(incident_id, tenant, rule_id, rules_version, duty, "
                "recipient, citation, stage, anchor, anchor_at, due_at, computed_at, status, "
                "cannot_compute_reason, deadline_kind, target_at, digest) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (incident_id, tenant, rule_id) DO NOTHING",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, o->incident_id);
        db_bind_text(st, 2, o->tenant);
        db_bind_text(st, 3, o->rule_id);
        bind_computed(st, 4, o, digest);
        return conflict_of(db_insert_id(st, &o->id));
}

/* A row there already: its computed columns, and its state unless met
 * or waived meanwhile (the guard holds against another transaction). */
static int obligation_update(struct store_tx *tx, const struct obligation *o, const char *digest)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "UPDATE obligations SET rules_version = ?, duty = ?, recipient = ?, citation = ?, "
                "stage = ?, anchor = ?, anchor_at = ?, due_at = ?, computed_at = ?, "
                "status = CASE WHEN status IN ('withdrawn', 'open', 'cannot_compute') THEN ? "
                "ELSE status END, cannot_compute_reason = ?, deadline_kind = ?, target_at = ?, "
                "digest = ? WHERE id = ?",
                &st);
        if (r < 0)
                return r;
        bind_computed(st, 1, o, digest);
        db_bind_int64(st, 1 + OBLIGATION_COMPUTED, o->id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_obligation_write(struct store_tx *tx, struct obligation *o,
                           const struct obligation_state *prior)
{
        char digest[OBLIGATION_DIGEST_HEX];
        obligation_digest(o, digest);
        snprintf(o->status, sizeof o->status, "%s",
                 obligation_state_after(prior ? prior->status : NULL, o->cannot_compute));
        o->due_changed = !prior || prior->due_at != o->due_at || prior->target_at != o->target_at;
        o->written = false;
        if (prior) {
                o->id = prior->id;
                if (strcmp(prior->digest, digest) == 0 && strcmp(prior->status, o->status) == 0)
                        return 0; /* as computed before */
                o->written = true;
                return obligation_update(tx, o, digest);
        }
        o->written = true;
        return obligation_insert(tx, o, digest);
}

int store_obligation_put(struct store_tx *tx, struct obligation *o)
{
        struct db_stmt *st;
        struct obligation_state prior = {.id = 0};
        int r = db_prepare(tx,
                           "SELECT id, status, due_at, target_at, digest FROM obligations WHERE "
                           "incident_id = ? AND "
                           "tenant = ? AND rule_id = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, o->incident_id);
        db_bind_text(st, 2, o->tenant);
        db_bind_text(st, 3, o->rule_id);
        int rc = db_step(st);
        if (rc > 0) {
                prior.id = db_column_int64(st, 0);
                db_text_copy(st, 1, prior.status, sizeof prior.status);
                prior.due_at = db_column_time(st, 2);
                prior.target_at = db_column_time(st, 3);
                db_text_copy(st, 4, prior.digest, sizeof prior.digest);
        }
        db_finish(st);
        return rc < 0 ? rc : store_obligation_write(tx, o, rc > 0 ? &prior : NULL);
}

int store_obligation_withdraw(struct store_tx *tx, int64_t id)
{
        int r = DB_EXEC_INTS(tx,
                             "UPDATE obligations SET status = 'withdrawn' WHERE id = ? "
                             "AND status IN ('open', 'cannot_compute')",
                             id);
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

/* One incident's page walks obligations_incident_due (037): the filters
 * above, with the incident bound, read no row of another incident. */
#define INCIDENT_PAGE(cmp, dir)                                                                    \
        "SELECT " OBLIGATION_COLS                                                                  \
        " FROM obligations WHERE incident_id = ?4 AND (?1 = 0 OR " OBLIGATION_DUE " " cmp          \
        " ?2 OR (" OBLIGATION_DUE " = ?2 AND id " cmp " ?1)) AND " OBLIGATION_FILTERS              \
        "ORDER BY incident_id " dir ", " OBLIGATION_DUE " " dir ", id " dir " LIMIT ?8"

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
        static const char *const incident_soonest = INCIDENT_PAGE(">", "ASC");
        static const char *const incident_latest = INCIDENT_PAGE("<", "DESC");
        char pattern[2 * OBLIGATION_TEXT_MAX + 3];
        if (f->text && db_like_pattern(f->text, pattern, sizeof pattern) < 0)
                return -E2BIG;
        struct db_stmt *st;
        struct obligation o;
        int r = db_prepare(tx,
                           f->incident_id ? (f->latest_first ? incident_latest : incident_soonest)
                                          : (f->latest_first ? latest : soonest),
                           &st);
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

int store_obligation_tally(struct store_tx *tx, const struct obligation_filter *f,
                           int (*cb)(const char *rule_id, const char *status, int64_t n,
                                     void *userdata),
                           void *userdata)
{
        char pattern[2 * OBLIGATION_TEXT_MAX + 3];
        if (f->text && db_like_pattern(f->text, pattern, sizeof pattern) < 0)
                return -E2BIG;
        /* The cursor's ?1 and ?2 are not read, but bound all the same: a
         * statement's numbers run without a gap in both dialects. */
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT rule_id, status, count(*) FROM obligations WHERE incident_id = "
                           "?4 AND ?1 = ?1 AND "
                           "?2 = ?2 AND " OBLIGATION_FILTERS
                           "GROUP BY rule_id, status ORDER BY rule_id, status",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, 0);
        db_bind_int64(st, 2, 0);
        db_bind_text(st, 3, f->status);
        db_bind_int64(st, 4, f->incident_id);
        db_bind_text(st, 5, f->tenant);
        db_bind_text(st, 6, f->rule);
        db_bind_text(st, 7, f->text && *f->text ? pattern : NULL);
        while ((r = db_step(st)) > 0)
                if ((r = cb(db_text_or_empty(st, 0), db_text_or_empty(st, 1),
                            db_column_int64(st, 2), userdata)) < 0)
                        break;
        db_finish(st);
        return r < 0 ? r : 0;
}

int store_obligation_earliest(struct store_tx *tx, int64_t incident_id, const char *tenant,
                              int (*cb)(const struct obligation *, void *), void *userdata)
{
        /* The tenant's rows by their key, the earliest picked here: with
         * status and due time in the statement, the planner would walk
         * obligations_due through every open row of every incident. */
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "SELECT id, due_at, status FROM obligations WHERE incident_id = ? AND tenant = ?",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, tenant);
        int64_t best = 0;
        vg_usec_t best_due = 0;
        while ((r = db_step(st)) > 0) {
                vg_usec_t due = db_column_time(st, 1);
                int64_t id = db_column_int64(st, 0);
                if (due && strcmp(db_text_or_empty(st, 2), "open") == 0 &&
                    (!best || due < best_due || (due == best_due && id < best))) {
                        best = id;
                        best_due = due;
                }
        }
        db_finish(st);
        if (r < 0 || !best)
                return r < 0 ? r : 0;
        return store_obligation_get(tx, best, cb, userdata);
}

#undef INCIDENT_PAGE
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

