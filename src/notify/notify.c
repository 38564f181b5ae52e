#include "notify/notify.h"

#include "base/netlist.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/names.h"
#include "core/template.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct upload {
        const char *data;
        size_t len, pos;
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *userdata)
{
        struct upload *u = userdata;
        size_t n = size * nmemb;
        if (n > u->len - u->pos)
                n = u->len - u->pos;
        memcpy(buf, u->data + u->pos, n);
        u->pos += n;
        return n;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        (void)ptr;
        (void)userdata;
        return size * nmemb;
}

/* The message text, header and body: subject and body are each at most a
 * rendered template (TEMPLATE_RENDER_MAX), the subject grows by 4/3 as an
 * encoded word and the body at most doubles as its line ends become CRLF,
 * so this is never reached by a notice; a longer text is refused rather
 * than sent cut. */
#define MESSAGE_MAX (4 * TEMPLATE_RENDER_MAX)

static void put(struct buf *t, const char *s)
{
        buf_put_n(t, s, strlen(s));
}

/* Text as lines that all end in CRLF: SMTP's DATA allows no bare CR or
 * bare LF (RFC 5321 2.3.8), and receivers differ on what one means - a
 * line break, text, or a reason to refuse. CRLF stays; a lone CR and a
 * lone LF each become CRLF. Dot-stuffing is left to libcurl, which
 * doubles a '.' that starts a line of an SMTP upload; it finds every line
 * start once every line ends in CRLF. */
static void put_lines(struct buf *t, const char *s)
{
        while (*s && !t->err) {
                size_t n = strcspn(s, "\r\n");
                buf_put_n(t, s, n);
                s += n;
                if (!*s)
                        break;
                buf_put_n(t, "\r\n", 2);
                s += s[0] == '\r' && s[1] == '\n' ? 2 : 1;
        }
}

/* RFC 5322 dot-atom-text: atext runs joined by single dots. */
static bool dot_atom_text(const char *s)
{
        static const char atext_special[] = "!#$%&'*+-/=?^_`{|}~";
        bool after_dot = true;
        for (; *s; s++) {
                bool atext = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                             (*s >= '0' && *s <= '9') || strchr(atext_special, *s);
                if (*s == '.' && !after_dot)
                        after_dot = true;
                else if (atext)
                        after_dot = false;
                else
                        return false;
        }
        return !after_dot;
}

/* The Message-ID (RFC 5322 3.6.4), "<id-left@id-right>" with both parts
 * dot-atom-text, so it has exactly one '@'. id-left is the message's key
 * when that is dot-atom-text (a notice's key is: store_notice_key), so
 * every attempt carries the same id and a receiver can drop a duplicate;
 * any other key is replaced by its hex BLAKE2b-128, as stable. id-right
 * is the host of public_url, the domain the messages speak for, or
 * "vigil.invalid" when that host is no dot-atom (an IPv6 literal). */
static void message_id(const char *public_url, const char *key, char *out, size_t size)
{
        char left[2 * 16 + 1];
        if (!dot_atom_text(key)) {
                unsigned char h[16];
                crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
                sodium_bin2hex(left, sizeof left, h, sizeof h);
                key = left;
        }
        CURLU *u = curl_url();
        char *host = NULL;
        if (u && public_url && curl_url_set(u, CURLUPART_URL, public_url, 0) == CURLUE_OK)
                curl_url_get(u, CURLUPART_HOST, &host, 0);
        snprintf(out, size, "<%s@%s>", key, host && dot_atom_text(host) ? host : "vigil.invalid");
        curl_free(host);
        curl_url_cleanup(u);
}

