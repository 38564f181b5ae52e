/* Integration keys (admins), which the PagerDuty Events API v2 door
 * (POST /v2/enqueue, an intake source: intake/sources.c) authenticates
 * with. A key is bound to a service; it is shown once and stored as its
 * digest. */
#include "http/resources.h"

#include "base/secret.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "vgi_"

static json_t *key_json(const struct integration_key *k)
{
        return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)k->id, "service", k->service,
                         "name", k->name, "prefix", k->prefix, "created_by", k->created_by, "created_at",
                         json_time(k->created_at), "revoked_at", json_time(k->revoked_at));
}

int api_integration_key_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "service", "name", NULL };
        struct integration_key k = { 0 };
        char secret[SECRET_TOKEN_MAX];
        struct store_tx *tx;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *service = json_field_string(req, body, "service", true, STORE_NAME_MAX - 1);
        const char *name = json_field_string(req, body, "name", true, STORE_NAME_MAX - 1);
        if (service && !tenant_id_valid(service))
                fielderr_add(&req->errors, "service", "a service name is 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'");
        if (name && !text_valid(name, STORE_NAME_MAX - 1))
                fielderr_add(&req->errors, "name", "must be 1 to %d bytes of text on one line", STORE_NAME_MAX - 1);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        r = secret_token_new(KEY_PREFIX, secret, sizeof secret);
        if (r < 0)
                return r;
        snprintf(k.service, sizeof k.service, "%s", service);
        snprintf(k.name, sizeof k.name, "%s", name);
        snprintf(k.prefix, sizeof k.prefix, "%.10s", secret);
        secret_token_digest(secret, k.key_hash);
        snprintf(k.created_by, sizeof k.created_by, "%s", req->who.user.name);
        k.created_at = req->now;
        r = store_begin(req->store, &tx);
        if (r >= 0) {
                r = store_integration_key_insert(tx, &k);
                if (r >= 0) {
                        json_t *change = key_json(&k);
                        r = request_audit(req, tx, "integration_key.create", "integration_key", k.id, change);
                        json_decref(change);
                }
                r = store_finish(tx, r);
        }
        if (r >= 0) {
                json_t *j = key_json(&k);
                json_object_set_new(j, "key", json_string(secret));
                r = response_json(resp, 201, j);
        }
        secret_wipe(secret, sizeof secret);
        return r;
}

static int add_key(const struct integration_key *k, void *userdata)
{
        return json_array_append_new(userdata, key_json(k)) == 0 ? 0 : -ENOMEM;
}

int api_integration_key_list(struct request *req, struct response *resp)
{
        json_t *items = json_array();
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_integration_key_list(tx, add_key, items);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}

int api_integration_key_revoke(struct request *req, struct response *resp)
{
        long long id;
        struct store_tx *tx;
        if (request_id_param(req, 0, "integration key", &id) < 0)
                return -VG_ENOTFOUND;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_integration_key_revoke(tx, id, req->now);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no live integration key %lld", id);
        if (r >= 0)
                r = request_audit(req, tx, "integration_key.revoke", "integration_key", id, NULL);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}
