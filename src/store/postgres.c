/* The PostgreSQL driver (db.h), on libpq: for several vigil nodes on one
 * database.
 *
 * Connections. A pool, opened lazily up to pool_size (a parameter of the
 * URL that the driver takes out before libpq sees it; 16 by default). A
 * transaction takes one connection for its life and gives it back at its
 * end; a thread holds at most one transaction. A connection that broke
 * (the server restarted, failed over) is closed rather than given back,
 * and the next transaction opens a fresh one.
 *
 * Transactions. Every write transaction takes one transaction-scoped
 * advisory lock, per schema, before its first statement: writers run one
 * at a time across every node, as they do on SQLite (BEGIN IMMEDIATE),
 * and the store's code keeps the one-writer semantics it was written
 * against - a read that decides a write is never stale. Read transactions
 * take no lock and read one snapshot (REPEATABLE READ READ ONLY) beside
 * the writer. The lock is released by COMMIT or ROLLBACK, never held by a
 * session; with named prepared statements, a transaction-mode pooler in
 * front must keep them (PgBouncer 1.21's max_prepared_statements).
 *
 * Statements. The SQL the store files write for both dialects is turned
 * once per connection into PostgreSQL's ("?" and "?N" become "$N"; an
 * INSERT prepared with DB_INSERT_ID gets "RETURNING id") and prepared on
 * the server by name at its first execution, with the types of the values
 * bound (bigint, bytea, text; NULL left to the server, see type_of). A result
 * is read whole, so a row callback may run further queries on the same
 * connection and its row stays valid until the next step.
 *
 * Errors. SQLSTATE class 23 (a constraint) is -VG_ECONFLICT; a lost
 * connection, a shutdown, a serialization failure (40001), a deadlock
 * (40P01) and a lock timeout are -VG_EBUSY, which the http layer answers
 * 503 "retry" and the workers retry: the transaction is rolled back
 * whole. After a failed statement PostgreSQL refuses the rest of the
 * transaction; the driver answers them with the first error, and the
 * commit fails, so nothing is ever half applied. */
#include "store/backend.h"
#include "store/db.h"
#include "store/migrations.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define POOL_DEFAULT 16
#define POOL_MAX 1024
#define POOL_WAIT_SEC 10
#define SQL_SLOTS 256          /* hash slots of a connection's statements */
/* The advisory locks' first keys, as SQL text: the writers' (the second
 * is the schema's hashtext) and the migration's. */
#define LOCK_WRITER "1447512425"
#define LOCK_MIGRATE "1447512426"

/* Plan each statement once per connection, as SQLite does, rather than
 * again at every execution: the store's statements are written so that
 * their text picks the index (one statement per filter that narrows,
 * "?N IS NULL OR ..." for the rest), and a custom plan per execution
 * cost more than the query (planning was 90% of a 100,000-tenant
 * import). No JIT either: a generic plan's cost counts every row a
 * LIMIT ?N may read, which passed jit_above_cost and spent 30 ms
 * compiling each execution of a list that reads 50 rows. SET LOCAL:
 * nothing outlives the transaction. */
#define GENERIC_PLANS "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL jit = off; "

/* Type oids (pg_type.h is the server's; these are fixed by the catalog). */
enum {
        OID_BOOL = 16,
        OID_BYTEA = 17,
        OID_INT8 = 20,
        OID_INT2 = 21,
        OID_INT4 = 23,
        OID_OID = 26,
        OID_FLOAT4 = 700,
        OID_FLOAT8 = 701,
        OID_NUMERIC = 1700,
        OID_TEXT = 25,
};

/* A statement prepared on the server for one set of parameter types. */
struct pg_variant {
        char name[16];
        char *sig; /* owns: one of 'i', 'b', 't', 'n' (NULL) per parameter */
        struct pg_variant *next;
};

/* A connection's translation of one statement's text. */
struct pg_sql {
        const char *sql; /* borrows: static text, the key */
        unsigned flags;  /* DB_INSERT_ID */
        char *text;      /* owns: PostgreSQL's spelling */
        int nparams;
        bool write;      /* not a SELECT */
        struct pg_variant *variants; /* owns */
        struct pg_sql *next;
};

struct pconn {
        PGconn *pg;
        struct pconn *next; /* in the idle list */
        struct pg_sql *sqls[SQL_SLOTS];
        unsigned names;
};

struct pg_store {
        struct store base;
        char *conninfo; /* owns: the URL libpq is given */
        unsigned pool_size, open;
        pthread_mutex_t lock; /* guards idle, open */
        pthread_cond_t freed;
        struct pconn *idle;
        pthread_key_t key; /* the thread's transaction */
        char schema[128];  /* current_schema(): the wake-ups' payload */
        /* The watcher: a thread on a connection of its own, LISTENing. */
        pthread_t watcher;
        bool watching;
        atomic_bool stop;
        atomic_uint_fast64_t wakes;
        void (*wake)(void *);
        void *wake_arg;
};

struct pg_stmt;

struct pg_tx {
        struct store_tx base;
        struct pconn *c;
        int failed;            /* < 0: a statement failed, the first error */
        bool notified;         /* NOTIFY sent in this transaction */
        unsigned walks;        /* statements handing out rows */
        struct pg_stmt *stmts; /* owns: handed out or kept for reuse */
};

struct pg_stmt {
        struct db_stmt base;
        struct pg_tx *tx;
        struct pg_sql *sql;   /* borrows: the connection's */
        char *transient_text; /* owns: DB_TRANSIENT's translation */
        int nparams, cap;
        const char **values;
        int *lengths, *formats;
        char *sig;
        char (*ints)[24];
        PGresult *res;
        int row, nrows;
        int64_t changes;
        unsigned char **blobs; /* owns: this row's unescaped bytea */
        int nblobs;
        char **scrubbed; /* owns: copies of bound text that was not UTF-8 */
        int nscrubbed;
        bool handed, walking;
        struct pg_stmt *next;
};

