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

void notify_email(const struct config *cfg, const char *to, const char *subject, const char *body, const char *key,
                  struct notify_result *res)
{
        const struct config_smtp *smtp = &cfg->smtp;
        memset(res, 0, sizeof *res);
        if (!smtp->url || !smtp->from) {
                res->outcome = NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "no smtp.url configured");
                return;
        }
        if (!email_valid(to)) {
                res->outcome = NOTIFY_FAILED;
                snprintf(res->reply, sizeof res->reply, "not an email address");
                return;
        }
        char date[64], line[512], id[512];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
        struct buf t;
        buf_init(&t, MESSAGE_MAX);
        snprintf(line, sizeof line, "Date: %s\r\nFrom: Vigil <%s>\r\nTo: <%s>\r\nSubject: ", date, smtp->from, to);
        put(&t, line);
        header_value(&t, subject);
        message_id(cfg->public_url, key, id, sizeof id);
        put(&t, "\r\nMessage-ID: ");
        put(&t, id);
        put(&t, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\nX-Vigil-Idempotency-Key: ");
        header_value(&t, key);
        put(&t, "\r\n\r\n");
        put_lines(&t, body);
        put(&t, "\r\n");
        if (t.err) {
                /* Too long stays too long: retrying cannot help. */
                bool too_long = t.err == -ENOBUFS;
                buf_release(&t);
                res->outcome = too_long ? NOTIFY_FAILED : NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "%s", too_long ? "message too long" : "out of memory");
                return;
        }
        CURL *c = curl_easy_init();
        struct curl_slist *rcpt = NULL;
        char from[300], rcpt_to[300];
        snprintf(from, sizeof from, "<%s>", smtp->from);
        snprintf(rcpt_to, sizeof rcpt_to, "<%s>", to);
        rcpt = curl_slist_append(rcpt, rcpt_to);
        struct upload up = { t.p, t.len, 0 };
        CURLcode rc = CURLE_OUT_OF_MEMORY;
        long code = 0;
        if (c && rcpt) {
                curl_easy_setopt(c, CURLOPT_URL, smtp->url);
                curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
                curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
                curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
                curl_easy_setopt(c, CURLOPT_READDATA, &up);
                curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)smtp->timeout);
                curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
                const char *tls = smtp->starttls ? smtp->starttls : "auto";
                curl_easy_setopt(c, CURLOPT_USE_SSL, strcmp(tls, "required") == 0 ? (long)CURLUSESSL_ALL
                                                     : strcmp(tls, "never") == 0  ? (long)CURLUSESSL_NONE
                                                                                  : (long)CURLUSESSL_TRY);
                if (smtp->username) {
                        curl_easy_setopt(c, CURLOPT_USERNAME, smtp->username);
                        curl_easy_setopt(c, CURLOPT_PASSWORD, smtp->password ? smtp->password : "");
                }
                rc = curl_easy_perform(c);
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        }
        if (rc == CURLE_OK) {
                res->outcome = NOTIFY_SENT;
                snprintf(res->reply, sizeof res->reply, "%ld accepted", code ? code : 250);
        } else {
                /* 5xx from the server is a refusal for good (a bounce);
                 * anything else (4xx, no connection) may pass later. */
                res->outcome = code >= 500 && code < 600 ? NOTIFY_FAILED : NOTIFY_RETRY;
                snprintf(line, sizeof line, "%ld %s", code, curl_easy_strerror(rc));
                one_line(res->reply, sizeof res->reply, line);
        }
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(c);
        buf_release(&t);
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

void notify_webhook(const struct config *cfg, const char *url, bool operator_url,
                    const char *idem_key, const char *json, struct notify_result *res)
{
        const struct config_notify *n = &cfg->notify;
        memset(res, 0, sizeof *res);
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        char line[512], errbuf[CURL_ERROR_SIZE] = "";
        struct guard g = {.cfg = cfg, .operator_url = operator_url};
        h = curl_slist_append(h, "Content-Type: application/json");
        snprintf(line, sizeof line, "Idempotency-Key: %s", idem_key);
        h = curl_slist_append(h, line);
        if (n->webhook_secret) {
                unsigned char mac[crypto_auth_hmacsha256_BYTES];
                char hex[2 * sizeof mac + 1];
                crypto_auth_hmacsha256_state st;
                crypto_auth_hmacsha256_init(&st, (const unsigned char *)n->webhook_secret, strlen(n->webhook_secret));
                crypto_auth_hmacsha256_update(&st, (const unsigned char *)json, strlen(json));
                crypto_auth_hmacsha256_final(&st, mac);
                sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
                snprintf(line, sizeof line, "X-Vigil-Signature: sha256=%s", hex);
                h = curl_slist_append(h, line);
        }
        CURLcode rc = CURLE_OUT_OF_MEMORY;
        long code = 0;
        if (c && h) {
                curl_easy_setopt(c, CURLOPT_URL, url);
                curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
                curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)n->timeout);
                curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
                curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
                /* The check must see the address the request goes to: no
                 * redirects (a 3xx is an answer, not followed) and no proxy
                 * from the environment, whose address is all curl would
                 * connect to. */
                curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
                curl_easy_setopt(c, CURLOPT_PROXY, "");
                curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
                curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &g);
                rc = curl_easy_perform(c);
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        }
        /* reply is shown to whoever set the URL, so it says only what an
         * HTTP server answered: whether a port was closed, filtered or
         * spoke something else would make the sender a port scanner.
         * detail keeps the cause for the server log. */
        if (rc == CURLE_OK && code >= 200 && code < 300) {
                res->outcome = NOTIFY_SENT;
                snprintf(res->reply, sizeof res->reply, "HTTP %ld", code);
        } else if (rc == CURLE_OK) {
                res->outcome = code >= 400 && code < 500 && code != 408 && code != 429 ? NOTIFY_FAILED : NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "HTTP %ld", code);
        } else if (g.refused) {
                res->outcome = NOTIFY_FAILED;
                snprintf(res->reply, sizeof res->reply, "refused: destination not allowed");
                snprintf(line, sizeof line, "refused: %s", g.why);
        } else {
                res->outcome = NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "failed: no HTTP answer");
                snprintf(line, sizeof line, "%s: %s", curl_easy_strerror(rc), errbuf);
        }
        one_line(res->detail, sizeof res->detail, rc == CURLE_OK ? res->reply : line);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
}
