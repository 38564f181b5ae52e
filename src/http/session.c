/* Sign-in and sign-out. A session is a random token in an HttpOnly,
 * SameSite=Strict cookie, stored only as its digest, with an idle and an
 * absolute expiry. Failed sign-ins are limited per user name and per client
 * address; the answer never says which of name or password was wrong. */
#include "http/auth.h"
#include "http/resources.h"

#include "base/log.h"
#include "base/secret.h"
#include "core/error.h"
#include "cases/account.h"

#include <stdio.h>
#include <string.h>

static int set_cookie(struct request *req, struct response *resp, const char *token, int64_t max_age)
{
        char cookie[256];
        snprintf(cookie, sizeof cookie, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
                 token, (long long)max_age, req->cfg->secure_cookies ? "; Secure" : "");
        return response_header_add(resp, "Set-Cookie", cookie);
}

static void wipe_json_string(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        if (json_is_string(v))
                secret_wipe((char *)json_string_value(v), json_string_length(v));
}

int api_session_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "username", "password", NULL };
        const struct config_login *lim = &req->cfg->login;
        char token[SECRET_TOKEN_MAX], qname[80];
        struct user u = { 0 };
        json_t *body;
        int retry = 0, r;

        r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *name = json_field_string(req, body, "username", true, STORE_NAME_MAX - 1);
        const char *password = json_field_string(req, body, "password", true, 1024);
        if (fielderr_any(&req->errors)) {
                wipe_json_string(body, "password");
                return -VG_EVALIDATION;
        }

        struct session s = { .created_at = req->now,
                             .last_seen = req->now,
                             .expires_at = req->now + req->cfg->session.absolute_timeout * VG_USEC_PER_SEC };
        r = secret_token_new(TOKEN_PREFIX_SESSION, token, sizeof token);
        if (r >= 0) {
                secret_token_digest(token, s.token_hash);
                r = account_sign_in(req->store, req->now, req->request_id, req->client_addr, name, password, lim,
                                    &s, &u, &retry);
        }
        wipe_json_string(body, "password");
        secret_wipe((char *)req->body, req->body_len);
        if (r == -VG_ERATELIMIT) {
                req->retry_after = retry;
                request_detail(req, "too many failed sign-ins; try again in %d seconds", retry);
                log_event(LOG_LVL_WARN, "sign-in refused: rate limited", "request_id=%s user=%s addr=%s",
                          req->request_id, log_quote(name, qname, sizeof qname), req->client_addr);
        }
        if (r == -VG_EAUTH) {
                log_event(LOG_LVL_WARN, "sign-in failed", "request_id=%s user=%s addr=%s",
                          req->request_id, log_quote(name, qname, sizeof qname), req->client_addr);
                request_detail(req, "wrong user name or password, or the account is disabled");
        }
        if (r < 0)
                goto out;
        /* The actor from here on is the user signed in, not the anonymous caller. */
        req->who.user = u;
        req->who.kind = AUTH_SESSION;

        char csrf[2 * STORE_HASH_BYTES + 1];
        auth_csrf_token(token, csrf);
        set_cookie(req, resp, token, req->cfg->session.absolute_timeout);
        r = response_json(resp, 201,
                          json_pack("{s:o, s:s, s:o, s:I}", "user", account_user_json(&u),
                                    "csrf_token", csrf, "expires_at", json_time(s.expires_at),
                                    "idle_timeout_seconds", (json_int_t)req->cfg->session.idle_timeout));
        log_event(LOG_LVL_INFO, "signed in", "request_id=%s user=%s addr=%s", req->request_id,
                  u.name, req->client_addr);
out:
        secret_wipe(token, sizeof token);
        return r;
}

int api_session_get(struct request *req, struct response *resp)
{
        json_t *j = json_pack("{s:o, s:s}", "user", account_user_json(&req->who.user), "auth",
                              req->who.kind == AUTH_SESSION ? "session" : "token");
        if (j && req->who.kind == AUTH_SESSION)
                json_object_set_new(j, "csrf_token", json_string(req->who.csrf));
        return response_json(resp, 200, j);
}

int api_session_delete(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        int r;

        if (req->who.kind != AUTH_SESSION) {
                request_detail(req, "not signed in with a session cookie; revoke API tokens with "
                                    "DELETE /api/v1/tokens/{id}");
                return -VG_ECONFLICT;
        }
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = store_session_delete(tx, req->who.session_id);
        if (r >= 0) {
                json_t *change = json_pack("{s:I}", "session", (json_int_t)req->who.session_id);
                r = request_audit(req, tx, "session.delete", "user", req->who.user.id, change);
                json_decref(change);
        }
        r = store_finish(tx, r);
        if (r < 0)
                return r;
        set_cookie(req, resp, "", 0);
        resp->status = 204;
        return 0;
}
