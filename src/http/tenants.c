/* Tenants: who they are, who to tell (designated administrator contacts,
 * an optional webhook), and what applies to them (jurisdictions as ISO
 * 3166 codes, sectors, the data categories they entrust to the provider,
 * the contract's notification hours, 72 by default). PUT creates or
 * replaces one; POST /api/v1/tenants/import takes many as JSON or CSV, all
 * or nothing: one bad row refuses the file, naming rows and fields. */
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"
#include "notify/notify.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTACTS_MAX 20
#define LIST_MAX 50
#define TENANT_NAME_MAX 200
#define IMPORT_ROWS_MAX 1000000

static const char *const sectors[] = { "finance",        "insurance",      "health",  "energy",        "transport",
                                       "telecom",        "digital_infrastructure", "ict_services",
                                       "public_administration", "government", "defence", "education", "retail",
                                       "manufacturing",  "media",          "research", "water",        "food",
                                       "space",          "postal",         "waste",    "chemicals",    "other" };

static void ferr(struct field_errors *fe, const char *at, const char *field, const char *msg)
{
        char path[FIELDERR_FIELD_MAX];
        snprintf(path, sizeof path, "%s%s%s", at, *at ? ": " : "", field);
        fielderr_add(fe, path, "%s", msg);
}

static bool email_ok(const char *s)
{
        const char *at = strchr(s, '@');
        if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254 || !strchr(at + 1, '.'))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p <= ' ' || strchr("<>\",;()[]\\", *p))
                        return false;
        return true;
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
static int tenant_parse(const struct config *cfg, json_t *in, const char *at, char id[STORE_NAME_MAX],
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
                                              "data_categories", "notification_hours", NULL };
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
                bool ok = json_is_object(c) && email && email_ok(email) && (!cname || text_valid(cname, 200)) &&
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

int tenant_get(struct request *req, struct response *resp)
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

static int list_one(const struct tenant_row *t, void *userdata)
{
        json_t *j = tenant_json(t);
        return j ? page_add(userdata, t->rid, j) : -ENOMEM;
}

int tenant_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct page pg;
        int r = page_begin(req, &pg);
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_tenant_list(tx, pg.after, pg.limit, list_one, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}

int tenant_put(struct request *req, struct response *resp)
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
        char *text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
        int changed = 0;
        r = text ? store_begin(req->store, &tx) : -ENOMEM;
        if (r >= 0) {
                r = store_tenant_put(tx, id, name, text, req->now, &changed);
                if (r >= 0 && changed) {
                        char object[STORE_NAME_MAX + 8];
                        snprintf(object, sizeof object, "tenant:%s", id);
                        json_object_set_new(body, "name", json_string(name));
                        r = request_audit_object(req, tx, changed == 1 ? "tenant.create" : "tenant.update", object, body);
                }
                r = store_finish(tx, r);
        }
        free(text);
        json_decref(body);
        if (r < 0)
                return r;
        json_t *j = NULL;
        if (store_begin_read(req->store, &tx) >= 0) {
                r = store_tenant_get(tx, id, tenant_cb, &j);
                store_rollback(tx);
        }
        if (!j)
                return r < 0 ? r : -ENOMEM;
        json_object_set_new(j, "changed", json_boolean(changed != 0));
        return response_json(resp, changed == 1 ? 201 : 200, j);
}

int tenant_delete(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_tenant_delete(tx, req->params[0]);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no tenant %s", req->params[0]);
        if (r >= 0) {
                char object[ROUTE_PARAM_LEN + 8];
                snprintf(object, sizeof object, "tenant:%s", req->params[0]);
                r = request_audit_object(req, tx, "tenant.delete", object, NULL);
        }
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        resp->status = 204;
        return 0;
}

/* ---- import ---- */

/* CSV: a header row naming the columns, then a row per tenant. Lists
 * (contacts, jurisdictions, sectors, data_categories) are ';'-separated
 * in their cell; contacts are email addresses. */
