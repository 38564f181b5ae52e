/* The audit chain, for auditors and admins: the records, and a walk that
 * recomputes every link and names the first broken one. */
#include "http/resources.h"

#include "base/secret.h"
#include "core/error.h"

#include <errno.h>

json_t *audit_record_json(const struct audit_record *a)
{
        char hash[2 * STORE_HASH_BYTES + 1], prev[2 * STORE_HASH_BYTES + 1];
        json_t *change = json_loads(a->change, 0, NULL);

        secret_hex(a->hash, STORE_HASH_BYTES, hash);
        secret_hex(a->prev_hash, STORE_HASH_BYTES, prev);
        return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "seq", (json_int_t)a->seq,
                         "at", json_time(a->at), "actor", a->actor, "action", a->action, "object",
                         a->object, "request_id", a->request_id, "change",
                         change ? change : json_string(a->change), "hash", hash, "prev_hash", prev);
}

static int list_one(const struct audit_record *a, void *userdata)
{
        return page_add(userdata, a->seq, audit_record_json(a));
}

static const struct page_sort audit_sorts[] = { { "seq", false }, { "-seq", false }, { NULL, false } };

int api_audit_list(struct request *req, struct response *resp)
{
        struct audit_filter f = { .actor = request_query_text(req, "actor", 200),
                                  .action = request_query_text(req, "action", 200),
                                  .object = request_query_text(req, "object", 300),
                                  .text = request_query_text(req, "q", AUDIT_TEXT_MAX) };
        struct store_tx *tx;
        struct page pg;
        const char *v;
        if ((v = request_query(req, "from")))
                request_time(req, "from", v, VG_TIME_MAX, &f.from);
        if ((v = request_query(req, "to")))
                request_time(req, "to", v, VG_TIME_MAX, &f.to);
        if (f.from && f.to && f.to <= f.from)
                fielderr_add(&req->errors, "to", "must be after from");
        int r = page_begin_sorted(req, &pg, audit_sorts);
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        f.newest_first = pg.sort == 1;
        f.after_seq = pg.after;
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_audit_find(tx, &f, pg.limit, list_one, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}

int api_audit_verify(struct request *req, struct response *resp)
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
