/* The notification rules as JSON (src/cases/rules.h). */
#include "cases/rules.h"

#include "core/incident.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static json_t *strings(const char (*v)[RULE_NAME_MAX], size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

/* "more than 500 residents of one jurisdiction under US": a threshold in words. */
static void threshold_words(const struct rule *r, char *buf, size_t size)
{
        static const char *const cmp[] = { [RULE_COUNT_AT_LEAST] = "at least", [RULE_COUNT_MORE_THAN] = "more than",
                                           [RULE_COUNT_FEWER_THAN] = "fewer than" };
        char where[RULE_CODES_MAX * RULE_CODE_MAX + 8] = "";
        size_t len = 0;
        for (size_t i = 0; i < r->n_jur && len < sizeof where; i++)
                len += (size_t)snprintf(where + len, sizeof where - len, "%s%s", i ? ", " : "", r->jur[i]);
        const struct rule_threshold *t = &r->residents;
        const char *c = t->cmp > RULE_COUNT_NONE && t->cmp < RULE_COUNT__COUNT ? cmp[t->cmp] : "?";
        if (t->counted == RULE_COUNTED_EVERYWHERE || !r->n_jur)
                snprintf(buf, size, "%s %lld affected people in all, wherever they live", c, (long long)t->n);
        else if (t->counted == RULE_COUNTED_TOGETHER)
                snprintf(buf, size, "%s %lld residents of %s together", c, (long long)t->n, where);
        else
                snprintf(buf, size, "%s %lld residents of one jurisdiction (%s)", c, (long long)t->n, where);
}

static json_t *threshold_json(const struct rule *r)
{
        if (r->residents.cmp == RULE_COUNT_NONE)
                return json_null();
        char words[700];
        threshold_words(r, words, sizeof words);
        return json_pack("{s:s, s:I, s:s, s:s}", "condition", rule_count_to_string(r->residents.cmp), "value",
                         (json_int_t)r->residents.n, "counted", rule_counted_to_string(r->residents.counted), "words",
                         words);
}

static json_t *applies_json(const struct rule *r)
{
        json_t *jur = json_array(), *sec = json_array(), *data = json_array();
        for (size_t i = 0; jur && i < r->n_jur; i++)
                json_array_append_new(jur, json_string(r->jur[i]));
        for (size_t i = 0; sec && i < r->n_sectors; i++)
                json_array_append_new(sec, json_string(r->sectors[i]));
        for (int d = 0; data && d < DATA__COUNT; d++)
                if (r->data & DATA_BIT(d))
                        json_array_append_new(data, json_string(data_category_to_string(d)));
        return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "jurisdictions", jur ? jur : json_null(), "sectors",
                         sec ? sec : json_null(), "data", data ? data : json_null(), "regulated_as",
                         strings(r->regulated_as, r->n_regulated), "regimes", strings(r->regimes, r->n_regimes),
                         "residents", threshold_json(r));
}

static json_t *terms_json(const struct rule *r)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < r->n_terms && i < RULE_TERMS_MAX; i++) {
                const struct rule_term *t = &r->terms[i];
                json_t *j = json_pack("{s:s?, s:s, s:I}", "anchor",
                                      r->after >= 0 ? NULL : anchor_to_string(t->anchor), "unit",
                                      r->contract ? "contract" : deadline_unit_to_string(t->deadline.unit), "value",
                                      (json_int_t)t->deadline.value);
                /* A duty without undue delay: its internal target, when the rule sets one. */
                if (j && !r->contract && t->deadline.unit == DEADLINE_ASAP && t->deadline.target_hours > 0)
                        json_object_set_new(j, "target_hours", json_integer((json_int_t)t->deadline.target_hours));
                if (j && t->void_if_ends_before != ANCHOR__INVALID)
                        json_object_set_new(j, "void_if_ends_before",
                                            json_string(anchor_to_string(t->void_if_ends_before)));
                json_array_append_new(a, j);
        }
        return a;
}

