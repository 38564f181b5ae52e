/* The notification rules: the shipped etc/rules.yaml loads and says the
 * right things for typical tenants and for the provider; bad rules files
 * are refused with the file, line and reason. */
#include "base/rules.h"
#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static struct rule_set S;

static vg_usec_t at(const char *rfc3339)
{
        vg_usec_t t;
        assert_int_equal(vg_time_parse(rfc3339, &t), 0);
        return t;
}

/* The ids of the rules of scope that apply, space-separated. */
static void applying(enum rule_for scope, const struct party_facts *p, const struct obligation_facts *inc, char *out,
                     size_t size)
{
        out[0] = '\0';
        for (size_t i = 0; i < S.n; i++)
                if (S.rules[i].scope == scope && rule_applies(&S, &S.rules[i], p, inc)) {
                        size_t n = strlen(out);
                        snprintf(out + n, size - n, "%s%s", n ? " " : "", S.rules[i].id);
                }
}

static int load_shipped(void **state)
{
        (void)state;
        char path[512], err[512];
        snprintf(path, sizeof path, "%s/etc/rules.yaml", getenv("VIGIL_SOURCE_ROOT") ? getenv("VIGIL_SOURCE_ROOT") : "..");
        if (rules_load(path, &S, err, sizeof err) != 0) {
                fprintf(stderr, "%s\n", err);
                return -1;
        }
        return 0;
}

static int unload(void **state)
{
        (void)state;
        rule_set_fini(&S);
        return 0;
}

static void eu_bank_with_personal_data(void **state)
{
        (void)state;
        const char *jur[] = { "DE" }, *sec[] = { "finance" };
        struct party_facts bank = { 1, jur, 1, sec, 24 };
        struct obligation_facts inc = { .hit = DATA_BIT(DATA_PERSONAL_DATA) };
        char ids[512];
        applying(RULE_FOR_TENANT, &bank, &inc, ids, sizeof ids);
        /* As a financial entity's ICT provider we owe it notice at once (DORA Art. 30). */
        assert_string_equal(ids, "CONTRACT EU-DPA-CONTRACT EU-GDPR-33 EU-DORA-19-INIT EU-DORA-19-INT EU-DORA-19-FIN "
                                 "EU-DORA-30-TPP EU-GDPR-33-4 EU-GDPR-33-5 EU-GDPR-34 EU-GDPR-33-2 "
                                 "EU-DORA-19-INT-UPD EU-DORA-19-CLIENTS");
        /* Awareness not recorded: GDPR counts from first detection. */
        inc.anchors[ANCHOR_FIRST_DETECTED] = at("2026-10-23T12:00:00Z");
        inc.anchors[ANCHOR_DECLARED] = at("2026-10-24T09:00:00Z");
        vg_usec_t from, due;
        const struct rule *gdpr = &S.rules[rule_find(&S, "EU-GDPR-33")];
        assert_int_equal(rule_due(&S, gdpr, &bank, &inc, 0, &from, &due), 0);
        assert_int_equal(due, at("2026-10-26T12:00:00Z")); /* 72 h, across the DST change */
        /* The contract: the tenant's 24 hours from the declaration. */
        assert_int_equal(rule_due(&S, &S.rules[rule_find(&S, "CONTRACT")], &bank, &inc, 0, &from, &due), 0);
        assert_int_equal(from, at("2026-10-24T09:00:00Z"));
        assert_int_equal(due, at("2026-10-25T09:00:00Z"));
        /* DORA: before any classification, the 24-hour backstop from
         * awareness (first detection here) already runs... */
        const struct rule *init = &S.rules[rule_find(&S, "EU-DORA-19-INIT")];
        struct rule_clock c;
        assert_int_equal(rule_clock(&S, init, &bank, &inc, 0, &c), 0);
        assert_int_equal(c.anchor, ANCHOR_AWARE);
        assert_int_equal(c.anchor_at, at("2026-10-23T12:00:00Z"));
        assert_int_equal(c.due, at("2026-10-24T12:00:00Z"));
        /* ...classified 2 hours after awareness: 4 hours from then come first... */
        inc.anchors[ANCHOR_CLASSIFIED_MAJOR] = at("2026-10-23T14:00:00Z");
        assert_int_equal(rule_clock(&S, init, &bank, &inc, 0, &c), 0);
        assert_int_equal(c.anchor, ANCHOR_CLASSIFIED_MAJOR);
        assert_int_equal(c.due, at("2026-10-23T18:00:00Z"));
        /* ...22 hours after: the backstop, 24 hours from awareness, comes first... */
        inc.anchors[ANCHOR_CLASSIFIED_MAJOR] = at("2026-10-24T10:00:00Z");
        assert_int_equal(rule_clock(&S, init, &bank, &inc, 0, &c), 0);
        assert_int_equal(c.anchor, ANCHOR_AWARE);
        assert_int_equal(c.due, at("2026-10-24T12:00:00Z"));
        /* ...a month after (Art. 5(2)): 4 hours from the classification. */
        inc.anchors[ANCHOR_CLASSIFIED_MAJOR] = at("2026-11-23T10:00:00Z");
        assert_int_equal(rule_due(&S, init, &bank, &inc, 0, &from, &due), 0);
        assert_int_equal(from, at("2026-11-23T10:00:00Z"));
        assert_int_equal(due, at("2026-11-23T14:00:00Z"));
        /* ...and the later stages run from the actual submissions. */
        const struct rule *intm = &S.rules[rule_find(&S, "EU-DORA-19-INT")];
        assert_int_equal(rule_due(&S, intm, &bank, &inc, 0, &from, &due), 1);
        assert_int_equal(rule_due(&S, intm, &bank, &inc, at("2026-11-23T13:10:00Z"), &from, &due), 0);
        assert_int_equal(due, at("2026-11-26T13:10:00Z"));
        assert_int_equal(S.rules[rule_find(&S, "EU-DORA-19-FIN")].after, rule_find(&S, "EU-DORA-19-INT"));
        /* Without personal data, the GDPR rules do not apply. */
        inc.hit = DATA_BIT(DATA_INTERNAL);
        applying(RULE_FOR_TENANT, &bank, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT EU-DORA-19-INIT EU-DORA-19-INT EU-DORA-19-FIN EU-DORA-30-TPP "
                                 "EU-DORA-19-INT-UPD EU-DORA-19-CLIENTS");
}

