/* Customer notices at the API: compose, list, release. What a notice
 * must say, who may release it and what releasing sends are the use
 * cases' (src/cases/notices.c). */
#include "http/resources.h"

#include "cases/notices.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tenants the composer named: an entry that is not a string stays
 * NULL (the use case names it as not in scope). */
static int draft_tenants(json_t *tenants, const char ***ret)
{
        size_t n = json_array_size(tenants);
        const char **v = calloc(n ? n : 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = json_string_value(json_array_get(tenants, i));
        *ret = v;
        return 0;
}

int api_notice_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "kind", "nature", "user_impact", "mitigation", "next_steps",
                                              "next_update_at", "tenants", NULL };
        struct case_outcome o;
        struct store_tx *tx;
        json_t *body, *j = NULL;
        const char **named = NULL;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        struct notice_draft d = {
                .kind = json_field_string(req, body, "kind", true, 16),
                .nature = json_field_string(req, body, "nature", true, NOTICE_TEXT_MAX),
                .user_impact = json_field_string(req, body, "user_impact", true, NOTICE_TEXT_MAX),
                .mitigation = json_field_string(req, body, "mitigation", true, NOTICE_TEXT_MAX),
                .next_steps = json_field_string(req, body, "next_steps", false, NOTICE_TEXT_MAX),
        };
        const char *next = json_field_string(req, body, "next_update_at", false, 64);
        if (next)
                request_time(req, "next_update_at", next, VG_TIME_MAX, &d.next_update_at);
        json_t *tenants = json_object_get(body, "tenants");
        if (tenants && (!json_is_array(tenants) || !json_array_size(tenants)))
                fielderr_add(&req->errors, "tenants", "must be a list of tenant ids in the incident's scope");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        if (tenants) {
                r = draft_tenants(tenants, &named);
                if (r < 0)
                        return r;
                d.tenants = named;
                d.n_tenants = json_array_size(tenants);
        }
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0) {
                r = case_notice_compose(tx, &a, req->now, req->params[0], &d, &j, &o);
                request_outcome(req, &o);
                r = store_finish(tx, r);
        }
        free(named);
        if (r < 0) {
                json_decref(j);
                return r;
        }
        return response_json(resp, 201, j);
}

struct notice_list {
        struct store_tx *tx;
        json_t *items;
};

static int add_delivery(const struct notice_delivery *d, void *userdata)
{
        return json_array_append_new(userdata,
                                     json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "tenant", d->tenant, "channel", d->channel,
                                               "address", d->address, "status", d->status, "attempts", d->attempts,
                                               "last_result", d->last_result ? d->last_result : ""));
}

static int add_ack(const struct notice_ack *a, void *userdata)
{
        return json_array_append_new(userdata, json_pack("{s:s, s:s, s:o}", "tenant", a->tenant, "by", a->by, "at",
                                                         json_time(a->at)));
}

static int add_notice(const struct notice *n, void *userdata)
{
        struct notice_list *l = userdata;
        json_t *j = case_notice_json(n), *deliveries = json_array(), *acks = json_array();
        int r = j ? store_notice_delivery_list(l->tx, n->id, add_delivery, deliveries) : -ENOMEM;
        if (r >= 0)
                r = store_notice_ack_list(l->tx, n->id, add_ack, acks);
        json_object_set_new(j, "deliveries", deliveries);
        json_object_set_new(j, "acknowledgements", acks);
        return r < 0 ? r : json_array_append_new(l->items, j);
}

/* The notices of the incident in the path, read in tx: the list's read
 * transaction, or a release's own, so that it answers with what it wrote
 * before it commits. */
static int notice_list(struct request *req, struct response *resp, struct store_tx *tx)
{
        struct notice_list l = { .tx = tx, .items = json_array() };
        struct incident inc = { 0 };
        int r = request_incident_load(req, tx, &inc);
        if (r >= 0)
                r = store_notice_list(tx, inc.id, add_notice, &l);
        incident_fini(&inc);
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", l.items));
}

int api_notice_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = notice_list(req, resp, tx);
        store_rollback(tx);
        return r;
}

int api_notice_release(struct request *req, struct response *resp)
{
        const struct notice_policy p = { .two_person = req->cfg->notices.two_person_sev,
                                         .n_two_person = req->cfg->notices.n_two_person,
                                         .templates = req->templates,
                                         .rules = req->rules,
                                         .provider = &req->cfg->provider };
        struct case_outcome o;
        struct store_tx *tx;
        long long id;
        if (request_id_param(req, 1, "notice", &id) < 0)
                return -VG_ENOTFOUND;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_notice_release(tx, &a, req->now, &p, req->params[0], id, NULL, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = notice_list(req, resp, tx);
        return store_finish(tx, r);
}

/* What notice {id} of incident {key} would send ?tenant=, as the release
 * would send it (case_notice_preview): read for the second person of the
 * two-person rule, and for whoever composed it. */
int api_notice_preview(struct request *req, struct response *resp)
{
        struct case_outcome o;
        struct store_tx *tx;
        long long id;
        if (request_id_param(req, 1, "notice", &id) < 0)
                return -VG_ENOTFOUND;
        const char *tenant = request_query(req, "tenant");
        if (!tenant || !tenant_id_valid(tenant))
                fielderr_add(&req->errors, "tenant", "must name one of the notice's tenants");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        json_t *j = NULL;
        r = case_notice_preview(tx, req->templates, req->params[0], id, tenant, &j, &o);
        request_outcome(req, &o);
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, j);
}