static struct pg_stmt *pgs(struct db_stmt *st) { return (struct pg_stmt *)st; }

/* ---- errors ---- */

static int map_state(const char *state)
{
        if (!state)
                return -VG_EBUSY; /* no answer: the connection is gone */
        if (strncmp(state, "23", 2) == 0)
                return -VG_ECONFLICT;
        if (strncmp(state, "08", 2) == 0 || strcmp(state, "40001") == 0 ||
            strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
            strcmp(state, "57014") == 0 || strncmp(state, "57P0", 4) == 0 ||
            strcmp(state, "25006") == 0 /* read only: a standby */)
                return -VG_EBUSY;
        if (strcmp(state, "53200") == 0)
                return -ENOMEM;
        return -VG_ESTORE;
}

static int result_error(PGconn *pg, PGresult *res)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        int r = map_state(state);
        if (r == -VG_ESTORE || (r == -VG_EBUSY && PQstatus(pg) != CONNECTION_OK)) {
                char q[512];
                const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
                log_event(r == -VG_ESTORE ? LOG_LVL_ERROR : LOG_LVL_WARN, "store",
                          "backend=postgresql sqlstate=%s error=%s",
                          state ? state : "none", log_quote(msg ? msg : "", q, sizeof q));
        }
        return r;
}

/* Run driver SQL (no parameters, no rows wanted). */
static int run(PGconn *pg, const char *sql)
{
        PGresult *res = PQexec(pg, sql);
        int r = 0;
        ExecStatusType s = PQresultStatus(res);
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
                r = result_error(pg, res);
        PQclear(res);
        return r;
}

/* ---- connections ---- */

static void sql_free(struct pg_sql *q)
{
        while (q) {
                struct pg_sql *next = q->next;
                for (struct pg_variant *v = q->variants, *vn; v; v = vn) {
                        vn = v->next;
                        free(v->sig);
                        free(v);
                }
                free(q->text);
                free(q);
                q = next;
        }
}

static void conn_free(struct pconn *c)
{
        if (!c)
                return;
        for (unsigned i = 0; i < SQL_SLOTS; i++)
                sql_free(c->sqls[i]);
        PQfinish(c->pg);
        free(c);
}

/* NOTICEs ("schema exists, skipping") are not news; a WARNING (a
 * migration's: pg_trgm could not be had) goes to the log. */
static void notice_logged(void *arg, const PGresult *res)
{
        (void)arg;
        const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
        if (severity && strcmp(severity, "WARNING") == 0) {
                char q[512];
                const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
                log_event(LOG_LVL_WARN, "store", "backend=postgresql warning=%s",
                          log_quote(msg ? msg : "", q, sizeof q));
        }
}

static int conn_open(const char *conninfo, struct pconn **ret, char *err, size_t errlen)
{
        struct pconn *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->pg = PQconnectdb(conninfo);
        if (!c->pg) {
                free(c);
                return -ENOMEM;
        }
        if (PQstatus(c->pg) != CONNECTION_OK) {
                if (err) {
                        /* libpq's message, first line: never the URL, which may
                         * hold a password. */
                        const char *m = PQerrorMessage(c->pg);
                        size_t n = strcspn(m, "\n");
                        snprintf(err, errlen, "postgresql: cannot connect: %.*s", (int)n, m);
                }
                conn_free(c);
                return -VG_EBUSY;
        }
        PQsetNoticeReceiver(c->pg, notice_logged, NULL);
        if (PQsetClientEncoding(c->pg, "UTF8") != 0) {
                if (err)
                        snprintf(err, errlen, "postgresql: the server does not speak UTF-8");
                conn_free(c);
                return -VG_ESTORE;
        }
        *ret = c;
        return 0;
}

/* A connection for a transaction: an idle one, a new one while the pool
 * has room, else wait for one to be given back. */
static int conn_take(struct pg_store *s, struct pconn **ret)
{
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += POOL_WAIT_SEC;
        pthread_mutex_lock(&s->lock);
        for (;;) {
                if (s->idle) {
                        *ret = s->idle;
                        s->idle = s->idle->next;
                        pthread_mutex_unlock(&s->lock);
                        return 0;
                }
                if (s->open < s->pool_size) {
                        s->open++;
                        pthread_mutex_unlock(&s->lock);
                        int r = conn_open(s->conninfo, ret, NULL, 0);
                        if (r < 0) {
                                pthread_mutex_lock(&s->lock);
                                s->open--;
                                pthread_cond_signal(&s->freed);
                                pthread_mutex_unlock(&s->lock);
                        }
                        return r;
                }
                if (pthread_cond_timedwait(&s->freed, &s->lock, &until) == ETIMEDOUT) {
                        pthread_mutex_unlock(&s->lock);
                        return -VG_EBUSY;
                }
        }
}

/* Give a connection back, or close it when it broke. */
static void conn_give(struct pg_store *s, struct pconn *c)
{
        bool ok = PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
        if (!ok)
                conn_free(c);
        pthread_mutex_lock(&s->lock);
        if (ok) {
                c->next = s->idle;
                s->idle = c;
        } else {
                s->open--;
        }
        pthread_cond_signal(&s->freed);
        pthread_mutex_unlock(&s->lock);
}

/* ---- statement text ---- */

