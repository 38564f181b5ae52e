/* Response metrics for a period (see report.h for the definitions). */
#include "report/report.h"

#include "core/array.h"
#include "core/deadline.h"
#include "core/error.h"
#include "core/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_DETECT, M_ACK, M_DECLARE, M_CONTAIN, M_ERADICATE, M_RECOVER, M__COUNT };
static const char *const measure_names[M__COUNT] = { "detect", "acknowledge", "declare", "contain", "eradicate", "recover" };

/* What one incident contributes. */
struct facts {
        int64_t id;
        char key[INCIDENT_KEY_MAX];
        enum severity severity;
        int64_t took[M__COUNT]; /* seconds; -1: not (yet) reached */
};

/* Incidents one report may cover (about 100 MB of figures); a period
 * with more is refused rather than allowed to take all memory. */
#define REPORT_INCIDENTS_MAX 1000000

struct incident_set {
        vg_usec_t from, to;
        struct facts *v;
        size_t n, cap;
        int64_t last_id;
        size_t seen;
        size_t duplicates; /* in the period, left out of every figure */
};

static int64_t span(vg_usec_t a, vg_usec_t b)
{
        return a && b && b >= a ? (int64_t)((b - a) / VG_USEC_PER_SEC) : -1;
}

static int collect(const struct incident *inc, void *userdata)
{
        struct incident_set *s = userdata;
        s->last_id = inc->id;
        s->seen++;
        if (inc->created_at < s->from || inc->created_at >= s->to)
                return 0;
        /* A duplicate is the survivor's incident counted twice: its times,
         * pages and duties would skew every figure. */
        if (inc->classification == CLASS_DUPLICATE) {
                s->duplicates++;
                return 0;
        }
        int r = array_reserve(s->v, s->cap, s->n + 1, REPORT_INCIDENTS_MAX);
        if (r < 0)
                return r;
        struct facts *f = &s->v[s->n++];
        f->id = inc->id;
        snprintf(f->key, sizeof f->key, "%s", inc->key);
        f->severity = inc->severity;
        f->took[M_DETECT] = span(inc->detected_at, inc->reported_at);
        f->took[M_ACK] = span(inc->reported_at, inc->acknowledged_at);
        /* The rest from first detection: a declaration may be backdated
         * before the report, never before detection. */
        f->took[M_DECLARE] = span(inc->detected_at, inc->declared_at);
        f->took[M_CONTAIN] = span(inc->detected_at, inc->contained_at);
        f->took[M_ERADICATE] = span(inc->detected_at, inc->eradicated_at);
        f->took[M_RECOVER] = span(inc->detected_at, inc->recovered_at);
        return 0;
}

/* Every incident created in [from, to), in id order (newest first). */
static int incidents_in(struct store_tx *tx, struct incident_set *s)
{
        struct incident_filter f = { .phase = PHASE__INVALID, .classification = CLASS__INVALID, .severity = SEV__INVALID };
        int64_t before = 0;
        for (;;) {
                s->seen = 0;
                int r = store_incident_list(tx, &f, before, 500, collect, s);
                if (r < 0)
                        return r;
                if (s->seen < 500)
                        return 0;
                before = s->last_id;
        }
}

/* The measures of the incidents whose index is set in pick. */
static json_t *group(const struct incident_set *s, const bool *pick)
{
        json_t *g = json_object();
        int64_t *v = malloc((s->n ? s->n : 1) * sizeof *v);
        size_t count = 0;
        if (!g || !v) {
                free(v);
                json_decref(g);
                return NULL;
        }
        for (size_t i = 0; i < s->n; i++)
                count += pick[i];
        json_object_set_new(g, "incidents", json_integer((json_int_t)count));
        for (int m = 0; m < M__COUNT; m++) {
                size_t n = 0;
                for (size_t i = 0; i < s->n; i++)
                        if (pick[i] && s->v[i].took[m] >= 0)
                                v[n++] = s->v[i].took[m];
                struct duration_stats st;
                duration_stats(v, n, &st);
                json_object_set_new(g, measure_names[m],
                                    json_pack("{s:I, s:I, s:I, s:I, s:I}", "n", (json_int_t)st.n, "mean_s",
                                              (json_int_t)st.mean, "median_s", (json_int_t)st.median, "p90_s",
                                              (json_int_t)st.p90, "max_s", (json_int_t)st.max));
        }
        free(v);
        return g;
}

/* ---- per-incident tallies ---- */

