#include "core/alert.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool label_name_valid(const char *s)
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
                size_t size = strlen(value) + 5;
                char *anchored = malloc(size);
                if (!anchored)
                        return -ENOMEM;
                snprintf(anchored, size, "^(%s)$", value);
                int rc = regcomp(&m->re, anchored, REG_EXTENDED | REG_NOSUB);
                free(anchored);
                if (rc != 0) {
                        fielderr_add(fe, field, "'%.64s' is not a valid regular expression", value);
                        return -VG_EVALIDATION;
                }
                m->has_re = true;
        }
        return 0;
}

void matcher_fini(struct matcher *m)
{
        if (m->has_re)
                regfree(&m->re);
        m->has_re = false;
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
                return regexec(&m->re, v, 0, NULL, 0) == 0;
        case MATCH_NRE:
                return regexec(&m->re, v, 0, NULL, 0) != 0;
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
