/* Obligations: their recomputation from the rules, and (at the end of
 * this file) the use cases: an obligation sent, waived, reminded. The
 * rows are src/store/obligations.c's. */
#include "cases/obligations.h"

#include "base/log.h"
#include "cases/outbox.h"
#include "cases/rules.h"
#include "core/array.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/names.h"
#include "core/residence.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The incident's obligations as they stand, sorted by tenant and rule so
 * that each computed row finds its prior state, and a later stage when
 * its earlier one was sent, in log time: a recomputation may cover
 * 100,000 tenants and half a million rows. Tenants' names are kept once
 * each, rules by their index in the rule set. */
struct existing_row {
        int64_t id;
        size_t tenant_at;    /* its tenant's offset in names, while they are read */
        const char *tenant;  /* borrows names, once read */
        const char *rule_id; /* borrows the rule set */
        int rule;            /* index in the rule set */
        bool seen;           /* computed again this time */
        struct obligation_state s;
};

/* A clock group: the provider's open duties of one rule that end at one
 * time remind together (rule index, end; anchor for the marks). */
struct clock_group {
        int rule;
        vg_usec_t end, anchor_at;
};

/* At most every row of a scope's tenants (a million, incidents.c) under
 * every rule (rules.c's maximum). */
#define EXISTING_MAX ((size_t)1000000 * 64)
#define NAMES_MAX    ((size_t)1000000 * STORE_NAME_MAX)

struct existing {
        const struct rule_set *rules;
        struct rule_index *ri; /* owns */
        size_t n, cap;
        struct existing_row *v;
        char *names;
        size_t names_n, names_cap;
        size_t n_stale, cap_stale;
        int64_t *stale; /* open rows of a rule no longer in the set */
        size_t n_known, cap_known;
        struct clock_group *known; /* groups whose clocks still run */
        size_t n_new, cap_new;
        struct clock_group *fresh; /* groups with a new end this time */
        vg_usec_t now;
};

/* The rule set's ids, sorted, for finding a row's rule in log time. */
struct rule_ref {
        const char *id;
        int i;
};
struct rule_index {
        size_t n;
        struct rule_ref v[];
};

static int rule_index_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct rule_index *rule_index_new(const struct rule_set *rules)
{
        struct rule_index *x = malloc(sizeof *x + rules->n * sizeof x->v[0]);
        if (!x)
                return NULL;
        x->n = rules->n;
        for (size_t i = 0; i < rules->n; i++) {
                x->v[i].id = rules->rules[i].id;
                x->v[i].i = (int)i;
        }
        qsort(x->v, x->n, sizeof x->v[0], rule_index_cmp);
        return x;
}

static int rule_index_find(const struct rule_index *x, const char *id)
{
        const struct rule_ref *hit =
                x->n ? bsearch(&id, x->v, x->n, sizeof x->v[0], rule_index_cmp) : NULL;
        return hit ? hit->i : -1;
}

static vg_usec_t state_end(const struct obligation_state *s)
{
        return strcmp(s->deadline_kind, "asap") == 0 ? s->target_at : s->due_at;
}

static int keep(const struct obligation_state *s, void *userdata)
{
        struct existing *e = userdata;
        int rule = rule_index_find(e->ri, s->rule_id);
        int r = 0;
        if (rule < 0) {
                if (strcmp(s->status, "open") == 0 || strcmp(s->status, "cannot_compute") == 0) {
                        if ((r = array_reserve(e->stale, e->cap_stale, e->n_stale + 1,
                                               EXISTING_MAX)) == 0)
                                e->stale[e->n_stale++] = s->id;
                }
                return r;
        }
        /* A tenant's rows come together: its name is kept once. */
        size_t len = strlen(s->tenant) + 1;
        bool same = e->n && strcmp(e->names + e->v[e->n - 1].tenant_at, s->tenant) == 0;
        if (!same && (r = array_reserve(e->names, e->names_cap, e->names_n + len, NAMES_MAX)) < 0)
                return r;
        if ((r = array_reserve(e->v, e->cap, e->n + 1, EXISTING_MAX)) < 0)
                return r;
        struct existing_row *row = &e->v[e->n++];
        *row = (struct existing_row){
                .id = s->id, .rule = rule, .rule_id = e->rules->rules[rule].id, .s = *s};
        row->s.tenant = row->s.rule_id = NULL;
        if (same)
                row->tenant_at = e->v[e->n - 2].tenant_at;
        else {
                memcpy(e->names + e->names_n, s->tenant, len);
                row->tenant_at = e->names_n;
                e->names_n += len;
        }
        /* A clock group still running: its jobs are queued. */
        vg_usec_t end = state_end(s);
        if (strcmp(s->duty, "provider") == 0 && strcmp(s->status, "open") == 0 && end &&
            end > e->now) {
                if ((r = array_reserve(e->known, e->cap_known, e->n_known + 1, EXISTING_MAX)) < 0)
                        return r;
                e->known[e->n_known++] = (struct clock_group){.rule = rule, .end = end};
        }
        return 0;
}

static int row_cmp(const char *tenant, const char *rule_id, const struct existing_row *y)
{
        int c = strcmp(tenant, y->tenant);
        return c ? c : strcmp(rule_id, y->rule_id);
}

static int existing_cmp(const void *a, const void *b)
{
        const struct existing_row *x = a;
        return row_cmp(x->tenant, x->rule_id, b);
}

/* The rows once read: their names in place, sorted by tenant and rule id
 * in bytes - the store's order on SQLite (BINARY); another collation is
 * sorted here. */
static void existing_ready(struct existing *e)
{
        bool sorted = true;
        for (size_t i = 0; i < e->n; i++) {
                e->v[i].tenant = e->names + e->v[i].tenant_at;
                sorted = sorted && (i == 0 || existing_cmp(&e->v[i - 1], &e->v[i]) < 0);
        }
        if (!sorted)
                qsort(e->v, e->n, sizeof *e->v, existing_cmp);
}

