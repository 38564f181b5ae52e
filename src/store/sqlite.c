/* The SQLite driver (db.h): the embedded default.
 *
 * One connection per thread (a pthread key holds it), opened lazily and
 * closed when the thread exits or the store closes. WAL mode lets readers
 * run beside the one writer; synchronous=FULL makes a commit durable before
 * it returns, which is what a 2xx answer promises. Prepared statements are
 * cached per connection, keyed by the address of their static SQL text.
 * Work queued in a commit wakes this process's job worker at once (the
 * one kind of node a SQLite store has); another process on the same file
 * finds it by polling.
 * No query of a domain lives here: those are in the store files, on db.h;
 * the driver's own SQL is its connection set-up, migrations, ping and its
 * catalog (the list of tables). */
#include "store/backend.h"
#include "store/db.h"
#include "store/migrations.h"

#include "base/clock.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STMT_CACHE 64
#define BUSY_TIMEOUT_MS 10000

struct sq_store;
struct conn;

/* A cached statement. It is handed out from db_prepare to db_finish, and
 * walking while a step has answered a row and the walk has not ended. */
struct sq_stmt {
        struct db_stmt base;
        struct conn *c;   /* borrows: its connection */
        const char *sql;  /* borrows: static text, the cache key */
        sqlite3_stmt *st; /* owns */
        bool handed, walking;
        bool insert_id; /* prepared with DB_INSERT_ID */
        bool transient; /* prepared with DB_TRANSIENT: not in the cache */
        struct sq_stmt *next; /* transient: in its connection's list */
};

struct conn {
        struct sq_store *owner; /* borrows */
        sqlite3 *db;            /* owns */
        struct conn *next;      /* in owner's list */
        bool in_tx;
        unsigned walks;         /* statements walking (handing out rows) */
        struct sq_stmt cache[STMT_CACHE];
        unsigned cache_next;
        struct sq_stmt *transients; /* owns: DB_TRANSIENT ones handed out */
};

struct sq_store {
        struct store base;
        char *path;           /* owns */
        pthread_key_t key;
        pthread_mutex_t lock; /* guards conns */
        struct conn *conns;   /* owns: every open connection */
        pthread_mutex_t watch_lock; /* guards wake, wake_arg */
        void (*wake)(void *arg);
        void *wake_arg;
        atomic_uint_fast64_t wakes;
        /* The checkpointer (below): guarded by ckpt_lock. */
        pthread_mutex_t ckpt_lock;
        pthread_cond_t ckpt_cond;
        bool ckpt_running, ckpt_due, ckpt_stop;
        bool ckpt_broken; /* the checkpointer cannot open the file: commits checkpoint as SQLite's
                             own do */
        pthread_t ckpt_thread;
};

struct sq_tx {
        struct store_tx base;
        struct conn *c; /* borrows */
        bool write;
        bool notify; /* wake the watcher when this commits */
};

static int map_rc(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_CONSTRAINT:
                return -VG_ECONFLICT;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -VG_EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        default:
                return -VG_ESTORE;
        }
}

static void scrubbed_release(sqlite3 *db);

static void conn_free(struct conn *c)
{
        scrubbed_release(c->db);
        for (unsigned i = 0; i < STMT_CACHE; i++)
                sqlite3_finalize(c->cache[i].st);
        for (struct sq_stmt *e = c->transients, *next; e; e = next) {
                next = e->next;
                sqlite3_finalize(e->st);
                free(e);
        }
        sqlite3_close_v2(c->db);
        free(c);
}

/* Thread exit: unlink and close this thread's connection. */
static void conn_destroy(void *p)
{
        struct conn *c = p;
        struct sq_store *s = c->owner;

        pthread_mutex_lock(&s->lock);
        for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
                if (*pp == c) {
                        *pp = c->next;
                        break;
                }
        pthread_mutex_unlock(&s->lock);
        conn_free(c);
}

/* The checkpointer: copying the WAL back into the database file is done
 * by a thread of its own, on a connection of its own, so that no commit
 * waits for it. SQLite's default runs a checkpoint in whichever commit
 * takes the WAL past 1,000 pages: 12 % of a 100,000-tenant declaration's
 * time went there, and a commit behind it waited as long. Each commit's
 * hook says how long the WAL is; past the same 1,000 pages the thread is
 * woken and runs a PASSIVE checkpoint, which writers and readers go on
 * beside (as SQLite's own automatic one is). */
