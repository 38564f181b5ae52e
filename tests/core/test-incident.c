/* src/core incident rules and vigilance matching: every transition and
 * every exit criterion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/incident.h"
#include "core/vigilance.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool has_field(const struct field_errors *fe, const char *field)
{
        for (size_t i = 0; i < fe->n; i++)
                if (strcmp(fe->e[i].field, field) == 0)
                        return true;
        return false;
}

static void names_round_trip(void **state)
{
        (void)state;
        for (int i = 0; i < PHASE__COUNT; i++)
                assert_int_equal(phase_from_string(phase_to_string((enum incident_phase)i)), i);
        for (int i = 0; i < CLASS__COUNT; i++)
                assert_int_equal(class_from_string(class_to_string((enum incident_class)i)), i);
        for (int i = 0; i < SEV__COUNT; i++)
                assert_int_equal(severity_from_string(severity_to_string((enum severity)i)), i);
        for (int i = 0; i < SOURCE__COUNT; i++)
                assert_int_equal(source_from_string(source_to_string((enum incident_source)i)), i);
        for (int i = 0; i < DATA__COUNT; i++)
                assert_int_equal(data_category_from_string(data_category_to_string((enum data_category)i)), i);
        for (int i = 0; i < IND__COUNT; i++)
                assert_int_equal(indicator_kind_from_string(indicator_kind_to_string((enum indicator_kind)i)), i);
        assert_int_equal(phase_from_string("done"), PHASE__INVALID);
        assert_int_equal(class_from_string(NULL), CLASS__INVALID);
        assert_int_equal(severity_from_string("SEV1"), SEV__INVALID);
        assert_null(phase_to_string(PHASE__COUNT));
        assert_null(severity_to_string(SEV__INVALID));
        assert_string_equal(phase_to_string(PHASE_POST_INCIDENT), "post_incident");
}

static void classification_needs_cia_on_customer_data(void **state)
{
        struct field_errors fe;
        struct cia_impact none = { 0 }, conf = { .confidentiality = true };
        (void)state;
        fielderr_init(&fe);
        assert_int_equal(incident_classify_check(CLASS_SECURITY_INCIDENT, &none, DATA_BIT(DATA_PERSONAL_DATA), &fe),
                         -VG_EVALIDATION);
        assert_true(has_field(&fe, "impact"));
        assert_false(has_field(&fe, "data_categories"));
        fielderr_init(&fe);
        assert_int_equal(incident_classify_check(CLASS_SECURITY_INCIDENT, &conf, DATA_BIT(DATA_INTERNAL), &fe),
                         -VG_EVALIDATION);
        assert_true(has_field(&fe, "data_categories"));
        fielderr_init(&fe);
        assert_int_equal(incident_classify_check(CLASS_SECURITY_INCIDENT, &none, 0, &fe), -VG_EVALIDATION);
        assert_int_equal(fe.n, 2);
        for (int d = 0; d < DATA__COUNT; d++) {
                fielderr_init(&fe);
                int r = incident_classify_check(CLASS_SECURITY_INCIDENT, &conf, DATA_BIT(d), &fe);
                assert_int_equal(r, d == DATA_INTERNAL ? -VG_EVALIDATION : 0);
        }
        struct cia_impact avail = { .availability = true }, integ = { .integrity = true };
        fielderr_init(&fe);
        assert_int_equal(incident_classify_check(CLASS_SECURITY_INCIDENT, &avail, DATA_BIT(DATA_CUSTOMER_DATA), &fe), 0);
        assert_int_equal(incident_classify_check(CLASS_SECURITY_INCIDENT, &integ,
                                                 DATA_BIT(DATA_INTERNAL) | DATA_BIT(DATA_HEALTH), &fe), 0);
        /* Other classes need nothing. */
        assert_int_equal(incident_classify_check(CLASS_COMPLIANCE_EVENT, &none, 0, &fe), 0);
        assert_int_equal(incident_classify_check(CLASS_FALSE_POSITIVE, &none, 0, &fe), 0);
        assert_int_equal(incident_classify_check(CLASS_SUSPECTED, &none, 0, &fe), 0);
        assert_int_equal(fe.n, 0);
        assert_int_equal(incident_classify_check(CLASS__INVALID, &none, 0, &fe), -VG_EVALIDATION);
        assert_true(has_field(&fe, "classification"));
}

