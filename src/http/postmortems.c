/* Post-mortems and their improvements. A post-mortem belongs to an
 * incident: summary, impact, a narrative beside the timeline generated from
 * the audit records, what went well, and contributing factors (each
 * classified); every factor leads to at least one improvement, tracked to
 * done with a verification note. An incident manager other than its last
 * editor approves it; approved, it is what lets a customer-impacting
 * incident or a data breach close. Markdown is rendered by report/markdown.c
 * (GitHub's tables and line breaks; raw HTML and dangerous links are
 * dropped). */
#define _GNU_SOURCE
#include "http/resources.h"

#include "cases/postmortem.h"
#include "core/error.h"
#include "core/names.h"
#include "report/markdown.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---- */

/* The incident the path names, and its post-mortem. */
static int pm_load(struct request *req, struct store_tx *tx, struct incident *inc, struct pm_doc *d)
{
        memset(d, 0, sizeof *d);
        int r = request_incident_load(req, tx, inc);
        return r < 0 ? r : case_postmortem_read(tx, inc->id, d);
}

/* Answer with improvement r, naming its incident. */
static int improvement_answer(struct request *req, struct response *resp, const struct improvement_result *r,
                              unsigned status)
{
        json_t *j = case_improvement_json(&r->i, req->now);
        if (!j)
                return -ENOMEM;
        json_object_set_new(j, "incident", json_string(r->incident));
        return response_json(resp, status, j);
}

struct imp_list {
        json_t *items;
        vg_usec_t now;
        struct store_tx *tx;
        bool with_incident;
};

static int add_improvement(const struct improvement *i, void *userdata)
{
        struct imp_list *l = userdata;
        json_t *j = case_improvement_json(i, l->now);
        if (j && l->with_incident) {
                struct incident inc = { 0 };
                int r = store_incident_get_by_id(l->tx, i->incident_id, &inc);
                if (r < 0) {
                        json_decref(j);
                        return r;
                }
                json_object_set_new(j, "incident", json_string(inc.key));
                incident_fini(&inc);
        }
        return j ? json_array_append_new(l->items, j) : -ENOMEM;
}

static int add_event(const struct audit_record *a, void *userdata)
{
        json_t *change = json_loads(a->change, 0, NULL);
        return json_array_append_new(userdata, json_pack("{s:I, s:o, s:s, s:s, s:o}", "seq", (json_int_t)a->seq, "at",
                                                         json_time(a->at), "actor", a->actor, "action", a->action,
                                                         "change", change ? change : json_null()));
}

/* Markdown to HTML; NULL on failure. */
static json_t *markdown(const char *text)
{
        char *html = NULL;
        json_t *j = markdown_html(text ? text : "", text ? strlen(text) : 0, &html) >= 0 ? json_string(html) : NULL;
        free(html);
        return j;
}

static bool pm_required(struct store_tx *tx, const struct incident *inc, int *r);

int api_postmortem_get(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct pm_doc c = { 0 };
        struct field_errors unmet;
        struct store_tx *tx;
        struct imp_list l = { .items = json_array(), .now = req->now };
        json_t *timeline = json_array(), *out = NULL;
        fielderr_init(&unmet);
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                l.tx = tx;
                r = pm_load(req, tx, &inc, &c);
                if (r >= 0 && !c.found) {
                        request_detail(req, "%s has no post-mortem yet; PUT one", inc.key);
                        r = -VG_ENOTFOUND;
                }
                struct improvement_filter f = { .incident_id = inc.id };
                if (r >= 0)
                        r = store_improvement_list(tx, &f, add_improvement, &l);
                char object[64];
                snprintf(object, sizeof object, "incident:%s", inc.key);
                if (r >= 0)
                        r = store_audit_list_object(tx, object, 0, 10000, add_event, timeline);
                bool required = r >= 0 ? pm_required(tx, &inc, &r) : false;
                /* Unmet criteria are part of the answer, not a failure. */
                int u = r >= 0 ? case_postmortem_unmet(tx, inc.id, c.body, &unmet) : 0;
                if (u < 0 && u != -VG_ECONFLICT)
                        r = u;
                store_rollback(tx);
                if (r >= 0) {
                        json_t *missing = json_array(), *html = json_object();
                        for (size_t i = 0; i < unmet.n; i++)
                                json_array_append_new(missing, json_pack("{s:s, s:s}", "field", unmet.e[i].field,
                                                                         "message", unmet.e[i].message));
                        for (size_t i = 0; i < PM_TEXTS; i++) {
                                json_t *h = markdown(json_string_value(json_object_get(c.body, case_pm_texts[i])));
                                if (!h)
                                        r = -ENOMEM;
                                json_object_set_new(html, case_pm_texts[i], h ? h : json_null());
                        }
                        out = json_deep_copy(c.body);
                        json_t *meta = json_pack("{s:s, s:s, s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:b}",
                                                          "incident", inc.key, "status", c.p.status, "version",
                                                          (json_int_t)c.p.version, "updated_by", c.p.updated_by,
                                                          "updated_at", json_time(c.p.updated_at), "approved_by",
                                                          c.p.approved_by, "approved_at", json_time(c.p.approved_at),
                                                          "improvements", json_incref(l.items), "timeline",
                                                          json_incref(timeline), "html", html, "missing", missing,
                                                          "required", required);
                        if (!out || !meta || json_object_update(out, meta) < 0)
                                r = -ENOMEM;
                        json_decref(meta);
                }
        }
        pm_doc_fini(&c);
        json_decref(l.items);
        json_decref(timeline);
        incident_fini(&inc);
        if (r < 0) {
                json_decref(out);
                return r;
        }
        return response_json(resp, 200, out);
}

static int tally_impacting(const struct scope_tenant *t, void *userdata)
{
        *(bool *)userdata |= incident_tenant_impacting(t->status);
        return 0;
}

