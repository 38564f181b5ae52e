/* The tenant use case without HTTP (src/cases/tenants.c): a change of a
 * tenant's facts recomputes the obligations of the open, declared
 * incidents that have it in scope, in the caller's transaction, with an
 * audit record on each; closed and undeclared incidents, and edits that
 * change no fact, are left alone. On a throw-away SQLite database with
 * the shipped etc/rules.yaml. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/rules.h"
#include "cases/obligations.h"
#include "cases/tenants.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1795507200000000) /* 2026-11-24T08:00:00Z */
#define H  (INT64_C(3600) * VG_USEC_PER_SEC)

static const struct actor tester = {.user_id = 0, .name = "test", .request_id = "req-1"};

struct fixture {
        char dir[64];
        struct store *s;
        struct rule_set rules;
        struct config_provider pv;
        char open[INCIDENT_KEY_MAX], closed[INCIDENT_KEY_MAX], undeclared[INCIDENT_KEY_MAX];
};

static void incident(struct fixture *f, enum incident_phase phase, bool declared,
                     const char *tenant, char key[INCIDENT_KEY_MAX])
{
        struct store_tx *tx;
        struct incident inc = {.severity = SEV2,
                               .source = SOURCE_MONITORING,
                               .phase = phase,
                               .classification = CLASS_SECURITY_INCIDENT,
                               .data_categories = DATA_BIT(DATA_PERSONAL_DATA),
                               .detected_at = T0,
                               .reported_at = T0,
                               .declared_at = declared ? T0 + H : 0,
                               .closed_at = phase == PHASE_CLOSED ? T0 + 2 * H : 0,
                               .created_at = T0,
                               .updated_at = T0};
        snprintf(inc.title, sizeof inc.title, "exposure");
        snprintf(inc.reporter, sizeof inc.reporter, "alice");
        inc.description = strdup("");
        struct scope_tenant st = {.status = TENANT_CONFIRMED};
        snprintf(st.tenant, sizeof st.tenant, "%s", tenant);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_insert(tx, &inc), 0);
        assert_int_equal(store_incident_tenants_set(tx, inc.id, &st, 1), 0);
        assert_int_equal(case_obligations_recompute(tx, &f->rules, &f->pv, inc.key, T0 + H), 0);
        assert_int_equal(store_commit(tx), 0);
        snprintf(key, INCIDENT_KEY_MAX, "%s", inc.key);
        incident_fini(&inc);
}

/* PUT a tenant in its own transaction, as the door does. */
static struct case_tenant_result put(struct fixture *f, const char *id, const char *body,
                                     vg_usec_t now)
{
        struct store_tx *tx;
        struct case_tenant_result res;
        json_t *j = json_loads(body, 0, NULL);
        assert_non_null(j);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_tenant_put(tx, &tester, now, &f->rules, &f->pv, id, "A tenant", j, &res);
        assert_int_equal(store_finish(tx, r), 0);
        json_decref(j);
        return res;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char url[160], err[512], path[512];
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-tenants-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(url, sizeof url, "sqlite:%s/v.db", f->dir);
        snprintf(path, sizeof path, "%s/etc/rules.yaml",
                 getenv("VIGIL_SOURCE_ROOT") ? getenv("VIGIL_SOURCE_ROOT") : "..");
        if (store_open(url, &f->s, err, sizeof err) < 0 ||
            rules_load(path, &f->rules, err, sizeof err) < 0) {
                fprintf(stderr, "%s\n", err);
                return -1;
        }
        *state = f;
        put(f, "acme",
            "{\"jurisdictions\":[\"US-CA\"],\"sectors\":[\"retail\"],\"notification_hours\":72}",
            T0);
        incident(f, PHASE_ANALYSIS, true, "acme", f->open);
        incident(f, PHASE_CLOSED, true, "acme", f->closed);
        incident(f, PHASE_ANALYSIS, false, "acme", f->undeclared);
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[200];
        store_close(f->s);
        rule_set_fini(&f->rules);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        int r = system(cmd);
        free(f);
        return r == 0 ? 0 : -1;
}

