/* Account operations that both doors (the API and the offline CLI) use, so
 * that the rules and the audit record are written once. */
#pragma once

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

/* The user as JSON, without the password hash. */
json_t *account_user_json(const struct user *u);

/* Sign in as name with password at now. The account is read in a read
 * transaction and the password checked (argon2id) outside any
 * transaction - a slow verify must not hold the write lock that every
 * other writer waits for - then, when it matches and the account is not
 * disabled, sess (token_hash and expires_at set by the caller) is
 * inserted with its audit record "session.create" (actor: the user
 * signing in; request_id and address borrowed) in one write transaction.
 * An unknown name runs a dummy verify, so the time taken does not tell
 * which was wrong. -VG_EAUTH for a wrong name or password or a disabled
 * account; u gets the user, its password hash wiped. */
int account_sign_in(struct store *s, vg_usec_t now, const char *request_id, const char *address,
                    const char *name, const char *password, struct session *sess, struct user *u);
