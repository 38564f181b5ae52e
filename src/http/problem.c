/* Errors as RFC 9457 problem+json. The one table mapping Vigil error codes
 * to HTTP statuses lives here. */
#include "http/request.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
        int err;
        unsigned status;
        const char *slug; /* the problem type, urn:vigil:problem:<slug> */
        const char *title;
} table[] = {
        { VG_EVALIDATION, 400, "validation", "The request is not valid" },
        { VG_EAUTH, 401, "unauthenticated", "Authentication required" },
        { VG_EFORBIDDEN, 403, "forbidden", "Not allowed for your role" },
        { VG_ENOTFOUND, 404, "not-found", "Not found" },
        { VG_EMETHOD, 405, "method-not-allowed", "Method not allowed" },
        { VG_ECONFLICT, 409, "conflict", "Conflict" },
        { VG_EPRECONDITION, 412, "precondition-failed", "The resource has changed" },
        { VG_ETOOLARGE, 413, "too-large", "Request body too large" },
        { VG_EUNSUPPORTED, 415, "unsupported-media-type", "Unsupported media type" },
        { VG_ERATELIMIT, 429, "rate-limited", "Too many attempts" },
        { VG_EBUSY, 503, "busy", "The store is busy; retry" },
        { VG_EUNAVAILABLE, 503, "unavailable", "At capacity; retry later" },
        { VG_ESTORE, 500, "store", "Storage error" },
};

static int find(int err)
{
        if (err < 0)
                err = -err;
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
                if (table[i].err == err)
                        return (int)i;
        return -1;
}

unsigned problem_status(int err)
{
        int i = find(err);
        return i >= 0 ? table[i].status : 500;
}

void problem_render(struct request *req, struct response *resp, int err)
{
        int i = find(err);
        unsigned status = i >= 0 ? table[i].status : 500;
        char type[64];

        snprintf(type, sizeof type, "urn:vigil:problem:%s", i >= 0 ? table[i].slug : "internal");
        /* The path is what the caller sent, decoded: it may be any bytes,
         * and JSON strings are UTF-8. */
        char instance[512];
        utf8_copy(instance, sizeof instance, req->path ? req->path : "/");
        utf8_scrub(instance);
        json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title",
                              i >= 0 ? table[i].title : "Internal error", "status", (int)status,
                              "instance", instance, "request_id", req->request_id);
        if (!p) { /* out of memory: the status still says what happened */
                response_fini(resp);
                resp->status = status;
                return;
        }
        if (req->detail[0])
                json_object_set_new(p, "detail", json_string(req->detail));
        if (req->errors.n > 0) {
                json_t *arr = json_array();
                for (size_t k = 0; k < req->errors.n; k++)
                        json_array_append_new(arr, json_pack("{s:s, s:s}", "field",
                                                             req->errors.e[k].field, "message",
                                                             req->errors.e[k].message));
                json_object_set_new(p, "errors", arr);
        }
        response_fini(resp);
        response_json(resp, status, p);
        /* response_json sets application/json; problems have their own type
         * unless the route speaks a foreign API (ROUTE_JSON_ERRORS). */
        if (!req->route || !(req->route->flags & ROUTE_JSON_ERRORS))
                resp->content_type = "application/problem+json";
        if (status == 405 && req->allow)
                response_header_add(resp, "Allow", req->allow);
        if (status == 401)
                response_header_add(resp, "WWW-Authenticate", "Bearer realm=\"vigil\"");
        /* A busy or unreachable store (a failover, say) is worth trying
         * again at once: a second, unless the handler knows better. */
        int retry = req->retry_after > 0 ? req->retry_after : err == -VG_EBUSY ? 1 : 0;
        if ((status == 429 || status == 503) && retry > 0) {
                char s[16];
                snprintf(s, sizeof s, "%d", retry);
                response_header_add(resp, "Retry-After", s);
        }
}
