/* Every route, every role: a caller whose role the route table does not
 * admit gets 403 and changes nothing; an admitted one never gets 401/403;
 * no credentials get 401. The table is read from the binary's own route
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

/* A concrete path for a pattern: parameters become values that exist
 * nowhere, so admitted callers reach the handler and get 404 or 400. */
static void concrete(const char *pattern, char *out, size_t size)
{
        size_t o = 0;
        for (const char *p = pattern; *p && o + 16 < size; p++) {
                if (*p == '{') {
                        o += (size_t)snprintf(out + o, size - o, "999999");
                        p = strchr(p, '}');
                        continue;
                }
                out[o++] = *p;
        }
        out[o] = '\0';
}

static void matrix(void **state)
{
        char path[256];
        (void)state;
        for (unsigned i = 0; i < http_routes_count; i++) {
                const struct route *rt = &http_routes[i];
                bool has_body = strcmp(rt->method, "POST") == 0 || strcmp(rt->method, "PUT") == 0 ||
                                strcmp(rt->method, "PATCH") == 0;
                concrete(rt->pattern, path, sizeof path);
                /* Sign-out and sign-in change the session table by design;
                 * they are covered in test-api. */
                bool skip_change_check = rt->flags & ROUTE_PUBLIC;

                for (int role = 0; role < ROLE__COUNT; role++) {
                        struct reply r;
                        char *before = db_fingerprint(&S);
                        http(&S, rt->method, path, tokens[role], NULL, has_body ? "{}" : NULL, &r);
                        char *after = db_fingerprint(&S);
                        bool admitted = (rt->flags & ROUTE_PUBLIC) || role_in((enum role)role, rt->roles);
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
                                        fail_msg("%s %s as %s: refused but changed the store", rt->method,
                                                 path, role_to_string((enum role)role));
                        }
                        free(before);
                        free(after);
                        reply_free(&r);
                }

                struct reply r;
                char *before = db_fingerprint(&S);
                http(&S, rt->method, path, NULL, NULL, has_body ? "{}" : NULL, &r);
                char *after = db_fingerprint(&S);
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
