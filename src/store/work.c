/* What waits for a person: the queries behind "what needs me now" on the
 * console's first page. Each is one indexed walk bounded by limit, over
 * incidents that are not closed. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

static void work_row(struct db_stmt *st, void *out)
{
        struct work_item *w = out;
        memset(w, 0, sizeof *w);
        w->id = db_column_int64(st, 0);
        w->incident = db_text_ref(st, 1);
        w->incident_title = db_text_ref(st, 2);
        w->title = db_text_ref(st, 3);
        w->who = db_text_ref(st, 4);
        w->state = db_text_ref(st, 5);
        w->number = db_column_int64(st, 6);
        w->at = db_column_time(st, 7);
        w->due_at = db_column_time(st, 8);
}

static int work_walk(struct store_tx *tx, const char *sql, const char *name, unsigned limit,
                     int (*cb)(const struct work_item *, void *), void *userdata)
{
        struct db_stmt *st;
        struct work_item w;
        int r = db_prepare(tx, sql, &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, name);
        db_bind_int64(st, 2, db_limit(limit));
        return DB_EACH(st, w, work_row, cb, userdata);
}

int store_work_pages(struct store_tx *tx, const char *user, unsigned limit,
                     int (*cb)(const struct work_item *, void *), void *userdata)
{
        return work_walk(tx,
                         "SELECT p.id, i.key, i.title, '', p.via, '', p.level, p.created_at, NULL "
                         "FROM pages p JOIN incidents i ON i.id = p.incident_id "
                         "WHERE p.user_name = ?1 AND p.acked_at = 0 AND i.phase <> 'closed' "
                         "ORDER BY p.id DESC LIMIT ?2",
                         user, limit, cb, userdata);
}

int store_work_tasks(struct store_tx *tx, const char *owner, unsigned limit,
                     int (*cb)(const struct work_item *, void *), void *userdata)
{
        return work_walk(tx,
                         "SELECT t.id, i.key, i.title, t.title, '', t.status, 0, t.created_at, "
                         "t.due_at FROM incident_tasks t JOIN incidents i ON i.id = t.incident_id "
                         "WHERE t.owner = ?1 AND t.status IN ('open', 'in_progress') "
                         "AND i.phase <> 'closed' "
                         "ORDER BY CASE WHEN t.due_at IS NULL OR t.due_at = 0 THEN 1 ELSE 0 END, "
                         "t.due_at, t.id LIMIT ?2",
                         owner, limit, cb, userdata);
}

int store_work_approvals(struct store_tx *tx, const char *decider, unsigned limit,
                         int (*cb)(const struct work_item *, void *), void *userdata)
{
        return work_walk(tx,
                         "SELECT a.task_id, i.key, i.title, t.title, a.requested_by, a.status, 0, "
                         "a.requested_at, t.due_at FROM task_approvals a "
                         "JOIN incident_tasks t ON t.id = a.task_id "
                         "JOIN incidents i ON i.id = a.incident_id "
                         "WHERE a.status = 'pending' AND a.requested_by <> ?1 "
                         "AND i.phase <> 'closed' ORDER BY a.requested_at, a.task_id LIMIT ?2",
                         decider, limit, cb, userdata);
}

int store_work_notices(struct store_tx *tx, const char *releaser, unsigned limit,
                       int (*cb)(const struct work_item *, void *), void *userdata)
{
        return work_walk(tx,
                         "SELECT n.id, i.key, i.title, '', n.composed_by, n.kind, n.version, "
                         "n.composed_at, NULL FROM notices n JOIN incidents i ON i.id = n.incident_id "
                         "WHERE n.released_at IS NULL AND n.composed_by <> ?1 "
                         "AND i.phase <> 'closed' ORDER BY n.composed_at, n.id LIMIT ?2",
                         releaser, limit, cb, userdata);
}
