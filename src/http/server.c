/* The HTTP server: libmicrohttpd with a thread pool (epoll).
 *
 * Life of a request: MHD calls on_request() once with the headers, then
 * with each piece of the body (kept up to limits.max_body; beyond it the
 * request is answered 413 without reading further), then once more to
 * answer. dispatch() then routes, authenticates, checks the route's roles
 * and CSRF, runs the handler, renders errors as problem+json, logs one line
 * and counts the request in the metrics. */
#include "http/http.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/buf.h"
#include "core/error.h"
#include "http/auth.h"
#include "http/events.h"
#include "http/metrics.h"
#include "http/request.h"
#include "intake/intake.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct http_server {
        struct MHD_Daemon *daemon;
        _Atomic(const struct config *) cfg; /* borrows: the current snapshot */
        struct store *store;                /* borrows */
        struct metrics *metrics;            /* owns */
        struct intake_committer *committer; /* borrows: the caller's intake writer */
        struct event_hub *events;           /* owns: the change stream */
        bool quiesced;
        _Atomic(const struct syslog_server *) syslog; /* borrows: for /metrics */
        _Atomic(const struct rule_set *) rules;       /* borrows */
        _Atomic(const struct notice_templates *) templates; /* borrows */
        _Atomic int inflight;
        unsigned port;
        vg_usec_t started_at;
};

struct conn_state {
        struct buf body;
        bool too_large;
        bool parked;       /* the handler parked; resume finishes it */
        size_t limit;      /* the body limit for this request's route */
        vg_usec_t started; /* monotonic */
        struct request req;
        struct response resp;
};

static void request_id_init(struct request *req)
{
        const char *given = request_header(req, "X-Request-Id");
        size_t n = given ? strlen(given) : 0;
        bool ok = n > 0 && n < sizeof req->request_id;
        for (size_t i = 0; ok && i < n; i++) {
                char c = given[i];
                ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.';
        }
        if (ok) {
                memcpy(req->request_id, given, n + 1);
                return;
        }
        uint8_t raw[16];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(req->request_id, sizeof req->request_id, raw, sizeof raw);
}

static void client_addr_init(struct request *req)
{
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        snprintf(req->client_addr, sizeof req->client_addr, "unknown");
        if (ci && ci->client_addr) {
                socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                         : sizeof(struct sockaddr_in);
                getnameinfo(ci->client_addr, len, req->client_addr, sizeof req->client_addr, NULL,
                            0, NI_NUMERICHOST);
        }
}

static enum MHD_Result queue(struct MHD_Connection *conn, const struct request *req,
                             struct response *resp)
{
        struct MHD_Response *mr;
        char *body = NULL;
        size_t len = 0;
        bool body_type = false;

        if (resp->json) {
                body = json_dumps(resp->json, JSON_COMPACT);
                len = body ? strlen(body) : 0;
        } else if (resp->text) {
                body = resp->text;
                len = resp->text_len;
                resp->text = NULL;
        }
        if (resp->reader) {
                mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, resp->reader,
                                                       resp->reader_cls, resp->reader_free);
                if (mr) { /* MHD frees it from now on */
                        resp->reader = NULL;
                        resp->reader_cls = NULL;
                        resp->reader_free = NULL;
                        body_type = true;
                }
        } else if (body)
                mr = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        else
                mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!mr) {
                free(body);
                return MHD_NO;
        }
        if ((body || body_type) && resp->content_type)
                MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
        MHD_add_response_header(mr, "X-Request-Id", req->request_id);
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(mr, "X-Frame-Options", "DENY");
        /* Nothing may load or run, unless a handler names what its page needs. */
        bool own_csp = false;
        for (unsigned i = 0; i < resp->n_headers; i++) {
                MHD_add_response_header(mr, resp->headers[i].name, resp->headers[i].value);
                own_csp |= strcasecmp(resp->headers[i].name, "Content-Security-Policy") == 0;
        }
        if (!own_csp)
                MHD_add_response_header(mr, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        enum MHD_Result ret = MHD_queue_response(conn, resp->status ? resp->status : 200, mr);
        MHD_destroy_response(mr);
        return ret;
}

