/* Incident rules (DESIGN.md §1-§2): phases and their exit criteria,
 * classification, keys. Pure: callers gather the facts from the store and
 * pass them in; nothing here reads the clock or does I/O. */
#pragma once

#include "core/fielderr.h"
#include "core/vtime.h"

#include <stdbool.h>
#include <stdint.h>

enum incident_phase {
        PHASE_ANALYSIS,
        PHASE_CONTAINMENT,
        PHASE_ERADICATION,
        PHASE_RECOVERY,
        PHASE_POST_INCIDENT,
        PHASE_CLOSED,
        PHASE__COUNT,
        PHASE__INVALID = -1,
};

enum incident_class {
        CLASS_SUSPECTED,
        CLASS_SECURITY_INCIDENT,
        CLASS_COMPLIANCE_EVENT, /* no CIA impact on customer data: not a security incident */
        CLASS_FALSE_POSITIVE,
        CLASS_DUPLICATE, /* closed as a duplicate of another incident; set only by incident_duplicate_check's move */
        CLASS__COUNT,
        CLASS__INVALID = -1,
};

enum severity { SEV1, SEV2, SEV3, SEV4, SEV__COUNT, SEV__INVALID = -1 };

enum incident_source {
        SOURCE_MONITORING,
        SOURCE_EMPLOYEE,
        SOURCE_CUSTOMER,
        SOURCE_THIRD_PARTY,
        SOURCE__COUNT,
        SOURCE__INVALID = -1,
};

/* Data categories a breach may hit. All but DATA_INTERNAL are customer or
 * personal data for the purpose of classifying a security incident. */
enum data_category {
        DATA_CUSTOMER_DATA,
        DATA_PERSONAL_DATA,
        DATA_SPECIAL_CATEGORY,
        DATA_CREDENTIALS,
        DATA_PAYMENT_CARD,
        DATA_HEALTH,
        DATA_FINANCIAL,
        DATA_GOVERNMENT_ID,
        DATA_CHILDREN,
        DATA_LOCATION,
        DATA_INTERNAL,
        DATA__COUNT,
        DATA__INVALID = -1,
};

/* A tenant's place in an incident's scope. */
enum tenant_status { TENANT_CONFIRMED, TENANT_SUSPECTED, TENANT_RULED_OUT, TENANT__COUNT, TENANT__INVALID = -1 };

enum task_status { TASK_OPEN, TASK_IN_PROGRESS, TASK_DONE, TASK_CANCELLED, TASK__COUNT, TASK__INVALID = -1 };
enum approval_status { APPROVAL_PENDING, APPROVAL_GRANTED, APPROVAL_REJECTED, APPROVAL__COUNT, APPROVAL__INVALID = -1 };

typedef uint32_t data_mask_t;
#define DATA_BIT(d) ((data_mask_t)1u << (d))

/* Names as the API spells them; *_from_string returns the __INVALID value
 * for an unknown name, *_to_string NULL for an out-of-range value. */
enum incident_phase phase_from_string(const char *s);
const char *phase_to_string(enum incident_phase p);
enum incident_class class_from_string(const char *s);
const char *class_to_string(enum incident_class c);
enum severity severity_from_string(const char *s);
const char *severity_to_string(enum severity s);
enum incident_source source_from_string(const char *s);
const char *source_to_string(enum incident_source s);
enum task_status task_status_from_string(const char *s);
const char *task_status_to_string(enum task_status s);
enum approval_status approval_status_from_string(const char *s);
const char *approval_status_to_string(enum approval_status s);
enum tenant_status tenant_status_from_string(const char *s);
const char *tenant_status_to_string(enum tenant_status s);
enum data_category data_category_from_string(const char *s);
const char *data_category_to_string(enum data_category d);

struct cia_impact {
        bool confidentiality;
        bool integrity;
        bool availability;
};

/* May an incident be classified as `to` with this impact? A
 * security_incident needs a confirmed C, I or A impact on customer or
 * personal data; duplicate is never chosen here: marking an incident a
 * duplicate of another (incident_duplicate_check) is its own move. Errors
 * go to fe under "classification", "impact" or "data_categories". Returns
 * 0 or -VG_EVALIDATION. */
int incident_classify_check(enum incident_class to, const struct cia_impact *impact,
                            data_mask_t data, struct field_errors *fe);

/* The moments legal clocks count from (DESIGN.md §4). first_detected and
 * declared mirror the incident's detected_at and declared_at; aware
 * defaults to first_detected until someone records a later time. */
enum anchor {
        ANCHOR_FIRST_DETECTED,
        ANCHOR_AWARE,
        ANCHOR_DETERMINED,
        ANCHOR_DECLARED,
        ANCHOR_CLASSIFIED_MAJOR,
        ANCHOR_MATERIALITY_DETERMINED,
        ANCHOR_ASSESSMENT_COMPLETED,
        ANCHOR_RANSOM_PAID,
        ANCHOR_HANDLING_COMPLETED,
        ANCHOR__COUNT,
        ANCHOR__INVALID = -1,
};
enum anchor anchor_from_string(const char *s);
const char *anchor_to_string(enum anchor a);

/* May anchor a be set to at? Not in the future (beyond skew), not before
 * first detection (except first_detected itself, which must not come
 * after any anchor already set: pass the earliest other anchor, or 0).
 * Errors go to fe under "at". */
