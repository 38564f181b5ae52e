/* Post-mortems (one per incident, versioned) and the improvements they ask for. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

#define POSTMORTEM_COLS                                                                            \
        "incident_id, body, status, updated_by, created_at, updated_at, approved_by, "             \
        "approved_at, version"

static void postmortem_read(struct db_stmt *st, void *out)
{
        struct postmortem *p = out;
        memset(p, 0, sizeof *p);
        p->incident_id = db_column_int64(st, 0);
        p->body = db_text_ref(st, 1);
        db_text_copy(st, 2, p->status, sizeof p->status);
        db_text_copy(st, 3, p->updated_by, sizeof p->updated_by);
        p->created_at = db_column_int64(st, 4);
        p->updated_at = db_column_int64(st, 5);
        db_text_copy(st, 6, p->approved_by, sizeof p->approved_by);
        p->approved_at = db_column_int64(st, 7);
        p->version = db_column_int64(st, 8);
}

int store_postmortem_get(struct store_tx *tx, int64_t incident_id,
                         int (*cb)(const struct postmortem *, void *), void *userdata)
{
        struct db_stmt *st;
        struct postmortem p;
        int r = db_prepare(tx, "SELECT " POSTMORTEM_COLS " FROM postmortems WHERE incident_id = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_ONE(st, p, postmortem_read, cb, userdata);
}

int store_postmortem_put(struct store_tx *tx, struct postmortem *p)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "INSERT INTO postmortems(" POSTMORTEM_COLS ") VALUES (?,?,?,?,?,?,?,?,1) "
                "ON CONFLICT (incident_id) DO UPDATE SET body = excluded.body, status = "
                "excluded.status, "
                "updated_by = excluded.updated_by, updated_at = excluded.updated_at, "
                "approved_by = excluded.approved_by, approved_at = excluded.approved_at, "
                "version = postmortems.version + 1 RETURNING version",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, p->incident_id);
        db_bind_text(st, 2, p->body);
        db_bind_text(st, 3, p->status);
        db_bind_text(st, 4, p->updated_by);
        db_bind_int64(st, 5, p->created_at);
        db_bind_int64(st, 6, p->updated_at);
        db_bind_text(st, 7, p->approved_by);
        db_bind_int64(st, 8, p->approved_at);
        return db_int64(st, &p->version);
}

#define IMPROVEMENT_COLS                                                                           \
        "id, incident_id, factor, title, owner, kind, due_at, status, verification, done_at, "     \
        "created_by, created_at, "                                                                 \
        "updated_at"

static void improvement_read(struct db_stmt *st, void *out)
{
        struct improvement *i = out;
        memset(i, 0, sizeof *i);
        i->id = db_column_int64(st, 0);
        i->incident_id = db_column_int64(st, 1);
        db_text_copy(st, 2, i->factor, sizeof i->factor);
        i->title = db_text_ref(st, 3);
        db_text_copy(st, 4, i->owner, sizeof i->owner);
        db_text_copy(st, 5, i->kind, sizeof i->kind);
        i->due_at = db_column_int64(st, 6);
        db_text_copy(st, 7, i->status, sizeof i->status);
        i->verification = db_text_ref(st, 8);
        i->done_at = db_column_int64(st, 9);
        db_text_copy(st, 10, i->created_by, sizeof i->created_by);
        i->created_at = db_column_int64(st, 11);
        i->updated_at = db_column_int64(st, 12);
}

int store_improvement_add(struct store_tx *tx, struct improvement *i)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO improvements(incident_id, factor, title, owner, kind, "
                "due_at, status, verification, "
                "done_at, created_by, created_at, updated_at) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, i->incident_id);
        db_bind_text(st, 2, i->factor);
        db_bind_text(st, 3, i->title);
        db_bind_text(st, 4, i->owner);
        db_bind_text(st, 5, i->kind);
        db_bind_int64(st, 6, i->due_at);
        db_bind_text(st, 7, i->status);
        db_bind_text(st, 8, i->verification ? i->verification : "");
        db_bind_int64(st, 9, i->done_at);
        db_bind_text(st, 10, i->created_by);
        db_bind_int64(st, 11, i->created_at);
        db_bind_int64(st, 12, i->updated_at);
        return db_insert_id(st, &i->id);
}

int store_improvement_get(struct store_tx *tx, int64_t id,
                          int (*cb)(const struct improvement *, void *), void *userdata)
{
        struct db_stmt *st;
        struct improvement i;
        int r = db_prepare(tx, "SELECT " IMPROVEMENT_COLS " FROM improvements WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        return DB_ONE(st, i, improvement_read, cb, userdata);
}

int store_improvement_update(struct store_tx *tx, const struct improvement *i)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "UPDATE improvements SET title = ?, owner = ?, kind = ?, due_at = ?, status = ?, "
                "verification = ?, done_at = ?, updated_at = ? WHERE id = ?",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, i->title);
        db_bind_text(st, 2, i->owner);
        db_bind_text(st, 3, i->kind);
        db_bind_int64(st, 4, i->due_at);
        db_bind_text(st, 5, i->status);
        db_bind_text(st, 6, i->verification ? i->verification : "");
        db_bind_int64(st, 7, i->done_at);
        db_bind_int64(st, 8, i->updated_at);
        db_bind_int64(st, 9, i->id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_improvement_list(struct store_tx *tx, const struct improvement_filter *f,
                           int (*cb)(const struct improvement *, void *), void *userdata)
{
        struct db_stmt *st;
        struct improvement i;
        int r = db_prepare(tx,
                           "SELECT " IMPROVEMENT_COLS
                           " FROM improvements WHERE (?1 = 0 OR incident_id = ?1) "
                           "AND (?2 IS NULL OR owner = ?2) AND (?3 IS NULL OR status = ?3 OR "
                           "(?3 = 'undone' AND status IN ('open', 'in_progress'))) AND (?4 = 0 OR "
                           "due_at < ?4) "
                           "ORDER BY due_at, id",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, f->incident_id);
        if (f->owner)
                db_bind_text(st, 2, f->owner);
        else
                db_bind_null(st, 2);
        if (f->status)
                db_bind_text(st, 3, f->status);
        else
                db_bind_null(st, 3);
        db_bind_int64(st, 4, f->due_before);
        return DB_EACH(st, i, improvement_read, cb, userdata);
}
