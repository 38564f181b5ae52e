/* Open addressing with linear probing; fingerprints are FNV-1a hashes
 * already, so they index the table directly. Slot fp 0 marks empty (a
 * real fingerprint of 0 is kept beside the table). */
#include "intake/episodes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CAP_MIN (1u << 14)
#define CAP_MAX (1u << 21) /* 2M episodes, 64 MiB */

struct episode_cache {
        struct episode *slot;
        size_t cap, used;
        struct episode zero; /* the entry for fingerprint 0 */
        bool has_zero;
};

int episodes_new(struct episode_cache **ret)
{
        struct episode_cache *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->slot = calloc(CAP_MIN, sizeof *c->slot);
        if (!c->slot) {
                free(c);
                return -ENOMEM;
        }
        c->cap = CAP_MIN;
        *ret = c;
        return 0;
}

struct episode_cache *episodes_free(struct episode_cache *c)
{
        if (c) {
                free(c->slot);
                free(c);
        }
        return NULL;
}

void episodes_clear(struct episode_cache *c)
{
        memset(c->slot, 0, c->cap * sizeof *c->slot);
        c->used = 0;
        c->has_zero = false;
}

static struct episode *find(const struct episode_cache *c, uint64_t fp)
{
        size_t mask = c->cap - 1;
        for (size_t i = fp & mask;; i = (i + 1) & mask) {
                struct episode *s = &c->slot[i];
                if (s->fp == fp || s->fp == 0)
                        return s;
        }
}

bool episodes_get(const struct episode_cache *c, uint64_t fp, struct episode *ret)
{
        if (fp == 0) {
                if (c->has_zero)
                        *ret = c->zero;
                return c->has_zero;
        }
        const struct episode *s = find(c, fp);
        if (s->fp == 0)
                return false;
        *ret = *s;
        return true;
}

/* Rebuild into cap slots, keeping entries still open at now. */
static int rehash(struct episode_cache *c, size_t cap, vg_usec_t now)
{
        struct episode *old = c->slot;
        size_t old_cap = c->cap;
        struct episode *fresh = calloc(cap, sizeof *fresh);
        if (!fresh)
                return -ENOMEM;
        c->slot = fresh;
        c->cap = cap;
        c->used = 0;
        for (size_t i = 0; i < old_cap; i++)
                if (old[i].fp && (old[i].ends_at == 0 || old[i].ends_at > now)) {
                        *find(c, old[i].fp) = old[i];
                        c->used++;
                }
        free(old);
        return 0;
}

void episodes_put(struct episode_cache *c, const struct episode *e, vg_usec_t now)
{
        if (e->fp == 0) {
                c->zero = *e;
                c->has_zero = true;
                return;
        }
        struct episode *s = find(c, e->fp);
        if (s->fp) {
                *s = *e;
                return;
        }
        if ((c->used + 1) * 10 > c->cap * 7) {
                /* Drop what has ended; grow when the rest still fills half. */
                size_t cap = c->cap;
                size_t live = 0;
                for (size_t i = 0; i < c->cap; i++)
                        live += c->slot[i].fp && (c->slot[i].ends_at == 0 || c->slot[i].ends_at > now);
                if (live * 2 > cap && cap < CAP_MAX)
                        cap *= 2;
                if (live * 10 > cap * 7 || rehash(c, cap, now) < 0)
                        episodes_clear(c); /* a cache: starting over is always correct */
                s = find(c, e->fp);
        }
        *s = *e;
        c->used++;
}
