/* An incident's obligations: listed by due time with the time left and
 * each tenant's effective deadline (the earliest of its obligations), and
 * marked sent - which starts the clock of any later stage - or waived
 * (src/cases/obligations.c holds both). */
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"
#include "cases/obligations.h"
#include "cases/rules.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct listing {
        struct page pg;
        vg_usec_t now;
        const struct rule_set *set; /* the rules in force; may be NULL */
        json_t *why;        /* rule id -> the rule in force, for the rows listed */
        json_t *seen;       /* tenant ids of the rows listed -> true */
        struct case_explainer *x; /* each row's explanation; NULL: not asked for */
};

/* Why o applies and by when: the rule it came from, once per rule, when
 * that rule is still the one in force (same rules version). */
static int explain(struct listing *l, const struct obligation *o, json_t *j)
{
        bool current = l->set && strcmp(o->rules_version, l->set->version) == 0;
        /* Rows share a few rules: a rule met before needs no search. */
        int i = !current ? -1 : json_object_get(l->why, o->rule_id) ? 0 : rule_find(l->set, o->rule_id);
        json_object_set_new(j, "rule_in_force", json_boolean(i >= 0));
        if (i < 0 || json_object_get(l->why, o->rule_id))
                return 0;
        json_t *r = case_rule_json(l->set, &l->set->rules[i]);
        return r ? json_object_set_new(l->why, o->rule_id, r) : -ENOMEM;
}

/* What o's clock says at now. A fixed deadline: the seconds left while
 * open. A duty "without undue delay" (deadline_kind asap) has no instant
 * after which it is late, so no seconds left: its words, the seconds
 * elapsed since its anchor (to the sending, once sent) and its internal
 * target with the seconds to it while open. */
static void clock_json(json_t *j, const struct obligation *o, vg_usec_t now)
{
        bool asap = strcmp(o->deadline_kind, "asap") == 0, open = strcmp(o->status, "open") == 0;
        json_object_set_new(j, "deadline_kind", json_string(asap ? "asap" : "fixed"));
        if (!asap) {
                if (o->due_at && open)
                        json_object_set_new(j, "seconds_left", json_integer((o->due_at - now) / VG_USEC_PER_SEC));
                return;
        }
        json_object_set_new(j, "deadline", json_string("without undue delay"));
        json_object_set_new(j, "target_at", json_time(o->target_at));
        vg_usec_t until = open ? now : strcmp(o->status, "sent") == 0 ? o->sent_at : VG_TIME_UNSET;
        if (o->anchor_at != VG_TIME_UNSET && until != VG_TIME_UNSET)
                json_object_set_new(j, "elapsed_seconds", json_integer((until - o->anchor_at) / VG_USEC_PER_SEC));
        if (open && o->target_at != VG_TIME_UNSET)
                json_object_set_new(j, "seconds_to_target", json_integer((o->target_at - now) / VG_USEC_PER_SEC));
}

/* Obligation o as a row: its fields and its clock at now. */
static json_t *row_json(const struct obligation *o, vg_usec_t now)
{
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "id", (json_int_t)o->id,
                              "tenant", o->tenant, "rule", o->rule_id, "rules_version", o->rules_version, "duty", o->duty,
                              "recipient", o->recipient ? o->recipient : "", "citation", o->citation ? o->citation : "",
                              "stage", o->stage, "anchor", o->anchor, "anchor_at", json_time(o->anchor_at), "due_at",
                              json_time(o->due_at), "status", o->status, "sent_at", json_time(o->sent_at));
        if (!j)
                return NULL;
        /* No deadline is guessed: the row says why there is none. */
        if (strcmp(o->status, "cannot_compute") == 0)
                json_object_set_new(j, "reason", json_string(o->reason));
        clock_json(j, o, now);
        return j;
}

static int add(const struct obligation *o, void *userdata)
{
        struct listing *l = userdata;
        json_t *j = row_json(o, l->now);
        if (!j || explain(l, o, j) < 0) {
                json_decref(j);
                return -ENOMEM;
        }
        /* Why this row applies, with the facts that met each condition:
         * when asked for (explain=true), as each is about a kilobyte. */
        if (l->x) {
                json_t *e = case_obligation_explanation(l->x, o);
                json_object_set_new(j, "explanation", e ? e : json_null());
        }
        if (o->tenant[0])
                json_object_set_new(l->seen, o->tenant, json_true());
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)(o->due_at ? o->due_at : INT64_MAX));
        return page_add_keyed(&l->pg, o->id, key, j);
}