/* SQLite's parameters ("?", "?N") as PostgreSQL's ("$N"), outside quoted
 * text and comments; a bare "?" is one more than the largest so far, as
 * SQLite numbers it. */
static int translate(const char *sql, bool returning_id, char **ret, int *ret_n)
{
        size_t len = strlen(sql);
        char *out = malloc(len * 3 + 32);
        size_t o = 0;
        int max = 0;
        if (!out)
                return -ENOMEM;
        for (const char *p = sql; *p;) {
                if (*p == '\'' || *p == '"') {
                        char q = *p;
                        out[o++] = *p++;
                        while (*p && *p != q)
                                out[o++] = *p++;
                        if (*p)
                                out[o++] = *p++;
                } else if (p[0] == '-' && p[1] == '-') {
                        while (*p && *p != '\n')
                                out[o++] = *p++;
                } else if (p[0] == '/' && p[1] == '*') {
                        const char *end = strstr(p + 2, "*/");
                        size_t n = end ? (size_t)(end + 2 - p) : strlen(p);
                        memcpy(out + o, p, n);
                        o += n;
                        p += n;
                } else if (*p == '?') {
                        int n = 0;
                        p++;
                        if (*p >= '0' && *p <= '9') {
                                while (*p >= '0' && *p <= '9' && n < 100000)
                                        n = n * 10 + (*p++ - '0');
                        } else {
                                n = max + 1;
                        }
                        if (n < 1 || n > 32767) {
                                free(out);
                                return -VG_ESTORE;
                        }
                        if (n > max)
                                max = n;
                        o += (size_t)sprintf(out + o, "$%d", n);
                } else {
                        out[o++] = *p++;
                }
        }
        if (returning_id)
                o += (size_t)sprintf(out + o, " RETURNING id");
        out[o] = '\0';
        *ret = out;
        *ret_n = max;
        return 0;
}

/* Whether the statement only reads: its first word, past blanks and
 * opening parentheses, is SELECT. */
static bool is_select(const char *sql)
{
        sql += strspn(sql, " \t\n(");
        return strncasecmp(sql, "SELECT", 6) == 0;
}

static unsigned slot_of(const char *sql)
{
        uintptr_t h = (uintptr_t)sql;
        return (unsigned)((h >> 4) ^ (h >> 12)) % SQL_SLOTS;
}

static int sql_get(struct pconn *c, const char *sql, unsigned flags, struct pg_sql **ret)
{
        unsigned slot = slot_of(sql);
        for (struct pg_sql *q = c->sqls[slot]; q; q = q->next)
                if (q->sql == sql && q->flags == flags) {
                        *ret = q;
                        return 0;
                }
        struct pg_sql *q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        int r = translate(sql, flags & DB_INSERT_ID, &q->text, &q->nparams);
        if (r < 0) {
                free(q);
                return r;
        }
        q->sql = sql;
        q->flags = flags;
        q->write = !is_select(sql);
        q->next = c->sqls[slot];
        c->sqls[slot] = q;
        *ret = q;
        return 0;
}

/* ---- the store ---- */

static void pg_unwatch(struct store *base);

static void pg_close(struct store *base)
{
        struct pg_store *s = (struct pg_store *)base;
        pg_unwatch(base);
        pthread_mutex_lock(&s->lock);
        struct pconn *c = s->idle;
        s->idle = NULL;
        pthread_mutex_unlock(&s->lock);
        while (c) {
                struct pconn *next = c->next;
                conn_free(c);
                c = next;
        }
        pthread_key_delete(s->key);
        pthread_cond_destroy(&s->freed);
        pthread_mutex_destroy(&s->lock);
        if (s->conninfo)
                memset(s->conninfo, 0, strlen(s->conninfo)); /* may hold a password */
        free(s->conninfo);
        free(s);
}

/* Take "pool_size=N" out of the URL's query (libpq refuses parameters it
 * does not know); the rest is libpq's. */
static int take_pool_size(char *url, unsigned *ret, char *err, size_t errlen)
{
        char *q = strchr(url, '?');
        *ret = POOL_DEFAULT;
        if (!q)
                return 0;
        for (char *p = q + 1; *p;) {
                char *amp = strchr(p, '&');
                size_t n = amp ? (size_t)(amp - p) : strlen(p);
                if (strncmp(p, "pool_size=", 10) == 0) {
                        char *end;
                        unsigned long v = strtoul(p + 10, &end, 10);
                        if (end != p + n || v < 1 || v > POOL_MAX) {
                                snprintf(err, errlen, "postgresql: pool_size must be 1 to %d", POOL_MAX);
                                return -EINVAL;
                        }
                        *ret = (unsigned)v;
                        /* Cut it, with the '&' that joins it to the next. */
                        if (amp)
                                memmove(p, amp + 1, strlen(amp + 1) + 1);
                        else if (p > q + 1)
                                p[-1] = '\0';
                        else
                                *q = '\0';
                        continue;
                }
                p += amp ? n + 1 : n;
        }
        return 0;
}

static int one_int(PGconn *pg, const char *sql, int64_t *ret)
{
        PGresult *res = PQexec(pg, sql);
        int r = 0;
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
                r = result_error(pg, res);
        else
                *ret = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        return r;
}

/* The schema the URL's search_path names first, created if it is missing
 * (the tests give each case one of its own). */
