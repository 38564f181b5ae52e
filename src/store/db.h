/* The SQL driver seam: the small interface a database backend implements,
 * and the only thing the per-domain store files (users.c, jobs.c, ...)
 * are written against. Private to src/store: the rest of Vigil uses
 * store.h.
 *
 * Cut in the manner of Dovecot's lib-sql and Postfix's dict_*: a driver
 * gives connections, transactions and prepared statements; the queries
 * live once, above it, in SQL that SQLite and PostgreSQL both accept. A
 * driver holds no query of a domain.
 *
 * Statements. db_prepare takes SQL text that is a string literal (or
 * otherwise lives as long as the process): the driver may cache the
 * prepared statement keyed by the text's address. Parameters are numbered
 * from 1 ("?" or "?N"; a driver whose backend spells them "$N" rewrites
 * them when it prepares), columns from 0. A statement is the caller's from
 * db_prepare until db_finish; every path out of a query calls db_finish
 * (the DB_* helpers below do). A driver never hands one cached statement
 * to two callers at once, and never evicts one that is handed out, so
 * nested queries are safe.
 *
 * Row contract. A row is read while its statement is stepped; the text and
 * blob pointers it lends (db_column_text, db_column_blob) stay valid until
 * the next db_step or db_finish of that statement - so a struct filled
 * from a row, with fields marked "borrows", is valid during the callback it
 * is handed to and not after. A row callback may read through the store
 * on the same transaction (a notice listing reads each notice's
 * deliveries from inside its callback, for one): the driver gives each
 * nested query its own statement, and the outer cursor and its current row
 * are not disturbed. A callback must not write: whether the walk would see
 * the write differs between backends (SQLite steps lazily, a PostgreSQL
 * driver holds the whole result), so collect what to change and change it
 * after the walk. The SQLite driver enforces this: a write prepared while
 * a walk is handing out rows is refused with -VG_ESTORE.
 *
 * Errors. Every entry that can fail returns >= 0 or a negative code, the
 * driver's one mapping from its backend's errors: -VG_ECONFLICT (a unique,
 * check or foreign-key constraint), -VG_EBUSY (locked past the busy
 * timeout), -ENOMEM, -VG_ESTORE (anything else). */
#pragma once

#include "core/error.h"
#include "core/vtime.h"
#include "store/backend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a backend can do that changes how a query is written. */
enum db_cap {
        /* SELECT ... FOR UPDATE SKIP LOCKED: claims by several writers at
         * once. SQLite has one writer, so a plain claim is already safe. */
        DB_CAP_SKIP_LOCKED = 1u << 0,
        /* A LIKE '%text%' on lower(column) is served by a trigram index
         * (PostgreSQL's pg_trgm). Without it, a text search asks a text
         * table of its own (SQLite's FTS5 trigram tables). */
        DB_CAP_TRIGRAM_LIKE = 1u << 1,
};

enum db_type { DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB };

/* How a statement is prepared. */
enum db_prepare_flag {
        /* An INSERT (with no RETURNING clause) whose new row's id
         * db_insert_id reads. Each driver brings the id back its
         * cheapest way: a PostgreSQL driver would add RETURNING id; the
         * SQLite driver reads last_insert_rowid, because RETURNING costs
         * SQLite a temporary table per statement (an insert takes twice
         * as long with it on 3.40). */
        DB_INSERT_ID = 1u << 0,
        /* SQL text built at run time, not a literal (a walk over the
         * catalog's tables names each table in its text): prepared for
         * this use alone, never cached, freed by db_finish. Reads only:
         * the driver refuses a statement that would write (-VG_ESTORE). */
        DB_TRANSIENT = 1u << 1,
        /* With DB_TRANSIENT: a write, for store_copy's inserts alone. */
        DB_COPY = 1u << 2,
};

struct db_stmt;

struct db_driver {
        const char *name; /* the URL scheme: "sqlite" */
        unsigned caps;    /* enum db_cap bits */

        /* Open location (the URL after "NAME:"), creating and migrating
         * the schema; err gets a lowercase reason on failure. */
        int (*open)(const char *location, struct store **ret, char *err, size_t errlen);
        void (*close)(struct store *s);
        int (*ping)(struct store *s);
        int (*schema_version)(struct store *s, int *ret);

        /* One transaction per thread at a time (-EBUSY for a second). A
         * write transaction takes the write lock at its start. commit
         * rolls back when it fails; both free tx. */
        int (*begin)(struct store *s, bool write, struct store_tx **ret);
        int (*commit)(struct store_tx *tx);
        void (*rollback)(struct store_tx *tx);
        /* One level of savepoint inside a write transaction; end(false)
         * undoes what was done since begin. */
        int (*savepoint_begin)(struct store_tx *tx);
        int (*savepoint_end)(struct store_tx *tx, bool ok);

