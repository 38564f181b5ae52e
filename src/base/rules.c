#include "base/rules.h"

#include "base/tz.h"
#include "core/calendar.h"
#include "core/error.h"
#include "core/residence.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct ld {
        const char *path;
        yaml_document_t *doc;
        struct rule_set *s;
        char *err;
        size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(l->err, l->errlen, "%s:%lu: %s", l->path, n ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
        return -VG_ECONFIG;
}

static yaml_node_t *get(struct ld *l, yaml_node_t *map, const char *key)
{
        if (!map || map->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
                if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
                        return yaml_document_get_node(l->doc, p->value);
        }
        return NULL;
}

static const char *scalar(yaml_node_t *n)
{
        return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static size_t seq_len(yaml_node_t *n)
{
        return n && n->type == YAML_SEQUENCE_NODE ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
}

static yaml_node_t *seq_at(struct ld *l, yaml_node_t *n, size_t i)
{
        return yaml_document_get_node(l->doc, n->data.sequence.items.start[i]);
}

static bool code_ok(const char *s)
{
        size_t n = s ? strlen(s) : 0;
        if (n < 2 || n >= RULE_CODE_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || (i == 2 && s[i] == '-')))
                        return false;
        return true;
}

static int load_groups(struct ld *l, yaml_node_t *g)
{
        if (!g)
                return 0;
        if (g->type != YAML_MAPPING_NODE)
                return fail(l, g, "groups: expected a mapping of name to a list of codes");
        size_t n = (size_t)(g->data.mapping.pairs.top - g->data.mapping.pairs.start);
        l->s->groups = calloc(n ? n : 1, sizeof *l->s->groups);
        if (!l->s->groups)
                return -ENOMEM;
        for (yaml_node_pair_t *p = g->data.mapping.pairs.start; p < g->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(l->doc, p->key), *v = yaml_document_get_node(l->doc, p->value);
                struct rule_group *grp = &l->s->groups[l->s->n_groups];
                if (!code_ok(scalar(k)) || seq_len(v) == 0 || seq_len(v) > RULE_CODES_MAX)
                        return fail(l, k, "groups: '%s' must be a code-like name with a list of 1 to %d codes",
                                    scalar(k) ? scalar(k) : "", RULE_CODES_MAX);
                snprintf(grp->name, sizeof grp->name, "%s", scalar(k));
                for (size_t i = 0; i < seq_len(v); i++) {
                        const char *c = scalar(seq_at(l, v, i));
                        if (!code_ok(c))
                                return fail(l, seq_at(l, v, i), "groups: %s: '%s' is not an ISO 3166 code", grp->name,
                                            c ? c : "");
                        snprintf(grp->codes[grp->n++], RULE_CODE_MAX, "%s", c);
                }
                l->s->n_groups++;
        }
        return 0;
}

static int cmp_day(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return x < y ? -1 : x > y;
}

static int load_holidays(struct ld *l, yaml_node_t *h)
{
        if (!h)
                return 0;
        if (h->type != YAML_MAPPING_NODE)
                return fail(l, h, "holidays: expected a mapping of name to a list of dates");
        size_t n = (size_t)(h->data.mapping.pairs.top - h->data.mapping.pairs.start);
        l->s->cals = calloc(n ? n : 1, sizeof *l->s->cals);
        if (!l->s->cals)
                return -ENOMEM;
        for (yaml_node_pair_t *p = h->data.mapping.pairs.start; p < h->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(l->doc, p->key), *v = yaml_document_get_node(l->doc, p->value);
                struct holiday_calendar *c = &l->s->cals[l->s->n_cals];
                if (!scalar(k) || !*scalar(k) || v->type != YAML_SEQUENCE_NODE)
                        return fail(l, k, "holidays: '%s' must name a list of YYYY-MM-DD dates", scalar(k) ? scalar(k) : "");
                int64_t *days = calloc(seq_len(v) ? seq_len(v) : 1, sizeof *days);
                char *name = strdup(scalar(k));
                if (!days || !name) {
                        free(days);
                        free(name);
                        return -ENOMEM;
                }
                c->name = name;
                c->days = days;
                c->weekend = WEEKEND_SAT_SUN;
                l->s->n_cals++;
                for (size_t i = 0; i < seq_len(v); i++) {
                        const char *d = scalar(seq_at(l, v, i));
                        int y, m, dd;
                        char tail;
                        if (!d || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || m < 1 || m > 12 || dd < 1 ||
                            dd > 31)
                                return fail(l, seq_at(l, v, i), "holidays: %s: '%s' is not a YYYY-MM-DD date", name,
                                            d ? d : "");
                        days[c->n++] = vg_days_from_civil(y, (unsigned)m, (unsigned)dd);
                }
                qsort(days, c->n, sizeof *days, cmp_day);
                /* A list knows the years it lists, and no others. */
                c->bounded = true;
                if (c->n) {
                        int64_t y0, y1;
                        unsigned m, dd;
                        vg_civil_from_days(days[0], &y0, &m, &dd);
                        vg_civil_from_days(days[c->n - 1], &y1, &m, &dd);
                        c->first_day = vg_days_from_civil(y0, 1, 1);
                        c->last_day = vg_days_from_civil(y1, 12, 31);
                } else {
                        c->first_day = 0;
                        c->last_day = -1;
                }
        }
        return 0;
}

