/* Indicators of compromise and the enhanced-vigilance watch: after
 * recovery, a later alert on the incident's services, tenants or indicators
 * within the window is linked to the incident. Pure. */
#pragma once

#include "core/fielderr.h"
#include "core/vtime.h"

#include <stdbool.h>
#include <stddef.h>

enum indicator_kind {
        IND_IP,      /* 192.0.2.7, 2001:db8::1 */
        IND_CIDR,    /* 192.0.2.0/24, 2001:db8::/32 */
        IND_ACCOUNT, /* an account or principal name, exact */
        IND_HASH,    /* hex digest (md5, sha1, sha256...), case-insensitive */
        IND_DOMAIN,  /* matches itself and its subdomains */
        IND_URL,     /* exact */
        IND__COUNT,
        IND__INVALID = -1,
};

#define INDICATOR_VALUE_MAX 256

struct indicator {
        enum indicator_kind kind;
        char value[INDICATOR_VALUE_MAX]; /* normalised */
        unsigned char addr[16];          /* IP and CIDR: network-order address */
        int family;                      /* AF_INET / AF_INET6 for IP and CIDR */
        int prefix;                      /* CIDR prefix length; 32 or 128 for an IP */
};

enum indicator_kind indicator_kind_from_string(const char *s);
const char *indicator_kind_to_string(enum indicator_kind k);

/* Validate and normalise (lowercase domains and hashes, canonical
 * addresses, CIDR host bits cleared). Errors go to fe under field. */
int indicator_parse(enum indicator_kind kind, const char *value, struct indicator *ret,
                    struct field_errors *fe, const char *field);

/* Does an observed indicator fall under a watched one? An IP matches a
 * CIDR that contains it; a domain matches itself and its subdomains; other
 * kinds match when equal. */
bool indicator_matches(const struct indicator *watched, const struct indicator *seen);

struct vigilance_watch {
        vg_usec_t until;                     /* end of the window (exclusive) */
        const char *const *services;         /* borrows */
        size_t n_services;
        const char *const *tenants;          /* borrows */
        size_t n_tenants;
        const struct indicator *indicators;  /* borrows */
        size_t n_indicators;
};

struct alert_signals {
        vg_usec_t at;
        const char *service;                 /* borrows; may be NULL */
        const char *tenant;                  /* borrows; may be NULL */
        const struct indicator *indicators;  /* borrows */
        size_t n_indicators;
};

/* true when the alert falls inside the window and shares a service, a
 * tenant or an indicator with the watch; why says which (e.g.
 * "indicator ip 192.0.2.7 in cidr 192.0.2.0/24"). */
bool vigilance_match(const struct vigilance_watch *w, const struct alert_signals *a, char *why,
                     size_t whylen);