/* A header value: ASCII as is, anything else as an RFC 2047 encoded word. */
static void header_value(struct buf *t, const char *v)
{
        bool ascii = true;
        for (const char *p = v; *p; p++)
                if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\n')
                        ascii = false;
        if (ascii) {
                put(t, v);
                return;
        }
        size_t n = strlen(v);
        size_t b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64len);
        if (!b64) {
                t->err = -ENOMEM;
                return;
        }
        sodium_bin2base64(b64, b64len, (const unsigned char *)v, n, sodium_base64_VARIANT_ORIGINAL);
        put(t, "=?UTF-8?B?");
        put(t, b64);
        put(t, "?=");
        free(b64);
}

static void one_line(char *dst, size_t size, const char *src)
{
        size_t i = 0;
        for (; src && src[i] && i + 1 < size; i++)
                dst[i] = src[i] == '\r' || src[i] == '\n' ? ' ' : src[i];
        dst[i] = '\0';
}

static int destination_check(const struct config *cfg, bool operator_url, const struct sockaddr *sa,
                             socklen_t len, char *why, size_t size);

struct guard {
        const struct config *cfg;
        bool operator_url;
        bool refused;  /* an address was refused */
        char why[160]; /* the last refusal, for the log */
};

/* curl calls this for every address it is about to connect to, after
 * name resolution and for each address it tries, so a DNS name that
 * resolves to an internal address is caught here. */
static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
        struct guard *g = clientp;
        (void)purpose;
        if (destination_check(g->cfg, g->operator_url, &a->addr, a->addrlen, g->why,
                              sizeof g->why) < 0) {
                g->refused = true;
                return CURL_SOCKET_BAD;
        }
        return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* One message on its way: its curl handle and what the handle reads. */
struct xfer {
        struct notify_msg *m;
        CURL *c;                 /* borrows: its session's handle, reset for it */
        struct buf text;         /* email: the message */
        struct upload up;        /* email: text, read by curl */
        struct curl_slist *list; /* email: the recipient; webhook: the headers */
        struct guard g;          /* webhook: the address check */
        char errbuf[CURL_ERROR_SIZE];
        char from[300];
        char domain[256]; /* the recipient's domain, the webhook's host: the per-domain share */
        bool running, done;
};

/* The text of m, and x->c set to send it through cfg->smtp; or m's
 * result already (no SMTP server, a bad address, a text too long), and
 * x->done. */
static void email_begin(const struct config *cfg, struct xfer *x)
{
        const struct config_smtp *smtp = &cfg->smtp;
        struct notify_result *res = &x->m->res;
        if (!smtp->url || !smtp->from) {
                res->outcome = NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "no smtp.url configured");
                x->done = true;
                return;
        }
        if (!email_valid(x->m->to)) {
                res->outcome = NOTIFY_FAILED;
                snprintf(res->reply, sizeof res->reply, "not an email address");
                x->done = true;
                return;
        }
        char date[64], line[512], id[512];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
        struct buf *t = &x->text;
        buf_init(t, MESSAGE_MAX);
        snprintf(line, sizeof line, "Date: %s\r\nFrom: Vigil <%s>\r\nTo: <%s>\r\nSubject: ", date,
                 smtp->from, x->m->to);
        put(t, line);
        header_value(t, x->m->subject ? x->m->subject : "");
        message_id(cfg->public_url, x->m->key, id, sizeof id);
        put(t, "\r\nMessage-ID: ");
        put(t, id);
        put(t, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: "
               "auto-generated\r\nX-Vigil-Idempotency-Key: ");
        header_value(t, x->m->key);
        put(t, "\r\n\r\n");
        put_lines(t, x->m->body);
        put(t, "\r\n");
        if (t->err) {
                /* Too long stays too long: retrying cannot help. */
                bool too_long = t->err == -ENOBUFS;
                res->outcome = too_long ? NOTIFY_FAILED : NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "%s", too_long ? "message too long" : "out of memory");
                x->done = true;
                return;
        }
        char rcpt_to[300];
        snprintf(x->from, sizeof x->from, "<%s>", smtp->from);
        snprintf(rcpt_to, sizeof rcpt_to, "<%s>", x->m->to);
        x->list = curl_slist_append(NULL, rcpt_to);
        x->up = (struct upload){t->p, t->len, 0};
        if (!x->list) {
                res->outcome = NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "out of memory");
                x->done = true;
                return;
        }
        CURL *c = x->c;
        curl_easy_setopt(c, CURLOPT_URL, smtp->url);
        curl_easy_setopt(c, CURLOPT_MAIL_FROM, x->from);
        curl_easy_setopt(c, CURLOPT_MAIL_RCPT, x->list);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, &x->up);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)smtp->timeout);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        const char *tls = smtp->starttls ? smtp->starttls : "auto";
        curl_easy_setopt(c, CURLOPT_USE_SSL,
                         strcmp(tls, "required") == 0 ? (long)CURLUSESSL_ALL
                         : strcmp(tls, "never") == 0  ? (long)CURLUSESSL_NONE
                                                      : (long)CURLUSESSL_TRY);
        if (smtp->username) {
                curl_easy_setopt(c, CURLOPT_USERNAME, smtp->username);
                curl_easy_setopt(c, CURLOPT_PASSWORD, smtp->password ? smtp->password : "");
        }
}