static int authorize(struct request *req)
{
        const struct route *rt = req->route;
        if ((rt->flags & ROUTE_INTAKE) && auth_intake(req))
                return 0;
        int r = auth_authenticate(req);

        if (rt->flags & ROUTE_PUBLIC) {
                /* Stale credentials must not lock anyone out of signing in
                 * or of the health checks. */
                if (r == -VG_EAUTH) {
                        req->detail[0] = '\0';
                        memset(&req->who, 0, sizeof req->who);
                        return 0;
                }
                return r;
        }
        if (r < 0)
                return r;
        if (req->who.kind == AUTH_NONE) {
                request_detail(req, "sign in, or send Authorization: Bearer TOKEN");
                return -VG_EAUTH;
        }
        if (!role_in(req->who.user.role, rt->roles)) {
                request_detail(req, "the role '%s' may not %s %s", role_to_string(req->who.user.role),
                               rt->method, rt->pattern);
                return -VG_EFORBIDDEN;
        }
        if (auth_check_csrf(req) < 0) {
                request_detail(req, "a signed-in browser request that changes state must carry the "
                                    "session's " CSRF_HEADER " header");
                return -VG_EFORBIDDEN;
        }
        return 0;
}

/* Queue the answer, log and count the request, release what it held. */
static enum MHD_Result finish(struct http_server *srv, struct conn_state *cs, int r)
{
        struct request *req = &cs->req;
        struct response *resp = &cs->resp;
        if (r < 0) {
                if (r == -VG_ENOTFOUND && !req->route)
                        request_detail(req, "no route for %s", req->path);
                problem_render(req, resp, r);
        }
        enum MHD_Result ret = queue(req->conn, req, resp);
        vg_usec_t dur = clock_mono() - cs->started;
        unsigned status = resp->status ? resp->status : 200;
        int route_idx = req->route ? (int)(req->route - http_routes) : -1;
        char qpath[300];
        log_event(status >= 500 ? LOG_LVL_ERROR : LOG_LVL_INFO, "request",
                  "request_id=%s method=%s path=%s status=%u duration_ms=%.3f user=%s addr=%s%s%s",
                  req->request_id, req->method, log_quote(req->path, qpath, sizeof qpath), status,
                  (double)dur / 1000.0, req->who.kind != AUTH_NONE ? req->who.user.name : "-",
                  req->client_addr, status >= 500 ? " error=" : "",
                  status >= 500 ? vg_strerror(r) : "");
        metrics_observe(srv->metrics, route_idx, status, dur);

        if (req->park_free)
                req->park_free(req->parked);
        req->parked = NULL;
        req->park_free = NULL;
        json_decref(req->json);
        req->json = NULL;
        response_fini(resp);
        for (unsigned i = 0; i < resp->n_headers; i++)
                free(resp->headers[i].value);
        resp->n_headers = 0;
        return ret;
}

/* HEAD is GET without a body; MHD drops the body for us. */
static const char *match_method(const char *method)
{
        return strcmp(method, "HEAD") == 0 ? "GET" : method;
}

