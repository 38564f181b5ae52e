/* The incident use cases other than the phase advance, without HTTP: open,
 * declare, classify, edit, note, scope and anchors on a throw-away SQLite
 * database, each in its own transaction as a door runs it, with the
 * notification rules of etc/rules.yaml. Every refusal is checked to leave
 * the database as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/rules.h"
#include "cases/cases.h"
#include "core/error.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0   INT64_C(1780000000000000) /* 2026-05-28 */
#define S    VG_USEC_PER_SEC
#define HOUR (3600 * S)

static const struct actor tester = {.user_id = 0, .name = "test", .request_id = "req-1"};
static const struct config_provider provider; /* no jurisdictions, no sectors */

struct fixture {
        struct case_fixture *cf; /* owns: the store and its one incident */
        struct store *s;         /* borrows: cf's */
        struct rule_set rules;
        char key[INCIDENT_KEY_MAX];
};

/* One incident, detected and reported at T0, opened by the use case. */
static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256], rules[512];
        const char *root = getenv("VIGIL_SOURCE_ROOT");
        if (!f)
                return -1;
        snprintf(rules, sizeof rules, "%s/etc/rules.yaml", root ? root : ".");
        if (rules_load(rules, &f->rules, err, sizeof err) < 0) {
                fprintf(stderr, "rules_load: %s\n", err);
                return -1;
        }
        if (!(f->cf = case_fixture_new("incident-cases")))
                return -1;
        f->s = f->cf->s;
        snprintf(f->key, sizeof f->key, "%s", f->cf->key);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        rule_set_fini(&f->rules);
        int r = case_fixture_free(f->cf);
        free(f);
        return r;
}

/* One number from the committed database, read beside the store. */
static long long query(struct fixture *f, const char *sql)
{
        return fx_count(f->cf, sql);
}

/* What a change could touch; a refusal leaves every figure as it was. */
struct snapshot {
        long long n[10];
};

static void snap(struct fixture *f, struct snapshot *s)
{
        static const char *const sql[] = {
                "SELECT count(*) FROM incidents",        "SELECT sum(version) FROM incidents",
                "SELECT count(*) FROM audit_log",        "SELECT count(*) FROM domain_events",
                "SELECT count(*) FROM obligations",      "SELECT count(*) FROM incident_services",
                "SELECT count(*) FROM incident_tenants", "SELECT count(*) FROM incident_indicators",
                "SELECT count(*) FROM incident_anchors", "SELECT count(*) FROM jobs",
        };
        for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
                s->n[i] = query(f, sql[i]);
}

static void assert_unchanged(struct fixture *f, const struct snapshot *before)
{
        struct snapshot now;
        snap(f, &now);
        for (size_t i = 0; i < sizeof now.n / sizeof now.n[0]; i++)
                assert_int_equal(now.n[i], before->n[i]);
}

static long long count_where(struct fixture *f, const char *table, const char *where)
{
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s", table, where);
        return query(f, sql);
}

/* The committed incident. */
static void reread(struct fixture *f, struct incident *inc)
{
        struct store_tx *tx;
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, inc), 0);
        store_rollback(tx);
}

/* A door's transaction: begin and read the incident; end commits on
 * success and rolls back otherwise. */
static void begin(struct fixture *f, struct store_tx **tx, struct incident *inc,
                  struct case_outcome *o)
{
        case_outcome_init(o);
        memset(inc, 0, sizeof *inc);
        assert_int_equal(store_begin(f->s, tx), 0);
        assert_int_equal(case_incident_get(*tx, f->key, inc, o), 0);
}

static int end(struct store_tx *tx, struct incident *inc, int r)
{
        r = store_finish(tx, r);
        incident_fini(inc);
        return r;
}

static int classify(struct fixture *f, enum incident_class to, int confidentiality,
                    data_mask_t data, vg_usec_t now, struct case_outcome *o)
{
        struct store_tx *tx;
        struct incident inc;
        struct case_classification c = {.to = to,
                                        .confidentiality = confidentiality,
                                        .integrity = -1,
                                        .availability = -1,
                                        .set_data = data != 0,
                                        .data = data,
                                        .reason = "checked the logs"};
        begin(f, &tx, &inc, o);
        return end(tx, &inc, case_incident_classify(tx, &tester, now, &inc, &c, o));
}

