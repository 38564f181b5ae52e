#include "cases/vigilance.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct watched {
        int64_t id;
        char key[INCIDENT_KEY_MAX];
        vg_usec_t until;
        char (*names)[STORE_NAME_MAX]; /* owns: services then tenants */
        const char **ptrs;             /* owns: pointers into names */
        size_t n_services, n_tenants, cap_names;
        struct indicator *indicators;  /* owns */
        size_t n_indicators, cap_indicators;
};

struct vigilance_set {
        struct watched *w; /* owns */
        size_t n, cap;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
        if (need <= *cap)
                return 0;
        size_t c = *cap ? *cap * 2 : 8;
        while (c < need)
                c *= 2;
        void *q = realloc(*p, c * size);
        if (!q)
                return -ENOMEM;
        *p = q;
        *cap = c;
        return 0;
}

static int add_name(struct watched *w, const char *name)
{
        size_t n = w->n_services + w->n_tenants;
        if (grow((void **)&w->names, &w->cap_names, n + 1, sizeof *w->names) < 0)
                return -ENOMEM;
        snprintf(w->names[n], STORE_NAME_MAX, "%s", name);
        return 0;
}

static int add_service(const char *s, void *userdata)
{
        struct watched *w = userdata;
        int r = add_name(w, s);
        if (r >= 0)
                w->n_services++;
        return r;
}

static int add_tenant(const struct scope_tenant *t, void *userdata)
{
        struct watched *w = userdata;
        if (t->status == TENANT_RULED_OUT)
                return 0; /* ruled out: not a reason to link */
        int r = add_name(w, t->tenant);
        if (r >= 0)
                w->n_tenants++;
        return r;
}

static int add_indicator(const struct indicator *ind, void *userdata)
{
        struct watched *w = userdata;
        if (grow((void **)&w->indicators, &w->cap_indicators, w->n_indicators + 1, sizeof *w->indicators) < 0)
                return -ENOMEM;
        w->indicators[w->n_indicators++] = *ind;
        return 0;
}

static int add_incident(const struct incident *inc, void *userdata)
{
        struct vigilance_set *set = userdata;
        if (grow((void **)&set->w, &set->cap, set->n + 1, sizeof *set->w) < 0)
                return -ENOMEM;
        struct watched *w = &set->w[set->n++];
        memset(w, 0, sizeof *w);
        w->id = inc->id;
        w->until = inc->vigilance_until;
        snprintf(w->key, sizeof w->key, "%s", inc->key);
        return 0;
}

int vigilance_set_load(struct store_tx *tx, vg_usec_t now, struct vigilance_set **ret)
{
        struct vigilance_set *set = calloc(1, sizeof *set);
        if (!set)
                return -ENOMEM;
        /* The incidents first, then each one's scope (oldest first). */
        int r = store_vigilance_list(tx, now, add_incident, set);
        for (size_t i = 0; r >= 0 && i < set->n; i++) {
                struct watched *w = &set->w[i];
                r = store_incident_services_list(tx, w->id, add_service, w);
                if (r >= 0)
                        r = store_incident_tenants_list(tx, w->id, add_tenant, w);
                if (r >= 0)
                        r = store_incident_indicators_list(tx, w->id, add_indicator, w);
                size_t names = w->n_services + w->n_tenants;
                if (r >= 0 && names) {
                        /* Pointers into names, now that it has stopped moving. */
                        w->ptrs = malloc(names * sizeof *w->ptrs);
                        if (!w->ptrs)
                                r = -ENOMEM;
                        for (size_t k = 0; r >= 0 && k < names; k++)
                                w->ptrs[k] = w->names[k];
                }
        }
        if (r < 0) {
                vigilance_set_free(set);
                return r;
        }
        *ret = set;
        return 0;
}

struct vigilance_set *vigilance_set_free(struct vigilance_set *set)
{
        if (!set)
                return NULL;
        for (size_t i = 0; i < set->n; i++) {
                free(set->w[i].names);
                free(set->w[i].ptrs);
                free(set->w[i].indicators);
        }
        free(set->w);
        free(set);
        return NULL;
}

