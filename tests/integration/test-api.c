/* The API through HTTP against a real server: sign-in, sessions, CSRF,
 * tokens, users, limits, pagination, metrics, audit. Every refused request
 * is checked for its exact status, its problem+json body, and that the
 * database did not change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct server S;

#define expect_refused(...) expect_refused_on(&S, __VA_ARGS__)

static void health_and_request_ids(void **state)
{
        struct reply r;
        (void)state;
        http(&S, "GET", "/healthz", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
        assert_int_equal(strlen(reply_header(&r, "X-Request-Id")), 32);
        assert_string_equal(reply_header(&r, "X-Content-Type-Options"), "nosniff");
        assert_string_equal(reply_header(&r, "Cache-Control"), "no-store");
        reply_free(&r);
        const char *const h[] = { "X-Request-Id: trace-abc-123", NULL };
        http(&S, "GET", "/readyz", NULL, h, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(reply_header(&r, "X-Request-Id"), "trace-abc-123");
        assert_true(json_integer_value(json_object_get(r.json, "schema_version")) >= 1);
        reply_free(&r);
        /* An unsafe request id is replaced, not echoed. */
        const char *const evil[] = { "X-Request-Id: a b\"c", NULL };
        http(&S, "GET", "/healthz", NULL, evil, NULL, &r);
        assert_int_equal(strlen(reply_header(&r, "X-Request-Id")), 32);
        reply_free(&r);
        http(&S, "HEAD", "/healthz", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "");
        reply_free(&r);
}

static void bad_input_changes_nothing(void **state)
{
        const char *T = S.admin_token;
        char big[4096], deep[256], longstr[300];
        (void)state;
        /* Malformed, wrong shape, wrong types, unknown fields. */
        expect_refused("POST", "/api/v1/users", T, NULL, "{\"name\": \"x\",", 400, "malformed JSON", NULL);
        expect_refused("POST", "/api/v1/users", T, NULL, "[1,2]", 400, "must be a JSON object", NULL);
        expect_refused("POST", "/api/v1/users", T, NULL, "\"text\"", 400, NULL, NULL);
        expect_refused("POST", "/api/v1/users", T, NULL, "", 400, "needs a JSON object", NULL);
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"a\",\"name\":\"b\",\"role\":\"admin\",\"password\":\"long enough pw\"}",
                       400, "duplicate", NULL);
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":5,\"role\":\"admin\",\"password\":\"long enough pw\"}", 400, NULL, "name");
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"zed\",\"role\":\"admin\",\"password\":\"long enough pw\",\"shoe\":1}",
                       400, NULL, "shoe");
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"zed\",\"role\":\"king\",\"password\":\"long enough pw\"}", 400, NULL, "role");
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"zed\",\"role\":\"admin\",\"password\":\"short\"}", 400, NULL, "password");
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"zed\",\"role\":\"tenant_admin\",\"password\":\"long enough pw\"}", 400,
                       NULL, "tenant");
        expect_refused("POST", "/api/v1/users", T, NULL, "{\"role\":\"admin\"}", 400, NULL, "password");
        /* E-mail addresses by the one rule (core/names.c): users.c used to
         * take these, which tenants refused. */
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"zed\",\"role\":\"admin\",\"password\":\"long enough pw\",\"email\":\"z(ed)@x.example\"}",
                       400, NULL, "email");
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"zed\",\"role\":\"admin\",\"password\":\"long enough pw\",\"email\":\"zed@[192.0.2.1]\"}",
                       400, NULL, "email");
        expect_refused("POST", "/api/v1/users", T, NULL,
                       "{\"name\":\"zed\",\"role\":\"admin\",\"password\":\"long enough pw\","
                       "\"contacts\":[{\"type\":\"email\",\"address\":\"z\\\\ed@x.example\"}]}",
                       400, NULL, "contacts[0]");
        expect_refused("POST", "/api/v1/tokens", T, NULL, "{\"name\":\"x\",\"expires_in\":\"soon\"}", 400,
                       NULL, "expires_in");
        expect_refused("POST", "/api/v1/tokens", T, NULL, "{\"name\":\"x\",\"expires_in\":0}", 400, NULL,
                       "expires_in");
        /* Media type. */
        const char *const text[] = { "Content-Type: text/plain", NULL };
        expect_refused("POST", "/api/v1/tokens", T, text, "{\"name\":\"x\"}", 415, "application/json", NULL);
        /* Size limits (max_body 2048 in this server's config). */
        memset(big, ' ', sizeof big - 1);
        big[0] = '{';
        big[sizeof big - 2] = '}';
        big[sizeof big - 1] = '\0';
        expect_refused("POST", "/api/v1/tokens", T, NULL, big, 413, "limit of 2048 bytes", NULL);
        /* Depth limit (max_json_depth 8). */
        size_t n = 0;
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"name\":\"d\",\"x\":");
        for (int i = 0; i < 10; i++)
                deep[n++] = '[';
        for (int i = 0; i < 10; i++)
                deep[n++] = ']';
        deep[n++] = '}';
        deep[n] = '\0';
        expect_refused("POST", "/api/v1/tokens", T, NULL, deep, 400, "limit of 8 levels", NULL);
        /* String limit (max_string 128). */
        n = (size_t)snprintf(longstr, sizeof longstr, "{\"name\":\"");
        memset(longstr + n, 'a', 200);
        n += 200;
        snprintf(longstr + n, sizeof longstr - n, "\"}");
        expect_refused("POST", "/api/v1/tokens", T, NULL, longstr, 400, "limit of 128 bytes", NULL);
        /* Routing. */
        expect_refused("GET", "/api/v1/nothing-here", T, NULL, NULL, 404, "no route", NULL);
        expect_refused("PUT", "/api/v1/users", T, NULL, "{}", 405, NULL, NULL);
        struct reply r;
        http(&S, "PUT", "/api/v1/users", T, NULL, "{}", &r);
        assert_string_equal(reply_header(&r, "Allow"), "GET, POST");
        reply_free(&r);
        /* Credentials. */
        expect_refused("GET", "/api/v1/users", NULL, NULL, NULL, 401, "sign in", NULL);
        expect_refused("GET", "/api/v1/users", "vgt_not-a-real-token", NULL, NULL, 401, "unknown API token", NULL);
        const char *const basic[] = { "Authorization: Basic YWRtaW46eA==", NULL };
        expect_refused("GET", "/api/v1/users", NULL, basic, NULL, 401, "Bearer", NULL);
        const char *const cookie[] = { "Cookie: vigil_session=vgs_forged", NULL };
        expect_refused("GET", "/api/v1/users", NULL, cookie, NULL, 401, "sign in again", NULL);
}

