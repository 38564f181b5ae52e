/* libFuzzer harness for the tenant import (http/tenant-import.c): the
 * bytes are a whole upload, CSV when built with -DFUZZ_FORMAT=0, a JSON
 * array with 1, parsed row by row as the handler does and each row checked
 * by tenant_parse. Nothing may crash, leak or read out of bounds, and a
 * row may be refused only with a field error naming it. */
#include "http/tenant-import.h"

#include "base/config.h"
#include "core/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The defaults: a webhook may not point at an internal address. */
static const struct config defaults;

struct seen {
        struct field_errors *fe;
        size_t rows;
};

static int row(json_t *in, const char *at, bool bad_cell, void *userdata)
{
        struct seen *s = userdata;
        (void)bad_cell; /* its error is already in fe */
        char id[STORE_NAME_MAX], name[TENANT_NAME_MAX + 1];
        json_t *body = NULL;
        size_t before = s->fe->n;
        int r = tenant_parse(&defaults, in, at, id, name, &body, s->fe);
        if (r == 0) {
                char *text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
                if (!text)
                        abort();
                free(text);
        } else if (s->fe->n == before && !s->fe->truncated) {
                abort(); /* refused without saying why */
        }
        json_decref(body);
        s->rows++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct field_errors fe;
        char why[256];
        fielderr_init(&fe);
        struct seen s = {.fe = &fe};
        const struct tenant_rows rows = {.row = row,
                                         .userdata = &s,
                                         .max_cell = 4096,
                                         .fe = &fe,
                                         .why = why,
                                         .why_size = sizeof why};
        /* The server hands the body over NUL-terminated; so does this. */
        char *p = malloc(size + 1);
        if (!p)
                return 0;
        memcpy(p, data, size);
        p[size] = '\0';
        int r = tenant_rows_parse(FUZZ_FORMAT == 0 ? TENANT_CSV : TENANT_JSON, p, size, &rows);
        if (r == -VG_EVALIDATION && !fielderr_any(&fe) && !fe.truncated)
                abort(); /* a refused file names its field */
        free(p);
        return 0;
}
