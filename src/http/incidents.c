/* Incidents: report, list, read, classify, advance through the phases.
 * The rules are src/core/incident.c's; this file gathers the facts, applies
 * the change with its audit record in one transaction, and answers. Every
 * change bumps the version, which is the ETag; If-Match makes a stale
 * write fail with 412 instead of overwriting. */
#include "http/resources.h"

#include "cases/obligations.h"
#include "core/error.h"
#include "core/names.h"

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
        json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:o}", "id", t->tenant, "status",
                              tenant_status_to_string(t->status), "evidence", t->evidence ? t->evidence : "",
                              "affected_users", (json_int_t)t->affected_users, "data_categories",
                              data_json(t->data_categories));
        return json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
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
        json_t *j = NULL;
        if (r >= 0)
                j = incident_json(inc, services); /* takes services */
        else
                json_decref(services);
        if (!j) {
                json_decref(tenants);
                json_decref(indicators);
                return r < 0 ? r : -ENOMEM;
        }
        json_object_set_new(j, "tenants", tenants);
        json_object_set_new(j, "indicators", indicators);
        json_t *decl = inc->declaration && inc->declaration[0] ? json_loads(inc->declaration, 0, NULL) : NULL;
        if (decl)
                json_object_set_new(decl, "by", json_string(inc->declared_by));
        json_object_set_new(j, "declaration", decl ? decl : json_null());
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
        if (title && !text_valid(title, INCIDENT_TITLE_MAX))
                fielderr_add(&req->errors, "title", "must be 1 to %d bytes of text on one line",
                             INCIDENT_TITLE_MAX);
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

        snprintf(inc.title, sizeof inc.title, "%s", title);
        inc.description = strdup(desc ? desc : "");
        if (!inc.description)
                return -ENOMEM;
        inc.severity = severity_from_string(sev);
        inc.source = source_from_string(src);
        snprintf(inc.reporter, sizeof inc.reporter, "%s", req->who.user.name);
        inc.phase = PHASE_ANALYSIS;
        inc.classification = CLASS_SUSPECTED;
        inc.detected_at = detected;
        inc.reported_at = inc.created_at = inc.updated_at = req->now;

        r = store_begin(req->store, &tx);
        if (r < 0)
                goto out;
        r = store_incident_insert(tx, &inc);
        if (r >= 0)
                r = store_incident_services_set(tx, inc.id, services, n_services);
        if (r >= 0) {
                json_t *change = incident_json(&inc, json_copy(json_object_get(body, "services")));
                r = request_audit_incident(req, tx, "incident.create", inc.key, change);
                json_decref(change);
        }
        if (r >= 0) {
                char location[64];
                snprintf(location, sizeof location, "/api/v1/incidents/%s", inc.key);
                response_header_add(resp, "Location", location);
                r = respond_incident(req, resp, tx, &inc, 201);
        }
        r = store_finish(tx, r);
out:
        incident_fini(&inc);
        return r;
}

