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
        char reply[256]; /* the server's answer or the error, one line */
};

/* Send a text/plain UTF-8 email. message_id is the left part of the
 * Message-ID (<message_id@vigil>), the same on every attempt so receivers
 * can drop a duplicate. */
void notify_email(const struct config_smtp *smtp, const char *to, const char *subject, const char *body,
                  const char *message_id, struct notify_result *res);

/* POST json to url with Idempotency-Key: idem_key and, when a secret is
 * configured, X-Vigil-Signature: sha256=<hex HMAC of the body>. */
void notify_webhook(const struct config_notify *n, const char *url, const char *idem_key, const char *json,
                    struct notify_result *res);
