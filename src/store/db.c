/* The helpers of db.h: how the store files run a statement and read its
 * rows, written once on the driver's entries. */
#include "store/db.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void db_bind_text_or_null(struct db_stmt *st, int i, const char *v)
{
        db_bind_text(st, i, v && *v ? v : NULL);
}

bool db_plain_name(const char *name)
{
        size_t n = name ? strlen(name) : 0;
        return n > 0 && n < 64 && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int db_like_pattern(const char *text, char *buf, size_t size)
{
        size_t n = 0;
        if (size < 2 * strlen(text) + 3)
                return -E2BIG;
        buf[n++] = '%';
        for (const char *p = text; *p; p++) {
                if (*p == '%' || *p == '_' || *p == '\\')
                        buf[n++] = '\\';
                buf[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        }
        buf[n++] = '%';
        buf[n] = '\0';
        return 0;
}

bool db_text_indexed(const char *text)
{
        size_t chars = 0;
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
                chars += (*p & 0xC0) != 0x80;
        return chars >= 3;
}

int db_text_prefers_index(struct db_stmt *count, unsigned limit)
{
        if (!count)
                return 1;
        int r = db_step(count);
        int64_t passed = r > 0 ? db_column_int64(count, 0) : 0;
        db_finish(count);
        return r < 0 ? r : passed < (int64_t)limit;
}

int db_text_phrase(const char *text, char *buf, size_t size)
{
        size_t n = 0;
        if (size < 2 * strlen(text) + 3)
                return -E2BIG;
        buf[n++] = '"';
        for (const char *p = text; *p; p++) {
                if (*p == '"')
                        buf[n++] = '"';
                buf[n++] = *p;
        }
        buf[n++] = '"';
        buf[n] = '\0';
        return 0;
}

int db_text_keep(struct store_tx *tx, const char *sql, int64_t id, const char *a, const char *b)
{
        if (db_has(tx, DB_CAP_TRIGRAM_LIKE))
                return 0;
        struct db_stmt *st;
        int r = db_prepare(tx, sql, &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        db_bind_text(st, 2, a);
        db_bind_text(st, 3, b);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

int db_exec(struct db_stmt *st)
{
        int r = db_step(st);
        if (r > 0)
                r = -VG_ESTORE; /* a row from a statement meant to answer none */
        else if (r == 0)
                r = (int)db_changes(st);
        db_finish(st);
        return r;
}

int db_exec_one(struct db_stmt *st, int none)
{
        int r = db_exec(st);
        return r < 0 ? r : r == 0 ? none : 0;
}

int db_exec_ints(struct store_tx *tx, const char *sql, size_t n, const int64_t *v)
{
        struct db_stmt *st;
        int r = db_prepare(tx, sql, &st);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                db_bind_int64(st, (int)i + 1, v[i]);
        return db_exec(st);
}

int db_insert_id(struct db_stmt *st, int64_t *ret_id)
{
        int r = st->driver->insert_id(st, ret_id);
        db_finish(st);
        return r;
}

int db_int64(struct db_stmt *st, int64_t *ret)
{
        int r = db_step(st);
        if (r > 0) {
                *ret = db_column_int64(st, 0);
                r = 0;
        } else if (r == 0) {
                r = -VG_ENOTFOUND;
        }
        db_finish(st);
        return r;
}

int db_counter_next(struct store_tx *tx, const char *scope, int64_t *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "INSERT INTO counters(scope, last_seq) VALUES (?, 1) "
                           "ON CONFLICT(scope) DO UPDATE SET last_seq = counters.last_seq + 1 "
                           "RETURNING last_seq",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, scope);
        r = db_int64(st, ret);
        return r == -VG_ENOTFOUND ? -VG_ESTORE : r;
}

void db_text_copy(struct db_stmt *st, int i, char *dst, size_t size)
{
        const char *t = db_column_text(st, i);
        utf8_copy(dst, size, t ? t : "");
}

const char *db_text_or_empty(struct db_stmt *st, int i)
{
        const char *t = db_column_text(st, i);
        return t ? t : "";
}

char *db_text_dup(struct db_stmt *st, int i)
{
        return strdup(db_text_or_empty(st, i));
}

void db_blob_copy(struct db_stmt *st, int i, uint8_t *dst, size_t size)
{
        size_t n = 0;
        const void *b = db_column_blob(st, i, &n);
        memset(dst, 0, size);
        if (b && n > 0)
                memcpy(dst, b, n < size ? n : size);
}

int db_get(struct db_stmt *st, void (*rowfn)(struct db_stmt *, void *), void *out)
{
        int r = db_step(st);
        if (r > 0) {
                rowfn(st, out);
                r = 0;
        } else if (r == 0) {
                r = -VG_ENOTFOUND;
        }
        db_finish(st);
        return r;
}

int db_get_by_id(struct store_tx *tx, const char *sql, int64_t id,
                 void (*rowfn)(struct db_stmt *, void *), void *out)
{
        struct db_stmt *st;
        int r = db_prepare(tx, sql, &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        return db_get(st, rowfn, out);
}
