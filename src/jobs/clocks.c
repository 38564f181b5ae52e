/* Obligation clocks: at 50, 75 and 90 % of an obligation's time the
 * communications role is reminded by email; at 100 % the executive
 * incident managers are told it is overdue. A clock whose obligation was
 * sent, withdrawn or moved meanwhile does nothing. Messages go through the
 * outbox with one idempotency key per obligation, due time, mark and
 * person, so a clock that runs twice sends nothing twice. */
#include "jobs/jobs.h"

#include "base/log.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct actor clock_actor = { .user_id = 0, .name = "system", .request_id = NULL };

struct copy {
        struct obligation o;
        char recipient[512], citation[512];
};

static int copy_obligation(const struct obligation *o, void *userdata)
{
        struct copy *c = userdata;
        c->o = *o;
        /* Text from the rules file, of any length: cut on a character. */
        utf8_copy(c->recipient, sizeof c->recipient, o->recipient ? o->recipient : "");
        utf8_copy(c->citation, sizeof c->citation, o->citation ? o->citation : "");
        c->o.recipient = c->recipient;
        c->o.citation = c->citation;
        return 0;
}

struct people {
        enum role role;
        size_t n;
        struct {
                char name[STORE_NAME_MAX];
                char email[256];
        } v[64];
        int64_t last;
};

static int collect(const struct user *u, void *userdata)
{
        struct people *p = userdata;
        p->last = u->id;
        if (u->role == p->role && !u->disabled && u->email[0] && p->n < 64) {
                snprintf(p->v[p->n].name, sizeof p->v[0].name, "%s", u->name);
                snprintf(p->v[p->n++].email, sizeof p->v[0].email, "%s", u->email);
        }
        return 0;
}

int job_obligation_clock(const struct job_ctx *ctx, const struct claimed_job *j)
{
        json_t *p = json_loads(j->payload, 0, NULL);
        int64_t id = json_integer_value(json_object_get(p, "obligation_id"));
        vg_usec_t due = json_integer_value(json_object_get(p, "due_at"));
        int mark = (int)json_integer_value(json_object_get(p, "mark"));
        json_decref(p);
        struct copy c;
        struct incident inc = { 0 };
        struct people people = { .role = mark >= 100 ? ROLE_EXECUTIVE_INCIDENT_MANAGER : ROLE_COMMUNICATIONS };
        struct store_tx *tx;
        int r = store_begin(ctx->store, &tx);
        if (r < 0)
                return r;
        r = store_obligation_get(tx, id, copy_obligation, &c);
        if (r == -VG_ENOTFOUND || (r >= 0 && (strcmp(c.o.status, "open") != 0 || c.o.due_at != due))) {
                r = store_job_finish(tx, j->id, ctx->owner, ctx->now); /* sent, withdrawn or moved: nothing to say */
                return store_finish(tx, r);
        }
        if (r >= 0)
                r = store_incident_get_by_id(tx, c.o.incident_id, &inc);
        /* Everyone with the role (the user table is small; page through it). */
        for (int64_t before = -1; r >= 0 && before != people.last;) {
                before = people.last;
                r = store_user_list(tx, people.last, 500, collect, &people);
        }
        char subject[400], body[2048], due_text[VG_RFC3339_MAX];
        vg_time_format(c.o.due_at, due_text);
        const char *whom = c.o.tenant[0] ? c.o.tenant : "the provider itself";
        if (mark >= 100)
                snprintf(subject, sizeof subject, "[Vigil] OVERDUE %s for %s on %s", c.o.rule_id, whom, inc.key);
        else
                snprintf(subject, sizeof subject, "[Vigil] %d%% of the time used: %s for %s on %s", mark, c.o.rule_id, whom,
                         inc.key);
        snprintf(body, sizeof body,
                 "%s\n\nIncident %s: %s\nObligation %s (%s stage) for %s\nTo: %s\nDue: %s\nCitation: %s\n\n"
                 "When it has gone out: vigil obligations sent %s %lld\n",
                 mark >= 100 ? "This obligation is overdue." : "This obligation's deadline is approaching.", inc.key,
                 inc.title, c.o.rule_id, c.o.stage, whom, c.o.recipient, due_text, c.o.citation, inc.key, (long long)id);
        json_t *told = json_array();
        for (size_t i = 0; r >= 0 && i < people.n; i++) {
                struct outbox_msg m = { .address = people.v[i].email, .subject = subject, .body = body,
                                        .created_at = ctx->now };
                snprintf(m.idem_key, sizeof m.idem_key, "clock-%lld-%lld-%d-%.40s", (long long)id, (long long)due, mark,
                         people.v[i].name);
                snprintf(m.channel, sizeof m.channel, "email");
                r = store_outbox_add(tx, &m);
                if (r == -VG_ECONFLICT) {
                        r = 0;
                        continue;
                }
                char payload[64];
                snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)m.id);
                if (r >= 0)
                        r = store_job_add(tx, "deliver", payload, ctx->now, NULL);
                json_array_append_new(told, json_string(people.v[i].name));
        }
        if (r >= 0 && !people.n)
                log_event(LOG_LVL_WARN, "nobody to tell about an obligation", "incident=%s rule=%s mark=%d role=%s", inc.key,
                          c.o.rule_id, mark, role_to_string(people.role));
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s, s:s, s:s, s:i, s:O}", "obligation", (json_int_t)id, "rule", c.o.rule_id,
                                           "tenant", c.o.tenant, "due_at", due_text, "mark", mark, "told", told);
                r = store_audit_incident(tx, ctx->now, &clock_actor,
                                         mark >= 100 ? "incident.obligation.overdue" : "incident.obligation.reminder", inc.key,
                                         change);
                json_decref(change);
        }
        json_decref(told);
        if (r >= 0)
                r = store_job_finish(tx, j->id, ctx->owner, ctx->now);
        r = store_finish(tx, r);
        incident_fini(&inc);
        return r;
}
