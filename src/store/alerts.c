/* Alerts: each episode of a fingerprint (a row, with its repeat counters
 * in alert_seen so that a repeat rewrites a few bytes), the groups that
 * gather them into incidents, and their links to incidents. */
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int store_alert_link(struct store_tx *tx, int64_t incident_id, struct alert_link *l)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO incident_alerts(incident_id, alert, reason, vigilance, "
                "linked_by, linked_at) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, l->alert);
        db_bind_text(st, 3, l->reason ? l->reason : "");
        db_bind_int64(st, 4, l->vigilance);
        db_bind_text(st, 5, l->linked_by);
        db_bind_int64(st, 6, l->linked_at);
        return conflict_of(db_insert_id(st, &l->id));
}

static void link_row(struct db_stmt *st, void *out)
{
        struct alert_link *l = out;
        memset(l, 0, sizeof *l);
        l->id = db_column_int64(st, 0);
        db_text_copy(st, 1, l->alert, sizeof l->alert);
        l->reason = db_text_ref(st, 2);
        l->vigilance = (int)db_column_int64(st, 3) != 0;
        db_text_copy(st, 4, l->linked_by, sizeof l->linked_by);
        l->linked_at = db_column_int64(st, 5);
}

int store_alert_link_list(struct store_tx *tx, int64_t incident_id,
                          int (*cb)(const struct alert_link *, void *), void *userdata)
{
        struct db_stmt *st;
        struct alert_link l;
        int r = db_prepare(
                tx,
                "SELECT id, alert, reason, vigilance, linked_by, linked_at FROM incident_alerts "
                "WHERE incident_id = ? ORDER BY id",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, l, link_row, cb, userdata);
}

#define ALERT_COLS                                                                                 \
        "a.id, a.fingerprint, a.labels, a.annotations, a.source, a.service, a.severity, "          \
        "a.summary, "                                                                              \
        "a.generator_url, a.starts_at, s.ends_at, s.updated_at, s.received, a.silenced_by, "       \
        "coalesce(a.incident_id, 0), a.group_key"
#define ALERT_FROM " FROM alerts a JOIN alert_seen s ON s.alert_id = a.id "

static void alert_row_read(struct db_stmt *st, void *out)
{
        struct alert_row *a = out;
        memset(a, 0, sizeof *a);
        a->id = db_column_int64(st, 0);
        db_text_copy(st, 1, a->fingerprint, sizeof a->fingerprint);
        a->labels = db_text_ref(st, 2);
        a->annotations = db_text_ref(st, 3);
        db_text_copy(st, 4, a->source, sizeof a->source);
        db_text_copy(st, 5, a->service, sizeof a->service);
        db_text_copy(st, 6, a->severity, sizeof a->severity);
        a->summary = db_text_ref(st, 7);
        a->generator_url = db_text_ref(st, 8);
        a->starts_at = db_column_int64(st, 9);
        a->ends_at = db_column_int64(st, 10);
        a->updated_at = db_column_int64(st, 11);
        a->received = db_column_int64(st, 12);
        db_text_copy(st, 13, a->silenced_by, sizeof a->silenced_by);
        a->incident_id = db_column_int64(st, 14);
        a->group_key = db_text_ref(st, 15);
}

int store_alert_last(struct store_tx *tx, const char *fp, int64_t *ret_id, vg_usec_t *ret_ends)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT a.id, s.ends_at" ALERT_FROM
                           "WHERE a.fingerprint = ? ORDER BY a.id DESC LIMIT 1",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, fp);
        int rc = db_step(st);
        if (rc > 0) {
                *ret_id = db_column_int64(st, 0);
                *ret_ends = db_column_int64(st, 1);
        }
        db_finish(st);
        return rc > 0 ? 0 : rc == 0 ? -VG_ENOTFOUND : rc;
}

