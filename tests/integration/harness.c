#include "harness.h"

#include "store/store.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "harness: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\n");
        va_end(ap);
        exit(99);
}

const char *vigil_bin(void)
{
        const char *b = getenv("VIGIL_BIN");
        if (!b)
                die("VIGIL_BIN is not set");
        return b;
}

const char *admin_password(void)
{
        return "admin-password-for-tests";
}

static void sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

static bool healthy(struct server *s)
{
        struct reply r;
        CURL *c = curl_easy_init();
        char url[128];
        long status = 0;
        snprintf(url, sizeof url, "%s/healthz", s->url);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 500L);
        if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        (void)r;
        return status == 200;
}

/* Whether process pid holds the socket listening on 127.0.0.1:port: another
 * test's server may have taken a port free_port handed out, and its
 * answers must not pass for ours. */
static bool listens_on(pid_t pid, unsigned port)
{
        char want[32], line[512], path[64], link[384], target[64];
        unsigned long inode = 0;
        snprintf(want, sizeof want, "0100007F:%04X", port);
        FILE *f = fopen("/proc/net/tcp", "r");
        if (!f)
                return false;
        while (fgets(line, sizeof line, f)) {
                char local[64], remote[64];
                unsigned st;
                unsigned long ino;
                if (sscanf(line, " %*d: %63s %63s %X %*s %*s %*s %*s %*s %lu", local, remote, &st, &ino) == 4 &&
                    strcmp(local, want) == 0 && st == 0x0A)
                        inode = ino;
        }
        fclose(f);
        if (!inode)
                return false;
        snprintf(target, sizeof target, "socket:[%lu]", inode);
        snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
        DIR *d = opendir(path);
        if (!d)
                return false;
        bool found = false;
        for (struct dirent *e; !found && (e = readdir(d));) {
                snprintf(link, sizeof link, "%s/%s", path, e->d_name);
                char buf[64];
                ssize_t n = readlink(link, buf, sizeof buf - 1);
                if (n > 0) {
                        buf[n] = '\0';
                        found = strcmp(buf, target) == 0;
                }
        }
        closedir(d);
        return found;
}

/* The servers and sinks this test started. A failed assertion leaves its
 * test function early, before it stops what it started; at exit, any of
 * them still running is killed, so no test leaves a process behind. */
static pid_t started[64];
static size_t n_started;

static void kill_leftovers(void)
{
        for (size_t i = 0; i < n_started; i++)
                if (waitpid(started[i], NULL, WNOHANG) == 0) {
                        kill(started[i], SIGKILL);
                        waitpid(started[i], NULL, 0);
                }
}

static void track(pid_t pid)
{
        if (n_started == 0)
                atexit(kill_leftovers);
        if (n_started < sizeof started / sizeof started[0])
                started[n_started++] = pid;
}

static bool log_mentions(const char *path, const char *what)
{
        char *text = read_text_file(path);
        bool found = text && strstr(text, what);
        free(text);
        return found;
}

/* Start vigil serve and wait until it answers on its own socket. False
 * when its port was taken meanwhile (by another test's server), so that
 * the caller can pick another one. */
static bool spawn_try(struct server *s)
{
        s->pid = fork();
        if (s->pid < 0)
                die("fork: %s", strerror(errno));
        if (s->pid > 0)
                track(s->pid);
        if (s->pid == 0) {
                int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
                if (fd >= 0) {
                        dup2(fd, STDERR_FILENO);
                        dup2(fd, STDOUT_FILENO);
                }
                execl(vigil_bin(), "vigil", "-c", s->config, "serve", (char *)NULL);
                _exit(127);
        }
        for (int i = 0; i < 300; i++) { /* up to 30 s: sanitizer builds start slowly */
                if (healthy(s) && listens_on(s->pid, s->port))
                        return true;
                int st;
                if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
                        s->pid = 0;
                        if (log_mentions(s->log, "cannot listen on"))
                                return false;
                        char cmd[256];
                        snprintf(cmd, sizeof cmd, "cat '%s' >&2", s->log);
                        if (system(cmd) != 0)
                                fprintf(stderr, "(no log)\n");
                        die("vigil serve exited during start-up (status %d)", st);
                }
                sleep_ms(100);
        }
        die("vigil serve did not become healthy on port %u", s->port);
        return false;
}