static void email_end(struct xfer *x, CURLcode rc, long code)
{
        struct notify_result *res = &x->m->res;
        if (rc == CURLE_OK) {
                res->outcome = NOTIFY_SENT;
                snprintf(res->reply, sizeof res->reply, "%ld accepted", code ? code : 250);
        } else {
                /* 5xx from the server is a refusal for good (a bounce);
                 * anything else (4xx, no connection) may pass later. */
                char line[512];
                res->outcome = code >= 500 && code < 600 ? NOTIFY_FAILED : NOTIFY_RETRY;
                snprintf(line, sizeof line, "%ld %s", code, curl_easy_strerror(rc));
                one_line(res->reply, sizeof res->reply, line);
        }
}

/* Whether addr is one of this host's own addresses: binding to it works
 * only then. Port 0, so nothing is taken. */
static bool local_address(const struct sockaddr_storage *addr, socklen_t len)
{
        struct sockaddr_storage a = *addr;
        if (a.ss_family == AF_INET)
                ((struct sockaddr_in *)&a)->sin_port = 0;
        else
                ((struct sockaddr_in6 *)&a)->sin6_port = 0;
        int fd = socket(a.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        bool local = fd >= 0 && bind(fd, (struct sockaddr *)&a, len) == 0;
        if (fd >= 0)
                close(fd);
        return local;
}

/* The one rule for where a webhook may go, applied at the door to a
 * literal address and at connect time to every address curl is about to
 * connect to: never one of Vigil's own TCP listeners (a POST there would
 * arrive as a local, perhaps allow-listed, sender), and no internal
 * address unless notify.allow_private_webhooks or the URL is the
 * operator's own (notify.sms_url). */
static int destination_check(const struct config *cfg, bool operator_url, const struct sockaddr *sa,
                             socklen_t len, char *why, size_t size)
{
        struct sockaddr_storage ss;
        const unsigned char *bytes;
        unsigned port;
        if (len > sizeof ss || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
                snprintf(why, size, "not an IP address");
                return -EPERM;
        }
        memset(&ss, 0, sizeof ss);
        memcpy(&ss, sa, len);
        if (ss.ss_family == AF_INET) {
                bytes = (const unsigned char *)&((struct sockaddr_in *)&ss)->sin_addr;
                port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else {
                bytes = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
                port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        char text[INET6_ADDRSTRLEN];
        inet_ntop(ss.ss_family, bytes, text, sizeof text);
        if ((port == cfg->listen_port || (cfg->syslog.tcp && port == cfg->syslog.tcp_port)) &&
            local_address(&ss, len)) {
                snprintf(why, size, "%s port %u is one of vigil's own listeners", text, port);
                return -EPERM;
        }
        if (!operator_url && !cfg->notify.allow_private_webhooks &&
            netlist_addr_internal(ss.ss_family, bytes)) {
                snprintf(why, size,
                         "%s is an internal address (notify.allow_private_webhooks is off)", text);
                return -EPERM;
        }
        return 0;
}

int notify_webhook_url_check(const struct config *cfg, const char *url, char *why, size_t size)
{
        if ((strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
            strlen(url) >= 1000 || strpbrk(url, " \t\r\n\"<>")) {
                snprintf(why, size, "must be an http(s) URL");
                return -VG_EVALIDATION;
        }
        CURLU *u = curl_url();
        char *host = NULL, *port = NULL;
        int r = 0;
        if (!u)
                return -ENOMEM;
        /* curl's own parser, so the host is read as the sender will read
         * it, numeric forms like 0x7f.1 or 2130706433 included. */
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
                snprintf(why, size, "must be an http(s) URL");
                r = -VG_EVALIDATION;
                goto out;
        }
        size_t hl = strlen(host);
        char literal[INET6_ADDRSTRLEN + 2];
        snprintf(literal, sizeof literal, "%.*s", host[0] == '[' && hl > 2 ? (int)hl - 2 : (int)hl,
                 host[0] == '[' && hl > 2 ? host + 1 : host);
        struct sockaddr_storage ss = {0};
        socklen_t len = 0;
        uint16_t p = (uint16_t)strtoul(port, NULL, 10);
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET, literal, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons(p);
                len = sizeof *a4;
        } else if (inet_pton(AF_INET6, literal, &a6->sin6_addr) == 1) {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons(p);
                len = sizeof *a6;
        }
        char detail[160];
        if (len &&
            destination_check(cfg, false, (struct sockaddr *)&ss, len, detail, sizeof detail) < 0) {
                snprintf(why, size, "must not point at %s", detail);
                r = -VG_EVALIDATION;
        }
out:
        curl_free(host);
        curl_free(port);
        curl_url_cleanup(u);
        return r;
}

/* x->c set to POST m's JSON to its URL with Idempotency-Key and,
 * when a secret is configured, X-Vigil-Signature: sha256=<hex HMAC of
 * the body>; every address it connects to checked first
 * (destination_check). No redirects are followed and no proxy is used. */
static void webhook_begin(const struct config *cfg, struct xfer *x)
{
        const struct config_notify *n = &cfg->notify;
        const struct notify_msg *m = x->m;
        char line[512];
        x->g = (struct guard){.cfg = cfg, .operator_url = m->operator_url};
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        snprintf(line, sizeof line, "Idempotency-Key: %s", m->key);
        h = h ? curl_slist_append(h, line) : NULL;
        if (h && n->webhook_secret) {
                unsigned char mac[crypto_auth_hmacsha256_BYTES];
                char hex[2 * sizeof mac + 1];
                crypto_auth_hmacsha256_state st;
                crypto_auth_hmacsha256_init(&st, (const unsigned char *)n->webhook_secret, strlen(n->webhook_secret));
                crypto_auth_hmacsha256_update(&st, (const unsigned char *)m->body, strlen(m->body));
                crypto_auth_hmacsha256_final(&st, mac);
                sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
                snprintf(line, sizeof line, "X-Vigil-Signature: sha256=%s", hex);
                h = curl_slist_append(h, line);
        }
        x->list = h;
        if (!h) {
                x->m->res.outcome = NOTIFY_RETRY;
                snprintf(x->m->res.reply, sizeof x->m->res.reply, "out of memory");
                x->done = true;
                return;
        }
        CURL *c = x->c;
        curl_easy_setopt(c, CURLOPT_URL, m->to);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, m->body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)n->timeout);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
        /* The check must see the address the request goes to: no
         * redirects (a 3xx is an answer, not followed) and no proxy
         * from the environment, whose address is all curl would
         * connect to. */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &x->g);
}