struct csv_state {
        json_t *rows;     /* array of objects */
        char cols[16][32];
        size_t n_cols, col;
        size_t row;       /* 1-based; the header is row 1 */
        json_t *cur;
        struct field_errors *fe;
        bool bad_header;
};

static json_t *split(const char *s, size_t len, bool contacts)
{
        json_t *a = json_array();
        size_t i = 0;
        while (i <= len) {
                size_t j = i;
                while (j < len && s[j] != ';')
                        j++;
                size_t a0 = i, b0 = j;
                while (a0 < b0 && isspace((unsigned char)s[a0]))
                        a0++;
                while (b0 > a0 && isspace((unsigned char)s[b0 - 1]))
                        b0--;
                if (b0 > a0) {
                        json_t *v = json_stringn(s + a0, b0 - a0);
                        json_array_append_new(a, contacts ? json_pack("{s:o}", "email", v) : v);
                }
                i = j + 1;
        }
        return a;
}

static void csv_field(void *data, size_t len, void *userdata)
{
        struct csv_state *st = userdata;
        const char *s = data;
        if (st->row == 1) {
                if (st->n_cols == 16 || len == 0 || len >= 32) {
                        st->bad_header = true;
                        return;
                }
                snprintf(st->cols[st->n_cols++], 32, "%.*s", (int)len, s);
                return;
        }
        if (!st->cur)
                st->cur = json_object();
        size_t c = st->col++;
        if (c >= st->n_cols || !len)
                return; /* extra or empty cells: checked at the row's end */
        const char *col = st->cols[c];
        json_t *v;
        if (strcmp(col, "contacts") == 0 || strcmp(col, "jurisdictions") == 0 || strcmp(col, "sectors") == 0 ||
            strcmp(col, "data_categories") == 0) {
                v = split(s, len, strcmp(col, "contacts") == 0);
        } else if (strcmp(col, "notification_hours") == 0) {
                char buf[24], *end;
                snprintf(buf, sizeof buf, "%.*s", (int)(len < 20 ? len : 20), s);
                long long h = strtoll(buf, &end, 10);
                v = *end || end == buf ? json_stringn(s, len) : json_integer(h); /* a string is refused later */
        } else {
                v = json_stringn(s, len);
        }
        if (!v) { /* not valid UTF-8 */
                char at[32];
                snprintf(at, sizeof at, "row %zu", st->row);
                ferr(st->fe, at, col, "is not valid UTF-8");
                v = json_string("");
        }
        json_object_set_new(st->cur, col, v);
}

static void csv_row(int c, void *userdata)
{
        struct csv_state *st = userdata;
        (void)c;
        if (st->row > 1) {
                if (st->col > st->n_cols) {
                        char at[32];
                        snprintf(at, sizeof at, "row %zu", st->row);
                        ferr(st->fe, at, "row", "has more cells than the header");
                }
                json_array_append_new(st->rows, st->cur ? st->cur : json_object());
        }
        st->cur = NULL;
        st->col = 0;
        st->row++;
}

static int parse_csv(struct request *req, json_t **ret)
{
        struct csv_parser p;
        struct csv_state st = { .rows = json_array(), .row = 1, .fe = &req->errors };
        if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0) {
                json_decref(st.rows);
                return -ENOMEM;
        }
        size_t done = csv_parse(&p, req->body, req->body_len, csv_field, csv_row, &st);
        int err = done == req->body_len ? csv_fini(&p, csv_field, csv_row, &st) : -1;
        if (err != 0 || done != req->body_len) {
                request_detail(req, "the CSV is malformed at row %zu: %s", st.row, csv_strerror(csv_error(&p)));
                fielderr_add(&req->errors, "body", "is not valid CSV");
        }
        csv_free(&p);
        json_decref(st.cur);
        static const char *const known[] = { "id", "name", "contacts", "webhook", "jurisdictions", "sectors",
                                             "data_categories", "notification_hours" };
        for (size_t i = 0; i < st.n_cols; i++) {
                bool ok = false;
                for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                        ok |= strcmp(st.cols[i], known[k]) == 0;
                if (!ok) {
                        char msg[96];
                        snprintf(msg, sizeof msg, "'%s' is not a tenant column", st.cols[i]);
                        ferr(&req->errors, "row 1", "header", msg);
                }
        }
        if (st.bad_header || !st.n_cols)
                ferr(&req->errors, "row 1", "header", "must name the columns (id, name, contacts, ...)");
        if (fielderr_any(&req->errors)) {
                json_decref(st.rows);
                return -VG_EVALIDATION;
        }
        *ret = st.rows;
        return 0;
}