static void spawn(struct server *s)
{
        if (!spawn_try(s))
                die("port %u was taken before vigil serve could listen on it again", s->port);
}

static void start_on(struct server *s, const struct server *db, const char *extra_yaml)
{
        memset(s, 0, sizeof *s);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        snprintf(s->dir, sizeof s->dir, "/tmp/vigil-it-XXXXXX");
        if (!mkdtemp(s->dir))
                die("mkdtemp: %s", strerror(errno));
        snprintf(s->config, sizeof s->config, "%s/vigil.yaml", s->dir);
        const char *pg = getenv("VIGIL_TEST_DATABASE");
        if (db) {
                snprintf(s->db, sizeof s->db, "%s", db->db);
                snprintf(s->db_url, sizeof s->db_url, "%s", db->db_url);
        } else if (pg && *pg) {
                /* A schema of its own: this process's, and its count. */
                static unsigned schemas;
                char schema[48];
                snprintf(schema, sizeof schema, "it_%ld_%u", (long)getpid(), ++schemas);
                s->db[0] = '\0';
                snprintf(s->db_url, sizeof s->db_url, "%s%coptions=-csearch_path%%3D%s", pg,
                         strchr(pg, '?') ? '&' : '?', schema);
        } else {
                snprintf(s->db, sizeof s->db, "%s/var/vigil.db", s->dir);
                snprintf(s->db_url, sizeof s->db_url, "sqlite:%s", s->db);
        }
        snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
        for (int attempt = 0;; attempt++) {
                s->port = free_port();
                snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u", s->port);
                FILE *f = fopen(s->config, "w");
                if (!f)
                        die("cannot write %s", s->config);
                fprintf(f, "listen: 127.0.0.1:%u\ndatabase: \"%s\"\nthreads: 4\n", s->port, s->db_url);
                if (!extra_yaml || !strstr(extra_yaml, "public_url:"))
                        fprintf(f, "public_url: %s\n", s->url);
                fputs(extra_yaml ? extra_yaml : "", f);
                fclose(f);
                if (spawn_try(s))
                        return;
                if (attempt == 4)
                        die("five free ports in a row were taken before vigil serve could listen");
        }
}

void server_start(struct server *s, const char *extra_yaml)
{
        start_on(s, NULL, extra_yaml);
}

void server_start_sibling(struct server *s, const struct server *first, const char *extra_yaml)
{
        start_on(s, first, extra_yaml);
}

void server_restart(struct server *s)
{
        spawn(s);
}

int server_stop(struct server *s)
{
        int st = 0;
        if (s->pid <= 0)
                return 0;
        kill(s->pid, SIGTERM);
        for (int i = 0; i < 600; i++) {
                if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
                        s->pid = 0;
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                }
                sleep_ms(50);
        }
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &st, 0);
        s->pid = 0;
        return 255;
}

/* The store the fingerprint reads through, opened on first use and kept
 * (one per database path) until server_cleanup. */
static struct store *fp_store;
static char fp_db[512];

static void fp_close(void)
{
        fp_store = store_close(fp_store);
        fp_db[0] = '\0';
}

void server_cleanup(struct server *s)
{
        char cmd[128];
        if (fp_store && strcmp(fp_db, s->db_url) == 0)
                fp_close();
        if (s->pid > 0)
                server_stop(s);
        if (s->dir[0] && !getenv("VIGIL_KEEP_TEST_DIRS")) {
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "harness: could not remove %s\n", s->dir);
        }
        curl_global_cleanup();
}

struct capture {
        char *p;
        size_t len;
        CURL *curl;            /* its content type tells a stream */
        bool cut;              /* a stream, cut after its first piece */
};

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
        struct capture *c = userdata;
        char *p = realloc(c->p, c->len + size * n + 1);
        if (!p)
                return 0;
        memcpy(p + c->len, data, size * n);
        c->p = p;
        c->len += size * n;
        c->p[c->len] = '\0';
        /* A change stream never ends by itself: what a plain request wants
         * of it is the status, the headers and the first piece. */
        const char *type = NULL;
        if (c->curl && curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type &&
            strncasecmp(type, "text/event-stream", 17) == 0) {
                c->cut = true;
                return 0;
        }
        return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
        struct reply *r = userdata;
        size_t have = strlen(r->headers), add = size * n;
        if (have + add < sizeof r->headers) {
                memcpy(r->headers + have, data, add);
                r->headers[have + add] = '\0';
        }
        return add;
}

