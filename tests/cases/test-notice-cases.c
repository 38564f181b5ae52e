/* The notice and obligation use cases without HTTP, on a throw-away
 * SQLite database: compose and release (messages, deliveries, jobs,
 * contracts met), the two-person rule, an obligation sent, waived and
 * reminded, each with its audit record - and a refusal changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/templates.h"
#include "cases/notices.h"
#include "cases/obligations.h"
#include "core/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1780000000000000) /* 2026-05-28 */
#define S  VG_USEC_PER_SEC

static const struct actor cora = { .user_id = 0, .name = "cora", .request_id = "req-1" };
static const struct actor bob = { .user_id = 0, .name = "bob", .request_id = "req-2" };

struct fixture {
        char dir[64];
        char path[96];
        char url[112];
        struct store *s;
        struct notice_templates templates;
        char two_person[1][8];
        struct config_provider provider;
        struct notice_policy policy;
        char key[INCIDENT_KEY_MAX], other[INCIDENT_KEY_MAX];
        int64_t contract_acme, contract_ghost, provider_duty, elsewhere;
};

static int64_t insert_incident(struct store_tx *tx, const char *title, char key[INCIDENT_KEY_MAX])
{
        struct incident inc = { .severity = SEV2,
                                .source = SOURCE_MONITORING,
                                .phase = PHASE_ANALYSIS,
                                .classification = CLASS_SUSPECTED,
                                .detected_at = T0,
                                .reported_at = T0,
                                .created_at = T0,
                                .updated_at = T0 };
        snprintf(inc.title, sizeof inc.title, "%s", title);
        snprintf(inc.reporter, sizeof inc.reporter, "alice");
        inc.description = strdup("");
        if (store_incident_insert(tx, &inc) < 0)
                inc.id = -1;
        snprintf(key, INCIDENT_KEY_MAX, "%s", inc.key);
        incident_fini(&inc);
        return inc.id;
}

static int64_t put_obligation_due(struct store_tx *tx, int64_t incident_id, const char *tenant,
                                  const char *rule, const char *duty, vg_usec_t due)
{
        struct obligation o = {.incident_id = incident_id,
                               .recipient = "the tenant",
                               .citation = "MSA 9.2",
                               .anchor_at = T0,
                               .due_at = due,
                               .computed_at = T0};
        snprintf(o.tenant, sizeof o.tenant, "%s", tenant);
        snprintf(o.rule_id, sizeof o.rule_id, "%s", rule);
        snprintf(o.rules_version, sizeof o.rules_version, "test");
        snprintf(o.duty, sizeof o.duty, "%s", duty);
        snprintf(o.stage, sizeof o.stage, "initial");
        snprintf(o.anchor, sizeof o.anchor, "declared");
        return store_obligation_put(tx, &o) < 0 ? -1 : o.id;
}

static int64_t put_obligation(struct store_tx *tx, int64_t incident_id, const char *tenant,
                              const char *rule, const char *duty)
{
        return put_obligation_due(tx, incident_id, tenant, rule, duty, T0 + 72 * 3600 * S);
}

static int add_user(struct store_tx *tx, const char *name, enum role role, const char *email)
{
        struct user u = { .role = role, .created_at = T0, .updated_at = T0 };
        snprintf(u.name, sizeof u.name, "%s", name);
        snprintf(u.password_hash, sizeof u.password_hash, "x");
        snprintf(u.email, sizeof u.email, "%s", email);
        snprintf(u.time_zone, sizeof u.time_zone, "UTC");
        snprintf(u.contacts, sizeof u.contacts, "[]");
        return store_user_insert(tx, &u);
}

/* An incident in analysis with four tenants in scope: acme (two contacts
 * and a webhook), globex (one contact), ghost (no tenant record) and
 * gone (ruled out); contract obligations for acme and ghost and one of
 * the provider's; a second incident with an obligation of its own. */
