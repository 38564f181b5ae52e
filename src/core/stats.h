/* Summary statistics of durations for response metrics. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct duration_stats {
        size_t n;
        int64_t mean, median, p90, max; /* seconds; 0 when n is 0 */
};

/* Sorts v in place. median: the lower middle for an even n; p90: the
 * nearest rank (the smallest value with at least 90 % at or below it). */
void duration_stats(int64_t *v, size_t n, struct duration_stats *ret);
