/* The incident lifecycle's use cases: open, classify, declare, edit, note
 * and advance an incident - gather the facts the rules need, apply core's
 * rules, write the change and its audit record. The rules themselves are
 * src/core/incident.c's; scope and anchors are scope.c's. */
#include "cases/cases.h"
#include "cases/record.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void case_outcome_init(struct case_outcome *o)
{
        fielderr_init(&o->errors);
        o->detail[0] = '\0';
}

json_t *case_time_json(vg_usec_t t)
{
        char buf[VG_RFC3339_MAX];
        return t == VG_TIME_UNSET || vg_time_format(t, buf) < 0 ? json_null() : json_string(buf);
}

void case_outcome_detail(struct case_outcome *o, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(o->detail, sizeof o->detail, fmt, ap);
        va_end(ap);
}

int case_incident_get(struct store_tx *tx, const char *key, struct incident *inc,
                      struct case_outcome *o)
{
        int r = store_incident_get(tx, key, inc);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no incident %s", key);
        return r;
}

static int count_service(const char *service, void *userdata)
{
        (void)service;
        (*(unsigned *)userdata)++;
        return 0;
}

/* Tenants in scope, and whether the incident is customer-impacting. */
static int tally_tenant(const struct scope_tenant *t, void *userdata)
{
        struct incident_facts *f = userdata;
        f->tenants++;
        f->customer_impacting |= incident_tenant_impacting(t->status);
        return 0;
}

/* Containment tasks open, and the approvals of eradication's
 * business-impact steps. */
static int tally_task(const struct task *t, void *userdata)
{
        struct incident_facts *f = userdata;
        if (t->phase == PHASE_CONTAINMENT &&
            (t->status == TASK_OPEN || t->status == TASK_IN_PROGRESS))
                f->containment_tasks_open++;
        if (t->phase == PHASE_ERADICATION && t->business_impact && t->status != TASK_CANCELLED) {
                if (t->approval_status == APPROVAL_PENDING)
                        f->approvals_pending++;
                else if (t->approval_status == APPROVAL_REJECTED)
                        f->approvals_rejected++;
                else if (t->approval_status != APPROVAL_GRANTED)
                        f->impact_steps_unapproved++;
        }
        return 0;
}

static int tally_asset(const struct recovery_asset *a, void *userdata)
{
        (void)a;
        ((struct incident_facts *)userdata)->assets++;
        return 0;
}

static int tally_check(const struct recovery_check *c, void *userdata)
{
        struct incident_facts *f = userdata;
        f->validations++;
        if (c->result == CHECK_PENDING)
                f->validations_pending++;
        else if (c->result == CHECK_FAIL)
                f->validations_failed++;
        return 0;
}

static int postmortem_approved(const struct postmortem *p, void *userdata)
{
        *(bool *)userdata = strcmp(p->status, "approved") == 0;
        return 0;
}

int case_incident_facts(struct store_tx *tx, const struct incident *inc, struct incident_facts *f)
{
        *f = (struct incident_facts){.phase = inc->phase,
                                     .classification = inc->classification,
                                     .declared = inc->declared_at != VG_TIME_UNSET};
        f->root_cause = inc->root_cause && inc->root_cause[0];
        f->data_breach =
                incident_is_data_breach(inc->classification, &inc->impact, inc->data_categories);
        int r = store_incident_services_list(tx, inc->id, count_service, &f->services);
        if (r >= 0)
                r = store_incident_tenants_list(tx, inc->id, tally_tenant, f);
        if (r >= 0)
                r = store_task_list(tx, inc->id, tally_task, f);
        if (r >= 0)
                r = store_recovery_asset_list(tx, inc->id, tally_asset, f);
        if (r >= 0)
                r = store_recovery_check_list(tx, inc->id, tally_check, f);
        if (r >= 0) {
                /* No post-mortem yet is not an error: it is not complete. */
                r = store_postmortem_get(tx, inc->id, postmortem_approved, &f->postmortem_complete);
                if (r == -VG_ENOTFOUND)
                        r = 0;
        }
        if (r >= 0)
                r = store_obligation_count_open(tx, inc->id, &f->obligations_open);
        return r;
}

