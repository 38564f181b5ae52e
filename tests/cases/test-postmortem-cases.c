/* The post-mortem and paging use cases without HTTP, on a throw-away
 * SQLite database, through the store as every door reaches it: the
 * post-mortem's draft, approval and reopening with the approver rules,
 * improvements and their reminders, the escalation steps, and who may
 * acknowledge a page. Every refusal is checked to change nothing: the
 * database's fingerprint (every row these use cases write) is the same
 * before and after. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/secret.h"
#include "cases/paging.h"
#include "cases/postmortem.h"
#include "core/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0  INT64_C(1780000000000000) /* 2026-05-28 */
#define S   VG_USEC_PER_SEC
#define DAY (24 * 3600 * S)

static const struct actor alice = {.user_id = 1, .name = "alice", .request_id = "req-a"};
static const struct actor ian = {.user_id = 2, .name = "ian", .request_id = "req-i"};
static const struct actor rita = {.user_id = 3, .name = "rita", .request_id = "req-r"};
static const struct actor bob = {.user_id = 4, .name = "bob", .request_id = "req-b"};
static const struct actor system_actor = {.user_id = 0, .name = "system", .request_id = NULL};
static const struct paging_config paging = {.public_url = "https://vigil.example", .sms = false};

struct fixture {
        char dir[64];
        char path[96];
        char url[112];
        struct store *s;
        sqlite3 *db; /* a second connection, to read what was written */
        char key[INCIDENT_KEY_MAX];
        int64_t incident_id;
};

static void add_user(struct store_tx *tx, const char *name, enum role role, const char *email,
                     bool disabled)
{
        struct user u = {.role = role, .disabled = disabled, .created_at = T0, .updated_at = T0};
        snprintf(u.name, sizeof u.name, "%s", name);
        snprintf(u.password_hash, sizeof u.password_hash, "x");
        snprintf(u.email, sizeof u.email, "%s", email);
        snprintf(u.time_zone, sizeof u.time_zone, "UTC");
        snprintf(u.contacts, sizeof u.contacts, "[]");
        if (role == ROLE_TENANT_ADMIN)
                snprintf(u.tenant, sizeof u.tenant, "acme");
        assert_int_equal(store_user_insert(tx, &u), 0);
}

