/* A tenant import's bytes (CSV, or a JSON array) turned into rows one at
 * a time: each row is a JSON object handed to a callback and freed after
 * it returns, so parsing holds one row whatever the file's size. No I/O
 * and no store: the handler (http/tenants.c) and the fuzz harness
 * (fuzz/fuzz-tenants.c) both drive it. */
#pragma once

#include "core/fielderr.h"
#include "store/store.h"

struct config;

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define TENANT_NAME_MAX 200

enum tenant_format {
        TENANT_CSV,  /* a header row naming the columns, then a row per tenant */
        TENANT_JSON, /* a JSON array of tenant objects */
};

struct tenant_rows {
        /* Called for each row in order; at is "row 3" (CSV, the header is
         * row 1) or "[2]" (JSON); bad: one of the row's cells was refused
         * (its error is in fe, the cell left out of row). row is borrowed.
         * A negative return stops the parse and is returned. */
        int (*row)(json_t *row, const char *at, bool bad, void *userdata);
        void *userdata;
        size_t max_cell;         /* longest CSV cell, bytes */
        struct field_errors *fe; /* borrows: errors in cells and in the file */
        char *why;               /* borrows: where and why a malformed file is refused */
        size_t why_size;
};

/* Parse p (len bytes) and hand each row to s->row. Returns 0 when every
 * row was handed over, -VG_EVALIDATION when the file
 * itself is refused (malformed, a bad header, not an array: s->fe has the
 * field and s->why the place), -ENOMEM, or what s->row returned. */
int tenant_rows_parse(enum tenant_format f, const char *p, size_t len, const struct tenant_rows *s);

/* Add the error "AT: FIELD" (or "FIELD" when at is "") with msg. */
void tenant_field_error(struct field_errors *fe, const char *at, const char *field,
                        const char *msg);

/* Check one tenant object (id included) and give its canonical body.
 * Errors go to fe with at ("" or "row 12") before each field. Returns 0
 * and sets id, name and *ret (yours), or -VG_EVALIDATION. cfg (borrowed)
 * decides where a webhook may point (notify_webhook_url_check). */
int tenant_parse(const struct config *cfg, json_t *in, const char *at, char id[STORE_NAME_MAX],
                 char name[TENANT_NAME_MAX + 1], json_t **ret, struct field_errors *fe);
