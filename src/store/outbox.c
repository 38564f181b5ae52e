/* The outbox: every message Vigil sends, written in the transaction that
 * decided to send it, sent by a job. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

#define OUTBOX_COLS                                                                                \
        "id, idem_key, channel, address, subject, body, coalesce(page_id, 0), status, attempts, "  \
        "last_result, created_at, sent_at"

static void outbox_read(struct db_stmt *st, void *out)
{
        struct outbox_msg *m = out;
        memset(m, 0, sizeof *m);
        m->id = db_column_int64(st, 0);
        db_text_copy(st, 1, m->idem_key, sizeof m->idem_key);
        db_text_copy(st, 2, m->channel, sizeof m->channel);
        m->address = db_text_ref(st, 3);
        m->subject = db_text_ref(st, 4);
        m->body = db_text_ref(st, 5);
        m->page_id = db_column_int64(st, 6);
        db_text_copy(st, 7, m->status, sizeof m->status);
        m->attempts = (int)db_column_int64(st, 8);
        m->last_result = db_text_ref(st, 9);
        m->created_at = db_column_int64(st, 10);
        m->sent_at = db_column_int64(st, 11);
}

int store_outbox_add(struct store_tx *tx, struct outbox_msg *m)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO outbox(idem_key, channel, address, subject, body, page_id, "
                "created_at) "
                "VALUES (?, ?, ?, ?, ?, nullif(?, 0), ?) ON CONFLICT DO NOTHING",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, m->idem_key);
        db_bind_text(st, 2, m->channel);
        db_bind_text(st, 3, m->address);
        db_bind_text(st, 4, m->subject ? m->subject : "");
        db_bind_text(st, 5, m->body);
        db_bind_int64(st, 6, m->page_id);
        db_bind_int64(st, 7, m->created_at);
        return conflict_of(db_insert_id(st, &m->id));
}

int store_outbox_get(struct store_tx *tx, int64_t id, int (*cb)(const struct outbox_msg *, void *),
                     void *userdata)
{
        struct db_stmt *st;
        struct outbox_msg m;
        int r = db_prepare(tx, "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        return DB_ONE(st, m, outbox_read, cb, userdata);
}

int store_outbox_sending(struct store_tx *tx, int64_t id)
{
        int r = DB_EXEC_INTS(
                tx, "UPDATE outbox SET status = 'sending' WHERE id = ? AND status = 'pending'", id);
        return r < 0 ? r : r == 0 ? -VG_ECONFLICT : 0;
}

int store_outbox_attempt(struct store_tx *tx, int64_t id, const char *status, const char *result,
                         vg_usec_t at)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "UPDATE outbox SET status = ?1, last_result = ?2, attempts = attempts + 1, "
                "sent_at = CASE WHEN ?1 = 'sent' THEN ?3 ELSE sent_at END WHERE id = ?4",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, status);
        db_bind_text(st, 2, result ? result : "");
        db_bind_int64(st, 3, at);
        db_bind_int64(st, 4, id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_outbox_list_page(struct store_tx *tx, int64_t page_id,
                           int (*cb)(const struct outbox_msg *, void *), void *userdata)
{
        struct db_stmt *st;
        struct outbox_msg m;
        int r = db_prepare(tx, "SELECT " OUTBOX_COLS " FROM outbox WHERE page_id = ? ORDER BY id",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, page_id);
        return DB_EACH(st, m, outbox_read, cb, userdata);
}