/* Facts under which every exit criterion of every phase is met. */
static struct incident_facts ready(enum incident_phase phase)
{
        return (struct incident_facts){ .phase = phase,
                                        .classification = CLASS_SECURITY_INCIDENT,
                                        .declared = true,
                                        .services = 1,
                                        .tenants = 2,
                                        .root_cause = true,
                                        .assets = 1,
                                        .validations = 2,
                                        .customer_impacting = true,
                                        .data_breach = true,
                                        .postmortem_complete = true };
}

static void transition_matrix(void **state)
{
        (void)state;
        for (int from = 0; from < PHASE__COUNT; from++) {
                for (int to = 0; to < PHASE__COUNT; to++) {
                        struct incident_facts f = ready((enum incident_phase)from);
                        struct field_errors fe;
                        fielderr_init(&fe);
                        int no_reason = incident_transition_check(&f, (enum incident_phase)to, NULL, &fe);
                        fielderr_init(&fe);
                        int with_reason = incident_transition_check(&f, (enum incident_phase)to, "re-infected host", &fe);
                        int want_plain, want_reason;
                        if (from == PHASE_CLOSED || to == from) {
                                want_plain = want_reason = -VG_ECONFLICT;
                        } else if (to < from) {
                                want_plain = -VG_EVALIDATION;
                                want_reason = 0;
                        } else if (to == from + 1) {
                                want_plain = want_reason = 0;
                        } else {
                                want_plain = want_reason = -VG_ECONFLICT; /* skipping */
                        }
                        if (no_reason != want_plain || with_reason != want_reason)
                                fail_msg("%s -> %s: got %d/%d, want %d/%d",
                                         phase_to_string((enum incident_phase)from),
                                         phase_to_string((enum incident_phase)to), no_reason,
                                         with_reason, want_plain, want_reason);
                }
        }
        struct incident_facts f = ready(PHASE_ANALYSIS);
        struct field_errors fe;
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE__INVALID, NULL, &fe), -VG_EVALIDATION);
        /* A blank or control-character reason is no reason. */
        f = ready(PHASE_RECOVERY);
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_CONTAINMENT, "", &fe), -VG_EVALIDATION);
        assert_true(has_field(&fe, "reason"));
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_CONTAINMENT, "bad\x01", &fe), -VG_EVALIDATION);
}

/* Each criterion alone blocks its phase, under the field it names. */
static void each_exit_criterion(void **state)
{
        (void)state;
        struct {
                enum incident_phase phase;
                const char *field;
                struct incident_facts f;
        } t[] = {
                { PHASE_ANALYSIS, "scope.services", ready(PHASE_ANALYSIS) },
                { PHASE_CONTAINMENT, "tasks.containment", ready(PHASE_CONTAINMENT) },
                { PHASE_CONTAINMENT, "classification", ready(PHASE_CONTAINMENT) },
                { PHASE_CONTAINMENT, "declaration", ready(PHASE_CONTAINMENT) },
                { PHASE_CONTAINMENT, "scope.tenants", ready(PHASE_CONTAINMENT) },
                { PHASE_ERADICATION, "root_cause", ready(PHASE_ERADICATION) },
                { PHASE_ERADICATION, "approvals", ready(PHASE_ERADICATION) },
                { PHASE_ERADICATION, "approvals.pending", ready(PHASE_ERADICATION) },
                { PHASE_ERADICATION, "approvals.rejected", ready(PHASE_ERADICATION) },
                { PHASE_RECOVERY, "recovery.last_known_good", ready(PHASE_RECOVERY) },
                { PHASE_RECOVERY, "recovery.validations", ready(PHASE_RECOVERY) },
                { PHASE_POST_INCIDENT, "postmortem", ready(PHASE_POST_INCIDENT) },
                { PHASE_POST_INCIDENT, "obligations", ready(PHASE_POST_INCIDENT) },
        };
        t[0].f.services = 0;
        t[1].f.containment_tasks_open = 2;
        t[2].f.classification = CLASS_SUSPECTED;
        t[3].f.declared = false;
        t[4].f.tenants = 0;
        t[5].f.root_cause = false;
        t[6].f.impact_steps_unapproved = 1;
        t[7].f.approvals_pending = 1;
        t[8].f.approvals_rejected = 1;
        t[9].f.assets = 0;
        t[10].f.validations_failed = 1;
        t[11].f.postmortem_complete = false;
        t[12].f.obligations_open = 3;
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
                struct field_errors fe;
                fielderr_init(&fe);
                int r = incident_transition_check(&t[i].f, (enum incident_phase)(t[i].phase + 1), NULL, &fe);
                if (r != -VG_ECONFLICT || fe.n != 1 || !has_field(&fe, t[i].field))
                        fail_msg("case %zu (%s): r=%d n=%zu first=%s", i, t[i].field, r, fe.n,
                                 fe.n ? fe.e[0].field : "-");
        }
}