int case_incident_exit_criteria(struct store_tx *tx, const struct incident *inc,
                                enum incident_phase *next, struct field_errors *unmet)
{
        struct incident_facts f;
        *next = PHASE__INVALID;
        int r = case_incident_facts(tx, inc, &f);
        if (r < 0 || incident_closed(inc->phase))
                return r;
        *next = inc->phase + 1;
        /* Unmet criteria are the answer here, not a failure. */
        incident_transition_check(&f, *next, NULL, unmet);
        return 0;
}

int case_incident_advance(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          int64_t vigilance_window, struct incident *inc, enum incident_phase to,
                          const char *reason, struct case_outcome *o)
{
        struct incident_facts f;
        int r = case_incident_facts(tx, inc, &f);
        if (r < 0)
                return r;
        r = incident_transition_check(&f, to, reason, &o->errors);
        if (r < 0) {
                if (r == -VG_ECONFLICT && o->errors.n)
                        case_outcome_detail(o, "%s cannot move to %s yet: %zu criterion(s) unmet",
                                            inc->key,
                                            (int)to >= 0 && to < PHASE__COUNT ? phase_to_string(to) : "?",
                                            o->errors.n);
                return r;
        }
        json_t *change = json_pack("{s:s, s:s, s:o}", "from", phase_to_string(inc->phase), "to",
                                   phase_to_string(to), "reason",
                                   reason ? json_string(reason) : json_null());
        if (!change)
                return -ENOMEM;
        struct incident_phase_times t = {.contained_at = inc->contained_at,
                                         .eradicated_at = inc->eradicated_at,
                                         .recovered_at = inc->recovered_at,
                                         .closed_at = inc->closed_at,
                                         .vigilance_until = inc->vigilance_until};
        incident_phase_stamp(inc->phase, to, now, vigilance_window, &t);
        inc->contained_at = t.contained_at;
        inc->eradicated_at = t.eradicated_at;
        inc->recovered_at = t.recovered_at;
        inc->closed_at = t.closed_at;
        inc->vigilance_until = t.vigilance_until;
        inc->phase = to;
        r = case_incident_write(tx, actor, now, inc, "incident.advance", change, o);
        json_decref(change);
        return r;
}

int case_incident_changeable(const struct incident *inc, struct case_outcome *o)
{
        if (!incident_closed(inc->phase))
                return 0;
        case_outcome_detail(o, "the incident is closed");
        return -VG_ECONFLICT;
}

int case_incident_write(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        struct incident *inc, const char *action, json_t *change,
                        struct case_outcome *o)
{
        inc->updated_at = now;
        int r = store_incident_update(tx, inc, inc->version);
        if (r == -VG_EPRECONDITION)
                case_outcome_detail(o, "the incident changed while this request ran; read it again");
        if (r >= 0)
                r = store_audit_incident(tx, now, actor, action, inc->key, change);
        return r;
}

/* A title is one line of text that fits the record uncut. */
static void title_check(const char *title, struct case_outcome *o)
{
        if (!text_valid(title, INCIDENT_TITLE_MAX))
                fielderr_add(&o->errors, "title", "must be 1 to %d bytes of text on one line",
                             INCIDENT_TITLE_MAX);
}

