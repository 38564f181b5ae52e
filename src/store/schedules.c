/* The on-call organisation: its documents (teams, schedules, escalation
 * policies, services), each versioned under its kind and name, and the
 * overrides of a schedule's shifts. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

static void org_read(struct db_stmt *st, void *out)
{
        struct org_object *o = out;
        memset(o, 0, sizeof *o);
        o->kind = db_text_ref(st, 0);
        o->name = db_text_ref(st, 1);
        o->body = db_text_ref(st, 2);
        o->version = db_column_int64(st, 3);
        o->created_at = db_column_int64(st, 4);
        o->updated_at = db_column_int64(st, 5);
}

#define ORG_COLS "kind, name, body, version, created_at, updated_at"

int store_org_get(struct store_tx *tx, const char *kind, const char *name,
                  int (*cb)(const struct org_object *, void *), void *userdata)
{
        struct db_stmt *st;
        struct org_object o;
        int r = db_prepare(tx, "SELECT " ORG_COLS " FROM org_objects WHERE kind = ? AND name = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, kind);
        db_bind_text(st, 2, name);
        return DB_ONE(st, o, org_read, cb, userdata);
}

int store_org_put(struct store_tx *tx, const char *kind, const char *name, const char *body,
                  vg_usec_t now, int64_t *ret_version, int *ret_changed)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT body, version FROM org_objects WHERE kind = ? AND name = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, kind);
        db_bind_text(st, 2, name);
        int rc = db_step(st);
        bool exists = rc > 0;
        bool same = exists && strcmp(db_text_or_empty(st, 0), body) == 0;
        int64_t version = exists ? db_column_int64(st, 1) : 0;
        db_finish(st);
        if (rc < 0)
                return rc;
        if (same) {
                *ret_version = version;
                *ret_changed = 0;
                return 0;
        }
        if (exists)
                r = db_prepare(
                        tx,
                        "UPDATE org_objects SET body = ?3, version = version + 1, updated_at = ?4 "
                        "WHERE kind = ?1 AND name = ?2",
                        &st);
        else
                r = db_prepare(tx,
                               "INSERT INTO org_objects(kind, name, body, version, created_at, "
                               "updated_at) "
                               "VALUES (?1, ?2, ?3, 1, ?4, ?4)",
                               &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, kind);
        db_bind_text(st, 2, name);
        db_bind_text(st, 3, body);
        db_bind_int64(st, 4, now);
        r = db_exec(st);
        if (r < 0)
                return r;
        *ret_version = version + 1;
        *ret_changed = exists ? 2 : 1;
        return 0;
}

int store_org_delete(struct store_tx *tx, const char *kind, const char *name)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "DELETE FROM org_objects WHERE kind = ? AND name = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, kind);
        db_bind_text(st, 2, name);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_org_list(struct store_tx *tx, const char *kind,
                   int (*cb)(const struct org_object *, void *), void *userdata)
{
        struct db_stmt *st;
        struct org_object o;
        int r = db_prepare(tx, "SELECT " ORG_COLS " FROM org_objects WHERE kind = ? ORDER BY name",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, kind);
        return DB_EACH(st, o, org_read, cb, userdata);
}

static void override_read(struct db_stmt *st, void *out)
{
        struct schedule_override *o = out;
        memset(o, 0, sizeof *o);
        o->id = db_column_int64(st, 0);
        db_text_copy(st, 1, o->schedule, sizeof o->schedule);
        db_text_copy(st, 2, o->user, sizeof o->user);
        o->starts_at = db_column_int64(st, 3);
        o->ends_at = db_column_int64(st, 4);
        o->reason = db_text_ref(st, 5);
        db_text_copy(st, 6, o->created_by, sizeof o->created_by);
        o->created_at = db_column_int64(st, 7);
}

int store_override_insert(struct store_tx *tx, struct schedule_override *o)
{
        struct db_stmt *st;
        int r = db_prepare_insert(tx,
                                  "INSERT INTO schedule_overrides(schedule, user_name, starts_at, "
                                  "ends_at, reason, created_by, "
                                  "created_at) VALUES (?,?,?,?,?,?,?)",
                                  &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, o->schedule);
        db_bind_text(st, 2, o->user);
        db_bind_int64(st, 3, o->starts_at);
        db_bind_int64(st, 4, o->ends_at);
        db_bind_text(st, 5, o->reason ? o->reason : "");
        db_bind_text(st, 6, o->created_by);
        db_bind_int64(st, 7, o->created_at);
        return db_insert_id(st, &o->id);
}

int store_override_delete(struct store_tx *tx, const char *schedule, int64_t id)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "DELETE FROM schedule_overrides WHERE schedule = ? AND id = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, schedule);
        db_bind_int64(st, 2, id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_override_get(struct store_tx *tx, const char *schedule, int64_t id,
                       int (*cb)(const struct schedule_override *, void *), void *userdata)
{
        struct db_stmt *st;
        struct schedule_override o;
        int r = db_prepare(
                tx,
                "SELECT id, schedule, user_name, starts_at, ends_at, reason, created_by, "
                "created_at "
                "FROM schedule_overrides WHERE schedule = ? AND id = ?",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, schedule);
        db_bind_int64(st, 2, id);
        return DB_ONE(st, o, override_read, cb, userdata);
}

int store_override_list(struct store_tx *tx, const char *schedule, vg_usec_t from, vg_usec_t to,
                        int (*cb)(const struct schedule_override *, void *), void *userdata)
{
        struct db_stmt *st;
        struct schedule_override o;
        int r = db_prepare(
                tx,
                "SELECT id, schedule, user_name, starts_at, ends_at, reason, created_by, "
                "created_at "
                "FROM schedule_overrides WHERE schedule = ? AND ends_at > ? AND starts_at < ? "
                "ORDER BY starts_at, id",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, schedule);
        db_bind_int64(st, 2, from);
        db_bind_int64(st, 3, to);
        return DB_EACH(st, o, override_read, cb, userdata);
}
