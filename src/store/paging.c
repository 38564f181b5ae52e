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
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
        return conflict_of(db_insert_id(st, &e->id));
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
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
        return conflict_of(db_insert_id(st, &p->id));
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

/* The filters (?1 incident, ?2 user, ?3 acknowledged: -1 either, ?4 a
 * DB_LIKE pattern for the user or the incident's key or title); the page
 * after id ?5. By incident it walks pages_incident; otherwise the pages
 * in id order. */
#define PAGE_FILTERS                                                                               \
        "(?1 = 0 OR p.incident_id = ?1) AND (?2 IS NULL OR p.user_name = ?2) "                     \
        "AND (?3 < 0 OR (?3 = 1 AND p.acked_at <> 0) OR (?3 = 0 AND p.acked_at = 0)) "             \
        "AND (?4 IS NULL OR " DB_LIKE("p.user_name", "?4") " OR " DB_LIKE("i.key", "?4") " OR "    \
        DB_LIKE("i.title", "?4") ") "
#define PAGE_LIST "SELECT p.id, p.escalation_id, p.incident_id, p.user_name, p.level, p.round, p.via, " \
                  "p.ack_hash, p.created_at, p.acked_at, i.key FROM pages p JOIN incidents i ON i.id = p.incident_id "

static void page_listed(struct db_stmt *st, void *out)
{
        struct oncall_page *p = out;
        page_read(st, p);
        db_text_copy(st, 10, p->incident_key, sizeof p->incident_key);
}

int store_page_list(struct store_tx *tx, const struct page_filter *f, unsigned limit,
                    int (*cb)(const struct oncall_page *, void *), void *userdata)
{
        static const char *const newest =
                PAGE_LIST "WHERE (?5 = 0 OR p.id < ?5) AND " PAGE_FILTERS "ORDER BY p.id DESC LIMIT ?6";
        static const char *const oldest =
                PAGE_LIST "WHERE (?5 = 0 OR p.id > ?5) AND " PAGE_FILTERS "ORDER BY p.id LIMIT ?6";
        char pattern[2 * PAGE_TEXT_MAX + 3];
        if (f->text && db_like_pattern(f->text, pattern, sizeof pattern) < 0)
                return -E2BIG;
        struct db_stmt *st;
        struct oncall_page p;
        int r = db_prepare(tx, f->oldest_first ? oldest : newest, &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, f->incident_id);
        db_bind_text(st, 2, f->user);
        db_bind_int64(st, 3, f->acked == PAGE_ACKED_ANY ? -1 : f->acked == PAGE_ACKED_YES);
        db_bind_text(st, 4, f->text && *f->text ? pattern : NULL);
        db_bind_int64(st, 5, f->after_id);
        db_bind_int64(st, 6, db_limit(limit));
        return DB_EACH(st, p, page_listed, cb, userdata);
}

#undef PAGE_FILTERS
#undef PAGE_LIST

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
