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

struct db_driver;

struct store {
        const struct db_driver *driver; /* borrows: static table */
};

struct store_tx {
        struct store *store; /* borrows */
};
