/* Account operations that both doors (the API and the offline CLI) use, so
 * that the rules and the audit record are written once. */
#pragma once

#include "cases/cases.h"
#include "core/fielderr.h"
#include "store/store.h"

struct user_spec {
        const char *name;     /* borrows */
        const char *role;     /* borrows: a role name */
        const char *tenant;   /* borrows: required for tenant_admin, else NULL */
        const char *password; /* borrows: plaintext; the caller wipes it */
        const struct user *contact; /* borrows: email, phone, time_zone, contacts to copy; may be NULL */
};

/* Check spec against the rules; errors go to fe under the field names
 * name, role, tenant, password. Returns 0 or -VG_EVALIDATION. */
int account_user_check(const struct user_spec *spec, struct field_errors *fe);

/* Validate, hash the password (argon2id), insert and audit in one
 * transaction. -VG_EVALIDATION (fe filled), -VG_ECONFLICT (name taken,
 * fe filled), or a store error. */
int account_user_create(struct store *s, const struct actor *actor, vg_usec_t now,
                        const struct user_spec *spec, struct user *ret, struct field_errors *fe);

/* A change of a user; NULL, -1 and false leave a field as it is. Every
 * pointer borrows. */
struct user_change {
        const char *role;           /* a role name */
        bool set_tenant;
        const char *tenant;         /* with set_tenant; NULL: none */
        int disabled;               /* -1, 0 or 1 */
        const char *password;       /* plaintext; the caller wipes it */
        const struct user *contact; /* the contact fields set_* name, validated by the door */
        bool set_email, set_phone, set_time_zone, set_contacts;
        json_t *record;             /* the contact fields as the door received them, for the
                                     * audit record; may be NULL */
};

/* Change *u, as the door read it in tx (and checked: If-Match), as c
 * says, by actor at now: the user as it would be after is checked
 * (account_user_check), and an admin may not demote or disable their own
 * account. A change of role, tenant or password, or a disable, ends the
 * user's sessions; a new password also revokes their API tokens (but
 * keep_token, the one making this change; 0: none) and calendar feeds,
 * which are as good as the password. Audit "user.update" with what
 * changed. On success *u holds what was written (its password hash: wipe
 * it). Refusals: -VG_EVALIDATION (o->errors), -VG_ECONFLICT (o->detail). */
int account_user_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now, int64_t keep_token,
                        struct user *u, const struct user_change *c, struct case_outcome *o);

/* API tokens: for scripts and the CLI. The secret is shown once and
 * stored only as its digest; a token acts as the user who made it. */

/* A new API token of actor, named name (text on one line), valid for ttl
 * seconds (0: it never expires), its secret starting with prefix: the
 * secret into secret (size bytes, at least SECRET_TOKEN_MAX; the caller
 * shows it once and wipes it), the row into *ret. Audit "token.create".
 * Refusals: -VG_EVALIDATION ("name"). */
int account_token_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *prefix,
                         const char *name, int64_t ttl, struct api_token *ret, char *secret, size_t size,
                         struct case_outcome *o);

/* Revoke token id: actor's own, or for an admin (actor holds role) any;
 * another user's token is not found by anyone else, its existence not
 * theirs to learn. Audit "token.revoke". Refusals: -VG_ENOTFOUND,
 * -VG_ECONFLICT (revoked already). */
int account_token_revoke(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                         int64_t id, struct case_outcome *o);

/* The user as JSON, without the password hash. */
json_t *account_user_json(const struct user *u);

/* Sign in as name with password at now, from address. The account and
 * the failures counted for its name and for the address (in the store,
 * so the limits hold for every node) are read in a read transaction; a
 * name or an address at its limit (lim) is -VG_ERATELIMIT, with
 * *retry_after the seconds left of its window, before any password is
 * checked. The password is checked (argon2id) outside any transaction -
 * a slow verify must not hold the write lock that every other writer
 * waits for. A wrong one counts a failure for both; a right one, when
 * the account is not disabled, clears the name's count and inserts sess
 * (token_hash and expires_at set by the caller) with its audit record
 * "session.create" (actor: the user signing in; request_id and address
 * borrowed), in one write transaction. An unknown name runs a dummy
 * verify, so the time taken does not tell which was wrong. -VG_EAUTH for
 * a wrong name or password or a disabled account; u gets the user, its
 * password hash wiped. */
int account_sign_in(struct store *s, vg_usec_t now, const char *request_id, const char *address,
                    const char *name, const char *password, const struct config_login *lim,
                    struct session *sess, struct user *u, int *retry_after);