void http(struct server *s, const char *method, const char *path, const char *token,
          const char *const headers[], const char *body, struct reply *r)
{
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        struct capture cap = { .curl = c };
        char url[2048], line[512];

        memset(r, 0, sizeof *r);
        snprintf(url, sizeof url, "%s%s", s->url, path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (strcmp(method, "HEAD") == 0)
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        if (token) {
                snprintf(line, sizeof line, "Authorization: Bearer %s", token);
                h = curl_slist_append(h, line);
        }
        bool has_ct = false;
        for (size_t i = 0; headers && headers[i]; i++) {
                h = curl_slist_append(h, headers[i]);
                if (strncasecmp(headers[i], "Content-Type:", 13) == 0)
                        has_ct = true;
        }
        if (body) {
                if (!has_ct)
                        h = curl_slist_append(h, "Content-Type: application/json");
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        }
        h = curl_slist_append(h, "Expect:");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &cap);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
        CURLcode cc = curl_easy_perform(c);
        if (cc == CURLE_WRITE_ERROR && cap.cut)
                cc = CURLE_OK;
        if (cc != CURLE_OK)
                die("%s %s: %s", method, path, curl_easy_strerror(cc));
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        r->body = cap.p ? cap.p : strdup("");
        r->json = json_loads(r->body, 0, NULL);
}

void reply_free(struct reply *r)
{
        free(r->body);
        json_decref(r->json);
        memset(r, 0, sizeof *r);
}

const char *reply_header(const struct reply *r, const char *name)
{
        static char value[1024];
        size_t nl = strlen(name);
        for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
                if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
                        const char *v = p + nl + 1;
                        while (*v == ' ')
                                v++;
                        size_t n = strcspn(v, "\r\n");
                        snprintf(value, sizeof value, "%.*s", (int)n, v);
                        return value;
                }
        }
        return NULL;
}

const char *const *client_env(struct client_env *e, const struct server *s, const char *token)
{
        snprintf(e->url, sizeof e->url, "VIGIL_URL=%s", s->url);
        snprintf(e->token, sizeof e->token, "VIGIL_TOKEN=%s", token);
        e->v[0] = e->url;
        e->v[1] = e->token;
        e->v[2] = "HOME=/nonexistent";
        e->v[3] = NULL;
        return e->v;
}

int vigil_run(const char *stdin_text, char **out, const char *const extra_env[],
              const char *const argv[])
{
        int in[2], outp[2];
        if (pipe(in) < 0 || pipe(outp) < 0)
                die("pipe");
        pid_t pid = fork();
        if (pid == 0) {
                dup2(in[0], STDIN_FILENO);
                dup2(outp[1], STDOUT_FILENO);
                dup2(outp[1], STDERR_FILENO);
                close(in[1]);
                close(outp[0]);
                for (size_t i = 0; extra_env && extra_env[i]; i++)
                        putenv((char *)extra_env[i]);
                const char *args[32] = { "vigil" };
                size_t n = 1;
                for (size_t i = 0; argv[i] && n < 31; i++)
                        args[n++] = argv[i];
                args[n] = NULL;
                execv(vigil_bin(), (char *const *)args);
                _exit(127);
        }
        close(in[0]);
        close(outp[1]);
        if (stdin_text && write(in[1], stdin_text, strlen(stdin_text)) < 0)
                die("write stdin");
        close(in[1]);
        struct capture cap = { 0 };
        char buf[4096];
        ssize_t n;
        while ((n = read(outp[0], buf, sizeof buf)) > 0)
                on_data(buf, 1, (size_t)n, &cap);
        close(outp[0]);
        int st;
        waitpid(pid, &st, 0);
        if (out)
                *out = cap.p ? cap.p : strdup("");
        else
                free(cap.p);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *token_for(struct server *s, const char *name, const char *password)
{
        struct reply r;
        char body[512], cookie[256], csrf[200];
        snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", name, password);
        http(s, "POST", "/api/v1/session", NULL, NULL, body, &r);
        if (r.status != 201)
                die("sign-in as %s: %ld %s", name, r.status, r.body);
        const char *sc = reply_header(&r, "Set-Cookie");
        snprintf(cookie, sizeof cookie, "Cookie: %.*s", (int)strcspn(sc, ";"), sc);
        snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s",
                 json_string_value(json_object_get(r.json, "csrf_token")));
        reply_free(&r);
        const char *const h[] = { cookie, csrf, NULL };
        http(s, "POST", "/api/v1/tokens", NULL, h, "{\"name\":\"tests\"}", &r);
        if (r.status != 201)
                die("token for %s: %ld %s", name, r.status, r.body);
        char *tok = strdup(json_string_value(json_object_get(r.json, "token")));
        reply_free(&r);
        return tok;
}

