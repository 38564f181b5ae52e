/* One thread polls the UDP socket, the TCP listening socket, the open TCP
 * connections and a wake-up pipe. Messages parsed in one round are
 * committed together (one intake_submit, which waits for the commit), so a
 * burst costs one transaction; meanwhile the kernel buffers what arrives,
 * in a receive buffer of syslog.receive_buffer, and counts what it drops
 * when that is full (SO_RXQ_OVFL), which we pass on as kernel_dropped.
 * TCP framing per RFC 6587: a message starting with a digit is
 * octet-counted ("LEN SP MSG"), anything else ends at a newline. A TCP
 * connection idle for syslog.idle_timeout is closed, and one address may
 * hold at most syslog.max_connections_per_address, so that idle
 * connections cannot take every slot from the senders that send. */
#define _GNU_SOURCE
#include "intake/syslog_server.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/array.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNS_MAX 256
#define UDP_BURST 256
#define UDP_MAX 65536

struct tconn {
        int fd;
        char peer[64];
        char *buf;
        size_t len, cap;
        size_t skip;   /* bytes still to discard of an oversize octet-counted message */
        bool skipline; /* discarding an oversize line up to its newline */
        vg_usec_t last; /* clock_mono of the accept or the last bytes read */
};

/* At most one log line a second per kind of event; the line says how many
 * were not logged since the last one. */
struct ratelog {
        vg_usec_t last;
        uint64_t unlogged;
};

enum conn_event { CONN_PER_ADDRESS, CONN_FULL, CONN_IDLE, CONN_EVENTS };

struct syslog_server {
        _Atomic(const struct config *) cfg;
        struct intake_committer *committer;
        int udp_fd, tcp_fd, wake[2];
        unsigned udp_port, tcp_port;
        pthread_t thread;
        bool running;
        struct tconn conns[CONNS_MAX];
        unsigned n_conns;
        _Atomic uint64_t counts[SYSLOG_OUTCOMES];
        struct ratelog logs[SYSLOG_OUTCOMES];
        struct ratelog conn_logs[CONN_EVENTS];
        uint32_t rxq_ovfl;       /* the kernel's drop count at the last datagram (it wraps) */
        int rcvbuf;              /* the UDP receive buffer the kernel granted, bytes */
        struct intake_batch acc; /* parsed, waiting for this round's commit */
        size_t acc_cap;
        char *dgram;
};

static const char *const outcome_names[SYSLOG_OUTCOMES] = {
        "accepted", "malformed", "below_severity", "sender_refused",
        "oversize", "failed",    "kernel_dropped"};

const char *syslog_outcome_name(enum syslog_outcome o)
{
        return o < SYSLOG_OUTCOMES ? outcome_names[o] : "unknown";
}

/* Whether an event of this kind may be logged now; *ret_unlogged gets
 * how many were not since the last line. */
static bool ratelog_due(struct ratelog *r, unsigned long long *ret_unlogged)
{
        vg_usec_t now = clock_mono();
        if (r->last && now - r->last < VG_USEC_PER_SEC) {
                r->unlogged++;
                return false;
        }
        *ret_unlogged = r->unlogged;
        r->last = now;
        r->unlogged = 0;
        return true;
}

/* Count n messages that were not kept and log it, at most once a second per reason. */
static void dropped_n(struct syslog_server *s, enum syslog_outcome o, uint64_t n, const char *peer,
                      const char *why)
{
        atomic_fetch_add(&s->counts[o], n);
        unsigned long long unlogged;
        if (!ratelog_due(&s->logs[o], &unlogged))
                return;
        char q[300];
        log_event(LOG_LVL_WARN, "syslog message dropped",
                  "reason=%s peer=%s detail=%s unlogged=%llu", outcome_names[o], peer,
                  log_quote(why, q, sizeof q), unlogged);
}

static void dropped(struct syslog_server *s, enum syslog_outcome o, const char *peer,
                    const char *why)
{
        dropped_n(s, o, 1, peer, why);
}

/* A TCP connection refused or closed by the limits, logged at most once a
 * second per kind. */