struct seen {
        const char *tenant, *rule;
        char status[16];
        vg_usec_t due;
};

static int find_obligation(const struct obligation *o, void *userdata)
{
        struct seen *s = userdata;
        if (strcmp(o->tenant, s->tenant) == 0 && strcmp(o->rule_id, s->rule) == 0) {
                snprintf(s->status, sizeof s->status, "%s", o->status);
                s->due = o->due_at;
        }
        return 0;
}

/* The status of tenant's obligation under rule on incident key ("" when none), and its due time. */
static struct seen obligation(struct fixture *f, const char *key, const char *tenant,
                              const char *rule)
{
        struct store_tx *tx;
        struct incident inc = {0};
        struct seen s = {.tenant = tenant, .rule = rule};
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, key, &inc), 0);
        assert_int_equal(store_obligation_list(tx, inc.id, find_obligation, &s), 0);
        store_rollback(tx);
        incident_fini(&inc);
        return s;
}

static int count_recompute(const struct audit_record *a, void *userdata)
{
        if (strcmp(a->action, "incident.obligations.recompute") == 0 &&
            strstr(a->change, "\"tenant\":\"acme\""))
                (*(int *)userdata)++;
        return 0;
}

static int records(struct fixture *f, const char *key)
{
        struct store_tx *tx;
        char object[64];
        int n = 0;
        snprintf(object, sizeof object, "incident:%s", key);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_audit_list_object(tx, object, 0, 0, count_recompute, &n), 0);
        store_rollback(tx);
        return n;
}

struct tally_rows {
        int gdpr, ccpa, rows;
        vg_usec_t newest;
};

static int tally_rows(const struct obligation *o, void *userdata)
{
        struct tally_rows *t = userdata;
        if (strcmp(o->status, "open") != 0)
                return 0;
        t->rows++;
        t->gdpr += strcmp(o->rule_id, "EU-GDPR-33") == 0;
        t->ccpa += strcmp(o->rule_id, "US-CA-1798.82") == 0;
        if (o->computed_at > t->newest)
                t->newest = o->computed_at;
        return 0;
}

static struct tally_rows tally(struct fixture *f, const char *key)
{
        struct store_tx *tx;
        struct incident inc = {0};
        struct tally_rows t = {0};
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, key, &inc), 0);
        assert_int_equal(store_obligation_list(tx, inc.id, tally_rows, &t), 0);
        store_rollback(tx);
        incident_fini(&inc);
        return t;
}

/* Tenants of many kinds in one scope (more kinds than the recomputation
 * first makes room for): each gets its own rules - a German's GDPR, a
 * Californian's CCPA - and a second recomputation with nothing changed
 * writes no row (each keeps the time it was computed at). */
static void many_kinds_of_tenant_each_get_their_rules(void **state)
{
        struct fixture *f = *state;
        enum { N = 300 };
        struct scope_tenant *st = calloc(N, sizeof *st);
        assert_non_null(st);
        for (int i = 0; i < N; i++) {
                char id[32], body[200];
                snprintf(id, sizeof id, "t%03d", i);
                snprintf(body, sizeof body, "{\"jurisdictions\":[\"%s\"],\"sectors\":[\"s%d\"]}",
                         i % 2 ? "US-CA" : "DE", i);
                put(f, id, body, T0);
                snprintf(st[i].tenant, sizeof st[i].tenant, "%s", id);
                st[i].status = TENANT_CONFIRMED;
        }
        struct store_tx *tx;
        struct incident inc = {0};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->open, &inc), 0);
        assert_int_equal(store_incident_tenants_set(tx, inc.id, st, N), 0);
        assert_int_equal(case_obligations_recompute(tx, &f->rules, &f->pv, f->open, T0 + 2 * H), 0);
        assert_int_equal(store_commit(tx), 0);
        struct tally_rows t = tally(f, f->open);
        assert_int_equal(t.gdpr, N / 2);
        assert_int_equal(t.ccpa, N / 2);
        assert_int_equal(t.newest, T0 + 2 * H);

        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_obligations_recompute(tx, &f->rules, &f->pv, f->open, T0 + 3 * H), 0);
        assert_int_equal(store_commit(tx), 0);
        struct tally_rows again = tally(f, f->open);
        assert_int_equal(again.rows, t.rows);
        assert_int_equal(again.newest, T0 + 2 * H); /* nothing rewritten */
        incident_fini(&inc);
        free(st);
}