static int find_incident(struct request *req, struct store_tx *tx, struct incident *inc)
{
        int r = store_incident_get(tx, req->params[0], inc);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no incident %s", req->params[0]);
        return r;
}

/* The counts by rule and status of the rows that pass the filters. */
struct tally {
        json_t *by_rule, *by_status;
        int64_t total;
};

static int tally_row(const char *rule, const char *status, int64_t n, void *userdata)
{
        struct tally *t = userdata;
        json_t *r = json_object_get(t->by_rule, rule);
        if (!r && json_object_set_new(t->by_rule, rule, r = json_object()) < 0)
                return -ENOMEM;
        json_object_set_new(r, status, json_integer(n));
        json_t *s = json_object_get(t->by_status, status);
        json_object_set_new(t->by_status, status, json_integer(json_integer_value(s) + n));
        t->total += n;
        return 0;
}

/* A tenant's effective deadline: the earliest of its open obligations
 * (an asap duty that binds: due at once, with its target). */
static int effective_row(const struct obligation *o, void *userdata)
{
        json_t *t = json_pack("{s:s, s:o, s:s, s:s}", "tenant", o->tenant, "due_at",
                              json_time(o->due_at), "rule", o->rule_id, "deadline_kind",
                              o->deadline_kind);
        if (t && strcmp(o->deadline_kind, "asap") == 0)
                json_object_set_new(t, "target_at", json_time(o->target_at));
        return t ? json_array_append_new(userdata, t) : -ENOMEM;
}

static const struct page_sort due_sorts[] = {{"due", true}, {"-due", true}, {NULL, false}};
static const char *const due_statuses[] = {"open",      "sent",           "waived",
                                           "withdrawn", "cannot_compute", NULL};

/* ?status as one of due_statuses, into *status (left as it is when the
 * query has none); any (when allowed) is NULL, every status. */
static void status_param(struct request *req, bool allow_any, const char **status)
{
        const char *v = request_query(req, "status");
        if (!v)
                return;
        if (allow_any && strcmp(v, "any") == 0) {
                *status = NULL;
                return;
        }
        for (size_t i = 0; due_statuses[i]; i++)
                if (strcmp(due_statuses[i], v) == 0) {
                        *status = due_statuses[i];
                        return;
                }
        fielderr_add(&req->errors, "status",
                     "must be %sopen, sent, waived, withdrawn or cannot_compute",
                     allow_any ? "any, " : "");
}

/* A page of obligations by due time (?sort=due or -due, ?limit,
 * ?cursor): its cursor into f. 0, or -VG_EVALIDATION with the errors
 * (any found before, too) in req->errors. */
static int due_page_begin(struct request *req, struct page *pg, struct obligation_filter *f)
{
        int r = page_begin_sorted(req, pg, due_sorts);
        const char *after = page_after_key(pg);
        char *end;
        errno = 0;
        if (r >= 0 && after &&
            ((f->after_due = strtoll(after, &end, 10)), errno || *end || end == after))
                fielderr_add(&req->errors, "cursor", "not a cursor this server issued");
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        f->latest_first = pg->sort == 1;
        f->after_id = pg->after;
        return r;
}

/* The obligations of the incident in the path, read in tx: the list's read
 * transaction, or a change's own, so that it answers with what it wrote
 * before it commits. A page at a time, by due time (not started last):
 * an incident of 100,000 tenants holds half a million rows. Beside the
 * page: the counts by rule and status of all that pass the filters, and
 * the effective deadline of each tenant on the page. */