static int declare(struct fixture *f, const char *criteria, vg_usec_t at, vg_usec_t now,
                   struct case_outcome *o)
{
        static const char *const triggers[] = {"alert:gh-secret-scan-881"};
        struct store_tx *tx;
        struct incident inc;
        struct case_declaration d = {
                .criteria = criteria, .triggers = triggers, .n_triggers = 1, .at = at};
        begin(f, &tx, &inc, o);
        return end(tx, &inc,
                   case_incident_declare(tx, &tester, now, &f->rules, &provider, &inc, &d, o));
}

static int update(struct fixture *f, const struct case_incident_edit *e, vg_usec_t now,
                  struct case_outcome *o)
{
        struct store_tx *tx;
        struct incident inc;
        begin(f, &tx, &inc, o);
        return end(tx, &inc, case_incident_update(tx, &tester, now, &inc, e, o));
}

static int note(struct fixture *f, const char *text, vg_usec_t now, struct case_outcome *o)
{
        struct store_tx *tx;
        struct incident inc;
        begin(f, &tx, &inc, o);
        return end(tx, &inc, case_incident_note(tx, &tester, now, &inc, text, o));
}

static int scope(struct fixture *f, const struct case_scope *s, vg_usec_t now,
                 struct case_outcome *o)
{
        struct store_tx *tx;
        struct incident inc;
        begin(f, &tx, &inc, o);
        return end(tx, &inc,
                   case_incident_scope(tx, &tester, now, &f->rules, &provider, &inc, s, o));
}

static int anchor(struct fixture *f, enum anchor which, vg_usec_t at, vg_usec_t now,
                  struct case_outcome *o)
{
        struct store_tx *tx;
        struct incident inc;
        begin(f, &tx, &inc, o);
        return end(tx, &inc,
                   case_incident_anchor_set(tx, &tester, now, &f->rules, &provider, &inc, which, at,
                                            "earlier IDS hit", o));
}

/* A scope of tenants alone. */
static int scope_tenants(struct fixture *f, const struct scope_tenant *t, size_t n, vg_usec_t now,
                         struct case_outcome *o)
{
        struct case_scope s = {
                .set_tenants = true, .tenants = t, .n_tenants = n, .reason = "access logs"};
        return scope(f, &s, now, o);
}

static void tenant(struct scope_tenant *t, const char *id, enum tenant_status status)
{
        memset(t, 0, sizeof *t);
        snprintf(t->tenant, sizeof t->tenant, "%s", id);
        t->status = status;
}

/* The tenant's contract obligation (CONTRACT: declared + the contract's
 * hours, 72 for a tenant without a record): its due time, -1 when there
 * is none open. */
static long long contract_due(struct fixture *f, const char *id)
{
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT due_at FROM obligations WHERE tenant = '%s' AND rule_id = 'CONTRACT' AND "
                 "status = 'open'",
                 id);
        return query(f, sql);
}

static void make_security_incident(struct fixture *f)
{
        struct case_outcome o;
        assert_int_equal(
                classify(f, CLASS_SECURITY_INCIDENT, 1, DATA_BIT(DATA_PERSONAL_DATA), T0 + S, &o),
                0);
}

/* Opening writes the incident, its services, the audit record with what
 * the door adds, and the escalation job; a future detection or a title
 * that is not one line is refused and writes nothing. */
static void open_writes_incident_and_record(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct store_tx *tx;
        struct incident inc;
        struct snapshot before;
        const char *services[] = {"billing-api", "dns"};
        json_t *record = json_pack("{s:{s:s}}", "labels", "alertname", "HighErrorRate");

        snap(f, &before);
        struct case_incident_new n = {.title = "HighErrorRate",
                                      .severity = SEV1,
                                      .source = SOURCE_MONITORING,
                                      .detected_at = T0 + 5 * S,
                                      .services = services,
                                      .n_services = 2};
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_incident_open(tx, &tester, T0, &n, &inc, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "detected_at");
        assert_int_equal(o.errors.n, 1);
        assert_int_equal(end(tx, &inc, -VG_EVALIDATION), -VG_EVALIDATION);
        n.detected_at = VG_TIME_UNSET; /* now */
        n.title = "two\nlines";
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_incident_open(tx, &tester, T0, &n, &inc, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "title");
        assert_int_equal(end(tx, &inc, -VG_EVALIDATION), -VG_EVALIDATION);
        assert_unchanged(f, &before);

        n.record = record;
        n.title = "HighErrorRate";
        n.detected_at = T0 + 5 * S;
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_incident_open(tx, &tester, T0 + 10 * S, &n, &inc, &o), 0);
        char key[INCIDENT_KEY_MAX];
        snprintf(key, sizeof key, "%s", inc.key);
        assert_int_equal(inc.phase, PHASE_ANALYSIS);
        assert_int_equal(inc.classification, CLASS_SUSPECTED);
        assert_string_equal(inc.reporter, "test");
        assert_int_equal(inc.detected_at, T0 + 5 * S);
        assert_int_equal(inc.reported_at, T0 + 10 * S);
        assert_int_equal(end(tx, &inc, 0), 0);
        json_decref(record);

        assert_string_not_equal(key, f->key);
        char where[160];
        snprintf(where, sizeof where, "action = 'incident.create' AND object = 'incident:%s'", key);
        assert_int_equal(count_where(f, "audit_log", where), 1);
        snprintf(where, sizeof where,
                 "action = 'incident.create' AND object = 'incident:%s' AND change LIKE "
                 "'%%HighErrorRate%%'"
                 " AND change LIKE '%%\"services\":[\"billing-api\",\"dns\"]%%'",
                 key);
        assert_int_equal(count_where(f, "audit_log", where), 1);
        assert_int_equal(query(f, "SELECT count(*) FROM incident_services"), before.n[5] + 2);
        assert_int_equal(query(f, "SELECT count(*) FROM incidents"), before.n[0] + 1);
        assert_true(query(f, "SELECT count(*) FROM jobs") > before.n[9]); /* escalate.start */
}

