#define _GNU_SOURCE
#include "core/template.h"

#include "core/buf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 48
#define DEPTH_MAX 8

/* One tag at p ("{{"): its kind ('=' plain, '#', '^', '/') and name; returns
 * the text after "}}", or NULL when the tag does not close or its name is
 * not [a-z0-9_]{1,47}. */
static const char *tag_read(const char *p, char *kind, char name[NAME_MAX_LEN])
{
        p += 2;
        *kind = (*p == '#' || *p == '^' || *p == '/') ? *p++ : '=';
        size_t n = 0;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') {
                if (n + 1 >= NAME_MAX_LEN)
                        return NULL;
                name[n++] = *p++;
        }
        name[n] = '\0';
        if (n == 0 || p[0] != '}' || p[1] != '}')
                return NULL;
        return p + 2;
}

static bool listed(const char *const *names, const char *name)
{
        for (; names && *names; names++)
                if (strcmp(*names, name) == 0)
                        return true;
        return false;
}

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
        int n = line ? snprintf(err, errlen, "line %u: ", line) : 0;
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < errlen)
                vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
        return -1;
}

int template_check(const char *text, const char *const *known, const char *const *required, char *err,
                   size_t errlen)
{
        char open[DEPTH_MAX][NAME_MAX_LEN], kinds[DEPTH_MAX];
        unsigned depth = 0, line = 1, inverted = 0;
        size_t n_required = 0;
        while (required && required[n_required])
                n_required++;
        bool seen[32] = { false };
        if (n_required > 32)
                return fail(err, errlen, 0, "too many required names");
        for (const char *p = text; *p;) {
                if (*p == '\n') {
                        line++;
                        p++;
                        continue;
                }
                if (p[0] != '{' || p[1] != '{') {
                        p++;
                        continue;
                }
                char kind, name[NAME_MAX_LEN];
                const char *next = tag_read(p, &kind, name);
                if (!next)
                        return fail(err, errlen, line, "a tag is {{name}}, {{#name}}, {{^name}} or {{/name}}");
                if (!listed(known, name))
                        return fail(err, errlen, line, "'%s' is not a field of a notice", name);
                if (kind == '#' || kind == '^') {
                        if (depth == DEPTH_MAX)
                                return fail(err, errlen, line, "sections nest at most %d deep", DEPTH_MAX);
                        snprintf(open[depth], NAME_MAX_LEN, "%s", name);
                        kinds[depth++] = kind;
                        inverted += kind == '^';
                } else if (kind == '/') {
                        if (depth == 0 || strcmp(open[depth - 1], name) != 0)
                                return fail(err, errlen, line, "{{/%s}} closes no open section", name);
                        inverted -= kinds[--depth] == '^';
                } else if (!inverted) {
                        for (size_t i = 0; i < n_required; i++)
                                seen[i] |= strcmp(required[i], name) == 0;
                }
                p = next;
        }
        if (depth)
                return fail(err, errlen, line, "section '%s' is not closed", open[depth - 1]);
        for (size_t i = 0; i < n_required; i++)
                if (!seen[i])
                        return fail(err, errlen, 0, "the notice must state {{%s}}", required[i]);
        return 0;
}

char *template_render(const char *text, template_lookup_fn lookup, void *userdata)
{
        struct buf o;
        /* Sections whose content is being skipped nest; count them. */
        char open[DEPTH_MAX][NAME_MAX_LEN];
        bool shown[DEPTH_MAX];
        unsigned depth = 0, hidden = 0;
        int r = 0;
        buf_init(&o, TEMPLATE_RENDER_MAX);
        for (const char *p = text; *p && r >= 0;) {
                const char *q = strstr(p, "{{");
                size_t n = q ? (size_t)(q - p) : strlen(p);
                if (!hidden)
                        r = buf_append(&o, p, n);
                if (!q)
                        break;
                char kind, name[NAME_MAX_LEN];
                const char *next = tag_read(q, &kind, name);
                const char *v = next ? lookup(name, userdata) : NULL;
                if (!next || !v)
                        goto bad;
                if (kind == '#' || kind == '^') {
                        if (depth == DEPTH_MAX)
                                goto bad;
                        bool show = (*v != '\0') == (kind == '#');
                        snprintf(open[depth], NAME_MAX_LEN, "%s", name);
                        shown[depth++] = show;
                        hidden += !show;
                } else if (kind == '/') {
                        if (depth == 0 || strcmp(open[depth - 1], name) != 0)
                                goto bad;
                        hidden -= !shown[--depth];
                } else if (!hidden) {
                        r = buf_append(&o, v, strlen(v));
                }
                p = next;
        }
        if (depth || r < 0)
                goto bad;
        return buf_detach(&o, NULL); /* "" for an empty text, never NULL but out of memory */
bad:
        buf_release(&o);
        return NULL;
}
