/* Paging: an incident's escalations start (one per affected service with
 * an escalation policy, else the policy named "default"), each level pages
 * whoever its targets reach at that moment through every contact method
 * they have, and the next level follows after the level's delay unless
 * someone acknowledged. Messages go through the outbox: a row per message
 * with an idempotency key, delivered by its own job with retries. */
#include "jobs/jobs.h"

#include "base/log.h"
#include "base/secret.h"
#include "core/array.h"
#include "core/error.h"
#include "core/names.h"
#include "notify/notify.h"
#include "cases/oncall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct actor pager = { .user_id = 0, .name = "system", .request_id = NULL };

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

static int add_job(struct store_tx *tx, const char *kind, json_t *payload, vg_usec_t due)
{
        char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(payload);
        int r = text ? store_job_add(tx, kind, text, due, NULL) : -ENOMEM;
        free(text);
        return r;
}

int job_escalate_start(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        const char *key = json_string_value(json_object_get(p, "key"));
        const char *trigger = json_string_value(json_object_get(p, "trigger"));
        struct incident inc = { 0 };
        struct svc_list svcs = { 0 };
        struct pair pairs[32];
        size_t n = 0;
        struct store_tx *tx;
        int r = key && trigger ? store_begin(ctx->store, &tx) : -VG_EVALIDATION;
        if (r < 0) {
                json_decref(p);
                return r;
        }
        r = store_incident_get(tx, key, &inc);
        if (r == -VG_ENOTFOUND) {
                log_event(LOG_LVL_WARN, "escalation for an unknown incident dropped", "incident=%s", key);
                r = store_finish(tx, store_job_finish(tx, j->id, ctx->owner, ctx->now));
                json_decref(p);
                return r;
        }
        if (r >= 0)
                r = store_incident_services_list(tx, inc.id, svc_add, &svcs);
        for (size_t i = 0; r >= 0 && i < svcs.n && n < 32; i++) {
                json_t *svc = NULL;
                if (org_load(tx, "service", svcs.v[i], &svc) >= 0) {
                        const char *pol = json_string_value(json_object_get(svc, "escalation_policy"));
                        if (pol) {
                                snprintf(pairs[n].service, sizeof pairs[n].service, "%s", svcs.v[i]);
                                snprintf(pairs[n++].policy, sizeof pairs[0].policy, "%s", pol);
                        }
                }
                json_decref(svc);
        }
        if (r >= 0 && n == 0) {
                /* Nobody owns it: the policy called "default", if there is one. */
                json_t *def = NULL;
                if (org_load(tx, "escalation_policy", "default", &def) >= 0) {
                        snprintf(pairs[0].service, sizeof pairs[0].service, "%s", svcs.n ? svcs.v[0] : "");
                        snprintf(pairs[n++].policy, sizeof pairs[0].policy, "default");
                }
                json_decref(def);
        }
        if (r >= 0 && n == 0) {
                log_event(LOG_LVL_WARN, "nobody to page: no service of the incident has an escalation policy and "
                                        "there is no policy 'default'", "incident=%s", key);
                json_t *change = json_pack("{s:s, s:s}", "trigger", trigger, "why", "no escalation policy");
                r = store_audit_incident(tx, ctx->now, &pager, "incident.escalation.none", key, change);
                json_decref(change);
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct escalation e = { .incident_id = inc.id, .started_at = ctx->now };
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
                                    json_pack("{s:I, s:s, s:i, s:i}", "escalation_id", (json_int_t)e.id, "key", key,
                                              "level", 1, "round", 0),
                                    ctx->now);
                if (r >= 0) {
                        json_t *change = json_pack("{s:s, s:s, s:s}", "service", e.service, "policy", e.policy,
                                                   "trigger", trigger);
                        r = store_audit_incident(tx, ctx->now, &pager, "incident.escalation.start", key, change);
                        json_decref(change);
                }
        }
        if (r >= 0)
                r = store_job_finish(tx, j->id, ctx->owner, ctx->now);
        r = store_finish(tx, r);
        free(svcs.v);
        incident_fini(&inc);
        json_decref(p);
        return r;
}

/* Queue one message of a page: its outbox row and the job delivering it. */
static int queue(struct store_tx *tx, const struct job_ctx *ctx, int64_t page_id, const char *channel, int idx,
                 const char *address, const char *subject, const char *body)
{
        struct outbox_msg m = { .address = address, .subject = subject, .body = body, .page_id = page_id,
                                .created_at = ctx->now };
        snprintf(m.idem_key, sizeof m.idem_key, "page-%lld-%s-%d", (long long)page_id, channel, idx);
        snprintf(m.channel, sizeof m.channel, "%s", channel);
        int r = store_outbox_add(tx, &m);
        if (r == -VG_ECONFLICT)
                return 0;
        if (r < 0)
                return r;
        return add_job(tx, "deliver", json_pack("{s:I}", "outbox_id", (json_int_t)m.id), ctx->now);
}

