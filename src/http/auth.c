#include "http/auth.h"

#include "base/log.h"
#include "base/secret.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How stale last_seen / last_used may get before a request rewrites it:
 * bookkeeping writes stay rare while idle expiry stays accurate. */
static vg_usec_t touch_interval(const struct config *cfg)
{
        vg_usec_t quarter = cfg->session.idle_timeout * VG_USEC_PER_SEC / 4;
        vg_usec_t minute = 60 * VG_USEC_PER_SEC;
        return quarter < minute ? quarter : minute;
}

void auth_csrf_token(const char *session_token, char out[2 * STORE_HASH_BYTES + 1])
{
        uint8_t d[SECRET_DIGEST_BYTES];
        secret_digest("vigil-csrf-v1", 13, (const uint8_t *)session_token, strlen(session_token), d);
        secret_hex(d, sizeof d, out);
}

/* Refresh a token's last use or a session's last request; best effort,
 * never fails the request, and skipped while the stored time is fresh. */
static void touch(struct request *req, int (*fn)(struct store_tx *, int64_t, vg_usec_t), int64_t id,
                  vg_usec_t last)
{
        struct store_tx *tx;
        if (req->now - last <= touch_interval(req->cfg) || store_begin(req->store, &tx) < 0)
                return;
        if (store_finish(tx, fn(tx, id, req->now)) < 0)
                log_event(LOG_LVL_DEBUG, "last-use refresh failed", "request_id=%s", req->request_id);
}

static int auth_fail(struct request *req, const char *why)
{
        request_detail(req, "%s", why);
        return -VG_EAUTH;
}

static int load_user(struct store_tx *tx, struct request *req, int64_t user_id)
{
        int r = store_user_get(tx, user_id, &req->who.user);
        if (r == -VG_ENOTFOUND)
                return auth_fail(req, "the account no longer exists");
        if (r < 0)
                return r;
        if (req->who.user.disabled)
                return auth_fail(req, "the account is disabled");
        return 0;
}

static int auth_token(struct request *req, const char *token)
{
        uint8_t h[SECRET_DIGEST_BYTES];
        struct api_token t;
        struct store_tx *tx;
        int r;

        secret_token_digest(token, h);
        r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_token_get_by_hash(tx, h, &t);
        if (r == -VG_ENOTFOUND)
                r = auth_fail(req, "unknown API token");
        else if (r >= 0 && t.revoked_at)
                r = auth_fail(req, "the API token was revoked");
        else if (r >= 0 && t.expires_at && t.expires_at <= req->now)
                r = auth_fail(req, "the API token has expired");
        else if (r >= 0)
                r = load_user(tx, req, t.user_id);
        store_rollback(tx);
        if (r < 0)
                return r;
        req->who.kind = AUTH_TOKEN;
        req->who.token_id = t.id;
        touch(req, store_token_touch, t.id, t.last_used);
        return 0;
}

static int auth_session(struct request *req, const char *token)
{
        uint8_t h[SECRET_DIGEST_BYTES];
        struct session s;
        struct store_tx *tx;
        int r;

        secret_token_digest(token, h);
        r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_session_get_by_hash(tx, h, &s);
        if (r == -VG_ENOTFOUND)
                r = auth_fail(req, "unknown session: sign in again");
        else if (r >= 0 && s.expires_at <= req->now)
                r = auth_fail(req, "the session has expired: sign in again");
        else if (r >= 0 && s.last_seen + req->cfg->session.idle_timeout * VG_USEC_PER_SEC <= req->now)
                r = auth_fail(req, "the session expired after inactivity: sign in again");
        else if (r >= 0)
                r = load_user(tx, req, s.user_id);
        store_rollback(tx);
        if (r < 0)
                return r;
        req->who.kind = AUTH_SESSION;
        req->who.session_id = s.id;
        auth_csrf_token(token, req->who.csrf);
        touch(req, store_session_touch, s.id, s.last_seen);
        return 0;
}

int auth_authenticate(struct request *req)
{
        const char *authz = request_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
        const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, SESSION_COOKIE);

        memset(&req->who, 0, sizeof req->who);
        req->who.kind = AUTH_NONE;
        if (authz) {
                if (strncasecmp(authz, "Bearer ", 7) != 0 || !authz[7])
                        return auth_fail(req, "use Authorization: Bearer TOKEN");
                if (strlen(authz + 7) >= SECRET_TOKEN_MAX)
                        return auth_fail(req, "unknown API token");
                return auth_token(req, authz + 7);
        }
        if (cookie && *cookie) {
                if (strlen(cookie) >= SECRET_TOKEN_MAX)
                        return auth_fail(req, "unknown session: sign in again");
                return auth_session(req, cookie);
        }
        return 0;
}


bool auth_intake(struct request *req)
{
        const struct config_intake *in = &req->cfg->intake;
        const char *authz = request_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
        bool ok = false;
        if (in->token && authz && strncasecmp(authz, "Bearer ", 7) == 0)
                ok = secret_streq(authz + 7, in->token);
        else if (!authz)
                ok = netlist_has(&in->allow_nets, req->client_addr);
        if (ok) {
                memset(&req->who, 0, sizeof req->who);
                req->who.kind = AUTH_INTAKE;
                snprintf(req->who.user.name, sizeof req->who.user.name, "intake");
                req->who.user.role = ROLE__INVALID;
        }
        return ok;
}

int auth_check_csrf(const struct request *req)
{
        if (req->who.kind != AUTH_SESSION)
                return 0;
        if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0 ||
            strcmp(req->method, "OPTIONS") == 0)
                return 0;
        const char *got = request_header(req, CSRF_HEADER);
        if (!got || !secret_streq(got, req->who.csrf))
                return -VG_EFORBIDDEN;
        return 0;
}

/* ---- sign-in rate limiter ---- */

