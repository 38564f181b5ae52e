/* API tokens: for scripts and the CLI. The secret is shown once, in the
 * answer to POST, and stored only as its digest. A token acts as the user
 * who made it, with that user's role (and tenant). */
#include "http/auth.h"
#include "http/resources.h"

#include "base/secret.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_TTL_MAX (INT64_C(5) * 366 * 86400)

static json_t *token_json(const struct api_token *t)
{
        return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)t->id,
                         "user_id", (json_int_t)t->user_id, "name", t->name, "prefix", t->prefix,
                         "created_at", json_time(t->created_at), "expires_at",
                         json_time(t->expires_at), "revoked_at", json_time(t->revoked_at),
                         "last_used_at", json_time(t->last_used));
}

int api_token_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "name", "expires_in", NULL };
        struct api_token t = { 0 };
        char secret[SECRET_TOKEN_MAX];
        struct store_tx *tx;
        json_t *body;
        int64_t ttl = 0;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *name = json_field_string(req, body, "name", true, STORE_NAME_MAX - 1);
        if (name && !text_valid(name, STORE_NAME_MAX - 1))
                fielderr_add(&req->errors, "name", "must be printable text without control characters");
        json_field_int(req, body, "expires_in", 1, TOKEN_TTL_MAX, &ttl);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        r = secret_token_new(TOKEN_PREFIX_API, secret, sizeof secret);
        if (r < 0)
                return r;
        t.user_id = req->who.user.id;
        snprintf(t.name, sizeof t.name, "%s", name);
        snprintf(t.prefix, sizeof t.prefix, "%.10s", secret);
        secret_token_digest(secret, t.token_hash);
        t.created_at = req->now;
        t.expires_at = ttl ? req->now + ttl * VG_USEC_PER_SEC : 0;

        r = store_begin(req->store, &tx);
        if (r < 0)
                goto out;
        r = store_token_insert(tx, &t);
        if (r >= 0) {
                json_t *change = json_pack("{s:s, s:I, s:o}", "name", t.name, "user_id",
                                           (json_int_t)t.user_id, "expires_at", json_time(t.expires_at));
                r = request_audit(req, tx, "token.create", "token", t.id, change);
                json_decref(change);
        }
        r = store_finish(tx, r);
        if (r < 0)
                goto out;
        json_t *j = token_json(&t);
        json_object_set_new(j, "token", json_string(secret));
        r = response_json(resp, 201, j);
out:
        secret_wipe(secret, sizeof secret);
        return r;
}

static int list_one(const struct api_token *t, void *userdata)
{
        return page_add(userdata, t->id, token_json(t));
}

int api_token_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct page pg;
        int r = page_begin(req, &pg);
        const char *all = request_query(req, "all");
        bool every_user = all && strcmp(all, "true") == 0;
        if (r >= 0 && every_user && req->who.user.role != ROLE_ADMIN) {
                request_detail(req, "only an admin may list every user's tokens");
                r = -VG_EFORBIDDEN;
        }
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_token_list(tx, every_user ? 0 : req->who.user.id, pg.after, pg.limit,
                                     list_one, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}

int api_token_revoke(struct request *req, struct response *resp)
{
        struct api_token t;
        struct store_tx *tx;
        long long id;
        if (request_id_param(req, 0, "token", &id) < 0)
                return -VG_ENOTFOUND;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_token_get(tx, id, &t);
        /* Another user's token is "not found" unless you are an admin: its
         * existence is not yours to learn. */
        if (r >= 0 && t.user_id != req->who.user.id && req->who.user.role != ROLE_ADMIN)
                r = -VG_ENOTFOUND;
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no token %lld", id);
        if (r >= 0 && t.revoked_at) {
                request_detail(req, "token %lld is already revoked", id);
                r = -VG_ECONFLICT;
        }
        if (r >= 0)
                r = store_token_revoke(tx, id, req->now);
        if (r >= 0) {
                json_t *change = json_pack("{s:s, s:I}", "name", t.name, "user_id", (json_int_t)t.user_id);
                r = request_audit(req, tx, "token.revoke", "token", id, change);
                json_decref(change);
        }
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}
