/* The audit chain and the domain events: the records a change leaves in
 * its own transaction. The chain's hashing and verification are here once,
 * for every backend.
 *
 * Each record's link hash covers every column but itself:
 *   hash = BLAKE2b-256("vigil-audit-v1" || field...), field = u32 len || bytes */
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Take the next link: the head row's seq moves on by one and *ret gets
 * the new seq and the hash it follows. The UPDATE locks the head row until
 * the transaction ends, so a second writer's append waits here and then
 * sees this one's link: the form several writers (PostgreSQL) need, with
 * no FOR UPDATE, as an UPDATE locks its row in both dialects. */
static int audit_head_take(struct store_tx *tx, struct audit_link *ret)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash", &st);
        if (r < 0)
                return r;
        memset(ret, 0, sizeof *ret);
        r = db_step(st);
        if (r > 0) {
                ret->seq = db_column_int64(st, 0);
                db_blob_copy(st, 1, ret->hash, sizeof ret->hash);
        }
        db_finish(st);
        return r < 0 ? r : r == 0 ? -VG_ESTORE : 0; /* no head row: a damaged schema */
}

/* The head row follows the record just linked. */
static int audit_head_set(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES])
{
        struct db_stmt *st;
        int r = db_prepare(tx, "UPDATE audit_head SET hash = ? WHERE id = 1", &st);
        if (r < 0)
                return r;
        db_bind_blob(st, 1, hash, STORE_HASH_BYTES);
        return db_exec_one(st, -VG_ESTORE);
}

static int audit_insert(struct store_tx *tx, const struct audit_record *a)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "INSERT INTO audit_log(seq, at, actor, action, object, request_id, change, "
                "digest, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, a->seq);
        db_bind_int64(st, 2, a->at);
        db_bind_text(st, 3, a->actor);
        db_bind_text(st, 4, a->action);
        db_bind_text(st, 5, a->object);
        db_bind_text(st, 6, a->request_id);
        db_bind_text(st, 7, a->change);
        db_bind_blob(st, 8, a->digest, STORE_HASH_BYTES);
        db_bind_blob(st, 9, a->prev_hash, STORE_HASH_BYTES);
        db_bind_blob(st, 10, a->hash, STORE_HASH_BYTES);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

static void audit_row(struct db_stmt *st, void *out)
{
        struct audit_record *a = out;
        memset(a, 0, sizeof *a);
        a->seq = db_column_int64(st, 0);
        a->at = db_column_int64(st, 1);
        db_text_copy(st, 2, a->actor, sizeof a->actor);
        db_text_copy(st, 3, a->action, sizeof a->action);
        db_text_copy(st, 4, a->object, sizeof a->object);
        db_text_copy(st, 5, a->request_id, sizeof a->request_id);
        const char *ch = db_column_text(st, 6);
        a->change = ch ? (const char *)ch : "";
        db_blob_copy(st, 7, a->digest, sizeof a->digest);
        db_blob_copy(st, 8, a->prev_hash, sizeof a->prev_hash);
        db_blob_copy(st, 9, a->hash, sizeof a->hash);
}

int store_audit_last_seq(struct store_tx *tx, int64_t *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT coalesce(max(seq), 0) FROM audit_head", &st);
        if (r < 0)
                return r;
        return db_int64(st, ret);
}

