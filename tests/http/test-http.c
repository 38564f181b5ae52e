/* src/http without a socket: the router, the error table, and the route
 * table against docs/openapi.yaml (path, method and roles of every route). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "http/request.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static const char *spec_path;

static void router_matches_params(void **state)
{
        char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_LEN];
        unsigned n = 0;
        (void)state;
        assert_true(router_path_match("/api/v1/tokens/{id}", "/api/v1/tokens/42", params, &n, NULL));
        assert_int_equal(n, 1);
        assert_string_equal(params[0], "42");
        assert_true(router_path_match("/a/{x}/b/{y}", "/a/1/b/two", params, &n, NULL));
        assert_int_equal(n, 2);
        assert_string_equal(params[1], "two");
        assert_false(router_path_match("/api/v1/tokens/{id}", "/api/v1/tokens/", params, &n, NULL));
        assert_false(router_path_match("/api/v1/tokens/{id}", "/api/v1/tokens/4/2", params, &n, NULL));
        assert_false(router_path_match("/api/v1/tokens", "/api/v1/tokens/", params, &n, NULL));
        assert_false(router_path_match("/api/v1/tokens", "/api/v1/token", params, &n, NULL));
        char longseg[300] = "/api/v1/tokens/";
        memset(longseg + strlen(longseg), '9', 200);
        longseg[215] = '\0';
        assert_false(router_path_match("/api/v1/tokens/{id}", longseg, params, &n, NULL));
        bool too_long = false;
        assert_true(router_path_match("/api/v1/tokens/{id}", longseg, params, &n, &too_long));
        assert_true(too_long);
        assert_int_equal(n, 1);
        assert_string_equal(params[0], "");
        assert_true(router_path_match("/api/v1/tokens/{id}", "/api/v1/tokens/42", params, &n, &too_long));
        assert_false(too_long);
}

static void router_method_and_unknown(void **state)
{
        struct request req;
        (void)state;
        memset(&req, 0, sizeof req);
        assert_int_equal(router_match(&req, "GET", "/api/v1/users"), 0);
        assert_string_equal(req.route->pattern, "/api/v1/users");
        memset(&req, 0, sizeof req);
        assert_int_equal(router_match(&req, "PUT", "/api/v1/users"), -VG_EMETHOD);
        assert_string_equal(req.allow, "GET, POST");
        memset(&req, 0, sizeof req);
        assert_int_equal(router_match(&req, "GET", "/api/v1/nothing"), -VG_ENOTFOUND);
        assert_null(req.route);
        memset(&req, 0, sizeof req);
        assert_int_equal(router_match(&req, "GET", "/api/v1/users/alice"), 0);
        assert_string_equal(req.params[0], "alice");
}

static void error_table(void **state)
{
        (void)state;
        assert_int_equal(problem_status(-VG_EVALIDATION), 400);
        assert_int_equal(problem_status(-VG_EAUTH), 401);
        assert_int_equal(problem_status(-VG_EFORBIDDEN), 403);
        assert_int_equal(problem_status(-VG_ENOTFOUND), 404);
        assert_int_equal(problem_status(-VG_EMETHOD), 405);
        assert_int_equal(problem_status(-VG_ECONFLICT), 409);
        assert_int_equal(problem_status(-VG_EPRECONDITION), 412);
        assert_int_equal(problem_status(-VG_ETOOLARGE), 413);
        assert_int_equal(problem_status(-VG_EUNSUPPORTED), 415);
        assert_int_equal(problem_status(-VG_EUNAVAILABLE), 503);
        assert_int_equal(problem_status(-VG_ERATELIMIT), 429);
        assert_int_equal(problem_status(-VG_EBUSY), 503);
        assert_int_equal(problem_status(-ENOMEM), 500);
}

/* ---- the OpenAPI document ---- */

struct op {
        char path[128];
        char method[16];
        role_mask_t roles;
        bool is_public;
        bool has_roles;
};

static struct op ops[256];
static size_t n_ops;

static const char *scalar(yaml_node_t *n)
{
        return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
        if (!map || map->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                const char *k = scalar(yaml_document_get_node(doc, p->key));
                if (k && strcmp(k, key) == 0)
                        return yaml_document_get_node(doc, p->value);
        }
        return NULL;
}

