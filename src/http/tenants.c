/* Tenants: who they are, who to tell (designated administrator contacts,
 * an optional webhook), and what applies to them (jurisdictions as ISO
 * 3166 codes, sectors, the data categories they entrust to the provider,
 * the contract's notification hours, 72 by default, and what they are
 * regulated as beyond their sectors: sec_registrant, bank,
 * covered_entity, business_associate). PUT creates or
 * replaces one; POST /api/v1/tenants/import takes many as JSON or CSV, all
 * or nothing: one bad row refuses the file, naming rows and fields. */
#include "http/resources.h"
#include "http/tenant-import.h"

#include "cases/tenants.h"

#include "core/error.h"
#include "core/names.h"
#include "core/rules.h"
#include "notify/notify.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTACTS_MAX 20
#define LIST_MAX 50
#define IMPORT_ROWS_MAX 1000000

static const char *const sectors[] = { "finance",        "insurance",      "health",  "energy",        "transport",
                                       "telecom",        "digital_infrastructure", "ict_services",
                                       "public_administration", "government", "defence", "education", "retail",
                                       "manufacturing",  "media",          "research", "water",        "food",
                                       "space",          "postal",         "waste",    "chemicals",    "other" };

static void ferr(struct field_errors *fe, const char *at, const char *field, const char *msg)
{
        tenant_field_error(fe, at, field, msg);
}

/* ISO 3166-1 alpha-2 ("DE", and "EU" for the Union), optionally with an
 * ISO 3166-2 subdivision ("US-CA"). */
