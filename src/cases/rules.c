/* The notification rules as JSON (src/cases/rules.h). */
#include "cases/rules.h"

#include "core/incident.h"

static json_t *strings(const char (*v)[RULE_NAME_MAX], size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
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
        return json_pack("{s:o, s:o, s:o, s:o, s:o}", "jurisdictions", jur ? jur : json_null(), "sectors",
                         sec ? sec : json_null(), "data", data ? data : json_null(), "regulated_as",
                         strings(r->regulated_as, r->n_regulated), "regimes", strings(r->regimes, r->n_regimes));
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
        return json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:s?, s:o, s:s, s:s?, s:o, s:s, s:s?, s:s, s:o, s:s, s:s?, "
                         "s:i}",
                         "id", r->id, "regulation", r->regulation, "citation", r->citation, "for",
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
        return a ? json_pack("{s:s, s:I, s:o}", "version", s->version, "count", (json_int_t)s->n, "rules", a) : NULL;
}
