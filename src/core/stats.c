#include "core/stats.h"

#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

void duration_stats(int64_t *v, size_t n, struct duration_stats *ret)
{
        *ret = (struct duration_stats){ .n = n };
        if (n == 0)
                return;
        qsort(v, n, sizeof *v, cmp);
        long double sum = 0;
        for (size_t i = 0; i < n; i++)
                sum += v[i];
        ret->mean = (int64_t)(sum / n + (sum >= 0 ? 0.5L : -0.5L));
        ret->median = v[(n - 1) / 2];
        size_t rank = (n * 9 + 9) / 10; /* ceil(0.9 n) */
        ret->p90 = v[rank - 1];
        ret->max = v[n - 1];
}
