/* Customer notices: composed once per incident with what every affected
 * customer must be told - the nature of the breach, the approximate user
 * impact, mitigation steps (or an explicit "none applicable") and, while
 * the investigation is open, the next steps and when the next update
 * comes - then released. Release writes, in its transaction, a message per
 * designated contact of each named tenant (and one to its webhook) to the
 * outbox, each with its own idempotency key (a digest of incident, tenant,
 * notice version, channel and address: store_notice_key), and records the
 * tenant's contract obligation sent once its messages exist.
 * A tenant's message carries its own name only. A notice of an incident
 * that has had a severity listed in notices.two_person at any time since
 * the notice was composed needs a releaser other than the composer. */
#include "http/resources.h"

#include "base/templates.h"
#include "core/array.h"
#include "core/template.h"

#include "cases/obligations.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICE_TEXT_MAX 8000

static const char *text_field(struct request *req, json_t *body, const char *key, bool required)
{
        const char *s = json_field_string(req, body, key, required, NOTICE_TEXT_MAX);
        if (required && s && !*s) {
                fielderr_add(&req->errors, key, "is required and must not be empty");
                return NULL;
        }
        return s;
}

struct scope_ids {
        json_t *ids;
};

static int scope_id(const struct scope_tenant *t, void *userdata)
{
        if (t->status != TENANT_RULED_OUT)
                json_array_append_new(((struct scope_ids *)userdata)->ids, json_string(t->tenant));
        return 0;
}

static json_t *notice_json(const struct notice *n)
{
        json_t *tenants = json_loads(n->tenants, 0, NULL);
        return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o}", "id", (json_int_t)n->id,
                         "version", (json_int_t)n->version, "kind", n->kind, "nature", n->nature, "user_impact",
                         n->user_impact, "mitigation", n->mitigation, "next_steps", n->next_steps ? n->next_steps : "",
                         "next_update_at", json_time(n->next_update_at), "tenants", tenants ? tenants : json_array(),
                         "composed_by", n->composed_by, "composed_at", json_time(n->composed_at), "released_by",
                         n->released_by, "released_at", json_time(n->released_at));
}

int api_notice_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "kind", "nature", "user_impact", "mitigation", "next_steps",
                                              "next_update_at", "tenants", NULL };
        struct incident inc = { 0 };
        struct store_tx *tx;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *kind = json_field_string(req, body, "kind", true, 16);
        if (kind && strcmp(kind, "initial") && strcmp(kind, "update") && strcmp(kind, "final"))
                fielderr_add(&req->errors, "kind", "must be initial, update or final");
        struct notice n = { .composed_at = req->now };
        n.nature = text_field(req, body, "nature", true);
        n.user_impact = text_field(req, body, "user_impact", true);
        n.mitigation = text_field(req, body, "mitigation", true); /* "none applicable" says so explicitly */
        n.next_steps = text_field(req, body, "next_steps", false);
        const char *next = json_field_string(req, body, "next_update_at", false, 64);
        if (next && request_time(req, "next_update_at", next, VG_TIME_MAX, &n.next_update_at) &&
            n.next_update_at <= req->now)
                fielderr_add(&req->errors, "next_update_at", "must be in the future");
        json_t *tenants = json_object_get(body, "tenants"), *t;
        size_t i;
        if (tenants && (!json_is_array(tenants) || !json_array_size(tenants)))
                fielderr_add(&req->errors, "tenants", "must be a list of tenant ids in the incident's scope");
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_incident_get(tx, req->params[0], &inc);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no incident %s", req->params[0]);
        /* While the investigation is open, customers must hear what comes next and when. */
        bool open = r >= 0 && incident_investigating(inc.phase);
        if (r >= 0 && kind && strcmp(kind, "final") != 0 && open) {
                if (!n.next_steps || !*n.next_steps)
                        fielderr_add(&req->errors, "next_steps", "is required while the investigation is open");
                if (!n.next_update_at && !next)
                        fielderr_add(&req->errors, "next_update_at", "is required while the investigation is open");
        }
        struct scope_ids scope = { json_array() };
        if (r >= 0)
                r = store_incident_tenants_list(tx, inc.id, scope_id, &scope);
        /* The scope as a set (an object keyed by tenant id), so that a notice
         * to 100,000 tenants checks each in constant time; a tenant taken
         * is marked so that one listed twice is caught. */
        json_t *to = json_array(), *in_scope = json_object(), *s;
        json_array_foreach(scope.ids, i, s) json_object_set_new(in_scope, json_string_value(s), json_true());
        json_array_foreach(tenants ? tenants : scope.ids, i, t)
        {
                json_t *mark = json_is_string(t) ? json_object_get(in_scope, json_string_value(t)) : NULL;
                char field[32];
                snprintf(field, sizeof field, "tenants[%zu]", i);
                if (!mark) {
                        fielderr_add(&req->errors, field, "is not in the incident's scope");
                } else if (json_is_false(mark)) {
                        fielderr_add(&req->errors, field, "is listed twice");
                } else {
                        json_object_set_new(in_scope, json_string_value(t), json_false());
                        json_array_append(to, t);
                }
        }
        json_decref(in_scope);
        if (r >= 0 && !json_array_size(to) && !fielderr_any(&req->errors))
                fielderr_add(&req->errors, "tenants", "no affected tenant to notify (set the incident's scope)");
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        char *to_text = r >= 0 ? json_dumps(to, JSON_COMPACT) : NULL;
        if (r >= 0) {
                snprintf(n.kind, sizeof n.kind, "%s", kind);
                n.incident_id = inc.id;
                n.tenants = to_text;
                snprintf(n.composed_by, sizeof n.composed_by, "%s", req->who.user.name);
                r = to_text ? store_notice_insert(tx, &n) : -ENOMEM;
        }
        json_t *j = r >= 0 ? notice_json(&n) : NULL;
        if (r >= 0)
                r = request_audit_incident(req, tx, "incident.notice.compose", inc.key, j);
        r = store_finish(tx, r);
        free(to_text);
        json_decref(to);
        json_decref(scope.ids);
        incident_fini(&inc);
        if (r < 0) {
                json_decref(j);
                return r;
        }
        return response_json(resp, 201, j);
}

