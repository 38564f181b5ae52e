/* Lists of addresses and networks ("10.0.0.0/8, ::1, 192.0.2.7") that
 * may send without credentials: the intake allow-lists. */
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
