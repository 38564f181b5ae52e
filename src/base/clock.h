/* The one place Vigil reads the clock. */
#pragma once

#include "core/vtime.h"

/* Wall-clock time, UTC microseconds. */
vg_usec_t clock_now(void);
/* Monotonic microseconds, for durations only. */
vg_usec_t clock_mono(void);
