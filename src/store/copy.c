/* Moving a store to another backend (store_copy, `vigil migrate-store`):
 * every table's rows read through one driver and written through the
 * other, in one transaction of the target's, then checked table by table
 * and by the audit chain. Written on the driver seam: no backend's SQL
 * but the statements it builds from the catalog's names. */
#include "store/backend.h"
#include "store/db.h"

#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_TABLES_MAX 1024
#define COPY_COLUMNS_MAX 64

/* The store's own bookkeeping, which each backend keeps for itself. */
static bool own(const char *table)
{
        return strcmp(table, "schema_migrations") == 0 || strcmp(table, "sqlite_sequence") == 0;
}

struct table_list {
        char *v[COPY_TABLES_MAX];
        size_t n;
};

static int keep(const char *name, void *userdata)
{
        struct table_list *t = userdata;
        if (!db_plain_name(name))
                return -VG_ESTORE; /* only a plain name is spliced into SQL */
        if (own(name))
                return 0;
        if (t->n == COPY_TABLES_MAX)
                return -E2BIG;
        return (t->v[t->n++] = strdup(name)) ? 0 : -ENOMEM;
}

static void list_free(struct table_list *t)
{
        for (size_t i = 0; i < t->n; i++)
                free(t->v[i]);
        t->n = 0;
}

static bool listed(const struct table_list *t, const char *name)
{
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->v[i], name) == 0)
                        return true;
        return false;
}

static int count_rows(struct store_tx *tx, const char *table, int64_t *ret)
{
        char sql[128];
        struct db_stmt *st;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
        int r = tx->store->driver->prepare(tx, sql, DB_TRANSIENT, &st);
        return r < 0 ? r : db_int64(st, ret);
}

/* "INSERT INTO t(a, b) VALUES (?, ?)" for the source row's columns. */
static int insert_sql(struct db_stmt *src, const char *table, struct buf *b)
{
        int cols = db_column_count(src);
        if (cols < 1 || cols > COPY_COLUMNS_MAX)
                return -VG_ESTORE;
        buf_put(b, "INSERT INTO \"%s\"(", table);
        for (int i = 0; i < cols; i++) {
                const char *name = db_column_name(src, i);
                if (!db_plain_name(name))
                        return -VG_ESTORE;
                buf_put(b, "%s\"%s\"", i ? ", " : "", name);
        }
        buf_put(b, ") VALUES (");
        for (int i = 0; i < cols; i++)
                buf_put(b, "%s?", i ? ", " : "");
        buf_put(b, ")");
        return b->err;
}

/* Each value as the source holds it: integer, text, blob or NULL (a
 * number with a fraction as its text, which the target reads back). */
static void bind_row(struct db_stmt *src, struct db_stmt *dst)
{
        int cols = db_column_count(src);
        for (int i = 0; i < cols; i++) {
                size_t n;
                const void *p;
                switch (db_column_type(src, i)) {
                case DB_NULL:
                        db_bind_null(dst, i + 1);
                        break;
                case DB_INTEGER:
                        db_bind_int64(dst, i + 1, db_column_int64(src, i));
                        break;
                case DB_BLOB:
                        p = db_column_blob(src, i, &n);
                        db_bind_blob(dst, i + 1, p ? p : "", n);
                        break;
                default:
                        db_bind_text(dst, i + 1, db_column_text(src, i));
                        break;
                }
        }
}

static int copy_table(struct store_tx *from, struct store_tx *to, const char *table, int64_t *ret_rows)
{
        char sql[128];
        struct db_stmt *src, *dst;
        struct buf ins;
        int64_t rows = 0;
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", table);
        int r = from->store->driver->prepare(from, sql, DB_TRANSIENT, &src);
        if (r < 0)
                return r;
        buf_init(&ins, 16384);
        while ((r = db_step(src)) > 0) {
                if (rows == 0) {
                        r = insert_sql(src, table, &ins);
                        if (r < 0)
                                break;
                }
                r = to->store->driver->prepare(to, ins.p, DB_TRANSIENT | DB_COPY, &dst);
                if (r < 0)
                        break;
                bind_row(src, dst);
                r = db_exec(dst);
                if (r < 0)
                        break;
                rows++;
        }
        db_finish(src);
        buf_release(&ins);
        *ret_rows = rows;
        return r < 0 ? r : 0;
}