static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256], dir[512];
        struct store_tx *tx;
        const char *root = getenv("VIGIL_SOURCE_ROOT");
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-notice-cases-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/v.db", f->dir);
        snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
        snprintf(dir, sizeof dir, "%s/etc/notices", root ? root : ".");
        if (notice_templates_load(dir, &f->templates, err, sizeof err) < 0) {
                fprintf(stderr, "templates: %s\n", err);
                return -1;
        }
        if (store_open(f->url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "store_open: %s\n", err);
                return -1;
        }
        snprintf(f->two_person[0], sizeof f->two_person[0], "sev2");
        f->policy = (struct notice_policy){ .two_person = f->two_person,
                                            .n_two_person = 1,
                                            .templates = &f->templates,
                                            .rules = NULL, /* nothing declared: the recompute keeps the rows */
                                            .provider = &f->provider };
        if (store_begin(f->s, &tx) < 0)
                return -1;
        int64_t id = insert_incident(tx, "exfiltration", f->key);
        int64_t other = insert_incident(tx, "phishing", f->other);
        struct scope_tenant scope[4] = { { .tenant = "acme", .status = TENANT_CONFIRMED, .evidence = "" },
                                         { .tenant = "ghost", .status = TENANT_SUSPECTED, .evidence = "" },
                                         { .tenant = "globex", .status = TENANT_CONFIRMED, .evidence = "" },
                                         { .tenant = "gone", .status = TENANT_RULED_OUT, .evidence = "" } };
        int changed;
        int r = id > 0 && other > 0 ? store_incident_tenants_set(tx, id, scope, 4) : -1;
        if (r >= 0)
                r = store_tenant_put(tx, "acme", "Acme Corp",
                                     "{\"contacts\":[{\"email\":\"ciso@acme.example\"},{\"email\":\"dpo@acme.example\"}],"
                                     "\"webhook\":\"https://hooks.acme.example/vigil\"}",
                                     T0, &changed);
        if (r >= 0)
                r = store_tenant_put(tx, "globex", "Globex", "{\"contacts\":[{\"email\":\"sec@globex.example\"}]}", T0,
                                     &changed);
        if (r >= 0)
                r = store_tenant_put(tx, "gone", "Gone Ltd", "{\"contacts\":[{\"email\":\"x@gone.example\"}]}", T0,
                                     &changed);
        f->contract_acme = put_obligation(tx, id, "acme", "CONTRACT", "tenant");
        f->contract_ghost = put_obligation(tx, id, "ghost", "CONTRACT", "tenant");
        f->provider_duty = put_obligation(tx, id, "", "GDPR-33", "provider");
        f->elsewhere = put_obligation(tx, other, "", "GDPR-33", "provider");
        if (r >= 0)
                r = add_user(tx, "cora", ROLE_COMMUNICATIONS, "cora@provider.example");
        if (r >= 0)
                r = add_user(tx, "carl", ROLE_COMMUNICATIONS, "carl@provider.example");
        if (r >= 0)
                r = add_user(tx, "eve", ROLE_EXECUTIVE_INCIDENT_MANAGER, "eve@provider.example");
        if (r < 0 || f->contract_acme < 0 || f->contract_ghost < 0 || f->provider_duty < 0 || f->elsewhere < 0 ||
            store_commit(tx) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[200];
        store_close(f->s);
        notice_templates_fini(&f->templates);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
                return -1;
        free(f);
        return 0;
}

/* One number from the committed database, read beside the store. */
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

static long long audits(struct fixture *f, const char *action)
{
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
        return count(f, sql);
}

