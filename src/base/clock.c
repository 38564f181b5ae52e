#include "base/clock.h"

#include <time.h>

vg_usec_t clock_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (vg_usec_t)ts.tv_sec * VG_USEC_PER_SEC + ts.tv_nsec / 1000;
}

vg_usec_t clock_mono(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (vg_usec_t)ts.tv_sec * VG_USEC_PER_SEC + ts.tv_nsec / 1000;
}