static void sign_in_cookie_and_csrf(void **state)
{
        struct reply r;
        char body[256], cookie[256], csrf[200];
        (void)state;
        snprintf(body, sizeof body, "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
        http(&S, "POST", "/api/v1/session", NULL, NULL, body, &r);
        assert_int_equal(r.status, 201);
        const char *sc = reply_header(&r, "Set-Cookie");
        assert_non_null(sc);
        assert_non_null(strstr(sc, "vigil_session=vgs_"));
        assert_non_null(strstr(sc, "HttpOnly"));
        assert_non_null(strstr(sc, "SameSite=Strict"));
        assert_non_null(strstr(sc, "Path=/"));
        assert_null(strstr(sc, "Secure")); /* public_url is http here */
        assert_null(strstr(r.body, "password"));
        snprintf(cookie, sizeof cookie, "Cookie: %.*s", (int)strcspn(sc, ";"), sc);
        snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s", json_string_value(json_object_get(r.json, "csrf_token")));
        reply_free(&r);
        assert_int_equal(db_count(&S, "sessions", NULL) >= 1, 1);

        const char *const with_cookie[] = { cookie, NULL };
        http(&S, "GET", "/api/v1/session", NULL, with_cookie, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "auth")), "session");
        reply_free(&r);

        /* A state change from the browser session without the CSRF header
         * is refused; a wrong one too. */
        expect_refused("POST", "/api/v1/tokens", NULL, with_cookie, "{\"name\":\"csrf\"}", 403, "X-CSRF-Token", NULL);
        const char *const wrong[] = { cookie, "X-CSRF-Token: 00ff", NULL };
        expect_refused("POST", "/api/v1/tokens", NULL, wrong, "{\"name\":\"csrf\"}", 403, "X-CSRF-Token", NULL);
        const char *const right[] = { cookie, csrf, NULL };
        http(&S, "POST", "/api/v1/tokens", NULL, right, "{\"name\":\"csrf\"}", &r);
        assert_int_equal(r.status, 201);
        reply_free(&r);

        /* Sign out; the cookie is dead afterwards. */
        long sessions = db_count(&S, "sessions", NULL);
        http(&S, "DELETE", "/api/v1/session", NULL, right, NULL, &r);
        assert_int_equal(r.status, 204);
        assert_non_null(strstr(reply_header(&r, "Set-Cookie"), "Max-Age=0"));
        reply_free(&r);
        assert_int_equal(db_count(&S, "sessions", NULL), sessions - 1);
        expect_refused("GET", "/api/v1/session", NULL, with_cookie, NULL, 401, "unknown session", NULL);
        /* Signing out with a token is a conflict, not a silent success. */
        expect_refused("DELETE", "/api/v1/session", S.admin_token, NULL, NULL, 409, "not signed in with a session", NULL);
}