/* Page one person: the page row with its acknowledgement token and a
 * message per contact method. Returns the number of messages queued. */
static int page_person(struct store_tx *tx, const struct job_ctx *ctx, const struct escalation *e,
                       const struct incident *inc, const char *user, const char *via, int level, int round,
                       int64_t delay)
{
        struct user u;
        int r = store_user_get_by_name(tx, user, &u);
        if (r == -VG_ENOTFOUND || (r >= 0 && u.disabled)) {
                log_event(LOG_LVL_WARN, "page skipped: no such active user", "incident=%s user=%s", inc->key, user);
                return 0;
        }
        if (r < 0)
                return r;
        char token[SECRET_TOKEN_MAX];
        struct oncall_page pg = { .escalation_id = e->id, .incident_id = inc->id, .level = level, .round = round,
                                  .created_at = ctx->now };
        snprintf(pg.user, sizeof pg.user, "%s", user);
        snprintf(pg.via, sizeof pg.via, "%s", via);
        r = secret_token_new("vga_", token, sizeof token);
        if (r < 0)
                return r;
        secret_token_digest(token, pg.ack_hash);
        r = store_page_add(tx, &pg);
        if (r == -VG_ECONFLICT) {
                secret_wipe(token, sizeof token);
                return 0; /* paged at this level and round already */
        }
        if (r < 0)
                return r;
        char subject[400], body[4096], sms[1024], ack_url[600], opened[VG_RFC3339_MAX];
        snprintf(ack_url, sizeof ack_url, "%s/ack/%s", ctx->cfg->public_url, token);
        vg_time_format(inc->created_at, opened);
        secret_wipe(token, sizeof token);
        snprintf(subject, sizeof subject, "[Vigil] PAGE %s %s: %s", severity_to_string(inc->severity), inc->key,
                 inc->title);
        snprintf(body, sizeof body,
                 "You are paged for incident %s (%s).\n\n"
                 "  %s\n  severity %s, phase %s, opened %s\n\n"
                 "Why you: level %d of escalation policy %s (%s), service %s.\n"
                 "Unacknowledged, it escalates to the next level in %lld s.\n\n"
                 "Acknowledge: %s\n"
                 "or: vigil page ack %lld\n",
                 inc->key, e->trigger, inc->title, severity_to_string(inc->severity), phase_to_string(inc->phase),
                 opened, level, e->policy, via, e->service[0] ? e->service : "-", (long long)delay, ack_url,
                 (long long)pg.id);
        char sms_title[81]; /* an SMS is short: the title cut on a character boundary */
        utf8_copy(sms_title, sizeof sms_title, inc->title);
        snprintf(sms, sizeof sms, "Vigil PAGE %s %s %s ack: %s", severity_to_string(inc->severity),
                 inc->key, sms_title, ack_url);
        json_t *hook = json_pack("{s:s, s:I, s:{s:s, s:s, s:s, s:s}, s:i, s:i, s:s, s:s, s:s, s:s, s:s}", "type", "page",
                                 "page_id", (json_int_t)pg.id, "incident", "key", inc->key, "title", inc->title,
                                 "severity", severity_to_string(inc->severity), "phase", phase_to_string(inc->phase),
                                 "level", level, "round", round, "policy", e->policy, "service", e->service, "user",
                                 user, "via", via, "ack_url", ack_url);
        char *hook_text = hook ? json_dumps(hook, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(hook);
        if (!hook_text)
                return -ENOMEM;
        int queued = 0;
        json_t *contacts = json_loads(u.contacts[0] ? u.contacts : "[]", 0, NULL), *c;
        size_t i;
        json_array_foreach(contacts, i, c)
        {
                const char *type = json_string_value(json_object_get(c, "type"));
                const char *addr = json_string_value(json_object_get(c, "address"));
                if (!type || !addr || r < 0)
                        continue;
                if (strcmp(type, "email") == 0)
                        r = queue(tx, ctx, pg.id, "email", (int)i, addr, subject, body);
                else if (strcmp(type, "webhook") == 0)
                        r = queue(tx, ctx, pg.id, "webhook", (int)i, addr, "", hook_text);
                else if (strcmp(type, "sms") == 0 && ctx->cfg->notify.sms_url)
                        r = queue(tx, ctx, pg.id, "sms", (int)i, addr, "", sms);
                else
                        continue;
                queued += r >= 0;
        }
        if (r >= 0 && !queued && u.email[0]) {
                r = queue(tx, ctx, pg.id, "email", 99, u.email, subject, body);
                queued += r >= 0;
        }
        if (r >= 0 && !queued)
                log_event(LOG_LVL_WARN, "paged user has no way to be reached", "incident=%s user=%s", inc->key, user);
        json_decref(contacts);
        free(hook_text);
        return r < 0 ? r : queued;
}

int job_escalate_step(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL), *pol = NULL, *levels = NULL;
        int64_t id = json_integer_value(json_object_get(p, "escalation_id"));
        const char *key = json_string_value(json_object_get(p, "key"));
        int level = (int)json_integer_value(json_object_get(p, "level"));
        int round = (int)json_integer_value(json_object_get(p, "round"));
        struct escalation e;
        struct incident inc = { 0 };
        struct store_tx *tx;
        int r = id > 0 && key && level >= 1 ? store_begin(ctx->store, &tx) : -VG_EVALIDATION;
        if (r < 0) {
                json_decref(p);
                return r;
        }
        r = store_escalation_get(tx, id, &e);
        if (r >= 0 && strcmp(e.state, "active") != 0)
                goto finish; /* acknowledged (or over) meanwhile */
        if (r >= 0)
                r = store_incident_get(tx, key, &inc);
        if (r >= 0 && incident_closed(inc.phase))
                goto finish;
        if (r >= 0) {
                r = org_load(tx, "escalation_policy", e.policy, &pol);
                if (r == -VG_ENOTFOUND) {
                        log_event(LOG_LVL_ERROR, "escalation policy gone; escalation ends", "incident=%s policy=%s", key,
                                  e.policy);
                        snprintf(e.state, sizeof e.state, "exhausted");
                        r = store_escalation_update(tx, &e);
                        goto finish;
                }
        }
        if (r < 0)
                goto out;
        size_t n_levels = json_array_size(json_object_get(pol, "levels"));
        int repeat = (int)json_integer_value(json_object_get(pol, "repeat"));
        if ((size_t)level > n_levels) {
                if (round < repeat) {
                        level = 1;
                        round++;
                } else {
                        snprintf(e.state, sizeof e.state, "exhausted");
                        r = store_escalation_update(tx, &e);
                        json_t *change = json_pack("{s:s, s:i, s:i}", "policy", e.policy, "levels", (int)n_levels,
                                                   "rounds", round + 1);
                        if (r >= 0)
                                r = store_audit_incident(tx, ctx->now, &pager, "incident.escalation.exhausted", key,
                                                         change);
                        json_decref(change);
                        log_event(LOG_LVL_WARN, "escalation exhausted: nobody acknowledged", "incident=%s policy=%s",
                                  key, e.policy);
                        goto finish;
                }
        }
        r = oncall_levels(tx, e.policy, ctx->now, &levels);
        if (r < 0)
                goto out;
        json_t *lv = json_array_get(levels, (size_t)level - 1), *person;
        json_t *policy_level = json_array_get(json_object_get(pol, "levels"), (size_t)level - 1);
        int64_t delay = oncall_level_delay(policy_level);
        json_t *paged = json_array();
        size_t i;
        int queued = 0;
        json_array_foreach(json_object_get(lv, "oncall"), i, person)
        {
                const char *user = json_string_value(json_object_get(person, "user"));
                const char *via = json_string_value(json_object_get(person, "via"));
                bool dup = false;
                for (size_t k = 0; k < i && !dup; k++)
                        dup = strcmp(json_string_value(json_object_get(json_array_get(json_object_get(lv, "oncall"), k),
                                                                       "user")),
                                     user) == 0;
                if (dup || r < 0)
                        continue;
                int q = page_person(tx, ctx, &e, &inc, user, via, level, round, delay);
                if (q < 0)
                        r = q;
                else
                        queued += q;
                json_array_append_new(paged, json_string(user));
        }
        if (r >= 0) {
                json_t *change = json_pack("{s:s, s:i, s:i, s:O, s:i}", "policy", e.policy, "level", level, "round",
                                           round, "users", paged, "messages", queued);
                r = store_audit_incident(tx, ctx->now, &pager, json_array_size(paged) ? "incident.page" : "incident.page.nobody",
                                         key, change);
                json_decref(change);
                if (!json_array_size(paged)) {
                        log_event(LOG_LVL_WARN, "nobody on call at this level; escalating at once", "incident=%s level=%d",
                                  key, level);
                        delay = 0;
                }
        }
        json_decref(paged);
        if (r >= 0) {
                e.level = level;
                e.round = round;
                r = store_escalation_update(tx, &e);
        }
        if (r >= 0)
                r = add_job(tx, "escalate.step",
                            json_pack("{s:I, s:s, s:i, s:i}", "escalation_id", (json_int_t)id, "key", key, "level",
                                      level + 1, "round", round),
                            ctx->now + delay * VG_USEC_PER_SEC);
finish:
        if (r >= 0)
                r = store_job_finish(tx, j->id, ctx->owner, ctx->now);
out:
        r = store_finish(tx, r);
        incident_fini(&inc);
        json_decref(levels);
        json_decref(pol);
        json_decref(p);
        return r;
}