#define CHECKPOINT_PAGES 1000

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
        struct sq_store *s = arg;
        if (pages < CHECKPOINT_PAGES)
                return SQLITE_OK;
        pthread_mutex_lock(&s->ckpt_lock);
        bool broken = s->ckpt_broken;
        s->ckpt_due = !broken;
        pthread_cond_signal(&s->ckpt_cond);
        pthread_mutex_unlock(&s->ckpt_lock);
        /* Without a checkpointer, here, as SQLite's own hook does: the
         * WAL must not grow without end. */
        if (broken)
                sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
}

static void *checkpointer(void *arg)
{
        struct sq_store *s = arg;
        sqlite3 *db = NULL;
        pthread_mutex_lock(&s->ckpt_lock);
        for (;;) {
                while (!s->ckpt_due && !s->ckpt_stop)
                        pthread_cond_wait(&s->ckpt_cond, &s->ckpt_lock);
                if (s->ckpt_stop)
                        break;
                s->ckpt_due = false;
                pthread_mutex_unlock(&s->ckpt_lock);
                /* Opened at the first checkpoint (the file exists by then);
                 * a connection learns the WAL is there when it first reads. */
                if (!db &&
                    (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                     NULL) != SQLITE_OK ||
                     (sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS),
                      sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL)) !=
                             SQLITE_OK)) {
                        sqlite3_close_v2(db);
                        db = NULL;
                }
                if (db)
                        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
                pthread_mutex_lock(&s->ckpt_lock);
                if (!db)
                        s->ckpt_broken = true; /* the commits checkpoint from now on (wal_hook) */
        }
        pthread_mutex_unlock(&s->ckpt_lock);
        sqlite3_close_v2(db);
        return NULL;
}

/* Started before the first connection, so that every connection hands
 * its checkpoints over; when the thread cannot start, SQLite's own
 * automatic checkpoints stay. */
static void checkpointer_start(struct sq_store *s)
{
        pthread_mutex_init(&s->ckpt_lock, NULL);
        pthread_cond_init(&s->ckpt_cond, NULL);
        s->ckpt_running = pthread_create(&s->ckpt_thread, NULL, checkpointer, s) == 0;
}

static void checkpointer_stop(struct sq_store *s)
{
        if (s->ckpt_running) {
                pthread_mutex_lock(&s->ckpt_lock);
                s->ckpt_stop = true;
                pthread_cond_signal(&s->ckpt_cond);
                pthread_mutex_unlock(&s->ckpt_lock);
                pthread_join(s->ckpt_thread, NULL);
                s->ckpt_running = false;
        }
        pthread_cond_destroy(&s->ckpt_cond);
        pthread_mutex_destroy(&s->ckpt_lock);
}

static int conn_open(struct sq_store *s, struct conn **ret)
{
        struct conn *c = calloc(1, sizeof *c);
        int rc;

        if (!c)
                return -ENOMEM;
        c->owner = s;
        rc = sqlite3_open_v2(s->path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
                /* temp_store=MEMORY keeps savepoints' journals in memory:
                 * on a temporary file, intake's savepoint per request made
                 * two writes for every page it touched. */
                rc = sqlite3_exec(c->db,
                                  "PRAGMA journal_mode=WAL;"
                                  "PRAGMA synchronous=FULL;"
                                  "PRAGMA foreign_keys=ON;"
                                  "PRAGMA temp_store=MEMORY;",
                                  NULL, NULL, NULL);
                /* Checkpoints are the checkpointer's, not the committing
                 * thread's (SQLite's own hook runs them in the commit). */
                if (rc == SQLITE_OK && s->ckpt_running)
                        sqlite3_wal_hook(c->db, wal_hook, s);
        }
        if (rc != SQLITE_OK) {
                int r = map_rc(rc);
                conn_free(c);
                return r;
        }
        pthread_mutex_lock(&s->lock);
        c->next = s->conns;
        s->conns = c;
        pthread_mutex_unlock(&s->lock);
        *ret = c;
        return 0;
}