static int obligation_list(struct request *req, struct response *resp, struct store_tx *tx)
{
        struct listing l = { .now = req->now, .set = req->rules };
        struct incident inc = { 0 };
        struct obligation_filter f = {.rule = request_query_text(req, "rule", 47)};
        if ((f.tenant = request_query(req, "tenant")) && *f.tenant && !tenant_id_valid(f.tenant))
                fielderr_add(&req->errors, "tenant", "not a tenant id (empty: the provider's own obligations)");
        status_param(req, false, &f.status);
        int why = request_query_bool(req, "explain");
        if (why < 0 && request_query(req, "explain"))
                fielderr_add(&req->errors, "explain", "must be true or false");
        int r = due_page_begin(req, &l.pg, &f);
        if (r < 0) {
                json_decref(l.pg.items);
                return r;
        }
        /* One page holds a whole ordinary incident: the most a page may. */
        if (!request_query(req, "limit"))
                l.pg.limit = req->cfg->limits.page_max;
        struct tally t = {.by_rule = json_object(), .by_status = json_object()};
        json_t *tenants = json_array();
        l.why = json_object();
        l.seen = json_object();
        if (r >= 0 && (!t.by_rule || !t.by_status || !tenants || !l.why || !l.seen))
                r = -ENOMEM;
        if (r >= 0)
                r = find_incident(req, tx, &inc);
        f.incident_id = inc.id;
        if (r >= 0 && req->rules && why == 1)
                r = case_explainer_new(tx, req->rules, &req->cfg->provider, &inc, f.tenant, &l.x);
        if (r >= 0)
                r = store_obligation_due(tx, &f, l.pg.limit, add, &l);
        if (r >= 0)
                r = store_obligation_tally(tx, &f, tally_row, &t);
        const char *k;
        json_t *v;
        json_object_foreach(l.seen, k, v)
        {
                if (r >= 0)
                        r = store_obligation_earliest(tx, inc.id, k, effective_row, tenants);
        }
        case_explainer_free(l.x);
        incident_fini(&inc);
        json_decref(l.seen);
        json_t *extra =
                r >= 0 ? json_pack("{s:s, s:s, s:o, s:o, s:I, s:b, s:{s:o, s:o}}", "incident",
                                   req->params[0], "rules_version",
                                   req->rules ? req->rules->version : "", "rules", l.why, "tenants",
                                   tenants, "total", (json_int_t)t.total, "truncated",
                                   t.total > (int64_t)json_array_size(l.pg.items), "summary",
                                   "by_rule", t.by_rule, "by_status", t.by_status)
                       : NULL;
        if (r < 0) {
                json_decref(l.why);
                json_decref(tenants);
                json_decref(t.by_rule);
                json_decref(t.by_status);
        } else if (!extra) {
                r = -ENOMEM; /* json_pack has released what it was given */
        }
        return page_end_with(resp, &l.pg, r, extra);
}

int api_obligation_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = obligation_list(req, resp, tx);
        store_rollback(tx);
        return r;
}

/* One obligation of the incident in the path, with its explanation:
 * what it reads is that obligation's tenant's alone. */
struct one {
        struct request *req;
        struct store_tx *tx;
        struct listing *l;
        const struct incident *inc;
        json_t *row;
};

static int one_row(const struct obligation *o, void *userdata)
{
        struct one *w = userdata;
        if (o->incident_id != w->inc->id)
                return 0; /* another incident's: not found here */
        int r = w->req->rules ? case_explainer_new(w->tx, w->req->rules, &w->req->cfg->provider, w->inc, o->tenant,
                                                   &w->l->x)
                              : 0;
        json_t *j = r >= 0 ? row_json(o, w->l->now) : NULL;
        if (r < 0 || !j || explain(w->l, o, j) < 0) {
                json_decref(j);
                return r < 0 ? r : -ENOMEM;
        }
        json_t *e = w->l->x ? case_obligation_explanation(w->l->x, o) : NULL;
        json_object_set_new(j, "explanation", e ? e : json_null());
        w->row = j;
        return 0;
}

int api_obligation_get(struct request *req, struct response *resp)
{
        long long id;
        if (request_id_param(req, 1, "obligation", &id) < 0)
                return -VG_ENOTFOUND;
        struct store_tx *tx;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        struct listing l = { .now = req->now, .set = req->rules, .why = json_object() };
        struct incident inc = { 0 };
        struct one w = { .req = req, .tx = tx, .l = &l, .inc = &inc };
        r = l.why ? find_incident(req, tx, &inc) : -ENOMEM;
        if (r >= 0)
                r = store_obligation_get(tx, id, one_row, &w);
        if (r >= 0 && !w.row)
                r = -VG_ENOTFOUND;
        if (r == -VG_ENOTFOUND && inc.id)
                request_detail(req, "no obligation %lld in %s", id, req->params[0]);
        case_explainer_free(l.x);
        incident_fini(&inc);
        store_rollback(tx);
        json_decref(l.why);
        if (r < 0) {
                json_decref(w.row);
                return r;
        }
        return response_json(resp, 200, w.row);
}

/* The attachment of a filing from its JSON {name, media_type, content
 * (base64)}: the bytes into *ret_data (yours). Errors go to req->errors. */