static struct existing_row *existing_find(const struct existing *e, const char *tenant, int rule)
{
        const char *rule_id = e->rules->rules[rule].id;
        size_t lo = 0, hi = e->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = row_cmp(tenant, rule_id, &e->v[mid]);
                if (c == 0)
                        return &e->v[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

static vg_usec_t sent_of(const struct existing *e, const char *tenant, int rule)
{
        const struct existing_row *hit = existing_find(e, tenant, rule);
        return hit && hit->s.status[0] == 's' ? hit->s.sent_at : 0;
}

static void existing_fini(struct existing *e)
{
        free(e->v);
        free(e->names);
        free(e->stale);
        free(e->known);
        free(e->fresh);
        free(e->ri);
}

static int anchor_cb(const struct anchor_setting *a, void *userdata)
{
        struct obligation_facts *f = userdata;
        if (a->anchor >= 0 && a->anchor < ANCHOR__COUNT)
                f->anchors[a->anchor] = a->at; /* the latest setting is in force */
        return 0;
}

/* The incident's affected residents, as recorded (codes sorted). */
struct residents {
        size_t n;
        struct resident_count v[RESIDENTS_ENTRIES_MAX];
};

static int resident_cb(const struct resident_count *c, void *userdata)
{
        struct residents *g = userdata;
        if (g->n < RESIDENTS_ENTRIES_MAX)
                g->v[g->n++] = *c;
        return 0;
}

struct scoped {
        size_t n, cap;
        struct scope_tenant *v;
};

static int scope_cb(const struct scope_tenant *t, void *userdata)
{
        struct scoped *s = userdata;
        if (t->status == TENANT_RULED_OUT)
                return 0;
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                struct scope_tenant *v = realloc(s->v, cap * sizeof *v);
                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n] = *t;
        s->v[s->n++].evidence = NULL;
        return 0;
}

static int tenant_body(const struct tenant_row *t, void *userdata)
{
        *(json_t **)userdata = json_loads(t->body, 0, NULL);
        return 0;
}

/* A tenant's facts from its record (none when it has no record: only
 * rules without conditions apply to it). Strings borrow from *doc. */
static void tenant_facts(json_t *doc, struct party_facts *p, const char **jur, const char **sec, const char **reg)
{
        json_t *v;
        size_t i;
        memset(p, 0, sizeof *p);
        p->notification_hours = doc ? json_integer_value(json_object_get(doc, "notification_hours")) : 72;
        json_array_foreach(json_object_get(doc, "jurisdictions"), i, v) if (p->n_jur < RULE_CODES_MAX) jur[p->n_jur++] =
                json_string_value(v);
        json_array_foreach(json_object_get(doc, "sectors"), i, v) if (p->n_sectors < RULE_SECTORS_MAX) sec[p->n_sectors++] =
                json_string_value(v);
        json_array_foreach(json_object_get(doc, "regulated_as"), i, v) if (p->n_regulated < RULE_FACTS_MAX)
                reg[p->n_regulated++] = json_string_value(v);
        p->jur = jur;
        p->sectors = sec;
        p->regulated_as = reg;
}

/* Tenants alike in what decides which rules apply to them - their
 * jurisdictions, sectors, what they are regulated as and the data they
 * lost - are one class: the rules are matched once per class, not once
 * per tenant (100,000 tenants of a large incident fall in a few dozen).
 * Each class keeps the first record of its kind; its facts borrow from
 * it. A tenant keeps its class and its own contract hours. */
struct facts_class {
        char *key;   /* owns */
        json_t *doc; /* owns */
        const char *jur[RULE_CODES_MAX], *sec[RULE_SECTORS_MAX], *reg[RULE_FACTS_MAX];
        struct party_facts p; /* its lists point into the class: class_facts */
        data_mask_t hit;
        bool decided;
        bool *applies; /* owns: one per rule, once decided */
};

struct scoped_tenant {
        char tenant[STORE_NAME_MAX];
        size_t cls;
        int64_t hours;
};

#define SCOPED_MAX 1000000 /* a scope's most tenants (incidents.c) */

struct scope_facts {
        data_mask_t incident_hit;
        size_t n, cap;
        struct scoped_tenant *v;
        size_t n_cls, cap_cls;
        struct facts_class *cls;
        size_t n_slots; /* a power of two, at least twice n_cls */
        size_t *slots;  /* class index + 1; 0: empty */
};

/* A class's facts, its lists pointing where the class is now (the array
 * of classes moves as it grows). */
static struct party_facts class_facts(struct facts_class *c)
{
        struct party_facts p = c->p;
        p.jur = c->jur;
        p.sectors = c->sec;
        p.regulated_as = c->reg;
        return p;
}

static uint64_t key_hash(const char *k)
{
        uint64_t h = 1469598103934665603u;
        for (; *k; k++)
                h = (h ^ (unsigned char)*k) * 1099511628211u;
        return h;
}

/* The class of key, made from doc (which it takes) when new. */
static int class_of(struct scope_facts *s, const char *key, json_t **doc, data_mask_t hit,
                    size_t *ret)
{
        if (s->n_cls * 2 >= s->n_slots) {
                size_t n = s->n_slots ? s->n_slots * 2 : 64;
                size_t *slots = calloc(n, sizeof *slots);
                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_cls; i++) {
                        size_t at = key_hash(s->cls[i].key) & (n - 1);
                        while (slots[at])
                                at = (at + 1) & (n - 1);
                        slots[at] = i + 1;
                }
                free(s->slots);
                s->slots = slots;
                s->n_slots = n;
        }
        size_t at = key_hash(key) & (s->n_slots - 1);
        for (; s->slots[at]; at = (at + 1) & (s->n_slots - 1))
                if (strcmp(s->cls[s->slots[at] - 1].key, key) == 0) {
                        *ret = s->slots[at] - 1;
                        return 0;
                }
        int r = array_reserve(s->cls, s->cap_cls, s->n_cls + 1, SCOPED_MAX);
        if (r < 0)
                return r;
        struct facts_class *c = &s->cls[s->n_cls];
        memset(c, 0, sizeof *c);
        if (!(c->key = strdup(key)))
                return -ENOMEM;
        c->doc = *doc;
        *doc = NULL;
        c->hit = hit;
        tenant_facts(c->doc, &c->p, c->jur, c->sec, c->reg);
        s->slots[at] = s->n_cls + 1;
        *ret = s->n_cls++;
        return 0;
}

static void scoped_fini(struct scope_facts *s)
{
        for (size_t i = 0; i < s->n_cls; i++) {
                free(s->cls[i].key);
                json_decref(s->cls[i].doc);
                free(s->cls[i].applies);
        }
        free(s->cls);
        free(s->slots);
        free(s->v);
}

/* One tenant in scope (ruled out: none) with its record (NULL: none, so
 * only rules without conditions apply to it). */
static int scoped_cb(const struct scope_tenant *t, const char *body, void *userdata)
{
        struct scope_facts *s = userdata;
        if (t->status == TENANT_RULED_OUT)
                return 0;
        int r = array_reserve(s->v, s->cap, s->n + 1, SCOPED_MAX);
        if (r < 0)
                return r;
        json_t *doc = body ? json_loads(body, 0, NULL) : NULL;
        const char *jur[RULE_CODES_MAX], *sec[RULE_SECTORS_MAX], *reg[RULE_FACTS_MAX];
        struct party_facts p;
        tenant_facts(doc, &p, jur, sec, reg);
        data_mask_t hit = t->data_categories ? t->data_categories : s->incident_hit;
        /* The class's key: each list in its order, then the data lost. */
        struct buf key;
        buf_init(&key, 8192);
        buf_put(&key, "%d", doc != NULL);
        for (size_t i = 0; i < p.n_jur; i++)
                buf_put(&key, "\x1f%s", jur[i] ? jur[i] : "");
        buf_put(&key, "\x1e");
        for (size_t i = 0; i < p.n_sectors; i++)
                buf_put(&key, "\x1f%s", sec[i] ? sec[i] : "");
        buf_put(&key, "\x1e");
        for (size_t i = 0; i < p.n_regulated; i++)
                buf_put(&key, "\x1f%s", reg[i] ? reg[i] : "");
        buf_put(&key, "\x1e%lu", (unsigned long)hit);
        struct scoped_tenant *st = &s->v[s->n];
        snprintf(st->tenant, sizeof st->tenant, "%s", t->tenant);
        st->hours = p.notification_hours;
        r = key.err ? key.err : class_of(s, key.p, &doc, hit, &st->cls);
        buf_release(&key);
        json_decref(doc);
        if (r >= 0)
                s->n++;
        return r;
}

