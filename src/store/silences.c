/* Silences, put and read by their id. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

static void silence_row_read(struct db_stmt *st, void *out)
{
        struct silence_row *s = out;
        memset(s, 0, sizeof *s);
        db_text_copy(st, 0, s->id, sizeof s->id);
        s->matchers = db_text_ref(st, 1);
        s->starts_at = db_column_int64(st, 2);
        s->ends_at = db_column_int64(st, 3);
        db_text_copy(st, 4, s->created_by, sizeof s->created_by);
        s->comment = db_text_ref(st, 5);
        s->updated_at = db_column_int64(st, 6);
}

int store_silence_put(struct store_tx *tx, const struct silence_row *s)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "INSERT INTO silences(id, matchers, starts_at, ends_at, created_by, comment, "
                "updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
                "matchers = excluded.matchers, starts_at = excluded.starts_at, ends_at = "
                "excluded.ends_at, "
                "created_by = excluded.created_by, comment = excluded.comment, "
                "updated_at = excluded.updated_at",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, s->id);
        db_bind_text(st, 2, s->matchers);
        db_bind_int64(st, 3, s->starts_at);
        db_bind_int64(st, 4, s->ends_at);
        db_bind_text(st, 5, s->created_by);
        db_bind_text(st, 6, s->comment ? s->comment : "");
        db_bind_int64(st, 7, s->updated_at);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

int store_silence_get(struct store_tx *tx, const char *id,
                      int (*cb)(const struct silence_row *, void *), void *userdata)
{
        struct db_stmt *st;
        struct silence_row s;
        int r = db_prepare(
                tx,
                "SELECT id, matchers, starts_at, ends_at, created_by, comment, updated_at "
                "FROM silences WHERE id = ?",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        int rc = db_step(st);
        if (rc > 0) {
                silence_row_read(st, &s);
                r = cb(&s, userdata);
        } else {
                r = rc == 0 ? -VG_ENOTFOUND : rc;
        }
        db_finish(st);
        return r;
}

int store_silence_list(struct store_tx *tx, int (*cb)(const struct silence_row *, void *),
                       void *userdata)
{
        struct db_stmt *st;
        struct silence_row s;
        int r = db_prepare(
                tx,
                "SELECT id, matchers, starts_at, ends_at, created_by, comment, updated_at "
                "FROM silences ORDER BY starts_at, id",
                &st);
        if (r < 0)
                return r;
        return DB_EACH(st, s, silence_row_read, cb, userdata);
}