static void attachment_parse(struct request *req, json_t *j, struct filing_attachment *a, unsigned char **ret_data)
{
        static const char *const fields[] = { "name", "media_type", "content", NULL };
        if (!json_is_object(j)) {
                fielderr_add(&req->errors, "attachment", "must be an object {name, media_type, content}");
                return;
        }
        json_only_fields(req, j, fields);
        a->name = json_field_string(req, j, "name", true, 255);
        a->media_type = json_field_string(req, j, "media_type", true, 255);
        const char *b64 = json_field_string(req, j, "content", true, SIZE_MAX);
        if (!b64)
                return;
        size_t len = strlen(b64), cap = len / 4 * 3 + 3;
        if (cap > FILING_ATTACHMENT_MAX + 3) {
                fielderr_add(&req->errors, "attachment.content", "must be at most 512 KiB");
                return;
        }
        unsigned char *data = malloc(cap ? cap : 1);
        const char *end = NULL;
        if (!data || sodium_base642bin(data, cap, b64, len, "\r\n", &a->size, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            (end && *end)) {
                free(data);
                fielderr_add(&req->errors, "attachment.content", "must be the file's bytes in base64");
                return;
        }
        a->data = data;
        *ret_data = data;
}

/* Record a filing: when (default now), channel, reference, note and an
 * optional attachment (case_obligation_file); answers the obligations. */
int api_obligation_sent(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "at", "channel", "reference", "note", "attachment", NULL };
        struct case_outcome o;
        struct store_tx *tx;
        json_t *body = NULL;
        struct filing_input in = { .at = req->now };
        struct filing_attachment att = { 0 };
        unsigned char *data = NULL;
        long long id;
        if (request_id_param(req, 1, "obligation", &id) < 0)
                return -VG_ENOTFOUND;
        if (req->body_len) {
                int r = request_json_object(req, &body);
                if (r < 0)
                        return r;
                json_only_fields(req, body, fields);
                const char *s = json_field_string(req, body, "at", false, 64);
                if (s)
                        request_time(req, "at", s, VG_TIME_MAX, &in.at); /* the future: the use case says */
                in.channel = json_field_string(req, body, "channel", false, 16);
                in.reference = json_field_string(req, body, "reference", false, FILING_REFERENCE_MAX);
                in.note = json_field_string(req, body, "note", false, FILING_NOTE_MAX);
                json_t *aj = json_object_get(body, "attachment");
                if (aj && !json_is_null(aj)) {
                        attachment_parse(req, aj, &att, &data);
                        in.attachment = &att;
                }
                if (fielderr_any(&req->errors)) {
                        free(data);
                        return -VG_EVALIDATION;
                }
        }
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        int r = store_begin(req->store, &tx);
        if (r >= 0) {
                r = case_obligation_file(tx, &a, req->now, req->rules, &req->cfg->provider, req->params[0], id, &in,
                                         &o);
                request_outcome(req, &o);
                if (r >= 0)
                        r = obligation_list(req, resp, tx);
                r = store_finish(tx, r);
        }
        free(data);
        return r;
}

/* Correct a sent time, saying why (case_obligation_correct); answers the
 * obligations. */
int api_obligation_correct(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "at", "reason", NULL };
        struct case_outcome o;
        struct store_tx *tx;
        json_t *body;
        vg_usec_t at = VG_TIME_UNSET;
        long long id;
        if (request_id_param(req, 1, "obligation", &id) < 0)
                return -VG_ENOTFOUND;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *s = json_field_string(req, body, "at", true, 64);
        if (s)
                request_time(req, "at", s, VG_TIME_MAX, &at);
        const char *reason = json_field_string(req, body, "reason", true, FILING_REASON_MAX);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_obligation_correct(tx, &a, req->now, req->rules, &req->cfg->provider, req->params[0], id, at, reason,
                                    &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = obligation_list(req, resp, tx);
        return store_finish(tx, r);
}

/* The incident's filing history (?obligation=ID: of one obligation). */
int api_filing_list(struct request *req, struct response *resp)
{
        struct case_outcome o;
        struct store_tx *tx;
        json_t *items = NULL;
        long long obligation = 0;
        const char *v = request_query(req, "obligation");
        if (v) {
                char *end;
                obligation = strtoll(v, &end, 10);
                if (!*v || *end || obligation < 1) {
                        fielderr_add(&req->errors, "obligation", "must be an obligation id");
                        return -VG_EVALIDATION;
                }
        }
        case_outcome_init(&o);
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = case_filing_list(tx, req->params[0], obligation, &items, &o);
        request_outcome(req, &o);
        store_rollback(tx);
        if (r < 0)
                return r;
        return response_json(resp, 200, json_pack("{s:s, s:o}", "incident", req->params[0], "items", items));
}

struct attachment_copy {
        char *data;
        size_t size;
        char type[256], name[256], sha256[65];
};