        int (*prepare)(struct store_tx *tx, const char *sql, unsigned flags, struct db_stmt **ret);
        /* Text and blobs are borrowed until db_finish: not copied. */
        void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
        void (*bind_text)(struct db_stmt *st, int i, const char *v); /* NULL binds NULL */
        void (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n);
        void (*bind_null)(struct db_stmt *st, int i);
        /* 1: a row is ready; 0: done; < 0: an error. */
        int (*step)(struct db_stmt *st);
        int64_t (*column_int64)(struct db_stmt *st, int i);
        /* NULL for SQL NULL. Always UTF-8: a stored text that is not (a
         * damaged or older row) comes back with '?' for each bad byte, in
         * a copy that lives until the transaction ends. */
        const char *(*column_text)(struct db_stmt *st, int i);
        const void *(*column_blob)(struct db_stmt *st, int i, size_t *ret_len);
        enum db_type (*column_type)(struct db_stmt *st, int i);
        /* How many columns st's rows have, and column i's name (borrowed
         * until db_finish). */
        int (*column_count)(struct db_stmt *st);
        const char *(*column_name)(struct db_stmt *st, int i);
        /* Rows changed by the last INSERT, UPDATE or DELETE stepped. */
        int64_t (*changes)(struct db_stmt *st);
        /* Step an INSERT and answer its new row's id: the first column of
         * the row it returns (RETURNING), or for one prepared with
         * DB_INSERT_ID, however the driver brings it back; -VG_ENOTFOUND
         * when it added no row (ON CONFLICT ... DO NOTHING). */
        int (*insert_id)(struct db_stmt *st, int64_t *ret_id);
        /* Reset, and give the statement back (to the cache). */
        void (*finish)(struct db_stmt *st);

        /* The database's tables, by name in byte order, from the backend's
         * catalog (sqlite_master; information_schema.tables on
         * PostgreSQL): cb gets each name (borrowed for the call); its
         * negative return stops the walk and is returned. */
        int (*tables)(struct store_tx *tx, int (*cb)(const char *name, void *userdata), void *userdata);

        /* A copy of every table into this store (store_copy), in one write
         * transaction: copy_begin lets the rows in whatever order the
         * tables come (no triggers, no foreign-key checks), copy_end moves
         * the generated ids past the rows copied. NULL: this backend
         * cannot be a copy's target. */
        int (*copy_begin)(struct store_tx *tx);
        int (*copy_end)(struct store_tx *tx);

        /* Work queued for every node (store_watch): notify, in a write
         * transaction, has the signal sent when it commits; watch calls
         * wake(arg) from a thread of the driver's whenever one arrives,
         * from any node, until unwatch; wakes counts them. NULL: the
         * backend sends none, and its workers poll. (SQLite wakes the
         * one process's worker from the committing thread.) */
        int (*notify)(struct store_tx *tx);
        int (*watch)(struct store *s, void (*wake)(void *arg), void *arg);
        void (*unwatch)(struct store *s);
        uint64_t (*wakes)(struct store *s);
};

/* A driver's statement begins with this. */
struct db_stmt {
        const struct db_driver *driver; /* borrows: static table */
};

extern const struct db_driver db_sqlite;
extern const struct db_driver db_postgres;

static inline bool db_has(struct store_tx *tx, enum db_cap cap)
{
        return (tx->store->driver->caps & cap) != 0;
}

static inline int db_prepare(struct store_tx *tx, const char *sql, struct db_stmt **ret)
{
        return tx->store->driver->prepare(tx, sql, 0, ret);
}

/* An INSERT whose new id db_insert_id will read (DB_INSERT_ID). */
static inline int db_prepare_insert(struct store_tx *tx, const char *sql, struct db_stmt **ret)
{
        return tx->store->driver->prepare(tx, sql, DB_INSERT_ID, ret);
}