/* A new incident, its key into key (INCIDENT_KEY_MAX). */
static int64_t add_incident(struct store_tx *tx, const char *title, char *key)
{
        struct incident inc = {.severity = SEV2,
                               .source = SOURCE_MONITORING,
                               .phase = PHASE_ANALYSIS,
                               .classification = CLASS_SUSPECTED,
                               .detected_at = T0,
                               .reported_at = T0,
                               .created_at = T0,
                               .updated_at = T0};
        snprintf(inc.title, sizeof inc.title, "%s", title);
        snprintf(inc.reporter, sizeof inc.reporter, "alice");
        inc.description = strdup("");
        assert_int_equal(store_incident_insert(tx, &inc), 0);
        snprintf(key, INCIDENT_KEY_MAX, "%s", inc.key);
        int64_t id = inc.id;
        incident_fini(&inc);
        return id;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        char err[256];
        struct store_tx *tx;
        snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-pm-cases-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/v.db", f->dir);
        snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
        if (store_open(f->url, &f->s, err, sizeof err) < 0) {
                fprintf(stderr, "store_open: %s\n", err);
                return -1;
        }
        if (store_begin(f->s, &tx) < 0)
                return -1;
        add_user(tx, "alice", ROLE_INCIDENT_MANAGER, "alice@example.com", false);
        add_user(tx, "ian", ROLE_INCIDENT_MANAGER, "ian@example.com", false);
        add_user(tx, "rita", ROLE_RESPONDER, "rita@example.com", false);
        add_user(tx, "bob", ROLE_RESPONDER, "bob@example.com", false);
        add_user(tx, "tina", ROLE_TENANT_ADMIN, "tina@acme.example", false);
        add_user(tx, "dora", ROLE_RESPONDER, "dora@example.com", true);
        f->incident_id = add_incident(tx, "exfiltration", f->key);
        if (store_commit(tx) < 0)
                return -1;
        if (sqlite3_open_v2(f->path, &f->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[200];
        sqlite3_close(f->db);
        store_close(f->s);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
                return -1;
        free(f);
        return 0;
}

/* The first column of the one row sql answers, as text into out. */
static const char *query(struct fixture *f, const char *sql, char *out, size_t size)
{
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, size, "%s", t ? (const char *)t : "");
        sqlite3_finalize(st);
        return out;
}

static long count(struct fixture *f, const char *sql)
{
        char buf[32];
        return strtol(query(f, sql, buf, sizeof buf), NULL, 10);
}

/* Every row the use cases under test write, as one text. */
#define FINGERPRINT_MAX 65536
static char *fingerprint(struct fixture *f)
{
        static const char sql[] =
                "SELECT (SELECT count(*) FROM audit_log) || '|' || (SELECT count(*) FROM jobs) || "
                "'|' ||"
                " (SELECT count(*) FROM outbox) || '|' || (SELECT count(*) FROM pages) || '|' ||"
                " coalesce((SELECT group_concat(id || ':' || acked_at) FROM pages), '') || '|' ||"
                " coalesce((SELECT group_concat(state || level || round || acked_by || acked_at) "
                "FROM escalations), '')"
                " || '|' || coalesce((SELECT group_concat(version || status || updated_by || "
                "approved_by ||"
                " approved_at || body) FROM postmortems), '') || '|' ||"
                " coalesce((SELECT group_concat(title || owner || kind || due_at || status || "
                "verification ||"
                " done_at || updated_at) FROM improvements), '') || '|' ||"
                " (SELECT group_concat(version || ':' || coalesce(acknowledged_at, '-')) FROM "
                "incidents)";
        char *out = malloc(FINGERPRINT_MAX);
        assert_non_null(out);
        return (char *)query(f, sql, out, FINGERPRINT_MAX);
}

static void assert_unchanged(struct fixture *f, char *before)
{
        char *after = fingerprint(f);
        assert_string_equal(before, after);
        free(after);
        free(before);
}

static long audits(struct fixture *f, const char *action)
{
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
        return count(f, sql);
}

/* ---- post-mortems ---- */

static int put(struct fixture *f, const struct actor *a, const char *summary, const char *impact,
               const char *factors_json, struct pm_result *res, struct case_outcome *o)
{
        struct store_tx *tx;
        const char *texts[PM_TEXTS] = {summary, impact, "what happened", NULL};
        json_t *factors = factors_json ? json_loads(factors_json, 0, NULL) : NULL;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_postmortem_put(tx, a, T0 + S, f->key, texts, factors, res, o);
        json_decref(factors);
        return store_finish(tx, r);
}

static int decide(struct fixture *f, const struct actor *a, bool approve, const char *reason,
                  struct pm_result *res, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = (approve ? case_postmortem_approve
                         : case_postmortem_reopen)(tx, a, T0 + 2 * S, f->key, reason, res, o);
        return store_finish(tx, r);
}

static int create_improvement(struct fixture *f, const struct actor *a, const char *factor,
                              const char *owner, vg_usec_t due, struct improvement_result *res,
                              struct case_outcome *o)
{
        struct store_tx *tx;
        struct improvement_change c = {.factor = factor,
                                       .title = "rotate the keys",
                                       .owner = owner,
                                       .kind = "prevent",
                                       .has_due = true,
                                       .due_at = due};
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_improvement_create(tx, a, T0 + S, f->key, &c, res, o);
        return store_finish(tx, r);
}

static int update_improvement(struct fixture *f, int64_t id, const struct improvement_change *c,
                              struct improvement_result *res, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_improvement_update(tx, &alice, T0 + 3 * S, id, c, res, o);
        return store_finish(tx, r);
}

static bool has_error(const struct case_outcome *o, const char *field, const char *words)
{
        for (size_t i = 0; i < o->errors.n; i++)
                if (strcmp(o->errors.e[i].field, field) == 0 &&
                    (!words || strstr(o->errors.e[i].message, words)))
                        return true;
        return false;
}

/* A draft, its factors given ids; approval refused until complete and
 * when its last editor tries; approved, it cannot change until reopened. */
static void postmortem_draft_approve_reopen(void **state)
{
        struct fixture *f = *state;
        struct pm_result res;
        struct case_outcome o;
        struct improvement_result imp;
        char buf[256];

        assert_int_equal(put(f, &alice, "keys leaked", NULL,
                             "[{\"kind\":\"technical_lapse\",\"description\":\"no rotation\"}]",
                             &res, &o),
                         0);
        assert_true(res.created);
        assert_int_equal(res.p.version, 1);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(res.factors, 0), "id")), "F1");
        pm_result_fini(&res);
        assert_int_equal(audits(f, "incident.postmortem.edit"), 1);
        assert_string_equal(
                query(f, "SELECT updated_by || status FROM postmortems", buf, sizeof buf),
                "alicedraft");

        /* Not complete: no impact, and F1 has no improvement. */
        char *before = fingerprint(f);
        assert_int_equal(decide(f, &ian, true, NULL, &res, &o), -VG_ECONFLICT);
        assert_true(has_error(&o, "impact", NULL));
        assert_true(has_error(&o, "factors.F1", NULL));
        assert_non_null(strstr(o.detail, "is not complete: 2 criterion(s) unmet"));
        assert_unchanged(f, before);

        /* The second put keeps F1 and adds F2; the impact is written. */
        assert_int_equal(
                put(f, &alice, "keys leaked", "two tenants",
                    "[{\"id\":\"F1\",\"kind\":\"technical_lapse\",\"description\":\"no rotation\"},"
                    "{\"kind\":\"manual_error\",\"description\":\"pasted\"}]",
                    &res, &o),
                0);
        assert_false(res.created);
        assert_int_equal(res.p.version, 2);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(res.factors, 1), "id")), "F2");
        pm_result_fini(&res);

        /* Bad factors: an unknown id, a kind not in the list. */
        before = fingerprint(f);
        assert_int_equal(put(f, &alice, "x", "y",
                             "[{\"id\":\"F7\",\"kind\":\"fate\",\"description\":\"d\"}]", &res, &o),
                         -VG_EVALIDATION);
        assert_true(has_error(&o, "factors[0]", "no factor 'F7'"));
        assert_true(has_error(&o, "factors[0]", "kind must be"));
        assert_unchanged(f, before);

        assert_int_equal(create_improvement(f, &alice, "F1", "rita", T0 + 10 * DAY, &imp, &o), 0);
        assert_int_equal(create_improvement(f, &alice, "F2", "ian", T0 + 10 * DAY, &imp, &o), 0);

        /* A factor with an improvement cannot be removed. */
        before = fingerprint(f);
        assert_int_equal(put(f, &alice, "keys leaked", "two tenants",
                             "[{\"id\":\"F1\",\"kind\":\"technical_lapse\",\"description\":\"no "
                             "rotation\"}]",
                             &res, &o),
                         -VG_EVALIDATION);
        assert_true(
                has_error(&o, "factors", "factor F2 has 1 improvement(s); it cannot be removed"));
        assert_unchanged(f, before);

        /* Its last editor does not approve it. */
        before = fingerprint(f);
        assert_int_equal(decide(f, &alice, true, NULL, &res, &o), -VG_ECONFLICT);
        assert_string_equal(
                o.detail,
                "alice wrote the latest version; another incident manager reviews and approves it");
        assert_unchanged(f, before);

        assert_int_equal(decide(f, &ian, true, NULL, &res, &o), 0);
        assert_string_equal(res.incident, f->key);
        assert_string_equal(res.p.status, "approved");
        assert_string_equal(res.p.approved_by, "ian");
        assert_int_equal(res.p.approved_at, T0 + 2 * S);
        assert_int_equal(audits(f, "incident.postmortem.approve"), 1);
        assert_string_equal(
                query(f, "SELECT status || approved_by FROM postmortems", buf, sizeof buf),
                "approvedian");

        /* Approved: not again, and no edits until reopened. */
        before = fingerprint(f);
        assert_int_equal(decide(f, &ian, true, NULL, &res, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "is approved already"));
        assert_int_equal(put(f, &alice, "changed", "y", NULL, &res, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "reopen it to change it"));
        assert_int_equal(decide(f, &ian, false, NULL, &res, &o), -VG_EVALIDATION);
        assert_true(has_error(&o, "reason", "must say why"));
        assert_unchanged(f, before);

        assert_int_equal(decide(f, &ian, false, "the impact was wider", &res, &o), 0);
        assert_string_equal(res.p.status, "draft");
        assert_string_equal(res.p.approved_by, "");
        assert_int_equal(audits(f, "incident.postmortem.reopen"), 1);
        before = fingerprint(f);
        assert_int_equal(decide(f, &ian, false, "again", &res, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "is not approved"));
        assert_unchanged(f, before);
}

