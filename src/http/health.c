#include "http/metrics.h"
#include "http/resources.h"

#include "core/error.h"

#include <string.h>

int health_live(struct request *req, struct response *resp)
{
        (void)req;
        return response_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

int health_ready(struct request *req, struct response *resp)
{
        int version = 0;
        int r = store_ping(req->store);
        if (r >= 0)
                r = store_schema_version(req->store, &version);
        if (r < 0) {
                request_detail(req, "the store is not reachable: %s", vg_strerror(r));
                return r == -VG_EBUSY ? r : -VG_EBUSY;
        }
        return response_json(resp, 200, json_pack("{s:s, s:i}", "status", "ready", "schema_version",
                                                   version));
}

int metrics_get(struct request *req, struct response *resp)
{
        size_t len = 0;
        char *text = metrics_render(req->metrics, &len);
        return response_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
