/* The filing use cases without HTTP, on a throw-away SQLite database:
 * an obligation recorded as filed with its channel, reference, note and
 * attachment (kept with its SHA-256), a tenant duty filed like any other,
 * a correction of the sent time that keeps the first record and moves the
 * later stage's clock - and each refusal names its field and changes
 * nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/rules.h"
#include "cases/obligations.h"
#include "core/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1780000000000000) /* 2026-05-28 */
#define S  VG_USEC_PER_SEC
#define H  (3600 * S)

static const struct actor cora = { .user_id = 0, .name = "cora", .request_id = "req-1" };

/* Two stages of the provider's (the second counts from the first's
 * filing) and a tenant's own duty. */
static const char rules_yaml[] =
        "version: \"test\"\n"
        "rules:\n"
        "  - id: STEP-1\n    regulation: test\n    citation: test 1\n    for: provider\n    duty: provider\n"
        "    recipient: the regulator\n    anchor: declared\n    deadline: {value: 24, unit: hours}\n"
        "    stage: initial\n    contents: [what]\n    confidence: high\n"
        "  - id: STEP-2\n    regulation: test\n    citation: test 2\n    for: provider\n    duty: provider\n"
        "    recipient: the regulator\n    after: STEP-1\n    deadline: {value: 48, unit: hours}\n"
        "    stage: intermediate\n    contents: [what]\n    confidence: high\n"
        "  - id: OWN\n    regulation: test\n    citation: test 3\n    for: tenant\n    duty: tenant\n"
        "    recipient: the tenant's regulator\n    anchor: declared\n    deadline: {value: 72, unit: hours}\n"
        "    stage: single\n    contents: [what]\n    confidence: high\n";

struct fixture {
        char dir[64], path[96], url[112];
        struct store *s;
        struct rule_set rules;
        struct config_provider provider;
        char key[INCIDENT_KEY_MAX];
        int64_t step1, step2, own;
};

static long long count(struct fixture *f, const char *sql)
{
        sqlite3 *db;
        sqlite3_stmt *st;
        long long n = -1;
        assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return n;
}

static long long col(struct fixture *f, const char *what, int64_t id)
{
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT %s FROM obligations WHERE id = %lld", what, (long long)id);
        return count(f, sql);
}

static int64_t id_of(struct fixture *f, const char *rule)
{
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT id FROM obligations WHERE rule_id = '%s'", rule);
        return count(f, sql);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256], rpath[128];
        struct store_tx *tx;
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-filing-cases-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/v.db", f->dir);
        snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
        snprintf(rpath, sizeof rpath, "%s/rules.yaml", f->dir);
        FILE *rf = fopen(rpath, "w");
        if (!rf || fputs(rules_yaml, rf) < 0 || fclose(rf) != 0)
                return -1;
        if (rules_load(rpath, &f->rules, err, sizeof err) < 0 || store_open(f->url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "setup: %s\n", err);
                return -1;
        }
        struct incident inc = { .severity = SEV2, .source = SOURCE_MONITORING, .phase = PHASE_CONTAINMENT,
                                .classification = CLASS_SECURITY_INCIDENT, .detected_at = T0, .reported_at = T0,
                                .declared_at = T0, .created_at = T0, .updated_at = T0 };
        snprintf(inc.title, sizeof inc.title, "exfiltration");
        snprintf(inc.reporter, sizeof inc.reporter, "alice");
        inc.description = strdup("");
        struct scope_tenant scope[1] = { { .tenant = "acme", .status = TENANT_CONFIRMED, .evidence = "" } };
        int r = store_begin(f->s, &tx);
        if (r >= 0)
                r = store_incident_insert(tx, &inc);
        if (r >= 0)
                r = store_incident_tenants_set(tx, inc.id, scope, 1);
        snprintf(f->key, sizeof f->key, "%s", inc.key);
        incident_fini(&inc);
        if (r >= 0)
                r = case_obligations_recompute(tx, &f->rules, &f->provider, f->key, T0);
        if (r < 0 || store_commit(tx) < 0)
                return -1;
        f->step1 = id_of(f, "STEP-1");
        f->step2 = id_of(f, "STEP-2");
        f->own = id_of(f, "OWN");
        *state = f;
        return f->step1 > 0 && f->step2 > 0 && f->own > 0 ? 0 : -1;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[200];
        store_close(f->s);
        rule_set_fini(&f->rules);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
                return -1;
        free(f);
        return 0;
}

#define NOW (T0 + 30 * H)

static int file(struct fixture *f, int64_t id, const struct filing_input *in, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_obligation_file(tx, &cora, NOW, &f->rules, &f->provider, f->key, id, in, o);
        return store_finish(tx, r);
}

static int correct(struct fixture *f, int64_t id, vg_usec_t at, const char *reason, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_obligation_correct(tx, &cora, NOW, &f->rules, &f->provider, f->key, id, at, reason, o);
        return store_finish(tx, r);
}