static void unmet_criteria_are_all_listed(void **state)
{
        struct incident_facts f = { .phase = PHASE_CONTAINMENT, .classification = CLASS_SUSPECTED,
                                    .containment_tasks_open = 1 };
        struct field_errors fe;
        (void)state;
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_ERADICATION, NULL, &fe), -VG_ECONFLICT);
        assert_int_equal(fe.n, 4);
        assert_true(has_field(&fe, "tasks.containment"));
        assert_true(has_field(&fe, "classification"));
        assert_true(has_field(&fe, "declaration"));
        assert_true(has_field(&fe, "scope.tenants"));
        f = (struct incident_facts){ .phase = PHASE_RECOVERY, .validations = 3, .validations_pending = 1,
                                     .validations_failed = 1 };
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_POST_INCIDENT, NULL, &fe), -VG_ECONFLICT);
        assert_int_equal(fe.n, 3); /* no last known good, one pending, one failed */
        /* Without customer impact or a breach, no post-mortem is required. */
        f = (struct incident_facts){ .phase = PHASE_POST_INCIDENT };
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_CLOSED, NULL, &fe), 0);
        f.data_breach = true;
        assert_int_equal(incident_transition_check(&f, PHASE_CLOSED, NULL, &fe), -VG_ECONFLICT);
        assert_true(has_field(&fe, "postmortem"));
}

/* Customer-impacting: a confirmed tenant and nothing else; and the
 * post-mortem it calls for, with a breach, gates leaving post_incident. */
static void customer_impact_rule(void **state)
{
        (void)state;
        assert_true(incident_tenant_impacting(TENANT_CONFIRMED));
        assert_false(incident_tenant_impacting(TENANT_SUSPECTED));
        assert_false(incident_tenant_impacting(TENANT_RULED_OUT));
        assert_false(incident_tenant_impacting(TENANT__INVALID));
        assert_false(incident_postmortem_required(false, false));
        assert_true(incident_postmortem_required(true, false));
        assert_true(incident_postmortem_required(false, true));
        assert_true(incident_postmortem_required(true, true));
        /* The exit criterion follows the same rule: customer impact alone
         * needs the post-mortem, a complete one lets the incident close. */
        struct incident_facts f = { .phase = PHASE_POST_INCIDENT, .tenants = 1,
                                    .customer_impacting = incident_tenant_impacting(TENANT_CONFIRMED) };
        struct field_errors fe;
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_CLOSED, NULL, &fe), -VG_ECONFLICT);
        assert_true(has_field(&fe, "postmortem"));
        f.postmortem_complete = true;
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_CLOSED, NULL, &fe), 0);
        f = (struct incident_facts){ .phase = PHASE_POST_INCIDENT, .tenants = 2,
                                     .customer_impacting = incident_tenant_impacting(TENANT_SUSPECTED) };
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_CLOSED, NULL, &fe), 0);
}