static int list_one(const struct incident *inc, void *userdata)
{
        return page_add(userdata, inc->id, incident_json(inc, NULL));
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
        if ((v = request_query(req, "q")) && !text_valid(v, 200))
                fielderr_add(&req->errors, "q", "must be 1 to 200 bytes of text");
        else
                f.text = v;
        int r = page_begin(req, &pg);
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
 * load it and honour If-Match. On failure *tx may be set; the caller ends
 * it with store_finish. */
static int begin_change(struct request *req, struct store_tx **tx, struct incident *inc)
{
        int r = store_begin(req->store, tx);
        if (r < 0) {
                *tx = NULL;
                return r;
        }
        r = request_incident_load(req, *tx, inc);
        return r < 0 ? r : check_if_match(req, inc);
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

/* Write inc (read at version) with its audit record and answer. */
static int save(struct request *req, struct response *resp, struct store_tx *tx,
                struct incident *inc, const char *action, json_t *change)
{
        int64_t version = inc->version;
        inc->updated_at = req->now;
        int r = store_incident_update(tx, inc, version);
        if (r == -VG_EPRECONDITION)
                request_detail(req, "the incident changed while this request ran; read it again");
        if (r >= 0)
                r = request_audit_incident(req, tx, action, inc->key, change);
        if (r >= 0)
                r = respond_incident(req, resp, tx, inc, 200);
        return r;
}

int api_incident_classify(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "classification", "impact", "data_categories", "reason", NULL };
        static const char *const impact_fields[] = { "confidentiality", "integrity", "availability", NULL };
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *cls = json_field_string(req, body, "classification", true, 32);
        enum incident_class to = cls ? class_from_string(cls) : CLASS__INVALID;
        const char *reason = json_field_string(req, body, "reason", false, 4096);
        json_t *impact = json_object_get(body, "impact");
        json_t *data = json_object_get(body, "data_categories");
        if (impact && !json_is_object(impact))
                fielderr_add(&req->errors, "impact", "must be an object of booleans");
        if (data && !json_is_array(data))
                fielderr_add(&req->errors, "data_categories", "must be an array of category names");

        r = begin_change(req, &tx, &inc);
        if (r < 0)
                goto out;

        /* Start from what is recorded; the request changes what it names. */
        struct cia_impact ci = inc.impact;
        data_mask_t dm = inc.data_categories;
        if (json_is_object(impact)) {
                json_only_fields(req, impact, impact_fields);
                int b;
                if ((b = json_field_bool(req, impact, "confidentiality")) >= 0)
                        ci.confidentiality = b;
                if ((b = json_field_bool(req, impact, "integrity")) >= 0)
                        ci.integrity = b;
                if ((b = json_field_bool(req, impact, "availability")) >= 0)
                        ci.availability = b;
        }
        if (json_is_array(data)) {
                size_t i;
                json_t *v;
                dm = 0;
                json_array_foreach(data, i, v) {
                        enum data_category d = data_category_from_string(json_string_value(v));
                        if (d == DATA__INVALID)
                                fielderr_add(&req->errors, "data_categories", "item %zu: unknown category", i);
                        else
                                dm |= DATA_BIT(d);
                }
        }
        if (cls && to == CLASS__INVALID)
                fielderr_add(&req->errors, "classification",
                             "must be one of suspected, security_incident, compliance_event, false_positive");
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
                goto out;
        }
        r = incident_classify_check(to, &ci, dm, &req->errors);
        if (r < 0)
                goto out;
        if (incident_closed(inc.phase)) {
                request_detail(req, "the incident is closed");
                r = -VG_ECONFLICT;
                goto out;
        }
        json_t *change = json_pack("{s:s, s:s, s:o, s:o, s:o}", "from",
                                   class_to_string(inc.classification), "to", class_to_string(to),
                                   "impact", impact_json(&ci), "data_categories", data_json(dm),
                                   "reason", reason ? json_string(reason) : json_null());
        inc.classification = to;
        inc.impact = ci;
        inc.data_categories = dm;
        r = save(req, resp, tx, &inc, "incident.classify", change);
        json_decref(change);
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
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

        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = begin_change(req, &tx, &inc);
        if (r >= 0)
                r = case_incident_advance(tx, &a, req->now, req->cfg->vigilance_window, &inc,
                                          phase_from_string(phase), reason, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = respond_incident(req, resp, tx, &inc, 200);
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}

int api_incident_note(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "text", NULL };
        struct incident inc = { 0 };
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
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = request_incident_load(req, tx, &inc);
        if (r >= 0) {
                /* A note is its audit record: append-only, in the chain, and
                 * in the timeline in order with every other change. */
                json_t *change = json_pack("{s:s}", "text", text);
                r = change ? request_audit_incident(req, tx, "incident.note", inc.key, change) : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0)
                r = response_json(resp, 201, json_pack("{s:s, s:s, s:s, s:o}", "incident", inc.key,
                                                       "author", req->who.user.name, "text", text,
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

int api_incident_declare(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "criteria", "triggers", "declared_at", NULL };
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *criteria = json_field_string(req, body, "criteria", true, 4096);
        if (criteria && !text_valid(criteria, 4096))
                fielderr_add(&req->errors, "criteria", "must be text without control characters");
        json_t *triggers = json_object_get(body, "triggers");
        if (triggers) {
                size_t i;
                json_t *v;
                if (!json_is_array(triggers) || json_array_size(triggers) > 100)
                        fielderr_add(&req->errors, "triggers", "must be an array of at most 100 alert or report references");
                else
                        json_array_foreach(triggers, i, v)
                                if (!json_is_string(v) || !text_valid(json_string_value(v), 256))
                                        fielderr_add(&req->errors, "triggers", "item %zu: a reference is 1 to 256 bytes of text", i);
        }
        vg_usec_t at = req->now;
        parse_time_field(req, body, "declared_at", req->now, &at);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        r = begin_change(req, &tx, &inc);
        if (r < 0)
                goto out;
        if (inc.declared_at) {
                request_detail(req, "%s was declared already, by %s", inc.key, inc.declared_by);
                r = -VG_ECONFLICT;
                goto out;
        }
        if (inc.classification != CLASS_SECURITY_INCIDENT) {
                request_detail(req, "only a security_incident is declared; %s is %s", inc.key,
                               class_to_string(inc.classification));
                r = -VG_ECONFLICT;
                goto out;
        }
        if (incident_closed(inc.phase)) {
                request_detail(req, "the incident is closed");
                r = -VG_ECONFLICT;
                goto out;
        }
        if (at < inc.detected_at) {
                fielderr_add(&req->errors, "declared_at", "must not be before the incident was detected");
                r = -VG_EVALIDATION;
                goto out;
        }
        json_t *decl = json_pack("{s:s, s:o}", "criteria", criteria, "triggers",
                                 triggers ? json_incref(triggers) : json_array());
        char *text = decl ? json_dumps(decl, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        if (!text) {
                json_decref(decl);
                r = -ENOMEM;
                goto out;
        }
        free(inc.declaration);
        inc.declaration = text;
        inc.declared_at = at;
        snprintf(inc.declared_by, sizeof inc.declared_by, "%s", req->who.user.name);

        /* The event the notification clocks hang on: written with the
         * change, so it exists exactly when the declaration does. */
        json_t *event = json_pack("{s:s, s:o, s:s, s:O}", "incident", inc.key, "declared_at",
                                  json_time(at), "declared_by", inc.declared_by, "declaration", decl);
        r = event ? store_event_append(tx, req->now, "incident.declared", inc.id, event) : -ENOMEM;
        /* A declaration pages the escalation policies again (trigger "declared"). */
        if (r >= 0)
                r = store_escalation_trigger(tx, inc.key, "declared", req->now);
        if (r >= 0)
                r = save(req, resp, tx, &inc, "incident.declare", event);
        /* The obligations follow the declaration, the scope and the anchors. */
        if (r >= 0)
                r = case_obligations_recompute(tx, req->rules, &req->cfg->provider, inc.key, req->now);
        json_decref(event);
        json_decref(decl);
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
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

/* Parse the "tenants" array of a scope body. Items borrow from the JSON. */
static size_t parse_tenants(struct request *req, json_t *arr, struct scope_tenant *out, size_t max)
{
        static const char *const fields[] = { "id", "status", "evidence", "affected_users", "data_categories", NULL };
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
                struct scope_tenant *t = &out[n];
                memset(t, 0, sizeof *t);
                const char *key;
                json_t *x;
                json_object_foreach(v, key, x) {
                        bool ok = false;
                        for (size_t k = 0; fields[k]; k++)
                                ok |= strcmp(key, fields[k]) == 0;
                        if (!ok)
                                fielderr_add(&req->errors, field, "unknown field '%s'", key);
                }
                const char *id = json_string_value(json_object_get(v, "id"));
                const char *status = json_string_value(json_object_get(v, "status"));
                json_t *ev = json_object_get(v, "evidence"), *users = json_object_get(v, "affected_users");
                json_t *data = json_object_get(v, "data_categories");
                if (!id || !tenant_id_valid(id))
                        fielderr_add(&req->errors, field, "id must be a tenant id (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-')");
                else
                        snprintf(t->tenant, sizeof t->tenant, "%s", id);
                if ((t->status = tenant_status_from_string(status)) == TENANT__INVALID)
                        fielderr_add(&req->errors, field, "status must be confirmed, suspected or ruled_out");
                if (ev && (!json_is_string(ev) || json_string_length(ev) > 4096))
                        fielderr_add(&req->errors, field, "evidence must be text of at most 4096 bytes");
                t->evidence = json_string_value(ev);
                if (users && (!json_is_integer(users) || json_integer_value(users) < 0))
                        fielderr_add(&req->errors, field, "affected_users must be a whole number >= 0");
                t->affected_users = users ? json_integer_value(users) : 0;
                if (data) {
                        size_t k;
                        json_t *d;
                        if (!json_is_array(data))
                                fielderr_add(&req->errors, field, "data_categories must be an array");
                        json_array_foreach(data, k, d) {
                                enum data_category c = data_category_from_string(json_string_value(d));
                                if (c == DATA__INVALID)
                                        fielderr_add(&req->errors, field, "unknown data category");
                                else
                                        t->data_categories |= DATA_BIT(c);
                        }
                }
                n++;
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

#define SCOPE_TENANTS_MAX 1000000 /* a breach of a shared service can touch every tenant */
#define SCOPE_INDICATORS_MAX 1000

int api_incident_scope(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "services", "tenants", "indicators", "reason", NULL };
        const char *services[INCIDENT_SERVICES_MAX];
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
               *ji = json_object_get(body, "indicators");
        const char *reason = json_field_string(req, body, "reason", false, 4096);
        if (!js && !jt && !ji)
                fielderr_add(&req->errors, "services", "send at least one of services, tenants, indicators");
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
                goto out;
        }
        r = begin_change(req, &tx, &inc);
        if (r >= 0 && incident_closed(inc.phase)) {
                request_detail(req, "the incident is closed");
                r = -VG_ECONFLICT;
        }
        if (r >= 0 && js)
                r = store_incident_services_set(tx, inc.id, services, n_services);
        if (r >= 0 && jt)
                r = store_incident_tenants_set(tx, inc.id, tenants, n_tenants);
        if (r >= 0 && ji)
                r = store_incident_indicators_set(tx, inc.id, indicators, n_indicators);
        if (r >= 0) {
                /* The audit record keeps each version of the scope as sent. */
                json_t *change = json_pack("{s:O?, s:O?, s:O?, s:o}", "services", js, "tenants", jt,
                                           "indicators", ji, "reason", reason ? json_string(reason) : json_null());
                r = change ? save(req, resp, tx, &inc, "incident.scope", change) : -ENOMEM;
                json_decref(change);
        }
        /* The obligations follow the declaration, the scope and the anchors. */
        if (r >= 0)
                r = case_obligations_recompute(tx, req->rules, &req->cfg->provider, inc.key, req->now);
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        free(tenants);
        free(indicators);
        return r;
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
        if (title && !text_valid(title, INCIDENT_TITLE_MAX))
                fielderr_add(&req->errors, "title", "must be 1 to %d bytes of text on one line", INCIDENT_TITLE_MAX);
        const char *desc = json_field_string(req, body, "description", false, INCIDENT_TEXT_MAX);
        const char *sev = json_field_string(req, body, "severity", false, 16);
        if (sev && severity_from_string(sev) == SEV__INVALID)
                fielderr_add(&req->errors, "severity", "must be one of sev1, sev2, sev3, sev4");
        const char *root = json_field_string(req, body, "root_cause", false, INCIDENT_TEXT_MAX);
        if (root && !*root)
                fielderr_add(&req->errors, "root_cause", "must not be empty");
        if (json_object_size(body) == 0)
                fielderr_add(&req->errors, "title", "send at least one of title, description, severity, root_cause");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        r = begin_change(req, &tx, &inc);
        if (r >= 0 && incident_closed(inc.phase)) {
                request_detail(req, "the incident is closed");
                r = -VG_ECONFLICT;
        }
        if (r < 0)
                goto out;
        json_t *change = json_object();
        if (title) {
                json_object_set_new(change, "title", json_string(title));
                snprintf(inc.title, sizeof inc.title, "%s", title);
        }
        if (sev) {
                json_object_set_new(change, "severity", json_string(sev));
                inc.severity = severity_from_string(sev);
        }
        char *dup_desc = desc ? strdup(desc) : NULL, *dup_root = root ? strdup(root) : NULL;
        if ((desc && !dup_desc) || (root && !dup_root)) {
                free(dup_desc);
                free(dup_root);
                json_decref(change);
                r = -ENOMEM;
                goto out;
        }
        if (desc) {
                json_object_set_new(change, "description", json_string(desc));
                free(inc.description);
                inc.description = dup_desc;
        }
        if (root) {
                json_object_set_new(change, "root_cause", json_string(root));
                free(inc.root_cause);
                inc.root_cause = dup_root;
        }
        r = save(req, resp, tx, &inc, "incident.update", change);
        json_decref(change);
out:
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
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
        struct anchors an = { 0 };
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

        r = begin_change(req, &tx, &inc);
        if (r >= 0 && incident_closed(inc.phase)) {
                request_detail(req, "the incident is closed");
                r = -VG_ECONFLICT;
        }
        if (r >= 0 && which == ANCHOR_DECLARED && !inc.declared_at) {
                request_detail(req, "%s is not declared; declare it first", inc.key);
                r = -VG_ECONFLICT;
        }
        if (r >= 0)
                r = anchors_load(tx, &inc, &an);
        if (r < 0)
                goto out;
        vg_usec_t earliest = 0;
        for (int i = 0; i < ANCHOR__COUNT; i++)
                if (i != ANCHOR_FIRST_DETECTED && an.current[i] && an.at[i] && (!earliest || an.at[i] < earliest))
                        earliest = an.at[i];
        if (inc.declared_at && (!earliest || inc.declared_at < earliest))
                earliest = inc.declared_at;
        r = anchor_check(which, at, req->now, inc.detected_at, earliest, &req->errors);
        if (r < 0)
                goto out;

        struct anchor_setting s = { .anchor = which, .at = at, .reason = reason, .set_at = req->now };
        snprintf(s.set_by, sizeof s.set_by, "%s", req->who.user.name);
        r = store_anchor_append(tx, inc.id, &s);
        json_t *change = json_pack("{s:s, s:o, s:o, s:s}", "anchor", anchor_to_string(which), "at",
                                   json_time(at), "previous", json_time(an.at[which]), "reason", reason);
        /* The deadline engine recomputes every obligation from this event. */
        if (r >= 0)
                r = change ? store_event_append(tx, req->now, "incident.anchor_changed", inc.id, change) : -ENOMEM;
        if (which == ANCHOR_FIRST_DETECTED)
                inc.detected_at = at;
        if (which == ANCHOR_DECLARED)
                inc.declared_at = at;
        if (r >= 0)
                r = save(req, resp, tx, &inc, "incident.anchor", change);
        /* The obligations follow the declaration, the scope and the anchors. */
        if (r >= 0)
                r = case_obligations_recompute(tx, req->rules, &req->cfg->provider, inc.key, req->now);
        json_decref(change);
out:
        r = tx ? store_finish(tx, r) : r;
        anchors_fini(&an);
        incident_fini(&inc);
        return r;
}
