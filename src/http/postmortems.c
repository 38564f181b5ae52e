/* Post-mortems and their improvements. A post-mortem belongs to an
 * incident: summary, impact, a narrative beside the timeline generated from
 * the audit records, what went well, and contributing factors (each
 * classified); every factor leads to at least one improvement, tracked to
 * done with a verification note. An incident manager other than its last
 * editor approves it; approved, it is what lets a customer-impacting
 * incident or a data breach close. Markdown is rendered with libcmark
 * (safe mode: raw HTML and dangerous links are dropped). */
#define _GNU_SOURCE
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"
#include "core/postmortem.h"

#include <cmark.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PM_TEXT_MAX 100000
#define PM_FACTORS_MAX 50
#define IMPROVEMENT_TITLE_MAX 300
#define REMIND_EVERY (7 * 24 * 3600 * VG_USEC_PER_SEC)

static const char *const pm_texts[] = { "summary", "impact", "narrative", "went_well" };

/* ---- reading ---- */

struct pm_copy {
        bool found;
        struct postmortem p;
        json_t *body;
};

static int pm_copy(const struct postmortem *p, void *userdata)
{
        struct pm_copy *c = userdata;
        c->found = true;
        c->p = *p;
        c->p.body = NULL;
        c->body = json_loads(p->body, 0, NULL);
        return c->body ? 0 : -VG_ESTORE;
}

/* The post-mortem of an incident, if it has one (c->found). */
static int pm_get(struct store_tx *tx, int64_t incident_id, struct pm_copy *c)
{
        memset(c, 0, sizeof *c);
        int r = store_postmortem_get(tx, incident_id, pm_copy, c);
        return r == -VG_ENOTFOUND ? 0 : r;
}

/* The incident the path names, and its post-mortem. */
static int pm_load(struct request *req, struct store_tx *tx, struct incident *inc, struct pm_copy *c)
{
        memset(c, 0, sizeof *c);
        int r = request_incident_load(req, tx, inc);
        return r < 0 ? r : pm_get(tx, inc->id, c);
}

static json_t *improvement_json(const struct improvement *i, vg_usec_t now)
{
        bool undone = strcmp(i->status, "done") != 0;
        return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:b}", "id", (json_int_t)i->id,
                         "factor", i->factor, "title", i->title, "owner", i->owner, "kind", i->kind, "due_at",
                         json_time(i->due_at), "status", i->status, "verification", i->verification ? i->verification : "",
                         "done_at", json_time(i->done_at), "created_by", i->created_by, "created_at",
                         json_time(i->created_at), "updated_at", json_time(i->updated_at), "overdue",
                         undone && i->due_at < now);
}

/* Audit a change of an improvement and answer with it, naming its incident. */
static int improvement_answer(struct request *req, struct store_tx *tx, struct response *resp,
                              const struct improvement *imp, const char *incident, const char *action, unsigned status)
{
        json_t *j = improvement_json(imp, req->now);
        int r = request_audit_incident(req, tx, action, incident, j);
        if (r >= 0) {
                json_object_set_new(j, "incident", json_string(incident));
                r = response_json(resp, status, json_incref(j));
        }
        json_decref(j);
        return r;
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
        json_t *j = improvement_json(i, l->now);
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
        char *html = cmark_markdown_to_html(text ? text : "", text ? strlen(text) : 0, CMARK_OPT_DEFAULT);
        json_t *j = html ? json_string(html) : NULL;
        free(html);
        return j;
}

/* The post-mortem's unmet approval criteria into errs; 0 or -VG_ECONFLICT. */
static int pm_check(json_t *body, json_t *improvements, struct field_errors *errs)
{
        struct pm_factor factors[PM_FACTORS_MAX];
        json_t *factors_j = json_object_get(body, "factors"), *f, *i;
        size_t k, m, n = 0;
        json_array_foreach(factors_j, k, f)
        {
                if (n == PM_FACTORS_MAX)
                        break;
                factors[n].id = json_string_value(json_object_get(f, "id"));
                factors[n].improvements = 0;
                json_array_foreach(improvements, m, i)
                        factors[n].improvements +=
                                strcmp(json_string_value(json_object_get(i, "factor")), factors[n].id) == 0;
                n++;
        }
        const char *summary = json_string_value(json_object_get(body, "summary"));
        const char *impact = json_string_value(json_object_get(body, "impact"));
        struct pm_facts facts = { .summary = summary && text_valid(summary, PM_TEXT_MAX) && *summary,
                                  .impact = impact && text_valid(impact, PM_TEXT_MAX) && *impact,
                                  .n_factors = n,
                                  .factors = factors };
        return postmortem_check(&facts, errs);
}