static void early_close_of_non_incidents(void **state)
{
        (void)state;
        for (int cls = 0; cls < CLASS__COUNT; cls++) {
                for (int from = PHASE_ANALYSIS; from < PHASE_CLOSED; from++) {
                        struct incident_facts f = { .phase = (enum incident_phase)from,
                                                    .classification = (enum incident_class)cls };
                        struct field_errors fe;
                        bool may = (cls == CLASS_COMPLIANCE_EVENT || cls == CLASS_FALSE_POSITIVE) &&
                                   from <= PHASE_CONTAINMENT;
                        fielderr_init(&fe);
                        int r = incident_transition_check(&f, PHASE_CLOSED, "scanner noise, confirmed with vendor", &fe);
                        if (may)
                                assert_int_equal(r, 0);
                        else if (from != PHASE_POST_INCIDENT)
                                assert_int_equal(r, -VG_ECONFLICT);
                        if (may) {
                                fielderr_init(&fe);
                                assert_int_equal(incident_transition_check(&f, PHASE_CLOSED, NULL, &fe), -VG_EVALIDATION);
                                assert_true(has_field(&fe, "reason"));
                                assert_non_null(strstr(fe.e[0].message, "justification"));
                        }
                }
        }
        /* A compliance_event in containment does not go on to eradication. */
        struct incident_facts f = { .phase = PHASE_CONTAINMENT, .classification = CLASS_COMPLIANCE_EVENT,
                                    .declared = false, .tenants = 1 };
        struct field_errors fe;
        fielderr_init(&fe);
        assert_int_equal(incident_transition_check(&f, PHASE_ERADICATION, NULL, &fe), -VG_ECONFLICT);
        assert_non_null(strstr(fe.e[0].message, "close it with a justification"));
}

static void data_breach_rule(void **state)
{
        struct cia_impact conf = { .confidentiality = true }, integ = { .integrity = true };
        (void)state;
        assert_true(incident_is_data_breach(CLASS_SECURITY_INCIDENT, &conf, DATA_BIT(DATA_PERSONAL_DATA)));
        assert_true(incident_is_data_breach(CLASS_SECURITY_INCIDENT, &conf, DATA_BIT(DATA_HEALTH) | DATA_BIT(DATA_INTERNAL)));
        assert_false(incident_is_data_breach(CLASS_SECURITY_INCIDENT, &conf, DATA_BIT(DATA_CUSTOMER_DATA)));
        assert_false(incident_is_data_breach(CLASS_SECURITY_INCIDENT, &integ, DATA_BIT(DATA_PERSONAL_DATA)));
        assert_false(incident_is_data_breach(CLASS_COMPLIANCE_EVENT, &conf, DATA_BIT(DATA_PERSONAL_DATA)));
        assert_false(incident_is_data_breach(CLASS_SECURITY_INCIDENT, &conf, 0));
}

static void anchors(void **state)
{
        struct field_errors fe;
        const vg_usec_t now = 1000 * VG_USEC_PER_SEC, detected = 100 * VG_USEC_PER_SEC;
        (void)state;
        for (int a = 0; a < ANCHOR__COUNT; a++)
                assert_int_equal(anchor_from_string(anchor_to_string((enum anchor)a)), a);
        assert_int_equal(anchor_from_string("noticed"), ANCHOR__INVALID);
        fielderr_init(&fe);
        assert_int_equal(anchor_check(ANCHOR_AWARE, 500 * VG_USEC_PER_SEC, now, detected, 0, &fe), 0);
        assert_int_equal(anchor_check(ANCHOR_AWARE, now + 30 * VG_USEC_PER_SEC, now, detected, 0, &fe), 0); /* skew */
        assert_int_equal(anchor_check(ANCHOR_AWARE, now + 61 * VG_USEC_PER_SEC, now, detected, 0, &fe), -VG_EVALIDATION);
        fielderr_init(&fe);
        assert_int_equal(anchor_check(ANCHOR_RANSOM_PAID, 50 * VG_USEC_PER_SEC, now, detected, 0, &fe), -VG_EVALIDATION);
        assert_non_null(strstr(fe.e[0].message, "first detected"));
        fielderr_init(&fe);
        /* first_detected may move earlier, not past another anchor. */
        assert_int_equal(anchor_check(ANCHOR_FIRST_DETECTED, 50 * VG_USEC_PER_SEC, now, detected,
                                      300 * VG_USEC_PER_SEC, &fe), 0);
        assert_int_equal(anchor_check(ANCHOR_FIRST_DETECTED, 400 * VG_USEC_PER_SEC, now, detected,
                                      300 * VG_USEC_PER_SEC, &fe), -VG_EVALIDATION);
        fielderr_init(&fe);
        assert_int_equal(anchor_check(ANCHOR__INVALID, 0, now, detected, 0, &fe), -VG_EVALIDATION);
        assert_string_equal(fe.e[0].field, "anchor");
}