/* The regimes the incident's affected services are under: each service
 * document names its own ("regimes": [nis2, fedramp]); a service with no
 * document is under none. Held as one JSON array, sorted and unique. */
struct regimes {
        struct store_tx *tx;
        json_t *names; /* owns */
        int err;
};

static int service_regimes(const struct org_object *o, void *userdata)
{
        struct regimes *g = userdata;
        json_t *doc = json_loads(o->body, 0, NULL), *v;
        size_t i;
        json_array_foreach(json_object_get(doc, "regimes"), i, v)
        {
                const char *name = json_string_value(v);
                bool have = false;
                json_t *w;
                size_t k;
                json_array_foreach(g->names, k, w) have |= name && strcmp(json_string_value(w), name) == 0;
                if (name && !have && json_array_size(g->names) < RULE_CODES_MAX &&
                    json_array_append_new(g->names, json_string(name)) < 0)
                        g->err = -ENOMEM;
        }
        json_decref(doc);
        return g->err;
}

static int service_cb(const char *service, void *userdata)
{
        struct regimes *g = userdata;
        int r = store_org_get(g->tx, "service", service, service_regimes, g);
        return r == -VG_ENOTFOUND ? 0 : r;
}

/* What the rules look at of an incident (its data hit, the regimes of
 * its services, its anchors, its affected residents), read once: the
 * recomputation and the explanations share it. f borrows from the rest. */
struct incident_seen {
        struct obligation_facts f;
        struct regimes g;
        const char *regime[RULE_CODES_MAX];
        struct residents *res; /* owns */
};

static void incident_seen_fini(struct incident_seen *x)
{
        json_decref(x->g.names);
        free(x->res);
        x->g.names = NULL;
        x->res = NULL;
}

static int incident_seen_read(struct store_tx *tx, const struct incident *inc, struct incident_seen *x)
{
        struct obligation_facts *f = &x->f;
        memset(f, 0, sizeof *f);
        f->hit = inc->data_categories;
        x->res = calloc(1, sizeof *x->res);
        int r = x->res && x->g.names ? store_incident_services_list(tx, inc->id, service_cb, &x->g) : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < json_array_size(x->g.names); i++)
                x->regime[i] = json_string_value(json_array_get(x->g.names, i));
        f->regimes = x->regime;
        f->n_regimes = json_array_size(x->g.names);
        if (r >= 0)
                r = store_anchor_list(tx, inc->id, anchor_cb, f);
        if (!f->anchors[ANCHOR_FIRST_DETECTED])
                f->anchors[ANCHOR_FIRST_DETECTED] = inc->detected_at;
        if (!f->anchors[ANCHOR_DECLARED])
                f->anchors[ANCHOR_DECLARED] = inc->declared_at;
        if (r >= 0)
                r = store_incident_residents_list(tx, inc->id, resident_cb, x->res);
        if (r >= 0) {
                f->residents = x->res->v;
                f->n_residents = x->res->n;
        }
        return r;
}

/* Where an obligation's clock ends: its deadline, or for a duty "without
 * undue delay" its internal target. */
static vg_usec_t clock_end(const struct obligation *o)
{
        return strcmp(o->deadline_kind, "asap") == 0 ? o->target_at : o->due_at;
}

static int group_cmp(const void *a, const void *b)
{
        const struct clock_group *x = a, *y = b;
        return x->rule != y->rule ? (x->rule < y->rule ? -1 : 1)
               : x->end < y->end  ? -1
                                  : x->end > y->end;
}

/* Jobs at 50, 75, 90 and 100 % of a clock group's time (to its target,
 * for an asap duty): one set per rule and end, however many tenants'
 * duties it holds. Marks already passed are skipped except the latest of
 * them, which runs at once, so a clock that starts late reminds once,
 * not three times. */