void server_user_token(struct server *s, const char *name, const char *role, const char *tenant,
                       char *token, size_t size)
{
        char *out = NULL;
        char pw[128];
        snprintf(pw, sizeof pw, "%s-password-for-tests\n", name);
        const char *argv[] = { "-c", s->config, "user", "add", name, "--role", role, "--password-stdin",
                               tenant ? "--tenant" : NULL, tenant, NULL };
        int rc = vigil_run(pw, &out, NULL, argv);
        if (rc != 0)
                die("user add %s: exit %d: %s", name, rc, out);
        free(out);
        pw[strcspn(pw, "\n")] = '\0';
        char *t = token_for(s, name, pw);
        snprintf(token, size, "%s", t);
        free(t);
}

void server_bootstrap(struct server *s)
{
        char *out = NULL;
        char pw[128];
        snprintf(pw, sizeof pw, "%s\n", admin_password());
        const char *argv[] = { "-c", s->config, "user", "add", "admin", "--role", "admin",
                               "--password-stdin", NULL };
        if (vigil_run(pw, &out, NULL, argv) != 0)
                die("bootstrap admin: %s", out);
        free(out);
        char *t = token_for(s, "admin", admin_password());
        snprintf(s->admin_token, sizeof s->admin_token, "%s", t);
        free(t);
}

char *db_fingerprint(struct server *s)
{
        char err[256];
        struct store_tx *tx;
        char *out = NULL;
        if (fp_store && strcmp(fp_db, s->db_url) != 0)
                fp_close();
        if (!fp_store) {
                if (store_open(s->db_url, &fp_store, err, sizeof err) < 0)
                        die("fingerprint: open %s: %s", s->db_url, err);
                snprintf(fp_db, sizeof fp_db, "%s", s->db_url);
        }
        int r = store_begin_read(fp_store, &tx);
        if (r >= 0) {
                r = store_fingerprint(tx, &out);
                store_rollback(tx);
        }
        if (r < 0)
                die("fingerprint of %s: error %d", s->db_url, r);
        return out;
}

/* A connection to s's PostgreSQL schema, for a look beneath the store. */
static PGconn *pg_connect(const struct server *s)
{
        PGconn *pg = PQconnectdb(s->db_url);
        if (PQstatus(pg) != CONNECTION_OK)
                die("connect %s: %s", s->db_url, PQerrorMessage(pg));
        return pg;
}

char *db_edit(struct server *s, const char *sql)
{
        char *msg = NULL;
        if (server_on_postgres(s)) {
                PGconn *pg = pg_connect(s);
                PGresult *res = PQexec(pg, sql);
                if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
                        msg = strdup(PQresultErrorMessage(res));
                PQclear(res);
                PQfinish(pg);
                return msg;
        }
        sqlite3 *db;
        char *m = NULL;
        if (sqlite3_open(s->db, &db) != SQLITE_OK)
                die("open %s", s->db);
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_exec(db, sql, NULL, NULL, &m) != SQLITE_OK)
                msg = strdup(m ? m : "failed");
        sqlite3_free(m);
        sqlite3_close(db);
        return msg;
}

bool server_on_postgres(const struct server *s)
{
        return s->db[0] == '\0';
}