/* Customer-impacting or a data breach (core/incident.h). */
static bool pm_required(struct store_tx *tx, const struct incident *inc, int *r)
{
        bool impacting = false;
        *r = store_incident_tenants_list(tx, inc->id, tally_impacting, &impacting);
        return incident_postmortem_required(
                impacting, incident_is_data_breach(inc->classification, &inc->impact, inc->data_categories));
}

/* ---- writing ---- */

int api_postmortem_put(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "summary", "impact", "narrative", "went_well", "factors", NULL };
        const char *texts[PM_TEXTS];
        struct pm_result res = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        /* Markdown: any text (JSON strings are UTF-8 without NULs) up to the limit. */
        for (size_t i = 0; i < PM_TEXTS; i++)
                texts[i] = json_field_string(req, body, case_pm_texts[i], false, PM_TEXT_MAX);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_postmortem_put(tx, &a, req->now, req->params[0], texts, json_object_get(body, "factors"),
                                        &res, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = response_json(resp, res.created ? 201 : 200,
                                  json_pack("{s:s, s:s, s:I, s:O}", "incident", res.incident, "status", "draft",
                                            "version", (json_int_t)res.p.version, "factors", res.factors));
        r = tx ? store_finish(tx, r) : r;
        pm_result_fini(&res);
        return r;
}

/* approve or reopen */
static int pm_decide(struct request *req, struct response *resp, bool approve)
{
        static const char *const fields[] = { "reason", NULL };
        struct pm_result res = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *reason = json_field_string(req, body, "reason", !approve, 4096);
        if (reason && (!*reason || !text_valid(reason, 4096)))
                fielderr_add(&req->errors, "reason", "must say why");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = (approve ? case_postmortem_approve : case_postmortem_reopen)(tx, &a, req->now, req->params[0],
                                                                               reason, &res, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = response_json(resp, 200,
                                  json_pack("{s:s, s:s, s:I, s:s, s:o}", "incident", res.incident, "status",
                                            res.p.status, "version", (json_int_t)res.p.version, "approved_by",
                                            res.p.approved_by, "approved_at", json_time(res.p.approved_at)));
        r = tx ? store_finish(tx, r) : r;
        pm_result_fini(&res);
        return r;
}

int api_postmortem_approve(struct request *req, struct response *resp)
{
        return pm_decide(req, resp, true);
}

int api_postmortem_reopen(struct request *req, struct response *resp)
{
        return pm_decide(req, resp, false);
}

/* ---- improvements ---- */

/* The fields of an improvement's body into *c; their own rules checked. */
static void parse_improvement(struct request *req, json_t *body, bool create, struct improvement_change *c)
{
        c->factor = create ? json_field_string(req, body, "factor", true, 15) : NULL;
        c->title = json_field_string(req, body, "title", create, IMPROVEMENT_TITLE_MAX);
        c->owner = json_field_string(req, body, "owner", create, STORE_NAME_MAX - 1);
        c->kind = json_field_string(req, body, "kind", create, 15);
        c->status = create ? NULL : json_field_string(req, body, "status", false, 15);
        c->verification =
                create ? NULL : json_field_string(req, body, "verification", false, IMPROVEMENT_VERIFICATION_MAX);
        const char *due = json_field_string(req, body, "due_at", create, 64);
        c->has_due = due && request_time(req, "due_at", due, VG_TIME_MAX, &c->due_at);
        case_improvement_validate(c, &req->errors);
}

int api_improvement_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "factor", "title", "owner", "kind", "due_at", NULL };
        struct improvement_change c = { 0 };
        struct improvement_result res;
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        parse_improvement(req, body, true, &c);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_improvement_create(tx, &a, req->now, req->params[0], &c, &res, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = improvement_answer(req, resp, &res, 201);
        return tx ? store_finish(tx, r) : r;
}

int api_improvement_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "title", "owner", "kind", "due_at", "status", "verification", NULL };
        struct improvement_change c = { 0 };
        struct improvement_result res;
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        long long id;
        if (request_id_param(req, 0, "improvement", &id) < 0)
                return -VG_ENOTFOUND;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        parse_improvement(req, body, false, &c);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_improvement_update(tx, &a, req->now, id, &c, &res, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = improvement_answer(req, resp, &res, 200);
        return tx ? store_finish(tx, r) : r;
}

int api_improvement_list(struct request *req, struct response *resp)
{
        struct improvement_filter f = { 0 };
        struct imp_list l = { .now = req->now, .with_incident = true };
        struct incident inc = { 0 };
        const char *v;
        if ((v = request_query(req, "owner")) && !tenant_id_valid(v))
                fielderr_add(&req->errors, "owner", "not a user name");
        f.owner = v;
        if ((v = request_query(req, "status")) && !improvement_status_valid(v) && strcmp(v, "undone") != 0)
                fielderr_add(&req->errors, "status", "must be open, in_progress, done or undone");
        f.status = v;
        if ((v = request_query(req, "overdue"))) {
                if (strcmp(v, "true") != 0)
                        fielderr_add(&req->errors, "overdue", "only overdue=true");
                f.status = "undone";
                f.due_before = req->now;
        }
        const char *key = request_query(req, "incident");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        l.items = json_array();
        int r = store_begin_read(req->store, &l.tx);
        if (r >= 0) {
                if (key) {
                        r = store_incident_get(l.tx, key, &inc);
                        if (r == -VG_ENOTFOUND)
                                request_detail(req, "no incident %s", key);
                        f.incident_id = inc.id;
                }
                if (r >= 0)
                        r = store_improvement_list(l.tx, &f, add_improvement, &l);
                store_rollback(l.tx);
        }
        incident_fini(&inc);
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", l.items));
}