/* The rules added from regulations.tsv in the second pass, for tenants
 * elsewhere: Japan's two stages, a US bank (our duty as its service
 * provider), a federal agency (FedRAMP: one hour), and card data anywhere. */
static void more_jurisdictions(void **state)
{
        (void)state;
        struct obligation_facts inc = { .hit = DATA_BIT(DATA_PERSONAL_DATA) };
        char ids[512];
        const char *jp[] = { "JP" }, *retail[] = { "retail" };
        struct party_facts shop = { 1, jp, 1, retail, 72 };
        applying(RULE_FOR_TENANT, &shop, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT JP-APPI-26-PRELIM JP-APPI-26-FINAL JP-APPI-26-IND");
        /* Aware 23 Nov 10:00 JST (01:00Z): 5 calendar days end with 28 Nov in
         * Tokyo (15:00Z); 30 days with 23 Dec (15:00Z). */
        inc.anchors[ANCHOR_FIRST_DETECTED] = at("2026-11-23T01:00:00Z");
        vg_usec_t from, due;
        assert_int_equal(rule_due(&S, &S.rules[rule_find(&S, "JP-APPI-26-PRELIM")], &shop, &inc, 0, &from, &due), 0);
        assert_int_equal(due, at("2026-11-28T15:00:00Z"));
        assert_int_equal(rule_due(&S, &S.rules[rule_find(&S, "JP-APPI-26-FINAL")], &shop, &inc, 0, &from, &due), 0);
        assert_int_equal(due, at("2026-12-23T15:00:00Z"));

        const char *us[] = { "US-NY" }, *fin[] = { "finance" }, *listed_bank[] = { "bank", "sec_registrant" };
        struct party_facts bank = { 1, us, 1, fin, 72, 2, listed_bank };
        inc.hit = DATA_BIT(DATA_INTERNAL); /* an outage, no personal data */
        applying(RULE_FOR_TENANT, &bank, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT US-SEC-8K-105 US-NY-DFS-500.17 US-BANK-SP US-SEC-8K-105-AMD US-BANK-36H "
                                 "US-NY-DFS-500.17-EXT US-NY-DFS-500.17-EXT30");
        /* A New York insurer that is neither listed nor a bank: its DFS
         * duties only - the finance sector alone makes no 8-K or bank duty. */
        struct party_facts insurer = { 1, us, 1, fin, 72, 0, NULL };
        applying(RULE_FOR_TENANT, &insurer, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT US-NY-DFS-500.17 US-NY-DFS-500.17-EXT US-NY-DFS-500.17-EXT30");

        const char *gov[] = { "government" }, *usa[] = { "US" };
        struct party_facts agency = { 1, usa, 1, gov, 72 };
        /* FedRAMP duties: only when an affected service is FedRAMP's. */
        applying(RULE_FOR_TENANT, &agency, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT");
        const char *fedramp[] = { "fedramp" };
        inc.regimes = fedramp;
        inc.n_regimes = 1;
        applying(RULE_FOR_TENANT, &agency, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT US-FEDRAMP-AGENCY");
        inc.anchors[ANCHOR_FIRST_DETECTED] = at("2026-11-23T09:30:00Z");
        assert_int_equal(rule_due(&S, &S.rules[rule_find(&S, "US-FEDRAMP-AGENCY")], &agency, &inc, 0, &from, &due), 0);
        assert_int_equal(due, at("2026-11-23T10:30:00Z"));

        const char *ch[] = { "CH" };
        struct party_facts merchant = { 1, ch, 1, retail, 72 };
        inc.hit = DATA_BIT(DATA_PAYMENT_CARD);
        applying(RULE_FOR_TENANT, &merchant, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT CH-FADP-24-PROC CH-FADP-24-FDPIC PCI-VISA-NOTIFY CH-FADP-24-DS "
                                 "PCI-DSS-12.10.1 PCI-VISA-REPORT PCI-VISA-ACCTS");
}

static void us_tenants_by_state_and_data(void **state)
{
        (void)state;
        const char *jur[] = { "US-CA", "US-WA" }, *sec[] = { "retail" };
        struct party_facts shop = { 2, jur, 1, sec, 72 };
        struct obligation_facts inc = { .hit = DATA_BIT(DATA_PERSONAL_DATA) | DATA_BIT(DATA_HEALTH) };
        char ids[512];
        applying(RULE_FOR_TENANT, &shop, &inc, ids, sizeof ids);
        /* The shop's own duties (California, Washington), and ours as its
         * service provider: California's "immediately following discovery".
         * A shop is no HIPAA covered entity, health data or not: we are not
         * its business associate. */
        assert_string_equal(ids, "CONTRACT US-CA-1798.82 US-WA-19.255 US-CA-1798.82-VENDOR");
        /* A health-app maker that is a covered entity's business associate:
         * we are its subcontractor, so 164.410 is ours towards it. */
        const char *ba[] = { "business_associate" };
        struct party_facts app = { 2, jur, 1, sec, 72, 1, ba };
        applying(RULE_FOR_TENANT, &app, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT US-HIPAA-410 US-CA-1798.82 US-WA-19.255 US-CA-1798.82-VENDOR");
        /* HIPAA's covered-entity rule is the covered entity's own. */
        const char *hsec[] = { "health" }, *ce[] = { "covered_entity" };
        struct party_facts clinic = { 1, (const char *[]){ "US-NY" }, 1, hsec, 72, 1, ce };
        applying(RULE_FOR_TENANT, &clinic, &inc, ids, sizeof ids);
        assert_string_equal(ids, "CONTRACT US-HIPAA-410 US-NY-GBL-899aa-VENDOR US-HIPAA-404 US-NY-GBL-899aa-IND "
                                 "US-NY-GBL-899aa-REG");
        /* SEC: 4 business days over Thanksgiving, from the materiality determination. */
        const char *fjur[] = { "US" }, *fsec[] = { "finance" }, *listed[] = { "sec_registrant" };
        struct party_facts issuer = { 1, fjur, 1, fsec, 72, 1, listed };
        inc.anchors[ANCHOR_MATERIALITY_DETERMINED] = at("2026-11-24T20:00:00Z");
        vg_usec_t from, due;
        assert_int_equal(rule_due(&S, &S.rules[rule_find(&S, "US-SEC-8K-105")], &issuer, &inc, 0, &from, &due), 0);
        assert_int_equal(due, at("2026-12-02T05:00:00Z"));
        /* HIPAA counts from discovery, which regulations-notes.md maps to
         * first detection: detected 2 Nov 10:00 EST, 60 calendar days end
         * with 1 Jan 2027 in New York (05:00Z on the 2nd); awareness
         * recorded later moves neither clock. */
        inc.anchors[ANCHOR_FIRST_DETECTED] = at("2026-11-02T15:00:00Z");
        inc.anchors[ANCHOR_AWARE] = at("2026-11-20T15:00:00Z");
        const char *hipaa[] = { "US-HIPAA-404", "US-HIPAA-410" };
        for (size_t i = 0; i < 2; i++) {
                const struct rule *h = &S.rules[rule_find(&S, hipaa[i])];
                assert_int_equal(rule_due(&S, h, &clinic, &inc, 0, &from, &due), 0);
                assert_int_equal(from, at("2026-11-02T15:00:00Z"));
                assert_int_equal(due, at("2027-01-02T05:00:00Z"));
                assert_non_null(h->note);
                assert_non_null(strstr(h->note, "first_detected"));
        }
        assert_true(rule_jurisdiction_covers(&S, "EEA", "NO"));
        assert_true(rule_jurisdiction_covers(&S, "EEA", "DE"));
        assert_true(rule_jurisdiction_covers(&S, "US", "US-TX"));
        assert_false(rule_jurisdiction_covers(&S, "US-TX", "US"));
        assert_false(rule_jurisdiction_covers(&S, "EU", "GB"));
}

static void the_providers_own_duties(void **state)
{
        (void)state;
        const char *jur[] = { "DE", "IN", "US" }, *sec[] = { "digital_infrastructure", "government" };
        struct party_facts provider = { 3, jur, 2, sec, 0 };
        const char *regimes[] = { "nis2", "cert_in", "fedramp" };
        struct obligation_facts inc = { .hit = DATA_BIT(DATA_CUSTOMER_DATA), .n_regimes = 3, .regimes = regimes };
        char ids[512];
        applying(RULE_FOR_PROVIDER, &provider, &inc, ids, sizeof ids);
        assert_string_equal(ids, "EU-NIS2-23-EW EU-NIS2-23-IN EU-NIS2-23-FR IN-CERTIN-2022 US-FEDRAMP-IR "
                                 "EU-NIS2-23-PR EU-NIS2-23-REC US-FEDRAMP-UPD US-FEDRAMP-FINAL");
        /* The affected services are under NIS2 only, then none. */
        inc.n_regimes = 1;
        applying(RULE_FOR_PROVIDER, &provider, &inc, ids, sizeof ids);
        assert_string_equal(ids, "EU-NIS2-23-EW EU-NIS2-23-IN EU-NIS2-23-FR EU-NIS2-23-PR EU-NIS2-23-REC");
        inc.n_regimes = 0;
        applying(RULE_FOR_PROVIDER, &provider, &inc, ids, sizeof ids);
        assert_string_equal(ids, "");
        inc.anchors[ANCHOR_FIRST_DETECTED] = at("2026-11-23T10:00:00Z");
        vg_usec_t from, due;
        assert_int_equal(rule_due(&S, &S.rules[rule_find(&S, "IN-CERTIN-2022")], &provider, &inc, 0, &from, &due), 0);
        assert_int_equal(due, at("2026-11-23T16:00:00Z"));
}

/* Duties "without undue delay": the shipped file's asap rules keep due
 * "at once", and the two whose customers run a clock of their own carry
 * an internal target (DORA's third-party notice 4 h, the US bank service
 * provider's 12 h); the others take the operator's default (target 0). */
static void asap_rules_and_their_targets(void **state)
{
        (void)state;
        size_t asap = 0, with_target = 0;
        for (size_t i = 0; i < S.n; i++) {
                const struct rule *r = &S.rules[i];
                if (r->contract || r->terms[0].deadline.unit != DEADLINE_ASAP)
                        continue;
                asap++;
                with_target += r->terms[0].deadline.target_hours > 0;
        }
        assert_true(asap >= 34);
        assert_int_equal(with_target, 2);
        int d = rule_find(&S, "EU-DORA-30-TPP"), b = rule_find(&S, "US-BANK-SP");
        assert_true(d >= 0 && b >= 0);
        assert_int_equal(S.rules[d].terms[0].deadline.target_hours, 4);
        assert_int_equal(S.rules[b].terms[0].deadline.target_hours, 12);
        char words[256];
        rule_deadline_words(&S, &S.rules[d], words, sizeof words);
        assert_string_equal(words, "without undue delay from first_detected (internal target 4 hours)");
}

static void bad_rules_files(void **state)
{
        (void)state;
        static const struct {
                const char *text, *want;
        } cases[] = {
                { "rules: []\n", ":1: the file needs a 'version'" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: everyone\n",
                  ":6: rule 'A': 'for' must be tenant or provider" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: awarenes\n    deadline: {value: 1, unit: hours}\n    stage: single\n    contents: [x]\n"
                  "    confidence: high\n",
                  ":8: rule 'A': 'awarenes' is not an anchor" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    after: B\n    deadline: {value: 1, unit: hours}\n    stage: single\n    contents: [x]\n"
                  "    confidence: high\n",
                  ":8: rule 'A': after 'B': no earlier rule has that id" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: aware\n    deadline: {value: 2, unit: fortnights}\n    stage: single\n    contents: [x]\n"
                  "    confidence: high\n",
                  ":9: rule 'A': deadline must be" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    applies: {jurisdictions: [Germany]}\n    anchor: aware\n    deadline: {value: 2, unit: hours}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":8: rule 'A': 'Germany' is neither an ISO 3166 code nor a group" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: aware\n    deadline: {value: 2, unit: hours}\n    zone: Mars/Base\n    stage: single\n"
                  "    contents: [x]\n    confidence: high\n",
                  ":10: rule 'A': 'Mars/Base' is not a known time zone" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: aware\n    deadline: {value: 2, unit: hours}\n    stage: single\n    contents: [x]\n"
                  "    confidence: high\n    colour: red\n",
                  ":13: rule 'A': unknown key 'colour'" },
                { "version: '1'\nholidays:\n  XX: [2026-13-01]\nrules: [{id: A}]\n", ":3: holidays: XX: '2026-13-01'" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    deadline:\n      earliest:\n        - {anchor: aware, value: 24, unit: hours}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":10: rule 'A': deadline.earliest must list 2 to 4 terms" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: aware\n    deadline:\n      earliest:\n        - {anchor: aware, value: 24, unit: hours}\n"
                  "        - {anchor: declared, value: 4, unit: hours}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":3: rule 'A': a deadline of 'earliest' terms names an anchor in each term" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    deadline:\n      earliest:\n        - {anchor: classified_major, value: 4, unit: hours}\n"
                  "        - {value: 24, unit: hours}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":11: rule 'A': each deadline term needs its 'anchor'" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    deadline:\n      earliest:\n        - {anchor: classified_major, value: 4, unit: hours}\n"
                  "        - {anchor: aware, value: 24, unit: hours, void_if_ends_before: declared}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":11: rule 'A': void_if_ends_before 'declared' must be the anchor of another term" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    deadline:\n      earliest:\n        - {anchor: classified_major, value: 4, unit: hours}\n"
                  "        - {anchor: aware, value: 24, unit: hours, colour: red}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":11: rule 'A': deadline: unknown key 'colour'" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    deadline:\n      earliest:\n        - {anchor: aware, value: 4, unit: hours}\n"
                  "        - {anchor: aware, value: 24, unit: hours}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":11: rule 'A': two deadline terms on anchor 'aware'" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    applies: {regulated_as: [listed]}\n    anchor: aware\n    deadline: {value: 2, unit: hours}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":8: rule 'A': applies.regulated_as: 'listed' is not one of sec_registrant" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: provider\n    duty: provider\n"
                  "    applies: {regimes: [NIS2]}\n    anchor: aware\n    deadline: {value: 2, unit: hours}\n"
                  "    stage: single\n    contents: [x]\n    confidence: high\n",
                  ":8: rule 'A': applies.regimes: 'NIS2' is not a regime name" },
                { "version: '1'\ncalendars:\n  XX:\n    range: {from: 2026, to: 2027}\n    holidays:\n"
                  "      - {name: Day, month: 13, weekday: mon, nth: 1}\nrules: [{id: A}]\n",
                  ":6: calendars: XX: Day: needs month 1-12" },
                { "version: '1'\ncalendars:\n  XX:\n    holidays: []\nrules: [{id: A}]\n",
                  ":4: calendars: XX: range must be {from: YEAR, to: YEAR}" },
                { "version: '1'\ncalendars:\n  XX:\n    range: {from: 2026, to: 2027}\n    observed: sometimes\n"
                  "rules: [{id: A}]\n",
                  ":5: calendars: XX: observed must be" },
                { "version: '1'\ncalendars:\n  XX:\n    range: {from: 2026, to: 2027}\n    holidays: [{name: D, date: 05-31}]\n"
                  "    exceptions: [{date: 2026-06-01, name: M, instead_of: 2026-05-30}]\nrules: [{id: A}]\n",
                  ":6: calendars: XX: exception 2026-06-01 is outside the range or instead_of names no holiday" },
                /* An internal target is for a duty with no hour limit only. */
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: aware\n    deadline: {value: 2, unit: hours, target_hours: 1}\n    stage: single\n"
                  "    contents: [x]\n    confidence: high\n",
                  ":9: rule 'A': deadline.target_hours is only for unit asap" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: aware\n    deadline: {unit: asap, target_hours: 0}\n    stage: single\n"
                  "    contents: [x]\n    confidence: high\n",
                  ":9: rule 'A': deadline.target_hours must be a whole number 1 to 10000" },
                { "version: '1'\nrules:\n  - id: A\n    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n"
                  "    anchor: aware\n    deadline: {unit: asap, target_hours: 24h}\n    stage: single\n"
                  "    contents: [x]\n    confidence: high\n",
                  ":9: rule 'A': deadline.target_hours must be a whole number 1 to 10000" },
                /* A business-days rule on a calendar that covers no year. */
                { "version: '1'\ncalendars:\n  XX:\n    range: {from: 2026, to: 2025}\nrules:\n  - id: A\n"
                  "    citation: c\n    recipient: r\n    for: tenant\n    duty: tenant\n    anchor: aware\n"
                  "    deadline: {value: 3, unit: business_days}\n    holidays: XX\n    stage: single\n"
                  "    contents: [x]\n    confidence: high\n",
                  ":13: rule 'A': calendar 'XX' cannot cover a deadline of 3 business_days" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char path[] = "/tmp/vigil-rules-XXXXXX", err[512];
                int fd = mkstemp(path);
                assert_true(fd >= 0);
                FILE *f = fdopen(fd, "w");
                fputs(cases[i].text, f);
                fclose(f);
                struct rule_set s;
                int r = rules_load(path, &s, err, sizeof err);
                unlink(path);
                assert_int_equal(r, -VG_ECONFIG);
                if (!strstr(err, cases[i].want))
                        fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].want);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(eu_bank_with_personal_data),
                cmocka_unit_test(us_tenants_by_state_and_data),
                cmocka_unit_test(more_jurisdictions),
                cmocka_unit_test(the_providers_own_duties),
                cmocka_unit_test(asap_rules_and_their_targets),
                cmocka_unit_test(bad_rules_files),
        };
        return cmocka_run_group_tests_name("base/rules", tests, load_shipped, unload);
}