static void keys(void **state)
{
        char buf[32];
        int year;
        int64_t seq;
        (void)state;
        assert_int_equal(incident_key_format(2026, 1, buf, sizeof buf), 0);
        assert_string_equal(buf, "INC-2026-0001");
        assert_int_equal(incident_key_format(2026, 12345, buf, sizeof buf), 0);
        assert_string_equal(buf, "INC-2026-12345");
        assert_int_equal(incident_key_format(2026, 0, buf, sizeof buf), -ERANGE);
        assert_int_equal(incident_key_format(2026, 1, buf, 8), -ENOBUFS);
        assert_int_equal(incident_key_parse("INC-2026-0042", &year, &seq), 0);
        assert_int_equal(year, 2026);
        assert_int_equal(seq, 42);
        assert_int_equal(incident_key_parse("INC-2026-12345", &year, &seq), 0);
        assert_int_equal(seq, 12345);
        static const char *const bad[] = { "", "INC-2026-", "INC-2026-042", "INC-2026-00042",
                                           "inc-2026-0042", "INC-26-0042", "INC-2026-00a2",
                                           "INC-2026-0000", "INC-1800-0001", "INC-2026-0001x" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (incident_key_parse(bad[i], &year, &seq) != -EINVAL)
                        fail_msg("'%s' parsed", bad[i]);
        for (int64_t s = 1; s < 200000; s += 997) {
                assert_int_equal(incident_key_format(2031, s, buf, sizeof buf), 0);
                assert_int_equal(incident_key_parse(buf, &year, &seq), 0);
                assert_int_equal(seq, s);
                assert_int_equal(year, 2031);
        }
}

static struct indicator ind(enum indicator_kind k, const char *v)
{
        struct indicator i;
        struct field_errors fe;
        fielderr_init(&fe);
        if (indicator_parse(k, v, &i, &fe, "indicator") < 0)
                fail_msg("indicator %s: %s", v, fe.e[0].message);
        return i;
}

/* ind() parsed into one of a few static slots, for use as an argument. */
static const struct indicator *P(enum indicator_kind k, const char *v)
{
        static struct indicator ring[8];
        static unsigned next;
        struct indicator *slot = &ring[next++ % 8];
        *slot = ind(k, v);
        return slot;
}

static void indicators_normalise_and_match(void **state)
{
        (void)state;
        assert_string_equal(ind(IND_CIDR, "192.0.2.77/24").value, "192.0.2.0/24");
        assert_string_equal(ind(IND_CIDR, "10.1.2.3/13").value, "10.0.0.0/13");
        assert_string_equal(ind(IND_CIDR, "2001:DB8:0:0:8::1/64").value, "2001:db8::/64");
        assert_string_equal(ind(IND_IP, "2001:0db8::0001").value, "2001:db8::1");
        assert_string_equal(ind(IND_DOMAIN, "Evil.EXAMPLE.com").value, "evil.example.com");
        assert_string_equal(ind(IND_HASH, "D41D8CD98F00B204E9800998ECF8427E").value,
                            "d41d8cd98f00b204e9800998ecf8427e");

        struct indicator net = ind(IND_CIDR, "192.0.2.0/24");
        struct indicator in = ind(IND_IP, "192.0.2.200"), out = ind(IND_IP, "192.0.3.1");
        assert_true(indicator_matches(&net, &in));
        assert_false(indicator_matches(&net, &out));
        assert_true(indicator_matches(P(IND_CIDR, "10.0.0.0/13"), P(IND_IP, "10.7.255.255")));
        assert_false(indicator_matches(P(IND_CIDR, "10.0.0.0/13"), P(IND_IP, "10.8.0.0")));
        assert_true(indicator_matches(&net, P(IND_CIDR, "192.0.2.128/25")));
        assert_false(indicator_matches(&net, P(IND_CIDR, "192.0.0.0/16"))); /* wider than watched */
        /* An IPv4-mapped IPv6 address is another family: no match. */
        assert_false(indicator_matches(&net, P(IND_IP, "::ffff:c000:0201")));
        assert_true(indicator_matches(P(IND_CIDR, "2001:db8::/32"), P(IND_IP, "2001:db8:ffff::9")));
        assert_false(indicator_matches(P(IND_CIDR, "2001:db8::/32"), P(IND_IP, "2001:db9::9")));
        assert_true(indicator_matches(P(IND_CIDR, "0.0.0.0/0"), P(IND_IP, "203.0.113.9")));
        assert_true(indicator_matches(P(IND_IP, "203.0.113.9"), P(IND_IP, "203.0.113.9")));
        assert_false(indicator_matches(P(IND_IP, "203.0.113.9"), P(IND_IP, "203.0.113.10")));

        struct indicator dom = ind(IND_DOMAIN, "example.com");
        assert_true(indicator_matches(&dom, P(IND_DOMAIN, "EXAMPLE.com")));
        assert_true(indicator_matches(&dom, P(IND_DOMAIN, "c2.cdn.example.com")));
        assert_false(indicator_matches(&dom, P(IND_DOMAIN, "badexample.com")));
        assert_false(indicator_matches(&dom, P(IND_DOMAIN, "example.com.evil.net")));
        assert_true(indicator_matches(P(IND_HASH, "D41D8CD98F00B204E9800998ECF8427E"),
                                      P(IND_HASH, "d41d8cd98f00b204e9800998ecf8427e")));
        assert_false(indicator_matches(P(IND_ACCOUNT, "svc-backup"), P(IND_ACCOUNT, "SVC-backup")));
        assert_false(indicator_matches(P(IND_ACCOUNT, "example.com"), &dom)); /* kinds differ */
}

static void indicators_refused(void **state)
{
        static const struct {
                enum indicator_kind k;
                const char *v;
        } bad[] = {
                { IND_IP, "192.0.2.256" }, { IND_IP, "192.0.2" },       { IND_IP, "host.example" },
                { IND_CIDR, "192.0.2.0" }, { IND_CIDR, "192.0.2.0/33" }, { IND_CIDR, "192.0.2.0/" },
                { IND_CIDR, "::/129" },    { IND_CIDR, "x/8" },          { IND_HASH, "abc" },
                { IND_HASH, "zz1d8cd98f00b204e9800998ecf8427e" },          { IND_DOMAIN, "localhost" },
                { IND_DOMAIN, "bad..example.com" }, { IND_DOMAIN, "-.com." }, { IND_URL, "example.com/x" },
                { IND_ACCOUNT, "has space" }, { IND_ACCOUNT, "" }, { IND__INVALID, "x" },
        };
        (void)state;
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct indicator out;
                struct field_errors fe;
                fielderr_init(&fe);
                if (indicator_parse(bad[i].k, bad[i].v, &out, &fe, "indicators[0]") != -VG_EVALIDATION)
                        fail_msg("case %zu: '%s' accepted", i, bad[i].v);
                assert_string_equal(fe.e[0].field, "indicators[0]");
        }
}

