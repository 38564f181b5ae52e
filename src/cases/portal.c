#include "cases/portal.h"

#include "cases/advisories.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The reports of actor (then of its tenant) in the window: 0 when another
 * may come, -VG_ERATELIMIT when the limit is full. */
static int report_rate_check(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                             const struct config_portal *p, const char *tenant, int *retry_after,
                             struct case_outcome *o)
{
        vg_usec_t since = now - p->window * VG_USEC_PER_SEC, at = 0;
        const char *who = "you have";
        unsigned max = p->max_reports_user;
        int r = store_customer_report_nth(tx, actor->name, NULL, since, max, &at);
        if (r == 0) {
                who = "your tenant has";
                max = p->max_reports_tenant;
                r = store_customer_report_nth(tx, NULL, tenant, since, max, &at);
        }
        if (r <= 0)
                return r;
        int64_t wait = (at + p->window * VG_USEC_PER_SEC - now + VG_USEC_PER_SEC - 1) / VG_USEC_PER_SEC;
        *retry_after = wait < 1 ? 1 : (int)wait;
        case_outcome_detail(o,
                            "%s reported %u incidents in the last %lld seconds, the most the portal takes; "
                            "try again in %d seconds",
                            who, max, (long long)p->window, *retry_after);
        return -VG_ERATELIMIT;
}

int case_customer_report(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct config_portal *limits, const struct customer_report *c,
                         struct incident *ret, int *retry_after, struct case_outcome *o)
{
        memset(ret, 0, sizeof *ret);
        if (!c->title || !text_valid(c->title, PORTAL_TITLE_MAX))
                fielderr_add(&o->errors, "title", "must be 1 to %d bytes of text on one line", PORTAL_TITLE_MAX);
        if (c->service && !tenant_id_valid(c->service))
                fielderr_add(&o->errors, "service", "is not a service name");
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = report_rate_check(tx, actor, now, limits, c->tenant, retry_after, o);
        if (r < 0)
                return r;
        if (c->service && (r = case_service_known(tx, c->service, o)) < 0)
                return r;
        /* The prefix is ours, so the tenant's title is what gives way: cut to
         * fit on a character boundary (tenant ids are ASCII, at most 64). */
        char full[INCIDENT_TITLE_MAX + 1];
        int at = snprintf(full, sizeof full, "[customer %s] ", c->tenant);
        utf8_copy(full + at, sizeof full - (size_t)at, c->title);
        struct scope_tenant t = {.status = TENANT_SUSPECTED, .evidence = "reported by the tenant"};
        snprintf(t.tenant, sizeof t.tenant, "%s", c->tenant);
        struct case_incident_new n = {.title = full,
                                      .description = c->description,
                                      .severity = SEV3,
                                      .source = SOURCE_CUSTOMER,
                                      .services = c->service ? &c->service : NULL,
                                      .n_services = c->service != NULL,
                                      .tenant = &t};
        return case_incident_open(tx, actor, now, &n, ret, o);
}

int case_notice_acknowledge(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *tenant, int64_t id, struct case_outcome *o)
{
        int r = store_notice_ack(tx, id, tenant, actor->name, now);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no notice %lld for your organisation", (long long)id);
        if (r == -VG_ECONFLICT)
                case_outcome_detail(o, "notice %lld was acknowledged already", (long long)id);
        if (r < 0)
                return r;
        char object[STORE_NAME_MAX + 8];
        snprintf(object, sizeof object, "tenant:%s", tenant);
        json_t *change = json_pack("{s:I}", "notice", (json_int_t)id);
        r = change ? store_audit_append(tx, now, actor, "notice.acknowledge", object, change) : -ENOMEM;
        json_decref(change);
        return r;
}
