/* The HTTP server, as the CLI sees it. */
#pragma once

#include "base/config.h"
#include "store/store.h"

struct http_server;

/* Bind and start serving with cfg (borrowed until http_server_stop or the
 * next reload) on store (borrowed). */
int http_server_start(const struct config *cfg, struct store *store, struct http_server **ret,
                      char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *srv);
/* Swap in a new configuration snapshot for the settings that can change
 * live (log level, limits, session and login rules). Writes to what a
 * comma-separated list of the changed settings that need a restart ("" when
 * none). The old snapshot stays alive until stop; cfg is borrowed likewise. */
void http_server_reload(struct http_server *srv, const struct config *cfg, char *what, size_t size);
/* The intake writer the server's intake routes use (the syslog listener
 * shares it). */
struct intake_committer *http_server_committer(struct http_server *srv);
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
/* Stop accepting, wait up to grace for requests in flight, then stop. */
struct http_server *http_server_stop(struct http_server *srv, vg_usec_t grace);
