/* Users, their sessions and their API tokens. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

/* ---- users ---- */

#define USER_COLS                                                                                  \
        "id, name, role, coalesce(tenant, ''), password_hash, disabled, created_at, updated_at, "  \
        "email, phone, time_zone, contacts"

static void user_row(struct db_stmt *st, void *out)
{
        struct user *u = out;
        char role[64];
        memset(u, 0, sizeof *u);
        u->id = db_column_int64(st, 0);
        db_text_copy(st, 1, u->name, sizeof u->name);
        db_text_copy(st, 2, role, sizeof role);
        u->role = role_from_string(role);
        db_text_copy(st, 3, u->tenant, sizeof u->tenant);
        db_text_copy(st, 4, u->password_hash, sizeof u->password_hash);
        u->disabled = (int)db_column_int64(st, 5) != 0;
        u->created_at = db_column_int64(st, 6);
        u->updated_at = db_column_int64(st, 7);
        db_text_copy(st, 8, u->email, sizeof u->email);
        db_text_copy(st, 9, u->phone, sizeof u->phone);
        db_text_copy(st, 10, u->time_zone, sizeof u->time_zone);
        db_text_copy(st, 11, u->contacts, sizeof u->contacts);
}

static void bind_user(struct db_stmt *st, const struct user *u)
{
        db_bind_text(st, 1, u->name);
        db_bind_text(st, 2, role_to_string(u->role));
        if (u->tenant[0])
                db_bind_text(st, 3, u->tenant);
        else
                db_bind_null(st, 3);
        db_bind_text(st, 4, u->password_hash);
        db_bind_int64(st, 5, u->disabled);
        db_bind_int64(st, 6, u->created_at);
        db_bind_int64(st, 7, u->updated_at);
        db_bind_text(st, 8, u->email);
        db_bind_text(st, 9, u->phone);
        db_bind_text(st, 10, u->time_zone[0] ? u->time_zone : "UTC");
        db_bind_text(st, 11, u->contacts[0] ? u->contacts : "[]");
}

int store_user_insert(struct store_tx *tx, struct user *u)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO users(name, role, tenant, password_hash, disabled, created_at, "
                "updated_at, email, phone, time_zone, contacts) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT DO NOTHING",
                &st);
        if (r < 0)
                return r;
        bind_user(st, u);
        return conflict_of(db_insert_id(st, &u->id));
}

int store_user_update(struct store_tx *tx, const struct user *u)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "UPDATE users SET name=?, role=?, tenant=?, password_hash=?, disabled=?, "
                "created_at=?, updated_at=?, email=?, phone=?, time_zone=?, contacts=? WHERE id=?",
                &st);
        if (r < 0)
                return r;
        bind_user(st, u);
        db_bind_int64(st, 12, u->id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_user_get(struct store_tx *tx, int64_t id, struct user *ret)
{
        return db_get_by_id(tx, "SELECT " USER_COLS " FROM users WHERE id=?", id, user_row, ret);
}

int store_user_get_by_name(struct store_tx *tx, const char *name, struct user *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT " USER_COLS " FROM users WHERE name=?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, name);
        return db_get(st, user_row, ret);
}

int store_user_list(struct store_tx *tx, int64_t after_id, unsigned limit,
                    int (*cb)(const struct user *, void *), void *userdata)
{
        struct db_stmt *st;
        struct user u;
        int r = db_prepare(tx, "SELECT " USER_COLS " FROM users WHERE id > ? ORDER BY id LIMIT ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, after_id);
        db_bind_int64(st, 2, db_limit(limit));
        return DB_EACH(st, u, user_row, cb, userdata);
}

int store_user_count(struct store_tx *tx, int64_t *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT count(*) FROM users", &st);
        if (r < 0)
                return r;
        return db_int64(st, ret);
}

/* ---- sessions ---- */

static void session_row(struct db_stmt *st, void *out)
{
        struct session *s = out;
        memset(s, 0, sizeof *s);
        s->id = db_column_int64(st, 0);
        s->user_id = db_column_int64(st, 1);
        db_blob_copy(st, 2, s->token_hash, sizeof s->token_hash);
        s->created_at = db_column_int64(st, 3);
        s->last_seen = db_column_int64(st, 4);
        s->expires_at = db_column_int64(st, 5);
}

int store_session_insert(struct store_tx *tx, struct session *s)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO sessions(user_id, token_hash, created_at, last_seen, expires_at) "
                "VALUES (?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, s->user_id);
        db_bind_blob(st, 2, s->token_hash, STORE_HASH_BYTES);
        db_bind_int64(st, 3, s->created_at);
        db_bind_int64(st, 4, s->last_seen);
        db_bind_int64(st, 5, s->expires_at);
        return db_insert_id(st, &s->id);
}

int store_session_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                              struct session *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT id, user_id, token_hash, created_at, last_seen, expires_at "
                           "FROM sessions WHERE token_hash=?",
                           &st);
        if (r < 0)
                return r;
        db_bind_blob(st, 1, hash, STORE_HASH_BYTES);
        return db_get(st, session_row, ret);
}

int store_session_touch(struct store_tx *tx, int64_t id, vg_usec_t now)
{
        int r = DB_EXEC_INTS(tx, "UPDATE sessions SET last_seen=? WHERE id=?", now, id);
        return r < 0 ? r : r == 0 ? -VG_ENOTFOUND : 0;
}

int store_session_delete(struct store_tx *tx, int64_t id)
{
        int r = DB_EXEC_INTS(tx, "DELETE FROM sessions WHERE id=?", id);
        return r < 0 ? r : r == 0 ? -VG_ENOTFOUND : 0;
}

