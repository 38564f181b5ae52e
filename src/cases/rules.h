/* The notification rules in force as every door shows them
 * (src/cases/rules.c): what a rule asks, why it applies and by when, in
 * the form a compliance officer reads to answer a regulator's "why did
 * you file this then?". */
#pragma once

#include "core/rules.h"

#include <jansson.h>

/* Rule r of s as JSON: id, version (the file's), regulation, citation, for, duty, recipient,
 * applies (its conditions), stage, after, terms, deadline (in words),
 * holidays, zone, contents, confidence, note. NULL on ENOMEM. */
json_t *case_rule_json(const struct rule_set *s, const struct rule *r);
/* Every rule of s: {version, count, rules: [...] in the file's order,
 * not_encoded: [{id, reason}] - the researched rows left out}. */
json_t *case_rules_json(const struct rule_set *s);

/* An obligation's clock as computed, for its explanation. */
struct case_clock_seen {
        vg_usec_t anchor_at, due_at; /* due 0: not started */
        bool cannot_compute;
        const char *reason;          /* borrows: why it cannot be computed */
};

/* Why rule r applies to party p (the provider when provider) for the
 * incident inc, and by when: {conditions: [{condition, requires, met,
 * fact, text, count (residents only)}], term (the deadline in words with
 * the times: "72 hours from aware; counted from ..., due ..."), deadline,
 * applies_to, contents, confidence, note, citation}. NULL on ENOMEM. */
json_t *case_rule_explanation(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
                              const struct obligation_facts *inc, bool provider, const struct case_clock_seen *clock);
