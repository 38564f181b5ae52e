/* Recovery: how each asset was restored, and the validation checks with
 * their results. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

static const char *const check_results[] = {"pending", "pass", "fail"};

static enum check_result check_result_of(const char *s)
{
        for (int i = 0; i < 3; i++)
                if (strcmp(s, check_results[i]) == 0)
                        return (enum check_result)i;
        return CHECK_PENDING;
}

int store_recovery_asset_put(struct store_tx *tx, int64_t incident_id,
                             const struct recovery_asset *a)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "INSERT INTO recovery_assets(incident_id, asset, snapshot, build, "
                "config_hash, restore_actions, recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?) "
                "ON CONFLICT (incident_id, asset) DO UPDATE SET snapshot = excluded.snapshot, "
                "build = excluded.build, config_hash = excluded.config_hash, "
                "restore_actions = excluded.restore_actions, recorded_by = excluded.recorded_by, "
                "recorded_at = excluded.recorded_at",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, a->asset);
        db_bind_text(st, 3, a->snapshot);
        db_bind_text(st, 4, a->build);
        db_bind_text(st, 5, a->config_hash);
        db_bind_text(st, 6, a->restore_actions ? a->restore_actions : "");
        db_bind_text(st, 7, a->recorded_by);
        db_bind_int64(st, 8, a->recorded_at);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

static void asset_row(struct db_stmt *st, void *out)
{
        struct recovery_asset *a = out;
        memset(a, 0, sizeof *a);
        db_text_copy(st, 0, a->asset, sizeof a->asset);
        db_text_copy(st, 1, a->snapshot, sizeof a->snapshot);
        db_text_copy(st, 2, a->build, sizeof a->build);
        db_text_copy(st, 3, a->config_hash, sizeof a->config_hash);
        a->restore_actions = db_text_ref(st, 4);
        db_text_copy(st, 5, a->recorded_by, sizeof a->recorded_by);
        a->recorded_at = db_column_int64(st, 6);
}

int store_recovery_asset_list(struct store_tx *tx, int64_t incident_id,
                              int (*cb)(const struct recovery_asset *, void *), void *userdata)
{
        struct db_stmt *st;
        struct recovery_asset a;
        int r = db_prepare(
                tx,
                "SELECT asset, snapshot, build, config_hash, restore_actions, recorded_by, "
                "recorded_at FROM recovery_assets WHERE incident_id = ? ORDER BY asset",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, a, asset_row, cb, userdata);
}

#define CHECK_COLS                                                                                 \
        "id, incident_id, asset, name, result, detail, checked_by, checked_at, created_at"

static void check_row(struct db_stmt *st, void *out)
{
        struct recovery_check *c = out;
        char buf[16];
        memset(c, 0, sizeof *c);
        c->id = db_column_int64(st, 0);
        c->incident_id = db_column_int64(st, 1);
        db_text_copy(st, 2, c->asset, sizeof c->asset);
        db_text_copy(st, 3, c->name, sizeof c->name);
        db_text_copy(st, 4, buf, sizeof buf);
        c->result = check_result_of(buf);
        db_text_copy(st, 5, c->detail, sizeof c->detail);
        db_text_copy(st, 6, c->checked_by, sizeof c->checked_by);
        c->checked_at = db_column_int64(st, 7);
        c->created_at = db_column_int64(st, 8);
}

int store_recovery_check_insert(struct store_tx *tx, struct recovery_check *ck)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO recovery_checks(incident_id, asset, name, created_at) "
                "VALUES (?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, ck->incident_id);
        db_bind_text(st, 2, ck->asset);
        db_bind_text(st, 3, ck->name);
        db_bind_int64(st, 4, ck->created_at);
        return db_insert_id(st, &ck->id);
}

int store_recovery_check_get(struct store_tx *tx, int64_t incident_id, int64_t id,
                             struct recovery_check *ret)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx, "SELECT " CHECK_COLS " FROM recovery_checks WHERE incident_id = ? AND id = ?",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_int64(st, 2, id);
        return db_get(st, check_row, ret);
}

int store_recovery_check_update(struct store_tx *tx, const struct recovery_check *ck)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "UPDATE recovery_checks SET result=?, detail=?, checked_by=?, "
                           "checked_at=? WHERE id=?",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, check_results[ck->result]);
        db_bind_text(st, 2, ck->detail);
        db_bind_text(st, 3, ck->checked_by);
        db_bind_int64(st, 4, ck->checked_at);
        db_bind_int64(st, 5, ck->id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_recovery_check_list(struct store_tx *tx, int64_t incident_id,
                              int (*cb)(const struct recovery_check *, void *), void *userdata)
{
        struct db_stmt *st;
        struct recovery_check ck;
        int r = db_prepare(
                tx, "SELECT " CHECK_COLS " FROM recovery_checks WHERE incident_id = ? ORDER BY id",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, ck, check_row, cb, userdata);
}
