#include "base/netlist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int netlist_parse(const char *text, struct netlist *ret)
{
        char buf[2048];
        memset(ret, 0, sizeof *ret);
        if (!text)
                return 0;
        if (strlen(text) >= sizeof buf)
                return -EINVAL;
        snprintf(buf, sizeof buf, "%s", text);
        char *save = NULL;
        for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
                if (ret->n >= NETLIST_MAX)
                        return -E2BIG;
                char *slash = strchr(tok, '/');
                int prefix = -1;
                if (slash) {
                        char *end;
                        *slash = '\0';
                        prefix = (int)strtol(slash + 1, &end, 10);
                        if (*end || end == slash + 1 || prefix < 0)
                                return -EINVAL;
                }
                typeof(ret->net[0]) *n = &ret->net[ret->n];
                if (inet_pton(AF_INET, tok, n->addr) == 1)
                        n->family = AF_INET;
                else if (inet_pton(AF_INET6, tok, n->addr) == 1)
                        n->family = AF_INET6;
                else
                        return -EINVAL;
                int max = n->family == AF_INET ? 32 : 128;
                n->prefix = prefix < 0 ? max : prefix;
                if (n->prefix > max)
                        return -EINVAL;
                ret->n++;
        }
        return 0;
}

bool netlist_has(const struct netlist *l, const char *addr)
{
        unsigned char a[16];
        int family = AF_INET;
        if (inet_pton(AF_INET, addr, a) != 1) {
                family = AF_INET6;
                if (inet_pton(AF_INET6, addr, a) != 1)
                        return false;
        }
        return netlist_has_addr(l, family, a);
}

bool netlist_has_addr(const struct netlist *l, int family, const unsigned char *a)
{
        for (unsigned i = 0; i < l->n; i++) {
                if (l->net[i].family != family)
                        continue;
                int bits = l->net[i].prefix, full = bits / 8, rest = bits % 8;
                if (memcmp(l->net[i].addr, a, (size_t)full) != 0)
                        continue;
                if (rest == 0)
                        return true;
                unsigned char mask = (unsigned char)(0xff << (8 - rest));
                if ((l->net[i].addr[full] & mask) == (a[full] & mask))
                        return true;
        }
        return false;
}

/* Addresses that lead back into the host or the networks around it rather
 * than to the Internet: "this network" (0/8, where 0.0.0.0 reaches the host
 * itself on Linux), private (RFC 1918), shared/CGNAT (RFC 6598), loopback,
 * link-local, and for IPv6 unspecified, loopback, link-local, the old
 * site-local and unique-local (RFC 4193). */
static const char internal_nets[] =
        "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, "
        "172.16.0.0/12, 192.168.0.0/16, ::/128, ::1/128, fe80::/10, fec0::/10, fc00::/7";

bool netlist_addr_internal(int family, const unsigned char *addr)
{
        /* IPv6 forms that carry an IPv4 address the host connects to as
         * such: IPv4-mapped (::ffff:0:0/96), the deprecated IPv4-compatible
         * (::/96, which holds :: and ::1 too) and NAT64 (64:ff9b::/96). */
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        static const unsigned char compat[12] = {0};
        static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
        if (family == AF_INET6 && (memcmp(addr, mapped, 12) == 0 || memcmp(addr, compat, 12) == 0 ||
                                   memcmp(addr, nat64, 12) == 0))
                return netlist_addr_internal(AF_INET, addr + 12);
        struct netlist l;
        if (netlist_parse(internal_nets, &l) < 0)
                return true; /* cannot happen: the text above parses */
        return netlist_has_addr(&l, family, addr);
}
