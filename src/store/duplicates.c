/* Duplicates: the survivor an incident closed as a duplicate names
 * (incidents.duplicate_of, migration 031), and the move of its alerts to
 * the survivor. The rules are core's (incident_duplicate_check), the
 * steps src/cases/duplicate.c's. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

int store_incident_duplicate_set(struct store_tx *tx, int64_t id, int64_t survivor_id)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx, "UPDATE incidents SET duplicate_of = ? WHERE id = ? AND duplicate_of IS NULL",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, survivor_id);
        db_bind_int64(st, 2, id);
        return db_exec_one(st, -VG_ECONFLICT);
}

int store_incident_duplicate_of(struct store_tx *tx, int64_t id, char *ret_key, size_t size)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "SELECT s.key FROM incidents i JOIN incidents s ON s.id = i.duplicate_of "
                "WHERE i.id = ?",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        r = db_step(st);
        if (r > 0)
                db_text_copy(st, 0, ret_key, size);
        db_finish(st);
        return r < 0 ? r : r > 0 ? 1 : 0;
}

int store_incident_duplicates_list(struct store_tx *tx, int64_t id,
                                   int (*cb)(const char *key, void *userdata), void *userdata)
{
        struct db_stmt *st;
        int rc, r = db_prepare(tx, "SELECT key FROM incidents WHERE duplicate_of = ? ORDER BY id",
                               &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        while ((rc = db_step(st)) > 0 && (r = cb(db_text_or_empty(st, 0), userdata)) >= 0)
                ;
        db_finish(st);
        return r < 0 ? r : rc < 0 ? rc : 0;
}

int store_alerts_move(struct store_tx *tx, int64_t from, int64_t to, struct alert_move *ret)
{
        /* The links first, keeping (incident_id, alert) unique: a link to
         * an alert to already has stays behind and is then dropped. */
        static const char *const steps[] = {
                "UPDATE incident_alerts SET incident_id = ?2 WHERE incident_id = ?1 AND alert NOT "
                "IN "
                "(SELECT alert FROM incident_alerts WHERE incident_id = ?2)",
                "DELETE FROM incident_alerts WHERE incident_id = ?1",
                "UPDATE alerts SET incident_id = ?2 WHERE incident_id = ?1",
                "UPDATE alert_groups SET incident_id = ?2 WHERE incident_id = ?1",
        };
        int64_t *counts[] = {&ret->links_moved, &ret->links_dropped, &ret->alerts, &ret->groups};
        memset(ret, 0, sizeof *ret);
        for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
                int r = DB_EXEC_INTS(tx, steps[i], from, to);
                if (r < 0)
                        return r;
                *counts[i] = r;
        }
        return 0;
}
