#include "cases/account.h"

#include "base/secret.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int account_user_check(const struct user_spec *spec, struct field_errors *fe)
{
        enum role role = role_from_string(spec->role);

        if (!username_valid(spec->name))
                fielderr_add(fe, "name",
                             "must be 1 to %d of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
                             USERNAME_MAX);
        if (role == ROLE__INVALID)
                fielderr_add(fe, "role",
                             "must be one of responder, incident_manager, executive_incident_manager, "
                             "communications, auditor, admin, tenant_admin");
        if (role == ROLE_TENANT_ADMIN && !spec->tenant)
                fielderr_add(fe, "tenant", "is required for a tenant_admin");
        if (role != ROLE_TENANT_ADMIN && role != ROLE__INVALID && spec->tenant)
                fielderr_add(fe, "tenant", "applies only to a tenant_admin");
        if (spec->tenant && !tenant_id_valid(spec->tenant))
                fielderr_add(fe, "tenant", "must be 1 to %d of A-Z, a-z, 0-9, '.', '_', '-'",
                             USERNAME_MAX);
        size_t pl = spec->password ? strlen(spec->password) : 0;
        if (pl < PASSWORD_MIN || pl > PASSWORD_MAX)
                fielderr_add(fe, "password", "must be %d to %d bytes long", PASSWORD_MIN,
                             PASSWORD_MAX);
        return fielderr_any(fe) ? -VG_EVALIDATION : 0;
}

json_t *account_user_json(const struct user *u)
{
        char created[VG_RFC3339_MAX], updated[VG_RFC3339_MAX];
        vg_time_format(u->created_at, created);
        vg_time_format(u->updated_at, updated);
        json_t *contacts = json_loads(u->contacts[0] ? u->contacts : "[]", 0, NULL);
        return json_pack("{s:I, s:s, s:s, s:o, s:b, s:s, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)u->id, "name",
                         u->name, "role", role_to_string(u->role), "tenant",
                         u->tenant[0] ? json_string(u->tenant) : json_null(), "disabled",
                         u->disabled, "created_at", created, "updated_at", updated, "email", u->email, "phone",
                         u->phone, "time_zone", u->time_zone[0] ? u->time_zone : "UTC", "contacts",
                         contacts ? contacts : json_array());
}

int account_user_create(struct store *s, const struct actor *actor, vg_usec_t now,
                        const struct user_spec *spec, struct user *ret, struct field_errors *fe)
{
        struct user u = { 0 };
        struct store_tx *tx;
        char object[64];
        int r;

        r = account_user_check(spec, fe);
        if (r < 0)
                return r;
        snprintf(u.name, sizeof u.name, "%s", spec->name);
        u.role = role_from_string(spec->role);
        snprintf(u.tenant, sizeof u.tenant, "%s", spec->tenant ? spec->tenant : "");
        if (spec->contact) {
                memcpy(u.email, spec->contact->email, sizeof u.email);
                memcpy(u.phone, spec->contact->phone, sizeof u.phone);
                memcpy(u.time_zone, spec->contact->time_zone, sizeof u.time_zone);
                memcpy(u.contacts, spec->contact->contacts, sizeof u.contacts);
        }
        u.created_at = u.updated_at = now;
        r = secret_password_hash(spec->password, u.password_hash);
        if (r < 0)
                return r;

        r = store_begin(s, &tx);
        if (r < 0)
                return r;
        r = store_user_insert(tx, &u);
        if (r == -VG_ECONFLICT)
                fielderr_add(fe, "name", "is taken");
        if (r >= 0) {
                json_t *change = account_user_json(&u);
                snprintf(object, sizeof object, "user:%lld", (long long)u.id);
                r = change ? store_audit_append(tx, now, actor, "user.create", object, change) : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0)
                r = store_commit(tx);
        else
                store_rollback(tx);
        secret_wipe(u.password_hash, sizeof u.password_hash);
        if (r < 0)
                return r;
        if (ret)
                *ret = u;
        return 0;
}

/* A new password is given when the old one may be known to someone else,
 * and an API token or a calendar feed made with it is as good as the
 * password: they end with it (but keep_token). How many is recorded in
 * change. */
static int password_ends_credentials(struct store_tx *tx, vg_usec_t now, int64_t keep_token,
                                     const struct user *u, json_t *change)
{
        int tokens = store_token_revoke_for_user(tx, u->id, keep_token, now);
        if (tokens < 0)
                return tokens;
        int feeds = store_feed_revoke_by_creator(tx, u->name, now);
        if (feeds < 0)
                return feeds;
        json_object_set_new(change, "tokens_revoked", json_integer(tokens));
        json_object_set_new(change, "calendar_feeds_revoked", json_integer(feeds));
        return 0;
}

