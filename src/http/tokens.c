/* API tokens: for scripts and the CLI. The secret is shown once, in the
 * answer to POST, and stored only as its digest. A token acts as the user
 * who made it, with that user's role (and tenant). */
#include "http/auth.h"
#include "http/resources.h"

#include "base/secret.h"
#include "cases/account.h"
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
        struct api_token t;
        struct case_outcome o;
        char secret[SECRET_TOKEN_MAX];
        struct store_tx *tx;
        json_t *body;
        int64_t ttl = 0;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *name = json_field_string(req, body, "name", true, STORE_NAME_MAX - 1);
        json_field_int(req, body, "expires_in", 1, TOKEN_TTL_MAX, &ttl);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = account_token_create(tx, &a, req->now, TOKEN_PREFIX_API, name, ttl, &t, secret, sizeof secret, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        if (r >= 0) {
                json_t *j = token_json(&t);
                json_object_set_new(j, "token", json_string(secret));
                r = response_json(resp, 201, j);
        }
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
        struct case_outcome o;
        struct store_tx *tx;
        long long id;
        if (request_id_param(req, 0, "token", &id) < 0)
                return -VG_ENOTFOUND;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = account_token_revoke(tx, &a, req->who.user.role, req->now, id, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}
