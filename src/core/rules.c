#include "core/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rule_set_fini(struct rule_set *s)
{
        for (size_t i = 0; i < s->n_left; i++)
                free(s->left[i].reason);
        free(s->left);
        for (size_t i = 0; i < s->n; i++) {
                struct rule *r = &s->rules[i];
                free(r->regulation);
                free(r->citation);
                free(r->recipient);
                free(r->note);
                for (size_t k = 0; k < r->n_contents; k++)
                        free(r->contents[k]);
                free(r->contents);
        }
        free(s->rules);
        for (size_t i = 0; i < s->n_cals; i++) {
                free((char *)s->cals[i].name);
                free((int64_t *)s->cals[i].days);
        }
        free(s->cals);
        free(s->groups);
        memset(s, 0, sizeof *s);
}

int rule_find(const struct rule_set *s, const char *id)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->rules[i].id, id) == 0)
                        return (int)i;
        return -1;
}

static bool covers(const struct rule_set *s, const char *rule_code, const char *code, int depth)
{
        size_t n = strlen(rule_code);
        if (strcmp(rule_code, code) == 0 || (strncmp(rule_code, code, n) == 0 && code[n] == '-'))
                return true;
        if (depth > 4)
                return false;
        for (size_t g = 0; g < s->n_groups; g++)
                if (strcmp(s->groups[g].name, rule_code) == 0)
                        for (size_t i = 0; i < s->groups[g].n; i++)
                                if (covers(s, s->groups[g].codes[i], code, depth + 1))
                                        return true;
        return false;
}

bool rule_jurisdiction_covers(const struct rule_set *s, const char *rule_code, const char *code)
{
        return covers(s, rule_code, code, 0);
}

bool rule_regulated_as_valid(const char *s)
{
        static const char *const names[] = { "sec_registrant", "bank", "covered_entity", "business_associate",
                                             "ftc_financial_institution" };
        for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
                if (strcmp(s, names[i]) == 0)
                        return true;
        return false;
}

bool rule_regime_name_ok(const char *s)
{
        size_t n = s ? strlen(s) : 0;
        if (n < 2 || n >= RULE_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                        return false;
        return true;
}

bool rule_set_has_regime(const struct rule_set *s, const char *regime)
{
        for (size_t i = 0; s && regime && i < s->n; i++)
                for (size_t k = 0; k < s->rules[i].n_regimes; k++)
                        if (strcmp(s->rules[i].regimes[k], regime) == 0)
                                return true;
        return false;
}

/* The first of the party's names (have) that is one of the rule's n
 * names (each size bytes), or NULL. */
static const char *any_of(const char *names, size_t n, size_t size, const char *const *have, size_t n_have)
{
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < n_have; k++)
                        if (have[k] && strcmp(names + i * size, have[k]) == 0)
                                return have[k];
        return NULL;
}

/* The first of the party's jurisdictions that one of r's covers, or NULL. */
static const char *jurisdiction_met(const struct rule_set *s, const struct rule *r, const struct party_facts *p)
{
        for (size_t i = 0; i < r->n_jur; i++)
                for (size_t k = 0; k < p->n_jur; k++)
                        if (p->jur[k] && covers(s, r->jur[i], p->jur[k], 0))
                                return p->jur[k];
        return NULL;
}

const char *rule_count_to_string(enum rule_count c)
{
        static const char *const names[] = { [RULE_COUNT_NONE] = "none",
                                             [RULE_COUNT_AT_LEAST] = "residents_at_least",
                                             [RULE_COUNT_MORE_THAN] = "residents_more_than",
                                             [RULE_COUNT_FEWER_THAN] = "residents_fewer_than" };
        return c >= 0 && c < RULE_COUNT__COUNT ? names[c] : "invalid";
}

static const char *const counted_names[] = { [RULE_COUNTED_PER_JURISDICTION] = "per_jurisdiction",
                                             [RULE_COUNTED_TOGETHER] = "together",
                                             [RULE_COUNTED_EVERYWHERE] = "everywhere" };

const char *rule_counted_to_string(enum rule_counted c)
{
        return c >= 0 && c < RULE_COUNTED__COUNT ? counted_names[c] : "invalid";
}

