#include "core/postmortem.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

static bool one_of(const char *s, const char *const *set)
{
        for (; s && *set; set++)
                if (strcmp(s, *set) == 0)
                        return true;
        return false;
}

bool factor_kind_valid(const char *kind)
{
        static const char *const kinds[] = { "technical_lapse", "procedural_failure", "manual_error",
                                             "other_process_flaw", NULL };
        return one_of(kind, kinds);
}

bool improvement_kind_valid(const char *kind)
{
        static const char *const kinds[] = { "prevent", "detect", "respond", NULL };
        return one_of(kind, kinds);
}

bool improvement_status_valid(const char *status)
{
        static const char *const statuses[] = { "open", "in_progress", "done", NULL };
        return one_of(status, statuses);
}

int postmortem_check(const struct pm_facts *f, struct field_errors *unmet)
{
        size_t before = unmet->n;
        if (!f->summary)
                fielderr_add(unmet, "summary", "write the summary");
        if (!f->impact)
                fielderr_add(unmet, "impact", "write the impact");
        if (f->n_factors == 0)
                fielderr_add(unmet, "factors", "name at least one contributing factor");
        for (size_t i = 0; i < f->n_factors; i++)
                if (f->factors[i].improvements == 0) {
                        char field[48];
                        snprintf(field, sizeof field, "factors.%s", f->factors[i].id);
                        fielderr_add(unmet, field, "link at least one improvement to this factor");
                }
        return unmet->n > before || unmet->truncated ? -VG_ECONFLICT : 0;
}
