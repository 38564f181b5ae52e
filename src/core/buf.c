#define _GNU_SOURCE
#include "core/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
        b->p = NULL;
        b->len = b->cap = 0;
        b->err = 0;
        b->max = max;
}

void buf_release(struct buf *b)
{
        free(b->p);
        buf_init(b, b->max);
}

static int grow(struct buf *b, size_t need)
{
        if (need > b->max)
                return -ENOBUFS;
        if (need + 1 <= b->cap)
                return 0;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need + 1)
                cap *= 2;
        if (cap > b->max + 1)
                cap = b->max + 1;
        char *p = realloc(b->p, cap);
        if (!p)
                return -ENOMEM;
        b->p = p;
        b->cap = cap;
        return 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
        if (!b->p && grow(b, 0) < 0)
                return NULL;
        char *p = b->p;
        b->p[b->len] = '\0';
        if (len)
                *len = b->len;
        buf_init(b, b->max);
        return p;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
        int r = grow(b, b->len + n);
        if (r < 0)
                return r;
        memcpy(b->p + b->len, data, n);
        b->len += n;
        b->p[b->len] = '\0';
        return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        char small[256];

        va_start(ap, fmt);
        int n = vsnprintf(small, sizeof small, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        if ((size_t)n < sizeof small)
                return buf_append(b, small, (size_t)n);
        int r = grow(b, b->len + (size_t)n);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
        return 0;
}

void buf_put(struct buf *b, const char *fmt, ...)
{
        if (b->err)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        b->err = n < 0 ? -ENOMEM : buf_append(b, s, (size_t)n);
        free(s);
}

void buf_put_n(struct buf *b, const void *data, size_t n)
{
        if (!b->err)
                b->err = buf_append(b, data, n);
}

int buf_append_xml_text(struct buf *b, const char *s)
{
        int r = 0;
        for (; s && *s && r >= 0; s++) {
                switch (*s) {
                case '&': r = buf_append(b, "&amp;", 5); break;
                case '<': r = buf_append(b, "&lt;", 4); break;
                case '>': r = buf_append(b, "&gt;", 4); break;
                case '"': r = buf_append(b, "&quot;", 6); break;
                default: r = buf_append(b, s, 1); break;
                }
        }
        return r;
}