static void conn_event(struct syslog_server *s, enum conn_event e, const char *peer, unsigned limit)
{
        static const char *const what[CONN_EVENTS] = {
                ("syslog connection refused: too many from this address "
                 "(syslog.max_connections_per_address)"),
                "syslog connection refused: too many open",
                "syslog connection closed: idle longer than syslog.idle_timeout",
        };
        unsigned long long unlogged;
        if (ratelog_due(&s->conn_logs[e], &unlogged))
                log_event(e == CONN_IDLE ? LOG_LVL_INFO : LOG_LVL_WARN, what[e],
                          "peer=%s limit=%u unlogged=%llu", peer, limit, unlogged);
}

/* The kernel's count of datagrams it dropped on this socket (the receive
 * buffer was full), carried with each datagram once there were any. It
 * counts from the socket's creation and wraps at 2^32; we add what it
 * grew by. Drops after the last datagram read show with the next one. */
static void kernel_drops(struct syslog_server *s, struct msghdr *mh)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL ||
                    c->cmsg_len < CMSG_LEN(sizeof(uint32_t)))
                        continue;
                uint32_t total;
                memcpy(&total, CMSG_DATA(c), sizeof total);
                uint32_t grew = total - s->rxq_ovfl;
                s->rxq_ovfl = total;
                if (grew) {
                        char why[128];
                        snprintf(why, sizeof why,
                                 "%u datagrams: the receive buffer (%d bytes) was full", grew,
                                 s->rcvbuf);
                        dropped_n(s, SYSLOG_KERNEL_DROPPED, grew, "-", why);
                }
        }
}

static void flush(struct syslog_server *s, const struct config *cfg)
{
        if (!s->acc.n)
                return;
        struct intake_result res;
        const struct actor actor = { .user_id = 0, .name = "syslog", .request_id = NULL };
        s->acc.source = intake_sources[INTAKE_SOURCE_SYSLOG].name;
        s->acc.routing = &cfg->intake.routing;
        size_t n = s->acc.n;
        int r = intake_submit(s->committer, &actor, &s->acc, clock_now(), &res);
        if (r < 0) {
                char why[96];
                snprintf(why, sizeof why, "%zu messages not committed: %s", n, vg_strerror(r));
                atomic_fetch_add(&s->counts[SYSLOG_FAILED], n - 1);
                dropped(s, SYSLOG_FAILED, "-", why);
        } else {
                atomic_fetch_add(&s->counts[SYSLOG_ACCEPTED], n);
                if (res.opened || res.joined || res.vigilance || res.held)
                        log_event(LOG_LVL_INFO, "syslog alerts accepted",
                                  "received=%u new=%u repeated=%u opened=%u joined=%u vigilance=%u held=%u",
                                  res.received, res.fresh, res.repeated, res.opened, res.joined, res.vigilance,
                                  res.held);
        }
        intake_batch_fini(&s->acc);
        s->acc_cap = 0;
}

