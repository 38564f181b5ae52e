/* Paging: an incident's escalations start (one per affected service with
 * an escalation policy, else the policy named "default"), each level pages
 * whoever its targets reach at that moment through every contact method
 * they have, and the next level follows after the level's delay unless
 * someone acknowledged. Messages go through the outbox: a row per message
 * with an idempotency key, delivered by its own job with retries.
 *
 * Who may acknowledge: the person paged (the link is theirs by
 * construction: it was sent only to them); an incident manager, executive
 * incident manager or admin someone else's page, with a reason kept in the
 * audit record. A responder cannot stop a colleague's escalation. */
#include "cases/paging.h"

#include "base/secret.h"
#include "cases/oncall.h"
#include "cases/outbox.h"
#include "core/array.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_POLICIES_MAX 32

static int add_job(struct store_tx *tx, const char *kind, json_t *payload, vg_usec_t due)
{
        char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(payload);
        int r = text ? store_job_add(tx, kind, text, due, NULL) : -ENOMEM;
        free(text);
        return r;
}

/* ---- escalations ---- */

struct pair {
        char service[STORE_NAME_MAX];
        char policy[STORE_NAME_MAX];
};

struct svc_list {
        size_t n, cap;
        char (*v)[STORE_NAME_MAX];
};

static int svc_add(const char *service, void *userdata)
{
        struct svc_list *l = userdata;
        int r = array_reserve(l->v, l->cap, l->n + 1, INCIDENT_SERVICES_MAX);
        if (r < 0)
                return r;
        snprintf(l->v[l->n++], STORE_NAME_MAX, "%s", service);
        return 0;
}

/* The (service, policy) pairs that page for incident_id into pairs. */
static int start_pairs(struct store_tx *tx, int64_t incident_id, struct pair *pairs, size_t *n)
{
        struct svc_list svcs = {0};
        int r = store_incident_services_list(tx, incident_id, svc_add, &svcs);
        *n = 0;
        for (size_t i = 0; r >= 0 && i < svcs.n && *n < START_POLICIES_MAX; i++) {
                json_t *svc = NULL;
                if (org_load(tx, "service", svcs.v[i], &svc) >= 0) {
                        const char *pol =
                                json_string_value(json_object_get(svc, "escalation_policy"));
                        if (pol) {
                                snprintf(pairs[*n].service, sizeof pairs[0].service, "%s",
                                         svcs.v[i]);
                                snprintf(pairs[(*n)++].policy, sizeof pairs[0].policy, "%s", pol);
                        }
                }
                json_decref(svc);
        }
        if (r >= 0 && *n == 0) {
                /* Nobody owns it: the policy called "default", if there is one. */
                json_t *def = NULL;
                if (org_load(tx, "escalation_policy", "default", &def) >= 0) {
                        snprintf(pairs[0].service, sizeof pairs[0].service, "%s",
                                 svcs.n ? svcs.v[0] : "");
                        snprintf(pairs[(*n)++].policy, sizeof pairs[0].policy, "default");
                }
                json_decref(def);
        }
        free(svcs.v);
        return r;
}

static int audit_pack(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                      const char *action, const char *key, json_t *change)
{
        int r = change ? store_audit_incident(tx, now, actor, action, key, change) : -ENOMEM;
        json_decref(change);
        return r;
}

