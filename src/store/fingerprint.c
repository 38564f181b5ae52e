/* The fingerprint of what requests have written (store_fingerprint): every
 * row of every table, read through the driver, so "a refused request
 * changed nothing" is checked the same way on every backend. */
#include "store/backend.h"
#include "store/db.h"

#include "core/array.h"
#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest fingerprint (and one table's rows): a test database is far
 * smaller; past it the walk fails rather than take all memory. */
#define FINGERPRINT_MAX ((size_t)1 << 30)
#define FINGERPRINT_TABLES_MAX 1024
#define FINGERPRINT_ROWS_MAX 10000000

/* What the server's own workers write on their schedule, not a request:
 * jobs, escalations, pages, the outbox and the system's audit records -
 * so also the chain's head row, which every append moves - the times a
 * credential was last seen or used, which reading with it moves, and the
 * count of failed sign-ins, which a refused sign-in moves by design. */
static const char *const worker_tables[] = { "jobs", "escalations", "pages", "outbox", "audit_head",
                                             "sign_in_failures" };
static const char *const touch_columns[] = { "last_seen", "last_used" };

static bool listed(const char *s, const char *const *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, v[i]) == 0)
                        return true;
        return false;
}

struct names {
        char **v; /* owns */
        size_t n, cap;
};

static int name_keep(const char *name, void *userdata)
{
        struct names *t = userdata;
        /* Only a plain name is ever spliced into SQL text. */
        if (!db_plain_name(name))
                return -VG_ESTORE;
        if (listed(name, worker_tables, sizeof worker_tables / sizeof worker_tables[0]))
                return 0;
        int r = array_reserve(t->v, t->cap, t->n + 1, FINGERPRINT_TABLES_MAX);
        if (r < 0)
                return r;
        if (!(t->v[t->n] = strdup(name)))
                return -ENOMEM;
        t->n++;
        return 0;
}

struct rows {
        char **v; /* owns */
        size_t n, cap;
};

static int row_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One row as "table|value;table|value;..." with NULL for SQL NULL and a
 * blob in hex. */
static char *row_text(struct db_stmt *st, const char *table)
{
        struct buf b;
        buf_init(&b, FINGERPRINT_MAX);
        int cols = db_column_count(st);
        for (int i = 0; i < cols; i++) {
                if (listed(db_column_name(st, i), touch_columns, sizeof touch_columns / sizeof touch_columns[0]))
                        continue;
                buf_put(&b, "%s|", table);
                size_t n;
                const unsigned char *p;
                switch (db_column_type(st, i)) {
                case DB_NULL:
                        buf_put(&b, "NULL");
                        break;
                case DB_INTEGER:
                        buf_put(&b, "%lld", (long long)db_column_int64(st, i));
                        break;
                case DB_BLOB:
                        p = db_column_blob(st, i, &n);
                        buf_put(&b, "x'");
                        for (size_t k = 0; k < n; k++)
                                buf_put(&b, "%02x", p[k]);
                        buf_put(&b, "'");
                        break;
                default: /* text and real numbers, as the backend spells them */
                        buf_put(&b, "%s", db_text_or_empty(st, i));
                        break;
                }
                buf_put(&b, ";");
        }
        if (b.err) {
                buf_release(&b);
                return NULL;
        }
        size_t len;
        return buf_detach(&b, &len);
}

/* A table's rows, sorted (neither dialect promises an order without
 * ORDER BY, and a row's place is not what a request changes), to out. */
static int table_rows(struct store_tx *tx, const char *table, struct buf *out)
{
        char sql[160];
        struct db_stmt *st;
        struct rows rows = { 0 };
        /* The system's audit records are the workers' too. */
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"%s", table,
                 strcmp(table, "audit_log") == 0 ? " WHERE actor <> 'system'" : "");
        int r = tx->store->driver->prepare(tx, sql, DB_TRANSIENT, &st);
        if (r < 0)
                return r;
        while ((r = db_step(st)) > 0) {
                r = array_reserve(rows.v, rows.cap, rows.n + 1, FINGERPRINT_ROWS_MAX);
                if (r >= 0 && !(rows.v[rows.n] = row_text(st, table)))
                        r = -ENOMEM;
                if (r < 0)
                        break;
                rows.n++;
        }
        db_finish(st);
        if (r >= 0 && rows.n)
                qsort(rows.v, rows.n, sizeof *rows.v, row_cmp);
        for (size_t i = 0; i < rows.n; i++) {
                buf_put(out, "%s\n", rows.v[i]);
                free(rows.v[i]);
        }
        free(rows.v);
        return r < 0 ? r : out->err;
}

/* out's text to *ret when r says it was made; out released either way. */
static int detached(struct buf *out, int r, char **ret)
{
        size_t len;
        char *text = r >= 0 ? buf_detach(out, &len) : NULL;
        buf_release(out);
        if (r >= 0 && !text)
                r = -ENOMEM;
        if (r >= 0)
                *ret = text;
        return r;
}

int store_fingerprint_table(struct store_tx *tx, const char *table, char **ret)
{
        struct buf out;
        buf_init(&out, FINGERPRINT_MAX);
        return detached(&out, table_rows(tx, table, &out), ret);
}

int store_fingerprint(struct store_tx *tx, char **ret)
{
        struct names t = { 0 };
        struct buf out;
        buf_init(&out, FINGERPRINT_MAX);
        int r = tx->store->driver->tables(tx, name_keep, &t);
        for (size_t i = 0; r >= 0 && i < t.n; i++)
                r = table_rows(tx, t.v[i], &out);
        for (size_t i = 0; i < t.n; i++)
                free(t.v[i]);
        free(t.v);
        return detached(&out, r, ret);
}