struct msg_copy {
        struct outbox_msg m;
        char *address, *subject, *body;
};

static int copy_msg(const struct outbox_msg *m, void *userdata)
{
        struct msg_copy *c = userdata;
        c->m = *m;
        c->address = strdup(m->address ? m->address : "");
        c->subject = strdup(m->subject ? m->subject : "");
        c->body = strdup(m->body ? m->body : "");
        return c->address && c->subject && c->body ? 0 : -ENOMEM;
}

/* One message of a batch, through its phases. */
struct item {
        const struct claimed_job *j;
        int64_t id;
        struct msg_copy c;
        bool found, send, done;
        struct notify_result res;
};

static void send_one(const struct job_ctx *ctx, struct item *it)
{
        struct msg_copy *c = &it->c;
        it->res = (struct notify_result){ .outcome = NOTIFY_SENT };
        if (strcmp(c->m.channel, "email") == 0) {
                notify_email(ctx->cfg, c->address, c->subject, c->body, c->m.idem_key, &it->res);
        } else if (strcmp(c->m.channel, "webhook") == 0) {
                notify_webhook(ctx->cfg, c->address, false, c->m.idem_key, c->body, &it->res);
        } else if (strcmp(c->m.channel, "sms") == 0 && ctx->cfg->notify.sms_url) {
                json_t *sms = json_pack("{s:s, s:s}", "to", c->address, "text", c->body);
                char *text = sms ? json_dumps(sms, JSON_COMPACT) : NULL;
                json_decref(sms);
                if (text)
                        notify_webhook(ctx->cfg, ctx->cfg->notify.sms_url, true, c->m.idem_key, text, &it->res);
                else
                        it->res.outcome = NOTIFY_RETRY;
                free(text);
        } else {
                it->res.outcome = NOTIFY_FAILED;
                snprintf(it->res.reply, sizeof it->res.reply, "no way to send %s", c->m.channel);
        }
}