static int schedule_clocks(struct store_tx *tx, int64_t incident_id, const char *rule_id,
                           const struct clock_group *g, vg_usec_t now)
{
        static const int marks[] = { 50, 75, 90, 100 };
        vg_usec_t span = g->end - g->anchor_at;
        int last_past = -1;
        for (int i = 0; i < 4; i++)
                if (g->anchor_at + span * marks[i] / 100 <= now)
                        last_past = i;
        for (int i = last_past < 0 ? 0 : last_past; i < 4; i++) {
                vg_usec_t at = g->anchor_at + span * marks[i] / 100;
                json_t *j = json_pack("{s:I, s:s, s:I, s:i}", "incident_id",
                                      (json_int_t)incident_id, "rule_id", rule_id, "due_at",
                                      (json_int_t)g->end, "mark", marks[i]);
                char *payload = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                int r = payload ? store_job_add(tx, "obligation.clock", payload,
                                                at > now ? at : now, NULL)
                                : -ENOMEM;
                free(payload);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The clocks of the groups that have a new end this time and whose
 * clocks are not running already (a group still running takes in the
 * duties that join it). */
static int schedule_groups(struct store_tx *tx, const struct rule_set *rules, struct existing *e,
                           int64_t incident_id, vg_usec_t now)
{
        if (e->n_new > 1)
                qsort(e->fresh, e->n_new, sizeof *e->fresh, group_cmp);
        if (e->n_known > 1)
                qsort(e->known, e->n_known, sizeof *e->known, group_cmp);
        int r = 0;
        for (size_t i = 0; r >= 0 && i < e->n_new; i++) {
                const struct clock_group *g = &e->fresh[i];
                if (i && group_cmp(g, &e->fresh[i - 1]) == 0)
                        continue;
                if (e->n_known && bsearch(g, e->known, e->n_known, sizeof *e->known, group_cmp))
                        continue;
                r = schedule_clocks(tx, incident_id, rules->rules[g->rule].id, g, now);
        }
        return r;
}

static int put(struct store_tx *tx, const struct rule_set *rules, int ri, const char *tenant,
               const struct party_facts *p, const struct obligation_facts *f, struct existing *e,
               int64_t incident_id, vg_usec_t asap_target, vg_usec_t now)
{
        const struct rule *r = &rules->rules[ri];
        struct obligation o = { .incident_id = incident_id, .recipient = r->recipient, .citation = r->citation,
                                .computed_at = now };
        snprintf(o.tenant, sizeof o.tenant, "%s", tenant);
        snprintf(o.rule_id, sizeof o.rule_id, "%s", r->id);
        snprintf(o.rules_version, sizeof o.rules_version, "%s", rules->version);
        snprintf(o.duty, sizeof o.duty, "%s", r->duty == RULE_DUTY_PROVIDER ? "provider" : "tenant");
        snprintf(o.stage, sizeof o.stage, "%s", r->stage);
        vg_usec_t after = r->after >= 0 ? sent_of(e, tenant, r->after) : 0;
        struct rule_clock c = { .anchor = r->terms[0].anchor };
        int d = rule_clock(rules, r, p, f, after, &c);
        if (d == -ERANGE && r->holidays >= 0 && (size_t)r->holidays < rules->n_cals) {
                /* Never guess: a count past the calendar's range is marked
                 * and explained, not computed as if there were no holidays.
                 * rule_clock names the term that could not be counted. */
                const struct holiday_calendar *h = &rules->cals[r->holidays];
                const struct deadline_rule *dl = &r->terms[0].deadline;
                for (size_t i = 0; i < r->n_terms; i++)
                        if (r->terms[i].anchor == c.anchor)
                                dl = &r->terms[i].deadline;
                int64_t y0, y1;
                unsigned m, dd;
                char from[VG_RFC3339_MAX];
                vg_civil_from_days(h->first_day, &y0, &m, &dd);
                vg_civil_from_days(h->last_day, &y1, &m, &dd);
                vg_time_format(c.anchor_at, from);
                o.cannot_compute = true;
                if (h->last_day < h->first_day)
                        snprintf(o.reason, sizeof o.reason, "holiday calendar %s covers no year: %lld %s from %s cannot be counted",
                                 h->name, (long long)dl->value, deadline_unit_to_string(dl->unit), from);
                else
                        snprintf(o.reason, sizeof o.reason,
                                 "holiday calendar %s covers %lld-%lld only: %lld %s from %s fall outside it", h->name,
                                 (long long)y0, (long long)y1, (long long)dl->value, deadline_unit_to_string(dl->unit),
                                 from);
                c.due = 0;
                d = 0;
        }
        if (d < 0)
                return d;
        if (d == 1)
                c.anchor_at = c.due = 0;
        /* The anchor of the term that binds (the first term's while none
         * has started): DORA's initial report shows "aware" while its
         * 24-hour backstop runs, "classified_major" once 4 hours from the
         * classification come first. */
        if (r->after >= 0)
                snprintf(o.anchor, sizeof o.anchor, "after:%s", rules->rules[r->after].id);
        else
                snprintf(o.anchor, sizeof o.anchor, "%s", anchor_to_string(c.anchor));
        o.anchor_at = c.anchor_at;
        o.due_at = c.due;
        /* A duty "without undue delay" is due at once and never late: its
         * internal target (the rule's, else the operator's) is what its
         * reminders and its score count to. Before its clock starts it is
         * still of that kind, with no target yet. */
        bool started = d == 0 && c.anchor_at != VG_TIME_UNSET && !o.cannot_compute;
        bool asap = started ? c.kind == DEADLINE_KIND_ASAP
                            : !r->contract && r->terms[0].deadline.unit == DEADLINE_ASAP;
        snprintf(o.deadline_kind, sizeof o.deadline_kind, "%s",
                 deadline_kind_to_string(asap ? DEADLINE_KIND_ASAP : DEADLINE_KIND_FIXED));
        o.target_at = asap && started ? deadline_asap_target(c.anchor_at, c.target_hours, asap_target) : VG_TIME_UNSET;
        struct existing_row *prior = existing_find(e, tenant, ri);
        if (prior)
                prior->seen = true;
        int rc = store_obligation_write(tx, &o, prior ? &prior->s : NULL);
        /* The provider's own duties get their clocks: reminders to
         * communications at 50, 75 and 90 % of the time, and the overdue
         * escalation at 100 % - for an asap duty, of the time to its
         * target ("target passed", not overdue). Only when the due time or
         * target is new; the duties of one rule that end together share
         * theirs (schedule_groups). */
        vg_usec_t end = clock_end(&o);
        if (rc >= 0 && o.due_changed && end && end > o.anchor_at && r->duty == RULE_DUTY_PROVIDER &&
            strcmp(o.status, "open") == 0) {
                rc = array_reserve(e->fresh, e->cap_new, e->n_new + 1, EXISTING_MAX);
                if (rc >= 0)
                        e->fresh[e->n_new++] = (struct clock_group){
                                .rule = ri, .end = end, .anchor_at = o.anchor_at};
        }
        return rc;
}

int obligations_recompute(struct store_tx *tx, const struct rule_set *rules, const struct party_facts *provider,
                          vg_usec_t asap_target, const char *key, vg_usec_t now, unsigned *ret_n)
{
        struct incident inc = { 0 };
        struct obligation_facts f = { 0 };
        struct existing e = {.rules = rules, .now = now};
        struct scope_facts sc = {0};
        struct incident_seen seen = { .g = { .tx = tx, .names = json_array() } };
        unsigned n = 0;
        int r = seen.g.names ? store_incident_get(tx, key, &inc) : -ENOMEM;
        if (r < 0 || !inc.declared_at || !rules)
                goto out;
        e.ri = rule_index_new(rules);
        r = e.ri ? incident_seen_read(tx, &inc, &seen) : -ENOMEM;
        f = seen.f;
        if (r >= 0)
                r = store_obligation_states(tx, inc.id, NULL, keep, &e);
        if (r >= 0)
                existing_ready(&e);
        sc.incident_hit = f.hit;
        if (r >= 0)
                r = store_incident_tenant_records(tx, inc.id, scoped_cb, &sc);
        for (size_t t = 0; r >= 0 && t < sc.n; t++) {
                struct facts_class *c = &sc.cls[sc.v[t].cls];
                struct obligation_facts tf = f;
                tf.hit = c->hit; /* what this tenant lost, when the scope says */
                if (!c->decided) {
                        if (!(c->applies = calloc(rules->n ? rules->n : 1, sizeof *c->applies))) {
                                r = -ENOMEM;
                                break;
                        }
                        struct party_facts cp = class_facts(c);
                        for (size_t i = 0; i < rules->n; i++)
                                c->applies[i] = rules->rules[i].scope == RULE_FOR_TENANT &&
                                                rule_applies(rules, &rules->rules[i], &cp, &tf);
                        c->decided = true;
                }
                struct party_facts p = class_facts(c);
                p.notification_hours = sc.v[t].hours;
                for (size_t i = 0; r >= 0 && i < rules->n; i++) {
                        if (!c->applies[i])
                                continue;
                        r = put(tx, rules, (int)i, sc.v[t].tenant, &p, &tf, &e, inc.id, asap_target,
                                now);
                        n += r >= 0;
                }
        }
        for (size_t i = 0; r >= 0 && provider && i < rules->n; i++) {
                const struct rule *rl = &rules->rules[i];
                if (rl->scope != RULE_FOR_PROVIDER || !rule_applies(rules, rl, provider, &f))
                        continue;
                r = put(tx, rules, (int)i, "", provider, &f, &e, inc.id, asap_target, now);
                n += r >= 0;
        }
        /* What no rule puts there now is withdrawn (when still open). */
        for (size_t i = 0; r >= 0 && i < e.n; i++)
                if (!e.v[i].seen && (strcmp(e.v[i].s.status, "open") == 0 ||
                                     strcmp(e.v[i].s.status, "cannot_compute") == 0))
                        r = store_obligation_withdraw(tx, e.v[i].id);
        for (size_t i = 0; r >= 0 && i < e.n_stale; i++)
                r = store_obligation_withdraw(tx, e.stale[i]);
        if (r >= 0)
                r = schedule_groups(tx, rules, &e, inc.id, now);
out:
        if (ret_n)
                *ret_n = n;
        existing_fini(&e);
        scoped_fini(&sc);
        incident_seen_fini(&seen);
        incident_fini(&inc);
        return r;
}

/* The provider's own facts from the configuration (pv may be NULL: none);
 * the names borrow from pv, through jur and sec. */
static struct party_facts provider_facts(const struct config_provider *pv, const char *jur[32], const char *sec[16])
{
        size_t n_jur = pv ? pv->n_jur : 0, n_sec = pv ? pv->n_sectors : 0;
        for (size_t i = 0; i < n_jur; i++)
                jur[i] = pv->jur[i];
        for (size_t i = 0; i < n_sec; i++)
                sec[i] = pv->sector[i];
        return (struct party_facts){ n_jur, jur, n_sec, sec, 0 };
}

int case_obligations_recompute(struct store_tx *tx, const struct rule_set *rules,
                               const struct config_provider *pv, const char *key, vg_usec_t now)
{
        const char *jur[32], *sec[16];
        struct party_facts provider = provider_facts(pv, jur, sec);
        return obligations_recompute(tx, rules, &provider, pv->asap_target * VG_USEC_PER_SEC, key, now, NULL);
}

/* ---- why each obligation applies ---- */

struct case_explainer {
        struct store_tx *tx;           /* borrows */
        const struct rule_set *rules;  /* borrows */
        struct incident_seen seen;
        struct scoped sc;              /* sorted by tenant, as the store lists them */
        json_t *docs;                  /* owns: tenant id -> its record (null: none) */
        struct party_facts provider;
        const char *pjur[32], *psec[16];
};

void case_explainer_free(struct case_explainer *x)
{
        if (!x)
                return;
        incident_seen_fini(&x->seen);
        free(x->sc.v);
        json_decref(x->docs);
        free(x);
}

int case_explainer_new(struct store_tx *tx, const struct rule_set *rules, const struct config_provider *pv,
                       const struct incident *inc, const char *tenant, struct case_explainer **ret)
{
        struct case_explainer *x = calloc(1, sizeof *x);
        if (!x)
                return -ENOMEM;
        x->tx = tx;
        x->rules = rules;
        x->seen.g = (struct regimes){ .tx = tx, .names = json_array() };
        x->docs = json_object();
        x->provider = provider_facts(pv, x->pjur, x->psec);
        int r = x->docs ? incident_seen_read(tx, inc, &x->seen) : -ENOMEM;
        /* The whole scope for a list, one tenant's row for one (the
         * provider's own duties read none). */
        if (r >= 0 && !tenant)
                r = store_incident_tenants_list(tx, inc->id, scope_cb, &x->sc);
        else if (r >= 0 && tenant[0]) {
                r = store_incident_tenant_get(tx, inc->id, tenant, scope_cb, &x->sc);
                if (r == -VG_ENOTFOUND)
                        r = 0; /* out of scope now: its row is withdrawn */
        }
        if (r < 0) {
                case_explainer_free(x);
                return r;
        }
        *ret = x;
        return 0;
}

static int scope_cmp(const void *key, const void *elem)
{
        return strcmp(key, ((const struct scope_tenant *)elem)->tenant);
}

json_t *case_obligation_explanation(struct case_explainer *x, const struct obligation *o)
{
        const struct rule_set *rules = x->rules;
        if (!rules || strcmp(o->rules_version, rules->version) != 0)
                return NULL;
        int i = rule_find(rules, o->rule_id);
        if (i < 0)
                return NULL;
        const struct rule *rl = &rules->rules[i];
        struct obligation_facts f = x->seen.f;
        struct party_facts p = x->provider;
        const char *jur[RULE_CODES_MAX], *sec[RULE_SECTORS_MAX], *reg[RULE_FACTS_MAX];
        bool provider = !o->tenant[0];
        if (!provider) {
                json_t *doc = json_object_get(x->docs, o->tenant);
                if (!doc) {
                        json_t *got = NULL;
                        int r = store_tenant_get(x->tx, o->tenant, tenant_body, &got);
                        if (r < 0 && r != -VG_ENOTFOUND)
                                return NULL;
                        doc = got ? got : json_null();
                        if (json_object_set_new(x->docs, o->tenant, doc) < 0)
                                return NULL;
                }
                tenant_facts(json_is_null(doc) ? NULL : doc, &p, jur, sec, reg);
                const struct scope_tenant *t =
                        x->sc.n ? bsearch(o->tenant, x->sc.v, x->sc.n, sizeof *x->sc.v, scope_cmp) : NULL;
                if (t && t->data_categories)
                        f.hit = t->data_categories; /* what this tenant lost, as the recomputation counts it */
        }
        struct case_clock_seen clock = { .anchor_at = o->anchor_at, .due_at = o->due_at,
                                         .cannot_compute = strcmp(o->status, "cannot_compute") == 0,
                                         .reason = o->reason };
        return case_rule_explanation(rules, rl, &p, &f, provider, &clock);
}

/* ---- the use cases: an obligation sent, waived, or its clock ---- */

/* The obligation's own fields; its texts (recipient, citation) are cut to
 * a bounded copy on a character, as they come from the rules file and may
 * be of any length. */
struct obligation_copy {
        struct obligation o;
        char recipient[512], citation[512];
};

static int copy_obligation(const struct obligation *o, void *userdata)
{
        struct obligation_copy *c = userdata;
        c->o = *o;
        utf8_copy(c->recipient, sizeof c->recipient, o->recipient ? o->recipient : "");
        utf8_copy(c->citation, sizeof c->citation, o->citation ? o->citation : "");
        c->o.recipient = c->recipient;
        c->o.citation = c->citation;
        return 0;
}

/* Obligation id, when it is one of inc's: -VG_ENOTFOUND for any other. */
static int obligation_of(struct store_tx *tx, const struct incident *inc, int64_t id, struct obligation_copy *c)
{
        int r = store_obligation_get(tx, id, copy_obligation, c);
        return r >= 0 && c->o.incident_id != inc->id ? -VG_ENOTFOUND : r;
}

int case_obligation_sent(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct rule_set *rules, const struct config_provider *pv, const char *key,
                         int64_t id, vg_usec_t at, struct case_outcome *o)
{
        /* A filing with nothing more said than when (case_obligation_file). */
        const struct filing_input in = { .at = at };
        return case_obligation_file(tx, actor, now, rules, pv, key, id, &in, o);
}

#define WAIVE_REASON_MAX 4096

int case_obligation_waive(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                          int64_t id, const char *reason, struct case_outcome *o)
{
        struct incident inc = { 0 };
        struct obligation_copy c;
        if (!reason || !*reason || !text_valid(reason, WAIVE_REASON_MAX)) {
                fielderr_add(&o->errors, "reason", "must say why the obligation does not apply");
                return -VG_EVALIDATION;
        }
        int r = case_incident_get(tx, key, &inc, o);
        if (r >= 0) {
                r = obligation_of(tx, &inc, id, &c);
                if (r == -VG_ENOTFOUND)
                        case_outcome_detail(o, "%s has no obligation %lld", inc.key, (long long)id);
        }
        if (r >= 0) {
                r = store_obligation_waive(tx, id, reason, now);
                if (r == -VG_ECONFLICT)
                        case_outcome_detail(o, "obligation %lld is not open", (long long)id);
        }
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s}", "obligation", (json_int_t)id, "reason", reason);
                r = change ? store_audit_incident(tx, now, actor, "incident.obligation.waive", inc.key, change) : -ENOMEM;
                json_decref(change);
        }
        incident_fini(&inc);
        return r;
}

