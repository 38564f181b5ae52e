#include "http/metrics.h"

#include "core/buf.h"
#include "http/request.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#define ROUTES_MAX 256
static const unsigned statuses[] = { 200, 201, 204, 400, 401, 403, 404, 405,
                                     409, 412, 413, 415, 429, 500, 503 };
#define N_STATUS (sizeof statuses / sizeof statuses[0] + 1) /* + "other" */
static const double bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define N_BUCKET (sizeof bounds / sizeof bounds[0])

struct route_stats {
        _Atomic uint64_t by_status[N_STATUS];
        _Atomic uint64_t bucket[N_BUCKET]; /* non-cumulative; summed on render */
        _Atomic uint64_t count;
        _Atomic uint64_t sum_us;
};

struct metrics {
        struct route_stats routes[ROUTES_MAX + 1]; /* last: unmatched */
        _Atomic int64_t inflight;
};

struct metrics *metrics_new(void)
{
        return calloc(1, sizeof(struct metrics));
}

struct metrics *metrics_free(struct metrics *m)
{
        free(m);
        return NULL;
}

void metrics_observe(struct metrics *m, int route, unsigned status, vg_usec_t duration)
{
        struct route_stats *rs =
                &m->routes[(route >= 0 && route < (int)http_routes_count && route < ROUTES_MAX)
                                   ? route
                                   : ROUTES_MAX];
        size_t si = N_STATUS - 1;
        for (size_t i = 0; i < N_STATUS - 1; i++)
                if (statuses[i] == status)
                        si = i;
        atomic_fetch_add(&rs->by_status[si], 1);
        double secs = (double)duration / 1e6;
        for (size_t i = 0; i < N_BUCKET; i++)
                if (secs <= bounds[i]) {
                        atomic_fetch_add(&rs->bucket[i], 1);
                        break;
                }
        atomic_fetch_add(&rs->count, 1);
        atomic_fetch_add(&rs->sum_us, (uint64_t)(duration > 0 ? duration : 0));
}

void metrics_inflight(struct metrics *m, int delta)
{
        atomic_fetch_add(&m->inflight, delta);
}

static void route_labels(int i, const char **method, const char **pattern)
{
        if (i < (int)http_routes_count && i < ROUTES_MAX) {
                *method = http_routes[i].method;
                *pattern = http_routes[i].pattern;
        } else {
                *method = "";
                *pattern = "unmatched";
        }
}

char *metrics_render(struct metrics *m, size_t *len)
{
        struct buf b;
        int r = 0;
        unsigned n = http_routes_count < ROUTES_MAX ? http_routes_count : ROUTES_MAX;

        buf_init(&b, 4u << 20);
        r |= buf_printf(&b, "# HELP vigil_http_requests_total HTTP requests answered, by route and status.\n"
                            "# TYPE vigil_http_requests_total counter\n");
        for (unsigned i = 0; i <= n; i++) {
                int idx = i == n ? ROUTES_MAX : (int)i;
                const char *method, *pattern;
                route_labels(idx, &method, &pattern);
                for (size_t s = 0; s < N_STATUS; s++) {
                        uint64_t c = atomic_load(&m->routes[idx].by_status[s]);
                        if (!c)
                                continue;
                        char code[8];
                        if (s < N_STATUS - 1)
                                snprintf(code, sizeof code, "%u", statuses[s]);
                        else
                                snprintf(code, sizeof code, "other");
                        r |= buf_printf(&b, "vigil_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
                                        method, pattern, code, (unsigned long long)c);
                }
        }
        r |= buf_printf(&b, "# HELP vigil_http_request_duration_seconds Time to answer a request, by route.\n"
                            "# TYPE vigil_http_request_duration_seconds histogram\n");
        for (unsigned i = 0; i <= n; i++) {
                int idx = i == n ? ROUTES_MAX : (int)i;
                struct route_stats *rs = &m->routes[idx];
                uint64_t count = atomic_load(&rs->count);
                if (!count)
                        continue;
                const char *method, *pattern;
                route_labels(idx, &method, &pattern);
                uint64_t cum = 0;
                for (size_t k = 0; k < N_BUCKET; k++) {
                        cum += atomic_load(&rs->bucket[k]);
                        r |= buf_printf(&b, "vigil_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
                                        method, pattern, bounds[k], (unsigned long long)cum);
                }
                r |= buf_printf(&b, "vigil_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n",
                                method, pattern, (unsigned long long)count);
                r |= buf_printf(&b, "vigil_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
                                method, pattern, (double)atomic_load(&rs->sum_us) / 1e6);
                r |= buf_printf(&b, "vigil_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
                                method, pattern, (unsigned long long)count);
        }
        r |= buf_printf(&b, "# HELP vigil_http_requests_in_flight Requests being answered now.\n"
                            "# TYPE vigil_http_requests_in_flight gauge\n"
                            "vigil_http_requests_in_flight %lld\n",
                        (long long)atomic_load(&m->inflight));
        if (r) {
                buf_release(&b);
                return NULL;
        }
        return buf_detach(&b, len);
}
