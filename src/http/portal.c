/* The customer portal: a tenant administrator sees its own tenant's
 * released notices (and acknowledges receipt), the status of the
 * incidents that affect its tenant, and reports an incident to the
 * provider. Every route works on the caller's tenant, taken from its
 * account, never from the request; another tenant's notice is "not found".
 * Plus the public status page: advisories per service as JSON and Atom. */
#define _GNU_SOURCE
#include "http/resources.h"

#include "cases/portal.h"
#include "cases/advisories.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int portal_notice(const struct notice *n, vg_usec_t acked_at, void *userdata)
{
        json_t *items = userdata;
        return json_array_append_new(items,
                                     json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)n->id,
                                               "incident_id", (json_int_t)n->incident_id, "version", (json_int_t)n->version,
                                               "kind", n->kind, "nature", n->nature, "user_impact", n->user_impact,
                                               "mitigation", n->mitigation, "next_steps", n->next_steps ? n->next_steps : "",
                                               "next_update_at", json_time(n->next_update_at), "released_at",
                                               json_time(n->released_at), "acknowledged_at", json_time(acked_at)));
}

int api_portal_notices(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *items = json_array(), *v;
        size_t i;
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_notice_list_for_tenant(tx, req->who.user.tenant, portal_notice, items);
                /* The incident's key instead of the internal id. */
                json_array_foreach(items, i, v)
                {
                        struct incident inc = { 0 };
                        if (r >= 0 && store_incident_get_by_id(tx, json_integer_value(json_object_get(v, "incident_id")),
                                                               &inc) >= 0)
                                json_object_set_new(v, "incident", json_string(inc.key));
                        json_object_del(v, "incident_id");
                        incident_fini(&inc);
                }
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:s, s:o}", "tenant", req->who.user.tenant, "items", items));
}

int api_portal_notice_ack(struct request *req, struct response *resp)
{
        long long id;
        struct case_outcome o;
        struct store_tx *tx;
        if (request_id_param(req, 0, "notice", &id) < 0)
                return -VG_ENOTFOUND;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_notice_acknowledge(tx, &a, req->now, req->who.user.tenant, id, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        return response_json(resp, 200, json_pack("{s:I, s:o}", "id", (json_int_t)id, "acknowledged_at", json_time(req->now)));
}

struct mine {
        const char *tenant;
        bool in;
};

static int scope_has(const struct scope_tenant *t, void *userdata)
{
        struct mine *m = userdata;
        m->in |= t->status != TENANT_RULED_OUT && strcmp(t->tenant, m->tenant) == 0;
        return 0;
}

struct portal_list {
        struct store_tx *tx;
        const char *tenant;
        json_t *items;
        bool open_only;
};

static int portal_incident(const struct incident *inc, void *userdata)
{
        struct portal_list *l = userdata;
        struct mine m = { l->tenant, false };
        if (l->open_only && incident_closed(inc->phase))
                return 0;
        int r = store_incident_tenants_list(l->tx, inc->id, scope_has, &m);
        if (r < 0 || !m.in)
                return r; /* ruled out: it does not concern them */
        /* What a customer may know: not the internal title or notes. */
        return json_array_append_new(l->items,
                                     json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "key", inc->key, "phase",
                                               phase_to_string(inc->phase), "severity", severity_to_string(inc->severity),
                                               "declared_at", json_time(inc->declared_at), "closed_at",
                                               json_time(inc->closed_at), "updated_at", json_time(inc->updated_at)));
}

int api_portal_incidents(struct request *req, struct response *resp)
{
        struct incident_filter f = { .phase = PHASE__INVALID, .classification = CLASS__INVALID,
                                     .severity = SEV__INVALID, .tenant = req->who.user.tenant };
        struct portal_list l = { .tenant = req->who.user.tenant, .items = json_array() };
        int r = store_begin_read(req->store, &l.tx);
        if (r >= 0) {
                r = store_incident_list(l.tx, &f, 0, 200, portal_incident, &l);
                store_rollback(l.tx);
        }
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:s, s:o}", "tenant", req->who.user.tenant, "items", l.items));
}