static bool pm_required(struct store_tx *tx, const struct incident *inc, int *r);

int api_postmortem_get(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct pm_copy c = { 0 };
        struct store_tx *tx;
        struct imp_list l = { .items = json_array(), .now = req->now };
        json_t *timeline = json_array(), *out = NULL;
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
                store_rollback(tx);
                if (r >= 0) {
                        struct field_errors unmet;
                        fielderr_init(&unmet);
                        pm_check(c.body, l.items, &unmet);
                        json_t *missing = json_array(), *html = json_object();
                        for (size_t i = 0; i < unmet.n; i++)
                                json_array_append_new(missing, json_pack("{s:s, s:s}", "field", unmet.e[i].field,
                                                                         "message", unmet.e[i].message));
                        for (size_t i = 0; i < 4; i++) {
                                json_t *h = markdown(json_string_value(json_object_get(c.body, pm_texts[i])));
                                if (!h)
                                        r = -ENOMEM;
                                json_object_set_new(html, pm_texts[i], h ? h : json_null());
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
        json_decref(c.body);
        json_decref(l.items);
        json_decref(timeline);
        incident_fini(&inc);
        if (r < 0) {
                json_decref(out);
                return r;
        }
        return response_json(resp, 200, out);
}

/* ---- writing ---- */

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

/* The factors of a PUT body, with ids kept or given (F<n>, never reused). */
static json_t *parse_factors(struct request *req, json_t *arr, json_t *old)
{
        json_t *out = json_array(), *f;
        size_t i;
        long next = 1;
        json_array_foreach(json_object_get(old, "factors"), i, f)
        {
                long n = strtol(json_string_value(json_object_get(f, "id")) + 1, NULL, 10);
                next = n >= next ? n + 1 : next;
        }
        if (arr && (!json_is_array(arr) || json_array_size(arr) > PM_FACTORS_MAX)) {
                fielderr_add(&req->errors, "factors", "must be an array of at most %d factors", PM_FACTORS_MAX);
                return out;
        }
        json_array_foreach(arr, i, f)
        {
                char field[48];
                snprintf(field, sizeof field, "factors[%zu]", i);
                const char *id = json_string_value(json_object_get(f, "id"));
                const char *kind = json_string_value(json_object_get(f, "kind"));
                const char *desc = json_string_value(json_object_get(f, "description"));
                const char *k;
                json_t *v;
                bool extra = false;
                if (json_is_object(f))
                        json_object_foreach(f, k, v) extra |= !(strcmp(k, "id") == 0 || strcmp(k, "kind") == 0 ||
                                                                strcmp(k, "description") == 0);
                if (!json_is_object(f) || extra) {
                        fielderr_add(&req->errors, field, "must be {id?, kind, description}");
                        continue;
                }
                if (!factor_kind_valid(kind))
                        fielderr_add(&req->errors, field,
                                     "kind must be technical_lapse, procedural_failure, manual_error or other_process_flaw");
                if (!desc || !*desc || strlen(desc) > 4000)
                        fielderr_add(&req->errors, field, "description must be 1 to 4000 bytes of text");
                bool known = false;
                json_t *o;
                size_t m;
                json_array_foreach(json_object_get(old, "factors"), m, o)
                        known |= id && strcmp(json_string_value(json_object_get(o, "id")), id) == 0;
                if (id && !known)
                        fielderr_add(&req->errors, field, "no factor '%s'; leave id out to add one", id);
                char fresh[24];
                snprintf(fresh, sizeof fresh, "F%ld", next);
                if (!id)
                        next++;
                json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "id", id ? id : fresh, "kind", kind ? kind : "",
                                                     "description", desc ? desc : ""));
        }
        return out;
}

struct factor_use {
        const char *factor;
        unsigned n;
};

static int count_factor(const struct improvement *i, void *userdata)
{
        struct factor_use *u = userdata;
        u->n += strcmp(i->factor, u->factor) == 0;
        return 0;
}

