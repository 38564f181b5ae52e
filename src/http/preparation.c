/* Preparation: incident-response training records with who is overdue
 * (NIST IR-2), and the incident response plan (IR-8) generated from the
 * live configuration - roles and who holds them, teams, services,
 * schedules, escalation policies, the notification rules in force and the
 * phases with their exit criteria - kept as numbered versions, a new one
 * only when the text changes. */
#define _GNU_SOURCE
#include "http/resources.h"

#include "base/rules.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/names.h"
#include "report/markdown.h"
#include "report/report.h"

#include <errno.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- training ---- */

static json_t *training_json(const struct training_record *t)
{
        return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o}", "id", (json_int_t)t->id, "user", t->user, "course",
                         t->course, "completed_at", json_time(t->completed_at), "evidence", t->evidence ? t->evidence : "",
                         "recorded_by", t->recorded_by, "recorded_at", json_time(t->recorded_at));
}

int api_training_add(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "user", "course", "completed_at", "evidence", NULL };
        struct training_record t = { .recorded_at = req->now };
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *user = json_field_string(req, body, "user", true, STORE_NAME_MAX - 1);
        const char *course = json_field_string(req, body, "course", true, 200);
        const char *done = json_field_string(req, body, "completed_at", true, 64);
        const char *evidence = json_field_string(req, body, "evidence", false, 1000);
        if (course && (!*course || !text_valid(course, 200)))
                fielderr_add(&req->errors, "course", "must be 1 to 200 bytes of text on one line");
        if (evidence && *evidence && !text_valid(evidence, 1000))
                fielderr_add(&req->errors, "evidence", "must be text on one line (a certificate id or a link)");
        if (done)
                request_time(req, "completed_at", done, req->now, &t.completed_at);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        struct user u;
        int ur = store_user_get_by_name(tx, user, &u);
        if (ur == -VG_ENOTFOUND || (ur >= 0 && u.role == ROLE_TENANT_ADMIN)) {
                fielderr_add(&req->errors, "user", "no staff user '%s'", user);
                r = -VG_EVALIDATION;
        } else if (ur < 0) {
                r = ur;
        }
        if (r >= 0) {
                snprintf(t.user, sizeof t.user, "%s", user);
                t.course = course;
                t.evidence = evidence ? evidence : "";
                snprintf(t.recorded_by, sizeof t.recorded_by, "%s", req->who.user.name);
                r = store_training_add(tx, &t);
        }
        json_t *j = r >= 0 ? training_json(&t) : NULL;
        if (r >= 0)
                r = request_audit(req, tx, "training.record", "training", t.id, j);
        if (r >= 0)
                r = response_json(resp, 201, json_incref(j));
        json_decref(j);
        return store_finish(tx, r);
}

static int add_record(const struct training_record *t, void *userdata)
{
        return json_array_append_new(userdata, training_json(t));
}

int api_training_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        const char *user = request_query(req, "user");
        if (user && !username_valid(user)) {
                fielderr_add(&req->errors, "user", "not a user name");
                return -VG_EVALIDATION;
        }
        json_t *items = json_array();
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_training_list(tx, user, add_record, items);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}

int api_training_status(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *out = NULL;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = report_training(tx, req->now, req->cfg->training_interval * VG_USEC_PER_SEC, &out);
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, out);
}

/* ---- the incident response plan ---- */

struct org_list {
        struct buf *d;
        const char *kind;
};

/* One organisation object as a Markdown list item with its body's fields. */
static int org_item(const struct org_object *o, void *userdata)
{
        struct org_list *l = userdata;
        json_t *body = json_loads(o->body, 0, NULL);
        buf_put(l->d, "- **%s**", o->name);
        const char *k;
        json_t *v;
        json_object_foreach(body, k, v)
        {
                if (json_is_string(v))
                        buf_put(l->d, "; %s: %s", k, json_string_value(v));
                else if (json_is_array(v))
                        buf_put(l->d, "; %s: %zu", k, json_array_size(v));
        }
        /* Escalation levels: delay and targets, in order. */
        size_t i;
        json_t *level;
        json_array_foreach(json_object_get(body, "levels"), i, level)
        {
                json_t *ds = json_object_get(level, "delay_seconds");
                long long delay = ds ? json_integer_value(ds)
                                     : json_integer_value(json_object_get(level, "delay_minutes")) * 60;
                buf_put(l->d, "\n  - level %zu after %lld s:", i + 1, delay);
                size_t j;
                json_t *t;
                json_array_foreach(json_object_get(level, "targets"), j, t)
                {
                        char *text = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
                        buf_put(l->d, " `%s`", text ? text : "?");
                        free(text);
                }
        }
        buf_put(l->d, "\n");
        json_decref(body);
        return 0;
}