/* Who a clock tells: everyone enabled with the role and an email. */
#define REMIND_PEOPLE_MAX 64

struct people {
        enum role role;
        size_t n;
        struct {
                char name[STORE_NAME_MAX];
                char email[256];
        } v[REMIND_PEOPLE_MAX];
        int64_t last;
};

static int collect(const struct user *u, void *userdata)
{
        struct people *p = userdata;
        p->last = u->id;
        if (u->role == p->role && !u->disabled && u->email[0] && p->n < REMIND_PEOPLE_MAX) {
                snprintf(p->v[p->n].name, sizeof p->v[0].name, "%s", u->name);
                snprintf(p->v[p->n++].email, sizeof p->v[0].email, "%s", u->email);
        }
        return 0;
}

/* A clock group's members as they stand: the open duties of one rule on
 * one incident whose clock ends at one time (the first of them kept for
 * the text, a few names for the list, a digest of them all). */
#define REMIND_NAMES_MAX 20
struct members {
        vg_usec_t due;
        int64_t only; /* nonzero: this obligation alone (a clock queued before the groups) */
        size_t n;
        struct obligation_copy first;
        char names[REMIND_NAMES_MAX][STORE_NAME_MAX];
        crypto_generichash_state h;
        int64_t after_id;
        vg_usec_t after_due;
};