static void status_of(struct fixture *f, int64_t id, char out[16])
{
        char sql[128];
        sqlite3 *db;
        sqlite3_stmt *st;
        snprintf(sql, sizeof sql, "SELECT status FROM obligations WHERE id = %lld", (long long)id);
        assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        snprintf(out, 16, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(db);
}

#define assert_status(f, id, want)                                                                                  \
        do {                                                                                                        \
                char got_[16];                                                                                      \
                status_of(f, id, got_);                                                                             \
                assert_string_equal(got_, want);                                                                    \
        } while (0)

/* Compose in its own transaction, as a door runs it. */
static int compose(struct fixture *f, const struct notice_draft *d, int64_t *ret_id, struct case_outcome *o)
{
        struct store_tx *tx;
        json_t *j = NULL;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_notice_compose(tx, &cora, T0 + 10 * S, f->key, d, &j, o);
        r = store_finish(tx, r);
        if (r >= 0) {
                assert_non_null(j);
                *ret_id = json_integer_value(json_object_get(j, "id"));
                assert_string_equal(json_string_value(json_object_get(j, "composed_by")), "cora");
        } else {
                assert_null(j);
        }
        json_decref(j);
        return r;
}

static int release(struct fixture *f, const struct actor *a, int64_t id, unsigned *messages, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_notice_release(tx, a, T0 + 20 * S, &f->policy, f->key, id, messages, o);
        return store_finish(tx, r);
}

static const struct notice_draft good = { .kind = "initial",
                                          .nature = "Unauthorised read of a storage bucket",
                                          .user_impact = "About 2,000 users",
                                          .mitigation = "none applicable",
                                          .next_steps = "We are rotating the keys",
                                          .next_update_at = T0 + 86400 * S };

/* A draft that breaks a rule is refused, names the field, and writes
 * nothing. */
static void compose_checks_the_draft(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        int64_t id = 0;

        struct notice_draft d = good;
        d.next_steps = NULL;
        d.next_update_at = VG_TIME_UNSET;
        d.mitigation = "";
        assert_int_equal(compose(f, &d, &id, &o), -VG_EVALIDATION);
        assert_int_equal(o.errors.n, 3);
        assert_string_equal(o.errors.e[0].field, "mitigation");
        assert_string_equal(o.errors.e[1].field, "next_steps");
        assert_string_equal(o.errors.e[1].message, "is required while the investigation is open");
        assert_string_equal(o.errors.e[2].field, "next_update_at");

        d = good;
        d.next_update_at = T0 + 5 * S; /* before now */
        assert_int_equal(compose(f, &d, &id, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "next_update_at");
        assert_string_equal(o.errors.e[0].message, "must be in the future");

        const char *const named[] = { "acme", "gone", NULL, "acme" };
        d = good;
        d.tenants = named;
        d.n_tenants = 4;
        assert_int_equal(compose(f, &d, &id, &o), -VG_EVALIDATION);
        assert_int_equal(o.errors.n, 3);
        assert_string_equal(o.errors.e[0].field, "tenants[1]"); /* ruled out */
        assert_string_equal(o.errors.e[0].message, "is not in the incident's scope");
        assert_string_equal(o.errors.e[1].field, "tenants[2]");
        assert_string_equal(o.errors.e[2].field, "tenants[3]");
        assert_string_equal(o.errors.e[2].message, "is listed twice");

        d = good;
        d.kind = "weekly";
        assert_int_equal(compose(f, &d, &id, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "kind");

        struct store_tx *tx;
        json_t *j = NULL;
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_notice_compose(tx, &cora, T0 + 10 * S, "INC-2026-9999", &good, &j, &o), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_null(j);
        assert_string_equal(o.detail, "no incident INC-2026-9999");

        assert_int_equal(count(f, "SELECT count(*) FROM notices"), 0);
        assert_int_equal(audits(f, "incident.notice.compose"), 0);

        /* A final notice needs no next steps, even while investigating. */
        d = good;
        d.kind = "final";
        d.next_steps = NULL;
        d.next_update_at = VG_TIME_UNSET;
        d.tenants = named;
        d.n_tenants = 1;
        assert_int_equal(compose(f, &d, &id, &o), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM notices"), 1);
        assert_int_equal(count(f, "SELECT count(*) FROM notices WHERE tenants = '[\"acme\"]'"), 1);
        assert_int_equal(audits(f, "incident.notice.compose"), 1);
}

/* Release queues a message per contact and webhook with its delivery and
 * its job, meets the contract of each tenant reached (not of one without
 * a record) and is recorded; a second release is refused. */
static void release_queues_and_meets_contracts(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        int64_t id = 0;
        unsigned messages = 0;

        assert_int_equal(compose(f, &good, &id, &o), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM notices WHERE tenants = '[\"acme\",\"ghost\",\"globex\"]'"), 1);
        assert_int_equal(release(f, &bob, id, &messages, &o), 0);
        assert_int_equal(messages, 4); /* acme: 2 emails and its webhook; globex: 1 email */
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 4);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND "
                                  "address = 'https://hooks.acme.example/vigil'"),
                         1);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE channel = 'email' AND subject LIKE '%Globex%' "
                                  "AND body NOT LIKE '%Acme%'"),
                         1);
        assert_int_equal(count(f, "SELECT count(*) FROM notice_deliveries d JOIN outbox m ON m.id = d.outbox_id"), 4);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'deliver'"), 4);
        assert_int_equal(count(f, "SELECT count(*) FROM notices WHERE released_by = 'bob'"), 1);
        assert_status(f, f->contract_acme, "sent");
        assert_status(f, f->contract_ghost, "open");
        assert_status(f, f->provider_duty, "open");
        assert_int_equal(audits(f, "incident.notice.release"), 1);

        assert_int_equal(release(f, &bob, id, &messages, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "was released already"));
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 4);
        assert_int_equal(audits(f, "incident.notice.release"), 1);

        /* A notice of another incident is not this one's. */
        assert_int_equal(release(f, &bob, id + 100, &messages, &o), -VG_ENOTFOUND);
        char want[96];
        snprintf(want, sizeof want, "no notice %lld on %s", (long long)(id + 100), f->key);
        assert_string_equal(o.detail, want);
}