static bool known_keys(struct ld *l, yaml_node_t *n, const char *const *keys, const char **ret_bad, yaml_node_t **ret_node)
{
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
                yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
                const char *k = scalar(kn);
                bool known = false;
                for (size_t i = 0; keys[i] && k; i++)
                        known |= strcmp(k, keys[i]) == 0;
                if (!known) {
                        *ret_bad = k ? k : "";
                        *ret_node = kn;
                        return false;
                }
        }
        return true;
}

static bool parse_int(const char *s, long lo, long hi, int *ret)
{
        char *end = NULL;
        long v = s ? strtol(s, &end, 10) : 0;
        if (!s || !*s || *end || v < lo || v > hi)
                return false;
        *ret = (int)v;
        return true;
}

static bool parse_date(const char *d, int64_t *ret)
{
        int y, m, dd;
        char tail;
        if (!d || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || y < 1900 || y > 2999 || m < 1 || m > 12 ||
            dd < 1 || dd > 31)
                return false;
        int64_t day = vg_days_from_civil(y, (unsigned)m, (unsigned)dd);
        int64_t yy;
        unsigned mm, d2;
        vg_civil_from_days(day, &yy, &mm, &d2);
        if (mm != (unsigned)m) /* 31 April */
                return false;
        *ret = day;
        return true;
}

static int weekday_from_string(const char *s)
{
        static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
        for (int i = 0; s && i < 7; i++)
                if (strcmp(s, names[i]) == 0)
                        return i;
        return -1;
}

/* One holiday rule of a calendar: {name, date: MM-DD} | {name, month,
 * weekday, nth: 1-5 | last} | {name, easter: OFFSET}, with from, until and
 * observed. */
static int load_cal_rule(struct ld *l, const char *cal, yaml_node_t *n, struct cal_rule *r)
{
        static const char *const keys[] = { "name", "date", "month", "weekday", "nth", "easter", "from", "until",
                                            "observed", NULL };
        const char *bad;
        yaml_node_t *bn;
        memset(r, 0, sizeof *r);
        if (!n || n->type != YAML_MAPPING_NODE || !scalar(get(l, n, "name")))
                return fail(l, n, "calendars: %s: each holiday is a mapping with a 'name'", cal);
        const char *name = scalar(get(l, n, "name"));
        if (!known_keys(l, n, keys, &bad, &bn))
                return fail(l, bn, "calendars: %s: %s: unknown key '%s'", cal, name, bad);
        const char *date = scalar(get(l, n, "date")), *month = scalar(get(l, n, "month")),
                   *easter = scalar(get(l, n, "easter"));
        if (!!date + !!month + !!easter != 1)
                return fail(l, n, "calendars: %s: %s: give one of 'date' (MM-DD), 'month' with 'weekday' and 'nth', "
                                  "or 'easter' (days from Easter Sunday)", cal, name);
        if (date) {
                int m, d;
                char tail;
                r->kind = CAL_FIXED;
                if (sscanf(date, "%2d-%2d%c", &m, &d, &tail) != 2 || m < 1 || m > 12 || d < 1 || d > 31)
                        return fail(l, get(l, n, "date"), "calendars: %s: %s: '%s' is not a MM-DD date", cal, name, date);
                r->month = m;
                r->day = d;
        } else if (month) {
                const char *nth = scalar(get(l, n, "nth"));
                r->kind = CAL_WEEKDAY;
                r->weekday = weekday_from_string(scalar(get(l, n, "weekday")));
                if (!parse_int(month, 1, 12, &r->month) || r->weekday < 0 || !nth ||
                    !(strcmp(nth, "last") == 0 ? (r->nth = -1) : parse_int(nth, 1, 5, &r->nth)))
                        return fail(l, n, "calendars: %s: %s: needs month 1-12, weekday mon..sun and nth 1-5 or last",
                                    cal, name);
        } else {
                r->kind = CAL_EASTER;
                if (!parse_int(easter, -100, 100, &r->offset))
                        return fail(l, get(l, n, "easter"), "calendars: %s: %s: easter must be a day offset -100 to 100",
                                    cal, name);
        }
        const char *from = scalar(get(l, n, "from")), *until = scalar(get(l, n, "until"));
        if ((from && !parse_int(from, 1900, 2999, &r->from)) || (until && !parse_int(until, 1900, 2999, &r->until)))
                return fail(l, n, "calendars: %s: %s: from and until must be years", cal, name);
        const char *obs = scalar(get(l, n, "observed"));
        if (obs) {
                r->observe = cal_observe_from_string(obs);
                r->observe_set = true;
                if (r->observe == CAL_OBSERVE__INVALID)
                        return fail(l, get(l, n, "observed"),
                                    "calendars: %s: %s: observed must be none, us, next_weekday or sunday_next", cal, name);
        }
        return 0;
}