static bool jurisdiction_ok(const char *s)
{
        size_t n = strlen(s);
        if (n != 2 && (n < 4 || n > 6 || s[2] != '-'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (i != 2 && !(isupper((unsigned char)s[i]) || (i > 2 && isdigit((unsigned char)s[i]))))
                        return false;
        return true;
}

static bool sector_ok(const char *s)
{
        for (size_t i = 0; i < sizeof sectors / sizeof sectors[0]; i++)
                if (strcmp(s, sectors[i]) == 0)
                        return true;
        return false;
}

static bool category_ok(const char *s)
{
        return data_category_from_string(s) != DATA__INVALID;
}

/* A list of strings, each checked by ok; sorted and without repeats. */
static json_t *string_set(json_t *in, const char *at, const char *field, bool (*ok)(const char *),
                          const char *what, struct field_errors *fe)
{
        json_t *out = json_array(), *v;
        size_t i;
        if (!in)
                return out;
        if (!json_is_array(in) || json_array_size(in) > LIST_MAX) {
                ferr(fe, at, field, "must be a list of at most 50");
                return out;
        }
        json_array_foreach(in, i, v)
        {
                const char *s = json_string_value(v);
                if (!s || !ok(s)) {
                        char msg[200];
                        snprintf(msg, sizeof msg, "'%.40s' is not %s", s ? s : "(not a string)", what);
                        ferr(fe, at, field, msg);
                        continue;
                }
                size_t k = 0;
                while (k < json_array_size(out) && strcmp(json_string_value(json_array_get(out, k)), s) < 0)
                        k++;
                if (k == json_array_size(out) || strcmp(json_string_value(json_array_get(out, k)), s) != 0)
                        json_array_insert_new(out, k, json_string(s));
        }
        return out;
}

/* Validate one tenant object (id included) into its canonical body.
 * Errors go to fe with at ("" or "row 12") before the field. */
static int tenant_check(const struct config *cfg, json_t *in, const char *at, char id[STORE_NAME_MAX],
                        char name[TENANT_NAME_MAX + 1], json_t **ret, struct field_errors *fe);

/* tenant_check with its own error list, merged into fe: whether this row
 * is bad never depends on how full fe already is. */
int tenant_parse(const struct config *cfg, json_t *in, const char *at, char id[STORE_NAME_MAX],
                 char name[TENANT_NAME_MAX + 1], json_t **ret, struct field_errors *fe)
{
        struct field_errors mine;
        fielderr_init(&mine);
        int r = tenant_check(cfg, in, at, id, name, ret, &mine);
        for (size_t i = 0; i < mine.n; i++)
                fielderr_add(fe, mine.e[i].field, "%s", mine.e[i].message);
        if (mine.truncated)
                fe->truncated = true;
        if (r >= 0 && (mine.n || mine.truncated)) {
                json_decref(*ret);
                *ret = NULL;
                r = -VG_EVALIDATION;
        }
        return r;
}

static int tenant_check(const struct config *cfg, json_t *in, const char *at, char id[STORE_NAME_MAX],
                        char name[TENANT_NAME_MAX + 1], json_t **ret, struct field_errors *fe)
{
        static const char *const fields[] = { "id", "name", "contacts", "webhook", "jurisdictions", "sectors",
                                              "data_categories", "notification_hours", "regulated_as", NULL };
        *ret = NULL;
        if (!json_is_object(in)) {
                ferr(fe, at, "tenant", "must be an object");
                return -VG_EVALIDATION;
        }
        const char *k;
        json_t *v;
        json_object_foreach(in, k, v)
        {
                bool known = false;
                for (size_t i = 0; fields[i]; i++)
                        known |= strcmp(k, fields[i]) == 0;
                if (!known)
                        ferr(fe, at, k, "is not a tenant field");
        }
        const char *s = json_string_value(json_object_get(in, "id"));
        if (!s || !tenant_id_valid(s))
                ferr(fe, at, "id", "is required: 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'");
        else
                snprintf(id, STORE_NAME_MAX, "%s", s);
        s = json_string_value(json_object_get(in, "name"));
        if (!s || !text_valid(s, TENANT_NAME_MAX))
                ferr(fe, at, "name", "is required: text of 1 to 200 bytes on one line");
        else
                snprintf(name, TENANT_NAME_MAX + 1, "%s", s);
        json_t *body = json_object();
        json_t *contacts = json_object_get(in, "contacts"), *c, *out = json_array();
        size_t i;
        if (!json_is_array(contacts) || !json_array_size(contacts) || json_array_size(contacts) > CONTACTS_MAX)
                ferr(fe, at, "contacts", "must list 1 to 20 designated administrators");
        json_array_foreach(contacts, i, c)
        {
                char field[40];
                snprintf(field, sizeof field, "contacts[%zu]", i);
                const char *email = json_string_value(json_object_get(c, "email"));
                const char *cname = json_string_value(json_object_get(c, "name"));
                json_t *verified = json_object_get(c, "verified");
                bool ok = json_is_object(c) && email && email_valid(email) && (!cname || text_valid(cname, 200)) &&
                          (!verified || json_is_boolean(verified));
                json_object_foreach(c, k, v) ok &= strcmp(k, "email") == 0 || strcmp(k, "name") == 0 ||
                                                     strcmp(k, "verified") == 0;
                if (!ok) {
                        ferr(fe, at, field, "must be {email, name?, verified?} with a valid email address");
                        continue;
                }
                json_t *o = json_pack("{s:s, s:b}", "email", email, "verified", json_is_true(verified));
                if (cname)
                        json_object_set_new(o, "name", json_string(cname));
                json_array_append_new(out, o);
        }
        json_object_set_new(body, "contacts", out);
        const char *hook = json_string_value(json_object_get(in, "webhook"));
        if (json_object_get(in, "webhook") && !json_is_null(json_object_get(in, "webhook"))) {
                char why[200];
                int hr = hook ? notify_webhook_url_check(cfg, hook, why, sizeof why) : -VG_EVALIDATION;
                if (hr == -ENOMEM)
                        return hr;
                if (hr < 0)
                        ferr(fe, at, "webhook", hook ? why : "must be an http(s) URL");
                else
                        json_object_set_new(body, "webhook", json_string(hook));
        }
        json_object_set_new(body, "jurisdictions",
                            string_set(json_object_get(in, "jurisdictions"), at, "jurisdictions", jurisdiction_ok,
                                       "an ISO 3166 code like DE or US-CA", fe));
        json_object_set_new(body, "sectors",
                            string_set(json_object_get(in, "sectors"), at, "sectors", sector_ok, "a known sector", fe));
        json_object_set_new(body, "data_categories",
                            string_set(json_object_get(in, "data_categories"), at, "data_categories", category_ok,
                                       "a data category (personal_data, health, payment_card, ...)", fe));
        json_object_set_new(body, "regulated_as",
                            string_set(json_object_get(in, "regulated_as"), at, "regulated_as", rule_regulated_as_valid,
                                       "one of " RULE_REGULATED_AS_NAMES, fe));
        json_t *hours = json_object_get(in, "notification_hours");
        if (hours && (!json_is_integer(hours) || json_integer_value(hours) < 1 || json_integer_value(hours) > 720))
                ferr(fe, at, "notification_hours", "must be 1 to 720 (the contract's hours to notify)");
        json_object_set_new(body, "notification_hours", json_integer(hours ? json_integer_value(hours) : 72));
        if (fe->n || fe->truncated) {
                json_decref(body);
                return -VG_EVALIDATION;
        }
        *ret = body;
        return 0;
}

static json_t *tenant_json(const struct tenant_row *t)
{
        json_t *j = json_loads(t->body, 0, NULL);
        if (!j)
                return NULL;
        json_object_set_new(j, "id", json_string(t->id));
        json_object_set_new(j, "name", json_string(t->name));
        json_object_set_new(j, "needs_followup", json_boolean(t->needs_followup));
        json_object_set_new(j, "version", json_integer(t->version));
        json_object_set_new(j, "updated_at", json_time(t->updated_at));
        return j;
}

static int tenant_cb(const struct tenant_row *t, void *userdata)
{
        *(json_t **)userdata = tenant_json(t);
        return *(json_t **)userdata ? 0 : -ENOMEM;
}

int api_tenant_get(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *j = NULL;
        /* A tenant administrator sees its own tenant only. */
        if (req->who.user.role == ROLE_TENANT_ADMIN && strcmp(req->who.user.tenant, req->params[0]) != 0) {
                request_detail(req, "no tenant %s", req->params[0]);
                return -VG_ENOTFOUND;
        }
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_tenant_get(tx, req->params[0], tenant_cb, &j);
        store_rollback(tx);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no tenant %s", req->params[0]);
        return r < 0 ? r : response_json(resp, 200, j);
}

/* The orders of GET /tenants, in enum tenant_sort's order. */
static const struct page_sort tenant_sorts[] = {
        { "id", true }, { "name", true }, { "-updated", true }, { NULL, false },
};

static int list_one(const struct tenant_row *t, void *userdata)
{
        struct page *pg = userdata;
        char updated[32];
        json_t *j = tenant_json(t);
        snprintf(updated, sizeof updated, "%lld", (long long)t->updated_at);
        return j ? page_add_keyed(pg, t->rid,
                                  pg->sort == TENANT_SORT_NAME ? t->name : pg->sort == TENANT_SORT_ID ? t->id : updated, j)
                 : -ENOMEM;
}

int api_tenant_list(struct request *req, struct response *resp)
{
        struct tenant_filter f = { .text = request_query_text(req, "q", TENANT_TEXT_MAX) };
        struct store_tx *tx;
        struct page pg;
        int followup = request_query_bool(req, "followup");
        f.followup = followup == 1 ? TENANT_FOLLOWUP_YES : followup == 0 ? TENANT_FOLLOWUP_NO : TENANT_FOLLOWUP_ANY;
        int r = page_begin_sorted(req, &pg, tenant_sorts);
        if (r >= 0) {
                f.sort = (enum tenant_sort)pg.sort;
                f.after_rid = pg.after;
                f.after_text = page_after_key(&pg);
                char *end;
                errno = 0;
                if (f.sort == TENANT_SORT_UPDATED && f.after_text &&
                    ((f.after_updated = strtoll(f.after_text, &end, 10)), errno || *end || end == f.after_text))
                        fielderr_add(&req->errors, "cursor", "not a cursor this server issued");
        }
        if (r >= 0 && fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_tenant_list(tx, &f, pg.limit, list_one, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}

int api_tenant_put(struct request *req, struct response *resp)
{
        char id[STORE_NAME_MAX] = "", name[TENANT_NAME_MAX + 1] = "";
        struct store_tx *tx;
        json_t *in, *body = NULL;
        int r = request_json_object(req, &in);
        if (r < 0)
                return r;
        if (!json_object_get(in, "id"))
                json_object_set_new(in, "id", json_string(req->params[0]));
        json_object_del(in, "version");
        json_object_del(in, "updated_at");
        json_object_del(in, "needs_followup");
        r = tenant_parse(req->cfg, in, "", id, name, &body, &req->errors);
        if (r >= 0 && strcmp(id, req->params[0]) != 0) {
                fielderr_add(&req->errors, "id", "differs from the path");
                r = -VG_EVALIDATION;
        }
        if (r < 0) {
                json_decref(body);
                return r;
        }
        /* One transaction: the record, its audit record, the obligations
         * its facts feed, and what the answer shows. */
        struct actor a = request_actor(req);
        struct case_tenant_result res = { 0 };
        json_t *j = NULL;
        r = store_begin(req->store, &tx);
        if (r < 0) {
                json_decref(body);
                return r;
        }
        r = case_tenant_put(tx, &a, req->now, req->rules, &req->cfg->provider, id, name, body, &res);
        if (r >= 0)
                r = store_tenant_get(tx, id, tenant_cb, &j);
        r = store_finish(tx, r);
        json_decref(body);
        if (r < 0) {
                json_decref(j);
                return r;
        }
        json_object_set_new(j, "changed", json_boolean(res.changed != 0));
        return response_json(resp, res.changed == 1 ? 201 : 200, j);
}

int api_tenant_delete(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct actor a = request_actor(req);
        struct case_tenant_result res;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_tenant_delete(tx, &a, req->now, req->rules, &req->cfg->provider, req->params[0], &res);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no tenant %s", req->params[0]);
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}

/* ---- import ---- */

/* One import: a write transaction opened before the first row, each good
 * row written as it is read while no row has been bad, every row checked
 * to the end so the answer names them all; any bad row (or a malformed
 * file) rolls the transaction back, so nothing is imported. */
struct import {
        struct request *req; /* borrows */
        struct store_tx *tx; /* borrows */
        size_t n, bad;
        unsigned created, updated, unchanged;
        bool json;
        struct case_tenant_batch batch; /* the open incidents to recompute at the end */
};

static int import_row(json_t *row, const char *at, bool bad_cell, void *userdata)
{
        struct import *im = userdata;
        char id[STORE_NAME_MAX] = "", name[TENANT_NAME_MAX + 1] = "";
        json_t *body = NULL;
        if (++im->n > IMPORT_ROWS_MAX) {
                request_detail(im->req, "at most %d tenants per import", IMPORT_ROWS_MAX);
                return -VG_ETOOLARGE;
        }
        int r = im->json ? request_json_limits(im->req, row) : 0;
        if (r < 0)
                return r;
        if (tenant_parse(im->req->cfg, row, at, id, name, &body, &im->req->errors) < 0 || bad_cell) {
                im->bad++;
                json_decref(body);
                return 0;
        }
        if (!im->bad) {
                struct actor a = request_actor(im->req);
                struct case_tenant_result res = { 0 };
                r = case_tenant_import_row(im->tx, &a, im->req->now, im->req->rules, &im->req->cfg->provider, id,
                                           name, body, &im->batch, &res);
                im->created += res.changed == 1;
                im->updated += res.changed == 2;
                im->unchanged += r >= 0 && res.changed == 0;
        }
        json_decref(body);
        return r;
}

int api_tenant_import(struct request *req, struct response *resp)
{
        const char *type = request_header(req, "Content-Type");
        bool csv = type && strncasecmp(type, "text/csv", 8) == 0;
        struct import im = { .req = req, .json = !csv };
        int r = csv ? 0 : request_json_body(req);
        if (r < 0)
                return r;
        char why[256] = "";
        const struct tenant_rows rows = { .row = import_row,
                                          .userdata = &im,
                                          .max_cell = req->cfg->limits.max_string,
                                          .fe = &req->errors,
                                          .why = why,
                                          .why_size = sizeof why };
        r = store_begin(req->store, &im.tx);
        if (r < 0)
                return r;
        case_tenant_batch_init(&im.batch);
        r = tenant_rows_parse(csv ? TENANT_CSV : TENANT_JSON, req->body, req->body_len, &rows);
        if (r >= 0 && (im.bad || fielderr_any(&req->errors))) {
                request_detail(req, "%zu of %zu tenants are not valid; nothing was imported",
                               im.bad, im.n);
                r = -VG_EVALIDATION;
        } else if (r == -VG_EVALIDATION && why[0]) {
                request_detail(req, "%s", why);
        }
        if (r >= 0) {
                struct actor a = request_actor(req);
                r = case_tenant_import_finish(im.tx, &a, req->now, req->rules, &req->cfg->provider, &im.batch, NULL);
        }
        case_tenant_batch_fini(&im.batch);
        if (r >= 0 && (im.created || im.updated)) {
                /* One audit record for the file: counts and the ids it touched. */
                json_t *change = json_pack("{s:i, s:i, s:i, s:s}", "created", im.created,
                                           "updated", im.updated, "unchanged", im.unchanged,
                                           "format", csv ? "csv" : "json");
                r = change ? request_audit_object(req, im.tx, "tenant.import", "tenants", change)
                           : -ENOMEM;
                json_decref(change);
        }
        r = store_finish(im.tx, r);
        if (r < 0)
                return r;
        return response_json(resp, 200,
                             json_pack("{s:I, s:i, s:i, s:i}", "received", (json_int_t)im.n,
                                       "created", im.created, "updated", im.updated, "unchanged",
                                       im.unchanged));
}
