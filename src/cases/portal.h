/* The customer portal's use cases (src/cases/portal.c): a tenant
 * administrator reporting an incident to the provider and acknowledging
 * a notice, and the provider's advisories on the public status page. */
#pragma once

#include "cases/cases.h"

#define PORTAL_TITLE_MAX 150

/* A report as a tenant administrator sends it. Every pointer borrows. */
struct customer_report {
        const char *tenant;      /* the reporter's tenant (from its account, never the request) */
        const char *title;       /* 1 to PORTAL_TITLE_MAX bytes of text on one line */
        const char *description; /* NULL: none */
        const char *service;     /* NULL: none; else a service the provider runs (it picks who is paged) */
};

/* Open an incident for report c by actor at now (case_incident_open:
 * sev3, source customer, the tenant in scope as suspected, the title
 * prefixed "[customer TENANT] " and cut to fit on a character boundary).
 * A report pages whoever is on call, so a tenant administrator (or a
 * script holding their token) must not send them at machine speed: at
 * most limits->max_reports_user per user and max_reports_tenant per
 * tenant in any window, counted from the reports themselves in tx (so
 * concurrent requests and several nodes see one count, and a refused
 * report counts for nothing). *ret (incident_fini) holds the incident.
 * Refusals: -VG_ERATELIMIT with *retry_after the seconds until the oldest
 * report that fills the limit leaves the window (o->detail says so),
 * -VG_EVALIDATION ("title", "service"). */
int case_customer_report(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct config_portal *limits, const struct customer_report *c,
                         struct incident *ret, int *retry_after, struct case_outcome *o);

/* Acknowledge receipt of notice id for tenant, by actor at now; the
 * audit record "notice.acknowledge" on tenant:TENANT. Another tenant's
 * notice is not found. Refusals: -VG_ENOTFOUND, -VG_ECONFLICT
 * (acknowledged already). */
int case_notice_acknowledge(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *tenant, int64_t id, struct case_outcome *o);