static int conn_get(struct sq_store *s, struct conn **ret)
{
        struct conn *c = pthread_getspecific(s->key);
        int r;

        if (!c) {
                r = conn_open(s, &c);
                if (r < 0)
                        return r;
                if (pthread_setspecific(s->key, c) != 0) {
                        conn_destroy(c);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

/* Whether a cached statement is in use: handed out through db.h, or
 * stepped and not yet reset by the driver's own queries (migrations,
 * ping). Such a statement is never given to anyone else nor finalized: an
 * outer loop may be stepping it while a row callback runs other queries. */
static bool stmt_in_use(const struct sq_stmt *e)
{
        return e->handed || (e->st && sqlite3_stmt_busy(e->st));
}

/* A cached, reset statement for static SQL text: one not in use with this
 * text, else a new one in the oldest slot not in use. */
static int stmt_slot(struct conn *c, const char *sql, struct sq_stmt **ret)
{
        struct sq_stmt *e;
        for (unsigned i = 0; i < STMT_CACHE; i++) {
                e = &c->cache[i];
                if (e->sql == sql && !stmt_in_use(e)) {
                        sqlite3_reset(e->st);
                        sqlite3_clear_bindings(e->st);
                        *ret = e;
                        return 0;
                }
        }
        for (unsigned n = 0;; n++) {
                if (n == STMT_CACHE)
                        return -VG_ESTORE; /* STMT_CACHE queries nested in each other */
                e = &c->cache[c->cache_next++ % STMT_CACHE];
                if (!stmt_in_use(e))
                        break;
        }
        sqlite3_finalize(e->st);
        e->sql = NULL;
        e->st = NULL;
        int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->st, NULL);
        if (rc != SQLITE_OK)
                return map_rc(rc);
        e->base.driver = &db_sqlite;
        e->c = c;
        e->sql = sql;
        *ret = e;
        return 0;
}

static int stmt(struct conn *c, const char *sql, sqlite3_stmt **ret)
{
        struct sq_stmt *e;
        int r = stmt_slot(c, sql, &e);
        if (r < 0)
                return r;
        *ret = e->st;
        return 0;
}

static struct conn *txc(struct store_tx *tx)
{
        return ((struct sq_tx *)tx)->c;
}

/* Step a statement that returns no rows; returns changes() >= 0 or error. */
static int step_done(struct conn *c, sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);
        int r = rc == SQLITE_DONE ? sqlite3_changes(c->db) : map_rc(rc);
        sqlite3_reset(st);
        return r;
}

/* Scrubbed copies of stored text that was not UTF-8, lent out as row
 * fields by text_ref. A borrowed field never outlives its transaction, so
 * they are freed when the transaction on their connection ends; each
 * connection is used by one thread, so the list is the thread's own. */
struct scrubbed {
        sqlite3 *db; /* borrows: the connection that read it */
        struct scrubbed *next;
        char text[];
};
static _Thread_local struct scrubbed *scrubbed;

static void scrubbed_release(sqlite3 *db)
{
        for (struct scrubbed **p = &scrubbed; *p;) {
                struct scrubbed *s = *p;
                if (s->db == db) {
                        *p = s->next;
                        free(s);
                } else {
                        p = &s->next;
                }
        }
}

/* A row's text is answered as JSON strings, and a row written before every
 * cut kept to character boundaries may hold a cut character (or any bytes
 * that are not UTF-8): those are read as '?' rather than failing the whole
 * answer. So a column's text is its own (NULL stays NULL) when it is
 * UTF-8, which is always but for a damaged or older row; else a scrubbed
 * copy valid until the transaction ends ("" without memory). */
static const char *text_ref(sqlite3_stmt *st, int col)
{
        const char *t = (const char *)sqlite3_column_text(st, col);
        if (!t || utf8_valid(t))
                return t;
        size_t n = strlen(t);
        struct scrubbed *s = malloc(sizeof *s + n + 1);
        if (!s)
                return "";
        memcpy(s->text, t, n + 1);
        utf8_scrub(s->text);
        s->db = sqlite3_db_handle(st);
        s->next = scrubbed;
        scrubbed = s;
        return s->text;
}

/* ---- store life cycle ---- */

static int exec(struct conn *c, const char *sql)
{
        return map_rc(sqlite3_exec(c->db, sql, NULL, NULL, NULL));
}

static int migrate(struct conn *c, char *err, size_t errlen)
{
        sqlite3_stmt *st = NULL;
        int have = 0, r, rc;

        r = exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        if (r < 0)
                goto fail;
        /* A migration may rebuild a table that others reference (SQLite's
         * only way to change a column's constraints), and dropping the old
         * table would fail with foreign keys on, which cannot be turned
         * off inside a transaction. So they are off while migrating, and
         * every one is checked before the commit. */
        r = exec(c, "PRAGMA foreign_keys=OFF");
        if (r < 0)
                goto fail;
        r = exec(c, "BEGIN IMMEDIATE");
        if (r < 0)
                goto fail;
        r = stmt(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", &st);
        if (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                have = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (r < 0)
                goto rollback;
        if ((size_t)have > sqlite_migrations_count) {
                snprintf(err, errlen,
                         "database schema version %d is newer than this vigil (%zu): upgrade vigil",
                         have, sqlite_migrations_count);
                r = -VG_ESTORE;
                goto rollback_quiet;
        }
        for (size_t i = (size_t)have; i < sqlite_migrations_count; i++) {
                const struct migration *m = &sqlite_migrations[i];
                char *msg = NULL;
                if (sqlite3_exec(c->db, m->sql, NULL, NULL, &msg) != SQLITE_OK) {
                        snprintf(err, errlen, "migration %03d_%s failed: %s", m->version, m->name,
                                 msg ? msg : "unknown error");
                        sqlite3_free(msg);
                        r = -VG_ESTORE;
                        goto rollback_quiet;
                }
                r = stmt(c, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)", &st);
                if (r < 0)
                        goto rollback;
                sqlite3_bind_int(st, 1, m->version);
                sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, clock_now());
                r = step_done(c, st);
                if (r < 0)
                        goto rollback;
        }
        /* Only after a migration ran: the check reads every reference. */
        rc = SQLITE_DONE;
        if ((size_t)have < sqlite_migrations_count) {
                r = stmt(c, "PRAGMA foreign_key_check", &st);
                if (r < 0)
                        goto rollback;
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW)
                        snprintf(err, errlen, "migrating: %s row %lld references a missing %s row",
                                 sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
                                 sqlite3_column_text(st, 2));
                sqlite3_reset(st);
                if (rc == SQLITE_ROW) {
                        r = -VG_ESTORE;
                        goto rollback_quiet;
                }
        }
        r = rc == SQLITE_DONE ? exec(c, "COMMIT") : map_rc(rc);
        if (r < 0)
                goto rollback;
        return exec(c, "PRAGMA foreign_keys=ON");
rollback:
        snprintf(err, errlen, "migrating: %s", sqlite3_errmsg(c->db));
rollback_quiet:
        exec(c, "ROLLBACK");
        exec(c, "PRAGMA foreign_keys=ON");
        return r;
fail:
        snprintf(err, errlen, "opening: %s", sqlite3_errmsg(c->db));
        exec(c, "PRAGMA foreign_keys=ON");
        return r;
}

static void sq_close(struct store *base)
{
        struct sq_store *s = (struct sq_store *)base;

        /* This thread's connection and any left by threads still alive;
         * then the checkpointer, whose lock their hooks take. */
        pthread_setspecific(s->key, NULL);
        pthread_mutex_lock(&s->lock);
        struct conn *c = s->conns;
        s->conns = NULL;
        pthread_mutex_unlock(&s->lock);
        while (c) {
                struct conn *next = c->next;
                conn_free(c);
                c = next;
        }
        checkpointer_stop(s);
        pthread_key_delete(s->key);
        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->watch_lock);
        free(s->path);
        free(s);
}