/* At a severity of notices.two_person the composer may not release alone:
 * refused, with nothing released, queued or met; a second person may. */
static void two_person_rule_refuses_the_composer(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        int64_t id = 0;
        unsigned messages = 99;

        assert_int_equal(compose(f, &good, &id, &o), 0);
        assert_int_equal(release(f, &cora, id, &messages, &o), -VG_ECONFLICT);
        assert_int_equal(messages, 99);
        assert_string_equal(o.detail, "a sev2 notice needs a second person: cora composed it (the incident has been "
                                      "sev2 since the notice was composed)");
        assert_int_equal(count(f, "SELECT count(*) FROM notices WHERE released_at IS NOT NULL"), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM notice_deliveries"), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'deliver'"), 0);
        assert_status(f, f->contract_acme, "open");
        assert_int_equal(audits(f, "incident.notice.release"), 0);

        /* Without the rule for sev2 the composer may release it. */
        f->policy.n_two_person = 0;
        assert_int_equal(release(f, &cora, id, &messages, &o), 0);
        assert_int_equal(messages, 4);
        assert_status(f, f->contract_acme, "sent");
}

static int sent(struct fixture *f, const char *key, int64_t id, vg_usec_t at, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_obligation_sent(tx, &cora, T0 + 100 * S, NULL, &f->provider, key, id, at, o);
        return store_finish(tx, r);
}

static int waive(struct fixture *f, const char *key, int64_t id, const char *reason, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_obligation_waive(tx, &bob, T0 + 200 * S, key, id, reason, o);
        return store_finish(tx, r);
}

/* Sent: once, at a time not in the future, on its own incident, with its
 * audit record; each refusal changes nothing. */