/* An incident without a post-mortem: no approval, no improvement; an
 * unknown incident: not found. */
static void postmortem_missing(void **state)
{
        struct fixture *f = *state;
        struct pm_result res;
        struct improvement_result imp;
        struct case_outcome o;
        struct store_tx *tx;
        char *before = fingerprint(f);
        assert_int_equal(decide(f, &ian, true, NULL, &res, &o), -VG_ENOTFOUND);
        assert_non_null(strstr(o.detail, "has no post-mortem yet"));
        assert_int_equal(create_improvement(f, &alice, "F1", "rita", T0 + DAY, &imp, &o),
                         -VG_EVALIDATION);
        assert_true(has_error(&o, "factor", "has no factor 'F1'"));
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        const char *texts[PM_TEXTS] = {"s", NULL, NULL, NULL};
        assert_int_equal(
                case_postmortem_put(tx, &alice, T0, "INC-1999-9999", texts, NULL, &res, &o),
                -VG_ENOTFOUND);
        store_rollback(tx);
        assert_string_equal(o.detail, "no incident INC-1999-9999");
        assert_unchanged(f, before);
}

/* Improvements: owners are enabled staff, done needs a verification note,
 * a new due date queues a new reminder; the reminder mails once a round
 * and does nothing once the improvement is done or moved. */