static int ensure_schema(PGconn *pg, char *err, size_t errlen)
{
        PGresult *res = PQexec(pg, "SELECT current_schema() IS NULL, current_setting('search_path')");
        int r = 0;
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
                r = result_error(pg, res);
                PQclear(res);
                return r;
        }
        if (PQgetvalue(res, 0, 0)[0] == 't') {
                char first[128];
                const char *path = PQgetvalue(res, 0, 1);
                size_t n = strcspn(path, ",");
                while (n && path[n - 1] == ' ')
                        n--;
                while (n && *path == ' ')
                        path++, n--;
                if (n >= 2 && path[0] == '"' && path[n - 1] == '"')
                        path++, n -= 2;
                if (n == 0 || n >= sizeof first || memchr(path, '"', n) || strncmp(path, "$user", n) == 0) {
                        snprintf(err, errlen, "postgresql: search_path names no schema to use");
                        PQclear(res);
                        return -VG_ECONFIG;
                }
                memcpy(first, path, n);
                first[n] = '\0';
                char *ident = PQescapeIdentifier(pg, first, n);
                char sql[300];
                snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", ident ? ident : "\"\"");
                PQfreemem(ident);
                r = run(pg, sql);
                if (r < 0)
                        snprintf(err, errlen, "postgresql: cannot create schema %s: %s", first,
                                 PQerrorMessage(pg));
        }
        PQclear(res);
        return r;
}

/* Apply what is missing of db/postgres under the migration lock, in one
 * transaction: two nodes starting at once migrate once (the second waits,
 * then finds nothing to do), and a failed migration leaves nothing. */
static int migrate(PGconn *pg, char *err, size_t errlen)
{
        int64_t have = 0;
        int r = run(pg, "BEGIN");
        if (r < 0)
                goto fail;
        r = run(pg, "SELECT pg_advisory_xact_lock(" LOCK_MIGRATE ", 0)");
        if (r >= 0)
                r = ensure_schema(pg, err, errlen);
        if (r < 0)
                goto rollback;
        r = run(pg, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        if (r >= 0)
                r = one_int(pg, "SELECT coalesce(max(version), 0) FROM schema_migrations", &have);
        if (r < 0)
                goto fail_rollback;
        int last = postgres_migrations[postgres_migrations_count - 1].version;
        if (have > last) {
                snprintf(err, errlen,
                         "database schema version %lld is newer than this vigil (%d): upgrade vigil",
                         (long long)have, last);
                r = -VG_ESTORE;
                goto rollback;
        }
        for (size_t i = 0; i < postgres_migrations_count; i++) {
                const struct migration *m = &postgres_migrations[i];
                if (m->version <= have)
                        continue;
                PGresult *res = PQexec(pg, m->sql);
                if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
                        snprintf(err, errlen, "migration %03d_%s failed: %s", m->version, m->name,
                                 PQresultErrorMessage(res));
                        err[strcspn(err, "\n")] = '\0';
                        PQclear(res);
                        r = -VG_ESTORE;
                        goto rollback;
                }
                PQclear(res);
                char ver[24], at[24];
                snprintf(ver, sizeof ver, "%d", m->version);
                snprintf(at, sizeof at, "%lld", (long long)clock_now());
                const char *vals[3] = { ver, m->name, at };
                res = PQexecParams(pg, "INSERT INTO schema_migrations(version, name, applied_at) "
                                       "VALUES ($1, $2, $3)",
                                   3, NULL, vals, NULL, NULL, 0);
                r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : result_error(pg, res);
                PQclear(res);
                if (r < 0)
                        goto fail_rollback;
        }
        PGresult *res = PQexec(pg, "COMMIT");
        r = PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0
                    ? 0
                    : -VG_ESTORE;
        PQclear(res);
        if (r < 0)
                goto fail;
        return 0;
fail_rollback:
        snprintf(err, errlen, "postgresql: migrating: %s", PQerrorMessage(pg));
        err[strcspn(err, "\n")] = '\0';
rollback:
        run(pg, "ROLLBACK");
        return r;
fail:
        snprintf(err, errlen, "postgresql: migrating: %s", PQerrorMessage(pg));
        err[strcspn(err, "\n")] = '\0';
        return r < 0 ? r : -VG_ESTORE;
}

static int pg_open(const char *location, struct store **ret, char *err, size_t errlen)
{
        struct pg_store *s = calloc(1, sizeof *s);
        struct pconn *c = NULL;
        int r;
        if (!s)
                return -ENOMEM;
        s->base.driver = &db_postgres;
        /* libpq takes the URL itself: "postgresql:" + what follows. */
        size_t n = strlen(location);
        s->conninfo = malloc(n + 12);
        if (!s->conninfo || pthread_key_create(&s->key, NULL) != 0) {
                free(s->conninfo);
                free(s);
                return -ENOMEM;
        }
        snprintf(s->conninfo, n + 12, "postgresql:%s", location);
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->freed, NULL);
        if (strncmp(location, "//", 2) != 0) {
                snprintf(err, errlen, "postgresql: expected postgresql://[user@][host][/dbname][?param=value...]");
                pg_close(&s->base);
                return -EINVAL;
        }
        r = take_pool_size(s->conninfo, &s->pool_size, err, errlen);
        if (r >= 0)
                r = conn_open(s->conninfo, &c, err, errlen);
        if (r >= 0)
                r = migrate(c->pg, err, errlen);
        if (r < 0) {
                conn_free(c);
                pg_close(&s->base);
                return r;
        }
        PGresult *res = PQexec(c->pg, "SELECT current_schema()");
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
                snprintf(s->schema, sizeof s->schema, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        s->open = 1;
        s->idle = c;
        *ret = &s->base;
        return 0;
}

/* One integer from driver SQL, on a connection of the pool's. */
static int pool_int(struct pg_store *s, const char *sql, int64_t *ret)
{
        struct pconn *c;
        int r = conn_take(s, &c);
        if (r < 0)
                return r;
        r = one_int(c->pg, sql, ret);
        conn_give(s, c);
        return r;
}

