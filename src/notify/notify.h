/* Sending: email over SMTP and webhooks over HTTP, both through libcurl.
 * One call sends one message and says whether it was accepted, may be
 * tried again, or failed for good. No retries here: the jobs layer
 * decides when to try again. */
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

/* Send a text/plain UTF-8 email through cfg->smtp. key, the message's
 * idempotency key, makes its Message-ID (<key@host of public_url>, or a
 * digest of key where key is not dot-atom-text), the same on every attempt
 * so receivers can drop a duplicate. Every line of body is sent ending in
 * CRLF, whatever its ending (CRLF, a bare CR or a bare LF). */
void notify_email(const struct config *cfg, const char *to, const char *subject, const char *body,
                  const char *key, struct notify_result *res);

/* POST json to url with Idempotency-Key: idem_key and, when a secret is
 * configured, X-Vigil-Signature: sha256=<hex HMAC of the body>. Every
 * address curl connects to is checked first: never one of Vigil's own
 * listeners, and no internal address (netlist_addr_internal) unless
 * notify.allow_private_webhooks or operator_url (a URL from the config
 * file, such as notify.sms_url). A refusal is NOTIFY_FAILED with reply
 * "refused: destination not allowed"; no HTTP answer at all is
 * NOTIFY_RETRY with reply "failed: no HTTP answer". Either way the cause
 * (connection refused, timeout, not HTTP, which address) is only in
 * detail, since reply is shown to whoever set the URL. No redirects are
 * followed and no proxy is used. */
void notify_webhook(const struct config *cfg, const char *url, bool operator_url,
                    const char *idem_key, const char *json, struct notify_result *res);
/* Whether url may be stored as a webhook: an http(s) URL, and not a
 * literal address (or localhost) that notify_webhook would refuse. 0, or
 * -VG_EVALIDATION with why ("must ...") filled; -ENOMEM. Names that
 * resolve to internal addresses are caught only when sending. */
int notify_webhook_url_check(const struct config *cfg, const char *url, char *why, size_t size);
