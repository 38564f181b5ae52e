/* An incident's tasks, per phase, and the approvals of business-impact ones. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

#define TASK_SELECT                                                                                \
        "SELECT t.id, t.incident_id, t.phase, t.title, t.owner, t.due_at, t.status, "              \
        "t.business_impact, t.created_at, t.updated_at, coalesce(a.status, ''), "                  \
        "coalesce(a.requested_by, ''), coalesce(a.requested_at, 0), coalesce(a.decided_by, ''), "  \
        "coalesce(a.decided_at, 0), coalesce(a.comment, '') "                                      \
        "FROM incident_tasks t LEFT JOIN task_approvals a ON a.task_id = t.id "

static void task_row(struct db_stmt *st, void *out)
{
        struct task *t = out;
        char buf[32];
        memset(t, 0, sizeof *t);
        t->id = db_column_int64(st, 0);
        t->incident_id = db_column_int64(st, 1);
        db_text_copy(st, 2, buf, sizeof buf);
        t->phase = phase_from_string(buf);
        db_text_copy(st, 3, t->title, sizeof t->title);
        db_text_copy(st, 4, t->owner, sizeof t->owner);
        t->due_at = db_column_int64(st, 5);
        db_text_copy(st, 6, buf, sizeof buf);
        t->status = task_status_from_string(buf);
        t->business_impact = (int)db_column_int64(st, 7) != 0;
        t->created_at = db_column_int64(st, 8);
        t->updated_at = db_column_int64(st, 9);
        db_text_copy(st, 10, buf, sizeof buf);
        t->approval_status = approval_status_from_string(buf);
        db_text_copy(st, 11, t->requested_by, sizeof t->requested_by);
        t->requested_at = db_column_int64(st, 12);
        db_text_copy(st, 13, t->decided_by, sizeof t->decided_by);
        t->decided_at = db_column_int64(st, 14);
        db_text_copy(st, 15, t->comment, sizeof t->comment);
}

int store_task_insert(struct store_tx *tx, struct task *t)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO incident_tasks(incident_id, phase, title, owner, due_at, status, "
                "business_impact, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, t->incident_id);
        db_bind_text(st, 2, phase_to_string(t->phase));
        db_bind_text(st, 3, t->title);
        db_bind_text(st, 4, t->owner);
        db_bind_int64(st, 5, t->due_at);
        db_bind_text(st, 6, task_status_to_string(t->status));
        db_bind_int64(st, 7, t->business_impact);
        db_bind_int64(st, 8, t->created_at);
        db_bind_int64(st, 9, t->updated_at);
        return db_insert_id(st, &t->id);
}

int store_task_get(struct store_tx *tx, int64_t incident_id, int64_t task_id, struct task *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, TASK_SELECT "WHERE t.incident_id = ? AND t.id = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_int64(st, 2, task_id);
        return db_get(st, task_row, ret);
}

int store_task_update(struct store_tx *tx, const struct task *t)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "UPDATE incident_tasks SET title=?, owner=?, due_at=?, status=?, updated_at=? "
                "WHERE id=?",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, t->title);
        db_bind_text(st, 2, t->owner);
        db_bind_int64(st, 3, t->due_at);
        db_bind_text(st, 4, task_status_to_string(t->status));
        db_bind_int64(st, 5, t->updated_at);
        db_bind_int64(st, 6, t->id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_task_list(struct store_tx *tx, int64_t incident_id,
                    int (*cb)(const struct task *, void *), void *userdata)
{
        struct db_stmt *st;
        struct task t;
        int r = db_prepare(tx, TASK_SELECT "WHERE t.incident_id = ? ORDER BY t.id", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, t, task_row, cb, userdata);
}

int store_approval_put(struct store_tx *tx, const struct task *t)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "INSERT INTO task_approvals(task_id, incident_id, status, requested_by, "
                "requested_at, decided_by, decided_at, comment) VALUES (?,?,?,?,?,?,?,?) "
                "ON CONFLICT (task_id) DO UPDATE SET incident_id = excluded.incident_id, "
                "status = excluded.status, requested_by = excluded.requested_by, "
                "requested_at = excluded.requested_at, decided_by = excluded.decided_by, "
                "decided_at = excluded.decided_at, comment = excluded.comment",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, t->id);
        db_bind_int64(st, 2, t->incident_id);
        db_bind_text(st, 3, approval_status_to_string(t->approval_status));
        db_bind_text(st, 4, t->requested_by);
        db_bind_int64(st, 5, t->requested_at);
        db_bind_text(st, 6, t->decided_by);
        db_bind_int64(st, 7, t->decided_at);
        db_bind_text(st, 8, t->comment);
        r = db_exec(st);
        return r < 0 ? r : 0;
}
