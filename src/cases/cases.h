/* The use cases: the multi-step operations every door (http, cli, jobs,
 * intake) calls. A use case takes what it needs - a transaction, the actor,
 * `now`, the configuration it reads - and never a request; it returns 0 or
 * a -VG_* code and, when it refuses, says why in a case_outcome the door
 * renders (problem+json for http, a message for the CLI). It applies the
 * rules of core and calls the store; the caller owns the transaction and
 * commits or rolls back. */
#pragma once

#include "core/fielderr.h"
#include "core/incident.h"
#include "core/rules.h"
#include "core/vtime.h"
#include "base/config.h"
#include "store/store.h"

#include <stdint.h>

#define CASE_DETAIL_MAX 256

/* Why a use case refused: unmet criteria or field errors, and a sentence. */
struct case_outcome {
        struct field_errors errors;   /* field = criterion code or field name */
        char detail[CASE_DETAIL_MAX]; /* "" when there is nothing to add */
};

void case_outcome_init(struct case_outcome *o);
/* Say why in o->detail (printf-style, cut to CASE_DETAIL_MAX). */
void case_outcome_detail(struct case_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A time as the doors show it: RFC 3339 text, JSON null when unset. */
json_t *case_time_json(vg_usec_t t);

/* incident.c: the incident lifecycle. The changes below take inc as the
 * door read it in tx (case_incident_get, then whatever the door checks:
 * If-Match for http) and write it at inc->version, bumping it; on success
 * inc holds what was written. Each refuses a closed incident
 * (case_incident_changeable) and, when the incident changed since it was
 * read, answers -VG_EPRECONDITION. A refusal writes nothing, so the door's
 * rollback leaves the database as it was. */

/* Incident key, read in tx; -VG_ENOTFOUND (with o->detail) when there is
 * none. */
int case_incident_get(struct store_tx *tx, const char *key, struct incident *inc,
                      struct case_outcome *o);

/* The facts the exit criteria look at, from inc and its records (scope,
 * tasks, recovery, post-mortem, obligations) in tx. */
int case_incident_facts(struct store_tx *tx, const struct incident *inc, struct incident_facts *f);

/* What leaving inc's phase forward still needs, into unmet (nothing when
 * closed); *next is the phase after it (PHASE__INVALID when closed).
 * Changes nothing. */
int case_incident_exit_criteria(struct store_tx *tx, const struct incident *inc,
                                enum incident_phase *next, struct field_errors *unmet);

/* Move inc, as read in tx at inc->version, to phase `to`
 * (incident_transition_check on its facts), stamping the phase times and
 * the vigilance window (vigilance_window seconds, from the configuration),
 * with the audit record "incident.advance" by actor, in tx. On success inc
 * holds what was written. Refusals: -VG_EVALIDATION or -VG_ECONFLICT with
 * o->errors, -VG_EPRECONDITION when inc changed since it was read. */
int case_incident_advance(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          int64_t vigilance_window, struct incident *inc, enum incident_phase to,
                          const char *reason, struct case_outcome *o);

/* 0 when inc may change; -VG_ECONFLICT with o->detail "the incident is
 * closed" when it is (core's incident_closed: the one rule). */
int case_incident_changeable(const struct incident *inc, struct case_outcome *o);

/* Write inc, read at inc->version, stamped updated_at = now, with the audit
 * record `action` (change borrowed) by actor, in tx. -VG_EPRECONDITION
 * (with o->detail) when another write came first. */
int case_incident_write(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        struct incident *inc, const char *action, json_t *change,
                        struct case_outcome *o);

/* A new incident as a door reports it (the API, the portal, an alert). */
struct case_incident_new {
        const char *title;            /* borrows: one line of at most INCIDENT_TITLE_MAX bytes */
        const char *description;      /* borrows: NULL for none */
        enum severity severity;
        enum incident_source source;
        vg_usec_t detected_at;        /* VG_TIME_UNSET: now */
        const char *const *services;  /* borrows: n_services service names */
        size_t n_services;
        const struct scope_tenant *tenant; /* borrows: a tenant in scope from the start; may be NULL */
        json_t *record;               /* borrows: more for the audit record (an alert's "labels"); may be NULL */
};

/* Open an incident: phase analysis, classification suspected, reported by
 * actor at now, with its services (and tenant), the audit record
 * "incident.create" and (store_incident_insert) its escalation job, in
 * tx. *ret (caller's, incident_fini) holds what was written, its key
 * assigned. No read beyond the key counter: intake calls this per alert.
 * Refusals: -VG_EVALIDATION with o->errors ("title" not one line of
 * text that fits, "severity", "source", "detected_at" later than now). */
int case_incident_open(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct case_incident_new *n, struct incident *ret,
                       struct case_outcome *o);

/* The declaration of a security incident. */
struct case_declaration {
        const char *criteria;          /* borrows: which declaration criteria were met */
        const char *const *triggers;   /* borrows: n_triggers alert or report references */
        size_t n_triggers;
        vg_usec_t at;                  /* VG_TIME_UNSET: now */
};

/* Declare inc a security incident at d->at: the declaration, the domain
 * event "incident.declared" (the notification clocks hang on it), the
 * escalation trigger "declared", the audit record "incident.declare" and
 * the obligations recomputed from rules and provider, in tx. Refusals:
 * -VG_ECONFLICT (declared already, not a security_incident, closed),
 * -VG_EVALIDATION on "declared_at" (before detection, after now). */
int case_incident_declare(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          const struct rule_set *rules, const struct config_provider *provider,
                          struct incident *inc, const struct case_declaration *d,
                          struct case_outcome *o);

/* A classification: the class, and the impact and data categories the
 * door names (the rest stays as recorded). */
struct case_classification {
        enum incident_class to;
        int confidentiality, integrity, availability; /* -1: as recorded; 0 or 1 */
        bool set_data;                                /* data replaces the recorded categories */
        data_mask_t data;
        const char *reason;                           /* borrows: may be NULL */
};

/* Classify inc (core's incident_classify_check on the impact it would
 * have), with the audit record "incident.classify", in tx. Refusals:
 * -VG_EVALIDATION with o->errors, -VG_ECONFLICT when closed. */
int case_incident_classify(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           struct incident *inc, const struct case_classification *c,
                           struct case_outcome *o);

/* What an edit changes; NULL (SEV__INVALID) leaves a field as it is. */
struct case_incident_edit {
        const char *title;       /* borrows: one line of at most INCIDENT_TITLE_MAX bytes */
        const char *description; /* borrows */
        const char *root_cause;  /* borrows: not empty */
        enum severity severity;
};

/* Edit inc's title, description, severity or root cause, with the audit
 * record "incident.update" naming what changed, in tx. Refusals:
 * -VG_EVALIDATION (nothing to change, an empty root cause),
 * -VG_ECONFLICT when closed. */
int case_incident_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         struct incident *inc, const struct case_incident_edit *e,
                         struct case_outcome *o);