int case_incident_open(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct case_incident_new *n, struct incident *ret,
                       struct case_outcome *o)
{
        memset(ret, 0, sizeof *ret);
        title_check(n->title, o);
        if ((int)n->severity < 0 || n->severity >= SEV__COUNT)
                fielderr_add(&o->errors, "severity", "must be one of sev1, sev2, sev3, sev4");
        if ((int)n->source < 0 || n->source >= SOURCE__COUNT)
                fielderr_add(&o->errors, "source", "unknown source");
        if (n->detected_at > now)
                fielderr_add(&o->errors, "detected_at", "must not be in the future");
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        snprintf(ret->title, sizeof ret->title, "%s", n->title);
        ret->description = strdup(n->description ? n->description : "");
        if (!ret->description)
                return -ENOMEM;
        ret->severity = n->severity;
        ret->source = n->source;
        snprintf(ret->reporter, sizeof ret->reporter, "%s", actor->name);
        ret->phase = PHASE_ANALYSIS;
        ret->classification = CLASS_SUSPECTED;
        ret->detected_at = n->detected_at != VG_TIME_UNSET ? n->detected_at : now;
        ret->reported_at = ret->created_at = ret->updated_at = now;

        int r = store_incident_insert(tx, ret);
        if (r >= 0 && n->n_services)
                r = store_incident_services_set(tx, ret->id, n->services, n->n_services);
        if (r >= 0 && n->tenant)
                r = store_incident_tenants_set(tx, ret->id, n->tenant, 1);
        if (r < 0)
                return r;
        /* What the door reported; the phase, class and reporter are the
         * rule's and the record's actor, the description the incident's. */
        json_t *change = json_pack("{s:s, s:s, s:s, s:o, s:o}", "title", ret->title, "severity",
                                   severity_to_string(ret->severity), "source",
                                   source_to_string(ret->source), "detected_at",
                                   case_time_json(ret->detected_at), "services",
                                   case_names_json(n->services, n->n_services));
        if (change && n->tenant)
                json_object_set_new(change, "tenants", json_pack("[o]", case_tenant_json(n->tenant)));
        if (change && n->record)
                json_object_update(change, n->record);
        r = change ? store_audit_incident(tx, now, actor, "incident.create", ret->key, change) : -ENOMEM;
        json_decref(change);
        return r;
}

int case_incident_declare(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          const struct rule_set *rules, const struct config_provider *provider,
                          struct incident *inc, const struct case_declaration *d,
                          struct case_outcome *o)
{
        vg_usec_t at = d->at != VG_TIME_UNSET ? d->at : now;
        if (inc->declared_at) {
                case_outcome_detail(o, "%s was declared already, by %s", inc->key, inc->declared_by);
                return -VG_ECONFLICT;
        }
        if (inc->classification != CLASS_SECURITY_INCIDENT) {
                case_outcome_detail(o, "only a security_incident is declared; %s is %s", inc->key,
                                    class_to_string(inc->classification));
                return -VG_ECONFLICT;
        }
        int r = case_incident_changeable(inc, o);
        if (r < 0)
                return r;
        if (!d->criteria || !d->criteria[0])
                fielderr_add(&o->errors, "criteria", "is required");
        if (at < inc->detected_at)
                fielderr_add(&o->errors, "declared_at", "must not be before the incident was detected");
        if (at > now)
                fielderr_add(&o->errors, "declared_at", "must not be in the future");
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;