static int sq_open(const char *location, struct store **ret, char *err, size_t errlen)
{
        struct sq_store *s;
        struct conn *c;
        int r;

        if (!*location) {
                snprintf(err, errlen, "sqlite: empty path");
                return -EINVAL;
        }
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->base.driver = &db_sqlite;
        s->path = strdup(location);
        if (!s->path || pthread_key_create(&s->key, conn_destroy) != 0) {
                free(s->path);
                free(s);
                return -ENOMEM;
        }
        pthread_mutex_init(&s->lock, NULL);
        pthread_mutex_init(&s->watch_lock, NULL);
        checkpointer_start(s);

        /* Create the parent directory (one level) so "sqlite:var/vigil.db"
         * works in a fresh checkout. */
        const char *slash = strrchr(location, '/');
        if (slash && slash != location) {
                char dir[4096];
                snprintf(dir, sizeof dir, "%.*s", (int)(slash - location), location);
                if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
                        snprintf(err, errlen, "sqlite: cannot create %s: %s", dir, strerror(errno));
                        sq_close(&s->base);
                        return -errno;
                }
        }
        r = conn_get(s, &c);
        if (r < 0) {
                snprintf(err, errlen, "sqlite: cannot open %s", location);
                sq_close(&s->base);
                return r;
        }
        r = migrate(c, err, errlen);
        if (r < 0) {
                sq_close(&s->base);
                return r;
        }
        *ret = &s->base;
        return 0;
}