/* reply is shown to whoever set the URL, so it says only what an HTTP
 * server answered: whether a port was closed, filtered or spoke
 * something else would make the sender a port scanner. detail keeps
 * the cause for the server log. */
static void webhook_end(struct xfer *x, CURLcode rc, long code)
{
        struct notify_result *res = &x->m->res;
        char line[512];
        if (rc == CURLE_OK && code >= 200 && code < 300) {
                res->outcome = NOTIFY_SENT;
                snprintf(res->reply, sizeof res->reply, "HTTP %ld", code);
        } else if (rc == CURLE_OK) {
                res->outcome = code >= 400 && code < 500 && code != 408 && code != 429 ? NOTIFY_FAILED : NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "HTTP %ld", code);
        } else if (x->g.refused) {
                res->outcome = NOTIFY_FAILED;
                snprintf(res->reply, sizeof res->reply, "refused: destination not allowed");
                snprintf(line, sizeof line, "refused: %s", x->g.why);
        } else {
                res->outcome = NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "failed: no HTTP answer");
                snprintf(line, sizeof line, "%s: %s", curl_easy_strerror(rc), x->errbuf);
        }
        one_line(res->detail, sizeof res->detail, rc == CURLE_OK ? res->reply : line);
}

/* ---- many at once ---- */