int store_audit_list(struct store_tx *tx, int64_t after_seq, unsigned limit,
                     int (*cb)(const struct audit_record *, void *), void *userdata)
{
        struct db_stmt *st;
        struct audit_record a;
        int r = db_prepare(tx,
                           "SELECT seq, at, actor, action, object, request_id, change, digest, "
                           "prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, after_seq);
        db_bind_int64(st, 2, db_limit(limit));
        return DB_EACH(st, a, audit_row, cb, userdata);
}

/* The filters (?2 actor, ?3 action, ?4 object, ?5 a DB_LIKE pattern
 * for the actor, action or object, ?6 and ?7 the time range); the page
 * after seq ?1. An actor, action or object walks its index
 * (audit_log_object, and migration 031's) in seq order. */
#define AUDIT_FILTERS                                                                              \
        "(?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR object = ?4) " \
        "AND (?5 IS NULL OR " DB_LIKE("actor", "?5") " OR " DB_LIKE("action", "?5") " OR "         \
        DB_LIKE("object", "?5") ") AND (?6 = 0 OR at >= ?6) AND (?7 = 0 OR at < ?7) "
#define AUDIT_SELECT "SELECT seq, at, actor, action, object, request_id, change, digest, prev_hash, hash FROM audit_log "

int store_audit_find(struct store_tx *tx, const struct audit_filter *f, unsigned limit,
                     int (*cb)(const struct audit_record *, void *), void *userdata)
{
        static const char *const oldest =
                AUDIT_SELECT "WHERE (?1 = 0 OR seq > ?1) AND " AUDIT_FILTERS "ORDER BY seq LIMIT ?8";
        static const char *const newest =
                AUDIT_SELECT "WHERE (?1 = 0 OR seq < ?1) AND " AUDIT_FILTERS "ORDER BY seq DESC LIMIT ?8";
        char pattern[2 * AUDIT_TEXT_MAX + 3];
        if (f->text && db_like_pattern(f->text, pattern, sizeof pattern) < 0)
                return -E2BIG;
        struct db_stmt *st;
        struct audit_record a;
        int r = db_prepare(tx, f->newest_first ? newest : oldest, &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, f->after_seq);
        db_bind_text(st, 2, f->actor);
        db_bind_text(st, 3, f->action);
        db_bind_text(st, 4, f->object);
        db_bind_text(st, 5, f->text && *f->text ? pattern : NULL);
        db_bind_int64(st, 6, f->from);
        db_bind_int64(st, 7, f->to);
        db_bind_int64(st, 8, db_limit(limit));
        return DB_EACH(st, a, audit_row, cb, userdata);
}

#undef AUDIT_FILTERS
#undef AUDIT_SELECT

int store_audit_list_object(struct store_tx *tx, const char *object, int64_t after_seq,
                            unsigned limit, int (*cb)(const struct audit_record *, void *),
                            void *userdata)
{
        struct db_stmt *st;
        struct audit_record a;
        int r = db_prepare(tx,
                           "SELECT seq, at, actor, action, object, request_id, change, digest, "
                           "prev_hash, hash FROM audit_log WHERE object = ? AND seq > ? "
                           "ORDER BY seq LIMIT ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, object);
        db_bind_int64(st, 2, after_seq);
        db_bind_int64(st, 3, db_limit(limit));
        return DB_EACH(st, a, audit_row, cb, userdata);
}

static void link_hash(const struct audit_record *r, uint8_t out[STORE_HASH_BYTES])
{
        crypto_generichash_state st;
        char num[32];

        crypto_generichash_init(&st, NULL, 0, STORE_HASH_BYTES);
        store_hash_field(&st, "vigil-audit-v1", 14);
        snprintf(num, sizeof num, "%lld", (long long)r->seq);
        store_hash_field(&st, num, strlen(num));
        snprintf(num, sizeof num, "%lld", (long long)r->at);
        store_hash_field(&st, num, strlen(num));
        store_hash_field(&st, r->actor, strlen(r->actor));
        store_hash_field(&st, r->action, strlen(r->action));
        store_hash_field(&st, r->object, strlen(r->object));
        store_hash_field(&st, r->request_id, strlen(r->request_id));
        store_hash_field(&st, r->digest, STORE_HASH_BYTES);
        store_hash_field(&st, r->prev_hash, STORE_HASH_BYTES);
        crypto_generichash_final(&st, out, STORE_HASH_BYTES);
}

static void change_digest(const char *change, uint8_t out[STORE_HASH_BYTES])
{
        crypto_generichash(out, STORE_HASH_BYTES, (const unsigned char *)change, strlen(change),
                           NULL, 0);
}

int store_audit_append(struct store_tx *tx, vg_usec_t at, const struct actor *actor,
                       const char *action, const char *object, json_t *change)
{
        struct audit_link head;
        struct audit_record r = {0};
        int ret;

        char *text = change ? json_dumps(change, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII)
                            : strdup("{}");
        if (!text)
                return -ENOMEM;
        ret = audit_head_take(tx, &head);
        if (ret < 0) {
                free(text);
                return ret;
        }
        r.seq = head.seq;
        r.at = at;
        if (actor->user_id > 0)
                snprintf(r.actor, sizeof r.actor, "user:%s", actor->name);
        else
                snprintf(r.actor, sizeof r.actor, "%s", actor->name ? actor->name : "system");
        snprintf(r.action, sizeof r.action, "%s", action);
        snprintf(r.object, sizeof r.object, "%s", object);
        snprintf(r.request_id, sizeof r.request_id, "%s",
                 actor->request_id ? actor->request_id : "");
        r.change = text;
        change_digest(text, r.digest);
        memcpy(r.prev_hash, head.hash, STORE_HASH_BYTES);
        link_hash(&r, r.hash);
        ret = audit_insert(tx, &r);
        if (ret >= 0)
                ret = audit_head_set(tx, r.hash);
        free(text);
        return ret;
}

int store_audit_incident(struct store_tx *tx, vg_usec_t at, const struct actor *actor,
                         const char *action, const char *key, json_t *change)
{
        char object[64];
        snprintf(object, sizeof object, "incident:%s", key);
        return store_audit_append(tx, at, actor, action, object, change);
}

struct verify_state {
        struct audit_verify *v;
        int64_t expect_seq;
        uint8_t prev[STORE_HASH_BYTES];
};

static int verify_one(const struct audit_record *r, void *userdata)
{
        struct verify_state *st = userdata;
        struct audit_verify *v = st->v;
        uint8_t want[STORE_HASH_BYTES];
        const char *why = NULL;

        if (r->seq != st->expect_seq)
                why = "sequence gap: a record was removed or inserted";
        else if (sodium_memcmp(r->prev_hash, st->prev, STORE_HASH_BYTES) != 0)
                why = "previous-hash does not match the record before it";
        else {
                change_digest(r->change, want);
                if (sodium_memcmp(want, r->digest, STORE_HASH_BYTES) != 0)
                        why = "change digest does not match the stored change";
                else {
                        link_hash(r, want);
                        if (sodium_memcmp(want, r->hash, STORE_HASH_BYTES) != 0)
                                why = "record hash does not match its contents";
                }
        }
        if (why) {
                v->ok = false;
                v->first_bad_seq = r->seq;
                snprintf(v->reason, sizeof v->reason, "%s", why);
                return -1; /* stop at the first broken link */
        }
        v->records++;
        st->expect_seq = r->seq + 1;
        memcpy(st->prev, r->hash, STORE_HASH_BYTES);
        sodium_bin2hex(v->head_hash, sizeof v->head_hash, r->hash, STORE_HASH_BYTES);
        return 0;
}

/* The head row must name the last record walked: a head ahead of the
 * chain means its last records were removed, one behind means records
 * were written past the head. */
static int verify_head(struct store_tx *tx, struct verify_state *st)
{
        struct audit_verify *v = st->v;
        struct db_stmt *q;
        int64_t last = st->expect_seq - 1, seq = 0;
        uint8_t hash[STORE_HASH_BYTES] = {0};
        int r = db_prepare(tx, "SELECT seq, hash FROM audit_head WHERE id = 1", &q);
        if (r < 0)
                return r;
        r = db_step(q);
        if (r > 0) {
                seq = db_column_int64(q, 0);
                db_blob_copy(q, 1, hash, sizeof hash);
        }
        db_finish(q);
        if (r < 0)
                return r;
        if (r > 0 && seq == last && sodium_memcmp(hash, st->prev, STORE_HASH_BYTES) == 0)
                return 0;
        v->ok = false;
        v->first_bad_seq = (r > 0 && seq < last ? seq : last) + 1;
        if (r == 0)
                snprintf(v->reason, sizeof v->reason, "the audit head row is missing");
        else
                snprintf(v->reason, sizeof v->reason,
                         "the audit head (seq %lld) does not match the last record (seq %lld)",
                         (long long)seq, (long long)last);
        return 0;
}

int store_audit_verify(struct store *s, struct audit_verify *ret)
{
        struct store_tx *tx;
        struct verify_state st = {.v = ret, .expect_seq = 1};
        int r;

        memset(ret, 0, sizeof *ret);
        ret->ok = true;
        memset(st.prev, 0, sizeof st.prev);
        sodium_bin2hex(ret->head_hash, sizeof ret->head_hash, st.prev, STORE_HASH_BYTES);
        r = store_begin_read(s, &tx);
        if (r < 0)
                return r;
        r = store_audit_list(tx, 0, 0, verify_one, &st);
        if (r >= 0)
                r = verify_head(tx, &st);
        store_rollback(tx);
        if (r < 0 && ret->ok)
                return r; /* the walk failed, not the chain */
        return 0;
}

/* ---- domain events ---- */

static int event_insert(struct store_tx *tx, vg_usec_t at, const char *type, int64_t incident_id,
                        const char *payload)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx, "INSERT INTO domain_events(at, type, incident_id, payload) VALUES (?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, at);
        db_bind_text(st, 2, type);
        db_bind_int64(st, 3, incident_id);
        db_bind_text(st, 4, payload);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

int store_event_append(struct store_tx *tx, vg_usec_t at, const char *type, int64_t incident_id,
                       json_t *payload)
{
        char *text = json_dumps(payload, JSON_SORT_KEYS | JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        int r = event_insert(tx, at, type, incident_id, text);
        free(text);
        return r;
}