static int member(const struct obligation *o, void *userdata)
{
        struct members *m = userdata;
        m->after_id = o->id;
        m->after_due = o->due_at ? o->due_at : INT64_MAX; /* the list's key: not started, last */
        if (clock_end(o) != m->due || strcmp(o->duty, "provider") != 0 ||
            (m->only && o->id != m->only))
                return 0;
        if (m->n == 0)
                copy_obligation(o, &m->first);
        if (m->n < REMIND_NAMES_MAX)
                snprintf(m->names[m->n], sizeof m->names[0], "%s",
                         o->tenant[0] ? o->tenant : "the provider itself");
        crypto_generichash_update(&m->h, (const uint8_t *)o->tenant, strlen(o->tenant) + 1);
        m->n++;
        return 0;
}

/* The reminder's text, into subject and body; asap: a duty "without undue
 * delay", whose clock runs to its internal target (end), not a deadline. */
static void remind_text(const struct members *m, const struct incident *inc, int mark, bool asap,
                        const char *end, char *subject, size_t subject_size, struct buf *body)
{
        const struct obligation *o = &m->first.o;
        char whom[STORE_NAME_MAX + 32];
        if (m->n == 1)
                snprintf(whom, sizeof whom, "%s", m->names[0]);
        else
                snprintf(whom, sizeof whom, "%zu %s", m->n, o->tenant[0] ? "tenants" : "parties");
        if (mark >= 100)
                snprintf(subject, subject_size, "[Vigil] %s %s for %s on %s", asap ? "TARGET PASSED" : "OVERDUE",
                         o->rule_id, whom, inc->key);
        else
                snprintf(subject, subject_size, "[Vigil] %d%% of the %s used: %s for %s on %s", mark,
                         asap ? "target time" : "time", o->rule_id, whom, inc->key);
        const char *what = asap ? (mark >= 100 ? "This obligation is due without undue delay, and its internal "
                                                 "target has passed."
                                               : "This obligation is due without undue delay; its internal "
                                                 "target is approaching.")
                                : (mark >= 100 ? "This obligation is overdue." : "This obligation's deadline is approaching.");
        buf_put(body, "%s\n\nIncident %s: %s\nObligation %s (%s stage) for %s\n", what, inc->key,
                inc->title, o->rule_id, o->stage, whom);
        if (m->n > 1) {
                buf_put(body, "Still open for:");
                for (size_t i = 0; i < m->n && i < REMIND_NAMES_MAX; i++)
                        buf_put(body, " %s%s", m->names[i],
                                i + 1 < m->n && i + 1 < REMIND_NAMES_MAX ? "," : "");
                if (m->n > REMIND_NAMES_MAX)
                        buf_put(body, " and %zu more", m->n - REMIND_NAMES_MAX);
                buf_put(body, "\n");
        }
        buf_put(body, "To: %s\n%s: %s\nCitation: %s\n\n", o->recipient,
                asap ? "Due: without undue delay; internal target" : "Due", end, o->citation);
        if (m->n == 1)
                buf_put(body, "When it has gone out: vigil obligations sent %s %lld\n", inc->key,
                        (long long)o->id);
        else
                buf_put(body, "The list: vigil obligations %s --rule %s --status open\n", inc->key,
                        o->rule_id);
}

