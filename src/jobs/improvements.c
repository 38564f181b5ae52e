/* Improvement reminders: when an improvement passes its due date undone,
 * its owner is emailed and the incident's timeline records it as overdue;
 * then again every 7 days until it is done. A reminder whose improvement
 * was done or moved meanwhile does nothing (moving it queued a new one).
 * Each message has an idempotency key per improvement, due time and
 * round, so a reminder that runs twice sends nothing twice. */
#include "jobs/jobs.h"

#include "base/log.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REMIND_EVERY ((vg_usec_t)7 * 24 * 3600 * VG_USEC_PER_SEC)

static const struct actor reminder_actor = { .user_id = 0, .name = "system", .request_id = NULL };

struct copy {
        struct improvement i;
        char title[512];
};

static int copy_improvement(const struct improvement *i, void *userdata)
{
        struct copy *c = userdata;
        c->i = *i;
        snprintf(c->title, sizeof c->title, "%s", i->title);
        c->i.title = c->title;
        c->i.verification = NULL;
        return 0;
}

int job_improvement_remind(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        int64_t id = json_integer_value(json_object_get(p, "improvement"));
        vg_usec_t due = json_integer_value(json_object_get(p, "due_at"));
        int64_t round = json_integer_value(json_object_get(p, "round"));
        json_decref(p);
        struct copy c;
        struct incident inc = { 0 };
        struct user owner;
        struct store_tx *tx;
        int r = store_begin(ctx->store, &tx);
        if (r < 0)
                return r;
        r = store_improvement_get(tx, id, copy_improvement, &c);
        if (r == -VG_ENOTFOUND || (r >= 0 && (strcmp(c.i.status, "done") == 0 || c.i.due_at != due))) {
                r = store_job_finish(tx, j->id, ctx->owner, ctx->now);
                return store_finish(tx, r);
        }
        if (r >= 0)
                r = store_incident_get_by_id(tx, c.i.incident_id, &inc);
        int ur = r >= 0 ? store_user_get_by_name(tx, c.i.owner, &owner) : r;
        if (ur < 0 && ur != -VG_ENOTFOUND)
                r = ur;
        bool mail = r >= 0 && ur >= 0 && !owner.disabled && owner.email[0];
        char due_text[VG_RFC3339_MAX];
        vg_time_format(due, due_text);
        if (mail) {
                char subject[600], body[2048];
                snprintf(subject, sizeof subject, "[Vigil] Overdue improvement %lld from %s: %s", (long long)id, inc.key,
                         c.title);
                snprintf(body, sizeof body,
                         "The improvement you own is past its due date.\n\nIncident: %s\nImprovement %lld (%s, factor %s): "
                         "%s\nDue: %s\nStatus: %s\n\nWhen it is in place: vigil api PATCH /api/v1/improvements/%lld "
                         "--data '{\"status\":\"done\",\"verification\":\"how it was checked\"}'\n",
                         inc.key, (long long)id, c.i.kind, c.i.factor, c.title, due_text, c.i.status, (long long)id);
                struct outbox_msg m = { .address = owner.email, .subject = subject, .body = body, .created_at = ctx->now };
                snprintf(m.idem_key, sizeof m.idem_key, "improvement-%lld-%lld-%lld", (long long)id, (long long)due,
                         (long long)round);
                snprintf(m.channel, sizeof m.channel, "email");
                r = store_outbox_add(tx, &m);
                if (r >= 0) {
                        char payload[64];
                        snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)m.id);
                        r = store_job_add(tx, "deliver", payload, ctx->now, NULL);
                } else if (r == -VG_ECONFLICT) {
                        r = 0; /* this round was sent already */
                }
        } else if (r >= 0) {
                log_event(LOG_LVL_WARN, "overdue improvement: its owner has no email address", "improvement=%lld owner=%s",
                          (long long)id, c.i.owner);
        }
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s, s:s, s:I, s:b}", "improvement", (json_int_t)id, "owner", c.i.owner,
                                           "due_at", due_text, "round", (json_int_t)round, "emailed", mail);
                r = store_audit_incident(tx, ctx->now, &reminder_actor, "incident.improvement.overdue", inc.key, change);
                json_decref(change);
        }
        if (r >= 0) {
                char payload[128];
                snprintf(payload, sizeof payload, "{\"improvement\":%lld,\"due_at\":%lld,\"round\":%lld}", (long long)id,
                         (long long)due, (long long)round + 1);
                r = store_job_add(tx, "improvement.remind", payload, ctx->now + REMIND_EVERY, NULL);
        }
        if (r >= 0)
                r = store_job_finish(tx, j->id, ctx->owner, ctx->now);
        r = store_finish(tx, r);
        incident_fini(&inc);
        return r;
}