/* Each table's rows alike on both sides (the fingerprint's text of them). */
static int compare(struct store_tx *from, struct store_tx *to, const struct table_list *t, char *err,
                   size_t errlen)
{
        for (size_t i = 0; i < t->n; i++) {
                char *a = NULL, *b = NULL;
                int r = store_fingerprint_table(from, t->v[i], &a);
                if (r >= 0)
                        r = store_fingerprint_table(to, t->v[i], &b);
                bool same = r >= 0 && strcmp(a, b) == 0;
                free(a);
                free(b);
                if (r < 0)
                        return r;
                if (!same) {
                        snprintf(err, errlen, "verifying: table %s reads differently in the copy", t->v[i]);
                        return -VG_ECHAIN;
                }
        }
        return 0;
}

int store_copy(struct store *from, struct store *to,
               void (*progress)(const char *table, int64_t rows, void *userdata), void *userdata,
               char *err, size_t errlen)
{
        struct table_list src = { 0 }, dst = { 0 };
        struct store_tx *ftx = NULL, *ttx = NULL;
        int vf = 0, vt = 0;
        int r = store_schema_version(from, &vf);
        if (r >= 0)
                r = store_schema_version(to, &vt);
        if (r < 0) {
                snprintf(err, errlen, "reading the schema versions: %s", vg_strerror(r));
                return r;
        }
        if (vf != vt) {
                snprintf(err, errlen, "schema versions differ: %d and %d (run this vigil on both first)", vf, vt);
                return -VG_ESTORE;
        }
        if (!to->driver->copy_begin || !to->driver->copy_end) {
                snprintf(err, errlen, "a %s store cannot be the target of a copy", to->driver->name);
                return -VG_EUNSUPPORTED;
        }
        r = store_begin_read(from, &ftx);
        if (r >= 0)
                r = store_begin(to, &ttx);
        if (r >= 0)
                r = from->driver->tables(ftx, keep, &src);
        if (r >= 0)
                r = to->driver->tables(ttx, keep, &dst);
        if (r < 0) {
                snprintf(err, errlen, "reading the catalogs: %s", vg_strerror(r));
                goto out;
        }
        /* The same tables, and none of the target's holding a row (but the
         * audit chain's head, which a new store starts with). */
        for (size_t i = 0; r >= 0 && i < src.n + dst.n; i++) {
                const char *name = i < src.n ? src.v[i] : dst.v[i - src.n];
                if (!listed(i < src.n ? &dst : &src, name)) {
                        snprintf(err, errlen, "table %s is in one store and not the other", name);
                        r = -VG_ESTORE;
                }
        }
        for (size_t i = 0; r >= 0 && i < dst.n; i++) {
                int64_t n = 0;
                r = count_rows(ttx, dst.v[i], &n);
                if (r >= 0 && n > (strcmp(dst.v[i], "audit_head") == 0 ? 1 : 0)) {
                        snprintf(err, errlen, "the target holds rows already (table %s): copy into an empty store",
                                 dst.v[i]);
                        r = -VG_ECONFLICT;
                }
        }
        if (r < 0)
                goto out;
        r = to->driver->copy_begin(ttx);
        if (r >= 0) {
                struct db_stmt *st;
                r = db_prepare(ttx, "DELETE FROM audit_head", &st); /* the source's replaces it */
                if (r >= 0)
                        r = db_exec(st);
        }
        for (size_t i = 0; r >= 0 && i < src.n; i++) {
                int64_t rows = 0;
                r = copy_table(ftx, ttx, src.v[i], &rows);
                if (r < 0)
                        snprintf(err, errlen, "copying table %s: %s", src.v[i], vg_strerror(r));
                else if (progress)
                        progress(src.v[i], rows, userdata);
        }
        if (r >= 0)
                r = to->driver->copy_end(ttx);
        if (r >= 0)
                r = compare(ftx, ttx, &src, err, errlen);
        if (r >= 0) {
                r = store_commit(ttx);
                ttx = NULL;
        }
        if (r < 0 && !err[0])
                snprintf(err, errlen, "copying: %s", vg_strerror(r));
out:
        store_rollback(ttx);
        store_rollback(ftx);
        list_free(&src);
        list_free(&dst);
        return r;
}