static void obligation_sent_once(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        char want[96];

        assert_int_equal(sent(f, f->key, f->provider_duty, T0 + 101 * S, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "at");
        assert_int_equal(sent(f, f->key, f->elsewhere, T0 + 50 * S, &o), -VG_ENOTFOUND);
        snprintf(want, sizeof want, "no obligation %lld on %s", (long long)f->elsewhere, f->key);
        assert_string_equal(o.detail, want);
        assert_int_equal(sent(f, "INC-2026-9999", f->provider_duty, T0 + 50 * S, &o), -VG_ENOTFOUND);
        assert_status(f, f->provider_duty, "open");
        assert_status(f, f->elsewhere, "open");
        assert_int_equal(audits(f, "incident.obligation.sent"), 0);

        assert_int_equal(sent(f, f->key, f->provider_duty, T0 + 50 * S, &o), 0);
        assert_status(f, f->provider_duty, "sent");
        snprintf(want, sizeof want, "SELECT sent_at FROM obligations WHERE id = %lld", (long long)f->provider_duty);
        assert_int_equal(count(f, want), T0 + 50 * S);
        assert_int_equal(audits(f, "incident.obligation.sent"), 1);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'incident.obligation.sent' AND "
                                  "actor LIKE '%cora%'"),
                         1);

        assert_int_equal(sent(f, f->key, f->provider_duty, T0 + 60 * S, &o), -VG_ECONFLICT);
        snprintf(want, sizeof want, "obligation %lld is not open", (long long)f->provider_duty);
        assert_string_equal(o.detail, want);
        assert_int_equal(count(f, "SELECT sent_at FROM obligations WHERE rule_id = 'GDPR-33' AND status = 'sent'"),
                         T0 + 50 * S);
        assert_int_equal(audits(f, "incident.obligation.sent"), 1);
}

/* Waived: with a reason, once, on its own incident, with its audit
 * record; each refusal changes nothing. */
static void obligation_waived_with_a_reason(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        char want[96];

        assert_int_equal(waive(f, f->key, f->contract_ghost, "", &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "reason");
        assert_string_equal(o.errors.e[0].message, "must say why the obligation does not apply");
        assert_int_equal(waive(f, f->key, f->contract_ghost, NULL, &o), -VG_EVALIDATION);
        assert_int_equal(waive(f, f->key, f->elsewhere, "not ours", &o), -VG_ENOTFOUND);
        snprintf(want, sizeof want, "%s has no obligation %lld", f->key, (long long)f->elsewhere);
        assert_string_equal(o.detail, want);
        assert_int_equal(waive(f, "INC-2026-9999", f->contract_ghost, "not ours", &o), -VG_ENOTFOUND);
        assert_string_equal(o.detail, "no incident INC-2026-9999");
        assert_status(f, f->contract_ghost, "open");
        assert_status(f, f->elsewhere, "open");
        assert_int_equal(audits(f, "incident.obligation.waive"), 0);

        assert_int_equal(waive(f, f->key, f->contract_ghost, "ghost has no contract with us", &o), 0);
        assert_status(f, f->contract_ghost, "waived");
        assert_int_equal(count(f, "SELECT count(*) FROM obligations WHERE waived_reason = "
                                  "'ghost has no contract with us'"),
                         1);
        assert_int_equal(audits(f, "incident.obligation.waive"), 1);

        assert_int_equal(waive(f, f->key, f->contract_ghost, "again", &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "is not open"));
        assert_int_equal(audits(f, "incident.obligation.waive"), 1);
}

/* The clock of rule's group on the fixture's incident. */
static int remind(struct fixture *f, const char *rule, vg_usec_t due, int mark)
{
        static const struct actor clock = { .user_id = 0, .name = "system", .request_id = NULL };
        struct store_tx *tx;
        struct incident inc;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
        int r = case_obligation_remind(tx, &clock, T0 + 300 * S, inc.id, rule, due, mark, 0);
        incident_fini(&inc);
        return store_finish(tx, r);
}

/* A clock tells the role once per mark, and nothing when the obligation
 * moved or is no longer open. */
static void obligation_clock_tells_once(void **state)
{
        struct fixture *f = *state;
        vg_usec_t due = T0 + 72 * 3600 * S;

        assert_int_equal(remind(f, "GDPR-33", due, 50), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE subject LIKE '[Vigil] 50% of the time used%'"), 2);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE address = 'eve@provider.example'"), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'deliver'"), 2);
        assert_int_equal(audits(f, "incident.obligation.reminder"), 1);

        /* Ran twice: recorded again, telling nobody anew. */
        assert_int_equal(remind(f, "GDPR-33", due, 50), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 2);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'deliver'"), 2);
        assert_int_equal(audits(f, "incident.obligation.reminder"), 2);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'incident.obligation.reminder' AND "
                                  "change LIKE '%\"told\":[]%'"),
                         1);

        assert_int_equal(remind(f, "GDPR-33", due, 100), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE address = 'eve@provider.example' AND "
                                  "subject LIKE '[Vigil] OVERDUE GDPR-33%'"),
                         1);
        assert_int_equal(audits(f, "incident.obligation.overdue"), 1);

        /* Moved, or gone: nothing. */
        assert_int_equal(remind(f, "GDPR-33", due + S, 75), 0);
        assert_int_equal(remind(f, "NO-SUCH-RULE", due, 75), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 3);
        assert_int_equal(audits(f, "incident.obligation.reminder"), 2);
}