static void improvement_update_and_remind(void **state)
{
        struct fixture *f = *state;
        struct pm_result res;
        struct improvement_result imp;
        struct case_outcome o;
        struct store_tx *tx;
        struct improvement_reminder rem;
        char buf[256];
        assert_int_equal(put(f, &alice, "s", "i",
                             "[{\"kind\":\"technical_lapse\",\"description\":\"d\"}]", &res, &o),
                         0);
        pm_result_fini(&res);

        /* Owners: a tenant administrator, a disabled account, nobody. */
        const char *owners[] = {"tina", "dora", "nobody"};
        for (size_t i = 0; i < 3; i++) {
                char *before = fingerprint(f);
                assert_int_equal(create_improvement(f, &alice, "F1", owners[i], T0 + DAY, &imp, &o),
                                 -VG_EVALIDATION);
                assert_true(has_error(&o, "owner", "no staff user"));
                assert_unchanged(f, before);
        }
        /* Rules of the fields themselves. */
        struct improvement_change bad = {.factor = "F1",
                                         .title = "two\nlines",
                                         .owner = "rita",
                                         .kind = "pray",
                                         .has_due = true,
                                         .due_at = T0};
        char *before = fingerprint(f);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_improvement_create(tx, &alice, T0, f->key, &bad, &imp, &o),
                         -VG_EVALIDATION);
        store_rollback(tx);
        assert_true(has_error(&o, "title", NULL));
        assert_true(has_error(&o, "kind", "prevent, detect or respond"));
        assert_unchanged(f, before);

        assert_int_equal(create_improvement(f, &alice, "F1", "rita", T0 + 10 * DAY, &imp, &o), 0);
        int64_t id = imp.i.id;
        assert_string_equal(imp.incident, f->key);
        assert_string_equal(imp.i.status, "open");
        assert_string_equal(imp.i.created_by, "alice");
        assert_int_equal(audits(f, "incident.improvement.create"), 1);
        assert_int_equal(
                count(f, "SELECT count(*) FROM jobs WHERE kind = 'improvement.remind' AND due_at = "
                         "1780864000000000 AND payload LIKE '%\"round\":1}'"),
                1);

        /* Done without saying how it was checked; an unknown owner; no such improvement. */
        struct improvement_change done = {.status = "done"};
        struct improvement_change stranger = {.owner = "nobody"};
        before = fingerprint(f);
        assert_int_equal(update_improvement(f, id, &done, &imp, &o), -VG_EVALIDATION);
        assert_true(has_error(&o, "verification", "say how the improvement was verified"));
        assert_int_equal(update_improvement(f, id, &stranger, &imp, &o), -VG_EVALIDATION);
        assert_true(has_error(&o, "owner", "no staff user 'nobody'"));
        assert_int_equal(update_improvement(f, 999, &done, &imp, &o), -VG_ENOTFOUND);
        assert_string_equal(o.detail, "no improvement 999");
        assert_unchanged(f, before);

        /* Moved a day after T0: a new reminder; the old one is stale. */
        struct improvement_change moved = {
                .has_due = true, .due_at = T0 + DAY, .status = "in_progress"};
        assert_int_equal(update_improvement(f, id, &moved, &imp, &o), 0);
        assert_int_equal(imp.i.due_at, T0 + DAY);
        assert_string_equal(imp.i.status, "in_progress");
        assert_int_equal(audits(f, "incident.improvement.update"), 1);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'improvement.remind'"),
                         2);

        before = fingerprint(f);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_improvement_remind(tx, &system_actor, T0 + 11 * DAY, id,
                                                 T0 + 10 * DAY, 1, &rem),
                         0);
        assert_int_equal(store_commit(tx), 0);
        assert_true(rem.stale);
        assert_unchanged(f, before);

        /* Due: the owner is mailed, the timeline says so, round 2 is queued. */
        for (int i = 0; i < 2; i++) {
                assert_int_equal(store_begin(f->s, &tx), 0);
                assert_int_equal(case_improvement_remind(tx, &system_actor, T0 + 2 * DAY, id,
                                                         T0 + DAY, 1, &rem),
                                 0);
                assert_int_equal(store_commit(tx), 0);
                assert_false(rem.stale);
                assert_true(rem.emailed);
        }
        /* Twice the same round: one message. */
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE address = 'rita@example.com' "
                                  "AND subject LIKE "
                                  "'[Vigil] Overdue improvement %'"),
                         1);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'deliver'"), 1);
        assert_int_equal(audits(f, "incident.improvement.overdue"), 2);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'improvement.remind' AND "
                                  "payload LIKE "
                                  "'%\"round\":2}' AND due_at = 1780777600000000"),
                         2);

        struct improvement_change verified = {.status = "done",
                                              .verification = "keys rotated, checked in the vault"};
        assert_int_equal(update_improvement(f, id, &verified, &imp, &o), 0);
        assert_int_equal(imp.i.done_at, T0 + 3 * S);
        assert_string_equal(
                query(f, "SELECT status || verification FROM improvements", buf, sizeof buf),
                "donekeys rotated, checked in the vault");
        before = fingerprint(f);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(
                case_improvement_remind(tx, &system_actor, T0 + 9 * DAY, id, T0 + DAY, 2, &rem), 0);
        assert_int_equal(store_commit(tx), 0);
        assert_true(rem.stale);
        assert_unchanged(f, before);
}

