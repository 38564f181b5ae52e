/* The syslog listener: UDP datagrams and TCP streams (octet counting or
 * newline framing, RFC 6587) from the addresses in syslog.allow, parsed by
 * intake_syslog_parse and committed through the intake writer in batches.
 * Syslog has no answer to carry an error, so every message that is not
 * kept is counted by reason and logged (at most one line per second per
 * reason, with how many were not logged), those the kernel dropped for a
 * full UDP receive buffer included. TCP connections idle for
 * syslog.idle_timeout are closed; one address may hold at most
 * syslog.max_connections_per_address of them. */
#pragma once

#include "base/config.h"
#include "intake/intake.h"

#include <stdint.h>

enum syslog_outcome {
        SYSLOG_ACCEPTED,
        SYSLOG_MALFORMED,      /* not syslog, or bad CEF */
        SYSLOG_BELOW_SEVERITY, /* below syslog.min_severity */
        SYSLOG_SENDER_REFUSED, /* not in syslog.allow */
        SYSLOG_OVERSIZE,       /* longer than syslog.max_message */
        SYSLOG_FAILED,         /* could not be committed */
        SYSLOG_KERNEL_DROPPED, /* UDP datagrams the kernel dropped: the receive buffer was full */
        SYSLOG_OUTCOMES
};
const char *syslog_outcome_name(enum syslog_outcome o);

struct syslog_server;

/* Bind the listeners cfg->syslog names (none: *ret is NULL, returns 0)
 * and start the thread. c must outlive the server. */
int syslog_server_start(const struct config *cfg, struct intake_committer *c, struct syslog_server **ret,
                        char *err, size_t errlen);
/* Use cfg from now on (allow-list, limits, routing); cfg must outlive the
 * server. Listener addresses change only on restart. */
void syslog_server_reload(struct syslog_server *s, const struct config *cfg);
/* The bound ports (0 when that listener is off), for tests using port 0. */
void syslog_server_ports(const struct syslog_server *s, unsigned *udp, unsigned *tcp);
/* The UDP receive buffer the kernel granted, in bytes as it reports them
 * (twice what it lets datagrams fill); 0 without a UDP listener. */
int syslog_server_udp_buffer(const struct syslog_server *s);
/* Messages by outcome since start. kernel_dropped is known only when a
 * later datagram arrives: drops after the last one read are not counted
 * until the next. */
void syslog_server_counts(const struct syslog_server *s, uint64_t counts[SYSLOG_OUTCOMES]);
/* Stop: finishes the batch in hand, closes the sockets. */
struct syslog_server *syslog_server_stop(struct syslog_server *s);
