/* Post-mortems: what makes one complete enough to approve. Pure. */
#pragma once

#include "core/fielderr.h"

#include <stdbool.h>
#include <stddef.h>

/* Contributing factors are classified as one of these (DESIGN.md 1.7). */
bool factor_kind_valid(const char *kind);
/* Improvements: prevent, detect, respond; open, in_progress, done. */
bool improvement_kind_valid(const char *kind);
bool improvement_status_valid(const char *status);

struct pm_factor {
        const char *id;        /* F1, F2, ... */
        unsigned improvements; /* improvements linked to it */
};

struct pm_facts {
        bool summary, impact;  /* written (not blank) */
        size_t n_factors;
        const struct pm_factor *factors;
};

/* May it be approved? Every unmet criterion goes to unmet (field:
 * summary, impact, factors, factors.F2, ...). Returns 0 or -VG_ECONFLICT. */
int postmortem_check(const struct pm_facts *f, struct field_errors *unmet);