long db_count(struct server *s, const char *table, const char *where)
{
        sqlite3 *db;
        sqlite3_stmt *st;
        char sql[512];
        long n = -1;
        if (server_on_postgres(s)) {
                snprintf(sql, sizeof sql, "SELECT count(*) FROM %s%s%s", table, where ? " WHERE " : "",
                         where ? where : "");
                PGconn *pg = pg_connect(s);
                /* The tests' WHERE clauses read JSON as SQLite spells it:
                 * json_extract(doc, '$.a.b') as text, a helper of the test's
                 * schema (the fingerprint reads tables, not functions),
                 * made once per schema. */
                static char made_for[512];
                PGresult *res;
                if (strcmp(made_for, s->db_url) != 0) {
                        res = PQexec(pg, "DO $$ BEGIN IF to_regprocedure('json_extract(text,text)') IS NULL THEN "
                                         "CREATE FUNCTION json_extract(doc text, path text) RETURNS text "
                                         "LANGUAGE sql IMMUTABLE AS 'SELECT doc::jsonb #>> "
                                         "string_to_array(substr(path, 3), ''.'')'; END IF; END $$");
                        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                                die("json_extract: %s", PQresultErrorMessage(res));
                        PQclear(res);
                        snprintf(made_for, sizeof made_for, "%s", s->db_url);
                }
                res = PQexec(pg, sql);
                if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
                        n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
                else
                        fprintf(stderr, "db_count: %s: %s", sql, PQresultErrorMessage(res));
                PQclear(res);
                PQfinish(pg);
                return n;
        }
        if (sqlite3_open_v2(s->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
                die("open %s", s->db);
        sqlite3_busy_timeout(db, 5000);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s%s%s", table, where ? " WHERE " : "",
                 where ? where : "");
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return n;
}

long db_count_soon(struct server *s, const char *table, const char *where, long want)
{
        long n = db_count(s, table, where);
        for (int i = 0; n != want && i < 1000; i++) {
                usleep(10 * 1000);
                n = db_count(s, table, where);
        }
        return n;
}

bool problem_has_field(json_t *problem, const char *field)
{
        json_t *e;
        size_t i;
        json_array_foreach(json_object_get(problem, "errors"), i, e)
                if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
                        return true;
        return false;
}

void expect_refused_on(struct server *s, const char *method, const char *path, const char *token,
                       const char *const headers[], const char *body, long status,
                       const char *detail, const char *field)
{
        struct reply r;
        char *before = db_fingerprint(s);
        http(s, method, path, token, headers, body, &r);
        char *after = db_fingerprint(s);
        if (r.status != status)
                fail_msg("%s %s: got %ld, want %ld: %s", method, path, r.status, status, r.body);
        if (strcmp(method, "HEAD") != 0) {
                const char *ct = reply_header(&r, "Content-Type");
                assert_non_null(ct);
                assert_string_equal(ct, "application/problem+json");
                assert_non_null(r.json);
                assert_int_equal(json_integer_value(json_object_get(r.json, "status")), status);
                assert_non_null(json_string_value(json_object_get(r.json, "title")));
                assert_non_null(json_string_value(json_object_get(r.json, "request_id")));
                const char *d = json_string_value(json_object_get(r.json, "detail"));
                if (detail && (!d || !strstr(d, detail)))
                        fail_msg("%s %s: detail '%s' lacks '%s'", method, path, d ? d : "(none)", detail);
                if (field && !problem_has_field(r.json, field))
                        fail_msg("%s %s: no error for field '%s': %s", method, path, field, r.body);
        }
        if (strcmp(before, after) != 0)
                fail_msg("%s %s (%ld) changed the store", method, path, r.status);
        free(before);
        free(after);
        reply_free(&r);
}

unsigned free_port(void)
{
        for (int tries = 0; tries < 100; tries++) {
                struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                socklen_t len = sizeof a;
                int t = socket(AF_INET, SOCK_STREAM, 0);
                if (t < 0 || bind(t, (struct sockaddr *)&a, sizeof a) < 0 ||
                    getsockname(t, (struct sockaddr *)&a, &len) < 0) {
                        if (t >= 0)
                                close(t);
                        continue;
                }
                int u = socket(AF_INET, SOCK_DGRAM, 0);
                bool ok = u >= 0 && bind(u, (struct sockaddr *)&a, sizeof a) == 0;
                if (u >= 0)
                        close(u);
                close(t);
                if (ok)
                        return ntohs(a.sin_port);
        }
        die("no free port: %s", strerror(errno));
        return 0;
}

int server_finish(struct server *s)
{
        int st = server_stop(s);
        server_cleanup(s);
        return st == 0 ? 0 : -1;
}

static bool listening(unsigned port)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        if (fd >= 0)
                close(fd);
        return ok;
}