struct notice_list {
        struct store_tx *tx;
        json_t *items;
};

static int add_delivery(const struct notice_delivery *d, void *userdata)
{
        return json_array_append_new(userdata,
                                     json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "tenant", d->tenant, "channel", d->channel,
                                               "address", d->address, "status", d->status, "attempts", d->attempts,
                                               "last_result", d->last_result ? d->last_result : ""));
}

static int add_notice(const struct notice *n, void *userdata)
{
        struct notice_list *l = userdata;
        json_t *j = notice_json(n), *deliveries = json_array();
        int r = j ? store_notice_delivery_list(l->tx, n->id, add_delivery, deliveries) : -ENOMEM;
        json_object_set_new(j, "deliveries", deliveries);
        return r < 0 ? r : json_array_append_new(l->items, j);
}

int api_notice_list(struct request *req, struct response *resp)
{
        struct notice_list l = { .items = json_array() };
        struct incident inc = { 0 };
        int r = store_begin_read(req->store, &l.tx);
        if (r >= 0) {
                r = store_incident_get(l.tx, req->params[0], &inc);
                if (r == -VG_ENOTFOUND)
                        request_detail(req, "no incident %s", req->params[0]);
                if (r >= 0)
                        r = store_notice_list(l.tx, inc.id, add_notice, &l);
                store_rollback(l.tx);
        }
        incident_fini(&inc);
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", l.items));
}

struct notice_copy {
        struct notice n;
        char *nature, *impact, *mitigation, *next, *tenants, *severities;
};

static int copy_notice(const struct notice *n, void *userdata)
{
        struct notice_copy *c = userdata;
        c->n = *n;
        c->nature = strdup(n->nature);
        c->impact = strdup(n->user_impact);
        c->mitigation = strdup(n->mitigation);
        c->next = strdup(n->next_steps ? n->next_steps : "");
        c->tenants = strdup(n->tenants);
        c->severities = strdup(n->severities ? n->severities : "");
        return c->nature && c->impact && c->mitigation && c->next && c->tenants && c->severities ? 0 : -ENOMEM;
}

static void notice_copy_fini(struct notice_copy *c)
{
        free(c->nature);
        free(c->impact);
        free(c->mitigation);
        free(c->next);
        free(c->tenants);
        free(c->severities);
}

static int tenant_doc(const struct tenant_row *t, void *userdata)
{
        json_t **doc = userdata;
        *doc = json_loads(t->body, 0, NULL);
        if (*doc)
                json_object_set_new(*doc, "name", json_string(t->name));
        return 0;
}

/* Queue one message of a released notice under the key of its whole
 * recipient tuple: 1 queued, 0 when this very tuple has its delivery
 * already (a contact listed twice: still one message). A key taken by any
 * other message is an error, never a skip: skipping it would leave this
 * recipient without the notice while the release reports it sent. */