int api_postmortem_put(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "summary", "impact", "narrative", "went_well", "factors", NULL };
        struct incident inc = { 0 };
        struct pm_copy c = { 0 };
        struct store_tx *tx = NULL;
        json_t *body, *doc = NULL, *factors = NULL;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        /* Markdown: any text (JSON strings are UTF-8 without NULs) up to the limit. */
        for (size_t i = 0; i < 4; i++)
                json_field_string(req, body, pm_texts[i], false, PM_TEXT_MAX);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = pm_load(req, tx, &inc, &c);
        if (r < 0)
                goto out;
        if (c.found && strcmp(c.p.status, "approved") == 0) {
                request_detail(req, "the post-mortem of %s is approved; reopen it to change it", inc.key);
                r = -VG_ECONFLICT;
                goto out;
        }
        factors = parse_factors(req, json_object_get(body, "factors"), c.body);
        /* A factor that improvements point at cannot go. */
        json_t *f;
        size_t i;
        json_array_foreach(json_object_get(c.body, "factors"), i, f)
        {
                const char *id = json_string_value(json_object_get(f, "id"));
                bool kept = false;
                json_t *g;
                size_t m;
                json_array_foreach(factors, m, g) kept |= strcmp(json_string_value(json_object_get(g, "id")), id) == 0;
                struct factor_use use = { id, 0 };
                struct improvement_filter flt = { .incident_id = inc.id };
                if (!kept && r >= 0)
                        r = store_improvement_list(tx, &flt, count_factor, &use);
                if (!kept && use.n)
                        fielderr_add(&req->errors, "factors", "factor %s has %u improvement(s); it cannot be removed", id,
                                     use.n);
        }
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        if (r < 0)
                goto out;
        doc = json_object();
        for (i = 0; i < 4; i++) {
                const char *t = json_string_value(json_object_get(body, pm_texts[i]));
                json_object_set_new(doc, pm_texts[i], json_string(t ? t : ""));
        }
        json_object_set(doc, "factors", factors);
        char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        struct postmortem p = { .incident_id = inc.id, .body = text, .created_at = c.found ? c.p.created_at : req->now,
                                .updated_at = req->now };
        snprintf(p.status, sizeof p.status, "draft");
        snprintf(p.updated_by, sizeof p.updated_by, "%s", req->who.user.name);
        r = text ? store_postmortem_put(tx, &p) : -ENOMEM;
        free(text);
        if (r >= 0) {
                json_t *change = json_pack("{s:O, s:I}", "postmortem", doc, "version", (json_int_t)p.version);
                r = request_audit_incident(req, tx, "incident.postmortem.edit", inc.key, change);
                json_decref(change);
        }
        if (r >= 0)
                r = response_json(resp, c.found ? 200 : 201,
                                  json_pack("{s:s, s:s, s:I, s:O}", "incident", inc.key, "status", "draft", "version",
                                            (json_int_t)p.version, "factors", factors));
out:
        r = tx ? store_finish(tx, r) : r;
        json_decref(doc);
        json_decref(factors);
        json_decref(c.body);
        incident_fini(&inc);
        return r;
}

