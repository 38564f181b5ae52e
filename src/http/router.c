#include "http/request.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

bool router_path_match(const char *pattern, const char *path, char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_LEN],
                       unsigned *n_params, bool *ret_too_long)
{
        const char *p = pattern, *s = path;
        unsigned n = 0;
        bool too_long = false;

        while (*p && *s) {
                if (*p == '{') {
                        const char *pe = strchr(p, '}');
                        const char *se = strchr(s, '/');
                        size_t len = se ? (size_t)(se - s) : strlen(s);
                        if (!pe || len == 0 || n >= ROUTE_PARAMS_MAX)
                                return false;
                        /* A segment longer than any name still matches its
                         * route, so the caller is authenticated and checked
                         * before being told that nothing has that name. */
                        if (len >= ROUTE_PARAM_LEN) {
                                if (!ret_too_long)
                                        return false;
                                too_long = true;
                                if (params)
                                        params[n][0] = '\0';
                        } else if (params)
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
        if (ret_too_long)
                *ret_too_long = too_long;
        return true;
}

int router_match(struct request *req, const char *method, const char *path)
{
        static _Thread_local char allow[128];
        bool path_known = false;

        allow[0] = '\0';
        for (unsigned i = 0; i < http_routes_count; i++) {
                const struct route *r = &http_routes[i];
                if (!router_path_match(r->pattern, path, req->params, &req->n_params, &req->param_too_long))
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