static void message(struct syslog_server *s, const struct config *cfg, const char *peer, const char *msg,
                    size_t len)
{
        char why[256];
        if (len > cfg->syslog.max_message) {
                snprintf(why, sizeof why, "%zu bytes, more than syslog.max_message", len);
                dropped(s, SYSLOG_OVERSIZE, peer, why);
                return;
        }
        struct syslog_opts o = { .min_severity = cfg->syslog.min_severity,
                                 .resolve_timeout = cfg->syslog.resolve_timeout * VG_USEC_PER_SEC,
                                 .peer = peer };
        const struct intake_input in = { .p = msg, .len = len, .why = why, .why_size = sizeof why,
                                         .syslog = &o, .now = clock_now() };
        struct intake_parsed p = { 0 };
        struct field_errors fe;
        fielderr_init(&fe);
        int r = intake_sources[INTAKE_SOURCE_SYSLOG].parse(&in, &p, &fe);
        if (r == 1) {
                dropped(s, SYSLOG_BELOW_SEVERITY, peer, why);
                return;
        }
        if (r < 0) {
                if (r != -VG_EVALIDATION)
                        snprintf(why, sizeof why, "%s", vg_strerror(r));
                dropped(s, r == -VG_EVALIDATION ? SYSLOG_MALFORMED : SYSLOG_FAILED, peer, why);
                return;
        }
        /* Move the alert and the JSON it borrows from into this round's batch. */
        if (!s->acc.owned)
                s->acc.owned = json_array();
        /* A round is committed when it holds INTAKE_BATCH_MAX (below). */
        if (array_reserve(s->acc.alerts, s->acc_cap, s->acc.n + 1, INTAKE_BATCH_MAX) < 0) {
                intake_batch_fini(&p.batch);
                dropped(s, SYSLOG_FAILED, peer, "out of memory");
                return;
        }
        if (!s->acc.owned || json_array_append(s->acc.owned, p.batch.owned) < 0) {
                intake_batch_fini(&p.batch);
                dropped(s, SYSLOG_FAILED, peer, "out of memory");
                return;
        }
        s->acc.alerts[s->acc.n++] = p.batch.alerts[0];
        intake_batch_fini(&p.batch); /* the JSON lives on in acc.owned */
        if (s->acc.n >= INTAKE_BATCH_MAX)
                flush(s, cfg);
}

static void addr_text(const struct sockaddr_storage *sa, char out[64])
{
        if (sa->ss_family == AF_INET6) {
                const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
                if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
                        inet_ntop(AF_INET, &a6->sin6_addr.s6_addr[12], out, 64);
                else
                        inet_ntop(AF_INET6, &a6->sin6_addr, out, 64);
        } else if (sa->ss_family == AF_INET) {
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 64);
        } else {
                snprintf(out, 64, "unknown");
        }
}

static void read_udp(struct syslog_server *s, const struct config *cfg)
{
        for (int i = 0; i < UDP_BURST; i++) {
                struct sockaddr_storage sa;
                union {
                        char buf[CMSG_SPACE(sizeof(uint32_t))];
                        struct cmsghdr align;
                } ctl;
                struct iovec iov = {.iov_base = s->dgram, .iov_len = UDP_MAX};
                struct msghdr mh = {.msg_name = &sa,
                                    .msg_namelen = sizeof sa,
                                    .msg_iov = &iov,
                                    .msg_iovlen = 1,
                                    .msg_control = ctl.buf,
                                    .msg_controllen = sizeof ctl.buf};
                ssize_t n = recvmsg(s->udp_fd, &mh, MSG_DONTWAIT);
                if (n < 0)
                        return;
                kernel_drops(s, &mh);
                char peer[64];
                addr_text(&sa, peer);
                if (!netlist_has(&cfg->syslog.allow_nets, peer)) {
                        dropped(s, SYSLOG_SENDER_REFUSED, peer, "not in syslog.allow");
                        continue;
                }
                message(s, cfg, peer, s->dgram, (size_t)n);
        }
}

static void conn_close(struct syslog_server *s, unsigned i)
{
        close(s->conns[i].fd);
        free(s->conns[i].buf);
        s->conns[i] = s->conns[--s->n_conns];
}