/* The provider's duties of one rule that end together remind as one
 * group: one message per person naming how many and which, not one per
 * tenant (100,000 tenants would be 100,000 messages each); a duty met
 * leaves the group; one that joins after a mark went out changes the
 * members, so the next run tells again. */
static void clock_groups_remind_once(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        struct incident inc;
        vg_usec_t due = T0 + 72 * 3600 * S;
        int64_t ids[3];
        const char *who[] = {"acme", "globex", "ghost"};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
        for (int i = 0; i < 3; i++)
                assert_true((ids[i] = put_obligation(tx, inc.id, who[i], "NIS2-CUST", "provider")) >
                            0);
        assert_true(put_obligation(tx, inc.id, "gone", "NIS2-CUST", "tenant") >
                    0); /* not the provider's */
        assert_true(put_obligation_due(tx, inc.id, "", "NIS2-CUST", "provider", due + S) > 0);
        /* One whose clock has not started: last in the list, in no group. */
        assert_true(put_obligation_due(tx, inc.id, "nodue", "NIS2-CUST", "provider",
                                       VG_TIME_UNSET) > 0);
        incident_fini(&inc);
        assert_int_equal(store_commit(tx), 0);

        assert_int_equal(remind(f, "NIS2-CUST", due, 50), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 2); /* cora and carl, once each */
        assert_int_equal(
                count(f,
                      "SELECT count(*) FROM outbox WHERE subject LIKE "
                      "'[Vigil] 50% of the time used: NIS2-CUST for 3 tenants on %' AND body LIKE "
                      "'%Still open for: acme, globex, ghost%' AND body LIKE '%--rule NIS2-CUST "
                      "--status open%'"),
                2);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = "
                                  "'incident.obligation.reminder' AND "
                                  "change LIKE '%\"obligations\":3%'"),
                         1);
        /* Twice: nobody told anew. */
        assert_int_equal(remind(f, "NIS2-CUST", due, 50), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 2);

        /* acme's is met: two left, named at the next mark. */
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_obligation_sent(tx, ids[0], T0 + 3600 * S), 0);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(remind(f, "NIS2-CUST", due, 75), 0);
        assert_int_equal(
                count(f,
                      "SELECT count(*) FROM outbox WHERE subject LIKE "
                      "'[Vigil] 75% of the time used: NIS2-CUST for 2 tenants on %' AND body LIKE "
                      "'%Still open for: globex, ghost%'"),
                2);

        /* The 75 % mark run again after a duty joined: told again. */
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
        assert_true(put_obligation(tx, inc.id, "late", "NIS2-CUST", "provider") > 0);
        incident_fini(&inc);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(remind(f, "NIS2-CUST", due, 75), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE subject LIKE '%NIS2-CUST for "
                                  "3 tenants%' AND "
                                  "body LIKE '%Still open for: globex, ghost, late%'"),
                         2);
        /* A clock queued per obligation before the groups: that one alone. */
        {
                static const struct actor clock = {
                        .user_id = 0, .name = "system", .request_id = NULL};
                assert_int_equal(store_begin(f->s, &tx), 0);
                assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
                int r = case_obligation_remind(tx, &clock, T0 + 300 * S, inc.id, "NIS2-CUST", due,
                                               90, ids[1]);
                incident_fini(&inc);
                assert_int_equal(store_finish(tx, r), 0);
        }
        assert_int_equal(
                count(f, "SELECT count(*) FROM outbox WHERE subject LIKE "
                         "'[Vigil] 90% of the time used: NIS2-CUST for globex on %' AND body LIKE "
                         "'%vigil obligations sent %'"),
                2);
        /* The provider's own, ending a second later, is its own group. */
        assert_int_equal(remind(f, "NIS2-CUST", due + S, 100), 0);
        assert_int_equal(
                count(f, "SELECT count(*) FROM outbox WHERE address = 'eve@provider.example' AND "
                         "subject LIKE '[Vigil] OVERDUE NIS2-CUST for the provider itself on %'"),
                1);
}

