/* Users: admins manage accounts; auditors may read them. Changes carry an
 * ETag and honour If-Match, so two admins never overwrite each other. */
#include "http/resources.h"

#include "base/secret.h"
#include "core/error.h"
#include "core/names.h"
#include "store/account.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void etag(const struct user *u, char *buf, size_t size)
{
        snprintf(buf, size, "\"u%lld-%lld\"", (long long)u->id, (long long)u->updated_at);
}

static int user_response(struct response *resp, unsigned status, const struct user *u)
{
        char tag[64];
        etag(u, tag, sizeof tag);
        response_header_add(resp, "ETag", tag);
        return response_json(resp, status, account_user_json(u));
}

static int list_one(const struct user *u, void *userdata)
{
        return page_add(userdata, u->id, account_user_json(u));
}

int user_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct page pg;
        int r = page_begin(req, &pg);
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_user_list(tx, pg.after, pg.limit, list_one, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}

int user_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "name", "role", "tenant", "password", NULL };
        struct user u;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        struct user_spec spec = {
                .name = json_field_string(req, body, "name", true, STORE_NAME_MAX - 1),
                .role = json_field_string(req, body, "role", true, 64),
                .tenant = json_field_string(req, body, "tenant", false, STORE_NAME_MAX - 1),
                .password = json_field_string(req, body, "password", true, PASSWORD_MAX),
        };
        if (fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        else {
                struct actor a = request_actor(req);
                r = account_user_create(req->store, &a, req->now, &spec, &u, &req->errors);
        }
        if (spec.password)
                secret_wipe((char *)spec.password, strlen(spec.password));
        secret_wipe((char *)req->body, req->body_len);
        if (r < 0)
                return r;
        char location[128];
        snprintf(location, sizeof location, "/api/v1/users/%s", u.name);
        response_header_add(resp, "Location", location);
        return user_response(resp, 201, &u);
}

static int find_user(struct request *req, struct store_tx *tx, struct user *u)
{
        int r = store_user_get_by_name(tx, req->params[0], u);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no user '%s'", req->params[0]);
        return r;
}

int user_get(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct user u;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = find_user(req, tx, &u);
        store_rollback(tx);
        if (r < 0)
                return r;
        return user_response(resp, 200, &u);
}

int user_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "role", "tenant", "disabled", "password", NULL };
        struct store_tx *tx = NULL;
        struct user u = { 0 };
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *role = json_field_string(req, body, "role", false, 64);
        json_t *tenant_v = json_object_get(body, "tenant");
        const char *tenant = json_field_string(req, body, "tenant", false, STORE_NAME_MAX - 1);
        int disabled = json_field_bool(req, body, "disabled");
        const char *password = json_field_string(req, body, "password", false, PASSWORD_MAX);
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
                goto out;
        }

        r = store_begin(req->store, &tx);
        if (r < 0)
                goto out;
        r = find_user(req, tx, &u);
        if (r < 0)
                goto out;
        const char *if_match = request_header(req, "If-Match");
        char tag[64];
        etag(&u, tag, sizeof tag);
        if (if_match && strcmp(if_match, "*") != 0 && strcmp(if_match, tag) != 0) {
                request_detail(req, "the user changed since you read it (ETag %s); read it again", tag);
                r = -VG_EPRECONDITION;
                goto out;
        }

        /* Validate the user as it would be after the change. */
        struct user_spec spec = {
                .name = u.name,
                .role = role ? role : role_to_string(u.role),
                .tenant = tenant_v ? tenant : (u.tenant[0] ? u.tenant : NULL),
                .password = password ? password : "unchanged-password",
        };
        r = account_user_check(&spec, &req->errors);
        if (r < 0)
                goto out;
        if (req->who.user.id == u.id && ((role && role_from_string(role) != ROLE_ADMIN) || disabled == 1)) {
                request_detail(req, "an admin may not demote or disable their own account");
                r = -VG_ECONFLICT;
                goto out;
        }

        json_t *change = json_object();
        bool end_sessions = false;
        if (role && role_from_string(role) != u.role) {
                json_object_set_new(change, "role", json_string(role));
                u.role = role_from_string(role);
                end_sessions = true;
        }
        if (tenant_v && strcmp(tenant ? tenant : "", u.tenant) != 0) {
                json_object_set_new(change, "tenant", tenant ? json_string(tenant) : json_null());
                snprintf(u.tenant, sizeof u.tenant, "%s", tenant ? tenant : "");
                end_sessions = true;
        }
        if (disabled >= 0 && (bool)disabled != u.disabled) {
                json_object_set_new(change, "disabled", json_boolean(disabled));
                u.disabled = disabled;
                end_sessions = end_sessions || disabled;
        }
        if (password) {
                r = secret_password_hash(password, u.password_hash);
                json_object_set_new(change, "password_changed", json_true());
                end_sessions = true;
        }
        u.updated_at = req->now > u.updated_at ? req->now : u.updated_at + 1;
        if (r >= 0)
                r = store_user_update(tx, &u);
        /* A change of role, tenant, password or a disable ends the user's
         * sessions: they sign in again under the new rules. */
        if (r >= 0 && end_sessions)
                r = store_session_delete_for_user(tx, u.id);
        if (r >= 0)
                r = request_audit(req, tx, "user.update", "user", u.id, change);
        json_decref(change);
        r = store_finish(tx, r);
        tx = NULL;
out:
        store_rollback(tx);
        if (password)
                secret_wipe((char *)password, strlen(password));
        secret_wipe(u.password_hash, sizeof u.password_hash);
        if (r < 0)
                return r;
        return user_response(resp, 200, &u);
}
