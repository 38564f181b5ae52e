/* Time zones by IANA name ("Europe/Berlin"), from the system's tz data
 * through libical, as core's struct vg_zone. */
#pragma once

#include "core/vtime.h"

/* The zone called name, or NULL when there is none by that name. Zones
 * are loaded once and live until exit; safe from any thread. */
const struct vg_zone *tz_zone(const char *name);
