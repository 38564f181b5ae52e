#include "core/fielderr.h"

#include "core/names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fielderr_init(struct field_errors *fe)
{
        fe->n = 0;
        fe->truncated = false;
}

void fielderr_add(struct field_errors *fe, const char *field, const char *fmt, ...)
{
        va_list ap;

        if (fe->n >= FIELDERR_MAX) {
                fe->truncated = true;
                return;
        }
        struct field_error *e = &fe->e[fe->n++];
        snprintf(e->field, sizeof e->field, "%s", field ? field : "");
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        /* Messages quote what was sent, which may not be UTF-8 (or was
         * cut inside a character); they are answered as JSON strings. */
        utf8_scrub(e->message);
}
