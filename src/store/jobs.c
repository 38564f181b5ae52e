/* Durable jobs: queued in the transaction of the change that wants them,
 * claimed under a lease, finished or retried by their lease's owner. */
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <string.h>

int store_job_add(struct store_tx *tx, const char *kind, const char *payload, vg_usec_t due_at,
                  int64_t *ret_id)
{
        struct db_stmt *st;
        int64_t id;
        int r = db_prepare_insert(
                tx, "INSERT INTO jobs(kind, payload, due_at, created_at) VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, kind);
        db_bind_text(st, 2, payload ? payload : "{}");
        db_bind_int64(st, 3, due_at);
        db_bind_int64(st, 4, due_at);
        r = db_insert_id(st, &id);
        /* Every node's worker hears of it at the commit. */
        if (r >= 0)
                r = db_notify(tx);
        if (r >= 0 && ret_id)
                *ret_id = id;
        return r;
}

static void job_read(struct db_stmt *st, void *out)
{
        struct job *j = out;
        memset(j, 0, sizeof *j);
        j->id = db_column_int64(st, 0);
        db_text_copy(st, 1, j->kind, sizeof j->kind);
        j->payload = db_text_ref(st, 2);
        j->due_at = db_column_int64(st, 3);
        j->attempts = (int)db_column_int64(st, 4);
}

#define CLAIM_SQL(lock)                                                                            \
        "UPDATE jobs SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1 "             \
        "WHERE id IN (SELECT id FROM jobs WHERE done_at = 0 AND due_at <= ?3 AND lease_until <= "  \
        "?3 AND kind IN (?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "                                      \
        "ORDER BY due_at, id LIMIT ?4 " lock ") RETURNING id, kind, payload, due_at, attempts"

int store_job_claim(struct store_tx *tx, const char *owner, vg_usec_t now, vg_usec_t lease_until,
                    const char *const *kinds, size_t n_kinds, unsigned limit,
                    int (*cb)(const struct job *, void *), void *userdata)
{
        struct db_stmt *st;
        struct job j;
        if (n_kinds > STORE_JOB_KINDS_MAX)
                return -E2BIG;
        /* One statement: on SQLite under the one write lock, so nobody else
         * can lease these rows; a backend with several writers skips the
         * rows another claim has locked instead of waiting for them. */
        int r = db_prepare(tx,
                           db_has(tx, DB_CAP_SKIP_LOCKED) ? CLAIM_SQL("FOR UPDATE SKIP LOCKED")
                                                          : CLAIM_SQL(""),
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, owner);
        db_bind_int64(st, 2, lease_until);
        db_bind_int64(st, 3, now);
        db_bind_int64(st, 4, (int)limit);
        /* Only the kinds this binary runs: in a rolling upgrade an older
         * node leaves a newer kind to the nodes that know it. */
        for (size_t i = 0; i < STORE_JOB_KINDS_MAX; i++)
                db_bind_text(st, 5 + (int)i, i < n_kinds ? kinds[i] : NULL);
        return DB_EACH(st, j, job_read, cb, userdata);
}

/* The lease still held: the same owner, the same claim (attempts is the
 * fencing number, one more at every claim), not yet run out. */
#define LEASE_HELD "id = ? AND lease_owner = ? AND attempts = ? AND lease_until >= ? AND done_at = 0"

int store_job_finish(struct store_tx *tx, const struct job_lease *l, vg_usec_t now)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "UPDATE jobs SET done_at = ?, lease_until = 0 WHERE " LEASE_HELD, &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, now);
        db_bind_int64(st, 2, l->id);
        db_bind_text(st, 3, l->owner);
        db_bind_int64(st, 4, l->fence);
        db_bind_int64(st, 5, now);
        return db_exec_one(st, -VG_ECONFLICT);
}

int store_job_retry(struct store_tx *tx, const struct job_lease *l, vg_usec_t now, vg_usec_t due_at,
                    const char *error)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "UPDATE jobs SET due_at = ?, lease_until = 0, last_error = ? WHERE " LEASE_HELD,
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, due_at);
        db_bind_text(st, 2, error ? error : "");
        db_bind_int64(st, 3, l->id);
        db_bind_text(st, 4, l->owner);
        db_bind_int64(st, 5, l->fence);
        db_bind_int64(st, 6, now);
        return db_exec_one(st, -VG_ECONFLICT);
}

int store_job_next_due(struct store_tx *tx, vg_usec_t *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT coalesce(min(CASE WHEN due_at > lease_until THEN due_at ELSE "
                           "lease_until END), 0) "
                           "FROM jobs WHERE done_at = 0",
                           &st);
        if (r < 0)
                return r;
        return db_int64(st, ret);
}
