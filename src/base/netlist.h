/* Lists of addresses and networks ("10.0.0.0/8, ::1, 192.0.2.7"): the
 * intake allow-lists, and the internal ranges webhooks may not reach. */
#pragma once

#include <stdbool.h>

#define NETLIST_MAX 32

struct netlist {
        unsigned n;
        struct {
                int family;             /* AF_INET or AF_INET6 */
                unsigned char addr[16];
                int prefix;             /* bits */
        } net[NETLIST_MAX];
};

/* Parse comma- or space-separated addresses and CIDRs; -EINVAL when one
 * is not, -E2BIG beyond NETLIST_MAX. An empty or NULL text is no entry. */
int netlist_parse(const char *text, struct netlist *ret);
/* Is the numeric address addr (as inet_ntop writes it) in the list? */
bool netlist_has(const struct netlist *l, const char *addr);
/* The same for an address in network byte order: 4 bytes for AF_INET,
 * 16 for AF_INET6. */
bool netlist_has_addr(const struct netlist *l, int family, const unsigned char *addr);
/* Whether addr (as for netlist_has_addr) is one that leads back into the
 * host or its local networks: loopback, link-local, private (RFC 1918),
 * unique-local, unspecified, 0/8, CGNAT 100.64/10, and the IPv6 forms
 * that embed such an IPv4 address (mapped, compatible, NAT64). */
bool netlist_addr_internal(int family, const unsigned char *addr);