static void vigilance_window(void **state)
{
        const char *services[] = { "billing-api" }, *tenants[] = { "acme" };
        struct indicator inds[] = { ind(IND_CIDR, "198.51.100.0/24"), ind(IND_DOMAIN, "evil.example") };
        struct vigilance_watch w = { .until = 1000, .services = services, .n_services = 1,
                                     .tenants = tenants, .n_tenants = 1, .indicators = inds,
                                     .n_indicators = 2 };
        struct indicator seen[] = { ind(IND_IP, "203.0.113.5"), ind(IND_IP, "198.51.100.23") };
        char why[200];
        (void)state;
        struct alert_signals a = { .at = 999, .service = "billing-api" };
        assert_true(vigilance_match(&w, &a, why, sizeof why));
        assert_string_equal(why, "service billing-api");
        a = (struct alert_signals){ .at = 500, .service = "search", .tenant = "acme" };
        assert_true(vigilance_match(&w, &a, why, sizeof why));
        assert_string_equal(why, "tenant acme");
        a = (struct alert_signals){ .at = 500, .service = "search", .indicators = seen, .n_indicators = 2 };
        assert_true(vigilance_match(&w, &a, why, sizeof why));
        assert_string_equal(why, "indicator ip 198.51.100.23 in cidr 198.51.100.0/24");
        a.n_indicators = 1;
        assert_false(vigilance_match(&w, &a, why, sizeof why));
        a = (struct alert_signals){ .at = 1000, .service = "billing-api" }; /* window over */
        assert_false(vigilance_match(&w, &a, why, sizeof why));
        a = (struct alert_signals){ .at = 1 }; /* no signals at all */
        assert_false(vigilance_match(&w, &a, why, sizeof why));
}

