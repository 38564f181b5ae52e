/* Preparation: training records (IR-2) and the versions of the incident
 * response plan (IR-8). */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

int store_training_add(struct store_tx *tx, struct training_record *t)
{
        struct db_stmt *st;
        int r = db_prepare_insert(tx,
                                  "INSERT INTO training_records(user_name, course, completed_at, "
                                  "evidence, recorded_by, "
                                  "recorded_at) VALUES (?,?,?,?,?,?)",
                                  &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, t->user);
        db_bind_text(st, 2, t->course);
        db_bind_int64(st, 3, t->completed_at);
        db_bind_text(st, 4, t->evidence ? t->evidence : "");
        db_bind_text(st, 5, t->recorded_by);
        db_bind_int64(st, 6, t->recorded_at);
        return db_insert_id(st, &t->id);
}

static void training_read(struct db_stmt *st, void *out)
{
        struct training_record *t = out;
        memset(t, 0, sizeof *t);
        t->id = db_column_int64(st, 0);
        db_text_copy(st, 1, t->user, sizeof t->user);
        t->course = db_text_ref(st, 2);
        t->completed_at = db_column_int64(st, 3);
        t->evidence = db_text_ref(st, 4);
        db_text_copy(st, 5, t->recorded_by, sizeof t->recorded_by);
        t->recorded_at = db_column_int64(st, 6);
}

int store_training_list(struct store_tx *tx, const char *user,
                        int (*cb)(const struct training_record *, void *), void *userdata)
{
        struct db_stmt *st;
        struct training_record t;
        int r = db_prepare(
                tx,
                "SELECT id, user_name, course, completed_at, evidence, recorded_by, recorded_at "
                "FROM training_records WHERE ?1 IS NULL OR user_name = ?1 ORDER BY completed_at "
                "DESC, id DESC",
                &st);
        if (r < 0)
                return r;
        if (user)
                db_bind_text(st, 1, user);
        else
                db_bind_null(st, 1);
        return DB_EACH(st, t, training_read, cb, userdata);
}

int store_plan_add(struct store_tx *tx, struct plan_version *p)
{
        struct db_stmt *st;
        int64_t version;
        int r = db_counter_next(tx, "plan", &version);
        if (r < 0)
                return r;
        r = db_prepare(tx,
                       "INSERT INTO plan_versions(version, body, digest, created_by, created_at) "
                       "VALUES (?,?,?,?,?)",
                       &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, version);
        db_bind_text(st, 2, p->body);
        db_bind_text(st, 3, p->digest);
        db_bind_text(st, 4, p->created_by);
        db_bind_int64(st, 5, p->created_at);
        r = db_exec(st);
        if (r < 0)
                return r;
        p->version = version;
        return 0;
}

static void plan_read(struct db_stmt *st, void *out)
{
        struct plan_version *p = out;
        memset(p, 0, sizeof *p);
        p->version = db_column_int64(st, 0);
        p->body = db_text_ref(st, 1);
        db_text_copy(st, 2, p->digest, sizeof p->digest);
        db_text_copy(st, 3, p->created_by, sizeof p->created_by);
        p->created_at = db_column_int64(st, 4);
}

int store_plan_get(struct store_tx *tx, int64_t version,
                   int (*cb)(const struct plan_version *, void *), void *userdata)
{
        struct db_stmt *st;
        struct plan_version p;
        int r = db_prepare(
                tx,
                "SELECT version, body, digest, created_by, created_at FROM plan_versions "
                "WHERE version = CASE WHEN ?1 = 0 THEN (SELECT max(version) FROM plan_versions) "
                "ELSE ?1 END",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, version);
        return DB_ONE(st, p, plan_read, cb, userdata);
}

int store_plan_list(struct store_tx *tx, int (*cb)(const struct plan_version *, void *),
                    void *userdata)
{
        struct db_stmt *st;
        struct plan_version p;
        int r = db_prepare(tx,
                           "SELECT version, '', digest, created_by, created_at FROM plan_versions "
                           "ORDER BY version DESC",
                           &st);
        if (r < 0)
                return r;
        return DB_EACH(st, p, plan_read, cb, userdata);
}
