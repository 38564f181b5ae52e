/* The evidence of a period: the incident register, the obligation ledger
 * (with each filing, its corrections and its attachment's digest),
 * the notices with their deliveries, the post-mortems with their
 * improvements, the response metrics, and the audit chain's verification
 * with its head digest (so an auditor can check nothing changed later). */
#include "report/report.h"

#include "core/deadline.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *time_or_null(vg_usec_t t)
{
        if (!t)
                return json_null();
        char s[VG_RFC3339_MAX];
        vg_time_format(t, s);
        return json_string(s);
}

struct ctx {
        struct store_tx *tx;
        vg_usec_t from, to, now;
        json_t *incidents, *obligations, *notices, *postmortems;
        const char *key; /* the incident being read */
        json_t *cur;     /* its register entry */
        int64_t last_id;
        size_t seen;
};

static int add_service(const char *service, void *userdata)
{
        return json_array_append_new(userdata, json_string(service));
}

json_t *report_scope_tenant_json(const struct scope_tenant *t)
{
        json_t *data = json_array();
        for (int d = 0; data && d < DATA__COUNT; d++)
                if (t->data_categories & DATA_BIT(d))
                        json_array_append_new(data, json_string(data_category_to_string((enum data_category)d)));
        return json_pack("{s:s, s:s, s:s, s:I, s:o}", "id", t->tenant, "status", tenant_status_to_string(t->status),
                         "evidence", t->evidence ? t->evidence : "", "affected_users", (json_int_t)t->affected_users,
                         "data_categories", data);
}

/* Each tenant's row as the incident API shows it: an export that dropped
 * the evidence would lose what the responders found. */
static int add_tenant(const struct scope_tenant *t, void *userdata)
{
        json_t *j = report_scope_tenant_json(t);
        return j ? json_array_append_new(userdata, j) : -ENOMEM;
}

/* A filing or a correction, with its attachment's digest (not its bytes:
 * GET .../filings/{id}/attachment serves them, and the digest proves them). */
static int add_filing(const struct filing *f, void *userdata)
{
        json_t *att = json_null();
        if (f->attachment_name)
                att = json_pack("{s:s, s:s, s:I, s:s}", "name", f->attachment_name, "media_type",
                                f->attachment_type ? f->attachment_type : "", "size", (json_int_t)f->attachment_size,
                                "sha256", f->attachment_sha256);
        json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)f->id, "kind",
                              f->kind, "at", time_or_null(f->at), "previous_at", time_or_null(f->previous_at), "by",
                              f->by, "channel", f->channel, "reference", f->reference ? f->reference : "", "note",
                              f->note ? f->note : "", "reason", f->reason ? f->reason : "", "attachment",
                              att ? att : json_null());
        return j ? json_array_append_new(userdata, j) : -ENOMEM;
}

static int add_obligation(const struct obligation *o, void *userdata)
{
        struct ctx *c = userdata;
        if (strcmp(o->status, "withdrawn") == 0)
                return 0;
        json_t *filings = json_array();
        int r = filings ? store_filing_list(c->tx, o->incident_id, o->id, add_filing, filings) : -ENOMEM;
        if (r < 0) {
                json_decref(filings);
                return r;
        }
        /* on_time: met by its deadline - or, "without undue delay", by its
         * internal target (core's deadline_standing; such a duty is never
         * late) - false when met after or still open past it, null while
         * open in time or waived. */
        json_t *on_time = json_null();
        bool sent = strcmp(o->status, "sent") == 0;
        enum deadline_kind kind = deadline_kind_from_string(o->deadline_kind);
        if (sent || strcmp(o->status, "open") == 0) {
                enum deadline_standing st = deadline_standing(kind, o->due_at, o->target_at,
                                                              sent ? o->sent_at : VG_TIME_UNSET, c->now);
                if (st != STANDING_OPEN)
                        on_time = json_boolean(st == STANDING_ON_TIME);
        }
        json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:s}", "incident",
                              c->key, "id", (json_int_t)o->id, "tenant", o->tenant, "rule", o->rule_id, "rules_version",
                              o->rules_version, "duty", o->duty, "recipient", o->recipient ? o->recipient : "",
                              "citation", o->citation ? o->citation : "", "anchor_at", time_or_null(o->anchor_at),
                              "due_at", time_or_null(o->due_at), "status", o->status, "sent_at",
                              time_or_null(o->sent_at), "on_time", on_time, "filings", filings, "deadline_kind",
                              kind == DEADLINE_KIND_ASAP ? "asap" : "fixed");
        if (j && kind == DEADLINE_KIND_ASAP)
                json_object_set_new(j, "target_at", time_or_null(o->target_at));
        return j ? json_array_append_new(c->obligations, j) : -ENOMEM;
}