/* Declaring is refused until the incident is a security_incident and the
 * criteria are given, each refusal changing nothing; then it writes the
 * declaration, its audit record, its event and the obligations. */
static void declare_needs_criteria(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct incident inc;
        struct snapshot before;
        struct scope_tenant acme;

        tenant(&acme, "acme", TENANT_CONFIRMED);
        assert_int_equal(scope_tenants(f, &acme, 1, T0 + S, &o), 0);

        snap(f, &before);
        assert_int_equal(declare(f, "confirmed exfiltration", T0 + 2 * S, T0 + 3 * S, &o),
                         -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "only a security_incident"));
        assert_unchanged(f, &before);

        make_security_incident(f);
        snap(f, &before);
        assert_int_equal(declare(f, NULL, T0 + 2 * S, T0 + 3 * S, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "criteria");
        assert_int_equal(declare(f, "confirmed exfiltration", T0 - S, T0 + 3 * S, &o),
                         -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "declared_at");
        assert_int_equal(declare(f, "confirmed exfiltration", T0 + 4 * S, T0 + 3 * S, &o),
                         -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "declared_at");
        assert_unchanged(f, &before);
        assert_int_equal(contract_due(f, "acme"), -1); /* nothing is due before a declaration */

        assert_int_equal(
                declare(f, "personal data of acme users accessed", T0 + 2 * S, T0 + 3 * S, &o), 0);
        reread(f, &inc);
        assert_int_equal(inc.declared_at, T0 + 2 * S);
        assert_string_equal(inc.declared_by, "test");
        assert_int_equal(inc.version, before.n[1] + 1);
        assert_int_equal(inc.updated_at, T0 + 3 * S);
        assert_non_null(strstr(inc.declaration, "alert:gh-secret-scan-881"));
        incident_fini(&inc);
        assert_int_equal(count_where(f, "audit_log",
                                     "action = 'incident.declare' AND change LIKE '%acme users%'"),
                         1);
        assert_int_equal(count_where(f, "domain_events", "type = 'incident.declared'"), 1);
        assert_int_equal(count_where(f, "jobs", "kind = 'escalate.start'"),
                         2); /* opened, then declared */
        assert_int_equal(contract_due(f, "acme"), T0 + 2 * S + 72 * HOUR);

        snap(f, &before);
        assert_int_equal(declare(f, "again", T0 + 5 * S, T0 + 5 * S, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "declared already, by test"));
        assert_unchanged(f, &before);
}

/* A change of scope recomputes the obligations in the same transaction:
 * a tenant brought into scope gets its own, one ruled out loses it. */