static void accept_tcp(struct syslog_server *s, const struct config *cfg)
{
        for (;;) {
                struct sockaddr_storage sa;
                socklen_t salen = sizeof sa;
                int fd = accept4(s->tcp_fd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                        return;
                char peer[64];
                addr_text(&sa, peer);
                if (!netlist_has(&cfg->syslog.allow_nets, peer)) {
                        dropped(s, SYSLOG_SENDER_REFUSED, peer, "not in syslog.allow (connection closed)");
                        close(fd);
                        continue;
                }
                unsigned same = 0;
                for (unsigned i = 0; i < s->n_conns; i++)
                        same += strcmp(s->conns[i].peer, peer) == 0;
                if (same >= cfg->syslog.max_connections_per_address) {
                        conn_event(s, CONN_PER_ADDRESS, peer,
                                   cfg->syslog.max_connections_per_address);
                        close(fd);
                        continue;
                }
                if (s->n_conns == CONNS_MAX) {
                        conn_event(s, CONN_FULL, peer, CONNS_MAX);
                        close(fd);
                        continue;
                }
                struct tconn *c = &s->conns[s->n_conns];
                memset(c, 0, sizeof *c);
                c->fd = fd;
                c->last = clock_mono();
                snprintf(c->peer, sizeof c->peer, "%s", peer);
                c->cap = cfg->syslog.max_message + 16;
                c->buf = malloc(c->cap);
                if (!c->buf) {
                        close(fd);
                        continue;
                }
                s->n_conns++;
        }
}

/* Take the complete frames out of c's buffer. at_eof: the rest is a last
 * newline-framed message. Returns false when the stream cannot be framed. */
static bool frames(struct syslog_server *s, const struct config *cfg, struct tconn *c, bool at_eof)
{
        size_t pos = 0;
        bool ok = true;
        while (pos < c->len) {
                char *p = c->buf + pos;
                size_t avail = c->len - pos;
                if (c->skip) {
                        size_t k = avail < c->skip ? avail : c->skip;
                        c->skip -= k;
                        pos += k;
                        continue;
                }
                if (c->skipline) {
                        char *nl = memchr(p, '\n', avail);
                        if (!nl) {
                                pos = c->len;
                                break;
                        }
                        c->skipline = false;
                        pos += (size_t)(nl - p) + 1;
                        continue;
                }
                if (*p == '\n' || *p == '\r' || *p == '\0') {
                        pos++;
                        continue;
                }
                if (*p >= '1' && *p <= '9') {
                        /* Octet counting. */
                        size_t n = 0, d = 0;
                        while (d < avail && d < 10 && p[d] >= '0' && p[d] <= '9')
                                n = n * 10 + (size_t)(p[d++] - '0');
                        if (d == avail && !at_eof)
                                break; /* the length is still arriving */
                        if (d == avail || p[d] != ' ' || d == 10) {
                                dropped(s, SYSLOG_MALFORMED, c->peer, "octet count not followed by a space");
                                ok = false;
                                break;
                        }
                        if (n > cfg->syslog.max_message) {
                                char why[96];
                                snprintf(why, sizeof why, "%zu bytes, more than syslog.max_message", n);
                                dropped(s, SYSLOG_OVERSIZE, c->peer, why);
                                pos += d + 1;
                                c->skip = n;
                                continue;
                        }
                        if (avail - d - 1 < n) {
                                if (at_eof)
                                        dropped(s, SYSLOG_MALFORMED, c->peer, "connection closed inside a message");
                                break;
                        }
                        message(s, cfg, c->peer, p + d + 1, n);
                        pos += d + 1 + n;
                        continue;
                }
                char *nl = memchr(p, '\n', avail);
                if (!nl && !at_eof) {
                        if (avail >= cfg->syslog.max_message) {
                                dropped(s, SYSLOG_OVERSIZE, c->peer, "line longer than syslog.max_message");
                                c->skipline = true;
                                pos = c->len;
                        }
                        break;
                }
                size_t n = nl ? (size_t)(nl - p) : avail;
                message(s, cfg, c->peer, p, n);
                pos += n + (nl ? 1 : 0);
        }
        memmove(c->buf, c->buf + pos, c->len - pos);
        c->len -= pos;
        return ok;
}

static void read_tcp(struct syslog_server *s, const struct config *cfg, unsigned i)
{
        struct tconn *c = &s->conns[i];
        if (c->cap < cfg->syslog.max_message + 16) { /* max_message grew on reload */
                char *b = realloc(c->buf, cfg->syslog.max_message + 16);
                if (b) {
                        c->buf = b;
                        c->cap = cfg->syslog.max_message + 16;
                }
        }
        ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                frames(s, cfg, c, true);
                conn_close(s, i);
                return;
        }
        c->len += (size_t)n;
        c->last = clock_mono();
        if (!frames(s, cfg, c, false))
                conn_close(s, i);
}

/* Close the connections idle for syslog.idle_timeout; the poll timeout
 * in ms until the next one would be (-1: none open). */
