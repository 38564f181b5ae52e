/* Calendar feeds: who may have one, making and revoking them. The feed
 * itself (ICS through libical) is the http door's. */
#include "cases/feeds.h"

#include "base/secret.h"
#include "cases/oncall.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool feed_creator_admits(const struct user *creator, const char *kind, const char *name)
{
        if (creator->disabled || !(ROLE_BIT(creator->role) & ROLES_STAFF))
                return false;
        return strcmp(kind, "user") != 0 || strcmp(name, creator->name) == 0 ||
               creator->role == ROLE_ADMIN || creator->role == ROLE_INCIDENT_MANAGER;
}

json_t *case_feed_json(const struct calendar_feed *f)
{
        return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)f->id, "kind", f->kind, "name",
                         f->name, "prefix", f->prefix, "created_by", f->created_by, "created_at",
                         case_time_json(f->created_at), "revoked_at", case_time_json(f->revoked_at));
}

/* The audit record of feed id; change borrowed, may be NULL. */
static int feed_audit(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *action,
                      int64_t id, json_t *change)
{
        char object[48];
        snprintf(object, sizeof object, "calendar_feed:%lld", (long long)id);
        return store_audit_append(tx, now, actor, action, object, change);
}

int case_feed_create(struct store_tx *tx, const struct actor *actor, const struct user *creator,
                     vg_usec_t now, const char *kind, const char *name, struct calendar_feed *ret,
                     char *token, size_t size, struct case_outcome *o)
{
        json_t *doc = NULL;
        struct user u;
        *ret = (struct calendar_feed){.created_at = now};
        snprintf(ret->kind, sizeof ret->kind, "%s", kind);
        snprintf(ret->name, sizeof ret->name, "%s", name);
        if (!feed_creator_admits(creator, ret->kind, ret->name)) {
                case_outcome_detail(o, "a feed of someone else's shifts is for admins and incident managers");
                return -VG_EFORBIDDEN;
        }
        snprintf(ret->created_by, sizeof ret->created_by, "%s", actor->name);
        bool schedule = strcmp(ret->kind, "schedule") == 0;
        int r = schedule ? org_load(tx, "schedule", name, &doc) : store_user_get_by_name(tx, name, &u);
        json_decref(doc);
        if (r == -VG_ENOTFOUND) {
                fielderr_add(&o->errors, schedule ? "schedule" : "user", "no such %s", ret->kind);
                r = -VG_EVALIDATION;
        }
        if (r >= 0)
                r = secret_token_new(FEED_PREFIX, token, size);
        if (r >= 0) {
                secret_token_digest(token, ret->token_hash);
                snprintf(ret->prefix, sizeof ret->prefix, "%.10s", token);
                r = store_feed_insert(tx, ret);
        }
        if (r >= 0) {
                json_t *j = case_feed_json(ret);
                r = j ? feed_audit(tx, actor, now, "calendar_feed.create", ret->id, j) : -ENOMEM;
                json_decref(j);
        }
        return r;
}

int case_feed_revoke(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                     int64_t id, struct case_outcome *o)
{
        struct calendar_feed f;
        int r = store_feed_get(tx, id, &f);
        if (r >= 0 && role != ROLE_ADMIN && strcmp(f.created_by, actor->name) != 0)
                r = -VG_ENOTFOUND; /* others' feeds are not visible */
        if (r >= 0)
                r = store_feed_revoke(tx, id, now);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no live calendar feed %lld of yours", (long long)id);
        if (r >= 0)
                r = feed_audit(tx, actor, now, "calendar_feed.revoke", id, NULL);
        return r;
}