static int add_delivery(const struct notice_delivery *d, void *userdata)
{
        return json_array_append_new(userdata, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "tenant", d->tenant, "channel",
                                                         d->channel, "address", d->address, "status", d->status,
                                                         "attempts", d->attempts, "last_result",
                                                         d->last_result ? d->last_result : ""));
}

static int add_notice(const struct notice *n, void *userdata)
{
        struct ctx *c = userdata;
        json_t *deliveries = json_array();
        int r = store_notice_delivery_list(c->tx, n->id, add_delivery, deliveries);
        if (r < 0) {
                json_decref(deliveries);
                return r;
        }
        json_t *tenants = json_loads(n->tenants, 0, NULL);
        json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:o, s:s, s:o, s:s, s:o, s:o}", "incident", c->key, "id",
                              (json_int_t)n->id, "version", (json_int_t)n->version, "kind", n->kind, "tenants",
                              tenants ? tenants : json_array(), "composed_by", n->composed_by, "composed_at",
                              time_or_null(n->composed_at), "released_by", n->released_by, "released_at",
                              time_or_null(n->released_at), "deliveries", deliveries);
        return j ? json_array_append_new(c->notices, j) : -ENOMEM;
}

static int add_improvement(const struct improvement *i, void *userdata)
{
        return json_array_append_new(userdata,
                                     json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o}", "id", (json_int_t)i->id,
                                               "factor", i->factor, "title", i->title, "owner", i->owner, "kind", i->kind,
                                               "due_at", time_or_null(i->due_at), "status", i->status, "verification",
                                               i->verification ? i->verification : "", "done_at",
                                               time_or_null(i->done_at)));
}

static int add_postmortem(const struct postmortem *p, void *userdata)
{
        struct ctx *c = userdata;
        json_t *imps = json_array();
        struct improvement_filter f = { .incident_id = json_integer_value(json_object_get(c->cur, "_id")) };
        int r = store_improvement_list(c->tx, &f, add_improvement, imps);
        if (r < 0) {
                json_decref(imps);
                return r;
        }
        json_t *body = json_loads(p->body, 0, NULL), *factors = json_object_get(body, "factors");
        /* "o" steals a reference: the body keeps its own to the factors. */
        json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:o, s:s, s:o, s:o, s:o}", "incident", c->key, "status", p->status,
                              "version", (json_int_t)p->version, "updated_by", p->updated_by, "updated_at",
                              time_or_null(p->updated_at), "approved_by", p->approved_by, "approved_at",
                              time_or_null(p->approved_at), "factors",
                              json_is_array(factors) ? json_incref(factors) : json_array(), "improvements", imps);
        json_decref(body);
        return j ? json_array_append_new(c->postmortems, j) : -ENOMEM;
}

static int add_incident(const struct incident *inc, void *userdata)
{
        struct ctx *c = userdata;
        c->last_id = inc->id;
        c->seen++;
        if (inc->created_at < c->from || inc->created_at >= c->to)
                return 0;
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}}", "key", inc->key,
                              "title", inc->title, "severity", severity_to_string(inc->severity), "source",
                              source_to_string(inc->source), "phase", phase_to_string(inc->phase), "classification",
                              class_to_string(inc->classification), "times", "detected", time_or_null(inc->detected_at),
                              "reported", time_or_null(inc->reported_at), "acknowledged", time_or_null(inc->acknowledged_at),
                              "declared", time_or_null(inc->declared_at), "contained", time_or_null(inc->contained_at),
                              "eradicated", time_or_null(inc->eradicated_at), "recovered",
                              time_or_null(inc->recovered_at), "closed", time_or_null(inc->closed_at));
        if (!j)
                return -ENOMEM;
        json_object_set_new(j, "_id", json_integer((json_int_t)inc->id)); /* dropped before answering */
        return json_array_append_new(c->incidents, j);
}