/* A session: one thread with one curl handle, which keeps its connection
 * for the next message (curl_easy_reset keeps live connections). Threads
 * rather than curl's multi interface: libcurl 7.88 waits for the answer
 * to an SMTP message's end of data inside curl_multi_perform, so one
 * slow answer would hold every session. */
#define SESSIONS_MAX 64

struct notify_sender {
        CURL *easy[SESSIONS_MAX]; /* owns; NULL until its session first sends */
};

struct notify_sender *notify_sender_new(void)
{
        return calloc(1, sizeof(struct notify_sender));
}

struct notify_sender *notify_sender_free(struct notify_sender *s)
{
        for (unsigned i = 0; s && i < SESSIONS_MAX; i++)
                curl_easy_cleanup(s->easy[i]);
        free(s);
        return NULL;
}

/* One call's messages, shared by its sessions under lock. */
struct batch {
        struct notify_sender *s;
        const struct config *cfg;
        struct xfer *xs;
        size_t n;
        unsigned limit;
        pthread_mutex_t lock;
        pthread_cond_t ended; /* a message ended: a capped domain may go on */
};

/* Whether x may start now: while another domain's messages wait, one
 * domain holds at most half of the sessions (at least one), so a slow
 * one cannot take them all. Under b->lock. */
static bool may_start(const struct batch *b, const struct xfer *x)
{
        unsigned mine = 0;
        bool others_wait = false;
        for (size_t i = 0; i < b->n; i++) {
                const struct xfer *y = &b->xs[i];
                if (y->running && strcmp(y->domain, x->domain) == 0)
                        mine++;
                if (!y->running && !y->done && strcmp(y->domain, x->domain) != 0)
                        others_wait = true;
        }
        return !others_wait || mine < (b->limit + 1) / 2;
}

/* The next message this session sends, marked running; NULL when none
 * is left. Waits while those left are all of capped domains. */
static struct xfer *take(struct batch *b)
{
        pthread_mutex_lock(&b->lock);
        struct xfer *x = NULL;
        for (;;) {
                bool waiting = false;
                for (size_t i = 0; i < b->n && !x; i++) {
                        struct xfer *y = &b->xs[i];
                        if (y->running || y->done)
                                continue;
                        waiting = true;
                        if (may_start(b, y))
                                x = y;
                }
                if (x || !waiting)
                        break;
                pthread_cond_wait(&b->ended, &b->lock);
        }
        if (x)
                x->running = true;
        pthread_mutex_unlock(&b->lock);
        return x;
}

struct session_arg {
        struct batch *b;
        unsigned k; /* its handle: b->s->easy[k] */
};