static void load_spec(void)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        FILE *f = fopen(spec_path, "rb");
        if (!f)
                fail_msg("cannot open %s", spec_path);
        assert_true(yaml_parser_initialize(&parser));
        yaml_parser_set_input_file(&parser, f);
        if (!yaml_parser_load(&parser, &doc))
                fail_msg("%s:%lu: %s", spec_path, (unsigned long)parser.problem_mark.line + 1,
                         parser.problem);
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        assert_string_equal(scalar(map_get(&doc, root, "openapi")), "3.0.3");
        yaml_node_t *paths = map_get(&doc, root, "paths");
        assert_non_null(paths);
        n_ops = 0;
        for (yaml_node_pair_t *p = paths->data.mapping.pairs.start; p < paths->data.mapping.pairs.top; p++) {
                const char *path = scalar(yaml_document_get_node(&doc, p->key));
                yaml_node_t *item = yaml_document_get_node(&doc, p->value);
                for (yaml_node_pair_t *q = item->data.mapping.pairs.start; q < item->data.mapping.pairs.top; q++) {
                        const char *method = scalar(yaml_document_get_node(&doc, q->key));
                        if (strcmp(method, "parameters") == 0)
                                continue;
                        yaml_node_t *opn = yaml_document_get_node(&doc, q->value);
                        struct op *o = &ops[n_ops++];
                        assert_true(n_ops < 256);
                        snprintf(o->path, sizeof o->path, "%s", path);
                        for (size_t i = 0; method[i] && i < sizeof o->method - 1; i++)
                                o->method[i] = (char)(method[i] - 32 * (method[i] >= 'a' && method[i] <= 'z'));
                        yaml_node_t *roles = map_get(&doc, opn, "x-vigil-roles");
                        if (!roles)
                                continue;
                        o->has_roles = true;
                        if (roles->type == YAML_SCALAR_NODE && strcmp(scalar(roles), "public") == 0) {
                                o->is_public = true;
                                continue;
                        }
                        assert_int_equal(roles->type, YAML_SEQUENCE_NODE);
                        for (yaml_node_item_t *it = roles->data.sequence.items.start;
                             it < roles->data.sequence.items.top; it++) {
                                const char *rn = scalar(yaml_document_get_node(&doc, *it));
                                enum role r = role_from_string(rn);
                                if (r == ROLE__INVALID)
                                        fail_msg("%s %s: unknown role '%s'", o->method, o->path, rn);
                                o->roles |= ROLE_BIT(r);
                        }
                }
        }
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        fclose(f);
}

static void every_route_is_in_the_spec_with_its_roles(void **state)
{
        (void)state;
        load_spec();
        for (unsigned i = 0; i < http_routes_count; i++) {
                const struct route *r = &http_routes[i];
                const struct op *found = NULL;
                for (size_t k = 0; k < n_ops; k++)
                        if (strcmp(ops[k].path, r->pattern) == 0 && strcmp(ops[k].method, r->method) == 0)
                                found = &ops[k];
                if (!found)
                        fail_msg("route %s %s is missing from %s", r->method, r->pattern, spec_path);
                if (!found->has_roles)
                        fail_msg("%s %s: no x-vigil-roles in the spec", r->method, r->pattern);
                if (((r->flags & ROUTE_PUBLIC) != 0) != found->is_public)
                        fail_msg("%s %s: public in one of route table and spec only", r->method, r->pattern);
                if (!found->is_public && found->roles != r->roles)
                        fail_msg("%s %s: roles in the spec (0x%x) differ from the route table (0x%x)",
                                 r->method, r->pattern, found->roles, r->roles);
        }
}

static void every_spec_operation_is_served(void **state)
{
        (void)state;
        load_spec();
        for (size_t k = 0; k < n_ops; k++) {
                bool served = false;
                for (unsigned i = 0; i < http_routes_count; i++)
                        if (strcmp(ops[k].path, http_routes[i].pattern) == 0 &&
                            strcmp(ops[k].method, http_routes[i].method) == 0)
                                served = true;
                if (!served)
                        fail_msg("%s documents %s %s but no route serves it", spec_path, ops[k].method,
                                 ops[k].path);
        }
}

int main(int argc, char **argv)
{
        spec_path = argc > 1 ? argv[1] : "docs/openapi.yaml";
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(router_matches_params),
                cmocka_unit_test(router_method_and_unknown),
                cmocka_unit_test(error_table),
                cmocka_unit_test(every_route_is_in_the_spec_with_its_roles),
                cmocka_unit_test(every_spec_operation_is_served),
        };
        return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