/* Before the attempts, in one commit: each message to be sent is marked
 * "sending". A message found "sending" was being sent when a worker died:
 * the server may have accepted it. A customer notice is not sent twice (a
 * duplicate breach notice is harm): it becomes "unknown" and its tenant
 * is flagged for a person to check. Anything else (a page, a reminder) is
 * sent again; its Message-ID lets a duplicate be recognised. */
static int prepare(const struct job_ctx *ctx, struct store_tx *tx, struct item *it)
{
        int r = 0;
        if (!it->found || (strcmp(it->c.m.status, "pending") != 0 && strcmp(it->c.m.status, "sending") != 0)) {
                it->done = true; /* gone, or sent/failed/unknown already */
                return store_job_finish(tx, it->j->id, ctx->owner, ctx->now);
        }
        if (strcmp(it->c.m.status, "sending") == 0) {
                struct notice_delivery nd;
                int nr = store_notice_delivery_by_outbox(tx, it->id, &nd);
                if (nr == 0) {
                        it->done = true;
                        r = store_outbox_attempt(tx, it->id, "unknown",
                                                 "interrupted while sending: it may have been accepted", ctx->now);
                        if (r >= 0)
                                r = store_tenant_flag(tx, nd.tenant);
                        json_t *change = json_pack("{s:s, s:s, s:I}", "tenant", nd.tenant, "address", it->c.address,
                                                   "outbox", (json_int_t)it->id);
                        char object[STORE_NAME_MAX + 8];
                        snprintf(object, sizeof object, "tenant:%s", nd.tenant);
                        if (r >= 0)
                                r = store_audit_append(tx, ctx->now, &pager, "notice.delivery.unknown", object, change);
                        json_decref(change);
                        log_event(LOG_LVL_WARN, "notice delivery unknown after an interrupted send; not sent again",
                                  "outbox=%lld tenant=%s to=%s", (long long)it->id, nd.tenant, it->c.address);
                        return r < 0 ? r : store_job_finish(tx, it->j->id, ctx->owner, ctx->now);
                }
                if (nr != -VG_ENOTFOUND)
                        return nr;
                r = store_outbox_attempt(tx, it->id, "pending", "interrupted while sending; again", ctx->now);
        }
        if (r >= 0)
                r = store_outbox_sending(tx, it->id);
        it->send = r >= 0;
        return r;
}