static void *session(void *arg)
{
        struct session_arg *a = arg;
        struct batch *b = a->b;
        CURL **c = &b->s->easy[a->k];
        for (struct xfer *x; (x = take(b)) != NULL;) {
                if (!*c)
                        *c = curl_easy_init();
                else
                        curl_easy_reset(*c);
                x->c = *c;
                if (!x->c) {
                        x->m->res.outcome = NOTIFY_RETRY;
                        snprintf(x->m->res.reply, sizeof x->m->res.reply, "out of memory");
                } else {
                        if (x->m->kind == NOTIFY_EMAIL)
                                email_begin(b->cfg, x);
                        else
                                webhook_begin(b->cfg, x);
                }
                if (x->c && !x->done) {
                        long code = 0;
                        CURLcode rc = curl_easy_perform(x->c);
                        curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &code);
                        if (x->m->kind == NOTIFY_EMAIL)
                                email_end(x, rc, code);
                        else
                                webhook_end(x, rc, code);
                }
                curl_slist_free_all(x->list);
                x->list = NULL;
                if (x->text.p)
                        buf_release(&x->text);
                pthread_mutex_lock(&b->lock);
                x->running = false;
                x->done = true;
                pthread_cond_broadcast(&b->ended);
                pthread_mutex_unlock(&b->lock);
        }
        return NULL;
}

/* The domain a message counts against: the recipient's, or the
 * webhook's host (lowercase either way). */
static void domain_of(const struct notify_msg *m, char *out, size_t size)
{
        const char *d = "";
        char *host = NULL;
        CURLU *u = NULL;
        if (m->kind == NOTIFY_EMAIL) {
                const char *at = strrchr(m->to ? m->to : "", '@');
                d = at ? at + 1 : "";
        } else if ((u = curl_url()) &&
                   curl_url_set(u, CURLUPART_URL, m->to ? m->to : "", 0) == CURLUE_OK &&
                   curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
                d = host;
        }
        size_t i = 0;
        for (; d[i] && i + 1 < size; i++)
                out[i] = d[i] >= 'A' && d[i] <= 'Z' ? (char)(d[i] - 'A' + 'a') : d[i];
        out[i] = '\0';
        curl_free(host);
        curl_url_cleanup(u);
}

void notify_send(struct notify_sender *s, const struct config *cfg, struct notify_msg *msgs,
                 size_t n)
{
        unsigned limit = cfg->notify.connections ? cfg->notify.connections : 1;
        if (limit > SESSIONS_MAX)
                limit = SESSIONS_MAX;
        struct batch b = {.s = s, .cfg = cfg, .n = n, .limit = limit};
        b.xs = calloc(n ? n : 1, sizeof *b.xs);
        for (size_t i = 0; i < n; i++) {
                memset(&msgs[i].res, 0, sizeof msgs[i].res);
                if (!b.xs || !s) {
                        msgs[i].res.outcome = NOTIFY_RETRY;
                        snprintf(msgs[i].res.reply, sizeof msgs[i].res.reply, "out of memory");
                        continue;
                }
                b.xs[i].m = &msgs[i];
                domain_of(&msgs[i], b.xs[i].domain, sizeof b.xs[i].domain);
        }
        if (!b.xs || !s) {
                free(b.xs);
                return;
        }
        pthread_mutex_init(&b.lock, NULL);
        pthread_cond_init(&b.ended, NULL);
        pthread_t threads[SESSIONS_MAX];
        struct session_arg args[SESSIONS_MAX];
        unsigned started = 0, want = n < limit ? (unsigned)n : limit;
        /* The calling thread is the first session; the others its own. */
        for (unsigned k = 1; k < want; k++) {
                args[k] = (struct session_arg){&b, k};
                if (pthread_create(&threads[k], NULL, session, &args[k]) != 0)
                        break;
                started = k;
        }
        args[0] = (struct session_arg){&b, 0};
        session(&args[0]);
        for (unsigned k = 1; k <= started; k++)
                pthread_join(threads[k], NULL);
        pthread_cond_destroy(&b.ended);
        pthread_mutex_destroy(&b.lock);
        free(b.xs);
}
