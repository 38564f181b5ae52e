/* Paging's jobs: escalate.start and escalate.step run the use cases of
 * src/cases/paging.c (which write the pages, the outbox rows and the next
 * step) and log what they did; deliver sends the outbox, a message through
 * notify, with retries. */
#include "jobs/jobs.h"

#include "base/log.h"
#include "cases/paging.h"
#include "core/error.h"
#include "notify/notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct actor pager = { .user_id = 0, .name = "system", .request_id = NULL };

int job_escalate_start(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        const char *key = json_string_value(json_object_get(p, "key"));
        const char *trigger = json_string_value(json_object_get(p, "trigger"));
        struct escalation_start st;
        struct store_tx *tx;
        int r = key && trigger ? store_begin(ctx->store, &tx) : -VG_EVALIDATION;
        if (r < 0) {
                json_decref(p);
                return r;
        }
        r = case_escalation_start(tx, &pager, ctx->now, key, trigger, &st);
        if (r == -VG_ENOTFOUND) {
                log_event(LOG_LVL_WARN, "escalation for an unknown incident dropped", "incident=%s", key);
                r = 0;
        } else if (r >= 0 && st.policies == 0) {
                log_event(LOG_LVL_WARN, "nobody to page: no service of the incident has an escalation policy and "
                                        "there is no policy 'default'", "incident=%s", key);
        }
        if (r >= 0)
                r = store_job_finish(tx, JOB_LEASE(ctx, j), ctx->now);
        r = store_finish(tx, r);
        json_decref(p);
        return r;
}

/* One line for what a step did (the use case writes; the job logs). */
static void log_step(const char *key, const struct escalation_step *st)
{
        if (st->skipped)
                log_event(LOG_LVL_WARN, "page skipped: no such active user", "incident=%s user=%s skipped=%zu", key,
                          st->skipped_user, st->skipped);
        if (st->unreachable)
                log_event(LOG_LVL_WARN, "paged user has no way to be reached", "incident=%s user=%s unreachable=%zu",
                          key, st->unreachable_user, st->unreachable);
        if (st->what == STEP_POLICY_GONE)
                log_event(LOG_LVL_ERROR, "escalation policy gone; escalation ends", "incident=%s policy=%s", key,
                          st->policy);
        else if (st->what == STEP_EXHAUSTED)
                log_event(LOG_LVL_WARN, "escalation exhausted: nobody acknowledged", "incident=%s policy=%s", key,
                          st->policy);
        else if (st->what == STEP_NOBODY)
                log_event(LOG_LVL_WARN, "nobody on call at this level; escalating at once", "incident=%s level=%d",
                          key, st->level);
}

int job_escalate_step(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        int64_t id = json_integer_value(json_object_get(p, "escalation_id"));
        const char *key = json_string_value(json_object_get(p, "key"));
        int level = (int)json_integer_value(json_object_get(p, "level"));
        int round = (int)json_integer_value(json_object_get(p, "round"));
        const struct paging_config cfg = {.public_url = ctx->cfg->public_url, .sms = ctx->cfg->notify.sms_url != NULL};
        struct escalation_step st;
        struct store_tx *tx;
        int r = id > 0 && key && level >= 1 ? store_begin(ctx->store, &tx) : -VG_EVALIDATION;
        if (r < 0) {
                json_decref(p);
                return r;
        }
        r = case_escalation_step(tx, &pager, ctx->now, &cfg, id, key, level, round, &st);
        if (r >= 0) {
                log_step(key, &st);
                r = store_job_finish(tx, JOB_LEASE(ctx, j), ctx->now);
        }
        r = store_finish(tx, r);
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

/* The message it->c says, to send: false when there is no way to (its
 * result is already it->res). sms becomes a JSON body for the
 * operator's gateway, in *sms_text (to free). */
static bool to_send(const struct job_ctx *ctx, struct item *it, struct notify_msg *m,
                    char **sms_text)
{
        struct msg_copy *c = &it->c;
        *m = (struct notify_msg){
                .to = c->address, .subject = c->subject, .body = c->body, .key = c->m.idem_key};
        *sms_text = NULL;
        it->res = (struct notify_result){.outcome = NOTIFY_FAILED};
        if (strcmp(c->m.channel, "email") == 0) {
                m->kind = NOTIFY_EMAIL;
        } else if (strcmp(c->m.channel, "webhook") == 0) {
                m->kind = NOTIFY_WEBHOOK;
        } else if (strcmp(c->m.channel, "sms") == 0 && ctx->cfg->notify.sms_url) {
                json_t *sms = json_pack("{s:s, s:s}", "to", c->address, "text", c->body);
                *sms_text = sms ? json_dumps(sms, JSON_COMPACT) : NULL;
                json_decref(sms);
                if (!*sms_text) {
                        it->res.outcome = NOTIFY_RETRY;
                        return false;
                }
                *m = (struct notify_msg){.kind = NOTIFY_WEBHOOK,
                                         .to = ctx->cfg->notify.sms_url,
                                         .body = *sms_text,
                                         .key = c->m.idem_key,
                                         .operator_url = true};
        } else {
                snprintf(it->res.reply, sizeof it->res.reply, "no way to send %s", c->m.channel);
                return false;
        }
        return true;
}

/* Send every item to send at once (notify_send), each result in its item. */
static void send_all(const struct job_ctx *ctx, struct item *items, size_t n)
{
        struct notify_msg *msgs = calloc(n ? n : 1, sizeof *msgs);
        char **sms = calloc(n ? n : 1, sizeof *sms);
        size_t *of = calloc(n ? n : 1, sizeof *of), k = 0;
        for (size_t i = 0; i < n; i++) {
                if (!items[i].send)
                        continue;
                if (!msgs || !sms || !of) {
                        items[i].res = (struct notify_result){.outcome = NOTIFY_RETRY};
                        snprintf(items[i].res.reply, sizeof items[i].res.reply, "out of memory");
                        continue;
                }
                if (to_send(ctx, &items[i], &msgs[k], &sms[k]))
                        of[k++] = i;
                else
                        free(sms[k]);
        }
        if (k)
                notify_send(ctx->sender, ctx->cfg, msgs, k);
        for (size_t j = 0; j < k; j++) {
                items[of[j]].res = msgs[j].res;
                free(sms[j]);
        }
        free(msgs);
        free(sms);
        free(of);
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
                return store_job_finish(tx, JOB_LEASE(ctx, it->j), ctx->now);
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
                        return r < 0 ? r : store_job_finish(tx, JOB_LEASE(ctx, it->j), ctx->now);
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
                return store_job_retry(tx, JOB_LEASE(ctx, j), ctx->now, ctx->now + ((vg_usec_t)1 << shift) * VG_USEC_PER_SEC,
                                       it->res.reply);
        }
        return r < 0 ? r : store_job_finish(tx, JOB_LEASE(ctx, j), ctx->now);
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
                send_all(ctx, items, n);
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
