/* The open alert episodes the intake writer knows, by fingerprint, so a
 * repeat - most of what monitoring sends - costs one small update and no
 * lookup. A cache of what is committed (or in the writer's transaction):
 * a miss falls back to the store, and the writer clears it whenever a
 * transaction or savepoint rolls back. Only the intake writer thread uses
 * it, so it has no lock. */
#pragma once

#include "core/vtime.h"

#include <stdbool.h>
#include <stdint.h>

struct episode {
        uint64_t fp;
        int64_t id;           /* the alert row */
        vg_usec_t ends_at;    /* 0: open */
        uint64_t content;     /* hash of the annotations last written; 0: unknown */
};

struct episode_cache;

int episodes_new(struct episode_cache **ret);
struct episode_cache *episodes_free(struct episode_cache *c);
/* The entry for fp, or false. */
bool episodes_get(const struct episode_cache *c, uint64_t fp, struct episode *ret);
/* Insert or replace; entries that ended before now may be dropped to make
 * room, and when even that is not enough the cache starts over. */
void episodes_put(struct episode_cache *c, const struct episode *e, vg_usec_t now);
void episodes_clear(struct episode_cache *c);
