#include "core/vigilance.h"

#include "core/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[IND__COUNT] = { "ip", "cidr", "account", "hash", "domain", "url" };

enum indicator_kind indicator_kind_from_string(const char *s)
{
        for (int i = 0; s && i < IND__COUNT; i++)
                if (strcmp(s, kind_names[i]) == 0)
                        return (enum indicator_kind)i;
        return IND__INVALID;
}

const char *indicator_kind_to_string(enum indicator_kind k)
{
        return (int)k >= 0 && k < IND__COUNT ? kind_names[k] : NULL;
}

static bool parse_addr(const char *s, struct indicator *ind)
{
        if (inet_pton(AF_INET, s, ind->addr) == 1) {
                ind->family = AF_INET;
                return true;
        }
        if (inet_pton(AF_INET6, s, ind->addr) == 1) {
                ind->family = AF_INET6;
                return true;
        }
        return false;
}

static void addr_format(struct indicator *ind)
{
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(ind->family, ind->addr, buf, sizeof buf);
        if (ind->kind == IND_CIDR)
                snprintf(ind->value, sizeof ind->value, "%s/%d", buf, ind->prefix);
        else
                snprintf(ind->value, sizeof ind->value, "%s", buf);
}

static bool domain_valid(const char *s)
{
        size_t n = strlen(s), label = 0;
        if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                        continue;
                }
                if (!(isalnum((unsigned char)c) || c == '-' || c == '_') || ++label > 63)
                        return false;
        }
        return strchr(s, '.') != NULL;
}

int indicator_parse(enum indicator_kind kind, const char *value, struct indicator *ret,
                    struct field_errors *fe, const char *field)
{
        struct indicator ind = { .kind = kind };
        size_t n = value ? strlen(value) : 0;

        if ((int)kind < 0 || kind >= IND__COUNT) {
                fielderr_add(fe, field, "kind must be one of ip, cidr, account, hash, domain, url");
                return -VG_EVALIDATION;
        }
        if (n == 0 || n >= INDICATOR_VALUE_MAX) {
                fielderr_add(fe, field, "value must be 1 to %d bytes", INDICATOR_VALUE_MAX - 1);
                return -VG_EVALIDATION;
        }
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)value[i] < 0x21 || value[i] == 0x7f) {
                        fielderr_add(fe, field, "value must not contain spaces or control characters");
                        return -VG_EVALIDATION;
                }

        switch (kind) {
        case IND_IP:
                if (!parse_addr(value, &ind)) {
                        fielderr_add(fe, field, "'%s' is not an IPv4 or IPv6 address", value);
                        return -VG_EVALIDATION;
                }
                ind.prefix = ind.family == AF_INET ? 32 : 128;
                addr_format(&ind);
                break;
        case IND_CIDR: {
                char host[INDICATOR_VALUE_MAX];
                const char *slash = strchr(value, '/');
                char *end;
                long prefix = slash ? strtol(slash + 1, &end, 10) : -1;
                if (slash)
                        snprintf(host, sizeof host, "%.*s", (int)(slash - value), value);
                if (!slash || *end || end == slash + 1 || !parse_addr(host, &ind) || prefix < 0 ||
                    prefix > (ind.family == AF_INET ? 32 : 128)) {
                        fielderr_add(fe, field, "'%s' is not an address/prefix like 192.0.2.0/24", value);
                        return -VG_EVALIDATION;
                }
                ind.prefix = (int)prefix;
                /* Clear host bits so 192.0.2.7/24 is stored as 192.0.2.0/24. */
                int bytes = ind.family == AF_INET ? 4 : 16;
                for (int b = 0; b < bytes; b++) {
                        int keep = ind.prefix - b * 8;
                        if (keep <= 0)
                                ind.addr[b] = 0;
                        else if (keep < 8)
                                ind.addr[b] &= (unsigned char)(0xff << (8 - keep));
                }
                addr_format(&ind);
                break;
        }
        case IND_HASH:
                if (n != 32 && n != 40 && n != 64 && n != 128) {
                        fielderr_add(fe, field, "a hash is 32, 40, 64 or 128 hex digits");
                        return -VG_EVALIDATION;
                }
                for (size_t i = 0; i < n; i++) {
                        if (!isxdigit((unsigned char)value[i])) {
                                fielderr_add(fe, field, "a hash is hex digits only");
                                return -VG_EVALIDATION;
                        }
                        ind.value[i] = (char)tolower((unsigned char)value[i]);
                }
                break;
        case IND_DOMAIN:
                for (size_t i = 0; i < n; i++)
                        ind.value[i] = (char)tolower((unsigned char)value[i]);
                if (!domain_valid(ind.value)) {
                        fielderr_add(fe, field, "'%s' is not a domain name", value);
                        return -VG_EVALIDATION;
                }
                break;
        case IND_URL:
                if (!strstr(value, "://")) {
                        fielderr_add(fe, field, "a URL needs a scheme, like https://");
                        return -VG_EVALIDATION;
                }
                /* fall through */
        case IND_ACCOUNT:
        default:
                snprintf(ind.value, sizeof ind.value, "%s", value);
                break;
        }
        *ret = ind;
        return 0;
}

static bool prefix_contains(const struct indicator *net, const struct indicator *ip)
{
        if (net->family != ip->family)
                return false;
        int full = net->prefix / 8, rest = net->prefix % 8;
        if (memcmp(net->addr, ip->addr, (size_t)full) != 0)
                return false;
        if (rest == 0)
                return true;
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

bool indicator_matches(const struct indicator *w, const struct indicator *s)
{
        if ((w->kind == IND_IP || w->kind == IND_CIDR) && (s->kind == IND_IP || s->kind == IND_CIDR)) {
                /* A seen network matches only when it lies wholly inside. */
                return s->prefix >= w->prefix && prefix_contains(w, s);
        }
        if (w->kind != s->kind)
                return false;
        if (w->kind == IND_DOMAIN) {
                size_t wl = strlen(w->value), sl = strlen(s->value);
                if (sl == wl)
                        return strcmp(w->value, s->value) == 0;
                return sl > wl && s->value[sl - wl - 1] == '.' && strcmp(s->value + sl - wl, w->value) == 0;
        }
        return strcmp(w->value, s->value) == 0;
}

static bool in_list(const char *v, const char *const *list, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                if (strcmp(v, list[i]) == 0)
                        return true;
        return false;
}

bool vigilance_match(const struct vigilance_watch *w, const struct alert_signals *a, char *why,
                     size_t whylen)
{
        if (a->at >= w->until)
                return false;
        if (in_list(a->service, w->services, w->n_services)) {
                snprintf(why, whylen, "service %s", a->service);
                return true;
        }
        if (in_list(a->tenant, w->tenants, w->n_tenants)) {
                snprintf(why, whylen, "tenant %s", a->tenant);
                return true;
        }
        for (size_t i = 0; i < a->n_indicators; i++)
                for (size_t k = 0; k < w->n_indicators; k++)
                        if (indicator_matches(&w->indicators[k], &a->indicators[i])) {
                                snprintf(why, whylen, "indicator %s %s in %s %s",
                                         kind_names[a->indicators[i].kind], a->indicators[i].value,
                                         kind_names[w->indicators[k].kind], w->indicators[k].value);
                                return true;
                        }
        return false;
}