static void facts_change_recomputes_open_incidents(void **state)
{
        struct fixture *f = *state;
        assert_string_equal(obligation(f, f->open, "acme", "US-CA-1798.82").status, "open");
        assert_int_equal(obligation(f, f->open, "acme", "CONTRACT").due, T0 + H + 72 * H);

        /* The same facts in another order (the door sorts, the record
         * compares as stored): nothing to recompute. */
        struct case_tenant_result res = put(
                f, "acme",
                "{\"jurisdictions\":[\"US-CA\"],\"sectors\":[\"retail\"],\"notification_hours\":72,"
                "\"webhook\":\"https://acme.example/hook\"}",
                T0 + 2 * H);
        assert_int_equal(res.changed, 2);
        assert_int_equal(res.recomputed, 0);
        assert_int_equal(records(f, f->open), 0);

        /* Germany and 24 hours: the open, declared incident only. */
        res = put(f, "acme",
                  "{\"jurisdictions\":[\"DE\"],\"sectors\":[\"retail\"],\"notification_hours\":24}",
                  T0 + 3 * H);
        assert_int_equal(res.changed, 2);
        assert_int_equal(res.recomputed, 1);
        assert_string_equal(obligation(f, f->open, "acme", "EU-GDPR-33").status, "open");
        assert_string_equal(obligation(f, f->open, "acme", "US-CA-1798.82").status, "withdrawn");
        assert_int_equal(obligation(f, f->open, "acme", "CONTRACT").due, T0 + H + 24 * H);
        assert_int_equal(records(f, f->open), 1);
        /* Closed: as it was. Undeclared: no obligations yet. */
        assert_string_equal(obligation(f, f->closed, "acme", "US-CA-1798.82").status, "open");
        assert_string_equal(obligation(f, f->closed, "acme", "EU-GDPR-33").status, "");
        assert_int_equal(records(f, f->closed), 0);
        assert_string_equal(obligation(f, f->undeclared, "acme", "CONTRACT").status, "");
        assert_int_equal(records(f, f->undeclared), 0);
}

/* A tenant in scope before it had a record: creating the record is a
 * change of facts (from none). */
static void creating_a_scoped_tenant_recomputes(void **state)
{
        struct fixture *f = *state;
        char key[INCIDENT_KEY_MAX];
        incident(f, PHASE_CONTAINMENT, true, "late", key);
        assert_string_equal(obligation(f, key, "late", "CONTRACT").status, "open");
        assert_string_equal(obligation(f, key, "late", "EU-GDPR-33").status, "");
        struct case_tenant_result res = put(f, "late", "{\"jurisdictions\":[\"FR\"]}", T0 + 4 * H);
        assert_int_equal(res.changed, 1);
        assert_int_equal(res.recomputed, 1);
        assert_string_equal(obligation(f, key, "late", "EU-GDPR-33").status, "open");
}

/* A failure inside the use case is the caller's to roll back: the
 * tenant's record does not change without its recomputation. */
static void failure_rolls_back_with_the_record(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct case_tenant_result res;
        json_t *j = json_loads("{\"jurisdictions\":[\"US-CA\"]}", 0, NULL);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_tenant_put(tx, &tester, T0 + 5 * H, &f->rules, &f->pv, "acme",
                                         "A tenant", j, &res),
                         0);
        assert_int_equal(res.recomputed, 1);
        store_rollback(tx);
        json_decref(j);
        assert_string_equal(obligation(f, f->open, "acme", "EU-GDPR-33").status, "open");
        assert_int_equal(records(f, f->open), 1);
}

/* Deleting the record leaves the tenant in scope with no facts: the
 * open incident keeps only the rules without conditions. */
