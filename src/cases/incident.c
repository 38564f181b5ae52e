/* The incident lifecycle's use cases: gather the facts the exit criteria
 * need, apply core's rules, write the change and its audit record. The
 * rules themselves are src/core/incident.c's. */
#include "cases/cases.h"

#include "core/error.h"

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
                        case_outcome_detail(o, "%s cannot move to %s yet: %zu criterion(s) unmet", inc->key,
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
        inc->updated_at = now;
        r = store_incident_update(tx, inc, inc->version);
        if (r == -VG_EPRECONDITION)
                case_outcome_detail(o, "the incident changed while this request ran; read it again");
        if (r >= 0)
                r = store_audit_incident(tx, now, actor, "incident.advance", inc->key, change);
        json_decref(change);
        return r;
}