int anchor_check(enum anchor a, vg_usec_t at, vg_usec_t now, vg_usec_t first_detected,
                 vg_usec_t earliest_other, struct field_errors *fe);

/* A data breach, for the post-mortem rule: a security incident whose
 * confidentiality impact hit personal data (any category but customer_data,
 * which may be non-personal, and internal). */
bool incident_is_data_breach(enum incident_class c, const struct cia_impact *impact, data_mask_t data);

/* Customer-impacting, the one rule: an incident is customer-impacting when
 * any tenant in its scope is confirmed affected (suspected and ruled-out
 * tenants are not). Callers tally their scope's tenants through this. */
bool incident_tenant_impacting(enum tenant_status s);
/* The post-mortem rule: a complete (approved) post-mortem is needed before
 * leaving post_incident when the incident is customer-impacting or a data
 * breach (incident_is_data_breach). */
bool incident_postmortem_required(bool customer_impacting, bool data_breach);

/* Closed, the one rule: a closed incident's record is read-only (its
 * scope, classification, anchors, notes, tasks, recovery and pages); only
 * its post-mortem improvements and reopening stay open to change. */
bool incident_closed(enum incident_phase p);
/* The investigation is open until post_incident: notices sent while it is
 * open must say what comes next and when. */
bool incident_investigating(enum incident_phase p);

/* What the exit criteria look at, gathered by the caller. */
struct incident_facts {
        enum incident_phase phase;
        enum incident_class classification;
        bool declared;
        unsigned services;              /* affected services recorded */
        unsigned tenants;               /* tenants in scope (any status) */
        unsigned containment_tasks_open;
        bool root_cause;
        unsigned impact_steps_unapproved; /* business-impact eradication tasks without a grant */
        unsigned approvals_pending;
        unsigned approvals_rejected;
        unsigned assets;                /* assets with a last known good state recorded */
        unsigned validations;           /* validation checks recorded */
        unsigned validations_failed;
        unsigned validations_pending;   /* recorded without a result */
        bool customer_impacting;        /* incident_tenant_impacting for a tenant in scope */
        bool data_breach;
        bool postmortem_complete;
        unsigned obligations_open;      /* neither met nor waived with a reason */
};

/* May the incident move from f->phase to `to`? Forward moves go one phase
 * at a time and need the exit criteria of the phase left; moving back
 * (re-entry) needs a reason; a compliance_event or false_positive may close
 * from analysis or containment with a written justification (passed as
 * reason). Every unmet criterion is added to unmet (field = criterion code,
 * message = what is missing). Returns 0, or -VG_ECONFLICT when a criterion
 * is unmet, or -VG_EVALIDATION for a move that is never allowed. */
int incident_transition_check(const struct incident_facts *f, enum incident_phase to,
                              const char *reason, struct field_errors *unmet);

/* The times a move through the phases stamps (VG_TIME_UNSET until then). */
struct incident_phase_times {
        vg_usec_t contained_at, eradicated_at, recovered_at, closed_at;
        vg_usec_t vigilance_until;
};

/* Stamp t for a move from `from` to `to` at now (a move
 * incident_transition_check allowed): leaving containment, eradication or
 * recovery forward records when it was achieved (the first time only);
 * leaving recovery forward opens the enhanced-vigilance window of
 * vigilance_window seconds; reaching closed records the close. A move back
 * stamps nothing. */
void incident_phase_stamp(enum incident_phase from, enum incident_phase to, vg_usec_t now,
                          int64_t vigilance_window, struct incident_phase_times *t);

/* Bytes of the reason given for marking an incident a duplicate. */
#define DUPLICATE_REASON_MAX 1000

/* What marking incident A a duplicate of survivor B looks at, gathered by
 * the caller (both exist: an unknown key is the caller's -VG_ENOTFOUND). */
struct incident_duplicate_facts {
        bool same;                  /* A and B are one incident */
        enum incident_phase a_phase, b_phase;
        bool a_declared;            /* a declared incident keeps its own obligations and notices */
        unsigned a_notices;         /* customer notices composed for A (drafts or released) */
        unsigned a_obligations_open; /* A's obligations neither met nor waived */
        bool b_duplicate;           /* B is itself a duplicate (of something else) */
};

/* May A be marked a duplicate of B, with reason? Refusals, each named in
 * fe: -VG_EVALIDATION on "reason" (missing, not 1 to DUPLICATE_REASON_MAX
 * bytes of one-line text) or "of" (A itself); -VG_ECONFLICT on "phase"
 * (A closed), "declaration" (A declared), "notices" and "obligations" (A
 * has customer notices, or duties not met or waived: they would be left
 * on a closed record nobody reads), "of" (B closed, or itself a
 * duplicate: merges go to the incident that is still worked, so a chain
 * never forms). Validation is reported before conflicts. */
int incident_duplicate_check(const struct incident_duplicate_facts *f, const char *reason,
                             struct field_errors *fe);

/* "INC-2026-0001": year and a per-year sequence, at least four digits. */
int incident_key_format(int year, int64_t seq, char *buf, size_t size);
/* Parse a key; -EINVAL when it is not one. */
int incident_key_parse(const char *key, int *ret_year, int64_t *ret_seq);
