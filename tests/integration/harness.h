/* Integration harness: a real `vigil serve` on a free port with a temporary
 * database, a libcurl client, the CLI as a subprocess, and a fingerprint of
 * the database to prove that refused requests changed nothing. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct server {
        pid_t pid;
        unsigned port;
        char dir[64];      /* temporary directory, removed by server_cleanup */
        char config[128];
        char db[128];      /* the SQLite file; "" on PostgreSQL */
        char db_url[512];  /* the store URL the config names */
        char log[128];
        char url[64];
        char admin_token[128]; /* an admin API token, after server_bootstrap */
};

struct reply {
        long status;
        char *body;         /* owns */
        json_t *json;       /* owns: parsed body, or NULL */
        char headers[8192]; /* raw response headers */
};

/* Start with extra YAML lines appended to the config (may be NULL). Exits
 * the test program when the server cannot start. The database is a new
 * SQLite file in the server's directory or, with VIGIL_TEST_DATABASE set
 * to a PostgreSQL URL (scripts/pg-cluster.sh's), a new schema there. */
void server_start(struct server *s, const char *extra_yaml);
/* A second server on the same database (its own port, config and log),
 * as a second node would be. */
void server_start_sibling(struct server *s, const struct server *first, const char *extra_yaml);
/* SIGKILL, as a crash: nothing gets to finish. */
void server_kill(struct server *s);
/* Restart the same server (same directory and database). */
void server_restart(struct server *s);
/* SIGTERM and wait; returns the exit status (or 128+signal). */
int server_stop(struct server *s);
void server_cleanup(struct server *s);
/* Whether the server's database is PostgreSQL; a test that reads the
 * SQLite file beneath the store skips that part when it is. */
bool server_on_postgres(const struct server *s);
/* Stop and clean up; 0 when the server exited cleanly (a cmocka teardown's answer). */
int server_finish(struct server *s);
/* Create user NAME with ROLE (and tenant) offline and return an API token
 * for it obtained through the API (sign in, create token). */
void server_user_token(struct server *s, const char *name, const char *role, const char *tenant,
                       char *token, size_t size);
/* admin user "admin" with password admin_password(); fills s->admin_token. */
void server_bootstrap(struct server *s);
const char *admin_password(void);

/* One HTTP request. token: Bearer token or NULL. headers: NULL-terminated
 * extra "Name: value" lines, or NULL. body: raw bytes or NULL. */
void http(struct server *s, const char *method, const char *path, const char *token,
          const char *const headers[], const char *body, struct reply *r);
void reply_free(struct reply *r);
/* A JSON call: the status; *ret (when given) gets a reference to the
 * answer's JSON (caller decrefs); without ret an error answer is printed
 * as a TAP comment. */
long api_call(struct server *s, const char *method, const char *path, const char *token, const char *body,
              json_t **ret);
/* The value of a response header (first match), or NULL; static storage. */
const char *reply_header(const struct reply *r, const char *name);

/* Run the vigil CLI with argv (NULL-terminated, without "vigil"), with
 * stdin_text on standard input. Captures stdout+stderr into *out (caller
 * frees; may pass NULL). extra_env: NULL-terminated "K=V", or NULL.
 * Returns the exit code. */
int vigil_run(const char *stdin_text, char **out, const char *const extra_env[],
              const char *const argv[]);

/* The environment of a CLI client of server s holding token: VIGIL_URL,
 * VIGIL_TOKEN and a HOME without a saved login. Returns e->v, for
 * vigil_run's extra_env. */
struct client_env {
        char url[160], token[224];
        const char *v[4];
};
const char *const *client_env(struct client_env *e, const struct server *s, const char *token);

/* Every row of every table as text, except bookkeeping columns that a read
 * may refresh (sessions.last_seen, api_tokens.last_used) and what the
 * server's background workers write on their own schedule (jobs,
 * escalations, pages, outbox, audit records by "system"): the store's own
 * store_fingerprint, read through a store the harness opens on the
 * server's database, so it means the same on every backend. Caller frees. */
char *db_fingerprint(struct server *s);
/* Wait (at most 5 s) until the server's job worker has nothing due: its
 * background records (escalations, pages) are written by then. */
void server_settle(struct server *s);
/* Count rows of table matching an optional WHERE clause (static SQL). */
/* An edit beneath the store, as the database's owner would make it (with
 * sqlite3 on the file, or libpq on the server): NULL when it went
 * through, else the error's text (the caller frees). */
char *db_edit(struct server *s, const char *sql);
/* The dialect's spelling of a test's raw SQL: sqlite on SQLite, pg on
 * PostgreSQL. */
static inline const char *db_sql(const struct server *s, const char *sqlite, const char *pg)
{
        return server_on_postgres(s) ? pg : sqlite;
}
long db_count(struct server *s, const char *table, const char *where);
/* db_count until it answers want, for at most 10 s: what a repeat
 * answered from memory writes lands with the intake writer's next commit.
 * Returns the last count. */
long db_count_soon(struct server *s, const char *table, const char *where, long want);

/* Send a request that must be refused with status and prove nothing in
 * the store changed; the answer must be problem+json, with detail and
 * field (either may be NULL) in it. Fails the current cmocka test. */
void expect_refused_on(struct server *s, const char *method, const char *path, const char *token,
                       const char *const headers[], const char *body, long status,
                       const char *detail, const char *field);
bool problem_has_field(json_t *problem, const char *field);

/* Start tests/integration/SCRIPT (a Python sink: smtp-sink.py,
 * webhook-sink.py) on 127.0.0.1:port writing into dir, with one optional
 * option and value; returns when it listens. */
pid_t sink_start(const char *script, unsigned port, const char *dir, const char *opt, const char *val);
void sink_stop(pid_t pid);
/* An SMTP sink (smtp-sink.py) writing into a new directory under /tmp:
 * dir (64 bytes) gets its path, *port its port; returns its pid. */
pid_t smtp_sink_begin(char dir[64], unsigned *port);
/* Stop that sink and remove its directory; st passes through (-1 when the
 * directory could not be removed). */
int smtp_sink_end(pid_t pid, const char *dir, int st);
/* Files in dir whose name contains suffix (finished ones), and those of
 * them whose text contains needle. */
size_t sink_files(const char *dir, const char *suffix);
size_t sink_files_with(const char *dir, const char *suffix, const char *needle);

/* A loopback port free for both TCP and UDP right now. */
unsigned free_port(void);
/* A whole text file (caller frees), or NULL when it cannot be read. */
char *read_text_file(const char *path);
/* Whether s's log holds needle, looking again for up to seconds: what a
 * signal or a background job logs arrives when a loaded machine gets to
 * it, and a fixed sleep would guess. */
bool server_log_has(struct server *s, const char *needle, unsigned seconds);

/* Path of the vigil binary under test ($VIGIL_BIN). */
const char *vigil_bin(void);

/* The value of one series on GET /metrics, named as it is written there
 * (`vigil_syslog_messages_total{outcome="failed"}`), or -1 when absent. */
long metric_value(struct server *s, const char *series);