static int expire_idle(struct syslog_server *s, const struct config *cfg)
{
        vg_usec_t now = clock_mono(), idle = cfg->syslog.idle_timeout * VG_USEC_PER_SEC, next = -1;
        for (unsigned i = s->n_conns; i-- > 0;) {
                vg_usec_t left = s->conns[i].last + idle - now;
                if (left <= 0) {
                        conn_event(s, CONN_IDLE, s->conns[i].peer,
                                   (unsigned)cfg->syslog.idle_timeout);
                        frames(s, cfg, &s->conns[i], true);
                        conn_close(s, i);
                } else if (next < 0 || left < next) {
                        next = left;
                }
        }
        return next < 0 ? -1 : (int)(next / 1000 + 1);
}

static void *run(void *arg)
{
        struct syslog_server *s = arg;
        struct pollfd pfd[3 + CONNS_MAX];
        for (;;) {
                const struct config *cfg = atomic_load(&s->cfg);
                int timeout = expire_idle(s, cfg); /* before the connections are listed */
                nfds_t n = 0;
                pfd[n++] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
                int udp_at = -1, tcp_at = -1;
                if (s->udp_fd >= 0) {
                        udp_at = (int)n;
                        pfd[n++] = (struct pollfd){ .fd = s->udp_fd, .events = POLLIN };
                }
                if (s->tcp_fd >= 0) {
                        tcp_at = (int)n;
                        pfd[n++] = (struct pollfd){ .fd = s->tcp_fd, .events = POLLIN };
                }
                nfds_t conns_at = n;
                for (unsigned i = 0; i < s->n_conns; i++)
                        pfd[n++] = (struct pollfd){ .fd = s->conns[i].fd, .events = POLLIN };
                if (poll(pfd, n, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_event(LOG_LVL_ERROR, "syslog listener stopped", "error=%s", strerror(errno));
                        break;
                }
                if (pfd[0].revents)
                        break;
                if (udp_at >= 0 && pfd[udp_at].revents)
                        read_udp(s, cfg);
                /* Back to front, so closing one (swapped with the last) skips none. */
                for (unsigned i = (unsigned)(n - conns_at); i-- > 0;)
                        if (pfd[conns_at + i].revents)
                                read_tcp(s, cfg, i);
                if (tcp_at >= 0 && pfd[tcp_at].revents)
                        accept_tcp(s, cfg);
                flush(s, cfg);
        }
        flush(s, atomic_load(&s->cfg));
        return NULL;
}

/* Ask for a receive buffer of want bytes: SO_RCVBUFFORCE passes
 * net.core.rmem_max when we may (CAP_NET_ADMIN), SO_RCVBUF is capped by
 * it. Drops are reported with each datagram (SO_RXQ_OVFL). Returns what
 * the kernel granted, as it reports it (Linux doubles the request for its
 * bookkeeping). */
static int udp_buffer(int fd, size_t want)
{
        int one = 1, v = want > INT32_MAX / 2 ? INT32_MAX / 2 : (int)want, got = 0;
        socklen_t len = sizeof got;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) < 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
        if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) < 0)
                log_event(LOG_LVL_WARN, "syslog udp: the kernel will not count drops", "error=%s",
                          strerror(errno));
        if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) < 0)
                got = 0;
        bool capped = (size_t)got < 2 * (size_t)v; /* granted as asked reads 2 * v */
        log_event(capped ? LOG_LVL_WARN : LOG_LVL_INFO, "syslog udp receive buffer",
                  "requested=%zu granted=%d%s", want, got,
                  capped ? " hint=\"capped by net.core.rmem_max: raise it\"" : "");
        return got;
}

