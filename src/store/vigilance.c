#include "store/vigilance.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WATCH_MAX_INDICATORS 1000

struct watch_lists {
        char services[INCIDENT_SERVICES_MAX][STORE_NAME_MAX];
        const char *service_ptrs[INCIDENT_SERVICES_MAX];
        size_t n_services;
        char (*tenants)[STORE_NAME_MAX]; /* owns */
        const char **tenant_ptrs;        /* owns */
        size_t n_tenants, cap_tenants;
        struct indicator *indicators;    /* owns */
        size_t n_indicators;
};

struct find_ctx {
        struct store_tx *tx;
        const struct alert_signals *a;
        struct vigilance_hit *hit;
        int found;
};

static int add_service(const char *s, void *userdata)
{
        struct watch_lists *w = userdata;
        if (w->n_services < INCIDENT_SERVICES_MAX) {
                snprintf(w->services[w->n_services], STORE_NAME_MAX, "%s", s);
                w->service_ptrs[w->n_services] = w->services[w->n_services];
                w->n_services++;
        }
        return 0;
}

static int add_tenant(const struct scope_tenant *t, void *userdata)
{
        struct watch_lists *w = userdata;
        if (t->status == TENANT_RULED_OUT)
                return 0; /* ruled out: not a reason to link */
        if (w->n_tenants == w->cap_tenants) {
                size_t cap = w->cap_tenants ? w->cap_tenants * 2 : 16;
                void *nt = realloc(w->tenants, cap * sizeof *w->tenants);
                if (!nt)
                        return -ENOMEM;
                w->tenants = nt;
                void *np = realloc(w->tenant_ptrs, cap * sizeof *w->tenant_ptrs);
                if (!np)
                        return -ENOMEM;
                w->tenant_ptrs = np;
                w->cap_tenants = cap;
        }
        snprintf(w->tenants[w->n_tenants], STORE_NAME_MAX, "%s", t->tenant);
        w->n_tenants++;
        return 0;
}

static int add_indicator(const struct indicator *ind, void *userdata)
{
        struct watch_lists *w = userdata;
        if (w->n_indicators < WATCH_MAX_INDICATORS)
                w->indicators[w->n_indicators++] = *ind;
        return 0;
}

static int check_incident(const struct incident *inc, void *userdata)
{
        struct find_ctx *c = userdata;
        struct watch_lists w = { 0 };
        int r;

        w.indicators = calloc(WATCH_MAX_INDICATORS, sizeof *w.indicators);
        if (!w.indicators)
                return -ENOMEM;
        r = store_incident_services_list(c->tx, inc->id, add_service, &w);
        if (r >= 0)
                r = store_incident_tenants_list(c->tx, inc->id, add_tenant, &w);
        if (r >= 0)
                r = store_incident_indicators_list(c->tx, inc->id, add_indicator, &w);
        if (r >= 0) {
                /* Pointers into the tenants array, now that it has stopped moving. */
                for (size_t i = 0; i < w.n_tenants; i++)
                        w.tenant_ptrs[i] = w.tenants[i];
                struct vigilance_watch watch = { .until = inc->vigilance_until,
                                                 .services = w.service_ptrs,
                                                 .n_services = w.n_services,
                                                 .tenants = w.tenant_ptrs,
                                                 .n_tenants = w.n_tenants,
                                                 .indicators = w.indicators,
                                                 .n_indicators = w.n_indicators };
                if (vigilance_match(&watch, c->a, c->hit->why, sizeof c->hit->why)) {
                        c->hit->incident_id = inc->id;
                        snprintf(c->hit->key, sizeof c->hit->key, "%s", inc->key);
                        c->found = 1;
                        r = -1; /* stop: the oldest matching incident wins */
                }
        }
        free(w.tenants);
        free(w.tenant_ptrs);
        free(w.indicators);
        return r;
}

int vigilance_find(struct store_tx *tx, const struct alert_signals *a, struct vigilance_hit *ret)
{
        struct find_ctx c = { .tx = tx, .a = a, .hit = ret };
        int r = store_vigilance_list(tx, a->at, check_incident, &c);
        if (c.found)
                return 1;
        return r < 0 ? r : 0;
}

int vigilance_link_alert(struct store_tx *tx, const struct actor *actor, const char *alert_ref,
                         const struct alert_signals *a, struct vigilance_hit *ret)
{
        int r = vigilance_find(tx, a, ret);
        if (r <= 0)
                return r;
        struct alert_link l = { .reason = ret->why, .vigilance = true, .linked_at = a->at };
        snprintf(l.alert, sizeof l.alert, "%s", alert_ref);
        snprintf(l.linked_by, sizeof l.linked_by, "%s", actor->name ? actor->name : "system");
        r = store_alert_link(tx, ret->incident_id, &l);
        if (r == -VG_ECONFLICT)
                return 1;
        if (r < 0)
                return r;
        json_t *change = json_pack("{s:s, s:s, s:b}", "alert", alert_ref, "why", ret->why, "vigilance", 1);
        r = change ? store_audit_incident(tx, a->at, actor, "incident.alert.link", ret->key, change) : -ENOMEM;
        json_decref(change);
        return r < 0 ? r : 1;
}
