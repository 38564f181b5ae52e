#include "core/alert.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool label_name_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n >= LABEL_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                          (i > 0 && c >= '0' && c <= '9');
                if (!ok)
                        return false;
        }
        return true;
}

int labelset_add(struct labelset *ls, const char *name, const char *value, struct field_errors *fe,
                 const char *field)
{
        if (ls->n >= LABELS_MAX) {
                fielderr_add(fe, field, "at most %d labels", LABELS_MAX);
                return -VG_EVALIDATION;
        }
        if (!label_name_valid(name)) {
                fielderr_add(fe, field, "label name '%.64s' must match [a-zA-Z_][a-zA-Z0-9_]*", name ? name : "");
                return -VG_EVALIDATION;
        }
        if (!value || strlen(value) >= LABEL_VALUE_MAX) {
                fielderr_add(fe, field, "label '%s' needs a value of at most %d bytes", name, LABEL_VALUE_MAX - 1);
                return -VG_EVALIDATION;
        }
        ls->l[ls->n].name = name;
        ls->l[ls->n].value = value;
        ls->n++;
        return 0;
}

static int cmp_label(const void *a, const void *b)
{
        return strcmp(((const struct label *)a)->name, ((const struct label *)b)->name);
}

int labelset_sort(struct labelset *ls, struct field_errors *fe, const char *field)
{
        if (ls->n)
                qsort(ls->l, ls->n, sizeof ls->l[0], cmp_label);
        for (size_t i = 1; i < ls->n; i++)
                if (strcmp(ls->l[i - 1].name, ls->l[i].name) == 0) {
                        fielderr_add(fe, field, "label '%s' appears twice", ls->l[i].name);
                        return -VG_EVALIDATION;
                }
        return 0;
}

const char *labelset_get(const struct labelset *ls, const char *name)
{
        for (size_t i = 0; i < ls->n; i++)
                if (strcmp(ls->l[i].name, name) == 0)
                        return ls->l[i].value;
        return NULL;
}

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

static uint64_t fnv_add(uint64_t h, const char *s)
{
        for (; *s; s++) {
                h ^= (uint8_t)*s;
                h *= FNV_PRIME;
        }
        return h;
}

static uint64_t fnv_byte(uint64_t h, uint8_t b)
{
        h ^= b;
        return h * FNV_PRIME;
}

uint64_t labelset_fingerprint(const struct labelset *ls)
{
        uint64_t h = FNV_OFFSET;
        for (size_t i = 0; i < ls->n; i++) {
                h = fnv_add(h, ls->l[i].name);
                h = fnv_byte(h, 0xff);
                h = fnv_add(h, ls->l[i].value);
                h = fnv_byte(h, 0xff);
        }
        return h;
}

int matcher_init(struct matcher *m, const char *name, const char *value, enum match_op op,
                 struct field_errors *fe, const char *field)
{
        memset(m, 0, sizeof *m);
        if (!label_name_valid(name)) {
                fielderr_add(fe, field, "matcher name must be a label name");
                return -VG_EVALIDATION;
        }
        if (!value || strlen(value) >= LABEL_VALUE_MAX) {
                fielderr_add(fe, field, "matcher value too long");
                return -VG_EVALIDATION;
        }
        snprintf(m->name, sizeof m->name, "%s", name);
        snprintf(m->value, sizeof m->value, "%s", value);
        m->op = op;
        if (op == MATCH_RE || op == MATCH_NRE) {
                char why[256];
                int r = regex_new(value, &m->re, why, sizeof why);
                if (r == -ENOMEM)
                        return r;
                if (r == -EINVAL)
                        fielderr_add(fe, field, "'%.48s' is not a valid regular expression (%s)",
                                     value, why);
                else if (r < 0)
                        fielderr_add(fe, field, "'%.48s': %s", value, why);
                if (r < 0)
                        return -VG_EVALIDATION;
        }
        return 0;
}

void matcher_fini(struct matcher *m)
{
        m->re = regex_free(m->re);
}

bool matcher_matches(const struct matcher *m, const struct labelset *ls)
{
        const char *v = labelset_get(ls, m->name);
        if (!v)
                v = "";
        switch (m->op) {
        case MATCH_EQ:
                return strcmp(v, m->value) == 0;
        case MATCH_NE:
                return strcmp(v, m->value) != 0;
        case MATCH_RE:
                return regex_matches(m->re, v);
        case MATCH_NRE:
                return !regex_matches(m->re, v);
        }
        return false;
}

bool matchers_match(const struct matcher *ms, size_t n, const struct labelset *ls)
{
        for (size_t i = 0; i < n; i++)
                if (!matcher_matches(&ms[i], ls))
                        return false;
        return true;
}

