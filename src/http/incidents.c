/* Incidents: report, list, read, classify, declare, scope, advance through
 * the phases. Each change is a use case (src/cases/incident.c, scope.c);
 * a handler here parses its body, opens one write transaction, honours
 * If-Match, calls the use case, renders its outcome or the incident, and
 * commits. Every change bumps the version, which is the ETag; If-Match
 * makes a stale write fail with 412 instead of overwriting. */
#include "http/resources.h"

#include "cases/duplicate.h"
#include "core/error.h"
#include "core/names.h"
#include "core/residence.h"
#include "report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct services {
        json_t *names; /* owns: array of strings */
};

static int add_service(const char *service, void *userdata)
{
        return json_array_append_new(userdata, json_string(service)) == 0 ? 0 : -ENOMEM;
}

static json_t *impact_json(const struct cia_impact *i)
{
        return json_pack("{s:b, s:b, s:b}", "confidentiality", i->confidentiality, "integrity",
                         i->integrity, "availability", i->availability);
}

static json_t *data_json(data_mask_t m)
{
        json_t *a = json_array();
        for (int d = 0; d < DATA__COUNT; d++)
                if (m & DATA_BIT(d))
                        json_array_append_new(a, json_string(data_category_to_string((enum data_category)d)));
        return a;
}

/* The incident as JSON; services is stolen (may be NULL for lists). */
static json_t *incident_json(const struct incident *inc, json_t *services)
{
        json_t *j = json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                "key", inc->key, "title", inc->title, "description", inc->description ? inc->description : "",
                "severity", severity_to_string(inc->severity), "source", source_to_string(inc->source),
                "reporter", inc->reporter, "phase", phase_to_string(inc->phase), "classification",
                class_to_string(inc->classification), "impact", impact_json(&inc->impact),
                "data_categories", data_json(inc->data_categories), "version", (json_int_t)inc->version,
                "detected_at", json_time(inc->detected_at), "reported_at", json_time(inc->reported_at),
                "acknowledged_at", json_time(inc->acknowledged_at), "declared_at", json_time(inc->declared_at),
                "contained_at", json_time(inc->contained_at), "eradicated_at", json_time(inc->eradicated_at),
                "recovered_at", json_time(inc->recovered_at), "closed_at", json_time(inc->closed_at),
                "created_at", json_time(inc->created_at), "updated_at", json_time(inc->updated_at));
        if (j)
                json_object_set_new(j, "vigilance_until", json_time(inc->vigilance_until));
        if (j)
                json_object_set_new(j, "root_cause", inc->root_cause && inc->root_cause[0]
                                                             ? json_string(inc->root_cause) : json_null());
        if (j && services)
                json_object_set_new(j, "services", services);
        else
                json_decref(services);
        return j;
}

static void etag(const struct incident *inc, char *buf, size_t size)
{
        snprintf(buf, size, "\"%s-v%lld\"", inc->key, (long long)inc->version);
}

static int add_tenant(const struct scope_tenant *t, void *userdata)
{
        json_t *j = report_scope_tenant_json(t); /* the evidence export's shape too */
        return j && json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
}

static int add_indicator(const struct indicator *ind, void *userdata)
{
        json_t *j = json_pack("{s:s, s:s}", "kind", indicator_kind_to_string(ind->kind), "value", ind->value);
        return json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
}

/* Read one incident with its scope and declaration; answer with its ETag. */
static int respond_incident(struct request *req, struct response *resp, struct store_tx *tx,
                            const struct incident *inc, unsigned status)
{
        char tag[64];
        json_t *services = json_array(), *tenants = json_array(), *indicators = json_array();
        int r = store_incident_services_list(tx, inc->id, add_service, services);
        if (r >= 0)
                r = store_incident_tenants_list(tx, inc->id, add_tenant, tenants);
        if (r >= 0)
                r = store_incident_indicators_list(tx, inc->id, add_indicator, indicators);
        json_t *residents = NULL;
        if (r >= 0)
                r = case_incident_residents_json(tx, inc, &residents);
        json_t *j = NULL;
        if (r >= 0)
                j = incident_json(inc, services); /* takes services */
        else
                json_decref(services);
        if (!j) {
                json_decref(tenants);
                json_decref(indicators);
                json_decref(residents);
                return r < 0 ? r : -ENOMEM;
        }
        json_object_set_new(j, "tenants", tenants);
        json_object_set_new(j, "indicators", indicators);
        json_object_set_new(j, "affected_residents", residents ? residents : json_object());
        json_t *decl = inc->declaration && inc->declaration[0] ? json_loads(inc->declaration, 0, NULL) : NULL;
        if (decl)
                json_object_set_new(decl, "by", json_string(inc->declared_by));
        json_object_set_new(j, "declaration", decl ? decl : json_null());
        r = case_incident_duplicates_json(tx, inc, j);
        if (r < 0) {
                json_decref(j);
                return r;
        }
        (void)req;
        etag(inc, tag, sizeof tag);
        response_header_add(resp, "ETag", tag);
        return response_json(resp, status, j);
}