int tenant_import(struct request *req, struct response *resp)
{
        const char *type = request_header(req, "Content-Type");
        bool csv = type && strncasecmp(type, "text/csv", 8) == 0;
        json_t *rows = NULL;
        int r;
        if (csv) {
                r = parse_csv(req, &rows);
        } else {
                json_t *body;
                r = request_json_value(req, &body);
                if (r >= 0 && !json_is_array(body)) {
                        fielderr_add(&req->errors, "body", "must be a JSON array of tenants (or send text/csv)");
                        r = -VG_EVALIDATION;
                }
                if (r >= 0)
                        rows = json_incref(body);
        }
        if (r < 0)
                return r;
        size_t n = json_array_size(rows), bad = 0;
        if (n > IMPORT_ROWS_MAX) {
                json_decref(rows);
                request_detail(req, "at most %d tenants per import", IMPORT_ROWS_MAX);
                return -VG_ETOOLARGE;
        }
        /* Validate every row first: all or nothing. */
        char (*ids)[STORE_NAME_MAX] = calloc(n ? n : 1, sizeof *ids);
        char (*names)[TENANT_NAME_MAX + 1] = calloc(n ? n : 1, sizeof *names);
        char **bodies = calloc(n ? n : 1, sizeof *bodies);
        if (!ids || !names || !bodies)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                char at[32];
                json_t *body = NULL;
                if (csv)
                        snprintf(at, sizeof at, "row %zu", i + 2);
                else
                        snprintf(at, sizeof at, "[%zu]", i);
                if (tenant_parse(req->cfg, json_array_get(rows, i), at, ids[i], names[i], &body, &req->errors) < 0) {
                        bad++;
                        continue;
                }
                bodies[i] = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
                json_decref(body);
                if (!bodies[i])
                        r = -ENOMEM;
        }
        json_decref(rows);
        if (r >= 0 && bad) {
                request_detail(req, "%zu of %zu tenants are not valid; nothing was imported", bad, n);
                r = -VG_EVALIDATION;
        }
        unsigned created = 0, updated = 0, unchanged = 0;
        struct store_tx *tx;
        if (r >= 0)
                r = store_begin(req->store, &tx);
        if (r >= 0) {
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        int changed = 0;
                        r = store_tenant_put(tx, ids[i], names[i], bodies[i], req->now, &changed);
                        created += changed == 1;
                        updated += changed == 2;
                        unchanged += changed == 0;
                }
                if (r >= 0 && (created || updated)) {
                        /* One audit record for the file: counts and the ids it touched. */
                        json_t *change = json_pack("{s:i, s:i, s:i, s:s}", "created", created, "updated", updated,
                                                   "unchanged", unchanged, "format", csv ? "csv" : "json");
                        r = request_audit_object(req, tx, "tenant.import", "tenants", change);
                        json_decref(change);
                }
                r = store_finish(tx, r);
        }
        for (size_t i = 0; bodies && i < n; i++)
                free(bodies[i]);
        free(bodies);
        free(ids);
        free(names);
        if (r < 0)
                return r;
        return response_json(resp, 200, json_pack("{s:I, s:i, s:i, s:i}", "received", (json_int_t)n, "created", created,
                                                  "updated", updated, "unchanged", unchanged));
}