/* Ready: a connection, to a primary (a standby cannot take writes). */
static int pg_ping(struct store *base)
{
        int64_t standby = 0;
        int r = pool_int((struct pg_store *)base, "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END",
                         &standby);
        return r < 0 ? r : standby ? -VG_EBUSY : 0;
}

static int pg_schema_version(struct store *base, int *ret)
{
        int64_t v = 0;
        int r = pool_int((struct pg_store *)base, "SELECT coalesce(max(version), 0) FROM schema_migrations", &v);
        if (r >= 0)
                *ret = (int)v;
        return r;
}

/* ---- transactions ---- */

static int pg_begin(struct store *base, bool write, struct store_tx **ret)
{
        struct pg_store *s = (struct pg_store *)base;
        struct pg_tx *tx;
        struct pconn *c;
        if (pthread_getspecific(s->key))
                return -EBUSY; /* one transaction per thread at a time */
        tx = calloc(1, sizeof *tx);
        if (!tx)
                return -ENOMEM;
        /* A connection found broken at BEGIN (the server restarted while
         * it was idle) is dropped, and a fresh one tried once. */
        int r = 0;
        for (int attempt = 0; attempt < 2; attempt++) {
                r = conn_take(s, &c);
                if (r < 0)
                        break;
                const char *sql = write ? "BEGIN; SET LOCAL lock_timeout = '10s'; " GENERIC_PLANS
                                          "SELECT pg_advisory_xact_lock(" LOCK_WRITER ", hashtext(current_schema()))"
                                        : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " GENERIC_PLANS;
                r = run(c->pg, sql);
                if (r >= 0)
                        break;
                if (PQtransactionStatus(c->pg) != PQTRANS_IDLE && PQstatus(c->pg) == CONNECTION_OK)
                        run(c->pg, "ROLLBACK");
                bool broken = PQstatus(c->pg) != CONNECTION_OK;
                conn_give(s, c);
                if (!broken)
                        break;
        }
        if (r < 0) {
                free(tx);
                return r;
        }
        tx->base.store = base;
        tx->c = c;
        pthread_setspecific(s->key, tx);
        *ret = &tx->base;
        return 0;
}

static void stmt_clear(struct pg_stmt *e)
{
        for (int i = 0; i < e->nscrubbed; i++)
                free(e->scrubbed[i]);
        e->nscrubbed = 0;
        for (int i = 0; i < e->nblobs; i++)
                PQfreemem(e->blobs[i]);
        e->nblobs = 0;
        PQclear(e->res);
        e->res = NULL;
}

static void tx_end(struct pg_tx *tx)
{
        struct pg_store *s = (struct pg_store *)tx->base.store;
        for (struct pg_stmt *e = tx->stmts, *next; e; e = next) {
                next = e->next;
                stmt_clear(e);
                free(e->transient_text);
                free(e->values);
                free(e->lengths);
                free(e->formats);
                free(e->sig);
                free(e->ints);
                free(e->blobs);
                free(e->scrubbed);
                free(e);
        }
        conn_give(s, tx->c);
        pthread_setspecific(s->key, NULL);
        free(tx);
}

static void pg_rollback(struct store_tx *base)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        if (PQstatus(tx->c->pg) == CONNECTION_OK)
                run(tx->c->pg, "ROLLBACK");
        tx_end(tx);
}

static int pg_commit(struct store_tx *base)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        if (tx->failed < 0) {
                int r = tx->failed;
                pg_rollback(base);
                return r;
        }
        PGresult *res = PQexec(tx->c->pg, "COMMIT");
        int r = 0;
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                r = result_error(tx->c->pg, res);
        else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
                r = -VG_ESTORE; /* the server rolled back */
        PQclear(res);
        if (r < 0 && PQstatus(tx->c->pg) == CONNECTION_OK &&
            PQtransactionStatus(tx->c->pg) != PQTRANS_IDLE)
                run(tx->c->pg, "ROLLBACK");
        tx_end(tx);
        return r;
}

static int pg_savepoint_begin(struct store_tx *base)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        return tx->failed < 0 ? tx->failed : run(tx->c->pg, "SAVEPOINT batch");
}

/* end(false) also clears a failed statement's mark: ROLLBACK TO undoes
 * what PostgreSQL refused the transaction for. */
static int pg_savepoint_end(struct store_tx *base, bool ok)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        if (!ok) {
                int r = run(tx->c->pg, "ROLLBACK TO batch");
                if (r < 0)
                        return r;
                tx->failed = 0;
        } else if (tx->failed < 0) {
                return tx->failed;
        }
        return run(tx->c->pg, "RELEASE batch");
}

/* ---- statements ---- */

static int stmt_fit(struct pg_stmt *e, int n)
{
        e->nparams = n;
        if (n <= e->cap && e->sig) {
                for (int i = 0; i < n; i++) {
                        e->values[i] = NULL;
                        e->lengths[i] = 0;
                        e->formats[i] = 0;
                        e->sig[i] = 'n';
                }
                return 0;
        }
        /* One more than asked: never a zero-size allocation. */
        const char **v = realloc(e->values, ((size_t)n + 1) * sizeof *v);
        if (v)
                e->values = v;
        int *l = realloc(e->lengths, ((size_t)n + 1) * sizeof *l);
        if (l)
                e->lengths = l;
        int *f = realloc(e->formats, ((size_t)n + 1) * sizeof *f);
        if (f)
                e->formats = f;
        char *s = realloc(e->sig, (size_t)n + 1);
        if (s)
                e->sig = s;
        char(*ints)[24] = realloc(e->ints, ((size_t)n + 1) * sizeof *ints);
        if (ints)
                e->ints = ints;
        if (!v || !l || !f || !s || !ints)
                return -ENOMEM;
        e->cap = n;
        return stmt_fit(e, n);
}