static int sq_ping(struct store *base)
{
        struct conn *c;
        sqlite3_stmt *st = NULL;
        int r = conn_get((struct sq_store *)base, &c);
        if (r < 0)
                return r;
        r = stmt(c, "SELECT count(*) FROM schema_migrations", &st);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? 0 : map_rc(rc);
}

static int sq_schema_version(struct store *base, int *ret)
{
        struct conn *c;
        sqlite3_stmt *st = NULL;
        int r = conn_get((struct sq_store *)base, &c);
        if (r < 0)
                return r;
        r = stmt(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", &st);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? 0 : map_rc(rc);
}

static int sq_begin(struct store *base, bool write, struct store_tx **ret)
{
        struct conn *c;
        struct sq_tx *tx;
        int r = conn_get((struct sq_store *)base, &c);
        if (r < 0)
                return r;
        if (c->in_tx)
                return -EBUSY; /* one transaction per thread at a time */
        tx = calloc(1, sizeof *tx);
        if (!tx)
                return -ENOMEM;
        r = exec(c, write ? "BEGIN IMMEDIATE" : "BEGIN");
        if (r < 0) {
                free(tx);
                return r;
        }
        c->in_tx = true;
        tx->base.store = base;
        tx->c = c;
        tx->write = write;
        *ret = &tx->base;
        return 0;
}

static void stmt_finish(struct db_stmt *base);

/* A transaction's end takes back what it left handed out (an error path
 * that returned before db_finish), so the cache never fills with
 * statements nobody will finish. */
static void tx_end(struct sq_tx *tx)
{
        struct conn *c = tx->c;
        for (unsigned i = 0; i < STMT_CACHE; i++)
                if (c->cache[i].handed)
                        stmt_finish(&c->cache[i].base);
        while (c->transients)
                stmt_finish(&c->transients->base);
        c->in_tx = false;
        scrubbed_release(c->db);
        free(tx);
}

static void sq_rollback(struct store_tx *base)
{
        struct sq_tx *tx = (struct sq_tx *)base;
        exec(tx->c, "ROLLBACK");
        tx_end(tx);
}

static int sq_commit(struct store_tx *base)
{
        struct sq_tx *tx = (struct sq_tx *)base;
        struct sq_store *s = (struct sq_store *)base->store;
        int r = exec(tx->c, "COMMIT");
        if (r < 0) {
                sq_rollback(base);
                return r;
        }
        bool notify = tx->notify;
        tx_end(tx);
        /* After the commit, so the worker it wakes sees the work; under
         * watch_lock, so that unwatch returns only when no wake is running. */
        if (notify) {
                pthread_mutex_lock(&s->watch_lock);
                if (s->wake) {
                        atomic_fetch_add(&s->wakes, 1);
                        s->wake(s->wake_arg);
                }
                pthread_mutex_unlock(&s->watch_lock);
        }
        return 0;
}

/* New work: the watcher hears of it when the transaction commits (a
 * rolled-back savepoint may leave a wake-up for nothing, which costs the
 * worker a look). */
static int sq_notify(struct store_tx *base)
{
        ((struct sq_tx *)base)->notify = true;
        return 0;
}

static int sq_watch(struct store *base, void (*wake)(void *arg), void *arg)
{
        struct sq_store *s = (struct sq_store *)base;
        pthread_mutex_lock(&s->watch_lock);
        int r = s->wake ? -EBUSY : 0;
        if (r == 0) {
                s->wake = wake;
                s->wake_arg = arg;
        }
        pthread_mutex_unlock(&s->watch_lock);
        return r;
}

static void sq_unwatch(struct store *base)
{
        struct sq_store *s = (struct sq_store *)base;
        pthread_mutex_lock(&s->watch_lock);
        s->wake = NULL;
        s->wake_arg = NULL;
        pthread_mutex_unlock(&s->watch_lock);
}

static uint64_t sq_wakes(struct store *base)
{
        return atomic_load(&((struct sq_store *)base)->wakes);
}

static int sq_savepoint_begin(struct store_tx *tx)
{
        return exec(txc(tx), "SAVEPOINT batch");
}

static int sq_savepoint_end(struct store_tx *tx, bool ok)
{
        if (!ok) {
                int r = exec(txc(tx), "ROLLBACK TO batch");
                if (r < 0)
                        return r;
        }
        return exec(txc(tx), "RELEASE batch");
}

/* ---- statements (db.h) ---- */

static struct sq_stmt *sqs(struct db_stmt *st)
{
        return (struct sq_stmt *)st;
}

/* A write prepared while another statement is walking is refused: the
 * row contract (db.h) lets a callback read but not write, since whether
 * the walk would see the write differs between backends. */
/* A statement for text built at run time (DB_TRANSIENT): its own, for one
 * use, freed by stmt_finish (or at the transaction's end). */
static int transient_prepare(struct conn *c, const char *sql, struct db_stmt **ret)
{
        struct sq_stmt *e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        int rc = sqlite3_prepare_v2(c->db, sql, -1, &e->st, NULL);
        if (rc != SQLITE_OK || !e->st || !sqlite3_stmt_readonly(e->st)) {
                sqlite3_finalize(e->st);
                free(e);
                return rc != SQLITE_OK ? map_rc(rc) : -VG_ESTORE;
        }
        e->base.driver = &db_sqlite;
        e->c = c;
        e->handed = true;
        e->transient = true;
        e->next = c->transients;
        c->transients = e;
        *ret = &e->base;
        return 0;
}

static int stmt_prepare(struct store_tx *tx, const char *sql, unsigned flags, struct db_stmt **ret)
{
        struct conn *c = txc(tx);
        struct sq_stmt *e;
        if (flags & DB_TRANSIENT)
                return transient_prepare(c, sql, ret);
        int r = stmt_slot(c, sql, &e);
        if (r < 0)
                return r;
        if (c->walks > 0 && !sqlite3_stmt_readonly(e->st))
                return -VG_ESTORE;
        e->handed = true;
        e->insert_id = (flags & DB_INSERT_ID) != 0;
        *ret = &e->base;
        return 0;
}

static void stmt_bind_int64(struct db_stmt *st, int i, int64_t v)
{
        sqlite3_bind_int64(sqs(st)->st, i, v);
}

static void stmt_bind_text(struct db_stmt *st, int i, const char *v)
{
        if (v)
                sqlite3_bind_text(sqs(st)->st, i, v, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(sqs(st)->st, i);
}

static void stmt_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
        sqlite3_bind_blob64(sqs(st)->st, i, p, n, SQLITE_STATIC);
}

static void stmt_bind_null(struct db_stmt *st, int i)
{
        sqlite3_bind_null(sqs(st)->st, i);
}

static void walk_end(struct sq_stmt *e)
{
        if (e->walking) {
                e->walking = false;
                e->c->walks--;
        }
}

static int stmt_step(struct db_stmt *st)
{
        struct sq_stmt *e = sqs(st);
        int rc = sqlite3_step(e->st);
        if (rc == SQLITE_ROW) {
                if (!e->walking) {
                        e->walking = true;
                        e->c->walks++;
                }
                return 1;
        }
        walk_end(e);
        return rc == SQLITE_DONE ? 0 : map_rc(rc);
}

static int64_t stmt_column_int64(struct db_stmt *st, int i)
{
        return sqlite3_column_int64(sqs(st)->st, i);
}

static const char *stmt_column_text(struct db_stmt *st, int i)
{
        return text_ref(sqs(st)->st, i);
}

static const void *stmt_column_blob(struct db_stmt *st, int i, size_t *ret_len)
{
        const void *b = sqlite3_column_blob(sqs(st)->st, i);
        *ret_len = (size_t)sqlite3_column_bytes(sqs(st)->st, i);
        return b;
}

static enum db_type stmt_column_type(struct db_stmt *st, int i)
{
        switch (sqlite3_column_type(sqs(st)->st, i)) {
        case SQLITE_INTEGER:
                return DB_INTEGER;
        case SQLITE_FLOAT:
                return DB_FLOAT;
        case SQLITE_TEXT:
                return DB_TEXT;
        case SQLITE_BLOB:
                return DB_BLOB;
        default:
                return DB_NULL;
        }
}

static int stmt_column_count(struct db_stmt *st)
{
        return sqlite3_column_count(sqs(st)->st);
}

static const char *stmt_column_name(struct db_stmt *st, int i)
{
        return sqlite3_column_name(sqs(st)->st, i);
}

static int64_t stmt_changes(struct db_stmt *st)
{
        return sqlite3_changes64(sqs(st)->c->db);
}

/* The RETURNING row's first column; for DB_INSERT_ID, last_insert_rowid
 * (the INSERT has no RETURNING: see db.h). */
static int stmt_insert_id(struct db_stmt *st, int64_t *ret_id)
{
        struct sq_stmt *e = sqs(st);
        int r = stmt_step(st);
        if (r > 0)
                *ret_id = sqlite3_column_int64(e->st, 0);
        else if (r == 0 && e->insert_id && sqlite3_changes64(e->c->db) > 0)
                *ret_id = sqlite3_last_insert_rowid(e->c->db);
        else if (r == 0)
                return -VG_ENOTFOUND; /* no row added: ON CONFLICT DO NOTHING */
        return r < 0 ? r : 0;
}

static void stmt_finish(struct db_stmt *st)
{
        struct sq_stmt *e = sqs(st);
        walk_end(e);
        if (e->transient) {
                for (struct sq_stmt **pp = &e->c->transients; *pp; pp = &(*pp)->next)
                        if (*pp == e) {
                                *pp = e->next;
                                break;
                        }
                sqlite3_finalize(e->st);
                free(e);
                return;
        }
        sqlite3_reset(e->st);
        e->handed = false;
}

/* Every table of the schema, SQLite's own (sqlite_sequence) included: it
 * records what was written as much as the tables do. A virtual table and
 * its shadow tables (FTS5's text index, migration 035) hold what the
 * other tables already say, and are left out. */
static int sq_tables(struct store_tx *tx, int (*cb)(const char *name, void *userdata), void *userdata)
{
        struct db_stmt *st;
        int r = stmt_prepare(
                tx,
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
                "AND name <> 'sqlite_schema' ORDER BY name",
                0, &st);
        if (r < 0)
                return r;
        while ((r = stmt_step(st)) > 0) {
                r = cb(stmt_column_text(st, 0), userdata);
                if (r < 0)
                        break;
        }
        stmt_finish(st);
        return r < 0 ? r : 0;
}

const struct db_driver db_sqlite = {
        .name = "sqlite",
        .caps = 0,
        .open = sq_open,
        .close = sq_close,
        .ping = sq_ping,
        .schema_version = sq_schema_version,
        .begin = sq_begin,
        .commit = sq_commit,
        .rollback = sq_rollback,
        .savepoint_begin = sq_savepoint_begin,
        .savepoint_end = sq_savepoint_end,
        .prepare = stmt_prepare,
        .bind_int64 = stmt_bind_int64,
        .bind_text = stmt_bind_text,
        .bind_blob = stmt_bind_blob,
        .bind_null = stmt_bind_null,
        .step = stmt_step,
        .column_int64 = stmt_column_int64,
        .column_text = stmt_column_text,
        .column_blob = stmt_column_blob,
        .column_type = stmt_column_type,
        .column_count = stmt_column_count,
        .column_name = stmt_column_name,
        .changes = stmt_changes,
        .insert_id = stmt_insert_id,
        .finish = stmt_finish,
        .tables = sq_tables,
        .notify = sq_notify,
        .watch = sq_watch,
        .unwatch = sq_unwatch,
        .wakes = sq_wakes,
};
