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
#include "cases/notices.h"

#include "base/log.h"
#include "base/templates.h"
#include "cases/obligations.h"
#include "cases/outbox.h"
#include "core/array.h"
#include "core/error.h"
#include "core/template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *case_notice_json(const struct notice *n)
{
        json_t *tenants = json_loads(n->tenants, 0, NULL);
        return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o}", "id", (json_int_t)n->id,
                         "version", (json_int_t)n->version, "kind", n->kind, "nature", n->nature, "user_impact",
                         n->user_impact, "mitigation", n->mitigation, "next_steps", n->next_steps ? n->next_steps : "",
                         "next_update_at", case_time_json(n->next_update_at), "tenants", tenants ? tenants : json_array(),
                         "composed_by", n->composed_by, "composed_at", case_time_json(n->composed_at), "released_by",
                         n->released_by, "released_at", case_time_json(n->released_at));
}

/* ---- composing ---- */

static void require_text(struct case_outcome *o, const char *field, const char *s)
{
        if (!s || !*s)
                fielderr_add(&o->errors, field, "is required and must not be empty");
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

/* The tenants to tell, into to: those the draft names, each checked
 * against the scope, or the whole scope. */
static int pick_tenants(struct store_tx *tx, const struct incident *inc, const struct notice_draft *d, json_t *to,
                        struct field_errors *fe)
{
        struct scope_ids scope = { json_array() };
        if (!scope.ids)
                return -ENOMEM;
        int r = store_incident_tenants_list(tx, inc->id, scope_id, &scope);
        if (r < 0 || !d->tenants) {
                if (r >= 0)
                        r = json_array_extend(to, scope.ids) < 0 ? -ENOMEM : 0;
                json_decref(scope.ids);
                return r;
        }
        /* The scope as a set (an object keyed by tenant id), so that a notice
         * to 100,000 tenants checks each in constant time; a tenant taken
         * is marked so that one listed twice is caught. */
        json_t *in_scope = json_object(), *s;
        size_t i;
        json_array_foreach(scope.ids, i, s) json_object_set_new(in_scope, json_string_value(s), json_true());
        for (i = 0; i < d->n_tenants; i++) {
                const char *t = d->tenants[i];
                json_t *mark = t ? json_object_get(in_scope, t) : NULL;
                char field[32];
                snprintf(field, sizeof field, "tenants[%zu]", i);
                if (!mark) {
                        fielderr_add(fe, field, "is not in the incident's scope");
                } else if (json_is_false(mark)) {
                        fielderr_add(fe, field, "is listed twice");
                } else {
                        json_object_set_new(in_scope, t, json_false());
                        json_array_append_new(to, json_string(t));
                }
        }
        json_decref(in_scope);
        json_decref(scope.ids);
        return 0;
}

int case_notice_compose(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                        const struct notice_draft *d, json_t **ret_notice, struct case_outcome *o)
{
        struct incident inc = { 0 };
        struct notice n = { .composed_at = now,
                            .nature = d->nature,
                            .user_impact = d->user_impact,
                            .mitigation = d->mitigation, /* "none applicable" says so explicitly */
                            .next_steps = d->next_steps,
                            .next_update_at = d->next_update_at };
        *ret_notice = NULL;
        if (!d->kind || notice_kind_index(d->kind) < 0)
                fielderr_add(&o->errors, "kind", "must be initial, update or final");
        require_text(o, "nature", d->nature);
        require_text(o, "user_impact", d->user_impact);
        require_text(o, "mitigation", d->mitigation);
        if (d->next_update_at != VG_TIME_UNSET && d->next_update_at <= now)
                fielderr_add(&o->errors, "next_update_at", "must be in the future");
        int r = case_incident_get(tx, key, &inc, o);
        if (r < 0)
                goto out;
        /* While the investigation is open, customers must hear what comes next and when. */
        if (d->kind && strcmp(d->kind, "final") != 0 && incident_investigating(inc.phase)) {
                if (!d->next_steps || !*d->next_steps)
                        fielderr_add(&o->errors, "next_steps", "is required while the investigation is open");
                if (d->next_update_at == VG_TIME_UNSET)
                        fielderr_add(&o->errors, "next_update_at", "is required while the investigation is open");
        }
        json_t *to = json_array();
        r = to ? pick_tenants(tx, &inc, d, to, &o->errors) : -ENOMEM;
        if (r >= 0 && !json_array_size(to) && !fielderr_any(&o->errors))
                fielderr_add(&o->errors, "tenants", "no affected tenant to notify (set the incident's scope)");
        if (r >= 0 && fielderr_any(&o->errors))
                r = -VG_EVALIDATION;
        char *to_text = r >= 0 ? json_dumps(to, JSON_COMPACT) : NULL;
        json_decref(to);
        if (r >= 0) {
                snprintf(n.kind, sizeof n.kind, "%s", d->kind);
                n.incident_id = inc.id;
                n.tenants = to_text;
                snprintf(n.composed_by, sizeof n.composed_by, "%s", actor->name);
                r = to_text ? store_notice_insert(tx, &n) : -ENOMEM;
        }
        json_t *j = r >= 0 ? case_notice_json(&n) : NULL;
        if (r >= 0)
                r = j ? store_audit_incident(tx, now, actor, "incident.notice.compose", inc.key, j) : -ENOMEM;
        free(to_text);
        if (r >= 0)
                *ret_notice = j;
        else
                json_decref(j);
out:
        incident_fini(&inc);
        return r;
}

/* ---- releasing ---- */

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

/* One release in progress: what every message of it shares. */
struct release {
        struct store_tx *tx;
        vg_usec_t now;
        const struct notice_templates *templates;
        const struct incident *inc;
        const struct notice_copy *c;
        unsigned messages; /* queued by this release */
};

/* Queue one message of a released notice under the key of its whole
 * recipient tuple: 1 queued, 0 when this very tuple has its delivery
 * already (a contact listed twice: still one message). A key taken by any
 * other message is an error, never a skip: skipping it would leave this
 * recipient without the notice while the release reports it sent. */
static int queue(struct release *rl, const char *tenant, const char *channel, const char *address,
                 const char *subject, const char *body)
{
        const struct notice *n = &rl->c->n;
        struct outbox_msg m = { .address = address, .subject = subject, .body = body, .created_at = rl->now };
        store_notice_key(rl->inc->id, tenant, n->version, channel, address, m.idem_key);
        snprintf(m.channel, sizeof m.channel, "%s", channel);
        int r = case_message_queue(rl->tx, &m, rl->now);
        if (r == 0) {
                r = store_notice_delivery_exists(rl->tx, n->id, tenant, channel, address);
                if (r == 0) {
                        log_event(LOG_LVL_ERROR, "notice key taken by another message", "incident=%s tenant=%s key=%s",
                                  rl->inc->key, tenant, m.idem_key);
                        r = -EEXIST;
                }
                return r < 0 ? r : 0;
        }
        if (r < 0)
                return r;
        struct notice_delivery d = { .notice_id = n->id, .address = address, .outbox_id = m.id };
        snprintf(d.tenant, sizeof d.tenant, "%s", tenant);
        snprintf(d.channel, sizeof d.channel, "%s", channel);
        r = store_notice_delivery_add(rl->tx, &d);
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

/* The subject and body of notice c of incident inc for tenant (named
 * name): its kind's template filled with this notice and this tenant,
 * nothing of any other tenant. Both yours; -EINVAL without templates. */
static int message_for(const struct notice_templates *t, const struct incident *inc, const struct notice_copy *c,
                       const char *tenant, const char *name, char **subject, char **body)
{
        char next[VG_RFC3339_MAX] = "";
        if (c->n.next_update_at)
                vg_time_format(c->n.next_update_at, next);
        char version[24];
        snprintf(version, sizeof version, "%lld", (long long)c->n.version);
        struct fields f = { .tenant = tenant, .tenant_name = name, .incident = inc->key, .kind = c->n.kind,
                            .version = version, .nature = c->nature, .user_impact = c->impact,
                            .mitigation = c->mitigation, .next_steps = c->next, .next_update_at = next };
        int k = notice_kind_index(c->n.kind);
        *subject = *body = NULL;
        if (t && k >= 0) {
                *subject = template_render(t->subject[k], field_value, &f);
                *body = template_render(t->body[k], field_value, &f);
        }
        if (!*subject || !*body) {
                free(*subject);
                free(*body);
                *subject = *body = NULL;
                return t ? -ENOMEM : -EINVAL;
        }
        return 0;
}

/* The messages for one tenant (message_for). rl->messages counts
 * the messages queued; *recipients the recipients that have their
 * message, queued now or before. */
static int release_to(struct release *rl, const char *tenant, unsigned *recipients)
{
        const struct notice_copy *c = rl->c;
        json_t *doc = NULL;
        int r = store_tenant_get(rl->tx, tenant, tenant_doc, &doc);
        if (r == -VG_ENOTFOUND) {
                log_event(LOG_LVL_WARN, "notice not sent: the tenant has no record", "incident=%s tenant=%s",
                          rl->inc->key, tenant);
                return 0;
        }
        if (r < 0)
                return r;
        char next[VG_RFC3339_MAX] = "";
        if (c->n.next_update_at)
                vg_time_format(c->n.next_update_at, next);
        char *subject, *body;
        r = message_for(rl->templates, rl->inc, c, tenant, json_string_value(json_object_get(doc, "name")), &subject,
                        &body);
        if (r < 0) {
                json_decref(doc);
                return r;
        }
        json_t *contacts = json_object_get(doc, "contacts"), *ct;
        size_t i;
        json_array_foreach(contacts, i, ct)
        {
                const char *email = json_string_value(json_object_get(ct, "email"));
                if (!email || r < 0)
                        continue;
                r = queue(rl, tenant, "email", email, subject, body);
                rl->messages += r > 0;
                *recipients += r >= 0;
        }
        const char *hook = json_string_value(json_object_get(doc, "webhook"));
        if (hook && r >= 0) {
                json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "notice", "tenant", tenant,
                                      "incident", rl->inc->key, "version", (json_int_t)c->n.version, "kind", c->n.kind,
                                      "nature", c->nature, "user_impact", c->impact, "mitigation", c->mitigation,
                                      "next_steps", c->next, "next_update_at", next);
                char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
                json_decref(j);
                r = text ? queue(rl, tenant, "webhook", hook, "", text) : -ENOMEM;
                rl->messages += r > 0;
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

static int add_contract(const struct obligation_state *o, void *userdata)
{
        struct contract_rows *c = userdata;
        if (strcmp(o->status, "open") != 0)
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

/* Sorted in bytes: the store's order on SQLite already; sorted here for
 * another collation. */
static void contracts_sort(struct contract_rows *c)
{
        for (size_t i = 1; i < c->n; i++)
                if (contract_cmp(&c->v[i - 1], &c->v[i]) > 0) {
                        qsort(c->v, c->n, sizeof *c->v, contract_cmp);
                        return;
                }
}

/* Two-person release for the severities configured: any severity the
 * incident has had since the notice was composed counts, so that lowering
 * it to release alone (and raising it again) lifts nothing. */
static int two_person_check(const struct notice_policy *p, const struct actor *actor, const struct notice_copy *c,
                            struct case_outcome *o)
{
        int r = 0;
        for (size_t i = 0; i < p->n_two_person; i++) {
                char mark[16];
                snprintf(mark, sizeof mark, ",%s,", p->two_person[i]);
                if (strstr(c->severities, mark) && strcmp(c->n.composed_by, actor->name) == 0) {
                        case_outcome_detail(o,
                                            "a %s notice needs a second person: %s composed it (the incident has "
                                            "been %s since the notice was composed)",
                                            p->two_person[i], c->n.composed_by, p->two_person[i]);
                        r = -VG_ECONFLICT;
                }
        }
        return r;
}

/* Every tenant of the notice its messages; each one reached has its
 * contract obligation met. */
static int release_all(struct release *rl, json_t *tenants)
{
        struct contract_rows contracts = { 0 };
        int r = store_obligation_states(rl->tx, rl->inc->id, "CONTRACT", add_contract, &contracts);
        contracts_sort(&contracts);
        json_t *t;
        size_t i;
        json_array_foreach(tenants, i, t)
        {
                if (r < 0)
                        break;
                unsigned reached = 0;
                r = release_to(rl, json_string_value(t), &reached);
                /* The contract obligation counts as met when the tenant's first
                 * notice goes out, whatever its kind: when every designated
                 * recipient has its message (release_to fails otherwise) and
                 * there is at least one. A tenant without a record or any
                 * recipient was told nothing, so its obligation stays open. */
                int64_t contract = r >= 0 && reached ? contract_of(&contracts, json_string_value(t)) : 0;
                if (contract)
                        r = store_obligation_sent(rl->tx, contract, rl->now);
        }
        free(contracts.v);
        return r;
}

/* Notice id of incident key into *inc and *c: -VG_ENOTFOUND (o says
 * which) when key has no such notice. */
static int notice_of(struct store_tx *tx, const char *key, int64_t id, struct incident *inc, struct notice_copy *c,
                     struct case_outcome *o)
{
        int r = store_incident_get(tx, key, inc);
        if (r >= 0)
                r = store_notice_get(tx, id, copy_notice, c);
        if (r >= 0 && c->n.incident_id != inc->id)
                r = -VG_ENOTFOUND;
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no notice %lld on %s", (long long)id, key);
        return r;
}

int case_notice_release(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        const struct notice_policy *p, const char *key, int64_t id, unsigned *ret_messages,
                        struct case_outcome *o)
{
        struct incident inc = { 0 };
        struct notice_copy c = { 0 };
        struct release rl = { .tx = tx, .now = now, .templates = p->templates, .inc = &inc, .c = &c };
        json_t *tenants = NULL;
        int r = notice_of(tx, key, id, &inc, &c, o);
        if (r >= 0)
                r = two_person_check(p, actor, &c, o);
        if (r >= 0) {
                r = store_notice_release(tx, id, actor->name, now);
                if (r == -VG_ECONFLICT)
                        case_outcome_detail(o, "notice %lld was released already", (long long)id);
        }
        if (r >= 0) {
                tenants = json_loads(c.tenants, 0, NULL);
                r = release_all(&rl, tenants);
        }
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:I, s:O, s:i}", "notice", (json_int_t)id, "version",
                                           (json_int_t)c.n.version, "tenants", tenants, "messages", rl.messages);
                r = change ? store_audit_incident(tx, now, actor, "incident.notice.release", inc.key, change) : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0)
                r = case_obligations_recompute(tx, p->rules, p->provider, inc.key, now);
        if (r >= 0 && ret_messages)
                *ret_messages = rl.messages;
        json_decref(tenants);
        notice_copy_fini(&c);
        incident_fini(&inc);
        return r;
}

/* Whether tenant is among the tenants (a JSON array of ids) of a notice. */
static bool addressed_to(const char *tenants, const char *tenant)
{
        json_t *a = json_loads(tenants, 0, NULL), *v;
        size_t i;
        bool yes = false;
        json_array_foreach(a, i, v)
                yes |= json_is_string(v) && strcmp(json_string_value(v), tenant) == 0;
        json_decref(a);
        return yes;
}

int case_notice_preview(struct store_tx *tx, const struct notice_templates *t, const char *key, int64_t id,
                        const char *tenant, json_t **ret, struct case_outcome *o)
{
        struct incident inc = { 0 };
        struct notice_copy c = { 0 };
        json_t *doc = NULL;
        char *subject = NULL, *body = NULL;
        int r = notice_of(tx, key, id, &inc, &c, o);
        if (r >= 0 && !addressed_to(c.tenants, tenant)) {
                case_outcome_detail(o, "notice %lld is not addressed to tenant %s", (long long)id, tenant);
                r = -VG_ENOTFOUND;
        }
        if (r >= 0) {
                r = store_tenant_get(tx, tenant, tenant_doc, &doc);
                if (r == -VG_ENOTFOUND)
                        case_outcome_detail(o, "tenant %s has no record: the release tells it nothing", tenant);
        }
        if (r >= 0)
                r = message_for(t, &inc, &c, tenant, json_string_value(json_object_get(doc, "name")), &subject, &body);
        if (r >= 0) {
                json_t *to = json_array(), *ct;
                size_t i;
                json_array_foreach(json_object_get(doc, "contacts"), i, ct)
                {
                        const char *email = json_string_value(json_object_get(ct, "email"));
                        if (email)
                                json_array_append_new(to, json_string(email));
                }
                const char *hook = json_string_value(json_object_get(doc, "webhook"));
                *ret = json_pack("{s:I, s:s, s:s, s:o, s:b, s:s, s:s, s:b}", "notice", (json_int_t)id, "incident", inc.key,
                                 "tenant", tenant, "to", to ? to : json_array(), "webhook", hook != NULL, "subject",
                                 subject, "body", body, "released", c.n.released_at != VG_TIME_UNSET);
                r = *ret ? 0 : -ENOMEM;
        }
        free(subject);
        free(body);
        json_decref(doc);
        notice_copy_fini(&c);
        incident_fini(&inc);
        return r;
}