int account_user_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now, int64_t keep_token,
                        struct user *u, const struct user_change *c, struct case_outcome *o)
{
        /* Validate the user as it would be after the change. */
        struct user_spec spec = {
                .name = u->name,
                .role = c->role ? c->role : role_to_string(u->role),
                .tenant = c->set_tenant ? c->tenant : (u->tenant[0] ? u->tenant : NULL),
                .password = c->password ? c->password : "unchanged-password",
        };
        int r = account_user_check(&spec, &o->errors);
        if (r < 0)
                return r;
        enum role role = c->role ? role_from_string(c->role) : u->role;
        if (actor->user_id == u->id && (role != ROLE_ADMIN || c->disabled == 1)) {
                case_outcome_detail(o, "an admin may not demote or disable their own account");
                return -VG_ECONFLICT;
        }

        json_t *change = json_object();
        if (!change)
                return -ENOMEM;
        bool end_sessions = false;
        if (role != u->role) {
                json_object_set_new(change, "role", json_string(c->role));
                u->role = role;
                end_sessions = true;
        }
        if (c->set_tenant && strcmp(c->tenant ? c->tenant : "", u->tenant) != 0) {
                json_object_set_new(change, "tenant", c->tenant ? json_string(c->tenant) : json_null());
                snprintf(u->tenant, sizeof u->tenant, "%s", c->tenant ? c->tenant : "");
                end_sessions = true;
        }
        if (c->disabled >= 0 && (bool)c->disabled != u->disabled) {
                json_object_set_new(change, "disabled", json_boolean(c->disabled));
                u->disabled = c->disabled;
                end_sessions = end_sessions || c->disabled;
        }
        if (c->record)
                json_object_update(change, c->record);
        if (c->set_email)
                memcpy(u->email, c->contact->email, sizeof u->email);
        if (c->set_phone)
                memcpy(u->phone, c->contact->phone, sizeof u->phone);
        if (c->set_time_zone)
                memcpy(u->time_zone, c->contact->time_zone, sizeof u->time_zone);
        if (c->set_contacts)
                memcpy(u->contacts, c->contact->contacts, sizeof u->contacts);
        if (c->password) {
                r = secret_password_hash(c->password, u->password_hash);
                json_object_set_new(change, "password_changed", json_true());
                end_sessions = true;
        }
        /* The ETag is the time of the last change: it moves on every one. */
        u->updated_at = now > u->updated_at ? now : u->updated_at + 1;
        if (r >= 0)
                r = store_user_update(tx, u);
        /* They sign in again under the new rules. */
        if (r >= 0 && end_sessions)
                r = store_session_delete_for_user(tx, u->id);
        if (r >= 0 && c->password)
                r = password_ends_credentials(tx, now, keep_token, u, change);
        if (r >= 0) {
                char object[48];
                snprintf(object, sizeof object, "user:%lld", (long long)u->id);
                r = store_audit_append(tx, now, actor, "user.update", object, change);
        }
        json_decref(change);
        return r;
}

/* The audit record of token id. */
static int token_audit(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *action,
                       int64_t id, json_t *change)
{
        char object[48];
        snprintf(object, sizeof object, "token:%lld", (long long)id);
        int r = change ? store_audit_append(tx, now, actor, action, object, change) : -ENOMEM;
        json_decref(change);
        return r;
}

int account_token_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *prefix,
                         const char *name, int64_t ttl, struct api_token *ret, char *secret, size_t size,
                         struct case_outcome *o)
{
        *ret = (struct api_token){0};
        if (!text_valid(name, sizeof ret->name - 1)) {
                fielderr_add(&o->errors, "name", "must be printable text without control characters");
                return -VG_EVALIDATION;
        }
        int r = secret_token_new(prefix, secret, size);
        if (r < 0)
                return r;
        ret->user_id = actor->user_id;
        snprintf(ret->name, sizeof ret->name, "%s", name);
        snprintf(ret->prefix, sizeof ret->prefix, "%.10s", secret);
        secret_token_digest(secret, ret->token_hash);
        ret->created_at = now;
        ret->expires_at = ttl ? now + ttl * VG_USEC_PER_SEC : VG_TIME_UNSET;
        r = store_token_insert(tx, ret);
        if (r >= 0)
                r = token_audit(tx, actor, now, "token.create", ret->id,
                                json_pack("{s:s, s:I, s:o}", "name", ret->name, "user_id",
                                          (json_int_t)ret->user_id, "expires_at", case_time_json(ret->expires_at)));
        return r;
}