struct tallies {
        vg_usec_t now;
        json_t *rules;      /* rule -> {deadline_kind, on_time, late, waived, open, overdue, past_target} */
        json_t *taken;      /* rule -> [seconds from anchor to sending] of its sent asap duties */
        json_t *pages_by;   /* user -> n */
        json_t *services;   /* service -> [incident indexes] */
        size_t index;
        int64_t pages, pages_acked;
        int64_t imp_created, imp_done, imp_overdue;
};

static void bump(json_t *obj, const char *key, const char *field)
{
        json_t *o = json_object_get(obj, key);
        if (!o) {
                o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "deadline_kind", "fixed", "on_time", 0, "late", 0,
                              "waived", 0, "open", 0, "overdue", 0, "past_target", 0);
                json_object_set_new(obj, key, o);
        }
        if (field)
                json_object_set_new(o, field, json_integer(json_integer_value(json_object_get(o, field)) + 1));
}

static int tally_obligation(const struct obligation *o, void *userdata)
{
        struct tallies *t = userdata;
        if (strcmp(o->duty, "provider") != 0 || strcmp(o->status, "withdrawn") == 0)
                return 0;
        /* A duty "without undue delay" is scored by the time it took
         * against its internal target, never as late (core's one rule). */
        static const char *const fields[] = { [STANDING_ON_TIME] = "on_time", [STANDING_LATE] = "late",
                                              [STANDING_OPEN] = "open", [STANDING_OVERDUE] = "overdue",
                                              [STANDING_PAST_TARGET] = "past_target" };
        enum deadline_kind kind = deadline_kind_from_string(o->deadline_kind);
        bool sent = strcmp(o->status, "sent") == 0;
        const char *field = "waived";
        if (strcmp(o->status, "waived") != 0)
                field = fields[deadline_standing(kind, o->due_at, o->target_at, sent ? o->sent_at : VG_TIME_UNSET,
                                                 t->now)];
        bump(t->rules, o->rule_id, field);
        if (kind != DEADLINE_KIND_ASAP)
                return 0;
        json_object_set_new(json_object_get(t->rules, o->rule_id), "deadline_kind", json_string("asap"));
        if (!sent || o->anchor_at == VG_TIME_UNSET)
                return 0;
        json_t *list = json_object_get(t->taken, o->rule_id);
        if (!list && (!(list = json_array()) || json_object_set_new(t->taken, o->rule_id, list) < 0))
                return -ENOMEM;
        return json_array_append_new(list, json_integer((o->sent_at - o->anchor_at) / VG_USEC_PER_SEC));
}