/* After the attempts, in one commit: each result, a bounce's flag, the
 * job finished or retried with backoff. */
static int record(const struct job_ctx *ctx, struct store_tx *tx, struct item *it)
{
        const struct claimed_job *j = it->j;
        bool give_up = it->res.outcome == NOTIFY_RETRY && (unsigned)j->attempts >= ctx->cfg->notify.max_attempts;
        const char *status = it->res.outcome == NOTIFY_SENT                  ? "sent"
                             : it->res.outcome == NOTIFY_FAILED || give_up ? "failed"
                                                                           : "pending";
        char q[300];
        log_event(it->res.outcome == NOTIFY_SENT ? LOG_LVL_INFO : LOG_LVL_WARN, "message delivery",
                  "outbox=%lld channel=%s to=%s status=%s attempt=%d reply=%s", (long long)it->id, it->c.m.channel,
                  it->c.address, status, j->attempts,
                  log_quote(it->res.detail[0] ? it->res.detail : it->res.reply, q, sizeof q));
        int r = store_outbox_attempt(tx, it->id, status, it->res.reply, ctx->now);
        /* A notice that bounced: the contact is no longer verified and the
         * tenant needs someone to find a working address. */
        struct notice_delivery nd;
        if (r >= 0 && it->res.outcome == NOTIFY_FAILED && strcmp(it->c.m.channel, "email") == 0 &&
            store_notice_delivery_by_outbox(tx, it->id, &nd) == 0) {
                r = store_tenant_bounce(tx, nd.tenant, it->c.address);
                json_t *change = json_pack("{s:s, s:s, s:s}", "tenant", nd.tenant, "address", it->c.address, "reply",
                                           it->res.reply);
                char object[STORE_NAME_MAX + 8];
                snprintf(object, sizeof object, "tenant:%s", nd.tenant);
                if (r >= 0)
                        r = store_audit_append(tx, ctx->now, &pager, "tenant.contact.bounced", object, change);
                json_decref(change);
                log_event(LOG_LVL_WARN, "notice bounced; tenant flagged for follow-up", "tenant=%s to=%s", nd.tenant,
                          it->c.address);
        }
        if (r >= 0 && strcmp(status, "pending") == 0) {
                int shift = j->attempts < 8 ? j->attempts : 8;
                return store_job_retry(tx, j->id, ctx->owner, ctx->now + ((vg_usec_t)1 << shift) * VG_USEC_PER_SEC,
                                       it->res.reply);
        }
        return r < 0 ? r : store_job_finish(tx, j->id, ctx->owner, ctx->now);
}

int job_deliver_batch(const struct job_ctx *ctx, const struct claimed_job *const *jobs, size_t n)
{
        struct item *items = calloc(n ? n : 1, sizeof *items);
        struct store_tx *tx = NULL;
        if (!items)
                return -ENOMEM;
        int r = store_begin_read(ctx->store, &tx);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                json_t *p = json_loads(jobs[i]->payload, 0, NULL);
                items[i].j = jobs[i];
                items[i].id = json_integer_value(json_object_get(p, "outbox_id"));
                json_decref(p);
                int g = store_outbox_get(tx, items[i].id, copy_msg, &items[i].c);
                items[i].found = g == 0;
                if (g < 0 && g != -VG_ENOTFOUND)
                        r = g;
        }
        if (tx)
                store_rollback(tx);
        tx = NULL;
        /* One commit marks the batch "sending", one records its results:
         * two fsyncs for up to a claim's worth of messages. */
        if (r >= 0)
                r = store_begin(ctx->store, &tx);
        if (r >= 0) {
                for (size_t i = 0; r >= 0 && i < n; i++)
                        r = prepare(ctx, tx, &items[i]);
                r = store_finish(tx, r);
        }
        if (r >= 0) {
                for (size_t i = 0; i < n; i++)
                        if (items[i].send)
                                send_one(ctx, &items[i]);
                tx = NULL;
                r = store_begin(ctx->store, &tx);
                for (size_t i = 0; r >= 0 && i < n; i++)
                        if (items[i].send)
                                r = record(ctx, tx, &items[i]);
                if (tx)
                        r = store_finish(tx, r);
        }
        for (size_t i = 0; i < n; i++) {
                free(items[i].c.address);
                free(items[i].c.subject);
                free(items[i].c.body);
        }
        free(items);
        return r;
}
