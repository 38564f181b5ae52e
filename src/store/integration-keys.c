/* Integration keys: the secrets monitoring sends alerts with, per service. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

#define IKEY_COLS "id, service, name, prefix, key_hash, created_by, created_at, revoked_at"

static void ikey_row(struct db_stmt *st, void *out)
{
        struct integration_key *k = out;
        memset(k, 0, sizeof *k);
        k->id = db_column_int64(st, 0);
        db_text_copy(st, 1, k->service, sizeof k->service);
        db_text_copy(st, 2, k->name, sizeof k->name);
        db_text_copy(st, 3, k->prefix, sizeof k->prefix);
        db_blob_copy(st, 4, k->key_hash, sizeof k->key_hash);
        db_text_copy(st, 5, k->created_by, sizeof k->created_by);
        k->created_at = db_column_int64(st, 6);
        k->revoked_at = db_column_int64(st, 7);
}

int store_integration_key_insert(struct store_tx *tx, struct integration_key *k)
{
        struct db_stmt *st;
        int r = db_prepare_insert(tx,
                                  "INSERT INTO integration_keys(service, name, prefix, key_hash, "
                                  "created_by, created_at) "
                                  "VALUES (?,?,?,?,?,?)",
                                  &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, k->service);
        db_bind_text(st, 2, k->name);
        db_bind_text(st, 3, k->prefix);
        db_bind_blob(st, 4, k->key_hash, STORE_HASH_BYTES);
        db_bind_text(st, 5, k->created_by);
        db_bind_int64(st, 6, k->created_at);
        return db_insert_id(st, &k->id);
}

int store_integration_key_get_by_hash(struct store_tx *tx, const uint8_t hash[STORE_HASH_BYTES],
                                      struct integration_key *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT " IKEY_COLS " FROM integration_keys WHERE key_hash = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_blob(st, 1, hash, STORE_HASH_BYTES);
        return db_get(st, ikey_row, ret);
}

int store_integration_key_list(struct store_tx *tx,
                               int (*cb)(const struct integration_key *, void *), void *userdata)
{
        struct db_stmt *st;
        struct integration_key k;
        int r = db_prepare(tx, "SELECT " IKEY_COLS " FROM integration_keys ORDER BY id", &st);
        if (r < 0)
                return r;
        return DB_EACH(st, k, ikey_row, cb, userdata);
}

int store_integration_key_revoke(struct store_tx *tx, int64_t id, vg_usec_t now)
{
        int r = DB_EXEC_INTS(
                tx, "UPDATE integration_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0",
                now, id);
        return r < 0 ? r : r == 0 ? -VG_ENOTFOUND : 0;
}