/* Each asap rule's time taken: {n, mean_s, median_s, p90_s, max_s}. */
static int taken_stats(struct tallies *t)
{
        const char *rule;
        json_t *list;
        json_object_foreach(t->taken, rule, list)
        {
                size_t n = json_array_size(list);
                int64_t *v = malloc((n ? n : 1) * sizeof *v);
                if (!v)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        v[i] = json_integer_value(json_array_get(list, i));
                struct duration_stats st;
                duration_stats(v, n, &st);
                free(v);
                json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I}", "n", (json_int_t)st.n, "mean_s", (json_int_t)st.mean,
                                      "median_s", (json_int_t)st.median, "p90_s", (json_int_t)st.p90, "max_s",
                                      (json_int_t)st.max);
                if (!j || json_object_set_new(json_object_get(t->rules, rule), "time_taken", j) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int tally_page(const struct oncall_page *p, void *userdata)
{
        struct tallies *t = userdata;
        t->pages++;
        t->pages_acked += p->acked_at != 0;
        json_object_set_new(t->pages_by, p->user,
                            json_integer(json_integer_value(json_object_get(t->pages_by, p->user)) + 1));
        return 0;
}

static int tally_improvement(const struct improvement *i, void *userdata)
{
        struct tallies *t = userdata;
        t->imp_created++;
        bool done = strcmp(i->status, "done") == 0;
        t->imp_done += done;
        t->imp_overdue += !done && i->due_at < t->now;
        return 0;
}

static int tally_service(const char *service, void *userdata)
{
        struct tallies *t = userdata;
        json_t *list = json_object_get(t->services, service);
        if (!list) {
                list = json_array();
                json_object_set_new(t->services, service, list);
        }
        return json_array_append_new(list, json_integer((json_int_t)t->index));
}

static int postmortem_approved(const struct postmortem *p, void *userdata)
{
        *(bool *)userdata = strcmp(p->status, "approved") == 0;
        return 0;
}

static int tally_impacting(const struct scope_tenant *t, void *userdata)
{
        *(bool *)userdata |= incident_tenant_impacting(t->status);
        return 0;
}

int report_metrics(struct store_tx *tx, vg_usec_t from, vg_usec_t to, vg_usec_t now, json_t **ret)
{
        struct incident_set s = { .from = from, .to = to };
        struct tallies t = { .now = now, .rules = json_object(), .taken = json_object(), .pages_by = json_object(),
                             .services = json_object() };
        json_t *out = NULL, *by_sev = json_object(), *by_svc = json_object();
        bool *pick = NULL;
        int64_t pm_required = 0, pm_approved = 0, pm_pending = 0;
        int r = t.rules && t.taken && t.pages_by && t.services && by_sev && by_svc ? incidents_in(tx, &s) : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < s.n; i++) {
                struct incident inc = { 0 };
                t.index = i;
                r = store_obligation_list(tx, s.v[i].id, tally_obligation, &t);
                if (r >= 0)
                        r = store_page_list(tx, &(struct page_filter){ .incident_id = s.v[i].id }, 0, tally_page, &t);
                struct improvement_filter f = { .incident_id = s.v[i].id };
                if (r >= 0)
                        r = store_improvement_list(tx, &f, tally_improvement, &t);
                if (r >= 0)
                        r = store_incident_services_list(tx, s.v[i].id, tally_service, &t);
                /* Post-mortems: required when customer-impacting or a breach. */
                bool impacting = false, approved = false;
                if (r >= 0)
                        r = store_incident_tenants_list(tx, s.v[i].id, tally_impacting, &impacting);
                if (r >= 0)
                        r = store_incident_get_by_id(tx, s.v[i].id, &inc);
                if (r >= 0) {
                        int pr = store_postmortem_get(tx, s.v[i].id, postmortem_approved, &approved);
                        r = pr == -VG_ENOTFOUND ? 0 : pr;
                }
                bool required = incident_postmortem_required(
                        impacting, incident_is_data_breach(inc.classification, &inc.impact, inc.data_categories));
                pm_required += required;
                pm_approved += approved;
                pm_pending += required && !approved;
                incident_fini(&inc);
        }
        if (r >= 0)
                r = taken_stats(&t);
        if (r >= 0 && !(pick = calloc(s.n ? s.n : 1, sizeof *pick)))
                r = -ENOMEM;
        if (r >= 0) {
                for (size_t i = 0; i < s.n; i++)
                        pick[i] = true;
                json_t *all = group(&s, pick);
                for (int sev = 0; sev < SEV__COUNT; sev++) {
                        for (size_t i = 0; i < s.n; i++)
                                pick[i] = (int)s.v[i].severity == sev;
                        json_object_set_new(by_sev, severity_to_string((enum severity)sev), group(&s, pick));
                }
                const char *name;
                json_t *list, *ix;
                json_object_foreach(t.services, name, list)
                {
                        size_t k;
                        memset(pick, 0, s.n * sizeof *pick);
                        json_array_foreach(list, k, ix) pick[json_integer_value(ix)] = true;
                        json_object_set_new(by_svc, name, group(&s, pick));
                }
                char f_text[VG_RFC3339_MAX], t_text[VG_RFC3339_MAX];
                vg_time_format(from, f_text);
                vg_time_format(to, t_text);
                out = json_pack("{s:s, s:s, s:I, s:o, s:O, s:O, s:{s:O}, s:{s:I, s:I, s:O}, s:{s:I, s:I, s:I}, "
                                "s:{s:I, s:I, s:I}}",
                                "from", f_text, "to", t_text, "incidents", (json_int_t)s.n, "all", all, "by_severity",
                                by_sev, "by_service", by_svc, "obligations", "by_rule", t.rules, "pages", "total",
                                (json_int_t)t.pages, "acknowledged", (json_int_t)t.pages_acked, "by_user", t.pages_by,
                                "postmortems", "required", (json_int_t)pm_required, "approved", (json_int_t)pm_approved,
                                "pending", (json_int_t)pm_pending,
                                "improvements", "created", (json_int_t)t.imp_created, "done", (json_int_t)t.imp_done,
                                "overdue", (json_int_t)t.imp_overdue);
                if (!out)
                        r = -ENOMEM;
                else
                        json_object_set_new(out, "duplicates_excluded", json_integer((json_int_t)s.duplicates));
        }
        free(pick);
        free(s.v);
        json_decref(by_sev);
        json_decref(by_svc);
        json_decref(t.rules);
        json_decref(t.taken);
        json_decref(t.pages_by);
        json_decref(t.services);
        if (r >= 0)
                *ret = out;
        return r;
}