int store_session_delete_for_user(struct store_tx *tx, int64_t user_id)
{
        int r = DB_EXEC_INTS(tx, "DELETE FROM sessions WHERE user_id=?", user_id);
        return r < 0 ? r : 0;
}

int store_session_delete_expired(struct store_tx *tx, vg_usec_t idle_before, vg_usec_t now)
{
        return DB_EXEC_INTS(tx, "DELETE FROM sessions WHERE last_seen < ? OR expires_at <= ?",
                            idle_before, now);
}

/* ---- API tokens ---- */

#define TOKEN_COLS                                                                                 \
        "id, user_id, name, prefix, token_hash, created_at, expires_at, revoked_at, last_used"

static void token_row(struct db_stmt *st, void *out)
{
        struct api_token *t = out;
        memset(t, 0, sizeof *t);
        t->id = db_column_int64(st, 0);
        t->user_id = db_column_int64(st, 1);
        db_text_copy(st, 2, t->name, sizeof t->name);
        db_text_copy(st, 3, t->prefix, sizeof t->prefix);
        db_blob_copy(st, 4, t->token_hash, sizeof t->token_hash);
        t->created_at = db_column_int64(st, 5);
        t->expires_at = db_column_int64(st, 6);
        t->revoked_at = db_column_int64(st, 7);
        t->last_used = db_column_int64(st, 8);
}

int store_token_insert(struct store_tx *tx, struct api_token *t)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO api_tokens(user_id, name, prefix, token_hash, created_at, "
                "expires_at) VALUES (?,?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, t->user_id);
        db_bind_text(st, 2, t->name);
        db_bind_text(st, 3, t->prefix);
        db_bind_blob(st, 4, t->token_hash, STORE_HASH_BYTES);
        db_bind_int64(st, 5, t->created_at);
        db_bind_int64(st, 6, t->expires_at);
        return db_insert_id(st, &t->id);
}

int store_token_get(struct store_tx *tx, int64_t id, struct api_token *ret)
{
        return db_get_by_id(tx, "SELECT " TOKEN_COLS " FROM api_tokens WHERE id=?", id, token_row,
                            ret);
}

int store_token_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                            struct api_token *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT " TOKEN_COLS " FROM api_tokens WHERE token_hash=?", &st);
        if (r < 0)
                return r;
        db_bind_blob(st, 1, hash, STORE_HASH_BYTES);
        return db_get(st, token_row, ret);
}

int store_token_revoke(struct store_tx *tx, int64_t id, vg_usec_t now)
{
        int r = DB_EXEC_INTS(tx, "UPDATE api_tokens SET revoked_at=? WHERE id=? AND revoked_at=0",
                             now, id);
        return r < 0 ? r : r == 0 ? -VG_ENOTFOUND : 0;
}

int store_token_revoke_for_user(struct store_tx *tx, int64_t user_id, int64_t except_id,
                                vg_usec_t now)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx, "UPDATE api_tokens SET revoked_at=? WHERE user_id=? AND id<>? AND revoked_at=0",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, now);
        db_bind_int64(st, 2, user_id);
        db_bind_int64(st, 3, except_id);
        return db_exec(st);
}

int store_token_touch(struct store_tx *tx, int64_t id, vg_usec_t now)
{
        int r = DB_EXEC_INTS(tx, "UPDATE api_tokens SET last_used=? WHERE id=?", now, id);
        return r < 0 ? r : 0;
}

int store_token_list(struct store_tx *tx, int64_t user_id, int64_t after_id, unsigned limit,
                     int (*cb)(const struct api_token *, void *), void *userdata)
{
        struct db_stmt *st;
        struct api_token t;
        int r = db_prepare(tx,
                           "SELECT " TOKEN_COLS " FROM api_tokens WHERE (?1 = 0 OR user_id = ?1) "
                           "AND id > ?2 ORDER BY id LIMIT ?3",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, user_id);
        db_bind_int64(st, 2, after_id);
        db_bind_int64(st, 3, db_limit(limit));
        return DB_EACH(st, t, token_row, cb, userdata);
}

int store_sign_in_failures(struct store_tx *tx, int slot, vg_usec_t *ret_window_start, unsigned *ret_failures)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT window_start, failures FROM sign_in_failures WHERE slot = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, slot);
        *ret_window_start = 0;
        *ret_failures = 0;
        r = db_step(st);
        if (r > 0) {
                *ret_window_start = db_column_int64(st, 0);
                *ret_failures = (unsigned)db_column_int64(st, 1);
        }
        db_finish(st);
        return r < 0 ? r : 0;
}

/* One upsert: a window that has ended starts again at now (SET reads the
 * row as it was, in both dialects). */
int store_sign_in_fail(struct store_tx *tx, int slot, vg_usec_t now, vg_usec_t window)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "INSERT INTO sign_in_failures(slot, window_start, failures) VALUES (?1, ?2, 1) "
                           "ON CONFLICT(slot) DO UPDATE SET "
                           "failures = CASE WHEN ?2 >= sign_in_failures.window_start + ?3 THEN 1 "
                           "ELSE sign_in_failures.failures + 1 END, "
                           "window_start = CASE WHEN ?2 >= sign_in_failures.window_start + ?3 THEN ?2 "
                           "ELSE sign_in_failures.window_start END",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, slot);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, window);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

int store_sign_in_clear(struct store_tx *tx, int slot)
{
        int r = DB_EXEC_INTS(tx, "UPDATE sign_in_failures SET failures = 0 WHERE slot = ?", slot);
        return r < 0 ? r : 0;
}
