/* Every route, every role: a caller whose role the route table does not
 * admit gets 403 and changes nothing; an admitted one never gets 401/403;
 * no credentials get 401; nobody ever gets a 5xx. The table is read from the binary's own route
 * table, so a new route is covered the moment it is added. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct server S;
static char tokens[ROLE__COUNT][128];

/* What a path parameter becomes: an id that exists nowhere, bytes that
 * are not UTF-8, and one far past every name limit in two-byte characters
 * (U+00FC, percent-encoded), so admitted callers reach the handler and get
 * 404 or 400 - never 5xx. */
static const char *const params[] = { "999999", "INC-%FF%FE%C3",
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC"
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC"
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC"
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC"
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC"
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC"
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC"
                                      "%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC" };

/* A concrete path for a pattern, each parameter replaced by value. */
static void concrete(const char *pattern, const char *value, char *out, size_t size)
{
        size_t o = 0, vlen = strlen(value);
        for (const char *p = pattern; *p && o + vlen + 2 < size; p++) {
                if (*p == '{') {
                        memcpy(out + o, value, vlen);
                        o += vlen;
                        p = strchr(p, '}');
                        continue;
                }
                out[o++] = *p;
        }
        out[o] = '\0';
}

/* No caller, admitted or not, signed in or not, may see the server fail:
 * a 5xx (or no answer at all) is a defect whatever the role. */
static void check_no_failure(const struct route *rt, const char *path, const char *who, const struct reply *r)
{
        if (r->status == 0 || r->status >= 500)
                fail_msg("%s %s as %s: %ld: %s", rt->method, path, who, r->status, r->body ? r->body : "(no answer)");
}

static void matrix_one(const struct route *rt, const char *path)
{
        bool has_body = strcmp(rt->method, "POST") == 0 || strcmp(rt->method, "PUT") == 0 ||
                        strcmp(rt->method, "PATCH") == 0;
        /* Sign-out and sign-in change the session table by design;
         * they are covered in test-api. */
        bool skip_change_check = rt->flags & ROUTE_PUBLIC;

        for (int role = 0; role < ROLE__COUNT; role++) {
                struct reply r;
                char *before = db_fingerprint(&S);
                http(&S, rt->method, path, tokens[role], NULL, has_body ? "{}" : NULL, &r);
                char *after = db_fingerprint(&S);
                bool admitted = (rt->flags & ROUTE_PUBLIC) || role_in((enum role)role, rt->roles);
                check_no_failure(rt, path, role_to_string((enum role)role), &r);
                if (admitted && (r.status == 401 || r.status == 403))
                        fail_msg("%s %s as %s: %ld, but the role is admitted: %s", rt->method, path,
                                 role_to_string((enum role)role), r.status, r.body);
                if (!admitted) {
                        if (r.status != 403)
                                fail_msg("%s %s as %s: %ld, want 403", rt->method, path,
                                         role_to_string((enum role)role), r.status);
                        assert_string_equal(json_string_value(json_object_get(r.json, "type")),
                                            "urn:vigil:problem:forbidden");
                        if (strcmp(before, after) != 0)
                                fail_msg("%s %s as %s: refused but changed the store", rt->method, path,
                                         role_to_string((enum role)role));
                }
                free(before);
                free(after);
                reply_free(&r);
        }

        struct reply r;
        char *before = db_fingerprint(&S);
        http(&S, rt->method, path, NULL, NULL, has_body ? "{}" : NULL, &r);
        char *after = db_fingerprint(&S);
        check_no_failure(rt, path, "nobody", &r);
        if (!(rt->flags & ROUTE_PUBLIC)) {
                if (r.status != 401)
                        fail_msg("%s %s without credentials: %ld, want 401", rt->method, path, r.status);
                assert_non_null(reply_header(&r, "WWW-Authenticate"));
        }
        if (!skip_change_check && strcmp(before, after) != 0)
                fail_msg("%s %s without credentials changed the store", rt->method, path);
        free(before);
        free(after);
        reply_free(&r);
}

static void matrix(void **state)
{
        char path[2048];
        (void)state;
        for (unsigned i = 0; i < http_routes_count; i++) {
                const struct route *rt = &http_routes[i];
                for (size_t k = 0; k < sizeof params / sizeof params[0]; k++) {
                        if (k > 0 && !strchr(rt->pattern, '{'))
                                break; /* no parameter: the first pass said it all */
                        concrete(rt->pattern, params[k], path, sizeof path);
                        matrix_one(rt, path);
                }
        }
}

/* A tenant_admin's tokens carry its tenant; a revoked one stops working at
 * once for every route. */
static void tenant_admin_is_bound(void **state)
{
        struct reply r;
        (void)state;
        http(&S, "GET", "/api/v1/session", tokens[ROLE_TENANT_ADMIN], NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *u = json_object_get(r.json, "user");
        assert_string_equal(json_string_value(json_object_get(u, "role")), "tenant_admin");
        assert_string_equal(json_string_value(json_object_get(u, "tenant")), "tenant-a");
        reply_free(&r);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "login:\n  max_failures_address: 1000\n");
        for (int role = 0; role < ROLE__COUNT; role++) {
                char name[64];
                const char *rn = role_to_string((enum role)role);
                snprintf(name, sizeof name, "as-%s", rn);
                for (char *p = name; *p; p++)
                        if (*p == '_')
                                *p = '-';
                server_user_token(&S, name, rn, role == ROLE_TENANT_ADMIN ? "tenant-a" : NULL,
                                  tokens[role], sizeof tokens[role]);
        }
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        return server_finish(&S);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(matrix),
                cmocka_unit_test(tenant_admin_is_bound),
        };
        return cmocka_run_group_tests_name("roles", tests, setup, teardown);
}