/* A calendar computed from its rules (see the header of etc/rules.yaml). */
static int load_calendar(struct ld *l, yaml_node_t *k, yaml_node_t *v, struct holiday_calendar *c)
{
        static const char *const keys[] = { "name", "source", "range", "observed", "bridge", "holidays", "exceptions",
                                            NULL };
        const char *id = scalar(k), *bad;
        yaml_node_t *bn;
        struct cal_def d = { .weekend = WEEKEND_SAT_SUN };
        if (!id || !*id || !v || v->type != YAML_MAPPING_NODE)
                return fail(l, k, "calendars: '%s' must name a mapping (range, holidays, exceptions)", id ? id : "");
        if (!known_keys(l, v, keys, &bad, &bn))
                return fail(l, bn, "calendars: %s: unknown key '%s'", id, bad);
        for (size_t i = 0; i < l->s->n_cals; i++)
                if (strcmp(l->s->cals[i].name, id) == 0)
                        return fail(l, k, "calendars: %s: the name is used twice", id);
        yaml_node_t *range = get(l, v, "range");
        if (!range || !parse_int(scalar(get(l, range, "from")), 1900, 2999, &d.first_year) ||
            !parse_int(scalar(get(l, range, "to")), 1899, 2999, &d.last_year) || d.last_year < d.first_year - 1)
                return fail(l, range ? range : v, "calendars: %s: range must be {from: YEAR, to: YEAR}, the years the "
                                                  "definition is complete for", id);
        const char *obs = scalar(get(l, v, "observed")), *bridge = scalar(get(l, v, "bridge"));
        d.observe = obs ? cal_observe_from_string(obs) : CAL_OBSERVE_NONE;
        if (d.observe == CAL_OBSERVE__INVALID)
                return fail(l, get(l, v, "observed"), "calendars: %s: observed must be none, us, next_weekday or "
                                                      "sunday_next", id);
        if (bridge && strcmp(bridge, "true") && strcmp(bridge, "false"))
                return fail(l, get(l, v, "bridge"), "calendars: %s: bridge must be true or false", id);
        d.bridge = bridge && strcmp(bridge, "true") == 0;
        yaml_node_t *hol = get(l, v, "holidays"), *exc = get(l, v, "exceptions");
        if ((hol && hol->type != YAML_SEQUENCE_NODE) || (exc && exc->type != YAML_SEQUENCE_NODE))
                return fail(l, hol && hol->type != YAML_SEQUENCE_NODE ? hol : exc,
                            "calendars: %s: holidays and exceptions must be lists", id);
        struct cal_rule *rules = calloc(seq_len(hol) + 1, sizeof *rules);
        struct cal_exception *ex = calloc(seq_len(exc) + 1, sizeof *ex);
        int r = rules && ex ? 0 : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < seq_len(hol); i++)
                r = load_cal_rule(l, id, seq_at(l, hol, i), &rules[d.n_rules++]);
        for (size_t i = 0; r >= 0 && i < seq_len(exc); i++) {
                yaml_node_t *e = seq_at(l, exc, i);
                static const char *const ekeys[] = { "date", "name", "instead_of", NULL };
                const char *inst = scalar(get(l, e, "instead_of"));
                ex[i].instead_of = -1;
                if (!e || e->type != YAML_MAPPING_NODE || !parse_date(scalar(get(l, e, "date")), &ex[i].day) ||
                    !scalar(get(l, e, "name")) || (inst && !parse_date(inst, &ex[i].instead_of)))
                        r = fail(l, e, "calendars: %s: an exception is {date: YYYY-MM-DD, name, instead_of: "
                                       "YYYY-MM-DD (when moved)}", id);
                else if (!known_keys(l, e, ekeys, &bad, &bn))
                        r = fail(l, bn, "calendars: %s: exception: unknown key '%s'", id, bad);
                d.n_exceptions++;
        }
        d.rules = rules;
        d.exceptions = ex;
        int64_t *days = NULL;
        size_t n = 0, at = 0;
        if (r >= 0 && (r = calendar_build(&d, &days, &n, &at)) == -EINVAL)
                r = fail(l, seq_at(l, exc, at), "calendars: %s: exception %s is outside the range or instead_of names "
                                                "no holiday of the rules", id, scalar(get(l, seq_at(l, exc, at), "date")));
        free(rules);
        free(ex);
        if (r < 0) {
                free(days); /* a refused exception: what calendar_build made */
                return r;
        }
        c->name = strdup(id);
        if (!c->name) {
                free(days);
                return -ENOMEM;
        }
        c->days = days;
        c->n = n;
        c->weekend = d.weekend;
        c->bounded = true;
        c->first_day = vg_days_from_civil(d.first_year, 1, 1);
        c->last_day = d.last_year >= d.first_year ? vg_days_from_civil(d.last_year, 12, 31) : c->first_day - 1;
        l->s->n_cals++;
        return 0;
}