/* Forward exits stamp when a phase was achieved, once; recovery's exit
 * opens the watch window; closing stamps the close; going back stamps
 * nothing. */
static void phase_stamps(void **state)
{
        struct incident_phase_times t = { 0 };
        const vg_usec_t s = VG_USEC_PER_SEC;
        (void)state;
        incident_phase_stamp(PHASE_ANALYSIS, PHASE_CONTAINMENT, 10 * s, 60, &t);
        assert_true(t.contained_at == VG_TIME_UNSET && t.closed_at == VG_TIME_UNSET);
        incident_phase_stamp(PHASE_CONTAINMENT, PHASE_ERADICATION, 20 * s, 60, &t);
        assert_int_equal(t.contained_at, 20 * s);
        incident_phase_stamp(PHASE_ERADICATION, PHASE_RECOVERY, 30 * s, 60, &t);
        assert_int_equal(t.eradicated_at, 30 * s);
        assert_int_equal(t.vigilance_until, VG_TIME_UNSET);
        incident_phase_stamp(PHASE_RECOVERY, PHASE_POST_INCIDENT, 40 * s, 60, &t);
        assert_int_equal(t.recovered_at, 40 * s);
        assert_int_equal(t.vigilance_until, 100 * s);
        /* Re-entry: back to containment stamps nothing ... */
        struct incident_phase_times before = t;
        incident_phase_stamp(PHASE_POST_INCIDENT, PHASE_CONTAINMENT, 50 * s, 60, &t);
        assert_memory_equal(&t, &before, sizeof t);
        /* ... and leaving it again keeps the first achievement's time. */
        incident_phase_stamp(PHASE_CONTAINMENT, PHASE_ERADICATION, 60 * s, 60, &t);
        assert_int_equal(t.contained_at, 20 * s);
        incident_phase_stamp(PHASE_RECOVERY, PHASE_POST_INCIDENT, 70 * s, 60, &t);
        assert_int_equal(t.recovered_at, 40 * s);
        assert_int_equal(t.vigilance_until, 130 * s); /* a fresh window */
        incident_phase_stamp(PHASE_POST_INCIDENT, PHASE_CLOSED, 80 * s, 60, &t);
        assert_int_equal(t.closed_at, 80 * s);
        /* An early close from analysis stamps only the close. */
        t = (struct incident_phase_times){ 0 };
        incident_phase_stamp(PHASE_ANALYSIS, PHASE_CLOSED, 5 * s, 60, &t);
        assert_int_equal(t.closed_at, 5 * s);
        assert_true(t.contained_at == VG_TIME_UNSET && t.vigilance_until == VG_TIME_UNSET);
}

/* Classifying never makes a duplicate: that is the duplicate move's. */
static void duplicate_is_not_a_classification(void **state)
{
        (void)state;
        struct cia_impact none = { 0 };
        struct field_errors fe;
        fielderr_init(&fe);
        assert_string_equal(class_to_string(CLASS_DUPLICATE), "duplicate");
        assert_int_equal(class_from_string("duplicate"), CLASS_DUPLICATE);
        assert_int_equal(incident_classify_check(CLASS_DUPLICATE, &none, 0, &fe), -VG_EVALIDATION);
        assert_true(has_field(&fe, "classification"));
        assert_non_null(strstr(fe.e[0].message, "/duplicate"));
}

/* An open, undeclared A into an open B that is no duplicate: allowed. */
static struct incident_duplicate_facts mergeable(void)
{
        return (struct incident_duplicate_facts){ .a_phase = PHASE_ANALYSIS, .b_phase = PHASE_CONTAINMENT };
}