/* ---- paging ---- */

static void org_put(struct fixture *f, const char *kind, const char *name, const char *body)
{
        struct store_tx *tx;
        int64_t version;
        int changed;
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_org_put(tx, kind, name, body, T0, &version, &changed), 0);
        assert_int_equal(store_commit(tx), 0);
}

/* Service payments pages policy sec: one level, rita, 5 minutes; no repeat. */
static void paging_setup(struct fixture *f)
{
        struct store_tx *tx;
        const char *services[] = {"payments"};
        org_put(f, "escalation_policy", "sec",
                "{\"levels\":[{\"delay_minutes\":5,\"targets\":[{\"type\":\"user\",\"name\":"
                "\"rita\"}]}],"
                "\"repeat\":0}");
        org_put(f, "service", "payments", "{\"escalation_policy\":\"sec\"}");
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_services_set(tx, f->incident_id, services, 1), 0);
        assert_int_equal(store_commit(tx), 0);
}

static int start(struct fixture *f, const char *key, struct escalation_start *st)
{
        struct store_tx *tx;
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_escalation_start(tx, &system_actor, T0 + S, key, "opened", st);
        return store_finish(tx, r);
}

static int step(struct fixture *f, int64_t id, int level, int round, vg_usec_t now,
                struct escalation_step *st)
{
        struct store_tx *tx;
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_escalation_step(tx, &system_actor, now, &paging, id, f->key, level, round, st);
        return store_finish(tx, r);
}

