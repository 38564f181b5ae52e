#include "core/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_reserve_size(void *pv, size_t *cap, size_t need, size_t size, size_t max)
{
        if (need <= *cap)
                return 0;
        if (need > max)
                return -ENOBUFS;
        if (size == 0)
                return -EINVAL;
        if (need > SIZE_MAX / size)
                return -EOVERFLOW;
        size_t n = *cap ? *cap : ARRAY_CAP_MIN;
        while (n < need)
                n = n > SIZE_MAX / 2 ? need : n * 2;
        if (n > max)
                n = max;
        if (n > SIZE_MAX / size)
                n = need; /* need * size fits (checked above) */
        /* *pv is the caller's T *: read and write it as bytes, which every
         * platform Vigil runs on lays out like a void * (POSIX requires it). */
        void *old;
        memcpy(&old, pv, sizeof old);
        void *p = realloc(old, n * size);
        if (!p)
                return -ENOMEM;
        memcpy(pv, &p, sizeof p);
        *cap = n;
        return 0;
}
