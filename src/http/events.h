/* The change stream: GET /api/v1/events as server-sent events.
 *
 * Every committed change is a link of the audit chain, so the chain is the
 * one source of what changed. One poller thread per server reads the new
 * links (every EVENTS_POLL_MS) into a ring and wakes the streams; each
 * stream sends the links its role may read (role_sees_change), as
 * "event: change" with the link's seq as the event id, so a browser that
 * reconnects with Last-Event-ID misses nothing the ring still holds (and
 * gets "event: reset", meaning reload, when it has moved past). New alert
 * rows, which are not audited, are sent as "event: alerts".
 *
 * A stream holds no server thread while it waits: its reader suspends the
 * connection when it has nothing to send, and the poller resumes it. */
#pragma once

#include "store/store.h"

struct request;
struct response;
struct event_hub;

#define EVENTS_POLL_MS 250
#define EVENTS_RING 4096         /* links held for streams that fall behind */
#define EVENTS_MAX_STREAMS 256   /* open streams; more are refused with 503 */
#define EVENTS_KEEPALIVE_SEC 15  /* a comment line when nothing else was sent */
#define EVENTS_MAX_AGE_SEC 300   /* a stream ends then; the browser reconnects,
                                  * so a revoked session stops hearing */

/* Start the hub and its poller on store (borrowed). NULL when out of
 * memory or no thread could be started. */
struct event_hub *event_hub_new(struct store *store);
/* Stop the poller and end every stream (their connections then finish).
 * Idempotent; NULL is a no-op. */
void event_hub_close(struct event_hub *h);
/* Free the hub: after the HTTP daemon stopped, as the streams' free
 * callbacks run as the daemon closes their connections. */
void event_hub_free(struct event_hub *h);
/* Streams open now (for tests and /metrics). */
unsigned event_hub_streams(struct event_hub *h);

/* GET /api/v1/events */
int api_event_stream(struct request *req, struct response *resp);