static int fill(struct ctx *c)
{
        struct incident_filter f = { .phase = PHASE__INVALID, .classification = CLASS__INVALID, .severity = SEV__INVALID };
        int64_t before = 0;
        int r;
        do {
                c->seen = 0;
                r = store_incident_list(c->tx, &f, before, 500, add_incident, c);
                before = c->last_id;
        } while (r >= 0 && c->seen == 500);
        /* Oldest first reads better in a register. */
        size_t n = json_array_size(c->incidents);
        for (size_t i = 0; r >= 0 && i < n / 2; i++) {
                json_t *a = json_incref(json_array_get(c->incidents, i));
                json_array_set(c->incidents, i, json_array_get(c->incidents, n - 1 - i));
                json_array_set_new(c->incidents, n - 1 - i, a);
        }
        size_t i;
        json_t *inc;
        json_array_foreach(c->incidents, i, inc)
        {
                if (r < 0)
                        break;
                int64_t id = json_integer_value(json_object_get(inc, "_id"));
                c->key = json_string_value(json_object_get(inc, "key"));
                c->cur = inc;
                json_t *services = json_array(), *tenants = json_array();
                r = store_incident_services_list(c->tx, id, add_service, services);
                if (r >= 0)
                        r = store_incident_tenants_list(c->tx, id, add_tenant, tenants);
                json_object_set_new(inc, "services", services);
                json_object_set_new(inc, "tenants", tenants);
                /* Auditors see every incident: a duplicate names its survivor. */
                char survivor[INCIDENT_KEY_MAX];
                int dr = r >= 0 ? store_incident_duplicate_of(c->tx, id, survivor, sizeof survivor) : 0;
                if (dr < 0)
                        r = dr;
                json_object_set_new(inc, "duplicate_of", dr > 0 ? json_string(survivor) : json_null());
                if (r >= 0)
                        r = store_obligation_list(c->tx, id, add_obligation, c);
                if (r >= 0)
                        r = store_notice_list(c->tx, id, add_notice, c);
                if (r >= 0) {
                        int pr = store_postmortem_get(c->tx, id, add_postmortem, c);
                        r = pr == -VG_ENOTFOUND ? 0 : pr;
                }
        }
        json_array_foreach(c->incidents, i, inc) json_object_del(inc, "_id");
        return r;
}

struct plan_pick {
        vg_usec_t before;
        json_t *plan;
};

/* The newest version made before the end of the period (list: newest first). */
static int pick_plan(const struct plan_version *p, void *userdata)
{
        struct plan_pick *k = userdata;
        if (!k->plan && p->created_at < k->before)
                k->plan = json_pack("{s:I, s:s, s:s, s:o}", "version", (json_int_t)p->version, "digest", p->digest,
                                    "created_by", p->created_by, "created_at", time_or_null(p->created_at));
        return 0;
}

static int plan_body(const struct plan_version *p, void *userdata)
{
        return json_object_set_new(userdata, "markdown", json_string(p->body));
}

int report_evidence(struct store *s, vg_usec_t from, vg_usec_t to, vg_usec_t now, vg_usec_t training_interval,
                    json_t **ret)
{
        struct plan_pick pick = { .before = to };
        json_t *training = NULL;
        struct ctx c = { .from = from, .to = to, .now = now, .incidents = json_array(), .obligations = json_array(),
                         .notices = json_array(), .postmortems = json_array() };
        json_t *metrics = NULL;
        struct audit_verify v;
        /* The chain first: the records below are all older than its head
         * when nothing is written meanwhile; the head seq says where it was. */
        int r = store_audit_verify(s, &v);
        if (r >= 0)
                r = store_begin_read(s, &c.tx);
        if (r >= 0) {
                r = fill(&c);
                if (r >= 0)
                        r = report_metrics(c.tx, from, to, now, &metrics);
                /* Training as it stood at the end of the period. */
                if (r >= 0)
                        r = report_training(c.tx, to < now ? to : now, training_interval, &training);
                if (r >= 0)
                        r = store_plan_list(c.tx, pick_plan, &pick);
                if (r >= 0 && pick.plan)
                        r = store_plan_get(c.tx, json_integer_value(json_object_get(pick.plan, "version")), plan_body,
                                           pick.plan);
                store_rollback(c.tx);
        }
        if (r >= 0) {
                char f_text[VG_RFC3339_MAX], t_text[VG_RFC3339_MAX], g_text[VG_RFC3339_MAX];
                vg_time_format(from, f_text);
                vg_time_format(to, t_text);
                vg_time_format(now, g_text);
                *ret = json_pack("{s:s, s:s, s:s, s:o, s:O, s:O, s:O, s:O, s:o, s:O?, s:{s:b, s:I, s:I, s:s, s:s}}",
                                 "from", f_text, "to", t_text, "generated_at", g_text, "metrics", metrics, "incidents",
                                 c.incidents, "obligations", c.obligations, "notices", c.notices, "postmortems",
                                 c.postmortems, "training", training, "plan", pick.plan,
                                 "audit", "verified", v.ok, "records", (json_int_t)v.records, "first_bad_seq",
                                 (json_int_t)v.first_bad_seq, "reason", v.reason, "head_hash", v.head_hash);
                if (!*ret)
                        r = -ENOMEM;
        } else {
                json_decref(metrics);
                json_decref(training);
        }
        json_decref(pick.plan);
        json_decref(c.incidents);
        json_decref(c.obligations);
        json_decref(c.notices);
        json_decref(c.postmortems);
        return r;
}
