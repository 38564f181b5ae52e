/* Preparation as use cases (src/cases/preparation.c): training records
 * (NIST IR-2) and the incident response plan (IR-8) generated from the
 * live configuration, kept as numbered versions. Each takes a
 * transaction the caller owns, the actor and `now`; a refusal is -VG_*
 * with o filled and changes nothing. */
#pragma once

#include "cases/cases.h"

#include <jansson.h>

#define TRAINING_COURSE_MAX   200
#define TRAINING_EVIDENCE_MAX 1000

/* A training record as the doors show it and its audit record holds it
 * (a new reference). */
json_t *case_training_json(const struct training_record *t);

/* The rules of t that need no store ("course", "evidence",
 * "completed_at" not after now) into fe, for a door to answer every field
 * at once; case_training_record checks them too. */
void case_training_validate(const struct training_record *t, vg_usec_t now, struct field_errors *fe);

/* Record that t->user, a staff user (not a tenant_admin), completed
 * t->course at t->completed_at, with t->evidence; recorded by actor at now
 * (set in *t, with its id). Audit "training.record". Refusals:
 * -VG_EVALIDATION ("user", and those of case_training_validate). */
int case_training_record(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         struct training_record *t, struct case_outcome *o);

/* What the plan says besides the store's records. Every pointer borrows. */
struct plan_inputs {
        const struct rule_set *rules; /* the notification rules in force; NULL: none loaded */
        const char *two_person;       /* severities whose notices need a second person; NULL: none */
        int64_t training_interval;    /* seconds between trainings */
};

/* The plan in force after a generation. */
struct plan_result {
        struct plan_version p; /* p.body borrows body */
        char *body;            /* owns: the Markdown */
        bool created;          /* a new version: the text changed */
};
void plan_result_fini(struct plan_result *r);

/* Generate the plan's Markdown from the live configuration (roles and who
 * holds them, teams, services, schedules, escalation policies, the phases,
 * the rules in force, training) and, when its text differs from the
 * latest version's, add it as a new version by actor at now with the
 * audit record "plan.version". *ret (plan_result_fini) is the version in
 * force. */
int case_plan_generate(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct plan_inputs *in, struct plan_result *ret);