/* Start, page level 1, exhaust: the rows and jobs each step writes. */
static void escalation_steps(void **state)
{
        struct fixture *f = *state;
        struct escalation_start es;
        struct escalation_step st;
        char buf[256];
        paging_setup(f);
        long jobs0 = count(f, "SELECT count(*) FROM jobs");

        assert_int_equal(start(f, f->key, &es), 0);
        assert_int_equal(es.policies, 1);
        assert_int_equal(es.started, 1);
        assert_string_equal(query(f,
                                  "SELECT service || policy || trigger || state FROM escalations",
                                  buf, sizeof buf),
                            "paymentssecopenedactive");
        assert_int_equal(audits(f, "incident.escalation.start"), 1);
        assert_int_equal(
                count(f, "SELECT count(*) FROM jobs WHERE kind = 'escalate.step' AND payload LIKE "
                         "'%\"level\":1,%' AND due_at = 1780000001000000"),
                1);
        int64_t id = count(f, "SELECT id FROM escalations");

        /* Once started, not twice; an unknown incident writes nothing. */
        char *before = fingerprint(f);
        assert_int_equal(start(f, f->key, &es), 0);
        assert_int_equal(es.policies, 1);
        assert_int_equal(es.started, 0);
        assert_int_equal(start(f, "INC-1999-9999", &es), -VG_ENOTFOUND);
        assert_unchanged(f, before);

        /* Level 1: rita is paged by mail with her link; level 2 in 5 minutes. */
        assert_int_equal(step(f, id, 1, 0, T0 + 2 * S, &st), 0);
        assert_int_equal(st.what, STEP_PAGED);
        assert_int_equal(st.paged, 1);
        assert_int_equal(st.messages, 1);
        assert_int_equal(st.skipped + st.unreachable, 0);
        assert_string_equal(
                query(f, "SELECT user_name || level || round || via FROM pages", buf, sizeof buf),
                "rita10user:rita");
        assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE address = 'rita@example.com' "
                                  "AND body LIKE "
                                  "'%Acknowledge: https://vigil.example/ack/vga_%'"),
                         1);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'deliver'"), 1);
        assert_int_equal(
                count(f, "SELECT count(*) FROM jobs WHERE kind = 'escalate.step' AND payload LIKE "
                         "'%\"level\":2,%' AND due_at = 1780000302000000"),
                1);
        assert_string_equal(
                query(f, "SELECT state || level || round FROM escalations", buf, sizeof buf),
                "active10");
        assert_int_equal(audits(f, "incident.page"), 1);

        /* Past the last level with no repeat: exhausted, no more steps. */
        long steps = count(f, "SELECT count(*) FROM jobs WHERE kind = 'escalate.step'");
        assert_int_equal(step(f, id, 2, 0, T0 + 302 * S, &st), 0);
        assert_int_equal(st.what, STEP_EXHAUSTED);
        assert_string_equal(st.policy, "sec");
        assert_string_equal(query(f, "SELECT state FROM escalations", buf, sizeof buf),
                            "exhausted");
        assert_int_equal(audits(f, "incident.escalation.exhausted"), 1);
        assert_int_equal(count(f, "SELECT count(*) FROM jobs WHERE kind = 'escalate.step'"), steps);

        /* Over: a late step, or one that is not a step, writes nothing. */
        before = fingerprint(f);
        assert_int_equal(step(f, id, 1, 1, T0 + 400 * S, &st), 0);
        assert_int_equal(st.what, STEP_OVER);
        assert_int_equal(step(f, id, 0, 0, T0 + 400 * S, &st), -VG_EVALIDATION);
        assert_int_equal(step(f, 0, 1, 0, T0 + 400 * S, &st), -VG_EVALIDATION);
        assert_unchanged(f, before);
        assert_true(count(f, "SELECT count(*) FROM jobs") > jobs0);
}