/* Parse an array of service names into a NULL-free C array (borrowed from
 * the JSON). Errors go under "services". */
static size_t parse_services(struct request *req, json_t *arr, const char **out, size_t max)
{
        size_t i, n = 0;
        json_t *v;
        if (!arr)
                return 0;
        if (!json_is_array(arr)) {
                fielderr_add(&req->errors, "services", "must be an array of service names");
                return 0;
        }
        if (json_array_size(arr) > max) {
                fielderr_add(&req->errors, "services", "at most %zu services", max);
                return 0;
        }
        json_array_foreach(arr, i, v) {
                const char *s = json_string_value(v);
                if (!s || !tenant_id_valid(s)) {
                        fielderr_add(&req->errors, "services", "item %zu: a service name is 1 to 64 of "
                                     "A-Z, a-z, 0-9, '.', '_', '-'", i);
                        return 0;
                }
                out[n++] = s;
        }
        return n;
}

/* An optional time field, from VG_TIME_MIN to latest. */
static bool parse_time_field(struct request *req, json_t *obj, const char *key, vg_usec_t latest,
                             vg_usec_t *ret)
{
        const char *s = json_field_string(req, obj, key, false, 64);
        return s && request_time(req, key, s, latest, ret);
}

int api_incident_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "title", "description", "severity", "source",
                                              "services", "detected_at", NULL };
        const char *services[INCIDENT_SERVICES_MAX];
        struct incident inc = { 0 };
        struct store_tx *tx;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *title = json_field_string(req, body, "title", true, INCIDENT_TITLE_MAX);
        const char *desc = json_field_string(req, body, "description", false, INCIDENT_TEXT_MAX);
        const char *sev = json_field_string(req, body, "severity", true, 16);
        if (sev && severity_from_string(sev) == SEV__INVALID)
                fielderr_add(&req->errors, "severity", "must be one of sev1, sev2, sev3, sev4");
        const char *src = json_field_string(req, body, "source", true, 32);
        if (src && source_from_string(src) == SOURCE__INVALID)
                fielderr_add(&req->errors, "source",
                             "must be one of monitoring, employee, customer, third_party");
        size_t n_services = parse_services(req, json_object_get(body, "services"), services,
                                           INCIDENT_SERVICES_MAX);
        vg_usec_t detected = req->now;
        parse_time_field(req, body, "detected_at", req->now, &detected);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        struct case_incident_new n = {.title = title,
                                      .description = desc,
                                      .severity = severity_from_string(sev),
                                      .source = source_from_string(src),
                                      .detected_at = detected,
                                      .services = services,
                                      .n_services = n_services};
        struct actor a = request_actor(req);
        struct case_outcome o;
        case_outcome_init(&o);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_incident_open(tx, &a, req->now, &n, &inc, &o);
        request_outcome(req, &o);
        if (r >= 0) {
                char location[64];
                snprintf(location, sizeof location, "/api/v1/incidents/%s", inc.key);
                response_header_add(resp, "Location", location);
                r = respond_incident(req, resp, tx, &inc, 201);
        }
        r = store_finish(tx, r);
        incident_fini(&inc);
        return r;
}

/* The orders of GET /incidents, in enum incident_sort's order. */
static const struct page_sort incident_sorts[] = {
        { "-created", false }, { "created", false }, { "-updated", true }, { "severity", true }, { NULL, false },
};

static int list_one(const struct incident *inc, void *userdata)
{
        struct page *pg = userdata;
        char key[32];
        if (pg->sort == INCIDENT_SORT_UPDATED)
                snprintf(key, sizeof key, "%lld", (long long)inc->updated_at);
        else
                snprintf(key, sizeof key, "%s", severity_to_string(inc->severity));
        return page_add_keyed(pg, inc->id, key, incident_json(inc, NULL));
}

/* The sort key the cursor carries into f. */
static void incident_after(struct request *req, const struct page *pg, struct incident_filter *f)
{
        const char *k = page_after_key(pg);
        char *end;
        if (!k)
                return;
        if (pg->sort == INCIDENT_SORT_UPDATED) {
                errno = 0;
                f->after_updated = strtoll(k, &end, 10);
                if (errno || *end || end == k)
                        fielderr_add(&req->errors, "cursor", "not a cursor this server issued");
        } else if (pg->sort == INCIDENT_SORT_SEVERITY &&
                   (f->after_severity = severity_from_string(k)) == SEV__INVALID) {
                fielderr_add(&req->errors, "cursor", "not a cursor this server issued");
        }
}