static int load_calendars(struct ld *l, yaml_node_t *c)
{
        if (!c)
                return 0;
        if (c->type != YAML_MAPPING_NODE)
                return fail(l, c, "calendars: expected a mapping of name to a calendar");
        size_t n = (size_t)(c->data.mapping.pairs.top - c->data.mapping.pairs.start);
        struct holiday_calendar *cals = realloc(l->s->cals, (l->s->n_cals + n + 1) * sizeof *cals);
        if (!cals)
                return -ENOMEM;
        l->s->cals = cals;
        memset(cals + l->s->n_cals, 0, (n + 1) * sizeof *cals);
        for (yaml_node_pair_t *p = c->data.mapping.pairs.start; p < c->data.mapping.pairs.top; p++) {
                int r = load_calendar(l, yaml_document_get_node(l->doc, p->key), yaml_document_get_node(l->doc, p->value),
                                      &l->s->cals[l->s->n_cals]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Can calendar c count a deadline of r's at all: value business days
 * inside its range? */
static bool calendar_can_cover(const struct holiday_calendar *c, const struct deadline_rule *r)
{
        if (!c->bounded)
                return true;
        int64_t need = r->unit == DEADLINE_BUSINESS_DAYS ? r->value : 1, n = 0;
        for (int64_t day = c->first_day; day <= c->last_day && n < need; day++)
                n += holiday_is_business_day(c, day);
        return n >= need;
}

static bool group_or_code(struct ld *l, const char *c)
{
        if (code_ok(c))
                return true;
        for (size_t g = 0; c && g < l->s->n_groups; g++)
                if (strcmp(l->s->groups[g].name, c) == 0)
                        return true;
        return false;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

#define APPLIES_KEYS                                                                                              \
        "jurisdictions, sectors, data, regulated_as, regimes, residents_at_least, residents_more_than, "          \
        "residents_fewer_than, residents_counted"

/* applies.regulated_as or applies.regimes: a list of names. */
static int load_names(struct ld *l, yaml_node_t *list, const struct rule *r, const char *what,
                      char names[RULE_FACTS_MAX][RULE_NAME_MAX], size_t *n)
{
        bool regimes = strcmp(what, "regimes") == 0;
        if (list && (list->type != YAML_SEQUENCE_NODE || seq_len(list) == 0 || seq_len(list) > RULE_FACTS_MAX))
                return fail(l, list, "rule '%s': applies.%s must be a list of 1 to %d names", r->id, what, RULE_FACTS_MAX);
        for (size_t i = 0; i < seq_len(list); i++) {
                const char *c = scalar(seq_at(l, list, i));
                if (regimes ? !rule_regime_name_ok(c) : !rule_regulated_as_valid(c))
                        return fail(l, seq_at(l, list, i), "rule '%s': applies.%s: '%s' is not %s", r->id, what,
                                    c ? c : "", regimes ? "a regime name (a-z, 0-9, _)" : "one of " RULE_REGULATED_AS_NAMES);
                snprintf(names[(*n)++], RULE_NAME_MAX, "%s", c);
        }
        return 0;
}

/* applies.residents_at_least | residents_more_than | residents_fewer_than:
 * N, at most one of them, and residents_counted: per_jurisdiction
 * (default), together or everywhere. */
static int load_threshold(struct ld *l, yaml_node_t *ap, struct rule *r)
{
        static const enum rule_count cmps[] = { RULE_COUNT_AT_LEAST, RULE_COUNT_MORE_THAN, RULE_COUNT_FEWER_THAN };
        yaml_node_t *counted = get(l, ap, "residents_counted");
        for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++) {
                const char *key = rule_count_to_string(cmps[i]);
                yaml_node_t *v = get(l, ap, key);
                if (!v)
                        continue;
                if (r->residents.cmp != RULE_COUNT_NONE)
                        return fail(l, v, "rule '%s': applies: give one of residents_at_least, residents_more_than "
                                          "and residents_fewer_than", r->id);
                const char *t = scalar(v);
                char *end = NULL;
                long long n = t ? strtoll(t, &end, 10) : -1;
                long long lo = cmps[i] == RULE_COUNT_MORE_THAN ? 0 : 1;
                if (!t || !*t || *end || n < lo || n > RESIDENTS_COUNT_MAX)
                        return fail(l, v, "rule '%s': applies.%s must be a whole number %lld to %lld", r->id, key, lo,
                                    (long long)RESIDENTS_COUNT_MAX);
                r->residents = (struct rule_threshold){ .cmp = cmps[i], .n = n };
        }
        if (counted) {
                if (r->residents.cmp == RULE_COUNT_NONE)
                        return fail(l, counted, "rule '%s': applies.residents_counted needs a residents_at_least, "
                                                "residents_more_than or residents_fewer_than", r->id);
                r->residents.counted = rule_counted_from_string(scalar(counted));
                if (r->residents.counted == RULE_COUNTED__COUNT)
                        return fail(l, counted, "rule '%s': applies.residents_counted must be per_jurisdiction, "
                                                "together or everywhere", r->id);
        }
        return 0;
}

static int bad_anchor(struct ld *l, yaml_node_t *at, const char *id, const char *anchor)
{
        return fail(l, at, "rule '%s': '%s' is not an anchor (first_detected, aware, determined, declared, "
                           "classified_major, materiality_determined, ...)", id, anchor);
}

/* One period: {value, unit} on dl; with terms (an 'earliest' list), also
 * its own anchor and optional void_if_ends_before. */
static int load_term(struct ld *l, yaml_node_t *dl, const struct rule *r, yaml_node_t *terms, struct rule_term *t)
{
        *t = (struct rule_term){ .anchor = ANCHOR__INVALID, .void_if_ends_before = ANCHOR__INVALID };
        const char *v = scalar(get(l, dl, "value")), *u = scalar(get(l, dl, "unit"));
        char *end = NULL;
        long long val = v ? strtoll(v, &end, 10) : 0;
        t->deadline.unit = deadline_unit_from_string(u);
        if (!dl || dl->type != YAML_MAPPING_NODE || t->deadline.unit == DEADLINE__INVALID)
                return fail(l, dl ? dl : terms, "rule '%s': deadline must be {value, unit: hours, calendar_days, "
                                                "calendar_months, business_days or asap}, {earliest: [terms]} or "
                                                "contract", r->id);
        if (t->deadline.unit != DEADLINE_ASAP && (!v || *end || val < 1 || val > 10000))
                return fail(l, dl, "rule '%s': deadline value must be a whole number 1 to 10000", r->id);
        t->deadline.value = val;
        /* An asap duty's internal target: it drives the reminders and the
         * scoring, never lateness (the law gives no hour). */
        yaml_node_t *tn = get(l, dl, "target_hours");
        const char *tv = scalar(tn);
        if (tn && t->deadline.unit != DEADLINE_ASAP)
                return fail(l, tn, "rule '%s': deadline.target_hours is only for unit asap (a duty with no hour "
                                   "limit); a counted deadline is its own target", r->id);
        if (tn) {
                char *tend = NULL;
                long long th = tv ? strtoll(tv, &tend, 10) : 0;
                if (!tv || !*tv || *tend || th < 1 || th > 10000)
                        return fail(l, tn, "rule '%s': deadline.target_hours must be a whole number 1 to 10000", r->id);
                t->deadline.target_hours = th;
        }
        for (yaml_node_pair_t *p = dl->data.mapping.pairs.start; p < dl->data.mapping.pairs.top; p++) {
                const char *k = scalar(yaml_document_get_node(l->doc, p->key));
                bool known = k && (!strcmp(k, "value") || !strcmp(k, "unit") || !strcmp(k, "target_hours") ||
                                   (terms && (!strcmp(k, "anchor") || !strcmp(k, "void_if_ends_before"))));
                if (!known)
                        return fail(l, yaml_document_get_node(l->doc, p->key), "rule '%s': deadline: unknown key '%s'%s",
                                    r->id, k ? k : "", terms ? " (anchor, value, unit, target_hours, void_if_ends_before)"
                                                             : " (value, unit, target_hours)");
        }
        if (!terms)
                return 0;
        const char *a = scalar(get(l, dl, "anchor")), *w = scalar(get(l, dl, "void_if_ends_before"));
        if (!a)
                return fail(l, dl, "rule '%s': each deadline term needs its 'anchor'", r->id);
        if ((t->anchor = anchor_from_string(a)) == ANCHOR__INVALID)
                return bad_anchor(l, get(l, dl, "anchor"), r->id, a);
        if (w && (t->void_if_ends_before = anchor_from_string(w)) == ANCHOR__INVALID)
                return bad_anchor(l, get(l, dl, "void_if_ends_before"), r->id, w);
        return 0;
}

/* deadline: {earliest: [term, ...]}: 2 to RULE_TERMS_MAX terms, each on
 * its own anchor; a term void_if_ends_before X needs another term on X
 * that always counts, so a rule with a set anchor always has a clock. */
static int load_terms(struct ld *l, yaml_node_t *earliest, struct rule *r)
{
        if (earliest->type != YAML_SEQUENCE_NODE || seq_len(earliest) < 2 || seq_len(earliest) > RULE_TERMS_MAX)
                return fail(l, earliest, "rule '%s': deadline.earliest must list 2 to %d terms", r->id, RULE_TERMS_MAX);
        for (size_t i = 0; i < seq_len(earliest); i++) {
                int rc = load_term(l, seq_at(l, earliest, i), r, earliest, &r->terms[i]);
                if (rc < 0)
                        return rc;
                for (size_t k = 0; k < i; k++)
                        if (r->terms[k].anchor == r->terms[i].anchor)
                                return fail(l, seq_at(l, earliest, i), "rule '%s': two deadline terms on anchor '%s'",
                                            r->id, anchor_to_string(r->terms[i].anchor));
                r->n_terms = i + 1;
        }
        for (size_t i = 0; i < r->n_terms; i++) {
                enum anchor w = r->terms[i].void_if_ends_before;
                bool found = false;
                for (size_t k = 0; w != ANCHOR__INVALID && k < r->n_terms; k++)
                        found |= k != i && r->terms[k].anchor == w && r->terms[k].void_if_ends_before == ANCHOR__INVALID;
                if (w != ANCHOR__INVALID && !found)
                        return fail(l, seq_at(l, earliest, i), "rule '%s': void_if_ends_before '%s' must be the "
                                                               "anchor of another term that always counts",
                                    r->id, anchor_to_string(w));
        }
        return 0;
}

static int load_rule(struct ld *l, yaml_node_t *n, struct rule *r)
{
        static const char *const keys[] = { "id",     "regulation", "citation", "for",   "duty",     "recipient",
                                            "applies", "anchor",    "after",    "deadline", "zone", "holidays",
                                            "stage",  "contents",   "confidence", "note", NULL };
        memset(r, 0, sizeof *r);
        r->after = -1;
        r->holidays = -1;
        r->line = n ? (int)n->start_mark.line + 1 : 0;
        if (!n || n->type != YAML_MAPPING_NODE)
                return fail(l, n, "rules: each rule must be a mapping");
        const char *id = scalar(get(l, n, "id"));
        if (!id || !*id || strlen(id) >= RULE_ID_MAX)
                return fail(l, n, "rule: 'id' is required (at most %d characters)", RULE_ID_MAX - 1);
        snprintf(r->id, sizeof r->id, "%s", id);
        if (rule_find(l->s, id) >= 0)
                return fail(l, n, "rule '%s': the id is used twice", id);
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
                const char *k = scalar(yaml_document_get_node(l->doc, p->key));
                bool known = false;
                for (size_t i = 0; keys[i] && k; i++)
                        known |= strcmp(k, keys[i]) == 0;
                if (!known)
                        return fail(l, yaml_document_get_node(l->doc, p->key), "rule '%s': unknown key '%s'", id, k ? k : "");
        }
        r->regulation = dup_or_null(scalar(get(l, n, "regulation")));
        r->citation = dup_or_null(scalar(get(l, n, "citation")));
        r->recipient = dup_or_null(scalar(get(l, n, "recipient")));
        if (!r->citation || !r->recipient)
                return fail(l, n, "rule '%s': 'citation' and 'recipient' are required", id);
        const char *f = scalar(get(l, n, "for")), *d = scalar(get(l, n, "duty"));
        if (!f || (strcmp(f, "tenant") != 0 && strcmp(f, "provider") != 0))
                return fail(l, get(l, n, "for") ? get(l, n, "for") : n, "rule '%s': 'for' must be tenant or provider", id);
        r->scope = strcmp(f, "tenant") == 0 ? RULE_FOR_TENANT : RULE_FOR_PROVIDER;
        if (!d || (strcmp(d, "tenant") != 0 && strcmp(d, "provider") != 0))
                return fail(l, get(l, n, "duty") ? get(l, n, "duty") : n, "rule '%s': 'duty' must be tenant or provider", id);
        r->duty = strcmp(d, "tenant") == 0 ? RULE_DUTY_TENANT : RULE_DUTY_PROVIDER;
        yaml_node_t *ap = get(l, n, "applies");
        if (ap && ap->type != YAML_MAPPING_NODE)
                return fail(l, ap, "rule '%s': 'applies' must be a mapping of " APPLIES_KEYS, id);
        yaml_node_t *jur = get(l, ap, "jurisdictions"), *sec = get(l, ap, "sectors"), *data = get(l, ap, "data");
        for (yaml_node_pair_t *p = ap ? ap->data.mapping.pairs.start : NULL; ap && p < ap->data.mapping.pairs.top; p++) {
                const char *k = scalar(yaml_document_get_node(l->doc, p->key));
                if (!k || (strcmp(k, "jurisdictions") && strcmp(k, "sectors") && strcmp(k, "data") &&
                           strcmp(k, "regulated_as") && strcmp(k, "regimes") && strcmp(k, "residents_at_least") &&
                           strcmp(k, "residents_more_than") && strcmp(k, "residents_fewer_than") &&
                           strcmp(k, "residents_counted")))
                        return fail(l, yaml_document_get_node(l->doc, p->key),
                                    "rule '%s': applies: unknown key '%s' (" APPLIES_KEYS ")", id, k ? k : "");
        }
        int rc = load_names(l, get(l, ap, "regulated_as"), r, "regulated_as", r->regulated_as, &r->n_regulated);
        if (rc < 0)
                return rc;
        rc = load_names(l, get(l, ap, "regimes"), r, "regimes", r->regimes, &r->n_regimes);
        if (rc < 0)
                return rc;
        rc = load_threshold(l, ap, r);
        if (rc < 0)
                return rc;
        if (seq_len(jur) > RULE_CODES_MAX || (jur && jur->type != YAML_SEQUENCE_NODE))
                return fail(l, jur, "rule '%s': applies.jurisdictions must be a list of codes", id);
        for (size_t i = 0; i < seq_len(jur); i++) {
                const char *c = scalar(seq_at(l, jur, i));
                if (!group_or_code(l, c))
                        return fail(l, seq_at(l, jur, i), "rule '%s': '%s' is neither an ISO 3166 code nor a group", id,
                                    c ? c : "");
                snprintf(r->jur[r->n_jur++], RULE_CODE_MAX, "%s", c);
        }
        if (seq_len(sec) > RULE_SECTORS_MAX || (sec && sec->type != YAML_SEQUENCE_NODE))
                return fail(l, sec, "rule '%s': applies.sectors must be a list", id);
        for (size_t i = 0; i < seq_len(sec); i++) {
                const char *c = scalar(seq_at(l, sec, i));
                if (!c || !*c || strlen(c) >= 32)
                        return fail(l, seq_at(l, sec, i), "rule '%s': a sector must be a short name", id);
                snprintf(r->sectors[r->n_sectors++], 32, "%s", c);
        }
        if (data && data->type != YAML_SEQUENCE_NODE)
                return fail(l, data, "rule '%s': applies.data must be a list of data categories", id);
        for (size_t i = 0; i < seq_len(data); i++) {
                const char *c = scalar(seq_at(l, data, i));
                enum data_category dc = data_category_from_string(c);
                if (dc == DATA__INVALID)
                        return fail(l, seq_at(l, data, i), "rule '%s': '%s' is not a data category", id, c ? c : "");
                r->data |= DATA_BIT(dc);
        }
        const char *anchor = scalar(get(l, n, "anchor")), *after = scalar(get(l, n, "after"));
        yaml_node_t *dl = get(l, n, "deadline"), *earliest = get(l, dl, "earliest");
        if (earliest) {
                if (anchor || after)
                        return fail(l, n, "rule '%s': a deadline of 'earliest' terms names an anchor in each term, "
                                          "not 'anchor' or 'after'", id);
        } else if (!anchor == !after) {
                return fail(l, n, "rule '%s': give 'anchor' or 'after' (a rule whose sending starts the clock)", id);
        }
        enum anchor a = ANCHOR__INVALID;
        if (anchor && (a = anchor_from_string(anchor)) == ANCHOR__INVALID)
                return bad_anchor(l, get(l, n, "anchor"), id, anchor);
        if (after && (r->after = rule_find(l->s, after)) < 0)
                return fail(l, get(l, n, "after"), "rule '%s': after '%s': no earlier rule has that id", id, after);
        if (scalar(dl) && strcmp(scalar(dl), "contract") == 0) {
                r->contract = true;
                r->n_terms = 1;
                r->terms[0] = (struct rule_term){ .anchor = a, .deadline.unit = DEADLINE_HOURS,
                                                  .void_if_ends_before = ANCHOR__INVALID };
        } else if (earliest) {
                if (dl->data.mapping.pairs.top - dl->data.mapping.pairs.start != 1)
                        return fail(l, dl, "rule '%s': deadline: 'earliest' stands alone (each term has its value "
                                           "and unit)", id);
                rc = load_terms(l, earliest, r);
                if (rc < 0)
                        return rc;
        } else {
                r->n_terms = 1;
                rc = load_term(l, dl ? dl : n, r, NULL, &r->terms[0]);
                if (rc < 0)
                        return rc;
                r->terms[0].anchor = a;
        }
        const char *zone = scalar(get(l, n, "zone"));
        if (zone && !(r->zone = tz_zone(zone)))
                return fail(l, get(l, n, "zone"), "rule '%s': '%s' is not a known time zone", id, zone);
        const char *hol = scalar(get(l, n, "holidays"));
        for (size_t i = 0; hol && i < l->s->n_cals; i++)
                if (strcmp(l->s->cals[i].name, hol) == 0)
                        r->holidays = (int)i;
        if (hol && r->holidays < 0)
                return fail(l, get(l, n, "holidays"), "rule '%s': no holiday calendar '%s'", id, hol);
        for (size_t i = 0; r->holidays >= 0 && i < r->n_terms; i++) {
                const struct deadline_rule *term_dl = &r->terms[i].deadline;
                if ((term_dl->unit == DEADLINE_BUSINESS_DAYS || term_dl->roll_to_business_day) &&
                    !calendar_can_cover(&l->s->cals[r->holidays], term_dl))
                        return fail(l, get(l, n, "holidays"),
                                    "rule '%s': calendar '%s' cannot cover a deadline of %lld %s: its range is too "
                                    "short or empty",
                                    id, hol, (long long)term_dl->value, deadline_unit_to_string(term_dl->unit));
        }
        const char *stage = scalar(get(l, n, "stage"));
        if (!stage || (strcmp(stage, "initial") && strcmp(stage, "intermediate") && strcmp(stage, "final") &&
                       strcmp(stage, "single")))
                return fail(l, get(l, n, "stage") ? get(l, n, "stage") : n,
                            "rule '%s': stage must be initial, intermediate, final or single", id);
        snprintf(r->stage, sizeof r->stage, "%s", stage);
        yaml_node_t *contents = get(l, n, "contents");
        if (!seq_len(contents))
                return fail(l, contents ? contents : n, "rule '%s': 'contents' must list what the report must say", id);
        r->contents = calloc(seq_len(contents), sizeof *r->contents);
        if (!r->contents)
                return -ENOMEM;
        for (size_t i = 0; i < seq_len(contents); i++) {
                const char *c = scalar(seq_at(l, contents, i));
                if (!c)
                        return fail(l, seq_at(l, contents, i), "rule '%s': contents must be text", id);
                r->contents[r->n_contents] = strdup(c);
                if (!r->contents[r->n_contents++])
                        return -ENOMEM;
        }
        const char *conf = scalar(get(l, n, "confidence"));
        if (!conf || (strcmp(conf, "high") && strcmp(conf, "medium") && strcmp(conf, "low")))
                return fail(l, get(l, n, "confidence") ? get(l, n, "confidence") : n,
                            "rule '%s': confidence must be high, medium or low", id);
        snprintf(r->confidence, sizeof r->confidence, "%s", conf);
        yaml_node_t *note = get(l, n, "note");
        if (note && !scalar(note))
                return fail(l, note, "rule '%s': 'note' must be text", id);
        if (note && !(r->note = strdup(scalar(note))))
                return -ENOMEM;
        return 0;
}

/* not_encoded: the researched rows left out of the rules, each {id,
 * reason}: an id once, a reason that says something, and no rule of that
 * id (a row is encoded or listed, not both). Kept in s->left, for the
 * rules list to show what is not encoded and why. */
static int load_not_encoded(struct ld *l, yaml_node_t *ne)
{
        if (!ne)
                return 0;
        if (ne->type != YAML_SEQUENCE_NODE)
                return fail(l, ne, "not_encoded: expected a list of {id, reason}");
        if (!(l->s->left = calloc(seq_len(ne) + 1, sizeof *l->s->left)))
                return -ENOMEM;
        for (size_t i = 0; i < seq_len(ne); i++) {
                yaml_node_t *e = seq_at(l, ne, i);
                if (!e || e->type != YAML_MAPPING_NODE)
                        return fail(l, e, "not_encoded: each entry must be a mapping {id, reason}");
                for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
                        const char *k = scalar(yaml_document_get_node(l->doc, p->key));
                        if (!k || (strcmp(k, "id") && strcmp(k, "reason")))
                                return fail(l, yaml_document_get_node(l->doc, p->key),
                                            "not_encoded: unknown key '%s' (id, reason)", k ? k : "");
                }
                const char *id = scalar(get(l, e, "id")), *reason = scalar(get(l, e, "reason"));
                if (!id || !*id || strlen(id) >= RULE_ID_MAX)
                        return fail(l, e, "not_encoded: 'id' is required (at most %d characters)", RULE_ID_MAX - 1);
                bool said = false;
                for (const char *c = reason; c && *c && !said; c++)
                        said = !isspace((unsigned char)*c);
                if (!said)
                        return fail(l, e, "not_encoded '%s': give the 'reason' it is not encoded", id);
                int r = rule_find(l->s, id);
                if (r >= 0)
                        return fail(l, e, "not_encoded '%s': the rule at line %d has that id", id, l->s->rules[r].line);
                for (size_t k = 0; k < i; k++)
                        if (strcmp(scalar(get(l, seq_at(l, ne, k), "id")), id) == 0)
                                return fail(l, e, "not_encoded '%s': listed twice", id);
                struct rule_left *left = &l->s->left[l->s->n_left];
                snprintf(left->id, sizeof left->id, "%s", id);
                if (!(left->reason = strdup(reason)))
                        return -ENOMEM;
                l->s->n_left++;
        }
        return 0;
}

int rules_load(const char *path, struct rule_set *ret, char *err, size_t errlen)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        memset(ret, 0, sizeof *ret);
        FILE *fp = fopen(path, "rb");
        if (!fp) {
                int e = errno;
                snprintf(err, errlen, "%s: %s", path, strerror(e));
                return -e;
        }
        if (!yaml_parser_initialize(&parser)) {
                fclose(fp);
                return -ENOMEM;
        }
        yaml_parser_set_input_file(&parser, fp);
        int r;
        if (!yaml_parser_load(&parser, &doc)) {
                snprintf(err, errlen, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "not valid YAML");
                yaml_parser_delete(&parser);
                fclose(fp);
                return -VG_ECONFIG;
        }
        struct ld l = { .path = path, .doc = &doc, .s = ret, .err = err, .errlen = errlen };
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        const char *version = scalar(get(&l, root, "version"));
        yaml_node_t *rules = get(&l, root, "rules");
        if (!root || root->type != YAML_MAPPING_NODE || !version || strlen(version) >= sizeof ret->version)
                r = fail(&l, root, "the file needs a 'version' and a list of 'rules'");
        else if (!seq_len(rules))
                r = fail(&l, rules ? rules : root, "'rules' must be a list of at least one rule");
        else {
                snprintf(ret->version, sizeof ret->version, "%s", version);
                r = load_groups(&l, get(&l, root, "groups"));
                if (r >= 0)
                        r = load_holidays(&l, get(&l, root, "holidays"));
                if (r >= 0)
                        r = load_calendars(&l, get(&l, root, "calendars"));
                if (r >= 0) {
                        ret->rules = calloc(seq_len(rules), sizeof *ret->rules);
                        r = ret->rules ? 0 : -ENOMEM;
                }
                for (size_t i = 0; r >= 0 && i < seq_len(rules); i++) {
                        r = load_rule(&l, seq_at(&l, rules, i), &ret->rules[i]);
                        ret->n = i + 1; /* so rule_set_fini frees what this one holds */
                }
                if (r >= 0)
                        r = load_not_encoded(&l, get(&l, root, "not_encoded"));
        }
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        fclose(fp);
        if (r < 0)
                rule_set_fini(ret);
        return r;
}