/* A duty "without undue delay": its clock runs to its internal target,
 * not to its due time (the anchor, "at once"): a reminder for the due
 * time is a clock that moved and says nothing; at 100 % of the target the
 * executives hear that the target passed - never that it is overdue. */
static void asap_clock_runs_to_its_target(void **state)
{
        struct fixture *f = *state;
        struct store_tx *tx;
        vg_usec_t target = T0 + 24 * 3600 * S;
        struct obligation o = { .incident_id = 0, .recipient = "the controller", .citation = "FADP 24(3)",
                                .anchor_at = T0, .due_at = T0, .target_at = target, .computed_at = T0 };
        assert_int_equal(store_begin(f->s, &tx), 0);
        struct incident inc;
        assert_int_equal(store_incident_get(tx, f->key, &inc), 0);
        o.incident_id = inc.id;
        incident_fini(&inc);
        snprintf(o.tenant, sizeof o.tenant, "acme");
        snprintf(o.rule_id, sizeof o.rule_id, "CH-FADP-24-PROC");
        snprintf(o.rules_version, sizeof o.rules_version, "test");
        snprintf(o.duty, sizeof o.duty, "provider");
        snprintf(o.stage, sizeof o.stage, "single");
        snprintf(o.anchor, sizeof o.anchor, "aware");
        snprintf(o.deadline_kind, sizeof o.deadline_kind, "asap");
        assert_int_equal(store_obligation_put(tx, &o), 0);
        assert_int_equal(store_commit(tx), 0);

        assert_int_equal(remind(f, "CH-FADP-24-PROC", T0, 100),
                         0); /* the due time is not its clock */
        assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 0);
        assert_int_equal(remind(f, "CH-FADP-24-PROC", target, 90), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE subject LIKE "
                                  "'[Vigil] 90% of the target time used: CH-FADP-24-PROC for acme%' AND body LIKE "
                                  "'%due without undue delay; its internal target is approaching%'"),
                         2);
        assert_int_equal(audits(f, "incident.obligation.reminder"), 1);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'incident.obligation.reminder' AND "
                                  "change LIKE '%\"deadline_kind\":\"asap\"%' AND change LIKE '%\"target_at\"%'"),
                         1);
        assert_int_equal(remind(f, "CH-FADP-24-PROC", target, 100), 0);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE address = 'eve@provider.example' AND "
                                  "subject LIKE '[Vigil] TARGET PASSED CH-FADP-24-PROC for acme%'"),
                         1);
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE subject LIKE '%OVERDUE%'"), 0);
        assert_int_equal(audits(f, "incident.obligation.target_passed"), 1);
        assert_int_equal(audits(f, "incident.obligation.overdue"), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(compose_checks_the_draft, setup, teardown),
                cmocka_unit_test_setup_teardown(release_queues_and_meets_contracts, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(two_person_rule_refuses_the_composer, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(obligation_sent_once, setup, teardown),
                cmocka_unit_test_setup_teardown(asap_clock_runs_to_its_target, setup, teardown),
                cmocka_unit_test_setup_teardown(obligation_waived_with_a_reason, setup, teardown),
                cmocka_unit_test_setup_teardown(obligation_clock_tells_once, setup, teardown),
                cmocka_unit_test_setup_teardown(clock_groups_remind_once, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
