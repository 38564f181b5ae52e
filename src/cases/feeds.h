/* Calendar feeds as use cases (src/cases/feeds.c): an ICS URL per
 * schedule (everyone's shifts) or per person (their shifts in every
 * schedule). Clients cannot sign in, so the URL carries a secret token,
 * shown once and kept as a digest; revoking the feed kills the URL. */
#pragma once

#include "cases/cases.h"

#include <jansson.h>

#define FEED_PREFIX "vgc_"

/* Whether creator may have a feed of kind ("schedule" or "user") name: a
 * staff account, enabled, and for someone else's shifts an admin or an
 * incident manager. Asked when the feed is made and on every read, so a
 * feed ends with its creator's right to it (disabled, or moved to a role
 * without it) and answers again only if that right comes back. */
bool feed_creator_admits(const struct user *creator, const char *kind, const char *name);

/* A feed as the doors show it and its audit record holds it (a new
 * reference; no token). */
json_t *case_feed_json(const struct calendar_feed *f);

/* A new feed of kind name for creator (the actor's account): its token
 * into token (size bytes, at least SECRET_TOKEN_MAX; the caller shows it
 * once in the URL and wipes it), the row into *ret. Audit
 * "calendar_feed.create". Refusals: -VG_EFORBIDDEN (feed_creator_admits,
 * o->detail), -VG_EVALIDATION ("schedule" or "user": no such). */
int case_feed_create(struct store_tx *tx, const struct actor *actor, const struct user *creator,
                     vg_usec_t now, const char *kind, const char *name, struct calendar_feed *ret,
                     char *token, size_t size, struct case_outcome *o);

/* Revoke feed id: the actor's own, or for an admin (actor holds role) any;
 * others' feeds are not visible. Audit "calendar_feed.revoke". Refusals:
 * -VG_ENOTFOUND (none live of the actor's). */
int case_feed_revoke(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                     int64_t id, struct case_outcome *o);
