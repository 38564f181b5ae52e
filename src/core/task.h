/* The rules of an incident's tasks and of the executive approval of
 * eradication steps with business impact (DESIGN.md §1.5). Pure: the
 * caller passes the step as it is recorded. */
#pragma once

#include "core/incident.h"

#include <stdbool.h>

/* The two-person rule: the one who asked for a step's approval (who wrote
 * the step as it now reads) does not also let it go ahead. May decider
 * decide an approval in state status, requested by requested_by, as
 * decision? 0; -VG_EVALIDATION when decision is neither granted nor
 * rejected; -VG_ECONFLICT when status is not pending (no approval, or
 * decided already); -VG_EFORBIDDEN when decider is the requester. */
int approval_decide_check(enum approval_status status, enum approval_status decision,
                          const char *requested_by, const char *decider);

/* May a task with this approval (APPROVAL__INVALID: it has none) move to
 * status to? A business-impact step starts (in_progress) or is done only
 * once granted; every other move is free. 0 or -VG_ECONFLICT. */
int task_status_check(bool business_impact, enum approval_status approval, enum task_status to);

/* What becomes of a step's approval when its subject (title or owner, the
 * words and person an approval covers) changes. */
enum approval_follow {
        APPROVAL_FOLLOW_KEEP,   /* nothing to void: no approval, or the subject is as approved */
        APPROVAL_FOLLOW_VOID,   /* back to pending, requested by whoever changed it */
        APPROVAL_FOLLOW_LOCKED, /* the step has started under its approval: the change is refused */
};
enum approval_follow approval_follow_subject(enum approval_status approval, enum task_status status,
                                             bool subject_changed);