enum rule_counted rule_counted_from_string(const char *s)
{
        for (int i = 0; s && i < RULE_COUNTED__COUNT; i++)
                if (strcmp(s, counted_names[i]) == 0)
                        return (enum rule_counted)i;
        return RULE_COUNTED__COUNT;
}

static bool count_meets(const struct rule_threshold *t, int64_t n)
{
        switch (t->cmp) {
        case RULE_COUNT_AT_LEAST:
                return n >= t->n;
        case RULE_COUNT_MORE_THAN:
                return n > t->n;
        case RULE_COUNT_FEWER_THAN:
                return n < t->n;
        default:
                return true;
        }
}

/* Is the recorded code one r's threshold looks at: under one of r's
 * jurisdictions (any, when r names none or counts everywhere)? */
static bool counted_code(const struct rule_set *s, const struct rule *r, const char *code)
{
        if (!r->n_jur || r->residents.counted == RULE_COUNTED_EVERYWHERE)
                return true;
        for (size_t i = 0; i < r->n_jur; i++)
                if (covers(s, r->jur[i], code, 0))
                        return true;
        return false;
}

bool rule_residents_met(const struct rule_set *s, const struct rule *r, const struct obligation_facts *inc,
                        struct rule_count_seen *ret)
{
        struct rule_count_seen seen = { .count = -1 };
        bool met = r->residents.cmp == RULE_COUNT_NONE;
        if (!met && r->residents.counted == RULE_COUNTED_PER_JURISDICTION) {
                /* One jurisdiction meets it; else the one that came
                 * nearest (the largest count, or the smallest for
                 * fewer_than) is what the explanation shows. */
                for (size_t i = 0; i < inc->n_residents && !met; i++) {
                        const struct resident_count *c = &inc->residents[i];
                        if (!counted_code(s, r, c->jur))
                                continue;
                        met = count_meets(&r->residents, c->n);
                        bool nearer = seen.count < 0 || (r->residents.cmp == RULE_COUNT_FEWER_THAN ? c->n < seen.count
                                                                                                   : c->n > seen.count);
                        if (met || nearer)
                                seen = (struct rule_count_seen){ .count = c->n, .jur = c->jur };
                }
        } else if (!met) {
                int64_t sum = 0;
                bool any = false;
                for (size_t i = 0; i < inc->n_residents; i++)
                        if (counted_code(s, r, inc->residents[i].jur)) {
                                any = true;
                                sum += inc->residents[i].n; /* each at most 10^10, entries bounded: no overflow */
                        }
                seen.count = any ? sum : -1;
                met = any && count_meets(&r->residents, sum);
        }
        if (ret)
                *ret = seen;
        return met;
}

bool rule_applies(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
                  const struct obligation_facts *inc)
{
        if (r->data && !(r->data & inc->hit))
                return false;
        if (r->n_jur && !jurisdiction_met(s, r, p))
                return false;
        if (r->n_sectors && !any_of(r->sectors[0], r->n_sectors, sizeof r->sectors[0], p->sectors, p->n_sectors))
                return false;
        if (r->n_regulated &&
            !any_of(r->regulated_as[0], r->n_regulated, sizeof r->regulated_as[0], p->regulated_as, p->n_regulated))
                return false;
        if (r->n_regimes && !any_of(r->regimes[0], r->n_regimes, sizeof r->regimes[0], inc->regimes, inc->n_regimes))
                return false;
        return rule_residents_met(s, r, inc, NULL);
}

const char *rule_condition_to_string(enum rule_condition_kind k)
{
        static const char *const names[] = { [RULE_COND_DATA] = "data",
                                             [RULE_COND_JURISDICTIONS] = "jurisdictions",
                                             [RULE_COND_SECTORS] = "sectors",
                                             [RULE_COND_REGULATED_AS] = "regulated_as",
                                             [RULE_COND_REGIMES] = "regimes",
                                             [RULE_COND_RESIDENTS] = "residents" };
        return k >= 0 && k < RULE_COND__COUNT ? names[k] : "invalid";
}

