/* The notification rules in force as every door shows them
 * (src/cases/rules.c): what a rule asks, why it applies and by when, in
 * the form a compliance officer reads to answer a regulator's "why did
 * you file this then?". */
#pragma once

#include "core/rules.h"

#include <jansson.h>

/* Rule r of s as JSON: id, regulation, citation, for, duty, recipient,
 * applies (its conditions), stage, after, terms, deadline (in words),
 * holidays, zone, contents, confidence, note. NULL on ENOMEM. */
json_t *case_rule_json(const struct rule_set *s, const struct rule *r);
/* Every rule of s: {version, rules: [...]} in the file's order. */
json_t *case_rules_json(const struct rule_set *s);
