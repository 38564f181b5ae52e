/* What a storage backend implements. Private to src/store: callers use
 * store.h. A backend is a driver (db.h), which embeds struct store /
 * struct store_tx as the first member of its own structs. */
#pragma once

#include "store/store.h"

#include <sodium.h>

struct audit_link {
        int64_t seq;
        uint8_t hash[STORE_HASH_BYTES];
};

/* A field of a hashed record (audit links, notice keys), length-prefixed
 * so that no two different records serialise alike. */
void store_hash_field(crypto_generichash_state *st, const void *p, size_t n);

/* The queries not yet moved to a store file of their own on db.h: the
 * SQLite driver answers them on its own API (sqlite.c). Each slot goes
 * when its domain moves. */
struct store_ops {
        int (*incident_insert)(struct store_tx *tx, struct incident *inc);
        int (*customer_report_nth)(struct store_tx *tx, const char *reporter, const char *tenant,
                                   vg_usec_t since, unsigned n, vg_usec_t *ret_at);
        int (*incident_get)(struct store_tx *tx, const char *key, struct incident *ret);
        int (*incident_get_by_id)(struct store_tx *tx, int64_t id, struct incident *ret);
        int (*incident_update)(struct store_tx *tx, struct incident *inc, int64_t expect_version);
        int (*incident_list)(struct store_tx *tx, const struct incident_filter *f, int64_t before_id,
                             unsigned limit, int (*cb)(const struct incident *, void *), void *userdata);

        int (*anchor_append)(struct store_tx *tx, int64_t incident_id, const struct anchor_setting *a);
        int (*anchor_list)(struct store_tx *tx, int64_t incident_id,
                           int (*cb)(const struct anchor_setting *, void *), void *userdata);
        int (*vigilance_list)(struct store_tx *tx, vg_usec_t now,
                              int (*cb)(const struct incident *, void *), void *userdata);
};

struct db_driver;

struct store {
        const struct db_driver *driver; /* borrows: static table */
        const struct store_ops *ops;    /* borrows: static table */
};

struct store_tx {
        struct store *store; /* borrows */
};

extern const struct store_ops store_sqlite_ops;
