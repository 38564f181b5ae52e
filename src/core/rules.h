/* Notification rules as core evaluates them: does a rule apply to a
 * tenant (or to the provider) for an incident, and when is it due. The
 * rules come from data (etc/rules.yaml, loaded and checked by
 * base/rules.c); zones arrive resolved as struct vg_zone. Pure. */
#pragma once

#include "core/deadline.h"
#include "core/incident.h"

#include <stdbool.h>
#include <stddef.h>

#define RULE_ID_MAX 48
#define RULE_CODE_MAX 8
#define RULE_CODES_MAX 64
#define RULE_SECTORS_MAX 16
#define RULE_TERMS_MAX 4
#define RULE_FACTS_MAX 8
#define RULE_NAME_MAX 32

/* One term of a deadline: a period from an anchor. A rule's deadline is
 * the earliest of its terms whose anchors are set (DORA's initial report:
 * 4 hours from classification as major, and no later than 24 hours from
 * awareness). void_if_ends_before names another term's anchor: this term
 * does not count when it ends before that anchor is set (DORA's 24-hour
 * backstop, when the classification came after it: Del. Reg. 2025/301
 * Art. 5(2), 4 hours from the classification apply). */
struct rule_term {
        enum anchor anchor;               /* ANCHOR__INVALID for a later stage (rule.after) */
        struct deadline_rule deadline;
        enum anchor void_if_ends_before;  /* ANCHOR__INVALID: the term always counts */
};

enum rule_for { RULE_FOR_TENANT, RULE_FOR_PROVIDER };

/* A threshold on the number of people affected (applies.residents_*):
 * "more than 500 residents of a State" (45 CFR 164.406), "at least 250
 * Texas residents" (Tex. Bus. & Com. Code 521.053(i)), "fewer than 500
 * individuals" (164.408(c)). */
enum rule_count { RULE_COUNT_NONE, RULE_COUNT_AT_LEAST, RULE_COUNT_MORE_THAN, RULE_COUNT_FEWER_THAN, RULE_COUNT__COUNT };
/* Which recorded counts a threshold compares: */
enum rule_counted {
        RULE_COUNTED_PER_JURISDICTION, /* each jurisdiction under the rule's on its own: one must meet it */
        RULE_COUNTED_TOGETHER,         /* the sum of those under the rule's jurisdictions */
        RULE_COUNTED_EVERYWHERE,       /* the sum of every count recorded, wherever people live */
        RULE_COUNTED__COUNT,
};
struct rule_threshold {
        enum rule_count cmp; /* RULE_COUNT_NONE: no threshold */
        int64_t n;
        enum rule_counted counted;
};
const char *rule_count_to_string(enum rule_count c);       /* residents_at_least, ... */
const char *rule_counted_to_string(enum rule_counted c);   /* per_jurisdiction, together, everywhere */
enum rule_counted rule_counted_from_string(const char *s); /* RULE_COUNTED__COUNT when unknown */
enum rule_duty { RULE_DUTY_PROVIDER, RULE_DUTY_TENANT };

struct rule {
        char id[RULE_ID_MAX];
        char *regulation, *citation, *recipient; /* owns */
        enum rule_for scope;
        enum rule_duty duty;
        size_t n_jur;
        char jur[RULE_CODES_MAX][RULE_CODE_MAX]; /* codes or group names; none: anywhere */
        size_t n_sectors;
        char sectors[RULE_SECTORS_MAX][32];      /* none: any sector */
        data_mask_t data;                        /* categories hit that trigger it; 0: any */
        size_t n_regulated;
        char regulated_as[RULE_FACTS_MAX][RULE_NAME_MAX]; /* the party is any of these; none: any */
        size_t n_regimes;
        char regimes[RULE_FACTS_MAX][RULE_NAME_MAX];      /* an affected service is under any; none: any */
        struct rule_threshold residents;         /* how many people affected; cmp NONE: any number */
        int after;                               /* index of the rule whose sending starts the clock; -1 */
        bool contract;                           /* deadline: the tenant's notification hours (one term) */
        size_t n_terms;                          /* 1 .. RULE_TERMS_MAX; one when after is set */
        struct rule_term terms[RULE_TERMS_MAX];  /* the deadline: the earliest of these */
        const struct vg_zone *zone;              /* where day counts end */
        int holidays;                            /* index into the set's calendars; -1: weekends only */
        char stage[16];                          /* initial, intermediate, final, single */
        size_t n_contents;
        char **contents;                         /* owns */
        char confidence[16];
        char *note;                              /* owns; NULL: none */
        int line;                                /* where the file defines it */
};

struct rule_group {
        char name[RULE_CODE_MAX];
        size_t n;
        char codes[RULE_CODES_MAX][RULE_CODE_MAX];
};

/* A researched row left out of the rules, with the reason (not_encoded). */
struct rule_left {
        char id[RULE_ID_MAX];
        char *reason; /* owns */
};

struct rule_set {
        char version[32];
        size_t n_left;
        struct rule_left *left;        /* owns: the not_encoded rows, in the file's order */
        size_t n_groups;
        struct rule_group *groups;     /* owns */
        size_t n_cals;
        struct holiday_calendar *cals; /* owns (names and days too) */
        size_t n;
        struct rule *rules;            /* owns */
};
void rule_set_fini(struct rule_set *s);
/* The index of rule id, or -1. */
int rule_find(const struct rule_set *s, const char *id);