/* Nobody to page: no policy for the incident's services and no
 * "default"; nobody on call at a level escalates at once. */
static void escalation_nobody(void **state)
{
        struct fixture *f = *state;
        struct escalation_start es;
        struct escalation_step st;
        struct store_tx *tx;
        char other[INCIDENT_KEY_MAX];
        assert_int_equal(store_begin(f->s, &tx), 0);
        add_incident(tx, "quiet", other);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(start(f, other, &es), 0);
        assert_int_equal(es.policies, 0);
        assert_int_equal(audits(f, "incident.escalation.none"), 1);
        assert_int_equal(count(f, "SELECT count(*) FROM escalations"), 0);

        /* A level whose one target is a disabled account. */
        org_put(f, "escalation_policy", "sec",
                "{\"levels\":[{\"delay_minutes\":5,\"targets\":[{\"type\":\"user\",\"name\":"
                "\"dora\"}]},"
                "{\"delay_minutes\":5,\"targets\":[]}],\"repeat\":0}");
        org_put(f, "service", "payments", "{\"escalation_policy\":\"sec\"}");
        const char *services[] = {"payments"};
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(store_incident_services_set(tx, f->incident_id, services, 1), 0);
        assert_int_equal(store_commit(tx), 0);
        assert_int_equal(start(f, f->key, &es), 0);
        int64_t id = count(f, "SELECT id FROM escalations");
        assert_int_equal(step(f, id, 1, 0, T0 + 2 * S, &st), 0);
        assert_int_equal(st.what, STEP_PAGED);
        assert_int_equal(st.skipped, 1);
        assert_string_equal(st.skipped_user, "dora");
        assert_int_equal(count(f, "SELECT count(*) FROM pages"), 0);
        assert_int_equal(step(f, id, 2, 0, T0 + 3 * S, &st), 0);
        assert_int_equal(st.what, STEP_NOBODY);
        assert_int_equal(audits(f, "incident.page.nobody"), 1);
        assert_int_equal(
                count(f, "SELECT count(*) FROM jobs WHERE kind = 'escalate.step' AND payload LIKE "
                         "'%\"level\":3,%' AND due_at = 1780000003000000"),
                1);
}

static int ack(struct fixture *f, const struct actor *a, enum role role, int64_t page,
               const char *reason, struct case_outcome *o)
{
        struct store_tx *tx;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        int r = case_page_ack(tx, a, role, T0 + 60 * S, page, reason, o);
        return store_finish(tx, r);
}

/* The person paged acknowledges; a colleague cannot; an incident manager
 * can with a reason; once is enough. */