/* approve or reopen */
static int pm_decide(struct request *req, struct response *resp, bool approve)
{
        static const char *const fields[] = { "reason", NULL };
        struct incident inc = { 0 };
        struct pm_copy c = { 0 };
        struct store_tx *tx = NULL;
        struct imp_list l = { .items = json_array(), .now = req->now };
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                goto done;
        json_only_fields(req, body, fields);
        const char *reason = json_field_string(req, body, "reason", !approve, 4096);
        if (reason && (!*reason || !text_valid(reason, 4096)))
                fielderr_add(&req->errors, "reason", "must say why");
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
                goto done;
        }
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = pm_load(req, tx, &inc, &c);
        if (r >= 0 && !c.found) {
                request_detail(req, "%s has no post-mortem yet", inc.key);
                r = -VG_ENOTFOUND;
        }
        if (r < 0)
                goto done;
        if (approve != (strcmp(c.p.status, "approved") != 0)) {
                request_detail(req, "the post-mortem of %s is %s", inc.key, approve ? "approved already" : "not approved");
                r = -VG_ECONFLICT;
                goto done;
        }
        if (approve) {
                struct improvement_filter f = { .incident_id = inc.id };
                r = store_improvement_list(tx, &f, add_improvement, &l);
                if (r >= 0 && strcmp(c.p.updated_by, req->who.user.name) == 0) {
                        request_detail(req, "%s wrote the latest version; another incident manager reviews and approves it",
                                       req->who.user.name);
                        r = -VG_ECONFLICT;
                }
                if (r >= 0 && pm_check(c.body, l.items, &req->errors) < 0) {
                        request_detail(req, "the post-mortem of %s is not complete: %zu criterion(s) unmet", inc.key,
                                       req->errors.n);
                        r = -VG_ECONFLICT;
                }
                if (r < 0)
                        goto done;
        }
        char *text = json_dumps(c.body, JSON_COMPACT | JSON_SORT_KEYS);
        struct postmortem p = c.p;
        p.body = text;
        snprintf(p.status, sizeof p.status, "%s", approve ? "approved" : "draft");
        snprintf(p.approved_by, sizeof p.approved_by, "%s", approve ? req->who.user.name : "");
        p.approved_at = approve ? req->now : 0;
        r = text ? store_postmortem_put(tx, &p) : -ENOMEM;
        free(text);
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s?}", "version", (json_int_t)p.version, "reason", reason);
                r = request_audit_incident(req, tx, approve ? "incident.postmortem.approve" : "incident.postmortem.reopen",
                                           inc.key, change);
                json_decref(change);
        }
        if (r >= 0)
                r = response_json(resp, 200,
                                  json_pack("{s:s, s:s, s:I, s:s, s:o}", "incident", inc.key, "status", p.status, "version",
                                            (json_int_t)p.version, "approved_by", p.approved_by, "approved_at",
                                            json_time(p.approved_at)));
done:
        r = tx ? store_finish(tx, r) : r;
        json_decref(l.items);
        json_decref(c.body);
        incident_fini(&inc);
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

/* An owner must be a person who can act: an enabled staff account. */
static void check_owner(struct request *req, struct store_tx *tx, const char *owner, int *r)
{
        struct user u;
        int ur = store_user_get_by_name(tx, owner, &u);
        if (ur == -VG_ENOTFOUND || (ur >= 0 && (u.disabled || u.role == ROLE_TENANT_ADMIN)))
                fielderr_add(&req->errors, "owner", "no staff user '%s'", owner);
        else if (ur < 0)
                *r = ur;
}

static bool parse_due(struct request *req, json_t *body, vg_usec_t *ret)
{
        const char *s = json_string_value(json_object_get(body, "due_at"));
        if (!s)
                return false;
        return request_time(req, "due_at", s, VG_TIME_MAX, ret);
}

static int remind_at(struct store_tx *tx, const struct improvement *i)
{
        char payload[96];
        snprintf(payload, sizeof payload, "{\"improvement\":%lld,\"due_at\":%lld,\"round\":1}", (long long)i->id,
                 (long long)i->due_at);
        return store_job_add(tx, "improvement.remind", payload, i->due_at, NULL);
}

int api_improvement_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "factor", "title", "owner", "kind", "due_at", NULL };
        struct incident inc = { 0 };
        struct pm_copy c = { 0 };
        struct store_tx *tx = NULL;
        struct improvement imp = { .created_at = req->now, .updated_at = req->now };
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *factor = json_field_string(req, body, "factor", true, 15);
        const char *title = json_field_string(req, body, "title", true, IMPROVEMENT_TITLE_MAX);
        const char *owner = json_field_string(req, body, "owner", true, STORE_NAME_MAX - 1);
        const char *kind = json_field_string(req, body, "kind", true, 15);
        if (json_field_string(req, body, "due_at", true, 64))
                parse_due(req, body, &imp.due_at);
        if (title && (!*title || !text_valid(title, IMPROVEMENT_TITLE_MAX)))
                fielderr_add(&req->errors, "title", "must be 1 to %d bytes of text on one line", IMPROVEMENT_TITLE_MAX);
        if (kind && !improvement_kind_valid(kind))
                fielderr_add(&req->errors, "kind", "must be prevent, detect or respond");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = pm_load(req, tx, &inc, &c);
        if (r < 0)
                goto out;
        bool known = false;
        json_t *f;
        size_t i;
        json_array_foreach(json_object_get(c.body, "factors"), i, f)
                known |= strcmp(json_string_value(json_object_get(f, "id")), factor) == 0;
        if (!known)
                fielderr_add(&req->errors, "factor", "the post-mortem of %s has no factor '%s'", inc.key, factor);
        check_owner(req, tx, owner, &r);
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        if (r < 0)
                goto out;
        imp.incident_id = inc.id;
        snprintf(imp.factor, sizeof imp.factor, "%s", factor);
        imp.title = title;
        snprintf(imp.owner, sizeof imp.owner, "%s", owner);
        snprintf(imp.kind, sizeof imp.kind, "%s", kind);
        snprintf(imp.status, sizeof imp.status, "open");
        imp.verification = "";
        snprintf(imp.created_by, sizeof imp.created_by, "%s", req->who.user.name);
        r = store_improvement_add(tx, &imp);
        if (r >= 0)
                r = remind_at(tx, &imp);
        if (r >= 0)
                r = improvement_answer(req, tx, resp, &imp, inc.key, "incident.improvement.create", 201);
