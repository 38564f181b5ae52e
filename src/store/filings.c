/* Filings: what went out for an obligation, when, how and with which
 * reference, and each correction of its sent time (migration 027). The
 * rows are only ever added, so a correction never hides the first record. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

int store_filing_add(struct store_tx *tx, struct filing *f)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO obligation_filings(obligation_id, kind, at, previous_at, by_actor, channel, reference, "
                "note, reason, attachment_name, attachment_type, attachment_size, attachment_sha256, attachment, "
                "recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        bool att = f->attachment_name != NULL;
        db_bind_int64(st, 1, f->obligation_id);
        db_bind_text(st, 2, f->kind);
        db_bind_int64(st, 3, f->at);
        db_bind_time(st, 4, f->previous_at);
        db_bind_text(st, 5, f->by);
        db_bind_text(st, 6, f->channel);
        db_bind_text(st, 7, f->reference ? f->reference : "");
        db_bind_text(st, 8, f->note ? f->note : "");
        db_bind_text(st, 9, f->reason ? f->reason : "");
        if (att) {
                db_bind_text(st, 10, f->attachment_name);
                db_bind_text(st, 11, f->attachment_type ? f->attachment_type : "application/octet-stream");
                db_bind_int64(st, 12, f->attachment_size);
                db_bind_text(st, 13, f->attachment_sha256);
                db_bind_blob(st, 14, f->attachment, (size_t)f->attachment_size);
        } else {
                for (int i = 10; i <= 14; i++)
                        db_bind_null(st, i);
        }
        db_bind_int64(st, 15, f->recorded_at);
        return db_insert_id(st, &f->id);
}

#define FILING_COLS                                                                                          \
        "f.id, f.obligation_id, f.kind, f.at, f.previous_at, f.by_actor, f.channel, f.reference, f.note, "   \
        "f.reason, f.attachment_name, f.attachment_type, f.attachment_size, f.attachment_sha256, f.recorded_at"

static void filing_read(struct db_stmt *st, void *out)
{
        struct filing *f = out;
        memset(f, 0, sizeof *f);
        f->id = db_column_int64(st, 0);
        f->obligation_id = db_column_int64(st, 1);
        db_text_copy(st, 2, f->kind, sizeof f->kind);
        f->at = db_column_int64(st, 3);
        f->previous_at = db_column_time(st, 4);
        db_text_copy(st, 5, f->by, sizeof f->by);
        db_text_copy(st, 6, f->channel, sizeof f->channel);
        f->reference = db_text_or_empty(st, 7);
        f->note = db_text_or_empty(st, 8);
        f->reason = db_text_or_empty(st, 9);
        f->attachment_name = db_text_ref(st, 10);
        f->attachment_type = db_text_ref(st, 11);
        f->attachment_size = db_column_int64(st, 12);
        db_text_copy(st, 13, f->attachment_sha256, sizeof f->attachment_sha256);
        f->recorded_at = db_column_int64(st, 14);
}

int store_filing_list(struct store_tx *tx, int64_t incident_id, int64_t obligation_id,
                      int (*cb)(const struct filing *, void *), void *userdata)
{
        struct db_stmt *st;
        struct filing f;
        int r = db_prepare(tx,
                           "SELECT " FILING_COLS " FROM obligation_filings f JOIN obligations o ON o.id = "
                           "f.obligation_id WHERE o.incident_id = ?1 AND (?2 = 0 OR f.obligation_id = ?2) "
                           "ORDER BY f.obligation_id, f.id",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_int64(st, 2, obligation_id);
        return DB_EACH(st, f, filing_read, cb, userdata);
}

static void filing_read_bytes(struct db_stmt *st, void *out)
{
        struct filing *f = out;
        filing_read(st, f);
        size_t n = 0;
        f->attachment = db_column_blob(st, 15, &n);
        f->attachment_size = (int64_t)n;
}

int store_filing_attachment_get(struct store_tx *tx, int64_t incident_id, int64_t id,
                                int (*cb)(const struct filing *, void *), void *userdata)
{
        struct db_stmt *st;
        struct filing f;
        int r = db_prepare(tx,
                           "SELECT " FILING_COLS ", f.attachment FROM obligation_filings f JOIN obligations o ON "
                           "o.id = f.obligation_id WHERE o.incident_id = ? AND f.id = ? AND f.attachment_name IS "
                           "NOT NULL",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_int64(st, 2, id);
        return DB_ONE(st, f, filing_read_bytes, cb, userdata);
}

int store_obligation_sent_correct(struct store_tx *tx, int64_t id, vg_usec_t at)
{
        int r = DB_EXEC_INTS(tx, "UPDATE obligations SET sent_at = ? WHERE id = ? AND status = 'sent'", at, id);
        return r < 0 ? r : r == 0 ? -VG_ECONFLICT : 0;
}