static int stmt_prepare(struct store_tx *base, const char *sql, unsigned flags, struct db_stmt **ret)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        struct pg_stmt *e = NULL;
        struct pg_sql *q = NULL;
        char *text = NULL;
        int n = 0, r;
        if (tx->failed < 0)
                return tx->failed;
        if (flags & DB_TRANSIENT) {
                /* Reads only, as on SQLite (a walk over the catalog), but
                 * for store_copy's inserts. */
                if (!is_select(sql) && !(flags & DB_COPY))
                        return -VG_ESTORE;
                r = translate(sql, false, &text, &n);
        } else {
                r = sql_get(tx->c, sql, flags & DB_INSERT_ID, &q);
                n = q ? q->nparams : 0;
        }
        if (r < 0)
                return r;
        /* The row contract (db.h): a row callback may read, not write. */
        if (q && q->write && tx->walks > 0)
                return -VG_ESTORE;
        for (struct pg_stmt *x = tx->stmts; x; x = x->next)
                if (!x->handed) {
                        e = x;
                        break;
                }
        if (!e) {
                e = calloc(1, sizeof *e);
                if (!e) {
                        free(text);
                        return -ENOMEM;
                }
                e->base.driver = &db_postgres;
                e->tx = tx;
                e->next = tx->stmts;
                tx->stmts = e;
        }
        r = stmt_fit(e, n);
        if (r < 0) {
                free(text);
                return r;
        }
        e->sql = q;
        e->transient_text = text;
        e->row = -1;
        e->nrows = 0;
        e->changes = 0;
        e->handed = true;
        *ret = &e->base;
        return 0;
}

static void stmt_bind_int64(struct db_stmt *st, int i, int64_t v)
{
        struct pg_stmt *e = pgs(st);
        if (i < 1 || i > e->nparams)
                return;
        snprintf(e->ints[i - 1], sizeof e->ints[i - 1], "%lld", (long long)v);
        e->values[i - 1] = e->ints[i - 1];
        e->lengths[i - 1] = 0;
        e->formats[i - 1] = 0;
        e->sig[i - 1] = 'i';
}

static void stmt_bind_text(struct db_stmt *st, int i, const char *v)
{
        struct pg_stmt *e = pgs(st);
        if (i < 1 || i > e->nparams)
                return;
        /* PostgreSQL refuses text that is not UTF-8 (SQLite keeps it, and
         * reads it back with '?' for each bad byte): bound as that '?'
         * form, a lookup finds what it would on SQLite - nothing - and a
         * write stores what a read would show. */
        if (v && !utf8_valid(v)) {
                char **list = realloc(e->scrubbed, (size_t)(e->nscrubbed + 1) * sizeof *list);
                char *copy = list ? strdup(v) : NULL;
                if (list)
                        e->scrubbed = list;
                if (copy) {
                        utf8_scrub(copy);
                        e->scrubbed[e->nscrubbed++] = copy;
                }
                v = copy ? copy : "?";
        }
        e->values[i - 1] = v;
        e->lengths[i - 1] = 0;
        e->formats[i - 1] = 0;
        e->sig[i - 1] = v ? 't' : 'n';
}

static void stmt_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
        struct pg_stmt *e = pgs(st);
        if (i < 1 || i > e->nparams)
                return;
        e->values[i - 1] = p ? p : "";
        e->lengths[i - 1] = (int)n;
        e->formats[i - 1] = 1; /* binary: the bytes as they are */
        e->sig[i - 1] = 'b';
}

static void stmt_bind_null(struct db_stmt *st, int i)
{
        stmt_bind_text(st, i, NULL); /* marks it 'n' */
}

/* The parameter types a statement is prepared with: bigint and bytea for
 * what was bound so, text for text; NULL values are left for the server
 * to infer (a NULL time into a bigint column), or, at the second try,
 * text too ("?2 IS NULL OR phase = ?2" gives the server nothing else to
 * go on); at the third, text is left to infer as well (text bound where
 * a number is compared). */
static Oid type_of(char c, int attempt)
{
        switch (c) {
        case 'i':
                return OID_INT8;
        case 'b':
                return OID_BYTEA;
        case 'n':
                return attempt == 1 ? OID_TEXT : 0;
        default:
                return attempt == 2 ? 0 : OID_TEXT;
        }
}

static int prepare_as(PGconn *pg, const char *name, const struct pg_sql *q, const char *sig,
                      int attempt, bool quiet)
{
        Oid *types = calloc((size_t)q->nparams + 1, sizeof *types);
        if (!types)
                return -ENOMEM;
        for (int i = 0; i < q->nparams; i++)
                types[i] = type_of(sig[i], attempt);
        PGresult *res = PQprepare(pg, name, q->text, q->nparams, types);
        free(types);
        int r = 0;
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                /* Class 42: the types did not fit (or the SQL is wrong). */
                r = quiet && state && strncmp(state, "42", 2) == 0 ? -EAGAIN : result_error(pg, res);
        }
        PQclear(res);
        return r;
}

/* The server's statement for these parameter types, prepared at its
 * first use on this connection. A failed Parse would abort the
 * transaction, so the tries are each inside a savepoint: three round
 * trips, once per statement, types and connection. */