pid_t sink_start(const char *script, unsigned port, const char *dir, const char *opt, const char *val)
{
        char path[256], portbuf[16];
        const char *root = getenv("VIGIL_SOURCE_ROOT");
        snprintf(path, sizeof path, "%s/tests/integration/%s", root ? root : "..", script);
        snprintf(portbuf, sizeof portbuf, "%u", port);
        pid_t pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);
                dup2(null, 1);
                execl("/usr/bin/python3", "python3", path, "127.0.0.1", portbuf, dir, opt, val, (char *)NULL);
                _exit(127);
        }
        if (pid > 0)
                track(pid);
        for (int i = 0; i < 100 && !listening(port); i++)
                sleep_ms(100);
        if (!listening(port))
                die("%s did not start (is python3-aiosmtpd installed? run scripts/deps.sh --test)", script);
        return pid;
}

void sink_stop(pid_t pid)
{
        if (pid > 0) {
                kill(pid, SIGTERM);
                waitpid(pid, NULL, 0);
        }
}

size_t sink_files_with(const char *dir, const char *suffix, const char *needle)
{
        size_t n = 0;
        DIR *d = opendir(dir);
        for (struct dirent *e; d && (e = readdir(d));) {
                if (!strstr(e->d_name, suffix) || strstr(e->d_name, ".tmp"))
                        continue;
                if (!needle) {
                        n++;
                        continue;
                }
                char path[512];
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                FILE *f = fopen(path, "r");
                if (!f)
                        continue;
                char *text = calloc(1, 65536);
                size_t len = text ? fread(text, 1, 65535, f) : 0;
                fclose(f);
                if (text) {
                        text[len] = '\0';
                        n += strstr(text, needle) != NULL;
                }
                free(text);
        }
        if (d)
                closedir(d);
        return n;
}

size_t sink_files(const char *dir, const char *suffix)
{
        return sink_files_with(dir, suffix, NULL);
}

void server_settle(struct server *s)
{
        for (int i = 0; i < 100; i++) {
                char where[128];
                long long now = (long long)time(NULL) * 1000000LL;
                snprintf(where, sizeof where, "done_at = 0 AND due_at <= %lld", now);
                if (db_count(s, "jobs", where) == 0)
                        return;
                sleep_ms(50);
        }
}

void server_kill(struct server *s)
{
        if (s->pid > 0) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, NULL, 0);
                s->pid = 0;
        }
}

long api_call(struct server *s, const char *method, const char *path, const char *token, const char *body,
              json_t **ret)
{
        struct reply r;
        http(s, method, path, token, NULL, body, &r);
        long st = r.status;
        if (ret)
                *ret = json_incref(r.json);
        else if (st >= 400)
                print_message("# %s %s: %ld %s\n", method, path, st, r.body);
        reply_free(&r);
        return st;
}

char *read_text_file(const char *path)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return NULL;
        size_t cap = 4096, len = 0;
        char *text = malloc(cap);
        while (text) {
                len += fread(text + len, 1, cap - len - 1, f);
                if (len < cap - 1)
                        break;
                char *bigger = realloc(text, cap * 2);
                if (!bigger) {
                        free(text);
                        text = NULL;
                        break;
                }
                text = bigger;
                cap *= 2;
        }
        fclose(f);
        if (text)
                text[len] = '\0';
        return text;
}

bool server_log_has(struct server *s, const char *needle, unsigned seconds)
{
        for (unsigned tries = 0;; tries++) {
                char *text = read_text_file(s->log);
                bool found = text && strstr(text, needle);
                free(text);
                if (found || tries >= seconds * 20)
                        return found;
                usleep(50000);
        }
}

pid_t smtp_sink_begin(char dir[64], unsigned *port)
{
        *port = free_port();
        snprintf(dir, 64, "/tmp/vigil-mail-XXXXXX");
        if (!mkdtemp(dir))
                die("mkdtemp: %s", strerror(errno));
        return sink_start("smtp-sink.py", *port, dir, NULL, NULL);
}

int smtp_sink_end(pid_t pid, const char *dir, int st)
{
        char cmd[128];
        sink_stop(pid);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? st : -1;
}

long metric_value(struct server *s, const char *series)
{
        struct reply r;
        char want[256];
        http(s, "GET", "/metrics", NULL, NULL, NULL, &r);
        snprintf(want, sizeof want, "\n%s ", series);
        const char *p = r.status == 200 && r.body ? strstr(r.body, want) : NULL;
        long n = p ? strtol(p + strlen(want), NULL, 10) : -1;
        reply_free(&r);
        return n;
}