int api_incident_list(struct request *req, struct response *resp)
{
        struct incident_filter f = { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, NULL };
        struct store_tx *tx;
        struct page pg;
        const char *v;

        if ((v = request_query(req, "phase")) && (f.phase = phase_from_string(v)) == PHASE__INVALID)
                fielderr_add(&req->errors, "phase", "unknown phase '%s'", v);
        if ((v = request_query(req, "classification")) &&
            (f.classification = class_from_string(v)) == CLASS__INVALID)
                fielderr_add(&req->errors, "classification", "unknown classification '%s'", v);
        if ((v = request_query(req, "severity")) && (f.severity = severity_from_string(v)) == SEV__INVALID)
                fielderr_add(&req->errors, "severity", "unknown severity '%s'", v);
        if ((v = request_query(req, "service")) && !tenant_id_valid(v))
                fielderr_add(&req->errors, "service", "not a service name");
        else
                f.service = v;
        if ((v = request_query(req, "tenant")) && !tenant_id_valid(v))
                fielderr_add(&req->errors, "tenant", "not a tenant id");
        else
                f.tenant = v;
        if ((v = request_query(req, "declared_from")))
                request_time(req, "declared_from", v, VG_TIME_MAX, &f.declared_from);
        if ((v = request_query(req, "declared_to")))
                request_time(req, "declared_to", v, VG_TIME_MAX, &f.declared_to);
        if (f.declared_from && f.declared_to && f.declared_to <= f.declared_from)
                fielderr_add(&req->errors, "declared_to", "must be after declared_from");
        f.text = request_query_text(req, "q", INCIDENT_SEARCH_MAX);
        int open = request_query_bool(req, "open");
        f.state = open == 1 ? INCIDENT_STATE_OPEN : open == 0 ? INCIDENT_STATE_CLOSED : INCIDENT_STATE_ANY;
        int r = page_begin_sorted(req, &pg, incident_sorts);
        if (r >= 0) {
                f.sort = (enum incident_sort)pg.sort;
                incident_after(req, &pg, &f);
        }
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_incident_list(tx, &f, pg.after, pg.limit, list_one, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}

/* If-Match, when sent, must name the version read. */
static int check_if_match(struct request *req, const struct incident *inc)
{
        const char *if_match = request_header(req, "If-Match");
        char tag[64];
        etag(inc, tag, sizeof tag);
        if (if_match && strcmp(if_match, "*") != 0 && strcmp(if_match, tag) != 0) {
                request_detail(req, "the incident changed since you read it (now %s); read it again", tag);
                return -VG_EPRECONDITION;
        }
        return 0;
}

/* Open the write transaction for a change to the incident in the path:
 * load it and honour If-Match; o is made ready for the use case. On
 * failure *tx may be set; the caller ends it with end_change. */
static int begin_change(struct request *req, struct store_tx **tx, struct incident *inc,
                        struct case_outcome *o)
{
        case_outcome_init(o);
        int r = store_begin(req->store, tx);
        if (r < 0) {
                *tx = NULL;
                return r;
        }
        r = request_incident_load(req, *tx, inc);
        return r < 0 ? r : check_if_match(req, inc);
}

/* The end of a change begun with begin_change: the use case's outcome
 * into the problem, or the incident as written (200); then commit, or
 * roll back on failure. */
static int end_change(struct request *req, struct response *resp, struct store_tx *tx,
                      struct incident *inc, const struct case_outcome *o, int r)
{
        request_outcome(req, o);
        if (r >= 0)
                r = respond_incident(req, resp, tx, inc, 200);
        r = tx ? store_finish(tx, r) : r;
        incident_fini(inc);
        return r;
}

int api_incident_get(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = request_incident_load(req, tx, &inc);
        if (r >= 0)
                r = respond_incident(req, resp, tx, &inc, 200);
        store_rollback(tx);
        incident_fini(&inc);
        return r;
}

int api_incident_classify(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "classification", "impact", "data_categories", "reason", NULL };
        static const char *const impact_fields[] = { "confidentiality", "integrity", "availability", NULL };
        struct case_classification c = { .confidentiality = -1, .integrity = -1, .availability = -1 };
        struct incident inc = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *cls = json_field_string(req, body, "classification", true, 32);
        c.to = cls ? class_from_string(cls) : CLASS__INVALID;
        if (cls && c.to == CLASS__INVALID)
                fielderr_add(&req->errors, "classification",
                             "must be one of suspected, security_incident, compliance_event, false_positive");
        c.reason = json_field_string(req, body, "reason", false, 4096);
        json_t *impact = json_object_get(body, "impact");
        json_t *data = json_object_get(body, "data_categories");
        if (impact && !json_is_object(impact))
                fielderr_add(&req->errors, "impact", "must be an object of booleans");
        if (json_is_object(impact)) {
                /* What the request names changes; the rest stays as recorded. */
                json_only_fields(req, impact, impact_fields);
                c.confidentiality = json_field_bool(req, impact, "confidentiality");
                c.integrity = json_field_bool(req, impact, "integrity");
                c.availability = json_field_bool(req, impact, "availability");
        }
        if (data && !json_is_array(data))
                fielderr_add(&req->errors, "data_categories", "must be an array of category names");
        if (json_is_array(data)) {
                size_t i;
                json_t *v;
                c.set_data = true;
                json_array_foreach(data, i, v) {
                        enum data_category d = data_category_from_string(json_string_value(v));
                        if (d == DATA__INVALID)
                                fielderr_add(&req->errors, "data_categories", "item %zu: unknown category", i);
                        else
                                c.data |= DATA_BIT(d);
                }
        }
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        struct actor a = request_actor(req);
        r = begin_change(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_classify(tx, &a, req->now, &inc, &c, &o);
        return end_change(req, resp, tx, &inc, &o, r);
}

/* What leaving the current phase forward still needs (nothing changes). */
int api_incident_exit_criteria(struct request *req, struct response *resp)
{
        struct incident inc = {0};
        struct field_errors unmet;
        enum incident_phase next = PHASE__INVALID;
        struct store_tx *tx;
        fielderr_init(&unmet);
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = request_incident_load(req, tx, &inc);
        if (r >= 0)
                r = case_incident_exit_criteria(tx, &inc, &next, &unmet);
        store_rollback(tx);
        json_t *out = NULL;
        if (r >= 0) {
                json_t *items = json_array();
                for (size_t i = 0; i < unmet.n; i++)
                        json_array_append_new(items,
                                              json_pack("{s:s, s:s}", "field", unmet.e[i].field,
                                                        "message", unmet.e[i].message));
                out = json_pack("{s:s, s:s, s:o, s:o}", "incident", inc.key, "phase",
                                phase_to_string(inc.phase), "next",
                                next != PHASE__INVALID ? json_string(phase_to_string(next))
                                                       : json_null(),
                                "unmet", items);
        }
        incident_fini(&inc);
        return r < 0 ? r : response_json(resp, 200, out);
}

int api_incident_advance(struct request *req, struct response *resp)
{
        static const char *const fields[] = {"phase", "reason", NULL};
        struct incident inc = {0};
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *phase = json_field_string(req, body, "phase", true, 32);
        const char *reason = json_field_string(req, body, "reason", false, 4096);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        struct actor a = request_actor(req);
        r = begin_change(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_advance(tx, &a, req->now, req->cfg->vigilance_window, &inc,
                                          phase_from_string(phase), reason, &o);
        return end_change(req, resp, tx, &inc, &o, r);
}

int api_incident_note(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "text", NULL };
        struct incident inc = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *text = json_field_string(req, body, "text", true, INCIDENT_TEXT_MAX);
        if (text && !*text)
                fielderr_add(&req->errors, "text", "must not be empty");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = request_incident_load(req, tx, &inc);
        if (r >= 0)
                r = case_incident_note(tx, &a, req->now, &inc, text, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = response_json(resp, 201, json_pack("{s:s, s:s, s:s, s:o}", "incident", inc.key,
                                                       "author", a.name, "text", text,
                                                       "at", json_time(req->now)));
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}

static int timeline_one(const struct audit_record *a, void *userdata)
{
        return page_add(userdata, a->seq, audit_record_json(a));
}

int api_incident_timeline(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct store_tx *tx;
        struct page pg;
        char object[64];
        int r = page_begin(req, &pg);
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = request_incident_load(req, tx, &inc);
                snprintf(object, sizeof object, "incident:%s", inc.key);
                if (r >= 0)
                        r = store_audit_list_object(tx, object, pg.after, pg.limit, timeline_one, &pg);
                store_rollback(tx);
        }
        incident_fini(&inc);
        return page_end(resp, &pg, r);
}

#define DECLARATION_TRIGGERS_MAX 100

int api_incident_declare(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "criteria", "triggers", "declared_at", NULL };
        const char *triggers[DECLARATION_TRIGGERS_MAX];
        struct case_declaration d = { .triggers = triggers };
        struct incident inc = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        d.criteria = json_field_string(req, body, "criteria", true, 4096);
        if (d.criteria && !text_valid(d.criteria, 4096))
                fielderr_add(&req->errors, "criteria", "must be text without control characters");
        json_t *jt = json_object_get(body, "triggers");
        if (jt) {
                size_t i;
                json_t *v;
                if (!json_is_array(jt) || json_array_size(jt) > DECLARATION_TRIGGERS_MAX)
                        fielderr_add(&req->errors, "triggers", "must be an array of at most %d alert or report references",
                                     DECLARATION_TRIGGERS_MAX);
                else
                        json_array_foreach(jt, i, v) {
                                if (!json_is_string(v) || !text_valid(json_string_value(v), 256))
                                        fielderr_add(&req->errors, "triggers", "item %zu: a reference is 1 to 256 bytes of text", i);
                                else
                                        triggers[d.n_triggers++] = json_string_value(v);
                        }
        }
        d.at = req->now;
        parse_time_field(req, body, "declared_at", req->now, &d.at);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        struct actor a = request_actor(req);
        r = begin_change(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_declare(tx, &a, req->now, req->rules, &req->cfg->provider, &inc, &d, &o);
        return end_change(req, resp, tx, &inc, &o, r);
}

struct seen {
        const char *id;
        size_t at;
};

static int cmp_seen(const void *a, const void *b)
{
        const struct seen *x = a, *y = b;
        int c = strcmp(x->id, y->id);
        return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

/* One tenant's row of a scope from v (status, evidence, affected_users,
 * data_categories; "id" too when with_id) into t, which borrows from v.
 * Every error is named `field` when given (an item of a list), else by
 * the body's own field. */
static void parse_tenant_row(struct request *req, json_t *v, const char *field, bool with_id,
                             struct scope_tenant *t)
{
        /* An item of a list names its tenant; the body of one row says why. */
        static const char *const item_fields[] = { "id", "status", "evidence", "affected_users",
                                                   "data_categories", NULL };
        static const char *const row_fields[] = { "status", "evidence", "affected_users",
                                                  "data_categories", "reason", NULL };
        const char *const *fields = with_id ? item_fields : row_fields;
        const char *key;
        json_t *x;
        memset(t, 0, sizeof *t);
        json_object_foreach(v, key, x) {
                bool ok = false;
                for (size_t k = 0; fields[k]; k++)
                        ok |= strcmp(key, fields[k]) == 0;
                if (!ok)
                        fielderr_add(&req->errors, field ? field : key, "unknown field '%s'", key);
        }
        if (with_id) {
                const char *id = json_string_value(json_object_get(v, "id"));
                if (!id || !tenant_id_valid(id))
                        fielderr_add(&req->errors, field ? field : "id",
                                     "id must be a tenant id (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-')");
                else
                        snprintf(t->tenant, sizeof t->tenant, "%s", id);
        }
        const char *status = json_string_value(json_object_get(v, "status"));
        json_t *ev = json_object_get(v, "evidence"), *users = json_object_get(v, "affected_users");
        json_t *data = json_object_get(v, "data_categories");
        if ((t->status = tenant_status_from_string(status)) == TENANT__INVALID)
                fielderr_add(&req->errors, field ? field : "status", "status must be confirmed, suspected or ruled_out");
        if (ev && (!json_is_string(ev) || json_string_length(ev) > 4096))
                fielderr_add(&req->errors, field ? field : "evidence", "evidence must be text of at most 4096 bytes");
        t->evidence = json_string_value(ev);
        if (users && (!json_is_integer(users) || json_integer_value(users) < 0))
                fielderr_add(&req->errors, field ? field : "affected_users", "affected_users must be a whole number >= 0");
        t->affected_users = users && json_is_integer(users) ? json_integer_value(users) : 0;
        if (data) {
                size_t k;
                json_t *d;
                if (!json_is_array(data))
                        fielderr_add(&req->errors, field ? field : "data_categories", "data_categories must be an array");
                json_array_foreach(data, k, d) {
                        enum data_category c = data_category_from_string(json_string_value(d));
                        if (c == DATA__INVALID)
                                fielderr_add(&req->errors, field ? field : "data_categories", "unknown data category");
                        else
                                t->data_categories |= DATA_BIT(c);
                }
        }
}

/* Parse the "tenants" array of a scope body. Items borrow from the JSON. */
static size_t parse_tenants(struct request *req, json_t *arr, struct scope_tenant *out, size_t max)
{
        size_t i, n = 0;
        json_t *v;
        char field[64];

        if (!json_is_array(arr) || json_array_size(arr) > max) {
                fielderr_add(&req->errors, "tenants", "must be an array of at most %zu tenants", max);
                return 0;
        }
        json_array_foreach(arr, i, v) {
                snprintf(field, sizeof field, "tenants[%zu]", i);
                if (!json_is_object(v)) {
                        fielderr_add(&req->errors, field, "must be an object");
                        continue;
                }
                parse_tenant_row(req, v, field, true, &out[n++]);
        }
        /* Repeats, found by sorting (a scope may hold every tenant); each
         * is named at its later place, as tenants[i]. */
        struct seen *sorted = malloc((n ? n : 1) * sizeof *sorted);
        if (!sorted) {
                fielderr_add(&req->errors, "tenants", "too many to check");
                return 0;
        }
        for (size_t k = 0; k < n; k++)
                sorted[k] = (struct seen){ out[k].tenant, k };
        qsort(sorted, n, sizeof *sorted, cmp_seen);
        for (size_t k = 1; k < n; k++)
                if (sorted[k].id[0] && strcmp(sorted[k - 1].id, sorted[k].id) == 0) {
                        snprintf(field, sizeof field, "tenants[%zu]", sorted[k].at);
                        fielderr_add(&req->errors, field, "tenant '%s' is listed twice", sorted[k].id);
                }
        free(sorted);
        return n;
}

static size_t parse_indicators(struct request *req, json_t *arr, struct indicator *out, size_t max)
{
        size_t i, n = 0;
        json_t *v;
        char field[64];
        if (!json_is_array(arr) || json_array_size(arr) > max) {
                fielderr_add(&req->errors, "indicators", "must be an array of at most %zu indicators", max);
                return 0;
        }
        json_array_foreach(arr, i, v) {
                snprintf(field, sizeof field, "indicators[%zu]", i);
                const char *kind = json_string_value(json_object_get(v, "kind"));
                const char *value = json_string_value(json_object_get(v, "value"));
                if (!json_is_object(v) || json_object_size(v) != 2 || !kind || !value) {
                        fielderr_add(&req->errors, field, "must be {\"kind\": ..., \"value\": ...}");
                        continue;
                }
                if (indicator_parse(indicator_kind_from_string(kind), value, &out[n], &req->errors, field) >= 0)
                        n++;
        }
        return n;
}

/* The "affected_residents" of a scope body: {code: count}, each code a
 * residence (core/residence.h), each count a whole number 0 to
 * RESIDENTS_COUNT_MAX. Into out (RESIDENTS_ENTRIES_MAX); errors name the
 * field, affected_residents.CODE. */
static size_t parse_residents(struct request *req, json_t *obj, struct resident_count *out)
{
        size_t n = 0;
        const char *code;
        json_t *v;
        if (!json_is_object(obj) || json_object_size(obj) > RESIDENTS_ENTRIES_MAX) {
                fielderr_add(&req->errors, "affected_residents",
                             "must be an object of at most %d jurisdiction codes, each with a number of residents",
                             RESIDENTS_ENTRIES_MAX);
                return 0;
        }
        json_object_foreach(obj, code, v) {
                char field[64];
                bool known = strlen(code) < RESIDENCE_CODE_MAX && residence_code_known(code);
                /* The field names the code only when it is short plain text. */
                bool plain = strlen(code) <= 16 && text_valid(code, 16);
                snprintf(field, sizeof field, "affected_residents%s%s", plain ? "." : "", plain ? code : "");
                if (!known)
                        fielderr_add(&req->errors, field,
                                     "is not a jurisdiction code (ISO 3166-1 alpha-2, or with a subdivision: US-CA)");
                if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > RESIDENTS_COUNT_MAX)
                        fielderr_add(&req->errors, field, "must be a whole number of residents, 0 to %lld",
                                     (long long)RESIDENTS_COUNT_MAX);
                else if (known) {
                        snprintf(out[n].jur, sizeof out[n].jur, "%s", code);
                        out[n++].n = json_integer_value(v);
                }
        }
        return n;
}

#define SCOPE_TENANTS_MAX 1000000 /* a breach of a shared service can touch every tenant */
#define SCOPE_INDICATORS_MAX 1000

int api_incident_scope(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "services", "tenants", "indicators", "affected_residents", "reason",
                                              NULL };
        const char *services[INCIDENT_SERVICES_MAX];
        struct resident_count residents[RESIDENTS_ENTRIES_MAX];
        struct scope_tenant *tenants = NULL;
        struct indicator *indicators = NULL;
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        size_t n_services = 0, n_tenants = 0, n_indicators = 0;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        json_t *js = json_object_get(body, "services"), *jt = json_object_get(body, "tenants"),
               *ji = json_object_get(body, "indicators"), *jr = json_object_get(body, "affected_residents");
        size_t n_residents = 0;
        const char *reason = json_field_string(req, body, "reason", false, 4096);
        if (!js && !jt && !ji && !jr)
                fielderr_add(&req->errors, "services",
                             "send at least one of services, tenants, indicators, affected_residents");
        if (jr)
                n_residents = parse_residents(req, jr, residents);
        if (js)
                n_services = parse_services(req, js, services, INCIDENT_SERVICES_MAX);
        if (jt) {
                size_t cap = json_array_size(jt) < SCOPE_TENANTS_MAX ? json_array_size(jt) : SCOPE_TENANTS_MAX;
                tenants = calloc(cap ? cap : 1, sizeof *tenants);
                if (!tenants)
                        return -ENOMEM;
                n_tenants = parse_tenants(req, jt, tenants, SCOPE_TENANTS_MAX);
        }
        if (ji) {
                indicators = calloc(SCOPE_INDICATORS_MAX, sizeof *indicators);
                if (!indicators) {
                        free(tenants);
                        return -ENOMEM;
                }
                n_indicators = parse_indicators(req, ji, indicators, SCOPE_INDICATORS_MAX);
        }
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
        } else {
                struct case_scope sc = { .set_services = js != NULL, .services = services,
                                         .n_services = n_services, .set_tenants = jt != NULL,
                                         .tenants = tenants, .n_tenants = n_tenants,
                                         .set_indicators = ji != NULL, .indicators = indicators,
                                         .n_indicators = n_indicators, .set_residents = jr != NULL,
                                         .residents = residents, .n_residents = n_residents, .reason = reason };
                struct case_outcome o;
                struct actor a = request_actor(req);
                r = begin_change(req, &tx, &inc, &o);
                if (r >= 0)
                        r = case_incident_scope(tx, &a, req->now, req->rules, &req->cfg->provider, &inc,
                                                &sc, &o);
                r = end_change(req, resp, tx, &inc, &o, r);
        }
        free(tenants);
        free(indicators);
        return r;
}

