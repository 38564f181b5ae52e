/* Preparation: incident-response training records (NIST IR-2), and the
 * incident response plan (IR-8) generated from the live configuration -
 * roles and who holds them, teams, services, schedules, escalation
 * policies, the notification rules in force and the phases with their
 * exit criteria - kept as numbered versions, a new one only when the text
 * changes. */
#include "cases/preparation.h"

#include "base/rules.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- training ---- */

json_t *case_training_json(const struct training_record *t)
{
        return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o}", "id", (json_int_t)t->id, "user", t->user, "course",
                         t->course, "completed_at", case_time_json(t->completed_at), "evidence", t->evidence ? t->evidence : "",
                         "recorded_by", t->recorded_by, "recorded_at", case_time_json(t->recorded_at));
}

void case_training_validate(const struct training_record *t, vg_usec_t now, struct field_errors *fe)
{
        if (!t->course || !t->course[0] || !text_valid(t->course, TRAINING_COURSE_MAX))
                fielderr_add(fe, "course", "must be 1 to %d bytes of text on one line", TRAINING_COURSE_MAX);
        if (t->evidence && t->evidence[0] && !text_valid(t->evidence, TRAINING_EVIDENCE_MAX))
                fielderr_add(fe, "evidence", "must be text on one line (a certificate id or a link)");
        if (t->completed_at > now)
                fielderr_add(fe, "completed_at", "must not be in the future");
}

int case_training_record(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         struct training_record *t, struct case_outcome *o)
{
        struct user u;
        case_training_validate(t, now, &o->errors);
        int r = store_user_get_by_name(tx, t->user, &u);
        if (r == -VG_ENOTFOUND || (r >= 0 && u.role == ROLE_TENANT_ADMIN)) {
                fielderr_add(&o->errors, "user", "no staff user '%s'", t->user);
                r = 0;
        }
        if (r < 0)
                return r;
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        if (!t->evidence)
                t->evidence = "";
        snprintf(t->recorded_by, sizeof t->recorded_by, "%s", actor->name);
        t->recorded_at = now;
        r = store_training_add(tx, t);
        json_t *j = r >= 0 ? case_training_json(t) : NULL;
        if (r >= 0) {
                char object[48];
                snprintf(object, sizeof object, "training:%lld", (long long)t->id);
                r = j ? store_audit_append(tx, now, actor, "training.record", object, j) : -ENOMEM;
        }
        json_decref(j);
        return r;
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
static int plan_text(struct store_tx *tx, const struct plan_inputs *in, char **ret)
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
        const struct rule_set *rules = in->rules;
        buf_put(&d, "\n## Notification rules in force\n\nRules data version %s. Customer notices need a second person to "
                "release for: %s.\n\n| Rule | Recipient | Stage | Citation |\n|---|---|---|---|\n",
            rules ? rules->version : "(none loaded)", in->two_person ? in->two_person : "none");
        for (size_t i = 0; rules && i < rules->n; i++) {
                const struct rule *ru = &rules->rules[i];
                buf_put(&d, "| %s | %s | %s | %s |\n", ru->id, ru->recipient ? ru->recipient : "", ru->stage,
                    ru->citation ? ru->citation : "");
        }
        buf_put(&d, "\n## Training\n\nEvery staff member completes incident-reporting training every %lld days "
                "(`GET /api/v1/training/status` lists who is due).\n",
            (long long)(in->training_interval / 86400));
        if (d.err < 0) {
                int r = d.err;
                buf_release(&d);
                return r;
        }
        size_t len;
        *ret = buf_detach(&d, &len);
        return *ret ? 0 : -ENOMEM;
}

static int plan_copy(const struct plan_version *p, void *userdata)
{
        struct plan_result *res = userdata;
        res->body = strdup(p->body ? p->body : "");
        if (!res->body)
                return -ENOMEM;
        res->p = *p;
        res->p.body = res->body;
        return 0;
}

void plan_result_fini(struct plan_result *r)
{
        free(r->body);
        r->body = NULL;
}

int case_plan_generate(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct plan_inputs *in, struct plan_result *ret)
{
        char *text = NULL;
        *ret = (struct plan_result){0};
        int r = plan_text(tx, in, &text);
        if (r < 0)
                return r;
        struct plan_version p = {.body = text, .created_at = now};
        unsigned char h[STORE_HASH_BYTES];
        crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
        sodium_bin2hex(p.digest, sizeof p.digest, h, sizeof h);
        snprintf(p.created_by, sizeof p.created_by, "%s", actor->name);
        r = store_plan_get(tx, 0, plan_copy, ret);
        if (r == -VG_ENOTFOUND)
                r = 0;
        if (r >= 0 && ret->body && strcmp(ret->p.digest, p.digest) == 0) {
                free(text); /* the same text: the version in force stays */
                return 0;
        }
        plan_result_fini(ret);
        if (r >= 0)
                r = store_plan_add(tx, &p);
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s}", "version", (json_int_t)p.version, "digest", p.digest);
                char object[48];
                snprintf(object, sizeof object, "plan:%lld", (long long)p.version);
                r = change ? store_audit_append(tx, now, actor, "plan.version", object, change) : -ENOMEM;
                json_decref(change);
        }
        if (r < 0) {
                free(text);
                return r;
        }
        ret->p = p;
        ret->body = text;
        ret->created = true;
        return 0;
}
