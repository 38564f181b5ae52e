/* Pages: list them with their deliveries, and acknowledge one - through
 * the API (a responder's token or session) or through the single-use link
 * in the page itself (/ack/{token}: GET shows a confirmation form, since
 * mail scanners follow links; POST acknowledges). An acknowledgement stops
 * the escalation and marks the incident acknowledged.
 *
 * Who may acknowledge: the person paged (the link is theirs by
 * construction: it was sent only to them); an incident manager, executive
 * incident manager or admin someone else's page, with a reason kept in the
 * audit record. A responder cannot stop a colleague's escalation. */
#define _GNU_SOURCE
#include "http/resources.h"

#include "base/secret.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_delivery(const struct outbox_msg *m, void *userdata)
{
        return json_array_append_new(userdata,
                                     json_pack("{s:s, s:s, s:s, s:i, s:s, s:o}", "channel", m->channel, "address",
                                               m->address, "status", m->status, "attempts", m->attempts, "last_result",
                                               m->last_result ? m->last_result : "", "sent_at", json_time(m->sent_at)));
}

struct page_list {
        struct store_tx *tx;
        json_t *items;
        int r;
};

static int add_page(const struct oncall_page *p, void *userdata)
{
        struct page_list *l = userdata;
        json_t *deliveries = json_array();
        int r = store_outbox_list_page(l->tx, p->id, add_delivery, deliveries);
        if (r < 0) {
                json_decref(deliveries);
                return r;
        }
        return json_array_append_new(l->items,
                                     json_pack("{s:I, s:s, s:i, s:i, s:s, s:o, s:o, s:o}", "id", (json_int_t)p->id, "user",
                                               p->user, "level", p->level, "round", p->round, "via", p->via,
                                               "created_at", json_time(p->created_at), "acked_at",
                                               json_time(p->acked_at), "deliveries", deliveries));
}

int api_page_list(struct request *req, struct response *resp)
{
        const char *key = request_query(req, "incident");
        struct page_list l = { .items = json_array() };
        struct incident inc = { 0 };
        int r = store_begin_read(req->store, &l.tx);
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        if (key) {
                r = store_incident_get(l.tx, key, &inc);
                if (r == -VG_ENOTFOUND)
                        request_detail(req, "no incident %s", key);
        }
        if (r >= 0)
                r = store_page_list(l.tx, key ? inc.id : 0, 200, add_page, &l);
        store_rollback(l.tx);
        incident_fini(&inc);
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", l.items));
}

/* Whether the caller may acknowledge page p, and with what reason (NULL:
 * none given). Someone else's page needs a managing role and a reason. */
static int ack_allowed(struct request *req, const struct oncall_page *p, const char *reason)
{
        if (strcmp(p->user, req->who.user.name) == 0)
                return 0;
        enum role role = req->who.user.role;
        if (role != ROLE_INCIDENT_MANAGER && role != ROLE_EXECUTIVE_INCIDENT_MANAGER &&
            role != ROLE_ADMIN) {
                request_detail(
                        req,
                        "page %lld is %s's: only the person paged acknowledges it, or an incident "
                        "manager with a reason",
                        (long long)p->id, p->user);
                return -VG_EFORBIDDEN;
        }
        if (!reason) {
                fielderr_add(&req->errors, "reason",
                             "is required to acknowledge %s's page for them", p->user);
                return -VG_EVALIDATION;
        }
        return 0;
}

/* Acknowledge page p by who, in tx: the page, its escalation, the incident.
 * reason: why someone else acknowledged it (NULL: none). */
static int acknowledge(struct request *req, struct store_tx *tx, struct oncall_page *p,
                       const char *who, const char *reason)
{
        struct escalation e;
        struct incident inc = { 0 };
        int r = store_page_ack(tx, p->id, req->now);
        if (r == -VG_ECONFLICT)
                request_detail(req, "page %lld was acknowledged already", (long long)p->id);
        if (r >= 0)
                r = store_escalation_get(tx, p->escalation_id, &e);
        if (r >= 0 && strcmp(e.state, "active") == 0) {
                snprintf(e.state, sizeof e.state, "acknowledged");
                e.acked_at = req->now;
                snprintf(e.acked_by, sizeof e.acked_by, "%s", who);
                r = store_escalation_update(tx, &e);
        }
        /* The incident, to mark it acknowledged and to name it in the audit record. */
        if (r >= 0)
                r = store_incident_get_by_id(tx, p->incident_id, &inc);
        if (r >= 0 && !inc.acknowledged_at) {
                inc.acknowledged_at = req->now;
                inc.updated_at = req->now;
                r = store_incident_update(tx, &inc, inc.version);
        }
        if (r >= 0) {
                json_t *change =
                        json_pack("{s:I, s:s, s:i, s:s, s:s?}", "page", (json_int_t)p->id, "paged",
                                  p->user, "level", p->level, "by", who, "reason", reason);
                struct actor a = request_actor(req);
                if (req->who.kind == AUTH_NONE)
                        a.name = who;
                r = store_audit_incident(tx, req->now, &a, "incident.page.ack", inc.key, change);
                json_decref(change);
        }
        incident_fini(&inc);
        return r;
}