static int variant(struct pg_stmt *e, const char **ret_name)
{
        struct pconn *c = e->tx->c;
        struct pg_sql *q = e->sql;
        int n = e->nparams, r;
        e->sig[n] = '\0';
        for (struct pg_variant *v = q->variants; v; v = v->next)
                if (memcmp(v->sig, e->sig, (size_t)n) == 0) {
                        *ret_name = v->name;
                        return 0;
                }
        struct pg_variant *v = calloc(1, sizeof *v);
        if (!v || !(v->sig = strdup(e->sig))) {
                free(v);
                return -ENOMEM;
        }
        snprintf(v->name, sizeof v->name, "v%u", ++c->names);
        bool anything = strchr(e->sig, 'n') || strchr(e->sig, 't');
        r = run(c->pg, "SAVEPOINT vigil_prepare");
        for (int attempt = 0; r >= 0 && attempt < 3; attempt++) {
                r = prepare_as(c->pg, v->name, q, e->sig, attempt, anything && attempt < 2);
                if (r != -EAGAIN)
                        break;
                r = run(c->pg, "ROLLBACK TO vigil_prepare");
        }
        if (r >= 0)
                r = run(c->pg, "RELEASE vigil_prepare");
        if (r < 0) {
                free(v->sig);
                free(v);
                return r;
        }
        v->next = q->variants;
        q->variants = v;
        *ret_name = v->name;
        return 0;
}

static int execute(struct pg_stmt *e)
{
        PGconn *pg = e->tx->c->pg;
        PGresult *res;
        if (e->transient_text) {
                res = PQexecParams(pg, e->transient_text, e->nparams, NULL, e->values, e->lengths,
                                   e->formats, 0);
        } else {
                const char *name;
                int r = variant(e, &name);
                if (r < 0)
                        return r;
                res = PQexecPrepared(pg, name, e->nparams, e->values, e->lengths, e->formats, 0);
        }
        ExecStatusType s = PQresultStatus(res);
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
                int r = result_error(pg, res);
                PQclear(res);
                return r;
        }
        e->res = res;
        e->nrows = s == PGRES_TUPLES_OK ? PQntuples(res) : 0;
        const char *tuples = PQcmdTuples(res);
        e->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
        return 0;
}

static int stmt_step(struct db_stmt *st)
{
        struct pg_stmt *e = pgs(st);
        for (int i = 0; i < e->nblobs; i++)
                PQfreemem(e->blobs[i]);
        e->nblobs = 0;
        if (e->row < 0) {
                if (e->tx->failed < 0)
                        return e->tx->failed;
                int r = execute(e);
                if (r < 0) {
                        e->tx->failed = r;
                        return r;
                }
        }
        if (e->row < e->nrows)
                e->row++;
        bool row = e->row < e->nrows;
        if (row != e->walking) {
                e->walking = row;
                e->tx->walks += row ? 1u : -1u;
        }
        return row ? 1 : 0;
}

static bool have_value(struct pg_stmt *e, int i)
{
        return e->res && e->row >= 0 && e->row < e->nrows && i >= 0 && i < PQnfields(e->res) &&
               !PQgetisnull(e->res, e->row, i);
}

static int64_t stmt_column_int64(struct db_stmt *st, int i)
{
        struct pg_stmt *e = pgs(st);
        if (!have_value(e, i))
                return 0;
        const char *v = PQgetvalue(e->res, e->row, i);
        if (PQftype(e->res, i) == OID_BOOL)
                return v[0] == 't';
        return strtoll(v, NULL, 10);
}

static const char *stmt_column_text(struct db_stmt *st, int i)
{
        struct pg_stmt *e = pgs(st);
        return have_value(e, i) ? PQgetvalue(e->res, e->row, i) : NULL;
}

static const void *stmt_column_blob(struct db_stmt *st, int i, size_t *ret_len)
{
        struct pg_stmt *e = pgs(st);
        *ret_len = 0;
        if (!have_value(e, i))
                return NULL;
        const char *v = PQgetvalue(e->res, e->row, i);
        if (PQftype(e->res, i) != OID_BYTEA) {
                *ret_len = (size_t)PQgetlength(e->res, e->row, i);
                return v;
        }
        unsigned char **b = realloc(e->blobs, (size_t)(e->nblobs + 1) * sizeof *b);
        if (!b)
                return NULL;
        e->blobs = b;
        size_t n = 0;
        unsigned char *p = PQunescapeBytea((const unsigned char *)v, &n);
        if (!p)
                return NULL;
        e->blobs[e->nblobs++] = p;
        *ret_len = n;
        return p;
}

static enum db_type stmt_column_type(struct db_stmt *st, int i)
{
        struct pg_stmt *e = pgs(st);
        if (!have_value(e, i))
                return DB_NULL;
        switch (PQftype(e->res, i)) {
        case OID_BOOL:
        case OID_INT2:
        case OID_INT4:
        case OID_INT8:
        case OID_OID:
                return DB_INTEGER;
        case OID_FLOAT4:
        case OID_FLOAT8:
        case OID_NUMERIC:
                return DB_FLOAT;
        case OID_BYTEA:
                return DB_BLOB;
        default:
                return DB_TEXT;
        }
}

static int stmt_column_count(struct db_stmt *st)
{
        struct pg_stmt *e = pgs(st);
        return e->res ? PQnfields(e->res) : 0;
}

static const char *stmt_column_name(struct db_stmt *st, int i)
{
        struct pg_stmt *e = pgs(st);
        return e->res ? PQfname(e->res, i) : NULL;
}

static int64_t stmt_changes(struct db_stmt *st)
{
        return pgs(st)->changes;
}

/* The first column of the row the INSERT returns (its RETURNING id, added
 * for DB_INSERT_ID); no row: ON CONFLICT ... DO NOTHING added none. */