json_t *case_rule_json(const struct rule_set *s, const struct rule *r)
{
        char words[512];
        rule_deadline_words(s, r, words, sizeof words);
        json_t *contents = json_array();
        for (size_t i = 0; contents && i < r->n_contents; i++)
                json_array_append_new(contents, json_string(r->contents[i]));
        const char *cal = r->holidays >= 0 && (size_t)r->holidays < s->n_cals ? s->cals[r->holidays].name : NULL;
        return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:o, s:s, s:s?, s:o, s:s, s:s?, s:s, s:o, s:s, "
                         "s:s?, s:i}",
                         "id", r->id, "version", s->version, "regulation", r->regulation, "citation", r->citation, "for",
                         r->scope == RULE_FOR_TENANT ? "tenant" : "provider", "duty",
                         r->duty == RULE_DUTY_PROVIDER ? "provider" : "tenant", "recipient", r->recipient, "applies",
                         applies_json(r), "stage", r->stage, "after",
                         r->after >= 0 && (size_t)r->after < s->n ? s->rules[r->after].id : NULL, "terms",
                         terms_json(r), "deadline", words, "holidays", cal, "zone",
                         r->zone && r->zone->name ? r->zone->name : "UTC", "contents",
                         contents ? contents : json_null(), "confidence", r->confidence, "note", r->note, "line",
                         r->line);
}