int api_page_ack(struct request *req, struct response *resp)
{
        static const char *const fields[] = {"reason", NULL};
        long long id;
        struct oncall_page p;
        struct store_tx *tx;
        const char *reason = NULL;
        if (request_id_param(req, 0, "page", &id) < 0)
                return -VG_ENOTFOUND;
        /* No body, or {} from the paged person; {"reason": ...} for
         * someone else's page. */
        if (req->body_len > 0) {
                json_t *body;
                int r = request_json_object(req, &body);
                if (r < 0)
                        return r;
                json_only_fields(req, body, fields);
                reason = json_field_string(req, body, "reason", false, 500);
                if (reason && !text_valid(reason, 500))
                        fielderr_add(&req->errors, "reason",
                                     "must be 1 to 500 bytes of text on one line");
                if (fielderr_any(&req->errors))
                        return -VG_EVALIDATION;
        }
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_page_get(tx, id, &p);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no page %lld", id);
        if (r >= 0)
                r = ack_allowed(req, &p, reason);
        if (r >= 0)
                r = acknowledge(req, tx, &p, req->who.user.name, reason);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        return response_json(resp, 200, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "status", "acknowledged",
                                                  "by", req->who.user.name));
}

static int html(struct response *resp, unsigned status, const char *title, const char *body_html)
{
        char *page = NULL;
        int n = asprintf(&page,
                         "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta name=\"viewport\" content=\"width=device-width\"><title>%s</title></head>"
                         "<body><main><h1>%s</h1>%s</main></body></html>\n",
                         title, title, body_html);
        if (n < 0)
                return -ENOMEM;
        return response_text(resp, status, "text/html; charset=utf-8", page, (size_t)n);
}

/* The token from the path: the page it acknowledges, or -VG_ENOTFOUND. */
static int by_token(struct request *req, struct store_tx *tx, struct oncall_page *p)
{
        uint8_t h[SECRET_DIGEST_BYTES];
        const char *token = req->params[0];
        if (strncmp(token, "vga_", 4) != 0 || strlen(token) >= SECRET_TOKEN_MAX)
                return -VG_ENOTFOUND;
        secret_token_digest(token, h);
        return store_page_get_by_ack(tx, h, p);
}

int api_ack_link_get(struct request *req, struct response *resp)
{
        struct oncall_page p;
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = by_token(req, tx, &p);
        store_rollback(tx);
        if (r == -VG_ENOTFOUND)
                return html(resp, 404, "Unknown link", "<p>This acknowledgement link is not known.</p>");
        if (r < 0)
                return r;
        if (p.acked_at)
                return html(resp, 409, "Already acknowledged", "<p>This page was acknowledged already.</p>");
        char body[1024];
        /* The token is [A-Za-z0-9_-] (checked by the lookup), safe in an attribute. */
        snprintf(body, sizeof body,
                 "<p>Page %lld for %s, level %d.</p><form method=\"post\" action=\"/ack/%s\">"
                 "<button type=\"submit\">Acknowledge</button></form>",
                 (long long)p.id, p.user, p.level, req->params[0]);
        return html(resp, 200, "Acknowledge this page", body);
}

int api_ack_link_post(struct request *req, struct response *resp)
{
        struct oncall_page p;
        struct store_tx *tx;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = by_token(req, tx, &p);
        if (r == -VG_ENOTFOUND) {
                store_rollback(tx);
                return html(resp, 404, "Unknown link", "<p>This acknowledgement link is not known.</p>");
        }
        char who[STORE_NAME_MAX + 8];
        snprintf(who, sizeof who, "%.64s (link)", p.user);
        if (r >= 0)
                r = acknowledge(req, tx, &p, who, NULL);
        r = store_finish(tx, r);
        if (r == -VG_ECONFLICT)
                return html(resp, 409, "Already acknowledged", "<p>This page was acknowledged already.</p>");
        if (r < 0)
                return r;
        return html(resp, 200, "Acknowledged", "<p>Thank you: the escalation has stopped.</p>");
}