/* What a rule is matched against: a tenant, or the provider itself. */
struct party_facts {
        size_t n_jur;
        const char *const *jur;     /* ISO 3166 codes: DE, US-CA */
        size_t n_sectors;
        const char *const *sectors;
        int64_t notification_hours; /* the contract's (tenants) */
        size_t n_regulated;
        const char *const *regulated_as; /* what the party is regulated as: bank, sec_registrant, ... */
};

/* What a tenant may be regulated as, beyond its sectors: the facts the
 * rules turn on that a sector does not tell (a finance tenant is not
 * always an SEC registrant or a bank; a health one not always a HIPAA
 * covered entity; a non-bank financial institution under the FTC's
 * Safeguards Rule, 16 CFR 314.2, is ftc_financial_institution). */
#define RULE_REGULATED_AS_NAMES "sec_registrant, bank, covered_entity, business_associate, ftc_financial_institution"
bool rule_regulated_as_valid(const char *s);
/* A regime's name as services list it and rules match it (nis2,
 * cert_in, fedramp): 2 to 31 of a-z, 0-9, '_'. */
bool rule_regime_name_ok(const char *s);
/* Does a rule of s name regime? */
bool rule_set_has_regime(const struct rule_set *s, const char *regime);

/* How many affected people live in one jurisdiction. */
struct resident_count {
        char jur[RULE_CODE_MAX]; /* a residence code: "US-CA", "DE" */
        int64_t n;               /* 0 .. RESIDENTS_COUNT_MAX */
};

struct obligation_facts {
        data_mask_t hit;                    /* data categories the incident hit */
        size_t n_residents;
        const struct resident_count *residents; /* borrows: the incident's affected residents; none: unknown */
        vg_usec_t anchors[ANCHOR__COUNT];   /* 0: not set (aware falls back to first detected) */
        size_t n_regimes;
        const char *const *regimes;         /* the regimes the affected services are under: nis2, ... */
};

/* Does code (a party's) fall under rule_code (a code, a prefix of it, or
 * a group that holds either)? */
bool rule_jurisdiction_covers(const struct rule_set *s, const char *rule_code, const char *code);
/* Does r apply to party p for the incident? (r's scope is the caller's
 * business: tenants for RULE_FOR_TENANT, the provider for the other.) */
bool rule_applies(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
                  const struct obligation_facts *inc);
/* Is r's residents threshold met by inc's counts? True when r has none.
 * Counts not recorded are not guessed: with no recorded count that r
 * looks at, the threshold is not met (fewer_than too), so the rule waits
 * for the count. *ret (may be NULL) gets the count compared (-1: none
 * recorded) and, per jurisdiction, where (a code of inc's; else NULL). */
struct rule_count_seen {
        int64_t count;
        const char *jur; /* borrows inc's */
};
bool rule_residents_met(const struct rule_set *s, const struct rule *r, const struct obligation_facts *inc,
                        struct rule_count_seen *ret);

/* Each condition of r checked against p and inc, for the people who must
 * say why a duty applies: what the rule asks and the fact that met it. */
enum rule_condition_kind {
        RULE_COND_DATA,
        RULE_COND_JURISDICTIONS,
        RULE_COND_SECTORS,
        RULE_COND_REGULATED_AS,
        RULE_COND_REGIMES,
        RULE_COND_RESIDENTS,
        RULE_COND__COUNT,
};
const char *rule_condition_to_string(enum rule_condition_kind k); /* data, jurisdictions, ... */
struct rule_condition {
        enum rule_condition_kind kind;
        bool met;
        const char *fact; /* borrows (p's, inc's): the value that met it (the first); NULL: none did */
        int data;         /* RULE_COND_DATA: the category hit that met it, -1: none */
        struct rule_count_seen count; /* RULE_COND_RESIDENTS */
};
/* The conditions r has (those it leaves open are not listed), in the
 * order above, into out; returns how many (0: r applies to every party). */
size_t rule_conditions(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
                       const struct obligation_facts *inc, struct rule_condition out[RULE_COND__COUNT]);

/* A rule's clock for one party: the term that binds (the earliest of
 * those that count), its anchor and when it ends. */
struct rule_clock {
        enum anchor anchor;  /* the binding term's; ANCHOR__INVALID for a later stage */
        vg_usec_t anchor_at; /* when that anchor was set (or the earlier report sent) */
        vg_usec_t due;       /* asap: anchor_at, "at once" */
        enum deadline_kind kind; /* asap when the binding term has no hour limit */
        int64_t target_hours;    /* asap: the rule's internal target; 0: the caller's default */
};

/* When r is due for p: the earliest end of its terms whose anchors are
 * set (a void term aside), or - for a later stage - from after_sent, when
 * the earlier report was actually sent (0: not yet). Returns 0 with *ret
 * set, 1 when the clock has not started (no term's anchor is set, or the
 * earlier report is not sent), < 0 on a bad rule. */
int rule_clock(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
               const struct obligation_facts *inc, vg_usec_t after_sent, struct rule_clock *ret);
/* r's deadline in words, for the people who must defend it: "4 hours
 * from classified_major, or 24 hours from aware if that ends first",
 * "4 business days from first_detected (US-FED days off, in
 * America/New_York)", "1 calendar month after EU-DORA-19-INT is sent",
 * "without undue delay from aware". Cut to size (always terminated);
 * returns the length it needed, as snprintf. */
int rule_deadline_words(const struct rule_set *s, const struct rule *r, char *buf, size_t size);
/* rule_clock's anchor time and due time alone. */
int rule_due(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
             const struct obligation_facts *inc, vg_usec_t after_sent, vg_usec_t *anchor_at, vg_usec_t *due);