/* The tenant in the path (params[1]) is a tenant id, or a field error. */
static bool path_tenant_valid(struct request *req)
{
        if (tenant_id_valid(req->params[1]))
                return true;
        fielderr_add(&req->errors, "tenant", "must be a tenant id (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-')");
        return false;
}

/* PUT /incidents/{key}/scope/tenants/{tenant}: one tenant's row, the
 * others untouched. */
int api_incident_scope_tenant_put(struct request *req, struct response *resp)
{
        struct scope_tenant t;
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        parse_tenant_row(req, body, NULL, false, &t);
        const char *reason = json_field_string(req, body, "reason", false, 4096);
        if (path_tenant_valid(req)) /* at most 64 bytes, so it fits */
                memcpy(t.tenant, req->params[1], strlen(req->params[1]) + 1);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        struct case_outcome o;
        struct actor a = request_actor(req);
        r = begin_change(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_scope_tenant_put(tx, &a, req->now, req->rules, &req->cfg->provider, &inc, &t,
                                                   reason, &o);
        return end_change(req, resp, tx, &inc, &o, r);
}

/* DELETE /incidents/{key}/scope/tenants/{tenant}[?reason=...]. */
int api_incident_scope_tenant_delete(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        const char *reason = request_query(req, "reason");
        path_tenant_valid(req);
        if (reason && !text_valid(reason, 4096))
                fielderr_add(&req->errors, "reason", "must be text of at most 4096 bytes");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        struct case_outcome o;
        struct actor a = request_actor(req);
        int r = begin_change(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_scope_tenant_remove(tx, &a, req->now, req->rules, &req->cfg->provider, &inc,
                                                      req->params[1], reason && *reason ? reason : NULL, &o);
        return end_change(req, resp, tx, &inc, &o, r);
}

int api_incident_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "title", "description", "severity", "root_cause", NULL };
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *title = json_field_string(req, body, "title", false, INCIDENT_TITLE_MAX);
        const char *desc = json_field_string(req, body, "description", false, INCIDENT_TEXT_MAX);
        const char *sev = json_field_string(req, body, "severity", false, 16);
        if (sev && severity_from_string(sev) == SEV__INVALID)
                fielderr_add(&req->errors, "severity", "must be one of sev1, sev2, sev3, sev4");
        const char *root = json_field_string(req, body, "root_cause", false, INCIDENT_TEXT_MAX);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        struct case_incident_edit e = { .title = title, .description = desc, .root_cause = root,
                                        .severity = sev ? severity_from_string(sev) : SEV__INVALID };
        struct case_outcome o;
        struct actor a = request_actor(req);
        r = begin_change(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_update(tx, &a, req->now, &inc, &e, &o);
        return end_change(req, resp, tx, &inc, &o, r);
}

/* Anchors: the newest setting of each, and the whole history. */
struct anchors {
        vg_usec_t at[ANCHOR__COUNT];       /* 0: not set */
        json_t *current[ANCHOR__COUNT];    /* owns: newest recorded setting */
        json_t *history;                   /* owns */
};

static int collect_anchor(const struct anchor_setting *a, void *userdata)
{
        struct anchors *an = userdata;
        if ((int)a->anchor < 0)
                return 0;
        json_t *j = json_pack("{s:s, s:o, s:s, s:s, s:o}", "anchor", anchor_to_string(a->anchor), "at",
                              json_time(a->at), "reason", a->reason ? a->reason : "", "set_by", a->set_by,
                              "set_at", json_time(a->set_at));
        if (!j)
                return -ENOMEM;
        an->at[a->anchor] = a->at;
        json_decref(an->current[a->anchor]);
        an->current[a->anchor] = json_incref(j);
        return json_array_append_new(an->history, j) == 0 ? 0 : -ENOMEM;
}

static void anchors_fini(struct anchors *an)
{
        for (int i = 0; i < ANCHOR__COUNT; i++)
                json_decref(an->current[i]);
        json_decref(an->history);
}

/* Load the settings, then fill what the incident itself holds:
 * first_detected and declared from the record, aware defaulting to
 * first_detected. */
static int anchors_load(struct store_tx *tx, const struct incident *inc, struct anchors *an)
{
        memset(an, 0, sizeof *an);
        an->history = json_array();
        int r = an->history ? store_anchor_list(tx, inc->id, collect_anchor, an) : -ENOMEM;
        if (r < 0)
                return r;
        an->at[ANCHOR_FIRST_DETECTED] = inc->detected_at;
        an->at[ANCHOR_DECLARED] = inc->declared_at;
        if (!an->at[ANCHOR_AWARE])
                an->at[ANCHOR_AWARE] = inc->detected_at;
        return 0;
}

static json_t *anchors_json(const struct incident *inc, struct anchors *an)
{
        json_t *cur = json_object();
        for (int i = 0; i < ANCHOR__COUNT; i++) {
                json_t *v;
                if (an->current[i] && i != ANCHOR_FIRST_DETECTED && i != ANCHOR_DECLARED) {
                        v = json_deep_copy(an->current[i]);
                        json_object_set_new(v, "source", json_string("recorded"));
                } else if (an->at[i]) {
                        /* Held on the incident; the newest recorded reason, if any. */
                        v = an->current[i] ? json_deep_copy(an->current[i]) : json_object();
                        json_object_set_new(v, "at", json_time(an->at[i]));
                        json_object_set_new(v, "source", json_string(i == ANCHOR_AWARE && !an->current[i]
                                                                             ? "default: first_detected"
                                                                             : "incident"));
                } else {
                        v = json_null();
                }
                json_object_del(v, "anchor");
                json_object_set_new(cur, anchor_to_string((enum anchor)i), v);
        }
        (void)inc;
        return json_pack("{s:o, s:O}", "anchors", cur, "history", an->history);
}

int api_anchor_list(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct anchors an = { 0 };
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = request_incident_load(req, tx, &inc);
                if (r >= 0)
                        r = anchors_load(tx, &inc, &an);
                store_rollback(tx);
        }
        if (r >= 0)
                r = response_json(resp, 200, anchors_json(&inc, &an));
        anchors_fini(&an);
        incident_fini(&inc);
        return r;
}