int case_escalation_start(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                          const char *key, const char *trigger, struct escalation_start *ret)
{
        struct incident inc = {0};
        struct pair pairs[START_POLICIES_MAX];
        size_t n = 0;
        memset(ret, 0, sizeof *ret);
        if (!key || !trigger)
                return -VG_EVALIDATION;
        int r = store_incident_get(tx, key, &inc);
        if (r >= 0)
                r = start_pairs(tx, inc.id, pairs, &n);
        if (r >= 0 && n == 0)
                r = audit_pack(
                        tx, actor, now, "incident.escalation.none", key,
                        json_pack("{s:s, s:s}", "trigger", trigger, "why", "no escalation policy"));
        ret->policies = n;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct escalation e = {.incident_id = inc.id, .started_at = now};
                memcpy(e.service, pairs[i].service, sizeof e.service);
                memcpy(e.policy, pairs[i].policy, sizeof e.policy);
                snprintf(e.trigger, sizeof e.trigger, "%s", trigger);
                snprintf(e.state, sizeof e.state, "active");
                r = store_escalation_add(tx, &e);
                if (r == -VG_ECONFLICT) {
                        r = 0; /* started already */
                        continue;
                }
                if (r >= 0)
                        r = add_job(tx, "escalate.step",
                                    json_pack("{s:I, s:s, s:i, s:i}", "escalation_id",
                                              (json_int_t)e.id, "key", key, "level", 1, "round", 0),
                                    now);
                if (r >= 0)
                        r = audit_pack(tx, actor, now, "incident.escalation.start", key,
                                       json_pack("{s:s, s:s, s:s}", "service", e.service, "policy",
                                                 e.policy, "trigger", trigger));
                ret->started += r >= 0;
        }
        incident_fini(&inc);
        return r;
}

/* A page in the making: what its messages say. */
struct page_text {
        char subject[400], body[4096], sms[1024];
        char *hook; /* owns: the webhook body */
};