int matcher_parse(struct matcher *m, const char *text, struct field_errors *fe, const char *field)
{
        char name[LABEL_NAME_MAX], value[LABEL_VALUE_MAX];
        const char *p = text;
        size_t n = 0;

        memset(m, 0, sizeof *m);
        while (*p == ' ' || *p == '\t')
                p++;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (n && *p >= '0' && *p <= '9')) {
                if (n + 1 >= sizeof name)
                        goto bad;
                name[n++] = *p++;
        }
        name[n] = '\0';
        while (*p == ' ' || *p == '\t')
                p++;
        enum match_op op;
        if (p[0] == '=' && p[1] == '~')
                op = MATCH_RE, p += 2;
        else if (p[0] == '!' && p[1] == '~')
                op = MATCH_NRE, p += 2;
        else if (p[0] == '!' && p[1] == '=')
                op = MATCH_NE, p += 2;
        else if (p[0] == '=')
                op = MATCH_EQ, p += 1;
        else
                goto bad;
        if (!n)
                goto bad;
        while (*p == ' ' || *p == '\t')
                p++;
        n = 0;
        if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                        if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                                p++;
                        if (n + 1 >= sizeof value)
                                goto bad;
                        value[n++] = *p;
                }
                if (*p != '"')
                        goto bad;
                for (p++; *p == ' ' || *p == '\t'; p++)
                        ;
                if (*p)
                        goto bad;
        } else {
                for (; *p; p++) {
                        if (*p == '"' || n + 1 >= sizeof value)
                                goto bad;
                        value[n++] = *p;
                }
                while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
                        n--;
        }
        value[n] = '\0';
        return matcher_init(m, name, value, op, fe, field);
bad:
        fielderr_add(fe, field, "'%.64s' is not a matcher like name=\"value\", name!=\"value\", name=~\"re\" or name!~\"re\"",
                     text);
        return -VG_EVALIDATION;
}

void alert_route_default(struct alert_route *r)
{
        memset(r, 0, sizeof *r);
        snprintf(r->group_by[0], sizeof r->group_by[0], "alertname");
        snprintf(r->group_by[1], sizeof r->group_by[1], "service");
        r->n_group_by = 2;
}

void alert_route_fini(struct alert_route *r)
{
        for (size_t i = 0; i < r->n_m; i++)
                matcher_fini(&r->m[i]);
        free(r->m);
        r->m = NULL;
        r->n_m = 0;
}

void alert_routing_fini(struct alert_routing *rt)
{
        for (size_t i = 0; i < rt->n; i++)
                alert_route_fini(&rt->routes[i]);
        free(rt->routes);
        rt->routes = NULL;
        rt->n = 0;
        alert_route_fini(&rt->def);
}

const struct alert_route *alert_route_find(const struct alert_routing *rt, const struct labelset *ls)
{
        for (size_t i = 0; rt && i < rt->n; i++)
                if (matchers_match(rt->routes[i].m, rt->routes[i].n_m, ls))
                        return &rt->routes[i];
        return rt ? &rt->def : NULL;
}

const char *alert_route_service(const struct alert_route *r, const struct labelset *ls)
{
        if (r && r->service[0])
                return r->service;
        const char *s = labelset_get(ls, "service");
        return s ? s : labelset_get(ls, "job");
}

/* Append [,]name="value" with " and \ escaped; false when it does not fit. */
static bool key_add(char *out, size_t size, size_t *len, bool first, const char *name, const char *value)
{
        size_t n = *len;
        int w = snprintf(out + n, size - n, "%s%s=\"", first ? "" : ",", name);
        if (w < 0 || (size_t)w >= size - n)
                return false;
        n += (size_t)w;
        for (const char *v = value; *v; v++) {
                if (n + 3 >= size)
                        return false;
                if (*v == '"' || *v == '\\')
                        out[n++] = '\\';
                out[n++] = *v;
        }
        if (n + 2 >= size)
                return false;
        out[n++] = '"';
        out[n] = '\0';
        *len = n;
        return true;
}

static bool route_groups_by(const struct alert_route *r, const char *name)
{
        if (r->group_all)
                return true;
        for (size_t j = 0; j < r->n_group_by; j++)
                if (strcmp(r->group_by[j], name) == 0)
                        return true;
        return false;
}

void alert_group_key(const struct alert_route *r, const struct labelset *ls, const char *service,
                     char out[GROUP_KEY_MAX])
{
        struct label pairs[LABELS_MAX + 1];
        size_t n = 0;
        bool want_service = service && route_groups_by(r, "service"), placed = false;

        /* The group_by labels in name order, "service" being the routed one. */
        for (size_t i = 0; i < ls->n; i++) {
                const char *name = ls->l[i].name;
                if (want_service && !placed && strcmp(name, "service") >= 0) {
                        pairs[n++] = (struct label){ "service", service };
                        placed = true;
                }
                if (strcmp(name, "service") != 0 && route_groups_by(r, name))
                        pairs[n++] = ls->l[i];
        }
        if (want_service && !placed)
                pairs[n++] = (struct label){ "service", service };

        size_t len = 0;
        uint64_t h = fnv_add(FNV_OFFSET, r->name);
        int w = snprintf(out, GROUP_KEY_MAX, "%s{", r->name);
        bool fits = w > 0 && w < GROUP_KEY_MAX;
        len = fits ? (size_t)w : 0;
        for (size_t i = 0; i < n; i++) {
                h = fnv_byte(fnv_add(fnv_byte(fnv_add(h, pairs[i].name), 0xff), pairs[i].value), 0xff);
                if (fits)
                        fits = key_add(out, GROUP_KEY_MAX - 1, &len, i == 0, pairs[i].name, pairs[i].value);
        }
        if (fits) {
                out[len++] = '}';
                out[len] = '\0';
                return;
        }
        /* Too long: a prefix that still reads well, then the hash of all. */
        size_t keep = GROUP_KEY_MAX - 24;
        if (len > keep || !len)
                len = keep;
        while (len && ((unsigned char)out[len] & 0xC0) == 0x80)
                len--; /* not inside a UTF-8 sequence */
        snprintf(out + len, GROUP_KEY_MAX - len, "...}#%016llx", (unsigned long long)h);
}