json_t *case_rules_json(const struct rule_set *s)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < s->n; i++) {
                json_t *j = case_rule_json(s, &s->rules[i]);
                if (!j || json_array_append_new(a, j) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        json_t *left = a ? json_array() : NULL;
        for (size_t i = 0; left && i < s->n_left; i++)
                if (json_array_append_new(left, json_pack("{s:s, s:s}", "id", s->left[i].id, "reason",
                                                          s->left[i].reason ? s->left[i].reason : "")) < 0) {
                        json_decref(left);
                        left = NULL;
                }
        if (!left) {
                json_decref(a);
                return NULL;
        }
        return json_pack("{s:s, s:I, s:o, s:o}", "version", s->version, "count", (json_int_t)s->n, "rules", a,
                         "not_encoded", left);
}

/* ---- why one obligation applies ---- */

__attribute__((format(printf, 3, 4))) static void put_text(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
}

/* What condition c of r asks, as a JSON value (the rule's list). */
static json_t *requires_json(const struct rule *r, const struct rule_condition *c)
{
        json_t *a = NULL;
        switch (c->kind) {
        case RULE_COND_DATA:
                a = json_array();
                for (int d = 0; a && d < DATA__COUNT; d++)
                        if (r->data & DATA_BIT(d))
                                json_array_append_new(a, json_string(data_category_to_string(d)));
                return a;
        case RULE_COND_JURISDICTIONS:
                a = json_array();
                for (size_t i = 0; a && i < r->n_jur; i++)
                        json_array_append_new(a, json_string(r->jur[i]));
                return a;
        case RULE_COND_SECTORS:
                a = json_array();
                for (size_t i = 0; a && i < r->n_sectors; i++)
                        json_array_append_new(a, json_string(r->sectors[i]));
                return a;
        case RULE_COND_REGULATED_AS:
                return strings(r->regulated_as, r->n_regulated);
        case RULE_COND_REGIMES:
                return strings(r->regimes, r->n_regimes);
        case RULE_COND_RESIDENTS:
                return threshold_json(r);
        default:
                return json_null();
        }
}

/* Condition c in words, with the fact that met it (or that none did). */
static void condition_words(const struct rule *r, const struct rule_condition *c, bool provider, char *buf,
                            size_t size)
{
        const char *who = provider ? "the provider" : "the tenant";
        char t[700];
        switch (c->kind) {
        case RULE_COND_DATA:
                if (c->met)
                        put_text(buf, size, "the incident hit %s data, one of the categories the rule names",
                                 data_category_to_string(c->data));
                else
                        put_text(buf, size, "the incident hit none of the data categories the rule names");
                return;
        case RULE_COND_JURISDICTIONS:
                if (c->met)
                        put_text(buf, size, "%s's jurisdiction %s is one the rule covers", who, c->fact);
                else
                        put_text(buf, size, "none of %s's jurisdictions is one the rule covers", who);
                return;
        case RULE_COND_SECTORS:
                if (c->met)
                        put_text(buf, size, "%s's sector %s is one the rule names", who, c->fact);
                else
                        put_text(buf, size, "none of %s's sectors is one the rule names", who);
                return;
        case RULE_COND_REGULATED_AS:
                if (c->met)
                        put_text(buf, size, "%s is regulated as %s", who, c->fact);
                else
                        put_text(buf, size, "%s is regulated as none of what the rule names", who);
                return;
        case RULE_COND_REGIMES:
                if (c->met)
                        put_text(buf, size, "an affected service is under %s", c->fact);
                else
                        put_text(buf, size, "no affected service is under a regime the rule names");
                return;
        case RULE_COND_RESIDENTS:
                threshold_words(r, t, sizeof t);
                if (c->count.count < 0)
                        put_text(buf, size, "the rule needs %s; no count of affected residents it looks at is "
                                            "recorded", t);
                else if (c->count.jur)
                        put_text(buf, size, "%lld affected residents of %s recorded: %s %s", (long long)c->count.count,
                                 c->count.jur, c->met ? "that is" : "that is not", t);
                else
                        put_text(buf, size, "%lld affected residents recorded: %s %s", (long long)c->count.count,
                                 c->met ? "that is" : "that is not", t);
                return;
        default:
                put_text(buf, size, "an unknown condition");
        }
}

static json_t *condition_json(const struct rule *r, const struct rule_condition *c, bool provider)
{
        char words[900];
        condition_words(r, c, provider, words, sizeof words);
        json_t *fact = c->kind == RULE_COND_DATA ? (c->data >= 0 ? json_string(data_category_to_string(c->data))
                                                                  : json_null())
                       : c->fact ? json_string(c->fact)
                                 : json_null();
        json_t *j = json_pack("{s:s, s:o, s:b, s:o, s:s}", "condition", rule_condition_to_string(c->kind), "requires",
                              requires_json(r, c), "met", c->met, "fact", fact, "text", words);
        if (j && c->kind == RULE_COND_RESIDENTS)
                json_object_set_new(j, "count", c->count.count >= 0 ? json_integer(c->count.count) : json_null());
        return j;
}

json_t *case_rule_explanation(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
                              const struct obligation_facts *inc, bool provider, const struct case_clock_seen *clock)
{
        struct rule_condition conds[RULE_COND__COUNT];
        size_t n = rule_conditions(s, r, p, inc, conds);
        json_t *conditions = json_array(), *contents = json_array();
        for (size_t i = 0; conditions && i < n; i++)
                json_array_append_new(conditions, condition_json(r, &conds[i], provider));
        for (size_t i = 0; contents && i < r->n_contents; i++)
                json_array_append_new(contents, json_string(r->contents[i]));
        char words[512], term[800], from[VG_RFC3339_MAX], due[VG_RFC3339_MAX];
        rule_deadline_words(s, r, words, sizeof words);
        if (clock->cannot_compute)
                put_text(term, sizeof term, "%s; cannot be computed: %s", words, clock->reason ? clock->reason : "");
        else if (!clock->due_at) {
                put_text(term, sizeof term, "%s; the clock has not started (%s)", words,
                         r->after >= 0 ? "the earlier report is not sent" : "its anchor is not set");
        } else {
                vg_time_format(clock->anchor_at, from);
                vg_time_format(clock->due_at, due);
                put_text(term, sizeof term, "%s; counted from %s, due %s", words, from, due);
        }
        char scope[160];
        if (provider)
                put_text(scope, sizeof scope, "the provider's own duty, for its service");
        else
                put_text(scope, sizeof scope, "for each affected tenant the rule applies to");
        return json_pack("{s:o, s:s, s:s, s:s, s:o, s:s, s:s?, s:s}", "conditions",
                         conditions ? conditions : json_null(), "term", term, "deadline", words, "applies_to", scope,
                         "contents", contents ? contents : json_null(), "confidence", r->confidence, "note", r->note,
                         "citation", r->citation ? r->citation : "");
}
