#include "core/incident.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAMES(type, prefix, invalid, ...)                                           \
        static const char *const prefix##_names[] = { __VA_ARGS__ };               \
        type prefix##_from_string(const char *s)                                    \
        {                                                                           \
                for (size_t i = 0; s && i < sizeof prefix##_names / sizeof *prefix##_names; i++) \
                        if (strcmp(s, prefix##_names[i]) == 0)                      \
                                return (type)i;                                     \
                return invalid;                                                     \
        }                                                                           \
        const char *prefix##_to_string(type v)                                      \
        {                                                                           \
                if ((int)v < 0 || (size_t)v >= sizeof prefix##_names / sizeof *prefix##_names) \
                        return NULL;                                                \
                return prefix##_names[v];                                           \
        }

NAMES(enum incident_phase, phase, PHASE__INVALID, "analysis", "containment", "eradication",
      "recovery", "post_incident", "closed")
NAMES(enum incident_class, class, CLASS__INVALID, "suspected", "security_incident",
      "compliance_event", "false_positive", "duplicate")
NAMES(enum severity, severity, SEV__INVALID, "sev1", "sev2", "sev3", "sev4")
NAMES(enum incident_source, source, SOURCE__INVALID, "monitoring", "employee", "customer",
      "third_party")
NAMES(enum task_status, task_status, TASK__INVALID, "open", "in_progress", "done", "cancelled")
NAMES(enum approval_status, approval_status, APPROVAL__INVALID, "pending", "granted", "rejected")
NAMES(enum tenant_status, tenant_status, TENANT__INVALID, "confirmed", "suspected", "ruled_out")
NAMES(enum data_category, data_category, DATA__INVALID, "customer_data", "personal_data",
      "special_category", "credentials", "payment_card", "health", "financial", "government_id",
      "children", "location", "internal")

int incident_classify_check(enum incident_class to, const struct cia_impact *impact,
                            data_mask_t data, struct field_errors *fe)
{
        if ((int)to < 0 || to >= CLASS__COUNT) {
                fielderr_add(fe, "classification",
                             "must be one of suspected, security_incident, compliance_event, false_positive");
                return -VG_EVALIDATION;
        }
        if (to == CLASS_DUPLICATE) {
                fielderr_add(fe, "classification",
                             "duplicate is not chosen by classifying: mark the incident a duplicate "
                             "of the one that carries on (POST /api/v1/incidents/{key}/duplicate)");
                return -VG_EVALIDATION;
        }
        if (to != CLASS_SECURITY_INCIDENT)
                return 0;
        bool cia = impact->confidentiality || impact->integrity || impact->availability;
        bool customer = (data & ~DATA_BIT(DATA_INTERNAL)) != 0;
        if (!cia)
                fielderr_add(fe, "impact",
                             "a security_incident needs a confirmed confidentiality, integrity or "
                             "availability impact; without one, classify it as compliance_event");
        if (!customer)
                fielderr_add(fe, "data_categories",
                             "a security_incident needs customer or personal data hit; internal data "
                             "alone makes it a compliance_event");
        return cia && customer ? 0 : -VG_EVALIDATION;
}

NAMES(enum anchor, anchor, ANCHOR__INVALID, "first_detected", "aware", "determined", "declared",
      "classified_major", "materiality_determined", "assessment_completed", "ransom_paid",
      "handling_completed")

/* Clocks of different machines disagree a little; a minute is allowed. */
#define ANCHOR_SKEW (60 * VG_USEC_PER_SEC)

int anchor_check(enum anchor a, vg_usec_t at, vg_usec_t now, vg_usec_t first_detected,
                 vg_usec_t earliest_other, struct field_errors *fe)
{
        if ((int)a < 0 || a >= ANCHOR__COUNT) {
                fielderr_add(fe, "anchor", "unknown anchor");
                return -VG_EVALIDATION;
        }
        if (at > now + ANCHOR_SKEW)
                fielderr_add(fe, "at", "must not be in the future");
        else if (a == ANCHOR_FIRST_DETECTED && earliest_other && at > earliest_other)
                fielderr_add(fe, "at", "first detection cannot come after another anchor already set");
        else if (a != ANCHOR_FIRST_DETECTED && at < first_detected)
                fielderr_add(fe, "at", "must not be before the incident was first detected");
        return fielderr_any(fe) ? -VG_EVALIDATION : 0;
}

bool incident_is_data_breach(enum incident_class c, const struct cia_impact *impact, data_mask_t data)
{
        data_mask_t personal = data & ~(DATA_BIT(DATA_CUSTOMER_DATA) | DATA_BIT(DATA_INTERNAL));
        return c == CLASS_SECURITY_INCIDENT && impact->confidentiality && personal != 0;
}

bool incident_tenant_impacting(enum tenant_status s)
{
        return s == TENANT_CONFIRMED;
}

bool incident_postmortem_required(bool customer_impacting, bool data_breach)
{
        return customer_impacting || data_breach;
}

bool incident_closed(enum incident_phase p)
{
        return p == PHASE_CLOSED;
}

bool incident_investigating(enum incident_phase p)
{
        return p != PHASE_CLOSED && p != PHASE_POST_INCIDENT;
}

/* Exit criteria of the phase being left, forward. */
static void exit_criteria(const struct incident_facts *f, struct field_errors *u)
{
        switch (f->phase) {
        case PHASE_ANALYSIS:
                if (f->services == 0)
                        fielderr_add(u, "scope.services", "record at least one affected service");
                break;
        case PHASE_CONTAINMENT:
                if (f->containment_tasks_open)
                        fielderr_add(u, "tasks.containment", "%u containment task(s) not done",
                                     f->containment_tasks_open);
                if (f->classification == CLASS_SUSPECTED)
                        fielderr_add(u, "classification",
                                     "classification is still suspected; make it final");
                else if (f->classification != CLASS_SECURITY_INCIDENT)
                        fielderr_add(u, "classification",
                                     "a %s does not go on to eradication; close it with a justification",
                                     class_to_string(f->classification));
                if (!f->declared)
                        fielderr_add(u, "declaration", "declare the security incident");
                if (f->tenants == 0)
                        fielderr_add(u, "scope.tenants",
                                     "record the tenant scope (confirmed, suspected or ruled out)");
                break;
        case PHASE_ERADICATION:
                if (!f->root_cause)
                        fielderr_add(u, "root_cause", "record the root cause");
                if (f->impact_steps_unapproved)
                        fielderr_add(u, "approvals",
                                     "%u business-impact step(s) lack an executive approval",
                                     f->impact_steps_unapproved);
                if (f->approvals_pending)
                        fielderr_add(u, "approvals.pending", "%u approval(s) still pending",
                                     f->approvals_pending);
                if (f->approvals_rejected)
                        fielderr_add(u, "approvals.rejected",
                                     "%u approval(s) rejected; change or drop the step(s)",
                                     f->approvals_rejected);
                break;
        case PHASE_RECOVERY:
                if (f->assets == 0)
                        fielderr_add(u, "recovery.last_known_good",
                                     "record the last known good state of each affected asset");
                if (f->validations == 0)
                        fielderr_add(u, "recovery.validations", "record at least one validation check");
                if (f->validations_pending)
                        fielderr_add(u, "recovery.validations",
                                     "%u validation check(s) have no result", f->validations_pending);
                if (f->validations_failed)
                        fielderr_add(u, "recovery.validations", "%u validation check(s) failed",
                                     f->validations_failed);
                break;
        case PHASE_POST_INCIDENT:
                if (incident_postmortem_required(f->customer_impacting, f->data_breach) && !f->postmortem_complete)
                        fielderr_add(u, "postmortem",
                                     "a customer-impacting incident or data breach needs a complete "
                                     "post-mortem");
                if (f->obligations_open)
                        fielderr_add(u, "obligations",
                                     "%u notification obligation(s) neither met nor waived",
                                     f->obligations_open);
                break;
        default:
                break;
        }
}

int incident_transition_check(const struct incident_facts *f, enum incident_phase to,
                              const char *reason, struct field_errors *unmet)
{
        enum incident_phase from = f->phase;
        bool has_reason = reason && text_valid(reason, 4096);

        if ((int)to < 0 || to >= PHASE__COUNT) {
                fielderr_add(unmet, "phase",
                             "must be one of analysis, containment, eradication, recovery, "
                             "post_incident, closed");
                return -VG_EVALIDATION;
        }
        if (from == PHASE_CLOSED) {
                fielderr_add(unmet, "phase", "the incident is closed");
                return -VG_ECONFLICT;
        }
        if (to == from) {
                fielderr_add(unmet, "phase", "the incident is already in %s", phase_to_string(to));
                return -VG_ECONFLICT;
        }
        if (to < from) { /* re-entry, e.g. re-infection */
                if (!has_reason) {
                        fielderr_add(unmet, "reason", "going back to %s needs a reason",
                                     phase_to_string(to));
                        return -VG_EVALIDATION;
                }
                return 0;
        }
        /* Early close of what turned out not to be a security incident. */
        if (to == PHASE_CLOSED &&
            (f->classification == CLASS_COMPLIANCE_EVENT || f->classification == CLASS_FALSE_POSITIVE) &&
            (from == PHASE_ANALYSIS || from == PHASE_CONTAINMENT)) {
                if (!has_reason) {
                        fielderr_add(unmet, "reason", "closing a %s needs a written justification",
                                     class_to_string(f->classification));
                        return -VG_EVALIDATION;
                }
                return 0;
        }
        if (to != from + 1) {
                fielderr_add(unmet, "phase", "%s follows %s; phases are not skipped",
                             phase_to_string((enum incident_phase)(from + 1)), phase_to_string(from));
                return -VG_ECONFLICT;
        }
        exit_criteria(f, unmet);
        return fielderr_any(unmet) ? -VG_ECONFLICT : 0;
}

void incident_phase_stamp(enum incident_phase from, enum incident_phase to, vg_usec_t now,
                          int64_t vigilance_window, struct incident_phase_times *t)
{
        if (to <= from)
                return;
        if (from == PHASE_CONTAINMENT && t->contained_at == VG_TIME_UNSET)
                t->contained_at = now;
        if (from == PHASE_ERADICATION && t->eradicated_at == VG_TIME_UNSET)
                t->eradicated_at = now;
        if (from == PHASE_RECOVERY && t->recovered_at == VG_TIME_UNSET)
                t->recovered_at = now;
        /* Every forward exit from recovery opens a fresh window: a re-entry
         * (re-infection) watches again from its own recovery. */
        if (from == PHASE_RECOVERY)
                t->vigilance_until = now + vigilance_window * VG_USEC_PER_SEC;
        if (to == PHASE_CLOSED)
                t->closed_at = now;
}

int incident_duplicate_check(const struct incident_duplicate_facts *f, const char *reason,
                             struct field_errors *fe)
{
        if (!reason)
                fielderr_add(fe, "reason", "is required: say why this incident is a duplicate");
        else if (!text_valid(reason, DUPLICATE_REASON_MAX))
                fielderr_add(fe, "reason", "must be 1 to %d bytes of text on one line",
                             DUPLICATE_REASON_MAX);
        if (f->same)
                fielderr_add(fe, "of", "an incident cannot be a duplicate of itself");
        if (fielderr_any(fe))
                return -VG_EVALIDATION;
        if (incident_closed(f->a_phase))
                fielderr_add(fe, "phase", "the incident is closed");
        if (f->a_declared)
                fielderr_add(fe, "declaration",
                             "a declared security incident keeps its own obligations and notices; "
                             "it is not closed as a duplicate");
        if (f->a_notices)
                fielderr_add(fe, "notices", "%u customer notice(s) were composed for this incident",
                             f->a_notices);
        if (f->a_obligations_open)
                fielderr_add(fe, "obligations",
                             "%u notification obligation(s) neither met nor waived",
                             f->a_obligations_open);
        if (f->b_duplicate)
                fielderr_add(fe, "of", "the survivor is itself a duplicate; name the incident it "
                                       "was merged into");
        else if (incident_closed(f->b_phase))
                fielderr_add(fe, "of", "the survivor is closed; merge into an open incident");
        return fielderr_any(fe) ? -VG_ECONFLICT : 0;
}

int incident_key_format(int year, int64_t seq, char *buf, size_t size)
{
        if (year < 1970 || year > 9999 || seq < 1 || seq > INT64_C(99999999))
                return -ERANGE;
        int n = snprintf(buf, size, "INC-%04d-%04" PRId64, year, seq);
        return n > 0 && (size_t)n < size ? 0 : -ENOBUFS;
}

int incident_key_parse(const char *key, int *ret_year, int64_t *ret_seq)
{
        size_t n = key ? strlen(key) : 0;
        if (n < 13 || n > 17 || strncmp(key, "INC-", 4) != 0 || key[8] != '-')
                return -EINVAL;
        for (size_t i = 4; i < n; i++)
                if (i != 8 && (key[i] < '0' || key[i] > '9'))
                        return -EINVAL;
        int year = (int)strtol(key + 4, NULL, 10); /* digits checked above */
        int64_t seq = strtoll(key + 9, NULL, 10);
        if (year < 1970 || seq < 1 || (n > 13 && key[9] == '0'))
                return -EINVAL; /* "INC-2026-00001" is not the canonical form */
        *ret_year = year;
        *ret_seq = seq;
        return 0;
}
