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

int account_sign_in(struct store *s, vg_usec_t now, const char *request_id, const char *address,
                    const char *name, const char *password, struct session *sess, struct user *u)
{
        struct store_tx *tx;
        int r = store_begin_read(s, &tx);
        if (r < 0)
                return r;
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
        if (!ok)
                return -VG_EAUTH;

        sess->user_id = u->id;
        r = store_begin(s, &tx);
        if (r < 0)
                return r;
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