int store_alert_insert(struct store_tx *tx, struct alert_row *a)
{
        struct db_stmt *st;
        char *dumped = NULL;
        if (!a->labels && a->labels_obj) {
                dumped = json_dumps(a->labels_obj, JSON_SORT_KEYS | JSON_COMPACT);
                if (!dumped)
                        return -ENOMEM;
        }
        /* The latest episode steps down only when it has ended (at
         * updated_at, the arrival): one still open keeps its place, and
         * the insert below then meets it in alerts_one_open. */
        int r = db_prepare(tx,
                           "UPDATE alerts SET latest = 0 WHERE fingerprint = ?1 AND latest = 1 "
                           "AND EXISTS (SELECT 1 FROM alert_seen s WHERE s.alert_id = alerts.id "
                           "AND s.ends_at <> 0 AND s.ends_at <= ?2)",
                           &st);
        if (r >= 0) {
                db_bind_text(st, 1, a->fingerprint);
                db_bind_int64(st, 2, a->updated_at);
                r = db_exec(st);
        }
        if (r >= 0)
                r = db_prepare_insert(tx,
                                      "INSERT INTO alerts(fingerprint, labels, annotations, "
                                      "source, service, severity, summary, generator_url, "
                                      "starts_at, silenced_by, group_key, latest) VALUES "
                                      "(?,?,?,?,?,?,?,?,?,?,?,1) "
                                      "ON CONFLICT(fingerprint) WHERE latest = 1 DO NOTHING",
                                      &st);
        if (r < 0) {
                free(dumped);
                return r;
        }
        db_bind_text(st, 1, a->fingerprint);
        db_bind_text(st, 2, dumped ? dumped : a->labels ? a->labels : "{}");
        db_bind_text(st, 3, a->annotations ? a->annotations : "{}");
        db_bind_text(st, 4, a->source);
        db_bind_text(st, 5, a->service);
        db_bind_text(st, 6, a->severity);
        db_bind_text(st, 7, a->summary ? a->summary : "");
        db_bind_text(st, 8, a->generator_url ? a->generator_url : "");
        db_bind_int64(st, 9, a->starts_at);
        db_bind_text(st, 10, a->silenced_by);
        db_bind_text(st, 11, a->group_key ? a->group_key : "");
        /* DO NOTHING rather than a failed statement: the conflict leaves
         * the transaction usable (PostgreSQL aborts one on an error), so
         * the caller can take the open episode instead. */
        r = db_insert_id(st, &a->id);
        free(dumped);
        if (r < 0)
                return conflict_of(r);
        r = db_prepare(
                tx,
                "INSERT INTO alert_seen(alert_id, ends_at, updated_at, received) VALUES (?,?,?,1)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, a->id);
        db_bind_int64(st, 2, a->ends_at);
        db_bind_int64(st, 3, a->updated_at);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

int store_alert_seen(struct store_tx *tx, int64_t id, int64_t times, vg_usec_t ends_at,
                     vg_usec_t updated_at)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "UPDATE alert_seen SET received = received + ?, ends_at = ?, updated_at "
                           "= ? WHERE alert_id = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, times);
        db_bind_int64(st, 2, ends_at);
        db_bind_int64(st, 3, updated_at);
        db_bind_int64(st, 4, id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_alert_content(struct store_tx *tx, int64_t id, const char *annotations,
                        const char *summary)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "UPDATE alerts SET annotations = ?, summary = ? WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, annotations ? annotations : "{}");
        db_bind_text(st, 2, summary ? summary : "");
        db_bind_int64(st, 3, id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

/* The filters (?2 firing: -1 either, 1 firing, 0 resolved, at ?3; ?4
 * service, ?5 severity, ?6 a DB_LIKE pattern for the summary, the
 * fingerprint or the labels' text, ?7 incident id, ?8 linked to an
 * incident: -1 either); the page after id ?1, newest or oldest first. */
#define ALERT_FILTERS                                                                              \
        "(?2 < 0 OR (?2 = 1 AND (s.ends_at = 0 OR s.ends_at > ?3)) "                               \
        "     OR (?2 = 0 AND s.ends_at <> 0 AND s.ends_at <= ?3)) "                                \
        "AND (?4 IS NULL OR a.service = ?4) AND (?5 IS NULL OR a.severity = ?5) "                  \
        "AND (?6 IS NULL OR " DB_LIKE("a.summary", "?6") " OR " DB_LIKE("a.fingerprint", "?6")     \
        "     OR " DB_LIKE("a.labels", "?6") ") "                                                  \
        "AND (?7 = 0 OR a.incident_id = ?7) "                                                      \
        "AND (?8 < 0 OR (?8 = 1 AND a.incident_id IS NOT NULL) OR (?8 = 0 AND a.incident_id IS NULL)) "
#define ALERT_LIST "SELECT " ALERT_COLS ", coalesce(i.key, '')" ALERT_FROM "LEFT JOIN incidents i ON i.id = a.incident_id "

static void alert_listed(struct db_stmt *st, void *out)
{
        struct alert_row *a = out;
        alert_row_read(st, a);
        db_text_copy(st, 16, a->incident_key, sizeof a->incident_key);
}

int store_alert_list(struct store_tx *tx, const struct alert_filter *f, unsigned limit,
                     int (*cb)(const struct alert_row *, void *), void *userdata)
{
        static const char *const newest =
                ALERT_LIST "WHERE (?1 = 0 OR a.id < ?1) AND " ALERT_FILTERS "ORDER BY a.id DESC LIMIT ?9";
        static const char *const oldest =
                ALERT_LIST "WHERE (?1 = 0 OR a.id > ?1) AND " ALERT_FILTERS "ORDER BY a.id LIMIT ?9";
        char pattern[2 * ALERT_TEXT_MAX + 3];
        if (f->text && db_like_pattern(f->text, pattern, sizeof pattern) < 0)
                return -E2BIG;
        struct db_stmt *st;
        struct alert_row a;
        int r = db_prepare(tx, f->oldest_first ? oldest : newest, &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, f->after_id);
        db_bind_int64(st, 2, f->firing == ALERT_FIRING_ANY ? -1 : f->firing == ALERT_FIRING_YES);
        db_bind_int64(st, 3, f->now);
        db_bind_text(st, 4, f->service);
        db_bind_text(st, 5, f->severity);
        db_bind_text(st, 6, f->text && *f->text ? pattern : NULL);
        db_bind_int64(st, 7, f->incident_id);
        db_bind_int64(st, 8, f->linked == ALERT_LINKED_ANY ? -1 : f->linked == ALERT_LINKED_YES);
        db_bind_int64(st, 9, db_limit(limit));
        return DB_EACH(st, a, alert_listed, cb, userdata);
}

#undef ALERT_FILTERS
#undef ALERT_LIST

int store_alert_list_incident(struct store_tx *tx, int64_t incident_id, unsigned limit,
                              int (*cb)(const struct alert_row *, void *), void *userdata)
{
        /* The listing's own query, with its filter on the incident. */
        const struct alert_filter f = {.firing = ALERT_FIRING_ANY, .incident_id = incident_id};
        return incident_id > 0 ? store_alert_list(tx, &f, limit, cb, userdata) : 0;
}

int store_alert_set_incident(struct store_tx *tx, int64_t alert_id, int64_t incident_id)
{
        int r = DB_EXEC_INTS(tx, "UPDATE alerts SET incident_id = ? WHERE id = ?", incident_id,
                             alert_id);
        return r < 0 ? r : r == 0 ? -VG_ENOTFOUND : 0;
}

int store_alert_adopt(struct store_tx *tx, const char *fingerprint, int64_t incident_id)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "UPDATE alerts SET incident_id = ?1 WHERE incident_id IS NULL AND id = "
                           "(SELECT max(w.id) FROM alerts w WHERE w.fingerprint = ?2)",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, fingerprint);
        r = db_exec(st);
        return r < 0 ? r : r > 0;
}

int store_alert_group_get(struct store_tx *tx, const char *key, struct alert_group *g)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT g.service, coalesce(g.incident_id, 0), coalesce(i.key, ''), "
                           "CASE WHEN i.phase <> 'closed' THEN 1 ELSE 0 END, g.opens_at, "
                           "g.last_alert_at FROM alert_groups g "
                           "LEFT JOIN incidents i ON i.id = g.incident_id WHERE g.key = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, key);
        int rc = db_step(st);
        if (rc > 0) {
                memset(g, 0, sizeof *g);
                g->key = key;
                db_text_copy(st, 0, g->service, sizeof g->service);
                g->incident_id = db_column_int64(st, 1);
                db_text_copy(st, 2, g->incident_key, sizeof g->incident_key);
                g->incident_open = (int)db_column_int64(st, 3) != 0;
                g->opens_at = db_column_int64(st, 4);
                g->last_alert_at = db_column_int64(st, 5);
        }
        db_finish(st);
        return rc > 0 ? 0 : rc == 0 ? -VG_ENOTFOUND : rc;
}

int store_alert_group_put(struct store_tx *tx, const struct alert_group *g)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "INSERT INTO alert_groups(key, service, incident_id, opens_at, last_alert_at) "
                "VALUES (?, ?, nullif(?, 0), ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "service = excluded.service, incident_id = excluded.incident_id, "
                "opens_at = excluded.opens_at, last_alert_at = excluded.last_alert_at",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, g->key);
        db_bind_text(st, 2, g->service);
        db_bind_int64(st, 3, g->incident_id);
        db_bind_int64(st, 4, g->opens_at);
        db_bind_int64(st, 5, g->last_alert_at);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