static inline void db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
        st->driver->bind_int64(st, i, v);
}
static inline void db_bind_text(struct db_stmt *st, int i, const char *v)
{
        st->driver->bind_text(st, i, v);
}
static inline void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
        st->driver->bind_blob(st, i, p, n);
}
static inline void db_bind_null(struct db_stmt *st, int i)
{
        st->driver->bind_null(st, i);
}
static inline int db_step(struct db_stmt *st)
{
        return st->driver->step(st);
}
static inline int64_t db_column_int64(struct db_stmt *st, int i)
{
        return st->driver->column_int64(st, i);
}
static inline const char *db_column_text(struct db_stmt *st, int i)
{
        return st->driver->column_text(st, i);
}
static inline const void *db_column_blob(struct db_stmt *st, int i, size_t *n)
{
        return st->driver->column_blob(st, i, n);
}
static inline enum db_type db_column_type(struct db_stmt *st, int i)
{
        return st->driver->column_type(st, i);
}
static inline int db_column_count(struct db_stmt *st)
{
        return st->driver->column_count(st);
}
static inline const char *db_column_name(struct db_stmt *st, int i)
{
        return st->driver->column_name(st, i);
}
static inline int64_t db_changes(struct db_stmt *st)
{
        return st->driver->changes(st);
}
static inline void db_finish(struct db_stmt *st)
{
        st->driver->finish(st);
}

/* ---- helpers every store file uses, written on the entries above ---- */

/* A LIMIT parameter: limit, or no limit for 0 (both dialects take the
 * largest bigint; SQLite's -1 is not PostgreSQL's). */
static inline int64_t db_limit(unsigned limit)
{
        return limit ? (int64_t)limit : INT64_MAX;
}

/* Bind text, or NULL for "" (columns where "" is stored as NULL). */
void db_bind_text_or_null(struct db_stmt *st, int i, const char *v);

/* The LIKE pattern (with ESCAPE '\\') that finds text anywhere in a
 * lower()ed column: '%' text in ASCII lower case, its '%', '_' and '\\'
 * escaped, '%'. Both dialects' LIKE then agree (SQLite's folds ASCII
 * case itself, PostgreSQL's does not). buf needs 2 * strlen(text) + 3
 * bytes; -E2BIG when size is less. */
int db_like_pattern(const char *text, char *buf, size_t size);
/* How a statement spells the test against such a pattern. */
#define DB_LIKE(column, param) "lower(" column ") LIKE " param " ESCAPE '\\'"
/* Whether a trigram index can look text up: three characters or more. */
bool db_text_indexed(const char *text);
/* The rule the text searches follow (tenants, incidents). A search
 * first counts its matches among the next DB_TEXT_WALK rows in the
 * page's order, stopping at the page's size: when they fill the page,
 * walking that order finds it within those rows; when they do not, the
 * text matches few rows (or lies beyond them), and the trigram index
 * names them instead. count: that statement, prepared and bound (NULL
 * when limit is 0: every match, so the index). 1: ask the index; 0:
 * walk; or an error. Finishes count. */
#define DB_TEXT_WALK 2000
int db_text_prefers_index(struct db_stmt *count, unsigned limit);
/* text as an FTS5 phrase, which SQLite's trigram tables match anywhere
 * in a column, folding case: '"' + text with its '"' doubled + '"'. buf
 * needs 2 * strlen(text) + 3 bytes; -E2BIG when size is less. */
int db_text_phrase(const char *text, char *buf, size_t size);
/* Keep SQLite's text table for a row in step with it: sql, the table's
 * add or 'delete' insert with VALUES (?1 the row's id, ?2 and ?3 its
 * texts), run as a statement of its own, never from a trigger (FTS5
 * writes its pending terms out at every statement savepoint a trigger
 * or an INSERT ... SELECT opens: 100,000 tenants imported in 2.9 s
 * that way, 1.25 s this). Nothing on a backend whose trigram indexes
 * serve LIKE on the table itself (DB_CAP_TRIGRAM_LIKE). */
int db_text_keep(struct store_tx *tx, const char *sql, int64_t id, const char *a, const char *b);

/* Whether a catalog name (a table, a column) is plain - lowercase
 * letters, digits, '_', at most 63 bytes - the one kind of name ever
 * spliced into SQL text (the fingerprint's and the copy's walks). */
bool db_plain_name(const char *name);

/* Have every node's workers hear of new work when tx commits (a driver
 * with no such signal: nothing; its nodes poll). */
static inline int db_notify(struct store_tx *tx)
{
        return tx->store->driver->notify ? tx->store->driver->notify(tx) : 0;
}

/* Step a statement that returns no rows and finish it: the rows changed
 * (>= 0) or an error. */
int db_exec(struct db_stmt *st);
/* The same, but a statement that changes nothing is -VG_ENOTFOUND (or
 * -VG_ECONFLICT when none is -VG_ECONFLICT): 0 otherwise. */
int db_exec_one(struct db_stmt *st, int none);
/* Prepare sql, bind the n integers v to its parameters 1..n and db_exec
 * it; DB_EXEC_INTS(tx, sql, a, b) counts them. */
int db_exec_ints(struct store_tx *tx, const char *sql, size_t n, const int64_t *v);
#define DB_EXEC_INTS(tx, sql, ...)                                                                 \
        db_exec_ints(tx, sql, sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t),                  \
                     (int64_t[]){__VA_ARGS__})