/* A note on inc by actor: its audit record "incident.note", which is the
 * note (append-only, in the timeline in order with every change); the
 * incident itself is not rewritten. Refusals: -VG_EVALIDATION on "text"
 * when empty, -VG_ECONFLICT when closed. */
int case_incident_note(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct incident *inc, const char *text, struct case_outcome *o);

/* scope.c: what an incident touches, and the moments its clocks count from */

/* A change of scope: each list the door sends replaces the recorded one;
 * a list not sent stays. */
struct case_scope {
        bool set_services, set_tenants, set_indicators, set_residents;
        const char *const *services;       /* borrows: n_services names */
        size_t n_services;
        const struct scope_tenant *tenants; /* borrows: n_tenants, ids unique */
        size_t n_tenants;
        const struct indicator *indicators; /* borrows: n_indicators, normalised */
        size_t n_indicators;
        const struct resident_count *residents; /* borrows: n_residents, codes unique, known
                                                  * (residence_code_known), counts 0..RESIDENTS_COUNT_MAX */
        size_t n_residents;                /* at most RESIDENTS_ENTRIES_MAX */
        const char *reason;                /* borrows: may be NULL */
};

/* Replace inc's scope as s says (services, tenants, indicators, the
 * affected residents per jurisdiction), with the audit record
 * "incident.scope" (the lists as written) and the obligations
 * recomputed, in tx.
 * Refusals: -VG_EVALIDATION when s sets nothing, -VG_ECONFLICT when
 * closed. */
int case_incident_scope(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        const struct rule_set *rules, const struct config_provider *provider,
                        struct incident *inc, const struct case_scope *s, struct case_outcome *o);

/* Affected residents as JSON: {code: count} (NULL on ENOMEM). */
json_t *case_residents_json(const struct resident_count *c, size_t n);
/* inc's recorded affected residents into *ret (yours): {code: count},
 * {} when none are recorded. */
int case_incident_residents_json(struct store_tx *tx, const struct incident *inc, json_t **ret);

/* Put one tenant's row of inc's scope (status, evidence, affected users,
 * data categories), leaving every other row as it is, with the audit
 * record "incident.scope_tenant" (the row, the one it replaced or null,
 * reason) and the obligations recomputed, in tx. A tenant new to the
 * scope must be on record. Refusals: -VG_EVALIDATION on "tenant" when
 * it is not, -VG_ECONFLICT when closed. */
int case_incident_scope_tenant_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                                   const struct rule_set *rules,
                                   const struct config_provider *provider, struct incident *inc,
                                   const struct scope_tenant *t, const char *reason,
                                   struct case_outcome *o);

/* Take tenant out of inc's scope, with the audit record
 * "incident.scope_tenant_removed" (the row removed, reason) and the
 * obligations recomputed, in tx. Refusals: -VG_ENOTFOUND (with
 * o->detail) when it is not in scope, -VG_ECONFLICT when closed. */
int case_incident_scope_tenant_remove(struct store_tx *tx, const struct actor *actor,
                                      vg_usec_t now, const struct rule_set *rules,
                                      const struct config_provider *provider, struct incident *inc,
                                      const char *tenant, const char *reason,
                                      struct case_outcome *o);

/* Set inc's anchor `which` to at (core's anchor_check against the
 * anchors in force), with reason: the setting, the domain event
 * "incident.anchor_changed", the incident's own time for first_detected
 * and declared, the audit record "incident.anchor" and the obligations
 * recomputed, in tx. Refusals: -VG_EVALIDATION on "at" ("anchor", "reason"
 * when unknown or empty), -VG_ECONFLICT when closed or, for declared, not
 * declared. */
int case_incident_anchor_set(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                             const struct rule_set *rules, const struct config_provider *provider,
                             struct incident *inc, enum anchor which, vg_usec_t at,
                             const char *reason, struct case_outcome *o);