int api_portal_report(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "title", "description", "service", NULL };
        struct customer_report c = { .tenant = req->who.user.tenant };
        struct incident inc = { 0 };
        struct case_outcome o;
        struct store_tx *tx;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        c.title = json_field_string(req, body, "title", true, PORTAL_TITLE_MAX);
        c.description = json_field_string(req, body, "description", false, 20000);
        c.service = json_field_string(req, body, "service", false, STORE_NAME_MAX - 1);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_customer_report(tx, &a, req->now, &req->cfg->portal, &c, &inc, &req->retry_after, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        json_t *out = r >= 0 ? json_pack("{s:s, s:s, s:s}", "key", inc.key, "phase", "analysis", "status", "received")
                             : NULL;
        incident_fini(&inc);
        if (r < 0)
                return r;
        return response_json(resp, 201, out);
}

/* ---- the public status page ---- */

int api_advisory_post(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "service", "state", "message", "incident", NULL };
        struct advisory a = { 0 };
        struct case_outcome o;
        struct store_tx *tx;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *service = json_field_string(req, body, "service", true, STORE_NAME_MAX - 1);
        const char *state = json_field_string(req, body, "state", true, 16);
        a.message = json_field_string(req, body, "message", true, ADVISORY_MESSAGE_MAX);
        const char *incident = json_field_string(req, body, "incident", false, sizeof a.incident - 1);
        if (incident)
                snprintf(a.incident, sizeof a.incident, "%s", incident);
        snprintf(a.service, sizeof a.service, "%s", service ? service : "");
        snprintf(a.state, sizeof a.state, "%s", state ? state : "");
        if (service && state && a.message)
                case_advisory_validate(&a, &req->errors);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor actor = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_advisory_post(tx, &actor, req->now, &a, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        return response_json(resp, 201, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)a.id, "service",
                                                  a.service, "state", a.state, "message", a.message, "posted_at",
                                                  json_time(a.posted_at), "incident",
                                                  a.incident_id ? json_string(a.incident) : json_null()));
}

static int incident_advisory(const struct advisory *a, void *userdata)
{
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)a->id, "service", a->service, "state",
                              a->state, "message", a->message, "posted_by", a->posted_by, "posted_at",
                              json_time(a->posted_at));
        return j ? json_array_append_new(userdata, j) : -ENOMEM;
}

/* The advisories posted about the incident in the path, newest first:
 * staff's view (the public page does not say which incident). */
int api_incident_advisories(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct incident inc = { 0 };
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        json_t *items = json_array();
        r = items ? store_incident_get(tx, req->params[0], &inc) : -ENOMEM;
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no incident %s", req->params[0]);
        if (r >= 0)
                r = store_advisory_list_incident(tx, inc.id, incident_advisory, items);
        incident_fini(&inc);
        store_rollback(tx);
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:s, s:o}", "incident", req->params[0], "items", items));
}

static int advisory_json(const struct advisory *a, void *userdata)
{
        return json_array_append_new(userdata, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)a->id, "service",
                                                         a->service, "state", a->state, "message", a->message, "posted_at",
                                                         json_time(a->posted_at)));
}

static int status_service(const struct org_object *o, void *userdata)
{
        /* Every service is listed; one without an advisory is operational. */
        return json_object_set_new(userdata, o->name,
                                   json_pack("{s:s, s:s, s:n, s:n}", "name", o->name, "state", "operational", "message",
                                             "since")) == 0 ? 0 : -ENOMEM;
}

static int status_latest(const struct advisory *a, void *userdata)
{
        bool resolved = strcmp(a->state, "resolved") == 0;
        return json_object_set_new(userdata, a->service,
                                   json_pack("{s:s, s:s, s:s, s:o}", "name", a->service, "state",
                                             resolved ? "operational" : a->state, "message", a->message, "since",
                                             json_time(a->posted_at))) == 0 ? 0 : -ENOMEM;
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {services, advisories} within tx. */
static int status_json(struct store_tx *tx, json_t **ret)
{
        json_t *by_name = json_object(), *recent = json_array(), *services = json_array(), *v;
        const char **names = NULL;
        const char *k;
        int r = by_name && recent && services ? 0 : -ENOMEM;
        if (r >= 0)
                r = store_org_list(tx, "service", status_service, by_name);
        if (r >= 0)
                r = store_advisory_list(tx, true, 0, status_latest, by_name);
        if (r >= 0)
                r = store_advisory_list(tx, false, 50, advisory_json, recent);
        /* Services by name. */
        size_t n = json_object_size(by_name), i = 0;
        if (r >= 0 && !(names = calloc(n ? n : 1, sizeof *names)))
                r = -ENOMEM;
        if (r >= 0) {
                json_object_foreach(by_name, k, v) names[i++] = k;
                qsort(names, n, sizeof *names, cmp_name);
                for (i = 0; i < n && r >= 0; i++)
                        r = json_array_append(services, json_object_get(by_name, names[i])) == 0 ? 0 : -ENOMEM;
        }
        free(names);
        json_decref(by_name);
        if (r < 0) {
                json_decref(services);
                json_decref(recent);
                return r;
        }
        *ret = json_pack("{s:o, s:o}", "services", services, "advisories", recent);
        return *ret ? 0 : -ENOMEM;
}

int api_status_get(struct request *req, struct response *resp)
{
        /* A browser gets the page, which reads this as JSON. */
        if (request_wants_html(req))
                return response_web_file(req, resp, "status.html");
        struct store_tx *tx;
        json_t *out = NULL;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = status_json(tx, &out);
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, out);
}

