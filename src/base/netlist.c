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