int account_token_revoke(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                         int64_t id, struct case_outcome *o)
{
        struct api_token t;
        int r = store_token_get(tx, id, &t);
        if (r >= 0 && t.user_id != actor->user_id && role != ROLE_ADMIN)
                r = -VG_ENOTFOUND;
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no token %lld", (long long)id);
        if (r >= 0 && t.revoked_at) {
                case_outcome_detail(o, "token %lld is already revoked", (long long)id);
                r = -VG_ECONFLICT;
        }
        if (r >= 0)
                r = store_token_revoke(tx, id, now);
        if (r >= 0)
                r = token_audit(tx, actor, now, "token.revoke", id,
                                json_pack("{s:s, s:I}", "name", t.name, "user_id", (json_int_t)t.user_id));
        return r;
}

/* A key's slot among the store's sign-in counters ("u:NAME", "a:ADDRESS"). */
static int sign_in_slot(const char *kind, const char *key)
{
        uint8_t d[SECRET_DIGEST_BYTES];
        uint64_t h = 0;
        char k[STORE_NAME_MAX + 80];
        snprintf(k, sizeof k, "%s:%s", kind, key);
        secret_digest(k, strlen(k), NULL, 0, d);
        memcpy(&h, d, sizeof h);
        return (int)(h % STORE_SIGN_IN_SLOTS);
}

/* Whether a slot is at its limit; *retry_after the seconds its window has left. */
static int sign_in_limited(struct store_tx *tx, int slot, unsigned max, vg_usec_t window, vg_usec_t now,
                           int *retry_after)
{
        vg_usec_t start;
        unsigned failures;
        int r = store_sign_in_failures(tx, slot, &start, &failures);
        if (r < 0 || failures < max || now >= start + window)
                return r < 0 ? r : 0;
        int left = (int)((start + window - now + VG_USEC_PER_SEC - 1) / VG_USEC_PER_SEC);
        if (left > *retry_after)
                *retry_after = left;
        return -VG_ERATELIMIT;
}

int account_sign_in(struct store *s, vg_usec_t now, const char *request_id, const char *address,
                    const char *name, const char *password, const struct config_login *lim,
                    struct session *sess, struct user *u, int *retry_after)
{
        struct store_tx *tx;
        const vg_usec_t window = lim->window * VG_USEC_PER_SEC;
        const int user_slot = sign_in_slot("u", name), address_slot = sign_in_slot("a", address);
        *retry_after = 0;
        int r = store_begin_read(s, &tx);
        if (r < 0)
                return r;
        int by_user = sign_in_limited(tx, user_slot, lim->max_failures_user, window, now, retry_after);
        int by_address = sign_in_limited(tx, address_slot, lim->max_failures_address, window, now, retry_after);
        r = by_user < 0 ? by_user : by_address;
        if (r >= 0)
                r = store_user_get_by_name(tx, name, u);
        store_rollback(tx);
        bool ok;
        if (r == -VG_ENOTFOUND) {
                secret_password_dummy_verify(password);
                ok = false;
        } else if (r < 0) {
                return r;
        } else {
                ok = secret_password_verify(u->password_hash, password) && !u->disabled;
        }
        secret_wipe(u->password_hash, sizeof u->password_hash);
        r = store_begin(s, &tx);
        if (r < 0)
                return r;
        if (!ok) {
                r = store_sign_in_fail(tx, user_slot, now, window);
                if (r >= 0)
                        r = store_sign_in_fail(tx, address_slot, now, window);
                r = store_finish(tx, r);
                return r < 0 ? r : -VG_EAUTH;
        }
        sess->user_id = u->id;
        r = store_sign_in_clear(tx, user_slot);
        if (r >= 0)
                r = store_session_insert(tx, sess);
        if (r >= 0) {
                struct actor a = { .user_id = u->id, .name = u->name, .request_id = request_id };
                char object[48];
                snprintf(object, sizeof object, "user:%lld", (long long)u->id);
                json_t *change = json_pack("{s:I, s:s}", "session", (json_int_t)sess->id, "address", address);
                r = change ? store_audit_append(tx, now, &a, "session.create", object, change) : -ENOMEM;
                json_decref(change);
        }
        return store_finish(tx, r);
}