static void sign_in_failures_are_limited(void **state)
{
        char tok[128], body[256];
        struct reply r;
        (void)state;
        server_user_token(&S, "limited", "responder", NULL, tok, sizeof tok);
        /* Wrong password and unknown user give the same answer. */
        expect_refused("POST", "/api/v1/session", NULL, NULL,
                       "{\"username\":\"limited\",\"password\":\"wrong-password\"}", 401,
                       "wrong user name or password", NULL);
        expect_refused("POST", "/api/v1/session", NULL, NULL,
                       "{\"username\":\"nobody-at-all\",\"password\":\"wrong-password\"}", 401,
                       "wrong user name or password", NULL);
        expect_refused("POST", "/api/v1/session", NULL, NULL, "{\"username\":\"limited\"}", 400, NULL, "password");
        expect_refused("POST", "/api/v1/session", NULL, NULL,
                       "{\"username\":\"limited\",\"password\":\"x\",\"remember\":true}", 400, NULL, "remember");
        /* max_failures_user is 3 here: two more failures reach it. */
        for (int i = 0; i < 2; i++)
                expect_refused("POST", "/api/v1/session", NULL, NULL,
                               "{\"username\":\"limited\",\"password\":\"wrong-password\"}", 401, NULL, NULL);
        /* Now even the right password is refused until the window ends. */
        snprintf(body, sizeof body, "{\"username\":\"limited\",\"password\":\"limited-password-for-tests\"}");
        expect_refused("POST", "/api/v1/session", NULL, NULL, body, 429, "too many failed sign-ins", NULL);
        http(&S, "POST", "/api/v1/session", NULL, NULL, body, &r);
        assert_int_equal(r.status, 429);
        assert_true(atoi(reply_header(&r, "Retry-After")) > 0);
        reply_free(&r);
        /* Another node on the same database holds the same limit. */
        struct server S2;
        server_start_sibling(&S2, &S, "login:\n  max_failures_user: 3\n  max_failures_address: 1000\n");
        http(&S2, "POST", "/api/v1/session", NULL, NULL, body, &r);
        assert_int_equal(r.status, 429);
        assert_true(atoi(reply_header(&r, "Retry-After")) > 0);
        reply_free(&r);
        assert_int_equal(server_finish(&S2), 0);
        /* Other users are not affected. */
        snprintf(body, sizeof body, "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
        http(&S, "POST", "/api/v1/session", NULL, NULL, body, &r);
        assert_int_equal(r.status, 201);
        reply_free(&r);
}

static void tokens_lifecycle(void **state)
{
        char alice[128], bob[128], path[64];
        struct reply r;
        (void)state;
        server_user_token(&S, "alice", "responder", NULL, alice, sizeof alice);
        server_user_token(&S, "bob", "responder", NULL, bob, sizeof bob);

        http(&S, "POST", "/api/v1/tokens", alice, NULL, "{\"name\":\"script\"}", &r);
        assert_int_equal(r.status, 201);
        const char *secret = json_string_value(json_object_get(r.json, "token"));
        assert_non_null(secret);
        char tok[128];
        snprintf(tok, sizeof tok, "%s", secret);
        long id = (long)json_integer_value(json_object_get(r.json, "id"));
        assert_int_equal(strncmp(json_string_value(json_object_get(r.json, "prefix")), tok, 10), 0);
        reply_free(&r);

        /* Stored only as a digest; never listed. */
        char where[400];
        snprintf(where, sizeof where,
                 db_sql(&S, "token_hash = CAST('%s' AS BLOB) OR prefix = '%s'",
                        "token_hash = convert_to('%s', 'UTF8') OR prefix = '%s'"),
                 tok, tok);
        assert_int_equal(db_count(&S, "api_tokens", where), 0);
        http(&S, "GET", "/api/v1/tokens", alice, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, tok));
        assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2); /* "tests" and "script" */
        reply_free(&r);

        http(&S, "GET", "/api/v1/session", tok, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "auth")), "token");
        assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "user"), "name")), "alice");
        reply_free(&r);

        /* Bob can neither see nor revoke Alice's token. */
        snprintf(path, sizeof path, "/api/v1/tokens/%ld", id);
        expect_refused("DELETE", path, bob, NULL, NULL, 404, "no token", NULL);
        expect_refused("GET", "/api/v1/tokens?all=true", bob, NULL, NULL, 403, "only an admin", NULL);
        expect_refused("DELETE", "/api/v1/tokens/abc", alice, NULL, NULL, 404, NULL, NULL);

        http(&S, "DELETE", path, alice, NULL, NULL, &r);
        assert_int_equal(r.status, 204);
        reply_free(&r);
        expect_refused("GET", "/api/v1/session", tok, NULL, NULL, 401, "revoked", NULL);
        expect_refused("DELETE", path, alice, NULL, NULL, 409, "already revoked", NULL);

        /* An admin sees every user's tokens. */
        http(&S, "GET", "/api/v1/tokens?all=true&limit=500", S.admin_token, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(json_array_size(json_object_get(r.json, "items")) >= 4);
        reply_free(&r);
}