static void alert_group_read(struct db_stmt *st, void *out)
{
        struct alert_group *g = out;
        memset(g, 0, sizeof *g);
        g->key = db_text_ref(st, 0);
        db_text_copy(st, 1, g->service, sizeof g->service);
        g->opens_at = db_column_int64(st, 2);
        g->last_alert_at = db_column_int64(st, 3);
}

int store_alert_group_due(struct store_tx *tx, vg_usec_t now,
                          int (*cb)(const struct alert_group *, void *), void *userdata)
{
        struct db_stmt *st;
        struct alert_group g;
        int r = db_prepare(tx,
                           "SELECT key, service, opens_at, last_alert_at FROM alert_groups "
                           "WHERE opens_at > 0 AND opens_at <= ? ORDER BY opens_at, key",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, now);
        return DB_EACH(st, g, alert_group_read, cb, userdata);
}

int store_alert_group_next(struct store_tx *tx, vg_usec_t *ret)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx, "SELECT coalesce(min(opens_at), 0) FROM alert_groups WHERE opens_at > 0", &st);
        if (r < 0)
                return r;
        return db_int64(st, ret);
}

int store_alert_newest(struct store_tx *tx, int64_t *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT coalesce(max(id), 0) FROM alerts", &st);
        if (r < 0)
                return r;
        return db_int64(st, ret);
}

int store_alert_group_members(struct store_tx *tx, const char *key, vg_usec_t now,
                              int (*cb)(const struct alert_row *, void *), void *userdata)
{
        struct db_stmt *st;
        struct alert_row a;
        int r = db_prepare(
                tx,
                "SELECT " ALERT_COLS ALERT_FROM "WHERE a.group_key = ? AND a.incident_id IS NULL "
                "AND a.silenced_by = '' AND (s.ends_at = 0 OR s.ends_at > ?) ORDER BY a.id",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, key);
        db_bind_int64(st, 2, now);
        return DB_EACH(st, a, alert_row_read, cb, userdata);
}
