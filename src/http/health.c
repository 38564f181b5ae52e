#include "http/metrics.h"
#include "http/resources.h"

#include "core/error.h"
#include "intake/syslog_server.h"

#include <errno.h>
#include <stdlib.h>
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
        if (text && req->syslog) {
                uint64_t counts[SYSLOG_OUTCOMES];
                syslog_server_counts(req->syslog, counts);
                size_t cap = len + 200 + SYSLOG_OUTCOMES * 96;
                char *more = realloc(text, cap);
                if (!more) {
                        free(text);
                        return -ENOMEM;
                }
                text = more;
                len += (size_t)snprintf(text + len, cap - len,
                                        "# HELP vigil_syslog_messages_total Syslog messages received, by outcome.\n"
                                        "# TYPE vigil_syslog_messages_total counter\n");
                for (int i = 0; i < SYSLOG_OUTCOMES; i++)
                        len += (size_t)snprintf(text + len, cap - len, "vigil_syslog_messages_total{outcome=\"%s\"} %llu\n",
                                                syslog_outcome_name((enum syslog_outcome)i),
                                                (unsigned long long)counts[i]);
        }
        return response_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
