/* Customer notices (src/cases/notices.c): composed once per incident with
 * what every affected customer must be told, then released to each named
 * tenant's designated contacts and webhook through the outbox. Both use
 * cases run in the caller's transaction and write their audit record in
 * it; a refusal writes nothing. */
#pragma once

#include "cases/cases.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct config_provider;
struct notice_templates;
struct rule_set;

/* The longest text a notice field may hold, in bytes. */
#define NOTICE_TEXT_MAX 8000

/* What the composer wrote, parsed by the door. */
struct notice_draft {
        const char *kind;        /* borrows: "initial", "update" or "final" */
        const char *nature;      /* borrows: the nature of the breach */
        const char *user_impact; /* borrows: the approximate user impact */
        const char *mitigation;  /* borrows: the steps, or "none applicable" */
        const char *next_steps;  /* borrows: may be NULL */
        vg_usec_t next_update_at; /* VG_TIME_UNSET: none given */
        /* borrows: the tenants to tell, in order, as the composer listed
         * them (an entry may be NULL: not a tenant id); NULL: every tenant
         * in the incident's scope that is not ruled out */
        const char *const *tenants;
        size_t n_tenants;
};

/* What releasing a notice reads from the configuration. */
struct notice_policy {
        /* borrows: severities whose notices need a releaser other than
         * the composer */
        const char (*two_person)[8];
        size_t n_two_person;
        const struct notice_templates *templates; /* borrows: NULL: none loaded */
        const struct rule_set *rules;             /* borrows: NULL: none loaded */
        const struct config_provider *provider;   /* borrows: the provider's own facts */
};

/* A notice as the API shows it and its audit record keeps it; NULL when
 * out of memory. The caller owns the result. */
json_t *case_notice_json(const struct notice *n);

/* Compose a notice of incident key by actor at now: the kind and the three
 * texts are required and not empty; while the investigation is open, an
 * initial or update notice needs next_steps and next_update_at (which
 * must be after now); each tenant named must be in the scope, once; and
 * there must be one. Inserts it with its incident's next version and the
 * audit record "incident.notice.compose". *ret_notice (owned by the
 * caller): the notice as written. Refusals: -VG_ENOTFOUND (no incident),
 * -VG_EVALIDATION with o->errors naming the fields ("tenants[2]"). */
int case_notice_compose(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                        const struct notice_draft *d, json_t **ret_notice, struct case_outcome *o);

/* Release notice id of incident key by actor at now: one message per
 * designated contact of each of its tenants (and one to the tenant's
 * webhook) rendered from p->templates and queued in the outbox with its
 * delivery and its job, each under its own idempotency key
 * (store_notice_key); each tenant reached has its open contract
 * obligation marked sent; the audit record "incident.notice.release";
 * then the obligations are recomputed. A tenant without a record is told
 * nothing (and logged). *ret_messages (may be NULL): the messages queued.
 * Refusals: -VG_ENOTFOUND (no such notice on key), -VG_ECONFLICT (released
 * already, or the two-person rule: the incident has had a severity of
 * p->two_person since the notice was composed and actor composed it);
 * -EINVAL when no templates are loaded. */
int case_notice_release(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        const struct notice_policy *p, const char *key, int64_t id, unsigned *ret_messages,
                        struct case_outcome *o);

/* What the release of notice id of incident key would send tenant, as it
 * would send it: {notice, incident, tenant, to (the contacts' addresses),
 * webhook (whether the tenant has one), subject, body (the e-mail's text,
 * rendered from t), released}. Changes nothing. *ret is yours. Refusals:
 * -VG_ENOTFOUND (no such notice on key, not addressed to tenant, or no
 * record of tenant), -EINVAL when no templates are loaded. */
int case_notice_preview(struct store_tx *tx, const struct notice_templates *t, const char *key, int64_t id,
                        const char *tenant, json_t **ret, struct case_outcome *o);
