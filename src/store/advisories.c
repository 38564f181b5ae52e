/* Advisories: what the status page says about a service, newest first. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

int store_advisory_add(struct store_tx *tx, struct advisory *a)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO advisories(service, state, message, posted_by, posted_at, incident_id) "
                "VALUES (?,?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, a->service);
        db_bind_text(st, 2, a->state);
        db_bind_text(st, 3, a->message);
        db_bind_text(st, 4, a->posted_by);
        db_bind_int64(st, 5, a->posted_at);
        if (a->incident_id)
                db_bind_int64(st, 6, a->incident_id);
        else
                db_bind_null(st, 6);
        return db_insert_id(st, &a->id);
}

static void advisory_read(struct db_stmt *st, void *out)
{
        struct advisory *a = out;
        memset(a, 0, sizeof *a);
        a->id = db_column_int64(st, 0);
        db_text_copy(st, 1, a->service, sizeof a->service);
        db_text_copy(st, 2, a->state, sizeof a->state);
        a->message = db_text_ref(st, 3);
        db_text_copy(st, 4, a->posted_by, sizeof a->posted_by);
        a->posted_at = db_column_int64(st, 5);
        a->incident_id = db_column_int64(st, 6);
}

int store_advisory_list(struct store_tx *tx, bool latest_only, unsigned limit,
                        int (*cb)(const struct advisory *, void *), void *userdata)
{
        struct db_stmt *st;
        struct advisory a;
        int r = db_prepare(
                tx,
                "SELECT v.id, v.service, v.state, v.message, v.posted_by, v.posted_at, v.incident_id "
                "FROM advisories v "
                "WHERE ?1 = 0 OR v.id = (SELECT max(w.id) FROM advisories w WHERE w.service = "
                "v.service) "
                "ORDER BY v.id DESC LIMIT ?2",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, latest_only);
        db_bind_int64(st, 2, db_limit(limit));
        return DB_EACH(st, a, advisory_read, cb, userdata);
}

int store_advisory_list_incident(struct store_tx *tx, int64_t incident_id,
                                 int (*cb)(const struct advisory *, void *), void *userdata)
{
        struct db_stmt *st;
        struct advisory a;
        int r = db_prepare(tx,
                           "SELECT id, service, state, message, posted_by, posted_at, incident_id FROM advisories "
                           "WHERE incident_id = ? ORDER BY id DESC",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, a, advisory_read, cb, userdata);
}

int store_advisories_move(struct store_tx *tx, int64_t from, int64_t to)
{
        return DB_EXEC_INTS(tx, "UPDATE advisories SET incident_id = ?2 WHERE incident_id = ?1", from, to);
}
