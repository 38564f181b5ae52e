/* Sending: email over SMTP and webhooks over HTTP, both through libcurl
 * (its multi interface: many messages at once over kept sessions). Each
 * message's result says whether it was accepted, may be tried again, or
 * failed for good. No retries here: the jobs layer decides when to try
 * again. */
#pragma once

#include "base/config.h"

#include <stdbool.h>

enum notify_outcome {
        NOTIFY_SENT,      /* accepted by the server (its reply in reply) */
        NOTIFY_RETRY,     /* not now: connection trouble, 4xx SMTP, 5xx/429 HTTP */
        NOTIFY_FAILED,    /* for good: 5xx SMTP (a bounce), 4xx HTTP, bad address */
};

struct notify_result {
        enum notify_outcome outcome;
        char reply[256];  /* what is recorded and shown: the server's answer or the error, one line
                           */
        char detail[256]; /* for the server log only: the cause in full (may be empty: see reply) */
};

/* One message to send: an email (text/plain UTF-8 through cfg->smtp) or
 * a webhook (a POST of JSON). */
enum notify_kind { NOTIFY_EMAIL, NOTIFY_WEBHOOK };
struct notify_msg {
        enum notify_kind kind;
        const char *to;           /* borrows: the email address, or the webhook's URL */
        const char *subject;      /* borrows: email */
        const char *body;         /* borrows: the email's text, or the webhook's JSON */
        const char *key;          /* borrows: the idempotency key */
        bool operator_url;        /* webhook: a URL from the config file (notify.sms_url) */
        struct notify_result res; /* what became of it */
};

/* Email: key makes the Message-ID (<key@host of public_url>, or a digest
 * of key where key is not dot-atom-text), the same on every attempt so
 * receivers can drop a duplicate; every line of body is sent ending in
 * CRLF, whatever its ending (CRLF, a bare CR or a bare LF).
 *
 * Webhook: Idempotency-Key: key and, when a secret is configured,
 * X-Vigil-Signature: sha256=<hex HMAC of the body>. Every address curl
 * connects to is checked first: never one of Vigil's own listeners, and
 * no internal address (netlist_addr_internal) unless
 * notify.allow_private_webhooks or operator_url. A refusal is
 * NOTIFY_FAILED with reply "refused: destination not allowed"; no HTTP
 * answer at all is NOTIFY_RETRY with reply "failed: no HTTP answer".
 * Either way the cause (connection refused, timeout, not HTTP, which
 * address) is only in detail, since reply is shown to whoever set the
 * URL. No redirects are followed and no proxy is used. */

/* A sender keeps its SMTP sessions (and HTTP connections) open between
 * calls, so the next messages reuse them. One thread's. */
struct notify_sender;
struct notify_sender *notify_sender_new(void);
struct notify_sender *notify_sender_free(struct notify_sender *s);
/* Send the n messages at once, up to notify.smtp_connections at a time;
 * while messages to another recipient domain (or webhook host) wait, one
 * domain takes at most half of them, so a slow one cannot hold the rest.
 * Returns when every message has its res. */
void notify_send(struct notify_sender *s, const struct config *cfg, struct notify_msg *msgs,
                 size_t n);

/* Whether url may be stored as a webhook: an http(s) URL, and not a
 * literal address (or localhost) that notify_webhook would refuse. 0, or
 * -VG_EVALIDATION with why ("must ...") filled; -ENOMEM. Names that
 * resolve to internal addresses are caught only when sending. */
int notify_webhook_url_check(const struct config *cfg, const char *url, char *why, size_t size);