static enum MHD_Result dispatch(struct http_server *srv, const struct config *cfg,
                                struct conn_state *cs, struct MHD_Connection *conn,
                                const char *url, const char *method)
{
        struct request *req = &cs->req;
        int r;

        /* The request lives in cs, not on this stack, so a parked handler's
         * pointers into it stay good until resume. cs was zeroed when the
         * request began and its route was matched then (the body limit
         * depends on it); each request reaches here once. */
        req->cfg = cfg;
        req->store = srv->store;
        req->metrics = srv->metrics;
        req->committer = srv->committer;
        req->syslog = atomic_load(&srv->syslog);
        req->rules = atomic_load(&srv->rules);
        req->templates = atomic_load(&srv->templates);
        req->events = srv->events;
        req->conn = conn;
        req->method = method;
        req->path = url;
        req->now = clock_now();
        req->started_at = srv->started_at;
        fielderr_init(&req->errors);
        request_id_init(req);
        client_addr_init(req);

        /* A path or method that matched no route is matched again here:
         * the Allow list lives in a buffer of this thread. */
        r = req->route ? 0 : router_match(req, match_method(method), url);
        if (r >= 0 && cs->too_large) {
                request_detail(req, "the body is larger than the limit of %zu bytes", cs->limit);
                r = -VG_ETOOLARGE;
        }
        if (r >= 0) {
                req->body = cs->body.p ? cs->body.p : "";
                req->body_len = cs->body.len;
                r = authorize(req);
        }
        if (r >= 0 && req->param_too_long) {
                request_detail(req, "a path segment is longer than the limit of %d bytes for a name",
                               ROUTE_PARAM_LEN - 1);
                r = -VG_ENOTFOUND;
        }
        if (r >= 0)
                r = req->route->handler(req, &cs->resp);
        if (r == REQUEST_PARKED) {
                cs->parked = true;
                return MHD_YES;
        }
        return finish(srv, cs, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
        struct http_server *srv = cls;
        struct conn_state *cs = *req_cls;
        const struct config *cfg = atomic_load(&srv->cfg);
        (void)version;

        if (!cs) {
                cs = calloc(1, sizeof *cs);
                if (!cs)
                        return MHD_NO;
                /* A bulk upload route may take more than an ordinary body. */
                size_t limit = cfg->limits.max_body;
                if (router_match(&cs->req, match_method(method), url) < 0)
                        cs->req.route = NULL;
                else if ((cs->req.route->flags & ROUTE_BULK) && cfg->limits.max_import > limit)
                        limit = cfg->limits.max_import;
                buf_init(&cs->body, limit);
                cs->limit = limit;
                cs->started = clock_mono();
                *req_cls = cs;
                atomic_fetch_add(&srv->inflight, 1);
                metrics_inflight(srv->metrics, 1);
                const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
                if (cl && strtoull(cl, NULL, 10) > cs->limit) {
                        /* Answer now; MHD closes the connection rather than
                         * read a body nobody will use. */
                        cs->too_large = true;
                        return dispatch(srv, cfg, cs, conn, url, method);
                }
                return MHD_YES;
        }
        if (cs->parked) {
                /* Unparked: the handler finishes its answer. */
                cs->parked = false;
                return finish(srv, cs, cs->req.resume(&cs->req, &cs->resp));
        }
        if (*upload_data_size) {
                if (!cs->too_large && buf_append(&cs->body, upload_data, *upload_data_size) < 0)
                        cs->too_large = true;
                *upload_data_size = 0;
                return MHD_YES;
        }
        return dispatch(srv, cfg, cs, conn, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct http_server *srv = cls;
        struct conn_state *cs = *req_cls;
        (void)conn;
        (void)toe;

        if (!cs)
                return;
        /* Ended while parked (the daemon stopping): its batch is no longer
         * queued, as the committer is stopped before the daemon. */
        if (cs->req.park_free)
                cs->req.park_free(cs->req.parked);
        buf_release(&cs->body);
        free(cs);
        *req_cls = NULL;
        atomic_fetch_sub(&srv->inflight, 1);
        metrics_inflight(srv->metrics, -1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
        char msg[512], q[540];
        (void)cls;
        vsnprintf(msg, sizeof msg, fmt, ap);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
                msg[--n] = '\0';
        log_event(LOG_LVL_WARN, "http library", "detail=%s", log_quote(msg, q, sizeof q));
}

int http_server_start(const struct config *cfg, struct store *store, struct intake_committer *committer,
                      struct http_server **ret, char *err, size_t errlen)
{
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                                  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        char port[8];
        int gr;

        snprintf(port, sizeof port, "%u", cfg->listen_port);
        gr = getaddrinfo(cfg->listen_host, port, &hints, &ai);
        if (gr != 0 || !ai) {
                snprintf(err, errlen, "listen '%s': %s", cfg->listen, gai_strerror(gr));
                return -EINVAL;
        }
        struct http_server *srv = calloc(1, sizeof *srv);
        if (!srv) {
                freeaddrinfo(ai);
                return -ENOMEM;
        }
        atomic_store(&srv->cfg, cfg);
        srv->store = store;
        srv->started_at = clock_now();
        srv->metrics = metrics_new();
        srv->committer = committer;
        srv->events = event_hub_new(store);
        if (!srv->metrics || !srv->events) {
                freeaddrinfo(ai);
                http_server_stop(srv, 0);
                return -ENOMEM;
        }
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                         MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
        if (ai->ai_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        srv->daemon = MHD_start_daemon(
                flags, 0, NULL, NULL, on_request, srv,
                MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                MHD_OPTION_END);
        freeaddrinfo(ai);
        if (!srv->daemon) {
                snprintf(err, errlen, "cannot listen on %s (address in use, or not permitted)",
                         cfg->listen);
                http_server_stop(srv, 0);
                return -EADDRINUSE;
        }
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
        srv->port = di ? di->port : cfg->listen_port;
        *ret = srv;
        return 0;
}

unsigned http_server_port(const struct http_server *srv)
{
        return srv->port;
}

void http_server_set_syslog(struct http_server *srv, const struct syslog_server *sl)
{
        atomic_store(&srv->syslog, sl);
}

void http_server_set_templates(struct http_server *srv, const struct notice_templates *t)
{
        atomic_store(&srv->templates, t);
}

void http_server_set_rules(struct http_server *srv, const struct rule_set *rules)
{
        atomic_store(&srv->rules, rules);
}

void http_server_reload(struct http_server *srv, const struct config *cfg, char *what, size_t size)
{
        const struct config *old = atomic_load(&srv->cfg);
        what[0] = '\0';
        size_t n = 0;
#define NEEDS_RESTART(cond, name)                                                         \
        if (cond)                                                                     \
                n += (size_t)snprintf(what + n, n < size ? size - n : 0, "%s%s", n ? "," : "", name)
        NEEDS_RESTART(strcmp(old->listen, cfg->listen) != 0, "listen");
        NEEDS_RESTART(strcmp(old->database, cfg->database) != 0, "database");
        NEEDS_RESTART(strcmp(old->node, cfg->node) != 0, "node");
        NEEDS_RESTART(old->threads != cfg->threads, "threads");
#undef NEEDS_RESTART
        log_set_level(cfg->log_level);
        atomic_store(&srv->cfg, cfg);
}

static void wait_inflight(struct http_server *srv, vg_usec_t grace)
{
        vg_usec_t deadline = clock_mono() + grace;
        while (atomic_load(&srv->inflight) > 0 && clock_mono() < deadline)
                usleep(10000);
}

void http_server_quiesce(struct http_server *srv, vg_usec_t grace)
{
        if (!srv || !srv->daemon)
                return;
        if (!srv->quiesced) {
                /* Stop accepting: MHD hands the listening socket back, and
                 * closing it now makes new connections fail at once rather
                 * than wait in the backlog. */
                MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
                if (fd != MHD_INVALID_SOCKET)
                        close(fd);
                srv->quiesced = true;
        }
        /* The change streams would wait out the grace: end them now (the
         * browsers reconnect to whichever server answers next). */
        event_hub_close(srv->events);
        wait_inflight(srv, grace);
}

struct http_server *http_server_stop(struct http_server *srv, vg_usec_t grace)
{
        if (!srv)
                return NULL;
        if (srv->daemon) {
                http_server_quiesce(srv, grace);
                if (atomic_load(&srv->inflight) > 0)
                        log_event(LOG_LVL_WARN, "stopping with requests in flight", "count=%d",
                                  atomic_load(&srv->inflight));
                MHD_stop_daemon(srv->daemon);
        }
        /* After the daemon: closing the streams' connections frees them
         * through the hub. */
        event_hub_close(srv->events);
        event_hub_free(srv->events);
        metrics_free(srv->metrics);
        free(srv);
        return NULL;
}