static void token_expiry(void **state)
{
        struct reply r;
        (void)state;
        http(&S, "POST", "/api/v1/tokens", S.admin_token, NULL, "{\"name\":\"brief\",\"expires_in\":1}", &r);
        assert_int_equal(r.status, 201);
        char tok[128];
        snprintf(tok, sizeof tok, "%s", json_string_value(json_object_get(r.json, "token")));
        assert_false(json_is_null(json_object_get(r.json, "expires_at")));
        reply_free(&r);
        http(&S, "GET", "/api/v1/session", tok, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        sleep(2);
        expect_refused("GET", "/api/v1/session", tok, NULL, NULL, 401, "expired", NULL);
}

static void users_create_read_update(void **state)
{
        struct reply r;
        char etag_hdr[128], stale[128];
        (void)state;
        http(&S, "POST", "/api/v1/users", S.admin_token, NULL,
             "{\"name\":\"dana\",\"role\":\"tenant_admin\",\"tenant\":\"acme\",\"password\":\"dana password 1\"}", &r);
        assert_int_equal(r.status, 201);
        assert_string_equal(reply_header(&r, "Location"), "/api/v1/users/dana");
        assert_string_equal(json_string_value(json_object_get(r.json, "tenant")), "acme");
        assert_null(strstr(r.body, "password"));
        assert_null(strstr(r.body, "argon2"));
        reply_free(&r);
        assert_int_equal(db_count(&S, "audit_log", "action = 'user.create' AND change LIKE '%dana%'"), 1);
        assert_int_equal(db_count(&S, "audit_log", "change LIKE '%dana password%'"), 0);
        assert_int_equal(db_count(&S, "users", "name = 'dana' AND password_hash LIKE '$argon2id$%'"), 1);

        expect_refused("POST", "/api/v1/users", S.admin_token, NULL,
                       "{\"name\":\"dana\",\"role\":\"responder\",\"password\":\"dana password 1\"}", 409, NULL, "name");

        http(&S, "GET", "/api/v1/users/dana", S.admin_token, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        snprintf(stale, sizeof stale, "If-Match: %s", reply_header(&r, "ETag"));
        reply_free(&r);
        expect_refused("GET", "/api/v1/users/nobody", S.admin_token, NULL, NULL, 404, "no user 'nobody'", NULL);

        const char *const h1[] = { stale, NULL };
        http(&S, "PATCH", "/api/v1/users/dana", S.admin_token, h1, "{\"role\":\"responder\",\"tenant\":null}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "role")), "responder");
        assert_true(json_is_null(json_object_get(r.json, "tenant")));
        snprintf(etag_hdr, sizeof etag_hdr, "If-Match: %s", reply_header(&r, "ETag"));
        reply_free(&r);
        /* The old ETag is stale now: a second writer is told, not overwritten. */
        expect_refused("PATCH", "/api/v1/users/dana", S.admin_token, h1, "{\"role\":\"auditor\"}", 412, "changed since", NULL);
        const char *const h2[] = { etag_hdr, NULL };
        expect_refused("PATCH", "/api/v1/users/dana", S.admin_token, h2, "{\"role\":\"tenant_admin\"}", 400, NULL, "tenant");
        expect_refused("PATCH", "/api/v1/users/dana", S.admin_token, h2, "{\"disabled\":\"yes\"}", 400, NULL, "disabled");
        expect_refused("PATCH", "/api/v1/users/dana", S.admin_token, h2, "{\"name\":\"x\"}", 400, NULL, "name");
        expect_refused("PATCH", "/api/v1/users/admin", S.admin_token, NULL, "{\"disabled\":true}", 409, "own account", NULL);
}

static void disabled_user_loses_access(void **state)
{
        char tok[128];
        struct reply r;
        (void)state;
        server_user_token(&S, "erin", "communications", NULL, tok, sizeof tok);
        http(&S, "GET", "/api/v1/session", tok, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        http(&S, "PATCH", "/api/v1/users/erin", S.admin_token, NULL, "{\"disabled\":true}", &r);
        assert_int_equal(r.status, 200);
        assert_true(json_is_true(json_object_get(r.json, "disabled")));
        reply_free(&r);
        assert_int_equal(db_count(&S, "sessions", "user_id = (SELECT id FROM users WHERE name='erin')"), 0);
        expect_refused("GET", "/api/v1/session", tok, NULL, NULL, 401, "disabled", NULL);
        expect_refused("POST", "/api/v1/session", NULL, NULL,
                       "{\"username\":\"erin\",\"password\":\"erin-password-for-tests\"}", 401, NULL, NULL);
        /* Re-enabled, the token works again. */
        assert_int_equal(api_call(&S, "PATCH", "/api/v1/users/erin", S.admin_token, "{\"disabled\":false}", NULL), 200);
        http(&S, "GET", "/api/v1/session", tok, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
}

/* The calendar feed of path answers (want 200) or is dead (404, nothing
 * changed). */
static void expect_feed(const char *path, long want)
{
        if (want != 200) {
                expect_refused("GET", path, NULL, NULL, NULL, want, "no such calendar", NULL);
                return;
        }
        struct reply r;
        http(&S, "GET", path, NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "BEGIN:VCALENDAR"));
        reply_free(&r);
}

/* A new calendar feed of user's shifts made with token: its path. */
static void new_feed(const char *token, const char *user, char *path, size_t size)
{
        char body[96];
        json_t *j = NULL;
        snprintf(body, sizeof body, "{\"user\":\"%s\"}", user);
        assert_int_equal(api_call(&S, "POST", "/api/v1/calendar-feeds", token, body, &j), 201);
        const char *url = json_string_value(json_object_get(j, "url"));
        assert_non_null(url);
        assert_non_null(strstr(url, "/calendar/"));
        snprintf(path, size, "%s", strstr(url, "/calendar/"));
        json_decref(j);
}

/* Issue 14, finding 12: calendar feeds end with their creator's right to
 * them, and a new password ends the tokens and feeds made with the old. */
static void credentials_end_with_their_owner(void **state)
{
        char frank[128], gina[128], own[160], others[160];
        (void)state;
        server_user_token(&S, "frank", "responder", NULL, frank, sizeof frank);
        server_user_token(&S, "gina", "incident_manager", NULL, gina, sizeof gina);
        new_feed(frank, "frank", own, sizeof own);
        new_feed(gina, "frank", others, sizeof others);
        expect_feed(own, 200);
        expect_feed(others, 200);

        /* frank disabled: his feed is dead (and back when he is). */
        assert_int_equal(api_call(&S, "PATCH", "/api/v1/users/frank", S.admin_token, "{\"disabled\":true}", NULL), 200);
        expect_feed(own, 404);
        assert_int_equal(api_call(&S, "PATCH", "/api/v1/users/frank", S.admin_token, "{\"disabled\":false}", NULL), 200);
        expect_feed(own, 200);
        /* gina no longer a manager: her feed of frank's shifts is dead. */
        assert_int_equal(api_call(&S, "PATCH", "/api/v1/users/gina", S.admin_token, "{\"role\":\"responder\"}", NULL), 200);
        expect_feed(others, 404);

        /* A password reset: frank's token and feed end. */
        assert_int_equal(api_call(&S, "GET", "/api/v1/session", frank, NULL, NULL), 200);
        assert_int_equal(api_call(&S, "PATCH", "/api/v1/users/frank", S.admin_token,
                                  "{\"password\":\"a brand new password\"}", NULL), 200);
        expect_refused("GET", "/api/v1/session", frank, NULL, NULL, 401, NULL, NULL);
        expect_feed(own, 404);
        assert_int_equal(db_count(&S, "api_tokens", "revoked_at = 0 AND user_id = (SELECT id FROM users WHERE name='frank')"), 0);
        assert_int_equal(db_count(&S, "audit_log",
                                  db_sql(&S,
                                         "action='user.update' AND json_extract(change, '$.tokens_revoked') = 1 "
                                         "AND json_extract(change, '$.calendar_feeds_revoked') = 1",
                                         "action='user.update' AND (change::json->>'tokens_revoked')::int = 1 "
                                         "AND (change::json->>'calendar_feeds_revoked')::int = 1")),
                         1);
        assert_int_equal(db_count(&S, "audit_log", "change LIKE '%brand new%'"), 0);
        /* The new password signs in. */
        assert_int_equal(api_call(&S, "POST", "/api/v1/session", NULL,
                                  "{\"username\":\"frank\",\"password\":\"a brand new password\"}", NULL), 201);
}

static void pagination_follows_cursors(void **state)
{
        struct reply r;
        char path[256], body[200];
        (void)state;
        for (int i = 0; i < 5; i++) {
                snprintf(body, sizeof body, "{\"name\":\"page%d\",\"role\":\"auditor\",\"password\":\"page password 1\"}", i);
                http(&S, "POST", "/api/v1/users", S.admin_token, NULL, body, &r);
                assert_int_equal(r.status, 201);
                reply_free(&r);
        }
        long total = db_count(&S, "users", NULL), seen = 0, pages = 0;
        json_t *names = json_object();
        snprintf(path, sizeof path, "/api/v1/users?limit=2");
        for (;;) {
                http(&S, "GET", path, S.admin_token, NULL, NULL, &r);
                assert_int_equal(r.status, 200);
                json_t *items = json_object_get(r.json, "items"), *u;
                size_t i;
                assert_true(json_array_size(items) <= 2);
                json_array_foreach(items, i, u) {
                        const char *name = json_string_value(json_object_get(u, "name"));
                        assert_null(json_object_get(names, name)); /* never twice */
                        json_object_set_new(names, name, json_true());
                        seen++;
                }
                pages++;
                json_t *next = json_object_get(r.json, "next_cursor");
                if (json_is_null(next)) {
                        reply_free(&r);
                        break;
                }
                snprintf(path, sizeof path, "/api/v1/users?limit=2&cursor=%s", json_string_value(next));
                reply_free(&r);
                assert_true(pages < 100);
        }
        assert_int_equal(seen, total);
        assert_true(pages >= total / 2);
        json_decref(names);
        expect_refused("GET", "/api/v1/users?limit=0", S.admin_token, NULL, NULL, 400, NULL, "limit");
        expect_refused("GET", "/api/v1/users?limit=501", S.admin_token, NULL, NULL, 400, NULL, "limit");
        expect_refused("GET", "/api/v1/users?limit=ten", S.admin_token, NULL, NULL, 400, NULL, "limit");
        expect_refused("GET", "/api/v1/users?cursor=bm90LWEtY3Vyc29y", S.admin_token, NULL, NULL, 400, NULL, "cursor");
        expect_refused("GET", "/api/v1/audit?cursor=%%%", S.admin_token, NULL, NULL, 400, NULL, "cursor");
}

static void metrics_exposition(void **state)
{
        struct reply r;
        (void)state;
        http(&S, "GET", "/api/v1/nowhere", NULL, NULL, NULL, &r);
        reply_free(&r);
        http(&S, "GET", "/metrics", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(reply_header(&r, "Content-Type"), "text/plain; version=0.0.4"));
        assert_non_null(strstr(r.body, "# TYPE vigil_http_requests_total counter"));
        assert_non_null(strstr(r.body, "vigil_http_requests_total{method=\"POST\",route=\"/api/v1/users\",status=\"201\"}"));
        assert_non_null(strstr(r.body, "vigil_http_requests_total{method=\"GET\",route=\"/api/v1/users\",status=\"401\"}"));
        assert_non_null(strstr(r.body, "route=\"unmatched\",status=\"404\"}"));
        assert_non_null(strstr(r.body, "# TYPE vigil_http_request_duration_seconds histogram"));
        assert_non_null(strstr(r.body, "vigil_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"}"));
        assert_non_null(strstr(r.body, "vigil_http_requests_in_flight 1"));
        /* The node names itself, and the backend it runs on. */
        char node[160];
        snprintf(node, sizeof node, "vigil_node_info{node=\"test-node.1\",version=\"%s\",backend=\"%s\"} 1",
                 VIGIL_VERSION, server_on_postgres(&S) ? "postgresql" : "sqlite");
        assert_non_null(strstr(r.body, node));
        reply_free(&r);
        http(&S, "GET", "/readyz", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.json, "node")), "test-node.1");
        reply_free(&r);
}

static void audit_records_and_verify(void **state)
{
        struct reply r;
        (void)state;
        server_settle(&S);
        http(&S, "GET", "/api/v1/audit?limit=500", S.admin_token, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *items = json_object_get(r.json, "items"), *a, *prev = NULL;
        size_t i;
        bool saw_create = false, saw_revoke = false, saw_signin = false;
        json_array_foreach(items, i, a) {
                const char *action = json_string_value(json_object_get(a, "action"));
                saw_create |= strcmp(action, "user.create") == 0;
                saw_revoke |= strcmp(action, "token.revoke") == 0;
                saw_signin |= strcmp(action, "session.create") == 0;
                assert_int_equal(json_integer_value(json_object_get(a, "seq")), (json_int_t)i + 1);
                if (prev)
                        assert_string_equal(json_string_value(json_object_get(a, "prev_hash")),
                                            json_string_value(json_object_get(prev, "hash")));
                assert_non_null(json_string_value(json_object_get(a, "request_id")));
                prev = a;
        }
        assert_true(saw_create && saw_revoke && saw_signin);
        const char *head = json_string_value(json_object_get(prev, "hash"));
        char head_copy[80];
        snprintf(head_copy, sizeof head_copy, "%s", head);
        size_t count = json_array_size(items);
        reply_free(&r);

        http(&S, "GET", "/api/v1/audit/verify", S.admin_token, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(json_is_true(json_object_get(r.json, "ok")));
        assert_int_equal(json_integer_value(json_object_get(r.json, "records")), (json_int_t)count);
        assert_string_equal(json_string_value(json_object_get(r.json, "head_hash")), head_copy);
        reply_free(&r);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "limits:\n  max_body: 2048\n  max_json_depth: 8\n  max_string: 128\n"
                         "login:\n  max_failures_user: 3\n  max_failures_address: 1000\n"
                         "node: test-node.1\n");
        server_bootstrap(&S);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        int st = server_stop(&S);
        if (st != 0) {
                char cmd[200];
                snprintf(cmd, sizeof cmd, "tail -50 '%s' >&2", S.log);
                if (system(cmd) != 0)
                        fprintf(stderr, "no log\n");
        }
        server_cleanup(&S);
        return st == 0 ? 0 : -1; /* a server that leaked or crashed fails the group */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(health_and_request_ids),
                cmocka_unit_test(bad_input_changes_nothing),
                cmocka_unit_test(sign_in_cookie_and_csrf),
                cmocka_unit_test(sign_in_failures_are_limited),
                cmocka_unit_test(tokens_lifecycle),
                cmocka_unit_test(token_expiry),
                cmocka_unit_test(users_create_read_update),
                cmocka_unit_test(disabled_user_loses_access),
                cmocka_unit_test(credentials_end_with_their_owner),
                cmocka_unit_test(pagination_follows_cursors),
                cmocka_unit_test(metrics_exposition),
                cmocka_unit_test(audit_records_and_verify),
        };
        return cmocka_run_group_tests_name("api", tests, setup, teardown);
}