/* A tenant administrator's view of service health: the public status plus
 * the open incidents that concern its tenant. */
int api_portal_status(struct request *req, struct response *resp)
{
        struct incident_filter f = { .phase = PHASE__INVALID, .classification = CLASS__INVALID,
                                     .severity = SEV__INVALID, .tenant = req->who.user.tenant };
        struct portal_list l = { .tenant = req->who.user.tenant, .items = json_array(), .open_only = true };
        json_t *out = NULL;
        int r = store_begin_read(req->store, &l.tx);
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        r = status_json(l.tx, &out);
        if (r >= 0)
                r = store_incident_list(l.tx, &f, 0, 200, portal_incident, &l);
        store_rollback(l.tx);
        if (r < 0) {
                json_decref(out);
                json_decref(l.items);
                return r;
        }
        json_object_set_new(out, "tenant", json_string(req->who.user.tenant));
        json_object_set_new(out, "open_incidents", l.items);
        return response_json(resp, 200, out);
}


struct atom {
        struct buf b;
        const char *base;
};

static int atom_entry(const struct advisory *a, void *userdata)
{
        struct atom *x = userdata;
        char t[VG_RFC3339_MAX];
        vg_time_format(a->posted_at, t);
        int r = buf_printf(&x->b, "<entry><id>");
        if (r >= 0)
                r = buf_append_xml_text(&x->b, x->base);
        if (r >= 0)
                r = buf_printf(&x->b, "/status#advisory-%lld</id><title>", (long long)a->id);
        if (r >= 0)
                r = buf_append_xml_text(&x->b, a->service);
        /* The service speaks, never the staff member who posted it (the
         * audit record and the console know who did): a public feed is no
         * directory of the response team. */
        if (r >= 0)
                r = buf_printf(&x->b, ": %s</title><updated>%s</updated><author><name>", a->state, t);
        if (r >= 0)
                r = buf_append_xml_text(&x->b, a->service);
        if (r >= 0)
                r = buf_printf(&x->b, "</name></author><content type=\"text\">");
        if (r >= 0)
                r = buf_append_xml_text(&x->b, a->message);
        if (r >= 0)
                r = buf_printf(&x->b, "</content></entry>\n");
        return r;
}

static int atom_newest(const struct advisory *a, void *userdata)
{
        *(vg_usec_t *)userdata = a->posted_at; /* asked for one: the newest */
        return 0;
}

int api_status_atom(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct atom x = { .base = req->cfg->public_url };
        vg_usec_t newest = 0;
        char updated[VG_RFC3339_MAX];
        buf_init(&x.b, 4u << 20);
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_advisory_list(tx, false, 1, atom_newest, &newest);
        /* The feed changes when an advisory is posted, not on every read. */
        vg_time_format(newest ? newest : 0, updated);
        if (r >= 0)
                r = buf_printf(&x.b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                     "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>Service status</title><id>");
        if (r >= 0)
                r = buf_append_xml_text(&x.b, x.base);
        if (r >= 0)
                r = buf_printf(&x.b, "/status</id><updated>%s</updated><link rel=\"self\" href=\"", updated);
        if (r >= 0)
                r = buf_append_xml_text(&x.b, x.base);
        if (r >= 0)
                r = buf_printf(&x.b, "/status.atom\"/>\n");
        if (r >= 0)
                r = store_advisory_list(tx, false, 50, atom_entry, &x);
        if (r >= 0)
                r = buf_printf(&x.b, "</feed>\n");
        store_rollback(tx);
        if (r < 0) {
                buf_release(&x.b);
                return r;
        }
        size_t len;
        char *text = buf_detach(&x.b, &len);
        if (!text)
                return -ENOMEM;
        return response_text(resp, 200, "application/atom+xml; charset=utf-8", text, len);
}