/* Each bad field is refused by name, and nothing is written. */
static void bad_filings_change_nothing(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        static const char big[FILING_ATTACHMENT_MAX + 1];
        const struct filing_attachment too_big = { "ack.pdf", "application/pdf", big, sizeof big };
        const struct filing_attachment bad_name = { "../ack.pdf", "application/pdf", "x", 1 };
        const struct filing_attachment bad_type = { "ack.pdf", "pdf", "x", 1 };
        const struct {
                struct filing_input in;
                const char *field;
        } cases[] = {
                { { .at = NOW + S }, "at" },
                { { .at = T0 - S }, "at" }, /* before the anchor (declared) */
                { { .at = T0 + H, .channel = "pigeon" }, "channel" },
                { { .at = T0 + H, .reference = "two\nlines" }, "reference" },
                { { .at = T0 + H, .attachment = &too_big }, "attachment.content" },
                { { .at = T0 + H, .attachment = &bad_name }, "attachment.name" },
                { { .at = T0 + H, .attachment = &bad_type }, "attachment.media_type" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                assert_int_equal(file(f, f->step1, &cases[i].in, &o), -VG_EVALIDATION);
                assert_string_equal(o.errors.e[0].field, cases[i].field);
        }
        assert_int_equal(count(f, "SELECT count(*) FROM obligation_filings"), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM obligations WHERE status = 'sent'"), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), 0);
        /* Not sent yet: nothing to correct. */
        assert_int_equal(correct(f, f->step1, T0 + H, "typo", &o), -VG_ECONFLICT);
        assert_int_equal(count(f, "SELECT count(*) FROM obligation_filings"), 0);
}

/* Filed with everything said; corrected with a reason: the first record
 * stays, the audit keeps both times, the later stage moves. */
static void a_correction_moves_the_later_stage(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        const struct filing_attachment ack = { "ack.txt", "text/plain", "abc", 3 };
        const struct filing_input in = { .at = T0 + 10 * H, .channel = "portal", .reference = "REG-2026-0042",
                                         .note = "filed through the\nregulator's portal", .attachment = &ack };
        assert_int_equal(file(f, f->step1, &in, &o), 0);
        assert_int_equal(col(f, "sent_at", f->step1), T0 + 10 * H);
        assert_int_equal(col(f, "anchor_at", f->step2), T0 + 10 * H);
        assert_int_equal(col(f, "due_at", f->step2), T0 + 58 * H);
        assert_int_equal(count(f, "SELECT count(*) FROM obligation_filings WHERE kind = 'filed' AND channel = 'portal' "
                                  "AND reference = 'REG-2026-0042' AND by_actor = 'cora' AND attachment_size = 3 AND "
                                  "attachment_sha256 = "
                                  "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'"),
                         1);
        /* Once only. */
        assert_int_equal(file(f, f->step1, &in, &o), -VG_ECONFLICT);

        /* Bad corrections change nothing. */
        assert_int_equal(correct(f, f->step1, T0 + 8 * H, "", &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "reason");
        assert_int_equal(correct(f, f->step1, NOW + S, "clock", &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "at");
        assert_int_equal(correct(f, f->step1, T0 - H, "clock", &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "at");
        assert_int_equal(correct(f, f->step1, T0 + 10 * H, "clock", &o), -VG_EVALIDATION);
        assert_int_equal(count(f, "SELECT count(*) FROM obligation_filings"), 1);
        assert_int_equal(col(f, "due_at", f->step2), T0 + 58 * H);

        assert_int_equal(correct(f, f->step1, T0 + 8 * H, "the portal's receipt says 08:00", &o), 0);
        assert_int_equal(col(f, "sent_at", f->step1), T0 + 8 * H);
        assert_int_equal(col(f, "due_at", f->step2), T0 + 56 * H);
        assert_int_equal(count(f, "SELECT count(*) FROM obligation_filings WHERE kind = 'filed' AND at = "
                                  "1780036000000000"),
                         1); /* the first record stays */
        assert_int_equal(count(f, "SELECT count(*) FROM obligation_filings WHERE kind = 'correction' AND at = "
                                  "1780028800000000 AND previous_at = 1780036000000000 AND reason LIKE '%receipt%'"),
                         1);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'incident.obligation.sent_corrected' "
                                  "AND change LIKE '%old_sent_at%' AND change LIKE '%new_sent_at%'"),
                         1);

        /* The history, oldest first. */
        struct store_tx *tx;
        json_t *items = NULL;
        case_outcome_init(&o);
        assert_int_equal(store_begin_read(f->s, &tx), 0);
        assert_int_equal(case_filing_list(tx, f->key, f->step1, &items, &o), 0);
        assert_int_equal(case_filing_list(tx, "INC-2099-9999", 0, &(json_t *){ NULL }, &o), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_int_equal(json_array_size(items), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "kind")), "filed");
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "kind")), "correction");
        assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(items, 0), "attachment"),
                                                              "name")),
                            "ack.txt");
        json_decref(items);
}

/* A tenant's own duty is filed like the provider's. */
static void a_tenant_duty_is_filed(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        const struct filing_input in = { .at = T0 + 20 * H, .channel = "email", .reference = "ACME-7" };
        assert_int_equal(file(f, f->own, &in, &o), 0);
        assert_int_equal(col(f, "sent_at", f->own), T0 + 20 * H);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'incident.obligation.sent' AND change "
                                  "LIKE '%ACME-7%'"),
                         1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(bad_filings_change_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(a_correction_moves_the_later_stage, setup, teardown),
                cmocka_unit_test_setup_teardown(a_tenant_duty_is_filed, setup, teardown),
        };
        return cmocka_run_group_tests_name("filing-cases", tests, NULL, NULL);
}