        json_t *decl = json_pack("{s:s, s:o}", "criteria", d->criteria, "triggers",
                                 case_names_json(d->triggers, d->n_triggers));
        char *text = decl ? json_dumps(decl, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        if (!text) {
                json_decref(decl);
                return -ENOMEM;
        }
        free(inc->declaration);
        inc->declaration = text;
        inc->declared_at = at;
        snprintf(inc->declared_by, sizeof inc->declared_by, "%s", actor->name);

        /* The event the notification clocks hang on: written with the
         * change, so it exists exactly when the declaration does. */
        json_t *event = json_pack("{s:s, s:o, s:s, s:O}", "incident", inc->key, "declared_at",
                                  case_time_json(at), "declared_by", inc->declared_by, "declaration", decl);
        r = event ? store_event_append(tx, now, "incident.declared", inc->id, event) : -ENOMEM;
        /* A declaration pages the escalation policies again (trigger "declared"). */
        if (r >= 0)
                r = store_escalation_trigger(tx, inc->key, "declared", now);
        if (r >= 0)
                r = case_incident_write_obliging(tx, actor, now, rules, provider, inc, "incident.declare", event, o);
        json_decref(event);
        json_decref(decl);
        return r;
}

int case_incident_classify(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           struct incident *inc, const struct case_classification *c,
                           struct case_outcome *o)
{
        /* Start from what is recorded; the door changes what it names. */
        struct cia_impact ci = inc->impact;
        data_mask_t dm = c->set_data ? c->data : inc->data_categories;
        if (c->confidentiality >= 0)
                ci.confidentiality = c->confidentiality;
        if (c->integrity >= 0)
                ci.integrity = c->integrity;
        if (c->availability >= 0)
                ci.availability = c->availability;
        int r = incident_classify_check(c->to, &ci, dm, &o->errors);
        if (r >= 0)
                r = case_incident_changeable(inc, o);
        if (r < 0)
                return r;
        json_t *change = json_pack("{s:s, s:s, s:o, s:o, s:o}", "from",
                                   class_to_string(inc->classification), "to", class_to_string(c->to),
                                   "impact", case_impact_json(&ci), "data_categories", case_data_json(dm),
                                   "reason", c->reason ? json_string(c->reason) : json_null());
        if (!change)
                return -ENOMEM;
        inc->classification = c->to;
        inc->impact = ci;
        inc->data_categories = dm;
        r = case_incident_write(tx, actor, now, inc, "incident.classify", change, o);
        json_decref(change);
        return r;
}

/* Replace *field (owned) with a copy of s. */
static int replace_text(char **field, const char *s)
{
        char *dup = strdup(s);
        if (!dup)
                return -ENOMEM;
        free(*field);
        *field = dup;
        return 0;
}

int case_incident_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         struct incident *inc, const struct case_incident_edit *e,
                         struct case_outcome *o)
{
        if (!e->title && !e->description && !e->root_cause && e->severity == SEV__INVALID)
                fielderr_add(&o->errors, "title",
                             "send at least one of title, description, severity, root_cause");
        if (e->title)
                title_check(e->title, o);
        if (e->root_cause && !e->root_cause[0])
                fielderr_add(&o->errors, "root_cause", "must not be empty");
        if (e->severity != SEV__INVALID && ((int)e->severity < 0 || e->severity >= SEV__COUNT))
                fielderr_add(&o->errors, "severity", "must be one of sev1, sev2, sev3, sev4");
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = case_incident_changeable(inc, o);
        if (r < 0)
                return r;
        json_t *change = json_object();
        if (!change)
                return -ENOMEM;
        if (e->title) {
                json_object_set_new(change, "title", json_string(e->title));
                snprintf(inc->title, sizeof inc->title, "%s", e->title);
        }
        if (e->severity != SEV__INVALID) {
                json_object_set_new(change, "severity", json_string(severity_to_string(e->severity)));
                inc->severity = e->severity;
        }
        if (e->description) {
                json_object_set_new(change, "description", json_string(e->description));
                r = replace_text(&inc->description, e->description);
        }
        if (r >= 0 && e->root_cause) {
                json_object_set_new(change, "root_cause", json_string(e->root_cause));
                r = replace_text(&inc->root_cause, e->root_cause);
        }
        if (r >= 0)
                r = case_incident_write(tx, actor, now, inc, "incident.update", change, o);
        json_decref(change);
        return r;
}

int case_incident_note(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct incident *inc, const char *text, struct case_outcome *o)
{
        if (!text || !text[0]) {
                fielderr_add(&o->errors, "text", "must not be empty");
                return -VG_EVALIDATION;
        }
        int r = case_incident_changeable(inc, o);
        if (r < 0)
                return r;
        /* A note is its audit record: append-only, in the chain, and in
         * the timeline in order with every other change. */
        json_t *change = json_pack("{s:s}", "text", text);
        r = change ? store_audit_incident(tx, now, actor, "incident.note", inc->key, change) : -ENOMEM;
        json_decref(change);
        return r;
}
