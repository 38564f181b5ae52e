/* Users: admins manage accounts; auditors may read them. Changes carry an
 * ETag and honour If-Match, so two admins never overwrite each other. */
#include "http/resources.h"

#include "base/secret.h"
#include "base/tz.h"
#include "core/error.h"
#include "core/names.h"
#include "notify/notify.h"
#include "cases/account.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void etag(const struct user *u, char *buf, size_t size)
{
        snprintf(buf, size, "\"u%lld-%lld\"", (long long)u->id, (long long)u->updated_at);
}

static int user_response(struct response *resp, unsigned status, const struct user *u)
{
        char tag[64];
        etag(u, tag, sizeof tag);
        response_header_add(resp, "ETag", tag);
        return response_json(resp, status, account_user_json(u));
}

/* "+" and 6 to 15 digits (E.164). */
static bool phone_valid(const char *s)
{
        size_t n = strlen(s);
        if (n < 7 || n > 16 || s[0] != '+')
                return false;
        for (size_t i = 1; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* How a user is reached: email, phone, time_zone, contacts (each only when
 * present in body), validated into u. */
static void contact_fields(struct request *req, json_t *body, struct user *u)
{
        const char *email = json_field_string(req, body, "email", false, sizeof u->email - 1);
        const char *phone = json_field_string(req, body, "phone", false, sizeof u->phone - 1);
        const char *tz = json_field_string(req, body, "time_zone", false, sizeof u->time_zone - 1);
        if (email && *email && !email_valid(email))
                fielderr_add(&req->errors, "email", "is not an email address");
        else if (email)
                snprintf(u->email, sizeof u->email, "%s", email);
        if (phone && *phone && !phone_valid(phone))
                fielderr_add(&req->errors, "phone", "must be + and 6 to 15 digits (E.164)");
        else if (phone)
                snprintf(u->phone, sizeof u->phone, "%s", phone);
        if (tz && !tz_zone(tz))
                fielderr_add(&req->errors, "time_zone", "is not a known time zone (like Europe/Berlin)");
        else if (tz)
                snprintf(u->time_zone, sizeof u->time_zone, "%s", tz);
        json_t *cs = json_object_get(body, "contacts"), *c;
        if (!cs)
                return;
        if (!json_is_array(cs) || json_array_size(cs) > 10) {
                fielderr_add(&req->errors, "contacts", "must be a list of at most 10 {type, address}");
                return;
        }
        size_t i;
        json_array_foreach(cs, i, c)
        {
                char path[32];
                snprintf(path, sizeof path, "contacts[%zu]", i);
                const char *type = json_string_value(json_object_get(c, "type"));
                const char *addr = json_string_value(json_object_get(c, "address"));
                bool ok = json_is_object(c) && json_object_size(c) == 2 && type && addr;
                if (ok && strcmp(type, "email") == 0)
                        ok = email_valid(addr);
                else if (ok && strcmp(type, "webhook") == 0) {
                        char why[200];
                        if (notify_webhook_url_check(req->cfg, addr, why, sizeof why) < 0) {
                                char at[48];
                                snprintf(at, sizeof at, "%s.address", path);
                                fielderr_add(&req->errors, at, "%s", why);
                                continue;
                        }
                }
                else if (ok && strcmp(type, "sms") == 0)
                        ok = phone_valid(addr);
                else
                        ok = false;
                if (!ok)
                        fielderr_add(&req->errors, path,
                                     "must be {type: email|webhook|sms, address} with a valid address");
        }
        char *dumped = json_dumps(cs, JSON_COMPACT);
        if (dumped && strlen(dumped) < sizeof u->contacts)
                snprintf(u->contacts, sizeof u->contacts, "%s", dumped);
        else
                fielderr_add(&req->errors, "contacts", "is too long");
        free(dumped);
}

static int list_one(const struct user *u, void *userdata)
{
        return page_add(userdata, u->id, account_user_json(u));
}

int api_user_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct page pg;
        int r = page_begin(req, &pg);
        if (r >= 0)
                r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_user_list(tx, pg.after, pg.limit, list_one, &pg);
                store_rollback(tx);
        }
        return page_end(resp, &pg, r);
}

