/* Calendar feeds: secret URLs that serve a person's on-call shifts. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

#define FEED_COLS "id, kind, name, prefix, token_hash, created_by, created_at, revoked_at"

static void feed_read(struct db_stmt *st, void *out)
{
        struct calendar_feed *f = out;
        memset(f, 0, sizeof *f);
        f->id = db_column_int64(st, 0);
        db_text_copy(st, 1, f->kind, sizeof f->kind);
        db_text_copy(st, 2, f->name, sizeof f->name);
        db_text_copy(st, 3, f->prefix, sizeof f->prefix);
        db_blob_copy(st, 4, f->token_hash, sizeof f->token_hash);
        db_text_copy(st, 5, f->created_by, sizeof f->created_by);
        f->created_at = db_column_int64(st, 6);
        f->revoked_at = db_column_int64(st, 7);
}

int store_feed_insert(struct store_tx *tx, struct calendar_feed *f)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO calendar_feeds(kind, name, prefix, token_hash, created_by, "
                "created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, f->kind);
        db_bind_text(st, 2, f->name);
        db_bind_text(st, 3, f->prefix);
        db_bind_blob(st, 4, f->token_hash, sizeof f->token_hash);
        db_bind_text(st, 5, f->created_by);
        db_bind_int64(st, 6, f->created_at);
        return db_insert_id(st, &f->id);
}

int store_feed_get(struct store_tx *tx, int64_t id, struct calendar_feed *ret)
{
        return db_get_by_id(tx, "SELECT " FEED_COLS " FROM calendar_feeds WHERE id = ?", id,
                            feed_read, ret);
}

int store_feed_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                           struct calendar_feed *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT " FEED_COLS " FROM calendar_feeds WHERE token_hash = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_blob(st, 1, hash, STORE_HASH_BYTES);
        return db_get(st, feed_read, ret);
}

int store_feed_list(struct store_tx *tx, const char *created_by,
                    int (*cb)(const struct calendar_feed *, void *), void *userdata)
{
        struct db_stmt *st;
        struct calendar_feed f;
        int r = db_prepare(tx,
                           "SELECT " FEED_COLS
                           " FROM calendar_feeds WHERE (?1 IS NULL OR created_by = ?1) "
                           "ORDER BY id",
                           &st);
        if (r < 0)
                return r;
        if (created_by)
                db_bind_text(st, 1, created_by);
        else
                db_bind_null(st, 1);
        return DB_EACH(st, f, feed_read, cb, userdata);
}

int store_feed_revoke(struct store_tx *tx, int64_t id, vg_usec_t at)
{
        int r = DB_EXEC_INTS(
                tx, "UPDATE calendar_feeds SET revoked_at = ? WHERE id = ? AND revoked_at = 0", at,
                id);
        return r < 0 ? r : r == 0 ? -VG_ENOTFOUND : 0;
}

int store_feed_revoke_by_creator(struct store_tx *tx, const char *created_by, vg_usec_t at)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "UPDATE calendar_feeds SET revoked_at = ? WHERE created_by = ? AND revoked_at = 0",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, at);
        db_bind_text(st, 2, created_by);
        return db_exec(st);
}