size_t rule_conditions(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
                       const struct obligation_facts *inc, struct rule_condition out[RULE_COND__COUNT])
{
        size_t n = 0;
        if (r->data) {
                int hit = -1;
                for (int d = 0; d < DATA__COUNT && hit < 0; d++)
                        if (r->data & inc->hit & DATA_BIT(d))
                                hit = d;
                out[n++] = (struct rule_condition){ .kind = RULE_COND_DATA, .met = hit >= 0, .data = hit };
        }
        if (r->n_jur) {
                const char *f = jurisdiction_met(s, r, p);
                out[n++] = (struct rule_condition){ .kind = RULE_COND_JURISDICTIONS, .met = f != NULL, .fact = f,
                                                    .data = -1 };
        }
        if (r->n_sectors) {
                const char *f = any_of(r->sectors[0], r->n_sectors, sizeof r->sectors[0], p->sectors, p->n_sectors);
                out[n++] = (struct rule_condition){ .kind = RULE_COND_SECTORS, .met = f != NULL, .fact = f, .data = -1 };
        }
        if (r->n_regulated) {
                const char *f = any_of(r->regulated_as[0], r->n_regulated, sizeof r->regulated_as[0], p->regulated_as,
                                       p->n_regulated);
                out[n++] = (struct rule_condition){ .kind = RULE_COND_REGULATED_AS, .met = f != NULL, .fact = f,
                                                    .data = -1 };
        }
        if (r->n_regimes) {
                const char *f = any_of(r->regimes[0], r->n_regimes, sizeof r->regimes[0], inc->regimes, inc->n_regimes);
                out[n++] = (struct rule_condition){ .kind = RULE_COND_REGIMES, .met = f != NULL, .fact = f, .data = -1 };
        }
        if (r->residents.cmp != RULE_COUNT_NONE) {
                struct rule_condition c = { .kind = RULE_COND_RESIDENTS, .data = -1 };
                c.met = rule_residents_met(s, r, inc, &c.count);
                c.fact = c.count.jur;
                out[n++] = c;
        }
        return n;
}

/* When anchor a was set for the incident (0: not yet). Awareness not
 * recorded is first detection (regulations-notes.md 1: the earliest
 * defensible time). */
static vg_usec_t anchor_time(const struct obligation_facts *inc, enum anchor a)
{
        if (a < 0 || a >= ANCHOR__COUNT)
                return 0;
        vg_usec_t at = inc->anchors[a];
        return !at && a == ANCHOR_AWARE ? inc->anchors[ANCHOR_FIRST_DETECTED] : at;
}

int rule_clock(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
               const struct obligation_facts *inc, vg_usec_t after_sent, struct rule_clock *ret)
{
        if (r->n_terms < 1 || r->n_terms > RULE_TERMS_MAX || (r->after >= 0 && r->n_terms != 1))
                return -EINVAL;
        const struct holiday_calendar *h = r->holidays >= 0 && (size_t)r->holidays < s->n_cals ? &s->cals[r->holidays]
                                                                                                : NULL;
        const struct vg_zone *zone = r->zone ? r->zone : &vg_zone_utc;
        bool started = false;
        for (size_t i = 0; i < r->n_terms; i++) {
                const struct rule_term *t = &r->terms[i];
                vg_usec_t from;
                if (r->after >= 0)
                        from = after_sent;
                else if (t->anchor >= 0 && t->anchor < ANCHOR__COUNT)
                        from = anchor_time(inc, t->anchor);
                else
                        return -EINVAL;
                if (!from)
                        continue;
                struct deadline_rule d = t->deadline;
                if (r->contract) {
                        d.unit = DEADLINE_HOURS;
                        d.value = p && p->notification_hours > 0 ? p->notification_hours : 72;
                }
                vg_usec_t due;
                int rc = deadline_due(&d, from, zone, h, &due);
                if (rc == -ERANGE) /* the term its calendar cannot count */
                        *ret = (struct rule_clock){ .anchor = r->after >= 0 ? ANCHOR__INVALID : t->anchor,
                                                    .anchor_at = from };
                if (rc < 0)
                        return rc;
                vg_usec_t voider = t->void_if_ends_before != ANCHOR__INVALID ? anchor_time(inc, t->void_if_ends_before)
                                                                             : 0;
                if (voider && due < voider)
                        continue;
                bool asap = d.unit == DEADLINE_ASAP;
                if (!started || due < ret->due)
                        *ret = (struct rule_clock){ .anchor = r->after >= 0 ? ANCHOR__INVALID : t->anchor,
                                                    .anchor_at = from,
                                                    .due = due,
                                                    .kind = asap ? DEADLINE_KIND_ASAP : DEADLINE_KIND_FIXED,
                                                    .target_hours = asap ? d.target_hours : 0 };
                started = true;
        }
        return started ? 0 : 1;
}

