/* A bounded list of field-level validation errors, filled by validators and
 * rendered by the http layer into the problem+json "errors" array. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define FIELDERR_MAX 16
#define FIELDERR_FIELD_MAX 128
#define FIELDERR_MSG_MAX 200

struct field_error {
        char field[FIELDERR_FIELD_MAX];   /* JSON path, e.g. "role" or "limits.body" */
        char message[FIELDERR_MSG_MAX];   /* lowercase, no full stop */
};

struct field_errors {
        size_t n;
        bool truncated; /* more errors than FIELDERR_MAX were added */
        struct field_error e[FIELDERR_MAX];
};

void fielderr_init(struct field_errors *fe);
/* Append one error; printf-style message. Silently counts overflow. */
void fielderr_add(struct field_errors *fe, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static inline bool fielderr_any(const struct field_errors *fe)
{
        return fe->n > 0;
}