int vigilance_set_find(const struct vigilance_set *set, const struct alert_signals *a,
                       struct vigilance_hit *ret)
{
        for (size_t i = 0; i < set->n; i++) {
                const struct watched *w = &set->w[i];
                struct vigilance_watch watch = { .until = w->until,
                                                 .services = w->ptrs,
                                                 .n_services = w->n_services,
                                                 .tenants = w->ptrs ? w->ptrs + w->n_services : NULL,
                                                 .n_tenants = w->n_tenants,
                                                 .indicators = w->indicators,
                                                 .n_indicators = w->n_indicators };
                if (vigilance_match(&watch, a, ret->why, sizeof ret->why)) {
                        ret->incident_id = w->id;
                        snprintf(ret->key, sizeof ret->key, "%s", w->key);
                        return 1; /* the oldest matching incident wins */
                }
        }
        return 0;
}

int vigilance_set_link(struct store_tx *tx, const struct vigilance_set *set, const struct actor *actor,
                       const char *alert_ref, const struct alert_signals *a, struct vigilance_hit *ret)
{
        int r = vigilance_set_find(set, a, ret);
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

int vigilance_find(struct store_tx *tx, const struct alert_signals *a, struct vigilance_hit *ret)
{
        struct vigilance_set *set;
        int r = vigilance_set_load(tx, a->at, &set);
        if (r < 0)
                return r;
        r = vigilance_set_find(set, a, ret);
        vigilance_set_free(set);
        return r;
}

int vigilance_link_alert(struct store_tx *tx, const struct actor *actor, const char *alert_ref,
                         const struct alert_signals *a, struct vigilance_hit *ret)
{
        struct vigilance_set *set;
        int r = vigilance_set_load(tx, a->at, &set);
        if (r < 0)
                return r;
        r = vigilance_set_link(tx, set, actor, alert_ref, a, ret);
        vigilance_set_free(set);
        return r;
}

json_t *case_alert_link_json(const struct alert_link *l)
{
        return json_pack("{s:I, s:s, s:s, s:b, s:s, s:o}", "id", (json_int_t)l->id, "alert", l->alert,
                         "reason", l->reason ? l->reason : "", "vigilance", l->vigilance, "linked_by",
                         l->linked_by, "linked_at", case_time_json(l->linked_at));
}

int case_alert_link(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                    const char *alert, const char *reason, struct alert_link *ret,
                    struct case_outcome *o)
{
        struct incident inc = { 0 };
        *ret = (struct alert_link){ .reason = reason, .linked_at = now };
        if (!alert || !text_valid(alert, sizeof ret->alert - 1)) {
                fielderr_add(&o->errors, "alert", "must be an alert reference (text on one line)");
                return -VG_EVALIDATION;
        }
        snprintf(ret->alert, sizeof ret->alert, "%s", alert);
        snprintf(ret->linked_by, sizeof ret->linked_by, "%s", actor->name);
        int r = case_incident_get(tx, key, &inc, o);
        if (r >= 0) {
                r = store_alert_link(tx, inc.id, ret);
                if (r == -VG_ECONFLICT)
                        case_outcome_detail(o, "alert %s is linked to %s already", ret->alert, inc.key);
        }
        /* An alert of no incident (a silenced one, say) that is linked by its
         * fingerprint becomes the incident's, so its repeats join it and
         * the lists show where it belongs. */
        int joined = 0;
        if (r >= 0 && strncmp(ret->alert, "fp:", 3) == 0)
                r = joined = store_alert_adopt(tx, ret->alert + 3, inc.id);
        if (r >= 0) {
                json_t *change = case_alert_link_json(ret);
                if (change && joined)
                        json_object_set_new(change, "joined", json_true());
                r = change ? store_audit_incident(tx, now, actor, "incident.alert.link", inc.key, change) : -ENOMEM;
                json_decref(change);
        }
        incident_fini(&inc);
        return r;
}