struct holders {
        struct buf *d;
        enum role role;
        int64_t last_id;
        size_t n;
};

static int holder(const struct user *u, void *userdata)
{
        struct holders *h = userdata;
        h->last_id = u->id;
        if (u->role == h->role && !u->disabled) {
                buf_put(h->d, "%s%s", h->n ? ", " : "", u->name);
                h->n++;
        }
        return 0;
}

static const struct {
        enum role role;
        const char *duty;
} plan_roles[] = {
        { ROLE_RESPONDER, "on call for their services; analyse, contain, eradicate and recover" },
        { ROLE_INCIDENT_MANAGER, "declare security incidents, scope tenants, approve post-mortems" },
        { ROLE_EXECUTIVE_INCIDENT_MANAGER, "approve eradication steps with business impact; told of overdue obligations" },
        { ROLE_COMMUNICATIONS, "compose and release customer notices and regulator reports; reminded before deadlines" },
        { ROLE_AUDITOR, "read every record and the evidence" },
        { ROLE_ADMIN, "keep users, tenants and configuration" },
};

/* The plan's Markdown from the live configuration. No time stamps in it:
 * the same configuration gives the same text (and digest). */
static int plan_text(struct request *req, struct store_tx *tx, char **ret)
{
        struct buf d;
        buf_init(&d, 16u << 20);
        buf_put(&d, "# Incident response plan\n\nGenerated by Vigil from the live configuration. It is in force from "
                "the time of its version until the next version.\n\n## Roles and who holds them\n\n");
        for (size_t i = 0; i < sizeof plan_roles / sizeof plan_roles[0]; i++) {
                struct holders h = { .d = &d, .role = plan_roles[i].role };
                buf_put(&d, "- **%s** (%s): ", role_to_string(plan_roles[i].role), plan_roles[i].duty);
                for (int64_t before = -1; d.err >= 0 && before != h.last_id;) {
                        before = h.last_id;
                        d.err = store_user_list(tx, h.last_id, 500, holder, &h);
                }
                buf_put(&d, "%s\n", h.n ? "" : "nobody");
        }
        static const struct {
                const char *kind, *title;
        } kinds[] = { { "team", "Teams" },
                      { "service", "Services" },
                      { "schedule", "On-call schedules" },
                      { "escalation_policy", "Escalation policies" } };
        for (size_t i = 0; i < 4 && d.err >= 0; i++) {
                buf_put(&d, "\n## %s\n\n", kinds[i].title);
                size_t before = d.len;
                struct org_list l = { &d, kinds[i].kind };
                int r = store_org_list(tx, kinds[i].kind, org_item, &l);
                if (r < 0)
                        d.err = r;
                if (d.len == before)
                        buf_put(&d, "None defined.\n");
        }
        buf_put(&d, "\n## Phases and their exit criteria\n\n"
                "1. **Analysis**: the affected services recorded.\n"
                "2. **Containment**: containment tasks done; the classification final; a security incident "
                "declared with its tenant scope.\n"
                "3. **Eradication**: the root cause recorded; every step with business impact approved by an "
                "executive incident manager.\n"
                "4. **Recovery**: the last known good state and passing validation checks recorded.\n"
                "5. **Post-incident**: an approved post-mortem when customer-impacting or a data breach; every "
                "obligation of the provider sent or waived with a reason.\n"
                "6. **Closed**.\n");
        const struct rule_set *rules = req->rules;
        buf_put(&d, "\n## Notification rules in force\n\nRules data version %s. Customer notices need a second person to "
                "release for: %s.\n\n| Rule | Recipient | Stage | Citation |\n|---|---|---|---|\n",
            rules ? rules->version : "(none loaded)", req->cfg->notices.two_person ? req->cfg->notices.two_person : "none");
        for (size_t i = 0; rules && i < rules->n; i++) {
                const struct rule *ru = &rules->rules[i];
                buf_put(&d, "| %s | %s | %s | %s |\n", ru->id, ru->recipient ? ru->recipient : "", ru->stage,
                    ru->citation ? ru->citation : "");
        }
        buf_put(&d, "\n## Training\n\nEvery staff member completes incident-reporting training every %lld days "
                "(`GET /api/v1/training/status` lists who is due).\n",
            (long long)(req->cfg->training_interval / 86400));
        if (d.err < 0) {
                int r = d.err;
                buf_release(&d);
                return r;
        }
        size_t len;
        *ret = buf_detach(&d, &len);
        return *ret ? 0 : -ENOMEM;
}