static void deleting_recomputes(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct case_tenant_result res;
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_tenant_delete(tx, &tester, T0 + 6 * H, &f->rules, &f->pv, "acme", &res);
        assert_int_equal(store_finish(tx, r), 0);
        assert_int_equal(res.recomputed, 1);
        assert_string_equal(obligation(f, f->open, "acme", "EU-GDPR-33").status, "withdrawn");
        assert_string_equal(obligation(f, f->open, "acme", "CONTRACT").status, "open");
        assert_int_equal(obligation(f, f->open, "acme", "CONTRACT").due, T0 + H + 72 * H);
        assert_int_equal(records(f, f->open), 2);
        assert_int_equal(records(f, f->closed), 0);
        /* Gone already: refused, nothing written. */
        assert_int_equal(store_begin(f->s, &tx), 0);
        r = case_tenant_delete(tx, &tester, T0 + 7 * H, &f->rules, &f->pv, "acme", &res);
        assert_int_equal(r, -VG_ENOTFOUND);
        store_rollback(tx);
}


static int count_import_recompute(const struct audit_record *a, void *userdata)
{
        if (strcmp(a->action, "incident.obligations.recompute") == 0 && strstr(a->change, "\"tenants\":3"))
                (*(int *)userdata)++;
        return 0;
}

/* An import of three tenants of one open incident recomputes it once,
 * at the end, with one record that counts them (not once per row). */
static void an_import_recomputes_each_incident_once(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        char key[INCIDENT_KEY_MAX];
        struct store_tx *t2;
        incident(f, PHASE_CONTAINMENT, true, "t1", key);
        struct incident inc = {0};
        struct scope_tenant st[3] = {{.status = TENANT_CONFIRMED}, {.status = TENANT_CONFIRMED},
                                     {.status = TENANT_CONFIRMED}};
        snprintf(st[0].tenant, sizeof st[0].tenant, "t1");
        snprintf(st[1].tenant, sizeof st[1].tenant, "t2");
        snprintf(st[2].tenant, sizeof st[2].tenant, "t3");
        assert_int_equal(store_begin(f->s, &t2), 0);
        assert_int_equal(store_incident_get(t2, key, &inc), 0);
        assert_int_equal(store_incident_tenants_set(t2, inc.id, st, 3), 0);
        assert_int_equal(store_commit(t2), 0);
        incident_fini(&inc);

        struct case_tenant_batch b;
        case_tenant_batch_init(&b);
        assert_int_equal(store_begin(f->s, &tx), 0);
        for (int i = 0; i < 3; i++) {
                struct case_tenant_result res;
                json_t *j = json_loads("{\"jurisdictions\":[\"FR\"]}", 0, NULL);
                assert_int_equal(case_tenant_import_row(tx, &tester, T0 + 4 * H, &f->rules, &f->pv, st[i].tenant,
                                                        "A tenant", j, &b, &res),
                                 0);
                assert_int_equal(res.changed, 1);
                assert_int_equal(res.recomputed, 0); /* not yet */
                json_decref(j);
        }
        unsigned n;
        assert_int_equal(case_tenant_import_finish(tx, &tester, T0 + 4 * H, &f->rules, &f->pv, &b, &n), 0);
        assert_int_equal(store_commit(tx), 0);
        case_tenant_batch_fini(&b);
        assert_int_equal(n, 1);
        for (int i = 0; i < 3; i++)
                assert_string_equal(obligation(f, key, st[i].tenant, "EU-GDPR-33").status, "open");
        char object[64];
        int records_n = 0;
        snprintf(object, sizeof object, "incident:%s", key);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(store_audit_list_object(tx, object, 0, 0, count_import_recompute, &records_n), 0);
        store_rollback(tx);
        assert_int_equal(records_n, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(facts_change_recomputes_open_incidents),
                cmocka_unit_test(creating_a_scoped_tenant_recomputes),
                cmocka_unit_test(failure_rolls_back_with_the_record),
                cmocka_unit_test(deleting_recomputes),
                cmocka_unit_test(an_import_recomputes_each_incident_once),
                cmocka_unit_test(many_kinds_of_tenant_each_get_their_rules),
        };
        return cmocka_run_group_tests_name("cases/tenants", tests, setup, teardown);
}