int api_user_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "name", "role", "tenant", "password", "email", "phone",
                                              "time_zone", "contacts", NULL };
        struct user u, contact = { 0 };
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        struct user_spec spec = {
                .name = json_field_string(req, body, "name", true, STORE_NAME_MAX - 1),
                .role = json_field_string(req, body, "role", true, 64),
                .tenant = json_field_string(req, body, "tenant", false, STORE_NAME_MAX - 1),
                .password = json_field_string(req, body, "password", true, PASSWORD_MAX),
                .contact = &contact,
        };
        contact_fields(req, body, &contact);
        if (fielderr_any(&req->errors))
                r = -VG_EVALIDATION;
        else {
                struct actor a = request_actor(req);
                r = account_user_create(req->store, &a, req->now, &spec, &u, &req->errors);
        }
        if (spec.password)
                secret_wipe((char *)spec.password, strlen(spec.password));
        secret_wipe((char *)req->body, req->body_len);
        if (r < 0)
                return r;
        char location[128];
        snprintf(location, sizeof location, "/api/v1/users/%s", u.name);
        response_header_add(resp, "Location", location);
        return user_response(resp, 201, &u);
}

static int find_user(struct request *req, struct store_tx *tx, struct user *u)
{
        int r = store_user_get_by_name(tx, req->params[0], u);
        if (r == -VG_ENOTFOUND)
                request_detail(req, "no user '%s'", req->params[0]);
        return r;
}

int api_user_get(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        struct user u;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = find_user(req, tx, &u);
        store_rollback(tx);
        if (r < 0)
                return r;
        return user_response(resp, 200, &u);
}

int api_user_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "role", "tenant", "disabled", "password", "email", "phone",
                                              "time_zone", "contacts", NULL };
        struct store_tx *tx = NULL;
        struct user u = { 0 };
        json_t *body;
        int r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *role = json_field_string(req, body, "role", false, 64);
        json_t *tenant_v = json_object_get(body, "tenant");
        const char *tenant = json_field_string(req, body, "tenant", false, STORE_NAME_MAX - 1);
        int disabled = json_field_bool(req, body, "disabled");
        const char *password = json_field_string(req, body, "password", false, PASSWORD_MAX);
        struct user contact = { 0 };
        contact_fields(req, body, &contact);
        if (fielderr_any(&req->errors)) {
                r = -VG_EVALIDATION;
                goto out;
        }

        r = store_begin(req->store, &tx);
        if (r < 0)
                goto out;
        r = find_user(req, tx, &u);
        if (r < 0)
                goto out;
        const char *if_match = request_header(req, "If-Match");
        char tag[64];
        etag(&u, tag, sizeof tag);
        if (if_match && strcmp(if_match, "*") != 0 && strcmp(if_match, tag) != 0) {
                request_detail(req, "the user changed since you read it (ETag %s); read it again", tag);
                r = -VG_EPRECONDITION;
                goto out;
        }

        /* The contact fields as sent, for the audit record. */
        static const char *const contact_keys[] = { "email", "phone", "time_zone", "contacts" };
        json_t *record = json_object();
        for (size_t i = 0; record && i < 4; i++) {
                json_t *v = json_object_get(body, contact_keys[i]);
                if (v)
                        json_object_set(record, contact_keys[i], v);
        }
        struct user_change c = {
                .role = role,
                .set_tenant = tenant_v != NULL,
                .tenant = tenant,
                .disabled = disabled,
                .password = password,
                .contact = &contact,
                .set_email = json_object_get(body, "email") != NULL,
                .set_phone = json_object_get(body, "phone") != NULL,
                .set_time_zone = json_object_get(body, "time_zone") != NULL,
                .set_contacts = json_object_get(body, "contacts") != NULL,
                .record = record,
        };
        struct case_outcome o;
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = record ? account_user_update(tx, &a, req->now, req->who.token_id, &u, &c, &o) : -ENOMEM;
        request_outcome(req, &o);
        json_decref(record);
        r = store_finish(tx, r);
        tx = NULL;
out:
        store_rollback(tx);
        if (password)
                secret_wipe((char *)password, strlen(password));
        secret_wipe(u.password_hash, sizeof u.password_hash);
        if (r < 0)
                return r;
        return user_response(resp, 200, &u);
}