static int copy_attachment(const struct filing *f, void *userdata)
{
        struct attachment_copy *c = userdata;
        c->data = malloc(f->attachment_size ? (size_t)f->attachment_size : 1);
        if (!c->data)
                return -ENOMEM;
        memcpy(c->data, f->attachment, (size_t)f->attachment_size);
        c->size = (size_t)f->attachment_size;
        snprintf(c->type, sizeof c->type, "%s", f->attachment_type ? f->attachment_type : "application/octet-stream");
        snprintf(c->name, sizeof c->name, "%s", f->attachment_name ? f->attachment_name : "attachment");
        snprintf(c->sha256, sizeof c->sha256, "%s", f->attachment_sha256);
        return 0;
}

/* A filing's attachment, as it was stored: its media type, a download
 * (never shown inline: it came from a user) and its SHA-256. */
int api_filing_attachment_get(struct request *req, struct response *resp)
{
        struct attachment_copy c = { 0 };
        struct incident inc = { 0 };
        struct store_tx *tx;
        long long id;
        if (request_id_param(req, 1, "filing", &id) < 0)
                return -VG_ENOTFOUND;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = find_incident(req, tx, &inc);
        if (r >= 0) {
                r = store_filing_attachment_get(tx, inc.id, id, copy_attachment, &c);
                if (r == -VG_ENOTFOUND)
                        request_detail(req, "no attachment to filing %lld on %s", id, inc.key);
        }
        store_rollback(tx);
        incident_fini(&inc);
        if (r < 0) {
                free(c.data);
                return r;
        }
        char disposition[300];
        snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", c.name);
        r = response_text(resp, 200, NULL, c.data, c.size);
        if (r >= 0)
                r = response_header_add(resp, "Content-Type", c.type);
        if (r >= 0)
                r = response_header_add(resp, "Content-Disposition", disposition);
        if (r >= 0)
                r = response_header_add(resp, "X-Vigil-SHA256", c.sha256);
        return r;
}

/* An obligation set aside, with the reason it does not apply. */
int api_obligation_waive(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "reason", NULL };
        struct case_outcome o;
        struct store_tx *tx;
        json_t *body;
        char *end;
        long long id = strtoll(req->params[1], &end, 10);
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *reason = json_field_string(req, body, "reason", true, 4096);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        if (*end || id <= 0) {
                request_detail(req, "no obligation %s", req->params[1]);
                return -VG_ENOTFOUND;
        }
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_obligation_waive(tx, &a, req->now, req->params[0], id, reason, &o);
        request_outcome(req, &o);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        return response_json(resp, 200, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "status", "waived", "reason",
                                                  reason));
}

struct due_list {
        struct store_tx *tx;
        struct page pg;
        vg_usec_t now;
};

static int add_due(const struct obligation *o, void *userdata)
{
        struct due_list *l = userdata;
        struct incident inc = { 0 };
        int r = store_incident_get_by_id(l->tx, o->incident_id, &inc);
        if (r < 0)
                return r;
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)o->id,
                              "incident", inc.key, "tenant", o->tenant, "rule", o->rule_id, "duty", o->duty, "recipient",
                              o->recipient ? o->recipient : "", "stage", o->stage, "status", o->status, "due_at",
                              json_time(o->due_at), "sent_at", json_time(o->sent_at));
        incident_fini(&inc);
        if (j)
                clock_json(j, o, l->now);
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)o->due_at);
        return j ? page_add_keyed(&l->pg, o->id, key, j) : -ENOMEM;
}

/* Obligations across incidents, open ones due soonest first by default
 * (the dashboard's). */
int api_obligation_due_list(struct request *req, struct response *resp)
{
        struct due_list l = { .now = req->now };
        struct obligation_filter f = { .status = "open", .text = request_query_text(req, "q", OBLIGATION_TEXT_MAX),
                                       .rule = request_query_text(req, "rule", 47) };
        status_param(req, true, &f.status);
        if ((f.tenant = request_query(req, "tenant")) && !tenant_id_valid(f.tenant))
                fielderr_add(&req->errors, "tenant", "not a tenant id");
        const char *key = request_query(req, "incident");
        if (key && !*key)
                fielderr_add(&req->errors, "incident", "must be an incident key");
        int r = due_page_begin(req, &l.pg, &f);
        if (r >= 0)
                r = store_begin_read(req->store, &l.tx);
        if (r >= 0) {
                r = request_incident_filter(req, l.tx, key, &f.incident_id);
                if (r >= 0)
                        r = store_obligation_due(l.tx, &f, l.pg.limit, add_due, &l);
                store_rollback(l.tx);
        }
        return page_end(resp, &l.pg, r);
}