static int stmt_insert_id(struct db_stmt *st, int64_t *ret_id)
{
        int r = stmt_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -VG_ENOTFOUND;
        *ret_id = stmt_column_int64(st, 0);
        return 0;
}

static void stmt_finish(struct db_stmt *st)
{
        struct pg_stmt *e = pgs(st);
        if (e->walking) {
                e->walking = false;
                e->tx->walks--;
        }
        stmt_clear(e);
        free(e->transient_text);
        e->transient_text = NULL;
        e->handed = false;
}

static int pg_tables(struct store_tx *tx, int (*cb)(const char *name, void *userdata), void *userdata)
{
        struct db_stmt *st;
        int r = stmt_prepare(tx,
                             "SELECT table_name FROM information_schema.tables "
                             "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                             "ORDER BY table_name COLLATE \"C\"",
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

/* Rows in any order: replica mode fires no trigger (the append-only
 * audit log's, the notices' severities, the foreign keys'), for this
 * transaction only. It takes a superuser, as restoring a dump does. */
static int pg_copy_begin(struct store_tx *base)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        return run(tx->c->pg, "SET LOCAL session_replication_role = replica");
}

/* Every identity column's sequence past the largest id copied. */
static int pg_copy_end(struct store_tx *base)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        return run(tx->c->pg,
                   "DO $$ DECLARE r record; BEGIN "
                   "FOR r IN SELECT table_name AS t, column_name AS c FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND is_identity = 'YES' LOOP "
                   "EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), coalesce(max(%I), 0) + 1, false) "
                   "FROM %I', r.t, r.c, r.c, r.t); "
                   "END LOOP; END $$");
}

/* ---- wake-ups across nodes (LISTEN/NOTIFY) ---- */

#define WAKE_CHANNEL "vigil_work"

/* Once per transaction (PostgreSQL folds equal signals of one anyway):
 * sent when it commits, dropped when it rolls back. The payload is the
 * schema, so stores sharing a database do not wake each other. */
static int pg_notify(struct store_tx *base)
{
        struct pg_tx *tx = (struct pg_tx *)base;
        if (tx->notified || tx->failed < 0)
                return tx->failed;
        const char *v[1] = { ((struct pg_store *)base->store)->schema };
        PGresult *res = PQexecParams(tx->c->pg, "SELECT pg_notify('" WAKE_CHANNEL "', $1)", 1, NULL, v,
                                     NULL, NULL, 0);
        int r = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : result_error(tx->c->pg, res);
        PQclear(res);
        if (r < 0)
                tx->failed = r;
        else
                tx->notified = true;
        return r;
}

static void woken(struct pg_store *s)
{
        atomic_fetch_add(&s->wakes, 1);
        s->wake(s->wake_arg);
}

/* A session of its own (LISTEN is session state, so this one connection
 * must not go through a transaction-mode pooler; the rest may). Lost, it
 * is made again within a second or two, with one wake-up for what may
 * have been missed meanwhile. */
static void *watch_loop(void *arg)
{
        struct pg_store *s = arg;
        PGconn *pg = NULL;
        while (!atomic_load(&s->stop)) {
                if (!pg) {
                        pg = PQconnectdb(s->conninfo);
                        PGresult *res = PQstatus(pg) == CONNECTION_OK ? PQexec(pg, "LISTEN " WAKE_CHANNEL) : NULL;
                        bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
                        PQclear(res);
                        if (!ok) {
                                PQfinish(pg);
                                pg = NULL;
                                for (int i = 0; i < 10 && !atomic_load(&s->stop); i++)
                                        poll(NULL, 0, 100);
                                continue;
                        }
                        woken(s);
                }
                struct pollfd p = { .fd = PQsocket(pg), .events = POLLIN };
                int n = poll(&p, 1, 250);
                if (n > 0 && !PQconsumeInput(pg)) {
                        PQfinish(pg);
                        pg = NULL;
                        continue;
                }
                bool mine = false;
                for (PGnotify *note; (note = PQnotifies(pg)) != NULL; PQfreemem(note))
                        mine |= strcmp(note->extra, s->schema) == 0;
                if (mine)
                        woken(s);
        }
        PQfinish(pg);
        return NULL;
}

static int pg_watch(struct store *base, void (*wake)(void *), void *arg)
{
        struct pg_store *s = (struct pg_store *)base;
        if (s->watching)
                return -EBUSY;
        s->wake = wake;
        s->wake_arg = arg;
        atomic_store(&s->stop, false);
        if (pthread_create(&s->watcher, NULL, watch_loop, s) != 0)
                return -EAGAIN;
        s->watching = true;
        return 0;
}

static void pg_unwatch(struct store *base)
{
        struct pg_store *s = (struct pg_store *)base;
        if (!s->watching)
                return;
        atomic_store(&s->stop, true);
        pthread_join(s->watcher, NULL);
        s->watching = false;
}

static uint64_t pg_wakes(struct store *base)
{
        return atomic_load(&((struct pg_store *)base)->wakes);
}

const struct db_driver db_postgres = {
        .name = "postgresql",
        .caps = DB_CAP_SKIP_LOCKED | DB_CAP_TRIGRAM_LIKE,
        .open = pg_open,
        .close = pg_close,
        .ping = pg_ping,
        .schema_version = pg_schema_version,
        .begin = pg_begin,
        .commit = pg_commit,
        .rollback = pg_rollback,
        .savepoint_begin = pg_savepoint_begin,
        .savepoint_end = pg_savepoint_end,
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
        .tables = pg_tables,
        .copy_begin = pg_copy_begin,
        .copy_end = pg_copy_end,
        .notify = pg_notify,
        .watch = pg_watch,
        .unwatch = pg_unwatch,
        .wakes = pg_wakes,
};
