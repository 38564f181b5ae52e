/* The HTTP server, as the CLI sees it. */
#pragma once

#include "base/config.h"
#include "store/store.h"

struct http_server;

struct intake_committer;

/* Bind and start serving with cfg (borrowed until http_server_stop or the
 * next reload) on store, handing alerts to committer (both borrowed: the
 * caller starts the intake writer, and stops it between
 * http_server_quiesce and http_server_stop). */
int http_server_start(const struct config *cfg, struct store *store, struct intake_committer *committer,
                      struct http_server **ret, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *srv);
/* Swap in a new configuration snapshot for the settings that can change
 * live (log level, limits, session and login rules). Writes to what a
 * comma-separated list of the changed settings that need a restart ("" when
 * none). The old snapshot stays alive until stop; cfg is borrowed likewise. */
void http_server_reload(struct http_server *srv, const struct config *cfg, char *what, size_t size);
/* Report the syslog listener's counts on /metrics (may be NULL). */
struct syslog_server;
void http_server_set_syslog(struct http_server *srv, const struct syslog_server *sl);
/* The notification rules obligations are computed from (the caller keeps
 * them alive while the server runs). */
struct rule_set;
void http_server_set_rules(struct http_server *srv, const struct rule_set *rules);
struct notice_templates;
/* The notice templates releases compose from (borrowed; set before serving). */
void http_server_set_templates(struct http_server *srv, const struct notice_templates *t);
/* Stop accepting connections (new ones are refused at once) and wait up to
 * grace for the requests in flight, parked intake requests included, to
 * finish. Connections already open are still served. Idempotent. */
void http_server_quiesce(struct http_server *srv, vg_usec_t grace);
/* Quiesce (when not yet), wait up to grace for what is still in flight,
 * then stop the daemon and free. A request still parked then is dropped,
 * so its batch must no longer be queued: stop the committer first. */
struct http_server *http_server_stop(struct http_server *srv, vg_usec_t grace);