static void scope_change_recomputes_obligations(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct snapshot before;
        struct scope_tenant t[2];
        struct indicator ind = {.kind = IND_DOMAIN};
        snprintf(ind.value, sizeof ind.value, "exfil.example.net");
        const char *services[] = {"billing-api"};

        make_security_incident(f);
        assert_int_equal(declare(f, "confirmed", T0 + 2 * S, T0 + 2 * S, &o), 0);
        assert_int_equal(contract_due(f, "acme"), -1);

        snap(f, &before);
        struct case_scope none = {.reason = "nothing"};
        assert_int_equal(scope(f, &none, T0 + 3 * S, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "services");
        assert_unchanged(f, &before);

        tenant(&t[0], "acme", TENANT_CONFIRMED);
        tenant(&t[1], "globex", TENANT_SUSPECTED);
        assert_int_equal(scope_tenants(f, t, 2, T0 + 4 * S, &o), 0);
        assert_int_equal(contract_due(f, "acme"), T0 + 2 * S + 72 * HOUR);
        assert_int_equal(contract_due(f, "globex"), T0 + 2 * S + 72 * HOUR);

        t[1].status = TENANT_RULED_OUT;
        assert_int_equal(scope_tenants(f, t, 2, T0 + 5 * S, &o), 0);
        assert_int_equal(contract_due(f, "acme"), T0 + 2 * S + 72 * HOUR);
        assert_int_equal(contract_due(f, "globex"), -1);
        assert_int_equal(
                count_where(f, "obligations", "tenant = 'globex' AND status = 'withdrawn'"), 1);
        assert_int_equal(count_where(f, "incident_tenants", "tenant = 'globex'"),
                         1); /* still in scope */

        /* Services and indicators alone leave the tenants as they are. */
        struct case_scope other = {.set_services = true,
                                   .services = services,
                                   .n_services = 1,
                                   .set_indicators = true,
                                   .indicators = &ind,
                                   .n_indicators = 1};
        assert_int_equal(scope(f, &other, T0 + 6 * S, &o), 0);
        assert_int_equal(query(f, "SELECT count(*) FROM incident_tenants"), 2);
        assert_int_equal(query(f, "SELECT count(*) FROM incident_services"), 1);
        assert_int_equal(query(f, "SELECT count(*) FROM incident_indicators"), 1);
        assert_int_equal(count_where(f, "audit_log", "action = 'incident.scope'"), 3);
        assert_int_equal(count_where(f, "audit_log",
                                     "action = 'incident.scope' AND change LIKE "
                                     "'%exfil.example.net%\"tenants\":null%'"),
                         1);
}

/* Classification follows core's rule, and a closed incident is
 * read-only: classify, edit, note, scope and anchors are refused and
 * change nothing. */
static void classify_refused_when_closed(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct store_tx *tx;
        struct incident inc;
        struct snapshot before;

        snap(f, &before);
        assert_int_equal(classify(f, CLASS_SECURITY_INCIDENT, -1, 0, T0 + S, &o), -VG_EVALIDATION);
        assert_true(o.errors.n >= 1);
        assert_unchanged(f, &before);

        assert_int_equal(classify(f, CLASS_FALSE_POSITIVE, -1, 0, T0 + S, &o), 0);
        reread(f, &inc);
        assert_int_equal(inc.classification, CLASS_FALSE_POSITIVE);
        assert_int_equal(inc.version, before.n[1] + 1);
        incident_fini(&inc);

        begin(f, &tx, &inc, &o);
        assert_int_equal(case_incident_advance(tx, &tester, T0 + 2 * S, 3600, &inc, PHASE_CLOSED,
                                               "noise", &o),
                         0);
        assert_int_equal(end(tx, &inc, 0), 0);

        snap(f, &before);
        assert_int_equal(classify(f, CLASS_SUSPECTED, -1, 0, T0 + 3 * S, &o), -VG_ECONFLICT);
        assert_string_equal(o.detail, "the incident is closed");

        struct case_incident_edit e = {.title = "renamed", .severity = SEV__INVALID};
        assert_int_equal(update(f, &e, T0 + 3 * S, &o), -VG_ECONFLICT);
        assert_string_equal(o.detail, "the incident is closed");
        assert_int_equal(note(f, "late", T0 + 3 * S, &o), -VG_ECONFLICT);

        struct scope_tenant acme;
        tenant(&acme, "acme", TENANT_CONFIRMED);
        assert_int_equal(scope_tenants(f, &acme, 1, T0 + 3 * S, &o), -VG_ECONFLICT);
        assert_int_equal(anchor(f, ANCHOR_AWARE, T0 + S, T0 + 3 * S, &o), -VG_ECONFLICT);
        assert_unchanged(f, &before);
        reread(f, &inc);
        assert_string_equal(inc.title, "exfiltration");
        incident_fini(&inc);
}

/* Edits change what they name, notes are audit records only. */
static void update_and_note(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct incident inc;
        struct snapshot before;

        snap(f, &before);
        struct case_incident_edit none = {.severity = SEV__INVALID};
        assert_int_equal(update(f, &none, T0 + S, &o), -VG_EVALIDATION);
        struct case_incident_edit empty_root = {.root_cause = "", .severity = SEV__INVALID};
        assert_int_equal(update(f, &empty_root, T0 + S, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "root_cause");
        assert_int_equal(note(f, "", T0 + S, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "text");
        assert_unchanged(f, &before);

        struct case_incident_edit e = {.severity = SEV1, .root_cause = "leaked token"};
        assert_int_equal(update(f, &e, T0 + 2 * S, &o), 0);
        reread(f, &inc);
        assert_int_equal(inc.severity, SEV1);
        assert_string_equal(inc.root_cause, "leaked token");
        assert_string_equal(inc.title, "exfiltration"); /* not named: kept */
        assert_int_equal(inc.version, before.n[1] + 1);
        incident_fini(&inc);
        assert_int_equal(count_where(f, "audit_log",
                                     "action = 'incident.update' AND change NOT LIKE '%title%'"),
                         1);

        assert_int_equal(note(f, "blocked egress", T0 + 3 * S, &o), 0);
        reread(f, &inc);
        assert_int_equal(inc.version, before.n[1] + 1); /* a note does not rewrite the incident */
        incident_fini(&inc);
        assert_int_equal(count_where(f, "audit_log",
                                     "action = 'incident.note' AND change LIKE '%blocked egress%'"),
                         1);
}

/* Anchors: checked against the ones in force, recorded with their event
 * and audit record; moving the declaration moves the obligations. */
static void anchors(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct incident inc;
        struct snapshot before;
        struct scope_tenant acme;

        snap(f, &before);
        assert_int_equal(anchor(f, ANCHOR_DECLARED, T0 + S, T0 + 10 * S, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "not declared"));
        assert_int_equal(anchor(f, ANCHOR_AWARE, T0 + 3600 * S, T0 + 10 * S, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "at");
        assert_int_equal(anchor(f, ANCHOR_AWARE, T0 - S, T0 + 10 * S, &o), -VG_EVALIDATION);
        assert_unchanged(f, &before);

        assert_int_equal(anchor(f, ANCHOR_AWARE, T0 + 5 * S, T0 + 10 * S, &o), 0);
        assert_int_equal(count_where(f, "incident_anchors", "anchor = 'aware'"), 1);
        assert_int_equal(count_where(f, "domain_events", "type = 'incident.anchor_changed'"), 1);
        assert_int_equal(count_where(f, "audit_log",
                                     "action = 'incident.anchor' AND change LIKE "
                                     "'%\"previous\":\"2026-05-28T%'"),
                         1);

        /* First detection cannot move past an anchor set after it. */
        snap(f, &before);
        assert_int_equal(anchor(f, ANCHOR_FIRST_DETECTED, T0 + 6 * S, T0 + 10 * S, &o),
                         -VG_EVALIDATION);
        assert_non_null(strstr(o.errors.e[0].message, "first detection"));
        assert_unchanged(f, &before);
        assert_int_equal(anchor(f, ANCHOR_FIRST_DETECTED, T0 - 60 * S, T0 + 10 * S, &o), 0);
        reread(f, &inc);
        assert_int_equal(inc.detected_at, T0 - 60 * S);
        incident_fini(&inc);

        /* The declaration's anchor moves the contract's clock with it. */
        tenant(&acme, "acme", TENANT_CONFIRMED);
        assert_int_equal(scope_tenants(f, &acme, 1, T0 + 11 * S, &o), 0);
        make_security_incident(f);
        assert_int_equal(declare(f, "confirmed", T0 + 20 * S, T0 + 20 * S, &o), 0);
        assert_int_equal(contract_due(f, "acme"), T0 + 20 * S + 72 * HOUR);
        assert_int_equal(anchor(f, ANCHOR_DECLARED, T0 + 12 * S, T0 + 30 * S, &o), 0);
        reread(f, &inc);
        assert_int_equal(inc.declared_at, T0 + 12 * S);
        incident_fini(&inc);
        assert_int_equal(contract_due(f, "acme"), T0 + 12 * S + 72 * HOUR);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(open_writes_incident_and_record, setup, teardown),
                cmocka_unit_test_setup_teardown(declare_needs_criteria, setup, teardown),
                cmocka_unit_test_setup_teardown(scope_change_recomputes_obligations, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(classify_refused_when_closed, setup, teardown),
                cmocka_unit_test_setup_teardown(update_and_note, setup, teardown),
                cmocka_unit_test_setup_teardown(anchors, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