static json_t *plan_json(const struct plan_version *p, bool with_body)
{
        json_t *j = json_pack("{s:I, s:s, s:s, s:o}", "version", (json_int_t)p->version, "digest", p->digest,
                              "created_by", p->created_by, "created_at", json_time(p->created_at));
        if (j && with_body) {
                char *html = NULL;
                json_object_set_new(j, "markdown", json_string(p->body));
                json_object_set_new(j, "html", markdown_html(p->body, strlen(p->body), &html) >= 0 ? json_string(html)
                                                                                                  : json_null());
                free(html);
        }
        return j;
}

static int plan_copy(const struct plan_version *p, void *userdata)
{
        json_t **out = userdata;
        *out = plan_json(p, true);
        return *out ? 0 : -ENOMEM;
}

/* Generate the plan; a new version only when the text changed. */
int api_plan_generate(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        char *text = NULL;
        json_t *latest = NULL;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = plan_text(req, tx, &text);
        struct plan_version p = { .body = text, .created_at = req->now };
        if (r >= 0) {
                unsigned char h[STORE_HASH_BYTES];
                crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
                sodium_bin2hex(p.digest, sizeof p.digest, h, sizeof h);
                snprintf(p.created_by, sizeof p.created_by, "%s", req->who.user.name);
                int g = store_plan_get(tx, 0, plan_copy, &latest);
                r = g == -VG_ENOTFOUND ? 0 : g;
        }
        bool same = r >= 0 && latest && strcmp(json_string_value(json_object_get(latest, "digest")), p.digest) == 0;
        if (r >= 0 && !same) {
                r = store_plan_add(tx, &p);
                json_t *change = json_pack("{s:I, s:s}", "version", (json_int_t)p.version, "digest", p.digest);
                if (r >= 0)
                        r = request_audit(req, tx, "plan.version", "plan", p.version, change);
                json_decref(change);
        }
        if (r >= 0) {
                json_t *out = same ? json_incref(latest) : plan_json(&p, true);
                json_object_set_new(out, "changed", json_boolean(!same));
                r = response_json(resp, same ? 200 : 201, out);
        }
        json_decref(latest);
        free(text);
        return store_finish(tx, r);
}

int api_plan_get(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *out = NULL;
        int64_t version = 0;
        if (req->n_params) {
                char *end;
                version = strtoll(req->params[0], &end, 10);
                if (*end || version <= 0) {
                        request_detail(req, "no plan version %s", req->params[0]);
                        return -VG_ENOTFOUND;
                }
        }
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_plan_get(tx, version, plan_copy, &out);
        store_rollback(tx);
        if (r == -VG_ENOTFOUND)
                request_detail(req, version ? "no plan version %lld" : "no plan yet%.0lld; POST /api/v1/plan generates it",
                               (long long)version);
        return r < 0 ? r : response_json(resp, 200, out);
}

static int plan_item(const struct plan_version *p, void *userdata)
{
        return json_array_append_new(userdata, plan_json(p, false));
}

int api_plan_versions(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *items = json_array();
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_plan_list(tx, plan_item, items);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}