static int queue(struct request *req, struct store_tx *tx, const struct incident *inc, const struct notice *n,
                 const char *tenant, const char *channel, const char *address, const char *subject, const char *body)
{
        struct outbox_msg m = { .address = address, .subject = subject, .body = body, .created_at = req->now };
        store_notice_key(inc->id, tenant, n->version, channel, address, m.idem_key);
        snprintf(m.channel, sizeof m.channel, "%s", channel);
        int r = store_outbox_add(tx, &m);
        if (r == -VG_ECONFLICT) {
                r = store_notice_delivery_exists(tx, n->id, tenant, channel, address);
                if (r == 0) {
                        log_event(LOG_LVL_ERROR, "notice key taken by another message", "incident=%s tenant=%s key=%s",
                                  inc->key, tenant, m.idem_key);
                        r = -EEXIST;
                }
                return r < 0 ? r : 0;
        }
        if (r < 0)
                return r;
        struct notice_delivery d = { .notice_id = n->id, .address = address, .outbox_id = m.id };
        snprintf(d.tenant, sizeof d.tenant, "%s", tenant);
        snprintf(d.channel, sizeof d.channel, "%s", channel);
        r = store_notice_delivery_add(tx, &d);
        char payload[64];
        snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)m.id);
        if (r >= 0)
                r = store_job_add(tx, "deliver", payload, req->now, NULL);
        return r < 0 ? r : 1;
}

/* What a template may say about one tenant's notice (base/templates.c). */
struct fields {
        const char *tenant, *tenant_name, *incident, *kind, *version, *nature, *user_impact, *mitigation, *next_steps,
                *next_update_at;
};

static const char *field_value(const char *name, void *userdata)
{
        const struct fields *f = userdata;
        const struct {
                const char *name, *value;
        } all[] = { { "tenant", f->tenant },
                    { "tenant_name", f->tenant_name },
                    { "incident", f->incident },
                    { "kind", f->kind },
                    { "version", f->version },
                    { "nature", f->nature },
                    { "user_impact", f->user_impact },
                    { "mitigation", f->mitigation },
                    { "next_steps", f->next_steps },
                    { "next_update_at", f->next_update_at } };
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
                if (strcmp(all[i].name, name) == 0)
                        return all[i].value ? all[i].value : "";
        return NULL;
}

/* The message for one tenant: its kind's template filled with this notice
 * and this tenant's name, nothing of any other tenant. *messages counts
 * the messages queued; *recipients the recipients that have their
 * message, queued now or before. */
static int release_to(struct request *req, struct store_tx *tx, const struct incident *inc, const struct notice_copy *c,
                      const char *tenant, unsigned *messages, unsigned *recipients)
{
        json_t *doc = NULL;
        int r = store_tenant_get(tx, tenant, tenant_doc, &doc);
        if (r == -VG_ENOTFOUND) {
                log_event(LOG_LVL_WARN, "notice not sent: the tenant has no record", "incident=%s tenant=%s", inc->key,
                          tenant);
                return 0;
        }
        if (r < 0)
                return r;
        const char *name = json_string_value(json_object_get(doc, "name"));
        char next[VG_RFC3339_MAX] = "";
        if (c->n.next_update_at)
                vg_time_format(c->n.next_update_at, next);
        char version[24];
        snprintf(version, sizeof version, "%lld", (long long)c->n.version);
        struct fields f = { .tenant = tenant, .tenant_name = name, .incident = inc->key, .kind = c->n.kind,
                            .version = version, .nature = c->nature, .user_impact = c->impact,
                            .mitigation = c->mitigation, .next_steps = c->next, .next_update_at = next };
        int k = notice_kind_index(c->n.kind);
        char *subject = NULL, *body = NULL;
        if (req->templates && k >= 0) {
                subject = template_render(req->templates->subject[k], field_value, &f);
                body = template_render(req->templates->body[k], field_value, &f);
        }
        if (!subject || !body) {
                free(subject);
                free(body);
                json_decref(doc);
                return req->templates ? -ENOMEM : -EINVAL;
        }
        json_t *contacts = json_object_get(doc, "contacts"), *ct;
        size_t i;
        json_array_foreach(contacts, i, ct)
        {
                const char *email = json_string_value(json_object_get(ct, "email"));
                if (!email || r < 0)
                        continue;
                r = queue(req, tx, inc, &c->n, tenant, "email", email, subject, body);
                *messages += r > 0;
                *recipients += r >= 0;
        }
        const char *hook = json_string_value(json_object_get(doc, "webhook"));
        if (hook && r >= 0) {
                json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "notice", "tenant", tenant,
                                      "incident", inc->key, "version", (json_int_t)c->n.version, "kind", c->n.kind, "nature",
                                      c->nature, "user_impact", c->impact, "mitigation", c->mitigation, "next_steps", c->next,
                                      "next_update_at", next);
                char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
                json_decref(j);
                r = text ? queue(req, tx, inc, &c->n, tenant, "webhook", hook, "", text) : -ENOMEM;
                *messages += r > 0;
                *recipients += r >= 0;
                free(text);
        }
        free(subject);
        free(body);
        json_decref(doc);
        return r < 0 ? r : 0;
}