int case_obligation_remind(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           int64_t incident_id, const char *rule_id, vg_usec_t due, int mark,
                           int64_t only)
{
        struct incident inc = { 0 };
        struct people people = { .role = mark >= 100 ? ROLE_EXECUTIVE_INCIDENT_MANAGER : ROLE_COMMUNICATIONS };
        struct members *m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->due = due;
        m->only = only;
        crypto_generichash_init(&m->h, NULL, 0, 16);
        int r = store_incident_get_by_id(tx, incident_id, &inc);
        /* The group's members: its rule's open rows, a page at a time. */
        for (size_t seen = SIZE_MAX; r >= 0 && seen != 0;) {
                struct obligation_filter f = {.status = "open",
                                              .rule = rule_id,
                                              .incident_id = incident_id,
                                              .after_id = m->after_id,
                                              .after_due = m->after_due};
                int64_t before = m->after_id;
                r = store_obligation_due(tx, &f, 500, member, m);
                seen = m->after_id != before;
        }
        if (r == -VG_ENOTFOUND || (r >= 0 && m->n == 0)) {
                free(m);
                incident_fini(&inc);
                return 0; /* all sent, withdrawn or moved: nothing to say */
        }
        bool asap = r >= 0 && strcmp(m->first.o.deadline_kind, "asap") == 0;
        /* Everyone with the role (the user table is small; page through it). */
        for (int64_t before = -1; r >= 0 && before != people.last;) {
                before = people.last;
                r = store_user_list(tx, people.last, 500, collect, &people);
        }
        uint8_t d[16];
        char set[33], subject[400], due_text[VG_RFC3339_MAX];
        crypto_generichash_final(&m->h, d, sizeof d);
        sodium_bin2hex(set, sizeof set, d, sizeof d);
        vg_time_format(due, due_text);
        struct buf body;
        buf_init(&body, 16384);
        remind_text(m, &inc, mark, asap, due_text, subject, sizeof subject, &body);
        json_t *told = json_array();
        if (r >= 0 && body.err)
                r = body.err;
        for (size_t i = 0; r >= 0 && i < people.n; i++) {
                struct outbox_msg msg = {.address = people.v[i].email,
                                         .subject = subject,
                                         .body = body.p,
                                         .created_at = now};
                /* Once per group, due time, mark, person and members: a
                 * duty that joins the group after its mark went out is told
                 * at the next one, or at once when its clock has run out.
                 * The key is their digest, as the rule id and the name
                 * would not fit the key together. */
                char what[400];
                uint8_t k[16];
                int len = snprintf(what, sizeof what, "%lld\n%s\n%lld\n%d\n%s\n%s",
                                   (long long)incident_id, rule_id, (long long)due, mark, set,
                                   people.v[i].name);
                crypto_generichash(k, sizeof k, (const uint8_t *)what,
                                   (size_t)len < sizeof what ? (size_t)len : sizeof what, NULL, 0);
                memcpy(msg.idem_key, "clock-", 6);
                sodium_bin2hex(msg.idem_key + 6, sizeof msg.idem_key - 6, k, sizeof k);
                snprintf(msg.channel, sizeof msg.channel, "email");
                r = case_message_queue(tx, &msg, now);
                if (r > 0)
                        json_array_append_new(told, json_string(people.v[i].name));
        }
        if (r >= 0 && !people.n)
                log_event(LOG_LVL_WARN, "nobody to tell about an obligation",
                          "incident=%s rule=%s mark=%d role=%s", inc.key, rule_id, mark,
                          role_to_string(people.role));
        if (r >= 0) {
                json_t *names = json_array();
                for (size_t i = 0; i < m->n && i < REMIND_NAMES_MAX; i++)
                        json_array_append_new(
                                names, json_string(m->first.o.tenant[0] || i ? m->names[i] : ""));
                json_t *change = json_pack("{s:s, s:I, s:o, s:s, s:s, s:i, s:O}", "rule", rule_id,
                                           "obligations", (json_int_t)m->n, "tenants", names,
                                           asap ? "target_at" : "due_at", due_text, "deadline_kind",
                                           asap ? "asap" : "fixed", "mark", mark, "told", told);
                if (change && m->n == 1) {
                        json_object_set_new(change, "obligation", json_integer(m->first.o.id));
                        json_object_set_new(change, "tenant", json_string(m->first.o.tenant));
                }
                r = change ? store_audit_incident(tx, now, actor,
                                                  mark < 100 ? "incident.obligation.reminder"
                                                  : asap     ? "incident.obligation.target_passed"
                                                             : "incident.obligation.overdue",
                                                  inc.key, change)
                           : -ENOMEM;
                json_decref(change);
        }
        json_decref(told);
        buf_release(&body);
        free(m);
        incident_fini(&inc);
        return r < 0 ? r : 0;
}

/* ---- filings: what went out, and corrections of when ---- */

static const char *const filing_channels[] = { "portal", "email", "letter", "phone", "other" };

bool filing_channel_valid(const char *s)
{
        for (size_t i = 0; s && i < sizeof filing_channels / sizeof filing_channels[0]; i++)
                if (strcmp(s, filing_channels[i]) == 0)
                        return true;
        return false;
}

/* Text of at most max bytes that may run over several lines: valid UTF-8,
 * no control characters but new lines and tabs. */
static bool lines_valid(const char *s, size_t max)
{
        size_t n = strlen(s);
        if (n > max || !utf8_valid(s))
                return false;
        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t' && s[i] != '\r') || s[i] == 0x7f)
                        return false;
        return true;
}

/* type/subtype (RFC 6838 4.2: restricted names, at most 127 bytes each). */
static bool media_type_valid(const char *s)
{
        const char *slash = s ? strchr(s, '/') : NULL;
        if (!slash || slash == s || !slash[1] || strlen(s) > 255)
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          strchr("!#$&-^_.+", c) || (p == slash);
                if (!ok || (c == '/' && p != slash))
                        return false;
        }
        return true;
}

/* The checks that need nothing stored: into o->errors. */
static void filing_check(const struct filing_input *in, vg_usec_t now, struct case_outcome *o)
{
        if (in->at == VG_TIME_UNSET)
                fielderr_add(&o->errors, "at", "is required");
        else if (in->at > now)
                fielderr_add(&o->errors, "at", "must not be in the future");
        if (in->channel && *in->channel && !filing_channel_valid(in->channel))
                fielderr_add(&o->errors, "channel", "must be portal, email, letter, phone or other");
        if (in->reference && *in->reference && !text_valid(in->reference, FILING_REFERENCE_MAX))
                fielderr_add(&o->errors, "reference", "must be text of at most 256 bytes on one line");
        if (in->note && !lines_valid(in->note, FILING_NOTE_MAX))
                fielderr_add(&o->errors, "note", "must be text of at most 4096 bytes");
        const struct filing_attachment *a = in->attachment;
        if (!a)
                return;
        if (!a->name || !text_valid(a->name, 255) || strpbrk(a->name, "/\\\""))
                fielderr_add(&o->errors, "attachment.name", "must be a file name of 1 to 255 bytes, without / \\ or \"");
        if (!media_type_valid(a->media_type))
                fielderr_add(&o->errors, "attachment.media_type", "must be a media type such as application/pdf");
        if (!a->data || a->size == 0)
                fielderr_add(&o->errors, "attachment.content", "must not be empty");
        else if (a->size > FILING_ATTACHMENT_MAX)
                fielderr_add(&o->errors, "attachment.content", "must be at most 512 KiB");
}

/* Refuse a time before the obligation's clock started. */
static int not_before_anchor(const struct obligation *ob, vg_usec_t at, struct case_outcome *o)
{
        if (ob->anchor_at == VG_TIME_UNSET || at >= ob->anchor_at)
                return 0;
        char anchor[VG_RFC3339_MAX];
        vg_time_format(ob->anchor_at, anchor);
        fielderr_add(&o->errors, "at", "must not be before the obligation's anchor (%s)", anchor);
        return -VG_EVALIDATION;
}

