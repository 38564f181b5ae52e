/* Loading the notification rules (etc/rules.yaml) into core's rule_set,
 * with every check the data needs: unique ids, known anchors, units,
 * zones, holiday calendars, jurisdictions, data categories, stages that
 * follow an earlier rule. Errors name the file, the line and the rule. */
#pragma once

#include "core/rules.h"

#include <stddef.h>

/* Returns 0, or -VG_ECONFIG with "FILE:LINE: rule 'ID': what is wrong" in
 * err (or -errno when the file cannot be read). */
int rules_load(const char *path, struct rule_set *ret, char *err, size_t errlen);