/* Step an INSERT prepared by db_prepare_insert (or one ending in
 * RETURNING id: an upsert, whose id last_insert_rowid would not give)
 * and finish it; *ret_id gets the row's id, or -VG_ENOTFOUND when an
 * ON CONFLICT ... DO NOTHING added none. */
int db_insert_id(struct db_stmt *st, int64_t *ret_id);
/* An INSERT ... ON CONFLICT DO NOTHING's "added none" (db_insert_id's
 * -VG_ENOTFOUND) as -VG_ECONFLICT: for the inserts whose callers go on in
 * the same transaction when the row exists. A failed statement would not
 * do: PostgreSQL refuses the rest of a transaction after one. */
static inline int conflict_of(int r)
{
        return r == -VG_ENOTFOUND ? -VG_ECONFLICT : r;
}
/* Step a query answering one integer (count(*), coalesce(max(..), 0))
 * and finish it; -VG_ENOTFOUND when it answers no row. */
int db_int64(struct db_stmt *st, int64_t *ret);

/* The next number of a scope ("plan", "notices:42"): 1, 2, ... from the
 * counters row, which the upsert locks until the transaction ends, so two
 * writers never take the same number (max(...) + 1 would give both the
 * same). A number taken by a transaction that rolls back is taken again. */
int db_counter_next(struct store_tx *tx, const char *scope, int64_t *ret);

/* The column's text into a field of size bytes, cut on a character
 * boundary; NULL reads as "". */
void db_text_copy(struct db_stmt *st, int i, char *dst, size_t size);
/* An optional time (one that has not happened yet, or may never): SQL
 * NULL in storage, VG_TIME_UNSET in memory; never 0 on disk (migration 024
 * has those columns refuse it). */
static inline void db_bind_time(struct db_stmt *st, int i, vg_usec_t t)
{
        if (t == VG_TIME_UNSET)
                db_bind_null(st, i);
        else
                db_bind_int64(st, i, t);
}
static inline vg_usec_t db_column_time(struct db_stmt *st, int i)
{
        return db_column_type(st, i) == DB_NULL ? VG_TIME_UNSET : db_column_int64(st, i);
}
/* The column's text for a borrowed field (NULL stays NULL). */
static inline const char *db_text_ref(struct db_stmt *st, int i)
{
        return db_column_text(st, i);
}
/* The column's text, or "" for NULL. */
const char *db_text_or_empty(struct db_stmt *st, int i);
/* A malloc'd copy of the column's text ("" for NULL), or NULL. */
char *db_text_dup(struct db_stmt *st, int i);
/* The column's blob into dst: zero-filled, cut at size. */
void db_blob_copy(struct db_stmt *st, int i, uint8_t *dst, size_t size);

/* Walk the rows st selects: rowfn fills scratch from the row, cb gets it;
 * a cb returning < 0 stops the walk and is returned. Finishes st. */
#define DB_EACH(st, scratch, rowfn, cb, userdata)                                                  \
        ({                                                                                         \
                int _rc, _r = 0;                                                                   \
                while ((_rc = db_step(st)) > 0) {                                                  \
                        rowfn(st, &(scratch));                                                     \
                        _r = cb(&(scratch), userdata);                                             \
                        if (_r < 0)                                                                \
                                break;                                                             \
                }                                                                                  \
                db_finish(st);                                                                     \
                _r < 0 ? _r : _rc < 0 ? _rc : 0;                                                   \
        })

/* The one row st selects, to cb; -VG_ENOTFOUND when there is none.
 * Finishes st. */
#define DB_ONE(st, scratch, rowfn, cb, userdata)                                                   \
        ({                                                                                         \
                int _r1 = 0, _rc1 = db_step(st);                                                   \
                if (_rc1 > 0) {                                                                    \
                        rowfn(st, &(scratch));                                                     \
                        _r1 = cb(&(scratch), userdata);                                            \
                }                                                                                  \
                db_finish(st);                                                                     \
                _rc1 > 0 ? _r1 : _rc1 == 0 ? -VG_ENOTFOUND : _rc1;                                 \
        })

/* The one row st selects, read by rowfn into out; -VG_ENOTFOUND when
 * there is none. Finishes st. */
int db_get(struct db_stmt *st, void (*rowfn)(struct db_stmt *, void *), void *out);
/* Prepare sql (one parameter, the id) and db_get its row. */
int db_get_by_id(struct store_tx *tx, const char *sql, int64_t id,
                 void (*rowfn)(struct db_stmt *, void *), void *out);