out:
        r = tx ? store_finish(tx, r) : r;
        json_decref(c.body);
        incident_fini(&inc);
        return r;
}

struct imp_copy {
        struct improvement i;
        char title[IMPROVEMENT_TITLE_MAX + 1];
        char verification[4097];
};

static int imp_copy(const struct improvement *i, void *userdata)
{
        struct imp_copy *c = userdata;
        c->i = *i;
        snprintf(c->title, sizeof c->title, "%s", i->title);
        snprintf(c->verification, sizeof c->verification, "%s", i->verification ? i->verification : "");
        c->i.title = c->title;
        c->i.verification = c->verification;
        return 0;
}

int api_improvement_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "title", "owner", "kind", "due_at", "status", "verification", NULL };
        struct imp_copy c;
        struct store_tx *tx = NULL;
        struct incident inc = { 0 };
        json_t *body;
        long long id;
        if (request_id_param(req, 0, "improvement", &id) < 0)
                return -VG_ENOTFOUND;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *title = json_field_string(req, body, "title", false, IMPROVEMENT_TITLE_MAX);
        const char *owner = json_field_string(req, body, "owner", false, STORE_NAME_MAX - 1);
        const char *kind = json_field_string(req, body, "kind", false, 15);
        const char *status = json_field_string(req, body, "status", false, 15);
        const char *verification = json_field_string(req, body, "verification", false, 4096);
        vg_usec_t due = 0;
        bool new_due = json_field_string(req, body, "due_at", false, 64) && parse_due(req, body, &due);
        if (title && (!*title || !text_valid(title, IMPROVEMENT_TITLE_MAX)))
                fielderr_add(&req->errors, "title", "must be 1 to %d bytes of text on one line", IMPROVEMENT_TITLE_MAX);
        if (kind && !improvement_kind_valid(kind))
                fielderr_add(&req->errors, "kind", "must be prevent, detect or respond");
        if (status && !improvement_status_valid(status))
                fielderr_add(&req->errors, "status", "must be open, in_progress or done");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = store_improvement_get(tx, id, imp_copy, &c);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no improvement %lld", id);
        if (r >= 0 && owner)
                check_owner(req, tx, owner, &r);
        if (r < 0)
                goto out;
        if (title)
                snprintf(c.title, sizeof c.title, "%s", title);
        if (owner)
                snprintf(c.i.owner, sizeof c.i.owner, "%s", owner);
        if (kind)
                snprintf(c.i.kind, sizeof c.i.kind, "%s", kind);
        if (verification)
                snprintf(c.verification, sizeof c.verification, "%s", verification);
        bool was_done = strcmp(c.i.status, "done") == 0;
        if (status)
                snprintf(c.i.status, sizeof c.i.status, "%s", status);
        bool done = strcmp(c.i.status, "done") == 0;
        /* Done means checked: say how it was verified. */
        if (done && (!c.verification[0] || !text_valid(c.verification, 4096)))
                fielderr_add(&req->errors, "verification", "say how the improvement was verified to be in place");
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
                goto out;
        }
        if (done && !was_done)
                c.i.done_at = req->now;
        if (!done)
                c.i.done_at = 0;
        bool moved = new_due && due != c.i.due_at;
        if (new_due)
                c.i.due_at = due;
        c.i.updated_at = req->now;
        r = store_improvement_update(tx, &c.i);
        if (r >= 0 && moved && !done)
                r = remind_at(tx, &c.i);
        if (r >= 0)
                r = store_incident_get_by_id(tx, c.i.incident_id, &inc);
        if (r >= 0)
                r = improvement_answer(req, tx, resp, &c.i, inc.key, "incident.improvement.update", 200);
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
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