static void page_ack_rules(void **state)
{
        struct fixture *f = *state;
        struct escalation_start es;
        struct escalation_step st;
        struct case_outcome o;
        char buf[256];
        paging_setup(f);
        assert_int_equal(start(f, f->key, &es), 0);
        assert_int_equal(step(f, count(f, "SELECT id FROM escalations"), 1, 0, T0 + 2 * S, &st), 0);
        int64_t page = count(f, "SELECT id FROM pages");

        char *before = fingerprint(f);
        assert_int_equal(ack(f, &bob, ROLE_RESPONDER, page, "I saw it", &o), -VG_EFORBIDDEN);
        assert_non_null(strstr(o.detail, "is rita's: only the person paged acknowledges it"));
        assert_int_equal(ack(f, &ian, ROLE_INCIDENT_MANAGER, page, NULL, &o), -VG_EVALIDATION);
        assert_true(has_error(&o, "reason", "is required to acknowledge rita's page for them"));
        assert_int_equal(ack(f, &rita, ROLE_RESPONDER, 999, NULL, &o), -VG_ENOTFOUND);
        assert_string_equal(o.detail, "no page 999");
        assert_unchanged(f, before);

        assert_int_equal(ack(f, &ian, ROLE_INCIDENT_MANAGER, page, "rita is on a plane", &o), 0);
        assert_int_equal(count(f, "SELECT acked_at FROM pages"), T0 + 60 * S);
        assert_string_equal(query(f, "SELECT state || acked_by FROM escalations", buf, sizeof buf),
                            "acknowledgedian");
        assert_int_equal(count(f, "SELECT acknowledged_at FROM incidents"), T0 + 60 * S);
        assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = "
                                  "'incident.page.ack' AND actor = 'user:ian'"
                                  " AND change LIKE '%rita is on a plane%'"),
                         1);

        before = fingerprint(f);
        assert_int_equal(ack(f, &rita, ROLE_RESPONDER, page, NULL, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "was acknowledged already"));
        assert_unchanged(f, before);

        /* An acknowledged escalation pages no further. */
        before = fingerprint(f);
        assert_int_equal(step(f, count(f, "SELECT id FROM escalations"), 2, 0, T0 + 302 * S, &st),
                         0);
        assert_int_equal(st.what, STEP_OVER);
        assert_unchanged(f, before);
}

/* The link in the page: the token in rita's message acknowledges her page
 * as "rita (link)"; an unknown token and a second use change nothing. */
static void page_ack_link(void **state)
{
        struct fixture *f = *state;
        struct escalation_start es;
        struct escalation_step st;
        struct case_outcome o;
        struct oncall_page p;
        struct store_tx *tx;
        char body[4096], buf[256];
        uint8_t h[SECRET_DIGEST_BYTES];
        const struct actor anonymous = {.user_id = 0, .name = NULL, .request_id = "req-link"};
        paging_setup(f);
        assert_int_equal(start(f, f->key, &es), 0);
        assert_int_equal(step(f, count(f, "SELECT id FROM escalations"), 1, 0, T0 + 2 * S, &st), 0);
        query(f, "SELECT body FROM outbox", body, sizeof body);
        char *token = strstr(body, "/ack/vga_");
        assert_non_null(token);
        token += 5;
        token[strcspn(token, "\n")] = '\0';

        char *before = fingerprint(f);
        secret_token_digest("vga_not-a-page", h);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(case_page_ack_link(tx, &anonymous, T0 + 60 * S, h, &p, &o), -VG_ENOTFOUND);
        store_rollback(tx);
        assert_unchanged(f, before);

        secret_token_digest(token, h);
        for (int i = 0; i < 2; i++) {
                case_outcome_init(&o);
                before = fingerprint(f);
                assert_int_equal(store_begin(f->s, &tx), 0);
                int r = case_page_ack_link(tx, &anonymous, T0 + 60 * S, h, &p, &o);
                assert_int_equal(store_finish(tx, r), i == 0 ? 0 : -VG_ECONFLICT);
                if (i == 1)
                        assert_unchanged(f, before);
                else
                        free(before);
        }
        assert_string_equal(p.user, "rita");
        assert_string_equal(query(f, "SELECT state || acked_by FROM escalations", buf, sizeof buf),
                            "acknowledgedrita (link)");
        assert_int_equal(
                count(f, "SELECT count(*) FROM audit_log WHERE action = 'incident.page.ack' AND "
                         "actor = 'rita (link)'"),
                1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(postmortem_draft_approve_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(postmortem_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(improvement_update_and_remind, setup, teardown),
                cmocka_unit_test_setup_teardown(escalation_steps, setup, teardown),
                cmocka_unit_test_setup_teardown(escalation_nobody, setup, teardown),
                cmocka_unit_test_setup_teardown(page_ack_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(page_ack_link, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
