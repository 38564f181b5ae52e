/* Backend dispatch: the store's life cycle and transactions, on the driver. */
#include "store/backend.h"
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct db_driver *const backends[] = { &db_sqlite, &db_postgres };

int store_open(const char *url, struct store **ret, char *err, size_t errlen)
{
        const char *colon = strchr(url, ':');
        if (!colon) {
                snprintf(err, errlen, "database '%s': expected BACKEND:LOCATION", url);
                return -EINVAL;
        }
        size_t n = (size_t)(colon - url);
        if (n == 8 && strncmp(url, "postgres", 8) == 0) /* libpq's other spelling */
                return db_postgres.open(colon + 1, ret, err, errlen);
        for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
                if (strlen(backends[i]->name) == n && strncmp(url, backends[i]->name, n) == 0)
                        return backends[i]->open(colon + 1, ret, err, errlen);
        snprintf(err, errlen, "database '%s': unknown backend", url);
        return -EINVAL;
}

void store_url_shown(const char *url, char *buf, size_t size)
{
        size_t o = 0;
        const char *p = url;
        const char *auth = strstr(url, "://");
        const char *at = auth ? strchr(auth + 3, '@') : NULL;
        const char *colon = at ? memchr(auth + 3, ':', (size_t)(at - auth - 3)) : NULL;
        if (!size)
                return;
        while (*p && o + 1 < size) {
                if (colon && p == colon + 1) {
                        o += (size_t)snprintf(buf + o, size - o, "***");
                        p = at;
                        continue;
                }
                if ((p == url || p[-1] == '?' || p[-1] == '&') && strncmp(p, "password=", 9) == 0) {
                        o += (size_t)snprintf(buf + o, size - o, "password=***");
                        p += 9 + strcspn(p + 9, "&");
                        continue;
                }
                buf[o++] = *p++;
        }
        buf[o < size ? o : size - 1] = '\0';
}

struct store *store_close(struct store *s)
{
        if (s)
                s->driver->close(s);
        return NULL;
}

const char *store_backend(const struct store *s) { return s->driver->name; }

int store_watch(struct store *s, void (*wake)(void *arg), void *arg)
{
        return s->driver->watch ? s->driver->watch(s, wake, arg) : -EOPNOTSUPP;
}

void store_unwatch(struct store *s)
{
        if (s->driver->unwatch)
                s->driver->unwatch(s);
}

uint64_t store_watch_wakes(struct store *s)
{
        return s->driver->wakes ? s->driver->wakes(s) : 0;
}
int store_ping(struct store *s) { return s->driver->ping(s); }
int store_schema_version(struct store *s, int *ret) { return s->driver->schema_version(s, ret); }
int store_begin(struct store *s, struct store_tx **ret) { return s->driver->begin(s, true, ret); }
int store_begin_read(struct store *s, struct store_tx **ret) { return s->driver->begin(s, false, ret); }
int store_commit(struct store_tx *tx) { return tx->store->driver->commit(tx); }

void store_rollback(struct store_tx *tx)
{
        if (tx)
                tx->store->driver->rollback(tx);
}

int store_savepoint_begin(struct store_tx *tx) { return tx->store->driver->savepoint_begin(tx); }
int store_savepoint_end(struct store_tx *tx, bool ok) { return tx->store->driver->savepoint_end(tx, ok); }

int store_finish(struct store_tx *tx, int r)
{
        if (r < 0) {
                store_rollback(tx);
                return r;
        }
        return store_commit(tx);
}

void incident_fini(struct incident *inc)
{
        if (inc) {
                free(inc->description);
                free(inc->declaration);
                free(inc->root_cause);
                inc->description = NULL;
                inc->declaration = NULL;
                inc->root_cause = NULL;
        }
}

/* u32 len || bytes */
void store_hash_field(crypto_generichash_state *st, const void *p, size_t n)
{
        uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
        crypto_generichash_update(st, len, sizeof len);
        crypto_generichash_update(st, p, n);
}
