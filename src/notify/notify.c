#include "notify/notify.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Append s to a growing buffer; LF becomes CRLF when crlf. */
struct text {
        char *p;
        size_t len, cap;
        bool oom;
};

static void put(struct text *t, const char *s, bool crlf)
{
        for (; *s && !t->oom; s++) {
                if (t->len + 3 > t->cap) {
                        size_t cap = t->cap ? t->cap * 2 : 1024;
                        char *p = realloc(t->p, cap);
                        if (!p) {
                                t->oom = true;
                                return;
                        }
                        t->p = p;
                        t->cap = cap;
                }
                if (crlf && *s == '\n' && (t->len == 0 || t->p[t->len - 1] != '\r'))
                        t->p[t->len++] = '\r';
                t->p[t->len++] = *s;
        }
}

/* A header value: ASCII as is, anything else as an RFC 2047 encoded word. */
static void header_value(struct text *t, const char *v)
{
        bool ascii = true;
        for (const char *p = v; *p; p++)
                if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\n')
                        ascii = false;
        if (ascii) {
                put(t, v, false);
                return;
        }
        size_t n = strlen(v);
        size_t b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64len);
        if (!b64) {
                t->oom = true;
                return;
        }
        sodium_bin2base64(b64, b64len, (const unsigned char *)v, n, sodium_base64_VARIANT_ORIGINAL);
        put(t, "=?UTF-8?B?", false);
        put(t, b64, false);
        put(t, "?=", false);
        free(b64);
}

static void one_line(char *dst, size_t size, const char *src)
{
        size_t i = 0;
        for (; src && src[i] && i + 1 < size; i++)
                dst[i] = src[i] == '\r' || src[i] == '\n' ? ' ' : src[i];
        dst[i] = '\0';
}

void notify_email(const struct config_smtp *smtp, const char *to, const char *subject, const char *body,
                  const char *message_id, struct notify_result *res)
{
        memset(res, 0, sizeof *res);
        if (!smtp->url || !smtp->from) {
                res->outcome = NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "no smtp.url configured");
                return;
        }
        if (strpbrk(to, "\r\n<>") || !strchr(to, '@')) {
                res->outcome = NOTIFY_FAILED;
                snprintf(res->reply, sizeof res->reply, "not an email address");
                return;
        }
        char date[64], line[512];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
        struct text t = { 0 };
        snprintf(line, sizeof line, "Date: %s\r\nFrom: Vigil <%s>\r\nTo: <%s>\r\nSubject: ", date, smtp->from, to);
        put(&t, line, false);
        header_value(&t, subject);
        snprintf(line, sizeof line,
                 "\r\nMessage-ID: <%s@vigil>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\nX-Vigil-Idempotency-Key: %s\r\n\r\n",
                 message_id, message_id);
        put(&t, line, false);
        put(&t, body, true);
        put(&t, "\r\n", false);
        if (t.oom) {
                free(t.p);
                res->outcome = NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "out of memory");
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
        free(t.p);
}

void notify_webhook(const struct config_notify *n, const char *url, const char *idem_key, const char *json,
                    struct notify_result *res)
{
        memset(res, 0, sizeof *res);
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        char line[512];
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
                rc = curl_easy_perform(c);
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        }
        if (rc == CURLE_OK && code >= 200 && code < 300) {
                res->outcome = NOTIFY_SENT;
                snprintf(res->reply, sizeof res->reply, "HTTP %ld", code);
        } else if (rc == CURLE_OK) {
                res->outcome = code >= 400 && code < 500 && code != 408 && code != 429 ? NOTIFY_FAILED : NOTIFY_RETRY;
                snprintf(res->reply, sizeof res->reply, "HTTP %ld", code);
        } else {
                res->outcome = NOTIFY_RETRY;
                snprintf(line, sizeof line, "%s", curl_easy_strerror(rc));
                one_line(res->reply, sizeof res->reply, line);
        }
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
}