static int bind_one(const char *host, uint16_t port, int type, size_t rcvbuf, int *granted,
                    unsigned *bound, char *err, size_t errlen)
{
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = type, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        char ps[8];
        snprintf(ps, sizeof ps, "%u", port);
        int gr = getaddrinfo(host, ps, &hints, &ai);
        if (gr != 0 || !ai) {
                snprintf(err, errlen, "syslog %s %s:%u: %s", type == SOCK_DGRAM ? "udp" : "tcp", host, port,
                         gai_strerror(gr));
                return -EINVAL;
        }
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd >= 0) {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                if (type == SOCK_DGRAM)
                        *granted = udp_buffer(fd, rcvbuf);
        }
        if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (type == SOCK_STREAM && listen(fd, 128) < 0)) {
                snprintf(err, errlen, "syslog %s %s:%u: %s", type == SOCK_DGRAM ? "udp" : "tcp", host, port,
                         strerror(errno));
                if (fd >= 0)
                        close(fd);
                freeaddrinfo(ai);
                return -errno;
        }
        freeaddrinfo(ai);
        struct sockaddr_storage sa;
        socklen_t salen = sizeof sa;
        getsockname(fd, (struct sockaddr *)&sa, &salen);
        *bound = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                : ((struct sockaddr_in *)&sa)->sin_port);
        return fd;
}

int syslog_server_start(const struct config *cfg, struct intake_committer *c, struct syslog_server **ret,
                        char *err, size_t errlen)
{
        *ret = NULL;
        if (!cfg->syslog.udp && !cfg->syslog.tcp)
                return 0;
        struct syslog_server *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        atomic_store(&s->cfg, cfg);
        s->committer = c;
        s->udp_fd = s->tcp_fd = s->wake[0] = s->wake[1] = -1;
        int r = 0;
        s->dgram = malloc(UDP_MAX);
        if (!s->dgram)
                r = -ENOMEM;
        if (r >= 0 && cfg->syslog.udp)
                r = s->udp_fd =
                        bind_one(cfg->syslog.udp_host, cfg->syslog.udp_port, SOCK_DGRAM,
                                 cfg->syslog.receive_buffer, &s->rcvbuf, &s->udp_port, err, errlen);
        if (r >= 0 && cfg->syslog.tcp)
                r = s->tcp_fd = bind_one(cfg->syslog.tcp_host, cfg->syslog.tcp_port, SOCK_STREAM, 0,
                                         NULL, &s->tcp_port, err, errlen);
        if (r >= 0 && pipe2(s->wake, O_CLOEXEC) < 0)
                r = -errno;
        if (r >= 0 && pthread_create(&s->thread, NULL, run, s) != 0)
                r = -EAGAIN;
        if (r < 0) {
                s->running = false;
                syslog_server_stop(s);
                return r;
        }
        s->running = true;
        *ret = s;
        return 0;
}

void syslog_server_reload(struct syslog_server *s, const struct config *cfg)
{
        if (s)
                atomic_store(&s->cfg, cfg);
}

void syslog_server_ports(const struct syslog_server *s, unsigned *udp, unsigned *tcp)
{
        *udp = s ? s->udp_port : 0;
        *tcp = s ? s->tcp_port : 0;
}

int syslog_server_udp_buffer(const struct syslog_server *s)
{
        return s ? s->rcvbuf : 0;
}

void syslog_server_counts(const struct syslog_server *s, uint64_t counts[SYSLOG_OUTCOMES])
{
        for (int i = 0; i < SYSLOG_OUTCOMES; i++)
                counts[i] = s ? atomic_load(&s->counts[i]) : 0;
}

struct syslog_server *syslog_server_stop(struct syslog_server *s)
{
        if (!s)
                return NULL;
        if (s->running) {
                char b = 1;
                if (write(s->wake[1], &b, 1) < 0)
                        log_event(LOG_LVL_WARN, "syslog listener: cannot wake", "error=%s", strerror(errno));
                pthread_join(s->thread, NULL);
        }
        for (unsigned i = s->n_conns; i-- > 0;)
                conn_close(s, i);
        if (s->udp_fd >= 0)
                close(s->udp_fd);
        if (s->tcp_fd >= 0)
                close(s->tcp_fd);
        if (s->wake[0] >= 0)
                close(s->wake[0]);
        if (s->wake[1] >= 0)
                close(s->wake[1]);
        intake_batch_fini(&s->acc);
        free(s->dgram);
        free(s);
        return NULL;
}
