/* The audit chain, for auditors and admins: the records, and a walk that
 * recomputes every link and names the first broken one. */
#include "http/resources.h"

#include "base/secret.h"
#include "core/error.h"

#include <errno.h>

struct list_ctx {
        json_t *items;
        int64_t last;
};

static int list_one(const struct audit_record *a, void *userdata)
{
        struct list_ctx *c = userdata;
        char hash[2 * STORE_HASH_BYTES + 1], prev[2 * STORE_HASH_BYTES + 1];
        json_t *change = json_loads(a->change, 0, NULL);

        secret_hex(a->hash, STORE_HASH_BYTES, hash);
        secret_hex(a->prev_hash, STORE_HASH_BYTES, prev);
        c->last = a->seq;
        json_t *j = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "seq",
                              (json_int_t)a->seq, "at", json_time(a->at), "actor", a->actor,
                              "action", a->action, "object", a->object, "request_id", a->request_id,
                              "change", change ? change : json_string(a->change), "hash", hash,
                              "prev_hash", prev);
        return json_array_append_new(c->items, j) == 0 ? 0 : -ENOMEM;
}

int audit_list(struct request *req, struct response *resp)
{
        struct list_ctx c = { .items = json_array() };
        struct store_tx *tx;
        int64_t after;
        unsigned limit;
        int r;

        r = request_page(req, &after, &limit);
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r < 0) {
                json_decref(c.items);
                return r;
        }
        r = store_audit_list(tx, after, limit, list_one, &c);
        store_rollback(tx);
        if (r < 0) {
                json_decref(c.items);
                return r;
        }
        return response_json(resp, 200, page_wrap(c.items, limit, c.last));
}

int audit_verify(struct request *req, struct response *resp)
{
        struct audit_verify v;
        int r = store_audit_verify(req->store, &v);
        if (r < 0)
                return r;
        json_t *j = json_pack("{s:b, s:I, s:s}", "ok", v.ok, "records", (json_int_t)v.records,
                              "head_hash", v.head_hash);
        if (j && !v.ok) {
                json_object_set_new(j, "first_bad_seq", json_integer(v.first_bad_seq));
                json_object_set_new(j, "reason", json_string(v.reason));
        }
        return response_json(resp, 200, j);
}