/* The open contract obligations of an incident, by tenant, read once per
 * release: a release may reach every tenant in scope. */
struct contract_row {
        char tenant[STORE_NAME_MAX];
        int64_t id;
};

struct contract_rows {
        size_t n, cap;
        struct contract_row *v;
};

/* One open contractual obligation per tenant in scope, and a scope holds
 * at most a million tenants (incidents.c). */
#define CONTRACTS_MAX 1000000

static int add_contract(const struct obligation *o, void *userdata)
{
        struct contract_rows *c = userdata;
        if (strcmp(o->rule_id, "CONTRACT") != 0 || strcmp(o->status, "open") != 0)
                return 0;
        int r = array_reserve(c->v, c->cap, c->n + 1, CONTRACTS_MAX);
        if (r < 0)
                return r;
        snprintf(c->v[c->n].tenant, sizeof c->v[c->n].tenant, "%s", o->tenant);
        c->v[c->n++].id = o->id;
        return 0;
}

static int contract_cmp(const void *a, const void *b)
{
        return strcmp(((const struct contract_row *)a)->tenant, ((const struct contract_row *)b)->tenant);
}

static int64_t contract_of(const struct contract_rows *c, const char *tenant)
{
        struct contract_row key = { .id = 0 };
        snprintf(key.tenant, sizeof key.tenant, "%s", tenant);
        const struct contract_row *hit = c->n ? bsearch(&key, c->v, c->n, sizeof *c->v, contract_cmp) : NULL;
        return hit ? hit->id : 0;
}

int api_notice_release(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct notice_copy c = { 0 };
        struct store_tx *tx;
        long long id;
        unsigned messages = 0;
        if (request_id_param(req, 1, "notice", &id) < 0)
                return -VG_ENOTFOUND;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_incident_get(tx, req->params[0], &inc);
        if (r >= 0)
                r = store_notice_get(tx, id, copy_notice, &c);
        if (r >= 0 && c.n.incident_id != inc.id)
                r = -VG_ENOTFOUND;
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no notice %lld on %s", id, req->params[0]);
        /* Two-person release for the severities configured: any severity the
         * incident has had since the notice was composed counts, so that
         * lowering it to release alone (and raising it again) lifts
         * nothing. */
        for (size_t i = 0; r >= 0 && i < req->cfg->notices.n_two_person; i++) {
                char mark[16];
                snprintf(mark, sizeof mark, ",%s,", req->cfg->notices.two_person_sev[i]);
                if (strstr(c.severities, mark) && strcmp(c.n.composed_by, req->who.user.name) == 0) {
                        request_detail(req,
                                       "a %s notice needs a second person: %s composed it (the incident has been %s "
                                       "since the notice was composed)",
                                       req->cfg->notices.two_person_sev[i], c.n.composed_by,
                                       req->cfg->notices.two_person_sev[i]);
                        r = -VG_ECONFLICT;
                }
        }
        if (r >= 0) {
                r = store_notice_release(tx, id, req->who.user.name, req->now);
                if (r == -VG_ECONFLICT)
                        request_detail(req, "notice %lld was released already", id);
        }
        struct contract_rows contracts = { 0 };
        if (r >= 0)
                r = store_obligation_list(tx, inc.id, add_contract, &contracts);
        if (contracts.n)
                qsort(contracts.v, contracts.n, sizeof *contracts.v, contract_cmp);
        json_t *tenants = r >= 0 ? json_loads(c.tenants, 0, NULL) : NULL, *t;
        size_t i;
        json_array_foreach(tenants, i, t)
        {
                if (r < 0)
                        break;
                unsigned reached = 0;
                r = release_to(req, tx, &inc, &c, json_string_value(t), &messages, &reached);
                /* The contract obligation counts as met when the tenant's first
                 * notice goes out, whatever its kind: when every designated
                 * recipient has its message (release_to fails otherwise) and
                 * there is at least one. A tenant without a record or any
                 * recipient was told nothing, so its obligation stays open. */
                int64_t contract = r >= 0 && reached ? contract_of(&contracts, json_string_value(t)) : 0;
                if (contract)
                        r = store_obligation_sent(tx, contract, req->now);
        }
        free(contracts.v);
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:I, s:O, s:i}", "notice", (json_int_t)id, "version", (json_int_t)c.n.version,
                                           "tenants", tenants, "messages", messages);
                r = request_audit_incident(req, tx, "incident.notice.release", inc.key, change);
                json_decref(change);
        }
        if (r >= 0)
                r = case_obligations_recompute(tx, req->rules, &req->cfg->provider, inc.key, req->now);
        json_decref(tenants);
        r = store_finish(tx, r);
        notice_copy_fini(&c);
        incident_fini(&inc);
        if (r < 0)
                return r;
        return api_notice_list(req, resp);
}
