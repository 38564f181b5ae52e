/* Pages: list them with their deliveries, and acknowledge one - through
 * the API (a responder's token or session) or through the single-use link
 * in the page itself (/ack/{token}: GET shows a confirmation form, since
 * mail scanners follow links; POST acknowledges). An acknowledgement stops
 * the escalation and marks the incident acknowledged. Who may: see
 * case_page_ack (src/cases/paging.c). */
#define _GNU_SOURCE
#include "http/resources.h"

#include "base/secret.h"
#include "cases/paging.h"
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
        struct page pg;
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
        return page_add(&l->pg, p->id,
                        json_pack("{s:I, s:s, s:s, s:i, s:i, s:s, s:o, s:o, s:o}", "id", (json_int_t)p->id, "incident",
                                  p->incident_key, "user", p->user, "level", p->level, "round", p->round, "via", p->via,
                                  "created_at", json_time(p->created_at), "acked_at", json_time(p->acked_at),
                                  "deliveries", deliveries));
}

static const struct page_sort page_sorts[] = { { "-created", false }, { "created", false }, { NULL, false } };

int api_page_list(struct request *req, struct response *resp)
{
        const char *key = request_query(req, "incident");
        struct page_filter f = { .user = request_query(req, "user"), .text = request_query_text(req, "q", PAGE_TEXT_MAX) };
        struct page_list l = { 0 };
        if (key && !*key)
                fielderr_add(&req->errors, "incident", "must be an incident key");
        if (f.user && !username_valid(f.user))
                fielderr_add(&req->errors, "user", "not a user name");
        int acked = request_query_bool(req, "acked");
        f.acked = acked == 1 ? PAGE_ACKED_YES : acked == 0 ? PAGE_ACKED_NO : PAGE_ACKED_ANY;
        int r = page_begin_sorted(req, &l.pg, page_sorts);
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        f.oldest_first = l.pg.sort == 1;
        f.after_id = l.pg.after;
        if (r >= 0)
                r = store_begin_read(req->store, &l.tx);
        if (r >= 0) {
                r = request_incident_filter(req, l.tx, key, &f.incident_id);
                if (r >= 0)
                        r = store_page_list(l.tx, &f, l.pg.limit, add_page, &l);
                store_rollback(l.tx);
        }
        return page_end(resp, &l.pg, r);
}

int api_page_ack(struct request *req, struct response *resp)
{
        static const char *const fields[] = {"reason", NULL};
        long long id;
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
        struct case_outcome o;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_page_ack(tx, &a, req->who.user.role, req->now, id, reason, &o);
        request_outcome(req, &o);
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

/* The digest of the token in the path; false when it is no token. */
static bool token_digest(struct request *req, uint8_t h[SECRET_DIGEST_BYTES])
{
        const char *token = req->params[0];
        if (strncmp(token, "vga_", 4) != 0 || strlen(token) >= SECRET_TOKEN_MAX)
                return false;
        secret_token_digest(token, h);
        return true;
}

int api_ack_link_get(struct request *req, struct response *resp)
{
        struct oncall_page p;
        struct store_tx *tx;
        uint8_t h[SECRET_DIGEST_BYTES];
        if (!token_digest(req, h))
                return html(resp, 404, "Unknown link", "<p>This acknowledgement link is not known.</p>");
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_page_get_by_ack(tx, h, &p);
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
        struct case_outcome o;
        uint8_t h[SECRET_DIGEST_BYTES];
        if (!token_digest(req, h))
                return html(resp, 404, "Unknown link", "<p>This acknowledgement link is not known.</p>");
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        if (req->who.kind == AUTH_NONE)
                a.name = NULL; /* the link's owner */
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_page_ack_link(tx, &a, req->now, h, &p, &o);
        r = store_finish(tx, r);
        if (r == -VG_ENOTFOUND)
                return html(resp, 404, "Unknown link", "<p>This acknowledgement link is not known.</p>");
        if (r == -VG_ECONFLICT)
                return html(resp, 409, "Already acknowledged", "<p>This page was acknowledged already.</p>");
        if (r < 0)
                return r;
        return html(resp, 200, "Acknowledged", "<p>Thank you: the escalation has stopped.</p>");
}
