/* The HTTP doors of intake: one handler for every row of intake_sources
 * the route table names (the Alertmanager API v2 and webhook, PagerDuty
 * Events v2, generic JSON and OCSF). It reads the body as the row says,
 * parses it, parks the request while the intake writer commits the batch,
 * and answers in the row's shape once the batch is committed. */
#include "http/resources.h"

#include "base/log.h"
#include "core/error.h"
#include "intake/intake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parked_free(void *p)
{
        struct parked_intake *pi = p;
        intake_batch_fini(&pi->parsed.batch);
        json_decref(pi->json);
        free(pi);
}

static void parked_notify(void *arg)
{
        struct parked_intake *pi = arg;
        request_unpark(pi->req);
}

static int answer(struct response *resp, const struct intake_source *src, const char *reply)
{
        switch (src->reply) {
        case INTAKE_REPLY_PAGERDUTY:
                return response_json(resp, 202,
                                     json_pack("{s:s, s:s, s:s}", "status", "success", "message",
                                               "Event processed", "dedup_key", reply));
        case INTAKE_REPLY_EMPTY:
        case INTAKE_REPLY_NONE:
                break;
        }
        resp->status = 200;
        return 0;
}

/* The batch is committed (or refused): log what happened, answer. */
static int committed(struct request *req, struct response *resp)
{
        struct parked_intake *pi = req->parked;
        const struct intake_result *res = &pi->res;
        if (pi->ticket.status < 0)
                return pi->ticket.status;
        if (res->opened || res->joined || res->vigilance || res->held)
                log_event(LOG_LVL_INFO, "alerts accepted",
                          "request_id=%s source=%s received=%u new=%u repeated=%u silenced=%u resolved=%u "
                          "opened=%u joined=%u vigilance=%u held=%u",
                          req->request_id, pi->source->name, res->received, res->fresh, res->repeated,
                          res->silenced, res->resolved, res->opened, res->joined, res->vigilance, res->held);
        return answer(resp, pi->source, pi->parsed.reply);
}

int intake_post(struct request *req, struct response *resp)
{
        const struct intake_source *src = req->route->source;
        struct intake_input in = { .max_string = req->cfg->limits.max_string, .why = req->detail,
                                   .why_size = sizeof req->detail, .store = req->store, .now = req->now };
        int r = src->body == INTAKE_BODY_JSON ? request_json_value(req, &in.json) : request_json_body(req);
        if (r < 0)
                return r;
        in.p = req->body;
        in.len = req->body_len;
        struct parked_intake *pi = calloc(1, sizeof *pi);
        if (!pi)
                return -ENOMEM;
        pi->req = req;
        pi->json = json_incref(in.json); /* a quiet batch outlives the request */
        pi->source = src;
        pi->actor = request_actor(req);
        r = src->parse(&in, &pi->parsed, &req->errors);
        if (r < 0) {
                if (pi->parsed.credential_refused)
                        log_event(LOG_LVL_WARN, "alerts refused: unknown or revoked integration key",
                                  "request_id=%s source=%s addr=%s", req->request_id, src->name,
                                  req->client_addr);
                parked_free(pi);
                return r;
        }
        if (pi->parsed.batch.n == 0) { /* nothing to commit (a PagerDuty acknowledgement) */
                r = answer(resp, src, pi->parsed.reply);
                parked_free(pi);
                return r;
        }
        if (pi->parsed.actor[0])
                pi->actor = (struct actor){ .user_id = 0, .name = pi->parsed.actor, .request_id = req->request_id };
        /* The writer may use the actor after the request has gone (a quiet
         * batch whose episode another node ended): its own copies. */
        snprintf(pi->actor_name, sizeof pi->actor_name, "%s", pi->actor.name ? pi->actor.name : "");
        snprintf(pi->request_id, sizeof pi->request_id, "%s",
                 pi->actor.request_id ? pi->actor.request_id : "");
        pi->actor.name = pi->actor_name;
        pi->actor.request_id = pi->actor.request_id ? pi->request_id : NULL;
        if (pi->parsed.service[0])
                pi->parsed.batch.service = pi->parsed.service;
        pi->parsed.batch.routing = &req->cfg->intake.routing;
        pi->ticket = (struct intake_ticket){ .actor = &pi->actor, .batch = &pi->parsed.batch, .now = req->now,
                                             .res = &pi->res, .notify = parked_notify, .arg = pi };
        /* Quiet repeats are answered now; the writer frees them after
         * its commit (pi is the writer's once handed over: the answer's
         * text is copied first). */
        char reply[sizeof pi->parsed.reply];
        memcpy(reply, pi->parsed.reply, sizeof reply);
        pi->ticket.notify = parked_free;
        if (intake_enqueue_quiet(req->committer, &pi->ticket) == 1)
                return answer(resp, src, reply);
        pi->ticket.notify = parked_notify;
        req->parked = pi;
        req->park_free = parked_free;
        req->resume = committed;
        /* Parked before the hand-over, so the writer's unpark cannot come first. */
        request_park(req);
        r = intake_enqueue(req->committer, &pi->ticket);
        if (r < 0) {
                pi->ticket.status = r;
                request_unpark(req);
        }
        return REQUEST_PARKED;
}