static void duplicate_rules(void **state)
{
        (void)state;
        struct field_errors fe;
        struct incident_duplicate_facts f = mergeable();
        char at_limit[DUPLICATE_REASON_MAX + 2];

        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "opened twice from one alert", &fe), 0);
        assert_int_equal(fe.n, 0);
        /* A may be in any phase short of closed, B too. */
        for (int a = 0; a < PHASE__COUNT; a++)
                for (int b = 0; b < PHASE__COUNT; b++) {
                        f = mergeable();
                        f.a_phase = (enum incident_phase)a;
                        f.b_phase = (enum incident_phase)b;
                        fielderr_init(&fe);
                        int r = incident_duplicate_check(&f, "same alert", &fe);
                        assert_int_equal(r, a == PHASE_CLOSED || b == PHASE_CLOSED ? -VG_ECONFLICT : 0);
                        if (a == PHASE_CLOSED)
                                assert_true(has_field(&fe, "phase"));
                        if (b == PHASE_CLOSED)
                                assert_true(has_field(&fe, "of"));
                }

        /* The reason: required, one line, bounded in bytes. */
        f = mergeable();
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, NULL, &fe), -VG_EVALIDATION);
        assert_true(has_field(&fe, "reason"));
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "", &fe), -VG_EVALIDATION);
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "two\nlines", &fe), -VG_EVALIDATION);
        /* "é" is two bytes: the limit counts bytes, and a reason exactly at it passes. */
        memset(at_limit, 'a', sizeof at_limit);
        for (size_t i = 0; i + 1 < DUPLICATE_REASON_MAX; i += 2)
                memcpy(at_limit + i, "\xc3\xa9", 2);
        at_limit[DUPLICATE_REASON_MAX] = '\0';
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, at_limit, &fe), 0);
        at_limit[DUPLICATE_REASON_MAX] = 'a';
        at_limit[DUPLICATE_REASON_MAX + 1] = '\0';
        assert_int_equal(incident_duplicate_check(&f, at_limit, &fe), -VG_EVALIDATION);
        assert_true(has_field(&fe, "reason"));

        /* Itself: a validation error, reported with the reason's. */
        f = mergeable();
        f.same = true;
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, NULL, &fe), -VG_EVALIDATION);
        assert_int_equal(fe.n, 2);
        assert_true(has_field(&fe, "of") && has_field(&fe, "reason"));

        /* A declared, with notices or open obligations; B a duplicate. */
        f = mergeable();
        f.a_declared = true;
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "x", &fe), -VG_ECONFLICT);
        assert_true(has_field(&fe, "declaration"));
        f = mergeable();
        f.a_notices = 1;
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "x", &fe), -VG_ECONFLICT);
        assert_true(has_field(&fe, "notices"));
        f = mergeable();
        f.a_obligations_open = 3;
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "x", &fe), -VG_ECONFLICT);
        assert_true(has_field(&fe, "obligations"));
        assert_non_null(strstr(fe.e[0].message, "3 "));
        f = mergeable();
        f.b_duplicate = true;
        f.b_phase = PHASE_CLOSED; /* a duplicate is closed: said once, as a duplicate */
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "x", &fe), -VG_ECONFLICT);
        assert_int_equal(fe.n, 1);
        assert_non_null(strstr(fe.e[0].message, "itself a duplicate"));
        /* Every conflict is listed at once. */
        f = (struct incident_duplicate_facts){ .a_phase = PHASE_CLOSED, .a_declared = true, .a_notices = 1,
                                               .a_obligations_open = 1, .b_phase = PHASE_CLOSED };
        fielderr_init(&fe);
        assert_int_equal(incident_duplicate_check(&f, "x", &fe), -VG_ECONFLICT);
        assert_int_equal(fe.n, 5);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(names_round_trip),
                cmocka_unit_test(classification_needs_cia_on_customer_data),
                cmocka_unit_test(transition_matrix),
                cmocka_unit_test(each_exit_criterion),
                cmocka_unit_test(unmet_criteria_are_all_listed),
                cmocka_unit_test(early_close_of_non_incidents),
                cmocka_unit_test(data_breach_rule),
                cmocka_unit_test(customer_impact_rule),
                cmocka_unit_test(anchors),
                cmocka_unit_test(keys),
                cmocka_unit_test(indicators_normalise_and_match),
                cmocka_unit_test(indicators_refused),
                cmocka_unit_test(vigilance_window),
                cmocka_unit_test(phase_stamps),
                cmocka_unit_test(duplicate_is_not_a_classification),
                cmocka_unit_test(duplicate_rules),
        };
        return cmocka_run_group_tests_name("core/incident", tests, NULL, NULL);
}
