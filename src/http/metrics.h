/* Request metrics in the Prometheus text format: a counter by route and
 * status, and a latency histogram by route. Lock-free (atomics). */
#pragma once

#include "core/vtime.h"

#include <stddef.h>

struct metrics;

struct metrics *metrics_new(void);
struct metrics *metrics_free(struct metrics *m);
/* route is an index into http_routes, or -1 for requests that matched none. */
void metrics_observe(struct metrics *m, int route, unsigned status, vg_usec_t duration);
void metrics_inflight(struct metrics *m, int delta);
/* Text exposition; caller frees. NULL when out of memory. */
char *metrics_render(struct metrics *m, size_t *len);
