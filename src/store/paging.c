/* Escalations (one per incident and trigger) and the pages they send. */
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ESC_COLS                                                                                   \
        "id, incident_id, service, policy, trigger, state, level, round, started_at, acked_at, "   \
        "acked_by"

static void escalation_read(struct db_stmt *st, void *out)
{
        struct escalation *e = out;
        memset(e, 0, sizeof *e);
        e->id = db_column_int64(st, 0);
        e->incident_id = db_column_int64(st, 1);
        db_text_copy(st, 2, e->service, sizeof e->service);
        db_text_copy(st, 3, e->policy, sizeof e->policy);
        db_text_copy(st, 4, e->trigger, sizeof e->trigger);
        db_text_copy(st, 5, e->state, sizeof e->state);
        e->level = (int)db_column_int64(st, 6);
        e->round = (int)db_column_int64(st, 7);
        e->started_at = db_column_int64(st, 8);
        e->acked_at = db_column_int64(st, 9);
        db_text_copy(st, 10, e->acked_by, sizeof e->acked_by);
}

int store_escalation_add(struct store_tx *tx, struct escalation *e)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO escalations(incident_id, service, policy, trigger, state, "
                "level, round, started_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, e->incident_id);
        db_bind_text(st, 2, e->service);
        db_bind_text(st, 3, e->policy);
        db_bind_text(st, 4, e->trigger);
        db_bind_text(st, 5, e->state[0] ? e->state : "active");
        db_bind_int64(st, 6, e->level);
        db_bind_int64(st, 7, e->round);
        db_bind_int64(st, 8, e->started_at);
        return db_insert_id(st, &e->id);
}

int store_escalation_get(struct store_tx *tx, int64_t id, struct escalation *ret)
{
        return db_get_by_id(tx, "SELECT " ESC_COLS " FROM escalations WHERE id = ?", id,
                            escalation_read, ret);
}

int store_escalation_update(struct store_tx *tx, const struct escalation *e)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "UPDATE escalations SET state = ?, level = ?, round = ?, acked_at = ?, "
                           "acked_by = ? WHERE id = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, e->state);
        db_bind_int64(st, 2, e->level);
        db_bind_int64(st, 3, e->round);
        db_bind_int64(st, 4, e->acked_at);
        db_bind_text(st, 5, e->acked_by);
        db_bind_int64(st, 6, e->id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_escalation_list(struct store_tx *tx, int64_t incident_id,
                          int (*cb)(const struct escalation *, void *), void *userdata)
{
        struct db_stmt *st;
        struct escalation e;
        int r = db_prepare(
                tx, "SELECT " ESC_COLS " FROM escalations WHERE incident_id = ? ORDER BY id", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, e, escalation_read, cb, userdata);
}

#define PAGE_COLS                                                                                  \
        "id, escalation_id, incident_id, user_name, level, round, via, ack_hash, created_at, "     \
        "acked_at"

static void page_read(struct db_stmt *st, void *out)
{
        struct oncall_page *p = out;
        memset(p, 0, sizeof *p);
        p->id = db_column_int64(st, 0);
        p->escalation_id = db_column_int64(st, 1);
        p->incident_id = db_column_int64(st, 2);
        db_text_copy(st, 3, p->user, sizeof p->user);
        p->level = (int)db_column_int64(st, 4);
        p->round = (int)db_column_int64(st, 5);
        db_text_copy(st, 6, p->via, sizeof p->via);
        db_blob_copy(st, 7, p->ack_hash, sizeof p->ack_hash);
        p->created_at = db_column_int64(st, 8);
        p->acked_at = db_column_int64(st, 9);
}

int store_page_add(struct store_tx *tx, struct oncall_page *p)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO pages(escalation_id, incident_id, user_name, level, round, "
                "via, ack_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, p->escalation_id);
        db_bind_int64(st, 2, p->incident_id);
        db_bind_text(st, 3, p->user);
        db_bind_int64(st, 4, p->level);
        db_bind_int64(st, 5, p->round);
        db_bind_text(st, 6, p->via);
        db_bind_blob(st, 7, p->ack_hash, sizeof p->ack_hash);
        db_bind_int64(st, 8, p->created_at);
        return db_insert_id(st, &p->id);
}

int store_page_get(struct store_tx *tx, int64_t id, struct oncall_page *ret)
{
        return db_get_by_id(tx, "SELECT " PAGE_COLS " FROM pages WHERE id = ?", id, page_read, ret);
}

int store_page_get_by_ack(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                          struct oncall_page *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT " PAGE_COLS " FROM pages WHERE ack_hash = ?", &st);
        if (r < 0)
                return r;
        db_bind_blob(st, 1, hash, STORE_HASH_BYTES);
        return db_get(st, page_read, ret);
}

int store_page_ack(struct store_tx *tx, int64_t id, vg_usec_t at)
{
        int r = DB_EXEC_INTS(tx, "UPDATE pages SET acked_at = ? WHERE id = ? AND acked_at = 0", at,
                             id);
        return r < 0 ? r : r == 0 ? -VG_ECONFLICT : 0;
}

int store_page_list(struct store_tx *tx, int64_t incident_id, unsigned limit,
                    int (*cb)(const struct oncall_page *, void *), void *userdata)
{
        struct db_stmt *st;
        struct oncall_page p;
        int r = db_prepare(tx,
                           "SELECT " PAGE_COLS " FROM pages WHERE (?1 = 0 OR incident_id = ?1) "
                           "ORDER BY id DESC LIMIT ?2",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_int64(st, 2, db_limit(limit));
        return DB_EACH(st, p, page_read, cb, userdata);
}

/* The job that starts an incident's escalation, in the caller's
 * transaction. */
int store_escalation_trigger(struct store_tx *tx, const char *key, const char *trigger,
                             vg_usec_t at)
{
        json_t *p = json_pack("{s:s, s:s}", "key", key, "trigger", trigger);
        char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(p);
        int r = text ? store_job_add(tx, "escalate.start", text, at, NULL) : -ENOMEM;
        free(text);
        return r;
}