int rule_due(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
             const struct obligation_facts *inc, vg_usec_t after_sent, vg_usec_t *anchor_at, vg_usec_t *due)
{
        struct rule_clock c;
        int rc = rule_clock(s, r, p, inc, after_sent, &c);
        if (rc == 0) {
                *anchor_at = c.anchor_at;
                *due = c.due;
        }
        return rc;
}

struct words {
        char *buf;
        size_t size, len; /* len: what was needed so far */
};

static void say(struct words *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct words *w, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        size_t room = w->len < w->size ? w->size - w->len : 0;
        int n = vsnprintf(room ? w->buf + w->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n > 0)
                w->len += (size_t)n;
}

static void say_period(struct words *w, const struct rule *r, const struct deadline_rule *d)
{
        static const char *const unit[] = {
                [DEADLINE_HOURS] = "hour",
                [DEADLINE_CALENDAR_DAYS] = "calendar day",
                [DEADLINE_CALENDAR_MONTHS] = "calendar month",
                [DEADLINE_BUSINESS_DAYS] = "business day",
        };
        if (r->contract)
                say(w, "the hours in the tenant's contract (72 unless agreed otherwise)");
        else if (d->unit == DEADLINE_ASAP)
                say(w, "without undue delay");
        else if (d->unit > DEADLINE_ASAP && d->unit < DEADLINE__INVALID)
                say(w, "%lld %s%s", (long long)d->value, unit[d->unit], d->value == 1 ? "" : "s");
        else
                say(w, "an invalid period");
}

int rule_deadline_words(const struct rule_set *s, const struct rule *r, char *buf, size_t size)
{
        struct words w = { buf, size, 0 };
        if (size)
                buf[0] = '\0';
        bool days = false, rolls = false;
        for (size_t i = 0; i < r->n_terms && i < RULE_TERMS_MAX; i++) {
                const struct rule_term *t = &r->terms[i];
                if (i)
                        say(&w, ", or ");
                say_period(&w, r, &t->deadline);
                if (r->after >= 0 && (size_t)r->after < s->n)
                        say(&w, " after %s is sent", s->rules[r->after].id);
                else
                        say(&w, " from %s", anchor_to_string(t->anchor));
                if (!r->contract && t->deadline.unit == DEADLINE_ASAP && t->deadline.target_hours > 0)
                        say(&w, " (internal target %lld hour%s)", (long long)t->deadline.target_hours,
                            t->deadline.target_hours == 1 ? "" : "s");
                if (i)
                        say(&w, " if that ends first");
                if (t->void_if_ends_before != ANCHOR__INVALID)
                        say(&w, " (unless it ends before %s)", anchor_to_string(t->void_if_ends_before));
                days |= t->deadline.unit == DEADLINE_CALENDAR_DAYS || t->deadline.unit == DEADLINE_CALENDAR_MONTHS ||
                        t->deadline.unit == DEADLINE_BUSINESS_DAYS;
                rolls |= t->deadline.roll_to_business_day;
        }
        if (days) {
                const char *cal = r->holidays >= 0 && (size_t)r->holidays < s->n_cals ? s->cals[r->holidays].name : NULL;
                say(&w, " (%s%s%s, in %s)", cal ? cal : "weekends", cal ? " days off" : " off",
                    rolls ? "; a day off moves it to the next business day" : "",
                    r->zone && r->zone->name ? r->zone->name : "UTC");
        }
        return (int)(w.len > INT32_MAX ? INT32_MAX : w.len);
}