int case_obligation_file(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct rule_set *rules, const struct config_provider *pv, const char *key,
                         int64_t id, const struct filing_input *in, struct case_outcome *o)
{
        struct incident inc = { 0 };
        struct obligation_copy c;
        filing_check(in, now, o);
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = store_incident_get(tx, key, &inc);
        if (r >= 0)
                r = obligation_of(tx, &inc, id, &c);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no obligation %lld on %s", (long long)id, key);
        if (r >= 0 && strcmp(c.o.status, "open") != 0) {
                case_outcome_detail(o, "obligation %lld is not open", (long long)id);
                r = -VG_ECONFLICT;
        }
        if (r >= 0)
                r = not_before_anchor(&c.o, in->at, o);
        if (r >= 0)
                r = store_obligation_sent(tx, id, in->at);
        if (r == -VG_ECONFLICT && !o->detail[0])
                case_outcome_detail(o, "obligation %lld is not open", (long long)id);
        const struct filing_attachment *a = in->attachment;
        char sha[crypto_hash_sha256_BYTES * 2 + 1] = "";
        if (r >= 0 && a) {
                unsigned char h[crypto_hash_sha256_BYTES];
                crypto_hash_sha256(h, a->data, a->size);
                sodium_bin2hex(sha, sizeof sha, h, sizeof h);
        }
        if (r >= 0) {
                struct filing f = { .obligation_id = id, .at = in->at, .previous_at = VG_TIME_UNSET,
                                    .reference = in->reference, .note = in->note, .recorded_at = now };
                snprintf(f.kind, sizeof f.kind, "filed");
                snprintf(f.by, sizeof f.by, "%s", actor->name);
                snprintf(f.channel, sizeof f.channel, "%s", in->channel ? in->channel : "");
                if (a) {
                        f.attachment_name = a->name;
                        f.attachment_type = a->media_type;
                        f.attachment = a->data;
                        f.attachment_size = (int64_t)a->size;
                        snprintf(f.attachment_sha256, sizeof f.attachment_sha256, "%s", sha);
                }
                r = store_filing_add(tx, &f);
        }
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "obligation", (json_int_t)id, "rule",
                                           c.o.rule_id, "tenant", c.o.tenant, "sent_at", case_time_json(in->at),
                                           "channel", in->channel ? in->channel : "", "reference",
                                           in->reference ? in->reference : "");
                if (change && a)
                        json_object_set_new(change, "attachment",
                                            json_pack("{s:s, s:I, s:s}", "name", a->name, "size", (json_int_t)a->size,
                                                      "sha256", sha));
                r = change ? store_audit_incident(tx, now, actor, "incident.obligation.sent", inc.key, change) : -ENOMEM;
                json_decref(change);
        }
        /* A later stage's clock starts at the filing's time. */
        if (r >= 0)
                r = case_obligations_recompute(tx, rules, pv, inc.key, now);
        incident_fini(&inc);
        return r;
}

int case_obligation_correct(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const struct rule_set *rules, const struct config_provider *pv, const char *key,
                            int64_t id, vg_usec_t at, const char *reason, struct case_outcome *o)
{
        struct incident inc = { 0 };
        struct obligation_copy c;
        if (at == VG_TIME_UNSET)
                fielderr_add(&o->errors, "at", "is required");
        else if (at > now)
                fielderr_add(&o->errors, "at", "must not be in the future");
        if (!reason || !*reason || !lines_valid(reason, FILING_REASON_MAX))
                fielderr_add(&o->errors, "reason", "must say why the sent time was wrong (at most 4096 bytes)");
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = case_incident_get(tx, key, &inc, o);
        if (r >= 0) {
                r = obligation_of(tx, &inc, id, &c);
                if (r == -VG_ENOTFOUND)
                        case_outcome_detail(o, "%s has no obligation %lld", inc.key, (long long)id);
        }
        if (r >= 0 && strcmp(c.o.status, "sent") != 0) {
                case_outcome_detail(o, "obligation %lld is not sent: record its filing first", (long long)id);
                r = -VG_ECONFLICT;
        }
        if (r >= 0)
                r = not_before_anchor(&c.o, at, o);
        if (r >= 0 && at == c.o.sent_at) {
                fielderr_add(&o->errors, "at", "is the sent time already recorded");
                r = -VG_EVALIDATION;
        }
        if (r >= 0)
                r = store_obligation_sent_correct(tx, id, at);
        if (r >= 0) {
                struct filing f = { .obligation_id = id, .at = at, .previous_at = c.o.sent_at, .reason = reason,
                                    .recorded_at = now };
                snprintf(f.kind, sizeof f.kind, "correction");
                snprintf(f.by, sizeof f.by, "%s", actor->name);
                r = store_filing_add(tx, &f);
        }
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s, s:s, s:o, s:o, s:s}", "obligation", (json_int_t)id, "rule",
                                           c.o.rule_id, "tenant", c.o.tenant, "old_sent_at", case_time_json(c.o.sent_at),
                                           "new_sent_at", case_time_json(at), "reason", reason);
                r = change ? store_audit_incident(tx, now, actor, "incident.obligation.sent_corrected", inc.key, change)
                           : -ENOMEM;
                json_decref(change);
        }
        /* Later stages count from the corrected time. */
        if (r >= 0)
                r = case_obligations_recompute(tx, rules, pv, inc.key, now);
        incident_fini(&inc);
        return r;
}

static int filing_json(const struct filing *f, void *userdata)
{
        json_t *att = json_null();
        if (f->attachment_name)
                att = json_pack("{s:s, s:s, s:I, s:s}", "name", f->attachment_name, "media_type",
                                f->attachment_type ? f->attachment_type : "", "size", (json_int_t)f->attachment_size,
                                "sha256", f->attachment_sha256);
        json_t *j = json_pack("{s:I, s:I, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)f->id,
                              "obligation", (json_int_t)f->obligation_id, "kind", f->kind, "at", case_time_json(f->at),
                              "previous_at", case_time_json(f->previous_at), "by", f->by, "channel", f->channel,
                              "reference", f->reference ? f->reference : "", "note", f->note ? f->note : "", "reason",
                              f->reason ? f->reason : "", "attachment", att ? att : json_null(), "recorded_at",
                              case_time_json(f->recorded_at));
        return j ? json_array_append_new(userdata, j) : -ENOMEM;
}

int case_filing_list(struct store_tx *tx, const char *key, int64_t obligation_id, json_t **ret,
                     struct case_outcome *o)
{
        struct incident inc = { 0 };
        json_t *items = json_array();
        int r = items ? case_incident_get(tx, key, &inc, o) : -ENOMEM;
        if (r >= 0)
                r = store_filing_list(tx, inc.id, obligation_id, filing_json, items);
        incident_fini(&inc);
        if (r < 0) {
                json_decref(items);
                return r;
        }
        *ret = items;
        return 0;
}