static int page_text(const struct paging_config *cfg, const struct escalation *e,
                     const struct incident *inc, const struct oncall_page *pg, const char *token,
                     int64_t delay, struct page_text *t)
{
        char ack_url[600], opened[VG_RFC3339_MAX];
        snprintf(ack_url, sizeof ack_url, "%s/ack/%s", cfg->public_url, token);
        vg_time_format(inc->created_at, opened);
        snprintf(t->subject, sizeof t->subject, "[Vigil] PAGE %s %s: %s",
                 severity_to_string(inc->severity), inc->key, inc->title);
        snprintf(t->body, sizeof t->body,
                 "You are paged for incident %s (%s).\n\n"
                 "  %s\n  severity %s, phase %s, opened %s\n\n"
                 "Why you: level %d of escalation policy %s (%s), service %s.\n"
                 "Unacknowledged, it escalates to the next level in %lld s.\n\n"
                 "Acknowledge: %s\n"
                 "or: vigil page ack %lld\n",
                 inc->key, e->trigger, inc->title, severity_to_string(inc->severity),
                 phase_to_string(inc->phase), opened, pg->level, e->policy, pg->via,
                 e->service[0] ? e->service : "-", (long long)delay, ack_url, (long long)pg->id);
        char sms_title[81]; /* an SMS is short: the title cut on a character boundary */
        utf8_copy(sms_title, sizeof sms_title, inc->title);
        snprintf(t->sms, sizeof t->sms, "Vigil PAGE %s %s %s ack: %s",
                 severity_to_string(inc->severity), inc->key, sms_title, ack_url);
        json_t *hook =
                json_pack("{s:s, s:I, s:{s:s, s:s, s:s, s:s}, s:i, s:i, s:s, s:s, s:s, s:s, s:s}",
                          "type", "page", "page_id", (json_int_t)pg->id, "incident", "key",
                          inc->key, "title", inc->title, "severity",
                          severity_to_string(inc->severity), "phase", phase_to_string(inc->phase),
                          "level", pg->level, "round", pg->round, "policy", e->policy, "service",
                          e->service, "user", pg->user, "via", pg->via, "ack_url", ack_url);
        t->hook = hook ? json_dumps(hook, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(hook);
        secret_wipe(ack_url, sizeof ack_url);
        return t->hook ? 0 : -ENOMEM;
}

/* Queue one message of page pg; one already queued counts as queued. */
static int queue(struct store_tx *tx, vg_usec_t now, int64_t page_id, const char *channel, int idx,
                 const char *address, const char *subject, const char *body)
{
        struct outbox_msg m = {.address = address,
                               .subject = subject,
                               .body = body,
                               .page_id = page_id,
                               .created_at = now};
        snprintf(m.idem_key, sizeof m.idem_key, "page-%lld-%s-%d", (long long)page_id, channel,
                 idx);
        snprintf(m.channel, sizeof m.channel, "%s", channel);
        int r = case_message_queue(tx, &m, now);
        return r < 0 ? r : 0;
}

/* A message per contact method of u for page pg (their account's email
 * when they have none that works); the number queued. */
static int page_messages(struct store_tx *tx, vg_usec_t now, const struct paging_config *cfg,
                         const struct user *u, int64_t page_id, const struct page_text *t)
{
        int r = 0, queued = 0;
        json_t *contacts = json_loads(u->contacts[0] ? u->contacts : "[]", 0, NULL), *c;
        size_t i;
        json_array_foreach(contacts, i, c)
        {
                const char *type = json_string_value(json_object_get(c, "type"));
                const char *addr = json_string_value(json_object_get(c, "address"));
                if (!type || !addr || r < 0)
                        continue;
                if (strcmp(type, "email") == 0)
                        r = queue(tx, now, page_id, "email", (int)i, addr, t->subject, t->body);
                else if (strcmp(type, "webhook") == 0)
                        r = queue(tx, now, page_id, "webhook", (int)i, addr, "", t->hook);
                else if (strcmp(type, "sms") == 0 && cfg->sms)
                        r = queue(tx, now, page_id, "sms", (int)i, addr, "", t->sms);
                else
                        continue;
                queued += r >= 0;
        }
        json_decref(contacts);
        if (r >= 0 && !queued && u->email[0]) {
                r = queue(tx, now, page_id, "email", 99, u->email, t->subject, t->body);
                queued += r >= 0;
        }
        return r < 0 ? r : queued;
}

/* Page one person: the page row with its acknowledgement token and a
 * message per contact method, counted into st. */
static int page_person(struct store_tx *tx, vg_usec_t now, const struct paging_config *cfg,
                       const struct escalation *e, const struct incident *inc, const char *user,
                       const char *via, int level, int round, int64_t delay,
                       struct escalation_step *st)
{
        struct user u;
        int r = store_user_get_by_name(tx, user, &u);
        if (r == -VG_ENOTFOUND || (r >= 0 && u.disabled)) {
                st->skipped++;
                snprintf(st->skipped_user, sizeof st->skipped_user, "%s", user);
                return 0;
        }
        if (r < 0)
                return r;
        char token[SECRET_TOKEN_MAX];
        struct oncall_page pg = {.escalation_id = e->id,
                                 .incident_id = inc->id,
                                 .level = level,
                                 .round = round,
                                 .created_at = now};
        snprintf(pg.user, sizeof pg.user, "%s", user);
        snprintf(pg.via, sizeof pg.via, "%s", via);
        r = secret_token_new("vga_", token, sizeof token);
        if (r < 0)
                return r;
        secret_token_digest(token, pg.ack_hash);
        r = store_page_add(tx, &pg);
        struct page_text t = {0};
        if (r >= 0)
                r = page_text(cfg, e, inc, &pg, token, delay, &t);
        secret_wipe(token, sizeof token);
        if (r == -VG_ECONFLICT)
                return 0; /* paged at this level and round already */
        int queued = r >= 0 ? page_messages(tx, now, cfg, &u, pg.id, &t) : r;
        free(t.hook);
        if (queued < 0)
                return queued;
        if (!queued) {
                st->unreachable++;
                snprintf(st->unreachable_user, sizeof st->unreachable_user, "%s", user);
        }
        st->messages += (size_t)queued;
        return 0;
}

/* Whether oncall's person i was listed before it (paged once a level). */
static bool listed_before(json_t *oncall, size_t i, const char *user)
{
        for (size_t k = 0; k < i; k++)
                if (strcmp(json_string_value(json_object_get(json_array_get(oncall, k), "user")),
                           user) == 0)
                        return true;
        return false;
}

/* Page level `level` of e's policy, whose levels are pol's. */
static int page_level(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                      const struct paging_config *cfg, struct escalation *e,
                      const struct incident *inc, json_t *pol, int level, int round,
                      struct escalation_step *st)
{
        json_t *levels = NULL, *person;
        int r = oncall_levels(tx, e->policy, now, &levels);
        if (r < 0)
                return r;
        json_t *oncall = json_object_get(json_array_get(levels, (size_t)level - 1), "oncall");
        int64_t delay = oncall_level_delay(
                json_array_get(json_object_get(pol, "levels"), (size_t)level - 1));
        json_t *paged = json_array();
        size_t i;
        json_array_foreach(oncall, i, person)
        {
                const char *user = json_string_value(json_object_get(person, "user"));
                const char *via = json_string_value(json_object_get(person, "via"));
                if (r < 0 || listed_before(oncall, i, user))
                        continue;
                r = page_person(tx, now, cfg, e, inc, user, via, level, round, delay, st);
                json_array_append_new(paged, json_string(user));
        }
        st->paged = json_array_size(paged);
        st->what = st->paged ? STEP_PAGED : STEP_NOBODY;
        st->level = level;
        st->round = round;
        if (r >= 0)
                r = audit_pack(tx, actor, now, st->paged ? "incident.page" : "incident.page.nobody",
                               inc->key,
                               json_pack("{s:s, s:i, s:i, s:O, s:i}", "policy", e->policy, "level",
                                         level, "round", round, "users", paged, "messages",
                                         (int)st->messages));
        json_decref(paged);
        json_decref(levels);
        if (!st->paged)
                delay = 0; /* nobody on call here: escalate at once */
        if (r >= 0) {
                e->level = level;
                e->round = round;
                r = store_escalation_update(tx, e);
        }
        if (r >= 0)
                r = add_job(tx, "escalate.step",
                            json_pack("{s:I, s:s, s:i, s:i}", "escalation_id", (json_int_t)e->id,
                                      "key", inc->key, "level", level + 1, "round", round),
                            now + delay * VG_USEC_PER_SEC);
        return r;
}

static int exhaust(struct store_tx *tx, struct escalation *e)
{
        snprintf(e->state, sizeof e->state, "exhausted");
        return store_escalation_update(tx, e);
}

int case_escalation_step(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct paging_config *cfg, int64_t escalation_id, const char *key,
                         int level, int round, struct escalation_step *ret)
{
        struct escalation e;
        struct incident inc = {0};
        json_t *pol = NULL;
        memset(ret, 0, sizeof *ret);
        ret->what = STEP_OVER;
        if (escalation_id <= 0 || !key || level < 1 || round < 0)
                return -VG_EVALIDATION;
        int r = store_escalation_get(tx, escalation_id, &e);
        if (r < 0 || strcmp(e.state, "active") != 0)
                return r; /* acknowledged (or over) meanwhile */
        snprintf(ret->policy, sizeof ret->policy, "%s", e.policy);
        r = store_incident_get(tx, key, &inc);
        if (r < 0 || incident_closed(inc.phase))
                goto out;
        r = org_load(tx, "escalation_policy", e.policy, &pol);
        if (r == -VG_ENOTFOUND) {
                ret->what = STEP_POLICY_GONE;
                r = exhaust(tx, &e);
                goto out;
        }
        if (r < 0)
                goto out;
        size_t n_levels = json_array_size(json_object_get(pol, "levels"));
        int repeat = (int)json_integer_value(json_object_get(pol, "repeat"));
        if ((size_t)level > n_levels && round >= repeat) {
                ret->what = STEP_EXHAUSTED;
                r = exhaust(tx, &e);
                if (r >= 0)
                        r = audit_pack(tx, actor, now, "incident.escalation.exhausted", key,
                                       json_pack("{s:s, s:i, s:i}", "policy", e.policy, "levels",
                                                 (int)n_levels, "rounds", round + 1));
                goto out;
        }
        if ((size_t)level > n_levels) {
                level = 1; /* the next round */
                round++;
        }
        r = page_level(tx, actor, now, cfg, &e, &inc, pol, level, round, ret);
out:
        json_decref(pol);
        incident_fini(&inc);
        return r;
}

/* ---- acknowledgement ---- */

/* Whether actor (role) may acknowledge page p, with reason (NULL: none
 * given). Someone else's page needs a managing role and a reason. */
static int ack_allowed(const struct actor *actor, enum role role, const struct oncall_page *p,
                       const char *reason, struct case_outcome *o)
{
        if (strcmp(p->user, actor->name) == 0)
                return 0;
        if (role != ROLE_INCIDENT_MANAGER && role != ROLE_EXECUTIVE_INCIDENT_MANAGER &&
            role != ROLE_ADMIN) {
                case_outcome_detail(
                        o,
                        "page %lld is %s's: only the person paged acknowledges it, or an incident "
                        "manager with a reason",
                        (long long)p->id, p->user);
                return -VG_EFORBIDDEN;
        }
        if (!reason) {
                fielderr_add(&o->errors, "reason", "is required to acknowledge %s's page for them",
                             p->user);
                return -VG_EVALIDATION;
        }
        return 0;
}

/* Acknowledge page p by who (as actor), in tx: the page, its escalation,
 * the incident. reason: why someone else acknowledged it (NULL: none). */
static int acknowledge(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const struct oncall_page *p, const char *who, const char *reason,
                       struct case_outcome *o)
{
        struct escalation e;
        struct incident inc = {0};
        int r = store_page_ack(tx, p->id, now);
        if (r == -VG_ECONFLICT)
                case_outcome_detail(o, "page %lld was acknowledged already", (long long)p->id);
        if (r >= 0)
                r = store_escalation_get(tx, p->escalation_id, &e);
        if (r >= 0 && strcmp(e.state, "active") == 0) {
                snprintf(e.state, sizeof e.state, "acknowledged");
                e.acked_at = now;
                snprintf(e.acked_by, sizeof e.acked_by, "%s", who);
                r = store_escalation_update(tx, &e);
        }
        /* The incident, to mark it acknowledged and to name it in the audit record. */
        if (r >= 0)
                r = store_incident_get_by_id(tx, p->incident_id, &inc);
        if (r >= 0 && !inc.acknowledged_at) {
                inc.acknowledged_at = now;
                inc.updated_at = now;
                r = store_incident_update(tx, &inc, inc.version);
        }
        if (r >= 0)
                r = audit_pack(tx, actor, now, "incident.page.ack", inc.key,
                               json_pack("{s:I, s:s, s:i, s:s, s:s?}", "page", (json_int_t)p->id,
                                         "paged", p->user, "level", p->level, "by", who, "reason",
                                         reason));
        incident_fini(&inc);
        return r;
}

int case_page_ack(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                  int64_t page_id, const char *reason, struct case_outcome *o)
{
        struct oncall_page p;
        int r = store_page_get(tx, page_id, &p);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no page %lld", (long long)page_id);
        if (r >= 0)
                r = ack_allowed(actor, role, &p, reason, o);
        return r < 0 ? r : acknowledge(tx, actor, now, &p, actor->name, reason, o);
}

int case_page_ack_link(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       const uint8_t digest[STORE_HASH_BYTES], struct oncall_page *ret,
                       struct case_outcome *o)
{
        int r = store_page_get_by_ack(tx, digest, ret);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "this acknowledgement link is not known");
        if (r < 0)
                return r;
        char who[STORE_NAME_MAX + 8];
        snprintf(who, sizeof who, "%.64s (link)", ret->user);
        struct actor a = *actor;
        if (!a.name)
                a.name = who;
        return acknowledge(tx, &a, now, ret, who, NULL, o);
}
