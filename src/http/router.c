#include "http/request.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

bool router_path_match(const char *pattern, const char *path,
                       char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_LEN], unsigned *n_params)
{
        const char *p = pattern, *s = path;
        unsigned n = 0;

        while (*p && *s) {
                if (*p == '{') {
                        const char *pe = strchr(p, '}');
                        const char *se = strchr(s, '/');
                        size_t len = se ? (size_t)(se - s) : strlen(s);
                        if (!pe || len == 0 || len >= ROUTE_PARAM_LEN || n >= ROUTE_PARAMS_MAX)
                                return false;
                        if (params)
                                snprintf(params[n], ROUTE_PARAM_LEN, "%.*s", (int)len, s);
                        n++;
                        p = pe + 1;
                        s += len;
                        continue;
                }
                if (*p != *s)
                        return false;
                p++;
                s++;
        }
        if (*p || *s)
                return false;
        if (n_params)
                *n_params = n;
        return true;
}

int router_match(struct request *req, const char *method, const char *path)
{
        static _Thread_local char allow[128];
        bool path_known = false;

        allow[0] = '\0';
        for (unsigned i = 0; i < http_routes_count; i++) {
                const struct route *r = &http_routes[i];
                if (!router_path_match(r->pattern, path, req->params, &req->n_params))
                        continue;
                if (strcmp(r->method, method) == 0) {
                        req->route = r;
                        return 0;
                }
                path_known = true;
                size_t n = strlen(allow);
                snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", r->method);
        }
        if (path_known) {
                req->allow = allow;
                return -VG_EMETHOD;
        }
        return -VG_ENOTFOUND;
}