int api_anchor_set(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "at", "reason", NULL };
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        vg_usec_t at = 0;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        enum anchor which = anchor_from_string(req->params[1]);
        if (which == ANCHOR__INVALID) {
                request_detail(req, "no anchor '%s'", req->params[1]);
                return -VG_ENOTFOUND;
        }
        if (!parse_time_field(req, body, "at", VG_TIME_MAX, &at) && !json_object_get(body, "at"))
                fielderr_add(&req->errors, "at", "is required");
        const char *reason = json_field_string(req, body, "reason", true, 4096);
        if (reason && !text_valid(reason, 4096))
                fielderr_add(&req->errors, "reason", "must be text without control characters");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        struct case_outcome o;
        struct actor a = request_actor(req);
        r = begin_change(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_anchor_set(tx, &a, req->now, req->rules, &req->cfg->provider, &inc, which, at,
                                             reason, &o);
        return end_change(req, resp, tx, &inc, &o, r);
}

/* The change protocol above, for the incident handlers in other files
 * (duplicates.c). */
int api_incident_change_begin(struct request *req, struct store_tx **tx, struct incident *inc,
                              struct case_outcome *o)
{
        return begin_change(req, tx, inc, o);
}

int api_incident_change_end(struct request *req, struct response *resp, struct store_tx *tx,
                            struct incident *inc, const struct case_outcome *o, int r)
{
        return end_change(req, resp, tx, inc, o, r);
}
