/* A growable byte buffer with a maximum (curl's dynbuf habit): appends past
 * max fail with -ENOBUFS and leave the buffer as it was.
 * Invariant: p is NULL or NUL-terminated at len; len < cap.
 * It lives in core, not base: it is memory only (no I/O, no clock), and
 * core's own writers (template.c) need it as much as the layers above. */
#pragma once

#include <stddef.h>

struct buf {
        char *p;    /* owns */
        size_t len;
        size_t cap;
        size_t max; /* most bytes it may hold, excluding the NUL */
        int err;    /* the first error of buf_put; later puts do nothing */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Take the contents (caller frees); the buffer is empty afterwards. Never
 * returns NULL unless out of memory. */
char *buf_detach(struct buf *b, size_t *len);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* buf_printf for documents written piece by piece: the first failure is
 * kept in b->err and every later put does nothing; check b->err once. */
void buf_put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* buf_append in the same manner: does nothing once b->err is set, and
 * keeps the first failure there. */
void buf_put_n(struct buf *b, const void *data, size_t n);
/* Append s as XML/HTML text: & < > " escaped (markup goes through buf_append). */
int buf_append_xml_text(struct buf *b, const char *s);
